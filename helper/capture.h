/* Reading a pane and deciding what state the program in it is in. */
#ifndef CAPTURE_H
#define CAPTURE_H

#include <stddef.h>
#include <time.h>

#include <cjson/cJSON.h>

struct profile;

enum pane_state {
	PANE_IDLE,      /* empty input prompt: the agent waits for a command */
	PANE_BUSY,      /* thinking, streaming, running a tool, retrying */
	PANE_WAITING,   /* a question for a human: permission, trust, menu */
	PANE_TYPED,     /* the input holds text that was not submitted */
	PANE_EXITED,    /* the agent is gone (shell prompt) or the pane is dead */
	PANE_COPY_MODE, /* the pane is in a tmux mode */
	PANE_UNKNOWN,   /* nothing conclusive: never treated as idle */
};

/* What tmux says about a pane; known is 0 when there is none (a capture read from a file). */
struct pane_meta {
	int known;
	int in_mode;
	int dead;
	int cursor_x;
	int cursor_y;
	int pane_height;
	int alternate_on;
	char current_command[64];
	char pane_id[32];
};

struct verdict {
	enum pane_state state;
	const char *profile; /* the profile that decided (with auto, the one recognised) */
	char rule[256];      /* what decided, e.g. `footer "esc to interrupt"` */
	int seen;            /* stall tracking: consecutive checks with this screen, 0 if untracked */
};

#define CAPTURE_STALL_SUSPECT 2 /* busy and unchanged this many checks: "busy (stall?)" */
#define CAPTURE_STALLED 3       /* ... this many: "stalled" */
#define CAPTURE_STALL_SECONDS 60 /* ... and unchanged this long (half for "busy (stall?)") */

const char *capture_state_name(enum pane_state);
/* The state word with stall tracking applied: "busy", "busy (stall?)" or "stalled". */
const char *capture_verdict_label(const struct verdict *);
/* The same for JSON: "stalled" replaces "busy" from CAPTURE_STALLED on. */
const char *capture_verdict_state(const struct verdict *);

/*
 * Classifies a plain capture (capture-pane -p, no escapes) with a profile; the auto profile
 * recognises the program first. META may be NULL. Always fills *V; returns 0.
 */
int capture_classify(const struct profile *, const char *text, size_t len,
    const struct pane_meta *meta, struct verdict *v);

/*
 * Reads a pane's metadata and visible screen in one tmux client call. Returns 0, or reports
 * the error and returns TD_EXIT_NOTFOUND (no such pane) or TD_EXIT_FAIL (tmux failed).
 */
int capture_pane(const char *target, struct pane_meta *, char **text, size_t *len);

/* Parses "key=value" lines (the .meta sidecar of a fixture) into META; returns 0 or -1. */
int capture_meta_parse(const char *text, struct pane_meta *meta);

/*
 * Hash of the screen with what changes while nothing happens left out: elapsed-time counters
 * ("12s", "1m 42s"), clock times, token counts and spinner glyphs.
 */
unsigned long long capture_screen_hash(const char *text, size_t len);

/*
 * Records HASH in TERMINAL's "screen" object {"hash","since","seen"}: seen counts consecutive
 * checks that saw this hash. Returns the new seen count.
 */
int capture_stall_update(cJSON *terminal, unsigned long long hash, time_t now);
/* The count to label by: SEEN checks of one screen, unchanged since SINCE. */
int capture_stall_count(int seen, time_t since, time_t now);

/* Makes regular expressions UTF-8 aware; called before the first regcomp. Idempotent. */
int capture_locale(void);

#endif
