/*
 * The state file. Every read-modify-write holds an flock on a separate lock file (the state
 * file itself is replaced by rename, so a lock on it would protect nothing), and every write
 * goes to a temp file in the same directory that is fsynced and renamed over the original,
 * then the directory is fsynced: readers see the old file or the new one, never a mix.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "durable.h"
#include "jsontext.h"
#include "limit.h"
#include "name.h"
#include "state.h"
#include "strmap.h"
#include "terminal.h"
#include "trust.h"
#include "tmux-dispatch.h"

#define STATE_LOCK_TIMEOUT 10 /* seconds, unless $TMUX_DISPATCH_LOCK_TIMEOUT says otherwise */
#define STATE_MAX_PRIORITY 1000000000.0

static const char *state_statuses[] = {
	ST_PENDING, ST_RUNNING, ST_DONE, ST_FAILED, ST_CANCELLED, NULL
};

char *
state_find_path(const char *given)
{
	const char *env = getenv("TMUX_DISPATCH_STATE");
	char *dir, *path, *slash;

	if (given != NULL)
		return xstrdup(given);
	if (env != NULL && *env != '\0')
		return xstrdup(env);
	if ((dir = getcwd(NULL, 0)) == NULL)
		return xstrdup(STATE_FILE_NAME);
	for (;;) {
		xasprintf(&path, "%s/%s", strcmp(dir, "/") == 0 ? "" : dir, STATE_FILE_NAME);
		if (access(path, F_OK) == 0)
			break;
		free(path);
		path = NULL;
		if ((slash = strrchr(dir, '/')) == NULL || strcmp(dir, "/") == 0)
			break;
		slash[slash == dir ? 1 : 0] = '\0';
	}
	free(dir);
	return path != NULL ? path : xstrdup(STATE_FILE_NAME);
}

char *
state_find_dir(const char *given)
{
	char *path = state_find_path(given), *dir = file_dirname(path);

	free(path);
	return dir;
}


static int
state_lock_timeout(void)
{
	return (int)args_env_int("TMUX_DISPATCH_LOCK_TIMEOUT", 1, 86399, STATE_LOCK_TIMEOUT);
}

/* The lock is a separate file, STATE.lock: the state file itself is replaced by rename. */
static int
state_lock(struct state *st)
{
	char *lock_path, *cause;
	int rc = 0;

	xasprintf(&lock_path, "%s.lock", st->path);
	/* Files beside the state (lock, history) get no more access than the state file has. */
	if (durable_lock(lock_path, durable_mode_of(st->path), state_lock_timeout(), &st->lock_fd,
	    &cause) != 0) {
		rc = td_error(TD_EXIT_FAIL, "%s", cause);
		free(cause);
	}
	free(lock_path);
	return rc;
}

static int state_invalid(struct state *, const char *, ...)
    __attribute__((format(printf, 2, 3)));

static int
state_read(struct state *st, char **buf, size_t *len, mode_t *mode)
{
	struct stat sb;
	size_t done = 0;
	ssize_t n;
	int fd;

	*buf = NULL;
	*len = 0;
	if ((fd = open(st->path, O_RDONLY | O_CLOEXEC)) == -1) {
		if (errno == ENOENT)
			return 0;
		return td_error(TD_EXIT_FAIL, "%s: %s", st->path, strerror(errno));
	}
	if (fstat(fd, &sb) == 0 && sb.st_size > STATE_MAX_FILE) {
		close(fd);
		return state_invalid(st, "larger than the %d MiB a state file may have",
		    STATE_MAX_FILE >> 20);
	}
	if (fstat(fd, &sb) == -1 || !S_ISREG(sb.st_mode)) {
		close(fd);
		return td_error(TD_EXIT_FAIL, "%s: not a regular file", st->path);
	}
	*mode = sb.st_mode & 07777;
	*buf = xmalloc((size_t)sb.st_size + 1);
	while (done < (size_t)sb.st_size) {
		n = read(fd, *buf + done, (size_t)sb.st_size - done);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		done += (size_t)n;
	}
	close(fd);
	(*buf)[done] = '\0';
	*len = done;
	st->exists = 1;
	return 0;
}

/* Reports PATH:LINE:COL for a byte offset, counting columns in characters, not bytes. */
static int
state_error_at(struct state *st, const char *buf, size_t off, const char *what)
{
	size_t line, col;

	file_position(buf, off, &line, &col);
	return td_error(TD_EXIT_INVALID, "%s:%zu:%zu: %s; the file was left untouched",
	    st->path, line, col, what);
}

static int
state_invalid(struct state *st, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	xvasprintf(&msg, fmt, ap);
	va_end(ap);
	td_error(TD_EXIT_INVALID, "%s: %s; the file was left untouched", st->path, msg);
	free(msg);
	return TD_EXIT_INVALID;
}

/*
 * cJSON keeps a number only as a double, so a rewrite would turn another tool's 1.50 into 1.5,
 * 1e999 into null and a 19-digit id into a nearby one. A second walk over the parsed text, in
 * step with the tree, keeps each number's text in its (otherwise unused) valuestring, and
 * the printers (jsontext.c, state_print) write that text back while the double still matches
 * it; a plain whole number, which they write as read anyway, keeps none. The same walk finds
 * \u0000 in strings, which cJSON would silently cut short. Returns NULL at such a \u0000.
 */
static const char *
state_skip_space(const char *p)
{
	while (*p != '\0' && (unsigned char)*p <= ' ') /* what cJSON skips */
		p++;
	return p;
}

/* Past the string literal at p, or NULL with *bad at a \u0000 in it. */
static const char *
state_skip_string(const char *p, const char **bad)
{
	/* In runs up to the next quote or backslash: strcspn scans many bytes a step. */
	for (p++; *(p += strcspn(p, "\"\\")) == '\\'; p += 2) {
		if (strncmp(p, "\\u0000", 6) == 0) {
			*bad = p;
			return NULL;
		}
		if (p[1] == '\0')
			return p + 1;
	}
	return *p == '"' ? p + 1 : p;
}

/*
 * Past the string literal at p whose parsed text is S: when its first strlen(S) bytes hold no
 * backslash they are S itself, and the quote after them ends it (memchr is many bytes a step);
 * else state_skip_string.
 */
static const char *
state_skip_parsed(const char *p, const char *s, const char **bad)
{
	size_t len = strlen(s);

	/* The literal is at least as long as its text: escapes only shorten it. */
	if (memchr(p + 1, '\\', len) == NULL && p[1 + len] == '"')
		return p + len + 2;
	return state_skip_string(p, bad);
}

/* A whole number jsontext.c and cJSON write back as these very digits: 0, or up to nine
 * digits without a leading 0, maybe after a minus. */
static int
state_plain_int(const char *p, size_t len)
{
	size_t i = p[0] == '-';

	if (len == 1 && p[0] == '0')
		return 1;
	if (len <= i || len - i > 9 || p[i] == '0')
		return 0;
	for (; i < len; i++) {
		if (p[i] < '0' || p[i] > '9')
			return 0;
	}
	return 1;
}

static const char *
state_keep_text(cJSON *item, const char *p, const char **bad)
{
	/* The type by hand: cJSON_IsNumber and the like are calls into the library, per node. */
	int type = item->type & 0xff;
	cJSON *child;
	size_t len;

	p = state_skip_space(p);
	if (type == cJSON_Number) {
		len = strspn(p, "0123456789+-.eE");
		/* Most numbers are such whole numbers: nothing to keep, the printers write them. */
		if (state_plain_int(p, len))
			return p + len;
		if ((item->valuestring = cJSON_malloc(len + 1)) == NULL)
			fatal("out of memory");
		memcpy(item->valuestring, p, len);
		item->valuestring[len] = '\0';
		return p + len;
	}
	if (type == cJSON_String)
		return state_skip_parsed(p, item->valuestring, bad);
	if (type == cJSON_True || type == cJSON_NULL)
		return p + 4;
	if (type == cJSON_False)
		return p + 5;
	p++; /* [ or { */
	for (child = item->child; child != NULL; child = child->next) {
		if (type == cJSON_Object) {
			if ((p = state_skip_parsed(state_skip_space(p), child->string, bad)) == NULL)
				return NULL;
			p = state_skip_space(p) + 1; /* : */
		}
		if ((p = state_keep_text(child, p, bad)) == NULL)
			return NULL;
		p = state_skip_space(p) + 1; /* , or the closing bracket */
	}
	return item->child == NULL ? state_skip_space(p) + 1 : p;
}

static int
state_parse(struct state *st, const char *buf, size_t len)
{
	const char *end = NULL, *nul, *bad = NULL;
	size_t i;

	if ((nul = memchr(buf, '\0', len)) != NULL)
		return state_error_at(st, buf, (size_t)(nul - buf), "NUL byte in the file");
	for (i = 0; i < len && strchr(" \t\r\n", buf[i]) != NULL; i++)
		;
	if (i == len) {
		/* An empty file is an empty state: `touch .terminal-status.json` starts one. */
		st->root = cJSON_CreateObject();
		return 0;
	}
	st->root = cJSON_ParseWithLengthOpts(buf, len + 1, &end, 1);
	if (st->root == NULL) {
		if (end == NULL || end < buf || end > buf + len)
			end = buf + len;
		return state_error_at(st, buf, (size_t)(end - buf),
		    end == buf + len ? "invalid JSON (unexpected end of file)" : "invalid JSON");
	}
	/* cJSON skips a UTF-8 byte order mark. */
	if (state_keep_text(st->root, strncmp(buf, "\xef\xbb\xbf", 3) == 0 ? buf + 3 : buf,
	    &bad) == NULL)
		return state_error_at(st, buf, (size_t)(bad - buf),
		    "\\u0000 in a string is not supported");
	if (!cJSON_IsObject(st->root))
		return state_invalid(st, "the top level must be a JSON object");
	return 0;
}

/* Known keys appear once: with two "queue" keys, which one other tools read is anyone's guess. */
static int
state_check_duplicates(struct state *st, const cJSON *obj, const char *where,
    const char *const *known)
{
	const cJSON *a;
	const char *const *k;

	for (k = known; *k != NULL; k++) {
		int seen = 0;
		for (a = obj->child; a != NULL; a = a->next)
			seen += a->string != NULL && strcmp(a->string, *k) == 0;
		if (seen > 1)
			return state_invalid(st, "%s: key \"%s\" appears %d times", where, *k, seen);
	}
	return 0;
}

static cJSON *
state_ensure(cJSON *obj, const char *key, cJSON *(*create)(void))
{
	cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, key);

	if (item == NULL) {
		item = create();
		cJSON_AddItemToObject(obj, key, item);
	}
	return item;
}

static int
state_check_string_array(const cJSON *arr)
{
	const cJSON *e;

	if (!cJSON_IsArray(arr))
		return -1;
	cJSON_ArrayForEach(e, arr) {
		if (!cJSON_IsString(e))
			return -1;
	}
	return 0;
}

static int state_check_names(struct state *, cJSON *);

static int
state_check_terminal(struct state *st, cJSON *term)
{
	static const char *const known[] = { "target", "profile", "group", "allow",
		TERMINAL_AGENT, NULL };
	static const char *const strings[] = { "target", "profile", "group", TERMINAL_AGENT, NULL };
	const char *const *k;
	cJSON *field;

	if (!cJSON_IsObject(term))
		return state_invalid(st, "terminals.%s must be an object", term->string);
	if (state_check_duplicates(st, term, term->string, known) != 0)
		return TD_EXIT_INVALID;
	for (k = strings; *k != NULL; k++) {
		field = cJSON_GetObjectItemCaseSensitive(term, *k);
		if (field != NULL && !cJSON_IsString(field))
			return state_invalid(st, "terminals.%s.%s must be a string", term->string,
			    *k);
	}
	if (state_str(term, "target") == NULL)
		return state_invalid(st, "terminals.%s has no \"target\"", term->string);
	return state_check_names(st, term);
}

/*
 * The name rules of terminal add, applied to what another tool wrote: names, groups and
 * profiles are printed for people and passed to tmux, so a control character in one could
 * hide or forge a line of output, or reach an outer terminal.
 */
static int
state_check_names(struct state *st, cJSON *term)
{
	const char *name = term->string, *v;
	cJSON *field;

	if (!name_valid(name) || name[0] == '-' || strcmp(name, "all") == 0 ||
	    strncmp(name, "all-", 4) == 0)
		return state_invalid(st, "terminals: \"%s\" is not a terminal name (1 to 64 of "
		    "A-Z a-z 0-9 . _ -, not starting with -, not all or all-*)", name);
	if (!name_valid_target(state_str(term, "target")))
		return state_invalid(st, "terminals.%s.target \"%s\" is not a tmux target "
		    "(session:window[.pane], %%N or @N)", name, state_str(term, "target"));
	if (((v = state_str(term, "profile")) != NULL && !name_valid(v)) ||
	    ((v = state_str(term, "group")) != NULL && !name_valid(v)) ||
	    ((v = state_str(term, TERMINAL_AGENT)) != NULL && !name_valid(v)))
		return state_invalid(st, "terminals.%s: \"%s\" is not a profile or group name",
		    name, v);
	field = cJSON_GetObjectItemCaseSensitive(term, "allow");
	if (field != NULL && state_check_string_array(field) != 0)
		return state_invalid(st, "terminals.%s.allow must be an array of strings",
		    term->string);
	return 0;
}

/* A terminal named twice is as ambiguous as a known key given twice. */
static int
state_check_terminals(struct state *st)
{
	struct strmap *names = strmap_new();
	cJSON *term;
	int rc = 0;

	cJSON_ArrayForEach(term, st->terminals) {
		if (strmap_put(names, term->string, term) != NULL)
			rc = state_invalid(st, "terminal \"%s\" appears twice", term->string);
		else
			rc = state_check_terminal(st, term);
		if (rc != 0)
			break;
	}
	strmap_free(names);
	return rc;
}

/* Numbers from "q-N" ids, so generated ids never collide with ones already present. */
static void
state_note_id(struct state *st, const char *id)
{
	char *end;
	double n = 0;
	size_t i;

	if (strncmp(id, "q-", 2) != 0 || id[2] < '0' || id[2] > '9')
		return;
	/* Digits alone, as every generated id, without strtod (a tenth of a large load's checks):
	 * up to 15 of them the sum is exact. */
	for (i = 2; i < 17 && id[i] >= '0' && id[i] <= '9'; i++)
		n = n * 10 + (id[i] - '0');
	if (id[i] != '\0') {
		n = strtod(id + 2, &end);
		if (*end != '\0')
			return;
	}
	if (n >= st->next_id && n < 9e15)
		st->next_id = n + 1;
}

enum {
	IK_ID, IK_COMMAND, IK_STATUS, IK_ASSIGNED, IK_DEPENDS, IK_PRIORITY, IK_ATTEMPTS,
	IK_CREATED, IK_STARTED, IK_FINISHED, IK_TITLE, IK_ESTIMATE, IK_PHASE, IK_N
};
static const char *const state_item_keys[IK_N] = { ITEM_ID, ITEM_COMMAND, ITEM_STATUS,
	ITEM_ASSIGNED, ITEM_DEPENDS, ITEM_PRIORITY, ITEM_ATTEMPTS, ITEM_CREATED, ITEM_STARTED,
	ITEM_FINISHED, ITEM_TITLE, ITEM_ESTIMATE, ITEM_PHASE };

/* The known item key a member name is, or -1: its first letters pick one key to compare. */
static int
state_item_key(const char *name)
{
	int k;

	switch (name[0]) {
	case 'i': k = IK_ID; break;
	case 'c': k = name[1] == 'o' ? IK_COMMAND : IK_CREATED; break;
	case 's': k = name[1] == 't' && name[2] == 'a' && name[3] == 't' ? IK_STATUS : IK_STARTED;
		break;
	case 'a': k = name[1] == 's' ? IK_ASSIGNED : IK_ATTEMPTS; break;
	case 'd': k = IK_DEPENDS; break;
	case 'p': k = name[1] == 'r' ? IK_PRIORITY : IK_PHASE; break;
	case 'f': k = IK_FINISHED; break;
	case 't': k = IK_TITLE; break;
	case 'e': k = IK_ESTIMATE; break;
	default: return -1;
	}
	return strcmp(name, state_item_keys[k]) == 0 ? k : -1;
}

static int
state_check_whole(struct state *st, cJSON *item, cJSON *v, const char *where, size_t i,
    const char *key, double min, double max)
{
	if (v == NULL) {
		cJSON_AddNumberToObject(item, key, 0);
		return 0;
	}
	if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble) || v->valuedouble < min ||
	    v->valuedouble > max || floor(v->valuedouble) != v->valuedouble)
		return state_invalid(st, "%s[%zu].%s must be a whole number from %.0f to %.0f",
		    where, i, key, min, max);
	return 0;
}

/* An id is printed for people and names result files: text without control characters. */
static int
state_check_id(struct state *st, cJSON *item, cJSON *id, const char *where, size_t i)
{
	const char *why;

	/* A missing id is given one by state_assign_ids, once every written id is known. */
	if (id == NULL)
		st->fixups++;
	else if (!cJSON_IsString(id) || *id->valuestring == '\0')
		return state_invalid(st, "%s[%zu].id must be a non-empty string", where, i);
	else if ((why = name_text_error(id->valuestring, "")) != NULL)
		return state_invalid(st, "%s[%zu].id %s", where, i, why);
	else if (strmap_put(st->ids, id->valuestring, item) != NULL)
		return state_invalid(st, "item id \"%s\" is used twice", id->valuestring);
	else
		state_note_id(st, id->valuestring);
	return 0;
}

/* One walk over the item's members finds every known key: items are most of a large file. */
static int
state_check_item(struct state *st, cJSON *item, const char *where, size_t i)
{
	cJSON *f[IK_N] = { 0 }, *child;
	int count[IK_N] = { 0 }, k;
	const char **s;

	if (!cJSON_IsObject(item))
		return state_invalid(st, "%s[%zu] must be an object", where, i);
	for (child = item->child; child != NULL; child = child->next) {
		if ((k = state_item_key(child->string)) >= 0 && count[k]++ == 0)
			f[k] = child;
	}
	for (k = 0; k < IK_N; k++) {
		if (count[k] > 1)
			return state_invalid(st, "%s: key \"%s\" appears %d times", where,
			    state_item_keys[k], count[k]);
	}
	if (state_check_id(st, item, f[IK_ID], where, i) != 0)
		return TD_EXIT_INVALID;
	if (!cJSON_IsString(f[IK_COMMAND]))
		return state_invalid(st, "%s[%zu].command must be a string", where, i);
	if (f[IK_STATUS] == NULL)
		f[IK_STATUS] = cJSON_AddStringToObject(item, ITEM_STATUS, ST_PENDING);
	else if (!cJSON_IsString(f[IK_STATUS]))
		return state_invalid(st, "%s[%zu].status must be a string", where, i);
	for (s = state_statuses; *s != NULL && strcmp(*s, f[IK_STATUS]->valuestring) != 0; s++)
		;
	if (*s == NULL)
		return state_invalid(st, "%s[%zu].status \"%s\" is not one of pending, running, "
		    "done, failed, cancelled", where, i, f[IK_STATUS]->valuestring);
	if ((s - state_statuses >= 2) != (where[0] == 'c'))
		st->fixups++; /* in the other list: state_sort_items moves it */
	if (f[IK_ASSIGNED] != NULL && !cJSON_IsNull(f[IK_ASSIGNED]) &&
	    (!cJSON_IsString(f[IK_ASSIGNED]) || (*f[IK_ASSIGNED]->valuestring != '\0' &&
	    !name_valid(f[IK_ASSIGNED]->valuestring))))
		return state_invalid(st, "%s[%zu].assignedTo must be a terminal or group name, or "
		    "null", where, i);
	if (f[IK_DEPENDS] == NULL)
		cJSON_AddItemToObject(item, ITEM_DEPENDS, cJSON_CreateArray());
	else if (state_check_string_array(f[IK_DEPENDS]) != 0)
		return state_invalid(st, "%s[%zu].dependsOn must be an array of ids", where, i);
	if (state_check_whole(st, item, f[IK_PRIORITY], where, i, ITEM_PRIORITY,
	    -STATE_MAX_PRIORITY, STATE_MAX_PRIORITY) != 0 ||
	    state_check_whole(st, item, f[IK_ATTEMPTS], where, i, ITEM_ATTEMPTS, 0,
	    STATE_MAX_PRIORITY) != 0)
		return TD_EXIT_INVALID;
	for (k = IK_CREATED; k <= IK_FINISHED; k++) {
		if (f[k] != NULL && !cJSON_IsString(f[k]) && !cJSON_IsNull(f[k]))
			return state_invalid(st, "%s[%zu].%s must be a time string", where, i,
			    state_item_keys[k]);
	}
	if ((f[IK_TITLE] != NULL && !cJSON_IsString(f[IK_TITLE])) ||
	    (f[IK_PHASE] != NULL && !cJSON_IsString(f[IK_PHASE])))
		return state_invalid(st, "%s[%zu].%s must be a string", where, i,
		    f[IK_TITLE] != NULL && !cJSON_IsString(f[IK_TITLE]) ? ITEM_TITLE : ITEM_PHASE);
	if (f[IK_ESTIMATE] != NULL && !cJSON_IsNull(f[IK_ESTIMATE]) &&
	    (!cJSON_IsNumber(f[IK_ESTIMATE]) || !isfinite(f[IK_ESTIMATE]->valuedouble) ||
	    f[IK_ESTIMATE]->valuedouble < 0 || f[IK_ESTIMATE]->valuedouble > ITEM_ESTIMATE_MAX))
		return state_invalid(st, "%s[%zu].estimate must be a number of seconds from 0 to "
		    "%.0f", where, i, ITEM_ESTIMATE_MAX);
	if (f[IK_CREATED] == NULL)
		state_set_time(item, ITEM_CREATED, st->now);
	return 0;
}

static int
state_check_items(struct state *st, cJSON *arr, const char *where)
{
	cJSON *item;
	size_t i = 0;

	cJSON_ArrayForEach(item, arr) {
		if (state_check_item(st, item, where, i++) != 0)
			return TD_EXIT_INVALID;
	}
	return 0;
}

char *
state_new_id(struct state *st)
{
	char *id = NULL;

	do {
		free(id);
		xasprintf(&id, "q-%.0f", st->next_id++);
	} while (strmap_get(st->ids, id) != NULL);
	return id;
}

static void
state_assign_ids(struct state *st, cJSON *arr)
{
	cJSON *item;
	char *id;

	cJSON_ArrayForEach(item, arr) {
		if (cJSON_GetObjectItemCaseSensitive(item, ITEM_ID) != NULL)
			continue;
		id = state_new_id(st);
		cJSON_AddStringToObject(item, ITEM_ID, id);
		strmap_put(st->ids, state_str(item, ITEM_ID), item);
		free(id);
	}
}

/* Items whose status says they belong in the other list move there (a planner may write "done"). */
static void
state_sort_items(struct state *st)
{
	cJSON *item, *next;

	for (item = st->queue->child; item != NULL; item = next) {
		next = item->next;
		if (item_finished(item))
			cJSON_AddItemToArray(st->completed,
			    cJSON_DetachItemViaPointer(st->queue, item));
	}
	for (item = st->completed->child; item != NULL; item = next) {
		next = item->next;
		if (!item_finished(item))
			cJSON_AddItemToArray(st->queue,
			    cJSON_DetachItemViaPointer(st->completed, item));
	}
}

/* "limits": {"all": 3, "generator": 2}: worker limits by "all", group or terminal name. */
static int
state_check_limits(struct state *st)
{
	const cJSON *l;

	if (st->limits == NULL)
		return 0;
	if (!cJSON_IsObject(st->limits))
		return state_invalid(st, "\"limits\" must be an object");
	cJSON_ArrayForEach(l, st->limits) {
		if (strcmp(l->string, LIMIT_ALL) != 0 && !name_valid(l->string))
			return state_invalid(st, "limits: \"%s\" is not a terminal or group name",
			    l->string);
		if (!cJSON_IsNumber(l) || !isfinite(l->valuedouble) || l->valuedouble < 0 ||
		    l->valuedouble > LIMIT_MAX || floor(l->valuedouble) != l->valuedouble)
			return state_invalid(st, "limits.%s must be a whole number from 0 to %d",
			    l->string, LIMIT_MAX);
	}
	return 0;
}

/* "batches": [{"id", "startedAt", "items": [ids], "status"}]: what batch.c reads. */
static int
state_check_batches(struct state *st)
{
	const cJSON *b, *v;
	size_t i = 0;

	if (st->batches == NULL)
		return 0;
	if (!cJSON_IsArray(st->batches))
		return state_invalid(st, "\"batches\" must be an array");
	cJSON_ArrayForEach(b, st->batches) {
		if (!cJSON_IsObject(b) || state_str(b, "id") == NULL)
			return state_invalid(st, "batches[%zu] must be an object with an \"id\"", i);
		if (state_check_string_array(cJSON_GetObjectItemCaseSensitive(b, "items")) != 0)
			return state_invalid(st, "batches[%zu].items must be an array of ids", i);
		v = cJSON_GetObjectItemCaseSensitive(b, "status");
		if (v != NULL && !cJSON_IsString(v))
			return state_invalid(st, "batches[%zu].status must be a string", i);
		v = cJSON_GetObjectItemCaseSensitive(b, "startedAt");
		if (v != NULL && !cJSON_IsString(v))
			return state_invalid(st, "batches[%zu].startedAt must be a time string", i);
		i++;
	}
	return 0;
}

static int
state_normalize(struct state *st)
{
	static const char *const known[] = { "version", "terminals", "queue", "completedToday",
		"nextId", "paused", "limits", "batches", NULL };
	cJSON *version, *next;

	if (state_check_duplicates(st, st->root, "top level", known) != 0)
		return TD_EXIT_INVALID;
	version = cJSON_GetObjectItemCaseSensitive(st->root, "version");
	if (version == NULL)
		cJSON_AddNumberToObject(st->root, "version", STATE_VERSION);
	else if (!cJSON_IsNumber(version))
		return state_invalid(st, "\"version\" must be a number");
	else if (version->valuedouble != STATE_VERSION)
		return state_invalid(st, "schema version %g is not supported (this tmux-dispatch "
		    "reads version %d)", version->valuedouble, STATE_VERSION);
	st->terminals = state_ensure(st->root, "terminals", cJSON_CreateObject);
	if (!cJSON_IsObject(st->terminals))
		return state_invalid(st, "\"terminals\" must be an object");
	st->queue = state_ensure(st->root, "queue", cJSON_CreateArray);
	if (!cJSON_IsArray(st->queue))
		return state_invalid(st, "\"queue\" must be an array");
	st->completed = state_ensure(st->root, "completedToday", cJSON_CreateArray);
	if (!cJSON_IsArray(st->completed))
		return state_invalid(st, "\"completedToday\" must be an array");
	if ((next = cJSON_GetObjectItemCaseSensitive(st->root, "paused")) != NULL &&
	    !cJSON_IsBool(next))
		return state_invalid(st, "\"paused\" must be true or false");
	next = cJSON_GetObjectItemCaseSensitive(st->root, "nextId");
	if (next != NULL && (!cJSON_IsNumber(next) || !isfinite(next->valuedouble) ||
	    next->valuedouble < 0 || next->valuedouble > 9e15))
		return state_invalid(st, "\"nextId\" must be a whole number");
	st->next_id = next != NULL ? floor(next->valuedouble) : 1;
	if (st->next_id < 1)
		st->next_id = 1;
	/* Present only once used: files that never had them are written as they were. */
	st->limits = cJSON_GetObjectItemCaseSensitive(st->root, "limits");
	st->batches = cJSON_GetObjectItemCaseSensitive(st->root, "batches");
	if (state_check_limits(st) != 0 || state_check_batches(st) != 0 ||
	    state_check_terminals(st) != 0 ||
	    state_check_items(st, st->queue, "queue") != 0 ||
	    state_check_items(st, st->completed, "completedToday") != 0)
		return TD_EXIT_INVALID;
	/* Whole passes over the items, only when the checks saw something to fix. */
	if (st->fixups > 0) {
		state_assign_ids(st, st->queue);
		state_assign_ids(st, st->completed);
		state_sort_items(st);
	}
	return 0;
}

/*
 * A state file that is a symlink (dotfile managers do this) is read and replaced at its
 * target, so the rename never turns the link into a regular file; lock, temp and side files
 * go beside the target. A dangling link names the file to create.
 */
static char *
state_resolve(const char *path)
{
	char link[PATH_MAX], *real, *dir, *out;
	struct stat sb;
	ssize_t n;

	if (lstat(path, &sb) != 0 || !S_ISLNK(sb.st_mode))
		return xstrdup(path);
	if ((real = realpath(path, NULL)) != NULL)
		return real;
	if ((n = readlink(path, link, sizeof link - 1)) <= 0)
		return xstrdup(path);
	link[n] = '\0';
	if (link[0] == '/')
		return xstrdup(link);
	dir = file_dirname(path);
	xasprintf(&out, "%s/%s", dir, link);
	free(dir);
	return out;
}

static void
state_init(struct state *st, const char *path)
{
	memset(st, 0, sizeof *st);
	st->lock_fd = -1;
	st->now = time(NULL);
	st->path = state_resolve(path);
	st->dir = file_dirname(st->path);
	st->ids = strmap_new();
}

/* Parses and normalizes BUF (NULL: no file) as the state at st->path. */
static int
state_load(struct state *st, const char *buf, size_t len)
{
	int rc;

	if (buf != NULL && (rc = state_parse(st, buf, len)) != 0)
		return rc;
	if (st->root == NULL)
		st->root = cJSON_CreateObject();
	return state_normalize(st);
}

int
state_open(struct state *st, const char *given, int mode)
{
	char *path = state_find_path(given);
	int rc;

	state_init(st, path);
	free(path);
	if (mode != STATE_READ && (rc = state_lock(st)) != 0)
		return rc;
	if (mode == STATE_LOCK)
		return 0;
	return state_open_read(st);
}

int
state_open_read(struct state *st)
{
	mode_t file_mode = 0;
	size_t len;
	char *buf;
	int rc;

	if ((rc = state_read(st, &buf, &len, &file_mode)) != 0)
		return rc;
	rc = state_load(st, buf, len);
	st->text = buf;
	st->text_len = len;
	return rc;
}

int
state_check_text(const char *name, const char *text, size_t len)
{
	struct state st;
	int rc;

	state_init(&st, name);
	rc = state_load(&st, text, len);
	state_close(&st);
	return rc;
}

/*
 * Freeing a large document node by node costs more than the command's own work when the
 * process is about to exit anyway; the kernel takes the memory back at once. Not under
 * AddressSanitizer, whose leak check runs at exit.
 */
static int state_exiting;

void
state_close_at_exit(void)
{
#ifndef __SANITIZE_ADDRESS__
	state_exiting = 1;
#endif
}

void
state_close(struct state *st)
{
	if (st->lock_fd != -1)
		close(st->lock_fd);
	st->lock_fd = -1;
	if (state_exiting)
		return;
	state_graph_stale(st);
	cJSON_Delete(st->history);
	strmap_free(st->history_ids);
	cJSON_Delete(st->root);
	strmap_free(st->ids);
	strmap_free(st->term_index);
	strmap_free(st->group_index);
	free(st->text);
	free(st->path);
	free(st->dir);
	memset(st, 0, sizeof *st);
	st->lock_fd = -1;
}

/* Numbers printed as the text they were read from, for the length of one print. */
struct state_raw {
	cJSON **v;
	size_t n, cap;
};

static void
state_raw_mark(cJSON *item, struct state_raw *raw)
{
	cJSON *child;

	if (cJSON_IsNumber(item) && item->valuestring != NULL &&
	    strtod(item->valuestring, NULL) == item->valuedouble) {
		if (raw->n == raw->cap) {
			raw->cap = raw->cap * 2 + 64;
			raw->v = xreallocarray(raw->v, raw->cap, sizeof *raw->v);
		}
		raw->v[raw->n++] = item;
		item->type = cJSON_Raw | (item->type & ~0xff);
	}
	for (child = item->child; child != NULL; child = child->next)
		state_raw_mark(child, raw);
}

/*
 * cJSON's unformatted text of a document (a history line; free with cJSON_free), every number
 * whose double still matches the text it was read from written as that text (state_keep_text;
 * jsontext.c does the same for the formatted text). The document is marked for the print and
 * restored before returning, so to callers it is unchanged.
 */
static char *
state_print(const cJSON *json)
{
	struct state_raw raw = { 0 };
	char *text;
	size_t i;

	state_raw_mark((cJSON *)json, &raw);
	text = cJSON_PrintUnformatted(json);
	for (i = 0; i < raw.n; i++)
		raw.v[i]->type = cJSON_Number | (raw.v[i]->type & ~0xff);
	free(raw.v);
	if (text == NULL)
		fatal("out of memory");
	return text;
}

/* The history file beside the state: "x.json" -> "x.history.jsonl". */
static char *
state_history_path(const struct state *st)
{
	size_t len = strlen(st->path);
	char *path;

	if (len > 5 && strcmp(st->path + len - 5, ".json") == 0)
		xasprintf(&path, "%.*s.history.jsonl", (int)(len - 5), st->path);
	else
		xasprintf(&path, "%s.history.jsonl", st->path);
	return path;
}

static int
state_same_day(time_t a, time_t b)
{
	struct tm ta, tb;

	localtime_r(&a, &ta);
	localtime_r(&b, &tb);
	return ta.tm_year == tb.tm_year && ta.tm_yday == tb.tm_yday;
}

/* The ids pending or running items still name in dependsOn, found once, not once per item. */
static struct strmap *
state_depended_on(const struct state *st)
{
	struct strmap *ids = strmap_new();
	cJSON *item, *dep;

	cJSON_ArrayForEach(item, st->queue) {
		cJSON_ArrayForEach(dep, cJSON_GetObjectItemCaseSensitive(item, ITEM_DEPENDS))
			strmap_put(ids, dep->valuestring, dep);
	}
	return ids;
}

/* The history's lines, one item each; a line that does not parse is skipped, the last wins. */
static void
state_read_history(struct state *st)
{
	char *path = state_history_path(st), *text = NULL, *line, *end, *cause = NULL;
	cJSON *item;
	size_t len;

	st->history = cJSON_CreateArray();
	st->history_ids = strmap_new();
	if (file_read_path(path, STATE_MAX_FILE, &text, &len, &cause) == 0) {
		for (line = text; line < text + len; line = end + 1) {
			if ((end = memchr(line, '\n', (size_t)(text + len - line))) == NULL)
				end = text + len;
			item = cJSON_ParseWithLength(line, (size_t)(end - line));
			if (item == NULL || state_str(item, ITEM_ID) == NULL) {
				cJSON_Delete(item);
				continue;
			}
			cJSON_AddItemToArray(st->history, item);
			strmap_put(st->history_ids, state_str(item, ITEM_ID), item);
		}
	}
	free(cause);
	free(text);
	free(path);
}

const cJSON *
state_archived(struct state *st, const char *id)
{
	if (st->history == NULL)
		state_read_history(st);
	return strmap_get(st->history_ids, id);
}

cJSON *
state_restore(struct state *st, const char *id)
{
	const cJSON *old = state_archived(st, id);
	cJSON *item;

	if (old == NULL || state_item(st, id) != NULL || !item_finished(old))
		return NULL;
	item = cJSON_Duplicate(old, 1);
	cJSON_AddItemToArray(st->completed, item);
	strmap_put(st->ids, state_str(item, ITEM_ID), item);
	state_graph_stale(st);
	return item;
}

/*
 * Finished items of an earlier day move to the history file, so the live file stays small.
 * The history is appended and fsynced before the state that drops them is written: a crash in
 * between leaves an item in both places, never in neither.
 */
static int
state_archive(struct state *st)
{
	struct strmap *needed = NULL;
	cJSON *item, *next, *moved = cJSON_CreateArray();
	size_t len = 0, cap = 0, n;
	char *path, *line, *buf = NULL, *cause;
	time_t finished;
	int rc = 0;

	for (item = st->completed->child; item != NULL; item = next) {
		next = item->next;
		if (state_parse_time(state_str(item, ITEM_FINISHED), &finished) != 0 ||
		    state_same_day(finished, st->now))
			continue;
		if (needed == NULL)
			needed = state_depended_on(st);
		if (strmap_get(needed, state_str(item, ITEM_ID)) != NULL)
			continue;
		line = state_print(item);
		n = strlen(line);
		if (len + n + 1 > cap)
			buf = xrealloc(buf, cap = (len + n + 1) * 2);
		memcpy(buf + len, line, n);
		buf[len + n] = '\n';
		len += n + 1;
		cJSON_free(line);
		cJSON_AddItemToArray(moved, cJSON_CreateString(state_str(item, ITEM_ID)));
	}
	strmap_free(needed);
	if (len > 0) {
		/* One write: a failure leaves no half line for the next append to run into. */
		path = state_history_path(st);
		if (durable_append(path, buf, len, durable_mode_of(st->path), 1, &cause) != 0) {
			rc = td_error(TD_EXIT_FAIL, "%s", cause);
			free(cause);
		}
		free(path);
	}
	/* Only once the history holds them do they leave the state. */
	cJSON_ArrayForEach(item, moved) {
		cJSON *old = rc == 0 ? state_item(st, item->valuestring) : NULL;
		if (old == NULL)
			continue;
		strmap_del(st->ids, item->valuestring);
		cJSON_Delete(cJSON_DetachItemViaPointer(st->completed, old));
	}
	cJSON_Delete(moved);
	free(buf);
	return rc;
}

/*
 * The state file replaced by TEXT, keeping its mode. A new one gets 0644 less the umask, and
 * is trusted: this helper created it (trust.h).
 */
static int
state_replace_text(struct state *st, const char *text, size_t len, char **cause)
{
	struct stat sb;
	int created = stat(st->path, &sb) != 0;
	char *why = NULL;

	if (durable_replace(st->path, text, len, created ? durable_mode_of(st->path) :
	    (sb.st_mode & 07777), cause) != 0)
		return -1;
	if (created && trust_add(st->path, TRUST_STATE, &why) != 0) {
		td_error(TD_EXIT_FAIL, "%s: created, but not recorded as trusted: %s", st->path, why);
		free(why);
	}
	return 0;
}

int
state_commit(struct state *st)
{
	char *text, *cause;
	size_t len;
	int rc;

	if (st->lock_fd == -1)
		fatal("state_commit without the lock");
	if (state_archive(st) != 0)
		return TD_EXIT_FAIL;
	state_set_num(st->root, "nextId", st->next_id);
	text = state_json_text(st->root);
	len = strlen(text);
	text = xrealloc(text, len + 2);
	text[len++] = '\n';
	/* Nothing changed (a check that found only what it knew): no rewrite, no fsync. */
	if (st->text != NULL && len == st->text_len && memcmp(text, st->text, len) == 0) {
		free(text);
		return 0;
	}
	if ((rc = state_replace_text(st, text, len, &cause)) != 0) {
		free(text);
		td_error(TD_EXIT_FAIL, "%s", cause);
		free(cause);
		return TD_EXIT_FAIL;
	}
	free(st->text);
	st->text = text;
	st->text_len = len;
	st->exists = 1;
	return 0;
}

int
state_replace(struct state *st, const char *text, size_t len)
{
	char *cause;

	if (st->lock_fd == -1)
		fatal("state_replace without the lock");
	if (state_replace_text(st, text, len, &cause) != 0) {
		td_error(TD_EXIT_FAIL, "%s", cause);
		free(cause);
		return TD_EXIT_FAIL;
	}
	return 0;
}

char *
state_side_path(const char *state_path, const char *name)
{
	char *dir, *path, *cause, *sdir = file_dirname(state_path);

	xasprintf(&dir, "%s/" STATE_SIDE_DIR, sdir);
	path = NULL;
	if (durable_mkdir(dir, durable_mode_of(state_path), &cause) != 0) {
		td_error(TD_EXIT_FAIL, "%s", cause);
		free(cause);
	} else
		xasprintf(&path, "%s/%s", dir, name);
	free(dir);
	free(sdir);
	return path;
}

cJSON *
state_terminal(struct state *st, const char *name)
{
	return cJSON_GetObjectItemCaseSensitive(st->terminals, name);
}

cJSON *
state_item(struct state *st, const char *id)
{
	return strmap_get(st->ids, id);
}

void
state_file_item(struct state *st, cJSON *item)
{
	cJSON *from, *to;

	if (item_finished(item)) {
		from = st->queue;
		to = st->completed;
	} else {
		from = st->completed;
		to = st->queue;
	}
	for (cJSON *e = from->child; e != NULL; e = e->next) {
		if (e == item) {
			cJSON_AddItemToArray(to, cJSON_DetachItemViaPointer(from, item));
			/* Its dependents' kinds change (stuck, ready), and one coming back needs a node. */
			state_graph_stale(st);
			return;
		}
	}
}

void
state_insert_item(struct state *st, cJSON *item)
{
	cJSON_AddItemToArray(st->queue, item);
	strmap_put(st->ids, state_str(item, ITEM_ID), item);
	state_graph_stale(st);
}

void
state_graph_stale(struct state *st)
{
	if (st->graph != NULL)
		st->graph_free(st->graph);
	st->graph = NULL;
}

cJSON *
state_get(const cJSON *obj, const char *key)
{
	cJSON *m;

	if (obj == NULL || key == NULL)
		return NULL;
	/* As cJSON's lookup, the walk ends at a member without a name. */
	for (m = obj->child; m != NULL && m->string != NULL; m = m->next) {
		if (m->string[0] == key[0] && strcmp(m->string, key) == 0)
			return m;
	}
	return NULL;
}

const char *
state_str(const cJSON *obj, const char *key)
{
	const cJSON *v = state_get(obj, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

void
state_set_str(cJSON *obj, const char *key, const char *value)
{
	cJSON *v = cJSON_CreateString(value);

	if (cJSON_GetObjectItemCaseSensitive(obj, key) != NULL)
		cJSON_ReplaceItemInObjectCaseSensitive(obj, key, v);
	else
		cJSON_AddItemToObject(obj, key, v);
}

void
state_set_num(cJSON *obj, const char *key, double value)
{
	cJSON *v = cJSON_CreateNumber(value);

	if (cJSON_GetObjectItemCaseSensitive(obj, key) != NULL)
		cJSON_ReplaceItemInObjectCaseSensitive(obj, key, v);
	else
		cJSON_AddItemToObject(obj, key, v);
}

char *
state_format_time(time_t t)
{
	struct tm tm;
	char buf[32];

	gmtime_r(&t, &tm);
	strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return xstrdup(buf);
}

void
state_set_time(cJSON *obj, const char *key, time_t t)
{
	char *text = state_format_time(t);

	state_set_str(obj, key, text);
	free(text);
}

/* Reads the UTC form we write ("2026-01-16T10:00:00Z"); other forms are not times to us. */
int
state_parse_time(const char *text, time_t *out)
{
	struct tm tm = { 0 };
	char *end;

	if (text == NULL || (end = strptime(text, "%Y-%m-%dT%H:%M:%S", &tm)) == NULL)
		return -1;
	if (*end == '.')
		while (*++end >= '0' && *end <= '9')
			;
	if (strcmp(end, "Z") != 0 && *end != '\0')
		return -1;
	*out = timegm(&tm);
	return 0;
}

char *
state_json_text(const cJSON *json)
{
	return jsontext_print(json);
}

void
state_json_print(const cJSON *json)
{
	char *text = state_json_text(json);

	puts(text);
	free(text);
}
