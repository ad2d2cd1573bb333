/* confirm_json.h - reading the confirm inputs with jansson: file loading,
 * parse errors with line and column, and typed member access whose errors
 * name the member's path ("claims[3].sink.name") and its position in the
 * text. Internal to src/lib/confirm/. */
#ifndef ETWCAP_CONFIRM_JSON_H
#define ETWCAP_CONFIRM_JSON_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "confirm/confirm.h"

#if defined(__MINGW32__)
#define CJ_PRINTF(a, b) __attribute__((format(gnu_printf, a, b)))
#elif defined(__GNUC__)
#define CJ_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define CJ_PRINTF(a, b)
#endif

/* One step of a path from the document root: a member `key`, or an array
 * element `index` when key is NULL. The root itself has parent == NULL and
 * key == NULL. Paths live on the C stack of the validating functions. */
typedef struct cj_path {
    const struct cj_path *parent;
    const char *key;
    size_t index;
} cj_path;

typedef struct cj_doc {
    const char *name; /* input name for messages */
    const char *text; /* the JSON text (not NUL-terminated) */
    size_t len;
    json_t *root;
    etwcap_confirm_error *err;
} cj_doc;

/* Member access flags. */
enum {
    CJ_REQUIRED = 1, /* absent is an error */
    CJ_NULLABLE = 2, /* null is allowed (reported as absent) */
    CJ_NONEMPTY = 4  /* strings: "" is an error */
};

/* Read a whole file. On failure fills `err` and returns ETWCAP_ERR_IO or
 * ETWCAP_ERR_NOMEM. */
etwcap_status cj_read_file(const char *path, char **text, size_t *len, etwcap_confirm_error *err);

/* Parse `text` (duplicate keys rejected). Parse errors fill `err` with
 * jansson's line and column and return ETWCAP_ERR_FORMAT. */
etwcap_status cj_parse(cj_doc *d, const char *text, size_t len, const char *name,
                       etwcap_confirm_error *err);

/* Report a problem at path `p`: "NAME: line L, column C: PATH: message". */
void cj_report(const cj_doc *d, const cj_path *p, const char *fmt, ...) CJ_PRINTF(3, 4);

/* cj_report, then ETWCAP_ERR_FORMAT. A macro so that clang's analyzer, which
 * does not follow variadic calls, sees the status and the paths it ends. */
#define cj_fail(d, p, ...) (cj_report((d), (p), __VA_ARGS__), ETWCAP_ERR_FORMAT)

/* Report an allocation failure. Returns ETWCAP_ERR_NOMEM. */
etwcap_status cj_nomem(const cj_doc *d);

/* Typed members of object `obj` (at path `p`). Each returns ETWCAP_OK with
 * *out set, ETWCAP_END when the member is absent (or null with CJ_NULLABLE)
 * and not required, or ETWCAP_ERR_FORMAT after cj_fail. */
etwcap_status cj_string(const cj_doc *d, const json_t *obj, const cj_path *p, const char *key,
                        int flags, const char **out);
etwcap_status cj_u64(const cj_doc *d, const json_t *obj, const cj_path *p, const char *key,
                     int flags, uint64_t max, uint64_t *out);
etwcap_status cj_number(const cj_doc *d, const json_t *obj, const cj_path *p, const char *key,
                        int flags, double *out);
etwcap_status cj_array(const cj_doc *d, const json_t *obj, const cj_path *p, const char *key,
                       int flags, json_t **out);
etwcap_status cj_object(const cj_doc *d, const json_t *obj, const cj_path *p, const char *key,
                        int flags, json_t **out);

/* A string element of an array (the element's path is `p`). */
etwcap_status cj_elem_string(const cj_doc *d, const json_t *v, const cj_path *p, int flags,
                             const char **out);

/* The JSON type of `v` in words ("a number", "null", ...), for messages. */
const char *cj_type_name(const json_t *v);

#endif
