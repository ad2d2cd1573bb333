/* clr_module.c - typed decoder for ModuleLoad/Unload, ModuleDCStart/DCEnd
 * and DomainModuleLoad/DCStart/DCEnd (etl-format.md §4.3, §4.4). */
#include <string.h>

#include "decode/decode_internal.h"

/* DomainModule events: runtime 151 (DomainModuleLoad), rundown 151/152. */
static int is_domain_module(const etwcap_event *ev)
{
    return ev->id == 151 ||
           (ev->id == 152 && etwcap_guid_equal(&ev->provider, &etwcap_guid_clr_rundown));
}

/* Module layout (§4.4): ModuleID u64, AssemblyID u64,
 * [DomainModule: AppDomainID u64], ModuleFlags u32, Reserved1 u32,
 * ModuleILPath wstr, ModuleNativePath wstr, v1+: ClrInstanceID u16,
 * v2+ (Module only): ManagedPdbSignature GUID, ManagedPdbAge u32,
 * ManagedPdbBuildPath wstr, NativePdbSignature GUID, NativePdbAge u32,
 * NativePdbBuildPath wstr. */
etwcap_decode_result etwcap_decode_clr_module(const etwcap_event *ev, etwcap_clr_module_info *out)
{
    etwcap_cursor c;
    memset(out, 0, sizeof *out);
    if (etwcap_event_classify(ev) != ETWCAP_EC_CLR_MODULE)
        return ETWCAP_DECODE_UNKNOWN;
    int domain = is_domain_module(ev);
    etwcap_cursor_init(&c, ev->payload, ev->payload ? ev->payload_len : 0);
    out->module_id = etwcap_cursor_u64(&c);
    out->assembly_id = etwcap_cursor_u64(&c);
    if (domain)
        out->app_domain_id = etwcap_cursor_u64(&c);
    out->flags = etwcap_cursor_u32(&c);
    etwcap_cursor_skip(&c, 4); /* Reserved1 */
    out->il_path = etwcap_cursor_wstr(&c);
    out->native_path = etwcap_cursor_wstr(&c);
    if (ev->version >= 1)
        out->clr_instance_id = etwcap_cursor_u16(&c);
    if (!domain && ev->version >= 2) {
        out->has_pdb = 1;
        out->managed_pdb_guid = etwcap_cursor_guid(&c);
        out->managed_pdb_age = etwcap_cursor_u32(&c);
        out->managed_pdb_path = etwcap_cursor_wstr(&c);
        out->native_pdb_guid = etwcap_cursor_guid(&c);
        out->native_pdb_age = etwcap_cursor_u32(&c);
        out->native_pdb_path = etwcap_cursor_wstr(&c);
    }
    return c.short_read ? ETWCAP_DECODE_SHORT : ETWCAP_DECODE_OK;
}
