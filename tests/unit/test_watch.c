/* test_watch.c - the claim watcher of `etwcap capture --watch`
 * (src/lib/confirm/watch.c): first hits from replayed events.
 *
 * A corpus trace (net.4.5.2.x86.etl) gives JIT hits whose times are checked
 * against the first MethodLoadVerbose found here independently with the
 * reader and decoder; a written trace (tests/tools/testgen) gives the stack
 * paths the corpus trace lacks: a JIT event followed by its ClrStackWalk,
 * and methods named only by the start rundown (compiled before the capture)
 * that are first seen on sampled stacks. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "confirm/watch.h"
#include "decode/decode_internal.h"
#include "etwcap/decode.h"
#include "etwcap/reader.h"
#include "testutil.h"
#include "watch_file.h"

/* The time (ISO 8601) of the first runtime MethodLoadVerbose of `ns`.`name`
 * in `pid`, found with the reader and the decoder alone. */
static void first_jit(const char *etl, uint32_t pid, const char *ns, const char *name, char out[32])
{
    etwcap_reader *r = NULL;
    assert_int_equal(etwcap_reader_open(&r, etl, NULL, NULL), ETWCAP_OK);
    etwcap_event ev;
    int found = 0;
    while (!found && etwcap_reader_next(r, &ev) == ETWCAP_OK) {
        etwcap_clr_method_info mi;
        char a[512], b[512];
        if (ev.kind != ETWCAP_KIND_MANIFEST || ev.pid != pid || ev.id != 143 ||
            !etwcap_guid_equal(&ev.provider, &etwcap_guid_clr_runtime) ||
            etwcap_decode_clr_method(&ev, &mi) != ETWCAP_DECODE_OK)
            continue;
        etwcap_wspan_to_utf8(mi.method_namespace, a, sizeof a);
        etwcap_wspan_to_utf8(mi.method_name, b, sizeof b);
        if (!strcmp(a, ns) && !strcmp(b, name)) {
            etwcap_filetime_format(etwcap_logfile_to_filetime(etwcap_reader_info(r), ev.timestamp),
                                   out);
            found = 1;
        }
    }
    etwcap_reader_close(r);
    assert_true(found);
}

static etwcap_claims *load_claims(const char *rel)
{
    const char *dir = getenv("ETWCAP_TESTDATA");
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir ? dir : "tests/data", rel);
    etwcap_claims *cl = NULL;
    etwcap_confirm_error err;
    if (etwcap_claims_load(&cl, path, &err) != ETWCAP_OK)
        fail_msg("%s", err.message);
    return cl;
}

static void test_corpus_jit_hits(void **state)
{
    (void)state;
    const char *etl = test_corpus_require("etl/microsoft_perfview/net.4.5.2.x86.etl");
    char etl_copy[4096];
    snprintf(etl_copy, sizeof etl_copy, "%s", etl);
    etwcap_claims *cl = load_claims("claims/watch-claims.json");
    const char *procs[] = {"Test.x86"};
    etwcap_watch_options o;
    memset(&o, 0, sizeof o);
    o.processes = procs;
    o.nprocesses = 1;
    size_t hits = 0;
    char *got = test_watch_file(etl_copy, cl, &o, &hits);

    char t1[32], t2[32];
    first_jit(etl_copy, 3644, "Test.Program", "Main", t1);
    first_jit(etl_copy, 3644, "System.TimeZoneInfo", "GetDateTimeNowUtcOffsetFromUtc", t2);
    /* The trace enables no stacks on CLR events (no ClrStackWalk, no
     * extended item), which the hit says. */
    char want[2048];
    snprintf(want, sizeof want,
             "watch: first hit %s claim W1 (TEST-W1)\n"
             "  sink: Test.x86.exe!Test.Program.Main (managed)\n"
             "  observed: jit\n"
             "  process: 3644 Test.x86.exe\n"
             "  method: Test.x86!Test.Program.Main\n"
             "  stack: none (no stack on the JIT event)\n"
             "\n"
             "watch: first hit %s claim W2 (TEST-W2)\n"
             "  sink: mscorlib!System.TimeZoneInfo.GetDateTimeNowUtcOffsetFromUtc (managed)\n"
             "  observed: jit\n"
             "  process: 3644 Test.x86.exe\n"
             "  method: mscorlib!System.TimeZoneInfo.GetDateTimeNowUtcOffsetFromUtc\n"
             "  stack: none (no stack on the JIT event)\n"
             "\n",
             t1, t2);
    assert_string_equal(got, want);
    assert_int_equal(hits, 2);
    /* Each once; the never-loaded and the unnamed native sinks never. */
    assert_int_equal(test_count(got, "claim W1 "), 1);
    assert_int_equal(test_count(got, "claim W3 "), 0);
    assert_int_equal(test_count(got, "claim W4 "), 0);
    free(got);

    /* Another process only: nothing. */
    uint32_t other = 4;
    memset(&o, 0, sizeof o);
    o.pids = &other;
    o.npids = 1;
    o.no_children = 1;
    got = test_watch_file(etl_copy, cl, &o, &hits);
    assert_string_equal(got, "");
    assert_int_equal(hits, 0);
    free(got);
    etwcap_claims_free(cl);
}

static void test_synthetic_stacks(void **state)
{
    (void)state;
    const char *etl = "test_watch_synth.etl";
    test_write_data_trace("watch-synth.txt", etl); /* its comment says what it holds */
    etwcap_claims *cl = load_claims("claims/watch-synth-claims.json");
    uint32_t pid = 700;
    etwcap_watch_options o;
    memset(&o, 0, sizeof o);
    o.pids = &pid;
    o.npids = 1;
    size_t hits = 0;
    char *got = test_watch_file(etl, cl, &o, &hits);
    /* Times: T0 (header-ts=0) is 2024-01-02T03:04:05Z and the clock is
     * 10 MHz, so tick 400 is 40 us after it. */
    static const char want[] = "watch: first hit 2024-01-02T03:04:05.0000400Z claim S1 (V-1)\n"
                               "  sink: App.exe!App.Program.Main (managed)\n"
                               "  observed: jit\n"
                               "  process: 700 App.exe\n"
                               "  method: App!App.Program.Main\n"
                               "  stack (root to leaf, 2 frames):\n"
                               "    App!?\n"
                               "    App!App.Program.Main\n"
                               "\n"
                               "watch: first hit 2024-01-02T03:04:05.0000500Z claim S3 (V-3)\n"
                               "  sink: App!App.Worker.Run (managed)\n"
                               "  observed: on stack\n"
                               "  process: 700 App.exe\n"
                               "  stack (root to leaf, 4 frames):\n"
                               "    App!?\n"
                               "    App!App.Program.Main\n"
                               "    App!App.Worker.Run\n"
                               "    App!App.Json.Parse\n"
                               "\n"
                               "watch: first hit 2024-01-02T03:04:05.0000500Z claim S2 (V-2)\n"
                               "  sink: app!Json.Parse(string) (managed)\n"
                               "  observed: sampled\n"
                               "  process: 700 App.exe\n"
                               "  stack (root to leaf, 4 frames):\n"
                               "    App!?\n"
                               "    App!App.Program.Main\n"
                               "    App!App.Worker.Run\n"
                               "    App!App.Json.Parse\n"
                               "\n";
    assert_string_equal(got, want);
    assert_int_equal(hits, 3);
    free(got);
    etwcap_claims_free(cl);
    remove(etl);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_corpus_jit_hits),
        cmocka_unit_test(test_synthetic_stacks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
