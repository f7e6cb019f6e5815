/* Scheduling (schedule.h): readiness and the pick, over the state's queue. */
#include <string.h>

#include "schedule.h"
#include "state.h"
#include "terminal.h"

int
schedule_ready(struct state *st, const cJSON *item, const char **blocker)
{
	const cJSON *dep, *other;

	*blocker = NULL;
	if (strcmp(state_str(item, ITEM_STATUS), ST_PENDING) != 0)
		return 0;
	cJSON_ArrayForEach(dep, cJSON_GetObjectItemCaseSensitive(item, ITEM_DEPENDS)) {
		other = state_item(st, dep->valuestring);
		if (other == NULL || strcmp(state_str(other, ITEM_STATUS), ST_DONE) != 0) {
			*blocker = dep->valuestring;
			return 0;
		}
	}
	return 1;
}

cJSON *
schedule_running(struct state *st, const cJSON *term)
{
	cJSON *item;
	const char *on, *to;

	cJSON_ArrayForEach(item, st->queue) {
		if (strcmp(state_str(item, ITEM_STATUS), ST_RUNNING) != 0)
			continue;
		on = state_str(item, ITEM_TERMINAL);
		to = state_str(item, ITEM_ASSIGNED);
		if (on != NULL ? strcmp(on, term->string) == 0 :
		    to != NULL && strcmp(to, term->string) == 0)
			return item;
	}
	return NULL;
}

/* 0: assigned to this terminal, 1: to its group (or all), 2: to anyone. */
static int
schedule_rank(const char *assigned, const cJSON *term)
{
	if (assigned == NULL || *assigned == '\0')
		return 2;
	return strcmp(assigned, term->string) == 0 ? 0 : 1;
}

/* Higher priority first, then older; equal items keep their order in the file. */
static int
schedule_before(const cJSON *a, const cJSON *b)
{
	double pa = cJSON_GetObjectItemCaseSensitive(a, ITEM_PRIORITY)->valuedouble;
	double pb = cJSON_GetObjectItemCaseSensitive(b, ITEM_PRIORITY)->valuedouble;
	const char *ca = state_str(a, ITEM_CREATED), *cb = state_str(b, ITEM_CREATED);
	int c;

	if (pa != pb)
		return pa > pb;
	/* Our timestamps are fixed-width UTC, so text order is time order. */
	if (ca != NULL && cb != NULL && (c = strcmp(ca, cb)) != 0)
		return c < 0;
	return 0;
}

cJSON *
schedule_next(struct state *st, const cJSON *term)
{
	cJSON *item, *best = NULL;
	const char *blocker, *assigned;
	int rank, best_rank = 3;

	cJSON_ArrayForEach(item, st->queue) {
		assigned = state_str(item, ITEM_ASSIGNED);
		if (!schedule_ready(st, item, &blocker) || !terminal_takes(st, assigned, term) ||
		    !terminal_allows(term, state_str(item, ITEM_COMMAND)))
			continue;
		rank = schedule_rank(assigned, term);
		if (best == NULL || rank < best_rank ||
		    (rank == best_rank && schedule_before(item, best))) {
			best = item;
			best_rank = rank;
		}
	}
	return best;
}
