/*
 * An interrupted prompt that comes back. A timeout interrupts a turn (watch.h); Claude Code
 * then gives the interrupted prompt back to its input, so the screen reads typed and, by the
 * rule that nothing is typed over an input holding text, the terminal would take no more work.
 * The terminal's watch record remembers the interrupt ("interrupted": true beside its "item").
 * Before the terminal's next item is offered, an input holding that item's prompt is emptied
 * with the profile's "clear" keys, each sent only while the input still holds it, and the
 * screen is read back. Once per interrupt; an input holding anything else is left alone.
 */
#ifndef RESTORE_H
#define RESTORE_H

#include <cjson/cJSON.h>

struct check_plan;
struct observation;
struct state;

#define RESTORE_KEY "interrupted" /* on a terminal's watch record: its item's turn was */

/* On a terminal's watch record REC: the interrupt keys just went to its item's turn. */
void restore_mark(cJSON *rec);
/*
 * Before TERM's next item is offered on O: when O reads typed after an interrupt and the input
 * holds the interrupted item's prompt, the input is cleared and *O becomes the screen read
 * back (idle, if it worked). Otherwise O's rule says why its text was left alone, for the next
 * item's "deferred". Nothing happens in a dry run.
 */
void restore_input(struct state *, const struct check_plan *, cJSON *term,
    struct observation *o);
/*
 * Whether INPUT, an input's text as the classifier reads it (its prompt marker first, its
 * lines joined), shows PROMPT. Compared without whitespace, since the agent wraps and indents
 * the lines; a shown text cut short (ending in "…") matches the start of a long prompt.
 */
int restore_matches(const char *input, const char *prompt);

#endif
