/* test_testgen.c - the test-trace writer, checked by reading its files back
 * with the real reader (etwcap_reader_open_memory / etwcap_reader_next).
 *
 * Every header type, compressed and uncompressed buffers, 32- and 64-bit
 * logfile headers, several CPUs and the payload helpers. The text description
 * format and the README's example trace: test_testgen_desc.c.
 */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/bytes.h"
#include "etwcap/reader.h"
#include "reader/lz77.h"
#include "testgen.h"
#include "testgen_read.h"

/* ---- helpers ------------------------------------------------------------- */

static const etwcap_guid G_PROCESS = TESTGEN_GUID_PROCESS;
static const etwcap_guid G_THREAD = TESTGEN_GUID_THREAD;
static const etwcap_guid G_PERFINFO = TESTGEN_GUID_PERFINFO;
static const etwcap_guid G_IMAGE = TESTGEN_GUID_IMAGE;
static const etwcap_guid G_STACKWALK = TESTGEN_GUID_STACKWALK;
static const etwcap_guid G_KTC = TESTGEN_GUID_KTC_IMAGEID;
static const etwcap_guid G_CLR = TESTGEN_GUID_CLR_RUNTIME;
static const etwcap_guid G_PROV = {
    0x11223344, 0x5566, 0x7788, {0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x01}};
static const etwcap_guid G_ACT = {0xa1a2a3a4, 0xb1b2, 0xc1c2, {1, 2, 3, 4, 5, 6, 7, 8}};
static const etwcap_guid G_CONT = {
    0x5c1f4e2a, 0x7b3d, 0x4a9e, {0x8f, 0x61, 0x2d, 0x0c, 0x9b, 0x7e, 0x4a, 0x13}};

static testgen_trace *new_trace(void (*tweak)(testgen_options *))
{
    testgen_options o;
    testgen_options_init(&o);
    if (tweak)
        tweak(&o);
    testgen_trace *t = testgen_new(&o);
    assert_non_null(t);
    return t;
}

/* ---- logfile header ---------------------------------------------------------- */

static void tweak_info64(testgen_options *o)
{
    o->num_cpus = 3;
    o->buffer_size = 4096;
    o->perf_freq = 3579545;
    o->cpu_mhz = 3401;
    o->start_time = 133000000000000000;
    o->boot_time = 132999000000000000;
    o->os_major = 6;
    o->os_minor = 3;
    o->os_build = 9600;
    o->session_name = "Sitzung \xc3\xbc \xe2\x82\xac \xf0\x9f\x98\x80"; /* ü € U+1F600 */
    o->logfile_name = "C:\\traces\\t.etl";
    o->events_lost = 7;
    o->buffers_lost = 3;
    o->log_file_mode = TESTGEN_MODE_SEQUENTIAL | TESTGEN_MODE_SYSTEM_LOGGER;
    o->timer_resolution = 100000;
    o->max_file_size = 250;
    o->start_buffers = 1;
    o->tz_bias = 480;
    o->tz_standard_name = "Pacific Standard Time";
    o->header_timestamp = 123456789;
    o->header_pid = 1234;
    o->header_tid = 5678;
}

static void test_logfile_info_64(void **state)
{
    (void)state;
    testgen_trace *t = new_trace(tweak_info64);
    const testgen_options *o = testgen_get_options(t);
    uint8_t pl[4] = {1, 2, 3, 4};
    assert_int_equal(
        testgen_system(t, ETWCAP_HDR_SYSTEM64, 3, 1, 4, 1, 2, 123456789 + 3579545, pl, sizeof pl),
        0);
    tgr_image im = {0};
    tgr_open(t, &im, 0);
    const etwcap_logfile_info *li = etwcap_reader_info(im.r);
    assert_non_null(li);
    assert_int_equal(li->buffer_size, 4096);
    assert_int_equal(li->os_major, 6);
    assert_int_equal(li->os_minor, 3);
    assert_int_equal(li->layout_major, 1);
    assert_int_equal(li->layout_minor, 5);
    assert_int_equal(li->os_build, 9600);
    assert_int_equal(li->num_cpus, 3);
    /* EndTime: one second (3579545 ticks) after the start. */
    assert_int_equal(li->end_time, o->start_time + 10000000);
    assert_int_equal(li->timer_resolution, 100000);
    assert_int_equal(li->max_file_size, 250);
    assert_int_equal(li->log_file_mode, TESTGEN_MODE_SEQUENTIAL | TESTGEN_MODE_SYSTEM_LOGGER);
    assert_int_equal(li->buffers_written, 1);
    assert_int_equal(li->start_buffers, 1);
    assert_int_equal(li->pointer_size, 8);
    assert_int_equal(li->events_lost, 7);
    assert_int_equal(li->cpu_mhz, 3401);
    assert_int_equal(li->tz_bias_minutes, 480);
    assert_int_equal(li->boot_time, 132999000000000000);
    assert_int_equal(li->perf_freq, 3579545);
    assert_int_equal(li->start_time, 133000000000000000);
    assert_int_equal(li->clock_type, TESTGEN_CLOCK_QPC);
    assert_int_equal(li->buffers_lost, 3);
    assert_int_equal(li->header_timestamp, 123456789);
    assert_int_equal(li->header_is_64bit, 1);
    assert_string_equal(li->session_name, o->session_name);
    assert_string_equal(li->logfile_name, "C:\\traces\\t.etl");

    etwcap_event ev;
    tgr_next_ok(&im, &ev);
    tgr_check_header_event(t, &ev, 64);
    /* The session name went out as UTF-16LE with a surrogate pair. */
    const uint8_t *names = ev.payload + 0x118;
    static const uint8_t want[] = {'S',  0,    'i', 0, 't',  0,    'z',  0,    'u', 0,
                                   'n',  0,    'g', 0, ' ',  0,    0xfc, 0,    ' ', 0,
                                   0xac, 0x20, ' ', 0, 0x3d, 0xd8, 0x00, 0xde, 0,   0};
    assert_memory_equal(names, want, sizeof want);
    assert_int_equal(ev.payload_len, 0x118 + sizeof want + (size_t)2 * 16);
    tgr_next_ok(&im, &ev);
    assert_int_equal(ev.filetime, o->start_time + 10000000);
    tgr_expect_end(&im);
    const etwcap_reader_stats *s = etwcap_reader_stats_get(im.r);
    assert_int_equal(s->header_records, 1);
    assert_int_equal(s->records, 2);
    tgr_close(&im);
    testgen_free(t);
}

static void tweak_info32(testgen_options *o)
{
    o->pointer_size = 4;
    o->num_cpus = 2;
    o->os_major = 6;
    o->os_minor = 1;
    o->os_build = 7601;
    o->session_name = "NT Kernel Logger";
    o->logfile_name = "C:\\kernel.etl";
    o->clock_type = TESTGEN_CLOCK_SYSTEM_TIME;
    o->header_timestamp = 133000000000000000;
    o->start_time = 133000000000000000;
    o->log_file_mode = TESTGEN_MODE_COMPRESSED | TESTGEN_MODE_SEQUENTIAL;
    o->compress = 1;
    o->end_time = 133000000900000000;
}

static void test_logfile_info_32(void **state)
{
    (void)state;
    testgen_trace *t = new_trace(tweak_info32);
    assert_int_equal(testgen_set_cpu(t, 1), 0); /* a compressed data buffer */
    assert_int_equal(
        testgen_system(t, ETWCAP_HDR_SYSTEM32, 5, 1, 3, 4, 8, 133000000012345678, NULL, 0), 0);
    tgr_image im = {0};
    tgr_open(t, &im, 0);
    const etwcap_logfile_info *li = etwcap_reader_info(im.r);
    assert_non_null(li);
    assert_int_equal(li->pointer_size, 4);
    assert_int_equal(li->header_is_64bit, 0);
    assert_int_equal(li->layout_major, 2); /* compressed mode: layout 2.0 */
    assert_int_equal(li->layout_minor, 0);
    assert_int_equal(li->os_build, 7601);
    assert_int_equal(li->num_cpus, 2);
    assert_int_equal(li->clock_type, TESTGEN_CLOCK_SYSTEM_TIME);
    assert_int_equal(li->end_time, 133000000900000000);
    assert_int_equal(li->buffers_written, 2);
    assert_int_equal(li->perf_freq, 10000000);
    assert_string_equal(li->session_name, "NT Kernel Logger");
    assert_string_equal(li->logfile_name, "C:\\kernel.etl");
    etwcap_event ev;
    tgr_next_ok(&im, &ev);
    tgr_check_header_event(t, &ev, 32);
    tgr_next_ok(&im, &ev);
    assert_int_equal(ev.header_type, ETWCAP_HDR_SYSTEM32);
    assert_int_equal(ev.filetime, 133000000012345678); /* clock 2: raw is FILETIME */
    assert_int_equal(ev.cpu, 1);
    tgr_expect_end(&im);
    assert_int_equal(etwcap_reader_stats_get(im.r)->buffers_compressed, 1);
    tgr_close(&im);
    testgen_free(t);
}

/* A 32-bit TRACE_LOGFILE_HEADER in a file whose PointerSize is 8, and the
 * CPU-cycle clock. */
static void tweak_info_mixed(testgen_options *o)
{
    o->logfile_header_bits = 32;
    o->clock_type = TESTGEN_CLOCK_CPU_CYCLES;
    o->cpu_mhz = 2000;
}

static void test_logfile_info_mixed_cycles(void **state)
{
    (void)state;
    testgen_trace *t = new_trace(tweak_info_mixed);
    const testgen_options *o = testgen_get_options(t);
    int64_t ts = o->header_timestamp + 2000000; /* 1 ms at 2000 MHz */
    assert_int_equal(testgen_perfinfo(t, ETWCAP_HDR_PERFINFO64, 0x0F, 46, 2, ts, NULL, 0), 0);
    tgr_image im = {0};
    tgr_open(t, &im, 0);
    const etwcap_logfile_info *li = etwcap_reader_info(im.r);
    assert_int_equal(li->pointer_size, 8);
    assert_int_equal(li->header_is_64bit, 0);
    assert_int_equal(li->clock_type, TESTGEN_CLOCK_CPU_CYCLES);
    assert_int_equal(li->cpu_mhz, 2000);
    assert_string_equal(li->session_name, "etwcap-testgen");
    etwcap_event ev;
    tgr_next_ok(&im, &ev);
    tgr_check_header_event(t, &ev, 32);
    tgr_next_ok(&im, &ev);
    assert_int_equal(ev.filetime, o->start_time + 10000);
    assert_int_equal(etwcap_logfile_to_filetime(li, ts), o->start_time + 10000);
    tgr_expect_end(&im);
    tgr_close(&im);
    testgen_free(t);
}

/* ---- every header type ---------------------------------------------------------- */

static const uint8_t PAYLOAD[] = {0xde, 0xad, 0xbe, 0xef, 0x01, 0x02, 0x03, 0x04, 0x05,
                                  0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d};

static void tweak_2cpu(testgen_options *o)
{
    o->num_cpus = 2;
}

/* Records of every header type (1-15), appended to the open buffer of `t`;
 * `sb` receives the bytes of record 13's stack item. */
static void append_header_types(testgen_trace *t, int64_t ts, testgen_buf *sb)
{
    testgen_record r;
    /* 1. SYSTEM32 with CPU times */
    memset(&r, 0, sizeof r);
    r.header_type = ETWCAP_HDR_SYSTEM32;
    r.group = 3;
    r.opcode = 1;
    r.version = 3;
    r.pid = 100;
    r.tid = 101;
    r.timestamp = ts + 1;
    r.kernel_time = 11;
    r.user_time = 12;
    r.payload = PAYLOAD;
    r.payload_len = 5;
    assert_int_equal(testgen_append(t, &r), 0);
    /* 2. SYSTEM64 */
    assert_int_equal(testgen_system(t, ETWCAP_HDR_SYSTEM64, 5, 3, 3, 200, 201, ts + 2, PAYLOAD, 17),
                     0);
    /* 3-4. COMPACT32/64 */
    assert_int_equal(
        testgen_system(t, ETWCAP_HDR_COMPACT32, 0x14, 10, 3, 300, 301, ts + 3, PAYLOAD, 3), 0);
    assert_int_equal(
        testgen_system(t, ETWCAP_HDR_COMPACT64, 0x05, 36, 4, 400, 401, ts + 4, PAYLOAD, 16), 0);
    /* 5-6. PERFINFO32/64 */
    assert_int_equal(testgen_perfinfo(t, ETWCAP_HDR_PERFINFO32, 0x0F, 46, 2, ts + 5, PAYLOAD, 8),
                     0);
    assert_int_equal(testgen_perfinfo(t, ETWCAP_HDR_PERFINFO64, 0x18, 32, 2, ts + 6, PAYLOAD, 17),
                     0);
    /* 7. PERFINFO64 with a PEBS index and two PMC counters before the payload */
    memset(&r, 0, sizeof r);
    r.header_type = ETWCAP_HDR_PERFINFO64;
    r.group = 0x0F;
    r.opcode = 47;
    r.version = 2;
    r.has_pebs = 1;
    r.pebs_index = 0x1111;
    r.pmc_count = 2;
    r.pmc[0] = 0x2222;
    r.pmc[1] = 0x3333;
    r.timestamp = ts + 7;
    r.payload = PAYLOAD;
    r.payload_len = 9;
    assert_int_equal(testgen_append(t, &r), 0);
    /* 8-9. FULL32/64 */
    assert_int_equal(
        testgen_classic(t, ETWCAP_HDR_FULL32, &G_PROV, 12, 4, 3, 800, 801, ts + 8, PAYLOAD, 6), 0);
    memset(&r, 0, sizeof r);
    r.header_type = ETWCAP_HDR_FULL64;
    r.guid = G_KTC;
    r.opcode = 36;
    r.level = 0;
    r.version = 2;
    r.pid = 900;
    r.tid = 901;
    r.timestamp = ts + 9;
    r.kernel_time = 9;
    r.user_time = 21;
    r.payload = PAYLOAD;
    r.payload_len = 17;
    assert_int_equal(testgen_append(t, &r), 0);
    /* 10-11. INSTANCE32/64 */
    memset(&r, 0, sizeof r);
    r.header_type = ETWCAP_HDR_INSTANCE32;
    r.guid = G_PROV;
    r.opcode = 1;
    r.level = 5;
    r.version = 1;
    r.pid = 1000;
    r.tid = 1001;
    r.timestamp = ts + 10;
    r.instance_id = 77;
    r.parent_instance_id = 76;
    r.parent_guid = G_ACT;
    r.payload = PAYLOAD;
    r.payload_len = 4;
    assert_int_equal(testgen_append(t, &r), 0);
    r.header_type = ETWCAP_HDR_INSTANCE64;
    r.opcode = 2;
    r.pid = 1100;
    r.tid = 1101;
    r.timestamp = ts + 11;
    assert_int_equal(testgen_append(t, &r), 0);
    /* 12. EVENT32 without extended items */
    testgen_descriptor d = {145, 1, 0x10, 5, 42, 9, 0x10};
    assert_int_equal(
        testgen_event(t, ETWCAP_HDR_EVENT32, &G_CLR, &d, 1200, 1201, ts + 12, NULL, 0, PAYLOAD, 13),
        0);
    /* 13. EVENT64 with flags, property, activity and one STACK_TRACE64 */
    uint64_t frames[3] = {0x7ffd00001000, 0x7ffd00002000, 0xfffff80000003000};
    assert_int_equal(testgen_ext_stack(sb, 8, 0, frames, 3), 0);
    testgen_ext ext = {ETWCAP_EXT_STACK_TRACE64, (uint16_t)sb->len, sb->data, 0};
    memset(&r, 0, sizeof r);
    r.header_type = ETWCAP_HDR_EVENT64;
    r.guid = G_PROV;
    r.id = 1000;
    r.version = 3;
    r.channel = 11;
    r.level = 2;
    r.opcode = 7;
    r.task = 0x1234;
    r.keyword = 0x8000000000000001ull;
    r.flags = 0x0040;
    r.event_property = 0x0008;
    r.activity_id = G_ACT;
    r.pid = 1300;
    r.tid = 1301;
    r.timestamp = ts + 13;
    r.kernel_time = 5;
    r.user_time = 6;
    r.ext = &ext;
    r.ext_count = 1;
    r.payload = PAYLOAD;
    r.payload_len = 17;
    assert_int_equal(testgen_append(t, &r), 0);
    /* 14. WPP message with GUID, timestamp and SYSTEMINFO */
    assert_int_equal(testgen_message(t, 17,
                                     TESTGEN_MSG_SEQUENCE | TESTGEN_MSG_GUID |
                                         TESTGEN_MSG_TIMESTAMP | TESTGEN_MSG_SYSTEMINFO |
                                         TESTGEN_MSG_POINTER64,
                                     &G_PROV, 0, ts + 14, 1400, 1401, PAYLOAD, 7),
                     0);
    /* 15. WPP message with a component id, 32-bit */
    assert_int_equal(
        testgen_message(t, 18,
                        TESTGEN_MSG_COMPONENT_ID | TESTGEN_MSG_TIMESTAMP | TESTGEN_MSG_POINTER32,
                        NULL, 0xabcdef, ts + 15, 0, 0, PAYLOAD, 2),
        0);
}

static void header_types(int compressed)
{
    testgen_trace *t = new_trace(tweak_2cpu);
    const testgen_options *o = testgen_get_options(t);
    int64_t ts = o->header_timestamp;
    testgen_buf sb = TESTGEN_BUF_INIT;
    assert_int_equal(testgen_begin_buffer(t, 1, compressed), 0);
    append_header_types(t, ts, &sb);

    tgr_image im = {0};
    tgr_open(t, &im, 0);
    etwcap_event ev;
    tgr_next_ok(&im, &ev);
    tgr_check_header_event(t, &ev, 64);

    etwcap_guid comp = {0xabcdef, 0, 0, {0, 0, 0, 0, 0, 0, 0, 0}};
    const tgr_expect want[] = {
        {ETWCAP_KIND_KERNEL,
         ETWCAP_HDR_SYSTEM32,
         4,
         &G_PROCESS,
         0,
         3,
         0,
         0,
         1,
         0,
         0,
         0x0301,
         0,
         0,
         100,
         101,
         1,
         11,
         12,
         NULL,
         ts + 1,
         PAYLOAD,
         5,
         0},
        {ETWCAP_KIND_KERNEL,
         ETWCAP_HDR_SYSTEM64,
         8,
         &G_THREAD,
         0,
         3,
         0,
         0,
         3,
         0,
         0,
         0x0503,
         0,
         0,
         200,
         201,
         1,
         0,
         0,
         NULL,
         ts + 2,
         PAYLOAD,
         17,
         0},
        {ETWCAP_KIND_KERNEL,
         ETWCAP_HDR_COMPACT32,
         4,
         &G_IMAGE,
         0,
         3,
         0,
         0,
         10,
         0,
         0,
         0x140a,
         0,
         0,
         300,
         301,
         1,
         0,
         0,
         NULL,
         ts + 3,
         PAYLOAD,
         3,
         0},
        {ETWCAP_KIND_KERNEL,
         ETWCAP_HDR_COMPACT64,
         8,
         &G_THREAD,
         0,
         4,
         0,
         0,
         36,
         0,
         0,
         0x0524,
         0,
         0,
         400,
         401,
         1,
         0,
         0,
         NULL,
         ts + 4,
         PAYLOAD,
         16,
         0},
        {ETWCAP_KIND_KERNEL,
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
         ts + 5,
         PAYLOAD,
         8,
         0},
        {ETWCAP_KIND_KERNEL,
         ETWCAP_HDR_PERFINFO64,
         8,
         &G_STACKWALK,
         0,
         2,
         0,
         0,
         32,
         0,
         0,
         0x1820,
         0,
         0,
         ETWCAP_NO_ID,
         ETWCAP_NO_ID,
         1,
         0,
         0,
         NULL,
         ts + 6,
         PAYLOAD,
         17,
         0},
        {ETWCAP_KIND_KERNEL,
         ETWCAP_HDR_PERFINFO64,
         8,
         &G_PERFINFO,
         0,
         2,
         0,
         0,
         47,
         0,
         0,
         0x0f2f,
         0,
         0,
         ETWCAP_NO_ID,
         ETWCAP_NO_ID,
         1,
         0,
         0,
         NULL,
         ts + 7,
         PAYLOAD,
         9,
         0},
        {ETWCAP_KIND_CLASSIC,
         ETWCAP_HDR_FULL32,
         4,
         &G_PROV,
         0,
         3,
         0,
         4,
         12,
         0,
         0,
         0,
         0,
         0,
         800,
         801,
         1,
         0,
         0,
         NULL,
         ts + 8,
         PAYLOAD,
         6,
         0},
        {ETWCAP_KIND_CLASSIC,
         ETWCAP_HDR_FULL64,
         8,
         &G_KTC,
         0,
         2,
         0,
         0,
         36,
         0,
         0,
         0,
         0,
         0,
         900,
         901,
         1,
         9,
         21,
         NULL,
         ts + 9,
         PAYLOAD,
         17,
         0},
        {ETWCAP_KIND_CLASSIC,
         ETWCAP_HDR_INSTANCE32,
         4,
         &G_PROV,
         0,
         1,
         0,
         5,
         1,
         0,
         0,
         0,
         0,
         0,
         1000,
         1001,
         1,
         0,
         0,
         NULL,
         ts + 10,
         PAYLOAD,
         4,
         0},
        {ETWCAP_KIND_CLASSIC,
         ETWCAP_HDR_INSTANCE64,
         8,
         &G_PROV,
         0,
         1,
         0,
         5,
         2,
         0,
         0,
         0,
         0,
         0,
         1100,
         1101,
         1,
         0,
         0,
         NULL,
         ts + 11,
         PAYLOAD,
         4,
         0},
        {ETWCAP_KIND_MANIFEST,
         ETWCAP_HDR_EVENT32,
         4,
         &G_CLR,
         145,
         1,
         0x10,
         5,
         42,
         9,
         0x10,
         0,
         0,
         0,
         1200,
         1201,
         1,
         0,
         0,
         NULL,
         ts + 12,
         PAYLOAD,
         13,
         0},
        {ETWCAP_KIND_MANIFEST,
         ETWCAP_HDR_EVENT64,
         8,
         &G_PROV,
         1000,
         3,
         11,
         2,
         7,
         0x1234,
         0x8000000000000001ull,
         0,
         0x0041,
         0x0008,
         1300,
         1301,
         1,
         5,
         6,
         &G_ACT,
         ts + 13,
         PAYLOAD,
         17,
         1},
        {ETWCAP_KIND_MESSAGE,
         ETWCAP_HDR_MESSAGE,
         8,
         &G_PROV,
         17,
         0,
         0,
         0,
         0,
         0,
         0,
         0,
         0x00ab,
         0,
         1400,
         1401,
         1,
         0,
         0,
         NULL,
         ts + 14,
         PAYLOAD,
         7,
         0},
        {ETWCAP_KIND_MESSAGE,
         ETWCAP_HDR_MESSAGE,
         4,
         &comp,
         18,
         0,
         0,
         0,
         0,
         0,
         0,
         0,
         0x004c,
         0,
         ETWCAP_NO_ID,
         ETWCAP_NO_ID,
         1,
         0,
         0,
         NULL,
         ts + 15,
         PAYLOAD,
         2,
         0},
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        tgr_next_ok(&im, &ev);
        print_message("record %u (header type 0x%02x)\n", (unsigned)(i + 1),
                      (unsigned)want[i].header_type);
        tgr_check_event(t, &ev, &want[i]);
        if (want[i].header_type == ETWCAP_HDR_EVENT64) {
            assert_int_equal(ev.ext[0].type, ETWCAP_EXT_STACK_TRACE64);
            assert_int_equal(ev.ext[0].size, 8 + 3 * 8);
            assert_memory_equal(ev.ext[0].data, sb.data, sb.len);
            assert_ptr_equal(ev.x.stack, &ev.ext[0]);
            assert_null(ev.x.stack_key);
            assert_int_equal(ev.x.has_container_id, 0);
        }
        if (want[i].header_type == ETWCAP_HDR_MESSAGE)
            assert_int_equal(ev.message_number, want[i].id);
    }
    tgr_expect_end(&im);
    assert_int_equal(etwcap_reader_stats_get(im.r)->buffers_compressed, compressed ? 1 : 0);
    tgr_close(&im);
    testgen_buf_free(&sb);
    testgen_free(t);
}

static void test_header_types_plain(void **state)
{
    (void)state;
    header_types(0);
}

static void test_header_types_compressed(void **state)
{
    (void)state;
    header_types(1);
}

/* ---- extended items ----------------------------------------------------------------- */

static void test_extended_items(void **state)
{
    (void)state;
    testgen_trace *t = new_trace(NULL);
    int64_t ts = testgen_get_options(t)->header_timestamp + 100;
    testgen_buf b[10];
    for (int i = 0; i < 10; i++)
        memset(&b[i], 0, sizeof b[i]);
    uint64_t frames[2] = {0x401000, 0x402000};
    testgen_ext_container_id(&b[0], &G_CONT, 1); /* upper-case text, as Windows writes it */
    testgen_ext_stack(&b[1], 4, 0x99, frames, 2);
    testgen_ext_stack_key(&b[2], 8, 0x55, 0xfffff80012345678ull);
    testgen_put_u64(&b[3], 0x1000000000000abcull);
    testgen_put_sid(&b[4], "S-1-5-21-1004336348-1177238915-682003330-512");
    testgen_put_guid(&b[5], &G_ACT);
    static const uint8_t tl[] = {0x0a, 0x00, 0x00, 'E', 'v', 0, 'f', 0, 0x01, 0};
    testgen_put_bytes(&b[6], tl, sizeof tl);
    static const uint8_t traits[] = {0x0c, 0x00, 'P', 'r', 'o', 'v', 0, 0x03, 0, 0x01, 0, 0};
    testgen_put_bytes(&b[7], traits, sizeof traits);
    testgen_put_u32(&b[8], 3);
    testgen_ext ext[9] = {
        {ETWCAP_EXT_CONTAINER_ID, (uint16_t)b[0].len, b[0].data, 0},
        {ETWCAP_EXT_STACK_TRACE32, (uint16_t)b[1].len, b[1].data, 0},
        {ETWCAP_EXT_STACK_KEY64, (uint16_t)b[2].len, b[2].data, 0},
        {ETWCAP_EXT_PROCESS_START_KEY, (uint16_t)b[3].len, b[3].data, 0},
        {ETWCAP_EXT_SID, (uint16_t)b[4].len, b[4].data, 0},
        {ETWCAP_EXT_RELATED_ACTIVITYID, (uint16_t)b[5].len, b[5].data, 0},
        {ETWCAP_EXT_EVENT_SCHEMA_TL, (uint16_t)b[6].len, b[6].data, 0},
        /* Windows 7 writes PROV_TRAITS with Reserved1 = align8(8 + DataSize). */
        {ETWCAP_EXT_PROV_TRAITS, (uint16_t)b[7].len, b[7].data, (uint16_t)etwcap_align8(8 + 12)},
        {ETWCAP_EXT_TS_ID, (uint16_t)b[8].len, b[8].data, 0},
    };
    testgen_descriptor d = {1, 0, 0, 4, 0, 0, 0};
    assert_int_equal(
        testgen_event(t, ETWCAP_HDR_EVENT32, &G_PROV, &d, 7, 8, ts, ext, 9, PAYLOAD, 11), 0);
    /* Binary (16-byte) container id, as ferrisetw reads it. */
    testgen_put_guid(&b[9], &G_CONT);
    testgen_ext bin = {ETWCAP_EXT_CONTAINER_ID, 16, b[9].data, 0};
    assert_int_equal(
        testgen_event(t, ETWCAP_HDR_EVENT64, &G_PROV, &d, 7, 8, ts + 1, &bin, 1, NULL, 0), 0);
    /* An extended item with no data, last in the list. */
    testgen_ext empty = {ETWCAP_EXT_QPC_DELTA, 0, NULL, 0};
    assert_int_equal(
        testgen_event(t, ETWCAP_HDR_EVENT64, &G_PROV, &d, 7, 8, ts + 2, &empty, 1, PAYLOAD, 3), 0);

    tgr_image im = {0};
    tgr_open(t, &im, 0);
    etwcap_event ev;
    tgr_next_ok(&im, &ev);
    tgr_next_ok(&im, &ev);
    assert_int_equal(ev.header_type, ETWCAP_HDR_EVENT32);
    assert_int_equal(ev.flags, TESTGEN_EVENT_FLAG_EXTENDED_INFO);
    assert_int_equal(ev.ext_count, 9);
    for (size_t i = 0; i < 9; i++) {
        assert_int_equal(ev.ext[i].type, ext[i].type);
        assert_int_equal(ev.ext[i].size, ext[i].size);
        assert_memory_equal(ev.ext[i].data, ext[i].data, ext[i].size);
    }
    assert_int_equal(b[4].len, 8 + 4 * 5);
    assert_int_equal(ev.x.has_container_id, 1);
    assert_string_equal(ev.x.container_id, "5c1f4e2a-7b3d-4a9e-8f61-2d0c9b7e4a13");
    assert_ptr_equal(ev.x.stack, &ev.ext[1]);
    assert_ptr_equal(ev.x.stack_key, &ev.ext[2]);
    assert_int_equal(ev.x.process_start_key, 0x1000000000000abcull);
    const etwcap_ext_item *f = etwcap_event_find_ext(&ev, ETWCAP_EXT_TS_ID);
    assert_non_null(f);
    assert_int_equal(etwcap_rd32(f->data), 3);
    assert_int_equal(ev.payload_len, 11);
    assert_memory_equal(ev.payload, PAYLOAD, 11);

    tgr_next_ok(&im, &ev);
    assert_int_equal(ev.ext_count, 1);
    assert_int_equal(ev.x.has_container_id, 1);
    assert_string_equal(ev.x.container_id, "5c1f4e2a-7b3d-4a9e-8f61-2d0c9b7e4a13");
    assert_int_equal(ev.payload_len, 0);

    tgr_next_ok(&im, &ev);
    assert_int_equal(ev.ext_count, 1);
    assert_int_equal(ev.ext[0].type, ETWCAP_EXT_QPC_DELTA);
    assert_int_equal(ev.ext[0].size, 0);
    assert_int_equal(ev.payload_len, 3);
    assert_memory_equal(ev.payload, PAYLOAD, 3);
    tgr_expect_end(&im);
    tgr_close(&im);
    for (int i = 0; i < 10; i++)
        testgen_buf_free(&b[i]);
    testgen_free(t);
}

/* ---- several CPUs: the reader's timeline ---------------------------------------------- */

typedef struct cpu_case {
    int compress;
    int proc_index;
} cpu_case;

static void tweak_4cpu(testgen_options *o)
{
    o->num_cpus = 4;
    o->buffer_size = 512; /* a few records per buffer: many flushes */
}

static void tweak_4cpu_noidx(testgen_options *o)
{
    tweak_4cpu(o);
    o->proc_index = 0;
}

static void multi_cpu(int compress, int proc_index)
{
    testgen_trace *t = new_trace(proc_index ? tweak_4cpu : tweak_4cpu_noidx);
    int64_t t0 = testgen_get_options(t)->header_timestamp;
    enum {
        N = 200
    };
    int64_t last[4] = {t0, t0, t0, t0};
    /* Deterministic pseudo-random CPU choice and time steps. */
    uint32_t x = 12345;
    for (uint32_t cpu = 0; cpu < 4; cpu++)
        assert_int_equal(testgen_begin_buffer(t, cpu, compress && cpu != 2), 0);
    for (uint32_t i = 0; i < N; i++) {
        x = x * 1103515245u + 12345u;
        uint32_t cpu = (x >> 16) % 4;
        last[cpu] += 1 + (x >> 8) % 50;
        uint8_t pl[12];
        etwcap_wr32(pl, i);
        etwcap_wr32(pl + 4, cpu);
        etwcap_wr32(pl + 8, (uint32_t)(last[cpu] - t0));
        assert_int_equal(testgen_set_cpu(t, cpu), 0);
        assert_int_equal(testgen_system(t, ETWCAP_HDR_SYSTEM64, 5, 36, 2, 1, 1000 + cpu, last[cpu],
                                        pl, sizeof pl),
                         0);
    }
    assert_true(testgen_buffer_count(t) > 10);
    assert_int_equal(testgen_record_count(t), N + 1);

    tgr_image im = {0};
    tgr_open(t, &im, 0);
    etwcap_event ev;
    tgr_next_ok(&im, &ev);
    tgr_check_header_event(t, &ev, 64);
    int seen[N] = {0};
    int64_t prev = t0;
    for (uint32_t i = 0; i < N; i++) {
        tgr_next_ok(&im, &ev);
        assert_int_equal(ev.payload_len, 12);
        uint32_t idx = etwcap_rd32(ev.payload), cpu = etwcap_rd32(ev.payload + 4);
        assert_true(idx < N);
        assert_false(seen[idx]);
        seen[idx] = 1;
        assert_int_equal(ev.cpu, cpu);
        assert_int_equal(ev.tid, 1000 + cpu);
        assert_int_equal(ev.timestamp, t0 + etwcap_rd32(ev.payload + 8));
        assert_true(ev.timestamp >= prev); /* one global timeline */
        prev = ev.timestamp;
    }
    tgr_expect_end(&im);
    const etwcap_reader_stats *s = etwcap_reader_stats_get(im.r);
    assert_int_equal(s->records, N + 1);
    assert_int_equal(s->buffers, testgen_buffer_count(t));
    assert_int_equal(s->max_cpu, 3);
    assert_int_equal(etwcap_reader_info(im.r)->buffers_written, testgen_buffer_count(t));
    if (compress)
        assert_true(s->buffers_compressed > 0 && s->buffers_compressed < s->buffers);
    else
        assert_int_equal(s->buffers_compressed, 0);
    tgr_close(&im);

    /* File order (no merge): buffers as flushed, records in buffer order. */
    tgr_open(t, &im, 1);
    tgr_next_ok(&im, &ev);
    int64_t cpu_prev[4] = {t0, t0, t0, t0};
    uint32_t prev_buf = 0;
    for (uint32_t i = 0; i < N; i++) {
        tgr_next_ok(&im, &ev);
        assert_true(ev.buffer_index >= prev_buf);
        prev_buf = ev.buffer_index;
        assert_true(ev.timestamp >= cpu_prev[ev.cpu]);
        cpu_prev[ev.cpu] = ev.timestamp;
    }
    tgr_expect_end(&im);
    tgr_close(&im);
    testgen_free(t);
}

static void test_multi_cpu_plain(void **state)
{
    (void)state;
    multi_cpu(0, 1);
}

static void test_multi_cpu_compressed(void **state)
{
    (void)state;
    multi_cpu(1, 1);
}

static void test_multi_cpu_no_proc_index(void **state)
{
    (void)state;
    multi_cpu(1, 0);
}

/* ---- the bytes of the buffers ----------------------------------------------------------- */

static void tweak_layout(testgen_options *o)
{
    o->num_cpus = 2;
    o->buffer_size = 1024;
    o->header_buffer_size = 512;
    o->logger_id = 0x2c;
}

static void test_buffer_layout(void **state)
{
    (void)state;
    testgen_trace *t = new_trace(tweak_layout);
    int64_t t0 = testgen_get_options(t)->header_timestamp;
    uint8_t pl[40];
    memset(pl, 0x41, sizeof pl);
    assert_int_equal(testgen_begin_buffer(t, 1, 1), 0);
    for (int i = 0; i < 5; i++)
        assert_int_equal(testgen_system(t, ETWCAP_HDR_SYSTEM64, 3, 1, 4, 1, 2, t0 + 10 + i, pl, 33),
                         0);
    assert_int_equal(testgen_begin_buffer(t, 0, 0), 0);
    for (int i = 0; i < 3; i++)
        assert_int_equal(testgen_system(t, ETWCAP_HDR_SYSTEM64, 3, 1, 4, 1, 2, t0 + 20 + i, pl, 40),
                         0);
    uint8_t *d;
    size_t len;
    assert_int_equal(testgen_write_mem(t, &d, &len), 0);
    /* Buffer 0: the header buffer, 512 bytes, uncompressed, CPU 0. */
    assert_int_equal(etwcap_rd32(d + 0x00), 512);
    uint32_t hdr_end = etwcap_rd32(d + 0x30);
    assert_int_equal(etwcap_rd32(d + 0x04), hdr_end);
    assert_int_equal(etwcap_rd32(d + 0x08), hdr_end);
    assert_int_equal(etwcap_rd64(d + 0x10), 0);
    assert_int_equal(etwcap_rd64(d + 0x18), 0);
    assert_int_equal(etwcap_rd16(d + 0x28), 0);
    assert_int_equal(etwcap_rd16(d + 0x2A), 0x2c);
    assert_int_equal(etwcap_rd32(d + 0x2C), 3);
    assert_int_equal(etwcap_rd16(d + 0x34), 0x21); /* FLUSH_MARKER | PROC_INDEX */
    assert_int_equal(etwcap_rd16(d + 0x36), 4);    /* HEADER */
    assert_int_equal(hdr_end % 8, 0);
    for (uint32_t i = hdr_end; i < 512; i++)
        assert_int_equal(d[i], 0xFF);
    /* The header record: SYSTEM64, HookId 0, right at 0x48. */
    assert_int_equal(etwcap_rd32(d + 0x48) & 0xFFFF0000u, 0xC0020000u);
    assert_int_equal(etwcap_rd16(d + 0x4E), 0);
    /* begin_buffer(0) flushed the header buffer; at write the open buffers
     * follow in CPU order: buffer 1 is CPU 0's (uncompressed), buffer 2 CPU 1's. */
    size_t off = 512;
    assert_int_equal(etwcap_rd32(d + off), 1024);
    assert_int_equal(etwcap_rd64(d + off + 0x18), 1);
    assert_int_equal(etwcap_rd16(d + off + 0x28), 0);
    assert_int_equal(etwcap_rd16(d + off + 0x34), 0x20);
    assert_int_equal(etwcap_rd16(d + off + 0x36), 0);
    assert_int_equal(etwcap_rd64(d + off + 0x10), (uint64_t)(t0 + 22));
    uint32_t used = etwcap_rd32(d + off + 0x30);
    assert_int_equal(used, 0x48 + 3 * etwcap_align8(0x20 + 40));
    assert_int_equal(etwcap_rd32(d + off + 0x04), used);
    for (uint32_t i = used; i < 1024; i++)
        assert_int_equal(d[off + i], 0xFF);
    off += 1024;
    /* Buffer 2: CPU 1, compressed: on-disk size is 0x48 + compressed bytes. */
    uint32_t bs = etwcap_rd32(d + off);
    assert_int_equal(off + bs, len);
    assert_int_equal(etwcap_rd64(d + off + 0x18), 2);
    assert_int_equal(etwcap_rd16(d + off + 0x28), 1);
    assert_int_equal(etwcap_rd16(d + off + 0x34), 0x60); /* PROC_INDEX | COMPRESSED */
    assert_int_equal(etwcap_rd32(d + off + 0x2C), 3);
    used = etwcap_rd32(d + off + 0x30);
    assert_int_equal(used, 0x48 + 5 * etwcap_align8(0x20 + 33));
    assert_int_equal(etwcap_rd32(d + off + 0x04), used);
    uint8_t out[1024];
    size_t out_len = 0;
    assert_int_equal(
        etwcap_lz77_decompress(d + off + 0x48, bs - 0x48, out, sizeof out, &out_len, NULL),
        ETWCAP_LZ77_OK);
    assert_int_equal(out_len, used - 0x48);
    assert_int_equal(etwcap_rd32(out) & 0xFFFF0000u, 0xC0020000u);
    assert_int_equal(etwcap_rd16(out + 4), 0x20 + 33);
    assert_int_equal(etwcap_rd64(out + 0x10), (uint64_t)(t0 + 10));
    /* Gap after an unaligned record is zero-filled. */
    for (size_t i = 0x20 + 33; i < etwcap_align8(0x20 + 33); i++)
        assert_int_equal(out[i], 0);
    /* The header record knows the number of buffers and the end time. */
    assert_int_equal(etwcap_rd32(d + 0x48 + 0x20 + 0x24), 3);
    assert_int_equal(etwcap_rd64(d + 0x48 + 0x20 + 0x10),
                     (uint64_t)testgen_to_filetime(t, t0 + 22));
    free(d);
    testgen_free(t);
}

static void tweak_align8(testgen_options *o)
{
    o->compress = 1;
    o->compressed_align8 = 1;
    o->proc_index = 0;
    o->num_cpus = 9;
}

static void test_compressed_align8_and_cpu_byte(void **state)
{
    (void)state;
    testgen_trace *t = new_trace(tweak_align8);
    int64_t t0 = testgen_get_options(t)->header_timestamp;
    for (int i = 0; i < 9; i++) {
        uint8_t pl[5] = {(uint8_t)i, 1, 2, 3, 4};
        assert_int_equal(testgen_set_cpu(t, (uint32_t)(8 - i)), 0);
        assert_int_equal(
            testgen_system(t, ETWCAP_HDR_SYSTEM64, 3, 1, 4, 1, 2, t0 + 1 + i, pl, 3 + i % 3), 0);
    }
    uint8_t *d;
    size_t len;
    assert_int_equal(testgen_write_mem(t, &d, &len), 0);
    size_t off = 0, n = 0;
    while (off < len) {
        uint32_t bs = etwcap_rd32(d + off);
        uint16_t flag = etwcap_rd16(d + off + 0x34);
        assert_int_equal(d[off + 0x29], 8); /* Alignment byte (Windows 7 layout) */
        assert_int_equal(d[off + 0x28], n); /* buffer n holds CPU n */
        if (n == 0) {
            assert_int_equal(flag, 0x01); /* header buffer (with CPU 0's record): plain */
        } else {
            assert_int_equal(flag, 0x40);
            assert_int_equal(bs % 8, 0);
        }
        off += bs;
        n++;
    }
    assert_int_equal(off, len);
    assert_int_equal(n, 9);
    free(d);

    tgr_image im = {0};
    tgr_open(t, &im, 0);
    etwcap_event ev;
    tgr_next_ok(&im, &ev);
    for (int i = 0; i < 9; i++) {
        tgr_next_ok(&im, &ev);
        assert_int_equal(ev.cpu, 8 - i);
        assert_int_equal(ev.payload[0], i);
        assert_int_equal(ev.payload_len, 3 + i % 3);
    }
    tgr_expect_end(&im);
    /* Real files never pad a compressed buffer; with padding, the reader may
     * report the bytes after the stream (all records still decode). */
    tgr_close_allowing(&im, "exceeds output buffer");
    testgen_free(t);
}

/* Relogged files carry more than one header record. */
static void test_relogged_headers(void **state)
{
    (void)state;
    testgen_trace *t = new_trace(NULL);
    int64_t t0 = testgen_get_options(t)->header_timestamp;
    assert_int_equal(testgen_logfile_header(t, t0), 0);
    assert_int_equal(testgen_system(t, ETWCAP_HDR_SYSTEM64, 0, 5, 2, 0, 0, t0 + 1, NULL, 0), 0);
    tgr_image im = {0};
    tgr_open(t, &im, 0);
    etwcap_event ev;
    tgr_next_ok(&im, &ev);
    tgr_check_header_event(t, &ev, 64);
    tgr_next_ok(&im, &ev);
    tgr_check_header_event(t, &ev, 64);
    tgr_next_ok(&im, &ev);
    assert_int_equal(ev.hook_id, 5);
    tgr_expect_end(&im);
    assert_int_equal(etwcap_reader_stats_get(im.r)->header_records, 2);
    assert_int_equal(etwcap_reader_info(im.r)->buffers_written, 1);
    tgr_close(&im);
    testgen_free(t);
}

/* ---- payload helpers ---------------------------------------------------------------------- */

static void test_payload_process(void **state)
{
    (void)state;
    testgen_buf b = TESTGEN_BUF_INIT;
    testgen_process p = {0xffffc08a1e4c5080ull,
                         0x21C,
                         0x1CC,
                         1,
                         0x103,
                         0x1ad000,
                         4,
                         NULL,
                         "smss.exe",
                         "\\SystemRoot\\System32\\smss.exe",
                         NULL,
                         NULL};
    assert_int_equal(testgen_payload_process(&b, 8, 4, &p), 0);
    assert_int_equal(etwcap_rd64(b.data), 0xffffc08a1e4c5080ull);
    assert_int_equal(etwcap_rd32(b.data + 0x08), 0x21C);
    assert_int_equal(etwcap_rd32(b.data + 0x0C), 0x1CC);
    assert_int_equal(etwcap_rd32(b.data + 0x10), 1);
    assert_int_equal(etwcap_rd32(b.data + 0x14), 0x103);
    assert_int_equal(etwcap_rd64(b.data + 0x18), 0x1ad000);
    assert_int_equal(etwcap_rd32(b.data + 0x20), 4);
    assert_true(etwcap_rd32(b.data + 0x24) != 0); /* TOKEN_USER head, 16 bytes */
    static const uint8_t sid[] = {1, 1, 0, 0, 0, 0, 0, 5, 18, 0, 0, 0};
    assert_memory_equal(b.data + 0x24 + 16, sid, sizeof sid);
    assert_string_equal((const char *)b.data + 0x24 + 16 + 12, "smss.exe");
    size_t at = 0x24 + 16 + 12 + 9;
    assert_int_equal(b.data[at], '\\');
    assert_int_equal(b.data[at + 1], 0);
    size_t cl = 2 * (strlen(p.command_line) + 1);
    assert_int_equal(b.len, at + cl + 2 + 2); /* two empty wstr */
    /* v3, 32-bit, no SID */
    testgen_buf_reset(&b);
    p.sid = "";
    assert_int_equal(testgen_payload_process(&b, 4, 3, &p), 0);
    assert_int_equal(etwcap_rd32(b.data + 0x04), 0x21C);
    assert_int_equal(etwcap_rd32(b.data + 0x14), 0x1ad000);
    assert_int_equal(etwcap_rd32(b.data + 0x18), 0);
    assert_string_equal((const char *)b.data + 0x1C, "smss.exe");
    assert_int_equal(b.len, 0x1C + 9 + cl);
    /* bad SID and version */
    testgen_buf_reset(&b);
    p.sid = "S-1-x";
    assert_int_equal(testgen_payload_process(&b, 8, 4, &p), -1);
    testgen_buf_reset(&b);
    p.sid = NULL;
    assert_int_equal(testgen_payload_process(&b, 8, 5, &p), -1);
    testgen_buf_free(&b);
}

static void test_payload_others(void **state)
{
    (void)state;
    testgen_buf b = TESTGEN_BUF_INIT;
    testgen_thread th = {4, 8, 1, 2, 3, 4, 5, 6, 7, 9, 8, 5, 2, 0, NULL};
    assert_int_equal(testgen_payload_thread(&b, 8, 3, &th), 0);
    assert_int_equal(b.len, 72);
    assert_int_equal(etwcap_rd32(b.data + 4), 8);
    assert_int_equal(etwcap_rd64(b.data + 8 + (size_t)6 * 8), 7); /* TebBase */
    assert_int_equal(etwcap_rd32(b.data + 8 + (size_t)7 * 8), 9);
    assert_int_equal(b.data[12 + 7 * 8], 8);
    testgen_buf_reset(&b);
    assert_int_equal(testgen_payload_thread(&b, 4, 2, &th), 0);
    assert_int_equal(b.len, 8 + 7 * 4 + 4);

    testgen_buf_reset(&b);
    testgen_image img = {0x7ffd4c5a0000,
                         0x1f8000,
                         1234,
                         0x1f2c4b,
                         0x8e4a1c2d,
                         0,
                         0,
                         0x7ffd4c5a0000,
                         "\\Device\\HarddiskVolume3\\Windows\\System32\\a.dll"};
    assert_int_equal(testgen_payload_image(&b, 8, &img), 0);
    assert_int_equal(etwcap_rd32(b.data + 0x10), 1234);
    assert_int_equal(etwcap_rd32(b.data + 0x18), 0x8e4a1c2d);
    assert_int_equal(etwcap_rd64(b.data + 0x20), 0x7ffd4c5a0000);
    assert_int_equal(b.data[0x38], '\\');
    assert_int_equal(b.len, 0x38 + 2 * (strlen(img.file_name) + 1));
    testgen_buf_reset(&b);
    assert_int_equal(testgen_payload_image(&b, 4, &img), 0);
    assert_int_equal(etwcap_rd32(b.data + 0x08), 1234);
    assert_int_equal(b.data[0x2C], '\\');

    testgen_buf_reset(&b);
    assert_int_equal(testgen_payload_sample(&b, 8, 0x7ff612345678, 2472, 1, 0x3, 0), 0);
    assert_int_equal(b.len, 16);
    assert_int_equal(etwcap_rd32(b.data + 8), 2472);
    assert_int_equal(b.data[14], 3);

    testgen_buf_reset(&b);
    uint64_t fr[2] = {0x1000, 0x2000};
    assert_int_equal(testgen_payload_stackwalk(&b, 4, 123456, 4, 8, fr, 2), 0);
    assert_int_equal(b.len, 16 + 8);
    assert_int_equal(etwcap_rd64(b.data), 123456);
    assert_int_equal(etwcap_rd32(b.data + 20), 0x2000);
    testgen_buf_reset(&b);
    assert_int_equal(testgen_payload_stack_key_ref(&b, 8, 5, 6, 7, 0xabc), 0);
    assert_int_equal(b.len, 24);
    testgen_buf_reset(&b);
    assert_int_equal(testgen_payload_stack_key_def(&b, 8, 0xabc, fr, 2), 0);
    assert_int_equal(b.len, 24);

    testgen_buf_reset(&b);
    etwcap_guid sig = G_PROV;
    assert_int_equal(testgen_payload_dbgid_rsds(&b, 8, 0x7ff6a1b20000, 0, &sig, 2, "a.pdb"), 0);
    assert_int_equal(etwcap_rd32(b.data + 8 + 4 + 16), 2);
    assert_string_equal((const char *)b.data + 8 + 24, "a.pdb");
    testgen_buf_reset(&b);
    assert_int_equal(testgen_payload_image_id(&b, 8, 1, 2, 3, 4, "a.dll"), 0);
    assert_int_equal(etwcap_rd32(b.data + 20), 4);
    assert_int_equal(b.len, 24 + 12);

    testgen_buf_reset(&b);
    testgen_clr_method m = {1, 2, 3, 0x9e, 0x06000001, 0x188, "NS", "Main", "void ()", 8, 0};
    assert_int_equal(testgen_payload_clr_method_verbose(&b, 2, &m), 0);
    assert_int_equal(etwcap_rd32(b.data + 0x18), 0x9e);
    assert_int_equal(etwcap_rd32(b.data + 0x1C), 0x06000001);
    assert_int_equal(b.data[0x24], 'N');
    size_t strs = (size_t)2 * (3 + 5 + 8);
    assert_int_equal(etwcap_rd16(b.data + 0x24 + strs), 8);
    assert_int_equal(b.len, 0x24 + strs + 2 + 8);
    testgen_buf_reset(&b);
    assert_int_equal(testgen_payload_clr_method_verbose(&b, 0, &m), 0);
    assert_int_equal(b.len, 0x24 + strs);

    testgen_buf_reset(&b);
    testgen_clr_module mod;
    memset(&mod, 0, sizeof mod);
    mod.il_path = "C:\\a.dll";
    assert_int_equal(testgen_payload_clr_module(&b, 2, &mod), 0);
    assert_int_equal(b.len, 0x18 + 18 + 2 + 2 + 16 + 4 + 2 + 16 + 4 + 2);

    testgen_buf_reset(&b);
    uint32_t masks[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    assert_int_equal(testgen_payload_header_ext(&b, masks, 2), 0);
    assert_int_equal(b.len, 36);
    assert_int_equal(etwcap_rd32(b.data + 28), 8);
    testgen_buf_free(&b);
}

static void test_utf16_guid_time(void **state)
{
    (void)state;
    testgen_buf b = TESTGEN_BUF_INIT;
    /* valid 2-, 3- and 4-byte sequences, then an invalid byte and a truncated one */
    testgen_put_wstr(&b, "a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xff\xe2\x82");
    static const uint8_t want[] = {'a',  0,    0xe9, 0,    0xac, 0x20, 0x3d, 0xd8,
                                   0x00, 0xde, 0xfd, 0xff, 0xfd, 0xff, 0,    0};
    assert_int_equal(b.len, sizeof want);
    assert_memory_equal(b.data, want, sizeof want);
    testgen_buf_free(&b);

    etwcap_guid g;
    assert_int_equal(testgen_guid_parse("{E13C0D23-CCBC-4E12-931B-D9CC2EEE27E4}", &g), 0);
    tgr_assert_guid(&g, &G_CLR);
    assert_int_equal(testgen_guid_parse("e13c0d23-ccbc-4e12-931b-d9cc2eee27e", &g), -1);
    assert_int_equal(testgen_guid_parse("e13c0d23-ccbc-4e12-931b-d9cc2eee27eg", &g), -1);
    char s[37];
    testgen_guid_format(&G_CONT, s, 1);
    assert_string_equal(s, "5C1F4E2A-7B3D-4A9E-8F61-2D0C9B7E4A13");

    int64_t ft;
    assert_int_equal(testgen_parse_time("1601-01-01T00:00:00Z", &ft), 0);
    assert_int_equal(ft, 0);
    assert_int_equal(testgen_parse_time("2024-01-02T03:04:05Z", &ft), 0);
    assert_int_equal(ft, 133486382450000000);
    assert_int_equal(testgen_parse_time("2024-02-29T00:00:00.1234567", &ft), 0);
    assert_int_equal(ft % 10000000, 1234567);
    assert_int_equal(testgen_parse_time("2023-02-29T00:00:00Z", &ft), -1);
    assert_int_equal(testgen_parse_time("2024-01-02 03:04", &ft), -1);
}

/* ---- errors -------------------------------------------------------------------------------- */

static void test_errors(void **state)
{
    (void)state;
    testgen_options o;
    char why[200];
    testgen_options_init(&o);
    o.pointer_size = 6;
    assert_int_equal(testgen_options_check(&o, why, sizeof why), -1);
    assert_non_null(strstr(why, "pointer size"));
    assert_null(testgen_new(&o));
    testgen_options_init(&o);
    o.buffer_size = 1001; /* not a multiple of 8 */
    assert_int_equal(testgen_options_check(&o, why, sizeof why), -1);
    testgen_options_init(&o);
    o.num_cpus = 300;
    o.proc_index = 0;
    assert_int_equal(testgen_options_check(&o, why, sizeof why), -1);
    testgen_options_init(&o);
    o.header_buffer_size = 0x200;
    o.session_name = "a very long session name that does not fit in a 512-byte header buffer "
                     "together with the logfile header structure and the log file name, which "
                     "is also rather long in this test";
    assert_int_equal(testgen_options_check(&o, why, sizeof why), -1);
    assert_non_null(strstr(why, "too small"));

    testgen_options_init(&o);
    o.buffer_size = 256;
    o.header_buffer_size = 1024;
    testgen_trace *t = testgen_new(&o);
    assert_non_null(t);
    uint8_t big[1000] = {0};
    assert_int_equal(testgen_system(t, ETWCAP_HDR_SYSTEM64, 3, 1, 4, 1, 2, 0, big, sizeof big), -1);
    assert_non_null(strstr(testgen_error(t), "does not fit"));
    assert_int_equal(testgen_system(t, ETWCAP_HDR_EVENT64, 3, 1, 4, 1, 2, 0, NULL, 0), -1);
    assert_int_equal(testgen_set_cpu(t, 1), -1);
    assert_non_null(strstr(testgen_error(t), "out of range"));
    assert_int_equal(testgen_begin_buffer(t, 5, 0), -1);
    testgen_record r;
    memset(&r, 0, sizeof r);
    r.header_type = 0x0C; /* TIMED: not supported */
    assert_int_equal(testgen_append(t, &r), -1);
    r.header_type = ETWCAP_HDR_PERFINFO64;
    r.pmc_count = 8;
    assert_int_equal(testgen_append(t, &r), -1);
    testgen_free(t);

    testgen_options_init(&o);
    t = testgen_new(&o);
    static const uint8_t huge[0xFFF0];
    assert_int_equal(testgen_perfinfo(t, ETWCAP_HDR_PERFINFO64, 1, 1, 1, 0, huge, 0xFFF0), -1);
    assert_non_null(strstr(testgen_error(t), "65535"));
    testgen_ext e = {ETWCAP_EXT_SID, 4, NULL, 0};
    testgen_descriptor d = {1, 0, 0, 0, 0, 0, 0};
    assert_int_equal(testgen_event(t, ETWCAP_HDR_EVENT64, &G_PROV, &d, 1, 1, 0, &e, 1, NULL, 0),
                     -1);
    assert_int_equal(testgen_write(t, "/nonexistent-dir/x/y.etl"), -1);
    assert_non_null(strstr(testgen_error(t), "cannot create"));
    testgen_free(t);
}

/* Raw records let tests build malformed input; the reader must report it. */
static void test_raw_record(void **state)
{
    (void)state;
    testgen_trace *t = new_trace(NULL);
    int64_t t0 = testgen_get_options(t)->header_timestamp;
    assert_int_equal(testgen_system(t, ETWCAP_HDR_SYSTEM64, 3, 1, 4, 1, 2, t0 + 1, NULL, 0), 0);
    uint8_t bad[16] = {0};
    etwcap_wr32(bad, 0xC0020000u); /* SYSTEM64 ... */
    etwcap_wr16(bad + 4, 0x0100);  /* ... claiming 256 bytes */
    assert_int_equal(testgen_append_raw(t, bad, sizeof bad), 0);
    uint8_t *d;
    size_t len;
    assert_int_equal(testgen_write_mem(t, &d, &len), 0);
    etwcap_reader *r;
    etwcap_reader_options ro = ETWCAP_READER_OPTIONS_INIT;
    assert_int_equal(etwcap_reader_open_memory(&r, d, len, "raw", &ro, NULL), ETWCAP_OK);
    etwcap_event ev;
    assert_int_equal(etwcap_reader_next(r, &ev), ETWCAP_OK);
    assert_int_equal(etwcap_reader_next(r, &ev), ETWCAP_OK);
    assert_int_equal(ev.hook_id, 0x0301);
    assert_int_equal(etwcap_reader_next(r, &ev), ETWCAP_END);
    assert_true(etwcap_reader_diag_count(r) >= 1);
    etwcap_reader_close(r);
    free(d);
    testgen_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_logfile_info_64),
        cmocka_unit_test(test_logfile_info_32),
        cmocka_unit_test(test_logfile_info_mixed_cycles),
        cmocka_unit_test(test_header_types_plain),
        cmocka_unit_test(test_header_types_compressed),
        cmocka_unit_test(test_extended_items),
        cmocka_unit_test(test_multi_cpu_plain),
        cmocka_unit_test(test_multi_cpu_compressed),
        cmocka_unit_test(test_multi_cpu_no_proc_index),
        cmocka_unit_test(test_buffer_layout),
        cmocka_unit_test(test_compressed_align8_and_cpu_byte),
        cmocka_unit_test(test_relogged_headers),
        cmocka_unit_test(test_payload_process),
        cmocka_unit_test(test_payload_others),
        cmocka_unit_test(test_utf16_guid_time),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_raw_record),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
