/* clr_fields_gc.c - fields of the runtime provider's GC task (task 1) and
 * of Type/BulkType (etl-format.md §4.3), as TraceEvent's GC*TraceData
 * classes in ClrTraceEventParser.cs name them. PerHeapHistory and
 * GlobalHeapHistory are in clr_fields_gchist.c. */
#include <string.h>

#include "decode/clr_internal.h"

static etwcap_decode_result gc_start(clr_ctx *x)
{
    clr_f_i32(x, "Count");
    /* Version 0 had Reason at 4; later layouts have Depth, Reason, Type. */
    if (x->c.len >= 16) {
        int64_t depth = clr_f_i32(x, NULL);
        clr_f_enum32(x, "Reason", &clr_enum_gc_reason);
        clr_add_i64(x, "Depth", depth);
        clr_f_enum32(x, "Type", &clr_enum_gc_type);
    } else {
        clr_f_enum32(x, "Reason", &clr_enum_gc_reason);
        clr_add_i64(x, "Depth", 0);
        clr_add_enum(x, "Type", &clr_enum_gc_type, 0);
    }
    clr_f_instance(x, 1);
    if (x->ver >= 2)
        clr_f_i64(x, "ClientSequenceNumber");
    else
        clr_add_i64(x, "ClientSequenceNumber", 0);
    return clr_done(x);
}

static etwcap_decode_result gc_end(clr_ctx *x)
{
    clr_f_i32(x, "Count");
    if (x->ver >= 1)
        clr_f_i32(x, "Depth");
    else
        clr_f_i16(x, "Depth");
    clr_f_instance(x, 1);
    return clr_done(x);
}

/* HeapStats: TraceEvent adds totals and a derived Depth in front. */
static etwcap_decode_result heap_stats(clr_ctx *x)
{
    static const char *const names[] = {
        "GenerationSize0", "TotalPromotedSize0", "GenerationSize1", "TotalPromotedSize1",
        "GenerationSize2", "TotalPromotedSize2", "GenerationSize3", "TotalPromotedSize3"};
    int64_t v[8], gen4 = 0, promoted4 = 0;
    for (int i = 0; i < 8; i++)
        v[i] = (int64_t)etwcap_cursor_u64(&x->c);
    if (x->ver >= 2) {
        clr_seek(x, 94);
        gen4 = (int64_t)etwcap_cursor_u64(&x->c);
        promoted4 = (int64_t)etwcap_cursor_u64(&x->c);
    }
    /* Fuzz finding (fuzz/regressions/fuzz_decode): hostile sizes overflowed
     * the signed sum (undefined behaviour). Sum as unsigned: the total wraps
     * the way TraceEvent's unchecked C# long addition does. */
    clr_add_i64(x, "TotalHeapSize",
                (int64_t)((uint64_t)v[0] + (uint64_t)v[2] + (uint64_t)v[4] + (uint64_t)v[6] +
                          (uint64_t)gen4));
    clr_add_i64(x, "TotalPromoted",
                (int64_t)((uint64_t)v[1] + (uint64_t)v[3] + (uint64_t)v[5] + (uint64_t)v[7] +
                          (uint64_t)promoted4));
    clr_add_i64(x, "Depth", v[5] != 0 ? 2 : v[3] != 0 ? 1 : 0);
    for (int i = 0; i < 8; i++)
        clr_add_i64(x, names[i], v[i]);
    clr_seek(x, 64);
    clr_f_i64(x, "FinalizationPromotedSize");
    clr_f_i64(x, "FinalizationPromotedCount");
    clr_f_i32(x, "PinnedObjectCount");
    clr_f_i32(x, "SinkBlockCount");
    clr_f_i32(x, "GCHandleCount");
    clr_f_instance(x, 1);
    clr_add_i64(x, "GenerationSize4", gen4);
    clr_add_i64(x, "TotalPromotedSize4", promoted4);
    return clr_done(x);
}

static etwcap_decode_result create_segment(clr_ctx *x)
{
    clr_f_hex64(x, "Address");
    clr_f_hex64(x, "Size");
    clr_f_enum32(x, "Type", &clr_enum_gc_segment_type);
    clr_f_instance(x, 1);
    return clr_done(x);
}

static etwcap_decode_result suspend_ee_start(clr_ctx *x)
{
    if (x->ver >= 1) {
        clr_f_enum32(x, "Reason", &clr_enum_gc_suspend_reason);
        clr_f_i32(x, "Count");
    } else {
        clr_f_enum16(x, "Reason", &clr_enum_gc_suspend_reason);
        clr_add_i64(x, "Count", 0);
    }
    clr_f_instance(x, 1);
    return clr_done(x);
}

static etwcap_decode_result allocation_tick(clr_ctx *x)
{
    clr_f_i32(x, "AllocationAmount");
    clr_f_enum32(x, "AllocationKind", &clr_enum_gc_alloc_kind);
    clr_f_instance(x, 1);
    if (x->ver >= 2) {
        clr_f_i64(x, "AllocationAmount64");
        clr_f_hexptr(x, "TypeID");
        clr_f_wstr(x, "TypeName");
        clr_f_i32(x, "HeapIndex");
    } else {
        clr_add_i64(x, "AllocationAmount64", 0);
        etwcap_fields_add_hex(x->out, "TypeID", 0);
        etwcap_fields_add_str(x->out, "TypeName", "");
        clr_add_i64(x, "HeapIndex", 0);
    }
    if (x->ver >= 3)
        clr_f_hexptr(x, "Address");
    else
        etwcap_fields_add_hex(x->out, "Address", 0);
    if (x->ver >= 4)
        clr_f_i64(x, "ObjectSize");
    else
        clr_add_i64(x, "ObjectSize", 0);
    return clr_done(x);
}

/* BulkType: TraceEvent shows the count and the first type only. The type
 * records are TypeID u64, ModuleID u64, TypeNameID u32, Flags u32,
 * CorElementType u8, Name wstr, TypeParameterCount u32, u64 parameters. */
static etwcap_decode_result bulk_type(clr_ctx *x)
{
    int64_t count = clr_f_i32(x, "Count");
    clr_f_i16(x, "ClrInstanceID");
    if (count == 0) {
        clr_add_i64(x, "TypeID_0", 0);
        clr_add_i64(x, "TypeName_0", 0);
        return clr_done(x);
    }
    /* TraceEvent reads the u64 TypeID with GetAddressAt (pointer size). */
    uint64_t id = etwcap_cursor_u64(&x->c);
    etwcap_fields_add_hex(x->out, "TypeID_0", x->psize == 4 ? (uint32_t)id : id);
    etwcap_cursor_skip(&x->c, 8 + 4 + 4 + 1);
    clr_f_wstr(x, "TypeName_0");
    return clr_done(x);
}

/* BulkSurvivingObjectRanges, BulkMovedObjectRanges: the scalars only. */
static etwcap_decode_result bulk_ranges(clr_ctx *x)
{
    clr_f_i32(x, "Index");
    clr_f_i32(x, "Count");
    clr_f_i16(x, "ClrInstanceID");
    return clr_done(x);
}

static etwcap_decode_result generation_range(clr_ctx *x)
{
    clr_f_u8(x, "Generation");
    clr_f_hexptr(x, "RangeStart");
    clr_f_hex64(x, "RangeUsedLength");
    clr_f_hex64(x, "RangeReservedLength");
    clr_f_i16(x, "ClrInstanceID");
    return clr_done(x);
}

/* MarkStackRoots, MarkFinalizeQueueRoots, MarkHandles, MarkCards (runtime
 * 25-28, private 7-10). */
etwcap_decode_result clr_f_gc_mark(clr_ctx *x)
{
    clr_f_i32(x, "HeapNum");
    clr_f_i16(x, "ClrInstanceID");
    return clr_done(x);
}

/* FinalizeObject (runtime 29, private 192). TraceEvent takes TypeName from
 * the BulkType events seen so far; a per-event decoder has no such state
 * and gives "". */
etwcap_decode_result clr_f_finalize_object(clr_ctx *x)
{
    uint64_t type_id = clr_f_hexptr(x, NULL);
    etwcap_fields_add_str(x->out, "TypeName", "");
    clr_f_hexptr(x, "ObjectID");
    etwcap_fields_add_hex(x->out, "TypeID", type_id);
    clr_f_i16(x, "ClrInstanceID");
    return clr_done(x);
}

/* PinObjectAtGCTime (runtime 33, private 198). */
etwcap_decode_result clr_f_pin_object(clr_ctx *x)
{
    clr_f_hexptr(x, "HandleID");
    clr_f_hexptr(x, "ObjectID");
    clr_f_i64(x, "ObjectSize");
    clr_f_wstr(x, "TypeName");
    clr_f_i16(x, "ClrInstanceID");
    return clr_done(x);
}

/* SetGCHandle (runtime 30, private 194), DestroyGCHandle (31, 195). */
etwcap_decode_result clr_f_gc_handle(clr_ctx *x, int destroy)
{
    clr_f_hexptr(x, "HandleID");
    if (!destroy) {
        clr_f_hexptr(x, "ObjectID");
        clr_f_enum32(x, "Kind", &clr_enum_gc_handle_kind);
        clr_f_i32(x, "Generation");
        clr_f_i64(x, "AppDomainID");
    }
    clr_f_i16(x, "ClrInstanceID");
    return clr_done(x);
}

static etwcap_decode_result gc_join(clr_ctx *x)
{
    clr_f_i32(x, "Heap");
    clr_f_enum32(x, "JoinTime", &clr_enum_gc_join_time);
    clr_f_enum32(x, "JoinType", &clr_enum_gc_join_type);
    clr_f_instance(x, 1);
    if (x->ver >= 2)
        clr_f_i32(x, "ID");
    else
        clr_add_i64(x, "ID", -256); /* GcJoinID.Invalid */
    return clr_done(x);
}

/* GC DynamicEvent (39): Name wstr, DataSize u32, Data, ClrInstanceID u16.
 * TraceEvent's GCDynamicTraceEventParser turns a "CommittedUsage" payload of
 * 42 bytes or more into its own event; other names keep the raw form, Data
 * printed as TraceEvent prints byte arrays (hex, 16 bytes at most). */
static etwcap_decode_result gc_dynamic(clr_ctx *x)
{
    static const char committed[] = "committedusage";
    static const char hex[] = "0123456789ABCDEF";
    char name[64], data[40];
    etwcap_wspan s = etwcap_cursor_wstr(&x->c);
    int64_t size = (int32_t)etwcap_cursor_u32(&x->c);
    if (x->c.short_read || size < 0 || (uint64_t)size + 2 > etwcap_cursor_left(&x->c))
        return clr_done(x);
    const uint8_t *p = x->c.p + x->c.pos;
    size_t n = etwcap_wspan_to_utf8(s, name, sizeof name);
    int is_committed = n == sizeof committed - 1 && size >= 42;
    for (size_t i = 0; is_committed && i < n; i++)
        is_committed = (name[i] | 0x20) == committed[i];
    if (is_committed) {
        static const char *const sizes[] = {"TotalCommittedInUse", "TotalCommittedInGlobalDecommit",
                                            "TotalCommittedInFree", "TotalCommittedInGlobalFree",
                                            "TotalBookkeepingCommitted"};
        clr_f_i16(x, "Version");
        for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
            clr_f_i64(x, sizes[i]);
        return clr_done(x);
    }
    size_t k = 0;
    for (int64_t i = 0; i < size && i < 16; i++) {
        data[k++] = hex[p[i] >> 4];
        data[k++] = hex[p[i] & 15];
    }
    if (size > 16) {
        /* (data, k) is counted text, never read as a C string: no NUL. */
        // NOLINTNEXTLINE(bugprone-not-null-terminated-result)
        memcpy(data + k, "...", 3);
        k += 3;
    }
    etwcap_fields_add_wstr(x->out, "Name", s.p, s.bytes);
    clr_add_i64(x, "DataSize", size);
    etwcap_fields_add_strn(x->out, "Data", data, k);
    etwcap_cursor_skip(&x->c, (size_t)size);
    clr_f_i16(x, "ClrInstanceID");
    return clr_done(x);
}

etwcap_decode_result clr_fields_gc(clr_ctx *x, unsigned id)
{
    switch (id) {
    case 1:
        return gc_start(x);
    case 2:
        return gc_end(x);
    case 3:  /* RestartEEStop */
    case 7:  /* RestartEEStart */
    case 8:  /* SuspendEEStop */
    case 11: /* CreateConcurrentThread */
    case 12: /* TerminateConcurrentThread */
    case 14: /* FinalizersStart */
        clr_f_instance(x, 1);
        return clr_done(x);
    case 4:
        return heap_stats(x);
    case 5:
        return create_segment(x);
    case 6: /* FreeSegment: a long, not an address */
        clr_f_i64(x, "Address");
        clr_f_instance(x, 1);
        return clr_done(x);
    case 9:
        return suspend_ee_start(x);
    case 10:
        return allocation_tick(x);
    case 13: /* FinalizersStop */
        clr_f_i32(x, "Count");
        clr_f_instance(x, 1);
        return clr_done(x);
    case 15:
        return bulk_type(x);
    case 21:
    case 22:
        return bulk_ranges(x);
    case 23:
        return generation_range(x);
    case 25:
    case 26:
    case 27:
    case 28:
        return clr_f_gc_mark(x);
    case 29:
        return clr_f_finalize_object(x);
    case 30:
        return clr_f_gc_handle(x, 0);
    case 31:
        return clr_f_gc_handle(x, 1);
    case 33:
        return clr_f_pin_object(x);
    case 35: /* Triggered */
        clr_f_enum32(x, "Reason", &clr_enum_gc_reason);
        clr_f_i16(x, "ClrInstanceID");
        return clr_done(x);
    case 39:
        return gc_dynamic(x);
    case 200: /* IncreaseMemoryPressure (manifest template, no TraceEvent class) */
        clr_f_i64(x, "BytesAllocated");
        clr_f_i16(x, "ClrInstanceID");
        return clr_done(x);
    case 201: /* DecreaseMemoryPressure */
        clr_f_i64(x, "BytesFreed");
        clr_f_i16(x, "ClrInstanceID");
        return clr_done(x);
    case 202: /* MarkWithType */
        clr_f_i32(x, "HeapNum");
        clr_f_i16(x, "ClrInstanceID");
        clr_f_i32(x, "Type");
        clr_f_i64(x, "Promoted");
        return clr_done(x);
    case 203:
        return gc_join(x);
    case 208: /* LOHCompact */
        clr_f_i16(x, "ClrInstanceID");
        clr_f_i16(x, "Count");
        return clr_done(x);
    case 209: /* FitBucketInfo */
        clr_f_i16(x, "ClrInstanceID");
        clr_f_enum16(x, "BucketKind", &clr_enum_gc_bucket_kind);
        clr_f_i64(x, "TotalSize");
        clr_f_i16(x, "Count");
        return clr_done(x);
    default:
        return ETWCAP_DECODE_UNKNOWN;
    }
}
