/* stale.c - stop sessions of ours left running by a crashed etwcap.
 *
 * Our sessions are named ETWCAP_CAPTURE_PREFIX<owner pid>. A session whose
 * owner process is gone is stopped with a notice; sessions of a live owner
 * (another etwcap capturing right now) and every foreign session are left
 * alone. (A reused pid makes a dead owner look alive: the stale session is
 * then kept, never a live one stopped.)
 */
#ifdef _WIN32
#include <stdio.h>
#include <stdlib.h>

#include "capture/util.h"

enum {
    MAX_SESSIONS = 64
};

/* 1 when process `pid` still runs (or cannot be checked: then not ours to stop). */
static int owner_alive(const etwcap_winapi *api, DWORD pid)
{
    HANDLE h = api->process.OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, FALSE, pid);
    if (!h)
        return api->process.GetLastError() != ERROR_INVALID_PARAMETER;
    DWORD code = 0;
    int alive = !api->process.GetExitCodeProcess(h, &code) || code == STILL_ACTIVE;
    api->process.CloseHandle(h);
    return alive;
}

int etwcap_capture_stop_stale(const etwcap_winapi *api, char *why, size_t cap)
{
    char *mem = calloc(MAX_SESSIONS, ETWCAP_CAPTURE_PROPS_SIZE);
    PEVENT_TRACE_PROPERTIES ptrs[MAX_SESSIONS];
    if (!mem) {
        snprintf(why, cap, "out of memory listing ETW sessions");
        return -1;
    }
    for (int i = 0; i < MAX_SESSIONS; i++) {
        char *b = mem + (size_t)i * ETWCAP_CAPTURE_PROPS_SIZE;
        etwcap_capture_props_fill(b, L"", NULL, 0, 0, NULL);
        ptrs[i] = (PEVENT_TRACE_PROPERTIES)b;
        ptrs[i]->LogFileNameOffset = (ULONG)(sizeof(EVENT_TRACE_PROPERTIES) + 1024 * sizeof(WCHAR));
    }
    ULONG found = 0;
    ULONG rc = api->etw.QueryAllTracesW(ptrs, MAX_SESSIONS, &found);
    if (rc != ERROR_SUCCESS && rc != ERROR_MORE_DATA) {
        snprintf(why, cap, "listing ETW sessions (QueryAllTracesW) failed: %s",
                 etwcap_capture_strerror(rc));
        free(mem);
        return -1;
    }
    int stopped = 0;
    for (ULONG i = 0; i < found && i < MAX_SESSIONS; i++) {
        WCHAR name[64];
        const WCHAR *src = (const WCHAR *)((const char *)ptrs[i] + ptrs[i]->LoggerNameOffset);
        size_t k = 0;
        for (; src[k] && k + 1 < 64; k++)
            name[k] = src[k];
        name[k] = 0;
        DWORD owner = etwcap_capture_name_owner(name);
        if (!owner || owner_alive(api, owner))
            continue;
        char props[ETWCAP_CAPTURE_PROPS_SIZE], n[64];
        etwcap_capture_narrow(n, sizeof n, name);
        etwcap_capture_props_fill(props, name, NULL, 0, 0, NULL);
        rc = api->etw.ControlTraceW(0, name, (PEVENT_TRACE_PROPERTIES)props,
                                    EVENT_TRACE_CONTROL_STOP);
        if (rc != ERROR_SUCCESS && rc != ERROR_WMI_INSTANCE_NOT_FOUND) {
            snprintf(why, cap, "stopping the stale ETW session '%s' failed: %s", n,
                     etwcap_capture_strerror(rc));
            free(mem);
            return -1;
        }
        fprintf(stderr,
                "etwcap: notice: stopped ETW session '%s' left running by an etwcap that "
                "ended (pid %lu is gone)\n",
                n, (unsigned long)owner);
        stopped++;
    }
    free(mem);
    return stopped;
}
#else
typedef int etwcap_capture_stale_unused;
#endif
