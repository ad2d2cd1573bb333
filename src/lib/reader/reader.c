/* reader.c - streaming .etl reader with a per-CPU k-way merge.
 *
 * An .etl file is a concatenation of buffers (etl-format.md §1.1). Each CPU
 * owns its buffers, so records are time-ordered within one CPU's sequence of
 * buffers but not across the file (§1.7). The reader keeps one stream per
 * CPU; each stream holds one decoded buffer and the next record to deliver,
 * and a binary heap picks the stream whose next record is earliest.
 *
 * Ties are broken by (buffer index, offset in buffer), which is file order:
 * the merge is stable and deterministic.
 *
 * Finding buffers (which buffer each stream reads next) is reader_find.c.
 *
 * Threads. With options.threads > 1, worker threads decompress (in time
 * order: also read) upcoming buffers of each stream while the caller's thread
 * merges; everything the caller sees - events, diagnostics, their order, the
 * counters - is what a single thread gives. Callers that need no order can
 * have every thread parse and consume whole buffers too (reader_visit.c).
 *
 * Memory: per stream one decoded buffer plus its look-ahead, the index
 * window, a few chunks; never proportional to the file size.
 */
#include "etwcap/reader.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/bytes.h"
#include "reader/logfile.h"
#include "reader/reader_internal.h"
#include "reader/record.h"

void etwcap_rd_diag(etwcap_reader *r, etwcap_status st, int64_t buf_index, uint64_t offset,
                    const char *fmt, ...)
{
    etwcap_diag d;
    d.status = st;
    d.buffer_index = buf_index;
    d.offset = offset;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(d.message, sizeof d.message, fmt, ap);
    va_end(ap);
    if (r->hold_walk) {
        /* The walk stops at a bad header: there is only ever one. */
        r->held = d;
        r->has_held = 1;
        return;
    }
    if (r->ndiags < ETWCAP_READER_MAX_DIAGS)
        r->diags[r->ndiags] = d;
    r->ndiags++;
    if (r->on_diag)
        r->on_diag(&d, r->diag_payload);
}

void etwcap_rd_release_held(etwcap_reader *r)
{
    if (!r->has_held)
        return;
    r->has_held = 0;
    etwcap_rd_diag(r, r->held.status, r->held.buffer_index, r->held.offset, "%s", r->held.message);
}

/* ---- one buffer, shared by the iterator and the visit --------------------- */

static void diag_add(buf_diags *l, etwcap_status st, uint64_t offset, const char *fmt, ...)
{
    if (l->n >= BUF_DIAGS_MAX)
        return; /* cannot happen: a buffer has at most BUF_DIAGS_MAX steps that report */
    slot_diag *d = &l->d[l->n++];
    d->status = st;
    d->offset = offset;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(d->message, sizeof d->message, fmt, ap);
    va_end(ap);
}

void etwcap_rd_diag_flush(etwcap_reader *r, int64_t buf_index, const buf_diags *l, int from, int to)
{
    for (int i = from; i < to; i++)
        etwcap_rd_diag(r, l->d[i].status, buf_index, l->d[i].offset, "%s", l->d[i].message);
}

int etwcap_rd_buffer_check(const etwcap_reader *r, const bufinfo *b, size_t disk, buf_diags *l)
{
    const uint64_t off = b->off;
    if (r->src.size - off < b->h.size)
        diag_add(l, ETWCAP_ERR_FORMAT, off, "truncated buffer: %u bytes declared, %zu present",
                 b->h.size, disk);
    if (!(b->h.flags & BUF_FLAG_COMPRESSED))
        return 1;
    if (b->h.compression != COMPRESSION_LZ77) {
        diag_add(l, ETWCAP_ERR_UNSUPPORTED, off,
                 "unsupported compression format %u (only 3, plain LZ77, is known)",
                 b->h.compression);
        return 0;
    }
    if (b->h.offset < BUF_HDR || b->h.offset > BUF_MAX_DECODED) {
        diag_add(l, ETWCAP_ERR_FORMAT, off, "compressed buffer declares %u bytes of data",
                 b->h.offset);
        return 0;
    }
    return 1;
}

int etwcap_rd_buffer_loaded(const slot *sl, buf_diags *l)
{
    if (sl->nomem) {
        diag_add(l, ETWCAP_ERR_NOMEM, sl->b.off, "out of memory for a %u-byte buffer",
                 sl->b.h.size);
        return 0;
    }
    if (sl->read_error) {
        diag_add(l, ETWCAP_ERR_IO, sl->b.off, "read error in buffer");
        return 0;
    }
    if (sl->has_diag)
        diag_add(l, sl->diag.status, sl->diag.offset, "%s", sl->diag.message);
    return 1;
}

int etwcap_rd_buffer_record(const slot *sl, size_t *pos, etwcap_event *ev, buf_diags *l)
{
    const size_t end = sl->end, at = *pos;
    if (end == 0 || at + 4 > end)
        return 0;
    uint32_t size = 0;
    const char *why = NULL;
    etwcap_record_result rr = etwcap_record_parse(sl->rec + at, end - at, ev, &size, &why);
    if (rr == ETWCAP_RECORD_OK) {
        ev->cpu = sl->b.h.cpu;
        ev->buffer_offset = sl->b.off;
        ev->buffer_index = (uint32_t)sl->b.index;
        ev->record_offset = (uint32_t)at;
        *pos = etwcap_align8(at + size);
        return 1;
    }
    if (rr == ETWCAP_RECORD_CORRUPT) {
        /* In a compressed buffer the record has no file offset of its own. */
        if (sl->b.h.flags & BUF_FLAG_COMPRESSED)
            diag_add(l, ETWCAP_ERR_FORMAT, sl->b.off,
                     "record at offset 0x%zx of the decompressed buffer: %s", at, why);
        else
            diag_add(l, ETWCAP_ERR_FORMAT, sl->b.off + at, "record: %s", why);
    }
    *pos = end; /* END or CORRUPT: no more records */
    return 0;
}

void etwcap_rd_event_done(const etwcap_reader *r, etwcap_event *ev, uint64_t *records,
                          uint64_t *header_records)
{
    if (r->have_info)
        ev->filetime = etwcap_logfile_to_filetime(&r->info, ev->timestamp);
    else
        ev->filetime = ev->timestamp;
    (*records)++;
    if (etwcap_logfile_is_header(ev))
        (*header_records)++;
}

static etwcap_status start_workers(etwcap_reader *r, uint32_t threads);

/* ---- taking buffers ------------------------------------------------------- */

size_t etwcap_rd_disk_bytes(const etwcap_reader *r, const bufinfo *b)
{
    uint64_t avail = r->src.size - b->off;
    return avail < b->h.size ? (size_t)avail : b->h.size;
}

static void slot_reset(etwcap_reader *r, slot *sl)
{
    etwcap_rd_chunk_release(r, sl->ch);
    sl->ch = NULL;
    sl->rec = NULL;
    sl->end = 0;
}

/* Queue decoding of the stream's upcoming buffers on the workers. */
static void schedule(etwcap_reader *r, stream *s)
{
    if (!r->pool.nthreads || r->visiting)
        return;
    while (s->pflen < r->pf_depth && r->slot_free) {
        bufinfo b;
        chunk *ch = NULL;
        if (r->no_merge) {
            r->hold_walk = 1;
            int found = etwcap_rd_seq_next(r, &b, &ch);
            r->hold_walk = 0;
            if (!found)
                return;
        } else if (!etwcap_rd_merge_next(r, s, &b, 0)) {
            return;
        }
        s->search_off = b.off + b.h.size;
        s->search_index = b.index + 1;
        slot *sl = r->slot_free;
        r->slot_free = sl->next;
        sl->next = NULL;
        sl->b = b;
        sl->ch = ch;
        sl->disk = etwcap_rd_disk_bytes(r, &b);
        sl->state = SLOT_IDLE;
        const int compressed = (b.h.flags & BUF_FLAG_COMPRESSED) != 0;
        /* Worth a worker: decompression, or a read of its own. */
        sl->decode = compressed ? b.h.compression == COMPRESSION_LZ77 && b.h.offset >= BUF_HDR &&
                                      b.h.offset <= PF_MAX_DECODED
                                : !ch && !r->src.mem;
        if (sl->decode)
            etwcap_pool_submit(&r->pool, sl);
        s->pf[(s->pfhead + s->pflen) % PF_MAX] = sl;
        s->pflen++;
    }
}

/* Decode `sl` here, or collect it from the workers when it was queued (its
 * state is then read under the pool's lock only). */
static void obtain(etwcap_reader *r, slot *sl)
{
    if (sl->decode)
        etwcap_pool_finish(&r->pool, sl);
    else
        etwcap_slot_decode(&r->src, sl);
}

/* Take the buffer `b` (in `pf` when it was decoded ahead, else in s->cur)
 * into the stream, with the checks and diagnostics of loading it. Returns 1
 * when records are ready, 0 when the buffer had to be skipped. */
static int take(etwcap_reader *r, stream *s, slot *pf)
{
    slot *sl = pf ? pf : &s->cur;
    const bufinfo *b = &sl->b;
    const int64_t index = (int64_t)b->index;
    buf_diags dl;
    dl.n = 0;
    r->stats.buffers++;
    int ok = etwcap_rd_buffer_check(r, b, sl->disk, &dl);
    etwcap_rd_diag_flush(r, index, &dl, 0, dl.n);
    dl.n = 0;
    if (!ok)
        goto skip;
    size_t grow = 0;
    const int compressed = (b->h.flags & BUF_FLAG_COMPRESSED) != 0;
    if (compressed) {
        /* Only in time order: one stream's buffers never reach the budget. */
        grow = b->h.offset > s->vcap ? b->h.offset - s->vcap : 0;
        if (grow > DECODED_BUDGET - r->decoded) {
            etwcap_rd_diag(
                r, ETWCAP_ERR_FORMAT, index, b->off,
                "compressed buffer declares %u bytes of data; the decompressed buffers of "
                "all CPUs would exceed %u MiB",
                b->h.offset, (unsigned)(DECODED_BUDGET >> 20));
            goto skip;
        }
        r->stats.buffers_compressed++;
    }
    obtain(r, sl);
    if (!sl->nomem) {
        if (compressed) {
            r->decoded += grow;
            if (b->h.offset > s->vcap)
                s->vcap = b->h.offset;
        } else if (sl->disk > s->vcap) {
            s->vcap = sl->disk;
        }
    }
    ok = etwcap_rd_buffer_loaded(sl, &dl);
    etwcap_rd_diag_flush(r, index, &dl, 0, dl.n);
    if (!ok)
        goto skip;
    if (pf) {
        /* The stream's old storage goes back to the pool with the slot. */
        const int own = pf->rec == pf->data; /* decoded into the slot's storage */
        etwcap_slot_swap_storage(&s->cur, pf);
        s->cur.b = pf->b;
        s->cur.disk = pf->disk;
        s->cur.ch = pf->ch;
        s->cur.rec = own ? s->cur.data : pf->rec;
        s->cur.end = pf->end;
        pf->ch = NULL;
    }
    s->pos = BUF_HDR;
    return 1;
skip:
    r->stats.buffers_skipped++;
    if (pf && pf->decode)
        etwcap_pool_finish(&r->pool, pf); /* a worker may have it */
    return 0;
}

/* Find and load the stream's next buffer. Returns 1 when loaded, 0 when the
 * stream has no more buffers. */
static int stream_next_buffer(etwcap_reader *r, stream *s)
{
    for (;;) {
        slot_reset(r, &s->cur);
        slot *pf = NULL;
        if (s->pflen) {
            pf = s->pf[s->pfhead];
            s->pfhead = (s->pfhead + 1) % PF_MAX;
            s->pflen--;
        } else {
            bufinfo b;
            chunk *ch = NULL;
            int found =
                r->no_merge ? etwcap_rd_seq_next(r, &b, &ch) : etwcap_rd_merge_next(r, s, &b, 1);
            if (!found) {
                etwcap_rd_release_held(r); /* after every buffer before it */
                s->exhausted = 1;
                return 0;
            }
            s->search_off = b.off + b.h.size;
            s->search_index = b.index + 1;
            if (r->lazy_scan && !r->workers_checked && (b.h.flags & BUF_FLAG_COMPRESSED)) {
                /* The walk has counted this buffer, so start_workers sees a
                 * compressed one. Out of memory only means no workers: the
                 * output is the same. */
                r->workers_checked = 1;
                (void)start_workers(r, r->threads);
            }
            s->cur.b = b;
            s->cur.ch = ch;
            s->cur.disk = etwcap_rd_disk_bytes(r, &b);
            s->cur.state = SLOT_IDLE;
            s->cur.decode = 0;
        }
        int ok = take(r, s, pf);
        if (pf) {
            slot_reset(r, pf);
            pf->decode = 0;
            pf->state = SLOT_FREE;
            pf->next = r->slot_free;
            r->slot_free = pf;
        }
        schedule(r, s);
        if (ok)
            return 1;
    }
}

/* The next record of the stream's current buffer into `ev`; 0 when the
 * buffer has no more. */
static int stream_parse_in_buffer(etwcap_reader *r, stream *s, etwcap_event *ev)
{
    buf_diags dl;
    dl.n = 0;
    if (etwcap_rd_buffer_record(&s->cur, &s->pos, ev, &dl))
        return 1;
    etwcap_rd_diag_flush(r, (int64_t)s->cur.b.index, &dl, 0, dl.n);
    return 0;
}

/* Parse the stream's next record into `ev`, loading buffers as needed.
 * Returns 1 with `ev` filled, 0 when the stream is exhausted. */
static int stream_parse_next(etwcap_reader *r, stream *s, etwcap_event *ev)
{
    while (!s->exhausted) {
        if (stream_parse_in_buffer(r, s, ev))
            return 1;
        s->cur.end = 0;
        stream_next_buffer(r, s);
    }
    return 0;
}

static void stream_advance(etwcap_reader *r, stream *s)
{
    s->has_head = stream_parse_next(r, s, &s->head);
}

/* Heap order: timestamp, then buffer index, then offset in the buffer. */
static int head_before(const stream *a, const stream *b)
{
    if (a->head.timestamp != b->head.timestamp)
        return a->head.timestamp < b->head.timestamp;
    if (a->cur.b.index != b->cur.b.index)
        return a->cur.b.index < b->cur.b.index;
    return a->head.record_offset < b->head.record_offset;
}

static void heap_sift_down(etwcap_reader *r, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, m = i;
        if (l < r->heap_len && head_before(&r->streams[r->heap[l]], &r->streams[r->heap[m]]))
            m = l;
        if (l + 1 < r->heap_len &&
            head_before(&r->streams[r->heap[l + 1]], &r->streams[r->heap[m]]))
            m = l + 1;
        if (m == i)
            return;
        size_t t = r->heap[i];
        r->heap[i] = r->heap[m];
        r->heap[m] = t;
        i = m;
    }
}

static void heap_sift_up(etwcap_reader *r, size_t i)
{
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (!head_before(&r->streams[r->heap[i]], &r->streams[r->heap[p]]))
            return;
        size_t t = r->heap[i];
        r->heap[i] = r->heap[p];
        r->heap[p] = t;
        i = p;
    }
}

/* Worker threads for `threads` (0: one per processor), when they have
 * something to do: decompression. (Reading alone is not worth it: waking a
 * worker for each buffer costs more than the read.) */
static etwcap_status start_workers(etwcap_reader *r, uint32_t threads)
{
    size_t n = threads ? threads : etwcap_cpu_count();
    if (n > 256)
        n = 256;
    if (n <= 1 || r->stats.file_buffers_compressed == 0)
        return ETWCAP_OK;
    /* Enough look-ahead that a worker seldom runs out of work and sleeps. */
    size_t depth = r->no_merge ? 4 * n : 4;
    if (depth > PF_MAX)
        depth = PF_MAX;
    size_t nslots = r->no_merge ? depth : depth * r->nstreams + 2 * n;
    if (nslots > POOL_SLOTS_MAX)
        nslots = POOL_SLOTS_MAX;
    r->slots = calloc(nslots, sizeof *r->slots);
    if (!r->slots)
        return ETWCAP_ERR_NOMEM;
    r->nslots = nslots;
    for (size_t i = nslots; i-- > 0;) {
        r->slots[i].next = r->slot_free;
        r->slot_free = &r->slots[i];
    }
    r->pf_depth = depth;
    /* The caller's thread decodes too (what no worker has started yet). */
    etwcap_pool_start(&r->pool, &r->src, n - 1);
    return ETWCAP_OK;
}

static etwcap_status reader_init(etwcap_reader *r, const etwcap_reader_options *opts,
                                 etwcap_diag *diag)
{
    uint32_t threads = 1;
    if (opts) {
        r->no_merge = opts->no_merge;
        r->on_diag = opts->on_diag;
        r->diag_payload = opts->diag_payload;
        if (opts->version >= 2)
            threads = opts->threads;
        if (opts->version >= 3)
            r->lazy_scan = opts->no_merge && opts->lazy_scan;
    }
    r->threads = threads;
    r->pending = SIZE_MAX;
    etwcap_status st = etwcap_rd_scan(r);
    if (st != ETWCAP_OK)
        return st;
    if (r->nstreams == 0) {
        if (diag) {
            diag->status = ETWCAP_ERR_FORMAT;
            diag->buffer_index = 0;
            diag->offset = 0;
            snprintf(diag->message, sizeof diag->message,
                     r->src.size == 0 ? "empty file"
                                      : "no valid trace buffer at the start of the file");
        }
        return ETWCAP_ERR_FORMAT;
    }
    r->heap = malloc(r->nstreams * sizeof *r->heap);
    if (!r->heap)
        return ETWCAP_ERR_NOMEM;
    /* With lazy_scan, nothing is known of compression yet: workers start
     * at the first compressed buffer (stream_next_buffer). */
    if (!r->lazy_scan && (st = start_workers(r, threads)) != ETWCAP_OK)
        return st;
    for (size_t i = 0; i < r->nstreams; i++) {
        stream_advance(r, &r->streams[i]);
        if (r->streams[i].has_head) {
            r->heap[r->heap_len] = i;
            heap_sift_up(r, r->heap_len++);
        }
    }
    /* The log-file header is the first record of the first buffer (§1.8);
     * with it, timestamps can be converted to UTC. */
    for (size_t i = 0; i < r->nstreams; i++) {
        stream *s = &r->streams[i];
        if (s->has_head && s->head.buffer_index == 0 && s->head.record_offset == BUF_HDR) {
            const char *why = NULL;
            if (etwcap_logfile_is_header(&s->head)) {
                if (etwcap_logfile_parse(&s->head, &r->info, &why) == 0)
                    r->have_info = 1;
                else
                    etwcap_rd_diag(r, ETWCAP_ERR_FORMAT, 0, BUF_HDR, "%s", why);
            }
        }
    }
    if (!r->have_info)
        etwcap_rd_diag(r, ETWCAP_ERR_FORMAT, 0, BUF_HDR,
                       "the first record is not a readable log-file header; times stay raw");
    return ETWCAP_OK;
}

static void fail_diag(etwcap_diag *diag, etwcap_status st, const char *msg)
{
    if (!diag)
        return;
    diag->status = st;
    diag->buffer_index = -1;
    diag->offset = 0;
    snprintf(diag->message, sizeof diag->message, "%s", msg);
}

static char *dup_str(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = malloc(n);
    if (p)
        memcpy(p, s, n);
    return p;
}

etwcap_status etwcap_reader_open(etwcap_reader **out, const char *path,
                                 const etwcap_reader_options *opts, etwcap_diag *diag)
{
    *out = NULL;
    etwcap_reader *r = calloc(1, sizeof *r);
    if (!r || !(r->path = dup_str(path))) {
        free(r);
        fail_diag(diag, ETWCAP_ERR_NOMEM, "out of memory");
        return ETWCAP_ERR_NOMEM;
    }
    char why[160];
    if (etwcap_file_open(&r->src.file, path, why, sizeof why) != 0) {
        fail_diag(diag, ETWCAP_ERR_IO, why);
        etwcap_reader_close(r);
        return ETWCAP_ERR_IO;
    }
    int64_t sz = etwcap_file_size(r->src.file);
    if (sz < 0) {
        fail_diag(diag, ETWCAP_ERR_IO, "cannot get the file size");
        etwcap_reader_close(r);
        return ETWCAP_ERR_IO;
    }
    r->src.size = (uint64_t)sz;
    etwcap_status st = reader_init(r, opts, diag);
    if (st != ETWCAP_OK) {
        if (st == ETWCAP_ERR_NOMEM)
            fail_diag(diag, st, "out of memory");
        etwcap_reader_close(r);
        return st;
    }
    *out = r;
    return ETWCAP_OK;
}

etwcap_status etwcap_reader_open_memory(etwcap_reader **out, const void *data, size_t size,
                                        const char *name, const etwcap_reader_options *opts,
                                        etwcap_diag *diag)
{
    *out = NULL;
    etwcap_reader *r = calloc(1, sizeof *r);
    if (!r || !(r->path = dup_str(name ? name : "<memory>"))) {
        free(r);
        fail_diag(diag, ETWCAP_ERR_NOMEM, "out of memory");
        return ETWCAP_ERR_NOMEM;
    }
    r->src.mem = data;
    r->src.size = size;
    etwcap_status st = reader_init(r, opts, diag);
    if (st != ETWCAP_OK) {
        if (st == ETWCAP_ERR_NOMEM)
            fail_diag(diag, st, "out of memory");
        etwcap_reader_close(r);
        return st;
    }
    *out = r;
    return ETWCAP_OK;
}

/* *dst = *src without the unused extended-item slots; the shortcuts point
 * into dst. */
static void event_copy(etwcap_event *dst, const etwcap_event *src)
{
    memcpy(dst, src, offsetof(etwcap_event, ext));
    if (src->ext_count)
        memcpy(dst->ext, src->ext, src->ext_count * sizeof src->ext[0]);
    memcpy(&dst->x, &src->x, sizeof *dst - offsetof(etwcap_event, x));
    if (src->x.stack)
        dst->x.stack = &dst->ext[src->x.stack - src->ext];
    if (src->x.stack_key)
        dst->x.stack_key = &dst->ext[src->x.stack_key - src->ext];
}

static void deliver(etwcap_reader *r, etwcap_event *ev)
{
    etwcap_rd_event_done(r, ev, &r->stats.records, &r->stats.header_records);
}

int etwcap_rd_next_held(etwcap_reader *r, etwcap_event *ev)
{
    stream *s = &r->streams[0];
    for (;;) {
        if (s->has_head) {
            event_copy(ev, &s->head);
            s->has_head = 0;
        } else if (s->exhausted || !stream_parse_in_buffer(r, s, ev)) {
            if (s->exhausted || s->pflen == 0)
                return 0;
            /* The next buffer decoded ahead (a skipped one makes the
             * iterator go on to the one after it: the visit goes on
             * from there). */
            s->cur.end = 0;
            stream_next_buffer(r, s);
            continue;
        }
        deliver(r, ev);
        return 1;
    }
}

/* The work per record is small (a header parsed, a count), so the calls
 * this loop makes are inlined (RD_FLATTEN). With link-time optimization
 * (Release) that reaches the record parser in other files, and the caller's
 * function when the program passes only one: about 20% fewer instructions
 * per record for `stats`. The records are counted in locals and added to
 * the caller's counters once: with several threads those counters lie in
 * the visit's job array, where a counter at the end of one job can share a
 * cache line with the start of the next job's slot, which another thread
 * reads for every record (false sharing: `stats --threads 2` was 8-20%
 * slower, depending on where the heap put the array; issue #8). */
RD_FLATTEN etwcap_status etwcap_rd_buffer_visit(const etwcap_reader *r, const slot *sl, size_t *pos,
                                                buf_diags *dl, uint64_t *records,
                                                uint64_t *header_records, etwcap_visit_fn fn,
                                                void *ctx)
{
    etwcap_event ev;
    etwcap_status st = ETWCAP_OK;
    uint64_t n = 0, nh = 0;
    while (etwcap_rd_buffer_record(sl, pos, &ev, dl)) {
        etwcap_rd_event_done(r, &ev, &n, &nh);
        if ((st = fn(ctx, &ev)) != ETWCAP_OK)
            break;
    }
    *records += n;
    *header_records += nh;
    return st;
}

/* The iterator's steps (etwcap_reader_next, stream_parse_next) with the
 * records of a buffer handed out in one loop: no call chain per event. */
etwcap_status etwcap_rd_visit_in_order(etwcap_reader *r, etwcap_visit_fn fn, void *ctx)
{
    stream *s = &r->streams[0];
    etwcap_event ev;
    etwcap_status st;
    if (s->has_head) {
        event_copy(&ev, &s->head);
        s->has_head = 0;
        deliver(r, &ev);
        if ((st = fn(ctx, &ev)) != ETWCAP_OK)
            return st;
    }
    while (!s->exhausted) {
        buf_diags dl;
        dl.n = 0;
        st = etwcap_rd_buffer_visit(r, &s->cur, &s->pos, &dl, &r->stats.records,
                                    &r->stats.header_records, fn, ctx);
        if (st != ETWCAP_OK)
            return st;
        etwcap_rd_diag_flush(r, (int64_t)s->cur.b.index, &dl, 0, dl.n);
        s->cur.end = 0;
        stream_next_buffer(r, s);
    }
    return ETWCAP_OK;
}

etwcap_status etwcap_reader_next(etwcap_reader *r, etwcap_event *ev)
{
    if (r->no_merge) {
        /* One stream in file order: records are parsed straight into `ev`
         * (only the first one was parsed at open). */
        stream *s = &r->streams[0];
        if (s->has_head) {
            event_copy(ev, &s->head);
            s->has_head = 0;
        } else if (!stream_parse_next(r, s, ev)) {
            return ETWCAP_END;
        }
        deliver(r, ev);
        return ETWCAP_OK;
    }
    /* The stream delivered last time is advanced only now, because the event
     * handed out then pointed into its buffer. */
    if (r->pending != SIZE_MAX) {
        stream *s = &r->streams[r->pending];
        stream_advance(r, s);
        if (s->has_head) {
            r->heap[0] = r->pending;
            heap_sift_down(r, 0);
        } else {
            r->heap[0] = r->heap[--r->heap_len];
            heap_sift_down(r, 0);
        }
        r->pending = SIZE_MAX;
    }
    if (r->heap_len == 0)
        return ETWCAP_END;
    size_t i = r->heap[0];
    event_copy(ev, &r->streams[i].head);
    deliver(r, ev);
    r->pending = i;
    return ETWCAP_OK;
}

const etwcap_logfile_info *etwcap_reader_info(const etwcap_reader *r)
{
    return r->have_info ? &r->info : NULL;
}

const etwcap_reader_stats *etwcap_reader_stats_get(const etwcap_reader *r)
{
    return &r->stats;
}

const char *etwcap_reader_path(const etwcap_reader *r)
{
    return r->path;
}

size_t etwcap_reader_diag_count(const etwcap_reader *r)
{
    return r->ndiags;
}

const etwcap_diag *etwcap_reader_diag_get(const etwcap_reader *r, size_t i)
{
    return i < r->ndiags && i < ETWCAP_READER_MAX_DIAGS ? &r->diags[i] : NULL;
}

void etwcap_reader_close(etwcap_reader *r)
{
    if (!r)
        return;
    /* Workers first: they may still be decoding into slots. */
    etwcap_pool_stop(&r->pool);
    for (size_t i = 0; i < r->nslots; i++) {
        slot_reset(r, &r->slots[i]);
        etwcap_slot_free_storage(&r->slots[i]);
    }
    free(r->slots);
    for (size_t i = 0; i < r->nstreams; i++) {
        slot_reset(r, &r->streams[i].cur);
        etwcap_slot_free_storage(&r->streams[i].cur);
        free(r->streams[i].known);
    }
    free(r->streams);
    etwcap_rd_chunk_release(r, r->seq);
    while (r->chunk_free) {
        chunk *c = r->chunk_free;
        r->chunk_free = c->next_free;
        free(c->mem);
        free(c);
    }
    free(r->walk_blk.mem);
    free(r->cpu_stream);
    free(r->heap);
    etwcap_file_close(r->src.file);
    free(r->path);
    free(r);
}
