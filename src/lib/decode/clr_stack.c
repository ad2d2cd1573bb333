/* clr_stack.c - typed decoder for ClrStackWalk (runtime 82, rundown 0,
 * private 151; etl-format.md §4.4, template ClrStackWalk in ClrEtwAll.man). */
#include <string.h>

#include "decode/decode_internal.h"

/* ClrInstanceID u16, Reserved1 u8, Reserved2 u8, FrameCount u32, then
 * FrameCount pointers of the record's pointer size (the manifest's
 * count="2" is not the real count). Frame 0 is the innermost. */
etwcap_decode_result etwcap_decode_clr_stack(const etwcap_event *ev, etwcap_clr_stack_info *out)
{
    etwcap_cursor c;
    memset(out, 0, sizeof *out);
    if (etwcap_event_classify(ev) != ETWCAP_EC_CLR_STACK)
        return ETWCAP_DECODE_UNKNOWN;
    etwcap_cursor_init(&c, ev->payload, ev->payload ? ev->payload_len : 0);
    out->frame_size = ev->pointer_size == 4 ? 4 : 8;
    out->clr_instance_id = etwcap_cursor_u16(&c);
    etwcap_cursor_skip(&c, 2); /* Reserved1, Reserved2 */
    uint32_t count = etwcap_cursor_u32(&c);
    if (c.short_read || (uint64_t)count * out->frame_size > etwcap_cursor_left(&c))
        return ETWCAP_DECODE_SHORT;
    out->nframes = count;
    out->frames = count ? ev->payload + c.pos : NULL;
    return ETWCAP_DECODE_OK;
}
