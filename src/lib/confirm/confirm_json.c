/* confirm_json.c - jansson-based reading shared by the evidence and claims
 * readers (see confirm_json.h).
 *
 * jansson reports line and column for syntax errors but keeps no positions
 * for the values it builds. For a value that parses but has the wrong type
 * or is missing, the position comes from a second, light scan of the text:
 * the text is known to be valid JSON (jansson accepted it, duplicate keys
 * rejected), so following the member path only needs to skip strings and
 * balanced brackets. Columns count Unicode characters, as jansson's do.
 */
#include "confirm/confirm_json.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compat/compat.h"

etwcap_status cj_read_file(const char *path, char **text, size_t *len, etwcap_confirm_error *err)
{
    char why[160] = "";
    etwcap_file *f = NULL;
    memset(err, 0, sizeof *err);
    if (etwcap_file_open(&f, path, why, sizeof why) != 0) {
        snprintf(err->message, sizeof err->message, "%s: cannot open: %s", path, why);
        return ETWCAP_ERR_IO;
    }
    int64_t size = etwcap_file_size(f);
    if (size < 0 || (uint64_t)size >= (uint64_t)SIZE_MAX) {
        etwcap_file_close(f);
        snprintf(err->message, sizeof err->message, "%s: cannot read its size", path);
        return ETWCAP_ERR_IO;
    }
    char *buf = malloc((size_t)size + 1);
    if (!buf) {
        etwcap_file_close(f);
        snprintf(err->message, sizeof err->message, "%s: out of memory (%lld bytes)", path,
                 (long long)size);
        return ETWCAP_ERR_NOMEM;
    }
    int64_t got = size ? etwcap_file_read_at(f, 0, buf, (size_t)size) : 0;
    etwcap_file_close(f);
    if (got != size) {
        free(buf);
        snprintf(err->message, sizeof err->message, "%s: read error", path);
        return ETWCAP_ERR_IO;
    }
    buf[size] = '\0';
    *text = buf;
    *len = (size_t)size;
    return ETWCAP_OK;
}

etwcap_status cj_parse(cj_doc *d, const char *text, size_t len, const char *name,
                       etwcap_confirm_error *err)
{
    json_error_t je;
    memset(d, 0, sizeof *d);
    memset(err, 0, sizeof *err);
    d->name = name ? name : "input";
    d->text = text;
    d->len = len;
    d->err = err;
    d->root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
    if (d->root)
        return ETWCAP_OK;
    if (json_error_code(&je) == json_error_out_of_memory)
        return cj_nomem(d);
    err->line = je.line;
    err->column = je.column;
    snprintf(err->message, sizeof err->message, "%s: line %d, column %d: invalid JSON: %s", d->name,
             je.line, je.column, je.text);
    return ETWCAP_ERR_FORMAT;
}

etwcap_status cj_nomem(const cj_doc *d)
{
    d->err->line = d->err->column = 0;
    snprintf(d->err->message, sizeof d->err->message, "%s: out of memory", d->name);
    return ETWCAP_ERR_NOMEM;
}

/* ------------------------------------------------- positions in the text -- */

static size_t skip_ws(const char *t, size_t len, size_t i)
{
    while (i < len && (t[i] == ' ' || t[i] == '\t' || t[i] == '\n' || t[i] == '\r'))
        i++;
    return i;
}

/* i at the opening quote; returns the index after the closing quote. */
static size_t skip_string(const char *t, size_t len, size_t i)
{
    for (i++; i < len; i++) {
        if (t[i] == '\\')
            i++;
        else if (t[i] == '"')
            return i + 1;
    }
    return len;
}

static size_t skip_value(const char *t, size_t len, size_t i)
{
    if (i >= len)
        return len;
    if (t[i] == '"')
        return skip_string(t, len, i);
    if (t[i] == '{' || t[i] == '[') {
        size_t depth = 0;
        while (i < len) {
            char c = t[i];
            if (c == '"') {
                i = skip_string(t, len, i);
                continue;
            }
            if (c == '{' || c == '[')
                depth++;
            else if ((c == '}' || c == ']') && --depth == 0)
                return i + 1;
            i++;
        }
        return len;
    }
    while (i < len && !strchr(",}] \t\r\n", t[i]))
        i++;
    return i;
}

/* Is the JSON string token t[a..b) (quotes included) equal to `key`? */
static int key_equals(const char *t, size_t a, size_t b, const char *key)
{
    size_t n = b - a - 2;
    if (!memchr(t + a, '\\', b - a))
        return n == strlen(key) && !memcmp(t + a + 1, key, n);
    json_t *s = json_loadb(t + a, b - a, JSON_DECODE_ANY, NULL);
    int eq = json_is_string(s) && !strcmp(json_string_value(s), key);
    json_decref(s);
    return eq;
}

/* Offset of the value at path `p` (or of the deepest existing container on
 * the way there). */
static size_t locate(const cj_doc *d, const cj_path *p)
{
    const cj_path *steps[32];
    size_t n = 0;
    const char *t = d->text;
    size_t len = d->len, pos = skip_ws(t, len, 0);
    for (const cj_path *q = p; q && (q->parent || q->key); q = q->parent) {
        if (n == sizeof steps / sizeof steps[0])
            return pos; /* deeper than any document we read: the root */
        steps[n++] = q;
    }
    while (n > 0) {
        const cj_path *s = steps[--n];
        size_t start = pos;
        if (pos >= len || t[pos] != (s->key ? '{' : '['))
            return start;
        pos++;
        for (size_t k = 0;; k++) {
            pos = skip_ws(t, len, pos);
            if (pos >= len || t[pos] == '}' || t[pos] == ']')
                return start;
            int found;
            if (s->key) {
                size_t kend = skip_string(t, len, pos);
                found = key_equals(t, pos, kend, s->key);
                pos = skip_ws(t, len, kend);
                pos = skip_ws(t, len, pos + 1); /* the ':' */
            } else {
                found = k == s->index;
            }
            if (found)
                break;
            pos = skip_ws(t, len, skip_value(t, len, pos));
            if (pos < len && t[pos] == ',')
                pos++;
        }
    }
    return pos;
}

static void position(const cj_doc *d, size_t pos, int *line, int *column)
{
    int l = 1, c = 0;
    for (size_t i = 0; i < pos && i < d->len; i++) {
        unsigned char ch = (unsigned char)d->text[i];
        if (ch == '\n') {
            l++;
            c = 0;
        } else if ((ch & 0xC0) != 0x80) {
            c++;
        }
    }
    *line = l;
    *column = c + 1;
}

static void path_str(const cj_path *p, char *buf, size_t cap, size_t *n)
{
    if (!p || (!p->parent && !p->key))
        return;
    path_str(p->parent, buf, cap, n);
    int w;
    if (p->key)
        w = snprintf(buf + *n, cap - *n, "%s%s", *n ? "." : "", p->key);
    else
        w = snprintf(buf + *n, cap - *n, "[%zu]", p->index);
    if (w > 0)
        *n = (size_t)w < cap - *n ? *n + (size_t)w : cap - 1;
}

void cj_report(const cj_doc *d, const cj_path *p, const char *fmt, ...)
{
    char path[200] = "", what[256];
    size_t n = 0;
    path_str(p, path, sizeof path, &n);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    position(d, locate(d, p), &d->err->line, &d->err->column);
    snprintf(d->err->message, sizeof d->err->message, "%s: line %d, column %d: %s: %s", d->name,
             d->err->line, d->err->column, n ? path : "(document)", what);
}

const char *cj_type_name(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        return "an object";
    case JSON_ARRAY:
        return "an array";
    case JSON_STRING:
        return "a string";
    case JSON_INTEGER:
        return "an integer";
    case JSON_REAL:
        return "a number";
    case JSON_TRUE:
    case JSON_FALSE:
        return "a boolean";
    default:
        return "null";
    }
}

/* ------------------------------------------------------- typed members -- */

/* Fetch member `key`; ETWCAP_END when absent (or null and nullable). */
static etwcap_status member(const cj_doc *d, const json_t *obj, const cj_path *p, const char *key,
                            int flags, json_t **v)
{
    *v = json_object_get(obj, key);
    if (*v && !(json_is_null(*v) && (flags & CJ_NULLABLE)))
        return ETWCAP_OK;
    if (!*v && (flags & CJ_REQUIRED))
        return cj_fail(d, p, "missing required member \"%s\"", key);
    return ETWCAP_END;
}

#define CHILD(p, k) \
    {               \
        (p), (k), 0 \
    }

etwcap_status cj_elem_string(const cj_doc *d, const json_t *v, const cj_path *p, int flags,
                             const char **out)
{
    if (!json_is_string(v))
        return cj_fail(d, p, "expected a string, found %s", cj_type_name(v));
    if ((flags & CJ_NONEMPTY) && json_string_length(v) == 0)
        return cj_fail(d, p, "expected a non-empty string");
    *out = json_string_value(v);
    return ETWCAP_OK;
}

etwcap_status cj_string(const cj_doc *d, const json_t *obj, const cj_path *p, const char *key,
                        int flags, const char **out)
{
    json_t *v;
    etwcap_status st = member(d, obj, p, key, flags, &v);
    if (st != ETWCAP_OK)
        return st;
    cj_path c = CHILD(p, key);
    return cj_elem_string(d, v, &c, flags, out);
}

etwcap_status cj_u64(const cj_doc *d, const json_t *obj, const cj_path *p, const char *key,
                     int flags, uint64_t max, uint64_t *out)
{
    json_t *v;
    etwcap_status st = member(d, obj, p, key, flags, &v);
    if (st != ETWCAP_OK)
        return st;
    cj_path c = CHILD(p, key);
    if (!json_is_integer(v))
        return cj_fail(d, &c, "expected a non-negative integer, found %s", cj_type_name(v));
    json_int_t i = json_integer_value(v);
    if (i < 0 || (uint64_t)i > max)
        return cj_fail(d, &c, "expected an integer from 0 to %llu, found %lld",
                       (unsigned long long)max, (long long)i);
    *out = (uint64_t)i;
    return ETWCAP_OK;
}

etwcap_status cj_number(const cj_doc *d, const json_t *obj, const cj_path *p, const char *key,
                        int flags, double *out)
{
    json_t *v;
    etwcap_status st = member(d, obj, p, key, flags, &v);
    if (st != ETWCAP_OK)
        return st;
    cj_path c = CHILD(p, key);
    if (!json_is_number(v))
        return cj_fail(d, &c, "expected a number, found %s", cj_type_name(v));
    *out = json_number_value(v);
    return ETWCAP_OK;
}

etwcap_status cj_array(const cj_doc *d, const json_t *obj, const cj_path *p, const char *key,
                       int flags, json_t **out)
{
    etwcap_status st = member(d, obj, p, key, flags, out);
    if (st != ETWCAP_OK)
        return st;
    cj_path c = CHILD(p, key);
    if (!json_is_array(*out))
        return cj_fail(d, &c, "expected an array, found %s", cj_type_name(*out));
    return ETWCAP_OK;
}

etwcap_status cj_object(const cj_doc *d, const json_t *obj, const cj_path *p, const char *key,
                        int flags, json_t **out)
{
    etwcap_status st = member(d, obj, p, key, flags, out);
    if (st != ETWCAP_OK)
        return st;
    cj_path c = CHILD(p, key);
    if (!json_is_object(*out))
        return cj_fail(d, &c, "expected an object, found %s", cj_type_name(*out));
    return ETWCAP_OK;
}
