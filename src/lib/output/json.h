/* json.h - a small JSON writer for etwcap's outputs.
 *
 * Strings are escaped as RFC 8785 (JCS) requires: only '"', '\\' and control
 * characters are escaped, with the short forms \b \f \n \r \t and otherwise
 * \u00xx in lower case; invalid UTF-8 becomes U+FFFD. Output goes to a
 * growable buffer that the caller writes out, so a line is emitted whole.
 */
#ifndef ETWCAP_JSON_H
#define ETWCAP_JSON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef struct etwcap_json {
    char *buf;
    size_t len;
    size_t cap;
    int need_comma; /* a value was written at the current nesting level */
    int failed;     /* an allocation failed: output is incomplete */
} etwcap_json;

void etwcap_json_init(etwcap_json *j);
void etwcap_json_free(etwcap_json *j);
void etwcap_json_reset(etwcap_json *j);

void etwcap_json_obj_begin(etwcap_json *j);
void etwcap_json_obj_end(etwcap_json *j);
void etwcap_json_arr_begin(etwcap_json *j);
void etwcap_json_arr_end(etwcap_json *j);
void etwcap_json_key(etwcap_json *j, const char *key);

void etwcap_json_str(etwcap_json *j, const char *s);
void etwcap_json_strn(etwcap_json *j, const char *s, size_t n);
void etwcap_json_u64(etwcap_json *j, uint64_t v);
void etwcap_json_i64(etwcap_json *j, int64_t v);
void etwcap_json_double(etwcap_json *j, double v, int decimals);
/* A number in ECMAScript's shortest round-trip form, as RFC 8785 requires
 * ("0.5", "1e-7", "123"); non-finite values become null. */
void etwcap_json_number(etwcap_json *j, double v);
void etwcap_json_bool(etwcap_json *j, int v);
void etwcap_json_null(etwcap_json *j);

/* Raw text, for a newline between JSON Lines records. */
void etwcap_json_raw(etwcap_json *j, const char *s);

/* Write the buffer to `f` and reset it. Returns 0, or -1 on a write error or
 * an earlier allocation failure. */
int etwcap_json_flush(etwcap_json *j, FILE *f);

#endif
