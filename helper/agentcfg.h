/*
 * The agents' own settings files, as agent-hooks edits them: tmux-dispatch's hook entries
 * added or removed, everything else kept as it was. Claude Code and Gemini CLI keep JSON
 * (agentcfg-json.c), Codex CLI TOML (agentcfg-toml.c), which is edited as lines: one
 * delimited block, no TOML library. Verified against Claude Code 2.1.197, Codex CLI 0.169.0
 * and Gemini CLI 0.61.0.
 */
#ifndef AGENTCFG_H
#define AGENTCFG_H

#include <stddef.h>

/* What a settings file holds of ours. */
enum agentcfg_status {
	AGENTCFG_ABSENT,    /* none of our entries */
	AGENTCFG_PARTLY,    /* some of them, or entries of another helper's path */
	AGENTCFG_INSTALLED, /* every one, running this helper */
};

/* One agent: its name, its settings files, its events (hook name -> our EVENT word). */
struct agentcfg_agent {
	const char *name;
	int toml;
	const char *const (*events)[2]; /* {"Stop", "stop"}, ... ending with {NULL, NULL} */
};

const struct agentcfg_agent *agentcfg_find(const char *name);
extern const struct agentcfg_agent agentcfg_agents[]; /* ends with a NULL name */

/* The hook command for EVENT (caller frees): HELPER hook agent EVENT. */
char *agentcfg_command(const char *helper, const char *event);

/*
 * TEXT (LEN bytes, the file's content; NULL: no file) with our entries for HELPER added
 * (INSTALL) or removed. Returns 0 with *out the new text (NULL: unchanged), or a TD_EXIT_*
 * status with *cause: the file does not parse, or holds a setting we would have to replace.
 */
int agentcfg_json_edit(const struct agentcfg_agent *, const char *text, size_t len,
    const char *helper, int install, char **out, char **cause);
int agentcfg_toml_edit(const char *text, size_t len, const char *helper, int install,
    char **out, char **cause);
/* What TEXT holds of ours for HELPER; a TD_EXIT_* status with *cause when it does not parse. */
int agentcfg_json_status(const struct agentcfg_agent *, const char *text, size_t len,
    const char *helper, enum agentcfg_status *, char **cause);
int agentcfg_toml_status(const char *text, size_t len, const char *helper,
    enum agentcfg_status *, char **cause);

#endif
