/* clr_fields.c - TraceEvent-named fields of CLR events: the dispatch by
 * provider and event id (etl-format.md §4.1, §4.3) and the reading helpers
 * that the per-family decoders (clr_fields_*.c) share. */
#include <string.h>

#include "decode/clr_internal.h"

void clr_ctx_init(clr_ctx *x, const etwcap_event *ev, etwcap_fields *out)
{
    x->ev = ev;
    x->out = out;
    etwcap_cursor_init(&x->c, ev->payload, ev->payload ? ev->payload_len : 0);
    x->ver = ev->version;
    x->psize = ev->pointer_size == 4 ? 4 : 8;
}

etwcap_decode_result clr_done(clr_ctx *x)
{
    if (x->c.short_read) {
        etwcap_fields_clear(x->out);
        return ETWCAP_DECODE_SHORT;
    }
    return ETWCAP_DECODE_OK;
}

void clr_seek(clr_ctx *x, size_t off)
{
    if (off > x->c.len) {
        x->c.short_read = 1;
        x->c.pos = x->c.len;
        return;
    }
    x->c.pos = off;
}

void clr_add_i64(clr_ctx *x, const char *name, int64_t v)
{
    if (name)
        etwcap_fields_add_i64(x->out, name, v);
}

void clr_add_empty(clr_ctx *x, const char *name)
{
    etwcap_fields_add_str(x->out, name, "");
}

void clr_add_enum(clr_ctx *x, const char *name, const clr_enum *e, int64_t v)
{
    char text[256];
    if (!name)
        return;
    clr_enum_format(e, v, text, sizeof text);
    etwcap_fields_add_str(x->out, name, text);
}

int64_t clr_f_u8(clr_ctx *x, const char *name)
{
    int64_t v = etwcap_cursor_u8(&x->c);
    clr_add_i64(x, name, v);
    return v;
}

int64_t clr_f_i16(clr_ctx *x, const char *name)
{
    int64_t v = (int16_t)etwcap_cursor_u16(&x->c);
    clr_add_i64(x, name, v);
    return v;
}

int64_t clr_f_u16(clr_ctx *x, const char *name)
{
    int64_t v = etwcap_cursor_u16(&x->c);
    clr_add_i64(x, name, v);
    return v;
}

int64_t clr_f_i32(clr_ctx *x, const char *name)
{
    int64_t v = (int32_t)etwcap_cursor_u32(&x->c);
    clr_add_i64(x, name, v);
    return v;
}

int64_t clr_f_i64(clr_ctx *x, const char *name)
{
    int64_t v = (int64_t)etwcap_cursor_u64(&x->c);
    clr_add_i64(x, name, v);
    return v;
}

int64_t clr_f_ptr_long(clr_ctx *x, const char *name)
{
    int64_t v = (int64_t)etwcap_cursor_ptr(&x->c, x->psize);
    clr_add_i64(x, name, v);
    return v;
}

uint64_t clr_f_hex64(clr_ctx *x, const char *name)
{
    uint64_t v = etwcap_cursor_u64(&x->c);
    if (name)
        etwcap_fields_add_hex(x->out, name, v);
    return v;
}

uint64_t clr_f_hexptr(clr_ctx *x, const char *name)
{
    uint64_t v = etwcap_cursor_ptr(&x->c, x->psize);
    if (name)
        etwcap_fields_add_hex(x->out, name, v);
    return v;
}

etwcap_wspan clr_f_wstr(clr_ctx *x, const char *name)
{
    etwcap_wspan s = etwcap_cursor_wstr(&x->c);
    if (name)
        etwcap_fields_add_wstr(x->out, name, s.p ? s.p : (const uint8_t *)"", s.bytes);
    return s;
}

void clr_f_guid(clr_ctx *x, const char *name)
{
    etwcap_guid g = etwcap_cursor_guid(&x->c);
    if (name)
        etwcap_fields_add_guid(x->out, name, &g);
}

int clr_f_bool32(clr_ctx *x, const char *name)
{
    int v = etwcap_cursor_u32(&x->c) != 0;
    if (name)
        etwcap_fields_add_bool(x->out, name, v);
    return v;
}

void clr_f_double(clr_ctx *x, const char *name)
{
    uint64_t bits = etwcap_cursor_u64(&x->c);
    double d;
    memcpy(&d, &bits, sizeof d);
    if (name)
        etwcap_fields_add_double(x->out, name, d);
}

int64_t clr_f_enum8(clr_ctx *x, const char *name, const clr_enum *e)
{
    int64_t v = etwcap_cursor_u8(&x->c);
    clr_add_enum(x, name, e, v);
    return v;
}

int64_t clr_f_enum16(clr_ctx *x, const char *name, const clr_enum *e)
{
    int64_t v = (int16_t)etwcap_cursor_u16(&x->c);
    clr_add_enum(x, name, e, v);
    return v;
}

int64_t clr_f_enum32(clr_ctx *x, const char *name, const clr_enum *e)
{
    int64_t v = (int32_t)etwcap_cursor_u32(&x->c);
    clr_add_enum(x, name, e, v);
    return v;
}

void clr_f_instance(clr_ctx *x, unsigned since)
{
    if (x->ver >= since)
        clr_f_i16(x, "ClrInstanceID");
    else
        clr_add_i64(x, "ClrInstanceID", 0);
}

/* Runtime provider: each family owns a set of ids (§4.3). */
static etwcap_decode_result runtime_fields(clr_ctx *x, unsigned id)
{
    etwcap_decode_result r = clr_fields_method(x, id, 0);
    if (r == ETWCAP_DECODE_UNKNOWN)
        r = clr_fields_loader(x, id, 0);
    if (r == ETWCAP_DECODE_UNKNOWN)
        r = clr_fields_gc(x, id);
    if (r == ETWCAP_DECODE_UNKNOWN)
        r = clr_fields_gc_history(x, id);
    if (r == ETWCAP_DECODE_UNKNOWN)
        r = clr_fields_misc(x, id);
    return r;
}

etwcap_decode_result etwcap_decode_clr_fields(const etwcap_event *ev, etwcap_fields *out)
{
    clr_ctx x;
    if (ev->kind != ETWCAP_KIND_MANIFEST)
        return ETWCAP_DECODE_UNKNOWN;
    clr_ctx_init(&x, ev, out);
    if (etwcap_guid_equal(&ev->provider, &etwcap_guid_clr_runtime))
        return runtime_fields(&x, ev->id);
    if (etwcap_guid_equal(&ev->provider, &etwcap_guid_clr_rundown))
        return clr_fields_rundown(&x, ev->id);
    if (etwcap_guid_equal(&ev->provider, &etwcap_guid_clr_private))
        return clr_fields_private(&x, ev->id);
    return ETWCAP_DECODE_UNKNOWN;
}
