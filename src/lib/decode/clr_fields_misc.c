/* clr_fields_misc.c - fields of the runtime provider's thread pool,
 * threading, exception, contention, IL stub, type load, tiered compilation
 * and wait-handle events (etl-format.md §4.3), as the matching TraceEvent
 * classes in ClrTraceEventParser.cs name them. */
#include "decode/clr_internal.h"

static etwcap_decode_result exception_start(clr_ctx *x)
{
    if (x->ver < 1) {
        etwcap_fields_add_str(x->out, "ExceptionType", "");
        etwcap_fields_add_str(x->out, "ExceptionMessage", "");
        etwcap_fields_add_hex(x->out, "ExceptionEIP", 0);
        clr_add_i64(x, "ExceptionHRESULT", 0);
        clr_add_enum(x, "ExceptionFlags", &clr_enum_exception_flags, 0);
        clr_add_i64(x, "ClrInstanceID", 0);
        return clr_done(x);
    }
    clr_f_wstr(x, "ExceptionType");
    clr_f_wstr(x, "ExceptionMessage");
    clr_f_hexptr(x, "ExceptionEIP");
    clr_f_i32(x, "ExceptionHRESULT");
    clr_f_enum16(x, "ExceptionFlags", &clr_enum_exception_flags);
    clr_f_i16(x, "ClrInstanceID");
    return clr_done(x);
}

/* Contention Start: version 0 has no payload, version 1 flags and
 * ClrInstanceID, version 2 the lock, its object and its owner. */
static etwcap_decode_result contention_start(clr_ctx *x)
{
    if (x->ver >= 1) {
        clr_f_enum8(x, "ContentionFlags", &clr_enum_contention_flags);
        clr_f_i16(x, "ClrInstanceID");
    } else {
        clr_add_enum(x, "ContentionFlags", &clr_enum_contention_flags, 0);
        clr_add_i64(x, "ClrInstanceID", 0);
    }
    if (x->ver >= 2) {
        clr_f_hex64(x, "LockID");
        clr_f_hex64(x, "AssociatedObjectID");
        clr_f_i64(x, "LockOwnerThreadID");
    } else {
        etwcap_fields_add_hex(x->out, "LockID", 0);
        etwcap_fields_add_hex(x->out, "AssociatedObjectID", 0);
        clr_add_i64(x, "LockOwnerThreadID", 0);
    }
    return clr_done(x);
}

static etwcap_decode_result contention_stop(clr_ctx *x)
{
    clr_f_enum8(x, "ContentionFlags", &clr_enum_contention_flags);
    clr_f_i16(x, "ClrInstanceID");
    if (x->ver >= 1)
        clr_f_double(x, "DurationNs");
    else
        etwcap_fields_add_double(x->out, "DurationNs", 0.0);
    return clr_done(x);
}

static etwcap_decode_result il_stub(clr_ctx *x, int generated)
{
    clr_f_i16(x, "ClrInstanceID");
    clr_f_i64(x, "ModuleID");
    clr_f_i64(x, "StubMethodID");
    if (generated)
        clr_f_enum32(x, "StubFlags", &clr_enum_il_stub_flags);
    clr_f_i32(x, "ManagedInteropMethodToken");
    clr_f_wstr(x, "ManagedInteropMethodNamespace");
    clr_f_wstr(x, "ManagedInteropMethodName");
    clr_f_wstr(x, "ManagedInteropMethodSignature");
    if (generated) {
        clr_f_wstr(x, "NativeMethodSignature");
        clr_f_wstr(x, "StubMethodSignature");
        clr_f_wstr(x, "StubMethodILCode");
    }
    return clr_done(x);
}

static etwcap_decode_result adjustment_stats(clr_ctx *x)
{
    static const char *const names[] = {"Duration",
                                        "Throughput",
                                        "ThreadWave",
                                        "ThroughputWave",
                                        "ThroughputErrorEstimate",
                                        "AverageThroughputErrorEstimate",
                                        "ThroughputRatio",
                                        "Confidence",
                                        "NewControlSetting"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        clr_f_double(x, names[i]);
    clr_f_i16(x, "NewThreadWaveMagnitude");
    clr_f_i16(x, "ClrInstanceID");
    return clr_done(x);
}

/* Thread pool and threading events made of pointers and counts. */
static etwcap_decode_result thread_pool(clr_ctx *x, unsigned id)
{
    switch (id) {
    case 44: /* IOThreadCreation/Retirement Start/Stop */
    case 45:
    case 46:
    case 47:
        clr_f_i32(x, "IOThreadCount");
        clr_f_i32(x, "RetiredIOThreads");
        clr_f_instance(x, 1);
        break;
    case 50: /* ThreadPoolWorkerThread Start/Stop, Retirement Start/Stop, Wait */
    case 51:
    case 52:
    case 53:
    case 57:
        clr_f_i32(x, "ActiveWorkerThreadCount");
        clr_f_i32(x, "RetiredWorkerThreadCount");
        clr_f_i16(x, "ClrInstanceID");
        break;
    case 54: /* Adjustment Sample */
        clr_f_double(x, "Throughput");
        clr_f_i16(x, "ClrInstanceID");
        break;
    case 55: /* Adjustment */
        clr_f_double(x, "AverageThroughput");
        clr_f_i32(x, "NewWorkerThreadCount");
        clr_f_enum32(x, "Reason", &clr_enum_thread_adjustment_reason);
        clr_f_i16(x, "ClrInstanceID");
        break;
    case 56:
        return adjustment_stats(x);
    case 60: /* ThreadPoolWorkingThreadCount */
        clr_f_i32(x, "Count");
        clr_f_i16(x, "ClrInstanceID");
        break;
    case 61: /* ThreadPool Enqueue, Dequeue */
    case 62:
        clr_f_hexptr(x, "WorkID");
        clr_f_i16(x, "ClrInstanceID");
        break;
    case 63: /* IOEnqueue */
        clr_f_hexptr(x, "NativeOverlapped");
        clr_f_hexptr(x, "Overlapped");
        clr_f_bool32(x, "MultiDequeues");
        clr_f_i16(x, "ClrInstanceID");
        break;
    case 64: /* IODequeue, IOPack */
    case 65:
        clr_f_hexptr(x, "NativeOverlapped");
        clr_f_hexptr(x, "Overlapped");
        clr_f_i16(x, "ClrInstanceID");
        break;
    case 70: /* Thread Creating, Running */
    case 71:
        clr_f_hexptr(x, "ID");
        clr_f_i16(x, "ClrInstanceID");
        break;
    default:
        return ETWCAP_DECODE_UNKNOWN;
    }
    return clr_done(x);
}

/* Events with a fixed run of scalars. */
static etwcap_decode_result scalars(clr_ctx *x, unsigned id)
{
    switch (id) {
    case 73: /* TypeLoad Start */
        clr_f_i32(x, "TypeLoadStartID");
        clr_f_i16(x, "ClrInstanceID");
        break;
    case 74: /* TypeLoad Stop */
        clr_f_i32(x, "TypeLoadStartID");
        clr_f_i16(x, "ClrInstanceID");
        clr_f_i16(x, "LoadLevel");
        clr_f_i64(x, "TypeID");
        clr_f_wstr(x, "TypeName");
        break;
    case 83: /* AppDomainMemAllocated */
        clr_f_i64(x, "AppDomainID");
        clr_f_i64(x, "Allocated");
        clr_f_i16(x, "ClrInstanceID");
        break;
    case 84: /* AppDomainMemSurvived */
        clr_f_i64(x, "AppDomainID");
        clr_f_i64(x, "Survived");
        clr_f_i64(x, "ProcessSurvived");
        clr_f_i16(x, "ClrInstanceID");
        break;
    case 86: /* ThreadTerminated, DomainEnter */
    case 87:
        clr_f_i64(x, "ManagedThreadID");
        clr_f_i64(x, "AppDomainID");
        clr_f_i16(x, "ClrInstanceID");
        break;
    case 90: /* Contention LockCreated */
        clr_f_hex64(x, "LockID");
        clr_f_hex64(x, "AssociatedObjectID");
        clr_f_i16(x, "ClrInstanceID");
        break;
    case 250: /* ExceptionCatch, ExceptionFinally, ExceptionFilter Start */
    case 252:
    case 254:
        clr_f_i64(x, "EntryEIP");
        clr_f_i64(x, "MethodID");
        clr_f_wstr(x, "MethodName");
        clr_f_i16(x, "ClrInstanceID");
        break;
    case 251: /* their Stop events and Exception Stop carry no fields */
    case 253:
    case 255:
    case 256:
        break;
    case 280: /* TieredCompilation Settings (also rundown SettingsDCStart) */
        clr_f_i16(x, "ClrInstanceID");
        clr_f_enum32(x, "Flags", &clr_enum_tiered_settings_flags);
        break;
    case 281: /* TieredCompilation Pause */
    case 302: /* WaitHandleWait Stop */
        clr_f_i16(x, "ClrInstanceID");
        break;
    case 282: /* TieredCompilation Resume */
        clr_f_i16(x, "ClrInstanceID");
        clr_f_i32(x, "NewMethodCount");
        break;
    case 283: /* BackgroundJitStart */
        clr_f_i16(x, "ClrInstanceID");
        clr_f_i32(x, "PendingMethodCount");
        break;
    case 284: /* BackgroundJitStop */
        clr_f_i16(x, "ClrInstanceID");
        clr_f_i32(x, "PendingMethodCount");
        clr_f_i32(x, "JittedMethodCount");
        break;
    case 300: /* ExecutionCheckpoint (also rundown ExecutionCheckpointDCEnd) */
        clr_f_i16(x, "ClrInstanceID");
        clr_f_wstr(x, "Name");
        clr_f_i64(x, "Timestamp");
        break;
    case 301: /* WaitHandleWait Start */
        clr_f_enum8(x, "WaitSource", &clr_enum_wait_source);
        clr_f_hexptr(x, "AssociatedObjectID");
        clr_f_i16(x, "ClrInstanceID");
        break;
    default:
        return ETWCAP_DECODE_UNKNOWN;
    }
    return clr_done(x);
}

etwcap_decode_result clr_fields_misc(clr_ctx *x, unsigned id)
{
    switch (id) {
    case 80:
        return exception_start(x);
    case 81:
        return contention_start(x);
    case 85:
        return clr_f_thread_created(x);
    case 88:
        return il_stub(x, 1);
    case 89:
        return il_stub(x, 0);
    case 91:
        return contention_stop(x);
    default:
        break;
    }
    etwcap_decode_result r = thread_pool(x, id);
    return r == ETWCAP_DECODE_UNKNOWN ? scalars(x, id) : r;
}
