/*
 * Worktree tasks (worktree.h). git runs as a program with an argv (git.h), never
 * through a shell, and only when an item asks for a worktree: a helper without git works as
 * before for everything else. Starting an agent does not wait for it: the check holds the lock.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "check.h"
#include "git.h"
#include "item.h"
#include "launch.h"
#include "limit.h"
#include "name.h"
#include "oneshot.h"
#include "profile.h"
#include "queue.h"
#include "schedule.h"
#include "state.h"
#include "strmap.h"
#include "terminal.h"
#include "tmux-dispatch.h"
#include "tmux.h"
#include "worktree.h"

#define WORKTREE_CLOSING "closing" /* in memory only: the terminal is removed before the write */
/* An agent to shut down once the state without its terminal is written. */
struct worktree_stop {
	char *name, *pane, *profile;
};

int
worktree_of(const cJSON *item)
{
	const cJSON *w = state_get(item, ITEM_WORKTREE);

	return cJSON_IsTrue(w) || (cJSON_IsString(w) && state_str(item, WORKTREE_REPO) != NULL);
}

int
worktree_waiting(const cJSON *item)
{
	return cJSON_IsTrue(state_get(item, ITEM_WORKTREE));
}

static int worktree_orphan(struct state *, const cJSON *);

int
worktree_live(struct state *st)
{
	const cJSON *item;

	cJSON_ArrayForEach(item, st->queue) {
		if (worktree_waiting(item) || worktree_orphan(st, item))
			return 1;
	}
	return 0;
}

static int
worktree_closing(const cJSON *term)
{
	return cJSON_IsTrue(state_get(term, WORKTREE_CLOSING));
}

int
worktree_takes(const cJSON *term, const cJSON *item)
{
	return worktree_takes_member(term, state_get(item, ITEM_WORKTREE), state_str(item, ITEM_ID));
}

int
worktree_takes_member(const cJSON *term, const cJSON *worktree, const char *id)
{
	const char *task;

	if (cJSON_IsTrue(worktree) || worktree_closing(term))
		return 0;
	task = state_str(term, WORKTREE_TASK);
	return task == NULL || strcmp(task, id) == 0;
}


/* The line of git's ERR that says what failed: its first "fatal:" or "error:" one, else its
 * first (progress such as "Preparing worktree" may come before). Caller frees. */
static char *
worktree_git_line(const char *err)
{
	const char *line;

	for (line = err; *line != '\0'; line += strcspn(line, "\n"), line += *line == '\n') {
		if (strncmp(line, "fatal: ", 7) == 0 || strncmp(line, "error: ", 7) == 0)
			return xstrndup(line, strcspn(line, "\n"));
	}
	return xstrndup(err, strcspn(err, "\n"));
}

/* git -C DIR ARGS...: 0 with *out its standard output (trailing newlines dropped; caller
 * frees; OUT may be NULL), else -1 with *cause git's line that says why (caller frees). */
static int
worktree_git(const char *dir, const char *const *args, char **out, char **cause)
{
	struct tmux_result r;
	size_t len;
	int rc = git_run(dir, args, &r) == 0 ? 0 : -1;

	if (rc == 0 && out != NULL) {
		len = strlen(r.out);
		while (len > 0 && r.out[len - 1] == '\n')
			len--;
		*out = xstrndup(r.out, len);
	} else if (rc != 0 && cause != NULL) {
		if (*r.err != '\0')
			*cause = worktree_git_line(r.err);
		else
			xasprintf(cause, "git %s: exit status %d", args[0], r.status);
	}
	tmux_result_free(&r);
	return rc;
}

/* The commit REF names in REPO (caller frees), or NULL. */
static char *
worktree_commit_of(const char *repo, const char *ref)
{
	char *spec, *sha = NULL;

	xasprintf(&spec, "%s^{commit}", ref);
	if (worktree_git(repo, (const char *const []){ "rev-parse", "--verify", "--quiet",
	    "--end-of-options", spec, NULL }, &sha, NULL) != 0)
		sha = NULL;
	free(spec);
	return sha;
}

/* Whether branch BRANCH exists in REPO. */
static int
worktree_branch_exists(const char *repo, const char *branch)
{
	char *ref;
	int rc;

	xasprintf(&ref, "refs/heads/%s", branch);
	rc = worktree_git(repo, (const char *const []){ "rev-parse", "--verify", "--quiet",
	    "--end-of-options", ref, NULL }, NULL, NULL);
	free(ref);
	return rc == 0;
}

/* The default directory of ITEM's worktree, ../REPONAME-task-ID beside REPO (caller frees). */
static char *
worktree_path(const char *repo, const cJSON *item)
{
	const char *slash = strrchr(repo, '/');
	char *path;

	if (slash == repo)
		xasprintf(&path, "/%s-" WORKTREE_PREFIX "%s", slash + 1, state_str(item, ITEM_ID));
	else
		xasprintf(&path, "%.*s/%s-" WORKTREE_PREFIX "%s", (int)(slash - repo), repo,
		    slash + 1, state_str(item, ITEM_ID));
	return path;
}

/* The terminal name of ITEM's agent, task-ID (caller frees). */
static char *
worktree_agent_name(const cJSON *item)
{
	char *name;

	xasprintf(&name, WORKTREE_PREFIX "%s", state_str(item, ITEM_ID));
	return name;
}

/* The branch: the item's, else task/ID (caller frees). */
static char *
worktree_branch_of(const cJSON *item)
{
	char *branch;

	if (state_str(item, ITEM_BRANCH) != NULL)
		return xstrdup(state_str(item, ITEM_BRANCH));
	xasprintf(&branch, "task/%s", state_str(item, ITEM_ID));
	return branch;
}

static int
worktree_check_profile(const struct profile *p, int model, char **cause)
{
	if (p->is_auto || p->launch.argc == 0) {
		xasprintf(cause, "profile '%s' has no \"launch\": it cannot start an agent", p->name);
		return TD_EXIT_USAGE;
	}
	if (model && p->launch.model_flag == NULL) {
		xasprintf(cause, "profile '%s' has no \"modelFlag\": a model cannot be passed",
		    p->name);
		return TD_EXIT_USAGE;
	}
	return 0;
}

/* Its id makes a terminal name, and its profile can start an agent with its model. */
static int
worktree_check_agent(struct state *st, const cJSON *item, char **cause)
{
	const char *pname = state_str(item, ITEM_PROFILE), *model = state_str(item, ITEM_MODEL);
	char *name = worktree_agent_name(item);
	const struct profile *p;
	const char *why;
	int rc = TD_EXIT_USAGE;

	if (!name_valid(name))
		xasprintf(cause, "a worktree task's id names its agent %s: use 1 to %zu of A-Z a-z "
		    "0-9 . _ -", WORKTREE_PREFIX "ID", 64 - strlen(WORKTREE_PREFIX));
	else if (state_terminal(st, name) != NULL)
		xasprintf(cause, "terminal '%s' exists: it would be this task's agent", name);
	else if (model != NULL && ((why = queue_check_label(model)) != NULL || *model == '-'))
		xasprintf(cause, "model %s", why != NULL ? why : "starts with '-'");
	else if ((rc = profile_get(pname != NULL ? pname : "claude", st->dir, &p, cause)) == 0)
		rc = worktree_check_profile(p, model != NULL, cause);
	free(name);
	return rc;
}

/* The repository, base, branch and directory, checked with git. */
static int
worktree_check_git(cJSON *item, const char *dir, char **cause)
{
	const char *base = state_str(item, WORKTREE_BASE);
	char *top = NULL, *sha = NULL, *branch = worktree_branch_of(item), *path = NULL, *why;
	struct stat sb;
	int rc = TD_EXIT_USAGE;

	if (worktree_git(dir, (const char *const []){ "rev-parse", "--show-toplevel", NULL },
	    &top, &why) != 0) {
		xasprintf(cause, "%s is not in a git repository (%s)", dir, why);
		free(why);
	} else if ((sha = worktree_commit_of(top, base != NULL ? base : "HEAD")) == NULL)
		xasprintf(cause, "%s%s is not a commit in %s", base != NULL ? "--base " : "",
		    base != NULL ? base : "HEAD", top);
	else if (*branch == '-' || worktree_git(top, (const char *const []){ "check-ref-format",
	    "--branch", branch, NULL }, NULL, NULL) != 0)
		xasprintf(cause, "'%s' is not a branch name git accepts", branch);
	else if (worktree_branch_exists(top, branch))
		xasprintf(cause, "branch %s exists in %s", branch, top);
	else if (lstat((path = worktree_path(top, item)), &sb) == 0 || errno != ENOENT)
		xasprintf(cause, "%s exists", path);
	else {
		state_set_str(item, WORKTREE_REPO, top);
		state_set_str(item, ITEM_BRANCH, branch);
		rc = 0;
	}
	free(path);
	free(sha);
	free(branch);
	free(top);
	return rc;
}

int
worktree_prepare(struct state *st, cJSON *item, const char *dir, char **cause)
{
	int rc;

	if ((rc = worktree_check_agent(st, item, cause)) != 0)
		return rc;
	return worktree_check_git(item, dir, cause);
}

int
worktree_adopt(struct state *st, const char *profile, const char *dir, char **cause)
{
	const char *blocker;
	cJSON *item;
	char *why;
	int rc;

	cJSON_ArrayForEach(item, st->queue) {
		/* "worktree": false, or a planner's own directory, says no. */
		if (strcmp(state_str(item, ITEM_STATUS), ST_PENDING) != 0 || oneshot_of(item) ||
		    cJSON_GetObjectItemCaseSensitive(item, ITEM_WORKTREE) != NULL ||
		    !schedule_ready(st, item, &blocker))
			continue;
		cJSON_AddTrueToObject(item, ITEM_WORKTREE);
		if (profile != NULL && state_str(item, ITEM_PROFILE) == NULL)
			state_set_str(item, ITEM_PROFILE, profile);
		if ((rc = worktree_prepare(st, item, dir, &why)) != 0) {
			xasprintf(cause, "%s: %s", state_str(item, ITEM_ID), why);
			free(why);
			return rc;
		}
	}
	return 0;
}

/* Whether ITEM is a started worktree task that waits for no agent of its own: its agent was
 * shut down (down) or it was tried again (retry). A check starts one again in its worktree. */
static int
worktree_orphan(struct state *st, const cJSON *item)
{
	char *name;
	int orphan;

	if (!worktree_of(item) || worktree_waiting(item) ||
	    strcmp(state_str(item, ITEM_STATUS), ST_PENDING) != 0)
		return 0;
	name = worktree_agent_name(item);
	orphan = state_terminal(st, name) == NULL;
	free(name);
	return orphan;
}

/* Items started and not yet typed count against the all limit with the running ones. */
static char *
worktree_wait(struct state *st)
{
	long all = limit_all(st), starting = 0;
	struct limit_count n;
	const cJSON *item;
	char *why = NULL;

	if (all < 0)
		return NULL;
	cJSON_ArrayForEach(item, st->queue) {
		starting += worktree_of(item) && !worktree_waiting(item) &&
		    strcmp(state_str(item, ITEM_STATUS), ST_PENDING) == 0 &&
		    !worktree_orphan(st, item);
	}
	limit_count(st, NULL, NULL, &n);
	if (n.all + starting >= all)
		xasprintf(&why, "worker limit: %ld of all %ld running or starting", n.all + starting,
		    all);
	return why;
}

/* ITEM failed before its agent got it (a dry run: in memory only). */
static void
worktree_refuse(struct state *st, struct check_plan *plan, cJSON *item, const char *who,
    const char *why)
{
	check_say(plan, who, "failed %s: %s", state_str(item, ITEM_ID), why);
	if (plan->flags & CHECK_DRY_RUN)
		item_finish_dry(st, item, ST_FAILED, why);
	else
		item_finish(st, item, ST_FAILED, why);
}

/* git worktree add -b BRANCH PATH BASE; *sha the base's commit (caller frees). */
static int
worktree_add(const cJSON *item, const char *path, char **sha, char **cause)
{
	const char *repo = state_str(item, WORKTREE_REPO), *base = state_str(item, WORKTREE_BASE);
	char *branch = worktree_branch_of(item);
	int rc = -1;

	if ((*sha = worktree_commit_of(repo, base != NULL ? base : "HEAD")) == NULL)
		xasprintf(cause, "%s is not a commit in %s", base != NULL ? base : "HEAD", repo);
	else
		rc = worktree_git(repo, (const char *const []){ "worktree", "add", "--quiet", "-b",
		    branch, "--", path, *sha, NULL }, NULL, cause);
	free(branch);
	return rc;
}

/* The agent of ITEM started in PATH, in a window of WORKTREE_SESSION; S is filled in. */
static int
worktree_launch(struct state *st, const cJSON *item, const char *path, struct launch *s,
    char **cause)
{
	const char *pname = state_str(item, ITEM_PROFILE);
	int rc;

	if ((rc = profile_get(pname != NULL ? pname : "claude", st->dir, &s->profile,
	    cause)) != 0)
		return rc;
	s->model = state_str(item, ITEM_MODEL);
	s->session = WORKTREE_SESSION;
	s->window = s->name;
	s->cwd = xstrdup(path);
	s->worktree = state_str(item, ITEM_WORKTREE);
	s->branch = state_str(item, ITEM_BRANCH);
	if ((rc = launch_prepare(s, NULL, 0, cause)) != 0)
		return rc;
	return launch_start(s, cause);
}

/* The terminal task-ID registered for the agent in S, and ITEM assigned to it. */
static void
worktree_register(struct state *st, cJSON *item, const struct launch *s)
{
	char *why;

	terminal_add_spawned(st, s->name, s->pane, s->profile->name, WORKTREE_GROUP);
	state_set_str(state_terminal(st, s->name), WORKTREE_TASK, state_str(item, ITEM_ID));
	/* terminal_takes looks names up in an index built once per command: built again. */
	strmap_free(st->term_index);
	strmap_free(st->group_index);
	st->term_index = st->group_index = NULL;
	state_set_str(item, ITEM_ASSIGNED, s->name);
	xasprintf(&why, "its agent %s is starting", s->name);
	item_defer(item, why);
	free(why);
	launch_record(s, st->path);
}

/* Whether ITEM may start (or start again) now; else why not is said and kept. */
static int
worktree_may_start(struct state *st, struct check_plan *plan, cJSON *item, const char *name)
{
	const char *id = state_str(item, ITEM_ID);
	char *why = NULL;

	if ((plan->flags & CHECK_AUTO) && check_paused(st)) {
		check_say(plan, name, "paused; %s waits", id);
		return 0;
	}
	if (worktree_check_agent(st, item, &why) != 0 || state_str(item, WORKTREE_REPO) == NULL) {
		worktree_refuse(st, plan, item, name, why != NULL ? why : "no repo recorded");
		free(why);
		return 0;
	}
	if ((why = worktree_wait(st)) != NULL) {
		if (!(plan->flags & CHECK_DRY_RUN))
			item_defer(item, why);
		check_say(plan, name, "%s waits: %s", id, why);
		free(why);
		return 0;
	}
	return 1;
}

/* Starts the agent of ITEM, an orphan, again in its worktree, if that is still there. */
static void
worktree_restart(struct state *st, struct check_plan *plan, cJSON *item)
{
	const char *id = state_str(item, ITEM_ID), *path = state_str(item, ITEM_WORKTREE);
	char *name = worktree_agent_name(item), *why = NULL;
	struct launch s = { .name = name };
	struct stat sb;

	if (!worktree_may_start(st, plan, item, name))
		goto out;
	if (stat(path, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
		xasprintf(&why, "its worktree %s is gone", path);
		worktree_refuse(st, plan, item, name, why);
	} else if (plan->flags & CHECK_DRY_RUN)
		check_say(plan, name, "would start an agent again in %s for %s", path, id);
	else if (worktree_launch(st, item, path, &s, &why) != 0)
		worktree_refuse(st, plan, item, name, why);
	else {
		worktree_register(st, item, &s);
		check_say(plan, name, "started again for %s in %s (%s, %s:%s)", id, path, s.pane,
		    WORKTREE_SESSION, s.window_index);
	}
out:
	launch_free(&s);
	free(why);
	free(name);
}

/* Starts ITEM, a ready worktree task, unless paused or a worker limit is reached. */
static void
worktree_start(struct state *st, struct check_plan *plan, cJSON *item)
{
	const char *id = state_str(item, ITEM_ID);
	char *name = worktree_agent_name(item), *path = NULL, *sha = NULL, *why = NULL;
	char *branch = worktree_branch_of(item);
	struct launch s = { .name = name };

	if (!worktree_may_start(st, plan, item, name))
		goto out;
	path = worktree_path(state_str(item, WORKTREE_REPO), item);
	if (plan->flags & CHECK_DRY_RUN) {
		check_say(plan, name, "would make the worktree %s and start an agent there for %s",
		    path, id);
		goto out;
	}
	if (worktree_add(item, path, &sha, &why) != 0) {
		worktree_refuse(st, plan, item, name, why);
		goto out;
	}
	/* Recorded at once: if the agent cannot start, the worktree is still the item's. */
	state_set_str(item, ITEM_WORKTREE, path);
	state_set_str(item, ITEM_BRANCH, branch);
	state_set_str(item, WORKTREE_BASE, sha);
	if (worktree_launch(st, item, path, &s, &why) != 0) {
		worktree_refuse(st, plan, item, name, why);
		goto out;
	}
	worktree_register(st, item, &s);
	check_say(plan, name, "started for %s in %s (%s, %s:%s)", id, path, s.pane,
	    WORKTREE_SESSION, s.window_index);
out:
	launch_free(&s);
	free(branch);
	free(why);
	free(sha);
	free(path);
	free(name);
}

void
worktree_check(struct state *st, struct check_plan *plan)
{
	cJSON *item, **list = NULL;
	const char *blocker;
	size_t i, n = 0;

	/* Copied out: one that fails moves to completedToday. */
	cJSON_ArrayForEach(item, st->queue) {
		if (!(worktree_waiting(item) || worktree_orphan(st, item)) ||
		    strcmp(state_str(item, ITEM_STATUS), ST_PENDING) != 0 ||
		    !schedule_ready(st, item, &blocker))
			continue;
		list = xreallocarray(list, n + 1, sizeof *list);
		list[n++] = item;
	}
	for (i = 0; i < n; i++) {
		if (worktree_waiting(list[i]))
			worktree_start(st, plan, list[i]);
		else
			worktree_restart(st, plan, list[i]);
	}
	free(list);
}

/* commitsAhead and diffstat of a started worktree task, from its repository. */
static void
worktree_record(struct check_plan *plan, cJSON *item)
{
	const char *repo = state_str(item, WORKTREE_REPO), *base = state_str(item, WORKTREE_BASE);
	const char *branch = state_str(item, ITEM_BRANCH);
	char *range, *out = NULL, *why = NULL;

	if (repo == NULL || base == NULL || branch == NULL)
		return;
	xasprintf(&range, "%s..%s", base, branch);
	if (worktree_git(repo, (const char *const []){ "rev-list", "--count", range, NULL }, &out,
	    &why) == 0)
		state_set_num(item, WORKTREE_AHEAD, strtod(out, NULL));
	free(range);
	free(out);
	out = NULL;
	xasprintf(&range, "%s...%s", base, branch);
	if (why == NULL && worktree_git(repo, (const char *const []){ "diff", "--shortstat",
	    range, "--", NULL }, &out, &why) == 0)
		state_set_str(item, WORKTREE_DIFFSTAT, out + strspn(out, " "));
	if (why != NULL)
		check_say(plan, state_str(item, ITEM_ID), "its commits could not be counted: %s", why);
	free(range);
	free(out);
	free(why);
}

void
worktree_finish(struct state *st, struct check_plan *plan, cJSON *item)
{
	const char *on = state_str(item, ITEM_TERMINAL);
	char *name = worktree_agent_name(item);
	cJSON *term = on != NULL ? state_terminal(st, on) : NULL;
	struct worktree_stop *stop;

	if (!worktree_of(item) || worktree_waiting(item)) {
		free(name);
		return;
	}
	worktree_record(plan, item);
	/* Only the agent started for it: a kept or hand-made terminal is nobody's to stop. */
	if (term == NULL || strcmp(on, name) != 0 || worktree_closing(term) ||
	    !cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(term, TERMINAL_SPAWNED)) ||
	    cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(item, WORKTREE_KEEP))) {
		free(name);
		return;
	}
	cJSON_AddTrueToObject(term, WORKTREE_CLOSING);
	plan->stops = xreallocarray(plan->stops, plan->nstops + 1, sizeof *plan->stops);
	stop = &plan->stops[plan->nstops++];
	stop->name = name;
	stop->pane = xstrdup(state_str(term, "target") != NULL ? state_str(term, "target") : "");
	stop->profile = xstrdup(state_str(term, "profile") != NULL ? state_str(term, "profile") :
	    "auto");
}

void
worktree_commit(struct state *st, struct check_plan *plan)
{
	size_t i;

	for (i = 0; i < plan->nstops; i++)
		cJSON_DeleteItemFromObjectCaseSensitive(st->terminals, plan->stops[i].name);
}

void
worktree_stop(struct check_plan *plan)
{
	const struct profile *p;
	struct worktree_stop *stop;
	char *dir, *cause = NULL;
	size_t i;
	int quit;

	if (!plan->committed || plan->nstops == 0)
		return;
	dir = file_dirname(plan->state_path);
	for (i = 0; i < plan->nstops; i++) {
		stop = &plan->stops[i];
		if (profile_get(stop->profile, dir, &p, &cause) != 0) {
			free(cause);
			cause = NULL;
			p = NULL;
		}
		quit = launch_stop(p, stop->pane, WORKTREE_STOP_TIMEOUT);
		launch_kill(stop->pane);
		launch_forget(plan->state_path, stop->name);
		check_say(plan, stop->name, "down (%s)", quit ? "it quit" : "pane killed");
	}
	free(dir);
}

void
worktree_stops_free(struct check_plan *plan)
{
	size_t i;

	for (i = 0; i < plan->nstops; i++) {
		free(plan->stops[i].name);
		free(plan->stops[i].pane);
		free(plan->stops[i].profile);
	}
	free(plan->stops);
	plan->stops = NULL;
	plan->nstops = 0;
}

/* Whether the branch tip is in the history of the main work tree's HEAD: 1, 0, or -1. */
static int
worktree_merged(const char *repo, const char *branch)
{
	struct tmux_result r;
	int status = git_run(repo, (const char *const []){ "merge-base", "--is-ancestor",
	    "--end-of-options", branch, "HEAD", NULL }, &r);

	tmux_result_free(&r);
	return status == 0 ? 1 : status == 1 ? 0 : -1;
}

void
worktree_inspect(const cJSON *item, struct worktree_info *w)
{
	const char *repo = state_str(item, WORKTREE_REPO), *path = state_str(item, ITEM_WORKTREE);
	const char *branch = state_str(item, ITEM_BRANCH), *base = state_str(item, WORKTREE_BASE);
	char *out = NULL, *range;
	struct stat sb;

	w->exists = path != NULL && stat(path, &sb) == 0 && S_ISDIR(sb.st_mode);
	w->dirty = w->merged = -1;
	w->ahead = -1;
	w->branch = repo != NULL && branch != NULL && worktree_branch_exists(repo, branch);
	if (w->exists && worktree_git(path, (const char *const []){ "status", "--porcelain",
	    NULL }, &out, NULL) == 0)
		w->dirty = *out != '\0';
	free(out);
	out = NULL;
	if (!w->branch)
		return;
	w->merged = worktree_merged(repo, branch);
	if (base == NULL)
		return;
	xasprintf(&range, "%s..%s", base, branch);
	if (worktree_git(repo, (const char *const []){ "rev-list", "--count", range, NULL }, &out,
	    NULL) == 0)
		w->ahead = strtol(out, NULL, 10);
	free(out);
	free(range);
}

/* Whether PATH is a linked worktree of REPO: listed by git worktree list, and not the first
 * entry (the main work tree) nor REPO itself. 1, 0, or -1 with *cause. */
static int
worktree_listed(const char *repo, const char *path, char **cause)
{
	char *out, *line, *end, real[PATH_MAX], top[PATH_MAX], other[PATH_MAX], seen[PATH_MAX];
	int found = 0, first = 1;

	if (realpath(path, real) == NULL || realpath(repo, top) == NULL) {
		xasprintf(cause, "cannot resolve %s", path);
		return -1;
	}
	if (strcmp(real, top) == 0)
		return 0;
	if (worktree_git(repo, (const char *const []){ "worktree", "list", "--porcelain", NULL },
	    &out, cause) != 0)
		return -1;
	for (line = out; *line != '\0' && !found; line = *end != '\0' ? end + 1 : end) {
		end = line + strcspn(line, "\n");
		if (strncmp(line, "worktree ", 9) != 0)
			continue;
		snprintf(other, sizeof other, "%.*s", (int)(end - line - 9), line + 9);
		/* The first entry is always the main work tree. */
		if (!first && realpath(other, seen) != NULL && strcmp(seen, real) == 0)
			found = 1;
		first = 0;
	}
	free(out);
	return found;
}

/* Why the worktree of ITEM may not be removed (caller frees), or NULL. */
static char *
worktree_rm_refusal(const cJSON *item, const struct worktree_info *w, int force)
{
	const char *repo = state_str(item, WORKTREE_REPO), *path = state_str(item, ITEM_WORKTREE);
	char *why = NULL, *cause = NULL;
	int listed;

	if (!w->exists)
		xasprintf(&why, "%s is not there any more", path);
	else if ((listed = worktree_listed(repo, path, &cause)) <= 0)
		xasprintf(&why, listed < 0 ? "%s: %s" : "%s is not a linked worktree of %s (git "
		    "worktree list): it is never removed", path, listed < 0 ? cause : repo);
	else if (!force && w->dirty != 0)
		xasprintf(&why, "%s has changes not committed (git status): commit them, or "
		    "--force to lose them", path);
	else if (!force && w->merged != 1)
		xasprintf(&why, "branch %s is not merged into the HEAD of %s: merge it, or --force "
		    "to remove the directory and keep the branch", state_str(item, ITEM_BRANCH),
		    repo);
	free(cause);
	return why;
}

int
worktree_remove(const cJSON *item, int force, char **cause)
{
	const char *repo = state_str(item, WORKTREE_REPO), *path = state_str(item, ITEM_WORKTREE);
	const char *branch = state_str(item, ITEM_BRANCH), *id = state_str(item, ITEM_ID);
	struct worktree_info w;
	char *why;

	if (repo == NULL || path == NULL || branch == NULL) {
		xasprintf(cause, "%s has no worktree of its own", id);
		return TD_EXIT_USAGE;
	}
	worktree_inspect(item, &w);
	if ((why = worktree_rm_refusal(item, &w, force)) != NULL) {
		xasprintf(cause, "refused: %s", why);
		free(why);
		return TD_EXIT_FAIL;
	}
	if (worktree_git(repo, force ? (const char *const []){ "worktree", "remove", "--force",
	    "--", path, NULL } : (const char *const []){ "worktree", "remove", "--", path, NULL },
	    NULL, &why) != 0) {
		xasprintf(cause, "git worktree remove: %s", why);
		free(why);
		return TD_EXIT_FAIL;
	}
	td_say("%s: removed %s", id, path);
	/* Never -D: git itself refuses to delete a branch with commits not merged. */
	if (!w.branch)
		td_say("%s: branch %s was already gone", id, branch);
	else if (w.merged != 1 && w.ahead >= 0)
		td_say("%s: kept branch %s: %ld commit%s not merged", id, branch, w.ahead,
		    w.ahead == 1 ? "" : "s");
	else if (w.merged != 1)
		td_say("%s: kept branch %s: not merged", id, branch);
	else if (worktree_git(repo, (const char *const []){ "branch", "-d", "--", branch, NULL },
	    NULL, &why) != 0) {
		xasprintf(cause, "git branch -d: %s", why);
		free(why);
		return TD_EXIT_FAIL;
	} else
		td_say("%s: deleted branch %s (merged)", id, branch);
	return 0;
}
