/* capture_rt.h - the real-time side of `etwcap capture --realtime`
 * (capture_rt.c). Windows only. */
#ifndef ETWCAP_CLI_CAPTURE_RT_H
#define ETWCAP_CLI_CAPTURE_RT_H
#ifdef _WIN32
#include <stdint.h>

#include "capture/realtime.h"
#include "cli.h"
#include "compat/thread.h"
#include "etwcap/evidence.h"

#define CAPTURE_RT_MAX_PIDS 65

typedef struct capture_rt {
    /* Set by the caller before the capture: the evidence selector (its
     * arrays live until capture_rt_finish), and where the COMMAND's pid
     * will be (etwcap_capture_result.child_pid), or NULL. */
    etwcap_evidence_options opts;
    uint32_t pids[CAPTURE_RT_MAX_PIDS];
    const uint32_t *child_pid;
    /* Filled while running. */
    wchar_t session[64];
    etwcap_evidence_stream *stream;
    etwcap_thread *thread;
    etwcap_status status;
    etwcap_realtime_stats stats;
    etwcap_diag diag;
} capture_rt;

/* etwcap_capture_options.on_started: start the consumer thread. */
int capture_rt_on_started(const char *session, void *payload);

/* After etwcap_capture_run: wait for the consumer, build the evidence with
 * the session's final loss count, write it to `out_path` (NULL: stdout).
 * Returns a CLI status. */
int capture_rt_finish(capture_rt *rt, uint32_t events_lost, const char *out_path);

/* After a failed capture: wait for the consumer (if started), drop the
 * stream. */
void capture_rt_abort(capture_rt *rt);

#endif
#endif
