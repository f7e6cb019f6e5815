/*
 * up FILE: a team from a layout. The whole layout is checked before anything starts; then one
 * window per entry, one tiled pane per agent, every agent started before any is waited for,
 * so the team is up in about the time of its slowest agent.
 */
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
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

#define UP_TIMEOUT 60
#define UP_POLL_MS 150
#define UP_MAX_AGENTS 64
#define UP_LAYOUT_MAX (1024 * 1024)

static int cmd_up(struct cmd_ctx *, int, char **);

const struct cmd_entry cmd_up_entry = {
	"up", "FILE [--timeout S]",
	"start a team from a layout: a tmux session, a window per entry, a pane per agent",
	"  FILE         the layout: {\"session\": S, \"windows\": [{\"name\": W, \"agents\":\n"
	"               [{\"name\", \"profile\", \"model\", \"command\", \"cwd\", \"env\", \"group\"}]}],\n"
	"               \"defaults\": {\"profile\", \"model\", \"cwd\", \"env\", \"group\"}}\n"
	"  --timeout S  wait at most S seconds (0 to 3600, default 60) for them all to be idle\n"
	"The whole layout is checked first (S must not exist yet); nothing starts when it is\n"
	"refused. Every agent is started, then all are waited for together. Each becomes a\n"
	"spawned terminal (group: its own, else the default's, else its window's name) with its\n"
	"session file. An agent that exits is reported with its last lines, the others stay\n"
	"registered, and up exits 1; tmux-dispatch down S stops the team.\n",
	cmd_up
};

struct up_agent {
	struct launch s;
	const char *group;
	struct launch_seen seen;
	int done;
	int up;             /* started and alive: registered */
};

struct up_team {
	const char *file;
	const char *state_path;  /* as given (-f), for state_open */
	const char *session;
	const cJSON *defaults;
	char *dir;          /* the state's directory: profiles are looked for there */
	struct up_agent *a;
	size_t n;
};

/* One line naming the file and the entry (WHERE) that is refused. */
static int __attribute__((format(printf, 4, 5)))
up_bad(const struct up_team *t, int rc, const char *where, const char *fmt, ...)
{
	va_list ap;
	char *why;

	va_start(ap, fmt);
	xvasprintf(&why, fmt, ap);
	va_end(ap);
	td_error(rc, "%s: %s: %s", t->file, where, why);
	free(why);
	return rc;
}

/* Whether every key of O is one of KEYS (NULL-terminated). */
static int
up_keys(const struct up_team *t, const cJSON *o, const char *where, const char *const *keys)
{
	const cJSON *k;
	size_t i;

	if (!cJSON_IsObject(o))
		return up_bad(t, TD_EXIT_INVALID, where, "not an object");
	cJSON_ArrayForEach(k, o) {
		for (i = 0; keys[i] != NULL && strcmp(keys[i], k->string) != 0; i++)
			;
		if (keys[i] == NULL)
			return up_bad(t, TD_EXIT_INVALID, where, "unknown key \"%s\"", k->string);
	}
	return 0;
}

/* KEY of O (else of the defaults when DEF) as a non-empty string without control characters
 * in *OUT, NULL when absent. */
static int
up_str(const struct up_team *t, const cJSON *o, const char *key, int def, const char *where,
    const char **out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	if (v == NULL && def && t->defaults != NULL) {
		v = cJSON_GetObjectItemCaseSensitive(t->defaults, key);
		where = "defaults";
	}
	*out = NULL;
	if (v == NULL)
		return 0;
	if (!cJSON_IsString(v) || *v->valuestring == '\0' ||
	    name_text_error(v->valuestring, "") != NULL)
		return up_bad(t, TD_EXIT_INVALID, where, "\"%s\" must be a non-empty string "
		    "without control characters", key);
	*out = v->valuestring;
	return 0;
}

static int
up_env(const struct up_team *t, struct launch *s, const cJSON *env, const char *where)
{
	const cJSON *v;
	char *kv;

	if (env == NULL)
		return 0;
	if (!cJSON_IsObject(env))
		return up_bad(t, TD_EXIT_INVALID, where, "\"env\" must be an object of strings");
	cJSON_ArrayForEach(v, env) {
		if (!profile_env_name(v->string, strlen(v->string)) || !cJSON_IsString(v) ||
		    name_text_error(v->valuestring, "") != NULL)
			return up_bad(t, TD_EXIT_INVALID, where, "\"env\": '%s' needs a name of "
			    "A-Z a-z 0-9 _ and a string without control characters", v->string);
		xasprintf(&kv, "%s=%s", v->string, v->valuestring);
		launch_env_add(s, kv);
		free(kv);
	}
	return 0;
}

static int
up_cwd(const struct up_team *t, struct launch *s, const char *dir, const char *where)
{
	char resolved[PATH_MAX];
	struct stat sb;

	if (dir == NULL) {
		if (getcwd(resolved, sizeof resolved) == NULL)
			return td_error(TD_EXIT_FAIL, "cannot tell the current directory");
	} else if (realpath(dir, resolved) == NULL || stat(resolved, &sb) != 0 ||
	    !S_ISDIR(sb.st_mode))
		return up_bad(t, TD_EXIT_INVALID, where, "cwd '%s' is not a directory", dir);
	s->cwd = xstrdup(resolved);
	return 0;
}

/* The agent's "command" as an argv (*WORDS points into the layout). */
static int
up_command(const struct up_team *t, const cJSON *c, const char *where, char ***words,
    size_t *n)
{
	const cJSON *w;

	*words = NULL;
	*n = 0;
	if (c == NULL)
		return 0;
	if (!cJSON_IsArray(c) || cJSON_GetArraySize(c) == 0)
		return up_bad(t, TD_EXIT_INVALID, where, "\"command\" must be a non-empty array "
		    "of strings");
	cJSON_ArrayForEach(w, c) {
		if (!cJSON_IsString(w) || name_text_error(w->valuestring, "\t\n") != NULL ||
		    (*n == 0 && *w->valuestring == '\0')) {
			free(*words);
			*words = NULL;
			return up_bad(t, TD_EXIT_INVALID, where, "\"command\" must be a non-empty "
			    "array of strings without control characters");
		}
		*words = xreallocarray(*words, *n + 1, sizeof **words);
		(*words)[(*n)++] = w->valuestring;
	}
	return 0;
}

/* Whether NAME is taken, by an earlier agent of the layout or a terminal of the state. */
static int
up_name_free(const struct up_team *t, struct state *st, const char *name, const char *where)
{
	size_t i;

	for (i = 0; i < t->n; i++) {
		if (strcmp(t->a[i].s.name, name) == 0)
			return up_bad(t, TD_EXIT_INVALID, where, "agent '%s' appears twice", name);
	}
	if (state_terminal(st, name) != NULL)
		return up_bad(t, TD_EXIT_FAIL, where, "terminal '%s' exists", name);
	return 0;
}

static int
up_agent_fields(struct up_team *t, struct up_agent *u, const cJSON *o, const char *where)
{
	const char *profile, *cwd;
	char **words, *cause = NULL;
	size_t n;
	int rc;

	if ((rc = up_str(t, o, "profile", 1, where, &profile)) != 0 ||
	    (rc = up_str(t, o, "model", 1, where, &u->s.model)) != 0 ||
	    (rc = up_str(t, o, "group", 1, where, &u->group)) != 0 ||
	    (rc = up_str(t, o, "cwd", 1, where, &cwd)) != 0)
		return rc;
	if (u->group != NULL && !name_valid(u->group))
		return up_bad(t, TD_EXIT_INVALID, where, "group '%s': names use 1 to 64 of A-Z "
		    "a-z 0-9 . _ -", u->group);
	if ((rc = profile_get(profile != NULL ? profile : "claude", t->dir, &u->s.profile,
	    &cause)) != 0 || u->s.profile->is_auto) {
		rc = up_bad(t, rc != 0 ? rc : TD_EXIT_INVALID, where, "%s", cause != NULL ?
		    cause : "an agent needs a profile of its own, not auto");
		free(cause);
		return rc;
	}
	if ((rc = up_cwd(t, &u->s, cwd, where)) != 0 ||
	    (rc = up_env(t, &u->s, t->defaults != NULL ?
	    cJSON_GetObjectItemCaseSensitive(t->defaults, "env") : NULL, "defaults")) != 0 ||
	    (rc = up_env(t, &u->s, cJSON_GetObjectItemCaseSensitive(o, "env"), where)) != 0 ||
	    (rc = up_command(t, cJSON_GetObjectItemCaseSensitive(o, "command"), where, &words,
	    &n)) != 0)
		return rc;
	if ((rc = launch_prepare(&u->s, words, n, &cause)) != 0) {
		up_bad(t, rc, where, "%s", cause);
		free(cause);
	}
	free(words);
	return rc;
}

static int
up_agent(struct up_team *t, struct state *st, const cJSON *o, const char *window, int split,
    const char *where)
{
	static const char *const keys[] = { "name", "profile", "model", "command", "cwd", "env",
	    "group", NULL };
	const cJSON *name = cJSON_GetObjectItemCaseSensitive(o, "name");
	struct up_agent *u;
	char *at;
	int rc;

	if (!cJSON_IsObject(o))
		return up_bad(t, TD_EXIT_INVALID, where, "not an object");
	if (!cJSON_IsString(name) || !name_valid(name->valuestring) ||
	    strcmp(name->valuestring, "all") == 0 || strncmp(name->valuestring, "all-", 4) == 0)
		return up_bad(t, TD_EXIT_INVALID, where, "\"name\" must be a terminal name (1 to "
		    "64 of A-Z a-z 0-9 . _ -, not all or all-GROUP)");
	xasprintf(&at, "%s (%s)", where, name->valuestring);
	if ((rc = up_keys(t, o, at, keys)) == 0 &&
	    (rc = up_name_free(t, st, name->valuestring, at)) == 0) {
		t->a = xreallocarray(t->a, t->n + 1, sizeof *t->a);
		u = &t->a[t->n++];
		memset(u, 0, sizeof *u);
		u->s.name = name->valuestring;
		u->s.session = t->session;
		u->s.window = window;
		u->s.split = split;
		rc = up_agent_fields(t, u, o, at);
		if (u->group == NULL)
			u->group = window;
	}
	free(at);
	return rc;
}

static int
up_window(struct up_team *t, struct state *st, const cJSON *w, size_t wi)
{
	static const char *const keys[] = { "name", "agents", NULL };
	const cJSON *name = cJSON_GetObjectItemCaseSensitive(w, "name"), *agents, *a;
	char where[64], at[96];
	int rc, ai = 0;

	snprintf(where, sizeof where, "windows[%zu]", wi);
	if ((rc = up_keys(t, w, where, keys)) != 0)
		return rc;
	if (!cJSON_IsString(name) || !name_valid(name->valuestring))
		return up_bad(t, TD_EXIT_INVALID, where, "\"name\" must be a window name (1 to 64 "
		    "of A-Z a-z 0-9 . _ -)");
	agents = cJSON_GetObjectItemCaseSensitive(w, "agents");
	if (!cJSON_IsArray(agents) || cJSON_GetArraySize(agents) == 0)
		return up_bad(t, TD_EXIT_INVALID, where, "\"agents\" must be a non-empty array");
	cJSON_ArrayForEach(a, agents) {
		snprintf(at, sizeof at, "%s.agents[%d]", where, ai);
		if (t->n >= UP_MAX_AGENTS)
			return up_bad(t, TD_EXIT_INVALID, at, "more than %d agents", UP_MAX_AGENTS);
		if ((rc = up_agent(t, st, a, name->valuestring, ai++ > 0, at)) != 0)
			return rc;
	}
	return 0;
}

/* Window names are unique: panes are split and tiled by name. */
static int
up_window_names(const struct up_team *t, const cJSON *windows)
{
	const cJSON *w, *v;
	const char *name;
	char where[64];
	size_t wi = 0;

	cJSON_ArrayForEach(w, windows) {
		name = state_str(w, "name");
		for (v = windows->child; v != w; v = v->next) {
			if (strcmp(state_str(v, "name"), name) == 0) {
				snprintf(where, sizeof where, "windows[%zu]", wi);
				return up_bad(t, TD_EXIT_INVALID, where, "window '%s' appears twice",
				    name);
			}
		}
		wi++;
	}
	return 0;
}

/* The whole layout checked and prepared; nothing started. */
static int
up_layout(struct up_team *t, const cJSON *root)
{
	static const char *const keys[] = { "session", "windows", "defaults", NULL };
	static const char *const dkeys[] = { "profile", "model", "cwd", "env", "group", NULL };
	const cJSON *session = cJSON_GetObjectItemCaseSensitive(root, "session"), *windows, *w;
	struct state st;
	size_t wi = 0;
	int rc;

	if ((rc = up_keys(t, root, "the layout", keys)) != 0)
		return rc;
	t->defaults = cJSON_GetObjectItemCaseSensitive(root, "defaults");
	if (t->defaults != NULL && (rc = up_keys(t, t->defaults, "defaults", dkeys)) != 0)
		return rc;
	if (!cJSON_IsString(session) || !name_valid(session->valuestring))
		return up_bad(t, TD_EXIT_INVALID, "session", "must be a tmux session name (1 to "
		    "64 of A-Z a-z 0-9 . _ -)");
	t->session = session->valuestring;
	windows = cJSON_GetObjectItemCaseSensitive(root, "windows");
	if (!cJSON_IsArray(windows) || cJSON_GetArraySize(windows) == 0)
		return up_bad(t, TD_EXIT_INVALID, "windows", "must be a non-empty array");
	if ((rc = state_open(&st, t->state_path, STATE_READ)) != 0) {
		state_close(&st);
		return rc;
	}
	cJSON_ArrayForEach(w, windows) {
		if ((rc = up_window(t, &st, w, wi++)) != 0)
			break;
	}
	state_close(&st);
	if (rc == 0 && (rc = up_window_names(t, windows)) == 0 &&
	    launch_session_exists(t->session))
		rc = up_bad(t, TD_EXIT_FAIL, "session", "tmux session '%s' exists (up starts a "
		    "new one)", t->session);
	return rc;
}

static void
up_tile(const struct up_team *t, const char *window)
{
	struct tmux_result r;
	char *target;

	xasprintf(&target, "=%s:%s", t->session, window);
	tmux_run((const char *const []){ "select-layout", "-t", target, "tiled", NULL }, NULL, 0,
	    &r);
	tmux_result_free(&r);
	free(target);
}

/* Every agent started (the window of each tiled after a split); on a failure the panes
 * started so far are killed. */
static int
up_start(struct up_team *t)
{
	char *cause = NULL;
	size_t i;
	int rc;

	for (i = 0; i < t->n; i++) {
		if ((rc = launch_start(&t->a[i].s, &cause)) != 0) {
			td_error(rc, "%s: %s; the team is stopped", t->a[i].s.name, cause);
			free(cause);
			while (i-- > 0)
				launch_kill(t->a[i].s.pane);
			return rc;
		}
		if (t->a[i].s.split)
			up_tile(t, t->a[i].s.window);
	}
	return 0;
}

/* All agents waited for together, until each is idle, waiting or dead, or TIMEOUT. */
static void
up_wait(struct up_team *t, long long timeout)
{
	long long until = clock_ms() + timeout * 1000;
	struct up_agent *u;
	char *cause = NULL;
	size_t i, left = t->n;

	for (i = 0; i < t->n; i++)
		launch_seen_init(&t->a[i].seen);
	for (;;) {
		for (i = 0; i < t->n; i++) {
			u = &t->a[i];
			if (u->done)
				continue;
			if (launch_look(&u->s, &u->seen, &u->done, &cause) != 0) {
				/* Its pane cannot be read: it counts as gone. */
				u->done = u->seen.dead = 1;
				u->seen.last = cause;
				cause = NULL;
			}
			left -= u->done;
		}
		if (left == 0 || clock_ms() >= until)
			return;
		usleep(UP_POLL_MS * 1000);
	}
}

/* The agents that came up, registered in one write; their session files. */
static int
up_register(struct cmd_ctx *ctx, struct up_team *t)
{
	struct state st;
	char *path;
	size_t i;
	int rc;

	if ((rc = state_open(&st, ctx->state_path, STATE_WRITE)) == 0) {
		for (i = 0; i < t->n; i++) {
			if (t->a[i].seen.dead)
				continue;
			if (state_terminal(&st, t->a[i].s.name) != NULL) {
				td_error(TD_EXIT_FAIL, "terminal '%s' was registered meanwhile; its "
				    "agent is stopped", t->a[i].s.name);
				launch_kill(t->a[i].s.pane);
				rc = TD_EXIT_FAIL;
				continue;
			}
			terminal_add_spawned(&st, t->a[i].s.name, t->a[i].s.pane,
			    t->a[i].s.profile->name, t->a[i].group);
			t->a[i].up = 1;
		}
		if (state_commit(&st) != 0)
			rc = TD_EXIT_FAIL;
	}
	path = xstrdup(st.path != NULL ? st.path : "");
	state_close(&st);
	for (i = 0; i < t->n; i++) {
		if (t->a[i].up && launch_record(&t->a[i].s, path) != 0)
			rc = TD_EXIT_FAIL;
	}
	free(path);
	return rc;
}

/* Each agent's outcome; the dead ones' panes killed. */
static int
up_report(struct up_team *t, long long timeout)
{
	char *attach = launch_attach_command(t->session, t->a[0].s.window_index);
	size_t i, dead = 0;

	for (i = 0; i < t->n; i++) {
		if (t->a[i].seen.dead) {
			arrival_dead(&t->a[i].s, &t->a[i].seen);
			launch_kill(t->a[i].s.pane);
			dead++;
		} else
			arrival_report(&t->a[i].s, &t->a[i].seen, timeout);
	}
	if (dead < t->n)
		td_say("attach: %s", attach);
	free(attach);
	if (dead == 0)
		return 0;
	if (dead == t->n)
		return td_error(TD_EXIT_FAIL, "no agent of the layout came up");
	return td_error(TD_EXIT_FAIL, "%zu of %zu agents did not come up; the others are "
	    "registered (tmux-dispatch down %s stops them)", dead, t->n, t->session);
}

static int
up_read(struct up_team *t, cJSON **root)
{
	char *text = NULL, *cause = NULL;
	size_t len;
	int rc;

	*root = NULL;
	if ((rc = file_read_path(t->file, UP_LAYOUT_MAX, &text, &len, &cause)) != 0) {
		td_error(rc, "%s", cause);
		free(cause);
		return rc;
	}
	if ((*root = cJSON_ParseWithLength(text, len)) == NULL)
		rc = td_error(TD_EXIT_INVALID, "%s: not valid JSON", t->file);
	free(text);
	return rc;
}

static void
up_free(struct up_team *t)
{
	size_t i;

	for (i = 0; i < t->n; i++) {
		launch_free(&t->a[i].s);
		launch_seen_free(&t->a[i].seen);
	}
	free(t->a);
	free(t->dir);
}

static int
cmd_up(struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "timeout", required_argument, NULL, 't' }, ARGS_HELP, { NULL, 0, NULL, 0 }
	};
	struct up_team t = { 0 };
	long long timeout = UP_TIMEOUT;
	cJSON *root = NULL;
	int c, rc = 0;

	while ((c = args_next(ctx, argc, argv, "t:", opts, &rc)) != -1) {
		if (c != 't' || args_int(ctx, "--timeout", optarg, 0, 3600, &timeout) != 0)
			return c != 't' ? rc : TD_EXIT_USAGE;
	}
	if (optind + 1 != argc)
		return args_usage(ctx, "expected FILE");
	t.file = argv[optind];
	t.state_path = ctx->state_path;
	t.dir = state_find_dir(ctx->state_path);
	if ((rc = up_read(&t, &root)) == 0 && (rc = up_layout(&t, root)) == 0 &&
	    (rc = up_start(&t)) == 0) {
		up_wait(&t, timeout);
		rc = up_register(ctx, &t);
		if (up_report(&t, timeout) != 0)
			rc = TD_EXIT_FAIL;
	}
	up_free(&t);
	cJSON_Delete(root);
	return rc;
}
