/*
 * bare-cycle: the floor that `make bench` compares tmux-dispatch against, plus the little
 * tools the bench driver needs. libc + cJSON + the helper's state module (for
 * state_json_text, so the bytes written are exactly the helper's).
 *
 *   bare-cycle cycle FILE
 *       One bare rewrite: read FILE, cJSON_Parse, state_json_text (the helper's one-pass print,
 *       jsontext.c: cJSON_Print's text as the helper writes it), write FILE.tmp, fsync, rename
 *       over FILE, fsync the directory, exit. No lock, no validation, no change, no teardown
 *       (the process exits without freeing the tree): what any rewrite of that file must cost.
 *   bare-cycle cycle-cjson FILE
 *       The same rewrite with cJSON's own print (cJSON_Print, its tabs rewritten as the helper
 *       writes them; the same bytes for the bench's seeds): a bare rewrite as any program using
 *       cJSON writes it, and bare-cycle's cycle as issue 15 was filed (before jsontext.c).
 *   bare-cycle phases FILE [ROUNDS]
 *       The same cycle in-process, timed phase by phase; prints one markdown table row per
 *       phase (median over ROUNDS, default 5). The first round pays the page faults a fresh
 *       process pays; later rounds reuse the heap, so they show the CPU floor of each phase.
 *   bare-cycle load FILE parse|state
 *       One load of FILE in this fresh process, timed from after exec: "parse" reads it and
 *       cJSON_Parses it, "state" is the helper's whole read-only load (state_open: read,
 *       parse, number texts and \u0000, validation, normalization). Nothing is freed, as the
 *       helper exits without freeing. Prints the nanoseconds.
 *   bare-cycle gen N FILE [OLD [paused]]
 *       Writes a state file of N pending items (README schema), as the helper would print it,
 *       plus OLD (default 0) items in completedToday that finished two days ago: the next
 *       write moves those to the history file. "paused" adds "paused": true (no auto-dispatch).
 *   bare-cycle time SEED FILE -- COMMAND...
 *       Restores FILE from SEED (temp + fsync + rename, untimed), then spawns COMMAND once with
 *       stdout on /dev/null and prints two numbers: its wall time, spawn to reap
 *       (CLOCK_MONOTONIC), and its CPU time (user + system), both in nanoseconds. Fails if
 *       COMMAND does not exit 0.
 */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "../lib/cjson-text.h"
#include "state.h"

extern char **environ;

static _Noreturn void
die(const char *fmt, const char *arg)
{
	fprintf(stderr, "bare-cycle: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "%s%s\n", errno != 0 ? ": " : "", errno != 0 ? strerror(errno) : "");
	exit(1);
}

static int64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static char *
read_file(const char *path, size_t *len)
{
	struct stat sb;
	size_t done = 0;
	ssize_t n;
	char *buf;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1 || fstat(fd, &sb) == -1)
		die("%s", path);
	if ((buf = malloc((size_t)sb.st_size + 1)) == NULL)
		die("%s: out of memory", path);
	while (done < (size_t)sb.st_size) {
		n = read(fd, buf + done, (size_t)sb.st_size - done);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		done += (size_t)n;
	}
	close(fd);
	buf[done] = '\0';
	*len = done;
	return buf;
}

static void
write_all(int fd, const char *buf, size_t len, const char *path)
{
	ssize_t n;

	while (len > 0) {
		n = write(fd, buf, len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			die("%s: write", path);
		buf += n;
		len -= (size_t)n;
	}
}

static char *
dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir;

	if (slash == NULL)
		return strdup(".");
	if (slash == path)
		return strdup("/");
	dir = strndup(path, (size_t)(slash - path));
	if (dir == NULL)
		die("%s: out of memory", path);
	return dir;
}

static void
fsync_dir(const char *path)
{
	char *dir = dir_of(path);
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd == -1 || fsync(fd) != 0)
		die("%s: fsync", dir);
	close(fd);
	free(dir);
}

/* TEXT (plus the final newline the helper adds) -> PATH via SUFFIX temp, fsync, rename. */
static int64_t
replace_file(const char *path, const char *suffix, const char *text, size_t len, int64_t *t)
{
	char tmp[4096];
	int fd;

	snprintf(tmp, sizeof tmp, "%s%s", path, suffix);
	unlink(tmp);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644)) == -1)
		die("%s", tmp);
	write_all(fd, text, len, tmp);
	if (len > 0 && text[len - 1] != '\n')
		write_all(fd, "\n", 1, tmp);
	t[0] = now_ns();
	if (fsync(fd) != 0 || close(fd) != 0)
		die("%s: fsync", tmp);
	t[1] = now_ns();
	if (rename(tmp, path) != 0)
		die("%s: rename", tmp);
	fsync_dir(path);
	t[2] = now_ns();
	return 0;
}

enum { PH_READ, PH_PARSE, PH_PRINT, PH_WRITE, PH_FSYNC, PH_RENAME, PH_TOTAL, PH_N };
static const char *const phase_names[PH_N] = {
	"read", "cJSON_Parse", "state_json_text (jsontext.c)", "write temp",
	"fsync temp", "rename + fsync dir", "total"
};

/* Not static: the stores must stay, so the memory is reachable at exit, not a leak. */
struct bare_cycle_kept {
	cJSON *root;
	char *text, *buf;
} bare_cycle_kept;

static void
cycle(const char *path, int64_t *ph, int teardown, int cjson)
{
	int64_t t0, t1, t2, t3, tw[3];
	size_t len;
	char *buf, *text;
	cJSON *root;

	t0 = now_ns();
	buf = read_file(path, &len);
	t1 = now_ns();
	if ((root = cJSON_Parse(buf)) == NULL)
		die("%s: invalid JSON", path);
	t2 = now_ns();
	text = cjson ? cjson_text(root) : state_json_text(root);
	if (text == NULL)
		die("%s", "cJSON_Print failed");
	t3 = now_ns();
	replace_file(path, ".tmp", text, strlen(text), tw);
	if (ph != NULL) {
		ph[PH_READ] = t1 - t0;
		ph[PH_PARSE] = t2 - t1;
		ph[PH_PRINT] = t3 - t2;
		ph[PH_WRITE] = tw[0] - t3;
		ph[PH_FSYNC] = tw[1] - tw[0];
		ph[PH_RENAME] = tw[2] - tw[1];
		ph[PH_TOTAL] = tw[2] - t0;
	}
	if (teardown) {
		free(text);
		cJSON_Delete(root);
		free(buf);
	} else {
		/* Left for exit to reclaim, as a one-shot process would; still reachable, not leaked. */
		bare_cycle_kept.root = root;
		bare_cycle_kept.text = text;
		bare_cycle_kept.buf = buf;
	}
}

static int
cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

static void
phases(const char *path, int rounds)
{
	int64_t (*all)[PH_N] = calloc((size_t)rounds, sizeof *all), col[256];
	int i, p;

	if (all == NULL || rounds < 1 || rounds > 256)
		die("%s: bad round count", path);
	for (i = 0; i < rounds; i++)
		cycle(path, all[i], 1, 0);
	for (p = 0; p < PH_N; p++) {
		for (i = 0; i < rounds; i++)
			col[i] = all[i][p];
		qsort(col, (size_t)rounds, sizeof col[0], cmp_i64);
		printf("| %s | %.2f |\n", phase_names[p], (double)col[rounds / 2] / 1e6);
	}
	free(all);
}

/* One load of PATH in this fresh process, as a command does it; prints its nanoseconds. */
static void
load(const char *path, const char *how)
{
	struct state st;
	int64_t t0 = now_ns();
	size_t len;
	char *text;

	if (strcmp(how, "parse") == 0) {
		text = read_file(path, &len);
		if (cJSON_ParseWithLength(text, len) == NULL)
			die("%s: cJSON cannot parse it", path);
	} else if (state_open(&st, path, STATE_READ) != 0)
		die("%s: not a valid state", path);
	printf("%lld\n", (long long)(now_ns() - t0));
}

/* Commands shaped like a planner's: 60-100 characters, a handful of different skills. */
static char *
gen_command(long i)
{
	static const char *const features[] = { "user-authentication", "payment-checkout",
		"offline-sync", "accessibility-audit", "search-indexing", "notification-center" };
	static const char *const screens[] = { "registration-sign-in", "password-reset",
		"order-summary", "conflict-resolution", "settings-panel", "empty-state" };
	const char *f = features[i % 6], *s = screens[(i / 6) % 6];
	char buf[256];

	switch (i % 4) {
	case 0:
		snprintf(buf, sizeof buf, "/wireframe-fix %03ld-%s %02ld-%s-variant-%ld.svg",
		    i % 997, f, i % 89, s, i % 7);
		break;
	case 1:
		snprintf(buf, sizeof buf, "/speckit.implement specs/%03ld-%s --phase %ld --task "
		    "T%05ld --no-interactive", i % 997, f, i % 5, i);
		break;
	case 2:
		snprintf(buf, sizeof buf, "/review-pr %ld --focus %s,performance --max-comments 12 "
		    "--strict", 1000 + i, s);
		break;
	default:
		snprintf(buf, sizeof buf, "/test-e2e tests/e2e/%s/%s.spec.ts --project chromium "
		    "--retries 2", f, s);
		break;
	}
	return strdup(buf);
}

static cJSON *
gen_item(const char *prefix, long i, const char *to, time_t at, int finished)
{
	cJSON *item = cJSON_CreateObject();
	char id[32], stamp[32], *cmd = gen_command(i);
	struct tm tm;

	snprintf(id, sizeof id, "%s%ld", prefix, i);
	cJSON_AddStringToObject(item, "id", id);
	cJSON_AddStringToObject(item, "command", cmd);
	free(cmd);
	cJSON_AddStringToObject(item, "assignedTo", to);
	cJSON_AddStringToObject(item, "status", finished ? "done" : "pending");
	gmtime_r(&at, &tm);
	strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
	cJSON_AddStringToObject(item, "createdAt", stamp);
	cJSON_AddItemToObject(item, "dependsOn", cJSON_CreateArray());
	cJSON_AddNumberToObject(item, "priority", i % 10 == 0 ? 5 : 0);
	cJSON_AddNumberToObject(item, "attempts", finished);
	if (finished) {
		at += 60;
		gmtime_r(&at, &tm);
		strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
		cJSON_AddStringToObject(item, "startedAt", stamp);
		at += 240;
		gmtime_r(&at, &tm);
		strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
		cJSON_AddStringToObject(item, "finishedAt", stamp);
	}
	return item;
}

static void
gen(long n, long old, int paused, const char *path)
{
	static const char *const terms[][3] = {
		{ "generator-1", "scripthammer:1", "claude" },
		{ "generator-2", "scripthammer:2", "claude" },
		{ "generator-3", "scripthammer:3", "codex" },
		{ "generator-4", "scripthammer:4", "codex" },
		{ "reviewer-1", "scripthammer:5", "claude" },
	};
	cJSON *root = cJSON_CreateObject(), *terminals, *queue, *done, *t;
	time_t base = time(NULL) - 86400 * 2; /* another day in every time zone */
	int64_t tw[3];
	char *text;
	long i;
	size_t k;

	cJSON_AddNumberToObject(root, "version", 1);
	terminals = cJSON_AddObjectToObject(root, "terminals");
	for (k = 0; k < sizeof terms / sizeof terms[0]; k++) {
		t = cJSON_AddObjectToObject(terminals, terms[k][0]);
		cJSON_AddStringToObject(t, "target", terms[k][1]);
		cJSON_AddStringToObject(t, "profile", terms[k][2]);
		cJSON_AddStringToObject(t, "group", k < 4 ? "generator" : "reviewer");
	}
	queue = cJSON_AddArrayToObject(root, "queue");
	for (i = 1; i <= n; i++)
		cJSON_AddItemToArray(queue, gen_item("q-", i, terms[i % 5][0], base + i % 3600, 0));
	done = cJSON_AddArrayToObject(root, "completedToday");
	for (i = 1; i <= old; i++)
		cJSON_AddItemToArray(done, gen_item("d-", i, terms[i % 5][0], base + i % 3600, 1));
	cJSON_AddNumberToObject(root, "nextId", (double)n + 1);
	if (paused)
		cJSON_AddTrueToObject(root, "paused");
	text = state_json_text(root);
	replace_file(path, ".gen", text, strlen(text), tw);
	free(text);
	cJSON_Delete(root);
}

static void
time_command(const char *seed, const char *path, char **argv)
{
	posix_spawn_file_actions_t fa;
	size_t len;
	char *buf = read_file(seed, &len);
	int64_t t0, t1, tw[3], cpu;
	struct rusage ru;
	pid_t pid;
	int status, rc;

	replace_file(path, ".reset", buf, len, tw);
	free(buf);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	t0 = now_ns();
	if ((rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ)) != 0) {
		errno = rc;
		die("%s", argv[0]);
	}
	while (wait4(pid, &status, 0, &ru) == -1) {
		if (errno != EINTR)
			die("%s: waitpid", argv[0]);
	}
	t1 = now_ns();
	posix_spawn_file_actions_destroy(&fa);
	errno = 0;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		die("%s: did not exit 0", argv[0]);
	cpu = ((int64_t)ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000 +
	    ((int64_t)ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000;
	printf("%lld %lld\n", (long long)(t1 - t0), (long long)cpu);
}

static _Noreturn void
usage(void)
{
	fprintf(stderr, "usage: bare-cycle cycle FILE | cycle-cjson FILE | phases FILE [ROUNDS] | load FILE parse|state |\n"
	    "       bare-cycle gen N FILE [OLD [paused]] | time SEED FILE -- COMMAND...\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "cycle") == 0)
		cycle(argv[2], NULL, 0, 0);
	else if (argc == 3 && strcmp(argv[1], "cycle-cjson") == 0)
		cycle(argv[2], NULL, 0, 1);
	else if ((argc == 3 || argc == 4) && strcmp(argv[1], "phases") == 0)
		phases(argv[2], argc == 4 ? atoi(argv[3]) : 5);
	else if (argc == 4 && strcmp(argv[1], "load") == 0)
		load(argv[2], argv[3]);
	else if (argc >= 4 && argc <= 6 && strcmp(argv[1], "gen") == 0 &&
	    (argc < 6 || strcmp(argv[5], "paused") == 0))
		gen(atol(argv[2]), argc >= 5 ? atol(argv[4]) : 0, argc == 6, argv[3]);
	else if (argc >= 6 && strcmp(argv[1], "time") == 0 && strcmp(argv[4], "--") == 0)
		time_command(argv[2], argv[3], argv + 5);
	else
		usage();
	return 0;
}
