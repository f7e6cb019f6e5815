/*
 * Ghost text: a suggestion an agent draws in its own input (Claude Code's "run the tests
 * again" after a turn), which a plain capture cannot tell from a person's draft. Its colours
 * can: capture-pane -e shows it dim or grey. The profile key "suggestion" says which SGR
 * attributes mark it; this file reads one line of capture-pane -e with them.
 */
#ifndef GHOST_H
#define GHOST_H

#include <stddef.h>

#include <cjson/cJSON.h>

/* "suggestion": {"ghost": [SGR...], "cursor": [SGR...]}; SGR as written, e.g. "2", "38;5;8". */
struct ghost_spec {
	char **ghost;  /* any of these marks a ghost character: "2" (dim), "90", "38;5;8" */
	size_t nghost;
	char **cursor; /* a cursor the agent draws over the ghost's first character: "7" */
	size_t ncursor;
};

/* Parses the profile key K into SPEC (empty before); 0, or -1 with *why (caller frees). */
int ghost_spec_parse(struct ghost_spec *, const cJSON *k, const char *pname, char **why);
void ghost_spec_free(struct ghost_spec *);

/* One line of capture-pane -e, split by its colours (each part NUL-terminated). */
struct ghost_split {
	char *text;  /* every character, the escapes removed: the plain capture's line */
	char *kept;  /* the characters that are not ghost text */
	char *ghost; /* the ghost text (the agent's cursor cell over it included) */
	size_t text_len, kept_len, ghost_len;
};

void ghost_split(const struct ghost_spec *, const char *line, size_t len, struct ghost_split *);
void ghost_split_free(struct ghost_split *);

#endif
