/* clr_fields_prov.c - fields of the rundown and private CLR providers
 * (etl-format.md §4.1, §4.3): the ids they share with the runtime provider
 * go to the same decoders; the rest follow TraceEvent's
 * ClrRundownTraceEventParser and ClrPrivateTraceEventParser. */
#include "decode/clr_internal.h"

static etwcap_decode_result gc_settings_rundown(clr_ctx *x)
{
    static const char *const sizes[] = {"HardLimit", "LOHThreshold", "PhysicalMemoryConfig",
                                        "Gen0MinBudgetConfig", "Gen0MaxBudgetConfig"};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
        clr_f_i64(x, sizes[i]);
    clr_f_i32(x, "HighMemPercentConfig");
    clr_f_enum32(x, "BitSettings", &clr_enum_gc_settings_flags);
    clr_f_i16(x, "ClrInstanceID");
    return clr_done(x);
}

etwcap_decode_result clr_fields_rundown(clr_ctx *x, unsigned id)
{
    switch (id) {
    case 10:
        return gc_settings_rundown(x);
    case 280: /* TieredCompilationRundown SettingsDCStart */
    case 300: /* ExecutionCheckpointDCEnd */
        return clr_fields_misc(x, id);
    default:
        break;
    }
    etwcap_decode_result r = clr_fields_method(x, id, 1);
    return r == ETWCAP_DECODE_UNKNOWN ? clr_fields_loader(x, id, 1) : r;
}

/* Binding phases (159-176): one layout for all. */
static etwcap_decode_result binding(clr_ctx *x)
{
    clr_f_i32(x, "AppDomainID");
    clr_f_i32(x, "LoadContextID");
    clr_f_i32(x, "FromLoaderCache");
    clr_f_i32(x, "DynamicLoad");
    clr_f_wstr(x, "AssemblyCodebase");
    clr_f_wstr(x, "AssemblyName");
    clr_f_i16(x, "ClrInstanceID");
    return clr_done(x);
}

/* Private GC events that are a run of scalars. */
static etwcap_decode_result private_gc(clr_ctx *x, unsigned id)
{
    switch (id) {
    case 1: /* Decision */
        clr_f_bool32(x, "DoCompact");
        clr_f_instance(x, 1);
        break;
    case 2: /* Settings */
        clr_f_i64(x, "SegmentSize");
        clr_f_i64(x, "LargeObjectSegmentSize");
        clr_f_bool32(x, "ServerGC");
        clr_f_instance(x, 1);
        break;
    case 3: /* Optimized */
        clr_f_i64(x, "DesiredAllocation");
        clr_f_i64(x, "NewAllocation");
        clr_f_i32(x, "GenerationNumber");
        clr_f_instance(x, 1);
        break;
    case 20: /* BGCDrainMark */
        clr_f_i64(x, "Objects");
        clr_f_i16(x, "ClrInstanceID");
        break;
    case 21: /* BGCRevisit */
        clr_f_i64(x, "Pages");
        clr_f_i64(x, "Objects");
        clr_f_i32(x, "IsLarge");
        clr_f_i16(x, "ClrInstanceID");
        break;
    case 22: /* BGCOverflow */
        clr_f_i64(x, "Min");
        clr_f_i64(x, "Max");
        clr_f_i64(x, "Objects");
        clr_f_i32(x, "IsLarge");
        clr_f_i16(x, "ClrInstanceID");
        break;
    case 23: /* BGCAllocWaitStart, Stop */
    case 24:
        clr_f_i32(x, "Reason");
        clr_f_i16(x, "ClrInstanceID");
        break;
    case 25: /* FullNotify */
        clr_f_i32(x, "GenNumber");
        clr_f_i32(x, "IsAlloc");
        clr_f_instance(x, 1);
        break;
    default:
        if (id >= 11 && id <= 19) { /* BGCStart ... BGCSweepStop */
            clr_f_instance(x, 1);
            break;
        }
        return ETWCAP_DECODE_UNKNOWN;
    }
    return clr_done(x);
}

etwcap_decode_result clr_fields_private(clr_ctx *x, unsigned id)
{
    switch (id) {
    case 4:
        return clr_f_per_heap_history(x);
    case 5:
        return clr_f_global_heap_history(x);
    case 6: /* Join: the runtime's GCJoin layout */
        return clr_fields_gc(x, 203);
    case 7: /* MarkStackRoots, MarkFinalizeQueueRoots, MarkHandles, MarkCards */
    case 8:
    case 9:
    case 10:
        return clr_f_gc_mark(x);
    case 151:
        return clr_f_stack_walk(x);
    case 188: /* NgenBind */
        clr_f_i16(x, "ClrInstanceID");
        clr_f_i64(x, "BindingID");
        clr_f_enum32(x, "ReasonCode", &clr_enum_ngen_bind);
        clr_f_wstr(x, "AssemblyName");
        return clr_done(x);
    case 192:
        return clr_f_finalize_object(x);
    case 194:
        return clr_f_gc_handle(x, 0);
    case 195:
        return clr_f_gc_handle(x, 1);
    case 196: /* FusionMessage */
        clr_f_i16(x, "ClrInstanceID");
        clr_f_bool32(x, "Prepend");
        clr_f_wstr(x, "Message");
        return clr_done(x);
    case 198:
        return clr_f_pin_object(x);
    default:
        break;
    }
    if (id >= 159 && id <= 176)
        return binding(x);
    if (id >= 80 && id <= 123) { /* Startup events */
        clr_f_instance(x, 1);
        return clr_done(x);
    }
    return private_gc(x, id);
}
