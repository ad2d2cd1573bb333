/* test_decode_kernel.c - kernel and KernelTraceControl payload decoders
 * (etl-format.md §1.8, §3): hand-made payloads for every typed decoder, both
 * pointer sizes, every truncation (SHORT, no read past the payload under
 * ASan). Field lists of the other classes and the corpus against TraceEvent's
 * baseline: test_decode_kernel_fields.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "etwcap/decode.h"
#include "etwcap/reader.h"

/* ---- building payloads ---- */

typedef struct buf {
    uint8_t b[1024];
    size_t n;
} buf;

static void put(buf *p, uint64_t v, size_t size)
{
    for (size_t i = 0; i < size; i++)
        p->b[p->n++] = i < 8 ? (uint8_t)(v >> (8 * i)) : 0;
}
static void put_str(buf *p, const char *s) /* cstr */
{
    size_t n = strlen(s) + 1;
    memcpy(p->b + p->n, s, n);
    p->n += n;
}
static void put_wstr(buf *p, const char *s) /* ASCII as UTF-16LE wstr */
{
    do
        put(p, (uint8_t)*s, 2);
    while (*s++);
}

static const etwcap_guid g_process = {
    0x3d6fa8d0, 0xfe05, 0x11d0, {0x9d, 0xda, 0x00, 0xc0, 0x4f, 0xd7, 0xba, 0x7c}};
static const etwcap_guid g_thread = {
    0x3d6fa8d1, 0xfe05, 0x11d0, {0x9d, 0xda, 0x00, 0xc0, 0x4f, 0xd7, 0xba, 0x7c}};
static const etwcap_guid g_image = {
    0x2cb15d1d, 0x5fc1, 0x11d2, {0xab, 0xe1, 0x00, 0xa0, 0xc9, 0x11, 0xf5, 0x18}};
static const etwcap_guid g_stack = {
    0xdef2fe46, 0x7bd6, 0x4b80, {0xbd, 0x94, 0xf5, 0x7f, 0xe2, 0x0d, 0x0c, 0xe3}};
static const etwcap_guid g_perfinfo = {
    0xce1dbfb4, 0x137e, 0x4da6, {0x87, 0xb0, 0x3f, 0x59, 0xaa, 0x10, 0x2c, 0xbc}};
static const etwcap_guid g_imageid = {
    0xb3e675d7, 0x2554, 0x4f18, {0x83, 0x0b, 0x27, 0x62, 0x73, 0x25, 0x60, 0xde}};

/* A kernel event (SYSTEM/PERFINFO header) of `group`/`opcode`. */
static etwcap_event kev(const etwcap_guid *cls, unsigned group, unsigned opcode, unsigned version,
                        unsigned psize, const buf *p)
{
    etwcap_event ev;
    memset(&ev, 0, sizeof ev);
    ev.struct_version = ETWCAP_EVENT_VERSION;
    ev.kind = ETWCAP_KIND_KERNEL;
    ev.header_type = psize == 4 ? ETWCAP_HDR_SYSTEM32 : ETWCAP_HDR_SYSTEM64;
    ev.pointer_size = (uint8_t)psize;
    ev.provider = *cls;
    ev.hook_id = (uint16_t)(group << 8 | opcode);
    ev.opcode = (uint8_t)opcode;
    ev.version = (uint8_t)version;
    ev.pid = 100;
    ev.tid = 200;
    ev.payload = p->b;
    ev.payload_len = (uint32_t)p->n;
    return ev;
}

/* A classic (FULL header) event of class `cls`. */
static etwcap_event cev(const etwcap_guid *cls, unsigned opcode, unsigned psize, const buf *p)
{
    etwcap_event ev = kev(cls, 0, opcode, 2, psize, p);
    ev.kind = ETWCAP_KIND_CLASSIC;
    ev.header_type = psize == 4 ? ETWCAP_HDR_FULL32 : ETWCAP_HDR_FULL64;
    ev.hook_id = 0;
    return ev;
}

/* ---- Process (§3.2) ---- */

/* sid_kind: 0 = null (u32 0), 1 = S-1-5-18, 2 = five sub-authorities. */
static size_t build_process(buf *p, unsigned v, unsigned psize, int sid_kind, size_t *sid_at)
{
    memset(p, 0, sizeof *p);
    if (v == 0) {
        put(p, 0x21C, psize);
        put(p, 0x1CC, psize);
    } else {
        put(p, 0xFFFFFA8000001000ull & (psize == 4 ? 0xFFFFFFFFu : ~0ull), psize);
        put(p, 0x21C, 4);
        put(p, 0x1CC, 4);
        put(p, 0xFFFFFFFF, 4); /* SessionId */
        put(p, 0x103, 4);      /* ExitStatus */
        if (v >= 3)
            put(p, 0x187000, psize);
        if (v >= 4)
            put(p, 6, 4); /* Flags: Wow64 | Protected */
    }
    if (sid_kind == 0) {
        put(p, 0, 4);
    } else {
        put(p, 0xF8A002CC95C0ull, psize); /* TOKEN_USER.Sid pointer */
        put(p, 0, 4);                     /* Attributes */
        if (psize == 8)
            put(p, 0, 4);
        *sid_at = p->n;
        unsigned n = sid_kind == 1 ? 1 : 5;
        put(p, 1, 1);
        put(p, n, 1);
        put(p, 5, 6);
        for (unsigned i = 0; i < n; i++)
            put(p, 18 + i, 4);
    }
    put_str(p, "smss.exe");
    if (v >= 2)
        put_wstr(p, "\\SystemRoot\\System32\\smss.exe");
    if (v >= 4) {
        put_wstr(p, "Pkg");
        put_wstr(p, "App");
    }
    size_t need = p->n;
    if (v >= 5)
        put(p, 0x01D6653C1CDF6AE1ull, 8); /* trailing data (e.g. ExitTime) */
    return need;
}

static void test_process_versions(void **state)
{
    (void)state;
    static etwcap_fields fl;
    for (unsigned psize = 4; psize <= 8; psize += 4) {
        for (unsigned v = 0; v <= 5; v++) {
            for (int sk = 0; sk < 3; sk++) {
                buf p;
                size_t sid_at = 0;
                size_t need = build_process(&p, v, psize, sk, &sid_at);
                etwcap_event ev = kev(&g_process, 3, v == 5 ? 39 : 1, v, psize, &p);
                etwcap_process_info pi;
                assert_int_equal(etwcap_decode_process(&ev, &pi), ETWCAP_DECODE_OK);
                assert_int_equal(pi.pid, 0x21C);
                assert_int_equal(pi.parent_pid, 0x1CC);
                assert_int_equal(pi.image_file_name.len, 8);
                assert_memory_equal(pi.image_file_name.p, "smss.exe", 8);
                if (sk == 0) {
                    assert_null(pi.sid);
                } else {
                    assert_ptr_equal(pi.sid, p.b + sid_at);
                    assert_int_equal(pi.sid_len, sk == 1 ? 12 : 28);
                }
                assert_int_equal(pi.session_id, v ? 0xFFFFFFFFu : 0);
                assert_int_equal(pi.exit_status, v ? 0x103 : 0);
                assert_int_equal(pi.unique_key,
                                 v >= 2 ? (psize == 4 ? 0x1000 : 0xFFFFFA8000001000ull) : 0);
                assert_int_equal(
                    pi.directory_table_base,
                    v >= 3 ? 0x187000
                           : (v == 1 ? (psize == 4 ? 0x1000 : 0xFFFFFA8000001000ull) : 0));
                assert_int_equal(pi.flags, v >= 4 ? 6 : 0);
                assert_int_equal(pi.command_line.bytes, v >= 2 ? 2 * 29 : 0);
                assert_int_equal(pi.package_full_name.bytes, v >= 4 ? 6 : 0);
                assert_int_equal(pi.application_id.bytes, v >= 4 ? 6 : 0);

                assert_int_equal(etwcap_decode_fields(&ev, &fl), ETWCAP_DECODE_OK);
                assert_int_equal(fl.n, 11);
                assert_string_equal(fl.f[0].name, "ProcessID");
                assert_string_equal(fl.f[10].name, "ApplicationID");
                assert_int_equal(test_fnum(&fl, "ProcessID"), 0x21C);
                assert_string_equal(test_fstr(&fl, "ImageFileName"), "smss.exe");
                assert_string_equal(test_fstr(&fl, "Flags"), v >= 4 ? "Wow64, Protected" : "None");
                assert_int_equal(test_field(&fl, "SessionID")->v.i, v ? -1 : 0);
                assert_string_equal(test_fstr(&fl, "CommandLine"),
                                    v >= 2 ? "\\SystemRoot\\System32\\smss.exe" : "");
                assert_string_equal(test_fstr(&fl, "PackageFullName"), v >= 4 ? "Pkg" : "");
                test_check_truncations(&ev, need, (test_typed_fn)etwcap_decode_process, &pi);
            }
        }
    }
}

static void test_process_flags_text(void **state)
{
    (void)state;
    static const struct {
        uint32_t flags;
        const char *text;
    } cases[] = {{0, "None"},
                 {1, "PackageFullName"},
                 {2, "Wow64"},
                 {4, "Protected"},
                 {5, "PackageFullName, Protected"},
                 {7, "PackageFullName, Wow64, Protected"},
                 {8, "8"},
                 {0x80000002u, "-2147483646"}};
    static etwcap_fields fl;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        buf p;
        size_t sid_at;
        build_process(&p, 4, 8, 0, &sid_at);
        p.b[0x20] = (uint8_t)cases[i].flags; /* Flags at 2P+16 */
        p.b[0x23] = (uint8_t)(cases[i].flags >> 24);
        etwcap_event ev = kev(&g_process, 3, 3, 4, 8, &p);
        assert_int_equal(etwcap_decode_fields(&ev, &fl), ETWCAP_DECODE_OK);
        assert_string_equal(test_fstr(&fl, "Flags"), cases[i].text);
    }
}

/* ImageFileName is ANSI bytes: a byte that is not valid UTF-8 becomes
 * U+FFFD, the rest is kept. */
static void test_process_image_name_utf8(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        const char *text;
    } cases[] = {{"sm\xFFss.exe", "sm\xEF\xBF\xBDss.exe"},
                 {"\xC3\xA9t\xE9.exe", "\xC3\xA9t\xEF\xBF\xBD.exe"},
                 {"a\xE2\x82", "a\xEF\xBF\xBD\xEF\xBF\xBD"}};
    static etwcap_fields fl;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        buf p;
        memset(&p, 0, sizeof p);
        put(&p, 0x21C, 8);
        put(&p, 0x21C, 4);
        put(&p, 0x1CC, 4);
        put(&p, 0, 4);
        put(&p, 0, 4);
        put(&p, 0, 4); /* no SID */
        put_str(&p, cases[i].name);
        etwcap_event ev = kev(&g_process, 3, 1, 1, 8, &p);
        assert_int_equal(etwcap_decode_fields(&ev, &fl), ETWCAP_DECODE_OK);
        assert_string_equal(test_fstr(&fl, "ImageFileName"), cases[i].text);
    }
}

/* ---- Thread (§3.3) ---- */

static void test_thread(void **state)
{
    (void)state;
    static etwcap_fields fl;
    for (unsigned psize = 4; psize <= 8; psize += 4) {
        for (unsigned v = 0; v <= 4; v++) {
            buf p;
            memset(&p, 0, sizeof p);
            put(&p, v == 0 ? 0xB8 : 4, 4);
            put(&p, v == 0 ? 4 : 0xB8, 4);
            if (v >= 1)
                for (unsigned i = 1; i <= (v == 1 ? 6u : 7u); i++)
                    put(&p, (uint64_t)0x1000 * i, psize);
            if (v == 1)
                put(&p, 1, 1); /* WaitMode */
            if (v >= 2)
                put(&p, 0x55, 4); /* SubProcessTag */
            size_t need = p.n;
            if (v >= 3) {
                put(&p, 0x020508, 4);
                if (v >= 4)
                    put_wstr(&p, "worker");
            }
            etwcap_event ev = kev(&g_thread, 5, 1, v, psize, &p);
            etwcap_thread_info t;
            assert_int_equal(etwcap_decode_thread(&ev, &t), ETWCAP_DECODE_OK);
            assert_int_equal(t.pid, 4);
            assert_int_equal(t.tid, 0xB8);
            assert_int_equal(t.stack_base, v ? 0x1000 : 0);
            assert_int_equal(t.win32_start_addr, v ? 0x6000 : 0);
            assert_int_equal(t.teb_base, v >= 2 ? 0x7000 : 0);

            assert_int_equal(etwcap_decode_fields(&ev, &fl), ETWCAP_DECODE_OK);
            assert_int_equal(fl.n, 15);
            assert_int_equal(test_fnum(&fl, "StackBase"), v >= 2 ? 0x1000 : 0);
            assert_int_equal(test_fnum(&fl, "SubProcessTag"), v >= 2 ? 0x55 : 0);
            assert_int_equal(test_fnum(&fl, "BasePriority"), v >= 3 ? 8 : 0);
            assert_int_equal(test_fnum(&fl, "IoPriority"), v >= 3 ? 2 : 0);
            assert_string_equal(test_fstr(&fl, "ThreadName"), v >= 4 ? "worker" : "");
            assert_int_equal(test_field(&fl, "ParentThreadID")->v.i, v >= 2 ? 200 : -1);
            assert_int_equal(test_field(&fl, "ParentProcessID")->v.i, v >= 2 ? 100 : -1);
            test_check_truncations(&ev, v == 1 ? 8 : need, (test_typed_fn)etwcap_decode_thread, &t);

            ev.opcode = 2; /* Stop: no parent */
            ev.hook_id = 0x0502;
            assert_int_equal(etwcap_decode_fields(&ev, &fl), ETWCAP_DECODE_OK);
            assert_int_equal(test_field(&fl, "ParentThreadID")->v.i, -1);
        }
    }
}

/* ---- Image (§3.4) ---- */

static void test_image(void **state)
{
    (void)state;
    static etwcap_fields fl;
    for (unsigned psize = 4; psize <= 8; psize += 4) {
        for (unsigned v = 0; v <= 3; v++) {
            buf p;
            memset(&p, 0, sizeof p);
            put(&p, 0x77710000, psize);
            put(&p, 0x157000, v == 0 ? 4 : psize);
            if (v >= 1)
                put(&p, 0xE3C, 4);
            if (v >= 2) {
                put(&p, 0x162293, 4);
                put(&p, 0x9916FC82u, 4); /* a stamp past 2038 */
                put(&p, 0, 4);
                put(&p, 0x77710000, psize);
                put(&p, 0, 16);
            }
            put_wstr(&p, "\\Device\\HarddiskVolume2\\Windows\\SysWOW64\\ntdll.dll");
            /* v2+ as the legacy HookId 0x030A, which counts as the Image group */
            etwcap_event ev = kev(&g_image, v >= 2 ? 3 : 0x14, 10, v, psize, &p);
            etwcap_image_info im;
            assert_int_equal(etwcap_decode_image(&ev, &im), ETWCAP_DECODE_OK);
            assert_int_equal(im.base, 0x77710000);
            assert_int_equal(im.size, 0x157000);
            assert_int_equal(im.pid, v ? 0xE3C : 0);
            assert_int_equal(im.time_date_stamp, v >= 2 ? 0x9916FC82u : 0);
            assert_int_equal(im.default_base, v >= 2 ? 0x77710000 : 0);
            assert_int_equal(im.file_name.bytes, 2 * 50);

            assert_int_equal(etwcap_decode_fields(&ev, &fl), ETWCAP_DECODE_OK);
            assert_int_equal(fl.n, 7);
            assert_int_equal(test_field(&fl, "TimeDateStamp")->v.i, v >= 2 ? -1726546814 : 0);
            assert_string_equal(test_fstr(&fl, "BuildTime"),
                                v >= 2 ? "51/05/23 02:08:02.000000" : "70/01/01 00:00:00.000000");
            assert_string_equal(test_fstr(&fl, "FileName"),
                                "\\Device\\HarddiskVolume2\\Windows\\SysWOW64\\ntdll.dll");
            test_check_truncations(&ev, p.n, (test_typed_fn)etwcap_decode_image, &im);
        }
        /* KernelBase (33): just ImageBase */
        buf p;
        memset(&p, 0, sizeof p);
        put(&p, 0xFFFFF80021489000ull, psize);
        etwcap_event ev = kev(&g_image, 0x14, 33, 2, psize, &p);
        etwcap_image_info im;
        assert_int_equal(etwcap_decode_image(&ev, &im), ETWCAP_DECODE_OK);
        assert_int_equal(im.base, psize == 8 ? 0xFFFFF80021489000ull : 0x21489000);
        assert_int_equal(etwcap_decode_fields(&ev, &fl), ETWCAP_DECODE_OK);
        assert_int_equal(fl.n, 1);
        test_check_truncations(&ev, p.n, (test_typed_fn)etwcap_decode_image, &im);
    }
}

/* ---- KernelTraceControl ImageID (§3.5) ---- */

static void test_image_id(void **state)
{
    (void)state;
    static etwcap_fields fl;
    const etwcap_guid sig = {
        0xec83d8df, 0x5559, 0x46e0, {0xb6, 0x30, 0x13, 0x3e, 0xbd, 0x97, 0x92, 0x66}};
    static const unsigned ops[] = {0, 36, 37, 38, 40, 64};
    for (unsigned psize = 4; psize <= 8; psize += 4) {
        for (size_t k = 0; k < sizeof ops / sizeof ops[0]; k++) {
            unsigned op = ops[k];
            buf p;
            memset(&p, 0, sizeof p);
            if (op == 64) {
                put(&p, 0x157000, 4);
                put(&p, 0x5010AE7A, 4);
                static const char *const s[10] = {
                    "ntdll.dll", "NT Layer DLL", "6.2", "6.2.9200", "1033",
                    "Windows",   "Microsoft",    "6.2", "",         ""};
                for (int i = 0; i < 10; i++)
                    put_wstr(&p, s[i]);
            } else {
                put(&p, 0x77710000, psize);
                if (op == 0)
                    put(&p, 0x157000, psize);
                put(&p, 4, 4);
                if (op == 0) {
                    put(&p, 0x5010AE7A, 4);
                    put_wstr(&p, "ntdll.dll");
                } else if (op == 36 || op == 37) {
                    put(&p, sig.data1, 4);
                    put(&p, sig.data2, 2);
                    put(&p, sig.data3, 2);
                    memcpy(p.b + p.n, sig.data4, 8);
                    p.n += 8;
                    put(&p, 2, 4);
                    put_str(&p, "wntdll.pdb");
                } else if (op == 38) {
                    put(&p, 0x5010AE7A, 4);
                    put(&p, 0x0001000A, 4); /* Major 10, Minor 1 at +2 */
                    p.n--;                  /* layout ends after MinorVersion */
                }
            }
            etwcap_event ev = cev(&g_imageid, op, psize, &p);
            etwcap_image_id_info id;
            assert_int_equal(etwcap_decode_image_id(&ev, &id), ETWCAP_DECODE_OK);
            assert_int_equal(id.kind, op);
            assert_int_equal(etwcap_decode_fields(&ev, &fl), ETWCAP_DECODE_OK);
            if (op != 64) {
                assert_int_equal(id.base, 0x77710000);
                assert_int_equal(id.pid, 4);
                assert_int_equal(test_fnum(&fl, "ImageBase"), 0x77710000);
            }
            if (op == 0) {
                assert_int_equal(id.size, 0x157000);
                assert_int_equal(test_fnum(&fl, "ProcessID"), 0); /* as TraceEvent */
                assert_string_equal(test_fstr(&fl, "BuildTime"), "12/07/26 02:42:02.000000");
                assert_string_equal(test_fstr(&fl, "OriginalFileName"), "ntdll.dll");
            } else if (op == 36 || op == 37) {
                assert_memory_equal(&id.guid, &sig, sizeof sig);
                assert_int_equal(id.age, 2);
                assert_int_equal(id.pdb_name.len, 10);
                assert_int_equal(test_field(&fl, "GuidSig")->type, ETWCAP_FIELD_GUID);
                assert_string_equal(test_fstr(&fl, "PDBFileName"), "wntdll.pdb");
            } else if (op == 38) {
                assert_int_equal(test_fnum(&fl, "MajorVersion"), 10);
                assert_int_equal(test_fnum(&fl, "MinorVersion"), 1);
            } else if (op == 64) {
                assert_int_equal(id.size, 0x157000);
                assert_int_equal(id.original_file_name.bytes, 18);
                assert_int_equal(fl.n, 13);
                assert_string_equal(test_fstr(&fl, "CompanyName"), "Microsoft");
                assert_string_equal(test_fstr(&fl, "ProgramId"), "");
            }
            /* FileVersion: the typed view needs only the first string */
            test_check_truncations(&ev, op == 64 ? 8 + 18 : p.n,
                                   (test_typed_fn)etwcap_decode_image_id, &id);
            if (op == 64)
                test_check_truncations(&ev, p.n, NULL, NULL);
        }
    }
    buf p = {{0}, 12};
    etwcap_event none = cev(&g_imageid, 32, 8, &p);
    etwcap_image_id_info id;
    assert_int_equal(etwcap_decode_image_id(&none, &id), ETWCAP_DECODE_UNKNOWN);
    assert_int_equal(etwcap_decode_fields(&none, &fl), ETWCAP_DECODE_OK);
    assert_int_equal(fl.n, 0);
}

/* ---- StackWalk (§3.6) and SampledProfile (§3.7) ---- */

static void test_stack_and_sample(void **state)
{
    (void)state;
    static etwcap_fields fl;
    for (unsigned psize = 4; psize <= 8; psize += 4) {
        buf p;
        memset(&p, 0, sizeof p);
        put(&p, 0x5B773411, 8);
        put(&p, 3988, 4);
        put(&p, 2784, 4);
        for (unsigned i = 0; i < 3; i++)
            put(&p, 0xFFFFF80021561F43ull + i, psize);
        etwcap_event ev = kev(&g_stack, 0x18, 32, 2, psize, &p);
        etwcap_stackwalk_info s;
        assert_int_equal(etwcap_decode_stackwalk(&ev, &s), ETWCAP_DECODE_OK);
        assert_int_equal(s.event_timestamp, 0x5B773411);
        assert_int_equal(s.pid, 3988);
        assert_int_equal(s.tid, 2784);
        assert_int_equal(s.nframes, 3);
        assert_int_equal(s.frame_size, psize);
        assert_int_equal(etwcap_frame_at(s.frames, s.frame_size, 2),
                         (0xFFFFF80021561F43ull + 2) & (psize == 4 ? 0xFFFFFFFFu : ~0ull));
        assert_int_equal(etwcap_decode_fields(&ev, &fl), ETWCAP_DECODE_OK);
        assert_int_equal(test_fnum(&fl, "FrameCount"), 3);
        assert_int_equal(test_fnum(&fl, "IP0"), s.frames ? etwcap_frame_at(s.frames, psize, 0) : 0);
        test_check_truncations(&ev, 16, (test_typed_fn)etwcap_decode_stackwalk, &s);

        /* 35/36: key then frames */
        for (unsigned op = 35; op <= 36; op++) {
            memset(&p, 0, sizeof p);
            put(&p, 0xFFFFFA8303282610ull, psize);
            put(&p, 0x1111, psize);
            put(&p, 0x2222, psize);
            ev = kev(&g_stack, 0x18, op, 2, psize, &p);
            etwcap_stack_key_def_info d;
            assert_int_equal(etwcap_decode_stack_key_def(&ev, &d), ETWCAP_DECODE_OK);
            assert_int_equal(d.nframes, 2);
            assert_int_equal(etwcap_frame_at(d.frames, d.frame_size, 1), 0x2222);
            test_check_truncations(&ev, psize, (test_typed_fn)etwcap_decode_stack_key_def, &d);
        }
        /* 37/38: reference */
        for (unsigned op = 37; op <= 38; op++) {
            memset(&p, 0, sizeof p);
            put(&p, 0x5B788A60, 8);
            put(&p, 3988, 4);
            put(&p, 2784, 4);
            put(&p, 0xFFFFFA83033B3B10ull, psize);
            ev = kev(&g_stack, 0x18, op, 2, psize, &p);
            etwcap_stack_key_ref_info r;
            assert_int_equal(etwcap_decode_stack_key_ref(&ev, &r), ETWCAP_DECODE_OK);
            assert_int_equal(r.user, op == 38);
            assert_int_equal(r.tid, 2784);
            assert_int_equal(r.key, psize == 8 ? 0xFFFFFA83033B3B10ull : 0x033B3B10);
            test_check_truncations(&ev, p.n, (test_typed_fn)etwcap_decode_stack_key_ref, &r);
        }
        /* SampledProfile */
        memset(&p, 0, sizeof p);
        put(&p, 0xFFFFF80021561F43ull, psize);
        put(&p, 2784, 4);
        put(&p, 1, 2);
        put(&p, 0x5B, 1); /* priority 11, DPC, ISR */
        put(&p, 3, 1);
        ev = kev(&g_perfinfo, 0x0F, 46, 2, psize, &p);
        ev.cpu = 7;
        etwcap_sample_info smp;
        assert_int_equal(etwcap_decode_sample(&ev, &smp), ETWCAP_DECODE_OK);
        assert_int_equal(smp.tid, 2784);
        assert_int_equal(smp.count, 1);
        assert_int_equal(smp.flags, 0x5B);
        assert_int_equal(smp.rank, 3);
        assert_int_equal(etwcap_decode_fields(&ev, &fl), ETWCAP_DECODE_OK);
        assert_int_equal(test_fnum(&fl, "ProcessorNumber"), 7);
        assert_int_equal(test_fnum(&fl, "Priority"), 11);
        assert_int_equal(test_field(&fl, "ExecutingDPC")->v.u, 1);
        assert_int_equal(test_field(&fl, "ExecutingISR")->v.u, 1);
        test_check_truncations(&ev, p.n, (test_typed_fn)etwcap_decode_sample, &smp);
    }
}

/* Typed decoders refuse events of another class. */
static void test_wrong_class(void **state)
{
    (void)state;
    buf p;
    memset(&p, 0, sizeof p);
    p.n = 200;
    etwcap_event ev = kev(&g_thread, 5, 1, 3, 8, &p);
    etwcap_process_info a;
    etwcap_image_info b;
    etwcap_image_id_info c;
    etwcap_stackwalk_info d;
    etwcap_stack_key_def_info e;
    etwcap_stack_key_ref_info f;
    etwcap_sample_info g;
    etwcap_thread_info h;
    assert_int_equal(etwcap_decode_process(&ev, &a), ETWCAP_DECODE_UNKNOWN);
    assert_int_equal(etwcap_decode_image(&ev, &b), ETWCAP_DECODE_UNKNOWN);
    assert_int_equal(etwcap_decode_image_id(&ev, &c), ETWCAP_DECODE_UNKNOWN);
    assert_int_equal(etwcap_decode_stackwalk(&ev, &d), ETWCAP_DECODE_UNKNOWN);
    assert_int_equal(etwcap_decode_stack_key_def(&ev, &e), ETWCAP_DECODE_UNKNOWN);
    assert_int_equal(etwcap_decode_stack_key_ref(&ev, &f), ETWCAP_DECODE_UNKNOWN);
    assert_int_equal(etwcap_decode_sample(&ev, &g), ETWCAP_DECODE_UNKNOWN);
    ev = kev(&g_process, 3, 1, 4, 8, &p);
    assert_int_equal(etwcap_decode_thread(&ev, &h), ETWCAP_DECODE_UNKNOWN);
    ev = kev(&g_thread, 5, 36, 3, 8, &p); /* CSwitch: another layout */
    assert_int_equal(etwcap_decode_thread(&ev, &h), ETWCAP_DECODE_UNKNOWN);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_process_versions), cmocka_unit_test(test_process_flags_text),
        cmocka_unit_test(test_thread),           cmocka_unit_test(test_image),
        cmocka_unit_test(test_image_id),         cmocka_unit_test(test_stack_and_sample),
        cmocka_unit_test(test_wrong_class),      cmocka_unit_test(test_process_image_name_utf8),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
