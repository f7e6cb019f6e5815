/* The server's panes, read in one tmux call, and terminal targets resolved against them. */
#ifndef PANES_H
#define PANES_H

#include <stddef.h>

struct pane {
	char *id;          /* %N */
	char *window;      /* @N */
	char *session_id;  /* $N */
	char *session;
	char *window_index;
	char *window_name;
	char *pane_index;
	int active;
	int window_silence;   /* the window's monitor-silence */
	int silence_flag;     /* alert latched: the hook will not fire again until cleared */
	char *label;          /* the window's @dispatch_window */
};

struct panes {
	struct pane *v;
	size_t n;
	char *badge;  /* current @dispatch_badge */
	char *badge_format; /* @dispatch-badge-format: the plugin's options win over the environment */
	char *message;      /* @dispatch_message: the plugin's last report */
	int silence;        /* @dispatch-silence, 0 if unset */
	int auto_off;       /* @dispatch-auto is off: no hooks listen, so arm nothing */
	int plugin;   /* @dispatch_helper is set: the tmux plugin is loaded */
};

/* Returns 0, or -1 when there is no tmux server to ask (then *panes is empty). */
int panes_read(struct panes *);
void panes_free(struct panes *);
/* The list-panes -F format panes_parse reads, one pane a line. */
const char *panes_format(void);
/* Fills P from OUT (modified), the output of list-panes -a -F panes_format(). */
void panes_parse(struct panes *, char *out);
/* Whether a tmux server could answer; when not, no client need be started to learn it. */
int panes_server_possible(void);
/* The pane a terminal target (%N, @N, session:window[.pane]) names, or NULL. */
const struct pane *panes_resolve(const struct panes *, const char *target);
const struct pane *panes_by_id(const struct panes *, const char *id);

#endif
