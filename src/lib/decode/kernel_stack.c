/* kernel_stack.c - StackWalk class def2fe46 (group 0x18), etl-format.md
 * §3.6: Stack (32), KeyDelete/KeyRundown (35/36) and StackKeyKernel/User
 * (37/38): typed decoders and fields. Frames are pointer-sized. */
#include <string.h>

#include "decode/kernel_internal.h"

/* Stack (32): EventTimeStamp u64, StackProcess u32, StackThread u32, then
 * (len - 16) / P frames. */
static etwcap_decode_result parse_stack(const etwcap_event *ev, etwcap_stackwalk_info *out)
{
    unsigned psize = etwcap_kpsize(ev);
    etwcap_cursor c;
    memset(out, 0, sizeof *out);
    etwcap_cursor_init(&c, ev->payload, ev->payload_len);
    out->event_timestamp = (int64_t)etwcap_cursor_u64(&c);
    out->pid = etwcap_cursor_u32(&c);
    out->tid = etwcap_cursor_u32(&c);
    if (c.short_read) {
        memset(out, 0, sizeof *out);
        return ETWCAP_DECODE_SHORT;
    }
    out->frame_size = psize;
    out->nframes = etwcap_cursor_left(&c) / psize;
    out->frames = out->nframes ? c.p + c.pos : NULL;
    return ETWCAP_DECODE_OK;
}

/* KeyDelete/KeyRundown (35/36): StackKey ptr, then len / P - 1 frames. */
static etwcap_decode_result parse_key_def(const etwcap_event *ev, etwcap_stack_key_def_info *out)
{
    unsigned psize = etwcap_kpsize(ev);
    etwcap_cursor c;
    memset(out, 0, sizeof *out);
    etwcap_cursor_init(&c, ev->payload, ev->payload_len);
    out->key = etwcap_cursor_ptr(&c, psize);
    if (c.short_read) {
        memset(out, 0, sizeof *out);
        return ETWCAP_DECODE_SHORT;
    }
    out->frame_size = psize;
    out->nframes = etwcap_cursor_left(&c) / psize;
    out->frames = out->nframes ? c.p + c.pos : NULL;
    return ETWCAP_DECODE_OK;
}

/* StackKeyKernel/User (37/38): EventTimeStamp u64, StackProcess u32,
 * StackThread u32, StackKey ptr. */
static etwcap_decode_result parse_key_ref(const etwcap_event *ev, etwcap_stack_key_ref_info *out)
{
    unsigned psize = etwcap_kpsize(ev);
    etwcap_cursor c;
    memset(out, 0, sizeof *out);
    etwcap_cursor_init(&c, ev->payload, ev->payload_len);
    out->event_timestamp = (int64_t)etwcap_cursor_u64(&c);
    out->pid = etwcap_cursor_u32(&c);
    out->tid = etwcap_cursor_u32(&c);
    out->key = etwcap_cursor_ptr(&c, psize);
    out->user = ev->opcode == 38;
    if (c.short_read) {
        memset(out, 0, sizeof *out);
        return ETWCAP_DECODE_SHORT;
    }
    return ETWCAP_DECODE_OK;
}

etwcap_decode_result etwcap_decode_stackwalk(const etwcap_event *ev, etwcap_stackwalk_info *out)
{
    if (etwcap_event_classify(ev) != ETWCAP_EC_STACKWALK) {
        memset(out, 0, sizeof *out);
        return ETWCAP_DECODE_UNKNOWN;
    }
    return parse_stack(ev, out);
}

etwcap_decode_result etwcap_decode_stack_key_def(const etwcap_event *ev,
                                                 etwcap_stack_key_def_info *out)
{
    if (etwcap_event_classify(ev) != ETWCAP_EC_STACK_KEY_DEF) {
        memset(out, 0, sizeof *out);
        return ETWCAP_DECODE_UNKNOWN;
    }
    return parse_key_def(ev, out);
}

etwcap_decode_result etwcap_decode_stack_key_ref(const etwcap_event *ev,
                                                 etwcap_stack_key_ref_info *out)
{
    if (etwcap_event_classify(ev) != ETWCAP_EC_STACK_KEY_REF) {
        memset(out, 0, sizeof *out);
        return ETWCAP_DECODE_UNKNOWN;
    }
    return parse_key_ref(ev, out);
}

/* Frames as IP0, IP1, ... (TraceEvent's PayloadNames list IP0..IP3; all are
 * given here, as many as the field list holds). */
static void add_frames(etwcap_fields *out, const uint8_t *frames, size_t n, unsigned fsize)
{
    for (size_t i = 0; i < n; i++)
        etwcap_fields_add_hex(out, etwcap_kfields_ip_name(i), etwcap_frame_at(frames, fsize, i));
}

/* TraceEvent shows the event time relative to the trace start, which needs
 * the file's clock: the raw value is given instead, as EventTimeStampQPC. */
etwcap_decode_result etwcap_kfields_stackwalk(const etwcap_event *ev, etwcap_fields *out)
{
    switch (ev->opcode) {
    case 32: {
        etwcap_stackwalk_info s;
        if (parse_stack(ev, &s) != ETWCAP_DECODE_OK)
            return etwcap_kfields_short(out);
        etwcap_fields_add_i64(out, "EventTimeStampQPC", s.event_timestamp);
        etwcap_fields_add_u64(out, "StackProcess", s.pid);
        etwcap_fields_add_u64(out, "StackThread", s.tid);
        etwcap_fields_add_u64(out, "FrameCount", s.nframes);
        add_frames(out, s.frames, s.nframes, s.frame_size);
        return ETWCAP_DECODE_OK;
    }
    case 35: /* KeyDelete */
    case 36: /* KeyRundown */ {
        etwcap_stack_key_def_info d;
        if (parse_key_def(ev, &d) != ETWCAP_DECODE_OK)
            return etwcap_kfields_short(out);
        etwcap_fields_add_hex(out, "StackKey", d.key);
        etwcap_fields_add_u64(out, "FrameCount", d.nframes);
        add_frames(out, d.frames, d.nframes, d.frame_size);
        return ETWCAP_DECODE_OK;
    }
    case 37: /* StackKeyKernel */
    case 38: /* StackKeyUser */ {
        etwcap_stack_key_ref_info r;
        if (parse_key_ref(ev, &r) != ETWCAP_DECODE_OK)
            return etwcap_kfields_short(out);
        etwcap_fields_add_i64(out, "EventTimeStampQPC", r.event_timestamp);
        etwcap_fields_add_u64(out, "StackProcess", r.pid);
        etwcap_fields_add_u64(out, "StackThread", r.tid);
        etwcap_fields_add_hex(out, "StackKey", r.key);
        return ETWCAP_DECODE_OK;
    }
    default:
        return ETWCAP_DECODE_UNKNOWN;
    }
}
