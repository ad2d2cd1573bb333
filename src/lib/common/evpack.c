/* evpack.c - an etwcap_event packed into bytes and back (evpack.h). */
#include "common/evpack.h"

#include <string.h>

enum {
    HAS_ACTIVITY = 1,
    HAS_X = 2,
    HAS_ORIGIN = 4
};

typedef struct packer {
    unsigned char *p;
    size_t pos;
} packer;

static void put(packer *k, const void *v, size_t n)
{
    if (k->p && n)
        memcpy(k->p + k->pos, v, n);
    k->pos += n;
}

static void get(packer *k, void *v, size_t n)
{
    if (n)
        memcpy(v, k->p + k->pos, n);
    k->pos += n;
}

/* The fixed part, in one order for put and get. */
#define FIXED_FIELDS(OP, k, ev)                               \
    OP(k, &(ev)->struct_version, sizeof(ev)->struct_version); \
    OP(k, &(ev)->kind, sizeof(ev)->kind);                     \
    OP(k, &(ev)->header_type, 1);                             \
    OP(k, &(ev)->pointer_size, 1);                            \
    OP(k, &(ev)->provider, sizeof(ev)->provider);             \
    OP(k, &(ev)->id, 2);                                      \
    OP(k, &(ev)->version, 1);                                 \
    OP(k, &(ev)->channel, 1);                                 \
    OP(k, &(ev)->level, 1);                                   \
    OP(k, &(ev)->opcode, 1);                                  \
    OP(k, &(ev)->task, 2);                                    \
    OP(k, &(ev)->keyword, 8);                                 \
    OP(k, &(ev)->hook_id, 2);                                 \
    OP(k, &(ev)->flags, 2);                                   \
    OP(k, &(ev)->event_property, 2);                          \
    OP(k, &(ev)->message_number, 2);                          \
    OP(k, &(ev)->pid, 4);                                     \
    OP(k, &(ev)->tid, 4);                                     \
    OP(k, &(ev)->cpu, 4);                                     \
    OP(k, &(ev)->kernel_time, 4);                             \
    OP(k, &(ev)->user_time, 4);                               \
    OP(k, &(ev)->timestamp, 8);                               \
    OP(k, &(ev)->filetime, 8);                                \
    OP(k, &(ev)->payload_len, 4);                             \
    OP(k, &(ev)->ext_count, sizeof(ev)->ext_count)

static const etwcap_guid zero_guid;

/* Pack `ev` at k->p (or, with k->p NULL, only measure). */
static void pack(packer *k, const etwcap_event *ev)
{
    uint32_t size = 0;
    put(k, &size, 4); /* filled in by retain */
    FIXED_FIELDS(put, k, ev);
    unsigned char opt = 0;
    opt |= etwcap_guid_equal(&ev->activity_id, &zero_guid) ? 0 : HAS_ACTIVITY;
    opt |= ev->x.process_start_key || ev->x.has_container_id ? HAS_X : 0;
    opt |= ev->buffer_offset || ev->buffer_index || ev->record_offset ? HAS_ORIGIN : 0;
    put(k, &opt, 1);
    if (opt & HAS_ACTIVITY)
        put(k, &ev->activity_id, sizeof ev->activity_id);
    if (opt & HAS_X) {
        put(k, &ev->x.process_start_key, 8);
        put(k, &ev->x.has_container_id, sizeof ev->x.has_container_id);
        put(k, ev->x.container_id, sizeof ev->x.container_id);
    }
    if (opt & HAS_ORIGIN) {
        put(k, &ev->buffer_offset, 8);
        put(k, &ev->buffer_index, 4);
        put(k, &ev->record_offset, 4);
    }
    /* Shortcuts as item numbers (ETWCAP_MAX_EXT_ITEMS = none). */
    unsigned char st = ev->x.stack ? (unsigned char)(ev->x.stack - ev->ext) : ETWCAP_MAX_EXT_ITEMS;
    unsigned char sk =
        ev->x.stack_key ? (unsigned char)(ev->x.stack_key - ev->ext) : ETWCAP_MAX_EXT_ITEMS;
    put(k, &st, 1);
    put(k, &sk, 1);
    for (size_t i = 0; i < ev->ext_count; i++) {
        put(k, &ev->ext[i].type, 2);
        put(k, &ev->ext[i].size, 2);
    }
    for (size_t i = 0; i < ev->ext_count; i++)
        put(k, ev->ext[i].data, ev->ext[i].size);
    put(k, ev->payload, ev->payload_len);
}

size_t etwcap_evpack_size(const etwcap_event *ev)
{
    packer k = {NULL, 0};
    pack(&k, ev);
    return (k.pos + 7u) & ~(size_t)7u;
}

void etwcap_evpack_write(const etwcap_event *ev, uint8_t *dst, size_t size)
{
    packer k = {dst, 0};
    pack(&k, ev);
    uint32_t sz = (uint32_t)size;
    memcpy(dst, &sz, 4);
}

size_t etwcap_evpack_read(const uint8_t *src, etwcap_event *ev)
{
    memset(ev, 0, offsetof(etwcap_event, ext));
    memset(&ev->x, 0, sizeof *ev - offsetof(etwcap_event, x));
    /* The packer only reads here (get); it is shared with the writer. */
    packer k = {(unsigned char *)(uintptr_t)src, 0}; // NOLINT(performance-no-int-to-ptr)
    uint32_t size;
    get(&k, &size, 4);
    FIXED_FIELDS(get, &k, ev);
    unsigned char opt, st, sk;
    get(&k, &opt, 1);
    if (opt & HAS_ACTIVITY)
        get(&k, &ev->activity_id, sizeof ev->activity_id);
    if (opt & HAS_X) {
        get(&k, &ev->x.process_start_key, 8);
        get(&k, &ev->x.has_container_id, sizeof ev->x.has_container_id);
        get(&k, ev->x.container_id, sizeof ev->x.container_id);
    }
    if (opt & HAS_ORIGIN) {
        get(&k, &ev->buffer_offset, 8);
        get(&k, &ev->buffer_index, 4);
        get(&k, &ev->record_offset, 4);
    }
    get(&k, &st, 1);
    get(&k, &sk, 1);
    for (size_t i = 0; i < ev->ext_count; i++) {
        get(&k, &ev->ext[i].type, 2);
        get(&k, &ev->ext[i].size, 2);
    }
    for (size_t i = 0; i < ev->ext_count; i++) {
        ev->ext[i].data = src + k.pos;
        k.pos += ev->ext[i].size;
    }
    ev->payload = src + k.pos;
    ev->x.stack = st < ev->ext_count ? &ev->ext[st] : NULL;
    ev->x.stack_key = sk < ev->ext_count ? &ev->ext[sk] : NULL;
    return size;
}
