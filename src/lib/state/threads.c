/* threads.c - thread ownership over time (etl-format.md §3.3).
 * TIDs are reused, so each TID keeps a chain of spans, newest first. */
#include <stdlib.h>
#include <string.h>

#include "state/state_internal.h"

int etwcap_threads_begin(etwcap_state *st, uint32_t tid, uint32_t pid, int64_t ts)
{
    size_t cur = etwcap_u64map_get(&st->tid_latest, tid);
    if (cur != SIZE_MAX) {
        etwcap_thread_span *t = &st->threads[cur];
        if (t->pid == pid && t->end == ETWCAP_TIME_NEVER)
            return 0; /* DCStart of a thread already known */
        if (t->end == ETWCAP_TIME_NEVER)
            t->end = ts;
    }
    if (st->nthreads == st->capthreads) {
        size_t cap = st->capthreads ? st->capthreads * 2 : 256;
        etwcap_thread_span *p = realloc(st->threads, cap * sizeof *p);
        if (!p)
            return -1;
        st->threads = p;
        st->capthreads = cap;
    }
    size_t i = st->nthreads++;
    st->threads[i] = (etwcap_thread_span){tid, pid, ts, ETWCAP_TIME_NEVER, cur};
    return etwcap_u64map_put(&st->tid_latest, tid, i);
}

void etwcap_threads_end(etwcap_state *st, uint32_t tid, int64_t ts)
{
    size_t cur = etwcap_u64map_get(&st->tid_latest, tid);
    if (cur != SIZE_MAX && st->threads[cur].end == ETWCAP_TIME_NEVER)
        st->threads[cur].end = ts;
}

uint32_t etwcap_state_thread_pid(const etwcap_state *st, uint32_t tid, int64_t ts)
{
    size_t i = etwcap_u64map_get(&st->tid_latest, tid);
    size_t oldest = SIZE_MAX;
    while (i != SIZE_MAX) {
        const etwcap_thread_span *t = &st->threads[i];
        if (t->start <= ts)
            return t->pid; /* a sample just after Thread/Stop still belongs to it */
        oldest = i;
        i = t->prev;
    }
    /* Before the first span: rundown starts are stamped later than events
     * already in flight; the oldest owner is the best answer. */
    return oldest != SIZE_MAX ? st->threads[oldest].pid : ETWCAP_NO_ID;
}
