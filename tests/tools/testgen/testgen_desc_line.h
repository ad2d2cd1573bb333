/* testgen_desc_line.h - one line of the description format (testgen_desc.c):
 * its tokens and their typed values, with errors that name the line. Private
 * to the test-trace writer. */
#ifndef ETWCAP_TESTGEN_DESC_LINE_H
#define ETWCAP_TESTGEN_DESC_LINE_H

#include <stddef.h>
#include <stdint.h>

#include "testgen.h"

#define TGD_MAX_TOKS 128

typedef struct tgd_tok {
    const char *key;
    const char *val;
    int has_val;
    int used;
} tgd_tok;

typedef struct tgd_ctx {
    testgen_trace *t;
    int started; /* the trace exists (explicit `trace` or implied) */
    size_t lineno;
    const char *dir;
    tgd_tok tok[TGD_MAX_TOKS];
    size_t n;
    char *err;
    size_t err_cap;
} tgd_ctx;

/* Write "line N: <message>" into the caller's error text; returns -1. */
int tgd_fail(tgd_ctx *c, const char *fmt, ...);

/* Whole strings as numbers (decimal or 0x hex) and hex bytes; 0 on success. */
int tgd_parse_u64(const char *s, uint64_t *out);
int tgd_parse_i64(const char *s, int64_t *out);
int tgd_parse_hex(const char *s, testgen_buf *b);

/* Split `line` (modified in place) into the directive and its tokens. */
int tgd_tokenize(tgd_ctx *c, char *line);

/* The value of key=value, checked and converted; each marks its token used
 * and fails (tgd_fail) when it is missing or out of range. */
int tgd_value(tgd_ctx *c, const char *key, const char **val);
int tgd_u64(tgd_ctx *c, const char *key, uint64_t max, uint64_t *out);
int tgd_i64(tgd_ctx *c, const char *key, int64_t min, int64_t max, int64_t *out);
int tgd_i32bits(tgd_ctx *c, const char *key, int32_t *out);
int tgd_u32(tgd_ctx *c, const char *key, uint32_t *out);
int tgd_u16(tgd_ctx *c, const char *key, uint16_t *out);
int tgd_u8(tgd_ctx *c, const char *key, uint8_t *out);
int tgd_ts(tgd_ctx *c, const char *key, int64_t *out);
int tgd_guid(tgd_ctx *c, const char *key, etwcap_guid *out);
int tgd_str(tgd_ctx *c, const char *key, const char **out);
int tgd_time(tgd_ctx *c, const char *key, int64_t *out);
int tgd_flag(tgd_ctx *c, const char *key, int *out);
int tgd_parse_list(tgd_ctx *c, const char *key, const char *v, uint64_t *arr, size_t cap,
                   size_t *n);
int tgd_list(tgd_ctx *c, const char *key, uint64_t *arr, size_t cap, size_t *n);

/* Fail on any token no accessor asked for (a misspelt key). */
int tgd_check_used(tgd_ctx *c);

#endif
