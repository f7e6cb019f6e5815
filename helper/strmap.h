/* A string-keyed hash map: item ids to their JSON objects, in O(1), so no command is quadratic. */
#ifndef STRMAP_H
#define STRMAP_H

#include <stddef.h>

struct strmap;

struct strmap *strmap_new(void);
void strmap_free(struct strmap *);
/* Keys are borrowed, not copied: they must outlive the map (they live in the JSON document). */
void *strmap_get(const struct strmap *, const char *);
/* Returns the previous value, or NULL if the key was new. */
void *strmap_put(struct strmap *, const char *, void *);
void strmap_del(struct strmap *, const char *);
size_t strmap_count(const struct strmap *);

#endif
