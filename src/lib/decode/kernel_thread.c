/* kernel_thread.c - Thread class 3d6fa8d1 (group 5), etl-format.md §3.3:
 * the typed decoder for Start/Stop/DCStart/DCEnd and TraceEvent's fields. */
#include <string.h>

#include "decode/kernel_internal.h"

/* Layouts (§3.3; older versions from the kernel MOF):
 *   v0:  ThreadId, ProcessId (u32 each)
 *   v1:  ProcessId, ThreadId; Start/DCStart add StackBase, StackLimit,
 *        UserStackBase, UserStackLimit, StartAddr, Win32StartAddr (ptr each)
 *        and a WaitMode byte
 *   v2+: ProcessId, ThreadId, 7 ptrs (..., Win32StartAddr, TebBase),
 *        SubProcessTag u32; v3 adds four priority/flag bytes, later
 *        versions a ThreadName wstr. */
static etwcap_decode_result parse(const etwcap_event *ev, etwcap_thread_info *out)
{
    unsigned psize = etwcap_kpsize(ev);
    unsigned v = ev->version;
    etwcap_cursor c;
    memset(out, 0, sizeof *out);
    etwcap_cursor_init(&c, ev->payload, ev->payload_len);
    if (v == 0) {
        out->tid = etwcap_cursor_u32(&c);
        out->pid = etwcap_cursor_u32(&c);
    } else {
        out->pid = etwcap_cursor_u32(&c);
        out->tid = etwcap_cursor_u32(&c);
    }
    if (v == 1 && etwcap_cursor_left(&c) >= 6 * (size_t)psize) {
        out->stack_base = etwcap_cursor_ptr(&c, psize);
        out->stack_limit = etwcap_cursor_ptr(&c, psize);
        out->user_stack_base = etwcap_cursor_ptr(&c, psize);
        out->user_stack_limit = etwcap_cursor_ptr(&c, psize);
        out->start_addr = etwcap_cursor_ptr(&c, psize);
        out->win32_start_addr = etwcap_cursor_ptr(&c, psize);
    } else if (v >= 2) {
        out->stack_base = etwcap_cursor_ptr(&c, psize);
        out->stack_limit = etwcap_cursor_ptr(&c, psize);
        out->user_stack_base = etwcap_cursor_ptr(&c, psize);
        out->user_stack_limit = etwcap_cursor_ptr(&c, psize);
        out->start_addr = etwcap_cursor_ptr(&c, psize);
        out->win32_start_addr = etwcap_cursor_ptr(&c, psize);
        out->teb_base = etwcap_cursor_ptr(&c, psize);
        (void)etwcap_cursor_u32(&c); /* SubProcessTag */
    }
    if (c.short_read) {
        memset(out, 0, sizeof *out);
        return ETWCAP_DECODE_SHORT;
    }
    return ETWCAP_DECODE_OK;
}

etwcap_decode_result etwcap_decode_thread(const etwcap_event *ev, etwcap_thread_info *out)
{
    if (etwcap_event_classify(ev) != ETWCAP_EC_THREAD) {
        memset(out, 0, sizeof *out);
        return ETWCAP_DECODE_UNKNOWN;
    }
    return parse(ev, out);
}

/* TraceEvent's ThreadTraceData: the address fields exist from v2; the four
 * bytes after SubProcessTag and ThreadName from v3 when the payload is long
 * enough. ParentThreadID/ParentProcessID are the Start event's header ids
 * (the creating thread), -1 for the other opcodes and before v2. */
static etwcap_decode_result thread_fields(const etwcap_event *ev, etwcap_fields *out)
{
    static const char *const prio[4] = {"BasePriority", "PagePriority", "IoPriority",
                                        "ThreadFlags"};
    etwcap_thread_info t;
    if (parse(ev, &t) != ETWCAP_DECODE_OK)
        return etwcap_kfields_short(out);
    unsigned psize = etwcap_kpsize(ev);
    unsigned v = ev->version;
    int v2 = v >= 2;
    size_t tag_off = 8 + 7 * (size_t)psize; /* SubProcessTag */
    size_t len = ev->payload_len;
    etwcap_fields_add_hex(out, "StackBase", v2 ? t.stack_base : 0);
    etwcap_fields_add_hex(out, "StackLimit", v2 ? t.stack_limit : 0);
    etwcap_fields_add_hex(out, "UserStackBase", v2 ? t.user_stack_base : 0);
    etwcap_fields_add_hex(out, "UserStackLimit", v2 ? t.user_stack_limit : 0);
    etwcap_fields_add_hex(out, "StartAddr", v2 ? t.start_addr : 0);
    etwcap_fields_add_hex(out, "Win32StartAddr", v2 ? t.win32_start_addr : 0);
    etwcap_fields_add_hex(out, "TebBase", v2 ? t.teb_base : 0);
    /* SubProcessTag and the bytes after it, read with their own cursor. */
    etwcap_cursor c;
    etwcap_cursor_init(&c, ev->payload, len);
    etwcap_cursor_skip(&c, tag_off);
    uint32_t tag = v2 ? etwcap_cursor_u32(&c) : 0;
    etwcap_fields_add_u64(out, "SubProcessTag", tag);
    for (size_t i = 0; i < 4; i++) {
        uint8_t b = (v >= 3 && len >= tag_off + 4 + i + 1) ? etwcap_cursor_u8(&c) : 0;
        etwcap_fields_add_u64(out, prio[i], b);
    }
    etwcap_wspan name = {NULL, 0};
    if (v >= 3 && len >= tag_off + 10) /* TraceEvent: HostOffset(46, 7) */
        name = etwcap_cursor_wstr(&c);
    etwcap_kfields_add_wspan(out, "ThreadName", name);
    int start = v2 && ev->opcode == 1;
    etwcap_fields_add_i64(out, "ParentThreadID", start ? (int32_t)ev->tid : -1);
    etwcap_fields_add_i64(out, "ParentProcessID", start ? (int32_t)ev->pid : -1);
    return ETWCAP_DECODE_OK;
}

etwcap_decode_result etwcap_kfields_thread(const etwcap_event *ev, etwcap_fields *out)
{
    if (ev->opcode >= 1 && ev->opcode <= 4)
        return thread_fields(ev, out);
    return ETWCAP_DECODE_UNKNOWN;
}
