/* Option parsing shared by every command, so all of them report errors the same way. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "tmux-dispatch.h"

void
args_print_help(const struct cmd_entry *entry, FILE *f)
{
	fprintf(f, "usage: tmux-dispatch %s%s%s\n%s\n", entry->name,
	    *entry->usage != '\0' ? " " : "", entry->usage, entry->summary);
	if (entry->help != NULL)
		fprintf(f, "\n%s", entry->help);
}

int
args_usage(const struct cmd_ctx *ctx, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	xvasprintf(&msg, fmt, ap);
	va_end(ap);
	td_error(TD_EXIT_USAGE, "%s: %s (usage: tmux-dispatch %s %s)",
	    ctx->entry->name, msg, ctx->entry->name, ctx->entry->usage);
	free(msg);
	return TD_EXIT_USAGE;
}

int
args_next(const struct cmd_ctx *ctx, int argc, char **argv, const char *shortopts,
    const struct option *longopts, int *status)
{
	char *spec;
	int c;

	/* A leading '+' stops at the first operand, so a queued command keeps its own dashes. */
	if (*shortopts == '+')
		xasprintf(&spec, "+:h%s", shortopts + 1);
	else
		xasprintf(&spec, ":h%s", shortopts);
	c = getopt_long(argc, argv, spec, longopts, NULL);
	free(spec);
	switch (c) {
	case 'h':
		args_print_help(ctx->entry, stdout);
		*status = TD_EXIT_OK;
		return 0;
	case '?':
		if (optopt != 0)
			*status = args_usage(ctx, "unknown option -%c", optopt);
		else
			*status = args_usage(ctx, "unknown option %s", argv[optind - 1]);
		return 0;
	case ':':
		*status = args_usage(ctx, "option %s needs a value", argv[optind - 1]);
		return 0;
	}
	return c;
}

int
args_json(const struct cmd_ctx *ctx, int argc, char **argv, int *json, int *status)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' }, ARGS_HELP, { NULL, 0, NULL, 0 }
	};
	int c;

	*json = 0;
	while ((c = args_next(ctx, argc, argv, "j", opts, status)) != -1) {
		if (c != 'j')
			return 0;
		*json = 1;
	}
	return 1;
}

int
args_int(const struct cmd_ctx *ctx, const char *what, const char *text, long long min,
    long long max, long long *out)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(text, &end, 10);
	if (errno != 0 || end == text || *end != '\0' || v < min || v > max) {
		args_usage(ctx, "%s must be a whole number from %lld to %lld, not '%s'", what,
		    min, max, text);
		return -1;
	}
	*out = v;
	return 0;
}

long
args_env_int(const char *name, long min, long max, long def)
{
	const char *env = getenv(name);
	char *end;
	long v;

	if (env == NULL || *env == '\0')
		return def;
	errno = 0;
	v = strtol(env, &end, 10);
	return errno == 0 && *end == '\0' && v >= min && v <= max ? v : def;
}

/* The command text: the operands joined by spaces, or standard input. */
char *
args_text(const struct cmd_ctx *ctx, int argc, char **argv, int from_stdin)
{
	size_t len = 0;
	char *buf = NULL;
	int i;

	if (from_stdin) {
		if (argc > 0) {
			args_usage(ctx, "--stdin takes no COMMAND words");
			return NULL;
		}
		if (file_read(stdin, 0, &buf, &len) != 0) {
			td_error(TD_EXIT_FAIL, "cannot read standard input");
			return NULL;
		}
		if (len > 0 && buf[len - 1] == '\n')
			len--;
		buf[len] = '\0';
		if (memchr(buf, '\0', len) != NULL) {
			td_error(TD_EXIT_USAGE, "refused: the command contains a NUL byte");
			free(buf);
			return NULL;
		}
		return buf;
	}
	if (argc == 0) {
		args_usage(ctx, "no COMMAND given");
		return NULL;
	}
	for (i = 0; i < argc; i++)
		len += strlen(argv[i]) + 1;
	buf = xmalloc(len + 1);
	buf[0] = '\0';
	for (i = 0; i < argc; i++) {
		if (i > 0)
			strcat(buf, " ");
		strcat(buf, argv[i]);
	}
	return buf;
}
