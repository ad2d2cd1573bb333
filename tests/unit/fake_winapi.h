/* fake_winapi.h - a fake Windows for the `etwcap capture` tests (issue #4).
 *
 * The fake etwcap_winapi table records every call with its parameters,
 * tracks which ETW sessions run, fails the call of a chosen index, and
 * drives a fake clock (Sleep advances it) that delivers a console event or
 * the exit of the target processes at a chosen time. Wine has no ETW, so
 * this is how the session settings and the lifecycle are checked. Windows
 * builds only (tests/CMakeLists.txt builds the test_capture_* programs with
 * fake_winapi.c only for WIN32).
 */
#ifndef ETWCAP_TEST_FAKE_WINAPI_H
#define ETWCAP_TEST_FAKE_WINAPI_H

#include <stdint.h>

#include "capture/capture.h"

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

/* The fake's state: one per test program, cleared by fake_reset(). */
extern fake fake_win;

/* The table that etwcap_capture_run calls (its `.fake` is &fake_win). */
extern const etwcap_winapi fake_win_api;

enum {
    FAIL_CODE = ERROR_NO_SYSTEM_RESOURCES, /* what a failed call returns */
    SELF = 4242,                           /* the fake's own process id */
    CHILD_PID = 9000                       /* the process CreateProcessW starts */
};

/* Clears the fake: elevated, nothing running, no failure, the clock at 1 s. */
void fake_reset(void);
/* A session that already runs (a stale one, or another tool's). */
fake_session *fake_add_session(const char *name);
int fake_running_sessions(void);
int fake_running(const char *name);
/* Options of a 3 s capture to C:\traces\trace.etl, quiet. */
etwcap_capture_options fake_base_options(void);
/* etwcap_capture_run on the fake. */
int fake_run(const etwcap_capture_options *o, etwcap_capture_result *res, char *why);
/* The i-th recorded call of kind k (0-based), or NULL. */
const call *fake_nth(call_kind k, int i);
/* The TraceSetInformation call of information class `cls`, or NULL. */
const call *fake_set_info(int cls);
int fake_count(call_kind k);

#endif
