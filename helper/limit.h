/*
 * Worker limits: how many items may run at once in all, per group and per terminal, stored as
 * "limits": {"all": 3, "generator": 2} in the state file. A check starts nothing past one.
 */
#ifndef LIMIT_H
#define LIMIT_H

#include <cjson/cJSON.h>

struct state;

#define LIMIT_ALL "all"
#define LIMIT_MAX 1000000 /* the largest limit a file may hold */

/* Running items as a limit counts them: in all, in one group, on one terminal. */
struct limit_count {
	long all, group, term;
};

/* The limit set for NAME (all, a group or a terminal), or -1 when there is none. */
long limit_get(struct state *, const char *name);
/* Sets or removes (N < 0) NAME's limit; the caller commits. The last removed, the file has
 * no "limits" again. */
void limit_put(struct state *, const char *name, long n);
/* For this process only, the all limit is N (plan --execute --workers N), unless lower. */
void limit_cap(long n);
/* The all limit in force (limit_cap's, else the state's), or -1. */
long limit_all(struct state *);
/* Counts the running items in all, in GROUP and on TERM (either may be NULL): the one count
 * behind limit_reached and `limit ls`. */
void limit_count(struct state *, const char *group, const cJSON *term, struct limit_count *);
/* Whether one more running item on TERM would pass a limit; *why says which (caller frees). */
int limit_reached(struct state *, const cJSON *term, char **why);
/* Whether one more running item would pass the all limit (a one-shot has no terminal or
 * group); *why says so (caller frees). */
int limit_reached_all(struct state *, char **why);

#endif
