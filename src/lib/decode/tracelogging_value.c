/* tracelogging_value.c - reading one TraceLogging value and printing it
 * the way TraceEvent does (etl-format.md §2.7; see tracelogging.c). */
#include <stdio.h>
#include <string.h>

#include "common/bytes.h"
#include "common/utf16.h"
#include "decode/tracelogging_internal.h"

void tl_text_add(tl_text *t, const char *s, size_t n)
{
    if (n > sizeof t->s - 1 - t->len)
        n = sizeof t->s - 1 - t->len;
    memcpy(t->s + t->len, s, n);
    t->len += n;
    t->s[t->len] = '\0';
}

void tl_text_puts(tl_text *t, const char *s)
{
    tl_text_add(t, s, strlen(s));
}

static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? (unsigned)-3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

/* "yy/MM/dd HH:mm:ss.ffffff" from 100 ns ticks since 0001-01-01 (UTC). */
static void format_ticks(int64_t ticks, char out[32])
{
    const int64_t day = 864000000000LL;
    int64_t rem = ticks % day;
    /* civil_from_days (H. Hinnant), on days since 1970-01-01 */
    int64_t z = ticks / day + days_from_civil(1, 1, 1) + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    unsigned d = doy - (153 * mp + 2) / 5 + 1;
    unsigned m = mp < 10 ? mp + 3 : mp - 9;
    int64_t y = (int64_t)yoe + era * 400 + (m <= 2);
    int64_t secs = rem / 10000000;
    snprintf(out, 32, "%02u/%02u/%02u %02u:%02u:%02u.%06u", (unsigned)(y % 100), m, d,
             (unsigned)(secs / 3600), (unsigned)(secs / 60 % 60), (unsigned)(secs % 60),
             (unsigned)(rem % 10000000 / 10));
}

/* FILETIME (100 ns since 1601) as TraceEvent prints it; "" when .NET's
 * DateTime.FromFileTime would refuse it. */
static void format_filetime(uint64_t ft, char out[32])
{
    const int64_t to_1601 = 504911232000000000LL; /* ticks from 0001 to 1601 */
    if (ft > (uint64_t)(3155378975999999999LL - to_1601)) {
        out[0] = '\0';
        return;
    }
    format_ticks((int64_t)ft + to_1601, out);
}

/* SYSTEMTIME: TraceEvent's DynamicTraceEventData builds the DateTime from
 * year, month, day, hour, minute, second and, for the milliseconds, reads
 * wSecond a second time (it never advances to wMilliseconds). The PerfView
 * baselines show that value, so it is reproduced here. */
static void format_systemtime(const uint8_t *p, char out[32])
{
    unsigned y = etwcap_rd16(p), mo = etwcap_rd16(p + 2), d = etwcap_rd16(p + 6);
    unsigned h = etwcap_rd16(p + 8), mi = etwcap_rd16(p + 10), s = etwcap_rd16(p + 12);
    unsigned ms = s; /* TraceEvent's reading, see above */
    static const unsigned mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (y < 1 || y > 9999 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h > 23 || mi > 59 ||
        s > 59 || ms > 999 ||
        (mo == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)))) {
        out[0] = '\0';
        return;
    }
    int64_t days = days_from_civil(y, mo, d) - days_from_civil(1, 1, 1);
    int64_t ticks = days * 864000000000LL +
                    ((int64_t)h * 3600 + (int64_t)mi * 60 + s) * 10000000LL + (int64_t)ms * 10000;
    format_ticks(ticks, out);
}

/* Read one element of field f. Returns 0, or -1 when the payload is short
 * or the type is one TraceEvent cannot decode (t->stop set). */
int tl_read_value(tl_ctx *t, const tl_field *f, tl_val *v)
{
    etwcap_cursor *c = &t->c;
    memset(v, 0, sizeof *v);
    v->kind = V_INT;
    switch (f->type) {
    case TL_UNICODESTRING: {
        etwcap_wspan s = etwcap_cursor_wstr(c);
        v->kind = V_WSTR;
        v->p = s.p;
        v->n = s.bytes;
        break;
    }
    case TL_ANSISTRING: {
        etwcap_cspan s = etwcap_cursor_cstr(c);
        v->kind = V_CSTR;
        v->p = (const uint8_t *)s.p;
        v->n = s.len;
        break;
    }
    case TL_INT8:
        v->i = etwcap_cursor_u8(c); /* TraceEvent reads Int8 as a byte */
        break;
    case TL_UINT8:
        v->i = etwcap_cursor_u8(c);
        if (f->out == TL_OUT_BOOLEAN)
            v->kind = V_BOOL;
        break;
    case TL_INT16:
    case TL_UINT16:
        v->i = (int16_t)etwcap_cursor_u16(c);
        if (f->out == TL_OUT_STRING) {
            uint8_t unit[2];
            etwcap_wr16(unit, (uint16_t)v->i);
            v->kind = V_CHAR;
            etwcap_utf16_to_utf8(unit, 2, v->text, sizeof v->text, NULL, NULL);
        }
        break;
    case TL_INT32:
    case TL_UINT32:
    case TL_HEXINT32:
        v->i = (int32_t)etwcap_cursor_u32(c);
        break;
    case TL_INT64:
    case TL_UINT64:
    case TL_HEXINT64:
        v->i = (int64_t)etwcap_cursor_u64(c);
        break;
    case TL_FLOAT: {
        uint32_t bits = etwcap_cursor_u32(c);
        float fl;
        memcpy(&fl, &bits, sizeof fl);
        v->kind = V_DBL;
        v->d = fl;
        break;
    }
    case TL_DOUBLE: {
        uint64_t bits = etwcap_cursor_u64(c);
        memcpy(&v->d, &bits, sizeof v->d);
        v->kind = V_DBL;
        break;
    }
    case TL_BOOL32: /* TraceEvent tests the first byte only */
        v->kind = V_BOOL;
        v->i = etwcap_cursor_u32(c) & 0xff;
        break;
    case TL_GUID:
        v->kind = V_GUID;
        v->g = etwcap_cursor_guid(c);
        break;
    case TL_POINTER:
        v->kind = V_HEX;
        v->i = (int64_t)etwcap_cursor_ptr(c, t->psize);
        break;
    case TL_FILETIME:
        v->kind = V_TIME;
        format_filetime(etwcap_cursor_u64(c), v->text);
        break;
    case TL_SYSTEMTIME:
        v->kind = V_TIME;
        if (etwcap_cursor_left(c) >= 16)
            format_systemtime(c->p + c->pos, v->text);
        etwcap_cursor_skip(c, 16);
        break;
    case TL_COUNTEDSTRING:
    case TL_COUNTEDANSISTRING:
    case TL_BINARY:
    case TL_COUNTEDBINARY: {
        v->n = etwcap_cursor_u16(c);
        if (etwcap_cursor_left(c) >= v->n)
            v->p = c->p + c->pos;
        etwcap_cursor_skip(c, v->n);
        v->kind = f->type == TL_COUNTEDSTRING       ? V_WSTR
                  : f->type == TL_COUNTEDANSISTRING ? V_CSTR
                                                    : V_BYTES;
        break;
    }
    default: /* SID and unknown types: TraceEvent stops here */
        t->stop = 1;
        return -1;
    }
    return c->short_read ? -1 : 0;
}

/* 8-bit strings: kept when valid UTF-8, other bytes become U+FFFD. */
static void cstr_to_text(const uint8_t *p, size_t n, tl_text *t)
{
    for (size_t i = 0; i < n;) {
        size_t len = p[i] < 0x80             ? 1
                     : (p[i] & 0xe0) == 0xc0 ? 2
                     : (p[i] & 0xf0) == 0xe0 ? 3
                     : (p[i] & 0xf8) == 0xf0 ? 4
                                             : 0;
        int ok = len > 0 && i + len <= n;
        for (size_t k = 1; ok && k < len; k++)
            ok = (p[i + k] & 0xc0) == 0x80;
        if (ok) {
            tl_text_add(t, (const char *)p + i, len);
            i += len;
        } else {
            tl_text_puts(t, "\xef\xbf\xbd");
            i++;
        }
    }
}

/* TraceEvent prints byte arrays as hex, at most 16 bytes then "...". */
void tl_bytes_to_text(const uint8_t *p, size_t n, tl_text *t)
{
    static const char hex[] = "0123456789ABCDEF";
    for (size_t i = 0; i < n && i < 16 && p; i++) {
        char b[2] = {hex[p[i] >> 4], hex[p[i] & 15]};
        tl_text_add(t, b, 2);
    }
    if (n > 16)
        tl_text_puts(t, "...");
}

/* A value as text; `json` quotes what TraceEvent's struct printer quotes. */
void tl_value_to_text(const tl_val *v, tl_text *t, int json)
{
    char num[64];
    int quote = json && v->kind != V_INT && v->kind != V_BOOL && v->kind != V_DBL;
    if (quote)
        tl_text_puts(t, "\"");
    switch (v->kind) {
    case V_INT:
        snprintf(num, sizeof num, "%lld", (long long)v->i);
        tl_text_puts(t, num);
        break;
    case V_HEX:
        snprintf(num, sizeof num, "0x%llx", (unsigned long long)v->i);
        tl_text_puts(t, num);
        break;
    case V_DBL:
        snprintf(num, sizeof num, "%.17g", v->d);
        tl_text_puts(t, num);
        break;
    case V_BOOL:
        tl_text_puts(t, v->i ? "True" : "False");
        break;
    case V_WSTR: {
        char buf[TL_TEXT];
        size_t n = v->p ? etwcap_utf16_to_utf8(v->p, v->n, buf, sizeof buf, NULL, NULL) : 0;
        tl_text_add(t, buf, n);
        break;
    }
    case V_CSTR:
        cstr_to_text(v->p, v->p ? v->n : 0, t);
        break;
    case V_GUID: {
        char g[37];
        etwcap_guid_format(&v->g, g);
        tl_text_puts(t, g);
        break;
    }
    case V_CHAR:
    case V_TIME:
        tl_text_puts(t, v->text);
        break;
    case V_BYTES:
        tl_bytes_to_text(v->p, v->n, t);
        break;
    }
    if (quote)
        tl_text_puts(t, "\"");
}
