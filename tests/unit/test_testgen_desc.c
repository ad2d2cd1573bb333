/* test_testgen_desc.c - the test-trace writer's text description format
 * (testgen_desc_build) and the README's example trace, checked by reading
 * the traces back with the real reader (testgen_read.h). The writer's C
 * interface: test_testgen.c.
 */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/bytes.h"
#include "etwcap/reader.h"
#include "testgen.h"
#include "testgen_read.h"

static const etwcap_guid G_PROCESS = TESTGEN_GUID_PROCESS;
static const etwcap_guid G_THREAD = TESTGEN_GUID_THREAD;
static const etwcap_guid G_PERFINFO = TESTGEN_GUID_PERFINFO;
static const etwcap_guid G_IMAGE = TESTGEN_GUID_IMAGE;
static const etwcap_guid G_KTC = TESTGEN_GUID_KTC_IMAGEID;
static const etwcap_guid G_CLR = TESTGEN_GUID_CLR_RUNTIME;

/* ---- the description format ---------------------------------------------------------------- */

static testgen_trace *desc(const char *text, char *err, size_t cap)
{
    return testgen_desc_build(text, strlen(text), err, cap);
}

static void test_desc_build(void **state)
{
    (void)state;
    const char *text =
        "# a comment\r\n"
        "trace pointer=8 cpus=2 buffer-size=4096 clock=qpc freq=10000000 mhz=3000 "
        "start=2024-01-02T03:04:05Z os=10.0 build=22621 session='S \"q\"' logfile=\"C:\\x.etl\" "
        "events-lost=2 buffers-lost=1 header-ts=1000 header-pid=4 header-tid=8\n"
        "\n"
        "buffer cpu=1 compress\n"
        "system64 group=3 opcode=1 version=4 pid=4 tid=8 ts=1100 ktime=3 utime=4 "
        "payload=\"01 02 03\"   # trailing comment\n"
        "compact32 group=5 opcode=36 version=2 pid=5 tid=6 ts=1200 +u16=0xbeef +u32=-1\n"
        "perfinfo32 group=0x0f opcode=46 version=2 ts=1300 +ptr=0x401000 +u32=77 pebs=9 "
        "pmc=1,2\n"
        "full32 guid=b3e675d7-2554-4f18-830b-2762732560de opcode=36 level=0 version=2 pid=0 "
        "tid=9 ts=1400 +ptr=0x10000 +u32=0 +guid=11223344-5566-7788-99aa-bbccddeeff01 "
        "+u32=1 +cstr=x.pdb\n"
        "instance64 guid=11223344-5566-7788-99aa-bbccddeeff01 opcode=2 instance=7 "
        "parent-instance=6 parent-guid=a1a2a3a4-b1b2-c1c2-0102-030405060708 ts=1500\n"
        "event32 provider=e13c0d23-ccbc-4e12-931b-d9cc2eee27e4 id=143 version=1 level=4 "
        "opcode=37 task=9 keyword=0x30 pid=40 tid=41 ts=1600 "
        "container=5C1F4E2A-7B3D-4A9E-8F61-2D0C9B7E4A13 stack=0x1,0x2 match=5 "
        "process-key=0x77 +wstr=\"Main\"\n"
        "cpu 0\n"
        "message msg=12 guid=11223344-5566-7788-99aa-bbccddeeff01 ts=1700 pid=1 tid=2 "
        "+hex=ff\n"
        "process-start ts=1800 hdr-tid=8 pid=500 ppid=4 name=a.exe "
        "cmdline='\"C:\\a b\\a.exe\" -x' cpu=1\n"
        "stackwalk ts=1800 pid=500 tid=501 frames=0xfffff80000001000,0x401000 cpu=1\n"
        "sample ts=1900 ip=0x401000 tid=501 flags=1\n"
        "clr-method-load ts=2000 pid=500 tid=501 method-id=1 module-id=2 start=0x500000 "
        "size=16 name=Run namespace=N signature=\"void ()\" stack-key=0x99 ext-aligned "
        "container=5c1f4e2a-7b3d-4a9e-8f61-2d0c9b7e4a13\n"
        "image-load ts=2100 pid=500 base=0x400000 size=0x1000 file=\"\\Device\\x\\a.exe\"\n"
        "image-id ts=2100 base=0x400000 size=0x1000 tds=5 name=a.exe\n"
        "dbgid-rsds ts=2100 base=0x400000 pdb-guid=11223344-5566-7788-99aa-bbccddeeff01 age=3 "
        "pdb=a.pdb\n"
        "logfile-header ts=2200\n"
        "raw +u32=0xC0020000 +u16=0x20 +u16=0x0301 +u32=0 +u32=0 +u64=2300 +u64=0\n";
    char err[300];
    testgen_trace *t = desc(text, err, sizeof err);
    if (!t)
        fail_msg("%s", err);
    tgr_image im = {0};
    tgr_open(t, &im, 0);
    const etwcap_logfile_info *li = etwcap_reader_info(im.r);
    assert_string_equal(li->session_name, "S \"q\"");
    assert_string_equal(li->logfile_name, "C:\\x.etl");
    assert_int_equal(li->os_build, 22621);
    assert_int_equal(li->events_lost, 2);
    assert_int_equal(li->buffers_lost, 1);
    assert_int_equal(li->start_time, 133486382450000000);
    assert_int_equal(li->header_timestamp, 1000);
    etwcap_event ev;
    tgr_next_ok(&im, &ev);
    tgr_check_header_event(t, &ev, 64);

    static const uint8_t p1[] = {1, 2, 3};
    tgr_next_ok(&im, &ev);
    tgr_expect x1 = {ETWCAP_KIND_KERNEL,
                     ETWCAP_HDR_SYSTEM64,
                     8,
                     &G_PROCESS,
                     0,
                     4,
                     0,
                     0,
                     1,
                     0,
                     0,
                     0x0301,
                     0,
                     0,
                     4,
                     8,
                     1,
                     3,
                     4,
                     NULL,
                     1100,
                     p1,
                     3,
                     0};
    tgr_check_event(t, &ev, &x1);
    static const uint8_t p2[] = {0xef, 0xbe, 0xff, 0xff, 0xff, 0xff};
    tgr_next_ok(&im, &ev);
    tgr_expect x2 = {ETWCAP_KIND_KERNEL,
                     ETWCAP_HDR_COMPACT32,
                     4,
                     &G_THREAD,
                     0,
                     2,
                     0,
                     0,
                     36,
                     0,
                     0,
                     0x0524,
                     0,
                     0,
                     5,
                     6,
                     1,
                     0,
                     0,
                     NULL,
                     1200,
                     p2,
                     6,
                     0};
    tgr_check_event(t, &ev, &x2);
    static const uint8_t p3[] = {0x00, 0x10, 0x40, 0x00, 77, 0, 0, 0};
    tgr_next_ok(&im, &ev);
    tgr_expect x3 = {ETWCAP_KIND_KERNEL,
                     ETWCAP_HDR_PERFINFO32,
                     4,
                     &G_PERFINFO,
                     0,
                     2,
                     0,
                     0,
                     46,
                     0,
                     0,
                     0x0f2e,
                     0,
                     0,
                     ETWCAP_NO_ID,
                     ETWCAP_NO_ID,
                     1,
                     0,
                     0,
                     NULL,
                     1300,
                     p3,
                     8,
                     0};
    tgr_check_event(t, &ev, &x3);
    tgr_next_ok(&im, &ev);
    assert_int_equal(ev.header_type, ETWCAP_HDR_FULL32);
    tgr_assert_guid(&ev.provider, &G_KTC);
    assert_int_equal(ev.opcode, 36);
    assert_int_equal(ev.payload_len, 4 + 4 + 16 + 4 + 6);
    assert_string_equal((const char *)ev.payload + 28, "x.pdb");
    tgr_next_ok(&im, &ev);
    assert_int_equal(ev.header_type, ETWCAP_HDR_INSTANCE64);
    assert_int_equal(ev.payload_len, 0);
    tgr_next_ok(&im, &ev);
    assert_int_equal(ev.header_type, ETWCAP_HDR_EVENT32);
    assert_int_equal(ev.id, 143);
    assert_int_equal(ev.ext_count, 3);
    assert_string_equal(ev.x.container_id, "5c1f4e2a-7b3d-4a9e-8f61-2d0c9b7e4a13");
    assert_non_null(ev.x.stack);
    assert_int_equal(ev.x.stack->type, ETWCAP_EXT_STACK_TRACE64);
    assert_int_equal(ev.x.stack->size, 8 + 16);
    assert_int_equal(etwcap_rd64(ev.x.stack->data), 5);
    assert_int_equal(etwcap_rd64(ev.x.stack->data + 16), 2);
    assert_int_equal(ev.x.process_start_key, 0x77);
    assert_int_equal(ev.payload_len, 10);
    tgr_next_ok(&im, &ev);
    assert_int_equal(ev.kind, ETWCAP_KIND_MESSAGE);
    assert_int_equal(ev.cpu, 0);
    assert_int_equal(ev.id, 12);
    assert_int_equal(ev.pid, 1);
    assert_int_equal(ev.tid, 2);
    assert_int_equal(ev.flags, TESTGEN_MSG_GUID | TESTGEN_MSG_TIMESTAMP | TESTGEN_MSG_SYSTEMINFO |
                                   TESTGEN_MSG_POINTER64);
    assert_int_equal(ev.payload_len, 1);
    tgr_next_ok(&im, &ev);
    assert_int_equal(ev.hook_id, 0x0301);
    assert_int_equal(ev.cpu, 1);
    assert_int_equal(ev.pid, 4); /* the creator: ppid by default */
    assert_int_equal(ev.tid, 8);
    assert_int_equal(etwcap_rd32(ev.payload + 8), 500);
    tgr_next_ok(&im, &ev);
    assert_int_equal(ev.hook_id, 0x1820);
    assert_int_equal(ev.cpu, 1);
    assert_int_equal(etwcap_rd64(ev.payload), 1800); /* EventTimeStamp = ts by default */
    assert_int_equal(ev.payload_len, 16 + 16);
    tgr_next_ok(&im, &ev);
    assert_int_equal(ev.hook_id, 0x0f2e);
    assert_int_equal(ev.cpu, 0); /* cpu= applied to one record only */
    assert_int_equal(ev.payload[14], 1);
    tgr_next_ok(&im, &ev);
    assert_int_equal(ev.header_type, ETWCAP_HDR_EVENT64);
    assert_int_equal(ev.id, 143);
    assert_int_equal(ev.version, 2);
    assert_int_equal(ev.task, 9);
    assert_int_equal(ev.opcode, 37);
    assert_int_equal(ev.keyword, 0x30);
    assert_non_null(ev.x.stack_key);
    assert_int_equal(etwcap_rd64(ev.x.stack_key->data + 8), 0x99);
    assert_int_equal(ev.ext_count, 2);
    /* ext-aligned: Reserved1 is align8(8 + DataSize) in the record */
    assert_int_equal(etwcap_rd16(ev.x.stack_key->data - 8), 24);
    assert_int_equal(etwcap_rd16(ev.ext[1].data - 8), 48);
    tgr_next_ok(&im, &ev);
    assert_int_equal(ev.hook_id, 0x030a);
    tgr_assert_guid(&ev.provider, &G_IMAGE);
    assert_int_equal(ev.opcode, 10);
    assert_int_equal(ev.pid, 500);
    tgr_next_ok(&im, &ev);
    assert_int_equal(ev.opcode, 0);
    assert_int_equal(ev.timestamp, 2100);
    tgr_next_ok(&im, &ev);
    assert_int_equal(ev.opcode, 36);
    assert_int_equal(ev.timestamp, 2100);
    tgr_next_ok(&im, &ev);
    assert_int_equal(ev.hook_id, 0);
    assert_int_equal(ev.timestamp, 2200);
    tgr_next_ok(&im, &ev);
    assert_int_equal(ev.hook_id, 0x0301);
    assert_int_equal(ev.timestamp, 2300);
    tgr_expect_end(&im);
    assert_int_equal(etwcap_reader_stats_get(im.r)->header_records, 2);
    tgr_close(&im);
    testgen_free(t);

    /* No trace line: defaults. */
    t = desc("system64 group=3 opcode=1 ts=5\n", err, sizeof err);
    assert_non_null(t);
    assert_int_equal(testgen_get_options(t)->pointer_size, 8);
    testgen_free(t);
    t = desc("", err, sizeof err);
    assert_non_null(t);
    testgen_free(t);
}

static void test_desc_errors(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        const char *msg;
    } cases[] = {
        {"trace cpus=2\nbogus x=1\n", "line 2: unknown directive 'bogus'"},
        {"trace cpus=2\nsystem64 pid=abc\n", "line 2: bad number 'abc' for 'pid'"},
        {"\n\nsystem64 colour=red\n", "line 3: unknown key 'colour' for 'system64'"},
        {"system64 pid=1 pid=2\n", "line 1: 'pid' given twice"},
        {"system64 payload=\"0102\n", "line 1: unterminated quote"},
        {"system64 ts=1\ntrace cpus=2\n", "line 2: 'trace' must be the first directive"},
        {"trace cpus=2\nbuffer cpu=2\n", "line 2: CPU 2 out of range"},
        {"trace cpus=2\nsystem64 cpu=7\n", "line 2: CPU 7 out of range"},
        {"full64 opcode=1\n", "line 1: 'full64' needs guid="},
        {"event64 id=1\n", "line 1: 'event64' needs provider="},
        {"event64 provider=1234\n", "line 1: bad GUID '1234'"},
        {"trace pointer=6\n", "line 1: pointer size must be 4 or 8"},
        {"trace clock=sundial\n", "line 1: clock must be"},
        {"trace start=yesterday\n", "line 1: bad time 'yesterday'"},
        {"system64 group=256\n", "line 1: 'group' value 256 is larger than 255"},
        {"system64 payload=0g\n", "line 1: bad hex bytes"},
        {"system64 +u8=300\n", "line 1: '+u8' value 300 does not fit in 8 bits"},
        {"system64 +float=1\n", "line 1: unknown payload item '+float'"},
        {"process-start pid=1\n", "line 1: 'process-start' needs name="},
        {"process-start name=a sid=S-1\n", "line 1: bad process payload"},
        {"stackwalk pid=1\n", "line 1: 'stackwalk' needs frames="},
        {"stackwalk frames=1,,2\n", "line 1: bad list item in 'frames'"},
        {"sample hdr=event64\n", "line 1: 'sample' takes hdr=system32, system64,"},
        {"clr-method-load hdr=system64 name=x\n",
         "line 1: 'clr-method-load' takes hdr=event32 or event64, not 'system64'"},
        {"event64 provider=e13c0d23-ccbc-4e12-931b-d9cc2eee27e4 container=abc\n",
         "line 1: bad container id 'abc'"},
        {"event64 provider=e13c0d23-ccbc-4e12-931b-d9cc2eee27e4 ext=zz:00\n",
         "line 1: unknown extended item type 'zz'"},
        {"cpu\n", "line 1: 'cpu' takes one number"},
        {"buffer compress=maybe\n", "line 1: 'compress' takes no value or 0/1"},
        {"trace buffer-size=256 header-buffer-size=1024\nsystem64 +zeros=1000\n",
         "line 2: record of 1032 bytes does not fit"},
        {"system64 pid\n", "line 1: 'pid' needs a value"},
        {"=5\n", "line 1: '=' without a key"},
        {"system64=5\n", "line 1: line must start with a directive"},
        {"system64 a\"b=1\n", "line 1: unexpected quote"},
        {"system64 pid='1'x\n", "line 1: text after closing quote"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char err[300] = "";
        testgen_trace *t = desc(cases[i].text, err, sizeof err);
        if (t) {
            testgen_free(t);
            fail_msg("case %u was accepted: %s", (unsigned)i, cases[i].text);
        }
        if (strncmp(err, cases[i].msg, strlen(cases[i].msg)) != 0)
            fail_msg("case %u: got \"%s\", want \"%s...\"", (unsigned)i, err, cases[i].msg);
    }
}

/* ---- the README's example ---------------------------------------------------------------------
 */

static void test_example(void **state)
{
    (void)state;
    char err[300];
    testgen_trace *t = testgen_example(err, sizeof err);
    if (!t)
        fail_msg("%s", err);
    tgr_image im = {0};
    tgr_open(t, &im, 0);
    /* Deterministic: a second build gives the same bytes. */
    testgen_trace *t2 = testgen_example(err, sizeof err);
    assert_non_null(t2);
    uint8_t *d2;
    size_t len2;
    assert_int_equal(testgen_write_mem(t2, &d2, &len2), 0);
    assert_int_equal(len2, im.len);
    assert_memory_equal(d2, im.data, len2);
    free(d2);
    testgen_free(t2);

    const etwcap_logfile_info *li = etwcap_reader_info(im.r);
    assert_int_equal(li->num_cpus, 2);
    assert_int_equal(li->pointer_size, 8);
    assert_int_equal(li->header_is_64bit, 1);
    assert_int_equal(li->log_file_mode & TESTGEN_MODE_COMPRESSED, TESTGEN_MODE_COMPRESSED);

    etwcap_event ev;
    size_t n = 0, samples = 0, stackwalks = 0, method_loads = 0, with_container = 0, with_stack = 0,
           image_events = 0, image_ids = 0, proc_events = 0, thread_events = 0;
    int64_t prev = 0, last_sample_ts = -1, last_image_ts = -1;
    int cpus_seen[2] = {0, 0};
    while (etwcap_reader_next(im.r, &ev) == ETWCAP_OK) {
        assert_true(ev.timestamp >= prev);
        prev = ev.timestamp;
        assert_true(ev.cpu < 2);
        cpus_seen[ev.cpu] = 1;
        if (ev.kind == ETWCAP_KIND_KERNEL && ev.hook_id == 0x0f2e) {
            samples++;
            last_sample_ts = ev.timestamp;
        } else if (ev.kind == ETWCAP_KIND_KERNEL && ev.hook_id == 0x1820) {
            stackwalks++;
            assert_int_equal(ev.timestamp, last_sample_ts); /* follows its sample */
            assert_int_equal((int64_t)etwcap_rd64(ev.payload), ev.timestamp);
        } else if (ev.kind == ETWCAP_KIND_KERNEL && etwcap_guid_equal(&ev.provider, &G_IMAGE)) {
            image_events++;
            last_image_ts = ev.timestamp;
        } else if (ev.kind == ETWCAP_KIND_CLASSIC && etwcap_guid_equal(&ev.provider, &G_KTC)) {
            image_ids++;
            assert_int_equal(ev.timestamp, last_image_ts);
            assert_int_equal(ev.header_type, ETWCAP_HDR_FULL64);
        } else if (ev.kind == ETWCAP_KIND_KERNEL && etwcap_guid_equal(&ev.provider, &G_PROCESS)) {
            proc_events++;
        } else if (ev.kind == ETWCAP_KIND_KERNEL && etwcap_guid_equal(&ev.provider, &G_THREAD)) {
            thread_events++;
        } else if (ev.kind == ETWCAP_KIND_MANIFEST && ev.id == 143) {
            method_loads++;
            tgr_assert_guid(&ev.provider, &G_CLR);
            assert_int_equal(ev.header_type, ETWCAP_HDR_EVENT64);
            assert_int_equal(ev.task, 9);
            assert_int_equal(ev.opcode, 37);
            assert_int_equal(ev.pid, 5120);
        }
        if (ev.x.has_container_id) {
            with_container++;
            assert_string_equal(ev.x.container_id, "5c1f4e2a-7b3d-4a9e-8f61-2d0c9b7e4a13");
        }
        if (ev.x.stack)
            with_stack++;
        n++;
    }
    assert_int_equal(n, 57);
    assert_int_equal(cpus_seen[0] + cpus_seen[1], 2);
    assert_int_equal(samples, 10);
    assert_int_equal(stackwalks, 8);
    assert_int_equal(method_loads, 3);
    assert_int_equal(with_stack, 3);
    assert_int_equal(with_container, 3);
    assert_int_equal(image_events, 12);
    assert_int_equal(image_ids, 10);
    assert_int_equal(proc_events, 4);
    assert_int_equal(thread_events, 7);
    const etwcap_reader_stats *s = etwcap_reader_stats_get(im.r);
    assert_int_equal(s->buffers, 6);
    assert_int_equal(s->buffers_compressed, 5);
    tgr_close(&im);
    testgen_free(t);
    assert_non_null(strstr(testgen_example_desc(), "trace pointer=8 cpus=2"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_desc_build),
        cmocka_unit_test(test_desc_errors),
        cmocka_unit_test(test_example),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
