/* etwcap/state.h - what the trace says about processes, threads, modules and
 * JIT'd methods, over time.
 *
 * Feed every event in time order to etwcap_state_update. The state keeps one
 * record per process instance (PID reuse safe: a new Start with a PID that
 * was used before makes a new record), thread ownership over time, each
 * process's modules with their load/unload times and PE identity, and each
 * process's JIT'd/R2R method ranges. Memory grows with the number of
 * distinct processes, threads, modules and methods, never with events.
 */
#ifndef ETWCAP_STATE_H
#define ETWCAP_STATE_H

#include <stddef.h>
#include <stdint.h>

#include "etwcap/error.h"
#include "etwcap/event.h"

#ifdef __cplusplus
extern "C" {
#endif

#define ETWCAP_TIME_NEVER INT64_MAX

typedef enum etwcap_module_kind {
    ETWCAP_MODULE_NATIVE = 0,
    ETWCAP_MODULE_MANAGED_IL = 1, /* IL-only assembly image */
    ETWCAP_MODULE_R2R = 2         /* ReadyToRun / NGen native image */
} etwcap_module_kind;

typedef struct etwcap_module {
    uint64_t base;
    uint64_t size;
    char *path;    /* drive-letter form where the trace's volume mapping allows */
    char *nt_path; /* as logged */
    uint32_t time_date_stamp;
    uint32_t checksum;
    int has_pdb;
    etwcap_guid pdb_guid;
    uint32_t pdb_age;
    char *pdb_name;
    etwcap_module_kind kind;
    int64_t load_time;   /* raw timestamp of Load or DCStart; first seen */
    int64_t unload_time; /* ETWCAP_TIME_NEVER while loaded */
    int rundown;         /* first seen by DCStart/DCEnd rather than Load */
} etwcap_module;

typedef struct etwcap_method {
    uint64_t method_id;
    uint64_t module_id;
    uint64_t start;
    uint32_t size;
    uint32_t token;
    uint32_t flags;
    uint64_t rejit_id;
    char *method_namespace;
    char *method_name;
    char *signature;
    int64_t load_time; /* raw; first Load/JIT or DCStart */
    int64_t unload_time;
    int from_rundown;
} etwcap_method;

/* A managed module as the CLR Loader events describe it (§4.4). */
typedef struct etwcap_clr_module {
    uint64_t module_id;
    uint64_t assembly_id;
    uint32_t flags; /* 0x2 Native (R2R/NGen), 0x4 Dynamic, 0x8 Manifest */
    char *il_path;
    char *native_path;
    int64_t load_time;
} etwcap_clr_module;

typedef struct etwcap_process {
    uint32_t pid;
    uint32_t parent_pid;
    size_t parent; /* index of the parent record, or SIZE_MAX */
    uint64_t unique_key;
    uint64_t start_key;   /* PROCESS_START_KEY when seen, else 0 */
    int64_t start_time;   /* raw; Start event time, or first DCStart */
    int64_t end_time;     /* raw; ETWCAP_TIME_NEVER while alive */
    int started_in_trace; /* a Start event was seen (not only rundown) */
    int32_t exit_status;
    char *image; /* ImageFileName */
    char *command_line;
    char container_id[37]; /* "" when no container id was seen */
    etwcap_module *modules;
    size_t nmodules, capmodules;
    etwcap_method *methods;
    size_t nmethods, capmethods;
    etwcap_clr_module *clr_modules;
    size_t nclr_modules, capclr_modules;
    size_t prev_same_pid; /* older record with the same PID, or SIZE_MAX */
} etwcap_process;

typedef struct etwcap_state etwcap_state;

etwcap_status etwcap_state_create(etwcap_state **out);
void etwcap_state_free(etwcap_state *st);

/* Update the state from one event (events must come in time order). */
etwcap_status etwcap_state_update(etwcap_state *st, const etwcap_event *ev);

struct etwcap_pe_identity;
/* The identity of the image at `path` of SizeOfImage `size`, or NULL. */
typedef const struct etwcap_pe_identity *(*etwcap_identity_lookup)(const char *path, uint64_t size,
                                                                   void *payload);
/* Give every module that the trace gave no RSDS identity (no DbgID record)
 * the one `lookup` knows for its path and size: the image sidecar of a live
 * capture (docs/capture.md). Returns the number of modules filled. */
size_t etwcap_state_apply_identities(etwcap_state *st, etwcap_identity_lookup lookup,
                                     void *payload);

size_t etwcap_state_process_count(const etwcap_state *st);
const etwcap_process *etwcap_state_process_at(const etwcap_state *st, size_t i);

/* The process record that `pid` denoted at raw time `ts`, or SIZE_MAX. */
size_t etwcap_state_find_process(const etwcap_state *st, uint32_t pid, int64_t ts);

/* The PID owning thread `tid` at `ts`, or ETWCAP_NO_ID when unknown. */
uint32_t etwcap_state_thread_pid(const etwcap_state *st, uint32_t tid, int64_t ts);

/* The process an event belongs to: the header's PID, or for PERFINFO events
 * (no PID in the header) the owner of the thread named in the payload or
 * header. Samples on thread 0 belong to the idle process (PID 0); DPC/ISR
 * samples belong to the kernel (PID 0) (etl-format.md §3.7). */
uint32_t etwcap_state_event_pid(const etwcap_state *st, const etwcap_event *ev);

/* The thread an event is shown under, as TraceEvent shows it: Process and
 * Image events report ETWCAP_NO_ID (-1), since their header names the
 * logging context rather than the subject; samples report the payload's
 * thread; others the header's. */
uint32_t etwcap_state_event_tid(const etwcap_event *ev);

/* The module containing `addr` in process record `proc` at `ts`; kernel
 * addresses also search the drivers (PID 0's images). NULL when none. */
const etwcap_module *etwcap_state_module_at(const etwcap_state *st, size_t proc, uint64_t addr,
                                            int64_t ts);

/* The lookup epoch of process record `proc` at `ts`, into *out: two times
 * with the same epoch get the same etwcap_state_module_at and
 * etwcap_state_method_at answers for every address of `proc`, so answers can
 * be cached by (proc, address, epoch). Built from the whole state on first
 * use after an update: meant for a state that is complete (a second pass).
 * 0, or -1 (out of memory, or `proc` unknown): the caller then looks up. */
int etwcap_state_epoch(etwcap_state *st, size_t proc, int64_t ts, uint64_t *out);

/* The JIT'd/R2R method containing `addr` in process `proc` at `ts`, or NULL. */
const etwcap_method *etwcap_state_method_at(const etwcap_state *st, size_t proc, uint64_t addr,
                                            int64_t ts);

/* An NT path ("\Device\HarddiskVolume2\...", "\SystemRoot\...") in
 * drive-letter form through the trace's own volume mapping; unmapped paths
 * are copied as they are. Returns the length written. */
size_t etwcap_state_map_path(const etwcap_state *st, const char *nt, char *out, size_t cap);

/* An image path inside a Windows container's virtual disk,
 * "\Device\VhdHardDisk{GUID}\rest" (etl-format.md §6.1, §6.3): writes the
 * GUID in lower case, 36 characters and a NUL, to `guid`, points `*rest` at
 * the path after the disk ("Windows\System32\foo.dll") and returns 1;
 * returns 0 for any other path. */
int etwcap_state_vhd_path(const char *nt, char guid[37], const char **rest);

/* A container id as given by a user ("{AAAA...}", any case) in the form
 * etwcap_state_vhd_path writes; 0 on success, -1 when it is not a GUID. */
int etwcap_state_container_id_parse(const char *in, size_t n, char guid[37]);

/* The CLR module with `module_id` in process `proc`, or NULL. */
const etwcap_clr_module *etwcap_state_clr_module(const etwcap_state *st, size_t proc,
                                                 uint64_t module_id);

/* Addresses at or above this are kernel addresses in every StackWalk frame
 * of the corpus (etl-format.md §8). */
#define ETWCAP_KERNEL_ADDR_MIN 0xFFFF000000000000ull

#ifdef __cplusplus
}
#endif
#endif
