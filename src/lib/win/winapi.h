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
} etwcap_winapi_dbghelp;

/* ---- ETW, console and process calls of `etwcap capture`
 *      (src/lib/capture/): filled in by the capture work. ---- */
typedef struct etwcap_winapi_etw {
    ULONG(WINAPI *StartTraceW)(PTRACEHANDLE handle, LPCWSTR name, PEVENT_TRACE_PROPERTIES props);
    ULONG(WINAPI *ControlTraceW)
    (TRACEHANDLE handle, LPCWSTR name, PEVENT_TRACE_PROPERTIES props, ULONG code);
    /* The consumer (src/lib/capture/realtime.c). */
    TRACEHANDLE(WINAPI *OpenTraceW)(PEVENT_TRACE_LOGFILEW logfile);
    ULONG(WINAPI *ProcessTrace)
    (PTRACEHANDLE handles, ULONG count, LPFILETIME start, LPFILETIME end);
    ULONG(WINAPI *CloseTrace)(TRACEHANDLE handle);
} etwcap_winapi_etw;

typedef struct etwcap_winapi {
    etwcap_winapi_etw etw;
    etwcap_winapi_dbghelp dbghelp;
    /* State of a fake table; NULL in the real one. */
    void *fake;
} etwcap_winapi;

/* The table of real Win32 calls (static storage; never NULL). */
const etwcap_winapi *etwcap_winapi_real(void);

#endif /* _WIN32 */
#endif
