/*
 * What the helper pushes to tmux for the plugin: the status-line badge, each terminal
 * window's @dispatch_window label, and which windows are armed for silence (monitor-silence
 * and the alert latch). One tmux call, and only for what changed.
 */
#ifndef SYNC_H
#define SYNC_H

#include <stddef.h>

struct panes;
struct state;

/* @dispatch_window per window, as the last look saw it. */
struct sync_labels {
	char **windows, **labels;
	size_t n;
};

/* Sets WINDOW's label (replacing one set earlier in this run). */
void sync_label(struct sync_labels *, const char *window, const char *label);
void sync_labels_free(struct sync_labels *);
/*
 * Does nothing without a server (PANES NULL) or without the plugin loaded. PROBLEM (or NULL)
 * is why terminals could not be read (a broken profiles file): hooks print nothing, so it goes
 * to @dispatch_message and the attached clients, once; it is cleared once gone.
 */
void sync_tmux(struct state *, const struct panes *, const struct sync_labels *,
    const char *problem);
/*
 * This run is WINDOW's silence hook: a window that waits on a person with an unchanged screen
 * backs off (its monitor-silence doubles, up to 30 s) instead of being reset.
 */
void sync_backoff_window(const char *window);

#endif
