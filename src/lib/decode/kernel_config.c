/* kernel_config.c - the EventTraceConfig class 01853a65 (group 0x0B,
 * TraceEvent's "SystemConfig"), hardware and system configuration the kernel
 * logger writes at rundown, etl-format.md §2.2. Offsets and names from
 * TraceEvent's SystemConfig*TraceData; Platform (25) is decoded through the
 * system MOF there ("MSNT_SystemTrace/SystemConfig/Platform"). */
#include "decode/kernel_internal.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
/* clang-format off */
#define F(name, off, nptr, kind) {name, off, nptr, ETWCAP_KT_##kind, 0}
#define S(name, off, nchars) {name, off, 0, ETWCAP_KT_FWSTR, nchars}
/* clang-format on */

/* CPU (10), v2+: DomainName is 134 characters, HyperThreadingFlag at 800. */
static const etwcap_kt_field cpu_v2[] = {
    F("MHz", 0, 0, I32),       F("NumberOfProcessors", 4, 0, I32),     F("MemSize", 8, 0, I32),
    F("PageSize", 12, 0, I32), F("AllocationGranularity", 16, 0, I32), S("ComputerName", 20, 256),
    S("DomainName", 532, 134), F("HyperThreadingFlag", 800, 0, PTR),
};
static const etwcap_kt_field cpu_v1[] = {
    F("MHz", 0, 0, I32),       F("NumberOfProcessors", 4, 0, I32),     F("MemSize", 8, 0, I32),
    F("PageSize", 12, 0, I32), F("AllocationGranularity", 16, 0, I32), S("ComputerName", 20, 256),
    S("DomainName", 532, 132), F("HyperThreadingFlag", 796, 0, PTR),
};
/* PhyDisk (11) */
static const etwcap_kt_field phy_disk[] = {
    F("DiskNumber", 0, 0, I32),       F("BytesPerSector", 4, 0, I32),
    F("SectorsPerTrack", 8, 0, I32),  F("TracksPerCylinder", 12, 0, I32),
    F("Cylinders", 16, 0, I64),       F("SCSIPort", 24, 0, I32),
    F("SCSIPath", 28, 0, I32),        F("SCSITarget", 32, 0, I32),
    F("SCSILun", 36, 0, I32),         S("Manufacturer", 40, 256),
    F("PartitionCount", 552, 0, I32), F("WriteCacheEnabled", 556, 0, U8),
    S("BootDriveLetter", 558, 3),     S("Spare", 564, 2),
};
/* LogDisk (12) */
static const etwcap_kt_field log_disk[] = {
    F("StartOffset", 0, 0, I64),
    F("PartitionSize", 8, 0, I64),
    F("DiskNumber", 16, 0, I32),
    F("Size", 20, 0, I32),
    F("DriveType", 24, 0, I32),
    S("DriveLetterString", 28, 4),
    F("PartitionNumber", 40, 0, I32),
    F("SectorsPerCluster", 44, 0, I32),
    F("BytesPerSector", 48, 0, I32),
    F("NumberOfFreeClusters", 56, 0, I64),
    F("TotalNumberOfClusters", 64, 0, I64),
    S("FileSystem", 72, 16),
    F("VolumeExt", 104, 0, I32),
};
/* NIC (13), v2+: PhysicalAddr, PhysicalAddrLen, Ipv4Index, Ipv6Index, then
 * three strings. */
static const etwcap_kt_field nic_v2[] = {
    F("PhysicalAddrLen", 8, 0, I32), F("PhysicalAddr", 0, 0, I64),     F("Ipv4Index", 12, 0, I32),
    F("Ipv6Index", 16, 0, I32),      F("NICDescription", 20, 0, WSTR),
};
/* Video (14) */
static const etwcap_kt_field video[] = {
    F("MemorySize", 0, 0, I32),    F("XResolution", 4, 0, I32),   F("YResolution", 8, 0, I32),
    F("BitsPerPixel", 12, 0, I32), F("VRefresh", 16, 0, I32),     S("ChipType", 20, 256),
    S("DACType", 532, 256),        S("AdapterString", 1044, 256), S("BiosString", 1556, 256),
    S("DeviceID", 2068, 256),      F("StateFlags", 2580, 0, I32),
};
/* Power (16): five bytes */
static const etwcap_kt_field power[] = {
    F("S1", 0, 0, U8), F("S2", 1, 0, U8), F("S3", 2, 0, U8), F("S4", 3, 0, U8), F("S5", 4, 0, U8),
};
/* Network (17) */
static const etwcap_kt_field network[] = {
    F("TcbTablePartitions", 0, 0, I32),
    F("MaxHashTableSize", 4, 0, I32),
    F("MaxUserPort", 8, 0, I32),
    F("TcpTimedWaitDelay", 12, 0, I32),
};
/* IDEChannel (23) */
static const etwcap_kt_field ide_channel[] = {
    F("TargetID", 0, 0, I32),
    F("DeviceType", 4, 0, I32),
    F("DeviceTimingMode", 8, 0, I32),
    F("LocationInformationLen", 12, 0, I32),
    F("LocationInformation", 16, 0, WSTR),
};

/* `n` (<= 8) consecutive NUL-terminated strings from offset `off`. */
static etwcap_decode_result strings(const etwcap_event *ev, etwcap_fields *out, size_t off,
                                    const char *const *names, size_t n)
{
    etwcap_cursor c;
    etwcap_cursor_init(&c, ev->payload, ev->payload_len);
    etwcap_cursor_skip(&c, off);
    etwcap_wspan s[8];
    for (size_t i = 0; i < n; i++)
        s[i] = etwcap_cursor_wstr(&c);
    if (c.short_read)
        return etwcap_kfields_short(out);
    for (size_t i = 0; i < n; i++)
        etwcap_kfields_add_wspan(out, names[i], s[i]);
    return ETWCAP_DECODE_OK;
}

static etwcap_decode_result nic_fields(const etwcap_event *ev, etwcap_fields *out)
{
    static const char *const more[2] = {"IpAddresses", "DnsServerAddresses"};
    if (ev->version < 2) {
        /* v1: NICDescription wchar[256], Ipv4Index @512, PhysicalAddrLen @516;
         * no address or IPv6 index (TraceEvent shows 0 and ""). */
        static const etwcap_kt_field len[] = {F("PhysicalAddrLen", 516, 0, I32)};
        static const etwcap_kt_field v4[] = {F("Ipv4Index", 512, 0, I32)};
        static const etwcap_kt_field desc[] = {S("NICDescription", 0, 256)};
        if (ev->payload_len < 520)
            return etwcap_kfields_short(out);
        etwcap_kfields_table(ev, out, len, 1);
        etwcap_fields_add_i64(out, "PhysicalAddr", 0);
        etwcap_kfields_table(ev, out, v4, 1);
        etwcap_fields_add_i64(out, "Ipv6Index", 0);
        etwcap_kfields_table(ev, out, desc, 1);
        etwcap_fields_add_str(out, more[0], "");
        etwcap_fields_add_str(out, more[1], "");
        return ETWCAP_DECODE_OK;
    }
    etwcap_decode_result r = etwcap_kfields_table(ev, out, nic_v2, N(nic_v2));
    if (r != ETWCAP_DECODE_OK)
        return r;
    etwcap_cursor c;
    etwcap_cursor_init(&c, ev->payload, ev->payload_len);
    etwcap_cursor_skip(&c, 20);
    (void)etwcap_cursor_wstr(&c); /* NICDescription, read by the table */
    return strings(ev, out, c.pos, more, 2);
}

/* Services (15), v2+: ProcessId, ServiceState, SubProcessTag, then
 * ServiceName, DisplayName, ProcessName (wstr). TraceEvent's ProcessName is
 * the header process's name (state), so it is not given here. */
static etwcap_decode_result services_fields(const etwcap_event *ev, etwcap_fields *out)
{
    if (ev->version < 2) {
        static const etwcap_kt_field v1[] = {S("ServiceName", 0, 34), S("DisplayName", 68, 256),
                                             F("ProcessID", 648, 0, I32)};
        etwcap_decode_result r = etwcap_kfields_table(ev, out, v1, N(v1));
        if (r == ETWCAP_DECODE_OK) {
            etwcap_fields_add_i64(out, "ServiceState", 0);
            etwcap_fields_add_i64(out, "SubProcessTag", 0);
        }
        return r;
    }
    static const char *const names[2] = {"ServiceName", "DisplayName"};
    static const etwcap_kt_field ids[] = {F("ProcessID", 0, 0, I32), F("ServiceState", 4, 0, I32),
                                          F("SubProcessTag", 8, 0, I32)};
    etwcap_decode_result r = strings(ev, out, 12, names, 2);
    if (r != ETWCAP_DECODE_OK)
        return r;
    return etwcap_kfields_table(ev, out, ids, N(ids));
}

/* IRQ (21): IRQAffinity, IRQNum, DeviceDescriptionLen and DeviceDescription
 * (at 16/20 from v3, 12/16 before). */
static etwcap_decode_result irq_fields(const etwcap_event *ev, etwcap_fields *out)
{
    static const etwcap_kt_field v3[] = {F("IRQAffinity", 0, 0, I64), F("IRQNum", 8, 0, I32),
                                         F("DeviceDescriptionLen", 16, 0, I32),
                                         F("DeviceDescription", 20, 0, WSTR)};
    static const etwcap_kt_field v2[] = {F("IRQAffinity", 0, 0, I64), F("IRQNum", 8, 0, I32),
                                         F("DeviceDescriptionLen", 12, 0, I32),
                                         F("DeviceDescription", 16, 0, WSTR)};
    if (ev->version >= 3)
        return etwcap_kfields_table(ev, out, v3, N(v3));
    return etwcap_kfields_table(ev, out, v2, N(v2));
}

/* PnP (22): the strings start at 12 (v3-: three lengths), 24 (v4: class
 * GUID... filter counts) or 32 (v5+: and DevStatus, DevProblem);
 * PdoName and ServiceName from v4. */
static etwcap_decode_result pnp_fields(const etwcap_event *ev, etwcap_fields *out)
{
    static const char *const names[5] = {"DeviceID", "DeviceDescription", "FriendlyName", "PdoName",
                                         "ServiceName"};
    unsigned v = ev->version;
    size_t start = v <= 3 ? 12 : v == 4 ? 24 : 32;
    etwcap_decode_result r = strings(ev, out, start, names, v >= 4 ? 5 : 3);
    if (r == ETWCAP_DECODE_OK && v < 4) {
        etwcap_fields_add_str(out, names[3], "");
        etwcap_fields_add_str(out, names[4], "");
    }
    return r;
}

etwcap_decode_result etwcap_kfields_config(const etwcap_event *ev, etwcap_fields *out)
{
    static const char *const platform[4] = {"SystemManufacturer", "SystemProductName", "BiosDate",
                                            "BiosVersion"};
    switch (ev->opcode) {
    case 10:
        if (ev->version >= 2)
            return etwcap_kfields_table(ev, out, cpu_v2, N(cpu_v2));
        return etwcap_kfields_table(ev, out, cpu_v1, N(cpu_v1));
    case 11:
        return etwcap_kfields_table(ev, out, phy_disk, N(phy_disk));
    case 12:
        return etwcap_kfields_table(ev, out, log_disk, N(log_disk));
    case 13:
        return nic_fields(ev, out);
    case 14:
        return etwcap_kfields_table(ev, out, video, N(video));
    case 15:
        return services_fields(ev, out);
    case 16:
        return etwcap_kfields_table(ev, out, power, N(power));
    case 17:
        return etwcap_kfields_table(ev, out, network, N(network));
    case 21:
        return irq_fields(ev, out);
    case 22:
        return pnp_fields(ev, out);
    case 23:
        return etwcap_kfields_table(ev, out, ide_channel, N(ide_channel));
    case 25: /* Platform */
        return strings(ev, out, 0, platform, 4);
    default:
        return ETWCAP_DECODE_UNKNOWN;
    }
}
