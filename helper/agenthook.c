/*
 * `hook agent EVENT`. The agent runs it while its turn is ending and waits for it (Claude
 * Code's Stop, Gemini's AfterAgent, Codex's notify), and may read what it prints. So the
 * cheap part runs here and decides, within a few milliseconds, whether there is anything to
 * do: a pane ($TMUX_PANE) that is a terminal of the state in use, with work, a question or a
 * new session id. The rest runs in a detached child: the agent draws its idle prompt only
 * after its hook returned, so a check that waited for that prompt inside the hook would wait
 * for itself; and a check may hold the state lock for seconds while it types into other panes.
 * The screen stays the judge: the child checks the queue once the pane reads as no longer at
 * work, looking a few times over at most AGENTHOOK_LOOKS * AGENTHOOK_STEP ms, after which the
 * silence hook is left to do it. A silence hook firing for the same turn finds the item done
 * and the next one running: the second check does nothing (the state lock orders them).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "agenthook.h"
#include "check.h"
#include "durable.h"
#include "events.h"
#include "launch.h"
#include "observe.h"
#include "panes.h"
#include "schedule.h"
#include "state.h"
#include "sync.h"
#include "tmux-dispatch.h"

#define AGENTHOOK_INPUT_MAX (1024 * 1024) /* a Stop event carries the last reply */
#define AGENTHOOK_INPUT_MS 100 /* an agent writes its event at once, or never */
#define AGENTHOOK_LOOKS 20
#define AGENTHOOK_STEP 25 /* ms */
#define AGENTHOOK_ASK_LOOKS 200 /* a delivery's read-back and its retries end well within */

enum agenthook_kind { AGENTHOOK_NONE, AGENTHOOK_TURN, AGENTHOOK_ASK };

struct agenthook_event {
	enum agenthook_kind kind;
	char *session_id; /* the agent's own id, when the event names it */
};

static int
agenthook_pane_id(const char *id)
{
	return id != NULL && id[0] == '%' && id[1] != '\0' &&
	    strspn(id + 1, "0123456789") == strlen(id + 1);
}

/*
 * The event's JSON from stdin, bounded in size and time: an agent may give no stdin at all
 * (a terminal, which is never read, or a pipe nobody writes). Never made non-blocking: the
 * descriptor may be shared with the agent.
 */
static char *
agenthook_stdin(void)
{
	struct pollfd p = { .fd = STDIN_FILENO, .events = POLLIN };
	long long until = clock_ms() + AGENTHOOK_INPUT_MS, left;
	char *buf = NULL;
	size_t len = 0;
	ssize_t n;

	if (isatty(STDIN_FILENO))
		return NULL;
	buf = xmalloc(AGENTHOOK_INPUT_MAX + 1);
	while (len < AGENTHOOK_INPUT_MAX && (left = until - clock_ms()) > 0) {
		if (poll(&p, 1, (int)left) <= 0 || (n = read(STDIN_FILENO, buf + len,
		    AGENTHOOK_INPUT_MAX - len)) == 0)
			break;
		if (n < 0 && errno != EINTR && errno != EAGAIN)
			break;
		if (n > 0)
			len += (size_t)n;
	}
	buf[len] = '\0';
	return buf;
}

/* A session id goes into a resume argv later: a UUID's characters only, never an option. */
static int
agenthook_id_valid(const char *id)
{
	size_t len = id != NULL ? strlen(id) : 0;

	return len > 0 && len <= 128 && id[0] != '-' && strspn(id, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789._-") == len;
}

/*
 * What EVENT and its JSON (any of the three agents') ask for. A Notification is a question
 * for a person unless it says otherwise: Claude's idle_prompt comes a minute after a turn
 * ended (one more chance to check), auth_success needs nobody.
 */
static void
agenthook_parse(const char *event, const char *json, struct agenthook_event *e)
{
	cJSON *o = json != NULL ? cJSON_Parse(json) : NULL;
	const char *type = NULL, *id = NULL;

	memset(e, 0, sizeof *e);
	if (cJSON_IsObject(o)) {
		type = state_str(o, "notification_type");
		/* Not Codex's thread-id: 0.169 also notifies for its side thread that names the
		 * session, with that thread's id. */
		id = state_str(o, "session_id");
	}
	if (agenthook_id_valid(id))
		e->session_id = xstrdup(id);
	if (strcmp(event, AGENTHOOK_STOP) == 0)
		e->kind = AGENTHOOK_TURN;
	else if (strcmp(event, AGENTHOOK_NOTIFY) == 0)
		e->kind = type != NULL && strcmp(type, "idle_prompt") == 0 ? AGENTHOOK_TURN :
		    type != NULL && strcmp(type, "auth_success") == 0 ? AGENTHOOK_NONE : AGENTHOOK_ASK;
	cJSON_Delete(o);
}

/* The terminal PANE belongs to: the one running an item there, else one whose target names it. */
static cJSON *
agenthook_terminal(struct state *st, const struct panes *panes, const char *pane)
{
	const struct pane *p;
	const char *on;
	cJSON *term, *running;

	cJSON_ArrayForEach(term, st->terminals) {
		running = schedule_running(st, term);
		on = running != NULL ? state_str(running, ITEM_PANE) : NULL;
		if (on != NULL && strcmp(on, pane) == 0)
			return term;
	}
	cJSON_ArrayForEach(term, st->terminals) {
		p = panes_resolve(panes, state_str(term, "target"));
		if (p != NULL && strcmp(p->id, pane) == 0 && schedule_running(st, term) == NULL)
			return term;
	}
	return NULL;
}

/* Whether the session file of NAME exists and names another session than ID. */
static int
agenthook_session_differs(const char *state_path, const char *name, const char *id)
{
	const char *known;
	cJSON *o;
	int rc, differs;

	if (id == NULL || (o = launch_session_read(state_path, name, &rc)) == NULL)
		return 0;
	known = state_str(o, "sessionId");
	differs = known == NULL || strcmp(known, id) != 0;
	cJSON_Delete(o);
	return differs;
}

/*
 * Records ID in NAME's session file, so `session resume` resumes this very session, never the
 * directory's newest. Under the state lock, as spawn and up write it.
 */
static void
agenthook_session(const char *state_path, const char *name, const char *id)
{
	struct state lk;
	char *path, *text, *cause = NULL;
	cJSON *o;
	int rc;

	if (state_open(&lk, state_path, STATE_LOCK) != 0) {
		state_close(&lk);
		return;
	}
	if (agenthook_session_differs(state_path, name, id) &&
	    (o = launch_session_read(state_path, name, &rc)) != NULL) {
		cJSON_DeleteItemFromObjectCaseSensitive(o, "sessionId");
		cJSON_AddStringToObject(o, "sessionId", id);
		text = state_json_text(o);
		text = xrealloc(text, strlen(text) + 2);
		strcat(text, "\n");
		if ((path = launch_session_path(state_path, name)) != NULL &&
		    durable_replace(path, text, strlen(text), durable_mode_of(state_path), &cause) != 0)
			free(cause);
		free(path);
		free(text);
		cJSON_Delete(o);
	}
	state_close(&lk);
}

static void
agenthook_sleep(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/* A question on screen: the window says waiting now, not a silence interval later. */
static void
agenthook_mark(struct state *st, const struct panes *panes, const char *pane_id)
{
	struct sync_labels labels = { 0 };
	const struct pane *p;

	if ((p = panes_by_id(panes, pane_id)) != NULL) {
		sync_label(&labels, p->window, "waiting");
		sync_tmux(st, panes, &labels, NULL);
	}
	sync_labels_free(&labels);
}

/* What PANE, read as terminal NAME, shows now (PANE_UNKNOWN when it cannot be read). */
static enum pane_state
agenthook_look(const char *state_path, const char *name, const char *pane_id)
{
	struct observation o;
	struct panes panes;
	struct state st;
	char *cause = NULL;
	cJSON *term;
	enum pane_state seen = PANE_UNKNOWN;

	if (state_open(&st, state_path, STATE_READ) == 0 && panes_read(&panes) == 0) {
		if ((term = state_terminal(&st, name)) != NULL && observe_terminal(&panes, term,
		    pane_id, st.dir, NULL, &o, &cause) == 0)
			seen = o.v.state;
		free(cause);
		panes_free(&panes);
	}
	state_close(&st);
	return seen;
}

/*
 * Whether a delivery to PANE is still under way: its item is running there and its helper
 * has not recorded the outcome yet (which labels the window busy).
 */
static int
agenthook_delivering(struct state *st, const char *name, const char *pane_id)
{
	cJSON *term = state_terminal(st, name), *running;
	const char *on;

	if (term == NULL || (running = schedule_running(st, term)) == NULL)
		return 0;
	on = state_str(running, ITEM_PANE);
	return on != NULL && strcmp(on, pane_id) == 0 &&
	    cJSON_GetObjectItemCaseSensitive(running, ITEM_DELIVERER) != NULL;
}

/*
 * A question: the window is marked at once; a delivery that typed into this pane a moment
 * ago may still be reading it back and will label it busy when it records its outcome, so
 * once that is recorded (under the state lock, which orders the two) it is marked again if
 * the screen still shows the question.
 */
static void
agenthook_ask(const char *state_path, const char *name, const char *pane_id)
{
	struct panes panes;
	struct state st;
	char *cause = NULL;
	int i, again = 1;

	if (check_trusted(state_path, &cause) != 0) {
		free(cause);
		return;
	}
	if (state_open(&st, state_path, STATE_READ) == 0 && panes_read(&panes) == 0) {
		agenthook_mark(&st, &panes, pane_id);
		events_log(st.path, name, pane_id, NULL, "waiting", "the agent's hook: it needs a "
		    "person");
		panes_free(&panes);
	}
	state_close(&st);
	for (i = 0; i < AGENTHOOK_ASK_LOOKS && again; i++) {
		agenthook_sleep(AGENTHOOK_STEP);
		if (state_open(&st, state_path, STATE_WRITE) == 0 &&
		    !(again = agenthook_delivering(&st, name, pane_id)) &&
		    agenthook_look(state_path, name, pane_id) == PANE_WAITING &&
		    panes_read(&panes) == 0) {
			agenthook_mark(&st, &panes, pane_id);
			panes_free(&panes);
		}
		state_close(&st);
	}
}

/* The id of terminal NAME's running item now (caller frees), or NULL. */
static char *
agenthook_running(const char *state_path, const char *name)
{
	struct state st;
	cJSON *term, *running;
	char *id = NULL;

	if (state_open(&st, state_path, STATE_READ) == 0 &&
	    (term = state_terminal(&st, name)) != NULL &&
	    (running = schedule_running(&st, term)) != NULL)
		id = xstrdup(state_str(running, ITEM_ID));
	state_close(&st);
	return id;
}

/* Whether the terminal moved on from BEFORE: that item ended, or (none) one was started. */
static int
agenthook_moved(const char *state_path, const char *name, const char *before)
{
	char *now = agenthook_running(state_path, name);
	int moved = before == NULL ? now != NULL : now == NULL || strcmp(now, before) != 0;

	free(now);
	return moved;
}

/*
 * The end of a turn: the queue-check of any trigger, once the screen agrees. A check that
 * still found the agent at work (Gemini redraws its "Executing Hooks … esc to cancel" line
 * after the prompt is back) is run again at the next look that reads settled.
 */
static void
agenthook_turn(const char *state_path, const char *name, const char *pane_id)
{
	enum pane_state seen;
	char *cause = NULL, *before;
	int i;

	if (check_trusted(state_path, &cause) != 0) {
		free(cause);
		return;
	}
	before = agenthook_running(state_path, name);
	for (i = 0; i < AGENTHOOK_LOOKS; i++) {
		if (i > 0)
			agenthook_sleep(AGENTHOOK_STEP);
		seen = agenthook_look(state_path, name, pane_id);
		if (seen == PANE_BUSY || seen == PANE_UNKNOWN || seen == PANE_COPY_MODE)
			continue;
		check_run(state_path, NULL, CHECK_AUTO | CHECK_QUIET);
		if (agenthook_moved(state_path, name, before))
			break;
	}
	free(before);
}

/* The detached part: no stdin, stdout or stderr of the agent's, a session of its own. */
static void
agenthook_child(const char *state_path, const char *name, const char *pane_id,
    const struct agenthook_event *e)
{
	int fd;

	setsid();
	if ((fd = open("/dev/null", O_RDWR)) >= 0) {
		dup2(fd, STDIN_FILENO);
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		if (fd > STDERR_FILENO)
			close(fd);
	}
	if (e->session_id != NULL)
		agenthook_session(state_path, name, e->session_id);
	if (e->kind == AGENTHOOK_ASK)
		agenthook_ask(state_path, name, pane_id);
	else if (e->kind == AGENTHOOK_TURN)
		agenthook_turn(state_path, name, pane_id);
}

/* Whether there is anything to do for terminal TERM: work, a question, a new session id. */
static int
agenthook_wanted(struct state *st, const cJSON *term, const struct agenthook_event *e)
{
	if (e->kind == AGENTHOOK_ASK)
		return 1;
	if (agenthook_session_differs(st->path, term->string, e->session_id))
		return 1;
	return e->kind == AGENTHOOK_TURN && (schedule_running(st, term) != NULL ||
	    schedule_next(st, term) != NULL);
}

int
agenthook_run(struct cmd_ctx *ctx, int argc, char **argv)
{
	const char *pane_id = getenv("TMUX_PANE");
	struct agenthook_event e;
	struct panes panes = { 0 };
	struct state st;
	char *input = NULL, *path = NULL, *name = NULL;
	cJSON *term;

	/* An agent outside tmux, or one not started by the tmux it runs in. */
	if (argc < 1 || argc > 2 || !agenthook_pane_id(pane_id) || getenv("TMUX") == NULL)
		return TD_EXIT_OK;
	if (argc == 1)
		input = agenthook_stdin();
	agenthook_parse(argv[0], argc == 2 ? argv[1] : input, &e);
	free(input);
	path = state_find_path(ctx->state_path);
	if (e.kind == AGENTHOOK_NONE && e.session_id == NULL)
		goto out;
	if (access(path, F_OK) != 0 || state_open(&st, path, STATE_READ) != 0)
		goto out;
	if (panes_read(&panes) == 0 && (term = agenthook_terminal(&st, &panes, pane_id)) != NULL &&
	    agenthook_wanted(&st, term, &e))
		name = xstrdup(term->string);
	panes_free(&panes);
	state_close(&st);
	if (name != NULL && fork() == 0) {
		agenthook_child(path, name, pane_id, &e);
		_exit(0);
	}
out:
	free(name);
	free(path);
	free(e.session_id);
	return TD_EXIT_OK;
}
