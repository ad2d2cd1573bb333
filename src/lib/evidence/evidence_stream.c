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

/* A retained event, 8-byte aligned parts: its size, the struct up to the
 * item slots (HEAD_BYTES), the decoded extended items (TAIL_BYTES, with the
 * shortcuts as item numbers), the used item headers, the item data, the
 * payload. The unused item slots (most of the struct) are not kept. */
#define HEAD_BYTES offsetof(etwcap_event, ext)
#define TAIL_BYTES (sizeof(etwcap_event) - offsetof(etwcap_event, x))
#define NO_ITEM ((uintptr_t)ETWCAP_MAX_EXT_ITEMS)

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

static size_t fixed_bytes(size_t nitems)
{
    return 8 + align8(HEAD_BYTES) + align8(TAIL_BYTES) + align8(nitems * sizeof(etwcap_ext_item));
}

static etwcap_status retain(etwcap_evidence_stream *s, const etwcap_event *ev)
{
    size_t n = fixed_bytes(ev->ext_count);
    for (size_t i = 0; i < ev->ext_count; i++)
        n += align8(ev->ext[i].size);
    n += align8(ev->payload_len);
    unsigned char *p = arena_take(s, n);
    if (!p)
        return ETWCAP_ERR_NOMEM;
    uint64_t size = n;
    memcpy(p, &size, 8);
    size_t pos = 8;
    memcpy(p + pos, ev, HEAD_BYTES);
    pos += align8(HEAD_BYTES);
    etwcap_event_ext x = ev->x;
    x.stack = (const etwcap_ext_item *)(ev->x.stack ? (uintptr_t)(ev->x.stack - ev->ext) : NO_ITEM);
    x.stack_key = (const etwcap_ext_item *)(ev->x.stack_key ? (uintptr_t)(ev->x.stack_key - ev->ext)
                                                            : NO_ITEM);
    memcpy(p + pos, &x, sizeof x);
    memcpy(p + pos + sizeof x, (const unsigned char *)ev + offsetof(etwcap_event, x) + sizeof x,
           TAIL_BYTES - sizeof x);
    pos += align8(TAIL_BYTES);
    memcpy(p + pos, ev->ext, ev->ext_count * sizeof(etwcap_ext_item));
    pos += align8(ev->ext_count * sizeof(etwcap_ext_item));
    for (size_t i = 0; i < ev->ext_count; i++) {
        if (ev->ext[i].size)
            memcpy(p + pos, ev->ext[i].data, ev->ext[i].size);
        pos += align8(ev->ext[i].size);
    }
    if (ev->payload_len)
        memcpy(p + pos, ev->payload, ev->payload_len);
    s->bytes += n;
    s->nrec++;
    return ETWCAP_OK;
}

/* The retained event at `p`, with its pointers into the arena; returns the
 * record's size. */
static size_t restore(const unsigned char *p, etwcap_event *ev)
{
    uint64_t size;
    memcpy(&size, p, 8);
    size_t pos = 8;
    memcpy(ev, p + pos, HEAD_BYTES);
    pos += align8(HEAD_BYTES);
    memcpy((unsigned char *)ev + offsetof(etwcap_event, x), p + pos, TAIL_BYTES);
    pos += align8(TAIL_BYTES);
    if (ev->ext_count > ETWCAP_MAX_EXT_ITEMS)
        ev->ext_count = ETWCAP_MAX_EXT_ITEMS; /* cannot happen: copied from an event */
    memcpy(ev->ext, p + pos, ev->ext_count * sizeof(etwcap_ext_item));
    pos += align8(ev->ext_count * sizeof(etwcap_ext_item));
    for (size_t i = 0; i < ev->ext_count; i++) {
        ev->ext[i].data = p + pos;
        pos += align8(ev->ext[i].size);
    }
    ev->payload = p + pos;
    uintptr_t st = (uintptr_t)ev->x.stack, sk = (uintptr_t)ev->x.stack_key;
    ev->x.stack = st < ev->ext_count ? &ev->ext[st] : NULL;
    ev->x.stack_key = sk < ev->ext_count ? &ev->ext[sk] : NULL;
    return (size_t)size;
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
