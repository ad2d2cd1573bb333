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
#include <string.h>

#include "common/bytes.h"
#include "decode/tracelogging_internal.h"

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
        if (tl_read_value(t, f, &v) < 0)
            return -1;
        tl_value_to_text(&v, txt, json);
        return 0;
    }
    if (depth > TL_MAX_DEPTH)
        return -1;
    tl_text_puts(txt, "{ ");
    size_t j = i + 1;
    for (unsigned k = 0; k < f->out && j < t->n; k++) {
        if (k)
            tl_text_puts(txt, ", ");
        tl_text_puts(txt, "\"");
        tl_text_add(txt, t->f[j].name, t->f[j].name_len);
        tl_text_puts(txt, "\":");
        if (field_to_text(t, j, txt, 1, depth + 1) < 0)
            return -1;
        j = next_field(t, j, depth + 1);
    }
    tl_text_puts(txt, " }");
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
        tl_bytes_to_text(p, n, txt);
        return 0;
    }
    tl_text_puts(txt, json ? "[ " : "[");
    for (size_t k = 0; k < n; k++) {
        if (k)
            tl_text_puts(txt, json ? ", " : ",");
        size_t before = t->c.pos;
        if (element_to_text(t, i, txt, json, depth) < 0)
            return -1;
        /* Fuzz finding (fuzz/regressions/fuzz_tracelogging): an element
         * that read no payload (a struct of empty arrays) is followed by
         * identical ones, and arrays of such structs nested 8 deep asked
         * for 65535^8 steps. Each one adds text, so once the text is full
         * the rest change nothing: stop there. */
        if (t->c.pos == before && txt->len >= sizeof txt->s - 1)
            break;
    }
    tl_text_puts(txt, json ? " ]" : "]");
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
        tl_value_to_text(v, &txt, 0);
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
    if (tl_read_value(t, f, &v) < 0)
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
