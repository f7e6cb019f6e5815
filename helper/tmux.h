/* Running the tmux client: an argv, never a shell; bounded in time; stdin fed without deadlock. */
#ifndef TMUX_H
#define TMUX_H

#include <stddef.h>
#include <sys/types.h>

#define TMUX_TIMEOUT_MS 5000 /* a hung server must not hang the helper */
#define TMUX_MAX_OUTPUT (16 * 1024 * 1024) /* a longer answer (a screen of absurd size) fails */

struct tmux_result {
	int status;    /* exit status, or -1 if tmux could not run, was killed or timed out */
	char *out;     /* stdout, NUL-terminated (never NULL after tmux_run) */
	size_t outlen;
	char *err;     /* stderr, NUL-terminated, trailing newline removed */
};

/*
 * Runs "tmux ARGV..." ($TMUX_DISPATCH_TMUX names another binary) with IN (INLEN bytes, may be
 * NULL) on its stdin. TMUX and TMUX_TMPDIR in the environment select the server. Returns 0 if
 * tmux exited 0, else -1; the result is filled either way and must be freed.
 */
int tmux_run(const char *const *argv, const char *in, size_t inlen, struct tmux_result *);
/* tmux_run for another program, BIN (git), bounded by TIMEOUT_MS (0: tmux's own bound): the
 * same argv and pipes; not counted by tmux_calls. */
int tmux_run_program(const char *bin, int timeout_ms, const char *const *argv, const char *in,
    size_t inlen, struct tmux_result *);
/*
 * A tmux call in two steps, for a caller with something to do while tmux works: tmux_start
 * spawns "tmux ARGV..." (WITH_IN: its stdin a pipe left open and empty, else /dev/null);
 * tmux_finish feeds it IN (none: an empty stdin), closes it and collects the result as
 * tmux_run does. Every started call must be finished. Until then tmux has nothing on a piped
 * stdin, so a `load-buffer -` in ARGV waits there, and the commands after it too.
 */
struct tmux_call {
	pid_t pid;
	int fd_in, fd_out, fd_err;
	const char *bin;
	int timeout_ms;
};
int tmux_start(struct tmux_call *, const char *const *argv, int with_in,
    struct tmux_result *);
int tmux_finish(struct tmux_call *, const char *in, size_t inlen, struct tmux_result *);
/* VALUE as one tmux argv element: one ending in ';' would end the tmux command, so that ';'
 * is escaped (tmux turns a trailing "\;" back into ';'). Caller frees. */
char *tmux_arg(const char *value);
void tmux_result_free(struct tmux_result *);
/* How many tmux processes this process has started (benchmarks, tests). */
int tmux_calls(void);
/* The time limit of one call in milliseconds (default TMUX_TIMEOUT_MS, or $TMUX_DISPATCH_TIMEOUT). */
void tmux_set_timeout(int);

#endif
