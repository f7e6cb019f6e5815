/* Escalation (escalate.h): event line, attached clients, the notify command. */
#include <fcntl.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "capture.h"
#include "durable.h"
#include "escalate.h"
#include "events.h"
#include "state.h"
#include "tmux-dispatch.h"
#include "tmux.h"

extern char **environ;

#define ESCALATE_MESSAGE_MS "10000"

void
escalate_add(struct escalations *e, const char *kind, const char *terminal, const char *item,
    const char *pane, const char *reason)
{
	struct escalation *x;

	e->v = xreallocarray(e->v, e->n + 1, sizeof *e->v);
	x = &e->v[e->n++];
	x->kind = xstrdup(kind);
	x->terminal = xstrdup(terminal);
	x->item = xstrdup(item);
	x->pane = xstrdup(pane);
	x->reason = xstrdup(reason);
}

void
escalate_free(struct escalations *e)
{
	size_t i;

	for (i = 0; i < e->n; i++) {
		free(e->v[i].kind);
		free(e->v[i].terminal);
		free(e->v[i].item);
		free(e->v[i].pane);
		free(e->v[i].reason);
	}
	free(e->v);
	memset(e, 0, sizeof *e);
}

void
escalate_argv_free(char **argv)
{
	char **a;

	for (a = argv; a != NULL && *a != NULL; a++)
		free(*a);
	free(argv);
}

static void
escalate_argv_add(char ***argv, size_t *n, char *word)
{
	*argv = xreallocarray(*argv, *n + 2, sizeof **argv);
	(*argv)[(*n)++] = word;
	(*argv)[*n] = NULL;
}

/* A JSON array of strings keeps spaces in a word; otherwise words are split at blanks. */
char **
escalate_argv(const char *notify)
{
	char **argv = NULL, *copy, *word, *save;
	const cJSON *arr, *w;
	size_t n = 0;

	if (notify == NULL)
		return NULL;
	if (notify[strspn(notify, " \t")] == '[') {
		arr = cJSON_Parse(notify);
		cJSON_ArrayForEach(w, arr) {
			if (!cJSON_IsString(w) || *w->valuestring == '\0') {
				escalate_argv_free(argv);
				argv = NULL;
				break;
			}
			escalate_argv_add(&argv, &n, xstrdup(w->valuestring));
		}
		cJSON_Delete((cJSON *)arr);
		return argv;
	}
	copy = xstrdup(notify);
	for (word = strtok_r(copy, " \t\n", &save); word != NULL;
	    word = strtok_r(NULL, " \t\n", &save))
		escalate_argv_add(&argv, &n, xstrdup(word));
	free(copy);
	return argv;
}

/* The pane's screen now, kept beside the state for the notify command; its path or NULL. */
static char *
escalate_screen(const char *state_path, const struct escalation *x)
{
	struct pane_meta meta;
	char *dir, *path = NULL, *text, *cause = NULL;
	mode_t mode = durable_mode_of(state_path);
	size_t len;

	if (x->pane == NULL || capture_pane(x->pane, &meta, &text, &len, &cause) != 0) {
		free(cause);
		return NULL;
	}
	if ((dir = state_side_path(state_path, "escalations")) != NULL) {
		xasprintf(&path, "%s/%s-%lld-%s.txt", dir, x->terminal, (long long)time(NULL),
		    x->kind);
		if (durable_mkdir(dir, mode, &cause) != 0 ||
		    durable_replace(path, text, len, mode, &cause) != 0) {
			free(path);
			path = NULL;
		}
	}
	free(cause);
	free(dir);
	free(text);
	return path;
}

static void
escalate_env_add(char ***env, size_t *n, const char *name, const char *value)
{
	char *kv;

	xasprintf(&kv, "%s=%s", name, value != NULL ? value : "");
	escalate_argv_add(env, n, kv);
}

/* The notify command, started and left to run: it must not hold a check up. */
static void
escalate_notify(char **argv, const struct escalation *x, const char *screen)
{
	posix_spawn_file_actions_t fa;
	char **env = NULL, **e;
	size_t n = 0;
	pid_t pid;

	for (e = environ; *e != NULL; e++) {
		if (strncmp(*e, "TD_", 3) != 0)
			escalate_argv_add(&env, &n, xstrdup(*e));
	}
	escalate_env_add(&env, &n, "TD_EVENT", x->kind);
	escalate_env_add(&env, &n, "TD_TERMINAL", x->terminal);
	escalate_env_add(&env, &n, "TD_ITEM", x->item);
	escalate_env_add(&env, &n, "TD_REASON", x->reason);
	escalate_env_add(&env, &n, "TD_SCREEN", screen);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	if (posix_spawnp(&pid, argv[0], &fa, NULL, argv, env) != 0)
		td_error(TD_EXIT_FAIL, "cannot run the notify command %s", argv[0]);
	posix_spawn_file_actions_destroy(&fa);
	escalate_argv_free(env);
}

/* "tmux-dispatch: NAME stalled: REASON" on every attached client, formats not expanded. */
static void
escalate_display(const struct escalation *x)
{
	static const char *const list[] = { "list-clients", "-F", "#{client_name}", NULL };
	struct tmux_result res;
	const char **argv = NULL;
	char *msg, *value, *shown, *o, *line, *next;
	const char *p;
	size_t n = 0;

	if (tmux_run(list, NULL, 0, &res) != 0 || *res.out == '\0') {
		tmux_result_free(&res);
		return;
	}
	xasprintf(&msg, "tmux-dispatch: %s %s: %s", x->terminal, x->kind, x->reason);
	value = tmux_arg(msg);
	shown = o = xmalloc(strlen(value) * 2 + 1);
	for (p = value; *p != '\0'; p++)
		if ((*o++ = *p) == '#')
			*o++ = '#';
	*o = '\0';
	for (line = res.out; *line != '\0'; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		else
			next = line + strlen(line);
		argv = xreallocarray(argv, n + 8, sizeof *argv);
		if (n > 0)
			argv[n++] = ";";
		argv[n++] = "display-message";
		argv[n++] = "-c";
		argv[n++] = line;
		argv[n++] = "-d";
		argv[n++] = ESCALATE_MESSAGE_MS;
		argv[n++] = shown;
		argv[n] = NULL;
	}
	if (argv != NULL) {
		struct tmux_result r;
		tmux_run(argv, NULL, 0, &r);
		tmux_result_free(&r);
	}
	free(argv);
	free(shown);
	free(value);
	free(msg);
	tmux_result_free(&res);
}

void
escalate_send(const struct escalations *e, const char *state_path, const char *notify)
{
	char **argv = escalate_argv(notify), *screen, *reason;
	size_t i;

	for (i = 0; i < e->n; i++) {
		const struct escalation *x = &e->v[i];
		xasprintf(&reason, "%s: %s", x->kind, x->reason);
		events_log(state_path, x->terminal, x->pane, x->item, "escalated", reason);
		free(reason);
		escalate_display(x);
		if (argv != NULL) {
			screen = escalate_screen(state_path, x);
			escalate_notify(argv, x, screen);
			free(screen);
		}
	}
	escalate_argv_free(argv);
}
