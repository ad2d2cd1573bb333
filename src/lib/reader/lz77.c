/* lz77.c - MS-XCA "Plain LZ77" decompression (etl-format.md §1.5, MS-XCA §2.4).
 *
 * Stream layout (MS-XCA §2.3/2.4):
 *   - a 32-bit little-endian flag word, its bits consumed most significant
 *     first, one per symbol; after 32 symbols the next flag word follows;
 *   - flag 0: one literal byte;
 *   - flag 1: a u16 token, distance = (token >> 3) + 1 (1..8192) and a 3-bit
 *     length. A length field of 7 continues into a 4-bit value taken from a
 *     "nibble byte" shared by two consecutive long matches (the first reads a
 *     new byte and uses its low nibble, the second uses the high nibble of
 *     that same byte). A nibble of 15 continues into a byte; a byte of 255
 *     continues into a u16 (a u16 of 0 into a u32) that holds the whole
 *     length minus 3. The copy length is always the decoded value + 3, and a
 *     copy may overlap its own output (distance < length).
 *
 * End of stream: decoding stops successfully when the input is used up at a
 * symbol boundary. The reference compressor pads the last flag word with 1
 * bits, so the spec's decoder stops when a match flag finds no input left; a
 * literal flag with no input left is treated the same way here.
 *
 * Error reporting: *err_pos is the input offset of the symbol that failed (the
 * flag word, the literal, or the match token). On OVERFLOW the output is
 * filled up to dst_cap with the valid prefix of the failing symbol, so
 * *out_len == dst_cap.
 *
 * Speed: copies move fixed 8/16-byte blocks where the room allows, so bytes of
 * dst between *out_len and dst_cap may be overwritten; nothing is ever read
 * past src + src_len or written past dst + dst_cap. Three loops decode a
 * buffer, each handing its exact state to the next:
 *   - the word loop takes whole flag words while at least WORD_MARGIN bytes
 *     of input and WORD_OUT_MARGIN of output are left, and checks those
 *     bounds once per word (32 symbols) rather than once per step (issue #8:
 *     3-4% of the decoding time);
 *   - the step loop goes on while FAST_MARGIN and FAST_OUT_MARGIN are left,
 *     checking them before each step;
 *   - the careful loop checks every read and write, and decodes the end.
 * A step of the first two (lz77_step) takes a whole literal run (up to 32
 * bytes) with one or two fixed 16-byte copies, then the match after it; only
 * the rare long matches are checked on their own. A step that cannot finish
 * (bad distance, a long match that would reach the margin) leaves its
 * symbol to the next loop, and the careful loop gives the same results and
 * errors on its own.
 *
 * Not enforced: MS-XCA rejects a u16/u32 length below 22 (15 + 7, i.e. one
 * that the shorter escapes could have held). Such a value still has a single
 * meaning (length = value + 3) and is accepted.
 */
#include "reader/lz77.h"

#include <string.h>

#include "common/bytes.h"

#if defined(_MSC_VER) && !defined(__clang__)
#include <intrin.h>
#endif

/* Input bytes the fast loop keeps clear of the end: one step reads at most
 * 4 (flag word) + 32 (literal copy) + 10 (match token and lengths) bytes. */
#define FAST_MARGIN 64u
/* Output bytes it keeps clear of the end. A step writes up to 31 literals,
 * then a match: one with a one-byte length is at most 22 + 255 + 3 = 280
 * bytes, 288 in 16-byte blocks, so 320 - 31 = 289 bytes of room hold any
 * of them without a check. Only a u16/u32 length is checked on its own. */
#define FAST_OUT_MARGIN 320u

/* The word loop's margins. Input: a word is 4 bytes of flags and 32 symbols
 * of at most 4 bytes each (a match's token, nibble byte and length byte),
 * and a literal copy reads up to 32 bytes ahead: 164 bytes. A u16/u32
 * length (6 bytes more) is read only where its length byte lies at least
 * WORD_MARGIN bytes before the end, which leaves room for the rest of the
 * word. */
#define WORD_MARGIN 192u
/* Output: without a length byte, a match writes at most 24 bytes, 32 in
 * blocks, so a word's 32 symbols reach at most 31 * 24 + 32 = 776 bytes.
 * A match with a length byte (up to 280 bytes, 288 in blocks) starts only
 * where WORD_OUT_LONG more are left; one with a u16/u32 length only where
 * its copy leaves WORD_OUT_MARGIN. */
#define WORD_OUT_MARGIN 832u
#define WORD_OUT_LONG 288u

/* Number of leading zero bits of a non-zero 32-bit value. */
static inline unsigned lz77_clz32(uint32_t x)
{
#if defined(__GNUC__) || defined(__clang__)
    return (unsigned)__builtin_clz(x);
#elif defined(_MSC_VER)
    unsigned long idx; /* the intrinsic's signature; only holds a bit index */
    _BitScanReverse(&idx, x);
    return 31u - (unsigned)idx;
#else
    unsigned n = 0;
    while (!(x & 0x80000000u)) {
        x <<= 1;
        n++;
    }
    return n;
#endif
}

/* Number of trailing zero bits of a non-zero 64-bit value. Compilers emit
 * `tzcnt` (`rep bsf`), which has a shorter latency than `bsr` on current
 * cores; the fast loop's flag chain runs through it once per symbol run. */
static inline unsigned lz77_ctz64(uint64_t x)
{
#if defined(__GNUC__) || defined(__clang__)
    return (unsigned)__builtin_ctzll(x);
#elif defined(_MSC_VER) && defined(_M_X64)
    unsigned long idx; /* the intrinsic's signature; only holds a bit index */
    _BitScanForward64(&idx, x);
    return (unsigned)idx;
#else
    unsigned n = 0;
    while (!(x & 1u)) {
        x >>= 1;
        n++;
    }
    return n;
#endif
}

/* The 32 bits of x in reverse order. */
static inline uint32_t lz77_rev32(uint32_t x)
{
    x = ((x >> 1) & 0x55555555u) | ((x & 0x55555555u) << 1);
    x = ((x >> 2) & 0x33333333u) | ((x & 0x33333333u) << 2);
    x = ((x >> 4) & 0x0F0F0F0Fu) | ((x & 0x0F0F0F0Fu) << 4);
#if defined(__GNUC__) || defined(__clang__)
    return __builtin_bswap32(x);
#else
    return (x >> 24) | ((x >> 8) & 0xFF00u) | ((x << 8) & 0xFF0000u) | (x << 24);
#endif
}

const char *etwcap_lz77_status_str(etwcap_lz77_status st)
{
    switch (st) {
    case ETWCAP_LZ77_OK:
        return "ok";
    case ETWCAP_LZ77_TRUNCATED:
        return "compressed data truncated";
    case ETWCAP_LZ77_BAD_DISTANCE:
        return "match distance before start of output";
    case ETWCAP_LZ77_OVERFLOW:
        return "decompressed data exceeds output buffer";
    }
    return "unknown lz77 status";
}

/* Copy a match of `len` bytes from `dist` bytes back; the caller checked that
 * dist <= current output size and len <= out_avail. */
static inline void lz77_copy_match(uint8_t *d, size_t dist, size_t len, size_t out_avail)
{
    const uint8_t *s = d - dist;
    if (dist >= 16 && out_avail - len >= 15) {
        /* Fixed 16-byte blocks, rounded up past `len` but within dst_cap (the
         * extra bytes are not output yet). With dist >= 16 a block never reads
         * bytes it writes, so this also serves overlapping matches. */
        size_t i = 0;
        do {
            memcpy(d + i, s + i, 16);
            i += 16;
        } while (i < len);
    } else if (dist >= 8 && out_avail - len >= 7) {
        size_t i = 0;
        do {
            memcpy(d + i, s + i, 8);
            i += 8;
        } while (i < len);
    } else if (dist >= len) {
        memcpy(d, s, len);
    } else if (dist == 1) {
        memset(d, *s, len); /* run of one byte */
    } else {
        /* Overlapping copy (MS-XCA: output feeds itself), byte by byte. */
        for (size_t i = 0; i < len; i++)
            d[i] = s[i];
    }
}

static etwcap_lz77_status lz77_fail(etwcap_lz77_status st, size_t op, size_t pos, size_t *out_len,
                                    size_t *err_pos)
{
    *out_len = op;
    if (err_pos)
        *err_pos = pos;
    return st;
}

/* Decoder position between two symbols. */
typedef struct lz77_state {
    size_t ip;      /* input position */
    size_t op;      /* output position */
    size_t nib;     /* position of the half-used nibble byte; 0 = none (0 is a flag word) */
    uint32_t flags; /* remaining flag bits, left-aligned; bits past `nflags` are 0 */
    unsigned nflags;
} lz77_state;

/* 16 bytes, loaded whole before they are stored: the two ranges may
 * overlap (a match closer than 16 bytes). */
static inline void copy16(uint8_t *d, const uint8_t *s)
{
    uint8_t t[16];
    memcpy(t, s, 16);
    memcpy(d, t, 16);
}

/* The fast loops' state in registers: positions and the flags in symbol
 * order from bit 0 up (the stream's word reversed), with a sentinel 1 above
 * the last one left: a run of literals is the count of trailing zeros, and
 * f == 1 when the word is used up. */
typedef struct lz77_regs {
    size_t ip, op, nib;
    uint64_t f;
} lz77_regs;

/* What a fast step must check beyond the margin its loop keeps. */
typedef struct lz77_limits {
    size_t long_op_max; /* a match with a length byte starts at op <= this ... */
    size_t long_ip_max; /* ... and its length byte is at ip <= this */
    size_t room;        /* a u16/u32 length is taken when len <= dst_cap - op - room */
} lz77_limits;

/* A step is inlined into both fast loops, and each loop is a function of its
 * own: inlined into their caller together, they ran about 5% slower (GCC 12
 * kept the positions in stack slots). */
#if defined(__GNUC__) || defined(__clang__)
#define LZ77_INLINE static inline __attribute__((always_inline))
#define LZ77_NOINLINE static __attribute__((noinline))
#elif defined(_MSC_VER)
#define LZ77_INLINE static __forceinline
#define LZ77_NOINLINE static __declspec(noinline)
#else
#define LZ77_INLINE static inline
#define LZ77_NOINLINE static
#endif

/* One step of the fast loops: a run of literals, then the match after it
 * unless the flag word ends first. Returns 0 when the step is done, 1 when
 * it stopped at a match it leaves to the next loop (bad distance, or a long
 * match beyond `lim`); `g` is then at that match. The loop that calls it
 * keeps enough input and output for the step apart from `lim`'s cases. */
LZ77_INLINE int lz77_step(const uint8_t *src, uint8_t *dst, size_t dst_cap, const lz77_limits *lim,
                          lz77_regs *g)
{
    /* A run of r literals (0..32). One 16-byte copy serves nearly all of
     * them (the bytes past r are overwritten by what follows); the second
     * one only when needed, since every store costs here: the match copies
     * below read back recent output. */
    const unsigned r = lz77_ctz64(g->f);
    copy16(dst + g->op, src + g->ip);
    if (r > 16)
        copy16(dst + g->op + 16, src + g->ip + 16);
    g->ip += r;
    g->op += r;
    g->f >>= r;
    if (g->f == 1)
        return 0; /* the flag word ends with literals */
    /* A match (flag bit 0 is 1). Decoded into locals first, so that the
     * next loop can take the symbol over unchanged. */
    const size_t op = g->op;
    size_t mp = g->ip, mnib = g->nib;
    uint32_t token = etwcap_rd16(src + mp);
    mp += 2;
    size_t len = token & 7u;
    const size_t dist = (size_t)(token >> 3) + 1;
    if (dist > op)
        return 1; /* bad distance: the careful loop reports it */
    /* The match's first 16-byte block is copied before its length is
     * known: the branch on the length field is mispredicted for about a
     * third of the matches (issue #8), and work issued before the branch
     * survives the misprediction. Every match of 3-9 bytes is then done; a
     * longer one (field 7: 10 bytes or more) always takes a second block,
     * so that only a match past 32 bytes loops. Bytes past a match's end
     * are overwritten by what follows. With dist >= 16 no block reads bytes
     * it writes; a shorter match that does not overlap itself (len <= dist)
     * fits in the first block, which is loaded before it is stored. */
    uint8_t *d = dst + op;
    const uint8_t *s = d - dist;
    copy16(d, s);
    if (len == 7) {
        /* A length field of 7 takes a nibble: the low half of a new byte,
         * or the high half of the one the last long match took. Chosen
         * with masks, not a branch: the two cases alternate, which a branch
         * predicts badly (both bytes lie within the margin; with no byte
         * held, mnib is 0 and src[0] is read for nothing). */
        const size_t fresh = mnib == 0, mask = 0 - fresh;
        const unsigned hb = (unsigned)(((src[mp] & 15u) & mask) | ((src[mnib] >> 4) & ~mask));
        mnib = mp & mask;
        mp += fresh;
        len = 7 + hb;
        if (hb == 15) {
            if (op > lim->long_op_max || mp > lim->long_ip_max)
                return 1;
            unsigned b = src[mp++];
            if (b != 255) {
                len = 22 + (size_t)b;
            } else {
                uint32_t v = etwcap_rd16(src + mp);
                mp += 2;
                if (v == 0) {
                    v = etwcap_rd32(src + mp);
                    mp += 4;
                }
                len = v;
                /* len + 3 bytes in 16-byte blocks reach len + 18 bytes
                 * past op; `room` (>= 35) leaves a block to spare. Each
                 * loop keeps more than `room` bytes of output, so this
                 * cannot wrap. */
                if (len > dst_cap - op - lim->room)
                    return 1; /* too close to the end: the careful loop decides */
            }
        }
        copy16(d + 16, s + 16);
        for (size_t i = 32; i < len + 3; i += 16)
            copy16(d + i, s + i);
    }
    len += 3;
    if (dist < len && dist < 16) {
        /* Overlaps itself within a block (under 1% of matches): the blocks
         * above copied stale bytes; done again, byte-exact. */
        lz77_copy_match(d, dist, len, dst_cap - op);
    }
    g->op = op + len;
    g->ip = mp;
    g->nib = mnib;
    g->f >>= 1;
    return 0;
}

/* The next flag word, all 32 flags in symbol order under the sentinel. */
LZ77_INLINE void lz77_next_word(const uint8_t *src, lz77_regs *g)
{
    g->f = (uint64_t)lz77_rev32(etwcap_rd32(src + g->ip)) | ((uint64_t)1 << 32);
    g->ip += 4;
}

static lz77_regs lz77_regs_from(const lz77_state *st)
{
    lz77_regs g = {st->ip, st->op, st->nib, 0};
    g.f = (uint64_t)lz77_rev32(st->flags) | ((uint64_t)1 << st->nflags);
    return g;
}

static void lz77_regs_to(const lz77_regs *g, lz77_state *st)
{
    /* Back to a 32-bit left-aligned word without the sentinel (once per
     * loop: a plain loop finds it). */
    unsigned left = 0;
    while ((g->f >> left) > 1)
        left++;
    st->ip = g->ip;
    st->op = g->op;
    st->nib = g->nib;
    st->nflags = left;
    st->flags = left ? lz77_rev32((uint32_t)(g->f & (((uint64_t)1 << left) - 1))) : 0;
}

/* The word loop (see the top of the file): whole flag words while at least
 * WORD_MARGIN bytes of input and WORD_OUT_MARGIN of output are left, the
 * bounds checked once per word. Starts at a flag word (st->nflags == 0) and
 * returns with `st` at a symbol boundary. */
LZ77_NOINLINE void lz77_words(const uint8_t *src, size_t src_len, uint8_t *dst, size_t dst_cap,
                              lz77_state *st)
{
    if (st->nflags != 0 || src_len < WORD_MARGIN || dst_cap < WORD_OUT_MARGIN + WORD_OUT_LONG)
        return;
    const size_t ip_end = src_len - WORD_MARGIN, op_end = dst_cap - WORD_OUT_MARGIN;
    const lz77_limits lim = {dst_cap - WORD_OUT_MARGIN - WORD_OUT_LONG, ip_end,
                             35 + WORD_OUT_MARGIN};
    lz77_regs g = lz77_regs_from(st);
    while (g.ip <= ip_end && g.op <= op_end) {
        lz77_next_word(src, &g);
        do {
            if (lz77_step(src, dst, dst_cap, &lim, &g))
                goto out;
        } while (g.f != 1);
    }
out:
    lz77_regs_to(&g, st);
}

/* The step loop (see the top of the file): one step at a time while at
 * least FAST_MARGIN bytes of input and FAST_OUT_MARGIN of output are left.
 * Returns with `st` at a symbol boundary. */
LZ77_NOINLINE void lz77_steps(const uint8_t *src, size_t src_len, uint8_t *dst, size_t dst_cap,
                              lz77_state *st)
{
    if (src_len < FAST_MARGIN || dst_cap < FAST_OUT_MARGIN)
        return;
    const size_t ip_end = src_len - FAST_MARGIN, op_end = dst_cap - FAST_OUT_MARGIN;
    /* The margins cover any match with a length byte. */
    const lz77_limits lim = {SIZE_MAX, SIZE_MAX, 35};
    lz77_regs g = lz77_regs_from(st);
    while (g.ip <= ip_end && g.op <= op_end) {
        if (g.f == 1) {
            lz77_next_word(src, &g);
        }
        if (lz77_step(src, dst, dst_cap, &lim, &g))
            break;
    }
    lz77_regs_to(&g, st);
}

etwcap_lz77_status etwcap_lz77_decompress(const uint8_t *src, size_t src_len, uint8_t *dst,
                                          size_t dst_cap, size_t *out_len, size_t *err_pos)
{
    lz77_state fs = {0, 0, 0, 0, 0};
    lz77_words(src, src_len, dst, dst_cap, &fs);
    lz77_steps(src, src_len, dst, dst_cap, &fs);
    size_t ip = fs.ip;
    size_t op = fs.op;
    size_t nib = fs.nib;
    uint32_t flags = fs.flags;
    unsigned nflags = fs.nflags;

    for (;;) {
        if (nflags == 0) {
            if (ip == src_len)
                break; /* input used up at a flag word boundary */
            if (src_len - ip < 4)
                return lz77_fail(ETWCAP_LZ77_TRUNCATED, op, ip, out_len, err_pos);
            flags = etwcap_rd32(src + ip);
            ip += 4;
            nflags = 32;
        }

        if (!(flags & 0x80000000u)) {
            /* A run of 0 flags: that many literal bytes in a row. */
            unsigned run = flags ? lz77_clz32(flags) : nflags;
            size_t in_avail = src_len - ip;
            size_t out_avail = dst_cap - op;
            size_t k = run < in_avail ? run : in_avail;
            if (k > out_avail) {
                if (out_avail)
                    memcpy(dst + op, src + ip, out_avail);
                return lz77_fail(ETWCAP_LZ77_OVERFLOW, dst_cap, ip + out_avail, out_len, err_pos);
            }
            if (k <= 16 && in_avail >= 16 && out_avail >= 16)
                memcpy(dst + op, src + ip, 16); /* fixed size; bytes past k are not output yet */
            else if (k)
                memcpy(dst + op, src + ip, k);
            ip += k;
            op += k;
            if (k < run)
                break; /* input used up */
            nflags -= run;
            if (nflags == 0)
                continue;
            flags <<= run; /* run < 32 here */
        }

        /* Flag 1: a match. */
        flags <<= 1;
        nflags--;
        size_t sym = ip;
        if (src_len - ip < 2) {
            if (ip == src_len)
                break; /* MS-XCA §2.4: end of input at a match flag = done */
            return lz77_fail(ETWCAP_LZ77_TRUNCATED, op, sym, out_len, err_pos);
        }
        uint32_t token = etwcap_rd16(src + ip);
        ip += 2;
        size_t len = token & 7u; /* match length minus 3 */
        size_t dist = (size_t)(token >> 3) + 1;
        if (len == 7) {
            unsigned hb;
            if (nib == 0) {
                if (ip == src_len)
                    return lz77_fail(ETWCAP_LZ77_TRUNCATED, op, sym, out_len, err_pos);
                nib = ip;
                hb = src[ip++] & 15u;
            } else {
                hb = src[nib] >> 4;
                nib = 0;
            }
            len = 7 + (size_t)hb;
            if (hb == 15) {
                if (ip == src_len)
                    return lz77_fail(ETWCAP_LZ77_TRUNCATED, op, sym, out_len, err_pos);
                unsigned b = src[ip++];
                if (b != 255) {
                    len = 22 + (size_t)b;
                } else {
                    /* u16 (or u32 after a u16 of 0) = whole length minus 3. */
                    if (src_len - ip < 2)
                        return lz77_fail(ETWCAP_LZ77_TRUNCATED, op, sym, out_len, err_pos);
                    uint32_t v = etwcap_rd16(src + ip);
                    ip += 2;
                    if (v == 0) {
                        if (src_len - ip < 4)
                            return lz77_fail(ETWCAP_LZ77_TRUNCATED, op, sym, out_len, err_pos);
                        v = etwcap_rd32(src + ip);
                        ip += 4;
                    }
                    len = v;
                }
            }
        }
        if (dist > op)
            return lz77_fail(ETWCAP_LZ77_BAD_DISTANCE, op, sym, out_len, err_pos);
        size_t out_avail = dst_cap - op;
        if (out_avail < 3 || len > out_avail - 3) {
            /* Emit the part that fits, then report the overflow. */
            if (out_avail) {
                uint8_t *d = dst + op;
                const uint8_t *s = d - dist;
                for (size_t i = 0; i < out_avail; i++)
                    d[i] = s[i];
            }
            return lz77_fail(ETWCAP_LZ77_OVERFLOW, dst_cap, sym, out_len, err_pos);
        }
        len += 3;
        lz77_copy_match(dst + op, dist, len, out_avail);
        op += len;
    }

    *out_len = op;
    return ETWCAP_LZ77_OK;
}
