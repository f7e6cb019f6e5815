/*
 * The state file loader and normalizer on arbitrary bytes: state_check_text (parse, validate,
 * normalize), and for a file it accepts, the whole read-modify-write of a command (state_open
 * under the lock, the normalized document written back by state_commit, then read again): no
 * input may crash it, and what it writes must load. And for any JSON, the one-pass print
 * (jsontext.c) must be cJSON_Print's text with its tabs rewritten, as the helper wrote before.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "../lib/cjson-text.h"
#include "fuzz.h"
#include "state.h"
#include "tmux-dispatch.h"

static void
check_print(const char *text, size_t len)
{
	cJSON *json = cJSON_ParseWithLength(text, len);
	char *mine, *want;

	if (json == NULL)
		return;
	mine = state_json_text(json);
	want = cjson_text(json);
	if (want != NULL && strcmp(mine, want) != 0) {
		fprintf(stderr, "fuzz: state_json_text differs from cJSON_Print's text\n");
		abort();
	}
	free(want);
	free(mine);
	cJSON_Delete(json);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	char *text = fuzz_text(data, len);
	struct state st;
	const char *path;
	int rc;

	fuzz_dir();
	check_print(text, len);
	/* The history file grows with every archiving commit: one per input. */
	fuzz_remove(".terminal-status.history.jsonl");
	/* As every caller's buffer (file_read), the text ends in a NUL byte past LEN. */
	rc = state_check_text("fuzz.json", text, len);
	free(text);
	if (rc != 0)
		return 0;
	path = fuzz_write(STATE_FILE_NAME, data, len);
	rc = state_open(&st, path, STATE_WRITE);
	if (rc == 0)
		rc = state_commit(&st);
	state_close(&st);
	if (rc != 0)
		return 0;
	/* The normalized text must load as it was written. */
	if (state_open(&st, path, STATE_READ) != 0) {
		fprintf(stderr, "fuzz: the state written does not load again\n");
		abort();
	}
	state_close(&st);
	return 0;
}
