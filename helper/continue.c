/*
 * Continuation (continue.h). Accepting is typing, so it goes the delivery's way: keys through
 * the guard on the pane's program (deliver_key), the Enter and its read-back by
 * deliver_complete. Between the Tab and the Enter the screen is read again: only an input that
 * now holds the suggestion as text, in the normal colour, is submitted; anything else (the
 * suggestion gone, a person typing) is left alone and the item completes.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "capture.h"
#include "check.h"
#include "continue.h"
#include "deliver.h"
#include "events.h"
#include "item.h"
#include "observe.h"
#include "tmux-dispatch.h"

#define CONTINUE_LOOKS 5    /* reads after the Tab, until the input holds the suggestion, */
#define CONTINUE_STEP_MS 60 /* this many ms apart */
#define CONTINUE_WAIT_MS 1500 /* default $TMUX_DISPATCH_SUGGEST_WAIT */
#define CONTINUE_WAIT_STEP_MS 150

/* How many continuations RUNNING may have: its own "continue", else its terminal's. */
static int
continue_budget(const cJSON *running, const cJSON *term)
{
	const cJSON *n = cJSON_GetObjectItemCaseSensitive(running, ITEM_CONTINUE);

	if (!cJSON_IsNumber(n))
		n = cJSON_GetObjectItemCaseSensitive(term, ITEM_CONTINUE);
	if (!cJSON_IsNumber(n) || !(n->valuedouble >= 1))
		return 0;
	return n->valuedouble > CONTINUE_MAX ? CONTINUE_MAX : (int)n->valuedouble;
}

static int
continue_used(const cJSON *running)
{
	const cJSON *n = cJSON_GetObjectItemCaseSensitive(running, ITEM_CONTINUED);

	return cJSON_IsNumber(n) && n->valuedouble >= 0 && n->valuedouble <= CONTINUE_MAX ?
	    (int)n->valuedouble : 0;
}

static void
continue_sleep(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/* Whether PANE's input now holds TEXT as typed text (not ghost text); read as O was. */
static int
continue_holds(const struct observation *o, const char *text)
{
	struct pane_meta m;
	struct verdict v;
	char *screen, *esc, *input, *cause = NULL;
	size_t len, elen;
	int ok = 0;

	if (capture_pane(o->pane, &m, &screen, &len, &cause) != 0) {
		free(cause);
		return 0;
	}
	/* Another program now: whatever its input holds is not our suggestion. */
	if (m.pid != o->meta.pid) {
		free(screen);
		return 0;
	}
	classify_screen(o->profile, screen, len, &m, &v);
	if (classify_may_suggest(o->profile, &v) && capture_escapes(o->pane, &esc, &elen) == 0) {
		classify_suggestion(o->profile, screen, len, esc, elen, &m, &v);
		free(esc);
	}
	if (v.state == PANE_TYPED &&
	    (input = classify_input_text(o->profile, &v, screen, len, &m)) != NULL) {
		ok = strstr(input, text) != NULL;
		free(input);
	}
	free(screen);
	return ok;
}

/*
 * The agent asks its model for the suggestion once the turn has ended, so it shows a moment
 * after the done marker: an item that may continue waits for it, a little, before it is done
 * ($TMUX_DISPATCH_SUGGEST_WAIT ms), for profiles that draw suggestions. *O is then the look
 * that showed one. Returns 1 when one showed.
 */
static int
continue_wait(const struct observation *seen, struct observation *o)
{
	long long until = clock_ms() + args_env_int("TMUX_DISPATCH_SUGGEST_WAIT", 0, 10000,
	    CONTINUE_WAIT_MS);
	const struct profile *p = seen->profile;
	char *cause = NULL;

	if (!classify_suggests(p, &seen->v))
		return 0;
	while (clock_ms() < until) {
		continue_sleep(CONTINUE_WAIT_STEP_MS);
		if (observe_pane(seen->pane, p, 0, o, &cause) != 0) {
			free(cause);
			return 0;
		}
		if (o->meta.pid != seen->meta.pid || o->v.state != PANE_IDLE ||
		    o->v.suggestion[0] != '\0')
			return o->v.suggestion[0] != '\0' && o->meta.pid == seen->meta.pid;
	}
	return 0;
}

/* Tab, a look at the input, Enter: 0 when the suggestion went in, else -1 with WHY. */
static int
continue_submit(const char *state_path, const cJSON *term, const char *id,
    const struct observation *o, char *why, size_t size)
{
	struct delivery d;
	int look;

	memset(&d, 0, sizeof d);
	d.pane = o->pane;
	d.terminal = term->string;
	d.item = id;
	d.profile = o->profile;
	d.pid = o->meta.pid;
	snprintf(d.command, sizeof d.command, "%s", o->meta.current_command);
	if (!deliver_key(&d, "Tab")) {
		snprintf(why, size, "Tab not sent: %s", d.reason);
		return -1;
	}
	for (look = 0; look < CONTINUE_LOOKS; look++) {
		continue_sleep(CONTINUE_STEP_MS);
		if (continue_holds(o, o->v.suggestion))
			break;
	}
	if (look == CONTINUE_LOOKS) {
		snprintf(why, size, "after Tab the input does not hold the suggestion as text");
		return -1;
	}
	d.outcome = DELIVERY_NOT_SUBMITTED;
	d.pasted_ms = clock_ms();
	deliver_complete(state_path, &d, 1);
	if (d.outcome != DELIVERY_SUBMITTED) {
		snprintf(why, size, "%s", d.reason[0] != '\0' ? d.reason : "not submitted");
		return -1;
	}
	return d.turn_seen ? 1 : 0;
}

int
continue_accept(struct state *st, const struct check_plan *plan, const cJSON *term,
    cJSON *running, const struct observation *o)
{
	const char *id = state_str(running, ITEM_ID);
	int budget = continue_budget(running, term), used = continue_used(running), rc;
	struct observation later;
	char why[300];

	if (used >= budget)
		return 0;
	if (o->v.suggestion[0] == '\0') {
		if (plan->flags & CHECK_DRY_RUN || !continue_wait(o, &later))
			return 0;
		o = &later;
	}
	if (plan->flags & CHECK_DRY_RUN) {
		check_say(plan, term->string, "would accept the suggestion for %s (%d of %d): %s",
		    id, used + 1, budget, o->v.suggestion);
		return 1;
	}
	if ((rc = continue_submit(st->path, term, id, o, why, sizeof why)) < 0) {
		check_say(plan, term->string, "%s: suggestion not accepted: %s", id, why);
		events_log(st->path, term->string, o->pane, id, "continue-failed", why);
		return 0;
	}
	item_continued(st, running, o->hash_text);
	if (rc == 1)
		item_turn_seen(running);
	events_log(st->path, term->string, o->pane, id, "continue", o->v.suggestion);
	check_say(plan, term->string, "continued %s (%d of %d): %s", id, used + 1, budget,
	    o->v.suggestion);
	return 1;
}
