/* kernel_sysconfig.c - the KernelTraceControl "SysConfig" class 9b79ee91
 * (classic records the merger writes at the start and end of a file; names in
 * TraceEvent: Windows Kernel/SysConfig/...), etl-format.md §3.4 (volume
 * mapping), §8. Opcodes as TraceEvent registers them:
 *   32 BuildInfo:     InstallDate FILETIME, BuildLab wstr, ProductName wstr
 *   33 SystemPaths:   SystemDirectory wstr, SystemWindowsDirectory wstr
 *   34 UnknownVolume: Value wstr
 *   35 VolumeMapping: NtPath wstr, DosPath wstr */
#include "decode/kernel_internal.h"

static etwcap_decode_result two_strings(const etwcap_event *ev, etwcap_fields *out,
                                        const char *first, const char *second)
{
    etwcap_cursor c;
    etwcap_cursor_init(&c, ev->payload, ev->payload_len);
    etwcap_wspan a = etwcap_cursor_wstr(&c);
    etwcap_wspan b = etwcap_cursor_wstr(&c);
    if (c.short_read)
        return etwcap_kfields_short(out);
    etwcap_kfields_add_wspan(out, first, a);
    etwcap_kfields_add_wspan(out, second, b);
    return ETWCAP_DECODE_OK;
}

static etwcap_decode_result build_info(const etwcap_event *ev, etwcap_fields *out)
{
    etwcap_cursor c;
    etwcap_cursor_init(&c, ev->payload, ev->payload_len);
    int64_t install = (int64_t)etwcap_cursor_u64(&c);
    etwcap_wspan lab = etwcap_cursor_wstr(&c);
    etwcap_wspan product = etwcap_cursor_wstr(&c);
    if (c.short_read)
        return etwcap_kfields_short(out);
    etwcap_kfields_add_filetime(out, "InstallDate", install);
    etwcap_kfields_add_wspan(out, "BuildLab", lab);
    etwcap_kfields_add_wspan(out, "ProductName", product);
    return ETWCAP_DECODE_OK;
}

etwcap_decode_result etwcap_kfields_sysconfig(const etwcap_event *ev, etwcap_fields *out)
{
    switch (ev->opcode) {
    case 32:
        return build_info(ev, out);
    case 33:
        return two_strings(ev, out, "SystemDirectory", "SystemWindowsDirectory");
    case 34: {
        etwcap_cursor c;
        etwcap_cursor_init(&c, ev->payload, ev->payload_len);
        etwcap_wspan v = etwcap_cursor_wstr(&c);
        if (c.short_read)
            return etwcap_kfields_short(out);
        etwcap_kfields_add_wspan(out, "Value", v);
        return ETWCAP_DECODE_OK;
    }
    case 35:
        return two_strings(ev, out, "NtPath", "DosPath");
    default:
        return ETWCAP_DECODE_UNKNOWN;
    }
}
