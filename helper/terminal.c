/* Terminals: names, target shapes, groups and selectors. */
#include <stdlib.h>
#include <string.h>

#include "state.h"
#include "name.h"
#include "strmap.h"
#include "terminal.h"
#include "tmux-dispatch.h"

char *
terminal_default_group(const char *name)
{
	const char *dash = strrchr(name, '-');

	if (dash != NULL && dash != name && name_digits(dash + 1, strlen(dash + 1)))
		return xstrndup(name, (size_t)(dash - name));
	return xstrdup(name);
}

void
terminal_add_spawned(struct state *st, const char *name, const char *pane, const char *profile,
    const char *group)
{
	cJSON *term = cJSON_AddObjectToObject(st->terminals, name);
	char *def = terminal_default_group(name);

	state_set_str(term, "target", pane);
	state_set_str(term, "profile", profile);
	state_set_str(term, "group", group != NULL ? group : def);
	cJSON_AddBoolToObject(term, TERMINAL_SPAWNED, 1);
	free(def);
}

const char *
terminal_group(const cJSON *term)
{
	const char *group = state_str(term, "group");

	return group != NULL ? group : term->string;
}

int
terminal_allows(const cJSON *term, const char *command)
{
	const cJSON *allow = state_get(term, "allow"), *prefix;

	if (cJSON_GetArraySize(allow) == 0)
		return 1;
	cJSON_ArrayForEach(prefix, allow) {
		if (strncmp(command, prefix->valuestring, strlen(prefix->valuestring)) == 0)
			return 1;
	}
	return 0;
}

static int
terminal_group_exists(struct state *st, const char *group)
{
	const cJSON *term;

	cJSON_ArrayForEach(term, st->terminals) {
		if (strcmp(terminal_group(term), group) == 0)
			return 1;
	}
	return 0;
}

/* "all-generators" -> "generator" when only the singular is a group. NULL: no such group. */
static char *
terminal_group_of(struct state *st, const char *spec)
{
	size_t len = strlen(spec);

	if (terminal_group_exists(st, spec))
		return xstrdup(spec);
	if (len > 1 && spec[len - 1] == 's') {
		char *singular = xstrndup(spec, len - 1);
		if (terminal_group_exists(st, singular))
			return singular;
		free(singular);
	}
	return NULL;
}

/*
 * Name and group lookups for terminal_takes, built once per command: it runs for every item
 * and terminal pair, and a scan of the terminals each time made large queues quadratic.
 */
static void
terminal_index(struct state *st)
{
	cJSON *term;

	if (st->term_index != NULL)
		return;
	st->term_index = strmap_new();
	st->group_index = strmap_new();
	cJSON_ArrayForEach(term, st->terminals) {
		strmap_put(st->term_index, term->string, term);
		strmap_put(st->group_index, terminal_group(term), term);
	}
}

int
terminal_takes(struct state *st, const char *assigned, const cJSON *term)
{
	const char *spec, *group = terminal_group(term);
	size_t len = strlen(group);

	if (assigned == NULL || *assigned == '\0' || strcmp(assigned, "all") == 0)
		return 1;
	if (strcmp(assigned, term->string) == 0)
		return 1;
	terminal_index(st);
	if (strmap_get(st->term_index, assigned) != NULL)
		return 0;
	spec = strncmp(assigned, "all-", 4) == 0 ? assigned + 4 : assigned;
	if (strcmp(spec, group) == 0)
		return 1;
	/* The plural names this group, unless a group has that very name. */
	return strlen(spec) == len + 1 && strncmp(spec, group, len) == 0 && spec[len] == 's' &&
	    strmap_get(st->group_index, spec) == NULL;
}

int
terminal_select(struct state *st, const char *spec, cJSON ***terms, size_t *n,
    char **canonical)
{
	cJSON *term;
	char *group = NULL;

	*terms = NULL;
	*n = 0;
	if ((term = state_terminal(st, spec)) != NULL) {
		*terms = xmalloc(sizeof **terms);
		(*terms)[(*n)++] = term;
		*canonical = xstrdup(spec);
		return 0;
	}
	if (strcmp(spec, "all") != 0) {
		group = terminal_group_of(st, strncmp(spec, "all-", 4) == 0 ? spec + 4 : spec);
		if (group == NULL)
			return td_error(TD_EXIT_NOTFOUND, "no terminal or group '%s' (see "
			    "tmux-dispatch terminal ls)", spec);
	}
	*terms = xreallocarray(NULL, (size_t)cJSON_GetArraySize(st->terminals) + 1, sizeof **terms);
	cJSON_ArrayForEach(term, st->terminals) {
		if (group == NULL || strcmp(terminal_group(term), group) == 0)
			(*terms)[(*n)++] = term;
	}
	if (group != NULL)
		xasprintf(canonical, "all-%s", group);
	else
		*canonical = xstrdup("all");
	free(group);
	if (*n == 0) {
		free(*terms);
		*terms = NULL;
		return td_error(TD_EXIT_NOTFOUND, "no terminals registered (see tmux-dispatch "
		    "terminal add)");
	}
	return 0;
}

int
terminal_name_check(const char *name)
{
	if (!name_valid(name) || name[0] == '-')
		return td_error(TD_EXIT_USAGE, "invalid terminal name '%s': use 1 to 64 of "
		    "A-Z a-z 0-9 . _ -, not starting with -", name);
	/* Selectors: a terminal of that name would make them mean two things. */
	if (strcmp(name, "all") == 0 || strncmp(name, "all-", 4) == 0)
		return td_error(TD_EXIT_USAGE, "terminal name '%s' is reserved: all and all-GROUP "
		    "select terminals", name);
	return 0;
}
