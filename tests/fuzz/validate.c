/*
 * The validators of what comes from outside, on one arbitrary string: the command check
 * (what may be typed into a pane), ids, labels, terminal names and tmux targets, durations,
 * the allowlist match of a terminal, and a tmux argument's escaping. A check that accepts a
 * command must mean it: no control character but newline and tab reaches a pane.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "duration.h"
#include "fuzz.h"
#include "name.h"
#include "queue.h"
#include "terminal.h"
#include "tmux.h"
#include "tmux-dispatch.h"

static void
validate_command(const char *s)
{
	const unsigned char *p;

	if (queue_check_command(s) != NULL)
		return;
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if ((*p < 0x20 && *p != '\n' && *p != '\t') || *p == 0x7f ||
		    (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f)) {
			fprintf(stderr, "fuzz: a command with a control character passed\n");
			abort();
		}
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	char *s = fuzz_text(data, len), *arg, *group, buf[DURATION_TEXT];
	cJSON *term = cJSON_CreateObject(), *allow = cJSON_AddArrayToObject(term, "allow");
	double seconds;

	validate_command(s);
	queue_check_id(s);
	queue_check_label(s);
	name_valid(s);
	name_valid_target(s);
	name_text_error(s, "\n\t");
	if (terminal_name_check(s) == 0) {
		group = terminal_default_group(s);
		free(group);
	}
	if (duration_parse(s, &seconds) == 0)
		duration_format(seconds, buf);
	arg = tmux_arg(s);
	free(arg);
	cJSON_AddItemToArray(allow, cJSON_CreateString(s));
	terminal_allows(term, s);
	terminal_allows(term, "git status");
	cJSON_Delete(term);
	free(s);
	return 0;
}
