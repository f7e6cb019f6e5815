/*
 * Starting an agent in tmux (launch.h). The program runs as "env [-u NAME]... PATH ARGS...": an
 * argv of two or more words, which tmux executes without a shell, and env removes the
 * variables the profile names (tmux's -e NAME= would set them empty, not remove them). Every
 * word reaches tmux through tmux_arg, and the directory has its '#' doubled, because tmux
 * expands formats (#(command) among them) in -c.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "capture.h"
#include "deliver.h"
#include "durable.h"
#include "observe.h"
#include "profile.h"
#include "launch.h"
#include "state.h"
#include "tmux-dispatch.h"
#include "tmux.h"

#define LAUNCH_POLL_MS 150
#define LAUNCH_LAST_LINES 20
#define LAUNCH_HISTORY 2000 /* lines read back from a dead pane, for its last non-blank ones */
#define LAUNCH_DEAD "Pane is dead (status "
#define LAUNCH_FORMAT "#{pane_id} #{pane_pid} #{window_index}"

/* A tmux argv whose words are all owned. */
struct launch_av {
	char **v;
	size_t n;
};

static void
launch_av_add(struct launch_av *a, const char *word)
{
	a->v = xreallocarray(a->v, a->n + 2, sizeof *a->v);
	a->v[a->n++] = tmux_arg(word);
	a->v[a->n] = NULL;
}

/* The ';' that ends one tmux command of the call, the only word not escaped. */
static void
launch_av_end(struct launch_av *a)
{
	a->v = xreallocarray(a->v, a->n + 2, sizeof *a->v);
	a->v[a->n++] = xstrdup(";");
	a->v[a->n] = NULL;
}

static void
launch_av_free(struct launch_av *a)
{
	size_t i;

	for (i = 0; i < a->n; i++)
		free(a->v[i]);
	free(a->v);
	memset(a, 0, sizeof *a);
}

static int
launch_av_run(struct launch_av *a, struct tmux_result *r)
{
	return tmux_run((const char *const *)a->v, NULL, 0, r);
}

char *
launch_which(const char *prog)
{
	const char *path = getenv("PATH"), *p, *colon;
	char resolved[PATH_MAX], *cand;

	if (strchr(prog, '/') != NULL)
		return access(prog, X_OK) == 0 && realpath(prog, resolved) != NULL ?
		    xstrdup(resolved) : NULL;
	for (p = path != NULL ? path : "/usr/bin:/bin"; ; p = colon + 1) {
		colon = strchr(p, ':');
		xasprintf(&cand, "%.*s/%s", colon != NULL ? (int)(colon - p) : (int)strlen(p),
		    p, prog);
		if (cand[0] == '/' && access(cand, X_OK) == 0 &&
		    realpath(cand, resolved) != NULL) {
			free(cand);
			return xstrdup(resolved);
		}
		free(cand);
		if (colon == NULL)
			return NULL;
	}
}

/* A random (version 4) UUID, for an agent that accepts its session id at launch. */
static char *
launch_uuid(void)
{
	unsigned char b[16];
	char *out;
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);

	if (fd == -1 || read(fd, b, sizeof b) != (ssize_t)sizeof b)
		fatal("cannot read /dev/urandom");
	close(fd);
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
	xasprintf(&out, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
	    b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12],
	    b[13], b[14], b[15]);
	return out;
}

static void
launch_argv_add(struct launch *s, const char *word)
{
	s->argv = xreallocarray(s->argv, s->argc + 2, sizeof *s->argv);
	s->argv[s->argc++] = xstrdup(word);
	s->argv[s->argc] = NULL;
}

int
launch_prepare(struct launch *s, char **user, size_t n, char **cause)
{
	const struct profile_launch *l = &s->profile->launch;
	char **words = n > 0 ? user : l->argv, *prog;
	size_t i, nw = n > 0 ? n : l->argc;

	if (nw == 0) {
		xasprintf(cause, "profile '%s' has no \"launch\": give the command after --",
		    s->profile->name);
		return TD_EXIT_USAGE;
	}
	if (s->model != NULL && l->model_flag == NULL) {
		xasprintf(cause, "profile '%s' has no \"modelFlag\": --model cannot be passed",
		    s->profile->name);
		return TD_EXIT_USAGE;
	}
	/* env would take a program "A=B" for a variable to set. */
	if (strchr(words[0], '=') != NULL || (prog = launch_which(words[0])) == NULL) {
		xasprintf(cause, "cannot run '%s': %s", words[0], strchr(words[0], '=') != NULL ?
		    "a program name with '='" : strchr(words[0], '/') != NULL ?
		    "not an executable file" : "not found on PATH");
		return TD_EXIT_NOTFOUND;
	}
	launch_argv_add(s, prog);
	free(prog);
	for (i = 1; i < nw; i++)
		launch_argv_add(s, words[i]);
	if (s->model != NULL) {
		launch_argv_add(s, l->model_flag);
		launch_argv_add(s, s->model);
	}
	if (l->session_flag != NULL) {
		s->session_id = launch_uuid();
		launch_argv_add(s, l->session_flag);
		launch_argv_add(s, s->session_id);
	}
	return 0;
}

int
launch_prepare_resume(struct launch *s, const char *id, char **cause)
{
	const struct profile_launch *l = &s->profile->launch;
	char *prog;
	size_t i;

	if (l->nresume == 0) {
		xasprintf(cause, "profile '%s' has no \"resume\"", s->profile->name);
		return TD_EXIT_USAGE;
	}
	if ((prog = launch_which(l->resume[0])) == NULL) {
		xasprintf(cause, "cannot run '%s': not found", l->resume[0]);
		return TD_EXIT_NOTFOUND;
	}
	launch_argv_add(s, prog);
	free(prog);
	for (i = 1; i < l->nresume; i++)
		launch_argv_add(s, strcmp(l->resume[i], PROFILE_SESSION) == 0 ? id : l->resume[i]);
	if (s->model != NULL && l->model_flag != NULL) {
		launch_argv_add(s, l->model_flag);
		launch_argv_add(s, s->model);
	}
	s->session_id = xstrdup(id);
	return 0;
}

/* "-c DIR -e K=V... [-P -F FORMAT] -- env -u NAME... ARGV..." (respawn-pane prints nothing) */
static void
launch_av_command(const struct launch *s, struct launch_av *a, const char *env)
{
	const struct profile_launch *l = &s->profile->launch;
	char *dir = xmalloc(2 * strlen(s->cwd) + 1), *o = dir;
	const char *c;
	size_t i;

	for (c = s->cwd; *c != '\0'; c++) {
		if (*c == '#')
			*o++ = '#';
		*o++ = *c;
	}
	*o = '\0';
	launch_av_add(a, "-c");
	launch_av_add(a, dir);
	free(dir);
	for (i = 0; i < s->nenv; i++) {
		launch_av_add(a, "-e");
		launch_av_add(a, s->env[i]);
	}
	if (s->respawn == NULL) {
		launch_av_add(a, "-P");
		launch_av_add(a, "-F");
		launch_av_add(a, LAUNCH_FORMAT);
	}
	launch_av_add(a, "--");
	launch_av_add(a, env);
	for (i = 0; i < l->nunset; i++) {
		launch_av_add(a, "-u");
		launch_av_add(a, l->unset[i]);
	}
	for (i = 0; i < s->argc; i++)
		launch_av_add(a, s->argv[i]);
}

int
launch_session_exists(const char *session)
{
	struct tmux_result r;
	char *t;
	int rc;

	xasprintf(&t, "=%s", session);
	rc = tmux_run((const char *const []){ "has-session", "-t", t, NULL }, NULL, 0, &r);
	tmux_result_free(&r);
	free(t);
	return rc == 0;
}

/* A window index free in SESSION: the new window is then named by it exactly. */
static int
launch_free_index(const char *session, char **cause)
{
	struct tmux_result r;
	char *t, *line, *end;
	long max = -1, v;

	xasprintf(&t, "=%s", session);
	if (tmux_run((const char *const []){ "list-windows", "-t", t, "-F", "#{window_index}",
	    NULL }, NULL, 0, &r) != 0) {
		xasprintf(cause, "tmux list-windows: %s", r.err);
		tmux_result_free(&r);
		free(t);
		return -1;
	}
	for (line = r.out; *line != '\0'; line = *end != '\0' ? end + 1 : end) {
		v = strtol(line, &end, 10);
		if (v > max)
			max = v;
		end += strcspn(end, "\n");
	}
	tmux_result_free(&r);
	free(t);
	return (int)max + 1;
}

/*
 * The tmux commands that create the pane and, in the same client call (so before the server
 * can notice the program exit), set remain-on-exit on it: an agent that dies at once leaves
 * its last screen and exit status to read.
 */
static int
launch_av_build(struct launch *s, struct launch_av *a, const char *env, char **cause)
{
	char *t, *w;
	int idx;

	if (s->respawn != NULL) {
		/* The same pane: its id, the terminal's target, stays. */
		launch_av_add(a, "respawn-pane");
		launch_av_add(a, "-k");
		launch_av_add(a, "-t");
		launch_av_add(a, s->respawn);
		launch_av_command(s, a, env);
		launch_av_end(a);
		launch_av_add(a, "display-message");
		launch_av_add(a, "-p");
		launch_av_add(a, "-t");
		launch_av_add(a, s->respawn);
		launch_av_add(a, LAUNCH_FORMAT);
		return 0;
	}
	if (!launch_session_exists(s->session)) {
		s->created = 1;
		xasprintf(&t, "=%s:", s->session);
		launch_av_add(a, "new-session");
		launch_av_add(a, "-d");
		launch_av_add(a, "-s");
		launch_av_add(a, s->session);
		launch_av_add(a, "-n");
		launch_av_add(a, s->window != NULL ? s->window : s->name);
	} else if (s->split) {
		xasprintf(&t, "=%s:%s", s->session, s->window != NULL ? s->window : "");
		launch_av_add(a, "split-window");
		launch_av_add(a, "-t");
		launch_av_add(a, t);
	} else {
		if ((idx = launch_free_index(s->session, cause)) < 0)
			return TD_EXIT_FAIL;
		xasprintf(&t, "=%s:%d", s->session, idx);
		launch_av_add(a, "new-window");
		launch_av_add(a, "-d");
		launch_av_add(a, "-t");
		launch_av_add(a, t);
		launch_av_add(a, "-n");
		launch_av_add(a, s->window != NULL ? s->window : s->name);
	}
	launch_av_command(s, a, env);
	w = xstrdup(t);
	launch_av_end(a);
	launch_av_add(a, "set-option");
	launch_av_add(a, "-p");
	launch_av_add(a, "-t");
	launch_av_add(a, w); /* a split made its pane the window's active one */
	launch_av_add(a, "remain-on-exit");
	launch_av_add(a, "on");
	if (s->split && !s->created) {
		launch_av_end(a);
		launch_av_add(a, "last-pane");
		launch_av_add(a, "-t");
		launch_av_add(a, w);
	}
	free(w);
	free(t);
	return 0;
}

int
launch_start(struct launch *s, char **cause)
{
	struct launch_av a = { 0 };
	struct tmux_result r;
	char *env = launch_which("env");
	int rc;

	if (env == NULL) {
		xasprintf(cause, "cannot run 'env': not found on PATH");
		return TD_EXIT_FAIL;
	}
	if ((rc = launch_av_build(s, &a, env, cause)) == 0) {
		if (launch_av_run(&a, &r) != 0 || sscanf(r.out, "%31s %ld %15s", s->pane, &s->pid,
		    s->window_index) != 3) {
			xasprintf(cause, "tmux could not start the agent: %s", *r.err != '\0' ?
			    r.err : "no pane");
			rc = TD_EXIT_FAIL;
		}
		tmux_result_free(&r);
	}
	launch_av_free(&a);
	free(env);
	return rc;
}

/*
 * The exit status of a dead pane. tmux 3.3a may mark the pane dead (its pty closed) and leave
 * the process a zombie, without status, until some other child of the server exits (1 spawn
 * in 4 here): then a constant "true" run by the server is that other child, and the next
 * SIGCHLD reaps both.
 */
static int
launch_dead_status(const char *pane)
{
	struct tmux_result r;
	long long start = clock_ms();
	int status = -1, poked = 0;

	do {
		if (tmux_run((const char *const []){ "display-message", "-p", "-t", pane,
		    "#{pane_dead_status}", NULL }, NULL, 0, &r) == 0 && r.out[0] >= '0' &&
		    r.out[0] <= '9')
			status = atoi(r.out);
		tmux_result_free(&r);
		if (status >= 0)
			break;
		if (!poked && clock_ms() - start >= 100) {
			poked = 1;
			tmux_run((const char *const []){ "run-shell", "true", NULL }, NULL, 0, &r);
			tmux_result_free(&r);
		}
		usleep(50 * 1000);
	} while (clock_ms() - start < 1500);
	return status;
}

int
launch_pane_ended(const char *pane, int *status)
{
	struct tmux_result r;
	size_t len = strlen(pane);
	/* tmux 3.3a answers a -t of a pane that is gone with an empty line and status 0. */
	int rc = tmux_run((const char *const []){ "display-message", "-p", "-t", pane,
	    "#{pane_id}:#{pane_dead}", NULL }, NULL, 0, &r);
	int found = rc == 0 && strncmp(r.out, pane, len) == 0 && r.out[len] == ':';
	int dead = found && r.out[len + 1] == '1';

	tmux_result_free(&r);
	if (!found)
		return -1;
	*status = dead ? launch_dead_status(pane) : -1;
	return dead;
}

/*
 * Keeps the last LAUNCH_LAST_LINES lines of a dead pane above the blank screen rows and tmux's
 * own "Pane is dead (status N, ...)" line, which gives the status when pane_dead_status has
 * none yet.
 */
static void
launch_last_lines(struct launch_seen *seen)
{
	char *t = seen->last, *end = t + strlen(t), *line;
	int n = 0;

	for (;;) {
		while (end > t && (end[-1] == '\n' || end[-1] == ' '))
			end--;
		for (line = end; line > t && line[-1] != '\n'; line--)
			;
		if (strncmp(line, LAUNCH_DEAD, strlen(LAUNCH_DEAD)) != 0)
			break;
		if (seen->status < 0)
			seen->status = atoi(line + strlen(LAUNCH_DEAD));
		end = line;
	}
	*end = '\0';
	for (line = end; line > t; line--) {
		if (line[-1] == '\n' && ++n >= LAUNCH_LAST_LINES)
			break;
	}
	memmove(t, line, strlen(line) + 1);
}

void
launch_seen_init(struct launch_seen *seen)
{
	memset(seen, 0, sizeof *seen);
	seen->state = PANE_UNKNOWN;
	seen->status = -1;
}

int
launch_look(const struct launch *s, struct launch_seen *seen, int *done, char **cause)
{
	struct observation o;
	size_t len;
	int rc;

	*done = 0;
	if ((rc = observe_pane(s->pane, s->profile, 0, &o, cause)) != 0)
		return rc;
	seen->state = o.v.state;
	snprintf(seen->rule, sizeof seen->rule, "%s", o.v.rule);
	if (o.meta.dead) {
		seen->dead = 1;
		seen->state = PANE_EXITED;
		seen->status = launch_dead_status(s->pane);
		if (capture_history(s->pane, LAUNCH_HISTORY, &seen->last, &len) != 0)
			seen->last = xstrdup("");
		launch_last_lines(seen);
	}
	*done = seen->dead || o.v.state == PANE_IDLE || o.v.state == PANE_WAITING;
	return 0;
}

int
launch_wait(const struct launch *s, int timeout, struct launch_seen *seen, char **cause)
{
	long long until = clock_ms() + (long long)timeout * 1000;
	int rc, done;

	launch_seen_init(seen);
	for (;;) {
		if ((rc = launch_look(s, seen, &done, cause)) != 0)
			return rc;
		if (done || clock_ms() >= until)
			return 0;
		usleep(LAUNCH_POLL_MS * 1000);
	}
}

void
launch_seen_free(struct launch_seen *seen)
{
	free(seen->last);
	seen->last = NULL;
}

void
launch_free(struct launch *s)
{
	size_t i;

	for (i = 0; i < s->nenv; i++)
		free(s->env[i]);
	for (i = 0; i < s->argc; i++)
		free(s->argv[i]);
	free(s->env);
	free(s->argv);
	free(s->cwd);
	free(s->session_id);
}

void
launch_env_add(struct launch *s, const char *kv)
{
	s->env = xreallocarray(s->env, s->nenv + 1, sizeof *s->env);
	s->env[s->nenv++] = xstrdup(kv);
}

int
launch_kill(const char *pane)
{
	struct tmux_result r;
	int rc = tmux_run((const char *const []){ "kill-pane", "-t", pane, NULL }, NULL, 0, &r);

	tmux_result_free(&r);
	return rc;
}

char *
launch_attach_command(const char *session, const char *window)
{
	const char *tmux = getenv("TMUX");
	char *out;

	if (tmux != NULL && *tmux != '\0')
		xasprintf(&out, "tmux switch-client -t %s:%s", session, window);
	else
		xasprintf(&out, "tmux attach -t %s", session);
	return out;
}

char *
launch_session_path(const char *state_path, const char *name)
{
	char *dir, *path, *cause = NULL;

	if ((dir = state_side_path(state_path, "sessions")) == NULL)
		return NULL;
	if (durable_mkdir(dir, durable_mode_of(state_path), &cause) != 0) {
		td_error(TD_EXIT_FAIL, "%s", cause);
		free(cause);
		free(dir);
		return NULL;
	}
	xasprintf(&path, "%s/%s.json", dir, name);
	free(dir);
	return path;
}

static cJSON *
launch_session_json(const struct launch *s)
{
	cJSON *o = cJSON_CreateObject(), *argv;
	char *when = state_format_time(time(NULL)), *attach;
	size_t i;

	cJSON_AddStringToObject(o, "name", s->name);
	cJSON_AddStringToObject(o, "profile", s->profile->name);
	if (s->model != NULL)
		cJSON_AddStringToObject(o, "model", s->model);
	else
		cJSON_AddNullToObject(o, "model");
	argv = cJSON_AddArrayToObject(o, "argv");
	for (i = 0; i < s->argc; i++)
		cJSON_AddItemToArray(argv, cJSON_CreateString(s->argv[i]));
	cJSON_AddStringToObject(o, "session", s->session);
	cJSON_AddStringToObject(o, "window", s->window_index);
	cJSON_AddStringToObject(o, "pane", s->pane);
	cJSON_AddStringToObject(o, "cwd", s->cwd);
	if (s->worktree != NULL) {
		cJSON_AddStringToObject(o, "worktree", s->worktree);
		cJSON_AddStringToObject(o, "branch", s->branch);
	}
	cJSON_AddNumberToObject(o, "pid", (double)s->pid);
	cJSON_AddStringToObject(o, "startedAt", when);
	if (s->session_id != NULL)
		cJSON_AddStringToObject(o, "sessionId", s->session_id);
	else
		cJSON_AddNullToObject(o, "sessionId");
	attach = launch_attach_command(s->session, s->window_index);
	cJSON_AddStringToObject(o, "attach", attach);
	free(attach);
	free(when);
	return o;
}

int
launch_record(const struct launch *s, const char *state_path)
{
	cJSON *o = launch_session_json(s);
	char *path = launch_session_path(state_path, s->name), *text, *cause = NULL;
	int rc = TD_EXIT_FAIL;

	text = state_json_text(o);
	text = xrealloc(text, strlen(text) + 2);
	strcat(text, "\n");
	if (path != NULL && durable_replace(path, text, strlen(text),
	    durable_mode_of(state_path), &cause) == 0)
		rc = 0;
	else if (path != NULL)
		td_error(TD_EXIT_FAIL, "%s", cause);
	free(cause);
	free(text);
	free(path);
	cJSON_Delete(o);
	return rc;
}

cJSON *
launch_session_read(const char *state_path, const char *name, int *rc)
{
	char *path = launch_session_path(state_path, name), *text = NULL, *cause = NULL;
	cJSON *o = NULL;
	size_t len;

	*rc = TD_EXIT_FAIL;
	if (path == NULL)
		return NULL;
	if ((*rc = file_read_path(path, 1024 * 1024, &text, &len, &cause)) == 0) {
		if ((o = cJSON_ParseWithLength(text, len)) == NULL || !cJSON_IsObject(o)) {
			*rc = td_error(TD_EXIT_INVALID, "%s: not a session file", path);
			cJSON_Delete(o);
			o = NULL;
		}
	} else if (*rc == TD_EXIT_NOTFOUND)
		free(cause);
	else
		td_error(*rc, "%s", cause);
	free(text);
	free(path);
	return o;
}

static int
launch_send(struct launch_av *a)
{
	struct tmux_result r;
	int rc = a->n == 0 ? 0 : launch_av_run(a, &r);

	if (a->n != 0)
		tmux_result_free(&r);
	launch_av_free(a);
	return rc;
}

/*
 * Sends keys to PANE: the text literally, then, after the delivery's pause between paste and
 * Enter (Codex took an Enter that came with the text as part of a paste, and stayed), each key
 * by name. 0 or -1.
 */
static int
launch_keys(const struct profile_keys *k, const char *pane)
{
	struct launch_av a = { 0 };
	size_t i;

	if (k->text != NULL) {
		launch_av_add(&a, "send-keys");
		launch_av_add(&a, "-t");
		launch_av_add(&a, pane);
		launch_av_add(&a, "-l");
		launch_av_add(&a, "--");
		launch_av_add(&a, k->text);
		if (launch_send(&a) != 0)
			return -1;
		if (k->nkeys != 0)
			usleep((useconds_t)deliver_enter_delay() * 1000);
	}
	for (i = 0; i < k->nkeys; i++) {
		if (a.n > 0)
			launch_av_end(&a);
		launch_av_add(&a, "send-keys");
		launch_av_add(&a, "-t");
		launch_av_add(&a, pane);
		launch_av_add(&a, k->keys[i]);
	}
	return launch_send(&a);
}

int
launch_exited(const char *pane)
{
	struct tmux_result r;
	int rc = tmux_run((const char *const []){ "display-message", "-p", "-t", pane,
	    "#{pane_id} #{pane_dead}", NULL }, NULL, 0, &r);
	size_t n = strlen(pane);
	/* tmux 3.3a answers a pane that is gone with an empty line and status 0: gone is dead. */
	int dead = rc != 0 || strncmp(r.out, pane, n) != 0 || r.out[n] != ' ' ||
	    r.out[n + 1] == '1';

	tmux_result_free(&r);
	return dead;
}

int
launch_stop(const struct profile *p, const char *pane, int timeout)
{
	long long until = clock_ms() + (long long)timeout * 1000;

	if (p != NULL && (p->launch.quit.text != NULL || p->launch.quit.nkeys != 0) &&
	    !launch_exited(pane) && launch_keys(&p->launch.quit, pane) == 0) {
		while (!launch_exited(pane) && clock_ms() < until)
			usleep(LAUNCH_POLL_MS * 1000);
	}
	return launch_exited(pane);
}

void
launch_forget(const char *state_path, const char *name)
{
	char *path = launch_session_path(state_path, name);

	if (path != NULL && unlink(path) != 0 && errno != ENOENT)
		td_error(TD_EXIT_FAIL, "cannot remove %s: %s", path, strerror(errno));
	free(path);
}

int
launch_send_keys(const struct profile_keys *k, const char *pane)
{
	return launch_keys(k, pane);
}
