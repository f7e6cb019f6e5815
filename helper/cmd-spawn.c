/* spawn: start an agent in a new tmux window, pane or session and register it as a terminal. */
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "arrival.h"
#include "launch.h"
#include "name.h"
#include "profile.h"
#include "state.h"
#include "terminal.h"
#include "tmux-dispatch.h"
#include "tmux.h"

#define SPAWN_TIMEOUT 60

static int cmd_spawn(struct cmd_ctx *, int, char **);

const struct cmd_entry cmd_spawn_entry = {
	"spawn", "NAME [--profile P] [--model M] [--in SESSION[:WINDOW]] [--split] [--cwd DIR] "
	"[--env K=V]... [--timeout S] [-- ARGV...]",
	"start an agent in a new tmux window (or pane) and register it as terminal NAME",
	"  --profile P    the agent: its launch argv, flags and screen (default claude)\n"
	"  --model M      passed with the profile's modelFlag\n"
	"  --in S[:W]     tmux session S (created, detached, when missing); a new window there\n"
	"                 named W (default NAME). Default: the current session inside tmux, else\n"
	"                 a session named NAME\n"
	"  --split        split window W (default the current one) instead of a new window\n"
	"  --cwd DIR      its working directory (default the current one)\n"
	"  --env K=V      set K in its environment (repeatable)\n"
	"  --timeout S    wait at most S seconds (0 to 3600, default 60) for its idle prompt\n"
	"  -- ARGV...     run ARGV instead of the profile's launch argv (a launcher such as\n"
	"                 docker run -it IMAGE claude); never through a shell\n"
	"The profile's env names are removed from its environment, a session id is minted\n"
	"for its sessionFlag, and .terminal-status.d/sessions/NAME.json records it.\n",
	cmd_spawn
};

struct spawn_opts {
	const char *profile, *in;
	char *session, *window;
	long long timeout;
};

static int
spawn_env_add(struct cmd_ctx *ctx, struct launch *s, const char *kv)
{
	const char *eq = strchr(kv, '=');

	if (eq == NULL || !profile_env_name(kv, (size_t)(eq - kv)) ||
	    name_text_error(eq + 1, "") != NULL)
		return args_usage(ctx, "--env takes NAME=VALUE (NAME of A-Z a-z 0-9 _, VALUE "
		    "without control characters), not '%s'", kv);
	launch_env_add(s, kv);
	return 0;
}

/* The session named by --in, the pane's own inside tmux, else one named NAME. */
static int
spawn_where(struct cmd_ctx *ctx, struct spawn_opts *o, const char *name)
{
	const char *pane = getenv("TMUX_PANE"), *colon;
	struct tmux_result r;

	if (o->in != NULL) {
		colon = strchr(o->in, ':');
		o->session = colon != NULL ? xstrndup(o->in, (size_t)(colon - o->in)) :
		    xstrdup(o->in);
		o->window = colon != NULL ? xstrdup(colon + 1) : NULL;
		if (!name_valid(o->session) || (o->window != NULL && !name_valid(o->window)))
			return args_usage(ctx, "--in takes SESSION[:WINDOW], names of 1 to 64 of "
			    "A-Z a-z 0-9 . _ -, not '%s'", o->in);
		return 0;
	}
	if (pane == NULL || *pane != '%' || getenv("TMUX") == NULL) {
		o->session = xstrdup(name);
		return 0;
	}
	if (tmux_run((const char *const []){ "display-message", "-p", "-t", pane,
	    "#{session_name}", NULL }, NULL, 0, &r) == 0)
		o->session = xstrndup(r.out, strcspn(r.out, "\n"));
	tmux_result_free(&r);
	if (o->session != NULL && name_valid(o->session))
		return 0;
	return td_error(TD_EXIT_USAGE, "the current tmux session's name cannot be used: give "
	    "--in SESSION");
}

static int
spawn_cwd(struct cmd_ctx *ctx, struct launch *s, const char *dir)
{
	char resolved[PATH_MAX];
	struct stat sb;

	if (dir == NULL) {
		if (getcwd(resolved, sizeof resolved) == NULL)
			return td_error(TD_EXIT_FAIL, "cannot tell the current directory");
	} else if (realpath(dir, resolved) == NULL || stat(resolved, &sb) != 0 ||
	    !S_ISDIR(sb.st_mode))
		return args_usage(ctx, "--cwd '%s' is not a directory", dir);
	s->cwd = xstrdup(resolved);
	return 0;
}

/* Whether NAME is free; the state is only read. */
static int
spawn_name_free(struct cmd_ctx *ctx, const char *name)
{
	struct state st;
	int rc;

	if ((rc = state_open(&st, ctx->state_path, STATE_READ)) == 0 &&
	    state_terminal(&st, name) != NULL)
		rc = td_error(TD_EXIT_FAIL, "terminal '%s' exists (spawn takes a new name)", name);
	state_close(&st);
	return rc;
}

static int
spawn_register(struct cmd_ctx *ctx, const struct launch *s)
{
	struct state st;
	int rc;

	if ((rc = state_open(&st, ctx->state_path, STATE_WRITE)) == 0) {
		if (state_terminal(&st, s->name) != NULL)
			rc = td_error(TD_EXIT_FAIL, "terminal '%s' was registered meanwhile; its "
			    "agent is stopped", s->name);
		else {
			terminal_add_spawned(&st, s->name, s->pane, s->profile->name, NULL);
			rc = state_commit(&st);
		}
	}
	state_close(&st);
	return rc;
}

static void
spawn_report(const struct launch *s, const struct launch_seen *seen, long long timeout)
{
	char *attach = launch_attach_command(s->session, s->window_index);

	arrival_report(s, seen, timeout);
	td_say("attach: %s", attach);
	free(attach);
}

/* After the options: start, wait, register, record. */
static int
spawn_run(struct cmd_ctx *ctx, struct launch *s, char **user, size_t n, long long timeout)
{
	struct launch_seen seen = { 0 };
	char *cause = NULL;
	int rc;

	if ((rc = launch_prepare(s, user, n, &cause)) != 0 ||
	    (rc = launch_start(s, &cause)) != 0 ||
	    (rc = launch_wait(s, (int)timeout, &seen, &cause)) != 0) {
		td_error(rc, "%s: %s", s->name, cause);
		free(cause);
		if (s->pane[0] != '\0')
			launch_kill(s->pane);
		return rc;
	}
	if (seen.dead) {
		rc = arrival_dead(s, &seen);
		launch_kill(s->pane);
	} else if ((rc = spawn_register(ctx, s)) != 0)
		launch_kill(s->pane);
	else {
		char *path = state_find_path(ctx->state_path);

		rc = launch_record(s, path);
		free(path);
		spawn_report(s, &seen, timeout);
	}
	launch_seen_free(&seen);
	return rc;
}

static void
spawn_free(struct launch *s, struct spawn_opts *o)
{
	launch_free(s);
	free(o->session);
	free(o->window);
}

static int
cmd_spawn(struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "profile", required_argument, NULL, 'p' },
		{ "model", required_argument, NULL, 'm' },
		{ "in", required_argument, NULL, 'i' },
		{ "split", no_argument, NULL, 's' },
		{ "cwd", required_argument, NULL, 'c' },
		{ "env", required_argument, NULL, 'e' },
		{ "timeout", required_argument, NULL, 't' },
		ARGS_HELP, { NULL, 0, NULL, 0 }
	};
	struct spawn_opts o = { "claude", NULL, NULL, NULL, SPAWN_TIMEOUT };
	struct launch s = { 0 };
	const char *cwd = NULL;
	char *dir, *cause = NULL;
	int c, rc = 0;

	while ((c = args_next(ctx, argc, argv, "p:m:i:sc:e:t:", opts, &rc)) != -1) {
		if (c == 0 || (c == 'e' && (rc = spawn_env_add(ctx, &s, optarg)) != 0) ||
		    (c == 't' && args_int(ctx, "--timeout", optarg, 0, 3600, &o.timeout) != 0))
			goto out;
		o.profile = c == 'p' ? optarg : o.profile;
		s.model = c == 'm' ? optarg : s.model;
		o.in = c == 'i' ? optarg : o.in;
		s.split |= c == 's';
		cwd = c == 'c' ? optarg : cwd;
	}
	rc = TD_EXIT_USAGE;
	if (optind >= argc) {
		args_usage(ctx, "expected NAME");
		goto out;
	}
	s.name = argv[optind];
	if (s.model != NULL && (*s.model == '\0' || name_text_error(s.model, "") != NULL)) {
		args_usage(ctx, "--model takes a name without control characters");
		goto out;
	}
	if ((rc = terminal_name_check(s.name)) != 0 || (rc = spawn_where(ctx, &o, s.name)) != 0 ||
	    (rc = spawn_cwd(ctx, &s, cwd)) != 0 || (rc = spawn_name_free(ctx, s.name)) != 0)
		goto out;
	s.session = o.session;
	s.window = o.window;
	dir = state_find_dir(ctx->state_path);
	rc = profile_get(o.profile, dir, &s.profile, &cause);
	free(dir);
	if (rc == 0 && s.profile->is_auto)
		rc = td_error(TD_EXIT_USAGE, "spawn needs a profile of its own, not auto");
	else if (rc != 0)
		td_error(rc, "%s", cause);
	else
		rc = spawn_run(ctx, &s, argv + optind + 1, (size_t)(argc - optind - 1), o.timeout);
	free(cause);
out:
	spawn_free(&s, &o);
	return rc;
}
