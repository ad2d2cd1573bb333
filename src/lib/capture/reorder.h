/* reorder.h - a time-order window for real-time events.
 *
 * A real-time session delivers each CPU's buffers as they are flushed, so
 * events of different CPUs arrive out of time order; the .etl reader merges
 * them by timestamp (etl-format.md §1.7) and the state and stack stages
 * rely on that order. The window holds events (packed copies) until one
 * arrives `window` raw ticks later, then releases them in timestamp order,
 * ties in arrival order. An event older than one already released (later
 * than the window allows) is released at once and counted as late.
 * Portable: used by the Windows consumer, tested everywhere.
 */
#ifndef ETWCAP_CAPTURE_REORDER_H
#define ETWCAP_CAPTURE_REORDER_H

#include <stdint.h>

#include "etwcap/error.h"
#include "etwcap/event.h"

typedef struct etwcap_reorder etwcap_reorder;

/* Called for each released event; a status other than ETWCAP_OK is
 * returned by the push or flush that released it. */
typedef etwcap_status (*etwcap_reorder_cb)(const etwcap_event *ev, void *payload);

etwcap_status etwcap_reorder_create(etwcap_reorder **out, int64_t window, etwcap_reorder_cb cb,
                                    void *payload);

/* Copy `ev` into the window and release what is now older than the window. */
etwcap_status etwcap_reorder_push(etwcap_reorder *r, const etwcap_event *ev);

/* Release everything held (at the end of the session). */
etwcap_status etwcap_reorder_flush(etwcap_reorder *r);

/* Events released late (out of order), and the most held at once. */
uint64_t etwcap_reorder_late(const etwcap_reorder *r);
size_t etwcap_reorder_peak(const etwcap_reorder *r);

void etwcap_reorder_free(etwcap_reorder *r);

#endif
