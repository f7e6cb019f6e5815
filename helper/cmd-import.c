/* import: a planner's task index queued in one locked write; importing it again updates it. */
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "continue.h"
#include "duration.h"
#include "graph.h"
#include "item.h"
#include "mode.h"
#include "oneshot.h"
#include "queue.h"
#include "result.h"
#include "review.h"
#include "state.h"
#include "strmap.h"
#include "terminal.h"
#include "tmux-dispatch.h"
#include "watch.h"
#include "worktree.h"

#define IMPORT_MAX_FILE (16 * 1024 * 1024) /* a larger task index is refused (exit 3) */
#define IMPORT_PRIORITY_MAX 1e9            /* as enqueue --priority */

static int cmd_import(struct cmd_ctx *, int, char **);

const struct cmd_entry cmd_import_entry = {
	"import", "[--json] FILE",
	"queue a task index in one write; importing it again updates its pending items",
	"  FILE    {\"tasks\": [TASK...]} or [TASK...]; - reads standard input. A TASK is\n"
	"          {\"id\", \"command\" (or \"prompt\"), \"title\", \"dependsOn\": [ids],\n"
	"          \"estimate\" (seconds, or 90s, 30m, 4h, 1h30m), \"estimateHours\", \"phase\",\n"
	"          \"assignedTo\", \"priority\", \"mode\" (a prompt template, as enqueue --mode),\n"
	"          \"oneshot\": true with \"profile\", \"model\", \"agent\" and \"in\" (as\n"
	"          enqueue --oneshot --profile --model --to --in), \"continue\" (as enqueue\n"
	"          --continue), \"doneWhen\" (an extended regular expression), \"review\"\n"
	"          (a terminal or group), \"timeout\" (seconds or a duration) and \"retries\",\n"
	"          as enqueue takes them, \"worktree\": true with \"base\", \"branch\",\n"
	"          \"repo\", \"profile\", \"model\", \"keepAgent\" (as enqueue --worktree --base\n"
	"          --branch --repo --profile --model --keep-agent)}:\n"
	"          id and command are required; other keys are kept on the item\n"
	"  --json  {\"added\": [ids], \"updated\": [...], \"unchanged\": [...], \"left\": [...]}\n"
	"  A pending item with a task's id takes the fields the task gives; running and finished\n"
	"  ones are left as they are. A cycle, a dependency on an id that exists nowhere, an id\n"
	"  given twice or a bad field refuses the whole file (exit 2): nothing is written.\n",
	cmd_import
};

enum { IMPORT_ADDED, IMPORT_UPDATED, IMPORT_UNCHANGED, IMPORT_LEFT, IMPORT_OUTCOMES };
static const char *const import_outcomes[] = { "added", "updated", "unchanged", "left" };

struct import_task {
	size_t index;   /* in the file's list of tasks */
	const char *id; /* in the file's document; NULL until checked */
	cJSON *fields;  /* the item's keys as the task gives them, id aside */
	cJSON *item;    /* under the lock: the item it added or updated, else NULL */
};

struct import {
	const char *file, *name; /* as given; for messages ("standard input" for -) */
	cJSON *doc;
	struct import_task *tasks;
	size_t n;
	cJSON *report;               /* {"added": [ids], ...}, what --json prints */
	cJSON *ids[IMPORT_OUTCOMES]; /* its arrays, by outcome */
};

/* Keys the helper writes as an item lives: a task index saying them would forge its history. */
static const char *const import_managed[] = { ITEM_STATUS, ITEM_ATTEMPTS, ITEM_CREATED,
	ITEM_STARTED, ITEM_DELIVERED, ITEM_FINISHED, ITEM_TERMINAL, ITEM_PANE,
	ITEM_SCREEN_BEFORE, ITEM_DEFERRED, ITEM_REASON, ITEM_RESULT, ITEM_DELIVERER, ITEM_TURN_SEEN,
	ITEM_EXIT, ITEM_OUTPUT, ITEM_CONTINUED, ITEM_REVIEWED_BY, ITEM_REVIEW_OF,
	NULL };

static int __attribute__((format(printf, 2, 3)))
import_refuse(const struct import_task *t, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	xvasprintf(&msg, fmt, ap);
	va_end(ap);
	if (t->id != NULL)
		td_error(TD_EXIT_USAGE, "refused: tasks[%zu] (%s): %s", t->index, t->id, msg);
	else
		td_error(TD_EXIT_USAGE, "refused: tasks[%zu]: %s", t->index, msg);
	free(msg);
	return TD_EXIT_USAGE;
}

static int
import_managed_key(const char *key)
{
	const char *const *k;

	for (k = import_managed; *k != NULL && strcmp(*k, key) != 0; k++)
		;
	return *k != NULL;
}

static int
import_text(struct import_task *t, const cJSON *m, const char *key)
{
	const char *why;

	if (!cJSON_IsString(m))
		return import_refuse(t, "%s must be a string", m->string);
	if (strcmp(key, ITEM_COMMAND) == 0) {
		if ((why = queue_check_command(m->valuestring)) != NULL)
			return import_refuse(t, "%s", why);
	} else if ((why = queue_check_label(m->valuestring)) != NULL)
		return import_refuse(t, "%s %s", m->string, why);
	cJSON_AddStringToObject(t->fields, key, m->valuestring);
	return 0;
}

/* estimate: seconds or a duration; estimateHours (SCALE 3600): hours. Null: no estimate. */
static int
import_estimate(struct import_task *t, const cJSON *m, double scale)
{
	double seconds = -1;

	if (cJSON_IsNull(m)) {
		cJSON_AddNullToObject(t->fields, ITEM_ESTIMATE);
		return 0;
	}
	if (cJSON_IsNumber(m) && isfinite(m->valuedouble))
		seconds = m->valuedouble * scale;
	else if (!cJSON_IsString(m) || scale != 1 || duration_parse(m->valuestring, &seconds) != 0)
		seconds = -1;
	if (seconds < 0 || seconds > ITEM_ESTIMATE_MAX) {
		if (scale != 1)
			return import_refuse(t, "%s must be a number of hours from 0 to %.0f",
			    m->string, ITEM_ESTIMATE_MAX / scale);
		return import_refuse(t, "%s must be a duration: %s, at most %.0f seconds",
		    m->string, DURATION_FORMS, ITEM_ESTIMATE_MAX);
	}
	/* Whole seconds from hours, which need not come out even in binary (1.1 h). */
	if (scale != 1)
		seconds = (double)(long long)(seconds + 0.5);
	cJSON_AddNumberToObject(t->fields, ITEM_ESTIMATE, seconds);
	return 0;
}

static int
import_depends(struct import_task *t, const cJSON *m)
{
	const cJSON *dep;

	if (!cJSON_IsArray(m))
		return import_refuse(t, "dependsOn must be an array of ids");
	cJSON_ArrayForEach(dep, m) {
		if (!cJSON_IsString(dep))
			return import_refuse(t, "dependsOn must be an array of ids");
	}
	cJSON_AddItemToObject(t->fields, ITEM_DEPENDS, cJSON_Duplicate(m, 1));
	return 0;
}

static int
import_priority(struct import_task *t, const cJSON *m)
{
	if (!cJSON_IsNumber(m) || floor(m->valuedouble) != m->valuedouble ||
	    fabs(m->valuedouble) > IMPORT_PRIORITY_MAX)
		return import_refuse(t, "priority must be a whole number from %.0f to %.0f",
		    -IMPORT_PRIORITY_MAX, IMPORT_PRIORITY_MAX);
	cJSON_AddNumberToObject(t->fields, ITEM_PRIORITY, m->valuedouble);
	return 0;
}

/* mode: a template name (checked whole once the item exists), or null for none. */
static int
import_mode(struct import_task *t, const cJSON *m)
{
	const char *why;

	if (!cJSON_IsNull(m) && !cJSON_IsString(m))
		return import_refuse(t, "mode must be a template name, or null");
	if (cJSON_IsString(m) && (why = mode_check_name(m->valuestring)) != NULL)
		return import_refuse(t, "mode %s %s", m->valuestring, why);
	cJSON_AddItemToObject(t->fields, ITEM_MODE, cJSON_Duplicate(m, 1));
	return 0;
}

/* timeout: seconds above 0 or a duration; retries: a whole number of timeouts to retry. */
static int
import_watch(struct import_task *t, const cJSON *m, const char *key)
{
	double s = -1;

	if (strcmp(key, ITEM_RETRIES) == 0) {
		if (!cJSON_IsNumber(m) || floor(m->valuedouble) != m->valuedouble ||
		    m->valuedouble < 0 || m->valuedouble > WATCH_RETRIES_MAX)
			return import_refuse(t, "retries must be a whole number from 0 to %d",
			    WATCH_RETRIES_MAX);
		cJSON_AddNumberToObject(t->fields, key, m->valuedouble);
		return 0;
	}
	if (cJSON_IsNumber(m) && isfinite(m->valuedouble))
		s = m->valuedouble;
	else if (cJSON_IsString(m) && watch_parse_timeout(m->valuestring, &s) != 0)
		s = -1;
	if (s <= 0 || s > ITEM_ESTIMATE_MAX)
		return import_refuse(t, "timeout must be a duration above 0: %s", DURATION_FORMS);
	cJSON_AddNumberToObject(t->fields, key, s);
	return 0;
}

/* continue: how many suggestions it may accept (continue.h), a whole number. */
static int
import_continue(struct import_task *t, const cJSON *m)
{
	if (!cJSON_IsNumber(m) || floor(m->valuedouble) != m->valuedouble ||
	    m->valuedouble < 0 || m->valuedouble > CONTINUE_MAX)
		return import_refuse(t, "continue must be a whole number from 0 to %d",
		    CONTINUE_MAX);
	cJSON_AddNumberToObject(t->fields, ITEM_CONTINUE, m->valuedouble);
	return 0;
}

static int
import_done_when(struct import_task *t, const cJSON *m)
{
	const char *why;

	if (!cJSON_IsString(m))
		return import_refuse(t, "doneWhen must be a string");
	if ((why = result_check_regex(m->valuestring)) != NULL)
		return import_refuse(t, "doneWhen %s", why);
	cJSON_AddStringToObject(t->fields, ITEM_DONE_WHEN, m->valuestring);
	return 0;
}

/* The item key a task member sets: prompt is command, estimateHours is estimate. */
static const char *
import_key(const char *name)
{
	if (strcmp(name, "prompt") == 0)
		return ITEM_COMMAND;
	if (strcmp(name, "estimateHours") == 0)
		return ITEM_ESTIMATE;
	/* "review" on an item is the review's id or folder; a task's is who reviews. */
	if (strcmp(name, ITEM_REVIEW) == 0)
		return ITEM_REVIEWER;
	return name;
}

/* One member of a task into t->fields. assignedTo is resolved under the lock. */
static int
import_member(struct import_task *t, const cJSON *m)
{
	const char *key = import_key(m->string);

	if (strcmp(key, ITEM_ID) == 0 || import_managed_key(key))
		return 0;
	if (cJSON_GetObjectItemCaseSensitive(t->fields, key) != NULL)
		return import_refuse(t, "%s sets %s a second time", m->string, key);
	if (strcmp(key, ITEM_COMMAND) == 0 || strcmp(key, ITEM_TITLE) == 0 ||
	    strcmp(key, ITEM_PHASE) == 0)
		return import_text(t, m, key);
	if (strcmp(key, ITEM_ESTIMATE) == 0)
		return import_estimate(t, m, strcmp(m->string, ITEM_ESTIMATE) == 0 ? 1 : 3600);
	if (strcmp(key, ITEM_DEPENDS) == 0)
		return import_depends(t, m);
	if (strcmp(key, ITEM_PRIORITY) == 0)
		return import_priority(t, m);
	if (strcmp(key, ITEM_MODE) == 0)
		return import_mode(t, m);
	if (strcmp(key, ITEM_TIMEOUT) == 0 || strcmp(key, ITEM_RETRIES) == 0)
		return import_watch(t, m, key);
	if (strcmp(key, ITEM_CONTINUE) == 0)
		return import_continue(t, m);
	if ((strcmp(key, ITEM_ONESHOT) == 0 || strcmp(key, WORKTREE_KEEP) == 0) &&
	    !cJSON_IsBool(m))
		return import_refuse(t, "%s must be true or false", key);
	/* A string is a planner's own record of a directory: kept, and it starts nothing. */
	if (strcmp(key, ITEM_WORKTREE) == 0 && !cJSON_IsBool(m) &&
	    (!cJSON_IsString(m) || *m->valuestring == '\0'))
		return import_refuse(t, "worktree must be true, false or a directory");
	if ((strcmp(key, WORKTREE_BASE) == 0 || strcmp(key, ITEM_BRANCH) == 0 ||
	    strcmp(key, WORKTREE_REPO) == 0) && (!cJSON_IsString(m) || *m->valuestring == '\0'))
		return import_refuse(t, "%s must be a non-empty string", key);
	if ((strcmp(key, ITEM_PROFILE) == 0 || strcmp(key, ITEM_MODEL) == 0 ||
	    strcmp(key, ITEM_AGENT) == 0) && !cJSON_IsString(m))
		return import_refuse(t, "%s must be a string", key);
	if (strcmp(key, ITEM_DONE_WHEN) == 0)
		return import_done_when(t, m);
	if (strcmp(key, ITEM_REVIEWER) == 0 && (!cJSON_IsString(m) || *m->valuestring == '\0'))
		return import_refuse(t, "%s must be a terminal or group", m->string);
	if (strcmp(key, ITEM_ASSIGNED) == 0 && !cJSON_IsNull(m) &&
	    (!cJSON_IsString(m) || *m->valuestring == '\0'))
		return import_refuse(t, "assignedTo must be a terminal or group, or null");
	/* A planner's own keys (and assignedTo, as given) go on the item as they are. */
	cJSON_AddItemToObject(t->fields, key, cJSON_Duplicate(m, 1));
	return 0;
}

static int
import_task(struct import_task *t, const cJSON *task)
{
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(task, ITEM_ID), *m;
	const char *why;
	int rc;

	if (!cJSON_IsObject(task))
		return import_refuse(t, "must be an object");
	if (id == NULL)
		return import_refuse(t, "id is missing");
	if (!cJSON_IsString(id))
		return import_refuse(t, "id must be a string");
	if ((why = queue_check_id(id->valuestring)) != NULL)
		return import_refuse(t, "invalid id: %s", why);
	t->id = id->valuestring;
	t->fields = cJSON_CreateObject();
	for (m = task->child; m != NULL; m = m->next) {
		if (m != id && strcmp(m->string, ITEM_ID) == 0)
			return import_refuse(t, "id is given twice");
		if ((rc = import_member(t, m)) != 0)
			return rc;
	}
	if (cJSON_GetObjectItemCaseSensitive(t->fields, ITEM_COMMAND) == NULL)
		return import_refuse(t, "command (or prompt) is missing");
	return 0;
}

static int
import_read(struct import *im)
{
	const char *end = NULL;
	char *text, *cause;
	size_t len, line, col;
	int rc;

	if ((rc = file_read_path(im->file, IMPORT_MAX_FILE, &text, &len, &cause)) != 0) {
		td_error(rc, "%s", cause);
		free(cause);
		return rc;
	}
	if ((im->doc = cJSON_ParseWithLengthOpts(text, len + 1, &end, 1)) == NULL) {
		if (end == NULL || end < text || end > text + len)
			end = text + len;
		file_position(text, (size_t)(end - text), &line, &col);
		td_error(TD_EXIT_USAGE, "%s:%zu:%zu: invalid JSON", im->name, line, col);
		rc = TD_EXIT_USAGE;
	}
	free(text);
	return rc;
}

/* Every task checked before the lock is taken: a bad file costs other commands no wait. */
static int
import_parse(struct import *im)
{
	const cJSON *list = im->doc, *task;
	struct strmap *seen;
	struct import_task *t, *first;
	int rc = 0;

	if (cJSON_IsObject(list))
		list = cJSON_GetObjectItemCaseSensitive(list, "tasks");
	if (!cJSON_IsArray(list))
		return td_error(TD_EXIT_USAGE, "%s: expected {\"tasks\": [...]} or an array of tasks",
		    im->name);
	im->tasks = xcalloc((size_t)cJSON_GetArraySize(list) + 1, sizeof *im->tasks);
	seen = strmap_new();
	cJSON_ArrayForEach(task, list) {
		t = &im->tasks[im->n];
		t->index = im->n++;
		if ((rc = import_task(t, task)) != 0)
			break;
		if ((first = strmap_put(seen, t->id, t)) != NULL) {
			rc = td_error(TD_EXIT_USAGE, "refused: id %s is given twice: tasks[%zu] and "
			    "tasks[%zu]", t->id, first->index, t->index);
			break;
		}
	}
	strmap_free(seen);
	return rc;
}

/* assignedTo (KEY) as enqueue --to takes it, review as --review: a terminal or group that
 * exists, stored canonically. */
static int
import_resolve_to(struct state *st, struct import_task *t, const char *key)
{
	cJSON *to = cJSON_GetObjectItemCaseSensitive(t->fields, key), **terms;
	char *canonical;
	size_t n;
	int rc;

	if (!cJSON_IsString(to))
		return 0;
	/* terminal_select reports; the refusal names the task instead, on one line. */
	td_quiet(1);
	rc = terminal_select(st, to->valuestring, &terms, &n, &canonical);
	td_quiet(0);
	if (rc != 0)
		return import_refuse(t, "%s %s is no terminal or group (see tmux-dispatch "
		    "terminal ls)", strcmp(key, ITEM_REVIEWER) == 0 ? "review" : key,
		    to->valuestring);
	cJSON_ReplaceItemInObjectCaseSensitive(t->fields, key,
	    cJSON_CreateString(canonical));
	free(canonical);
	free(terms);
	return 0;
}

/* Whether the item already holds every field as the task gives it. */
static int
import_same(const cJSON *item, const cJSON *fields)
{
	const cJSON *f, *cur;

	cJSON_ArrayForEach(f, fields) {
		cur = cJSON_GetObjectItemCaseSensitive(item, f->string);
		if (cur == NULL || !cJSON_Compare(cur, f, 1))
			return 0;
	}
	return 1;
}

/* The task's fields replace the item's; keys the task does not give are kept. */
static void
import_set(cJSON *item, const cJSON *fields)
{
	const cJSON *f;

	cJSON_ArrayForEach(f, fields) {
		if (cJSON_GetObjectItemCaseSensitive(item, f->string) != NULL)
			cJSON_ReplaceItemInObjectCaseSensitive(item, f->string,
			    cJSON_Duplicate(f, 1));
		else
			cJSON_AddItemToObject(item, f->string, cJSON_Duplicate(f, 1));
	}
}

/* Adds or updates the task's item, or leaves it; the outcome goes into the report. */
static int
import_one(struct state *st, struct import *im, struct import_task *t)
{
	cJSON *item = state_item(st, t->id);
	int outcome = IMPORT_ADDED, rc;

	/* Running, finished today, or finished on an earlier day (in the history): left. */
	/* A worktree task whose worktree is made is as good as started: its agent is coming. */
	if ((item != NULL && strcmp(state_str(item, ITEM_STATUS), ST_PENDING) != 0) ||
	    (item != NULL && worktree_of(item) && !worktree_waiting(item)) ||
	    (item == NULL && state_archived(st, t->id) != NULL))
		outcome = IMPORT_LEFT;
	else if ((rc = import_resolve_to(st, t, ITEM_ASSIGNED)) != 0 ||
	    (rc = import_resolve_to(st, t, ITEM_REVIEWER)) != 0)
		return rc;
	else if (item == NULL)
		item = item_create(st, t->id, state_str(t->fields, ITEM_COMMAND));
	else if (import_same(item, t->fields))
		outcome = IMPORT_UNCHANGED;
	else
		outcome = IMPORT_UPDATED;
	if (outcome == IMPORT_ADDED || outcome == IMPORT_UPDATED) {
		import_set(item, t->fields);
		t->item = item;
	}
	cJSON_AddItemToArray(im->ids[outcome], cJSON_CreateString(t->id));
	return 0;
}

/* Like enqueue: a command that no terminal it may go to accepts would never run. */
static int
import_check_allowed(struct state *st, const struct import_task *t)
{
	const char *to = state_str(t->item, ITEM_ASSIGNED);
	const char *command = state_str(t->item, ITEM_COMMAND);
	const cJSON *term;

	/* A one-shot is typed into no terminal, a worktree task only into its own agent. */
	if (st->terminals->child == NULL || oneshot_of(t->item) || worktree_waiting(t->item))
		return 0;
	cJSON_ArrayForEach(term, st->terminals) {
		if (terminal_takes(st, to, term) && terminal_allows(term, command))
			return 0;
	}
	return import_refuse(t, "the command is outside the --allow list of %s",
	    to != NULL && *to != '\0' ? to : "every terminal");
}

static int
import_check_depends(struct state *st, const struct import_task *t)
{
	const cJSON *dep;

	cJSON_ArrayForEach(dep, cJSON_GetObjectItemCaseSensitive(t->item, ITEM_DEPENDS)) {
		/* One finished on an earlier day comes back to completedToday while waited on. */
		if (state_item(st, dep->valuestring) == NULL &&
		    state_restore(st, dep->valuestring) == NULL)
			return import_refuse(t, "dependsOn %s, which is neither in the file nor "
			    "in the state or its history", dep->valuestring);
	}
	return 0;
}

/* As enqueue --oneshot: its profile and names usable now. */
static int
import_check_oneshot(struct state *st, const struct import_task *t)
{
	char *cause;

	if (!oneshot_of(t->item) || oneshot_check_item(st->dir, t->item, &cause) == 0)
		return 0;
	import_refuse(t, "%s", cause);
	free(cause);
	return TD_EXIT_USAGE;
}

/* As enqueue --worktree: its repository (its "repo", else the one holding the current
 * directory), base, branch, directory and profile usable now. */
static int
import_check_worktree(struct state *st, const struct import_task *t)
{
	const char *repo = state_str(t->item, WORKTREE_REPO);
	char cwd[PATH_MAX], *cause;
	int rc;

	/* With a repo, a directory would pass for a worktree this helper made (worktree rm). */
	if (cJSON_IsString(cJSON_GetObjectItemCaseSensitive(t->fields, ITEM_WORKTREE)) &&
	    cJSON_GetObjectItemCaseSensitive(t->fields, WORKTREE_REPO) != NULL)
		return import_refuse(t, "repo is for \"worktree\": true");
	if (!worktree_waiting(t->item))
		return 0;
	if (oneshot_of(t->item))
		return import_refuse(t, "worktree and oneshot: a one-shot runs no interactive agent");
	if (repo == NULL && getcwd(cwd, sizeof cwd) == NULL)
		return td_error(TD_EXIT_FAIL, "cannot tell the current directory");
	if ((rc = worktree_prepare(st, t->item, repo != NULL ? repo : cwd, &cause)) == 0)
		return 0;
	td_error(rc, "refused: tasks[%zu] (%s): worktree: %s", t->index, t->id, cause);
	free(cause);
	return rc;
}

/* As enqueue --mode: the item's template filled in now, {{agent}} aside. */
static int
import_check_mode(struct state *st, const struct import_task *t)
{
	char *text, *cause;
	int rc;

	if (!mode_of(t->item))
		return 0;
	if ((rc = mode_render(st->path, t->item, NULL, &text, &cause)) != 0) {
		td_error(rc, "refused: tasks[%zu] (%s): mode %s: %s", t->index, t->id,
		    state_str(t->item, ITEM_MODE), cause);
		free(cause);
		return rc;
	}
	free(text);
	return 0;
}

/* No added or updated item may be on a cycle: it would never start. */
static int
import_check_cycles(struct state *st, const struct import *im)
{
	struct graph *g = graph_get(st);
	size_t i, n, *nodes;
	char *cycle;
	int rc = 0;

	for (i = 0; i < im->n && rc == 0; i++) {
		if (im->tasks[i].item == NULL)
			continue;
		n = graph_cycle_through(g, graph_node(g, im->tasks[i].id), &nodes);
		if (n > 0) {
			cycle = graph_path_text(g, nodes, n);
			rc = import_refuse(&im->tasks[i], "it would be on the cycle %s", cycle);
			free(cycle);
		}
		free(nodes);
	}
	return rc;
}

/* "A, B, C": the ids of one outcome, for a line of the report. */
static char *
import_join(const cJSON *ids)
{
	const cJSON *id;
	size_t len = 1;
	char *text;

	cJSON_ArrayForEach(id, ids)
		len += strlen(id->valuestring) + 2;
	text = xmalloc(len);
	len = 0;
	cJSON_ArrayForEach(id, ids) {
		len += (size_t)sprintf(text + len, "%s%s", id != ids->child ? ", " : "",
		    id->valuestring);
	}
	text[len] = '\0';
	return text;
}

static void
import_print(const struct import *im, int json)
{
	char *ids;
	int k, n;

	if (json) {
		state_json_print(im->report);
		return;
	}
	for (k = 0; k < IMPORT_OUTCOMES; k++) {
		if ((n = cJSON_GetArraySize(im->ids[k])) == 0)
			continue;
		ids = import_join(im->ids[k]);
		td_say("%s %d%s: %s", import_outcomes[k], n,
		    k == IMPORT_LEFT ? " (running or finished)" : "", ids);
		free(ids);
	}
}

/*
 * The whole file against the state, in memory: every task's outcome, then the checks that need
 * them all (a dependency may point forward in the file, a cycle may pass through several
 * tasks). A refusal returns before anything is written.
 */
static int
import_merge(struct state *st, struct import *im)
{
	size_t i;
	int rc;

	for (i = 0; i < im->n; i++) {
		if ((rc = import_one(st, im, &im->tasks[i])) != 0)
			return rc;
	}
	/* Updated items may have new dependencies. */
	state_graph_stale(st);
	for (i = 0; i < im->n; i++) {
		if (im->tasks[i].item != NULL &&
		    ((rc = import_check_depends(st, &im->tasks[i])) != 0 ||
		    (rc = import_check_allowed(st, &im->tasks[i])) != 0 ||
		    (rc = import_check_mode(st, &im->tasks[i])) != 0 ||
		    (rc = import_check_oneshot(st, &im->tasks[i])) != 0 ||
		    (rc = import_check_worktree(st, &im->tasks[i])) != 0))
			return rc;
	}
	return import_check_cycles(st, im);
}

/* Under the lock. Like enqueue, the same write ends with an automatic check. */
static int
import_apply(struct state *st, struct import *im, int json, struct check_plan *plan)
{
	int rc;

	if ((rc = import_merge(st, im)) != 0)
		return rc;
	/* Nothing new: the file is not rewritten. */
	if (im->ids[IMPORT_ADDED]->child == NULL && im->ids[IMPORT_UPDATED]->child == NULL) {
		import_print(im, json);
		return 0;
	}
	if (!check_paused(st))
		check_plan(st, NULL, 0, CHECK_AUTO | CHECK_QUIET, plan);
	if ((rc = check_commit(st, plan)) != 0)
		return rc;
	import_print(im, json);
	fflush(stdout);
	if (plan->untrusted != NULL)
		td_error(0, "imported; nothing is delivered from here: %s", plan->untrusted);
	else if (plan->n == 0)
		check_sync(st, plan);
	return 0;
}

static void
import_free(struct import *im)
{
	size_t i;

	for (i = 0; i < im->n; i++)
		cJSON_Delete(im->tasks[i].fields);
	free(im->tasks);
	cJSON_Delete(im->report);
	cJSON_Delete(im->doc);
}

static int
cmd_import(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct check_plan plan = { 0 };
	struct import im = { 0 };
	struct state st;
	int k, rc = 0, json = 0;

	if (!args_json(ctx, argc, argv, &json, &rc))
		return rc;
	if (argc - optind != 1)
		return args_usage(ctx, argc == optind ? "no FILE given" : "one FILE only");
	im.file = argv[optind];
	im.name = strcmp(im.file, "-") == 0 ? "standard input" : im.file;
	im.report = cJSON_CreateObject();
	for (k = 0; k < IMPORT_OUTCOMES; k++)
		im.ids[k] = cJSON_AddArrayToObject(im.report, import_outcomes[k]);
	if ((rc = import_read(&im)) == 0 && (rc = import_parse(&im)) == 0) {
		check_prepare(ctx->state_path, 0);
		if ((rc = state_open(&st, ctx->state_path, STATE_WRITE)) == 0)
			rc = import_apply(&st, &im, json, &plan);
		state_close(&st);
		if (rc == 0)
			rc = check_deliver(&plan);
		check_plan_free(&plan);
	}
	import_free(&im);
	return rc;
}
