/* profiles ls, profiles show: the screen profiles in force, as data users can copy. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "profile.h"
#include "state.h"
#include "tmux-dispatch.h"

static int cmd_profiles_ls_exec(struct cmd_ctx *, int, char **);
static int cmd_profiles_show_exec(struct cmd_ctx *, int, char **);

const struct cmd_entry cmd_profiles_ls_entry = {
	"profiles ls", "[--json]",
	"list the screen profiles: built-in, and those of your profiles file",
	"  -j, --json   print [{\"name\",\"source\",\"description\"}...]\n"
	"\n"
	"Your profiles file is $TMUX_DISPATCH_PROFILES, else tmux-dispatch.profiles.json beside\n"
	"the state file; a profile there replaces the built-in of the same name. It must be\n"
	"trusted (tmux-dispatch trust) before a check delivers with it.\n",
	cmd_profiles_ls_exec
};

const struct cmd_entry cmd_profiles_show_entry = {
	"profiles show", "NAME",
	"print a profile as JSON, ready to copy into your profiles file and adapt",
	NULL,
	cmd_profiles_show_exec
};

static int
cmd_profiles_ls_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	const struct profile *const *all, *a;
	cJSON *out, *o;
	char *dir, *text, *cause = NULL;
	size_t n, i;
	int rc, json = 0;

	if (!args_json(ctx, argc, argv, &json, &rc))
		return rc;
	if (optind < argc)
		return args_usage(ctx, "unexpected '%s'", argv[optind]);
	dir = state_find_dir(ctx->state_path);
	if ((rc = profile_all(dir, &all, &n, &cause)) == 0)
		rc = profile_get("auto", dir, &a, &cause);
	free(dir);
	if (rc != 0) {
		td_error(rc, "%s", cause);
		free(cause);
		return rc;
	}
	if (json) {
		out = cJSON_CreateArray();
		for (i = 0; i <= n; i++) {
			const struct profile *p = i < n ? all[i] : a;

			o = cJSON_CreateObject();
			cJSON_AddStringToObject(o, "name", p->name);
			cJSON_AddStringToObject(o, "source", p->source);
			cJSON_AddStringToObject(o, "description",
			    p->description != NULL ? p->description : "");
			cJSON_AddItemToArray(out, o);
		}
		text = cJSON_PrintUnformatted(out);
		printf("%s\n", text);
		free(text);
		cJSON_Delete(out);
		return TD_EXIT_OK;
	}
	for (i = 0; i <= n; i++) {
		const struct profile *p = i < n ? all[i] : a;

		td_say("%-10s %-10s %s", p->name, p->source,
		    p->description != NULL ? p->description : "");
	}
	return TD_EXIT_OK;
}

static int
cmd_profiles_show_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = { ARGS_HELP, { NULL, 0, NULL, 0 } };
	const struct profile *p;
	cJSON *out, *def, *tries;
	char *dir, *text, *cause = NULL;
	size_t i;
	int c, rc;

	while ((c = args_next(ctx, argc, argv, "", opts, &rc)) != -1) {
		if (c == 0)
			return rc;
	}
	if (optind + 1 != argc)
		return args_usage(ctx, optind == argc ? "which profile?" : "one NAME only");
	dir = state_find_dir(ctx->state_path);
	rc = profile_get(argv[optind], dir, &p, &cause);
	free(dir);
	if (rc != 0) {
		td_error(rc, "%s", cause);
		free(cause);
		return rc;
	}
	out = cJSON_CreateObject();
	if (p->is_auto) {
		/* Not data of its own: say what it picks from. */
		def = cJSON_AddObjectToObject(out, p->name);
		cJSON_AddStringToObject(def, "description", p->description);
		tries = cJSON_AddArrayToObject(def, "recognises");
		for (i = 0; i < p->ncandidates; i++)
			cJSON_AddItemToArray(tries, cJSON_CreateString(p->candidates[i]->name));
		if (p->shell != NULL)
			cJSON_AddStringToObject(def, "otherwise", p->shell->name);
	} else
		cJSON_AddItemToObject(out, p->name, cJSON_Duplicate(p->json, 1));
	text = cJSON_Print(out);
	printf("%s\n", text);
	free(text);
	cJSON_Delete(out);
	return TD_EXIT_OK;
}
