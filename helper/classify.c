/*
 * Classifying a screen: text, metadata and a profile in, a verdict out; no tmux, no state.
 * The screen is split into lines once; a profile's patterns each look at one region of it
 * (the input line, the footer below it, the transcript above it, the cursor line, the last N
 * lines), so a classification touches a few dozen short lines, most of them rejected by a
 * literal prefilter. The order is fixed and errs towards "not idle" (README "Decision order"):
 *
 *   pane_in_mode -> copy-mode; pane_dead -> exited; "exited" (a shell prompt where the agent
 *   was) -> exited; foreground command -> busy; "waiting" -> waiting; "busy" -> busy; with
 *   "open": "busy", a prompt not followed by a "done" marker -> busy; "view" -> waiting (busy
 *   when the last prompt has no "done" marker after it: the view hides the status line); no
 *   input line -> unknown; text in the input -> typed; "require" missing -> unknown; the last
 *   turn not closed by a "done" marker -> unknown (busy with "open": "busy"); no prompt or
 *   done visible: idle only if a "fresh" pattern matches, else busy with "open": "busy" (a
 *   reply longer than the screen), else unknown; otherwise idle. Reading the turn, a "menu"
 *   line (a popup's selected row, which looks like a prompt) stops it with no answer while the
 *   input holds text.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classify.h"
#include "profile.h"
#include "tmux-dispatch.h"

#define CLASSIFY_EXCERPT 60 /* bytes of a screen line quoted in a rule */

struct line {
	const char *s;
	size_t len; /* trailing spaces and CR excluded */
};

struct screen {
	struct line *l;
	size_t n;
	size_t last;    /* 1 + the last non-blank line; 0 if the screen is blank */
	long cursor;    /* cursor line, -1 if none (may be >= n: a blank line past the text) */
	int has_input;
	size_t in_from; /* input region [in_from, in_to) */
	size_t in_to;
	const struct pane_meta *meta;
	int turn;       /* classify_turn's answer, once known (0: not yet) */
	size_t turn_at; /* its line */
};

static const char *classify_state_names[] = {
	"idle", "busy", "waiting", "typed", "exited", "copy-mode", "unknown"
};

const char *
classify_state_name(enum pane_state st)
{
	if ((unsigned)st >= sizeof classify_state_names / sizeof classify_state_names[0])
		return "unknown";
	return classify_state_names[st];
}

/* Display width in cells, counting one per character (wide characters are rare here). */
static size_t
classify_width(const char *s, size_t len)
{
	size_t i, w = 0;

	for (i = 0; i < len; i++) {
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			w++;
	}
	return w;
}

/* A horizontal rule: only box-drawing horizontals (and spaces), at least 8 of them. */
static int
classify_is_rule(const struct line *l)
{
	size_t i = 0, n = 0;
	const unsigned char *s = (const unsigned char *)l->s;

	if (l->len < 24)
		return 0;
	while (i < l->len) {
		if (s[i] == ' ') {
			i++;
			continue;
		}
		if (i + 2 < l->len && s[i] == 0xe2 && (s[i + 1] == 0x94 || s[i + 1] == 0x95) &&
		    (s[i + 2] == 0x80 || s[i + 2] == 0x81 || s[i + 2] == 0x90 || s[i + 2] == 0x84 ||
		    s[i + 2] == 0x85)) {
			i += 3;
			n++;
			continue;
		}
		return 0;
	}
	return n >= 8;
}

static void
screen_init(struct screen *s, const char *text, size_t len, const struct pane_meta *meta)
{
	const char *p = text, *end = text + len, *nl;
	size_t cap = 64, l;

	memset(s, 0, sizeof *s);
	s->meta = meta;
	s->l = xreallocarray(NULL, cap, sizeof *s->l);
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		l = nl != NULL ? (size_t)(nl - p) : (size_t)(end - p);
		if (s->n == cap) {
			cap *= 2;
			s->l = xreallocarray(s->l, cap, sizeof *s->l);
		}
		s->l[s->n].s = p;
		while (l > 0 && (p[l - 1] == ' ' || p[l - 1] == '\r' || p[l - 1] == '\t'))
			l--;
		s->l[s->n].len = l;
		if (l != 0)
			s->last = s->n + 1;
		s->n++;
		if (nl == NULL)
			break;
		p = nl + 1;
	}
	if (meta != NULL && meta->known)
		s->cursor = meta->cursor_y >= 0 ? meta->cursor_y : -1;
	else
		s->cursor = (long)s->last - 1;
}

static void
screen_free(struct screen *s)
{
	free(s->l);
}

/* The foreground command, or NULL without metadata. */
static const char *
screen_command(const struct screen *s)
{
	if (s->meta == NULL || !s->meta->known || s->meta->current_command[0] == '\0')
		return NULL;
	return s->meta->current_command;
}

static void
region_bounds(const struct screen *s, struct region r, size_t *from, size_t *to)
{
	size_t end;

	*from = *to = 0;
	switch (r.kind) {
	case REGION_SCREEN:
		*to = s->last;
		break;
	case REGION_LAST:
		*to = s->last;
		*from = s->last > (size_t)r.n ? s->last - (size_t)r.n : 0;
		break;
	case REGION_CURSOR:
		if (s->cursor >= 0 && (size_t)s->cursor < s->n) {
			*from = (size_t)s->cursor;
			*to = *from + 1;
		}
		break;
	case REGION_INPUT:
		if (s->has_input) {
			*from = s->in_from;
			*to = s->in_to;
		}
		break;
	case REGION_FOOTER:
		if (s->has_input && s->in_to < s->last) {
			*from = s->in_to;
			*to = r.n != 0 && s->in_to + (size_t)r.n < s->last ? s->in_to + (size_t)r.n :
			    s->last;
		}
		break;
	case REGION_TRANSCRIPT:
		end = s->has_input ? s->in_from : s->last;
		while (end > 0 && s->l[end - 1].len == 0)
			end--;
		*to = end;
		*from = r.n != 0 && end > (size_t)r.n ? end - (size_t)r.n : 0;
		break;
	}
}

static void
region_name(struct region r, char *buf, size_t size)
{
	static const char *names[] = {
		"screen", "last", "cursor", "input", "footer", "transcript"
	};

	if (r.n != 0)
		snprintf(buf, size, "%s:%d", names[r.kind], r.n);
	else
		snprintf(buf, size, "%s", names[r.kind]);
}

/* The first pattern of LIST (in order) that matches a line of its region, bottom-up. */
static struct pattern *
screen_find(const struct screen *s, const struct pattern_list *list, size_t *at)
{
	size_t i, from, to, k;

	for (k = 0; k < list->n; k++) {
		struct pattern *pt = &list->v[k];

		if (!pattern_applies(pt, screen_command(s)))
			continue;
		region_bounds(s, pt->region, &from, &to);
		for (i = to; i > from; i--) {
			const struct line *l = &s->l[i - 1];

			if (l->len != 0 && pattern_match(pt, l->s, l->len)) {
				if (at != NULL)
					*at = i - 1;
				return pt;
			}
		}
	}
	return NULL;
}

/* Whether line I is matched by some pattern of LIST whose region contains it. */
static struct pattern *
screen_line_matches(const struct screen *s, const struct pattern_list *list, size_t i)
{
	size_t k, from, to;

	for (k = 0; k < list->n; k++) {
		struct pattern *pt = &list->v[k];

		if (!pattern_applies(pt, screen_command(s)))
			continue;
		region_bounds(s, pt->region, &from, &to);
		if (i >= from && i < to && pattern_match(pt, s->l[i].s, s->l[i].len))
			return pt;
	}
	return NULL;
}

/* Finds the input: the cursor line, or the bottom-most line an "input" pattern matches. */
static void
screen_input(struct screen *s, const struct profile *p)
{
	const struct pattern_list *list = &p->lists[PL_INPUT];
	size_t i, end;

	s->has_input = 0;
	if (p->input_cursor) {
		if (s->cursor >= 0 && (size_t)s->cursor < s->n) {
			s->has_input = 1;
			s->in_from = (size_t)s->cursor;
			s->in_to = s->in_from + 1;
		}
		return;
	}
	for (i = s->last; i > 0; i--) {
		if (s->l[i - 1].len == 0 || screen_line_matches(s, list, i - 1) == NULL)
			continue;
		/* The input continues down to a blank line or a rule. */
		s->has_input = 1;
		s->in_from = i - 1;
		end = i;
		while (end < s->last && s->l[end].len != 0 && !classify_is_rule(&s->l[end]))
			end++;
		s->in_to = end;
		return;
	}
}

static void
classify_excerpt(const struct line *l, char *buf, size_t size)
{
	size_t n = l->len, i, o = 0;

	if (n > CLASSIFY_EXCERPT) {
		n = CLASSIFY_EXCERPT;
		while (n > 0 && ((unsigned char)l->s[n] & 0xc0) == 0x80)
			n--;
	}
	for (i = 0; i < n && o + 4 < size; i++) {
		unsigned char c = (unsigned char)l->s[i];

		buf[o++] = c < 0x20 || c == 0x7f ? '?' : (char)c;
	}
	if (n < l->len && o + 4 < size) {
		memcpy(buf + o, "…", 3);
		o += 3;
	}
	buf[o] = '\0';
}

static void
verdict_set(struct verdict *v, enum pane_state st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
verdict_set(struct verdict *v, enum pane_state st, const char *fmt, ...)
{
	va_list ap;

	v->state = st;
	va_start(ap, fmt);
	vsnprintf(v->rule, sizeof v->rule, fmt, ap);
	va_end(ap);
}

static void
verdict_pattern(struct verdict *v, enum pane_state st, const struct pattern *pt)
{
	char region[32];

	region_name(pt->region, region, sizeof region);
	verdict_set(v, st, "%s \"%s\"", region, pt->label != NULL ? pt->label : pt->source);
}

/* Recognises the program for the auto profile: the lowest line on screen that a profile's
 * "detect" patterns match decides, since the bottom of the screen is the most recent. */
static const struct profile *
classify_detect(const struct profile *a, const struct screen *s, const struct pane_meta *m)
{
	const struct profile *only = NULL;
	size_t i, k, hits = 0;

	if (m != NULL && m->known && m->current_command[0] != '\0') {
		for (k = 0; k < a->ncandidates; k++) {
			if (profile_has_command(a->candidates[k], m->current_command)) {
				only = a->candidates[k];
				hits++;
			}
		}
		if (hits == 1)
			return only;
	}
	for (i = s->last; i > 0; i--) {
		if (s->l[i - 1].len == 0)
			continue;
		for (k = 0; k < a->ncandidates; k++) {
			if (screen_line_matches(s, &a->candidates[k]->lists[PL_DETECT], i - 1))
				return a->candidates[k];
		}
	}
	/*
	 * Nothing on screen names the program: the agent this terminal was last seen running
	 * (remembered in the state) judges, and its shell-prompt rule says it exited, where the
	 * shell profile would call the prompt an idle shell and type the next task into it.
	 */
	for (k = 0; m != NULL && m->agent[0] != '\0' && k < a->ncandidates; k++) {
		if (strcmp(a->candidates[k]->name, m->agent) == 0)
			return a->candidates[k];
	}
	if (a->shell == NULL)
		return NULL;
	/* Nothing recognised: with metadata the shell profile judges (a foreground program
	 * that is not a shell is busy); without, only a shell prompt on the last line counts. */
	if (m != NULL && m->known)
		return a->shell;
	for (k = 0; k < 2; k++) {
		const struct pattern_list *list = &a->shell->lists[k == 0 ? PL_IDLE : PL_TYPED];
		const struct line *l = &s->l[s->last - 1];

		for (i = 0; i < list->n; i++) {
			if (pattern_match(&list->v[i], l->s, l->len))
				return a->shell;
		}
	}
	return NULL;
}

enum turn { TURN_NONE = 1, TURN_DONE, TURN_OPEN };

/* Whether the input line holds text: some line of it is neither blank nor "idle". */
static int
screen_input_holds_text(const struct screen *s, const struct profile *p)
{
	size_t i;

	if (!s->has_input)
		return 0;
	for (i = s->in_from; i < s->in_to; i++) {
		if (s->l[i].len != 0 && screen_line_matches(s, &p->lists[PL_IDLE], i) == NULL)
			return 1;
	}
	return 0;
}

/*
 * The state of the last turn: reading the transcript upwards, a "done" marker before any
 * "prompt" means the turn finished; a prompt first means it has not. A "menu" line (the
 * selected row of a popup drawn over the end of the transcript) stops the reading with no
 * answer: what the popup covers is not known. That holds only while the input holds text,
 * as it does whenever such a popup is open, so the answer is typed (or busy by a marker),
 * never idle; with an empty input a line like that is a prompt. EXCERPT gets the line.
 */
static enum turn
classify_turn(struct screen *s, const struct profile *p, char *excerpt, size_t size)
{
	struct region tr = { REGION_TRANSCRIPT, 0 };
	size_t from, to, at;
	int menus = p->lists[PL_MENU].n != 0 && screen_input_holds_text(s, p);

	if (s->turn == 0) {
		s->turn = TURN_NONE;
		region_bounds(s, tr, &from, &to);
		for (at = to; at > from; at--) {
			if (s->l[at - 1].len == 0)
				continue;
			if (screen_line_matches(s, &p->lists[PL_DONE], at - 1) != NULL) {
				s->turn = TURN_DONE;
				break;
			}
			if (screen_line_matches(s, &p->lists[PL_PROMPT], at - 1) != NULL) {
				if (menus &&
				    screen_line_matches(s, &p->lists[PL_MENU], at - 1) != NULL)
					break;
				s->turn = TURN_OPEN;
				break;
			}
		}
		s->turn_at = at - 1;
	}
	if (s->turn != TURN_NONE)
		classify_excerpt(&s->l[s->turn_at], excerpt, size);
	return (enum turn)s->turn;
}

/*
 * What decides before the input line is looked at: the program gone, a foreground command,
 * a question, work on screen, an open turn, a view. Returns 1 when it decided.
 */
static int
classify_gates(const struct profile *p, struct screen *s, struct verdict *v)
{
	const struct pane_meta *m = s->meta;
	int known = m != NULL && m->known;
	const struct pattern *pt;
	char excerpt[CLASSIFY_EXCERPT * 2], region[32];

	/* The program is gone: a shell prompt shows where it was. */
	if (p->lists[PL_EXITED].n != 0 &&
	    !(known && profile_has_command(p, m->current_command)) &&
	    (pt = screen_find(s, &p->lists[PL_EXITED], NULL)) != NULL) {
		verdict_pattern(v, PANE_EXITED, pt);
		return 1;
	}
	if (p->foreground && known && m->current_command[0] != '\0' &&
	    !profile_has_command(p, m->current_command)) {
		verdict_set(v, PANE_BUSY, "foreground \"%s\"", m->current_command);
		return 1;
	}
	if ((pt = screen_find(s, &p->lists[PL_WAITING], NULL)) != NULL) {
		verdict_pattern(v, PANE_WAITING, pt);
		return 1;
	}
	if ((pt = screen_find(s, &p->lists[PL_BUSY], NULL)) != NULL) {
		verdict_pattern(v, PANE_BUSY, pt);
		return 1;
	}
	/* Agents that show nothing while they stream: an unanswered prompt is work. */
	if (p->open_busy && classify_turn(s, p, excerpt, sizeof excerpt) == TURN_OPEN) {
		verdict_set(v, PANE_BUSY, "no done marker after prompt \"%s\"", excerpt);
		return 1;
	}
	if ((pt = screen_find(s, &p->lists[PL_VIEW], NULL)) != NULL) {
		/*
		 * A view hides the input and the status line; what it leaves of the transcript
		 * says whether a turn runs under it: a prompt with no done marker after it.
		 */
		if (classify_turn(s, p, excerpt, sizeof excerpt) == TURN_OPEN) {
			region_name(pt->region, region, sizeof region);
			verdict_set(v, PANE_BUSY, "no done marker after prompt \"%s\" under view %s "
			    "\"%s\"", excerpt, region, pt->label != NULL ? pt->label : pt->source);
			return 1;
		}
		verdict_pattern(v, PANE_WAITING, pt);
		return 1;
	}
	return 0;
}

/*
 * The input region: typed text decides; so does an input that is not recognised or blank.
 * Returns 1 when it decided, 0 when the input is empty.
 */
static int
classify_input(const struct profile *p, struct screen *s, struct verdict *v)
{
	const struct pane_meta *m = s->meta;
	int known = m != NULL && m->known, empty_lines = 0;
	char excerpt[CLASSIFY_EXCERPT * 2];
	size_t i;

	if (!s->has_input) {
		verdict_set(v, PANE_UNKNOWN, p->input_cursor ? "no cursor line" : "no input line");
		return 1;
	}
	if (p->input_cursor && known &&
	    (size_t)m->cursor_x < classify_width(s->l[s->in_from].s, s->l[s->in_from].len)) {
		classify_excerpt(&s->l[s->in_from], excerpt, sizeof excerpt);
		verdict_set(v, PANE_TYPED, "text after the cursor \"%s\"", excerpt);
		return 1;
	}
	for (i = s->in_from; i < s->in_to; i++) {
		if (s->l[i].len == 0)
			continue;
		if (screen_line_matches(s, &p->lists[PL_IDLE], i) != NULL) {
			/*
			 * A prompt ends in a space the cursor sits after; a cursor right at the end
			 * of the trimmed line follows typed text that ends like a prompt ("echo $").
			 */
			if (p->input_cursor && known && i == s->in_from &&
			    (size_t)m->cursor_x == classify_width(s->l[i].s, s->l[i].len)) {
				classify_excerpt(&s->l[i], excerpt, sizeof excerpt);
				verdict_set(v, PANE_TYPED, "text ending like a prompt, the cursor "
				    "right after it \"%s\"", excerpt);
				return 1;
			}
			empty_lines++;
			continue;
		}
		classify_excerpt(&s->l[i], excerpt, sizeof excerpt);
		if (p->lists[PL_TYPED].n == 0 || screen_line_matches(s, &p->lists[PL_TYPED], i))
			verdict_set(v, PANE_TYPED, "input \"%s\"", excerpt);
		else
			verdict_set(v, PANE_UNKNOWN, "input line not recognised \"%s\"", excerpt);
		return 1;
	}
	if (empty_lines == 0) {
		verdict_set(v, PANE_UNKNOWN, "input line is blank");
		return 1;
	}
	return 0;
}

/* The input is empty: idle if every "require" shows and the last turn has finished. */
static void
classify_empty(const struct profile *p, struct screen *s, struct verdict *v)
{
	const struct pattern *pt;
	char excerpt[CLASSIFY_EXCERPT * 2], region[32];
	size_t i;

	for (i = 0; i < p->lists[PL_REQUIRE].n; i++) {
		struct pattern_list one = { &p->lists[PL_REQUIRE].v[i], 1 };

		if (screen_find(s, &one, NULL) == NULL) {
			region_name(one.v->region, region, sizeof region);
			verdict_set(v, PANE_UNKNOWN, "missing %s \"%s\"", region,
			    one.v->label != NULL ? one.v->label : one.v->source);
			return;
		}
	}
	if (p->lists[PL_DONE].n == 0 && p->lists[PL_PROMPT].n == 0) {
		verdict_set(v, PANE_IDLE, "input empty");
		return;
	}
	switch (classify_turn(s, p, excerpt, sizeof excerpt)) {
	case TURN_DONE:
		verdict_set(v, PANE_IDLE, "input empty, turn done \"%s\"", excerpt);
		return;
	case TURN_OPEN:
		verdict_set(v, p->open_busy ? PANE_BUSY : PANE_UNKNOWN,
		    "no done marker after prompt \"%s\"", excerpt);
		return;
	case TURN_NONE:
		break;
	}
	if ((pt = screen_find(s, &p->lists[PL_FRESH], NULL)) != NULL) {
		region_name(pt->region, region, sizeof region);
		verdict_set(v, PANE_IDLE, "input empty, no turn yet: %s \"%s\"", region,
		    pt->label != NULL ? pt->label : pt->source);
		return;
	}
	/*
	 * An agent that closes every turn with a done marker and shows nothing while it
	 * streams: a transcript with neither a prompt nor a done marker in view (and no fresh
	 * banner) is a reply longer than the screen, still streaming.
	 */
	if (p->open_busy) {
		verdict_set(v, PANE_BUSY, "no prompt or done marker visible: a reply longer than "
		    "the screen is streaming");
		return;
	}
	verdict_set(v, PANE_UNKNOWN, "input empty but no prompt or done marker visible");
}

static void
classify_run(const struct profile *p, struct screen *s, struct verdict *v)
{
	/* Regions (input, footer, transcript) hang on the input line. */
	screen_input(s, p);
	if (!classify_gates(p, s, v) && !classify_input(p, s, v))
		classify_empty(p, s, v);
}

void
classify_screen(const struct profile *p, const char *text, size_t len,
    const struct pane_meta *m, struct verdict *v)
{
	const struct profile *found;
	struct screen s;

	memset(v, 0, sizeof *v);
	v->profile = p->name;
	screen_init(&s, text, len, m);
	if (p->is_auto && s.last != 0 && (found = classify_detect(p, &s, m)) != NULL)
		v->profile = (p = found)->name;
	if (m != NULL && m->known && m->in_mode)
		verdict_set(v, PANE_COPY_MODE, "pane_in_mode=%d", m->in_mode);
	else if (m != NULL && m->known && m->dead)
		verdict_set(v, PANE_EXITED, "pane_dead=1");
	else if (s.last == 0)
		verdict_set(v, PANE_UNKNOWN, "blank screen");
	else if (p->is_auto) {
		verdict_set(v, PANE_UNKNOWN, "no profile recognised%s%s%s",
		    m != NULL && m->known ? " (foreground \"" : "",
		    m != NULL && m->known ? m->current_command : "",
		    m != NULL && m->known ? "\")" : "");
	} else {
		classify_run(p, &s, v);
	}
	screen_free(&s);
}


/* The profile that gave V: P, or for auto the candidate it recognised. */
static const struct profile *
classify_decider(const struct profile *p, const struct verdict *v)
{
	size_t k;

	for (k = 0; p->is_auto && k < p->ncandidates; k++) {
		if (strcmp(p->candidates[k]->name, v->profile) == 0)
			return p->candidates[k];
	}
	return p->is_auto ? NULL : p;
}

int
classify_suggests(const struct profile *p, const struct verdict *v)
{
	const struct profile *d = classify_decider(p, v);

	return d != NULL && d->suggestion.nghost != 0;
}

int
classify_may_suggest(const struct profile *p, const struct verdict *v)
{
	return v->state == PANE_TYPED && classify_suggests(p, v);
}

/* Line I of ESC (a capture-pane -e of the same screen), or 0 when it has fewer lines. */
static int
classify_esc_line(const char *esc, size_t esclen, size_t i, const char **line, size_t *len)
{
	const char *p = esc, *end = esc + esclen, *nl;

	for (;;) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (i-- == 0) {
			*line = p;
			*len = nl != NULL ? (size_t)(nl - p) : (size_t)(end - p);
			return p < end || nl != NULL;
		}
		if (nl == NULL)
			return 0;
		p = nl + 1;
	}
}

/* LEN bytes at S without trailing spaces, as screen_init trims a line. */
static size_t
classify_trimmed(const char *s, size_t len)
{
	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\r' || s[len - 1] == '\t'))
		len--;
	return len;
}

/* Appends N bytes at S to BUF (of SIZE, holding O), cut at a character; returns the new O. */
static size_t
classify_append(char *buf, size_t size, size_t o, const char *s, size_t n)
{
	if (o + 1 >= size)
		return o;
	if (o + n >= size) {
		for (n = size - o - 1; n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80; n--)
			;
	}
	memcpy(buf + o, s, n);
	buf[o + n] = '\0';
	return o + n;
}

/*
 * Takes the ghost text out of S's input lines, from ESC; the kept text replaces each line (in
 * KEPT, freed by the caller) and GHOST collects the ghost, lines joined by a space. Returns 1
 * when some ghost text was found and every input line of ESC reads as the plain capture's.
 */
static int
classify_unghost(const struct ghost_spec *g, struct screen *s, const char *esc, size_t esclen,
    struct ghost_split *kept, char *ghost, size_t size)
{
	const char *line;
	size_t i, len, o = 0, n;
	int found = 0;

	for (i = s->in_from; i < s->in_to; i++) {
		if (!classify_esc_line(esc, esclen, i, &line, &len))
			return 0;
		ghost_split(g, line, len, &kept[i - s->in_from]);
		line = kept[i - s->in_from].text;
		if (classify_trimmed(line, strlen(line)) != s->l[i].len ||
		    memcmp(line, s->l[i].s, s->l[i].len) != 0)
			return 0;
		s->l[i].s = kept[i - s->in_from].kept;
		s->l[i].len = classify_trimmed(s->l[i].s, kept[i - s->in_from].kept_len);
		n = classify_trimmed(kept[i - s->in_from].ghost, kept[i - s->in_from].ghost_len);
		if (n == 0)
			continue;
		found = 1;
		if (o != 0)
			o = classify_append(ghost, size, o, " ", 1);
		o = classify_append(ghost, size, o, kept[i - s->in_from].ghost, n);
	}
	return found;
}

void
classify_suggestion(const struct profile *p, const char *text, size_t len, const char *esc,
    size_t esclen, const struct pane_meta *m, struct verdict *v)
{
	const struct profile *d = classify_decider(p, v);
	struct ghost_split *kept;
	struct screen s;
	struct verdict g;
	size_t i, n;
	char rule[sizeof v->rule];

	if (!classify_may_suggest(p, v))
		return;
	screen_init(&s, text, len, m);
	screen_input(&s, d);
	n = s.has_input ? s.in_to - s.in_from : 0;
	kept = xcalloc(n + 1, sizeof *kept);
	memset(&g, 0, sizeof g);
	g.profile = v->profile;
	if (n != 0 && classify_unghost(&d->suggestion, &s, esc, esclen, kept, g.suggestion,
	    sizeof g.suggestion)) {
		/* The input as it would be without the suggestion: re-judged from the start. */
		s.turn = 0;
		classify_run(d, &s, &g);
		if (g.state == PANE_IDLE) {
			snprintf(rule, sizeof rule, "%s", g.rule);
			snprintf(g.rule, sizeof g.rule, "suggestion in the input (ghost text); "
			    "%.200s", rule);
			*v = g;
		}
	}
	for (i = 0; i < n; i++)
		ghost_split_free(&kept[i]);
	free(kept);
	screen_free(&s);
}

/*
 * Lines IN_FROM to IN_TO of the input joined by spaces (caller frees), or NULL without an
 * input; with BLOCK, down to the rule under the input instead (NULL when no rule follows).
 */
static char *
classify_input_lines(const struct profile *p, const struct verdict *v, const char *text,
    size_t len, const struct pane_meta *m, int block)
{
	const struct profile *d = classify_decider(p, v);
	struct screen s;
	char *out = NULL;
	size_t i, o = 0, to;

	if (d == NULL)
		return NULL;
	screen_init(&s, text, len, m);
	screen_input(&s, d);
	to = s.in_to;
	/* A prompt's paragraphs: blank lines inside the box, which ends at its rule. */
	while (block && s.has_input && to < s.last && !classify_is_rule(&s.l[to]))
		to++;
	if (s.has_input && (!block || (to < s.last && classify_is_rule(&s.l[to])))) {
		out = xcalloc(len + 1, 1);
		for (i = s.in_from; i < to; i++) {
			if (o != 0)
				out[o++] = ' ';
			memcpy(out + o, s.l[i].s, s.l[i].len);
			o += s.l[i].len;
		}
		out[o] = '\0';
	}
	screen_free(&s);
	return out;
}

char *
classify_input_text(const struct profile *p, const struct verdict *v, const char *text,
    size_t len, const struct pane_meta *m)
{
	return classify_input_lines(p, v, text, len, m, 0);
}

char *
classify_input_block(const struct profile *p, const struct verdict *v, const char *text,
    size_t len, const struct pane_meta *m)
{
	return classify_input_lines(p, v, text, len, m, 1);
}
