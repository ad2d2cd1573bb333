/* test_decode_clr_corpus.c - CLR decoders on the real corpus traces
 * (etl-format.md §4): specific events against TraceEvent's baselines
 * (baselines/net.4.5.2.x86, gcrundownevents), and every CLR event of the
 * CLR traces decoding without SHORT. Hand-made payloads: test_decode_clr.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "decode/decode_internal.h"
#include "etwcap/names.h"
#include "etwcap/reader.h"

static void wspan_eq(etwcap_wspan s, const char *want)
{
    char got[256];
    etwcap_wspan_to_utf8(s, got, sizeof got);
    assert_string_equal(got, want);
}

/* The first event named `name` in a corpus file. */
static int first_event(etwcap_reader *r, const char *name, etwcap_event *ev)
{
    char got[512];
    while (etwcap_reader_next(r, ev) == ETWCAP_OK) {
        etwcap_event_name(ev, got, sizeof got);
        if (strcmp(got, name) == 0)
            return 1;
    }
    return 0;
}

static etwcap_reader *open_corpus(const char *rel)
{
    etwcap_reader *r = NULL;
    etwcap_diag d;
    assert_int_equal(etwcap_reader_open(&r, test_corpus_require(rel), NULL, &d), ETWCAP_OK);
    return r;
}

/* net.4.5.2.x86 baseline: Method/LoadVerbose #0 (x86 process on x64). */
static void test_corpus_method(void **state)
{
    (void)state;
    etwcap_reader *r = open_corpus("etl/microsoft_perfview/net.4.5.2.x86.etl");
    etwcap_event ev;
    static etwcap_fields fl;
    etwcap_clr_method_info m;
    assert_true(first_event(r, "Microsoft-Windows-DotNETRuntime/Method/LoadVerbose", &ev));
    assert_int_equal(ev.pid, 3988);
    assert_int_equal(ev.payload_len, 274);
    assert_int_equal(etwcap_decode_clr_method(&ev, &m), ETWCAP_DECODE_OK);
    assert_true(m.method_id == 56584768 && m.module_id == 25571344 && m.start == 0x0a34d418);
    assert_int_equal(m.size, 52);
    assert_int_equal(m.token, 100664480);
    wspan_eq(m.method_name, "op_Subtraction");
    assert_int_equal(etwcap_decode_fields(&ev, &fl), ETWCAP_DECODE_OK);
    assert_int_equal(test_fnum(&fl, "MethodID"), 56584768);
    assert_int_equal(test_fnum(&fl, "ModuleID"), 25571344);
    assert_int_equal(test_fnum(&fl, "MethodStartAddress"), 0x0a34d418);
    assert_int_equal(test_fnum(&fl, "MethodSize"), 52);
    assert_int_equal(test_fnum(&fl, "MethodToken"), 100664480);
    assert_string_equal(test_fstr(&fl, "MethodFlags"), "Jitted");
    assert_string_equal(test_fstr(&fl, "MethodNamespace"), "System.DateTime");
    assert_string_equal(test_fstr(&fl, "MethodName"), "op_Subtraction");
    assert_memory_equal(test_fstr(&fl, "MethodSignature"), "value class System.T", 20);
    assert_int_equal(test_fnum(&fl, "ClrInstanceID"), 11);
    assert_int_equal(test_fnum(&fl, "ReJITID"), 0);
    assert_string_equal(test_fstr(&fl, "OptimizationTier"), "Unknown");
    etwcap_reader_close(r);
}

/* gcrundownevents baseline: Loader/ModuleDCStop #0 (v2 with PDB info). */
static void test_corpus_module(void **state)
{
    (void)state;
    etwcap_reader *r =
        open_corpus("etl/microsoft_perfview/gcrundownevents/PerfViewData.clrRundown.etl");
    etwcap_event ev;
    static etwcap_fields fl;
    etwcap_clr_module_info m;
    char g[37];
    assert_true(first_event(r, "Microsoft-Windows-DotNETRuntimeRundown/Loader/ModuleDCStop", &ev));
    assert_int_equal(ev.payload_len, 516);
    assert_int_equal(etwcap_decode_clr_module(&ev, &m), ETWCAP_DECODE_OK);
    assert_true(m.module_id == 140717225230336ull && m.assembly_id == 1859436735792ull);
    assert_int_equal(m.has_pdb, 1);
    assert_int_equal(m.clr_instance_id, 8);
    assert_int_equal(etwcap_decode_fields(&ev, &fl), ETWCAP_DECODE_OK);
    assert_int_equal(test_fnum(&fl, "ModuleID"), 140717225230336LL);
    assert_int_equal(test_fnum(&fl, "AssemblyID"), 1859436735792LL);
    assert_memory_equal(test_fstr(&fl, "ModuleFlags"), "Manifest, ReadyToRun", 20);
    assert_memory_equal(test_fstr(&fl, "ModuleILPath"), "C:\\Dev\\runtime\\artif", 20);
    assert_string_equal(test_fstr(&fl, "ModuleNativePath"), "");
    etwcap_guid_format(&test_field(&fl, "ManagedPdbSignature")->v.g, g);
    assert_memory_equal(g, "a158dfa6-93cb-599e-5", 20);
    assert_int_equal(test_fnum(&fl, "ManagedPdbAge"), 1);
    etwcap_guid_format(&test_field(&fl, "NativePdbSignature")->v.g, g);
    assert_memory_equal(g, "3ca7f0dd-07b4-a058-9", 20);
    assert_int_equal(test_fnum(&fl, "NativePdbAge"), 1);
    assert_memory_equal(test_fstr(&fl, "NativePdbBuildPath"), "System.Private.CoreL", 20);
    assert_memory_equal(test_fstr(&fl, "ModuleILFileName"), "System.Private.CoreL", 20);
    etwcap_reader_close(r);
}

/* Every CLR event of the corpus CLR traces decodes without SHORT, typed
 * and as fields, and every ClrStackWalk has its frames. */
static void test_corpus_all_clr(void **state)
{
    (void)state;
    static const char *const files[] = {
        "etl/microsoft_perfview/net.4.5.2.x86.etl",
        "etl/microsoft_perfview/gcevents/PerfViewData.etl",
        "etl/microsoft_perfview/gcrundownevents/PerfViewData.clrRundown.etl",
        "etl/microsoft_perfview/net.4.5.x86/PerfViewData.etl"};
    static etwcap_fields fl;
    unsigned long typed = 0, stacks = 0;
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        etwcap_reader *r = open_corpus(files[i]);
        etwcap_event ev;
        while (etwcap_reader_next(r, &ev) == ETWCAP_OK) {
            union {
                etwcap_clr_method_info m;
                etwcap_clr_module_info mod;
                etwcap_clr_stack_info s;
                etwcap_clr_r2r_info r2r;
            } u;
            etwcap_decode_result res = ETWCAP_DECODE_UNKNOWN;
            switch (etwcap_event_classify(&ev)) {
            case ETWCAP_EC_CLR_METHOD:
                res = etwcap_decode_clr_method(&ev, &u.m);
                break;
            case ETWCAP_EC_CLR_MODULE:
                res = etwcap_decode_clr_module(&ev, &u.mod);
                break;
            case ETWCAP_EC_CLR_STACK:
                res = etwcap_decode_clr_stack(&ev, &u.s);
                assert_true(u.s.nframes > 0);
                stacks++;
                break;
            case ETWCAP_EC_CLR_R2R_ENTRY:
                res = etwcap_decode_clr_r2r(&ev, &u.r2r);
                break;
            default:
                break;
            }
            if (res != ETWCAP_DECODE_UNKNOWN) {
                assert_int_equal(res, ETWCAP_DECODE_OK);
                typed++;
            }
            if (ev.kind == ETWCAP_KIND_MANIFEST &&
                (etwcap_guid_equal(&ev.provider, &etwcap_guid_clr_runtime) ||
                 etwcap_guid_equal(&ev.provider, &etwcap_guid_clr_rundown) ||
                 etwcap_guid_equal(&ev.provider, &etwcap_guid_clr_private)))
                assert_int_not_equal(etwcap_decode_fields(&ev, &fl), ETWCAP_DECODE_SHORT);
        }
        etwcap_reader_close(r);
    }
    assert_true(typed > 30000);
    assert_true(stacks > 50000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_corpus_method),
        cmocka_unit_test(test_corpus_module),
        cmocka_unit_test(test_corpus_all_clr),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
