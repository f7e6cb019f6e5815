/*
 * Agent profiles: how to read one program's screen. Profiles are data (helper/profiles.json,
 * compiled in, and the user's tmux-dispatch.profiles.json, same format): their loaded form.
 */
#ifndef PROFILE_H
#define PROFILE_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "ghost.h"
#include "pattern.h"

/* The pattern lists of a profile, in JSON key order. */
enum profile_list {
	PL_DETECT,   /* "detect": the screen shows this program (auto) */
	PL_INPUT,    /* "input": the bottom-most match is the input line */
	PL_EXITED,   /* "exited": the program is gone (a shell prompt) */
	PL_WAITING,  /* "waiting": a question for a human */
	PL_BUSY,     /* "busy": working; beats everything below */
	PL_VIEW,     /* "view": a view covering the input (waiting, unless the turn is open) */
	PL_IDLE,     /* "idle": an input line that is empty (placeholders included) */
	PL_TYPED,    /* "typed": an input line that holds text (default: any non-idle line) */
	PL_REQUIRE,  /* "require": each must match for idle */
	PL_PROMPT,   /* "prompt": a submitted prompt in the transcript: a turn starts */
	PL_DONE,     /* "done": a turn finished (completion marker, interruption) */
	PL_FRESH,    /* "fresh": no turn yet (banner), when neither prompt nor done shows */
	PL_MENU,     /* "menu": a popup's selected row over the transcript (the turn is not known) */
	PL_NLISTS
};

/* Keys to send: literal TEXT (send-keys -l), then KEYS (tmux key names, e.g. Enter). */
struct profile_keys {
	char *text;
	char **keys;
	size_t nkeys;
};

/* How to start and stop the program (none of it is known to the C code). */
struct profile_launch {
	char **argv;        /* "launch": argv to start it interactively */
	size_t argc;
	char *model_flag;   /* "modelFlag": the option that takes the model, "--model" */
	char *session_flag; /* "sessionFlag": the option that takes a minted session UUID */
	char **oneshot;     /* "oneshot.argv": its headless mode */
	size_t noneshot;
	int oneshot_file;   /* the prompt goes in a file named by {prompt_file}, else stdin */
	char **resume;      /* "resume": argv continuing a session; one element is {session} */
	size_t nresume;
	char **unset;       /* "env": variable names removed from its environment */
	size_t nunset;
	struct profile_keys quit, interrupt;
	struct profile_keys nudge; /* "nudge": what wakes a stalled turn (watch.h); none: Enter */
	struct profile_keys clear; /* "clear": keys that empty an input holding a prompt given
	                              back by an interrupt, one at a time (restore.h); none: never */
};

#define PROFILE_SESSION "{session}"
#define PROFILE_PROMPT_FILE "{prompt_file}"

struct profile {
	char *name;
	char *source;       /* "built-in" or the path of the user's profiles file */
	char *description;
	cJSON *json;        /* the definition as written, for "profiles show" */
	char **commands;    /* pane_current_command values of this program */
	size_t ncommands;
	int foreground;     /* with metadata, busy unless the foreground command is in commands */
	int input_cursor;   /* the input is the cursor line ("input": "cursor") */
	int open_busy;      /* a turn without its done marker is busy (else unknown) */
	struct pattern_list lists[PL_NLISTS];
	struct profile_launch launch;
	struct ghost_spec suggestion; /* "suggestion": its ghost text's SGR (none: nghost 0) */

	/* The auto profile: candidates in recognition order, and the shell fallback. */
	int is_auto;
	const struct profile **candidates;
	size_t ncandidates;
	const struct profile *shell;
};

extern const char *profile_list_names[PL_NLISTS];

/*
 * Looks NAME up ("auto" allowed) in the user's profiles ($TMUX_DISPATCH_PROFILES, else
 * STATE_DIR/tmux-dispatch.profiles.json; user entries replace built-ins of the same name), then in the
 * built-ins. Returns 0, or a TD_EXIT_* status with *cause (caller frees) saying why: no such
 * profile, or the user's file is invalid (its path, and line:col for a syntax error).
 */
int profile_get(const char *name, const char *state_dir, const struct profile **, char **cause);
/* Every profile, built-ins first in their order, then the user's; errors as profile_get. */
int profile_all(const char *state_dir, const struct profile *const **, size_t *, char **cause);
/* The user's profiles file that applies (may not exist; caller frees), and whether the user
 * named it ($TMUX_DISPATCH_PROFILES) rather than it lying beside the state. */
char *profile_user_path(const char *state_dir);
int profile_user_named(void);
/* Whether NAME is one of P's commands (a leading '-' of a login shell is ignored). */
int profile_has_command(const struct profile *, const char *name);
void profile_free_all(void);
/* Whether LEN bytes at S are an environment variable name ([A-Za-z_][A-Za-z0-9_]*). */
int profile_env_name(const char *s, size_t len);

#endif
