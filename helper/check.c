/*
 * Queue-check. Phase one runs under the state lock: it observes the terminals that have work,
 * records finished items and marks the next ones running, writes that state, and pastes each
 * item while the lock is still held, so a paste never precedes its record and no other check
 * or send types into the same pane in between. The Enter delay and the read-back (a few
 * hundred milliseconds of waiting) run with the lock released; their outcome is recorded
 * under the lock again.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "batch.h"
#include "capture.h"
#include "check.h"
#include "continue.h"
#include "events.h"
#include "graph.h"
#include "guess.h"
#include "item.h"
#include "limit.h"
#include "mode.h"
#include "observe.h"
#include "oneshot.h"
#include "profile.h"
#include "queue.h"
#include "restore.h"
#include "result.h"
#include "review.h"
#include "schedule.h"
#include "snapshot.h"
#include "stall.h"
#include "strmap.h"
#include "terminal.h"
#include "tmux-dispatch.h"
#include "trust.h"
#include "watch.h"
#include "worktree.h"

#define CHECK_RESULT_LINES 200
/*
 * What one check may spend observing panes under the lock: every other command waits for it
 * (at most 10 s, TMUX_DISPATCH_LOCK_TIMEOUT). Terminals past it wait for the next check.
 */
#define CHECK_BUDGET_MS 2000

int
check_paused(struct state *st)
{
	return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(st->root, "paused"));
}

void
check_say(const struct check_plan *plan, const char *terminal, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	if (plan->flags & CHECK_QUIET)
		return;
	va_start(ap, fmt);
	xvasprintf(&msg, fmt, ap);
	va_end(ap);
	td_say("%s: %s", terminal, msg);
	free(msg);
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
 * Finishes a terminal's item; PANE (the pane it ran in, if still there) gives its result. A dry
 * run finishes it in memory only, with no result and no event line: the terminals after this
 * one then see what a check would leave them (a free worker, a dependency done).
 */
static void
check_finish(struct state *st, struct check_plan *plan, cJSON *item, const char *status,
    const char *reason, const char *pane)
{
	char *text;
	size_t len;

	plan->finished++;
	if (plan->flags & CHECK_DRY_RUN) {
		item_finish_dry(st, item, status, reason);
		return;
	}
	/* First: the result folder shows a worktree task's commits and diffstat. */
	worktree_finish(st, plan, item);
	if (pane != NULL && capture_history(pane, CHECK_RESULT_LINES, &text, &len) == 0) {
		item_save_result(st, item, text, len);
		free(text);
	}
	item_finish(st, item, status, reason);
}

/*
 * schedule_next, but an item whose command could inject keys (a planner may have written an ESC
 * into the file by hand) is never typed: it fails, and the next one is taken.
 */
static cJSON *
check_next(struct state *st, const cJSON *term, struct check_plan *plan)
{
	const char *why;
	cJSON *next;

	while ((next = schedule_next(st, term)) != NULL &&
	    (why = queue_check_command(state_str(next, ITEM_COMMAND))) != NULL) {
		check_say(plan, term->string, "refused %s: %s", state_str(next, ITEM_ID), why);
		check_finish(st, plan, next, ST_FAILED, why, NULL);
	}
	return next;
}

/* TEXT (the plan takes it) is what check_commit types: the command, or its template filled. */
static void
check_plan_add(struct check_plan *plan, const cJSON *term, cJSON *item, const char *pane,
    const struct observation *o, char *text)
{
	size_t i = plan->n++;

	plan->d = xreallocarray(plan->d, plan->n, sizeof *plan->d);
	plan->ids = xreallocarray(plan->ids, plan->n, sizeof *plan->ids);
	plan->texts = xreallocarray(plan->texts, plan->n, sizeof *plan->texts);
	plan->terms = xreallocarray(plan->terms, plan->n, sizeof *plan->terms);
	plan->pane_ids = xreallocarray(plan->pane_ids, plan->n, sizeof *plan->pane_ids);
	plan->ids[i] = xstrdup(state_str(item, ITEM_ID));
	plan->texts[i] = text;
	plan->terms[i] = xstrdup(term->string);
	plan->pane_ids[i] = xstrdup(pane);
	memset(&plan->d[i], 0, sizeof plan->d[i]);
	plan->d[i].profile = o->profile;
	plan->d[i].pid = o->meta.pid;
	snprintf(plan->d[i].command, sizeof plan->d[i].command, "%s", o->meta.current_command);
}

/*
 * Why an item must not be typed into PANE now, or NULL: another item is running there (two
 * terminals naming one pane, or planned a moment ago in this check), or the terminal's target
 * now names another pane than the one it just finished in.
 */
static char *
check_pane_taken(struct state *st, struct check_plan *plan, const char *target,
    const struct pane *pane)
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
		on = state_str(item, ITEM_PANE);
		if (strcmp(state_str(item, ITEM_STATUS), ST_RUNNING) == 0 &&
		    on != NULL && strcmp(on, pane->id) == 0) {
			xasprintf(&why, "pane %s is running %s", pane->id, state_str(item, ITEM_ID));
			return why;
		}
	}
	return NULL;
}

/* The terminal's pane: where its running item was typed, else what its target names now. */
static const struct pane *
check_pane_of(struct check_plan *plan, const cJSON *term, const cJSON *running)
{
	const char *on = running != NULL ? state_str(running, ITEM_PANE) : NULL;

	if (check_panes(plan) == NULL)
		return NULL;
	/* A session:window target names whichever pane is active now: maybe another program. */
	if (on != NULL)
		return panes_by_id(&plan->panes, on);
	return panes_resolve(&plan->panes, state_str(term, "target"));
}

/* No pane: a running item's pane is gone (when tmux answered at all); a next item waits. */
static void
check_no_pane(struct state *st, struct check_plan *plan, cJSON *term, cJSON *running,
    cJSON *next)
{
	char *why;

	xasprintf(&why, "no pane for target %s", state_str(term, "target"));
	if (running != NULL && plan->have_panes) {
		check_finish(st, plan, running, ST_FAILED, "pane gone", NULL);
		watch_agent_gone(st, plan, term, running);
	}
	else if (next != NULL && !(plan->flags & CHECK_DRY_RUN))
		item_defer(next, why);
	check_say(plan, term->string, "skipped: %s", why);
	free(why);
}

/*
 * A running item is done when the agent is idle on a screen other than the one it was typed
 * into, or idle at all once it was seen at work on it (a reply as tall as the pane can end on
 * the very screen the last one did: Gemini's has no clock), failed when the agent exited.
 * Not waiting for deliveredAt: a helper killed after the paste leaves the text in the input
 * (typed, so nothing completes), and once someone submits it the turn must still be able to
 * finish. Returns 1 when the item ended; *next is then the terminal's next item.
 */
static int
check_completion(struct state *st, struct check_plan *plan, cJSON *term, cJSON *running,
    const struct observation *o, cJSON **next)
{
	const char *before = state_str(running, ITEM_SCREEN_BEFORE), *id = state_str(running,
	    ITEM_ID);
	int over = before == NULL || strcmp(before, o->hash_text) != 0 ||
	    cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(running, ITEM_TURN_SEEN));
	int done = result_done(st, running, o->pane, o->v.state == PANE_IDLE, over);
	int exited = o->v.state == PANE_EXITED;

	/* Held by its doneWhen at the end of a turn, a suggestion showing may carry it on. */
	if (!done && !exited && o->v.state == PANE_IDLE && over && o->v.suggestion[0] != '\0')
		continue_accept(st, plan, term, running, o);
	if ((!done && !exited) || (done && continue_accept(st, plan, term, running, o)))
		return 0;
	if (plan->flags & CHECK_DRY_RUN)
		check_say(plan, term->string, "would mark %s %s", id, done ? "done" :
		    "failed (agent exited)");
	else
		check_say(plan, term->string, done ? "done %s" : "failed %s: agent exited", id);
	check_finish(st, plan, running, done ? ST_DONE : ST_FAILED, done ? NULL : "agent exited",
	    o->pane);
	if (exited)
		watch_agent_gone(st, plan, term, running);
	*next = check_next(st, term, plan);
	return 1;
}

/*
 * A running item whose helper died before its paste wedges the terminal: nothing was typed,
 * every check says it is working on it, and an idle pane shows no stall. Under the lock, an
 * item whose delivery was cut short (item_orphaned) on a pane still idle on the very screen it
 * was started on was never typed: it is offered again. Returns 1 when it was.
 */
static int
check_interrupted(struct state *st, struct check_plan *plan, const cJSON *term,
    cJSON *running, const struct observation *o)
{
	const char *before = state_str(running, ITEM_SCREEN_BEFORE), *id = state_str(running,
	    ITEM_ID);
	const char *why = "delivery interrupted: its helper ended before the paste";

	if (o->v.state != PANE_IDLE || before == NULL || strcmp(before, o->hash_text) != 0 ||
	    !item_orphaned(st, running))
		return 0;
	if (plan->flags & CHECK_DRY_RUN) {
		check_say(plan, term->string, "would offer %s again: %s", id, why);
	} else {
		check_say(plan, term->string, "%s offered again: %s", id, why);
		events_log(st->path, term->string, o->pane, id, "interrupted", why);
	}
	/* A dry run too, in memory only (check_finish). */
	item_requeue(st, running, why);
	return 1;
}

/* A running item that watch.h ended (a timeout): failed here with its result, or pending. */
static int
check_watch(struct state *st, struct check_plan *plan, cJSON *term, cJSON *running,
    const struct observation *o, const char *window)
{
	char *why;
	enum watch_action a = watch_running(st, plan, term, running, o, window, &why);

	if (a == WATCH_FAIL)
		check_finish(st, plan, running, ST_FAILED, why, o->pane);
	free(why);
	return a != WATCH_KEEP;
}

/*
 * What to type for NEXT on TERM: its command, or its mode's template filled in for TERM, which
 * only now is known (mode.h). A template missing, untrusted or changed into text that may not
 * be typed since the enqueue checked it fails the item, as check_next does a bad command: NULL.
 */
static char *
check_text(struct state *st, struct check_plan *plan, const cJSON *term, cJSON *next)
{
	char *text, *cause, *why;

	if (!mode_of(next))
		return xstrdup(state_str(next, ITEM_COMMAND));
	if (mode_render(st->path, next, term->string, &text, &cause) == 0)
		return text;
	xasprintf(&why, "mode %s", cause);
	check_say(plan, term->string, "refused %s: %s", state_str(next, ITEM_ID), why);
	check_finish(st, plan, next, ST_FAILED, why, NULL);
	free(why);
	free(cause);
	return NULL;
}

/*
 * Offers NEXT to TERM, observed as O: marked running for check_commit to paste when the pane
 * is free and idle, pushes are not paused and no worker limit is reached, else the reason it
 * waits is kept.
 */
static void
check_offer(struct state *st, struct check_plan *plan, const cJSON *term, cJSON *next,
    const struct pane *pane, const struct observation *o)
{
	const char *id = state_str(next, ITEM_ID);
	char *why = check_pane_taken(st, plan, state_str(term, "target"), pane), *text;

	if (why == NULL && (plan->flags & CHECK_AUTO) && check_paused(st)) {
		check_say(plan, term->string, "paused; %s waits", id);
		return;
	}
	if (why == NULL && o->v.state != PANE_IDLE)
		xasprintf(&why, "%s %s: %s", stall_state(&o->v), o->v.profile, o->v.rule);
	/* Counted under the lock, with what this check started a moment ago: never past one. */
	if (why == NULL)
		limit_reached(st, term, &why);
	if (why != NULL) {
		if (!(plan->flags & CHECK_DRY_RUN))
			item_defer(next, why);
		check_say(plan, term->string, "%s waits: %s", id, why);
		free(why);
		return;
	}
	/* One that fails makes room for the next, as in check_next: the pane is still free. */
	while ((text = check_text(st, plan, term, next)) == NULL) {
		if ((next = check_next(st, term, plan)) == NULL)
			return;
		id = state_str(next, ITEM_ID);
	}
	/* A dry run too, in memory only (check_finish): the terminals after this one count it
	 * against the limits and do not take it again. */
	item_start(st, next, term->string, pane->id, o->hash_text);
	if (plan->flags & CHECK_DRY_RUN) {
		if (mode_of(next))
			check_say(plan, term->string, "would send %s to %s (mode %s): %s", id,
			    pane->id, state_str(next, ITEM_MODE), state_str(next, ITEM_COMMAND));
		else
			check_say(plan, term->string, "would send %s to %s: %s", id, pane->id,
			    state_str(next, ITEM_COMMAND));
		free(text);
		return;
	}
	/* Kept before it is typed, so the record never lacks what the agent may have read. */
	item_save_prompt(st, next, text, strlen(text));
	check_plan_add(plan, term, next, pane->id, o, text);
}

/* One terminal: observe its pane, finish its item if it is done, offer its next one. */
static void
check_terminal(struct state *st, cJSON *term, struct check_plan *plan)
{
	cJSON *running = schedule_running(st, term), *next = NULL;
	const struct pane *pane;
	struct observation o;
	char *cause = NULL;
	int rc;

	if (clock_ms() - plan->started_ms > CHECK_BUDGET_MS) {
		check_say(plan, term->string, "skipped: this check's time is spent; the next one "
		    "continues");
		return;
	}
	if (running == NULL && (next = check_next(st, term, plan)) == NULL) {
		check_say(plan, term->string, "nothing ready");
		return;
	}
	if ((pane = check_pane_of(plan, term, running)) == NULL) {
		check_no_pane(st, plan, term, running, next);
		return;
	}
	if ((rc = observe_terminal(&plan->panes, term, pane->id, st->dir, &plan->captures, &o,
	    &cause)) != 0) {
		check_say(plan, term->string, "skipped: %s", cause);
		/* A broken profiles file stops every terminal: said once, where people look. */
		if (rc == TD_EXIT_INVALID && plan->problem == NULL)
			plan->problem = cause;
		else
			free(cause);
		return;
	}
	if (!(plan->flags & CHECK_DRY_RUN)) {
		o.v.seen = stall_update(term, o.hash, st->now);
		observe_remember(term, &o);
		if (running != NULL && (o.v.state == PANE_BUSY || o.v.state == PANE_WAITING))
			item_turn_seen(running);
	}
	sync_label(&plan->labels, pane->window, stall_state(&o.v));
	if (running != NULL && check_interrupted(st, plan, term, running, &o)) {
		running = NULL;
		next = check_next(st, term, plan);
	} else if (running != NULL && check_completion(st, plan, term, running, &o, &next)) {
		running = NULL;
	} else if (running != NULL && check_watch(st, plan, term, running, &o, pane->window)) {
		running = NULL;
		next = check_next(st, term, plan);
	}
	if (running != NULL)
		check_say(plan, term->string, "working on %s: %s", state_str(running, ITEM_ID),
		    stall_label(&o.v));
	else if (next == NULL)
		check_say(plan, term->string, "nothing ready");
	else {
		/* A prompt a timeout interrupted may be back in the input: ours to clear. */
		restore_input(st, plan, term, &o);
		check_offer(st, plan, term, next, pane, &o);
	}
}

int
check_commit(struct state *st, struct check_plan *plan)
{
	size_t i;
	int rc;

	for (i = 0; i < plan->n; i++) {
		plan->d[i].pane = plan->pane_ids[i];
		plan->d[i].text = plan->texts[i];
		plan->d[i].terminal = plan->terms[i];
		plan->d[i].item = plan->ids[i];
	}
	/*
	 * The pastes' tmux clients start now and wait for their text, which is given only once the
	 * state that marks the items running is durable: their start-up (most of a tmux call)
	 * overlaps the fsyncs, and a paste still never precedes its record.
	 */
	deliver_start_all(plan->d, plan->n);
	batch_sync(st);
	worktree_commit(st, plan);
	if ((rc = state_commit(st)) != 0) {
		deliver_abandon_all(plan->d, plan->n);
		return rc;
	}
	plan->committed = 1;
	oneshot_reap(plan);
	if (plan->n == 0)
		return 0;
	deliver_paste_all(plan->state_path, plan->d, plan->n);
	plan->pasted = 1;
	return 0;
}

/* Who the ready items are for, each once: scheduling every terminal twice would cost more. */
struct check_ready {
	struct strmap *seen;
	const char **to;
	size_t n;
	int anyone;
	int running; /* some item is running: only then is schedule_running worth asking */
};

static void
check_ready_scan(struct state *st, struct check_ready *r)
{
	struct schedule_item k;
	const char *to, *blocker;
	const cJSON *item;

	memset(r, 0, sizeof *r);
	r->seen = strmap_new();
	cJSON_ArrayForEach(item, st->queue) {
		/* One walk over each item: the queue may be long (schedule.h). */
		schedule_item_read(item, &k);
		if (strcmp(k.status, ST_RUNNING) == 0)
			r->running = 1;
		if (cJSON_IsTrue(k.oneshot) || !schedule_item_ready(st, &k, &blocker))
			continue;
		if ((to = k.assigned) == NULL || *to == '\0')
			r->anyone = 1;
		else if (strmap_put(r->seen, to, (void *)to) == NULL) {
			r->to = xreallocarray(r->to, r->n + 1, sizeof *r->to);
			r->to[r->n++] = to;
		}
	}
}

/* Whether TERM may take some ready item (its --allow list aside: a screen too many is cheap). */
static int
check_ready_for(struct state *st, const struct check_ready *r, const cJSON *term)
{
	size_t i;

	for (i = 0; !r->anyone && i < r->n; i++) {
		if (terminal_takes(st, r->to[i], term))
			return 1;
	}
	return r->anyone;
}

/*
 * The pane check_pane_of will choose for TERM, as a tmux target, added to TARGETS (once: SEEN)
 * if the terminal has anything to look at.
 */
static void
check_target_of(struct state *st, const cJSON *term, const struct check_ready *r,
    struct strmap *seen, const char ***targets, size_t *n)
{
	cJSON *running = r->running ? schedule_running(st, term) : NULL;
	const char *on = running != NULL ? state_str(running, ITEM_PANE) : NULL;

	if (running == NULL && !check_ready_for(st, r, term))
		return;
	if (on == NULL)
		on = state_str(term, "target");
	if (strmap_put(seen, on, (void *)on) != NULL)
		return;
	*targets = xreallocarray(*targets, *n + 1, sizeof **targets);
	(*targets)[(*n)++] = on;
}

/* check_run's snapshot started before the state was read (guess.h), while check_plan runs. */
static struct guess *check_guess;

/*
 * The pane list and the screen of every pane this check will look at, in one tmux call (or
 * check_run's guess, when it covers them); a screen it missed (its target gone) is read on its
 * own when observed.
 */
static void
check_snapshot(struct state *st, cJSON **terms, size_t n, struct check_plan *plan)
{
	struct strmap *seen = strmap_new();
	struct check_ready r;
	struct snapshot sn;
	const char **targets = NULL;
	const cJSON *term;
	size_t nt = 0, i;
	int guessed;

	check_ready_scan(st, &r);
	if (terms == NULL) {
		cJSON_ArrayForEach(term, st->terminals)
			check_target_of(st, term, &r, seen, &targets, &nt);
	} else {
		for (i = 0; i < n; i++)
			check_target_of(st, terms[i], &r, seen, &targets, &nt);
	}
	guessed = nt > 0 && check_guess != NULL && guess_covers(check_guess, targets, nt,
	    plan->focus);
	if (nt > 0) {
		plan->panes_read = 1;
		if (!guessed)
			(void)snapshot_start(&sn, targets, nt, plan->focus);
		/*
		 * While tmux answers: the task graph the pick will need, when no running item can
		 * finish in this check (a finish changes the graph, and it would be built again).
		 */
		if (!r.running && (r.anyone || r.n > 0))
			(void)graph_get(st);
		plan->have_panes = (guessed ? guess_finish(check_guess, &plan->panes,
		    &plan->captures) : snapshot_finish(&sn, &plan->panes, &plan->captures)) == 0 ||
		    panes_read(&plan->panes) == 0;
	}
	if (check_guess != NULL) {
		guess_end(check_guess, st->path, targets, nt);
		check_guess = NULL;
	}
	strmap_free(r.seen);
	free(r.to);
	strmap_free(seen);
	free(targets);
}

static const char *check_focus_window;

void
check_focus(const char *window)
{
	check_focus_window = window;
	sync_backoff_window(window);
}

/* Whether a focused check looks at TERM now: in its window, or no pane to look at at all. */
static int
check_in_focus(struct state *st, struct check_plan *plan, const cJSON *term)
{
	const struct pane *pane;

	if (plan->focus == NULL || !plan->panes_read || !plan->have_panes)
		return 1;
	pane = check_pane_of(plan, term, schedule_running(st, term));
	return pane == NULL || strcmp(pane->window, plan->focus) == 0;
}

/* Every terminal, or a focused check's (check_focus): the others once something finished. */
static void
check_all(struct state *st, struct check_plan *plan)
{
	cJSON *term, **later = NULL;
	size_t n = 0, i;

	cJSON_ArrayForEach(term, st->terminals) {
		if (check_in_focus(st, plan, term))
			check_terminal(st, term, plan);
		else {
			later = xreallocarray(later, n + 1, sizeof *later);
			later[n++] = term;
		}
	}
	for (i = 0; plan->finished > 0 && i < n; i++) {
		if (schedule_running(st, later[i]) == NULL)
			check_terminal(st, later[i], plan);
	}
	free(later);
}

void
check_plan(struct state *st, cJSON **terms, size_t n, int flags, struct check_plan *plan)
{
	cJSON *term;
	size_t i, reviews;

	memset(plan, 0, sizeof *plan);
	plan->flags = flags;
	plan->state_path = xstrdup(st->path);
	plan->started_ms = clock_ms();
	/* No terminal or one-shot to look at: nothing could run, and nothing to say. */
	if (terms != NULL ? n == 0 : st->terminals->child == NULL && !oneshot_live(st) &&
	    !worktree_live(st))
		return;
	if (check_trusted(st->path, &plan->untrusted) != 0) {
		if (flags & CHECK_DRY_RUN)
			check_say(plan, "note", "nothing would be delivered: %s", plan->untrusted);
		return;
	}
	reviews = review_count();
	if (terms == NULL) {
		plan->focus = check_focus_window;
		oneshot_check(st, plan);
		/* Before the snapshot: the task agents it starts are terminals to read with it. */
		worktree_check(st, plan);
	}
	check_snapshot(st, terms, n, plan);
	if (terms == NULL) {
		check_all(st, plan);
	} else {
		for (i = 0; i < n; i++)
			check_terminal(st, terms[i], plan);
	}
	/* A review queued by a completion goes out now, to a reviewer looked at before it. */
	if (review_count() != reviews) {
		cJSON_ArrayForEach(term, st->terminals) {
			if (schedule_running(st, term) == NULL && schedule_next(st, term) != NULL)
				check_terminal(st, term, plan);
		}
	}
}

void
check_sync(struct state *st, struct check_plan *plan)
{
	sync_tmux(st, check_panes(plan), &plan->labels, plan->problem);
	watch_arm(st, plan);
}

static void
check_record(struct state *st, struct check_plan *plan, size_t i)
{
	struct delivery *d = &plan->d[i];
	cJSON *item = state_item(st, plan->ids[i]);
	const char *pane = item != NULL ? state_str(item, ITEM_PANE) : NULL;
	const struct pane *p;

	/* Someone may have finished or cancelled it meanwhile: theirs is the last word. */
	if (item == NULL || strcmp(state_str(item, ITEM_STATUS), ST_RUNNING) != 0 ||
	    pane == NULL || strcmp(pane, d->pane) != 0)
		return;
	switch (d->outcome) {
	case DELIVERY_SUBMITTED:
		item_delivered(st, item);
		if (d->turn_seen)
			item_turn_seen(item);
		/* After a submission the window shows busy, not the idle it was read as. */
		if (plan->have_panes && (p = panes_by_id(&plan->panes, d->pane)) != NULL)
			sync_label(&plan->labels, p->window, "busy");
		check_say(plan, d->terminal, "sent %s (%s)", d->item, d->pane);
		break;
	case DELIVERY_REFUSED:
		/* Nothing was typed: the item waits for the next check. */
		item_requeue(st, item, d->reason);
		check_say(plan, d->terminal, "%s waits: %s", d->item, d->reason);
		break;
	case DELIVERY_NOT_SUBMITTED:
		/* The text may sit in the input; we never clear what could be a human's typing. */
		item_undelivered(st, item, d->reason);
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

	if (plan->n == 0 || !plan->pasted) {
		worktree_stop(plan);
		return 0;
	}
	deliver_complete(plan->state_path, plan->d, plan->n);
	if ((rc = state_open(&st, plan->state_path, STATE_WRITE)) == 0) {
		for (i = 0; i < plan->n; i++)
			check_record(&st, plan, i);
		batch_sync(&st);
		if ((rc = state_commit(&st)) == 0)
			check_sync(&st, plan);
	}
	state_close(&st);
	/* After the Enters: an agent's bounded quit must not hold back another's delivery. */
	worktree_stop(plan);
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
	for (i = 0; i < plan->nreap; i++)
		free(plan->reap[i]);
	free(plan->reap);
	worktree_stops_free(plan);
	free(plan->d);
	sync_labels_free(&plan->labels);
	observe_cache_free(&plan->captures);
	free(plan->state_path);
	free(plan->untrusted);
	free(plan->problem);
	panes_free(&plan->panes);
	watch_free(plan);
	memset(plan, 0, sizeof *plan);
}

int
check_trusted(const char *state_path, char **cause)
{
	char *dir = file_dirname(state_path), *profiles = profile_user_path(dir);
	int rc = trust_delivery(state_path, profiles, profile_user_named(), cause);

	free(profiles);
	free(dir);
	return rc;
}

int
check_prepare(const char *given, int refuse)
{
	const struct profile *const *all;
	char *path = state_find_path(given), *dir = file_dirname(path), *cause = NULL;
	size_t n;
	int rc = check_trusted(path, &cause);

	/* A profiles error is reported where a terminal is observed. */
	if (rc == 0)
		profile_all(dir, &all, &n, &cause);
	else if (refuse)
		td_error(rc, "refused: %s", cause);
	free(cause);
	free(dir);
	free(path);
	return refuse ? rc : 0;
}

int
check_run(const char *state_path, const char *spec, int flags)
{
	struct guess guess = { 0 };
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
	if ((rc = check_prepare(state_path, !(flags & CHECK_DRY_RUN))) != 0)
		return rc;
	if (flags & CHECK_DRY_RUN)
		rc = state_open(&st, state_path, STATE_READ);
	else if ((rc = state_open(&st, state_path, STATE_LOCK)) == 0) {
		/* Under the lock, before the read: tmux answers while the state is parsed. */
		guess_start(&guess, st.path, spec == NULL ? check_focus_window : NULL);
		if ((rc = state_open_read(&st)) == 0)
			check_guess = &guess;
	}
	if (rc == 0 && spec != NULL)
		rc = terminal_select(&st, spec, &terms, &n, &canonical);
	if (rc != 0) {
		guess_free(&guess);
		check_guess = NULL;
		state_close(&st);
		return rc;
	}
	check_plan(&st, terms, n, flags, &plan);
	/* Not taken by check_snapshot (nothing to look at, or untrusted): finished unused. */
	if (check_guess != NULL) {
		guess_free(check_guess);
		check_guess = NULL;
	}
	if (plan.untrusted != NULL && !(flags & CHECK_DRY_RUN))
		rc = td_error(TD_EXIT_UNTRUSTED, "%s", plan.untrusted);
	else if (!(flags & CHECK_DRY_RUN)) {
		rc = check_commit(&st, &plan);
		if (rc == 0 && plan.n == 0)
			check_sync(&st, &plan);
	}
	state_close(&st);
	free(terms);
	free(canonical);
	if (rc == 0)
		rc = check_deliver(&plan);
	/* The exit status says what a broken profiles file stopped (each terminal said it). */
	if (rc == 0 && plan.problem != NULL)
		rc = TD_EXIT_INVALID;
	check_plan_free(&plan);
	return rc;
}

int
check_wanted(const char *state_path)
{
	struct check_ready r;
	struct state st;
	cJSON *term;
	int wanted;

	/* An unreadable state is the locked check's to report. */
	if (state_open(&st, state_path, STATE_READ) != 0) {
		state_close(&st);
		return 1;
	}
	check_ready_scan(&st, &r);
	wanted = oneshot_live(&st);
	cJSON_ArrayForEach(term, st.terminals) {
		if (wanted)
			break;
		wanted = (r.running && schedule_running(&st, term) != NULL) ||
		    check_ready_for(&st, &r, term);
	}
	strmap_free(r.seen);
	free(r.to);
	state_close(&st);
	return wanted;
}
