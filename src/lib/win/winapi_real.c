/* winapi_real.c - the etwcap_winapi table of real Win32 calls (winapi.h). */
#ifdef _WIN32
#include "win/winapi.h"

static const etwcap_winapi real = {
    .etw =
        {
            .StartTraceW = StartTraceW,
            .ControlTraceW = ControlTraceW,
            .EnableTraceEx2 = EnableTraceEx2,
            .TraceSetInformation = TraceSetInformation,
            .QueryAllTracesW = QueryAllTracesW,
            .OpenTraceW = OpenTraceW,
            .ProcessTrace = ProcessTrace,
            .CloseTrace = CloseTrace,
        },
    .console = {.SetConsoleCtrlHandler = SetConsoleCtrlHandler},
    .process =
        {
            .GetCurrentProcess = GetCurrentProcess,
            .GetCurrentProcessId = GetCurrentProcessId,
            .GetLastError = GetLastError,
            .OpenProcessToken = OpenProcessToken,
            .GetTokenInformation = GetTokenInformation,
            .LookupPrivilegeValueW = LookupPrivilegeValueW,
            .AdjustTokenPrivileges = AdjustTokenPrivileges,
            .OpenProcess = OpenProcess,
            .GetExitCodeProcess = GetExitCodeProcess,
            .WaitForMultipleObjects = WaitForMultipleObjects,
            .CloseHandle = CloseHandle,
            .CreateProcessW = CreateProcessW,
            .ResumeThread = ResumeThread,
            .TerminateProcess = TerminateProcess,
            .CreateJobObjectW = CreateJobObjectW,
            .AssignProcessToJobObject = AssignProcessToJobObject,
            .QueryInformationJobObject = QueryInformationJobObject,
        },
    .clock = {.GetTickCount64 = GetTickCount64, .Sleep = Sleep},
    .dbghelp =
        {
            .SymSetOptions = SymSetOptions,
            .SymInitializeW = SymInitializeW,
            .SymSetSearchPathW = SymSetSearchPathW,
            .SymLoadModuleExW = SymLoadModuleExW,
            .SymFromAddrW = SymFromAddrW,
            .SymUnloadModule64 = SymUnloadModule64,
            .SymCleanup = SymCleanup,
            .SymGetModuleInfoW64 = SymGetModuleInfoW64,
            .GetEnvironmentVariableW = GetEnvironmentVariableW,
            .GetLastError = GetLastError,
        },
    .fake = NULL,
};

const etwcap_winapi *etwcap_winapi_real(void)
{
    return &real;
}
#else
/* ISO C forbids an empty translation unit. */
typedef int etwcap_winapi_real_unused;
#endif
