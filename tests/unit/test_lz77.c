/* test_lz77.c - MS-XCA "Plain LZ77" decoder (src/lib/reader/lz77.c) and the
 * test compressor (tests/tools/testgen/lz77_compress.c). */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/bytes.h"
#include "lz77_compress.h"
#include "reader/lz77.h"

/* ---- helpers ---------------------------------------------------------- */

static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz";

/* Decode into a fresh buffer of `cap` bytes; returns the buffer (caller frees). */
static uint8_t *dec(const uint8_t *src, size_t n, size_t cap, etwcap_lz77_status *st,
                    size_t *out_len, size_t *err_pos)
{
    uint8_t *dst = malloc(cap ? cap : 1);
    assert_non_null(dst);
    *out_len = (size_t)-1;
    *err_pos = (size_t)-1;
    *st = etwcap_lz77_decompress(src, n, dst, cap, out_len, err_pos);
    return dst;
}

/* Decode and expect success with exactly `want` (want_len bytes). */
static void expect_ok(const uint8_t *src, size_t n, const uint8_t *want, size_t want_len)
{
    etwcap_lz77_status st;
    size_t out_len, err_pos;
    /* Exact capacity, and generous capacity: same result. */
    size_t caps[2] = {want_len, want_len + 100};
    for (int i = 0; i < 2; i++) {
        uint8_t *dst = dec(src, n, caps[i], &st, &out_len, &err_pos);
        assert_int_equal(st, ETWCAP_LZ77_OK);
        assert_int_equal(out_len, want_len);
        if (want_len)
            assert_memory_equal(dst, want, want_len);
        free(dst);
    }
}

static void expect_err(const uint8_t *src, size_t n, size_t cap, etwcap_lz77_status want_st,
                       size_t want_out_len, size_t want_err_pos)
{
    etwcap_lz77_status st;
    size_t out_len, err_pos;
    uint8_t *dst = dec(src, n, cap, &st, &out_len, &err_pos);
    assert_int_equal(st, want_st);
    assert_int_equal(out_len, want_out_len);
    assert_int_equal(err_pos, want_err_pos);
    free(dst);
}

/* A run of `n` copies of byte `c` appended at out[*pos]. */
static void put_run(uint8_t *out, size_t *pos, uint8_t c, size_t n)
{
    memset(out + *pos, c, n);
    *pos += n;
}

static uint32_t rng_state = 12345;
static uint32_t rng(void)
{
    /* xorshift32: deterministic test data */
    uint32_t x = rng_state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    rng_state = x;
    return x;
}

/* ---- MS-XCA §3 examples ----------------------------------------------- */

/* "abcdefghijklmnopqrstuvwxyz": 26 literals, the flag word padded with 1s. */
static const uint8_t spec_alpha[] = {0x3f, 0x00, 0x00, 0x00, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66,
                                     0x67, 0x68, 0x69, 0x6a, 0x6b, 0x6c, 0x6d, 0x6e, 0x6f, 0x70,
                                     0x71, 0x72, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7a};

/* "abc" x 100: 3 literals and one overlapping match of 297 bytes at distance 3
 * (nibble 15, byte 255, u16 294 = length - 3). */
static const uint8_t spec_abc[] = {0xff, 0xff, 0xff, 0x1f, 0x61, 0x62, 0x63,
                                   0x17, 0x00, 0x0f, 0xff, 0x26, 0x01};

static void make_abc100(uint8_t *out)
{
    for (int i = 0; i < 300; i++)
        out[i] = (uint8_t)("abc"[i % 3]);
}

static void test_spec_alphabet(void **state)
{
    (void)state;
    expect_ok(spec_alpha, sizeof spec_alpha, (const uint8_t *)alphabet, 26);
}

static void test_spec_abc100(void **state)
{
    (void)state;
    uint8_t want[300];
    make_abc100(want);
    expect_ok(spec_abc, sizeof spec_abc, want, 300);
}

/* The compressor reproduces both examples byte for byte. */
static void test_compress_spec_examples(void **state)
{
    (void)state;
    uint8_t out[512];
    size_t n = testgen_lz77_compress((const uint8_t *)alphabet, 26, out, sizeof out);
    assert_int_equal(n, sizeof spec_alpha);
    assert_memory_equal(out, spec_alpha, n);

    uint8_t abc[300];
    make_abc100(abc);
    n = testgen_lz77_compress(abc, 300, out, sizeof out);
    assert_int_equal(n, sizeof spec_abc);
    assert_memory_equal(out, spec_abc, n);

    /* Empty input: one all-ones flag word. */
    n = testgen_lz77_compress(NULL, 0, out, sizeof out);
    assert_int_equal(n, 4);
    assert_int_equal(etwcap_rd32(out), 0xFFFFFFFFu);
}

/* ---- hand-made vectors ------------------------------------------------ */

/* 40 literals over two flag words (the second padded with 1s). */
static void test_literals_only(void **state)
{
    (void)state;
    uint8_t src[4 + 32 + 4 + 8], want[40];
    for (int i = 0; i < 40; i++)
        want[i] = (uint8_t)(0x30 + i);
    size_t p = 0;
    etwcap_wr32(src + p, 0);
    p += 4;
    memcpy(src + p, want, 32);
    p += 32;
    etwcap_wr32(src + p, 0x00FFFFFFu); /* 8 literal flags, then 1s */
    p += 4;
    memcpy(src + p, want + 32, 8);
    p += 8;
    expect_ok(src, p, want, 40);

    /* Input used up right after the 32nd literal (no trailing flag word). */
    expect_ok(src, 36, want, 32);
    /* ... or inside a literal run: stops successfully (input used up). */
    expect_ok(src, 9, want, 5);
    /* ... or right after a flag word. */
    expect_ok(src, 40, want, 32);
}

static void test_end_conditions(void **state)
{
    (void)state;
    static const uint8_t ones[] = {0xff, 0xff, 0xff, 0xff};
    static const uint8_t zeros[] = {0x00, 0x00, 0x00, 0x00};
    expect_ok(ones, 4, NULL, 0);
    expect_ok(zeros, 4, NULL, 0);
    expect_ok(ones, 0, NULL, 0);

    /* NULL input of length 0, NULL output of capacity 0. */
    size_t out_len = 99;
    assert_int_equal(etwcap_lz77_decompress(NULL, 0, NULL, 0, &out_len, NULL), ETWCAP_LZ77_OK);
    assert_int_equal(out_len, 0);
}

/* Matches: overlapping (distance < length), a run (distance 1) and a plain
 * back reference (distance >= length). */
static void test_matches(void **state)
{
    (void)state;
    /* "ab" + match(dist 2, len 5) = "abababa". Flags 0,0,1 then 1s. */
    static const uint8_t overlap[] = {0xff, 0xff, 0xff, 0x3f, 'a', 'b', 0x0a, 0x00};
    expect_ok(overlap, sizeof overlap, (const uint8_t *)"abababa", 7);

    /* "x" + match(dist 1, len 9). */
    static const uint8_t run[] = {0xff, 0xff, 0xff, 0x7f, 'x', 0x06, 0x00};
    expect_ok(run, sizeof run, (const uint8_t *)"xxxxxxxxxx", 10);

    /* "abcd" + match(dist 4, len 4) + "e" + match(dist 5, len 3)
     * flags 0000 1 0 1 then 1s = 0000 1011 1111... = 0x0BFFFFFF */
    static const uint8_t plain[] = {0xff, 0xff, 0xff, 0x0b, 'a',  'b', 'c',
                                    'd',  0x19, 0x00, 'e',  0x20, 0x00};
    expect_ok(plain, sizeof plain, (const uint8_t *)"abcdabcdeabc", 12);

    /* Maximum distance 8192: 8192 literals, then match(dist 8192, len 3). */
    size_t n_lit = 8192, n_words = n_lit / 32;
    size_t src_len = n_words * 4 + n_lit + 4 + 2;
    uint8_t *src = malloc(src_len), *want = malloc(n_lit + 3);
    assert_non_null(src);
    assert_non_null(want);
    size_t p = 0;
    for (size_t i = 0; i < n_lit; i++) {
        if (i % 32 == 0) {
            etwcap_wr32(src + p, 0);
            p += 4;
        }
        want[i] = (uint8_t)rng();
        src[p++] = want[i];
    }
    etwcap_wr32(src + p, 0xFFFFFFFFu);
    p += 4;
    etwcap_wr16(src + p, (uint16_t)(8191u << 3)); /* dist 8192, len 3 */
    p += 2;
    assert_int_equal(p, src_len);
    memcpy(want + n_lit, want, 3);
    expect_ok(src, src_len, want, n_lit + 3);
    free(src);
    free(want);
}

/* Length escape 1: length field 7 + 4-bit value from a shared nibble byte
 * (low nibble for the first long match, high nibble for the next one, a new
 * byte for the third). */
static void test_length_nibble(void **state)
{
    (void)state;
    /* flags 0,1,0,1,0,1 then 1s = 0101 0111 1111... = 0x57FFFFFF
     * 'a', match(dist 1, len 3+7+3 = 13), nibble byte 0x93 (low 3, high 9),
     * 'b', match(dist 1, len 3+7+9 = 19), uses the high nibble,
     * 'c', match(dist 1, len 3+7+0 = 10), new nibble byte 0x00. */
    static const uint8_t src[] = {0xff, 0xff, 0xff, 0x57, 'a',  0x07, 0x00, 0x93,
                                  'b',  0x07, 0x00, 'c',  0x07, 0x00, 0x00};
    uint8_t want[64];
    size_t p = 0;
    put_run(want, &p, 'a', 14);
    put_run(want, &p, 'b', 20);
    put_run(want, &p, 'c', 11);
    expect_ok(src, sizeof src, want, p);
}

/* Length escape 2: nibble 15 continues into a byte: length = 3 + 22 + byte. */
static void test_length_byte(void **state)
{
    (void)state;
    static const uint8_t src[] = {0xff, 0xff, 0xff, 0x7f, 'a', 0x07, 0x00, 0x0f, 0x10};
    uint8_t want[64];
    size_t p = 0;
    put_run(want, &p, 'a', 1 + 41);
    expect_ok(src, sizeof src, want, p);

    /* Largest byte value (254): length 279. */
    static const uint8_t src254[] = {0xff, 0xff, 0xff, 0x7f, 'a', 0x07, 0x00, 0x0f, 0xfe};
    uint8_t want254[280];
    memset(want254, 'a', sizeof want254);
    expect_ok(src254, sizeof src254, want254, sizeof want254);

    /* Both halves of one nibble byte at 15, each match with its own byte:
     * 'a', match(len 3+22+5 = 30), match(len 3+22+6 = 31). */
    static const uint8_t pair[] = {0xff, 0xff, 0xff, 0x7f, 'a',  0x07,
                                   0x00, 0xff, 0x05, 0x07, 0x00, 0x06};
    uint8_t want2[62];
    memset(want2, 'a', sizeof want2);
    expect_ok(pair, sizeof pair, want2, sizeof want2);
}

/* Length escape 3: byte 255 continues into a u16 = whole length - 3. */
static void test_length_u16(void **state)
{
    (void)state;
    static const uint8_t src[] = {0xff, 0xff, 0xff, 0x7f, 'z', 0x07, 0x00, 0x0f, 0xff, 0x34, 0x12};
    size_t n = 1 + 0x1234 + 3;
    uint8_t *want = malloc(n);
    assert_non_null(want);
    memset(want, 'z', n);
    expect_ok(src, sizeof src, want, n);
    free(want);
}

/* Length escape 4: a u16 of 0 continues into a u32 = whole length - 3. */
static void test_length_u32(void **state)
{
    (void)state;
    static const uint8_t src[] = {0xff, 0xff, 0xff, 0x7f, 'q',  0x07, 0x00, 0x0f,
                                  0xff, 0x00, 0x00, 0x45, 0x23, 0x01, 0x00};
    size_t n = 1 + 0x12345 + 3;
    uint8_t *want = malloc(n);
    assert_non_null(want);
    memset(want, 'q', n);
    expect_ok(src, sizeof src, want, n);
    free(want);

    /* A huge u32 length (2^32 - 1 + 3) is an overflow, not a wrap-around:
     * the output is filled to capacity. */
    static const uint8_t huge[] = {0xff, 0xff, 0xff, 0x7f, 'q',  0x07, 0x00, 0x0f,
                                   0xff, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff};
    etwcap_lz77_status st;
    size_t out_len, err_pos;
    uint8_t *dst = dec(huge, sizeof huge, 1000, &st, &out_len, &err_pos);
    assert_int_equal(st, ETWCAP_LZ77_OVERFLOW);
    assert_int_equal(out_len, 1000);
    assert_int_equal(err_pos, 5);
    for (size_t i = 0; i < 1000; i++)
        assert_int_equal(dst[i], 'q');
    free(dst);
}

/* ---- errors ----------------------------------------------------------- */

static void test_truncated(void **state)
{
    (void)state;
    /* Flag word cut short: at the start, and after 32 literals. */
    static const uint8_t flag2[] = {0x00, 0x00};
    expect_err(flag2, sizeof flag2, 100, ETWCAP_LZ77_TRUNCATED, 0, 0);
    uint8_t src[4 + 32 + 3];
    memset(src, 0, 4);
    for (int i = 0; i < 32; i++)
        src[4 + i] = (uint8_t)('A' + i);
    memset(src + 36, 0xff, 3);
    for (size_t cut = 37; cut <= 39; cut++)
        expect_err(src, cut, 100, ETWCAP_LZ77_TRUNCATED, 32, 36);

    /* Token cut after one byte: "a" is valid output, error at the token. */
    static const uint8_t tok[] = {0xff, 0xff, 0xff, 0x7f, 'a', 0x07};
    expect_err(tok, sizeof tok, 100, ETWCAP_LZ77_TRUNCATED, 1, 5);

    /* Missing nibble byte, extension byte, u16 and u32 (every shorter prefix
     * of the u32 example that ends inside the match). */
    static const uint8_t u32[] = {0xff, 0xff, 0xff, 0x7f, 'q',  0x07, 0x00, 0x0f,
                                  0xff, 0x00, 0x00, 0x45, 0x23, 0x01, 0x00};
    for (size_t cut = 6; cut < sizeof u32; cut++)
        expect_err(u32, cut, 1u << 20, ETWCAP_LZ77_TRUNCATED, 1, 5);
}

static void test_bad_distance(void **state)
{
    (void)state;
    /* A match before any output. */
    static const uint8_t first[] = {0xff, 0xff, 0xff, 0xff, 0x00, 0x00};
    expect_err(first, sizeof first, 100, ETWCAP_LZ77_BAD_DISTANCE, 0, 4);
    /* One byte of output, distance 2. */
    static const uint8_t two[] = {0xff, 0xff, 0xff, 0x7f, 'a', 0x08, 0x00};
    expect_err(two, sizeof two, 100, ETWCAP_LZ77_BAD_DISTANCE, 1, 5);
    /* Distance 8192 with 8191 bytes of output. */
    size_t src_len = 256 * 4 + 8191 + 2 + 4;
    uint8_t *src = calloc(src_len, 1);
    assert_non_null(src);
    size_t p = 0;
    for (size_t i = 0; i < 8191; i++) {
        if (i % 32 == 0) {
            etwcap_wr32(src + p, i == 8160 ? 0x00000001u : 0); /* last word: 31 literals, 1 match */
            p += 4;
        }
        src[p++] = (uint8_t)i;
    }
    size_t tok_pos = p;
    etwcap_wr16(src + p, (uint16_t)(8191u << 3));
    p += 2;
    expect_err(src, p, 10000, ETWCAP_LZ77_BAD_DISTANCE, 8191, tok_pos);
    free(src);
}

static void test_overflow(void **state)
{
    (void)state;
    etwcap_lz77_status st;
    size_t out_len, err_pos;

    /* Literals: the prefix that fits is written. */
    uint8_t *dst = dec(spec_alpha, sizeof spec_alpha, 10, &st, &out_len, &err_pos);
    assert_int_equal(st, ETWCAP_LZ77_OVERFLOW);
    assert_int_equal(out_len, 10);
    assert_int_equal(err_pos, 4 + 10);
    assert_memory_equal(dst, alphabet, 10);
    free(dst);
    expect_err(spec_alpha, sizeof spec_alpha, 0, ETWCAP_LZ77_OVERFLOW, 0, 4);
    expect_err(spec_alpha, sizeof spec_alpha, 25, ETWCAP_LZ77_OVERFLOW, 25, 4 + 25);

    /* Match: the part that fits is written; the error is at the token. */
    uint8_t want[300];
    make_abc100(want);
    dst = dec(spec_abc, sizeof spec_abc, 100, &st, &out_len, &err_pos);
    assert_int_equal(st, ETWCAP_LZ77_OVERFLOW);
    assert_int_equal(out_len, 100);
    assert_int_equal(err_pos, 7);
    assert_memory_equal(dst, want, 100);
    free(dst);
    expect_err(spec_abc, sizeof spec_abc, 299, ETWCAP_LZ77_OVERFLOW, 299, 7);
    expect_err(spec_abc, sizeof spec_abc, 3, ETWCAP_LZ77_OVERFLOW, 3, 7);
    expect_err(spec_abc, sizeof spec_abc, 2, ETWCAP_LZ77_OVERFLOW, 2, 4 + 2);

    /* NULL err_pos is allowed. */
    uint8_t small[5];
    assert_int_equal(
        etwcap_lz77_decompress(spec_abc, sizeof spec_abc, small, sizeof small, &out_len, NULL),
        ETWCAP_LZ77_OVERFLOW);
    assert_int_equal(out_len, 5);
}

static void test_status_str(void **state)
{
    (void)state;
    const char *s[4] = {etwcap_lz77_status_str(ETWCAP_LZ77_OK),
                        etwcap_lz77_status_str(ETWCAP_LZ77_TRUNCATED),
                        etwcap_lz77_status_str(ETWCAP_LZ77_BAD_DISTANCE),
                        etwcap_lz77_status_str(ETWCAP_LZ77_OVERFLOW)};
    for (int i = 0; i < 4; i++) {
        assert_non_null(s[i]);
        for (int j = 0; j < i; j++)
            assert_string_not_equal(s[i], s[j]);
    }
    assert_non_null(etwcap_lz77_status_str((etwcap_lz77_status)42));
}

/* ---- round trips through the test compressor -------------------------- */

/* Compress, check the bound, decompress with the exact capacity (OK) and one
 * byte less (OVERFLOW). Returns the compressed size. */
static size_t round_trip(const uint8_t *data, size_t n)
{
    size_t bound = testgen_lz77_bound(n);
    uint8_t *comp = malloc(bound);
    uint8_t *out = malloc(n ? n : 1);
    assert_non_null(comp);
    assert_non_null(out);
    size_t clen = testgen_lz77_compress(data, n, comp, bound);
    assert_true(clen >= 4);
    assert_true(clen <= bound);

    size_t out_len = 0, err_pos = 0;
    assert_int_equal(etwcap_lz77_decompress(comp, clen, out, n, &out_len, &err_pos),
                     ETWCAP_LZ77_OK);
    assert_int_equal(out_len, n);
    if (n) {
        assert_memory_equal(out, data, n);
        assert_int_equal(etwcap_lz77_decompress(comp, clen, out, n - 1, &out_len, &err_pos),
                         ETWCAP_LZ77_OVERFLOW);
        assert_int_equal(out_len, n - 1);
        assert_memory_equal(out, data, n - 1);
    }

    /* The exact size is enough for the compressor; one byte less is not. */
    assert_int_equal(testgen_lz77_compress(data, n, comp, clen), clen);
    assert_int_equal(testgen_lz77_compress(data, n, comp, clen - 1), 0);

    free(comp);
    free(out);
    return clen;
}

static void test_round_trip_random(void **state)
{
    (void)state;
    static const size_t sizes[] = {0, 1, 2, 3, 4, 31, 32, 33, 63, 64, 65, 1000, 65536, 300000};
    uint8_t *buf = malloc(300000);
    assert_non_null(buf);
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        for (size_t i = 0; i < sizes[s]; i++)
            buf[i] = (uint8_t)(rng() >> 24);
        size_t clen = round_trip(buf, sizes[s]);
        /* Incompressible data stays within the bound. */
        assert_true(clen <= testgen_lz77_bound(sizes[s]));
    }
    free(buf);
}

static void test_round_trip_repetitive(void **state)
{
    (void)state;
    size_t n = 300000;
    uint8_t *buf = malloc(n);
    assert_non_null(buf);

    /* One long run: a u32 length (299999 - 3 > 65535). */
    memset(buf, 0, n);
    assert_true(round_trip(buf, n) < 32);
    /* Runs of every escape level, back to back. */
    static const size_t runs[] = {4, 9, 10, 24, 25, 279, 280, 65538, 65539, 70000, 3, 1, 2};
    size_t p = 0;
    for (size_t r = 0; r < sizeof runs / sizeof runs[0]; r++) {
        memset(buf + p, (int)('a' + r), runs[r]);
        p += runs[r];
    }
    round_trip(buf, p);
    /* Periodic data (overlapping matches of every copy strategy: byte-wise,
     * 8- and 16-byte blocks), up to and past the 8192-byte window. */
    static const size_t periods[] = {1,  2,  3,  4,  5,  6,  7,  8,  9,    10,   11,
                                     12, 13, 14, 15, 16, 17, 31, 67, 1822, 8192, 9000};
    for (size_t pi = 0; pi < sizeof periods / sizeof periods[0]; pi++) {
        size_t period = periods[pi];
        for (size_t i = 0; i < n; i++)
            buf[i] = (uint8_t)((i % period) * 7 + (i % period) / 251);
        round_trip(buf, n);
    }
    /* Random data with copies from up to 10000 bytes back (inside and
     * outside the window), of random lengths. */
    size_t i = 0;
    while (i < n) {
        uint32_t r = rng();
        if (i > 16 && (r & 3) != 0) {
            size_t dist = 1 + (rng() % (i < 10000 ? i : 10000));
            size_t len = 1 + (rng() % ((r & 0x100) ? 40 : 600));
            for (size_t k = 0; k < len && i < n; k++, i++)
                buf[i] = buf[i - dist];
        } else {
            buf[i++] = (uint8_t)rng();
        }
    }
    round_trip(buf, n);
    /* Text-like data. */
    static const char *words[] = {"ProcessId",          "ThreadId", " ",
                                  "Microsoft-Windows-", "\x00\x01", "Kernel",
                                  "Image/Load",         "0xFFFF",   "\n"};
    p = 0;
    while (p < n - 32) {
        const char *w = words[rng() % (sizeof words / sizeof words[0])];
        size_t wl = strlen(w) ? strlen(w) : 1;
        // NOLINTNEXTLINE(bugprone-not-null-terminated-result): binary data, no terminator
        memcpy(buf + p, w, wl);
        p += wl;
    }
    assert_true(round_trip(buf, p) < p / 2);
    free(buf);
}

/* Every prefix of valid streams decodes to a prefix of the data, as OK or
 * TRUNCATED; random garbage never reads or writes out of bounds (ASan). */
static void test_prefixes_and_garbage(void **state)
{
    (void)state;
    size_t n = 5000;
    uint8_t *data = malloc(n), *comp = malloc(testgen_lz77_bound(n)), *out = malloc(n + 64);
    assert_non_null(data);
    assert_non_null(comp);
    assert_non_null(out);
    for (size_t i = 0; i < n; i++)
        data[i] = (uint8_t)((i % 97 < 40) ? 'x' : (rng() & 7));
    for (size_t i = 3000; i < 4000; i++)
        data[i] = 0; /* a long run: byte / u16 escapes */
    size_t clen = testgen_lz77_compress(data, n, comp, testgen_lz77_bound(n));
    assert_true(clen > 0);
    for (size_t cut = 0; cut <= clen; cut++) {
        /* An exact-size copy, so that ASan sees any read past the input. */
        uint8_t *in = malloc(cut ? cut : 1);
        assert_non_null(in);
        memcpy(in, comp, cut);
        size_t out_len = 0, err_pos = 0;
        etwcap_lz77_status st = etwcap_lz77_decompress(in, cut, out, n + 64, &out_len, &err_pos);
        free(in);
        assert_true(st == ETWCAP_LZ77_OK || st == ETWCAP_LZ77_TRUNCATED);
        assert_true(out_len <= n);
        if (out_len)
            assert_memory_equal(out, data, out_len);
        if (st != ETWCAP_LZ77_OK)
            assert_true(err_pos < cut);
    }

    uint8_t garbage[512];
    for (int round = 0; round < 2000; round++) {
        size_t len = rng() % sizeof garbage;
        for (size_t i = 0; i < len; i++)
            garbage[i] = (uint8_t)rng();
        size_t cap = rng() % 4096;
        size_t out_len = 0, err_pos = 0;
        uint8_t *dst = malloc(cap ? cap : 1);
        assert_non_null(dst);
        etwcap_lz77_status st = etwcap_lz77_decompress(garbage, len, dst, cap, &out_len, &err_pos);
        assert_true(st <= 0 && st >= ETWCAP_LZ77_OVERFLOW);
        assert_true(out_len <= cap);
        if (st != ETWCAP_LZ77_OK)
            assert_true(err_pos <= len);
        free(dst);
    }
    free(data);
    free(comp);
    free(out);
}

/* The decoder never writes past dst_cap, whatever the capacity: decode one
 * stream (matches of many lengths and distances, an eighth of them long
 * enough for the byte and u16 length forms) with every capacity from 0 to
 * past its size and check a guard zone behind the buffer. Capacities from
 * 1120 bytes up start in the word loop, whose long-match checks then hand
 * over to the step loop and the careful loop at every possible point. */
static void test_never_writes_past_cap(void **state)
{
    (void)state;
    size_t n = 4000;
    uint8_t *data = malloc(n), *comp = malloc(testgen_lz77_bound(n)), *out = malloc(n + 64);
    assert_non_null(data);
    assert_non_null(comp);
    assert_non_null(out);
    size_t i = 0;
    while (i < n) {
        if (i > 64 && (rng() & 1)) {
            size_t dist = 1 + rng() % 64;
            size_t len = 3 + (rng() % 8 ? rng() % 64 : rng() % 700);
            for (size_t k = 0; k < len && i < n; k++, i++)
                data[i] = data[i - dist];
        } else {
            data[i++] = (uint8_t)rng();
        }
    }
    size_t clen = testgen_lz77_compress(data, n, comp, testgen_lz77_bound(n));
    assert_true(clen > 0);
    for (size_t cap = 0; cap <= n + 32; cap++) {
        memset(out, 0xA5, n + 64);
        size_t out_len = 0;
        etwcap_lz77_status st = etwcap_lz77_decompress(comp, clen, out, cap, &out_len, NULL);
        assert_int_equal(st, cap < n ? ETWCAP_LZ77_OVERFLOW : ETWCAP_LZ77_OK);
        assert_int_equal(out_len, cap < n ? cap : n);
        assert_memory_equal(out, data, out_len);
        for (size_t g = cap; g < n + 64; g++)
            assert_int_equal(out[g], 0xA5);
    }
    free(data);
    free(comp);
    free(out);
}

/* A long match just after a literal run, close to the end of the output.
 * The fast loop checks the output room at the top of a step, then takes up
 * to 31 literals before the match: its room check must not wrap when fewer
 * than 35 bytes are left (it did: a stream like this one wrote a 64 KiB
 * match past the buffer). Flag word 1: a literal 'A', a match of 45 (the
 * u16 length form, taking a fresh nibble byte 0xFF), 30 matches of 3, all at
 * distance 1: 136 bytes. Flag word 2: r literals 'B', then a match at
 * distance 1 of 65535 + 3 bytes (the held nibble's high half, 15; byte 255;
 * u16 0xFFFF). Every capacity gives OVERFLOW with the valid prefix and
 * leaves the guard zone alone. */
static void test_long_match_near_the_end(void **state)
{
    (void)state;
    enum {
        PREFIX = 136,
        GUARD = 65600
    };
    uint8_t src[256];
    uint8_t *out = malloc(PREFIX + 128 + GUARD);
    assert_non_null(out);
    for (unsigned r = 0; r <= 31; r++) {
        size_t n = 0;
        etwcap_wr32(src + n, 0x7FFFFFFFu);
        n += 4;
        src[n++] = 'A';
        const uint8_t first[] = {0x07, 0x00, 0xFF, 0xFF, 42, 0};
        memcpy(src + n, first, sizeof first);
        n += sizeof first;
        memset(src + n, 0, 60); /* 30 tokens: distance 1, length 3 */
        n += 60;
        etwcap_wr32(src + n, 0xFFFFFFFFu >> r);
        n += 4;
        memset(src + n, 'B', r);
        n += r;
        const uint8_t last[] = {0x07, 0x00, 0xFF, 0xFF, 0xFF};
        memcpy(src + n, last, sizeof last);
        n += sizeof last;
        memset(src + n, 0xFF, 64); /* input for the fast loop's margin */
        n += 64;
        for (size_t cap = PREFIX; cap <= PREFIX + 128; cap++) {
            memset(out, 0xA5, PREFIX + 128 + GUARD);
            size_t out_len = 0;
            etwcap_lz77_status st = etwcap_lz77_decompress(src, n, out, cap, &out_len, NULL);
            assert_int_equal(st, ETWCAP_LZ77_OVERFLOW);
            assert_int_equal(out_len, cap);
            for (size_t i = 0; i < cap; i++)
                assert_int_equal(out[i], i < PREFIX || r == 0 ? 'A' : 'B');
            for (size_t g = cap; g < PREFIX + 128 + GUARD; g++)
                if (out[g] != 0xA5)
                    fail_msg("r %u, capacity %llu: byte %llu past the output written", r,
                             (unsigned long long)cap, (unsigned long long)g);
        }
    }
    free(out);
}

/* A stream of matches at distance 1 (copies of one 'A') in whole flag words,
 * for the word loop's checks: a word of one literal and 31 matches of 24
 * bytes, `words` words of 32 such matches, then a word whose first match is
 * `first` bytes long (the byte length form up to 280, the u16 form above)
 * and 31 more of 24, then padding words of literals, so that the input is
 * long enough for the word loop to reach the long match. Every match has
 * length field 7; their nibbles share bytes two by two (MS-XCA §2.4).
 * Returns the stream's size; *total is the output up to the padding. */
typedef struct nib_writer {
    uint8_t *src;
    size_t n, held; /* held: offset of a byte whose high nibble is free, or 0 */
} nib_writer;

static void nib_match(nib_writer *w, size_t len)
{
    w->src[w->n++] = 0x07; /* distance 1, length field 7 */
    w->src[w->n++] = 0x00;
    const unsigned nibble = len - 10 < 15 ? (unsigned)(len - 10) : 15u;
    if (w->held) {
        w->src[w->held] |= (uint8_t)(nibble << 4);
        w->held = 0;
    } else {
        w->held = w->n;
        w->src[w->n++] = (uint8_t)nibble;
    }
    if (nibble < 15)
        return;
    if (len - 25 < 255) {
        w->src[w->n++] = (uint8_t)(len - 25);
    } else {
        w->src[w->n++] = 255;
        etwcap_wr16(w->src + w->n, (uint16_t)(len - 3));
        w->n += 2;
    }
}

static size_t word_stream(uint8_t *src, unsigned words, size_t first, size_t *total)
{
    nib_writer w = {src, 0, 0};
    etwcap_wr32(src, 0x7FFFFFFFu);
    w.n = 4;
    src[w.n++] = 'A';
    for (int i = 0; i < 31; i++)
        nib_match(&w, 24);
    for (unsigned k = 0; k <= words; k++) {
        etwcap_wr32(src + w.n, 0xFFFFFFFFu);
        w.n += 4;
        for (int i = 0; i < 32; i++)
            nib_match(&w, k == words && i == 0 ? first : 24);
    }
    const size_t short_len = 24;
    *total = 1 + 31 * short_len + 32 * short_len * words + first + 31 * short_len;
    for (int k = 0; k < 8; k++) {
        etwcap_wr32(src + w.n, 0);
        w.n += 4;
        memset(src + w.n, 'B', 32);
        w.n += 32;
    }
    return w.n;
}

/* A long match in the word loop must leave room for the rest of its word:
 * the loop checks the output once per word, so it leaves a match with a
 * length byte or a u16 length to the step loop where the 31 matches after
 * it could reach the end. Every capacity below the stream's output gives
 * OVERFLOW with the valid prefix and leaves the guard zone alone. */
static void test_word_loop_long_matches(void **state)
{
    (void)state;
    static const size_t firsts[] = {25, 279, 280, 281, 1000, 2000};
    uint8_t src[2048];
    uint8_t *out = test_alloc(8192);
    for (size_t f = 0; f < sizeof firsts / sizeof firsts[0]; f++) {
        size_t total = 0;
        const size_t n = word_stream(src, 4, firsts[f], &total);
        assert_true(n <= sizeof src && total + 64 <= 8192);
        for (size_t cap = total - 3000; cap < total; cap++) {
            memset(out, 0xA5, 8192);
            size_t out_len = 0;
            etwcap_lz77_status st = etwcap_lz77_decompress(src, n, out, cap, &out_len, NULL);
            assert_int_equal(st, ETWCAP_LZ77_OVERFLOW);
            assert_int_equal(out_len, cap);
            for (size_t i = 0; i < cap; i++)
                assert_int_equal(out[i], 'A');
            for (size_t g = cap; g < 8192; g++)
                if (out[g] != 0xA5)
                    fail_msg("first match %llu, capacity %llu: byte %llu past the output written",
                             (unsigned long long)firsts[f], (unsigned long long)cap,
                             (unsigned long long)g);
        }
        /* With room for all of it, the padding's literals follow. */
        size_t out_len = 0;
        assert_int_equal(etwcap_lz77_decompress(src, n, out, 8192, &out_len, NULL), ETWCAP_LZ77_OK);
        assert_int_equal(out_len, total + (size_t)8 * 32);
        assert_int_equal(out[total - 1], 'A');
        assert_int_equal(out[total], 'B');
    }
    free(out);
}

/* ---- real compressed traces ------------------------------------------- */

typedef struct corpus_expect {
    const char *rel;
    size_t buffers;    /* all buffers */
    size_t compressed; /* buffers with flag 0x40 (MANIFEST.tsv) */
    uint64_t total;    /* sum of decompressed lengths */
    uint64_t fnv;      /* FNV-1a 64 of all decompressed record areas, in file order,
                        * computed with an independent byte-by-byte decoder */
} corpus_expect;

static uint64_t fnv1a(uint64_t h, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 0x100000001b3ull;
    }
    return h;
}

/* Decompress every compressed buffer (etl-format.md §1.5, §8): the stream is
 * bytes 0x48..BufferSize, u32 0x2C is 3, the output is Offset(0x30) - 0x48
 * bytes and begins with a record marker (top bit set). */
static void check_corpus(const corpus_expect *e)
{
    /* Skip only this test when the corpus is absent (test_corpus_require
     * would end the whole program, hiding the results of the others). */
    const char *path = test_corpus_path(e->rel);
    if (!path) {
        printf("SKIP: corpus file %s not found (set ETWCAP_CORPUS)\n", e->rel);
        skip();
    }
    size_t size = 0;
    uint8_t *file = test_read_file(path, &size);
    assert_non_null(file);
    size_t cap = 1u << 20; /* far above any expected length: decoding must stop by itself */
    uint8_t *out = malloc(cap);
    assert_non_null(out);

    size_t pos = 0, buffers = 0, compressed = 0;
    uint64_t total = 0, h = 0xcbf29ce484222325ull;
    while (size - pos >= 0x48) {
        const uint8_t *b = file + pos;
        uint32_t bsize = etwcap_rd32(b);
        if (bsize < 0x48 || bsize > size - pos)
            break;
        buffers++;
        if (etwcap_rd16(b + 0x34) & 0x40) {
            compressed++;
            assert_int_equal(etwcap_rd32(b + 0x2C), 3);
            uint32_t offset = etwcap_rd32(b + 0x30);
            assert_true(offset >= 0x48);
            size_t want = offset - 0x48;
            size_t out_len = 0, err_pos = 0;
            etwcap_lz77_status st =
                etwcap_lz77_decompress(b + 0x48, bsize - 0x48, out, cap, &out_len, &err_pos);
            if (st != ETWCAP_LZ77_OK || out_len != want)
                printf("%s: buffer at 0x%zx: %s, %zu bytes (want %zu), err_pos %zu\n", e->rel, pos,
                       etwcap_lz77_status_str(st), out_len, want, err_pos);
            assert_int_equal(st, ETWCAP_LZ77_OK);
            assert_int_equal(out_len, want);
            assert_true(out_len >= 4);
            assert_true(etwcap_rd32(out) & 0x80000000u);
            total += out_len;
            h = fnv1a(h, out, out_len);
        }
        pos += bsize;
    }
    assert_int_equal(pos, size); /* the walk covered the whole file */
    assert_int_equal(buffers, e->buffers);
    assert_int_equal(compressed, e->compressed);
    assert_int_equal(total, e->total);
    assert_int_equal(h, e->fnv);
    free(out);
    free(file);
}

static void test_corpus_perfview_net452(void **state)
{
    (void)state;
    static const corpus_expect e = {"etl/microsoft_perfview/net.4.5.2.x86.etl", 276, 275, 17707800,
                                    0xcc4178508f13cfe1ull};
    check_corpus(&e);
}

static void test_corpus_msbuild(void **state)
{
    (void)state;
    static const corpus_expect e = {"etl/dotnet_msbuild/PerfViewData.etl", 30, 29, 1710616,
                                    0xf88793fab07c94fbull};
    check_corpus(&e);
}

static void test_corpus_dotnet_performance(void **state)
{
    (void)state;
    static const corpus_expect e = {"etl/dotnet_performance/tmp0qw4cn.tmp.etl", 88, 87, 4133904,
                                    0x3e3b4611e008bc24ull};
    check_corpus(&e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spec_alphabet),
        cmocka_unit_test(test_spec_abc100),
        cmocka_unit_test(test_compress_spec_examples),
        cmocka_unit_test(test_literals_only),
        cmocka_unit_test(test_end_conditions),
        cmocka_unit_test(test_matches),
        cmocka_unit_test(test_length_nibble),
        cmocka_unit_test(test_length_byte),
        cmocka_unit_test(test_length_u16),
        cmocka_unit_test(test_length_u32),
        cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_bad_distance),
        cmocka_unit_test(test_overflow),
        cmocka_unit_test(test_status_str),
        cmocka_unit_test(test_round_trip_random),
        cmocka_unit_test(test_round_trip_repetitive),
        cmocka_unit_test(test_prefixes_and_garbage),
        cmocka_unit_test(test_never_writes_past_cap),
        cmocka_unit_test(test_long_match_near_the_end),
        cmocka_unit_test(test_word_loop_long_matches),
        cmocka_unit_test(test_corpus_perfview_net452),
        cmocka_unit_test(test_corpus_msbuild),
        cmocka_unit_test(test_corpus_dotnet_performance),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
