/* reader_find.c - finding the buffers of an .etl file (etl-format.md §1.1).
 *
 * Finding buffers. Opening reads every buffer header once (the scan). In
 * time order, the headers met by one walk in file order are handed to the
 * streams of their CPUs: each stream keeps a queue of its upcoming buffers
 * (the index window). The queues together hold at most KNOWN_CAP entries; a
 * stream whose next buffer lies beyond a full window looks for it on its
 * own. Headers are read in blocks when buffers are small. In file order
 * (no_merge), buffers are read in chunks of CHUNK_SIZE bytes (CHUNK_SMALL in
 * small files); a buffer that needs no decompression is parsed where it lies
 * in the chunk. With lazy_scan there is no scan at open: the walk in file
 * order counts the buffers and reports bad headers as it meets them, so the
 * file is read once.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/bytes.h"
#include "reader/reader_internal.h"

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
                etwcap_rd_diag(r, ETWCAP_ERR_IO, (int64_t)index, off,
                               "read error in buffer header");
            return -1;
        }
        if ((size_t)got < BUF_HDR) {
            if (report)
                etwcap_rd_diag(r, ETWCAP_ERR_FORMAT, (int64_t)index, off,
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
            etwcap_rd_diag(r, ETWCAP_ERR_FORMAT, (int64_t)index, off,
                           "buffer size %u is outside [%u, %u]; cannot find the next buffer",
                           b->size, BUF_HDR, BUF_MAX_SIZE);
        return -1;
    }
    return 1;
}

/* One more buffer found: the counts of the scan (or, with lazy_scan, of the
 * walk in file order). */
static void count_buffer(etwcap_reader *r, const buf_hdr *h)
{
    if (h->cpu > r->stats.max_cpu)
        r->stats.max_cpu = h->cpu;
    r->stats.file_buffers++;
    if (h->flags & BUF_FLAG_COMPRESSED)
        r->stats.file_buffers_compressed++;
}

/* ---- chunks (file order) -------------------------------------------------- */

void etwcap_rd_chunk_release(etwcap_reader *r, chunk *c)
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
    etwcap_rd_chunk_release(r, r->seq);
    r->seq = NULL;
    /* A chunk's memory is touched fresh once per run: on this project's VM
     * each new page costs about 6 us, so 256 KiB cost 0.4-0.8 ms, 5% of
     * `stats` on a 4 MB trace. Large files keep the larger reads: 64 KiB
     * made `stats` 7% slower on uncompressed 256 MiB (issue #8). */
    const size_t csize = r->src.size < CHUNK_SMALL_FILE ? CHUNK_SMALL : CHUNK_SIZE;
    size_t want = n > csize ? n : csize;
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
            etwcap_rd_chunk_release(r, c);
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
int etwcap_rd_seq_next(etwcap_reader *r, bufinfo *b, chunk **ch)
{
    *ch = NULL;
    uint64_t off = r->seq_off;
    if (off >= r->scan_end)
        return 0;
    chunk *c = seq_cover(r, off, BUF_HDR);
    /* Near the end of the file the chunk may hold less than a header. */
    int ok = c != NULL && c->len - (off - c->off) >= BUF_HDR;
    if (ok) {
        etwcap_parse_buf_hdr(c->data + (off - c->off), &b->h);
        ok = b->h.size >= BUF_HDR && b->h.size <= BUF_MAX_SIZE;
    }
    /* Without a scan at open, a bad header is reported here, with the
     * scan's words (read again on its own for that). */
    if (!ok && read_buf_hdr(r, NULL, off, r->seq_index, &b->h, r->lazy_scan) != 1) {
        r->scan_end = off;
        return 0;
    }
    b->off = off;
    b->index = r->seq_index;
    r->seq_off = off + b->h.size;
    r->seq_index++;
    if (r->lazy_scan) {
        count_buffer(r, &b->h);
        r->stats.bytes = r->seq_off < r->src.size ? r->seq_off : r->src.size;
    }
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
int etwcap_rd_merge_next(etwcap_reader *r, stream *s, bufinfo *b, int may_search)
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

/* One pass over the buffer headers (0x48 bytes each) to learn which CPUs
 * have buffers and where each CPU's first buffer is; in time order the
 * first KNOWN_CAP buffers go straight into the streams' queues. Problems
 * with buffer headers are reported here, once. */
etwcap_status etwcap_rd_scan(etwcap_reader *r)
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
        if (r->lazy_scan)
            break; /* the one stream exists; the walk counts from the start */
        if (filling) {
            bufinfo bi = {off, index, b};
            if (r->known_total >= KNOWN_CAP ||
                known_push(r, &r->streams[r->cpu_stream[key]], &bi) != 0) {
                filling = 0;
                r->walk_off = off;
                r->walk_index = index;
            }
        }
        count_buffer(r, &b);
        off += b.size;
        index++;
        if (off > r->src.size)
            off = r->src.size; /* truncated last buffer: reported when loaded */
    }
    free(hb.mem);
    if (r->lazy_scan) {
        r->scan_end = r->src.size; /* until the walk meets a bad header */
        return st;
    }
    r->scan_end = off;
    r->stats.bytes = off;
    if (filling) {
        r->walk_off = off;
        r->walk_index = index;
    }
    return st;
}
