/*
 * Reading ghost text (ghost.h). A line of capture-pane -e is characters and SGR sequences
 * (tmux emits only those, plus OSC 8 hyperlinks); the attributes in force at each character
 * say whether it is ghost text, a cursor the agent draws, or neither.
 */
#include <stdlib.h>
#include <string.h>

#include "ghost.h"
#include "tmux-dispatch.h"

#define GHOST_SGR_MAX 32 /* bytes of one SGR entry ("38;2;255;255;255" is 16) */

/* The attributes that matter: on/off ones by number (1 bold ... 9 strike), and the colour. */
struct ghost_attr {
	char on[10];
	char fg[GHOST_SGR_MAX];
};

static void
ghost_strings_free(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void
ghost_spec_free(struct ghost_spec *g)
{
	ghost_strings_free(g->ghost, g->nghost);
	ghost_strings_free(g->cursor, g->ncursor);
	memset(g, 0, sizeof *g);
}

/* An SGR entry: digits separated by single ';', short enough to compare. */
static int
ghost_sgr_valid(const char *s)
{
	size_t i, n = strlen(s);

	if (n == 0 || n >= GHOST_SGR_MAX || s[0] == ';' || s[n - 1] == ';')
		return 0;
	for (i = 0; i < n; i++) {
		if (!(s[i] >= '0' && s[i] <= '9') && !(s[i] == ';' && s[i + 1] != ';'))
			return 0;
	}
	return 1;
}

static int
ghost_list_parse(const cJSON *v, char ***out, size_t *n)
{
	const cJSON *e;

	if (!cJSON_IsArray(v) || *out != NULL)
		return -1;
	cJSON_ArrayForEach(e, v) {
		if (!cJSON_IsString(e) || !ghost_sgr_valid(e->valuestring))
			return -1;
	}
	*out = xcalloc((size_t)cJSON_GetArraySize(v) + 1, sizeof **out);
	cJSON_ArrayForEach(e, v)
		(*out)[(*n)++] = xstrdup(e->valuestring);
	return 0;
}

int
ghost_spec_parse(struct ghost_spec *g, const cJSON *k, const char *pname, char **why)
{
	const cJSON *e;
	int bad = !cJSON_IsObject(k) || g->nghost != 0;

	for (e = bad ? NULL : k->child; e != NULL; e = e->next) {
		if (strcmp(e->string, "ghost") == 0)
			bad = ghost_list_parse(e, &g->ghost, &g->nghost) != 0;
		else if (strcmp(e->string, "cursor") == 0)
			bad = ghost_list_parse(e, &g->cursor, &g->ncursor) != 0;
		else
			bad = e->string[0] != '_';
		if (bad)
			break;
	}
	if (!bad && g->nghost != 0)
		return 0;
	xasprintf(why, "profile \"%s\": suggestion: expected {\"ghost\": [SGR...], \"cursor\": "
	    "[SGR...]} with at least one ghost SGR (SGR parameters as in capture-pane -e, e.g. "
	    "\"2\", \"90\", \"38;5;8\")", pname);
	return -1;
}

/* Reads a number of an SGR sequence at *P (before END); -1 when there is none. */
static long
ghost_number(const char **p, const char *end)
{
	long v = -1;

	while (*p < end && **p >= '0' && **p <= '9') {
		v = (v < 0 ? 0 : v * 10) + (**p - '0');
		if (v > 99999)
			v = 99999;
		(*p)++;
	}
	if (*p < end && (**p == ';' || **p == ':'))
		(*p)++;
	return v;
}

/* A 38 (or 48) colour: 5;N or 2;R;G;B; written into FG (when not NULL) as tmux wrote it. */
static void
ghost_colour(const char **p, const char *end, char *fg)
{
	long kind = ghost_number(p, end), a, b, c;

	if (kind == 5) {
		a = ghost_number(p, end);
		if (fg != NULL)
			snprintf(fg, GHOST_SGR_MAX, "38;5;%ld", a);
	} else if (kind == 2) {
		a = ghost_number(p, end);
		b = ghost_number(p, end);
		c = ghost_number(p, end);
		if (fg != NULL)
			snprintf(fg, GHOST_SGR_MAX, "38;2;%ld;%ld;%ld", a, b, c);
	}
}

/* Applies the parameters of one SGR sequence, [P, END). */
static void
ghost_sgr(struct ghost_attr *a, const char *p, const char *end)
{
	const char *at;
	long n;

	if (p == end)
		memset(a, 0, sizeof *a);
	while (p < end) {
		at = p;
		if ((n = ghost_number(&p, end)) < 0 && p == at) {
			p++; /* not a parameter (a private marker): skipped */
			continue;
		}
		if (n <= 0)
			memset(a, 0, sizeof *a);
		else if (n <= 9)
			a->on[n] = 1;
		else if (n == 22)
			a->on[1] = a->on[2] = 0;
		else if (n >= 21 && n <= 29)
			a->on[n - 20] = 0;
		else if ((n >= 30 && n <= 37) || (n >= 90 && n <= 97))
			snprintf(a->fg, sizeof a->fg, "%ld", n);
		else if (n == 39)
			a->fg[0] = '\0';
		else if (n == 38 || n == 48)
			ghost_colour(&p, end, n == 38 ? a->fg : NULL);
	}
}

/* Whether the attributes match one of LIST: an on/off attribute by number, else the colour. */
static int
ghost_matches(const struct ghost_attr *a, char *const *list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (list[i][1] == '\0' && list[i][0] >= '1' && list[i][0] <= '9') {
			if (a->on[list[i][0] - '0'])
				return 1;
		} else if (strcmp(a->fg, list[i]) == 0)
			return 1;
	}
	return 0;
}

/* Skips the escape sequence at LINE[*I] (an ESC), applying it when it is an SGR. */
static void
ghost_escape(struct ghost_attr *a, const char *line, size_t len, size_t *i)
{
	size_t j = *i + 1, from;

	if (j < len && line[j] == '[') {
		from = ++j;
		while (j < len && !((unsigned char)line[j] >= 0x40 && (unsigned char)line[j] <= 0x7e))
			j++;
		if (j < len && line[j] == 'm')
			ghost_sgr(a, line + from, line + j);
		*i = j < len ? j + 1 : len;
	} else if (j < len && line[j] == ']') {
		/* OSC (a hyperlink): up to BEL or ST. */
		while (j < len && line[j] != '\a' && !(line[j] == '\033' && j + 1 < len &&
		    line[j + 1] == '\\'))
			j++;
		*i = j >= len ? len : j + (line[j] == '\a' ? 1 : 2);
	} else
		*i = j < len ? j + 1 : len;
}

static void
ghost_add(char **s, size_t *n, size_t *cap, const char *p, size_t len)
{
	if (*n + len + 1 > *cap) {
		*cap = (*n + len + 1) * 2;
		*s = xrealloc(*s, *cap);
	}
	memcpy(*s + *n, p, len);
	*n += len;
	(*s)[*n] = '\0';
}

void
ghost_split(const struct ghost_spec *g, const char *line, size_t len, struct ghost_split *out)
{
	struct ghost_attr a = { { 0 }, "" };
	size_t i = 0, n, cap[3] = { 1, 1, 1 }, cursor = 0;
	const char *held = NULL;

	memset(out, 0, sizeof *out);
	out->text = xcalloc(1, 1);
	out->kept = xcalloc(1, 1);
	out->ghost = xcalloc(1, 1);
	while (i < len) {
		if (line[i] == '\033') {
			ghost_escape(&a, line, len, &i);
			continue;
		}
		for (n = 1; i + n < len && ((unsigned char)line[i + n] & 0xc0) == 0x80; n++)
			;
		ghost_add(&out->text, &out->text_len, &cap[0], line + i, n);
		/* The agent's cursor cell counts with what follows it: ghost text or not. */
		if (held != NULL && ghost_matches(&a, g->ghost, g->nghost))
			ghost_add(&out->ghost, &out->ghost_len, &cap[2], held, cursor);
		else if (held != NULL)
			ghost_add(&out->kept, &out->kept_len, &cap[1], held, cursor);
		held = NULL;
		if (g->ncursor != 0 && ghost_matches(&a, g->cursor, g->ncursor)) {
			held = line + i;
			cursor = n;
		} else if (ghost_matches(&a, g->ghost, g->nghost))
			ghost_add(&out->ghost, &out->ghost_len, &cap[2], line + i, n);
		else
			ghost_add(&out->kept, &out->kept_len, &cap[1], line + i, n);
		i += n;
	}
	if (held != NULL)
		ghost_add(&out->kept, &out->kept_len, &cap[1], held, cursor);
}

void
ghost_split_free(struct ghost_split *s)
{
	free(s->text);
	free(s->kept);
	free(s->ghost);
	memset(s, 0, sizeof *s);
}
