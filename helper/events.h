/* The event log, .terminal-status.d/events.jsonl beside the state: one JSON line per fact. */
#ifndef EVENTS_H
#define EVENTS_H

/*
 * Appends {"time","terminal","pane","item","event","reason"} (NULLs as null) for the state
 * file STATE_PATH. One write() of a short line with O_APPEND: writers never interleave.
 */
void events_log(const char *state_path, const char *terminal, const char *pane,
    const char *item, const char *event, const char *reason);

#endif
