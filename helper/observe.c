/* Observing a terminal (observe.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture.h"
#include "observe.h"
#include "panes.h"
#include "profile.h"
#include "stall.h"
#include "state.h"
#include "tmux-dispatch.h"

int
observe_pane(const char *target, const struct profile *profile, int flags,
    struct observation *o, char **cause)
{
	char *text;
	size_t len;
	int rc;

	memset(o, 0, sizeof *o);
	o->profile = profile;
	if ((rc = capture_pane(target, &o->meta, &text, &len, cause)) != 0)
		return rc;
	snprintf(o->pane, sizeof o->pane, "%s", o->meta.pane_id);
	if (flags & OBSERVE_UNDER_MODE)
		o->meta.in_mode = 0;
	classify_screen(profile, text, len, &o->meta, &o->v);
	o->hash = stall_hash(text, len);
	snprintf(o->hash_text, sizeof o->hash_text, "%016llx", o->hash);
	free(text);
	return 0;
}

int
observe_target(const char *target, const char *pname, const char *state_dir,
    struct observation *o, char **cause)
{
	const struct profile *profile;
	int rc;

	memset(o, 0, sizeof *o);
	if ((rc = profile_get(pname != NULL ? pname : "auto", state_dir, &profile, cause)) != 0)
		return rc;
	return observe_pane(target, profile, 0, o, cause);
}

int
observe_terminal(const struct panes *panes, const cJSON *term, const char *pane_id,
    const char *state_dir, struct observation *o, char **cause)
{
	const char *target = state_str(term, "target");
	const struct pane *pane;

	memset(o, 0, sizeof *o);
	if (pane_id == NULL) {
		if ((pane = panes != NULL ? panes_resolve(panes, target) : NULL) == NULL) {
			xasprintf(cause, "no pane for target %s", target);
			return TD_EXIT_NOTFOUND;
		}
		pane_id = pane->id;
	}
	return observe_target(pane_id, state_str(term, "profile"), state_dir, o, cause);
}
