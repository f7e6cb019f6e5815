/*
 * classify-bench: the figures of bench-classify.sh.
 *
 *   classify-bench throughput SECONDS DIR...
 *       Loads every NAME.txt (and NAME.meta) of each DIR's labels.tsv and classifies them
 *       in-process, round after round, for about SECONDS with the profile the name implies and
 *       again with auto. Prints "PROFILE BYTES NSEC CLASSIFICATIONS" lines: capture bytes
 *       classified and the time it took.
 *   classify-bench spawn N COMMAND...
 *       Spawns COMMAND N times, one after the other, stdout and stderr on /dev/null. Prints the
 *       median wall time of one run and the mean CPU time (user + system of the process and
 *       its children), both in nanoseconds. Fails if a run does not exit 0.
 */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "capture.h"
#include "classify.h"
#include "profile.h"
#include "tmux-dispatch.h"

extern char **environ;

struct sample {
	char *text;
	size_t len;
	struct pane_meta meta;
	const struct profile *profile;
};

static long long
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *text = NULL;

	*len = 0;
	if (f != NULL) {
		file_read(f, 0, &text, len);
		fclose(f);
	}
	return text;
}

static const char *
name_profile(const char *name)
{
	if (strncmp(name, "bash", 4) == 0 || strncmp(name, "zsh", 3) == 0 ||
	    strncmp(name, "fish", 4) == 0)
		return "shell";
	if (strncmp(name, "claude", 6) == 0)
		return "claude";
	if (strncmp(name, "codex", 5) == 0)
		return "codex";
	if (strncmp(name, "gemini", 6) == 0)
		return "gemini";
	return NULL;
}

static int
load(const char *dir, struct sample **v, size_t *n)
{
	char *path, *labels, *line, *next, *meta;
	size_t len, mlen;

	xasprintf(&path, "%s/labels.tsv", dir);
	labels = slurp(path, &len);
	free(path);
	if (labels == NULL)
		return -1;
	for (line = labels; *line != '\0'; line = next) {
		char name[256];
		size_t l;
		struct sample s = { 0 };
		char *cause = NULL;
		const char *pn;

		next = strchr(line, '\n');
		next = next != NULL ? next + 1 : line + strlen(line);
		l = strcspn(line, "\t\n");
		if (line[0] == '#' || l == 0 || l >= sizeof name)
			continue;
		memcpy(name, line, l);
		name[l] = '\0';
		if ((pn = name_profile(name)) == NULL || profile_get(pn, NULL, &s.profile, &cause) != 0) {
			free(cause);
			cause = NULL;
			continue;
		}
		xasprintf(&path, "%s/%s.txt", dir, name);
		s.text = slurp(path, &s.len);
		free(path);
		if (s.text == NULL)
			continue;
		xasprintf(&path, "%s/%s.meta", dir, name);
		if ((meta = slurp(path, &mlen)) != NULL) {
			capture_meta_parse(meta, &s.meta);
			free(meta);
		}
		free(path);
		*v = xreallocarray(*v, *n + 1, sizeof **v);
		(*v)[(*n)++] = s;
	}
	free(labels);
	return 0;
}

static int
throughput(double seconds, int ndirs, char **dirs)
{
	const char *names[] = { "claude", "codex", "gemini", "shell", "all", "auto" };
	const struct profile *autop;
	char *cause = NULL;
	struct sample *v = NULL;
	struct verdict verdict;
	size_t n = 0, i;
	int k, d;

	if (profile_get("auto", NULL, &autop, &cause) != 0) {
		fprintf(stderr, "classify-bench: %s\n", cause);
		free(cause);
		return 1;
	}
	for (d = 0; d < ndirs; d++)
		load(dirs[d], &v, &n);
	if (n == 0) {
		fprintf(stderr, "classify-bench: no captures\n");
		return 1;
	}
	for (k = 0; k < 6; k++) {
		long long start, elapsed = 0, bytes = 0, count = 0;

		/* A warm-up round compiles the patterns the captures need. */
		for (i = 0; i < n; i++)
			classify_screen(v[i].profile, v[i].text, v[i].len, &v[i].meta, &verdict);
		start = now_ns();
		do {
			for (i = 0; i < n; i++) {
				const struct profile *p = k == 5 ? autop : v[i].profile;

				if (k < 4 && strcmp(p->name, names[k]) != 0)
					continue;
				classify_screen(p, v[i].text, v[i].len,
				    v[i].meta.known ? &v[i].meta : NULL, &verdict);
				bytes += (long long)v[i].len;
				count++;
			}
			elapsed = now_ns() - start;
		} while (elapsed < (long long)(seconds * 1e9) && count > 0);
		printf("%s %lld %lld %lld\n", names[k], bytes, elapsed, count);
	}
	for (i = 0; i < n; i++)
		free(v[i].text);
	free(v);
	profile_free_all();
	return 0;
}

static int
cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return x < y ? -1 : x > y;
}

static int
spawn(int n, char **argv)
{
	posix_spawn_file_actions_t fa;
	long long *wall = xcalloc((size_t)n, sizeof *wall), cpu = 0, t;
	struct rusage ru;
	int i, ws;
	pid_t pid;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	for (i = 0; i < n; i++) {
		t = now_ns();
		if (posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ) != 0) {
			fprintf(stderr, "classify-bench: cannot run %s\n", argv[0]);
			return 1;
		}
		while (wait4(pid, &ws, 0, &ru) == -1 && errno == EINTR)
			;
		wall[i] = now_ns() - t;
		if (!WIFEXITED(ws) || WEXITSTATUS(ws) != 0) {
			fprintf(stderr, "classify-bench: %s failed\n", argv[0]);
			return 1;
		}
		/* wait4 reports the child and the descendants it waited for. */
		cpu += (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000LL +
		    (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000LL;
	}
	posix_spawn_file_actions_destroy(&fa);
	qsort(wall, (size_t)n, sizeof *wall, cmp_ll);
	printf("%lld %lld\n", wall[n / 2], cpu / n);
	free(wall);
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc >= 4 && strcmp(argv[1], "throughput") == 0)
		return throughput(atof(argv[2]), argc - 3, argv + 3);
	if (argc >= 4 && strcmp(argv[1], "spawn") == 0)
		return spawn(atoi(argv[2]), argv + 3);
	fprintf(stderr, "usage: classify-bench throughput SECONDS DIR... | spawn N COMMAND...\n");
	return 2;
}
