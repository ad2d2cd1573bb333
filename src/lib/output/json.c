/* json.c - JSON writer (see json.h). */
#include "common/utf16.h"
#include "output/json.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

void etwcap_json_init(etwcap_json *j)
{
    memset(j, 0, sizeof *j);
}

void etwcap_json_free(etwcap_json *j)
{
    free(j->buf);
    memset(j, 0, sizeof *j);
}

void etwcap_json_reset(etwcap_json *j)
{
    j->len = 0;
    j->need_comma = 0;
}

static void put(etwcap_json *j, const char *s, size_t n)
{
    if (j->failed)
        return;
    if (j->cap - j->len < n + 1) {
        size_t cap = j->cap ? j->cap : 256;
        while (cap - j->len < n + 1)
            cap *= 2;
        char *b = realloc(j->buf, cap);
        if (!b) {
            j->failed = 1;
            return;
        }
        j->buf = b;
        j->cap = cap;
    }
    memcpy(j->buf + j->len, s, n);
    j->len += n;
    j->buf[j->len] = '\0';
}

static void sep(etwcap_json *j)
{
    if (j->need_comma)
        put(j, ",", 1);
    j->need_comma = 1;
}

void etwcap_json_obj_begin(etwcap_json *j)
{
    sep(j);
    put(j, "{", 1);
    j->need_comma = 0;
}

void etwcap_json_obj_end(etwcap_json *j)
{
    put(j, "}", 1);
    j->need_comma = 1;
}

void etwcap_json_arr_begin(etwcap_json *j)
{
    sep(j);
    put(j, "[", 1);
    j->need_comma = 0;
}

void etwcap_json_arr_end(etwcap_json *j)
{
    put(j, "]", 1);
    j->need_comma = 1;
}

static void put_escaped(etwcap_json *j, const char *str, size_t n)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t run = 0; /* start of the pending run of plain bytes */
    size_t i = 0;
    put(j, "\"", 1);
    while (i < n) {
        unsigned c = s[i];
        const char *esc = NULL;
        char tmp[8];
        size_t adv = 1;
        if (c == '"')
            esc = "\\\"";
        else if (c == '\\')
            esc = "\\\\";
        else if (c < 0x20) {
            switch (c) {
            case '\b':
                esc = "\\b";
                break;
            case '\f':
                esc = "\\f";
                break;
            case '\n':
                esc = "\\n";
                break;
            case '\r':
                esc = "\\r";
                break;
            case '\t':
                esc = "\\t";
                break;
            default:
                snprintf(tmp, sizeof tmp, "\\u%04x", c);
                esc = tmp;
                break;
            }
        } else if (c >= 0x80) {
            adv = etwcap_utf8_seq(s + i, n - i);
            if (adv == 0) {
                esc = "\xEF\xBF\xBD"; /* U+FFFD for a byte that is not UTF-8 */
                adv = 1;
            }
        }
        if (esc) {
            put(j, str + run, i - run);
            put(j, esc, strlen(esc));
            i += adv;
            run = i;
        } else {
            i += adv;
        }
    }
    put(j, str + run, n - run);
    put(j, "\"", 1);
}

void etwcap_json_key(etwcap_json *j, const char *key)
{
    sep(j);
    put_escaped(j, key, strlen(key));
    put(j, ":", 1);
    j->need_comma = 0;
}

void etwcap_json_str(etwcap_json *j, const char *s)
{
    etwcap_json_strn(j, s, strlen(s));
}

void etwcap_json_strn(etwcap_json *j, const char *s, size_t n)
{
    sep(j);
    put_escaped(j, s, n);
}

void etwcap_json_u64(etwcap_json *j, uint64_t v)
{
    char tmp[24];
    int n = snprintf(tmp, sizeof tmp, "%" PRIu64, v);
    sep(j);
    put(j, tmp, (size_t)n);
}

void etwcap_json_i64(etwcap_json *j, int64_t v)
{
    char tmp[24];
    int n = snprintf(tmp, sizeof tmp, "%" PRId64, v);
    sep(j);
    put(j, tmp, (size_t)n);
}

void etwcap_json_double(etwcap_json *j, double v, int decimals)
{
    char tmp[64];
    int n = snprintf(tmp, sizeof tmp, "%.*f", decimals, v);
    sep(j);
    put(j, tmp, (size_t)n);
}

/* ECMAScript Number::toString (ECMA-262 §6.1.6.1.20) from the shortest
 * decimal digits that round-trip. */
void etwcap_json_number(etwcap_json *j, double v)
{
    char out[64];
    if (!isfinite(v)) {
        etwcap_json_null(j);
        return;
    }
    if (v == 0) {
        sep(j);
        put(j, "0", 1);
        return;
    }
    char sci[40];
    int prec = 1;
    for (; prec <= 17; prec++) {
        snprintf(sci, sizeof sci, "%.*e", prec - 1, v);
        if (strtod(sci, NULL) == v)
            break;
    }
    /* sci = [-]d[.ddd]e[+-]xx: collect the digits and the exponent. */
    char digits[24];
    int k = 0, neg = sci[0] == '-';
    const char *p = sci + neg;
    for (; *p && *p != 'e'; p++)
        if (*p >= '0' && *p <= '9')
            digits[k++] = *p;
    while (k > 1 && digits[k - 1] == '0')
        k--;
    digits[k] = '\0';
    /* The exponent printf wrote: 2 or 3 digits, so it fits an int. */
    int n = (int)strtol(p + 1, NULL, 10) + 1; /* position of the decimal point */
    char *o = out;
    if (neg)
        *o++ = '-';
    if (k <= n && n <= 21) {
        memcpy(o, digits, (size_t)k);
        o += k;
        for (int i = 0; i < n - k; i++)
            *o++ = '0';
    } else if (0 < n && n <= 21) {
        memcpy(o, digits, (size_t)n);
        o += n;
        *o++ = '.';
        memcpy(o, digits + n, (size_t)(k - n));
        o += k - n;
    } else if (-6 < n && n <= 0) {
        *o++ = '0';
        *o++ = '.';
        for (int i = 0; i < -n; i++)
            *o++ = '0';
        memcpy(o, digits, (size_t)k);
        o += k;
    } else {
        *o++ = digits[0];
        if (k > 1) {
            *o++ = '.';
            memcpy(o, digits + 1, (size_t)(k - 1));
            o += k - 1;
        }
        o += snprintf(o, 16, "e%c%d", n - 1 >= 0 ? '+' : '-', n - 1 >= 0 ? n - 1 : 1 - n);
    }
    *o = '\0';
    sep(j);
    put(j, out, strlen(out));
}

void etwcap_json_bool(etwcap_json *j, int v)
{
    sep(j);
    put(j, v ? "true" : "false", v ? 4 : 5);
}

void etwcap_json_null(etwcap_json *j)
{
    sep(j);
    put(j, "null", 4);
}

void etwcap_json_raw(etwcap_json *j, const char *s)
{
    put(j, s, strlen(s));
    j->need_comma = 0;
}

int etwcap_json_flush(etwcap_json *j, FILE *f)
{
    int rc = j->failed ? -1 : 0;
    if (j->len && fwrite(j->buf, 1, j->len, f) != j->len)
        rc = -1;
    etwcap_json_reset(j);
    return rc;
}
