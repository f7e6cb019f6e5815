/* result: what a finished item left in its result folder (result.h). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "item.h"
#include "result.h"
#include "review.h"
#include "state.h"
#include "tmux-dispatch.h"

#define RESULT_READ_MAX (16 * 1024 * 1024)

static int cmd_result(struct cmd_ctx *, int, char **);

const struct cmd_entry cmd_result_entry = {
	"result", "ID [--json]", "print an item's result folder: prompt, screen, report, worktree",
	"  Prints the folder .terminal-status.d/results/ID/ of an item that finished (today or\n"
	"  on an earlier day): prompt.txt (what was typed), screen.txt (the pane's last lines),\n"
	"  result.md (the agent's own report, if it wrote one), worktree.json (a worktree\n"
	"  task's branch, commits ahead and diffstat), and its review, if it has one.\n"
	"  --json  {\"id\", \"status\", \"terminal\", \"folder\", \"prompt\", \"screen\",\n"
	"          \"resultFile\", \"worktree\", \"reviewedBy\", \"review\"}: a file not there,\n"
	"          or no folder yet, is null\n",
	cmd_result
};

/* FOLDER/NAME, or NULL when it is not there (caller frees). */
static char *
result_read(const char *folder, const char *name)
{
	char *path, *text = NULL, *cause = NULL;
	size_t len;

	if (folder == NULL)
		return NULL;
	xasprintf(&path, "%s/%s", folder, name);
	if (file_read_path(path, RESULT_READ_MAX, &text, &len, &cause) != 0)
		text = NULL;
	free(cause);
	free(path);
	return text;
}

static void
result_add(cJSON *o, const char *key, const char *value)
{
	if (value != NULL)
		cJSON_AddStringToObject(o, key, value);
	else
		cJSON_AddNullToObject(o, key);
}

/* One file's text for people: a heading, then each line made safe. */
static void
result_show(const char *name, const char *text)
{
	const char *p = text, *nl;
	char *line;

	if (text == NULL)
		return;
	printf("--- %s\n", name);
	while (*p != '\0') {
		nl = p + strcspn(p, "\n");
		line = xstrndup(p, (size_t)(nl - p));
		td_print_safe(stdout, line);
		fputc('\n', stdout);
		free(line);
		p = *nl == '\n' ? nl + 1 : nl;
	}
}

static void
result_print(const cJSON *item, const char *folder, char *const files[4], int json)
{
	static const char *const keys[] = { "prompt", "screen", "resultFile", "worktree" };
	static const char *const names[] = { RESULT_PROMPT, RESULT_SCREEN, RESULT_FILE,
		RESULT_WORKTREE };
	const char *by = state_str(item, ITEM_REVIEWED_BY), *review = state_str(item, ITEM_REVIEW);
	cJSON *o, *wt;
	int i;

	if (json) {
		o = cJSON_CreateObject();
		result_add(o, "id", state_str(item, ITEM_ID));
		result_add(o, "status", state_str(item, ITEM_STATUS));
		result_add(o, "terminal", state_str(item, ITEM_TERMINAL));
		result_add(o, "folder", folder);
		for (i = 0; i < 3; i++)
			result_add(o, keys[i], files[i]);
		wt = files[3] != NULL ? cJSON_Parse(files[3]) : NULL;
		cJSON_AddItemToObject(o, keys[3], wt != NULL ? wt : cJSON_CreateNull());
		result_add(o, "reviewedBy", by);
		result_add(o, "review", review);
		state_json_print(o);
		cJSON_Delete(o);
		return;
	}
	td_say("%s %s%s%s%s: %s", state_str(item, ITEM_ID), state_str(item, ITEM_STATUS),
	    state_str(item, ITEM_TERMINAL) != NULL ? " (" : "",
	    state_str(item, ITEM_TERMINAL) != NULL ? state_str(item, ITEM_TERMINAL) : "",
	    state_str(item, ITEM_TERMINAL) != NULL ? ")" : "",
	    folder != NULL ? folder : "no result folder yet");
	if (review != NULL)
		td_say("review: %s%s%s", review, by != NULL ? ", by " : "", by != NULL ? by : "");
	for (i = 0; i < 4; i++)
		result_show(names[i], files[i]);
}

static int
cmd_result(struct cmd_ctx *ctx, int argc, char **argv)
{
	static const char *const names[] = { RESULT_PROMPT, RESULT_SCREEN, RESULT_FILE,
		RESULT_WORKTREE };
	const cJSON *item;
	const char *folder;
	char *files[4];
	int rc = 0, json = 0, i;
	struct state st;

	if (!args_json(ctx, argc, argv, &json, &rc))
		return rc;
	if (argc == optind)
		return args_usage(ctx, "an item id is needed");
	if (argc - optind > 1)
		return args_usage(ctx, "unexpected argument '%s'", argv[optind + 1]);
	if ((rc = state_open(&st, ctx->state_path, STATE_READ)) == 0) {
		if ((item = state_item(&st, argv[optind])) == NULL)
			item = state_archived(&st, argv[optind]);
		if (item == NULL)
			rc = td_error(TD_EXIT_NOTFOUND, "no such item: %s", argv[optind]);
		else {
			folder = state_str(item, ITEM_RESULT);
			for (i = 0; i < 4; i++)
				files[i] = result_read(folder, names[i]);
			result_print(item, folder, files, json);
			for (i = 0; i < 4; i++)
				free(files[i]);
		}
	}
	state_close(&st);
	return rc;
}
