/* etwcap/output.h - sinks: event dump, per-type counts, trace info.
 *
 * Sinks take events from any source (the .etl reader or a live session) and
 * write text or JSON. They never exit and never print diagnostics.
 */
#ifndef ETWCAP_OUTPUT_H
#define ETWCAP_OUTPUT_H

#include <stdio.h>

#include "etwcap/error.h"
#include "etwcap/event.h"
#include "etwcap/reader.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- events: one line (text) or one JSON object (JSON Lines) per event ---- */

typedef struct etwcap_events_sink etwcap_events_sink;

/* `info` may be NULL (times then stay raw). */
etwcap_status etwcap_events_sink_create(etwcap_events_sink **out, FILE *f, int json,
                                        const etwcap_logfile_info *info);
/* Who an event belongs to, as the state stage attributes it: for PERFINFO
 * events (no PID in the header) the owner of the thread. */
typedef struct etwcap_event_owner {
    uint32_t pid;      /* ETWCAP_NO_ID when unknown */
    uint32_t tid;      /* ETWCAP_NO_ID when unknown */
    const char *pname; /* process name without extension, "" when unknown */
    /* Optional: rewrites a logged NT path (Image FileName) to drive-letter
     * form; returns the length written to out. */
    size_t (*map_path)(const char *nt, char *out, size_t cap, void *ctx);
    void *map_ctx;
} etwcap_event_owner;

/* `owner` may be NULL: the header's PID is used and no name is written. */
etwcap_status etwcap_events_sink_write(etwcap_events_sink *s, const etwcap_event *ev,
                                       const etwcap_event_owner *owner);
void etwcap_events_sink_free(etwcap_events_sink *s);

/* ---- stats: COUNT lines per event name ---- */

typedef struct etwcap_stats etwcap_stats;

etwcap_status etwcap_stats_create(etwcap_stats **out);
etwcap_status etwcap_stats_add(etwcap_stats *st, const etwcap_event *ev);
/* Add the counts of `src` (events counted on another thread) to `dst`. */
etwcap_status etwcap_stats_merge(etwcap_stats *dst, const etwcap_stats *src);
/* "COUNT <name>:<n>" lines sorted by name (byte order), then "TOTAL:<n>". */
etwcap_status etwcap_stats_write(etwcap_stats *st, FILE *f);
uint64_t etwcap_stats_total(const etwcap_stats *st);
/* Count for one name, 0 when never seen. */
uint64_t etwcap_stats_count(const etwcap_stats *st, const char *name);
void etwcap_stats_free(etwcap_stats *st);

/* ---- info: the log-file header and what the buffer walk found ---- */

etwcap_status etwcap_info_write(FILE *f, int json, const char *path,
                                const etwcap_logfile_info *info, const etwcap_reader_stats *stats);

#ifdef __cplusplus
}
#endif
#endif
