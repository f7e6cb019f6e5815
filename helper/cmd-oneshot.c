/*
 * oneshot-exec, oneshot-ended: what a one-shot's tmux pane runs (oneshot.h). oneshot-exec opens
 * the prompt and output files itself, so no shell redirects anything: the program gets the
 * prompt as standard input and writes stdout and stderr to the output file, which is fsynced
 * once it exits; the exit status is recorded (--status), a check is started so the item ends
 * now rather than at the next one, and the helper exits with the program's status (128 + N
 * for signal N), the pane's dead status.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "durable.h"
#include "oneshot.h"
#include "tmux-dispatch.h"

extern char **environ;

static int cmd_oneshot_exec(struct cmd_ctx *, int, char **);
static int cmd_oneshot_ended(struct cmd_ctx *, int, char **);

const struct cmd_entry cmd_oneshot_exec_entry = {
	"oneshot-exec", "[--status FILE] INPUT OUTPUT -- PROGRAM [ARG...]",
	"run PROGRAM with INPUT as stdin and OUTPUT as stdout and stderr (one-shot runs)",
	"  What a one-shot's pane runs (a check starts it; README \"One-shot runs\"): the\n"
	"  output is fsynced when PROGRAM exits, and the exit status is PROGRAM's (128 + N when\n"
	"  signal N ended it; 127 when it could not be run).\n"
	"  --status FILE  then write that status to FILE (atomically) and start oneshot-ended\n"
	"                 for the state file (-f), which ends the item at once\n",
	cmd_oneshot_exec
};

const struct cmd_entry cmd_oneshot_ended_entry = {
	"oneshot-ended", "",
	"run by oneshot-exec when its program has ended: a check of every terminal",
	"  As a hook's check: pause is respected, nothing is printed, the exit status is 0.\n"
	"  It takes no arguments; given any, it does nothing.\n",
	cmd_oneshot_ended
};

/* The child: stdin from IN, stdout and stderr to OUT, then PROGRAM. Never returns. */
static _Noreturn void
oneshot_exec_child(int in, int out, char **argv)
{
	if (dup2(in, STDIN_FILENO) == -1 || dup2(out, STDOUT_FILENO) == -1 ||
	    dup2(out, STDERR_FILENO) == -1)
		_exit(127);
	execvp(argv[0], argv);
	td_error(0, "cannot run %s: %s", argv[0], strerror(errno));
	_exit(127);
}

static int
oneshot_exec_wait(pid_t pid)
{
	int status;

	while (waitpid(pid, &status, 0) == -1) {
		if (errno != EINTR)
			return 127;
	}
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

/* PROGRAM (ARGV[3]...) run with IN and OUT (ARGV[0], ARGV[1]): its exit status. */
static int
oneshot_exec_run(char **argv)
{
	int in, out, status;
	pid_t pid;

	if ((in = open(argv[0], O_RDONLY | O_CLOEXEC)) == -1)
		return td_error(TD_EXIT_FAIL, "cannot open %s: %s", argv[0], strerror(errno));
	if ((out = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
	    durable_mode_of(argv[0]))) == -1) {
		close(in);
		return td_error(TD_EXIT_FAIL, "cannot open %s: %s", argv[1], strerror(errno));
	}
	if ((pid = fork()) == -1) {
		close(in);
		close(out);
		return td_error(TD_EXIT_FAIL, "fork: %s", strerror(errno));
	}
	if (pid == 0)
		oneshot_exec_child(in, out, argv + 3);
	/* A Ctrl-C in the pane is the program's: this process stays to report how it ended. */
	signal(SIGINT, SIG_IGN);
	status = oneshot_exec_wait(pid);
	if (fsync(out) != 0)
		td_error(0, "fsync %s: %s", argv[1], strerror(errno));
	close(out);
	close(in);
	td_say("%s exited with status %d", argv[3], status);
	return status;
}

/*
 * "HELPER [--state STATE] oneshot-ended", not waited for: in a process group of its own, with
 * SIGHUP ignored and no terminal, so the pane's end (the check kills it) does not end it.
 */
static void
oneshot_exec_notify(const char *state)
{
	char *self = oneshot_self();
	const char *argv[5];
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	size_t n = 0;
	pid_t pid;

	if (self == NULL) {
		td_error(0, "cannot find the helper's own path: the next check ends the item");
		return;
	}
	argv[n++] = self;
	if (state != NULL) {
		argv[n++] = "--state";
		argv[n++] = state;
	}
	argv[n++] = "oneshot-ended";
	argv[n] = NULL;
	signal(SIGHUP, SIG_IGN);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	posix_spawnattr_init(&attr);
	posix_spawnattr_setpgroup(&attr, 0);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
	if (posix_spawn(&pid, self, &fa, &attr, (char *const *)argv, environ) != 0)
		td_error(0, "cannot start %s oneshot-ended: the next check ends the item", self);
	posix_spawnattr_destroy(&attr);
	posix_spawn_file_actions_destroy(&fa);
	free(self);
}

/* STATUS into FILE ("N\n", atomically), then the check that records it. */
static void
oneshot_exec_record(struct cmd_ctx *ctx, const char *file, int status)
{
	char text[16], *cause = NULL;

	snprintf(text, sizeof text, "%d\n", status);
	if (durable_replace(file, text, strlen(text), durable_mode_of(file), &cause) != 0) {
		td_error(0, "%s: the next check ends the item", cause);
		free(cause);
		return;
	}
	oneshot_exec_notify(ctx->state_path);
}

static int
cmd_oneshot_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "status", required_argument, NULL, 's' }, ARGS_HELP, { NULL, 0, NULL, 0 }
	};
	const char *status_file = NULL;
	int c, rc = 0, status;

	while ((c = args_next(ctx, argc, argv, "+s:", opts, &rc)) != -1) {
		if (c != 's')
			return rc;
		status_file = optarg;
	}
	argv += optind;
	if (argc - optind < 4 || strcmp(argv[2], "--") != 0)
		return args_usage(ctx, "give INPUT, OUTPUT, -- and the program to run");
	status = oneshot_exec_run(argv);
	if (status_file != NULL)
		oneshot_exec_record(ctx, status_file, status);
	return status;
}

static int
cmd_oneshot_ended(struct cmd_ctx *ctx, int argc, char **argv)
{
	(void)argv;
	td_quiet(1);
	/* Any argument did not come from oneshot-exec (--help among them): nothing is done. */
	if (argc == 1)
		check_run(ctx->state_path, NULL, CHECK_AUTO | CHECK_QUIET);
	return TD_EXIT_OK;
}
