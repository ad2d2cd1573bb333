/* winapi_real.c - the etwcap_winapi table of real Win32 calls (winapi.h). */
#ifdef _WIN32
#include "win/winapi.h"

static const etwcap_winapi real = {
    .etw =
        {
            .StartTraceW = StartTraceW,
            .ControlTraceW = ControlTraceW,
            .OpenTraceW = OpenTraceW,
            .ProcessTrace = ProcessTrace,
            .CloseTrace = CloseTrace,
        },
    .dbghelp =
        {
            .SymSetOptions = SymSetOptions,
            .SymInitializeW = SymInitializeW,
            .SymSetSearchPathW = SymSetSearchPathW,
            .SymLoadModuleExW = SymLoadModuleExW,
            .SymFromAddrW = SymFromAddrW,
            .SymUnloadModule64 = SymUnloadModule64,
            .SymCleanup = SymCleanup,
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
