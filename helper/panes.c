/* One `list-panes -a` gives every pane with what resolution and the plugin sync need. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "panes.h"
#include "tmux-dispatch.h"
#include "tmux.h"

/* Unit separator: names may hold spaces and tabs, and tmux prints this byte as is. */
#define PANES_SEP "\x1f"
#define PANES_FORMAT "#{pane_id}" PANES_SEP "#{window_id}" PANES_SEP "#{session_id}" \
	PANES_SEP "#{window_index}" PANES_SEP "#{pane_index}" PANES_SEP "#{pane_active}" \
	PANES_SEP "#{monitor-silence}" PANES_SEP "#{window_silence_flag}" PANES_SEP \
	"#{?@dispatch_helper,1,0}" PANES_SEP "#{@dispatch_badge}" PANES_SEP \
	"#{@dispatch_window}" PANES_SEP "#{@dispatch-badge-format}" PANES_SEP \
	"#{@dispatch-silence}" PANES_SEP "#{@dispatch-auto}" PANES_SEP "#{session_name}" \
	PANES_SEP "#{window_name}" PANES_SEP "#{@dispatch_message}"
#define PANES_FIELDS 17

static int
panes_split(char *line, char **fields)
{
	int n = 0;
	char *sep;

	fields[n++] = line;
	while (n < PANES_FIELDS && (sep = strchr(line, PANES_SEP[0])) != NULL) {
		*sep = '\0';
		fields[n++] = line = sep + 1;
	}
	return n;
}

/*
 * Whether a tmux server could answer: in tmux ($TMUX), or a default socket exists where the
 * client would look. Saves a client spawn per command for state work done outside tmux.
 */
int
panes_server_possible(void)
{
	const char *tmux = getenv("TMUX"), *dir = getenv("TMUX_TMPDIR");
	char *path;
	int exists;

	if ((tmux != NULL && *tmux != '\0') || getenv("TMUX_DISPATCH_TMUX") != NULL)
		return 1;
	xasprintf(&path, "%s/tmux-%ld/default", dir != NULL && *dir != '\0' ? dir : "/tmp",
	    (long)getuid());
	exists = access(path, F_OK) == 0;
	free(path);
	return exists;
}

const char *
panes_format(void)
{
	return PANES_FORMAT;
}

void
panes_parse(struct panes *p, char *out)
{
	char *line, *next, *f[PANES_FIELDS];
	struct pane *pane;

	memset(p, 0, sizeof *p);
	for (line = out; line != NULL && *line != '\0'; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		if (panes_split(line, f) != PANES_FIELDS)
			continue;
		p->v = xreallocarray(p->v, p->n + 1, sizeof *p->v);
		pane = &p->v[p->n++];
		pane->id = xstrdup(f[0]);
		pane->window = xstrdup(f[1]);
		pane->session_id = xstrdup(f[2]);
		pane->window_index = xstrdup(f[3]);
		pane->pane_index = xstrdup(f[4]);
		pane->active = strcmp(f[5], "1") == 0;
		pane->window_silence = atoi(f[6]);
		pane->silence_flag = strcmp(f[7], "1") == 0;
		p->plugin = strcmp(f[8], "1") == 0;
		if (p->badge == NULL)
			p->badge = xstrdup(f[9]);
		pane->label = xstrdup(f[10]);
		if (p->badge_format == NULL) {
			p->badge_format = xstrdup(f[11]);
			p->silence = atoi(f[12]);
			p->auto_off = strcmp(f[13], "off") == 0;
		}
		pane->session = xstrdup(f[14]);
		pane->window_name = xstrdup(f[15]);
		if (p->message == NULL)
			p->message = xstrdup(f[16]);
	}
}

int
panes_read(struct panes *p)
{
	/* -u: without a UTF-8 locale (hooks run with the server's) tmux would mangle names. */
	static const char *const argv[] = { "-u", "list-panes", "-a", "-F", PANES_FORMAT, NULL };
	struct tmux_result res;

	memset(p, 0, sizeof *p);
	if (!panes_server_possible())
		return -1;
	if (tmux_run(argv, NULL, 0, &res) != 0) {
		tmux_result_free(&res);
		return -1;
	}
	panes_parse(p, res.out);
	tmux_result_free(&res);
	return 0;
}

void
panes_free(struct panes *p)
{
	size_t i;

	for (i = 0; i < p->n; i++) {
		free(p->v[i].id);
		free(p->v[i].window);
		free(p->v[i].session_id);
		free(p->v[i].session);
		free(p->v[i].window_index);
		free(p->v[i].window_name);
		free(p->v[i].pane_index);
		free(p->v[i].label);
	}
	free(p->v);
	free(p->badge);
	free(p->badge_format);
	free(p->message);
	memset(p, 0, sizeof *p);
}

const struct pane *
panes_by_id(const struct panes *p, const char *id)
{
	size_t i;

	for (i = 0; i < p->n; i++) {
		if (strcmp(p->v[i].id, id) == 0)
			return &p->v[i];
	}
	return NULL;
}

static int
panes_window_matches(const struct pane *pane, const char *session, size_t slen,
    const char *window, size_t wlen)
{
	int s = (strlen(pane->session) == slen && strncmp(pane->session, session, slen) == 0) ||
	    (strlen(pane->session_id) == slen && strncmp(pane->session_id, session, slen) == 0);
	int w = (strlen(pane->window_index) == wlen &&
	    strncmp(pane->window_index, window, wlen) == 0) ||
	    (strlen(pane->window_name) == wlen && strncmp(pane->window_name, window, wlen) == 0) ||
	    (strlen(pane->window) == wlen && strncmp(pane->window, window, wlen) == 0);

	return s && w;
}

/* A target naming more than one pane (two windows called alike) resolves to none. */
const struct pane *
panes_resolve(const struct panes *p, const char *target)
{
	const struct pane *found = NULL;
	const char *colon, *window, *dot;
	size_t i, wlen;

	if (target[0] == '%')
		return panes_by_id(p, target);
	colon = strchr(target, ':');
	window = colon != NULL ? colon + 1 : NULL;
	dot = window != NULL ? strrchr(window, '.') : NULL;
	wlen = window == NULL ? 0 : dot != NULL ? (size_t)(dot - window) : strlen(window);
	for (i = 0; i < p->n; i++) {
		const struct pane *pane = &p->v[i];
		int match;
		if (target[0] == '@')
			match = strcmp(pane->window, target) == 0 && pane->active;
		else if (window == NULL)
			match = 0;
		else {
			match = panes_window_matches(pane, target, (size_t)(colon - target), window,
			    wlen) && (dot != NULL ? strcmp(pane->pane_index, dot + 1) == 0 :
			    pane->active);
		}
		if (!match)
			continue;
		if (found != NULL)
			return NULL;
		found = pane;
	}
	return found;
}
