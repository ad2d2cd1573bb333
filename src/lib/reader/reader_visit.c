/* reader_visit.c - every event of a file-order reader, handed to the
 * caller's function by several threads (etwcap_reader_visit).
 *
 * Buffers are independent (etl-format.md §1.1), so a thread that decodes a
 * buffer can go on to parse its records and hand them to the caller's
 * function: the work per event runs in parallel too, and the decoded bytes
 * are read by the core that wrote them. (With the iterator, a worker only
 * decompresses, and the caller's thread reads every buffer a worker wrote.)
 *
 * The caller's thread walks the buffer headers (etwcap_rd_seq_next: chunks
 * and counts are its alone), makes each buffer a job, runs jobs itself when
 * it has nothing else to do, and retires finished jobs in file order,
 * reporting their diagnostics and counts exactly as etwcap_reader_next
 * reports them. A bad header stops the walk; its diagnostic is held until
 * the buffers before it are retired.
 *
 * Jobs live in a ring. Sequence numbers say where each one is: jobs before
 * `first` are retired, [first, taken) taken by a thread, [taken, end)
 * queued. The ring's fields and the job states change under the lock; a
 * queued job's other fields are written before it is queued, a taken job's
 * only by the thread that took it, a finished job's only by the caller's
 * thread.
 *
 * A job's records are handed out while it runs, so its decoded bytes are
 * dead once it finishes: it decodes into storage of the thread that runs it
 * (a `store`), not of its own. Two threads touch two buffers' worth of
 * memory, not a ring's worth: on a 4 MB trace, `stats --threads 2` took
 * 296 page faults with storage per job and 4 jobs per thread (issue #8).
 */
#include <stdlib.h>
#include <string.h>

#include "reader/reader_internal.h"

#define JOBS_PER_THREAD 4
/* Hostile headers declare buffers of up to BUF_MAX_SIZE bytes on disk and
 * BUF_MAX_DECODED decoded: the jobs in flight may hold at most this much of
 * both (one job always may), and a thread keeps storage between buffers
 * only up to BUF_KEEP. */
#define INFLIGHT_MAX ((size_t)64 << 20)
#define BUF_KEEP ((size_t)1 << 20)

typedef struct job {
    slot sl;
    int done;       /* under the lock */
    int load;       /* the checks passed: decode it and read its records */
    int compressed; /* counted as a decompressed buffer */
    int skipped;
    size_t weight; /* bytes it may hold: on disk (its chunk or a read) and decoded */
    buf_diags dl;
    int ncheck, nloaded; /* dl: the checks' diagnostics, then decoding's, then a record's */
    uint64_t records, header_records;
    etwcap_status status; /* what the caller's function returned last */
} job;

typedef struct visit {
    etwcap_reader *r;
    etwcap_visit_fn fn;
    etwcap_mutex *mu;
    etwcap_cond *work; /* workers wait for a queued job */
    etwcap_cond *done; /* the caller's thread waits for a finished one */
    int stop;
    int failed; /* the caller's function failed: no job is taken any more */
    etwcap_status fail_status;
    job *jobs;
    size_t njobs;
    uint64_t first, taken, end;
    size_t inflight;
    slot store; /* the caller's thread's decoding storage */
} visit;

typedef struct worker {
    visit *v;
    void *ctx;
    etwcap_thread *t;
    slot store; /* this thread's decoding storage */
} worker;

/* Decode the job's buffer into `store` and hand its records to fn(ctx).
 * Any thread; `store` is that thread's. */
static void job_run(visit *v, job *j, slot *store, void *ctx)
{
    if (!j->load)
        return;
    etwcap_slot_swap_storage(&j->sl, store);
    etwcap_slot_decode(&v->r->src, &j->sl);
    const int ok = etwcap_rd_buffer_loaded(&j->sl, &j->dl);
    j->nloaded = j->dl.n;
    if (!ok) {
        j->skipped = 1;
    } else {
        size_t pos = BUF_HDR;
        j->status = etwcap_rd_buffer_visit(v->r, &j->sl, &pos, &j->dl, &j->records,
                                           &j->header_records, v->fn, ctx);
    }
    j->sl.rec = NULL; /* the records were handed out; the bytes go back */
    etwcap_slot_swap_storage(&j->sl, store);
    if (store->cap > BUF_KEEP || store->zcap > BUF_KEEP)
        etwcap_slot_free_storage(store);
}

/* The oldest queued job, taken (lock held); NULL when none is queued or the
 * visit failed. */
static job *take_job(visit *v)
{
    if (v->failed || v->taken == v->end)
        return NULL;
    return &v->jobs[v->taken++ % v->njobs];
}

static void finish_job(visit *v, job *j)
{
    etwcap_mutex_lock(v->mu);
    j->done = 1;
    if (j->status != ETWCAP_OK && !v->failed) {
        v->failed = 1;
        v->fail_status = j->status;
    }
    etwcap_cond_signal(v->done); /* only the caller's thread waits for it */
    etwcap_mutex_unlock(v->mu);
}

static void worker_main(void *arg)
{
    worker *w = arg;
    visit *v = w->v;
    for (;;) {
        job *j = NULL;
        etwcap_mutex_lock(v->mu);
        while (!v->stop && !(j = take_job(v)))
            etwcap_cond_wait(v->work, v->mu);
        etwcap_mutex_unlock(v->mu);
        if (!j)
            return; /* stopped */
        job_run(v, j, &w->store, w->ctx);
        finish_job(v, j);
    }
}

/* Queue jobs for the next buffers while the ring and the budget allow
 * (caller's thread). Sets *walk_end when the walk has no more buffers. */
static void refill(visit *v, int *walk_end)
{
    etwcap_reader *r = v->r;
    uint64_t end = v->end; /* only this thread moves `end` */
    while (!*walk_end && end - v->first < v->njobs) {
        if (end != v->first && v->inflight >= INFLIGHT_MAX)
            break; /* the next waits for a retired one */
        job *j = &v->jobs[end % v->njobs];
        bufinfo b;
        chunk *ch = NULL;
        r->hold_walk = 1;
        int found = etwcap_rd_seq_next(r, &b, &ch);
        r->hold_walk = 0;
        if (!found) {
            *walk_end = 1;
            break;
        }
        j->sl.b = b;
        j->sl.ch = ch;
        j->sl.disk = etwcap_rd_disk_bytes(r, &b);
        j->dl.n = 0;
        j->load = etwcap_rd_buffer_check(r, &b, j->sl.disk, &j->dl);
        j->ncheck = j->nloaded = j->dl.n;
        j->compressed = j->load && (b.h.flags & BUF_FLAG_COMPRESSED);
        j->skipped = !j->load;
        j->records = j->header_records = 0;
        j->status = ETWCAP_OK;
        j->done = 0;
        /* A buffer in a chunk holds the chunk (one of its own when the
         * buffer is large); counting its bytes per buffer is an upper bound. */
        j->weight = (r->src.mem ? 0 : j->sl.disk) + (j->compressed ? b.h.offset : 0);
        v->inflight += j->weight;
        end++;
    }
    if (end == v->end)
        return;
    etwcap_mutex_lock(v->mu);
    v->end = end;
    etwcap_cond_broadcast(v->work);
    etwcap_mutex_unlock(v->mu);
}

/* Report a finished job as the iterator would have (caller's thread). */
static void retire(visit *v, job *j, etwcap_status *status)
{
    /* The same steps and order as take() and stream_parse_in_buffer(), so
     * that a diagnostic callback sees the same counters. */
    etwcap_reader *r = v->r;
    const int64_t index = (int64_t)j->sl.b.index;
    r->stats.buffers++;
    etwcap_rd_diag_flush(r, index, &j->dl, 0, j->ncheck);
    if (j->compressed)
        r->stats.buffers_compressed++;
    etwcap_rd_diag_flush(r, index, &j->dl, j->ncheck, j->nloaded);
    if (j->skipped)
        r->stats.buffers_skipped++;
    r->stats.records += j->records;
    r->stats.header_records += j->header_records;
    etwcap_rd_diag_flush(r, index, &j->dl, j->nloaded, j->dl.n);
    if (j->status != ETWCAP_OK && *status == ETWCAP_OK)
        *status = j->status;
    etwcap_rd_chunk_release(r, j->sl.ch);
    j->sl.ch = NULL;
    v->inflight -= j->weight;
}

/* The caller's thread: walk, run and retire until every buffer is retired
 * or `fn` failed. After a failure, the jobs before the failed one that are
 * done are retired; no thread takes another job. */
static etwcap_status visit_run(visit *v, void *ctx)
{
    int walk_end = 0, failed = 0;
    for (;;) {
        if (!failed)
            refill(v, &walk_end);
        if (v->first == v->end)
            return ETWCAP_OK; /* all retired */
        job *head = &v->jobs[v->first % v->njobs];
        job *mine = NULL;
        /* The oldest job first; while another thread has it, help. */
        etwcap_mutex_lock(v->mu);
        while (!head->done && !v->failed && !(mine = take_job(v)))
            etwcap_cond_wait(v->done, v->mu);
        const int head_done = head->done;
        failed = v->failed;
        const etwcap_status fail_status = v->fail_status;
        etwcap_mutex_unlock(v->mu);
        if (mine) {
            job_run(v, mine, &v->store, ctx);
            finish_job(v, mine);
            continue;
        }
        if (!head_done)
            return fail_status; /* a job further on failed */
        etwcap_status status = ETWCAP_OK;
        retire(v, head, &status);
        v->first++;
        if (status != ETWCAP_OK)
            return status;
    }
}

static void visit_free(visit *v)
{
    /* Jobs hold chunks, not storage: they decode into a thread's store. */
    for (size_t i = 0; v->jobs && i < v->njobs; i++)
        etwcap_rd_chunk_release(v->r, v->jobs[i].sl.ch);
    free(v->jobs);
    etwcap_slot_free_storage(&v->store);
    etwcap_cond_free(v->done);
    etwcap_cond_free(v->work);
    etwcap_mutex_free(v->mu);
}

size_t etwcap_reader_threads(const etwcap_reader *r)
{
    size_t n = r->threads ? r->threads : etwcap_cpu_count();
    return n > 256 ? 256 : n ? n : 1;
}

/* In order, on the caller's thread. */
static etwcap_status visit_serial(etwcap_reader *r, etwcap_visit_fn fn, void *ctx)
{
    etwcap_event ev;
    etwcap_status st;
    while ((st = etwcap_reader_next(r, &ev)) == ETWCAP_OK)
        if ((st = fn(ctx, &ev)) != ETWCAP_OK)
            return st;
    return st == ETWCAP_END ? ETWCAP_OK : st;
}

etwcap_status etwcap_reader_visit(etwcap_reader *r, etwcap_visit_fn fn, void *const *ctxs,
                                  size_t nctx)
{
    if (!r || !fn || !ctxs || nctx == 0)
        return ETWCAP_ERR_ARG;
    size_t n = etwcap_reader_threads(r);
    if (n > nctx)
        n = nctx;
    if (!r->no_merge)
        return visit_serial(r, fn, ctxs[0]);
    if (n <= 1)
        return etwcap_rd_visit_in_order(r, fn, ctxs[0]);

    /* What the iterator holds already (at least the record parsed at
     * open), in order; then its workers are no longer needed. */
    r->visiting = 1;
    r->workers_checked = 1;
    etwcap_event ev;
    while (etwcap_rd_next_held(r, &ev)) {
        etwcap_status st = fn(ctxs[0], &ev);
        if (st != ETWCAP_OK)
            return st;
    }
    etwcap_pool_stop(&r->pool);
    if (r->streams[0].exhausted)
        return ETWCAP_OK;

    visit v;
    memset(&v, 0, sizeof v);
    v.r = r;
    v.fn = fn;
    v.njobs = JOBS_PER_THREAD * n < POOL_SLOTS_MAX ? JOBS_PER_THREAD * n : POOL_SLOTS_MAX;
    worker *ws = calloc(n - 1, sizeof *ws);
    v.jobs = calloc(v.njobs, sizeof *v.jobs);
    if (!ws || !v.jobs || etwcap_mutex_create(&v.mu) != 0 || etwcap_cond_create(&v.work) != 0 ||
        etwcap_cond_create(&v.done) != 0) {
        /* Out of memory only costs the threads: the output is the same. */
        free(ws);
        visit_free(&v);
        return visit_serial(r, fn, ctxs[0]);
    }
    size_t started = 0;
    for (; started < n - 1; started++) {
        ws[started].v = &v;
        ws[started].ctx = ctxs[started + 1];
        if (etwcap_thread_start(&ws[started].t, worker_main, &ws[started]) != 0)
            break;
    }
    etwcap_status st = visit_run(&v, ctxs[0]);
    /* Workers finish the job they hold, then leave; queued jobs stay. */
    etwcap_mutex_lock(v.mu);
    v.stop = 1;
    etwcap_cond_broadcast(v.work);
    etwcap_mutex_unlock(v.mu);
    for (size_t i = 0; i < started; i++) {
        etwcap_thread_join(ws[i].t);
        etwcap_slot_free_storage(&ws[i].store);
    }
    free(ws);
    visit_free(&v);
    r->streams[0].exhausted = 1;
    if (st == ETWCAP_OK)
        etwcap_rd_release_held(r); /* a bad header ended the walk */
    else
        r->has_held = 0; /* the iterator would not have got that far */
    return st;
}
