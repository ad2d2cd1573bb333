/* clr_method.c - typed decoders for MethodLoad/Unload/DCStart/DCEnd, their
 * Verbose forms, and R2RGetEntryPoint (etl-format.md §4.3, §4.4). */
#include <string.h>

#include "decode/decode_internal.h"

/* Runtime 141-144 (MethodLoad, MethodUnload, MethodLoadVerbose,
 * MethodUnloadVerbose) and rundown 141-144 (MethodDCStart, MethodDCEnd and
 * their Verbose forms) share one layout per verbosity (§4.4):
 *   MethodID u64, ModuleID u64, MethodStartAddress u64, MethodSize u32,
 *   MethodToken u32, MethodFlags u32,
 *   [Verbose: MethodNamespace, MethodName, MethodSignature wstr],
 *   v1+: ClrInstanceID u16, v2+: ReJITID u64 (unaligned). */
etwcap_decode_result etwcap_decode_clr_method(const etwcap_event *ev, etwcap_clr_method_info *out)
{
    etwcap_cursor c;
    memset(out, 0, sizeof *out);
    if (etwcap_event_classify(ev) != ETWCAP_EC_CLR_METHOD)
        return ETWCAP_DECODE_UNKNOWN;
    etwcap_cursor_init(&c, ev->payload, ev->payload ? ev->payload_len : 0);
    out->verbose = ev->id == 143 || ev->id == 144;
    out->method_id = etwcap_cursor_u64(&c);
    out->module_id = etwcap_cursor_u64(&c);
    out->start = etwcap_cursor_u64(&c);
    out->size = etwcap_cursor_u32(&c);
    out->token = etwcap_cursor_u32(&c);
    out->flags = etwcap_cursor_u32(&c);
    if (out->verbose) {
        out->method_namespace = etwcap_cursor_wstr(&c);
        out->method_name = etwcap_cursor_wstr(&c);
        out->method_signature = etwcap_cursor_wstr(&c);
    }
    if (ev->version >= 1)
        out->clr_instance_id = etwcap_cursor_u16(&c);
    if (ev->version >= 2)
        out->rejit_id = etwcap_cursor_u64(&c);
    return c.short_read ? ETWCAP_DECODE_SHORT : ETWCAP_DECODE_OK;
}

/* R2RGetEntryPoint (runtime 159), template R2RGetEntryPoint in
 * ClrEtwAll.man: MethodID u64, MethodNamespace, MethodName,
 * MethodSignature wstr, EntryPoint u64, ClrInstanceID u16. */
etwcap_decode_result etwcap_decode_clr_r2r(const etwcap_event *ev, etwcap_clr_r2r_info *out)
{
    etwcap_cursor c;
    memset(out, 0, sizeof *out);
    if (etwcap_event_classify(ev) != ETWCAP_EC_CLR_R2R_ENTRY)
        return ETWCAP_DECODE_UNKNOWN;
    etwcap_cursor_init(&c, ev->payload, ev->payload ? ev->payload_len : 0);
    out->method_id = etwcap_cursor_u64(&c);
    out->method_namespace = etwcap_cursor_wstr(&c);
    out->method_name = etwcap_cursor_wstr(&c);
    out->method_signature = etwcap_cursor_wstr(&c);
    out->entry_point = etwcap_cursor_u64(&c);
    out->clr_instance_id = etwcap_cursor_u16(&c);
    return c.short_read ? ETWCAP_DECODE_SHORT : ETWCAP_DECODE_OK;
}
