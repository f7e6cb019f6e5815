/* mode render: what an item with a prompt template would be told, before any agent is. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "item.h"
#include "mode.h"
#include "name.h"
#include "state.h"
#include "tmux-dispatch.h"

static int cmd_mode_render(struct cmd_ctx *, int, char **);

const struct cmd_entry cmd_mode_render_entry = {
	"mode render", "ID [--agent NAME]",
	"print the text an item with a mode would be delivered as",
	"  ID            an item that has a mode (given to enqueue, or a task's \"mode\")\n"
	"  --agent NAME  the terminal to fill {{agent}} with (default: the one it runs on, else\n"
	"                the terminal or group it is assigned to, else empty)\n"
	"  The templates are read as a check would read them: found beside the state file, then\n"
	"  in $TMUX_DISPATCH_MODES, and refused if untrusted (exit 6).\n",
	cmd_mode_render
};

/* Who {{agent}} is when not given: where the item runs, else whom it is for. */
static const char *
mode_agent(const cJSON *item)
{
	const char *term = state_str(item, ITEM_TERMINAL);

	return term != NULL ? term : state_str(item, ITEM_ASSIGNED);
}

static int
cmd_mode_render(struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "agent", required_argument, NULL, 'a' }, ARGS_HELP, { NULL, 0, NULL, 0 }
	};
	const char *agent = NULL;
	char *text, *cause;
	struct state st;
	cJSON *item;
	int c, rc = 0;

	while ((c = args_next(ctx, argc, argv, "a:", opts, &rc)) != -1) {
		if (c != 'a')
			return rc;
		agent = optarg;
	}
	if (argc - optind != 1)
		return args_usage(ctx, argc == optind ? "no ID given" : "one ID only");
	if (agent != NULL && !name_valid(agent))
		return args_usage(ctx, "--agent must be a terminal name");
	if ((rc = state_open(&st, ctx->state_path, STATE_READ)) != 0)
		goto out;
	if ((item = state_item(&st, argv[optind])) == NULL)
		rc = td_error(TD_EXIT_NOTFOUND, "no item %s", argv[optind]);
	else if (!mode_of(item))
		rc = td_error(TD_EXIT_FAIL, "item %s has no mode", argv[optind]);
	else if ((rc = mode_render(st.path, item, agent != NULL ? agent : mode_agent(item), &text,
	    &cause)) != 0) {
		td_error(rc, "%s", cause);
		free(cause);
	} else {
		/* Checked as typed text is (no control character but newline and tab): as is. */
		fputs(text, stdout);
		putchar('\n');
		free(text);
	}
out:
	state_close(&st);
	return rc;
}
