/* evidence_read.c - load an etwcap.evidence/v1 document
 * (docs/evidence-format.md) into etwcap_evdoc.
 *
 * Only the members `confirm` uses are checked and kept; their types are
 * checked, required ones must be present, and members this reader does not
 * know are allowed (the format may grow). An in-toto Statement written by
 * `etwcap evidence --attest` is accepted too: its predicate is the evidence.
 */
#include <stdlib.h>
#include <string.h>

#include "confirm/confirm_json.h"

#define EVIDENCE_SCHEMA "etwcap.evidence/v1"
#define INTOTO_PREFIX "https://in-toto.io/Statement/"

typedef struct ev_reader {
    cj_doc d;
    etwcap_evdoc *ev;
} ev_reader;

#define TRY(expr)                                  \
    do {                                           \
        etwcap_status st_ = (expr);                \
        if (st_ != ETWCAP_OK && st_ != ETWCAP_END) \
            return st_;                            \
    } while (0)

static etwcap_status need_object(const cj_doc *d, const json_t *v, const cj_path *p)
{
    if (!json_is_object(v))
        return cj_fail(d, p, "expected an object, found %s", cj_type_name(v));
    return ETWCAP_OK;
}

static etwcap_status read_pid(const cj_doc *d, const json_t *o, const cj_path *p, const char *key,
                              uint32_t *out)
{
    uint64_t v = 0;
    TRY(cj_u64(d, o, p, key, CJ_REQUIRED, UINT32_MAX, &v));
    *out = (uint32_t)v;
    return ETWCAP_OK;
}

static etwcap_status read_capture(ev_reader *r, const json_t *doc, const cj_path *dp)
{
    const cj_doc *d = &r->d;
    etwcap_evdoc *ev = r->ev;
    json_t *cap, *src = NULL, *prov = NULL;
    TRY(cj_object(d, doc, dp, "capture", CJ_REQUIRED, &cap));
    cj_path cp = {dp, "capture", 0};
    etwcap_status st = cj_object(d, cap, &cp, "source", CJ_NULLABLE, &src);
    if (st == ETWCAP_OK) {
        cj_path sp = {&cp, "source", 0};
        TRY(cj_string(d, src, &sp, "file", CJ_NULLABLE, &ev->source_file));
    } else if (st != ETWCAP_END) {
        return st;
    }
    TRY(cj_u64(d, cap, &cp, "events_total", 0, UINT64_MAX, &ev->events_total));
    TRY(cj_u64(d, cap, &cp, "events_lost", CJ_REQUIRED, UINT64_MAX, &ev->events_lost));
    TRY(cj_u64(d, cap, &cp, "buffers_lost", CJ_REQUIRED, UINT64_MAX, &ev->buffers_lost));
    TRY(cj_number(d, cap, &cp, "duration_ms", CJ_NULLABLE, &ev->duration_ms));
    TRY(cj_number(d, cap, &cp, "sample_interval_ms", CJ_NULLABLE, &ev->sample_interval_ms));
    st = cj_array(d, cap, &cp, "providers", CJ_NULLABLE, &prov);
    if (st != ETWCAP_OK)
        return st == ETWCAP_END ? ETWCAP_OK : st;
    size_t n = json_array_size(prov);
    ev->providers = calloc(n ? n : 1, sizeof *ev->providers);
    if (!ev->providers)
        return cj_nomem(d);
    cj_path pp = {&cp, "providers", 0};
    for (size_t i = 0; i < n; i++) {
        cj_path ip = {&pp, NULL, i};
        TRY(cj_elem_string(d, json_array_get(prov, i), &ip, 0, &ev->providers[i]));
    }
    ev->nproviders = n;
    return ETWCAP_OK;
}

static etwcap_status read_processes(ev_reader *r, const json_t *doc, const cj_path *dp)
{
    const cj_doc *d = &r->d;
    etwcap_evdoc *ev = r->ev;
    json_t *tgt, *procs;
    TRY(cj_object(d, doc, dp, "target", CJ_REQUIRED, &tgt));
    cj_path tp = {dp, "target", 0};
    TRY(cj_array(d, tgt, &tp, "processes", CJ_REQUIRED, &procs));
    cj_path pp = {&tp, "processes", 0};
    size_t n = json_array_size(procs);
    ev->processes = calloc(n ? n : 1, sizeof *ev->processes);
    if (!ev->processes)
        return cj_nomem(d);
    for (size_t i = 0; i < n; i++) {
        cj_path ip = {&pp, NULL, i};
        json_t *o = json_array_get(procs, i);
        etwcap_ev_process *p = &ev->processes[i];
        TRY(need_object(d, o, &ip));
        TRY(read_pid(d, o, &ip, "pid", &p->pid));
        TRY(cj_string(d, o, &ip, "image", CJ_NULLABLE, &p->image));
        ev->nprocesses = i + 1;
    }
    return ETWCAP_OK;
}

static etwcap_status read_modules(ev_reader *r, const json_t *doc, const cj_path *dp)
{
    const cj_doc *d = &r->d;
    etwcap_evdoc *ev = r->ev;
    json_t *mods;
    TRY(cj_array(d, doc, dp, "modules", CJ_REQUIRED, &mods));
    cj_path mp = {dp, "modules", 0};
    size_t n = json_array_size(mods);
    ev->modules = calloc(n ? n : 1, sizeof *ev->modules);
    if (!ev->modules)
        return cj_nomem(d);
    for (size_t i = 0; i < n; i++) {
        cj_path ip = {&mp, NULL, i};
        json_t *o = json_array_get(mods, i);
        etwcap_ev_module *m = &ev->modules[i];
        TRY(need_object(d, o, &ip));
        TRY(read_pid(d, o, &ip, "process", &m->process));
        TRY(cj_string(d, o, &ip, "path", CJ_REQUIRED, &m->path));
        TRY(cj_string(d, o, &ip, "kind", CJ_NULLABLE, &m->kind));
        TRY(cj_string(d, o, &ip, "first_load", CJ_NULLABLE, &m->first_load));
        ev->nmodules = i + 1;
    }
    return ETWCAP_OK;
}

static unsigned observed_flag(const char *s)
{
    if (!strcmp(s, "jit"))
        return ETWCAP_OBS_JIT;
    if (!strcmp(s, "r2r-entry"))
        return ETWCAP_OBS_R2R_ENTRY;
    if (!strcmp(s, "sampled"))
        return ETWCAP_OBS_SAMPLED;
    if (!strcmp(s, "on-stack"))
        return ETWCAP_OBS_ON_STACK;
    return ETWCAP_OBS_OTHER;
}

static etwcap_status read_chains(ev_reader *r, const json_t *o, const cj_path *fp,
                                 etwcap_ev_function *f)
{
    const cj_doc *d = &r->d;
    json_t *chains;
    etwcap_status st = cj_array(d, o, fp, "call_chains", CJ_NULLABLE, &chains);
    if (st != ETWCAP_OK)
        return st == ETWCAP_END ? ETWCAP_OK : st;
    cj_path cp = {fp, "call_chains", 0};
    size_t n = json_array_size(chains);
    f->chains = calloc(n ? n : 1, sizeof *f->chains);
    if (!f->chains)
        return cj_nomem(d);
    for (size_t i = 0; i < n; i++) {
        cj_path ip = {&cp, NULL, i};
        json_t *c = json_array_get(chains, i), *frames;
        etwcap_ev_chain *ch = &f->chains[i];
        TRY(need_object(d, c, &ip));
        TRY(cj_array(d, c, &ip, "frames", CJ_REQUIRED, &frames));
        TRY(cj_u64(d, c, &ip, "count", CJ_REQUIRED, UINT64_MAX, &ch->count));
        size_t nf = json_array_size(frames);
        ch->frames = calloc(nf ? nf : 1, sizeof *ch->frames);
        if (!ch->frames)
            return cj_nomem(d);
        f->nchains = i + 1;
        cj_path frp = {&ip, "frames", 0};
        for (size_t k = 0; k < nf; k++) {
            cj_path kp = {&frp, NULL, k};
            TRY(cj_elem_string(d, json_array_get(frames, k), &kp, 0, &ch->frames[k]));
        }
        ch->nframes = nf;
    }
    return ETWCAP_OK;
}

static etwcap_status read_function(ev_reader *r, const json_t *o, const cj_path *ip,
                                   etwcap_ev_function *f)
{
    const cj_doc *d = &r->d;
    const char *kind;
    json_t *obs;
    TRY(need_object(d, o, ip));
    TRY(cj_string(d, o, ip, "id", CJ_REQUIRED | CJ_NONEMPTY, &f->id));
    TRY(read_pid(d, o, ip, "process", &f->process));
    TRY(cj_string(d, o, ip, "module", CJ_REQUIRED, &f->module));
    TRY(cj_string(d, o, ip, "name", CJ_REQUIRED, &f->name));
    TRY(cj_string(d, o, ip, "signature", CJ_NULLABLE, &f->signature));
    TRY(cj_string(d, o, ip, "kind", CJ_REQUIRED, &kind));
    f->kind = !strcmp(kind, "managed")  ? ETWCAP_CODE_MANAGED
              : !strcmp(kind, "native") ? ETWCAP_CODE_NATIVE
                                        : ETWCAP_CODE_OTHER;
    TRY(cj_array(d, o, ip, "observed", CJ_REQUIRED, &obs));
    cj_path op = {ip, "observed", 0};
    for (size_t k = 0; k < json_array_size(obs); k++) {
        cj_path kp = {&op, NULL, k};
        const char *flag;
        TRY(cj_elem_string(d, json_array_get(obs, k), &kp, 0, &flag));
        f->observed |= observed_flag(flag);
    }
    TRY(cj_u64(d, o, ip, "samples", CJ_NULLABLE, UINT64_MAX, &f->samples));
    TRY(cj_string(d, o, ip, "first_seen", CJ_NULLABLE, &f->first_seen));
    TRY(cj_string(d, o, ip, "last_seen", CJ_NULLABLE, &f->last_seen));
    return read_chains(r, o, ip, f);
}

static etwcap_status read_functions(ev_reader *r, const json_t *doc, const cj_path *dp)
{
    const cj_doc *d = &r->d;
    etwcap_evdoc *ev = r->ev;
    json_t *fns;
    TRY(cj_array(d, doc, dp, "functions", CJ_REQUIRED, &fns));
    cj_path fp = {dp, "functions", 0};
    size_t n = json_array_size(fns);
    ev->functions = calloc(n ? n : 1, sizeof *ev->functions);
    if (!ev->functions)
        return cj_nomem(d);
    for (size_t i = 0; i < n; i++) {
        cj_path ip = {&fp, NULL, i};
        ev->nfunctions = i + 1; /* counted before reading: freed on error */
        TRY(read_function(r, json_array_get(fns, i), &ip, &ev->functions[i]));
    }
    return ETWCAP_OK;
}

static etwcap_status read_coverage(ev_reader *r, const json_t *doc, const cj_path *dp)
{
    const cj_doc *d = &r->d;
    etwcap_evdoc *ev = r->ev;
    json_t *cov;
    etwcap_status st = cj_object(d, doc, dp, "coverage", CJ_NULLABLE, &cov);
    if (st != ETWCAP_OK)
        return st == ETWCAP_END ? ETWCAP_OK : st;
    cj_path cp = {dp, "coverage", 0};
    TRY(cj_number(d, cov, &cp, "samples", CJ_NULLABLE, &ev->samples));
    TRY(cj_number(d, cov, &cp, "samples_with_stack", CJ_NULLABLE, &ev->samples_with_stack));
    TRY(cj_number(d, cov, &cp, "stack_fraction", CJ_NULLABLE, &ev->stack_fraction));
    return ETWCAP_OK;
}

static etwcap_status read_flag(const cj_doc *d, const json_t *o, const cj_path *p, const char *key,
                               int *out)
{
    json_t *v = json_object_get(o, key);
    *out = -1;
    if (!v)
        return ETWCAP_OK;
    if (!json_is_boolean(v)) {
        cj_path c = {p, key, 0};
        return cj_fail(d, &c, "expected a boolean, found %s", cj_type_name(v));
    }
    *out = json_is_true(v);
    return ETWCAP_OK;
}

/* An optional object or array member: NULL when absent or null. */
static etwcap_status opt_member(const cj_doc *d, const json_t *o, const cj_path *p, const char *key,
                                int array, json_t **out)
{
    etwcap_status st = array ? cj_array(d, o, p, key, CJ_NULLABLE, out)
                             : cj_object(d, o, p, key, CJ_NULLABLE, out);
    if (st == ETWCAP_END)
        *out = NULL;
    return st == ETWCAP_END ? ETWCAP_OK : st;
}

/* completeness[i]: what the capture could have seen of one target process
 * (docs/evidence-format.md); used for the detectability statements. */
static etwcap_status read_completeness_one(const cj_doc *d, const json_t *o, const cj_path *ip,
                                           etwcap_ev_completeness *c)
{
    json_t *w = NULL, *clr = NULL, *src = NULL;
    c->sample_interval_ms = c->duration_ms = c->samples = -1;
    c->user_fraction = c->frames_resolved = c->method_rundown_events = -1;
    c->whole_lifetime = c->started_before = c->rundown_start = c->rundown_end = -1;
    c->kernel_stacks = c->clr_jit_loader = c->clr_r2r_entry = -1;
    TRY(need_object(d, o, ip));
    TRY(read_pid(d, o, ip, "pid", &c->pid));
    TRY(cj_number(d, o, ip, "sample_interval_ms", CJ_NULLABLE, &c->sample_interval_ms));
    TRY(cj_number(d, o, ip, "duration_ms", CJ_NULLABLE, &c->duration_ms));
    TRY(cj_number(d, o, ip, "samples", CJ_NULLABLE, &c->samples));
    TRY(cj_number(d, o, ip, "samples_reaching_user_fraction", CJ_NULLABLE, &c->user_fraction));
    TRY(cj_number(d, o, ip, "frames_resolved_fraction", CJ_NULLABLE, &c->frames_resolved));
    TRY(opt_member(d, o, ip, "window", 0, &w));
    if (w) {
        cj_path wp = {ip, "window", 0};
        TRY(read_flag(d, w, &wp, "whole_lifetime", &c->whole_lifetime));
        TRY(read_flag(d, w, &wp, "started_before_capture", &c->started_before));
    }
    TRY(opt_member(d, o, ip, "clr", 0, &clr));
    if (clr) {
        cj_path cp = {ip, "clr", 0};
        TRY(read_flag(d, clr, &cp, "rundown_start", &c->rundown_start));
        TRY(read_flag(d, clr, &cp, "rundown_end", &c->rundown_end));
        TRY(cj_number(d, clr, &cp, "method_rundown_events", CJ_NULLABLE,
                      &c->method_rundown_events));
    }
    TRY(opt_member(d, o, ip, "sources", 0, &src));
    if (src) {
        cj_path sp = {ip, "sources", 0};
        TRY(read_flag(d, src, &sp, "kernel_stacks", &c->kernel_stacks));
        TRY(read_flag(d, src, &sp, "clr_jit_loader", &c->clr_jit_loader));
        TRY(read_flag(d, src, &sp, "clr_r2r_entry", &c->clr_r2r_entry));
    }
    return ETWCAP_OK;
}

static etwcap_status read_completeness(ev_reader *r, const json_t *doc, const cj_path *dp)
{
    const cj_doc *d = &r->d;
    etwcap_evdoc *ev = r->ev;
    json_t *arr = NULL;
    TRY(opt_member(d, doc, dp, "completeness", 1, &arr));
    if (!arr)
        return ETWCAP_OK;
    cj_path ap = {dp, "completeness", 0};
    size_t n = json_array_size(arr);
    ev->completeness = calloc(n ? n : 1, sizeof *ev->completeness);
    if (!ev->completeness)
        return cj_nomem(d);
    for (size_t i = 0; i < n; i++) {
        cj_path ip = {&ap, NULL, i};
        ev->ncompleteness = i + 1;
        TRY(read_completeness_one(d, json_array_get(arr, i), &ip, &ev->completeness[i]));
    }
    return ETWCAP_OK;
}

static etwcap_status read_doc(ev_reader *r)
{
    const cj_doc *d = &r->d;
    cj_path root = {NULL, NULL, 0};
    cj_path pred = {&root, "predicate", 0};
    const cj_path *dp = &root;
    const json_t *doc = d->root;
    const char *s;
    TRY(need_object(d, doc, &root));
    /* An in-toto Statement (--attest): the evidence is its predicate. */
    json_t *type = json_object_get(doc, "_type");
    if (json_is_string(type) &&
        !strncmp(json_string_value(type), INTOTO_PREFIX, strlen(INTOTO_PREFIX))) {
        json_t *p;
        TRY(cj_object(d, doc, &root, "predicate", CJ_REQUIRED, &p));
        doc = p;
        dp = &pred;
    }
    TRY(cj_string(d, doc, dp, "schema", CJ_REQUIRED, &s));
    if (strcmp(s, EVIDENCE_SCHEMA) != 0) {
        cj_path sp = {dp, "schema", 0};
        return cj_fail(d, &sp, "expected \"%s\", found \"%s\"", EVIDENCE_SCHEMA, s);
    }
    TRY(cj_string(d, doc, dp, "sha256", CJ_REQUIRED | CJ_NONEMPTY, &r->ev->sha256));
    TRY(read_capture(r, doc, dp));
    TRY(read_processes(r, doc, dp));
    TRY(read_modules(r, doc, dp));
    TRY(read_functions(r, doc, dp));
    TRY(read_completeness(r, doc, dp));
    return read_coverage(r, doc, dp);
}

etwcap_status etwcap_evdoc_parse(etwcap_evdoc **out, const char *text, size_t len, const char *name,
                                 etwcap_confirm_error *err)
{
    ev_reader r;
    *out = NULL;
    etwcap_status st = cj_parse(&r.d, text, len, name, err);
    if (st != ETWCAP_OK)
        return st;
    r.ev = calloc(1, sizeof *r.ev);
    if (!r.ev) {
        json_decref(r.d.root);
        return cj_nomem(&r.d);
    }
    r.ev->priv = r.d.root;
    r.ev->duration_ms = r.ev->sample_interval_ms = -1;
    r.ev->samples = r.ev->samples_with_stack = r.ev->stack_fraction = -1;
    st = read_doc(&r);
    if (st != ETWCAP_OK) {
        etwcap_evdoc_free(r.ev);
        return st;
    }
    *out = r.ev;
    return ETWCAP_OK;
}

etwcap_status etwcap_evdoc_load(etwcap_evdoc **out, const char *path, etwcap_confirm_error *err)
{
    char *text;
    size_t len;
    *out = NULL;
    etwcap_status st = cj_read_file(path, &text, &len, err);
    if (st != ETWCAP_OK)
        return st;
    st = etwcap_evdoc_parse(out, text, len, path, err);
    free(text);
    return st;
}

void etwcap_evdoc_free(etwcap_evdoc *ev)
{
    if (!ev)
        return;
    for (size_t i = 0; i < ev->nfunctions; i++) {
        etwcap_ev_function *f = &ev->functions[i];
        for (size_t k = 0; k < f->nchains; k++)
            free(f->chains[k].frames);
        free(f->chains);
    }
    free(ev->functions);
    free(ev->completeness);
    free(ev->modules);
    free(ev->processes);
    free(ev->providers);
    json_decref((json_t *)ev->priv);
    free(ev);
}
