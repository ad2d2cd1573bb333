/* kernel_image.c - Image class 2cb15d1d (group 0x14, and the legacy HookId
 * 0x030A), etl-format.md §3.4: the typed decoder for Load/Unload/DCStart/
 * DCEnd (all versions) and KernelBase, and TraceEvent's fields. */
#include <string.h>

#include "decode/kernel_internal.h"

#define OP_KERNEL_BASE 33

static int is_image_event(const etwcap_event *ev)
{
    if (etwcap_event_classify(ev) == ETWCAP_EC_IMAGE)
        return 1;
    return ev->kind == ETWCAP_KIND_KERNEL && etwcap_kernel_group(ev) == 0x14 &&
           ev->opcode == OP_KERNEL_BASE;
}

/* Layouts (§3.4):
 *   KernelBase (33): ImageBase ptr
 *   v0:  ImageBase ptr, ImageSize u32, FileName wstr
 *   v1:  ImageBase ptr, ImageSize ptr, ProcessId u32, FileName wstr
 *   v2+: ImageBase, ImageSize (ptr), ProcessId, ImageChecksum, TimeDateStamp
 *        (u32), SignatureLevel, SignatureType (u8), Reserved0 u16,
 *        DefaultBase ptr, Reserved1..4 (u32), FileName wstr */
static etwcap_decode_result parse(const etwcap_event *ev, etwcap_image_info *out)
{
    unsigned psize = etwcap_kpsize(ev);
    unsigned v = ev->version;
    etwcap_cursor c;
    memset(out, 0, sizeof *out);
    etwcap_cursor_init(&c, ev->payload, ev->payload_len);
    out->base = etwcap_cursor_ptr(&c, psize);
    if (ev->opcode != OP_KERNEL_BASE) {
        if (v == 0) {
            out->size = etwcap_cursor_u32(&c);
        } else {
            out->size = etwcap_cursor_ptr(&c, psize);
            out->pid = etwcap_cursor_u32(&c);
        }
        if (v >= 2) {
            out->checksum = etwcap_cursor_u32(&c);
            out->time_date_stamp = etwcap_cursor_u32(&c);
            etwcap_cursor_skip(&c, 4); /* SignatureLevel, SignatureType, Reserved0 */
            out->default_base = etwcap_cursor_ptr(&c, psize);
            etwcap_cursor_skip(&c, 16); /* Reserved1..4 */
        }
        out->file_name = etwcap_cursor_wstr(&c);
    }
    if (c.short_read) {
        memset(out, 0, sizeof *out);
        return ETWCAP_DECODE_SHORT;
    }
    return ETWCAP_DECODE_OK;
}

etwcap_decode_result etwcap_decode_image(const etwcap_event *ev, etwcap_image_info *out)
{
    if (!is_image_event(ev)) {
        memset(out, 0, sizeof *out);
        return ETWCAP_DECODE_UNKNOWN;
    }
    return parse(ev, out);
}

/* TraceEvent's ImageLoadTraceData. FileName is the path as logged: TraceEvent
 * maps NT device paths to drive letters with the SysConfig VolumeMapping
 * events, which needs state across events (done after decoding, not here).
 * ImageChecksum and TimeDateStamp are 0 before v2. */
static etwcap_decode_result image_fields(const etwcap_event *ev, etwcap_fields *out)
{
    etwcap_image_info im;
    if (parse(ev, &im) != ETWCAP_DECODE_OK)
        return etwcap_kfields_short(out);
    etwcap_fields_add_hex(out, "ImageBase", im.base);
    etwcap_fields_add_u64(out, "ImageSize", im.size);
    etwcap_fields_add_u64(out, "ImageChecksum", im.checksum);
    /* TraceEvent's TimeDateStamp is an int: it prints a negative number for
     * stamps past 2038; BuildTime reads the same bits as unsigned. */
    etwcap_fields_add_i64(out, "TimeDateStamp", (int32_t)im.time_date_stamp);
    etwcap_fields_add_hex(out, "DefaultBase", im.default_base);
    etwcap_kfields_add_stamp_date(out, "BuildTime", im.time_date_stamp);
    etwcap_kfields_add_wspan(out, "FileName", im.file_name);
    return ETWCAP_DECODE_OK;
}

etwcap_decode_result etwcap_kfields_image(const etwcap_event *ev, etwcap_fields *out)
{
    etwcap_image_info im;
    switch (ev->opcode) {
    case 2:  /* Unload */
    case 3:  /* DCStart */
    case 4:  /* DCStop */
    case 10: /* Load */
        return image_fields(ev, out);
    case OP_KERNEL_BASE: /* TraceEvent shows it through the MOF: ImageBase */
        if (parse(ev, &im) != ETWCAP_DECODE_OK)
            return etwcap_kfields_short(out);
        etwcap_fields_add_hex(out, "ImageBase", im.base);
        return ETWCAP_DECODE_OK;
    default:
        return ETWCAP_DECODE_UNKNOWN;
    }
}
