/* Reading a whole stream or file: a state to install, a profile, a capture, stdin. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tmux-dispatch.h"

/*
 * Reads F to its end into *text (NUL-terminated; the length in *len, NULs included). Returns 0,
 * FILE_TOO_LARGE past MAX bytes (0: no limit), or -1 on a read error; *text is NULL but on 0.
 */
int
file_read(FILE *f, size_t max, char **text, size_t *len)
{
	size_t cap = 8192, n;
	char *buf = xmalloc(cap + 1);

	*len = 0;
	*text = NULL;
	while ((n = fread(buf + *len, 1, cap - *len, f)) > 0) {
		*len += n;
		if (max != 0 && *len > max) {
			free(buf);
			return FILE_TOO_LARGE;
		}
		if (*len == cap)
			buf = xrealloc(buf, (cap *= 2) + 1);
	}
	if (ferror(f)) {
		free(buf);
		return -1;
	}
	buf[*len] = '\0';
	*text = buf;
	return 0;
}

int
file_read_path(const char *path, size_t max, char **text, size_t *len, char **cause)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	int rc;

	*text = NULL;
	*len = 0;
	if (f == NULL) {
		xasprintf(cause, "%s: %s", path, strerror(errno));
		return errno == ENOENT ? TD_EXIT_NOTFOUND : TD_EXIT_FAIL;
	}
	rc = file_read(f, max, text, len);
	if (f != stdin)
		fclose(f);
	if (rc == FILE_TOO_LARGE) {
		xasprintf(cause, "%s: larger than %zu bytes", path, max);
		return TD_EXIT_INVALID;
	}
	if (rc != 0) {
		xasprintf(cause, "%s: read error", path);
		return TD_EXIT_FAIL;
	}
	return 0;
}

void
file_position(const char *text, size_t off, size_t *line, size_t *col)
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
file_dirname(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL)
		return xstrdup(".");
	if (slash == path)
		return xstrdup("/");
	return xstrndup(path, (size_t)(slash - path));
}
