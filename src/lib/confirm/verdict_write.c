/* verdict_write.c - etwcap.verdicts/v1 output.
 *
 *   {"schema": "etwcap.verdicts/v1",
 *    "evidence_sha256": "<the evidence document's sha256>",
 *    "completeness": {"events_lost", "buffers_lost", "samples", "stack_fraction",
 *                     "sample_interval_ms", "duration_ms", "target_processes"},
 *    "verdicts": [                      // one per claim, in the claims' order
 *      {"claim", "vulnerability", "state",
 *       "sink": {"module", "name", "kind"},
 *       "static_verdict": "reachable" | "unreachable" | "unknown" | null,
 *       "module_loaded": true | false,
 *       "observation": {"first_seen", "last_seen", "how": [...], "samples",
 *                       "processes": [{"pid", "image"}],
 *                       "functions": [{"id", "process", "module", "name", "signature"}]} | null,
 *       "witness": {"function", "frames": [...], "count", "static_path_fraction"} | null,
 *       "detectability": {"basis", "exact", "limits": [...], "min_cpu_ms",
 *                         "processes": [{"pid", "sample_interval_ms", "duration_ms",
 *                                        "samples", "samples_reaching_user_fraction",
 *                                        "min_cpu_ms"}],
 *                         "statement"},
 *       "reason": "..."}]}
 *
 * Member order is fixed and arrays follow the claims and the evidence, so
 * the same inputs give the same bytes. A file is written through a
 * temporary file renamed into place (common/outfile.h): an error leaves no
 * file behind.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/outfile.h"
#include "confirm/confirm.h"
#include "output/json.h"

static void str_or_null(etwcap_json *j, const char *key, const char *s)
{
    etwcap_json_key(j, key);
    if (s)
        etwcap_json_str(j, s);
    else
        etwcap_json_null(j);
}

static void num_or_null(etwcap_json *j, const char *key, double v)
{
    etwcap_json_key(j, key);
    if (v >= 0)
        etwcap_json_number(j, v);
    else
        etwcap_json_null(j);
}

static void write_how(etwcap_json *j, unsigned how)
{
    /* The evidence's order (sorted names). */
    etwcap_json_key(j, "how");
    etwcap_json_arr_begin(j);
    if (how & ETWCAP_OBS_JIT)
        etwcap_json_str(j, "jit");
    if (how & ETWCAP_OBS_ON_STACK)
        etwcap_json_str(j, "on-stack");
    if (how & ETWCAP_OBS_R2R_ENTRY)
        etwcap_json_str(j, "r2r-entry");
    if (how & ETWCAP_OBS_SAMPLED)
        etwcap_json_str(j, "sampled");
    etwcap_json_arr_end(j);
}

static void write_observation(etwcap_json *j, const etwcap_evdoc *ev, const etwcap_observation *o)
{
    etwcap_json_key(j, "observation");
    if (!o->observed) {
        etwcap_json_null(j);
        return;
    }
    etwcap_json_obj_begin(j);
    str_or_null(j, "first_seen", o->first_seen);
    str_or_null(j, "last_seen", o->last_seen);
    write_how(j, o->how);
    etwcap_json_key(j, "samples");
    etwcap_json_u64(j, o->samples);
    etwcap_json_key(j, "processes");
    etwcap_json_arr_begin(j);
    for (size_t i = 0; i < o->npids; i++) {
        const char *image = NULL;
        for (size_t k = 0; k < ev->nprocesses && !image; k++)
            if (ev->processes[k].pid == o->pids[i])
                image = ev->processes[k].image;
        etwcap_json_obj_begin(j);
        etwcap_json_key(j, "pid");
        etwcap_json_u64(j, o->pids[i]);
        str_or_null(j, "image", image);
        etwcap_json_obj_end(j);
    }
    etwcap_json_arr_end(j);
    etwcap_json_key(j, "functions");
    etwcap_json_arr_begin(j);
    for (size_t i = 0; i < o->nfunctions; i++) {
        const etwcap_ev_function *f = &ev->functions[o->functions[i]];
        etwcap_json_obj_begin(j);
        etwcap_json_key(j, "id");
        etwcap_json_str(j, f->id);
        etwcap_json_key(j, "process");
        etwcap_json_u64(j, f->process);
        etwcap_json_key(j, "module");
        etwcap_json_str(j, f->module);
        etwcap_json_key(j, "name");
        etwcap_json_str(j, f->name);
        str_or_null(j, "signature", f->signature);
        etwcap_json_obj_end(j);
    }
    etwcap_json_arr_end(j);
    etwcap_json_obj_end(j);
}

static void write_witness(etwcap_json *j, const etwcap_evdoc *ev, const etwcap_witness *w)
{
    etwcap_json_key(j, "witness");
    if (!w->chain) {
        etwcap_json_null(j);
        return;
    }
    etwcap_json_obj_begin(j);
    etwcap_json_key(j, "function");
    etwcap_json_str(j, ev->functions[w->function].id);
    etwcap_json_key(j, "frames");
    etwcap_json_arr_begin(j);
    for (size_t i = 0; i < w->chain->nframes; i++)
        etwcap_json_str(j, w->chain->frames[i]);
    etwcap_json_arr_end(j);
    etwcap_json_key(j, "count");
    etwcap_json_u64(j, w->chain->count);
    etwcap_json_key(j, "static_path_fraction");
    if (w->static_total)
        etwcap_json_number(j, (double)w->static_hits / (double)w->static_total);
    else
        etwcap_json_null(j);
    etwcap_json_obj_end(j);
}

static void write_detect(etwcap_json *j, const etwcap_detectability *d)
{
    static const char *const basis[] = {"none", "first-call-events", "sampling"};
    etwcap_json_key(j, "detectability");
    etwcap_json_obj_begin(j);
    etwcap_json_key(j, "basis");
    etwcap_json_str(j, basis[d->basis]);
    etwcap_json_key(j, "exact");
    etwcap_json_bool(j, d->exact);
    etwcap_json_key(j, "limits");
    etwcap_json_arr_begin(j);
    for (unsigned i = 0; i < ETWCAP_LIMIT_COUNT; i++)
        if (d->limits & (1u << i))
            etwcap_json_str(j, etwcap_detect_limit_name(i));
    etwcap_json_arr_end(j);
    num_or_null(j, "min_cpu_ms", d->min_cpu_ms);
    etwcap_json_key(j, "processes");
    etwcap_json_arr_begin(j);
    for (size_t i = 0; i < d->nbounds; i++) {
        const etwcap_detect_bound *b = &d->bounds[i];
        etwcap_json_obj_begin(j);
        etwcap_json_key(j, "pid");
        etwcap_json_u64(j, b->c->pid);
        num_or_null(j, "sample_interval_ms", b->c->sample_interval_ms);
        num_or_null(j, "duration_ms", b->c->duration_ms);
        num_or_null(j, "samples", b->c->samples);
        num_or_null(j, "samples_reaching_user_fraction", b->c->user_fraction);
        num_or_null(j, "min_cpu_ms", b->min_cpu_ms);
        etwcap_json_obj_end(j);
    }
    etwcap_json_arr_end(j);
    etwcap_json_key(j, "statement");
    etwcap_json_str(j, d->statement);
    etwcap_json_obj_end(j);
}

static const char *static_name(etwcap_static_verdict s)
{
    switch (s) {
    case ETWCAP_STATIC_REACHABLE:
        return "reachable";
    case ETWCAP_STATIC_UNREACHABLE:
        return "unreachable";
    case ETWCAP_STATIC_UNKNOWN:
        return "unknown";
    default:
        return NULL;
    }
}

static void write_verdict(etwcap_json *j, const etwcap_evdoc *ev, const etwcap_verdict *v)
{
    const etwcap_claim *c = v->claim;
    etwcap_json_obj_begin(j);
    etwcap_json_key(j, "claim");
    etwcap_json_str(j, c->id);
    etwcap_json_key(j, "vulnerability");
    etwcap_json_str(j, c->vulnerability);
    etwcap_json_key(j, "state");
    etwcap_json_str(j, etwcap_verdict_state_name(v->state));
    etwcap_json_key(j, "sink");
    etwcap_json_obj_begin(j);
    etwcap_json_key(j, "module");
    etwcap_json_str(j, c->sink_module);
    etwcap_json_key(j, "name");
    etwcap_json_str(j, c->sink_name);
    etwcap_json_key(j, "kind");
    etwcap_json_str(j, c->sink_kind == ETWCAP_CODE_MANAGED ? "managed" : "native");
    etwcap_json_obj_end(j);
    str_or_null(j, "static_verdict", static_name(c->static_verdict));
    etwcap_json_key(j, "module_loaded");
    etwcap_json_bool(j, v->module_loaded);
    write_observation(j, ev, &v->obs);
    write_witness(j, ev, &v->witness);
    write_detect(j, &v->detect);
    etwcap_json_key(j, "reason");
    etwcap_json_str(j, v->reason);
    etwcap_json_obj_end(j);
}

etwcap_status etwcap_verdicts_write(const etwcap_verdicts *vs, FILE *f)
{
    const etwcap_evdoc *ev = vs->ev;
    etwcap_json j;
    etwcap_json_init(&j);
    etwcap_json_obj_begin(&j);
    etwcap_json_key(&j, "schema");
    etwcap_json_str(&j, "etwcap.verdicts/v1");
    etwcap_json_key(&j, "evidence_sha256");
    etwcap_json_str(&j, ev->sha256);
    etwcap_json_key(&j, "completeness");
    etwcap_json_obj_begin(&j);
    etwcap_json_key(&j, "events_lost");
    etwcap_json_u64(&j, ev->events_lost);
    etwcap_json_key(&j, "buffers_lost");
    etwcap_json_u64(&j, ev->buffers_lost);
    num_or_null(&j, "samples", ev->samples);
    num_or_null(&j, "stack_fraction", ev->stack_fraction);
    num_or_null(&j, "sample_interval_ms", ev->sample_interval_ms);
    num_or_null(&j, "duration_ms", ev->duration_ms);
    etwcap_json_key(&j, "target_processes");
    etwcap_json_u64(&j, ev->nprocesses);
    etwcap_json_obj_end(&j);
    etwcap_json_key(&j, "verdicts");
    etwcap_json_arr_begin(&j);
    for (size_t i = 0; i < vs->n; i++)
        write_verdict(&j, ev, &vs->v[i]);
    etwcap_json_arr_end(&j);
    etwcap_json_obj_end(&j);
    etwcap_json_raw(&j, "\n");
    int failed = j.failed;
    int rc = etwcap_json_flush(&j, f);
    etwcap_json_free(&j);
    return rc == 0 ? ETWCAP_OK : (failed ? ETWCAP_ERR_NOMEM : ETWCAP_ERR_IO);
}

etwcap_status etwcap_verdicts_write_file(const etwcap_verdicts *vs, const char *path, char *why,
                                         size_t why_cap)
{
    etwcap_outfile o;
    if (etwcap_outfile_open(&o, path, why, why_cap) != 0)
        return ETWCAP_ERR_IO;
    etwcap_status st = etwcap_verdicts_write(vs, o.f);
    if (etwcap_outfile_close(&o, st == ETWCAP_OK, why, why_cap) != 0) {
        if (st == ETWCAP_OK)
            return ETWCAP_ERR_IO;
        snprintf(why, why_cap, "cannot write %s: %s", path, etwcap_status_str(st));
    }
    return st;
}
