/* evpack.h - an etwcap_event packed into bytes and back, for stages that
 * keep events beyond the source's next one (the evidence stream, the
 * real-time reorder window).
 *
 * A packed event: its size, the fixed fields, then what is present of the
 * activity id, the extended-item values and the record's origin, the item
 * headers, item data and payload. A kernel sample takes about 110 bytes
 * instead of the struct's 520. */
#ifndef ETWCAP_EVPACK_H
#define ETWCAP_EVPACK_H

#include <stddef.h>
#include <stdint.h>

#include "etwcap/event.h"

/* Bytes the packed `ev` takes (a multiple of 8, below 4 GiB: the payload
 * and items are at most 64 KiB each). */
size_t etwcap_evpack_size(const etwcap_event *ev);

/* Pack `ev` into `dst` (etwcap_evpack_size(ev) bytes). */
void etwcap_evpack_write(const etwcap_event *ev, uint8_t *dst, size_t size);

/* Unpack the event at `src` into `ev`, whose pointers then point into
 * `src`; returns the packed size. */
size_t etwcap_evpack_read(const uint8_t *src, etwcap_event *ev);

#endif
