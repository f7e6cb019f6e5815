/* The shared part of the fuzz targets (fuzz.h). */
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"
#include "tmux-dispatch.h"

static char fuzz_root[4096];

/*
 * The targets write state files at every input; fsync would make the fuzzer wait on the disk
 * and prove nothing here (the durable-write order has its own unit test), so it is a no-op.
 */
int
fsync(int fd)
{
	(void)fd;
	return 0;
}

int
fdatasync(int fd)
{
	(void)fd;
	return 0;
}

static int
fuzz_unlink(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

static void
fuzz_cleanup(void)
{
	nftw(fuzz_root, fuzz_unlink, 16, FTW_DEPTH | FTW_PHYS);
}

const char *
fuzz_dir(void)
{
	char *xdg;
	const char *tmp = getenv("FUZZ_TMPDIR");

	if (fuzz_root[0] != '\0')
		return fuzz_root;
	if (tmp == NULL || *tmp == '\0')
		tmp = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
	snprintf(fuzz_root, sizeof fuzz_root, "%s/td-fuzz-XXXXXX", tmp);
	umask(077);
	if (mkdtemp(fuzz_root) == NULL) {
		perror("fuzz: mkdtemp");
		exit(2);
	}
	atexit(fuzz_cleanup);
	xasprintf(&xdg, "%s/xdg", fuzz_root);
	mkdir(xdg, 0700);
	setenv("XDG_STATE_HOME", xdg, 1);
	setenv("HOME", fuzz_root, 1);
	free(xdg);
	setenv("TMUX_DISPATCH_TMUX", "/nonexistent/tmux", 1);
	unsetenv("TMUX");
	unsetenv("TMUX_PANE");
	unsetenv("TMUX_DISPATCH_STATE");
	unsetenv("TMUX_DISPATCH_PROFILES");
	unsetenv("TMUX_DISPATCH_MODES");
	return fuzz_root;
}

const char *
fuzz_write(const char *name, const void *data, size_t len)
{
	static char path[4352];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", fuzz_dir(), name);
	if ((f = fopen(path, "w")) == NULL || fwrite(data, 1, len, f) != len ||
	    fclose(f) != 0) {
		perror(path);
		exit(2);
	}
	return path;
}

void
fuzz_mute(int mute)
{
	static int saved = -1;
	int null;

	fflush(stdout);
	if (mute && saved == -1 && (null = open("/dev/null", O_WRONLY)) != -1) {
		saved = dup(STDOUT_FILENO);
		dup2(null, STDOUT_FILENO);
		close(null);
	} else if (!mute && saved != -1) {
		dup2(saved, STDOUT_FILENO);
		close(saved);
		saved = -1;
	}
}

void
fuzz_remove(const char *name)
{
	char *path;

	xasprintf(&path, "%s/%s", fuzz_dir(), name);
	unlink(path);
	free(path);
}

char *
fuzz_text(const uint8_t *data, size_t len)
{
	char *s = xmalloc(len + 1);

	memcpy(s, data, len);
	s[len] = '\0';
	return s;
}

char *
fuzz_part(const uint8_t **data, size_t *len)
{
	const uint8_t *end;
	char *s;
	size_t n;

	if (*data == NULL)
		return NULL;
	end = memchr(*data, 0x1e, *len);
	n = end != NULL ? (size_t)(end - *data) : *len;
	s = fuzz_text(*data, n);
	if (end != NULL) {
		*data = end + 1;
		*len -= n + 1;
	} else
		*data = NULL;
	return s;
}
