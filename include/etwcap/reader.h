/* etwcap/reader.h - streaming .etl file reader.
 *
 * The reader walks the file buffer by buffer (etl-format.md §1), decompresses
 * compressed buffers, and merges the per-CPU buffer streams into one timeline
 * ordered by raw timestamp (§1.7). Memory is bounded by one decoded buffer per
 * CPU plus a fixed look-ahead (a window of buffer headers, a few buffers
 * decoded ahead by worker threads when asked for); the file is never loaded
 * whole, and memory does not grow with the file size.
 *
 * Problems in the input do not stop the reader when it can go on: they are
 * recorded as diagnostics (etwcap_reader_diag_*) and, where a sink was given,
 * reported as they happen.
 */
#ifndef ETWCAP_READER_H
#define ETWCAP_READER_H

#include "etwcap/error.h"
#include "etwcap/event.h"

#ifdef __cplusplus
extern "C" {
#endif

/* TRACE_LOGFILE_HEADER of the first header record (etl-format.md §1.8). */
typedef struct etwcap_logfile_info {
    uint32_t buffer_size;
    uint8_t os_major, os_minor, layout_major, layout_minor;
    uint32_t os_build; /* ProviderVersion */
    uint32_t num_cpus;
    int64_t end_time; /* FILETIME */
    uint32_t timer_resolution;
    uint32_t max_file_size;
    uint32_t log_file_mode;
    uint32_t buffers_written;
    uint32_t start_buffers;
    uint32_t pointer_size;
    uint32_t events_lost;
    uint32_t cpu_mhz;
    int32_t tz_bias_minutes;
    int64_t boot_time;   /* FILETIME */
    int64_t perf_freq;   /* ticks per second */
    int64_t start_time;  /* FILETIME */
    uint32_t clock_type; /* ReservedFlags: 1 QPC, 2 system time, 3 CPU cycles */
    uint32_t buffers_lost;
    int64_t header_timestamp; /* raw timestamp of the header record: T0 */
    int header_is_64bit;      /* which TRACE_LOGFILE_HEADER form was read */
    char session_name[256];   /* UTF-8 */
    char logfile_name[256];   /* UTF-8 */
} etwcap_logfile_info;

/* Running totals, updated while reading. */
typedef struct etwcap_reader_stats {
    uint64_t file_buffers; /* buffers found by the header scan (lazy_scan: so far) */
    uint64_t file_buffers_compressed;
    uint64_t buffers;            /* buffers loaded so far (including skipped ones) */
    uint64_t buffers_compressed; /* buffers that were decompressed */
    uint64_t buffers_skipped;    /* corrupt buffers left out */
    uint64_t records;            /* records walked */
    uint64_t header_records;     /* EventTrace header records (relogged files have several) */
    uint64_t bytes;              /* file bytes covered by readable buffers */
    uint32_t max_cpu;            /* highest CPU number seen */
} etwcap_reader_stats;

typedef struct etwcap_reader etwcap_reader;

/* Called for each diagnostic as soon as it is found. */
typedef void (*etwcap_diag_cb)(const etwcap_diag *d, void *payload);

typedef struct etwcap_reader_options {
    uint32_t version; /* ETWCAP_READER_OPTIONS_VERSION: the fields below that are read */
    int no_merge;     /* 1: deliver records in file order instead of time order */
    etwcap_diag_cb on_diag;
    void *diag_payload;
    /* Version 2. Threads that decode buffers, the caller's included: with
     * more than 1, worker threads decompress (and in time order read)
     * upcoming compressed buffers while the caller's thread merges; a file
     * without compressed buffers gets no worker. Events, diagnostics and
     * counters are the same whatever the number. 0 = one per processor;
     * 1 = no worker threads (also when version is 1). */
    uint32_t threads;
    /* Version 3. With no_merge: find the buffers while reading them instead
     * of scanning every buffer header at open. When buffers are small the
     * scan reads most of the file, so a caller that reads every record (like
     * `stats`) reads the file once instead of twice. Header problems are
     * then reported when the walk reaches them, and file_buffers,
     * file_buffers_compressed, max_cpu and bytes are complete only once
     * etwcap_reader_next has returned ETWCAP_END. Ignored in time order. */
    int lazy_scan;
} etwcap_reader_options;

#define ETWCAP_READER_OPTIONS_VERSION 3
/* clang-format off */
#define ETWCAP_READER_OPTIONS_INIT {ETWCAP_READER_OPTIONS_VERSION, 0, NULL, NULL, 1, 0}
/* clang-format on */

/* Open `path` and read its log-file header. On failure *out is NULL and,
 * when `diag` is given, it says why. */
etwcap_status etwcap_reader_open(etwcap_reader **out, const char *path,
                                 const etwcap_reader_options *opts, etwcap_diag *diag);

/* Open an in-memory image of a file (used by fuzzers and tests). The memory
 * must stay valid until etwcap_reader_close. */
etwcap_status etwcap_reader_open_memory(etwcap_reader **out, const void *data, size_t size,
                                        const char *name, const etwcap_reader_options *opts,
                                        etwcap_diag *diag);

/* The next event in time order. Returns ETWCAP_OK with *ev filled,
 * ETWCAP_END at the end, or an error (which is also recorded as a diagnostic).
 * `ev` borrows memory from the reader until the next call. */
etwcap_status etwcap_reader_next(etwcap_reader *r, etwcap_event *ev);

/* Called by etwcap_reader_visit for each event, on the thread that owns
 * `ctx`. ETWCAP_OK goes on; anything else stops the visit. */
typedef etwcap_status (*etwcap_visit_fn)(void *ctx, const etwcap_event *ev);

/* Threads etwcap_reader_visit would use: options.threads, 0 resolved to the
 * number of processors (at least 1). */
size_t etwcap_reader_threads(const etwcap_reader *r);

/* Hand every remaining event to `fn`, for callers that do not need the
 * events in order (counting, say). In file order (no_merge) with more than
 * one thread, each thread decodes whole buffers and calls `fn` with its own
 * context, ctxs[0] being the caller's thread: the events of one buffer come
 * in order on one thread, those of different buffers on any thread at the
 * same time. Thread i uses ctxs[i] only, for i < min(nctx,
 * etwcap_reader_threads). In time order, or with one thread, the events come
 * in order on the caller's thread with ctxs[0].
 *
 * Diagnostics (their order included) and counters are those of reading the
 * same events with etwcap_reader_next, reported on the caller's thread.
 * Returns ETWCAP_OK at the end, or what `fn` returned when it stopped the
 * visit (other threads first finish the buffers they hold, and with
 * lazy_scan the walk's counters may include buffers found ahead), or an
 * error. After an error the reader has no defined position: close it. */
etwcap_status etwcap_reader_visit(etwcap_reader *r, etwcap_visit_fn fn, void *const *ctxs,
                                  size_t nctx);

const etwcap_logfile_info *etwcap_reader_info(const etwcap_reader *r);
const etwcap_reader_stats *etwcap_reader_stats_get(const etwcap_reader *r);
const char *etwcap_reader_path(const etwcap_reader *r);

/* Number of diagnostics recorded so far, and access to them (the first
 * ETWCAP_READER_MAX_DIAGS are kept; the count goes on). */
size_t etwcap_reader_diag_count(const etwcap_reader *r);
const etwcap_diag *etwcap_reader_diag_get(const etwcap_reader *r, size_t i);
#define ETWCAP_READER_MAX_DIAGS 64

void etwcap_reader_close(etwcap_reader *r);

/* Convert a raw timestamp to FILETIME (UTC) with the file's clock
 * (etl-format.md §1.9). */
int64_t etwcap_logfile_to_filetime(const etwcap_logfile_info *info, int64_t raw);

/* Milliseconds from the log-file header record to `raw`, as TraceEvent's
 * "msec" column gives it. */
double etwcap_logfile_msec(const etwcap_logfile_info *info, int64_t raw);

/* Format a FILETIME as ISO 8601 UTC with 7 fractional digits:
 * "2020-07-29T00:06:19.7912345Z". `out` needs 32 bytes. */
void etwcap_filetime_format(int64_t ft, char out[32]);

#ifdef __cplusplus
}
#endif
#endif
