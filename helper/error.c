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

static void
error_vprint(const char *fmt, va_list ap)
{
	if (error_quiet)
		return;
	fputs("tmux-dispatch: ", stderr);
	vfprintf(stderr, fmt, ap);
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
