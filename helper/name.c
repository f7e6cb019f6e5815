/* Names and text from outside: what a terminal name, a target, an id and a command may hold. */
#include <string.h>

#include "name.h"

#define NAME_MAX_LEN 64

int
name_valid(const char *name)
{
	size_t len;
	char c;

	/* A loop, not strspn: with a 65-byte set it builds a table each call, once per item
	 * assignedTo when a large state is loaded. */
	for (len = 0; (c = name[len]) != '\0'; len++) {
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '.' || c == '_' || c == '-') || len == NAME_MAX_LEN)
			return 0;
	}
	return len > 0;
}

int
name_digits(const char *s, size_t len)
{
	return len > 0 && strspn(s, "0123456789") >= len;
}

/*
 * Shapes only: %N, @N, or SESSION:WINDOW[.PANE]. Targets reach tmux as argv elements, so one
 * ending in ';' (which would end the tmux command) or starting with '-' (an option) is refused.
 */
int
name_valid_target(const char *t)
{
	const char *colon, *dot, *p;
	size_t len = strlen(t);

	if (len == 0 || len > 256 || t[0] == '-' || t[len - 1] == ';')
		return 0;
	for (p = t; *p != '\0'; p++) {
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return 0;
	}
	if (t[0] == '%' || t[0] == '@')
		return name_digits(t + 1, len - 1);
	if ((colon = strchr(t, ':')) == NULL || colon == t || strchr(colon + 1, ':') != NULL)
		return 0;
	if (memchr(t, '.', (size_t)(colon - t)) != NULL)
		return 0;
	if ((dot = strchr(colon + 1, '.')) == NULL)
		return 1;
	return dot > colon + 1 && name_digits(dot + 1, strlen(dot + 1));
}

/* Length of the UTF-8 sequence at s, or 0 if it is not valid (overlong, surrogate, > U+10FFFF). */
static size_t
name_utf8_len(const unsigned char *s)
{
	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		return (s[1] & 0xc0) == 0x80 ? 2 : 0;
	if (s[0] >= 0xe0 && s[0] <= 0xef) {
		if ((s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80)
			return 0;
		if ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] > 0x9f))
			return 0;
		return 3;
	}
	if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		if ((s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80 || (s[3] & 0xc0) != 0x80)
			return 0;
		if ((s[0] == 0xf0 && s[1] < 0x90) || (s[0] == 0xf4 && s[1] > 0x8f))
			return 0;
		return 4;
	}
	return 0;
}

/*
 * NULL if TEXT is valid UTF-8 without control characters (C0, DEL, C1) other than those in
 * ALLOW, else why not. Such bytes could drive a terminal: ESC ends a bracketed paste early or
 * starts a sequence, C1 controls act as ESC sequences in some terminals, CR submits.
 */
const char *
name_text_error(const char *text, const char *allow)
{
	const unsigned char *s = (const unsigned char *)text;
	size_t len;

	while (*s != '\0') {
		if ((*s < 0x20 && strchr(allow, *s) == NULL) || *s == 0x7f)
			return *allow != '\0' ? "contains a control character (only newline and "
			    "tab are allowed)" : "contains a control character";
		if ((len = name_utf8_len(s)) == 0)
			return "is not valid UTF-8";
		if (len == 2 && s[0] == 0xc2 && s[1] < 0xa0)
			return "contains a C1 control character";
		s += len;
	}
	return NULL;
}
