/*
 * The task graph: the live items (pending and running) and what they wait on, with what a plan
 * and the pick need of it: each item's kind (ready, blocked, stuck behind a failed item, never
 * able to start), estimates, critical paths, how many items each unblocks, the cycles, and the
 * order of the pick (README "Concepts: Order"). Built in one pass over the state, linear in its
 * items and dependencies except unblocks (word-parallel, see graph.c).
 */
#ifndef GRAPH_H
#define GRAPH_H

#include <stddef.h>

#include <cjson/cJSON.h>

struct state;
struct strmap;

#define GRAPH_DEFAULT_ESTIMATE 3600.0 /* seconds, when no item of the graph has an estimate */

enum graph_kind {
	GRAPH_READY,   /* pending, every dependency done */
	GRAPH_RUNNING,
	GRAPH_BLOCKED, /* pending, waits on live items */
	GRAPH_STUCK,   /* a dependency, directly or transitively, failed or was cancelled */
	GRAPH_NEVER,   /* on a cycle, waits on one, or waits on an id that exists nowhere */
};

struct graph_node {
	cJSON *item;
	const char *id;
	size_t index;        /* in the queue, which is also the order of g->nodes */
	enum graph_kind kind;
	double priority;
	const char *created, *phase; /* the item's createdAt and phase (NULL if none) */
	const cJSON *depends;        /* its dependsOn */
	int running;                 /* its status is running */
	double estimate;     /* seconds: its own, else the graph's median */
	int guessed;         /* the estimate is the median, not the item's */
	double remaining;    /* the estimate; for a running item less the time it has run, >= 0 */
	double critical;     /* remaining plus the longest chain of remaining through dependents */
	size_t unblocks;     /* items that can start once it is done, transitively */
	size_t *deps, ndeps; /* live nodes it waits on (none for a running node) */
	size_t *kids, nkids; /* live nodes waiting on it */
	const cJSON *root;   /* stuck: the failed or cancelled item behind it */
	const char *missing; /* never: the id that exists nowhere, if that is why */
	long cycle;          /* never: the cycle (g->cycles) it is on or waits on, else -1 */
	int on_cycle;        /* it is on that cycle, not only behind it */
};

struct graph_cycle {
	size_t *nodes, n; /* in order of execution: each waits on the one before, the first on the last */
};

struct graph {
	struct graph_node *nodes;
	size_t n;
	size_t *order, norder;  /* topological order of the nodes not on or behind a cycle */
	struct graph_cycle *cycles;
	size_t ncycles;
	size_t *dep_pool, *kid_pool; /* every node's deps and kids */
	double median;          /* the estimate of items without one */
	struct strmap *index;   /* id -> node */
};

/* The graph of ST's live items, built on first use and kept until the items change. */
struct graph *graph_get(struct state *);
/* The same, always built anew and owned by the caller (tests, benchmarks). */
struct graph *graph_build(struct state *);
void graph_free(struct graph *);
struct graph_node *graph_node(const struct graph *, const char *id);
/* Whether a node may yet start: ready, running or blocked (its dependencies may finish). */
int graph_startable(const struct graph_node *);

/*
 * The pick's order: negative when A goes before B. Higher priority, then the longer critical
 * path, then more unblocked, then the one in PHASE (the terminal's previous item's; NULL:
 * none), then the shorter estimate, then the older, then the earlier in the file.
 */
int graph_cmp(const struct graph_node *a, const struct graph_node *b, const char *phase);

/* Why a pending node does not start, for people ("stuck: q-3 failed (timeout)"); caller frees.
 * NULL for ready and running nodes. */
char *graph_why(const struct graph *, const struct graph_node *);

/* A cycle through V: its nodes into *nodes (caller frees), V first, in the order things would
 * run (each waits on the one before, V on the last); how many, 0 if V is on no cycle. */
size_t graph_cycle_through(const struct graph *, const struct graph_node *, size_t **nodes);
/* "a -> b -> a": N nodes of a cycle, then the first again; caller frees. */
char *graph_path_text(const struct graph *, const size_t *nodes, size_t n);

/* A list-scheduling run of the startable nodes on WORKERS workers, in the pick's order
 * (without a terminal's phase): the seconds until the last finishes. */
double graph_simulate(const struct graph *, size_t workers);
/* The longest chain: its seconds, and its nodes in *path (caller frees), first to start first. */
double graph_critical_path(const struct graph *, size_t **path, size_t *n);
/* The nodes of one kind sorted by the pick's order (without a phase), into *out (caller frees). */
size_t graph_sorted(const struct graph *, enum graph_kind, struct graph_node ***out);

#endif
