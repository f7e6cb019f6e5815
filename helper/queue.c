/* What may be queued, and the queue counted: for people, the badge and the status line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph.h"
#include "name.h"
#include "queue.h"
#include "schedule.h"
#include "tmux-dispatch.h"

/*
 * Text typed into a terminal must not carry control characters: ESC could end a bracketed
 * paste early and inject keys, C1 controls (U+0080-U+009F) act as ESC sequences in some
 * terminals, and CR would submit half a command. Newline and tab are plain text.
 */
const char *
queue_check_command(const char *command)
{
	static char buf[128];
	const char *why;

	if (*command == '\0')
		return "the command is empty";
	if (strlen(command) > QUEUE_COMMAND_MAX)
		return "the command is longer than " QUEUE_COMMAND_MAX_TEXT " bytes";
	if ((why = name_text_error(command, "\n\t")) != NULL) {
		snprintf(buf, sizeof buf, "the command %s", why);
		return buf;
	}
	/* Trailing newlines are dropped when typing: a command of nothing else is never typed. */
	if (command[strspn(command, "\n")] == '\0')
		return "the command is only newlines";
	return NULL;
}

const char *
queue_shown_status(struct state *st, const cJSON *item)
{
	const char *status = state_str(item, ITEM_STATUS), *blocker;
	const struct graph_node *node;

	if (strcmp(status, ST_PENDING) != 0)
		return status;
	if (schedule_ready(st, item, &blocker))
		return QUEUE_READY;
	node = graph_node(graph_get(st), state_str(item, ITEM_ID));
	return node != NULL && node->kind == GRAPH_STUCK ? QUEUE_STUCK : QUEUE_BLOCKED;
}

/* Ids are printed in tables and name result files: one line of text, and not too long. */
const char *
queue_check_id(const char *id)
{
	if (queue_check_command(id) != NULL || strlen(id) > QUEUE_ID_MAX ||
	    strpbrk(id, "\n\t") != NULL)
		return "use 1 to " QUEUE_ID_MAX_TEXT " printable characters";
	return NULL;
}

/* Titles and phases are shown in plans, one per line. */
const char *
queue_check_label(const char *text)
{
	if (*text == '\0')
		return "is empty";
	if (strlen(text) > QUEUE_LABEL_MAX)
		return "is longer than " QUEUE_LABEL_MAX_TEXT " bytes";
	return name_text_error(text, "");
}

void
queue_count(struct state *st, struct queue_counts *c)
{
	const char *shown;
	const cJSON *item;

	memset(c, 0, sizeof *c);
	cJSON_ArrayForEach(item, st->queue) {
		shown = queue_shown_status(st, item);
		if (strcmp(shown, ST_RUNNING) == 0)
			c->running++;
		else if (strcmp(shown, QUEUE_READY) == 0)
			c->ready++;
		else if (strcmp(shown, QUEUE_STUCK) == 0)
			c->stuck++;
		else
			c->blocked++;
	}
	c->pending = c->ready + c->blocked + c->stuck;
	cJSON_ArrayForEach(item, st->completed) {
		shown = state_str(item, ITEM_STATUS);
		if (strcmp(shown, ST_DONE) == 0)
			c->done++;
		else if (strcmp(shown, ST_FAILED) == 0)
			c->failed++;
		else
			c->cancelled++;
	}
}

int
queue_badge(const char *fmt, const struct queue_counts *c, char **out)
{
	size_t cap = strlen(fmt) * 4 + 64, len = 0;
	char *buf = xmalloc(cap);
	int v;

	for (; *fmt != '\0'; fmt++) {
		if (len + 16 >= cap)
			buf = xrealloc(buf, cap *= 2);
		if (*fmt != '%') {
			buf[len++] = *fmt;
			continue;
		}
		switch (*++fmt) {
		case 'p': v = c->pending; break;
		case 'y': v = c->ready; break;
		case 'b': v = c->blocked; break;
		case 's': v = c->stuck; break;
		case 'r': v = c->running; break;
		case 'd': v = c->done; break;
		case 'f': v = c->failed; break;
		case 'c': v = c->cancelled; break;
		case '%': buf[len++] = '%'; continue;
		default:
			free(buf);
			return -1;
		}
		len += (size_t)snprintf(buf + len, cap - len, "%d", v);
	}
	buf[len] = '\0';
	if (c->pending + c->running == 0)
		buf[0] = '\0';
	*out = buf;
	return 0;
}
