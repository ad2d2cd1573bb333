/* test_capture.c - `etwcap capture` against a fake Windows (issue #4).
 *
 * The fake etwcap_winapi table records every call with its parameters,
 * tracks which ETW sessions run, fails the call of a chosen index, and
 * drives a fake clock (Sleep advances it) that delivers a console event or
 * the exit of the target processes at a chosen time. Wine has no ETW, so
 * this is how the session settings and the lifecycle are checked. Windows
 * builds only (tests/CMakeLists.txt adds this file only for WIN32).
 */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture/capture.h"
#include "capture_rt.h"
#include "confirm/watch.h"
#include "fake_consumer.h"
#include "testgen.h"

/* ---- the fake ---------------------------------------------------------- */

typedef enum {
    K_StartTraceW,
    K_ControlTraceW,
    K_EnableTraceEx2,
    K_TraceSetInformation,
    K_QueryAllTracesW,
    K_SetConsoleCtrlHandler,
    K_OpenProcessToken,
    K_GetTokenInformation,
    K_LookupPrivilegeValueW,
    K_AdjustTokenPrivileges,
    K_OpenProcess,
    K_GetExitCodeProcess,
    K_WaitForMultipleObjects,
    K_CreateProcessW,
    K_ResumeThread,
    K_TerminateProcess,
    K_CreateJobObjectW,
    K_AssignProcessToJobObject,
    K_QueryInformationJobObject,
} call_kind;

typedef struct call {
    call_kind kind;
    int failed;
    char name[128], file[256];
    ULONG mode, buffer_kb, min_buffers, max_buffers, enable_flags, flush, client_context;
    GUID wnode_guid;
    TRACEHANDLE handle;
    ULONG code;
    GUID provider;
    UCHAR level;
    ULONGLONG any, all;
    ULONG version, enable_property, filter_count, filter_type, filter_size;
    uint32_t filter_pids[16];
    int info_class;
    unsigned char info[128];
    ULONG info_len;
    DWORD pid, count, ms;
    BOOL flag;
} call;

typedef struct fake_session {
    char name[64];
    TRACEHANDLE handle;
    int running;
} fake_session;

typedef struct fake {
    call calls[1024];
    int ncalls;
    int fail_at; /* index of the recorded call that fails, -1: none */
    int no_system_logger;
    fake_session sessions[16];
    int nsessions;
    TRACEHANDLE next_handle;
    ULONGLONG now, console_at, exit_at;
    DWORD console_type;
    int console_fired;
    int elevated, not_all_assigned;
    DWORD last_error;
    DWORD alive[16];
    int nalive;
    int open_handles, handlers;
    ULONG lost, buffers;
    enum {
        CHILD_NONE,
        CHILD_SUSPENDED,
        CHILD_RUNNING,
        CHILD_TERMINATED
    } child;
    char cmdline[512];
    DWORD create_flags;
} fake;

static fake F;

enum {
    FAIL_CODE = ERROR_NO_SYSTEM_RESOURCES,
    SELF = 4242
};

static call *record(call_kind k)
{
    assert_true(F.ncalls < (int)(sizeof F.calls / sizeof F.calls[0]));
    call *c = &F.calls[F.ncalls];
    memset(c, 0, sizeof *c);
    c->kind = k;
    c->failed = F.ncalls == F.fail_at;
    F.ncalls++;
    if (c->failed)
        F.last_error = FAIL_CODE;
    return c;
}

static void narrow(char *dst, size_t cap, const WCHAR *s)
{
    size_t i = 0;
    for (; s && s[i] && i + 1 < cap; i++)
        dst[i] = (char)s[i];
    dst[i] = 0;
}

static fake_session *find(TRACEHANDLE h, const char *name)
{
    for (int i = 0; i < F.nsessions; i++)
        if (F.sessions[i].running &&
            (h ? F.sessions[i].handle == h : name && !strcmp(F.sessions[i].name, name)))
            return &F.sessions[i];
    return NULL;
}

static fake_session *add_session(const char *name)
{
    fake_session *s = &F.sessions[F.nsessions++];
    snprintf(s->name, sizeof s->name, "%s", name);
    s->handle = ++F.next_handle;
    s->running = 1;
    return s;
}

static int is_alive(DWORD pid)
{
    for (int i = 0; i < F.nalive; i++)
        if (F.alive[i] == pid)
            return 1;
    return 0;
}

static ULONG WINAPI f_StartTraceW(PTRACEHANDLE h, LPCWSTR name, PEVENT_TRACE_PROPERTIES p)
{
    call *c = record(K_StartTraceW);
    narrow(c->name, sizeof c->name, name);
    if (p->LogFileNameOffset)
        narrow(c->file, sizeof c->file, (const WCHAR *)((const char *)p + p->LogFileNameOffset));
    c->mode = p->LogFileMode;
    c->buffer_kb = p->BufferSize;
    c->min_buffers = p->MinimumBuffers;
    c->max_buffers = p->MaximumBuffers;
    c->enable_flags = p->EnableFlags;
    c->flush = p->FlushTimer;
    c->client_context = p->Wnode.ClientContext;
    c->wnode_guid = p->Wnode.Guid;
    if (c->failed)
        return FAIL_CODE;
    if ((p->LogFileMode & EVENT_TRACE_SYSTEM_LOGGER_MODE) && F.no_system_logger)
        return ERROR_INVALID_PARAMETER;
    if (find(0, c->name))
        return ERROR_ALREADY_EXISTS;
    *h = add_session(c->name)->handle;
    return ERROR_SUCCESS;
}

static ULONG WINAPI f_ControlTraceW(TRACEHANDLE h, LPCWSTR name, PEVENT_TRACE_PROPERTIES p,
                                    ULONG code)
{
    call *c = record(K_ControlTraceW);
    c->handle = h;
    c->code = code;
    narrow(c->name, sizeof c->name, name);
    if (c->failed)
        return FAIL_CODE;
    fake_session *s = find(h, c->name);
    if (!s)
        return ERROR_WMI_INSTANCE_NOT_FOUND;
    if (code == EVENT_TRACE_CONTROL_STOP)
        s->running = 0;
    p->EventsLost = F.lost;
    p->BuffersWritten = F.buffers;
    return ERROR_SUCCESS;
}

static ULONG WINAPI f_EnableTraceEx2(TRACEHANDLE h, LPCGUID provider, ULONG code, UCHAR level,
                                     ULONGLONG any, ULONGLONG all, ULONG timeout,
                                     PENABLE_TRACE_PARAMETERS ep)
{
    call *c = record(K_EnableTraceEx2);
    c->handle = h;
    c->provider = *provider;
    c->code = code;
    c->level = level;
    c->any = any;
    c->all = all;
    if (ep) {
        c->version = ep->Version;
        c->enable_property = ep->EnableProperty;
        c->filter_count = ep->FilterDescCount;
        if (ep->FilterDescCount && ep->EnableFilterDesc) {
            c->filter_type = ep->EnableFilterDesc->Type;
            c->filter_size = ep->EnableFilterDesc->Size;
            if (c->filter_size <= sizeof c->filter_pids)
                memcpy(c->filter_pids, (const void *)(uintptr_t)ep->EnableFilterDesc->Ptr,
                       c->filter_size);
        }
    }
    if (c->failed)
        return FAIL_CODE;
    return find(h, NULL) ? ERROR_SUCCESS : ERROR_INVALID_HANDLE;
}

static ULONG WINAPI f_TraceSetInformation(TRACEHANDLE h, TRACE_INFO_CLASS cls, PVOID info,
                                          ULONG len)
{
    call *c = record(K_TraceSetInformation);
    c->handle = h;
    c->info_class = (int)cls;
    c->info_len = len;
    memcpy(c->info, info, len < sizeof c->info ? len : sizeof c->info);
    return c->failed ? FAIL_CODE : ERROR_SUCCESS;
}

static ULONG WINAPI f_QueryAllTracesW(PEVENT_TRACE_PROPERTIES *props, ULONG count, PULONG found)
{
    call *c = record(K_QueryAllTracesW);
    if (c->failed)
        return FAIL_CODE;
    ULONG n = 0;
    for (int i = 0; i < F.nsessions && n < count; i++) {
        if (!F.sessions[i].running)
            continue;
        WCHAR *dst = (WCHAR *)((char *)props[n] + props[n]->LoggerNameOffset);
        size_t k = 0;
        for (; F.sessions[i].name[k]; k++)
            dst[k] = (WCHAR)F.sessions[i].name[k];
        dst[k] = 0;
        n++;
    }
    *found = n;
    return ERROR_SUCCESS;
}

static BOOL WINAPI f_SetConsoleCtrlHandler(PHANDLER_ROUTINE fn, BOOL add)
{
    call *c = record(K_SetConsoleCtrlHandler);
    c->flag = add;
    if (c->failed)
        return FALSE;
    F.handlers += add ? 1 : -1;
    return TRUE;
}

static HANDLE WINAPI f_GetCurrentProcess(void)
{
    return (HANDLE)(intptr_t)-1;
}

static DWORD WINAPI f_GetCurrentProcessId(void)
{
    return SELF;
}

static DWORD WINAPI f_GetLastError(void)
{
    return F.last_error;
}

static BOOL WINAPI f_OpenProcessToken(HANDLE p, DWORD access, PHANDLE tok)
{
    if (record(K_OpenProcessToken)->failed)
        return FALSE;
    *tok = (HANDLE)(intptr_t)0x100;
    F.open_handles++;
    return TRUE;
}

static BOOL WINAPI f_GetTokenInformation(HANDLE tok, TOKEN_INFORMATION_CLASS cls, LPVOID info,
                                         DWORD len, PDWORD got)
{
    if (record(K_GetTokenInformation)->failed)
        return FALSE;
    assert_int_equal(cls, TokenElevation);
    ((TOKEN_ELEVATION *)info)->TokenIsElevated = (DWORD)F.elevated;
    *got = sizeof(TOKEN_ELEVATION);
    return TRUE;
}

static BOOL WINAPI f_LookupPrivilegeValueW(LPCWSTR sys, LPCWSTR name, PLUID luid)
{
    call *c = record(K_LookupPrivilegeValueW);
    narrow(c->name, sizeof c->name, name);
    if (c->failed)
        return FALSE;
    luid->LowPart = 11; /* SE_SYSTEM_PROFILE_PRIVILEGE */
    luid->HighPart = 0;
    return TRUE;
}

static BOOL WINAPI f_AdjustTokenPrivileges(HANDLE tok, BOOL off, PTOKEN_PRIVILEGES tp, DWORD len,
                                           PTOKEN_PRIVILEGES prev, PDWORD got)
{
    call *c = record(K_AdjustTokenPrivileges);
    c->code = tp->Privileges[0].Luid.LowPart;
    c->flag = tp->Privileges[0].Attributes == SE_PRIVILEGE_ENABLED;
    if (c->failed)
        return FALSE;
    F.last_error = F.not_all_assigned ? ERROR_NOT_ALL_ASSIGNED : ERROR_SUCCESS;
    return TRUE;
}

static HANDLE WINAPI f_OpenProcess(DWORD access, BOOL inherit, DWORD pid)
{
    call *c = record(K_OpenProcess);
    c->pid = pid;
    if (c->failed)
        return NULL;
    if (!is_alive(pid)) {
        F.last_error = ERROR_INVALID_PARAMETER;
        return NULL;
    }
    F.open_handles++;
    return (HANDLE)(uintptr_t)(0x10000 + pid);
}

static BOOL WINAPI f_GetExitCodeProcess(HANDLE h, LPDWORD code)
{
    if (record(K_GetExitCodeProcess)->failed)
        return FALSE;
    *code = is_alive((DWORD)((uintptr_t)h - 0x10000)) ? STILL_ACTIVE : 0;
    return TRUE;
}

static DWORD WINAPI f_WaitForMultipleObjects(DWORD n, const HANDLE *h, BOOL all, DWORD ms)
{
    call *c = record(K_WaitForMultipleObjects);
    c->count = n;
    c->flag = all;
    c->ms = ms;
    if (c->failed)
        return WAIT_FAILED;
    return F.exit_at && F.now >= F.exit_at ? WAIT_OBJECT_0 : WAIT_TIMEOUT;
}

static BOOL WINAPI f_CloseHandle(HANDLE h)
{
    F.open_handles--;
    return TRUE;
}

enum {
    CHILD_PID = 9000
};

static BOOL WINAPI f_CreateProcessW(LPCWSTR app, LPWSTR cmd, LPSECURITY_ATTRIBUTES pa,
                                    LPSECURITY_ATTRIBUTES ta, BOOL inherit, DWORD flags, LPVOID env,
                                    LPCWSTR dir, LPSTARTUPINFOW si, LPPROCESS_INFORMATION pi)
{
    call *c = record(K_CreateProcessW);
    narrow(F.cmdline, sizeof F.cmdline, cmd);
    F.create_flags = flags;
    if (c->failed)
        return FALSE;
    F.child = (flags & CREATE_SUSPENDED) ? CHILD_SUSPENDED : CHILD_RUNNING;
    pi->hProcess = (HANDLE)(uintptr_t)0x2000;
    pi->hThread = (HANDLE)(uintptr_t)0x2004;
    pi->dwProcessId = CHILD_PID;
    pi->dwThreadId = CHILD_PID + 4;
    F.open_handles += 2;
    return TRUE;
}

static DWORD WINAPI f_ResumeThread(HANDLE t)
{
    if (record(K_ResumeThread)->failed)
        return (DWORD)-1;
    assert_int_equal(F.child, CHILD_SUSPENDED);
    F.child = CHILD_RUNNING;
    return 1;
}

static BOOL WINAPI f_TerminateProcess(HANDLE p, UINT code)
{
    if (record(K_TerminateProcess)->failed)
        return FALSE;
    F.child = CHILD_TERMINATED;
    return TRUE;
}

static HANDLE WINAPI f_CreateJobObjectW(LPSECURITY_ATTRIBUTES a, LPCWSTR name)
{
    if (record(K_CreateJobObjectW)->failed)
        return NULL;
    F.open_handles++;
    return (HANDLE)(uintptr_t)0x3000;
}

static BOOL WINAPI f_AssignProcessToJobObject(HANDLE job, HANDLE p)
{
    return record(K_AssignProcessToJobObject)->failed ? FALSE : TRUE;
}

static BOOL WINAPI f_QueryInformationJobObject(HANDLE job, JOBOBJECTINFOCLASS cls, LPVOID info,
                                               DWORD len, LPDWORD got)
{
    if (record(K_QueryInformationJobObject)->failed)
        return FALSE;
    assert_int_equal(cls, JobObjectBasicAccountingInformation);
    JOBOBJECT_BASIC_ACCOUNTING_INFORMATION *a = info;
    /* The tree (the command and its children) runs until exit_at. */
    a->ActiveProcesses = F.exit_at && F.now >= F.exit_at ? 0 : 3;
    return TRUE;
}

static ULONGLONG WINAPI f_GetTickCount64(void)
{
    return F.now;
}

static VOID WINAPI f_Sleep(DWORD ms)
{
    F.now += ms;
    if (F.console_at && !F.console_fired && F.now >= F.console_at) {
        /* Windows would call the handler on a thread of its own. */
        F.console_fired = 1;
        etwcap_capture_console_handler(F.console_type);
    }
}

static const etwcap_winapi fake_api = {
    .etw = {f_StartTraceW, f_ControlTraceW, f_EnableTraceEx2, f_TraceSetInformation,
            f_QueryAllTracesW},
    .console = {f_SetConsoleCtrlHandler},
    .process = {f_GetCurrentProcess, f_GetCurrentProcessId, f_GetLastError, f_OpenProcessToken,
                f_GetTokenInformation, f_LookupPrivilegeValueW, f_AdjustTokenPrivileges,
                f_OpenProcess, f_GetExitCodeProcess, f_WaitForMultipleObjects, f_CloseHandle,
                f_CreateProcessW, f_ResumeThread, f_TerminateProcess, f_CreateJobObjectW,
                f_AssignProcessToJobObject, f_QueryInformationJobObject},
    .clock = {f_GetTickCount64, f_Sleep},
    .fake = &F,
};

static void reset(void)
{
    memset(&F, 0, sizeof F);
    F.fail_at = -1;
    F.elevated = 1;
    F.now = 1000000;
    F.lost = 3;
    F.buffers = 17;
    F.next_handle = 0x500;
}

static int running_sessions(void)
{
    int n = 0;
    for (int i = 0; i < F.nsessions; i++)
        n += F.sessions[i].running;
    return n;
}

static int running(const char *name)
{
    return find(0, name) != NULL;
}

static etwcap_capture_options base_options(void)
{
    etwcap_capture_options o;
    memset(&o, 0, sizeof o);
    o.etl_path = "C:\\traces\\trace.etl";
    o.duration_ms = 3000;
    o.rundown_wait_ms = 2000;
    o.quiet = 1;
    return o;
}

static int run(const etwcap_capture_options *o, etwcap_capture_result *res, char *why)
{
    return etwcap_capture_run(&fake_api, o, res, why, 512);
}

/* The i-th recorded call of kind k (0-based), or NULL. */
static const call *nth(call_kind k, int i)
{
    for (int j = 0; j < F.ncalls; j++)
        if (F.calls[j].kind == k && i-- == 0)
            return &F.calls[j];
    return NULL;
}

static const call *set_info(int cls)
{
    for (int j = 0; j < F.ncalls; j++)
        if (F.calls[j].kind == K_TraceSetInformation && F.calls[j].info_class == cls)
            return &F.calls[j];
    return NULL;
}

static int count(call_kind k)
{
    int n = 0;
    for (int j = 0; j < F.ncalls; j++)
        n += F.calls[j].kind == k;
    return n;
}

static const GUID runtime = {
    0xe13c0d23, 0xccbc, 0x4e12, {0x93, 0x1b, 0xd9, 0xcc, 0x2e, 0xee, 0x27, 0xe4}};
static const GUID rundown = {
    0xa669021c, 0xc450, 0x4609, {0xa0, 0x35, 0x5a, 0xf5, 0x9a, 0xf4, 0xdf, 0x18}};
static const GUID systemtrace = {
    0x9e814aad, 0x3204, 0x11d2, {0x9a, 0x82, 0x00, 0x60, 0x08, 0xa8, 0x69, 0x39}};
static const GUID g_process = {
    0x3d6fa8d0, 0xfe05, 0x11d0, {0x9d, 0xda, 0x00, 0xc0, 0x4f, 0xd7, 0xba, 0x7c}};
static const GUID g_image = {
    0x2cb15d1d, 0x5fc1, 0x11d2, {0xab, 0xe1, 0x00, 0xa0, 0xc9, 0x11, 0xf5, 0x18}};
static const GUID g_perfinfo = {
    0xce1dbfb4, 0x137e, 0x4da6, {0x87, 0xb0, 0x3f, 0x59, 0xaa, 0x10, 0x2c, 0xbc}};

#define KERNEL_FLAGS 0x01000007u /* PROCESS|THREAD|IMAGE_LOAD|PROFILE */
#define CLR_KEYWORDS 0x2040000038ull

static void assert_guid(const GUID *a, const GUID *b)
{
    assert_memory_equal(a, b, sizeof *a);
}

/* ---- session settings -------------------------------------------------- */

static void test_default_session(void **state)
{
    (void)state;
    reset();
    etwcap_capture_options o = base_options();
    etwcap_capture_result res;
    char why[512];
    assert_int_equal(run(&o, &res, why), 0);
    assert_int_equal(res.end, ETWCAP_CAPTURE_END_DURATION);
    assert_int_equal(res.system_logger, 1);

    assert_int_equal(count(K_StartTraceW), 1);
    const call *st = nth(K_StartTraceW, 0);
    assert_string_equal(st->name, "etwcap-4242");
    assert_string_equal(st->file, "C:\\traces\\trace.etl");
    assert_int_equal(st->mode, EVENT_TRACE_FILE_MODE_SEQUENTIAL | EVENT_TRACE_SYSTEM_LOGGER_MODE);
    assert_int_equal(st->mode, 0x02000001);
    assert_int_equal(st->buffer_kb, 256);
    assert_int_equal(st->min_buffers, 64);
    assert_int_equal(st->max_buffers, 512);
    assert_int_equal(st->enable_flags, 0);
    assert_int_equal(st->flush, 1);
    assert_int_equal(st->client_context, 1);
    TRACEHANDLE h = F.sessions[0].handle;

    /* Kernel groups on the system logger: 8-ULONG group mask. */
    const call *fl = set_info(TraceSystemTraceEnableFlagsInfo);
    assert_non_null(fl);
    assert_int_equal(fl->handle, h);
    assert_int_equal(fl->info_len, 32);
    ULONG mask[8];
    memcpy(mask, fl->info, sizeof mask);
    assert_int_equal(mask[0], KERNEL_FLAGS);
    for (int i = 1; i < 8; i++)
        assert_int_equal(mask[i], 0);

    /* Stacks on SampledProfile (46), Process Start (1), Image Load (10). */
    const call *sk = set_info(TraceStackTracingInfo);
    assert_non_null(sk);
    assert_int_equal(sk->handle, h);
    assert_int_equal(sk->info_len, 3 * sizeof(CLASSIC_EVENT_ID));
    CLASSIC_EVENT_ID ids[3];
    memcpy(ids, sk->info, sizeof ids);
    assert_guid(&ids[0].EventGuid, &g_perfinfo);
    assert_int_equal(ids[0].Type, 46);
    assert_guid(&ids[1].EventGuid, &g_process);
    assert_int_equal(ids[1].Type, 1);
    assert_guid(&ids[2].EventGuid, &g_image);
    assert_int_equal(ids[2].Type, 10);

    const call *iv = set_info(TraceSampledProfileIntervalInfo);
    assert_non_null(iv);
    TRACE_PROFILE_INTERVAL pi;
    memcpy(&pi, iv->info, sizeof pi);
    assert_int_equal(iv->handle, 0);
    assert_int_equal(pi.Source, 0);
    assert_int_equal(pi.Interval, 10000); /* 1 kHz in 100 ns units */

    /* CLR runtime, rundown at start, rundown at stop: in that order. */
    assert_int_equal(count(K_EnableTraceEx2), 3);
    const call *rt = nth(K_EnableTraceEx2, 0), *r0 = nth(K_EnableTraceEx2, 1),
               *r1 = nth(K_EnableTraceEx2, 2);
    assert_guid(&rt->provider, &runtime);
    assert_int_equal(rt->handle, h);
    assert_int_equal(rt->code, EVENT_CONTROL_CODE_ENABLE_PROVIDER);
    assert_int_equal(rt->level, 5);
    assert_true(rt->any == CLR_KEYWORDS);
    assert_true(rt->all == 0);
    assert_int_equal(rt->version, 2);
    assert_int_equal(rt->enable_property, EVENT_ENABLE_PROPERTY_STACK_TRACE);
    assert_int_equal(rt->filter_count, 0);
    assert_guid(&r0->provider, &rundown);
    assert_true(r0->any == 0x78);
    assert_int_equal(r0->enable_property, 0);
    assert_guid(&r1->provider, &rundown);
    assert_true(r1->any == 0x138);
    assert_int_equal(r1->level, 5);

    /* Progress queries each second; then DCEnd, the rundown wait, and stop. */
    assert_int_equal(nth(K_ControlTraceW, 0)->code, EVENT_TRACE_CONTROL_QUERY);
    assert_int_equal(res.events_lost, 3);
    assert_int_equal(res.buffers_written, 17);
    const call *last = &F.calls[F.ncalls - 2];
    assert_int_equal(last->kind, K_ControlTraceW);
    assert_int_equal(last->code, EVENT_TRACE_CONTROL_STOP);
    assert_int_equal(last->handle, h);
    assert_int_equal(F.now, 1000000 + 3000 + 2000);
    assert_int_equal(running_sessions(), 0);
    assert_int_equal(F.handlers, 0);
    assert_int_equal(F.open_handles, 0);
    /* Privilege for the interval: SeSystemProfilePrivilege, enabled. */
    assert_string_equal(nth(K_LookupPrivilegeValueW, 0)->name, "SeSystemProfilePrivilege");
    assert_true(nth(K_AdjustTokenPrivileges, 0)->flag);
}

static void test_options(void **state)
{
    (void)state;
    etwcap_capture_result res;
    char why[512];
    etwcap_capture_options o;

    /* --no-clr: no CLR provider at all. */
    reset();
    o = base_options();
    o.no_clr = 1;
    assert_int_equal(run(&o, &res, why), 0);
    assert_int_equal(count(K_EnableTraceEx2), 0);
    assert_non_null(set_info(TraceStackTracingInfo));

    /* --no-stacks: no kernel stack list, no CLR Stack keyword, no stack property. */
    reset();
    o = base_options();
    o.no_stacks = 1;
    assert_int_equal(run(&o, &res, why), 0);
    assert_null(set_info(TraceStackTracingInfo));
    assert_true(nth(K_EnableTraceEx2, 0)->any == 0x2000000038ull);
    assert_int_equal(nth(K_EnableTraceEx2, 0)->enable_property, 0);
    assert_int_equal(nth(K_EnableTraceEx2, 1)->enable_property, 0);

    /* --container: ENABLE_SILOS | SOURCE_CONTAINER_TRACKING on both CLR providers. */
    reset();
    o = base_options();
    o.containers = 1;
    assert_int_equal(run(&o, &res, why), 0);
    assert_int_equal(nth(K_EnableTraceEx2, 0)->enable_property, 0x400 | 0x800 | 0x4);
    assert_int_equal(nth(K_EnableTraceEx2, 1)->enable_property, 0x400 | 0x800);
    assert_int_equal(nth(K_EnableTraceEx2, 2)->enable_property, 0x400 | 0x800);

    /* --pid: a PID filter holding exactly those PIDs, on every CLR enable. */
    reset();
    F.nalive = 3;
    F.alive[0] = 100, F.alive[1] = 200, F.alive[2] = 300;
    uint32_t pids[9] = {100, 200, 300};
    o = base_options();
    o.pids = pids;
    o.npids = 3;
    assert_int_equal(run(&o, &res, why), 0);
    for (int i = 0; i < 3; i++) {
        const call *c = nth(K_EnableTraceEx2, i);
        assert_int_equal(c->filter_count, 1);
        assert_int_equal(c->filter_type, 0x80000004);
        assert_int_equal(c->filter_size, 12);
        assert_int_equal(c->filter_pids[0], 100);
        assert_int_equal(c->filter_pids[1], 200);
        assert_int_equal(c->filter_pids[2], 300);
    }
    /* 8 PIDs still fit one filter; a ninth drops it (the offline stage scopes). */
    for (int n = 8; n <= 9; n++) {
        reset();
        F.nalive = n;
        for (int i = 0; i < n; i++)
            pids[i] = (uint32_t)(100 + i), F.alive[i] = (DWORD)(100 + i);
        o.npids = (size_t)n;
        assert_int_equal(run(&o, &res, why), 0);
        const call *c = nth(K_EnableTraceEx2, 0);
        assert_int_equal(c->filter_count, n == 8 ? 1 : 0);
        if (n == 8) {
            assert_int_equal(c->filter_size, 32);
            assert_int_equal(c->filter_pids[7], 107);
        }
    }

    /* --sample-rate 4000: 2500 x 100 ns. */
    reset();
    o = base_options();
    o.sample_rate_hz = 4000;
    assert_int_equal(run(&o, &res, why), 0);
    TRACE_PROFILE_INTERVAL pi;
    memcpy(&pi, set_info(TraceSampledProfileIntervalInfo)->info, sizeof pi);
    assert_int_equal(pi.Interval, 2500);
    assert_int_equal(etwcap_capture_interval(1), 10000000);
    o.sample_rate_hz = 9000;
    assert_int_not_equal(run(&o, &res, why), 0);
    assert_non_null(strstr(why, "--sample-rate"));

    /* --realtime without -o: real-time mode, no file. With -o: both. */
    reset();
    o = base_options();
    o.realtime = 1;
    o.etl_path = NULL;
    assert_int_equal(run(&o, &res, why), 0);
    assert_int_equal(nth(K_StartTraceW, 0)->mode,
                     EVENT_TRACE_REAL_TIME_MODE | EVENT_TRACE_SYSTEM_LOGGER_MODE);
    assert_int_equal(nth(K_StartTraceW, 0)->mode, 0x02000100);
    assert_string_equal(nth(K_StartTraceW, 0)->file, "");
    reset();
    o.etl_path = "C:\\traces\\rt.etl";
    assert_int_equal(run(&o, &res, why), 0);
    assert_int_equal(nth(K_StartTraceW, 0)->mode, 0x02000101);
    assert_string_equal(nth(K_StartTraceW, 0)->file, "C:\\traces\\rt.etl");
}

/* Windows without system-logger sessions: NT Kernel Logger + CLR session. */
static void test_fallback(void **state)
{
    (void)state;
    reset();
    F.no_system_logger = 1;
    etwcap_capture_options o = base_options();
    etwcap_capture_result res;
    char why[512];
    assert_int_equal(run(&o, &res, why), 0);
    assert_int_equal(res.system_logger, 0);
    assert_string_equal(res.clr_etl, "C:\\traces\\trace.clr.etl");
    assert_int_equal(count(K_StartTraceW), 3);
    const call *k = nth(K_StartTraceW, 1), *u = nth(K_StartTraceW, 2);
    assert_string_equal(k->name, "NT Kernel Logger");
    assert_guid(&k->wnode_guid, &systemtrace);
    assert_int_equal(k->enable_flags, KERNEL_FLAGS);
    assert_int_equal(k->mode, EVENT_TRACE_FILE_MODE_SEQUENTIAL);
    assert_string_equal(k->file, "C:\\traces\\trace.etl");
    assert_string_equal(u->name, "etwcap-4242");
    assert_int_equal(u->enable_flags, 0);
    assert_string_equal(u->file, "C:\\traces\\trace.clr.etl");
    assert_null(set_info(TraceSystemTraceEnableFlagsInfo));
    TRACEHANDLE kh = F.sessions[0].handle, uh = F.sessions[1].handle;
    assert_int_equal(set_info(TraceStackTracingInfo)->handle, kh);
    for (int i = 0; i < 3; i++)
        assert_int_equal(nth(K_EnableTraceEx2, i)->handle, uh);
    assert_int_equal(running_sessions(), 0);

    /* The NT Kernel Logger held by another tool: a clear error, nothing left. */
    reset();
    F.no_system_logger = 1;
    add_session("NT Kernel Logger");
    assert_int_not_equal(run(&o, &res, why), 0);
    assert_non_null(strstr(why, "another tool"));
    assert_true(running("NT Kernel Logger")); /* not ours: untouched */
    assert_int_equal(running_sessions(), 1);
}

/* ---- lifecycle: a failure at every call ---------------------------------- */

static void fail_each_call(int no_system_logger)
{
    etwcap_capture_options o = base_options();
    uint32_t pids[2] = {100, 200};
    o.pids = pids;
    o.npids = 2;
    etwcap_capture_result res;
    char why[512];
    reset();
    F.no_system_logger = no_system_logger;
    F.nalive = 2;
    F.alive[0] = 100, F.alive[1] = 200;
    assert_int_equal(run(&o, &res, why), 0);
    int n = F.ncalls;
    assert_true(n > 15);
    for (int k = 0; k < n; k++) {
        reset();
        F.no_system_logger = no_system_logger;
        F.nalive = 2;
        F.alive[0] = 100, F.alive[1] = 200;
        F.fail_at = k;
        why[0] = 0;
        int rc = run(&o, &res, why);
        const call *c = &F.calls[k];
        if (rc == 0 || why[0] == 0 || running_sessions() != 0 || F.open_handles != 0)
            fail_msg("failure at call %d (kind %d): rc %d, message '%s', %d sessions left, %d "
                     "handles open",
                     k, (int)c->kind, rc, why, running_sessions(), F.open_handles);
        assert_true(c->failed);
        /* A failed removal of the handler is reported; every other path removes it. */
        if (!(c->kind == K_SetConsoleCtrlHandler && !c->flag))
            assert_int_equal(F.handlers, 0);
    }
    printf("capture lifecycle (%s): failure injected at each of %d calls: non-zero, message, "
           "no session left\n",
           no_system_logger ? "NT Kernel Logger fallback" : "system logger", n);
}

static void test_fail_each_call(void **state)
{
    (void)state;
    fail_each_call(0);
    fail_each_call(1);
}

/* ---- rights ------------------------------------------------------------ */

static void test_rights(void **state)
{
    (void)state;
    etwcap_capture_options o = base_options();
    etwcap_capture_result res;
    char why[512];
    reset();
    F.elevated = 0;
    assert_int_not_equal(run(&o, &res, why), 0);
    assert_non_null(strstr(why, "administrator"));
    assert_int_equal(count(K_StartTraceW), 0);
    assert_int_equal(F.open_handles, 0);
    reset();
    F.not_all_assigned = 1;
    assert_int_not_equal(run(&o, &res, why), 0);
    assert_non_null(strstr(why, "SeSystemProfilePrivilege"));
    assert_int_equal(count(K_StartTraceW), 0);
    /* A --pid that does not exist: error before any session. */
    reset();
    uint32_t pid = 555;
    o.pids = &pid;
    o.npids = 1;
    assert_int_not_equal(run(&o, &res, why), 0);
    assert_non_null(strstr(why, "--pid 555"));
    assert_int_equal(count(K_StartTraceW), 0);
}

/* ---- timer and stop ---------------------------------------------------- */

static void test_timer_and_stop(void **state)
{
    (void)state;
    etwcap_capture_result res;
    char why[512];
    etwcap_capture_options o;

    /* Duration: exactly 2.5 s of fake time, then the 2 s rundown wait. */
    reset();
    o = base_options();
    o.duration_ms = 2500;
    ULONGLONG t0 = F.now;
    assert_int_equal(run(&o, &res, why), 0);
    assert_int_equal(res.end, ETWCAP_CAPTURE_END_DURATION);
    assert_int_equal(res.elapsed_ms, 2500);
    assert_int_equal(F.now - t0, 2500 + 2000);
    assert_int_equal(running_sessions(), 0);

    /* Ctrl-C at 1.7 s with no duration: stops within one 100 ms slice. */
    reset();
    o = base_options();
    o.duration_ms = 0;
    F.console_at = F.now + 1700;
    F.console_type = CTRL_C_EVENT;
    assert_int_equal(run(&o, &res, why), 0);
    assert_int_equal(res.end, ETWCAP_CAPTURE_END_CONSOLE);
    assert_true(res.elapsed_ms >= 1700 && res.elapsed_ms <= 1800);
    assert_int_equal(running_sessions(), 0);
    assert_int_equal(F.handlers, 0);
    assert_true(nth(K_SetConsoleCtrlHandler, 0)->flag);
    assert_false(nth(K_SetConsoleCtrlHandler, 1)->flag);

    /* Console close at 1.2 s (before a 10 s duration): the same stop. */
    reset();
    o.duration_ms = 10000;
    F.console_at = F.now + 1200;
    F.console_type = CTRL_CLOSE_EVENT;
    assert_int_equal(run(&o, &res, why), 0);
    assert_int_equal(res.end, ETWCAP_CAPTURE_END_CONSOLE);
    assert_true(res.elapsed_ms < 10000);
    assert_int_equal(running_sessions(), 0);

    /* Every target exits at 2.3 s: stop, with a non-blocking wait-all poll. */
    reset();
    F.nalive = 2;
    F.alive[0] = 100, F.alive[1] = 200;
    uint32_t pids[2] = {100, 200};
    o = base_options();
    o.duration_ms = 0;
    o.pids = pids;
    o.npids = 2;
    F.exit_at = F.now + 2300;
    assert_int_equal(run(&o, &res, why), 0);
    assert_int_equal(res.end, ETWCAP_CAPTURE_END_TARGETS);
    assert_true(res.elapsed_ms >= 2300 && res.elapsed_ms <= 2400);
    const call *w = nth(K_WaitForMultipleObjects, 0);
    assert_int_equal(w->count, 2);
    assert_true(w->flag);
    assert_int_equal(w->ms, 0);
    assert_int_equal(running_sessions(), 0);
    assert_int_equal(F.open_handles, 0);

    /* The duration comes first when it is shorter than the targets' life. */
    reset();
    F.nalive = 2;
    F.alive[0] = 100, F.alive[1] = 200;
    o.duration_ms = 1000;
    F.exit_at = F.now + 5000;
    assert_int_equal(run(&o, &res, why), 0);
    assert_int_equal(res.end, ETWCAP_CAPTURE_END_DURATION);
}

/* ---- stale sessions ---------------------------------------------------- */

static void test_stale(void **state)
{
    (void)state;
    etwcap_capture_result res;
    char why[512];
    reset();
    F.nalive = 1;
    F.alive[0] = 888;
    add_session("etwcap-777");       /* ours, owner gone: stopped */
    add_session("etwcap-888");       /* ours, owner alive: kept */
    add_session("NT Kernel Logger"); /* foreign */
    add_session("etwcapture");       /* foreign, similar name */
    add_session("etwcap-12ab");      /* foreign, not a pid */
    add_session("Circular Kernel Context Logger");
    assert_int_equal(etwcap_capture_stop_stale(&fake_api, why, 512), 1);
    assert_false(running("etwcap-777"));
    assert_true(running("etwcap-888"));
    assert_true(running("NT Kernel Logger"));
    assert_true(running("etwcapture"));
    assert_true(running("etwcap-12ab"));
    assert_true(running("Circular Kernel Context Logger"));
    const call *stop = nth(K_ControlTraceW, 0);
    assert_string_equal(stop->name, "etwcap-777");
    assert_int_equal(stop->code, EVENT_TRACE_CONTROL_STOP);
    assert_int_equal(F.open_handles, 0);

    /* Within a capture: the stale one goes before the new session starts. */
    reset();
    F.nalive = 1;
    F.alive[0] = 888;
    add_session("etwcap-777");
    add_session("etwcap-888");
    etwcap_capture_options o = base_options();
    assert_int_equal(run(&o, &res, why), 0);
    assert_false(running("etwcap-777"));
    assert_true(running("etwcap-888"));
    int stop_at = -1, start_at = -1;
    for (int i = 0; i < F.ncalls; i++) {
        if (F.calls[i].kind == K_ControlTraceW && !strcmp(F.calls[i].name, "etwcap-777"))
            stop_at = i;
        if (F.calls[i].kind == K_StartTraceW && start_at < 0)
            start_at = i;
    }
    assert_true(stop_at >= 0 && stop_at < start_at);
    assert_int_equal(running_sessions(), 1);
}

/* ---- `etwcap capture -- COMMAND` (issue #6) ----------------------------- */

static int index_of(call_kind k, int nth_call)
{
    for (int j = 0; j < F.ncalls; j++)
        if (F.calls[j].kind == k && nth_call-- == 0)
            return j;
    return -1;
}

static const char *const command[] = {"C:\\app\\My App.exe", "a b",         "x\"y",
                                      "c:\\dir\\",           "end\\ dir\\", ""};

static void test_command_resumed_after_start(void **state)
{
    (void)state;
    etwcap_capture_options o = base_options();
    o.duration_ms = 0;
    o.command = command;
    o.ncommand = 6;
    etwcap_capture_result res;
    char why[512];
    reset();
    F.exit_at = F.now + 2700;
    assert_int_equal(run(&o, &res, why), 0);
    /* Quoted as CommandLineToArgvW splits it; started suspended. */
    assert_string_equal(F.cmdline, "\"C:\\app\\My App.exe\" \"a b\" \"x\\\"y\" c:\\dir\\ "
                                   "\"end\\ dir\\\\\" \"\"");
    assert_true(F.create_flags & CREATE_SUSPENDED);
    /* Resumed once, after the session started and the rundown began. */
    int resume = index_of(K_ResumeThread, 0);
    assert_true(resume > index_of(K_StartTraceW, 0));
    assert_true(resume > index_of(K_EnableTraceEx2, 1)); /* rundown DCStart */
    assert_true(index_of(K_EnableTraceEx2, 1) >= 0);
    assert_int_equal(count(K_ResumeThread), 1);
    assert_int_equal(count(K_TerminateProcess), 0);
    assert_int_equal(F.child, CHILD_RUNNING);
    /* Ends when the job (the whole tree) has no process left. */
    assert_int_equal(res.end, ETWCAP_CAPTURE_END_TARGETS);
    assert_true(res.elapsed_ms >= 2700 && res.elapsed_ms <= 2800);
    assert_int_equal(res.child_pid, CHILD_PID); /* --evidence selects --pid 9000 + children */
    /* No PID filter: the command's children must reach the CLR providers too. */
    assert_int_equal(nth(K_EnableTraceEx2, 0)->filter_count, 0);
    assert_int_equal(running_sessions(), 0);
    assert_int_equal(F.open_handles, 0);

    /* --duration first: the command keeps running, resumed, not killed. */
    reset();
    o.duration_ms = 1500;
    F.exit_at = F.now + 60000;
    assert_int_equal(run(&o, &res, why), 0);
    assert_int_equal(res.end, ETWCAP_CAPTURE_END_DURATION);
    assert_int_equal(F.child, CHILD_RUNNING);
    assert_int_equal(count(K_TerminateProcess), 0);
}

/* A failure at each call: never left suspended; resumed only when the
 * session had started; otherwise terminated. */
static void test_command_failures(void **state)
{
    (void)state;
    etwcap_capture_options o = base_options();
    o.command = command;
    o.ncommand = 2;
    etwcap_capture_result res;
    char why[512];
    reset();
    F.exit_at = F.now + 2500;
    assert_int_equal(run(&o, &res, why), 0);
    int n = F.ncalls, resume_at = index_of(K_ResumeThread, 0);
    int terminated = 0, resumed = 0;
    for (int k = 0; k < n; k++) {
        reset();
        F.exit_at = F.now + 2500;
        F.fail_at = k;
        why[0] = 0;
        assert_int_not_equal(run(&o, &res, why), 0);
        assert_true(why[0] != 0);
        assert_int_equal(running_sessions(), 0);
        assert_int_equal(F.open_handles, 0);
        assert_int_not_equal(F.child, CHILD_SUSPENDED);
        if (k <= resume_at) {
            /* Failed before (or at) the resume: the command never ran. */
            assert_int_equal(count(K_ResumeThread), k == resume_at ? 1 : 0);
            assert_true(F.child == CHILD_TERMINATED || F.child == CHILD_NONE);
            terminated += F.child == CHILD_TERMINATED;
        } else {
            assert_int_equal(F.child, CHILD_RUNNING);
            assert_int_equal(count(K_TerminateProcess), 0);
            resumed++;
        }
    }
    printf("capture -- COMMAND: failure at each of %d calls: %d terminated before resume, %d after "
           "resume left running, none suspended, no session left\n",
           n, terminated, resumed);
}

/* ---- --watch: session fake + replaying consumer fake ------------------ */

static char *read_all(const char *path)
{
    size_t n = 0;
    uint8_t *b = test_read_file(path, &n);
    assert_non_null(b);
    char *s = realloc(b, n + 1);
    assert_non_null(s);
    s[n] = '\0';
    return s;
}

/* `capture --watch CLAIMS --realtime --evidence OUT` with the selector
 * `procs` (or pid `pid` when procs is NULL), as cmd_capture wires it
 * (capture_rt.c), on one etwcap_winapi table joining both fakes: the
 * session calls succeed (this file's fake) and ProcessTrace replays `etl` in
 * live-session order (fake_consumer.c). Checks that the hits equal the
 * watcher's on the file read in time order and that the verdicts written
 * next to the evidence equal `etwcap confirm`'s on it; returns the hits. */
static char *capture_watch(const char *etl, const char *claims_rel, const char *const *procs,
                           uint32_t pid, etwcap_verdicts **verdicts)
{
    char claims_path[1024], why[512];
    const char *data = getenv("ETWCAP_TESTDATA");
    snprintf(claims_path, sizeof claims_path, "%s/%s", data ? data : "tests/data", claims_rel);
    reset();
    etwcap_winapi api = fake_api, consumer;
    fake_consumer fc;
    memset(&fc, 0, sizeof fc);
    fc.etl_path = etl;
    fc.buffer_events = 64;
    fake_consumer_install(&consumer, &fc);
    api.etw.OpenTraceW = consumer.etw.OpenTraceW;
    api.etw.ProcessTrace = consumer.etw.ProcessTrace;
    api.etw.CloseTrace = consumer.etw.CloseTrace;

    etwcap_claims *claims = NULL;
    etwcap_confirm_error cerr;
    assert_int_equal(etwcap_claims_load(&claims, claims_path, &cerr), ETWCAP_OK);
    etwcap_watch_options wo;
    memset(&wo, 0, sizeof wo);
    if (procs) {
        wo.processes = procs;
        wo.nprocesses = 1;
    } else {
        wo.pids = &pid;
        wo.npids = 1;
    }
    FILE *hits = tmpfile();
    assert_non_null(hits);
    etwcap_capture_result res;
    memset(&res, 0, sizeof res);
    capture_rt rt;
    memset(&rt, 0, sizeof rt);
    rt.opts.version = ETWCAP_EVIDENCE_OPTIONS_VERSION;
    rt.opts.processes = procs;
    rt.opts.nprocesses = procs ? 1 : 0;
    rt.pids[0] = pid;
    rt.opts.pids = rt.pids;
    rt.opts.npids = procs ? 0 : 1;
    rt.child_pid = &res.child_pid;
    rt.api = &api;
    rt.claims_path = claims_path;
    assert_int_equal(etwcap_watch_create(&rt.watch, claims, &wo, hits), ETWCAP_OK);
    etwcap_capture_options o = base_options();
    o.etl_path = NULL;
    o.realtime = 1;
    o.on_started = capture_rt_on_started;
    o.hook_payload = &rt;
    assert_int_equal(run(&o, &res, why), 0);
    const char *out = "test_capture_watch.json", *vout = "test_capture_watch.verdicts.json";
    remove(vout);
    assert_int_equal(capture_rt_finish(&rt, res.events_lost, out), CLI_OK);
    assert_int_equal(fc.ncalls, 3); /* OpenTraceW, ProcessTrace, CloseTrace */
    assert_int_equal(fc.opened, fc.closed);
    assert_true(fc.replayed > 0);

    char *got = test_read_stream(hits);
    FILE *ref = tmpfile();
    assert_non_null(ref);
    etwcap_watch *w = NULL;
    assert_int_equal(etwcap_watch_create(&w, claims, &wo, ref), ETWCAP_OK);
    etwcap_reader *r = NULL;
    assert_int_equal(etwcap_reader_open(&r, etl, NULL, NULL), ETWCAP_OK);
    etwcap_watch_set_info(w, etwcap_reader_info(r));
    etwcap_event ev;
    while (etwcap_reader_next(r, &ev) == ETWCAP_OK)
        assert_int_equal(etwcap_watch_add(w, &ev), ETWCAP_OK);
    assert_int_equal(etwcap_watch_finish(w), ETWCAP_OK);
    etwcap_reader_close(r);
    etwcap_watch_free(w);
    char *want = test_read_stream(ref);
    assert_string_equal(got, want);
    free(want);
    fclose(ref);
    fclose(hits);

    /* The verdicts next to the evidence equal `etwcap confirm`'s on it. */
    etwcap_evdoc *evd = NULL;
    assert_int_equal(etwcap_evdoc_load(&evd, out, &cerr), ETWCAP_OK);
    etwcap_verdicts *vs = NULL;
    assert_int_equal(etwcap_verdicts_compute(&vs, evd, claims), ETWCAP_OK);
    assert_int_equal(
        etwcap_verdicts_write_file(vs, "test_capture_watch.expect.json", why, sizeof why),
        ETWCAP_OK);
    char *a = read_all(vout), *b = read_all("test_capture_watch.expect.json");
    assert_string_equal(a, b);
    free(a);
    free(b);
    /* What the caller checks: the states (the documents are gone). */
    etwcap_verdicts *copy = calloc(1, sizeof *copy);
    assert_non_null(copy);
    copy->n = vs->n;
    copy->v = calloc(vs->n, sizeof *copy->v);
    assert_non_null(copy->v);
    for (size_t i = 0; i < vs->n; i++)
        copy->v[i].state = vs->v[i].state;
    *verdicts = copy;
    etwcap_verdicts_free(vs);
    etwcap_evdoc_free(evd);
    etwcap_watch_free(rt.watch);
    etwcap_claims_free(claims);
    remove(out);
    remove(vout);
    remove("test_capture_watch.expect.json");
    return got;
}

static void free_states(etwcap_verdicts *v)
{
    free(v->v);
    free(v);
}

/* net.4.5.2.x86.etl: two JIT first calls (the trace has no stacks on CLR
 * events), each printed once; test_watch.c checks their times against the
 * first MethodLoadVerbose of each method. */
static void test_watch_realtime(void **state)
{
    (void)state;
    char etl[4096];
    snprintf(etl, sizeof etl, "%s",
             test_corpus_require("etl/microsoft_perfview/net.4.5.2.x86.etl"));
    const char *procs[] = {"Test.x86"};
    etwcap_verdicts *vs = NULL;
    char *got = capture_watch(etl, "claims/watch-claims.json", procs, 0, &vs);
    assert_int_equal(test_count(got, "watch: first hit "), 2);
    assert_int_equal(test_count(got, " claim W1 (TEST-W1)\n"), 1);
    assert_int_equal(test_count(got, " claim W2 (TEST-W2)\n"), 1);
    assert_int_equal(test_count(got, "claim W3"), 0);
    assert_int_equal(test_count(got, "claim W4"), 0);
    assert_non_null(strstr(got, "  observed: jit\n  process: 3644 Test.x86.exe\n"
                                "  method: Test.x86!Test.Program.Main\n"
                                "  stack: none (no stack on the JIT event)\n"));
    assert_int_equal(vs->n, 4);
    assert_int_equal(vs->v[0].state, ETWCAP_V_CONFIRMED_REACHABLE);
    assert_int_equal(vs->v[1].state, ETWCAP_V_CONFIRMED_REACHABLE);
    free_states(vs);
    free(got);
}

/* tests/data/watch-synth.txt: the JIT hit with the stack of its
 * ClrStackWalk, and hits on sampled stacks, each printed once. */
static void test_watch_realtime_stacks(void **state)
{
    (void)state;
    const char *dir = getenv("ETWCAP_TESTDATA");
    char path[1024], err[256];
    snprintf(path, sizeof path, "%s/watch-synth.txt", dir ? dir : "tests/data");
    size_t n = 0;
    uint8_t *text = test_read_file(path, &n);
    assert_non_null(text);
    testgen_trace *t = testgen_desc_build((const char *)text, n, err, sizeof err);
    if (!t)
        fail_msg("testgen: %s", err);
    const char *etl = "test_capture_watch_synth.etl";
    assert_int_equal(testgen_write(t, etl), 0);
    testgen_free(t);
    free(text);
    etwcap_verdicts *vs = NULL;
    char *got = capture_watch(etl, "claims/watch-synth-claims.json", NULL, 700, &vs);
    assert_int_equal(test_count(got, "watch: first hit "), 3);
    assert_int_equal(test_count(got, " claim S1 (V-1)\n"), 1);
    assert_non_null(strstr(got, "watch: first hit 2024-01-02T03:04:05.0000400Z claim S1 (V-1)\n"
                                "  sink: App.exe!App.Program.Main (managed)\n"
                                "  observed: jit\n"
                                "  process: 700 App.exe\n"
                                "  method: App!App.Program.Main\n"
                                "  stack (root to leaf, 2 frames):\n"
                                "    App!?\n"
                                "    App!App.Program.Main\n"));
    assert_non_null(strstr(got, "claim S2 (V-2)\n"
                                "  sink: app!Json.Parse(string) (managed)\n"
                                "  observed: sampled\n"));
    assert_non_null(strstr(got, "claim S3 (V-3)\n"
                                "  sink: App!App.Worker.Run (managed)\n"
                                "  observed: on stack\n"));
    assert_int_equal(test_count(got, "claim S4"), 0);
    assert_int_equal(vs->n, 4);
    free_states(vs);
    free(got);
    remove(etl);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default_session),
        cmocka_unit_test(test_options),
        cmocka_unit_test(test_fallback),
        cmocka_unit_test(test_fail_each_call),
        cmocka_unit_test(test_rights),
        cmocka_unit_test(test_timer_and_stop),
        cmocka_unit_test(test_stale),
        cmocka_unit_test(test_command_resumed_after_start),
        cmocka_unit_test(test_command_failures),
        cmocka_unit_test(test_watch_realtime),
        cmocka_unit_test(test_watch_realtime_stacks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
