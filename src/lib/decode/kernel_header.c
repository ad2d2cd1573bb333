/* kernel_header.c - EventTrace class (group 0) fields: the log-file header
 * (opcode 0, etl-format.md §1.8), header extensions (5, 32) and
 * RundownComplete (8), §3.1. Names as TraceEvent's EventTraceHeaderTraceData
 * and HeaderExtensionTraceData give them. */
#include "decode/kernel_internal.h"

/* TRACE_LOGFILE_HEADER (§1.8). Offsets below are the 32-bit ones; `p` adds
 * (P - 4) for each pointer before the field, as TraceEvent's HostOffset. */
static etwcap_decode_result header_fields(const etwcap_event *ev, etwcap_fields *out)
{
    unsigned extra = etwcap_kpsize(ev) - 4;
    etwcap_cursor c;
    etwcap_cursor_init(&c, ev->payload, ev->payload_len);
    uint32_t buffer_size = etwcap_cursor_u32(&c);
    uint32_t version = etwcap_cursor_u32(&c);
    uint32_t provider_version = etwcap_cursor_u32(&c);
    uint32_t ncpu = etwcap_cursor_u32(&c);
    int64_t end_time = (int64_t)etwcap_cursor_u64(&c);
    uint32_t timer_res = etwcap_cursor_u32(&c);
    uint32_t max_file = etwcap_cursor_u32(&c);
    uint32_t mode = etwcap_cursor_u32(&c);
    uint32_t written = etwcap_cursor_u32(&c);
    uint32_t start_buffers = etwcap_cursor_u32(&c);
    uint32_t pointer_size = etwcap_cursor_u32(&c);
    uint32_t lost = etwcap_cursor_u32(&c);
    uint32_t mhz = etwcap_cursor_u32(&c);
    /* LoggerName, LogFileName (pointer-sized, Win7+: timer sources) */
    etwcap_cursor_skip(&c, 2 * (4 + (size_t)extra));
    int32_t bias = (int32_t)etwcap_cursor_u32(&c); /* TimeZone.Bias, 0x40 + 2·extra */
    etwcap_cursor_skip(&c, 0xAC - 4 + 4);          /* rest of TIME_ZONE_INFORMATION, padding */
    int64_t boot_time = (int64_t)etwcap_cursor_u64(&c);
    uint64_t perf_freq = etwcap_cursor_u64(&c);
    int64_t start_time = (int64_t)etwcap_cursor_u64(&c);
    uint32_t reserved_flags = etwcap_cursor_u32(&c);
    uint32_t buffers_lost = etwcap_cursor_u32(&c);
    etwcap_wspan session = etwcap_cursor_wstr(&c);
    etwcap_wspan logfile = etwcap_cursor_wstr(&c);
    if (c.short_read)
        return etwcap_kfields_short(out);

    etwcap_fields_add_u64(out, "BufferSize", buffer_size);
    etwcap_fields_add_hex(out, "Version", version);
    etwcap_fields_add_u64(out, "ProviderVersion", provider_version);
    etwcap_fields_add_u64(out, "NumberOfProcessors", ncpu);
    etwcap_kfields_add_filetime(out, "EndTime", end_time);
    etwcap_fields_add_u64(out, "TimerResolution", timer_res);
    etwcap_fields_add_u64(out, "MaxFileSize", max_file);
    etwcap_fields_add_hex(out, "LogFileMode", mode);
    etwcap_fields_add_u64(out, "BuffersWritten", written);
    etwcap_fields_add_u64(out, "StartBuffers", start_buffers);
    etwcap_fields_add_u64(out, "PointerSize", pointer_size);
    etwcap_fields_add_u64(out, "EventsLost", lost);
    etwcap_fields_add_u64(out, "CPUSpeed", mhz);
    etwcap_kfields_add_filetime(out, "BootTime", boot_time);
    etwcap_fields_add_u64(out, "PerfFreq", perf_freq);
    etwcap_kfields_add_filetime(out, "StartTime", start_time);
    etwcap_fields_add_hex(out, "ReservedFlags", reserved_flags);
    etwcap_fields_add_u64(out, "BuffersLost", buffers_lost);
    etwcap_kfields_add_wspan(out, "SessionName", session);
    etwcap_kfields_add_wspan(out, "LogFileName", logfile);
    etwcap_fields_add_i64(out, "UtcOffsetMinutes", bias);
    return ETWCAP_DECODE_OK;
}

/* ETW_KERNEL_HEADER_EXTENSION: 8 group masks, then KernelEventVersion from
 * layout version 2 on (§1.8, §3.1). */
static etwcap_decode_result extension_fields(const etwcap_event *ev, etwcap_fields *out)
{
    static const char *const masks[8] = {"GroupMask1", "GroupMask2", "GroupMask3", "GroupMask4",
                                         "GroupMask5", "GroupMask6", "GroupMask7", "GroupMask8"};
    etwcap_cursor c;
    etwcap_cursor_init(&c, ev->payload, ev->payload_len);
    uint32_t m[8];
    for (int i = 0; i < 8; i++)
        m[i] = etwcap_cursor_u32(&c);
    uint32_t kev = 0;
    if (ev->version >= 2)
        kev = etwcap_cursor_u32(&c);
    if (c.short_read)
        return etwcap_kfields_short(out);
    for (int i = 0; i < 8; i++)
        etwcap_fields_add_hex(out, masks[i], m[i]);
    etwcap_fields_add_u64(out, "KernelEventVersion", kev);
    return ETWCAP_DECODE_OK;
}

etwcap_decode_result etwcap_kfields_eventtrace(const etwcap_event *ev, etwcap_fields *out)
{
    switch (ev->opcode) {
    case 0:
        return header_fields(ev, out);
    case 5:  /* Extension */
    case 32: /* EndExtension */
        return extension_fields(ev, out);
    case 8: /* RundownComplete: no payload */
        return ETWCAP_DECODE_OK;
    default:
        return ETWCAP_DECODE_UNKNOWN;
    }
}
