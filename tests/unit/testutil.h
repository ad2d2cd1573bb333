/* testutil.h - shared helpers for the cmocka unit tests. */
#ifndef ETWCAP_TESTUTIL_H
#define ETWCAP_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "etwcap/decode.h"
#include "etwcap/reader.h"
#include "etwcap/state.h"

/* Exit status that ctest reads as "skipped" (SKIP_RETURN_CODE). */
#define TEST_SKIP_CODE 77

/* Path of a corpus file ("etl/microsoft_perfview/net.4.5.2.x86.etl"), or NULL
 * when the corpus folder is absent. The string is static, valid until the
 * next call. */
const char *test_corpus_path(const char *rel);

/* Temporary files (PATH.tmp...) an output writer left next to `path`, which
 * must lie in the current folder. */
int test_tmp_leftovers(const char *path);

/* Fails the test unless the file at `path` holds exactly `text`. */
void test_assert_file_text(const char *path, const char *text);

/* mkdir / rmdir on both platforms: 0 on success. */
int test_make_dir(const char *path);
int test_remove_dir(const char *path);

/* Like test_corpus_path but prints a clear message and exits with
 * TEST_SKIP_CODE when the corpus is absent. */
const char *test_corpus_require(const char *rel);

/* Fails the current test with a printf-style message. Declared _Noreturn,
 * unlike cmocka's fail_msg, so that the compiler and clang's analyzer know
 * that code after it runs only when the condition before it held. */
_Noreturn void test_fail_at(const char *file, int line, const char *fmt, ...)
    CMOCKA_PRINTF_ATTRIBUTE(3, 4);
#define test_fail(...) test_fail_at(__FILE__, __LINE__, __VA_ARGS__)

/* malloc that fails the test when memory runs out. A request of 0 bytes
 * gets 1, so that the result is never malloc(0)'s implementation-defined
 * value. */
void *test_alloc(size_t n);

/* Read a whole (small) file into a malloc'd buffer. Returns NULL on failure. */
uint8_t *test_read_file(const char *path, size_t *size);

/* tests/data/<rel> (under $ETWCAP_TESTDATA), a testgen description
 * (tests/tools/testgen/README.md), written as the trace `etl`. Fails the
 * test when it cannot. */
void test_write_data_trace(const char *rel, const char *etl);

/* The state built from every event of `r`, which is then closed. */
etwcap_state *test_state_from(etwcap_reader *r);

/* A new empty read-write stream whose file is gone once it is closed; the
 * test fails when it cannot be made. Tests use it, not tmpfile(): under Wine
 * tmpfile() takes a name from GetTempFileName, deletes the file and opens
 * the name again, so test programs that ctest runs side by side can race for
 * one name, and the loser gets NULL (seen once in CI, test_capture_watch). */
FILE *test_scratch(void);

/* Everything written to `f` so far (a scratch stream), as a string; caller
 * frees. */
char *test_read_stream(FILE *f);

/* Occurrences of `needle` in `s`. */
size_t test_count(const char *s, const char *needle);

/* A typed payload decoder (etwcap_decode_process, ...) seen generically. */
typedef etwcap_decode_result (*test_typed_fn)(const etwcap_event *ev, void *out);

/* Every truncation of ev's payload below `need` bytes gives SHORT from the
 * typed decoder `fn` (when not NULL) and from the field decoder. Each cut is
 * copied to an exact heap block, so ASan sees any read past its end. */
void test_check_truncations(const etwcap_event *ev, size_t need, test_typed_fn fn, void *out);

/* A decoded field by name; the test fails when it is absent. */
const etwcap_field *test_field(const etwcap_fields *fl, const char *name);
/* A numeric field (signed, unsigned, hex or bool) as int64_t. */
int64_t test_fnum(const etwcap_fields *fl, const char *name);
/* A string field. */
const char *test_fstr(const etwcap_fields *fl, const char *name);

#endif
