/* Durations for people: "90s", "30m", "4h", "1h30m" or a number of seconds, read and shown. */
#ifndef DURATION_H
#define DURATION_H

#define DURATION_TEXT 24 /* room for any duration_format result */
#define DURATION_FORMS "90s, 30m, 4h, 1h30m or a number of seconds" /* for error messages */

/* 0 and *seconds, or -1: TEXT is not a duration from 0 to ITEM_ESTIMATE_MAX seconds. */
int duration_parse(const char *text, double *seconds);
/* "45s", "25m", "4h", "1h30m": minutes rounded from one minute up, hours unbounded. */
void duration_format(double seconds, char buf[DURATION_TEXT]);

#endif
