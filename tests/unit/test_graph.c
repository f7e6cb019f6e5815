/*
 * The task graph (helper/graph.c) on hand-built states: chains, diamonds, wide fans, cycles, a
 * self-dependency, failed and cancelled roots, an id that exists nowhere, missing estimates,
 * running items, the seed workflow's numbers, a random graph against a naive count, and the
 * pick's order (graph_cmp); then durations (helper/duration.c).
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "duration.h"
#include "graph.h"
#include "state.h"
#include "tap.h"
#include "tmux-dispatch.h"

#define H 3600.0

static char tmp_dir[64], *tmp_state;

static void
tmp_setup(void)
{
	const char *base = getenv("TMPDIR");

	snprintf(tmp_dir, sizeof tmp_dir, "%s/td-unit-XXXXXX",
	    base != NULL && *base != '\0' && strlen(base) < 40 ? base : "/tmp");
	if (mkdtemp(tmp_dir) == NULL)
		fatal("mkdtemp: %s", strerror(errno));
	xasprintf(&tmp_state, "%s/state.json", tmp_dir);
}

static void
tmp_teardown(void)
{
	unlink(tmp_state);
	if (rmdir(tmp_dir) != 0)
		printf("# could not remove %s: %s\n", tmp_dir, strerror(errno));
	free(tmp_state);
}

/* Loads JSON TEXT as the state file; ' stands for " so the graphs below stay readable. */
static void
load(struct state *st, const char *text)
{
	char *json = xstrdup(text), *p;
	FILE *f;

	for (p = json; *p != '\0'; p++) {
		if (*p == '\'')
			*p = '"';
	}
	if ((f = fopen(tmp_state, "wb")) == NULL || fputs(json, f) == EOF || fclose(f) != 0)
		fatal("cannot write %s", tmp_state);
	free(json);
	if (state_open(st, tmp_state, STATE_READ) != 0)
		fatal("state_open refused: %s", text);
}

/* The same for a document built with cJSON (the large graphs). */
static void
load_json(struct state *st, cJSON *root)
{
	char *text = cJSON_PrintUnformatted(root);

	cJSON_Delete(root);
	load(st, text);
	free(text);
}

static cJSON *
new_item(cJSON *queue, const char *id, double estimate)
{
	cJSON *item = cJSON_CreateObject();

	cJSON_AddStringToObject(item, "id", id);
	cJSON_AddStringToObject(item, "command", id);
	if (estimate >= 0)
		cJSON_AddNumberToObject(item, "estimate", estimate);
	cJSON_AddItemToObject(item, "dependsOn", cJSON_CreateArray());
	cJSON_AddItemToArray(queue, item);
	return item;
}

static void
new_dep(cJSON *item, const char *id)
{
	cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(item, "dependsOn"),
	    cJSON_CreateString(id));
}

static struct graph_node *
node(const struct graph *g, const char *id)
{
	struct graph_node *v = graph_node(g, id);

	if (v == NULL)
		fatal("no node %s", id);
	return v;
}

/* The ids of a path, joined by " -> ", for one comparison. */
static char *
path_text(const struct graph *g, const size_t *path, size_t n)
{
	char *text = xstrdup(""), *more;
	size_t i;

	for (i = 0; i < n; i++) {
		xasprintf(&more, "%s%s%s", text, i > 0 ? " -> " : "", g->nodes[path[i]].id);
		free(text);
		text = more;
	}
	return text;
}

static void
is_path(const struct graph *g, double want_seconds, const char *want, const char *what)
{
	size_t *path, n;
	double seconds = graph_critical_path(g, &path, &n);
	char *text = path_text(g, path, n);

	is_str(text, want, "%s: critical path items", what);
	is_int((long long)seconds, (long long)want_seconds, "%s: critical path seconds", what);
	free(text);
	free(path);
}

static void
is_why(const struct graph *g, const char *id, const char *want)
{
	char *why = graph_why(g, node(g, id));

	is_str(why, want, "graph_why %s", id);
	free(why);
}

/* Node ids of one kind in the pick's order, joined by spaces. */
static char *
sorted_text(const struct graph *g, enum graph_kind kind)
{
	struct graph_node **v;
	size_t n = graph_sorted(g, kind, &v), i;
	char *text = xstrdup(""), *more;

	for (i = 0; i < n; i++) {
		xasprintf(&more, "%s%s%s", text, i > 0 ? " " : "", v[i]->id);
		free(text);
		text = more;
	}
	free(v);
	return text;
}

static void
is_sorted(const struct graph *g, enum graph_kind kind, const char *want, const char *what)
{
	char *text = sorted_text(g, kind);

	is_str(text, want, "graph_sorted: %s", what);
	free(text);
}

static void
is_num(double got, double want, const char *what)
{
	if (!ok(fabs(got - want) < 1e-6, "%s", what))
		printf("#   got %.3f, want %.3f\n", got, want);
}

/* ------------------------------------------------------------------------------------------ */

static void
test_chain(void)
{
	struct state st;
	struct graph *g;

	load(&st, "{'queue': ["
	    "{'id': 'a', 'command': 'a', 'estimate': 3600},"
	    "{'id': 'b', 'command': 'b', 'estimate': 7200, 'dependsOn': ['a']},"
	    "{'id': 'c', 'command': 'c', 'estimate': 10800, 'dependsOn': ['b']},"
	    "{'id': 'd', 'command': 'd', 'estimate': 14400, 'dependsOn': ['c']}]}");
	g = graph_build(&st);
	is_int(g->n, 4, "chain: four nodes");
	is_int(g->norder, 4, "chain: all in the topological order");
	is_int(g->ncycles, 0, "chain: no cycle");
	is_int(node(g, "a")->kind, GRAPH_READY, "chain: the head is ready");
	ok(node(g, "b")->kind == GRAPH_BLOCKED && node(g, "c")->kind == GRAPH_BLOCKED &&
	    node(g, "d")->kind == GRAPH_BLOCKED, "chain: the rest is blocked");
	is_num(node(g, "a")->critical, 10 * H, "chain: a's critical path is the whole chain");
	is_num(node(g, "b")->critical, 9 * H, "chain: b's critical path");
	is_num(node(g, "c")->critical, 7 * H, "chain: c's critical path");
	is_num(node(g, "d")->critical, 4 * H, "chain: the tail's critical path is its estimate");
	is_int(node(g, "a")->unblocks, 3, "chain: a unblocks 3");
	is_int(node(g, "b")->unblocks, 2, "chain: b unblocks 2");
	is_int(node(g, "c")->unblocks, 1, "chain: c unblocks 1");
	is_int(node(g, "d")->unblocks, 0, "chain: d unblocks none");
	is_num(graph_simulate(g, 1), 10 * H, "chain: 1 worker takes the sum");
	is_num(graph_simulate(g, 4), 10 * H, "chain: more workers do not help a chain");
	is_path(g, 10 * H, "a -> b -> c -> d", "chain");
	is_why(g, "a", NULL);
	is_why(g, "b", "blocked by a");
	is_sorted(g, GRAPH_READY, "a", "chain: ready");
	is_sorted(g, GRAPH_BLOCKED, "b c d", "chain: blocked, longest critical path first");
	graph_free(g);
	state_close(&st);
}

/* Longer than the 1024 targets of one unblocks pass, so every pass boundary is crossed. */
static void
test_long_chain(void)
{
	enum { N = 2600 };
	cJSON *root = cJSON_CreateObject(), *queue = cJSON_AddArrayToObject(root, "queue"), *item;
	char id[16], prev[16];
	struct state st;
	struct graph *g;
	size_t *path, n, i, bad_unblocks = 0, bad_critical = 0;
	double seconds;

	for (i = 0; i < N; i++) {
		snprintf(id, sizeof id, "c-%zu", i);
		item = new_item(queue, id, 60);
		if (i > 0)
			new_dep(item, prev);
		memcpy(prev, id, sizeof prev);
	}
	load_json(&st, root);
	g = graph_build(&st);
	for (i = 0; i < N; i++) {
		bad_unblocks += g->nodes[i].unblocks != N - 1 - i;
		bad_critical += g->nodes[i].critical != 60.0 * (double)(N - i);
	}
	is_int(bad_unblocks, 0, "long chain: item i unblocks the %d after it", N);
	is_int(bad_critical, 0, "long chain: item i's critical path is the rest of the chain");
	is_num(graph_simulate(g, 8), 60.0 * N, "long chain: the simulation runs it in sequence");
	seconds = graph_critical_path(g, &path, &n);
	ok(n == N && path[0] == 0 && path[N - 1] == N - 1, "long chain: the critical path is it all");
	is_num(seconds, 60.0 * N, "long chain: critical path seconds");
	free(path);
	graph_free(g);
	state_close(&st);
}

static void
test_diamond(void)
{
	struct state st;
	struct graph *g;

	/* a -> b, c -> d, and e behind d and b: d and e are reached from a along two routes. */
	load(&st, "{'queue': ["
	    "{'id': 'a', 'command': 'a', 'estimate': 3600},"
	    "{'id': 'b', 'command': 'b', 'estimate': 7200, 'dependsOn': ['a']},"
	    "{'id': 'c', 'command': 'c', 'estimate': 10800, 'dependsOn': ['a']},"
	    "{'id': 'd', 'command': 'd', 'estimate': 3600, 'dependsOn': ['b', 'c']},"
	    "{'id': 'e', 'command': 'e', 'estimate': 1800, 'dependsOn': ['d', 'b']}]}");
	g = graph_build(&st);
	is_int(node(g, "a")->unblocks, 4, "diamond: a unblocks b, c, d, e, each once");
	is_int(node(g, "b")->unblocks, 2, "diamond: b unblocks d and e once each");
	is_int(node(g, "c")->unblocks, 2, "diamond: c unblocks d and e");
	is_int(node(g, "d")->unblocks, 1, "diamond: d unblocks e");
	is_num(node(g, "a")->critical, 5.5 * H, "diamond: a's critical path goes through c");
	is_num(node(g, "b")->critical, 3.5 * H, "diamond: b's critical path");
	is_num(node(g, "c")->critical, 4.5 * H, "diamond: c's critical path");
	is_path(g, 5.5 * H, "a -> c -> d -> e", "diamond");
	is_num(graph_simulate(g, 1), 7.5 * H, "diamond: 1 worker");
	/* a 0-1h; c 1-4h beside b 1-3h; d 4-5h; e 5-5.5h. */
	is_num(graph_simulate(g, 2), 5.5 * H, "diamond: 2 workers run b beside c");
	is_why(g, "d", "blocked by b, c");
	is_sorted(g, GRAPH_BLOCKED, "c b d e", "diamond: blocked");
	graph_free(g);
	state_close(&st);
}

static void
test_wide_fans(void)
{
	enum { FAN = 1500, IN = 30 };
	cJSON *root = cJSON_CreateObject(), *queue = cJSON_AddArrayToObject(root, "queue"), *item;
	size_t i, bad = 0, blocked;
	struct graph_node **v;
	struct state st;
	struct graph *g;
	char id[16];

	/* One root, FAN dependents: more than one unblocks pass of targets. */
	new_item(queue, "root", H);
	for (i = 0; i < FAN; i++) {
		snprintf(id, sizeof id, "f-%zu", i);
		new_dep(new_item(queue, id, 60), "root");
	}
	load_json(&st, root);
	g = graph_build(&st);
	is_int(node(g, "root")->unblocks, FAN, "fan out: the root unblocks all %d", FAN);
	is_num(node(g, "root")->critical, H + 60, "fan out: its critical path is one more step");
	for (i = 1; i <= FAN; i++)
		bad += g->nodes[i].unblocks != 0 || g->nodes[i].kind != GRAPH_BLOCKED;
	is_int(bad, 0, "fan out: every leaf is blocked and unblocks none");
	is_num(graph_simulate(g, 1), H + 60.0 * FAN, "fan out: 1 worker");
	is_num(graph_simulate(g, 100), H + 60.0 * FAN / 100, "fan out: 100 workers");
	is_num(graph_simulate(g, 5000), H + 60, "fan out: a worker for every leaf");
	blocked = graph_sorted(g, GRAPH_BLOCKED, &v);
	ok(blocked == FAN && v[0]->index == 1 && v[FAN - 1]->index == FAN,
	    "fan out: equal leaves keep the file's order");
	free(v);
	graph_free(g);
	state_close(&st);

	/* IN roots of an hour each, one sink. */
	root = cJSON_CreateObject();
	queue = cJSON_AddArrayToObject(root, "queue");
	item = new_item(queue, "sink", H);
	for (i = 0; i < IN; i++) {
		snprintf(id, sizeof id, "s-%zu", i);
		new_item(queue, id, H);
		new_dep(item, id);
	}
	load_json(&st, root);
	g = graph_build(&st);
	for (bad = 0, i = 1; i <= IN; i++)
		bad += g->nodes[i].unblocks != 1 || g->nodes[i].critical != 2 * H;
	is_int(bad, 0, "fan in: each root unblocks the sink, critical path 2h");
	is_int(node(g, "sink")->ndeps, IN, "fan in: the sink waits on all %d", IN);
	is_num(graph_simulate(g, 1), (IN + 1) * H, "fan in: 1 worker");
	is_num(graph_simulate(g, 10), 4 * H, "fan in: 10 workers, three rounds and the sink");
	is_num(graph_simulate(g, IN), 2 * H, "fan in: a worker per root");
	is_path(g, 2 * H, "s-0 -> sink", "fan in");
	graph_free(g);
	state_close(&st);
}

static void
test_cycle(void)
{
	struct state st;
	struct graph *g;
	struct graph_node *a, *b, *c, *d, *e, *f, *x;

	/* a waits on c, b on a, c on b: in the order they would run, from the first in the file,
	 * a -> b -> c -> a. */
	load(&st, "{'queue': ["
	    "{'id': 'a', 'command': 'a', 'estimate': 60, 'dependsOn': ['c']},"
	    "{'id': 'b', 'command': 'b', 'estimate': 60, 'dependsOn': ['a']},"
	    "{'id': 'c', 'command': 'c', 'estimate': 60, 'dependsOn': ['b']},"
	    "{'id': 'd', 'command': 'd', 'estimate': 60, 'dependsOn': ['c']},"
	    "{'id': 'e', 'command': 'e', 'estimate': 60, 'dependsOn': ['d']},"
	    "{'id': 'f', 'command': 'f', 'estimate': 600},"
	    "{'id': 'x', 'command': 'x', 'estimate': 60, 'dependsOn': ['f', 'd']}]}");
	g = graph_build(&st);
	a = node(g, "a"), b = node(g, "b"), c = node(g, "c"), d = node(g, "d");
	e = node(g, "e"), f = node(g, "f"), x = node(g, "x");
	is_int(g->ncycles, 1, "cycle: one cycle");
	is_int(g->cycles[0].n, 3, "cycle: of three items");
	is_int(g->norder, 1, "cycle: only f is outside it and behind nothing");
	ok(a->kind == GRAPH_NEVER && b->kind == GRAPH_NEVER && c->kind == GRAPH_NEVER,
	    "cycle: its items never start");
	ok(a->on_cycle && b->on_cycle && c->on_cycle && a->cycle == 0 && b->cycle == 0 &&
	    c->cycle == 0, "cycle: its items are on cycle 0");
	ok(d->kind == GRAPH_NEVER && e->kind == GRAPH_NEVER && x->kind == GRAPH_NEVER,
	    "cycle: items behind it never start, transitively");
	ok(!d->on_cycle && !e->on_cycle && !x->on_cycle && d->cycle == 0 && e->cycle == 0 &&
	    x->cycle == 0, "cycle: items behind it name it, not on it");
	ok(!graph_startable(a) && !graph_startable(d), "cycle: never startable");
	is_why(g, "a", "never starts: on the cycle a -> b -> c -> a");
	is_why(g, "c", "never starts: on the cycle a -> b -> c -> a");
	is_why(g, "d", "never starts: behind the cycle a -> b -> c -> a");
	is_why(g, "e", "never starts: behind the cycle a -> b -> c -> a");
	is_int(f->kind, GRAPH_READY, "cycle: an item beside it is ready");
	is_int(f->unblocks, 0, "cycle: x, behind the cycle, is not unblocked by f");
	is_num(f->critical, 600, "cycle: nor on f's critical path");
	is_num(graph_simulate(g, 4), 600, "cycle: the simulation runs only what can start");
	is_path(g, 600, "f", "cycle");
	is_sorted(g, GRAPH_NEVER, "a b c d e x", "cycle: never");
	graph_free(g);
	state_close(&st);

	/* Two separate cycles are two, and each item names its own. */
	load(&st, "{'queue': ["
	    "{'id': 'p', 'command': 'p', 'dependsOn': ['q']},"
	    "{'id': 'q', 'command': 'q', 'dependsOn': ['p']},"
	    "{'id': 'r', 'command': 'r', 'dependsOn': ['s']},"
	    "{'id': 's', 'command': 's', 'dependsOn': ['r']},"
	    "{'id': 't', 'command': 't', 'dependsOn': ['s']}]}");
	g = graph_build(&st);
	is_int(g->ncycles, 2, "two cycles: both found");
	ok(node(g, "p")->cycle == node(g, "q")->cycle && node(g, "r")->cycle ==
	    node(g, "s")->cycle && node(g, "p")->cycle != node(g, "r")->cycle &&
	    node(g, "t")->cycle == node(g, "r")->cycle, "two cycles: each item names its own");
	is_why(g, "t", "never starts: behind the cycle r -> s -> r");
	graph_free(g);
	state_close(&st);
}

static void
test_self(void)
{
	struct state st;
	struct graph *g;

	load(&st, "{'queue': ["
	    "{'id': 's', 'command': 's', 'dependsOn': ['s']},"
	    "{'id': 't', 'command': 't', 'dependsOn': ['s']},"
	    "{'id': 'u', 'command': 'u'}]}");
	g = graph_build(&st);
	is_int(g->ncycles, 1, "self: waiting on itself is a cycle");
	is_int(g->cycles[0].n, 1, "self: of one item");
	ok(node(g, "s")->kind == GRAPH_NEVER && node(g, "s")->on_cycle, "self: s is on it");
	ok(node(g, "t")->kind == GRAPH_NEVER && !node(g, "t")->on_cycle &&
	    node(g, "t")->cycle == 0, "self: t is behind it");
	is_why(g, "s", "never starts: on the cycle s -> s");
	is_why(g, "t", "never starts: behind the cycle s -> s");
	is_int(node(g, "u")->kind, GRAPH_READY, "self: an unrelated item is ready");
	graph_free(g);
	state_close(&st);
}

static void
test_stuck(void)
{
	struct state st;
	struct graph *g;
	struct graph_node *v;

	load(&st, "{'queue': ["
	    "{'id': 'x', 'command': 'x', 'dependsOn': ['q-3']},"
	    "{'id': 'y', 'command': 'y', 'dependsOn': ['x']},"
	    "{'id': 'z', 'command': 'z', 'dependsOn': ['q-4']},"
	    "{'id': 'w', 'command': 'w', 'estimate': 60, 'dependsOn': ['q-5']},"
	    "{'id': 'u', 'command': 'u', 'dependsOn': ['w', 'q-3']},"
	    "{'id': 'm', 'command': 'm', 'dependsOn': ['nowhere', 'q-4']}],"
	    "'completedToday': ["
	    "{'id': 'q-3', 'command': 'a', 'status': 'failed', 'reason': 'timeout'},"
	    "{'id': 'q-4', 'command': 'b', 'status': 'cancelled'},"
	    "{'id': 'q-5', 'command': 'c', 'status': 'done'}]}");
	g = graph_build(&st);
	v = node(g, "x");
	is_int(v->kind, GRAPH_STUCK, "failed root: its dependent is stuck");
	is_str(state_str(v->root, "id"), "q-3", "failed root: it is the root");
	is_why(g, "x", "stuck: q-3 failed (timeout)");
	v = node(g, "y");
	is_int(v->kind, GRAPH_STUCK, "failed root: stuck transitively");
	is_str(state_str(v->root, "id"), "q-3", "failed root: the root, not the item between");
	is_why(g, "y", "stuck: q-3 failed (timeout)");
	v = node(g, "z");
	is_int(v->kind, GRAPH_STUCK, "cancelled root: its dependent is stuck");
	is_str(state_str(v->root, "id"), "q-4", "cancelled root: it is the root");
	is_why(g, "z", "stuck: q-4 cancelled");
	is_int(node(g, "w")->kind, GRAPH_READY, "a done dependency: ready");
	is_int(node(g, "u")->kind, GRAPH_STUCK, "a ready and a failed dependency: stuck");
	is_int(node(g, "w")->unblocks, 0, "w does not unblock u, which is stuck");
	is_num(node(g, "w")->critical, 60, "nor has u on its critical path");
	is_int(node(g, "m")->kind, GRAPH_STUCK, "stuck outranks a missing dependency");
	ok(!graph_startable(node(g, "x")), "stuck: not startable");
	is_num(graph_simulate(g, 2), 60, "stuck: the simulation runs only w");
	is_sorted(g, GRAPH_STUCK, "x y z u m", "stuck");
	graph_free(g);
	state_close(&st);
}

static void
test_missing(void)
{
	struct state st;
	struct graph *g;
	struct graph_node *x, *y;

	load(&st, "{'queue': ["
	    "{'id': 'x', 'command': 'x', 'dependsOn': ['nope']},"
	    "{'id': 'y', 'command': 'y', 'dependsOn': ['x']},"
	    "{'id': 'r', 'command': 'r', 'estimate': 60}]}");
	g = graph_build(&st);
	x = node(g, "x");
	y = node(g, "y");
	ok(x->kind == GRAPH_NEVER && x->cycle == -1 && !x->on_cycle,
	    "missing id: never starts, no cycle");
	is_str(x->missing, "nope", "missing id: names it");
	is_why(g, "x", "never starts: waits on nope, which is not in the state file");
	ok(y->kind == GRAPH_NEVER && y->cycle == -1, "missing id: behind it, never starts");
	is_str(y->missing, "nope", "missing id: the item behind names the missing id too");
	is_int(x->ndeps, 0, "missing id: no edge to a node");
	is_int(g->ncycles, 0, "missing id: no cycle");
	is_num(graph_simulate(g, 1), 60, "missing id: the simulation runs only r");
	graph_free(g);
	state_close(&st);
}

static void
test_estimates(void)
{
	struct state st;
	struct graph *g;

	/* Estimates 100, 600 and a finished 200: the median is 200. */
	load(&st, "{'queue': ["
	    "{'id': 'a', 'command': 'a', 'estimate': 100},"
	    "{'id': 'b', 'command': 'b', 'estimate': 600},"
	    "{'id': 'x', 'command': 'x', 'dependsOn': ['a']}],"
	    "'completedToday': [{'id': 'd', 'command': 'd', 'status': 'done', 'estimate': 200}]}");
	g = graph_build(&st);
	is_num(g->median, 200, "estimates: the median counts finished items too");
	is_num(node(g, "x")->estimate, 200, "estimates: missing is the median");
	ok(node(g, "x")->guessed && !node(g, "a")->guessed && !node(g, "b")->guessed,
	    "estimates: only the missing one is guessed");
	is_num(node(g, "a")->critical, 300, "estimates: the guess counts in critical paths");
	is_num(graph_simulate(g, 1), 900, "estimates: and in the simulation");
	graph_free(g);
	state_close(&st);

	/* An even count: the mean of the middle two; 0 is an estimate. */
	load(&st, "{'queue': ["
	    "{'id': 'a', 'command': 'a', 'estimate': 0},"
	    "{'id': 'b', 'command': 'b', 'estimate': 300},"
	    "{'id': 'c', 'command': 'c', 'estimate': 200},"
	    "{'id': 'd', 'command': 'd', 'estimate': 600},"
	    "{'id': 'x', 'command': 'x'}]}");
	g = graph_build(&st);
	is_num(g->median, 250, "estimates: even count, mean of the middle two");
	ok(!node(g, "a")->guessed && node(g, "a")->estimate == 0, "estimates: 0 is not missing");
	is_num(node(g, "x")->estimate, 250, "estimates: missing is that median");
	graph_free(g);
	state_close(&st);

	load(&st, "{'queue': ["
	    "{'id': 'a', 'command': 'a'},"
	    "{'id': 'b', 'command': 'b', 'dependsOn': ['a']}]}");
	g = graph_build(&st);
	is_num(g->median, H, "estimates: none at all: one hour");
	ok(node(g, "a")->guessed && node(g, "b")->guessed && node(g, "a")->estimate == H &&
	    node(g, "b")->estimate == H, "estimates: every item guessed at an hour");
	is_num(node(g, "a")->critical, 2 * H, "estimates: critical path of guesses");
	graph_free(g);
	state_close(&st);
}

static void
test_running(void)
{
	struct state st;
	struct graph *g;
	struct graph_node *r;

	load(&st, "{'queue': ["
	    "{'id': 'r', 'command': 'r', 'status': 'running', 'estimate': 3000,"
	    " 'startedAt': '2026-01-16T10:00:00Z'},"
	    "{'id': 'k', 'command': 'k', 'estimate': 500, 'dependsOn': ['r']},"
	    "{'id': 'a', 'command': 'a', 'estimate': 1000},"
	    "{'id': 'o', 'command': 'o', 'status': 'running', 'estimate': 600,"
	    " 'startedAt': '2026-01-16T09:00:00Z'},"
	    "{'id': 'n', 'command': 'n', 'status': 'running', 'estimate': 700}]}");
	/* 1000 s after r started. */
	if (state_parse_time("2026-01-16T10:16:40Z", &st.now) != 0)
		fatal("state_parse_time");
	g = graph_build(&st);
	r = node(g, "r");
	is_int(r->kind, GRAPH_RUNNING, "running: its kind");
	is_num(r->estimate, 3000, "running: the estimate is kept");
	is_num(r->remaining, 2000, "running: remaining is estimate minus elapsed");
	is_num(node(g, "o")->remaining, 0, "running: overrun, remaining is 0, not negative");
	is_num(node(g, "n")->remaining, 700, "running without startedAt: the whole estimate");
	is_int(node(g, "k")->kind, GRAPH_BLOCKED, "running: its dependent is blocked");
	is_num(r->critical, 2500, "running: critical path from what remains");
	is_int(r->unblocks, 1, "running: it unblocks k");
	ok(graph_startable(r), "running: startable (it counts in plans)");
	/* 1 worker: r, o and n hold it (and more) until they finish at 2000, 0 and 700; then a
	 * (the longer critical path) 2000-3000 and k 3000-3500. */
	is_num(graph_simulate(g, 1), 3500, "running: 1 worker, running items first");
	/* 3 workers: o's nothing left frees one at once for a, 0-1000; k after r, 2000-2500. */
	is_num(graph_simulate(g, 3), 2500, "running: 3 workers");
	is_path(g, 2500, "r -> k", "running");
	graph_free(g);
	state_close(&st);

	/* A running item waits on nothing: a dependency retried after it started (q-1) does
	 * not hold it back, so q-2 is neither on q-1's critical path nor unblocked by it. */
	load(&st, "{'queue': ["
	    "{'id': 'q-1', 'command': 'a', 'estimate': 600},"
	    "{'id': 'q-2', 'command': 'b', 'status': 'running', 'estimate': 1000,"
	    " 'startedAt': '2026-01-16T10:00:00Z', 'dependsOn': ['q-1']},"
	    "{'id': 'q-3', 'command': 'c', 'estimate': 60,"
	    " 'startedAt': '2026-01-16T10:05:00Z', 'status': 'running'}]}");
	if (state_parse_time("2026-01-16T10:01:40Z", &st.now) != 0)
		fatal("state_parse_time");
	g = graph_build(&st);
	is_int(node(g, "q-2")->kind, GRAPH_RUNNING, "running, dependency retried: still running");
	is_int(node(g, "q-1")->kind, GRAPH_READY, "running, dependency retried: it is ready");
	is_int(node(g, "q-1")->unblocks, 0, "running, dependency retried: unblocks nothing");
	is_num(node(g, "q-1")->critical, 600, "running, dependency retried: its own estimate");
	is_num(node(g, "q-3")->remaining, 60, "running, started in the future: the estimate");
	is_path(g, 900, "q-2", "running, dependency retried");
	is_num(graph_simulate(g, 3), 900, "running, dependency retried: 3 workers");
	graph_free(g);
	state_close(&st);

	/* Nor does a cycle through a running item keep anything from starting. */
	load(&st, "{'queue': ["
	    "{'id': 'r', 'command': 'r', 'status': 'running', 'dependsOn': ['p']},"
	    "{'id': 'p', 'command': 'p', 'dependsOn': ['r']}]}");
	g = graph_build(&st);
	is_int(g->ncycles, 0, "running on a cycle: no cycle");
	is_int(node(g, "r")->kind, GRAPH_RUNNING, "running on a cycle: running");
	is_int(node(g, "p")->kind, GRAPH_BLOCKED, "running on a cycle: p waits on r");
	is_why(g, "p", "blocked by r");
	graph_free(g);
	state_close(&st);
}

/*
 * The seed workflow: FND-001 done; three scorers of 4h, 4h and 3h on it; the eval runner
 * RUN-001 (4h) on all three; the CLI run command RUN-002 (2h) on the runner. By hand:
 *   critical paths: SCR-001 = SCR-002 = 4 + 4 + 2 = 10h, SCR-003 = 3 + 6 = 9h, RUN-001 = 6h,
 *   RUN-002 = 2h; unblocks 2, 2, 2, 1, 0; sequential 4 + 4 + 3 + 4 + 2 = 17h.
 *   1 worker: 17h. 2 workers: SCR-001 and SCR-002 0-4h (longest first), SCR-003 4-7h,
 *   RUN-001 7-11h, RUN-002 11-13h: 13h. 3 workers: the scorers 0-4h, RUN-001 4-8h,
 *   RUN-002 8-10h: 10h. The critical path: SCR-001 -> RUN-001 -> RUN-002, 10h (SCR-001
 *   before SCR-002 by file order, all else equal).
 */
static void
test_seed(void)
{
	struct state st;
	struct graph *g;
	double sequential = 0;
	size_t i;

	load(&st, "{'queue': ["
	    "{'id': 'SCR-001', 'title': 'ToolSelectionScorer', 'command': 'a', 'estimate': 14400,"
	    " 'phase': 'phase-2-scorers', 'dependsOn': ['FND-001']},"
	    "{'id': 'SCR-002', 'title': 'ReasoningScorer', 'command': 'b', 'estimate': 14400,"
	    " 'phase': 'phase-2-scorers', 'dependsOn': ['FND-001']},"
	    "{'id': 'SCR-003', 'title': 'LatencyScorer', 'command': 'c', 'estimate': 10800,"
	    " 'phase': 'phase-2-scorers', 'dependsOn': ['FND-001']},"
	    "{'id': 'RUN-001', 'title': 'Eval runner', 'command': 'd', 'estimate': 14400,"
	    " 'phase': 'phase-3-runner', 'dependsOn': ['SCR-001', 'SCR-002', 'SCR-003']},"
	    "{'id': 'RUN-002', 'title': 'CLI run command', 'command': 'e', 'estimate': 7200,"
	    " 'phase': 'phase-3-runner', 'dependsOn': ['RUN-001']}],"
	    "'completedToday': [{'id': 'FND-001', 'command': 'f', 'status': 'done'}]}");
	g = graph_build(&st);
	is_sorted(g, GRAPH_READY, "SCR-001 SCR-002 SCR-003", "seed: ready");
	is_sorted(g, GRAPH_BLOCKED, "RUN-001 RUN-002", "seed: blocked");
	is_num(node(g, "SCR-001")->critical, 10 * H, "seed: SCR-001 critical path 10h");
	is_num(node(g, "SCR-002")->critical, 10 * H, "seed: SCR-002 critical path 10h");
	is_num(node(g, "SCR-003")->critical, 9 * H, "seed: SCR-003 critical path 9h");
	is_num(node(g, "RUN-001")->critical, 6 * H, "seed: RUN-001 critical path 6h");
	is_num(node(g, "RUN-002")->critical, 2 * H, "seed: RUN-002 critical path 2h");
	ok(node(g, "SCR-001")->unblocks == 2 && node(g, "SCR-002")->unblocks == 2 &&
	    node(g, "SCR-003")->unblocks == 2, "seed: each scorer unblocks 2");
	is_int(node(g, "RUN-001")->unblocks, 1, "seed: RUN-001 unblocks 1");
	is_int(node(g, "RUN-002")->unblocks, 0, "seed: RUN-002 unblocks none");
	for (i = 0; i < g->n; i++)
		sequential += g->nodes[i].remaining;
	is_num(sequential, 17 * H, "seed: sequential 17h");
	is_num(graph_simulate(g, 1), 17 * H, "seed: 1 worker 17h");
	is_num(graph_simulate(g, 2), 13 * H, "seed: 2 workers 13h");
	is_num(graph_simulate(g, 3), 10 * H, "seed: 3 workers 10h");
	is_num(graph_simulate(g, 9), 10 * H, "seed: more workers than scorers 10h");
	is_path(g, 10 * H, "SCR-001 -> RUN-001 -> RUN-002", "seed");
	is_why(g, "RUN-001", "blocked by SCR-001, SCR-002, SCR-003");
	is_why(g, "RUN-002", "blocked by RUN-001");
	graph_free(g);
	state_close(&st);
}

/* A layered random graph: unblocks and critical paths against a plain search from each node. */
static void
test_random(void)
{
	enum { N = 2300 };
	cJSON *root = cJSON_CreateObject(), *queue = cJSON_AddArrayToObject(root, "queue"), *item;
	size_t i, k, j, head, tail, count, *q, bad_unblocks = 0, bad_critical = 0;
	unsigned long long seed = 42;
	double *crit, longest;
	char id[16], *seen;
	struct state st;
	struct graph *g;
	struct graph_node *v;

	for (i = 0; i < N; i++) {
		snprintf(id, sizeof id, "n-%zu", i);
		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		item = new_item(queue, id, (double)(60 * (1 + (seed >> 33) % 50)));
		for (k = 0; i > 0 && k < (seed >> 40) % 4; k++) {
			seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
			snprintf(id, sizeof id, "n-%zu", (size_t)((seed >> 33) % i));
			new_dep(item, id);
		}
	}
	load_json(&st, root);
	g = graph_build(&st);
	q = xcalloc(N, sizeof *q);
	seen = xcalloc(N, 1);
	crit = xcalloc(N, sizeof *crit);
	for (i = 0; i < N; i++) {
		memset(seen, 0, N);
		head = tail = count = 0;
		q[tail++] = i;
		seen[i] = 1;
		while (head < tail) {
			v = &g->nodes[q[head++]];
			for (k = 0; k < v->nkids; k++) {
				if (!seen[v->kids[k]]) {
					seen[v->kids[k]] = 1;
					q[tail++] = v->kids[k];
					count++;
				}
			}
		}
		bad_unblocks += g->nodes[i].unblocks != count;
	}
	/* Dependencies point to earlier items, so the file's reverse order is topological. */
	for (i = N; i-- > 0;) {
		v = &g->nodes[i];
		longest = 0;
		for (k = 0; k < v->nkids; k++) {
			j = v->kids[k];
			if (crit[j] > longest)
				longest = crit[j];
		}
		crit[i] = v->remaining + longest;
		bad_critical += fabs(crit[i] - v->critical) > 1e-6;
	}
	is_int(bad_unblocks, 0, "random graph: unblocks match a search from every node");
	is_int(bad_critical, 0, "random graph: critical paths match");
	free(crit);
	free(seen);
	free(q);
	graph_free(g);
	state_close(&st);
}

/* ------------------------------------------------------------------------------------------ */

/* A node as graph_cmp reads it: phase and createdAt as graph_build copies them from the item. */
static struct graph_node
cmp_node(cJSON *holder, size_t index, double priority, double critical, size_t unblocks,
    const char *phase, double estimate, const char *created)
{
	struct graph_node v = { 0 };
	cJSON *item = cJSON_CreateObject();

	if (phase != NULL)
		cJSON_AddStringToObject(item, ITEM_PHASE, phase);
	if (created != NULL)
		cJSON_AddStringToObject(item, ITEM_CREATED, created);
	cJSON_AddItemToArray(holder, item);
	v.item = item;
	v.phase = state_str(item, ITEM_PHASE);
	v.created = state_str(item, ITEM_CREATED);
	v.index = index;
	v.priority = priority;
	v.critical = critical;
	v.unblocks = unblocks;
	v.estimate = estimate;
	return v;
}

static void
is_first(const struct graph_node *a, const struct graph_node *b, const char *phase,
    const char *what)
{
	ok(graph_cmp(a, b, phase) < 0 && graph_cmp(b, a, phase) > 0, "graph_cmp: %s", what);
}

/*
 * Each key decides when the keys before it are equal, whatever the keys after it say: in
 * every pair, A wins on the key named and loses on every later one.
 */
static void
test_cmp(void)
{
	cJSON *holder = cJSON_CreateArray();
	const char *old = "2026-01-16T10:00:00Z", *new = "2026-01-16T11:00:00Z";
	struct graph_node a, b;

	a = cmp_node(holder, 9, 1, 10, 0, "other", 900, new);
	b = cmp_node(holder, 1, 0, 99, 9, "p", 100, old);
	is_first(&a, &b, "p", "higher priority first");
	a = cmp_node(holder, 9, 0, 99, 0, "other", 900, new);
	b = cmp_node(holder, 1, 0, 10, 9, "p", 100, old);
	is_first(&a, &b, "p", "then the longer critical path");
	a = cmp_node(holder, 9, 0, 10, 5, "other", 900, new);
	b = cmp_node(holder, 1, 0, 10, 4, "p", 100, old);
	is_first(&a, &b, "p", "then more unblocks");
	a = cmp_node(holder, 9, 0, 10, 4, "p", 900, new);
	b = cmp_node(holder, 1, 0, 10, 4, "other", 100, old);
	is_first(&a, &b, "p", "then the terminal's phase");
	is_first(&b, &a, NULL, "no phase given: the phase is not a key");
	a = cmp_node(holder, 9, 0, 10, 4, "p", 900, new);
	b = cmp_node(holder, 1, 0, 10, 4, NULL, 100, old);
	is_first(&a, &b, "p", "an item without a phase is not in the terminal's");
	a = cmp_node(holder, 9, 0, 10, 4, "p", 100, new);
	b = cmp_node(holder, 1, 0, 10, 4, "p", 900, old);
	is_first(&a, &b, "p", "then the shorter estimate");
	a = cmp_node(holder, 9, 0, 10, 4, "p", 100, old);
	b = cmp_node(holder, 1, 0, 10, 4, "p", 100, new);
	is_first(&a, &b, "p", "then the older createdAt");
	a = cmp_node(holder, 1, 0, 10, 4, "p", 100, old);
	b = cmp_node(holder, 9, 0, 10, 4, "p", 100, old);
	is_first(&a, &b, "p", "then the earlier in the file");
	a = cmp_node(holder, 1, 0, 10, 4, "p", 100, NULL);
	b = cmp_node(holder, 9, 0, 10, 4, "p", 100, old);
	is_first(&a, &b, "p", "without createdAt: the earlier in the file");
	is_int(graph_cmp(&a, &a, "p"), 0, "graph_cmp: a node equals itself");
	a = cmp_node(holder, 9, -1, 99, 9, "p", 1, old);
	b = cmp_node(holder, 1, 0, 1, 0, "x", 900, new);
	is_first(&b, &a, "p", "a negative priority goes after 0");
	cJSON_Delete(holder);
}

/* ------------------------------------------------------------------------------------------ */

static void
is_duration(const char *text, double want)
{
	double got = -1;
	int rc = duration_parse(text, &got);

	if (!ok(rc == 0 && got == want, "duration_parse \"%s\" = %.0f", text, want))
		printf("#   rc %d, got %.3f\n", rc, got);
}

static void
refused(const char *text)
{
	double got = -7;

	ok(duration_parse(text, &got) == -1 && got == -7, "duration_parse refuses \"%s\"", text);
}

static void
is_format(double seconds, const char *want)
{
	char buf[DURATION_TEXT];

	duration_format(seconds, buf);
	is_str(buf, want, "duration_format %.1f", seconds);
}

static void
test_duration(void)
{
	char big[64];

	is_duration("90s", 90);
	is_duration("30m", 1800);
	is_duration("4h", 14400);
	is_duration("1h30m", 5400);
	is_duration("2d", 172800);
	is_duration("1d2h3m4s", 93784);
	is_duration("5400", 5400);
	is_duration("1.5h", 5400);
	is_duration("0", 0);
	refused("");
	refused("h");
	refused("1x");
	refused("30m1h");
	refused("1h1h");
	refused("1h30");
	refused("-5");
	refused("-5m");
	refused("1 h");
	refused("1e3");
	snprintf(big, sizeof big, "%.0f", ITEM_ESTIMATE_MAX + 1);
	refused(big);
	refused("36500d");
	is_duration("36400d", 36400 * 86400.0);
	is_format(45, "45s");
	is_format(0, "0s");
	is_format(59, "59s");
	is_format(60, "1m");
	is_format(1500, "25m");
	is_format(3599, "1h");
	is_format(14400, "4h");
	is_format(5400, "1h30m");
	is_format(100 * H, "100h");
}

int
main(void)
{
	tmp_setup();
	test_chain();
	test_long_chain();
	test_diamond();
	test_wide_fans();
	test_cycle();
	test_self();
	test_stuck();
	test_missing();
	test_estimates();
	test_running();
	test_seed();
	test_random();
	test_cmp();
	test_duration();
	tmp_teardown();
	return tap_done();
}
