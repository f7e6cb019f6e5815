/* status, badge: the queue at a glance, for people and for the status line. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "batch.h"
#include "duration.h"
#include "graph.h"
#include "observe.h"
#include "orphan.h"
#include "panes.h"
#include "queue.h"
#include "schedule.h"
#include "stall.h"
#include "check.h"
#include "state.h"
#include "terminal.h"
#include "tmux-dispatch.h"

static int cmd_status(struct cmd_ctx *, int, char **);
static int cmd_badge(struct cmd_ctx *, int, char **);

const struct cmd_entry cmd_status_entry = {
	"status", "[--json] [--batch [ID]]", "terminals, their current items and counts per status",
	"  --json       {\"state\": PATH, \"trusted\": BOOL, \"untrusted\": WHY, \"terminals\": [...],\n"
	"               \"counts\": {...}, \"batches\": [...]} (see README)\n"
	"  --batch [ID] how batch ID (default: the latest) is doing, item by item; with --json\n"
	"               that batch's facts alone\n",
	cmd_status
};

const struct cmd_entry cmd_badge_entry = {
	"badge", "[--format FMT]", "short text for a status line (empty when nothing is queued)",
	"  FMT expands %p pending, %y ready, %b blocked, %s stuck, %r running, %d done,\n"
	"  %f failed, %c cancelled, %% a percent sign. Default: \"" QUEUE_BADGE_FORMAT "\".\n",
	cmd_badge
};

static int
status_pending_for(struct state *st, const cJSON *term)
{
	const cJSON *item;
	int n = 0;

	cJSON_ArrayForEach(item, st->queue) {
		n += strcmp(state_str(item, ITEM_STATUS), ST_PENDING) == 0 &&
		    terminal_takes(st, state_str(item, ITEM_ASSIGNED), term);
	}
	return n;
}

static int
status_percent(const cJSON *facts)
{
	double done = cJSON_GetObjectItemCaseSensitive(facts, "done")->valuedouble;
	double total = cJSON_GetObjectItemCaseSensitive(facts, "total")->valuedouble;

	return total > 0 ? (int)(done * 100 / total) : 100;
}

#define STATUS_ATTENTION_LINES 10

/*
 * The pending items that will not start until someone acts (stuck behind a failure, on or
 * behind a cycle, waiting on an id the state does not hold, assigned to a terminal or group
 * that no longer exists), with why: into LIST for --json, else as lines under the counts,
 * the first STATUS_ATTENTION_LINES of them.
 */
static void
status_attention(struct state *st, cJSON *list)
{
	struct graph *g = graph_get(st);
	const struct graph_node *v;
	size_t i, n = 0;
	cJSON *o;
	char *why;

	for (i = 0; i < g->n; i++) {
		v = &g->nodes[i];
		if (v->kind == GRAPH_STUCK || v->kind == GRAPH_NEVER)
			why = graph_why(g, v);
		else if ((why = orphan_why(st, v->item)) == NULL)
			continue;
		if (list != NULL) {
			o = cJSON_CreateObject();
			cJSON_AddStringToObject(o, "id", v->id);
			cJSON_AddStringToObject(o, "why", why);
			cJSON_AddItemToArray(list, o);
		} else if (n++ < STATUS_ATTENTION_LINES)
			td_say("needs you: %s %s", v->id, why);
		free(why);
	}
	if (n > STATUS_ATTENTION_LINES)
		printf("needs you: %zu more (tmux-dispatch plan lists them all)\n",
		    n - STATUS_ATTENTION_LINES);
}

/* The latest batch in one line, under the counts (the status popup shows it). */
static void
status_batch_line(struct state *st)
{
	cJSON *batch = batch_find(st, NULL), *f;

	if (batch == NULL)
		return;
	f = batch_facts(st, batch);
	td_say("batch %s: %.0f/%.0f done (%d%%), %s", state_str(f, "id"),
	    cJSON_GetObjectItemCaseSensitive(f, "done")->valuedouble,
	    cJSON_GetObjectItemCaseSensitive(f, "total")->valuedouble, status_percent(f),
	    state_str(f, "status"));
	cJSON_Delete(f);
}

/* A result path for people: relative to the state's directory when it is inside it. */
static const char *
status_relative(const struct state *st, const char *path)
{
	size_t n = strlen(st->dir);

	if (strncmp(path, st->dir, n) == 0 && path[n] == '/')
		return path + n + 1;
	return path;
}

static void
status_batch_item(struct state *st, const cJSON *f, int idw)
{
	const char *status = state_str(f, "status"), *term = state_str(f, "terminal");
	const char *result = state_str(f, "result"), *why = state_str(f, "why");
	const cJSON *secs = cJSON_GetObjectItemCaseSensitive(f, "seconds");
	char took[DURATION_TEXT] = "";

	if (cJSON_IsNumber(secs))
		duration_format(secs->valuedouble, took);
	if (why != NULL)
		td_say("  %-*s  %-9s %s(%s)", idw, state_str(f, "id"), strcmp(status, QUEUE_READY) ==
		    0 ? ST_PENDING : status, term != NULL ? term : "", why);
	else
		td_say("  %-*s  %-9s %-12s %-5s%s%s", idw, state_str(f, "id"), status,
		    term != NULL ? term : "-", took, result != NULL ? "   result " : "",
		    result != NULL ? status_relative(st, result) : "");
}

static int
status_batch(struct state *st, const char *id, int json)
{
	cJSON *batch = batch_find(st, id), *f, *e;
	char ago[DURATION_TEXT], at[16] = "?";
	time_t started;
	struct tm tm;
	int idw = 0, n;

	if (batch == NULL && id != NULL)
		return td_error(TD_EXIT_NOTFOUND, "no batch '%s'", id);
	if (batch == NULL)
		return td_error(TD_EXIT_NOTFOUND, "no batch yet: plan --execute and dispatch "
		    "--batch record one");
	f = batch_facts(st, batch);
	if (json) {
		state_json_print(f);
		cJSON_Delete(f);
		return 0;
	}
	if (state_parse_time(state_str(f, "startedAt"), &started) == 0) {
		localtime_r(&started, &tm);
		strftime(at, sizeof at, "%H:%M", &tm);
	} else
		started = st->now;
	duration_format(difftime(st->now, started), ago);
	td_say("Batch %s (started %s, %s ago)", state_str(f, "id"), at, ago);
	cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(f, "items")) {
		n = (int)strlen(state_str(e, "id"));
		idw = n > idw ? n : idw;
	}
	cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(f, "items"))
		status_batch_item(st, e, idw);
	td_say("  Progress: %.0f/%.0f (%d%%)", cJSON_GetObjectItemCaseSensitive(f, "done")->valuedouble,
	    cJSON_GetObjectItemCaseSensitive(f, "total")->valuedouble, status_percent(f));
	if (cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(f, "unblocks")) > 0) {
		char *list = xstrdup(""), *more;
		cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(f, "unblocks")) {
			xasprintf(&more, "%s%s%s %s", list, *list != '\0' ? ", " : "",
			    state_str(e, "id"), state_str(e, "title"));
			free(list);
			list = more;
		}
		td_say("  When all complete, these unblock: %s", list);
		free(list);
	}
	cJSON_Delete(f);
	return 0;
}

static cJSON *
status_json(struct state *st, const struct queue_counts *c)
{
	cJSON *out = cJSON_CreateObject(), *terms, *t, *counts, *batches, *b;
	struct verdict *v = observe_all(st);
	const cJSON *term, *cur;
	size_t i = 0;

	char *untrusted = NULL;

	cJSON_AddStringToObject(out, "state", st->path);
	/* Whether checks deliver from this state (trust.h), and if not why. */
	cJSON_AddBoolToObject(out, "trusted", check_trusted(st->path, &untrusted) == 0);
	if (untrusted != NULL)
		cJSON_AddStringToObject(out, "untrusted", untrusted);
	else
		cJSON_AddNullToObject(out, "untrusted");
	free(untrusted);
	terms = cJSON_AddArrayToObject(out, "terminals");
	cJSON_ArrayForEach(term, st->terminals) {
		t = cJSON_CreateObject();
		cJSON_AddStringToObject(t, "name", term->string);
		cJSON_AddStringToObject(t, "target", state_str(term, "target"));
		cJSON_AddStringToObject(t, "profile", state_str(term, "profile") != NULL ?
		    state_str(term, "profile") : "auto");
		cJSON_AddStringToObject(t, "group", terminal_group(term));
		cur = schedule_running(st, term);
		if (cur != NULL)
			cJSON_AddStringToObject(t, "current", state_str(cur, ITEM_ID));
		else
			cJSON_AddNullToObject(t, "current");
		cJSON_AddNumberToObject(t, "pending", status_pending_for(st, term));
		cJSON_AddStringToObject(t, "state", stall_state(&v[i]));
		cJSON_AddStringToObject(t, "rule", v[i].rule);
		cJSON_AddBoolToObject(t, "stallSuspected", v[i].state == PANE_BUSY &&
		    v[i].seen >= STALL_SUSPECT);
		cJSON_AddItemToArray(terms, t);
		i++;
	}
	free(v);
	counts = cJSON_AddObjectToObject(out, "counts");
	cJSON_AddNumberToObject(counts, "pending", c->pending);
	cJSON_AddNumberToObject(counts, "ready", c->ready);
	cJSON_AddNumberToObject(counts, "blocked", c->blocked);
	cJSON_AddNumberToObject(counts, "stuck", c->stuck);
	cJSON_AddNumberToObject(counts, "running", c->running);
	cJSON_AddNumberToObject(counts, "done", c->done);
	cJSON_AddNumberToObject(counts, "failed", c->failed);
	cJSON_AddNumberToObject(counts, "cancelled", c->cancelled);
	status_attention(st, cJSON_AddArrayToObject(out, "attention"));
	batches = cJSON_AddArrayToObject(out, "batches");
	cJSON_ArrayForEach(b, st->batches)
		cJSON_AddItemToArray(batches, batch_facts(st, b));
	return out;
}

static void
status_print(struct state *st, const struct queue_counts *c)
{
	struct verdict *v = observe_all(st);
	const cJSON *term, *cur;
	size_t i = 0;

	char *untrusted = NULL;

	td_say("state: %s", st->path);
	if (check_trusted(st->path, &untrusted) != 0)
		td_say("not trusted: nothing is delivered from here: %s", untrusted);
	free(untrusted);
	if (st->terminals->child != NULL)
		printf("%-16s %-14s %-8s %-14s %7s  %-10s %s\n", "TERMINAL", "TARGET", "PROFILE",
		    "STATE", "PENDING", "CURRENT", "WHY");
	cJSON_ArrayForEach(term, st->terminals) {
		cur = schedule_running(st, term);
		td_say("%-16s %-14s %-8s %-14s %7d  %-10s %s", term->string,
		    state_str(term, "target"), v[i].profile, stall_label(&v[i]),
		    status_pending_for(st, term), cur != NULL ? state_str(cur, ITEM_ID) : "-",
		    v[i].rule);
		i++;
	}
	free(v);
	printf("queue: %d pending (%d ready, %d blocked, %d stuck), %d running; today: %d done, "
	    "%d failed, %d cancelled\n", c->pending, c->ready, c->blocked, c->stuck, c->running,
	    c->done, c->failed, c->cancelled);
	status_attention(st, NULL);
	status_batch_line(st);
}

static int
cmd_status(struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' }, { "batch", no_argument, NULL, 'b' }, ARGS_HELP,
		{ NULL, 0, NULL, 0 }
	};
	struct queue_counts counts;
	struct state st;
	int c, rc = 0, json = 0, batch = 0;
	cJSON *out;

	while ((c = args_next(ctx, argc, argv, "jb", opts, &rc)) != -1) {
		if (c == 'j')
			json = 1;
		else if (c == 'b')
			batch = 1;
		else
			return rc;
	}
	if (argc - optind > (batch ? 1 : 0))
		return args_usage(ctx, "unexpected argument '%s'", argv[argc - 1]);
	if ((rc = state_open(&st, ctx->state_path, STATE_READ)) == 0) {
		queue_count(&st, &counts);
		if (batch)
			rc = status_batch(&st, optind < argc ? argv[optind] : NULL, json);
		else if (json) {
			out = status_json(&st, &counts);
			state_json_print(out);
			cJSON_Delete(out);
		} else
			status_print(&st, &counts);
	}
	state_close(&st);
	return rc;
}

static int
cmd_badge(struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'F' }, ARGS_HELP, { NULL, 0, NULL, 0 }
	};
	const char *fmt = QUEUE_BADGE_FORMAT;
	struct queue_counts counts;
	struct state st;
	int c, rc = 0;
	char *text;

	while ((c = args_next(ctx, argc, argv, "F:", opts, &rc)) != -1) {
		if (c != 'F')
			return rc;
		fmt = optarg;
	}
	if (argc != optind)
		return args_usage(ctx, "unexpected argument '%s'", argv[optind]);
	if ((rc = state_open(&st, ctx->state_path, STATE_READ)) == 0) {
		queue_count(&st, &counts);
		if (queue_badge(fmt, &counts, &text) != 0)
			rc = args_usage(ctx, "unknown %% sequence in --format '%s'", fmt);
		else {
			if (counts.pending + counts.running > 0)
				puts(text);
			else
				puts("");
			free(text);
		}
	}
	state_close(&st);
	return rc;
}
