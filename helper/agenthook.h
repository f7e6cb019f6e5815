/*
 * `hook agent EVENT`: what an agent's own hooks run (agent-hooks install writes them). The
 * end of a turn checks the queue at once instead of after the silence hook's wait; a question
 * for a person marks the terminal waiting; the agent's session id is kept in the session file.
 */
#ifndef AGENTHOOK_H
#define AGENTHOOK_H

struct cmd_ctx;

/* The events agent-hooks installs, by the word its hook command passes. */
#define AGENTHOOK_STOP "stop"             /* a turn ended */
#define AGENTHOOK_NOTIFY "notification"   /* the agent needs a person (permission, question) */
#define AGENTHOOK_SESSION "session-start" /* carries the agent's session id */

/*
 * ARGV[0] is EVENT, ARGV[1] (Codex's notify) the event's JSON, else it is read from stdin.
 * Prints nothing and returns 0 whatever happens: an agent may block on or obey a hook's output.
 */
int agenthook_run(struct cmd_ctx *, int argc, char **argv);

#endif
