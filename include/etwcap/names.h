/* etwcap/names.h - event names as TraceEvent writes them.
 *
 * A name has the form "Provider/Task/Opcode" (or "Provider/Task",
 * "Provider/EventName"), for example "Windows Kernel/Image/DCStart",
 * "Microsoft-Windows-DotNETRuntime/Method/LoadVerbose" or
 * "KernelTraceControl/ImageID/DbgID_RSDS". Unknown manifest providers give
 * "Provider(<guid>)/EventID(<n>)", unknown classic ones
 * "Provider(<guid>)/Opcode(<n>)", and TraceLogging events use the provider
 * and event names carried in the event itself.
 */
#ifndef ETWCAP_NAMES_H
#define ETWCAP_NAMES_H

#include <stddef.h>
#include "etwcap/event.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Write the event's full name into `out` (always NUL-terminated, truncated
 * to `cap`). Returns the length written. */
size_t etwcap_event_name(const etwcap_event *ev, char *out, size_t cap);

/* Write only the provider part ("Windows Kernel", "Microsoft-Windows-
 * DotNETRuntime", "Provider(<guid>)", ...). Returns the length written. */
size_t etwcap_provider_name(const etwcap_event *ev, char *out, size_t cap);

/* Look up a provider by TraceEvent name (case-insensitive) or GUID text.
 * Returns 0 and fills *out on success, -1 when the name is unknown. For the
 * kernel ("Windows Kernel"), *is_kernel is set to 1: the match is then on the
 * kind of the event rather than on one GUID. */
int etwcap_provider_lookup(const char *name_or_guid, etwcap_guid *out, int *is_kernel);

/* 1 when the event's name depends on the event's content (TraceLogging
 * events, the CLR's GCDynamicEvent), not only on its provider, kind, id,
 * opcode and HookId: a cache of names keyed by those fields must then name
 * the event itself. */
int etwcap_event_name_varies(const etwcap_event *ev);

/* 1 when the event belongs to the provider found by etwcap_provider_lookup
 * (pass its *out and *is_kernel). Kernel and classic events carry a class
 * GUID, not the provider's: KernelTraceControl's ImageID events, for
 * example, belong to KernelTraceControl 28ad2447-105b-4fe2-9599-e59b2aa9a634,
 * and every kernel class TraceEvent prints as "Windows Kernel" matches
 * is_kernel. */
int etwcap_event_from_provider(const etwcap_event *ev, const etwcap_guid *provider, int is_kernel);

#ifdef __cplusplus
}
#endif
#endif
