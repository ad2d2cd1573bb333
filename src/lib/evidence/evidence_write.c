/* evidence_write.c - the canonical evidence document (docs/evidence-format.md).
 *
 * RFC 8785 (JCS): members are written in sorted key order (all keys are
 * ASCII, so byte order is UTF-16 order), no white space, numbers in
 * ECMAScript form. Arrays have a fixed order. `sha256` covers the document
 * without its own member: it sits between "schema" and "target", so the
 * body is hashed as two halves joined.
 */
#include <stdlib.h>
#include <string.h>

#include "common/sha256.h"
#include "evidence/evidence_internal.h"
#include "output/json.h"

static void key_str(etwcap_json *j, const char *k, const char *v)
{
    etwcap_json_key(j, k);
    if (v)
        etwcap_json_str(j, v);
    else
        etwcap_json_null(j);
}

static void key_u64(etwcap_json *j, const char *k, uint64_t v)
{
    etwcap_json_key(j, k);
    etwcap_json_u64(j, v);
}

static void key_time(etwcap_json *j, const etwcap_evidence *e, const char *k, int64_t raw)
{
    etwcap_json_key(j, k);
    if (raw == INT64_MAX || raw == INT64_MIN) {
        etwcap_json_null(j);
        return;
    }
    char t[32];
    etwcap_filetime_format(e->have_info ? etwcap_logfile_to_filetime(&e->info, raw) : raw, t);
    etwcap_json_str(j, t);
}

static double frac(uint64_t a, uint64_t b)
{
    return b ? (double)a / (double)b : 0.0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void write_capture(etwcap_json *j, const etwcap_evidence *e)
{
    const etwcap_logfile_info *in = &e->info;
    char t[32], os[16];
    etwcap_json_key(j, "capture");
    etwcap_json_obj_begin(j);
    key_u64(j, "buffers_lost", in->buffers_lost);
    key_u64(j, "cpus", in->num_cpus);
    etwcap_json_key(j, "duration_ms");
    etwcap_json_number(j, (double)(in->end_time - in->start_time) / 1e4);
    etwcap_filetime_format(in->end_time, t);
    key_str(j, "end", t);
    key_u64(j, "events_lost", in->events_lost);
    key_u64(j, "events_total", e->events_total);
    etwcap_json_key(j, "os");
    etwcap_json_obj_begin(j);
    key_u64(j, "build", in->os_build);
    snprintf(os, sizeof os, "%u.%u", in->os_major, in->os_minor);
    key_str(j, "version", os);
    etwcap_json_obj_end(j);
    key_u64(j, "pointer_size", in->pointer_size);
    etwcap_json_key(j, "providers");
    etwcap_json_arr_begin(j);
    char **sorted = malloc((e->nproviders ? e->nproviders : 1) * sizeof *sorted);
    if (sorted) {
        memcpy(sorted, e->providers, e->nproviders * sizeof *sorted);
        qsort(sorted, e->nproviders, sizeof *sorted, cmp_str);
        for (size_t i = 0; i < e->nproviders; i++)
            etwcap_json_str(j, sorted[i]);
        free(sorted);
    } else {
        j->failed = 1;
    }
    etwcap_json_arr_end(j);
    etwcap_json_key(j, "sample_interval_ms");
    if (e->sample_interval_100ns)
        etwcap_json_number(j, e->sample_interval_100ns / 1e4);
    else
        etwcap_json_null(j);
    etwcap_json_key(j, "source");
    etwcap_json_obj_begin(j);
    key_str(j, "file", e->file_name);
    key_str(j, "sha256", e->file_sha256);
    etwcap_json_obj_end(j);
    etwcap_filetime_format(in->start_time, t);
    key_str(j, "start", t);
    etwcap_json_obj_end(j);
}

static void key_bool(etwcap_json *j, const char *k, int v)
{
    etwcap_json_key(j, k);
    etwcap_json_bool(j, v);
}

static void key_frac(etwcap_json *j, const char *k, uint64_t a, uint64_t b)
{
    etwcap_json_key(j, k);
    if (b)
        etwcap_json_number(j, frac(a, b));
    else
        etwcap_json_null(j);
}

/* One completeness record per target process: how much of it the capture
 * could have seen (docs/evidence-format.md, "completeness"). Loss counters
 * are the session's: ETW does not attribute lost events to a process. */
static void write_completeness_one(etwcap_json *j, const etwcap_evidence *e, size_t i)
{
    const etwcap_process *p = etwcap_state_process_at(e->state, i);
    const ev_proc_stats *ps = &e->ps[i];
    const etwcap_logfile_info *in = &e->info;
    int64_t t0 = in->header_timestamp;
    int64_t t1 = t0 + (in->end_time - in->start_time) * (in->perf_freq ? in->perf_freq : 10000000) /
                          10000000;
    int before = !p->started_in_trace, outlived = p->end_time == ETWCAP_TIME_NEVER;
    int64_t from = before ? t0 : p->start_time, to = outlived ? t1 : p->end_time;
    double ms = 0;
    if (to > from && e->have_info)
        ms = (double)(etwcap_logfile_to_filetime(in, to) - etwcap_logfile_to_filetime(in, from)) /
             1e4;
    etwcap_json_obj_begin(j);
    key_u64(j, "buffers_lost", in->buffers_lost);
    key_u64(j, "buffers_skipped", e->buffers_skipped);
    etwcap_json_key(j, "clr");
    etwcap_json_obj_begin(j);
    key_u64(j, "method_rundown_events", ps->method_rundown);
    key_u64(j, "module_rundown_events", ps->module_rundown);
    key_bool(j, "rundown_end", ps->rundown_end);
    key_bool(j, "rundown_start", ps->rundown_start);
    etwcap_json_obj_end(j);
    etwcap_json_key(j, "duration_ms");
    etwcap_json_number(j, ms);
    key_u64(j, "events_lost", in->events_lost);
    key_u64(j, "frames", ps->frames);
    key_frac(j, "frames_resolved_fraction", ps->frames_resolved, ps->frames);
    key_u64(j, "managed_frames", ps->managed_frames);
    key_frac(j, "managed_frames_resolved_fraction", ps->managed_resolved, ps->managed_frames);
    key_u64(j, "pid", p->pid);
    etwcap_json_key(j, "sample_interval_ms");
    if (e->sample_interval_100ns)
        etwcap_json_number(j, e->sample_interval_100ns / 1e4);
    else
        etwcap_json_null(j);
    key_u64(j, "samples", ps->samples);
    key_frac(j, "samples_reaching_user_fraction", ps->samples_user, ps->samples);
    etwcap_json_key(j, "sources");
    etwcap_json_obj_begin(j);
    key_bool(j, "clr_jit_loader", ps->clr_jit_loader);
    key_bool(j, "clr_r2r_entry", ps->clr_r2r);
    key_bool(j, "clr_stacks", ps->clr_stacks);
    key_bool(j, "kernel_stacks", ps->kernel_stacks);
    etwcap_json_obj_end(j);
    etwcap_json_key(j, "window");
    etwcap_json_obj_begin(j);
    key_bool(j, "outlived_capture", outlived);
    key_bool(j, "started_before_capture", before);
    key_bool(j, "whole_lifetime", !before && !outlived);
    etwcap_json_obj_end(j);
    etwcap_json_obj_end(j);
}

static void write_coverage(etwcap_json *j, const etwcap_evidence *e)
{
    etwcap_json_key(j, "coverage");
    etwcap_json_obj_begin(j);
    key_u64(j, "frames", e->frames);
    key_u64(j, "frames_resolved", e->frames_resolved);
    etwcap_json_key(j, "frames_resolved_fraction");
    etwcap_json_number(j, frac(e->frames_resolved, e->frames));
    key_u64(j, "managed_frames", e->managed_frames);
    key_u64(j, "managed_frames_resolved", e->managed_resolved);
    etwcap_json_key(j, "managed_frames_resolved_fraction");
    etwcap_json_number(j, frac(e->managed_resolved, e->managed_frames));
    key_u64(j, "samples", e->samples);
    key_u64(j, "samples_reaching_user", e->samples_user);
    key_u64(j, "samples_with_stack", e->samples_with_stack);
    etwcap_json_key(j, "stack_fraction");
    etwcap_json_number(j, frac(e->samples_with_stack, e->samples));
    etwcap_json_obj_end(j);
}

/* qsort has no context argument in C11: sort (id, index) pairs instead. */
typedef struct id_index {
    char id[17];
    size_t index;
} id_index;

static int cmp_id_index(const void *a, const void *b)
{
    return strcmp(((const id_index *)a)->id, ((const id_index *)b)->id);
}

typedef struct chain_ref {
    uint64_t count;
    const char *text;
} chain_ref;

static int cmp_chain(const void *a, const void *b)
{
    const chain_ref *x = a, *y = b;
    if (x->count != y->count)
        return x->count > y->count ? -1 : 1;
    return strcmp(x->text, y->text);
}

static const char *resolution_name(const ev_function *f)
{
    return f->resolution == ETWCAP_RES_NONE ? "unresolved" : etwcap_resolution_name(f->resolution);
}

static void write_functions(etwcap_json *j, const etwcap_evidence *e)
{
    etwcap_json_key(j, "functions");
    etwcap_json_arr_begin(j);
    id_index *order = malloc((e->nfn ? e->nfn : 1) * sizeof *order);
    /* chains grouped per function */
    size_t *first = malloc((e->nfn ? e->nfn : 1) * sizeof *first);
    size_t *next = malloc((e->nchains ? e->nchains : 1) * sizeof *next);
    chain_ref *refs = malloc((e->nchains ? e->nchains : 1) * sizeof *refs);
    if (!order || !first || !next || !refs) {
        j->failed = 1;
        goto out;
    }
    for (size_t i = 0; i < e->nfn; i++) {
        memcpy(order[i].id, e->fn[i].id, 17);
        order[i].index = i;
        first[i] = SIZE_MAX;
    }
    for (size_t c = e->nchains; c-- > 0;) {
        next[c] = first[e->chains[c].function];
        first[e->chains[c].function] = c;
    }
    qsort(order, e->nfn, sizeof *order, cmp_id_index);
    for (size_t k = 0; k < e->nfn; k++) {
        const ev_function *f = &e->fn[order[k].index];
        const etwcap_process *p = etwcap_state_process_at(e->state, f->proc);
        etwcap_json_obj_begin(j);
        etwcap_json_key(j, "call_chains");
        etwcap_json_arr_begin(j);
        size_t nr = 0;
        for (size_t c = first[order[k].index]; c != SIZE_MAX; c = next[c])
            refs[nr++] = (chain_ref){e->chains[c].count, e->chains[c].text};
        qsort(refs, nr, sizeof *refs, cmp_chain);
        for (size_t r = 0; r < nr && r < e->max_chains; r++) {
            etwcap_json_obj_begin(j);
            key_u64(j, "count", refs[r].count);
            etwcap_json_key(j, "frames");
            etwcap_json_arr_begin(j);
            for (const char *s = refs[r].text;;) {
                const char *nl = strchr(s, '\n');
                etwcap_json_strn(j, s, nl ? (size_t)(nl - s) : strlen(s));
                if (!nl)
                    break;
                s = nl + 1;
            }
            etwcap_json_arr_end(j);
            etwcap_json_obj_end(j);
        }
        etwcap_json_arr_end(j);
        key_time(j, e, "first_seen", f->first_seen);
        key_str(j, "id", f->id);
        key_str(j, "kind", f->managed ? "managed" : "native");
        key_time(j, e, "last_seen", f->last_seen);
        key_str(j, "module", f->module);
        key_str(j, "name", f->name);
        etwcap_json_key(j, "observed");
        etwcap_json_arr_begin(j); /* sorted: jit, on-stack, r2r-entry, sampled */
        if (f->observed & OBS_JIT)
            etwcap_json_str(j, "jit");
        if (f->observed & OBS_ON_STACK)
            etwcap_json_str(j, "on-stack");
        if (f->observed & OBS_R2R_ENTRY)
            etwcap_json_str(j, "r2r-entry");
        if (f->observed & OBS_SAMPLED)
            etwcap_json_str(j, "sampled");
        etwcap_json_arr_end(j);
        key_u64(j, "process", p ? p->pid : 0);
        key_str(j, "resolution", resolution_name(f));
        key_u64(j, "samples", f->samples);
        key_str(j, "signature", f->signature);
        etwcap_json_obj_end(j);
    }
out:
    etwcap_json_arr_end(j);
    free(order);
    free(first);
    free(next);
    free(refs);
}

typedef struct mod_ref {
    uint32_t pid;
    const etwcap_module *m;
} mod_ref;

static int cmp_mod(const void *a, const void *b)
{
    const mod_ref *x = a, *y = b;
    if (x->pid != y->pid)
        return x->pid < y->pid ? -1 : 1;
    int c = strcmp(x->m->path ? x->m->path : "", y->m->path ? y->m->path : "");
    if (c)
        return c;
    return x->m->base < y->m->base ? -1 : x->m->base > y->m->base;
}

static const char *kind_name(etwcap_module_kind k)
{
    return k == ETWCAP_MODULE_R2R ? "r2r" : k == ETWCAP_MODULE_MANAGED_IL ? "managed-il" : "native";
}

static void write_modules(etwcap_json *j, const etwcap_evidence *e)
{
    size_t n = 0;
    for (size_t i = 0; i < e->ntarget_slots; i++)
        if (e->target[i])
            n += etwcap_state_process_at(e->state, i)->nmodules;
    mod_ref *refs = malloc((n ? n : 1) * sizeof *refs);
    etwcap_json_key(j, "modules");
    etwcap_json_arr_begin(j);
    if (!refs) {
        j->failed = 1;
        etwcap_json_arr_end(j);
        return;
    }
    size_t k = 0;
    for (size_t i = 0; i < e->ntarget_slots; i++) {
        if (!e->target[i])
            continue;
        const etwcap_process *p = etwcap_state_process_at(e->state, i);
        for (size_t m = 0; m < p->nmodules; m++)
            refs[k++] = (mod_ref){p->pid, &p->modules[m]};
    }
    qsort(refs, k, sizeof *refs, cmp_mod);
    for (size_t i = 0; i < k; i++) {
        const etwcap_module *m = refs[i].m;
        char hex[24], guid[37];
        etwcap_json_obj_begin(j);
        snprintf(hex, sizeof hex, "0x%llx", (unsigned long long)m->base);
        key_str(j, "base", hex);
        etwcap_json_key(j, "before_capture");
        etwcap_json_bool(j, m->rundown);
        key_time(j, e, "first_load", m->load_time);
        key_str(j, "kind", kind_name(m->kind));
        key_str(j, "path", m->path ? m->path : "");
        etwcap_json_key(j, "pdb");
        if (m->has_pdb) {
            etwcap_json_obj_begin(j);
            key_u64(j, "age", m->pdb_age);
            etwcap_guid_format(&m->pdb_guid, guid);
            key_str(j, "guid", guid);
            key_str(j, "name", m->pdb_name ? m->pdb_name : "");
            etwcap_json_obj_end(j);
        } else {
            etwcap_json_null(j);
        }
        key_u64(j, "process", refs[i].pid);
        key_u64(j, "size", m->size);
        key_u64(j, "time_date_stamp", m->time_date_stamp);
        etwcap_json_obj_end(j);
    }
    etwcap_json_arr_end(j);
    free(refs);
}

typedef struct proc_ref {
    int64_t start;
    uint32_t pid;
    size_t index;
} proc_ref;

static int cmp_proc(const void *a, const void *b)
{
    const proc_ref *x = a, *y = b;
    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    if (x->pid != y->pid)
        return x->pid < y->pid ? -1 : 1;
    return x->index < y->index ? -1 : x->index > y->index;
}

static size_t sorted_targets(const etwcap_evidence *e, proc_ref **out);

static void write_target(etwcap_json *j, const etwcap_evidence *e)
{
    etwcap_json_key(j, "target");
    etwcap_json_obj_begin(j);
    etwcap_json_key(j, "processes");
    etwcap_json_arr_begin(j);
    proc_ref *refs;
    size_t n = sorted_targets(e, &refs);
    if (!refs)
        j->failed = 1;
    for (size_t k = 0; k < n; k++) {
        const etwcap_process *p = etwcap_state_process_at(e->state, refs[k].index);
        etwcap_json_obj_begin(j);
        key_str(j, "command_line", p->command_line ? p->command_line : "");
        key_str(j, "container_id", p->container_id[0] ? p->container_id : NULL);
        key_time(j, e, "exit", p->end_time);
        etwcap_json_key(j, "exit_status");
        if (p->end_time != ETWCAP_TIME_NEVER)
            etwcap_json_i64(j, p->exit_status);
        else
            etwcap_json_null(j);
        key_str(j, "image", p->image ? p->image : "");
        key_u64(j, "parent_pid", p->parent_pid);
        key_u64(j, "pid", p->pid);
        key_time(j, e, "start", p->started_in_trace ? p->start_time : INT64_MIN);
        etwcap_json_key(j, "start_key");
        if (p->start_key)
            etwcap_json_u64(j, p->start_key);
        else
            etwcap_json_null(j);
        etwcap_json_obj_end(j);
    }
    free(refs);
    etwcap_json_arr_end(j);
    etwcap_json_key(j, "selector");
    etwcap_json_obj_begin(j);
    etwcap_json_key(j, "children");
    etwcap_json_bool(j, e->children);
    etwcap_json_key(j, "container");
    etwcap_json_arr_begin(j);
    for (size_t i = 0; i < e->nsel_container; i++)
        etwcap_json_str(j, e->sel_container[i]);
    etwcap_json_arr_end(j);
    etwcap_json_key(j, "pid");
    etwcap_json_arr_begin(j);
    for (size_t i = 0; i < e->nsel_pid; i++)
        etwcap_json_u64(j, e->sel_pid[i]);
    etwcap_json_arr_end(j);
    etwcap_json_key(j, "process");
    etwcap_json_arr_begin(j);
    for (size_t i = 0; i < e->nsel_process; i++)
        etwcap_json_str(j, e->sel_process[i]);
    etwcap_json_arr_end(j);
    etwcap_json_obj_end(j);
    etwcap_json_obj_end(j);
}

/* Target processes in document order: start time, then pid. */
static size_t sorted_targets(const etwcap_evidence *e, proc_ref **out)
{
    proc_ref *refs = malloc((e->ntarget_slots ? e->ntarget_slots : 1) * sizeof *refs);
    size_t n = 0;
    *out = refs;
    if (!refs)
        return 0;
    for (size_t i = 0; i < e->ntarget_slots; i++) {
        if (!e->target[i])
            continue;
        const etwcap_process *p = etwcap_state_process_at(e->state, i);
        refs[n++] = (proc_ref){p->started_in_trace ? p->start_time : INT64_MIN, p->pid, i};
    }
    qsort(refs, n, sizeof *refs, cmp_proc);
    return n;
}

static void write_completeness(etwcap_json *j, const etwcap_evidence *e)
{
    proc_ref *refs;
    size_t n = sorted_targets(e, &refs);
    if (!refs)
        j->failed = 1;
    etwcap_json_key(j, "completeness");
    etwcap_json_arr_begin(j);
    for (size_t k = 0; k < n; k++)
        write_completeness_one(j, e, refs[k].index);
    etwcap_json_arr_end(j);
    free(refs);
}

etwcap_status etwcap_evidence_write(const etwcap_evidence *e, FILE *f, int attest)
{
    etwcap_json head, tail;
    etwcap_json_init(&head);
    etwcap_json_init(&tail);
    etwcap_json_obj_begin(&head);
    write_capture(&head, e);
    write_completeness(&head, e);
    write_coverage(&head, e);
    write_functions(&head, e);
    write_modules(&head, e);
    etwcap_json_key(&head, "schema");
    etwcap_json_str(&head, "etwcap.evidence/v1");
    tail.need_comma = 1;
    write_target(&tail, e);
    etwcap_json_raw(&tail, "}");
    etwcap_status st = ETWCAP_OK;
    char hex[65];
    etwcap_sha256 *h = etwcap_sha256_new();
    uint8_t d[32];
    if (head.failed || tail.failed || !h || etwcap_sha256_update(h, head.buf, head.len) != 0 ||
        etwcap_sha256_update(h, tail.buf, tail.len) != 0) {
        etwcap_sha256_free(h);
        st = ETWCAP_ERR_NOMEM;
    } else if (etwcap_sha256_final(h, d) != 0) {
        st = ETWCAP_ERR;
    }
    if (st == ETWCAP_OK) {
        etwcap_sha256_hex(d, hex);
        if (attest)
            fprintf(f, "{\"_type\":\"https://in-toto.io/Statement/v1\",\"predicate\":");
        int w = fwrite(head.buf, 1, head.len, f) == head.len &&
                fprintf(f, ",\"sha256\":\"%s\"", hex) > 0 &&
                fwrite(tail.buf, 1, tail.len, f) == tail.len;
        if (w && attest)
            w = fprintf(f,
                        ",\"predicateType\":\"https://etwcap.dev/evidence/v1\",\"subject\":[{"
                        "\"digest\":{\"sha256\":\"%s\"},\"name\":",
                        e->file_sha256) > 0;
        if (w && attest) {
            etwcap_json name;
            etwcap_json_init(&name);
            etwcap_json_str(&name, e->file_name);
            etwcap_json_raw(&name, "}]}");
            w = etwcap_json_flush(&name, f) == 0;
            etwcap_json_free(&name);
        }
        if (!w || fputc('\n', f) == EOF)
            st = ETWCAP_ERR_IO;
    }
    etwcap_json_free(&head);
    etwcap_json_free(&tail);
    return st;
}
