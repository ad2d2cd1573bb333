/* kernel_io.c - DiskIO (group 0x01, class 3d6fa8d4) and the PageFault class
 * (group 0x02, 3d6fa8d3; TraceEvent's "Memory") HardFault event, with
 * TraceEvent's names (DiskIOTraceData, MemoryHardFaultTraceData),
 * etl-format.md §2.2.
 *
 * TraceEvent's ElapsedTimeMSec needs the file's QPC frequency and
 * DiskServiceTimeMSec / FileName need state across events (disk completion
 * times, FileKey -> name): the raw inputs are given instead
 * (HighResResponseTime, InitialTime in QPC ticks; FileKey). */
#include "decode/kernel_internal.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
/* clang-format off */
#define F(name, off, nptr, kind) {name, off, nptr, ETWCAP_KT_##kind, 0}
/* clang-format on */

/* IrpFlags is a [Flags] enum with two pairs of equal values; .NET showed
 * the later-declared name for 0x2 (MountCompletion, per the baseline), taken
 * to hold for 0x40 too (SynchronousPagingIO). */
static const char *const irp_flags[14] = {"Nocache",
                                          "MountCompletion",
                                          "SynchronousApi",
                                          "AssociatedIrp",
                                          "BufferedIO",
                                          "DeallocateBuffer",
                                          "SynchronousPagingIO",
                                          "Create",
                                          "Read",
                                          "Write",
                                          "Close",
                                          "DeferIOCompletion",
                                          "ObQueryName",
                                          "HoldDeviceQueue"};
#define IRP_PRIORITY_MASK 0xE0000u

static const char *const io_priority[8] = {"Notset", "Verylow",  "Low",       "Normal",
                                           "High",   "Critical", "Reserved0", "Reserved1"};

static void add_irp_flags(etwcap_fields *out, uint32_t raw)
{
    etwcap_kfields_add_flags(out, "IrpFlags", raw & ~IRP_PRIORITY_MASK, irp_flags, 14);
}

/* Read/Write (10/11): DiskNumber, IrpFlags, TransferSize, Reserved,
 * ByteOffset i64, FileKey ptr, Irp ptr, HighResResponseTime i64. */
static etwcap_decode_result rw_fields(const etwcap_event *ev, etwcap_fields *out)
{
    unsigned psize = etwcap_kpsize(ev);
    etwcap_cursor c;
    etwcap_cursor_init(&c, ev->payload, ev->payload_len);
    uint32_t disk = etwcap_cursor_u32(&c);
    uint32_t flags = etwcap_cursor_u32(&c);
    uint32_t size = etwcap_cursor_u32(&c);
    etwcap_cursor_skip(&c, 4);
    int64_t offset = (int64_t)etwcap_cursor_u64(&c);
    uint64_t file_key = etwcap_cursor_ptr(&c, psize);
    uint64_t irp = etwcap_cursor_ptr(&c, psize);
    int64_t response = (int64_t)etwcap_cursor_u64(&c);
    if (c.short_read)
        return etwcap_kfields_short(out);
    etwcap_fields_add_i64(out, "DiskNumber", (int32_t)disk);
    add_irp_flags(out, flags);
    etwcap_fields_add_str(out, "Priority", io_priority[(flags >> 17) & 7]);
    etwcap_fields_add_i64(out, "TransferSize", (int32_t)size);
    etwcap_fields_add_i64(out, "ByteOffset", offset);
    etwcap_fields_add_hex(out, "Irp", irp);
    etwcap_fields_add_i64(out, "HighResResponseTime", response);
    etwcap_fields_add_hex(out, "FileKey", file_key);
    return ETWCAP_DECODE_OK;
}

/* FlushBuffers (14): DiskNumber, IrpFlags, HighResResponseTime i64 @8,
 * Irp ptr @16. */
static etwcap_decode_result flush_fields(const etwcap_event *ev, etwcap_fields *out)
{
    etwcap_cursor c;
    etwcap_cursor_init(&c, ev->payload, ev->payload_len);
    uint32_t disk = etwcap_cursor_u32(&c);
    uint32_t flags = etwcap_cursor_u32(&c);
    int64_t response = (int64_t)etwcap_cursor_u64(&c);
    uint64_t irp = etwcap_cursor_ptr(&c, etwcap_kpsize(ev));
    if (c.short_read)
        return etwcap_kfields_short(out);
    etwcap_fields_add_i64(out, "DiskNumber", (int32_t)disk);
    add_irp_flags(out, flags);
    etwcap_fields_add_hex(out, "Irp", irp);
    etwcap_fields_add_i64(out, "HighResResponseTime", response);
    return ETWCAP_DECODE_OK;
}

etwcap_decode_result etwcap_kfields_diskio(const etwcap_event *ev, etwcap_fields *out)
{
    static const etwcap_kt_field init[] = {F("Irp", 0, 0, PTR)};
    switch (ev->opcode) {
    case 10: /* Read */
    case 11: /* Write */
        return rw_fields(ev, out);
    case 12: /* ReadInit */
    case 13: /* WriteInit */
    case 15: /* FlushInit */
        return etwcap_kfields_table(ev, out, init, N(init));
    case 14: /* FlushBuffers */
        return flush_fields(ev, out);
    default:
        return ETWCAP_DECODE_UNKNOWN;
    }
}

/* HardFault (32): InitialTime i64, ReadOffset i64, VirtualAddress ptr,
 * FileKey ptr, TThreadId u32, ByteCount u32. TraceEvent's ElapsedTimeMSec
 * is (event time - InitialTime) in ms. */
static const etwcap_kt_field hard_fault[] = {
    F("InitialTime", 0, 0, I64), F("ReadOffset", 8, 0, I64), F("VirtualAddress", 16, 0, PTR),
    F("FileKey", 20, 1, PTR),    F("ByteCount", 28, 2, I32),
};

etwcap_decode_result etwcap_kfields_pagefault(const etwcap_event *ev, etwcap_fields *out)
{
    if (ev->opcode == 32)
        return etwcap_kfields_table(ev, out, hard_fault, N(hard_fault));
    return ETWCAP_DECODE_UNKNOWN;
}
