/*
 * One-shot runs: an item with "oneshot": true is never typed into an interactive agent. A
 * check runs its profile's headless argv ("oneshot" in the profile) in a window of the tmux
 * session ONESHOT_SESSION, through `tmux-dispatch oneshot-exec`, which gives the prompt as
 * standard input (or names it where the argv has {prompt_file}), sends the output to
 * logs/ID.out beside the state, records the program's status in logs/ID.status and starts
 * the check (oneshot-ended) that reads it: 0 is done, anything else failed. remain-on-exit
 * keeps the dead pane, whose status a check reads when none was recorded. One one-shot runs at
 * a time per agent name (the item's "agent", else its profile's name), and the all worker
 * limit counts them.
 */
#ifndef ONESHOT_H
#define ONESHOT_H

#include <cjson/cJSON.h>

struct state;
struct check_plan;

#define ONESHOT_SESSION "dispatch-oneshot"
#define ONESHOT_LOGS "logs"          /* beside the state: ID.in (the prompt), ID.out */
#define ONESHOT_EXEC "oneshot-exec"  /* the helper command that runs the program */
#define ONESHOT_STATUS ".status"     /* logs/ID.status: the exit status oneshot-exec recorded */
/* Item key: "SESSION:WINDOW", a window (of a team's tier, say) to split for the one-shot's
 * pane instead of a window of its own in ONESHOT_SESSION. */
#define ONESHOT_IN "in"

/* Whether ITEM is a one-shot ("oneshot": true). */
int oneshot_of(const cJSON *item);
/* Its agent name: "agent", else "profile" (NULL when neither is a string). */
const char *oneshot_agent(const cJSON *item);
/*
 * Whether ITEM (a one-shot) can run with the profiles beside STATE_DIR: its profile exists and
 * has a oneshot argv, a model only with a modelFlag, names and id usable. 0, or a status with
 * *cause (caller frees).
 */
int oneshot_check_item(const char *state_dir, const cJSON *item, char **cause);
/*
 * Under the lock, in a check of every terminal: finishes the one-shots whose program ended,
 * and starts the ready ones that may start (check.h's flags: a dry run only says what it
 * would do). The dead panes of the finished are killed by oneshot_reap once the state is
 * written.
 */
void oneshot_check(struct state *, struct check_plan *);
void oneshot_reap(struct check_plan *);
/* The pane of ITEM if it is a running one-shot (caller frees), else NULL. */
char *oneshot_program(const cJSON *item);
/* The helper's own path, for the argv that tmux runs and the check oneshot-exec starts
 * (caller frees); NULL when it cannot be told. */
char *oneshot_self(void);
/* Whether the queue holds a live one-shot (a check with no terminals still looks at it). */
int oneshot_live(struct state *);

#endif
