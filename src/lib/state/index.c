/* index.c - lookup indexes of the state: module and method records of a
 * process by base/id and by address.
 *
 * They replace linear scans (one per method event, two or three per stack
 * frame) without changing any answer: a lookup first collects the records
 * that can match, in record order, and the callers then apply the very rule
 * they applied to all records. Records are only ever appended, and the
 * fields indexed (base/start, size, method id) never change.
 *
 * Address ranges: two sorted runs plus a short unsorted tail of the newest
 * records (see etwcap_rangeidx). A lookup binary-searches each run and
 * walks back while a range could still reach the address (a running
 * maximum of the range ends tells), then scans the tail.
 */
#include <stdlib.h>
#include <string.h>

#include "state/state_internal.h"

/* Merge the sorted ranges t[0..nt) into `run`. Ranges below the first slot
 * the merge writes keep their place and their maxima; new ranges mostly
 * start above the old ones (the JIT heap and image bases grow), so little
 * moves. */
static int run_merge(etwcap_range_run *run, const etwcap_range *t, size_t nt)
{
    size_t n = run->n + nt;
    if (n > run->cap) {
        size_t cap = run->cap ? run->cap : 64;
        while (cap < n)
            cap *= 2;
        etwcap_range *p = realloc(run->r, cap * sizeof *p);
        if (!p)
            return -1;
        run->r = p;
        run->cap = cap;
    }
    size_t i = run->n, j = nt, k = n;
    while (j > 0) {
        if (i > 0 && run->r[i - 1].start > t[j - 1].start)
            run->r[--k] = run->r[--i];
        else
            run->r[--k] = t[--j];
    }
    /* Ends as a running maximum (no range wraps here: see `wraps`). */
    uint64_t m = k > 0 ? run->r[k - 1].maxend : 0;
    for (size_t q = k; q < n; q++) {
        uint64_t end = run->r[q].start + run->r[q].size;
        if (end > m)
            m = end;
        run->r[q].maxend = m;
    }
    run->n = n;
    return 0;
}

int etwcap_rangeidx_add(etwcap_rangeidx *x, uint64_t start, uint64_t size, size_t idx)
{
    /* A range past the top of the address space also holds low addresses
     * (the callers test addr - start < size): such an index gives up. */
    if (size > 0 && start + (size - 1) < start)
        x->wraps = 1;
    if (x->ntail == ETWCAP_RANGE_TAIL) {
        etwcap_range *t = x->tail;
        for (size_t i = 1; i < x->ntail; i++) { /* insertion sort by start */
            etwcap_range v = t[i];
            size_t j = i;
            while (j > 0 && t[j - 1].start > v.start) {
                t[j] = t[j - 1];
                j--;
            }
            t[j] = v;
        }
        if (run_merge(&x->small, t, x->ntail) != 0)
            return -1;
        x->ntail = 0;
        /* `small` at about sqrt(8 x big): merging it costs O(big) once per
         * O(sqrt(big)) adds, and each tail merge into it O(sqrt(big)). */
        if (x->small.n * x->small.n >= 8 * x->big.n + 4096) {
            if (run_merge(&x->big, x->small.r, x->small.n) != 0)
                return -1;
            x->small.n = 0;
        }
    }
    x->tail[x->ntail].start = start;
    x->tail[x->ntail].size = size;
    x->tail[x->ntail].idx = idx;
    x->ntail++;
    return 0;
}

/* Appends to out[n..cap) the ranges of `run` that hold addr; SIZE_MAX when
 * they do not fit. */
static size_t run_find(const etwcap_range_run *run, uint64_t addr, size_t *out, size_t n,
                       size_t cap)
{
    /* No range starts at or below addr, or none reaches it (the last
     * maximum is the largest end of all): most lookups in the small run. */
    if (run->n == 0 || addr < run->r[0].start || addr >= run->r[run->n - 1].maxend)
        return n;
    /* Last range with start <= addr. */
    size_t lo = 0, hi = run->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (run->r[mid].start <= addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (size_t i = lo; i-- > 0;) {
        const etwcap_range *r = &run->r[i];
        if (r->maxend <= addr)
            break; /* no range from here back reaches addr */
        if (addr - r->start < r->size) {
            if (n == cap)
                return SIZE_MAX;
            out[n++] = r->idx;
        }
    }
    return n;
}

size_t etwcap_rangeidx_find(const etwcap_rangeidx *x, uint64_t addr, size_t *out, size_t cap)
{
    if (x->wraps)
        return SIZE_MAX;
    size_t n = run_find(&x->big, addr, out, 0, cap);
    if (n != SIZE_MAX)
        n = run_find(&x->small, addr, out, n, cap);
    if (n == SIZE_MAX)
        return SIZE_MAX;
    for (size_t i = 0; i < x->ntail; i++) {
        const etwcap_range *r = &x->tail[i];
        if (addr - r->start < r->size) {
            if (n == cap)
                return SIZE_MAX;
            out[n++] = r->idx;
        }
    }
    /* Record order, as a scan over all records would meet them. */
    for (size_t i = 1; i < n; i++) {
        size_t v = out[i], j = i;
        while (j > 0 && out[j - 1] > v) {
            out[j] = out[j - 1];
            j--;
        }
        out[j] = v;
    }
    return n;
}

void etwcap_rangeidx_free(etwcap_rangeidx *x)
{
    free(x->big.r);
    free(x->small.r);
    memset(x, 0, sizeof *x);
}

etwcap_proc_index *etwcap_state_index(etwcap_state *st, size_t pi)
{
    if (pi >= st->nidx) {
        size_t cap = st->nidx ? st->nidx : 16;
        while (cap <= pi)
            cap *= 2;
        etwcap_proc_index *p = realloc(st->idx, cap * sizeof *p);
        if (!p)
            return NULL;
        memset(p + st->nidx, 0, (cap - st->nidx) * sizeof *p);
        st->idx = p;
        st->nidx = cap;
    }
    etwcap_proc_index *x = &st->idx[pi];
    if (!x->ready) {
        if (etwcap_u64map_init(&x->module_by_base) != 0)
            return NULL;
        if (etwcap_u64map_init(&x->method_by_key) != 0) {
            etwcap_u64map_free(&x->module_by_base);
            return NULL;
        }
        x->ready = 1;
    }
    return x;
}

const etwcap_proc_index *etwcap_state_index_get(const etwcap_state *st, size_t pi)
{
    return pi < st->nidx && st->idx[pi].ready ? &st->idx[pi] : NULL;
}

void etwcap_state_index_free(etwcap_state *st)
{
    for (size_t i = 0; i < st->nidx; i++) {
        if (!st->idx[i].ready)
            continue;
        etwcap_u64map_free(&st->idx[i].module_by_base);
        etwcap_u64map_free(&st->idx[i].method_by_key);
        etwcap_rangeidx_free(&st->idx[i].modules);
        etwcap_rangeidx_free(&st->idx[i].methods);
        etwcap_epochs_free(&st->idx[i].epochs);
    }
    etwcap_epochs_free(&st->kernel_epochs);
    free(st->idx);
    st->idx = NULL;
    st->nidx = 0;
}

uint64_t etwcap_method_key(uint64_t method_id, uint64_t start)
{
    uint64_t h = method_id * 0x9E3779B97F4A7C15ULL;
    h ^= start + 0x632BE59BD9B4E019ULL + (h << 6) + (h >> 2);
    return h ^ (h >> 29);
}
