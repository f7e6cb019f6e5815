/* Trust (trust.h): the store, identities, and the ssh-like ownership and mode rules. */
#define _GNU_SOURCE /* statx(2): a directory's birth time */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "durable.h"
#include "trust.h"
#include "tmux-dispatch.h"

#define TRUST_STORE_MAX (16 * 1024 * 1024)
#define TRUST_LOCK_TIMEOUT 10

/* $XDG_STATE_HOME/tmux-dispatch, else ~/.local/state/tmux-dispatch; NULL with neither set. */
static char *
trust_dir(void)
{
	const char *xdg = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
	char *dir;

	if (xdg != NULL && *xdg == '/')
		xasprintf(&dir, "%s/tmux-dispatch", xdg);
	else if (home != NULL && *home == '/')
		xasprintf(&dir, "%s/.local/state/tmux-dispatch", home);
	else
		return NULL;
	return dir;
}

char *
trust_store_path(void)
{
	char *dir = trust_dir(), *path;

	if (dir == NULL)
		return NULL;
	xasprintf(&path, "%s/trust.json", dir);
	free(dir);
	return path;
}

/* The key of PATH: its real path (a symlink's target is what is read and written), or, for a
 * file that does not exist yet, its directory's real path and its name. */
static char *
trust_key(const char *path)
{
	char *real = realpath(path, NULL), *dir, *rdir, *key;
	const char *slash;

	if (real != NULL)
		return real;
	slash = strrchr(path, '/');
	dir = file_dirname(path);
	rdir = realpath(dir, NULL);
	xasprintf(&key, "%s/%s", rdir != NULL ? rdir : dir, slash != NULL ? slash + 1 : path);
	free(rdir);
	free(dir);
	return key;
}

/* Owned by another user, or writable by others: refused, as ssh refuses loose key files. */
static int
trust_loose(const char *path, const struct stat *sb, char **cause)
{
	struct stat dsb;
	char *dir;
	int loose = 0;

	if (sb->st_uid != getuid()) {
		xasprintf(cause, "%s is owned by uid %ld, not by you: not trusted", path,
		    (long)sb->st_uid);
		return 1;
	}
	if (sb->st_mode & 022) {
		xasprintf(cause, "%s is writable by others (mode %03o): not trusted; "
		    "chmod go-w it", path, (unsigned)(sb->st_mode & 0777));
		return 1;
	}
	dir = file_dirname(path);
	if (stat(dir, &dsb) == 0 && (dsb.st_mode & 022) && !(dsb.st_mode & S_ISVTX)) {
		xasprintf(cause, "%s is in %s, which others may write to: not trusted", path, dir);
		loose = 1;
	}
	free(dir);
	return loose;
}

/*
 * A directory's inode number alone does not tell a fresh clone from the trusted one: the file
 * system hands a freed number to the next directory made (deleted and cloned again at the same
 * path, almost always). Its birth time does, where the file system keeps one; appended to BUF.
 */
static void
trust_birth(const char *key, char *buf, size_t size)
{
#ifdef STATX_BTIME
	struct statx sx;
	char *dir = file_dirname(key);
	size_t len = strlen(buf);

	if (statx(AT_FDCWD, dir, 0, STATX_BTIME, &sx) == 0 && (sx.stx_mask & STATX_BTIME))
		snprintf(buf + len, size - len, ":%lld.%09u", (long long)sx.stx_btime.tv_sec,
		    sx.stx_btime.tv_nsec);
	free(dir);
#else
	(void)key, (void)buf, (void)size;
#endif
}

/* What a record holds of a file: for a state file its directory's identity (the file itself
 * is replaced by rename on every write), for others the file's own. */
static cJSON *
trust_identity(const char *key, int kind)
{
	cJSON *id = cJSON_CreateObject();
	struct stat sb;
	char buf[64], *dir;
	int rc;

	if (kind == TRUST_STATE) {
		dir = file_dirname(key);
		rc = stat(dir, &sb);
		free(dir);
	} else
		rc = stat(key, &sb);
	cJSON_AddStringToObject(id, "kind", kind == TRUST_STATE ? "state" : "file");
	if (rc != 0)
		return id;
	snprintf(buf, sizeof buf, "%ju:%ju", (uintmax_t)sb.st_dev, (uintmax_t)sb.st_ino);
	if (kind == TRUST_STATE)
		trust_birth(key, buf, sizeof buf);
	cJSON_AddStringToObject(id, kind == TRUST_STATE ? "directory" : "inode", buf);
	if (kind == TRUST_FILE) {
		snprintf(buf, sizeof buf, "%jd.%09ld %jd", (intmax_t)sb.st_ctim.tv_sec,
		    sb.st_ctim.tv_nsec, (intmax_t)sb.st_size);
		cJSON_AddStringToObject(id, "changed", buf);
	}
	return id;
}

static const char *
trust_str(const cJSON *obj, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int
trust_same(const cJSON *a, const cJSON *b)
{
	static const char *const keys[] = { "kind", "directory", "inode", "changed", NULL };
	const char *const *k;
	const char *x, *y;

	for (k = keys; *k != NULL; k++) {
		x = trust_str(a, *k);
		y = trust_str(b, *k);
		if ((x == NULL) != (y == NULL) || (x != NULL && strcmp(x, y) != 0))
			return 0;
	}
	return 1;
}

/* The store, or an empty one when there is none yet; NULL with *cause when unreadable. */
static cJSON *
trust_load(const char *store, char **cause)
{
	cJSON *root, *files;
	size_t len;
	char *text;
	int rc;

	if ((rc = file_read_path(store, TRUST_STORE_MAX, &text, &len, cause)) == TD_EXIT_NOTFOUND) {
		free(*cause);
		*cause = NULL;
		root = cJSON_CreateObject();
		cJSON_AddNumberToObject(root, "version", 1);
	} else if (rc != 0)
		return NULL;
	else {
		root = cJSON_ParseWithLength(text, len);
		free(text);
		if (!cJSON_IsObject(root)) {
			cJSON_Delete(root);
			xasprintf(cause, "%s: not a trust store (invalid JSON); fix or remove it", store);
			return NULL;
		}
	}
	files = cJSON_GetObjectItemCaseSensitive(root, "files");
	if (files == NULL)
		cJSON_AddItemToObject(root, "files", cJSON_CreateObject());
	else if (!cJSON_IsObject(files)) {
		cJSON_Delete(root);
		xasprintf(cause, "%s: \"files\" must be an object; fix or remove it", store);
		return NULL;
	}
	return root;
}

int
trust_check(const char *path, int kind, char **cause)
{
	char *store = trust_store_path(), *key = NULL, *why = NULL;
	cJSON *root = NULL, *rec, *now = NULL;
	struct stat sb;
	int rc = TD_EXIT_UNTRUSTED;

	if (stat(path, &sb) != 0) {
		rc = 0; /* nothing there to read */
		goto out;
	}
	if (trust_loose(path, &sb, cause))
		goto out;
	if (store == NULL) {
		xasprintf(cause, "%s: no trust store (set HOME or XDG_STATE_HOME)", path);
		goto out;
	}
	if ((root = trust_load(store, &why)) == NULL) {
		xasprintf(cause, "%s", why);
		goto out;
	}
	key = trust_key(path);
	rec = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(root, "files"),
	    key);
	now = trust_identity(key, kind);
	if (rec == NULL)
		xasprintf(cause, "%s is not trusted%s; read it, then: tmux-dispatch trust %s", path,
		    kind == TRUST_STATE ? " (tmux-dispatch did not create it here)" : "", path);
	else if (!trust_same(rec, now))
		xasprintf(cause, "%s changed since it was trusted; read it, then: tmux-dispatch trust "
		    "%s", path, path);
	else
		rc = 0;
out:
	cJSON_Delete(now);
	cJSON_Delete(root);
	free(why);
	free(key);
	free(store);
	return rc;
}

/* The store's directory, 0700 and the user's, and any missing parent (~/.local/state). */
static int
trust_mkdirs(const char *dir, char **cause)
{
	char *p = xstrdup(dir), *slash;
	int rc;

	for (slash = strchr(p + 1, '/'); slash != NULL; slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		if (mkdir(p, 0700) != 0 && errno != EEXIST)
			break;
		*slash = '/';
	}
	rc = durable_mkdir(dir, 0600, cause);
	free(p);
	return rc;
}

/* Changes the store under its lock: ADD a record for KEY of KIND, or remove it. */
static int
trust_update(const char *key, int kind, int add, char **cause)
{
	char *store = trust_store_path(), *dir = NULL, *lock = NULL, *text, stamp[32];
	cJSON *root = NULL, *files, *rec;
	int fd = -1, rc = TD_EXIT_FAIL;
	struct tm tm;
	time_t now;

	if (store == NULL) {
		xasprintf(cause, "no trust store (set HOME or XDG_STATE_HOME)");
		return TD_EXIT_FAIL;
	}
	dir = file_dirname(store);
	xasprintf(&lock, "%s.lock", store);
	if (trust_mkdirs(dir, cause) != 0 ||
	    durable_lock(lock, 0600, TRUST_LOCK_TIMEOUT, &fd, cause) != 0 ||
	    (root = trust_load(store, cause)) == NULL)
		goto out;
	files = cJSON_GetObjectItemCaseSensitive(root, "files");
	if (add) {
		rec = trust_identity(key, kind);
		now = time(NULL);
		strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &tm));
		cJSON_AddStringToObject(rec, "trustedAt", stamp);
		cJSON_DeleteItemFromObjectCaseSensitive(files, key);
		cJSON_AddItemToObject(files, key, rec);
	} else if (cJSON_GetObjectItemCaseSensitive(files, key) == NULL) {
		xasprintf(cause, "%s is not trusted", key);
		rc = TD_EXIT_NOTFOUND;
		goto out;
	} else
		cJSON_DeleteItemFromObjectCaseSensitive(files, key);
	if ((text = cJSON_Print(root)) == NULL)
		fatal("out of memory");
	rc = durable_replace(store, text, strlen(text), 0600, cause) == 0 ? 0 : TD_EXIT_FAIL;
	cJSON_free(text);
out:
	if (fd != -1)
		close(fd);
	cJSON_Delete(root);
	free(lock);
	free(dir);
	free(store);
	return rc;
}

int
trust_add(const char *path, int kind, char **cause)
{
	struct stat sb;
	char *key;
	int rc;

	if (stat(path, &sb) == 0 && trust_loose(path, &sb, cause))
		return TD_EXIT_UNTRUSTED;
	key = trust_key(path);
	rc = trust_update(key, kind, 1, cause);
	free(key);
	return rc;
}

int
trust_remove(const char *path, char **cause)
{
	char *key = trust_key(path);
	int rc = trust_update(key, TRUST_FILE, 0, cause);

	free(key);
	return rc;
}

cJSON *
trust_list(char **cause)
{
	char *store = trust_store_path();
	cJSON *root;

	if (store == NULL) {
		xasprintf(cause, "no trust store (set HOME or XDG_STATE_HOME)");
		return NULL;
	}
	root = trust_load(store, cause);
	free(store);
	return root;
}

int
trust_owned(const char *path, char **cause)
{
	struct stat sb;

	if (stat(path, &sb) != 0 || !trust_loose(path, &sb, cause))
		return 0;
	return TD_EXIT_UNTRUSTED;
}

int
trust_delivery(const char *state_path, const char *profiles, int named, char **cause)
{
	int rc;

	if ((rc = trust_check(state_path, TRUST_STATE, cause)) != 0)
		return rc;
	return named ? trust_owned(profiles, cause) : trust_check(profiles, TRUST_FILE, cause);
}
