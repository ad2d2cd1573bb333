/* winapi.h - the one table of Windows calls that etwcap makes (issue #4).
 *
 * Every ETW controller/consumer call, every DbgHelp call and every console
 * and process call of the live-capture and DbgHelp code goes through an
 * etwcap_winapi table instead of calling Win32 directly. The real table
 * (winapi_real.c) points at the Win32 functions; tests install a fake that
 * records each call with its parameters, injects failures and replays
 * events into the consumer callback. Only Windows builds compile this.
 *
 * The table is made of one sub-table per area so that each area's code sees
 * the calls it needs, and a fake can fill only the areas a test uses.
 */
#ifndef ETWCAP_WINAPI_H
#define ETWCAP_WINAPI_H

#ifdef _WIN32

#include <windows.h>
/* After windows.h: the Win32 types the table's signatures use. */
#include <dbghelp.h>
#include <evntcons.h>
#include <evntrace.h>

/* ---- DbgHelp (src/lib/symbol/dbghelp.c) ---- */
typedef struct etwcap_winapi_dbghelp {
    DWORD(WINAPI *SymSetOptions)(DWORD options);
    BOOL(WINAPI *SymInitializeW)(HANDLE process, PCWSTR search_path, BOOL invade);
    BOOL(WINAPI *SymSetSearchPathW)(HANDLE process, PCWSTR search_path);
    DWORD64(WINAPI *SymLoadModuleExW)
    (HANDLE process, HANDLE file, PCWSTR image_name, PCWSTR module_name, DWORD64 base, DWORD size,
     PMODLOAD_DATA data, DWORD flags);
    BOOL(WINAPI *SymFromAddrW)
    (HANDLE process, DWORD64 addr, PDWORD64 displacement, PSYMBOL_INFOW symbol);
    BOOL(WINAPI *SymUnloadModule64)(HANDLE process, DWORD64 base);
    BOOL(WINAPI *SymCleanup)(HANDLE process);
    /* SymType of a loaded module: did DbgHelp find a PDB or only exports? */
    BOOL(WINAPI *SymGetModuleInfoW64)(HANDLE process, DWORD64 addr, PIMAGEHLP_MODULEW64 info);
    /* The default search path (_NT_SYMBOL_PATH) and the reason of a failure. */
    DWORD(WINAPI *GetEnvironmentVariableW)(LPCWSTR name, LPWSTR buf, DWORD size);
    DWORD(WINAPI *GetLastError)(void);
} etwcap_winapi_dbghelp;

/* ---- ETW, console, process and clock calls of `etwcap capture`
 *      (src/lib/capture/). ---- */
typedef struct etwcap_winapi_etw {
    ULONG(WINAPI *StartTraceW)(PTRACEHANDLE handle, LPCWSTR name, PEVENT_TRACE_PROPERTIES props);
    ULONG(WINAPI *ControlTraceW)
    (TRACEHANDLE handle, LPCWSTR name, PEVENT_TRACE_PROPERTIES props, ULONG code);
    ULONG(WINAPI *EnableTraceEx2)
    (TRACEHANDLE handle, LPCGUID provider, ULONG code, UCHAR level, ULONGLONG any, ULONGLONG all,
     ULONG timeout, PENABLE_TRACE_PARAMETERS params);
    ULONG(WINAPI *TraceSetInformation)
    (TRACEHANDLE handle, TRACE_INFO_CLASS cls, PVOID info, ULONG length);
    ULONG(WINAPI *QueryAllTracesW)(PEVENT_TRACE_PROPERTIES *props, ULONG count, PULONG found);
    /* The consumer (src/lib/capture/realtime.c). */
    TRACEHANDLE(WINAPI *OpenTraceW)(PEVENT_TRACE_LOGFILEW logfile);
    ULONG(WINAPI *ProcessTrace)
    (PTRACEHANDLE handles, ULONG count, LPFILETIME start, LPFILETIME end);
    ULONG(WINAPI *CloseTrace)(TRACEHANDLE handle);
} etwcap_winapi_etw;

typedef struct etwcap_winapi_console {
    BOOL(WINAPI *SetConsoleCtrlHandler)(PHANDLER_ROUTINE handler, BOOL add);
} etwcap_winapi_console;

typedef struct etwcap_winapi_process {
    HANDLE(WINAPI *GetCurrentProcess)(void);
    DWORD(WINAPI *GetCurrentProcessId)(void);
    DWORD(WINAPI *GetLastError)(void);
    BOOL(WINAPI *OpenProcessToken)(HANDLE process, DWORD access, PHANDLE token);
    BOOL(WINAPI *GetTokenInformation)
    (HANDLE token, TOKEN_INFORMATION_CLASS cls, LPVOID info, DWORD length, PDWORD returned);
    BOOL(WINAPI *LookupPrivilegeValueW)(LPCWSTR system, LPCWSTR name, PLUID luid);
    BOOL(WINAPI *AdjustTokenPrivileges)
    (HANDLE token, BOOL disable_all, PTOKEN_PRIVILEGES state, DWORD length,
     PTOKEN_PRIVILEGES previous, PDWORD returned);
    HANDLE(WINAPI *OpenProcess)(DWORD access, BOOL inherit, DWORD pid);
    BOOL(WINAPI *GetExitCodeProcess)(HANDLE process, LPDWORD code);
    DWORD(WINAPI *WaitForMultipleObjects)(DWORD count, const HANDLE *handles, BOOL all, DWORD ms);
    BOOL(WINAPI *CloseHandle)(HANDLE h);
    /* `etwcap capture -- COMMAND`: a suspended child in a job object. */
    BOOL(WINAPI *CreateProcessW)
    (LPCWSTR app, LPWSTR cmdline, LPSECURITY_ATTRIBUTES pattr, LPSECURITY_ATTRIBUTES tattr,
     BOOL inherit, DWORD flags, LPVOID env, LPCWSTR dir, LPSTARTUPINFOW si,
     LPPROCESS_INFORMATION pi);
    DWORD(WINAPI *ResumeThread)(HANDLE thread);
    BOOL(WINAPI *TerminateProcess)(HANDLE process, UINT code);
    HANDLE(WINAPI *CreateJobObjectW)(LPSECURITY_ATTRIBUTES attr, LPCWSTR name);
    BOOL(WINAPI *AssignProcessToJobObject)(HANDLE job, HANDLE process);
    BOOL(WINAPI *QueryInformationJobObject)
    (HANDLE job, JOBOBJECTINFOCLASS cls, LPVOID info, DWORD length, LPDWORD returned);
} etwcap_winapi_process;

typedef struct etwcap_winapi_clock {
    ULONGLONG(WINAPI *GetTickCount64)(void);
    VOID(WINAPI *Sleep)(DWORD ms);
} etwcap_winapi_clock;

typedef struct etwcap_winapi {
    etwcap_winapi_etw etw;
    etwcap_winapi_console console;
    etwcap_winapi_process process;
    etwcap_winapi_clock clock;
    etwcap_winapi_dbghelp dbghelp;
    /* State of a fake table; NULL in the real one. */
    void *fake;
} etwcap_winapi;

/* The table of real Win32 calls (static storage; never NULL). */
const etwcap_winapi *etwcap_winapi_real(void);

#endif /* _WIN32 */
#endif
