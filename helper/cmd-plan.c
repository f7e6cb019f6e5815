/* plan: the dispatch plan of the task graph, and --execute to start what it says may start. */
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "batch.h"
#include "check.h"
#include "duration.h"
#include "graph.h"
#include "limit.h"
#include "observe.h"
#include "orphan.h"
#include "queue.h"
#include "schedule.h"
#include "tmux-dispatch.h"
#include "worktree.h"

#define PLAN_TITLE_WIDTH 30

static int cmd_plan(struct cmd_ctx *, int, char **);

const struct cmd_entry cmd_plan_entry = {
	"plan", "[--workers N] [--json] [--execute [--worktrees [--profile P]]]",
	"the dispatch plan: what can start now, what waits on what, how long the rest takes",
	"  --workers N  plan for N workers (default: the \"all\" limit, else one per terminal)\n"
	"  --json       the plan for scripts (see README \"Task graph\")\n"
	"  --execute    start what may start now (a check, within the limits; with --workers\n"
	"               at most N running in all) and record the items started as a batch\n"
	"  --worktrees  with --execute: every ready item becomes a worktree task (as enqueue\n"
	"               --worktree, in the repository holding the current directory): a git\n"
	"               worktree and a fresh agent each, started within the limits\n"
	"  --profile P  their agents' profile, for items that name none (default claude)\n",
	cmd_plan
};

struct plan_opts {
	int worktrees;
	const char *profile;
};

struct plan {
	struct graph *g;
	struct queue_counts counts;
	size_t workers;
	const char *workers_from; /* "--workers", "limit", "terminals" */
	struct graph_node **ready;
	size_t nready, nstart; /* the first nstart of ready start now */
	size_t *critical, ncritical;
	double critical_seconds, parallel, sequential;
	char **idle; /* terminals with nothing running whose pane is idle now */
	size_t nidle;
};

static size_t
plan_workers(struct state *st, long long asked, const char **from)
{
	long all = limit_get(st, LIMIT_ALL);
	size_t terms = (size_t)cJSON_GetArraySize(st->terminals);

	if (asked > 0) {
		*from = "--workers";
		return (size_t)asked;
	}
	if (all >= 0) {
		*from = "limit";
		return all > 0 ? (size_t)all : 1;
	}
	*from = "terminals";
	return terms > 0 ? terms : 1;
}

static void
plan_idle(struct state *st, struct plan *p)
{
	struct verdict *v;
	const cJSON *term;
	size_t i = 0;

	if (st->terminals->child == NULL)
		return;
	v = observe_all(st);
	p->idle = xcalloc((size_t)cJSON_GetArraySize(st->terminals), sizeof *p->idle);
	cJSON_ArrayForEach(term, st->terminals) {
		if (v[i++].state == PANE_IDLE && schedule_running(st, term) == NULL)
			p->idle[p->nidle++] = term->string;
	}
	free(v);
}

static void
plan_make(struct state *st, long long asked, struct plan *p)
{
	size_t i, free_workers;

	memset(p, 0, sizeof *p);
	p->g = graph_get(st);
	queue_count(st, &p->counts);
	p->workers = plan_workers(st, asked, &p->workers_from);
	p->nready = graph_sorted(p->g, GRAPH_READY, &p->ready);
	free_workers = p->workers > (size_t)p->counts.running ?
	    p->workers - (size_t)p->counts.running : 0;
	/* An all limit of 0 starts nothing, though the estimates assume one worker. */
	if (strcmp(p->workers_from, "limit") == 0 && limit_get(st, LIMIT_ALL) == 0)
		free_workers = 0;
	p->nstart = p->nready < free_workers ? p->nready : free_workers;
	p->critical_seconds = graph_critical_path(p->g, &p->critical, &p->ncritical);
	p->parallel = graph_simulate(p->g, p->workers);
	for (i = 0; i < p->g->n; i++) {
		if (graph_startable(&p->g->nodes[i]))
			p->sequential += p->g->nodes[i].remaining;
	}
	plan_idle(st, p);
}

static void
plan_free(struct plan *p)
{
	free(p->ready);
	free(p->critical);
	free(p->idle);
}

static double
plan_benefit(const struct plan *p)
{
	return p->parallel > 0 ? p->sequential / p->parallel : 1;
}

/* The phase work is in: the running items', else the one that would start first. */
static const char *
plan_phase(const struct plan *p)
{
	const char *phase;
	size_t i;

	for (i = 0; i < p->g->n; i++) {
		if (p->g->nodes[i].kind == GRAPH_RUNNING &&
		    (phase = p->g->nodes[i].phase) != NULL)
			return phase;
	}
	for (i = 0; i < p->nready; i++) {
		if ((phase = p->ready[i]->phase) != NULL)
			return phase;
	}
	return NULL;
}

static int
plan_total(struct state *st)
{
	return cJSON_GetArraySize(st->queue) + cJSON_GetArraySize(st->completed);
}

static cJSON *
plan_ids(cJSON *arr, const char *id)
{
	cJSON_AddItemToArray(arr, cJSON_CreateString(id));
	return arr;
}

/* A ready item; its "why" says when no terminal it is assigned to exists (orphan.h). */
static cJSON *
plan_json_node(struct state *st, const struct graph_node *v)
{
	cJSON *o = cJSON_CreateObject();
	char *title = item_title(v->item), *why = orphan_why(st, v->item);

	cJSON_AddStringToObject(o, "id", v->id);
	cJSON_AddStringToObject(o, "title", title);
	cJSON_AddNumberToObject(o, "estimate", v->estimate);
	cJSON_AddBoolToObject(o, "estimateGuessed", v->guessed);
	cJSON_AddNumberToObject(o, "criticalPath", v->critical);
	cJSON_AddNumberToObject(o, "unblocks", (double)v->unblocks);
	if (why != NULL)
		cJSON_AddStringToObject(o, "why", why);
	else
		cJSON_AddNullToObject(o, "why");
	free(why);
	free(title);
	return o;
}

/* The live items V waits on, and for one that never starts the ids that exist nowhere. */
static cJSON *
plan_blocked_by(const struct graph *g, const struct graph_node *v)
{
	cJSON *ids = cJSON_CreateArray();
	size_t i;

	for (i = 0; i < v->ndeps; i++)
		plan_ids(ids, g->nodes[v->deps[i]].id);
	if (v->missing != NULL && v->cycle < 0)
		plan_ids(ids, v->missing);
	return ids;
}

static cJSON *
plan_json(struct state *st, const struct plan *p)
{
	cJSON *out = cJSON_CreateObject(), *a, *o;
	const struct graph_node *v;
	const char *phase = plan_phase(p);
	char *why;
	size_t i, k;

	cJSON_AddNumberToObject(out, "workers", (double)p->workers);
	if (phase != NULL)
		cJSON_AddStringToObject(out, "phase", phase);
	else
		cJSON_AddNullToObject(out, "phase");
	o = cJSON_AddObjectToObject(out, "counts");
	cJSON_AddNumberToObject(o, "pending", p->counts.pending);
	cJSON_AddNumberToObject(o, "ready", p->counts.ready);
	cJSON_AddNumberToObject(o, "blocked", p->counts.blocked);
	cJSON_AddNumberToObject(o, "stuck", p->counts.stuck);
	cJSON_AddNumberToObject(o, "running", p->counts.running);
	cJSON_AddNumberToObject(o, "done", p->counts.done);
	cJSON_AddNumberToObject(o, "failed", p->counts.failed);
	cJSON_AddNumberToObject(o, "cancelled", p->counts.cancelled);
	cJSON_AddNumberToObject(o, "total", plan_total(st));
	a = cJSON_AddArrayToObject(out, "ready");
	for (i = 0; i < p->nready; i++)
		cJSON_AddItemToArray(a, plan_json_node(st, p->ready[i]));
	a = cJSON_AddArrayToObject(out, "startNow");
	for (i = 0; i < p->nstart; i++)
		plan_ids(a, p->ready[i]->id);
	a = cJSON_AddArrayToObject(out, "queued");
	for (i = p->nstart; i < p->nready; i++)
		plan_ids(a, p->ready[i]->id);
	a = cJSON_AddArrayToObject(out, "blocked");
	for (i = 0; i < p->g->n; i++) {
		v = &p->g->nodes[i];
		if (v->kind != GRAPH_BLOCKED && v->kind != GRAPH_NEVER)
			continue;
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "id", v->id);
		cJSON_AddItemToObject(o, "blockedBy", plan_blocked_by(p->g, v));
		why = graph_why(p->g, v);
		cJSON_AddStringToObject(o, "why", why);
		free(why);
		cJSON_AddItemToArray(a, o);
	}
	a = cJSON_AddArrayToObject(out, "stuck");
	for (i = 0; i < p->g->n; i++) {
		v = &p->g->nodes[i];
		if (v->kind != GRAPH_STUCK)
			continue;
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "id", v->id);
		cJSON_AddStringToObject(o, "root", state_str(v->root, ITEM_ID));
		why = graph_why(p->g, v);
		cJSON_AddStringToObject(o, "reason", why + strlen("stuck: "));
		free(why);
		cJSON_AddItemToArray(a, o);
	}
	o = cJSON_AddObjectToObject(out, "criticalPath");
	a = cJSON_AddArrayToObject(o, "items");
	for (i = 0; i < p->ncritical; i++)
		plan_ids(a, p->g->nodes[p->critical[i]].id);
	cJSON_AddNumberToObject(o, "seconds", p->critical_seconds);
	cJSON_AddNumberToObject(out, "parallelSeconds", p->parallel);
	cJSON_AddNumberToObject(out, "sequentialSeconds", p->sequential);
	cJSON_AddNumberToObject(out, "benefit", plan_benefit(p));
	a = cJSON_AddArrayToObject(out, "cycles");
	for (i = 0; i < p->g->ncycles; i++) {
		cJSON *c = cJSON_CreateArray();
		for (k = 0; k < p->g->cycles[i].n; k++)
			plan_ids(c, p->g->nodes[p->g->cycles[i].nodes[k]].id);
		cJSON_AddItemToArray(a, c);
	}
	a = cJSON_AddArrayToObject(out, "idleTerminals");
	for (i = 0; i < p->nidle; i++)
		plan_ids(a, p->idle[i]);
	return out;
}

/* "4h", or "~1h" for an estimate that is the graph's median, not the item's. */
static void
plan_duration(double seconds, int guessed, char *buf, size_t size)
{
	char d[DURATION_TEXT];

	duration_format(seconds, d);
	snprintf(buf, size, "%s%s", guessed ? "~" : "", d);
}

/* A comma-separated list of the ids of NODES[from..to) (after LABEL), or "-" when empty. */
static void
plan_print_ids(const char *label, struct graph_node **nodes, size_t from, size_t to)
{
	size_t i;

	printf("%s", label);
	for (i = from; i < to; i++) {
		printf("%s", i > from ? ", " : "");
		td_print_safe(stdout, nodes[i]->id);
	}
	printf("%s", from == to ? "-" : "");
}

static void
plan_print_ready(struct state *st, const struct plan *p)
{
	char est[DURATION_TEXT + 1], cp[DURATION_TEXT + 1], *title, *why;
	int idw = 0, n;
	size_t i;

	printf("  Ready for parallel execution (%zu):\n", p->nready);
	for (i = 0; i < p->nready; i++) {
		n = (int)strlen(p->ready[i]->id);
		idw = n > idw ? n : idw;
	}
	for (i = 0; i < p->nready; i++) {
		const struct graph_node *v = p->ready[i];
		title = item_title(v->item);
		plan_duration(v->estimate, v->guessed, est, sizeof est);
		plan_duration(v->critical, 0, cp, sizeof cp);
		td_say("    %-*s  %-*.*s  %5s   critical path %s, unblocks %zu", idw, v->id,
		    PLAN_TITLE_WIDTH, PLAN_TITLE_WIDTH, title, est, cp, v->unblocks);
		if ((why = orphan_why(st, v->item)) != NULL)
			td_say("    %-*s  %s", idw, "", why);
		free(why);
		free(title);
	}
}

static void
plan_print_waiting(const struct plan *p, enum graph_kind kind)
{
	const struct graph_node *v;
	size_t i, n = 0;
	char *why;

	for (i = 0; i < p->g->n; i++) {
		v = &p->g->nodes[i];
		n += v->kind == kind || (kind == GRAPH_BLOCKED && v->kind == GRAPH_NEVER);
	}
	printf("  %s (%zu)%s\n", kind == GRAPH_STUCK ? "Stuck" : "Blocked", n, n > 0 ? ":" : "");
	for (i = 0; i < p->g->n; i++) {
		v = &p->g->nodes[i];
		if (v->kind != kind && !(kind == GRAPH_BLOCKED && v->kind == GRAPH_NEVER))
			continue;
		why = graph_why(p->g, v);
		td_say("    %s  %s", v->id, why);
		free(why);
	}
}

static void
plan_print(struct state *st, const struct plan *p)
{
	const char *phase = plan_phase(p);
	char par[DURATION_TEXT], seq[DURATION_TEXT], cp[DURATION_TEXT];
	size_t i;

	printf("Dispatch plan\n");
	td_say("  Phase: %s   Active: %d   Completed: %d / %d", phase != NULL ? phase : "-",
	    p->counts.running, p->counts.done, plan_total(st));
	plan_print_ready(st, p);
	if (strcmp(p->workers_from, "limit") == 0)
		printf("  Worker limit %ld: ", limit_get(st, LIMIT_ALL));
	else
		printf("  Workers %zu (%s): ", p->workers, strcmp(p->workers_from, "terminals") == 0 ?
		    "one per terminal" : "--workers");
	plan_print_ids("start now ", p->ready, 0, p->nstart);
	plan_print_ids("; queued ", p->ready, p->nstart, p->nready);
	printf("\n");
	duration_format(p->parallel, par);
	duration_format(p->sequential, seq);
	duration_format(p->critical_seconds, cp);
	printf("  Estimated parallel time %s (%zu worker%s)   sequential %s   parallelism benefit "
	    "%.2fx\n", par, p->workers, p->workers == 1 ? "" : "s", seq, plan_benefit(p));
	printf("  Critical path (%s): ", cp);
	for (i = 0; i < p->ncritical; i++) {
		printf("%s", i > 0 ? " -> " : "");
		td_print_safe(stdout, p->g->nodes[p->critical[i]].id);
	}
	printf("%s\n", p->ncritical == 0 ? "-" : "");
	plan_print_waiting(p, GRAPH_BLOCKED);
	plan_print_waiting(p, GRAPH_STUCK);
	printf("  Idle terminals now: ");
	for (i = 0; i < p->nidle; i++) {
		printf("%s", i > 0 ? ", " : "");
		td_print_safe(stdout, p->idle[i]);
	}
	printf("%s\n", p->nidle == 0 ? "none" : "");
}

/* --worktrees: the ready items become worktree tasks of the repository holding the current
 * directory; a refusal writes nothing. */
static int
plan_worktrees(struct state *st, const char *profile)
{
	char cwd[PATH_MAX], *cause;
	int rc;

	if (getcwd(cwd, sizeof cwd) == NULL)
		return td_error(TD_EXIT_FAIL, "cannot tell the current directory");
	if ((rc = worktree_adopt(st, profile, cwd, &cause)) != 0) {
		td_error(rc, "refused: --worktrees: %s", cause);
		free(cause);
	}
	return rc;
}

/* --execute: a check over every terminal under this lock; what it starts becomes a batch. */
static int
plan_execute(struct cmd_ctx *ctx, long long workers, int json, const struct plan_opts *o)
{
	struct check_plan cp = { 0 };
	struct state st;
	cJSON *batch = NULL, *out;
	int rc, agents;

	if ((rc = check_prepare(ctx->state_path, 1)) != 0)
		return rc;
	if (workers > 0)
		limit_cap((long)workers);
	if ((rc = state_open(&st, ctx->state_path, STATE_WRITE)) != 0 ||
	    (o->worktrees && (rc = plan_worktrees(&st, o->profile)) != 0))
		goto out;
	/* The terminals it adds are the worktree tasks' agents it started. */
	agents = cJSON_GetArraySize(st.terminals);
	check_plan(&st, NULL, 0, json ? CHECK_QUIET : 0, &cp);
	agents = cJSON_GetArraySize(st.terminals) - agents;
	if (cp.untrusted != NULL) {
		rc = td_error(TD_EXIT_UNTRUSTED, "%s", cp.untrusted);
		goto out;
	}
	if (cp.n > 0)
		batch = batch_record(&st, cp.ids, cp.n);
	if ((rc = check_commit(&st, &cp)) != 0)
		goto out;
	if (cp.n == 0)
		check_sync(&st, &cp);
	if (json) {
		out = cJSON_CreateObject();
		cJSON_AddItemToObject(out, "batch", batch != NULL ? batch_facts(&st, batch) :
		    cJSON_CreateNull());
		state_json_print(out);
		cJSON_Delete(out);
	} else if (batch != NULL)
		td_say("%s: started %zu item%s", state_str(batch, "id"), cp.n, cp.n == 1 ? "" : "s");
	else if (agents > 0)
		td_say("started %d worktree agent%s: each is given its item once it is idle", agents,
		    agents == 1 ? "" : "s");
	else
		td_say("nothing started: no idle terminal has a ready item it may take");
	state_close(&st);
	rc = check_deliver(&cp);
out:
	state_close(&st);
	check_plan_free(&cp);
	return rc;
}

static int
cmd_plan(struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "workers", required_argument, NULL, 'w' },
		{ "json", no_argument, NULL, 'j' },
		{ "execute", no_argument, NULL, 'x' },
		{ "worktrees", no_argument, NULL, 'W' },
		{ "profile", required_argument, NULL, 'p' },
		ARGS_HELP, { NULL, 0, NULL, 0 }
	};
	struct plan_opts o = { 0, NULL };
	long long workers = 0;
	int c, rc = 0, json = 0, execute = 0;
	struct state st;
	struct plan p;
	cJSON *out;

	while ((c = args_next(ctx, argc, argv, "w:jxWp:", opts, &rc)) != -1) {
		if (c == 'w' && args_int(ctx, "--workers", optarg, 1, 1000000, &workers) != 0)
			return TD_EXIT_USAGE;
		else if (c == 'j')
			json = 1;
		else if (c == 'x')
			execute = 1;
		else if (c == 'W')
			o.worktrees = 1;
		else if (c == 'p')
			o.profile = optarg;
		else if (c != 'w')
			return rc;
	}
	if (argc != optind)
		return args_usage(ctx, "unexpected argument '%s'", argv[optind]);
	if ((o.worktrees || o.profile != NULL) && !execute)
		return args_usage(ctx, "--%s is for --execute", o.worktrees ? "worktrees" :
		    "profile");
	if (o.profile != NULL && !o.worktrees)
		return args_usage(ctx, "--profile is for --worktrees");
	if (execute)
		return plan_execute(ctx, workers, json, &o);
	if ((rc = state_open(&st, ctx->state_path, STATE_READ)) == 0) {
		plan_make(&st, workers, &p);
		if (json) {
			out = plan_json(&st, &p);
			state_json_print(out);
			cJSON_Delete(out);
		} else
			plan_print(&st, &p);
		plan_free(&p);
	}
	state_close(&st);
	return rc;
}
