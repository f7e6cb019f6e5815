/*
 * The snapshot started before the state is read (guess.h). The file is a hint, not state: a
 * missing, stale or damaged one costs one tmux call, never a wrong screen (each screen is filed
 * under the pane id tmux resolved it to), so it is read without the checks the state gets.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "durable.h"
#include "guess.h"
#include "state.h"
#include "tmux-dispatch.h"
#include "tmux.h"

#define GUESS_MAX 65536 /* bytes: far more than the targets of any fleet */

static char *
guess_path(const char *state_path)
{
	char *dir = file_dirname(state_path), *path;

	xasprintf(&path, "%s/" STATE_SIDE_DIR "/" GUESS_FILE, dir);
	free(dir);
	return path;
}

/* The file's lines as targets into G; nothing when it is missing or unreadable. */
static void
guess_read(struct guess *g, const char *state_path)
{
	char *path = guess_path(state_path), *line, *next;
	size_t len = 0;
	ssize_t got;
	int fd;

	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) == -1) {
		free(path);
		return;
	}
	free(path);
	g->text = xmalloc(GUESS_MAX + 1);
	while (len < GUESS_MAX && ((got = read(fd, g->text + len, GUESS_MAX - len)) > 0 ||
	    (got == -1 && errno == EINTR)))
		len += got > 0 ? (size_t)got : 0;
	close(fd);
	g->text[len] = '\0';
	for (line = g->text; *line != '\0'; line = next) {
		if ((next = strchr(line, '\n')) == NULL)
			break; /* cut short: not a whole line */
		*next++ = '\0';
		if (*line == '\0')
			continue;
		g->targets = xreallocarray(g->targets, g->n + 1, sizeof *g->targets);
		g->targets[g->n++] = line;
	}
}

void
guess_start(struct guess *g, const char *state_path, const char *focus)
{
	memset(g, 0, sizeof *g);
	g->focus = focus;
	guess_read(g, state_path);
	if (g->n > 0 && snapshot_start(&g->sn, g->targets, g->n, focus) == 0)
		g->started = 1;
	g->calls = tmux_calls();
}

/* Whether every one of TARGETS (N) is among the guess's. */
static int
guess_has_all(const struct guess *g, const char *const *targets, size_t n)
{
	size_t i, j;

	for (i = 0; i < n; i++) {
		for (j = 0; j < g->n && strcmp(g->targets[j], targets[i]) != 0; j++)
			;
		if (j == g->n)
			return 0;
	}
	return 1;
}

int
guess_covers(const struct guess *g, const char *const *targets, size_t n, const char *focus)
{
	if (!g->started || g->calls != tmux_calls() || (focus == NULL) != (g->focus == NULL) ||
	    (focus != NULL && strcmp(focus, g->focus) != 0))
		return 0;
	return guess_has_all(g, targets, n);
}

int
guess_finish(struct guess *g, struct panes *panes, struct observe_cache *cache)
{
	g->started = 0;
	return snapshot_finish(&g->sn, panes, cache);
}

static void
guess_write(const char *state_path, const char *const *targets, size_t n)
{
	char *path, *text = NULL, *cause = NULL;
	size_t len = 0, i, tl;

	for (i = 0; i < n; i++) {
		if (strchr(targets[i], '\n') != NULL)
			return; /* not one line: a guess without it would not cover it anyway */
	}
	if ((path = state_side_path(state_path, GUESS_FILE)) == NULL)
		return;
	if (n == 0) {
		(void)unlink(path);
		free(path);
		return;
	}
	for (i = 0; i < n; i++) {
		tl = strlen(targets[i]);
		text = xrealloc(text, len + tl + 2);
		memcpy(text + len, targets[i], tl);
		len += tl;
		text[len++] = '\n';
	}
	/* A hint: a write that fails leaves the old one, which costs a tmux call at worst. */
	if (durable_replace(path, text, len, durable_mode_of(state_path), &cause) != 0)
		free(cause);
	free(text);
	free(path);
}

void
guess_free(struct guess *g)
{
	struct observe_cache unused = { 0 };
	struct panes panes;

	if (g->started) {
		(void)guess_finish(g, &panes, &unused);
		panes_free(&panes);
		observe_cache_free(&unused);
	}
	free(g->targets);
	free(g->text);
	memset(g, 0, sizeof *g);
}

void
guess_end(struct guess *g, const char *state_path, const char *const *targets, size_t n)
{
	/* TARGETS are each once: as many, all among the guess's, are the same set. */
	if (n != g->n || !guess_has_all(g, targets, n))
		guess_write(state_path, targets, n);
	guess_free(g);
}
