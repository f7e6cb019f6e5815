/* What a started agent was seen doing, told to the person who started it (spawn, up). */
#ifndef ARRIVAL_H
#define ARRIVAL_H

struct launch;
struct launch_seen;

/* "NAME: PROFILE started in S:W (PANE, pid N)", then idle, waiting (what it shows) or not
 * idle after TIMEOUT seconds, on stdout. */
void arrival_report(const struct launch *, const struct launch_seen *, long long timeout);
/* An agent that exited: its status and last lines on stderr. Returns TD_EXIT_FAIL. */
int arrival_dead(const struct launch *, const struct launch_seen *);

#endif
