/* evidence_stream.c - the evidence of a stream of events (evidence.h).
 *
 * The file path reads the file twice because pass 2 needs what only the end
 * of pass 1 knows: which processes are targets (names and container ids may
 * come from the rundown at the end, children start late) and the final
 * modules and methods (ImageID/DbgID records and CLR method rundown at the
 * end of a trace name frames seen earlier). A stream cannot be read twice:
 * each event goes through pass 1 as it arrives, and the events that pass 2
 * acts on (ev_pass2_relevant) are copied into an append-only arena, then
 * replayed through the same pass-2 handler at the end.
 */
#include <stdlib.h>
#include <string.h>

#include "evidence/evidence_internal.h"

#define CHUNK_MIN (1u << 20)

typedef struct chunk {
    struct chunk *next;
    size_t used, cap;
    _Alignas(8) unsigned char data[];
} chunk;

/* A retained event is packed: fixed fields, then what is present of the
 * activity id, the extended-item shortcut values and the record's origin,
 * the item headers, item data and payload. A sample (most of what is kept)
 * takes about 110 bytes instead of the struct's 520. */
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

struct etwcap_evidence_stream {
    etwcap_evidence *e;
    const char *symbols;
    chunk *first, *last;
    size_t bytes, nrec;
    etwcap_status err;
};

static size_t align8(size_t n)
{
    return (n + 7u) & ~(size_t)7u;
}

etwcap_status etwcap_evidence_stream_begin(etwcap_evidence_stream **out,
                                           const etwcap_evidence_options *opts,
                                           const char *source_name, const char *source_sha256)
{
    *out = NULL;
    etwcap_evidence_stream *s = calloc(1, sizeof *s);
    if (!s)
        return ETWCAP_ERR_NOMEM;
    if (ev_create(&s->e, source_name ? source_name : "", opts) != ETWCAP_OK) {
        free(s);
        return ETWCAP_ERR_NOMEM;
    }
    if (source_sha256)
        snprintf(s->e->file_sha256, sizeof s->e->file_sha256, "%s", source_sha256);
    s->symbols = opts->symbols;
    *out = s;
    return ETWCAP_OK;
}

void etwcap_evidence_stream_set_info(etwcap_evidence_stream *s, const etwcap_logfile_info *info)
{
    s->e->info = *info;
    s->e->have_info = 1;
}

static unsigned char *arena_take(etwcap_evidence_stream *s, size_t n)
{
    if (!s->last || s->last->cap - s->last->used < n) {
        size_t cap = n > CHUNK_MIN ? n : CHUNK_MIN;
        chunk *c = malloc(sizeof *c + cap);
        if (!c)
            return NULL;
        c->next = NULL;
        c->used = 0;
        c->cap = cap;
        if (s->last)
            s->last->next = c;
        else
            s->first = c;
        s->last = c;
    }
    unsigned char *p = s->last->data + s->last->used;
    s->last->used += n;
    return p;
}

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

static etwcap_status retain(etwcap_evidence_stream *s, const etwcap_event *ev)
{
    packer k = {NULL, 0};
    pack(&k, ev);
    size_t n = align8(k.pos);
    if (n > UINT32_MAX)
        return ETWCAP_ERR_ARG;
    unsigned char *p = arena_take(s, n);
    if (!p)
        return ETWCAP_ERR_NOMEM;
    k.p = p;
    k.pos = 0;
    pack(&k, ev);
    uint32_t size = (uint32_t)n;
    memcpy(p, &size, 4);
    s->bytes += n;
    s->nrec++;
    return ETWCAP_OK;
}

/* The retained event at `p`, its pointers into the arena; returns the
 * record's size. */
static size_t restore(unsigned char *p, etwcap_event *ev)
{
    memset(ev, 0, offsetof(etwcap_event, ext));
    memset(&ev->x, 0, sizeof *ev - offsetof(etwcap_event, x));
    packer k = {p, 0};
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
        ev->ext[i].data = p + k.pos;
        k.pos += ev->ext[i].size;
    }
    ev->payload = p + k.pos;
    ev->x.stack = st < ev->ext_count ? &ev->ext[st] : NULL;
    ev->x.stack_key = sk < ev->ext_count ? &ev->ext[sk] : NULL;
    return size;
}

etwcap_status etwcap_evidence_stream_add(etwcap_evidence_stream *s, const etwcap_event *ev)
{
    if (s->err != ETWCAP_OK)
        return s->err;
    etwcap_status st = ev_pass1_event(s->e, ev);
    if (st == ETWCAP_OK && ev_pass2_relevant(ev))
        st = retain(s, ev);
    s->err = st;
    return st;
}

size_t etwcap_evidence_stream_retained(const etwcap_evidence_stream *s, size_t *nevents)
{
    if (nevents)
        *nevents = s->nrec;
    return s->bytes;
}

static etwcap_status replay(etwcap_evidence_stream *s)
{
    etwcap_evidence *e = s->e;
    etwcap_stack_asm *sa = NULL;
    etwcap_status st = etwcap_stack_asm_create(&sa, ev_on_stack, e);
    if (st != ETWCAP_OK)
        return st;
    etwcap_event ev;
    for (chunk *c = s->first; c && e->err == ETWCAP_OK; c = c->next) {
        for (size_t pos = 0; pos < c->used && e->err == ETWCAP_OK;) {
            pos += restore(c->data + pos, &ev);
            ev_pass2_event(e, sa, &ev);
        }
    }
    if (e->err == ETWCAP_OK)
        e->err = etwcap_stack_asm_finish(sa);
    etwcap_stack_asm_free(sa);
    return e->err;
}

etwcap_status etwcap_evidence_stream_end(etwcap_evidence_stream *s, etwcap_evidence **out)
{
    *out = NULL;
    etwcap_status st = s->err;
    int n = 0;
    if (st == ETWCAP_OK && (n = ev_prepare_pass2(s->e, s->symbols)) < 0)
        st = ETWCAP_ERR_NOMEM;
    if (st == ETWCAP_OK && n > 0)
        st = replay(s);
    if (st == ETWCAP_OK) {
        *out = s->e;
        s->e = NULL;
        if (n == 0)
            st = ETWCAP_END;
    }
    etwcap_evidence_stream_free(s);
    return st;
}

void etwcap_evidence_stream_free(etwcap_evidence_stream *s)
{
    if (!s)
        return;
    for (chunk *c = s->first, *next; c; c = next) {
        next = c->next;
        free(c);
    }
    etwcap_evidence_free(s->e);
    free(s);
}
