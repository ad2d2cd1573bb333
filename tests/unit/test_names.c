/* test_names.c - event and provider names as TraceEvent writes them
 * (src/lib/decode/names*.c). The expected names come from the PerfView
 * baselines (../shared/docs/traceevent-names.md) and TraceEvent's parsers. */
#include "testutil.h"

#include <stdio.h>
#include <string.h>

#include "etwcap/names.h"

/* In names.c; checks that every lookup table is sorted. */
int etwcap_names_check_tables(void);

/* ---- GUIDs ------------------------------------------------------------- */

#define G_EVENTTRACE "68fdd900-4a3e-11d1-84f4-0000f80464e3"
#define G_DISKIO "3d6fa8d4-fe05-11d0-9dda-00c04fd7ba7c"
#define G_PAGEFAULT "3d6fa8d3-fe05-11d0-9dda-00c04fd7ba7c"
#define G_PROCESS "3d6fa8d0-fe05-11d0-9dda-00c04fd7ba7c"
#define G_FILEIO "90cbdc39-4a3e-11d1-84f4-0000f80464e3"
#define G_THREAD "3d6fa8d1-fe05-11d0-9dda-00c04fd7ba7c"
#define G_TCPIP "9a280ac0-c8e0-11d1-84e2-00c04fb998a2"
#define G_UDPIP "bf3a50c5-a9c9-4988-a005-2df0b7c80f80"
#define G_REGISTRY "ae53722e-c863-11d2-8659-00c04fa321a1"
#define G_CONFIG "01853a65-418f-4f36-aefc-dc0f1d2fd235"
#define G_PERFINFO "ce1dbfb4-137e-4da6-87b0-3f59aa102cbc"
#define G_IMAGE "2cb15d1d-5fc1-11d2-abe1-00a0c911f518"
#define G_STACKWALK "def2fe46-7bd6-4b80-bd94-f57fe20d0ce3"
#define G_ALPC "45d8cccd-539f-4b72-a8b7-5c683142609a"
#define G_POOL "0268a8b6-74fd-4302-9dd0-6e8f1795c0cf"
#define G_HEAP "222962ab-6180-4b88-a825-346b75f2a24a"
#define G_THREADPOOL "c861d0e2-a2c1-4d36-9f9c-970bab943a12"
#define G_LOSTEVENT "6a399ae0-4bc6-4de9-870b-3657f8947e7e"
#define G_SYSCONFIG "9b79ee91-b5fd-41c0-a243-4248e266e9d0"
#define G_IMAGEID "b3e675d7-2554-4f18-830b-2762732560de"
#define G_METADATA "bbccf6c1-6cd1-48c4-80ff-839482e37671"
#define G_WINSAT "ed54dff8-c409-4cf6-bf83-05e1e61a09c4"
#define G_CLR "e13c0d23-ccbc-4e12-931b-d9cc2eee27e4"
#define G_CLR_NATIVE "47c3ba0c-77f1-4eb0-8d4d-aef447f16a85"
#define G_RUNDOWN "a669021c-c450-4609-a035-5af59af4df18"
#define G_PRIVATE "763fd754-7086-4dfe-95eb-c01a46faf4ca"
#define G_STRESS "cc2bcbba-16b6-4cf3-8990-d74c2e8af500"
#define G_ETWTRACING "b675ec37-bdb6-4648-bc92-f3fdc74d3ca2"
#define G_KPROCESS "22fb2cd6-0e7b-422b-a0c7-2fad1fd0e716"
#define G_KFILE "edd08927-9cc4-4e65-b970-c2560fb5c289"
#define G_KMEMORY "d1d93ef7-e1f2-4f45-9943-03d245fe6c00"
#define G_UNKNOWN "8e9f5090-2d75-4d03-8a81-e5afbf85daf1"
#define G_KERNEL_PROVIDER "9e814aad-3204-11d2-9a82-006008a86939"
#define G_KTC_PROVIDER "28ad2447-105b-4fe2-9599-e59b2aa9a634"

#define K ETWCAP_KIND_KERNEL
#define C ETWCAP_KIND_CLASSIC
#define M ETWCAP_KIND_MANIFEST

/* ---- helpers ----------------------------------------------------------- */

static etwcap_guid guid(const char *s)
{
    etwcap_guid g;
    assert_int_equal(etwcap_guid_parse(s, &g), 0);
    return g;
}

static void init_event(etwcap_event *ev, etwcap_event_kind kind, const char *provider, unsigned id,
                       unsigned opcode, unsigned hook_id)
{
    memset(ev, 0, sizeof *ev);
    ev->struct_version = ETWCAP_EVENT_VERSION;
    ev->kind = kind;
    if (provider)
        ev->provider = guid(provider);
    ev->id = (uint16_t)id;
    ev->opcode = (uint8_t)opcode;
    ev->hook_id = (uint16_t)hook_id;
    ev->pid = ev->tid = ETWCAP_NO_ID;
}

static void expect_name(const etwcap_event *ev, const char *want)
{
    char name[512];
    size_t n = etwcap_event_name(ev, name, sizeof name);
    if (strcmp(name, want) != 0)
        fail_msg("got \"%s\", want \"%s\"", name, want);
    assert_int_equal(n, strlen(want));
}

static void expect_provider(const etwcap_event *ev, const char *want)
{
    char name[256];
    size_t n = etwcap_provider_name(ev, name, sizeof name);
    if (strcmp(name, want) != 0)
        fail_msg("got provider \"%s\", want \"%s\"", name, want);
    assert_int_equal(n, strlen(want));
}

/* ---- the table of cases ------------------------------------------------ */

typedef struct name_case {
    etwcap_event_kind kind;
    unsigned id; /* manifest event id */
    unsigned opcode;
    unsigned hook_id;     /* kernel only */
    const char *provider; /* class GUID (kernel/classic) or provider id */
    const char *want;
} name_case;

/* Kernel events as the reader gives them: class GUID, opcode, HookId. */
#define KE(g, grp, op, want)                 \
    {                                        \
        K, 0, op, (grp) << 8 | (op), g, want \
    }
/* Classic events: class GUID and opcode. */
#define CE(g, op, want)      \
    {                        \
        C, 0, op, 0, g, want \
    }
/* Manifest events: provider and id. */
#define ME(g, id, want)      \
    {                        \
        M, id, 0, 0, g, want \
    }

static const name_case cases[] = {
    /* Every "Windows Kernel/..." name of the PerfView baselines. */
    KE(G_DISKIO, 0x01, 14, "Windows Kernel/DiskIO/FlushBuffers"),
    KE(G_DISKIO, 0x01, 15, "Windows Kernel/DiskIO/FlushInit"),
    KE(G_DISKIO, 0x01, 16, "Windows Kernel/DiskIO/Opcode(16)"),
    KE(G_DISKIO, 0x01, 10, "Windows Kernel/DiskIO/Read"),
    KE(G_DISKIO, 0x01, 12, "Windows Kernel/DiskIO/ReadInit"),
    KE(G_DISKIO, 0x01, 11, "Windows Kernel/DiskIO/Write"),
    KE(G_DISKIO, 0x01, 13, "Windows Kernel/DiskIO/WriteInit"),
    KE(G_EVENTTRACE, 0x00, 0, "Windows Kernel/EventTrace"),
    KE(G_EVENTTRACE, 0x00, 32, "Windows Kernel/EventTrace/EndExtension"),
    KE(G_EVENTTRACE, 0x00, 5, "Windows Kernel/EventTrace/Extension"),
    KE(G_EVENTTRACE, 0x00, 8, "Windows Kernel/EventTrace/RundownComplete"),
    KE(G_IMAGE, 0x14, 3, "Windows Kernel/Image/DCStart"),
    KE(G_IMAGE, 0x14, 4, "Windows Kernel/Image/DCStop"),
    KE(G_IMAGE, 0x14, 10, "Windows Kernel/Image/Load"),
    KE(G_IMAGE, 0x14, 2, "Windows Kernel/Image/Unload"),
    KE(G_PAGEFAULT, 0x02, 32, "Windows Kernel/Memory/HardFault"),
    KE(G_PERFINFO, 0x0F, 74, "Windows Kernel/PerfInfo/CollectionEnd"),
    KE(G_PERFINFO, 0x0F, 73, "Windows Kernel/PerfInfo/CollectionStart"),
    KE(G_PERFINFO, 0x0F, 46, "Windows Kernel/PerfInfo/Sample"),
    KE(G_PROCESS, 0x03, 3, "Windows Kernel/Process/DCStart"),
    KE(G_PROCESS, 0x03, 4, "Windows Kernel/Process/DCStop"),
    KE(G_PROCESS, 0x03, 39, "Windows Kernel/Process/Defunct"),
    KE(G_PROCESS, 0x03, 32, "Windows Kernel/Process/PerfCtr"),
    KE(G_PROCESS, 0x03, 33, "Windows Kernel/Process/PerfCtrRundown"),
    KE(G_PROCESS, 0x03, 1, "Windows Kernel/Process/Start"),
    KE(G_PROCESS, 0x03, 2, "Windows Kernel/Process/Stop"),
    CE(G_SYSCONFIG, 32, "Windows Kernel/SysConfig/BuildInfo"),
    CE(G_SYSCONFIG, 37, "Windows Kernel/SysConfig/Opcode(37)"),
    CE(G_SYSCONFIG, 33, "Windows Kernel/SysConfig/SystemPaths"),
    CE(G_SYSCONFIG, 34, "Windows Kernel/SysConfig/UnknownVolume"),
    CE(G_SYSCONFIG, 35, "Windows Kernel/SysConfig/VolumeMapping"),
    KE(G_CONFIG, 0x0B, 10, "Windows Kernel/SystemConfig/CPU"),
    KE(G_CONFIG, 0x0B, 23, "Windows Kernel/SystemConfig/IDEChannel"),
    KE(G_CONFIG, 0x0B, 21, "Windows Kernel/SystemConfig/IRQ"),
    KE(G_CONFIG, 0x0B, 12, "Windows Kernel/SystemConfig/LogDisk"),
    KE(G_CONFIG, 0x0B, 13, "Windows Kernel/SystemConfig/NIC"),
    KE(G_CONFIG, 0x0B, 17, "Windows Kernel/SystemConfig/Network"),
    KE(G_CONFIG, 0x0B, 11, "Windows Kernel/SystemConfig/PhyDisk"),
    KE(G_CONFIG, 0x0B, 22, "Windows Kernel/SystemConfig/PnP"),
    KE(G_CONFIG, 0x0B, 16, "Windows Kernel/SystemConfig/Power"),
    KE(G_CONFIG, 0x0B, 15, "Windows Kernel/SystemConfig/Services"),
    KE(G_CONFIG, 0x0B, 14, "Windows Kernel/SystemConfig/Video"),
    KE(G_TCPIP, 0x06, 15, "Windows Kernel/TcpIp/Accept"),
    KE(G_TCPIP, 0x06, 31, "Windows Kernel/TcpIp/AcceptIPV6"),
    KE(G_TCPIP, 0x06, 12, "Windows Kernel/TcpIp/Connect"),
    KE(G_TCPIP, 0x06, 13, "Windows Kernel/TcpIp/Disconnect"),
    KE(G_TCPIP, 0x06, 29, "Windows Kernel/TcpIp/DisconnectIPV6"),
    KE(G_TCPIP, 0x06, 11, "Windows Kernel/TcpIp/Recv"),
    KE(G_TCPIP, 0x06, 27, "Windows Kernel/TcpIp/RecvIPV6"),
    KE(G_TCPIP, 0x06, 10, "Windows Kernel/TcpIp/Send"),
    KE(G_TCPIP, 0x06, 26, "Windows Kernel/TcpIp/SendIPV6"),
    KE(G_TCPIP, 0x06, 34, "Windows Kernel/TcpIp/TCPCopyIPV6"),
    KE(G_THREAD, 0x05, 72, "Windows Kernel/Thread/SetName"),
    KE(G_THREAD, 0x05, 1, "Windows Kernel/Thread/Start"),
    KE(G_THREAD, 0x05, 2, "Windows Kernel/Thread/Stop"),
    KE(G_UDPIP, 0x08, 11, "Windows Kernel/UdpIp/Recv"),
    KE(G_UDPIP, 0x08, 27, "Windows Kernel/UdpIp/RecvIPV6"),
    KE(G_UDPIP, 0x08, 10, "Windows Kernel/UdpIp/Send"),
    KE(G_UDPIP, 0x08, 26, "Windows Kernel/UdpIp/SendIPV6"),

    /* Events TraceLog folds away, named in the same style. */
    KE(G_STACKWALK, 0x18, 32, "Windows Kernel/StackWalk/Stack"),
    KE(G_STACKWALK, 0x18, 34, "Windows Kernel/StackWalk/Opcode(34)"),
    KE(G_STACKWALK, 0x18, 35, "Windows Kernel/StackWalk/KeyDelete"),
    KE(G_STACKWALK, 0x18, 36, "Windows Kernel/StackWalk/KeyRundown"),
    KE(G_STACKWALK, 0x18, 37, "Windows Kernel/StackWalk/StackKeyKernel"),
    KE(G_STACKWALK, 0x18, 38, "Windows Kernel/StackWalk/StackKeyUser"),
    KE(G_THREAD, 0x05, 3, "Windows Kernel/Thread/DCStart"),
    KE(G_THREAD, 0x05, 4, "Windows Kernel/Thread/DCStop"),

    /* More of TraceEvent's kernel names. */
    KE(G_THREAD, 0x05, 36, "Windows Kernel/Thread/CSwitch"),
    KE(G_THREAD, 0x05, 50, "Windows Kernel/Dispatcher/ReadyThread"),
    KE(G_PAGEFAULT, 0x02, 98, "Windows Kernel/VirtualMem/Alloc"),
    KE(G_PAGEFAULT, 0x02, 99, "Windows Kernel/VirtualMem/Free"),
    KE(G_PAGEFAULT, 0x02, 10, "Windows Kernel/Memory/TransitionFault"),
    KE(G_PAGEFAULT, 0x02, 129, "Windows Kernel/Memory/VirtualAllocDCStop"),
    KE(G_FILEIO, 0x04, 0, "Windows Kernel/FileIO"),
    KE(G_FILEIO, 0x04, 32, "Windows Kernel/FileIO/FileCreate"),
    KE(G_FILEIO, 0x04, 64, "Windows Kernel/FileIO/Create"),
    KE(G_FILEIO, 0x04, 67, "Windows Kernel/FileIO/Read"),
    KE(G_FILEIO, 0x04, 40, "Windows Kernel/FileIO/MapFileDCStop"),
    KE(G_REGISTRY, 0x09, 10, "Windows Kernel/Registry/Create"),
    KE(G_REGISTRY, 0x09, 27, "Windows Kernel/Registry/Close"),
    KE(G_PERFINFO, 0x0F, 72, "Windows Kernel/PerfInfo/SetInterval"),
    KE(G_PERFINFO, 0x0F, 51, "Windows Kernel/PerfInfo/SysClEnter"),
    KE(G_PERFINFO, 0x0F, 67, "Windows Kernel/PerfInfo/ISR"),
    KE(G_PERFINFO, 0x0F, 68, "Windows Kernel/PerfInfo/DPC"),
    KE(G_ALPC, 0x1A, 33, "Windows Kernel/ALPC/SendMessage"),
    KE(G_LOSTEVENT, 0x20, 32, "Windows Kernel/LostEvent"),
    KE(G_HEAP, 0x10, 33, "HeapTraceProvider/HeapTrace/Alloc"),
    KE(G_THREADPOOL, 0x1C, 34, "ThreadPool/ThreadPoolTrace/CBStart"),
    CE(G_PERFINFO, 34, "Windows Kernel/PerfInfo/Mark"), /* classic-header PerfInfo mark */

    /* Kernel: unnamed opcodes, special spellings. */
    KE(G_PROCESS, 0x03, 11, "Windows Kernel/Process/Opcode(11)"),
    KE(G_PROCESS, 0x03, 10, "Windows Kernel/Image/Load"), /* HookId 0x030A */
    KE(G_IMAGE, 0x14, 33, "MSNT_SystemTrace/Image/KernelBase"),
    KE(G_IMAGE, 0x14, 34, "Windows Kernel/Image/Opcode(34)"),
    KE(G_CONFIG, 0x0B, 25, "MSNT_SystemTrace/SystemConfig/Platform"),
    KE(G_CONFIG, 0x0B, 18, "Windows Kernel/SystemConfig/Opcode(18)"),
    KE(G_EVENTTRACE, 0x00, 80, "Windows Kernel/EventTrace/Opcode(80)"),
    KE(G_DISKIO, 0x01, 0, "Windows Kernel/DiskIO"),
    KE(G_DISKIO, 0x01, 1, "Windows Kernel/DiskIO/Opcode(1)"),
    KE(G_POOL, 0x0E, 34, "Windows Kernel/Pool/Opcode(34)"),
    CE(G_SYSCONFIG, 36, "Windows Kernel/SysConfig/Opcode(36)"),

    /* KernelTraceControl */
    CE(G_IMAGEID, 0, "KernelTraceControl/ImageID"),
    CE(G_IMAGEID, 40, "KernelTraceControl/ImageID/DbgDeterm"),
    CE(G_IMAGEID, 37, "KernelTraceControl/ImageID/DbgID_ILRSDS"),
    CE(G_IMAGEID, 36, "KernelTraceControl/ImageID/DbgID_RSDS"),
    CE(G_IMAGEID, 38, "KernelTraceControl/ImageID/DbgPPDB"),
    CE(G_IMAGEID, 64, "KernelTraceControl/ImageID/FileVersion"),
    CE(G_IMAGEID, 32, "KernelTraceControl/ImageID/None"),
    CE(G_IMAGEID, 34, "KernelTraceControl/ImageID/Opcode(34)"),
    CE(G_IMAGEID, 41, "KernelTraceControl/ImageID/Opcode(41)"),
    CE(G_METADATA, 32, "KernelTraceControl/MetaData/EventInfo"),
    CE(G_METADATA, 33, "KernelTraceControl/MetaData/EventMapInfo"),
    CE(G_WINSAT, 33, "KernelTraceControl/WinSat/WinSPR"),
    CE(G_WINSAT, 35, "KernelTraceControl/WinSat/Metrics"),
    CE(G_WINSAT, 37, "KernelTraceControl/WinSat/SystemConfig"),

    /* Microsoft-Windows-DotNETRuntime: every name of the baselines. */
    ME(G_CLR, 85, "Microsoft-Windows-DotNETRuntime/AppDomainResourceManagement/ThreadCreated"),
    ME(G_CLR, 86, "Microsoft-Windows-DotNETRuntime/AppDomainResourceManagement/ThreadTerminated"),
    ME(G_CLR, 81, "Microsoft-Windows-DotNETRuntime/Contention/Start"),
    ME(G_CLR, 91, "Microsoft-Windows-DotNETRuntime/Contention/Stop"),
    ME(G_CLR, 80, "Microsoft-Windows-DotNETRuntime/Exception/Start"),
    ME(G_CLR, 256, "Microsoft-Windows-DotNETRuntime/Exception/Stop"),
    ME(G_CLR, 250, "Microsoft-Windows-DotNETRuntime/ExceptionCatch/Start"),
    ME(G_CLR, 251, "Microsoft-Windows-DotNETRuntime/ExceptionCatch/Stop"),
    ME(G_CLR, 252, "Microsoft-Windows-DotNETRuntime/ExceptionFinally/Start"),
    ME(G_CLR, 253, "Microsoft-Windows-DotNETRuntime/ExceptionFinally/Stop"),
    ME(G_CLR, 10, "Microsoft-Windows-DotNETRuntime/GC/AllocationTick"),
    ME(G_CLR, 22, "Microsoft-Windows-DotNETRuntime/GC/BulkMovedObjectRanges"),
    ME(G_CLR, 21, "Microsoft-Windows-DotNETRuntime/GC/BulkSurvivingObjectRanges"),
    ME(G_CLR, 5, "Microsoft-Windows-DotNETRuntime/GC/CreateSegment"),
    ME(G_CLR, 29, "Microsoft-Windows-DotNETRuntime/GC/FinalizeObject"),
    ME(G_CLR, 14, "Microsoft-Windows-DotNETRuntime/GC/FinalizersStart"),
    ME(G_CLR, 13, "Microsoft-Windows-DotNETRuntime/GC/FinalizersStop"),
    ME(G_CLR, 209, "Microsoft-Windows-DotNETRuntime/GC/FitBucketInfo"),
    ME(G_CLR, 23, "Microsoft-Windows-DotNETRuntime/GC/GenerationRange"),
    ME(G_CLR, 205, "Microsoft-Windows-DotNETRuntime/GC/GlobalHeapHistory"),
    ME(G_CLR, 4, "Microsoft-Windows-DotNETRuntime/GC/HeapStats"),
    ME(G_CLR, 208, "Microsoft-Windows-DotNETRuntime/GC/LOHCompact"),
    ME(G_CLR, 28, "Microsoft-Windows-DotNETRuntime/GC/MarkCards"),
    ME(G_CLR, 26, "Microsoft-Windows-DotNETRuntime/GC/MarkFinalizeQueueRoots"),
    ME(G_CLR, 27, "Microsoft-Windows-DotNETRuntime/GC/MarkHandles"),
    ME(G_CLR, 25, "Microsoft-Windows-DotNETRuntime/GC/MarkStackRoots"),
    ME(G_CLR, 202, "Microsoft-Windows-DotNETRuntime/GC/MarkWithType"),
    ME(G_CLR, 204, "Microsoft-Windows-DotNETRuntime/GC/PerHeapHistory"),
    ME(G_CLR, 33, "Microsoft-Windows-DotNETRuntime/GC/PinObjectAtGCTime"),
    ME(G_CLR, 7, "Microsoft-Windows-DotNETRuntime/GC/RestartEEStart"),
    ME(G_CLR, 3, "Microsoft-Windows-DotNETRuntime/GC/RestartEEStop"),
    ME(G_CLR, 1, "Microsoft-Windows-DotNETRuntime/GC/Start"),
    ME(G_CLR, 2, "Microsoft-Windows-DotNETRuntime/GC/Stop"),
    ME(G_CLR, 9, "Microsoft-Windows-DotNETRuntime/GC/SuspendEEStart"),
    ME(G_CLR, 8, "Microsoft-Windows-DotNETRuntime/GC/SuspendEEStop"),
    ME(G_CLR, 12, "Microsoft-Windows-DotNETRuntime/GC/TerminateConcurrentThread"),
    ME(G_CLR, 35, "Microsoft-Windows-DotNETRuntime/GC/Triggered"),
    ME(G_CLR, 201, "Microsoft-Windows-DotNETRuntime/GarbageCollection/DecreaseMemoryPressure"),
    ME(G_CLR, 200, "Microsoft-Windows-DotNETRuntime/GarbageCollection/IncreaseMemoryPressure"),
    ME(G_CLR, 44, "Microsoft-Windows-DotNETRuntime/IOThreadCreation/Start"),
    ME(G_CLR, 45, "Microsoft-Windows-DotNETRuntime/IOThreadCreation/Stop"),
    ME(G_CLR, 47, "Microsoft-Windows-DotNETRuntime/IOThreadRetirement/Stop"),
    ME(G_CLR, 156, "Microsoft-Windows-DotNETRuntime/Loader/AppDomainLoad"),
    ME(G_CLR, 157, "Microsoft-Windows-DotNETRuntime/Loader/AppDomainUnload"),
    ME(G_CLR, 154, "Microsoft-Windows-DotNETRuntime/Loader/AssemblyLoad"),
    ME(G_CLR, 155, "Microsoft-Windows-DotNETRuntime/Loader/AssemblyUnload"),
    ME(G_CLR, 151, "Microsoft-Windows-DotNETRuntime/Loader/DomainModuleLoad"),
    ME(G_CLR, 152, "Microsoft-Windows-DotNETRuntime/Loader/ModuleLoad"),
    ME(G_CLR, 153, "Microsoft-Windows-DotNETRuntime/Loader/ModuleUnload"),
    ME(G_CLR, 145, "Microsoft-Windows-DotNETRuntime/Method/JittingStarted"),
    ME(G_CLR, 143, "Microsoft-Windows-DotNETRuntime/Method/LoadVerbose"),
    ME(G_CLR, 144, "Microsoft-Windows-DotNETRuntime/Method/UnloadVerbose"),
    ME(G_CLR, 187, "Microsoft-Windows-DotNETRuntime/Runtime/Start"),
    ME(G_CLR, 181, "Microsoft-Windows-DotNETRuntime/StrongNameVerification/Start"),
    ME(G_CLR, 182, "Microsoft-Windows-DotNETRuntime/StrongNameVerification/Stop"),
    ME(G_CLR, 70, "Microsoft-Windows-DotNETRuntime/Thread/Creating"),
    ME(G_CLR, 71, "Microsoft-Windows-DotNETRuntime/Thread/Running"),
    ME(G_CLR, 64, "Microsoft-Windows-DotNETRuntime/ThreadPool/IODequeue"),
    ME(G_CLR, 63, "Microsoft-Windows-DotNETRuntime/ThreadPool/IOEnqueue"),
    ME(G_CLR, 65, "Microsoft-Windows-DotNETRuntime/ThreadPool/IOPack"),
    ME(G_CLR, 50, "Microsoft-Windows-DotNETRuntime/ThreadPoolWorkerThread/Start"),
    ME(G_CLR, 51, "Microsoft-Windows-DotNETRuntime/ThreadPoolWorkerThread/Stop"),
    ME(G_CLR, 57, "Microsoft-Windows-DotNETRuntime/ThreadPoolWorkerThread/Wait"),
    ME(G_CLR, 55, "Microsoft-Windows-DotNETRuntime/ThreadPoolWorkerThreadAdjustment/Adjustment"),
    ME(G_CLR, 54, "Microsoft-Windows-DotNETRuntime/ThreadPoolWorkerThreadAdjustment/Sample"),
    ME(G_CLR, 56, "Microsoft-Windows-DotNETRuntime/ThreadPoolWorkerThreadAdjustment/Stats"),
    ME(G_CLR, 281, "Microsoft-Windows-DotNETRuntime/TieredCompilation/Pause"),
    ME(G_CLR, 280, "Microsoft-Windows-DotNETRuntime/TieredCompilation/Settings"),
    ME(G_CLR, 15, "Microsoft-Windows-DotNETRuntime/Type/BulkType"),
    /* ... folded away by TraceLog, and a few more. */
    ME(G_CLR, 82, "Microsoft-Windows-DotNETRuntime/ClrStack/Walk"),
    ME(G_CLR, 190, "Microsoft-Windows-DotNETRuntime/Method/ILToNativeMap"),
    ME(G_CLR, 141, "Microsoft-Windows-DotNETRuntime/Method/Load"),
    ME(G_CLR, 189, "Microsoft-Windows-DotNETRuntime/Method/TailCallFailed"),
    ME(G_CLR, 191, "Microsoft-Windows-DotNETRuntime/Method/TailCallFailed"),
    ME(G_CLR, 58, "Microsoft-Windows-DotNETRuntime/YieldProcessorMeasurement"),
    ME(G_CLR, 303, "Microsoft-Windows-DotNETRuntime/AllocationSampling"),
    ME(G_CLR, 290, "Microsoft-Windows-DotNETRuntime/AssemblyLoader/Start"),
    ME(G_CLR, 301, "Microsoft-Windows-DotNETRuntime/WaitHandleWait/Start"),
    ME(G_CLR, 40, "Microsoft-Windows-DotNETRuntime/WorkerThreadCreation/Start"),
    ME(G_CLR, 9999, "Microsoft-Windows-DotNETRuntime/EventID(9999)"),
    ME(G_CLR_NATIVE, 143, "Microsoft-Windows-DotNETRuntime/Method/LoadVerbose"),

    /* Microsoft-Windows-DotNETRuntimeRundown */
    ME(G_RUNDOWN, 10, "Microsoft-Windows-DotNETRuntimeRundown/GC/SettingsRundown"),
    ME(G_RUNDOWN, 158, "Microsoft-Windows-DotNETRuntimeRundown/Loader/AppDomainDCStop"),
    ME(G_RUNDOWN, 156, "Microsoft-Windows-DotNETRuntimeRundown/Loader/AssemblyDCStop"),
    ME(G_RUNDOWN, 152, "Microsoft-Windows-DotNETRuntimeRundown/Loader/DomainModuleDCStop"),
    ME(G_RUNDOWN, 154, "Microsoft-Windows-DotNETRuntimeRundown/Loader/ModuleDCStop"),
    ME(G_RUNDOWN, 159, "Microsoft-Windows-DotNETRuntimeRundown/Loader/ThreadDCStop"),
    ME(G_RUNDOWN, 146, "Microsoft-Windows-DotNETRuntimeRundown/Method/DCStopComplete"),
    ME(G_RUNDOWN, 148, "Microsoft-Windows-DotNETRuntimeRundown/Method/DCStopInit"),
    ME(G_RUNDOWN, 187, "Microsoft-Windows-DotNETRuntimeRundown/Runtime/Start"),
    ME(G_RUNDOWN, 280,
       "Microsoft-Windows-DotNETRuntimeRundown/TieredCompilationRundown/SettingsDCStart"),
    ME(G_RUNDOWN, 0, "Microsoft-Windows-DotNETRuntimeRundown/ClrStack/Walk"),
    ME(G_RUNDOWN, 144, "Microsoft-Windows-DotNETRuntimeRundown/Method/DCStopVerbose"),
    ME(G_RUNDOWN, 143, "Microsoft-Windows-DotNETRuntimeRundown/Method/DCStartVerbose"),
    ME(G_RUNDOWN, 150, "Microsoft-Windows-DotNETRuntimeRundown/Method/ILToNativeMapDCStop"),
    ME(G_RUNDOWN, 153, "Microsoft-Windows-DotNETRuntimeRundown/Loader/ModuleDCStart"),

    /* Microsoft-Windows-DotNETRuntimePrivate */
    ME(G_PRIVATE, 169, "Microsoft-Windows-DotNETRuntimePrivate/Binding/DownloadPhaseStart"),
    ME(G_PRIVATE, 170, "Microsoft-Windows-DotNETRuntimePrivate/Binding/DownloadPhaseStop"),
    ME(G_PRIVATE, 196, "Microsoft-Windows-DotNETRuntimePrivate/Binding/FusionMessage"),
    ME(G_PRIVATE, 171,
       "Microsoft-Windows-DotNETRuntimePrivate/Binding/LoaderAssemblyInitPhaseStart"),
    ME(G_PRIVATE, 172,
       "Microsoft-Windows-DotNETRuntimePrivate/Binding/LoaderAssemblyInitPhaseStop"),
    ME(G_PRIVATE, 175,
       "Microsoft-Windows-DotNETRuntimePrivate/Binding/LoaderDeliverEventPhaseStart"),
    ME(G_PRIVATE, 176,
       "Microsoft-Windows-DotNETRuntimePrivate/Binding/LoaderDeliverEventsPhaseStop"),
    ME(G_PRIVATE, 173, "Microsoft-Windows-DotNETRuntimePrivate/Binding/LoaderMappingPhaseStart"),
    ME(G_PRIVATE, 174, "Microsoft-Windows-DotNETRuntimePrivate/Binding/LoaderMappingPhaseStop"),
    ME(G_PRIVATE, 165, "Microsoft-Windows-DotNETRuntimePrivate/Binding/LoaderPhaseStart"),
    ME(G_PRIVATE, 166, "Microsoft-Windows-DotNETRuntimePrivate/Binding/LoaderPhaseStop"),
    ME(G_PRIVATE, 164, "Microsoft-Windows-DotNETRuntimePrivate/Binding/LookupAndProbingPhaseStop"),
    ME(G_PRIVATE, 163, "Microsoft-Windows-DotNETRuntimePrivate/Binding/LoopupAndProbingPhaseStart"),
    ME(G_PRIVATE, 161, "Microsoft-Windows-DotNETRuntimePrivate/Binding/NgenPhaseStart"),
    ME(G_PRIVATE, 162, "Microsoft-Windows-DotNETRuntimePrivate/Binding/NgenPhaseStop"),
    ME(G_PRIVATE, 167, "Microsoft-Windows-DotNETRuntimePrivate/Binding/PhaseStart"),
    ME(G_PRIVATE, 168, "Microsoft-Windows-DotNETRuntimePrivate/Binding/PhaseStop"),
    ME(G_PRIVATE, 159, "Microsoft-Windows-DotNETRuntimePrivate/Binding/PolicyPhaseStart"),
    ME(G_PRIVATE, 160, "Microsoft-Windows-DotNETRuntimePrivate/Binding/PolicyPhaseStop"),
    ME(G_PRIVATE, 201, "Microsoft-Windows-DotNETRuntimePrivate/ClrMulticoreJit/Common"),
    ME(G_PRIVATE, 202, "Microsoft-Windows-DotNETRuntimePrivate/ClrMulticoreJit/MethodCodeReturned"),
    ME(G_PRIVATE, 5, "Microsoft-Windows-DotNETRuntimePrivate/GC/GlobalHeapHistory"),
    ME(G_PRIVATE, 10, "Microsoft-Windows-DotNETRuntimePrivate/GC/MarkCards"),
    ME(G_PRIVATE, 8, "Microsoft-Windows-DotNETRuntimePrivate/GC/MarkFinalizeQueueRoots"),
    ME(G_PRIVATE, 9, "Microsoft-Windows-DotNETRuntimePrivate/GC/MarkHandles"),
    ME(G_PRIVATE, 7, "Microsoft-Windows-DotNETRuntimePrivate/GC/MarkStackRoots"),
    ME(G_PRIVATE, 4, "Microsoft-Windows-DotNETRuntimePrivate/GC/PerHeapHistory"),
    ME(G_PRIVATE, 2, "Microsoft-Windows-DotNETRuntimePrivate/GC/Settings"),
    ME(G_PRIVATE, 188, "Microsoft-Windows-DotNETRuntimePrivate/NgenBinder/NgenBind"),
    ME(G_PRIVATE, 151, "Microsoft-Windows-DotNETRuntimePrivate/ClrStack/Walk"),
    ME(G_PRIVATE, 191, "Microsoft-Windows-DotNETRuntimePrivate/FailFast"),
    ME(G_STRESS, 1, "Microsoft-Windows-DotNETRuntimeStress/ClrStack/Walk"),

    /* Windows providers of the baselines. */
    ME(G_ETWTRACING, 14,
       "Microsoft-Windows-Kernel-EventTracing/ETW_TASK_PROVIDER/ETW_OPCODE_ENABLE"),
    ME(G_ETWTRACING, 29,
       "Microsoft-Windows-Kernel-EventTracing/ETW_TASK_PROVIDER/ETW_OPCODE_GROUP_JOIN"),
    ME(G_ETWTRACING, 8,
       "Microsoft-Windows-Kernel-EventTracing/ETW_TASK_PROVIDER/ETW_OPCODE_REGISTER"),
    ME(G_ETWTRACING, 9,
       "Microsoft-Windows-Kernel-EventTracing/ETW_TASK_PROVIDER/ETW_OPCODE_UNREGISTER"),
    ME(G_ETWTRACING, 11, "Microsoft-Windows-Kernel-EventTracing/ETW_TASK_SESSION/ETW_OPCODE_STOP"),
    ME(G_ETWTRACING, 18, "Microsoft-Windows-Kernel-EventTracing/EventID(18)"),
    ME(G_KFILE, 12, "Microsoft-Windows-Kernel-File/Create"),
    ME(G_KPROCESS, 1, "Microsoft-Windows-Kernel-Process/ProcessStart/Start"),
    ME(G_KPROCESS, 2, "Microsoft-Windows-Kernel-Process/ProcessStop/Stop"),
    ME(G_KPROCESS, 5, "Microsoft-Windows-Kernel-Process/ImageLoad"),
    ME(G_KMEMORY, 1, "Microsoft-Windows-Kernel-Memory/MemoryMemInfo"),

    /* Unknown providers. */
    ME(G_UNKNOWN, 65534, "Provider(" G_UNKNOWN ")/EventID(65534)"),
    ME(G_UNKNOWN, 0, "Provider(" G_UNKNOWN ")/EventWriteString"),
    CE(G_UNKNOWN, 0, "Provider(" G_UNKNOWN ")/Opcode(0)"),
    CE(G_UNKNOWN, 255, "Provider(" G_UNKNOWN ")/Opcode(255)"),
};

static void test_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const name_case *c = &cases[i];
        etwcap_event ev;
        init_event(&ev, c->kind, c->provider, c->id, c->opcode, c->hook_id);
        expect_name(&ev, c->want);
        /* The provider part is the name up to the first '/' (no provider
         * name here contains one). */
        char prov[256];
        const char *slash = strchr(c->want, '/');
        assert_non_null(slash);
        snprintf(prov, sizeof prov, "%.*s", (int)(slash - c->want), c->want);
        expect_provider(&ev, prov);
    }
}

static void test_tables_sorted(void **state)
{
    (void)state;
    assert_true(etwcap_names_check_tables());
}

/* ---- kernel details ---------------------------------------------------- */

/* A kernel event the reader has no class GUID for is named by its HookId's
 * group. */
static void test_kernel_group_fallback(void **state)
{
    etwcap_event ev;
    (void)state;
    init_event(&ev, K, NULL, 0, 46, 0x0F2E);
    expect_name(&ev, "Windows Kernel/PerfInfo/Sample");
    init_event(&ev, K, NULL, 0, 10, 0x030A);
    expect_name(&ev, "Windows Kernel/Image/Load");
    init_event(&ev, K, NULL, 0, 10, 0x1D0A);
    expect_name(&ev, "Windows Kernel/Hypervisor/Opcode(10)");
    /* Group beyond the table: unknown. */
    init_event(&ev, K, NULL, 0, 5, 0x4005);
    expect_name(&ev, "Provider(00000000-0000-0000-0000-000000000000)/Opcode(5)");
    expect_provider(&ev, "Provider(00000000-0000-0000-0000-000000000000)");
}

/* A WPP message without TMF data: by GUID and message number. */
static void test_wpp(void **state)
{
    etwcap_event ev;
    (void)state;
    init_event(&ev, ETWCAP_KIND_MESSAGE, G_UNKNOWN, 0, 0, 0);
    ev.message_number = 12;
    expect_name(&ev, "Provider(" G_UNKNOWN ")/EventID(12)");
}

/* ---- buffers ----------------------------------------------------------- */

static void test_truncation(void **state)
{
    etwcap_event ev;
    char buf[16];
    (void)state;
    init_event(&ev, K, G_IMAGE, 0, 3, 0x1403);
    memset(buf, 'x', sizeof buf);
    assert_int_equal(etwcap_event_name(&ev, buf, 8), 7);
    assert_string_equal(buf, "Windows");
    assert_int_equal(buf[8], 'x');
    assert_int_equal(etwcap_event_name(&ev, buf, 1), 0);
    assert_string_equal(buf, "");
    assert_int_equal(etwcap_event_name(&ev, buf, 0), 0);
    assert_int_equal(etwcap_event_name(&ev, NULL, 10), 0);
    assert_int_equal(etwcap_provider_name(&ev, buf, 5), 4);
    assert_string_equal(buf, "Wind");
    assert_int_equal(etwcap_event_name(NULL, buf, sizeof buf), 0);
    assert_string_equal(buf, "");
    /* Exactly enough room. */
    init_event(&ev, K, G_DISKIO, 0, 0, 0x0100);
    char exact[sizeof "Windows Kernel/DiskIO"];
    assert_int_equal(etwcap_event_name(&ev, exact, sizeof exact), sizeof exact - 1);
    assert_string_equal(exact, "Windows Kernel/DiskIO");
}

/* ---- TraceLogging ------------------------------------------------------ */

/* Schema blob: u16 size, tags, name, NUL, then (fake) field data. */
static size_t make_schema(uint8_t *buf, const uint8_t *tags, size_t ntags, const char *name,
                          int terminate)
{
    size_t n = 2;
    memcpy(buf + n, tags, ntags);
    n += ntags;
    memcpy(buf + n, name, strlen(name));
    n += strlen(name);
    if (terminate) {
        buf[n++] = 0;
        memcpy(buf + n, "field\0\x08", 7); /* a field: name, InType UINT32 */
        n += 7;
    }
    buf[0] = (uint8_t)n;
    buf[1] = (uint8_t)(n >> 8);
    return n;
}

static size_t make_traits(uint8_t *buf, const char *name)
{
    size_t n = 2 + strlen(name) + 1;
    memcpy(buf + 2, name, strlen(name) + 1);
    /* One trait chunk: u16 size, u8 type, data (a group GUID would go here). */
    buf[n++] = 3;
    buf[n++] = 0;
    buf[n++] = 1;
    buf[0] = (uint8_t)n;
    buf[1] = (uint8_t)(n >> 8);
    return n;
}

static void add_ext(etwcap_event *ev, uint16_t type, const uint8_t *data, size_t size)
{
    assert_true(ev->ext_count < ETWCAP_MAX_EXT_ITEMS);
    ev->ext[ev->ext_count].type = type;
    ev->ext[ev->ext_count].size = (uint16_t)size;
    ev->ext[ev->ext_count].data = data;
    ev->ext_count++;
}

static void test_tracelogging(void **state)
{
    /* primitive-types.baseline.txt: solar_system/PrimitiveTypesTest */
    static const uint8_t tag0[] = {0x00};
    static const uint8_t tags3[] = {0x81, 0x80, 0x02};
    uint8_t schema[128], traits[64], key[8] = {0};
    size_t ns, nt;
    etwcap_event ev;
    (void)state;

    init_event(&ev, M, "d3dd3dd4-aac2-4e2a-8dd4-a8fb61b77615", 0, 0, 0);
    add_ext(&ev, ETWCAP_EXT_EVENT_KEY, key, sizeof key);
    ns = make_schema(schema, tag0, 1, "PrimitiveTypesTest", 1);
    add_ext(&ev, ETWCAP_EXT_EVENT_SCHEMA_TL, schema, ns);
    nt = make_traits(traits, "solar_system");
    add_ext(&ev, ETWCAP_EXT_PROV_TRAITS, traits, nt);
    expect_name(&ev, "solar_system/PrimitiveTypesTest");
    expect_provider(&ev, "solar_system");
    assert_true(etwcap_event_name_varies(&ev));

    /* Several tag bytes; opcodes Start, Stop, and a custom one. */
    ns = make_schema(schema, tags3, sizeof tags3, "Request", 1);
    ev.ext[1].size = (uint16_t)ns;
    ev.opcode = 1;
    expect_name(&ev, "solar_system/Request/Start");
    ev.opcode = 2;
    expect_name(&ev, "solar_system/Request/Stop");
    ev.opcode = 240;
    expect_name(&ev, "solar_system/Request/Receive");
    ev.opcode = 77;
    expect_name(&ev, "solar_system/Request/Opcode(77)");
    ev.opcode = 0;

    /* TraceEvent makes the event name an identifier. */
    ns = make_schema(schema, tag0, 1, "My Event-Name", 1);
    ev.ext[1].size = (uint16_t)ns;
    expect_name(&ev, "solar_system/MyEvent_Name");

    /* No NUL before the end of the item: the name stops at the end. */
    ns = make_schema(schema, tag0, 1, "Cut", 0);
    ev.ext[1].size = (uint16_t)ns;
    expect_name(&ev, "solar_system/Cut");

    /* Blob too short for a name: the event is named like any manifest event. */
    ev.ext[1].size = 3;
    expect_name(&ev, "Provider(d3dd3dd4-aac2-4e2a-8dd4-a8fb61b77615)/EventWriteString");
    expect_provider(&ev, "Provider(d3dd3dd4-aac2-4e2a-8dd4-a8fb61b77615)");

    /* No provider traits: the provider is named by GUID. */
    ns = make_schema(schema, tag0, 1, "PrimitiveTypesTest", 1);
    ev.ext[1].size = (uint16_t)ns;
    ev.ext_count = 2;
    expect_name(&ev, "Provider(d3dd3dd4-aac2-4e2a-8dd4-a8fb61b77615)/PrimitiveTypesTest");

    /* Provider traits without a schema do not make a TraceLogging event. */
    init_event(&ev, M, "d3dd3dd4-aac2-4e2a-8dd4-a8fb61b77615", 7, 0, 0);
    add_ext(&ev, ETWCAP_EXT_PROV_TRAITS, traits, nt);
    expect_name(&ev, "Provider(d3dd3dd4-aac2-4e2a-8dd4-a8fb61b77615)/EventID(7)");
    assert_false(etwcap_event_name_varies(&ev));
}

/* ---- the CLR's GCDynamicEvent ------------------------------------------ */

static size_t make_gc_dynamic(uint8_t *buf, const char *name, uint32_t data_size)
{
    size_t n = 0;
    for (const char *p = name; *p; p++) {
        buf[n++] = (uint8_t)*p;
        buf[n++] = 0;
    }
    buf[n++] = 0;
    buf[n++] = 0;
    for (int i = 0; i < 4; i++)
        buf[n++] = (uint8_t)(data_size >> (8 * i));
    memset(buf + n, 0, data_size);
    n += data_size;
    buf[n++] = 8; /* ClrInstanceID */
    buf[n++] = 0;
    return n;
}

static void test_gc_dynamic(void **state)
{
    uint8_t payload[256];
    etwcap_event ev;
    (void)state;
    init_event(&ev, M, G_CLR, 39, 41, 0);
    ev.payload = payload;
    ev.payload_len = (uint32_t)make_gc_dynamic(payload, "CommittedUsage", 42);
    expect_name(&ev, "Microsoft-Windows-DotNETRuntime/GC/CommittedUsage");
    assert_true(etwcap_event_name_varies(&ev));
    ev.payload_len = (uint32_t)make_gc_dynamic(payload, "committedUSAGE", 42);
    expect_name(&ev, "Microsoft-Windows-DotNETRuntime/GC/CommittedUsage");
    ev.payload_len = (uint32_t)make_gc_dynamic(payload, "CommittedUsage", 41);
    expect_name(&ev, "Microsoft-Windows-DotNETRuntime/GC/DynamicTraceEvent");
    ev.payload_len = (uint32_t)make_gc_dynamic(payload, "SizeAdaptationSample", 38);
    expect_name(&ev, "Microsoft-Windows-DotNETRuntime/GC/DynamicTraceEvent");
    ev.payload_len = (uint32_t)make_gc_dynamic(payload, "CommittedUsageX", 42);
    expect_name(&ev, "Microsoft-Windows-DotNETRuntime/GC/DynamicTraceEvent");
    ev.payload_len = 10; /* truncated */
    expect_name(&ev, "Microsoft-Windows-DotNETRuntime/GC/DynamicTraceEvent");
    ev.payload = NULL;
    ev.payload_len = 0;
    expect_name(&ev, "Microsoft-Windows-DotNETRuntime/GC/DynamicTraceEvent");
    /* Only the runtime provider's id 39. */
    init_event(&ev, M, G_RUNDOWN, 39, 0, 0);
    assert_false(etwcap_event_name_varies(&ev));
    init_event(&ev, K, G_DISKIO, 0, 10, 0x010A);
    assert_false(etwcap_event_name_varies(&ev));
}

/* ---- provider lookup --------------------------------------------------- */

static void expect_lookup(const char *name, const char *want_guid, int want_kernel)
{
    etwcap_guid g, want = guid(want_guid);
    int is_kernel = -1;
    if (etwcap_provider_lookup(name, &g, &is_kernel) != 0)
        fail_msg("lookup of \"%s\" failed", name);
    assert_true(etwcap_guid_equal(&g, &want));
    assert_int_equal(is_kernel, want_kernel);
}

static void test_provider_lookup(void **state)
{
    etwcap_guid g;
    int is_kernel;
    (void)state;
    expect_lookup("Microsoft-Windows-DotNETRuntime", G_CLR, 0);
    expect_lookup("microsoft-windows-dotnetruntime", G_CLR, 0);
    expect_lookup("Microsoft-Windows-DotNETRuntimeRundown", G_RUNDOWN, 0);
    expect_lookup("MICROSOFT-WINDOWS-DOTNETRUNTIMEPRIVATE", G_PRIVATE, 0);
    expect_lookup("Microsoft-Windows-DotNETRuntimeStress", G_STRESS, 0);
    expect_lookup("Microsoft-Windows-Kernel-EventTracing", G_ETWTRACING, 0);
    expect_lookup("Microsoft-Windows-Kernel-Process", G_KPROCESS, 0);
    expect_lookup("KernelTraceControl", G_KTC_PROVIDER, 0);
    expect_lookup("kerneltracecontrol", G_KTC_PROVIDER, 0);
    expect_lookup("Windows Kernel", G_KERNEL_PROVIDER, 1);
    expect_lookup("WINDOWS KERNEL", G_KERNEL_PROVIDER, 1);
    expect_lookup("MSNT_SystemTrace", G_KERNEL_PROVIDER, 1);
    expect_lookup("HeapTraceProvider", G_HEAP, 0);
    /* GUID text, any case, with or without braces, or as printed. */
    expect_lookup(G_CLR, G_CLR, 0);
    expect_lookup("{E13C0D23-CCBC-4E12-931B-D9CC2EEE27E4}", G_CLR, 0);
    expect_lookup("Provider(" G_UNKNOWN ")", G_UNKNOWN, 0);
    expect_lookup(G_KERNEL_PROVIDER, G_KERNEL_PROVIDER, 1);
    /* Unknown names. */
    assert_int_equal(etwcap_provider_lookup("Microsoft-Windows-DotNETRuntimeX", &g, &is_kernel),
                     -1);
    assert_int_equal(etwcap_provider_lookup("Windows", &g, &is_kernel), -1);
    assert_int_equal(etwcap_provider_lookup("", &g, &is_kernel), -1);
    assert_int_equal(etwcap_provider_lookup(NULL, &g, &is_kernel), -1);
    assert_int_equal(etwcap_provider_lookup("Provider(nonsense)", &g, &is_kernel), -1);
    assert_int_equal(etwcap_provider_lookup("e13c0d23-ccbc-4e12-931b-d9cc2eee27e", &g, NULL), -1);
    /* Output pointers are optional. */
    assert_int_equal(etwcap_provider_lookup("Windows Kernel", NULL, NULL), 0);
}

/* Every provider name the tables print looks up to a provider that owns
 * the event. */
static void test_lookup_round_trip(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const name_case *c = &cases[i];
        etwcap_event ev;
        char prov[256];
        etwcap_guid g;
        int is_kernel;
        init_event(&ev, c->kind, c->provider, c->id, c->opcode, c->hook_id);
        etwcap_provider_name(&ev, prov, sizeof prov);
        if (etwcap_provider_lookup(prov, &g, &is_kernel) != 0)
            fail_msg("no lookup for provider \"%s\"", prov);
        if (!etwcap_event_from_provider(&ev, &g, is_kernel))
            fail_msg("event \"%s\" not from provider \"%s\"", c->want, prov);
    }
}

static void test_event_from_provider(void **state)
{
    etwcap_event ev;
    etwcap_guid clr = guid(G_CLR), ktc = guid(G_KTC_PROVIDER), kern = guid(G_KERNEL_PROVIDER);
    etwcap_guid imageid = guid(G_IMAGEID), pool = guid(G_POOL), unknown = guid(G_UNKNOWN);
    (void)state;

    init_event(&ev, M, G_CLR, 143, 0, 0);
    assert_true(etwcap_event_from_provider(&ev, &clr, 0));
    assert_false(etwcap_event_from_provider(&ev, &clr, 1));
    assert_false(etwcap_event_from_provider(&ev, &ktc, 0));

    /* KernelTraceControl's classes belong to it, not to the kernel. */
    init_event(&ev, C, G_IMAGEID, 0, 36, 0);
    assert_true(etwcap_event_from_provider(&ev, &ktc, 0));
    assert_true(etwcap_event_from_provider(&ev, &imageid, 0));
    assert_false(etwcap_event_from_provider(&ev, &kern, 1));

    /* Kernel classes, named or not, are "Windows Kernel". */
    init_event(&ev, K, G_IMAGE, 0, 10, 0x140A);
    assert_true(etwcap_event_from_provider(&ev, &kern, 1));
    assert_false(etwcap_event_from_provider(&ev, &clr, 0));
    init_event(&ev, K, G_POOL, 0, 34, 0x0E22);
    assert_true(etwcap_event_from_provider(&ev, &kern, 1));
    assert_true(etwcap_event_from_provider(&ev, &pool, 0));
    init_event(&ev, K, NULL, 0, 5, 0x4005);
    assert_true(etwcap_event_from_provider(&ev, &kern, 1));

    /* SysConfig is a classic KernelTraceControl class TraceEvent prints as
     * the kernel's. */
    init_event(&ev, C, G_SYSCONFIG, 0, 35, 0);
    assert_true(etwcap_event_from_provider(&ev, &kern, 1));

    /* Unknown classic class: only its own GUID. */
    init_event(&ev, C, G_UNKNOWN, 0, 1, 0);
    assert_true(etwcap_event_from_provider(&ev, &unknown, 0));
    assert_false(etwcap_event_from_provider(&ev, &kern, 1));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_tables_sorted),
        cmocka_unit_test(test_kernel_group_fallback),
        cmocka_unit_test(test_wpp),
        cmocka_unit_test(test_truncation),
        cmocka_unit_test(test_tracelogging),
        cmocka_unit_test(test_gc_dynamic),
        cmocka_unit_test(test_provider_lookup),
        cmocka_unit_test(test_lookup_round_trip),
        cmocka_unit_test(test_event_from_provider),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
