/* Durable writes (durable.h): the recipe of git's lockfile and redis's rdb, in one place. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "durable.h"
#include "tmux-dispatch.h"

static int
durable_write_all(int fd, const char *buf, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = write(fd, buf, len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* The directory of PATH, for its fsync after a rename. */
static int
durable_fsync_dir(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir = slash == NULL ? xstrdup(".") : slash == path ? xstrdup("/") :
	    xstrndup(path, (size_t)(slash - path));
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc = -1;

	if (fd != -1) {
		rc = fsync(fd);
		close(fd);
	}
	free(dir);
	return rc;
}

int
durable_replace(const char *path, const char *text, size_t len, mode_t mode, char **cause)
{
	char *tmp;
	int fd = -1, saved;

	xasprintf(&tmp, "%s.tmp", path);
	if (unlink(tmp) == -1 && errno != ENOENT)
		goto err;
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600)) == -1)
		goto err;
	if (fchmod(fd, mode & 07777) != 0 || durable_write_all(fd, text, len) != 0)
		goto err;
	if (fsync(fd) != 0 || close(fd) != 0) {
		fd = -1;
		goto err;
	}
	fd = -1;
	if (rename(tmp, path) != 0 || durable_fsync_dir(path) != 0)
		goto err;
	free(tmp);
	return 0;

err:
	saved = errno;
	if (fd != -1)
		close(fd);
	unlink(tmp);
	free(tmp);
	xasprintf(cause, "%s: cannot write: %s", path, strerror(saved));
	errno = saved;
	return -1;
}

int
durable_append(const char *path, const char *text, size_t len, mode_t mode, int sync,
    char **cause)
{
	int fd, rc = 0, saved = 0;

	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, mode & 0666);
	if (fd == -1 || durable_write_all(fd, text, len) != 0 || (sync && fsync(fd) != 0)) {
		saved = errno;
		rc = -1;
	}
	if (fd != -1 && close(fd) != 0 && rc == 0) {
		saved = errno;
		rc = -1;
	}
	if (rc != 0)
		xasprintf(cause, "%s: %s", path, strerror(saved));
	return rc;
}

int
durable_mkdir(const char *dir, mode_t mode, char **cause)
{
	mode_t dmode = (mode & 0666) | ((mode & 0444) >> 2);

	if (mkdir(dir, dmode) == 0 || errno == EEXIST)
		return 0;
	xasprintf(cause, "%s: %s", dir, strerror(errno));
	return -1;
}

mode_t
durable_mode_of(const char *path)
{
	struct stat sb;
	mode_t mask;

	if (stat(path, &sb) == 0)
		return sb.st_mode & 0666;
	mask = umask(0);
	umask(mask);
	return 0666 & ~mask;
}
