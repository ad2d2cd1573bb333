/* etwcap/stack.h - assembling call stacks from every kind of stack record.
 *
 * Stacks arrive after the event they belong to (etl-format.md §3.6):
 *  - StackWalk Stack (32) follows its event: same EventTimeStamp and thread;
 *  - a kernel-only stack is completed by the user part that arrives later on
 *    the same thread (a 32 whose frame 0 is a user address, or a 38);
 *  - StackKeyKernel/User (37/38) name a key whose frames are defined later
 *    by KeyDelete/KeyRundown (35/36); keys are reused, so a reference takes
 *    the first definition of its key at or after it;
 *  - events may carry their own STACK_TRACE or STACK_KEY extended item (§2.7).
 * The assembler holds an event only until its stack is complete, then hands
 * it to the callback with frames innermost first.
 */
#ifndef ETWCAP_STACK_H
#define ETWCAP_STACK_H

#include <stddef.h>
#include <stdint.h>

#include "etwcap/error.h"
#include "etwcap/event.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct etwcap_stacked {
    int is_sample;     /* PerfInfo SampledProfile; else an event with its own stack */
    int64_t timestamp; /* raw */
    uint32_t pid;      /* as attributed when the event arrived */
    uint32_t tid;
    uint32_t cpu;
    size_t proc;          /* process record (etwcap_state) when the event arrived, or SIZE_MAX */
    uint64_t ip;          /* sample instruction pointer; 0 otherwise */
    uint8_t sample_flags; /* SampledProfile Flags (bit0 DPC, bit1 ISR) */
    etwcap_guid provider; /* of the event (non-samples) */
    uint16_t event_id;
    const uint64_t *frames; /* innermost first */
    size_t nframes;
    int has_stack;      /* any frames at all */
    int has_user;       /* some frame is a user-mode address */
    int unresolved_key; /* a key reference never found its definition */
} etwcap_stacked;

typedef void (*etwcap_stacked_cb)(const etwcap_stacked *s, void *payload);

typedef struct etwcap_stack_asm etwcap_stack_asm;

etwcap_status etwcap_stack_asm_create(etwcap_stack_asm **out, etwcap_stacked_cb cb, void *payload);

/* Feed every event in time order. `pid` and `proc` are the event's owner as
 * the state stage attributes it at that moment (etwcap_state_event_pid and
 * etwcap_state_find_process). */
etwcap_status etwcap_stack_asm_update(etwcap_stack_asm *sa, const etwcap_event *ev, uint32_t pid,
                                      size_t proc);

/* End of input: hand over everything still waiting. */
etwcap_status etwcap_stack_asm_finish(etwcap_stack_asm *sa);

typedef struct etwcap_stack_stats {
    uint64_t samples;
    uint64_t samples_with_stack;
    uint64_t key_refs;
    uint64_t key_refs_resolved;
    uint64_t user_fragments_joined;
} etwcap_stack_stats;

const etwcap_stack_stats *etwcap_stack_asm_stats(const etwcap_stack_asm *sa);

void etwcap_stack_asm_free(etwcap_stack_asm *sa);

/* Kernel-mode address test (etl-format.md §8: every StackWalk frame in the
 * corpus is 64-bit; kernel addresses are at or above 0xFFFF000000000000). */
int etwcap_addr_is_kernel(uint64_t addr);

#ifdef __cplusplus
}
#endif
#endif
