/*
 * What a check looks at, in one tmux client call: the pane list and the metadata and screen of
 * each target, where today's path (panes_read, then capture_pane per pane) takes one call each.
 */
#ifndef SNAPSHOT_H
#define SNAPSHOT_H

#include <stddef.h>

#include "observe.h"
#include "panes.h"

/*
 * Reads every pane into PANES and each of the N TARGETS into CACHE (keyed by the %N tmux
 * resolved it to). tmux stops a command list at the first command that fails (a target gone),
 * so the screens after it are missing: observe_capture reads those on their own. FOCUS (a
 * window id, or NULL): a target given as a pane id is read only if it is in that window.
 * Returns 0 when the pane list was read, else -1 with PANES empty.
 */
int snapshot_read(struct panes *, const char *const *targets, size_t n, const char *focus,
    struct observe_cache *);

#endif
