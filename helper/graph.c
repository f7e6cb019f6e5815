/*
 * The task graph (graph.h). One build: nodes and edges, a topological order (Kahn), the cycles
 * among what is left (Tarjan), kinds in that order, critical paths in reverse, then unblocks.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "graph.h"
#include "state.h"
#include "strmap.h"
#include "tmux-dispatch.h"

#define GRAPH_CHUNK_WORDS 16 /* unblocks: 1024 target nodes per pass */

int
graph_startable(const struct graph_node *v)
{
	return v->kind == GRAPH_READY || v->kind == GRAPH_RUNNING || v->kind == GRAPH_BLOCKED;
}

struct graph_node *
graph_node(const struct graph *g, const char *id)
{
	return strmap_get(g->index, id);
}

/* A running item stays running whatever it waits on: someone started it. */
static int
graph_running(const struct graph_node *v)
{
	return v->running;
}

static int
graph_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* The median of the estimates every item of the state has: live ones read, finished ones. */
static double
graph_median(struct state *st, struct graph *g, const cJSON *const *estimates)
{
	double *v = xcalloc(g->n + 1, sizeof *v), median = GRAPH_DEFAULT_ESTIMATE;
	size_t n = 0, cap = g->n + 1, i;
	const cJSON *item, *e;

	for (i = 0; i < g->n; i++) {
		if (cJSON_IsNumber(estimates[i]))
			v[n++] = estimates[i]->valuedouble;
	}
	cJSON_ArrayForEach(item, st->completed) {
		e = cJSON_GetObjectItemCaseSensitive(item, ITEM_ESTIMATE);
		if (!cJSON_IsNumber(e))
			continue;
		if (n == cap)
			v = xreallocarray(v, cap *= 2, sizeof *v);
		v[n++] = e->valuedouble;
	}
	if (n > 0) {
		qsort(v, n, sizeof *v, graph_cmp_double);
		median = n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
	}
	free(v);
	return median;
}

static void
graph_estimate(struct state *st, struct graph *g, struct graph_node *v, const cJSON *e,
    const char *started_at)
{
	time_t started;
	double elapsed;

	v->guessed = !cJSON_IsNumber(e);
	v->estimate = v->guessed ? g->median : e->valuedouble;
	v->remaining = v->estimate;
	/* A startedAt ahead of our clock (another machine's) has not used any of the estimate. */
	if (v->running && state_parse_time(started_at, &started) == 0 &&
	    (elapsed = difftime(st->now, started)) > 0)
		v->remaining = elapsed < v->estimate ? v->estimate - elapsed : 0;
}

/* Whether member name K is KEY: the first byte tells most apart without a call. */
static int
graph_key(const char *k, const char *key)
{
	return k[0] == key[0] && strcmp(k, key) == 0;
}

/*
 * The keys the graph reads, in one walk over the item's members (a large queue is most of
 * the work, and each lookup by name is a walk of its own). The state layer validated them.
 */
static void
graph_read(struct graph_node *v, const cJSON **estimate, const char **started)
{
	const cJSON *m;
	const char *k;

	for (m = v->item->child; m != NULL; m = m->next) {
		k = m->string;
		if (graph_key(k, ITEM_ID))
			v->id = m->valuestring;
		else if (graph_key(k, ITEM_PRIORITY))
			v->priority = m->valuedouble;
		else if (graph_key(k, ITEM_CREATED))
			v->created = cJSON_IsString(m) ? m->valuestring : NULL;
		else if (graph_key(k, ITEM_PHASE))
			v->phase = m->valuestring;
		else if (graph_key(k, ITEM_DEPENDS))
			v->depends = m;
		else if (graph_key(k, ITEM_STATUS))
			v->running = strcmp(m->valuestring, ST_RUNNING) == 0;
		else if (graph_key(k, ITEM_ESTIMATE))
			*estimate = m;
		else if (graph_key(k, ITEM_STARTED))
			*started = cJSON_IsString(m) ? m->valuestring : NULL;
	}
}

/*
 * Nodes, and the edges between live nodes: deps and kids share one pool each. A running item
 * waits on nothing: a dependency retried after it started holds it back no more than it
 * closes a cycle through it, so it has no edges to what it depends on.
 */
static void
graph_nodes(struct state *st, struct graph *g)
{
	struct graph_node *v, *w;
	const cJSON *dep, **estimates;
	const char **started;
	size_t i, edges = 0, *dpool, *kpool, *fill;
	cJSON *item;

	g->n = (size_t)cJSON_GetArraySize(st->queue);
	g->nodes = xcalloc(g->n + 1, sizeof *g->nodes);
	g->index = strmap_new();
	estimates = xcalloc(g->n + 1, sizeof *estimates);
	started = xcalloc(g->n + 1, sizeof *started);
	i = 0;
	cJSON_ArrayForEach(item, st->queue) {
		v = &g->nodes[i];
		v->item = item;
		v->index = i;
		v->cycle = -1;
		graph_read(v, &estimates[i], &started[i]);
		strmap_put(g->index, v->id, v);
		edges += (size_t)cJSON_GetArraySize(v->depends);
		i++;
	}
	g->median = graph_median(st, g, estimates);
	for (i = 0; i < g->n; i++)
		graph_estimate(st, g, &g->nodes[i], estimates[i], started[i]);
	free(started);
	free(estimates);
	dpool = g->dep_pool = xcalloc(edges + 1, sizeof *dpool);
	kpool = g->kid_pool = xcalloc(edges + 1, sizeof *kpool);
	for (i = 0; i < g->n; i++) {
		v = &g->nodes[i];
		v->deps = dpool;
		if (v->running)
			continue;
		cJSON_ArrayForEach(dep, v->depends) {
			if ((w = graph_node(g, dep->valuestring)) != NULL) {
				v->deps[v->ndeps++] = w->index;
				w->nkids++;
			}
		}
		dpool += v->ndeps;
	}
	fill = xcalloc(g->n + 1, sizeof *fill);
	for (i = 0; i < g->n; i++) {
		g->nodes[i].kids = kpool;
		kpool += g->nodes[i].nkids;
	}
	for (i = 0; i < g->n; i++) {
		v = &g->nodes[i];
		for (size_t d = 0; d < v->ndeps; d++) {
			w = &g->nodes[v->deps[d]];
			w->kids[fill[w->index]++] = i;
		}
	}
	free(fill);
}

/* Kahn's algorithm: g->order holds every node not on a cycle or behind one. */
static void
graph_topo(struct graph *g)
{
	size_t *indeg = xcalloc(g->n + 1, sizeof *indeg), head = 0, i, k;
	struct graph_node *v;

	g->order = xcalloc(g->n + 1, sizeof *g->order);
	for (i = 0; i < g->n; i++) {
		if ((indeg[i] = g->nodes[i].ndeps) == 0)
			g->order[g->norder++] = i;
	}
	while (head < g->norder) {
		v = &g->nodes[g->order[head++]];
		for (k = 0; k < v->nkids; k++) {
			if (--indeg[v->kids[k]] == 0)
				g->order[g->norder++] = v->kids[k];
		}
	}
	free(indeg);
}

/* One simple cycle in component SCC, walked from START along dependencies inside it. */
static void
graph_add_cycle(struct graph *g, const long *scc_of, long scc, size_t start, long *pos)
{
	size_t *path = xcalloc(g->n + 1, sizeof *path), len = 0, cur = start, d, i, first;
	struct graph_cycle *c;

	while (pos[cur] < 0) {
		pos[cur] = (long)len;
		path[len++] = cur;
		for (d = 0; d < g->nodes[cur].ndeps; d++) {
			if (scc_of[g->nodes[cur].deps[d]] == scc)
				break;
		}
		cur = g->nodes[cur].deps[d];
	}
	g->cycles = xreallocarray(g->cycles, g->ncycles + 1, sizeof *g->cycles);
	c = &g->cycles[g->ncycles++];
	c->n = len - (size_t)pos[cur];
	c->nodes = xcalloc(c->n, sizeof *c->nodes);
	/*
	 * The walk followed dependencies; people read a cycle in the order things would run,
	 * from its item earliest in the file.
	 */
	for (i = 0; i < c->n; i++)
		c->nodes[i] = path[len - 1 - i];
	for (i = first = 0; i < c->n; i++) {
		if (c->nodes[i] < c->nodes[first])
			first = i;
	}
	for (i = 0; i < c->n; i++)
		path[i] = c->nodes[(first + i) % c->n];
	memcpy(c->nodes, path, c->n * sizeof *c->nodes);
	free(path);
}

struct graph_frame {
	size_t v, edge;
};

/*
 * Tarjan's algorithm over the nodes LEFT by Kahn, without recursion (a chain may be long):
 * scc_of[v] is v's strongly connected component. Returns how many there are.
 */
static long
graph_scc(const struct graph *g, const char *left, long *scc_of)
{
	long *idx = xcalloc(g->n + 1, sizeof *idx), *low = xcalloc(g->n + 1, sizeof *low);
	size_t *stack = xcalloc(g->n + 1, sizeof *stack), sp = 0, fp, s, w, v;
	struct graph_frame *frames = xcalloc(g->n + 1, sizeof *frames), *f;
	char *on = xcalloc(g->n + 1, 1);
	long counter = 0, nscc = 0;

	for (s = 0; s < g->n; s++)
		idx[s] = scc_of[s] = -1;
	for (s = 0; s < g->n; s++) {
		if (!left[s] || idx[s] >= 0)
			continue;
		fp = 0;
		frames[fp++] = (struct graph_frame){ s, 0 };
		idx[s] = low[s] = counter++;
		stack[sp++] = s;
		on[s] = 1;
		while (fp > 0) {
			f = &frames[fp - 1];
			v = f->v;
			if (f->edge < g->nodes[v].ndeps) {
				w = g->nodes[v].deps[f->edge++];
				if (!left[w])
					continue;
				if (idx[w] < 0) {
					idx[w] = low[w] = counter++;
					stack[sp++] = w;
					on[w] = 1;
					frames[fp++] = (struct graph_frame){ w, 0 };
				} else if (on[w] && idx[w] < low[v])
					low[v] = idx[w];
				continue;
			}
			if (--fp > 0 && low[v] < low[frames[fp - 1].v])
				low[frames[fp - 1].v] = low[v];
			if (low[v] != idx[v])
				continue;
			do {
				w = stack[--sp];
				on[w] = 0;
				scc_of[w] = nscc;
			} while (w != v);
			nscc++;
		}
	}
	free(on);
	free(frames);
	free(stack);
	free(low);
	free(idx);
	return nscc;
}

/*
 * What Kahn left is on a cycle or behind one. Each component that is a cycle (more than one
 * item, or one that waits on itself) gets one simple cycle to name it; every item behind one
 * is marked with the first cycle found upstream, along its dependents.
 */
static void
graph_cycles(struct graph *g)
{
	long *scc_of = xcalloc(g->n + 1, sizeof *scc_of), *pos = xcalloc(g->n + 1, sizeof *pos);
	long *cycle_of, nscc, c;
	size_t *members, *queue = xcalloc(g->n + 1, sizeof *queue), head = 0, tail = 0, i, k;
	char *left = xcalloc(g->n + 1, 1);
	struct graph_node *v, *w;

	if (g->norder == g->n) {
		free(left);
		free(queue);
		free(pos);
		free(scc_of);
		return;
	}
	memset(left, 1, g->n);
	for (i = 0; i < g->norder; i++)
		left[g->order[i]] = 0;
	nscc = graph_scc(g, left, scc_of);
	members = xcalloc((size_t)nscc + 1, sizeof *members);
	cycle_of = xcalloc((size_t)nscc + 1, sizeof *cycle_of);
	for (c = 0; c < nscc; c++)
		cycle_of[c] = -1;
	for (i = 0; i < g->n; i++) {
		pos[i] = -1;
		if (left[i])
			members[scc_of[i]]++;
	}
	for (i = 0; i < g->n; i++) {
		if (!left[i])
			continue;
		v = &g->nodes[i];
		for (k = 0; members[scc_of[i]] == 1 && k < v->ndeps && v->deps[k] != i; k++)
			;
		if (members[scc_of[i]] == 1 && k == v->ndeps)
			continue;
		if (cycle_of[scc_of[i]] < 0) {
			cycle_of[scc_of[i]] = (long)g->ncycles;
			graph_add_cycle(g, scc_of, scc_of[i], i, pos);
		}
		v->cycle = cycle_of[scc_of[i]];
		v->on_cycle = 1;
		v->kind = graph_running(v) ? GRAPH_RUNNING : GRAPH_NEVER;
		queue[tail++] = i;
	}
	while (head < tail) {
		v = &g->nodes[queue[head++]];
		for (k = 0; k < v->nkids; k++) {
			w = &g->nodes[v->kids[k]];
			if (w->cycle >= 0)
				continue;
			w->cycle = v->cycle;
			w->kind = graph_running(w) ? GRAPH_RUNNING : GRAPH_NEVER;
			queue[tail++] = w->index;
		}
	}
	free(cycle_of);
	free(members);
	free(left);
	free(queue);
	free(pos);
	free(scc_of);
}

/* Raises V's kind to K if K outranks it: stuck, then never, then blocked, then ready. */
static int
graph_raise(struct graph_node *v, enum graph_kind k)
{
	static const int rank[] = { [GRAPH_READY] = 0, [GRAPH_BLOCKED] = 1, [GRAPH_NEVER] = 2,
		[GRAPH_STUCK] = 3, [GRAPH_RUNNING] = 4 };

	if (rank[k] <= rank[v->kind])
		return 0;
	v->kind = k;
	return 1;
}

/* Kinds in topological order: a node's live dependencies are known before it. */
static void
graph_kinds(struct state *st, struct graph *g)
{
	struct graph_node *v, *w;
	const cJSON *dep, *other;
	size_t i;

	for (i = 0; i < g->norder; i++) {
		v = &g->nodes[g->order[i]];
		if (graph_running(v)) {
			v->kind = GRAPH_RUNNING;
			continue;
		}
		cJSON_ArrayForEach(dep, v->depends) {
			if ((w = graph_node(g, dep->valuestring)) != NULL) {
				if (w->kind == GRAPH_STUCK && graph_raise(v, GRAPH_STUCK))
					v->root = w->root;
				else if (w->kind == GRAPH_NEVER && graph_raise(v, GRAPH_NEVER))
					v->missing = w->missing;
				else
					graph_raise(v, GRAPH_BLOCKED);
			} else if ((other = state_item(st, dep->valuestring)) == NULL) {
				if (graph_raise(v, GRAPH_NEVER))
					v->missing = dep->valuestring;
			} else if (strcmp(state_str(other, ITEM_STATUS), ST_DONE) != 0 &&
			    graph_raise(v, GRAPH_STUCK))
				v->root = other;
		}
	}
}

/* Critical paths in reverse topological order, through startable dependents only. */
static void
graph_critical(struct graph *g)
{
	struct graph_node *v, *w;
	size_t i, k;
	double longest;

	for (i = 0; i < g->n; i++)
		g->nodes[i].critical = g->nodes[i].remaining;
	for (i = g->norder; i-- > 0;) {
		v = &g->nodes[g->order[i]];
		if (!graph_startable(v))
			continue;
		longest = 0;
		for (k = 0; k < v->nkids; k++) {
			w = &g->nodes[v->kids[k]];
			if (graph_startable(w) && w->critical > longest)
				longest = w->critical;
		}
		v->critical = v->remaining + longest;
	}
}

/* Set bits, without a libgcc call where the compiler may not assume a popcnt instruction. */
static size_t
graph_popcount(unsigned long long x)
{
	x -= (x >> 1) & 0x5555555555555555ULL;
	x = (x & 0x3333333333333333ULL) + ((x >> 2) & 0x3333333333333333ULL);
	x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0fULL;
	return (size_t)((x * 0x0101010101010101ULL) >> 56);
}

/*
 * Unblocks: how many startable nodes each startable node reaches through its dependents. Exact
 * counts over a DAG need reachability sets; they are built word-parallel, for 1024 target
 * nodes a pass: in topological position p, a node only reaches positions above p, so a pass
 * for targets [c0, c1) visits positions below c1 only. Work is about k*k*e/2048 word
 * operations for k startable nodes with e dependents each: milliseconds at 10,000 items.
 */
static void
graph_unblocks(struct graph *g)
{
	size_t *list = xcalloc(g->n + 1, sizeof *list), *pos = xcalloc(g->n + 1, sizeof *pos);
	size_t k = 0, i, c0, c1, e, j, bits = GRAPH_CHUNK_WORDS * 64, word;
	unsigned long long *set;
	struct graph_node *v;

	/* No edges (a queue without dependencies): every count stays 0, no pass is needed. */
	for (i = 0; i < g->n && g->nodes[i].nkids == 0; i++)
		;
	if (i == g->n) {
		free(pos);
		free(list);
		return;
	}
	/* Only nodes in the topological order take part (not a running item on a cycle). */
	for (i = 0; i < g->n; i++)
		pos[i] = (size_t)-1;
	for (i = 0; i < g->norder; i++) {
		if (graph_startable(&g->nodes[g->order[i]])) {
			pos[g->order[i]] = k;
			list[k++] = g->order[i];
		}
	}
	set = xcalloc(k * GRAPH_CHUNK_WORDS + 1, sizeof *set);
	for (c0 = 0; c0 < k; c0 += bits) {
		c1 = c0 + bits < k ? c0 + bits : k;
		for (i = c1; i-- > 0;) {
			unsigned long long *mine = set + i * GRAPH_CHUNK_WORDS;
			v = &g->nodes[list[i]];
			memset(mine, 0, GRAPH_CHUNK_WORDS * sizeof *mine);
			for (e = 0; e < v->nkids; e++) {
				/* >= c1 also skips a kid outside the order (-1) */
				if (!graph_startable(&g->nodes[v->kids[e]]) ||
				    (j = pos[v->kids[e]]) >= c1)
					continue;
				for (word = 0; word < GRAPH_CHUNK_WORDS; word++)
					mine[word] |= set[j * GRAPH_CHUNK_WORDS + word];
				if (j >= c0)
					mine[(j - c0) / 64] |= 1ULL << ((j - c0) % 64);
			}
			for (word = 0; word < GRAPH_CHUNK_WORDS; word++) {
				if (mine[word] != 0)
					v->unblocks += graph_popcount(mine[word]);
			}
		}
	}
	free(set);
	free(pos);
	free(list);
}

struct graph *
graph_build(struct state *st)
{
	struct graph *g = xcalloc(1, sizeof *g);

	graph_nodes(st, g);
	graph_topo(g);
	graph_cycles(g);
	graph_kinds(st, g);
	graph_critical(g);
	graph_unblocks(g);
	return g;
}

void
graph_free(struct graph *g)
{
	size_t i;

	if (g == NULL)
		return;
	free(g->dep_pool);
	free(g->kid_pool);
	for (i = 0; i < g->ncycles; i++)
		free(g->cycles[i].nodes);
	free(g->cycles);
	free(g->order);
	free(g->nodes);
	strmap_free(g->index);
	free(g);
}

static void
graph_free_cached(void *g)
{
	graph_free(g);
}

struct graph *
graph_get(struct state *st)
{
	if (st->graph == NULL) {
		st->graph = graph_build(st);
		st->graph_free = graph_free_cached;
	}
	return st->graph;
}

int
graph_cmp(const struct graph_node *a, const struct graph_node *b, const char *phase)
{
	int c, ma, mb;

	if (a->priority != b->priority)
		return a->priority > b->priority ? -1 : 1;
	if (a->critical != b->critical)
		return a->critical > b->critical ? -1 : 1;
	if (a->unblocks != b->unblocks)
		return a->unblocks > b->unblocks ? -1 : 1;
	if (phase != NULL) {
		ma = a->phase != NULL && strcmp(a->phase, phase) == 0;
		mb = b->phase != NULL && strcmp(b->phase, phase) == 0;
		if (ma != mb)
			return ma ? -1 : 1;
	}
	if (a->estimate != b->estimate)
		return a->estimate < b->estimate ? -1 : 1;
	/* Our timestamps are fixed-width UTC, so text order is time order. */
	if (a->created != NULL && b->created != NULL && (c = strcmp(a->created, b->created)) != 0)
		return c;
	return (a->index > b->index) - (a->index < b->index);
}

char *
graph_path_text(const struct graph *g, const size_t *nodes, size_t n)
{
	size_t i, len = 0;
	char *text;

	for (i = 0; i < n; i++)
		len += strlen(g->nodes[nodes[i]].id) + 4;
	text = xmalloc(len + strlen(g->nodes[nodes[0]].id) + 1);
	len = 0;
	for (i = 0; i <= n; i++) {
		const char *id = g->nodes[nodes[i % n]].id;
		len += (size_t)sprintf(text + len, "%s%s", i > 0 ? " -> " : "", id);
	}
	return text;
}

/* "blocked by a, b": the live items V waits on. */
static char *
graph_blockers(const struct graph *g, const struct graph_node *v)
{
	static const char lead[] = "blocked by";
	size_t i, len = sizeof lead, n;
	char *why;

	for (i = 0; i < v->ndeps; i++)
		len += strlen(g->nodes[v->deps[i]].id) + 2;
	why = xmalloc(len);
	memcpy(why, lead, sizeof lead);
	len = sizeof lead - 1;
	for (i = 0; i < v->ndeps; i++) {
		n = strlen(g->nodes[v->deps[i]].id);
		memcpy(why + len, i > 0 ? ", " : " ", i > 0 ? 2 : 1);
		len += i > 0 ? 2 : 1;
		memcpy(why + len, g->nodes[v->deps[i]].id, n + 1);
		len += n;
	}
	return why;
}

static char *
graph_cycle_text(const struct graph *g, long cycle)
{
	return graph_path_text(g, g->cycles[cycle].nodes, g->cycles[cycle].n);
}

/*
 * The cycle of V's component that g->cycles names may pass by V; a refusal names one through
 * V itself: the shortest way back to V along dependencies (a breadth-first walk).
 */
size_t
graph_cycle_through(const struct graph *g, const struct graph_node *v, size_t **nodes)
{
	size_t *from, *queue, head = 0, tail = 0, u, w, d, n = 0;

	*nodes = NULL;
	if (!v->on_cycle)
		return 0;
	from = xcalloc(g->n + 1, sizeof *from); /* 1 + the node it was reached from; 0: not yet */
	queue = xcalloc(g->n + 1, sizeof *queue);
	queue[tail++] = v->index;
	while (head < tail && n == 0) {
		u = queue[head++];
		for (d = 0; d < g->nodes[u].ndeps && n == 0; d++) {
			if ((w = g->nodes[u].deps[d]) == v->index) {
				/* The walk ends; its queue becomes the cycle: V, then back from U. */
				queue[n++] = v->index;
				for (; u != v->index; u = from[u] - 1)
					queue[n++] = u;
			} else if (from[w] == 0) {
				from[w] = u + 1;
				queue[tail++] = w;
			}
		}
	}
	free(from);
	*nodes = queue;
	return n;
}

char *
graph_why(const struct graph *g, const struct graph_node *v)
{
	const char *reason;
	char *why, *cycle;

	switch (v->kind) {
	case GRAPH_STUCK:
		reason = state_str(v->root, ITEM_REASON);
		xasprintf(&why, "stuck: %s %s%s%s%s", state_str(v->root, ITEM_ID),
		    state_str(v->root, ITEM_STATUS), reason != NULL ? " (" : "",
		    reason != NULL ? reason : "", reason != NULL ? ")" : "");
		return why;
	case GRAPH_NEVER:
		if (v->cycle < 0) {
			xasprintf(&why, "never starts: waits on %s, which is not in the state file",
			    v->missing);
			return why;
		}
		cycle = graph_cycle_text(g, v->cycle);
		xasprintf(&why, "never starts: %s the cycle %s", v->on_cycle ? "on" : "behind",
		    cycle);
		free(cycle);
		return why;
	case GRAPH_BLOCKED:
		return graph_blockers(g, v);
	default:
		return NULL;
	}
}

static int
graph_sort_cmp(const void *a, const void *b)
{
	return graph_cmp(*(struct graph_node *const *)a, *(struct graph_node *const *)b, NULL);
}

size_t
graph_sorted(const struct graph *g, enum graph_kind kind, struct graph_node ***out)
{
	size_t i, n = 0;

	*out = xcalloc(g->n + 1, sizeof **out);
	for (i = 0; i < g->n; i++) {
		if (g->nodes[i].kind == kind)
			(*out)[n++] = &g->nodes[i];
	}
	qsort(*out, n, sizeof **out, graph_sort_cmp);
	return n;
}

/* A binary heap of nodes, by the pick's order or by the time they finish. */
struct graph_heap {
	struct graph_node **v;
	double *at; /* finish times, or NULL: ordered by graph_cmp */
	size_t n;
};

static int
graph_heap_less(const struct graph_heap *h, size_t a, size_t b)
{
	if (h->at != NULL && h->at[a] != h->at[b])
		return h->at[a] < h->at[b];
	return graph_cmp(h->v[a], h->v[b], NULL) < 0;
}

static void
graph_heap_swap(struct graph_heap *h, size_t a, size_t b)
{
	struct graph_node *v = h->v[a];
	double t;

	h->v[a] = h->v[b];
	h->v[b] = v;
	if (h->at != NULL) {
		t = h->at[a];
		h->at[a] = h->at[b];
		h->at[b] = t;
	}
}

static void
graph_heap_push(struct graph_heap *h, struct graph_node *v, double at)
{
	size_t i = h->n++;

	h->v[i] = v;
	if (h->at != NULL)
		h->at[i] = at;
	for (; i > 0 && graph_heap_less(h, i, (i - 1) / 2); i = (i - 1) / 2)
		graph_heap_swap(h, i, (i - 1) / 2);
}

static struct graph_node *
graph_heap_pop(struct graph_heap *h, double *at)
{
	struct graph_node *top = h->v[0];
	size_t i = 0, c;

	if (at != NULL)
		*at = h->at[0];
	graph_heap_swap(h, 0, --h->n);
	for (;;) {
		c = 2 * i + 1;
		if (c >= h->n)
			break;
		if (c + 1 < h->n && graph_heap_less(h, c + 1, c))
			c++;
		if (!graph_heap_less(h, c, i))
			break;
		graph_heap_swap(h, i, c);
		i = c;
	}
	return top;
}

double
graph_simulate(const struct graph *g, size_t workers)
{
	struct graph_heap ready = { xcalloc(g->n + 1, sizeof *ready.v), NULL, 0 };
	struct graph_heap running = { xcalloc(g->n + 1, sizeof *running.v),
		xcalloc(g->n + 1, sizeof *running.at), 0 };
	size_t *waiting = xcalloc(g->n + 1, sizeof *waiting), i, k;
	long free_workers = (long)workers;
	struct graph_node *v, *w;
	double now = 0;

	for (i = 0; i < g->n; i++) {
		v = &g->nodes[i];
		waiting[i] = v->ndeps;
		if (v->kind == GRAPH_RUNNING) {
			graph_heap_push(&running, v, v->remaining);
			free_workers--;
		} else if (v->kind == GRAPH_READY)
			graph_heap_push(&ready, v, 0);
	}
	for (;;) {
		while (free_workers > 0 && ready.n > 0) {
			v = graph_heap_pop(&ready, NULL);
			graph_heap_push(&running, v, now + v->remaining);
			free_workers--;
		}
		if (running.n == 0)
			break;
		v = graph_heap_pop(&running, &now);
		free_workers++;
		for (k = 0; k < v->nkids; k++) {
			w = &g->nodes[v->kids[k]];
			if (graph_startable(w) && w->kind != GRAPH_RUNNING && --waiting[w->index] == 0)
				graph_heap_push(&ready, w, 0);
		}
	}
	free(waiting);
	free(running.at);
	free(running.v);
	free(ready.v);
	return now;
}

double
graph_critical_path(const struct graph *g, size_t **path, size_t *n)
{
	struct graph_node *best = NULL, *v, *w, *next;
	size_t i, k;

	*path = xcalloc(g->n + 1, sizeof **path);
	*n = 0;
	for (i = 0; i < g->n; i++) {
		v = &g->nodes[i];
		if (graph_startable(v) && (best == NULL || v->critical > best->critical ||
		    (v->critical == best->critical && graph_cmp(v, best, NULL) < 0)))
			best = v;
	}
	for (v = best; v != NULL; v = next) {
		(*path)[(*n)++] = v->index;
		next = NULL;
		for (k = 0; k < v->nkids; k++) {
			w = &g->nodes[v->kids[k]];
			if (graph_startable(w) && (next == NULL || w->critical > next->critical ||
			    (w->critical == next->critical && graph_cmp(w, next, NULL) < 0)))
				next = w;
		}
	}
	return best != NULL ? best->critical : 0;
}
