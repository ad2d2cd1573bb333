/* decode_internal.h - shared by the payload decoders in src/lib/decode/. */
#ifndef ETWCAP_DECODE_INTERNAL_H
#define ETWCAP_DECODE_INTERNAL_H

#include "etwcap/decode.h"

/* Well-known provider GUIDs (etl-format.md §2.2, §3.5, §4.1). */
extern const etwcap_guid etwcap_guid_clr_runtime; /* e13c0d23-ccbc-4e12-931b-d9cc2eee27e4 */
extern const etwcap_guid etwcap_guid_clr_rundown; /* a669021c-c450-4609-a035-5af59af4df18 */
extern const etwcap_guid etwcap_guid_clr_private; /* 763fd754-7086-4dfe-95eb-c01a46faf4ca */
extern const etwcap_guid etwcap_guid_image_id;    /* b3e675d7-2554-4f18-830b-2762732560de */

/* Kernel group of a KERNEL-kind event: the HookId's high byte, with 0x030A
 * (legacy image load) counted as the Image group 0x14 (§2.2). */
unsigned etwcap_kernel_group(const etwcap_event *ev);

/* Field decoders per family; each returns UNKNOWN for events it does not own. */
etwcap_decode_result etwcap_decode_kernel_fields(const etwcap_event *ev, etwcap_fields *out);
etwcap_decode_result etwcap_decode_clr_fields(const etwcap_event *ev, etwcap_fields *out);
etwcap_decode_result etwcap_decode_tracelogging_fields(const etwcap_event *ev, etwcap_fields *out);

/* A bounded cursor over a payload. Reads past the end set `short_read` and
 * return 0, so a decoder can read a whole layout and check once. */
typedef struct etwcap_cursor {
    const uint8_t *p;
    size_t len;
    size_t pos;
    int short_read;
} etwcap_cursor;

void etwcap_cursor_init(etwcap_cursor *c, const uint8_t *p, size_t len);
uint8_t etwcap_cursor_u8(etwcap_cursor *c);
uint16_t etwcap_cursor_u16(etwcap_cursor *c);
uint32_t etwcap_cursor_u32(etwcap_cursor *c);
uint64_t etwcap_cursor_u64(etwcap_cursor *c);
uint64_t etwcap_cursor_ptr(etwcap_cursor *c, unsigned psize);
etwcap_guid etwcap_cursor_guid(etwcap_cursor *c);
/* NUL-terminated strings; a missing terminator at the end of the payload is
 * accepted (the string runs to the end) but sets `short_read`. */
etwcap_wspan etwcap_cursor_wstr(etwcap_cursor *c);
etwcap_cspan etwcap_cursor_cstr(etwcap_cursor *c);
void etwcap_cursor_skip(etwcap_cursor *c, size_t n);
size_t etwcap_cursor_left(const etwcap_cursor *c);

#endif
