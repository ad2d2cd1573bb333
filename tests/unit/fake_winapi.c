/* fake_winapi.c - the fake Windows of the `etwcap capture` tests (see
 * fake_winapi.h). */
#include "fake_winapi.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

fake fake_win;

/* A made-up handle: the fake's handles are numbers it recognises, never
 * objects. */
static HANDLE fake_handle(uintptr_t v)
{
    return (HANDLE)v; // NOLINT(performance-no-int-to-ptr): a number, not an address
}

static call *record(call_kind k)
{
    assert_true(fake_win.ncalls < (int)(sizeof fake_win.calls / sizeof fake_win.calls[0]));
    call *c = &fake_win.calls[fake_win.ncalls];
    memset(c, 0, sizeof *c);
    c->kind = k;
    c->failed = fake_win.ncalls == fake_win.fail_at;
    fake_win.ncalls++;
    if (c->failed)
        fake_win.last_error = FAIL_CODE;
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
    for (int i = 0; i < fake_win.nsessions; i++)
        if (fake_win.sessions[i].running && (h ? fake_win.sessions[i].handle == h
                                               : name && !strcmp(fake_win.sessions[i].name, name)))
            return &fake_win.sessions[i];
    return NULL;
}

fake_session *fake_add_session(const char *name)
{
    fake_session *s = &fake_win.sessions[fake_win.nsessions++];
    snprintf(s->name, sizeof s->name, "%s", name);
    s->handle = ++fake_win.next_handle;
    s->running = 1;
    return s;
}

static int is_alive(DWORD pid)
{
    for (int i = 0; i < fake_win.nalive; i++)
        if (fake_win.alive[i] == pid)
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
    if ((p->LogFileMode & EVENT_TRACE_SYSTEM_LOGGER_MODE) && fake_win.no_system_logger)
        return ERROR_INVALID_PARAMETER;
    if (find(0, c->name))
        return ERROR_ALREADY_EXISTS;
    *h = fake_add_session(c->name)->handle;
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
    p->EventsLost = fake_win.lost;
    p->BuffersWritten = fake_win.buffers;
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
                // NOLINTNEXTLINE(performance-no-int-to-ptr): the API's ULONGLONG address
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
    for (int i = 0; i < fake_win.nsessions && n < count; i++) {
        if (!fake_win.sessions[i].running)
            continue;
        WCHAR *dst = (WCHAR *)((char *)props[n] + props[n]->LoggerNameOffset);
        size_t k = 0;
        for (; fake_win.sessions[i].name[k]; k++)
            dst[k] = (WCHAR)fake_win.sessions[i].name[k];
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
    fake_win.handlers += add ? 1 : -1;
    return TRUE;
}

static HANDLE WINAPI f_GetCurrentProcess(void)
{
    return fake_handle(UINTPTR_MAX); /* the pseudo-handle (HANDLE)-1, as on Windows */
}

static DWORD WINAPI f_GetCurrentProcessId(void)
{
    return SELF;
}

static DWORD WINAPI f_GetLastError(void)
{
    return fake_win.last_error;
}

static BOOL WINAPI f_OpenProcessToken(HANDLE p, DWORD access, PHANDLE tok)
{
    if (record(K_OpenProcessToken)->failed)
        return FALSE;
    *tok = fake_handle(0x100);
    fake_win.open_handles++;
    return TRUE;
}

static BOOL WINAPI f_GetTokenInformation(HANDLE tok, TOKEN_INFORMATION_CLASS cls, LPVOID info,
                                         DWORD len, PDWORD got)
{
    if (record(K_GetTokenInformation)->failed)
        return FALSE;
    assert_int_equal(cls, TokenElevation);
    ((TOKEN_ELEVATION *)info)->TokenIsElevated = (DWORD)fake_win.elevated;
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
    fake_win.last_error = fake_win.not_all_assigned ? ERROR_NOT_ALL_ASSIGNED : ERROR_SUCCESS;
    return TRUE;
}

static HANDLE WINAPI f_OpenProcess(DWORD access, BOOL inherit, DWORD pid)
{
    call *c = record(K_OpenProcess);
    c->pid = pid;
    if (c->failed)
        return NULL;
    if (!is_alive(pid)) {
        fake_win.last_error = ERROR_INVALID_PARAMETER;
        return NULL;
    }
    fake_win.open_handles++;
    return fake_handle(0x10000 + (uintptr_t)pid);
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
    return fake_win.exit_at && fake_win.now >= fake_win.exit_at ? WAIT_OBJECT_0 : WAIT_TIMEOUT;
}

static BOOL WINAPI f_CloseHandle(HANDLE h)
{
    fake_win.open_handles--;
    return TRUE;
}

static BOOL WINAPI f_CreateProcessW(LPCWSTR app, LPWSTR cmd, LPSECURITY_ATTRIBUTES pa,
                                    LPSECURITY_ATTRIBUTES ta, BOOL inherit, DWORD flags, LPVOID env,
                                    LPCWSTR dir, LPSTARTUPINFOW si, LPPROCESS_INFORMATION pi)
{
    call *c = record(K_CreateProcessW);
    narrow(fake_win.cmdline, sizeof fake_win.cmdline, cmd);
    fake_win.create_flags = flags;
    if (c->failed)
        return FALSE;
    fake_win.child = (flags & CREATE_SUSPENDED) ? CHILD_SUSPENDED : CHILD_RUNNING;
    pi->hProcess = fake_handle(0x2000);
    pi->hThread = fake_handle(0x2004);
    pi->dwProcessId = CHILD_PID;
    pi->dwThreadId = CHILD_PID + 4;
    fake_win.open_handles += 2;
    return TRUE;
}

static DWORD WINAPI f_ResumeThread(HANDLE t)
{
    if (record(K_ResumeThread)->failed)
        return (DWORD)-1;
    assert_int_equal(fake_win.child, CHILD_SUSPENDED);
    fake_win.child = CHILD_RUNNING;
    return 1;
}

static BOOL WINAPI f_TerminateProcess(HANDLE p, UINT code)
{
    if (record(K_TerminateProcess)->failed)
        return FALSE;
    fake_win.child = CHILD_TERMINATED;
    return TRUE;
}

static HANDLE WINAPI f_CreateJobObjectW(LPSECURITY_ATTRIBUTES a, LPCWSTR name)
{
    if (record(K_CreateJobObjectW)->failed)
        return NULL;
    fake_win.open_handles++;
    return fake_handle(0x3000);
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
    a->ActiveProcesses = fake_win.exit_at && fake_win.now >= fake_win.exit_at ? 0 : 3;
    return TRUE;
}

static ULONGLONG WINAPI f_GetTickCount64(void)
{
    return fake_win.now;
}

static VOID WINAPI f_Sleep(DWORD ms)
{
    fake_win.now += ms;
    if (fake_win.console_at && !fake_win.console_fired && fake_win.now >= fake_win.console_at) {
        /* Windows would call the handler on a thread of its own. */
        fake_win.console_fired = 1;
        etwcap_capture_console_handler(fake_win.console_type);
    }
}

const etwcap_winapi fake_win_api = {
    .etw = {f_StartTraceW, f_ControlTraceW, f_EnableTraceEx2, f_TraceSetInformation,
            f_QueryAllTracesW},
    .console = {f_SetConsoleCtrlHandler},
    .process = {f_GetCurrentProcess, f_GetCurrentProcessId, f_GetLastError, f_OpenProcessToken,
                f_GetTokenInformation, f_LookupPrivilegeValueW, f_AdjustTokenPrivileges,
                f_OpenProcess, f_GetExitCodeProcess, f_WaitForMultipleObjects, f_CloseHandle,
                f_CreateProcessW, f_ResumeThread, f_TerminateProcess, f_CreateJobObjectW,
                f_AssignProcessToJobObject, f_QueryInformationJobObject},
    .clock = {f_GetTickCount64, f_Sleep},
    .fake = &fake_win,
};

void fake_reset(void)
{
    memset(&fake_win, 0, sizeof fake_win);
    fake_win.fail_at = -1;
    fake_win.elevated = 1;
    fake_win.now = 1000000;
    fake_win.lost = 3;
    fake_win.buffers = 17;
    fake_win.next_handle = 0x500;
}

int fake_running_sessions(void)
{
    int n = 0;
    for (int i = 0; i < fake_win.nsessions; i++)
        n += fake_win.sessions[i].running;
    return n;
}

int fake_running(const char *name)
{
    return find(0, name) != NULL;
}

etwcap_capture_options fake_base_options(void)
{
    etwcap_capture_options o;
    memset(&o, 0, sizeof o);
    o.etl_path = "C:\\traces\\trace.etl";
    o.duration_ms = 3000;
    o.rundown_wait_ms = 2000;
    o.quiet = 1;
    return o;
}

int fake_run(const etwcap_capture_options *o, etwcap_capture_result *res, char *why)
{
    return etwcap_capture_run(&fake_win_api, o, res, why, 512);
}

/* The i-th recorded call of kind k (0-based), or NULL. */
const call *fake_nth(call_kind k, int i)
{
    for (int j = 0; j < fake_win.ncalls; j++)
        if (fake_win.calls[j].kind == k && i-- == 0)
            return &fake_win.calls[j];
    return NULL;
}

const call *fake_set_info(int cls)
{
    for (int j = 0; j < fake_win.ncalls; j++)
        if (fake_win.calls[j].kind == K_TraceSetInformation && fake_win.calls[j].info_class == cls)
            return &fake_win.calls[j];
    return NULL;
}

int fake_count(call_kind k)
{
    int n = 0;
    for (int j = 0; j < fake_win.ncalls; j++)
        n += fake_win.calls[j].kind == k;
    return n;
}
