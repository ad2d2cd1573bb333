/* fake_consumer.h - a fake of the consumer calls of the etwcap_winapi table
 * (OpenTraceW, ProcessTrace, CloseTrace) for tests of
 * src/lib/capture/realtime.c. Windows builds only (run under Wine in CI).
 *
 * ProcessTrace replays a real .etl: the project's reader reads it, and each
 * etwcap_event is encoded into an EVENT_RECORD the way Windows delivers one
 * to a PROCESS_TRACE_MODE_EVENT_RECORD consumer (written here, independently
 * of the production decoder), then given to the EventRecordCallback of the
 * EVENT_TRACE_LOGFILEW that OpenTraceW received. Every call is recorded;
 * failures can be injected.
 */
#ifndef ETWCAP_TEST_FAKE_CONSUMER_H
#define ETWCAP_TEST_FAKE_CONSUMER_H

#ifdef _WIN32
#include <stddef.h>
#include <stdint.h>

#include "etwcap/event.h"
#include "win/winapi.h"

#define FAKE_CONSUMER_MAX_CALLS 16

typedef struct fake_consumer_call {
    char name[16];      /* "OpenTraceW", "ProcessTrace", "CloseTrace" */
    ULONG mode;         /* OpenTraceW: ProcessTraceMode */
    int real_time_name; /* OpenTraceW: LoggerName given (not LogFileName) */
    TRACEHANDLE handle; /* ProcessTrace/CloseTrace: the handle passed */
    ULONG count;        /* ProcessTrace: HandleCount */
} fake_consumer_call;

typedef struct fake_consumer {
    const char *etl_path; /* what ProcessTrace replays */
    /* Injected failures. */
    int fail_open;       /* OpenTraceW returns INVALID_PROCESSTRACE_HANDLE */
    ULONG process_error; /* ProcessTrace returns this (after replaying) */
    uint64_t stop_after; /* replay only this many events; 0 = all */
    /* Deliver like a live session: each CPU's events in buffers of this
     * many, a buffer when it is full or half a second old (the flush
     * timer), so CPUs interleave out of time order; 0 = in the reader's
     * time order. */
    size_t buffer_events;
    /* Recorded. */
    fake_consumer_call calls[FAKE_CONSUMER_MAX_CALLS];
    size_t ncalls;
    uint64_t replayed;     /* EVENT_RECORDs given to the callback */
    uint64_t ext_items;    /* extended items among them */
    int opened, closed;    /* open handles minus closes must end at 0 */
    int buffer_stop;       /* BufferCallback returned FALSE */
    uint64_t out_of_order; /* records delivered older than one before them */
} fake_consumer;

/* A table whose etw consumer entries are the fake's; other entries NULL.
 * One fake at a time (the Win32 signatures carry no context). */
void fake_consumer_install(etwcap_winapi *api, fake_consumer *f);

/* The test-side encoder: `ev` as Windows would deliver it. `rec` points
 * into `ev` and into `items` (room for ETWCAP_MAX_EXT_ITEMS). */
void fake_consumer_encode(const etwcap_event *ev, EVENT_RECORD *rec,
                          EVENT_HEADER_EXTENDED_DATA_ITEM *items);

#endif
#endif
