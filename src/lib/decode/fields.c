/* fields.c - the generic field list behind `events --json` "fields". */
#include <string.h>

#include "common/utf16.h"
#include "etwcap/decode.h"

void etwcap_fields_clear(etwcap_fields *fl)
{
    fl->n = 0;
    fl->text_used = 0;
    fl->truncated = 0;
}

static etwcap_field *add(etwcap_fields *fl, const char *name, etwcap_field_type t)
{
    if (fl->n == ETWCAP_MAX_FIELDS) {
        fl->truncated = 1;
        return NULL;
    }
    etwcap_field *f = &fl->f[fl->n++];
    f->name = name;
    f->type = t;
    f->s = NULL;
    memset(&f->v, 0, sizeof f->v);
    return f;
}

void etwcap_fields_add_u64(etwcap_fields *fl, const char *name, uint64_t v)
{
    etwcap_field *f = add(fl, name, ETWCAP_FIELD_U64);
    if (f)
        f->v.u = v;
}

void etwcap_fields_add_i64(etwcap_fields *fl, const char *name, int64_t v)
{
    etwcap_field *f = add(fl, name, ETWCAP_FIELD_I64);
    if (f)
        f->v.i = v;
}

void etwcap_fields_add_hex(etwcap_fields *fl, const char *name, uint64_t v)
{
    etwcap_field *f = add(fl, name, ETWCAP_FIELD_HEX);
    if (f)
        f->v.u = v;
}

void etwcap_fields_add_double(etwcap_fields *fl, const char *name, double v)
{
    etwcap_field *f = add(fl, name, ETWCAP_FIELD_DOUBLE);
    if (f)
        f->v.d = v;
}

void etwcap_fields_add_bool(etwcap_fields *fl, const char *name, int v)
{
    etwcap_field *f = add(fl, name, ETWCAP_FIELD_BOOL);
    if (f)
        f->v.u = v ? 1 : 0;
}

void etwcap_fields_add_guid(etwcap_fields *fl, const char *name, const etwcap_guid *g)
{
    etwcap_field *f = add(fl, name, ETWCAP_FIELD_GUID);
    if (f)
        f->v.g = *g;
}

/* Reserve text for a string field; NULL (and truncated) when full. */
static char *text_alloc(etwcap_fields *fl, size_t want, size_t *got)
{
    size_t left = sizeof fl->text - fl->text_used;
    if (left == 0) {
        fl->truncated = 1;
        return NULL;
    }
    if (want + 1 > left) {
        fl->truncated = 1;
        want = left - 1;
    }
    *got = want;
    return fl->text + fl->text_used;
}

void etwcap_fields_add_strn(etwcap_fields *fl, const char *name, const char *s, size_t n)
{
    size_t got = 0;
    char *t = text_alloc(fl, n, &got);
    if (!t)
        return;
    etwcap_field *f = add(fl, name, ETWCAP_FIELD_STR);
    if (!f)
        return;
    memcpy(t, s, got);
    t[got] = '\0';
    fl->text_used += got + 1;
    f->s = t;
}

void etwcap_fields_add_str(etwcap_fields *fl, const char *name, const char *s)
{
    etwcap_fields_add_strn(fl, name, s, strlen(s));
}

void etwcap_fields_add_wstr(etwcap_fields *fl, const char *name, const uint8_t *p, size_t n)
{
    size_t left = sizeof fl->text - fl->text_used;
    if (left == 0) {
        fl->truncated = 1;
        return;
    }
    etwcap_field *f = add(fl, name, ETWCAP_FIELD_STR);
    if (!f)
        return;
    char *t = fl->text + fl->text_used;
    size_t len = etwcap_utf16_to_utf8(p, n, t, left, NULL, NULL);
    fl->text_used += len + 1;
    f->s = t;
}

size_t etwcap_wspan_to_utf8(etwcap_wspan s, char *out, size_t cap)
{
    if (!s.p) {
        if (cap)
            out[0] = '\0';
        return 0;
    }
    return etwcap_utf16_to_utf8(s.p, s.bytes, out, cap, NULL, NULL);
}

size_t etwcap_cspan_to_utf8(etwcap_cspan s, char *out, size_t cap)
{
    if (cap == 0)
        return 0;
    size_t n = s.p ? (s.len < cap - 1 ? s.len : cap - 1) : 0;
    if (n)
        memcpy(out, s.p, n);
    out[n] = '\0';
    return n;
}
