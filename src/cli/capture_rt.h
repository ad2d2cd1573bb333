/* capture_rt.h - the real-time side of `etwcap capture --realtime`
 * (capture_rt.c). Windows only. */
#ifndef ETWCAP_CLI_CAPTURE_RT_H
#define ETWCAP_CLI_CAPTURE_RT_H
#ifdef _WIN32
#include <stdint.h>

#include "capture/realtime.h"
#include "cli.h"
#include "compat/thread.h"
#include "confirm/watch.h"
#include "etwcap/evidence.h"
#include "win/winapi.h"

#define CAPTURE_RT_MAX_PIDS 65

typedef struct capture_rt {
    /* Set by the caller before the capture: the evidence selector (its
     * arrays live until capture_rt_finish), and where the COMMAND's pid
     * will be (etwcap_capture_result.child_pid), or NULL. */
    etwcap_evidence_options opts;
    uint32_t pids[CAPTURE_RT_MAX_PIDS];
    const uint32_t *child_pid;
    /* The Windows calls of the consumer (etwcap_winapi_real(), or a fake). */
    const etwcap_winapi *api;
    /* --watch: the watcher fed every event (or NULL), and the claims file
     * whose verdicts capture_rt_finish writes next to the evidence. */
    etwcap_watch *watch;
    const char *claims_path;
    /* Filled while running. */
    wchar_t session[64];
    etwcap_evidence_stream *stream;
    etwcap_thread *thread;
    int watch_info; /* the watcher has the log-file header */
    etwcap_status status;
    etwcap_realtime_stats stats;
    etwcap_diag diag;
} capture_rt;

/* etwcap_capture_options.on_started: start the consumer thread. */
int capture_rt_on_started(const char *session, void *payload);

/* After etwcap_capture_run: wait for the consumer, build the evidence with
 * the session's final loss count, write it to `out_path` (NULL: stdout).
 * With a watcher: finish it first and, with claims_path, write the verdicts
 * of `etwcap confirm --evidence out_path --claims claims_path` to
 * capture_rt_verdicts_path(out_path). Returns a CLI status. */
int capture_rt_finish(capture_rt *rt, uint32_t events_lost, const char *out_path);

/* Where --watch writes the verdicts: OUT.json -> OUT.verdicts.json (any
 * other name gets ".verdicts.json" appended). 0, or -1 when too long. */
int capture_rt_verdicts_path(char *out, size_t cap, const char *evidence);

/* After a failed capture: wait for the consumer (if started), drop the
 * stream. */
void capture_rt_abort(capture_rt *rt);

#endif
#endif
