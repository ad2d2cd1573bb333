/* util.c - names, paths and messages of the capture code. */
#ifdef _WIN32
#include <stdio.h>
#include <string.h>

#include "capture/util.h"

const char *etwcap_capture_strerror(ULONG rc)
{
    static char buf[96];
    const char *what = "";
    switch (rc) {
    case ERROR_ACCESS_DENIED:
        what = " (access denied: run etwcap from an elevated prompt)";
        break;
    case ERROR_ALREADY_EXISTS:
        what = " (a session of that name already runs)";
        break;
    case ERROR_INVALID_PARAMETER:
        what = " (invalid parameter)";
        break;
    case ERROR_NOT_SUPPORTED:
        what = " (not supported by this Windows)";
        break;
    case ERROR_NO_SYSTEM_RESOURCES:
        what = " (too many ETW sessions)";
        break;
    case ERROR_WMI_INSTANCE_NOT_FOUND:
        what = " (no such session)";
        break;
    case ERROR_BAD_PATHNAME:
        what = " (bad file name)";
        break;
    case ERROR_DISK_FULL:
        what = " (disk full)";
        break;
    case ERROR_PRIVILEGE_NOT_HELD:
        what = " (privilege not held)";
        break;
    default:
        break;
    }
    snprintf(buf, sizeof buf, "error %lu%s", (unsigned long)rc, what);
    return buf;
}

void etwcap_capture_narrow(char *dst, size_t cap, const WCHAR *src)
{
    if (!cap)
        return;
    int n = WideCharToMultiByte(CP_UTF8, 0, src, -1, dst, (int)cap, NULL, NULL);
    if (n <= 0)
        dst[0] = 0;
    dst[cap - 1] = 0;
}

void etwcap_capture_session_name(WCHAR *dst, size_t cap, DWORD pid)
{
    char n[32];
    snprintf(n, sizeof n, ETWCAP_CAPTURE_PREFIX "%lu", (unsigned long)pid);
    size_t i = 0;
    for (; n[i] && i + 1 < cap; i++)
        dst[i] = (WCHAR)n[i];
    dst[i] = 0;
}

DWORD etwcap_capture_name_owner(const WCHAR *name)
{
    const char *pre = ETWCAP_CAPTURE_PREFIX;
    size_t i = 0;
    for (; pre[i]; i++)
        if (name[i] != (WCHAR)pre[i])
            return 0;
    unsigned long long pid = 0;
    size_t digits = 0;
    for (; name[i]; i++, digits++) {
        if (name[i] < L'0' || name[i] > L'9' || digits >= 10)
            return 0;
        pid = pid * 10 + (unsigned)(name[i] - L'0');
    }
    if (!digits || pid == 0 || pid > 0xFFFFFFFFull)
        return 0;
    return (DWORD)pid;
}

int etwcap_capture_full_path(WCHAR *dst, size_t cap, const char *path, const char *suffix)
{
    WCHAR wide[1024], full[1024];
    if (MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, path, -1, wide, 1024) <= 0)
        return -1;
    DWORD n = GetFullPathNameW(wide, 1024, full, NULL);
    if (n == 0 || n >= 1024)
        return -1;
    if (suffix) {
        size_t len = wcslen(full), sl = strlen(suffix);
        if (len >= 4 && !_wcsicmp(full + len - 4, L".etl"))
            len -= 4;
        if (len + sl + 1 > 1024)
            return -1;
        for (size_t i = 0; i <= sl; i++)
            full[len + i] = (WCHAR)(unsigned char)suffix[i];
    }
    if (wcslen(full) + 1 > cap)
        return -1;
    memcpy(dst, full, (wcslen(full) + 1) * sizeof(WCHAR));
    return 0;
}
#else
typedef int etwcap_capture_util_unused;
#endif
