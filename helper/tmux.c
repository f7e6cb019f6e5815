/*
 * Running the tmux client. tmux is started with posix_spawnp and an argv, never through a shell,
 * so nothing in a target, a format or a buffer name is ever parsed by sh. stdin, stdout and
 * stderr are pipes served by one poll() loop, so a large stdin or a large capture cannot
 * deadlock, and the whole call is bounded in time: a hung server costs at most the timeout.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tmux-dispatch.h"
#include "tmux.h"

extern char **environ;

#define TMUX_SLICE_MS 100 /* how often a silent call checks whether tmux has exited */

static int tmux_ncalls;
static int tmux_timeout_ms = -1;

struct tmux_buf {
	char *p;
	size_t len;
	size_t cap;
};

int
tmux_calls(void)
{
	return tmux_ncalls;
}

void
tmux_set_timeout(int ms)
{
	tmux_timeout_ms = ms;
}

static int
tmux_timeout(void)
{
	if (tmux_timeout_ms >= 0)
		return tmux_timeout_ms;
	tmux_timeout_ms = (int)args_env_int("TMUX_DISPATCH_TIMEOUT", 1, 3600000, TMUX_TIMEOUT_MS);
	return tmux_timeout_ms;
}

/* A pipe whose ends are both above 2 and close-on-exec; the child gets its end by dup2. */
static int
tmux_pipe(int fds[2])
{
	int raw[2], i;

	if (pipe(raw) != 0)
		return -1;
	for (i = 0; i < 2; i++) {
		fds[i] = fcntl(raw[i], F_DUPFD_CLOEXEC, 3);
		if (fds[i] == -1) {
			if (i == 1)
				close(fds[0]);
			close(raw[0]);
			close(raw[1]);
			return -1;
		}
	}
	close(raw[0]);
	close(raw[1]);
	return 0;
}

/* Reads what is available; returns 0 at end of file, 1 otherwise. */
static int
tmux_buf_read(struct tmux_buf *b, int fd)
{
	ssize_t n;

	for (;;) {
		if (b->cap - b->len < 4096) {
			b->cap = b->cap == 0 ? 16384 : b->cap * 2;
			b->p = xrealloc(b->p, b->cap);
		}
		n = read(fd, b->p + b->len, b->cap - b->len - 1);
		if (n > 0) {
			b->len += (size_t)n;
			if (b->cap - b->len > 4096)
				return 1;
			continue;
		}
		if (n == 0)
			return 0;
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return 1;
		return 0;
	}
}

static char *
tmux_buf_finish(struct tmux_buf *b, size_t *len)
{
	if (b->p == NULL)
		b->p = xmalloc(1);
	b->p[b->len] = '\0';
	if (len != NULL)
		*len = b->len;
	return b->p;
}

static void
tmux_close(int *fd)
{
	if (*fd != -1) {
		close(*fd);
		*fd = -1;
	}
}

static const char *
tmux_binary(void)
{
	const char *env = getenv("TMUX_DISPATCH_TMUX");

	return env != NULL && *env != '\0' ? env : "tmux";
}

char *
tmux_arg(const char *value)
{
	size_t len = strlen(value);
	char *out;

	if (len > 0 && value[len - 1] == ';')
		xasprintf(&out, "%.*s\\;", (int)(len - 1), value);
	else
		out = xstrdup(value);
	return out;
}

void
tmux_result_free(struct tmux_result *r)
{
	free(r->out);
	free(r->err);
	r->out = r->err = NULL;
	r->outlen = 0;
}

static int
tmux_spawn(const char *bin, const char *const *argv, int in_fd, int out_fd, int err_fd,
    pid_t *pid)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none, dfl;
	const char **full;
	size_t n;
	int rc;

	for (n = 0; argv[n] != NULL; n++)
		;
	full = xreallocarray(NULL, n + 2, sizeof *full);
	full[0] = bin;
	memcpy(full + 1, argv, (n + 1) * sizeof *full);

	posix_spawn_file_actions_init(&fa);
	if (in_fd == -1)
		posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	else
		posix_spawn_file_actions_adddup2(&fa, in_fd, 0);
	posix_spawn_file_actions_adddup2(&fa, out_fd, 1);
	posix_spawn_file_actions_adddup2(&fa, err_fd, 2);

	/* We ignore SIGPIPE while feeding stdin; tmux must get the default back. */
	posix_spawnattr_init(&attr);
	sigemptyset(&none);
	sigemptyset(&dfl);
	sigaddset(&dfl, SIGPIPE);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setsigdefault(&attr, &dfl);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

	rc = posix_spawnp(pid, full[0], &fa, &attr, (char *const *)full, environ);
	posix_spawnattr_destroy(&attr);
	posix_spawn_file_actions_destroy(&fa);
	free(full);
	return rc;
}

/* Starts BIN ARGV with pipes for its output (and its stdin when WITH_IN); fills R on failure. */
static int
tmux_call_spawn(struct tmux_call *c, const char *bin, int timeout_ms, const char *const *argv,
    int with_in, struct tmux_result *r)
{
	int inp[2] = { -1, -1 }, outp[2] = { -1, -1 }, errp[2] = { -1, -1 };
	int rc;

	memset(r, 0, sizeof *r);
	r->status = -1;
	memset(c, 0, sizeof *c);
	c->bin = bin;
	c->timeout_ms = timeout_ms;
	c->fd_in = c->fd_out = c->fd_err = -1;
	if ((with_in && tmux_pipe(inp) != 0) || tmux_pipe(outp) != 0 || tmux_pipe(errp) != 0) {
		rc = errno;
		tmux_close(&inp[0]); tmux_close(&inp[1]);
		tmux_close(&outp[0]); tmux_close(&outp[1]);
		r->out = xstrdup("");
		xasprintf(&r->err, "cannot create a pipe: %s", strerror(rc));
		return -1;
	}

	rc = tmux_spawn(bin, argv, inp[0], outp[1], errp[1], &c->pid);
	tmux_close(&inp[0]);
	tmux_close(&outp[1]);
	tmux_close(&errp[1]);
	if (rc != 0) {
		tmux_close(&inp[1]);
		tmux_close(&outp[0]);
		tmux_close(&errp[0]);
		r->out = xstrdup("");
		xasprintf(&r->err, "cannot run %s: %s", bin, strerror(rc));
		return -1;
	}
	c->fd_in = inp[1];
	c->fd_out = outp[0];
	c->fd_err = errp[0];
	return 0;
}

int
tmux_run(const char *const *argv, const char *in, size_t inlen, struct tmux_result *r)
{
	tmux_ncalls++;
	return tmux_run_program(tmux_binary(), 0, argv, in, inlen, r);
}

int
tmux_run_program(const char *bin, int timeout_ms, const char *const *argv, const char *in,
    size_t inlen, struct tmux_result *r)
{
	struct tmux_call c;

	if (tmux_call_spawn(&c, bin, timeout_ms, argv, in != NULL, r) != 0)
		return -1;
	return tmux_finish(&c, in, inlen, r);
}

int
tmux_start(struct tmux_call *c, const char *const *argv, int with_in,
    struct tmux_result *r)
{
	tmux_ncalls++;
	return tmux_call_spawn(c, tmux_binary(), 0, argv, with_in, r);
}

int
tmux_finish(struct tmux_call *c, const char *in, size_t inlen, struct tmux_result *r)
{
	struct tmux_buf out = { 0 }, err = { 0 };
	struct sigaction ign, old_pipe;
	struct pollfd pfd[3];
	int fd_in = c->fd_in, fd_out = c->fd_out, fd_err = c->fd_err;
	int ready, ws, exited = 0, timed_out = 0, too_big = 0, timeout_ms = c->timeout_ms;
	long long deadline;
	size_t done = 0;
	ssize_t n;
	pid_t pid = c->pid;
	nfds_t np;

	c->fd_in = c->fd_out = c->fd_err = -1;
	/*
	 * Ignored while its stdin is fed, and only then: a client that exited early must cost an
	 * EPIPE, not the helper. Saved and restored here, so calls started together and finished
	 * in any order each leave the disposition as they found it.
	 */
	memset(&ign, 0, sizeof ign);
	ign.sa_handler = SIG_IGN;
	sigemptyset(&ign.sa_mask);
	sigaction(SIGPIPE, &ign, &old_pipe);
	if (fd_in != -1) {
		fcntl(fd_in, F_SETFL, fcntl(fd_in, F_GETFL) | O_NONBLOCK);
		if (in == NULL || inlen == 0)
			tmux_close(&fd_in);
	}
	fcntl(fd_out, F_SETFL, fcntl(fd_out, F_GETFL) | O_NONBLOCK);
	fcntl(fd_err, F_SETFL, fcntl(fd_err, F_GETFL) | O_NONBLOCK);

	if (timeout_ms <= 0)
		timeout_ms = tmux_timeout();
	deadline = clock_ms() + timeout_ms;
	while ((fd_out != -1 || fd_err != -1 || fd_in != -1) && !too_big) {
		long long left = deadline - clock_ms();

		if (left <= 0) {
			timed_out = 1;
			break;
		}
		np = 0;
		if (fd_in != -1)
			pfd[np++] = (struct pollfd){ .fd = fd_in, .events = POLLOUT };
		if (fd_out != -1)
			pfd[np++] = (struct pollfd){ .fd = fd_out, .events = POLLIN };
		if (fd_err != -1)
			pfd[np++] = (struct pollfd){ .fd = fd_err, .events = POLLIN };
		ready = poll(pfd, np, left < TMUX_SLICE_MS ? (int)left : TMUX_SLICE_MS);
		if (ready < 0) {
			if (errno == EINTR)
				continue;
			timed_out = 1;
			break;
		}
		if (ready == 0) {
			/* Quiet: if tmux is gone, a descendant may hold the pipes; stop waiting. */
			if (waitpid(pid, &ws, WNOHANG) == pid) {
				exited = 1;
				if (fd_out != -1)
					tmux_buf_read(&out, fd_out);
				if (fd_err != -1)
					tmux_buf_read(&err, fd_err);
				break;
			}
			continue;
		}
		for (nfds_t i = 0; i < np && !too_big; i++) {
			if (pfd[i].revents == 0)
				continue;
			if (pfd[i].fd == fd_in) {
				if (pfd[i].revents & (POLLERR | POLLHUP | POLLNVAL)) {
					tmux_close(&fd_in);
					continue;
				}
				n = write(fd_in, in + done, inlen - done);
				if (n > 0)
					done += (size_t)n;
				else if (n < 0 && errno != EAGAIN && errno != EINTR)
					done = inlen; /* tmux closed its stdin: stop feeding */
				if (done == inlen)
					tmux_close(&fd_in);
			} else if (pfd[i].fd == fd_out) {
				if (!tmux_buf_read(&out, fd_out))
					tmux_close(&fd_out);
				/* A screen of absurd size: stop reading it rather than hold it all. */
				if (out.len > TMUX_MAX_OUTPUT)
					too_big = timed_out = 1;
			} else if (pfd[i].fd == fd_err) {
				if (!tmux_buf_read(&err, fd_err))
					tmux_close(&fd_err);
			}
		}
	}
	tmux_close(&fd_in);
	tmux_close(&fd_out);
	tmux_close(&fd_err);

	if (timed_out && !too_big && waitpid(pid, &ws, WNOHANG) == pid)
		exited = 1, timed_out = 0;
	if (timed_out) {
		kill(pid, SIGKILL);
		while (waitpid(pid, &ws, 0) == -1 && errno == EINTR)
			;
	} else if (!exited) {
		while (waitpid(pid, &ws, 0) == -1 && errno == EINTR)
			;
	}
	sigaction(SIGPIPE, &old_pipe, NULL);

	r->out = tmux_buf_finish(&out, &r->outlen);
	r->err = tmux_buf_finish(&err, NULL);
	while (err.len > 0 && (r->err[err.len - 1] == '\n' || r->err[err.len - 1] == '\r'))
		r->err[--err.len] = '\0';
	if (too_big) {
		free(r->err);
		xasprintf(&r->err, "%s answered with more than %d bytes; cut off", c->bin,
		    TMUX_MAX_OUTPUT);
		r->status = -1;
		return -1;
	}
	if (timed_out) {
		free(r->err);
		xasprintf(&r->err, "%s did not answer within %d ms", c->bin, timeout_ms);
		r->status = -1;
		return -1;
	}
	if (WIFEXITED(ws))
		r->status = WEXITSTATUS(ws);
	else
		r->status = -1;
	if (r->status == 127 && out.len == 0) {
		/* exec failed in the child (tmux and git never exit 127 themselves) */
		char *was = r->err;

		xasprintf(&r->err, "cannot run %s%s%s", c->bin, *was != '\0' ? ": " : "",
		    was);
		free(was);
		r->status = -1;
	}
	return r->status == 0 ? 0 : -1;
}
