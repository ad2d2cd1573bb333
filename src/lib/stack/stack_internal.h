/* stack_internal.h - data of the stack assembler (src/lib/stack/). */
#ifndef ETWCAP_STACK_INTERNAL_H
#define ETWCAP_STACK_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "common/u64map.h"
#include "etwcap/stack.h"

enum {
    PART_NONE = 0,
    PART_HAVE = 1,
    PART_KEY = 2
};

typedef struct part {
    int state;
    uint64_t *frames;
    size_t n;
} part;

typedef struct pending {
    etwcap_stacked info;
    part part[2];
    int live;
    int waiting_user;    /* kernel-only part 0, user part not yet seen */
    size_t next_waiting; /* next pending of the same thread waiting for user */
    size_t next_free;
} pending;

typedef struct key_ref {
    size_t pending;
    int which;
    size_t next; /* older reference to the same key, or SIZE_MAX */
} key_ref;

struct etwcap_stack_asm {
    etwcap_stacked_cb cb;
    void *payload;
    pending *pend;
    size_t npend, cappend, free_head;
    key_ref *refs;
    /* ref_free: first free node, linked by `next` */
    size_t nrefs, caprefs, ref_free;
    etwcap_u64map last_by_tid;  /* tid -> newest pending of that thread */
    etwcap_u64map waiting_user; /* tid -> first pending waiting for a user part */
    etwcap_u64map key_refs;     /* stack key -> newest unresolved reference */
    etwcap_u64map last_clr;     /* tid -> slot in clr_events: its latest CLR event */
    etwcap_stacked *clr_events; /* one slot per thread, reused */
    size_t nclr, capclr;
    etwcap_stack_stats stats;
};

etwcap_status etwcap_stack_flush_thread(etwcap_stack_asm *sa, uint32_t tid);

#endif
