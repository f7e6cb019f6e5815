/*
 * Review after completion: an item with "reviewer" (enqueue --review TERMINAL|GROUP, a task's
 * "review") that is done gets a review item, ID-review, queued for the reviewer under the
 * usual order rules. Its text is the template "review" (modes/review.md, found and trusted as
 * any template, mode.h) with {{task}} the material: the original prompt, the result folder
 * and, for a worktree task, the diff of its branch against its base; without a template, a
 * built-in text asks the same, changing nothing. The original records "reviewedBy" (the
 * reviewer, then the terminal that reviewed) and "review" (the review's id, then its result
 * folder once it is done). A review is never reviewed.
 *
 * An item without a reviewer of its own takes its terminal's default, else its group's, else
 * all's: "reviewers" in the state, {"NAME|GROUP|all": REVIEWER} (review set).
 */
#ifndef REVIEW_H
#define REVIEW_H

#include <cjson/cJSON.h>

struct state;

#define ITEM_REVIEWER "reviewer"     /* who reviews it once done: a selector, canonical */
#define ITEM_REVIEW_OF "reviewOf"    /* on a review: the id of the item it reviews */
#define ITEM_REVIEWED_BY "reviewedBy"
#define ITEM_REVIEW "review"
#define REVIEW_MODE "review"         /* the template's name */
#define REVIEW_DIFF_MAX (64 * 1024)  /* bytes of diff, and of the prompt, put in a review */
#define REVIEW_DEFAULTS "reviewers"  /* the state's defaults, by terminal, group or all */

/* After ITEM finished (item_finish): queues its review, or links a finished review. */
void review_after(struct state *, cJSON *item);
/* How many reviews this process queued: a check that queued one looks at reviewers again. */
unsigned review_count(void);

#endif
