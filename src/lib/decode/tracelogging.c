/* tracelogging.c - fields of self-describing (TraceLogging / EventSource)
 * events, from the EVENT_SCHEMA_TL extended item (etl-format.md §2.7).
 *
 * Metadata: u16 total size, tag bytes (high bit = another follows), event
 * name (NUL-terminated UTF-8), then per field: name (NUL-terminated),
 * InType byte (low 5 bits the type; 0x20 constant count, 0x40 variable
 * count, 0x60 custom; 0x80 = an OutType byte follows), OutType byte (0x80 =
 * tag bytes follow; for a struct the low 7 bits are its member count),
 * tags, u16 count (constant count), u16 size + type info (custom).
 * Payload: the values in field order; a variable-count array starts with
 * its u16 element count, counted strings and binaries with a u16 byte
 * count. Sources: microsoft/tracelogging (TraceLoggingProvider.h, the Rust
 * crate's enums.rs and builder.rs).
 *
 * Values are shown the way TraceEvent shows them after TDH has described
 * the event (RegisteredTraceEventParser + DynamicTraceEventData): unsigned
 * 16/32/64-bit integers print as signed, UInt8+Boolean as a Boolean,
 * UInt16+String as a character, dates as "yy/MM/dd HH:mm:ss.ffffff" UTC,
 * and a field type TraceEvent cannot size (SID) ends the field list. */
#include <stdio.h>
#include <string.h>

#include "common/bytes.h"
#include "common/utf16.h"
#include "decode/decode_internal.h"

enum {
    TL_UNICODESTRING = 1,
    TL_ANSISTRING = 2,
    TL_INT8 = 3,
    TL_UINT8 = 4,
    TL_INT16 = 5,
    TL_UINT16 = 6,
    TL_INT32 = 7,
    TL_UINT32 = 8,
    TL_INT64 = 9,
    TL_UINT64 = 10,
    TL_FLOAT = 11,
    TL_DOUBLE = 12,
    TL_BOOL32 = 13,
    TL_BINARY = 14,
    TL_GUID = 15,
    TL_POINTER = 16,
    TL_FILETIME = 17,
    TL_SYSTEMTIME = 18,
    TL_SID = 19,
    TL_HEXINT32 = 20,
    TL_HEXINT64 = 21,
    TL_COUNTEDSTRING = 22,
    TL_COUNTEDANSISTRING = 23,
    TL_STRUCT = 24,
    TL_COUNTEDBINARY = 25
};
#define TL_CCOUNT 0x20
#define TL_VCOUNT 0x40
#define TL_CUSTOM 0x60
#define TL_OUT_STRING 2
#define TL_OUT_BOOLEAN 3

#define TL_MAX_FIELDS 128
#define TL_MAX_DEPTH 8
#define TL_TEXT 2048

typedef struct tl_field {
    const char *name;
    size_t name_len;
    uint8_t type;  /* InType & 0x1f */
    uint8_t count; /* InType & 0x60 */
    uint8_t out;   /* OutType & 0x7f (struct: member count) */
    uint16_t ccount;
} tl_field;

typedef struct tl_ctx {
    tl_field f[TL_MAX_FIELDS];
    size_t n;
    etwcap_cursor c;
    unsigned psize;
    int stop; /* a value TraceEvent cannot decode was met */
} tl_ctx;

/* One decoded value. */
typedef enum {
    V_INT,
    V_HEX,
    V_DBL,
    V_BOOL,
    V_WSTR,
    V_CSTR,
    V_GUID,
    V_CHAR,
    V_TIME,
    V_BYTES
} tl_kind;

typedef struct tl_val {
    tl_kind kind;
    int64_t i;
    double d;
    const uint8_t *p;
    size_t n;
    etwcap_guid g;
    char text[32]; /* V_TIME, V_CHAR */
} tl_val;

/* Text being built for an array or struct value. */
typedef struct tl_text {
    char s[TL_TEXT];
    size_t len;
} tl_text;

static void text_add(tl_text *t, const char *s, size_t n)
{
    if (n > sizeof t->s - 1 - t->len)
        n = sizeof t->s - 1 - t->len;
    memcpy(t->s + t->len, s, n);
    t->len += n;
    t->s[t->len] = '\0';
}

static void text_puts(tl_text *t, const char *s)
{
    text_add(t, s, strlen(s));
}

/* ---- metadata ---- */

static size_t skip_tags(const uint8_t *m, size_t pos, size_t end)
{
    while (pos < end && (m[pos++] & 0x80))
        ;
    return pos;
}

/* Parse the field list; 0 when the blob is malformed before any field. */
static int parse_meta(tl_ctx *t, const etwcap_ext_item *item)
{
    const uint8_t *m = item->data;
    size_t end = item->size;
    if (end < 4)
        return 0;
    size_t declared = etwcap_rd16(m);
    if (declared >= 4 && declared < end)
        end = declared;
    size_t pos = skip_tags(m, 2, end);
    const uint8_t *nul = pos < end ? memchr(m + pos, 0, end - pos) : NULL;
    if (!nul)
        return 0;
    pos = (size_t)(nul - m) + 1;
    t->n = 0;
    while (pos < end && t->n < TL_MAX_FIELDS) {
        tl_field *f = &t->f[t->n];
        nul = memchr(m + pos, 0, end - pos);
        if (!nul || (size_t)(nul - m) + 1 >= end)
            break;
        f->name = (const char *)m + pos;
        f->name_len = (size_t)(nul - (m + pos));
        pos = (size_t)(nul - m) + 1;
        uint8_t in = m[pos++];
        f->type = in & 0x1f;
        f->count = in & 0x60;
        f->out = 0;
        f->ccount = 0;
        if (in & 0x80) {
            if (pos >= end)
                break;
            uint8_t out = m[pos++];
            f->out = out & 0x7f;
            if (out & 0x80)
                pos = skip_tags(m, pos, end);
        }
        if (f->count == TL_CCOUNT || f->count == TL_CUSTOM) {
            if (pos + 2 > end)
                break;
            uint16_t v = etwcap_rd16(m + pos);
            pos += 2;
            if (f->count == TL_CCOUNT)
                f->ccount = v;
            else
                pos += v; /* custom type info */
        }
        t->n++;
    }
    return 1;
}

/* ---- values ---- */

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
    int64_t ticks = days * 864000000000LL + ((int64_t)h * 3600 + mi * 60 + s) * 10000000LL +
                    (int64_t)ms * 10000;
    format_ticks(ticks, out);
}

/* Read one element of field f. Returns 0, or -1 when the payload is short
 * or the type is one TraceEvent cannot decode (t->stop set). */
static int read_value(tl_ctx *t, const tl_field *f, tl_val *v)
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
            text_add(t, (const char *)p + i, len);
            i += len;
        } else {
            text_puts(t, "\xef\xbf\xbd");
            i++;
        }
    }
}

/* TraceEvent prints byte arrays as hex, at most 16 bytes then "...". */
static void bytes_to_text(const uint8_t *p, size_t n, tl_text *t)
{
    static const char hex[] = "0123456789ABCDEF";
    for (size_t i = 0; i < n && i < 16 && p; i++) {
        char b[2] = {hex[p[i] >> 4], hex[p[i] & 15]};
        text_add(t, b, 2);
    }
    if (n > 16)
        text_puts(t, "...");
}

/* A value as text; `json` quotes what TraceEvent's struct printer quotes. */
static void value_to_text(const tl_val *v, tl_text *t, int json)
{
    char num[64];
    int quote = json && v->kind != V_INT && v->kind != V_BOOL && v->kind != V_DBL;
    if (quote)
        text_puts(t, "\"");
    switch (v->kind) {
    case V_INT:
        snprintf(num, sizeof num, "%lld", (long long)v->i);
        text_puts(t, num);
        break;
    case V_HEX:
        snprintf(num, sizeof num, "0x%llx", (unsigned long long)v->i);
        text_puts(t, num);
        break;
    case V_DBL:
        snprintf(num, sizeof num, "%.17g", v->d);
        text_puts(t, num);
        break;
    case V_BOOL:
        text_puts(t, v->i ? "True" : "False");
        break;
    case V_WSTR: {
        char buf[TL_TEXT];
        size_t n = v->p ? etwcap_utf16_to_utf8(v->p, v->n, buf, sizeof buf, NULL, NULL) : 0;
        text_add(t, buf, n);
        break;
    }
    case V_CSTR:
        cstr_to_text(v->p, v->p ? v->n : 0, t);
        break;
    case V_GUID: {
        char g[37];
        etwcap_guid_format(&v->g, g);
        text_puts(t, g);
        break;
    }
    case V_CHAR:
    case V_TIME:
        text_puts(t, v->text);
        break;
    case V_BYTES:
        bytes_to_text(v->p, v->n, t);
        break;
    }
    if (quote)
        text_puts(t, "\"");
}

/* ---- fields ---- */

/* Index of the field after field i (a struct spans its members). */
static size_t next_field(const tl_ctx *t, size_t i, int depth)
{
    if (i >= t->n)
        return t->n;
    if (t->f[i].type != TL_STRUCT || depth > TL_MAX_DEPTH)
        return i + 1;
    size_t j = i + 1;
    for (unsigned k = 0; k < t->f[i].out && j < t->n; k++)
        j = next_field(t, j, depth + 1);
    return j;
}

static int field_to_text(tl_ctx *t, size_t i, tl_text *txt, int json, int depth);

/* One element of field i: a struct's members or one scalar. */
static int element_to_text(tl_ctx *t, size_t i, tl_text *txt, int json, int depth)
{
    const tl_field *f = &t->f[i];
    if (f->type != TL_STRUCT) {
        tl_val v;
        if (read_value(t, f, &v) < 0)
            return -1;
        value_to_text(&v, txt, json);
        return 0;
    }
    if (depth > TL_MAX_DEPTH)
        return -1;
    text_puts(txt, "{ ");
    size_t j = i + 1;
    for (unsigned k = 0; k < f->out && j < t->n; k++) {
        if (k)
            text_puts(txt, ", ");
        text_puts(txt, "\"");
        text_add(txt, t->f[j].name, t->f[j].name_len);
        text_puts(txt, "\":");
        if (field_to_text(t, j, txt, 1, depth + 1) < 0)
            return -1;
        j = next_field(t, j, depth + 1);
    }
    text_puts(txt, " }");
    return 0;
}

/* Field i whole: an array is "[a,b]" ("[ a, b ]" inside a struct), byte
 * arrays are hex. */
static int field_to_text(tl_ctx *t, size_t i, tl_text *txt, int json, int depth)
{
    const tl_field *f = &t->f[i];
    if (f->count != TL_CCOUNT && f->count != TL_VCOUNT)
        return element_to_text(t, i, txt, json, depth);
    size_t n = f->count == TL_CCOUNT ? f->ccount : etwcap_cursor_u16(&t->c);
    if (t->c.short_read)
        return -1;
    if (f->type == TL_UINT8 || f->type == TL_INT8) {
        const uint8_t *p = etwcap_cursor_left(&t->c) >= n ? t->c.p + t->c.pos : NULL;
        etwcap_cursor_skip(&t->c, n);
        if (t->c.short_read)
            return -1;
        bytes_to_text(p, n, txt);
        return 0;
    }
    text_puts(txt, json ? "[ " : "[");
    for (size_t k = 0; k < n; k++) {
        if (k)
            text_puts(txt, json ? ", " : ",");
        if (element_to_text(t, i, txt, json, depth) < 0)
            return -1;
    }
    text_puts(txt, json ? " ]" : "]");
    return 0;
}

/* Copy the field name into the list's text store, keeping only
 * [A-Za-z0-9_] the way TraceEvent does. */
static const char *store_name(etwcap_fields *out, const char *name, size_t len, const char *suffix)
{
    size_t left = sizeof out->text - out->text_used;
    size_t need = len + strlen(suffix) + 1;
    if (need > left) {
        out->truncated = 1;
        return NULL;
    }
    char *dst = out->text + out->text_used, *q = dst;
    for (size_t i = 0; i < len; i++) {
        char ch = name[i];
        if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
            ch == '_')
            *q++ = ch;
    }
    strcpy(q, suffix);
    out->text_used += (size_t)(q - dst) + strlen(suffix) + 1;
    return dst;
}

static void add_value(etwcap_fields *out, const char *name, const tl_val *v)
{
    switch (v->kind) {
    case V_INT:
        etwcap_fields_add_i64(out, name, v->i);
        break;
    case V_HEX:
        etwcap_fields_add_hex(out, name, (uint64_t)v->i);
        break;
    case V_DBL:
        etwcap_fields_add_double(out, name, v->d);
        break;
    case V_BOOL:
        etwcap_fields_add_bool(out, name, (int)v->i);
        break;
    case V_WSTR:
        etwcap_fields_add_wstr(out, name, v->p ? v->p : (const uint8_t *)"", v->p ? v->n : 0);
        break;
    case V_GUID:
        etwcap_fields_add_guid(out, name, &v->g);
        break;
    default: {
        tl_text txt;
        txt.len = 0;
        txt.s[0] = '\0';
        value_to_text(v, &txt, 0);
        etwcap_fields_add_strn(out, name, txt.s, txt.len);
        break;
    }
    }
}

/* Field i at the top level: scalars keep their type, the rest is text. */
static int top_field(tl_ctx *t, size_t i, etwcap_fields *out)
{
    const tl_field *f = &t->f[i];
    tl_val v;
    if (f->type == TL_STRUCT || f->count == TL_CCOUNT || f->count == TL_VCOUNT) {
        tl_text txt;
        txt.len = 0;
        txt.s[0] = '\0';
        if (field_to_text(t, i, &txt, 0, 0) < 0)
            return -1;
        const char *name = store_name(out, f->name, f->name_len, "");
        if (name)
            etwcap_fields_add_strn(out, name, txt.s, txt.len);
        return 0;
    }
    if (read_value(t, f, &v) < 0)
        return -1;
    if (f->type == TL_BINARY) {
        /* TDH adds "<name>.Length" before a Binary field; TraceEvent drops
         * the dot. */
        const char *len_name = store_name(out, f->name, f->name_len, "Length");
        if (len_name)
            etwcap_fields_add_i64(out, len_name, (int64_t)v.n);
    }
    const char *name = store_name(out, f->name, f->name_len, "");
    if (name)
        add_value(out, name, &v);
    return 0;
}

etwcap_decode_result etwcap_decode_tracelogging_fields(const etwcap_event *ev, etwcap_fields *out)
{
    const etwcap_ext_item *item = etwcap_event_find_ext(ev, ETWCAP_EXT_EVENT_SCHEMA_TL);
    tl_ctx t;
    if (!item || !item->data || !parse_meta(&t, item))
        return ETWCAP_DECODE_UNKNOWN;
    etwcap_cursor_init(&t.c, ev->payload, ev->payload ? ev->payload_len : 0);
    t.psize = ev->pointer_size == 4 ? 4 : 8;
    t.stop = 0;
    for (size_t i = 0; i < t.n; i = next_field(&t, i, 0)) {
        if (top_field(&t, i, out) < 0) {
            if (t.stop)
                return ETWCAP_DECODE_OK;
            etwcap_fields_clear(out);
            return ETWCAP_DECODE_SHORT;
        }
    }
    return ETWCAP_DECODE_OK;
}
