/* u64map.c - u64 -> index hash map with deletion (see u64map.h). */
#include <stdlib.h>
#include <string.h>

#include "common/u64map.h"

int etwcap_u64map_init(etwcap_u64map *m)
{
    memset(m, 0, sizeof *m);
    m->cap = 256;
    m->keys = calloc(m->cap, sizeof *m->keys);
    m->vals = calloc(m->cap, sizeof *m->vals);
    m->used = calloc(m->cap, 1);
    return m->keys && m->vals && m->used ? 0 : -1;
}

void etwcap_u64map_free(etwcap_u64map *m)
{
    free(m->keys);
    free(m->vals);
    free(m->used);
    memset(m, 0, sizeof *m);
}

void etwcap_u64map_clear(etwcap_u64map *m)
{
    if (m->used)
        memset(m->used, 0, m->cap);
    m->n = 0;
    m->tomb = 0;
}

static size_t hash(uint64_t k, size_t cap)
{
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdULL;
    k ^= k >> 33;
    return (size_t)k & (cap - 1);
}

size_t etwcap_u64map_get(const etwcap_u64map *m, uint64_t key)
{
    for (size_t k = hash(key, m->cap);; k = (k + 1) & (m->cap - 1)) {
        if (m->used[k] == 0)
            return SIZE_MAX;
        if (m->used[k] == 1 && m->keys[k] == key)
            return m->vals[k];
    }
}

static int rehash(etwcap_u64map *m, size_t cap)
{
    etwcap_u64map n;
    memset(&n, 0, sizeof n);
    n.cap = cap;
    n.keys = calloc(cap, sizeof *n.keys);
    n.vals = calloc(cap, sizeof *n.vals);
    n.used = calloc(cap, 1);
    if (!n.keys || !n.vals || !n.used) {
        etwcap_u64map_free(&n);
        return -1;
    }
    for (size_t i = 0; i < m->cap; i++)
        if (m->used[i] == 1) {
            size_t k = hash(m->keys[i], cap);
            while (n.used[k])
                k = (k + 1) & (cap - 1);
            n.used[k] = 1;
            n.keys[k] = m->keys[i];
            n.vals[k] = m->vals[i];
            n.n++;
        }
    etwcap_u64map_free(m);
    *m = n;
    return 0;
}

int etwcap_u64map_put(etwcap_u64map *m, uint64_t key, size_t val)
{
    if ((m->n + m->tomb + 1) * 2 > m->cap &&
        rehash(m, (m->n + 1) * 4 > m->cap ? m->cap * 2 : m->cap) != 0)
        return -1;
    size_t k = hash(key, m->cap), first_free = SIZE_MAX;
    for (;; k = (k + 1) & (m->cap - 1)) {
        if (m->used[k] == 1 && m->keys[k] == key) {
            m->vals[k] = val;
            return 0;
        }
        if (m->used[k] == 2 && first_free == SIZE_MAX)
            first_free = k;
        if (m->used[k] == 0)
            break;
    }
    if (first_free != SIZE_MAX) {
        k = first_free;
        m->tomb--;
    }
    m->used[k] = 1;
    m->keys[k] = key;
    m->vals[k] = val;
    m->n++;
    return 0;
}

void etwcap_u64map_del(etwcap_u64map *m, uint64_t key)
{
    for (size_t k = hash(key, m->cap);; k = (k + 1) & (m->cap - 1)) {
        if (m->used[k] == 0)
            return;
        if (m->used[k] == 1 && m->keys[k] == key) {
            m->used[k] = 2;
            m->n--;
            m->tomb++;
            return;
        }
    }
}
