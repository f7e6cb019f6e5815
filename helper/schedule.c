/* Scheduling (schedule.h): readiness and the pick, over the state's queue and its graph. */
#include <string.h>

#include "graph.h"
#include "oneshot.h"
#include "schedule.h"
#include "state.h"
#include "terminal.h"
#include "worktree.h"

static int
schedule_ready_of(struct state *st, const char *status, const cJSON *depends,
    const char **blocker)
{
	const cJSON *dep, *other;

	*blocker = NULL;
	if (strcmp(status, ST_PENDING) != 0)
		return 0;
	cJSON_ArrayForEach(dep, depends) {
		other = state_item(st, dep->valuestring);
		if (other == NULL || strcmp(state_str(other, ITEM_STATUS), ST_DONE) != 0) {
			*blocker = dep->valuestring;
			return 0;
		}
	}
	return 1;
}

int
schedule_ready(struct state *st, const cJSON *item, const char **blocker)
{
	return schedule_ready_of(st, state_str(item, ITEM_STATUS), state_get(item, ITEM_DEPENDS),
	    blocker);
}

static const char *
schedule_text(const cJSON *m)
{
	return cJSON_IsString(m) ? m->valuestring : NULL;
}

/* Keeps M in *SLOT when its name is KEY and no member before it had that name. */
static void
schedule_take(const cJSON **slot, const cJSON *m, const char *key)
{
	if (*slot == NULL && strcmp(m->string, key) == 0)
		*slot = m;
}

void
schedule_item_read(const cJSON *item, struct schedule_item *k)
{
	const cJSON *m, *id = NULL, *status = NULL, *assigned = NULL, *command = NULL;

	memset(k, 0, sizeof *k);
	/* As cJSON's lookup, the walk ends at a member without a name. */
	for (m = item->child; m != NULL && m->string != NULL; m = m->next) {
		switch (m->string[0]) {
		case 'i': schedule_take(&id, m, ITEM_ID); break;
		case 's': schedule_take(&status, m, ITEM_STATUS); break;
		case 'a': schedule_take(&assigned, m, ITEM_ASSIGNED); break;
		case 'c': schedule_take(&command, m, ITEM_COMMAND); break;
		case 'd': schedule_take(&k->depends, m, ITEM_DEPENDS); break;
		case 'o': schedule_take(&k->oneshot, m, ITEM_ONESHOT); break;
		case 'w': schedule_take(&k->worktree, m, ITEM_WORKTREE); break;
		}
	}
	k->id = schedule_text(id);
	k->status = schedule_text(status);
	k->assigned = schedule_text(assigned);
	k->command = schedule_text(command);
}

int
schedule_item_ready(struct state *st, const struct schedule_item *k, const char **blocker)
{
	return schedule_ready_of(st, k->status, k->depends, blocker);
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
	/* No allow list, or a prefix "" in it: every command, without asking per item. */
	int rank, best_rank = 3, any_command = terminal_allows(term, "");
	struct schedule_item k;
	cJSON *item;

	cJSON_ArrayForEach(item, st->queue) {
		schedule_item_read(item, &k);
		assigned = k.assigned;
		/* A one-shot (oneshot_of) is never typed into a terminal: it runs on its own
		 * (oneshot.h); a worktree task only into the agent started for it, which takes
		 * nothing else (worktree.h). */
		if (cJSON_IsTrue(k.oneshot) || !worktree_takes_member(term, k.worktree, k.id) ||
		    !schedule_item_ready(st, &k, &blocker) || !terminal_takes(st, assigned, term) ||
		    (!any_command && !terminal_allows(term, k.command)))
			continue;
		node = graph_node(g, k.id);
		rank = schedule_rank(assigned, term);
		if (best == NULL || rank < best_rank ||
		    (rank == best_rank && graph_cmp(node, best, phase) < 0)) {
			best = node;
			best_rank = rank;
		}
	}
	return best != NULL ? best->item : NULL;
}
