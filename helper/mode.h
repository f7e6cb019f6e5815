/*
 * Prompt templates (modes): an item with a mode is delivered as the template modes/NAME.md with
 * its placeholders filled ({{task}}, {{id}}, {{title}}, {{agent}}, {{worktree}}, {{branch}},
 * {{result_file}}) and its includes ({{> NAME}}) expanded. A template is looked for beside the
 * state file (DIR/modes/NAME.md), then in $TMUX_DISPATCH_MODES. Templates decide what is typed,
 * so they follow the trust rules of the profiles file (trust.h): one beside the state is used
 * only if trusted as it is now; one in $TMUX_DISPATCH_MODES, the user's own choice, only if it
 * is theirs and not writable by others.
 */
#ifndef MODE_H
#define MODE_H

#include <cjson/cJSON.h>

#define MODE_DIR "modes"          /* beside the state file */
#define MODE_SUFFIX ".md"

/* NULL if NAME may name a template (name.h's names, not starting with '.'), else why not. */
const char *mode_check_name(const char *name);
/*
 * Renders ITEM's mode (its "mode" key) for the terminal AGENT; AGENT NULL validates at enqueue
 * time ({{agent}} empty). 0 with *text (caller frees), or a status with *cause (caller frees):
 * TD_EXIT_UNTRUSTED for a template that may not drive delivery, TD_EXIT_USAGE for anything
 * else (no such template, an unknown placeholder, an include cycle, text that may not be typed).
 */
int mode_render(const char *state_path, const cJSON *item, const char *agent, char **text,
    char **cause);
/* Whether ITEM has a mode; a "mode" that is neither a name nor null is one (and fails). */
int mode_of(const cJSON *item);

#endif
