/* What a started agent was seen doing (arrival.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arrival.h"
#include "launch.h"
#include "profile.h"
#include "tmux-dispatch.h"

int
arrival_dead(const struct launch *s, const struct launch_seen *seen)
{
	char *text = xstrdup(seen->last != NULL ? seen->last : ""), *line, *next;

	if (seen->status >= 0)
		td_error(TD_EXIT_FAIL, "%s: the agent exited at once (status %d)%s", s->name,
		    seen->status, *text != '\0' ? "; its last lines:" : "");
	else
		td_error(TD_EXIT_FAIL, "%s: the agent exited at once%s", s->name,
		    *text != '\0' ? "; its last lines:" : "");
	for (line = *text != '\0' ? text : NULL; line != NULL; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		fputs("  ", stderr);
		td_print_safe(stderr, line);
		fputc('\n', stderr);
	}
	free(text);
	return TD_EXIT_FAIL;
}

void
arrival_report(const struct launch *s, const struct launch_seen *seen, long long timeout)
{
	td_say("%s: %s started in %s:%s (%s, pid %ld)", s->name, s->profile->name, s->session,
	    s->window_index, s->pane, s->pid);
	if (seen->state == PANE_IDLE)
		td_say("%s: idle", s->name);
	else if (seen->state == PANE_WAITING)
		td_say("%s: waiting for you (%s): answer it in the pane; check delivers once it "
		    "is idle", s->name, seen->rule);
	else
		td_say("%s: not idle after %llds (%s: %s); check delivers once it is", s->name,
		    timeout, classify_state_name(seen->state), seen->rule);
}
