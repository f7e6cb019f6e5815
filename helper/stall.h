/* Stall tracking: the normalized screen hash and how long a terminal's screen stood still. */
#ifndef STALL_H
#define STALL_H

#include <stddef.h>
#include <time.h>

#include <cjson/cJSON.h>

struct verdict;

#define STALL_SUSPECT 2  /* busy and unchanged this many checks: "busy (stall?)" */
#define STALL_STALLED 3  /* ... this many: "stalled" */
#define STALL_SECONDS 60 /* ... and unchanged this long (half for "busy (stall?)") */

/*
 * Hash of the screen with what changes while nothing happens left out: elapsed-time counters
 * ("12s", "1m 42s"), clock times, token counts and spinner glyphs.
 */
unsigned long long stall_hash(const char *text, size_t len);
/*
 * Records HASH in TERMINAL's "screen" object {"hash","since","seen"}: seen counts consecutive
 * checks that saw this hash. Returns the count to label by (stall_count).
 */
int stall_update(cJSON *terminal, unsigned long long hash, time_t now);
/* What stall_update would return, changing nothing (status). */
int stall_peek(const cJSON *terminal, unsigned long long hash, time_t now);
/* The count to label by: SEEN checks of one screen, unchanged since SINCE. */
int stall_count(int seen, time_t since, time_t now);
/* How long an unchanged busy screen lasts before it is "stalled" (seconds). */
long stall_seconds(void);
/* The state word with stall tracking applied: "busy", "busy (stall?)" or "stalled". */
const char *stall_label(const struct verdict *);
/* The same for JSON: "stalled" replaces "busy" from STALL_STALLED on. */
const char *stall_state(const struct verdict *);

#endif
