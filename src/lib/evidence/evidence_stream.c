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

#include "common/evpack.h"
#include "evidence/evidence_internal.h"

#define CHUNK_MIN (1u << 20)

typedef struct chunk {
    struct chunk *next;
    size_t used, cap;
    _Alignas(8) unsigned char data[];
} chunk;

struct etwcap_evidence_stream {
    etwcap_evidence *e;
    /* The caller's options, whose strings and arrays live until the end. */
    etwcap_evidence_options opts;
    chunk *first, *last;
    size_t bytes, nrec;
    etwcap_status err;
};

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
    s->opts = *opts;
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

static etwcap_status retain(etwcap_evidence_stream *s, const etwcap_event *ev)
{
    size_t n = etwcap_evpack_size(ev);
    unsigned char *p = arena_take(s, n);
    if (!p)
        return ETWCAP_ERR_NOMEM;
    etwcap_evpack_write(ev, p, n);
    s->bytes += n;
    s->nrec++;
    return ETWCAP_OK;
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
            pos += etwcap_evpack_read(c->data + pos, &ev);
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
    if (st == ETWCAP_OK)
        st = ev_prepare_pass2(s->e, &s->opts, &n, NULL);
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
