/* test_realtime.c - the real-time consumer (src/lib/capture/realtime.c)
 * through a fake etwcap_winapi table (fake_consumer.c) that replays corpus
 * traces as Windows delivers EVENT_RECORDs: the conversion gives the
 * reader's etwcap_event field by field, evidence streamed from the callback
 * is byte-identical to `etwcap evidence` on the file (issue #4 acceptance),
 * and failures of OpenTraceW/ProcessTrace or of the sink are reported and
 * leave no open handle. Windows builds only (Wine in CI); elsewhere it is
 * skipped, and test_evidence_stream covers the portable stream builder. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#ifdef _WIN32
#include "capture/realtime.h"
#include "common/sha256.h"
#include "etwcap/evidence.h"
#include "etwcap/reader.h"
#include "evidence_doc.h"
#include "fake_consumer.h"
#include "testgen.h"

static const char *NET452 = "etl/microsoft_perfview/net.4.5.2.x86.etl";

static void widen(const char *s, wchar_t *out, size_t cap)
{
    size_t i = 0;
    for (; s[i] && i + 1 < cap; i++)
        out[i] = (wchar_t)(unsigned char)s[i];
    out[i] = 0;
}

typedef struct sink {
    etwcap_evidence_stream *stream;
    uint64_t seen;
    uint64_t fail_at; /* return ETWCAP_ERR_NOMEM at this event (1-based); 0 = never */
} sink;

static etwcap_status to_stream(const etwcap_event *ev, const etwcap_logfile_info *info,
                               void *payload)
{
    (void)info;
    sink *k = payload;
    if (++k->seen == k->fail_at)
        return ETWCAP_ERR_NOMEM;
    return k->stream ? etwcap_evidence_stream_add(k->stream, ev) : ETWCAP_OK;
}

static uint64_t count_events(const char *path)
{
    etwcap_reader *r = NULL;
    etwcap_reader_options ro = ETWCAP_READER_OPTIONS_INIT;
    assert_int_equal(etwcap_reader_open(&r, path, &ro, NULL), ETWCAP_OK);
    etwcap_event ev;
    uint64_t n = 0;
    while (etwcap_reader_next(r, &ev) == ETWCAP_OK)
        n++;
    etwcap_reader_close(r);
    return n;
}

/* The evidence of `Test.x86` in net.4.5.2.x86.etl: from the file (*fdoc),
 * and streamed from the real-time callback while `f` replays the file as
 * `src` (returned). */
typedef struct replay {
    uint8_t *fdoc;
    size_t flen, slen;
    etwcap_realtime_stats stats;
    size_t kept, bytes; /* what the stream held back at its end */
} replay;

static uint8_t *replay_evidence(fake_consumer *f, const etwcap_realtime_source *src, replay *out)
{
    const char *path = test_corpus_require(NET452);
    const char *procs[] = {"Test.x86"};
    etwcap_evidence_options opts = {
        .version = ETWCAP_EVIDENCE_OPTIONS_VERSION, .processes = procs, .nprocesses = 1};
    out->fdoc = test_evidence_file_doc(path, &opts, &out->flen);
    assert_non_null(out->fdoc);
    char sha[65];
    assert_int_equal(etwcap_sha256_file(path, sha), 0);
    sink k = {NULL, 0, 0};
    assert_int_equal(etwcap_evidence_stream_begin(&k.stream, &opts, path, sha), ETWCAP_OK);
    f->etl_path = path;
    etwcap_winapi api;
    fake_consumer_install(&api, f);
    etwcap_diag diag;
    assert_int_equal(etwcap_realtime_consume(&api, src, to_stream, &k, &out->stats, &diag),
                     ETWCAP_OK);
    etwcap_evidence_stream_set_info(k.stream, &out->stats.info);
    out->bytes = etwcap_evidence_stream_retained(k.stream, &out->kept);
    etwcap_evidence *e = NULL;
    assert_int_equal(etwcap_evidence_stream_end(k.stream, &e), ETWCAP_OK);
    uint8_t *sdoc = test_evidence_doc(e, &out->slen);
    etwcap_evidence_free(e);
    assert_non_null(sdoc);
    return sdoc;
}

/* Issue #4 acceptance: net.4.5.2.x86.etl replayed through the real-time
 * callback gives the evidence of `etwcap evidence FILE --process Test.x86`. */
static void test_replay_evidence_identical(void **state)
{
    (void)state;
    uint64_t total = count_events(test_corpus_require(NET452));
    fake_consumer f;
    memset(&f, 0, sizeof f);
    wchar_t name[1024];
    widen(test_corpus_require(NET452), name, 1024);
    etwcap_realtime_source src = {name, 1, 0};
    replay rp;
    uint8_t *sdoc = replay_evidence(&f, &src, &rp);
    const etwcap_realtime_stats stats = rp.stats;
    const size_t flen = rp.flen, slen = rp.slen, kept = rp.kept, bytes = rp.bytes;
    uint8_t *fdoc = rp.fdoc;
    assert_true(stats.have_info && stats.have_header_event);

    char h1[65], h2[65];
    test_sha256_hex(fdoc, flen, h1);
    test_sha256_hex(sdoc, slen, h2);
    printf("replayed %llu EVENT_RECORDs (%llu extended items), delivered %llu, malformed %llu; "
           "reader: %llu events; stream retained %zu events (%zu bytes)\n",
           (unsigned long long)f.replayed, (unsigned long long)f.ext_items,
           (unsigned long long)stats.events, (unsigned long long)stats.malformed,
           (unsigned long long)total, kept, bytes);
    printf("file evidence   %zu bytes sha256 %s\nrealtime stream %zu bytes sha256 %s\n", flen, h1,
           slen, h2);
    assert_int_equal(f.replayed, total);
    assert_int_equal(stats.events, total);
    assert_int_equal(stats.malformed, 0);
    assert_true(f.ext_items > 0);
    /* OpenTraceW (event records, raw timestamps, a file), ProcessTrace of
     * its handle, CloseTrace of it. */
    assert_int_equal(f.ncalls, 3);
    assert_string_equal(f.calls[0].name, "OpenTraceW");
    assert_int_equal(f.calls[0].mode,
                     PROCESS_TRACE_MODE_EVENT_RECORD | PROCESS_TRACE_MODE_RAW_TIMESTAMP);
    assert_false(f.calls[0].real_time_name);
    assert_string_equal(f.calls[1].name, "ProcessTrace");
    assert_int_equal(f.calls[1].count, 1);
    assert_string_equal(f.calls[2].name, "CloseTrace");
    assert_true(f.calls[2].handle == f.calls[1].handle);
    assert_int_equal(f.opened, 1);
    assert_int_equal(f.closed, 1);
    assert_true(flen > 1000);
    assert_int_equal(flen, slen);
    assert_memory_equal(fdoc, sdoc, flen);
    free(fdoc);
    free(sdoc);
}

/* A live session's delivery (each CPU's buffers whole, as they fill) is
 * out of time order across CPUs; the consumer's reorder window puts it back
 * and the evidence is again byte-identical. */
static void test_live_order_evidence_identical(void **state)
{
    (void)state;
    fake_consumer f;
    memset(&f, 0, sizeof f);
    f.buffer_events = 64;
    etwcap_realtime_source src = {L"etwcap-live", 0, 1000};
    replay rp;
    uint8_t *sdoc = replay_evidence(&f, &src, &rp);
    const etwcap_realtime_stats stats = rp.stats;
    const size_t flen = rp.flen, slen = rp.slen;
    uint8_t *fdoc = rp.fdoc;
    char h2[65];
    test_sha256_hex(sdoc, slen, h2);
    printf("live-order replay: %llu EVENT_RECORDs, %llu older than one before them; window 1000 "
           "ms held at most %zu, %llu late; stream %zu bytes sha256 %s\n",
           (unsigned long long)f.replayed, (unsigned long long)f.out_of_order, stats.held_peak,
           (unsigned long long)stats.late, slen, h2);
    assert_true(f.out_of_order > 0);
    assert_int_equal(stats.late, 0);
    assert_int_equal(stats.events, f.replayed);
    assert_true(f.calls[0].real_time_name);
    assert_int_equal(f.closed, 1);
    assert_int_equal(flen, slen);
    assert_memory_equal(fdoc, sdoc, flen);
    free(fdoc);
    free(sdoc);
}

/* Field by field: encode (test side) then convert (production) gives back
 * the reader's event. Known, documented difference: a kernel image event
 * with the old hook 0x030A (Process group, type 10, §2.2) comes back as
 * 0x140A, its class GUID's group; both decode as Image load. */
static void check_fields(etwcap_reader *r, const char *rel)
{
    const etwcap_logfile_info *info = etwcap_reader_info(r);
    etwcap_event ev, *out = malloc(sizeof *out);
    assert_non_null(out);
    EVENT_RECORD rec;
    EVENT_HEADER_EXTENDED_DATA_ITEM items[ETWCAP_MAX_EXT_ITEMS];
    uint64_t n = 0, kinds[5] = {0}, hook030a = 0, with_ext = 0;
    int types[32] = {0};
    while (etwcap_reader_next(r, &ev) == ETWCAP_OK) {
        fake_consumer_encode(&ev, &rec, items);
        const char *why = NULL;
        assert_int_equal(etwcap_realtime_convert(&rec, info, out, &why), 0);
        n++;
        kinds[ev.kind]++;
        with_ext += ev.ext_count > 0;
        types[ev.header_type & 0x1F] = 1;
        assert_int_equal(out->kind, ev.kind);
        assert_int_equal(out->header_type, ev.header_type);
        assert_int_equal(out->pointer_size, ev.pointer_size);
        assert_true(etwcap_guid_equal(&out->provider, &ev.provider));
        assert_int_equal(out->id, ev.id);
        assert_int_equal(out->version, ev.version);
        assert_int_equal(out->channel, ev.channel);
        assert_int_equal(out->level, ev.level);
        assert_int_equal(out->opcode, ev.opcode);
        assert_int_equal(out->task, ev.task);
        assert_true(out->keyword == ev.keyword);
        if (ev.hook_id == 0x030A) {
            hook030a++;
            assert_int_equal(out->hook_id, 0x140A);
        } else {
            assert_int_equal(out->hook_id, ev.hook_id);
        }
        /* The delivered record always says its pointer size; a WPP
         * message's option flags (§2.9) are not in an EVENT_RECORD. */
        if (ev.kind != ETWCAP_KIND_MESSAGE)
            assert_int_equal(out->flags & ~0x60u, ev.flags & ~0x60u);
        assert_int_equal(out->event_property, ev.event_property);
        assert_int_equal(out->pid, ev.pid);
        assert_int_equal(out->tid, ev.tid);
        assert_int_equal(out->cpu, ev.cpu);
        assert_int_equal(out->kernel_time, ev.kernel_time);
        assert_int_equal(out->user_time, ev.user_time);
        assert_true(etwcap_guid_equal(&out->activity_id, &ev.activity_id));
        assert_true(out->timestamp == ev.timestamp);
        assert_true(out->filetime == ev.filetime);
        assert_int_equal(out->payload_len, ev.payload_len);
        assert_ptr_equal(out->payload, ev.payload);
        assert_int_equal(out->ext_count, ev.ext_count);
        for (size_t i = 0; i < ev.ext_count; i++) {
            assert_int_equal(out->ext[i].type, ev.ext[i].type);
            assert_int_equal(out->ext[i].size, ev.ext[i].size);
            assert_ptr_equal(out->ext[i].data, ev.ext[i].data);
        }
        assert_int_equal(out->x.stack ? out->x.stack - out->ext : -1,
                         ev.x.stack ? ev.x.stack - ev.ext : -1);
        assert_int_equal(out->x.stack_key ? out->x.stack_key - out->ext : -1,
                         ev.x.stack_key ? ev.x.stack_key - ev.ext : -1);
        assert_true(out->x.process_start_key == ev.x.process_start_key);
        assert_int_equal(out->x.has_container_id, ev.x.has_container_id);
        assert_string_equal(out->x.container_id, ev.x.container_id);
        assert_int_equal(out->message_number, ev.message_number);
    }
    free(out);
    int ntypes = 0;
    for (int i = 0; i < 32; i++)
        ntypes += types[i];
    printf("%s: %llu events, %d header types (kernel %llu, classic %llu, manifest %llu, "
           "message %llu; %llu with extended items, %llu with hook 0x030A) converted back to the "
           "reader's fields\n",
           rel, (unsigned long long)n, ntypes, (unsigned long long)kinds[1],
           (unsigned long long)kinds[2], (unsigned long long)kinds[3], (unsigned long long)kinds[4],
           (unsigned long long)with_ext, (unsigned long long)hook030a);
    assert_true(kinds[ETWCAP_KIND_KERNEL] > 0 && kinds[ETWCAP_KIND_MANIFEST] > 0);
}

static void check_corpus_fields(const char *rel)
{
    const char *path = test_corpus_require(rel);
    etwcap_reader *r = NULL;
    etwcap_reader_options ro = ETWCAP_READER_OPTIONS_INIT;
    assert_int_equal(etwcap_reader_open(&r, path, &ro, NULL), ETWCAP_OK);
    check_fields(r, rel);
    etwcap_reader_close(r);
}

/* Every header type (§2.1) and every extended item kind (§2.7), from the
 * test-trace writer: the corpus has no COMPACT, INSTANCE, PERFINFO32 or
 * WPP records. */
static const char all_types[] =
    "trace pointer=8 cpus=3 buffer-size=4096 clock=qpc freq=10000000 "
    "start=2024-01-02T03:04:05Z header-ts=1000\n"
    "buffer cpu=0\n"
    "system32 group=3 opcode=1 version=3 pid=10 tid=11 ts=1100 ktime=5 utime=6 +u32=1\n"
    "system64 group=5 opcode=2 version=2 pid=10 tid=11 ts=1101 ktime=7 utime=8 pebs=1 pmc=3,4 "
    "+u64=2\n"
    "compact32 group=4 opcode=64 version=2 pid=10 tid=11 ts=1102 +u32=3\n"
    "compact64 group=0x18 opcode=37 version=2 pid=10 tid=12 ts=1103 +u64=4 +u64=5\n"
    "perfinfo32 group=0x0F opcode=46 version=2 ts=1104 +u32=0x1000 +u32=11 +u32=1\n"
    "perfinfo64 group=0x0F opcode=46 version=2 ts=1105 pebs=7 +u64=0x1000 +u32=11 +u32=1\n"
    "buffer cpu=1\n"
    "full32 guid=b3e675d7-2554-4f18-830b-2762732560de opcode=36 level=4 version=2 pid=10 tid=11 "
    "ts=1200 ktime=1 utime=2 +u32=9\n"
    "full64 guid=12345678-1234-1234-1234-123456789abc opcode=7 level=2 version=1 pid=10 tid=11 "
    "ts=1201 +u64=9\n"
    "instance32 guid=12345678-1234-1234-1234-123456789abc opcode=8 level=3 version=1 pid=10 "
    "tid=11 ts=1202 instance=5 parent-instance=4 +u32=1\n"
    "instance64 guid=12345678-1234-1234-1234-123456789abc opcode=9 level=3 version=1 pid=10 "
    "tid=11 ts=1203 instance=6 +u64=1\n"
    "message msg=17 guid=12345678-1234-1234-1234-123456789abc ts=1204 pid=10 tid=11 +u32=5\n"
    "message msg=18 component=77 seq=3 ts=1205 ptr=4 +u32=6\n"
    "buffer cpu=2\n"
    "event32 provider=e13c0d23-ccbc-4e12-931b-d9cc2eee27e4 id=80 version=1 channel=16 level=4 "
    "opcode=1 task=1 keyword=0x8000 flags=0x20 property=1 "
    "activity=11111111-2222-3333-4444-555555555555 pid=10 tid=11 ts=1300 stack32=0x1000,0x2000 "
    "container=AAAAAAAA-1111-4A9E-8F61-2D0C9B7E4A13 process-key=99 +u32=1\n"
    "event64 provider=e13c0d23-ccbc-4e12-931b-d9cc2eee27e4 id=81 level=5 keyword=0x1 pid=10 "
    "tid=11 ts=1301 stack=0x1000,0x2000,0x3000 stack-key=0x55 "
    "container-bin=bbbbbbbb-2222-4a9e-8f61-2d0c9b7e4a13 event-key=4 psm-key=5 ts-id=2 "
    "sid=S-1-5-18 related-activity=11111111-2222-3333-4444-555555555555 +u64=2\n"
    "event64 provider=e13c0d23-ccbc-4e12-931b-d9cc2eee27e4 id=82 pid=10 tid=11 ts=1302 "
    "stack-key32=0x66 ext=prov-traits:0a000102030405060708 +u32=3\n";

static void test_convert_fields_all_types(void **state)
{
    (void)state;
    char err[256];
    testgen_trace *t = testgen_desc_build(all_types, sizeof all_types - 1, err, sizeof err);
    if (!t)
        fail_msg("%s", err);
    uint8_t *img = NULL;
    size_t len = 0;
    assert_int_equal(testgen_write_mem(t, &img, &len), 0);
    testgen_free(t);
    etwcap_reader *r = NULL;
    etwcap_reader_options ro = ETWCAP_READER_OPTIONS_INIT;
    assert_int_equal(etwcap_reader_open_memory(&r, img, len, "all-types", &ro, NULL), ETWCAP_OK);
    check_fields(r, "generated (every header type)");
    assert_int_equal(etwcap_reader_diag_count(r), 0);
    etwcap_reader_close(r);
    free(img);
}

static void test_convert_fields_net452(void **state)
{
    (void)state;
    check_corpus_fields(NET452);
}

static void test_convert_fields_perfviewdata(void **state)
{
    (void)state;
    check_corpus_fields("etl/microsoft_perfview/net.4.5.x86/PerfViewData.etl");
}

static void test_convert_rejects(void **state)
{
    (void)state;
    EVENT_RECORD rec;
    memset(&rec, 0, sizeof rec);
    etwcap_event *ev = malloc(sizeof *ev);
    assert_non_null(ev);
    const char *why = NULL;
    rec.UserDataLength = 8; /* but no UserData */
    assert_int_equal(etwcap_realtime_convert(&rec, NULL, ev, &why), -1);
    assert_non_null(strstr(why, "user data"));
    rec.UserDataLength = 0;
    rec.ExtendedDataCount = 17;
    EVENT_HEADER_EXTENDED_DATA_ITEM items[17];
    memset(items, 0, sizeof items);
    rec.ExtendedData = items;
    assert_int_equal(etwcap_realtime_convert(&rec, NULL, ev, &why), -1);
    assert_non_null(strstr(why, "16"));
    free(ev);
}

static void run_failing(fake_consumer *f, sink *k, etwcap_status want, etwcap_diag *diag,
                        etwcap_realtime_stats *stats)
{
    etwcap_winapi api;
    fake_consumer_install(&api, f);
    etwcap_realtime_source src = {L"etwcap-test", 0, 0};
    memset(diag, 0, sizeof *diag);
    assert_int_equal(etwcap_realtime_consume(&api, &src, to_stream, k, stats, diag), want);
}

static void test_open_fails(void **state)
{
    (void)state;
    fake_consumer f;
    memset(&f, 0, sizeof f);
    f.etl_path = test_corpus_require(NET452);
    f.fail_open = 1;
    sink k = {NULL, 0, 0};
    etwcap_diag diag;
    etwcap_realtime_stats stats;
    run_failing(&f, &k, ETWCAP_ERR_IO, &diag, &stats);
    assert_non_null(strstr(diag.message, "OpenTraceW failed"));
    assert_int_equal(f.ncalls, 1); /* no ProcessTrace, nothing to close */
    assert_int_equal(f.calls[0].mode, PROCESS_TRACE_MODE_EVENT_RECORD |
                                          PROCESS_TRACE_MODE_RAW_TIMESTAMP |
                                          PROCESS_TRACE_MODE_REAL_TIME);
    assert_true(f.calls[0].real_time_name);
    assert_int_equal(k.seen, 0);
    assert_int_equal(f.opened, 0);
}

static void test_process_fails(void **state)
{
    (void)state;
    fake_consumer f;
    memset(&f, 0, sizeof f);
    f.etl_path = test_corpus_require(NET452);
    f.process_error = ERROR_WMI_INSTANCE_NOT_FOUND;
    f.stop_after = 1000;
    sink k = {NULL, 0, 0};
    etwcap_diag diag;
    etwcap_realtime_stats stats;
    run_failing(&f, &k, ETWCAP_ERR_IO, &diag, &stats);
    char want[64];
    snprintf(want, sizeof want, "ProcessTrace failed (error %lu)",
             (unsigned long)ERROR_WMI_INSTANCE_NOT_FOUND);
    assert_string_equal(diag.message, want);
    assert_int_equal(stats.events, 1000);
    assert_int_equal(f.opened, 1);
    assert_int_equal(f.closed, 1);
    /* ERROR_CANCELLED is how a stopped session ends: not an error. */
    memset(&f, 0, sizeof f);
    f.etl_path = test_corpus_require(NET452);
    f.process_error = ERROR_CANCELLED;
    f.stop_after = 10;
    k.seen = 0;
    run_failing(&f, &k, ETWCAP_OK, &diag, &stats);
    assert_int_equal(stats.events, 10);
    assert_int_equal(f.closed, 1);
}

/* The sink fails: the consumer stops delivering, asks ProcessTrace to
 * return (BufferCallback FALSE), closes, and returns the sink's status. */
static void test_sink_fails(void **state)
{
    (void)state;
    fake_consumer f;
    memset(&f, 0, sizeof f);
    f.etl_path = test_corpus_require(NET452);
    sink k = {NULL, 0, 600};
    etwcap_diag diag;
    etwcap_realtime_stats stats;
    run_failing(&f, &k, ETWCAP_ERR_NOMEM, &diag, &stats);
    assert_int_equal(k.seen, 600);
    assert_int_equal(stats.events, 600);
    assert_true(f.buffer_stop);
    assert_true(f.replayed < 1000);
    assert_int_equal(f.closed, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_replay_evidence_identical),
        cmocka_unit_test(test_live_order_evidence_identical),
        cmocka_unit_test(test_convert_fields_net452),
        cmocka_unit_test(test_convert_fields_perfviewdata),
        cmocka_unit_test(test_convert_fields_all_types),
        cmocka_unit_test(test_convert_rejects),
        cmocka_unit_test(test_open_fails),
        cmocka_unit_test(test_process_fails),
        cmocka_unit_test(test_sink_fails),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
#else
int main(void)
{
    printf("SKIP: the real-time consumer is Windows-only (runs under Wine in the mingw build)\n");
    return TEST_SKIP_CODE;
}
#endif
