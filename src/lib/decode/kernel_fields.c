/* kernel_fields.c - TraceEvent-named fields of kernel (SYSTEM/PERFINFO
 * header) and classic KernelTraceControl events: dispatch by class GUID
 * (etl-format.md §2.2 group table, §3). The class GUID, not the header kind,
 * picks the layout, so classic records that carry a kernel class (relogged or
 * injected) decode the same way. */
#include "decode/kernel_internal.h"

typedef etwcap_decode_result (*kfields_fn)(const etwcap_event *ev, etwcap_fields *out);

typedef struct kclass {
    const etwcap_guid *guid;
    kfields_fn fn;
} kclass;

etwcap_decode_result etwcap_decode_kernel_fields(const etwcap_event *ev, etwcap_fields *out)
{
    const kclass classes[] = {
        {&etwcap_kclass_eventtrace, etwcap_kfields_eventtrace},
        {&etwcap_kclass_process, etwcap_kfields_process},
        {&etwcap_kclass_thread, etwcap_kfields_thread},
        {&etwcap_kclass_image, etwcap_kfields_image},
        {&etwcap_kclass_stackwalk, etwcap_kfields_stackwalk},
        {&etwcap_kclass_perfinfo, etwcap_kfields_perfinfo},
        {&etwcap_guid_image_id, etwcap_kfields_image_id},
        {&etwcap_kclass_metadata, etwcap_kfields_metadata},
        {&etwcap_kclass_sysconfig, etwcap_kfields_sysconfig},
        {&etwcap_kclass_diskio, etwcap_kfields_diskio},
        {&etwcap_kclass_pagefault, etwcap_kfields_pagefault},
        {&etwcap_kclass_tcpip, etwcap_kfields_tcpip},
        {&etwcap_kclass_udpip, etwcap_kfields_udpip},
        {&etwcap_kclass_config, etwcap_kfields_config},
    };
    etwcap_fields_clear(out);
    if (ev->kind != ETWCAP_KIND_KERNEL && ev->kind != ETWCAP_KIND_CLASSIC)
        return ETWCAP_DECODE_UNKNOWN;
    if (!ev->payload && ev->payload_len)
        return ETWCAP_DECODE_SHORT;
    for (size_t i = 0; i < sizeof classes / sizeof classes[0]; i++) {
        if (etwcap_guid_equal(&ev->provider, classes[i].guid))
            return classes[i].fn(ev, out);
    }
    return ETWCAP_DECODE_UNKNOWN;
}
