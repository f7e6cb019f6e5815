/*
 * Agent profiles: JSON to loaded profiles, and auto. The built-ins are data
 * (helper/profiles.json, compiled in as profiles_builtin_json); a user's profiles.json has the
 * same form and replaces built-ins of the same name. The patterns themselves are pattern.c's.
 * Errors are passed up as a cause string, remembered per file, so a process that asks for
 * profiles once per terminal reads and reports a broken file once.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "name.h"
#include "profile.h"
#include "trust.h"
#include "tmux-dispatch.h"

extern const char profiles_builtin_json[];

/* Named for this tool: a "profiles.json" a project happens to have is not ours. */
#define PROFILE_USER_FILE "tmux-dispatch.profiles.json"
#define PROFILE_MAX_FILE (4 * 1024 * 1024)

const char *profile_list_names[PL_NLISTS] = {
	"detect", "input", "exited", "waiting", "busy", "view", "idle", "typed", "require", "prompt",
	"done", "fresh", "menu"
};

/* The profiles in force for one user file: built-ins, then the user's, then auto. */
struct profile_set {
	char *user_path;
	cJSON *builtin_root;
	cJSON *user_root;
	struct profile **v;
	size_t n;
	struct profile *autop;
	int status;  /* TD_EXIT_* of a set that failed to load, with its cause */
	char *cause;
	char *untrusted; /* why the user's file was left out (not trusted), or NULL */
	struct profile_set *next;
};

static struct profile_set *profile_sets;

static void
profile_strings_free(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static void
profile_launch_free(struct profile_launch *l)
{
	profile_strings_free(l->argv, l->argc);
	profile_strings_free(l->oneshot, l->noneshot);
	profile_strings_free(l->resume, l->nresume);
	profile_strings_free(l->unset, l->nunset);
	profile_strings_free(l->quit.keys, l->quit.nkeys);
	profile_strings_free(l->interrupt.keys, l->interrupt.nkeys);
	profile_strings_free(l->nudge.keys, l->nudge.nkeys);
	free(l->nudge.text);
	profile_strings_free(l->clear.keys, l->clear.nkeys);
	free(l->clear.text);
	free(l->quit.text);
	free(l->interrupt.text);
	free(l->model_flag);
	free(l->session_flag);
}

static void
profile_free(struct profile *p)
{
	size_t i, j;

	if (p == NULL)
		return;
	profile_launch_free(&p->launch);
	ghost_spec_free(&p->suggestion);
	for (i = 0; i < PL_NLISTS; i++) {
		for (j = 0; j < p->lists[i].n; j++)
			pattern_free(&p->lists[i].v[j]);
		free(p->lists[i].v);
	}
	for (i = 0; i < p->ncommands; i++)
		free(p->commands[i]);
	free(p->commands);
	free(p->candidates);
	free(p->name);
	free(p->source);
	free(p->description);
	free(p);
}

void
profile_free_all(void)
{
	struct profile_set *set;
	size_t i;

	while ((set = profile_sets) != NULL) {
		profile_sets = set->next;
		for (i = 0; i < set->n; i++)
			profile_free(set->v[i]);
		profile_free(set->autop);
		free(set->v);
		cJSON_Delete(set->builtin_root);
		cJSON_Delete(set->user_root);
		free(set->user_path);
		free(set->cause);
		free(set->untrusted);
		free(set);
	}
}

static int
profile_region_parse(const char *text, struct region *r)
{
	static const struct {
		const char *name;
		enum region_kind kind;
		int n; /* 0: no count, 1: count optional, 2: count required */
	} names[] = {
		{ "screen", REGION_SCREEN, 0 },
		{ "last", REGION_LAST, 2 },
		{ "cursor", REGION_CURSOR, 0 },
		{ "input", REGION_INPUT, 0 },
		{ "footer", REGION_FOOTER, 1 },
		{ "transcript", REGION_TRANSCRIPT, 1 },
	};
	const char *colon = strchr(text, ':');
	size_t len = colon != NULL ? (size_t)(colon - text) : strlen(text), i;
	char *end;
	long n = 0;

	for (i = 0; i < sizeof names / sizeof names[0]; i++) {
		if (strlen(names[i].name) != len || strncmp(names[i].name, text, len) != 0)
			continue;
		if (colon != NULL) {
			if (names[i].n == 0)
				return -1;
			errno = 0;
			n = strtol(colon + 1, &end, 10);
			if (errno != 0 || end == colon + 1 || *end != '\0' || n < 1 || n > 100000)
				return -1;
		} else if (names[i].n == 2)
			return -1;
		r->kind = names[i].kind;
		r->n = (int)n;
		return 0;
	}
	return -1;
}

static int profile_strings(const cJSON *, char ***, size_t *);

/* Where a profile error is, built only when there is one. */
struct profile_at {
	const char *profile;
	const char *list;
	long index; /* -1: the list itself */
};

static void __attribute__((format(printf, 3, 4)))
profile_why(char **why, const struct profile_at *at, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	xvasprintf(&msg, fmt, ap);
	va_end(ap);
	if (at->index >= 0)
		xasprintf(why, "profile \"%s\": %s[%ld]: %s", at->profile, at->list, at->index, msg);
	else
		xasprintf(why, "profile \"%s\": %s: %s", at->profile, at->list, msg);
	free(msg);
}

static int
profile_pattern_parse(struct pattern *pt, const cJSON *item, struct region def, int regions,
    const struct profile_at *at, char **why)
{
	const cJSON *k;

	memset(pt, 0, sizeof *pt);
	pt->region = def;
	if (cJSON_IsString(item)) {
		pt->source = xstrdup(item->valuestring);
	} else if (cJSON_IsObject(item)) {
		cJSON_ArrayForEach(k, item) {
			if (strcmp(k->string, "match") == 0 && cJSON_IsString(k)) {
				free(pt->source);
				pt->source = xstrdup(k->valuestring);
			} else if (strcmp(k->string, "label") == 0 && cJSON_IsString(k)) {
				free(pt->label);
				pt->label = xstrdup(k->valuestring);
			} else if (strcmp(k->string, "commands") == 0) {
				if (pt->commands != NULL ||
				    profile_strings(k, &pt->commands, &pt->ncommands) != 0) {
					profile_why(why, at, "commands: expected an array of strings");
					return -1;
				}
			} else if (strcmp(k->string, "region") == 0 && cJSON_IsString(k) && regions) {
				if (profile_region_parse(k->valuestring, &pt->region) != 0) {
					profile_why(why, at, "unknown region \"%s\" (screen, last:N, "
					    "cursor, input, footer[:N], transcript[:N])", k->valuestring);
					return -1;
				}
			} else if (k->string[0] != '_') {
				profile_why(why, at, "unexpected \"%s\" (a pattern is a string or "
				    "{\"match\", \"region\", \"label\", \"commands\"}%s)", k->string,
				    regions ? "" : "; this list takes no region");
				return -1;
			}
		}
		if (pt->source == NULL) {
			profile_why(why, at, "a pattern object needs \"match\"");
			return -1;
		}
	} else {
		profile_why(why, at, "a pattern is a string or an object");
		return -1;
	}
	if (*pt->source == '\0') {
		profile_why(why, at, "empty pattern");
		return -1;
	}
	pattern_analyze(pt);
	return 0;
}

/* A list is [pattern...] or {"region": R, "patterns": [pattern...]}. */
static int
profile_list_parse(struct pattern_list *list, const cJSON *val, struct region def,
    int regions, struct profile_at *at, char **why)
{
	const cJSON *arr = val, *k, *item;
	size_t i;

	at->index = -1;
	if (cJSON_IsObject(val)) {
		arr = NULL;
		cJSON_ArrayForEach(k, val) {
			if (strcmp(k->string, "patterns") == 0)
				arr = k;
			else if (strcmp(k->string, "region") == 0 && cJSON_IsString(k) && regions) {
				if (profile_region_parse(k->valuestring, &def) != 0) {
					profile_why(why, at, "unknown region \"%s\"", k->valuestring);
					return -1;
				}
			} else if (k->string[0] != '_') {
				profile_why(why, at, "unexpected \"%s\" (expected \"patterns\"%s)",
				    k->string, regions ? " and \"region\"" : "");
				return -1;
			}
		}
		if (arr == NULL) {
			profile_why(why, at, "needs \"patterns\"");
			return -1;
		}
	}
	if (!cJSON_IsArray(arr)) {
		profile_why(why, at, "expected an array of patterns");
		return -1;
	}
	list->n = (size_t)cJSON_GetArraySize(arr);
	list->v = xcalloc(list->n, sizeof *list->v);
	i = 0;
	cJSON_ArrayForEach(item, arr) {
		at->index = (long)i;
		if (profile_pattern_parse(&list->v[i], item, def, regions, at, why) != 0) {
			list->n = i + 1; /* the failed one too: profile_free frees what it holds */
			return -1;
		}
		i++;
	}
	return 0;
}

static int
profile_strings(const cJSON *val, char ***out, size_t *n)
{
	const cJSON *item;

	if (!cJSON_IsArray(val))
		return -1;
	cJSON_ArrayForEach(item, val) {
		if (!cJSON_IsString(item))
			return -1;
	}
	*n = (size_t)cJSON_GetArraySize(val);
	*out = xcalloc(*n, sizeof **out);
	*n = 0;
	cJSON_ArrayForEach(item, val)
		(*out)[(*n)++] = xstrdup(item->valuestring);
	return 0;
}

/* A pattern list key of a profile: its default region, and whether patterns may say another. */
static int
profile_list_key(struct profile *p, int l, const cJSON *k, char **why)
{
	struct region def = { REGION_SCREEN, 0 };
	struct profile_at at = { p->name, k->string, -1 };
	int regions = l != PL_IDLE && l != PL_TYPED && l != PL_PROMPT && l != PL_DONE &&
	    l != PL_MENU;

	if (l == PL_INPUT && cJSON_IsString(k) && strcmp(k->valuestring, "cursor") == 0) {
		p->input_cursor = 1;
		return 0;
	}
	if (l == PL_EXITED)
		def.kind = REGION_CURSOR;
	else if (l == PL_IDLE || l == PL_TYPED)
		def.kind = REGION_INPUT;
	else if (l == PL_PROMPT || l == PL_DONE || l == PL_MENU)
		def.kind = REGION_TRANSCRIPT;
	return profile_list_parse(&p->lists[l], k, def, regions, &at, why);
}

/* An argv of the launch data: a non-empty array of non-empty strings. */
static int
profile_argv(const cJSON *k, char ***v, size_t *n, const char *pname, const char *key,
    char **why)
{
	size_t i;

	if (*v != NULL || profile_strings(k, v, n) != 0 || *n == 0) {
		xasprintf(why, "profile \"%s\": %s: expected a non-empty array of strings", pname,
		    key);
		return -1;
	}
	for (i = 0; i < *n; i++) {
		if ((*v)[i][0] == '\0') {
			xasprintf(why, "profile \"%s\": %s[%zu]: empty", pname, key, i);
			return -1;
		}
	}
	return 0;
}

/* Whether V holds WORD as one whole element. */
static int
profile_argv_has(char **v, size_t n, const char *word)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (strcmp(v[i], word) == 0)
			return 1;
	}
	return 0;
}

/* An environment variable name: [A-Za-z_][A-Za-z0-9_]*. */
int
profile_env_name(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || (s[0] >= '0' && s[0] <= '9'))
		return 0;
	for (i = 0; i < len; i++) {
		if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return 0;
	}
	return 1;
}

/* A tmux key name (Enter, Escape, C-c, M-x, F1): letters, digits and '-' only, so none can
 * be taken for an option or end the tmux command. */
static int
profile_key_name(const char *s)
{
	size_t i;

	if (s[0] == '\0' || s[0] == '-')
		return 0;
	for (i = 0; s[i] != '\0'; i++) {
		if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return 0;
	}
	return 1;
}

/* "quit", "interrupt": {"text": "/exit", "keys": ["Enter"]}, at least one of the two. */
static int
profile_keys_parse(struct profile_keys *pk, const cJSON *k, const char *pname, char **why)
{
	const cJSON *e;
	size_t i;

	if (!cJSON_IsObject(k))
		goto bad;
	cJSON_ArrayForEach(e, k) {
		if (strcmp(e->string, "text") == 0 && cJSON_IsString(e) && pk->text == NULL &&
		    e->valuestring[0] != '\0' && name_text_error(e->valuestring, "") == NULL)
			pk->text = xstrdup(e->valuestring);
		else if (strcmp(e->string, "keys") == 0 && pk->keys == NULL &&
		    profile_strings(e, &pk->keys, &pk->nkeys) == 0) {
			for (i = 0; i < pk->nkeys; i++) {
				if (!profile_key_name(pk->keys[i]))
					goto bad;
			}
		} else if (e->string[0] != '_')
			goto bad;
	}
	if (pk->text != NULL || pk->nkeys != 0)
		return 0;
bad:
	xasprintf(why, "profile \"%s\": %s: expected {\"text\": TEXT, \"keys\": [KEY...]} "
	    "(text without control characters; keys are tmux key names such as Enter, Escape, "
	    "C-c)", pname, k->string);
	return -1;
}

/* "clear": {"keys": [KEY...]}: keys only, each sent after a look at the input (restore.h). */
static int
profile_clear_parse(struct profile_keys *pk, const cJSON *k, const char *pname, char **why)
{
	if (profile_keys_parse(pk, k, pname, why) != 0)
		return -1;
	if (pk->text == NULL && pk->nkeys != 0)
		return 0;
	xasprintf(why, "profile \"%s\": clear: expected {\"keys\": [KEY...]} (tmux key names "
	    "such as Escape, C-u; no text)", pname);
	return -1;
}

/* "oneshot": {"argv": [...], "prompt": "stdin" | "file"}; a file is named by {prompt_file}. */
static int
profile_oneshot_parse(struct profile_launch *l, const cJSON *k, const char *pname, char **why)
{
	const cJSON *e, *prompt = cJSON_GetObjectItemCaseSensitive(k, "prompt");

	if (!cJSON_IsObject(k) || !cJSON_IsString(prompt) ||
	    (strcmp(prompt->valuestring, "stdin") != 0 &&
	    strcmp(prompt->valuestring, "file") != 0)) {
		xasprintf(why, "profile \"%s\": oneshot: expected {\"argv\": [...], \"prompt\": "
		    "\"stdin\" or \"file\"}", pname);
		return -1;
	}
	l->oneshot_file = strcmp(prompt->valuestring, "file") == 0;
	cJSON_ArrayForEach(e, k) {
		if (strcmp(e->string, "argv") == 0) {
			if (profile_argv(e, &l->oneshot, &l->noneshot, pname, "oneshot.argv",
			    why) != 0)
				return -1;
		} else if (strcmp(e->string, "prompt") != 0 && e->string[0] != '_') {
			xasprintf(why, "profile \"%s\": oneshot: unexpected \"%s\" (expected argv, "
			    "prompt)", pname, e->string);
			return -1;
		}
	}
	if (l->oneshot == NULL || l->oneshot_file != profile_argv_has(l->oneshot, l->noneshot,
	    PROFILE_PROMPT_FILE)) {
		xasprintf(why, "profile \"%s\": oneshot: needs \"argv\"%s", pname,
		    l->oneshot_file ? " with a " PROFILE_PROMPT_FILE " element (prompt: file)" :
		    " without " PROFILE_PROMPT_FILE " (prompt: stdin)");
		return -1;
	}
	return 0;
}

/* "modelFlag", "sessionFlag": one option word such as --model. */
static int
profile_flag_parse(char **out, const cJSON *k, const char *pname, char **why)
{
	if (*out != NULL || !cJSON_IsString(k) || k->valuestring[0] != '-' ||
	    k->valuestring[1] == '\0' || name_text_error(k->valuestring, "") != NULL ||
	    strchr(k->valuestring, ';') != NULL) {
		xasprintf(why, "profile \"%s\": %s: expected an option such as \"--model\"", pname,
		    k->string);
		return -1;
	}
	*out = xstrdup(k->valuestring);
	return 0;
}

static int
profile_env_parse(struct profile_launch *l, const cJSON *k, const char *pname, char **why)
{
	size_t i;

	if (l->unset != NULL || profile_strings(k, &l->unset, &l->nunset) != 0)
		goto bad;
	for (i = 0; i < l->nunset; i++) {
		if (!profile_env_name(l->unset[i], strlen(l->unset[i])))
			goto bad;
	}
	return 0;
bad:
	xasprintf(why, "profile \"%s\": env: expected an array of variable names to unset "
	    "([A-Za-z_][A-Za-z0-9_]*)", pname);
	return -1;
}

/* A launch key; returns 1 when K is not one. */
static int
profile_launch_key(struct profile *p, const cJSON *k, char **why)
{
	struct profile_launch *l = &p->launch;

	if (strcmp(k->string, "launch") == 0)
		return profile_argv(k, &l->argv, &l->argc, p->name, "launch", why);
	if (strcmp(k->string, "modelFlag") == 0)
		return profile_flag_parse(&l->model_flag, k, p->name, why);
	if (strcmp(k->string, "sessionFlag") == 0)
		return profile_flag_parse(&l->session_flag, k, p->name, why);
	if (strcmp(k->string, "oneshot") == 0)
		return profile_oneshot_parse(l, k, p->name, why);
	if (strcmp(k->string, "quit") == 0)
		return profile_keys_parse(&l->quit, k, p->name, why);
	if (strcmp(k->string, "interrupt") == 0)
		return profile_keys_parse(&l->interrupt, k, p->name, why);
	if (strcmp(k->string, "nudge") == 0)
		return profile_keys_parse(&l->nudge, k, p->name, why);
	if (strcmp(k->string, "clear") == 0)
		return profile_clear_parse(&l->clear, k, p->name, why);
	if (strcmp(k->string, "env") == 0)
		return profile_env_parse(l, k, p->name, why);
	if (strcmp(k->string, "resume") != 0)
		return 1;
	if (profile_argv(k, &l->resume, &l->nresume, p->name, "resume", why) != 0)
		return -1;
	if (!profile_argv_has(l->resume, l->nresume, PROFILE_SESSION)) {
		xasprintf(why, "profile \"%s\": resume: needs a " PROFILE_SESSION " element for "
		    "the recorded session id", p->name);
		return -1;
	}
	return 0;
}

/* A key of a profile definition that is not a pattern list. */
static int
profile_other_key(struct profile *p, const cJSON *k, char **why)
{
	int rc;

	if ((rc = profile_launch_key(p, k, why)) != 1)
		return rc;
	if (strcmp(k->string, "suggestion") == 0)
		return ghost_spec_parse(&p->suggestion, k, p->name, why);
	if (strcmp(k->string, "description") == 0 && cJSON_IsString(k)) {
		free(p->description);
		p->description = xstrdup(k->valuestring);
	} else if (strcmp(k->string, "commands") == 0) {
		if (profile_strings(k, &p->commands, &p->ncommands) != 0) {
			xasprintf(why, "profile \"%s\": commands: expected an array of strings",
			    p->name);
			return -1;
		}
	} else if (strcmp(k->string, "foreground") == 0 && cJSON_IsBool(k)) {
		p->foreground = cJSON_IsTrue(k);
	} else if (strcmp(k->string, "open") == 0 && cJSON_IsString(k) &&
	    (strcmp(k->valuestring, "busy") == 0 || strcmp(k->valuestring, "unknown") == 0)) {
		p->open_busy = strcmp(k->valuestring, "busy") == 0;
	} else if (k->string[0] != '_') {
		xasprintf(why, "profile \"%s\": unexpected \"%s\" (expected description, "
		    "commands, foreground, input, detect, exited, waiting, busy, view, idle, typed, "
		    "require, prompt, done, fresh, menu, open, launch, modelFlag, sessionFlag, "
		    "oneshot, quit, interrupt, nudge, clear, resume, env, suggestion; \"open\" is "
		    "\"busy\" or \"unknown\")",
		    p->name, k->string);
		return -1;
	}
	return 0;
}

/* Every pattern compiled now, so a user's bad expression is an error at once. */
static int
profile_compile_all(struct profile *p, char **why)
{
	size_t i;
	char *msg;
	int l;

	for (l = 0; l < PL_NLISTS; l++) {
		for (i = 0; i < p->lists[l].n; i++) {
			if (pattern_compile(&p->lists[l].v[i], &msg) != 0) {
				xasprintf(why, "profile \"%s\": %s[%zu]: %s", p->name,
				    profile_list_names[l], i, msg);
				free(msg);
				return -1;
			}
		}
	}
	return 0;
}

/* Whether a key before K has its name: the second would replace the first without a word. */
static int
profile_key_twice(const cJSON *def, const cJSON *k)
{
	const cJSON *e;

	for (e = def->child; e != k; e = e->next) {
		if (strcmp(e->string, k->string) == 0)
			return 1;
	}
	return 0;
}

/* Builds a profile from its JSON definition; with CHECK, compiles every pattern now. */
static struct profile *
profile_parse(const char *name, const cJSON *def, const char *source, int check, char **why)
{
	struct profile *p = xcalloc(1, sizeof *p);
	const cJSON *k;
	int l, rc = 0;

	p->name = xstrdup(name);
	p->source = xstrdup(source);
	p->json = (cJSON *)def;
	if (!cJSON_IsObject(def)) {
		xasprintf(why, "profile \"%s\": expected an object", name);
		rc = -1;
	}
	for (k = rc == 0 ? def->child : NULL; k != NULL && rc == 0; k = k->next) {
		if (profile_key_twice(def, k)) {
			xasprintf(why, "profile \"%s\": \"%s\" is given twice", name, k->string);
			rc = -1;
			break;
		}
		for (l = 0; l < PL_NLISTS && strcmp(k->string, profile_list_names[l]) != 0; l++)
			;
		rc = l < PL_NLISTS ? profile_list_key(p, l, k, why) : profile_other_key(p, k, why);
	}
	if (rc == 0 && check)
		rc = profile_compile_all(p, why);
	if (rc != 0) {
		profile_free(p);
		return NULL;
	}
	return p;
}

int
profile_user_named(void)
{
	const char *env = getenv("TMUX_DISPATCH_PROFILES");

	return env != NULL && *env != '\0';
}

char *
profile_user_path(const char *state_dir)
{
	const char *env = getenv("TMUX_DISPATCH_PROFILES");
	char *path;

	if (env != NULL && *env != '\0')
		return xstrdup(env);
	if (state_dir == NULL || *state_dir == '\0')
		state_dir = ".";
	xasprintf(&path, "%s/%s", state_dir, PROFILE_USER_FILE);
	return path;
}

/* Reads the user's file; *text is NULL if it does not exist and need not. */
static int
profile_read_user(const char *path, int must_exist, char **text, char **cause)
{
	size_t len;
	int rc = file_read_path(path, PROFILE_MAX_FILE, text, &len, cause);

	if (rc == TD_EXIT_NOTFOUND && !must_exist) {
		free(*cause);
		*cause = NULL;
		return 0;
	}
	/* A profiles file named but missing is a runtime failure, as before. */
	return rc == TD_EXIT_NOTFOUND ? TD_EXIT_FAIL : rc;
}

static cJSON *
profile_parse_text(const char *text, const char *source, char **cause)
{
	const char *end = NULL;
	cJSON *root;
	size_t line, col;

	root = cJSON_ParseWithOpts(text, &end, 1);
	if (root == NULL) {
		if (end == NULL)
			end = cJSON_GetErrorPtr();
		file_position(text, end != NULL ? (size_t)(end - text) : 0, &line, &col);
		xasprintf(cause, "%s:%zu:%zu: invalid JSON", source, line, col);
		return NULL;
	}
	if (!cJSON_IsObject(root)) {
		xasprintf(cause, "%s:1:1: expected an object of profiles by name", source);
		cJSON_Delete(root);
		return NULL;
	}
	return root;
}

static void
profile_set_add(struct profile_set *set, struct profile *p)
{
	size_t i;

	for (i = 0; i < set->n; i++) {
		if (strcmp(set->v[i]->name, p->name) == 0) {
			profile_free(set->v[i]);
			set->v[i] = p;
			return;
		}
	}
	set->v = xreallocarray(set->v, set->n + 1, sizeof *set->v);
	set->v[set->n++] = p;
}

/* Fills a set from a root object; returns -1 with the first bad profile in *cause. */
static int
profile_set_fill(struct profile_set *set, cJSON *root, const char *source, int user,
    char **cause)
{
	struct profile *p;
	cJSON *def;
	char *why = NULL;

	cJSON_ArrayForEach(def, root) {
		if (def->string[0] == '_' || def->string[0] == '$')
			continue; /* comments, "$schema" */
		if (strcmp(def->string, "auto") == 0) {
			xasprintf(cause, "%s: \"auto\" is reserved: it picks one of the other "
			    "profiles", source);
			return -1;
		}
		if (!name_valid(def->string)) {
			xasprintf(cause, "%s: \"%s\" is not a profile name (1 to 64 of A-Z a-z 0-9 . "
			    "_ -)", source, def->string);
			return -1;
		}
		if ((p = profile_parse(def->string, def, user ? source : "built-in", user,
		    &why)) == NULL) {
			xasprintf(cause, "%s: %s", source, why);
			free(why);
			return -1;
		}
		profile_set_add(set, p);
	}
	return 0;
}

static void
profile_set_auto(struct profile_set *set)
{
	struct profile *a = xcalloc(1, sizeof *a);
	size_t i;

	a->name = xstrdup("auto");
	a->source = xstrdup("built-in");
	a->description = xstrdup("recognises the program from the screen and the foreground "
	    "command, then uses its profile");
	a->is_auto = 1;
	a->candidates = xcalloc(set->n + 1, sizeof *a->candidates);
	for (i = 0; i < set->n; i++) {
		if (strcmp(set->v[i]->name, "shell") == 0)
			a->shell = set->v[i];
		else if (set->v[i]->lists[PL_DETECT].n != 0 || set->v[i]->ncommands != 0)
			a->candidates[a->ncandidates++] = set->v[i];
	}
	set->autop = a;
}

/* The built-ins and the user's file into SET; on failure set->status and set->cause say why. */
static void
profile_set_load(struct profile_set *set)
{
	char *text = NULL;

	/*
	 * How a screen is read comes only from files the user trusts: a profiles file beside the
	 * state that is not trusted (a git pull added it) is not read, for reading either.
	 */
	if ((profile_user_named() || trust_check(set->user_path, TRUST_FILE,
	    &set->untrusted) == 0) && (set->status = profile_read_user(set->user_path,
	    profile_user_named(), &text, &set->cause)) != 0)
		return;
	set->status = TD_EXIT_INVALID;
	set->builtin_root = profile_parse_text(profiles_builtin_json, "built-in profiles",
	    &set->cause);
	if (set->builtin_root == NULL ||
	    profile_set_fill(set, set->builtin_root, "built-in profiles", 0, &set->cause) != 0)
		goto out;
	if (text != NULL && ((set->user_root = profile_parse_text(text, set->user_path,
	    &set->cause)) == NULL ||
	    profile_set_fill(set, set->user_root, set->user_path, 1, &set->cause) != 0))
		goto out;
	profile_set_auto(set);
	set->status = 0;
out:
	free(text);
}

/* The set for the profiles file that applies to STATE_DIR, loaded once per process. */
static struct profile_set *
profile_load(const char *state_dir, char **cause)
{
	struct profile_set *set;
	char *path = profile_user_path(state_dir);

	for (set = profile_sets; set != NULL; set = set->next) {
		if (strcmp(set->user_path, path) == 0)
			break;
	}
	if (set == NULL) {
		set = xcalloc(1, sizeof *set);
		set->user_path = path;
		path = NULL;
		profile_set_load(set);
		set->next = profile_sets;
		profile_sets = set;
	}
	free(path);
	if (set->status != 0)
		*cause = xstrdup(set->cause);
	return set;
}

int
profile_get(const char *name, const char *state_dir, const struct profile **out, char **cause)
{
	struct profile_set *set = profile_load(state_dir, cause);
	size_t i;

	*out = NULL;
	if (set->status != 0)
		return set->status;
	if (strcmp(name, "auto") == 0) {
		*out = set->autop;
		return 0;
	}
	for (i = 0; i < set->n; i++) {
		if (strcmp(set->v[i]->name, name) == 0) {
			*out = set->v[i];
			return 0;
		}
	}
	if (set->untrusted != NULL)
		xasprintf(cause, "no profile '%s': %s", name, set->untrusted);
	else
		xasprintf(cause, "no profile '%s' (see tmux-dispatch profiles ls)", name);
	return TD_EXIT_NOTFOUND;
}

int
profile_all(const char *state_dir, const struct profile *const **all, size_t *n, char **cause)
{
	struct profile_set *set = profile_load(state_dir, cause);

	*all = NULL;
	*n = 0;
	if (set->status != 0)
		return set->status;
	*all = (const struct profile *const *)set->v;
	*n = set->n;
	return 0;
}

int
profile_has_command(const struct profile *p, const char *name)
{
	return pattern_in(p->commands, p->ncommands, name);
}
