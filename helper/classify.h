/*
 * Deciding what state the program in a pane is in, from a plain capture, the pane's metadata
 * and a profile. Pure: no tmux, no state file.
 */
#ifndef CLASSIFY_H
#define CLASSIFY_H

#include <stddef.h>

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
	int pid;                 /* pane_pid: the pane's own process (a respawn changes it) */
	char current_command[64];
	char pane_id[32];
	char agent[65];          /* not tmux's: the agent auto last saw here (the state's memory) */
};

struct verdict {
	enum pane_state state;
	const char *profile; /* the profile that decided (with auto, the one recognised) */
	char rule[256];      /* what decided, e.g. `footer "esc to interrupt"` */
	int seen;            /* stall tracking: consecutive checks with this screen, 0 if untracked */
	char suggestion[256]; /* idle, the input showing only this ghost text (see below), or "" */
};

const char *classify_state_name(enum pane_state);

/*
 * Classifies a plain capture (capture-pane -p, no escapes) with a profile; the auto profile
 * recognises the program first. META may be NULL. Always fills *V.
 */
void classify_screen(const struct profile *, const char *text, size_t len,
    const struct pane_meta *meta, struct verdict *v);

/*
 * Suggestions (ghost text, ghost.h): a typed verdict may be an agent's suggestion when the
 * profile that decided declares its colours. classify_suggestion re-judges such a verdict of
 * TEXT with ESC, the same screen from capture-pane -e: with the ghost text taken out of the
 * input, a screen that is then idle is idle, with v->suggestion set. Otherwise, or when the
 * two captures differ, V stays as it was.
 */
int classify_may_suggest(const struct profile *, const struct verdict *);
/* Whether the profile that gave V (P, or the one auto recognised) declares suggestions. */
int classify_suggests(const struct profile *, const struct verdict *);
void classify_suggestion(const struct profile *, const char *text, size_t len,
    const char *esc, size_t esclen, const struct pane_meta *, struct verdict *v);
/* The input region's text, its lines joined by spaces (caller frees), or NULL without one. */
char *classify_input_text(const struct profile *, const struct verdict *, const char *text,
    size_t len, const struct pane_meta *);
/*
 * The input's text down to the rule under it, blank lines included (a prompt's paragraphs,
 * as an agent shows a prompt given back to its input), joined by spaces (caller frees); NULL
 * without an input or a rule under it.
 */
char *classify_input_block(const struct profile *, const struct verdict *, const char *text,
    size_t len, const struct pane_meta *);

#endif
