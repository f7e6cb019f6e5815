/* Reading a pane from tmux: metadata and screen in one client call, history for results. */
#ifndef CAPTURE_H
#define CAPTURE_H

#include <stddef.h>

#include "classify.h"

/* The format display-message prints before the capture: tab-separated, command last. */
#define CAPTURE_FORMAT "td2\t#{pane_id}\t#{pane_in_mode}\t#{pane_dead}\t#{cursor_x}\t" \
	"#{cursor_y}\t#{pane_height}\t#{alternate_on}\t#{pane_pid}\t#{pane_current_command}"

/*
 * Reads a pane's metadata and visible screen in one tmux client call. Returns 0, or
 * TD_EXIT_NOTFOUND (no such pane), TD_EXIT_USAGE (a target tmux would misread) or
 * TD_EXIT_FAIL (tmux failed) with *cause saying so (caller frees).
 */
int capture_pane(const char *target, struct pane_meta *, char **text, size_t *len,
    char **cause);
/*
 * The pane's visible screen with its colours (capture-pane -e), for telling a suggestion from
 * typed text (classify_suggestion); 0, or -1 when tmux failed.
 */
int capture_escapes(const char *pane, char **text, size_t *len);
/* The pane's last LINES lines (history included, wrapped lines joined); 0 or -1. */
int capture_history(const char *pane, int lines, char **text, size_t *len);
/* Parses one line (LEN bytes, no newline) CAPTURE_FORMAT printed; returns 0 or -1. */
int capture_meta_line(const char *line, size_t len, struct pane_meta *);
/* Parses "key=value" lines (the .meta sidecar of a fixture) into META; returns 0 or -1. */
int capture_meta_parse(const char *text, struct pane_meta *meta);

#endif
