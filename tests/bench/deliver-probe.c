/*
 * deliver-probe: the timing tools bench-deliver.sh needs. libc only (the Makefile links the
 * helper's objects too; nothing here uses them).
 *
 *   deliver-probe run SEED FILE -- COMMAND...
 *       Restores FILE from SEED (temp + fsync + rename, untimed), then spawns COMMAND once with
 *       stdout on /dev/null and prints three numbers: the CLOCK_REALTIME nanoseconds just before
 *       the spawn, the wall time spawn to reap and the CPU time (user + system) of COMMAND, both
 *       in nanoseconds. Fails if COMMAND does not exit 0.
 *   tmux ARGS...  (deliver-probe called through a link named "tmux")
 *       The wrapper TMUX_DISPATCH_TMUX points at: runs $PROBE_TMUX (the real tmux) with ARGS,
 *       the same stdin, stdout and stderr, and appends one line to $PROBE_LOG:
 *           START_NS END_NS STATUS ARGS...   (CLOCK_REALTIME; ARGS joined by spaces)
 *       in one write() with O_APPEND. Exits with tmux's status.
 */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static _Noreturn void
die(const char *what, const char *arg)
{
	fprintf(stderr, "deliver-probe: %s%s%s%s%s\n", what, arg != NULL ? " " : "",
	    arg != NULL ? arg : "", errno != 0 ? ": " : "", errno != 0 ? strerror(errno) : "");
	exit(1);
}

static int64_t
real_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void
restore(const char *seed, const char *path)
{
	char tmp[4096], buf[65536];
	ssize_t n;
	int in, out;

	snprintf(tmp, sizeof tmp, "%s.probe", path);
	if ((in = open(seed, O_RDONLY | O_CLOEXEC)) == -1)
		die("cannot read", seed);
	if ((out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666)) == -1)
		die("cannot write", tmp);
	while ((n = read(in, buf, sizeof buf)) > 0) {
		if (write(out, buf, (size_t)n) != n)
			die("cannot write", tmp);
	}
	if (n < 0 || fsync(out) != 0 || close(out) != 0 || rename(tmp, path) != 0)
		die("cannot restore", path);
	close(in);
}

static int
run(int argc, char **argv)
{
	posix_spawn_file_actions_t fa;
	struct rusage ru;
	int64_t at, t0, t1;
	pid_t pid;
	int ws, rc;

	if (argc < 6 || strcmp(argv[4], "--") != 0) {
		fprintf(stderr, "usage: deliver-probe run SEED FILE -- COMMAND...\n");
		return 2;
	}
	restore(argv[2], argv[3]);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	at = real_ns();
	t0 = at;
	rc = posix_spawnp(&pid, argv[5], &fa, NULL, argv + 5, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc != 0) {
		errno = rc;
		die("cannot run", argv[5]);
	}
	if (wait4(pid, &ws, 0, &ru) != pid)
		die("wait4", NULL);
	t1 = real_ns();
	if (!WIFEXITED(ws) || WEXITSTATUS(ws) != 0) {
		errno = 0;
		die("command failed:", argv[5]);
	}
	printf("%lld %lld %lld\n", (long long)at, (long long)(t1 - t0),
	    (long long)((ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000LL +
	    (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000LL));
	return 0;
}

static int
wrap(int argc, char **argv)
{
	const char *real = getenv("PROBE_TMUX"), *log = getenv("PROBE_LOG");
	char line[65536];
	size_t len;
	int64_t t0, t1;
	pid_t pid;
	int ws, rc, i, fd;

	if (real == NULL || *real == '\0')
		real = "/usr/bin/tmux";
	argv[0] = (char *)real;
	t0 = real_ns();
	if ((rc = posix_spawn(&pid, real, NULL, NULL, argv, environ)) != 0) {
		errno = rc;
		die("cannot run", real);
	}
	while (waitpid(pid, &ws, 0) == -1 && errno == EINTR)
		;
	t1 = real_ns();
	rc = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
	if (log != NULL && *log != '\0') {
		len = (size_t)snprintf(line, sizeof line, "%lld %lld %d", (long long)t0,
		    (long long)t1, rc);
		for (i = 1; i < argc && len < sizeof line - 2; i++) {
			len += (size_t)snprintf(line + len, sizeof line - len, " %s", argv[i]);
			if (len > sizeof line - 2)
				len = sizeof line - 2;
		}
		for (size_t j = 0; j < len; j++) {
			if (line[j] == '\n')
				line[j] = ' ';
		}
		line[len++] = '\n';
		if ((fd = open(log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0666)) != -1) {
			if (write(fd, line, len) < 0)
				rc = rc != 0 ? rc : 1;
			close(fd);
		}
	}
	return rc;
}

int
main(int argc, char **argv)
{
	const char *base = strrchr(argv[0], '/') != NULL ? strrchr(argv[0], '/') + 1 : argv[0];

	if (strcmp(base, "tmux") == 0)
		return wrap(argc, argv);
	if (argc >= 2 && strcmp(argv[1], "run") == 0)
		return run(argc, argv);
	fprintf(stderr, "usage: deliver-probe run SEED FILE -- COMMAND... | (as tmux) ARGS...\n");
	return 2;
}
