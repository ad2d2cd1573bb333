/* testutil.h - shared helpers for the cmocka unit tests. */
#ifndef ETWCAP_TESTUTIL_H
#define ETWCAP_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

/* Exit status that ctest reads as "skipped" (SKIP_RETURN_CODE). */
#define TEST_SKIP_CODE 77

/* Path of a corpus file ("etl/microsoft_perfview/net.4.5.2.x86.etl"), or NULL
 * when the corpus folder is absent. The string is static, valid until the
 * next call. */
const char *test_corpus_path(const char *rel);

/* Like test_corpus_path but prints a clear message and exits with
 * TEST_SKIP_CODE when the corpus is absent. */
const char *test_corpus_require(const char *rel);

/* Read a whole (small) file into a malloc'd buffer. Returns NULL on failure. */
uint8_t *test_read_file(const char *path, size_t *size);

#endif
