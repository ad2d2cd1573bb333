/* capture_rt.c - `etwcap capture --realtime`: the session's events are read
 * as they arrive (OpenTraceW/ProcessTrace on a worker thread,
 * capture/realtime.h) and streamed into the evidence builder
 * (etwcap_evidence_stream_*), instead of being read back from an .etl file.
 * The document equals `etwcap evidence` on a file holding the same events
 * (tests/unit/test_realtime.c replays a corpus trace to show it). */
#ifdef _WIN32
#include <stdio.h>
#include <string.h>

#include "capture/realtime.h"
#include "capture_rt.h"
#include "compat/thread.h"

/* A live session hands each CPU's buffers over as they fill: hold events
 * for two flush intervals of ours (1 s, capture/session.c) to put them back
 * in time order. */
#define RT_REORDER_MS 2000

static etwcap_status on_event(const etwcap_event *ev, const etwcap_logfile_info *info,
                              void *payload)
{
    capture_rt *rt = payload;
    if (rt->watch) {
        if (info && !rt->watch_info) {
            etwcap_watch_set_info(rt->watch, info);
            rt->watch_info = 1;
        }
        etwcap_status st = etwcap_watch_add(rt->watch, ev);
        if (st != ETWCAP_OK)
            return st;
    }
    return etwcap_evidence_stream_add(rt->stream, ev);
}

static void consume(void *arg)
{
    capture_rt *rt = arg;
    etwcap_realtime_source src = {rt->session, 0, RT_REORDER_MS};
    rt->status = etwcap_realtime_consume(rt->api, &src, on_event, rt, &rt->stats, &rt->diag);
}

int capture_rt_on_started(const char *session, void *payload)
{
    capture_rt *rt = payload;
    /* The COMMAND (created suspended before the session started) is a
     * target, with its descendants, as `--evidence` would select it. */
    if (rt->child_pid && *rt->child_pid && rt->opts.npids < CAPTURE_RT_MAX_PIDS) {
        rt->pids[rt->opts.npids++] = *rt->child_pid;
        rt->opts.pids = rt->pids;
        if (rt->watch && etwcap_watch_add_pid(rt->watch, *rt->child_pid) != ETWCAP_OK)
            return -1;
    }
    if (!MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, session, -1, rt->session,
                             (int)(sizeof rt->session / sizeof rt->session[0])))
        return -1;
    if (etwcap_evidence_stream_begin(&rt->stream, &rt->opts, session, NULL) != ETWCAP_OK)
        return -1;
    if (etwcap_thread_start(&rt->thread, consume, rt) != 0) {
        etwcap_evidence_stream_free(rt->stream);
        rt->stream = NULL;
        return -1;
    }
    return 0;
}

void capture_rt_abort(capture_rt *rt)
{
    etwcap_thread_join(rt->thread);
    rt->thread = NULL;
    etwcap_evidence_stream_free(rt->stream);
    rt->stream = NULL;
}

int capture_rt_finish(capture_rt *rt, uint32_t events_lost, const char *out_path)
{
    if (!rt->thread)
        return CLI_INPUT;
    /* The session has stopped: ProcessTrace has returned or will shortly. */
    etwcap_thread_join(rt->thread);
    rt->thread = NULL;
    if (rt->status != ETWCAP_OK) {
        fprintf(stderr, "etwcap capture: real-time consumer: %s\n", rt->diag.message);
        etwcap_evidence_stream_free(rt->stream);
        rt->stream = NULL;
        return CLI_INPUT;
    }
    if (rt->watch) {
        /* Stacks still waiting may hit; then say how many claims did. */
        if (etwcap_watch_finish(rt->watch) != ETWCAP_OK)
            fprintf(stderr, "etwcap capture: --watch: out of memory; later hits were missed\n");
        fprintf(stderr, "etwcap capture: --watch: %zu claim(s) observed during the capture\n",
                etwcap_watch_hits(rt->watch));
    }
    if (rt->stats.late || rt->stats.malformed)
        fprintf(stderr,
                "etwcap capture: %llu events arrived after the reorder window and %llu could "
                "not be converted; both were left out\n",
                (unsigned long long)rt->stats.late, (unsigned long long)rt->stats.malformed);
    if (rt->stats.have_info) {
        /* OpenTraceW's header has no final loss count; the session's has. */
        etwcap_logfile_info info = rt->stats.info;
        info.events_lost = events_lost;
        etwcap_evidence_stream_set_info(rt->stream, &info);
    }
    etwcap_evidence *e = NULL;
    etwcap_status st = etwcap_evidence_stream_end(rt->stream, &e);
    rt->stream = NULL;
    if (st == ETWCAP_END) {
        fprintf(stderr, "etwcap capture: no selected process was seen in the session\n");
        etwcap_evidence_free(e);
        return CLI_SELECTOR;
    }
    if (st != ETWCAP_OK) {
        fprintf(stderr, "etwcap capture: building the evidence failed (%s)\n",
                etwcap_status_str(st));
        return CLI_INPUT;
    }
    int rc = cli_write_atomic(out_path, (cli_writer_fn)etwcap_evidence_write, e, 0);
    etwcap_evidence_free(e);
    if (rc == CLI_OK && out_path)
        fprintf(stderr, "etwcap: wrote %s (real-time, %llu events)\n", out_path,
                (unsigned long long)rt->stats.events);
    if (rc != CLI_OK || !rt->claims_path || !out_path)
        return rc;
    /* The verdicts, by the code of `etwcap confirm` itself. */
    char vpath[4096];
    if (capture_rt_verdicts_path(vpath, sizeof vpath, out_path) != 0) {
        fprintf(stderr, "etwcap capture: %s: name too long for the verdicts\n", out_path);
        return CLI_USAGE;
    }
    char *argv[] = {
        "confirm", "--evidence", (char *)out_path, "--claims", (char *)rt->claims_path, "-o",
        vpath,     NULL};
    rc = cmd_confirm(7, argv);
    if (rc == CLI_OK)
        fprintf(stderr, "etwcap: wrote %s\n", vpath);
    return rc;
}

int capture_rt_verdicts_path(char *out, size_t cap, const char *evidence)
{
    size_t n = strlen(evidence);
    if (n >= 5 && !strcmp(evidence + n - 5, ".json"))
        n -= 5;
    int w = snprintf(out, cap, "%.*s.verdicts.json", (int)n, evidence);
    return w < 0 || (size_t)w >= cap ? -1 : 0;
}
#else
typedef int etwcap_capture_rt_unused; /* ISO C forbids an empty file */
#endif
