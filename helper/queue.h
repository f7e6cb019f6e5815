/* Terminals (terminal.c: names, selection, groups, allowlists) and the queue (queue.c: what
 * may be queued, counts, the badge). Which item goes next is schedule.h's. */
#ifndef QUEUE_H
#define QUEUE_H

#include <stddef.h>

#include "state.h"

/* Terminal names and targets. */
int terminal_valid_name(const char *);
int terminal_valid_target(const char *);
char *terminal_default_group(const char *name); /* "generator-2" -> "generator" */
const char *terminal_group(const cJSON *term);
int terminal_allows(const cJSON *term, const char *command);

/*
 * Resolves a selector to terminals: NAME, "all", "all-GROUP" (the plural works: all-generators),
 * or a bare group name. *canonical is what an item's assignedTo records. Reports and returns
 * TD_EXIT_NOTFOUND when nothing matches.
 */
int terminal_select(struct state *, const char *spec, cJSON ***terms, size_t *n,
    char **canonical);
/* Whether an item's assignedTo lets this terminal take it. */
int terminal_takes(struct state *, const char *assigned, const cJSON *term);

/* NULL if a command may be queued, else why not. */
const char *queue_check_command(const char *);

/* Counts per status; ready and blocked split pending. */
struct queue_counts {
	int pending, ready, blocked, running, done, failed, cancelled;
};
#define QUEUE_BADGE_FORMAT "Q:%p R:%r"
void queue_count(struct state *, struct queue_counts *);
/* Expands %p %y %b %r %d %f %c %%; empty when nothing is pending or running. -1: bad format. */
int queue_badge(const char *format, const struct queue_counts *, char **);

#endif
