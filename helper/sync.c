/* What the helper pushes to tmux for the plugin (sync.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "panes.h"
#include "queue.h"
#include "schedule.h"
#include "state.h"
#include "sync.h"
#include "tmux-dispatch.h"
#include "tmux.h"

#define SYNC_SILENCE 2 /* seconds, unless $TMUX_DISPATCH_SILENCE says otherwise */
#define SYNC_BACKOFF_MAX 30 /* seconds: the slowest a window that waits on a question is watched */

/* The window whose silence hook runs this check (sync_backoff_window), or NULL. */
static const char *sync_hook_window;

void
sync_backoff_window(const char *window)
{
	sync_hook_window = window;
}

/* The plugin's option, else the environment it exported, else the default. */
static int
sync_silence_seconds(const struct panes *panes)
{
	if (panes->silence >= 1 && panes->silence <= 3600)
		return panes->silence;
	return (int)args_env_int("TMUX_DISPATCH_SILENCE", 1, 3600, SYNC_SILENCE);
}

struct sync_argv {
	const char **v;
	char **owned;
	size_t n, nowned;
};

static void
sync_argv_add(struct sync_argv *a, const char *word, int own)
{
	a->v = xreallocarray(a->v, a->n + 2, sizeof *a->v);
	if (own) {
		a->owned = xreallocarray(a->owned, a->nowned + 1, sizeof *a->owned);
		a->owned[a->nowned++] = (char *)word;
	}
	a->v[a->n++] = word;
	a->v[a->n] = NULL;
}

static void
sync_argv_cmd(struct sync_argv *a, const char *const *words)
{
	if (a->n > 0)
		sync_argv_add(a, ";", 0);
	for (; *words != NULL; words++)
		sync_argv_add(a, xstrdup(*words), 1);
}

/* Whether any terminal in this window has work: a running item or a ready one it may take. */
static int
sync_window_wants(struct state *st, const struct panes *panes, const char *window)
{
	const struct pane *pane;
	cJSON *term;

	cJSON_ArrayForEach(term, st->terminals) {
		pane = panes_resolve(panes, state_str(term, "target"));
		if (pane != NULL && strcmp(pane->window, window) == 0 &&
		    (schedule_running(st, term) != NULL || schedule_next(st, term) != NULL))
			return 1;
	}
	return 0;
}

/*
 * Whether WINDOW waits on a person: this check saw it waiting (LABELS), and every terminal in
 * it on the screen the check before saw too.
 */
static int
sync_window_quiet(struct state *st, const struct panes *panes, const char *label,
    const char *window)
{
	const cJSON *term, *seen;
	const struct pane *pane;

	if (strcmp(label, "waiting") != 0)
		return 0;
	cJSON_ArrayForEach(term, st->terminals) {
		pane = panes_resolve(panes, state_str(term, "target"));
		seen = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(term,
		    "screen"), "seen");
		if (pane != NULL && strcmp(pane->window, window) == 0 &&
		    (!cJSON_IsNumber(seen) || seen->valuedouble < 2))
			return 0;
	}
	return 1;
}

/*
 * The monitor-silence a window with work gets: BASE, but a window that waits on a person
 * backs off, doubling at each of its own silence hooks up to SYNC_BACKOFF_MAX, and keeps what
 * it has at other windows' hooks. Any other check (the queue changed: enqueue, import,
 * dispatch, resume, check) or a changed screen drops it back to BASE.
 */
static int
sync_window_silence(struct state *st, const struct panes *panes,
    const struct sync_labels *labels, const struct pane *p, int base)
{
	int ceiling = base > SYNC_BACKOFF_MAX ? base : SYNC_BACKOFF_MAX;
	int now = p->window_silence > base ? p->window_silence : base;
	const char *label = NULL;
	size_t i;

	if (sync_hook_window == NULL)
		return base;
	for (i = 0; labels != NULL && i < labels->n && label == NULL; i++) {
		if (strcmp(labels->windows[i], p->window) == 0)
			label = labels->labels[i];
	}
	/* A window this hook did not look at (another window's hook) stays as it is. */
	if (label == NULL)
		return p->window_silence > 0 ? p->window_silence : base;
	if (!sync_window_quiet(st, panes, label, p->window))
		return base;
	if (strcmp(p->window, sync_hook_window) == 0)
		now *= 2;
	return now < ceiling ? now : ceiling;
}

/* Windows that hold a terminal, each once. */
static int
sync_is_terminal_window(struct state *st, const struct panes *panes, const struct pane *p)
{
	const struct pane *pane;
	cJSON *term;

	cJSON_ArrayForEach(term, st->terminals) {
		pane = panes_resolve(panes, state_str(term, "target"));
		if (pane == p)
			return 1;
	}
	return 0;
}

/* The badge text: the plugin's option first, so a helper run from a plain shell agrees. */
static char *
sync_badge(struct state *st, const struct panes *panes)
{
	const char *fmt = panes->badge_format != NULL && *panes->badge_format != '\0' ?
	    panes->badge_format : getenv("TMUX_DISPATCH_BADGE_FORMAT");
	struct queue_counts counts;
	char *badge;

	queue_count(st, &counts);
	if (fmt == NULL || *fmt == '\0' || queue_badge(fmt, &counts, &badge) != 0)
		queue_badge(QUEUE_BADGE_FORMAT, &counts, &badge);
	return badge;
}

/*
 * monitor-silence on the windows whose terminals have work, off on the others. A window
 * whose silence alert already fired is latched until its session's alert flags are cleared
 * (kill-session -C), so that is done too, once per session.
 */
static void
sync_silence(struct state *st, const struct panes *panes, const struct sync_labels *labels,
    struct sync_argv *a)
{
	const char **cleared = xcalloc(panes->n + 1, sizeof *cleared);
	char silence[16];
	size_t i, j, ncleared = 0;
	int wants, base = sync_silence_seconds(panes), want;

	for (i = 0; i < panes->n; i++) {
		const struct pane *p = &panes->v[i];
		if (!sync_is_terminal_window(st, panes, p))
			continue;
		wants = !panes->auto_off && sync_window_wants(st, panes, p->window);
		want = wants ? sync_window_silence(st, panes, labels, p, base) : 0;
		if (want != p->window_silence) {
			snprintf(silence, sizeof silence, "%d", want);
			const char *w[] = { "set-option", "-wq", "-t", p->window, "monitor-silence",
				silence, NULL };
			sync_argv_cmd(a, w);
		}
		for (j = 0; j < ncleared && strcmp(cleared[j], p->session_id) != 0; j++)
			;
		if (wants && p->silence_flag && j == ncleared) {
			const char *w[] = { "kill-session", "-C", "-t", p->session_id, NULL };
			sync_argv_cmd(a, w);
			cleared[ncleared++] = p->session_id;
		}
	}
	free(cleared);
}

/* @dispatch_window where the label changed. */
static void
sync_window_labels(const struct panes *panes, const struct sync_labels *labels,
    struct sync_argv *a)
{
	const struct pane *p;
	size_t i, j;

	for (i = 0; labels != NULL && i < labels->n; i++) {
		p = NULL;
		for (j = 0; j < panes->n && p == NULL; j++)
			p = strcmp(panes->v[j].window, labels->windows[i]) == 0 ? &panes->v[j] : NULL;
		if (p != NULL && strcmp(p->label, labels->labels[i]) != 0) {
			const char *w[] = { "set-option", "-wq", "-t", labels->windows[i],
				"@dispatch_window", labels->labels[i], NULL };
			sync_argv_cmd(a, w);
		}
	}
}

#define SYNC_PROBLEM "tmux-dispatch: cannot read the terminals: "

/* @dispatch_message for PROBLEM, shown once; a problem of ours that is gone is cleared. */
static void
sync_problem(const struct panes *panes, const char *problem, struct sync_argv *a)
{
	const char *old = panes->message != NULL ? panes->message : "";
	char *msg, *value, *shown, *o;
	const char *p;

	if (problem == NULL) {
		if (strncmp(old, SYNC_PROBLEM, strlen(SYNC_PROBLEM)) == 0) {
			const char *w[] = { "set-option", "-gqu", "@dispatch_message", NULL };
			sync_argv_cmd(a, w);
		}
		return;
	}
	xasprintf(&msg, SYNC_PROBLEM "%s", problem);
	if (strcmp(msg, old) != 0) {
		value = tmux_arg(msg);
		/* display-message expands formats: every # doubled, so the text is shown as is. */
		shown = o = xmalloc(strlen(value) * 2 + 1);
		for (p = value; *p != '\0'; p++)
			if ((*o++ = *p) == '#')
				*o++ = '#';
		*o = '\0';
		const char *w[] = { "set-option", "-gq", "@dispatch_message", value, NULL };
		const char *d[] = { "display-message", "-d", "10000", shown, NULL };
		sync_argv_cmd(a, w);
		sync_argv_cmd(a, d); /* last: without a client it fails, and nothing follows it */
		free(value);
		free(shown);
	}
	free(msg);
}

/* Everything in one tmux call, and only what changes: every set-option redraws every client. */
void
sync_tmux(struct state *st, const struct panes *panes, const struct sync_labels *labels,
    const char *problem)
{
	struct sync_argv a = { 0 };
	struct tmux_result res;
	char *badge;
	size_t i;

	if (panes == NULL || !panes->plugin)
		return;
	badge = sync_badge(st, panes);
	if (strcmp(badge, panes->badge != NULL ? panes->badge : "") != 0) {
		char *value = tmux_arg(badge);
		const char *w[] = { "set-option", "-gq", "@dispatch_badge", value, NULL };
		sync_argv_cmd(&a, w);
		free(value);
	}
	sync_silence(st, panes, labels, &a);
	sync_window_labels(panes, labels, &a);
	sync_problem(panes, problem, &a);
	if (a.n > 0) {
		tmux_run(a.v, NULL, 0, &res);
		tmux_result_free(&res);
	}
	for (i = 0; i < a.nowned; i++)
		free(a.owned[i]);
	free(a.owned);
	free(a.v);
	free(badge);
}

void
sync_label(struct sync_labels *l, const char *window, const char *label)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		if (strcmp(l->windows[i], window) == 0) {
			free(l->labels[i]);
			l->labels[i] = xstrdup(label);
			return;
		}
	}
	l->windows = xreallocarray(l->windows, l->n + 1, sizeof *l->windows);
	l->labels = xreallocarray(l->labels, l->n + 1, sizeof *l->labels);
	l->windows[l->n] = xstrdup(window);
	l->labels[l->n++] = xstrdup(label);
}

void
sync_labels_free(struct sync_labels *l)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		free(l->windows[i]);
		free(l->labels[i]);
	}
	free(l->windows);
	free(l->labels);
	memset(l, 0, sizeof *l);
}
