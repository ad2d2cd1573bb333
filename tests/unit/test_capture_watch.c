/* test_capture_watch.c - `etwcap capture --watch` over a real-time session:
 * the session fake (fake_winapi.c) joined with the replaying consumer fake
 * (fake_consumer.c), as cmd_capture wires them (Windows builds only). */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture/capture.h"
#include "capture_rt.h"
#include "confirm/watch.h"
#include "fake_consumer.h"
#include "fake_winapi.h"
#include "watch_file.h"

/* ---- --watch: session fake + replaying consumer fake ------------------ */

static char *read_all(const char *path)
{
    size_t n = 0;
    uint8_t *b = test_read_file(path, &n);
    assert_non_null(b);
    char *s = realloc(b, n + 1);
    assert_non_null(s);
    s[n] = '\0';
    return s;
}

/* `capture --watch CLAIMS --realtime --evidence OUT` with the selector
 * `procs` (or pid `pid` when procs is NULL), as cmd_capture wires it
 * (capture_rt.c), on one etwcap_winapi table joining both fakes: the
 * session calls succeed (this file's fake) and ProcessTrace replays `etl` in
 * live-session order (fake_consumer.c). Checks that the hits equal the
 * watcher's on the file read in time order and that the verdicts written
 * next to the evidence equal `etwcap confirm`'s on it; returns the hits. */
static char *capture_watch(const char *etl, const char *claims_rel, const char *const *procs,
                           uint32_t pid, etwcap_verdicts **verdicts)
{
    char claims_path[1024], why[512];
    const char *data = getenv("ETWCAP_TESTDATA");
    snprintf(claims_path, sizeof claims_path, "%s/%s", data ? data : "tests/data", claims_rel);
    fake_reset();
    etwcap_winapi api = fake_win_api, consumer;
    fake_consumer fc;
    memset(&fc, 0, sizeof fc);
    fc.etl_path = etl;
    fc.buffer_events = 64;
    fake_consumer_install(&consumer, &fc);
    api.etw.OpenTraceW = consumer.etw.OpenTraceW;
    api.etw.ProcessTrace = consumer.etw.ProcessTrace;
    api.etw.CloseTrace = consumer.etw.CloseTrace;

    etwcap_claims *claims = NULL;
    etwcap_confirm_error cerr;
    assert_int_equal(etwcap_claims_load(&claims, claims_path, &cerr), ETWCAP_OK);
    etwcap_watch_options wo;
    memset(&wo, 0, sizeof wo);
    if (procs) {
        wo.processes = procs;
        wo.nprocesses = 1;
    } else {
        wo.pids = &pid;
        wo.npids = 1;
    }
    FILE *hits = test_scratch();
    etwcap_capture_result res;
    memset(&res, 0, sizeof res);
    capture_rt rt;
    memset(&rt, 0, sizeof rt);
    rt.opts.version = ETWCAP_EVIDENCE_OPTIONS_VERSION;
    rt.opts.processes = procs;
    rt.opts.nprocesses = procs ? 1 : 0;
    rt.pids[0] = pid;
    rt.opts.pids = rt.pids;
    rt.opts.npids = procs ? 0 : 1;
    rt.child_pid = &res.child_pid;
    rt.api = &api;
    rt.claims_path = claims_path;
    assert_int_equal(etwcap_watch_create(&rt.watch, claims, &wo, hits), ETWCAP_OK);
    etwcap_capture_options o = fake_base_options();
    o.etl_path = NULL;
    o.realtime = 1;
    o.on_started = capture_rt_on_started;
    o.hook_payload = &rt;
    assert_int_equal(fake_run(&o, &res, why), 0);
    const char *out = "test_capture_watch.json", *vout = "test_capture_watch.verdicts.json";
    remove(vout);
    assert_int_equal(capture_rt_finish(&rt, res.events_lost, out), CLI_OK);
    assert_int_equal(fc.ncalls, 3); /* OpenTraceW, ProcessTrace, CloseTrace */
    assert_int_equal(fc.opened, fc.closed);
    assert_true(fc.replayed > 0);

    char *got = test_read_stream(hits);
    char *want = test_watch_file(etl, claims, &wo, NULL);
    assert_string_equal(got, want);
    free(want);
    fclose(hits);

    /* The verdicts next to the evidence equal `etwcap confirm`'s on it. */
    etwcap_evdoc *evd = NULL;
    assert_int_equal(etwcap_evdoc_load(&evd, out, &cerr), ETWCAP_OK);
    etwcap_verdicts *vs = NULL;
    assert_int_equal(etwcap_verdicts_compute(&vs, evd, claims), ETWCAP_OK);
    assert_int_equal(
        etwcap_verdicts_write_file(vs, "test_capture_watch.expect.json", why, sizeof why),
        ETWCAP_OK);
    char *a = read_all(vout), *b = read_all("test_capture_watch.expect.json");
    assert_string_equal(a, b);
    free(a);
    free(b);
    /* What the caller checks: the states (the documents are gone). */
    etwcap_verdicts *copy = calloc(1, sizeof *copy);
    assert_non_null(copy);
    copy->n = vs->n;
    copy->v = calloc(vs->n, sizeof *copy->v);
    assert_non_null(copy->v);
    for (size_t i = 0; i < vs->n; i++)
        copy->v[i].state = vs->v[i].state;
    *verdicts = copy;
    etwcap_verdicts_free(vs);
    etwcap_evdoc_free(evd);
    etwcap_watch_free(rt.watch);
    etwcap_claims_free(claims);
    remove(out);
    remove(vout);
    remove("test_capture_watch.expect.json");
    return got;
}

static void free_states(etwcap_verdicts *v)
{
    free(v->v);
    free(v);
}

/* net.4.5.2.x86.etl: two JIT first calls (the trace has no stacks on CLR
 * events), each printed once; test_watch.c checks their times against the
 * first MethodLoadVerbose of each method. */
static void test_watch_realtime(void **state)
{
    (void)state;
    char etl[4096];
    snprintf(etl, sizeof etl, "%s",
             test_corpus_require("etl/microsoft_perfview/net.4.5.2.x86.etl"));
    const char *procs[] = {"Test.x86"};
    etwcap_verdicts *vs = NULL;
    char *got = capture_watch(etl, "claims/watch-claims.json", procs, 0, &vs);
    assert_int_equal(test_count(got, "watch: first hit "), 2);
    assert_int_equal(test_count(got, " claim W1 (TEST-W1)\n"), 1);
    assert_int_equal(test_count(got, " claim W2 (TEST-W2)\n"), 1);
    assert_int_equal(test_count(got, "claim W3"), 0);
    assert_int_equal(test_count(got, "claim W4"), 0);
    assert_non_null(strstr(got, "  observed: jit\n  process: 3644 Test.x86.exe\n"
                                "  method: Test.x86!Test.Program.Main\n"
                                "  stack: none (no stack on the JIT event)\n"));
    assert_int_equal(vs->n, 4);
    assert_int_equal(vs->v[0].state, ETWCAP_V_CONFIRMED_REACHABLE);
    assert_int_equal(vs->v[1].state, ETWCAP_V_CONFIRMED_REACHABLE);
    free_states(vs);
    free(got);
}

/* tests/data/watch-synth.txt: the JIT hit with the stack of its
 * ClrStackWalk, and hits on sampled stacks, each printed once. */
static void test_watch_realtime_stacks(void **state)
{
    (void)state;
    const char *etl = "test_capture_watch_synth.etl";
    test_write_data_trace("watch-synth.txt", etl);
    etwcap_verdicts *vs = NULL;
    char *got = capture_watch(etl, "claims/watch-synth-claims.json", NULL, 700, &vs);
    assert_int_equal(test_count(got, "watch: first hit "), 3);
    assert_int_equal(test_count(got, " claim S1 (V-1)\n"), 1);
    assert_non_null(strstr(got, "watch: first hit 2024-01-02T03:04:05.0000400Z claim S1 (V-1)\n"
                                "  sink: App.exe!App.Program.Main (managed)\n"
                                "  observed: jit\n"
                                "  process: 700 App.exe\n"
                                "  method: App!App.Program.Main\n"
                                "  stack (root to leaf, 2 frames):\n"
                                "    App!?\n"
                                "    App!App.Program.Main\n"));
    assert_non_null(strstr(got, "claim S2 (V-2)\n"
                                "  sink: app!Json.Parse(string) (managed)\n"
                                "  observed: sampled\n"));
    assert_non_null(strstr(got, "claim S3 (V-3)\n"
                                "  sink: App!App.Worker.Run (managed)\n"
                                "  observed: on stack\n"));
    assert_int_equal(test_count(got, "claim S4"), 0);
    assert_int_equal(vs->n, 4);
    free_states(vs);
    free(got);
    remove(etl);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_watch_realtime),
        cmocka_unit_test(test_watch_realtime_stacks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
