/* limit set | rm | ls: worker limits, how many items may run at once (limit.h). */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "limit.h"
#include "state.h"
#include "terminal.h"
#include "tmux-dispatch.h"

static int cmd_limit_set(struct cmd_ctx *, int, char **);
static int cmd_limit_rm(struct cmd_ctx *, int, char **);
static int cmd_limit_ls(struct cmd_ctx *, int, char **);

const struct cmd_entry cmd_limit_set_entry = {
	"limit set", "all|GROUP|TERMINAL N",
	"let at most N items run at once in all, in a group or on a terminal",
	"  all       every terminal together\n"
	"  GROUP     the terminals of a group (a group of a registered terminal)\n"
	"  TERMINAL  one registered terminal\n"
	"  N         a whole number from 0 (nothing starts there) to 1000000\n"
	"  A check never starts an item past a limit; items running already go on.\n",
	cmd_limit_set
};

const struct cmd_entry cmd_limit_rm_entry = {
	"limit rm", "NAME", "remove the worker limit of all, a group or a terminal", NULL,
	cmd_limit_rm
};

const struct cmd_entry cmd_limit_ls_entry = {
	"limit ls", "[--json]", "worker limits and the items running under each",
	"  --json  {\"limits\": [{\"name\", \"kind\", \"limit\", \"running\"}]}; kind is all,\n"
	"          group, terminal, or none when no terminal has that name or group now\n",
	cmd_limit_ls
};

/*
 * What NAME's limit applies to: all, a group, a terminal, or NULL: nothing registered now. A
 * name that is both limits both (limit_reached reads it for either); it is shown as the group.
 */
static const char *
limit_kind(struct state *st, const char *name)
{
	const cJSON *term;

	if (strcmp(name, LIMIT_ALL) == 0)
		return "all";
	cJSON_ArrayForEach(term, st->terminals) {
		if (strcmp(terminal_group(term), name) == 0)
			return "group";
	}
	return state_terminal(st, name) != NULL ? "terminal" : NULL;
}

/* The running items NAME's limit counts, as a check counts them (limit_count). */
static long
limit_running(struct state *st, const char *name, const char *kind)
{
	struct limit_count n;

	if (kind == NULL)
		return 0;
	if (strcmp(kind, "group") == 0) {
		limit_count(st, name, NULL, &n);
		return n.group;
	}
	if (strcmp(kind, "terminal") == 0) {
		limit_count(st, NULL, state_terminal(st, name), &n);
		return n.term;
	}
	limit_count(st, NULL, NULL, &n);
	return n.all;
}

static int
cmd_limit_set(struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = { ARGS_HELP, { NULL, 0, NULL, 0 } };
	struct state st;
	long long n;
	int c, rc = 0;

	while ((c = args_next(ctx, argc, argv, "", opts, &rc)) != -1)
		return rc;
	if (argc - optind != 2)
		return args_usage(ctx, "expected all, a group or a terminal, and N");
	if (args_int(ctx, "N", argv[optind + 1], 0, LIMIT_MAX, &n) != 0)
		return TD_EXIT_USAGE;
	if ((rc = state_open(&st, ctx->state_path, STATE_WRITE)) == 0) {
		if (limit_kind(&st, argv[optind]) == NULL)
			rc = td_error(TD_EXIT_NOTFOUND, "no terminal or group '%s' (a limit is for "
			    "all, a group or a terminal)", argv[optind]);
		else {
			limit_put(&st, argv[optind], (long)n);
			rc = state_commit(&st);
		}
	}
	state_close(&st);
	return rc;
}

static int
cmd_limit_rm(struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = { ARGS_HELP, { NULL, 0, NULL, 0 } };
	struct state st;
	int c, rc = 0;

	while ((c = args_next(ctx, argc, argv, "", opts, &rc)) != -1)
		return rc;
	if (argc - optind != 1)
		return args_usage(ctx, "expected NAME");
	if ((rc = state_open(&st, ctx->state_path, STATE_WRITE)) == 0) {
		if (limit_get(&st, argv[optind]) < 0)
			rc = td_error(TD_EXIT_NOTFOUND, "no limit for '%s'", argv[optind]);
		else {
			limit_put(&st, argv[optind], -1);
			rc = state_commit(&st);
		}
	}
	state_close(&st);
	return rc;
}

static void
limit_ls_json(struct state *st)
{
	cJSON *out = cJSON_CreateObject(), *list = cJSON_AddArrayToObject(out, "limits"), *o;
	const cJSON *l;
	const char *kind;

	cJSON_ArrayForEach(l, st->limits) {
		kind = limit_kind(st, l->string);
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "name", l->string);
		cJSON_AddStringToObject(o, "kind", kind != NULL ? kind : "none");
		cJSON_AddNumberToObject(o, "limit", (double)limit_get(st, l->string));
		cJSON_AddNumberToObject(o, "running", (double)limit_running(st, l->string, kind));
		cJSON_AddItemToArray(list, o);
	}
	state_json_print(out);
	cJSON_Delete(out);
}

static void
limit_ls_text(struct state *st)
{
	const cJSON *l;
	const char *kind;

	if (st->limits == NULL || st->limits->child == NULL)
		return;
	printf("%-20s %-8s %7s %7s\n", "NAME", "KIND", "LIMIT", "RUNNING");
	cJSON_ArrayForEach(l, st->limits) {
		kind = limit_kind(st, l->string);
		td_say("%-20s %-8s %7ld %7ld", l->string, kind != NULL ? kind : "none",
		    limit_get(st, l->string), limit_running(st, l->string, kind));
	}
}

static int
cmd_limit_ls(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct state st;
	int rc = 0, json = 0;

	if (!args_json(ctx, argc, argv, &json, &rc))
		return rc;
	if (argc != optind)
		return args_usage(ctx, "unexpected argument '%s'", argv[optind]);
	if ((rc = state_open(&st, ctx->state_path, STATE_READ)) == 0) {
		if (json)
			limit_ls_json(&st);
		else
			limit_ls_text(&st);
	}
	state_close(&st);
	return rc;
}
