/* testgen_read.h - a trace of the test-trace writer read back with the real
 * reader (etwcap_reader_open_memory / etwcap_reader_next), and what its
 * records should look like: for test_testgen.c and test_testgen_desc.c. */
#ifndef ETWCAP_TEST_TESTGEN_READ_H
#define ETWCAP_TEST_TESTGEN_READ_H

#include <stddef.h>
#include <stdint.h>

#include "etwcap/reader.h"
#include "testgen.h"

/* The bytes testgen_write_mem gave and a reader over them. */
typedef struct tgr_image {
    uint8_t *data;
    size_t len;
    etwcap_reader *r;
} tgr_image;

/* Write `t` to memory and open a reader on it (no_merge: file order). */
void tgr_open(testgen_trace *t, tgr_image *im, int no_merge);
/* Close it. The reader may have given only diagnostics that contain
 * `allowed` (a message fragment; NULL: none at all). */
void tgr_close_allowing(tgr_image *im, const char *allowed);
void tgr_close(tgr_image *im);
/* The next event, which must exist; then the end of the events. */
void tgr_next_ok(tgr_image *im, etwcap_event *ev);
void tgr_expect_end(tgr_image *im);

void tgr_assert_guid(const etwcap_guid *a, const etwcap_guid *b);

/* What a record should look like after the reader. */
typedef struct tgr_expect {
    etwcap_event_kind kind;
    uint8_t header_type, pointer_size;
    const etwcap_guid *provider;
    uint16_t id;
    uint8_t version, channel, level, opcode;
    uint16_t task;
    uint64_t keyword;
    uint16_t hook_id, flags, event_property;
    uint32_t pid, tid, cpu, kernel_time, user_time;
    const etwcap_guid *activity;
    int64_t timestamp;
    const void *payload;
    size_t payload_len;
    size_t ext_count;
} tgr_expect;

/* Every header field of `ev` against `x` (filetime from the trace's clock). */
void tgr_check_event(testgen_trace *t, const etwcap_event *ev, const tgr_expect *x);
/* `ev` is the logfile header record of a 32- or 64-bit trace (`bits`). */
void tgr_check_header_event(testgen_trace *t, const etwcap_event *ev, unsigned bits);

#endif
