/* kernel_process.c - Process class 3d6fa8d0 (group 3), etl-format.md §3.2:
 * the typed decoder for Start/Stop/DCStart/DCEnd/Defunct (all layout
 * versions), and TraceEvent's fields for those and PerfCtr/PerfCtrRundown. */
#include <string.h>

#include "decode/kernel_internal.h"

/* UserSID (§3.2): a first u32 of 0 is the whole field (4 bytes); otherwise a
 * TOKEN_USER head of 2·P bytes, then a SID of 8 + 4·SubAuthorityCount bytes
 * (the count is the SID's second byte). */
static void read_sid(etwcap_cursor *c, unsigned psize, const uint8_t **sid, size_t *sid_len)
{
    *sid = NULL;
    *sid_len = 0;
    if (etwcap_cursor_u32(c) == 0 || c->short_read)
        return;
    etwcap_cursor_skip(c, 2 * (size_t)psize - 4);
    size_t at = c->pos;
    (void)etwcap_cursor_u8(c); /* Revision */
    uint8_t n = etwcap_cursor_u8(c);
    etwcap_cursor_skip(c, 6 + 4 * (size_t)n);
    if (c->short_read)
        return;
    *sid = c->p + at;
    *sid_len = 8 + 4 * (size_t)n;
}

/* The common layout of opcodes 1-4 and 39, versions 0..5+ (§3.2). */
static etwcap_decode_result parse(const etwcap_event *ev, etwcap_process_info *out)
{
    unsigned psize = etwcap_kpsize(ev);
    unsigned v = ev->version;
    etwcap_cursor c;
    memset(out, 0, sizeof *out);
    etwcap_cursor_init(&c, ev->payload, ev->payload_len);
    if (v == 0) {
        /* v0: pointer-sized ProcessId and ParentId, then the SID. */
        out->pid = (uint32_t)etwcap_cursor_ptr(&c, psize);
        out->parent_pid = (uint32_t)etwcap_cursor_ptr(&c, psize);
    } else {
        /* v1: PageDirectoryBase; v2+: UniqueProcessKey. */
        uint64_t first = etwcap_cursor_ptr(&c, psize);
        if (v >= 2)
            out->unique_key = first;
        else
            out->directory_table_base = first;
        out->pid = etwcap_cursor_u32(&c);
        out->parent_pid = etwcap_cursor_u32(&c);
        out->session_id = etwcap_cursor_u32(&c);
        out->exit_status = (int32_t)etwcap_cursor_u32(&c);
        if (v >= 3)
            out->directory_table_base = etwcap_cursor_ptr(&c, psize);
        if (v >= 4)
            out->flags = etwcap_cursor_u32(&c);
    }
    read_sid(&c, psize, &out->sid, &out->sid_len);
    out->image_file_name = etwcap_cursor_cstr(&c);
    if (v >= 2)
        out->command_line = etwcap_cursor_wstr(&c);
    if (v >= 4) {
        out->package_full_name = etwcap_cursor_wstr(&c);
        out->application_id = etwcap_cursor_wstr(&c);
    }
    /* v5+ append data (e.g. Defunct's ExitTime) that nothing here needs. */
    if (c.short_read) {
        memset(out, 0, sizeof *out);
        return ETWCAP_DECODE_SHORT;
    }
    return ETWCAP_DECODE_OK;
}

etwcap_decode_result etwcap_decode_process(const etwcap_event *ev, etwcap_process_info *out)
{
    if (etwcap_event_classify(ev) != ETWCAP_EC_PROCESS) {
        memset(out, 0, sizeof *out);
        return ETWCAP_DECODE_UNKNOWN;
    }
    return parse(ev, out);
}

/* TraceEvent's ProcessFlags [Flags] enum (bit 3, "packaged", has no name
 * there, so a value with it prints as a number). */
static void add_flags(etwcap_fields *fl, uint32_t flags)
{
    static const char *const names[3] = {"PackageFullName", "Wow64", "Protected"};
    etwcap_kfields_add_flags(fl, "Flags", flags, names, 3);
}

static etwcap_decode_result process_fields(const etwcap_event *ev, etwcap_fields *out)
{
    etwcap_process_info p;
    if (parse(ev, &p) != ETWCAP_DECODE_OK)
        return etwcap_kfields_short(out);
    unsigned v = ev->version;
    /* TraceEvent shows 0 / "" for the fields a version lacks (§3.2). */
    etwcap_fields_add_u64(out, "ProcessID", p.pid);
    etwcap_fields_add_u64(out, "ParentID", p.parent_pid);
    etwcap_kfields_add_cspan(out, "ImageFileName", p.image_file_name);
    etwcap_fields_add_hex(out, "PageDirectoryBase", v >= 3 ? p.directory_table_base : 0);
    add_flags(out, p.flags);
    etwcap_fields_add_i64(out, "SessionID", (int32_t)p.session_id);
    etwcap_fields_add_i64(out, "ExitStatus", p.exit_status);
    etwcap_fields_add_hex(out, "UniqueProcessKey", p.unique_key);
    etwcap_kfields_add_wspan(out, "CommandLine", p.command_line);
    etwcap_kfields_add_wspan(out, "PackageFullName", p.package_full_name);
    etwcap_kfields_add_wspan(out, "ApplicationID", p.application_id);
    return ETWCAP_DECODE_OK;
}

/* PerfCtr / PerfCtrRundown (32/33): ProcessId, PageFaultCount, HandleCount,
 * Reserved, then ten pointer-sized counters (Process_TypeGroup2). */
static etwcap_decode_result perfctr_fields(const etwcap_event *ev, etwcap_fields *out)
{
    static const char *const sizes[10] = {"PeakVirtualSize",
                                          "PeakWorkingSetSize",
                                          "PeakPagefileUsage",
                                          "QuotaPeakPagedPoolUsage",
                                          "QuotaPeakNonPagedPoolUsage",
                                          "VirtualSize",
                                          "WorkingSetSize",
                                          "PagefileUsage",
                                          "QuotaPagedPoolUsage",
                                          "QuotaNonPagedPoolUsage"};
    unsigned psize = etwcap_kpsize(ev);
    etwcap_cursor c;
    etwcap_cursor_init(&c, ev->payload, ev->payload_len);
    uint32_t pid = etwcap_cursor_u32(&c);
    uint32_t faults = etwcap_cursor_u32(&c);
    uint32_t handles = etwcap_cursor_u32(&c);
    etwcap_cursor_skip(&c, 4);
    uint64_t v[11];
    for (int i = 0; i < 11; i++)
        v[i] = etwcap_cursor_ptr(&c, psize);
    if (c.short_read)
        return etwcap_kfields_short(out);
    etwcap_fields_add_u64(out, "ProcessID", pid);
    etwcap_fields_add_u64(out, "MemoryCount", faults);
    etwcap_fields_add_u64(out, "HandleCount", handles);
    for (int i = 0; i < 10; i++)
        etwcap_fields_add_u64(out, sizes[i], v[i]);
    etwcap_fields_add_u64(out, "PrivatePageCount", v[10]);
    return ETWCAP_DECODE_OK;
}

etwcap_decode_result etwcap_kfields_process(const etwcap_event *ev, etwcap_fields *out)
{
    switch (ev->opcode) {
    case 1:  /* Start */
    case 2:  /* Stop */
    case 3:  /* DCStart */
    case 4:  /* DCStop */
    case 39: /* Defunct */
        return process_fields(ev, out);
    case 32: /* PerfCtr */
    case 33: /* PerfCtrRundown */
        return perfctr_fields(ev, out);
    default:
        return ETWCAP_DECODE_UNKNOWN;
    }
}
