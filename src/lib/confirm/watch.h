/* confirm/watch.h - a watch-list of claim sinks over a live stream of events
 * (`etwcap capture --watch`, docs/capture.md).
 *
 * The watcher is fed each event in time order (the events the evidence
 * stream gets) and keeps its own state, stack assembler and symbolizer, so
 * a frame is named with what the trace has said up to that moment. For each
 * claim it reports the first observation of the sink, once:
 *   - managed sinks: the first runtime MethodLoadVerbose (a JIT) or
 *     R2RGetEntryPoint (first call of a precompiled method) that names the
 *     sink, with the event's own stack (extended item or the ClrStackWalk
 *     that follows it on its thread, etl-format.md §4.3);
 *   - managed and native sinks: the first CPU sample whose stack holds a
 *     frame that names the sink ("sampled" when it is the leaf, else
 *     "on stack").
 * Names are compared with the rules of `etwcap confirm` (match.c), kinds
 * included. Each hit is written as a block of text (etwcap_watch_create).
 */
#ifndef ETWCAP_CONFIRM_WATCH_H
#define ETWCAP_CONFIRM_WATCH_H

#include <stdint.h>
#include <stdio.h>

#include "confirm/confirm.h"
#include "etwcap/event.h"
#include "etwcap/reader.h"

typedef struct etwcap_watch etwcap_watch;

typedef struct etwcap_watch_options {
    /* Processes watched: these PIDs, processes with these image names (with
     * or without ".exe", any case), processes in these containers (ids in
     * any case, braces allowed) and, unless no_children, their descendants.
     * Nothing given: every process. */
    const uint32_t *pids;
    size_t npids;
    const char *const *processes;
    size_t nprocesses;
    const char *const *containers;
    size_t ncontainers;
    int no_children;
    const char *symbols; /* symbol search path for native frames, or NULL */
    int symbolizer;      /* etwcap_symbolizer_backend; 0 = builtin */
} etwcap_watch_options;

/* `claims` must outlive the watcher. Hits are written to `out` (flushed
 * after each). */
etwcap_status etwcap_watch_create(etwcap_watch **out, const etwcap_claims *claims,
                                  const etwcap_watch_options *o, FILE *hits);

/* Watch one more PID (the COMMAND of `capture -- COMMAND`, known late). */
etwcap_status etwcap_watch_add_pid(etwcap_watch *w, uint32_t pid);

/* The log-file header: hit times are then UTC, else raw timestamps. */
void etwcap_watch_set_info(etwcap_watch *w, const etwcap_logfile_info *info);

/* One event, in time order. */
etwcap_status etwcap_watch_add(etwcap_watch *w, const etwcap_event *ev);

/* End of input: stacks still waiting are handed over (and may still hit). */
etwcap_status etwcap_watch_finish(etwcap_watch *w);

/* Claims that have fired so far. */
size_t etwcap_watch_hits(const etwcap_watch *w);

void etwcap_watch_free(etwcap_watch *w);

#endif
