/* capture.h - `etwcap capture`: a live ETW session (issue #4).
 *
 * session.c builds the session properties and the provider enables from a
 * capture_options; lifecycle.c checks rights, stops stale sessions of ours,
 * starts the session, polls it until the duration ends, Ctrl-C / console
 * close arrives or every target exits, and always stops it. Every Win32 call
 * goes through the etwcap_winapi table (win/winapi.h) so tests run the whole
 * lifecycle against a fake. Windows only; other platforms see only the
 * options struct.
 */
#ifndef ETWCAP_CAPTURE_H
#define ETWCAP_CAPTURE_H

#include <stddef.h>
#include <stdint.h>

/* Most PIDs an EVENT_FILTER_TYPE_PID filter may hold (etl-format.md §6.2). */
#define ETWCAP_CAPTURE_MAX_FILTER_PIDS 8
/* Default sampling rate: the kernel's own default interval (1 ms). */
#define ETWCAP_CAPTURE_DEFAULT_HZ 1000
/* Session names of ours: this prefix + the decimal pid of the owner. */
#define ETWCAP_CAPTURE_PREFIX "etwcap-"

typedef struct etwcap_capture_options {
    uint64_t duration_ms; /* 0: until Ctrl-C or every target exited */
    const uint32_t *pids; /* --pid targets: PID filter + exit watch */
    size_t npids;
    int containers;           /* --container given: enable inside silos */
    uint32_t sample_rate_hz;  /* 0: ETWCAP_CAPTURE_DEFAULT_HZ */
    int no_clr;               /* no CLR runtime / rundown providers */
    int no_stacks;            /* no kernel or CLR stacks */
    int realtime;             /* EVENT_TRACE_REAL_TIME_MODE */
    const char *etl_path;     /* UTF-8 .etl to write; NULL only with realtime */
    uint32_t rundown_wait_ms; /* wait for the DCEnd rundown before stopping */
    int quiet;                /* no progress line */
    /* `-- COMMAND ARGS`: started suspended, resumed once the session runs;
     * the capture ends when its process tree has exited. */
    const char *const *command;
    size_t ncommand;
    /* Called once the session runs, with its UTF-8 name (realtime: where a
     * consumer opens it). Non-zero stops the capture as an error. */
    int (*on_started)(const char *session, void *payload);
    void *hook_payload;
} etwcap_capture_options;

/* Why the capture ended. */
typedef enum etwcap_capture_end {
    ETWCAP_CAPTURE_END_NONE = 0,
    ETWCAP_CAPTURE_END_DURATION,
    ETWCAP_CAPTURE_END_CONSOLE, /* Ctrl-C, Ctrl-Break, console close, logoff, shutdown */
    ETWCAP_CAPTURE_END_TARGETS, /* every --pid target / the COMMAND's process tree exited */
} etwcap_capture_end;

typedef struct etwcap_capture_result {
    etwcap_capture_end end;
    uint64_t elapsed_ms;
    uint32_t events_lost;
    uint32_t buffers_written;
    int system_logger;  /* 1: one system-logger session; 0: NT Kernel Logger fallback */
    char clr_etl[1024]; /* fallback only: the separate CLR session's file, else "" */
    uint32_t child_pid; /* the COMMAND's process, or 0 */
} etwcap_capture_result;

/* Sample interval in 100 ns units for `hz` samples per second (0: default). */
uint32_t etwcap_capture_interval(uint32_t hz);

/* Check the options without touching the system. 0, or -1 with `why`. */
int etwcap_capture_check(const etwcap_capture_options *o, char *why, size_t cap);

#ifdef _WIN32
#include "win/winapi.h"

/* Kernel groups enabled (EVENT_TRACE_FLAG_*). */
ULONG etwcap_capture_kernel_flags(const etwcap_capture_options *o);

/* CLR runtime provider keywords (Loader|Jit|NGen|Stack|CompilationDiagnostic). */
ULONGLONG etwcap_capture_clr_keywords(const etwcap_capture_options *o);
/* CLR rundown keywords at start (DCStart) and at stop (DCEnd). */
#define ETWCAP_CLR_RUNDOWN_START 0x78ULL /* Loader 8|Jit 0x10|NGen 0x20|StartEnumeration 0x40 */
#define ETWCAP_CLR_RUNDOWN_END 0x138ULL  /* Loader|Jit|NGen|EndEnumeration 0x100 */

extern const GUID etwcap_clr_runtime_guid;  /* e13c0d23-ccbc-4e12-931b-d9cc2eee27e4 */
extern const GUID etwcap_clr_rundown_guid;  /* a669021c-c450-4609-a035-5af59af4df18 */
extern const GUID etwcap_system_trace_guid; /* 9e814aad-3204-11d2-9a82-006008a86939 */

/* One or two ETW sessions of a capture: one system-logger session holding
 * kernel and CLR providers, or (fallback) the NT Kernel Logger plus a
 * session of ours for the CLR providers. */
typedef struct etwcap_capture_session {
    const etwcap_winapi *api;
    const etwcap_capture_options *opts;
    int system_logger;
    int n;                 /* sessions started, in the order below */
    TRACEHANDLE handle[2]; /* [0] kernel (or the only one), [1] CLR in fallback */
    WCHAR name[2][64];
    int clr_session; /* index of the session holding the CLR providers, or -1 */
    int rundown_enabled;
    ULONG last_error;
    char message[512];
} etwcap_capture_session;

/* Size of an EVENT_TRACE_PROPERTIES block with room for both names. */
#define ETWCAP_CAPTURE_PROPS_SIZE \
    (sizeof(EVENT_TRACE_PROPERTIES) + (size_t)2 * 1024 * sizeof(WCHAR))

/* Fill `buf` (ETWCAP_CAPTURE_PROPS_SIZE bytes, zeroed here) for a session
 * named `name` writing `file` (NULL: none). */
void etwcap_capture_props_fill(void *buf, const WCHAR *name, const WCHAR *file, ULONG mode,
                               ULONG enable_flags, const GUID *wnode_guid);

/* Start the session(s) and enable everything. On failure every session it
 * started is stopped again and the message is in s->message. */
int etwcap_capture_session_start(etwcap_capture_session *s, const etwcap_winapi *api,
                                 const etwcap_capture_options *o, DWORD owner_pid);

/* Poll: events lost and buffers written so far. 0, or -1 (session gone). */
int etwcap_capture_session_query(etwcap_capture_session *s, ULONG *lost, ULONG *buffers);

/* DCEnd rundown, then stop every started session (also after errors; safe
 * to call twice). 0, or -1 with s->message. */
int etwcap_capture_session_stop(etwcap_capture_session *s, uint32_t rundown_wait_ms);

/* Stop sessions named ETWCAP_CAPTURE_PREFIX<pid> whose owner process is gone,
 * printing a notice for each to stderr. Returns the number stopped, or -1
 * with `why` when the sessions cannot be listed. */
int etwcap_capture_stop_stale(const etwcap_winapi *api, char *why, size_t cap);

/* The whole capture: rights, stale sessions, console handler, session,
 * poll loop, guaranteed stop. 0, or -1 after writing why to `why`. */
int etwcap_capture_run(const etwcap_winapi *api, const etwcap_capture_options *o,
                       etwcap_capture_result *res, char *why, size_t cap);

/* The COMMAND of `etwcap capture -- COMMAND ARGS`: suspended in a job object. */
typedef struct etwcap_capture_child {
    HANDLE process, thread, job;
    DWORD pid;
    int resumed;
} etwcap_capture_child;

/* Quote UTF-8 arguments into one UTF-16 command line as CommandLineToArgvW
 * splits it. 0, or -1 when it does not fit or is not UTF-8. */
int etwcap_capture_quote(const char *const *argv, size_t n, WCHAR *out, size_t cap);

/* Start the command suspended (CREATE_SUSPENDED) inside a new job object.
 * On failure nothing is left running. 0, or -1 with `why`. */
int etwcap_capture_child_start(const etwcap_winapi *api, const etwcap_capture_options *o,
                               etwcap_capture_child *c, char *why, size_t cap);

/* Let the command run. 0, or -1 with `why` (the caller then aborts it). */
int etwcap_capture_child_resume(const etwcap_winapi *api, etwcap_capture_child *c, char *why,
                                size_t cap);

/* 1 while a process of the command's tree (job) runs, 0 when none, -1 on error. */
int etwcap_capture_child_alive(const etwcap_winapi *api, const etwcap_capture_child *c);

/* Close the handles; a command never resumed is terminated first, so it is
 * never left suspended. */
void etwcap_capture_child_end(const etwcap_winapi *api, etwcap_capture_child *c);

/* The console handler installed by etwcap_capture_run (exposed for tests:
 * a fake console calls it as Windows would on another thread). */
BOOL WINAPI etwcap_capture_console_handler(DWORD type);
#endif /* _WIN32 */

#endif
