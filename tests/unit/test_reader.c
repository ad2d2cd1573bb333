/* test_reader.c - the .etl reader against the real corpus and hand-made input. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "etwcap/reader.h"

/* Walk a whole file; return the number of records and check time order. */
static uint64_t walk(const char *path, int no_merge, size_t *ndiags, int *ordered)
{
    etwcap_reader_options o = ETWCAP_READER_OPTIONS_INIT;
    o.no_merge = no_merge;
    etwcap_reader *r = NULL;
    etwcap_diag d;
    assert_int_equal(etwcap_reader_open(&r, path, &o, &d), ETWCAP_OK);
    etwcap_event ev;
    uint64_t n = 0;
    int64_t last = INT64_MIN;
    *ordered = 1;
    while (etwcap_reader_next(r, &ev) == ETWCAP_OK) {
        if (ev.timestamp < last)
            *ordered = 0;
        last = ev.timestamp;
        n++;
    }
    assert_int_equal(etwcap_reader_stats_get(r)->records, n);
    *ndiags = etwcap_reader_diag_count(r);
    etwcap_reader_close(r);
    return n;
}

/* Every corpus file: the record count equals MANIFEST.tsv's events_total
 * (an independent reader's count), with no diagnostics, in both orders. */
static void test_corpus_totals(void **state)
{
    (void)state;
    const char *manifest = test_corpus_require("MANIFEST.tsv");
    char root[4096];
    snprintf(root, sizeof root, "%s", manifest);
    root[strlen(root) - strlen("MANIFEST.tsv")] = '\0';
    FILE *f = fopen(manifest, "r");
    assert_non_null(f);
    char line[8192];
    int files = 0;
    assert_non_null(fgets(line, sizeof line, f)); /* column names */
    while (fgets(line, sizeof line, f)) {
        char *cols[16];
        int nc = 0;
        for (char *p = strtok(line, "\t\n"); p && nc < 16; p = strtok(NULL, "\t\n"))
            cols[nc++] = p;
        if (nc < 8)
            test_fail("MANIFEST.tsv: a line of %d columns, not 8 or more", nc);
        char path[8192];
        snprintf(path, sizeof path, "%setl/%s", root, cols[0]);
        unsigned long long want = strtoull(cols[7], NULL, 10);
        size_t nd = 0;
        int ordered = 0;
        uint64_t got = walk(path, 0, &nd, &ordered);
        if (got != want || nd != 0)
            printf("# %s: %llu records (manifest %llu), %zu diagnostics\n", cols[0],
                   (unsigned long long)got, want, nd);
        assert_int_equal(got, want);
        assert_int_equal(nd, 0);
        assert_int_equal(walk(path, 1, &nd, &ordered), want);
        files++;
    }
    fclose(f);
    assert_int_equal(files, 26);
}

/* The log-file header of net.4.5.2.x86.etl, against TraceEvent's baseline
 * header event: BufferSize=65,536; NumberOfProcessors=8; PointerSize=8;
 * PerfFreq=10,000,000; StartTime=20/07/29 00:06:19.79...; EndTime=20/07/29
 * 00:06:31.08...; EventsLost=0; BuffersLost=0; SessionName=Relogger. */
static void test_header_net452(void **state)
{
    (void)state;
    const char *p = test_corpus_require("etl/microsoft_perfview/net.4.5.2.x86.etl");
    etwcap_reader *r = NULL;
    assert_int_equal(etwcap_reader_open(&r, p, NULL, NULL), ETWCAP_OK);
    const etwcap_logfile_info *in = etwcap_reader_info(r);
    assert_non_null(in);
    assert_int_equal(in->buffer_size, 65536);
    assert_int_equal(in->num_cpus, 8);
    assert_int_equal(in->pointer_size, 8);
    assert_int_equal(in->perf_freq, 10000000);
    assert_int_equal(in->os_build, 9200);
    assert_int_equal(in->os_major, 6);
    assert_int_equal(in->os_minor, 2);
    assert_int_equal(in->events_lost, 0);
    assert_int_equal(in->buffers_lost, 0);
    assert_int_equal(in->clock_type, 1);
    assert_int_equal(in->cpu_mhz, 3592);
    assert_int_equal(in->buffers_written, 276);
    assert_int_equal(in->tz_bias_minutes, 480);
    assert_string_equal(in->session_name, "Relogger");
    assert_string_equal(in->logfile_name, "[multiple files]");
    char t[32];
    etwcap_filetime_format(in->start_time, t);
    assert_memory_equal(t, "2020-07-29T00:06:19.79", 22);
    etwcap_filetime_format(in->end_time, t);
    assert_memory_equal(t, "2020-07-29T00:06:31.08", 22);
    const etwcap_reader_stats *st = etwcap_reader_stats_get(r);
    assert_int_equal(st->file_buffers, 276);
    assert_int_equal(st->file_buffers_compressed, 275);

    /* The first event is the header record itself, at the session start. */
    etwcap_event ev;
    assert_int_equal(etwcap_reader_next(r, &ev), ETWCAP_OK);
    assert_int_equal(ev.kind, ETWCAP_KIND_KERNEL);
    assert_int_equal(ev.hook_id, 0);
    assert_int_equal(ev.pid, 3988);
    assert_int_equal(ev.tid, 2784);
    assert_int_equal(ev.cpu, 0);
    assert_int_equal(ev.payload_len, 332);
    assert_int_equal(ev.filetime, in->start_time);
    etwcap_reader_close(r);
}

/* A 32-bit session: smallEtlFile.etl has the 0x110-byte header form. */
static void test_header_32bit(void **state)
{
    (void)state;
    const char *p = test_corpus_require("etl/microsoft_perfview/smallEtlFile.etl");
    etwcap_reader *r = NULL;
    assert_int_equal(etwcap_reader_open(&r, p, NULL, NULL), ETWCAP_OK);
    const etwcap_logfile_info *in = etwcap_reader_info(r);
    assert_non_null(in);
    assert_int_equal(in->header_is_64bit, 0);
    assert_int_equal(in->pointer_size, 4);
    assert_int_equal(in->os_build, 10586);
    etwcap_reader_close(r);
}

/* Windows 7 uncompressed file: many CPUs, merged into time order. */
static void test_merge_order(void **state)
{
    (void)state;
    const char *p = test_corpus_require("etl/microsoft_perfview/net.4.5.x86/PerfViewData.etl");
    size_t nd = 0;
    int ordered = 0;
    assert_int_equal(walk(p, 0, &nd, &ordered), 185961);
    assert_true(ordered);
}

static void test_bad_inputs(void **state)
{
    (void)state;
    etwcap_reader *r = NULL;
    etwcap_diag d;
    memset(&d, 0, sizeof d);
    assert_int_equal(etwcap_reader_open_memory(&r, "", 0, "empty", NULL, &d), ETWCAP_ERR_FORMAT);
    assert_null(r);
    assert_string_equal(d.message, "empty file");

    uint8_t junk[0x100];
    memset(junk, 0x41, sizeof junk);
    assert_int_equal(etwcap_reader_open_memory(&r, junk, sizeof junk, "junk", NULL, &d),
                     ETWCAP_ERR_FORMAT);
    assert_null(r);

    assert_int_equal(etwcap_reader_open(&r, "/nonexistent/x.etl", NULL, &d), ETWCAP_ERR_IO);
    assert_null(r);
}

/* A truncated copy keeps every record of the complete buffers before the cut
 * and reports the truncation with the buffer's offset. */
static void test_truncated(void **state)
{
    (void)state;
    const char *p = test_corpus_require("etl/microsoft_perfview/net.4.5.x86/PerfViewData.etl");
    size_t size = 0;
    uint8_t *data = test_read_file(p, &size);
    assert_non_null(data);
    /* Buffers are 64 KiB here; cut in the middle of buffer 10. */
    const size_t cut = 10 * 65536 + 1000;
    etwcap_reader_options o = ETWCAP_READER_OPTIONS_INIT;
    o.no_merge = 1;
    etwcap_reader *r = NULL;
    assert_int_equal(etwcap_reader_open_memory(&r, data, cut, "cut", &o, NULL), ETWCAP_OK);
    etwcap_event ev;
    uint64_t n = 0, in_full_buffers = 0;
    while (etwcap_reader_next(r, &ev) == ETWCAP_OK) {
        n++;
        if (ev.buffer_index < 10)
            in_full_buffers++;
    }
    assert_true(etwcap_reader_diag_count(r) >= 1);
    const etwcap_diag *dg = etwcap_reader_diag_get(r, 0);
    assert_int_equal(dg->buffer_index, 10);
    assert_int_equal(dg->offset, 10 * 65536);
    etwcap_reader_close(r);

    /* The same buffers read from the whole file give the same records. */
    assert_int_equal(etwcap_reader_open_memory(&r, data, size, "full", &o, NULL), ETWCAP_OK);
    uint64_t full_first10 = 0;
    while (etwcap_reader_next(r, &ev) == ETWCAP_OK)
        if (ev.buffer_index < 10)
            full_first10++;
    etwcap_reader_close(r);
    assert_int_equal(in_full_buffers, full_first10);
    assert_true(n >= in_full_buffers);
    free(data);
}

static void test_filetime_format(void **state)
{
    (void)state;
    char t[32];
    etwcap_filetime_format(0, t);
    assert_string_equal(t, "1601-01-01T00:00:00.0000000Z");
    etwcap_filetime_format(116444736000000000LL, t); /* Unix epoch */
    assert_string_equal(t, "1970-01-01T00:00:00.0000000Z");
    etwcap_filetime_format(116444736000000000LL + 951782400LL * 10000000 + 1234567, t);
    assert_string_equal(t, "2000-02-29T00:00:00.1234567Z");
}

/* Raw timestamps come from the file: a hostile one saturates instead of
 * overflowing (the conversion of etl-format.md §1.9). */
static void test_filetime_saturates(void **state)
{
    (void)state;
    etwcap_logfile_info li;
    memset(&li, 0, sizeof li);
    li.clock_type = 1;
    li.perf_freq = 10000000; /* 10 MHz QPC: ticks are already 100 ns units */
    li.start_time = 132405555797984230LL;
    li.header_timestamp = 1000;
    assert_true(etwcap_logfile_to_filetime(&li, 1000 + 12345) == li.start_time + 12345);
    assert_true(etwcap_logfile_to_filetime(&li, 1000 - 12345) == li.start_time - 12345);
    assert_true(etwcap_logfile_to_filetime(&li, INT64_MAX) == INT64_MAX);
    /* INT64_MIN - 1000 saturates in the subtraction; adding the (positive)
     * start time to it does not overflow. */
    assert_true(etwcap_logfile_to_filetime(&li, INT64_MIN) == li.start_time + INT64_MIN);
    li.header_timestamp = INT64_MIN; /* raw - T0 overflows upwards */
    assert_true(etwcap_logfile_to_filetime(&li, 5) == INT64_MAX);
    li.header_timestamp = INT64_MAX; /* and downwards */
    assert_true(etwcap_logfile_to_filetime(&li, -5) == li.start_time + INT64_MIN);
    li.start_time = -1; /* a hostile start time: the sum saturates too */
    assert_true(etwcap_logfile_to_filetime(&li, -5) == INT64_MIN);
    li.start_time = 132405555797984230LL;
    /* A 3 MHz QPC: 3 ticks are 10 units of 100 ns. */
    li.perf_freq = 3000000;
    li.header_timestamp = 0;
    assert_true(etwcap_logfile_to_filetime(&li, 300) == li.start_time + 1000);
    assert_true(etwcap_logfile_to_filetime(&li, INT64_MAX) == INT64_MAX);
    assert_true(etwcap_logfile_to_filetime(&li, INT64_MIN) == li.start_time + INT64_MIN);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_filetime_format), cmocka_unit_test(test_bad_inputs),
        cmocka_unit_test(test_header_net452),   cmocka_unit_test(test_header_32bit),
        cmocka_unit_test(test_merge_order),     cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_corpus_totals),   cmocka_unit_test(test_filetime_saturates),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
