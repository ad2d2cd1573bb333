/* flame_impl.h - the stack trie behind etwcap_flame, shared by its writers
 * (flame.c: aggregation and folded text; flame_speedscope.c; flame_svg.c).
 *
 * Nodes form a trie of interned frame-name ids under a virtual root (node 0).
 * A node's parent always has a smaller index, so one forward pass over the
 * array visits parents before children. Nodes with total == 0 are left over
 * from an add that failed half-way and must be ignored by the writers.
 */
#ifndef ETWCAP_FLAME_IMPL_H
#define ETWCAP_FLAME_IMPL_H

#include "etwcap/flame.h"

#define FLAME_NONE UINT32_MAX

typedef struct flame_name_ent {
    size_t off;   /* into etwcap_flame.text */
    uint32_t len; /* bytes, without the NUL */
} flame_name_ent;

typedef struct flame_node {
    uint32_t parent;       /* FLAME_NONE for the root */
    uint32_t name;         /* interned name id (unused for the root) */
    uint32_t first_child;  /* FLAME_NONE when there is none */
    uint32_t next_sibling; /* FLAME_NONE when there is none */
    uint64_t self;         /* samples whose leaf is this node */
    uint64_t total;        /* samples through this node */
} flame_node;

struct etwcap_flame {
    flame_node *nodes;
    uint32_t nnodes;
    size_t capnodes;
    /* (parent, name) -> node + 1, open addressing, power-of-two size */
    uint32_t *child_slots;
    size_t child_cap;
    /* interned names, NUL-terminated in `text` */
    char *text;
    size_t text_len, text_cap;
    flame_name_ent *names;
    uint32_t nnames;
    size_t capnames;
    /* text -> name id + 1, open addressing, power-of-two size */
    uint32_t *name_slots;
    size_t name_cap;
    /* scratch for sanitizing a name before interning it */
    char *scratch;
    size_t scratch_cap;
    uint64_t total;
    uint64_t nstacks; /* nodes with self > 0 */
};

static inline const char *flame_name(const etwcap_flame *f, uint32_t id)
{
    return f->text + f->names[id].off;
}

/* Length of the valid UTF-8 sequence at s (n > 0 bytes left), or 0. */

/* Stable merge sort of `n` ids with a comparison that takes a context. */
typedef int (*flame_cmp_fn)(const void *ctx, uint32_t a, uint32_t b);
etwcap_status flame_sort(uint32_t *ids, size_t n, flame_cmp_fn cmp, const void *ctx);

/* Bytewise comparison of two interned names. */
int flame_name_cmp(const etwcap_flame *f, uint32_t a, uint32_t b);

/* The nodes with self > 0, sorted by their folded stack text bytewise.
 * *out is malloc'd (NULL when *n is 0). */
etwcap_status flame_sorted_stacks(const etwcap_flame *f, uint32_t **out, size_t *n);

/* The frames of `node` root to leaf, as node ids, into a growable buffer
 * (*buf, *cap). Returns the depth in *n. */
etwcap_status flame_path(const etwcap_flame *f, uint32_t node, uint32_t **buf, size_t *cap,
                         size_t *n);

#endif
