/*
 * Claude Code's and Gemini CLI's settings.json: "hooks": {"Stop": [{"hooks": [{"type":
 * "command", "command": "..."}]}], ...}. Ours are the hook objects whose command is a
 * tmux-dispatch's "hook agent EVENT"; every other key, group and hook stays where it was. The
 * file is printed again as both CLIs write it (JSON.stringify with two spaces), so one they
 * wrote comes back byte for byte once our entries are removed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "agentcfg.h"
#include "tmux-dispatch.h"

/*
 * Claude Code 2.1.197 runs PermissionRequest as its permission dialog opens; its Notification
 * for that dialog (permission_prompt) came 6 s later in our runs, and also covers questions.
 */
static const char *const agentcfg_claude_events[][2] = {
	{ "Stop", "stop" }, { "PermissionRequest", "notification" },
	{ "Notification", "notification" }, { "SessionStart", "session-start" }, { NULL, NULL }
};
/* Gemini's AfterAgent ends a turn; its Notification is the ToolPermission question. */
static const char *const agentcfg_gemini_events[][2] = {
	{ "AfterAgent", "stop" }, { "Notification", "notification" },
	{ "SessionStart", "session-start" }, { NULL, NULL }
};
static const char *const agentcfg_codex_events[][2] = {
	{ "notify", "stop" }, { NULL, NULL }
};

const struct agentcfg_agent agentcfg_agents[] = {
	{ "claude", 0, agentcfg_claude_events },
	{ "codex", 1, agentcfg_codex_events },
	{ "gemini", 0, agentcfg_gemini_events },
	{ NULL, 0, NULL }
};

const struct agentcfg_agent *
agentcfg_find(const char *name)
{
	const struct agentcfg_agent *a;

	for (a = agentcfg_agents; a->name != NULL; a++) {
		if (strcmp(a->name, name) == 0)
			return a;
	}
	return NULL;
}

char *
agentcfg_command(const char *helper, const char *event)
{
	char *cmd;

	xasprintf(&cmd, "%s hook agent %s", helper, event);
	return cmd;
}

/* Whether COMMAND is some tmux-dispatch's "hook agent EVENT" (this helper's or another's). */
static int
agentcfg_ours(const char *command, const char *event)
{
	static const char prog[] = "tmux-dispatch";
	char *tail;
	size_t len, tlen, plen = sizeof prog - 1;
	int ours;

	if (command == NULL)
		return 0;
	xasprintf(&tail, " hook agent %s", event);
	len = strlen(command);
	tlen = strlen(tail);
	ours = len > tlen && strcmp(command + len - tlen, tail) == 0 && len - tlen >= plen &&
	    strncmp(command + len - tlen - plen, prog, plen) == 0 &&
	    (len - tlen == plen || command[len - tlen - plen - 1] == '/');
	free(tail);
	return ours;
}

/* The file's hooks object, NULL when it has none; -1 when "hooks" is not an object. */
static int
agentcfg_hooks(cJSON *root, cJSON **hooks)
{
	*hooks = cJSON_GetObjectItemCaseSensitive(root, "hooks");
	return *hooks == NULL || cJSON_IsObject(*hooks) ? 0 : -1;
}

/*
 * Looks through hook list LIST for our EVENT: 2 when WANT (this helper's command) is there,
 * 1 when only another helper's is, else 0. With FIX, another helper's command becomes WANT.
 */
static int
agentcfg_find_event(cJSON *list, const char *event, const char *want, int fix)
{
	cJSON *group, *hook, *cmd;
	int found = 0;

	cJSON_ArrayForEach(group, list) {
		cJSON_ArrayForEach(hook, cJSON_GetObjectItemCaseSensitive(group, "hooks")) {
			cmd = cJSON_GetObjectItemCaseSensitive(hook, "command");
			if (!agentcfg_ours(cJSON_GetStringValue(cmd), event))
				continue;
			if (strcmp(cmd->valuestring, want) == 0)
				return 2;
			if (fix)
				cJSON_SetValuestring(cmd, want);
			found = 1;
		}
	}
	return found;
}

/* A new group running WANT, as each CLI's docs show it (Gemini's hooks carry a name). */
static cJSON *
agentcfg_group(const struct agentcfg_agent *a, const char *event, const char *want)
{
	cJSON *group = cJSON_CreateObject(), *list, *hook = cJSON_CreateObject();
	char *name;

	if (strcmp(a->name, "gemini") == 0) {
		xasprintf(&name, "tmux-dispatch-%s", event);
		cJSON_AddStringToObject(hook, "name", name);
		free(name);
	}
	cJSON_AddStringToObject(hook, "type", "command");
	cJSON_AddStringToObject(hook, "command", want);
	list = cJSON_AddArrayToObject(group, "hooks");
	cJSON_AddItemToArray(list, hook);
	return group;
}

static int
agentcfg_install(const struct agentcfg_agent *a, cJSON *root, const char *helper,
    char **cause)
{
	cJSON *hooks, *list, *enabled;
	char *want;
	int i, changed = 0;

	enabled = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(root,
	    "hooksConfig"), "enabled");
	if (strcmp(a->name, "gemini") == 0 && cJSON_IsFalse(enabled)) {
		*cause = xstrdup("hooks are turned off there (\"hooksConfig\": {\"enabled\": false}); "
		    "set it to true by hand first");
		return -1;
	}
	if (agentcfg_hooks(root, &hooks) != 0) {
		*cause = xstrdup("its \"hooks\" is not an object; add the entries by hand");
		return -1;
	}
	if (hooks == NULL)
		hooks = cJSON_AddObjectToObject(root, "hooks");
	for (i = 0; a->events[i][0] != NULL; i++) {
		if ((list = cJSON_GetObjectItemCaseSensitive(hooks, a->events[i][0])) == NULL)
			list = cJSON_AddArrayToObject(hooks, a->events[i][0]);
		if (!cJSON_IsArray(list)) {
			xasprintf(cause, "its \"hooks\".\"%s\" is not a list; add the entry by hand",
			    a->events[i][0]);
			return -1;
		}
		want = agentcfg_command(helper, a->events[i][1]);
		/* Another helper's entry (the helper moved) is pointed at this one, not doubled. */
		switch (agentcfg_find_event(list, a->events[i][1], want, 0)) {
		case 0:
			cJSON_AddItemToArray(list, agentcfg_group(a, a->events[i][1], want));
			changed = 1;
			break;
		case 1:
			agentcfg_find_event(list, a->events[i][1], want, 1);
			changed = 1;
			break;
		}
		free(want);
	}
	return changed;
}

/* Drops our hooks from LIST; a group left with no hooks by that goes too. */
static int
agentcfg_remove_event(cJSON *list, const char *event)
{
	cJSON *group, *next, *hooks, *hook, *hnext;
	int changed = 0, dropped;

	for (group = list->child; group != NULL; group = next) {
		next = group->next;
		hooks = cJSON_GetObjectItemCaseSensitive(group, "hooks");
		dropped = 0;
		for (hook = hooks != NULL ? hooks->child : NULL; hook != NULL; hook = hnext) {
			hnext = hook->next;
			if (agentcfg_ours(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(hook,
			    "command")), event)) {
				cJSON_Delete(cJSON_DetachItemViaPointer(hooks, hook));
				dropped = 1;
			}
		}
		if (dropped && hooks->child == NULL)
			cJSON_Delete(cJSON_DetachItemViaPointer(list, group));
		changed |= dropped;
	}
	return changed;
}

/* Removes our hooks, and a list or a "hooks" object left empty by that. */
static int
agentcfg_remove(const struct agentcfg_agent *a, cJSON *root)
{
	cJSON *hooks, *list;
	int i, changed = 0;

	if (agentcfg_hooks(root, &hooks) != 0 || hooks == NULL)
		return 0;
	for (i = 0; a->events[i][0] != NULL; i++) {
		list = cJSON_GetObjectItemCaseSensitive(hooks, a->events[i][0]);
		if (!cJSON_IsArray(list) || !agentcfg_remove_event(list, a->events[i][1]))
			continue;
		changed = 1;
		if (list->child == NULL)
			cJSON_DeleteItemFromObjectCaseSensitive(hooks, a->events[i][0]);
	}
	if (changed && hooks->child == NULL)
		cJSON_DeleteItemFromObjectCaseSensitive(root, "hooks");
	return changed;
}

/* ---- printing as JSON.stringify(value, null, 2) does */

static void agentcfg_print(FILE *, const cJSON *, int);

static void
agentcfg_print_string(FILE *f, const char *s)
{
	const unsigned char *p;

	fputc('"', f);
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		switch (*p) {
		case '"': fputs("\\\"", f); break;
		case '\\': fputs("\\\\", f); break;
		case '\b': fputs("\\b", f); break;
		case '\f': fputs("\\f", f); break;
		case '\n': fputs("\\n", f); break;
		case '\r': fputs("\\r", f); break;
		case '\t': fputs("\\t", f); break;
		default:
			if (*p < 0x20)
				fprintf(f, "\\u%04x", *p);
			else
				fputc(*p, f);
		}
	}
	fputc('"', f);
}

static void
agentcfg_print_items(FILE *f, const cJSON *v, int depth, int object)
{
	const cJSON *c;

	if (v->child == NULL) {
		fputs(object ? "{}" : "[]", f);
		return;
	}
	fputc(object ? '{' : '[', f);
	for (c = v->child; c != NULL; c = c->next) {
		fprintf(f, "\n%*s", (depth + 1) * 2, "");
		if (object) {
			agentcfg_print_string(f, c->string);
			fputs(": ", f);
		}
		agentcfg_print(f, c, depth + 1);
		if (c->next != NULL)
			fputc(',', f);
	}
	fprintf(f, "\n%*s%c", depth * 2, "", object ? '}' : ']');
}

static void
agentcfg_print(FILE *f, const cJSON *v, int depth)
{
	char *num;

	if (cJSON_IsObject(v) || cJSON_IsArray(v))
		agentcfg_print_items(f, v, depth, cJSON_IsObject(v));
	else if (cJSON_IsString(v))
		agentcfg_print_string(f, v->valuestring);
	else if (cJSON_IsNumber(v) || cJSON_IsBool(v) || cJSON_IsNull(v)) {
		num = cJSON_PrintUnformatted(v);
		fputs(num, f);
		free(num);
	}
}

static char *
agentcfg_text(const cJSON *root, int newline)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	if (f == NULL)
		fatal("out of memory");
	agentcfg_print(f, root, 0);
	if (newline)
		fputc('\n', f);
	fclose(f);
	return out;
}

/* TEXT as a settings object; NULL with *cause when it is not one (comments included). */
static cJSON *
agentcfg_parse(const char *text, size_t len, char **cause)
{
	cJSON *root;

	if (text == NULL || strspn(text, " \t\r\n") == len)
		return cJSON_CreateObject();
	if ((root = cJSON_ParseWithLength(text, len)) == NULL || !cJSON_IsObject(root)) {
		cJSON_Delete(root);
		*cause = xstrdup("it is not a JSON object (comments are not understood either); "
		    "nothing was changed");
		return NULL;
	}
	return root;
}

int
agentcfg_json_edit(const struct agentcfg_agent *a, const char *text, size_t len,
    const char *helper, int install, char **out, char **cause)
{
	cJSON *root = agentcfg_parse(text, len, cause);
	int changed;

	*out = NULL;
	if (root == NULL)
		return TD_EXIT_INVALID;
	changed = install ? agentcfg_install(a, root, helper, cause) : agentcfg_remove(a, root);
	if (changed > 0)
		*out = agentcfg_text(root, text == NULL || len == 0 || text[len - 1] == '\n');
	cJSON_Delete(root);
	return changed < 0 ? TD_EXIT_FAIL : 0;
}

int
agentcfg_json_status(const struct agentcfg_agent *a, const char *text, size_t len,
    const char *helper, enum agentcfg_status *status, char **cause)
{
	cJSON *root = agentcfg_parse(text, len, cause), *hooks, *list;
	char *want;
	int i, n = 0, found = 0, here;

	*status = AGENTCFG_ABSENT;
	if (root == NULL)
		return TD_EXIT_INVALID;
	if (agentcfg_hooks(root, &hooks) == 0 && hooks != NULL) {
		for (i = 0; a->events[i][0] != NULL; i++, n++) {
			list = cJSON_GetObjectItemCaseSensitive(hooks, a->events[i][0]);
			want = agentcfg_command(helper, a->events[i][1]);
			here = cJSON_IsArray(list) ? agentcfg_find_event(list, a->events[i][1], want,
			    0) : 0;
			found += here == 2 ? 2 : here;
			free(want);
		}
	}
	if (found > 0)
		*status = found == 2 * n ? AGENTCFG_INSTALLED : AGENTCFG_PARTLY;
	cJSON_Delete(root);
	return 0;
}
