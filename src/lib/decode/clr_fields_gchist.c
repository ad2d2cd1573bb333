/* clr_fields_gchist.c - GC PerHeapHistory and GlobalHeapHistory (runtime
 * 204/205, private 4/5; etl-format.md §4.3), following TraceEvent's
 * GCPerHeapHistoryTraceData and GCGlobalHeapHistoryTraceData: fields a
 * version does not have are null there, printed as "". */
#include "decode/clr_internal.h"

/* i32 at an absolute offset (short when outside the payload). */
static int64_t i32_at(clr_ctx *x, size_t off)
{
    clr_seek(x, off);
    return (int32_t)etwcap_cursor_u32(&x->c);
}

/* Offset `off` counted from the end of the payload. */
static size_t from_end(clr_ctx *x, size_t off)
{
    if (off > x->c.len) {
        x->c.short_read = 1;
        return x->c.len;
    }
    return x->c.len - off;
}

/* gc_history_per_heap stores mechanisms as one set bit; TraceEvent turns it
 * into the bit's index, or not_specified (1024). */
static int64_t set_bit_index(int64_t v, int64_t count)
{
    uint32_t bits = (uint32_t)v;
    int64_t index = 0;
    if (bits == 0)
        return 1024;
    while ((bits & 1) == 0) {
        bits >>= 1;
        index++;
    }
    return index < count ? index : 1024;
}

/* The layouts before version 3 are told apart by their size (TraceEvent's
 * ParseMinorVersion): 0 when the size is not a known one. */
static int minor_version(const clr_ctx *x, size_t gen_data)
{
    size_t len = x->c.len;
    if (x->ver == 0) {
        size_t size = gen_data + 25;
        return len == size - 4 ? 1 : len == size ? 2 : 0;
    }
    if (x->ver == 2) {
        size_t size = gen_data + (size_t)4 * 6 + 1 + 8;
        return len == size - 8 ? 1 : len == size ? 2 : 0;
    }
    return x->ver >= 3 ? 0 : -1;
}

etwcap_decode_result clr_f_per_heap_history(clr_ctx *x)
{
    static const char *const allocated[] = {"FreeListAllocated", "FreeListRejected",
                                            "EndOfSegAllocated", "CondemnedAllocated",
                                            "PinnedAllocated",   "PinnedAllocatedAdvance"};
    const unsigned v = x->ver;
    const size_t p = x->psize;
    const size_t gd = (size_t)5 * 10 * p; /* five gc_generation_data of 10 pointers */
    const int minor = minor_version(x, gd);

    if (v == 0 || v == 2) {
        clr_seek(x, from_end(x, 1));
        clr_f_u8(x, "ClrInstanceID");
    } else if (v >= 3) {
        clr_seek(x, 0);
        clr_f_i16(x, "ClrInstanceID");
    } else {
        clr_add_i64(x, "ClrInstanceID", -1);
    }
    for (size_t i = 0; i < 6; i++) {
        if (v >= 3) {
            clr_seek(x, 2 + i * p);
            clr_f_ptr_long(x, allocated[i]);
        } else {
            clr_add_empty(x, allocated[i]);
        }
    }
    if (v >= 3)
        clr_add_i64(x, "RunningFreeListEfficiency", i32_at(x, 2 + 6 * p));
    else
        clr_add_empty(x, "RunningFreeListEfficiency");

    int64_t reasons0 = INT32_MIN;
    if (v == 0)
        reasons0 = i32_at(x, gd + (minor == 2 ? 16 : 12));
    else if (v == 2)
        reasons0 = i32_at(x, gd);
    else if (v >= 3)
        reasons0 = i32_at(x, 6 + 6 * p);
    clr_add_i64(x, "CondemnReasons0", reasons0);
    if (v == 2)
        clr_add_i64(x, "CondemnReasons1", i32_at(x, gd + 4));
    else if (v >= 3)
        clr_add_i64(x, "CondemnReasons1", i32_at(x, 10 + 6 * p));
    else
        clr_add_empty(x, "CondemnReasons1");

    int64_t compact = 0, expand = 0;
    if (v == 0) {
        compact = i32_at(x, gd + 8);
        expand = i32_at(x, gd + 4);
    } else if (v == 2) {
        compact = i32_at(x, gd + 16);
        expand = i32_at(x, gd + 12);
    } else if (v >= 3) {
        compact = i32_at(x, 14 + 6 * p);
        expand = i32_at(x, 18 + 6 * p);
    }
    clr_add_enum(x, "CompactMechanisms", &clr_enum_compact_reason, set_bit_index(compact, 11));
    clr_add_enum(x, "ExpandMechanisms", &clr_enum_expand_mechanism, set_bit_index(expand, 6));
    if (v == 0 && minor == 2)
        clr_add_enum(x, "ConcurrentCompactMechanisms", &clr_enum_concurrent_compact_reason,
                     set_bit_index(i32_at(x, gd + 12), 2));
    else
        clr_add_empty(x, "ConcurrentCompactMechanisms");

    int64_t heap = INT32_MIN;
    if (v == 0)
        heap = i32_at(x, from_end(x, 5));
    else if (v == 2)
        heap = i32_at(x, from_end(x, minor == 2 ? 14 : 6));
    else if (v >= 3)
        heap = i32_at(x, 22 + 6 * p);
    clr_add_i64(x, "HeapIndex", heap < 0 ? 0 : heap);

    if (v == 2 && minor == 2)
        clr_add_i64(x, "ExtraGen0Commit", i32_at(x, from_end(x, 10)));
    else if (v >= 3) {
        clr_seek(x, 26 + 6 * p);
        clr_f_ptr_long(x, "ExtraGen0Commit");
    } else
        clr_add_empty(x, "ExtraGen0Commit");

    if (v >= 3) {
        int64_t count = i32_at(x, 26 + 7 * p);
        clr_add_i64(x, "Count", count < 0 ? 0 : count);
    } else {
        clr_add_empty(x, "Count");
    }
    if (v == 0)
        clr_add_i64(x, "MemoryPressure", i32_at(x, gd));
    else if (v == 2)
        clr_add_i64(x, "MemoryPressure", i32_at(x, gd + 8));
    else
        clr_add_empty(x, "MemoryPressure");
    return clr_done(x);
}

etwcap_decode_result clr_f_global_heap_history(clr_ctx *x)
{
    static const char *const later[] = {"MemoryPressure", "CondemnReasons0", "CondemnReasons1",
                                        "Count"};
    static const unsigned since[] = {2, 3, 3, 4};
    clr_f_i64(x, "FinalYoungestDesired");
    clr_f_i32(x, "NumHeaps");
    clr_f_i32(x, "CondemnedGeneration");
    clr_f_i32(x, "Gen0ReductionCount");
    clr_f_enum32(x, "Reason", &clr_enum_gc_reason);
    clr_f_enum32(x, "GlobalMechanisms", &clr_enum_gc_global_mechanisms);
    if (x->ver >= 1)
        clr_f_i16(x, "ClrInstanceID");
    else
        clr_add_empty(x, "ClrInstanceID");
    if (x->ver >= 2)
        clr_f_enum32(x, "PauseMode", &clr_enum_gc_pause_mode);
    else
        clr_add_empty(x, "PauseMode");
    for (size_t i = 0; i < sizeof later / sizeof later[0]; i++) {
        if (x->ver >= since[i])
            clr_f_i32(x, later[i]);
        else
            clr_add_empty(x, later[i]);
    }
    return clr_done(x);
}

etwcap_decode_result clr_fields_gc_history(clr_ctx *x, unsigned id)
{
    switch (id) {
    case 204:
        return clr_f_per_heap_history(x);
    case 205:
        return clr_f_global_heap_history(x);
    default:
        return ETWCAP_DECODE_UNKNOWN;
    }
}
