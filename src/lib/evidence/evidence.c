/* evidence.c - building the evidence: pass 1 rebuilds the state and picks
 * the targets; pass 2 records JIT/R2R observations and sampled stacks of the
 * target processes only.
 */
#include <stdlib.h>
#include <string.h>

#include "common/bytes.h"
#include "capture/images.h"
#include "common/sha256.h"
#include "compat/compat.h"
#include "compat/thread.h"
#include "decode/decode_internal.h"
#include "etwcap/decode.h"
#include "etwcap/names.h"
#include "etwcap/stack.h"
#include "evidence/evidence_internal.h"

#define MAX_FRAMES 512
#define NAME_CAP (EV_LABEL_MAX + 1)

static char *dup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = malloc(n);
    if (p)
        memcpy(p, s, n);
    return p;
}

static int provider_key_equal(const ev_provider_key *a, const ev_provider_key *b)
{
    return a->kind == b->kind && a->hook_id == b->hook_id && a->id == b->id &&
           a->opcode == b->opcode && etwcap_guid_equal(&a->provider, &b->provider);
}

/* Lists the provider of `ev` once. Its name is formatted per event, so
 * events whose header fields match a recent event already listed skip it:
 * equal fields give an equal name. TraceLogging events take the name from
 * their metadata and always take the long way. */
static int remember_provider(etwcap_evidence *e, const etwcap_event *ev)
{
    ev_provider_key key;
    ev_provider_key *slot = NULL;
    if (!etwcap_event_find_ext(ev, ETWCAP_EXT_EVENT_SCHEMA_TL)) {
        key.provider = ev->provider;
        key.hook_id = ev->hook_id;
        key.id = ev->id;
        key.kind = (uint8_t)(ev->kind + 1);
        key.opcode = ev->opcode;
        uint32_t h = ev->provider.data1 ^ ((uint32_t)ev->hook_id << 7) ^
                     ((uint32_t)ev->id * 0x9E3779B1u) ^ ((uint32_t)ev->opcode << 3) ^ ev->kind;
        slot = &e->provider_cache[(h ^ (h >> 16)) % EV_PROVIDER_CACHE];
        if (provider_key_equal(slot, &key))
            return 0;
    }
    char name[256];
    size_t n = etwcap_provider_name(ev, name, sizeof name);
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)name[i]) * 1099511628211ULL;
    if (etwcap_u64map_get(&e->provider_seen, h) == SIZE_MAX) {
        char **p = realloc(e->providers, (e->nproviders + 1) * sizeof *p);
        if (!p)
            return -1;
        e->providers = p;
        if (!(e->providers[e->nproviders] = dup(name)))
            return -1;
        e->nproviders++;
        if (etwcap_u64map_put(&e->provider_seen, h, e->nproviders - 1) != 0)
            return -1;
    }
    if (slot)
        *slot = key;
    return 0;
}

/* PerfInfo CollectionStart/SetInterval (73/72): Source u32, NewInterval u32
 * in 100 ns units (etl-format.md §3.7). The profile source is 0. */
static void note_interval(etwcap_evidence *e, const etwcap_event *ev)
{
    if (ev->kind != ETWCAP_KIND_KERNEL || etwcap_kernel_group(ev) != 0x0F ||
        (ev->opcode != 73 && ev->opcode != 72) || ev->payload_len < 8)
        return;
    if (etwcap_rd32(ev->payload) == 0 && etwcap_rd32(ev->payload + 4))
        e->sample_interval_100ns = etwcap_rd32(ev->payload + 4);
}

etwcap_status ev_pass1_event(etwcap_evidence *e, const etwcap_event *ev)
{
    e->events_total++;
    if (etwcap_state_update(e->state, ev) != ETWCAP_OK || remember_provider(e, ev) != 0)
        return ETWCAP_ERR_NOMEM;
    note_interval(e, ev);
    return ETWCAP_OK;
}

static etwcap_status pass1(etwcap_evidence *e, const char *path, const etwcap_reader_options *ro,
                           etwcap_diag *diag)
{
    etwcap_reader *r = NULL;
    etwcap_status st = etwcap_reader_open(&r, path, ro, diag);
    if (st != ETWCAP_OK)
        return st;
    if (etwcap_reader_info(r)) {
        e->info = *etwcap_reader_info(r);
        e->have_info = 1;
    }
    etwcap_event ev;
    while ((st = etwcap_reader_next(r, &ev)) == ETWCAP_OK)
        if ((st = ev_pass1_event(e, &ev)) != ETWCAP_OK)
            break;
    e->diags = etwcap_reader_diag_count(r);
    e->buffers_skipped = etwcap_reader_stats_get(r)->buffers_skipped;
    etwcap_reader_close(r);
    return st == ETWCAP_END ? ETWCAP_OK : st;
}

static const etwcap_pe_identity *sidecar_lookup(const char *path, uint64_t size, void *payload)
{
    const etwcap_image_record *r = etwcap_images_find(payload, path, size);
    return r ? &r->id : NULL;
}

/* Image identities recorded by `etwcap capture` next to the trace
 * (OUT.etl.images.json, docs/capture.md), for modules without a DbgID. */
static etwcap_status apply_sidecar(etwcap_evidence *e, const char *path, etwcap_diag *diag)
{
    char side[4096];
    if (etwcap_images_sidecar_path(side, sizeof side, path) != 0)
        return ETWCAP_OK;
    FILE *f = etwcap_fopen(side, "rb");
    if (!f)
        return ETWCAP_OK;
    fclose(f);
    etwcap_images im;
    etwcap_status st = etwcap_images_load(&im, side, diag);
    if (st != ETWCAP_OK)
        return st;
    etwcap_state_apply_identities(e->state, sidecar_lookup, &im);
    etwcap_images_free(&im);
    return ETWCAP_OK;
}

static int in_target(const etwcap_evidence *e, size_t proc)
{
    return proc < e->ntarget_slots && e->target[proc];
}

/* A method event of a target process: JIT (runtime MethodLoad/Verbose) or
 * first call of a precompiled method (R2RGetEntryPoint). */
static void on_clr(etwcap_evidence *e, const etwcap_event *ev, size_t proc)
{
    etwcap_event_class c = etwcap_event_classify(ev);
    char ns[1024], name[1024], sig[2048], module[256];
    unsigned how;
    uint64_t method_id = 0;
    int64_t ts = ev->timestamp;
    if (c == ETWCAP_EC_CLR_METHOD) {
        etwcap_clr_method_info mi;
        /* Runtime 141/143 are loads; rundown events describe methods that
         * existed already and are not observations of a JIT (§4.3). */
        if (!etwcap_guid_equal(&ev->provider, &etwcap_guid_clr_runtime) ||
            (ev->id != 141 && ev->id != 143) ||
            etwcap_decode_clr_method(ev, &mi) != ETWCAP_DECODE_OK || !mi.verbose)
            return;
        etwcap_wspan_to_utf8(mi.method_namespace, ns, sizeof ns);
        etwcap_wspan_to_utf8(mi.method_name, name, sizeof name);
        etwcap_wspan_to_utf8(mi.method_signature, sig, sizeof sig);
        const etwcap_clr_module *cm = etwcap_state_clr_module(e->state, proc, mi.module_id);
        snprintf(module, sizeof module, "%s", cm && cm->il_path ? cm->il_path : "");
        method_id = mi.method_id;
        how = OBS_JIT;
    } else if (c == ETWCAP_EC_CLR_R2R_ENTRY) {
        etwcap_clr_r2r_info ri;
        if (etwcap_decode_clr_r2r(ev, &ri) != ETWCAP_DECODE_OK)
            return;
        etwcap_wspan_to_utf8(ri.method_namespace, ns, sizeof ns);
        etwcap_wspan_to_utf8(ri.method_name, name, sizeof name);
        etwcap_wspan_to_utf8(ri.method_signature, sig, sizeof sig);
        const etwcap_module *m = etwcap_state_module_at(e->state, proc, ri.entry_point, ts);
        snprintf(module, sizeof module, "%s", m && m->path ? m->path : "");
        method_id = ri.method_id;
        how = OBS_R2R_ENTRY;
    } else {
        return;
    }
    /* Module display name: the file name without extension (as in frames). */
    const char *base = module;
    for (const char *p = module; *p; p++)
        if (*p == '\\' || *p == '/')
            base = p + 1;
    char module_label[256];
    snprintf(module_label, sizeof module_label, "%s", base);
    char *dot = strrchr(module_label, '.');
    if (dot && dot != module_label)
        *dot = '\0';
    char qualified[2100];
    if (ns[0])
        snprintf(qualified, sizeof qualified, "%s.%s", ns, name);
    else
        snprintf(qualified, sizeof qualified, "%s", name);
    size_t f = ev_function_get(e, proc, module_label, qualified, sig, method_id, 1, ETWCAP_RES_CLR);
    if (f == SIZE_MAX) {
        e->err = ETWCAP_ERR_NOMEM;
        return;
    }
    ev_function_seen(e, f, how, ts);
}

/* The function behind one frame; SIZE_MAX on allocation failure. */
static size_t frame_function(etwcap_evidence *e, size_t proc, uint64_t addr, int64_t ts,
                             char *label, size_t cap, int *managed, int *resolved)
{
    etwcap_frame_symbol fs;
    etwcap_symbolize(e->sym, proc, addr, ts, &fs);
    const etwcap_method *m = fs.method;
    const etwcap_module *mod = NULL;
    *managed = fs.resolution == ETWCAP_RES_CLR;
    if (!*managed) {
        mod = etwcap_state_module_at(e->state, proc, addr, ts);
        *managed = mod && mod->kind != ETWCAP_MODULE_NATIVE;
    }
    *resolved = fs.resolution <= ETWCAP_RES_EXPORT || fs.resolution == ETWCAP_RES_DBGHELP;
    const char *module = fs.module[0] ? fs.module : "?";
    const char *name = *resolved ? fs.function : "?";
    snprintf(label, cap, "%s!%s", module, name);
    return ev_function_get(e, proc, module, name, m && m->signature ? m->signature : "",
                           m ? m->method_id : 0, *managed,
                           *resolved ? fs.resolution : ETWCAP_RES_NONE);
}

/* frame_function through the pass-2 frame cache. */
static size_t frame_function_cached(etwcap_evidence *e, size_t proc, uint64_t addr, int64_t ts,
                                    int *managed, int *resolved)
{
    /* What the symbolizer's answer depends on: the named method at the
     * address, else the module there (see etwcap_symbolize). The state does
     * not change in pass 2, so its records keep their addresses. */
    const etwcap_method *meth = etwcap_state_method_at(e->state, proc, addr, ts);
    uintptr_t mi = 0, mo = 0;
    if (meth && meth->method_name)
        mi = (uintptr_t)meth;
    else
        mo = (uintptr_t)etwcap_state_module_at(e->state, proc, addr, ts);
    uint64_t h = (uint64_t)proc * 0x9E3779B97F4A7C15ULL;
    h = (h ^ addr) * 0xBF58476D1CE4E5B9ULL;
    h = (h ^ (uint64_t)mi) * 0x94D049BB133111EBULL;
    h = (h ^ (uint64_t)mo) * 0x9E3779B97F4A7C15ULL;
    h ^= h >> 29;
    uint64_t key = h;
    for (;;) { /* on a hash collision, probe the next key */
        size_t i = etwcap_u64map_get(&e->fcache_index, key);
        if (i == SIZE_MAX)
            break;
        const ev_frame *f = &e->fcache[i];
        if (f->proc == proc && f->addr == addr && f->method == mi && f->module == mo) {
            *managed = f->managed;
            *resolved = f->resolved;
            return f->function;
        }
        key = key * 6364136223846793005ULL + 1;
    }
    char label[NAME_CAP];
    size_t fn = frame_function(e, proc, addr, ts, label, sizeof label, managed, resolved);
    if (fn == SIZE_MAX)
        return SIZE_MAX;
    if (e->nfcache == EV_FRAME_CACHE_MAX) {
        e->nfcache = 0;
        etwcap_u64map_clear(&e->fcache_index);
        key = h;
    }
    if (e->nfcache == e->capfcache) {
        size_t cap = e->capfcache ? e->capfcache * 2 : 4096;
        ev_frame *n = realloc(e->fcache, cap * sizeof *n);
        if (!n)
            return fn; /* the cache is only a shortcut */
        e->fcache = n;
        e->capfcache = cap;
    }
    if (etwcap_u64map_put(&e->fcache_index, key, e->nfcache) != 0)
        return fn;
    ev_frame *f = &e->fcache[e->nfcache++];
    f->proc = proc;
    f->addr = addr;
    f->method = mi;
    f->module = mo;
    f->function = fn;
    f->managed = (unsigned char)(*managed != 0);
    f->resolved = (unsigned char)(*resolved != 0);
    return fn;
}

/* frame_function_cached through the epoch cache (see ev_epoch_frame). */
static size_t frame_function_epoch(etwcap_evidence *e, size_t proc, uint64_t addr, uint64_t epoch,
                                   int64_t ts, int *managed, int *resolved)
{
    uint64_t h = ((uint64_t)proc * 0x9E3779B97F4A7C15ULL ^ addr) * 0xBF58476D1CE4E5B9ULL;
    h = (h ^ epoch) * 0x94D049BB133111EBULL;
    ev_epoch_frame *f = &e->ecache[h >> (64 - EV_EPOCH_CACHE_BITS)];
    if (f->used && f->addr == addr && f->epoch == epoch && f->proc == proc) {
        *managed = f->managed;
        *resolved = f->resolved;
        return f->function;
    }
    size_t fn = frame_function_cached(e, proc, addr, ts, managed, resolved);
    if (fn != SIZE_MAX) {
        f->addr = addr;
        f->epoch = epoch;
        f->proc = proc;
        f->function = fn;
        f->used = 1;
        f->managed = (unsigned char)(*managed != 0);
        f->resolved = (unsigned char)(*resolved != 0);
    }
    return fn;
}

void ev_on_stack(const etwcap_stacked *s, void *payload)
{
    etwcap_evidence *e = payload;
    if (e->err != ETWCAP_OK || !in_target(e, s->proc))
        return;
    if (s->is_sample && s->tid == 0 && !(s->sample_flags & 3u))
        return; /* idle (etl-format.md §8) */
    uint64_t ip = s->ip;
    const uint64_t *frames = s->nframes ? s->frames : &ip;
    size_t n = s->nframes ? s->nframes : (s->is_sample ? 1 : 0);
    if (n > MAX_FRAMES)
        n = MAX_FRAMES;
    ev_proc_stats *ps = &e->ps[s->proc];
    if (s->is_sample) {
        e->samples++;
        e->samples_with_stack += s->nframes > 0;
        e->samples_user += s->has_user != 0;
        ps->samples++;
        ps->samples_user += s->has_user != 0;
    }
    if (n == 0)
        return;
    if (n > e->stack_cap) {
        size_t *nf = realloc(e->stack_fns, n * sizeof *nf);
        if (nf)
            e->stack_fns = nf;
        char *nc = realloc(e->stack_chain, n * NAME_CAP);
        if (nc)
            e->stack_chain = nc;
        if (!nf || !nc) {
            e->err = ETWCAP_ERR_NOMEM;
            return;
        }
        e->stack_cap = n;
    }
    size_t *fns = e->stack_fns;
    char *chain = e->stack_chain;
    /* All frames of a stack share the process and the time, so one epoch. */
    uint64_t epoch = 0;
    const int by_epoch =
        e->ecache && etwcap_state_epoch(e->state, s->proc, s->timestamp, &epoch) == 0;
    /* Root first: frames are innermost first. */
    for (size_t k = 0; k < n; k++) {
        int managed, resolved;
        uint64_t addr = frames[n - 1 - k];
        fns[k] =
            by_epoch
                ? frame_function_epoch(e, s->proc, addr, epoch, s->timestamp, &managed, &resolved)
                : frame_function_cached(e, s->proc, addr, s->timestamp, &managed, &resolved);
        if (fns[k] == SIZE_MAX) {
            e->err = ETWCAP_ERR_NOMEM;
            return;
        }
        e->frames++;
        e->frames_resolved += resolved;
        e->managed_frames += managed;
        e->managed_resolved += managed && resolved;
        ps->frames++;
        ps->frames_resolved += resolved;
        ps->managed_frames += managed;
        ps->managed_resolved += managed && resolved;
    }
    /* The chain of each frame is the labels from the root to it; its hash
     * grows with it, a label at a time. */
    const uint64_t stack_no = ++e->stack_no;
    size_t len = 0;
    uint64_t h = 0;
    for (size_t k = 0; k < n; k++) {
        const ev_function *f = &e->fn[fns[k]];
        if (k) {
            chain[len++] = '\n';
            h = h * EV_HASH_MUL + (unsigned char)'\n';
        }
        /* "module!name" as frame_function labels it (cut to NAME_CAP - 1
         * bytes, as snprintf into NAME_CAP bytes would). */
        memcpy(chain + len, f->label, f->label_len);
        len += f->label_len;
        h = h * f->label_pow + f->label_hash;
        /* A function on the stack twice (recursion) counts once. */
        if (e->fn[fns[k]].mark == stack_no)
            continue;
        e->fn[fns[k]].mark = stack_no;
        unsigned how = (k == n - 1 && s->is_sample) ? OBS_SAMPLED : OBS_ON_STACK;
        ev_function_seen(e, fns[k], how, s->timestamp);
        if (ev_chain_add_hashed(e, fns[k], chain, len, h) != 0) {
            e->err = ETWCAP_ERR_NOMEM;
            return;
        }
    }
}

/* Which sources this process's events show, and its CLR rundown
 * (etl-format.md §4.2, §4.3): runtime keywords Loader 0x8 / Jit 0x10; the
 * rundown provider's DCStart (141/143 methods, 153 modules, 145 complete)
 * and DCEnd (142/144, 154, 146) events. */
static void note_sources(etwcap_evidence *e, const etwcap_event *ev, etwcap_event_class c,
                         size_t proc)
{
    ev_proc_stats *ps = &e->ps[proc];
    if (c == ETWCAP_EC_STACKWALK || c == ETWCAP_EC_STACK_KEY_REF)
        ps->kernel_stacks = 1;
    if (ev->kind != ETWCAP_KIND_MANIFEST)
        return;
    if (c == ETWCAP_EC_CLR_STACK)
        ps->clr_stacks = 1;
    if (c == ETWCAP_EC_CLR_R2R_ENTRY)
        ps->clr_r2r = 1;
    if (etwcap_guid_equal(&ev->provider, &etwcap_guid_clr_runtime) && (ev->keyword & 0x18u))
        ps->clr_jit_loader = 1;
    if (!etwcap_guid_equal(&ev->provider, &etwcap_guid_clr_rundown))
        return;
    switch (ev->id) {
    case 141:
    case 143:
        ps->method_rundown++;
        ps->rundown_start = 1;
        break;
    case 142:
    case 144:
        ps->method_rundown++;
        ps->rundown_end = 1;
        break;
    case 153:
        ps->module_rundown++;
        ps->rundown_start = 1;
        break;
    case 154:
        ps->module_rundown++;
        ps->rundown_end = 1;
        break;
    case 145:
    case 147:
        ps->rundown_start = 1;
        break;
    case 146:
    case 148:
        ps->rundown_end = 1;
        break;
    default:
        break;
    }
}

void ev_pass2_event(etwcap_evidence *e, etwcap_stack_asm *sa, const etwcap_event *ev)
{
    uint32_t pid = etwcap_state_event_pid(e->state, ev);
    size_t proc =
        pid == ETWCAP_NO_ID ? SIZE_MAX : etwcap_state_find_process(e->state, pid, ev->timestamp);
    etwcap_event_class c = etwcap_event_classify(ev);
    /* Stack records carry no owner of their own that matters here: they
     * complete events already filtered by owner. */
    int stack_record = c == ETWCAP_EC_STACKWALK || c == ETWCAP_EC_STACK_KEY_DEF ||
                       c == ETWCAP_EC_STACK_KEY_REF || c == ETWCAP_EC_THREAD;
    if (!stack_record && !in_target(e, proc))
        return;
    if (in_target(e, proc))
        note_sources(e, ev, c, proc);
    if (c == ETWCAP_EC_CLR_METHOD || c == ETWCAP_EC_CLR_R2R_ENTRY)
        on_clr(e, ev, proc);
    etwcap_status s2 = etwcap_stack_asm_update(sa, ev, pid, proc);
    if (s2 != ETWCAP_OK)
        e->err = s2;
}

/* Whether ev_pass2_event can do anything with `ev`, whatever the targets:
 * the classes it or the stack assembler (etwcap_stack_asm_update) act on,
 * the CLR providers note_sources counts, and events with their own stack.
 * A thread event matters to the assembler only as a Stop (opcode 2). */
int ev_pass2_relevant(const etwcap_event *ev)
{
    switch (etwcap_event_classify(ev)) {
    case ETWCAP_EC_STACKWALK:
    case ETWCAP_EC_STACK_KEY_DEF:
    case ETWCAP_EC_STACK_KEY_REF:
    case ETWCAP_EC_CLR_STACK:
    case ETWCAP_EC_SAMPLE:
    case ETWCAP_EC_CLR_METHOD:
    case ETWCAP_EC_CLR_R2R_ENTRY:
        return 1;
    case ETWCAP_EC_THREAD:
        return ev->opcode == 2;
    default:
        break;
    }
    if (ev->x.stack || ev->x.stack_key)
        return 1;
    if (ev->kind != ETWCAP_KIND_MANIFEST)
        return 0;
    /* Any runtime or private event may be the one a ClrStackWalk follows;
     * of the rundown, note_sources counts only these. */
    if (etwcap_guid_equal(&ev->provider, &etwcap_guid_clr_runtime) ||
        etwcap_guid_equal(&ev->provider, &etwcap_guid_clr_private))
        return 1;
    return etwcap_guid_equal(&ev->provider, &etwcap_guid_clr_rundown) &&
           ((ev->id >= 141 && ev->id <= 148) || ev->id == 153 || ev->id == 154);
}

static etwcap_status pass2(etwcap_evidence *e, const char *path, const etwcap_reader_options *ro)
{
    etwcap_reader_options quiet = ETWCAP_READER_OPTIONS_INIT; /* pass 1 reported */
    if (ro && ro->version >= 2)
        quiet.threads = ro->threads;
    etwcap_reader *r = NULL;
    etwcap_stack_asm *sa = NULL;
    etwcap_status st = etwcap_reader_open(&r, path, &quiet, NULL);
    if (st != ETWCAP_OK)
        return st;
    if ((st = etwcap_stack_asm_create(&sa, ev_on_stack, e)) != ETWCAP_OK) {
        etwcap_reader_close(r);
        return st;
    }
    etwcap_event ev;
    while (e->err == ETWCAP_OK && etwcap_reader_next(r, &ev) == ETWCAP_OK)
        ev_pass2_event(e, sa, &ev);
    if (e->err == ETWCAP_OK)
        e->err = etwcap_stack_asm_finish(sa);
    etwcap_stack_asm_free(sa);
    etwcap_reader_close(r);
    return e->err;
}

static int copy_list(char ***out, size_t *nout, const char *const *in, size_t n, int container)
{
    *out = calloc(n ? n : 1, sizeof **out);
    if (!*out)
        return -1;
    for (size_t i = 0; i < n; i++) {
        char norm[37];
        if (container)
            ev_normalize_container(in[i], norm);
        if (!((*out)[i] = dup(container ? norm : in[i])))
            return -1;
        (*nout)++;
    }
    return 0;
}

etwcap_status ev_create(etwcap_evidence **out, const char *source_name,
                        const etwcap_evidence_options *o)
{
    *out = NULL;
    etwcap_evidence *e = calloc(1, sizeof *e);
    if (!e)
        return ETWCAP_ERR_NOMEM;
    const char *base = source_name;
    for (const char *p = source_name; *p; p++)
        if (*p == '/' || *p == '\\')
            base = p + 1;
    e->children = !o->no_children;
    e->max_chains = o->max_chains ? o->max_chains : 8;
    e->sel_pid = malloc((o->npids ? o->npids : 1) * sizeof *e->sel_pid);
    if (!e->sel_pid || !(e->file_name = dup(base)) || etwcap_state_create(&e->state) != ETWCAP_OK ||
        etwcap_u64map_init(&e->provider_seen) != 0 || etwcap_u64map_init(&e->fn_index) != 0 ||
        etwcap_u64map_init(&e->chain_index) != 0 || etwcap_u64map_init(&e->fcache_index) != 0 ||
        copy_list(&e->sel_process, &e->nsel_process, o->processes, o->nprocesses, 0) != 0 ||
        copy_list(&e->sel_container, &e->nsel_container, o->containers, o->ncontainers, 1) != 0) {
        etwcap_evidence_free(e);
        return ETWCAP_ERR_NOMEM;
    }
    if (o->npids)
        memcpy(e->sel_pid, o->pids, o->npids * sizeof *e->sel_pid);
    e->nsel_pid = o->npids;
    *out = e;
    return ETWCAP_OK;
}

/* The container roots of the options ("GUID=DIR") into the symbolizer. */
static etwcap_status add_container_roots(etwcap_evidence *e, const etwcap_evidence_options *o,
                                         etwcap_diag *diag)
{
    for (size_t i = 0; i < o->ncontainer_roots; i++) {
        const char *r = o->container_roots[i], *eq = strchr(r, '=');
        char guid[40];
        size_t gn = eq ? (size_t)(eq - r) : 0;
        etwcap_status st = ETWCAP_ERR_ARG;
        if (eq && gn < sizeof guid) {
            memcpy(guid, r, gn);
            guid[gn] = '\0';
            st = etwcap_symbolizer_add_container_root(e->sym, guid, eq + 1);
        }
        if (st != ETWCAP_OK) {
            if (diag) {
                memset(diag, 0, sizeof *diag);
                diag->status = st;
                diag->buffer_index = -1;
                snprintf(diag->message, sizeof diag->message,
                         "--container-root '%.150s': expected GUID=DIR", r);
            }
            return st;
        }
    }
    return ETWCAP_OK;
}

etwcap_status ev_prepare_pass2(etwcap_evidence *e, const etwcap_evidence_options *o, int *ntargets,
                               etwcap_diag *diag)
{
    int n = ev_select_targets(e);
    e->ps = calloc(e->ntarget_slots ? e->ntarget_slots : 1, sizeof *e->ps);
    if (n < 0 || !e->ps)
        return ETWCAP_ERR_NOMEM;
    /* Without it (out of memory) frames go straight to the older cache. */
    e->ecache = calloc((size_t)1 << EV_EPOCH_CACHE_BITS, sizeof *e->ecache);
    etwcap_symbolizer_options so;
    memset(&so, 0, sizeof so);
    so.backend = (etwcap_symbolizer_backend)o->symbolizer;
    so.search_path = o->symbols;
    etwcap_status st = etwcap_symbolizer_create_opts(&e->sym, e->state, &so, diag);
    if (st == ETWCAP_OK)
        st = add_container_roots(e, o, diag);
    *ntargets = n;
    return st;
}

/* The file's SHA-256 (the document's `trace.sha256`). */
typedef struct hash_job {
    const char *path;
    char hex[65];
    int rc;
} hash_job;

static void hash_main(void *arg)
{
    hash_job *j = arg;
    j->rc = etwcap_sha256_file(j->path, j->hex);
}

etwcap_status etwcap_evidence_build(etwcap_evidence **out, const char *path,
                                    const etwcap_evidence_options *o,
                                    const etwcap_reader_options *ro, etwcap_diag *diag)
{
    etwcap_evidence *e = NULL;
    *out = NULL;
    if (ev_create(&e, path, o) != ETWCAP_OK)
        return ETWCAP_ERR_NOMEM;
    /* Hashing reads the whole file once more, at about 1 GB/s (OpenSSL): on
     * an uncompressed trace that is as long as pass 1. When more than one
     * thread is allowed, it runs beside pass 1; otherwise (or when no thread
     * starts) before it. */
    hash_job hj = {path, {0}, -1};
    uint32_t threads = ro && ro->version >= 2 ? ro->threads : 1;
    etwcap_thread *hasher = NULL;
    if ((threads == 0 ? etwcap_cpu_count() : threads) <= 1 ||
        etwcap_thread_start(&hasher, hash_main, &hj) != 0) {
        hasher = NULL;
        hash_main(&hj);
    }
    etwcap_status st = hj.rc == 0 || hasher ? pass1(e, path, ro, diag) : ETWCAP_OK;
    if (hasher)
        etwcap_thread_join(hasher);
    if (hj.rc != 0) {
        if (diag) {
            memset(diag, 0, sizeof *diag);
            diag->status = ETWCAP_ERR_IO;
            diag->buffer_index = -1;
            snprintf(diag->message, sizeof diag->message, "cannot read the file to hash it");
        }
        etwcap_evidence_free(e);
        return ETWCAP_ERR_IO;
    }
    memcpy(e->file_sha256, hj.hex, sizeof e->file_sha256);
    if (st == ETWCAP_OK)
        st = apply_sidecar(e, path, diag);
    if (st != ETWCAP_OK) {
        etwcap_evidence_free(e);
        return st;
    }
    int n = 0;
    if ((st = ev_prepare_pass2(e, o, &n, diag)) != ETWCAP_OK) {
        etwcap_evidence_free(e);
        return st;
    }
    *out = e;
    if (n == 0)
        return ETWCAP_END;
    return pass2(e, path, ro);
}

size_t etwcap_evidence_diag_count(const etwcap_evidence *e)
{
    return e->diags;
}

const etwcap_state *etwcap_evidence_state(const etwcap_evidence *e)
{
    return e->state;
}

void etwcap_evidence_free(etwcap_evidence *e)
{
    if (!e)
        return;
    ev_functions_free(e);
    for (size_t i = 0; i < e->nproviders; i++)
        free(e->providers[i]);
    free(e->providers);
    etwcap_u64map_free(&e->provider_seen);
    free(e->stack_fns);
    free(e->stack_chain);
    for (size_t i = 0; i < e->nsel_process; i++)
        free(e->sel_process[i]);
    free(e->sel_process);
    for (size_t i = 0; i < e->nsel_container; i++)
        free(e->sel_container[i]);
    free(e->sel_container);
    free(e->sel_pid);
    free(e->target);
    free(e->ps);
    free(e->file_name);
    etwcap_symbolizer_free(e->sym);
    etwcap_state_free(e->state);
    free(e);
}
