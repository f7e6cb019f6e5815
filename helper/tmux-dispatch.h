/* tmux-dispatch: push queued work into idle agent panes. Shared declarations. */
#ifndef TMUX_DISPATCH_H
#define TMUX_DISPATCH_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

#define TD_VERSION "0.1.0"

/* Exit statuses, part of the CLI contract (README "Exit status"). */
enum {
	TD_EXIT_OK = 0,
	TD_EXIT_FAIL = 1,     /* runtime failure */
	TD_EXIT_USAGE = 2,    /* bad arguments */
	TD_EXIT_INVALID = 3,  /* state file invalid, left untouched */
	TD_EXIT_NOTFOUND = 4, /* no such terminal or item */
	TD_EXIT_CHANGED = 5,  /* the state file changed meanwhile (state replace --expect) */
	TD_EXIT_UNTRUSTED = 6, /* a file that would drive delivery is not trusted: nothing typed */
};

struct cmd_ctx {
	const char *state_path; /* -f/--state, or NULL to search */
	const struct cmd_entry *entry;
};

/* One subcommand, in the style of tmux's cmd_entry. argv[0] is the last word of the name. */
struct cmd_entry {
	const char *name;    /* "enqueue", "terminal add" */
	const char *usage;   /* arguments after the name */
	const char *summary; /* one line for --help */
	const char *help;    /* option details for NAME --help, or NULL */
	int (*exec)(struct cmd_ctx *, int, char **);
};

/* Every command's table entry; defined in its cmd-*.c file. */
extern const struct cmd_entry cmd_terminal_add_entry, cmd_terminal_rm_entry,
    cmd_terminal_ls_entry, cmd_terminal_import_entry, cmd_terminal_group_entry;
extern const struct cmd_entry cmd_limit_set_entry, cmd_limit_rm_entry, cmd_limit_ls_entry;
extern const struct cmd_entry cmd_review_set_entry, cmd_review_rm_entry, cmd_review_ls_entry;
extern const struct cmd_entry cmd_enqueue_entry, cmd_ls_entry, cmd_import_entry,
    cmd_mode_render_entry;
extern const struct cmd_entry cmd_done_entry, cmd_fail_entry, cmd_cancel_entry,
    cmd_retry_entry, cmd_result_entry;
extern const struct cmd_entry cmd_status_entry, cmd_badge_entry, cmd_plan_entry;
extern const struct cmd_entry cmd_dispatch_entry, cmd_check_entry, cmd_send_entry,
    cmd_pause_entry, cmd_resume_entry;
extern const struct cmd_entry cmd_hook_entry, cmd_path_entry, cmd_menu_terminals_entry;
extern const struct cmd_entry cmd_state_replace_entry, cmd_trust_entry, cmd_untrust_entry;

extern const struct cmd_entry cmd_spawn_entry, cmd_up_entry, cmd_down_entry, cmd_session_ls_entry,
    cmd_session_show_entry, cmd_session_attach_entry, cmd_session_resume_entry,
    cmd_oneshot_exec_entry, cmd_oneshot_ended_entry;
extern const struct cmd_entry cmd_agent_hooks_install_entry, cmd_agent_hooks_rm_entry,
    cmd_agent_hooks_status_entry;
extern const struct cmd_entry cmd_worktree_ls_entry, cmd_worktree_rm_entry;
extern const struct cmd_entry cmd_classify_entry, cmd_profiles_ls_entry,
    cmd_profiles_show_entry;

/* xmalloc.c: allocation failure is fatal, so call sites stay clean. */
void *xmalloc(size_t);
void *xcalloc(size_t, size_t);
void *xrealloc(void *, size_t);
void *xreallocarray(void *, size_t, size_t);
char *xstrdup(const char *);
char *xstrndup(const char *, size_t);
int xasprintf(char **, const char *, ...) __attribute__((format(printf, 2, 3)));
int xvasprintf(char **, const char *, va_list);

/* clock.c: CLOCK_MONOTONIC in milliseconds. */
long long clock_ms(void);

/* file.c: a whole stream into memory. */
#define FILE_TOO_LARGE 1
int file_read(FILE *, size_t, char **, size_t *);
/*
 * A whole file ("-": standard input) of at most MAX bytes. Returns 0, or TD_EXIT_NOTFOUND
 * (no such file), TD_EXIT_INVALID (too large) or TD_EXIT_FAIL with *cause (caller frees).
 */
int file_read_path(const char *path, size_t max, char **text, size_t *len, char **cause);
/* Line and column (1-based, columns in characters) of byte OFF of TEXT, for parse errors. */
void file_position(const char *text, size_t off, size_t *line, size_t *col);
/* The directory part of PATH ("." without a slash, "/" for the root); caller frees. */
char *file_dirname(const char *path);

/* error.c: one line on stderr, prefixed "tmux-dispatch:". */
int td_error(int, const char *, ...) __attribute__((format(printf, 2, 3)));
_Noreturn void fatal(const char *, ...) __attribute__((format(printf, 1, 2)));
void td_quiet(int);
/* Text for people: control characters (C0, DEL, C1) shown as \xHH, so a name from a file
 * cannot drive the terminal or forge a line. */
void td_print_safe(FILE *, const char *);
/* One line for people on stdout: the text formatted, then made safe by td_print_safe. */
void td_say(const char *, ...) __attribute__((format(printf, 1, 2)));

/*
 * args.c: getopt_long shared by every command. args_next returns the option character, -1
 * after the last option (optind then indexes the operands), or 0 when the command must stop
 * and return *status (help printed: 0; bad option: usage error).
 */
#define ARGS_HELP { "help", 0, NULL, 'h' }
struct option;
int args_next(const struct cmd_ctx *, int, char **, const char *,
    const struct option *, int *);
int args_usage(const struct cmd_ctx *, const char *, ...)
    __attribute__((format(printf, 2, 3)));
int args_int(const struct cmd_ctx *, const char *, const char *, long long,
    long long, long long *);
void args_print_help(const struct cmd_entry *, FILE *);
/* The options of a command whose one option is --json, as args_next: 1 to go on (*json set
 * when given), 0 when the command must stop and return *status. */
int args_json(const struct cmd_ctx *, int, char **, int *json, int *status);
/* A command's text: the operands joined by spaces, or stdin (FROM_STDIN); NULL: reported. */
char *args_text(const struct cmd_ctx *, int, char **, int from_stdin);
/* The whole number in environment variable NAME if it is one from MIN to MAX, else DEF. */
long args_env_int(const char *name, long min, long max, long def);

#endif
