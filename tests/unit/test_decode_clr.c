/* test_decode_clr.c - CLR payload decoders (etl-format.md §4): hand-made
 * payloads for each typed decoder, every version and both pointer sizes,
 * every truncation (SHORT, no read past the payload under ASan), and
 * TraceEvent's field names and texts. The corpus: test_decode_clr_corpus.c;
 * TraceLogging: test_decode_tl.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "decode/decode_internal.h"

/* ---- building payloads and events ---- */

typedef struct buf {
    uint8_t b[1024];
    size_t n;
} buf;

static void put(buf *p, uint64_t v, size_t size)
{
    for (size_t i = 0; i < size; i++)
        p->b[p->n++] = i < 8 ? (uint8_t)(v >> (8 * i)) : 0;
}
static void put_wstr(buf *p, const char *s) /* ASCII as UTF-16LE wstr */
{
    do
        put(p, (uint8_t)*s, 2);
    while (*s++);
}
static void put_guid(buf *p, uint32_t d1)
{
    put(p, d1, 4);
    put(p, 0x2222, 2);
    put(p, 0x3333, 2);
    for (int i = 0; i < 8; i++)
        put(p, 0x40 + i, 1);
}

/* A manifest (EVENT_HEADER) event of provider `prov`. */
static etwcap_event mev(const etwcap_guid *prov, unsigned id, unsigned version, unsigned psize,
                        const buf *p)
{
    etwcap_event ev;
    memset(&ev, 0, sizeof ev);
    ev.struct_version = ETWCAP_EVENT_VERSION;
    ev.kind = ETWCAP_KIND_MANIFEST;
    ev.header_type = psize == 4 ? ETWCAP_HDR_EVENT32 : ETWCAP_HDR_EVENT64;
    ev.pointer_size = (uint8_t)psize;
    ev.provider = *prov;
    ev.id = (uint16_t)id;
    ev.version = (uint8_t)version;
    ev.pid = 100;
    ev.tid = 200;
    ev.payload = p->b;
    ev.payload_len = (uint32_t)p->n;
    return ev;
}

static etwcap_decode_result method_fn(const etwcap_event *ev, void *out)
{
    return etwcap_decode_clr_method(ev, out);
}
static etwcap_decode_result module_fn(const etwcap_event *ev, void *out)
{
    return etwcap_decode_clr_module(ev, out);
}
static etwcap_decode_result stack_fn(const etwcap_event *ev, void *out)
{
    return etwcap_decode_clr_stack(ev, out);
}
static etwcap_decode_result r2r_fn(const etwcap_event *ev, void *out)
{
    return etwcap_decode_clr_r2r(ev, out);
}

static void wspan_eq(etwcap_wspan s, const char *want)
{
    char got[256];
    etwcap_wspan_to_utf8(s, got, sizeof got);
    assert_string_equal(got, want);
}

/* ---- Method (§4.4) ---- */

static void build_method(buf *p, int verbose, unsigned v, uint32_t flags)
{
    memset(p, 0, sizeof *p);
    put(p, 0x7FF812345678ull, 8); /* MethodID */
    put(p, 0x7FF800001000ull, 8); /* ModuleID */
    put(p, 0x7FF8ABCD0000ull, 8); /* MethodStartAddress */
    put(p, 0x52, 4);
    put(p, 0x060001AC, 4);
    put(p, flags, 4);
    if (verbose) {
        put_wstr(p, "NS.Type");
        put_wstr(p, "Run");
        put_wstr(p, "void  ()");
    }
    if (v >= 1)
        put(p, 11, 2);
    if (v >= 2)
        put(p, 0x0102030405060708ull, 8); /* ReJITID, unaligned */
}

static void test_method_versions(void **state)
{
    (void)state;
    const etwcap_guid *provs[] = {&etwcap_guid_clr_runtime, &etwcap_guid_clr_rundown};
    static etwcap_fields fl;
    for (int pi = 0; pi < 2; pi++)
        for (unsigned id = 141; id <= 144; id++)
            for (unsigned v = 0; v <= 2; v++)
                for (unsigned psize = 4; psize <= 8; psize += 4) {
                    buf p;
                    int verbose = id >= 143;
                    build_method(&p, verbose, v, 0x8 | (2u << 7));
                    etwcap_event ev = mev(provs[pi], id, v, psize, &p);
                    etwcap_clr_method_info m;
                    assert_int_equal(etwcap_decode_clr_method(&ev, &m), ETWCAP_DECODE_OK);
                    assert_int_equal(m.verbose, verbose);
                    assert_true(m.method_id == 0x7FF812345678ull);
                    assert_true(m.module_id == 0x7FF800001000ull);
                    assert_true(m.start == 0x7FF8ABCD0000ull);
                    assert_int_equal(m.size, 0x52);
                    assert_int_equal(m.token, 0x060001AC);
                    assert_int_equal(m.flags, 0x108);
                    assert_int_equal(m.clr_instance_id, v >= 1 ? 11 : 0);
                    assert_true(m.rejit_id == (v >= 2 ? 0x0102030405060708ull : 0));
                    if (verbose) {
                        wspan_eq(m.method_namespace, "NS.Type");
                        wspan_eq(m.method_name, "Run");
                        wspan_eq(m.method_signature, "void  ()");
                    }
                    assert_int_equal(etwcap_decode_fields(&ev, &fl), ETWCAP_DECODE_OK);
                    assert_int_equal(test_fnum(&fl, "MethodStartAddress"), 0x7FF8ABCD0000LL);
                    assert_int_equal(test_field(&fl, "MethodStartAddress")->type, ETWCAP_FIELD_HEX);
                    assert_string_equal(test_fstr(&fl, "MethodFlags"), "Jitted");
                    assert_string_equal(test_fstr(&fl, "OptimizationTier"), "Optimized");
                    assert_int_equal(test_fnum(&fl, "ClrInstanceID"), v >= 1 ? 11 : 0);
                    if (verbose)
                        assert_int_equal(test_fnum(&fl, "ReJITID"),
                                         v >= 2 ? 0x0102030405060708LL : 0);
                    test_check_truncations(&ev, ev.payload_len, method_fn, &m);
                }
}

static void test_method_flags_text(void **state)
{
    (void)state;
    static const struct {
        uint32_t flags;
        const char *text, *tier;
    } cases[] = {
        {0, "None", "Unknown"},
        {0x8, "Jitted", "Unknown"},
        {0xA | (3u << 7), "Generic, Jitted", "QuickJitted"},
        {0x2 | (4u << 7), "Generic", "Unknown"}, /* not jitted: no tier */
        {0x18 | (4u << 7) | 0x10000000u, "Jitted, JitHelper", "OptimizedTier1"},
        {0x88, "Jitted", "MinOptJitted"},
        {0x8 | 0x1000, "4104", "Unknown"}, /* an unnamed bit: the number */
    };
    static etwcap_fields fl;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        buf p;
        build_method(&p, 1, 2, cases[i].flags);
        etwcap_event ev = mev(&etwcap_guid_clr_runtime, 143, 2, 8, &p);
        assert_int_equal(etwcap_decode_fields(&ev, &fl), ETWCAP_DECODE_OK);
        assert_string_equal(test_fstr(&fl, "MethodFlags"), cases[i].text);
        assert_string_equal(test_fstr(&fl, "OptimizationTier"), cases[i].tier);
    }
}

/* ---- Module (§4.4) ---- */

static void build_module(buf *p, int domain, unsigned v)
{
    memset(p, 0, sizeof *p);
    put(p, 0x7FFA00010000ull, 8);
    put(p, 0x1B0F0000ull, 8);
    if (domain)
        put(p, 0x1B0E0000ull, 8);
    put(p, 0x28, 4); /* Manifest | ReadyToRunModule */
    put(p, 0, 4);
    put_wstr(p, "C:\\app\\Lib.dLL");
    put_wstr(p, "");
    if (v >= 1)
        put(p, 8, 2);
    if (!domain && v >= 2) {
        put_guid(p, 0xA158DFA6);
        put(p, 1, 4);
        put_wstr(p, "C:\\b\\Lib.pdb");
        put_guid(p, 0x3CA7F0DD);
        put(p, 2, 4);
        put_wstr(p, "Lib.ni.pdb");
    }
}

static void test_module_versions(void **state)
{
    (void)state;
    static const struct {
        const etwcap_guid *prov;
        unsigned id;
        int domain;
        unsigned maxv;
    } kinds[] = {
        {&etwcap_guid_clr_runtime, 151, 1, 1}, {&etwcap_guid_clr_runtime, 152, 0, 2},
        {&etwcap_guid_clr_runtime, 153, 0, 2}, {&etwcap_guid_clr_rundown, 151, 1, 1},
        {&etwcap_guid_clr_rundown, 152, 1, 1}, {&etwcap_guid_clr_rundown, 153, 0, 2},
        {&etwcap_guid_clr_rundown, 154, 0, 2},
    };
    static etwcap_fields fl;
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++)
        for (unsigned v = 0; v <= kinds[k].maxv; v++)
            for (unsigned psize = 4; psize <= 8; psize += 4) {
                buf p;
                build_module(&p, kinds[k].domain, v);
                etwcap_event ev = mev(kinds[k].prov, kinds[k].id, v, psize, &p);
                etwcap_clr_module_info m;
                char g[37];
                assert_int_equal(etwcap_decode_clr_module(&ev, &m), ETWCAP_DECODE_OK);
                assert_true(m.module_id == 0x7FFA00010000ull);
                assert_true(m.assembly_id == 0x1B0F0000ull);
                assert_true(m.app_domain_id == (kinds[k].domain ? 0x1B0E0000ull : 0));
                assert_int_equal(m.flags, 0x28);
                wspan_eq(m.il_path, "C:\\app\\Lib.dLL");
                wspan_eq(m.native_path, "");
                assert_int_equal(m.clr_instance_id, v >= 1 ? 8 : 0);
                assert_int_equal(m.has_pdb, !kinds[k].domain && v >= 2);
                assert_int_equal(etwcap_decode_fields(&ev, &fl), ETWCAP_DECODE_OK);
                assert_string_equal(test_fstr(&fl, "ModuleFlags"), "Manifest, ReadyToRunModule");
                assert_string_equal(test_fstr(&fl, "ModuleILPath"), "C:\\app\\Lib.dLL");
                if (m.has_pdb) {
                    etwcap_guid_format(&m.managed_pdb_guid, g);
                    assert_string_equal(g, "a158dfa6-2222-3333-4041-424344454647");
                    assert_int_equal(m.managed_pdb_age, 1);
                    wspan_eq(m.managed_pdb_path, "C:\\b\\Lib.pdb");
                    assert_int_equal(m.native_pdb_guid.data1, 0x3CA7F0DD);
                    assert_int_equal(m.native_pdb_age, 2);
                    wspan_eq(m.native_pdb_path, "Lib.ni.pdb");
                    assert_int_equal(test_fnum(&fl, "NativePdbAge"), 2);
                    assert_string_equal(test_fstr(&fl, "NativePdbBuildPath"), "Lib.ni.pdb");
                }
                if (!kinds[k].domain) {
                    assert_string_equal(test_fstr(&fl, "ModuleILFileName"), "Lib.dLL");
                    assert_int_equal(test_fnum(&fl, "ManagedPdbAge"), v >= 2 ? 1 : 0);
                } else {
                    assert_int_equal(test_fnum(&fl, "AppDomainID"), 0x1B0E0000);
                    assert_int_equal(test_fnum(&fl, "ClrInstanceID"), v >= 1 ? 8 : 0);
                }
                test_check_truncations(&ev, ev.payload_len, module_fn, &m);
            }
}

/* ---- ClrStackWalk and R2RGetEntryPoint (§4.4) ---- */

static void test_stack(void **state)
{
    (void)state;
    static const struct {
        const etwcap_guid *prov;
        unsigned id;
    } kinds[] = {{&etwcap_guid_clr_runtime, 82},
                 {&etwcap_guid_clr_rundown, 0},
                 {&etwcap_guid_clr_private, 151}};
    static etwcap_fields fl;
    for (size_t k = 0; k < 3; k++)
        for (unsigned psize = 4; psize <= 8; psize += 4) {
            buf p;
            memset(&p, 0, sizeof p);
            put(&p, 11, 2);
            put(&p, 0, 2);
            put(&p, 3, 4);
            for (uint64_t i = 0; i < 3; i++)
                put(&p, (psize == 8 ? 0x7FF800000000ull : 0x10000000ull) + 0x10 * i, psize);
            etwcap_event ev = mev(kinds[k].prov, kinds[k].id, 0, psize, &p);
            etwcap_clr_stack_info s;
            assert_int_equal(etwcap_decode_clr_stack(&ev, &s), ETWCAP_DECODE_OK);
            assert_int_equal(s.clr_instance_id, 11);
            assert_int_equal(s.nframes, 3);
            assert_int_equal(s.frame_size, psize);
            assert_true(etwcap_frame_at(s.frames, s.frame_size, 2) ==
                        (psize == 8 ? 0x7FF800000020ull : 0x10000020ull));
            assert_int_equal(etwcap_decode_fields(&ev, &fl), ETWCAP_DECODE_OK);
            assert_int_equal(test_fnum(&fl, "FrameCount"), 3);
            assert_int_equal(test_fnum(&fl, "ClrInstanceID"), 11);
            test_check_truncations(&ev, ev.payload_len, stack_fn, &s);
            p.b[4] = 0xFF; /* FrameCount beyond the payload */
            assert_int_equal(etwcap_decode_clr_stack(&ev, &s), ETWCAP_DECODE_SHORT);
        }
}

static void test_r2r(void **state)
{
    (void)state;
    buf p;
    memset(&p, 0, sizeof p);
    put(&p, 0x7FF8000C0000ull, 8);
    put_wstr(&p, "System.String");
    put_wstr(&p, "Concat");
    put_wstr(&p, "class System.String  (class System.String,class System.String)");
    put(&p, 0x7FF8DEAD0000ull, 8);
    put(&p, 8, 2);
    etwcap_event ev = mev(&etwcap_guid_clr_runtime, 159, 0, 8, &p);
    etwcap_clr_r2r_info r;
    static etwcap_fields fl;
    assert_int_equal(etwcap_decode_clr_r2r(&ev, &r), ETWCAP_DECODE_OK);
    assert_true(r.method_id == 0x7FF8000C0000ull);
    assert_true(r.entry_point == 0x7FF8DEAD0000ull);
    assert_int_equal(r.clr_instance_id, 8);
    wspan_eq(r.method_name, "Concat");
    assert_int_equal(etwcap_decode_fields(&ev, &fl), ETWCAP_DECODE_OK);
    assert_int_equal(test_fnum(&fl, "EntryPoint"), 0x7FF8DEAD0000LL);
    assert_string_equal(test_fstr(&fl, "MethodNamespace"), "System.String");
    test_check_truncations(&ev, ev.payload_len, r2r_fn, &r);
}

/* Typed decoders refuse events of other ids or providers. */
static void test_wrong_event(void **state)
{
    (void)state;
    buf p;
    memset(&p, 0, sizeof p);
    p.n = 300;
    etwcap_clr_method_info a;
    etwcap_clr_module_info b;
    etwcap_clr_stack_info c;
    etwcap_clr_r2r_info d;
    etwcap_event ev = mev(&etwcap_guid_clr_runtime, 145, 1, 8, &p); /* JittingStarted */
    assert_int_equal(etwcap_decode_clr_method(&ev, &a), ETWCAP_DECODE_UNKNOWN);
    assert_int_equal(etwcap_decode_clr_module(&ev, &b), ETWCAP_DECODE_UNKNOWN);
    assert_int_equal(etwcap_decode_clr_stack(&ev, &c), ETWCAP_DECODE_UNKNOWN);
    assert_int_equal(etwcap_decode_clr_r2r(&ev, &d), ETWCAP_DECODE_UNKNOWN);
    ev = mev(&etwcap_guid_clr_private, 143, 1, 8, &p); /* private 143 is not a method */
    assert_int_equal(etwcap_decode_clr_method(&ev, &a), ETWCAP_DECODE_UNKNOWN);
    ev = mev(&etwcap_guid_clr_rundown, 159, 0, 8, &p); /* rundown 159: ThreadDCEnd */
    assert_int_equal(etwcap_decode_clr_r2r(&ev, &d), ETWCAP_DECODE_UNKNOWN);
    ev = mev(&etwcap_guid_image_id, 82, 0, 8, &p);
    assert_int_equal(etwcap_decode_clr_stack(&ev, &c), ETWCAP_DECODE_UNKNOWN);
    static etwcap_fields fl;
    ev = mev(&etwcap_guid_clr_runtime, 9999, 0, 8, &p);
    assert_int_equal(etwcap_decode_fields(&ev, &fl), ETWCAP_DECODE_UNKNOWN);
}

/* ---- field lists of other families ---- */

/* GC/Start v2, HeapStats v1, GlobalHeapHistory v1, RuntimeInformation:
 * TraceEvent's derived values, enum texts and nulls. */
static void test_gc_and_runtime_fields(void **state)
{
    (void)state;
    static etwcap_fields fl;
    buf p;
    memset(&p, 0, sizeof p);
    put(&p, 7, 4);
    put(&p, 1, 4); /* Depth */
    put(&p, 1, 4); /* Reason: Induced */
    put(&p, 1, 4); /* Type: BackgroundGC */
    put(&p, 8, 2);
    put(&p, 99, 8);
    etwcap_event ev = mev(&etwcap_guid_clr_runtime, 1, 2, 8, &p);
    assert_int_equal(etwcap_decode_fields(&ev, &fl), ETWCAP_DECODE_OK);
    assert_string_equal(test_fstr(&fl, "Reason"), "Induced");
    assert_string_equal(test_fstr(&fl, "Type"), "BackgroundGC");
    assert_int_equal(test_fnum(&fl, "Depth"), 1);
    assert_int_equal(test_fnum(&fl, "ClientSequenceNumber"), 99);
    test_check_truncations(&ev, ev.payload_len, NULL, NULL);

    memset(&p, 0, sizeof p);
    for (int i = 0; i < 8; i++)
        put(&p, i == 3 ? 500 : 100 * (uint64_t)(i + 1), 8); /* TotalPromotedSize1 = 500 */
    put(&p, 1, 8);
    put(&p, 2, 8);
    put(&p, 3, 4);
    put(&p, 4, 4);
    put(&p, 5, 4);
    put(&p, 11, 2);
    ev = mev(&etwcap_guid_clr_runtime, 4, 1, 4, &p);
    assert_int_equal(etwcap_decode_fields(&ev, &fl), ETWCAP_DECODE_OK);
    assert_int_equal(test_fnum(&fl, "TotalHeapSize"), 100 + 300 + 500 + 700);
    assert_int_equal(test_fnum(&fl, "TotalPromoted"), 200 + 500 + 600 + 800);
    assert_int_equal(test_fnum(&fl, "Depth"), 2); /* TotalPromotedSize2 != 0 */
    assert_int_equal(test_fnum(&fl, "GenerationSize4"), 0);
    test_check_truncations(&ev, ev.payload_len, NULL, NULL);

    memset(&p, 0, sizeof p);
    put(&p, 4194300, 8);
    put(&p, 1, 4);
    put(&p, 0, 4);
    put(&p, 0, 4);
    put(&p, 0, 4);   /* AllocSmaLL */
    put(&p, 0x6, 4); /* Compaction | Promotion */
    put(&p, 11, 2);
    ev = mev(&etwcap_guid_clr_private, 5, 1, 4, &p);
    assert_int_equal(etwcap_decode_fields(&ev, &fl), ETWCAP_DECODE_OK);
    assert_string_equal(test_fstr(&fl, "GlobalMechanisms"), "Compaction, Promotion");
    assert_string_equal(test_fstr(&fl, "PauseMode"), "");
    assert_string_equal(test_fstr(&fl, "Count"), "");
    test_check_truncations(&ev, ev.payload_len, NULL, NULL);

    memset(&p, 0, sizeof p);
    put(&p, 11, 2);
    put(&p, 1, 2); /* DesktopClr */
    for (int i = 0; i < 8; i++)
        put(&p, i == 7 ? 42424 : 4, 2);
    put(&p, 0x800003, 4); /* an unnamed bit: the number */
    put(&p, 1, 1);
    put_wstr(&p, "Test.x86.exe");
    put_guid(&p, 0);
    put_wstr(&p, "C:\\clr.dLL");
    ev = mev(&etwcap_guid_clr_rundown, 187, 0, 4, &p);
    assert_int_equal(etwcap_decode_fields(&ev, &fl), ETWCAP_DECODE_OK);
    assert_string_equal(test_fstr(&fl, "Sku"), "DesktopClr");
    assert_int_equal(test_fnum(&fl, "VMQfeNumber"), 42424); /* ushort */
    assert_string_equal(test_fstr(&fl, "StartupFlags"), "8388611");
    assert_string_equal(test_fstr(&fl, "StartupMode"), "ManagedExe");
    assert_string_equal(test_fstr(&fl, "RuntimeDllPath"), "C:\\clr.dLL");
    test_check_truncations(&ev, ev.payload_len, NULL, NULL);
}

/* GC DynamicEvent with another name than CommittedUsage: Data as hex, cut
 * after 16 bytes with "..." (TraceEvent's byte-array text). */
static void test_gc_dynamic_data(void **state)
{
    (void)state;
    static etwcap_fields fl;
    static const struct {
        unsigned size;
        const char *text;
    } cases[] = {{0, ""},
                 {3, "000102"},
                 {16, "000102030405060708090A0B0C0D0E0F"},
                 {17, "000102030405060708090A0B0C0D0E0F..."},
                 {42, "000102030405060708090A0B0C0D0E0F..."}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        buf p;
        memset(&p, 0, sizeof p);
        put_wstr(&p, "SizeAdaptationTuning");
        put(&p, cases[i].size, 4);
        for (unsigned k = 0; k < cases[i].size; k++)
            put(&p, k, 1);
        put(&p, 11, 2);
        etwcap_event ev = mev(&etwcap_guid_clr_runtime, 39, 0, 8, &p);
        assert_int_equal(etwcap_decode_fields(&ev, &fl), ETWCAP_DECODE_OK);
        assert_string_equal(test_fstr(&fl, "Name"), "SizeAdaptationTuning");
        assert_int_equal(test_fnum(&fl, "DataSize"), cases[i].size);
        assert_string_equal(test_fstr(&fl, "Data"), cases[i].text);
        assert_int_equal(test_fnum(&fl, "ClrInstanceID"), 11);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_method_versions),
        cmocka_unit_test(test_method_flags_text),
        cmocka_unit_test(test_module_versions),
        cmocka_unit_test(test_stack),
        cmocka_unit_test(test_r2r),
        cmocka_unit_test(test_wrong_event),
        cmocka_unit_test(test_gc_and_runtime_fields),
        cmocka_unit_test(test_gc_dynamic_data),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
