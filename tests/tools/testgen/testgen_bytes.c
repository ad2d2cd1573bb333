/* testgen_bytes.c - the test-trace writer's byte builder (little-endian
 * integers, GUIDs, UTF-16 and C strings, SIDs) and the GUID and time texts it
 * parses (see testgen.h). What lays those bytes out as records, buffers and
 * files is in testgen.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/bytes.h"
#include "testgen.h"

/* ---- byte builder --------------------------------------------------------- */

void testgen_buf_free(testgen_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
    b->failed = 0;
}

void testgen_buf_reset(testgen_buf *b)
{
    b->len = 0;
    b->failed = 0;
}

static uint8_t *tg_grow(testgen_buf *b, size_t n)
{
    if (b->failed)
        return NULL;
    if (n > ((size_t)-1) / 2 - b->len) {
        b->failed = 1;
        return NULL;
    }
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->len + n)
            cap *= 2;
        uint8_t *p = realloc(b->data, cap);
        if (!p) {
            b->failed = 1;
            return NULL;
        }
        b->data = p;
        b->cap = cap;
    }
    uint8_t *p = b->data + b->len;
    b->len += n;
    return p;
}

void testgen_put_bytes(testgen_buf *b, const void *p, size_t n)
{
    if (n == 0)
        return;
    uint8_t *d = tg_grow(b, n);
    if (d)
        memcpy(d, p, n);
}

void testgen_put_zeros(testgen_buf *b, size_t n)
{
    if (n == 0)
        return;
    uint8_t *d = tg_grow(b, n);
    if (d)
        memset(d, 0, n);
}

void testgen_put_u8(testgen_buf *b, uint8_t v)
{
    uint8_t *d = tg_grow(b, 1);
    if (d)
        d[0] = v;
}

void testgen_put_u16(testgen_buf *b, uint16_t v)
{
    uint8_t *d = tg_grow(b, 2);
    if (d)
        etwcap_wr16(d, v);
}

void testgen_put_u32(testgen_buf *b, uint32_t v)
{
    uint8_t *d = tg_grow(b, 4);
    if (d)
        etwcap_wr32(d, v);
}

void testgen_put_u64(testgen_buf *b, uint64_t v)
{
    uint8_t *d = tg_grow(b, 8);
    if (d)
        etwcap_wr64(d, v);
}

void testgen_put_ptr(testgen_buf *b, unsigned psize, uint64_t v)
{
    if (psize == 8)
        testgen_put_u64(b, v);
    else if (psize == 4)
        testgen_put_u32(b, (uint32_t)v);
    else
        b->failed = 1;
}

static void tg_wr_guid(uint8_t *p, const etwcap_guid *g)
{
    etwcap_wr32(p, g->data1);
    etwcap_wr16(p + 4, g->data2);
    etwcap_wr16(p + 6, g->data3);
    memcpy(p + 8, g->data4, 8);
}

void testgen_put_guid(testgen_buf *b, const etwcap_guid *g)
{
    uint8_t *d = tg_grow(b, 16);
    if (d)
        tg_wr_guid(d, g);
}

void testgen_put_cstr(testgen_buf *b, const char *s)
{
    if (!s)
        s = "";
    testgen_put_bytes(b, s, strlen(s) + 1);
}

/* Decode one UTF-8 sequence at s; returns the code point (U+FFFD for invalid
 * input) and advances *len bytes. */
static uint32_t tg_utf8_next(const unsigned char *s, size_t *len)
{
    unsigned char c = s[0];
    uint32_t cp;
    size_t n;
    if (c < 0x80) {
        *len = 1;
        return c;
    } else if (c >= 0xC2 && c <= 0xDF) {
        cp = c & 0x1Fu;
        n = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
        cp = c & 0x0Fu;
        n = 3;
    } else if (c >= 0xF0 && c <= 0xF4) {
        cp = c & 0x07u;
        n = 4;
    } else {
        *len = 1;
        return 0xFFFD;
    }
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80) {
            *len = i;
            return 0xFFFD;
        }
        cp = (cp << 6) | (s[i] & 0x3Fu);
    }
    *len = n;
    if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
        (cp >= 0xD800 && cp <= 0xDFFF))
        return 0xFFFD;
    return cp;
}

void testgen_put_utf16(testgen_buf *b, const char *utf8)
{
    const unsigned char *s = (const unsigned char *)(utf8 ? utf8 : "");
    while (*s) {
        size_t n;
        uint32_t cp = tg_utf8_next(s, &n);
        s += n;
        if (cp >= 0x10000) {
            cp -= 0x10000;
            testgen_put_u16(b, (uint16_t)(0xD800 + (cp >> 10)));
            testgen_put_u16(b, (uint16_t)(0xDC00 + (cp & 0x3FF)));
        } else {
            testgen_put_u16(b, (uint16_t)cp);
        }
    }
}

void testgen_put_wstr(testgen_buf *b, const char *utf8)
{
    testgen_put_utf16(b, utf8);
    testgen_put_u16(b, 0);
}

static int tg_parse_u64_dec(const char **ps, uint64_t *out)
{
    const char *s = *ps;
    uint64_t v = 0;
    if (*s < '0' || *s > '9')
        return -1;
    while (*s >= '0' && *s <= '9') {
        unsigned d = (unsigned)(*s - '0');
        if (v > (UINT64_MAX - d) / 10)
            return -1;
        v = v * 10 + d;
        s++;
    }
    *ps = s;
    *out = v;
    return 0;
}

int testgen_put_sid(testgen_buf *b, const char *sid)
{
    uint64_t rev, auth, sub[15];
    size_t n = 0;
    const char *s = sid;
    if (!s || (s[0] != 'S' && s[0] != 's') || s[1] != '-')
        goto bad;
    s += 2;
    if (tg_parse_u64_dec(&s, &rev) || rev > 255 || *s != '-')
        goto bad;
    s++;
    if (tg_parse_u64_dec(&s, &auth) || auth > 0xFFFFFFFFFFFFull)
        goto bad;
    while (*s == '-') {
        s++;
        if (n == 15 || tg_parse_u64_dec(&s, &sub[n]) || sub[n] > 0xFFFFFFFFu)
            goto bad;
        n++;
    }
    if (*s)
        goto bad;
    testgen_put_u8(b, (uint8_t)rev);
    testgen_put_u8(b, (uint8_t)n);
    for (int i = 5; i >= 0; i--)
        testgen_put_u8(b, (uint8_t)(auth >> (8 * i)));
    for (size_t i = 0; i < n; i++)
        testgen_put_u32(b, (uint32_t)sub[i]);
    return b->failed ? -1 : 0;
bad:
    b->failed = 1;
    return -1;
}

/* ---- GUIDs and time -------------------------------------------------------- */

int testgen_hex_digit(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int testgen_guid_parse(const char *s, etwcap_guid *out)
{
    if (!s)
        return -1;
    size_t len = strlen(s);
    if (len == 38 && s[0] == '{' && s[37] == '}') {
        s++;
        len = 36;
    }
    if (len != 36)
        return -1;
    uint8_t bytes[16];
    size_t bi = 0;
    for (size_t i = 0; i < 36;) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (s[i] != '-')
                return -1;
            i++;
            continue;
        }
        int hi = testgen_hex_digit((unsigned char)s[i]),
            lo = testgen_hex_digit((unsigned char)s[i + 1]);
        if (hi < 0 || lo < 0)
            return -1;
        bytes[bi++] = (uint8_t)(hi << 4 | lo);
        i += 2;
    }
    out->data1 =
        (uint32_t)bytes[0] << 24 | (uint32_t)bytes[1] << 16 | (uint32_t)bytes[2] << 8 | bytes[3];
    out->data2 = (uint16_t)(bytes[4] << 8 | bytes[5]);
    out->data3 = (uint16_t)(bytes[6] << 8 | bytes[7]);
    memcpy(out->data4, bytes + 8, 8);
    return 0;
}

void testgen_guid_format(const etwcap_guid *g, char out[37], int upper)
{
    const char *fmt = upper ? "%08X-%04X-%04X-%02X%02X-%02X%02X%02X%02X%02X%02X"
                            : "%08x-%04x-%04x-%02x%02x-%02x%02x%02x%02x%02x%02x";
    snprintf(out, 37, fmt, (unsigned)g->data1, (unsigned)g->data2, (unsigned)g->data3, g->data4[0],
             g->data4[1], g->data4[2], g->data4[3], g->data4[4], g->data4[5], g->data4[6],
             g->data4[7]);
}

static int64_t tg_days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = (unsigned)(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static int tg_digits(const char **ps, int n, unsigned *out)
{
    unsigned v = 0;
    for (int i = 0; i < n; i++) {
        char c = (*ps)[i];
        if (c < '0' || c > '9')
            return -1;
        v = v * 10 + (unsigned)(c - '0');
    }
    *ps += n;
    *out = v;
    return 0;
}

int testgen_parse_time(const char *s, int64_t *filetime)
{
    unsigned y, mo, d, h, mi, sec, frac = 0;
    if (!s || tg_digits(&s, 4, &y) || *s++ != '-' || tg_digits(&s, 2, &mo) || *s++ != '-' ||
        tg_digits(&s, 2, &d) || (*s != 'T' && *s != 't' && *s != ' '))
        return -1;
    s++;
    if (tg_digits(&s, 2, &h) || *s++ != ':' || tg_digits(&s, 2, &mi) || *s++ != ':' ||
        tg_digits(&s, 2, &sec))
        return -1;
    if (*s == '.') {
        s++;
        int n = 0;
        while (*s >= '0' && *s <= '9') {
            if (n == 7)
                return -1;
            frac = frac * 10 + (unsigned)(*s - '0');
            n++;
            s++;
        }
        if (n == 0)
            return -1;
        for (; n < 7; n++)
            frac *= 10;
    }
    if (*s == 'Z' || *s == 'z')
        s++;
    if (*s || y < 1601 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
        return -1;
    static const unsigned mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (d > mdays[mo - 1] || (mo == 2 && !leap && d > 28))
        return -1;
    int64_t days = tg_days_from_civil(y, mo, d) + 134774; /* 1601-01-01 .. 1970-01-01 */
    int64_t secs = days * 86400 + (int64_t)h * 3600 + (int64_t)mi * 60 + sec;
    *filetime = secs * 10000000 + frac;
    return 0;
}
