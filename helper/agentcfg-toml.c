/*
 * Codex CLI's config.toml. Its one turn-end hook that needs no interactive trust is the
 * top-level `notify = [argv...]`, which Codex runs with the event's JSON appended as the last
 * argument. Without a TOML library the file is edited as lines: our block of three lines goes
 * first in the file, where a key is always top-level whatever tables follow, and is removed
 * again as exactly those lines, so the rest of the file (comments included) never changes. The
 * file is scanned first, line by line (strings, arrays and inline tables across lines, table
 * headers), and one that does not scan, or that already has a top-level notify, is refused:
 * Codex takes a single notify program, and replacing the user's is not ours to do.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agentcfg.h"
#include "tmux-dispatch.h"

#define AGENTCFG_BEGIN "# tmux-dispatch agent hooks: `tmux-dispatch agent-hooks rm codex` " \
	"removes these lines"
#define AGENTCFG_END "# end of tmux-dispatch agent hooks"

struct agentcfg_scan {
	int in_table;       /* past the first [table] header */
	int depth;          /* open [ and { of a value */
	int multi;          /* inside a """ (1) or ''' (2) string */
	int notify;         /* a top-level notify outside our block */
	const char *begin, *end; /* our block: its first byte, and past its last line's newline */
	const char *notify_line; /* our block's notify line, and its length */
	size_t notify_len;
};

/* Past the string starting at P (at its quote); NULL when it does not end on this line. */
static const char *
agentcfg_string(const char *p, const char *eol, struct agentcfg_scan *s)
{
	char q = *p;

	if (eol - p >= 3 && p[1] == q && p[2] == q) {
		s->multi = q == '"' ? 1 : 2;
		return p + 3;
	}
	for (p++; p < eol; p++) {
		if (q == '"' && *p == '\\' && p + 1 < eol)
			p++;
		else if (*p == q)
			return p + 1;
	}
	return NULL;
}

/* Scans a value's text from P to EOL: strings, brackets, a comment. -1: it does not parse. */
static int
agentcfg_value(const char *p, const char *eol, struct agentcfg_scan *s)
{
	const char *close;

	while (p < eol) {
		if (s->multi) {
			close = s->multi == 1 ? "\"\"\"" : "'''";
			while (p < eol && !(eol - p >= 3 && memcmp(p, close, 3) == 0))
				p += *p == '\\' && s->multi == 1 && p + 1 < eol ? 2 : 1;
			if (p >= eol)
				return 0;
			p += 3;
			s->multi = 0;
			continue;
		}
		if (*p == '#')
			return 0;
		if (*p == '"' || *p == '\'') {
			if ((p = agentcfg_string(p, eol, s)) == NULL)
				return -1;
			continue;
		}
		if (*p == '[' || *p == '{')
			s->depth++;
		else if ((*p == ']' || *p == '}') && --s->depth < 0)
			return -1;
		p++;
	}
	return 0;
}

/* A line outside any value: blank, a comment, a [table] header or KEY = VALUE. */
static int
agentcfg_line(const char *p, const char *eol, struct agentcfg_scan *s)
{
	const char *key, *k;
	size_t klen;

	p += strspn(p, " \t");
	if (p >= eol || *p == '#' || *p == '\r')
		return 0;
	if (*p == '[') {
		s->in_table = 1;
		k = memchr(p, ']', (size_t)(eol - p));
		return k == NULL ? -1 : 0;
	}
	key = p;
	while (p < eol && *p != '=') {
		if (*p == '"' || *p == '\'') {
			if ((p = agentcfg_string(p, eol, s)) == NULL || s->multi)
				return -1;
		} else if (strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-. \t",
		    *p) == NULL)
			return -1;
		else
			p++;
	}
	if (p >= eol || p == key)
		return -1;
	for (klen = (size_t)(p - key); klen > 0 && (key[klen - 1] == ' ' || key[klen - 1] ==
	    '\t'); klen--)
		;
	if (!s->in_table && ((klen == 6 && memcmp(key, "notify", 6) == 0) ||
	    (klen == 8 && (memcmp(key, "\"notify\"", 8) == 0 || memcmp(key, "'notify'", 8) == 0))))
		s->notify = 1;
	p++;
	p += strspn(p, " \t");
	if (p >= eol || *p == '#')
		return -1;
	return agentcfg_value(p, eol, s);
}

/* Whether the line at P (to EOL) is exactly TEXT. */
static int
agentcfg_is(const char *p, const char *eol, const char *text)
{
	size_t len = strlen(text);

	return (size_t)(eol - p) == len && memcmp(p, text, len) == 0;
}

/* Scans TEXT; our block is noted and not counted as the user's notify. */
static int
agentcfg_scan(const char *text, size_t len, struct agentcfg_scan *s, char **cause)
{
	const char *p = text, *end = text + len, *eol;
	size_t line = 0;
	int saved;

	memset(s, 0, sizeof *s);
	for (; p < end; p = eol < end ? eol + 1 : end) {
		line++;
		if ((eol = memchr(p, '\n', (size_t)(end - p))) == NULL)
			eol = end;
		if (s->depth == 0 && !s->multi && s->begin == NULL && agentcfg_is(p, eol,
		    AGENTCFG_BEGIN))
			s->begin = p;
		if (s->begin != NULL && s->end == NULL && s->notify_line == NULL &&
		    p != s->begin && strncmp(p, "notify = ", 9) == 0) {
			s->notify_line = p;
			s->notify_len = (size_t)(eol - p);
		}
		saved = s->notify;
		if ((s->depth > 0 || s->multi ? agentcfg_value(p, eol, s) :
		    agentcfg_line(p, eol, s)) != 0) {
			xasprintf(cause, "line %zu does not parse as TOML; nothing was changed", line);
			return TD_EXIT_INVALID;
		}
		if (s->begin != NULL && s->end == NULL && s->notify_line == p)
			s->notify = saved;
		if (s->begin != NULL && s->end == NULL && agentcfg_is(p, eol, AGENTCFG_END))
			s->end = eol < end ? eol + 1 : end;
	}
	if (s->depth != 0 || s->multi) {
		*cause = xstrdup("a string or a list does not end; nothing was changed");
		return TD_EXIT_INVALID;
	}
	if (s->begin != NULL && (s->end == NULL || s->notify_line == NULL))
		s->begin = NULL;
	return 0;
}

static char *
agentcfg_toml_notify(const char *helper)
{
	char *line;

	xasprintf(&line, "notify = [\"%s\", \"hook\", \"agent\", \"stop\"]", helper);
	return line;
}

int
agentcfg_toml_status(const char *text, size_t len, const char *helper,
    enum agentcfg_status *status, char **cause)
{
	struct agentcfg_scan s;
	char *want;
	int rc;

	*status = AGENTCFG_ABSENT;
	if (text == NULL || (rc = agentcfg_scan(text, len, &s, cause)) != 0)
		return text == NULL ? 0 : rc;
	if (s.begin == NULL)
		return 0;
	want = agentcfg_toml_notify(helper);
	*status = s.notify_len == strlen(want) && memcmp(s.notify_line, want, s.notify_len) == 0 ?
	    AGENTCFG_INSTALLED : AGENTCFG_PARTLY;
	free(want);
	return 0;
}

/* TEXT without our block (from BEGIN to END), as a new string. */
static char *
agentcfg_cut(const char *text, size_t len, const struct agentcfg_scan *s)
{
	size_t before = (size_t)(s->begin - text), after = len - (size_t)(s->end - text);
	char *out = xmalloc(before + after + 1);

	memcpy(out, text, before);
	memcpy(out + before, s->end, after);
	out[before + after] = '\0';
	return out;
}

int
agentcfg_toml_edit(const char *text, size_t len, const char *helper, int install,
    char **out, char **cause)
{
	struct agentcfg_scan s;
	enum agentcfg_status status;
	char *want, *rest;
	int rc;

	*out = NULL;
	if (text != NULL && (rc = agentcfg_scan(text, len, &s, cause)) != 0)
		return rc;
	if ((rc = agentcfg_toml_status(text, len, helper, &status, cause)) != 0)
		return rc;
	if (!install) {
		if (status != AGENTCFG_ABSENT)
			*out = agentcfg_cut(text, len, &s);
		return 0;
	}
	if (status == AGENTCFG_INSTALLED)
		return 0;
	want = agentcfg_toml_notify(helper);
	if (text != NULL && s.notify) {
		xasprintf(cause, "it already has a notify program, and Codex runs only one; have "
		    "yours also run: %s hook agent stop \"$JSON\" (the JSON Codex appends)", helper);
		free(want);
		return TD_EXIT_FAIL;
	}
	rest = status == AGENTCFG_PARTLY ? agentcfg_cut(text, len, &s) :
	    xstrndup(text != NULL ? text : "", text != NULL ? len : 0);
	xasprintf(out, "%s\n%s\n%s\n%s", AGENTCFG_BEGIN, want, AGENTCFG_END, rest);
	free(rest);
	free(want);
	return 0;
}
