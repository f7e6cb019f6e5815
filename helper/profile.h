/*
 * Agent profiles: how to read one program's screen. Profiles are data (helper/profiles.json,
 * compiled in, and the user's profiles.json, same format); this is their loaded form.
 */
#ifndef PROFILE_H
#define PROFILE_H

#include <regex.h>
#include <stddef.h>

#include <cjson/cJSON.h>

/* Where on the screen a pattern looks; see README "Profiles". */
enum region_kind {
	REGION_SCREEN,     /* every line down to the last non-blank one */
	REGION_LAST,       /* the last N lines, ending at the last non-blank one */
	REGION_CURSOR,     /* the cursor line (without metadata: the last non-blank line) */
	REGION_INPUT,      /* the input line and the lines that continue it */
	REGION_FOOTER,     /* below the input (N: its first N lines) */
	REGION_TRANSCRIPT, /* above the input (N: its last N lines, trailing blanks skipped) */
};

struct region {
	enum region_kind kind;
	int n; /* 0: the whole region */
};

struct pattern {
	char *source;     /* the POSIX ERE, as written */
	char *label;      /* shown in verdicts instead of the source, or NULL */
	struct region region;
	char **commands;  /* applies only when pane_current_command is one of these, or NULL */
	size_t ncommands;
	char *literal;    /* a substring every match contains (prefilter), or NULL */
	size_t literal_len;
	int literal_at_start; /* every match starts the line with the literal */
	int literal_at_end;   /* ... and ends it: the pattern is "^lit$" or "lit$" */
	size_t rare;      /* offset of the literal's least common byte: memchr looks for it */
	int trivial;      /* the pattern is its literal: no regexec needed */
	int has_last;     /* it ends in '$' and last[] holds the bytes a matching line ends with */
	unsigned char last[256];
	int compiled;     /* 0: not yet, 1: re is valid, -1: does not compile */
	regex_t re;
};

struct pattern_list {
	struct pattern *v;
	size_t n;
};

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
	PL_NLISTS
};

struct profile {
	char *name;
	char *source;       /* "built-in" or the path of the user's profiles.json */
	char *description;
	cJSON *json;        /* the definition as written, for "profiles show" */
	char **commands;    /* pane_current_command values of this program */
	size_t ncommands;
	int foreground;     /* with metadata, busy unless the foreground command is in commands */
	int input_cursor;   /* the input is the cursor line ("input": "cursor") */
	int open_busy;      /* a turn without its done marker is busy (else unknown) */
	struct pattern_list lists[PL_NLISTS];

	/* The auto profile: candidates in recognition order, and the shell fallback. */
	int is_auto;
	const struct profile **candidates;
	size_t ncandidates;
	const struct profile *shell;
};

extern const char *profile_list_names[PL_NLISTS];

/*
 * Looks NAME up ("auto" allowed) in the user's profiles ($TMUX_DISPATCH_PROFILES, else
 * STATE_DIR/profiles.json; user entries replace built-ins of the same name), then in the
 * built-ins. Reports the error and returns NULL if there is no such profile or the user's file
 * is invalid (its path, and line:col for a syntax error).
 */
const struct profile *profile_get(const char *name, const char *state_dir);
/* The exit status (TD_EXIT_*) that goes with the last NULL from profile_get or profile_all. */
int profile_last_error(void);
/* Every profile, built-ins first in their order, then the user's; NULL on a bad user file. */
const struct profile *const *profile_all(const char *state_dir, size_t *n);
/* The user's profiles.json path that applies (may not exist). Caller frees. */
char *profile_user_path(const char *state_dir);
/* Whether NAME is one of P's commands (a leading '-' of a login shell is ignored). */
int profile_has_command(const struct profile *, const char *name);
/* Whether a pattern applies with this foreground command (NULL: none known). */
int profile_pattern_applies(const struct pattern *, const char *command);
/* A pattern from an expression alone (region screen), compiled now; for tests. */
int profile_pattern_init(struct pattern *, const char *source, char **why);
void profile_pattern_free(struct pattern *);
/* Matches one line (LEN bytes, not NUL-terminated) against a pattern. */
int profile_match(struct pattern *, const char *line, size_t len);
void profile_free_all(void);

#endif
