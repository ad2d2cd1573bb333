/* utf16.c - UTF-16LE to UTF-8 (see utf16.h). */
#include "common/utf16.h"

#include "common/bytes.h"

static size_t put_utf8(uint32_t cp, char *out, size_t len, size_t cap)
{
    char tmp[4];
    size_t n;
    if (cp < 0x80) {
        tmp[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        tmp[0] = (char)(0xC0 | (cp >> 6));
        tmp[1] = (char)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        tmp[0] = (char)(0xE0 | (cp >> 12));
        tmp[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        tmp[2] = (char)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        tmp[0] = (char)(0xF0 | (cp >> 18));
        tmp[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        tmp[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        tmp[3] = (char)(0x80 | (cp & 0x3F));
        n = 4;
    }
    if (cap == 0 || len + n > cap - 1)
        return 0; /* does not fit: stop at a character boundary */
    for (size_t i = 0; i < n; i++)
        out[len + i] = tmp[i];
    return n;
}

size_t etwcap_utf16_to_utf8(const uint8_t *src, size_t src_len, char *out, size_t cap,
                            size_t *consumed, int *terminated)
{
    size_t i = 0, len = 0;
    int full = 0, term = 0;
    while (i + 2 <= src_len) {
        uint32_t u = etwcap_rd16(src + i);
        i += 2;
        if (u == 0) {
            term = 1;
            break;
        }
        uint32_t cp = u;
        if (u >= 0xD800 && u <= 0xDBFF && i + 2 <= src_len) {
            uint32_t lo = etwcap_rd16(src + i);
            if (lo >= 0xDC00 && lo <= 0xDFFF) {
                cp = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
                i += 2;
            } else {
                cp = 0xFFFD;
            }
        } else if (u >= 0xD800 && u <= 0xDFFF) {
            cp = 0xFFFD;
        }
        if (!full) {
            size_t n = put_utf8(cp, out, len, cap);
            if (n == 0)
                full = 1;
            len += n;
        }
    }
    if (cap > 0)
        out[len] = '\0';
    if (consumed)
        *consumed = i;
    if (terminated)
        *terminated = term;
    return len;
}

size_t etwcap_utf8_seq(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    size_t len;
    uint32_t cp;
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF)
        len = 2, cp = c & 0x1F;
    else if (c >= 0xE0 && c <= 0xEF)
        len = 3, cp = c & 0x0F;
    else if (c >= 0xF0 && c <= 0xF4)
        len = 4, cp = c & 0x07;
    else
        return 0;
    if (len > n)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if ((len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
        (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
        return 0;
    return len;
}
