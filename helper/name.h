/* Names and text from outside (name.c): pure checks, used where input arrives and at load. */
#ifndef NAME_H
#define NAME_H

#include <stddef.h>

/* A terminal, group or profile name: 1 to 64 of A-Z a-z 0-9 . _ - */
int name_valid(const char *);
/*
 * A tmux target's shape: %N, @N, or SESSION:WINDOW[.PANE]. Targets reach tmux as argv
 * elements, so one ending in ';' (which would end the tmux command) or starting with '-' (an
 * option) is refused.
 */
int name_valid_target(const char *);
/* Whether LEN bytes at S are all digits (and there is at least one). */
int name_digits(const char *s, size_t len);
/* NULL if TEXT is valid UTF-8 with no control character but those in ALLOW, else why not
 * ("contains a control character", "is not valid UTF-8": a predicate for a subject). */
const char *name_text_error(const char *text, const char *allow);

#endif
