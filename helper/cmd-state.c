/* state replace: a whole new state file from a person or a tool, through the helper's write. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "state.h"
#include "tmux-dispatch.h"

#define STATE_REPLACE_MAX STATE_MAX_FILE

static int cmd_state_replace(struct cmd_ctx *, int, char **);

const struct cmd_entry cmd_state_replace_entry = {
	"state replace", "FILE [--expect SNAPSHOT]",
	"replace the state file with FILE, validated, under the lock, atomically",
	"  FILE               the new contents (- reads standard input); it must load as a\n"
	"                     state file, else exit 3 and nothing is written\n"
	"  --expect SNAPSHOT  only if the state file is still byte-identical to SNAPSHOT\n"
	"                     (a copy taken before editing); otherwise exit 5, nothing written\n"
	"  The bytes are written as given, with the state file's mode, like every other write\n"
	"  (temp file, fsync, rename, fsync of the directory). The menu's edit popup uses it.\n",
	cmd_state_replace
};

/* A whole file, or stdin for "-"; a missing file reads as *text NULL when MAY_BE_MISSING. */
static int
state_replace_read(const char *path, int may_be_missing, char **text, size_t *len)
{
	char *cause = NULL;
	int rc = file_read_path(path, STATE_REPLACE_MAX, text, len, &cause);

	if (rc == TD_EXIT_NOTFOUND && may_be_missing)
		rc = 0;
	else if (rc != 0)
		td_error(rc == TD_EXIT_INVALID ? TD_EXIT_FAIL : rc, "%s", cause);
	free(cause);
	return rc == TD_EXIT_INVALID ? TD_EXIT_FAIL : rc;
}

/* Whether the state file, read under the lock, still holds exactly SNAPSHOT's bytes. */
static int
state_replace_unchanged(const struct state *st, const char *snapshot)
{
	char *now, *then;
	size_t nlen, tlen;
	int same, rc;

	if ((rc = state_replace_read(snapshot, 0, &then, &tlen)) != 0)
		return rc;
	if ((rc = state_replace_read(st->path, 1, &now, &nlen)) != 0) {
		free(then);
		return rc;
	}
	same = now != NULL && nlen == tlen && memcmp(now, then, nlen) == 0;
	free(now);
	free(then);
	if (!same)
		return td_error(TD_EXIT_CHANGED, "%s changed since %s was taken; nothing written",
		    st->path, snapshot);
	return 0;
}

static int
cmd_state_replace(struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "expect", required_argument, NULL, 'e' }, ARGS_HELP, { NULL, 0, NULL, 0 }
	};
	const char *expect = NULL;
	struct state st;
	char *text;
	size_t len;
	int c, rc = 0;

	while ((c = args_next(ctx, argc, argv, "e:", opts, &rc)) != -1) {
		if (c != 'e')
			return rc;
		expect = optarg;
	}
	if (argc - optind != 1)
		return args_usage(ctx, "expected one FILE");
	if ((rc = state_replace_read(argv[optind], 0, &text, &len)) != 0)
		return rc;
	if ((rc = state_check_text(argv[optind], text, len)) != 0) {
		free(text);
		return rc;
	}
	if ((rc = state_open(&st, ctx->state_path, STATE_LOCK)) == 0 &&
	    (expect == NULL || (rc = state_replace_unchanged(&st, expect)) == 0))
		rc = state_replace(&st, text, len);
	state_close(&st);
	free(text);
	return rc;
}
