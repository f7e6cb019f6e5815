/* The life of an item (item.h): one function per transition, one list of keys each. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "events.h"
#include "item.h"
#include "result.h"
#include "review.h"
#include "state.h"
#include "tmux-dispatch.h"

static void
item_clear(cJSON *item, const char *const *keys)
{
	for (; *keys != NULL; keys++)
		cJSON_DeleteItemFromObjectCaseSensitive(item, *keys);
}

static void
item_add_attempts(cJSON *item, int delta)
{
	state_set_num(item, ITEM_ATTEMPTS,
	    cJSON_GetObjectItemCaseSensitive(item, ITEM_ATTEMPTS)->valuedouble + delta);
}

/* The event line of a transition: the terminal and pane it happened on, if any. */
static void
item_event(struct state *st, const cJSON *item, const char *event, const char *reason)
{
	events_log(st->path, state_str(item, ITEM_TERMINAL), state_str(item, ITEM_PANE),
	    state_str(item, ITEM_ID), event, reason);
}

cJSON *
item_create(struct state *st, const char *id, const char *command)
{
	cJSON *item = cJSON_CreateObject();
	char *generated = NULL;

	if (id == NULL)
		id = generated = state_new_id(st);
	cJSON_AddStringToObject(item, ITEM_ID, id);
	cJSON_AddStringToObject(item, ITEM_COMMAND, command);
	cJSON_AddStringToObject(item, ITEM_STATUS, ST_PENDING);
	cJSON_AddItemToObject(item, ITEM_DEPENDS, cJSON_CreateArray());
	cJSON_AddNumberToObject(item, ITEM_PRIORITY, 0);
	cJSON_AddNumberToObject(item, ITEM_ATTEMPTS, 0);
	state_set_time(item, ITEM_CREATED, st->now);
	state_insert_item(st, item);
	free(generated);
	return item;
}

void
item_start(struct state *st, cJSON *item, const char *terminal, const char *pane,
    const char *screen)
{
	static const char *const clears[] = { ITEM_DEFERRED, ITEM_DELIVERED, ITEM_TURN_SEEN,
		ITEM_CONTINUED, NULL };

	state_set_str(item, ITEM_STATUS, ST_RUNNING);
	state_set_time(item, ITEM_STARTED, st->now);
	item_add_attempts(item, 1);
	state_set_str(item, ITEM_TERMINAL, terminal);
	state_set_str(item, ITEM_PANE, pane);
	state_set_str(item, ITEM_SCREEN_BEFORE, screen);
	state_set_num(item, ITEM_DELIVERER, (double)getpid());
	item_clear(item, clears);
}

void
item_run(struct state *st, cJSON *item, const char *agent, const char *pane)
{
	static const char *const clears[] = { ITEM_DEFERRED, ITEM_TERMINAL, ITEM_SCREEN_BEFORE,
		ITEM_DELIVERER, ITEM_TURN_SEEN, ITEM_EXIT, NULL };

	state_set_str(item, ITEM_STATUS, ST_RUNNING);
	state_set_time(item, ITEM_STARTED, st->now);
	state_set_time(item, ITEM_DELIVERED, st->now);
	item_add_attempts(item, 1);
	state_set_str(item, ITEM_PANE, pane);
	item_clear(item, clears);
	events_log(st->path, agent, pane, state_str(item, ITEM_ID), "started", NULL);
}

void
item_delivered(struct state *st, cJSON *item)
{
	state_set_time(item, ITEM_DELIVERED, st->now);
	cJSON_DeleteItemFromObjectCaseSensitive(item, ITEM_DELIVERER);
}

static void
item_pending(cJSON *item, const char *why)
{
	static const char *const clears[] = { ITEM_STARTED, ITEM_TERMINAL, ITEM_PANE,
		ITEM_SCREEN_BEFORE, ITEM_DELIVERED, ITEM_DELIVERER, ITEM_TURN_SEEN, NULL };

	state_set_str(item, ITEM_STATUS, ST_PENDING);
	item_clear(item, clears);
	state_set_str(item, ITEM_DEFERRED, why);
}

void
item_requeue(struct state *st, cJSON *item, const char *why)
{
	(void)st;
	item_add_attempts(item, -1);
	item_pending(item, why);
}

void
item_return(cJSON *item, const char *why)
{
	item_pending(item, why);
}

static void
item_end(struct state *st, cJSON *item, const char *status, const char *reason)
{
	static const char *const clears[] = { ITEM_DEFERRED, ITEM_DELIVERER, NULL };

	state_set_str(item, ITEM_STATUS, status);
	state_set_time(item, ITEM_FINISHED, st->now);
	if (reason != NULL)
		state_set_str(item, ITEM_REASON, reason);
	item_clear(item, clears);
	state_file_item(st, item);
}

void
item_finish(struct state *st, cJSON *item, const char *status, const char *reason)
{
	item_end(st, item, status, reason);
	item_event(st, item, status, reason);
	review_after(st, item);
}

void
item_finish_dry(struct state *st, cJSON *item, const char *status, const char *reason)
{
	item_end(st, item, status, reason);
}

void
item_undelivered(struct state *st, cJSON *item, const char *reason)
{
	item_end(st, item, ST_FAILED, reason);
}

void
item_retry(struct state *st, cJSON *item)
{
	static const char *const clears[] = { ITEM_FINISHED, ITEM_STARTED, ITEM_DELIVERED,
		ITEM_REASON, ITEM_RESULT, ITEM_PANE, ITEM_TERMINAL, ITEM_SCREEN_BEFORE,
		ITEM_DEFERRED, ITEM_DELIVERER, ITEM_TURN_SEEN, ITEM_EXIT, ITEM_OUTPUT, NULL };

	/* The line names the terminal and pane it last ran on, before they are cleared. */
	item_event(st, item, "retry", NULL);
	state_set_str(item, ITEM_STATUS, ST_PENDING);
	item_clear(item, clears);
	state_file_item(st, item);
}

#define ITEM_DELIVERY_SECONDS 60 /* a delivery ends, or fails, well within this */

int
item_orphaned(const struct state *st, const cJSON *item)
{
	const cJSON *pid = cJSON_GetObjectItemCaseSensitive(item, ITEM_DELIVERER);
	time_t started;

	if (state_str(item, ITEM_DELIVERED) != NULL || !cJSON_IsNumber(pid))
		return 0;
	if (state_parse_time(state_str(item, ITEM_STARTED), &started) == 0 &&
	    st->now - started > ITEM_DELIVERY_SECONDS)
		return 1;
	if (pid->valuedouble < 1 || pid->valuedouble > 4194304 ||
	    (pid_t)pid->valuedouble == getpid())
		return 0;
	return kill((pid_t)pid->valuedouble, 0) == -1 && errno == ESRCH;
}

void
item_turn_seen(cJSON *item)
{
	if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(item, ITEM_TURN_SEEN))) {
		cJSON_DeleteItemFromObjectCaseSensitive(item, ITEM_TURN_SEEN);
		cJSON_AddTrueToObject(item, ITEM_TURN_SEEN);
	}
}

void
item_continued(struct state *st, cJSON *item, const char *screen)
{
	static const char *const clears[] = { ITEM_TURN_SEEN, NULL };
	const cJSON *n = cJSON_GetObjectItemCaseSensitive(item, ITEM_CONTINUED);

	(void)st;
	state_set_num(item, ITEM_CONTINUED, cJSON_IsNumber(n) ? n->valuedouble + 1 : 1);
	state_set_str(item, ITEM_SCREEN_BEFORE, screen);
	item_clear(item, clears);
}

void
item_defer(cJSON *item, const char *why)
{
	const char *old = state_str(item, ITEM_DEFERRED);

	if (old == NULL || strcmp(old, why) != 0)
		state_set_str(item, ITEM_DEFERRED, why);
}

void
item_save_result(struct state *st, cJSON *item, const char *text, size_t len)
{
	result_save(st, item, text, len);
}

void
item_save_prompt(struct state *st, const cJSON *item, const char *text, size_t len)
{
	result_begin(st, item, text, len);
}

char *
item_title(const cJSON *item)
{
	const char *title = state_str(item, ITEM_TITLE), *s = state_str(item, ITEM_COMMAND);
	size_t len = 0, chars = 0;

	if (title != NULL && *title != '\0')
		return xstrdup(title);
	/* The first line, cut after ITEM_TITLE_WIDTH characters (not bytes: UTF-8 stays whole). */
	while (s[len] != '\0' && s[len] != '\n') {
		if (((unsigned char)s[len] & 0xc0) != 0x80 && chars++ == ITEM_TITLE_WIDTH)
			break;
		len++;
	}
	if (s[len] != '\0' && s[len] != '\n') {
		char *cut;
		xasprintf(&cut, "%.*s…", (int)len, s);
		return cut;
	}
	return xstrndup(s, len);
}
