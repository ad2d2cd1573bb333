/* verdict_reason.c - the plain-language reason of each verdict: what the
 * static claim says, what the trace shows (when, how, in which process),
 * the witness chain, and for a sink that was not observed a completeness
 * statement (losses, samples, stacks), so that "not observed" is never read
 * as "not reachable". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "confirm/confirm.h"
#include "confirm/strbuf.h"

static void add_how(cf_sb *b, unsigned how)
{
    static const struct {
        unsigned bit;
        const char *text;
    } words[] = {{ETWCAP_OBS_JIT, "JIT-compiled"},
                 {ETWCAP_OBS_R2R_ENTRY, "entered as precompiled (R2R) code"},
                 {ETWCAP_OBS_SAMPLED, "sampled on the CPU"},
                 {ETWCAP_OBS_ON_STACK, "seen on a sampled stack"},
                 {ETWCAP_OBS_OTHER, "observed otherwise"}};
    size_t n = 0, total = 0;
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        total += (how & words[i].bit) != 0;
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
        if (!(how & words[i].bit))
            continue;
        cf_sb_add(b, "%s%s", n == 0 ? "" : (n + 1 == total ? " and " : ", "), words[i].text);
        n++;
    }
}

void cf_sb_add_process(cf_sb *b, const struct etwcap_evdoc *ev, uint32_t pid)
{
    const char *image = NULL;
    for (size_t i = 0; i < ev->nprocesses && !image; i++)
        if (ev->processes[i].pid == pid)
            image = ev->processes[i].image;
    if (image)
        cf_sb_add(b, "pid %u (%s)", (unsigned)pid, image);
    else
        cf_sb_add(b, "pid %u", (unsigned)pid);
}

static void add_pids(cf_sb *b, const etwcap_evdoc *ev, const uint32_t *pids, size_t n)
{
    size_t shown = n > 5 ? 5 : n;
    for (size_t i = 0; i < shown; i++) {
        cf_sb_add(b, "%s", i == 0 ? "" : (i + 1 == n ? " and " : ", "));
        cf_sb_add_process(b, ev, pids[i]);
    }
    if (n > shown)
        cf_sb_add(b, " and %zu more", n - shown);
}

static void add_targets(cf_sb *b, const etwcap_evdoc *ev)
{
    cf_sb_add(b, "%zu target process%s", ev->nprocesses, ev->nprocesses == 1 ? "" : "es");
}

static void add_completeness(cf_sb *b, const etwcap_evdoc *ev)
{
    cf_sb_add(b, " Capture: %llu events and %llu buffers lost", (unsigned long long)ev->events_lost,
              (unsigned long long)ev->buffers_lost);
    if (ev->samples >= 0) {
        cf_sb_add(b, "; %.0f CPU samples", ev->samples);
        if (ev->samples > 0 && ev->samples_with_stack >= 0)
            cf_sb_add(b, ", %.0f%% with stacks", 100.0 * ev->samples_with_stack / ev->samples);
    }
    if (ev->sample_interval_ms > 0)
        cf_sb_add(b, ", one every %g ms", ev->sample_interval_ms);
    if (ev->duration_ms >= 0)
        cf_sb_add(b, " over %.0f ms", ev->duration_ms);
    cf_sb_add(b, ".");
}

static void add_static(cf_sb *b, const etwcap_claim *c, const char *sink)
{
    switch (c->static_verdict) {
    case ETWCAP_STATIC_REACHABLE:
        cf_sb_add(b, "Static analysis says %s is reachable", sink);
        break;
    case ETWCAP_STATIC_UNREACHABLE:
        cf_sb_add(b, "Static analysis says %s is unreachable", sink);
        break;
    case ETWCAP_STATIC_UNKNOWN:
        cf_sb_add(b, "The static verdict for %s is unknown", sink);
        break;
    default:
        cf_sb_add(b, "The claim gives no static verdict for %s", sink);
        break;
    }
}

static void add_observation(cf_sb *b, const etwcap_evdoc *ev, const etwcap_verdict *v)
{
    const etwcap_observation *o = &v->obs;
    cf_sb_add(b, "the trace shows it ran: ");
    add_how(b, o->how);
    cf_sb_add(b, " in ");
    add_pids(b, ev, o->pids, o->npids);
    if (o->first_seen && o->last_seen && strcmp(o->first_seen, o->last_seen) != 0)
        cf_sb_add(b, ", first at %s, last at %s", o->first_seen, o->last_seen);
    else if (o->first_seen)
        cf_sb_add(b, ", at %s", o->first_seen);
    cf_sb_add(b, ".");
    const etwcap_witness *w = &v->witness;
    if (!w->chain) {
        cf_sb_add(b, " No sampled call chain holds it.");
        return;
    }
    cf_sb_add(b, " The shortest call chain holding it has %zu frame%s (seen %llu time%s)",
              w->chain->nframes, w->chain->nframes == 1 ? "" : "s",
              (unsigned long long)w->chain->count, w->chain->count == 1 ? "" : "s");
    if (w->static_total)
        cf_sb_add(b, " and passes through %zu of the %zu static-path functions", w->static_hits,
                  w->static_total);
    cf_sb_add(b, ".");
}

static void add_module_state(cf_sb *b, const etwcap_evdoc *ev, const etwcap_verdict *v,
                             const etwcap_ev_module *loaded)
{
    const char *m = v->claim->sink_module;
    if (loaded) {
        cf_sb_add(b, "its module %s was loaded (%s in ", m, loaded->path);
        cf_sb_add_process(b, ev, loaded->process);
        cf_sb_add(b, ")");
    } else if (v->module_loaded) {
        cf_sb_add(b, "its module %s was loaded (other functions of it ran)", m);
    } else {
        cf_sb_add(b, "its module %s was never loaded", m);
    }
}

static const char *unobservable_why(const etwcap_evdoc *ev, const etwcap_claim *c)
{
    if (ev->nprocesses == 0)
        return "it holds no target process";
    return c->sink_kind == ETWCAP_CODE_MANAGED ? "it holds no CLR runtime events"
                                               : "it holds no sampled stacks";
}

char *etwcap_verdict_reason(const etwcap_evdoc *ev, const etwcap_verdict *v, int observable,
                            const etwcap_ev_module *loaded)
{
    const etwcap_claim *c = v->claim;
    cf_sb b = {NULL, 0, 0, 0};
    cf_sb sink = {NULL, 0, 0, 0};
    cf_sb_add(&sink, "%s!%s", c->sink_module, c->sink_name);
    if (sink.failed)
        return NULL;
    add_static(&b, c, sink.buf);
    switch (v->state) {
    case ETWCAP_V_CONFIRMED_REACHABLE:
    case ETWCAP_V_RUNTIME_OBSERVED:
        cf_sb_add(&b, ", and ");
        add_observation(&b, ev, v);
        break;
    case ETWCAP_V_CONTESTED:
        cf_sb_add(&b, ", but ");
        add_observation(&b, ev, v);
        cf_sb_add(&b, " The runtime observation contradicts the static verdict.");
        break;
    case ETWCAP_V_CONFIRMED_UNREACHABLE:
        cf_sb_add(
            &b,
            "; the trace did not observe it, and its module %s was never loaded in any target "
            "process (",
            c->sink_module);
        for (size_t i = 0; i < ev->nprocesses && i < 5; i++) {
            cf_sb_add(&b, "%s", i ? ", " : "");
            cf_sb_add_process(&b, ev, ev->processes[i].pid);
        }
        if (ev->nprocesses > 5)
            cf_sb_add(&b, " and %zu more", ev->nprocesses - 5);
        cf_sb_add(&b,
                  ") while no events or buffers were lost, so it did not run during the capture.");
        add_completeness(&b, ev);
        break;
    case ETWCAP_V_STATIC_UNREACHABLE:
    case ETWCAP_V_STATIC_REACHABLE:
    case ETWCAP_V_RUNTIME_UNOBSERVED:
        cf_sb_add(&b, "; the trace did not observe it in the ");
        add_targets(&b, ev);
        if (!observable) {
            cf_sb_add(&b, ", and cannot: %s", unobservable_why(ev, c));
        } else {
            cf_sb_add(&b,
                      " (no matching function was JIT-compiled, entered, sampled or on a stack); ");
            add_module_state(&b, ev, v, loaded);
        }
        if (v->state == ETWCAP_V_STATIC_REACHABLE)
            cf_sb_add(&b, ". Absence of observation does not refute static reachability: the path "
                          "may not have run during the capture.");
        else if (v->state == ETWCAP_V_RUNTIME_UNOBSERVED)
            cf_sb_add(&b, ". Absence of observation alone does not show that it is unreachable.");
        else if (observable && !v->module_loaded && ev->nmodules == 0)
            cf_sb_add(&b, ", but the evidence lists no modules, so this does not confirm it.");
        else if (observable && !v->module_loaded)
            cf_sb_add(&b,
                      ", but events or buffers were lost, so a load may be missing and this does "
                      "not confirm it.");
        else
            cf_sb_add(&b, ", so this does not confirm it.");
        add_completeness(&b, ev);
        break;
    case ETWCAP_V_UNKNOWN:
    default:
        cf_sb_add(&b, ", and the evidence cannot observe it: %s.", unobservable_why(ev, c));
        break;
    }
    /* Which detectability statement applies, and why (detect.c). */
    if (v->detect.statement)
        cf_sb_add(&b, " %s", v->detect.statement);
    free(sink.buf);
    if (b.failed) {
        free(b.buf);
        return NULL;
    }
    return b.buf;
}
