/* launch.c - `etwcap capture -- COMMAND ARGS` (issue #6): the command starts
 * suspended inside a job object, so that none of its code runs before the
 * session and the CLR rundown are in place, and so that its whole process
 * tree can be watched for exit. It is resumed only after the session
 * started; if the session fails it is terminated, never resumed. */
#ifdef _WIN32
#include <stdio.h>
#include <string.h>

#include "capture/util.h"

int etwcap_capture_quote(const char *const *argv, size_t n, WCHAR *out, size_t cap)
{
    char buf[8192];
    size_t k = 0;
#define PUT(ch)                  \
    do {                         \
        if (k + 1 >= sizeof buf) \
            return -1;           \
        buf[k++] = (ch);         \
    } while (0)
    for (size_t i = 0; i < n; i++) {
        const char *a = argv[i];
        if (i)
            PUT(' ');
        int quote = !a[0] || strpbrk(a, " \t\n\v\"") != NULL;
        if (!quote) {
            for (; *a; a++)
                PUT(*a);
            continue;
        }
        /* Backslashes are literal unless they precede a quote: there they
         * are doubled, and the quote itself is escaped. */
        PUT('"');
        for (;; a++) {
            size_t bs = 0;
            while (*a == '\\')
                a++, bs++;
            if (!*a) {
                for (size_t j = 0; j < 2 * bs; j++)
                    PUT('\\');
                break;
            }
            if (*a == '"') {
                for (size_t j = 0; j < 2 * bs + 1; j++)
                    PUT('\\');
            } else {
                for (size_t j = 0; j < bs; j++)
                    PUT('\\');
            }
            PUT(*a);
        }
        PUT('"');
    }
#undef PUT
    buf[k] = 0;
    int w = MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, buf, -1, out, (int)cap);
    return w > 0 ? 0 : -1;
}

int etwcap_capture_child_start(const etwcap_winapi *api, const etwcap_capture_options *o,
                               etwcap_capture_child *c, char *why, size_t cap)
{
    WCHAR cmd[32768]; /* the OS limit; CreateProcessW may write to it */
    memset(c, 0, sizeof *c);
    if (etwcap_capture_quote(o->command, o->ncommand, cmd, 32768) != 0) {
        snprintf(why, cap, "the command line is too long or not UTF-8");
        return -1;
    }
    STARTUPINFOW si;
    PROCESS_INFORMATION pi;
    memset(&si, 0, sizeof si);
    memset(&pi, 0, sizeof pi);
    si.cb = sizeof si;
    if (!api->process.CreateProcessW(NULL, cmd, NULL, NULL, FALSE, CREATE_SUSPENDED, NULL, NULL,
                                     &si, &pi)) {
        snprintf(why, cap, "cannot start '%s': %s", o->command[0],
                 etwcap_capture_strerror(api->process.GetLastError()));
        return -1;
    }
    c->process = pi.hProcess;
    c->thread = pi.hThread;
    c->pid = pi.dwProcessId;
    c->job = api->process.CreateJobObjectW(NULL, NULL);
    if (!c->job || !api->process.AssignProcessToJobObject(c->job, c->process)) {
        snprintf(why, cap, "cannot put '%s' in a job object to follow its process tree: %s",
                 o->command[0], etwcap_capture_strerror(api->process.GetLastError()));
        etwcap_capture_child_end(api, c);
        return -1;
    }
    return 0;
}

int etwcap_capture_child_resume(const etwcap_winapi *api, etwcap_capture_child *c, char *why,
                                size_t cap)
{
    if (api->process.ResumeThread(c->thread) == (DWORD)-1) {
        snprintf(why, cap, "cannot resume the command: %s",
                 etwcap_capture_strerror(api->process.GetLastError()));
        return -1;
    }
    c->resumed = 1;
    return 0;
}

int etwcap_capture_child_alive(const etwcap_winapi *api, const etwcap_capture_child *c)
{
    JOBOBJECT_BASIC_ACCOUNTING_INFORMATION info;
    memset(&info, 0, sizeof info);
    if (!api->process.QueryInformationJobObject(c->job, JobObjectBasicAccountingInformation, &info,
                                                sizeof info, NULL))
        return -1;
    return info.ActiveProcesses > 0;
}

void etwcap_capture_child_end(const etwcap_winapi *api, etwcap_capture_child *c)
{
    if (c->process && !c->resumed)
        api->process.TerminateProcess(c->process, 1);
    if (c->job)
        api->process.CloseHandle(c->job);
    if (c->thread)
        api->process.CloseHandle(c->thread);
    if (c->process)
        api->process.CloseHandle(c->process);
    memset(c, 0, sizeof *c);
}
#else
typedef int etwcap_capture_launch_unused;
#endif
