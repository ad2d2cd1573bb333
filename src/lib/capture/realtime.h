/* realtime.h - the real-time consumer of `etwcap capture --realtime` (issue #4).
 *
 * OpenTraceW/ProcessTrace/CloseTrace through the etwcap_winapi table; each
 * EVENT_RECORD is converted into the project's one event struct
 * (etwcap/event.h) with the same field values the .etl reader gives for the
 * same record (etl-format.md §2), and handed to a callback that streams it
 * through decode, state, stacks, symbols and evidence
 * (etwcap_evidence_stream_*). Windows only.
 */
#ifndef ETWCAP_CAPTURE_REALTIME_H
#define ETWCAP_CAPTURE_REALTIME_H

#ifdef _WIN32

#include <stdint.h>
#include <wchar.h>

#include "etwcap/error.h"
#include "etwcap/event.h"
#include "etwcap/reader.h"
#include "win/winapi.h"

/* One converted event. `info` is the session's log-file header once known
 * (NULL before). A status other than ETWCAP_OK stops the consumer: later
 * events are ignored and ProcessTrace is asked to return. */
typedef etwcap_status (*etwcap_realtime_cb)(const etwcap_event *ev, const etwcap_logfile_info *info,
                                            void *payload);

typedef struct etwcap_realtime_stats {
    uint64_t events;    /* converted and delivered */
    uint64_t malformed; /* EVENT_RECORDs that could not be converted (counted, skipped) */
    uint64_t late;      /* came after the reorder window had passed them (out of order) */
    size_t held_peak;   /* most events the reorder window held at once */
    int have_info;
    int have_header_event;    /* info came from a header event, not OpenTraceW */
    etwcap_logfile_info info; /* the log-file header the times were read with */
} etwcap_realtime_stats;

/* Where the events come from: a real-time session by name, or (is_file) an
 * .etl file, which ProcessTrace replays through the same callback. */
typedef struct etwcap_realtime_source {
    const wchar_t *name;
    int is_file;
    /* A live session delivers each CPU's buffers as they fill, out of time
     * order across CPUs: events are held this long (capture/reorder.h) and
     * handed on in time order. At least the session's flush interval;
     * 0 = as delivered (a file replay is already in order). */
    uint32_t reorder_ms;
} etwcap_realtime_source;

/* Open, process until the session stops (or the file ends), close. Returns
 * ETWCAP_OK, the callback's status, or ETWCAP_ERR_IO when OpenTraceW or
 * ProcessTrace fails (`diag` says which call and its error code). */
etwcap_status etwcap_realtime_consume(const etwcap_winapi *api, const etwcap_realtime_source *src,
                                      etwcap_realtime_cb cb, void *payload,
                                      etwcap_realtime_stats *stats, etwcap_diag *diag);

/* The conversion alone (the EventRecordCallback's work): `ev` borrows the
 * record's memory. `info` (or NULL) gives ev->filetime. Returns 0, or -1
 * with *why set when the record cannot be represented (more than
 * ETWCAP_MAX_EXT_ITEMS extended items). */
int etwcap_realtime_convert(const EVENT_RECORD *rec, const etwcap_logfile_info *info,
                            etwcap_event *ev, const char **why);

#endif /* _WIN32 */
#endif
