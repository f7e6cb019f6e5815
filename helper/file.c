/* Reading a whole stream: a file, a profile, a command on stdin. */
#include <stdio.h>
#include <stdlib.h>

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
