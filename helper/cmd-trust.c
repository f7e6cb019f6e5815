/* trust, untrust: which state files (and the profiles and templates beside them) may deliver. */
#include <dirent.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mode.h"
#include "profile.h"
#include "state.h"
#include "trust.h"
#include "tmux-dispatch.h"

static int cmd_trust(struct cmd_ctx *, int, char **);

const struct cmd_entry cmd_trust_entry = {
	"trust", "[PATH] | --list [--json]",
	"let a state file you have read (and its profiles file and templates) deliver",
	"  PATH    a state file (default: the one in use), a tmux-dispatch.profiles.json or a\n"
	"          template modes/NAME.md; for a state file, the profiles file and the\n"
	"          templates (modes/*.md) beside it are trusted too, as they are now\n"
	"  --list  the trusted files (--json: the store as written)\n"
	"  A state file this helper created is trusted already. One that is not (a repository\n"
	"  shipped it, another tool wrote it) can be read but delivers nothing until trusted.\n"
	"  A file another user owns, or others may write, cannot be trusted. A trusted profiles\n"
	"  file or template that changes must be trusted again.\n",
	cmd_trust
};

const struct cmd_entry cmd_untrust_entry = {
	"untrust", "[PATH]", "stop a state file (or a profiles file or template) from delivering",
	NULL,
	cmd_trust
};

static int
trust_print_list(int json)
{
	cJSON *root, *rec;
	char *cause = NULL;

	if ((root = trust_list(&cause)) == NULL) {
		td_error(TD_EXIT_FAIL, "%s", cause);
		free(cause);
		return TD_EXIT_FAIL;
	}
	if (json)
		state_json_print(root);
	else {
		cJSON_ArrayForEach(rec, cJSON_GetObjectItemCaseSensitive(root, "files")) {
			td_print_safe(stdout, rec->string);
			printf("  %s\n", state_str(rec, "kind") != NULL ? state_str(rec, "kind") : "?");
		}
	}
	cJSON_Delete(root);
	return 0;
}

/* Whether PATH names a file beside a state file (profiles, a template) rather than a state. */
static int
trust_is_side(const char *path)
{
	const char *slash = strrchr(path, '/'), *base = slash != NULL ? slash + 1 : path;
	char *dir = file_dirname(path), *prof = profile_user_path(dir);
	const char *dslash = strrchr(dir, '/'), *dbase = dslash != NULL ? dslash + 1 : dir;
	size_t len = strlen(base);
	int is = strcmp(base, strrchr(prof, '/') + 1) == 0 ||
	    (strcmp(dbase, MODE_DIR) == 0 && len > strlen(MODE_SUFFIX) &&
	    strcmp(base + len - strlen(MODE_SUFFIX), MODE_SUFFIX) == 0);

	free(prof);
	free(dir);
	return is;
}

/* Trusts (or forgets) PATH of KIND, saying so. */
static int
trust_one(const char *path, int kind, int add)
{
	char *cause = NULL;
	int rc = add ? trust_add(path, kind, &cause) : trust_remove(path, &cause);

	if (rc != 0) {
		td_error(rc, "%s", cause);
		free(cause);
		return rc;
	}
	printf("%s ", add ? "trusted" : "untrusted");
	td_print_safe(stdout, path);
	putchar('\n');
	return 0;
}

/* Every template beside the state in DIR, as it is now: a later one needs trusting itself. */
static int
trust_modes(const char *dir)
{
	struct dirent *de;
	char *modes, *path;
	size_t len;
	DIR *d;
	int rc = 0;

	xasprintf(&modes, "%s/" MODE_DIR, dir);
	if ((d = opendir(modes)) != NULL) {
		while ((de = readdir(d)) != NULL) {
			len = strlen(de->d_name);
			if (de->d_name[0] == '.' || len <= strlen(MODE_SUFFIX) ||
			    strcmp(de->d_name + len - strlen(MODE_SUFFIX), MODE_SUFFIX) != 0)
				continue;
			xasprintf(&path, "%s/%s", modes, de->d_name);
			if (trust_one(path, TRUST_FILE, 1) != 0)
				rc = TD_EXIT_UNTRUSTED;
			free(path);
		}
		closedir(d);
	}
	free(modes);
	return rc;
}

static int
cmd_trust(struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "list", no_argument, NULL, 'l' }, { "json", no_argument, NULL, 'j' }, ARGS_HELP,
		{ NULL, 0, NULL, 0 }
	};
	int add = ctx->entry == &cmd_trust_entry, c, rc = 0, list = 0, json = 0;
	char *path, *dir, *prof;

	while ((c = args_next(ctx, argc, argv, add ? "lj" : "", add ? opts : opts + 2, &rc)) != -1) {
		if (c == 'l')
			list = 1;
		else if (c == 'j')
			json = 1;
		else
			return rc;
	}
	if (argc - optind > 1 || (list && argc != optind))
		return args_usage(ctx, "expected at most one PATH");
	if (list || json)
		return list ? trust_print_list(json) : args_usage(ctx, "--json goes with --list");
	path = state_find_path(optind < argc ? argv[optind] : ctx->state_path);
	if (trust_is_side(path)) {
		rc = trust_one(path, TRUST_FILE, add);
	} else if (access(path, F_OK) != 0 && add) {
		rc = td_error(TD_EXIT_NOTFOUND, "no state file at %s", path);
	} else if ((rc = trust_one(path, TRUST_STATE, add)) == 0 && add) {
		dir = file_dirname(path);
		prof = profile_user_path(dir);
		/* The one beside the state; one named by $TMUX_DISPATCH_PROFILES is the user's. */
		if (!profile_user_named() && access(prof, F_OK) == 0)
			rc = trust_one(prof, TRUST_FILE, 1);
		if (trust_modes(dir) != 0 && rc == 0)
			rc = TD_EXIT_UNTRUSTED;
		free(prof);
		free(dir);
	}
	free(path);
	return rc;
}
