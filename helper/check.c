/*
 * Queue-check. Phase one runs under the state lock and only reads panes: it records finished
 * items and marks the next ones running, so two checks at once never pick the same item.
 * Delivery takes a few hundred milliseconds of waiting, so it runs with the lock released;
 * its outcome is recorded under the lock again.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "capture.h"
#include "check.h"
#include "profile.h"
#include "queue.h"
#include "tmux-dispatch.h"
#include "tmux.h"

#define CHECK_RESULT_LINES 200
#define CHECK_SILENCE 2 /* seconds, unless $TMUX_DISPATCH_SILENCE says otherwise */

int
check_paused(struct state *st)
{
	return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(st->root, "paused"));
}

/* 0: assigned to this terminal, 1: to its group (or all), 2: to anyone. */
static int
check_rank(const char *assigned, const cJSON *term)
{
	if (assigned == NULL || *assigned == '\0')
		return 2;
	return strcmp(assigned, term->string) == 0 ? 0 : 1;
}

/* The next ready item a terminal may take: its own first, then its group's, then anyone's. */
static cJSON *
check_pick(struct state *st, const cJSON *term)
{
	cJSON *item, *best = NULL;
	const char *blocker, *assigned;
	int rank, best_rank = 3;

	cJSON_ArrayForEach(item, st->queue) {
		assigned = state_str(item, "assignedTo");
		if (!queue_item_ready(st, item, &blocker) || !terminal_takes(st, assigned, term) ||
		    !terminal_allows(term, state_str(item, "command")))
			continue;
		rank = check_rank(assigned, term);
		if (best == NULL || rank < best_rank ||
		    (rank == best_rank && queue_before(item, best))) {
			best = item;
			best_rank = rank;
		}
	}
	return best;
}

static void check_finish(struct state *, cJSON *, const char *, const char *, const char *,
    const char *);

static void
check_say(const struct check_plan *plan, const char *terminal, const char *fmt, ...)
{
	va_list ap;

	if (plan->flags & CHECK_QUIET)
		return;
	printf("%s: ", terminal);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

static char *
check_hash_text(unsigned long long hash)
{
	char *text;

	xasprintf(&text, "%016llx", hash);
	return text;
}

/* The pane's last lines, kept as the item's result. */
static void
check_save_result(struct state *st, cJSON *item, const char *pane)
{
	static const char *const fmt[] = { "capture-pane", "-p", "-J", "-S", "-200", "-t", NULL,
		NULL };
	const char *argv[8];
	struct tmux_result res;
	char *name, *path, *start;
	size_t lines = 0;
	FILE *f;

	memcpy(argv, fmt, sizeof argv);
	argv[6] = pane;
	if (tmux_run(argv, NULL, 0, &res) == 0) {
		for (start = res.out + res.outlen; start > res.out; start--) {
			if (start[-1] == '\n' && ++lines > CHECK_RESULT_LINES)
				break;
		}
		xasprintf(&name, "results/%s.log", state_str(item, "id"));
		path = state_side_path(st->dir, "results");
		mkdir(path, 0777);
		free(path);
		path = state_side_path(st->dir, name);
		/* Item ids may hold '/': such an id gets no result file rather than a stray one. */
		if (strchr(state_str(item, "id"), '/') == NULL && (f = fopen(path, "w")) != NULL) {
			fwrite(start, 1, (size_t)(res.out + res.outlen - start), f);
			fclose(f);
			state_set_str(item, "result", path);
		}
		free(name);
		free(path);
	}
	tmux_result_free(&res);
}

static void
check_finish(struct state *st, cJSON *item, const char *status, const char *reason,
    const char *terminal, const char *pane)
{
	if (pane != NULL)
		check_save_result(st, item, pane);
	state_set_str(item, "status", status);
	state_set_time(item, "finishedAt", st->now);
	if (reason != NULL)
		state_set_str(item, "reason", reason);
	state_file_item(st, item);
	events_log(st->dir, terminal, pane, state_str(item, "id"), status, reason);
}

/* The reason an item waits, recorded only when it changes so quiet checks write nothing new. */
static void
check_defer(cJSON *item, const char *reason)
{
	const char *old = state_str(item, "deferred");

	if (old == NULL || strcmp(old, reason) != 0)
		state_set_str(item, "deferred", reason);
}

static void
check_plan_add(struct check_plan *plan, const cJSON *term, cJSON *item, const char *pane,
    const struct profile *profile)
{
	size_t i = plan->n++;

	plan->d = xreallocarray(plan->d, plan->n, sizeof *plan->d);
	plan->ids = xreallocarray(plan->ids, plan->n, sizeof *plan->ids);
	plan->texts = xreallocarray(plan->texts, plan->n, sizeof *plan->texts);
	plan->terms = xreallocarray(plan->terms, plan->n, sizeof *plan->terms);
	plan->pane_ids = xreallocarray(plan->pane_ids, plan->n, sizeof *plan->pane_ids);
	plan->ids[i] = xstrdup(state_str(item, "id"));
	plan->texts[i] = xstrdup(state_str(item, "command"));
	plan->terms[i] = xstrdup(term->string);
	plan->pane_ids[i] = xstrdup(pane);
	memset(&plan->d[i], 0, sizeof plan->d[i]);
	plan->d[i].profile = profile;
}

static void
check_label(struct check_plan *plan, const char *window, const char *label)
{
	size_t i = plan->nlabels++;

	plan->windows = xreallocarray(plan->windows, plan->nlabels, sizeof *plan->windows);
	plan->labels = xreallocarray(plan->labels, plan->nlabels, sizeof *plan->labels);
	plan->windows[i] = xstrdup(window);
	plan->labels[i] = xstrdup(label);
}

/* The panes are read once, and only when a terminal has work or the badge needs them. */
static const struct panes *
check_panes(struct check_plan *plan)
{
	if (!plan->panes_read) {
		plan->panes_read = 1;
		plan->have_panes = panes_read(&plan->panes) == 0;
	}
	return plan->have_panes ? &plan->panes : NULL;
}

/*
 * check_pick, but an item whose command could inject keys (a planner may have written an ESC
 * into the file by hand) is never typed: it fails, and the next one is taken.
 */
static cJSON *
check_next(struct state *st, const cJSON *term, struct check_plan *plan)
{
	const char *why;
	cJSON *next;

	while ((next = check_pick(st, term)) != NULL &&
	    (why = queue_check_command(state_str(next, "command"))) != NULL) {
		check_say(plan, term->string, "refused %s: %s", state_str(next, "id"), why);
		if (plan->flags & CHECK_DRY_RUN)
			return NULL;
		check_finish(st, next, ST_FAILED, why, term->string, NULL);
	}
	return next;
}

/*
 * Why an item must not be typed into PANE now, or NULL: another item is running there (two
 * terminals naming one pane, or planned a moment ago in this check), or the terminal's target
 * now names another pane than the one it just finished in. FINISHING is a running item a dry
 * run counts as finished.
 */
static char *
check_pane_taken(struct state *st, struct check_plan *plan, const char *target,
    const struct pane *pane, const cJSON *finishing)
{
	const struct pane *now = panes_resolve(&plan->panes, target);
	const char *on;
	cJSON *item;
	char *why;

	if (now != pane) {
		xasprintf(&why, "target %s now names %s, not %s", target, now != NULL ? now->id :
		    "no pane", pane->id);
		return why;
	}
	cJSON_ArrayForEach(item, st->queue) {
		on = state_str(item, "pane");
		if (item != finishing && strcmp(state_str(item, "status"), ST_RUNNING) == 0 &&
		    on != NULL && strcmp(on, pane->id) == 0) {
			xasprintf(&why, "pane %s is running %s", pane->id, state_str(item, "id"));
			return why;
		}
	}
	return NULL;
}

/* One terminal: classify its pane, finish its item if it is done, pick its next one. */
static void
check_terminal(struct state *st, cJSON *term, struct check_plan *plan)
{
	const char *target = state_str(term, "target"), *pname = state_str(term, "profile");
	cJSON *running = queue_running(st, term), *next = NULL, *finishing = NULL;
	const struct profile *profile;
	const struct pane *pane;
	struct pane_meta meta;
	struct verdict v;
	char *screen, *hash, *why;
	unsigned long long h;
	size_t len;

	if (running == NULL && (next = check_next(st, term, plan)) == NULL) {
		check_say(plan, term->string, "nothing ready");
		return;
	}
	pane = check_panes(plan) != NULL ? panes_resolve(&plan->panes, target) : NULL;
	/*
	 * A running item is judged by the pane it was typed into: a session:window target names
	 * whichever pane is active now, which may be another program.
	 */
	if (running != NULL && state_str(running, "pane") != NULL && plan->have_panes)
		pane = panes_by_id(&plan->panes, state_str(running, "pane"));
	if (pane == NULL) {
		xasprintf(&why, "no pane for target %s", target);
		if (running != NULL && plan->have_panes && !(plan->flags & CHECK_DRY_RUN))
			check_finish(st, running, ST_FAILED, "pane gone", term->string, NULL);
		else if (next != NULL && !(plan->flags & CHECK_DRY_RUN))
			check_defer(next, why);
		check_say(plan, term->string, "skipped: %s", why);
		free(why);
		return;
	}
	if ((profile = profile_get(pname != NULL ? pname : "auto", st->dir)) == NULL ||
	    capture_pane(pane->id, &meta, &screen, &len) != 0) {
		check_say(plan, term->string, "skipped: cannot read pane %s", pane->id);
		return;
	}
	capture_classify(profile, screen, len, &meta, &v);
	h = capture_screen_hash(screen, len);
	hash = check_hash_text(h);
	free(screen);
	if (!(plan->flags & CHECK_DRY_RUN))
		v.seen = capture_stall_update(term, h, st->now);
	check_label(plan, pane->window, capture_verdict_state(&v));
	if (running != NULL) {
		const char *before = state_str(running, "screenBefore");
		int done = 0, exited = v.state == PANE_EXITED;
		if (v.state == PANE_IDLE && (before == NULL || strcmp(before, hash) != 0)) {
			/*
			 * Not waiting for deliveredAt: a helper killed after the paste leaves the text
			 * in the input (typed, so nothing completes), and once someone submits it the
			 * turn must still be able to finish.
			 */
			done = 1;
		}
		if ((done || exited) && (plan->flags & CHECK_DRY_RUN)) {
			check_say(plan, term->string, "would mark %s %s", state_str(running, "id"),
			    done ? "done" : "failed (agent exited)");
			finishing = running;
			running = NULL;
			next = check_pick(st, term);
		} else if (done || exited) {
			check_say(plan, term->string, done ? "done %s" : "failed %s: agent exited",
			    state_str(running, "id"));
			check_finish(st, running, done ? ST_DONE : ST_FAILED, done ? NULL :
			    "agent exited", term->string, pane->id);
			running = NULL;
			next = check_next(st, term, plan);
		}
	}
	if (running != NULL) {
		check_say(plan, term->string, "working on %s: %s", state_str(running, "id"),
		    capture_verdict_label(&v));
	} else if (next == NULL) {
		check_say(plan, term->string, "nothing ready");
	} else if ((why = check_pane_taken(st, plan, target, pane, finishing)) != NULL) {
		if (!(plan->flags & CHECK_DRY_RUN))
			check_defer(next, why);
		check_say(plan, term->string, "%s waits: %s", state_str(next, "id"), why);
		free(why);
	} else if ((plan->flags & CHECK_AUTO) && check_paused(st)) {
		check_say(plan, term->string, "paused; %s waits", state_str(next, "id"));
	} else if (v.state != PANE_IDLE) {
		xasprintf(&why, "%s %s: %s", capture_verdict_state(&v), v.profile, v.rule);
		if (!(plan->flags & CHECK_DRY_RUN))
			check_defer(next, why);
		check_say(plan, term->string, "%s waits: %s", state_str(next, "id"), why);
		free(why);
	} else if (plan->flags & CHECK_DRY_RUN) {
		check_say(plan, term->string, "would send %s to %s: %s", state_str(next, "id"),
		    pane->id, state_str(next, "command"));
	} else {
		state_set_str(next, "status", ST_RUNNING);
		state_set_time(next, "startedAt", st->now);
		state_set_num(next, "attempts",
		    cJSON_GetObjectItemCaseSensitive(next, "attempts")->valuedouble + 1);
		state_set_str(next, "terminal", term->string);
		state_set_str(next, "pane", pane->id);
		state_set_str(next, "screenBefore", hash);
		cJSON_DeleteItemFromObjectCaseSensitive(next, "deferred");
		cJSON_DeleteItemFromObjectCaseSensitive(next, "deliveredAt");
		check_plan_add(plan, term, next, pane->id, profile);
	}
	free(hash);
}

/*
 * Writes the state that marks the planned items running, then pastes them while the lock is
 * still held: a paste never precedes its record (a failed write types nothing), and no other
 * check or send can type into the same pane between our read of it and our paste. The Enter
 * and the read-back come after the lock is released (check_deliver).
 */
int
check_commit(struct state *st, struct check_plan *plan)
{
	size_t i;
	int rc;

	if ((rc = state_commit(st)) != 0 || plan->n == 0)
		return rc;
	for (i = 0; i < plan->n; i++) {
		plan->d[i].pane = plan->pane_ids[i];
		plan->d[i].text = plan->texts[i];
		plan->d[i].terminal = plan->terms[i];
		plan->d[i].item = plan->ids[i];
	}
	deliver_paste_all(plan->dir, plan->d, plan->n);
	plan->pasted = 1;
	return 0;
}

void
check_plan(struct state *st, cJSON **terms, size_t n, int flags, struct check_plan *plan)
{
	cJSON *term;
	size_t i;

	memset(plan, 0, sizeof *plan);
	plan->flags = flags;
	plan->state_path = xstrdup(st->path);
	plan->dir = xstrdup(st->dir);
	if (terms == NULL) {
		cJSON_ArrayForEach(term, st->terminals)
			check_terminal(st, term, plan);
	} else {
		for (i = 0; i < n; i++)
			check_terminal(st, terms[i], plan);
	}
}

/* After a submission the window shows busy, not the idle it was read as. */
static void
check_relabel(struct check_plan *plan, const char *pane_id, const char *label)
{
	const struct pane *pane = plan->have_panes ? panes_by_id(&plan->panes, pane_id) : NULL;
	size_t i;

	for (i = 0; pane != NULL && i < plan->nlabels; i++) {
		if (strcmp(plan->windows[i], pane->window) == 0) {
			free(plan->labels[i]);
			plan->labels[i] = xstrdup(label);
		}
	}
}

static void
check_record(struct state *st, struct check_plan *plan, size_t i)
{
	struct delivery *d = &plan->d[i];
	cJSON *item = state_item(st, plan->ids[i]);
	const char *pane = item != NULL ? state_str(item, "pane") : NULL;

	/* Someone may have finished or cancelled it meanwhile: theirs is the last word. */
	if (item == NULL || strcmp(state_str(item, "status"), ST_RUNNING) != 0 || pane == NULL ||
	    strcmp(pane, d->pane) != 0)
		return;
	switch (d->outcome) {
	case DELIVERY_SUBMITTED:
		state_set_time(item, "deliveredAt", time(NULL));
		check_relabel(plan, d->pane, "busy");
		check_say(plan, d->terminal, "sent %s (%s)", d->item, d->pane);
		break;
	case DELIVERY_REFUSED:
		/* Nothing was typed: the item waits for the next check. */
		state_set_str(item, "status", ST_PENDING);
		state_set_num(item, "attempts",
		    cJSON_GetObjectItemCaseSensitive(item, "attempts")->valuedouble - 1);
		cJSON_DeleteItemFromObjectCaseSensitive(item, "startedAt");
		cJSON_DeleteItemFromObjectCaseSensitive(item, "terminal");
		cJSON_DeleteItemFromObjectCaseSensitive(item, "pane");
		cJSON_DeleteItemFromObjectCaseSensitive(item, "screenBefore");
		state_set_str(item, "deferred", d->reason);
		check_say(plan, d->terminal, "%s waits: %s", d->item, d->reason);
		break;
	case DELIVERY_NOT_SUBMITTED:
		/* The text may sit in the input; we never clear what could be a human's typing. */
		state_set_str(item, "status", ST_FAILED);
		state_set_time(item, "finishedAt", time(NULL));
		state_set_str(item, "reason", d->reason);
		state_file_item(st, item);
		check_say(plan, d->terminal, "failed %s: %s", d->item, d->reason);
		break;
	}
}

int
check_deliver(struct check_plan *plan)
{
	struct state st;
	size_t i;
	int rc;

	if (plan->n == 0 || !plan->pasted)
		return 0;
	deliver_complete(plan->dir, plan->d, plan->n);
	if ((rc = state_open(&st, plan->state_path, STATE_WRITE)) == 0) {
		for (i = 0; i < plan->n; i++)
			check_record(&st, plan, i);
		if ((rc = state_commit(&st)) == 0)
			check_sync_tmux(&st, plan);
	}
	state_close(&st);
	return rc;
}

void
check_plan_free(struct check_plan *plan)
{
	size_t i;

	for (i = 0; i < plan->n; i++) {
		free(plan->ids[i]);
		free(plan->texts[i]);
		free(plan->terms[i]);
		free(plan->pane_ids[i]);
	}
	free(plan->ids);
	free(plan->texts);
	free(plan->terms);
	free(plan->pane_ids);
	free(plan->d);
	for (i = 0; i < plan->nlabels; i++) {
		free(plan->windows[i]);
		free(plan->labels[i]);
	}
	free(plan->windows);
	free(plan->labels);
	free(plan->state_path);
	free(plan->dir);
	panes_free(&plan->panes);
	memset(plan, 0, sizeof *plan);
}

int
check_run(const char *state_path, const char *spec, int flags)
{
	struct check_plan plan;
	struct state st;
	cJSON **terms = NULL;
	char *canonical = NULL;
	size_t n = 0;
	int rc;

	/* A triggered check where there is no state has nothing to do, and creates nothing. */
	if (flags & CHECK_AUTO) {
		char *path = state_find_path(state_path);
		int exists = access(path, F_OK) == 0;
		free(path);
		if (!exists)
			return 0;
	}
	if ((rc = state_open(&st, state_path, flags & CHECK_DRY_RUN ? STATE_READ :
	    STATE_WRITE)) != 0) {
		state_close(&st);
		return rc;
	}
	if (spec != NULL && (rc = terminal_select(&st, spec, &terms, &n, &canonical)) != 0) {
		state_close(&st);
		return rc;
	}
	check_plan(&st, terms, n, flags, &plan);
	if (!(flags & CHECK_DRY_RUN)) {
		rc = check_commit(&st, &plan);
		if (rc == 0 && plan.n == 0)
			check_sync_tmux(&st, &plan);
	}
	state_close(&st);
	free(terms);
	free(canonical);
	if (rc == 0)
		rc = check_deliver(&plan);
	check_plan_free(&plan);
	return rc;
}

/* The plugin's option, else the environment it exported, else the default. */
static int
check_silence_seconds(const struct panes *panes)
{
	const char *env = getenv("TMUX_DISPATCH_SILENCE");
	int v = panes->silence > 0 ? panes->silence : env != NULL ? atoi(env) : 0;

	return v >= 1 && v <= 3600 ? v : CHECK_SILENCE;
}

/* An argv element ending in ';' would end the tmux command: escape it. */
static char *
check_tmux_value(const char *value)
{
	size_t len = strlen(value);
	char *out;

	if (len > 0 && value[len - 1] == ';')
		xasprintf(&out, "%.*s\\;", (int)(len - 1), value);
	else
		out = xstrdup(value);
	return out;
}

struct check_argv {
	const char **v;
	char **owned;
	size_t n, nowned;
};

static void
check_argv_add(struct check_argv *a, const char *word, int own)
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
check_argv_cmd(struct check_argv *a, const char *const *words)
{
	if (a->n > 0)
		check_argv_add(a, ";", 0);
	for (; *words != NULL; words++)
		check_argv_add(a, xstrdup(*words), 1);
}

/* Whether any terminal in this window has work: a running item or a ready one it may take. */
static int
check_window_wants(struct state *st, const struct panes *panes, const char *window)
{
	const struct pane *pane;
	cJSON *term;

	cJSON_ArrayForEach(term, st->terminals) {
		pane = panes_resolve(panes, state_str(term, "target"));
		if (pane != NULL && strcmp(pane->window, window) == 0 &&
		    (queue_running(st, term) != NULL || check_pick(st, term) != NULL))
			return 1;
	}
	return 0;
}

/* Windows that hold a terminal, each once. */
static int
check_is_terminal_window(struct state *st, const struct panes *panes, const struct pane *p)
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

/*
 * What the tmux plugin shows and listens to, in one tmux call and only where something
 * changes (every set-option redraws every client): the badge, and monitor-silence on the
 * windows whose terminals have work. A window whose silence alert already fired is latched
 * until its session's alert flags are cleared (kill-session -C), so that is done too.
 */
void
check_sync_tmux(struct state *st, struct check_plan *plan)
{
	const struct panes *panes = check_panes(plan);
	struct check_argv a = { 0 };
	struct tmux_result res;
	struct queue_counts counts;
	const char *fmt;
	const char **cleared;
	char *badge, *silence;
	size_t i, j, ncleared = 0;
	int wants;

	/* No server (panes NULL) or no plugin: nothing to show. */
	if (panes == NULL || !panes->plugin)
		return;
	cleared = xcalloc(panes->n + 1, sizeof *cleared);
	/* The option first: a helper run from a shell without tmux's environment agrees. */
	fmt = panes->badge_format != NULL && *panes->badge_format != '\0' ? panes->badge_format :
	    getenv("TMUX_DISPATCH_BADGE_FORMAT");
	queue_count(st, &counts);
	if (fmt == NULL || *fmt == '\0' || queue_badge(fmt, &counts, &badge) != 0)
		queue_badge(QUEUE_BADGE_FORMAT, &counts, &badge);
	if (strcmp(badge, panes->badge != NULL ? panes->badge : "") != 0) {
		char *value = check_tmux_value(badge);
		const char *w[] = { "set-option", "-gq", "@dispatch_badge", value, NULL };
		check_argv_cmd(&a, w);
		free(value);
	}
	xasprintf(&silence, "%d", check_silence_seconds(panes));
	for (i = 0; i < panes->n; i++) {
		const struct pane *p = &panes->v[i];
		if (!check_is_terminal_window(st, panes, p))
			continue;
		wants = !panes->auto_off && check_window_wants(st, panes, p->window);
		if ((wants ? atoi(silence) : 0) != p->window_silence) {
			const char *w[] = { "set-option", "-wq", "-t", p->window, "monitor-silence",
				wants ? silence : "0", NULL };
			check_argv_cmd(&a, w);
		}
		for (j = 0; j < ncleared && strcmp(cleared[j], p->session_id) != 0; j++)
			;
		if (wants && p->silence_flag && j == ncleared) {
			const char *w[] = { "kill-session", "-C", "-t", p->session_id, NULL };
			check_argv_cmd(&a, w);
			cleared[ncleared++] = p->session_id;
		}
	}
	for (i = 0; i < plan->nlabels; i++) {
		const struct pane *p = NULL;
		for (j = 0; j < panes->n && p == NULL; j++)
			p = strcmp(panes->v[j].window, plan->windows[i]) == 0 ? &panes->v[j] : NULL;
		if (p != NULL && strcmp(p->label, plan->labels[i]) != 0) {
			const char *w[] = { "set-option", "-wq", "-t", plan->windows[i],
				"@dispatch_window", plan->labels[i], NULL };
			check_argv_cmd(&a, w);
		}
	}
	if (a.n > 0) {
		tmux_run(a.v, NULL, 0, &res);
		tmux_result_free(&res);
	}
	for (i = 0; i < a.nowned; i++)
		free(a.owned[i]);
	free(a.owned);
	free(a.v);
	free(badge);
	free(silence);
	free(cleared);
}
