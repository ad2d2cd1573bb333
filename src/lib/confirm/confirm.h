/* confirm/confirm.h - `etwcap confirm`: static reachability claims checked
 * against a runtime-evidence document.
 *
 * Pipeline: read the evidence (etwcap.evidence/v1, docs/evidence-format.md)
 * and the claims (etwcap.claims/v1, schema/claims.schema.json) with jansson,
 * match each claim's sink against the evidence's functions and call chains
 * (match.c), place it in the verdict lattice (verdict.c, docs/verdicts.md)
 * and write etwcap.verdicts/v1 (verdict_write.c).
 *
 * The readers validate types and required members themselves; a problem is
 * reported as "FILE: line L, column C: PATH: what" (etwcap_confirm_error).
 * Strings in the structures below point into the parsed document and live as
 * long as it does. Nothing here keeps global state.
 */
#ifndef ETWCAP_CONFIRM_H
#define ETWCAP_CONFIRM_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "etwcap/error.h"

/* A problem with an input document. line/column are 1-based (column counts
 * Unicode characters, as jansson does); 0 when the problem has no position
 * (the file could not be read). `message` is the whole text, ready to print. */
typedef struct etwcap_confirm_error {
    int line;
    int column;
    char message[512];
} etwcap_confirm_error;

/* ------------------------------------------------------------ evidence -- */

enum {
    ETWCAP_OBS_JIT = 1u << 0,       /* "jit" */
    ETWCAP_OBS_R2R_ENTRY = 1u << 1, /* "r2r-entry" */
    ETWCAP_OBS_SAMPLED = 1u << 2,   /* "sampled" */
    ETWCAP_OBS_ON_STACK = 1u << 3,  /* "on-stack" */
    ETWCAP_OBS_OTHER = 1u << 4      /* a flag this reader does not know */
};

typedef enum etwcap_code_kind {
    ETWCAP_CODE_MANAGED = 0,
    ETWCAP_CODE_NATIVE = 1,
    ETWCAP_CODE_OTHER = 2 /* evidence only: a kind this reader does not know */
} etwcap_code_kind;

typedef struct etwcap_ev_chain {
    const char **frames; /* "module!function", root to leaf */
    size_t nframes;
    uint64_t count;
} etwcap_ev_chain;

typedef struct etwcap_ev_function {
    const char *id;
    uint32_t process;
    const char *module;
    const char *name;
    const char *signature; /* NULL when absent or null */
    etwcap_code_kind kind;
    unsigned observed; /* ETWCAP_OBS_* */
    uint64_t samples;
    const char *first_seen; /* ISO 8601 UTC, NULL when absent */
    const char *last_seen;
    etwcap_ev_chain *chains;
    size_t nchains;
} etwcap_ev_function;

typedef struct etwcap_ev_module {
    uint32_t process;
    const char *path;
    const char *kind;       /* "native", "managed-il", "r2r", or NULL */
    const char *first_load; /* NULL when absent */
} etwcap_ev_module;

typedef struct etwcap_ev_process {
    uint32_t pid;
    const char *image; /* NULL when absent or null */
} etwcap_ev_process;

/* One record of the evidence's `completeness` array (numbers -1 when absent
 * or null; flags -1 when absent). */
typedef struct etwcap_ev_completeness {
    uint32_t pid;
    double sample_interval_ms, duration_ms, samples;
    double user_fraction;   /* samples_reaching_user_fraction */
    double frames_resolved; /* frames_resolved_fraction */
    int whole_lifetime, started_before, rundown_start, rundown_end;
    double method_rundown_events;
    int kernel_stacks, clr_jit_loader, clr_r2r_entry;
} etwcap_ev_completeness;

typedef struct etwcap_evdoc {
    const char *sha256;
    /* capture */
    const char *source_file; /* NULL when absent */
    uint64_t events_total, events_lost, buffers_lost;
    double duration_ms;        /* -1 when absent */
    double sample_interval_ms; /* -1 when absent or null */
    const char **providers;
    size_t nproviders;
    /* coverage (all -1 when the member is absent) */
    double samples, samples_with_stack, stack_fraction;
    etwcap_ev_process *processes;
    size_t nprocesses;
    etwcap_ev_module *modules;
    size_t nmodules;
    etwcap_ev_function *functions;
    size_t nfunctions;
    etwcap_ev_completeness *completeness; /* per target process */
    size_t ncompleteness;
    void *priv; /* the parsed document */
} etwcap_evdoc;

/* Parse an evidence document (or an in-toto Statement whose predicate is
 * one). `name` names the input in messages. Returns ETWCAP_OK, or
 * ETWCAP_ERR_FORMAT / ETWCAP_ERR_NOMEM with `err` filled in. */
etwcap_status etwcap_evdoc_parse(etwcap_evdoc **out, const char *text, size_t len, const char *name,
                                 etwcap_confirm_error *err);
/* Read and parse a file (ETWCAP_ERR_IO when it cannot be read). */
etwcap_status etwcap_evdoc_load(etwcap_evdoc **out, const char *path, etwcap_confirm_error *err);
void etwcap_evdoc_free(etwcap_evdoc *ev);

/* -------------------------------------------------------------- claims -- */

typedef enum etwcap_static_verdict {
    ETWCAP_STATIC_NONE = 0, /* the claim gives no static verdict */
    ETWCAP_STATIC_REACHABLE,
    ETWCAP_STATIC_UNREACHABLE,
    ETWCAP_STATIC_UNKNOWN
} etwcap_static_verdict;

typedef struct etwcap_claim {
    const char *id;
    const char *vulnerability;
    const char *sink_module;
    const char *sink_name;
    etwcap_code_kind sink_kind; /* managed or native */
    const char **static_path;   /* entry point to sink; "name" or "module!name" */
    size_t nstatic_path;
    int has_static_path;
    etwcap_static_verdict static_verdict;
} etwcap_claim;

typedef struct etwcap_claims {
    etwcap_claim *claims;
    size_t nclaims;
    void *priv;
} etwcap_claims;

etwcap_status etwcap_claims_parse(etwcap_claims **out, const char *text, size_t len,
                                  const char *name, etwcap_confirm_error *err);
etwcap_status etwcap_claims_load(etwcap_claims **out, const char *path, etwcap_confirm_error *err);
void etwcap_claims_free(etwcap_claims *c);

/* ------------------------------------------------------------ matching -- */

/* Canonical module key: file name without folder, without one of the
 * extensions .dll .exe .sys .winmd .so and then an NGen ".ni", ASCII lower
 * case. Returns a malloc'd string or NULL when out of memory. */
char *etwcap_match_module_key(const char *module);
/* Does `module` (any spelling: name, file name or path) have the canonical
 * key `key` (from etwcap_match_module_key)? An empty key matches nothing. */
int etwcap_match_module(const char *module, const char *key);
/* Canonical function name (signature, generic arity and instantiation
 * removed; "::", "+" and "/" become "."). malloc'd, or NULL. */
char *etwcap_match_canon_name(const char *name);
/* Do two canonical names match (equal, or one a dotted tail of the other of
 * at least two components)? */
int etwcap_match_canon_eq(const char *a, const char *b);
/* Does `name` (any spelling) match the canonical sink name? -1: no memory. */
int etwcap_match_name(const char *sink_canon, const char *name);
/* Does a "module!function" frame match the sink (module key + canonical
 * name)? -1: out of memory. */
int etwcap_match_frame(const char *frame, const char *sink_module_key, const char *sink_canon);

/* ------------------------------------------------------------ verdicts -- */

typedef enum etwcap_verdict_state {
    ETWCAP_V_UNKNOWN = 0,
    ETWCAP_V_STATIC_REACHABLE,
    ETWCAP_V_STATIC_UNREACHABLE,
    ETWCAP_V_RUNTIME_OBSERVED,
    ETWCAP_V_RUNTIME_UNOBSERVED,
    ETWCAP_V_CONFIRMED_REACHABLE,
    ETWCAP_V_CONFIRMED_UNREACHABLE,
    ETWCAP_V_CONTESTED,
    ETWCAP_V_NSTATES
} etwcap_verdict_state;

/* "ConfirmedReachable", ... */
const char *etwcap_verdict_state_name(etwcap_verdict_state s);
/* Parse a state name (ASCII case-insensitive). 0 on success, -1 unknown. */
int etwcap_verdict_state_parse(const char *s, size_t n, etwcap_verdict_state *out);

typedef struct etwcap_observation {
    int observed;
    const char *first_seen, *last_seen; /* NULL when the evidence gives none */
    unsigned how;                       /* ETWCAP_OBS_* union */
    uint64_t samples;
    size_t *functions; /* indexes into evdoc->functions, in evidence order */
    size_t nfunctions;
    uint32_t *pids; /* distinct, ascending */
    size_t npids;
} etwcap_observation;

typedef struct etwcap_witness {
    const etwcap_ev_chain *chain; /* NULL: no call chain contains the sink */
    size_t function;              /* index of the function that holds the chain */
    size_t static_hits;           /* static-path entries the chain passes through */
    size_t static_total;          /* entries in the claim's static path (0: none) */
} etwcap_witness;

/* What the capture could have seen of the sink (detect.c): which statement
 * applies to absence, its limits and, for native code, the sampling bound. */
typedef enum etwcap_detect_basis {
    ETWCAP_DETECT_NONE = 0,   /* the capture cannot see this kind of code */
    ETWCAP_DETECT_FIRST_CALL, /* managed: JIT / R2R first-call events */
    ETWCAP_DETECT_SAMPLING    /* native: CPU samples with stacks */
} etwcap_detect_basis;

enum {
    ETWCAP_LIMIT_INLINED = 1u << 0,        /* "inlined" */
    ETWCAP_LIMIT_BEFORE_CAPTURE = 1u << 1, /* "before-capture" */
    ETWCAP_LIMIT_PRECOMPILED = 1u << 2,    /* "precompiled-without-r2r-events" */
    ETWCAP_LIMIT_EVENTS_LOST = 1u << 3,    /* "events-lost" */
    ETWCAP_LIMIT_KERNEL_ONLY = 1u << 4,    /* "stacks-not-reaching-user" */
    ETWCAP_LIMIT_UNRESOLVED = 1u << 5,     /* "unresolved-frames" */
    ETWCAP_LIMIT_NO_INTERVAL = 1u << 6,    /* "sampling-interval-unknown" */
    ETWCAP_LIMIT_COUNT = 7
};

/* The name of limit bit i (0 <= i < ETWCAP_LIMIT_COUNT). */
const char *etwcap_detect_limit_name(unsigned i);

/* The 95 % sampling bound of one target process: C = T * ln 20 / u. */
typedef struct etwcap_detect_bound {
    const etwcap_ev_completeness *c;
    double min_cpu_ms; /* -1: no bound (interval unknown or no sample reached user mode) */
} etwcap_detect_bound;

typedef struct etwcap_detectability {
    etwcap_detect_basis basis;
    int exact;       /* absence (or presence) is exact: a first-call event names the sink */
    unsigned limits; /* ETWCAP_LIMIT_* */
    etwcap_detect_bound *bounds; /* sampling: one per completeness record */
    size_t nbounds;
    double min_cpu_ms; /* sampling: the largest bound of the target processes; -1 none */
    char *statement;   /* plain language, malloc'd */
} etwcap_detectability;

typedef struct etwcap_verdict {
    const etwcap_claim *claim;
    etwcap_detectability detect;
    etwcap_verdict_state state;
    etwcap_observation obs;
    etwcap_witness witness;
    int module_loaded; /* the sink's module was loaded in a target process */
    char *reason;      /* plain language, malloc'd */
} etwcap_verdict;

typedef struct etwcap_verdicts {
    const etwcap_evdoc *ev;
    etwcap_verdict *v; /* one per claim, in claims order */
    size_t n;
} etwcap_verdicts;

/* The plain-language reason of a computed verdict (verdict_reason.c; used by
 * etwcap_verdicts_compute). `observable`: the evidence could have seen the
 * sink; `loaded`: a module entry of the sink's module, or NULL. malloc'd. */
char *etwcap_verdict_reason(const etwcap_evdoc *ev, const etwcap_verdict *v, int observable,
                            const etwcap_ev_module *loaded);

/* Fill v->detect for a verdict whose observation and module state are
 * known (detect.c). `observable` as for etwcap_verdict_reason. */
etwcap_status etwcap_detect_compute(const etwcap_evdoc *ev, etwcap_verdict *v, int observable,
                                    const etwcap_ev_module *loaded);
void etwcap_detect_free(etwcap_detectability *d);

etwcap_status etwcap_verdicts_compute(etwcap_verdicts **out, const etwcap_evdoc *ev,
                                      const etwcap_claims *claims);
void etwcap_verdicts_free(etwcap_verdicts *v);

/* Serialize etwcap.verdicts/v1 (one line plus a newline) to `f`. */
etwcap_status etwcap_verdicts_write(const etwcap_verdicts *v, FILE *f);
/* Write to `path` through a temporary file in the same folder, renamed into
 * place after a complete write; on any failure no file is left behind and
 * `why` says what went wrong. A device, FIFO or link at `path` is written
 * through instead (common/outfile.h). */
etwcap_status etwcap_verdicts_write_file(const etwcap_verdicts *v, const char *path, char *why,
                                         size_t why_cap);

#endif
