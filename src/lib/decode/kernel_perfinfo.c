/* kernel_perfinfo.c - PerfInfo class ce1dbfb4 (group 0x0F), etl-format.md
 * §3.7: SampledProfile (46) typed and as fields, and the sample-interval
 * events SetInterval/CollectionStart/CollectionEnd (72/73/74). */
#include <string.h>

#include "common/bytes.h"
#include "decode/kernel_internal.h"

#define OP_SAMPLE 46

/* SampledProfile: InstructionPointer ptr, ThreadId u32, Count u16,
 * Flags u8 (bit0 DPC, bit1 ISR, bits 3-7 priority), Rank u8. */
static etwcap_decode_result parse_sample(const etwcap_event *ev, etwcap_sample_info *out)
{
    etwcap_cursor c;
    memset(out, 0, sizeof *out);
    etwcap_cursor_init(&c, ev->payload, ev->payload_len);
    out->ip = etwcap_cursor_ptr(&c, etwcap_kpsize(ev));
    out->tid = etwcap_cursor_u32(&c);
    out->count = etwcap_cursor_u16(&c);
    out->flags = etwcap_cursor_u8(&c);
    out->rank = etwcap_cursor_u8(&c);
    if (c.short_read) {
        memset(out, 0, sizeof *out);
        return ETWCAP_DECODE_SHORT;
    }
    return ETWCAP_DECODE_OK;
}

etwcap_decode_result etwcap_decode_sample(const etwcap_event *ev, etwcap_sample_info *out)
{
    if (etwcap_event_classify(ev) != ETWCAP_EC_SAMPLE) {
        memset(out, 0, sizeof *out);
        return ETWCAP_DECODE_UNKNOWN;
    }
    return parse_sample(ev, out);
}

int etwcap_sample_is_idle(const etwcap_event *ev)
{
    /* What parse_sample reads (§3.7): the pointer-sized InstructionPointer,
     * ThreadId (u32), Count (u16), Flags and Rank (u8 each). A shorter
     * payload does not decode, so it is no idle sample. Read directly:
     * `stats` asks this of every sample. */
    const size_t ps = etwcap_kpsize(ev);
    if (ev->payload_len < ps + 8)
        return 0;
    return etwcap_rd32(ev->payload + ps) == 0 && !(ev->payload[ps + 6] & 3u);
}

/* TraceEvent's SampledProfileTraceData: ProcessorNumber is the header's CPU;
 * the ThreadID goes to the header (PerfView FixupData), not to the fields. */
static etwcap_decode_result sample_fields(const etwcap_event *ev, etwcap_fields *out)
{
    etwcap_sample_info s;
    if (parse_sample(ev, &s) != ETWCAP_DECODE_OK)
        return etwcap_kfields_short(out);
    etwcap_fields_add_hex(out, "InstructionPointer", s.ip);
    etwcap_fields_add_u64(out, "ProcessorNumber", ev->cpu);
    etwcap_fields_add_u64(out, "Priority", (s.flags >> 3) & 0x1F);
    etwcap_fields_add_bool(out, "ExecutingDPC", s.flags & 1);
    etwcap_fields_add_bool(out, "ExecutingISR", s.flags & 2);
    etwcap_fields_add_u64(out, "Rank", s.rank);
    etwcap_fields_add_u64(out, "Count", s.count);
    return ETWCAP_DECODE_OK;
}

/* SampledProfileInterval: SampleSource, NewInterval, OldInterval (u32 each;
 * a source name may follow, which TraceEvent does not show). */
static etwcap_decode_result interval_fields(const etwcap_event *ev, etwcap_fields *out)
{
    etwcap_cursor c;
    etwcap_cursor_init(&c, ev->payload, ev->payload_len);
    uint32_t source = etwcap_cursor_u32(&c);
    uint32_t new_interval = etwcap_cursor_u32(&c);
    uint32_t old_interval = etwcap_cursor_u32(&c);
    if (c.short_read)
        return etwcap_kfields_short(out);
    etwcap_fields_add_u64(out, "SampleSource", source);
    etwcap_fields_add_u64(out, "NewInterval", new_interval);
    etwcap_fields_add_u64(out, "OldInterval", old_interval);
    return ETWCAP_DECODE_OK;
}

etwcap_decode_result etwcap_kfields_perfinfo(const etwcap_event *ev, etwcap_fields *out)
{
    switch (ev->opcode) {
    case OP_SAMPLE:
        return sample_fields(ev, out);
    case 72: /* SetInterval */
    case 73: /* CollectionStart */
    case 74: /* CollectionEnd */
        return interval_fields(ev, out);
    default:
        return ETWCAP_DECODE_UNKNOWN;
    }
}
