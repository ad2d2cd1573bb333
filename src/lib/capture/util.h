/* util.h - small helpers of the capture code (Windows only). */
#ifndef ETWCAP_CAPTURE_UTIL_H
#define ETWCAP_CAPTURE_UTIL_H
#ifdef _WIN32
#include "capture/capture.h"

/* "error 5 (access denied)" for a Win32 / ETW status. Static storage per
 * code family; never NULL. */
const char *etwcap_capture_strerror(ULONG rc);

/* UTF-16 -> ASCII-safe UTF-8 for messages (bounded, always terminated). */
void etwcap_capture_narrow(char *dst, size_t cap, const WCHAR *src);

/* ETWCAP_CAPTURE_PREFIX + decimal pid, as UTF-16. */
void etwcap_capture_session_name(WCHAR *dst, size_t cap, DWORD pid);

/* The owner pid of a session name of ours, or 0 when the name is not ours. */
DWORD etwcap_capture_name_owner(const WCHAR *name);

/* Absolute UTF-16 path of UTF-8 `path` (+ `suffix` replacing a final
 * ".etl", or appended). 0, or -1 when it does not fit or is not UTF-8. */
int etwcap_capture_full_path(WCHAR *dst, size_t cap, const char *path, const char *suffix);

/* ENABLE_TRACE_PARAMETERS (version 2) for a CLR provider: stack property,
 * container properties, PID filter (`fd` must outlive the enable call). */
void etwcap_capture_enable_params(ENABLE_TRACE_PARAMETERS *ep, EVENT_FILTER_DESCRIPTOR *fd,
                                  const etwcap_capture_options *o, int stacks);
#endif
#endif
