/*
 * Continuation: an item that ends its turn with the agent's suggestion showing (ghost text,
 * classify.h) is not done yet when it may continue (enqueue --continue N, a task's "continue",
 * a terminal's default): the helper accepts the suggestion (Tab), checks that the input now
 * holds it as real text, and submits it (Enter), up to N times; then the item completes.
 */
#ifndef CONTINUE_H
#define CONTINUE_H

#include <cjson/cJSON.h>

struct check_plan;
struct observation;
struct state;

#define CONTINUE_MAX 100 /* --continue N: at most this */
#define CONTINUE_MAX_TEXT "100"

/*
 * Called by the check, under the lock, for RUNNING, which O (TERM's pane) shows done. Returns
 * 1 when a suggestion was accepted and submitted (or, dry, would be): RUNNING keeps running.
 */
int continue_accept(struct state *, const struct check_plan *, const cJSON *term,
    cJSON *running, const struct observation *o);

#endif
