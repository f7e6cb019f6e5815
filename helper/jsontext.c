/*
 * JSON text in one pass (jsontext.h). It replaces cJSON_Print followed by a pass that
 * rewrote its tabs and a walk that marked kept number texts for it: at 10,000 items those
 * three cost a quarter of a check. The layout rules are cJSON's (print_object, print_array):
 * an object's members one a line, indented one level deeper than the object; an array on one
 * line, ", " between its elements, each element one level deeper for the objects in it.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "jsontext.h"
#include "tmux-dispatch.h"

struct jsontext {
	char *p;
	size_t len, cap;
};

/* Room for N more bytes and the final NUL: one comparison on the way, the rest rare. */
static inline char *
jsontext_room(struct jsontext *b, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		b->p = xrealloc(b->p, b->cap);
	}
	return b->p + b->len;
}

/* Inlined, so that the constant lengths of most calls become plain stores. */
static inline void
jsontext_put(struct jsontext *b, const void *s, size_t n)
{
	memcpy(jsontext_room(b, n), s, n);
	b->len += n;
}

static void
jsontext_indent(struct jsontext *b, size_t depth)
{
	memset(jsontext_room(b, 2 * depth), ' ', 2 * depth);
	b->len += 2 * depth;
}

/* cJSON's escapes: the short ones, other control characters as \u00XX, the rest as is. */
static void
jsontext_escape(struct jsontext *b, unsigned char c)
{
	static const char hex[] = "0123456789abcdef";
	char e[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] };

	switch (c) {
	case '"': jsontext_put(b, "\\\"", 2); break;
	case '\\': jsontext_put(b, "\\\\", 2); break;
	case '\b': jsontext_put(b, "\\b", 2); break;
	case '\f': jsontext_put(b, "\\f", 2); break;
	case '\n': jsontext_put(b, "\\n", 2); break;
	case '\r': jsontext_put(b, "\\r", 2); break;
	case '\t': jsontext_put(b, "\\t", 2); break;
	default: jsontext_put(b, e, sizeof e); break;
	}
}

/* Bytes a string holds as they are: not a control character, '"', '\\' or the final NUL. */
#define JSONTEXT_ROW(x) x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x
static const unsigned char jsontext_plain[256] = {
	JSONTEXT_ROW(0), JSONTEXT_ROW(0),
	1, 1, 0 /* " */, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	JSONTEXT_ROW(1), JSONTEXT_ROW(1),
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0 /* \\ */, 1, 1, 1,
	JSONTEXT_ROW(1), JSONTEXT_ROW(1), JSONTEXT_ROW(1), JSONTEXT_ROW(1), JSONTEXT_ROW(1),
	JSONTEXT_ROW(1), JSONTEXT_ROW(1), JSONTEXT_ROW(1), JSONTEXT_ROW(1), JSONTEXT_ROW(1),
};

/* A string, copied in runs between the bytes that need an escape. */
static void
jsontext_string(struct jsontext *b, const char *s)
{
	const unsigned char *p, *run;

	if (s == NULL) {
		jsontext_put(b, "\"\"", 2);
		return;
	}
	jsontext_put(b, "\"", 1);
	for (p = run = (const unsigned char *)s;; p++) {
		/* Four bytes a step; && stops at the first that is not plain, never past the NUL. */
		while (jsontext_plain[p[0]] && jsontext_plain[p[1]] && jsontext_plain[p[2]] &&
		    jsontext_plain[p[3]])
			p += 4;
		while (jsontext_plain[*p])
			p++;
		jsontext_put(b, run, (size_t)(p - run));
		if (*p == '\0')
			break;
		jsontext_escape(b, *p);
		run = p + 1;
	}
	jsontext_put(b, "\"", 1);
}

/* The double a kept number text reads as: up to 15 digits are exact without strtod. */
static double
jsontext_text_value(const char *text)
{
	const char *p = text + (*text == '-');
	double v = 0;
	size_t n;

	for (n = 0; p[n] >= '0' && p[n] <= '9'; n++)
		v = v * 10 + (p[n] - '0');
	if (p[n] != '\0' || n == 0 || n > 15)
		return strtod(text, NULL);
	return *text == '-' ? -v : v;
}

/*
 * A number: its kept text while it still matches; a whole number of up to nine digits in
 * digits (what every cJSON prints for it); anything else as cJSON prints it, so the rules for
 * fractions, -0 and the rest stay the library's.
 */
static void
jsontext_number(struct jsontext *b, const cJSON *item)
{
	double d = item->valuedouble, a = fabs(d);
	char digits[16], *o = digits + sizeof digits, *text;
	unsigned long u;

	if (item->valuestring != NULL && jsontext_text_value(item->valuestring) == d) {
		jsontext_put(b, item->valuestring, strlen(item->valuestring));
		return;
	}
	if (a < 1e9 && floor(a) == a && (d != 0 || !signbit(d))) {
		u = (unsigned long)a;
		do
			*--o = (char)('0' + u % 10);
		while ((u /= 10) != 0);
		if (d < 0)
			*--o = '-';
		jsontext_put(b, o, (size_t)(digits + sizeof digits - o));
		return;
	}
	if ((text = cJSON_PrintUnformatted(item)) == NULL)
		fatal("out of memory");
	jsontext_put(b, text, strlen(text));
	cJSON_free(text);
}

static void jsontext_value(struct jsontext *, const cJSON *, size_t);

static void
jsontext_object(struct jsontext *b, const cJSON *obj, size_t depth)
{
	const cJSON *m;

	jsontext_put(b, "{\n", 2);
	for (m = obj->child; m != NULL; m = m->next) {
		jsontext_indent(b, depth);
		jsontext_string(b, m->string);
		jsontext_put(b, ": ", 2);
		jsontext_value(b, m, depth);
		jsontext_put(b, m->next != NULL ? ",\n" : "\n", m->next != NULL ? 2 : 1);
	}
	jsontext_indent(b, depth - 1);
	jsontext_put(b, "}", 1);
}

static void
jsontext_array(struct jsontext *b, const cJSON *arr, size_t depth)
{
	const cJSON *e;

	jsontext_put(b, "[", 1);
	for (e = arr->child; e != NULL; e = e->next) {
		jsontext_value(b, e, depth);
		if (e->next != NULL)
			jsontext_put(b, ", ", 2);
	}
	jsontext_put(b, "]", 1);
}

/* ITEM inside DEPTH levels of objects and arrays. */
static void
jsontext_value(struct jsontext *b, const cJSON *item, size_t depth)
{
	switch (item->type & 0xff) {
	case cJSON_NULL: jsontext_put(b, "null", 4); break;
	case cJSON_False: jsontext_put(b, "false", 5); break;
	case cJSON_True: jsontext_put(b, "true", 4); break;
	case cJSON_Number: jsontext_number(b, item); break;
	case cJSON_String: jsontext_string(b, item->valuestring); break;
	case cJSON_Array: jsontext_array(b, item, depth + 1); break;
	case cJSON_Object: jsontext_object(b, item, depth + 1); break;
	case cJSON_Raw:
		if (item->valuestring == NULL)
			fatal("a raw JSON value without its text");
		jsontext_put(b, item->valuestring, strlen(item->valuestring));
		break;
	default:
		fatal("a JSON value of unknown type %d", item->type & 0xff);
	}
}

char *
jsontext_print(const cJSON *json)
{
	struct jsontext b = { NULL, 0, 0 };

	jsontext_room(&b, 4096);
	jsontext_value(&b, json, 0);
	b.p[b.len] = '\0';
	return b.p;
}
