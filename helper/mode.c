/* Prompt templates (mode.h): finding a template, trusting it, and filling it in. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "item.h"
#include "mode.h"
#include "name.h"
#include "queue.h"
#include "result.h"
#include "state.h"
#include "trust.h"
#include "tmux-dispatch.h"

#define MODE_DEPTH 16 /* includes nested deeper than this are refused */
#define MODE_NAME_CHARS "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-"

static const char *const mode_placeholders[] = { "task", "id", "title", "agent", "worktree",
	"branch", "result_file", NULL };
#define MODE_KNOWN "task, id, title, agent, worktree, branch, result_file"

struct mode_render {
	const char *state_dir;
	const char *values[7]; /* by mode_placeholders */
	const char *stack[MODE_DEPTH]; /* the templates being expanded, outermost first */
	size_t depth;
	char *out;
	size_t len, size;
	char *cause;
	int rc;
};

const char *
mode_check_name(const char *name)
{
	if (!name_valid(name) || name[0] == '.')
		return "is not a template name: 1 to 64 of A-Z a-z 0-9 . _ -, not starting with '.'";
	return NULL;
}

int
mode_of(const cJSON *item)
{
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(item, ITEM_MODE);

	return m != NULL && !cJSON_IsNull(m);
}

static int __attribute__((format(printf, 3, 4)))
mode_fail(struct mode_render *r, int rc, const char *fmt, ...)
{
	va_list ap;

	if (r->cause == NULL) {
		va_start(ap, fmt);
		xvasprintf(&r->cause, fmt, ap);
		va_end(ap);
		r->rc = rc;
	}
	return -1;
}

static int
mode_append(struct mode_render *r, const char *s, size_t n)
{
	/* Includes may repeat: the text is bounded as it grows, not only at the end. */
	if (r->len + n > QUEUE_COMMAND_MAX)
		return mode_fail(r, TD_EXIT_USAGE, "the text would be longer than "
		    QUEUE_COMMAND_MAX_TEXT " bytes");
	if (r->len + n + 1 > r->size) {
		r->size = (r->len + n + 1) * 2;
		r->out = xrealloc(r->out, r->size);
	}
	memcpy(r->out + r->len, s, n);
	r->len += n;
	r->out[r->len] = '\0';
	return 0;
}

/*
 * The file of template NAME: beside the state, else in $TMUX_DISPATCH_MODES; the first that
 * exists is the one, and it must be trusted (a clone's template never falls through to another).
 */
static char *
mode_find(struct mode_render *r, const char *name)
{
	const char *named = getenv("TMUX_DISPATCH_MODES");
	char *beside, *other = NULL, *path = NULL, *cause = NULL;
	struct stat sb;
	int mine = 0;

	xasprintf(&beside, "%s/" MODE_DIR "/%s" MODE_SUFFIX, r->state_dir, name);
	if (named != NULL && *named != '\0')
		xasprintf(&other, "%s/%s" MODE_SUFFIX, named, name);
	if (stat(beside, &sb) == 0) {
		path = beside;
		beside = NULL;
	} else if (other != NULL && stat(other, &sb) == 0) {
		path = other;
		other = NULL;
		mine = 1;
	}
	if (path == NULL)
		mode_fail(r, TD_EXIT_USAGE, "no template %s (looked for %s%s%s)", name, beside,
		    other != NULL ? " and " : "; $TMUX_DISPATCH_MODES is not set",
		    other != NULL ? other : "");
	else if (!S_ISREG(sb.st_mode))
		mode_fail(r, TD_EXIT_USAGE, "%s is not a file", path);
	else if ((mine ? trust_owned(path, &cause) : trust_check(path, TRUST_FILE, &cause)) != 0)
		mode_fail(r, TD_EXIT_UNTRUSTED, "%s", cause);
	free(cause);
	free(beside);
	free(other);
	if (r->cause != NULL) {
		free(path);
		return NULL;
	}
	return path;
}

static int mode_expand(struct mode_render *, const char *name);

/* "a -> b -> a": the includes from the first NAME on the stack back to it. */
static int
mode_cycle(struct mode_render *r, size_t from, const char *name)
{
	char *text = xstrdup(""), *next;
	size_t i;

	for (i = from; i < r->depth; i++) {
		xasprintf(&next, "%s%s -> ", text, r->stack[i]);
		free(text);
		text = next;
	}
	mode_fail(r, TD_EXIT_USAGE, "include cycle %s%s", text, name);
	free(text);
	return -1;
}

/* The placeholder or include at P (just after "{{"), if it is one; its length through "}}". */
static size_t
mode_tag(const char *p, int *include, const char **name, size_t *nlen)
{
	const char *s = p;

	s += strspn(s, " ");
	if ((*include = *s == '>'))
		s += 1 + strspn(s + 1, " ");
	*name = s;
	*nlen = strspn(s, MODE_NAME_CHARS);
	s += *nlen;
	s += strspn(s, " ");
	if (strncmp(s, "}}", 2) != 0)
		return 0;
	return (size_t)(s + 2 - p);
}

/* One tag of FILE at OFF in TEXT: a value appended, or a template expanded. */
static int
mode_fill(struct mode_render *r, const char *file, const char *text, size_t off, int include,
    const char *name)
{
	size_t line, col, i;

	if (include)
		return mode_expand(r, name);
	for (i = 0; mode_placeholders[i] != NULL; i++) {
		if (strcmp(mode_placeholders[i], name) == 0)
			break;
	}
	if (mode_placeholders[i] == NULL) {
		file_position(text, off, &line, &col);
		return mode_fail(r, TD_EXIT_USAGE, "%s:%zu: unknown placeholder {{%s}} (known: "
		    MODE_KNOWN ")", file, line, name);
	}
	if (r->values[i] == NULL)
		return mode_fail(r, TD_EXIT_USAGE, "{{%s}}: item id %s holds '/' or is . or .., so "
		    "it has no result folder", name, r->values[1]);
	return mode_append(r, r->values[i], strlen(r->values[i]));
}

/*
 * TEXT of FILE into the output. "{{" begins a tag only when a name and "}}" follow ("{{ x }}"
 * too); any other "{{" is text. "{{>" always begins an include, so a bad name is refused, not
 * typed.
 */
static int
mode_scan(struct mode_render *r, const char *file, const char *text, size_t len)
{
	const char *p = text, *end = text + len, *open, *name;
	size_t tag, nlen;
	char *word;
	int include, rc;

	while ((open = strstr(p, "{{")) != NULL && open < end) {
		if (mode_append(r, p, (size_t)(open - p)) != 0)
			return -1;
		tag = mode_tag(open + 2, &include, &name, &nlen);
		if (include && (tag == 0 || nlen == 0))
			return mode_fail(r, TD_EXIT_USAGE, "%s: {{> NAME}} needs a template name: "
			    "1 to 64 of A-Z a-z 0-9 . _ -", file);
		if (tag == 0 || nlen == 0) {
			if (mode_append(r, "{{", 2) != 0)
				return -1;
			p = open + 2;
			continue;
		}
		word = xstrndup(name, nlen);
		rc = mode_fill(r, file, text, (size_t)(open - text), include, word);
		free(word);
		if (rc != 0)
			return -1;
		p = open + 2 + tag;
	}
	return mode_append(r, p, (size_t)(end - p));
}

/* Template NAME, found, trusted and read, into the output; its one final newline dropped. */
static int
mode_expand(struct mode_render *r, const char *name)
{
	const char *why;
	char *path, *text, *cause = NULL;
	size_t i, len;
	int rc;

	if ((why = mode_check_name(name)) != NULL)
		return mode_fail(r, TD_EXIT_USAGE, "{{> %s}}: %s", name, why);
	for (i = 0; i < r->depth; i++) {
		if (strcmp(r->stack[i], name) == 0)
			return mode_cycle(r, i, name);
	}
	if (r->depth == MODE_DEPTH)
		return mode_fail(r, TD_EXIT_USAGE, "includes nested deeper than %d at %s",
		    MODE_DEPTH, name);
	if ((path = mode_find(r, name)) == NULL)
		return -1;
	if ((rc = file_read_path(path, QUEUE_COMMAND_MAX, &text, &len, &cause)) != 0) {
		mode_fail(r, TD_EXIT_USAGE, "%s", cause);
		free(cause);
		free(path);
		return -1;
	}
	/* Said of the file that holds it, not found later in the whole text. */
	if (memchr(text, '\0', len) != NULL)
		why = "contains a NUL byte";
	else
		why = name_text_error(text, "\n\t");
	if (why != NULL)
		rc = mode_fail(r, TD_EXIT_USAGE, "%s %s: it could inject keys", path, why);
	else {
		if (len > 0 && text[len - 1] == '\n')
			len--;
		r->stack[r->depth++] = name;
		rc = mode_scan(r, path, text, len);
		r->depth--;
	}
	free(text);
	free(path);
	return rc;
}

/* A value an item holds, or "" (worktree and branch are set only for items that have them). */
static const char *
mode_value(const cJSON *item, const char *key)
{
	const char *v = state_str(item, key);

	return v != NULL ? v : "";
}

int
mode_render(const char *state_path, const cJSON *item, const char *agent, char **text,
    char **cause)
{
	const char *name = state_str(item, ITEM_MODE), *why;
	struct mode_render r = { 0 };
	char *dir = file_dirname(state_path), *title = item_title(item), *result;

	result = result_file_path(dir, state_str(item, ITEM_ID));
	r.state_dir = dir;
	r.values[0] = state_str(item, ITEM_COMMAND);
	r.values[1] = state_str(item, ITEM_ID);
	r.values[2] = title;
	r.values[3] = agent != NULL ? agent : "";
	r.values[4] = mode_value(item, ITEM_WORKTREE);
	r.values[5] = mode_value(item, ITEM_BRANCH);
	r.values[6] = result;
	if (name == NULL)
		mode_fail(&r, TD_EXIT_USAGE, "\"mode\" must be a template name");
	else if ((why = mode_check_name(name)) != NULL)
		mode_fail(&r, TD_EXIT_USAGE, "%s %s", name, why);
	else if (mode_expand(&r, name) == 0 && (why = queue_check_command(r.out)) != NULL)
		mode_fail(&r, TD_EXIT_USAGE, "the text it makes: %s", why);
	free(result);
	free(title);
	free(dir);
	if (r.cause != NULL) {
		free(r.out);
		*cause = r.cause;
		return r.rc;
	}
	*text = r.out;
	return 0;
}
