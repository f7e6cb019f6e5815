/*
 * Watching running work (watch.h). What is due is decided from the state alone, at the
 * command's clock: an item's deadline (deliveredAt, else startedAt, plus its timeout) and the
 * terminal's "watch" record of the stall being triaged:
 *   {"item", "state": busy|waiting|timeout|..., "hash", "since", "nudges", "nudgedAt",
 *    "escalated", "interrupted" (restore.h)}
 * reset whenever the item, the state or (busy) the screen changes, so each step happens at most
 * once per stall. The wake-up is one `run-shell -b -d SECONDS` of tmux (3.2 and later), keyed
 * by the state file; the deadline it was armed for is kept in the server option
 * @dispatch_timer_KEY ("EPOCH PATH"), so a later run arms again only for a nearer deadline
 * or once that one has passed.
 */
#include <fcntl.h>
#include <limits.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "duration.h"
#include "escalate.h"
#include "events.h"
#include "item.h"
#include "launch.h"
#include "profile.h"
#include "restore.h"
#include "schedule.h"
#include "stall.h"
#include "tmux-dispatch.h"
#include "terminal.h"
#include "tmux.h"
#include "watch.h"

#define WATCH_RECORD "watch"
#define WATCH_SEP "\x1f"
#define WATCH_FIRE_MARGIN 0.2 /* seconds after a deadline: the run's clock must have passed it */
#define WATCH_RESTARTS "restarts"  /* a terminal's restart times, the last WATCH_RESTART_MAX */

extern char **environ;

struct watch {
	int read;          /* the options were asked for */
	double timeout;    /* @dispatch-timeout, 0: none */
	double waiting;    /* @dispatch-waiting-escalate */
	char *notify;      /* @dispatch-notify-command, else $TMUX_DISPATCH_NOTIFY */
	char *helper;      /* @dispatch_helper: set by the plugin, run by the timer */
	time_t armed;      /* the deadline @dispatch_timer_KEY holds, 0: none */
	char **restart;    /* spawned terminals to start again once the state is written */
	size_t nrestart;
	char key[WATCH_KEY_LEN + 1];
	struct escalations escalations;
};

int
watch_parse_timeout(const char *text, double *seconds)
{
	return duration_parse(text, seconds) == 0 && *seconds > 0 ? 0 : -1;
}

/* FNV-1a of the state file's path: the timer's name, so no path is in a hook string. */
static void
watch_key(const char *path, char key[WATCH_KEY_LEN + 1])
{
	unsigned long long h = 14695981039346656037ULL;
	char *real = realpath(path, NULL);
	const char *s;

	for (s = real != NULL ? real : path; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	snprintf(key, WATCH_KEY_LEN + 1, "%016llx", h);
	free(real);
}

static double
watch_option_seconds(const char *text, double def)
{
	double s;

	return *text != '\0' && duration_parse(text, &s) == 0 ? s : def;
}

/* The plan's watch, made when first needed; its options are read by watch_get. */
static struct watch *
watch_of(struct check_plan *plan)
{
	if (plan->watch == NULL)
		plan->watch = xcalloc(1, sizeof *plan->watch);
	return plan->watch;
}

/*
 * The options, in one client call: they are the plugin's, read whoever runs the helper. Only
 * when a decision needs them, so a check whose running items carry their own timeouts makes
 * no call before its delivery's Enter.
 */
static struct watch *
watch_get(struct check_plan *plan, const char *state_path)
{
	struct watch *w = watch_of(plan);
	struct tmux_result res;
	char *fmt, *f[5], *p;
	const char *env;
	int i;

	if (w->read)
		return w;
	w->read = 1;
	w->waiting = WATCH_WAITING_ESCALATE;
	watch_key(state_path, w->key);
	xasprintf(&fmt, "#{@dispatch-timeout}" WATCH_SEP "#{@dispatch-waiting-escalate}" WATCH_SEP
	    "#{@dispatch_helper}" WATCH_SEP "#{@dispatch_timer_%s}" WATCH_SEP
	    "#{@dispatch-notify-command}", w->key);
	if (tmux_run((const char *const []){ "display-message", "-p", fmt, NULL }, NULL, 0,
	    &res) == 0) {
		res.out[strcspn(res.out, "\n")] = '\0';
		for (p = res.out, i = 0; i < 5; i++) {
			f[i] = p;
			if ((p = strchr(p, WATCH_SEP[0])) == NULL)
				break;
			*p++ = '\0';
		}
		if (i == 4) {
			w->timeout = watch_option_seconds(f[0], 0);
			w->waiting = watch_option_seconds(f[1], WATCH_WAITING_ESCALATE);
			w->helper = *f[2] != '\0' ? xstrdup(f[2]) : NULL;
			w->armed = (time_t)strtoll(f[3], NULL, 10);
			w->notify = *f[4] != '\0' ? xstrdup(f[4]) : NULL;
		}
	}
	if (w->notify == NULL && (env = getenv("TMUX_DISPATCH_NOTIFY")) != NULL && *env != '\0')
		w->notify = xstrdup(env);
	tmux_result_free(&res);
	free(fmt);
	return w;
}

void
watch_free(struct check_plan *plan)
{
	struct watch *w = plan->watch;

	if (w == NULL)
		return;
	escalate_free(&w->escalations);
	while (w->nrestart > 0)
		free(w->restart[--w->nrestart]);
	free(w->restart);
	free(w->notify);
	free(w->helper);
	free(w);
	plan->watch = NULL;
}

/* A timeout as stored: seconds, or a duration a person wrote by hand. */
static int
watch_seconds(const cJSON *v, double *s)
{
	if (cJSON_IsNumber(v) && v->valuedouble > 0 && v->valuedouble <= ITEM_ESTIMATE_MAX) {
		*s = v->valuedouble;
		return 1;
	}
	return cJSON_IsString(v) && watch_parse_timeout(v->valuestring, s) == 0;
}

/* The item's own timeout, else its terminal's, its group's, @dispatch-timeout; 0: none. */
static double
watch_timeout(const struct state *st, struct check_plan *plan, const cJSON *item,
    const cJSON *term)
{
	const cJSON *groups = cJSON_GetObjectItemCaseSensitive(st->root, WATCH_GROUPS);
	const cJSON *group = cJSON_GetObjectItemCaseSensitive(groups, terminal_group(term));
	double s;

	if (watch_seconds(cJSON_GetObjectItemCaseSensitive(item, ITEM_TIMEOUT), &s) ||
	    watch_seconds(cJSON_GetObjectItemCaseSensitive(term, ITEM_TIMEOUT), &s) ||
	    watch_seconds(cJSON_GetObjectItemCaseSensitive(group, ITEM_TIMEOUT), &s))
		return s;
	return watch_get(plan, st->path)->timeout;
}

static time_t
watch_time(const cJSON *obj, const char *key)
{
	time_t t;

	return state_parse_time(state_str(obj, key), &t) == 0 ? t : 0;
}

/* When the item's clock started: its submission, else its start. */
static time_t
watch_started(const cJSON *item)
{
	time_t t = watch_time(item, ITEM_DELIVERED);

	return t != 0 ? t : watch_time(item, ITEM_STARTED);
}

static int
watch_num(const cJSON *obj, const char *key)
{
	const cJSON *n = cJSON_GetObjectItemCaseSensitive(obj, key);

	return cJSON_IsNumber(n) && n->valuedouble >= 0 && n->valuedouble < 1e6 ?
	    (int)n->valuedouble : 0;
}

/* TERM's record for ITEM in STATE with screen HASH, started afresh when any of them changed. */
static cJSON *
watch_record(struct state *st, cJSON *term, const char *item, const char *state,
    const char *hash)
{
	cJSON *rec = cJSON_GetObjectItemCaseSensitive(term, WATCH_RECORD);
	const char *old_hash = state_str(rec, "hash");

	if (cJSON_IsObject(rec) && state_str(rec, "item") != NULL &&
	    strcmp(state_str(rec, "item"), item) == 0 && state_str(rec, "state") != NULL &&
	    strcmp(state_str(rec, "state"), state) == 0 &&
	    (strcmp(state, "busy") != 0 || (old_hash != NULL && strcmp(old_hash, hash) == 0)))
		return rec;
	cJSON_DeleteItemFromObjectCaseSensitive(term, WATCH_RECORD);
	rec = cJSON_AddObjectToObject(term, WATCH_RECORD);
	state_set_str(rec, "item", item);
	state_set_str(rec, "state", state);
	state_set_str(rec, "hash", hash);
	state_set_time(rec, "since", st->now);
	state_set_num(rec, "nudges", 0);
	return rec;
}

/* Recorded on REC (once per stall), sent once the state is written (watch_arm). */
static void
watch_escalate(struct check_plan *plan, cJSON *rec, const cJSON *term, const char *item,
    const struct observation *o, const char *window, const char *kind, const char *reason)
{
	struct watch *w = watch_of(plan);

	state_set_str(rec, "escalated", kind);
	escalate_add(&w->escalations, kind, term->string, item, o->pane, reason);
	sync_label(&plan->labels, window, kind);
}

/* The deadline passed: the screen was read first (a finished turn completed already). */
static enum watch_action
watch_timed_out(struct state *st, struct check_plan *plan, cJSON *term, cJSON *item,
    const struct observation *o, const char *window, double timeout, char **why)
{
	const struct profile *p = observe_profile(o, st->dir);
	const char *id = state_str(item, ITEM_ID);
	char dur[DURATION_TEXT];
	int retry = watch_num(item, ITEM_ATTEMPTS) <= watch_num(item, ITEM_RETRIES), interrupted;
	cJSON *rec;

	duration_format(timeout, dur);
	xasprintf(why, "timeout after %s", dur);
	/* Only a turn at work is interrupted: in a dialog the keys would answer it. */
	interrupted = p != NULL && o->v.state == PANE_BUSY &&
	    launch_send_keys(&p->launch.interrupt, o->pane) == 0;
	rec = watch_record(st, term, id, "timeout", o->hash_text);
	/* The agent may give the prompt back to its input: cleared before the next item. */
	if (interrupted)
		restore_mark(rec);
	watch_escalate(plan, rec, term, id, o, window, "timeout", *why);
	check_say(plan, term->string, "%s %s: %s", retry ? "retrying" : "failed", id, *why);
	if (retry) {
		item_timed_out(st, item, *why);
		return WATCH_RETRY;
	}
	return WATCH_FAIL;
}

static const struct profile_keys watch_enter = { NULL, (char *[]){ "Enter" }, 1 };

/* Busy on a frozen screen: nudges spaced by the stall time, then one escalation. */
static void
watch_stalled(struct state *st, struct check_plan *plan, cJSON *rec, const cJSON *term,
    const char *id, const struct observation *o, const char *window)
{
	const struct profile *p = observe_profile(o, st->dir);
	int nudges = watch_num(rec, "nudges");
	long stall = stall_seconds();
	time_t last = watch_time(rec, "nudgedAt");
	char *reason, dur[DURATION_TEXT];

	if (state_str(rec, "escalated") != NULL || (nudges > 0 && st->now - last < stall))
		return;
	if (nudges < WATCH_NUDGES) {
		if (p == NULL || launch_send_keys(p->launch.nudge.text != NULL ||
		    p->launch.nudge.nkeys != 0 ? &p->launch.nudge : &watch_enter, o->pane) != 0)
			return;
		state_set_num(rec, "nudges", nudges + 1);
		state_set_time(rec, "nudgedAt", st->now);
		events_log(st->path, term->string, o->pane, id, "nudge", o->v.rule);
		check_say(plan, term->string, "nudged %s (%d of %d): stalled", id, nudges + 1,
		    WATCH_NUDGES);
		return;
	}
	duration_format((double)(st->now - watch_time(rec, "since")), dur);
	xasprintf(&reason, "screen unchanged for %s after %d nudges", dur, WATCH_NUDGES);
	watch_escalate(plan, rec, term, id, o, window, "stalled", reason);
	check_say(plan, term->string, "escalated %s: stalled, %s", id, reason);
	free(reason);
}

/*
 * The agent's process is gone while its screen looks alive: a shell is in the foreground of a
 * pane whose profile is not a shell's, and the last frame still reads busy.
 */
static int
watch_process_gone(struct state *st, const struct observation *o)
{
	const struct profile *p = observe_profile(o, st->dir), *shell = NULL;
	char *cause = NULL;

	if (p == NULL || !o->meta.known || o->meta.current_command[0] == '\0' ||
	    profile_has_command(p, o->meta.current_command) ||
	    profile_get("shell", st->dir, &shell, &cause) != 0) {
		free(cause);
		return 0;
	}
	return p != shell && profile_has_command(shell, o->meta.current_command);
}

/* The triage step due now for REC's stall, if any (each at most once, see watch_record). */
static void
watch_triage(struct state *st, struct check_plan *plan, cJSON *rec, const cJSON *term,
    const char *id, const struct observation *o, const char *window)
{
	char *reason, dur[DURATION_TEXT];

	if (o->v.state == PANE_WAITING && state_str(rec, "escalated") == NULL &&
	    (double)(st->now - watch_time(rec, "since")) >= watch_get(plan, st->path)->waiting) {
		duration_format((double)(st->now - watch_time(rec, "since")), dur);
		xasprintf(&reason, "waiting for a person for %s: %s", dur, o->v.rule);
		watch_escalate(plan, rec, term, id, o, window, "waiting", reason);
		check_say(plan, term->string, "escalated %s: %s", id, reason);
		free(reason);
	} else if (o->v.state == PANE_BUSY && state_str(rec, "escalated") == NULL &&
	    watch_process_gone(st, o)) {
		xasprintf(&reason, "its process is gone (the pane runs %s) but the screen reads "
		    "busy: %s", o->meta.current_command, o->v.rule);
		watch_escalate(plan, rec, term, id, o, window, "stalled", reason);
		check_say(plan, term->string, "escalated %s: %s", id, reason);
		free(reason);
	} else if (o->v.state == PANE_BUSY && strcmp(stall_state(&o->v), "stalled") == 0)
		watch_stalled(st, plan, rec, term, id, o, window);
}

enum watch_action
watch_running(struct state *st, struct check_plan *plan, cJSON *term, cJSON *item,
    const struct observation *o, const char *window, char **why)
{
	const char *id = state_str(item, ITEM_ID), *state;
	double timeout;

	*why = NULL;
	if (plan->flags & CHECK_DRY_RUN)
		return WATCH_KEEP;
	timeout = watch_timeout(st, plan, item, term);
	if (timeout > 0 && watch_started(item) != 0 &&
	    (double)(st->now - watch_started(item)) >= timeout)
		return watch_timed_out(st, plan, term, item, o, window, timeout, why);
	state = o->v.state == PANE_WAITING ? "waiting" : o->v.state == PANE_BUSY ? "busy" :
	    classify_state_name(o->v.state);
	watch_triage(st, plan, watch_record(st, term, id, state, o->hash_text), term, id, o,
	    window);
	return WATCH_KEEP;
}

/* How many of TERM's recorded restarts fall in the last WATCH_RESTART_WINDOW seconds. */
static int
watch_recent_restarts(const struct state *st, const cJSON *term)
{
	const cJSON *t;
	time_t when;
	int n = 0;

	cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(term, WATCH_RESTARTS)) {
		if (cJSON_IsString(t) && state_parse_time(t->valuestring, &when) == 0 &&
		    st->now - when < WATCH_RESTART_WINDOW)
			n++;
	}
	return n;
}

/* The restart recorded: the recent ones kept, this one added. */
static void
watch_record_restart(struct state *st, cJSON *term)
{
	cJSON *keep = cJSON_CreateArray(), *t;
	time_t when;
	char *now = state_format_time(st->now);

	cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(term, WATCH_RESTARTS)) {
		if (cJSON_IsString(t) && state_parse_time(t->valuestring, &when) == 0 &&
		    st->now - when < WATCH_RESTART_WINDOW)
			cJSON_AddItemToArray(keep, cJSON_CreateString(t->valuestring));
	}
	cJSON_AddItemToArray(keep, cJSON_CreateString(now));
	cJSON_DeleteItemFromObjectCaseSensitive(term, WATCH_RESTARTS);
	cJSON_AddItemToObject(term, WATCH_RESTARTS, keep);
	free(now);
}

void
watch_agent_gone(struct state *st, struct check_plan *plan, cJSON *term, cJSON *item)
{
	const char *id = state_str(item, ITEM_ID);
	struct watch *w;
	cJSON *rec;

	if ((plan->flags & CHECK_DRY_RUN) || !cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(term,
	    TERMINAL_SPAWNED)) || !cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(term,
	    WATCH_RESTART)))
		return;
	if (watch_recent_restarts(st, term) >= WATCH_RESTART_MAX) {
		check_say(plan, term->string, "not restarted: %d restarts in the last %d minutes",
		    WATCH_RESTART_MAX, WATCH_RESTART_WINDOW / 60);
		return;
	}
	w = watch_of(plan);
	watch_record_restart(st, term);
	item_retry(st, item);
	cJSON_DeleteItemFromObjectCaseSensitive(term, WATCH_RECORD);
	rec = cJSON_AddObjectToObject(term, WATCH_RECORD);
	state_set_str(rec, "item", id);
	state_set_str(rec, "state", "restart");
	state_set_time(rec, "since", st->now);
	w->restart = xreallocarray(w->restart, w->nrestart + 1, sizeof *w->restart);
	w->restart[w->nrestart++] = xstrdup(term->string);
	check_say(plan, term->string, "restarting the agent; %s waits for it", id);
}

/* This very helper: the restart runs its `session resume`, not whatever is on PATH. */
static char *
watch_self(const struct watch *w)
{
	char *self = realpath("/proc/self/exe", NULL);

	if (self == NULL && w->helper != NULL)
		self = xstrdup(w->helper);
	return self;
}

/* `tmux-dispatch -f STATE session resume NAME`, left to run: it waits for the agent. */
static void
watch_restart(const struct state *st, const struct watch *w, const char *name)
{
	posix_spawn_file_actions_t fa;
	char *self = watch_self(w);
	pid_t pid;

	if (self == NULL)
		return;
	char *argv[] = { self, "-f", st->path, "session", "resume", (char *)name, NULL };
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	if (posix_spawn(&pid, self, &fa, NULL, argv, environ) != 0)
		td_error(TD_EXIT_FAIL, "%s: cannot restart the agent", name);
	else
		events_log(st->path, name, NULL, NULL, "restart", "session resume");
	posix_spawn_file_actions_destroy(&fa);
	free(self);
}

/* Whole seconds, rounded up (the helper links no libm). */
static time_t
watch_ceil(double s)
{
	time_t t = (time_t)s;

	return (double)t < s ? t + 1 : t;
}

/* The earliest of A and B that is set (0: not set). */
static time_t
watch_min(time_t a, time_t b)
{
	return a == 0 || (b != 0 && b < a) ? b : a;
}

/* The next time TERM, running ITEM (or NULL), needs a look; 0: none. */
static time_t
watch_wake(const struct state *st, struct check_plan *plan, const cJSON *term,
    const cJSON *item)
{
	const struct watch *w = watch_get(plan, st->path);
	const cJSON *rec = cJSON_GetObjectItemCaseSensitive(term, WATCH_RECORD);
	const char *state = state_str(rec, "state"), *on = state_str(rec, "item");
	long stall = stall_seconds() > 0 ? stall_seconds() : 1, half = stall / 2 > 0 ? stall / 2 : 1;
	time_t since = watch_time(rec, "since"), wake = 0, soon = st->now + 1;
	double timeout;

	if (state != NULL && strcmp(state, "timeout") == 0 && since + WATCH_RECHECK > st->now)
		wake = since + WATCH_RECHECK;
	/* A restarted agent takes a while to be idle: a look every few seconds, for a while. */
	if (state != NULL && strcmp(state, "restart") == 0 && since + WATCH_RESTART_WAIT > st->now)
		wake = st->now + WATCH_RECHECK;
	if (item == NULL)
		return wake;
	if ((timeout = watch_timeout(st, plan, item, term)) > 0 && watch_started(item) != 0)
		wake = watch_min(wake, watch_started(item) + watch_ceil(timeout));
	if (on == NULL || strcmp(on, state_str(item, ITEM_ID)) != 0 || state == NULL)
		return watch_min(wake, st->now + half);
	if (state_str(rec, "escalated") != NULL)
		return wake;
	if (strcmp(state, "waiting") == 0)
		return watch_min(wake, since + watch_ceil(w->waiting));
	if (strcmp(state, "busy") != 0)
		return watch_min(wake, st->now + half);
	if (watch_num(rec, "nudges") > 0)
		return watch_min(wake, watch_time(rec, "nudgedAt") + stall);
	/* Stall detection counts checks as well as time: one at half the stall time, one at it. */
	if (since + half > st->now)
		return watch_min(wake, since + half);
	return watch_min(wake, since + stall > st->now ? since + stall : soon);
}

/* "#{q:@dispatch_helper} hook timer KEY" after DELAY seconds; the armed deadline recorded. */
static void
watch_set_timer(const struct state *st, struct watch *w, time_t at)
{
	struct timespec now;
	char *name, *value, *delay, *cmd, *arg;
	struct tmux_result res;
	double d;

	if (strchr(st->path, '\n') != NULL)
		return;
	clock_gettime(CLOCK_REALTIME, &now);
	d = (double)at - ((double)now.tv_sec + now.tv_nsec / 1e9) + WATCH_FIRE_MARGIN;
	xasprintf(&name, "@dispatch_timer_%s", w->key);
	xasprintf(&value, "%lld %s", (long long)at, st->path);
	xasprintf(&delay, "%.3f", d > WATCH_FIRE_MARGIN ? d : WATCH_FIRE_MARGIN);
	xasprintf(&cmd, "#{q:@dispatch_helper} hook timer %s </dev/null >/dev/null 2>&1; true",
	    w->key);
	arg = tmux_arg(value);
	tmux_run((const char *const []){ "set-option", "-gq", name, arg, ";", "run-shell", "-b",
	    "-d", delay, cmd, NULL }, NULL, 0, &res);
	tmux_result_free(&res);
	free(arg);
	free(cmd);
	free(delay);
	free(value);
	free(name);
}

/* Whether TERM's record asks for a look with no item running: after a timeout, a restart. */
static int
watch_recheck_due(const struct state *st, const cJSON *term)
{
	const cJSON *rec = cJSON_GetObjectItemCaseSensitive(term, WATCH_RECORD);
	const char *state = state_str(rec, "state");
	time_t since = watch_time(rec, "since");

	return state != NULL && ((strcmp(state, "timeout") == 0 && since + WATCH_RECHECK >
	    st->now) || (strcmp(state, "restart") == 0 && since + WATCH_RESTART_WAIT > st->now));
}

void
watch_arm(struct state *st, struct check_plan *plan)
{
	struct watch *w = plan->watch;
	time_t at = 0;
	cJSON *term;

	if (plan->flags & CHECK_DRY_RUN)
		return;
	if (w != NULL && w->escalations.n > 0) {
		w = watch_get(plan, st->path);
		escalate_send(&w->escalations, st->path, w->notify);
		escalate_free(&w->escalations);
	}
	for (; w != NULL && w->nrestart > 0 && watch_get(plan, st->path) != NULL;
	    w->nrestart--) {
		watch_restart(st, w, w->restart[w->nrestart - 1]);
		free(w->restart[w->nrestart - 1]);
	}
	cJSON_ArrayForEach(term, st->terminals) {
		const cJSON *item = schedule_running(st, term);
		/* A look at tmux's options only when something may be due. */
		if (item != NULL || watch_recheck_due(st, term)) {
			w = watch_get(plan, st->path);
			at = watch_min(at, watch_wake(st, plan, term, item));
		}
	}
	if (at == 0 || w == NULL || w->helper == NULL)
		return;
	if (at <= st->now)
		at = st->now + 1;
	/* A timer fires by then: that run arms the next one. */
	if (w->armed > st->now && w->armed <= at)
		return;
	watch_set_timer(st, w, at);
	w->armed = at;
}

char *
watch_fired(const char *key)
{
	struct tmux_result res;
	char *fmt, *path = NULL, *sp;

	if (strlen(key) != WATCH_KEY_LEN || strspn(key, "0123456789abcdef") != WATCH_KEY_LEN)
		return NULL;
	xasprintf(&fmt, "#{@dispatch_timer_%s}", key);
	if (tmux_run((const char *const []){ "display-message", "-p", fmt, NULL }, NULL, 0,
	    &res) == 0 && (sp = strchr(res.out, ' ')) != NULL && sp[1] != '\0') {
		sp[strcspn(sp, "\n")] = '\0';
		path = xstrdup(sp + 1);
	}
	tmux_result_free(&res);
	free(fmt);
	return path;
}
