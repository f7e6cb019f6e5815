/*
 * Prompt templates on arbitrary text: "TASK\x1eMAIN\x1eA\x1eB\x1eC" is an item's command and
 * the templates main, a, b and c in $TMUX_DISPATCH_MODES (which include each other with
 * {{> a}}), rendered for an item with mode main. Whatever renders must be typeable: it passes
 * the command check.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"
#include "item.h"
#include "mode.h"
#include "queue.h"
#include "tmux-dispatch.h"

static const char *const mode_names[] = { "modes/main.md", "modes/a.md", "modes/b.md",
	"modes/c.md" };

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	char *task = fuzz_part(&data, &len), *part, *text = NULL, *cause = NULL, *dir, *state;
	cJSON *item = cJSON_CreateObject();
	size_t i;

	xasprintf(&dir, "%s/modes", fuzz_dir());
	mkdir(dir, 0700);
	setenv("TMUX_DISPATCH_MODES", dir, 1);
	for (i = 0; i < sizeof mode_names / sizeof mode_names[0]; i++) {
		if ((part = fuzz_part(&data, &len)) != NULL)
			fuzz_write(mode_names[i], part, strlen(part));
		else
			fuzz_remove(mode_names[i]);
		free(part);
	}
	cJSON_AddStringToObject(item, ITEM_ID, "q-1");
	cJSON_AddStringToObject(item, ITEM_COMMAND, task);
	cJSON_AddStringToObject(item, ITEM_TITLE, "a title");
	cJSON_AddStringToObject(item, ITEM_MODE, "main");
	xasprintf(&state, "%s/state/.terminal-status.json", fuzz_dir());
	if (mode_render(state, item, "coder-1", &text, &cause) == 0 &&
	    queue_check_command(text) != NULL) {
		fprintf(stderr, "fuzz: a template rendered text that may not be typed\n");
		abort();
	}
	free(text);
	free(cause);
	free(state);
	free(dir);
	free(task);
	cJSON_Delete(item);
	return 0;
}
