/* reader_load.c - a buffer's bytes, decompression, and the decoding workers.
 *
 * A buffer is decoded into a slot: its bytes come from a chunk (a large
 * sequential read shared by the buffers in it), from the memory image, or
 * from a read of its own; a compressed buffer is then expanded (MS-XCA plain
 * LZ77, etl-format.md §1.5, §8). Decoding touches only the slot, so worker
 * threads can decode upcoming buffers while the reader's thread merges: the
 * results, problems included, are taken over by the reader's thread in the
 * same order as without workers, which keeps the output identical.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/bytes.h"
#include "reader/lz77.h"
#include "reader/reader_internal.h"

void etwcap_parse_buf_hdr(const uint8_t *h, buf_hdr *b)
{
    b->size = etwcap_rd32(h + 0x00);
    b->saved_offset = etwcap_rd32(h + 0x04);
    b->compression = etwcap_rd32(h + 0x2C);
    b->offset = etwcap_rd32(h + 0x30);
    b->flags = etwcap_rd16(h + 0x34);
    /* ClientContext: u16 processor index when PROC_INDEX is set, else the
     * processor number byte (§1.3). */
    b->cpu = (b->flags & BUF_FLAG_PROC_INDEX) ? (etwcap_rd16(h + 0x28) & 0x07FFu) : h[0x28];
}

int64_t etwcap_rd_read_at(const rd_source *src, uint64_t off, void *buf, size_t n)
{
    if (src->mem) {
        if (off >= src->size)
            return 0;
        uint64_t left = src->size - off;
        size_t k = left < n ? (size_t)left : n;
        memcpy(buf, src->mem + off, k);
        return (int64_t)k;
    }
    return etwcap_file_read_at(src->file, off, buf, n);
}

/* Grow *p to at least n bytes, in whole steps of RESERVE_STEP: buffers of a
 * trace differ in size by a few bytes (Offset), and growing by exactly that
 * copied the old bytes and touched fresh pages again and again. */
#define RESERVE_STEP (64u << 10)
static int reserve(uint8_t **p, size_t *cap, size_t n)
{
    if (*cap >= n)
        return 0;
    if (n <= SIZE_MAX - RESERVE_STEP)
        n = (n + RESERVE_STEP - 1) / RESERVE_STEP * RESERVE_STEP;
    uint8_t *q = realloc(*p, n);
    if (!q)
        return -1;
    *p = q;
    *cap = n;
    return 0;
}

/* The buffer's `n` bytes from its chunk or the memory image, or NULL when
 * they must be read. */
static const uint8_t *mapped_bytes(const rd_source *src, const slot *sl)
{
    if (sl->ch)
        return sl->ch->data + (sl->b.off - sl->ch->off);
    if (src->mem)
        return src->mem + sl->b.off;
    return NULL;
}

void etwcap_slot_decode(const rd_source *src, slot *sl)
{
    const buf_hdr *b = &sl->b.h;
    const uint64_t off = sl->b.off;
    const size_t disk = sl->disk;
    sl->nomem = 0;
    sl->read_error = 0;
    sl->has_diag = 0;
    sl->end = 0;
    sl->rec = NULL;
    const uint8_t *in = mapped_bytes(src, sl);

    if (!(b->flags & BUF_FLAG_COMPRESSED)) {
        if (!in) {
            if (reserve(&sl->data, &sl->cap, disk) != 0) {
                sl->nomem = 1;
                return;
            }
            int64_t got = etwcap_rd_read_at(src, off, sl->data, disk);
            if (got < (int64_t)disk) {
                sl->read_error = 1;
                return;
            }
            in = sl->data;
        }
        sl->rec = in;
        /* End of valid data: Offset (0x30), else SavedOffset (0x04) (§1.2, §8). */
        size_t end = b->offset;
        if (end < BUF_HDR || end > disk)
            end = b->saved_offset;
        if (end < BUF_HDR || end > disk)
            end = disk;
        sl->end = end;
        return;
    }

    /* Compressed (the caller checked the format and the declared size):
     * bytes 0x48..BufferSize are MS-XCA plain LZ77; they expand to the record
     * area, Offset - 0x48 bytes (§1.5, §8). */
    if ((!in && reserve(&sl->zbuf, &sl->zcap, disk) != 0) ||
        reserve(&sl->data, &sl->cap, b->offset) != 0) {
        sl->nomem = 1;
        return;
    }
    if (!in) {
        int64_t got = etwcap_rd_read_at(src, off, sl->zbuf, disk);
        if (got < (int64_t)disk) {
            sl->read_error = 1;
            return;
        }
        in = sl->zbuf;
    }
    memcpy(sl->data, in, BUF_HDR);
    size_t out_len = 0, err_pos = 0;
    etwcap_lz77_status zs = etwcap_lz77_decompress(in + BUF_HDR, disk - BUF_HDR, sl->data + BUF_HDR,
                                                   b->offset - BUF_HDR, &out_len, &err_pos);
    /* Bytes after the stream that fill the buffer up to BufferSize would
     * decode past Offset: the record area is complete, so they are padding. */
    if (zs == ETWCAP_LZ77_OVERFLOW && out_len == b->offset - BUF_HDR)
        zs = ETWCAP_LZ77_OK;
    if (zs != ETWCAP_LZ77_OK || out_len != b->offset - BUF_HDR) {
        /* Keep the records that decompressed before the damage. */
        sl->has_diag = 1;
        sl->diag.status = ETWCAP_ERR_FORMAT;
        sl->diag.offset = off + BUF_HDR + err_pos;
        snprintf(sl->diag.message, sizeof sl->diag.message,
                 "compressed data: %s after %zu of %u bytes",
                 zs != ETWCAP_LZ77_OK ? etwcap_lz77_status_str(zs) : "short output", out_len,
                 b->offset - BUF_HDR);
    }
    sl->rec = sl->data;
    sl->end = BUF_HDR + out_len;
}

void etwcap_slot_swap_storage(slot *a, slot *b)
{
    uint8_t *p = a->data;
    size_t n = a->cap;
    a->data = b->data;
    a->cap = b->cap;
    b->data = p;
    b->cap = n;
    p = a->zbuf;
    n = a->zcap;
    a->zbuf = b->zbuf;
    a->zcap = b->zcap;
    b->zbuf = p;
    b->zcap = n;
}

void etwcap_slot_free_storage(slot *sl)
{
    free(sl->data);
    free(sl->zbuf);
    sl->data = sl->zbuf = NULL;
    sl->cap = sl->zcap = 0;
}

/* The first queued slot, unlinked (p->mu held, queue not empty). */
static slot *pop_head(rd_pool *p)
{
    slot *sl = p->head;
    p->head = sl->next;
    if (!p->head)
        p->tail = NULL;
    return sl;
}

/* Decode `sl`, taken off the queue, with p->mu released meanwhile (held on
 * entry and on return). */
static void decode_locked(rd_pool *p, slot *sl)
{
    sl->next = NULL;
    sl->state = SLOT_BUSY;
    etwcap_mutex_unlock(p->mu);
    etwcap_slot_decode(p->src, sl);
    etwcap_mutex_lock(p->mu);
    sl->state = SLOT_DONE;
}

/* ---- workers ------------------------------------------------------------ */

static void worker_main(void *arg)
{
    rd_pool *p = arg;
    etwcap_mutex_lock(p->mu);
    for (;;) {
        while (!p->stop && !p->head)
            etwcap_cond_wait(p->work, p->mu);
        if (p->stop)
            break;
        decode_locked(p, pop_head(p));
        etwcap_cond_broadcast(p->done);
    }
    etwcap_mutex_unlock(p->mu);
}

void etwcap_pool_start(rd_pool *p, const rd_source *src, size_t n)
{
    memset(p, 0, sizeof *p);
    p->src = src;
    if (n == 0)
        return;
    if (etwcap_mutex_create(&p->mu) != 0 || etwcap_cond_create(&p->work) != 0 ||
        etwcap_cond_create(&p->done) != 0 || !(p->threads = calloc(n, sizeof(etwcap_thread *)))) {
        etwcap_pool_stop(p);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        if (etwcap_thread_start(&p->threads[i], worker_main, p) != 0)
            break;
        p->nthreads++;
    }
    if (p->nthreads == 0)
        etwcap_pool_stop(p);
}

void etwcap_pool_stop(rd_pool *p)
{
    if (p->nthreads) {
        etwcap_mutex_lock(p->mu);
        p->stop = 1;
        etwcap_cond_broadcast(p->work);
        etwcap_mutex_unlock(p->mu);
        for (size_t i = 0; p->threads && i < p->nthreads; i++)
            etwcap_thread_join(p->threads[i]);
    }
    free(p->threads);
    etwcap_cond_free(p->done);
    etwcap_cond_free(p->work);
    etwcap_mutex_free(p->mu);
    p->threads = NULL;
    p->done = p->work = NULL;
    p->mu = NULL;
    p->nthreads = 0;
    p->head = p->tail = NULL;
}

void etwcap_pool_submit(rd_pool *p, slot *sl)
{
    etwcap_mutex_lock(p->mu);
    sl->state = SLOT_QUEUED;
    sl->next = NULL;
    if (p->tail)
        p->tail->next = sl;
    else
        p->head = sl;
    p->tail = sl;
    etwcap_cond_signal(p->work);
    etwcap_mutex_unlock(p->mu);
}

void etwcap_pool_finish(rd_pool *p, slot *sl)
{
    etwcap_mutex_lock(p->mu);
    if (sl->state == SLOT_QUEUED) {
        /* No worker took it yet: unlink it and decode it here. */
        slot **pp = &p->head, *prev = NULL;
        while (*pp && *pp != sl) {
            prev = *pp;
            pp = &(*pp)->next;
        }
        if (*pp) {
            *pp = sl->next;
            if (p->tail == sl)
                p->tail = prev;
        }
        decode_locked(p, sl);
    }
    while (sl->state != SLOT_DONE) {
        /* A worker has it: rather than sleep (a wake-up costs about as much
         * as decoding a small buffer), decode a queued one meanwhile. */
        if (p->head)
            decode_locked(p, pop_head(p));
        else
            etwcap_cond_wait(p->done, p->mu);
    }
    etwcap_mutex_unlock(p->mu);
}
