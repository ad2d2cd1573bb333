/* verdict.c - place each claim in the verdict lattice (docs/verdicts.md).
 *
 * For a claim, the evidence is searched for:
 *   - the observation: every function of the sink's kind whose module and
 *     name match the sink (match.c) and that the evidence marks observed
 *     (jit, r2r-entry, sampled, on-stack), with the union of those flags,
 *     the earliest first_seen, the latest last_seen and the processes;
 *   - the witness: among the call chains of all functions, the shortest one
 *     (fewest frames; then the most counted; then the first in evidence
 *     order) with a frame that matches the sink, and the share of the
 *     claim's static-path functions it passes through. A chain that holds
 *     the sink is itself an observation (on-stack) in its function's process;
 *   - whether the sink's module was loaded: a module of the evidence (the
 *     target processes' modules) or a function of any name in that module.
 *
 * The state then follows this table (the same as docs/verdicts.md):
 *
 *   static verdict       observed  other conditions                        state
 *   reachable            yes                                               ConfirmedReachable
 *   unreachable          yes                                               Contested
 *   none / unknown       yes                                               RuntimeObserved
 *   reachable            no                                                StaticReachable
 *   unreachable          no        module never loaded in any target,      ConfirmedUnreachable
 *                                  evidence able to observe the sink,
 *                                  modules listed, no events/buffers lost
 *   unreachable          no        otherwise                               StaticUnreachable
 *   none / unknown       no        evidence able to observe the sink       RuntimeUnobserved
 *   none / unknown       no        evidence unable to observe the sink     Unknown
 *
 * "Able to observe": the evidence has a target process and, for a managed
 * sink, CLR runtime events (the Microsoft-Windows-DotNETRuntime provider -
 * rundown alone does not see methods being compiled or entered - or a
 * managed function); for a native sink, sampled stacks (coverage samples
 * with stacks, or a function sampled or on a stack). Absence of observation
 * never confirms anything by itself: only ConfirmedUnreachable rests on a
 * not-observed sink, and it needs the static verdict and the module's
 * absence as well.
 */
#include <stdlib.h>
#include <string.h>

#include "confirm/confirm.h"

static const char *const state_names[ETWCAP_V_NSTATES] = {
    "Unknown",           "StaticReachable",    "StaticUnreachable",    "RuntimeObserved",
    "RuntimeUnobserved", "ConfirmedReachable", "ConfirmedUnreachable", "Contested"};

const char *etwcap_verdict_state_name(etwcap_verdict_state s)
{
    return (unsigned)s < ETWCAP_V_NSTATES ? state_names[s] : "?";
}

int etwcap_verdict_state_parse(const char *s, size_t n, etwcap_verdict_state *out)
{
    for (int i = 0; i < ETWCAP_V_NSTATES; i++) {
        const char *name = state_names[i];
        if (strlen(name) != n)
            continue;
        size_t k = 0;
        for (; k < n; k++) {
            char a = s[k], b = name[k];
            if (a >= 'A' && a <= 'Z')
                a = (char)(a - 'A' + 'a');
            if (b >= 'A' && b <= 'Z')
                b = (char)(b - 'A' + 'a');
            if (a != b)
                break;
        }
        if (k == n) {
            *out = (etwcap_verdict_state)i;
            return 0;
        }
    }
    return -1;
}

/* ------------------------------------------------------------- context -- */

typedef struct ctx {
    const etwcap_evdoc *ev;
    int has_targets, clr_seen, stacks_seen, complete;
} ctx;

/* Per-claim canonical forms. */
typedef struct claim_keys {
    char *module_key, *canon;
    char **path_keys, **path_canon; /* per static-path entry; key NULL: any module */
} claim_keys;

static void add_pid(etwcap_observation *o, uint32_t pid)
{
    size_t i = 0;
    while (i < o->npids && o->pids[i] < pid)
        i++;
    if (i < o->npids && o->pids[i] == pid)
        return;
    memmove(o->pids + i + 1, o->pids + i, (o->npids - i) * sizeof *o->pids);
    o->pids[i] = pid;
    o->npids++;
}

static void free_keys(claim_keys *k, size_t npath)
{
    for (size_t i = 0; k->path_keys && i < npath; i++) {
        free(k->path_keys[i]);
        free(k->path_canon[i]);
    }
    free(k->path_keys);
    free(k->path_canon);
    free(k->module_key);
    free(k->canon);
}

static etwcap_status make_keys(const etwcap_claim *c, claim_keys *k)
{
    memset(k, 0, sizeof *k);
    k->module_key = etwcap_match_module_key(c->sink_module);
    k->canon = etwcap_match_canon_name(c->sink_name);
    size_t n = c->nstatic_path ? c->nstatic_path : 1;
    k->path_keys = calloc(n, sizeof *k->path_keys);
    k->path_canon = calloc(n, sizeof *k->path_canon);
    if (!k->module_key || !k->canon || !k->path_keys || !k->path_canon)
        return ETWCAP_ERR_NOMEM;
    for (size_t i = 0; i < c->nstatic_path; i++) {
        const char *e = c->static_path[i], *bang = strchr(e, '!');
        if (bang) {
            size_t mn = (size_t)(bang - e);
            char *m = malloc(mn + 1);
            if (!m)
                return ETWCAP_ERR_NOMEM;
            memcpy(m, e, mn);
            m[mn] = '\0';
            k->path_keys[i] = etwcap_match_module_key(m);
            free(m);
            if (!k->path_keys[i])
                return ETWCAP_ERR_NOMEM;
            e = bang + 1;
        }
        k->path_canon[i] = etwcap_match_canon_name(e);
        if (!k->path_canon[i])
            return ETWCAP_ERR_NOMEM;
    }
    return ETWCAP_OK;
}

/* Does a frame match static-path entry i? -1: out of memory. */
static int entry_matches(const claim_keys *k, size_t i, const char *frame)
{
    if (k->path_keys[i])
        return etwcap_match_frame(frame, k->path_keys[i], k->path_canon[i]);
    const char *bang = strchr(frame, '!');
    return etwcap_match_name(k->path_canon[i], bang ? bang + 1 : frame);
}

/* --------------------------------------------------------- the search -- */

static etwcap_status observe(const ctx *x, const etwcap_claim *c, const claim_keys *k,
                             etwcap_verdict *v, const etwcap_ev_module **loaded)
{
    const etwcap_evdoc *ev = x->ev;
    etwcap_observation *o = &v->obs;
    size_t nf = ev->nfunctions ? ev->nfunctions : 1;
    o->functions = malloc(nf * sizeof *o->functions);
    o->pids = malloc(nf * sizeof *o->pids);
    if (!o->functions || !o->pids)
        return ETWCAP_ERR_NOMEM;
    for (size_t i = 0; i < ev->nmodules; i++) {
        if (etwcap_match_module(ev->modules[i].path, k->module_key)) {
            v->module_loaded = 1;
            *loaded = &ev->modules[i];
            break;
        }
    }
    int other_kind = 0; /* the name exists, but as the other kind of code */
    for (size_t i = 0; i < ev->nfunctions; i++) {
        const etwcap_ev_function *f = &ev->functions[i];
        if (!etwcap_match_module(f->module, k->module_key))
            continue;
        v->module_loaded = 1;
        int m = etwcap_match_name(k->canon, f->name);
        if (m < 0)
            return ETWCAP_ERR_NOMEM;
        if (m && f->kind != c->sink_kind)
            other_kind = 1;
        if (!m || f->kind != c->sink_kind || !f->observed)
            continue;
        o->functions[o->nfunctions++] = i;
        o->how |= f->observed;
        o->samples += f->samples;
        if (f->first_seen && (!o->first_seen || strcmp(f->first_seen, o->first_seen) < 0))
            o->first_seen = f->first_seen;
        if (f->last_seen && (!o->last_seen || strcmp(f->last_seen, o->last_seen) > 0))
            o->last_seen = f->last_seen;
        add_pid(o, f->process);
    }
    /* The witness: the shortest chain holding the sink. Frames carry no
     * kind: when the evidence knows the name only as the other kind of code,
     * its frames are that code, not the sink. */
    etwcap_witness *w = &v->witness;
    for (size_t i = 0; i < ev->nfunctions && !(other_kind && !o->nfunctions); i++) {
        const etwcap_ev_function *f = &ev->functions[i];
        for (size_t j = 0; j < f->nchains; j++) {
            const etwcap_ev_chain *ch = &f->chains[j];
            int hit = 0;
            for (size_t n = 0; n < ch->nframes && !hit; n++) {
                hit = etwcap_match_frame(ch->frames[n], k->module_key, k->canon);
                if (hit < 0)
                    return ETWCAP_ERR_NOMEM;
            }
            if (!hit)
                continue;
            o->how |= ETWCAP_OBS_ON_STACK; /* the sink ran in this chain's process */
            add_pid(o, f->process);
            v->module_loaded = 1;
            if (!w->chain || ch->nframes < w->chain->nframes ||
                (ch->nframes == w->chain->nframes && ch->count > w->chain->count)) {
                w->chain = ch;
                w->function = i;
            }
        }
    }
    o->observed = o->nfunctions > 0 || w->chain != NULL;
    if (w->chain && c->has_static_path) {
        w->static_total = c->nstatic_path;
        for (size_t i = 0; i < c->nstatic_path; i++) {
            for (size_t n = 0; n < w->chain->nframes; n++) {
                int m = entry_matches(k, i, w->chain->frames[n]);
                if (m < 0)
                    return ETWCAP_ERR_NOMEM;
                if (m) {
                    w->static_hits++;
                    break;
                }
            }
        }
    }
    return ETWCAP_OK;
}

static int observable(const ctx *x, const etwcap_claim *c)
{
    if (!x->has_targets)
        return 0;
    return c->sink_kind == ETWCAP_CODE_MANAGED ? x->clr_seen : x->stacks_seen;
}

static etwcap_verdict_state decide(const ctx *x, const etwcap_claim *c, const etwcap_verdict *v)
{
    etwcap_static_verdict sv = c->static_verdict;
    if (v->obs.observed) {
        if (sv == ETWCAP_STATIC_REACHABLE)
            return ETWCAP_V_CONFIRMED_REACHABLE;
        if (sv == ETWCAP_STATIC_UNREACHABLE)
            return ETWCAP_V_CONTESTED;
        return ETWCAP_V_RUNTIME_OBSERVED;
    }
    if (sv == ETWCAP_STATIC_REACHABLE)
        return ETWCAP_V_STATIC_REACHABLE;
    if (sv == ETWCAP_STATIC_UNREACHABLE)
        return (observable(x, c) && x->ev->nmodules > 0 && x->complete && !v->module_loaded)
                   ? ETWCAP_V_CONFIRMED_UNREACHABLE
                   : ETWCAP_V_STATIC_UNREACHABLE;
    return observable(x, c) ? ETWCAP_V_RUNTIME_UNOBSERVED : ETWCAP_V_UNKNOWN;
}

static etwcap_status compute_one(const ctx *x, const etwcap_claim *c, etwcap_verdict *v)
{
    claim_keys k;
    const etwcap_ev_module *loaded = NULL;
    v->claim = c;
    etwcap_status st = make_keys(c, &k);
    if (st == ETWCAP_OK)
        st = observe(x, c, &k, v, &loaded);
    free_keys(&k, c->nstatic_path);
    if (st != ETWCAP_OK)
        return st;
    v->state = decide(x, c, v);
    st = etwcap_detect_compute(x->ev, v, observable(x, c), loaded);
    if (st != ETWCAP_OK)
        return st;
    v->reason = etwcap_verdict_reason(x->ev, v, observable(x, c), loaded);
    return v->reason ? ETWCAP_OK : ETWCAP_ERR_NOMEM;
}

etwcap_status etwcap_verdicts_compute(etwcap_verdicts **out, const etwcap_evdoc *ev,
                                      const etwcap_claims *claims)
{
    *out = NULL;
    ctx x = {ev, ev->nprocesses > 0, 0, ev->samples_with_stack > 0,
             ev->events_lost == 0 && ev->buffers_lost == 0};
    for (size_t i = 0; i < ev->nproviders; i++)
        if (!strcmp(ev->providers[i], "Microsoft-Windows-DotNETRuntime")) /* not Rundown */
            x.clr_seen = 1;
    for (size_t i = 0; i < ev->nfunctions; i++) {
        if (ev->functions[i].kind == ETWCAP_CODE_MANAGED)
            x.clr_seen = 1;
        if (ev->functions[i].observed & (ETWCAP_OBS_SAMPLED | ETWCAP_OBS_ON_STACK))
            x.stacks_seen = 1;
    }
    etwcap_verdicts *vs = calloc(1, sizeof *vs);
    if (!vs)
        return ETWCAP_ERR_NOMEM;
    vs->ev = ev;
    vs->v = calloc(claims->nclaims ? claims->nclaims : 1, sizeof *vs->v);
    if (!vs->v) {
        free(vs);
        return ETWCAP_ERR_NOMEM;
    }
    for (size_t i = 0; i < claims->nclaims; i++) {
        vs->n = i + 1;
        etwcap_status st = compute_one(&x, &claims->claims[i], &vs->v[i]);
        if (st != ETWCAP_OK) {
            etwcap_verdicts_free(vs);
            return st;
        }
    }
    *out = vs;
    return ETWCAP_OK;
}

void etwcap_verdicts_free(etwcap_verdicts *vs)
{
    if (!vs)
        return;
    for (size_t i = 0; i < vs->n; i++) {
        free(vs->v[i].obs.functions);
        free(vs->v[i].obs.pids);
        free(vs->v[i].reason);
        etwcap_detect_free(&vs->v[i].detect);
    }
    free(vs->v);
    free(vs);
}
