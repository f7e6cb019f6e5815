/*
 * graph-bench: the figures of bench-plan.sh, the task graph at scale. Linked with the helper's
 * library objects and cJSON.
 *
 *   graph-bench gen N FILE layered|chain
 *       Writes a state file of N live items, as the helper prints it. layered: phases of 100
 *       items, each depending on 1 to 3 items of the phase before; one finished phase of 100
 *       in completedToday that the first live phase depends on; the first 5 live items
 *       running, one per terminal. chain: N items, each depending on the one before. Both:
 *       estimates of 10 minutes to 4 hours, one item in ten without one (the median stands
 *       in); a third of the items for anyone, a third for the generator group, a third for
 *       one terminal; 5 terminals.
 *   graph-bench time FILE ROUNDS
 *       Loads FILE (state_open, as a command does) and times, in-process, ROUNDS interleaved
 *       rounds of: pass (one loop over the queue reading each item's status: the floor of any
 *       linear work), parse (cJSON_Parse of the file's text), build (graph_build: kinds,
 *       estimates, critical paths, unblocks, cycles: what `plan` computes), simulate
 *       (graph_simulate on as many workers as terminals, plus graph_critical_path, on a built
 *       graph), pick (schedule_next for generator-1 on a state whose graph is not built yet:
 *       what one check pays) and scan (the same on a built graph: the walk over the queue
 *       alone). Each operation repeats within a round until it has run about 2 ms. Prints
 *       "items N edges E ready R workers W", then "OP NS PASS PARSE" lines: the median time of
 *       one run and the medians of the per-round ratios to pass and to parse.
 *   graph-bench parse FILE
 *       Reads FILE and parses it with cJSON, then exits: the floor of a read-only command.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "graph.h"
#include "schedule.h"
#include "state.h"
#include "tmux-dispatch.h"

#define GEN_PHASE 100     /* items per phase */
#define GEN_TERMINALS 5
#define TARGET_NS 2000000 /* run each operation about this long per round */
#define MAX_ROUNDS 201

static const char *const gen_terms[GEN_TERMINALS] = { "generator-1", "generator-2",
	"generator-3", "generator-4", "reviewer-1" };

static long long
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static unsigned long long gen_seed = 11;

static unsigned
gen_random(unsigned n)
{
	gen_seed = gen_seed * 6364136223846793005ULL + 1442695040888963407ULL;
	return (unsigned)((gen_seed >> 33) % n);
}

static void
gen_stamp(cJSON *item, const char *key, time_t at)
{
	char stamp[32];
	struct tm tm;

	gmtime_r(&at, &tm);
	strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
	cJSON_AddStringToObject(item, key, stamp);
}

/* Item I (a global number: ids, phases and assignments follow from it). */
static cJSON *
gen_item(long i, time_t now)
{
	static const char *const verbs[] = { "implement", "test", "review", "document" };
	cJSON *item = cJSON_CreateObject();
	char id[32], text[160];

	snprintf(id, sizeof id, "T-%05ld", i);
	cJSON_AddStringToObject(item, "id", id);
	snprintf(text, sizeof text, "/speckit.%s specs/%03ld-feature --phase %ld --task %s "
	    "--no-interactive", verbs[i % 4], i / GEN_PHASE % 997, i / GEN_PHASE, id);
	cJSON_AddStringToObject(item, "command", text);
	snprintf(text, sizeof text, "%s task %ld", verbs[i % 4], i);
	cJSON_AddStringToObject(item, "title", text);
	snprintf(text, sizeof text, "phase-%03ld", i / GEN_PHASE);
	cJSON_AddStringToObject(item, "phase", text);
	if (i % 3 == 1)
		cJSON_AddStringToObject(item, "assignedTo", "generator");
	else if (i % 3 == 2)
		cJSON_AddStringToObject(item, "assignedTo", gen_terms[i % GEN_TERMINALS]);
	cJSON_AddStringToObject(item, "status", "pending");
	gen_stamp(item, "createdAt", now - 7200 + i % 3600);
	cJSON_AddItemToObject(item, "dependsOn", cJSON_CreateArray());
	cJSON_AddNumberToObject(item, "priority", i % 50 == 0 ? 1 : 0);
	cJSON_AddNumberToObject(item, "attempts", 0);
	if (gen_random(10) != 0)
		cJSON_AddNumberToObject(item, "estimate", 600.0 * (1 + gen_random(24)));
	return item;
}

static void
gen_depend(cJSON *item, long on)
{
	char id[32];

	snprintf(id, sizeof id, "T-%05ld", on);
	cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(item, "dependsOn"),
	    cJSON_CreateString(id));
}

static void
gen_status(cJSON *item, const char *status, long i, time_t now)
{
	cJSON_ReplaceItemInObjectCaseSensitive(item, "status", cJSON_CreateString(status));
	cJSON_AddStringToObject(item, "terminal", gen_terms[i % GEN_TERMINALS]);
	gen_stamp(item, "startedAt", now - 600);
	if (strcmp(status, "done") == 0)
		gen_stamp(item, "finishedAt", now - 300);
}

static int
gen(long n, const char *path, int chain)
{
	cJSON *root = cJSON_CreateObject(), *terminals, *queue, *done, *t, *item;
	time_t now = time(NULL);
	long i, first = chain ? 0 : GEN_PHASE, k, deps;
	char *text;
	FILE *f;
	size_t j;

	cJSON_AddNumberToObject(root, "version", 1);
	terminals = cJSON_AddObjectToObject(root, "terminals");
	for (j = 0; j < GEN_TERMINALS; j++) {
		t = cJSON_AddObjectToObject(terminals, gen_terms[j]);
		cJSON_AddStringToObject(t, "target", "bench:1");
		cJSON_AddStringToObject(t, "profile", "claude");
	}
	queue = cJSON_AddArrayToObject(root, "queue");
	done = cJSON_AddArrayToObject(root, "completedToday");
	for (i = 0; i < first; i++) {
		item = gen_item(i, now);
		gen_status(item, "done", i, now);
		cJSON_AddItemToArray(done, item);
	}
	for (i = first; i < first + n; i++) {
		item = gen_item(i, now);
		if (chain && i > 0)
			gen_depend(item, i - 1);
		else if (!chain) {
			deps = 1 + gen_random(3);
			for (k = 0; k < deps; k++)
				gen_depend(item, (i / GEN_PHASE - 1) * GEN_PHASE + gen_random(GEN_PHASE));
			if (i < first + GEN_TERMINALS)
				gen_status(item, "running", i, now);
		}
		cJSON_AddItemToArray(queue, item);
	}
	cJSON_AddNumberToObject(root, "nextId", 1);
	text = state_json_text(root);
	cJSON_Delete(root);
	if ((f = fopen(path, "wb")) == NULL || fputs(text, f) == EOF || fputc('\n', f) == EOF ||
	    fclose(f) != 0) {
		fprintf(stderr, "graph-bench: cannot write %s\n", path);
		return 1;
	}
	free(text);
	return 0;
}

static char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *text = NULL;

	*len = 0;
	if (f == NULL || file_read(f, 0, &text, len) != 0) {
		fprintf(stderr, "graph-bench: cannot read %s\n", path);
		exit(1);
	}
	fclose(f);
	return text;
}

static int
parse(const char *path)
{
	size_t len;
	char *text = slurp(path, &len);
	cJSON *root = cJSON_ParseWithLength(text, len);

	if (root == NULL) {
		fprintf(stderr, "graph-bench: %s: invalid JSON\n", path);
		return 1;
	}
	cJSON_Delete(root);
	free(text);
	return 0;
}

struct bench {
	struct state st;
	char *text;
	size_t len;
	const cJSON *term;
	size_t workers;
	struct graph *g;  /* built once, for simulate */
	double sink;      /* results, so no work is optimized away */
};

/* Each operation: the nanoseconds of one run, with set-up and clean-up outside them. */
static long long
op_pass(struct bench *b)
{
	long long t0 = now_ns(), t1;
	size_t pending = 0;
	const cJSON *item;

	cJSON_ArrayForEach(item, b->st.queue)
		pending += strcmp(state_str(item, ITEM_STATUS), ST_PENDING) == 0;
	t1 = now_ns();
	b->sink += (double)pending;
	return t1 - t0;
}

static long long
op_parse(struct bench *b)
{
	long long t0 = now_ns(), t1;
	cJSON *root = cJSON_ParseWithLength(b->text, b->len);

	t1 = now_ns();
	b->sink += root != NULL;
	cJSON_Delete(root);
	return t1 - t0;
}

static long long
op_build(struct bench *b)
{
	long long t0 = now_ns(), t1;
	struct graph *g = graph_build(&b->st);

	t1 = now_ns();
	b->sink += (double)g->norder;
	graph_free(g);
	return t1 - t0;
}

static long long
op_simulate(struct bench *b)
{
	long long t0 = now_ns(), t1;
	size_t *path, n;
	double seconds = graph_simulate(b->g, b->workers);

	seconds += graph_critical_path(b->g, &path, &n);
	t1 = now_ns();
	b->sink += seconds + (double)n;
	free(path);
	return t1 - t0;
}

static long long
op_pick(struct bench *b)
{
	long long t0, t1;
	const cJSON *item;

	state_graph_stale(&b->st);
	t0 = now_ns();
	item = schedule_next(&b->st, b->term);
	t1 = now_ns();
	b->sink += item != NULL;
	return t1 - t0;
}

static long long
op_scan(struct bench *b)
{
	long long t0, t1;
	const cJSON *item;

	graph_get(&b->st);
	t0 = now_ns();
	item = schedule_next(&b->st, b->term);
	t1 = now_ns();
	b->sink += item != NULL;
	return t1 - t0;
}

static const struct op {
	const char *name;
	long long (*run)(struct bench *);
} ops[] = {
	{ "pass", op_pass }, { "parse", op_parse }, { "build", op_build },
	{ "simulate", op_simulate }, { "pick", op_pick }, { "scan", op_scan },
};
#define NOPS (sizeof ops / sizeof ops[0])
#define OP_PASS 0
#define OP_PARSE 1

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double
median(double *v, size_t n)
{
	qsort(v, n, sizeof *v, cmp_double);
	return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* The mean of REPS runs of operation K. */
static double
op_time(struct bench *b, size_t k, long reps)
{
	long long total = 0;
	long r;

	for (r = 0; r < reps; r++)
		total += ops[k].run(b);
	return (double)total / (double)reps;
}

static int
bench_setup(struct bench *b, const char *path)
{
	struct graph_node **ready;
	size_t i, edges = 0;

	memset(b, 0, sizeof *b);
	if (state_open(&b->st, path, STATE_READ) != 0)
		return 1;
	b->text = slurp(path, &b->len);
	b->term = state_terminal(&b->st, "generator-1");
	b->workers = (size_t)cJSON_GetArraySize(b->st.terminals);
	b->g = graph_build(&b->st);
	if (b->term == NULL || b->workers == 0 || schedule_next(&b->st, b->term) == NULL) {
		fprintf(stderr, "graph-bench: %s: generator-1 has nothing to pick\n", path);
		return 1;
	}
	for (i = 0; i < b->g->n; i++)
		edges += b->g->nodes[i].ndeps;
	printf("items %zu edges %zu ready %zu workers %zu\n", b->g->n, edges,
	    graph_sorted(b->g, GRAPH_READY, &ready), b->workers);
	free(ready);
	return 0;
}

static int
time_ops(const char *path, int rounds)
{
	static double t[NOPS][MAX_ROUNDS], to_pass[NOPS][MAX_ROUNDS], to_parse[NOPS][MAX_ROUNDS];
	struct bench b;
	long reps[NOPS];
	size_t k, j;
	int r;

	if (rounds < 1 || rounds > MAX_ROUNDS) {
		fprintf(stderr, "graph-bench: ROUNDS must be 1 to %d\n", MAX_ROUNDS);
		return 2;
	}
	if (bench_setup(&b, path) != 0)
		return 1;
	for (k = 0; k < NOPS; k++) { /* warm-up, and how many runs make about TARGET_NS */
		double once = op_time(&b, k, 1);
		reps[k] = once >= TARGET_NS ? 1 : (long)(TARGET_NS / (once > 1 ? once : 1)) + 1;
		if (reps[k] > 100000)
			reps[k] = 100000;
	}
	for (r = 0; r < rounds; r++) {
		for (j = 0; j < NOPS; j++) { /* rotate: no operation always runs first */
			k = (j + (size_t)r) % NOPS;
			t[k][r] = op_time(&b, k, reps[k]);
		}
		for (k = 0; k < NOPS; k++) {
			to_pass[k][r] = t[k][r] / t[OP_PASS][r];
			to_parse[k][r] = t[k][r] / t[OP_PARSE][r];
		}
	}
	for (k = 0; k < NOPS; k++)
		printf("%s %.0f %.6f %.6f\n", ops[k].name, median(t[k], (size_t)rounds),
		    median(to_pass[k], (size_t)rounds), median(to_parse[k], (size_t)rounds));
	fprintf(stderr, "graph-bench: %s: checksum %.0f\n", path, b.sink);
	graph_free(b.g);
	free(b.text);
	state_close(&b.st);
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc == 5 && strcmp(argv[1], "gen") == 0 &&
	    (strcmp(argv[4], "layered") == 0 || strcmp(argv[4], "chain") == 0))
		return gen(atol(argv[2]), argv[3], strcmp(argv[4], "chain") == 0);
	if (argc == 4 && strcmp(argv[1], "time") == 0)
		return time_ops(argv[2], atoi(argv[3]));
	if (argc == 3 && strcmp(argv[1], "parse") == 0)
		return parse(argv[2]);
	fprintf(stderr, "usage: graph-bench gen N FILE layered|chain | time FILE ROUNDS | "
	    "parse FILE\n");
	return 2;
}
