/* evidence_doc.c - evidence documents as bytes (evidence_doc.h). */
#include "evidence_doc.h"

#include <stdio.h>
#include <stdlib.h>

#include "common/sha256.h"
#include "testutil.h"

uint8_t *test_evidence_doc(const etwcap_evidence *e, size_t *len)
{
    FILE *f = test_scratch();
    assert_int_equal(etwcap_evidence_write(e, f, 0), ETWCAP_OK);
    long n = ftell(f);
    assert_true(n >= 0);
    char *doc = test_read_stream(f);
    fclose(f);
    *len = (size_t)n;
    return (uint8_t *)doc;
}

uint8_t *test_evidence_file_doc(const char *path, const etwcap_evidence_options *opts, size_t *len)
{
    etwcap_evidence *e = NULL;
    etwcap_reader_options ro = ETWCAP_READER_OPTIONS_INIT;
    etwcap_status st = etwcap_evidence_build(&e, path, opts, &ro, NULL);
    uint8_t *doc = st == ETWCAP_OK ? test_evidence_doc(e, len) : NULL;
    etwcap_evidence_free(e);
    return doc;
}

void test_sha256_hex(const uint8_t *p, size_t len, char out[65])
{
    if (etwcap_sha256_buf(p, len, out) != 0)
        out[0] = '\0';
}
