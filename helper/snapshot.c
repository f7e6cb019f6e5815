/*
 * One tmux call for the pane list and the screens (snapshot.h). Sections are told apart by a
 * line starting with a random nonce: a screen cannot show it, so no program in a pane can fake
 * where one pane's screen ends and the next pane's metadata begins. A section counts only when
 * the next marker follows it, so one cut short by a failed command is never used.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capture.h"
#include "snapshot.h"
#include "tmux-dispatch.h"
#include "tmux.h"

#define SNAPSHOT_NONCE_BYTES 12
_Static_assert(SNAPSHOT_MARK_SIZE == 2 * SNAPSHOT_NONCE_BYTES + 3,
    "snapshot.h's mark size: a newline, the nonce in hex, a tab, a NUL");

/* "\n" NONCE "\t": a marker line is found as its newline and what follows. */
static int
snapshot_mark(char *mark, size_t size)
{
	unsigned char b[SNAPSHOT_NONCE_BYTES];
	size_t i;
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC), ok;

	ok = fd != -1 && read(fd, b, sizeof b) == (ssize_t)sizeof b;
	if (fd != -1)
		close(fd);
	if (!ok || size < 2 * sizeof b + 3)
		return -1;
	mark[0] = '\n';
	for (i = 0; i < sizeof b; i++)
		snprintf(mark + 1 + 2 * i, 3, "%02x", b[i]);
	strcpy(mark + 1 + 2 * sizeof b, "\t");
	return 0;
}

/* Where the next marker line at or after FROM starts (FROM is a line start), or NULL. */
static const char *
snapshot_next(const char *from, const char *mark)
{
	const char *at;

	if (strncmp(from, mark + 1, strlen(mark + 1)) == 0)
		return from;
	return (at = strstr(from, mark)) != NULL ? at + 1 : NULL;
}

static int
snapshot_target_ok(const char *t)
{
	size_t n = strlen(t);

	/* As capture_pane refuses them: they fall back to it and get its error. */
	return n > 0 && t[n - 1] != ';' && strpbrk(t, "\n\r") == NULL;
}

/* A pane id, %N: safe inside a tmux command string. */
static int
snapshot_pane_id(const char *t)
{
	return t[0] == '%' && t[1] != '\0' && strspn(t + 1, "0123456789") == strlen(t + 1);
}

/*
 * list-panes; then per target a marker line with its metadata and its screen; a last marker.
 * With FOCUS (a window id), a pane id's screen is captured only when it is in that window
 * (if-shell -F): COND gets two strings per target, its test and its command (caller frees).
 */
static const char **
snapshot_argv(const char *const *targets, size_t n, char **formats, const char *focus,
    char **cond)
{
	/* 5 for list-panes, 13 at most per target, 5 for the end marker and NULL */
	const char **argv = xreallocarray(NULL, 5 + 13 * n + 5, sizeof *argv);
	size_t a = 0, i;

	argv[a++] = "-u";
	argv[a++] = "list-panes";
	argv[a++] = "-a";
	argv[a++] = "-F";
	argv[a++] = panes_format();
	for (i = 0; i < n; i++) {
		if (!snapshot_target_ok(targets[i]))
			continue;
		argv[a++] = ";";
		argv[a++] = "display-message";
		argv[a++] = "-p";
		argv[a++] = "-t";
		argv[a++] = targets[i];
		argv[a++] = formats[0];
		argv[a++] = ";";
		if (focus != NULL && snapshot_pane_id(targets[i])) {
			/* Another window's screen is not needed: a hook looks at its own window. */
			xasprintf(&cond[2 * i], "#{==:#{window_id},%s}", focus);
			xasprintf(&cond[2 * i + 1], "capture-pane -p -t %s", targets[i]);
			argv[a++] = "if-shell";
			argv[a++] = "-F";
			argv[a++] = "-t";
			argv[a++] = targets[i];
			argv[a++] = cond[2 * i];
			argv[a++] = cond[2 * i + 1];
			continue;
		}
		argv[a++] = "capture-pane";
		argv[a++] = "-p";
		argv[a++] = "-t";
		argv[a++] = targets[i];
	}
	argv[a++] = ";";
	argv[a++] = "display-message";
	argv[a++] = "-p";
	argv[a++] = formats[1];
	argv[a] = NULL;
	return argv;
}

/*
 * The sections after the pane list, from AT (a marker line), each kept once complete; with
 * FOCUS, a pane of another window was not captured (an empty section), and is not kept.
 */
static void
snapshot_screens(const char *at, const char *mark, const struct panes *panes, const char *focus,
    struct observe_cache *cache)
{
	const struct pane *pane;
	size_t ml = strlen(mark + 1);
	const char *nl, *screen, *next;
	struct pane_meta meta;

	while ((nl = strchr(at, '\n')) != NULL) {
		screen = nl + 1;
		if ((size_t)(nl - at) == ml + 3 && strncmp(at + ml, "end", 3) == 0)
			return;
		if ((next = snapshot_next(screen, mark)) == NULL)
			return;
		if (capture_meta_line(at + ml, (size_t)(nl - at) - ml, &meta) == 0 &&
		    (focus == NULL || ((pane = panes_by_id(panes, meta.pane_id)) != NULL &&
		    strcmp(pane->window, focus) == 0)))
			observe_cache_add(cache, meta.pane_id, &meta, screen, (size_t)(next - screen));
		at = next;
	}
}

static void snapshot_free(struct snapshot *);

int
snapshot_start(struct snapshot *sn, const char *const *targets, size_t n, const char *focus)
{
	struct tmux_result res;

	memset(sn, 0, sizeof *sn);
	if (!panes_server_possible() || snapshot_mark(sn->mark, sizeof sn->mark) != 0)
		return -1;
	xasprintf(&sn->formats[0], "%s%s", sn->mark + 1, CAPTURE_FORMAT);
	xasprintf(&sn->formats[1], "%send", sn->mark + 1);
	/* Only a window id and pane ids go into those command strings. */
	if (focus != NULL && (focus[0] != '@' || strspn(focus + 1, "0123456789") !=
	    strlen(focus + 1) || focus[1] == '\0'))
		focus = NULL;
	sn->focus = focus;
	sn->n = n;
	sn->cond = xcalloc(2 * n + 1, sizeof *sn->cond);
	sn->argv = snapshot_argv(targets, n, sn->formats, focus, sn->cond);
	if (tmux_start(&sn->call, sn->argv, 0, &res) != 0) {
		tmux_result_free(&res);
		snapshot_free(sn);
		return -1;
	}
	sn->started = 1;
	return 0;
}

static void
snapshot_free(struct snapshot *sn)
{
	size_t i;

	free(sn->argv);
	free(sn->formats[0]);
	free(sn->formats[1]);
	for (i = 0; sn->cond != NULL && i < 2 * sn->n; i++)
		free(sn->cond[i]);
	free(sn->cond);
	memset(sn, 0, sizeof *sn);
}

int
snapshot_finish(struct snapshot *sn, struct panes *panes, struct observe_cache *cache)
{
	struct tmux_result res;
	const char *first;
	char *list;
	int rc = -1;

	memset(panes, 0, sizeof *panes);
	if (!sn->started)
		return -1;
	/* A target that fails makes tmux exit 1: what came before it is still good. */
	if (tmux_finish(&sn->call, NULL, 0, &res) == 0 || res.status > 0) {
		if ((first = snapshot_next(res.out, sn->mark)) != NULL) {
			list = xstrndup(res.out, (size_t)(first - res.out));
			panes_parse(panes, list);
			free(list);
			snapshot_screens(first, sn->mark, panes, sn->focus, cache);
			rc = 0;
		}
	}
	tmux_result_free(&res);
	snapshot_free(sn);
	return rc;
}
