/*
 * Starting an agent in tmux: its argv built from the profile's launch data, run by tmux as an
 * argv (never a shell command line), waited for until its screen is idle, and recorded in
 * .terminal-status.d/sessions/NAME.json. cmd-spawn.c and cmd-session.c drive it. (Not named
 * spawn.h: -Ihelper would hide libc's.)
 */
#ifndef LAUNCH_H
#define LAUNCH_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "classify.h"

struct profile;

struct launch {
	const char *name;
	const struct profile *profile;
	const char *model;        /* NULL: the agent's default */
	const char *session;      /* tmux session: a new detached one when it does not exist */
	const char *window;       /* new window's name, or with split the window split */
	int split;
	const char *respawn;      /* a pane to start it in again (respawn-pane), or NULL */
	char *cwd;                /* absolute */
	char **env;               /* K=V for the agent's environment */
	size_t nenv;
	char **argv;              /* what runs: the program's path, then its arguments */
	size_t argc;
	char *session_id;         /* minted for the profile's sessionFlag, or NULL */
	int created;              /* the tmux session was created for it */
	char pane[32];            /* %N */
	char window_index[16];
	long pid;
	const char *worktree;     /* a worktree task's directory and branch, for its session file */
	const char *branch;
};

/* What the wait saw. */
struct launch_seen {
	enum pane_state state;    /* PANE_IDLE, PANE_WAITING, PANE_EXITED, or the last state seen */
	char rule[256];
	int dead;                 /* the program exited; status is its exit status (-1: unknown) */
	int status;
	char *last;               /* the pane's last lines when it died */
};

/*
 * S->argv from USER (N words; none: the profile's launch) with the model and session flags,
 * the program found on PATH. Returns 0, or a TD_EXIT_* status with *cause.
 */
int launch_prepare(struct launch *, char **user, size_t n, char **cause);
/* S->argv from the profile's resume argv with ID for its {session} element, and the model
 * flag; S->session_id is ID. 0, or a TD_EXIT_* status with *cause. */
int launch_prepare_resume(struct launch *, const char *id, char **cause);
/* Creates the window, split or session (or respawns S->respawn) and starts the argv there. 0 or TD_EXIT_FAIL. */
int launch_start(struct launch *, char **cause);
/* Waits at most TIMEOUT seconds for the pane to be idle, waiting for a person, or dead. */
int launch_wait(const struct launch *, int timeout, struct launch_seen *, char **cause);
/* One look of launch_wait (SEEN set up by launch_seen_init): *DONE once idle, waiting or
 * dead, so several agents can be waited for together. 0 or a TD_EXIT_* status with *cause. */
void launch_seen_init(struct launch_seen *);
int launch_look(const struct launch *, struct launch_seen *, int *done, char **cause);
void launch_seen_free(struct launch_seen *);
/* Frees what S owns: env, argv, cwd, session id. */
void launch_free(struct launch *);
/* Adds K=V (checked by the caller) to S's environment. */
void launch_env_add(struct launch *, const char *kv);
/* Whether tmux has a session named exactly SESSION. */
int launch_session_exists(const char *session);
/* Sends P's quit keys to PANE (none: nothing) and waits at most TIMEOUT seconds for its
 * program to exit; returns whether it did. */
int launch_stop(const struct profile *, const char *pane, int timeout);
struct profile_keys;
/* Sends K (a profile's interrupt or nudge keys) to PANE: text, then key names. 0 or -1. */
int launch_send_keys(const struct profile_keys *k, const char *pane);
/* PROG as an absolute path: searched on PATH unless it holds a '/' (caller frees). NULL if
 * not runnable. */
char *launch_which(const char *prog);
/* Whether PANE's program has ended: 1 with *status its exit status (-1: unknown), 0 still
 * running, -1 no such pane (or no tmux server). */
int launch_pane_ended(const char *pane, int *status);
/* Whether PANE's program has exited, or the pane is gone. */
int launch_exited(const char *pane);
/* Removes NAME's session file. */
void launch_forget(const char *state_path, const char *name);
/* Kills PANE; 0 or -1. */
int launch_kill(const char *pane);
/* "tmux attach -t S" outside tmux, "tmux switch-client -t S:W" inside (caller frees). */
char *launch_attach_command(const char *session, const char *window);
/* The session file of NAME for the state at STATE_PATH (caller frees); NULL, reported, when
 * the side directory cannot be used. */
char *launch_session_path(const char *state_path, const char *name);
/* Writes S's session file atomically. 0 or TD_EXIT_FAIL, reported. */
int launch_record(const struct launch *, const char *state_path);
/* NAME's session file parsed, or NULL (*rc TD_EXIT_NOTFOUND: none; else reported). */
cJSON *launch_session_read(const char *state_path, const char *name, int *rc);

#endif
