/* cursor.c - bounded reads over a payload (see decode_internal.h). */
#include <string.h>

#include "common/bytes.h"
#include "decode/decode_internal.h"

void etwcap_cursor_init(etwcap_cursor *c, const uint8_t *p, size_t len)
{
    c->p = p;
    c->len = len;
    c->pos = 0;
    c->short_read = 0;
}

static const uint8_t *take(etwcap_cursor *c, size_t n)
{
    if (c->pos > c->len || n > c->len - c->pos) {
        c->short_read = 1;
        c->pos = c->len;
        return NULL;
    }
    const uint8_t *q = c->p + c->pos;
    c->pos += n;
    return q;
}

uint8_t etwcap_cursor_u8(etwcap_cursor *c)
{
    const uint8_t *q = take(c, 1);
    return q ? q[0] : 0;
}

uint16_t etwcap_cursor_u16(etwcap_cursor *c)
{
    const uint8_t *q = take(c, 2);
    return q ? etwcap_rd16(q) : 0;
}

uint32_t etwcap_cursor_u32(etwcap_cursor *c)
{
    const uint8_t *q = take(c, 4);
    return q ? etwcap_rd32(q) : 0;
}

uint64_t etwcap_cursor_u64(etwcap_cursor *c)
{
    const uint8_t *q = take(c, 8);
    return q ? etwcap_rd64(q) : 0;
}

uint64_t etwcap_cursor_ptr(etwcap_cursor *c, unsigned psize)
{
    return psize == 8 ? etwcap_cursor_u64(c) : etwcap_cursor_u32(c);
}

etwcap_guid etwcap_cursor_guid(etwcap_cursor *c)
{
    etwcap_guid g;
    memset(&g, 0, sizeof g);
    const uint8_t *q = take(c, 16);
    if (q) {
        g.data1 = etwcap_rd32(q);
        g.data2 = etwcap_rd16(q + 4);
        g.data3 = etwcap_rd16(q + 6);
        memcpy(g.data4, q + 8, 8);
    }
    return g;
}

etwcap_wspan etwcap_cursor_wstr(etwcap_cursor *c)
{
    etwcap_wspan s = {NULL, 0};
    if (c->pos >= c->len) {
        c->short_read = 1;
        return s;
    }
    s.p = c->p + c->pos;
    size_t i = c->pos;
    while (i + 2 <= c->len) {
        if (c->p[i] == 0 && c->p[i + 1] == 0) {
            s.bytes = i - c->pos;
            c->pos = i + 2;
            return s;
        }
        i += 2;
    }
    s.bytes = i - c->pos;
    c->pos = c->len;
    c->short_read = 1;
    return s;
}

etwcap_cspan etwcap_cursor_cstr(etwcap_cursor *c)
{
    etwcap_cspan s = {NULL, 0};
    if (c->pos >= c->len) {
        c->short_read = 1;
        return s;
    }
    s.p = (const char *)c->p + c->pos;
    const uint8_t *nul = memchr(c->p + c->pos, 0, c->len - c->pos);
    if (nul) {
        s.len = (size_t)(nul - (c->p + c->pos));
        c->pos += s.len + 1;
    } else {
        s.len = c->len - c->pos;
        c->pos = c->len;
        c->short_read = 1;
    }
    return s;
}

void etwcap_cursor_skip(etwcap_cursor *c, size_t n)
{
    (void)take(c, n);
}

size_t etwcap_cursor_left(const etwcap_cursor *c)
{
    return c->pos < c->len ? c->len - c->pos : 0;
}
