/* dispatch, check, send, pause, resume: pushing work into panes. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "batch.h"
#include "check.h"
#include "events.h"
#include "item.h"
#include "observe.h"
#include "queue.h"
#include "terminal.h"
#include "tmux-dispatch.h"

#define DISPATCH_TIMEOUT 30 /* seconds --wait waits by default */

static int cmd_dispatch(struct cmd_ctx *, int, char **);
static int cmd_check(struct cmd_ctx *, int, char **);
static int cmd_send(struct cmd_ctx *, int, char **);
static int cmd_pause(struct cmd_ctx *, int, char **);

const struct cmd_entry cmd_dispatch_entry = {
	"dispatch", "TARGET [--wait [--timeout S]] [--batch] [--stdin | [--] COMMAND...]",
	"queue COMMAND for each terminal of TARGET and deliver it to those that are idle",
	"  TARGET     a terminal, all, all-GROUP, a group, or the %pane id of a terminal\n"
	"  --wait     wait until each command was submitted (or failed) and report it\n"
	"  --timeout  seconds --wait waits (default 30)\n"
	"  --batch    record the new items as a batch (status --batch follows it)\n"
	"  --stdin    read the command from standard input (one trailing newline dropped)\n"
	"  Prints the new item ids, one per line.\n",
	cmd_dispatch
};

const struct cmd_entry cmd_check_entry = {
	"check", "[TERMINAL|GROUP|all] [--dry-run] [--auto] [--quiet]",
	"queue-check: finish completed items, deliver the next ready ones to idle terminals",
	"  --dry-run  say what would be sent where, and why other terminals are skipped\n"
	"  --auto     behave as an automatic check: do nothing while paused\n"
	"  --quiet    print nothing\n",
	cmd_check
};

const struct cmd_entry cmd_send_entry = {
	"send", "TERMINAL [--force] [--stdin | [--] TEXT...]",
	"type TEXT into a terminal now, outside the queue (e.g. to answer its question)",
	"  Refused unless the terminal is idle or waiting for an answer; --force sends anyway\n"
	"  (never into a dead pane or one in copy mode). To a terminal waiting for an answer\n"
	"  TEXT is typed as keys with no Enter: an Enter would pick the highlighted option.\n",
	cmd_send
};

const struct cmd_entry cmd_pause_entry = {
	"pause", "", "stop automatic pushes (hooks, enqueue); check still works by hand", NULL,
	cmd_pause
};

const struct cmd_entry cmd_resume_entry = {
	"resume", "", "restart automatic pushes and check every terminal", NULL, cmd_pause
};

struct dispatch_opts {
	int wait, from_stdin, force, batch;
	long long timeout;
};

/*
 * The options of dispatch and send, before and after their first operand (dispatch gen-1
 * --wait -- cmd), which goes to *first. Returns 0, or -1 with the status to return in *rc.
 */
static int
dispatch_options(const struct cmd_ctx *ctx, int argc, char **argv, const char *spec,
    const struct option *opts, const char *what, const char **first, struct dispatch_opts *o,
    int *rc)
{
	int c, pass;

	for (pass = 0; pass < 2; pass++) {
		while ((c = args_next(ctx, argc, argv, spec, opts, rc)) != -1) {
			switch (c) {
			case 'w':
				o->wait = 1;
				break;
			case 's':
				o->from_stdin = 1;
				break;
			case 'f':
				o->force = 1;
				break;
			case 'b':
				o->batch = 1;
				break;
			case 'T':
				if (args_int(ctx, "--timeout", optarg, 1, 86400, &o->timeout) == 0)
					break;
				*rc = TD_EXIT_USAGE;
				return -1;
			default:
				return -1;
			}
		}
		if (pass == 0 && optind == argc) {
			*rc = args_usage(ctx, "no %s given", what);
			return -1;
		}
		if (pass == 0)
			*first = argv[optind++];
	}
	return 0;
}

/* A %pane id selects the terminal registered for that pane. */
static int
dispatch_select(struct state *st, const char *spec, cJSON ***terms, size_t *n)
{
	struct panes panes;
	const struct pane *pane;
	cJSON *term;
	char *canonical = NULL;
	int rc;

	if (spec[0] != '%') {
		rc = terminal_select(st, spec, terms, n, &canonical);
		free(canonical);
		return rc;
	}
	*terms = NULL;
	*n = 0;
	if (panes_read(&panes) != 0)
		return td_error(TD_EXIT_FAIL, "no tmux server to find pane %s on", spec);
	cJSON_ArrayForEach(term, st->terminals) {
		pane = panes_resolve(&panes, state_str(term, "target"));
		if (strcmp(state_str(term, "target"), spec) == 0 ||
		    (pane != NULL && strcmp(pane->id, spec) == 0)) {
			*terms = xmalloc(sizeof **terms);
			(*terms)[(*n)++] = term;
			break;
		}
	}
	panes_free(&panes);
	if (*n == 0)
		return td_error(TD_EXIT_NOTFOUND, "no terminal for pane %s (register it: "
		    "tmux-dispatch terminal add NAME %s)", spec, spec);
	return 0;
}

/* An item for each terminal, each allowed to take COMMAND; *ids gets their ids. */
static int
dispatch_create(struct state *st, cJSON **terms, size_t n, const char *command, char ***ids)
{
	cJSON *item;
	size_t i;

	for (i = 0; i < n; i++) {
		if (!terminal_allows(terms[i], command))
			return td_error(TD_EXIT_FAIL, "refused: the command is outside the --allow "
			    "list of %s", terms[i]->string);
	}
	*ids = xcalloc(n, sizeof **ids);
	for (i = 0; i < n; i++) {
		item = item_create(st, NULL, command);
		state_set_str(item, ITEM_ASSIGNED, terms[i]->string);
		(*ids)[i] = xstrdup(state_str(item, ITEM_ID));
		events_log(st->path, terms[i]->string, NULL, (*ids)[i], "dispatch", NULL);
	}
	return 0;
}

/* Waits until every item left pending: submitted, finished or failed. */
static int
dispatch_wait(const struct cmd_ctx *ctx, char **ids, size_t n, int timeout)
{
	time_t end = time(NULL) + timeout;
	struct state st;
	cJSON *item;
	size_t i, left;
	int rc = 0;

	for (;;) {
		left = 0;
		if ((rc = state_open(&st, ctx->state_path, STATE_READ)) != 0) {
			state_close(&st);
			return rc;
		}
		for (i = 0; i < n; i++) {
			item = state_item(&st, ids[i]);
			if (item == NULL || state_str(item, ITEM_DELIVERED) != NULL ||
			    item_finished(item))
				continue;
			left++;
		}
		if (left == 0 || time(NULL) >= end)
			break;
		state_close(&st);
		sleep(1);
		check_run(ctx->state_path, NULL, CHECK_QUIET | CHECK_AUTO);
	}
	for (i = 0; i < n; i++) {
		item = state_item(&st, ids[i]);
		if (item == NULL)
			td_say("%s: gone", ids[i]);
		else if (state_str(item, ITEM_DELIVERED) != NULL)
			td_say("%s: submitted to %s", ids[i], state_str(item, ITEM_TERMINAL));
		else if (item_finished(item)) {
			td_say("%s: %s%s%s", ids[i], state_str(item, ITEM_STATUS),
			    state_str(item, ITEM_REASON) != NULL ? ": " : "",
			    state_str(item, ITEM_REASON) != NULL ? state_str(item, ITEM_REASON) : "");
			rc = TD_EXIT_FAIL;
		} else {
			td_say("%s: still pending after %d s%s%s", ids[i], timeout,
			    state_str(item, ITEM_DEFERRED) != NULL ? ": " : "",
			    state_str(item, ITEM_DEFERRED) != NULL ? state_str(item, ITEM_DEFERRED) : "");
			rc = TD_EXIT_FAIL;
		}
	}
	state_close(&st);
	return rc;
}

static int
cmd_dispatch(struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "wait", no_argument, NULL, 'w' },
		{ "timeout", required_argument, NULL, 'T' },
		{ "stdin", no_argument, NULL, 's' },
		{ "batch", no_argument, NULL, 'b' },
		ARGS_HELP, { NULL, 0, NULL, 0 }
	};
	struct dispatch_opts o = { .timeout = DISPATCH_TIMEOUT };
	struct check_plan plan = { 0 };
	char *command = NULL, **ids = NULL;
	cJSON **terms = NULL;
	const char *why, *target;
	struct state st;
	size_t n = 0, i;
	int rc = 0;

	if (dispatch_options(ctx, argc, argv, "+wT:sb", opts, "TARGET", &target, &o, &rc) != 0)
		return rc;
	if ((command = args_text(ctx, argc - optind, argv + optind, o.from_stdin)) == NULL)
		return TD_EXIT_USAGE;
	if ((why = queue_check_command(command)) != NULL) {
		free(command);
		return td_error(TD_EXIT_USAGE, "refused: %s", why);
	}
	if ((rc = check_prepare(ctx->state_path, 1)) != 0) {
		free(command);
		return rc;
	}
	if ((rc = state_open(&st, ctx->state_path, STATE_WRITE)) != 0 ||
	    (rc = dispatch_select(&st, target, &terms, &n)) != 0)
		goto out;
	if ((rc = dispatch_create(&st, terms, n, command, &ids)) != 0)
		goto out;
	if (o.batch)
		batch_record(&st, ids, n);
	if (!check_paused(&st))
		check_plan(&st, terms, n, CHECK_AUTO | CHECK_QUIET, &plan);
	if ((rc = check_commit(&st, &plan)) != 0)
		goto out;
	if (plan.n == 0)
		check_sync(&st, &plan);
	state_close(&st);
	for (i = 0; i < n; i++)
		printf("%s\n", ids[i]);
	fflush(stdout);
	rc = check_deliver(&plan);
	if (rc == 0 && o.wait)
		rc = dispatch_wait(ctx, ids, n, (int)o.timeout);
out:
	state_close(&st);
	check_plan_free(&plan);
	for (i = 0; ids != NULL && i < n; i++)
		free(ids[i]);
	free(ids);
	free(terms);
	free(command);
	return rc;
}

static int
cmd_check(struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dry-run", no_argument, NULL, 'n' },
		{ "auto", no_argument, NULL, 'a' },
		{ "quiet", no_argument, NULL, 'q' },
		ARGS_HELP, { NULL, 0, NULL, 0 }
	};
	int c, rc = 0, flags = 0;

	while ((c = args_next(ctx, argc, argv, "naq", opts, &rc)) != -1) {
		if (c == 'n')
			flags |= CHECK_DRY_RUN;
		else if (c == 'a')
			flags |= CHECK_AUTO;
		else if (c == 'q')
			flags |= CHECK_QUIET;
		else
			return rc;
	}
	if (argc - optind > 1)
		return args_usage(ctx, "expected at most one TERMINAL");
	return check_run(ctx->state_path, optind < argc && strcmp(argv[optind], "all") != 0 ?
	    argv[optind] : NULL, flags);
}

/*
 * Reads the terminal's pane and pastes TEXT, under the caller's lock like a check, so a check
 * and a send never type into one pane together. D's pane and terminal are copies, for the
 * Enter that follows once the lock is released.
 */
static int
send_paste(struct state *st, cJSON *term, const char *text, int force, struct delivery *d)
{
	struct observation o;
	struct panes panes;
	enum pane_state s;
	char *cause = NULL;
	int rc;

	if (panes_read(&panes) != 0)
		return td_error(TD_EXIT_FAIL, "no tmux server");
	if ((rc = observe_terminal(&panes, term, NULL, st->dir, NULL, &o, &cause)) != 0) {
		rc = td_error(rc == TD_EXIT_NOTFOUND ? TD_EXIT_FAIL : rc, "%s: %s", term->string,
		    cause);
		goto out;
	}
	s = o.v.state;
	if (s == PANE_COPY_MODE || s == PANE_EXITED || (!force && s != PANE_IDLE &&
	    s != PANE_WAITING)) {
		rc = td_error(TD_EXIT_FAIL, "%s is %s (%s: %s); not sent%s", term->string,
		    classify_state_name(s), o.v.profile, o.v.rule, force || s == PANE_COPY_MODE ||
		    s == PANE_EXITED ? "" : " (--force sends anyway)");
		events_log(st->path, term->string, o.pane, NULL, "refused", o.v.rule);
		goto out;
	}
	d->pane = xstrdup(o.pane);
	d->text = text;
	d->terminal = xstrdup(term->string);
	d->profile = o.profile;
	d->pid = o.meta.pid;
	snprintf(d->command, sizeof d->command, "%s", o.meta.current_command);
	d->answer = s == PANE_WAITING;
	deliver_paste_all(st->path, d, 1);
	if (d->outcome == DELIVERY_REFUSED)
		rc = td_error(TD_EXIT_FAIL, "%s: %s", term->string, d->reason);
out:
	free(cause);
	panes_free(&panes);
	return rc;
}

static int
cmd_send(struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "force", no_argument, NULL, 'f' },
		{ "stdin", no_argument, NULL, 's' },
		ARGS_HELP, { NULL, 0, NULL, 0 }
	};
	struct dispatch_opts o = { 0 };
	struct delivery d = { 0 };
	const char *name, *why;
	char *text, *path = NULL;
	struct state st;
	cJSON *term;
	int rc = 0;

	if (dispatch_options(ctx, argc, argv, "+fs", opts, "TERMINAL", &name, &o, &rc) != 0)
		return rc;
	if ((text = args_text(ctx, argc - optind, argv + optind, o.from_stdin)) == NULL)
		return TD_EXIT_USAGE;
	if ((why = queue_check_command(text)) != NULL) {
		free(text);
		return td_error(TD_EXIT_USAGE, "refused: %s", why);
	}
	/* The lock, though send changes no item: see send_paste. */
	if ((rc = check_prepare(ctx->state_path, 1)) != 0) {
		free(text);
		return rc;
	}
	if ((rc = state_open(&st, ctx->state_path, STATE_WRITE)) == 0) {
		if ((term = state_terminal(&st, name)) == NULL)
			rc = td_error(TD_EXIT_NOTFOUND, "no terminal '%s'", name);
		else if (!terminal_allows(term, text))
			rc = td_error(TD_EXIT_FAIL, "refused: the text is outside the --allow list "
			    "of %s", name);
		else
			rc = send_paste(&st, term, text, o.force, &d);
		path = xstrdup(st.path);
	}
	state_close(&st);
	if (rc == 0) {
		deliver_complete(path, &d, 1);
		if (d.outcome != DELIVERY_SUBMITTED)
			rc = td_error(TD_EXIT_FAIL, "%s: %s", name, d.reason);
	}
	free((char *)d.pane);
	free((char *)d.terminal);
	free(path);
	free(text);
	return rc;
}

static int
cmd_pause(struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = { ARGS_HELP, { NULL, 0, NULL, 0 } };
	int pause = ctx->entry == &cmd_pause_entry, c, rc = 0;
	struct state st;

	while ((c = args_next(ctx, argc, argv, "", opts, &rc)) != -1)
		return rc;
	if (argc != optind)
		return args_usage(ctx, "unexpected argument '%s'", argv[optind]);
	if ((rc = state_open(&st, ctx->state_path, STATE_WRITE)) == 0) {
		cJSON_DeleteItemFromObjectCaseSensitive(st.root, "paused");
		cJSON_AddBoolToObject(st.root, "paused", pause);
		rc = state_commit(&st);
	}
	state_close(&st);
	/* Resumed either way; a state that may not deliver says so (check_run) and is not an error. */
	if (rc == 0 && !pause && (rc = check_run(ctx->state_path, NULL, CHECK_QUIET |
	    CHECK_AUTO)) == TD_EXIT_UNTRUSTED)
		rc = 0;
	return rc;
}
