/*
 * cJSON_Print's text as the helper writes a state file: each indent tab as two spaces and the
 * tab after "key": as one space. What state_json_text wrote before jsontext.c, kept as the
 * reference its tests compare with (tests/unit, tests/fuzz) and as the print of the bench's
 * bare rewrite with cJSON (tests/bench/bare-cycle.c). A raw tab in a string is always escaped
 * by cJSON, so every tab byte in its output is layout. NULL when cJSON or malloc fails; the
 * caller frees.
 */
#ifndef CJSON_TEXT_H
#define CJSON_TEXT_H

#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

static inline char *
cjson_text(const cJSON *json)
{
	char *raw = cJSON_Print(json), *out, *o;
	const char *p;

	if (raw == NULL)
		return NULL;
	if ((o = out = malloc(2 * strlen(raw) + 1)) == NULL) {
		cJSON_free(raw);
		return NULL;
	}
	for (p = raw; *p != '\0'; p++) {
		if (*p != '\t')
			*o++ = *p;
		else if (p > raw && p[-1] == ':')
			*o++ = ' ';
		else {
			*o++ = ' ';
			*o++ = ' ';
		}
	}
	*o = '\0';
	cJSON_free(raw);
	return out;
}

#endif
