/*
 * Trust: what gets typed, and how a screen is read, comes only from files the user trusts, as
 * direnv and mise do for theirs. A state file is trusted when this helper created it or the
 * user said so (`tmux-dispatch trust`); a file beside it that changes what is typed or how a
 * screen is read (the profiles file) when the user trusted it as it is now. The records live
 * outside any repository, in $XDG_STATE_HOME/tmux-dispatch/trust.json. A file another user
 * owns, or that others may write, is never trusted, like ssh's key files.
 */
#ifndef TRUST_H
#define TRUST_H

#define TRUST_STATE 0 /* a state file: its path in the directory it was trusted in */
#define TRUST_FILE 1  /* any other file: its path and its exact identity (inode, ctime, size) */

/* The trust store's path (caller frees). */
char *trust_store_path(void);
/* Whether PATH (of KIND) may drive delivery: 0, or TD_EXIT_UNTRUSTED with *cause saying why
 * and how to trust it. A file that does not exist is trusted (there is nothing to read). */
int trust_check(const char *path, int kind, char **cause);
/* Records PATH as trusted (refused for a loose file); 0 or a TD_EXIT_* status with *cause. */
int trust_add(const char *path, int kind, char **cause);
/* Forgets PATH; 0, or TD_EXIT_NOTFOUND when it was not trusted. */
int trust_remove(const char *path, char **cause);
/*
 * Whether the state file STATE_PATH may deliver: it is trusted, and so is every file beside it
 * that changes what is typed or how a screen is read: the profiles file PROFILES (one the user
 * NAMED, $TMUX_DISPATCH_PROFILES, is their own choice and needs only to be theirs and not
 * writable by others). 0, or TD_EXIT_UNTRUSTED with *cause. check_trusted finds PROFILES.
 */
int trust_delivery(const char *state_path, const char *profiles, int named, char **cause);
/* Whether a file the user NAMED (an environment variable) may drive delivery: it needs only to
 * be theirs and not writable by others. 0 (also for no file), or TD_EXIT_UNTRUSTED with *cause. */
int trust_owned(const char *path, char **cause);
/* The records, as JSON (caller deletes); NULL with *cause on an unreadable store. */
struct cJSON *trust_list(char **cause);

#endif
