/*
 * Classifying a pane from a plain capture. The screen is split into lines once; a profile's
 * patterns each look at one region of it (the input line, the footer below it, the transcript
 * above it, the cursor line, the last N lines), so a classification touches a few dozen short
 * lines, most of them rejected by a literal prefilter. The order is fixed and errs towards
 * "not idle":
 *
 *   pane_in_mode -> copy-mode; pane_dead -> exited; "exited" (a shell prompt where the agent
 *   was) -> exited; foreground command -> busy; "waiting" -> waiting; "busy" -> busy; with
 *   "open": "busy", a prompt not followed by a "done" marker -> busy; "view" -> waiting; no
 *   input line -> unknown; text in the input -> typed; "require" missing -> unknown; the last
 *   turn not closed by a "done" marker -> unknown (no prompt or done visible: idle only if a
 *   "fresh" pattern matches); otherwise idle.
 */
#include <ctype.h>
#include <langinfo.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "capture.h"
#include "profile.h"
#include "state.h"
#include "tmux-dispatch.h"
#include "tmux.h"

#define CAPTURE_EXCERPT 60 /* bytes of a screen line quoted in a rule */

/* The format display-message prints before the capture: tab-separated, command last. */
#define CAPTURE_FORMAT "td1\t#{pane_id}\t#{pane_in_mode}\t#{pane_dead}\t#{cursor_x}\t" \
	"#{cursor_y}\t#{pane_height}\t#{alternate_on}\t#{pane_current_command}"

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
	int turn;       /* capture_turn's answer, once known (0: not yet) */
	size_t turn_at; /* its line */
};

static const char *capture_state_names[] = {
	"idle", "busy", "waiting", "typed", "exited", "copy-mode", "unknown"
};

const char *
capture_state_name(enum pane_state st)
{
	if ((unsigned)st >= sizeof capture_state_names / sizeof capture_state_names[0])
		return "unknown";
	return capture_state_names[st];
}

const char *
capture_verdict_label(const struct verdict *v)
{
	if (v->state == PANE_BUSY && v->seen >= CAPTURE_STALLED)
		return "stalled";
	if (v->state == PANE_BUSY && v->seen >= CAPTURE_STALL_SUSPECT)
		return "busy (stall?)";
	return capture_state_name(v->state);
}

const char *
capture_verdict_state(const struct verdict *v)
{
	if (v->state == PANE_BUSY && v->seen >= CAPTURE_STALLED)
		return "stalled";
	return capture_state_name(v->state);
}

int
capture_locale(void)
{
	static const char *names[] = {
		"C.UTF-8", "C.utf8", "en_US.UTF-8", "en_US.utf8", "UTF-8", NULL
	};
	static const char *chosen;
	static int done;
	const char *cs;
	int i;

	if (done) {
		if (chosen != NULL)
			setlocale(LC_CTYPE, chosen); /* cheap when already in force */
		return chosen != NULL;
	}
	done = 1;
	for (i = 0; names[i] != NULL; i++) {
		if (setlocale(LC_CTYPE, names[i]) != NULL && MB_CUR_MAX > 1)
			return (chosen = names[i]) != NULL;
	}
	/* Whatever the environment says, if it is UTF-8. */
	if ((cs = setlocale(LC_CTYPE, "")) != NULL && MB_CUR_MAX > 1 &&
	    (cs = nl_langinfo(CODESET)) != NULL &&
	    (strcmp(cs, "UTF-8") == 0 || strcmp(cs, "utf8") == 0)) {
		chosen = "";
		return 1;
	}
	/* No UTF-8 locale: patterns match bytes. The built-ins are written to work either way. */
	setlocale(LC_CTYPE, "C");
	return 0;
}

/* Display width in cells, counting one per character (wide characters are rare here). */
static size_t
capture_width(const char *s, size_t len)
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
capture_is_rule(const struct line *l)
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

		if (!profile_pattern_applies(pt, screen_command(s)))
			continue;
		region_bounds(s, pt->region, &from, &to);
		for (i = to; i > from; i--) {
			const struct line *l = &s->l[i - 1];

			if (l->len != 0 && profile_match(pt, l->s, l->len)) {
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

		if (!profile_pattern_applies(pt, screen_command(s)))
			continue;
		region_bounds(s, pt->region, &from, &to);
		if (i >= from && i < to && profile_match(pt, s->l[i].s, s->l[i].len))
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
		while (end < s->last && s->l[end].len != 0 && !capture_is_rule(&s->l[end]))
			end++;
		s->in_to = end;
		return;
	}
}

static void
capture_excerpt(const struct line *l, char *buf, size_t size)
{
	size_t n = l->len, i, o = 0;

	if (n > CAPTURE_EXCERPT) {
		n = CAPTURE_EXCERPT;
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
capture_detect(const struct profile *a, const struct screen *s, const struct pane_meta *m)
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
			if (profile_match(&list->v[i], l->s, l->len))
				return a->shell;
		}
	}
	return NULL;
}

enum turn { TURN_NONE = 1, TURN_DONE, TURN_OPEN };

/*
 * The state of the last turn: reading the transcript upwards, a "done" marker before any
 * "prompt" means the turn finished; a prompt first means it has not. EXCERPT gets the line.
 */
static enum turn
capture_turn(struct screen *s, const struct profile *p, char *excerpt, size_t size)
{
	struct region tr = { REGION_TRANSCRIPT, 0 };
	size_t from, to, at;

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
				s->turn = TURN_OPEN;
				break;
			}
		}
		s->turn_at = at - 1;
	}
	if (s->turn != TURN_NONE)
		capture_excerpt(&s->l[s->turn_at], excerpt, size);
	return (enum turn)s->turn;
}

static void
capture_run(const struct profile *p, struct screen *s, struct verdict *v)
{
	const struct pane_meta *m = s->meta;
	int known = m != NULL && m->known, empty_lines = 0;
	const struct pattern *pt;
	char excerpt[CAPTURE_EXCERPT * 2], region[32];
	size_t i;

	/* Regions (input, footer, transcript) hang on the input line. */
	screen_input(s, p);

	/* The program is gone: a shell prompt shows where it was. */
	if (p->lists[PL_EXITED].n != 0 &&
	    !(known && profile_has_command(p, m->current_command)) &&
	    (pt = screen_find(s, &p->lists[PL_EXITED], NULL)) != NULL) {
		verdict_pattern(v, PANE_EXITED, pt);
		return;
	}
	if (p->foreground && known && m->current_command[0] != '\0' &&
	    !profile_has_command(p, m->current_command)) {
		verdict_set(v, PANE_BUSY, "foreground \"%s\"", m->current_command);
		return;
	}
	if ((pt = screen_find(s, &p->lists[PL_WAITING], NULL)) != NULL) {
		verdict_pattern(v, PANE_WAITING, pt);
		return;
	}
	if ((pt = screen_find(s, &p->lists[PL_BUSY], NULL)) != NULL) {
		verdict_pattern(v, PANE_BUSY, pt);
		return;
	}
	/* Agents that show nothing while they stream: an unanswered prompt is work. */
	if (p->open_busy && capture_turn(s, p, excerpt, sizeof excerpt) == TURN_OPEN) {
		verdict_set(v, PANE_BUSY, "no done marker after prompt \"%s\"", excerpt);
		return;
	}
	if ((pt = screen_find(s, &p->lists[PL_VIEW], NULL)) != NULL) {
		verdict_pattern(v, PANE_WAITING, pt);
		return;
	}

	if (!s->has_input) {
		verdict_set(v, PANE_UNKNOWN, p->input_cursor ? "no cursor line" : "no input line");
		return;
	}
	if (p->input_cursor && known &&
	    (size_t)m->cursor_x < capture_width(s->l[s->in_from].s, s->l[s->in_from].len)) {
		capture_excerpt(&s->l[s->in_from], excerpt, sizeof excerpt);
		verdict_set(v, PANE_TYPED, "text after the cursor \"%s\"", excerpt);
		return;
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
			    (size_t)m->cursor_x == capture_width(s->l[i].s, s->l[i].len)) {
				capture_excerpt(&s->l[i], excerpt, sizeof excerpt);
				verdict_set(v, PANE_TYPED, "text ending like a prompt, the cursor "
				    "right after it \"%s\"", excerpt);
				return;
			}
			empty_lines++;
			continue;
		}
		capture_excerpt(&s->l[i], excerpt, sizeof excerpt);
		if (p->lists[PL_TYPED].n == 0 || screen_line_matches(s, &p->lists[PL_TYPED], i)) {
			verdict_set(v, PANE_TYPED, "input \"%s\"", excerpt);
			return;
		}
		verdict_set(v, PANE_UNKNOWN, "input line not recognised \"%s\"", excerpt);
		return;
	}
	if (empty_lines == 0) {
		verdict_set(v, PANE_UNKNOWN, "input line is blank");
		return;
	}
	for (i = 0; i < p->lists[PL_REQUIRE].n; i++) {
		struct pattern_list one = { &p->lists[PL_REQUIRE].v[i], 1 };

		if (screen_find(s, &one, NULL) == NULL) {
			region_name(one.v->region, region, sizeof region);
			verdict_set(v, PANE_UNKNOWN, "missing %s \"%s\"", region,
			    one.v->label != NULL ? one.v->label : one.v->source);
			return;
		}
	}

	/* The input is empty. Has the last turn finished? */
	if (p->lists[PL_DONE].n == 0 && p->lists[PL_PROMPT].n == 0) {
		verdict_set(v, PANE_IDLE, "input empty");
		return;
	}
	switch (capture_turn(s, p, excerpt, sizeof excerpt)) {
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
	verdict_set(v, PANE_UNKNOWN, "input empty but no prompt or done marker visible");
}

int
capture_classify(const struct profile *p, const char *text, size_t len,
    const struct pane_meta *m, struct verdict *v)
{
	const struct profile *found;
	struct screen s;

	memset(v, 0, sizeof *v);
	v->profile = p->name;
	screen_init(&s, text, len, m);
	if (p->is_auto && s.last != 0 && (found = capture_detect(p, &s, m)) != NULL)
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
		capture_run(p, &s, v);
	}
	screen_free(&s);
	return 0;
}

/* Copies a string into a fixed field, cut at its size. */
static void
capture_copy(char *dst, size_t size, const char *src)
{
	size_t n = strnlen(src, size - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

static int
capture_int(const char *s, int *out)
{
	char *end;
	long v;

	v = strtol(s, &end, 10);
	if (end == s || v < -1 || v > 1000000)
		return -1;
	*out = (int)v;
	return 0;
}

int
capture_meta_parse(const char *text, struct pane_meta *m)
{
	const char *p = text, *nl, *eq;
	char key[32], val[64];
	size_t kl, vl;
	int bad = 0;

	memset(m, 0, sizeof *m);
	m->cursor_y = -1;
	while (*p != '\0') {
		nl = strchr(p, '\n');
		if (nl == NULL)
			nl = p + strlen(p);
		eq = memchr(p, '=', (size_t)(nl - p));
		if (eq != NULL && *p != '#') {
			kl = (size_t)(eq - p);
			vl = (size_t)(nl - eq - 1);
			while (vl > 0 && (eq[vl] == '\r' || eq[vl] == ' '))
				vl--;
			if (kl < sizeof key && vl < sizeof val) {
				memcpy(key, p, kl);
				key[kl] = '\0';
				memcpy(val, eq + 1, vl);
				val[vl] = '\0';
				if (strcmp(key, "pane_current_command") == 0)
					capture_copy(m->current_command, sizeof m->current_command, val);
				else if (strcmp(key, "pane_id") == 0)
					capture_copy(m->pane_id, sizeof m->pane_id, val);
				else if (strcmp(key, "pane_in_mode") == 0)
					bad |= capture_int(val, &m->in_mode);
				else if (strcmp(key, "pane_dead") == 0)
					bad |= capture_int(val, &m->dead);
				else if (strcmp(key, "cursor_x") == 0)
					bad |= capture_int(val, &m->cursor_x);
				else if (strcmp(key, "cursor_y") == 0)
					bad |= capture_int(val, &m->cursor_y);
				else if (strcmp(key, "pane_height") == 0)
					bad |= capture_int(val, &m->pane_height);
				else if (strcmp(key, "alternate_on") == 0)
					bad |= capture_int(val, &m->alternate_on);
				m->known = 1;
			}
		}
		p = *nl == '\0' ? nl : nl + 1;
	}
	return bad ? -1 : 0;
}

/* Parses the display-message line; returns 0 or -1. */
static int
capture_meta_line(const char *line, size_t len, struct pane_meta *m)
{
	char buf[512], *field[9], *p;
	int n = 0;

	if (len >= sizeof buf)
		return -1;
	memcpy(buf, line, len);
	buf[len] = '\0';
	p = buf;
	while (n < 9) {
		field[n++] = p;
		if (n == 9)
			break;
		if ((p = strchr(p, '\t')) == NULL)
			return -1;
		*p++ = '\0';
	}
	if (strcmp(field[0], "td1") != 0)
		return -1;
	memset(m, 0, sizeof *m);
	capture_copy(m->pane_id, sizeof m->pane_id, field[1]);
	if (capture_int(field[2], &m->in_mode) || capture_int(field[3], &m->dead) ||
	    capture_int(field[4], &m->cursor_x) || capture_int(field[5], &m->cursor_y) ||
	    capture_int(field[6], &m->pane_height) || capture_int(field[7], &m->alternate_on))
		return -1;
	capture_copy(m->current_command, sizeof m->current_command, field[8]);
	m->known = 1;
	return 0;
}

int
capture_pane(const char *target, struct pane_meta *m, char **text, size_t *len)
{
	struct tmux_result r;
	/* -u: a client that is not UTF-8 (LC_ALL=C, as in hooks) gets tabs turned into '_'. */
	const char *argv[] = {
		"-u", "display-message", "-p", "-t", target, CAPTURE_FORMAT, ";",
		"capture-pane", "-p", "-t", target, NULL
	};
	const char *nl;
	size_t tl = strlen(target);
	int rc;

	*text = NULL;
	*len = 0;
	/* A target ending in ';' would end the tmux command early. */
	if (tl == 0 || target[tl - 1] == ';' || strpbrk(target, "\n\r") != NULL)
		return td_error(TD_EXIT_USAGE, "invalid tmux target '%s'", target);
	if (tmux_run(argv, NULL, 0, &r) != 0) {
		if (strstr(r.err, "can't find") != NULL)
			rc = td_error(TD_EXIT_NOTFOUND, "no such pane '%s' (tmux: %s)", target, r.err);
		else
			rc = td_error(TD_EXIT_FAIL, "tmux failed%s%s", *r.err != '\0' ? ": " : "",
			    *r.err != '\0' ? r.err : "");
		tmux_result_free(&r);
		return rc;
	}
	nl = memchr(r.out, '\n', r.outlen);
	if (nl == NULL || capture_meta_line(r.out, (size_t)(nl - r.out), m) != 0) {
		tmux_result_free(&r);
		return td_error(TD_EXIT_FAIL, "unexpected answer from tmux for '%s'", target);
	}
	*len = r.outlen - (size_t)(nl + 1 - r.out);
	*text = xmalloc(*len + 1);
	memcpy(*text, nl + 1, *len);
	(*text)[*len] = '\0';
	tmux_result_free(&r);
	return 0;
}

/* Spinner glyphs, by their UTF-8 encoding: left out of the screen hash. */
static size_t
capture_spinner(const unsigned char *s, size_t n)
{
	if (s[0] == '*')
		return 1;
	if (n >= 2 && s[0] == 0xc2 && s[1] == 0xb7) /* · */
		return 2;
	if (n < 3 || s[0] != 0xe2)
		return 0;
	if (s[1] == 0x9c && s[2] >= 0xa2 && s[2] <= 0xbd) /* ✢ .. ✽ */
		return 3;
	if (s[1] >= 0xa0 && s[1] <= 0xa3) /* braille */
		return 3;
	if (s[1] == 0x97 && (s[2] == 0xa6 || (s[2] >= 0x90 && s[2] <= 0x93))) /* ◦ ◐◑◒◓ */
		return 3;
	if (s[1] == 0x80 && s[2] == 0xa2) /* • */
		return 3;
	return 0;
}

#define FNV_OFFSET 14695981039346656037ULL
#define FNV_PRIME 1099511628211ULL

unsigned long long
capture_screen_hash(const char *text, size_t len)
{
	const unsigned char *s = (const unsigned char *)text;
	unsigned long long h = FNV_OFFSET;
	unsigned char prev = 0;
	size_t i = 0, j, k;

	while (i < len) {
		if ((k = capture_spinner(s + i, len - i)) != 0) {
			i += k;
			continue;
		}
		if (isdigit(s[i]) && !(i > 0 && (isalpha(s[i - 1]) || s[i - 1] == '_'))) {
			j = i;
			while (j < len && (isdigit(s[j]) || s[j] == '.' || s[j] == ','))
				j++;
			/* A duration (12s, 250ms, 1m, 2h), a clock (14:17:05) or a token count. */
			k = j;
			if (k < len && s[k] == 'k')
				k++;
			if (prev == ':' || (j < len && s[j] == ':' && j + 1 < len && isdigit(s[j + 1])) ||
			    (j < len && (s[j] == 's' || s[j] == 'm' || s[j] == 'h') &&
			    (j + 1 == len || !isalpha(s[j + 1]) ||
			    (s[j] == 'm' && s[j + 1] == 's' && (j + 2 == len || !isalpha(s[j + 2]))))) ||
			    (k + 7 <= len && memcmp(s + k, " tokens", 7) == 0)) {
				i = j;
				if (i < len && (s[i] == 's' || s[i] == 'h' || s[i] == 'm')) {
					if (s[i] == 'm' && i + 1 < len && s[i + 1] == 's')
						i++;
					i++;
				}
				while (i < len && s[i] == ' ') /* "1m 6s" reads like "5s" */
					i++;
				prev = '0';
				continue;
			}
			for (; i < j; i++) {
				h ^= s[i];
				h *= FNV_PRIME;
			}
			prev = s[j - 1];
			continue;
		}
		h ^= s[i];
		h *= FNV_PRIME;
		prev = s[i];
		i++;
	}
	return h;
}

/* How long an unchanged busy screen lasts before it is "stalled": $TMUX_DISPATCH_STALL_SECONDS. */
static long
capture_stall_seconds(void)
{
	const char *env = getenv("TMUX_DISPATCH_STALL_SECONDS");
	char *end;
	long v;

	if (env == NULL || *env == '\0')
		return CAPTURE_STALL_SECONDS;
	v = strtol(env, &end, 10);
	return *end == '\0' && v >= 0 && v <= 86400 ? v : CAPTURE_STALL_SECONDS;
}

/*
 * Consecutive checks alone do not make a stall: hooks may check every second, and a thinking
 * agent's screen, spinner and counters normalized away, does not change for a while. The
 * screen must also have stayed the same half the stall time for "stall?", all of it for
 * "stalled".
 */
int
capture_stall_count(int seen, time_t since, time_t now)
{
	long need = capture_stall_seconds();

	if (seen >= CAPTURE_STALLED && now - since >= need)
		return seen;
	if (seen >= CAPTURE_STALL_SUSPECT && now - since >= need / 2)
		return CAPTURE_STALL_SUSPECT;
	return 1;
}

int
capture_stall_update(cJSON *terminal, unsigned long long hash, time_t now)
{
	cJSON *scr, *seen, *old;
	char hex[32], when[32];
	time_t since;
	struct tm tm;
	int n = 1;

	snprintf(hex, sizeof hex, "%016llx", hash);
	scr = cJSON_GetObjectItemCaseSensitive(terminal, "screen");
	if (!cJSON_IsObject(scr)) {
		cJSON_DeleteItemFromObjectCaseSensitive(terminal, "screen");
		scr = cJSON_AddObjectToObject(terminal, "screen");
	}
	old = cJSON_GetObjectItemCaseSensitive(scr, "hash");
	seen = cJSON_GetObjectItemCaseSensitive(scr, "seen");
	if (cJSON_IsString(old) && strcmp(old->valuestring, hex) == 0 && cJSON_IsNumber(seen) &&
	    seen->valuedouble >= 1 && seen->valuedouble < 1e9 &&
	    cJSON_GetObjectItemCaseSensitive(scr, "since") != NULL) {
		n = (int)seen->valuedouble + 1;
		cJSON_SetNumberValue(seen, n);
		if (state_parse_time(state_str(scr, "since"), &since) != 0)
			since = now;
		return capture_stall_count(n, since, now);
	}
	gmtime_r(&now, &tm);
	strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
	cJSON_DeleteItemFromObjectCaseSensitive(scr, "hash");
	cJSON_DeleteItemFromObjectCaseSensitive(scr, "since");
	cJSON_DeleteItemFromObjectCaseSensitive(scr, "seen");
	cJSON_AddStringToObject(scr, "hash", hex);
	cJSON_AddStringToObject(scr, "since", when);
	cJSON_AddNumberToObject(scr, "seen", 1);
	return n;
}
