/* realtime.c - OpenTraceW/ProcessTrace consumer and EVENT_RECORD -> etwcap_event
 * (realtime.h).
 *
 * The consumer asks for PROCESS_TRACE_MODE_EVENT_RECORD (EVENT_RECORD
 * callbacks) and PROCESS_TRACE_MODE_RAW_TIMESTAMP: timestamps stay in the
 * session's clock, as the .etl reader gives them, and are converted with the
 * log-file header (etl-format.md §1.9) by the later stages.
 *
 * In an EVENT_RECORD, records with a classic header (SYSTEM, COMPACT,
 * PERFINFO, FULL, INSTANCE; etl-format.md §2.2-§2.5) carry
 * EVENT_HEADER_FLAG_CLASSIC_HEADER, the class GUID as ProviderId, the event
 * type as Opcode and the header's version in the descriptor; the kernel's
 * own groups are told from other classic providers by their class GUID
 * (§2.2). The reader's normalisation is reproduced field by field.
 */
#ifdef _WIN32
#include "capture/realtime.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture/reorder.h"
#include "reader/logfile.h"
#include "reader/record.h"

#define KERNEL_GROUPS 0x1F /* groups with a class GUID (reader/kernel_guid.c) */

typedef struct consumer {
    etwcap_realtime_cb cb;
    void *payload;
    etwcap_realtime_stats *stats;
    etwcap_status err;
    TRACE_LOGFILE_HEADER header; /* as OpenTraceW filled it in */
    uint32_t reorder_ms;
    etwcap_reorder *reorder; /* created at the first event, when the clock is known */
    etwcap_event ev;
} consumer;

static etwcap_guid from_win_guid(const GUID *g)
{
    etwcap_guid out;
    out.data1 = (uint32_t)g->Data1;
    out.data2 = g->Data2;
    out.data3 = g->Data3;
    memcpy(out.data4, g->Data4, 8);
    return out;
}

/* The kernel group whose class GUID is `g`, or -1 (§2.2). */
static int kernel_group_of(const etwcap_guid *g)
{
    for (unsigned grp = 0; grp < KERNEL_GROUPS; grp++) {
        etwcap_guid k;
        if (etwcap_kernel_group_guid(grp, &k) && etwcap_guid_equal(&k, g))
            return (int)grp;
    }
    return -1;
}

static void convert_kernel(const EVENT_HEADER *h, int group, etwcap_event *ev)
{
    const int p32 = ev->pointer_size == 4;
    ev->kind = ETWCAP_KIND_KERNEL;
    ev->hook_id = (uint16_t)((unsigned)group << 8 | h->EventDescriptor.Opcode);
    /* PERFINFO headers have no thread/process ids (the consumer sees -1)
     * and, like COMPACT ones, no CPU times (§2.2, §2.3). */
    if (h->ProcessId == ETWCAP_NO_ID && h->ThreadId == ETWCAP_NO_ID)
        ev->header_type = p32 ? ETWCAP_HDR_PERFINFO32 : ETWCAP_HDR_PERFINFO64;
    else if (h->Flags & EVENT_HEADER_FLAG_NO_CPUTIME)
        ev->header_type = p32 ? ETWCAP_HDR_COMPACT32 : ETWCAP_HDR_COMPACT64;
    else
        ev->header_type = p32 ? ETWCAP_HDR_SYSTEM32 : ETWCAP_HDR_SYSTEM64;
    if (ev->header_type == ETWCAP_HDR_SYSTEM32 || ev->header_type == ETWCAP_HDR_SYSTEM64) {
        ev->kernel_time = h->KernelTime;
        ev->user_time = h->UserTime;
    }
}

/* An INSTANCE header (§2.5) arrives as a classic record with an
 * INSTANCE_INFO item; the reader keeps no item for it, so neither do we. */
static int has_instance_info(const EVENT_RECORD *rec)
{
    for (USHORT i = 0; rec->ExtendedData && i < rec->ExtendedDataCount; i++)
        if (rec->ExtendedData[i].ExtType == EVENT_HEADER_EXT_TYPE_INSTANCE_INFO)
            return 1;
    return 0;
}

static void convert_classic(const EVENT_RECORD *rec, etwcap_event *ev)
{
    const EVENT_HEADER *h = &rec->EventHeader;
    const int p32 = ev->pointer_size == 4;
    ev->kind = ETWCAP_KIND_CLASSIC;
    if (has_instance_info(rec))
        ev->header_type = p32 ? ETWCAP_HDR_INSTANCE32 : ETWCAP_HDR_INSTANCE64;
    else
        ev->header_type = p32 ? ETWCAP_HDR_FULL32 : ETWCAP_HDR_FULL64;
    ev->level = h->EventDescriptor.Level;
    ev->kernel_time = h->KernelTime;
    ev->user_time = h->UserTime;
}

static int convert_manifest(const EVENT_RECORD *rec, etwcap_event *ev, const char **why)
{
    const EVENT_HEADER *h = &rec->EventHeader;
    ev->kind = ETWCAP_KIND_MANIFEST;
    ev->header_type = ev->pointer_size == 4 ? ETWCAP_HDR_EVENT32 : ETWCAP_HDR_EVENT64;
    /* The record's flags; PROCESSOR_INDEX describes the delivery, not it. */
    ev->flags = (uint16_t)(h->Flags & ~EVENT_HEADER_FLAG_PROCESSOR_INDEX);
    ev->event_property = h->EventProperty;
    ev->id = h->EventDescriptor.Id;
    ev->channel = h->EventDescriptor.Channel;
    ev->level = h->EventDescriptor.Level;
    ev->task = h->EventDescriptor.Task;
    ev->keyword = h->EventDescriptor.Keyword;
    ev->kernel_time = h->KernelTime;
    ev->user_time = h->UserTime;
    ev->activity_id = from_win_guid(&h->ActivityId);
    if (rec->ExtendedDataCount > ETWCAP_MAX_EXT_ITEMS) {
        *why = "more than 16 extended data items";
        return -1;
    }
    if (rec->ExtendedDataCount && !rec->ExtendedData) {
        *why = "extended data count without items";
        return -1;
    }
    for (USHORT i = 0; i < rec->ExtendedDataCount; i++) {
        const EVENT_HEADER_EXTENDED_DATA_ITEM *x = &rec->ExtendedData[i];
        etwcap_ext_item *it = &ev->ext[ev->ext_count++];
        it->type = x->ExtType;
        it->size = x->DataSize;
        // NOLINTNEXTLINE(performance-no-int-to-ptr): ETW gives the address as a ULONGLONG
        it->data = (const uint8_t *)(uintptr_t)x->DataPtr;
        if (it->size && !it->data) {
            *why = "extended data item without data";
            return -1;
        }
        etwcap_record_note_ext(ev, it);
    }
    return 0;
}

int etwcap_realtime_convert(const EVENT_RECORD *rec, const etwcap_logfile_info *info,
                            etwcap_event *ev, const char **why)
{
    const EVENT_HEADER *h = &rec->EventHeader;
    memset(ev, 0, offsetof(etwcap_event, ext));
    memset(&ev->x, 0, sizeof *ev - offsetof(etwcap_event, x));
    ev->struct_version = ETWCAP_EVENT_VERSION;
    if (rec->UserDataLength && !rec->UserData) {
        *why = "user data length without user data";
        return -1;
    }
    ev->pointer_size = (h->Flags & EVENT_HEADER_FLAG_32_BIT_HEADER)   ? 4
                       : (h->Flags & EVENT_HEADER_FLAG_64_BIT_HEADER) ? 8
                                                                      : (uint8_t)sizeof(void *);
    ev->provider = from_win_guid(&h->ProviderId);
    ev->version = h->EventDescriptor.Version;
    ev->opcode = h->EventDescriptor.Opcode;
    ev->pid = h->ProcessId;
    ev->tid = h->ThreadId;
    ev->timestamp = h->TimeStamp.QuadPart;
    ev->cpu = (h->Flags & EVENT_HEADER_FLAG_PROCESSOR_INDEX) ? rec->BufferContext.ProcessorIndex
                                                             : rec->BufferContext.ProcessorNumber;
    ev->payload = rec->UserData;
    ev->payload_len = rec->UserDataLength;
    if (h->Flags & EVENT_HEADER_FLAG_TRACE_MESSAGE) {
        /* WPP (§2.9): the message number is the descriptor's id. */
        ev->kind = ETWCAP_KIND_MESSAGE;
        ev->header_type = ETWCAP_HDR_MESSAGE;
        ev->message_number = h->EventDescriptor.Id;
        ev->id = ev->message_number;
        ev->opcode = 0;
        ev->version = 0;
    } else if (h->Flags & EVENT_HEADER_FLAG_CLASSIC_HEADER) {
        int group = kernel_group_of(&ev->provider);
        if (group >= 0)
            convert_kernel(h, group, ev);
        else
            convert_classic(rec, ev);
    } else if (convert_manifest(rec, ev, why) != 0) {
        return -1;
    }
    ev->filetime = info ? etwcap_logfile_to_filetime(info, ev->timestamp) : ev->timestamp;
    return 0;
}

/* The log-file header of a live session, from what OpenTraceW filled in.
 * Without a header event there is no raw timestamp of the session start:
 * the first event's stands for it (the FILETIMEs of a live session are then
 * off by the time from the start to the first event). */
static void info_from_logfile(const TRACE_LOGFILE_HEADER *h, int64_t t0, etwcap_logfile_info *in)
{
    memset(in, 0, sizeof *in);
    in->buffer_size = h->BufferSize;
    in->os_major = h->VersionDetail.MajorVersion;
    in->os_minor = h->VersionDetail.MinorVersion;
    in->layout_major = h->VersionDetail.SubVersion;
    in->layout_minor = h->VersionDetail.SubMinorVersion;
    in->os_build = h->ProviderVersion;
    in->num_cpus = h->NumberOfProcessors;
    in->end_time = h->EndTime.QuadPart;
    in->timer_resolution = h->TimerResolution;
    in->max_file_size = h->MaximumFileSize;
    in->log_file_mode = h->LogFileMode;
    in->buffers_written = h->BuffersWritten;
    in->start_buffers = h->StartBuffers;
    in->pointer_size = h->PointerSize;
    in->events_lost = h->EventsLost;
    in->cpu_mhz = h->CpuSpeedInMHz;
    in->tz_bias_minutes = (int32_t)h->TimeZone.Bias;
    in->boot_time = h->BootTime.QuadPart;
    in->perf_freq = h->PerfFreq.QuadPart;
    in->start_time = h->StartTime.QuadPart;
    in->clock_type = h->ReservedFlags;
    in->buffers_lost = h->BuffersLost;
    in->header_timestamp = t0;
    in->header_is_64bit = sizeof(void *) == 8;
}

/* Raw clock ticks in `ms` milliseconds (etl-format.md §1.9). */
static int64_t ticks_of_ms(const etwcap_logfile_info *in, uint32_t ms)
{
    switch (in->clock_type) {
    case 2: /* system time, 100 ns */
        return (int64_t)ms * 10000;
    case 3: /* CPU cycles */
        return (int64_t)ms * 1000 * (in->cpu_mhz ? in->cpu_mhz : 1000);
    default:
        return (int64_t)ms * (in->perf_freq > 0 ? in->perf_freq : 10000000) / 1000;
    }
}

/* The reorder window releases an event. */
static etwcap_status hand_on(const etwcap_event *ev, void *payload)
{
    consumer *c = payload;
    return c->cb(ev, &c->stats->info, c->payload);
}

static void WINAPI on_record(PEVENT_RECORD rec)
{
    consumer *c = rec->UserContext;
    if (!c || c->err != ETWCAP_OK)
        return;
    etwcap_realtime_stats *s = c->stats;
    const char *why = NULL;
    if (etwcap_realtime_convert(rec, s->have_info ? &s->info : NULL, &c->ev, &why) != 0) {
        s->malformed++;
        return;
    }
    /* The first header event (a file replay, or a session that logs one)
     * gives the header exactly as the .etl reader reads it (§1.8). */
    if (etwcap_logfile_is_header(&c->ev) && !s->have_header_event) {
        etwcap_logfile_info in;
        if (etwcap_logfile_parse(&c->ev, &in, &why) == 0) {
            s->info = in;
            s->have_info = 1;
            s->have_header_event = 1;
            c->ev.filetime = etwcap_logfile_to_filetime(&s->info, c->ev.timestamp);
        }
    }
    if (!s->have_info) {
        info_from_logfile(&c->header, c->ev.timestamp, &s->info);
        s->have_info = 1;
        c->ev.filetime = etwcap_logfile_to_filetime(&s->info, c->ev.timestamp);
    }
    s->events++;
    if (c->reorder_ms && !c->reorder) {
        c->err =
            etwcap_reorder_create(&c->reorder, ticks_of_ms(&s->info, c->reorder_ms), hand_on, c);
        if (c->err != ETWCAP_OK)
            return;
    }
    c->err =
        c->reorder ? etwcap_reorder_push(c->reorder, &c->ev) : c->cb(&c->ev, &s->info, c->payload);
}

/* Called after each buffer: FALSE asks ProcessTrace to return. */
static ULONG WINAPI on_buffer(PEVENT_TRACE_LOGFILEW lf)
{
    const consumer *c = lf->Context;
    return c && c->err != ETWCAP_OK ? FALSE : TRUE;
}

static void fail(etwcap_diag *diag, const char *call, unsigned long code)
{
    if (!diag)
        return;
    memset(diag, 0, sizeof *diag);
    diag->status = ETWCAP_ERR_IO;
    diag->buffer_index = -1;
    snprintf(diag->message, sizeof diag->message, "%s failed (error %lu)", call, code);
}

etwcap_status etwcap_realtime_consume(const etwcap_winapi *api, const etwcap_realtime_source *src,
                                      etwcap_realtime_cb cb, void *payload,
                                      etwcap_realtime_stats *stats, etwcap_diag *diag)
{
    etwcap_realtime_stats local;
    if (!stats)
        stats = &local;
    memset(stats, 0, sizeof *stats);
    if (!api || !src || !src->name || !cb || !api->etw.OpenTraceW || !api->etw.ProcessTrace ||
        !api->etw.CloseTrace)
        return ETWCAP_ERR_ARG;
    consumer *c = calloc(1, sizeof *c); /* the event struct is large for a stack */
    if (!c)
        return ETWCAP_ERR_NOMEM;
    c->cb = cb;
    c->payload = payload;
    c->reorder_ms = src->reorder_ms;
    c->stats = stats;
    EVENT_TRACE_LOGFILEW lf;
    memset(&lf, 0, sizeof lf);
    if (src->is_file)
        lf.LogFileName = (LPWSTR)src->name;
    else
        lf.LoggerName = (LPWSTR)src->name;
    lf.ProcessTraceMode = PROCESS_TRACE_MODE_EVENT_RECORD | PROCESS_TRACE_MODE_RAW_TIMESTAMP |
                          (src->is_file ? 0 : PROCESS_TRACE_MODE_REAL_TIME);
    lf.EventRecordCallback = on_record;
    lf.BufferCallback = on_buffer;
    lf.Context = c;
    TRACEHANDLE h = api->etw.OpenTraceW(&lf);
    if (h == INVALID_PROCESSTRACE_HANDLE) {
        fail(diag, "OpenTraceW", 0);
        free(c);
        return ETWCAP_ERR_IO;
    }
    c->header = lf.LogfileHeader;
    ULONG rc = api->etw.ProcessTrace(&h, 1, NULL, NULL);
    ULONG rc_close = api->etw.CloseTrace(h);
    if (c->reorder) {
        if (c->err == ETWCAP_OK)
            c->err = etwcap_reorder_flush(c->reorder);
        stats->late = etwcap_reorder_late(c->reorder);
        stats->held_peak = etwcap_reorder_peak(c->reorder);
        etwcap_reorder_free(c->reorder);
    }
    etwcap_status st = c->err;
    if (st == ETWCAP_OK && rc != ERROR_SUCCESS && rc != ERROR_CANCELLED) {
        fail(diag, "ProcessTrace", rc);
        st = ETWCAP_ERR_IO;
    } else if (st == ETWCAP_OK && rc_close != ERROR_SUCCESS &&
               rc_close != ERROR_CTX_CLOSE_PENDING) {
        fail(diag, "CloseTrace", rc_close);
        st = ETWCAP_ERR_IO;
    }
    free(c);
    return st;
}
#else
/* ISO C forbids an empty translation unit. */
typedef int etwcap_realtime_unused;
#endif
