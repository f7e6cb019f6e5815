/* session ls | show | attach | resume, down: the agents spawn started, their records, their shutdown. */
#include <dirent.h>
#include <sys/stat.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "arrival.h"
#include "events.h"
#include "launch.h"
#include "name.h"
#include "orphan.h"
#include "profile.h"
#include "state.h"
#include "terminal.h"
#include "tmux-dispatch.h"
#include "tmux.h"

#define DOWN_TIMEOUT 10
#define RESUME_TIMEOUT 60

static int cmd_session_ls(struct cmd_ctx *, int, char **);
static int cmd_session_show(struct cmd_ctx *, int, char **);
static int cmd_session_attach(struct cmd_ctx *, int, char **);
static int cmd_session_resume(struct cmd_ctx *, int, char **);
static int cmd_down(struct cmd_ctx *, int, char **);

const struct cmd_entry cmd_session_ls_entry = {
	"session ls", "[--json]", "list the agents spawn started (their session files)",
	"  -j, --json   print {\"sessions\": [session file...]}\n", cmd_session_ls
};

const struct cmd_entry cmd_session_show_entry = {
	"session show", "NAME", "print a spawned agent's session file", NULL, cmd_session_show
};

const struct cmd_entry cmd_session_attach_entry = {
	"session attach", "NAME",
	"inside tmux, switch to a spawned agent's pane; outside, print the attach command", NULL,
	cmd_session_attach
};

const struct cmd_entry cmd_session_resume_entry = {
	"session resume", "NAME [--fresh] [--timeout S]",
	"start a spawned agent again in its recorded directory, continuing its own session",
	"  --fresh      when no session id is recorded, start its recorded argv anew\n"
	"  --timeout S  wait at most S seconds (0 to 3600, default 60) for its idle prompt\n"
	"The profile's resume argv gets the session id recorded for NAME, never the newest\n"
	"session of the directory. It starts again in its pane when that still exists (a live\n"
	"agent gets its quit keys first), else in a new window of its session; its terminal\n"
	"and a running item stay as they are.\n",
	cmd_session_resume
};

const struct cmd_entry cmd_down_entry = {
	"down", "NAME...|SESSION [--timeout S]",
	"shut spawned agents down: their quit keys, then their panes are killed",
	"  NAME         a terminal spawn started; SESSION: every one spawned into that session\n"
	"  --timeout S  how long to wait for the quit keys to end it (0 to 600, default 10)\n"
	"A running item of a terminal shut down goes back to pending (attempts kept, the reason\n"
	"in the event log); the terminal and its session file are removed. Pending items\n"
	"assigned to it, or to a group it leaves empty, stay so (counted here): an up of the\n"
	"same layout takes them.\n",
	cmd_down
};

/* The session files, sorted by name (caller deletes). */
static cJSON *
session_all(const char *state_path)
{
	cJSON *list = cJSON_CreateArray(), *o;
	struct dirent **names;
	char *dir = state_side_path(state_path, "sessions"), *name;
	int n, i, rc;
	size_t len;

	if (dir == NULL || (n = scandir(dir, &names, NULL, alphasort)) < 0) {
		free(dir);
		return list;
	}
	for (i = 0; i < n; i++) {
		len = strlen(names[i]->d_name);
		if (len > 5 && strcmp(names[i]->d_name + len - 5, ".json") == 0) {
			name = xstrndup(names[i]->d_name, len - 5);
			if (name_valid(name) && (o = launch_session_read(state_path, name, &rc)) != NULL)
				cJSON_AddItemToArray(list, o);
			free(name);
		}
		free(names[i]);
	}
	free(names);
	free(dir);
	return list;
}

/* A session file's string, or "-": the file may have been edited by hand. */
static const char *
session_str(const cJSON *o, const char *key)
{
	return state_str(o, key) != NULL ? state_str(o, key) : "-";
}

static int
cmd_session_ls(struct cmd_ctx *ctx, int argc, char **argv)
{
	char *path;
	cJSON *list, *o, *out;
	int rc = 0, json = 0;

	if (!args_json(ctx, argc, argv, &json, &rc))
		return rc;
	if (optind != argc)
		return args_usage(ctx, "unexpected argument '%s'", argv[optind]);
	path = state_find_path(ctx->state_path);
	list = session_all(path);
	if (json) {
		out = cJSON_CreateObject();
		cJSON_AddItemToObject(out, "sessions", list);
		state_json_print(out);
		cJSON_Delete(out);
	} else {
		if (list->child != NULL)
			td_say("%-20s %-8s %-24s %-6s %s", "NAME", "PROFILE", "WHERE", "PANE",
			    "STARTED");
		cJSON_ArrayForEach(o, list) {
			td_say("%-20s %-8s %-24s %-6s %s", session_str(o, "name"),
			    session_str(o, "profile"), session_str(o, "session"),
			    session_str(o, "pane"), session_str(o, "startedAt"));
		}
		cJSON_Delete(list);
	}
	free(path);
	return 0;
}

/* NAME's session file, or NULL with *rc (reported). */
static cJSON *
session_one(struct cmd_ctx *ctx, int argc, char **argv, int *rc)
{
	static const struct option opts[] = { ARGS_HELP, { NULL, 0, NULL, 0 } };
	char *path;
	cJSON *o;
	int c;

	*rc = 0;
	while ((c = args_next(ctx, argc, argv, "", opts, rc)) != -1)
		return NULL;
	if (optind + 1 != argc) {
		*rc = args_usage(ctx, "expected NAME");
		return NULL;
	}
	if (!name_valid(argv[optind])) {
		*rc = args_usage(ctx, "invalid name '%s'", argv[optind]);
		return NULL;
	}
	path = state_find_path(ctx->state_path);
	if ((o = launch_session_read(path, argv[optind], rc)) == NULL && *rc == TD_EXIT_NOTFOUND)
		td_error(*rc, "no spawned agent '%s' (see tmux-dispatch session ls)", argv[optind]);
	free(path);
	return o;
}

static int
cmd_session_show(struct cmd_ctx *ctx, int argc, char **argv)
{
	int rc;
	cJSON *o = session_one(ctx, argc, argv, &rc);

	if (o == NULL)
		return rc;
	state_json_print(o);
	cJSON_Delete(o);
	return 0;
}

static int
cmd_session_attach(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct tmux_result r;
	const char *tmux = getenv("TMUX"), *pane;
	char *attach;
	int rc;
	cJSON *o = session_one(ctx, argc, argv, &rc);

	if (o == NULL)
		return rc;
	pane = state_str(o, "pane") != NULL ? state_str(o, "pane") : "";
	if (tmux != NULL && *tmux != '\0' && name_valid_target(pane)) {
		if ((rc = tmux_run((const char *const []){ "switch-client", "-t", pane, NULL },
		    NULL, 0, &r)) != 0)
			rc = td_error(TD_EXIT_FAIL, "tmux switch-client: %s", r.err);
		tmux_result_free(&r);
	} else if (state_str(o, "session") != NULL && name_valid(state_str(o, "session"))) {
		attach = launch_attach_command(state_str(o, "session"), "");
		td_say("%s", attach);
		free(attach);
	} else
		rc = td_error(TD_EXIT_INVALID, "the session file of '%s' names no session",
		    argv[argc - 1]);
	cJSON_Delete(o);
	return rc;
}

/* The agents to shut down: the spawned terminals named, or those spawned into a session. */
struct down_list {
	char **names;
	char **panes;
	size_t n;
};

static void
down_add(struct down_list *d, const char *name, const char *pane)
{
	size_t i;

	for (i = 0; i < d->n; i++) {
		if (strcmp(d->names[i], name) == 0)
			return;
	}
	d->names = xreallocarray(d->names, d->n + 1, sizeof *d->names);
	d->panes = xreallocarray(d->panes, d->n + 1, sizeof *d->panes);
	d->names[d->n] = xstrdup(name);
	d->panes[d->n++] = xstrdup(pane);
}

static int
down_collect(struct state *st, const char *arg, struct down_list *d)
{
	cJSON *term = state_terminal(st, arg), *list, *o;
	const char *session;
	size_t before = d->n;

	if (term != NULL) {
		if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(term, TERMINAL_SPAWNED)))
			return td_error(TD_EXIT_USAGE, "terminal '%s' was not started by spawn: down "
			    "stops only the agents it started", arg);
		down_add(d, arg, state_str(term, "target") != NULL ? state_str(term, "target") : "");
		return 0;
	}
	list = session_all(st->path);
	cJSON_ArrayForEach(o, list) {
		session = state_str(o, "session");
		term = state_terminal(st, state_str(o, "name") != NULL ? state_str(o, "name") : "");
		if (session != NULL && strcmp(session, arg) == 0 && term != NULL &&
		    cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(term, TERMINAL_SPAWNED)))
			down_add(d, term->string, state_str(term, "target") != NULL ?
			    state_str(term, "target") : "");
	}
	cJSON_Delete(list);
	if (d->n == before)
		return td_error(TD_EXIT_NOTFOUND, "no spawned terminal or session '%s'", arg);
	return 0;
}

static void
down_free(struct down_list *d)
{
	size_t i;

	for (i = 0; i < d->n; i++) {
		free(d->names[i]);
		free(d->panes[i]);
	}
	free(d->names);
	free(d->panes);
}

/*
 * Pending items keep their assignedTo: an up of the same layout takes them; say so for each
 * terminal shut down, and for each of their groups that has no terminal left (GROUPS[I] is
 * the group of NAMES[I]).
 */
static void
down_say_kept(struct state *st, const struct down_list *d, char **groups)
{
	char *all;
	size_t i, j;
	int n;

	for (i = 0; i < d->n; i++) {
		if ((n = orphan_count(st, d->names[i])) > 0)
			td_say("%s: %d pending item%s assigned", d->names[i], n, n == 1 ?
			    " stays" : "s stay");
	}
	for (i = 0; i < d->n; i++) {
		for (j = 0; j < i && strcmp(groups[j], groups[i]) != 0; j++)
			;
		if (j < i || (n = orphan_group_count(st, groups[i])) == 0)
			continue;
		xasprintf(&all, "all-%s", groups[i]);
		td_say("%s: %d pending item%s assigned", all, n, n == 1 ? " stays" : "s stay");
		free(all);
	}
}

/* The state after the panes are gone: running items back to pending, terminals removed. */
static int
down_forget(struct cmd_ctx *ctx, const struct down_list *d)
{
	struct state st;
	cJSON *item, *term;
	const char *t, *id;
	char *why, **groups;
	size_t i;
	int rc;

	if ((rc = state_open(&st, ctx->state_path, STATE_WRITE)) != 0) {
		state_close(&st);
		return rc;
	}
	groups = xcalloc(d->n + 1, sizeof *groups);
	for (i = 0; i < d->n; i++) {
		term = state_terminal(&st, d->names[i]);
		groups[i] = xstrdup(term != NULL ? terminal_group(term) : d->names[i]);
		xasprintf(&why, "its agent %s was shut down (down)", d->names[i]);
		cJSON_ArrayForEach(item, st.queue) {
			t = state_str(item, ITEM_TERMINAL);
			id = state_str(item, ITEM_ID);
			if (t == NULL || strcmp(t, d->names[i]) != 0 ||
			    strcmp(state_str(item, ITEM_STATUS), ST_RUNNING) != 0)
				continue;
			events_log(st.path, d->names[i], d->panes[i], id, "requeued", why);
			td_say("%s: %s back to pending", d->names[i], id);
			item_return(item, why);
		}
		free(why);
		cJSON_DeleteItemFromObjectCaseSensitive(st.terminals, d->names[i]);
	}
	if ((rc = state_commit(&st)) == 0) {
		for (i = 0; i < d->n; i++)
			launch_forget(st.path, d->names[i]);
		down_say_kept(&st, d, groups);
	}
	for (i = 0; i < d->n; i++)
		free(groups[i]);
	free(groups);
	state_close(&st);
	return rc;
}

static int
down_stop(struct cmd_ctx *ctx, const struct down_list *d, int timeout)
{
	const struct profile *p;
	struct state st;
	cJSON *term;
	char *cause = NULL;
	size_t i;
	int quit;

	if (state_open(&st, ctx->state_path, STATE_READ) != 0) {
		state_close(&st);
		return TD_EXIT_FAIL;
	}
	for (i = 0; i < d->n; i++) {
		term = state_terminal(&st, d->names[i]);
		if (term == NULL || profile_get(state_str(term, "profile") != NULL ?
		    state_str(term, "profile") : "auto", st.dir, &p, &cause) != 0) {
			free(cause);
			cause = NULL;
			p = NULL;
		}
		quit = launch_stop(p, d->panes[i], timeout);
		launch_kill(d->panes[i]);
		td_say("%s: down (%s)", d->names[i], quit ? "it quit" : "pane killed");
	}
	state_close(&st);
	return 0;
}

static int
cmd_down(struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "timeout", required_argument, NULL, 't' }, ARGS_HELP, { NULL, 0, NULL, 0 }
	};
	struct down_list d = { 0 };
	struct state st;
	long long timeout = DOWN_TIMEOUT;
	int c, i, rc = 0;

	while ((c = args_next(ctx, argc, argv, "t:", opts, &rc)) != -1) {
		if (c != 't' || args_int(ctx, "--timeout", optarg, 0, 600, &timeout) != 0)
			return c != 't' ? rc : TD_EXIT_USAGE;
	}
	if (optind == argc)
		return args_usage(ctx, "expected NAME... or SESSION");
	if ((rc = state_open(&st, ctx->state_path, STATE_READ)) == 0) {
		for (i = optind; i < argc && rc == 0; i++)
			rc = down_collect(&st, argv[i], &d);
	}
	state_close(&st);
	if (rc == 0 && (rc = down_stop(ctx, &d, (int)timeout)) == 0)
		rc = down_forget(ctx, &d);
	down_free(&d);
	return rc;
}

/* S->argv: the profile's resume argv with the recorded id, or with FRESH and no id the
 * recorded argv again. */
static int
resume_prepare(struct launch *s, const cJSON *o, int fresh, char **cause)
{
	const cJSON *argv = cJSON_GetObjectItemCaseSensitive(o, "argv"), *w;
	const char *id = state_str(o, "sessionId"), *model = s->model;
	char **words = NULL;
	size_t n = 0;
	int rc;

	if (id != NULL) {
		if (*id == '\0' || name_text_error(id, "") != NULL) {
			xasprintf(cause, "the recorded session id is not usable");
			return TD_EXIT_INVALID;
		}
		return launch_prepare_resume(s, id, cause);
	}
	if (!fresh) {
		xasprintf(cause, "no session id is recorded (profile '%s' minted none): "
		    "--fresh starts it anew", s->profile->name);
		return TD_EXIT_INVALID;
	}
	cJSON_ArrayForEach(w, argv) {
		if (!cJSON_IsString(w))
			break;
		words = xreallocarray(words, n + 1, sizeof *words);
		words[n++] = w->valuestring;
	}
	if (n == 0 || w != NULL) {
		free(words);
		xasprintf(cause, "the session file records no argv to start again");
		return TD_EXIT_INVALID;
	}
	/* The recorded argv holds its model flag already. */
	s->model = NULL;
	rc = launch_prepare(s, words, n, cause);
	s->model = model;
	free(words);
	return rc;
}

/* Where it starts again: PANE when tmux still has it (a live agent is asked to quit first),
 * else a new window of its session. */
static void
resume_where(struct launch *s, const char *pane)
{
	struct tmux_result r;
	size_t len = pane != NULL ? strlen(pane) : 0;
	int found, alive;

	if (pane == NULL || !name_valid_target(pane))
		return;
	/* The pane's own id in the answer: tmux may answer for another pane than one gone. */
	found = tmux_run((const char *const []){ "display-message", "-p", "-t", pane,
	    "#{pane_id} #{pane_dead}", NULL }, NULL, 0, &r) == 0 &&
	    strncmp(r.out, pane, len) == 0 && r.out[len] == ' ';
	alive = found && r.out[len + 1] == '0';
	tmux_result_free(&r);
	if (!found)
		return;
	if (alive)
		launch_stop(s->profile, pane, DOWN_TIMEOUT);
	s->respawn = pane;
}

/* The terminal's target when it moved to a new pane; the session file rewritten. */
static int
resume_register(struct cmd_ctx *ctx, const struct launch *s, const char *was)
{
	struct state st;
	cJSON *term;
	int rc = 0;

	if (was == NULL || strcmp(was, s->pane) != 0) {
		if ((rc = state_open(&st, ctx->state_path, STATE_WRITE)) == 0) {
			if ((term = state_terminal(&st, s->name)) != NULL) {
				state_set_str(term, "target", s->pane);
				rc = state_commit(&st);
			}
		}
		state_close(&st);
	}
	if (rc == 0) {
		char *path = state_find_path(ctx->state_path);

		rc = launch_record(s, path);
		free(path);
	}
	return rc;
}

static int
resume_run(struct cmd_ctx *ctx, struct launch *s, const cJSON *o, const char *target,
    int fresh, long long timeout)
{
	struct launch_seen seen = { 0 };
	char *cause = NULL;
	int rc;

	if ((rc = resume_prepare(s, o, fresh, &cause)) == 0) {
		resume_where(s, target);
		if ((rc = launch_start(s, &cause)) == 0)
			rc = launch_wait(s, (int)timeout, &seen, &cause);
	}
	if (rc != 0) {
		td_error(rc, "%s: %s", s->name, cause);
		free(cause);
		return rc;
	}
	/* A dead agent's pane is kept: its terminal points there, and it shows why. */
	if (seen.dead)
		rc = arrival_dead(s, &seen);
	else if ((rc = resume_register(ctx, s, target)) == 0) {
		arrival_report(s, &seen, timeout);
		if (state_str(o, "sessionId") != NULL)
			td_say("%s: resumed session %s", s->name, s->session_id);
		else
			td_say("%s: started anew (no session id was recorded)", s->name);
	}
	launch_seen_free(&seen);
	return rc;
}

/* The launch of NAME from its session file and terminal: profile, model, session, cwd. */
static int
resume_load(struct cmd_ctx *ctx, const cJSON *o, const char *name, struct launch *s,
    char **target)
{
	const char *session = state_str(o, "session"), *cwd = state_str(o, "cwd");
	struct state st;
	struct stat sb;
	cJSON *term;
	char *cause = NULL, *dir;
	int rc;

	*target = NULL;
	if ((rc = state_open(&st, ctx->state_path, STATE_READ)) == 0) {
		term = state_terminal(&st, name);
		if (term == NULL || !cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(term,
		    TERMINAL_SPAWNED)))
			rc = td_error(TD_EXIT_NOTFOUND, "'%s' is not a spawned terminal: spawn it "
			    "again", name);
		else if (state_str(term, "target") != NULL)
			*target = xstrdup(state_str(term, "target"));
	}
	state_close(&st);
	if (rc != 0)
		return rc;
	if (session == NULL || !name_valid(session) || cwd == NULL)
		return td_error(TD_EXIT_INVALID, "the session file of '%s' names no session or "
		    "directory", name);
	if (stat(cwd, &sb) != 0 || !S_ISDIR(sb.st_mode))
		return td_error(TD_EXIT_FAIL, "%s: its directory %s is gone", name, cwd);
	dir = state_find_dir(ctx->state_path);
	rc = profile_get(state_str(o, "profile") != NULL ? state_str(o, "profile") : "", dir,
	    &s->profile, &cause);
	free(dir);
	if (rc != 0) {
		td_error(rc, "%s: %s", name, cause);
		free(cause);
		return rc;
	}
	s->name = name;
	s->session = session;
	s->model = state_str(o, "model");
	s->cwd = xstrdup(cwd);
	return 0;
}

static int
cmd_session_resume(struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "fresh", no_argument, NULL, 'f' },
		{ "timeout", required_argument, NULL, 't' },
		ARGS_HELP, { NULL, 0, NULL, 0 }
	};
	struct launch s = { 0 };
	long long timeout = RESUME_TIMEOUT;
	char *path, *target = NULL;
	cJSON *o;
	int c, rc = 0, fresh = 0;

	while ((c = args_next(ctx, argc, argv, "ft:", opts, &rc)) != -1) {
		if (c == 0 || (c == 't' && args_int(ctx, "--timeout", optarg, 0, 3600,
		    &timeout) != 0))
			return c == 0 ? rc : TD_EXIT_USAGE;
		fresh |= c == 'f';
	}
	if (optind + 1 != argc)
		return args_usage(ctx, "expected NAME");
	if (!name_valid(argv[optind]))
		return args_usage(ctx, "invalid name '%s'", argv[optind]);
	path = state_find_path(ctx->state_path);
	if ((o = launch_session_read(path, argv[optind], &rc)) == NULL) {
		if (rc == TD_EXIT_NOTFOUND)
			td_error(rc, "no spawned agent '%s' (see tmux-dispatch session ls)",
			    argv[optind]);
	} else if ((rc = resume_load(ctx, o, argv[optind], &s, &target)) == 0)
		rc = resume_run(ctx, &s, o, target, fresh, timeout);
	launch_free(&s);
	free(target);
	free(path);
	cJSON_Delete(o);
	return rc;
}
