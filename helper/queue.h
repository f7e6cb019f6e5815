/* The queue at large: what may be queued, counts per status and the badge text. Which item a
 * terminal takes next is schedule.h's. */
#ifndef QUEUE_H
#define QUEUE_H

#include <stddef.h>

#include "state.h"

/* The longest command: longer ones are refused, hand-written ones fail (README "Limits"). */
#define QUEUE_COMMAND_MAX (256 * 1024)
#define QUEUE_COMMAND_MAX_TEXT "262144"

#define QUEUE_ID_MAX 128
#define QUEUE_ID_MAX_TEXT "128"
#define QUEUE_LABEL_MAX 256 /* bytes of a title or a phase */
#define QUEUE_LABEL_MAX_TEXT "256"

/* NULL if a command may be queued, else why not. */
const char *queue_check_command(const char *);
/* NULL if ID may name an item, else why not ("use 1 to 128 printable characters"). */
const char *queue_check_id(const char *);
/* NULL if TEXT may be a title or a phase, else why not: a predicate ("is empty"). */
const char *queue_check_label(const char *);

/* The status shown to people: pending splits into ready, blocked and stuck (graph.h). */
#define QUEUE_READY "ready"
#define QUEUE_BLOCKED "blocked"
#define QUEUE_STUCK "stuck"
const char *queue_shown_status(struct state *, const cJSON *item);

/* Counts per status; ready, blocked and stuck split pending. */
struct queue_counts {
	int pending, ready, blocked, stuck, running, done, failed, cancelled;
};
#define QUEUE_BADGE_FORMAT "Q:%p R:%r"
void queue_count(struct state *, struct queue_counts *);
/* Expands %p %y %b %s %r %d %f %c %%; empty when nothing is pending or running. -1: bad format. */
int queue_badge(const char *format, const struct queue_counts *, char **);

#endif
