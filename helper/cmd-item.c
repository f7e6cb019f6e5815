/* done, fail, cancel, retry: moving one item through its life by hand (item.c does it). */
#include <getopt.h>
#include <string.h>

#include "item.h"
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
	"cancel", "ID", "cancel a pending or running item", NULL, cmd_item
};
const struct cmd_entry cmd_retry_entry = {
	"retry", "ID", "put a finished item back in the queue as pending", NULL, cmd_item
};

static int
cmd_item(struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "reason", required_argument, NULL, 'r' }, ARGS_HELP, { NULL, 0, NULL, 0 }
	};
	const char *name = ctx->entry->name, *reason = NULL, *status;
	int retry = ctx->entry == &cmd_retry_entry, c, rc = 0;
	struct state st;
	cJSON *item;

	while ((c = args_next(ctx, argc, argv, ctx->entry == &cmd_fail_entry ? "r:" : "",
	    ctx->entry == &cmd_fail_entry ? opts : opts + 1, &rc)) != -1) {
		if (c != 'r')
			return rc;
		if (queue_check_command(optarg) != NULL)
			return args_usage(ctx, "the reason must be printable UTF-8 text");
		reason = optarg;
	}
	if (argc - optind != 1)
		return args_usage(ctx, "expected one item ID");
	if ((rc = state_open(&st, ctx->state_path, STATE_WRITE)) != 0)
		goto out;
	if ((item = state_item(&st, argv[optind])) == NULL) {
		rc = td_error(TD_EXIT_NOTFOUND, "no item '%s'", argv[optind]);
		goto out;
	}
	status = state_str(item, ITEM_STATUS);
	if (retry != item_finished(item)) {
		rc = td_error(TD_EXIT_FAIL, "cannot %s item %s: it is %s", name, argv[optind],
		    status);
		goto out;
	}
	if (retry)
		item_retry(&st, item);
	else if (ctx->entry == &cmd_done_entry)
		item_finish(&st, item, ST_DONE, NULL);
	else if (ctx->entry == &cmd_fail_entry)
		item_finish(&st, item, ST_FAILED, reason != NULL ? reason : "marked failed by hand");
	else
		item_finish(&st, item, ST_CANCELLED, NULL);
	rc = state_commit(&st);
out:
	state_close(&st);
	return rc;
}
