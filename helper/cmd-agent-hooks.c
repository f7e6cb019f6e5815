/*
 * agent-hooks install, rm, status: tmux-dispatch's entries in an agent's own settings, so the
 * agent's turn-end and notification hooks run `hook agent EVENT` (agenthook.h). The formats
 * live in agentcfg-*.c; here are the files, the helper's path and the atomic write.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agentcfg.h"
#include "durable.h"
#include "launch.h"
#include "tmux-dispatch.h"

#define AGENTHOOKS_MAX_FILE (4 * 1024 * 1024)

static int cmd_agent_hooks_install(struct cmd_ctx *, int, char **);
static int cmd_agent_hooks_rm(struct cmd_ctx *, int, char **);
static int cmd_agent_hooks_status(struct cmd_ctx *, int, char **);

#define AGENTHOOKS_FILES \
	"  --user          the agent's user settings (the default): ~/.claude/settings.json\n" \
	"                  ($CLAUDE_CONFIG_DIR), ~/.codex/config.toml ($CODEX_HOME),\n" \
	"                  ~/.gemini/settings.json ($GEMINI_CLI_HOME)\n" \
	"  --project DIR   DIR/.claude/settings.json, DIR/.codex/config.toml or\n" \
	"                  DIR/.gemini/settings.json\n"

const struct cmd_entry cmd_agent_hooks_install_entry = {
	"agent-hooks install", "claude|codex|gemini [--user | --project DIR]",
	"make an agent's own hooks trigger a queue-check when its turn ends",
	AGENTHOOKS_FILES
	"\n"
	"Adds `/path/to/tmux-dispatch hook agent EVENT` entries (Claude: Stop, PermissionRequest,\n"
	"Notification, SessionStart; Gemini: AfterAgent, Notification, SessionStart; Codex: notify), keeping\n"
	"every other key and entry. Installing twice adds nothing. A file that does not parse, or\n"
	"a setting that would have to be replaced (Codex's own notify), is refused and untouched.\n",
	cmd_agent_hooks_install
};

const struct cmd_entry cmd_agent_hooks_rm_entry = {
	"agent-hooks rm", "claude|codex|gemini [--user | --project DIR]",
	"remove tmux-dispatch's entries from an agent's settings, and nothing else",
	AGENTHOOKS_FILES, cmd_agent_hooks_rm
};

const struct cmd_entry cmd_agent_hooks_status_entry = {
	"agent-hooks status", "[--user | --project DIR] [--json]",
	"say which agents' settings run tmux-dispatch's hooks",
	"  Without --user or --project: the user settings and (Claude, Gemini) those of the\n"
	"  current directory.\n"
	"  -j, --json      print {\"hooks\": [{\"agent\", \"scope\", \"file\", \"status\"}...]};\n"
	"                  status is installed, partly (some entries, or another helper's\n"
	"                  path), absent, missing (no file) or invalid (with \"reason\")\n",
	cmd_agent_hooks_status
};

/*
 * This helper's absolute path: what the agents' hooks will run. Claude and Gemini run a hook
 * through a shell, so a path a shell would read as more than one word is refused.
 */
static char *
agenthooks_helper(char **cause)
{
	char buf[PATH_MAX], *path = NULL;
	ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);

	if (n > 0) {
		buf[n] = '\0';
		path = xstrdup(buf);
	} else if ((path = launch_which("tmux-dispatch")) == NULL) {
		*cause = xstrdup("cannot tell this helper's own path");
		return NULL;
	}
	if (path[0] != '/' || strspn(path, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789/._+-") != strlen(path)) {
		xasprintf(cause, "the helper's path %s holds characters a shell would interpret; "
		    "install it elsewhere (make install)", path);
		free(path);
		return NULL;
	}
	return path;
}

/* AGENT's settings file: the user's (DIR NULL) or project DIR's (caller frees). */
static char *
agenthooks_path(const struct agentcfg_agent *a, const char *dir)
{
	const char *home = getenv("HOME"), *env;
	char *path;

	if (home == NULL)
		home = "/";
	if (strcmp(a->name, "claude") == 0) {
		if (dir != NULL)
			xasprintf(&path, "%s/.claude/settings.json", dir);
		else if ((env = getenv("CLAUDE_CONFIG_DIR")) != NULL && *env != '\0')
			xasprintf(&path, "%s/settings.json", env);
		else
			xasprintf(&path, "%s/.claude/settings.json", home);
	} else if (strcmp(a->name, "codex") == 0) {
		if (dir != NULL)
			xasprintf(&path, "%s/.codex/config.toml", dir);
		else if ((env = getenv("CODEX_HOME")) != NULL && *env != '\0')
			xasprintf(&path, "%s/config.toml", env);
		else
			xasprintf(&path, "%s/.codex/config.toml", home);
	} else {
		if ((env = getenv("GEMINI_CLI_HOME")) != NULL && *env != '\0' && dir == NULL)
			home = env;
		xasprintf(&path, "%s/.gemini/settings.json", dir != NULL ? dir : home);
	}
	return path;
}

/* --user / --project DIR; *dir is DIR made absolute, or NULL for --user. */
static int
agenthooks_args(struct cmd_ctx *ctx, int argc, char **argv, int *json, int *user, char **dir)
{
	static const struct option opts[] = {
		{ "user", no_argument, NULL, 'u' }, { "project", required_argument, NULL, 'p' },
		{ "json", no_argument, NULL, 'j' }, ARGS_HELP, { NULL, 0, NULL, 0 }
	};
	const char *project = NULL;
	int c, rc = 0;

	*dir = NULL;
	*user = 0;
	while ((c = args_next(ctx, argc, argv, json != NULL ? "up:j" : "up:", opts, &rc)) != -1) {
		if (c == 0)
			return rc == 0 ? -1 : rc;
		if (c == 'u')
			*user = 1;
		else if (c == 'p')
			project = optarg;
		else if (c == 'j' && json != NULL)
			*json = 1;
		else
			return args_usage(ctx, "unknown option");
	}
	if (*user && project != NULL)
		return args_usage(ctx, "--user and --project exclude each other");
	if (project != NULL && (*dir = realpath(project, NULL)) == NULL)
		return td_error(TD_EXIT_NOTFOUND, "%s: %s", project, strerror(errno));
	return 0;
}

/* The file to edit: a symlink's target (dotfiles often are links), so the link stays. */
static char *
agenthooks_target(const char *path)
{
	char *real = realpath(path, NULL);

	return real != NULL ? real : xstrdup(path);
}

/* Reads PATH (NULL *text: no such file). 0 or a status, reported. */
static int
agenthooks_read(const char *path, char **text, size_t *len)
{
	char *cause = NULL;
	int rc;

	*text = NULL;
	*len = 0;
	if ((rc = file_read_path(path, AGENTHOOKS_MAX_FILE, text, len, &cause)) == 0)
		return 0;
	if (rc == TD_EXIT_NOTFOUND) {
		free(cause);
		return 0;
	}
	td_error(rc, "%s", cause);
	free(cause);
	return rc;
}

static int
agenthooks_write(const char *path, const char *text, int existed)
{
	char *dir = file_dirname(path), *cause = NULL;
	mode_t mode = durable_mode_of(path);
	int rc = 0;

	if ((!existed && access(dir, F_OK) != 0 && durable_mkdir(dir, mode, &cause) != 0) ||
	    durable_replace(path, text, strlen(text), mode, &cause) != 0) {
		rc = td_error(TD_EXIT_FAIL, "%s", cause);
		free(cause);
	}
	free(dir);
	return rc;
}

static int
agenthooks_edit(struct cmd_ctx *ctx, int argc, char **argv, int install)
{
	const struct agentcfg_agent *a;
	char *dir, *helper = NULL, *link = NULL, *path = NULL, *text = NULL, *out = NULL;
	char *cause = NULL;
	size_t len;
	int rc, user;

	if ((rc = agenthooks_args(ctx, argc, argv, NULL, &user, &dir)) != 0)
		return rc < 0 ? 0 : rc;
	if (optind + 1 != argc || (a = agentcfg_find(argv[optind])) == NULL) {
		free(dir);
		return args_usage(ctx, "name one agent: claude, codex or gemini");
	}
	if (a->toml && dir != NULL) {
		free(dir);
		return args_usage(ctx, "Codex 0.169 ignores notify in a project's .codex/config.toml; "
		    "use --user");
	}
	if ((helper = agenthooks_helper(&cause)) == NULL) {
		rc = td_error(TD_EXIT_FAIL, "%s", cause);
		goto out;
	}
	link = agenthooks_path(a, dir);
	path = agenthooks_target(link);
	if ((rc = agenthooks_read(path, &text, &len)) != 0)
		goto out;
	if (!install && text == NULL) {
		td_say("%s: not installed in %s (no such file)", a->name, link);
		goto out;
	}
	rc = a->toml ? agentcfg_toml_edit(text, len, helper, install, &out, &cause) :
	    agentcfg_json_edit(a, text, len, helper, install, &out, &cause);
	if (rc != 0)
		rc = td_error(rc, "%s: refused %s: %s", a->name, link, cause);
	else if (out == NULL)
		td_say("%s: %s %s", a->name, install ? "already installed in" : "not installed in",
		    link);
	else if ((rc = agenthooks_write(path, out, text != NULL)) == 0)
		td_say("%s: %s %s", a->name, install ? "installed in" : "removed from", link);
out:
	free(cause);
	free(out);
	free(text);
	free(path);
	free(link);
	free(helper);
	free(dir);
	return rc;
}

static int
cmd_agent_hooks_install(struct cmd_ctx *ctx, int argc, char **argv)
{
	return agenthooks_edit(ctx, argc, argv, 1);
}

static int
cmd_agent_hooks_rm(struct cmd_ctx *ctx, int argc, char **argv)
{
	return agenthooks_edit(ctx, argc, argv, 0);
}

static const char *
agenthooks_status_name(enum agentcfg_status s)
{
	return s == AGENTCFG_INSTALLED ? "installed" : s == AGENTCFG_PARTLY ? "partly" : "absent";
}

/* One file's line, or its JSON object added to LIST. */
static void
agenthooks_status_one(const struct agentcfg_agent *a, const char *dir, const char *helper,
    cJSON *list)
{
	enum agentcfg_status s = AGENTCFG_ABSENT;
	char *link = agenthooks_path(a, dir), *path = agenthooks_target(link), *text = NULL;
	char *cause = NULL;
	const char *status;
	size_t len;
	cJSON *o;

	if (agenthooks_read(path, &text, &len) != 0)
		status = "invalid";
	else if (text == NULL)
		status = "missing";
	else if ((a->toml ? agentcfg_toml_status(text, len, helper, &s, &cause) :
	    agentcfg_json_status(a, text, len, helper, &s, &cause)) != 0)
		status = "invalid";
	else
		status = agenthooks_status_name(s);
	if (list != NULL) {
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "agent", a->name);
		cJSON_AddStringToObject(o, "scope", dir != NULL ? "project" : "user");
		cJSON_AddStringToObject(o, "file", link);
		cJSON_AddStringToObject(o, "status", status);
		if (cause != NULL)
			cJSON_AddStringToObject(o, "reason", cause);
		cJSON_AddItemToArray(list, o);
	} else
		td_say("%-7s %-8s %s: %s%s%s", a->name, dir != NULL ? "project" : "user", link,
		    status, cause != NULL ? ": " : "", cause != NULL ? cause : "");
	free(cause);
	free(text);
	free(path);
	free(link);
}

static int
cmd_agent_hooks_status(struct cmd_ctx *ctx, int argc, char **argv)
{
	const struct agentcfg_agent *a;
	char *dir, *helper, *cause = NULL, *text, cwd[PATH_MAX];
	cJSON *out = NULL, *list = NULL;
	int rc, json = 0, user;

	if ((rc = agenthooks_args(ctx, argc, argv, &json, &user, &dir)) != 0)
		return rc < 0 ? 0 : rc;
	if (optind != argc) {
		free(dir);
		return args_usage(ctx, "unexpected '%s'", argv[optind]);
	}
	if ((helper = agenthooks_helper(&cause)) == NULL) {
		free(dir);
		rc = td_error(TD_EXIT_FAIL, "%s", cause);
		free(cause);
		return rc;
	}
	if (json) {
		out = cJSON_CreateObject();
		list = cJSON_AddArrayToObject(out, "hooks");
	}
	for (a = agentcfg_agents; a->name != NULL; a++) {
		if (dir == NULL)
			agenthooks_status_one(a, NULL, helper, list);
		/* Codex takes no notify from a project: there is nothing to report there. */
		if (!a->toml && (dir != NULL || (!user && getcwd(cwd, sizeof cwd) != NULL)))
			agenthooks_status_one(a, dir != NULL ? dir : cwd, helper, list);
	}
	if (json) {
		text = cJSON_PrintUnformatted(out);
		printf("%s\n", text);
		free(text);
		cJSON_Delete(out);
	}
	free(helper);
	free(dir);
	return 0;
}
