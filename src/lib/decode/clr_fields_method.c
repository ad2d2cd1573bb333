/* clr_fields_method.c - fields of the CLRMethod task (runtime task 9,
 * rundown task 1), of ClrStackWalk and of R2RGetEntryPoint
 * (etl-format.md §4.3, §4.4), as TraceEvent's MethodLoadUnload*TraceData,
 * MethodJittingStartedTraceData, MethodILToNativeMapTraceData,
 * ClrStackWalkTraceData and R2RGetEntryPoint*TraceData name them. */
#include "decode/clr_internal.h"

/* MethodFlags bits 7-9 hold the optimization tier and bits 28-31 the
 * method extent (§4.4); TraceEvent's MethodFlags leaves both out. */
#define TIER_SHIFT 7
#define TIER_MASK 0x7u
#define FLAGS_MASK (~((TIER_MASK << TIER_SHIFT) | (0xFu << 28)))
#define FLAG_JITTED 0x8u

/* MethodLoad/Unload, DCStart/DCStop (rundown) and their Verbose forms. */
static etwcap_decode_result method_load(clr_ctx *x, int verbose)
{
    clr_f_i64(x, "MethodID");
    clr_f_i64(x, "ModuleID");
    clr_f_hex64(x, "MethodStartAddress");
    clr_f_i32(x, "MethodSize");
    clr_f_i32(x, "MethodToken");
    uint32_t flags = (uint32_t)etwcap_cursor_u32(&x->c);
    clr_add_enum(x, "MethodFlags", &clr_enum_method_flags, (int64_t)(flags & FLAGS_MASK));
    if (verbose) {
        clr_f_wstr(x, "MethodNamespace");
        clr_f_wstr(x, "MethodName");
        clr_f_wstr(x, "MethodSignature");
    }
    clr_f_instance(x, 1);
    /* ReJITID follows ClrInstanceID unaligned (§4.4); TraceEvent lists it
     * for the Verbose forms only. */
    if (x->ver >= 2)
        clr_f_i64(x, verbose ? "ReJITID" : NULL);
    else if (verbose)
        clr_add_i64(x, "ReJITID", 0);
    unsigned tier = (flags & FLAG_JITTED) ? (flags >> TIER_SHIFT) & TIER_MASK : 0;
    clr_add_enum(x, "OptimizationTier", &clr_enum_optimization_tier, tier);
    return clr_done(x);
}

static etwcap_decode_result jitting_started(clr_ctx *x)
{
    clr_f_i64(x, "MethodID");
    clr_f_i64(x, "ModuleID");
    clr_f_i32(x, "MethodToken");
    clr_f_i32(x, "MethodILSize");
    clr_f_wstr(x, "MethodNamespace");
    clr_f_wstr(x, "MethodName");
    clr_f_wstr(x, "MethodSignature");
    clr_f_instance(x, 1);
    return clr_done(x);
}

/* MethodILToNativeMap: the two offset arrays sit between the count and
 * ClrInstanceID; TraceEvent lists only the scalars. */
static etwcap_decode_result il_to_native_map(clr_ctx *x)
{
    clr_f_i64(x, "MethodID");
    clr_f_i64(x, "ReJITID");
    clr_f_u8(x, "MethodExtent");
    int64_t count = clr_f_i16(x, "CountOfMapEntries");
    if (count < 0)
        count = 0;
    etwcap_cursor_skip(&x->c, (size_t)count * 8);
    clr_f_i16(x, "ClrInstanceID");
    return clr_done(x);
}

static etwcap_decode_result r2r_entry_point(clr_ctx *x)
{
    clr_f_i64(x, "MethodID");
    clr_f_wstr(x, "MethodNamespace");
    clr_f_wstr(x, "MethodName");
    clr_f_wstr(x, "MethodSignature");
    clr_f_i64(x, "EntryPoint");
    clr_f_i16(x, "ClrInstanceID");
    return clr_done(x);
}

static etwcap_decode_result r2r_entry_point_start(clr_ctx *x)
{
    clr_f_i64(x, "MethodID");
    clr_f_i16(x, "ClrInstanceID");
    return clr_done(x);
}

/* ClrStackWalk (runtime 82, rundown 0, private 151): TraceEvent names only
 * the two scalars; the frames are for etwcap_decode_clr_stack. */
etwcap_decode_result clr_f_stack_walk(clr_ctx *x)
{
    clr_f_i16(x, "ClrInstanceID");
    etwcap_cursor_skip(&x->c, 2); /* Reserved1, Reserved2 */
    int64_t frames = clr_f_i32(x, "FrameCount");
    if (frames < 0 || (uint64_t)frames * x->psize > etwcap_cursor_left(&x->c))
        x->c.short_read = 1;
    return clr_done(x);
}

etwcap_decode_result clr_fields_method(clr_ctx *x, unsigned id, int rundown)
{
    if (rundown) {
        switch (id) {
        case 0:
            return clr_f_stack_walk(x);
        case 141: /* MethodDCStart */
        case 142: /* MethodDCEnd */
            return method_load(x, 0);
        case 143: /* MethodDCStartVerbose */
        case 144: /* MethodDCEndVerbose */
            return method_load(x, 1);
        case 145: /* DCStartComplete */
        case 146: /* DCEndComplete */
        case 147: /* DCStartInit */
        case 148: /* DCEndInit */
            clr_f_instance(x, 1);
            return clr_done(x);
        case 149: /* MethodDCStartILToNativeMap */
        case 150: /* MethodDCEndILToNativeMap */
            return il_to_native_map(x);
        default:
            return ETWCAP_DECODE_UNKNOWN;
        }
    }
    switch (id) {
    case 82:
        return clr_f_stack_walk(x);
    case 135: /* DCStartCompleteV2, DCEndCompleteV2: no payload fields */
    case 136:
        return ETWCAP_DECODE_OK;
    case 137: /* legacy MethodDCStartV2 / MethodDCEndV2 */
    case 138:
    case 141: /* MethodLoad */
    case 142: /* MethodUnload */
        return method_load(x, 0);
    case 139: /* legacy MethodDCStartVerboseV2 / MethodDCEndVerboseV2 */
    case 140:
    case 143: /* MethodLoadVerbose */
    case 144: /* MethodUnloadVerbose */
        return method_load(x, 1);
    case 145:
        return jitting_started(x);
    case 159:
        return r2r_entry_point(x);
    case 160:
        return r2r_entry_point_start(x);
    case 190:
        return il_to_native_map(x);
    default:
        return ETWCAP_DECODE_UNKNOWN;
    }
}
