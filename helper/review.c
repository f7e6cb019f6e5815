/* Reviews after completion (review.h). */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "events.h"
#include "git.h"
#include "item.h"
#include "mode.h"
#include "queue.h"
#include "result.h"
#include "review.h"
#include "state.h"
#include "terminal.h"
#include "tmux.h"
#include "tmux-dispatch.h"

#define REVIEW_IDS 100 /* ID-review, ID-review-2 ... before a generated id is taken */

static unsigned review_queued;

static const char review_builtin[] =
    "Review the work another agent did for item %s. Change nothing: do not edit, create or "
    "delete files, commit, or run anything that changes state. Report what was completed, "
    "what was missed, and any concerns.\n\n%s";

unsigned
review_count(void)
{
	return review_queued;
}

/* TEXT made safe to type: a control character (but newline and tab) or a byte that is not
 * UTF-8 becomes '?', in place. */
static void
review_clean(char *text)
{
	unsigned char *p = (unsigned char *)text;
	size_t n, i;

	while (*p != '\0') {
		n = *p < 0x80 ? 1 : (*p & 0xe0) == 0xc0 && *p >= 0xc2 ? 2 : (*p & 0xf0) == 0xe0 ?
		    3 : (*p & 0xf8) == 0xf0 && *p <= 0xf4 ? 4 : 0;
		for (i = 1; i < n; i++) {
			if ((p[i] & 0xc0) != 0x80)
				n = 0;
		}
		if (n == 0 || (n == 1 && ((*p < 0x20 && *p != '\n' && *p != '\t') || *p == 0x7f))) {
			*p++ = '?';
			continue;
		}
		p += n;
	}
}

/* At most REVIEW_DIFF_MAX bytes of TEXT, cut at a line's end, saying so (caller frees). */
static char *
review_bound(const char *text, const char *what)
{
	size_t len = strlen(text), cut = REVIEW_DIFF_MAX;
	char *out;

	if (len <= REVIEW_DIFF_MAX)
		return xstrdup(text);
	while (cut > 0 && text[cut - 1] != '\n')
		cut--;
	xasprintf(&out, "%.*s[%s cut here: %zu bytes more]\n", (int)cut, text, what, len - cut);
	return out;
}

/* git diff BASE...BRANCH of ITEM's worktree (caller frees), or NULL with no base or branch. */
static char *
review_diff(struct state *st, const cJSON *item)
{
	const char *base = state_str(item, "base"), *branch = state_str(item, ITEM_BRANCH);
	const char *dir = state_str(item, ITEM_WORKTREE);
	const char *argv[] = { "diff", "--no-color", "--no-ext-diff", NULL, "--", NULL };
	struct tmux_result r;
	char *range, *text;

	if (base == NULL || branch == NULL)
		return NULL;
	xasprintf(&range, "%s...%s", base, branch);
	argv[3] = range;
	if (git_run(dir != NULL ? dir : st->dir, argv, &r) == 0)
		text = review_bound(r.out, "diff");
	else
		xasprintf(&text, "(git diff %s failed: %s)\n", range, r.err);
	tmux_result_free(&r);
	free(range);
	return text;
}

/* What the reviewer is given, {{task}} of the template (caller frees). */
static char *
review_material(struct state *st, const cJSON *item)
{
	const char *id = state_str(item, ITEM_ID), *folder = state_str(item, ITEM_RESULT);
	char *prompt = NULL, *path, *cause = NULL, *shown, *diff, *text;
	size_t len;

	if (folder != NULL) {
		xasprintf(&path, "%s/" RESULT_PROMPT, folder);
		if (file_read_path(path, QUEUE_COMMAND_MAX, &prompt, &len, &cause) != 0)
			prompt = NULL;
		free(cause);
		free(path);
	}
	shown = review_bound(prompt != NULL ? prompt : state_str(item, ITEM_COMMAND), "prompt");
	diff = review_diff(st, item);
	xasprintf(&text, "The prompt item %s was given:\n%s\n\nIts result folder: %s\n(screen.txt: "
	    "its last screen; prompt.txt: what it was told; result.md: its own report, if it "
	    "wrote one)%s%s%s%s%s", id, shown, folder != NULL ? folder : "none was kept",
	    diff != NULL ? "\n\nIts changes, git diff " : "",
	    diff != NULL ? state_str(item, "base") : "", diff != NULL ? "..." : "",
	    diff != NULL ? state_str(item, ITEM_BRANCH) : "", diff != NULL ? ":\n" : "");
	if (diff != NULL) {
		char *all;
		xasprintf(&all, "%s%s", text, diff);
		free(text);
		text = all;
	}
	free(diff);
	free(shown);
	free(prompt);
	review_clean(text);
	return text;
}

/* Whether the user has a review template (beside the state, or in $TMUX_DISPATCH_MODES). */
static int
review_templated(struct state *st)
{
	const char *named = getenv("TMUX_DISPATCH_MODES");
	struct stat sb;
	char *path;
	int found;

	xasprintf(&path, "%s/" MODE_DIR "/" REVIEW_MODE MODE_SUFFIX, st->dir);
	found = stat(path, &sb) == 0;
	free(path);
	if (!found && named != NULL && *named != '\0') {
		xasprintf(&path, "%s/" REVIEW_MODE MODE_SUFFIX, named);
		found = stat(path, &sb) == 0;
		free(path);
	}
	return found;
}

/* A free id for ITEM's review, or NULL: let the state generate one (caller frees). */
static char *
review_id(struct state *st, const char *id)
{
	char *rid;
	int i;

	for (i = 1; i <= REVIEW_IDS; i++) {
		if (i == 1)
			xasprintf(&rid, "%s-review", id);
		else
			xasprintf(&rid, "%s-review-%d", id, i);
		if (queue_check_id(rid) == NULL && state_item(st, rid) == NULL &&
		    state_archived(st, rid) == NULL)
			return rid;
		free(rid);
	}
	return NULL;
}

/* The text of the review REVIEW of ITEM: the template, else the built-in one. 0, or a status
 * with *cause (caller frees). */
static int
review_text(struct state *st, const cJSON *item, cJSON *review, char **text, char **cause)
{
	char *material = review_material(st, item);
	const char *why;
	int rc = 0;

	if (review_templated(st)) {
		state_set_str(review, ITEM_COMMAND, material);
		state_set_str(review, ITEM_MODE, REVIEW_MODE);
		rc = mode_render(st->path, review, NULL, text, cause);
		cJSON_DeleteItemFromObjectCaseSensitive(review, ITEM_MODE);
	} else {
		xasprintf(text, review_builtin, state_str(item, ITEM_ID), material);
		if ((why = queue_check_command(*text)) != NULL) {
			xasprintf(cause, "the review text: %s", why);
			free(*text);
			*text = NULL;
			rc = TD_EXIT_USAGE;
		}
	}
	free(material);
	return rc;
}

/*
 * Why REVIEWER cannot take TEXT, or NULL: its terminals are there and none accepts it in its
 * --allow list, so it would wait for ever (caller frees). No terminal at all: it waits for one.
 */
static char *
review_refused(struct state *st, const char *reviewer, const char *text)
{
	const cJSON *term;
	int some = 0;
	char *why;

	cJSON_ArrayForEach(term, st->terminals) {
		if (!terminal_takes(st, reviewer, term))
			continue;
		if (terminal_allows(term, text))
			return NULL;
		some = 1;
	}
	if (!some)
		return NULL;
	xasprintf(&why, "the review is outside the --allow list of %s", reviewer);
	return why;
}

static void
review_queue(struct state *st, cJSON *item)
{
	const char *id = state_str(item, ITEM_ID), *reviewer = state_str(item, ITEM_REVIEWER);
	char *rid = review_id(st, id), *text = NULL, *cause = NULL, *title;
	cJSON *review = item_create(st, rid, "");
	int rc;

	state_set_str(review, ITEM_ASSIGNED, reviewer);
	state_set_str(review, ITEM_REVIEW_OF, id);
	xasprintf(&title, "review of %s", id);
	if (queue_check_label(title) == NULL)
		state_set_str(review, ITEM_TITLE, title);
	state_set_str(item, ITEM_REVIEWED_BY, reviewer);
	state_set_str(item, ITEM_REVIEW, state_str(review, ITEM_ID));
	if ((rc = review_text(st, item, review, &text, &cause)) != 0) {
		char *inner = cause;
		xasprintf(&cause, "mode %s: %s", REVIEW_MODE, inner);
		free(inner);
	} else if ((cause = review_refused(st, reviewer, text)) != NULL)
		rc = TD_EXIT_FAIL;
	state_set_str(review, ITEM_COMMAND, text != NULL ? text : title);
	free(title);
	events_log(st->path, NULL, NULL, state_str(review, ITEM_ID), "review", id);
	review_queued++;
	/* A review that cannot be made or taken fails where people look for it. */
	if (rc != 0)
		item_finish(st, review, ST_FAILED, cause);
	free(cause);
	free(text);
	free(rid);
}

/* A review REVIEW finished: the item it reviewed points at its result and its reviewer. */
static void
review_link(struct state *st, const cJSON *review)
{
	cJSON *item = state_item(st, state_str(review, ITEM_REVIEW_OF));
	const char *folder = state_str(review, ITEM_RESULT);
	const char *by = state_str(review, ITEM_TERMINAL), *status = state_str(review, ITEM_STATUS);

	if (item == NULL)
		return;
	if (by != NULL)
		state_set_str(item, ITEM_REVIEWED_BY, by);
	if (strcmp(status, ST_DONE) == 0 && folder != NULL)
		state_set_str(item, ITEM_REVIEW, folder);
}

/* The default reviewer of the terminal ITEM ran on: its own, its group's, else all's. */
static const char *
review_default(struct state *st, const cJSON *item)
{
	const cJSON *defaults = cJSON_GetObjectItemCaseSensitive(st->root, REVIEW_DEFAULTS);
	const char *name = state_str(item, ITEM_TERMINAL), *r;
	const cJSON *term;

	if (!cJSON_IsObject(defaults) || name == NULL)
		return NULL;
	if ((r = state_str(defaults, name)) != NULL)
		return r;
	if ((term = state_terminal(st, name)) != NULL &&
	    (r = state_str(defaults, terminal_group(term))) != NULL)
		return r;
	return state_str(defaults, "all");
}

void
review_after(struct state *st, cJSON *item)
{
	const char *by;

	if (state_str(item, ITEM_REVIEW_OF) != NULL) {
		review_link(st, item);
		return;
	}
	if (strcmp(state_str(item, ITEM_STATUS), ST_DONE) != 0)
		return;
	if (state_str(item, ITEM_REVIEWER) == NULL && (by = review_default(st, item)) != NULL)
		state_set_str(item, ITEM_REVIEWER, by);
	if (state_str(item, ITEM_REVIEWER) != NULL)
		review_queue(st, item);
}
