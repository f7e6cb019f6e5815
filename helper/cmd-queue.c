/* enqueue, ls: putting work in and looking at it. */
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "continue.h"
#include "duration.h"
#include "graph.h"
#include "item.h"
#include "mode.h"
#include "oneshot.h"
#include "orphan.h"
#include "queue.h"
#include "result.h"
#include "review.h"
#include "schedule.h"
#include "terminal.h"
#include "tmux-dispatch.h"
#include "watch.h"
#include "worktree.h"

static int cmd_enqueue(struct cmd_ctx *, int, char **);
static int cmd_ls(struct cmd_ctx *, int, char **);

const struct cmd_entry cmd_enqueue_entry = {
	"enqueue", "[--to NAME|GROUP] [--id ID] [--after ID]... [--priority N] [--title T] "
	"[--estimate DUR] [--phase P] [--mode NAME] [--continue N] "
	"[--oneshot --profile P [--model M] [--in S:W]] [--timeout DUR [--retries N]] "
	"[--done-when REGEX] [--review NAME|GROUP] "
	"[--worktree [--base REF] [--branch B] [--repo DIR] [--profile P] [--model M] "
	"[--keep-agent]] [--stdin | [--] COMMAND...]",
	"queue a command; prints the new item's id",
	"  --to NAME|GROUP  a terminal, all, all-GROUP (all-generators works too) or a group;\n"
	"                   without it any terminal may take the item\n"
	"  --id ID          the item's id (default q-N)\n"
	"  --after ID       run only after item ID is done (repeatable); refused if it would\n"
	"                   close a cycle (an item already waits on the new id)\n"
	"  --priority N     higher goes first (default 0)\n"
	"  --title T        a short name for plans (default: the command's first line)\n"
	"  --estimate DUR   how long it should take: 90s, 30m, 4h, 1h30m or seconds\n"
	"  --phase P        the part of the project it belongs to\n"
	"  --mode NAME      deliver the template modes/NAME.md (beside the state file, else in\n"
	"                   $TMUX_DISPATCH_MODES) filled in with the command as {{task}}; a\n"
	"                   missing or untrusted template, an unknown placeholder or an include\n"
	"                   cycle is refused now\n"
	"  --continue N     when its turn ends with the agent's suggestion in the input (Claude\n"
	"                   Code's grey ghost text), accept it (Tab, then Enter) up to N times\n"
	"                   before it is done (0 to " CONTINUE_MAX_TEXT "; default: the terminal's\n"
	"                   --continue, else 0)\n"
	"  --oneshot        run it as the profile's headless command (claude -p, codex exec,\n"
	"                   gemini -p) in a window of the tmux session dispatch-oneshot, the\n"
	"                   text as its standard input, the output in .terminal-status.d/logs/\n"
	"                   ID.out; exit 0 is done, anything else failed. With --oneshot, --to\n"
	"                   NAME is its agent name (default: the profile's): one one-shot of an\n"
	"                   agent name runs at a time\n"
	"  --worktree       run it in a git worktree of its own with a fresh agent: once it is\n"
	"                   ready, git worktree add -b task/ID ../REPO-task-ID BASE, an agent\n"
	"                   of the profile started there as terminal task-ID (tmux session\n"
	"                   dispatch-tasks) and the item typed into it once it is idle; at the\n"
	"                   end its commits ahead of BASE and a diffstat are recorded and the\n"
	"                   agent is shut down. The worktree and branch stay (worktree rm)\n"
	"  --base REF       the commit the worktree starts from (default HEAD, when it starts)\n"
	"  --branch B       its branch (default task/ID); refused if it exists\n"
	"  --repo DIR       the repository (default the one holding the current directory)\n"
	"  --keep-agent     leave the agent running after its item\n"
	"  --profile P      the profile whose \"oneshot\" argv runs it (with --oneshot), or whose\n"
	"                   \"launch\" starts its agent (with --worktree, default claude)\n"
	"  --model M        passed with the profile's modelFlag (--oneshot, --worktree)\n"
	"  --in S:W         run the one-shot in a new pane split into window W of tmux session\n"
	"                   S (a tier window of up, say), tiled, instead of a window of its own;\n"
	"                   a window that does not exist when it starts fails the item\n"
	"  --done-when REGEX  done only once a line matching the extended regular expression\n"
	"                   appeared after the delivered prompt (a one-shot: in its output)\n"
	"                   and the agent is idle; a result file it wrote ends it too\n"
	"  --review NAME|GROUP  once it is done, queue ID-review for that terminal or group:\n"
	"                   the review template (modes/review.md, else a built-in text) with\n"
	"                   the prompt, the result folder and a worktree task's diff\n"
	"  --timeout DUR    once delivered it may run this long; then, still busy, it gets its\n"
	"                   profile's interrupt keys and fails with \"timeout after DUR\"\n"
	"                   (default: its terminal's, its group's, @dispatch-timeout, or none)\n"
	"  --retries N      a timeout sends it back to pending up to N times (0 to 100)\n"
	"  --stdin          read the command from standard input (one trailing newline dropped)\n"
	"  The words of COMMAND are joined with spaces. Control characters other than newline\n"
	"  and tab are refused, and so is a command outside the target terminals' --allow list.\n"
	"  Unless paused, the terminals it may go to are checked at once and it is delivered\n"
	"  to one that is idle.\n",
	cmd_enqueue
};

const struct cmd_entry cmd_ls_entry = {
	"ls", "[--json] [--status S]", "list queued and today's finished items",
	"  --status S  only items in state S: pending, ready, blocked, stuck, running, done,\n"
	"              failed, cancelled (ready, blocked and stuck are the kinds of pending;\n"
	"              stuck: a dependency failed or was cancelled, directly or upstream)\n"
	"  --json      {\"items\": [...]}: each item as stored, plus \"ready\", \"blockedBy\"\n"
	"              and \"why\" (why a pending item does not start: its blockers, a failed\n"
	"              dependency, a cycle, or no terminal it is assigned to exists)\n",
	cmd_ls
};

/* The command must suit at least one terminal it may go to; none at all means it can never run. */
static int
queue_check_allowed(cJSON **terms, size_t n, const char *command, const char *to)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (terminal_allows(terms[i], command))
			return 0;
	}
	return td_error(TD_EXIT_FAIL, "refused: the command is outside the --allow list of %s",
	    to);
}

struct enqueue_args {
	const char *to, *id, *title, *phase, *mode, *profile, *model, *in, *done_when, *review;
	const char *base, *branch, *repo;
	int oneshot, worktree, keep;
	cJSON *after;
	long long priority;
	long long cont; /* --continue N; < 0: none given */
	double estimate; /* seconds; < 0: none given */
	double timeout;  /* seconds; < 0: none given */
	long long retries; /* < 0: none given */
	char *command;
	char *canonical_review; /* review's canonical name, owned */
};

/*
 * A hand-written item may already wait on the new id: then an --after that leads back to it
 * closes a cycle and neither would ever start. Asked of the graph with the item in it.
 */
static int
enqueue_check_cycle(struct state *st, const cJSON *item)
{
	struct graph *g = graph_get(st);
	size_t *nodes, n = graph_cycle_through(g, graph_node(g, state_str(item, ITEM_ID)), &nodes);
	char *cycle;

	if (n == 0) {
		free(nodes);
		return 0;
	}
	cycle = graph_path_text(g, nodes, n);
	td_error(TD_EXIT_USAGE, "refused: --after %s would close the cycle %s",
	    g->nodes[nodes[n - 1]].id, cycle);
	free(cycle);
	free(nodes);
	return TD_EXIT_USAGE;
}

static void
enqueue_set_worktree(cJSON *item, const struct enqueue_args *a)
{
	cJSON_AddTrueToObject(item, ITEM_WORKTREE);
	if (a->profile != NULL)
		state_set_str(item, ITEM_PROFILE, a->profile);
	if (a->model != NULL)
		state_set_str(item, ITEM_MODEL, a->model);
	if (a->base != NULL)
		state_set_str(item, WORKTREE_BASE, a->base);
	if (a->branch != NULL)
		state_set_str(item, ITEM_BRANCH, a->branch);
	if (a->keep)
		cJSON_AddTrueToObject(item, WORKTREE_KEEP);
}

static void
enqueue_set_fields(cJSON *item, const struct enqueue_args *a)
{
	if (a->title != NULL)
		state_set_str(item, ITEM_TITLE, a->title);
	if (a->phase != NULL)
		state_set_str(item, ITEM_PHASE, a->phase);
	if (a->estimate >= 0)
		state_set_num(item, ITEM_ESTIMATE, a->estimate);
	if (a->mode != NULL)
		state_set_str(item, ITEM_MODE, a->mode);
	if (a->timeout > 0)
		state_set_num(item, ITEM_TIMEOUT, a->timeout);
	if (a->retries >= 0)
		state_set_num(item, ITEM_RETRIES, (double)a->retries);
	if (a->cont >= 0)
		state_set_num(item, ITEM_CONTINUE, (double)a->cont);
	if (a->done_when != NULL)
		state_set_str(item, ITEM_DONE_WHEN, a->done_when);
	if (a->worktree)
		enqueue_set_worktree(item, a);
	if (!a->oneshot)
		return;
	cJSON_AddTrueToObject(item, ITEM_ONESHOT);
	state_set_str(item, ITEM_PROFILE, a->profile);
	if (a->model != NULL)
		state_set_str(item, ITEM_MODEL, a->model);
	if (a->to != NULL)
		state_set_str(item, ITEM_AGENT, a->to);
	if (a->in != NULL)
		state_set_str(item, ONESHOT_IN, a->in);
}

/* Its profile and names usable now, so a one-shot that cannot run never waits for a check. */
static int
enqueue_check_oneshot(struct state *st, const cJSON *item)
{
	char *cause;
	int rc;

	if ((rc = oneshot_check_item(st->dir, item, &cause)) != 0) {
		td_error(rc, "refused: --oneshot: %s", cause);
		free(cause);
	}
	return rc;
}

/* Its repository, base, branch, directory and profile usable now (worktree.h). */
static int
enqueue_check_worktree(struct state *st, cJSON *item, const char *repo)
{
	char cwd[PATH_MAX], *cause;
	int rc;

	if (repo == NULL && getcwd(cwd, sizeof cwd) == NULL)
		return td_error(TD_EXIT_FAIL, "cannot tell the current directory");
	if ((rc = worktree_prepare(st, item, repo != NULL ? repo : cwd, &cause)) != 0) {
		td_error(rc, "refused: --worktree: %s", cause);
		free(cause);
	}
	return rc;
}

/* The whole template filled in now, {{agent}} aside, so a broken one never waits for a check. */
static int
enqueue_check_mode(struct state *st, const cJSON *item)
{
	char *text, *cause;
	int rc;

	if ((rc = mode_render(st->path, item, NULL, &text, &cause)) != 0) {
		td_error(rc, "refused: --mode %s: %s", state_str(item, ITEM_MODE), cause);
		free(cause);
		return rc;
	}
	free(text);
	return 0;
}

/* The reviewer must exist now; it is kept by its canonical name, as assignedTo is. */
static int
enqueue_check_review(struct state *st, struct enqueue_args *a)
{
	cJSON **terms = NULL;
	char *canonical = NULL;
	size_t n = 0;
	int rc;

	if ((rc = terminal_select(st, a->review, &terms, &n, &canonical)) == 0)
		a->review = a->canonical_review = canonical;
	free(terms);
	return rc;
}

static int
enqueue_apply(struct state *st, struct enqueue_args *a, struct check_plan *plan)
{
	cJSON **terms = NULL, *item, *dep;
	char *assigned = NULL;
	size_t n = 0;
	int rc = 0;

	/* A one-shot is typed into no terminal: --to is its agent name. A worktree task goes to
	 * the agent started for it (and has no --to). */
	if (!a->oneshot && a->to != NULL) {
		if ((rc = terminal_select(st, a->to, &terms, &n, &assigned)) != 0 ||
		    (rc = queue_check_allowed(terms, n, a->command, a->to)) != 0)
			goto out;
	} else if (!a->oneshot && !a->worktree && st->terminals->child != NULL) {
		/* For anyone: some registered terminal must accept it, or it never runs. */
		if ((rc = terminal_select(st, "all", &terms, &n, &assigned)) != 0 ||
		    (rc = queue_check_allowed(terms, n, a->command, "every terminal")) != 0)
			goto out;
		free(assigned);
		assigned = NULL;
		free(terms);
		terms = NULL;
		n = 0;
	}
	if (a->id != NULL && state_item(st, a->id) != NULL) {
		rc = td_error(TD_EXIT_FAIL, "an item with id '%s' exists already", a->id);
		goto out;
	}
	if (a->id != NULL && state_archived(st, a->id) != NULL) {
		rc = td_error(TD_EXIT_FAIL, "an item with id '%s' finished on an earlier day (it is "
		    "in the history file)", a->id);
		goto out;
	}
	/* An item of an earlier day counts: it comes back to completedToday while waited on. */
	cJSON_ArrayForEach(dep, a->after) {
		if (state_item(st, dep->valuestring) == NULL &&
		    state_restore(st, dep->valuestring) == NULL) {
			rc = td_error(TD_EXIT_NOTFOUND, "--after %s: no such item", dep->valuestring);
			goto out;
		}
	}
	if (a->review != NULL && (rc = enqueue_check_review(st, a)) != 0)
		goto out;
	item = item_create(st, a->id, a->command);
	if (assigned != NULL)
		state_set_str(item, ITEM_ASSIGNED, assigned);
	cJSON_ReplaceItemInObjectCaseSensitive(item, ITEM_DEPENDS, cJSON_Duplicate(a->after, 1));
	state_set_num(item, ITEM_PRIORITY, (double)a->priority);
	enqueue_set_fields(item, a);
	if (a->review != NULL)
		state_set_str(item, ITEM_REVIEWER, a->review);
	if (a->mode != NULL && (rc = enqueue_check_mode(st, item)) != 0)
		goto out;
	if (a->oneshot && (rc = enqueue_check_oneshot(st, item)) != 0)
		goto out;
	if (a->worktree && (rc = enqueue_check_worktree(st, item, a->repo)) != 0)
		goto out;
	if (a->after->child != NULL && (rc = enqueue_check_cycle(st, item)) != 0)
		goto out;
	/* Auto-dispatch: the same locked read-modify-write also takes it to an idle terminal. */
	if (!check_paused(st))
		check_plan(st, terms, terms != NULL ? n : 0, CHECK_AUTO | CHECK_QUIET, plan);
	if ((rc = check_commit(st, plan)) == 0) {
		printf("%s\n", state_str(item, ITEM_ID));
		fflush(stdout);
		if (plan->untrusted != NULL)
			td_error(0, "queued; nothing is delivered from here: %s", plan->untrusted);
		else if (plan->n == 0)
			check_sync(st, plan);
	}
out:
	free(terms);
	free(assigned);
	return rc;
}

static int
enqueue_check_labels(const struct enqueue_args *a)
{
	const char *why;

	if (a->title != NULL && (why = queue_check_label(a->title)) != NULL)
		return td_error(TD_EXIT_USAGE, "refused: --title %s", why);
	if (a->phase != NULL && (why = queue_check_label(a->phase)) != NULL)
		return td_error(TD_EXIT_USAGE, "refused: --phase %s", why);
	if (a->mode != NULL && (why = mode_check_name(a->mode)) != NULL)
		return td_error(TD_EXIT_USAGE, "refused: --mode %s %s", a->mode, why);
	if (!a->oneshot && !a->worktree && (a->profile != NULL || a->model != NULL))
		return td_error(TD_EXIT_USAGE, "refused: --%s is for --oneshot or --worktree",
		    a->profile != NULL ? "profile" : "model");
	if (!a->oneshot && a->in != NULL)
		return td_error(TD_EXIT_USAGE, "refused: --in is for --oneshot");
	if (!a->worktree && (a->base != NULL || a->branch != NULL || a->repo != NULL || a->keep))
		return td_error(TD_EXIT_USAGE, "refused: --%s is for --worktree", a->base != NULL ?
		    "base" : a->branch != NULL ? "branch" : a->repo != NULL ? "repo" : "keep-agent");
	if (a->worktree && a->oneshot)
		return td_error(TD_EXIT_USAGE, "refused: --worktree and --oneshot: a one-shot runs "
		    "no interactive agent");
	if (a->worktree && a->to != NULL)
		return td_error(TD_EXIT_USAGE, "refused: --worktree starts its own agent: no --to");
	if (a->retries >= 0 && a->timeout < 0)
		return td_error(TD_EXIT_USAGE, "refused: --retries is for --timeout");
	if (a->oneshot && a->profile == NULL)
		return td_error(TD_EXIT_USAGE, "refused: --oneshot needs --profile");
	if (a->done_when != NULL && (why = result_check_regex(a->done_when)) != NULL)
		return td_error(TD_EXIT_USAGE, "refused: --done-when %s", why);
	return 0;
}

static int
cmd_enqueue(struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "to", required_argument, NULL, 't' },
		{ "id", required_argument, NULL, 'i' },
		{ "after", required_argument, NULL, 'a' },
		{ "priority", required_argument, NULL, 'p' },
		{ "stdin", no_argument, NULL, 's' },
		{ "title", required_argument, NULL, 'T' },
		{ "estimate", required_argument, NULL, 'e' },
		{ "phase", required_argument, NULL, 'P' },
		{ "mode", required_argument, NULL, 'm' },
		{ "oneshot", no_argument, NULL, 'o' },
		{ "profile", required_argument, NULL, 'r' },
		{ "model", required_argument, NULL, 'M' },
		{ "continue", required_argument, NULL, 'C' },
		{ "in", required_argument, NULL, 'I' },
		{ "done-when", required_argument, NULL, 'd' },
		{ "review", required_argument, NULL, 'R' },
		{ "timeout", required_argument, NULL, 'x' },
		{ "retries", required_argument, NULL, 'y' },
		{ "worktree", no_argument, NULL, 'w' },
		{ "base", required_argument, NULL, 'b' },
		{ "branch", required_argument, NULL, 'B' },
		{ "repo", required_argument, NULL, 'G' },
		{ "keep-agent", no_argument, NULL, 'k' },
		ARGS_HELP, { NULL, 0, NULL, 0 }
	};
	struct enqueue_args a = { .after = cJSON_CreateArray(), .estimate = -1, .cont = -1,
		.timeout = -1, .retries = -1 };
	struct check_plan plan = { 0 };
	int c, rc = 0, from_stdin = 0;
	const char *why;
	struct state st;

	while ((c = args_next(ctx, argc, argv, "+t:i:a:p:sT:e:P:m:or:M:C:I:d:R:x:y:wb:B:G:k", opts,
	    &rc)) != -1) {
		switch (c) {
		case 't':
			a.to = optarg;
			break;
		case 'i':
			a.id = optarg;
			break;
		case 'a':
			cJSON_AddItemToArray(a.after, cJSON_CreateString(optarg));
			break;
		case 'p':
			if (args_int(ctx, "--priority", optarg, -1000000000, 1000000000,
			    &a.priority) == 0)
				break;
			rc = TD_EXIT_USAGE;
			goto out;
		case 's':
			from_stdin = 1;
			break;
		case 'T':
			a.title = optarg;
			break;
		case 'e':
			if (duration_parse(optarg, &a.estimate) == 0)
				break;
			rc = args_usage(ctx, "--estimate must be a duration: %s, not '%s'",
			    DURATION_FORMS, optarg);
			goto out;
		case 'P':
			a.phase = optarg;
			break;
		case 'm':
			a.mode = optarg;
			break;
		case 'o':
			a.oneshot = 1;
			break;
		case 'r':
			a.profile = optarg;
			break;
		case 'M':
			a.model = optarg;
			break;
		case 'x':
			if (watch_parse_timeout(optarg, &a.timeout) == 0)
				break;
			rc = args_usage(ctx, "--timeout must be a duration above 0: %s, not '%s'",
			    DURATION_FORMS, optarg);
			goto out;
		case 'y':
			if (args_int(ctx, "--retries", optarg, 0, WATCH_RETRIES_MAX, &a.retries) == 0)
				break;
			rc = TD_EXIT_USAGE;
			goto out;
		case 'C':
			if (args_int(ctx, "--continue", optarg, 0, CONTINUE_MAX, &a.cont) == 0)
				break;
			rc = TD_EXIT_USAGE;
			goto out;
		case 'I':
			a.in = optarg;
			break;
		case 'd':
			a.done_when = optarg;
			break;
		case 'R':
			a.review = optarg;
			break;
		case 'w':
			a.worktree = 1;
			break;
		case 'b':
			a.base = optarg;
			break;
		case 'B':
			a.branch = optarg;
			break;
		case 'G':
			a.repo = optarg;
			break;
		case 'k':
			a.keep = 1;
			break;
		default:
			goto out;
		}
	}
	if ((a.command = args_text(ctx, argc - optind, argv + optind, from_stdin)) == NULL) {
		rc = TD_EXIT_USAGE;
		goto out;
	}
	if ((why = queue_check_command(a.command)) != NULL) {
		rc = td_error(TD_EXIT_USAGE, "refused: %s", why);
		goto out;
	}
	if (a.id != NULL && (why = queue_check_id(a.id)) != NULL) {
		rc = td_error(TD_EXIT_USAGE, "invalid item id: %s", why);
		goto out;
	}
	if ((rc = enqueue_check_labels(&a)) != 0)
		goto out;
	check_prepare(ctx->state_path, 0);
	if ((rc = state_open(&st, ctx->state_path, STATE_WRITE)) == 0)
		rc = enqueue_apply(&st, &a, &plan);
	state_close(&st);
	if (rc == 0)
		rc = check_deliver(&plan);
	check_plan_free(&plan);
out:
	free(a.command);
	free(a.canonical_review);
	cJSON_Delete(a.after);
	return rc;
}

static int
queue_status_matches(const char *filter, const char *status, const char *shown)
{
	return filter == NULL || strcmp(filter, status) == 0 || strcmp(filter, shown) == 0;
}

/* One line of a possibly multi-line command, for a table cell; other controls as \xHH. */
static void
queue_print_command(const char *command, size_t width)
{
	size_t shown = 0, len = 0;
	const unsigned char *s = (const unsigned char *)command;
	char *buf = xmalloc(strlen(command) * 3 + 4);

	for (; *s != '\0'; s++) {
		if ((*s & 0xc0) != 0x80 && shown++ == width) {
			memcpy(buf + len, "…", 3);
			len += 3;
			break;
		}
		if (*s == '\n') {
			memcpy(buf + len, "⏎", 3);
			len += 3;
		} else
			buf[len++] = *s == '\t' ? ' ' : (char)*s;
	}
	buf[len] = '\0';
	td_print_safe(stdout, buf);
	putchar('\n');
	free(buf);
}

static void
queue_ls_item(struct state *st, const cJSON *item, const char *filter, cJSON *list)
{
	const char *status = state_str(item, ITEM_STATUS), *blocker, *shown, *to;
	const struct graph_node *node;
	char *why = NULL;
	cJSON *copy;

	shown = queue_shown_status(st, item);
	if (!queue_status_matches(filter, status, shown))
		return;
	if (list != NULL) {
		copy = cJSON_Duplicate(item, 1);
		cJSON_AddBoolToObject(copy, "ready", strcmp(shown, QUEUE_READY) == 0);
		schedule_ready(st, item, &blocker);
		if (blocker != NULL)
			cJSON_AddStringToObject(copy, "blockedBy", blocker);
		else
			cJSON_AddNullToObject(copy, "blockedBy");
		/* Why a pending item does not start: its blockers, a failed root, a cycle. */
		if (strcmp(status, ST_PENDING) == 0 &&
		    (node = graph_node(graph_get(st), state_str(item, ITEM_ID))) != NULL)
			why = graph_why(graph_get(st), node);
		if (why == NULL)
			why = orphan_why(st, item);
		if (why != NULL)
			cJSON_AddStringToObject(copy, "why", why);
		else
			cJSON_AddNullToObject(copy, "why");
		free(why);
		cJSON_AddItemToArray(list, copy);
		return;
	}
	to = state_str(item, ITEM_ASSIGNED);
	printf("%-12s %-10s %-16s %4.0f  ", state_str(item, ITEM_ID), shown,
	    to != NULL ? to : "-", cJSON_GetObjectItemCaseSensitive(item, ITEM_PRIORITY)->valuedouble);
	queue_print_command(state_str(item, ITEM_COMMAND), 60);
	/* An item that will not start until someone acts says why, under it. */
	node = strcmp(status, ST_PENDING) == 0 ? graph_node(graph_get(st),
	    state_str(item, ITEM_ID)) : NULL;
	if (node != NULL && (node->kind == GRAPH_STUCK || node->kind == GRAPH_NEVER))
		why = graph_why(graph_get(st), node);
	if (why == NULL)
		why = orphan_why(st, item);
	if (why != NULL)
		td_say("%12s %s", "", why);
	free(why);
}

static int
cmd_ls(struct cmd_ctx *ctx, int argc, char **argv)
{
	static const char *const filters[] = { ST_PENDING, QUEUE_READY, QUEUE_BLOCKED,
		QUEUE_STUCK, ST_RUNNING, ST_DONE, ST_FAILED, ST_CANCELLED, NULL };
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "status", required_argument, NULL, 's' },
		ARGS_HELP, { NULL, 0, NULL, 0 }
	};
	const char *filter = NULL, *const *f;
	struct state st;
	cJSON *item, *out = NULL, *list = NULL;
	int c, rc = 0;

	while ((c = args_next(ctx, argc, argv, "js:", opts, &rc)) != -1) {
		if (c == 'j')
			out = out != NULL ? out : cJSON_CreateObject();
		else if (c == 's')
			filter = optarg;
		else
			goto done;
	}
	if (argc != optind) {
		rc = args_usage(ctx, "unexpected argument '%s'", argv[optind]);
		goto done;
	}
	for (f = filters; filter != NULL && *f != NULL && strcmp(*f, filter) != 0; f++)
		;
	if (filter != NULL && *f == NULL) {
		rc = args_usage(ctx, "unknown status '%s'", filter);
		goto done;
	}
	if ((rc = state_open(&st, ctx->state_path, STATE_READ)) == 0) {
		if (out != NULL)
			list = cJSON_AddArrayToObject(out, "items");
		else if (st.queue->child != NULL || st.completed->child != NULL)
			printf("%-12s %-10s %-16s %4s  %s\n", "ID", "STATUS", "TO", "PRI", "COMMAND");
		cJSON_ArrayForEach(item, st.queue)
			queue_ls_item(&st, item, filter, list);
		cJSON_ArrayForEach(item, st.completed)
			queue_ls_item(&st, item, filter, list);
		if (out != NULL) {
			state_json_print(out);
		}
	}
	state_close(&st);
done:
	cJSON_Delete(out);
	return rc;
}
