/* testgen_desc_line.c - see testgen_desc_line.h. */
#include "testgen_desc_line.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int tgd_fail(tgd_ctx *c, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (c->err && c->err_cap)
        snprintf(c->err, c->err_cap, "line %zu: %s", c->lineno, msg);
    return -1;
}

/* ---- values ---------------------------------------------------------------- */

int tgd_parse_u64(const char *s, uint64_t *out)
{
    uint64_t v = 0;
    if (!s || !*s)
        return -1;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        s += 2;
        if (!*s)
            return -1;
        for (; *s; s++) {
            int d;
            if (*s >= '0' && *s <= '9')
                d = *s - '0';
            else if (*s >= 'a' && *s <= 'f')
                d = *s - 'a' + 10;
            else if (*s >= 'A' && *s <= 'F')
                d = *s - 'A' + 10;
            else
                return -1;
            if (v >> 60)
                return -1;
            v = v << 4 | (uint64_t)d;
        }
    } else {
        for (; *s; s++) {
            if (*s < '0' || *s > '9')
                return -1;
            unsigned d = (unsigned)(*s - '0');
            if (v > (UINT64_MAX - d) / 10)
                return -1;
            v = v * 10 + d;
        }
    }
    *out = v;
    return 0;
}

int tgd_parse_i64(const char *s, int64_t *out)
{
    uint64_t v;
    int neg = s && *s == '-';
    if (tgd_parse_u64(neg ? s + 1 : s, &v))
        return -1;
    if (neg) {
        if (v > (uint64_t)INT64_MAX + 1)
            return -1;
        *out = v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v;
    } else {
        if (v > (uint64_t)INT64_MAX)
            return -1;
        *out = (int64_t)v;
    }
    return 0;
}

/* Hex bytes; spaces, '_' and ':' between bytes are ignored. */
int tgd_parse_hex(const char *s, testgen_buf *b)
{
    while (*s) {
        if (*s == ' ' || *s == '\t' || *s == '_' || *s == ':') {
            s++;
            continue;
        }
        int hi = testgen_hex_digit((unsigned char)s[0]);
        int lo = hi < 0 ? -1 : testgen_hex_digit((unsigned char)s[1]);
        if (hi < 0 || lo < 0)
            return -1;
        testgen_put_u8(b, (uint8_t)(hi << 4 | lo));
        s += 2;
    }
    return 0;
}

/* ---- tokens ------------------------------------------------------------------- */

/* Split `line` (modified in place) into the directive and its tokens. */
int tgd_tokenize(tgd_ctx *c, char *line)
{
    char *p = line;
    c->n = 0;
    c->dir = NULL;
    for (;;) {
        while (*p == ' ' || *p == '\t')
            p++;
        if (!*p || *p == '#')
            break;
        if (c->n == TGD_MAX_TOKS)
            return tgd_fail(c, "more than %d words on one line", TGD_MAX_TOKS);
        tgd_tok *tk = &c->tok[c->n];
        memset(tk, 0, sizeof *tk);
        tk->key = p;
        while (*p && *p != ' ' && *p != '\t' && *p != '=' && *p != '"' && *p != '\'')
            p++;
        if (*p == '"' || *p == '\'')
            return tgd_fail(c, "unexpected quote in '%s'", tk->key);
        if (*p == '=') {
            *p++ = '\0';
            tk->has_val = 1;
            if (*p == '"' || *p == '\'') {
                char q = *p;
                tk->val = ++p;
                while (*p && *p != q)
                    p++;
                if (!*p)
                    return tgd_fail(c, "unterminated quote in value of '%s'", tk->key);
                *p++ = '\0';
                if (*p && *p != ' ' && *p != '\t')
                    return tgd_fail(c, "text after closing quote in value of '%s'", tk->key);
            } else {
                tk->val = p;
                while (*p && *p != ' ' && *p != '\t') {
                    if (*p == '"' || *p == '\'')
                        return tgd_fail(c, "unexpected quote in value of '%s'", tk->key);
                    p++;
                }
                if (*p)
                    *p++ = '\0';
            }
            if (!*tk->key)
                return tgd_fail(c, "'=' without a key");
        } else if (*p) {
            *p++ = '\0';
        }
        if (c->n == 0 && !c->dir) {
            if (tk->has_val)
                return tgd_fail(c, "line must start with a directive, not '%s='", tk->key);
            c->dir = tk->key;
            continue;
        }
        c->n++;
    }
    return 0;
}

/* Find `key`: 1 found (*val may be NULL for a bare word), 0 absent, -1 error. */
static int d_find(tgd_ctx *c, const char *key, const char **val, int *has_val)
{
    int found = 0;
    *val = NULL;
    *has_val = 0;
    for (size_t i = 0; i < c->n; i++) {
        if (strcmp(c->tok[i].key, key) != 0)
            continue;
        if (found)
            return tgd_fail(c, "'%s' given twice", key);
        found = 1;
        c->tok[i].used = 1;
        *val = c->tok[i].val;
        *has_val = c->tok[i].has_val;
    }
    return found;
}

int tgd_value(tgd_ctx *c, const char *key, const char **val)
{
    int has;
    int rc = d_find(c, key, val, &has);
    if (rc == 1 && !has)
        return tgd_fail(c, "'%s' needs a value (%s=...)", key, key);
    return rc;
}

int tgd_u64(tgd_ctx *c, const char *key, uint64_t max, uint64_t *out)
{
    const char *v;
    int rc = tgd_value(c, key, &v);
    if (rc <= 0)
        return rc;
    uint64_t x;
    if (tgd_parse_u64(v, &x))
        return tgd_fail(c, "bad number '%s' for '%s'", v, key);
    if (x > max)
        return tgd_fail(c, "'%s' value %s is larger than %llu", key, v, (unsigned long long)max);
    *out = x;
    return 1;
}

int tgd_i64(tgd_ctx *c, const char *key, int64_t min, int64_t max, int64_t *out)
{
    const char *v;
    int rc = tgd_value(c, key, &v);
    if (rc <= 0)
        return rc;
    int64_t x;
    if (tgd_parse_i64(v, &x))
        return tgd_fail(c, "bad number '%s' for '%s'", v, key);
    if (x < min || x > max)
        return tgd_fail(c, "'%s' value %s is out of range", key, v);
    *out = x;
    return 1;
}

/* A 32-bit value given signed (-1) or as bits (0xC0000005). */
int tgd_i32bits(tgd_ctx *c, const char *key, int32_t *out)
{
    const char *v;
    int rc = tgd_value(c, key, &v);
    if (rc <= 0)
        return rc;
    int64_t x;
    uint64_t u;
    if (tgd_parse_i64(v, &x) == 0 && x >= INT32_MIN && x <= INT32_MAX)
        *out = (int32_t)x;
    else if (tgd_parse_u64(v, &u) == 0 && u <= 0xFFFFFFFFu)
        *out = (int32_t)(uint32_t)u;
    else
        return tgd_fail(c, "bad 32-bit number '%s' for '%s'", v, key);
    return 1;
}

int tgd_u32(tgd_ctx *c, const char *key, uint32_t *out)
{
    uint64_t v = 0;
    int rc = tgd_u64(c, key, 0xFFFFFFFFu, &v);
    if (rc == 1)
        *out = (uint32_t)v;
    return rc;
}

int tgd_u16(tgd_ctx *c, const char *key, uint16_t *out)
{
    uint64_t v = 0;
    int rc = tgd_u64(c, key, 0xFFFFu, &v);
    if (rc == 1)
        *out = (uint16_t)v;
    return rc;
}

int tgd_u8(tgd_ctx *c, const char *key, uint8_t *out)
{
    uint64_t v = 0;
    int rc = tgd_u64(c, key, 0xFFu, &v);
    if (rc == 1)
        *out = (uint8_t)v;
    return rc;
}

int tgd_ts(tgd_ctx *c, const char *key, int64_t *out)
{
    return tgd_i64(c, key, INT64_MIN, INT64_MAX, out);
}

int tgd_guid(tgd_ctx *c, const char *key, etwcap_guid *out)
{
    const char *v;
    int rc = tgd_value(c, key, &v);
    if (rc <= 0)
        return rc;
    if (testgen_guid_parse(v, out))
        return tgd_fail(c, "bad GUID '%s' for '%s'", v, key);
    return 1;
}

int tgd_str(tgd_ctx *c, const char *key, const char **out)
{
    const char *v;
    int rc = tgd_value(c, key, &v);
    if (rc == 1)
        *out = v;
    return rc;
}

/* FILETIME: ISO 8601 UTC or a plain number. */
int tgd_time(tgd_ctx *c, const char *key, int64_t *out)
{
    const char *v;
    int rc = tgd_value(c, key, &v);
    if (rc <= 0)
        return rc;
    if (testgen_parse_time(v, out) && tgd_parse_i64(v, out))
        return tgd_fail(c, "bad time '%s' for '%s' (use 2024-01-02T03:04:05Z or a FILETIME)", v,
                        key);
    return 1;
}

/* A bare word, or key=0/1. */
int tgd_flag(tgd_ctx *c, const char *key, int *out)
{
    const char *v;
    int has;
    int rc = d_find(c, key, &v, &has);
    if (rc <= 0)
        return rc;
    if (!has || strcmp(v, "1") == 0 || strcmp(v, "yes") == 0 || strcmp(v, "true") == 0)
        *out = 1;
    else if (strcmp(v, "0") == 0 || strcmp(v, "no") == 0 || strcmp(v, "false") == 0)
        *out = 0;
    else
        return tgd_fail(c, "'%s' takes no value or 0/1, not '%s'", key, v);
    return 1;
}

/* Comma-separated numbers. */
int tgd_parse_list(tgd_ctx *c, const char *key, const char *v, uint64_t *arr, size_t cap, size_t *n)
{
    char item[64];
    *n = 0;
    while (*v) {
        const char *e = strchr(v, ',');
        size_t len = e ? (size_t)(e - v) : strlen(v);
        if (len == 0 || len >= sizeof item)
            return tgd_fail(c, "bad list item in '%s'", key);
        if (*n == cap)
            return tgd_fail(c, "more than %zu items in '%s'", cap, key);
        memcpy(item, v, len);
        item[len] = '\0';
        if (tgd_parse_u64(item, &arr[*n]))
            return tgd_fail(c, "bad number '%s' in '%s'", item, key);
        (*n)++;
        v += len;
        if (*v == ',') {
            v++;
            if (!*v)
                return tgd_fail(c, "list '%s' ends with ','", key);
        }
    }
    return 0;
}

int tgd_list(tgd_ctx *c, const char *key, uint64_t *arr, size_t cap, size_t *n)
{
    const char *v;
    int rc = tgd_value(c, key, &v);
    if (rc <= 0)
        return rc;
    return tgd_parse_list(c, key, v, arr, cap, n) ? -1 : 1;
}

/* Every word must have been understood. */
int tgd_check_used(tgd_ctx *c)
{
    for (size_t i = 0; i < c->n; i++)
        if (!c->tok[i].used)
            return c->tok[i].has_val
                       ? tgd_fail(c, "unknown key '%s' for '%s'", c->tok[i].key, c->dir)
                       : tgd_fail(c, "unknown word '%s' for '%s'", c->tok[i].key, c->dir);
    return 0;
}
