/*
 * Items whose terminal is gone: `down` removes a spawned terminal but its pending items keep
 * their assignedTo, so a later `up` of the same layout (same names, same groups) takes them.
 * Until then nothing takes them, and ls, status and plan say so.
 */
#ifndef ORPHAN_H
#define ORPHAN_H

#include <cjson/cJSON.h>

struct state;

/*
 * Why ITEM, pending and assigned, waits because no registered terminal takes it ("waits for
 * terminal a1, which does not exist"; caller frees), or NULL. One-shots need no terminal.
 */
char *orphan_why(struct state *, const cJSON *item);
/* How many pending items are assigned to NAME itself (a terminal, or all-GROUP). */
int orphan_count(struct state *, const char *name);
/* How many pending items are assigned to all-GROUP when no terminal of GROUP is left, else 0. */
int orphan_group_count(struct state *, const char *group);

#endif
