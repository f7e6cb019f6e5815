/*
 * Delivery. The text goes to tmux on stdin (load-buffer -), never in argv where a trailing ';'
 * would end the command or a lone "up" would become a key. It is pasted from a buffer of our
 * own, bracketed (-p) so a multi-line command is one submission, with LFs kept (-r), and only
 * if the pane is not in a mode: a pane in copy mode swallows keys. Enter follows in a separate
 * call after a pause, because agents drop an Enter that arrives with or just after a paste.
 * Then the screen is read back and Enter retried, a bounded number of times. The paste's and
 * the first Enter's clients are started early and held back on their stdin until their step,
 * so a step costs tmux's own work, not a client's start-up.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "deliver.h"
#include "events.h"
#include "observe.h"
#include "tmux-dispatch.h"
#include "tmux.h"

#define DELIVER_ENTER_DELAY 200 /* ms */
#define DELIVER_CONFIRM_DELAY 150 /* ms before the first read-back */
#define DELIVER_RETRIES 2 /* further Enters when the text is still in the input */
#define DELIVER_TURN_LOOKS 3   /* looks for the turn starting after an idle-looking read-back, */
#define DELIVER_TURN_STEP 100  /* this many ms apart */

static void
deliver_sleep(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

int
deliver_enter_delay(void)
{
	return (int)args_env_int("TMUX_DISPATCH_ENTER_DELAY", 0, 10000, DELIVER_ENTER_DELAY);
}

/* A trailing newline would be typed as an empty line before our Enter. */
static size_t
deliver_text_len(const char *text)
{
	size_t len = strlen(text);

	while (len > 0 && text[len - 1] == '\n')
		len--;
	return len;
}

/*
 * The answer of a tmux call ending in a guarded action (deliver_guard): 1 when the action ran
 * ("ok"), else 0 with the reason. Frees RES.
 */
static int
deliver_guard_result(struct tmux_result *res, char *reason, size_t rlen)
{
	int ok = res->status == 0 && strncmp(res->out, "ok", 2) == 0;

	if (res->status != 0)
		snprintf(reason, rlen, "%s", *res->err != '\0' ? res->err : "tmux failed");
	else if (strncmp(res->out, "changed", 7) == 0)
		snprintf(reason, rlen, "the pane runs another program than the one it was read "
		    "with (pane_pid or pane_current_command changed)");
	else if (!ok)
		snprintf(reason, rlen, "pane dead or in a mode");
	tmux_result_free(res);
	return ok;
}

/* Runs ARGV, a tmux call ending in a guarded action, with IN on stdin: deliver_guard_result. */
static int
deliver_guarded(const char *const *argv, const char *in, size_t inlen, char *reason,
    size_t rlen)
{
	struct tmux_result res;

	tmux_run(argv, in, inlen, &res);
	return deliver_guard_result(&res, reason, rlen);
}

/*
 * The server-side guard of the paste and the Enter, with no gap between test and action: the
 * pane must not be in a mode or dead ("blocked": a pane in copy mode swallows keys), and must
 * still be the process, running the program, it was classified with ("changed": a pane
 * respawned as a shell, or an agent that exited to its shell, would run the text as a shell
 * command). The two tests are nested to tell the reasons apart. ON_BLOCKED (or NULL) runs in
 * both cases: it drops our buffer. Fills ARGV[0..4] (if-shell -F -t PANE MODE-TEST) and returns the
 * two strings to free after the call, in *a and *b; -1 when the program's name cannot be put
 * into a format.
 */
static int
deliver_guard(const struct delivery *d, const char *on_blocked, const char *action,
    const char **argv, char **a, char **b)
{
	size_t len = strlen(d->command);

	if (len == 0 || strspn(d->command, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789._-+@/ ") != len || d->command[len - 1] == ' ')
		return -1;
	xasprintf(a, "%s%sdisplay-message -p blocked", on_blocked != NULL ? on_blocked : "",
	    on_blocked != NULL ? " ; " : "");
	xasprintf(b, "if-shell -F -t %s '#{||:#{!=:#{pane_pid},%d},#{!=:#{pane_current_command},"
	    "%s}}' '%s%sdisplay-message -p changed' '%s ; display-message -p ok'", d->pane, d->pid,
	    d->command, on_blocked != NULL ? on_blocked : "", on_blocked != NULL ? " ; " : "",
	    action);
	argv[0] = "if-shell";
	argv[1] = "-F";
	argv[2] = "-t";
	argv[3] = d->pane;
	argv[4] = "#{||:#{pane_in_mode},#{pane_dead}}";
	argv[5] = *a;
	argv[6] = *b;
	argv[7] = NULL;
	return 0;
}

/*
 * Starts D's first Enter as a tmux client held back like the paste: a one-byte buffer of our
 * own is loaded from its stdin and dropped, then the guarded send-keys. Released (deliver_enter)
 * it costs tmux's work alone. Closed empty (deliver_enter_abandon, or the helper killed: its
 * pipe closes), load-buffer makes no buffer, delete-buffer fails, tmux stops the list there and
 * no Enter is sent. The guard is tested when the Enter runs, not when the client starts.
 */
static void
deliver_enter_start(struct delivery *d, unsigned n)
{
	char *buffer, *send, *ga = NULL, *gb = NULL;
	const char *argv[17] = { "load-buffer", "-b", NULL, "-", ";", "delete-buffer", "-b", NULL,
	    ";" };
	struct tmux_result res;

	xasprintf(&buffer, "tmux-dispatch-%ld-%u-enter", (long)getpid(), n);
	argv[2] = argv[7] = buffer;
	xasprintf(&send, "send-keys -t %s Enter", d->pane);
	/* A failed start is no failure: deliver_enter then runs the Enter as its own call. */
	if (deliver_guard(d, NULL, send, argv + 9, &ga, &gb) == 0) {
		if (tmux_start(&d->enter_call, argv, 1, &res) == 0)
			d->enter_started = 1;
		else
			tmux_result_free(&res);
	}
	free(ga);
	free(gb);
	free(send);
	free(buffer);
}

/* Closes a held-back Enter with nothing: no Enter is sent. */
static void
deliver_enter_abandon(struct delivery *d)
{
	struct tmux_result res;

	if (!d->enter_started)
		return;
	d->enter_started = 0;
	tmux_finish(&d->enter_call, NULL, 0, &res);
	tmux_result_free(&res);
}

/*
 * Starts the paste's tmux client for D, its text not yet given (deliver_paste_all gives it):
 * load-buffer into a buffer of our own, then, through the guard, paste-buffer. Returns 0, or -1
 * with d->reason when it cannot start; then nothing is typed.
 */
static int
deliver_paste_start(struct delivery *d, unsigned n)
{
	char *buffer, *paste, *drop, *ga = NULL, *gb = NULL;
	const char *argv[13] = { "load-buffer", "-b", NULL, "-", ";" };
	struct tmux_result res;
	int rc = -1;

	/* Our own named buffer: the unnamed one is the user's paste history. */
	xasprintf(&buffer, "tmux-dispatch-%ld-%u", (long)getpid(), n);
	argv[2] = buffer;
	/*
	 * A question (permission dialog, menu) ignores a bracketed paste and takes the Enter after
	 * it as its highlighted option, "Yes": an answer goes in as keystrokes.
	 */
	xasprintf(&paste, "paste-buffer %s -r -d -b %s -t %s", d->answer ? "" : "-p", buffer,
	    d->pane);
	xasprintf(&drop, "delete-buffer -b %s", buffer);
	if (deliver_guard(d, drop, paste, argv + 5, &ga, &gb) != 0)
		snprintf(d->reason, sizeof d->reason, "the pane's program (\"%.60s\") cannot be "
		    "checked by tmux", d->command);
	else if (tmux_start(&d->call, argv, 1, &res) != 0)
		deliver_guard_result(&res, d->reason, sizeof d->reason);
	else
		rc = 0;
	d->started = rc == 0 ? 1 : -1;
	/* An answer takes no Enter. */
	if (rc == 0 && !d->answer)
		deliver_enter_start(d, n);
	free(ga);
	free(gb);
	free(buffer);
	free(paste);
	free(drop);
	return rc;
}

/*
 * Gives the started paste its text and waits for it: 1 when pasted. With TEXT NULL its stdin
 * is closed empty: load-buffer then makes no buffer, paste-buffer fails, and nothing is typed.
 */
static int
deliver_paste_finish(struct delivery *d, const char *text)
{
	struct tmux_result res;

	d->started = 0;
	tmux_finish(&d->call, text, text != NULL ? deliver_text_len(text) : 0, &res);
	return deliver_guard_result(&res, d->reason, sizeof d->reason);
}

int
deliver_key(struct delivery *d, const char *key)
{
	char *send, *ga = NULL, *gb = NULL;
	const char *argv[8];
	int ok = 0;

	xasprintf(&send, "send-keys -t %s %s", d->pane, key);
	if (deliver_guard(d, NULL, send, argv, &ga, &gb) != 0)
		snprintf(d->reason, sizeof d->reason, "the pane's program cannot be checked by tmux");
	else
		ok = deliver_guarded(argv, NULL, 0, d->reason, sizeof d->reason);
	free(ga);
	free(gb);
	free(send);
	return ok;
}

/* The Enter: the held-back client's if there is one (the first Enter), else a call of its own. */
static int
deliver_enter(struct delivery *d)
{
	struct tmux_result res;
	int ok;

	if (d->enter_started) {
		d->enter_started = 0;
		tmux_finish(&d->enter_call, "x", 1, &res);
		ok = deliver_guard_result(&res, d->reason, sizeof d->reason);
	} else
		ok = deliver_key(d, "Enter");
	d->enters += ok;
	return ok;
}

/* Whether the input still holds text: the Enter did not take. */
static int
deliver_still_typed(struct delivery *d)
{
	struct observation o;
	char *cause = NULL;

	/*
	 * A pane in a mode is captured as the program's screen underneath: judge that. Else a
	 * pane put in copy mode after the paste, its Enter blocked, would count as submitted.
	 */
	/*
	 * No pane to read (killed, or the server gone): with no Enter taken, nothing was
	 * submitted; the text is not known to have gone in, and a retry finds no pane either.
	 */
	if (observe_pane(d->pane, d->profile, OBSERVE_UNDER_MODE, &o, &cause) != 0) {
		free(cause);
		return d->enters == 0;
	}
	/*
	 * Another program now. After our Enter it is the agent's answer to it (/exit): submitted.
	 * With no Enter sent (the guard refused it: the pane was respawned), nothing went in.
	 */
	if (o.meta.pid != d->pid || strcmp(o.meta.current_command, d->command) != 0)
		return d->enters == 0;
	/* Proof the turn began: its end is then the next idle screen, whatever it shows. */
	d->turn_seen = o.v.state == PANE_BUSY || o.v.state == PANE_WAITING;
	d->quiet = o.v.state == PANE_IDLE || o.v.state == PANE_UNKNOWN;
	return o.v.state == PANE_TYPED;
}

/*
 * Gemini shows a frame with the input cleared and no spinner yet (up to ~150 ms) between the
 * Enter and its work (idle-looking; for other profiles it may read unknown): a read-back
 * landing there saw no proof of the turn, and a reply as tall as the pane may then end on the
 * screen it was typed on, which completion cannot tell from nothing having happened. A few
 * short looks more catch the turn at work.
 */
static void
deliver_watch_turn(struct delivery *d, size_t n)
{
	size_t i, left;
	int look;

	for (look = 0; look < DELIVER_TURN_LOOKS; look++) {
		for (i = left = 0; i < n; i++)
			left += d[i].outcome == DELIVERY_SUBMITTED && d[i].enters > 0 &&
			    d[i].quiet && !d[i].turn_seen;
		if (left == 0)
			return;
		deliver_sleep(DELIVER_TURN_STEP);
		for (i = 0; i < n; i++) {
			if (d[i].outcome == DELIVERY_SUBMITTED && d[i].enters > 0 &&
			    d[i].quiet && !d[i].turn_seen)
				(void)deliver_still_typed(&d[i]);
		}
	}
}

void
deliver_start_all(struct delivery *d, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		d[i].reason[0] = '\0';
		(void)deliver_paste_start(&d[i], (unsigned)i);
	}
}

void
deliver_abandon_all(struct delivery *d, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (d[i].started == 1)
			(void)deliver_paste_finish(&d[i], NULL);
		d[i].started = 0;
		deliver_enter_abandon(&d[i]);
	}
}

size_t
deliver_paste_all(const char *state_path, struct delivery *d, size_t n)
{
	size_t i, pending = 0;
	int ok;

	for (i = 0; i < n; i++) {
		d[i].enters = 0;
		events_log(state_path, d[i].terminal, d[i].pane, d[i].item, "deliver", NULL);
		/* Not started by deliver_start_all: start it now. */
		if (d[i].started == 0) {
			d[i].reason[0] = '\0';
			(void)deliver_paste_start(&d[i], (unsigned)i);
		}
		ok = d[i].started == 1 && deliver_paste_finish(&d[i], d[i].text);
		if (!ok) {
			deliver_enter_abandon(&d[i]);
			d[i].outcome = DELIVERY_REFUSED;
			events_log(state_path, d[i].terminal, d[i].pane, d[i].item, "refused", d[i].reason);
		} else if (d[i].answer) {
			/* No Enter: it would choose the highlighted option, whatever was typed. */
			d[i].outcome = DELIVERY_SUBMITTED;
			events_log(state_path, d[i].terminal, d[i].pane, d[i].item, "submitted", NULL);
		} else {
			d[i].outcome = DELIVERY_NOT_SUBMITTED;
			d[i].pasted_ms = clock_ms();
			pending++;
		}
	}
	return pending;
}

void
deliver_complete(const char *state_path, struct delivery *d, size_t n)
{
	long long last = 0, wait_ms;
	int pending = 0, attempt, wait;
	size_t i;

	for (i = 0; i < n; i++) {
		if (d[i].outcome == DELIVERY_NOT_SUBMITTED) {
			pending++;
			last = d[i].pasted_ms > last ? d[i].pasted_ms : last;
		} else
			deliver_enter_abandon(&d[i]);
	}
	if (pending == 0)
		return;
	/* The Enter delay counts from the paste: time spent since (releasing the lock) is not added. */
	if ((wait_ms = last + deliver_enter_delay() - clock_ms()) > 0)
		deliver_sleep((int)wait_ms);
	for (i = 0; i < n; i++) {
		if (d[i].outcome == DELIVERY_NOT_SUBMITTED && !deliver_enter(&d[i]))
			events_log(state_path, d[i].terminal, d[i].pane, d[i].item, "enter-blocked",
			    d[i].reason);
	}
	/* Read back; Enter again where the text still sits in the input, spaced out. */
	for (attempt = 0, wait = DELIVER_CONFIRM_DELAY; attempt <= DELIVER_RETRIES; attempt++) {
		deliver_sleep(wait);
		wait *= 2;
		pending = 0;
		for (i = 0; i < n; i++) {
			if (d[i].outcome != DELIVERY_NOT_SUBMITTED)
				continue;
			if (!deliver_still_typed(&d[i])) {
				d[i].outcome = DELIVERY_SUBMITTED;
				events_log(state_path, d[i].terminal, d[i].pane, d[i].item, "submitted", NULL);
			} else if (attempt < DELIVER_RETRIES) {
				events_log(state_path, d[i].terminal, d[i].pane, d[i].item, "retry-enter", NULL);
				deliver_enter(&d[i]);
				pending++;
			}
		}
		if (pending == 0)
			break;
	}
	for (i = 0; i < n; i++) {
		if (d[i].outcome != DELIVERY_NOT_SUBMITTED)
			continue;
		snprintf(d[i].reason, sizeof d[i].reason, "not submitted");
		events_log(state_path, d[i].terminal, d[i].pane, d[i].item, "not-submitted", d[i].reason);
	}
	deliver_watch_turn(d, n);
}
