/* state_internal.h - pieces shared by the files of src/lib/state/. */
#ifndef ETWCAP_STATE_INTERNAL_H
#define ETWCAP_STATE_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "common/u64map.h"
#include "etwcap/decode.h"
#include "etwcap/state.h"

/* One period of a thread's life: owner pid from `start` to `end`. */
typedef struct etwcap_thread_span {
    uint32_t tid;
    uint32_t pid;
    int64_t start;
    int64_t end;
    size_t prev; /* older span of the same tid, or SIZE_MAX */
} etwcap_thread_span;

/* NT path prefix -> DOS path prefix, from SysConfig volume mapping events. */
typedef struct etwcap_volmap {
    char **nt;
    char **dos;
    size_t n, cap;
} etwcap_volmap;

void etwcap_volmap_free(etwcap_volmap *v);

/* index.c: address ranges (start, size) of records, for lookups by address. */
#define ETWCAP_RANGE_TAIL 8
typedef struct etwcap_range {
    uint64_t start;
    uint64_t size;
    uint64_t maxend; /* sorted: largest start + size of this range and the ones before */
    size_t idx;      /* record index */
} etwcap_range;

/* A run of ranges sorted by start, with the running maximum of their ends. */
typedef struct etwcap_range_run {
    etwcap_range *r;
    size_t n, cap;
} etwcap_range_run;

typedef struct etwcap_rangeidx {
    /* Two sorted runs, `big` and a `small` one of about sqrt(8 x big)
     * ranges, and the newest records unsorted in `tail`: the tail merges
     * into `small`, `small` into `big`, so an add moves O(sqrt(n)) ranges
     * where one sorted array moved O(n). `wraps` when some range runs past
     * 2^64 (lookups then fall back to a scan). */
    etwcap_range_run big, small;
    etwcap_range tail[ETWCAP_RANGE_TAIL];
    size_t ntail;
    int wraps;
} etwcap_rangeidx;

int etwcap_rangeidx_add(etwcap_rangeidx *x, uint64_t start, uint64_t size, size_t idx);
/* Indices of the ranges holding `addr`, ascending, into out[cap]; SIZE_MAX
 * when the index cannot tell (more than `cap`, or wrapping ranges): the
 * caller then scans all records. */
size_t etwcap_rangeidx_find(const etwcap_rangeidx *x, uint64_t addr, size_t *out, size_t cap);
void etwcap_rangeidx_free(etwcap_rangeidx *x);

/* epoch.c: sorted change times of lookups by address (see there); `gen` is
 * the state's generation they were built at, plus one (0: never). */
typedef struct etwcap_epochs {
    int64_t *t;
    size_t n, cap;
    uint64_t gen;
} etwcap_epochs;

void etwcap_epochs_free(etwcap_epochs *e);

/* Per process record: its modules and methods by key and by address. */
typedef struct etwcap_proc_index {
    int ready;
    etwcap_u64map module_by_base; /* base -> newest module with that base */
    etwcap_u64map method_by_key;  /* etwcap_method_key(id, start) -> newest such method */
    etwcap_rangeidx modules;
    etwcap_rangeidx methods;
    etwcap_epochs epochs;
} etwcap_proc_index;

struct etwcap_state {
    etwcap_process *procs;
    size_t nprocs, capprocs;
    etwcap_u64map pid_latest; /* pid -> newest process record */
    etwcap_thread_span *threads;
    size_t nthreads, capthreads;
    etwcap_u64map tid_latest; /* tid -> newest span */
    etwcap_volmap volumes;
    char *windows_dir; /* SysConfig SystemPaths: SystemWindowsDirectory */
    /* The last Image event, for pairing ImageID records with the same
     * timestamp that come after it (§3.5). */
    size_t pending_image_proc;
    size_t pending_image_mod;
    int64_t pending_image_ts;
    uint64_t pending_image_base;
    /* ImageID records that came before their Image event. */
    etwcap_image_id_info early_id;
    char early_pdb[260];
    int has_early_id;
    int64_t early_id_ts;
    etwcap_proc_index *idx; /* by process record; entries past nidx are empty */
    size_t nidx;
    uint64_t gen;                /* changes with every update: epochs built before are stale */
    etwcap_epochs kernel_epochs; /* PID 0's records, for kernel addresses */
};

/* The index of process record `pi`, created when needed (NULL on OOM). */
etwcap_proc_index *etwcap_state_index(etwcap_state *st, size_t pi);
/* The index of `pi` when it exists. */
const etwcap_proc_index *etwcap_state_index_get(const etwcap_state *st, size_t pi);
void etwcap_state_index_free(etwcap_state *st);
uint64_t etwcap_method_key(uint64_t method_id, uint64_t start);

int etwcap_threads_begin(etwcap_state *st, uint32_t tid, uint32_t pid, int64_t ts);
void etwcap_threads_end(etwcap_state *st, uint32_t tid, int64_t ts);

size_t etwcap_state_process_for(etwcap_state *st, uint32_t pid, int64_t ts);
char *etwcap_state_dup_w(etwcap_wspan w);

etwcap_status etwcap_state_on_image(etwcap_state *st, const etwcap_event *ev);
etwcap_status etwcap_state_on_image_id(etwcap_state *st, const etwcap_event *ev);
etwcap_status etwcap_state_on_method(etwcap_state *st, const etwcap_event *ev);
etwcap_status etwcap_state_on_clr_module(etwcap_state *st, const etwcap_event *ev);
etwcap_status etwcap_state_on_other(etwcap_state *st, const etwcap_event *ev);

#endif
