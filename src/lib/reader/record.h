/* record.h - classify and parse one trace record (etl-format.md §2). */
#ifndef ETWCAP_RECORD_H
#define ETWCAP_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include "etwcap/event.h"

typedef enum etwcap_record_result {
    ETWCAP_RECORD_OK = 0,
    ETWCAP_RECORD_END = 1,     /* padding or zero marker: no more records in this buffer */
    ETWCAP_RECORD_CORRUPT = -1 /* cannot parse; the buffer cannot be resynchronised */
} etwcap_record_result;

/* Parse the record starting at `rec` with `avail` bytes left in the buffer's
 * valid area. On OK, *size receives the record's size (the caller advances
 * by its 8-byte alignment) and `ev` is filled except cpu, filetime and the
 * buffer position fields, which the caller knows. On CORRUPT, *why says what
 * was wrong. */
etwcap_record_result etwcap_record_parse(const uint8_t *rec, size_t avail, etwcap_event *ev,
                                         uint32_t *size, const char **why);

/* Fill the shortcuts of ev->x (stack, stack key, process start key,
 * container id) from one extended item `it` of `ev` (etl-format.md §2.7).
 * Shared by the file reader and the real-time consumer. */
void etwcap_record_note_ext(etwcap_event *ev, const etwcap_ext_item *it);

/* Class GUID of a kernel event group (etl-format.md §2.2); 0 if the group is
 * unknown (the GUID is then all zero). */
int etwcap_kernel_group_guid(unsigned group, etwcap_guid *out);

#endif
