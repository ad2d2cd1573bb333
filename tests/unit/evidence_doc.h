/* evidence_doc.h - evidence documents as bytes, for tests that compare the
 * file path with the stream path (test_evidence_stream, test_realtime). */
#ifndef ETWCAP_TEST_EVIDENCE_DOC_H
#define ETWCAP_TEST_EVIDENCE_DOC_H

#include <stddef.h>
#include <stdint.h>

#include "etwcap/evidence.h"

/* The canonical document of `e` in a malloc'd buffer; the test fails when
 * it cannot be written. */
uint8_t *test_evidence_doc(const etwcap_evidence *e, size_t *len);

/* etwcap_evidence_build on `path` with `opts`, as its document. */
uint8_t *test_evidence_file_doc(const char *path, const etwcap_evidence_options *opts, size_t *len);

/* The sha256 of `len` bytes as 64 hex digits. */
void test_sha256_hex(const uint8_t *p, size_t len, char out[65]);

#endif
