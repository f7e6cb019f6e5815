/*
 * A fuzz target without libFuzzer: every input in the directories (or files) given is run
 * through LLVMFuzzerTestOneInput once, one TAP line each, so the inputs that once crashed a
 * target stay fixed in every build (make test, make asan, gcc or clang). The helper's messages
 * about the inputs it refuses are not shown (FUZZ_VERBOSE=1 shows them, and a sanitizer's
 * report); the input being run is named first, so a crash says which.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <unistd.h>

#include "fuzz.h"
#include "tmux-dispatch.h"

static int replay_count;

__attribute__((weak)) int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

static void
replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *data = NULL;
	size_t len = 0;

	if (f == NULL || file_read(f, 64 * 1024 * 1024, &data, &len) != 0) {
		printf("not ok %d - %s: cannot read\n", ++replay_count, path);
		exit(1);
	}
	fclose(f);
	printf("# %s\n", path);
	fflush(stdout);
	LLVMFuzzerTestOneInput((const uint8_t *)data, len);
	free(data);
	/* Reaching here is the test: a crash or a sanitizer report ends the run before it. */
	printf("ok %d - %s\n", ++replay_count, path);
	fflush(stdout);
}

static int
replay_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A directory's files in name order, so a failure is reported at the same input each time. */
static void
replay_dir(const char *dir)
{
	struct dirent *de;
	char **names = NULL, *path;
	size_t n = 0, i;
	DIR *d = opendir(dir);

	if (d == NULL) {
		printf("not ok %d - %s: cannot open\n", ++replay_count, dir);
		exit(1);
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		names = xreallocarray(names, n + 1, sizeof *names);
		names[n++] = xstrdup(de->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof *names, replay_cmp);
	for (i = 0; i < n; i++) {
		xasprintf(&path, "%s/%s", dir, names[i]);
		replay_file(path);
		free(path);
		free(names[i]);
	}
	free(names);
}

int
main(int argc, char **argv)
{
	const char *verbose = getenv("FUZZ_VERBOSE");
	struct stat sb;
	int i, null;

	if ((verbose == NULL || *verbose == '\0') && (null = open("/dev/null", O_WRONLY)) != -1) {
		dup2(null, STDERR_FILENO);
		close(null);
	}
	LLVMFuzzerInitialize(&argc, &argv);
	for (i = 1; i < argc; i++) {
		if (stat(argv[i], &sb) == 0 && S_ISDIR(sb.st_mode))
			replay_dir(argv[i]);
		else
			replay_file(argv[i]);
	}
	printf("1..%d\n", replay_count);
	return replay_count == 0;
}
