/*
 * JSON text for people and for the state file (state_json_text): two-space indents and
 * "key": value, in one pass over the tree.
 */
#ifndef JSONTEXT_H
#define JSONTEXT_H

#include <cjson/cJSON.h>

/*
 * The text of JSON (caller frees): byte for byte cJSON_Print's with each indent tab written
 * as two spaces and the tab after "key": as one, and every number whose double still matches
 * the text it was read from (state.c keeps it in the number's valuestring) written as that text.
 */
char *jsontext_print(const cJSON *);

#endif
