/* lifecycle.c - one capture from rights check to guaranteed stop.
 *
 * Order: administrator rights, SeSystemProfilePrivilege, target processes,
 * stale sessions of ours, console handler, session start; then a poll loop
 * that ends at --duration, on a console event or when every --pid target has
 * exited; then the session is stopped on every path, errors included.
 */
#ifdef _WIN32
#include <stdio.h>
#include <string.h>

#include "capture/util.h"

enum {
    MAX_TARGETS = MAXIMUM_WAIT_OBJECTS,
    SLICE_MS = 100,
    QUERY_MS = 1000,
    CLOSE_WAIT_MS = 4500
};

/* The console handler runs on a thread Windows creates, so its state must
 * be reachable without a context pointer: these three words, set up by
 * etwcap_capture_run, and nothing else. */
static volatile LONG console_event = -1;
static volatile LONG capture_done = 1;
static const etwcap_winapi *volatile handler_api;

BOOL WINAPI etwcap_capture_console_handler(DWORD type)
{
    InterlockedExchange(&console_event, (LONG)type);
    const etwcap_winapi *api = handler_api;
    /* On close, logoff and shutdown Windows ends the process when the handler
     * returns: hold it (up to ~5 s, the system's limit) until the main loop
     * has stopped the session. */
    if (api &&
        (type == CTRL_CLOSE_EVENT || type == CTRL_LOGOFF_EVENT || type == CTRL_SHUTDOWN_EVENT)) {
        ULONGLONG t0 = api->clock.GetTickCount64();
        while (!capture_done && api->clock.GetTickCount64() - t0 < CLOSE_WAIT_MS)
            api->clock.Sleep(50);
    }
    return TRUE;
}

static int check_rights(const etwcap_winapi *api, char *why, size_t cap)
{
    HANDLE tok = NULL;
    if (!api->process.OpenProcessToken(api->process.GetCurrentProcess(),
                                       TOKEN_QUERY | TOKEN_ADJUST_PRIVILEGES, &tok)) {
        snprintf(why, cap, "cannot open this process's token: %s",
                 etwcap_capture_strerror(api->process.GetLastError()));
        return -1;
    }
    int rc = -1;
    TOKEN_ELEVATION elev;
    DWORD got = 0;
    LUID luid;
    TOKEN_PRIVILEGES tp;
    if (!api->process.GetTokenInformation(tok, TokenElevation, &elev, sizeof elev, &got)) {
        snprintf(why, cap, "cannot read the token's elevation: %s",
                 etwcap_capture_strerror(api->process.GetLastError()));
    } else if (!elev.TokenIsElevated) {
        snprintf(why, cap,
                 "live capture needs administrator rights: run etwcap capture from an "
                 "elevated (Run as administrator) prompt");
    } else if (!api->process.LookupPrivilegeValueW(NULL, L"SeSystemProfilePrivilege", &luid)) {
        snprintf(why, cap, "cannot look up SeSystemProfilePrivilege: %s",
                 etwcap_capture_strerror(api->process.GetLastError()));
    } else {
        /* The sample interval needs SeSystemProfilePrivilege enabled. */
        tp.PrivilegeCount = 1;
        tp.Privileges[0].Luid = luid;
        tp.Privileges[0].Attributes = SE_PRIVILEGE_ENABLED;
        if (!api->process.AdjustTokenPrivileges(tok, FALSE, &tp, sizeof tp, NULL, NULL))
            snprintf(why, cap, "cannot enable SeSystemProfilePrivilege: %s",
                     etwcap_capture_strerror(api->process.GetLastError()));
        else if (api->process.GetLastError() == ERROR_NOT_ALL_ASSIGNED)
            snprintf(why, cap,
                     "this account does not hold SeSystemProfilePrivilege (\"Profile "
                     "system performance\"), which CPU sampling needs");
        else
            rc = 0;
    }
    api->process.CloseHandle(tok);
    return rc;
}

static void progress(const etwcap_capture_options *o, uint64_t ms, ULONG buffers, ULONG lost)
{
    if (o->quiet)
        return;
    fprintf(stderr, "\retwcap: capturing %llu.%llus  buffers written %lu  events lost %lu   ",
            (unsigned long long)(ms / 1000), (unsigned long long)(ms % 1000 / 100),
            (unsigned long)buffers, (unsigned long)lost);
    fflush(stderr);
}

/* Poll until the duration ends, a console event arrives or every target
 * exited. 0, or -1 with `why`. */
static int poll_loop(etwcap_capture_session *s, const HANDLE *targets, DWORD ntargets,
                     const etwcap_capture_child *child, etwcap_capture_result *res, char *why,
                     size_t cap)
{
    const etwcap_winapi *api = s->api;
    const etwcap_capture_options *o = s->opts;
    ULONGLONG t0 = api->clock.GetTickCount64(), last_query = t0;
    for (;;) {
        ULONGLONG now = api->clock.GetTickCount64();
        res->elapsed_ms = now - t0;
        if (console_event >= 0) {
            res->end = ETWCAP_CAPTURE_END_CONSOLE;
            return 0;
        }
        if (o->duration_ms && res->elapsed_ms >= o->duration_ms) {
            res->end = ETWCAP_CAPTURE_END_DURATION;
            return 0;
        }
        if (ntargets) {
            DWORD w = api->process.WaitForMultipleObjects(ntargets, targets, TRUE, 0);
            if (w == WAIT_FAILED) {
                snprintf(why, cap, "waiting for the target processes failed: %s",
                         etwcap_capture_strerror(api->process.GetLastError()));
                return -1;
            }
            if (w < WAIT_OBJECT_0 + ntargets) {
                res->end = ETWCAP_CAPTURE_END_TARGETS;
                return 0;
            }
        }
        if (child->job) {
            int alive = etwcap_capture_child_alive(api, child);
            if (alive < 0) {
                snprintf(why, cap, "cannot follow the command's processes: %s",
                         etwcap_capture_strerror(api->process.GetLastError()));
                return -1;
            }
            if (!alive) {
                res->end = ETWCAP_CAPTURE_END_TARGETS;
                return 0;
            }
        }
        if (now - last_query >= QUERY_MS) {
            ULONG lost, buffers;
            last_query = now;
            if (etwcap_capture_session_query(s, &lost, &buffers) != 0) {
                snprintf(why, cap, "%s", s->message);
                return -1;
            }
            res->events_lost = lost;
            res->buffers_written = buffers;
            progress(o, res->elapsed_ms, buffers, lost);
        }
        DWORD slice = SLICE_MS;
        if (o->duration_ms && o->duration_ms - res->elapsed_ms < slice)
            slice = (DWORD)(o->duration_ms - res->elapsed_ms);
        api->clock.Sleep(slice);
    }
}

static const char *end_text(etwcap_capture_end e)
{
    switch (e) {
    case ETWCAP_CAPTURE_END_DURATION:
        return "the duration ended";
    case ETWCAP_CAPTURE_END_CONSOLE:
        return "stopped from the console";
    case ETWCAP_CAPTURE_END_TARGETS:
        return "every target process exited";
    default:
        return "error";
    }
}

int etwcap_capture_run(const etwcap_winapi *api, const etwcap_capture_options *o,
                       etwcap_capture_result *res, char *why, size_t cap)
{
    memset(res, 0, sizeof *res);
    why[0] = 0;
    if (etwcap_capture_check(o, why, cap) != 0)
        return -1;
    if (o->npids > MAX_TARGETS) {
        snprintf(why, cap, "at most %d --pid targets", MAX_TARGETS);
        return -1;
    }
    if (check_rights(api, why, cap) != 0)
        return -1;

    HANDLE targets[MAX_TARGETS];
    DWORD ntargets = 0;
    int rc = -1, handler = 0, started = 0;
    etwcap_capture_session s;
    etwcap_capture_child child;
    memset(&s, 0, sizeof s);
    memset(&child, 0, sizeof child);
    if (o->ncommand) {
        if (etwcap_capture_child_start(api, o, &child, why, cap) != 0)
            goto out;
        res->child_pid = child.pid;
    }
    for (size_t i = 0; i < o->npids; i++) {
        HANDLE h = api->process.OpenProcess(SYNCHRONIZE, FALSE, o->pids[i]);
        if (!h) {
            snprintf(why, cap, "--pid %u: no such process, or no access to it (%s)",
                     (unsigned)o->pids[i], etwcap_capture_strerror(api->process.GetLastError()));
            goto out;
        }
        targets[ntargets++] = h;
    }
    if (etwcap_capture_stop_stale(api, why, cap) < 0)
        goto out;

    console_event = -1;
    capture_done = 0;
    handler_api = api;
    if (!api->console.SetConsoleCtrlHandler(etwcap_capture_console_handler, TRUE)) {
        snprintf(why, cap, "cannot install the Ctrl-C handler: %s",
                 etwcap_capture_strerror(api->process.GetLastError()));
        goto out;
    }
    handler = 1;

    if (etwcap_capture_session_start(&s, api, o, api->process.GetCurrentProcessId()) != 0) {
        snprintf(why, cap, "%s", s.message);
        goto out;
    }
    started = 1;
    res->system_logger = s.system_logger;
    if (!s.system_logger && s.clr_session == 1 && o->etl_path) {
        size_t len = strlen(o->etl_path);
        if (len >= 4 && !_stricmp(o->etl_path + len - 4, ".etl"))
            len -= 4;
        snprintf(res->clr_etl, sizeof res->clr_etl, "%.*s.clr.etl", (int)len, o->etl_path);
    }
    char name[64];
    etwcap_capture_narrow(name, sizeof name, s.name[s.clr_session > 0 ? 1 : 0]);
    if (!o->quiet)
        fprintf(stderr, "etwcap: session '%s' started (%s); Ctrl-C stops it\n", name,
                s.system_logger ? "system logger" : "NT Kernel Logger fallback");
    if (o->on_started && o->on_started(name, o->hook_payload) != 0) {
        snprintf(why, cap, "the real-time consumer could not start");
        goto out;
    }
    /* Only now, with the session and the CLR rundown running, may the command run. */
    if (child.process && etwcap_capture_child_resume(api, &child, why, cap) != 0)
        goto out;
    rc = poll_loop(&s, targets, ntargets, &child, res, why, cap);

out:
    if (started) {
        if (etwcap_capture_session_stop(&s, o->rundown_wait_ms) != 0) {
            if (rc == 0 || !why[0])
                snprintf(why, cap, "%s", s.message);
            rc = -1;
        }
        if (!o->quiet)
            fprintf(stderr, "\netwcap: session stopped after %llu ms (%s)\n",
                    (unsigned long long)res->elapsed_ms, rc == 0 ? end_text(res->end) : "error");
    }
    capture_done = 1;
    if (handler && !api->console.SetConsoleCtrlHandler(etwcap_capture_console_handler, FALSE) &&
        rc == 0) {
        snprintf(why, cap, "cannot remove the Ctrl-C handler: %s",
                 etwcap_capture_strerror(api->process.GetLastError()));
        rc = -1;
    }
    handler_api = NULL;
    /* A command that was never resumed is terminated here. */
    etwcap_capture_child_end(api, &child);
    for (DWORD i = 0; i < ntargets; i++)
        api->process.CloseHandle(targets[i]);
    return rc;
}
#else
typedef int etwcap_capture_lifecycle_unused;
#endif
