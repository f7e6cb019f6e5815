/*
 * One-shot runs (oneshot.h). What runs in the pane is an argv, never a shell command line:
 * "env -u NAME... HELPER oneshot-exec IN OUT -- PROGRAM ARGS...", which tmux executes without a
 * shell; the prompt reaches the program as a file (its standard input, or the {prompt_file}
 * argument), so no byte of it is ever parsed by anything but the program.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "durable.h"
#include "item.h"
#include "launch.h"
#include "limit.h"
#include "mode.h"
#include "name.h"
#include "oneshot.h"
#include "profile.h"
#include "queue.h"
#include "result.h"
#include "schedule.h"
#include "state.h"
#include "tmux-dispatch.h"
#include "tmux.h"

#define ONESHOT_TAIL_BYTES 16384 /* read from the end of the output for its last lines */
#define ONESHOT_TAIL_LINES 20    /* kept as the result, results/ID/screen.txt */
#define ONESHOT_REASON_LINES 5   /* of those, in a failed one's reason */
#define ONESHOT_REAP_MS 2000     /* how long a recorded end waits for its pane to die */

int
oneshot_of(const cJSON *item)
{
	return cJSON_IsTrue(state_get(item, ITEM_ONESHOT));
}

const char *
oneshot_agent(const cJSON *item)
{
	const char *agent = state_str(item, ITEM_AGENT);

	return agent != NULL ? agent : state_str(item, ITEM_PROFILE);
}

int
oneshot_live(struct state *st)
{
	const cJSON *item;

	cJSON_ArrayForEach(item, st->queue) {
		if (oneshot_of(item))
			return 1;
	}
	return 0;
}

char *
oneshot_program(const cJSON *item)
{
	const char *pane = state_str(item, ITEM_PANE);

	if (!oneshot_of(item) || strcmp(state_str(item, ITEM_STATUS), ST_RUNNING) != 0 ||
	    pane == NULL)
		return NULL;
	return xstrdup(pane);
}

/* Whether IN is "SESSION:WINDOW", two names (a window index is a name of digits). */
static int
oneshot_in_valid(const char *in)
{
	const char *colon = strchr(in, ':');
	char *session;
	int ok;

	if (colon == NULL)
		return 0;
	session = xstrndup(in, (size_t)(colon - in));
	ok = name_valid(session) && name_valid(colon + 1);
	free(session);
	return ok;
}

int
oneshot_check_item(const char *state_dir, const cJSON *item, char **cause)
{
	const cJSON *in = cJSON_GetObjectItemCaseSensitive(item, ONESHOT_IN);
	const char *name = state_str(item, ITEM_PROFILE), *model = state_str(item, ITEM_MODEL);
	const char *agent = state_str(item, ITEM_AGENT), *why;
	const struct profile *p;
	int rc;

	if (strchr(state_str(item, ITEM_ID), '/') != NULL) {
		xasprintf(cause, "a one-shot's id names its log file: it may not hold '/'");
		return TD_EXIT_USAGE;
	}
	if (name == NULL) {
		xasprintf(cause, "a one-shot needs a profile");
		return TD_EXIT_USAGE;
	}
	if (agent != NULL && !name_valid(agent)) {
		xasprintf(cause, "agent name '%s': use 1 to 64 of A-Z a-z 0-9 . _ -", agent);
		return TD_EXIT_USAGE;
	}
	if (in != NULL && (!cJSON_IsString(in) || !oneshot_in_valid(in->valuestring))) {
		if (cJSON_IsString(in))
			xasprintf(cause, "in takes SESSION:WINDOW, names of 1 to 64 of A-Z a-z 0-9 "
			    ". _ -, not '%s'", in->valuestring);
		else
			xasprintf(cause, "in takes SESSION:WINDOW, a string");
		return TD_EXIT_USAGE;
	}
	if (model != NULL && ((why = queue_check_label(model)) != NULL || *model == '-')) {
		xasprintf(cause, "model %s", why != NULL ? why : "starts with '-'");
		return TD_EXIT_USAGE;
	}
	if ((rc = profile_get(name, state_dir, &p, cause)) != 0)
		return rc;
	if (p->launch.noneshot == 0) {
		xasprintf(cause, "profile '%s' has no \"oneshot\"", name);
		return TD_EXIT_USAGE;
	}
	if (model != NULL && p->launch.model_flag == NULL) {
		xasprintf(cause, "profile '%s' has no \"modelFlag\": a model cannot be passed", name);
		return TD_EXIT_USAGE;
	}
	return 0;
}

/* Who a one-shot's lines are about: its agent name, or a hand-written item's lack of one. */
static const char *
oneshot_who(const char *agent)
{
	return agent != NULL ? agent : "one-shot";
}

/* logs/ID.SUFFIX beside the state, the directory created (caller frees); NULL, reported. */
static char *
oneshot_log_path(struct state *st, const cJSON *item, const char *suffix)
{
	char *dir = state_side_path(st->path, ONESHOT_LOGS), *path = NULL, *cause = NULL;

	if (dir == NULL)
		return NULL;
	if (durable_mkdir(dir, durable_mode_of(st->path), &cause) != 0) {
		td_error(TD_EXIT_FAIL, "%s", cause);
		free(cause);
	} else
		xasprintf(&path, "%s/%s%s", dir, state_str(item, ITEM_ID), suffix);
	free(dir);
	return path;
}

/* The last ONESHOT_TAIL_LINES lines of PATH (caller frees; "" when it cannot be read). */
static char *
oneshot_tail(const char *path)
{
	char *buf = xmalloc(ONESHOT_TAIL_BYTES + 1), *start, *end;
	int fd = path != NULL ? open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW) : -1;
	off_t size = fd != -1 ? lseek(fd, 0, SEEK_END) : 0;
	off_t from = size > ONESHOT_TAIL_BYTES ? size - ONESHOT_TAIL_BYTES : 0;
	ssize_t n = fd != -1 ? pread(fd, buf, (size_t)(size - from), from) : 0;
	int lines = 0;

	if (fd != -1)
		close(fd);
	buf[n > 0 ? n : 0] = '\0';
	end = buf + strlen(buf);
	while (end > buf && (end[-1] == '\n' || end[-1] == ' '))
		end--;
	*end = '\0';
	for (start = end; start > buf; start--) {
		if (start[-1] == '\n' && ++lines >= ONESHOT_TAIL_LINES)
			break;
	}
	memmove(buf, start, strlen(start) + 1);
	return buf;
}

/* "exit status N", with the last few lines of TAIL joined by " ⏎ " (caller frees). */
static char *
oneshot_reason(int status, const char *tail)
{
	const char *from = tail + strlen(tail), *c;
	char *reason, *o;
	int lines = 0;

	while (from > tail && !(from[-1] == '\n' && ++lines >= ONESHOT_REASON_LINES))
		from--;
	if (status >= 0)
		xasprintf(&reason, "exit status %d%s", status, *from != '\0' ? ": " : "");
	else
		xasprintf(&reason, "exit status unknown%s", *from != '\0' ? ": " : "");
	reason = xrealloc(reason, strlen(reason) + 5 * strlen(from) + 1);
	o = reason + strlen(reason);
	for (c = from; *c != '\0'; c++) {
		if (*c == '\n') {
			memcpy(o, " ⏎ ", 5);
			o += 5;
		} else
			*o++ = *c;
	}
	*o = '\0';
	return reason;
}

/*
 * The exit status oneshot-exec recorded in logs/ID.status, or -1. It is preferred to the dead
 * pane's: tmux 3.3a can leave pane_dead_status empty, and the record is there before tmux has
 * even noticed the exit, when oneshot-exec asks for the check that ends the item.
 */
static int
oneshot_recorded(struct state *st, const cJSON *item)
{
	char *path = oneshot_log_path(st, item, ONESHOT_STATUS), *text = NULL, *cause = NULL;
	char *end;
	size_t len;
	long v = -1;

	if (path != NULL && file_read_path(path, 64, &text, &len, &cause) == 0) {
		v = strtol(text, &end, 10);
		if (end == text || *end != '\n' || v < 0 || v > 255)
			v = -1;
	}
	free(cause);
	free(text);
	free(path);
	return (int)v;
}

/* A running one-shot whose program ended (or whose pane is gone): done or failed. */
static void
oneshot_end(struct state *st, struct check_plan *plan, cJSON *item)
{
	const char *id = state_str(item, ITEM_ID), *agent = oneshot_agent(item);
	const char *pane = state_str(item, ITEM_PANE);
	char *out, *tail, *reason;
	int status = oneshot_recorded(st, item), ended = status >= 0 ? 1 : pane != NULL ?
	    launch_pane_ended(pane, &status) : -1;

	if (ended == 0)
		return;
	out = oneshot_log_path(st, item, ".out");
	tail = oneshot_tail(out);
	reason = ended < 0 ? xstrdup("its pane is gone") : status == 0 ?
	    result_oneshot_why(st, item, out) : oneshot_reason(status, tail);
	if (plan->flags & CHECK_DRY_RUN) {
		check_say(plan, oneshot_who(agent), "would mark %s %s", id, reason == NULL ? "done" :
		    "failed");
		item_finish_dry(st, item, reason == NULL ? ST_DONE : ST_FAILED, reason);
	} else {
		if (reason == NULL)
			check_say(plan, oneshot_who(agent), "done %s", id);
		else
			check_say(plan, oneshot_who(agent), "failed %s: %s", id, reason);
		if (status >= 0)
			state_set_num(item, ITEM_EXIT, status);
		if (out != NULL)
			state_set_str(item, ITEM_OUTPUT, out);
		item_save_result(st, item, tail, strlen(tail));
		item_finish(st, item, reason == NULL ? ST_DONE : ST_FAILED, reason);
		if (ended > 0 && pane != NULL) {
			plan->reap = xreallocarray(plan->reap, plan->nreap + 1, sizeof *plan->reap);
			plan->reap[plan->nreap++] = xstrdup(pane);
		}
	}
	free(reason);
	free(tail);
	free(out);
}

/* The one-shot AGENT is running now, or NULL. */
static const cJSON *
oneshot_running(struct state *st, const char *agent)
{
	const cJSON *item;

	cJSON_ArrayForEach(item, st->queue) {
		if (oneshot_of(item) && strcmp(state_str(item, ITEM_STATUS), ST_RUNNING) == 0 &&
		    strcmp(oneshot_agent(item), agent) == 0)
			return item;
	}
	return NULL;
}

/* What the program is told: the command, or its mode's template filled in for AGENT. */
static char *
oneshot_text(struct state *st, const cJSON *item, const char *agent, char **cause)
{
	const char *why;
	char *text, *inner;

	if (mode_of(item)) {
		if (mode_render(st->path, item, agent, &text, &inner) == 0)
			return text;
		xasprintf(cause, "mode %s", inner);
		free(inner);
		return NULL;
	}
	if ((why = queue_check_command(state_str(item, ITEM_COMMAND))) != NULL) {
		*cause = xstrdup(why);
		return NULL;
	}
	return xstrdup(state_str(item, ITEM_COMMAND));
}

char *
oneshot_self(void)
{
	char buf[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);

	if (n <= 0)
		return NULL;
	buf[n] = '\0';
	return xstrdup(buf);
}

/* Where one run's files are: the state (absolute) and logs/ID.in, .out, .status. */
struct oneshot_files {
	char *state, *in, *out, *status;
};

/*
 * "HELPER --state STATE oneshot-exec --status STATUS IN OUT -- PROGRAM ARGS..." into *words
 * (caller frees each): oneshot-exec records the exit status and runs oneshot-ended for STATE.
 */
static int
oneshot_words(const struct profile *p, const struct oneshot_files *f, char ***words,
    size_t *n, char **cause)
{
	const struct profile_launch *l = &p->launch;
	char *self = oneshot_self(), *prog = launch_which(l->oneshot[0]), **w;
	size_t i, k = 0;

	if (self == NULL || prog == NULL) {
		xasprintf(cause, self == NULL ? "cannot find the helper's own path" :
		    "cannot run '%s': not found on PATH", l->oneshot[0]);
		free(self);
		free(prog);
		return TD_EXIT_NOTFOUND;
	}
	w = xcalloc(l->noneshot + 10, sizeof *w);
	w[k++] = self;
	w[k++] = xstrdup("--state");
	w[k++] = xstrdup(f->state);
	w[k++] = xstrdup(ONESHOT_EXEC);
	w[k++] = xstrdup("--status");
	w[k++] = xstrdup(f->status);
	w[k++] = xstrdup(l->oneshot_file ? "/dev/null" : f->in);
	w[k++] = xstrdup(f->out);
	w[k++] = xstrdup("--");
	w[k++] = prog;
	for (i = 1; i < l->noneshot; i++)
		w[k++] = xstrdup(strcmp(l->oneshot[i], PROFILE_PROMPT_FILE) == 0 ? f->in :
		    l->oneshot[i]);
	*words = w;
	*n = k;
	return 0;
}

static void
oneshot_words_free(char **w, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(w[i]);
	free(w);
}

/*
 * Writes the prompt and starts the program where S says (a window of ONESHOT_SESSION, or a
 * pane split into the item's "in"). A status file left by an earlier run of the id (retry)
 * is removed first: it would end this run at once.
 */
static int
oneshot_launch(struct state *st, cJSON *item, const char *text, struct launch *s,
    char **cause)
{
	struct oneshot_files f = { NULL, oneshot_log_path(st, item, ".in"),
	    oneshot_log_path(st, item, ".out"), oneshot_log_path(st, item, ONESHOT_STATUS) };
	const char *base = strrchr(st->path, '/');
	char **words = NULL, dir[PATH_MAX];
	size_t n = 0;
	int rc = TD_EXIT_FAIL;

	if (f.in == NULL || f.out == NULL || f.status == NULL || realpath(st->dir, dir) == NULL)
		xasprintf(cause, "cannot use the logs directory beside the state");
	else if (unlink(f.status) != 0 && errno != ENOENT)
		xasprintf(cause, "cannot remove %s: %s", f.status, strerror(errno));
	else if (durable_replace(f.in, text, strlen(text), durable_mode_of(st->path),
	    cause) == 0) {
		xasprintf(&f.state, "%s/%s", dir, base != NULL ? base + 1 : st->path);
		if ((rc = oneshot_words(s->profile, &f, &words, &n, cause)) == 0) {
			s->cwd = xstrdup(dir);
			if ((rc = launch_prepare(s, words, n, cause)) == 0)
				rc = launch_start(s, cause);
		}
	}
	oneshot_words_free(words, n);
	free(f.state);
	free(f.in);
	free(f.out);
	free(f.status);
	return rc;
}

static void
oneshot_launch_free(struct launch *s)
{
	size_t i;

	for (i = 0; i < s->argc; i++)
		free(s->argv[i]);
	free(s->argv);
	free(s->cwd);
	free(s->session_id);
}

/*
 * Into ID, the id of window W among OUT's lines ("@ID INDEX NAME", from list-windows): by
 * index first, as tmux resolves a target, else by exact name (a target would also take a
 * prefix of another window's name). 0, or -1 when there is none.
 */
static int
oneshot_window_id(const char *out, const char *w, char *id, size_t size)
{
	const char *line, *end;
	char idx[16], name[128], cand[16];
	int pass;

	for (pass = 0; pass < 2; pass++) {
		for (line = out; *line != '\0'; line = end + (*end != '\0')) {
			end = line + strcspn(line, "\n");
			if (sscanf(line, "%15s %15s %127[^\n]", cand, idx, name) == 3 &&
			    strcmp(pass == 0 ? idx : name, w) == 0) {
				snprintf(id, size, "%s", cand);
				return 0;
			}
		}
	}
	return -1;
}

/*
 * For an item with "in": S is to split that window, *SESSION (caller frees) and WINDOW_ID
 * holding its names. 0 (nothing to do without "in"), or -1 with *why: no such window now.
 */
static int
oneshot_place(const cJSON *item, struct launch *s, char **session, char *window_id,
    size_t size, char **why)
{
	const char *in = state_str(item, ONESHOT_IN), *colon = in != NULL ? strchr(in, ':') : NULL;
	struct tmux_result r;
	char *t;
	int rc = -1;

	if (colon == NULL)
		return 0;
	*session = xstrndup(in, (size_t)(colon - in));
	xasprintf(&t, "=%s", *session);
	if (tmux_run((const char *const []){ "list-windows", "-t", t, "-F",
	    "#{window_id} #{window_index} #{window_name}", NULL }, NULL, 0, &r) == 0)
		rc = oneshot_window_id(r.out, colon + 1, window_id, size);
	tmux_result_free(&r);
	free(t);
	if (rc != 0) {
		xasprintf(why, "window %s does not exist (in)", in);
		return -1;
	}
	s->session = *session;
	s->window = window_id;
	s->split = 1;
	return 0;
}

/* A split window's panes tiled again, as up lays a tier out. */
static void
oneshot_tile(const struct launch *s)
{
	struct tmux_result r;
	char *t;

	xasprintf(&t, "=%s:%s", s->session, s->window);
	tmux_run((const char *const []){ "select-layout", "-t", t, "tiled", NULL }, NULL, 0, &r);
	tmux_result_free(&r);
	free(t);
}

/* Why ITEM may not run now (caller frees), or NULL: its agent is busy, or a limit is reached. */
static char *
oneshot_wait(struct state *st, const cJSON *item)
{
	const char *agent = oneshot_agent(item);
	const cJSON *busy = oneshot_running(st, agent);
	char *why;

	if (busy != NULL) {
		xasprintf(&why, "agent %s is running %s", agent, state_str(busy, ITEM_ID));
		return why;
	}
	limit_reached_all(st, &why);
	return why;
}

/* ITEM failed before it ran (a dry run: in memory only). */
static void
oneshot_refuse(struct state *st, struct check_plan *plan, cJSON *item, const char *why)
{
	check_say(plan, oneshot_who(oneshot_agent(item)), "refused %s: %s",
	    state_str(item, ITEM_ID), why);
	if (plan->flags & CHECK_DRY_RUN)
		item_finish_dry(st, item, ST_FAILED, why);
	else
		item_finish(st, item, ST_FAILED, why);
}

/* Starts ITEM, a ready one-shot, unless paused, its agent busy or a worker limit reached. */
static void
oneshot_start(struct state *st, struct check_plan *plan, cJSON *item)
{
	const char *id = state_str(item, ITEM_ID), *agent = oneshot_agent(item);
	struct launch s = { .name = id, .model = state_str(item, ITEM_MODEL),
	    .session = ONESHOT_SESSION, .window = name_valid(id) ? id : "oneshot" };
	char *dir = file_dirname(st->path), *why = NULL, *text = NULL, *session = NULL;
	char window[16];

	if ((plan->flags & CHECK_AUTO) && check_paused(st)) {
		check_say(plan, oneshot_who(agent), "paused; %s waits", id);
		goto out;
	}
	if (oneshot_check_item(dir, item, &why) != 0 ||
	    profile_get(state_str(item, ITEM_PROFILE), dir, &s.profile, &why) != 0) {
		oneshot_refuse(st, plan, item, why);
		goto out;
	}
	if ((why = oneshot_wait(st, item)) != NULL) {
		if (!(plan->flags & CHECK_DRY_RUN))
			item_defer(item, why);
		check_say(plan, oneshot_who(agent), "%s waits: %s", id, why);
		goto out;
	}
	/* A window to split that is gone fails it: run elsewhere, it would be where nobody
	 * looks, and a layout mistake would pass unnoticed. */
	if ((text = oneshot_text(st, item, agent, &why)) == NULL ||
	    oneshot_place(item, &s, &session, window, sizeof window, &why) != 0) {
		oneshot_refuse(st, plan, item, why);
		goto out;
	}
	if (plan->flags & CHECK_DRY_RUN) {
		/* In memory only: the items after this one count it against the limits. */
		check_say(plan, oneshot_who(agent), "would run %s (profile %s)", id, s.profile->name);
		state_set_str(item, ITEM_STATUS, ST_RUNNING);
		goto out;
	}
	item_save_prompt(st, item, text, strlen(text));
	if (oneshot_launch(st, item, text, &s, &why) != 0) {
		check_say(plan, oneshot_who(agent), "failed %s: %s", id, why);
		item_finish(st, item, ST_FAILED, why);
		goto out;
	}
	if (s.split)
		oneshot_tile(&s);
	item_run(st, item, agent, s.pane);
	check_say(plan, oneshot_who(agent), "started %s (%s, %s:%s)", id, s.pane, s.session,
	    s.window_index);
out:
	oneshot_launch_free(&s);
	free(session);
	free(text);
	free(why);
	free(dir);
}

/* The live one-shots, copied out: finishing one moves it to completedToday. */
static cJSON **
oneshot_list(struct state *st, const char *status, size_t *n)
{
	cJSON *item, **list = NULL;
	const char *blocker;

	*n = 0;
	cJSON_ArrayForEach(item, st->queue) {
		if (!oneshot_of(item) || strcmp(state_str(item, ITEM_STATUS), status) != 0 ||
		    (strcmp(status, ST_PENDING) == 0 && !schedule_ready(st, item, &blocker)))
			continue;
		list = xreallocarray(list, *n + 1, sizeof *list);
		list[(*n)++] = item;
	}
	return list;
}

void
oneshot_check(struct state *st, struct check_plan *plan)
{
	cJSON **list;
	size_t i, n;

	list = oneshot_list(st, ST_RUNNING, &n);
	for (i = 0; i < n; i++)
		oneshot_end(st, plan, list[i]);
	free(list);
	list = oneshot_list(st, ST_PENDING, &n);
	for (i = 0; i < n; i++)
		oneshot_start(st, plan, list[i]);
	free(list);
}

/*
 * A recorded end can come before tmux has seen the program exit: each pane is waited for
 * (together, at most ONESHOT_REAP_MS) and killed once dead or gone. One still alive then is
 * left, as it may no longer be the one-shot's (a new server reuses pane ids).
 */
void
oneshot_reap(struct check_plan *plan)
{
	long long until = clock_ms() + ONESHOT_REAP_MS;
	size_t i, left = plan->nreap;
	char *done = xcalloc(plan->nreap + 1, 1);

	while (left > 0) {
		for (i = 0; i < plan->nreap; i++) {
			if (!done[i] && launch_exited(plan->reap[i])) {
				launch_kill(plan->reap[i]);
				done[i] = 1;
				left--;
			}
		}
		if (left == 0 || clock_ms() >= until)
			break;
		usleep(50 * 1000);
	}
	free(done);
}
