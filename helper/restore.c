/*
 * An interrupted prompt that comes back (restore.h). Clearing an input is erasing text, so it
 * happens only for the one text the helper itself typed and interrupted, on the pane's
 * program as it was read (the delivery's guard, deliver_key), and each key only after a look
 * that finds the input still holding that text: Claude Code's clear is Escape twice, and a
 * second Escape on an input already empty would open its rewind dialog instead.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "capture.h"
#include "check.h"
#include "deliver.h"
#include "events.h"
#include "observe.h"
#include "profile.h"
#include "restore.h"
#include "result.h"
#include "tmux-dispatch.h"

#define RESTORE_RECORD "watch"  /* the terminal's watch record (watch.c) */
/*
 * After a key: a look this often until the screen changed, at most this many times. Well
 * within Claude's double press (its Escape pair clears only when under about 0.8 s apart).
 */
#define RESTORE_STEP_MS 50
#define RESTORE_LOOKS 10
#define RESTORE_PREFIX_MIN 16   /* bytes of a cut-short input that may match a prompt's start */
#define RESTORE_ELLIPSIS "\xe2\x80\xa6"

void
restore_mark(cJSON *rec)
{
	cJSON_DeleteItemFromObjectCaseSensitive(rec, RESTORE_KEY);
	cJSON_AddTrueToObject(rec, RESTORE_KEY);
}

/* The length of the whitespace (ASCII, or U+00A0 as Claude draws it) at S, 0 if none. */
static size_t
restore_space(const char *s)
{
	if (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r' || *s == '\v' || *s == '\f')
		return 1;
	return (unsigned char)s[0] == 0xc2 && (unsigned char)s[1] == 0xa0 ? 2 : 0;
}

/* S without its whitespace (caller frees). */
static char *
restore_squeeze(const char *s)
{
	char *out = xmalloc(strlen(s) + 1), *o = out;
	size_t n;

	while (*s != '\0') {
		if ((n = restore_space(s)) != 0)
			s += n;
		else
			*o++ = *s++;
	}
	*o = '\0';
	return out;
}

int
restore_matches(const char *input, const char *prompt)
{
	char *in, *want;
	size_t n, len, cut = strlen(RESTORE_ELLIPSIS);
	int ok;

	/* The prompt marker (❯, ›, >) is the input's first word. */
	while ((n = restore_space(input)) != 0)
		input += n;
	while (*input != '\0' && restore_space(input) == 0)
		input++;
	in = restore_squeeze(input);
	want = restore_squeeze(prompt);
	len = strlen(in);
	if (len > cut && strcmp(in + len - cut, RESTORE_ELLIPSIS) == 0 &&
	    len - cut >= RESTORE_PREFIX_MIN)
		ok = strncmp(in, want, len - cut) == 0;
	else
		ok = len > 0 && strcmp(in, want) == 0;
	free(want);
	free(in);
	return ok;
}

static void
restore_sleep(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/* PANE's screen now (caller frees *SCREEN), still O's program; 0 or -1. */
static int
restore_capture(const struct observation *o, struct pane_meta *m, char **screen, size_t *len)
{
	char *cause = NULL;

	if (capture_pane(o->pane, m, screen, len, &cause) != 0) {
		free(cause);
		return -1;
	}
	if (m->pid != o->meta.pid || strcmp(m->current_command, o->meta.current_command) != 0) {
		free(*screen);
		return -1;
	}
	return 0;
}

/* Whether SCREEN, read as O was, is typed with PROMPT in its input. */
static int
restore_holds(const struct observation *o, const char *screen, size_t len,
    const struct pane_meta *m, const char *prompt)
{
	struct verdict v;
	char *input;
	int ok;

	classify_screen(o->profile, screen, len, m, &v);
	if (v.state != PANE_TYPED ||
	    (input = classify_input_block(o->profile, &v, screen, len, m)) == NULL)
		return 0;
	ok = restore_matches(input, prompt);
	free(input);
	return ok;
}

/*
 * The clear keys K, each sent while PANE's input still holds PROMPT, with a look after each key
 * once the screen changed. Returns how many went out; *WHY says why it stopped short.
 */
static size_t
restore_keys(const struct observation *o, const struct profile_keys *k, const char *prompt,
    const char **why)
{
	struct delivery d;
	struct pane_meta m;
	char *screen, *now;
	size_t len, nlen, i;
	int look, changed;

	memset(&d, 0, sizeof d);
	d.pane = o->pane;
	d.profile = o->profile;
	d.pid = o->meta.pid;
	snprintf(d.command, sizeof d.command, "%s", o->meta.current_command);
	*why = "its pane could not be read again";
	if (restore_capture(o, &m, &screen, &len) != 0)
		return 0;
	for (i = 0; i < k->nkeys; i++) {
		if (!restore_holds(o, screen, len, &m, prompt)) {
			*why = i == 0 ? "the input holds other text than its prompt: left alone" :
			    "the input no longer holds its prompt";
			break;
		}
		if (!deliver_key(&d, k->keys[i])) {
			*why = "the pane's program changed: nothing sent";
			break;
		}
		for (look = 0; look < RESTORE_LOOKS; look++) {
			restore_sleep(RESTORE_STEP_MS);
			if (restore_capture(o, &m, &now, &nlen) != 0) {
				free(screen);
				*why = "its pane could not be read again";
				return i + 1;
			}
			changed = nlen != len || memcmp(now, screen, len) != 0;
			free(screen);
			screen = now;
			len = nlen;
			if (changed)
				break;
		}
	}
	free(screen);
	return i;
}

/* O's rule, for the next item's "deferred": why the input's text was left alone. */
static void
restore_note(struct observation *o, const char *id, const char *why)
{
	char rule[sizeof o->v.rule];

	/* Cut short if need be, as every rule is. */
	if (snprintf(rule, sizeof rule, "%s (after %s's interrupt: %s)", o->v.rule, id, why) >= 0)
		memcpy(o->v.rule, rule, sizeof rule);
}

void
restore_input(struct state *st, const struct check_plan *plan, cJSON *term,
    struct observation *o)
{
	cJSON *rec = cJSON_GetObjectItemCaseSensitive(term, RESTORE_RECORD);
	const char *id = state_str(rec, "item"), *why;
	const struct profile *p;
	struct observation after;
	const cJSON *item;
	char *prompt, *cause = NULL;
	size_t sent;

	/* Cleared only to deliver: not while triggered pushes are paused. */
	if ((plan->flags & CHECK_DRY_RUN) || ((plan->flags & CHECK_AUTO) && check_paused(st)) ||
	    o->v.state != PANE_TYPED || id == NULL ||
	    !cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(rec, RESTORE_KEY)) ||
	    (item = state_item(st, id)) == NULL)
		return;
	if ((p = observe_profile(o, st->dir)) == NULL || p->launch.clear.nkeys == 0) {
		restore_note(o, id, "its profile has no clear keys");
		return;
	}
	prompt = result_prompt(st, item);
	sent = restore_keys(o, &p->launch.clear, prompt, &why);
	free(prompt);
	if (sent == 0) {
		restore_note(o, id, why);
		return;
	}
	/* Once per interrupt: whatever the input shows next is not ours to clear. */
	cJSON_DeleteItemFromObjectCaseSensitive(rec, RESTORE_KEY);
	if (observe_pane(o->pane, o->profile, 0, &after, &cause) != 0) {
		events_log(st->path, term->string, o->pane, id, "clear-failed", cause);
		free(cause);
		restore_note(o, id, "its pane could not be read back");
		return;
	}
	*o = after;
	if (o->v.state != PANE_IDLE) {
		events_log(st->path, term->string, o->pane, id, "clear-failed", o->v.rule);
		check_say(plan, term->string, "%s's prompt not cleared: %s", id, o->v.rule);
		restore_note(o, id, sent < p->launch.clear.nkeys ? why :
		    "its clear keys were sent, and the input now reads so");
		return;
	}
	events_log(st->path, term->string, o->pane, id, "cleared",
	    "its interrupted prompt, given back to the input");
	check_say(plan, term->string, "cleared %s's interrupted prompt from the input", id);
}
