/* Scheduling (schedule.h): readiness and the pick, over the state's queue and its graph. */
#include <string.h>

#include "graph.h"
#include "oneshot.h"
#include "schedule.h"
#include "state.h"
#include "terminal.h"
#include "worktree.h"

int
schedule_ready(struct state *st, const cJSON *item, const char **blocker)
{
	const cJSON *dep, *other;

	*blocker = NULL;
	if (strcmp(state_str(item, ITEM_STATUS), ST_PENDING) != 0)
		return 0;
	cJSON_ArrayForEach(dep, state_get(item, ITEM_DEPENDS)) {
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

const char *
schedule_last_phase(struct state *st, const cJSON *term)
{
	const cJSON *item, *last = NULL;
	const char *on, *at, *latest = NULL;

	cJSON_ArrayForEach(item, st->completed) {
		on = state_str(item, ITEM_TERMINAL);
		at = state_str(item, ITEM_FINISHED);
		if (on == NULL || at == NULL || strcmp(on, term->string) != 0)
			continue;
		if (latest == NULL || strcmp(at, latest) >= 0) {
			latest = at;
			last = item;
		}
	}
	return last != NULL ? state_str(last, ITEM_PHASE) : NULL;
}

/* 0: assigned to this terminal, 1: to its group (or all), 2: to anyone. */
static int
schedule_rank(const char *assigned, const cJSON *term)
{
	if (assigned == NULL || *assigned == '\0')
		return 2;
	return strcmp(assigned, term->string) == 0 ? 0 : 1;
}

cJSON *
schedule_next(struct state *st, const cJSON *term)
{
	const struct graph_node *node, *best = NULL;
	const char *blocker, *assigned, *phase = schedule_last_phase(st, term);
	struct graph *g = graph_get(st);
	int rank, best_rank = 3;
	cJSON *item;

	cJSON_ArrayForEach(item, st->queue) {
		assigned = state_str(item, ITEM_ASSIGNED);
		/* A one-shot is never typed into a terminal: it runs on its own (oneshot.h); a
		 * worktree task only into the agent started for it, which takes nothing else
		 * (worktree.h). */
		if (oneshot_of(item) || !worktree_takes(term, item) ||
		    !schedule_ready(st, item, &blocker) || !terminal_takes(st, assigned, term) ||
		    !terminal_allows(term, state_str(item, ITEM_COMMAND)))
			continue;
		node = graph_node(g, state_str(item, ITEM_ID));
		rank = schedule_rank(assigned, term);
		if (best == NULL || rank < best_rank ||
		    (rank == best_rank && graph_cmp(node, best, phase) < 0)) {
			best = node;
			best_rank = rank;
		}
	}
	return best != NULL ? best->item : NULL;
}
