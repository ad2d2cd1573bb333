/* fuzz_common.h - shared by the fuzz targets (fuzz/fuzz_*.c) and the replay
 * driver (fuzz/replay_main.c).
 *
 * A target is one LLVMFuzzerTestOneInput per file. It must be deterministic,
 * keep no state between inputs, free everything it allocates and never
 * print on success: libFuzzer runs it millions of times in one process, and
 * the replay driver runs it over the committed corpora in every ctest build
 * (gcc, ASan, mingw under Wine).
 *
 * FUZZ_CHECK states an invariant the library promises (a span inside its
 * payload, a count inside its bounds). A broken one aborts, which libFuzzer
 * and the replay driver both report as a finding.
 */
#ifndef ETWCAP_FUZZ_COMMON_H
#define ETWCAP_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond)                                                                      \
    do {                                                                                      \
        if (!(cond)) {                                                                        \
            fprintf(stderr, "%s:%d: fuzz invariant broken: %s\n", __FILE__, __LINE__, #cond); \
            fflush(stderr);                                                                   \
            abort();                                                                          \
        }                                                                                     \
    } while (0)

/* 1 when [p, p + n) lies inside [base, base + len). A NULL span of length 0
 * is inside everything. */
static inline int fuzz_within(const void *p, size_t n, const void *base, size_t len)
{
    if (n == 0 && p == NULL)
        return 1;
    if (p == NULL || base == NULL)
        return 0;
    uintptr_t a = (uintptr_t)p, b = (uintptr_t)base;
    return a >= b && a - b <= len && n <= len - (a - b);
}

/* A byte source over the fuzz input: reads past the end give zeros, so a
 * target can decode a structured input of any length. */
typedef struct fuzz_src {
    const uint8_t *p;
    size_t n;
    size_t pos;
} fuzz_src;

static inline void fuzz_src_init(fuzz_src *s, const uint8_t *p, size_t n)
{
    s->p = p;
    s->n = n;
    s->pos = 0;
}

static inline size_t fuzz_left(const fuzz_src *s)
{
    return s->n - s->pos;
}

static inline uint8_t fuzz_u8(fuzz_src *s)
{
    return s->pos < s->n ? s->p[s->pos++] : 0;
}

static inline uint16_t fuzz_u16(fuzz_src *s)
{
    uint16_t lo = fuzz_u8(s);
    return (uint16_t)(lo | (uint16_t)(fuzz_u8(s) << 8));
}

static inline uint32_t fuzz_u32(fuzz_src *s)
{
    uint32_t lo = fuzz_u16(s);
    return lo | ((uint32_t)fuzz_u16(s) << 16);
}

static inline uint64_t fuzz_u64(fuzz_src *s)
{
    uint64_t lo = fuzz_u32(s);
    return lo | ((uint64_t)fuzz_u32(s) << 32);
}

/* Up to `n` bytes at the current position (fewer near the end); *got says
 * how many. */
static inline const uint8_t *fuzz_bytes(fuzz_src *s, size_t n, size_t *got)
{
    size_t k = n < fuzz_left(s) ? n : fuzz_left(s);
    const uint8_t *q = s->p + s->pos;
    s->pos += k;
    *got = k;
    return q;
}

/* A block of exactly `n` bytes, so that AddressSanitizer reports an access
 * one byte past the end. Never NULL: an empty block is malloc(0) where that
 * gives a pointer (it does under ASan, which then reports any access), else
 * a 1-byte block. fuzz_dup copies `n` bytes into one. */
static inline uint8_t *fuzz_alloc(size_t n)
{
    uint8_t *q = malloc(n); // NOLINT(clang-analyzer-optin.portability.UnixAPI): malloc(0) wanted
    if (!q)
        q = malloc(1);
    if (!q)
        abort();
    return q;
}

static inline uint8_t *fuzz_dup(const uint8_t *p, size_t n)
{
    uint8_t *q = fuzz_alloc(n);
    if (n)
        memcpy(q, p, n);
    return q;
}

#endif
