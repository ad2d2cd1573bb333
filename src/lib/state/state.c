/* state.c - processes, threads, modules and methods over time.
 *
 * Processes: one record per instance. A Start (or the first DCStart) of a
 * PID creates a record; older records of the same PID stay reachable through
 * `prev_same_pid`, so an event is attributed by (pid, time) and PID reuse is
 * safe (etl-format.md §3.2).
 * Threads: TID -> owner over time, from Thread Start/Stop/DCStart/DCEnd and,
 * as a fallback, from any event whose header names both ids (§3.3).
 * Modules: Image Load/Unload/DCStart/DCEnd per process, paired with the
 * KernelTraceControl ImageID records that carry the same timestamp (§3.5).
 * Methods: CLR MethodLoad(Verbose)/DC* ranges per process (§4.4).
 */
#include "etwcap/state.h"

#include <stdlib.h>
#include <string.h>

#include "etwcap/decode.h"
#include "common/bytes.h"
#include "decode/decode_internal.h"
#include "state/state_internal.h"

static char *dup_n(const char *s, size_t n)
{
    char *p = malloc(n + 1);
    if (p) {
        memcpy(p, s, n);
        p[n] = '\0';
    }
    return p;
}

char *etwcap_state_dup_w(etwcap_wspan w)
{
    size_t cap = w.bytes / 2 * 3 + 1; /* UTF-16 unit -> at most 3 UTF-8 bytes */
    char *p = malloc(cap);
    if (p)
        etwcap_wspan_to_utf8(w, p, cap);
    return p;
}

static int grow(void **arr, size_t *cap, size_t n, size_t elem)
{
    if (n < *cap && *arr) /* (*cap is 0 while *arr is NULL) */
        return 0;
    size_t c = *cap ? *cap * 2 : 16;
    void *p = realloc(*arr, c * elem);
    if (!p)
        return -1;
    *arr = p;
    *cap = c;
    return 0;
}

etwcap_status etwcap_state_create(etwcap_state **out)
{
    etwcap_state *st = calloc(1, sizeof *st);
    if (!st)
        return ETWCAP_ERR_NOMEM;
    if (etwcap_u64map_init(&st->pid_latest) != 0 || etwcap_u64map_init(&st->tid_latest) != 0) {
        etwcap_state_free(st);
        return ETWCAP_ERR_NOMEM;
    }
    st->pending_image_proc = SIZE_MAX;
    *out = st;
    return ETWCAP_OK;
}

static void free_process(etwcap_process *p)
{
    for (size_t i = 0; i < p->nmodules; i++) {
        free(p->modules[i].path);
        free(p->modules[i].nt_path);
        free(p->modules[i].pdb_name);
    }
    free(p->modules);
    for (size_t i = 0; i < p->nmethods; i++) {
        free(p->methods[i].method_namespace);
        free(p->methods[i].method_name);
        free(p->methods[i].signature);
    }
    free(p->methods);
    for (size_t i = 0; i < p->nclr_modules; i++) {
        free(p->clr_modules[i].il_path);
        free(p->clr_modules[i].native_path);
    }
    free(p->clr_modules);
    free(p->image);
    free(p->command_line);
}

void etwcap_state_free(etwcap_state *st)
{
    if (!st)
        return;
    for (size_t i = 0; i < st->nprocs; i++)
        free_process(&st->procs[i]);
    free(st->procs);
    free(st->threads);
    etwcap_u64map_free(&st->pid_latest);
    etwcap_u64map_free(&st->tid_latest);
    etwcap_volmap_free(&st->volumes);
    etwcap_state_index_free(st);
    free(st->windows_dir);
    free(st);
}

size_t etwcap_state_process_count(const etwcap_state *st)
{
    return st->nprocs;
}

const etwcap_process *etwcap_state_process_at(const etwcap_state *st, size_t i)
{
    return i < st->nprocs ? &st->procs[i] : NULL;
}

size_t etwcap_state_find_process(const etwcap_state *st, uint32_t pid, int64_t ts)
{
    size_t i = etwcap_u64map_get(&st->pid_latest, pid);
    /* Newest first: the first record that started at or before ts. A record
     * known only from rundown counts as started before the trace. */
    size_t oldest = SIZE_MAX;
    while (i != SIZE_MAX) {
        const etwcap_process *p = &st->procs[i];
        if (p->start_time <= ts || !p->started_in_trace)
            return i;
        oldest = i;
        i = p->prev_same_pid;
    }
    return oldest;
}

/* A new process record for `pid`; the previous one of that PID (if any)
 * stays reachable through prev_same_pid. */
static size_t new_process(etwcap_state *st, uint32_t pid, int64_t ts)
{
    if (grow((void **)&st->procs, &st->capprocs, st->nprocs, sizeof *st->procs) != 0)
        return SIZE_MAX;
    st->gen++;
    size_t i = st->nprocs++;
    etwcap_process *p = &st->procs[i];
    memset(p, 0, sizeof *p);
    p->pid = pid;
    p->parent = SIZE_MAX;
    p->start_time = ts;
    p->end_time = ETWCAP_TIME_NEVER;
    p->exit_status = 0x103; /* STATUS_PENDING while running */
    p->prev_same_pid = etwcap_u64map_get(&st->pid_latest, pid);
    if (etwcap_u64map_put(&st->pid_latest, pid, i) != 0) {
        st->nprocs--;
        return SIZE_MAX;
    }
    return i;
}

/* The live record for pid, created on first sight (rundown or any event). */
size_t etwcap_state_process_for(etwcap_state *st, uint32_t pid, int64_t ts)
{
    size_t i = etwcap_u64map_get(&st->pid_latest, pid);
    if (i != SIZE_MAX)
        return i;
    i = new_process(st, pid, ts);
    return i;
}

static etwcap_status on_process(etwcap_state *st, const etwcap_event *ev)
{
    etwcap_process_info pi;
    if (etwcap_decode_process(ev, &pi) != ETWCAP_DECODE_OK)
        return ETWCAP_OK; /* a bad payload is skipped, not fatal */
    const int start = ev->opcode == 1, dcstart = ev->opcode == 3;
    size_t i = etwcap_u64map_get(&st->pid_latest, pi.pid);
    etwcap_process *p = i != SIZE_MAX ? &st->procs[i] : NULL;
    if (start || !p || (p->unique_key && pi.unique_key && p->unique_key != pi.unique_key) ||
        (p->end_time != ETWCAP_TIME_NEVER && dcstart)) {
        /* A Start always begins a new instance; so does a rundown or stop
         * of a PID whose record belongs to another EPROCESS. */
        if (!(p && !p->started_in_trace && !start && p->unique_key == 0)) {
            i = new_process(st, pi.pid, ev->timestamp);
            if (i == SIZE_MAX)
                return ETWCAP_ERR_NOMEM;
        }
        p = &st->procs[i];
        p->started_in_trace = start;
    }
    p->unique_key = pi.unique_key;
    p->parent_pid = pi.parent_pid;
    if (p->parent == SIZE_MAX && pi.parent_pid != pi.pid) {
        size_t par = etwcap_state_find_process(st, pi.parent_pid, ev->timestamp);
        p = &st->procs[i]; /* find_process does not realloc, but keep it obvious */
        if (par != i)
            p->parent = par;
    }
    if (!p->image && pi.image_file_name.p)
        p->image = dup_n(pi.image_file_name.p, pi.image_file_name.len);
    if (!p->command_line && pi.command_line.p)
        p->command_line = etwcap_state_dup_w(pi.command_line);
    if (ev->x.process_start_key)
        p->start_key = ev->x.process_start_key;
    if (ev->opcode == 2 || ev->opcode == 39) { /* Stop, Defunct */
        p->end_time = ev->timestamp;
        p->exit_status = pi.exit_status;
    }
    return ETWCAP_OK;
}

static etwcap_status on_thread(etwcap_state *st, const etwcap_event *ev)
{
    etwcap_thread_info ti;
    if (etwcap_decode_thread(ev, &ti) != ETWCAP_DECODE_OK)
        return ETWCAP_OK;
    if (ev->opcode == 1 || ev->opcode == 3) /* Start, DCStart */
        return etwcap_threads_begin(st, ti.tid, ti.pid, ev->timestamp) == 0 ? ETWCAP_OK
                                                                            : ETWCAP_ERR_NOMEM;
    if (ev->opcode == 2) /* Stop; DCEnd leaves the thread alive at the end */
        etwcap_threads_end(st, ti.tid, ev->timestamp);
    return ETWCAP_OK;
}

etwcap_status etwcap_state_update(etwcap_state *st, const etwcap_event *ev)
{
    st->gen++; /* lookup epochs built before this are stale (epoch.c) */
    /* A header with both ids ties the thread to its process even without
     * Thread events (circular traces, user-mode-only traces). */
    if (ev->pid != ETWCAP_NO_ID && ev->tid != ETWCAP_NO_ID && ev->tid != 0 &&
        etwcap_state_thread_pid(st, ev->tid, ev->timestamp) == ETWCAP_NO_ID &&
        ev->kind == ETWCAP_KIND_MANIFEST) {
        if (etwcap_threads_begin(st, ev->tid, ev->pid, ev->timestamp) != 0)
            return ETWCAP_ERR_NOMEM;
    }
    if (ev->kind == ETWCAP_KIND_MANIFEST && ev->x.has_container_id && ev->pid != ETWCAP_NO_ID) {
        size_t i = etwcap_state_process_for(st, ev->pid, ev->timestamp);
        if (i == SIZE_MAX)
            return ETWCAP_ERR_NOMEM;
        if (!st->procs[i].container_id[0])
            memcpy(st->procs[i].container_id, ev->x.container_id, 37);
    }
    switch (etwcap_event_classify(ev)) {
    case ETWCAP_EC_PROCESS:
        return on_process(st, ev);
    case ETWCAP_EC_THREAD:
        return on_thread(st, ev);
    case ETWCAP_EC_IMAGE:
        return etwcap_state_on_image(st, ev);
    case ETWCAP_EC_IMAGE_ID:
        return etwcap_state_on_image_id(st, ev);
    case ETWCAP_EC_CLR_METHOD:
        return etwcap_state_on_method(st, ev);
    case ETWCAP_EC_CLR_MODULE:
        return etwcap_state_on_clr_module(st, ev);
    default:
        return etwcap_state_on_other(st, ev);
    }
}

/* Kernel events whose payload starts with the subject's ProcessId, which
 * TraceEvent reports instead of the header's: Process-group PerfCtr and
 * PerfCtrRundown, TcpIp/UdpIp (v1+), SystemConfig/Services (v2+). */
static int payload_pid_first(const etwcap_event *ev)
{
    if (ev->kind != ETWCAP_KIND_KERNEL || ev->payload_len < 4)
        return 0;
    switch (etwcap_kernel_group(ev)) {
    case 0x03:
        return 1;
    case 0x06: /* TcpIp */
    case 0x08: /* UdpIp */
        return ev->version >= 1;
    case 0x0B: /* EventTraceConfig */
        return ev->opcode == 15 && ev->version >= 2;
    default:
        return 0;
    }
}

/* Kernel events that name the issuing thread in their payload: DiskIO
 * Read/Write (IssuingThreadId at 40 + 2*(P-4)) and Memory/HardFault
 * (TThreadId at 0x18 + 2*(P-4)); TraceEvent finds the process from it. */
static uint32_t owner_thread(const etwcap_event *ev)
{
    if (ev->kind != ETWCAP_KIND_KERNEL)
        return ETWCAP_NO_ID;
    size_t off;
    unsigned grow = 2u * (ev->pointer_size - 4u);
    unsigned g = etwcap_kernel_group(ev);
    if (g == 0x01 && (ev->opcode == 10 || ev->opcode == 11))
        off = 40 + grow;
    else if (g == 0x02 && ev->opcode == 32)
        off = 0x18 + grow;
    else
        return ETWCAP_NO_ID;
    return off + 4 <= ev->payload_len ? etwcap_rd32(ev->payload + off) : ETWCAP_NO_ID;
}

uint32_t etwcap_state_event_pid(const etwcap_state *st, const etwcap_event *ev)
{
    switch (etwcap_event_classify(ev)) {
    case ETWCAP_EC_SAMPLE: {
        etwcap_sample_info si;
        if (etwcap_decode_sample(ev, &si) != ETWCAP_DECODE_OK)
            return ETWCAP_NO_ID;
        if (si.flags & 3u) /* DPC or ISR: the kernel's, not the thread's */
            return 0;
        if (si.tid == 0)
            return 0; /* idle */
        return etwcap_state_thread_pid(st, si.tid, ev->timestamp);
    }
    case ETWCAP_EC_PROCESS: {
        /* The header names the creator or the logger: the subject is in
         * the payload (etl-format.md §3.2). */
        etwcap_process_info pi;
        if (etwcap_decode_process(ev, &pi) == ETWCAP_DECODE_OK)
            return pi.pid;
        break;
    }
    case ETWCAP_EC_IMAGE: {
        etwcap_image_info ii;
        if (etwcap_decode_image(ev, &ii) == ETWCAP_DECODE_OK)
            return ii.pid;
        break;
    }
    case ETWCAP_EC_THREAD: {
        etwcap_thread_info ti;
        if (etwcap_decode_thread(ev, &ti) == ETWCAP_DECODE_OK)
            return ti.pid;
        break;
    }
    case ETWCAP_EC_STACKWALK: {
        etwcap_stackwalk_info sw;
        if (etwcap_decode_stackwalk(ev, &sw) == ETWCAP_DECODE_OK)
            return sw.pid;
        break;
    }
    default:
        break;
    }
    uint32_t tid = owner_thread(ev);
    if (tid != ETWCAP_NO_ID)
        return etwcap_state_thread_pid(st, tid, ev->timestamp);
    if (payload_pid_first(ev))
        return etwcap_rd32(ev->payload);
    if (ev->pid != ETWCAP_NO_ID)
        return ev->pid;
    if (ev->tid != ETWCAP_NO_ID)
        return etwcap_state_thread_pid(st, ev->tid, ev->timestamp);
    return ETWCAP_NO_ID;
}

uint32_t etwcap_state_event_tid(const etwcap_event *ev)
{
    switch (etwcap_event_classify(ev)) {
    case ETWCAP_EC_PROCESS:
        return ETWCAP_NO_ID;
    case ETWCAP_EC_IMAGE: /* a Load happens on the loading thread */
        return ev->opcode == 10 ? ev->tid : ETWCAP_NO_ID;
    case ETWCAP_EC_THREAD: { /* the header names the creating thread */
        etwcap_thread_info ti;
        if (etwcap_decode_thread(ev, &ti) == ETWCAP_DECODE_OK)
            return ti.tid;
        break;
    }
    case ETWCAP_EC_SAMPLE: {
        etwcap_sample_info si;
        if (etwcap_decode_sample(ev, &si) == ETWCAP_DECODE_OK)
            return si.tid;
        break;
    }
    default:
        break;
    }
    if (ev->kind == ETWCAP_KIND_KERNEL && etwcap_kernel_group(ev) == 0x03)
        return ETWCAP_NO_ID; /* other Process-group events (PerfCtr, ...) */
    uint32_t tid = owner_thread(ev);
    return tid != ETWCAP_NO_ID ? tid : ev->tid;
}
