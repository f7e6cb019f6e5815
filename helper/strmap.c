/* Open addressing with linear probing; deletion uses tombstones. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "strmap.h"
#include "tmux-dispatch.h"

struct strmap_slot {
	const char *key; /* NULL: empty; strmap_tombstone: deleted */
	void *value;
};

struct strmap {
	struct strmap_slot *slots;
	size_t size;  /* power of two */
	size_t count; /* live keys */
	size_t used;  /* live keys + tombstones */
};

static const char strmap_tombstone[] = "";

static uint64_t
strmap_hash(const char *key)
{
	uint64_t h = 1469598103934665603ULL;

	while (*key != '\0') {
		h ^= (unsigned char)*key++;
		h *= 1099511628211ULL;
	}
	return h;
}

struct strmap *
strmap_new(void)
{
	struct strmap *map = xcalloc(1, sizeof *map);

	map->size = 16;
	map->slots = xcalloc(map->size, sizeof *map->slots);
	return map;
}

void
strmap_free(struct strmap *map)
{
	if (map == NULL)
		return;
	free(map->slots);
	free(map);
}

static struct strmap_slot *
strmap_find(const struct strmap *map, const char *key, int for_insert)
{
	size_t mask = map->size - 1, i = strmap_hash(key) & mask;
	struct strmap_slot *grave = NULL, *slot;

	for (;; i = (i + 1) & mask) {
		slot = &map->slots[i];
		if (slot->key == NULL)
			return for_insert && grave != NULL ? grave : (for_insert ? slot : NULL);
		if (slot->key == strmap_tombstone) {
			if (grave == NULL)
				grave = slot;
		} else if (strcmp(slot->key, key) == 0)
			return slot;
	}
}

static void
strmap_grow(struct strmap *map)
{
	struct strmap_slot *old = map->slots;
	size_t i, oldsize = map->size;

	if (map->count * 2 >= map->size)
		map->size *= 2;
	map->slots = xcalloc(map->size, sizeof *map->slots);
	map->used = map->count;
	for (i = 0; i < oldsize; i++) {
		if (old[i].key != NULL && old[i].key != strmap_tombstone)
			*strmap_find(map, old[i].key, 1) = old[i];
	}
	free(old);
}

void *
strmap_get(const struct strmap *map, const char *key)
{
	struct strmap_slot *slot = strmap_find(map, key, 0);

	return slot != NULL ? slot->value : NULL;
}

void *
strmap_put(struct strmap *map, const char *key, void *value)
{
	struct strmap_slot *slot;
	void *old;

	if ((map->used + 1) * 4 >= map->size * 3)
		strmap_grow(map);
	slot = strmap_find(map, key, 1);
	if (slot->key != NULL && slot->key != strmap_tombstone) {
		old = slot->value;
		slot->key = key;
		slot->value = value;
		return old;
	}
	if (slot->key == NULL)
		map->used++;
	slot->key = key;
	slot->value = value;
	map->count++;
	return NULL;
}

void
strmap_del(struct strmap *map, const char *key)
{
	struct strmap_slot *slot = strmap_find(map, key, 0);

	if (slot == NULL)
		return;
	slot->key = strmap_tombstone;
	slot->value = NULL;
	map->count--;
}

size_t
strmap_count(const struct strmap *map)
{
	return map->count;
}
