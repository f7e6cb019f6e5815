/*
 * Observing a terminal: its pane resolved, read (metadata and screen in one tmux call),
 * classified with its profile and hashed for stall tracking, or one true error. check,
 * dispatch, send, status, classify -t and the delivery's read-back all look through here.
 */
#ifndef OBSERVE_H
#define OBSERVE_H

#include <cjson/cJSON.h>

#include "classify.h"
#include "terminal.h"

struct panes;
struct profile;

struct observation {
	char pane[32];                  /* the %N that was read */
	struct pane_meta meta;
	const struct profile *profile;  /* the terminal's (auto: the verdict names the one seen) */
	struct verdict v;
	unsigned long long hash;        /* stall_hash of the screen */
	char hash_text[17];             /* the same, as stored in the state */
};

/*
 * Captures already read in one run, by target: many terminals may name one pane, and each
 * capture is a tmux client call made under the state lock.
 */
struct observe_cache {
	struct observe_capture *v;
	size_t n;
};
void observe_cache_free(struct observe_cache *);
/* Keeps a capture read elsewhere (snapshot.h) as TARGET's, unless CACHE has one already. */
void observe_cache_add(struct observe_cache *, const char *target, const struct pane_meta *,
    const char *text, size_t len);

#define OBSERVE_UNDER_MODE 0x1 /* judge the screen under a tmux mode, not the mode */

/*
 * Reads TARGET (a %N or any tmux target) with PROFILE. Returns 0, or a TD_EXIT_* status with
 * *cause (caller frees).
 */
int observe_pane(const char *target, const struct profile *, int flags, struct observation *,
    char **cause);
/* The same with the profile named PNAME (NULL: auto), profiles as found for STATE_DIR; a
 * capture in CACHE (which may be NULL) is used again, and a new one kept there. */
int observe_target(const char *target, const char *pname, const char *state_dir,
    struct observe_cache *, struct observation *, char **cause);
/*
 * Terminal TERM: the pane PANE_ID when given (a running item is judged where it was typed),
 * else its target resolved in PANES (TD_EXIT_NOTFOUND, "no pane for target T", when it names
 * none), read with the terminal's profile (auto: see TERMINAL_AGENT).
 */
int observe_terminal(const struct panes *, const cJSON *term, const char *pane_id,
    const char *state_dir, struct observe_cache *, struct observation *, char **cause);

/*
 * Records in an auto terminal's entry (TERMINAL_AGENT) the agent auto recognised, by which a
 * later shell prompt is judged (observe_terminal); called where the state is written: check,
 * classify -t.
 */
void observe_remember(cJSON *term, const struct observation *);
/*
 * The profile that read O, by the name in its verdict (auto's verdict names the profile it
 * recognised), from the profiles of the state in STATE_DIR; NULL if it cannot be had.
 */
const struct profile *observe_profile(const struct observation *, const char *state_dir);

struct state;
/*
 * Every terminal of ST observed now, read-only (status, plan): one verdict each, in the order
 * of st->terminals (caller frees). A terminal that cannot be read is PANE_UNKNOWN with the
 * cause as its rule; the stall count is the one a check would record.
 */
struct verdict *observe_all(struct state *);

#endif
