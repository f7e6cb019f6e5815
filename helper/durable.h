/*
 * Durable writes: the one way the helper puts bytes in a file. A replacement goes to a temp
 * file in the same directory that is fsynced and renamed over the file, then the directory is
 * fsynced, so a reader or a crash sees the old file or the new one, never a mix; an append is
 * one write() with O_APPEND. Files beside the state take its permissions: they hold screen text.
 */
#ifndef DURABLE_H
#define DURABLE_H

#include <stddef.h>
#include <sys/types.h>

/*
 * Replaces PATH with LEN bytes of TEXT, given MODE. The temp file is PATH.tmp: the caller holds
 * the lock that guards PATH, so one found there is a dead writer's and is removed. Returns 0,
 * or -1 with *cause naming the file and the system's reason (caller frees).
 */
int durable_replace(const char *path, const char *text, size_t len, mode_t mode, char **cause);
/* Appends TEXT in one write (a regular file only, never through a symlink), creating PATH
 * with MODE; with SYNC, fsyncs it. Returns 0 or -1 with *cause. */
int durable_append(const char *path, const char *text, size_t len, mode_t mode, int sync,
    char **cause);
/* Creates directory DIR for files of MODE (search bits where read bits are) unless it exists;
 * one that is a symlink, not a directory, or not the user's is refused. */
int durable_mkdir(const char *dir, mode_t mode, char **cause);
/*
 * Takes an exclusive flock on PATH (created with MODE, never through a symlink), waiting at
 * most TIMEOUT seconds; *fd holds it until closed. Returns 0 or -1 with *cause.
 */
int durable_lock(const char *path, mode_t mode, int timeout, int *fd, char **cause);
/* The permission bits of PATH, or 0644 less the umask when it does not exist. */
mode_t durable_mode_of(const char *path);

#endif
