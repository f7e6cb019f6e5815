/*
 * The profiles loader on an arbitrary user's profiles file ($TMUX_DISPATCH_PROFILES, read,
 * parsed and compiled as a file beside the state is), and each profile it accepts run by the
 * classifier over a screen and metadata given after it: "PROFILES\x1eMETA\x1eSCREEN".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture.h"
#include "classify.h"
#include "fuzz.h"
#include "profile.h"
#include "tmux-dispatch.h"

static const char profiles_screen[] =
    "some output\n"
    "\n"
    "> \n"
    "  ? for shortcuts\n";

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	const struct profile *const *all, *autop;
	struct pane_meta meta;
	struct verdict v;
	char *text = fuzz_part(&data, &len), *metatext = fuzz_part(&data, &len);
	char *screen = fuzz_part(&data, &len), *cause = NULL;
	const struct pane_meta *m = NULL;
	size_t n, i;

	setenv("TMUX_DISPATCH_PROFILES", fuzz_write("profiles.json", text, strlen(text)), 1);
	if (metatext != NULL && capture_meta_parse(metatext, &meta) == 0)
		m = &meta;
	if (profile_all(fuzz_dir(), &all, &n, &cause) == 0 &&
	    profile_get("auto", fuzz_dir(), &autop, &cause) == 0) {
		for (i = 0; i < n; i++) {
			classify_screen(all[i], screen != NULL ? screen : profiles_screen,
			    screen != NULL ? strlen(screen) : strlen(profiles_screen), m, &v);
		}
		classify_screen(autop, profiles_screen, strlen(profiles_screen), m, &v);
	}
	/* Loaded once per process otherwise: the next input is a new file. */
	profile_free_all();
	free(cause);
	free(text);
	free(metatext);
	free(screen);
	return 0;
}
