/*
 * The task-index import on an arbitrary file: the whole command (cmd-import.c: the file's
 * parse and checks, then the merge into a state under the lock, with the history read for
 * finished ids), against a paused state holding a terminal, a pending, a running and a
 * finished item, and an archived one. Whatever it accepts must leave a state that loads.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "state.h"
#include "tmux-dispatch.h"

static const char import_state[] =
    "{\"version\": 1, \"paused\": true,\n"
    " \"terminals\": {\"coder-1\": {\"target\": \"%1\", \"profile\": \"shell\"},\n"
    "   \"gen-1\": {\"target\": \"%2\", \"allow\": [\"/implement \"]}},\n"
    " \"queue\": [\n"
    "  {\"id\": \"P-1\", \"command\": \"echo one\", \"status\": \"pending\",\n"
    "   \"createdAt\": \"2026-01-01T00:00:00Z\", \"title\": \"one\"},\n"
    "  {\"id\": \"R-1\", \"command\": \"echo two\", \"status\": \"running\",\n"
    "   \"terminal\": \"coder-1\", \"createdAt\": \"2026-01-01T00:00:00Z\"}],\n"
    " \"completedToday\": []}\n";

static const char import_history[] =
    "{\"id\": \"OLD-1\", \"command\": \"echo old\", \"status\": \"done\","
    " \"createdAt\": \"2025-01-01T00:00:00Z\", \"finishedAt\": \"2025-01-01T01:00:00Z\"}\n";

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct cmd_ctx ctx = { NULL, &cmd_import_entry };
	char *argv[3], *state, *file;
	struct state st;

	xasprintf(&state, "%s", fuzz_write(STATE_FILE_NAME, import_state, strlen(import_state)));
	fuzz_write(".terminal-status.history.jsonl", import_history, strlen(import_history));
	xasprintf(&file, "%s", fuzz_write("tasks.json", data, len));
	ctx.state_path = state;
	argv[0] = "import";
	argv[1] = file;
	argv[2] = NULL;
	optind = 0;
	fuzz_mute(1);
	if (cmd_import_entry.exec(&ctx, 2, argv) == 0) {
		if (state_open(&st, state, STATE_READ) != 0) {
			fuzz_mute(0);
			fprintf(stderr, "fuzz: the state import wrote does not load\n");
			abort();
		}
		state_close(&st);
	}
	fuzz_mute(0);
	free(state);
	free(file);
	return 0;
}
