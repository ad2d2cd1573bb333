/* etwcap/evidence.h - runtime evidence for a process tree or container.
 *
 * From a file, the evidence stage reads the trace twice: the first pass rebuilds processes,
 * threads, modules and methods (etwcap_state) and resolves the target set;
 * the second assembles stacks and records which functions of the target
 * processes were JIT-compiled, entered, sampled or seen on a stack. Events
 * of other processes never enter the evidence. The document format is
 * docs/evidence-format.md (schema/evidence.schema.json).
 */
#ifndef ETWCAP_EVIDENCE_H
#define ETWCAP_EVIDENCE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "etwcap/error.h"
#include "etwcap/reader.h"
#include "etwcap/state.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct etwcap_evidence_options {
    uint32_t version;             /* ETWCAP_EVIDENCE_OPTIONS_VERSION */
    const char *const *processes; /* image names, with or without ".exe" */
    size_t nprocesses;
    const uint32_t *pids;
    size_t npids;
    const char *const *containers; /* container ids, any case, braces allowed */
    size_t ncontainers;
    int no_children;     /* only the selected processes, not their descendants */
    const char *symbols; /* symbol search path, or NULL */
    size_t max_chains;   /* call chains kept per function; 0 = 8 */
    /* "GUID=DIR": the files of the container whose images are logged as
     * "\Device\VhdHardDisk{GUID}\..." are under DIR (etl-format.md §6.1);
     * their PE identity and symbols are read from there. */
    const char *const *container_roots;
    size_t ncontainer_roots;
    int symbolizer; /* etwcap_symbolizer_backend; 0 = builtin */
} etwcap_evidence_options;

#define ETWCAP_EVIDENCE_OPTIONS_VERSION 1

typedef struct etwcap_evidence etwcap_evidence;

/* Build the evidence for `path`. Reader problems go to `ropts->on_diag`.
 * Returns ETWCAP_OK, ETWCAP_END when the selector matched no process (the
 * evidence is then created, for etwcap_evidence_state to list what the trace
 * holds), or an error. */
etwcap_status etwcap_evidence_build(etwcap_evidence **out, const char *path,
                                    const etwcap_evidence_options *opts,
                                    const etwcap_reader_options *ropts, etwcap_diag *diag);

/* Evidence from a stream of events (a live session's consumer, or a replay)
 * instead of a file: the document is byte-identical to etwcap_evidence_build
 * on a file holding the same events. Targets can be known only at the end
 * (a process is named by its rundown, a child starts late), so the stream
 * keeps the state up to date and retains a copy of each event the second
 * pass acts on (stacks, samples, CLR runtime/rundown events, thread stops);
 * everything else is dropped as it arrives. */
typedef struct etwcap_evidence_stream etwcap_evidence_stream;

/* `source_name` and `source_sha256` (64 hex digits, or NULL for none) are
 * what the document's capture.source names. */
etwcap_status etwcap_evidence_stream_begin(etwcap_evidence_stream **out,
                                           const etwcap_evidence_options *opts,
                                           const char *source_name, const char *source_sha256);

/* The session's log-file header (clock, CPUs, OS, losses); the last call
 * before etwcap_evidence_stream_end wins. Without one, times are raw. */
void etwcap_evidence_stream_set_info(etwcap_evidence_stream *s, const etwcap_logfile_info *info);

/* One event, in time order. The event's memory may be reused after the call. */
etwcap_status etwcap_evidence_stream_add(etwcap_evidence_stream *s, const etwcap_event *ev);

/* Bytes of events retained so far, and how many (for memory reports). */
size_t etwcap_evidence_stream_retained(const etwcap_evidence_stream *s, size_t *nevents);

/* Build the evidence and free the stream (also on error). Returns as
 * etwcap_evidence_build does. */
etwcap_status etwcap_evidence_stream_end(etwcap_evidence_stream *s, etwcap_evidence **out);

/* Free a stream without building (NULL is fine). */
void etwcap_evidence_stream_free(etwcap_evidence_stream *s);

/* Number of reader diagnostics met while building. */
size_t etwcap_evidence_diag_count(const etwcap_evidence *e);

/* The rebuilt state (processes etc.) of the whole trace. */
const etwcap_state *etwcap_evidence_state(const etwcap_evidence *e);

/* Write the canonical document (RFC 8785), or with `attest` an in-toto
 * Statement v1 whose predicate is the document. */
etwcap_status etwcap_evidence_write(const etwcap_evidence *e, FILE *f, int attest);

void etwcap_evidence_free(etwcap_evidence *e);

#ifdef __cplusplus
}
#endif
#endif
