/* flame.c - aggregation of call stacks into a trie, and the folded writer.
 *
 * Frame names are sanitized and interned once (a hash of text -> id); the
 * trie's children are found through a second hash keyed by (parent, name).
 * Memory is therefore proportional to distinct frames and stack prefixes.
 */
#include "common/utf16.h"
#include "output/flame_impl.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define UNKNOWN_NAME "[unknown]"

/* ---- small helpers --------------------------------------------------- */

/* Grow *p (an array of `elem`-byte items, *cap of them) to hold `need`. */
static etwcap_status grow(void **p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return ETWCAP_OK;
    size_t c = *cap ? *cap : 16;
    while (c < need) {
        if (c > SIZE_MAX / 2)
            return ETWCAP_ERR_NOMEM;
        c *= 2;
    }
    if (c > SIZE_MAX / elem)
        return ETWCAP_ERR_NOMEM;
    void *q = realloc(*p, c * elem);
    if (!q)
        return ETWCAP_ERR_NOMEM;
    *p = q;
    *cap = c;
    return ETWCAP_OK;
}

static uint64_t hash_bytes(const char *p, size_t n)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)p[i]) * 1099511628211ULL;
    return h;
}

static uint64_t mix64(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return x;
}

static uint64_t child_hash(uint32_t parent, uint32_t name)
{
    return mix64(((uint64_t)parent << 32) | name);
}

/* Sanitize `name` into f->scratch (see flame.h): ';' -> ':', control
 * characters -> ' ', bytes that are not UTF-8 -> U+FFFD, "" -> "[unknown]". */
static etwcap_status sanitize(etwcap_flame *f, const char *name, size_t *out_len)
{
    size_t n = strlen(name);
    if (n == 0) {
        name = UNKNOWN_NAME;
        n = strlen(name);
    }
    if (n > (SIZE_MAX - 1) / 3)
        return ETWCAP_ERR_NOMEM;
    etwcap_status st = grow((void **)&f->scratch, &f->scratch_cap, n * 3 + 1, 1);
    if (st != ETWCAP_OK)
        return st;
    const unsigned char *s = (const unsigned char *)name;
    char *o = f->scratch;
    size_t k = 0;
    for (size_t i = 0; i < n;) {
        unsigned c = s[i];
        if (c == ';') {
            o[k++] = ':';
            i++;
        } else if (c < 0x20) {
            o[k++] = ' ';
            i++;
        } else if (c < 0x80) {
            o[k++] = (char)c;
            i++;
        } else {
            size_t len = etwcap_utf8_seq(s + i, n - i);
            if (len == 0) {
                memcpy(o + k, "\xEF\xBF\xBD", 3);
                k += 3;
                i++;
            } else {
                memcpy(o + k, s + i, len);
                k += len;
                i += len;
            }
        }
    }
    o[k] = '\0';
    *out_len = k;
    return ETWCAP_OK;
}

/* ---- interning ------------------------------------------------------- */

static etwcap_status rehash_names(etwcap_flame *f, size_t cap)
{
    uint32_t *slots = calloc(cap, sizeof *slots);
    if (!slots)
        return ETWCAP_ERR_NOMEM;
    for (uint32_t id = 0; id < f->nnames; id++) {
        size_t i = (size_t)hash_bytes(flame_name(f, id), f->names[id].len) & (cap - 1);
        while (slots[i])
            i = (i + 1) & (cap - 1);
        slots[i] = id + 1;
    }
    free(f->name_slots);
    f->name_slots = slots;
    f->name_cap = cap;
    return ETWCAP_OK;
}

static etwcap_status intern(etwcap_flame *f, const char *raw, uint32_t *out)
{
    size_t len;
    etwcap_status st = sanitize(f, raw, &len);
    if (st != ETWCAP_OK)
        return st;
    if (len > UINT32_MAX)
        return ETWCAP_ERR_ARG;
    const char *s = f->scratch;
    uint64_t h = hash_bytes(s, len);
    size_t mask = f->name_cap - 1;
    size_t i = (size_t)h & mask;
    for (; f->name_slots[i]; i = (i + 1) & mask) {
        uint32_t id = f->name_slots[i] - 1;
        if (f->names[id].len == len && memcmp(flame_name(f, id), s, len) == 0) {
            *out = id;
            return ETWCAP_OK;
        }
    }
    if (f->nnames >= UINT32_MAX - 1 || len + 1 > SIZE_MAX - f->text_len)
        return ETWCAP_ERR_NOMEM;
    /* Make room everywhere first so that a failure changes nothing. */
    if ((size_t)(f->nnames + 1) * 2 > f->name_cap) {
        if (f->name_cap > SIZE_MAX / 2 / sizeof(uint32_t))
            return ETWCAP_ERR_NOMEM;
        if ((st = rehash_names(f, f->name_cap * 2)) != ETWCAP_OK)
            return st;
        mask = f->name_cap - 1;
        for (i = (size_t)h & mask; f->name_slots[i]; i = (i + 1) & mask)
            ;
    }
    if ((st = grow((void **)&f->text, &f->text_cap, f->text_len + len + 1, 1)) != ETWCAP_OK)
        return st;
    if ((st = grow((void **)&f->names, &f->capnames, (size_t)f->nnames + 1, sizeof *f->names)) !=
        ETWCAP_OK)
        return st;
    uint32_t id = f->nnames++;
    memcpy(f->text + f->text_len, s, len + 1);
    f->names[id].off = f->text_len;
    f->names[id].len = (uint32_t)len;
    f->text_len += len + 1;
    f->name_slots[i] = id + 1;
    *out = id;
    return ETWCAP_OK;
}

/* ---- the trie -------------------------------------------------------- */

static etwcap_status rehash_children(etwcap_flame *f, size_t cap)
{
    uint32_t *slots = calloc(cap, sizeof *slots);
    if (!slots)
        return ETWCAP_ERR_NOMEM;
    for (uint32_t n = 1; n < f->nnodes; n++) {
        size_t i = (size_t)child_hash(f->nodes[n].parent, f->nodes[n].name) & (cap - 1);
        while (slots[i])
            i = (i + 1) & (cap - 1);
        slots[i] = n + 1;
    }
    free(f->child_slots);
    f->child_slots = slots;
    f->child_cap = cap;
    return ETWCAP_OK;
}

static etwcap_status child(etwcap_flame *f, uint32_t parent, uint32_t name, uint32_t *out)
{
    size_t mask = f->child_cap - 1;
    size_t i = (size_t)child_hash(parent, name) & mask;
    for (; f->child_slots[i]; i = (i + 1) & mask) {
        uint32_t n = f->child_slots[i] - 1;
        if (f->nodes[n].parent == parent && f->nodes[n].name == name) {
            *out = n;
            return ETWCAP_OK;
        }
    }
    if (f->nnodes >= UINT32_MAX - 1)
        return ETWCAP_ERR_NOMEM;
    /* Make room first so that a failure leaves the tables consistent. */
    if ((size_t)(f->nnodes + 1) * 2 > f->child_cap) {
        if (f->child_cap > SIZE_MAX / 2 / sizeof(uint32_t))
            return ETWCAP_ERR_NOMEM;
        etwcap_status st = rehash_children(f, f->child_cap * 2);
        if (st != ETWCAP_OK)
            return st;
        return child(f, parent, name, out);
    }
    etwcap_status st =
        grow((void **)&f->nodes, &f->capnodes, (size_t)f->nnodes + 1, sizeof *f->nodes);
    if (st != ETWCAP_OK)
        return st;
    uint32_t n = f->nnodes++;
    flame_node *nd = &f->nodes[n];
    nd->parent = parent;
    nd->name = name;
    nd->first_child = FLAME_NONE;
    nd->next_sibling = f->nodes[parent].first_child;
    nd->self = 0;
    nd->total = 0;
    f->nodes[parent].first_child = n;
    f->child_slots[i] = n + 1;
    *out = n;
    return ETWCAP_OK;
}

etwcap_status etwcap_flame_create(etwcap_flame **out)
{
    if (!out)
        return ETWCAP_ERR_ARG;
    *out = NULL;
    etwcap_flame *f = calloc(1, sizeof *f);
    if (!f)
        return ETWCAP_ERR_NOMEM;
    f->capnodes = 64;
    f->nodes = malloc(f->capnodes * sizeof *f->nodes);
    f->child_cap = 128;
    f->child_slots = calloc(f->child_cap, sizeof *f->child_slots);
    f->name_cap = 128;
    f->name_slots = calloc(f->name_cap, sizeof *f->name_slots);
    if (!f->nodes || !f->child_slots || !f->name_slots) {
        etwcap_flame_free(f);
        return ETWCAP_ERR_NOMEM;
    }
    f->nodes[0].parent = FLAME_NONE;
    f->nodes[0].name = FLAME_NONE;
    f->nodes[0].first_child = FLAME_NONE;
    f->nodes[0].next_sibling = FLAME_NONE;
    f->nodes[0].self = 0;
    f->nodes[0].total = 0;
    f->nnodes = 1;
    *out = f;
    return ETWCAP_OK;
}

etwcap_status etwcap_flame_add(etwcap_flame *f, const char *const *frames, size_t n, uint64_t count)
{
    if (!f || !frames || n == 0)
        return ETWCAP_ERR_ARG;
    for (size_t i = 0; i < n; i++)
        if (!frames[i])
            return ETWCAP_ERR_ARG;
    if (count == 0)
        return ETWCAP_OK;
    if (f->total > UINT64_MAX - count)
        return ETWCAP_ERR_ARG;
    uint32_t cur = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t name;
        etwcap_status st = intern(f, frames[i], &name);
        if (st == ETWCAP_OK)
            st = child(f, cur, name, &cur);
        if (st != ETWCAP_OK)
            return st; /* nodes made so far have total 0: writers skip them */
    }
    if (f->nodes[cur].self == 0)
        f->nstacks++;
    f->nodes[cur].self += count;
    for (uint32_t p = cur; p != FLAME_NONE; p = f->nodes[p].parent)
        f->nodes[p].total += count;
    f->total += count;
    return ETWCAP_OK;
}

uint64_t etwcap_flame_total(const etwcap_flame *f)
{
    return f ? f->total : 0;
}

uint64_t etwcap_flame_stack_count(const etwcap_flame *f)
{
    return f ? f->nstacks : 0;
}

void etwcap_flame_free(etwcap_flame *f)
{
    if (!f)
        return;
    free(f->nodes);
    free(f->child_slots);
    free(f->text);
    free(f->names);
    free(f->name_slots);
    free(f->scratch);
    free(f);
}

/* ---- sorting --------------------------------------------------------- */

etwcap_status flame_sort(uint32_t *ids, size_t n, flame_cmp_fn cmp, const void *ctx)
{
    if (n < 2)
        return ETWCAP_OK;
    if (n > SIZE_MAX / sizeof *ids)
        return ETWCAP_ERR_NOMEM;
    uint32_t *tmp = malloc(n * sizeof *tmp);
    if (!tmp)
        return ETWCAP_ERR_NOMEM;
    uint32_t *src = ids, *dst = tmp;
    for (size_t w = 1; w < n; w *= 2) {
        for (size_t lo = 0; lo < n; lo += 2 * w) {
            size_t mid = n - lo > w ? lo + w : n;
            size_t hi = n - mid > w ? mid + w : n;
            size_t a = lo, b = mid, k = lo;
            while (a < mid && b < hi)
                dst[k++] = cmp(ctx, src[b], src[a]) < 0 ? src[b++] : src[a++];
            while (a < mid)
                dst[k++] = src[a++];
            while (b < hi)
                dst[k++] = src[b++];
        }
        uint32_t *t = src;
        src = dst;
        dst = t;
    }
    if (src != ids)
        memcpy(ids, src, n * sizeof *ids);
    free(tmp);
    return ETWCAP_OK;
}

int flame_name_cmp(const etwcap_flame *f, uint32_t a, uint32_t b)
{
    uint32_t la = f->names[a].len, lb = f->names[b].len;
    int c = memcmp(flame_name(f, a), flame_name(f, b), la < lb ? la : lb);
    if (c)
        return c;
    return la < lb ? -1 : la > lb;
}

typedef struct stack_ctx {
    const etwcap_flame *f;
    const uint32_t *depth;
} stack_ctx;

/* Compare the folded text of two stacks ("a;b;c") bytewise, without
 * building it: below their deepest common frame the texts are equal; from
 * there it is the two sibling frames' names, each followed by ';' when the
 * stack goes on or by the end of the text. Sanitized names hold no ';'. */
static int cmp_stack(const void *ctx, uint32_t a, uint32_t b)
{
    const stack_ctx *c = ctx;
    const flame_node *nd = c->f->nodes;
    uint32_t ua = a, ub = b;
    while (c->depth[ua] > c->depth[ub])
        ua = nd[ua].parent;
    while (c->depth[ub] > c->depth[ua])
        ub = nd[ub].parent;
    if (ua == ub) /* one stack is a prefix of the other: shorter first */
        return c->depth[a] < c->depth[b] ? -1 : c->depth[a] > c->depth[b];
    while (nd[ua].parent != nd[ub].parent) {
        ua = nd[ua].parent;
        ub = nd[ub].parent;
    }
    const char *sa = flame_name(c->f, nd[ua].name);
    const char *sb = flame_name(c->f, nd[ub].name);
    size_t i = 0;
    while (sa[i] && sa[i] == sb[i])
        i++;
    int ca = sa[i] ? (unsigned char)sa[i] : (ua == a ? -1 : ';');
    int cb = sb[i] ? (unsigned char)sb[i] : (ub == b ? -1 : ';');
    return ca < cb ? -1 : ca > cb;
}

etwcap_status flame_sorted_stacks(const etwcap_flame *f, uint32_t **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    if (f->nstacks == 0)
        return ETWCAP_OK;
    uint32_t *depth = malloc((size_t)f->nnodes * sizeof *depth);
    uint32_t *ids = malloc((size_t)f->nstacks * sizeof *ids);
    if (!depth || !ids) {
        free(depth);
        free(ids);
        return ETWCAP_ERR_NOMEM;
    }
    size_t k = 0;
    depth[0] = 0;
    for (uint32_t i = 1; i < f->nnodes; i++) {
        depth[i] = depth[f->nodes[i].parent] + 1;
        if (f->nodes[i].self && k < f->nstacks)
            ids[k++] = i;
    }
    stack_ctx ctx = {f, depth};
    etwcap_status st = flame_sort(ids, k, cmp_stack, &ctx);
    free(depth);
    if (st != ETWCAP_OK) {
        free(ids);
        return st;
    }
    *out = ids;
    *n = k;
    return ETWCAP_OK;
}

etwcap_status flame_path(const etwcap_flame *f, uint32_t node, uint32_t **buf, size_t *cap,
                         size_t *n)
{
    size_t d = 0;
    for (uint32_t p = node; p != 0; p = f->nodes[p].parent)
        d++;
    etwcap_status st = grow((void **)buf, cap, d ? d : 1, sizeof **buf);
    if (st != ETWCAP_OK)
        return st;
    size_t k = d;
    for (uint32_t p = node; p != 0; p = f->nodes[p].parent)
        (*buf)[--k] = p;
    *n = d;
    return ETWCAP_OK;
}

/* ---- folded ---------------------------------------------------------- */

etwcap_status etwcap_flame_write_folded(const etwcap_flame *f, FILE *out)
{
    if (!f || !out)
        return ETWCAP_ERR_ARG;
    uint32_t *ids, *path = NULL;
    size_t n, cap = 0, depth;
    etwcap_status st = flame_sorted_stacks(f, &ids, &n);
    if (st != ETWCAP_OK)
        return st;
    int bad = 0;
    for (size_t i = 0; i < n && !bad; i++) {
        if ((st = flame_path(f, ids[i], &path, &cap, &depth)) != ETWCAP_OK)
            break;
        for (size_t d = 0; d < depth; d++) {
            uint32_t nm = f->nodes[path[d]].name;
            if ((d && fputc(';', out) == EOF) ||
                fwrite(flame_name(f, nm), 1, f->names[nm].len, out) != f->names[nm].len)
                bad = 1;
        }
        if (fprintf(out, " %" PRIu64 "\n", f->nodes[ids[i]].self) < 0)
            bad = 1;
    }
    free(ids);
    free(path);
    if (st != ETWCAP_OK)
        return st;
    return bad || fflush(out) != 0 || ferror(out) ? ETWCAP_ERR_IO : ETWCAP_OK;
}
