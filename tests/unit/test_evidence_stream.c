/* test_evidence_stream.c - the stream evidence builder (evidence.h,
 * etwcap_evidence_stream_*) fed every event of a corpus trace gives the same
 * document bytes as etwcap_evidence_build on the file, retaining only the
 * events the second pass acts on. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "etwcap/evidence.h"
#include "etwcap/reader.h"
#include "common/sha256.h"
#include "evidence_doc.h"

typedef struct stream_case {
    const char *rel;
    const char *process;
} stream_case;

static void check_same(const stream_case *c)
{
    const char *path = test_corpus_require(c->rel);
    const char *procs[] = {c->process};
    etwcap_evidence_options opts = {
        .version = ETWCAP_EVIDENCE_OPTIONS_VERSION, .processes = procs, .nprocesses = 1};
    size_t flen = 0;
    uint8_t *fdoc = test_evidence_file_doc(path, &opts, &flen);
    assert_non_null(fdoc);

    char sha[65];
    assert_int_equal(etwcap_sha256_file(path, sha), 0);
    etwcap_evidence_stream *s = NULL;
    assert_int_equal(etwcap_evidence_stream_begin(&s, &opts, path, sha), ETWCAP_OK);
    etwcap_reader *r = NULL;
    etwcap_reader_options ro = ETWCAP_READER_OPTIONS_INIT;
    assert_int_equal(etwcap_reader_open(&r, path, &ro, NULL), ETWCAP_OK);
    assert_non_null(etwcap_reader_info(r));
    etwcap_evidence_stream_set_info(s, etwcap_reader_info(r));
    etwcap_event ev;
    size_t events = 0;
    while (etwcap_reader_next(r, &ev) == ETWCAP_OK) {
        assert_int_equal(etwcap_evidence_stream_add(s, &ev), ETWCAP_OK);
        events++;
    }
    etwcap_reader_close(r);
    size_t kept = 0, bytes = etwcap_evidence_stream_retained(s, &kept);
    etwcap_evidence *e = NULL;
    assert_int_equal(etwcap_evidence_stream_end(s, &e), ETWCAP_OK);
    size_t slen = 0;
    uint8_t *sdoc = test_evidence_doc(e, &slen);
    etwcap_evidence_free(e);
    assert_non_null(sdoc);

    char h1[65], h2[65];
    test_sha256_hex(fdoc, flen, h1);
    test_sha256_hex(sdoc, slen, h2);
    printf("%s --process %s: %zu events, %zu retained (%zu bytes); file %zu bytes sha256 %s, "
           "stream %zu bytes sha256 %s\n",
           c->rel, c->process, events, kept, bytes, flen, h1, slen, h2);
    /* A real document with observed functions, not an empty one. */
    assert_true(flen > 1000);
    assert_non_null(strstr((const char *)fdoc, "\"observed\""));
    assert_int_equal(flen, slen);
    assert_memory_equal(fdoc, sdoc, flen);
    assert_true(kept > 0 && kept < events);
    free(fdoc);
    free(sdoc);
}

static void test_net452(void **state)
{
    (void)state;
    static const stream_case c = {"etl/microsoft_perfview/net.4.5.2.x86.etl", "Test.x86"};
    check_same(&c);
}

static void test_net45_perfviewdata(void **state)
{
    (void)state;
    static const stream_case c = {"etl/microsoft_perfview/net.4.5.x86/PerfViewData.etl", "test"};
    check_same(&c);
}

/* The stream keeps its error: after a failed begin nothing leaks, and a
 * stream freed without building frees what it retained. */
static void test_free_unfinished(void **state)
{
    (void)state;
    const char *path = test_corpus_require("etl/microsoft_perfview/net.4.5.2.x86.etl");
    etwcap_evidence_options opts = {
        .version = ETWCAP_EVIDENCE_OPTIONS_VERSION, .processes = NULL, .nprocesses = 0};
    etwcap_evidence_stream *s = NULL;
    assert_int_equal(etwcap_evidence_stream_begin(&s, &opts, "x.etl", NULL), ETWCAP_OK);
    etwcap_reader *r = NULL;
    etwcap_reader_options ro = ETWCAP_READER_OPTIONS_INIT;
    assert_int_equal(etwcap_reader_open(&r, path, &ro, NULL), ETWCAP_OK);
    etwcap_event ev;
    for (int i = 0; i < 5000 && etwcap_reader_next(r, &ev) == ETWCAP_OK; i++)
        assert_int_equal(etwcap_evidence_stream_add(s, &ev), ETWCAP_OK);
    etwcap_reader_close(r);
    size_t kept = 0;
    etwcap_evidence_stream_retained(s, &kept);
    assert_true(kept > 0);
    etwcap_evidence_stream_free(s);
    /* No selector: no target, END with the state still there to list. */
    assert_int_equal(etwcap_evidence_stream_begin(&s, &opts, "x.etl", NULL), ETWCAP_OK);
    etwcap_evidence *e = NULL;
    assert_int_equal(etwcap_evidence_stream_end(s, &e), ETWCAP_END);
    assert_non_null(e);
    etwcap_evidence_free(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_net452),
        cmocka_unit_test(test_net45_perfviewdata),
        cmocka_unit_test(test_free_unfinished),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
