/*
 * Batches: the items one `plan --execute` or `dispatch --batch` started together, kept as
 * "batches": [{"id": "batch-1", "startedAt", "items": [ids], "status"}] in the state file, and
 * how each is doing.
 */
#ifndef BATCH_H
#define BATCH_H

#include <stddef.h>

#include <cjson/cJSON.h>

struct state;

#define BATCH_RUNNING "running"
#define BATCH_DONE "done"     /* every item done */
#define BATCH_FAILED "failed" /* every item finished, not all done */

/* Records IDS as a new batch "batch-N", running; returns it. */
cJSON *batch_record(struct state *, char *const *ids, size_t n);
/* Brings every batch's status (and finishedAt) up to date with its items; after items finish
 * or are retried, before the state is committed. */
void batch_sync(struct state *);
/* The batch with ID, or the latest one when ID is NULL; NULL if there is none. */
cJSON *batch_find(struct state *, const char *id);
/*
 * Everything people and scripts see of a batch: {"id", "startedAt", "finishedAt", "status",
 * "done", "total", "items": [{"id", "title", "status", "terminal", "seconds", "result",
 * "why"}], "unblocks": [{"id", "title"}]}; seconds: how long it ran (or has run so far).
 */
cJSON *batch_facts(struct state *, const cJSON *batch);

#endif
