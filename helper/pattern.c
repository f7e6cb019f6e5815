/*
 * Screen patterns. Each pattern gets a literal prefilter, a substring every match must
 * contain, found by reading the expression; a line without it is rejected by a memchr for its
 * rarest byte and a compare, and a pattern that is its literal never reaches regexec. Patterns
 * are compiled only when a line passes the prefilter, in the C locale unless their meaning
 * depends on what counts as a character.
 */
#include <langinfo.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>

#include "pattern.h"
#include "tmux-dispatch.h"

/*
 * The position in a literal of its least common byte in terminal text (rules and spaces are
 * everywhere; capitals and punctuation are rare), so the search can start with memchr.
 */
static size_t
pattern_rare_byte(const char *lit, size_t len)
{
	size_t i, best = 0;
	int score, best_score = 1000;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)lit[i];

		if (c == ' ')
			score = 100;
		else if (c == 0xe2 || c == 0x94 || c == 0x80 || c == 0x81)
			score = 90; /* box drawing, general punctuation */
		else if (c >= 'a' && c <= 'z')
			score = 40 + (c == 'e' || c == 't' || c == 'o' || c == 'a' || c == 'i' ||
			    c == 'n' || c == 's' || c == 'r') * 10;
		else if (c == 0xc2 || c == 0xa0 || c == 0x9c || c == 0x9d)
			score = 60;
		else if (c >= '0' && c <= '9')
			score = 30;
		else if (c >= 0x80)
			score = 25;
		else
			score = 15; /* capitals, punctuation */
		if (score < best_score) {
			best_score = score;
			best = i;
		}
	}
	return best;
}

/* Finds a pattern's literal in a line: memchr for its rarest byte, then compare. */
static int
pattern_find_literal(const struct pattern *pt, const char *s, size_t len)
{
	const char *p = s + pt->rare, *end = s + len - (pt->literal_len - pt->rare - 1);
	char c = pt->literal[pt->rare];

	if (len < pt->literal_len)
		return 0;
	while (p < end && (p = memchr(p, c, (size_t)(end - p))) != NULL) {
		if (memcmp(p - pt->rare, pt->literal, pt->literal_len) == 0)
			return 1;
		p++;
	}
	return 0;
}

/* Drops the last UTF-8 character of a run (a quantifier made it optional). */
static void
pattern_run_drop_last(char *run, size_t *len)
{
	while (*len > 0 && ((unsigned char)run[*len - 1] & 0xc0) == 0x80)
		(*len)--;
	if (*len > 0)
		(*len)--;
}

/* Skips a bracket expression starting at re[i] == '['; returns the index after it. */
static size_t
pattern_skip_bracket(const char *re, size_t i)
{
	i++;
	if (re[i] == '^')
		i++;
	if (re[i] == ']')
		i++;
	while (re[i] != '\0' && re[i] != ']') {
		if (re[i] == '[' && (re[i + 1] == ':' || re[i + 1] == '.' || re[i + 1] == '=')) {
			char close = re[i + 1];

			i += 2;
			while (re[i] != '\0' && !(re[i] == close && re[i + 1] == ']'))
				i++;
			if (re[i] != '\0')
				i += 2;
			continue;
		}
		i++;
	}
	return re[i] == ']' ? i + 1 : i;
}

/* Skips a group starting at re[i] == '('; returns the index after its ')'. */
static size_t
pattern_skip_group(const char *re, size_t i)
{
	int depth = 0;

	while (re[i] != '\0') {
		if (re[i] == '\\' && re[i + 1] != '\0') {
			i += 2;
			continue;
		}
		if (re[i] == '[') {
			i = pattern_skip_bracket(re, i);
			continue;
		}
		if (re[i] == '(')
			depth++;
		else if (re[i] == ')' && --depth == 0)
			return i + 1;
		i++;
	}
	return i;
}

/* Whether the expression has a '|' outside groups and brackets. */
static int
pattern_top_alternation(const char *re)
{
	size_t i = 0;

	while (re[i] != '\0') {
		if (re[i] == '\\' && re[i + 1] != '\0')
			i += 2;
		else if (re[i] == '[')
			i = pattern_skip_bracket(re, i);
		else if (re[i] == '(')
			i = pattern_skip_group(re, i);
		else if (re[i] == '|')
			return 1;
		else
			i++;
	}
	return 0;
}

/*
 * The bytes a match of re[lo, hi) can end with are added to SET; -1 if that cannot be told
 * (the last atom is optional, a '.', a negated or non-ASCII bracket...). Used for patterns
 * that end in '$': a line whose last byte is not in the set cannot match.
 */
static int pattern_last_bytes(const char *, size_t, size_t, unsigned char *);

/* The start of the last atom of re[lo, hi), or -1 if it is optional or a '|' intervenes. */
static long
pattern_last_atom(const char *re, size_t lo, size_t hi)
{
	size_t i = lo, atom = lo, next;
	int optional = 0;

	while (i < hi) {
		if (re[i] == '*' || re[i] == '?' || re[i] == '{') {
			optional = 1;
			if (re[i] == '{')
				while (i < hi && re[i] != '}')
					i++;
			i++;
			continue;
		}
		if (re[i] == '+') {
			i++;
			continue;
		}
		if (re[i] == '|')
			return -1; /* the caller splits alternatives */
		atom = i;
		optional = 0;
		if (re[i] == '\\' && i + 1 < hi)
			next = i + 2;
		else if (re[i] == '[')
			next = pattern_skip_bracket(re, i);
		else if (re[i] == '(')
			next = pattern_skip_group(re, i);
		else
			next = i + 1;
		i = next > hi ? hi : next;
	}
	return optional ? -1 : (long)atom;
}

/* A bracket's ASCII members and ranges; -1 for a negated, non-ASCII or class bracket. */
static int
pattern_bracket_bytes(const char *re, size_t atom, size_t hi, unsigned char *set)
{
	size_t a = atom + 1, start = a;

	if (re[a] == '^')
		return -1;
	for (; a < hi && (a == start || re[a] != ']'); a++) {
		unsigned char c = (unsigned char)re[a];

		if (c >= 0x80 || c == '[' || c == '\\')
			return -1;
		if (re[a + 1] == '-' && re[a + 2] != ']' && a + 2 < hi) {
			unsigned char e = (unsigned char)re[a + 2];

			if (e >= 0x80 || e < c)
				return -1;
			for (; c <= e; c++)
				set[c] = 1;
			a += 2;
			continue;
		}
		set[c] = 1;
	}
	return a < hi ? 0 : -1;
}

/* Each alternative of the group at re[atom] == '('. */
static int
pattern_group_bytes(const char *re, size_t atom, size_t hi, unsigned char *set)
{
	size_t next = pattern_skip_group(re, atom), start = atom + 1, a;
	int depth = 0;

	if (next > hi || re[next - 1] != ')')
		return -1;
	for (a = start; a < next - 1; a++) {
		if (re[a] == '\\') {
			a++;
			continue;
		}
		if (re[a] == '[') {
			a = pattern_skip_bracket(re, a) - 1;
			continue;
		}
		if (re[a] == '(')
			depth++;
		else if (re[a] == ')')
			depth--;
		else if (re[a] == '|' && depth == 0) {
			if (pattern_last_bytes(re, start, a, set) != 0)
				return -1;
			start = a + 1;
		}
	}
	return pattern_last_bytes(re, start, next - 1, set);
}

static int
pattern_last_bytes(const char *re, size_t lo, size_t hi, unsigned char *set)
{
	long at;
	size_t atom;

	if (lo >= hi || (at = pattern_last_atom(re, lo, hi)) < 0)
		return -1;
	atom = (size_t)at;
	switch (re[atom]) {
	case '\\':
		if (atom + 1 >= hi || (re[atom + 1] >= 'a' && re[atom + 1] <= 'z') ||
		    (re[atom + 1] >= 'A' && re[atom + 1] <= 'Z') ||
		    (re[atom + 1] >= '0' && re[atom + 1] <= '9'))
			return -1;
		set[(unsigned char)re[atom + 1]] = 1;
		return 0;
	case '.': case '^': case '$': case ')':
		return -1;
	case '[':
		return pattern_bracket_bytes(re, atom, hi, set);
	case '(':
		return pattern_group_bytes(re, atom, hi, set);
	}
	set[(unsigned char)re[atom]] = 1;
	return 0;
}

/*
 * The longest literal run that every match must contain. Runs are broken by anything that is
 * not a plain character; a character followed by *, ? or {..} is dropped from its run.
 */
struct literal_scan {
	char *run, *best;
	size_t len, best_len;
	int anchored, first, best_at_start;
	int plain;  /* the whole expression is its literal (with anchors) */
	int at_end; /* ... ending in '$' */
};

static void
pattern_run_end(struct literal_scan *ls)
{
	if (ls->len > ls->best_len) {
		memcpy(ls->best, ls->run, ls->len);
		ls->best_len = ls->len;
		ls->best_at_start = ls->anchored && ls->first;
	}
	ls->len = 0;
	ls->first = 0;
}

/* A run breaks here and the expression is not plain; returns the index to continue at. */
static size_t
pattern_run_break(struct literal_scan *ls, size_t next)
{
	pattern_run_end(ls);
	ls->plain = 0;
	return next;
}

/* One step of the scan at re[i]; returns the index of the next step. */
static size_t
pattern_scan_step(struct literal_scan *ls, const char *re, size_t i)
{
	char c = re[i], d;

	if (c == '\\' && re[i + 1] != '\0') {
		d = re[i + 1];
		if ((d >= 'a' && d <= 'z') || (d >= 'A' && d <= 'Z') || (d >= '0' && d <= '9') ||
		    re[i + 2] == '*' || re[i + 2] == '?' || re[i + 2] == '{')
			return pattern_run_break(ls, i + 2); /* \w, \b, \1, a quantified escape */
		ls->run[ls->len++] = d;
		return i + 2;
	}
	switch (c) {
	case '[':
		return pattern_run_break(ls, pattern_skip_bracket(re, i));
	case '(':
		return pattern_run_break(ls, pattern_skip_group(re, i));
	case '$':
		if (re[i + 1] == '\0' && ls->plain) {
			ls->at_end = 1; /* "^lit$", "lit$": still a plain literal */
			return i + 1;
		}
		return pattern_run_break(ls, i + 1);
	case '.': case '^': case '+':
		return pattern_run_break(ls, i + 1);
	case '*': case '?': case '{':
		pattern_run_drop_last(ls->run, &ls->len);
		if (c == '{')
			while (re[i] != '\0' && re[i] != '}')
				i++;
		return pattern_run_break(ls, re[i] != '\0' ? i + 1 : i);
	}
	ls->run[ls->len++] = c;
	return i + 1;
}

/* Alternation at the top level means no literal is required. */
void
pattern_analyze(struct pattern *pt)
{
	const char *re = pt->source;
	size_t n = strlen(re), i;
	struct literal_scan ls = { 0 };

	pt->literal = NULL;
	pt->literal_len = pt->rare = 0;
	pt->literal_at_start = pt->literal_at_end = pt->trivial = pt->has_last = 0;
	if (!pattern_top_alternation(re)) {
		ls.run = xmalloc(n + 1);
		ls.best = xmalloc(n + 1);
		ls.first = ls.plain = 1;
		ls.anchored = re[0] == '^';
		for (i = ls.anchored; re[i] != '\0';)
			i = pattern_scan_step(&ls, re, i);
		pattern_run_end(&ls);
		if (ls.best_len > 0) {
			pt->literal = xstrndup(ls.best, ls.best_len);
			pt->literal_len = ls.best_len;
			pt->literal_at_start = ls.best_at_start;
			pt->trivial = ls.plain;
			pt->literal_at_end = ls.plain && ls.at_end;
			pt->rare = pattern_rare_byte(pt->literal, pt->literal_len);
		}
		free(ls.run);
		free(ls.best);
	}
	/* A pattern that ends the line: which last bytes can match at all. */
	if (!pt->literal_at_end && n >= 2 && re[n - 1] == '$' && re[n - 2] != '\\') {
		memset(pt->last, 0, sizeof pt->last);
		if (pattern_last_bytes(re, re[0] == '^' ? 1 : 0, n - 1, pt->last) == 0)
			pt->has_last = 1;
	}
}

/*
 * Whether an expression matches the same lines in the C locale as in a UTF-8 one, so it can
 * be compiled without switching locales (which costs a locale load, and makes every regexec
 * decode characters). Literal multibyte characters are fine byte by byte; what differs is what
 * counts as one character: '.', a negated bracket, a bracket holding a non-ASCII character or a
 * class, and \w-style escapes. '.' and a negated bracket are still fine when repeated (".*",
 * "[^ ]+": a run of bytes is a run of characters) or last and unanchored (a character follows
 * iff a byte does); "a.$" is not ("aé" ends in two bytes).
 */
static int
pattern_byte_safe(const char *re)
{
	size_t i = 0, j, end;
	char after;

	while (re[i] != '\0') {
		if (re[i] == '\\' && re[i + 1] != '\0') {
			if ((re[i + 1] >= 'a' && re[i + 1] <= 'z') ||
			    (re[i + 1] >= 'A' && re[i + 1] <= 'Z') ||
			    (re[i + 1] >= '0' && re[i + 1] <= '9'))
				return 0;
			i += 2;
			continue;
		}
		if (re[i] == '.') {
			after = re[i + 1];
			if (after != '*' && after != '+' && after != '\0')
				return 0;
			i++;
			continue;
		}
		if (re[i] == '[') {
			end = pattern_skip_bracket(re, i);
			for (j = i + 1; j < end; j++) {
				if ((unsigned char)re[j] >= 0x80 || (re[j] == '[' &&
				    (re[j + 1] == ':' || re[j + 1] == '=' || re[j + 1] == '.')))
					return 0;
			}
			after = re[end];
			if (re[i + 1] == '^' && after != '*' && after != '+' && after != '\0')
				return 0;
			i = end;
			continue;
		}
		i++;
	}
	return 1;
}

/*
 * regcomp expands a bounded repeat into copies of its atom, so "(a{32767}){32767}" asks for
 * a billion states: memory grows by gigabytes until the kernel kills the process. Screen
 * patterns need little of that: every count is capped, and so is their product over the
 * whole expression (a bound on nesting without parsing it), and the expression's length.
 * '+' is a repeat too, of two copies ("a+" is "aa*"): stacked on another ("a++", found by
 * fuzzing: 34 of them took gigabytes) or on a group, it doubles the product.
 * Returns NULL, or why the expression is refused.
 */
static const char *
pattern_too_big(const char *re)
{
	unsigned long product = 1, n, m;
	const char *p;
	char *end, prev = '\0';

	if (strlen(re) > PATTERN_MAX_LEN)
		return "longer than " PATTERN_MAX_LEN_TEXT " bytes";
	for (p = re; *p != '\0'; prev = *p++) {
		if (*p == '\\' && p[1] != '\0') {
			p++;
			continue; /* prev is the escaped character: \)+ counts as a group's, too much */
		}
		if (*p == '+' && prev != '\0' && strchr(")+*?}", prev) != NULL &&
		    (product *= 2) > PATTERN_MAX_COPIES)
			return "repeat counts whose product is over " PATTERN_MAX_COPIES_TEXT;
		if (*p != '{' || p[1] < '0' || p[1] > '9')
			continue;
		n = strtoul(p + 1, &end, 10);
		if (*end == ',' && end[1] >= '0' && end[1] <= '9') {
			m = strtoul(end + 1, &end, 10);
			n = m > n ? m : n;
		}
		if (n > PATTERN_MAX_REPEAT)
			return "a repeat count over " PATTERN_MAX_REPEAT_TEXT;
		if ((product *= n > 0 ? n : 1) > PATTERN_MAX_COPIES)
			return "repeat counts whose product is over " PATTERN_MAX_COPIES_TEXT;
	}
	return NULL;
}

int
pattern_compile(struct pattern *pt, char **why)
{
	const char *big;
	char msg[256];
	int rc;

	if (pt->compiled != 0)
		return pt->compiled == 1 ? 0 : -1;
	if ((big = pattern_too_big(pt->source)) != NULL) {
		pt->compiled = -1;
		if (why != NULL)
			xasprintf(why, "regular expression refused: %s", big);
		return -1;
	}
	if (!pattern_byte_safe(pt->source))
		pattern_locale();
	rc = regcomp(&pt->re, pt->source, REG_EXTENDED | REG_NOSUB);
	if (rc != 0) {
		regerror(rc, &pt->re, msg, sizeof msg);
		regfree(&pt->re);
		pt->compiled = -1;
		if (why != NULL)
			xasprintf(why, "bad regular expression \"%s\": %s", pt->source, msg);
		return -1;
	}
	pt->compiled = 1;
	return 0;
}

int
pattern_match(struct pattern *pt, const char *s, size_t len)
{
	char stackbuf[1024], *buf;
	regmatch_t m;
	int rc;

	if (pt->has_last && (len == 0 || !pt->last[(unsigned char)s[len - 1]]))
		return 0;
	if (pt->literal_len != 0) {
		if (len < pt->literal_len)
			return 0;
		if (pt->literal_at_start && pt->literal_at_end)
			return len == pt->literal_len && memcmp(s, pt->literal, len) == 0;
		if (pt->literal_at_end)
			return memcmp(s + len - pt->literal_len, pt->literal, pt->literal_len) == 0;
		if (pt->literal_at_start) {
			if (memcmp(s, pt->literal, pt->literal_len) != 0)
				return 0;
		} else if (!pattern_find_literal(pt, s, len))
			return 0;
		if (pt->trivial)
			return 1;
	}
	if (pt->compiled != 1 && pattern_compile(pt, NULL) != 0)
		return 0;
#ifdef REG_STARTEND
	m.rm_so = 0;
	m.rm_eo = (regoff_t)len;
	if (memchr(s, '\0', len) == NULL)
		return regexec(&pt->re, s, 1, &m, REG_STARTEND) == 0;
#endif
	(void)m;
	buf = len < sizeof stackbuf ? stackbuf : xmalloc(len + 1);
	memcpy(buf, s, len);
	buf[len] = '\0';
	rc = regexec(&pt->re, buf, 0, NULL, 0);
	if (buf != stackbuf)
		free(buf);
	return rc == 0;
}

int
pattern_init(struct pattern *pt, const char *source, char **why)
{
	memset(pt, 0, sizeof *pt);
	pt->source = xstrdup(source);
	pattern_analyze(pt);
	return pattern_compile(pt, why);
}

void
pattern_free(struct pattern *pt)
{
	size_t c;

	free(pt->source);
	free(pt->label);
	free(pt->literal);
	for (c = 0; c < pt->ncommands; c++)
		free(pt->commands[c]);
	free(pt->commands);
	if (pt->compiled == 1)
		regfree(&pt->re);
	memset(pt, 0, sizeof *pt);
}

int
pattern_in(char *const *list, size_t n, const char *name)
{
	size_t i;

	if (*name == '-')
		name++;
	for (i = 0; i < n; i++) {
		if (strcmp(list[i], name) == 0)
			return 1;
	}
	return 0;
}

int
pattern_applies(const struct pattern *pt, const char *command)
{
	if (pt->commands == NULL)
		return 1;
	return command != NULL && pattern_in(pt->commands, pt->ncommands, command);
}

int
pattern_locale(void)
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
