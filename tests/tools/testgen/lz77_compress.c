/* lz77_compress.c - greedy MS-XCA "Plain LZ77" compressor (test support only).
 *
 * Format: see src/lib/reader/lz77.c and MS-XCA §2.3. One hash table maps the
 * next 3 bytes to the last position they were seen at; a candidate within the
 * 8192-byte window (13-bit distance field) is extended as far as it matches
 * and taken greedily. Flag words are written as in MS-XCA §2.3: a new one is
 * reserved right after the 32nd flag of the previous one, and the last one is
 * padded with 1 bits, so the output of the MS-XCA examples matches the
 * specification byte for byte.
 */
#include "lz77_compress.h"

#include <stdlib.h>
#include <string.h>

#include "common/bytes.h"

#define LZ77C_HASH_BITS 15
#define LZ77C_WINDOW 8192u
#define LZ77C_MIN_MATCH 3u
#define LZ77C_NONE ((size_t)-1)

typedef struct lz77c_writer {
    uint8_t *dst;
    size_t cap;
    size_t op;       /* next output byte */
    size_t flag_pos; /* where the current flag word goes */
    size_t nib_pos;  /* nibble byte with a free high half, or LZ77C_NONE */
    uint32_t flags;
    unsigned nflags;
    int ok;
} lz77c_writer;

size_t testgen_lz77_bound(size_t src_len)
{
    /* A literal costs 1 byte and a match fewer bytes than it covers (at most
     * 10, for lengths above 65538), so at most src_len bytes of symbols; plus
     * one flag word per 32 symbols and the last, possibly empty, one. */
    return src_len + 4 * (src_len / 32 + 2);
}

static int lz77c_room(lz77c_writer *w, size_t n)
{
    if (!w->ok || w->cap - w->op < n) {
        w->ok = 0;
        return 0;
    }
    return 1;
}

static void lz77c_put8(lz77c_writer *w, unsigned v)
{
    if (lz77c_room(w, 1))
        w->dst[w->op++] = (uint8_t)v;
}

static void lz77c_put16(lz77c_writer *w, uint32_t v)
{
    if (lz77c_room(w, 2)) {
        etwcap_wr16(w->dst + w->op, (uint16_t)v);
        w->op += 2;
    }
}

static void lz77c_put32(lz77c_writer *w, uint32_t v)
{
    if (lz77c_room(w, 4)) {
        etwcap_wr32(w->dst + w->op, v);
        w->op += 4;
    }
}

/* Record one flag bit; after 32 of them write the word and reserve the next. */
static void lz77c_flag(lz77c_writer *w, unsigned bit)
{
    w->flags = (w->flags << 1) | bit;
    if (++w->nflags == 32) {
        if (w->ok)
            etwcap_wr32(w->dst + w->flag_pos, w->flags);
        w->flags = 0;
        w->nflags = 0;
        w->flag_pos = w->op;
        lz77c_put32(w, 0);
    }
}

static void lz77c_literal(lz77c_writer *w, uint8_t b)
{
    lz77c_put8(w, b);
    lz77c_flag(w, 0);
}

/* A match of `len` (>= 3) bytes, `dist` (1..8192) bytes back. */
static void lz77c_match(lz77c_writer *w, size_t dist, size_t len)
{
    size_t l = len - 3; /* the format stores length minus 3 */
    uint32_t dfield = (uint32_t)(dist - 1) << 3;
    if (l < 7) {
        lz77c_put16(w, dfield | (uint32_t)l);
    } else {
        lz77c_put16(w, dfield | 7u);
        size_t m = l - 7;
        unsigned hb = m < 15 ? (unsigned)m : 15u;
        if (w->nib_pos == LZ77C_NONE) {
            /* First of a pair: a new byte, low nibble. */
            w->nib_pos = w->op;
            lz77c_put8(w, hb);
        } else {
            /* Second of a pair: high nibble of the pending byte. */
            if (w->ok)
                w->dst[w->nib_pos] |= (uint8_t)(hb << 4);
            w->nib_pos = LZ77C_NONE;
        }
        if (m >= 15) {
            size_t b = m - 15; /* == l - 22 */
            if (b < 255) {
                lz77c_put8(w, (unsigned)b);
            } else {
                lz77c_put8(w, 255);
                if (l <= 0xFFFFu) {
                    lz77c_put16(w, (uint32_t)l); /* l >= 277, never the 0 escape */
                } else {
                    lz77c_put16(w, 0);
                    lz77c_put32(w, (uint32_t)l);
                }
            }
        }
    }
    lz77c_flag(w, 1);
}

static inline uint32_t lz77c_hash(const uint8_t *p)
{
    uint32_t v = (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16);
    return (v * 2654435761u) >> (32 - LZ77C_HASH_BITS);
}

size_t testgen_lz77_compress(const uint8_t *src, size_t src_len, uint8_t *dst, size_t dst_cap)
{
    /* Longest match whose length minus 3 fits the u32 escape. */
    const uint64_t max_len = (uint64_t)UINT32_MAX + 3;
    size_t *head = malloc(sizeof(size_t) << LZ77C_HASH_BITS);
    if (!head)
        return 0;
    for (size_t i = 0; i < ((size_t)1 << LZ77C_HASH_BITS); i++)
        head[i] = LZ77C_NONE;

    lz77c_writer w = {0};
    w.dst = dst;
    w.cap = dst_cap;
    w.nib_pos = LZ77C_NONE;
    w.ok = 1;
    lz77c_put32(&w, 0); /* first flag word */

    size_t pos = 0;
    while (pos < src_len && w.ok) {
        size_t best = 0, dist = 0;
        if (src_len - pos >= LZ77C_MIN_MATCH) {
            uint32_t h = lz77c_hash(src + pos);
            size_t cand = head[h];
            head[h] = pos;
            if (cand != LZ77C_NONE && pos - cand <= LZ77C_WINDOW) {
                size_t n = 0;
                while (pos + n < src_len && src[cand + n] == src[pos + n] && n < max_len)
                    n++;
                if (n >= LZ77C_MIN_MATCH) {
                    best = n;
                    dist = pos - cand;
                }
            }
        }
        if (best) {
            lz77c_match(&w, dist, best);
            /* Index the positions inside the match too. */
            for (size_t i = 1; i < best && src_len - (pos + i) >= LZ77C_MIN_MATCH; i++)
                head[lz77c_hash(src + pos + i)] = pos + i;
            pos += best;
        } else {
            lz77c_literal(&w, src[pos]);
            pos++;
        }
    }
    free(head);

    /* Last flag word: pending flags moved to the top, the rest set to 1. */
    if (w.ok) {
        uint32_t fill = (uint32_t)(((uint64_t)1 << (32 - w.nflags)) - 1);
        uint32_t word = w.nflags ? (w.flags << (32 - w.nflags)) : 0;
        etwcap_wr32(w.dst + w.flag_pos, word | fill);
    }
    return w.ok ? w.op : 0;
}
