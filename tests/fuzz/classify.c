/*
 * The classifier on arbitrary screens and metadata: the input is "META\x1eSCREEN" (or a screen
 * alone), META in the .meta form (capture_meta_parse), classified with every built-in profile
 * and with auto. A verdict must always be one of the states, with a rule.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture.h"
#include "classify.h"
#include "fuzz.h"
#include "profile.h"
#include "tmux-dispatch.h"

static void
classify_one(const struct profile *p, const char *screen, const struct pane_meta *meta)
{
	struct verdict v;

	classify_screen(p, screen, strlen(screen), meta, &v);
	if ((unsigned)v.state > PANE_UNKNOWN || v.profile == NULL ||
	    memchr(v.rule, '\0', sizeof v.rule) == NULL) {
		fprintf(stderr, "fuzz: a verdict out of range\n");
		abort();
	}
}

/* The profiles are loaded once for the process: freed at its end, for the leak checkers. */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	atexit(profile_free_all);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	const struct profile *const *all, *autop;
	struct pane_meta meta;
	char *first = fuzz_part(&data, &len), *screen = fuzz_part(&data, &len), *cause = NULL;
	const struct pane_meta *m = NULL;
	size_t n, i;

	fuzz_dir();
	if (screen == NULL) {
		screen = first;
		first = NULL;
	} else if (capture_meta_parse(first, &meta) == 0)
		m = &meta;
	if (profile_all(fuzz_dir(), &all, &n, &cause) != 0 ||
	    profile_get("auto", fuzz_dir(), &autop, &cause) != 0) {
		fprintf(stderr, "fuzz: built-in profiles: %s\n", cause);
		abort();
	}
	for (i = 0; i < n; i++)
		classify_one(all[i], screen, m);
	classify_one(autop, screen, m);
	free(first);
	free(screen);
	return 0;
}
