/*
 * What a check looks at, in one tmux client call: the pane list and the metadata and screen of
 * each target, where today's path (panes_read, then capture_pane per pane) takes one call each.
 */
#ifndef SNAPSHOT_H
#define SNAPSHOT_H

#include <stddef.h>

#include "observe.h"
#include "panes.h"
#include "tmux.h"

#define SNAPSHOT_MARK_SIZE 27 /* "\n", 12 random bytes in hex, "\t", NUL */

/* One snapshot call under way: the tmux client and what its answer is read with. */
struct snapshot {
	struct tmux_call call;
	char mark[SNAPSHOT_MARK_SIZE];
	char *formats[2];
	char **cond;
	const char **argv;
	const char *focus;
	size_t n;
	int started;
};

/*
 * Starts the one call that reads every pane and each of the N TARGETS; a caller may work while
 * tmux answers. FOCUS (a window id, or NULL): a target given as a pane id is read only if it is
 * in that window. Returns 0, or -1 (no server possible, or tmux not started): then
 * snapshot_finish returns -1 too.
 */
int snapshot_start(struct snapshot *, const char *const *targets, size_t n, const char *focus);
/*
 * Waits for the call: every pane into PANES and each target's metadata and screen into CACHE
 * (keyed by the %N tmux resolved it to). tmux stops a command list at the first command that
 * fails (a target gone), so the screens after it are missing: observe_capture reads those on
 * their own. Returns 0 when the pane list was read, else -1 with PANES empty.
 */
int snapshot_finish(struct snapshot *, struct panes *, struct observe_cache *);

#endif
