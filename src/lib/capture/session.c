/* session.c - the ETW session(s) of `etwcap capture`: properties, kernel
 * groups, stacks, sample interval and the CLR providers (issue #4).
 *
 * Preferred: one session in EVENT_TRACE_SYSTEM_LOGGER_MODE (Windows 8+)
 * that receives the kernel's SystemTraceProvider events and the CLR events
 * together. Where the OS refuses that mode, the kernel events come from the
 * NT Kernel Logger and the CLR providers go to a second session of ours.
 */
#ifdef _WIN32
#include <stdio.h>
#include <string.h>

#include "capture/capture.h"
#include "capture/util.h"

/* Not in every mingw-w64 evntcons.h / evntprov.h (etl-format.md §6.2). */
#ifndef EVENT_ENABLE_PROPERTY_ENABLE_SILOS
#define EVENT_ENABLE_PROPERTY_ENABLE_SILOS 0x00000400
#endif
#ifndef EVENT_ENABLE_PROPERTY_SOURCE_CONTAINER_TRACKING
#define EVENT_ENABLE_PROPERTY_SOURCE_CONTAINER_TRACKING 0x00000800
#endif
#ifndef EVENT_FILTER_TYPE_PID
#define EVENT_FILTER_TYPE_PID 0x80000004
#endif

const GUID etwcap_clr_runtime_guid = {
    0xe13c0d23, 0xccbc, 0x4e12, {0x93, 0x1b, 0xd9, 0xcc, 0x2e, 0xee, 0x27, 0xe4}};
const GUID etwcap_clr_rundown_guid = {
    0xa669021c, 0xc450, 0x4609, {0xa0, 0x35, 0x5a, 0xf5, 0x9a, 0xf4, 0xdf, 0x18}};
const GUID etwcap_system_trace_guid = {
    0x9e814aad, 0x3204, 0x11d2, {0x9a, 0x82, 0x00, 0x60, 0x08, 0xa8, 0x69, 0x39}};

/* Classic kernel event classes whose events get a kernel stack. */
static const GUID process_guid = {
    0x3d6fa8d0, 0xfe05, 0x11d0, {0x9d, 0xda, 0x00, 0xc0, 0x4f, 0xd7, 0xba, 0x7c}};
static const GUID image_guid = {
    0x2cb15d1d, 0x5fc1, 0x11d2, {0xab, 0xe1, 0x00, 0xa0, 0xc9, 0x11, 0xf5, 0x18}};
static const GUID perfinfo_guid = {
    0xce1dbfb4, 0x137e, 0x4da6, {0x87, 0xb0, 0x3f, 0x59, 0xaa, 0x10, 0x2c, 0xbc}};

enum {
    CLR_LEVEL = 5
}; /* verbose: R2RGetEntryPoint is a verbose event */

/* Buffers: 256 KB each, 64..512 of them (16..128 MB), so a 1 kHz profile on
 * a many-core machine does not lose events between flushes. */
enum {
    BUFFER_KB = 256,
    MIN_BUFFERS = 64,
    MAX_BUFFERS = 512,
    NAME_CHARS = 1024
};

ULONG etwcap_capture_kernel_flags(const etwcap_capture_options *o)
{
    (void)o;
    return EVENT_TRACE_FLAG_PROCESS | EVENT_TRACE_FLAG_THREAD | EVENT_TRACE_FLAG_IMAGE_LOAD |
           EVENT_TRACE_FLAG_PROFILE;
}

ULONGLONG etwcap_capture_clr_keywords(const etwcap_capture_options *o)
{
    /* Loader | Jit | NGen | CompilationDiagnostic (R2RGetEntryPoint), plus
     * Stack (CLR stack-walk events) unless --no-stacks. */
    ULONGLONG k = 0x8 | 0x10 | 0x20 | 0x2000000000ULL;
    if (!o->no_stacks)
        k |= 0x40000000ULL;
    return k;
}

static void wcopy(WCHAR *dst, const WCHAR *src, size_t cap)
{
    size_t i = 0;
    for (; src && src[i] && i + 1 < cap; i++)
        dst[i] = src[i];
    dst[i] = 0;
}

void etwcap_capture_props_fill(void *buf, const WCHAR *name, const WCHAR *file, ULONG mode,
                               ULONG enable_flags, const GUID *wnode_guid)
{
    memset(buf, 0, ETWCAP_CAPTURE_PROPS_SIZE);
    EVENT_TRACE_PROPERTIES *p = buf;
    p->Wnode.BufferSize = (ULONG)ETWCAP_CAPTURE_PROPS_SIZE;
    p->Wnode.Flags = WNODE_FLAG_TRACED_GUID;
    p->Wnode.ClientContext = 1; /* QPC time stamps, as the corpus traces use */
    if (wnode_guid)
        p->Wnode.Guid = *wnode_guid;
    p->BufferSize = BUFFER_KB;
    p->MinimumBuffers = MIN_BUFFERS;
    p->MaximumBuffers = MAX_BUFFERS;
    p->LogFileMode = mode;
    p->FlushTimer = 1;
    p->EnableFlags = enable_flags;
    p->LoggerNameOffset = sizeof(EVENT_TRACE_PROPERTIES);
    wcopy((WCHAR *)((char *)buf + p->LoggerNameOffset), name, NAME_CHARS);
    if (file) {
        p->LogFileNameOffset = (ULONG)(sizeof(EVENT_TRACE_PROPERTIES) + NAME_CHARS * sizeof(WCHAR));
        wcopy((WCHAR *)((char *)buf + p->LogFileNameOffset), file, NAME_CHARS);
    }
}

static int fail(etwcap_capture_session *s, const char *what, ULONG rc)
{
    s->last_error = rc;
    snprintf(s->message, sizeof s->message, "%s failed: %s", what, etwcap_capture_strerror(rc));
    return -1;
}

/* Stop session i: by handle, then once more by name. */
static int stop_one(etwcap_capture_session *s, int i, char *props)
{
    etwcap_capture_props_fill(props, s->name[i], NULL, 0, 0, NULL);
    ULONG rc = s->api->etw.ControlTraceW(s->handle[i], NULL, (PEVENT_TRACE_PROPERTIES)props,
                                         EVENT_TRACE_CONTROL_STOP);
    if (rc == ERROR_SUCCESS || rc == ERROR_WMI_INSTANCE_NOT_FOUND)
        return 0;
    char name[128];
    etwcap_capture_narrow(name, sizeof name, s->name[i]);
    snprintf(s->message, sizeof s->message, "stopping ETW session '%s' failed: %s", name,
             etwcap_capture_strerror(rc));
    etwcap_capture_props_fill(props, s->name[i], NULL, 0, 0, NULL);
    rc = s->api->etw.ControlTraceW(0, s->name[i], (PEVENT_TRACE_PROPERTIES)props,
                                   EVENT_TRACE_CONTROL_STOP);
    if (rc == ERROR_SUCCESS)
        snprintf(s->message + strlen(s->message), sizeof s->message - strlen(s->message),
                 "; stopped on the second try, the trace may be incomplete");
    return -1;
}

int etwcap_capture_session_stop(etwcap_capture_session *s, uint32_t rundown_wait_ms)
{
    int rc = 0;
    char props[ETWCAP_CAPTURE_PROPS_SIZE];
    if (s->rundown_enabled) {
        /* Re-enabling the rundown provider with EndEnumeration makes every
         * runtime write DCEnd records of the methods and modules it holds. */
        s->rundown_enabled = 0;
        ENABLE_TRACE_PARAMETERS ep;
        EVENT_FILTER_DESCRIPTOR fd;
        etwcap_capture_enable_params(&ep, &fd, s->opts, 0);
        ULONG e = s->api->etw.EnableTraceEx2(s->handle[s->clr_session], &etwcap_clr_rundown_guid,
                                             EVENT_CONTROL_CODE_ENABLE_PROVIDER, CLR_LEVEL,
                                             ETWCAP_CLR_RUNDOWN_END, 0, 0, &ep);
        if (e != ERROR_SUCCESS)
            rc = fail(s, "CLR rundown at stop (EnableTraceEx2 DCEnd)", e);
        else if (rundown_wait_ms)
            s->api->clock.Sleep(rundown_wait_ms);
    }
    char first[sizeof s->message];
    first[0] = 0;
    if (rc)
        memcpy(first, s->message, sizeof first);
    for (int i = s->n - 1; i >= 0; i--)
        if (stop_one(s, i, props) != 0) {
            if (!first[0])
                memcpy(first, s->message, sizeof first);
            rc = -1;
        }
    s->n = 0;
    if (rc)
        memcpy(s->message, first, sizeof s->message);
    return rc;
}

int etwcap_capture_session_query(etwcap_capture_session *s, ULONG *lost, ULONG *buffers)
{
    char props[ETWCAP_CAPTURE_PROPS_SIZE];
    *lost = *buffers = 0;
    for (int i = 0; i < s->n; i++) {
        etwcap_capture_props_fill(props, s->name[i], NULL, 0, 0, NULL);
        ULONG rc = s->api->etw.ControlTraceW(s->handle[i], NULL, (PEVENT_TRACE_PROPERTIES)props,
                                             EVENT_TRACE_CONTROL_QUERY);
        if (rc != ERROR_SUCCESS)
            return fail(s,
                        "querying the session (ControlTraceW QUERY; was it stopped from "
                        "outside?)",
                        rc);
        const EVENT_TRACE_PROPERTIES *p = (const EVENT_TRACE_PROPERTIES *)props;
        *lost += p->EventsLost;
        *buffers += p->BuffersWritten;
    }
    return 0;
}

/* Kernel groups on a system-logger session: TraceSetInformation with the
 * 8-ULONG group mask whose first ULONG holds the EVENT_TRACE_FLAG_* bits. */
static ULONG set_system_flags(etwcap_capture_session *s)
{
    ULONG mask[8] = {0};
    mask[0] = etwcap_capture_kernel_flags(s->opts);
    return s->api->etw.TraceSetInformation(s->handle[0], TraceSystemTraceEnableFlagsInfo, mask,
                                           sizeof mask);
}

static int configure_kernel(etwcap_capture_session *s)
{
    ULONG rc;
    if (!s->opts->no_stacks) {
        /* Kernel stacks on Process Start (1), Image Load (10), SampledProfile (46). */
        CLASSIC_EVENT_ID ids[3];
        memset(ids, 0, sizeof ids);
        ids[0].EventGuid = perfinfo_guid;
        ids[0].Type = 46;
        ids[1].EventGuid = process_guid;
        ids[1].Type = 1;
        ids[2].EventGuid = image_guid;
        ids[2].Type = 10;
        rc = s->api->etw.TraceSetInformation(s->handle[0], TraceStackTracingInfo, ids, sizeof ids);
        if (rc != ERROR_SUCCESS)
            return fail(s, "kernel stacks (TraceSetInformation TraceStackTracingInfo)", rc);
    }
    /* The profile interval is machine-wide, so it takes no session handle. */
    TRACE_PROFILE_INTERVAL iv;
    iv.Source = 0; /* ProfileTime */
    iv.Interval = etwcap_capture_interval(s->opts->sample_rate_hz);
    rc = s->api->etw.TraceSetInformation(0, TraceSampledProfileIntervalInfo, &iv, sizeof iv);
    if (rc != ERROR_SUCCESS)
        return fail(s,
                    "sample interval (TraceSetInformation TraceSampledProfileIntervalInfo; "
                    "needs SeSystemProfilePrivilege)",
                    rc);
    return 0;
}

static int enable_clr(etwcap_capture_session *s)
{
    ENABLE_TRACE_PARAMETERS ep;
    EVENT_FILTER_DESCRIPTOR fd;
    TRACEHANDLE h = s->handle[s->clr_session];
    etwcap_capture_enable_params(&ep, &fd, s->opts, !s->opts->no_stacks);
    ULONG rc =
        s->api->etw.EnableTraceEx2(h, &etwcap_clr_runtime_guid, EVENT_CONTROL_CODE_ENABLE_PROVIDER,
                                   CLR_LEVEL, etwcap_capture_clr_keywords(s->opts), 0, 0, &ep);
    if (rc != ERROR_SUCCESS)
        return fail(s, "CLR runtime provider (EnableTraceEx2)", rc);
    etwcap_capture_enable_params(&ep, &fd, s->opts, 0);
    rc = s->api->etw.EnableTraceEx2(h, &etwcap_clr_rundown_guid, EVENT_CONTROL_CODE_ENABLE_PROVIDER,
                                    CLR_LEVEL, ETWCAP_CLR_RUNDOWN_START, 0, 0, &ep);
    if (rc != ERROR_SUCCESS)
        return fail(s, "CLR rundown at start (EnableTraceEx2 DCStart)", rc);
    s->rundown_enabled = 1;
    return 0;
}

static int start_one(etwcap_capture_session *s, const WCHAR *name, const WCHAR *file, ULONG mode,
                     ULONG flags, const GUID *guid, ULONG *rc_out)
{
    char props[ETWCAP_CAPTURE_PROPS_SIZE];
    etwcap_capture_props_fill(props, name, file, mode, flags, guid);
    TRACEHANDLE h = 0;
    ULONG rc = s->api->etw.StartTraceW(&h, name, (PEVENT_TRACE_PROPERTIES)props);
    *rc_out = rc;
    if (rc != ERROR_SUCCESS)
        return -1;
    s->handle[s->n] = h;
    wcopy(s->name[s->n], name, 64);
    s->n++;
    return 0;
}

int etwcap_capture_session_start(etwcap_capture_session *s, const etwcap_winapi *api,
                                 const etwcap_capture_options *o, DWORD owner_pid)
{
    memset(s, 0, sizeof *s);
    s->api = api;
    s->opts = o;
    s->clr_session = -1;
    WCHAR ours[64], file[NAME_CHARS], clr_file[NAME_CHARS];
    etwcap_capture_session_name(ours, 64, owner_pid);
    if (o->etl_path && etwcap_capture_full_path(file, NAME_CHARS, o->etl_path, NULL) != 0) {
        snprintf(s->message, sizeof s->message, "%s: not a usable file name", o->etl_path);
        return -1;
    }
    const WCHAR *f = o->etl_path ? file : NULL;
    ULONG mode =
        (f ? EVENT_TRACE_FILE_MODE_SEQUENTIAL : 0) | (o->realtime ? EVENT_TRACE_REAL_TIME_MODE : 0);
    ULONG rc;
    if (start_one(s, ours, f, mode | EVENT_TRACE_SYSTEM_LOGGER_MODE, 0, NULL, &rc) == 0) {
        s->system_logger = 1;
        s->clr_session = o->no_clr ? -1 : 0;
        rc = set_system_flags(s);
        if (rc != ERROR_SUCCESS) {
            fail(s, "kernel groups (TraceSetInformation TraceSystemTraceEnableFlagsInfo)", rc);
            goto undo;
        }
    } else if (rc == ERROR_INVALID_PARAMETER || rc == ERROR_NOT_SUPPORTED) {
        /* No system-logger mode (before Windows 8): the NT Kernel Logger. */
        if (start_one(s, KERNEL_LOGGER_NAMEW, f, mode, etwcap_capture_kernel_flags(o),
                      &etwcap_system_trace_guid, &rc) != 0) {
            fail(s,
                 rc == ERROR_ALREADY_EXISTS
                     ? "starting the NT Kernel Logger (another tool is using it)"
                     : "starting the NT Kernel Logger (StartTraceW)",
                 rc);
            goto undo;
        }
        if (!o->no_clr) {
            if (f && etwcap_capture_full_path(clr_file, NAME_CHARS, o->etl_path, ".clr.etl") != 0) {
                snprintf(s->message, sizeof s->message, "%s: not a usable file name", o->etl_path);
                goto undo;
            }
            if (start_one(s, ours, f ? clr_file : NULL, mode, 0, NULL, &rc) != 0) {
                fail(s, "starting the CLR session (StartTraceW)", rc);
                goto undo;
            }
            s->clr_session = 1;
        }
    } else {
        char n[64];
        etwcap_capture_narrow(n, sizeof n, ours);
        char what[128];
        snprintf(what, sizeof what, "starting ETW session '%s' (StartTraceW)", n);
        fail(s, what, rc);
        goto undo;
    }
    if (configure_kernel(s) != 0)
        goto undo;
    if (s->clr_session >= 0 && enable_clr(s) != 0)
        goto undo;
    return 0;
undo : {
    /* Keep the first message: it says what went wrong. */
    char msg[sizeof s->message];
    memcpy(msg, s->message, sizeof msg);
    s->rundown_enabled = 0;
    etwcap_capture_session_stop(s, 0);
    memcpy(s->message, msg, sizeof msg);
    return -1;
}
}

/* The filter descriptor must outlive the call: it lives in the caller. */
void etwcap_capture_enable_params(ENABLE_TRACE_PARAMETERS *ep, EVENT_FILTER_DESCRIPTOR *fd,
                                  const etwcap_capture_options *o, int stacks)
{
    memset(ep, 0, sizeof *ep);
    memset(fd, 0, sizeof *fd);
    ep->Version = ENABLE_TRACE_PARAMETERS_VERSION_2;
    if (stacks)
        ep->EnableProperty |= EVENT_ENABLE_PROPERTY_STACK_TRACE;
    if (o->containers)
        ep->EnableProperty |=
            EVENT_ENABLE_PROPERTY_ENABLE_SILOS | EVENT_ENABLE_PROPERTY_SOURCE_CONTAINER_TRACKING;
    /* A PID filter holds at most 8 PIDs; with more, every process's CLR
     * events are recorded and the offline stage scopes them. */
    if (o->npids >= 1 && o->npids <= ETWCAP_CAPTURE_MAX_FILTER_PIDS) {
        fd->Ptr = (ULONGLONG)(uintptr_t)o->pids;
        fd->Size = (ULONG)(o->npids * sizeof(uint32_t));
        fd->Type = EVENT_FILTER_TYPE_PID;
        ep->EnableFilterDesc = fd;
        ep->FilterDescCount = 1;
    }
}
#else
typedef int etwcap_capture_session_unused;
#endif
