/* worktree ls, worktree rm: the git worktrees that worktree tasks made (worktree.h). */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "item.h"
#include "state.h"
#include "tmux-dispatch.h"
#include "worktree.h"

static int cmd_worktree_ls(struct cmd_ctx *, int, char **);
static int cmd_worktree_rm(struct cmd_ctx *, int, char **);

const struct cmd_entry cmd_worktree_ls_entry = {
	"worktree ls", "[--json]",
	"list the git worktrees of worktree tasks: clean or dirty, commits ahead, merged or not",
	"  Every item that got a worktree, today's and earlier days' (the history file): its\n"
	"  id, status, branch, whether the directory has changes not committed (git status),\n"
	"  the commits on its branch not in its base, and whether the branch is merged (its\n"
	"  tip is in the history of the main work tree's HEAD).\n"
	"  --json  {\"worktrees\": [{\"id\", \"status\", \"path\", \"branch\", \"repo\", \"base\",\n"
	"          \"exists\", \"dirty\", \"commitsAhead\", \"merged\"}]}; null: not known\n",
	cmd_worktree_ls
};

const struct cmd_entry cmd_worktree_rm_entry = {
	"worktree rm", "ID [--force]",
	"remove item ID's worktree, only when it is clean and its branch merged",
	"  Never the main work tree, nor a directory git worktree list does not name; never\n"
	"  while the item is pending or running, or its agent is still a terminal. A merged\n"
	"  branch is deleted with git branch -d.\n"
	"  --force  also remove a dirty or unmerged worktree's directory (its changes are\n"
	"           lost); a branch with commits not merged is still kept\n",
	cmd_worktree_rm
};

/* The items with a worktree, live ones first, then the history's not also live. */
static void
worktree_items(struct state *st, const cJSON ***list, size_t *n)
{
	const cJSON *lists[] = { st->queue, st->completed, NULL }, *item;
	size_t i;

	*n = 0;
	*list = NULL;
	state_archived(st, ""); /* reads the history file */
	lists[2] = st->history;
	for (i = 0; i < 3; i++) {
		cJSON_ArrayForEach(item, lists[i]) {
			if (!worktree_of(item) || worktree_waiting(item) ||
			    (i == 2 && state_item(st, state_str(item, ITEM_ID)) != NULL))
				continue;
			*list = xreallocarray(*list, *n + 1, sizeof **list);
			(*list)[(*n)++] = item;
		}
	}
}

static void
worktree_add_tri(cJSON *o, const char *key, int v)
{
	if (v < 0)
		cJSON_AddNullToObject(o, key);
	else
		cJSON_AddBoolToObject(o, key, v);
}

static cJSON *
worktree_json(const cJSON *item, const struct worktree_info *w)
{
	static const char *const keys[] = { ITEM_ID, ITEM_STATUS, ITEM_WORKTREE, ITEM_BRANCH,
		WORKTREE_REPO, WORKTREE_BASE, NULL };
	const char *const *k;
	cJSON *o = cJSON_CreateObject();

	for (k = keys; *k != NULL; k++) {
		if (state_str(item, *k) != NULL)
			cJSON_AddStringToObject(o, strcmp(*k, ITEM_WORKTREE) == 0 ? "path" : *k,
			    state_str(item, *k));
		else
			cJSON_AddNullToObject(o, strcmp(*k, ITEM_WORKTREE) == 0 ? "path" : *k);
	}
	cJSON_AddBoolToObject(o, "exists", w->exists);
	worktree_add_tri(o, "dirty", w->dirty);
	if (w->ahead >= 0)
		cJSON_AddNumberToObject(o, WORKTREE_AHEAD, (double)w->ahead);
	else
		cJSON_AddNullToObject(o, WORKTREE_AHEAD);
	worktree_add_tri(o, "merged", w->merged);
	return o;
}

static void
worktree_line(const cJSON *item, const struct worktree_info *w)
{
	char ahead[24];

	snprintf(ahead, sizeof ahead, w->ahead >= 0 ? "%ld" : "-", w->ahead);
	td_say("%-12s %-9s %-20s %-7s %5s %-6s %s", state_str(item, ITEM_ID),
	    state_str(item, ITEM_STATUS), state_str(item, ITEM_BRANCH) != NULL ?
	    state_str(item, ITEM_BRANCH) : "-", !w->exists ? "removed" : w->dirty == 1 ? "dirty" :
	    w->dirty == 0 ? "clean" : "?", ahead, !w->branch ? "gone" : w->merged == 1 ? "yes" :
	    w->merged == 0 ? "no" : "?", state_str(item, ITEM_WORKTREE));
}

static int
cmd_worktree_ls(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct worktree_info w;
	const cJSON **list;
	struct state st;
	cJSON *out = NULL, *arr = NULL;
	size_t i, n;
	int rc = 0, json = 0;

	if (!args_json(ctx, argc, argv, &json, &rc))
		return rc;
	if (argc != optind)
		return args_usage(ctx, "unexpected argument '%s'", argv[optind]);
	if ((rc = state_open(&st, ctx->state_path, STATE_READ)) == 0) {
		worktree_items(&st, &list, &n);
		if (json)
			arr = cJSON_AddArrayToObject(out = cJSON_CreateObject(), "worktrees");
		else if (n > 0)
			printf("%-12s %-9s %-20s %-7s %5s %-6s %s\n", "ID", "STATUS", "BRANCH",
			    "STATE", "AHEAD", "MERGED", "PATH");
		for (i = 0; i < n; i++) {
			worktree_inspect(list[i], &w);
			if (json)
				cJSON_AddItemToArray(arr, worktree_json(list[i], &w));
			else
				worktree_line(list[i], &w);
		}
		if (json)
			state_json_print(out);
		free(list);
	}
	state_close(&st);
	cJSON_Delete(out);
	return rc;
}

/* Why ITEM's worktree is not anybody's to remove now, or 0. */
static int
worktree_rm_busy(struct state *st, const cJSON *item)
{
	const char *id = state_str(item, ITEM_ID), *on = state_str(item, ITEM_TERMINAL);

	if (!worktree_of(item))
		return td_error(TD_EXIT_USAGE, "refused: %s has no worktree of its own", id);
	if (worktree_waiting(item))
		return td_error(TD_EXIT_USAGE, "refused: %s has no worktree yet", id);
	if (!item_finished(item))
		return td_error(TD_EXIT_FAIL, "refused: %s is %s: its agent works in %s", id,
		    state_str(item, ITEM_STATUS), state_str(item, ITEM_WORKTREE));
	if (on != NULL && state_terminal(st, on) != NULL)
		return td_error(TD_EXIT_FAIL, "refused: its agent %s is still a terminal "
		    "(tmux-dispatch down %s first)", on, on);
	return 0;
}

static int
cmd_worktree_rm(struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "force", no_argument, NULL, 'F' }, ARGS_HELP, { NULL, 0, NULL, 0 }
	};
	const cJSON *item;
	struct state st;
	char *cause = NULL;
	int c, rc = 0, force = 0;

	while ((c = args_next(ctx, argc, argv, "", opts, &rc)) != -1) {
		if (c != 'F')
			return rc;
		force = 1;
	}
	if (argc - optind != 1)
		return args_usage(ctx, "expected one item ID");
	/* Read only, and unlocked: git does the removing and keeps its own locks. */
	if ((rc = state_open(&st, ctx->state_path, STATE_READ)) == 0) {
		if ((item = state_item(&st, argv[optind])) == NULL)
			item = state_archived(&st, argv[optind]);
		if (item == NULL)
			rc = td_error(TD_EXIT_NOTFOUND, "no item '%s'", argv[optind]);
		else if ((rc = worktree_rm_busy(&st, item)) == 0 &&
		    (rc = worktree_remove(item, force, &cause)) != 0)
			td_error(rc, "%s", cause);
	}
	free(cause);
	state_close(&st);
	return rc;
}
