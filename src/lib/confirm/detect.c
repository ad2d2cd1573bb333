/* detect.c - the detectability statement of a verdict (docs/verdicts.md,
 * "Detectability"): what the capture could have seen of the sink, so that
 * absence is qualified by what would have been visible.
 *
 * Managed sinks rest on first-call events: the CLR emits MethodLoad(Verbose)
 * when it JIT-compiles a method and R2RGetEntryPoint when a precompiled
 * method is first called (etl-format.md §4.3). Where those events were on,
 * absence is exact, except for methods that were inlined into a caller (no
 * event of their own), that were compiled before the capture (the process
 * started before it; rundown describes such methods but does not say that
 * they ran), and precompiled code when the capture has no R2R entry events.
 *
 * Native sinks rest on sampling. Each CPU is sampled every T ms (PerfInfo
 * SampledProfile interval, etl-format.md §3.7). A function that used C ms of
 * CPU in total is, over many short runs spread across the capture, hit by a
 * Poisson number of samples with mean C / T. Only samples whose stacks reach
 * user mode can name a user-mode function that called into the kernel; with
 * u that share, the attributable hits are Poisson with mean u * C / T
 * (thinning). P(no hit) = exp(-u C / T) <= 0.05 gives
 *     C >= T * ln(20) / u      (ln 20 = 2.9957...)
 * per target process, from that process's own completeness record.
 */
#include <stdlib.h>
#include <string.h>

#include "confirm/confirm.h"
#include "confirm/strbuf.h"

static const char *const limit_names[ETWCAP_LIMIT_COUNT] = {"inlined",
                                                            "before-capture",
                                                            "precompiled-without-r2r-events",
                                                            "events-lost",
                                                            "stacks-not-reaching-user",
                                                            "unresolved-frames",
                                                            "sampling-interval-unknown"};

const char *etwcap_detect_limit_name(unsigned i)
{
    return i < ETWCAP_LIMIT_COUNT ? limit_names[i] : "?";
}

/* P(miss) = 5 %: ln(1 / 0.05). */
#define LN20 2.995732273553991

static void managed(const etwcap_evdoc *ev, etwcap_verdict *v, int observable,
                    const etwcap_ev_module *loaded, cf_sb *b)
{
    etwcap_detectability *d = &v->detect;
    const etwcap_claim *c = v->claim;
    if (!observable) {
        d->basis = ETWCAP_DETECT_NONE;
        cf_sb_add(b,
                  "Detectability: none. The capture has %s, so JIT and R2R first-call events "
                  "could not have named %s!%s; its absence says nothing.",
                  ev->nprocesses ? "no CLR runtime events" : "no target process", c->sink_module,
                  c->sink_name);
        return;
    }
    d->basis = ETWCAP_DETECT_FIRST_CALL;
    if (v->obs.how & (ETWCAP_OBS_JIT | ETWCAP_OBS_R2R_ENTRY)) {
        d->exact = 1;
        cf_sb_add(b,
                  "Detectability: exact. A %s event names the method, and the CLR emits one "
                  "when it first compiles or enters a method, so this observation does not "
                  "depend on sampling.",
                  (v->obs.how & ETWCAP_OBS_JIT) ? "JIT (MethodLoadVerbose)" : "R2R first-call");
        return;
    }
    /* No first-call event: name what could still hide the method. */
    d->limits |= ETWCAP_LIMIT_INLINED;
    int r2r = 0, before = 0;
    for (size_t i = 0; i < ev->ncompleteness; i++) {
        r2r |= ev->completeness[i].clr_r2r_entry == 1;
        before |= ev->completeness[i].started_before == 1;
    }
    if (before)
        d->limits |= ETWCAP_LIMIT_BEFORE_CAPTURE;
    if (!r2r)
        d->limits |= ETWCAP_LIMIT_PRECOMPILED;
    if (ev->events_lost || ev->buffers_lost)
        d->limits |= ETWCAP_LIMIT_EVENTS_LOST;
    cf_sb_add(b, "Detectability: first-call events, exact except for inlined or pre-capture "
                 "code. No JIT or R2R first-call event names the method");
    if (v->obs.observed)
        cf_sb_add(b, " (it was seen on sampled stacks only)");
    if (loaded) {
        cf_sb_add(b, ", although its module %s was loaded (%s in ", c->sink_module, loaded->path);
        cf_sb_add_process(b, ev, loaded->process);
        cf_sb_add(b, ")");
    } else if (v->module_loaded) {
        cf_sb_add(b, ", although its module %s was loaded", c->sink_module);
    } else {
        cf_sb_add(b, ", and its module %s was never loaded in a target process", c->sink_module);
    }
    cf_sb_add(b, ". JIT and R2R first-call events make absence exact for code compiled or first "
                 "entered during the capture; the exceptions are a method inlined into its "
                 "callers (it has no event of its own) and a method that ran before the capture "
                 "without rundown");
    if (before) {
        cf_sb_add(b, " (");
        int n = 0;
        for (size_t i = 0; i < ev->ncompleteness; i++) {
            const etwcap_ev_completeness *k = &ev->completeness[i];
            if (k->started_before != 1)
                continue;
            cf_sb_add(b, "%s", n++ ? ", " : "");
            cf_sb_add_process(b, ev, k->pid);
            cf_sb_add(b, k->rundown_start == 1 || k->rundown_end == 1
                             ? " started before the capture; its CLR rundown lists methods "
                               "compiled earlier but does not say that they ran"
                             : " started before the capture, and no CLR rundown describes it");
        }
        cf_sb_add(b, ")");
    } else if (ev->ncompleteness) {
        cf_sb_add(b, " (not the case here: every target process started inside the capture)");
    }
    cf_sb_add(b, ".");
    if (!r2r)
        cf_sb_add(b, " The capture has no R2R entry events, so precompiled (NGen or "
                     "ReadyToRun) code could also have run unseen.");
    if (d->limits & ETWCAP_LIMIT_EVENTS_LOST)
        cf_sb_add(b, " Events were lost, so a first-call event may be missing.");
}

static etwcap_status native(const etwcap_evdoc *ev, etwcap_verdict *v, int observable, cf_sb *b)
{
    etwcap_detectability *d = &v->detect;
    if (!observable) {
        d->basis = ETWCAP_DETECT_NONE;
        cf_sb_add(b,
                  "Detectability: none. The capture has %s, so %s!%s could not have been "
                  "sampled; its absence says nothing.",
                  ev->nprocesses ? "no sampled stacks" : "no target process", v->claim->sink_module,
                  v->claim->sink_name);
        return ETWCAP_OK;
    }
    d->basis = ETWCAP_DETECT_SAMPLING;
    d->min_cpu_ms = -1;
    d->bounds = calloc(ev->ncompleteness ? ev->ncompleteness : 1, sizeof *d->bounds);
    if (!d->bounds)
        return ETWCAP_ERR_NOMEM;
    d->nbounds = ev->ncompleteness;
    cf_sb_add(b, "Detectability: sampling (Poisson model, 95 %%: C = T * ln 20 / u, T the "
                 "sampling interval, u the share of samples whose stacks reach user mode).");
    for (size_t i = 0; i < ev->ncompleteness; i++) {
        const etwcap_ev_completeness *k = &ev->completeness[i];
        etwcap_detect_bound *bd = &d->bounds[i];
        bd->c = k;
        bd->min_cpu_ms = -1;
        cf_sb_add(b, " In ");
        cf_sb_add_process(b, ev, k->pid);
        if (k->sample_interval_ms <= 0) {
            d->limits |= ETWCAP_LIMIT_NO_INTERVAL;
            cf_sb_add(b, " the trace does not give the sampling interval, so no CPU-time bound "
                         "can be stated.");
            continue;
        }
        if (k->samples == 0) {
            /* Not sampled at all: u cannot be measured; the bound assumes
             * that stacks reach user mode. */
            bd->min_cpu_ms = k->sample_interval_ms * LN20;
            if (bd->min_cpu_ms > d->min_cpu_ms)
                d->min_cpu_ms = bd->min_cpu_ms;
            cf_sb_add(b,
                      " no CPU sample fell: a native function that ran at least %.2f ms of CPU "
                      "in total would have been sampled with 95%% probability (one sample "
                      "every %g ms; no stack was seen to measure how many reach user mode).",
                      bd->min_cpu_ms, k->sample_interval_ms);
            continue;
        }
        if (k->samples < 0 || k->user_fraction <= 0) {
            d->limits |= ETWCAP_LIMIT_KERNEL_ONLY;
            cf_sb_add(b,
                      " no sample's stack reached user mode (%.0f samples), so a user-mode "
                      "function could not have been seen.",
                      k->samples > 0 ? k->samples : 0.0);
            continue;
        }
        bd->min_cpu_ms = k->sample_interval_ms * LN20 / k->user_fraction;
        if (bd->min_cpu_ms > d->min_cpu_ms)
            d->min_cpu_ms = bd->min_cpu_ms;
        cf_sb_add(b,
                  " a native function that ran at least %.2f ms of CPU in total would have "
                  "been sampled with 95%% probability (one sample every %g ms",
                  bd->min_cpu_ms, k->sample_interval_ms);
        if (k->duration_ms >= 0)
            cf_sb_add(b, " over %.1f s", k->duration_ms / 1000.0);
        cf_sb_add(b, ", %.0f samples, %.2f%% reaching user mode)", k->samples,
                  100.0 * k->user_fraction);
        if (k->user_fraction < 1) {
            d->limits |= ETWCAP_LIMIT_KERNEL_ONLY;
            cf_sb_add(b, "; stacks that stop in the kernel cannot show user-mode callers, which "
                         "raises the bound");
        }
        if (k->frames_resolved >= 0 && k->frames_resolved < 1) {
            d->limits |= ETWCAP_LIMIT_UNRESOLVED;
            cf_sb_add(b,
                      "; only %.1f%% of its frames resolved to a function name, and a frame "
                      "in a module without symbols or exports cannot match the sink by name",
                      100.0 * k->frames_resolved);
        }
        cf_sb_add(b, ".");
    }
    if (!ev->ncompleteness)
        cf_sb_add(b, " The evidence has no completeness records, so no CPU-time bound can be "
                     "stated.");
    if (ev->events_lost || ev->buffers_lost) {
        d->limits |= ETWCAP_LIMIT_EVENTS_LOST;
        cf_sb_add(b, " Events were lost, so samples may be missing.");
    }
    return ETWCAP_OK;
}

etwcap_status etwcap_detect_compute(const etwcap_evdoc *ev, etwcap_verdict *v, int observable,
                                    const etwcap_ev_module *loaded)
{
    cf_sb b = {NULL, 0, 0, 0};
    v->detect.min_cpu_ms = -1;
    if (v->claim->sink_kind == ETWCAP_CODE_MANAGED) {
        managed(ev, v, observable, loaded, &b);
    } else if (native(ev, v, observable, &b) != ETWCAP_OK) {
        free(b.buf);
        return ETWCAP_ERR_NOMEM;
    }
    if (b.failed || !b.buf) {
        free(b.buf);
        return ETWCAP_ERR_NOMEM;
    }
    v->detect.statement = b.buf;
    return ETWCAP_OK;
}

void etwcap_detect_free(etwcap_detectability *d)
{
    free(d->bounds);
    free(d->statement);
    d->bounds = NULL;
    d->statement = NULL;
}
