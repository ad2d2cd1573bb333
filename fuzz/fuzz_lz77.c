/* fuzz_lz77.c - the MS-XCA plain LZ77 decompressor (etl-format.md §1.5).
 *
 * Input: bytes 0-1 are the output capacity (u16); when the high nibble of
 * byte 2 is 8, 64 KiB * (its low nibble) more, up to about 1 MiB (kept
 * rare: under ASan a block that large costs an mmap and page faults on
 * every run); when it is 7, the round trip (3) runs too (also slow: the
 * compressor's 256 KiB hash table). The rest is the compressed stream.
 * Checks:
 *  1. the decompressor writes nowhere outside its exact-size output block
 *     (AddressSanitizer) and reads nowhere outside the input;
 *  2. differential: a byte-at-a-time decoder written from MS-XCA §2.4 below,
 *     with the library's documented end-of-input rules, gives the same
 *     status, output length, error offset and output bytes;
 *  3. round trip (when the test-trace writer's compressor is built in): the
 *     rest of the input compresses and decompresses back to itself, and one
 *     byte less room gives OVERFLOW with the valid prefix.
 */
#include "fuzz_common.h"

#include "common/bytes.h"
#include "reader/lz77.h"

#ifdef ETWCAP_FUZZ_HAVE_LZ77_COMPRESS
#include "lz77_compress.h"
#endif

/* Reference decoder: one symbol at a time, no block copies. */
static etwcap_lz77_status ref_decompress(const uint8_t *src, size_t n, uint8_t *dst, size_t cap,
                                         size_t *out_len, size_t *err_pos)
{
    size_t ip = 0, op = 0, nib_at = 0;
    int have_nib = 0;
    uint32_t flags = 0;
    unsigned nflags = 0;
    etwcap_lz77_status st = ETWCAP_LZ77_OK;
    *err_pos = 0;
    for (;;) {
        if (nflags == 0) {
            if (ip == n)
                break;
            if (n - ip < 4) {
                st = ETWCAP_LZ77_TRUNCATED;
                *err_pos = ip;
                break;
            }
            flags = etwcap_rd32(src + ip);
            ip += 4;
            nflags = 32;
        }
        int match = (flags & 0x80000000u) != 0;
        flags <<= 1;
        nflags--;
        if (!match) {
            if (ip == n)
                break; /* end of input at a literal flag: done */
            if (op == cap) {
                st = ETWCAP_LZ77_OVERFLOW;
                *err_pos = ip;
                break;
            }
            dst[op++] = src[ip++];
            continue;
        }
        size_t sym = ip;
        if (ip == n)
            break; /* end of input at a match flag: done (MS-XCA §2.4) */
        if (n - ip < 2) {
            st = ETWCAP_LZ77_TRUNCATED;
            *err_pos = sym;
            break;
        }
        uint32_t token = etwcap_rd16(src + ip);
        ip += 2;
        size_t len = token & 7u, dist = (size_t)(token >> 3) + 1;
        int bad = 0;
        if (len == 7) {
            unsigned nibble = 0;
            if (!have_nib) {
                if (ip == n) {
                    bad = 1;
                } else {
                    nib_at = ip++;
                    nibble = src[nib_at] & 15u;
                    have_nib = 1;
                }
            } else {
                nibble = src[nib_at] >> 4;
                have_nib = 0;
            }
            if (!bad) {
                len = 7 + nibble;
                if (nibble == 15) {
                    if (ip == n) {
                        bad = 1;
                    } else {
                        unsigned b = src[ip++];
                        if (b != 255) {
                            len = 22 + b;
                        } else if (n - ip < 2) {
                            bad = 1;
                        } else {
                            uint32_t v = etwcap_rd16(src + ip);
                            ip += 2;
                            if (v == 0) {
                                if (n - ip < 4) {
                                    bad = 1;
                                } else {
                                    v = etwcap_rd32(src + ip);
                                    ip += 4;
                                }
                            }
                            len = v;
                        }
                    }
                }
            }
        }
        if (bad) {
            st = ETWCAP_LZ77_TRUNCATED;
            *err_pos = sym;
            break;
        }
        if (dist > op) {
            st = ETWCAP_LZ77_BAD_DISTANCE;
            *err_pos = sym;
            break;
        }
        len += 3;
        for (size_t i = 0; i < len; i++) {
            if (op == cap) {
                st = ETWCAP_LZ77_OVERFLOW;
                *err_pos = sym;
                break;
            }
            dst[op] = dst[op - dist];
            op++;
        }
        if (st != ETWCAP_LZ77_OK)
            break;
    }
    *out_len = op;
    return st;
}

static void differential(const uint8_t *src, size_t n, size_t cap)
{
    /* The reference output is ours: a static block saves an allocation
     * (and its page faults) per run. The library's gets an exact one. */
    static uint8_t ref[65535 + 15 * 65536];
    uint8_t *out = fuzz_alloc(cap);
    size_t out_len = 12345, err_pos = 0, ref_len = 0, ref_err = 0;
    etwcap_lz77_status st = etwcap_lz77_decompress(src, n, out, cap, &out_len, &err_pos);
    etwcap_lz77_status rst = ref_decompress(src, n, ref, cap, &ref_len, &ref_err);
    FUZZ_CHECK(etwcap_lz77_status_str(st) != NULL);
    FUZZ_CHECK(out_len <= cap);
    FUZZ_CHECK(st == rst);
    FUZZ_CHECK(out_len == ref_len);
    if (st != ETWCAP_LZ77_OK) {
        FUZZ_CHECK(err_pos == ref_err);
        FUZZ_CHECK(err_pos <= n);
    }
    FUZZ_CHECK(out_len == 0 || memcmp(out, ref, out_len) == 0);
    free(out);
}

#ifdef ETWCAP_FUZZ_HAVE_LZ77_COMPRESS
static void round_trip(const uint8_t *p, size_t n)
{
    size_t bound = testgen_lz77_bound(n);
    uint8_t *z = fuzz_alloc(bound);
    size_t zn = testgen_lz77_compress(p, n, z, bound);
    FUZZ_CHECK(zn > 0 || n == 0);
    uint8_t *zc = fuzz_dup(z, zn);
    free(z);
    uint8_t *out = fuzz_alloc(n);
    size_t out_len = 0, err_pos = 0;
    FUZZ_CHECK(etwcap_lz77_decompress(zc, zn, out, n, &out_len, &err_pos) == ETWCAP_LZ77_OK);
    FUZZ_CHECK(out_len == n);
    FUZZ_CHECK(n == 0 || memcmp(out, p, n) == 0);
    if (n > 0) {
        etwcap_lz77_status st = etwcap_lz77_decompress(zc, zn, out, n - 1, &out_len, &err_pos);
        FUZZ_CHECK(st == ETWCAP_LZ77_OVERFLOW);
        FUZZ_CHECK(out_len == n - 1);
        FUZZ_CHECK(n == 1 || memcmp(out, p, n - 1) == 0);
    }
    free(out);
    free(zc);
}
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 3)
        return 0;
    size_t cap = (size_t)etwcap_rd16(data);
    if ((data[2] & 0xF0) == 0x80)
        cap += (size_t)65536 * (data[2] & 15u);
    const uint8_t *src = data + 3;
    size_t n = size - 3;
    differential(src, n, cap);
#ifdef ETWCAP_FUZZ_HAVE_LZ77_COMPRESS
    if ((data[2] & 0xF0) == 0x70)
        round_trip(src, n);
#endif
    return 0;
}
