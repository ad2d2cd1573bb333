/* u64map.h - u64 key -> index hash map with deletion (open addressing,
 * tombstones). Used for pid/tid/stack-key lookups across the stages. */
#ifndef ETWCAP_U64MAP_H
#define ETWCAP_U64MAP_H

#include <stddef.h>
#include <stdint.h>

typedef struct etwcap_u64map {
    uint64_t *keys;
    size_t *vals;
    uint8_t *used; /* 0 empty, 1 used, 2 deleted */
    size_t cap, n, tomb;
} etwcap_u64map;

int etwcap_u64map_init(etwcap_u64map *m);
void etwcap_u64map_free(etwcap_u64map *m);
void etwcap_u64map_clear(etwcap_u64map *m);
size_t etwcap_u64map_get(const etwcap_u64map *m, uint64_t key); /* SIZE_MAX if absent */
int etwcap_u64map_put(etwcap_u64map *m, uint64_t key, size_t val);
void etwcap_u64map_del(etwcap_u64map *m, uint64_t key);

#endif
