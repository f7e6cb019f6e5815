/* classify: what state the program in a pane (or in a saved capture) is in, and why. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capture.h"
#include "observe.h"
#include "profile.h"
#include "stall.h"
#include "state.h"
#include "tmux-dispatch.h"

#define CLASSIFY_MAX_FILE (64 * 1024 * 1024)

static int cmd_classify_exec(struct cmd_ctx *, int, char **);

const struct cmd_entry cmd_classify_entry = {
	"classify", "[--profile P] [--json] [-t PANE | FILE | -]",
	"tell whether a pane is idle, busy, waiting, typed, exited, in copy-mode or unknown",
	"  -t, --target PANE  a terminal name or a tmux target (%N, session:window.pane);\n"
	"                     a registered terminal's profile applies and its stall\n"
	"                     counter is updated in the state file\n"
	"  FILE               a plain capture (capture-pane -p); FILE.meta (or NAME.meta for\n"
	"                     NAME.txt) holds key=value metadata if present, FILE.ansi (or\n"
	"                     NAME.ansi) the same screen from capture-pane -e. - reads stdin\n"
	"  -p, --profile P    claude, codex, gemini, aider, shell, generic, a profile of your\n"
	"                     profiles file, or auto (the default): see profiles ls\n"
	"  -j, --json         print {\"state\",\"label\",\"profile\",\"rule\",\"pane\",\"terminal\",\"seen\"}\n"
	"                     and \"suggestion\" when the input shows only an agent's suggestion\n"
	"\n"
	"Prints STATE PROFILE: RULE, e.g. busy claude: footer \"esc to interrupt\"; the first\n"
	"word is the state. A busy pane whose screen did not change for 2 checks is\n"
	"\"busy (stall?)\", for 3 \"stalled\". Exit status 0 whatever the state.\n",
	cmd_classify_exec
};

/* Reads a whole file (or stdin for "-"); returns 0 or a reported TD_EXIT_* status. */
static int
classify_read(const char *path, char **text, size_t *len)
{
	char *cause = NULL;
	int rc;

	if ((rc = file_read_path(path, CLASSIFY_MAX_FILE, text, len, &cause)) != 0) {
		td_error(rc == TD_EXIT_INVALID ? TD_EXIT_FAIL : rc, "%s", cause);
		free(cause);
	}
	return rc == TD_EXIT_INVALID ? TD_EXIT_FAIL : rc;
}

/* The metadata sidecar of a capture file: NAME.txt -> NAME.meta, else FILE.meta. */
static int
classify_sidecar(const char *path, struct pane_meta *meta)
{
	size_t len = strlen(path), mlen;
	char *mpath, *text;
	int rc;

	if (len > 4 && strcmp(path + len - 4, ".txt") == 0)
		xasprintf(&mpath, "%.*s.meta", (int)(len - 4), path);
	else
		xasprintf(&mpath, "%s.meta", path);
	if (access(mpath, F_OK) != 0) {
		free(mpath);
		return 0;
	}
	if ((rc = classify_read(mpath, &text, &mlen)) != 0) {
		free(mpath);
		return rc;
	}
	if (capture_meta_parse(text, meta) != 0)
		rc = td_error(TD_EXIT_INVALID, "%s: a value is not a number", mpath);
	free(text);
	free(mpath);
	return rc;
}

/*
 * The colours sidecar of a capture file (NAME.ansi beside NAME.txt, else FILE.ansi: the same
 * screen from capture-pane -e), read only when the verdict may be a suggestion.
 */
static int
classify_colours(const char *path, const struct profile *p, const char *text, size_t len,
    const struct pane_meta *meta, struct verdict *v)
{
	size_t plen = strlen(path), elen;
	char *epath, *esc;
	int rc = 0;

	if (!classify_may_suggest(p, v))
		return 0;
	if (plen > 4 && strcmp(path + plen - 4, ".txt") == 0)
		xasprintf(&epath, "%.*s.ansi", (int)(plen - 4), path);
	else
		xasprintf(&epath, "%s.ansi", path);
	if (access(epath, F_OK) == 0 && (rc = classify_read(epath, &esc, &elen)) == 0) {
		classify_suggestion(p, text, len, esc, elen, meta, v);
		free(esc);
	}
	free(epath);
	return rc;
}

/* The terminal a -t value names: by name, else the one whose target is that value. */
static cJSON *
classify_terminal(struct state *st, const char *target)
{
	cJSON *term;

	if ((term = state_terminal(st, target)) != NULL)
		return term;
	cJSON_ArrayForEach(term, st->terminals) {
		const char *t = state_str(term, "target");

		if (t != NULL && strcmp(t, target) == 0)
			return term;
	}
	return NULL;
}

static void
classify_print(const struct verdict *v, const char *pane, const char *terminal, int json)
{
	cJSON *out;
	char *text;

	if (!json) {
		td_say("%s %s: %s", stall_label(v), v->profile, v->rule);
		return;
	}
	out = cJSON_CreateObject();
	cJSON_AddStringToObject(out, "state", stall_state(v));
	cJSON_AddStringToObject(out, "label", stall_label(v));
	cJSON_AddStringToObject(out, "profile", v->profile);
	cJSON_AddStringToObject(out, "rule", v->rule);
	if (pane != NULL)
		cJSON_AddStringToObject(out, "pane", pane);
	else
		cJSON_AddNullToObject(out, "pane");
	if (terminal != NULL)
		cJSON_AddStringToObject(out, "terminal", terminal);
	else
		cJSON_AddNullToObject(out, "terminal");
	cJSON_AddNumberToObject(out, "seen", v->seen);
	if (v->suggestion[0] != '\0')
		cJSON_AddStringToObject(out, "suggestion", v->suggestion);
	text = cJSON_PrintUnformatted(out);
	printf("%s\n", text);
	free(text);
	cJSON_Delete(out);
}

/* classify -t: the pane's screen, with stall tracking for a registered terminal. */
static int
classify_pane(struct cmd_ctx *ctx, const char *target, const char *pname, int json)
{
	struct state st;
	struct observation o;
	cJSON *term = NULL;
	const char *tmux_target = target, *name = NULL;
	char *path, *dir, *cause = NULL;
	int rc, have_state = 0;

	path = state_find_path(ctx->state_path);
	if (access(path, F_OK) == 0) {
		if ((rc = state_open(&st, ctx->state_path, STATE_WRITE)) != 0) {
			free(path);
			return rc;
		}
		have_state = 1;
		if ((term = classify_terminal(&st, target)) != NULL) {
			name = term->string;
			tmux_target = state_str(term, "target");
		}
	}
	free(path);
	dir = state_find_dir(ctx->state_path);
	/* A registered terminal is read as a check reads it, unless --profile says otherwise. */
	if (term != NULL && pname == NULL)
		rc = observe_terminal(NULL, term, tmux_target, dir, NULL, &o, &cause);
	else
		rc = observe_target(tmux_target, pname, dir, NULL, &o, &cause);
	if (rc != 0) {
		td_error(rc, "%s", cause);
		goto out;
	}
	if (term != NULL) {
		o.v.seen = stall_update(term, o.hash, st.now);
		if (pname == NULL)
			observe_remember(term, &o);
		if ((rc = state_commit(&st)) != 0)
			goto out;
	}
	classify_print(&o.v, o.pane, name, json);
out:
	if (have_state)
		state_close(&st);
	free(cause);
	free(dir);
	return rc;
}

static int
classify_file(struct cmd_ctx *ctx, const char *file, const char *pname, int json)
{
	const struct profile *p;
	struct pane_meta meta = { 0 };
	struct verdict v;
	char *dir, *text, *cause = NULL;
	size_t len;
	int rc;

	dir = state_find_dir(ctx->state_path);
	rc = profile_get(pname != NULL ? pname : "auto", dir, &p, &cause);
	free(dir);
	if (rc != 0) {
		td_error(rc, "%s", cause);
		free(cause);
		return rc;
	}
	if ((rc = classify_read(file, &text, &len)) != 0)
		return rc;
	if (strcmp(file, "-") != 0 && (rc = classify_sidecar(file, &meta)) != 0) {
		free(text);
		return rc;
	}
	classify_screen(p, text, len, &meta, &v);
	if (strcmp(file, "-") != 0 && (rc = classify_colours(file, p, text, len, &meta, &v)) != 0) {
		free(text);
		return rc;
	}
	free(text);
	classify_print(&v, meta.known && meta.pane_id[0] != '\0' ? meta.pane_id : NULL, NULL,
	    json);
	return TD_EXIT_OK;
}

static int
cmd_classify_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "profile", required_argument, NULL, 'p' },
		{ "json", no_argument, NULL, 'j' },
		{ "target", required_argument, NULL, 't' },
		ARGS_HELP,
		{ NULL, 0, NULL, 0 }
	};
	const char *pname = NULL, *target = NULL, *file = NULL;
	int c, rc, json = 0;

	while ((c = args_next(ctx, argc, argv, "p:jt:", opts, &rc)) != -1) {
		switch (c) {
		case 0:
			return rc;
		case 'p':
			pname = optarg;
			break;
		case 'j':
			json = 1;
			break;
		case 't':
			target = optarg;
			break;
		}
	}
	if (optind < argc)
		file = argv[optind++];
	if (optind < argc)
		return args_usage(ctx, "unexpected '%s'", argv[optind]);
	if (target != NULL && file != NULL)
		return args_usage(ctx, "give -t PANE or a FILE, not both");
	if (target != NULL && *target == '\0')
		return args_usage(ctx, "-t needs a pane");
	if (target != NULL)
		return classify_pane(ctx, target, pname, json);
	if (file == NULL) {
		if (isatty(STDIN_FILENO))
			return args_usage(ctx, "nothing to classify: give -t PANE, a FILE or -");
		file = "-";
	}
	return classify_file(ctx, file, pname, json);
}
