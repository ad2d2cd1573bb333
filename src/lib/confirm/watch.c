/* watch.c - first hits of claim sinks in a stream of events (watch.h).
 *
 * The state is updated with each event before anything else looks at it,
 * as the evidence's pass 1 does, so a frame or a JIT event is named with what
 * the trace has said up to and including that event. Matching is match.c's:
 * the claim's module key and canonical name, and the kind (managed/native)
 * as verdict.c compares it. A JIT or R2R hit waits for its stack: the event's
 * own extended item (handed over by the assembler at once), else the
 * ClrStackWalk that follows it on the same thread (etl-format.md §4.3); the
 * next other event of that thread, or the end, releases it without one.
 */
#include <stdlib.h>
#include <string.h>

#include "confirm/watch.h"
#include "decode/decode_internal.h"
#include "evidence/evidence_internal.h"
#include "etwcap/decode.h"
#include "etwcap/names.h"
#include "etwcap/stack.h"
#include "etwcap/state.h"
#include "etwcap/symbol.h"

#define MAX_FRAMES 512
#define LABEL_CAP 700   /* a frame: module (128) + function (512) */
#define METHOD_CAP 2700 /* a JIT'd method: module + namespace + name */

typedef struct watch_sink {
    char *key;   /* etwcap_match_module_key of the sink's module */
    char *canon; /* etwcap_match_canon_name of the sink's name */
    int fired;
} watch_sink;

/* A JIT/R2R hit waiting for its stack. */
typedef struct watch_pending {
    size_t claim;
    int64_t ts;
    uint32_t tid, pid;
    size_t proc;
    uint16_t event_id;
    const char *how;
    char label[METHOD_CAP];
} watch_pending;

struct etwcap_watch {
    const etwcap_claims *claims;
    watch_sink *sinks;
    size_t nfired;
    etwcap_state *state;
    etwcap_stack_asm *sa;
    etwcap_symbolizer *sym;
    uint32_t *pids;
    size_t npids, cappids;
    const char *const *names;
    size_t nnames;
    char (*containers)[37];
    size_t ncontainers;
    int children;
    etwcap_logfile_info info;
    int have_info;
    FILE *out;
    etwcap_status err;
    watch_pending *pend;
    size_t npend, cappend;
};

/* The evidence's selector rules (evidence/select.c), so that the watch
 * covers the processes the evidence will. */
static int selected_here(const etwcap_watch *w, const etwcap_process *p)
{
    for (size_t i = 0; i < w->npids; i++)
        if (w->pids[i] == p->pid)
            return 1;
    for (size_t i = 0; i < w->nnames; i++)
        if (ev_image_matches(p->image, w->names[i]))
            return 1;
    for (size_t i = 0; i < w->ncontainers; i++)
        if (p->container_id[0] && !strcmp(p->container_id, w->containers[i]))
            return 1;
    return 0;
}

/* Is process record `proc` watched (itself or, with children, an
 * ancestor)? */
static int watched(const etwcap_watch *w, size_t proc)
{
    if (proc == SIZE_MAX)
        return 0;
    if (!w->npids && !w->nnames && !w->ncontainers)
        return 1;
    size_t n = etwcap_state_process_count(w->state);
    for (size_t depth = 0; proc < n && depth < n; depth++) {
        const etwcap_process *p = etwcap_state_process_at(w->state, proc);
        if (selected_here(w, p))
            return 1;
        if (!w->children)
            return 0;
        proc = p->parent;
    }
    return 0;
}

static void print_time(etwcap_watch *w, int64_t ts)
{
    char t[32];
    etwcap_filetime_format(w->have_info ? etwcap_logfile_to_filetime(&w->info, ts) : ts, t);
    fputs(t, w->out);
}

/* The hit's header lines. */
static void print_head(etwcap_watch *w, size_t ci, int64_t ts, const char *how, size_t proc,
                       uint32_t pid)
{
    const etwcap_claim *c = &w->claims->claims[ci];
    const etwcap_process *p = proc < etwcap_state_process_count(w->state)
                                  ? etwcap_state_process_at(w->state, proc)
                                  : NULL;
    fputs("watch: first hit ", w->out);
    print_time(w, ts);
    fprintf(w->out, " claim %s (%s)\n", c->id, c->vulnerability);
    fprintf(w->out, "  sink: %s!%s (%s)\n", c->sink_module, c->sink_name,
            c->sink_kind == ETWCAP_CODE_MANAGED ? "managed" : "native");
    fprintf(w->out, "  observed: %s\n", how);
    fprintf(w->out, "  process: %u %s\n", (unsigned)pid, p && p->image ? p->image : "?");
}

/* "module!function" of one frame, as the evidence labels it (unresolved
 * parts are "?"). `*managed`: CLR code by the symbolizer or the module. */
static void frame_label(etwcap_watch *w, size_t proc, uint64_t addr, int64_t ts, char *out,
                        size_t cap, int *managed)
{
    etwcap_frame_symbol fs;
    etwcap_symbolize(w->sym, proc, addr, ts, &fs);
    *managed = fs.resolution == ETWCAP_RES_CLR;
    if (!*managed) {
        const etwcap_module *m = etwcap_state_module_at(w->state, proc, addr, ts);
        *managed = m && m->kind != ETWCAP_MODULE_NATIVE;
    }
    int resolved = fs.resolution <= ETWCAP_RES_EXPORT || fs.resolution == ETWCAP_RES_DBGHELP;
    snprintf(out, cap, "%s!%s", fs.module[0] ? fs.module : "?", resolved ? fs.function : "?");
}

/* Frames are innermost first; print them root to leaf. */
static void print_stack(etwcap_watch *w, const etwcap_stacked *s)
{
    size_t n = s->nframes < MAX_FRAMES ? s->nframes : MAX_FRAMES;
    fprintf(w->out, "  stack (root to leaf, %zu frames):\n", n);
    for (size_t k = 0; k < n; k++) {
        char label[LABEL_CAP];
        int managed;
        frame_label(w, s->proc, s->frames[n - 1 - k], s->timestamp, label, sizeof label, &managed);
        fprintf(w->out, "    %s\n", label);
    }
}

static void fire(etwcap_watch *w, size_t ci)
{
    w->sinks[ci].fired = 1;
    w->nfired++;
}

static void release(etwcap_watch *w, size_t i, const etwcap_stacked *s)
{
    watch_pending *p = &w->pend[i];
    print_head(w, p->claim, p->ts, p->how, p->proc, p->pid);
    fprintf(w->out, "  method: %s\n", p->label);
    if (s && s->nframes)
        print_stack(w, s);
    else
        fprintf(w->out, "  stack: none (no stack on the %s event)\n",
                !strcmp(p->how, "jit") ? "JIT" : "R2R");
    fputc('\n', w->out);
    fflush(w->out);
    w->pend[i] = w->pend[--w->npend];
}

/* A sample: the first frame (root first) that names a sink fires it. */
static void on_sample(etwcap_watch *w, const etwcap_stacked *s)
{
    if (s->tid == 0 && !(s->sample_flags & 3u))
        return; /* idle (etl-format.md §8) */
    size_t n = s->nframes < MAX_FRAMES ? s->nframes : MAX_FRAMES;
    for (size_t k = 0; k < n && w->nfired < w->claims->nclaims; k++) {
        char label[LABEL_CAP];
        int managed;
        frame_label(w, s->proc, s->frames[n - 1 - k], s->timestamp, label, sizeof label, &managed);
        for (size_t ci = 0; ci < w->claims->nclaims; ci++) {
            const etwcap_claim *c = &w->claims->claims[ci];
            if (w->sinks[ci].fired || managed != (c->sink_kind == ETWCAP_CODE_MANAGED))
                continue;
            int m = etwcap_match_frame(label, w->sinks[ci].key, w->sinks[ci].canon);
            if (m < 0) {
                w->err = ETWCAP_ERR_NOMEM;
                return;
            }
            if (!m)
                continue;
            fire(w, ci);
            print_head(w, ci, s->timestamp, k == n - 1 ? "sampled" : "on stack", s->proc, s->pid);
            print_stack(w, s);
            fputc('\n', w->out);
            fflush(w->out);
        }
    }
}

static void on_stack(const etwcap_stacked *s, void *payload)
{
    etwcap_watch *w = payload;
    if (w->err != ETWCAP_OK || !watched(w, s->proc))
        return;
    if (s->is_sample) {
        on_sample(w, s);
        return;
    }
    for (size_t i = 0; i < w->npend; i++) {
        watch_pending *p = &w->pend[i];
        if (p->tid == s->tid && p->ts == s->timestamp && p->event_id == s->event_id) {
            release(w, i, s);
            return;
        }
    }
}

/* A JIT (runtime MethodLoadVerbose 143, or 141 when verbose) or an
 * R2RGetEntryPoint of a watched process: does it name an unfired managed
 * sink? */
static etwcap_status on_method(etwcap_watch *w, const etwcap_event *ev, size_t proc, uint32_t pid)
{
    etwcap_event_class c = etwcap_event_classify(ev);
    char ns[1024], name[1024], module[512], full[2100];
    const char *how;
    if (c == ETWCAP_EC_CLR_METHOD) {
        etwcap_clr_method_info mi;
        if (!etwcap_guid_equal(&ev->provider, &etwcap_guid_clr_runtime) ||
            (ev->id != 141 && ev->id != 143) ||
            etwcap_decode_clr_method(ev, &mi) != ETWCAP_DECODE_OK || !mi.verbose)
            return ETWCAP_OK;
        etwcap_wspan_to_utf8(mi.method_namespace, ns, sizeof ns);
        etwcap_wspan_to_utf8(mi.method_name, name, sizeof name);
        const etwcap_clr_module *cm = etwcap_state_clr_module(w->state, proc, mi.module_id);
        snprintf(module, sizeof module, "%s", cm && cm->il_path ? cm->il_path : "");
        how = "jit";
    } else if (c == ETWCAP_EC_CLR_R2R_ENTRY) {
        etwcap_clr_r2r_info ri;
        if (etwcap_decode_clr_r2r(ev, &ri) != ETWCAP_DECODE_OK)
            return ETWCAP_OK;
        etwcap_wspan_to_utf8(ri.method_namespace, ns, sizeof ns);
        etwcap_wspan_to_utf8(ri.method_name, name, sizeof name);
        const etwcap_module *m =
            etwcap_state_module_at(w->state, proc, ri.entry_point, ev->timestamp);
        snprintf(module, sizeof module, "%s", m && m->path ? m->path : "");
        how = "r2r";
    } else {
        return ETWCAP_OK;
    }
    if (ns[0])
        snprintf(full, sizeof full, "%s.%s", ns, name);
    else
        snprintf(full, sizeof full, "%s", name);
    for (size_t ci = 0; ci < w->claims->nclaims; ci++) {
        const etwcap_claim *cl = &w->claims->claims[ci];
        if (w->sinks[ci].fired || cl->sink_kind != ETWCAP_CODE_MANAGED ||
            !etwcap_match_module(module, w->sinks[ci].key))
            continue;
        int m = etwcap_match_name(w->sinks[ci].canon, full);
        if (m < 0)
            return ETWCAP_ERR_NOMEM;
        if (!m)
            continue;
        if (w->npend == w->cappend) {
            size_t cap = w->cappend ? w->cappend * 2 : 8;
            watch_pending *np = realloc(w->pend, cap * sizeof *np);
            if (!np)
                return ETWCAP_ERR_NOMEM;
            w->pend = np;
            w->cappend = cap;
        }
        watch_pending *p = &w->pend[w->npend++];
        p->claim = ci;
        p->ts = ev->timestamp;
        p->tid = ev->tid;
        p->pid = pid;
        p->proc = proc;
        p->event_id = ev->id;
        p->how = how;
        /* The module as frames name it: the file name without extension. */
        const char *base = module;
        for (const char *q = module; *q; q++)
            if (*q == '\\' || *q == '/')
                base = q + 1;
        const char *dot = strrchr(base, '.');
        int blen = dot && dot != base ? (int)(dot - base) : (int)strlen(base);
        snprintf(p->label, sizeof p->label, "%.*s!%s", blen, base, full);
        fire(w, ci);
    }
    return ETWCAP_OK;
}

etwcap_status etwcap_watch_add(etwcap_watch *w, const etwcap_event *ev)
{
    if (w->err != ETWCAP_OK)
        return w->err;
    if (etwcap_state_update(w->state, ev) != ETWCAP_OK)
        return w->err = ETWCAP_ERR_NOMEM;
    uint32_t pid = etwcap_state_event_pid(w->state, ev);
    size_t proc =
        pid == ETWCAP_NO_ID ? SIZE_MAX : etwcap_state_find_process(w->state, pid, ev->timestamp);
    etwcap_event_class c = etwcap_event_classify(ev);
    /* A JIT hit still waiting: any later event of its thread other than its
     * ClrStackWalk means no stack is coming (§4.3). */
    for (size_t i = 0; i < w->npend;) {
        if (w->pend[i].tid == ev->tid && w->pend[i].ts != ev->timestamp && c != ETWCAP_EC_CLR_STACK)
            release(w, i, NULL);
        else
            i++;
    }
    if (w->nfired < w->claims->nclaims &&
        (c == ETWCAP_EC_CLR_METHOD || c == ETWCAP_EC_CLR_R2R_ENTRY) && watched(w, proc)) {
        etwcap_status st = on_method(w, ev, proc, pid);
        if (st != ETWCAP_OK)
            return w->err = st;
    }
    etwcap_status st = etwcap_stack_asm_update(w->sa, ev, pid, proc);
    if (st != ETWCAP_OK)
        w->err = st;
    return w->err;
}

etwcap_status etwcap_watch_finish(etwcap_watch *w)
{
    if (w->err == ETWCAP_OK)
        w->err = etwcap_stack_asm_finish(w->sa);
    while (w->npend)
        release(w, 0, NULL);
    return w->err;
}

etwcap_status etwcap_watch_add_pid(etwcap_watch *w, uint32_t pid)
{
    if (w->npids == w->cappids) {
        size_t cap = w->cappids ? w->cappids * 2 : 8;
        uint32_t *n = realloc(w->pids, cap * sizeof *n);
        if (!n)
            return ETWCAP_ERR_NOMEM;
        w->pids = n;
        w->cappids = cap;
    }
    w->pids[w->npids++] = pid;
    return ETWCAP_OK;
}

void etwcap_watch_set_info(etwcap_watch *w, const etwcap_logfile_info *info)
{
    w->info = *info;
    w->have_info = 1;
}

size_t etwcap_watch_hits(const etwcap_watch *w)
{
    return w->nfired;
}

etwcap_status etwcap_watch_create(etwcap_watch **out, const etwcap_claims *claims,
                                  const etwcap_watch_options *o, FILE *hits)
{
    *out = NULL;
    etwcap_watch *w = calloc(1, sizeof *w);
    if (!w)
        return ETWCAP_ERR_NOMEM;
    w->claims = claims;
    w->out = hits;
    w->names = o->processes;
    w->nnames = o->nprocesses;
    w->children = !o->no_children;
    etwcap_status st = ETWCAP_ERR_NOMEM;
    w->sinks = calloc(claims->nclaims ? claims->nclaims : 1, sizeof *w->sinks);
    if (!w->sinks)
        goto fail;
    for (size_t i = 0; i < claims->nclaims; i++) {
        w->sinks[i].key = etwcap_match_module_key(claims->claims[i].sink_module);
        w->sinks[i].canon = etwcap_match_canon_name(claims->claims[i].sink_name);
        if (!w->sinks[i].key || !w->sinks[i].canon)
            goto fail;
    }
    for (size_t i = 0; i < o->npids; i++)
        if (etwcap_watch_add_pid(w, o->pids[i]) != ETWCAP_OK)
            goto fail;
    w->containers = calloc(o->ncontainers ? o->ncontainers : 1, sizeof *w->containers);
    if (!w->containers)
        goto fail;
    for (size_t i = 0; i < o->ncontainers; i++)
        ev_normalize_container(o->containers[i], w->containers[w->ncontainers++]);
    if (etwcap_state_create(&w->state) != ETWCAP_OK ||
        etwcap_stack_asm_create(&w->sa, on_stack, w) != ETWCAP_OK)
        goto fail;
    etwcap_symbolizer_options so;
    memset(&so, 0, sizeof so);
    so.backend = (etwcap_symbolizer_backend)o->symbolizer;
    so.search_path = o->symbols;
    if ((st = etwcap_symbolizer_create_opts(&w->sym, w->state, &so, NULL)) != ETWCAP_OK)
        goto fail;
    *out = w;
    return ETWCAP_OK;
fail:
    etwcap_watch_free(w);
    return st;
}

void etwcap_watch_free(etwcap_watch *w)
{
    if (!w)
        return;
    for (size_t i = 0; w->sinks && i < w->claims->nclaims; i++) {
        free(w->sinks[i].key);
        free(w->sinks[i].canon);
    }
    free(w->sinks);
    free(w->pids);
    free(w->containers);
    free(w->pend);
    etwcap_symbolizer_free(w->sym);
    etwcap_stack_asm_free(w->sa);
    etwcap_state_free(w->state);
    free(w);
}
