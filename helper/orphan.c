/* Items whose terminal is gone (orphan.h). */
#include <stdlib.h>
#include <string.h>

#include "oneshot.h"
#include "orphan.h"
#include "state.h"
#include "terminal.h"
#include "tmux-dispatch.h"

char *
orphan_why(struct state *st, const cJSON *item)
{
	const char *to = state_str(item, ITEM_ASSIGNED);
	const cJSON *term;
	char *why;

	if (to == NULL || *to == '\0' || oneshot_of(item) ||
	    strcmp(state_str(item, ITEM_STATUS), ST_PENDING) != 0)
		return NULL;
	cJSON_ArrayForEach(term, st->terminals) {
		if (terminal_takes(st, to, term))
			return NULL;
	}
	/* enqueue and import store a group as all-GROUP, so a bare name is a terminal's. */
	if (strcmp(to, "all") == 0)
		xasprintf(&why, "waits for a terminal, and none is registered");
	else if (strncmp(to, "all-", 4) == 0)
		xasprintf(&why, "waits for a terminal of group %s, and none exists", to + 4);
	else
		xasprintf(&why, "waits for terminal %s, which does not exist", to);
	return why;
}

int
orphan_count(struct state *st, const char *name)
{
	const cJSON *item;
	const char *to;
	int n = 0;

	cJSON_ArrayForEach(item, st->queue) {
		to = state_str(item, ITEM_ASSIGNED);
		n += to != NULL && strcmp(to, name) == 0 &&
		    strcmp(state_str(item, ITEM_STATUS), ST_PENDING) == 0;
	}
	return n;
}

int
orphan_group_count(struct state *st, const char *group)
{
	const cJSON *term;
	char *all;
	int n;

	cJSON_ArrayForEach(term, st->terminals) {
		if (strcmp(terminal_group(term), group) == 0)
			return 0;
	}
	xasprintf(&all, "all-%s", group);
	n = orphan_count(st, all);
	free(all);
	return n;
}
