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
 * Finding buffers. Opening reads every buffer header once (the scan). In
 * time order, the headers met by one walk in file order are handed to the
 * streams of their CPUs: each stream keeps a queue of its upcoming buffers
 * (the index window). The queues together hold at most KNOWN_CAP entries; a
 * stream whose next buffer lies beyond a full window looks for it on its
 * own. Headers are read in blocks when buffers are small. In file order
 * (no_merge), buffers are read in chunks of CHUNK_SIZE bytes; a buffer that
 * needs no decompression is parsed where it lies in the chunk.
 *
 * Threads. With options.threads > 1, worker threads decompress (in time
 * order: also read) upcoming buffers of each stream while the caller's thread
 * merges; everything the caller sees - events, diagnostics, their order, the
 * counters - is what a single thread gives.
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

#define CHUNK_SIZE (1u << 20)     /* sequential reads in file order */
#define HBLOCK_SIZE (256u << 10)  /* header reads when buffers are small */
#define HBLOCK_SMALL (32u << 10)  /* "small": below this, read headers in blocks */
#define KNOWN_CAP 16384u          /* index window: buffers found ahead, all streams */
#define PF_MAX 16u                /* buffers decoded ahead per stream, at most */
#define POOL_SLOTS_MAX 64u        /* buffers decoded ahead, all streams */
#define PF_MAX_DECODED (4u << 20) /* larger buffers are decoded on demand only */
#define CHUNK_FREE_MAX 4u

/* Buffer headers read in blocks (see HBLOCK_SMALL). */
typedef struct hblock {
    uint8_t *mem;
    uint64_t off;
    size_t len;
    uint32_t prev_size; /* size of the buffer read last */
} hblock;

typedef struct stream {
    uint32_t cpu;
    /* Upcoming buffers of this stream found by the walk (merge), oldest first. */
    bufinfo *known;
    size_t kcap, khead, klen;
    /* Where the search for the next buffer begins: after the last one taken. */
    uint64_t search_off, search_index;
    /* Buffers being decoded ahead, oldest first. */
    slot *pf[PF_MAX];
    size_t pfhead, pflen;
    slot cur; /* the buffer being read */
    uint32_t cur_cpu;
    size_t pos; /* offset of the record after `head` */
    int has_head;
    int exhausted;
    size_t vcap; /* decoded-buffer capacity one buffer per stream would need (the budget) */
    etwcap_event head;
} stream;

struct etwcap_reader {
    char *path;
    rd_source src;
    uint64_t scan_end; /* offset after the last buffer whose header is sane */
    int no_merge;

    etwcap_logfile_info info;
    int have_info;
    etwcap_reader_stats stats;

    stream *streams;
    size_t nstreams;
    int32_t *cpu_stream; /* CPU -> stream (merge) */
    size_t *heap;        /* indices into streams, min-heap by head order */
    size_t heap_len;
    size_t pending; /* stream to advance before the next pop, or SIZE_MAX */
    size_t decoded; /* bytes the decompressed buffers of all streams would take */

    /* The walk over headers in file order (merge). */
    hblock walk_blk;
    uint64_t walk_off, walk_index;
    int walk_done;
    size_t known_total;

    /* Chunks in file order (no_merge). */
    chunk *seq;
    chunk *chunk_free;
    size_t nchunk_free;
    uint64_t seq_off, seq_index;

    /* Decoding ahead. */
    rd_pool pool;
    slot *slots;
    size_t nslots;
    slot *slot_free;
    size_t pf_depth;

    etwcap_diag diags[ETWCAP_READER_MAX_DIAGS];
    size_t ndiags;
    etwcap_diag_cb on_diag;
    void *diag_payload;
};

static void add_diag(etwcap_reader *r, etwcap_status st, int64_t buf_index, uint64_t offset,
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
    if (r->ndiags < ETWCAP_READER_MAX_DIAGS)
        r->diags[r->ndiags] = d;
    r->ndiags++;
    if (r->on_diag)
        r->on_diag(&d, r->diag_payload);
}

/* Read and sanity-check the buffer header at `off`, through `hb` when given.
 * Returns 1 for a usable buffer, 0 at a clean end of file, -1 when the
 * header cannot be trusted (the walk cannot continue past it). Diagnostics
 * are added only when `report`. */
static int read_buf_hdr(etwcap_reader *r, hblock *hb, uint64_t off, uint64_t index, buf_hdr *b,
                        int report)
{
    uint8_t one[BUF_HDR];
    const uint8_t *h = NULL;
    if (off >= r->src.size)
        return 0;
    if (r->src.mem) {
        if (r->src.size - off >= BUF_HDR)
            h = r->src.mem + off;
    } else if (hb && hb->len >= BUF_HDR && off >= hb->off && off - hb->off <= hb->len - BUF_HDR) {
        h = hb->mem + (off - hb->off);
    }
    if (!h) {
        int64_t got;
        if (r->src.mem) {
            got = (int64_t)(r->src.size - off);
        } else if (hb && hb->prev_size && hb->prev_size < HBLOCK_SMALL &&
                   (hb->mem || (hb->mem = malloc(HBLOCK_SIZE)) != NULL)) {
            hb->len = 0;
            got = etwcap_rd_read_at(&r->src, off, hb->mem, HBLOCK_SIZE);
            if (got >= (int64_t)BUF_HDR) {
                hb->off = off;
                hb->len = (size_t)got;
                h = hb->mem;
            }
        } else {
            got = etwcap_rd_read_at(&r->src, off, one, BUF_HDR);
            h = one;
        }
        if (got < 0) {
            if (report)
                add_diag(r, ETWCAP_ERR_IO, (int64_t)index, off, "read error in buffer header");
            return -1;
        }
        if ((size_t)got < BUF_HDR) {
            if (report)
                add_diag(r, ETWCAP_ERR_FORMAT, (int64_t)index, off,
                         "truncated buffer header: %lld of %u bytes present", (long long)got,
                         BUF_HDR);
            return -1;
        }
    }
    etwcap_parse_buf_hdr(h, b);
    if (hb)
        hb->prev_size = b->size;
    if (b->size < BUF_HDR || b->size > BUF_MAX_SIZE) {
        if (report)
            add_diag(r, ETWCAP_ERR_FORMAT, (int64_t)index, off,
                     "buffer size %u is outside [%u, %u]; cannot find the next buffer", b->size,
                     BUF_HDR, BUF_MAX_SIZE);
        return -1;
    }
    return 1;
}

/* ---- chunks (file order) -------------------------------------------------- */

static void chunk_release(etwcap_reader *r, chunk *c)
{
    if (!c || --c->refs > 0)
        return;
    if (c->mem && r->nchunk_free < CHUNK_FREE_MAX) {
        c->next_free = r->chunk_free;
        r->chunk_free = c;
        r->nchunk_free++;
        return;
    }
    free(c->mem);
    free(c);
}

/* Make r->seq cover [off, off + n) (n is cut at the end of the file); NULL
 * when that cannot be read. */
static chunk *seq_cover(etwcap_reader *r, uint64_t off, size_t n)
{
    if (off >= r->src.size)
        return NULL;
    if (n > r->src.size - off)
        n = (size_t)(r->src.size - off);
    chunk *c = r->seq;
    if (c && off >= c->off && off - c->off <= c->len && n <= c->len - (off - c->off))
        return c;
    chunk_release(r, r->seq);
    r->seq = NULL;
    size_t want = n > CHUNK_SIZE ? n : CHUNK_SIZE;
    if (want > r->src.size - off)
        want = (size_t)(r->src.size - off);
    if (r->chunk_free && r->chunk_free->cap >= want) {
        c = r->chunk_free;
        r->chunk_free = c->next_free;
        r->nchunk_free--;
    } else if (!(c = calloc(1, sizeof *c))) {
        return NULL;
    }
    c->refs = 1; /* the walk's reference */
    c->off = off;
    if (r->src.mem) {
        c->data = r->src.mem + off;
        c->len = (size_t)(r->src.size - off);
    } else {
        if (c->cap < want) {
            free(c->mem);
            c->mem = malloc(want);
            c->cap = c->mem ? want : 0;
        }
        int64_t got = c->mem ? etwcap_rd_read_at(&r->src, off, c->mem, want) : -1;
        if (got < (int64_t)n) {
            chunk_release(r, c);
            return NULL;
        }
        c->data = c->mem;
        c->len = (size_t)got;
    }
    r->seq = c;
    return c;
}

/* The next buffer in file order, with a reference to the chunk holding it
 * (NULL when it could not be read that way: it is then read on its own,
 * which reports the problem). */
static int seq_next(etwcap_reader *r, bufinfo *b, chunk **ch)
{
    *ch = NULL;
    uint64_t off = r->seq_off;
    if (off >= r->scan_end)
        return 0;
    chunk *c = seq_cover(r, off, BUF_HDR);
    if (c) {
        etwcap_parse_buf_hdr(c->data + (off - c->off), &b->h);
        if (b->h.size < BUF_HDR || b->h.size > BUF_MAX_SIZE)
            return 0;
    } else if (read_buf_hdr(r, NULL, off, r->seq_index, &b->h, 0) != 1) {
        return 0;
    }
    b->off = off;
    b->index = r->seq_index;
    r->seq_off = off + b->h.size;
    r->seq_index++;
    if ((c = seq_cover(r, off, b->h.size)) != NULL) {
        c->refs++;
        *ch = c;
    }
    return 1;
}

/* ---- the index window (time order) ---------------------------------------- */

static int known_push(etwcap_reader *r, stream *s, const bufinfo *b)
{
    if (s->klen == s->kcap) {
        size_t cap = s->kcap ? s->kcap * 2 : 16;
        bufinfo *k = malloc(cap * sizeof *k);
        if (!k)
            return -1;
        for (size_t i = 0; i < s->klen; i++)
            k[i] = s->known[(s->khead + i) % s->kcap];
        free(s->known);
        s->known = k;
        s->kcap = cap;
        s->khead = 0;
    }
    s->known[(s->khead + s->klen) % s->kcap] = *b;
    s->klen++;
    r->known_total++;
    return 0;
}

static void known_pop(etwcap_reader *r, stream *s, bufinfo *b)
{
    *b = s->known[s->khead];
    s->khead = (s->khead + 1) % s->kcap;
    s->klen--;
    r->known_total--;
}

/* One more header of the walk, handed to its stream. */
static void walk_step(etwcap_reader *r)
{
    bufinfo b;
    if (r->walk_off >= r->scan_end ||
        read_buf_hdr(r, &r->walk_blk, r->walk_off, r->walk_index, &b.h, 0) != 1) {
        r->walk_done = 1;
        return;
    }
    b.off = r->walk_off;
    b.index = r->walk_index;
    int32_t t = b.h.cpu < MAX_CPUS ? r->cpu_stream[b.h.cpu] : -1;
    if (t >= 0 && b.index >= r->streams[t].search_index && known_push(r, &r->streams[t], &b) != 0) {
        /* Out of memory for the window: the stream will search on its own. */
        r->walk_done = 1;
        return;
    }
    r->walk_off += b.h.size;
    r->walk_index++;
}

/* The stream's next buffer, searched header by header (the window is full
 * or could not grow). */
static int private_search(etwcap_reader *r, stream *s, bufinfo *b)
{
    uint64_t off = s->search_off, index = s->search_index;
    if (r->walk_index > index) {
        off = r->walk_off;
        index = r->walk_index;
    }
    while (off < r->scan_end) {
        if (read_buf_hdr(r, NULL, off, index, &b->h, 0) != 1)
            break;
        if (b->h.cpu == s->cpu) {
            b->off = off;
            b->index = index;
            return 1;
        }
        off += b->h.size;
        index++;
    }
    return 0;
}

/* The next buffer of stream `s` in time order (merge). */
static int merge_next(etwcap_reader *r, stream *s, bufinfo *b, int may_search)
{
    for (;;) {
        if (s->klen) {
            known_pop(r, s, b);
            return 1;
        }
        if (r->walk_done && r->walk_off >= r->scan_end)
            return 0;
        if (r->walk_done || r->known_total >= KNOWN_CAP)
            return may_search ? private_search(r, s, b) : 0;
        walk_step(r);
    }
}

/* ---- taking buffers ------------------------------------------------------- */

static size_t disk_bytes(const etwcap_reader *r, const bufinfo *b)
{
    uint64_t avail = r->src.size - b->off;
    return avail < b->h.size ? (size_t)avail : b->h.size;
}

static void slot_reset(etwcap_reader *r, slot *sl)
{
    chunk_release(r, sl->ch);
    sl->ch = NULL;
    sl->rec = NULL;
    sl->end = 0;
}

/* Queue decoding of the stream's upcoming buffers on the workers. */
static void schedule(etwcap_reader *r, stream *s)
{
    if (!r->pool.nthreads)
        return;
    while (s->pflen < r->pf_depth && r->slot_free) {
        bufinfo b;
        chunk *ch = NULL;
        if (r->no_merge) {
            if (!seq_next(r, &b, &ch))
                return;
        } else if (!merge_next(r, s, &b, 0)) {
            return;
        }
        s->search_off = b.off + b.h.size;
        s->search_index = b.index + 1;
        slot *sl = r->slot_free;
        r->slot_free = sl->next;
        sl->next = NULL;
        sl->b = b;
        sl->ch = ch;
        sl->disk = disk_bytes(r, &b);
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
    const uint64_t off = b->off;
    const int64_t index = (int64_t)b->index;
    r->stats.buffers++;
    if (r->src.size - off < b->h.size)
        add_diag(r, ETWCAP_ERR_FORMAT, index, off,
                 "truncated buffer: %u bytes declared, %zu present", b->h.size, sl->disk);
    size_t grow = 0;
    const int compressed = (b->h.flags & BUF_FLAG_COMPRESSED) != 0;
    if (compressed) {
        if (b->h.compression != COMPRESSION_LZ77) {
            add_diag(r, ETWCAP_ERR_UNSUPPORTED, index, off,
                     "unsupported compression format %u (only 3, plain LZ77, is known)",
                     b->h.compression);
            goto skip;
        }
        if (b->h.offset < BUF_HDR || b->h.offset > BUF_MAX_DECODED) {
            add_diag(r, ETWCAP_ERR_FORMAT, index, off,
                     "compressed buffer declares %u bytes of data", b->h.offset);
            goto skip;
        }
        grow = b->h.offset > s->vcap ? b->h.offset - s->vcap : 0;
        if (grow > DECODED_BUDGET - r->decoded) {
            add_diag(r, ETWCAP_ERR_FORMAT, index, off,
                     "compressed buffer declares %u bytes of data; the decompressed buffers of "
                     "all CPUs would exceed %u MiB",
                     b->h.offset, (unsigned)(DECODED_BUDGET >> 20));
            goto skip;
        }
        r->stats.buffers_compressed++;
    }
    obtain(r, sl);
    if (sl->nomem) {
        add_diag(r, ETWCAP_ERR_NOMEM, index, off, "out of memory for a %u-byte buffer", b->h.size);
        goto skip;
    }
    if (compressed) {
        r->decoded += grow;
        if (b->h.offset > s->vcap)
            s->vcap = b->h.offset;
    } else if (sl->disk > s->vcap) {
        s->vcap = sl->disk;
    }
    if (sl->read_error) {
        add_diag(r, ETWCAP_ERR_IO, index, off, "read error in buffer");
        goto skip;
    }
    if (sl->has_diag)
        add_diag(r, sl->diag.status, index, sl->diag.offset, "%s", sl->diag.message);
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
    s->cur_cpu = s->cur.b.h.cpu;
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
            int found = r->no_merge ? seq_next(r, &b, &ch) : merge_next(r, s, &b, 1);
            if (!found) {
                s->exhausted = 1;
                return 0;
            }
            s->search_off = b.off + b.h.size;
            s->search_index = b.index + 1;
            s->cur.b = b;
            s->cur.ch = ch;
            s->cur.disk = disk_bytes(r, &b);
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

/* Parse the stream's next record into `ev`, loading buffers as needed.
 * Returns 1 with `ev` filled, 0 when the stream is exhausted. */
static int stream_parse_next(etwcap_reader *r, stream *s, etwcap_event *ev)
{
    while (!s->exhausted) {
        const size_t end = s->cur.end;
        if (end > 0 && s->pos + 4 <= end) {
            uint32_t size = 0;
            const char *why = NULL;
            etwcap_record_result rr =
                etwcap_record_parse(s->cur.rec + s->pos, end - s->pos, ev, &size, &why);
            if (rr == ETWCAP_RECORD_OK) {
                ev->cpu = s->cur_cpu;
                ev->buffer_offset = s->cur.b.off;
                ev->buffer_index = (uint32_t)s->cur.b.index;
                ev->record_offset = (uint32_t)s->pos;
                s->pos = etwcap_align8(s->pos + size);
                return 1;
            }
            if (rr == ETWCAP_RECORD_CORRUPT) {
                const int compressed = (s->cur.b.h.flags & BUF_FLAG_COMPRESSED) != 0;
                uint64_t at = compressed ? s->cur.b.off : s->cur.b.off + s->pos;
                if (compressed)
                    add_diag(r, ETWCAP_ERR_FORMAT, (int64_t)s->cur.b.index, at,
                             "record at offset 0x%zx of the decompressed buffer: %s", s->pos, why);
                else
                    add_diag(r, ETWCAP_ERR_FORMAT, (int64_t)s->cur.b.index, at, "record: %s", why);
            }
            /* END or CORRUPT: this buffer has no more records. */
        }
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

/* One pass over the buffer headers (0x48 bytes each) to learn which CPUs
 * have buffers and where each CPU's first buffer is; in time order the
 * first KNOWN_CAP buffers go straight into the streams' queues. Problems
 * with buffer headers are reported here, once. */
static etwcap_status scan_buffers(etwcap_reader *r)
{
    r->cpu_stream = malloc(MAX_CPUS * sizeof *r->cpu_stream);
    if (!r->cpu_stream)
        return ETWCAP_ERR_NOMEM;
    for (size_t i = 0; i < MAX_CPUS; i++)
        r->cpu_stream[i] = -1;
    hblock hb;
    memset(&hb, 0, sizeof hb);
    etwcap_status st = ETWCAP_OK;
    int filling = !r->no_merge; /* the walk has not passed this buffer yet */
    uint64_t off = 0, index = 0;
    for (;;) {
        buf_hdr b;
        int rc = read_buf_hdr(r, &hb, off, index, &b, 1);
        if (rc != 1)
            break;
        uint32_t key = r->no_merge ? 0 : b.cpu;
        if (r->cpu_stream[key] < 0) {
            stream *ns = realloc(r->streams, (r->nstreams + 1) * sizeof *ns);
            if (!ns) {
                st = ETWCAP_ERR_NOMEM;
                break;
            }
            r->streams = ns;
            stream *s = &r->streams[r->nstreams];
            memset(s, 0, sizeof *s);
            s->cpu = b.cpu;
            r->cpu_stream[key] = (int32_t)r->nstreams++;
        }
        if (filling) {
            bufinfo bi = {off, index, b};
            if (r->known_total >= KNOWN_CAP ||
                known_push(r, &r->streams[r->cpu_stream[key]], &bi) != 0) {
                filling = 0;
                r->walk_off = off;
                r->walk_index = index;
            }
        }
        if (b.cpu > r->stats.max_cpu)
            r->stats.max_cpu = b.cpu;
        r->stats.file_buffers++;
        if (b.flags & BUF_FLAG_COMPRESSED)
            r->stats.file_buffers_compressed++;
        off += b.size;
        index++;
        if (off > r->src.size)
            off = r->src.size; /* truncated last buffer: reported when loaded */
    }
    free(hb.mem);
    r->scan_end = off;
    r->stats.bytes = off;
    if (filling) {
        r->walk_off = off;
        r->walk_index = index;
    }
    return st;
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
    }
    r->pending = SIZE_MAX;
    etwcap_status st = scan_buffers(r);
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
    if ((st = start_workers(r, threads)) != ETWCAP_OK)
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
                    add_diag(r, ETWCAP_ERR_FORMAT, 0, BUF_HDR, "%s", why);
            }
        }
    }
    if (!r->have_info)
        add_diag(r, ETWCAP_ERR_FORMAT, 0, BUF_HDR,
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
    if (r->have_info)
        ev->filetime = etwcap_logfile_to_filetime(&r->info, ev->timestamp);
    else
        ev->filetime = ev->timestamp;
    r->stats.records++;
    if (etwcap_logfile_is_header(ev))
        r->stats.header_records++;
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
    chunk_release(r, r->seq);
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
