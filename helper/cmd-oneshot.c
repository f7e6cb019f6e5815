/*
 * oneshot-exec: what a one-shot's tmux pane runs (oneshot.h). It opens the prompt and output
 * files itself, so no shell redirects anything: the program gets the prompt as standard
 * input and writes stdout and stderr to the output file, which is fsynced once it exits; the
 * helper then exits with the program's status (128 + N for signal N), the pane's dead status.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "durable.h"
#include "tmux-dispatch.h"

static int cmd_oneshot_exec(struct cmd_ctx *, int, char **);

const struct cmd_entry cmd_oneshot_exec_entry = {
	"oneshot-exec", "INPUT OUTPUT -- PROGRAM [ARG...]",
	"run PROGRAM with INPUT as stdin and OUTPUT as stdout and stderr (one-shot runs)",
	"  What a one-shot's pane runs (a check starts it; README \"One-shot runs\"): the\n"
	"  output is fsynced when PROGRAM exits, and the exit status is PROGRAM's (128 + N when\n"
	"  signal N ended it; 127 when it could not be run).\n",
	cmd_oneshot_exec
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

static int
cmd_oneshot_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = { ARGS_HELP, { NULL, 0, NULL, 0 } };
	int rc = 0, in, out, status;
	pid_t pid;

	if (args_next(ctx, argc, argv, "+", opts, &rc) != -1)
		return rc;
	argv += optind;
	if (argc - optind < 4 || strcmp(argv[2], "--") != 0)
		return args_usage(ctx, "give INPUT, OUTPUT, -- and the program to run");
	if ((in = open(argv[0], O_RDONLY | O_CLOEXEC)) == -1)
		return td_error(TD_EXIT_FAIL, "cannot open %s: %s", argv[0], strerror(errno));
	if ((out = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
	    durable_mode_of(argv[0]))) == -1)
		return td_error(TD_EXIT_FAIL, "cannot open %s: %s", argv[1], strerror(errno));
	if ((pid = fork()) == -1)
		return td_error(TD_EXIT_FAIL, "fork: %s", strerror(errno));
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
