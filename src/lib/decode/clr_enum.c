/* clr_enum.c - the enums of TraceEvent's CLR parsers and .NET's
 * Enum.ToString() rules for them (etl-format.md §4.4: MethodFlags,
 * ModuleFlags, ...). Names and values come from ClrTraceEventParser.cs and
 * ClrPrivateTraceEventParser.cs; the manifest (ClrEtwAll.man) has the same
 * values under other spellings, but TraceEvent prints its own. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "decode/clr_internal.h"

#define ENUM(id, is_flags, ...)                              \
    static const clr_enum_item id##_items[] = {__VA_ARGS__}; \
    const clr_enum id = {id##_items, sizeof id##_items / sizeof id##_items[0], is_flags}

ENUM(clr_enum_method_flags, 1, {0, "None"}, {0x1, "Dynamic"}, {0x2, "Generic"},
     {0x4, "HasSharedGenericCode"}, {0x8, "Jitted"}, {0x10, "JitHelper"},
     {0x20, "ProfilerRejectedPrecompiledCode"}, {0x40, "ReadyToRunRejectedPrecompiledCode"});
ENUM(clr_enum_optimization_tier, 0, {0, "Unknown"}, {1, "MinOptJitted"}, {2, "Optimized"},
     {3, "QuickJitted"}, {4, "OptimizedTier1"}, {5, "OptimizedTier1OSR"},
     {6, "QuickJittedInstrumented"}, {7, "OptimizedTier1Instrumented"}, {8, "ReadyToRun"},
     {255, "PreJIT"});
ENUM(clr_enum_module_flags, 1, {0, "None"}, {0x1, "DomainNeutral"}, {0x2, "Native"},
     {0x4, "Dynamic"}, {0x8, "Manifest"}, {0x10, "IbcOptimized"}, {0x20, "ReadyToRunModule"},
     {0x40, "PartialReadyToRunModule"});
ENUM(clr_enum_assembly_flags, 1, {0, "None"}, {0x1, "DomainNeutral"}, {0x2, "Dynamic"},
     {0x4, "Native"}, {0x8, "Collectible"}, {0x10, "ReadyToRun"});
ENUM(clr_enum_appdomain_flags, 1, {0, "None"}, {0x1, "Default"}, {0x2, "Executable"},
     {0x4, "Shared"});
ENUM(clr_enum_startup_flags, 1, {0, "None"}, {0x1, "CONCURRENT_GC"},
     {0x2, "LOADER_OPTIMIZATION_SINGLE_DOMAIN"}, {0x4, "LOADER_OPTIMIZATION_MULTI_DOMAIN"},
     {0x10, "LOADER_SAFEMODE"}, {0x100, "LOADER_SETPREFERENCE"}, {0x1000, "SERVER_GC"},
     {0x2000, "HOARD_GC_VM"}, {0x4000, "SINGLE_VERSION_HOSTING_INTERFACE"},
     {0x10000, "LEGACY_IMPERSONATION"}, {0x20000, "DISABLE_COMMITTHREADSTACK"},
     {0x40000, "ALWAYSFLOW_IMPERSONATION"}, {0x80000, "TRIM_GC_COMMIT"}, {0x100000, "ETW"},
     {0x200000, "SERVER_BUILD"}, {0x400000, "ARM"});
ENUM(clr_enum_startup_mode, 1, {0, "None"}, {0x1, "ManagedExe"}, {0x2, "HostedClr"},
     {0x4, "IjwDll"}, {0x8, "ComActivated"}, {0x10, "Other"});
ENUM(clr_enum_runtime_sku, 1, {0, "None"}, {0x1, "DesktopClr"}, {0x2, "CoreClr"}, {0x4, "Mono"});
ENUM(clr_enum_exception_flags, 1, {0, "None"}, {0x1, "HasInnerException"}, {0x2, "Nested"},
     {0x4, "ReThrown"}, {0x8, "CorruptedState"}, {0x10, "CLSCompliant"});
ENUM(clr_enum_gc_reason, 0, {0, "AllocSmall"}, {1, "Induced"}, {2, "LowMemory"}, {3, "Empty"},
     {4, "AllocLarge"}, {5, "OutOfSpaceSOH"}, {6, "OutOfSpaceLOH"}, {7, "InducedNotForced"},
     {8, "Internal"}, {9, "InducedLowMemory"}, {10, "InducedCompacting"}, {11, "LowMemoryHost"},
     {12, "PMFullGC"}, {13, "LowMemoryHostBlocking"});
ENUM(clr_enum_gc_type, 0, {0, "NonConcurrentGC"}, {1, "BackgroundGC"}, {2, "ForegroundGC"});
ENUM(clr_enum_gc_suspend_reason, 0, {0, "SuspendOther"}, {1, "SuspendForGC"},
     {2, "SuspendForAppDomainShutdown"}, {3, "SuspendForCodePitching"}, {4, "SuspendForShutdown"},
     {5, "SuspendForDebugger"}, {6, "SuspendForGCPrep"}, {7, "SuspendForDebuggerSweep"});
ENUM(clr_enum_gc_alloc_kind, 0, {0, "Small"}, {1, "Large"}, {2, "Pinned"});
ENUM(clr_enum_gc_segment_type, 0, {0, "SmallObjectHeap"}, {1, "LargeObjectHeap"},
     {2, "ReadOnlyHeap"}, {3, "PinnedObjectHeap"});
ENUM(clr_enum_gc_global_mechanisms, 1, {0, "None"}, {0x1, "Concurrent"}, {0x2, "Compaction"},
     {0x4, "Promotion"}, {0x8, "Demotion"}, {0x10, "CardBundles"});
ENUM(clr_enum_gc_pause_mode, 0, {-1, "Invalid"}, {0, "Batch"}, {1, "Interactive"},
     {2, "LowLatency"}, {3, "SustainedLowLatency"}, {4, "NoGC"});
ENUM(clr_enum_gc_handle_kind, 0, {-7, "DependendAsyncPinned"}, {0, "WeakShort"}, {1, "WeakLong"},
     {2, "Strong"}, {3, "Pinned"}, {4, "Variable"}, {5, "RefCounted"}, {6, "Dependent"},
     {7, "AsyncPinned"}, {8, "SizedRef"});
ENUM(clr_enum_gc_settings_flags, 1, {0x1, "GCSettingsConcurrent"}, {0x2, "GCSettingsLargePages"},
     {0x4, "GCSettingsFrozenSegs"}, {0x8, "GCSettingsHardLimitConfig"},
     {0x10, "GCSettingsNoAffinitize"});
ENUM(clr_enum_gc_bucket_kind, 0, {0, "LargestFreeListItems"}, {1, "PlugsInCondemned"});
ENUM(clr_enum_gc_join_time, 0, {0, "Start"}, {1, "End"});
ENUM(clr_enum_gc_join_type, 0, {0, "LastJoin"}, {1, "Join"}, {2, "Restart"}, {3, "FirstJoin"});
ENUM(clr_enum_compact_reason, 0, {0, "compact_low_ephemeral"}, {1, "compact_high_frag"},
     {2, "compact_no_gaps"}, {3, "compact_loh_forced"}, {4, "compact_last_gc"},
     {5, "compact_induced_compacting"}, {6, "compact_fragmented_gen0"},
     {7, "compact_high_mem_load"}, {8, "compact_high_mem_frag"}, {9, "compact_vhigh_mem_frag"},
     {10, "compact_no_gc_mode"}, {11, "max_compact_reasons_count"}, {1024, "not_specified"});
ENUM(clr_enum_expand_mechanism, 0, {0, "expand_reuse_normal"}, {1, "expand_reuse_bestfit"},
     {2, "expand_new_seg_ep"}, {3, "expand_new_seg"}, {4, "expand_no_memory"},
     {5, "expand_next_full_gc"}, {6, "max_expand_mechanisms_count"}, {1024, "not_specified"});
ENUM(clr_enum_concurrent_compact_reason, 0, {0, "concurrent_compact_high_frag"},
     {1, "concurrent_compact_c_mark"}, {2, "max_concurrent_compat_reason"},
     {1024, "not_specified"});
ENUM(clr_enum_contention_flags, 0, {0, "Managed"}, {1, "Native"});
ENUM(clr_enum_tiered_settings_flags, 1, {0, "None"}, {0x1, "QuickJit"}, {0x2, "QuickJitForLoops"},
     {0x4, "TieredPGO"}, {0x8, "ReadyToRun"});
ENUM(clr_enum_ngen_bind, 0, {0, "START_BIND"}, {1, "NO_INDEX"},
     {2, "SYSTEM_ASSEMBLY_NOT_AVAILABLE"}, {3, "NO_NATIVE_IMAGE"}, {4, "REJECT_CONFIG_MASK"},
     {5, "FAIL"}, {6, "INDEX_CORRUPTION"}, {7, "REJECT_TIMESTAMP"},
     {8, "REJECT_NATIVEIMAGE_NOT_FOUND"}, {9, "REJECT_IL_SIG"}, {10, "REJECT_LOADER_EVAL_FAIL"},
     {11, "MISSING_FOUND"}, {12, "REJECT_HOSTASM"}, {13, "REJECT_IL_NOT_FOUND"},
     {14, "REJECT_APPBASE_NOT_FILE"}, {15, "BIND_DEPEND_REJECT_REF_DEF_MISMATCH"},
     {16, "BIND_DEPEND_REJECT_NGEN_SIG"}, {17, "APPLY_EXTERNAL_RELOCS_FAILED"},
     {18, "SYSTEM_ASSEMBLY_NATIVEIMAGE_NOT_AVAILABLE"}, {19, "ASSEMBLY_HAS_DIFFERENT_GRANT"},
     {20, "ASSEMBLY_NOT_DOMAIN_NEUTRAL"}, {21, "NATIVEIMAGE_VERSION_MISMATCH"},
     {22, "LOADFROM_NOT_ALLOWED"}, {23, "DEPENDENCY_HAS_DIFFERENT_IDENTITY"});

ENUM(clr_enum_thread_adjustment_reason, 0, {0, "Warmup"}, {1, "Initializing"}, {2, "RandomMove"},
     {3, "ClimbingMove"}, {4, "ChangePoint"}, {5, "Stabilizing"}, {6, "Starvation"},
     {7, "ThreadTimedOut"}, {8, "CooperativeBlocking"});
ENUM(clr_enum_wait_source, 0, {0, "Unknown"}, {1, "MonitorWait"});
ENUM(clr_enum_il_stub_flags, 1, {0, "None"}, {0x1, "ReverseInterop"}, {0x2, "ComInterop"},
     {0x4, "NGenedStub"}, {0x8, "Delegate"}, {0x10, "VarArg"}, {0x20, "UnmanagedCallee"});

/* .NET prints a value without a name as its number. */
static void format_number(int64_t v, char *out, size_t cap)
{
    snprintf(out, cap, "%" PRId64, v);
}

/* Append `s` to out at *len, keeping the NUL; 0 when it does not fit. */
static int append(char *out, size_t cap, size_t *len, const char *s)
{
    size_t n = strlen(s);
    if (*len + n + 1 > cap)
        return 0;
    memcpy(out + *len, s, n + 1);
    *len += n;
    return 1;
}

/* [Flags] rule of Enum.ToString(): an exact name wins; otherwise the named
 * bits, highest first, are taken out of the value, and the names are listed
 * lowest first; any bit left over makes the whole value print as a number. */
static void format_flags(const clr_enum *e, int64_t v, char *out, size_t cap)
{
    uint64_t rest = (uint64_t)v;
    size_t found[64];
    size_t nfound = 0;
    if (v == 0) {
        if (e->n > 0 && e->items[0].value == 0)
            snprintf(out, cap, "%s", e->items[0].name);
        else
            format_number(v, out, cap);
        return;
    }
    for (size_t i = e->n; i-- > 0;) {
        uint64_t bits = (uint64_t)e->items[i].value;
        if (bits == 0)
            break;
        if ((rest & bits) == bits && nfound < 64) {
            rest -= bits;
            found[nfound++] = i;
        }
    }
    if (rest != 0 || nfound == 0) {
        format_number(v, out, cap);
        return;
    }
    size_t len = 0;
    out[0] = '\0';
    for (size_t k = nfound; k-- > 0;) {
        if ((k + 1 != nfound && !append(out, cap, &len, ", ")) ||
            !append(out, cap, &len, e->items[found[k]].name))
            return;
    }
}

void clr_enum_format(const clr_enum *e, int64_t v, char *out, size_t cap)
{
    if (cap == 0)
        return;
    for (size_t i = 0; i < e->n; i++) {
        if (e->items[i].value == v) {
            snprintf(out, cap, "%s", e->items[i].name);
            return;
        }
    }
    if (e->flags)
        format_flags(e, v, out, cap);
    else
        format_number(v, out, cap);
}
