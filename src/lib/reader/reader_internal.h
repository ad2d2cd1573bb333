/* reader_internal.h - pieces shared by reader.c, reader_find.c,
 * reader_load.c and reader_visit.c.
 *
 * reader_find.c walks the buffer headers; reader.c takes the buffers and
 * merges the per-CPU streams; reader_load.c gets a buffer's bytes (large
 * sequential reads or one read per buffer), decompresses them, and runs the
 * optional worker threads that do this ahead of the merge; reader_visit.c
 * hands whole buffers' events to threads that also parse them.
 */
#ifndef ETWCAP_READER_INTERNAL_H
#define ETWCAP_READER_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "compat/compat.h"
#include "compat/thread.h"
#include "etwcap/reader.h"

#define BUF_HDR 0x48u                      /* WMI_BUFFER_HEADER size (§1.2) */
#define BUF_MAX_SIZE (64u * 1024u * 1024u) /* sanity limit on BufferSize (§1.1) */
#define BUF_FLAG_PROC_INDEX 0x0020u        /* ETW_BUFFER_FLAG_PROC_INDEX (§1.3) */
#define BUF_FLAG_COMPRESSED 0x0040u        /* §1.4, §1.5 */
#define COMPRESSION_LZ77 3u                /* u32 at 0x2C of compressed buffers (§8) */
#define MAX_CPUS 2048u                     /* ETW_PROCESSOR_INDEX_MASK + 1 */
/* Fuzz finding (fuzz/regressions/fuzz_etl/compressed-buffers-oom): a
 * compressed buffer's Offset claims its decompressed size, and a few bytes
 * of LZ77 really do expand to 64 MiB; one such buffer per CPU made a 1 KiB
 * file take gigabytes. A decompressed buffer is a session buffer, at most
 * 16 MiB (§1.1; compression needs Windows 8), and all the CPUs' decompressed
 * buffers together get a budget; a buffer beyond it is skipped with a
 * diagnostic. */
#define BUF_MAX_DECODED (16u * 1024u * 1024u)
#define DECODED_BUDGET ((size_t)256 * 1024 * 1024)

typedef struct buf_hdr {
    uint32_t size;         /* BufferSize: bytes on disk */
    uint32_t saved_offset; /* SavedOffset */
    uint32_t offset;       /* Offset: end of valid data (uncompressed extent) */
    uint32_t cpu;
    uint16_t flags;
    uint32_t compression; /* u32 at 0x2C */
} buf_hdr;

/* One buffer of the file: where it is and its header. */
typedef struct bufinfo {
    uint64_t off;
    uint64_t index;
    buf_hdr h;
} bufinfo;

void etwcap_parse_buf_hdr(const uint8_t *h, buf_hdr *b);

/* A block of the file read with one call, shared by the buffers inside it.
 * Reference counts change on the reader's thread only; workers just read
 * the bytes of chunks that a job holds a reference to. */
typedef struct chunk {
    uint8_t *mem; /* owned storage, NULL when `data` points into a memory image */
    size_t cap;
    const uint8_t *data;
    uint64_t off;
    size_t len;
    int refs;
    struct chunk *next_free;
} chunk;

/* The bytes source: a file or a memory image (etwcap_reader_open_memory). */
typedef struct rd_source {
    etwcap_file *file;
    const uint8_t *mem;
    uint64_t size;
} rd_source;

int64_t etwcap_rd_read_at(const rd_source *src, uint64_t off, void *buf, size_t n);

/* A problem met while decoding, kept until the reader's thread reports it
 * (diagnostics are reported in the same order whatever thread decoded). */
typedef struct slot_diag {
    etwcap_status status;
    uint64_t offset;
    char message[200];
} slot_diag;

enum {
    SLOT_FREE = 0,
    SLOT_IDLE,
    SLOT_QUEUED,
    SLOT_BUSY,
    SLOT_DONE
};

/* A buffer on its way to a stream: its bytes and, for a compressed buffer,
 * the decompressed record area. Owned storage moves between slots by
 * swapping, so a stream's slot and the pool's slots trade buffers. */
typedef struct slot {
    bufinfo b;
    int state;
    int decode;    /* decoding was asked for (compressed, or needs its own read) */
    uint8_t *data; /* owned storage: the buffer, header first */
    size_t cap;
    uint8_t *zbuf; /* owned compressed-input scratch */
    size_t zcap;
    chunk *ch;          /* chunk holding the buffer's bytes, or NULL */
    const uint8_t *rec; /* the buffer: header then records */
    size_t disk;        /* bytes of the buffer present in the file */
    size_t end;         /* end of valid records (decode result) */
    int nomem;          /* decode results, replayed by the reader's thread */
    int read_error;
    int has_diag;
    slot_diag diag;
    struct slot *next; /* free list or work queue */
} slot;

/* Decode `sl` (sl->b, sl->disk and sl->ch set): read its bytes unless a
 * chunk or memory image has them, decompress a compressed buffer. Safe to
 * call from any thread; touches nothing but the slot. */
void etwcap_slot_decode(const rd_source *src, slot *sl);

/* Swap the owned storage of two slots. */
void etwcap_slot_swap_storage(slot *a, slot *b);

void etwcap_slot_free_storage(slot *sl);

/* Worker threads that decode slots queued in order. */
typedef struct rd_pool {
    const rd_source *src;
    etwcap_mutex *mu;
    etwcap_cond *work; /* workers wait for a queued slot */
    etwcap_cond *done; /* the reader waits for a busy slot */
    etwcap_thread **threads;
    size_t nthreads;
    int stop;
    slot *head, *tail; /* queued slots, oldest first */
} rd_pool;

/* Start up to `n` workers; *started says how many run (0 on any failure:
 * the reader then decodes everything itself). */
void etwcap_pool_start(rd_pool *p, const rd_source *src, size_t n);
void etwcap_pool_stop(rd_pool *p);
/* Queue a slot in state SLOT_QUEUED. */
void etwcap_pool_submit(rd_pool *p, slot *sl);
/* Make `sl` SLOT_DONE: decode it here if no worker took it yet, else wait. */
void etwcap_pool_finish(rd_pool *p, slot *sl);

/* ---- the reader (reader.c) and how it finds buffers (reader_find.c) ------ */

/* A function whose calls are all inlined into it (GCC and Clang), for the
 * loops over records, where a call costs about as much as the work. Calls
 * into other files are inlined only with link-time optimization. */
#if defined(__GNUC__) || defined(__clang__)
#define RD_FLATTEN __attribute__((flatten))
#else
#define RD_FLATTEN
#endif

#define CHUNK_SIZE (256u << 10) /* sequential reads in file order */
#define CHUNK_SMALL (64u << 10) /* ... in files below CHUNK_SMALL_FILE bytes */
#define CHUNK_SMALL_FILE (32u << 20)
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
    slot cur;   /* the buffer being read */
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
    /* options.lazy_scan in file order: the walk finds, counts and reports
     * buffer headers itself (scan_end stays at the file size until it stops);
     * workers start at the first compressed buffer. */
    int lazy_scan;
    int workers_checked;
    uint32_t threads;
    int visiting; /* etwcap_reader_visit has taken over: nothing is decoded ahead */

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
    int hold_walk; /* diagnostics of the walk are held (see etwcap_rd_release_held) */
    int has_held;
    etwcap_diag held;
    etwcap_diag_cb on_diag;
    void *diag_payload;
};

/* Add a diagnostic (kept, and passed to the caller's callback). While
 * r->hold_walk is set, a diagnostic of the walk is held back instead (see
 * etwcap_rd_release_held). */
void etwcap_rd_diag(etwcap_reader *r, etwcap_status st, int64_t buf_index, uint64_t offset,
                    const char *fmt, ...);
/* Report the held diagnostic, if any. A walk that looks ahead (for the
 * workers) meets a bad header before the buffers in front of it are read;
 * its diagnostic comes after theirs, as without looking ahead. */
void etwcap_rd_release_held(etwcap_reader *r);

/* ---- one buffer from its header to its records (reader.c) ----------------
 * The steps both ways of reading share: the iterator (etwcap_reader_next)
 * reports a buffer's diagnostics at once, the visit (reader_visit.c) after
 * the buffers before it, from whatever thread decoded it. */

#define BUF_DIAGS_MAX 4 /* a header problem, a decoding one, a bad record */
typedef struct buf_diags {
    slot_diag d[BUF_DIAGS_MAX];
    int n;
} buf_diags;

/* Report diagnostics [from, to) of a buffer's list, in order. */
void etwcap_rd_diag_flush(etwcap_reader *r, int64_t buf_index, const buf_diags *l, int from,
                          int to);

/* Bytes of the buffer present in the file (a last buffer may be cut). */
size_t etwcap_rd_disk_bytes(const etwcap_reader *r, const bufinfo *b);

/* The checks on a buffer before it is decoded: 1 to decode it, 0 when it is
 * skipped. Reads only what does not change while reading. */
int etwcap_rd_buffer_check(const etwcap_reader *r, const bufinfo *b, size_t disk, buf_diags *l);

/* After etwcap_slot_decode: 1 when the records can be read, 0 when the
 * buffer is skipped (out of memory, read error). */
int etwcap_rd_buffer_loaded(const slot *sl, buf_diags *l);

/* The record at *pos of a loaded buffer into `ev` (with its CPU and origin),
 * *pos moved to the next one. 0 when the buffer has no more records; a
 * corrupt record ends them, with a diagnostic. */
int etwcap_rd_buffer_record(const slot *sl, size_t *pos, etwcap_event *ev, buf_diags *l);

/* The records of a loaded buffer from *pos on, each finished
 * (etwcap_rd_event_done, counted in *records and *header_records) and
 * handed to fn(ctx): the loop of both file-order visits. Stops at the first
 * status other than ETWCAP_OK that fn returns, and returns it. */
etwcap_status etwcap_rd_buffer_visit(const etwcap_reader *r, const slot *sl, size_t *pos,
                                     buf_diags *dl, uint64_t *records, uint64_t *header_records,
                                     etwcap_visit_fn fn, void *ctx);

/* File order: the next event of what the iterator holds already (the record
 * parsed at open, the rest of its buffer, the buffers decoded ahead), without
 * finding another buffer. 0 when it holds no more. */
int etwcap_rd_next_held(etwcap_reader *r, etwcap_event *ev);

/* File order, one thread: every event left, handed to fn(ctx) in the
 * iterator's order with its diagnostics and counts. Stops at the first
 * status other than ETWCAP_OK that fn returns, and returns it. */
etwcap_status etwcap_rd_visit_in_order(etwcap_reader *r, etwcap_visit_fn fn, void *ctx);

/* What every delivered event gets: its UTC time; and the counts. */
void etwcap_rd_event_done(const etwcap_reader *r, etwcap_event *ev, uint64_t *records,
                          uint64_t *header_records);

/* One pass over all buffer headers at open: the CPUs (streams), counts,
 * and in time order the first buffers of every stream. With lazy_scan only
 * the first header is read (its stream is the only one). */
etwcap_status etwcap_rd_scan(etwcap_reader *r);
/* The stream's next buffer in time order (merge); 0 when there is none.
 * `may_search`: look beyond the index window on its own. */
int etwcap_rd_merge_next(etwcap_reader *r, stream *s, bufinfo *b, int may_search);
/* The next buffer in file order (no_merge), with a reference to its chunk. */
int etwcap_rd_seq_next(etwcap_reader *r, bufinfo *b, chunk **ch);
void etwcap_rd_chunk_release(etwcap_reader *r, chunk *c);

#endif
