/* Queue-check: finish what terminals completed, deliver the next ready item to idle ones. */
#ifndef CHECK_H
#define CHECK_H

#include <stddef.h>

#include "deliver.h"
#include "observe.h"
#include "panes.h"
#include "state.h"
#include "sync.h"

struct worktree_stop;

#define CHECK_DRY_RUN 0x1 /* the check in memory only: nothing written, typed or logged */
#define CHECK_AUTO 0x2  /* triggered, not asked for: respects pause */
#define CHECK_QUIET 0x4 /* print nothing (hooks, enqueue) */

struct check_plan {
	struct delivery *d;
	char **ids, **texts, **terms, **pane_ids; /* copies: the state is closed meanwhile */
	size_t n;
	struct panes panes;
	int panes_read, have_panes;
	int pasted; /* check_commit wrote the state and pasted */
	struct sync_labels labels; /* @dispatch_window for the windows whose terminals we read */
	struct observe_cache captures; /* each pane read once per check */
	int flags;
	char *state_path;
	char *untrusted; /* why nothing was looked at: the state may not deliver (trust.h) */
	char *problem;   /* why terminals could not be read (profiles), the first time */
	long long started_ms; /* CLOCK_MONOTONIC: the budget under the lock counts from here */
	char **reap;      /* dead panes of finished one-shots, killed once the state is written */
	size_t nreap;
	struct watch *watch; /* timeouts and triage (watch.h), made when first needed */
	struct worktree_stop *stops; /* task agents to shut down after the write (worktree.h) */
	size_t nstops;
	int committed;    /* check_commit wrote the state */
	const char *focus; /* a silence hook's window (check_focus): other windows wait */
	int finished;      /* items this check finished: others' work may have become ready */
};

/*
 * Phase one, on a state the caller holds locked: reads the panes, records completions and
 * marks the items to deliver as running. terms NULL: every terminal. The caller then writes
 * the state with check_commit (instead of state_commit), which also pastes, under the lock.
 * A state that may not deliver is not looked at: plan->untrusted says why.
 */
void check_plan(struct state *, cJSON **terms, size_t n, int flags, struct check_plan *);
int check_commit(struct state *, struct check_plan *);
/* Phase two, with the lock released: Enter and read-back, then the outcomes under the lock. */
int check_deliver(struct check_plan *);
void check_plan_free(struct check_plan *);
/*
 * The next check of every terminal is a silence hook's for WINDOW: it looks at that window's
 * terminals (and a running item whose pane is gone), and, once it finished an item, at the
 * other terminals without a running item; a busy one elsewhere has its own hook. Its window
 * backs off while it waits on a question (sync_backoff_window).
 */
void check_focus(const char *window);
/* The whole check on the selected terminals (spec NULL: all). */
int check_run(const char *state_path, const char *spec, int flags);
/* trust_delivery for the state at STATE_PATH and the profiles file that applies to it. */
int check_trusted(const char *state_path, char **cause);
/*
 * Before the lock, for the state file GIVEN (or found): whether it may deliver (check_trusted);
 * if so the profiles a check will use are loaded and compiled now (an untrusted profiles file
 * is not read). With REFUSE, an untrusted state is reported and its status returned, so a
 * command that would type refuses before it takes the lock (no lock file in a cloned
 * repository); without, 0: the caller's check_plan says why nothing was delivered.
 */
int check_prepare(const char *given, int refuse);
/*
 * Whether a triggered check could do anything: a terminal with a running item or a ready one,
 * or a live one-shot, in the state read without the lock. Safe to act on when it says no: a
 * change written after this read is no different from one written just after a locked check
 * (enqueue, import, dispatch and resume run their own).
 */
int check_wanted(const char *state_path);
/* One line "WHO: what happened" of the check, unless it is quiet (CHECK_QUIET). */
void check_say(const struct check_plan *, const char *who, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Whether automatic pushes are paused ("paused": true in the state). */
int check_paused(struct state *);
/* sync_tmux with the panes and labels this check read (reading the panes if it did not). */
void check_sync(struct state *, struct check_plan *);

#endif
