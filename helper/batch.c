/* Batches (batch.h). Statuses are derived from the items, and stored for other readers. */
#include <stdlib.h>
#include <string.h>

#include "batch.h"
#include "graph.h"
#include "item.h"
#include "queue.h"
#include "state.h"
#include "tmux-dispatch.h"

cJSON *
batch_record(struct state *st, char *const *ids, size_t n)
{
	cJSON *batch = cJSON_CreateObject(), *items, *b;
	long next = 1, k;
	const char *id;
	char *name;
	size_t i;

	if (st->batches == NULL)
		st->batches = cJSON_AddArrayToObject(st->root, "batches");
	/* batch-N, one past the highest N recorded. */
	cJSON_ArrayForEach(b, st->batches) {
		id = state_str(b, "id");
		if (strncmp(id, "batch-", 6) == 0 && (k = strtol(id + 6, NULL, 10)) >= next)
			next = k + 1;
	}
	xasprintf(&name, "batch-%ld", next);
	cJSON_AddStringToObject(batch, "id", name);
	free(name);
	state_set_time(batch, "startedAt", st->now);
	items = cJSON_AddArrayToObject(batch, "items");
	for (i = 0; i < n; i++)
		cJSON_AddItemToArray(items, cJSON_CreateString(ids[i]));
	cJSON_AddStringToObject(batch, "status", BATCH_RUNNING);
	cJSON_AddItemToArray(st->batches, batch);
	return batch;
}

/* An item gone from the state (archived on a later day) finished long ago: it counts as done. */
static const char *
batch_item_status(struct state *st, const char *id)
{
	const cJSON *item = state_item(st, id);

	return item != NULL ? state_str(item, ITEM_STATUS) : ST_DONE;
}

static const char *
batch_status(struct state *st, const cJSON *batch)
{
	const cJSON *id;
	const char *status;
	int failed = 0;

	cJSON_ArrayForEach(id, cJSON_GetObjectItemCaseSensitive(batch, "items")) {
		status = batch_item_status(st, id->valuestring);
		if (strcmp(status, ST_PENDING) == 0 || strcmp(status, ST_RUNNING) == 0)
			return BATCH_RUNNING;
		failed |= strcmp(status, ST_DONE) != 0;
	}
	return failed ? BATCH_FAILED : BATCH_DONE;
}

void
batch_sync(struct state *st)
{
	const char *old, *now;
	cJSON *batch;

	cJSON_ArrayForEach(batch, st->batches) {
		old = state_str(batch, "status");
		now = batch_status(st, batch);
		if (old != NULL && strcmp(old, now) == 0)
			continue;
		state_set_str(batch, "status", now);
		if (strcmp(now, BATCH_RUNNING) == 0)
			cJSON_DeleteItemFromObjectCaseSensitive(batch, "finishedAt");
		else
			state_set_time(batch, "finishedAt", st->now);
	}
}

cJSON *
batch_find(struct state *st, const char *id)
{
	cJSON *batch, *found = NULL;

	cJSON_ArrayForEach(batch, st->batches) {
		if (id == NULL || strcmp(state_str(batch, "id"), id) == 0)
			found = batch;
	}
	return found;
}

/* Seconds an item ran: start to finish, or to now while it runs; -1 before it started. */
static double
batch_seconds(struct state *st, const cJSON *item)
{
	time_t from, to = st->now;

	if (state_parse_time(state_str(item, ITEM_STARTED), &from) != 0)
		return -1;
	if (item_finished(item) && state_parse_time(state_str(item, ITEM_FINISHED), &to) != 0)
		return -1;
	return difftime(to, from) < 0 ? 0 : difftime(to, from);
}

/* Why a pending item of a batch has not started: what the last check said, else the graph. */
static char *
batch_why(struct state *st, const cJSON *item)
{
	const struct graph_node *node = graph_node(graph_get(st), state_str(item, ITEM_ID));
	const char *deferred = state_str(item, ITEM_DEFERRED);
	char *why = node != NULL ? graph_why(graph_get(st), node) : NULL;

	if (why == NULL)
		why = xstrdup(deferred != NULL ? deferred : "waiting for a worker");
	return why;
}

static cJSON *
batch_item_facts(struct state *st, const char *id, int *done)
{
	cJSON *f = cJSON_CreateObject(), *item = state_item(st, id);
	const char *status = batch_item_status(st, id), *s;
	double seconds = item != NULL ? batch_seconds(st, item) : -1;
	char *text;

	cJSON_AddStringToObject(f, "id", id);
	text = item != NULL ? item_title(item) : NULL;
	if (text != NULL)
		cJSON_AddStringToObject(f, "title", text);
	else
		cJSON_AddNullToObject(f, "title");
	free(text);
	cJSON_AddStringToObject(f, "status", item != NULL ? queue_shown_status(st, item) : status);
	*done += strcmp(status, ST_DONE) == 0;
	if (item != NULL && (s = state_str(item, ITEM_TERMINAL)) != NULL)
		cJSON_AddStringToObject(f, "terminal", s);
	else
		cJSON_AddNullToObject(f, "terminal");
	if (seconds >= 0)
		cJSON_AddNumberToObject(f, "seconds", seconds);
	else
		cJSON_AddNullToObject(f, "seconds");
	if (item != NULL && (s = state_str(item, ITEM_RESULT)) != NULL)
		cJSON_AddStringToObject(f, "result", s);
	else
		cJSON_AddNullToObject(f, "result");
	text = item != NULL && strcmp(status, ST_PENDING) == 0 ? batch_why(st, item) : NULL;
	if (text != NULL)
		cJSON_AddStringToObject(f, "why", text);
	else
		cJSON_AddNullToObject(f, "why");
	free(text);
	return f;
}

/* The live items outside the batch that wait on its items, directly or through others. */
static cJSON *
batch_unblocks(struct state *st, const cJSON *batch)
{
	struct graph *g = graph_get(st);
	char *seen = xcalloc(g->n + 1, 1), *title;
	size_t *todo = xcalloc(g->n + 1, sizeof *todo), head = 0, tail = 0, k;
	cJSON *out = cJSON_CreateArray(), *u;
	const struct graph_node *v;
	const cJSON *id;

	cJSON_ArrayForEach(id, cJSON_GetObjectItemCaseSensitive(batch, "items")) {
		if ((v = graph_node(g, id->valuestring)) != NULL && !seen[v->index]) {
			seen[v->index] = 2; /* in the batch */
			todo[tail++] = v->index;
		}
	}
	while (head < tail) {
		v = &g->nodes[todo[head++]];
		for (k = 0; k < v->nkids; k++) {
			if (seen[v->kids[k]])
				continue;
			seen[v->kids[k]] = 1;
			todo[tail++] = v->kids[k];
		}
	}
	for (k = 0; k < g->n; k++) {
		if (seen[k] != 1 || !graph_startable(&g->nodes[k]))
			continue;
		u = cJSON_CreateObject();
		cJSON_AddStringToObject(u, "id", g->nodes[k].id);
		title = item_title(g->nodes[k].item);
		cJSON_AddStringToObject(u, "title", title);
		free(title);
		cJSON_AddItemToArray(out, u);
	}
	free(todo);
	free(seen);
	return out;
}

cJSON *
batch_facts(struct state *st, const cJSON *batch)
{
	cJSON *f = cJSON_CreateObject(), *items;
	const cJSON *id;
	const char *s;
	int done = 0, total = 0;

	cJSON_AddStringToObject(f, "id", state_str(batch, "id"));
	s = state_str(batch, "startedAt");
	if (s != NULL)
		cJSON_AddStringToObject(f, "startedAt", s);
	else
		cJSON_AddNullToObject(f, "startedAt");
	s = state_str(batch, "finishedAt");
	if (s != NULL)
		cJSON_AddStringToObject(f, "finishedAt", s);
	else
		cJSON_AddNullToObject(f, "finishedAt");
	cJSON_AddStringToObject(f, "status", batch_status(st, batch));
	items = cJSON_CreateArray();
	cJSON_ArrayForEach(id, cJSON_GetObjectItemCaseSensitive(batch, "items")) {
		cJSON_AddItemToArray(items, batch_item_facts(st, id->valuestring, &done));
		total++;
	}
	cJSON_AddNumberToObject(f, "done", done);
	cJSON_AddNumberToObject(f, "total", total);
	cJSON_AddItemToObject(f, "items", items);
	cJSON_AddItemToObject(f, "unblocks", batch_unblocks(st, batch));
	return f;
}
