/*
 * Reading a pane: its metadata and visible screen in one tmux client call, its recent history
 * for a result, and the saved form of the metadata (a fixture's .meta sidecar).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture.h"
#include "tmux-dispatch.h"
#include "tmux.h"

#define CAPTURE_FIELDS 10

/* Copies a string into a fixed field, cut at its size. */
static void
capture_copy(char *dst, size_t size, const char *src)
{
	size_t n = strnlen(src, size - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

static int
capture_int(const char *s, int *out)
{
	char *end;
	long v;

	v = strtol(s, &end, 10);
	if (end == s || *end != '\0' || v < -1 || v > 99999999)
		return -1;
	*out = (int)v;
	return 0;
}

int
capture_meta_parse(const char *text, struct pane_meta *m)
{
	const char *p = text, *nl, *eq;
	char key[32], val[64];
	size_t kl, vl;
	int bad = 0;

	memset(m, 0, sizeof *m);
	m->cursor_y = -1;
	while (*p != '\0') {
		nl = strchr(p, '\n');
		if (nl == NULL)
			nl = p + strlen(p);
		eq = memchr(p, '=', (size_t)(nl - p));
		if (eq != NULL && *p != '#') {
			kl = (size_t)(eq - p);
			vl = (size_t)(nl - eq - 1);
			while (vl > 0 && (eq[vl] == '\r' || eq[vl] == ' '))
				vl--;
			if (kl < sizeof key && vl < sizeof val) {
				memcpy(key, p, kl);
				key[kl] = '\0';
				memcpy(val, eq + 1, vl);
				val[vl] = '\0';
				if (strcmp(key, "pane_current_command") == 0)
					capture_copy(m->current_command, sizeof m->current_command, val);
				else if (strcmp(key, "pane_id") == 0)
					capture_copy(m->pane_id, sizeof m->pane_id, val);
				else if (strcmp(key, "pane_in_mode") == 0)
					bad |= capture_int(val, &m->in_mode);
				else if (strcmp(key, "pane_dead") == 0)
					bad |= capture_int(val, &m->dead);
				else if (strcmp(key, "cursor_x") == 0)
					bad |= capture_int(val, &m->cursor_x);
				else if (strcmp(key, "cursor_y") == 0)
					bad |= capture_int(val, &m->cursor_y);
				else if (strcmp(key, "pane_height") == 0)
					bad |= capture_int(val, &m->pane_height);
				else if (strcmp(key, "alternate_on") == 0)
					bad |= capture_int(val, &m->alternate_on);
				else if (strcmp(key, "pane_pid") == 0)
					bad |= capture_int(val, &m->pid);
				else if (strcmp(key, "agent") == 0)
					capture_copy(m->agent, sizeof m->agent, val);
				m->known = 1;
			}
		}
		p = *nl == '\0' ? nl : nl + 1;
	}
	return bad ? -1 : 0;
}

int
capture_meta_line(const char *line, size_t len, struct pane_meta *m)
{
	char buf[512], *field[CAPTURE_FIELDS], *p;
	int n = 0;

	if (len >= sizeof buf)
		return -1;
	memcpy(buf, line, len);
	buf[len] = '\0';
	p = buf;
	while (n < CAPTURE_FIELDS) {
		field[n++] = p;
		if (n == CAPTURE_FIELDS)
			break;
		if ((p = strchr(p, '\t')) == NULL)
			return -1;
		*p++ = '\0';
	}
	if (strcmp(field[0], "td2") != 0)
		return -1;
	memset(m, 0, sizeof *m);
	capture_copy(m->pane_id, sizeof m->pane_id, field[1]);
	if (capture_int(field[2], &m->in_mode) || capture_int(field[3], &m->dead) ||
	    capture_int(field[4], &m->cursor_x) || capture_int(field[5], &m->cursor_y) ||
	    capture_int(field[6], &m->pane_height) || capture_int(field[7], &m->alternate_on) ||
	    capture_int(field[8], &m->pid))
		return -1;
	capture_copy(m->current_command, sizeof m->current_command, field[9]);
	m->known = 1;
	return 0;
}

int
capture_pane(const char *target, struct pane_meta *m, char **text, size_t *len, char **cause)
{
	struct tmux_result r;
	/* -u: a client that is not UTF-8 (LC_ALL=C, as in hooks) gets tabs turned into '_'. */
	const char *argv[] = {
		"-u", "display-message", "-p", "-t", target, CAPTURE_FORMAT, ";",
		"capture-pane", "-p", "-t", target, NULL
	};
	const char *nl;
	size_t tl = strlen(target);
	int rc = 0;

	*text = NULL;
	*len = 0;
	/* A target ending in ';' would end the tmux command early. */
	if (tl == 0 || target[tl - 1] == ';' || strpbrk(target, "\n\r") != NULL) {
		xasprintf(cause, "invalid tmux target '%s'", target);
		return TD_EXIT_USAGE;
	}
	if (tmux_run(argv, NULL, 0, &r) != 0) {
		if (strstr(r.err, "can't find") != NULL) {
			xasprintf(cause, "no such pane '%s' (tmux: %s)", target, r.err);
			rc = TD_EXIT_NOTFOUND;
		} else {
			xasprintf(cause, "cannot read pane %s: tmux failed%s%s", target,
			    *r.err != '\0' ? ": " : "", r.err);
			rc = TD_EXIT_FAIL;
		}
	} else if ((nl = memchr(r.out, '\n', r.outlen)) == NULL ||
	    capture_meta_line(r.out, (size_t)(nl - r.out), m) != 0) {
		xasprintf(cause, "unexpected answer from tmux for '%s'", target);
		rc = TD_EXIT_FAIL;
	} else {
		*len = r.outlen - (size_t)(nl + 1 - r.out);
		*text = xmalloc(*len + 1);
		memcpy(*text, nl + 1, *len);
		(*text)[*len] = '\0';
	}
	tmux_result_free(&r);
	return rc;
}

int
capture_history(const char *pane, int lines, char **text, size_t *len)
{
	char start[32];
	const char *argv[] = { "capture-pane", "-p", "-J", "-S", start, "-t", pane, NULL };
	struct tmux_result res;
	const char *from;
	int n = 0;

	snprintf(start, sizeof start, "-%d", lines);
	*text = NULL;
	*len = 0;
	if (tmux_run(argv, NULL, 0, &res) != 0) {
		tmux_result_free(&res);
		return -1;
	}
	/* -S counts from the top of the visible screen: keep the last LINES lines in all. */
	for (from = res.out + res.outlen; from > res.out; from--) {
		if (from[-1] == '\n' && ++n > lines)
			break;
	}
	*len = (size_t)(res.out + res.outlen - from);
	*text = xstrndup(from, *len);
	tmux_result_free(&res);
	return 0;
}

int
capture_escapes(const char *pane, char **text, size_t *len)
{
	const char *argv[] = { "capture-pane", "-p", "-e", "-t", pane, NULL };
	struct tmux_result res;
	size_t pl = strlen(pane);
	int rc = -1;

	*text = NULL;
	*len = 0;
	/* A target ending in ';' would end the tmux command early. */
	if (pl == 0 || pane[pl - 1] == ';')
		return -1;
	if (tmux_run(argv, NULL, 0, &res) == 0) {
		*len = res.outlen;
		*text = xstrndup(res.out, res.outlen);
		rc = 0;
	}
	tmux_result_free(&res);
	return rc;
}
