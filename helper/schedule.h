/*
 * Scheduling: which items are ready, which one a terminal is working on, and which one it
 * takes next. The one place the order of delivery is decided (README "Concepts: Order").
 */
#ifndef SCHEDULE_H
#define SCHEDULE_H

#include <cjson/cJSON.h>

struct state;

/* A pending item whose every dependsOn is done; otherwise *blocker names the first that is not. */
int schedule_ready(struct state *, const cJSON *item, const char **blocker);

/*
 * The members of a queued item the pick and a check's scan of the queue read, found in one walk
 * over it (each lookup by name is a walk of its own: at 10,000 items those walks were most of the
 * pick). As a lookup by name, the first member of a name counts; a text not a string is NULL.
 */
struct schedule_item {
	const char *id, *status, *assigned, *command;
	const cJSON *depends, *oneshot, *worktree; /* the members, or NULL */
};
void schedule_item_read(const cJSON *item, struct schedule_item *);
/* schedule_ready of an item read so. */
int schedule_item_ready(struct state *, const struct schedule_item *, const char **blocker);
/* The item a terminal is working on: the running one it took, or one assigned to it by hand. */
cJSON *schedule_running(struct state *, const cJSON *term);
/*
 * The next ready item TERM may take, or NULL: its own first, then its group's (or all's), then
 * anyone's; within each, the task graph's order (graph_cmp) with the phase of TERM's previous
 * item. Items outside the terminal's --allow list are never picked. Worker limits are the
 * caller's (limit.h).
 */
cJSON *schedule_next(struct state *, const cJSON *term);
/* The phase of the item TERM finished last (today), or NULL. */
const char *schedule_last_phase(struct state *, const cJSON *term);

#endif
