/* evidence_internal.h - data of the evidence stage (src/lib/evidence/). */
#ifndef ETWCAP_EVIDENCE_INTERNAL_H
#define ETWCAP_EVIDENCE_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "common/u64map.h"
#include "etwcap/evidence.h"
#include "etwcap/stack.h"
#include "etwcap/symbol.h"

enum {
    OBS_JIT = 1,
    OBS_ON_STACK = 2,
    OBS_R2R_ENTRY = 4,
    OBS_SAMPLED = 8
};

typedef struct ev_function {
    size_t proc;        /* state process record */
    uint64_t method_id; /* CLR MethodID; two methods may share a name and signature */
    char *module;
    char *name;
    char *signature;
    int managed;
    etwcap_resolution resolution;
    unsigned observed;
    uint64_t samples;
    int64_t first_seen, last_seen; /* raw */
    char id[17];
    /* The frame label "module!name" (cut to EV_LABEL_MAX bytes): its length,
     * ev_text_hash and EV_HASH_MUL to the power of its length, so that a
     * chain's hash grows by a label at a time. */
    char *label;
    size_t label_len;
    uint64_t label_hash, label_pow;
    uint64_t mark; /* on_stack: the last stack (numbered from 1) this function was met in */
} ev_function;

#define EV_LABEL_MAX 639

typedef struct ev_chain {
    size_t function;
    uint64_t hash;
    char *text; /* frames root to the function, '\n'-separated */
    size_t len; /* of text */
    uint64_t count;
} ev_chain;

/* A frame already symbolized in pass 2 (the state no longer changes then):
 * the same process, address and method/module records give the same
 * function. */
typedef struct ev_frame {
    size_t proc;
    uint64_t addr;
    uintptr_t method; /* the method record with a name, or 0 */
    uintptr_t module; /* the module record when there is no such method, or 0 */
    size_t function;
    unsigned char managed, resolved;
} ev_frame;

/* Frames remembered at most; the cache starts over when full. */
#define EV_FRAME_CACHE_MAX (1u << 18)

/* A frame's answer by (process, address, lookup epoch), in front of the
 * cache above: within an epoch the method and module records at an address
 * do not change (etwcap_state_epoch), so a hit skips both range searches.
 * Direct-mapped, 2^EV_EPOCH_CACHE_BITS entries; a newer frame replaces an
 * older one with the same hash bits. */
typedef struct ev_epoch_frame {
    uint64_t addr;
    uint64_t epoch;
    size_t proc;
    size_t function;
    unsigned char used, managed, resolved;
} ev_epoch_frame;

#define EV_EPOCH_CACHE_BITS 16

/* What could have been seen of one target process (issue: completeness). */
typedef struct ev_proc_stats {
    uint64_t samples, samples_user, frames, frames_resolved, managed_frames, managed_resolved;
    uint64_t method_rundown, module_rundown;
    int rundown_start, rundown_end; /* CLR rundown DCStart / DCEnd seen */
    int kernel_stacks, clr_jit_loader, clr_r2r, clr_stacks;
} ev_proc_stats;

/* Everything a provider name is made from (decode/names.c: resolve), for an
 * event whose names do not come from TraceLogging metadata of its own. */
typedef struct ev_provider_key {
    etwcap_guid provider;
    uint16_t hook_id;
    uint16_t id;
    uint8_t kind; /* etwcap_event_kind + 1: 0 marks an empty slot */
    uint8_t opcode;
} ev_provider_key;
#define EV_PROVIDER_CACHE 64

struct etwcap_evidence {
    etwcap_state *state;
    etwcap_logfile_info info;
    int have_info;
    char *file_name;
    char file_sha256[65];
    uint64_t events_total;
    size_t diags;
    uint32_t sample_interval_100ns; /* 0 when unknown */

    char **providers;
    size_t nproviders;
    etwcap_u64map provider_seen;
    /* Header fields of recent events whose provider is already listed
     * (direct-mapped; see remember_provider). */
    ev_provider_key provider_cache[EV_PROVIDER_CACHE];
    /* ev_on_stack's scratch (function per frame, chain text), kept across
     * stacks: one allocation per stack was most of the bytes allocated. */
    size_t *stack_fns;
    char *stack_chain;
    size_t stack_cap; /* frames both hold */

    /* selector, as given */
    char **sel_process;
    size_t nsel_process;
    uint32_t *sel_pid;
    size_t nsel_pid;
    char **sel_container;
    size_t nsel_container;
    int children;
    size_t max_chains;

    uint8_t *target;   /* per process record: 1 when in the target set */
    ev_proc_stats *ps; /* per process record */
    uint64_t buffers_skipped;
    size_t ntarget_slots;

    ev_function *fn;
    size_t nfn, capfn;
    etwcap_u64map fn_index; /* key hash -> function */
    ev_chain *chains;
    size_t nchains, capchains;
    etwcap_u64map chain_index; /* (function, chain) hash -> chain */
    /* Stacks handled by on_stack so far. */
    uint64_t stack_no;
    ev_frame *fcache;
    size_t nfcache, capfcache;
    etwcap_u64map fcache_index; /* (proc, addr, records) hash -> fcache entry */
    ev_epoch_frame *ecache;     /* from ev_prepare_pass2; NULL: not used */

    etwcap_symbolizer *sym;
    etwcap_status err;

    /* coverage of the target's samples */
    uint64_t samples, samples_with_stack, samples_user;
    uint64_t frames, frames_resolved, managed_frames, managed_resolved;
};

/* evidence.c: the steps and per-event handlers that the file path (two
 * reads of the file) and the stream path (evidence_stream.c) share. */
etwcap_status ev_create(etwcap_evidence **out, const char *source_name,
                        const etwcap_evidence_options *o);
/* Pass 1: state, providers, sample interval. */
etwcap_status ev_pass1_event(etwcap_evidence *e, const etwcap_event *ev);
/* Between the passes: targets (their number in *ntargets), per-target
 * stats, the symbolizer with the options' back end and container roots. */
etwcap_status ev_prepare_pass2(etwcap_evidence *e, const etwcap_evidence_options *o, int *ntargets,
                               etwcap_diag *diag);
/* Pass 2: observations and stacks of the targets; errors go to e->err. */
void ev_pass2_event(etwcap_evidence *e, etwcap_stack_asm *sa, const etwcap_event *ev);
/* 0 when ev_pass2_event does nothing with `ev` whatever the targets are. */
int ev_pass2_relevant(const etwcap_event *ev);
void ev_on_stack(const etwcap_stacked *s, void *payload);

/* functions.c */
size_t ev_function_get(etwcap_evidence *e, size_t proc, const char *module, const char *name,
                       const char *signature, uint64_t method_id, int managed,
                       etwcap_resolution res);
void ev_function_seen(etwcap_evidence *e, size_t f, unsigned how, int64_t ts);
int ev_chain_add(etwcap_evidence *e, size_t f, const char *text, size_t len);
/* The same with text_hash = ev_text_hash(0, text, len), which a caller that
 * grows the text can compute as it goes: the hash is polynomial, so
 * hash(a + b) = hash(a) * EV_HASH_MUL^len(b) + hash(b). */
int ev_chain_add_hashed(etwcap_evidence *e, size_t f, const char *text, size_t len,
                        uint64_t text_hash);
#define EV_HASH_MUL 0x100000001B3ULL
uint64_t ev_text_hash(uint64_t h, const char *s, size_t n);
void ev_functions_free(etwcap_evidence *e);

/* select.c */
int ev_select_targets(etwcap_evidence *e);
int ev_image_matches(const char *image, const char *name);
void ev_normalize_container(const char *in, char out[37]);

#endif
