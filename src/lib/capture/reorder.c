/* reorder.c - time-order window for real-time events (reorder.h): a binary
 * min-heap of packed events keyed by (timestamp, arrival number). */
#include "capture/reorder.h"

#include <stdlib.h>

#include "common/evpack.h"

typedef struct held {
    int64_t ts;
    uint64_t seq;
    uint8_t *packed;
} held;

struct etwcap_reorder {
    int64_t window;
    etwcap_reorder_cb cb;
    void *payload;
    held *heap;
    size_t n, cap, peak;
    uint64_t seq, late;
    int64_t newest;   /* largest timestamp pushed */
    int64_t released; /* timestamp of the last event released */
    int any_released;
    etwcap_event ev; /* the event handed to cb */
};

static int before(const held *a, const held *b)
{
    return a->ts != b->ts ? a->ts < b->ts : a->seq < b->seq;
}

static void sift_up(etwcap_reorder *r, size_t i)
{
    while (i) {
        size_t p = (i - 1) / 2;
        if (!before(&r->heap[i], &r->heap[p]))
            break;
        held t = r->heap[i];
        r->heap[i] = r->heap[p];
        r->heap[p] = t;
        i = p;
    }
}

static void sift_down(etwcap_reorder *r, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, m = i;
        if (l < r->n && before(&r->heap[l], &r->heap[m]))
            m = l;
        if (l + 1 < r->n && before(&r->heap[l + 1], &r->heap[m]))
            m = l + 1;
        if (m == i)
            return;
        held t = r->heap[i];
        r->heap[i] = r->heap[m];
        r->heap[m] = t;
        i = m;
    }
}

etwcap_status etwcap_reorder_create(etwcap_reorder **out, int64_t window, etwcap_reorder_cb cb,
                                    void *payload)
{
    *out = NULL;
    if (!cb || window < 0)
        return ETWCAP_ERR_ARG;
    etwcap_reorder *r = calloc(1, sizeof *r);
    if (!r)
        return ETWCAP_ERR_NOMEM;
    r->window = window;
    r->cb = cb;
    r->payload = payload;
    r->newest = INT64_MIN;
    *out = r;
    return ETWCAP_OK;
}

/* Release the oldest held event. */
static etwcap_status release_top(etwcap_reorder *r)
{
    held top = r->heap[0];
    r->heap[0] = r->heap[--r->n];
    sift_down(r, 0);
    etwcap_evpack_read(top.packed, &r->ev);
    r->released = top.ts;
    r->any_released = 1;
    etwcap_status st = r->cb(&r->ev, r->payload);
    free(top.packed);
    return st;
}

etwcap_status etwcap_reorder_push(etwcap_reorder *r, const etwcap_event *ev)
{
    if (r->any_released && ev->timestamp < r->released) {
        r->late++;
        return r->cb(ev, r->payload);
    }
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 1024;
        held *h = realloc(r->heap, cap * sizeof *h);
        if (!h)
            return ETWCAP_ERR_NOMEM;
        r->heap = h;
        r->cap = cap;
    }
    size_t size = etwcap_evpack_size(ev);
    uint8_t *p = malloc(size);
    if (!p)
        return ETWCAP_ERR_NOMEM;
    etwcap_evpack_write(ev, p, size);
    r->heap[r->n] = (held){ev->timestamp, r->seq++, p};
    sift_up(r, r->n++);
    if (r->n > r->peak)
        r->peak = r->n;
    if (ev->timestamp > r->newest)
        r->newest = ev->timestamp;
    /* Saturating: newest - window must not overflow for hostile values. */
    int64_t horizon = r->newest < INT64_MIN + r->window ? INT64_MIN : r->newest - r->window;
    while (r->n && r->heap[0].ts < horizon) {
        etwcap_status st = release_top(r);
        if (st != ETWCAP_OK)
            return st;
    }
    return ETWCAP_OK;
}

etwcap_status etwcap_reorder_flush(etwcap_reorder *r)
{
    while (r->n) {
        etwcap_status st = release_top(r);
        if (st != ETWCAP_OK)
            return st;
    }
    return ETWCAP_OK;
}

uint64_t etwcap_reorder_late(const etwcap_reorder *r)
{
    return r->late;
}

size_t etwcap_reorder_peak(const etwcap_reorder *r)
{
    return r->peak;
}

void etwcap_reorder_free(etwcap_reorder *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n; i++)
        free(r->heap[i].packed);
    free(r->heap);
    free(r);
}
