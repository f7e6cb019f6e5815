/*
 * Escalation: the one way the helper says "a person should look". Decided under the lock
 * (recorded, once per stall), sent once the state is written: an event line, a
 * display-message to every attached client, and the user's notify command, run as an argv
 * with the facts in its environment (TD_EVENT, TD_TERMINAL, TD_ITEM, TD_REASON, TD_SCREEN).
 * The window's @dispatch_window label is the caller's (sync.h).
 */
#ifndef ESCALATE_H
#define ESCALATE_H

#include <stddef.h>

struct escalation {
	char *kind;     /* stalled, waiting, timeout */
	char *terminal, *item, *pane, *reason;
};

struct escalations {
	struct escalation *v;
	size_t n;
};

void escalate_add(struct escalations *, const char *kind, const char *terminal,
    const char *item, const char *pane, const char *reason);
/*
 * Sends every escalation for the state at STATE_PATH; NOTIFY is the notify command (a JSON
 * array of strings, or words split at blanks; no shell either way), or NULL. The pane's screen
 * goes to .terminal-status.d/escalations/, named by TD_SCREEN.
 */
void escalate_send(const struct escalations *, const char *state_path, const char *notify);
void escalate_free(struct escalations *);
/* NOTIFY as an argv (caller frees with escalate_argv_free), or NULL when it holds none. */
char **escalate_argv(const char *notify);
void escalate_argv_free(char **);

#endif
