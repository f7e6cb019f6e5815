/* Terminals: names, target shapes, groups, selectors and allowlists. */
#ifndef TERMINAL_H
#define TERMINAL_H

#include <stddef.h>

#include <cjson/cJSON.h>

struct state;

/* The agent an auto terminal was last seen running: a later shell prompt there is that agent
 * having exited (observe.c). Forgotten when the terminal is registered again. */
#define TERMINAL_AGENT "agent"
/* true on a terminal that spawn started: down removes its entry with its agent. */
#define TERMINAL_SPAWNED "spawned"

/* Terminal names and targets. */
/* 0, or TD_EXIT_USAGE reported: not a name, or a reserved one (all, all-GROUP). */
int terminal_name_check(const char *name);
char *terminal_default_group(const char *name); /* "generator-2" -> "generator" */
/* Adds NAME (absent) to the open state as a terminal spawn or up started: its pane, profile
 * and GROUP (NULL: the default group of NAME). */
void terminal_add_spawned(struct state *, const char *name, const char *pane,
    const char *profile, const char *group);
const char *terminal_group(const cJSON *term);
int terminal_allows(const cJSON *term, const char *command);

/*
 * Resolves a selector to terminals: NAME, "all", "all-GROUP" (the plural works: all-generators),
 * or a bare group name. *canonical is what an item's assignedTo records. Reports and returns
 * TD_EXIT_NOTFOUND when nothing matches.
 */
int terminal_select(struct state *, const char *spec, cJSON ***terms, size_t *n,
    char **canonical);
/* Whether an item's assignedTo lets this terminal take it. */
int terminal_takes(struct state *, const char *assigned, const cJSON *term);

#endif
