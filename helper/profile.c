/*
 * Agent profiles. The built-ins are data (helper/profiles.json, compiled in as
 * profiles_builtin_json); a user's profiles.json has the same form and replaces built-ins of the
 * same name. Patterns are POSIX extended regular expressions matched per line; each gets a
 * literal prefilter (a substring every match must contain, found by reading the expression),
 * so most lines are rejected by one memmem and most patterns are never compiled at all.
 */
#include <errno.h>
#include <limits.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "capture.h"
#include "profile.h"
#include "tmux-dispatch.h"

extern const char profiles_builtin_json[];

#define PROFILE_USER_FILE "profiles.json"
#define PROFILE_MAX_FILE (4 * 1024 * 1024)

const char *profile_list_names[PL_NLISTS] = {
	"detect", "input", "exited", "waiting", "busy", "view", "idle", "typed", "require", "prompt",
	"done", "fresh"
};

/* The profiles in force for one user file: built-ins, then the user's, then auto. */
struct profile_set {
	char *user_path;
	cJSON *builtin_root;
	cJSON *user_root;
	struct profile **v;
	size_t n;
	struct profile *autop;
	struct profile_set *next;
};

static struct profile_set *profile_sets;
static int profile_status; /* TD_EXIT_* of the last failed lookup */

int
profile_last_error(void)
{
	return profile_status != 0 ? profile_status : TD_EXIT_FAIL;
}

static void
profile_free(struct profile *p)
{
	size_t i, j;

	if (p == NULL)
		return;
	for (i = 0; i < PL_NLISTS; i++) {
		for (j = 0; j < p->lists[i].n; j++) {
			struct pattern *pt = &p->lists[i].v[j];

			free(pt->source);
			free(pt->label);
			free(pt->literal);
			for (size_t c = 0; c < pt->ncommands; c++)
				free(pt->commands[c]);
			free(pt->commands);
			if (pt->compiled == 1)
				regfree(&pt->re);
		}
		free(p->lists[i].v);
	}
	for (i = 0; i < p->ncommands; i++)
		free(p->commands[i]);
	free(p->commands);
	free(p->candidates);
	free(p->name);
	free(p->source);
	free(p->description);
	free(p);
}

void
profile_free_all(void)
{
	struct profile_set *set;
	size_t i;

	while ((set = profile_sets) != NULL) {
		profile_sets = set->next;
		for (i = 0; i < set->n; i++)
			profile_free(set->v[i]);
		profile_free(set->autop);
		free(set->v);
		cJSON_Delete(set->builtin_root);
		cJSON_Delete(set->user_root);
		free(set->user_path);
		free(set);
	}
}

/*
 * The position in a literal of its least common byte in terminal text (rules and spaces are
 * everywhere; capitals and punctuation are rare), so the search can start with memchr.
 */
static size_t
profile_rare_byte(const char *lit, size_t len)
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
profile_find_literal(const struct pattern *pt, const char *s, size_t len)
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
profile_run_drop_last(char *run, size_t *len)
{
	while (*len > 0 && ((unsigned char)run[*len - 1] & 0xc0) == 0x80)
		(*len)--;
	if (*len > 0)
		(*len)--;
}

/* Skips a bracket expression starting at re[i] == '['; returns the index after it. */
static size_t
profile_skip_bracket(const char *re, size_t i)
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
profile_skip_group(const char *re, size_t i)
{
	int depth = 0;

	while (re[i] != '\0') {
		if (re[i] == '\\' && re[i + 1] != '\0') {
			i += 2;
			continue;
		}
		if (re[i] == '[') {
			i = profile_skip_bracket(re, i);
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
profile_top_alternation(const char *re)
{
	size_t i = 0;

	while (re[i] != '\0') {
		if (re[i] == '\\' && re[i + 1] != '\0')
			i += 2;
		else if (re[i] == '[')
			i = profile_skip_bracket(re, i);
		else if (re[i] == '(')
			i = profile_skip_group(re, i);
		else if (re[i] == '|')
			return 1;
		else
			i++;
	}
	return 0;
}

/*
 * The bytes a match of re[lo, hi) can end with, added to SET; -1 if that cannot be told (the
 * last atom is optional, a '.', a negated or non-ASCII bracket...). Used for patterns that end
 * in '$': a line whose last byte is not in the set cannot match.
 */
static int
profile_last_bytes(const char *re, size_t lo, size_t hi, unsigned char *set)
{
	size_t i = lo, atom = lo, next, a, start;
	int optional = 0, depth;

	if (lo >= hi)
		return -1;
	/* Find the last atom and whether a quantifier makes it optional. */
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
			next = profile_skip_bracket(re, i);
		else if (re[i] == '(')
			next = profile_skip_group(re, i);
		else
			next = i + 1;
		i = next > hi ? hi : next;
	}
	if (optional)
		return -1;
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
		a = atom + 1;
		if (re[a] == '^')
			return -1;
		start = a;
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
	case '(':
		/* Each alternative of the group. */
		next = profile_skip_group(re, atom);
		if (next > hi || re[next - 1] != ')')
			return -1;
		start = atom + 1;
		depth = 0;
		for (a = start; a < next - 1; a++) {
			if (re[a] == '\\') {
				a++;
				continue;
			}
			if (re[a] == '[') {
				a = profile_skip_bracket(re, a) - 1;
				continue;
			}
			if (re[a] == '(')
				depth++;
			else if (re[a] == ')')
				depth--;
			else if (re[a] == '|' && depth == 0) {
				if (profile_last_bytes(re, start, a, set) != 0)
					return -1;
				start = a + 1;
			}
		}
		return profile_last_bytes(re, start, next - 1, set);
	}
	set[(unsigned char)re[atom]] = 1;
	return 0;
}

/*
 * Finds the longest literal run that every match must contain. Runs are broken by anything
 * that is not a plain character; a character followed by *, ? or {..} is dropped from its run.
 * Alternation at the top level means no literal is required.
 */
static void
profile_literal(struct pattern *pt)
{
	const char *re = pt->source;
	size_t i = 0, len = 0, best_len = 0, n = strlen(re);
	char runbuf[256], bestbuf[256];
	char *run = n < sizeof runbuf ? runbuf : xmalloc(n + 1);
	char *best = n < sizeof bestbuf ? bestbuf : xmalloc(n + 1);
	int anchored = 0, first = 1, best_at_start = 0, plain = 1, at_end = 0;

	pt->literal = NULL;
	pt->literal_len = 0;
	pt->literal_at_start = pt->literal_at_end = pt->trivial = 0;
	pt->rare = 0;
	if (profile_top_alternation(re)) {
		if (run != runbuf)
			free(run);
		if (best != bestbuf)
			free(best);
		return;
	}
	if (re[0] == '^') {
		anchored = 1;
		i = 1;
	}
#define RUN_END() do { \
	if (len > best_len) { \
		memcpy(best, run, len); \
		best_len = len; \
		best_at_start = anchored && first; \
	} \
	len = 0; \
	first = 0; \
} while (0)
	while (re[i] != '\0') {
		char c = re[i];

		if (c == '\\' && re[i + 1] != '\0') {
			char d = re[i + 1];

			if ((d >= 'a' && d <= 'z') || (d >= 'A' && d <= 'Z') || (d >= '0' && d <= '9')) {
				RUN_END(); /* \w, \b, \1...: not a literal */
				plain = 0;
			} else if (re[i + 2] == '*' || re[i + 2] == '?' || re[i + 2] == '{') {
				RUN_END();
				plain = 0;
			} else
				run[len++] = d;
			i += 2;
			continue;
		}
		switch (c) {
		case '[':
			RUN_END();
			plain = 0;
			i = profile_skip_bracket(re, i);
			continue;
		case '(':
			RUN_END();
			plain = 0;
			i = profile_skip_group(re, i);
			continue;
		case '$':
			if (re[i + 1] == '\0' && plain) {
				at_end = 1; /* "^lit$", "lit$": still a plain literal */
				i++;
				continue;
			}
			/* FALLTHROUGH */
		case '.': case '^':
			RUN_END();
			plain = 0;
			i++;
			continue;
		case '*': case '?': case '{':
			profile_run_drop_last(run, &len);
			RUN_END();
			plain = 0;
			if (c == '{') {
				while (re[i] != '\0' && re[i] != '}')
					i++;
			}
			if (re[i] != '\0')
				i++;
			continue;
		case '+':
			RUN_END();
			plain = 0;
			i++;
			continue;
		}
		/* A character followed by a quantifier that allows zero is not required. */
		run[len++] = c;
		i++;
	}
	RUN_END();
#undef RUN_END
	if (best_len > 0) {
		pt->literal = xstrndup(best, best_len);
		pt->literal_len = best_len;
		pt->literal_at_start = best_at_start;
		pt->trivial = plain;
		pt->literal_at_end = plain && at_end;
		if (at_end && !plain) /* not reached: a '$' inside makes it not plain */
			pt->trivial = 0;
		pt->rare = profile_rare_byte(pt->literal, pt->literal_len);
	}
	if (run != runbuf)
		free(run);
	if (best != bestbuf)
		free(best);
	/* A pattern that ends the line: which last bytes can match at all. */
	pt->has_last = 0;
	if (!pt->literal_at_end && n >= 2 && re[n - 1] == '$' && re[n - 2] != '\\') {
		memset(pt->last, 0, sizeof pt->last);
		if (profile_last_bytes(re, re[0] == '^' ? 1 : 0, n - 1, pt->last) == 0)
			pt->has_last = 1;
	}
}

static int profile_compile(struct pattern *, char **);

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
profile_byte_safe(const char *re)
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
			end = profile_skip_bracket(re, i);
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

int
profile_pattern_init(struct pattern *pt, const char *source, char **why)
{
	memset(pt, 0, sizeof *pt);
	pt->source = xstrdup(source);
	profile_literal(pt);
	return profile_compile(pt, why);
}

void
profile_pattern_free(struct pattern *pt)
{
	free(pt->source);
	free(pt->label);
	free(pt->literal);
	if (pt->compiled == 1)
		regfree(&pt->re);
	memset(pt, 0, sizeof *pt);
}

static int
profile_compile(struct pattern *pt, char **why)
{
	char msg[256];
	int rc;

	if (pt->compiled != 0)
		return pt->compiled == 1 ? 0 : -1;
	if (!profile_byte_safe(pt->source))
		capture_locale();
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
profile_match(struct pattern *pt, const char *s, size_t len)
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
		} else if (!profile_find_literal(pt, s, len))
			return 0;
		if (pt->trivial)
			return 1;
	}
	if (pt->compiled != 1 && profile_compile(pt, NULL) != 0)
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

static int
profile_region_parse(const char *text, struct region *r)
{
	static const struct {
		const char *name;
		enum region_kind kind;
		int n; /* 0: no count, 1: count optional, 2: count required */
	} names[] = {
		{ "screen", REGION_SCREEN, 0 },
		{ "last", REGION_LAST, 2 },
		{ "cursor", REGION_CURSOR, 0 },
		{ "input", REGION_INPUT, 0 },
		{ "footer", REGION_FOOTER, 1 },
		{ "transcript", REGION_TRANSCRIPT, 1 },
	};
	const char *colon = strchr(text, ':');
	size_t len = colon != NULL ? (size_t)(colon - text) : strlen(text), i;
	char *end;
	long n = 0;

	for (i = 0; i < sizeof names / sizeof names[0]; i++) {
		if (strlen(names[i].name) != len || strncmp(names[i].name, text, len) != 0)
			continue;
		if (colon != NULL) {
			if (names[i].n == 0)
				return -1;
			errno = 0;
			n = strtol(colon + 1, &end, 10);
			if (errno != 0 || end == colon + 1 || *end != '\0' || n < 1 || n > 100000)
				return -1;
		} else if (names[i].n == 2)
			return -1;
		r->kind = names[i].kind;
		r->n = (int)n;
		return 0;
	}
	return -1;
}

static int profile_strings(const cJSON *, char ***, size_t *);

/* Where a profile error is, built only when there is one. */
struct profile_at {
	const char *profile;
	const char *list;
	long index; /* -1: the list itself */
};

static void __attribute__((format(printf, 3, 4)))
profile_why(char **why, const struct profile_at *at, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	xvasprintf(&msg, fmt, ap);
	va_end(ap);
	if (at->index >= 0)
		xasprintf(why, "profile \"%s\": %s[%ld]: %s", at->profile, at->list, at->index, msg);
	else
		xasprintf(why, "profile \"%s\": %s: %s", at->profile, at->list, msg);
	free(msg);
}

static int
profile_pattern_parse(struct pattern *pt, const cJSON *item, struct region def, int regions,
    const struct profile_at *at, char **why)
{
	const cJSON *k;

	memset(pt, 0, sizeof *pt);
	pt->region = def;
	if (cJSON_IsString(item)) {
		pt->source = xstrdup(item->valuestring);
	} else if (cJSON_IsObject(item)) {
		cJSON_ArrayForEach(k, item) {
			if (strcmp(k->string, "match") == 0 && cJSON_IsString(k)) {
				free(pt->source);
				pt->source = xstrdup(k->valuestring);
			} else if (strcmp(k->string, "label") == 0 && cJSON_IsString(k)) {
				free(pt->label);
				pt->label = xstrdup(k->valuestring);
			} else if (strcmp(k->string, "commands") == 0) {
				if (pt->commands != NULL ||
				    profile_strings(k, &pt->commands, &pt->ncommands) != 0) {
					profile_why(why, at, "commands: expected an array of strings");
					return -1;
				}
			} else if (strcmp(k->string, "region") == 0 && cJSON_IsString(k) && regions) {
				if (profile_region_parse(k->valuestring, &pt->region) != 0) {
					profile_why(why, at, "unknown region \"%s\" (screen, last:N, "
					    "cursor, input, footer[:N], transcript[:N])", k->valuestring);
					return -1;
				}
			} else if (k->string[0] != '_') {
				profile_why(why, at, "unexpected \"%s\" (a pattern is a string or "
				    "{\"match\", \"region\", \"label\", \"commands\"}%s)", k->string,
				    regions ? "" : "; this list takes no region");
				return -1;
			}
		}
		if (pt->source == NULL) {
			profile_why(why, at, "a pattern object needs \"match\"");
			return -1;
		}
	} else {
		profile_why(why, at, "a pattern is a string or an object");
		return -1;
	}
	if (*pt->source == '\0') {
		profile_why(why, at, "empty pattern");
		return -1;
	}
	profile_literal(pt);
	return 0;
}

/* A list is [pattern...] or {"region": R, "patterns": [pattern...]}. */
static int
profile_list_parse(struct pattern_list *list, const cJSON *val, struct region def,
    int regions, struct profile_at *at, char **why)
{
	const cJSON *arr = val, *k, *item;
	size_t i;

	at->index = -1;
	if (cJSON_IsObject(val)) {
		arr = NULL;
		cJSON_ArrayForEach(k, val) {
			if (strcmp(k->string, "patterns") == 0)
				arr = k;
			else if (strcmp(k->string, "region") == 0 && cJSON_IsString(k) && regions) {
				if (profile_region_parse(k->valuestring, &def) != 0) {
					profile_why(why, at, "unknown region \"%s\"", k->valuestring);
					return -1;
				}
			} else if (k->string[0] != '_') {
				profile_why(why, at, "unexpected \"%s\" (expected \"patterns\"%s)",
				    k->string, regions ? " and \"region\"" : "");
				return -1;
			}
		}
		if (arr == NULL) {
			profile_why(why, at, "needs \"patterns\"");
			return -1;
		}
	}
	if (!cJSON_IsArray(arr)) {
		profile_why(why, at, "expected an array of patterns");
		return -1;
	}
	list->n = (size_t)cJSON_GetArraySize(arr);
	list->v = xcalloc(list->n, sizeof *list->v);
	i = 0;
	cJSON_ArrayForEach(item, arr) {
		at->index = (long)i;
		if (profile_pattern_parse(&list->v[i], item, def, regions, at, why) != 0) {
			list->n = i + 1; /* the failed one too: profile_free frees what it holds */
			return -1;
		}
		i++;
	}
	return 0;
}

static int
profile_strings(const cJSON *val, char ***out, size_t *n)
{
	const cJSON *item;

	if (!cJSON_IsArray(val))
		return -1;
	cJSON_ArrayForEach(item, val) {
		if (!cJSON_IsString(item))
			return -1;
	}
	*n = (size_t)cJSON_GetArraySize(val);
	*out = xcalloc(*n, sizeof **out);
	*n = 0;
	cJSON_ArrayForEach(item, val)
		(*out)[(*n)++] = xstrdup(item->valuestring);
	return 0;
}

/* Builds a profile from its JSON definition; with CHECK, compiles every pattern now. */
static struct profile *
profile_parse(const char *name, const cJSON *def, const char *source, int check, char **why)
{
	struct profile *p = xcalloc(1, sizeof *p);
	const cJSON *k;
	struct region def_region;
	struct profile_at at;
	size_t i;
	int l, regions;

	p->name = xstrdup(name);
	p->source = xstrdup(source);
	p->json = (cJSON *)def;
	if (!cJSON_IsObject(def)) {
		xasprintf(why, "profile \"%s\": expected an object", name);
		goto fail;
	}
	cJSON_ArrayForEach(k, def) {
		for (l = 0; l < PL_NLISTS; l++) {
			if (strcmp(k->string, profile_list_names[l]) == 0)
				break;
		}
		if (l < PL_NLISTS) {
			if (l == PL_INPUT && cJSON_IsString(k) &&
			    strcmp(k->valuestring, "cursor") == 0) {
				p->input_cursor = 1;
				continue;
			}
			def_region.kind = l == PL_EXITED ? REGION_CURSOR :
			    l == PL_IDLE || l == PL_TYPED ? REGION_INPUT :
			    l == PL_PROMPT || l == PL_DONE ? REGION_TRANSCRIPT : REGION_SCREEN;
			def_region.n = 0;
			regions = l != PL_IDLE && l != PL_TYPED && l != PL_PROMPT && l != PL_DONE;
			at.profile = name;
			at.list = k->string;
			if (profile_list_parse(&p->lists[l], k, def_region, regions, &at, why))
				goto fail;
		} else if (strcmp(k->string, "description") == 0 && cJSON_IsString(k)) {
			free(p->description);
			p->description = xstrdup(k->valuestring);
		} else if (strcmp(k->string, "commands") == 0) {
			if (profile_strings(k, &p->commands, &p->ncommands) != 0) {
				xasprintf(why, "profile \"%s\": commands: expected an array of strings",
				    name);
				goto fail;
			}
		} else if (strcmp(k->string, "foreground") == 0 && cJSON_IsBool(k)) {
			p->foreground = cJSON_IsTrue(k);
		} else if (strcmp(k->string, "open") == 0 && cJSON_IsString(k) &&
		    (strcmp(k->valuestring, "busy") == 0 || strcmp(k->valuestring, "unknown") == 0)) {
			p->open_busy = strcmp(k->valuestring, "busy") == 0;
		} else if (k->string[0] != '_') {
			xasprintf(why, "profile \"%s\": unexpected \"%s\" (expected description, "
			    "commands, foreground, input, detect, exited, waiting, busy, view, idle, typed, "
			    "require, prompt, done, fresh, open; \"open\" is \"busy\" or \"unknown\")",
			    name, k->string);
			goto fail;
		}
	}
	if (check) {
		for (l = 0; l < PL_NLISTS; l++) {
			for (i = 0; i < p->lists[l].n; i++) {
				char *msg;

				if (profile_compile(&p->lists[l].v[i], &msg) != 0) {
					xasprintf(why, "profile \"%s\": %s[%zu]: %s", name,
					    profile_list_names[l], i, msg);
					free(msg);
					goto fail;
				}
			}
		}
	}
	return p;
fail:
	profile_free(p);
	return NULL;
}

/* Line and column (1-based) of a byte offset, for parse errors. */
static void
profile_position(const char *text, size_t off, int *line, int *col)
{
	size_t i;

	*line = 1;
	*col = 1;
	for (i = 0; i < off && text[i] != '\0'; i++) {
		if (text[i] == '\n') {
			(*line)++;
			*col = 1;
		} else if (((unsigned char)text[i] & 0xc0) != 0x80)
			(*col)++;
	}
}

char *
profile_user_path(const char *state_dir)
{
	const char *env = getenv("TMUX_DISPATCH_PROFILES");
	char *path;

	if (env != NULL && *env != '\0')
		return xstrdup(env);
	if (state_dir == NULL || *state_dir == '\0')
		state_dir = ".";
	xasprintf(&path, "%s/%s", state_dir, PROFILE_USER_FILE);
	return path;
}

/* Reads the user's file; *text is NULL if it does not exist and need not. */
static int
profile_read_user(const char *path, int must_exist, char **text)
{
	FILE *f;
	size_t len;
	int rc;

	*text = NULL;
	if ((f = fopen(path, "r")) == NULL) {
		if (errno == ENOENT && !must_exist)
			return 0;
		return td_error(TD_EXIT_FAIL, "%s: %s", path, strerror(errno));
	}
	rc = file_read(f, PROFILE_MAX_FILE, text, &len);
	fclose(f);
	if (rc == FILE_TOO_LARGE)
		return td_error(TD_EXIT_INVALID, "%s: larger than %d bytes", path, PROFILE_MAX_FILE);
	if (rc != 0)
		return td_error(TD_EXIT_FAIL, "%s: read error", path);
	return 0;
}

static cJSON *
profile_parse_text(const char *text, const char *source)
{
	const char *end = NULL;
	cJSON *root;
	int line, col;

	root = cJSON_ParseWithOpts(text, &end, 1);
	if (root == NULL) {
		if (end == NULL)
			end = cJSON_GetErrorPtr();
		profile_position(text, end != NULL ? (size_t)(end - text) : 0, &line, &col);
		td_error(TD_EXIT_INVALID, "%s:%d:%d: invalid JSON", source, line, col);
		return NULL;
	}
	if (!cJSON_IsObject(root)) {
		td_error(TD_EXIT_INVALID, "%s:1:1: expected an object of profiles by name", source);
		cJSON_Delete(root);
		return NULL;
	}
	return root;
}

static void
profile_set_add(struct profile_set *set, struct profile *p)
{
	size_t i;

	for (i = 0; i < set->n; i++) {
		if (strcmp(set->v[i]->name, p->name) == 0) {
			profile_free(set->v[i]);
			set->v[i] = p;
			return;
		}
	}
	set->v = xreallocarray(set->v, set->n + 1, sizeof *set->v);
	set->v[set->n++] = p;
}

/* Fills a set from a root object; returns -1 after reporting the first bad profile. */
static int
profile_set_fill(struct profile_set *set, cJSON *root, const char *source, int user)
{
	struct profile *p;
	cJSON *def;
	char *why = NULL;

	cJSON_ArrayForEach(def, root) {
		if (def->string[0] == '_' || def->string[0] == '$')
			continue; /* comments, "$schema" */
		if (strcmp(def->string, "auto") == 0) {
			td_error(TD_EXIT_INVALID, "%s: \"auto\" is reserved: it picks one of the "
			    "other profiles", source);
			return -1;
		}
		if ((p = profile_parse(def->string, def, user ? source : "built-in", user,
		    &why)) == NULL) {
			td_error(TD_EXIT_INVALID, "%s: %s", source, why);
			free(why);
			return -1;
		}
		profile_set_add(set, p);
	}
	return 0;
}

static void
profile_set_auto(struct profile_set *set)
{
	struct profile *a = xcalloc(1, sizeof *a);
	size_t i;

	a->name = xstrdup("auto");
	a->source = xstrdup("built-in");
	a->description = xstrdup("recognises the program from the screen and the foreground "
	    "command, then uses its profile");
	a->is_auto = 1;
	a->candidates = xcalloc(set->n + 1, sizeof *a->candidates);
	for (i = 0; i < set->n; i++) {
		if (strcmp(set->v[i]->name, "shell") == 0)
			a->shell = set->v[i];
		else if (set->v[i]->lists[PL_DETECT].n != 0 || set->v[i]->ncommands != 0)
			a->candidates[a->ncandidates++] = set->v[i];
	}
	set->autop = a;
}

static struct profile_set *
profile_load(const char *state_dir)
{
	struct profile_set *set;
	char *path, *text;
	int explicit;

	path = profile_user_path(state_dir);
	for (set = profile_sets; set != NULL; set = set->next) {
		if (strcmp(set->user_path, path) == 0) {
			free(path);
			return set;
		}
	}
	explicit = getenv("TMUX_DISPATCH_PROFILES") != NULL &&
	    *getenv("TMUX_DISPATCH_PROFILES") != '\0';
	if ((profile_status = profile_read_user(path, explicit, &text)) != 0) {
		free(path);
		return NULL;
	}
	set = xcalloc(1, sizeof *set);
	set->user_path = path;
	set->builtin_root = profile_parse_text(profiles_builtin_json, "built-in profiles");
	if (set->builtin_root == NULL ||
	    profile_set_fill(set, set->builtin_root, "built-in profiles", 0) != 0)
		goto fail;
	if (text != NULL) {
		if ((set->user_root = profile_parse_text(text, path)) == NULL ||
		    profile_set_fill(set, set->user_root, path, 1) != 0)
			goto fail;
	}
	free(text);
	profile_set_auto(set);
	set->next = profile_sets;
	profile_sets = set;
	return set;
fail:
	profile_status = TD_EXIT_INVALID;
	free(text);
	set->next = profile_sets; /* freed with the others by profile_free_all */
	profile_sets = set;
	set->user_path[0] = '\0'; /* never found again: the next lookup retries */
	return NULL;
}

const struct profile *
profile_get(const char *name, const char *state_dir)
{
	struct profile_set *set;
	size_t i;

	if ((set = profile_load(state_dir)) == NULL)
		return NULL;
	if (strcmp(name, "auto") == 0)
		return set->autop;
	for (i = 0; i < set->n; i++) {
		if (strcmp(set->v[i]->name, name) == 0)
			return set->v[i];
	}
	profile_status = td_error(TD_EXIT_NOTFOUND, "no profile '%s' (see tmux-dispatch "
	    "profiles ls)", name);
	return NULL;
}

const struct profile *const *
profile_all(const char *state_dir, size_t *n)
{
	struct profile_set *set;

	if ((set = profile_load(state_dir)) == NULL)
		return NULL;
	*n = set->n;
	return (const struct profile *const *)set->v;
}

static int
profile_in(char *const *list, size_t n, const char *name)
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
profile_has_command(const struct profile *p, const char *name)
{
	return profile_in(p->commands, p->ncommands, name);
}

int
profile_pattern_applies(const struct pattern *pt, const char *command)
{
	if (pt->commands == NULL)
		return 1;
	return command != NULL && profile_in(pt->commands, pt->ncommands, command);
}
