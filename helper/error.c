/* Error reporting: one line on stderr, "tmux-dispatch: ...", and an exit status to return. */
#include <stdio.h>
#include <stdlib.h>

#include "tmux-dispatch.h"

/* Hook and key-binding commands must print nothing: tmux shows run-shell output in a pane. */
static int error_quiet;

void
td_quiet(int quiet)
{
	error_quiet = quiet;
}

void
td_print_safe(FILE *f, const char *s)
{
	const unsigned char *p;

	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p < 0x20 || *p == 0x7f)
			fprintf(f, "\\x%02x", *p);
		else if (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) {
			fprintf(f, "\\xc2\\x%02x", p[1]);
			p++;
		} else
			fputc(*p, f);
	}
}

/*
 * Messages quote names, ids and commands as given, so control characters are shown as \xHH
 * (td_print_safe): an error stays one line and cannot drive the terminal. A fixed buffer,
 * because fatal() reports running out of memory through here.
 */
static void
error_vprint(const char *fmt, va_list ap)
{
	char buf[4096];

	if (error_quiet)
		return;
	vsnprintf(buf, sizeof buf, fmt, ap);
	fputs("tmux-dispatch: ", stderr);
	td_print_safe(stderr, buf);
	fputc('\n', stderr);
}

int
td_error(int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	error_vprint(fmt, ap);
	va_end(ap);
	return status;
}

_Noreturn void
fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	error_vprint(fmt, ap);
	va_end(ap);
	exit(error_quiet ? TD_EXIT_OK : TD_EXIT_FAIL);
}

void
td_say(const char *fmt, ...)
{
	va_list ap;
	char *line;

	va_start(ap, fmt);
	xvasprintf(&line, fmt, ap);
	va_end(ap);
	td_print_safe(stdout, line);
	putchar('\n');
	free(line);
}
