/* git as a program (git.h). */
#include <stdlib.h>
#include <string.h>

#include "git.h"
#include "tmux-dispatch.h"

/*
 * Variables that point git at another repository, index or object store than the one -C
 * names. A helper run from a git hook (or a shell a tool set them in) inherits them, and a
 * worktree add or a branch delete would then act on that repository: never ours to touch.
 */
static const char *const git_redirects[] = {
	"GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_COMMON_DIR", "GIT_OBJECT_DIRECTORY",
	"GIT_ALTERNATE_OBJECT_DIRECTORIES", "GIT_NAMESPACE", NULL
};

int
git_run(const char *dir, const char *const *args, struct tmux_result *r)
{
	const char **argv;
	size_t n;

	for (n = 0; git_redirects[n] != NULL; n++)
		unsetenv(git_redirects[n]);
	for (n = 0; args[n] != NULL; n++)
		;
	argv = xcalloc(n + 3, sizeof *argv);
	argv[0] = "-C";
	argv[1] = dir;
	memcpy(argv + 2, args, (n + 1) * sizeof *argv);
	tmux_run_program("git", GIT_TIMEOUT_MS, argv, NULL, 0, r);
	free(argv);
	return r->status;
}
