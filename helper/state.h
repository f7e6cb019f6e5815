/* The state file, .terminal-status.json: locate, lock, load, validate, normalize, save. */
#ifndef STATE_H
#define STATE_H

#include <cjson/cJSON.h>
#include <stddef.h>
#include <time.h>

#include "item.h"

struct strmap;

#define STATE_FILE_NAME ".terminal-status.json"
#define STATE_SIDE_DIR ".terminal-status.d" /* events.jsonl, results/ */
#define STATE_VERSION 1
#define STATE_MAX_FILE (128 * 1024 * 1024) /* a larger state file is refused (exit 3) */


struct state {
	char *path;      /* the state file */
	char *dir;       /* its directory: temp file, lock, history, .terminal-status.d */
	int lock_fd;     /* -1 when not locked */
	int exists;      /* the file existed when loaded */
	cJSON *root;     /* the whole document: keys we do not know survive */
	cJSON *terminals; /* object, owned by root */
	cJSON *queue;    /* array, owned by root */
	cJSON *completed; /* "completedToday" array, owned by root */
	struct strmap *ids; /* item id -> item, over queue and completedToday */
	double next_id;  /* the number of the next generated "q-N" id */
	size_t fixups;   /* items without an id or in the wrong list, seen while loading */
	struct strmap *term_index, *group_index; /* built by terminal_takes when first needed */
	time_t now;      /* one clock reading for the whole command */
	cJSON *limits;   /* "limits" object, owned by root, or NULL until a limit is set */
	cJSON *batches;  /* "batches" array, owned by root, or NULL until a batch is recorded */
	/* The task graph of the live items, built once a command needs it (graph.h); dropped when
	 * an item is added or its dependencies change. Freed through the pointer beside it, so
	 * the state layer does not depend on the graph, which depends on it. */
	void *graph;
	void (*graph_free)(void *);
	cJSON *history;  /* items of earlier days (the history file), read by state_archived */
	struct strmap *history_ids;
	/* The file's text as read or last written: a commit of the same bytes writes nothing. */
	char *text;
	size_t text_len;
};

#define STATE_READ 0
#define STATE_WRITE 1 /* lock for a read-modify-write, released by state_close */
#define STATE_LOCK 2  /* the lock alone: the file is not read (state replace) */

/* Loads (locking first for STATE_WRITE). Returns 0 or a TD_EXIT_* status, already reported. */
int state_open(struct state *, const char *path, int mode);
/* After state_open(STATE_LOCK): the read and load STATE_WRITE would have done; the caller may
 * start work between the lock and the read (check_run's snapshot). Same returns. */
int state_open_read(struct state *);
/* Writes the document atomically; the lock is kept until state_close. Returns 0 or TD_EXIT_FAIL. */
int state_commit(struct state *);
void state_close(struct state *);
/* From now on state_close only unlocks: the process exits right after its command. */
void state_close_at_exit(void);
/* The path the state file is at for a -f value (or NULL): see README "Where the state lives". */
char *state_find_path(const char *);
/* The directory of state_find_path(GIVEN): profiles are looked for there. */
char *state_find_dir(const char *given);
/* Whether TEXT would load as a state file (reported against NAME); 0 or TD_EXIT_INVALID. */
int state_check_text(const char *name, const char *text, size_t len);
/* Replaces the file by TEXT as given (state replace), durably and keeping its mode; locked. */
int state_replace(struct state *, const char *text, size_t len);
/* Path of a file in the side directory (.terminal-status.d) beside the state file, which is
 * created (with the state file's permissions) when missing; NULL, reported, when it is not a
 * directory of the user's (a symlink there could send events and results elsewhere). */
char *state_side_path(const char *state_path, const char *);

/* Lookups. */
cJSON *state_terminal(struct state *, const char *name);
cJSON *state_item(struct state *, const char *id);
/* An unused generated id, "q-N" (caller frees); item_create is its user. */
char *state_new_id(struct state *);
/* Appends a new item to the queue and its id to the index. */
void state_insert_item(struct state *, cJSON *);
/*
 * An item finished on an earlier day, found in the history file (read once per command, when
 * first asked: not on a check's path), or NULL.
 */
const cJSON *state_archived(struct state *, const char *id);
/*
 * Brings a copy of archived item ID back into completedToday, so an item that comes to depend
 * on it (import, enqueue --after) sees it finished; the archive keeps it while depended on.
 * Returns it, or NULL when ID is not archived.
 */
cJSON *state_restore(struct state *, const char *id);
/* Drops the cached task graph: the items or their dependencies changed. */
void state_graph_stale(struct state *);
/* Moves an item between queue and completedToday to match its status. */
void state_file_item(struct state *, cJSON *);
/*
 * cJSON_GetObjectItemCaseSensitive, comparing a member's first byte before its name: the
 * per-item lookups of a check (a queue of 10,000 items, most keys absent) were a tenth of it.
 */
cJSON *state_get(const cJSON *obj, const char *key);
const char *state_str(const cJSON *, const char *key); /* NULL if absent or not a string */
void state_set_str(cJSON *, const char *key, const char *value);
void state_set_num(cJSON *, const char *key, double value);
void state_set_time(cJSON *, const char *key, time_t);
char *state_format_time(time_t);
/* JSON text for people: two-space indents, "key": value. */
char *state_json_text(const cJSON *);
void state_json_print(const cJSON *);
int state_parse_time(const char *, time_t *);

#endif
