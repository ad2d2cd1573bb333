/* evidence_doc.c - evidence documents as bytes (evidence_doc.h). */
#include "evidence_doc.h"

#include <stdio.h>
#include <stdlib.h>

#include "common/sha256.h"

uint8_t *test_evidence_doc(const etwcap_evidence *e, size_t *len)
{
    FILE *f = tmpfile();
    if (!f)
        return NULL;
    uint8_t *buf = NULL;
    long n;
    if (etwcap_evidence_write(e, f, 0) != ETWCAP_OK || fflush(f) != 0 ||
        fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0)
        goto out;
    buf = malloc((size_t)n + 1);
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    *len = (size_t)n;
out:
    fclose(f);
    return buf;
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
