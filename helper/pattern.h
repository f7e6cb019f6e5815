/*
 * Screen patterns: POSIX extended regular expressions matched one line at a time, each with a
 * literal prefilter found by reading the expression, so most lines are rejected by one memchr
 * and most patterns are never compiled at all. Knows nothing of profiles or screens.
 */
#ifndef PATTERN_H
#define PATTERN_H

#include <regex.h>
#include <stddef.h>

/* Where on the screen a pattern looks; see README "Profiles". */
enum region_kind {
	REGION_SCREEN,     /* every line down to the last non-blank one */
	REGION_LAST,       /* the last N lines, ending at the last non-blank one */
	REGION_CURSOR,     /* the cursor line (without metadata: the last non-blank line) */
	REGION_INPUT,      /* the input line and the lines that continue it */
	REGION_FOOTER,     /* below the input (N: its first N lines) */
	REGION_TRANSCRIPT, /* above the input (N: its last N lines, trailing blanks skipped) */
};

struct region {
	enum region_kind kind;
	int n; /* 0: the whole region */
};

struct pattern {
	char *source;     /* the POSIX ERE, as written */
	char *label;      /* shown in verdicts instead of the source, or NULL */
	struct region region;
	char **commands;  /* applies only when pane_current_command is one of these, or NULL */
	size_t ncommands;
	char *literal;    /* a substring every match contains (prefilter), or NULL */
	size_t literal_len;
	int literal_at_start; /* every match starts the line with the literal */
	int literal_at_end;   /* ... and ends it: the pattern is "^lit$" or "lit$" */
	size_t rare;      /* offset of the literal's least common byte: memchr looks for it */
	int trivial;      /* the pattern is its literal: no regexec needed */
	int has_last;     /* it ends in '$' and last[] holds the bytes a matching line ends with */
	unsigned char last[256];
	int compiled;     /* 0: not yet, 1: re is valid, -1: does not compile */
	regex_t re;
};

/* Limits on an expression (pattern_compile refuses more): regcomp's memory grows with them. */
#define PATTERN_MAX_LEN 1024
#define PATTERN_MAX_LEN_TEXT "1024"
#define PATTERN_MAX_REPEAT 255
#define PATTERN_MAX_REPEAT_TEXT "255"
#define PATTERN_MAX_COPIES 1000
#define PATTERN_MAX_COPIES_TEXT "1000"

struct pattern_list {
	struct pattern *v;
	size_t n;
};

/* Reads pt->source for its prefilter (literal, anchors, last bytes); no compilation. */
void pattern_analyze(struct pattern *);
/* Compiles pt->source now; on failure *why (if not NULL) says why. Returns 0 or -1. */
int pattern_compile(struct pattern *, char **why);
/* A pattern from an expression alone (region screen), compiled now. */
int pattern_init(struct pattern *, const char *source, char **why);
void pattern_free(struct pattern *);
/* Matches one line (LEN bytes, not NUL-terminated); compiles on first need. */
int pattern_match(struct pattern *, const char *line, size_t len);
/* Whether NAME is in LIST (a leading '-' of a login shell is ignored). */
int pattern_in(char *const *list, size_t n, const char *name);
/* Whether a pattern applies with this foreground command (NULL: none known). */
int pattern_applies(const struct pattern *, const char *command);
/* Makes regular expressions UTF-8 aware; called before the first regcomp. Idempotent. */
int pattern_locale(void);

#endif
