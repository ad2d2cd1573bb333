/* epoch.c - lookup epochs: the times at which a lookup by address can change.
 *
 * etwcap_state_module_at and etwcap_state_method_at compare `ts` with the
 * load and unload times of the records they search (`load_time <= ts`,
 * `ts <= unload_time`) and, for kernel addresses, with the start times of
 * PID 0's records (etwcap_state_find_process). Their answer for a given
 * address can therefore only change at one of those times: a load time, an
 * unload time + 1, or a start time of PID 0. Numbering the spans between
 * consecutive change times gives the epoch: two times in the same epoch get
 * the same answer for every address, so a caller can cache answers by
 * (process, address, epoch) and skip both range searches.
 *
 * The change times of a process cover its own modules and methods; those of
 * PID 0's records (drivers, and which record is PID 0 at `ts`) are kept once
 * for all processes. They are sorted when first asked for after the state
 * last changed.
 */
#include <stdlib.h>

#include "state/state_internal.h"

static int push(int64_t **v, size_t *n, size_t *cap, int64_t t)
{
    if (*n == *cap) {
        size_t c = *cap ? *cap * 2 : 64;
        int64_t *p = realloc(*v, c * sizeof *p);
        if (!p)
            return -1;
        *v = p;
        *cap = c;
    }
    (*v)[(*n)++] = t;
    return 0;
}

/* The times at which `load_time <= ts` and `ts <= unload_time` turn. */
static int push_life(int64_t **v, size_t *n, size_t *cap, int64_t load, int64_t unload)
{
    if (push(v, n, cap, load) != 0)
        return -1;
    return unload == ETWCAP_TIME_NEVER ? 0 : push(v, n, cap, unload + 1);
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* Sort and drop repeats. */
static size_t sort_unique(int64_t *v, size_t n)
{
    if (n == 0)
        return 0;
    qsort(v, n, sizeof *v, cmp_i64);
    size_t k = 1;
    for (size_t i = 1; i < n; i++)
        if (v[i] != v[k - 1])
            v[k++] = v[i];
    return k;
}

/* Number of change times at or before ts. */
static size_t count_le(const int64_t *v, size_t n, int64_t ts)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (v[mid] <= ts)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static int build_kernel(etwcap_state *st)
{
    etwcap_epochs *k = &st->kernel_epochs;
    size_t cap = k->cap;
    k->n = 0;
    for (size_t i = 0; i < st->nprocs; i++) {
        const etwcap_process *p = &st->procs[i];
        if (p->pid != 0)
            continue;
        if (push(&k->t, &k->n, &cap, p->start_time) != 0)
            return -1;
        for (size_t m = 0; m < p->nmodules; m++)
            if (push_life(&k->t, &k->n, &cap, p->modules[m].load_time, p->modules[m].unload_time) !=
                0)
                return -1;
    }
    k->cap = cap;
    k->n = sort_unique(k->t, k->n);
    k->gen = st->gen + 1;
    return 0;
}

static int build_process(const etwcap_state *st, size_t proc, etwcap_epochs *e)
{
    const etwcap_process *p = &st->procs[proc];
    size_t cap = e->cap;
    e->n = 0;
    for (size_t m = 0; m < p->nmodules; m++)
        if (push_life(&e->t, &e->n, &cap, p->modules[m].load_time, p->modules[m].unload_time) != 0)
            return -1;
    for (size_t m = 0; m < p->nmethods; m++)
        if (push_life(&e->t, &e->n, &cap, p->methods[m].load_time, p->methods[m].unload_time) != 0)
            return -1;
    e->cap = cap;
    e->n = sort_unique(e->t, e->n);
    e->gen = st->gen + 1;
    return 0;
}

int etwcap_state_epoch(etwcap_state *st, size_t proc, int64_t ts, uint64_t *out)
{
    if (proc >= st->nprocs)
        return -1;
    if (st->kernel_epochs.gen != st->gen + 1 && build_kernel(st) != 0)
        return -1;
    etwcap_proc_index *x = etwcap_state_index(st, proc);
    if (!x || (x->epochs.gen != st->gen + 1 && build_process(st, proc, &x->epochs) != 0))
        return -1;
    const uint64_t own = count_le(x->epochs.t, x->epochs.n, ts);
    const uint64_t kernel = count_le(st->kernel_epochs.t, st->kernel_epochs.n, ts);
    /* Each count is at most twice the number of records plus one. */
    *out = own << 32 | (kernel & 0xFFFFFFFFu);
    return own >> 32 || kernel >> 32 ? -1 : 0;
}

void etwcap_epochs_free(etwcap_epochs *e)
{
    free(e->t);
    e->t = NULL;
    e->n = e->cap = 0;
    e->gen = 0;
}
