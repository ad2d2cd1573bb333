/* bytes.h - little-endian reads from byte buffers.
 *
 * Every byte of input is read through these helpers, never through a struct
 * cast: that keeps UBSan quiet about alignment and is endian-safe. Callers
 * check bounds first (etwcap_span_* below do both).
 */
#ifndef ETWCAP_BYTES_H
#define ETWCAP_BYTES_H

#include <stddef.h>
#include <stdint.h>

/* The readers are a load or two each, called for every field of every
 * record: always inlined (GCC and Clang), also where a large program has
 * used up the compiler's inlining budget (LTO builds did not inline
 * etwcap_rd64 into the record parser). */
#if defined(__GNUC__) || defined(__clang__)
#define ETWCAP_BYTES_INLINE static inline __attribute__((always_inline))
#else
#define ETWCAP_BYTES_INLINE static inline
#endif

ETWCAP_BYTES_INLINE uint16_t etwcap_rd16(const uint8_t *p)
{
    return (uint16_t)(p[0] | (p[1] << 8));
}

ETWCAP_BYTES_INLINE uint32_t etwcap_rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

ETWCAP_BYTES_INLINE uint64_t etwcap_rd64(const uint8_t *p)
{
    return (uint64_t)p[0] | ((uint64_t)p[1] << 8) | ((uint64_t)p[2] << 16) |
           ((uint64_t)p[3] << 24) | ((uint64_t)p[4] << 32) | ((uint64_t)p[5] << 40) |
           ((uint64_t)p[6] << 48) | ((uint64_t)p[7] << 56);
}

/* Pointer-sized read (4 or 8 bytes). */
static inline uint64_t etwcap_rdptr(const uint8_t *p, unsigned psize)
{
    return psize == 8 ? etwcap_rd64(p) : etwcap_rd32(p);
}

static inline void etwcap_wr16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static inline void etwcap_wr32(uint8_t *p, uint32_t v)
{
    etwcap_wr16(p, (uint16_t)v);
    etwcap_wr16(p + 2, (uint16_t)(v >> 16));
}

static inline void etwcap_wr64(uint8_t *p, uint64_t v)
{
    etwcap_wr32(p, (uint32_t)v);
    etwcap_wr32(p + 4, (uint32_t)(v >> 32));
}

/* A bounded view of bytes: every read says whether it fit. */
typedef struct etwcap_span {
    const uint8_t *data;
    size_t size;
} etwcap_span;

static inline int etwcap_span_has(etwcap_span s, size_t off, size_t n)
{
    return off <= s.size && n <= s.size - off;
}

static inline size_t etwcap_align8(size_t x)
{
    return (x + 7u) & ~(size_t)7u;
}

#endif
