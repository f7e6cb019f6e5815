/* Result folders and explicit completion (result.h). */
#include <errno.h>
#include <fcntl.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "capture.h"
#include "durable.h"
#include "item.h"
#include "result.h"
#include "state.h"
#include "tmux-dispatch.h"

#define RESULT_ANCHOR_BYTES 32 /* of the prompt's last line, looked for as its echo */
#define RESULT_ONESHOT_BYTES (1024 * 1024) /* of a one-shot's output, searched for doneWhen */

const char *
result_check_regex(const char *re)
{
	regex_t rx;

	if (*re == '\0')
		return "must not be empty";
	if (regcomp(&rx, re, REG_EXTENDED | REG_NOSUB) != 0)
		return "is not an extended regular expression";
	regfree(&rx);
	return NULL;
}

/* Whether ID may name a folder: not with '/', and not "." or ".." (results/ itself, or above). */
static int
result_id_ok(const char *id)
{
	return strchr(id, '/') == NULL && strcmp(id, ".") != 0 && strcmp(id, "..") != 0;
}

char *
result_file_path(const char *state_dir, const char *id)
{
	char *real, *path;

	if (!result_id_ok(id))
		return NULL;
	real = realpath(state_dir, NULL);
	xasprintf(&path, "%s/" STATE_SIDE_DIR "/" RESULT_DIR "/%s/" RESULT_FILE,
	    real != NULL ? real : state_dir, id);
	free(real);
	return path;
}

/* results/ID beside the state, not created (caller frees), or NULL. */
static char *
result_folder_path(struct state *st, const cJSON *item)
{
	char *side, *dir;

	if (!result_id_ok(state_str(item, ITEM_ID)) ||
	    (side = state_side_path(st->path, RESULT_DIR)) == NULL)
		return NULL;
	xasprintf(&dir, "%s/%s", side, state_str(item, ITEM_ID));
	free(side);
	return dir;
}

/* results/ID beside the state, created (caller frees); NULL, reported, when it cannot be. */
static char *
result_folder(struct state *st, const cJSON *item)
{
	char *path = result_folder_path(st, item), *parent, *cause = NULL;

	if (path == NULL)
		return NULL;
	parent = file_dirname(path);
	if (durable_mkdir(parent, durable_mode_of(st->path), &cause) != 0 ||
	    durable_mkdir(path, durable_mode_of(st->path), &cause) != 0) {
		td_error(TD_EXIT_FAIL, "%s", cause);
		free(path);
		path = NULL;
	}
	free(cause);
	free(parent);
	return path;
}

/* DIR/NAME replaced by LEN bytes of TEXT; a failure is said, and the rest goes on. */
static void
result_write(struct state *st, const char *dir, const char *name, const char *text, size_t len)
{
	char *path, *cause = NULL;

	xasprintf(&path, "%s/%s", dir, name);
	if (durable_replace(path, text, len, durable_mode_of(st->path), &cause) != 0)
		td_error(TD_EXIT_FAIL, "%s", cause);
	free(cause);
	free(path);
}

static void
result_remove(const char *dir, const char *name)
{
	char *path;

	xasprintf(&path, "%s/%s", dir, name);
	if (unlink(path) != 0 && errno != ENOENT)
		td_error(TD_EXIT_FAIL, "cannot remove %s: %s", path, strerror(errno));
	free(path);
}

void
result_begin(struct state *st, const cJSON *item, const char *prompt, size_t len)
{
	/* A plain command is kept at the end: no folder is made on the way to the paste. */
	int templated = strcmp(prompt, state_str(item, ITEM_COMMAND)) != 0;
	const cJSON *attempts = cJSON_GetObjectItemCaseSensitive(item, ITEM_ATTEMPTS);
	char *dir;

	/* Only an earlier attempt can have left files to clear: a first one costs nothing. */
	if (!templated && cJSON_IsNumber(attempts) && attempts->valuedouble <= 1)
		return;
	if ((dir = templated ? result_folder(st, item) : result_folder_path(st, item)) == NULL)
		return;
	/* An earlier attempt's report must not end this one the moment it is typed. */
	result_remove(dir, RESULT_FILE);
	if (templated)
		result_write(st, dir, RESULT_PROMPT, prompt, len);
	else
		result_remove(dir, RESULT_PROMPT);
	free(dir);
}

/*
 * TEXT without its blank rows at the top and the bottom and the spaces a capture pads rows with,
 * ending in one newline (caller frees).
 */
static char *
result_trim(const char *text, size_t len, size_t *out)
{
	const char *s = text, *e = text + len, *p, *row;
	char *t = xmalloc(len + 2);
	size_t n = 0, keep;

	for (p = s; p < e && (*p == ' ' || *p == '\n'); p++) {
		if (*p == '\n')
			s = p + 1;
	}
	while (e > s && (e[-1] == ' ' || e[-1] == '\n'))
		e--;
	for (row = s; row < e; row = p + 1) {
		for (p = row; p < e && *p != '\n'; p++)
			;
		for (keep = (size_t)(p - row); keep > 0 && row[keep - 1] == ' '; keep--)
			;
		memcpy(t + n, row, keep);
		n += keep;
		t[n++] = '\n';
	}
	t[n] = '\0';
	*out = n;
	return t;
}

/* The worktree facts of ITEM (the worktree helper's keys), or NULL when it had none. */
static char *
result_worktree_json(const cJSON *item)
{
	static const char *const keys[] = { ITEM_BRANCH, ITEM_WORKTREE, "base", "commitsAhead",
		"diffstat", NULL };
	const char *const *k;
	const cJSON *v;
	cJSON *o;
	char *text;

	if (state_str(item, ITEM_BRANCH) == NULL && state_str(item, ITEM_WORKTREE) == NULL)
		return NULL;
	o = cJSON_CreateObject();
	for (k = keys; *k != NULL; k++) {
		if ((v = cJSON_GetObjectItemCaseSensitive(item, *k)) != NULL)
			cJSON_AddItemToObject(o, *k, cJSON_Duplicate(v, 1));
	}
	text = cJSON_Print(o);
	cJSON_Delete(o);
	return text;
}

/* Whether DIR/NAME exists as a file. */
static int
result_has(const char *dir, const char *name)
{
	struct stat sb;
	char *path;
	int rc;

	xasprintf(&path, "%s/%s", dir, name);
	rc = lstat(path, &sb) == 0 && S_ISREG(sb.st_mode);
	free(path);
	return rc;
}

void
result_save(struct state *st, cJSON *item, const char *screen, size_t len)
{
	const char *command = state_str(item, ITEM_COMMAND);
	char *dir = result_folder(st, item), *text;
	size_t n;

	if (dir == NULL)
		return;
	text = result_trim(screen, len, &n);
	result_write(st, dir, RESULT_SCREEN, text, n);
	free(text);
	/* A template's text was kept when it was typed; otherwise the command is what was. */
	if (!result_has(dir, RESULT_PROMPT))
		result_write(st, dir, RESULT_PROMPT, command, strlen(command));
	if ((text = result_worktree_json(item)) != NULL) {
		result_write(st, dir, RESULT_WORKTREE, text, strlen(text));
		free(text);
	}
	state_set_str(item, ITEM_RESULT, dir);
	free(dir);
}

char *
result_prompt(struct state *st, const cJSON *item)
{
	char *dir = result_folder_path(st, item), *path, *text = NULL, *cause = NULL;
	size_t len;

	if (dir != NULL) {
		xasprintf(&path, "%s/" RESULT_PROMPT, dir);
		if (file_read_path(path, 16 * 1024 * 1024, &text, &len, &cause) != 0)
			text = NULL;
		free(cause);
		free(path);
	}
	free(dir);
	return text != NULL ? text : xstrdup(state_str(item, ITEM_COMMAND));
}

/*
 * Where the prompt's echo ends in ROWS (NUL-separated, N of them): the row after the last one
 * holding the tail of the prompt's last line (its last RESULT_ANCHOR_BYTES, whole characters),
 * or N when no row does.
 */
static size_t
result_after_echo(char **rows, size_t n, const char *prompt)
{
	const char *e = prompt + strlen(prompt), *s;
	char *anchor;
	size_t i;

	while (e > prompt && (e[-1] == '\n' || e[-1] == ' ' || e[-1] == '\t'))
		e--;
	for (s = e; s > prompt && s[-1] != '\n'; s--)
		;
	while (s < e && (*s == ' ' || *s == '\t'))
		s++;
	if (e - s > RESULT_ANCHOR_BYTES)
		s = e - RESULT_ANCHOR_BYTES;
	while (s < e && ((unsigned char)*s & 0xc0) == 0x80)
		s++;
	if (s == e)
		return n;
	anchor = xstrndup(s, (size_t)(e - s));
	for (i = n; i > 0 && strstr(rows[i - 1], anchor) == NULL; i--)
		;
	free(anchor);
	return i > 0 ? i : n;
}

/* Whether ROW, its marker (a leading run of anything but letters and digits) aside, is text of
 * PROMPT: a row of its echo when the echo's end is no longer in view. */
static int
result_echo_row(const char *row, const char *prompt)
{
	const char *s = row;
	char *t;
	size_t n;
	int in;

	while (*s != '\0' && !((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
	    (*s >= '0' && *s <= '9')))
		s++;
	n = strlen(s);
	while (n > 0 && s[n - 1] == ' ')
		n--;
	if (n == 0)
		return 0;
	t = xstrndup(s, n);
	in = strstr(prompt, t) != NULL;
	free(t);
	return in;
}

/*
 * Whether a row of TEXT that came after the delivered PROMPT matches RE: the rows after the
 * prompt's echo; when the echo scrolled out of TEXT, every row that is not text of the prompt.
 * PROMPT NULL: every row counts (a one-shot's output holds no echo).
 */
static int
result_match(const char *re, char *text, const char *prompt)
{
	char **rows = NULL, *p, *end;
	size_t n = 0, i, from;
	regex_t rx;
	int found = 0;

	if (regcomp(&rx, re, REG_EXTENDED | REG_NOSUB) != 0)
		return 0;
	for (p = text; *p != '\0'; n++) {
		rows = xreallocarray(rows, n + 1, sizeof *rows);
		rows[n] = p;
		p += strcspn(p, "\n");
		/* A capture pads rows with spaces: "$" ends a row where its text does. */
		for (end = p; end > rows[n] && end[-1] == ' '; end--)
			*(end - 1) = '\0';
		if (*p == '\n')
			*p++ = '\0';
	}
	from = prompt != NULL ? result_after_echo(rows, n, prompt) : 0;
	for (i = from == n ? 0 : from; i < n && !found; i++) {
		if (from == n && prompt != NULL && result_echo_row(rows[i], prompt))
			continue;
		found = regexec(&rx, rows[i], 0, NULL, 0) == 0;
	}
	regfree(&rx);
	free(rows);
	return found;
}

/* Whether the agent wrote ITEM's result.md. */
static int
result_reported(struct state *st, const cJSON *item)
{
	char *dir = result_folder_path(st, item);
	int rc = dir != NULL && result_has(dir, RESULT_FILE);

	free(dir);
	return rc;
}

int
result_done(struct state *st, const cJSON *item, const char *pane, int idle, int over)
{
	const char *re = state_str(item, ITEM_DONE_WHEN);
	char *text, *prompt;
	size_t len;
	int found;

	if (!idle)
		return 0;
	if (result_reported(st, item))
		return 1;
	if (!over || re == NULL)
		return over;
	if (capture_history(pane, RESULT_LINES, &text, &len) != 0)
		return 0;
	prompt = result_prompt(st, item);
	found = result_match(re, text, prompt);
	free(prompt);
	free(text);
	return found;
}

/* The last RESULT_ONESHOT_BYTES of PATH (caller frees; "" when it cannot be read). */
static char *
result_read_tail(const char *path)
{
	int fd = path != NULL ? open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW) : -1;
	off_t size = fd != -1 ? lseek(fd, 0, SEEK_END) : 0;
	off_t from = size > RESULT_ONESHOT_BYTES ? size - RESULT_ONESHOT_BYTES : 0;
	char *buf = xmalloc((size_t)(size - from) + 1);
	ssize_t n = fd != -1 ? pread(fd, buf, (size_t)(size - from), from) : 0;

	if (fd != -1)
		close(fd);
	buf[n > 0 ? n : 0] = '\0';
	/* A NUL in the output ends the text searched: regexec reads C strings. */
	return buf;
}

char *
result_oneshot_why(struct state *st, const cJSON *item, const char *out)
{
	const char *re = state_str(item, ITEM_DONE_WHEN);
	char *text, *why = NULL;

	if (re == NULL || result_reported(st, item))
		return NULL;
	text = result_read_tail(out);
	if (!result_match(re, text, NULL))
		xasprintf(&why, "exit status 0, but no line of its output matches --done-when %s",
		    re);
	free(text);
	return why;
}
