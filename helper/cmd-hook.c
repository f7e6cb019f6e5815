/* hook, path, menu: the entry points the tmux plugin calls. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "agenthook.h"
#include "check.h"
#include "watch.h"
#include "tmux-dispatch.h"

static int cmd_hook(struct cmd_ctx *, int, char **);
static int cmd_path(struct cmd_ctx *, int, char **);
static int cmd_menu_terminals(struct cmd_ctx *, int, char **);

const struct cmd_entry cmd_hook_entry = {
	"hook", "silence @WINDOW | mode %PANE | agent EVENT | timer KEY",
	"run by tmux hooks and agents' hooks: a quiet window, a pane leaving copy mode, the end "
	"of an agent's turn or a watch timer triggers a queue-check",
	"  agent EVENT is what `agent-hooks install` writes into an agent's settings: EVENT is\n"
	"  stop (a turn ended: check the queue), notification (the agent needs a person: mark its\n"
	"  window waiting) or session-start; the event's JSON is read from stdin (or, from Codex's\n"
	"  notify, the last argument), the pane from $TMUX_PANE.\n"
	"  timer KEY: the run-shell -d timer a check armed for the nearest deadline of the state\n"
	"  file named by the server option @dispatch_timer_KEY.\n"
	"  Prints nothing and always exits 0: tmux would show output in a pane's view mode, and an\n"
	"  agent may act on a hook's output.\n",
	cmd_hook
};

const struct cmd_entry cmd_path_entry = {
	"path", "", "print the path of the state file in use", NULL, cmd_path
};

const struct cmd_entry cmd_menu_terminals_entry = {
	"menu terminals", "", "print the terminal names, one a line (for the plugin's menu)",
	NULL, cmd_menu_terminals
};

static int
hook_id(const char *id, char sigil)
{
	return id[0] == sigil && id[1] != '\0' && strspn(id + 1, "0123456789") == strlen(id + 1);
}

/* The timer names its state file by key, so no path is in a hook string. */
static void
cmd_hook_timer(const char *key)
{
	char *path = watch_fired(key);

	if (path != NULL)
		check_run(path, NULL, CHECK_AUTO | CHECK_QUIET);
	free(path);
}

static int
cmd_hook(struct cmd_ctx *ctx, int argc, char **argv)
{
	td_quiet(1);
	if (argc >= 2 && strcmp(argv[1], "agent") == 0)
		return agenthook_run(ctx, argc - 2, argv + 2);
	if (argc == 3 && strcmp(argv[1], "timer") == 0) {
		cmd_hook_timer(argv[2]);
		return TD_EXIT_OK;
	}
	/* Hooks pass only %N/@N ids; anything else did not come from our hook strings. */
	if (argc != 3 || !((strcmp(argv[1], "silence") == 0 && hook_id(argv[2], '@')) ||
	    (strcmp(argv[1], "mode") == 0 && hook_id(argv[2], '%'))))
		return TD_EXIT_OK;
	/* A silence hook looks at its window, and at the others once it finished an item there
	 * (a dependency may be done); when no terminal has anything to do, without taking the
	 * lock or asking tmux. */
	if (strcmp(argv[1], "silence") == 0)
		check_focus(argv[2]);
	if (check_wanted(ctx->state_path))
		check_run(ctx->state_path, NULL, CHECK_AUTO | CHECK_QUIET);
	return TD_EXIT_OK;
}

static int
cmd_path(struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = { ARGS_HELP, { NULL, 0, NULL, 0 } };
	int c, rc = 0;
	char *path;

	while ((c = args_next(ctx, argc, argv, "", opts, &rc)) != -1)
		return rc;
	if (argc != optind)
		return args_usage(ctx, "unexpected argument '%s'", argv[optind]);
	path = state_find_path(ctx->state_path);
	td_say("%s", path);
	free(path);
	return 0;
}

static int
cmd_menu_terminals(struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = { ARGS_HELP, { NULL, 0, NULL, 0 } };
	struct state st;
	cJSON *term;
	int c, rc = 0;

	while ((c = args_next(ctx, argc, argv, "", opts, &rc)) != -1)
		return rc;
	if ((rc = state_open(&st, ctx->state_path, STATE_READ)) == 0) {
		cJSON_ArrayForEach(term, st.terminals)
			td_say("%s", term->string);
	}
	state_close(&st);
	return rc;
}
