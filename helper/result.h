/*
 * Results: every finished item of an agent gets a folder, .terminal-status.d/results/ID/, that
 * keeps what a person or a reviewer needs afterwards: screen.txt (the pane's last lines, or a
 * one-shot's last output lines), prompt.txt (the text that was typed), result.md (written by
 * the agent itself when its template names {{result_file}}) and, for an item that ran in a git
 * worktree, worktree.json. The item's "result" is the folder's path.
 *
 * Explicit completion: an item with "doneWhen" (an extended regular expression) is done only
 * when a line matching it appeared after its delivery and the agent is idle; an item whose
 * result.md appeared is done as soon as the agent is idle.
 */
#ifndef RESULT_H
#define RESULT_H

#include <stddef.h>

#include <cjson/cJSON.h>

struct state;

#define RESULT_DIR "results"        /* beside the state, in .terminal-status.d */
#define RESULT_SCREEN "screen.txt"
#define RESULT_PROMPT "prompt.txt"
#define RESULT_FILE "result.md"     /* {{result_file}}: where the agent writes */
#define RESULT_WORKTREE "worktree.json"
#define RESULT_LINES 200            /* of the pane's history, kept and searched */
#define ITEM_DONE_WHEN "doneWhen"

/* NULL if RE compiles as a --done-when expression, else why not (static text). */
const char *result_check_regex(const char *re);
/* Where the agent is told to write: results/ID/result.md under STATE_DIR's real path, or NULL
 * for an id that cannot name a folder: one holding '/', or . or .. (caller frees). */
char *result_file_path(const char *state_dir, const char *id);
/* At delivery of ITEM, before it is typed: its folder made, a result.md of an earlier attempt
 * removed, and PROMPT kept as prompt.txt when it is not the command (a template's text). */
void result_begin(struct state *, const cJSON *item, const char *prompt, size_t len);
/* At its end: SCREEN (LEN bytes) as screen.txt, the prompt, the worktree facts; "result" set. */
void result_save(struct state *, cJSON *item, const char *screen, size_t len);
/* The prompt ITEM was delivered with: its folder's prompt.txt, else its command (caller frees). */
char *result_prompt(struct state *, const cJSON *item);
/*
 * Whether a running ITEM in PANE is done: the agent is IDLE and either its result.md exists or
 * its turn is OVER (the screen moved on since the delivery) and, with doneWhen, a line after
 * the delivered prompt matches.
 */
int result_done(struct state *, const cJSON *item, const char *pane, int idle, int over);
/* For a one-shot whose program exited 0: NULL when done, else why it failed (caller frees).
 * OUT is its output file, searched whole (bounded) for doneWhen. */
char *result_oneshot_why(struct state *, const cJSON *item, const char *out);

#endif
