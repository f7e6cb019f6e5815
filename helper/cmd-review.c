/* review set | rm | ls: who reviews the work of a terminal, a group or all by default (review.h). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "review.h"
#include "state.h"
#include "terminal.h"
#include "tmux-dispatch.h"

static int cmd_review_set(struct cmd_ctx *, int, char **);
static int cmd_review_rm(struct cmd_ctx *, int, char **);
static int cmd_review_ls(struct cmd_ctx *, int, char **);

const struct cmd_entry cmd_review_set_entry = {
	"review set", "all|GROUP|TERMINAL REVIEWER",
	"have REVIEWER review what a terminal, a group or anyone finishes, by default",
	"  all       every terminal\n"
	"  GROUP     the terminals of a group (a group of a registered terminal)\n"
	"  TERMINAL  one registered terminal\n"
	"  REVIEWER  a terminal, all-GROUP or a group, as enqueue --review takes it\n"
	"  An item done on a terminal without a reviewer of its own (enqueue --review) is\n"
	"  reviewed by its terminal's default, else its group's, else all's.\n",
	cmd_review_set
};

const struct cmd_entry cmd_review_rm_entry = {
	"review rm", "NAME", "remove the default reviewer of all, a group or a terminal", NULL,
	cmd_review_rm
};

const struct cmd_entry cmd_review_ls_entry = {
	"review ls", "[--json]", "the default reviewers",
	"  --json  {\"reviewers\": [{\"name\", \"reviewer\"}]}\n",
	cmd_review_ls
};

/* The state's defaults object, created when CREATE and missing; NULL otherwise. */
static cJSON *
review_defaults(struct state *st, int create)
{
	cJSON *d = cJSON_GetObjectItemCaseSensitive(st->root, REVIEW_DEFAULTS);

	if (cJSON_IsObject(d) || !create)
		return cJSON_IsObject(d) ? d : NULL;
	cJSON_DeleteItemFromObjectCaseSensitive(st->root, REVIEW_DEFAULTS);
	return cJSON_AddObjectToObject(st->root, REVIEW_DEFAULTS);
}

/* Whether NAME is all, a registered terminal or the group of one. */
static int
review_known(struct state *st, const char *name)
{
	const cJSON *term;

	if (strcmp(name, "all") == 0 || state_terminal(st, name) != NULL)
		return 1;
	cJSON_ArrayForEach(term, st->terminals) {
		if (strcmp(terminal_group(term), name) == 0)
			return 1;
	}
	return 0;
}

static int
review_set_apply(struct state *st, const char *name, const char *reviewer)
{
	cJSON **terms = NULL;
	char *canonical = NULL;
	size_t n = 0;
	int rc;

	if (!review_known(st, name))
		return td_error(TD_EXIT_NOTFOUND, "no terminal or group '%s' (a default reviewer is "
		    "for all, a group or a terminal)", name);
	if ((rc = terminal_select(st, reviewer, &terms, &n, &canonical)) == 0) {
		state_set_str(review_defaults(st, 1), name, canonical);
		rc = state_commit(st);
	}
	free(canonical);
	free(terms);
	return rc;
}

static int
cmd_review_set(struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = { ARGS_HELP, { NULL, 0, NULL, 0 } };
	struct state st;
	int c, rc = 0;

	while ((c = args_next(ctx, argc, argv, "", opts, &rc)) != -1)
		return rc;
	if (argc - optind != 2)
		return args_usage(ctx, "expected all, a group or a terminal, and REVIEWER");
	if ((rc = state_open(&st, ctx->state_path, STATE_WRITE)) == 0)
		rc = review_set_apply(&st, argv[optind], argv[optind + 1]);
	state_close(&st);
	return rc;
}

static int
cmd_review_rm(struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = { ARGS_HELP, { NULL, 0, NULL, 0 } };
	struct state st;
	cJSON *d;
	int c, rc = 0;

	while ((c = args_next(ctx, argc, argv, "", opts, &rc)) != -1)
		return rc;
	if (argc - optind != 1)
		return args_usage(ctx, "expected NAME");
	if ((rc = state_open(&st, ctx->state_path, STATE_WRITE)) == 0) {
		if ((d = review_defaults(&st, 0)) == NULL ||
		    cJSON_GetObjectItemCaseSensitive(d, argv[optind]) == NULL)
			rc = td_error(TD_EXIT_NOTFOUND, "no default reviewer for '%s'", argv[optind]);
		else {
			cJSON_DeleteItemFromObjectCaseSensitive(d, argv[optind]);
			rc = state_commit(&st);
		}
	}
	state_close(&st);
	return rc;
}

static void
review_ls_print(struct state *st, int json)
{
	cJSON *d = review_defaults(st, 0), *out, *list, *o;
	const cJSON *r;

	if (json) {
		out = cJSON_CreateObject();
		list = cJSON_AddArrayToObject(out, "reviewers");
		cJSON_ArrayForEach(r, d) {
			if (!cJSON_IsString(r))
				continue;
			o = cJSON_CreateObject();
			cJSON_AddStringToObject(o, "name", r->string);
			cJSON_AddStringToObject(o, "reviewer", r->valuestring);
			cJSON_AddItemToArray(list, o);
		}
		state_json_print(out);
		cJSON_Delete(out);
		return;
	}
	cJSON_ArrayForEach(r, d) {
		if (cJSON_IsString(r))
			td_say("%-20s %s", r->string, r->valuestring);
	}
}

static int
cmd_review_ls(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct state st;
	int rc = 0, json = 0;

	if (!args_json(ctx, argc, argv, &json, &rc))
		return rc;
	if (argc != optind)
		return args_usage(ctx, "unexpected argument '%s'", argv[optind]);
	if ((rc = state_open(&st, ctx->state_path, STATE_READ)) == 0)
		review_ls_print(&st, json);
	state_close(&st);
	return rc;
}
