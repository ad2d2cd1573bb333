/* reader.c - streaming .etl reader with a per-CPU k-way merge.
 *
 * An .etl file is a concatenation of buffers (etl-format.md §1.1). Each CPU
 * owns its buffers, so records are time-ordered within one CPU's sequence of
 * buffers but not across the file (§1.7). The reader keeps one stream per
 * CPU; each stream holds one decoded buffer and the next record to deliver,
 * and a binary heap picks the stream whose next record is earliest. Memory is
 * therefore one buffer per CPU, whatever the file size.
 *
 * Ties are broken by (buffer index, offset in buffer), which is file order:
 * the merge is stable and deterministic.
 */
#include "etwcap/reader.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/bytes.h"
#include "compat/compat.h"
#include "reader/logfile.h"
#include "reader/lz77.h"
#include "reader/record.h"

#define BUF_HDR 0x48u                    /* WMI_BUFFER_HEADER size (§1.2) */
#define BUF_MAX_SIZE (64u * 1024u * 1024u) /* sanity limit on BufferSize (§1.1) */
#define BUF_FLAG_PROC_INDEX 0x0020u      /* ETW_BUFFER_FLAG_PROC_INDEX (§1.3) */
#define BUF_FLAG_COMPRESSED 0x0040u      /* §1.4, §1.5 */
#define COMPRESSION_LZ77 3u              /* u32 at 0x2C of compressed buffers (§8) */
#define MAX_CPUS 2048u                   /* ETW_PROCESSOR_INDEX_MASK + 1 */

typedef struct buf_hdr {
    uint32_t size;        /* BufferSize: bytes on disk */
    uint32_t saved_offset; /* SavedOffset */
    uint32_t offset;      /* Offset: end of valid data (uncompressed extent) */
    uint32_t cpu;
    uint16_t flags;
    uint32_t compression; /* u32 at 0x2C */
} buf_hdr;

typedef struct stream {
    uint32_t cpu;
    uint64_t next_off;   /* file offset where the search for the next buffer resumes */
    uint64_t next_index; /* buffer index of next_off */
    uint8_t *data;       /* decoded buffer: header + record area */
    size_t cap;
    size_t end;        /* end of valid records in data */
    size_t pos;        /* offset of the record after `head` */
    uint64_t buf_off;  /* file offset of the current buffer */
    uint64_t buf_index;
    int compressed;
    int has_head;
    int exhausted;
    etwcap_event head;
} stream;

struct etwcap_reader {
    char *path;
    etwcap_file *file;
    const uint8_t *mem;
    uint64_t size; /* file size */
    uint64_t scan_end; /* offset after the last buffer whose header is sane */
    int no_merge;

    etwcap_logfile_info info;
    int have_info;
    etwcap_reader_stats stats;

    stream *streams;
    size_t nstreams;
    size_t *heap; /* indices into streams, min-heap by head order */
    size_t heap_len;
    size_t pending; /* stream to advance before the next pop, or SIZE_MAX */

    uint8_t *zbuf; /* compressed input scratch */
    size_t zcap;

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

static int64_t read_at(etwcap_reader *r, uint64_t off, void *buf, size_t n)
{
    if (r->mem) {
        if (off >= r->size)
            return 0;
        uint64_t left = r->size - off;
        size_t k = left < n ? (size_t)left : n;
        memcpy(buf, r->mem + off, k);
        return (int64_t)k;
    }
    return etwcap_file_read_at(r->file, off, buf, n);
}

static void parse_buf_hdr(const uint8_t *h, buf_hdr *b)
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

/* Read and sanity-check the buffer header at `off`. Returns 1 for a usable
 * buffer, 0 at a clean end of file, -1 when the header cannot be trusted (the
 * walk cannot continue past it). Diagnostics are added only when `report`. */
static int read_buf_hdr(etwcap_reader *r, uint64_t off, uint64_t index, buf_hdr *b, int report)
{
    uint8_t h[BUF_HDR];
    if (off >= r->size)
        return 0;
    int64_t got = read_at(r, off, h, BUF_HDR);
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
    parse_buf_hdr(h, b);
    if (b->size < BUF_HDR || b->size > BUF_MAX_SIZE) {
        if (report)
            add_diag(r, ETWCAP_ERR_FORMAT, (int64_t)index, off,
                     "buffer size %u is outside [%u, %u]; cannot find the next buffer", b->size,
                     BUF_HDR, BUF_MAX_SIZE);
        return -1;
    }
    return 1;
}

/* Grow *p to at least n bytes. */
static int reserve(uint8_t **p, size_t *cap, size_t n)
{
    if (*cap >= n)
        return 0;
    uint8_t *q = realloc(*p, n);
    if (!q)
        return -1;
    *p = q;
    *cap = n;
    return 0;
}

/* Load the buffer at `off` into stream `s`. Returns 1 when records are ready,
 * 0 when the buffer had to be skipped. */
static int load_buffer(etwcap_reader *r, stream *s, uint64_t off, uint64_t index,
                       const buf_hdr *b)
{
    r->stats.buffers++;
    uint64_t avail64 = r->size - off;
    size_t disk = b->size;
    if (avail64 < disk) {
        disk = (size_t)avail64;
        add_diag(r, ETWCAP_ERR_FORMAT, (int64_t)index, off,
                 "truncated buffer: %u bytes declared, %zu present", b->size, disk);
    }
    s->buf_off = off;
    s->buf_index = index;
    s->compressed = (b->flags & BUF_FLAG_COMPRESSED) != 0;
    s->pos = BUF_HDR;
    s->end = 0;

    if (!s->compressed) {
        if (reserve(&s->data, &s->cap, disk) != 0)
            goto nomem;
        int64_t got = read_at(r, off, s->data, disk);
        if (got < (int64_t)disk) {
            add_diag(r, ETWCAP_ERR_IO, (int64_t)index, off, "read error in buffer");
            goto skip;
        }
        /* End of valid data: Offset (0x30), else SavedOffset (0x04) (§1.2, §8). */
        size_t end = b->offset;
        if (end < BUF_HDR || end > disk)
            end = b->saved_offset;
        if (end < BUF_HDR || end > disk)
            end = disk;
        s->end = end;
        return 1;
    }

    /* Compressed: bytes 0x48..BufferSize are MS-XCA plain LZ77; they expand to
     * the record area, Offset - 0x48 bytes (§1.5, §8). */
    if (b->compression != COMPRESSION_LZ77) {
        add_diag(r, ETWCAP_ERR_UNSUPPORTED, (int64_t)index, off,
                 "unsupported compression format %u (only 3, plain LZ77, is known)",
                 b->compression);
        goto skip;
    }
    if (b->offset < BUF_HDR || b->offset > BUF_MAX_SIZE) {
        add_diag(r, ETWCAP_ERR_FORMAT, (int64_t)index, off,
                 "compressed buffer declares %u bytes of data", b->offset);
        goto skip;
    }
    r->stats.buffers_compressed++;
    if (reserve(&r->zbuf, &r->zcap, disk) != 0 || reserve(&s->data, &s->cap, b->offset) != 0)
        goto nomem;
    int64_t got = read_at(r, off, r->zbuf, disk);
    if (got < (int64_t)disk) {
        add_diag(r, ETWCAP_ERR_IO, (int64_t)index, off, "read error in buffer");
        goto skip;
    }
    memcpy(s->data, r->zbuf, BUF_HDR);
    size_t out_len = 0, err_pos = 0;
    etwcap_lz77_status zs =
        etwcap_lz77_decompress(r->zbuf + BUF_HDR, disk - BUF_HDR, s->data + BUF_HDR,
                               b->offset - BUF_HDR, &out_len, &err_pos);
    /* Bytes after the stream that fill the buffer up to BufferSize would
     * decode past Offset: the record area is complete, so they are padding. */
    if (zs == ETWCAP_LZ77_OVERFLOW && out_len == b->offset - BUF_HDR)
        zs = ETWCAP_LZ77_OK;
    if (zs != ETWCAP_LZ77_OK || out_len != b->offset - BUF_HDR) {
        /* Keep the records that decompressed before the damage. */
        add_diag(r, ETWCAP_ERR_FORMAT, (int64_t)index, off + BUF_HDR + err_pos,
                 "compressed data: %s after %zu of %u bytes",
                 zs != ETWCAP_LZ77_OK ? etwcap_lz77_status_str(zs) : "short output", out_len,
                 b->offset - BUF_HDR);
    }
    s->end = BUF_HDR + out_len;
    return 1;

nomem:
    add_diag(r, ETWCAP_ERR_NOMEM, (int64_t)index, off, "out of memory for a %u-byte buffer",
             b->size);
skip:
    r->stats.buffers_skipped++;
    return 0;
}

/* Find and load the stream's next buffer. Returns 1 when loaded, 0 when the
 * stream has no more buffers. */
static int stream_next_buffer(etwcap_reader *r, stream *s)
{
    while (s->next_off < r->scan_end) {
        buf_hdr b;
        uint64_t off = s->next_off, index = s->next_index;
        if (read_buf_hdr(r, off, index, &b, 0) != 1)
            break;
        s->next_off = off + b.size;
        s->next_index = index + 1;
        if (!r->no_merge && b.cpu != s->cpu)
            continue;
        if (load_buffer(r, s, off, index, &b))
            return 1;
    }
    s->exhausted = 1;
    return 0;
}

/* Parse the stream's next record into s->head, loading buffers as needed. */
static void stream_advance(etwcap_reader *r, stream *s)
{
    s->has_head = 0;
    while (!s->exhausted) {
        if (s->end > 0 && s->pos + 4 <= s->end) {
            uint32_t size = 0;
            const char *why = NULL;
            etwcap_record_result rr =
                etwcap_record_parse(s->data + s->pos, s->end - s->pos, &s->head, &size, &why);
            if (rr == ETWCAP_RECORD_OK) {
                s->head.cpu = (s->data[0x34] & BUF_FLAG_PROC_INDEX)
                                  ? (etwcap_rd16(s->data + 0x28) & 0x07FFu)
                                  : s->data[0x28];
                s->head.buffer_offset = s->buf_off;
                s->head.buffer_index = (uint32_t)s->buf_index;
                s->head.record_offset = (uint32_t)s->pos;
                s->pos = etwcap_align8(s->pos + size);
                s->has_head = 1;
                return;
            }
            if (rr == ETWCAP_RECORD_CORRUPT) {
                uint64_t at = s->compressed ? s->buf_off : s->buf_off + s->pos;
                if (s->compressed)
                    add_diag(r, ETWCAP_ERR_FORMAT, (int64_t)s->buf_index, at,
                             "record at offset 0x%zx of the decompressed buffer: %s", s->pos,
                             why);
                else
                    add_diag(r, ETWCAP_ERR_FORMAT, (int64_t)s->buf_index, at, "record: %s",
                             why);
            }
            /* END or CORRUPT: this buffer has no more records. */
        }
        s->end = 0;
        stream_next_buffer(r, s);
    }
}

/* Heap order: timestamp, then buffer index, then offset in the buffer. */
static int head_before(const stream *a, const stream *b)
{
    if (a->head.timestamp != b->head.timestamp)
        return a->head.timestamp < b->head.timestamp;
    if (a->buf_index != b->buf_index)
        return a->buf_index < b->buf_index;
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
 * have buffers and where each CPU's first buffer is. Problems with buffer
 * headers are reported here, once. */
static etwcap_status scan_buffers(etwcap_reader *r)
{
    int32_t *cpu_stream = malloc(MAX_CPUS * sizeof *cpu_stream);
    if (!cpu_stream)
        return ETWCAP_ERR_NOMEM;
    for (size_t i = 0; i < MAX_CPUS; i++)
        cpu_stream[i] = -1;
    uint64_t off = 0, index = 0;
    for (;;) {
        buf_hdr b;
        int rc = read_buf_hdr(r, off, index, &b, 1);
        if (rc != 1)
            break;
        uint32_t key = r->no_merge ? 0 : b.cpu;
        if (cpu_stream[key] < 0) {
            stream *ns = realloc(r->streams, (r->nstreams + 1) * sizeof *ns);
            if (!ns) {
                free(cpu_stream);
                return ETWCAP_ERR_NOMEM;
            }
            r->streams = ns;
            stream *s = &r->streams[r->nstreams];
            memset(s, 0, sizeof *s);
            s->cpu = b.cpu;
            s->next_off = off;
            s->next_index = index;
            cpu_stream[key] = (int32_t)r->nstreams++;
        }
        if (b.cpu > r->stats.max_cpu)
            r->stats.max_cpu = b.cpu;
        r->stats.file_buffers++;
        if (b.flags & BUF_FLAG_COMPRESSED)
            r->stats.file_buffers_compressed++;
        off += b.size;
        index++;
        if (off > r->size)
            off = r->size; /* truncated last buffer: reported when loaded */
    }
    r->scan_end = off;
    r->stats.bytes = off;
    free(cpu_stream);
    return ETWCAP_OK;
}

static etwcap_status reader_init(etwcap_reader *r, const etwcap_reader_options *opts,
                                 etwcap_diag *diag)
{
    if (opts) {
        r->no_merge = opts->no_merge;
        r->on_diag = opts->on_diag;
        r->diag_payload = opts->diag_payload;
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
                     r->size == 0 ? "empty file" : "no valid trace buffer at the start of the file");
        }
        return ETWCAP_ERR_FORMAT;
    }
    r->heap = malloc(r->nstreams * sizeof *r->heap);
    if (!r->heap)
        return ETWCAP_ERR_NOMEM;
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
        if (s->has_head && s->buf_index == 0 && s->head.record_offset == BUF_HDR) {
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
    if (etwcap_file_open(&r->file, path, why, sizeof why) != 0) {
        fail_diag(diag, ETWCAP_ERR_IO, why);
        etwcap_reader_close(r);
        return ETWCAP_ERR_IO;
    }
    int64_t sz = etwcap_file_size(r->file);
    if (sz < 0) {
        fail_diag(diag, ETWCAP_ERR_IO, "cannot get the file size");
        etwcap_reader_close(r);
        return ETWCAP_ERR_IO;
    }
    r->size = (uint64_t)sz;
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
    r->mem = data;
    r->size = size;
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

etwcap_status etwcap_reader_next(etwcap_reader *r, etwcap_event *ev)
{
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
    *ev = r->streams[i].head;
    if (r->have_info)
        ev->filetime = etwcap_logfile_to_filetime(&r->info, ev->timestamp);
    else
        ev->filetime = ev->timestamp;
    /* Re-point the extended-item shortcuts at the copy. */
    if (ev->x.stack)
        ev->x.stack = &ev->ext[ev->x.stack - r->streams[i].head.ext];
    if (ev->x.stack_key)
        ev->x.stack_key = &ev->ext[ev->x.stack_key - r->streams[i].head.ext];
    r->stats.records++;
    if (etwcap_logfile_is_header(ev))
        r->stats.header_records++;
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
    for (size_t i = 0; i < r->nstreams; i++)
        free(r->streams[i].data);
    free(r->streams);
    free(r->heap);
    free(r->zbuf);
    etwcap_file_close(r->file);
    free(r->path);
    free(r);
}
