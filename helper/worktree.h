/*
 * A git worktree and a fresh agent per task. An item with "worktree": true is typed into no
 * terminal it finds: when it is ready, a check runs `git -C REPO worktree add -b BRANCH PATH
 * BASE` (git run as a program, only here), starts an agent of the item's profile in PATH in a
 * window of the tmux session WORKTREE_SESSION without waiting for it, registers it as the
 * spawned terminal task-ID and assigns the item to it: a later check (the silence hook of its
 * window) delivers the item once the agent is idle, the usual way. When the item ends, the
 * commits ahead of the base and a diffstat are recorded on it, and its agent is shut down
 * (unless "keepAgent"). The worktree and its branch always stay; `worktree rm` removes them,
 * conservatively (cmd-worktree.c).
 */
#ifndef WORKTREE_H
#define WORKTREE_H

#include <cjson/cJSON.h>

struct state;
struct check_plan;

/* Item keys besides ITEM_WORKTREE ("worktree": true until started, then its path) and
 * ITEM_BRANCH; read by others (result folders), so the names are fixed. */
#define WORKTREE_REPO "repo"             /* the repository's top level, absolute */
#define WORKTREE_BASE "base"             /* the REF asked for; once started, its commit */
#define WORKTREE_AHEAD "commitsAhead"    /* commits on the branch not in the base, at the end */
#define WORKTREE_DIFFSTAT "diffstat"     /* git diff --shortstat BASE...BRANCH, at the end */
#define WORKTREE_KEEP "keepAgent"        /* true: the agent stays after its item */
#define WORKTREE_TASK "task"             /* on a task agent's terminal: its item's id */

#define WORKTREE_SESSION "dispatch-tasks" /* the tmux session the task agents start in */
#define WORKTREE_GROUP "task"             /* their terminals' group */
#define WORKTREE_PREFIX "task-"           /* terminal task-ID, branch task/ID, dir REPO-task-ID */
#define WORKTREE_STOP_TIMEOUT 10          /* seconds an agent has to quit after its item */

/* Whether ITEM is a worktree task ("worktree": true, or its path with a "repo"). */
int worktree_of(const cJSON *item);
/* Whether ITEM is one whose worktree and agent are not made yet: no terminal takes it. */
int worktree_waiting(const cJSON *item);
/* Whether the queue holds one to start, or one started whose agent is no terminal any more
 * (down, retry): a check starts that one again in its worktree. A check with no terminals
 * still looks at them. */
int worktree_live(struct state *);
/*
 * Whether TERM may take ITEM as far as worktree tasks go: a task agent takes its own item only
 * (and nothing once its item ended), and no terminal takes a worktree task not started yet.
 */
int worktree_takes(const cJSON *term, const cJSON *item);
/* The same for an item whose "worktree" member is WORKTREE (or NULL) and whose id is ID: the
 * pick has found them in its one walk over the item (schedule.h). */
int worktree_takes_member(const cJSON *term, const cJSON *worktree, const char *id);

/*
 * At enqueue or import, for ITEM ("worktree": true, with "branch", "base", "profile", "model"
 * as given): its repository is the one holding DIR, recorded as "repo"; the base must be a
 * commit, the branch (default task/ID) and the directory (default ../REPONAME-task-ID) must
 * not exist, and the profile must be able to start an agent. 0, or a status with *cause
 * (caller frees).
 */
int worktree_prepare(struct state *, cJSON *item, const char *dir, char **cause);

/*
 * plan --execute --worktrees: every ready item that is not a one-shot and has no "worktree"
 * key (false says no) becomes a worktree task (worktree_prepare, with PROFILE unless it has
 * one); the first refusal returns its status with *cause, and the caller writes nothing.
 */
int worktree_adopt(struct state *, const char *profile, const char *dir, char **cause);

/* Under the lock, in a check of every terminal: makes the worktrees and starts the agents of
 * the ready worktree tasks that may start (check.h's flags). */
void worktree_check(struct state *, struct check_plan *);
/* ITEM is ending (not a dry run): its commits and diffstat recorded, its agent marked to be
 * shut down. */
void worktree_finish(struct state *, struct check_plan *, cJSON *item);
/* Just before the state is written: the terminals of the agents being shut down removed. */
void worktree_commit(struct state *, struct check_plan *);
/* With the lock released, once that state was written: the agents quit (bounded), their panes
 * killed and their session files removed. */
void worktree_stop(struct check_plan *);
void worktree_stops_free(struct check_plan *);

/* What git says of a started worktree task's worktree (worktree ls). */
struct worktree_info {
	int exists; /* its directory is there */
	int branch; /* its branch is there */
	int dirty;  /* git status --porcelain says something: 1, 0, or -1 unknown */
	long ahead; /* commits on the branch not in its base, or -1 */
	int merged; /* the branch tip is in the main work tree's HEAD: 1, 0, or -1 */
};
void worktree_inspect(const cJSON *item, struct worktree_info *);
/*
 * Removes ITEM's worktree, only when it is a linked worktree of its repository (never the main
 * work tree), clean and its branch merged; FORCE removes a dirty or unmerged one's directory
 * but still keeps a branch with commits not merged. A merged branch is deleted with git branch
 * -d. Says what it did; 0, or a status with *cause (caller frees).
 */
int worktree_remove(const cJSON *item, int force, char **cause);

#endif
