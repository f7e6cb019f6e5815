/* Typing text into agent panes: the one delivery procedure every path uses (README "Delivery"). */
#ifndef DELIVER_H
#define DELIVER_H

#include <stddef.h>

#include "tmux.h"

struct profile;

enum delivery_outcome {
	DELIVERY_SUBMITTED,     /* pasted and Enter taken */
	DELIVERY_REFUSED,       /* nothing typed: the pane was dead or in a mode */
	DELIVERY_NOT_SUBMITTED, /* pasted, but the text still sits in the input */
};

struct delivery {
	const char *pane;     /* %N, resolved once */
	const char *text;
	const char *terminal; /* for the event log */
	const char *item;     /* may be NULL (send) */
	const struct profile *profile;
	int pid;              /* pane_pid and pane_current_command when it was classified: */
	char command[64];     /* the paste and the Enter are guarded on both */
	enum delivery_outcome outcome;
	char reason[256];
	int enters;           /* Enter keys sent */
	int answer;           /* a reply to a question on screen: typed as keys, no Enter */
	long long pasted_ms;  /* monotonic time of the paste */
	int turn_seen;        /* the read-back saw the agent at work on it (busy, or asking) */
	int quiet;            /* ...or neither that nor typed: maybe the frame between Enter and work */
	int started;          /* the paste's client: 0 not started, 1 started (call), -1 failed */
	struct tmux_call call;
	int enter_started;    /* the first Enter's client, started with the paste's, held back */
	struct tmux_call enter_call;
};

/*
 * Delivers every entry, interleaving their waits so n panes cost about one pane's time. In two
 * steps, so a caller can paste under its lock and release it before the Enter delay:
 * deliver_paste_all pastes (outcome REFUSED where nothing was typed) and returns how many
 * wait for their Enter; deliver_complete sends Enter, reads back and retries.
 */
size_t deliver_paste_all(const char *state_path, struct delivery *, size_t);
/*
 * Optional, before deliver_paste_all: starts every paste's tmux client with its text held back,
 * so a caller can make its record durable while the clients start (tmux waits for the text).
 * Each started paste must then go through deliver_paste_all or deliver_abandon_all, which
 * closes it with no text: nothing is typed.
 */
void deliver_start_all(struct delivery *, size_t);
void deliver_abandon_all(struct delivery *, size_t);
void deliver_complete(const char *state_path, struct delivery *, size_t);
/* Sends the tmux key KEY (Tab) to d->pane through the same guard as the Enter; 1 when sent. */
int deliver_key(struct delivery *, const char *key);
/* Milliseconds between paste and Enter: $TMUX_DISPATCH_ENTER_DELAY, default 200. */
int deliver_enter_delay(void);
#endif
