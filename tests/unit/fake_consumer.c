/* fake_consumer.c - fake OpenTraceW/ProcessTrace/CloseTrace that replay an
 * .etl through the consumer's EventRecordCallback (fake_consumer.h). */
#ifdef _WIN32
#include "fake_consumer.h"

#include <stdio.h>
#include <string.h>

#include "common/evpack.h"
#include "etwcap/reader.h"

static fake_consumer *current;
static PEVENT_TRACE_LOGFILEW opened_lf;

#define FAKE_HANDLE ((TRACEHANDLE)0x5EC0A1u)

static fake_consumer_call *record(const char *name)
{
    if (current->ncalls == FAKE_CONSUMER_MAX_CALLS)
        return NULL;
    fake_consumer_call *c = &current->calls[current->ncalls++];
    memset(c, 0, sizeof *c);
    snprintf(c->name, sizeof c->name, "%s", name);
    return c;
}

static GUID to_win(const etwcap_guid *g)
{
    GUID w;
    w.Data1 = g->data1;
    w.Data2 = g->data2;
    w.Data3 = g->data3;
    memcpy(w.Data4, g->data4, 8);
    return w;
}

/* How Windows presents a record to an EVENT_RECORD consumer: classic and
 * kernel headers as CLASSIC_HEADER with the class GUID, the type in Opcode
 * and the version in the descriptor; COMPACT and PERFINFO without CPU
 * times; PERFINFO without ids (-1); the pointer size as a header flag; the
 * CPU as ProcessorIndex; extended items as a linked array. */
void fake_consumer_encode(const etwcap_event *ev, EVENT_RECORD *rec,
                          EVENT_HEADER_EXTENDED_DATA_ITEM *items)
{
    memset(rec, 0, sizeof *rec);
    EVENT_HEADER *h = &rec->EventHeader;
    h->Size = sizeof *h;
    h->Flags =
        EVENT_HEADER_FLAG_PROCESSOR_INDEX |
        (ev->pointer_size == 4 ? EVENT_HEADER_FLAG_32_BIT_HEADER : EVENT_HEADER_FLAG_64_BIT_HEADER);
    h->ThreadId = ev->tid;
    h->ProcessId = ev->pid;
    h->TimeStamp.QuadPart = ev->timestamp;
    h->ProviderId = to_win(&ev->provider);
    h->EventDescriptor.Version = ev->version;
    h->EventDescriptor.Opcode = ev->opcode;
    h->KernelTime = ev->kernel_time;
    h->UserTime = ev->user_time;
    switch (ev->header_type) {
    case ETWCAP_HDR_COMPACT32:
    case ETWCAP_HDR_COMPACT64:
    case ETWCAP_HDR_PERFINFO32:
    case ETWCAP_HDR_PERFINFO64:
        h->Flags |= EVENT_HEADER_FLAG_CLASSIC_HEADER | EVENT_HEADER_FLAG_NO_CPUTIME;
        h->KernelTime = h->UserTime = 0;
        break;
    case ETWCAP_HDR_SYSTEM32:
    case ETWCAP_HDR_SYSTEM64:
    case ETWCAP_HDR_FULL32:
    case ETWCAP_HDR_FULL64:
    case ETWCAP_HDR_INSTANCE32:
    case ETWCAP_HDR_INSTANCE64:
        h->Flags |= EVENT_HEADER_FLAG_CLASSIC_HEADER;
        h->EventDescriptor.Level = ev->level;
        break;
    case ETWCAP_HDR_MESSAGE:
        h->Flags |= EVENT_HEADER_FLAG_TRACE_MESSAGE;
        h->EventDescriptor.Id = ev->message_number;
        h->EventDescriptor.Opcode = 0;
        break;
    default: /* EVENT_HEADER */
        h->Flags |= ev->flags;
        h->EventProperty = ev->event_property;
        h->EventDescriptor.Id = ev->id;
        h->EventDescriptor.Channel = ev->channel;
        h->EventDescriptor.Level = ev->level;
        h->EventDescriptor.Task = ev->task;
        h->EventDescriptor.Keyword = ev->keyword;
        h->ActivityId = to_win(&ev->activity_id);
        break;
    }
    rec->BufferContext.ProcessorIndex = (USHORT)ev->cpu;
    rec->BufferContext.LoggerId = 7;
    rec->UserData = (PVOID)ev->payload;
    rec->UserDataLength = (USHORT)ev->payload_len;
    if (ev->header_type == ETWCAP_HDR_INSTANCE32 || ev->header_type == ETWCAP_HDR_INSTANCE64) {
        /* Instance and parent ids: the reader does not keep them (zeros). */
        static const EVENT_EXTENDED_ITEM_INSTANCE inst;
        memset(&items[0], 0, sizeof items[0]);
        items[0].ExtType = EVENT_HEADER_EXT_TYPE_INSTANCE_INFO;
        items[0].DataSize = sizeof inst;
        items[0].DataPtr = (ULONGLONG)(uintptr_t)&inst;
        rec->ExtendedData = items;
        rec->ExtendedDataCount = 1;
        h->Flags |= EVENT_HEADER_FLAG_EXTENDED_INFO;
    }
    if (ev->kind == ETWCAP_KIND_MANIFEST && ev->ext_count) {
        for (size_t i = 0; i < ev->ext_count; i++) {
            memset(&items[i], 0, sizeof items[i]);
            items[i].ExtType = ev->ext[i].type;
            items[i].Linkage = i + 1 < ev->ext_count;
            items[i].DataSize = ev->ext[i].size;
            items[i].DataPtr = (ULONGLONG)(uintptr_t)ev->ext[i].data;
        }
        rec->ExtendedData = items;
        rec->ExtendedDataCount = (USHORT)ev->ext_count;
        h->Flags |= EVENT_HEADER_FLAG_EXTENDED_INFO;
    }
}

/* What Windows fills into LogfileHeader when a file is opened. */
static void fill_header(TRACE_LOGFILE_HEADER *h, const etwcap_logfile_info *in)
{
    memset(h, 0, sizeof *h);
    h->BufferSize = in->buffer_size;
    h->VersionDetail.MajorVersion = in->os_major;
    h->VersionDetail.MinorVersion = in->os_minor;
    h->ProviderVersion = in->os_build;
    h->NumberOfProcessors = in->num_cpus;
    h->EndTime.QuadPart = in->end_time;
    h->PointerSize = in->pointer_size;
    h->EventsLost = in->events_lost;
    h->CpuSpeedInMHz = in->cpu_mhz;
    h->BootTime.QuadPart = in->boot_time;
    h->PerfFreq.QuadPart = in->perf_freq;
    h->StartTime.QuadPart = in->start_time;
    h->ReservedFlags = in->clock_type;
    h->BuffersLost = in->buffers_lost;
}

static TRACEHANDLE WINAPI fake_OpenTraceW(PEVENT_TRACE_LOGFILEW lf)
{
    fake_consumer_call *c = record("OpenTraceW");
    if (c) {
        c->mode = lf->ProcessTraceMode;
        c->real_time_name = lf->LoggerName != NULL;
    }
    if (current->fail_open)
        return INVALID_PROCESSTRACE_HANDLE;
    etwcap_reader *r = NULL;
    etwcap_reader_options ro = ETWCAP_READER_OPTIONS_INIT;
    if (etwcap_reader_open(&r, current->etl_path, &ro, NULL) != ETWCAP_OK)
        return INVALID_PROCESSTRACE_HANDLE;
    if (etwcap_reader_info(r))
        fill_header(&lf->LogfileHeader, etwcap_reader_info(r));
    etwcap_reader_close(r);
    opened_lf = lf;
    current->opened++;
    return FAKE_HANDLE;
}

typedef struct replay {
    EVENT_RECORD rec;
    EVENT_HEADER_EXTENDED_DATA_ITEM items[ETWCAP_MAX_EXT_ITEMS];
    uint64_t in_buffer;
    int64_t newest;
} replay;

/* Give one event to the consumer; 0 when the replay is to stop. */
static int give(replay *rp, const etwcap_event *ev)
{
    if (current->stop_after && current->replayed == current->stop_after)
        return 0;
    if (current->replayed && ev->timestamp < rp->newest)
        current->out_of_order++;
    if (!current->replayed || ev->timestamp > rp->newest)
        rp->newest = ev->timestamp;
    fake_consumer_encode(ev, &rp->rec, rp->items);
    rp->rec.UserContext = opened_lf->Context;
    opened_lf->EventRecordCallback(&rp->rec);
    current->replayed++;
    current->ext_items += rp->rec.ExtendedDataCount;
    /* A buffer's worth of events, then the BufferCallback. */
    if (++rp->in_buffer == 256 && opened_lf->BufferCallback) {
        rp->in_buffer = 0;
        if (!opened_lf->BufferCallback(opened_lf)) {
            current->buffer_stop = 1;
            return 0;
        }
    }
    return 1;
}

#define FAKE_CPUS 64

typedef struct cpu_queue {
    uint8_t **ev;
    size_t n;
    int64_t first_ts; /* of the oldest queued event */
} cpu_queue;

/* Deliver a CPU's queued events (packed copies) while `go` (the consumer
 * has not stopped the session), empty the queue, and return whether to go
 * on. */
static int give_queue(replay *rp, cpu_queue *q, int go)
{
    for (size_t i = 0; i < q->n; i++) {
        if (go) {
            etwcap_event ev;
            etwcap_evpack_read(q->ev[i], &ev);
            go = give(rp, &ev);
        }
        free(q->ev[i]);
    }
    q->n = 0;
    return go;
}

// NOLINTNEXTLINE(readability-non-const-parameter): ProcessTrace's prototype
static ULONG WINAPI fake_ProcessTrace(PTRACEHANDLE handles, ULONG count, LPFILETIME start,
                                      LPFILETIME end)
{
    (void)start;
    (void)end;
    fake_consumer_call *c = record("ProcessTrace");
    if (c) {
        c->handle = count ? handles[0] : 0;
        c->count = count;
    }
    if (count != 1 || handles[0] != FAKE_HANDLE || !opened_lf)
        return ERROR_INVALID_HANDLE;
    etwcap_reader *r = NULL;
    etwcap_reader_options ro = ETWCAP_READER_OPTIONS_INIT;
    if (etwcap_reader_open(&r, current->etl_path, &ro, NULL) != ETWCAP_OK)
        return ERROR_FILE_NOT_FOUND;
    int64_t flush_ticks = etwcap_reader_info(r) && etwcap_reader_info(r)->perf_freq > 0
                              ? etwcap_reader_info(r)->perf_freq / 2
                              : 5000000;
    static replay rp;
    memset(&rp, 0, sizeof rp);
    etwcap_event ev;
    const size_t per = current->buffer_events;
    cpu_queue q[FAKE_CPUS];
    memset(q, 0, sizeof q);
    int go = 1;
    ULONG rc = current->process_error;
    while (go && etwcap_reader_next(r, &ev) == ETWCAP_OK) {
        if (!per) {
            go = give(&rp, &ev);
            continue;
        }
        /* The flush timer, as time reaches this event: a buffer not full
         * after half a second is delivered too. */
        for (size_t i = 0; go && i < FAKE_CPUS; i++)
            if (q[i].n && ev.timestamp - q[i].first_ts > flush_ticks)
                go = give_queue(&rp, &q[i], go);
        cpu_queue *cq = &q[ev.cpu % FAKE_CPUS];
        if (!cq->ev && !(cq->ev = calloc(per, sizeof *cq->ev))) {
            rc = ERROR_NOT_ENOUGH_MEMORY;
            break;
        }
        size_t size = etwcap_evpack_size(&ev);
        if (!(cq->ev[cq->n] = malloc(size))) {
            rc = ERROR_NOT_ENOUGH_MEMORY;
            break;
        }
        if (!cq->n)
            cq->first_ts = ev.timestamp;
        etwcap_evpack_write(&ev, cq->ev[cq->n++], size);
        if (cq->n == per)
            go = give_queue(&rp, cq, go);
    }
    /* The session stops: every CPU flushes what it holds. */
    for (size_t i = 0; i < FAKE_CPUS; i++) {
        if (q[i].ev) {
            go = give_queue(&rp, &q[i], go);
            free(q[i].ev);
        }
    }
    etwcap_reader_close(r);
    return rc;
}

static ULONG WINAPI fake_CloseTrace(TRACEHANDLE h)
{
    fake_consumer_call *c = record("CloseTrace");
    if (c)
        c->handle = h;
    if (h != FAKE_HANDLE)
        return ERROR_INVALID_HANDLE;
    current->closed++;
    opened_lf = NULL;
    return ERROR_SUCCESS;
}

void fake_consumer_install(etwcap_winapi *api, fake_consumer *f)
{
    memset(api, 0, sizeof *api);
    current = f;
    opened_lf = NULL;
    api->etw.OpenTraceW = fake_OpenTraceW;
    api->etw.ProcessTrace = fake_ProcessTrace;
    api->etw.CloseTrace = fake_CloseTrace;
    api->fake = f;
}
#else
typedef int fake_consumer_unused;
#endif
