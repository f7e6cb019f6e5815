/* status, badge: the queue at a glance, for people and for the status line. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "observe.h"
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
	"status", "[--json]", "terminals, their current items and counts per status",
	"  --json  {\"state\": PATH, \"trusted\": BOOL, \"untrusted\": WHY, \"terminals\": [...],\n"
	"          \"counts\": {...}} (see README)\n",
	cmd_status
};

const struct cmd_entry cmd_badge_entry = {
	"badge", "[--format FMT]", "short text for a status line (empty when nothing is queued)",
	"  FMT expands %p pending, %y ready, %b blocked, %r running, %d done, %f failed,\n"
	"  %c cancelled, %% a percent sign. Default: \"" QUEUE_BADGE_FORMAT "\".\n",
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

/*
 * A terminal's state now, read from its pane, or why it cannot be read. Read-only: the stall
 * count shown is the one a check would record.
 */
static void
status_live(struct state *st, struct panes *panes, struct observe_cache *captures,
    const cJSON *term, struct verdict *v)
{
	const char *pname = state_str(term, "profile");
	struct observation o;
	char *cause = NULL;

	if (observe_terminal(panes, term, NULL, st->dir, captures, &o, &cause) != 0) {
		memset(v, 0, sizeof *v);
		v->state = PANE_UNKNOWN;
		v->profile = pname != NULL ? pname : "auto";
		snprintf(v->rule, sizeof v->rule, "%s", cause);
		free(cause);
		return;
	}
	*v = o.v;
	v->seen = stall_peek(term, o.hash, st->now);
}

static struct verdict *
status_read_all(struct state *st)
{
	struct verdict *v = xcalloc((size_t)cJSON_GetArraySize(st->terminals) + 1, sizeof *v);
	struct observe_cache captures = { 0 };
	struct panes panes;
	const cJSON *term;
	int have = st->terminals->child != NULL && panes_read(&panes) == 0;
	size_t i = 0;

	cJSON_ArrayForEach(term, st->terminals)
		status_live(st, have ? &panes : NULL, &captures, term, &v[i++]);
	observe_cache_free(&captures);
	if (have)
		panes_free(&panes);
	return v;
}

static cJSON *
status_json(struct state *st, const struct queue_counts *c)
{
	cJSON *out = cJSON_CreateObject(), *terms, *t, *counts;
	struct verdict *v = status_read_all(st);
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
	cJSON_AddNumberToObject(counts, "running", c->running);
	cJSON_AddNumberToObject(counts, "done", c->done);
	cJSON_AddNumberToObject(counts, "failed", c->failed);
	cJSON_AddNumberToObject(counts, "cancelled", c->cancelled);
	return out;
}

static void
status_print(struct state *st, const struct queue_counts *c)
{
	struct verdict *v = status_read_all(st);
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
	printf("queue: %d pending (%d ready, %d blocked), %d running; today: %d done, "
	    "%d failed, %d cancelled\n", c->pending, c->ready, c->blocked, c->running, c->done,
	    c->failed, c->cancelled);
}

static int
cmd_status(struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' }, ARGS_HELP, { NULL, 0, NULL, 0 }
	};
	struct queue_counts counts;
	struct state st;
	int c, rc = 0, json = 0;
	cJSON *out;

	while ((c = args_next(ctx, argc, argv, "j", opts, &rc)) != -1) {
		if (c != 'j')
			return rc;
		json = 1;
	}
	if (argc != optind)
		return args_usage(ctx, "unexpected argument '%s'", argv[optind]);
	if ((rc = state_open(&st, ctx->state_path, STATE_READ)) == 0) {
		queue_count(&st, &counts);
		if (json) {
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
