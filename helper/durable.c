/* Durable writes (durable.h): the recipe of git's lockfile and redis's rdb, in one place. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/time.h>
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
	struct stat sb;

	if (mkdir(dir, dmode) != 0 && errno != EEXIST) {
		xasprintf(cause, "%s: %s", dir, strerror(errno));
		return -1;
	}
	/* A link placed there would send what we write to another directory. */
	if (lstat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode) || sb.st_uid != getuid()) {
		xasprintf(cause, "%s: not a directory of yours (a symlink?): refused", dir);
		return -1;
	}
	return 0;
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
	/* Never writable by others, whatever the umask: trust refuses such files (trust.c). */
	return 0666 & ~mask & ~022;
}

static void
durable_alarm(int sig)
{
	(void)sig;
}

/* Blocking flock, interrupted by a timer, so waiters queue in the kernel instead of spinning. */
int
durable_lock(const char *path, mode_t mode, int timeout, int *out, char **cause)
{
	struct sigaction sa = { 0 }, old_sa;
	struct itimerval timer = { 0 }, off = { 0 };
	int fd, rc, saved;

	*out = -1;
	if ((fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, mode & 0666)) == -1) {
		xasprintf(cause, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		sa.sa_handler = durable_alarm;
		sigemptyset(&sa.sa_mask);
		sigaction(SIGALRM, &sa, &old_sa);
		timer.it_value.tv_sec = timeout;
		setitimer(ITIMER_REAL, &timer, NULL);
		rc = flock(fd, LOCK_EX);
		saved = errno;
		setitimer(ITIMER_REAL, &off, NULL);
		sigaction(SIGALRM, &old_sa, NULL);
		if (rc == -1) {
			if (saved == EINTR)
				xasprintf(cause, "%s: still locked by another tmux-dispatch after %d s; "
				    "try again", path, timeout);
			else
				xasprintf(cause, "%s: %s", path, strerror(saved));
			close(fd);
			return -1;
		}
	}
	*out = fd;
	return 0;
}
