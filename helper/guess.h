/*
 * The snapshot a check starts before it reads the state (check_run): with the targets the last
 * check read, kept beside the state, tmux answers while the state is read and validated. It is
 * started under the state's lock, so its screens are as current as ones read after the parse,
 * and it stands for the check's own snapshot only when it covers every target the check then
 * finds it needs, with the same focus, and no tmux call came between (the check's own one-shots
 * and task agents change panes). Otherwise it is finished unused: one tmux call wasted.
 */
#ifndef GUESS_H
#define GUESS_H

#include <stddef.h>

#include "observe.h"
#include "panes.h"
#include "snapshot.h"

#define GUESS_FILE "snapshot-targets" /* in the side directory, one target a line */

struct guess {
	struct snapshot sn;
	char *text;           /* the file, its lines cut into targets */
	const char **targets;
	size_t n;
	const char *focus;
	int calls;            /* tmux_calls() once it started */
	int started;
};

/* Reads the last check's targets for the state at STATE_PATH and, if any, starts their snapshot. */
void guess_start(struct guess *, const char *state_path, const char *focus);
/* Whether the started guess can stand for a snapshot of TARGETS (N) with FOCUS. */
int guess_covers(const struct guess *, const char *const *targets, size_t n, const char *focus);
/* snapshot_finish of the guess (after guess_covers said yes). */
int guess_finish(struct guess *, struct panes *, struct observe_cache *);
/*
 * Keeps TARGETS for the next check when they are not the ones read at guess_start (none: the
 * file is removed); under the state's lock. Finishes an unused snapshot and frees the guess.
 */
void guess_end(struct guess *, const char *state_path, const char *const *targets, size_t n);
/* Finishes an unused snapshot and frees the guess, keeping the file as it is. */
void guess_free(struct guess *);

#endif
