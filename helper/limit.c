/* Worker limits (limit.h): counted from the running items each time, under the state lock. */
#include <stdlib.h>
#include <string.h>

#include "item.h"
#include "limit.h"
#include "state.h"
#include "terminal.h"
#include "tmux-dispatch.h"

static long limit_capped = -1;

long
limit_get(struct state *st, const char *name)
{
	const cJSON *l = cJSON_GetObjectItemCaseSensitive(st->limits, name);

	return cJSON_IsNumber(l) ? (long)l->valuedouble : -1;
}

void
limit_put(struct state *st, const char *name, long n)
{
	if (n < 0) {
		cJSON_DeleteItemFromObjectCaseSensitive(st->limits, name);
		/* The last one gone: the file is written as it was before any was set. */
		if (st->limits != NULL && st->limits->child == NULL) {
			cJSON_DeleteItemFromObjectCaseSensitive(st->root, "limits");
			st->limits = NULL;
		}
		return;
	}
	if (st->limits == NULL)
		st->limits = cJSON_AddObjectToObject(st->root, "limits");
	/* Replaced in place, so `limit ls` keeps its order. */
	if (cJSON_GetObjectItemCaseSensitive(st->limits, name) != NULL)
		cJSON_ReplaceItemInObjectCaseSensitive(st->limits, name,
		    cJSON_CreateNumber((double)n));
	else
		cJSON_AddNumberToObject(st->limits, name, (double)n);
}

void
limit_cap(long n)
{
	limit_capped = n;
}

long
limit_all(struct state *st)
{
	long all = limit_get(st, LIMIT_ALL);

	if (limit_capped >= 0 && (all < 0 || limit_capped < all))
		return limit_capped;
	return all;
}

/* The terminal a running item occupies: the one it was typed into, or the one it names. */
static const cJSON *
limit_terminal_of(struct state *st, const cJSON *item)
{
	const char *on = state_str(item, ITEM_TERMINAL);

	if (on == NULL)
		on = state_str(item, ITEM_ASSIGNED);
	return on != NULL ? state_terminal(st, on) : NULL;
}

void
limit_count(struct state *st, const char *group, const cJSON *term, struct limit_count *c)
{
	const cJSON *item, *on;

	memset(c, 0, sizeof *c);
	cJSON_ArrayForEach(item, st->queue) {
		if (strcmp(state_str(item, ITEM_STATUS), ST_RUNNING) != 0)
			continue;
		c->all++;
		if ((on = limit_terminal_of(st, item)) == NULL)
			continue;
		c->group += group != NULL && strcmp(terminal_group(on), group) == 0;
		c->term += on == term;
	}
}

int
limit_reached(struct state *st, const cJSON *term, char **why)
{
	const char *group = terminal_group(term);
	long all = limit_all(st), by_group = limit_get(st, group);
	long by_term = limit_get(st, term->string);
	struct limit_count n;

	*why = NULL;
	if (all < 0 && by_group < 0 && by_term < 0)
		return 0;
	limit_count(st, group, term, &n);
	/* The narrowest first: it is the one that still holds when the others make room. */
	if (by_term >= 0 && n.term >= by_term)
		xasprintf(why, "worker limit: %ld of %s's %ld running", n.term, term->string,
		    by_term);
	else if (by_group >= 0 && n.group >= by_group)
		xasprintf(why, "worker limit: %ld of %s's %ld running", n.group, group, by_group);
	else if (all >= 0 && n.all >= all)
		xasprintf(why, "worker limit: %ld of all %ld running", n.all, all);
	return *why != NULL;
}

int
limit_reached_all(struct state *st, char **why)
{
	long all = limit_all(st);
	struct limit_count n;

	*why = NULL;
	if (all < 0)
		return 0;
	limit_count(st, NULL, NULL, &n);
	if (n.all >= all)
		xasprintf(why, "worker limit: %ld of all %ld running", n.all, all);
	return *why != NULL;
}
