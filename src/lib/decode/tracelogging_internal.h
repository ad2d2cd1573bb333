/* tracelogging_internal.h - shared by tracelogging.c (metadata and the
 * field list) and tracelogging_value.c (reading and printing one value) of
 * the self-describing event decoder (etl-format.md §2.7). */
#ifndef ETWCAP_TRACELOGGING_INTERNAL_H
#define ETWCAP_TRACELOGGING_INTERNAL_H

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

void tl_text_add(tl_text *t, const char *s, size_t n);
void tl_text_puts(tl_text *t, const char *s);

/* Read one element of field f at the cursor. Returns 0, or -1 when the
 * payload is short or the type is one TraceEvent cannot decode (t->stop
 * set). */
int tl_read_value(tl_ctx *t, const tl_field *f, tl_val *v);
/* A value as text; `json` quotes what TraceEvent's struct printer quotes. */
void tl_value_to_text(const tl_val *v, tl_text *t, int json);
/* TraceEvent prints byte arrays as hex, at most 16 bytes then "...". */
void tl_bytes_to_text(const uint8_t *p, size_t n, tl_text *t);

#endif
