/* tmux-dispatch: command table and global options. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "state.h"
#include "tmux-dispatch.h"

static const struct cmd_entry *cmd_table[] = {
	&cmd_terminal_add_entry,
	&cmd_terminal_rm_entry,
	&cmd_terminal_ls_entry,
	&cmd_terminal_import_entry,
	&cmd_terminal_group_entry,
	&cmd_limit_set_entry,
	&cmd_limit_rm_entry,
	&cmd_limit_ls_entry,
	&cmd_review_set_entry,
	&cmd_review_rm_entry,
	&cmd_review_ls_entry,
	&cmd_enqueue_entry,
	&cmd_import_entry,
	&cmd_mode_render_entry,
	&cmd_ls_entry,
	&cmd_done_entry,
	&cmd_fail_entry,
	&cmd_cancel_entry,
	&cmd_retry_entry,
	&cmd_result_entry,
	&cmd_status_entry,
	&cmd_badge_entry,
	&cmd_plan_entry,
	&cmd_dispatch_entry,
	&cmd_check_entry,
	&cmd_send_entry,
	&cmd_pause_entry,
	&cmd_resume_entry,
	&cmd_hook_entry,
	&cmd_path_entry,
	&cmd_state_replace_entry,
	&cmd_trust_entry,
	&cmd_untrust_entry,
	&cmd_menu_terminals_entry,
	&cmd_spawn_entry,
	&cmd_up_entry,
	&cmd_down_entry,
	&cmd_session_ls_entry,
	&cmd_session_show_entry,
	&cmd_session_attach_entry,
	&cmd_oneshot_exec_entry,
	&cmd_oneshot_ended_entry,
	&cmd_session_resume_entry,
	&cmd_agent_hooks_install_entry,
	&cmd_agent_hooks_rm_entry,
	&cmd_agent_hooks_status_entry,
	&cmd_worktree_ls_entry,
	&cmd_worktree_rm_entry,
	&cmd_classify_entry,
	&cmd_profiles_ls_entry,
	&cmd_profiles_show_entry,
	NULL
};

static void
usage(FILE *f)
{
	const struct cmd_entry **entry;

	fprintf(f, "usage: tmux-dispatch [-f STATE] COMMAND [ARGS...]\n"
	    "Push queued work from .terminal-status.json into idle agent panes in tmux.\n\n"
	    "Commands:\n");
	for (entry = cmd_table; *entry != NULL; entry++)
		/* The widest name, "agent-hooks install", still leaves two spaces. */
		fprintf(f, "  %-20s %s\n", (*entry)->name, (*entry)->summary);
	fprintf(f, "\nGlobal options:\n"
	    "  -f, --state FILE   state file (else $TMUX_DISPATCH_STATE, else the nearest\n"
	    "                     .terminal-status.json from the current directory up)\n"
	    "  --version          print the version\n"
	    "  --help             this text; COMMAND --help describes one command\n");
}

/* Matches "terminal add" against argv words; returns how many words the name took. */
static int
cmd_match(const struct cmd_entry *entry, int argc, char **argv)
{
	const char *name = entry->name, *space;
	int used = 0;

	while (used < argc) {
		space = strchr(name, ' ');
		size_t len = space != NULL ? (size_t)(space - name) : strlen(name);
		if (strlen(argv[used]) != len || strncmp(argv[used], name, len) != 0)
			return 0;
		used++;
		if (space == NULL)
			return used;
		name = space + 1;
	}
	return 0;
}

static const struct cmd_entry *
cmd_find(int argc, char **argv, int *used)
{
	const struct cmd_entry **entry;

	for (entry = cmd_table; *entry != NULL; entry++) {
		if ((*used = cmd_match(*entry, argc, argv)) != 0)
			return *entry;
	}
	return NULL;
}

/* "tmux-dispatch terminal --help": the usage of each subcommand. */
static int
cmd_family_help(const char *family)
{
	const struct cmd_entry **entry;
	size_t len = strlen(family);
	int found = 0;

	for (entry = cmd_table; *entry != NULL; entry++) {
		if (strncmp((*entry)->name, family, len) == 0 && (*entry)->name[len] == ' ') {
			printf("usage: tmux-dispatch %s %s\n  %s\n", (*entry)->name,
			    (*entry)->usage, (*entry)->summary);
			found = 1;
		}
	}
	return found;
}

/* "tmux-dispatch terminal" alone: name the subcommands in one line. */
static int
cmd_family_error(const char *family, const char *got)
{
	const struct cmd_entry **entry;
	size_t len = strlen(family), used = 0;
	char names[256] = "";

	for (entry = cmd_table; *entry != NULL; entry++) {
		if (strncmp((*entry)->name, family, len) == 0 && (*entry)->name[len] == ' ') {
			used += (size_t)snprintf(names + used, sizeof names - used, "%s%s",
			    used > 0 ? ", " : "", (*entry)->name + len + 1);
			if (used >= sizeof names)
				break;
		}
	}
	if (used == 0)
		return 0;
	if (got != NULL)
		td_error(TD_EXIT_USAGE, "%s: unknown subcommand '%s' (one of: %s)", family, got, names);
	else
		td_error(TD_EXIT_USAGE, "%s: missing subcommand (one of: %s)", family, names);
	return 1;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "state", required_argument, NULL, 'f' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct cmd_ctx ctx = { 0 };
	int c, used;

	state_close_at_exit();
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:f:h", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			ctx.state_path = optarg;
			break;
		case 'V':
			printf("tmux-dispatch %s\n", TD_VERSION);
			return TD_EXIT_OK;
		case 'h':
			usage(stdout);
			return TD_EXIT_OK;
		case ':':
			return td_error(TD_EXIT_USAGE, "option %s needs a value", argv[optind - 1]);
		default:
			return td_error(TD_EXIT_USAGE, "unknown option %s (see tmux-dispatch --help)",
			    argv[optind - 1]);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0)
		return td_error(TD_EXIT_USAGE, "no command given (see tmux-dispatch --help)");
	if (strcmp(argv[0], "help") == 0 && argc > 1) {
		if ((ctx.entry = cmd_find(argc - 1, argv + 1, &used)) != NULL) {
			args_print_help(ctx.entry, stdout);
			return TD_EXIT_OK;
		}
	}
	if (strcmp(argv[0], "help") == 0) {
		usage(stdout);
		return TD_EXIT_OK;
	}
	if ((ctx.entry = cmd_find(argc, argv, &used)) == NULL) {
		if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) &&
		    cmd_family_help(argv[0]))
			return TD_EXIT_OK;
		if (cmd_family_error(argv[0], argc > 1 ? argv[1] : NULL))
			return TD_EXIT_USAGE;
		return td_error(TD_EXIT_USAGE, "unknown command '%s' (see tmux-dispatch --help)",
		    argv[0]);
	}
	optind = 0;
	return ctx.entry->exec(&ctx, argc - used + 1, argv + used - 1);
}
