/* The event log (events.h): what was dispatched, delivered, refused, retried and finished. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "durable.h"
#include "events.h"
#include "state.h"
#include "tmux-dispatch.h"

static int events_failed;

static cJSON *
events_str(const char *s)
{
	return s != NULL && *s != '\0' ? cJSON_CreateString(s) : cJSON_CreateNull();
}

void
events_log(const char *state_path, const char *terminal, const char *pane, const char *item,
    const char *event, const char *reason)
{
	cJSON *line = cJSON_CreateObject();
	char *path, *text, *stamp, *cause;
	size_t len;

	stamp = state_format_time(time(NULL));
	cJSON_AddStringToObject(line, "time", stamp);
	free(stamp);
	cJSON_AddItemToObject(line, "terminal", events_str(terminal));
	cJSON_AddItemToObject(line, "pane", events_str(pane));
	cJSON_AddItemToObject(line, "item", events_str(item));
	cJSON_AddStringToObject(line, "event", event);
	cJSON_AddItemToObject(line, "reason", events_str(reason));
	text = cJSON_PrintUnformatted(line);
	cJSON_Delete(line);
	len = strlen(text);
	text[len] = '\n'; /* over the NUL: the line is written by length */
	path = state_side_path(state_path, "events.jsonl");
	/* Said once: a command logs several events, and one broken log is one problem. */
	if (path != NULL &&
	    durable_append(path, text, len + 1, durable_mode_of(state_path), 0, &cause) != 0) {
		if (!events_failed++)
			td_error(TD_EXIT_FAIL, "%s", cause);
		free(cause);
	}
	free(path);
	cJSON_free(text);
}
