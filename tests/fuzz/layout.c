/*
 * Team layouts (up FILE) on an arbitrary file: the whole check of cmd-up.c (up_layout: keys,
 * names, profiles, working directories, environments, commands), which decides whether any
 * agent is started, against a state holding a terminal. Nothing is started: the check is
 * called directly, and TMUX_DISPATCH_TMUX names no program.
 */
#include "cmd-up.c"

#include "fuzz.h"

static const char layout_state[] =
    "{\"version\": 1, \"terminals\": {\"coder-1\": {\"target\": \"%1\"}}}\n";

/* The profiles are loaded once for the process: freed at its end, for the leak checkers. */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	atexit(profile_free_all);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct up_team t = { 0 };
	cJSON *root;
	char *state;

	xasprintf(&state, "%s", fuzz_write(STATE_FILE_NAME, layout_state, strlen(layout_state)));
	t.file = "layout.json";
	t.state_path = state;
	t.dir = xstrdup(fuzz_dir());
	if ((root = cJSON_ParseWithLength((const char *)data, len)) != NULL)
		up_layout(&t, root);
	up_free(&t);
	cJSON_Delete(root);
	free(state);
	return 0;
}
