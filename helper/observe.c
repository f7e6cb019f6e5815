/* Observing a terminal (observe.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture.h"
#include "observe.h"
#include "panes.h"
#include "profile.h"
#include "stall.h"
#include "state.h"
#include "tmux-dispatch.h"

struct observe_capture {
	char *target;
	int rc;
	char *cause;
	struct pane_meta meta;
	char *text;
	size_t len;
};

void
observe_cache_free(struct observe_cache *c)
{
	size_t i;

	for (i = 0; i < c->n; i++) {
		free(c->v[i].target);
		free(c->v[i].cause);
		free(c->v[i].text);
	}
	free(c->v);
	memset(c, 0, sizeof *c);
}

void
observe_cache_add(struct observe_cache *c, const char *target, const struct pane_meta *meta,
    const char *text, size_t len)
{
	struct observe_capture *e;
	size_t i;

	for (i = 0; i < c->n; i++) {
		if (strcmp(c->v[i].target, target) == 0)
			return;
	}
	c->v = xreallocarray(c->v, c->n + 1, sizeof *c->v);
	e = &c->v[c->n++];
	memset(e, 0, sizeof *e);
	e->target = xstrdup(target);
	e->meta = *meta;
	e->text = xmalloc(len + 1);
	memcpy(e->text, text, len);
	e->text[len] = '\0';
	e->len = len;
}

/* TARGET's capture in CACHE, read from tmux the first time it is asked for. */
static struct observe_capture *
observe_capture(const char *target, struct observe_cache *c)
{
	struct observe_capture *e;
	size_t i;

	for (i = 0; i < c->n; i++) {
		if (strcmp(c->v[i].target, target) == 0)
			return &c->v[i];
	}
	c->v = xreallocarray(c->v, c->n + 1, sizeof *c->v);
	e = &c->v[c->n++];
	memset(e, 0, sizeof *e);
	e->target = xstrdup(target);
	e->rc = capture_pane(target, &e->meta, &e->text, &e->len, &e->cause);
	return e;
}

/*
 * A typed screen of a profile whose agent draws suggestions is read again with its colours:
 * only then can ghost text be told from a draft. One more tmux call, on typed screens alone.
 */
static void
observe_suggestion(const struct profile *profile, const struct observe_capture *e,
    struct observation *o)
{
	char *esc;
	size_t len;

	if (!classify_may_suggest(profile, &o->v) ||
	    capture_escapes(o->meta.pane_id, &esc, &len) != 0)
		return;
	classify_suggestion(profile, e->text, e->len, esc, len, &o->meta, &o->v);
	free(esc);
}

/*
 * Reads TARGET (through CACHE; NULL: a cache of this one read) and classifies it; AGENT (or
 * NULL) is what the state remembers the terminal ran.
 */
static int
observe_read(const char *target, const struct profile *profile, int flags,
    struct observe_cache *cache, const char *agent, struct observation *o, char **cause)
{
	struct observe_cache one = { 0 };
	struct observe_capture *e = observe_capture(target, cache != NULL ? cache : &one);
	int rc = e->rc;

	memset(o, 0, sizeof *o);
	o->profile = profile;
	if (rc != 0)
		*cause = xstrdup(e->cause);
	else {
		o->meta = e->meta;
		snprintf(o->meta.agent, sizeof o->meta.agent, "%s", agent != NULL ? agent : "");
		snprintf(o->pane, sizeof o->pane, "%s", o->meta.pane_id);
		if (flags & OBSERVE_UNDER_MODE)
			o->meta.in_mode = 0;
		classify_screen(profile, e->text, e->len, &o->meta, &o->v);
		observe_suggestion(profile, e, o);
		o->hash = stall_hash(e->text, e->len);
		snprintf(o->hash_text, sizeof o->hash_text, "%016llx", o->hash);
	}
	observe_cache_free(&one);
	return rc;
}

int
observe_pane(const char *target, const struct profile *profile, int flags,
    struct observation *o, char **cause)
{
	return observe_read(target, profile, flags, NULL, NULL, o, cause);
}

/* observe_target, with the agent the state remembers for the terminal. */
static int
observe_read_with(const char *target, const char *pname, const char *state_dir,
    struct observe_cache *c, const char *agent, struct observation *o, char **cause)
{
	const struct profile *profile;
	int rc;

	memset(o, 0, sizeof *o);
	if ((rc = profile_get(pname != NULL ? pname : "auto", state_dir, &profile, cause)) != 0)
		return rc;
	return observe_read(target, profile, 0, c, agent, o, cause);
}

int
observe_target(const char *target, const char *pname, const char *state_dir,
    struct observe_cache *c, struct observation *o, char **cause)
{
	return observe_read_with(target, pname, state_dir, c, NULL, o, cause);
}

int
observe_terminal(const struct panes *panes, const cJSON *term, const char *pane_id,
    const char *state_dir, struct observe_cache *c, struct observation *o, char **cause)
{
	const char *target = state_str(term, "target");
	const struct pane *pane;

	const char *pname = state_str(term, "profile"), *agent = state_str(term, TERMINAL_AGENT);

	memset(o, 0, sizeof *o);
	if (pane_id == NULL) {
		if ((pane = panes != NULL ? panes_resolve(panes, target) : NULL) == NULL) {
			xasprintf(cause, "no pane for target %s", target);
			return TD_EXIT_NOTFOUND;
		}
		pane_id = pane->id;
	}
	/* auto judges with the agent last seen here (classify.c); registered as shell, a shell. */
	return observe_read_with(pane_id, pname, state_dir, c, agent, o, cause);
}

const struct profile *
observe_profile(const struct observation *o, const char *state_dir)
{
	const struct profile *p = NULL;
	char *cause = NULL;

	if (profile_get(o->v.profile, state_dir, &p, &cause) != 0)
		p = NULL;
	free(cause);
	return p;
}

void
observe_remember(cJSON *term, const struct observation *o)
{
	const char *pname = state_str(term, "profile"), *known = state_str(term, TERMINAL_AGENT);

	if ((pname != NULL && strcmp(pname, "auto") != 0) || o->v.state == PANE_UNKNOWN ||
	    strcmp(o->v.profile, "shell") == 0 || strcmp(o->v.profile, "auto") == 0 ||
	    (known != NULL && strcmp(known, o->v.profile) == 0))
		return;
	state_set_str(term, TERMINAL_AGENT, o->v.profile);
}

/*
 * A terminal's state now, read from its pane, or why it cannot be read. Read-only: the stall
 * count shown is the one a check would record.
 */
static void
observe_live(struct state *st, struct panes *panes, struct observe_cache *captures,
    const cJSON *term, struct verdict *v)
{
	const char *pname = state_str(term, "profile");
	struct observation o;
	char *cause = NULL;

	if (observe_terminal(panes, term, NULL, st->dir, captures, &o, &cause) != 0) {
		memset(v, 0, sizeof *v);
		v->state = PANE_UNKNOWN;
		v->profile = pname != NULL ? pname : "auto";
		snprintf(v->rule, sizeof v->rule, "%s", cause);
		free(cause);
		return;
	}
	*v = o.v;
	v->seen = stall_peek(term, o.hash, st->now);
}

struct verdict *
observe_all(struct state *st)
{
	struct verdict *v = xcalloc((size_t)cJSON_GetArraySize(st->terminals) + 1, sizeof *v);
	struct observe_cache captures = { 0 };
	struct panes panes;
	const cJSON *term;
	int have = st->terminals->child != NULL && panes_read(&panes) == 0;
	size_t i = 0;

	cJSON_ArrayForEach(term, st->terminals)
		observe_live(st, have ? &panes : NULL, &captures, term, &v[i++]);
	observe_cache_free(&captures);
	if (have)
		panes_free(&panes);
	return v;
}
