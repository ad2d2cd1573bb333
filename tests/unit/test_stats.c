/* test_stats.c - per-type counts (src/lib/output/stats.c) on a real trace.
 *
 * A type's count lives in its hash slot and a name's total is collected
 * from them (counts_collect): etwcap_stats_count, etwcap_stats_merge and
 * etwcap_stats_write must all see the same totals. Expected values are
 * TraceEvent's (shared/corpus/baselines/net.4.5.2.x86.baseline.txt).
 */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "etwcap/output.h"
#include "etwcap/reader.h"

#define TRACE "etl/microsoft_perfview/net.4.5.2.x86.etl"

/* stats_write's text. The caller frees it. */
static char *written(etwcap_stats *st)
{
    FILE *f = test_scratch();
    assert_int_equal(etwcap_stats_write(st, f), ETWCAP_OK);
    assert_true(ftell(f) > 0);
    char *text = test_read_stream(f);
    fclose(f);
    return text;
}

/* All events into one stats object, and the same events split between two
 * (alternate events) that are then merged: the same counts either way. */
static void test_counts_and_merge(void **state)
{
    (void)state;
    const char *path = test_corpus_path(TRACE);
    if (!path) {
        printf("SKIP: corpus file %s not found (set ETWCAP_CORPUS)\n", TRACE);
        skip();
    }
    etwcap_reader *r = NULL;
    assert_int_equal(etwcap_reader_open(&r, path, NULL, NULL), ETWCAP_OK);
    etwcap_stats *all = NULL, *half[2] = {NULL, NULL};
    assert_int_equal(etwcap_stats_create(&all), ETWCAP_OK);
    assert_int_equal(etwcap_stats_create(&half[0]), ETWCAP_OK);
    assert_int_equal(etwcap_stats_create(&half[1]), ETWCAP_OK);
    etwcap_event ev;
    size_t n = 0;
    etwcap_status st;
    while ((st = etwcap_reader_next(r, &ev)) == ETWCAP_OK) {
        assert_int_equal(etwcap_stats_add(all, &ev), ETWCAP_OK);
        assert_int_equal(etwcap_stats_add(half[n++ & 1], &ev), ETWCAP_OK);
    }
    assert_int_equal(st, ETWCAP_END);
    etwcap_reader_close(r);

    /* Every record is in TOTAL; idle samples are not counted (etl-format.md
     * §8), so TraceEvent's 6810 samples are the non-idle ones. */
    assert_int_equal(n, 168298);
    assert_int_equal(etwcap_stats_total(all), 168298);
    assert_int_equal(etwcap_stats_count(all, "Windows Kernel/PerfInfo/Sample"), 6810);
    assert_int_equal(etwcap_stats_count(all, "KernelTraceControl/ImageID"), 3728);
    assert_int_equal(etwcap_stats_count(all, "No Such/Event"), 0);

    uint64_t s0 = etwcap_stats_count(half[0], "Windows Kernel/PerfInfo/Sample");
    uint64_t s1 = etwcap_stats_count(half[1], "Windows Kernel/PerfInfo/Sample");
    assert_true(s0 > 0 && s1 > 0);
    assert_int_equal(s0 + s1, 6810);
    assert_int_equal(etwcap_stats_merge(half[0], half[1]), ETWCAP_OK);
    assert_int_equal(etwcap_stats_total(half[0]), 168298);
    assert_int_equal(etwcap_stats_count(half[0], "Windows Kernel/PerfInfo/Sample"), 6810);
    assert_int_equal(etwcap_stats_count(half[0], "KernelTraceControl/ImageID"), 3728);

    char *a = written(all), *b = written(half[0]);
    assert_string_equal(a, b);
    assert_non_null(strstr(a, "COUNT Windows Kernel/PerfInfo/Sample:6810\n"));
    assert_non_null(strstr(a, "TOTAL:168298\n"));
    free(a);
    free(b);
    etwcap_stats_free(all);
    etwcap_stats_free(half[0]);
    etwcap_stats_free(half[1]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_counts_and_merge),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
