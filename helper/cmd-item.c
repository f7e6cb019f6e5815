/* done, fail, cancel, retry: moving one item through its life by hand (item.c does it). */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "batch.h"
#include "check.h"
#include "graph.h"
#include "item.h"
#include "launch.h"
#include "oneshot.h"
#include "queue.h"
#include "state.h"
#include "tmux-dispatch.h"

static int cmd_item(struct cmd_ctx *, int, char **);

const struct cmd_entry cmd_done_entry = {
	"done", "ID", "mark an item done", NULL, cmd_item
};
const struct cmd_entry cmd_fail_entry = {
	"fail", "ID [--reason TEXT]", "mark an item failed", NULL, cmd_item
};
const struct cmd_entry cmd_cancel_entry = {
	"cancel", "ID [--with-dependents]", "cancel a pending or running item",
	"  --with-dependents  also cancel every pending or running item that depends on ID,\n"
	"                     directly or through others (ID itself may have failed already);\n"
	"                     prints the ids cancelled\n",
	cmd_item
};
const struct cmd_entry cmd_retry_entry = {
	"retry", "ID", "put a finished item back in the queue as pending", NULL, cmd_item
};

/*
 * Cancels every live item that depends on ROOT, directly or through others, found along the
 * graph's dependents; the ids go to *out, comma-separated, after what it holds.
 */
static void
item_cancel_dependents(struct state *st, const char *root, char **out)
{
	struct graph *g = graph_build(st);
	char *seen = xcalloc(g->n + 1, 1), *more;
	size_t *todo = xcalloc(g->n + 1, sizeof *todo), head = 0, tail = 0, i, k;
	const cJSON *dep;
	struct graph_node *v;

	for (i = 0; i < g->n; i++) {
		cJSON_ArrayForEach(dep, cJSON_GetObjectItemCaseSensitive(g->nodes[i].item,
		    ITEM_DEPENDS)) {
			if (!seen[i] && strcmp(dep->valuestring, root) == 0) {
				seen[i] = 1;
				todo[tail++] = i;
			}
		}
	}
	while (head < tail) {
		v = &g->nodes[todo[head++]];
		for (k = 0; k < v->nkids; k++) {
			if (!seen[v->kids[k]]) {
				seen[v->kids[k]] = 1;
				todo[tail++] = v->kids[k];
			}
		}
		if (strcmp(v->id, root) == 0)
			continue;
		xasprintf(&more, "%s%s%s", *out, **out != '\0' ? ", " : "", v->id);
		free(*out);
		*out = more;
		item_finish(st, v->item, ST_CANCELLED, "a dependency was cancelled");
	}
	free(todo);
	free(seen);
	graph_free(g);
}

static int
cmd_item(struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "reason", required_argument, NULL, 'r' },
		{ "with-dependents", no_argument, NULL, 'w' }, ARGS_HELP, { NULL, 0, NULL, 0 }
	};
	static const struct option cancel_opts[] = {
		{ "with-dependents", no_argument, NULL, 'w' }, ARGS_HELP, { NULL, 0, NULL, 0 }
	};
	const char *name = ctx->entry->name, *reason = NULL, *status;
	int retry = ctx->entry == &cmd_retry_entry, cancel = ctx->entry == &cmd_cancel_entry;
	int c, rc = 0, dependents = 0;
	char *cancelled = xstrdup(""), *program = NULL;
	struct state st;
	cJSON *item;

	while ((c = args_next(ctx, argc, argv, ctx->entry == &cmd_fail_entry ? "r:" :
	    cancel ? "w" : "", ctx->entry == &cmd_fail_entry ? opts : cancel ? cancel_opts :
	    opts + 2, &rc)) != -1) {
		if (c == 'w') {
			dependents = 1;
			continue;
		}
		if (c != 'r') {
			free(cancelled);
			return rc;
		}
		if (queue_check_command(optarg) != NULL) {
			free(cancelled);
			return args_usage(ctx, "the reason must be printable UTF-8 text");
		}
		reason = optarg;
	}
	if (argc - optind != 1) {
		free(cancelled);
		return args_usage(ctx, "expected one item ID");
	}
	if ((rc = state_open(&st, ctx->state_path, STATE_WRITE)) != 0)
		goto out;
	if ((item = state_item(&st, argv[optind])) == NULL) {
		rc = td_error(TD_EXIT_NOTFOUND, "no item '%s'", argv[optind]);
		goto out;
	}
	status = state_str(item, ITEM_STATUS);
	/* What depends on a failed item can be cancelled with it: the item keeps its status. */
	if (dependents && item_finished(item)) {
		item_cancel_dependents(&st, argv[optind], &cancelled);
		goto commit;
	}
	if (retry != item_finished(item)) {
		rc = td_error(TD_EXIT_FAIL, "cannot %s item %s: it is %s", name, argv[optind],
		    status);
		goto out;
	}
	program = oneshot_program(item);
	if (retry)
		item_retry(&st, item);
	else if (ctx->entry == &cmd_done_entry)
		item_finish(&st, item, ST_DONE, NULL);
	else if (ctx->entry == &cmd_fail_entry)
		item_finish(&st, item, ST_FAILED, reason != NULL ? reason : "marked failed by hand");
	else {
		free(cancelled);
		cancelled = xstrdup(argv[optind]);
		item_finish(&st, item, ST_CANCELLED, NULL);
		if (dependents)
			item_cancel_dependents(&st, argv[optind], &cancelled);
	}
commit:
	batch_sync(&st);
	if ((rc = state_commit(&st)) == 0 && dependents)
		td_say("cancelled: %s", *cancelled != '\0' ? cancelled : "nothing");
	/* A one-shot finished by hand is over: its program goes with its pane. */
	if (rc == 0 && program != NULL)
		launch_kill(program);
	/* The status line's badge and silence arming follow the change now, not at the next check. */
	if (rc == 0) {
		struct check_plan none = { 0 };
		check_sync(&st, &none);
		check_plan_free(&none);
	}
out:
	state_close(&st);
	free(cancelled);
	free(program);
	return rc;
}
