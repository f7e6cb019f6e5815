/*
 * Watching running work without a daemon: item timeouts, stall triage (nudges, escalation) and
 * the one tmux timer (run-shell -d) that wakes the helper for the nearest of their deadlines.
 * Every run of a check decides what is due now and re-arms the timer; a timer that fires early
 * or twice only runs a check that finds nothing due.
 */
#ifndef WATCH_H
#define WATCH_H

#include <time.h>

#include <cjson/cJSON.h>

struct check_plan;
struct observation;
struct state;

#define WATCH_RETRIES_MAX 100
#define WATCH_NUDGES 2               /* nudges of one stall before it is escalated */
#define WATCH_WAITING_ESCALATE 120   /* seconds waiting for a person before escalating */
#define WATCH_RECHECK 2              /* seconds after a timeout's interrupt: look again */
#define WATCH_KEY_LEN 16             /* hex digits of a state file's timer key */
#define WATCH_RESTART "restart"      /* a terminal's key: true, a spawned agent that died is
                                        started again (terminal add --restart) */
#define WATCH_GROUPS "groups"        /* the state's {"GROUP": {"timeout": S}} defaults */
#define WATCH_RESTART_MAX 3          /* restarts ... */
#define WATCH_RESTART_WINDOW 600     /* ... in this many seconds at most */
#define WATCH_RESTART_WAIT 60        /* seconds a restarted agent is looked at for idle */

enum watch_action {
	WATCH_KEEP,  /* still running */
	WATCH_FAIL,  /* timed out: fail it with *why */
	WATCH_RETRY, /* timed out and sent back to pending (done here) */
};

/*
 * A running ITEM of TERM, observed as O in WINDOW and not finished by the check: a timeout
 * due now (interrupt keys, then fail or retry), else the stall triage steps due now. *WHY
 * (caller frees) says why it ended. Nothing happens in a dry run.
 */
enum watch_action watch_running(struct state *, struct check_plan *, cJSON *term,
    cJSON *item, const struct observation *o, const char *window, char **why);
/*
 * After the check's state is written: the escalations it decided are sent out, and the timer
 * for the nearest deadline of ST's running items is armed unless one fires by then. Needs the
 * plugin (@dispatch_helper names the helper the timer runs).
 */
void watch_arm(struct state *, struct check_plan *);
/*
 * ITEM of TERM just failed because its agent exited or its pane died: a spawned terminal with
 * "restart" (at most WATCH_RESTART_MAX in WATCH_RESTART_WINDOW, recorded in its "restarts")
 * gets ITEM back as pending, and its agent is started again (session resume: its recorded
 * session id when the profile can) once the state is written.
 */
void watch_agent_gone(struct state *, struct check_plan *, cJSON *term, cJSON *item);
void watch_free(struct check_plan *);
/* "hook timer KEY": the state file the timer KEY was armed for (caller frees), or NULL. */
char *watch_fired(const char *key);
/* A timeout given by a person or a task index: a duration above 0 seconds. 0 or -1. */
int watch_parse_timeout(const char *text, double *seconds);

#endif
