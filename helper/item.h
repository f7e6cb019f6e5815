/*
 * Items: their keys as written in the state file, and every change of an item's life. Each
 * transition sets and clears one fixed list of keys and writes at most one line to the event
 * log, at the command's clock (st->now); every command and every check goes through here.
 *
 *   create -> pending --start--> running --delivered--> running (deliveredAt)
 *                ^   ^                |   \
 *                |   '--- requeue ----'    undelivered, finish: done | failed | cancelled
 *                '--------------------------- retry <----------'
 */
#ifndef ITEM_H
#define ITEM_H

#include <stddef.h>
#include <string.h>

#include <cjson/cJSON.h>

struct state;

/* Statuses. */
#define ST_PENDING "pending"
#define ST_RUNNING "running"
#define ST_DONE "done"
#define ST_FAILED "failed"
#define ST_CANCELLED "cancelled"

/*
 * The schema (statuses, keys, item_finished) is this header alone: the state layer validates
 * and files items with it without depending on the transitions, which depend on the state.
 */

/* Keys (README "The state file"). */
#define ITEM_ID "id"
#define ITEM_COMMAND "command"
#define ITEM_STATUS "status"
#define ITEM_ASSIGNED "assignedTo"
#define ITEM_DEPENDS "dependsOn"
#define ITEM_PRIORITY "priority"
#define ITEM_ATTEMPTS "attempts"
#define ITEM_CREATED "createdAt"
#define ITEM_STARTED "startedAt"
#define ITEM_DELIVERED "deliveredAt"
#define ITEM_FINISHED "finishedAt"
#define ITEM_TERMINAL "terminal"
#define ITEM_PANE "pane"
#define ITEM_SCREEN_BEFORE "screenBefore"
#define ITEM_DEFERRED "deferred"
#define ITEM_REASON "reason"
#define ITEM_RESULT "result"
#define ITEM_DELIVERER "deliverer" /* pid of the helper that marked it running, until delivered */
#define ITEM_TITLE "title"       /* a short name for plans */
#define ITEM_ESTIMATE "estimate" /* seconds the planner expects it to take */
#define ITEM_PHASE "phase"       /* the part of the project it belongs to */
#define ITEM_TURN_SEEN "turnSeen" /* true: the agent was seen at work on it since it was typed */
#define ITEM_MODE "mode"         /* the prompt template it is delivered with (mode.h) */
#define ITEM_WORKTREE "worktree" /* the git worktree it runs in, when it has one */
#define ITEM_BRANCH "branch"     /* that worktree's branch */
#define ITEM_ONESHOT "oneshot"   /* true: run as its profile's headless command (oneshot.h) */
#define ITEM_PROFILE "profile"   /* a one-shot's profile */
#define ITEM_MODEL "model"       /* a one-shot's model, or absent: the agent's default */
#define ITEM_AGENT "agent"       /* a one-shot's agent name: one runs at a time per name */
#define ITEM_EXIT "exitStatus"   /* how a one-shot's program exited */
#define ITEM_OUTPUT "output"     /* a one-shot's output file, logs/ID.out */
#define ITEM_CONTINUE "continue" /* suggestions it may accept before it is done (continue.h) */
#define ITEM_CONTINUED "continued" /* suggestions accepted so far */

#define ITEM_ESTIMATE_MAX 3.15e9 /* a hundred years, in seconds: sums of estimates stay exact */
#define ITEM_TITLE_WIDTH 40      /* characters of the command a default title keeps */

/* Whether an item is finished (done, failed, cancelled): a status other than the live two. */
static inline int
item_finished(const cJSON *item)
{
	const cJSON *status = cJSON_GetObjectItemCaseSensitive(item, ITEM_STATUS);

	return cJSON_IsString(status) && strcmp(status->valuestring, ST_PENDING) != 0 &&
	    strcmp(status->valuestring, ST_RUNNING) != 0;
}

/* The item's title, else its command's first line cut to ITEM_TITLE_WIDTH (caller frees). */
char *item_title(const cJSON *);

/* A new pending item at the end of the queue; id NULL generates "q-N". */
cJSON *item_create(struct state *, const char *id, const char *command);
/* pending -> running on TERMINAL's PANE, whose screen hashed to SCREEN when it was read. */
void item_start(struct state *, cJSON *, const char *terminal, const char *pane,
    const char *screen);
/* pending -> running as a one-shot of AGENT in PANE: started is delivered (event "started"). */
void item_run(struct state *, cJSON *, const char *agent, const char *pane);
/* The paste was submitted (the delivery logged it). */
void item_delivered(struct state *, cJSON *);
/* running -> pending: nothing was typed (the delivery logged why); WHY is kept as deferred. */
void item_requeue(struct state *, cJSON *, const char *why);
/* running -> pending: its agent was shut down (down); the attempt counts, WHY is deferred. */
void item_return(cJSON *, const char *why);
/* -> done, failed or cancelled; REASON may be NULL. The event line is the status. A done
 * item with a reviewer gets its review queued; a finished review is linked (review.h). */
void item_finish(struct state *, cJSON *, const char *status, const char *reason);
/* item_finish in memory only, for a dry run: no event line (its state is never written). */
void item_finish_dry(struct state *, cJSON *, const char *status, const char *reason);
/* running -> failed: pasted but never submitted (the delivery logged "not-submitted"). */
void item_undelivered(struct state *, cJSON *, const char *reason);
/* A finished item -> pending again; attempts are kept. */
void item_retry(struct state *, cJSON *);
/*
 * Whether a running item's delivery was cut short: it was never confirmed and the helper that
 * started it is gone (killed between marking it and pasting, or after), or started it more
 * than a minute ago.
 */
int item_orphaned(const struct state *, const cJSON *);
/*
 * The agent was seen at work on a running item (busy or asking, after the paste): the next
 * idle screen ends it even if it looks like the one it was typed on. Written once.
 */
void item_turn_seen(cJSON *);
/*
 * A running item whose agent's suggestion was just submitted (continue.h): one more counted,
 * and its turn starts again from SCREEN, the screen the suggestion showed on.
 */
void item_continued(struct state *, cJSON *, const char *screen);
/* Why a ready item still waits; recorded only when it changes, so quiet checks write nothing. */
void item_defer(cJSON *, const char *why);
/* Keeps TEXT (the pane's last lines) in the item's result folder, results/ID/ (result.h). */
void item_save_result(struct state *, cJSON *, const char *text, size_t len);
/* Before TEXT is typed for the item: its result folder readied, a template's text kept. */
void item_save_prompt(struct state *, const cJSON *, const char *text, size_t len);

#endif
