/*
 * git, run as a program with an argv (never through a shell), in the repository named by its
 * directory and no other: worktree tasks (worktree.c) and the diffs of reviews (review.c).
 */
#ifndef GIT_H
#define GIT_H

#include "tmux.h"

/*
 * What one git call may take. More than tmux's bound: a worktree add checks out a whole tree
 * under the lock, and one killed halfway leaves a broken worktree behind.
 */
#define GIT_TIMEOUT_MS 30000

/* git -C DIR ARGS... (ARGS NULL-terminated) into R (caller frees); its exit status, -1 when it
 * did not run. */
int git_run(const char *dir, const char *const *args, struct tmux_result *r);

#endif
