/* terminal add | rm | ls | import: the named tmux panes that take work. */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "continue.h"
#include "duration.h"
#include "events.h"
#include "item.h"
#include "name.h"
#include "state.h"
#include "terminal.h"
#include "tmux-dispatch.h"
#include "watch.h"

static int cmd_terminal_add(struct cmd_ctx *, int, char **);
static int cmd_terminal_rm(struct cmd_ctx *, int, char **);
static int cmd_terminal_ls(struct cmd_ctx *, int, char **);
static int cmd_terminal_import(struct cmd_ctx *, int, char **);
static int cmd_terminal_group(struct cmd_ctx *, int, char **);

const struct cmd_entry cmd_terminal_add_entry = {
	"terminal add", "NAME TARGET [--profile P] [--group G] [--allow PREFIX]... "
	"[--continue N] [--timeout DUR] [--restart | --no-restart] [--replace]",
	"register a tmux pane as a named terminal",
	"  NAME           [A-Za-z0-9._-], at most 64 characters\n"
	"  TARGET         a tmux target: session:window[.pane], %N (pane id) or @N (window id)\n"
	"  --profile P    how to read its screen: claude, codex, gemini, aider, shell, generic,\n"
	"                 auto (default) or a profile of your profiles file\n"
	"  --group G      its group (default: NAME without a trailing -N)\n"
	"  --allow PREFIX accept only commands starting with PREFIX (repeatable)\n"
	"  --continue N   its items' default for enqueue --continue: accept the agent's\n"
	"                 suggestion up to N times before an item is done (0 to " CONTINUE_MAX_TEXT ")\n"
	"  --timeout DUR  how long its items may run once delivered, unless an item says\n"
	"                 (enqueue --timeout); 0 removes it\n"
	"  --restart      a spawned agent that exits or whose pane dies while it holds an item\n"
	"                 is started again (session resume) and the item retried, at most 3\n"
	"                 times in 10 minutes; --no-restart: not (the default)\n"
	"  --replace      update an existing terminal instead of refusing\n",
	cmd_terminal_add
};

const struct cmd_entry cmd_terminal_rm_entry = {
	"terminal rm", "NAME [--force]", "forget a terminal (its queued items stay)",
	"  --force  also when it holds a running item, which goes back to pending (attempts\n"
	"           kept): without it that is refused, since nothing would ever end the item\n",
	cmd_terminal_rm
};

const struct cmd_entry cmd_terminal_ls_entry = {
	"terminal ls", "[--json]", "list terminals", NULL, cmd_terminal_ls
};

const struct cmd_entry cmd_terminal_import_entry = {
	"terminal import", "FILE",
	"register terminals from a flat JSON map {\"generator-1\": \"session:7\", ...}",
	"  Each terminal's group is its name without a trailing -N. Existing terminals get the\n"
	"  new target; FILE - reads standard input.\n",
	cmd_terminal_import
};

const struct cmd_entry cmd_terminal_group_entry = {
	"terminal group", "GROUP --timeout DUR",
	"set a group's defaults: how long its terminals' items may run once delivered",
	"  --timeout DUR  the default for the group's terminals, after an item's own and its\n"
	"                 terminal's (enqueue --timeout, terminal add --timeout); 0 removes it.\n"
	"                 Kept in the state file's \"groups\" object.\n",
	cmd_terminal_group
};

static int
terminal_check(const char *name, const char *target)
{
	int rc;

	if ((rc = terminal_name_check(name)) != 0)
		return rc;
	if (!name_valid_target(target))
		return td_error(TD_EXIT_USAGE, "invalid tmux target '%s' for %s: use "
		    "session:window[.pane], %%N or @N", target, name);
	return 0;
}

/* Sets the known fields, keeping any others a terminal entry already carries. */
static cJSON *
terminal_upsert(struct state *st, const char *name, const char *target)
{
	cJSON *term = state_terminal(st, name);

	if (term == NULL) {
		term = cJSON_CreateObject();
		cJSON_AddItemToObject(st->terminals, name, term);
	}
	state_set_str(term, "target", target);
	/* Registered again: what ran there before says nothing about what runs there now. */
	cJSON_DeleteItemFromObjectCaseSensitive(term, TERMINAL_AGENT);
	return term;
}

/* NAME -> TARGET with its profile, group and allowlist (*ALLOW is taken when not empty). */
static int
terminal_add_apply(struct state *st, const char *name, const char *target,
    const char *profile, const char *group, int replace, cJSON **allow)
{
	cJSON *term;
	char *defgroup;

	if (state_terminal(st, name) != NULL && !replace)
		return td_error(TD_EXIT_FAIL, "terminal '%s' exists (use --replace to update it)",
		    name);
	term = terminal_upsert(st, name, target);
	if (profile != NULL || state_str(term, "profile") == NULL)
		state_set_str(term, "profile", profile != NULL ? profile : "auto");
	defgroup = terminal_default_group(name);
	if (group != NULL || state_str(term, "group") == NULL)
		state_set_str(term, "group", group != NULL ? group : defgroup);
	free(defgroup);
	if (cJSON_GetArraySize(*allow) > 0) {
		cJSON_DeleteItemFromObjectCaseSensitive(term, "allow");
		cJSON_AddItemToObject(term, "allow", *allow);
		*allow = NULL;
	}
	return 0;
}

/*
 * TIMEOUT > 0 sets the terminal's default item timeout (watch.h), 0 removes it; RESTART 1 or
 * 0 sets or removes "restart". Negative: left as they are.
 */
static void
terminal_set_watch(cJSON *term, double timeout, int restart)
{
	if (timeout > 0)
		state_set_num(term, ITEM_TIMEOUT, timeout);
	else if (timeout == 0)
		cJSON_DeleteItemFromObjectCaseSensitive(term, ITEM_TIMEOUT);
	if (restart >= 0)
		cJSON_DeleteItemFromObjectCaseSensitive(term, WATCH_RESTART);
	if (restart > 0)
		cJSON_AddTrueToObject(term, WATCH_RESTART);
}

static int
cmd_terminal_add(struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "profile", required_argument, NULL, 'p' },
		{ "group", required_argument, NULL, 'g' },
		{ "allow", required_argument, NULL, 'a' },
		{ "replace", no_argument, NULL, 'r' },
		{ "continue", required_argument, NULL, 'c' },
		{ "timeout", required_argument, NULL, 'x' },
		{ "restart", no_argument, NULL, 'R' },
		{ "no-restart", no_argument, NULL, 'N' },
		ARGS_HELP, { NULL, 0, NULL, 0 }
	};
	const char *profile = NULL, *group = NULL;
	long long cont = -1;
	double timeout = -1;
	int restart = -1;
	cJSON *allow = cJSON_CreateArray();
	struct state st;
	int c, rc = 0, replace = 0;

	while ((c = args_next(ctx, argc, argv, "p:g:a:rc:x:RN", opts, &rc)) != -1) {
		switch (c) {
		case 'p':
			profile = optarg;
			break;
		case 'g':
			group = optarg;
			break;
		case 'a':
			if (*optarg == '\0') {
				rc = args_usage(ctx, "--allow needs a non-empty prefix");
				goto out;
			}
			cJSON_AddItemToArray(allow, cJSON_CreateString(optarg));
			break;
		case 'r':
			replace = 1;
			break;
		case 'c':
			if (args_int(ctx, "--continue", optarg, 0, CONTINUE_MAX, &cont) == 0)
				break;
			rc = TD_EXIT_USAGE;
			goto out;
		case 'R':
		case 'N':
			restart = c == 'R';
			break;
		case 'x':
			if (duration_parse(optarg, &timeout) == 0)
				break;
			rc = args_usage(ctx, "--timeout must be a duration: %s, not '%s'",
			    DURATION_FORMS, optarg);
			goto out;
		default:
			goto out;
		}
	}
	if (argc - optind != 2) {
		rc = args_usage(ctx, "expected NAME and TARGET");
		goto out;
	}
	if ((rc = terminal_check(argv[optind], argv[optind + 1])) != 0)
		goto out;
	if ((profile != NULL && !name_valid(profile)) ||
	    (group != NULL && !name_valid(group))) {
		rc = args_usage(ctx, "profile and group names use 1 to 64 of A-Z a-z 0-9 . _ -");
		goto out;
	}
	if ((rc = state_open(&st, ctx->state_path, STATE_WRITE)) == 0 &&
	    (rc = terminal_add_apply(&st, argv[optind], argv[optind + 1], profile, group, replace,
	    &allow)) == 0) {
		if (cont >= 0)
			state_set_num(state_terminal(&st, argv[optind]), ITEM_CONTINUE, (double)cont);
		terminal_set_watch(state_terminal(&st, argv[optind]), timeout, restart);
		rc = state_commit(&st);
	}
	state_close(&st);
out:
	cJSON_Delete(allow);
	return rc;
}

/*
 * The items NAME is working on: back to pending with FORCE, else refused, since with the
 * terminal gone no check would ever look at them again. 0 or the error's exit code.
 */
static int
terminal_rm_running(struct state *st, const char *name, int force)
{
	cJSON *item;
	const char *t, *id;
	char *why;

	xasprintf(&why, "its terminal %s was removed while it ran (terminal rm --force)", name);
	cJSON_ArrayForEach(item, st->queue) {
		t = state_str(item, ITEM_TERMINAL);
		if (t == NULL || strcmp(t, name) != 0 ||
		    strcmp(state_str(item, ITEM_STATUS), ST_RUNNING) != 0)
			continue;
		id = state_str(item, ITEM_ID);
		if (!force) {
			free(why);
			return td_error(TD_EXIT_FAIL, "terminal '%s' is working on %s: end it first "
			    "(done, fail or cancel), or --force puts it back to pending", name, id);
		}
		events_log(st->path, name, state_str(item, ITEM_PANE), id, "requeued", why);
		td_say("%s: %s back to pending", name, id);
		item_return(item, why);
	}
	free(why);
	return 0;
}

static int
cmd_terminal_rm(struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "force", no_argument, NULL, 'f' }, ARGS_HELP, { NULL, 0, NULL, 0 }
	};
	struct state st;
	int c, rc = 0, force = 0;

	while ((c = args_next(ctx, argc, argv, "", opts, &rc)) != -1) {
		if (c == 'f')
			force = 1;
		else
			return rc;
	}
	if (argc - optind != 1)
		return args_usage(ctx, "expected NAME");
	if ((rc = state_open(&st, ctx->state_path, STATE_WRITE)) == 0) {
		if (state_terminal(&st, argv[optind]) == NULL)
			rc = td_error(TD_EXIT_NOTFOUND, "no terminal '%s'", argv[optind]);
		else if ((rc = terminal_rm_running(&st, argv[optind], force)) == 0) {
			cJSON_DeleteItemFromObjectCaseSensitive(st.terminals, argv[optind]);
			rc = state_commit(&st);
		}
	}
	state_close(&st);
	return rc;
}

static cJSON *
terminal_json(const cJSON *term)
{
	cJSON *out = cJSON_CreateObject(), *allow;

	cJSON_AddStringToObject(out, "name", term->string);
	cJSON_AddStringToObject(out, "target", state_str(term, "target"));
	cJSON_AddStringToObject(out, "profile", state_str(term, "profile") != NULL ?
	    state_str(term, "profile") : "auto");
	cJSON_AddStringToObject(out, "group", terminal_group(term));
	allow = cJSON_GetObjectItemCaseSensitive(term, "allow");
	cJSON_AddItemToObject(out, "allow", allow != NULL ? cJSON_Duplicate(allow, 1) :
	    cJSON_CreateArray());
	return out;
}

static int
cmd_terminal_ls(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct state st;
	cJSON *term, *out, *list;
	int rc = 0, json = 0;

	if (!args_json(ctx, argc, argv, &json, &rc))
		return rc;
	if (argc != optind)
		return args_usage(ctx, "unexpected argument '%s'", argv[optind]);
	if ((rc = state_open(&st, ctx->state_path, STATE_READ)) != 0) {
		state_close(&st);
		return rc;
	}
	if (json) {
		out = cJSON_CreateObject();
		list = cJSON_AddArrayToObject(out, "terminals");
		cJSON_ArrayForEach(term, st.terminals)
			cJSON_AddItemToArray(list, terminal_json(term));
		state_json_print(out);
		cJSON_Delete(out);
	} else {
		if (st.terminals->child != NULL)
			printf("%-20s %-20s %-8s %-12s %s\n", "NAME", "TARGET", "PROFILE", "GROUP",
			    "ALLOW");
		cJSON_ArrayForEach(term, st.terminals) {
			cJSON *allow = cJSON_GetObjectItemCaseSensitive(term, "allow"), *a;
			printf("%-20s %-20s %-8s %-12s", term->string, state_str(term, "target"),
			    state_str(term, "profile") != NULL ? state_str(term, "profile") : "auto",
			    terminal_group(term));
			cJSON_ArrayForEach(a, allow) {
				putchar(' ');
				td_print_safe(stdout, a->valuestring);
			}
			printf("\n");
		}
	}
	state_close(&st);
	return 0;
}

static int
terminal_import_read(const char *file, cJSON **map)
{
	FILE *f = strcmp(file, "-") == 0 ? stdin : fopen(file, "r");
	const char *end = NULL;
	char *buf;
	size_t len;
	int rc;

	if (f == NULL)
		return td_error(TD_EXIT_FAIL, "%s: %s", file, strerror(errno));
	rc = file_read(f, 0, &buf, &len);
	if (f != stdin)
		fclose(f);
	if (rc != 0)
		return td_error(TD_EXIT_FAIL, "%s: read error", file);
	*map = cJSON_ParseWithLengthOpts(buf, len + 1, &end, 1);
	free(buf);
	if (*map == NULL || !cJSON_IsObject(*map))
		return td_error(TD_EXIT_USAGE, "%s: expected a JSON object mapping terminal "
		    "names to tmux targets", file);
	return 0;
}

static int
cmd_terminal_import(struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = { ARGS_HELP, { NULL, 0, NULL, 0 } };
	struct state st;
	cJSON *map = NULL, *e, *term;
	int c, rc = 0;
	char *group;

	while ((c = args_next(ctx, argc, argv, "", opts, &rc)) != -1)
		return rc;
	if (argc - optind != 1)
		return args_usage(ctx, "expected FILE");
	if ((rc = terminal_import_read(argv[optind], &map)) != 0)
		goto out;
	/* Check every entry before writing any: an import is all or nothing. */
	cJSON_ArrayForEach(e, map) {
		if (!cJSON_IsString(e)) {
			rc = td_error(TD_EXIT_USAGE, "%s: the target of '%s' must be a string",
			    argv[optind], e->string);
			goto out;
		}
		if ((rc = terminal_check(e->string, e->valuestring)) != 0)
			goto out;
	}
	if ((rc = state_open(&st, ctx->state_path, STATE_WRITE)) == 0) {
		cJSON_ArrayForEach(e, map) {
			term = terminal_upsert(&st, e->string, e->valuestring);
			group = terminal_default_group(e->string);
			state_set_str(term, "group", group);
			free(group);
			if (state_str(term, "profile") == NULL)
				state_set_str(term, "profile", "auto");
		}
		rc = state_commit(&st);
	}
	state_close(&st);
out:
	cJSON_Delete(map);
	return rc;
}

/* groups.GROUP.timeout set (> 0) or removed (0); an emptied entry goes. */
static void
terminal_group_apply(struct state *st, const char *group, double timeout)
{
	cJSON *groups = cJSON_GetObjectItemCaseSensitive(st->root, WATCH_GROUPS), *g;

	if (!cJSON_IsObject(groups)) {
		cJSON_DeleteItemFromObjectCaseSensitive(st->root, WATCH_GROUPS);
		groups = cJSON_AddObjectToObject(st->root, WATCH_GROUPS);
	}
	if (!cJSON_IsObject(g = cJSON_GetObjectItemCaseSensitive(groups, group))) {
		cJSON_DeleteItemFromObjectCaseSensitive(groups, group);
		g = cJSON_AddObjectToObject(groups, group);
	}
	terminal_set_watch(g, timeout, -1);
	if (g->child == NULL)
		cJSON_DeleteItemFromObjectCaseSensitive(groups, group);
}

static int
cmd_terminal_group(struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "timeout", required_argument, NULL, 'x' },
		ARGS_HELP, { NULL, 0, NULL, 0 }
	};
	double timeout = -1;
	struct state st;
	int c, rc = 0;

	while ((c = args_next(ctx, argc, argv, "x:", opts, &rc)) != -1) {
		if (c != 'x')
			return rc;
		if (duration_parse(optarg, &timeout) != 0)
			return args_usage(ctx, "--timeout must be a duration: %s, not '%s'",
			    DURATION_FORMS, optarg);
	}
	if (argc - optind != 1)
		return args_usage(ctx, "expected GROUP");
	if (!name_valid(argv[optind]))
		return args_usage(ctx, "group names use 1 to 64 of A-Z a-z 0-9 . _ -");
	if (timeout < 0)
		return args_usage(ctx, "nothing to set: give --timeout");
	if ((rc = state_open(&st, ctx->state_path, STATE_WRITE)) == 0) {
		terminal_group_apply(&st, argv[optind], timeout);
		rc = state_commit(&st);
	}
	state_close(&st);
	return rc;
}
