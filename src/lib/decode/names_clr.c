/* names_clr.c - names of manifest events by provider GUID and event id, as
 * TraceEvent writes them: the CLR runtime, rundown, private and stress
 * providers, and a few Windows providers seen in PerfView traces.
 *
 * CLR names are the "Task/Opcode" names of TraceEvent's ClrTraceEventParser,
 * ClrRundownTraceEventParser, ClrStressTraceEventParser and
 * ClrPrivateTraceEventParser templates (where two templates share an id,
 * the one TraceEvent enumerates first). TraceEvent writes DCEnd as DCStop
 * and End as Stop in those names. Ids that only the CLR manifest
 * (ClrEtwAll.man) defines are named the way TraceEvent names events it
 * decodes through TDH: manifest task name, "/", opcode name without "win:"
 * (marked "manifest" below). An event whose opcode is 0 (Info) is named by
 * its task alone.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "etwcap/event.h"

/* Shared with names.c (prototypes repeated there; keep them in sync). */
int etwcap_names_manifest(const etwcap_guid *provider, unsigned id, const char **prov_name,
                          const char **name);
int etwcap_names_manifest_find_provider(const char *name, etwcap_guid *out);
int etwcap_names_is_clr_runtime(const etwcap_guid *provider);
int etwcap_names_clr_check(void);

#define N(a) (sizeof(a) / sizeof((a)[0]))

typedef struct mname {
    uint16_t id;
    const char *name;
} mname;

/* Microsoft-Windows-DotNETRuntime. Id 39 (GCDynamicEvent) is refined from
 * its payload in names.c. */
static const mname runtime_names[] = {
    {1, "GC/Start"},
    {2, "GC/Stop"},
    {3, "GC/RestartEEStop"},
    {4, "GC/HeapStats"},
    {5, "GC/CreateSegment"},
    {6, "GC/FreeSegment"},
    {7, "GC/RestartEEStart"},
    {8, "GC/SuspendEEStop"},
    {9, "GC/SuspendEEStart"},
    {10, "GC/AllocationTick"},
    {11, "GC/CreateConcurrentThread"},
    {12, "GC/TerminateConcurrentThread"},
    {13, "GC/FinalizersStop"},
    {14, "GC/FinalizersStart"},
    {15, "Type/BulkType"},
    {16, "GC/BulkRootEdge"},
    {17, "GC/BulkRootConditionalWeakTableElementEdge"},
    {18, "GC/BulkNode"},
    {19, "GC/BulkEdge"},
    {20, "GC/SampledObjectAllocation"},
    {21, "GC/BulkSurvivingObjectRanges"},
    {22, "GC/BulkMovedObjectRanges"},
    {23, "GC/GenerationRange"},
    {25, "GC/MarkStackRoots"},
    {26, "GC/MarkFinalizeQueueRoots"},
    {27, "GC/MarkHandles"},
    {28, "GC/MarkCards"},
    {29, "GC/FinalizeObject"},
    {30, "GC/SetGCHandle"},
    {31, "GC/DestoryGCHandle"},
    {32, "GC/SampledObjectAllocation"},
    {33, "GC/PinObjectAtGCTime"},
    {34, "GC/PinPlugAtGCTime"},
    {35, "GC/Triggered"},
    {36, "GC/BulkRootCCW"},
    {37, "GC/BulkRCW"},
    {38, "GC/BulkRootStaticVar"},
    {39, "GC/DynamicTraceEvent"},
    {40, "WorkerThreadCreation/Start"},   /* manifest */
    {41, "WorkerThreadCreation/Stop"},    /* manifest */
    {42, "WorkerThreadRetirement/Start"}, /* manifest */
    {43, "WorkerThreadRetirement/Stop"},  /* manifest */
    {44, "IOThreadCreation/Start"},
    {45, "IOThreadCreation/Stop"},
    {46, "IOThreadRetirement/Start"},
    {47, "IOThreadRetirement/Stop"},
    {48, "ThreadpoolSuspension/Start"}, /* manifest */
    {49, "ThreadpoolSuspension/Stop"},  /* manifest */
    {50, "ThreadPoolWorkerThread/Start"},
    {51, "ThreadPoolWorkerThread/Stop"},
    {52, "ThreadPoolWorkerThreadRetirement/Start"},
    {53, "ThreadPoolWorkerThreadRetirement/Stop"},
    {54, "ThreadPoolWorkerThreadAdjustment/Sample"},
    {55, "ThreadPoolWorkerThreadAdjustment/Adjustment"},
    {56, "ThreadPoolWorkerThreadAdjustment/Stats"},
    {57, "ThreadPoolWorkerThread/Wait"},
    {58, "YieldProcessorMeasurement"},
    {59, "ThreadPoolMinMaxThreads"},
    {60, "ThreadPoolWorkingThreadCount/Start"},
    {61, "ThreadPool/Enqueue"},
    {62, "ThreadPool/Dequeue"},
    {63, "ThreadPool/IOEnqueue"},
    {64, "ThreadPool/IODequeue"},
    {65, "ThreadPool/IOPack"},
    {70, "Thread/Creating"},
    {71, "Thread/Running"},
    {72, "Method/MethodDetails"},
    {73, "TypeLoad/Start"},
    {74, "TypeLoad/Stop"},
    {80, "Exception/Start"},
    {81, "Contention/Start"},
    {82, "ClrStack/Walk"},
    {83, "AppDomainResourceManagement/MemAllocated"},
    {84, "AppDomainResourceManagement/MemSurvived"},
    {85, "AppDomainResourceManagement/ThreadCreated"},
    {86, "AppDomainResourceManagement/ThreadTerminated"},
    {87, "AppDomainResourceManagement/DomainEnter"},
    {88, "ILStub/StubGenerated"},
    {89, "ILStub/StubCacheHit"},
    {90, "Contention/LockCreated"},
    {91, "Contention/Stop"},
    {135, "Method/DCStartCompleteV2"},
    {136, "Method/DCStopCompleteV2"},
    {137, "Method/DCStartV2"},
    {138, "Method/DCStopV2"},
    {139, "Method/DCStartVerboseV2"},
    {140, "Method/DCStopVerboseV2"},
    {141, "Method/Load"},
    {142, "Method/Unload"},
    {143, "Method/LoadVerbose"},
    {144, "Method/UnloadVerbose"},
    {145, "Method/JittingStarted"},
    {146, "Method/MemoryAllocatedForJitCode"},
    {149, "Loader/ModuleDCStartV2"},
    {150, "Loader/ModuleDCStopV2"},
    {151, "Loader/DomainModuleLoad"},
    {152, "Loader/ModuleLoad"},
    {153, "Loader/ModuleUnload"},
    {154, "Loader/AssemblyLoad"},
    {155, "Loader/AssemblyUnload"},
    {156, "Loader/AppDomainLoad"},
    {157, "Loader/AppDomainUnload"},
    {158, "CLRPerfTrack/ModuleRangeLoad"}, /* manifest */
    {159, "Method/R2RGetEntryPoint"},
    {160, "Method/R2RGetEntryPointStart"},
    {181, "StrongNameVerification/Start"},
    {182, "StrongNameVerification/Stop"},
    {183, "AuthenticodeVerification/Start"},
    {184, "AuthenticodeVerification/Stop"},
    {185, "Method/InliningSucceeded"},
    {186, "Method/InliningFailedAnsi"},
    {187, "Runtime/Start"},
    {188, "Method/TailCallSucceeded"},
    {189, "Method/TailCallFailed"},
    {190, "Method/ILToNativeMap"},
    {191, "Method/TailCallFailed"},
    {192, "Method/InliningFailed"},
    {200, "GarbageCollection/IncreaseMemoryPressure"}, /* manifest */
    {201, "GarbageCollection/DecreaseMemoryPressure"}, /* manifest */
    {202, "GC/MarkWithType"},
    {203, "GC/Join"},
    {204, "GC/PerHeapHistory"},
    {205, "GC/GlobalHeapHistory"},
    {206, "GC/GenAwareBegin"},
    {207, "GC/GenAwareEnd"},
    {208, "GC/LOHCompact"},
    {209, "GC/FitBucketInfo"},
    {240, "DebugIPCEvent/Start"},            /* manifest */
    {241, "DebugIPCEvent/Stop"},             /* manifest */
    {242, "DebugExceptionProcessing/Start"}, /* manifest */
    {243, "DebugExceptionProcessing/Stop"},  /* manifest */
    {250, "ExceptionCatch/Start"},
    {251, "ExceptionCatch/Stop"},
    {252, "ExceptionFinally/Start"},
    {253, "ExceptionFinally/Stop"},
    {254, "ExceptionFilter/Start"},
    {255, "ExceptionFilter/Stop"},
    {256, "Exception/Stop"},
    {260, "CodeSymbols/Start"},
    {270, "EventSourceEvent"},
    {280, "TieredCompilation/Settings"},
    {281, "TieredCompilation/Pause"},
    {282, "TieredCompilation/Resume"},
    {283, "TieredCompilation/BackgroundJitStart"},
    {284, "TieredCompilation/BackgroundJitStop"},
    {290, "AssemblyLoader/Start"},
    {291, "AssemblyLoader/Stop"},
    {292, "AssemblyLoader/ResolutionAttempted"},
    {293, "AssemblyLoader/AssemblyLoadContextResolvingHandlerInvoked"},
    {294, "AssemblyLoader/AppDomainAssemblyResolveHandlerInvoked"},
    {295, "AssemblyLoader/AssemblyLoadFromResolveHandlerInvoked"},
    {296, "AssemblyLoader/KnownPathProbed"},
    {297, "JitInstrumentationData/InstrumentationData"},
    {298, "JitInstrumentationDataVerbose/InstrumentationData"},
    {300, "ExecutionCheckpoint/ExecutionCheckpoint"},
    {301, "WaitHandleWait/Start"},
    {302, "WaitHandleWait/Stop"},
    {303, "AllocationSampling"},
};

/* Microsoft-Windows-DotNETRuntimeRundown. */
static const mname rundown_names[] = {
    {0, "ClrStack/Walk"},
    {10, "GC/SettingsRundown"},
    {141, "Method/DCStart"},
    {142, "Method/DCStop"},
    {143, "Method/DCStartVerbose"},
    {144, "Method/DCStopVerbose"},
    {145, "Method/DCStartComplete"},
    {146, "Method/DCStopComplete"},
    {147, "Method/DCStartInit"},
    {148, "Method/DCStopInit"},
    {149, "Method/ILToNativeMapDCStart"},
    {150, "Method/ILToNativeMapDCStop"},
    {151, "Loader/DomainModuleDCStart"},
    {152, "Loader/DomainModuleDCStop"},
    {153, "Loader/ModuleDCStart"},
    {154, "Loader/ModuleDCStop"},
    {155, "Loader/AssemblyDCStart"},
    {156, "Loader/AssemblyDCStop"},
    {157, "Loader/AppDomainDCStart"},
    {158, "Loader/AppDomainDCStop"},
    {159, "Loader/ThreadDCStop"},
    {160, "CLRPerfTrackRundown/ModuleRangeDCStart"}, /* manifest */
    {161, "CLRPerfTrackRundown/ModuleRangeDCEnd"},   /* manifest */
    {187, "Runtime/Start"},
    {188, "CodeSymbolsRundown/Start"},
    {280, "TieredCompilationRundown/SettingsDCStart"},
    {300, "ExecutionCheckpointRundown/ExecutionCheckpointDCEnd"},
};

/* Microsoft-Windows-DotNETRuntimePrivate. */
static const mname private_names[] = {
    {1, "GC/Decision"},
    {2, "GC/Settings"},
    {3, "GC/Optimized"},
    {4, "GC/PerHeapHistory"},
    {5, "GC/GlobalHeapHistory"},
    {6, "GC/Join"},
    {7, "GC/MarkStackRoots"},
    {8, "GC/MarkFinalizeQueueRoots"},
    {9, "GC/MarkHandles"},
    {10, "GC/MarkCards"},
    {11, "GC/BGCStart"},
    {12, "GC/BGC1stNonCondStop"},
    {13, "GC/BGC1stConStop"},
    {14, "GC/BGC2ndNonConStart"},
    {15, "GC/BGC2ndNonConStop"},
    {16, "GC/BGC2ndConStart"},
    {17, "GC/BGC2ndConStop"},
    {18, "GC/BGCPlanStop"},
    {19, "GC/BGCSweepStop"},
    {20, "GC/BGCDrainMark"},
    {21, "GC/BGCRevisit"},
    {22, "GC/BGCOverflow"},
    {23, "GC/BGCAllocWaitStart"},
    {24, "GC/BGCAllocWaitStop"},
    {25, "GC/FullNotify"},
    {80, "Startup/EEStartupStart"},
    {81, "Startup/EEStartupStop"},
    {82, "Startup/EEConfigSetupStart"},
    {83, "Startup/EEConfigSetupStop"},
    {84, "Startup/LoadSystemBasesStart"},
    {85, "Startup/LoadSystemBasesStop"},
    {86, "Startup/ExecExeStart"},
    {87, "Startup/ExecExeStop"},
    {88, "Startup/MainStart"},
    {89, "Startup/MainStop"},
    {90, "Startup/ApplyPolicyStart"},
    {91, "Startup/ApplyPolicyStop"},
    {92, "Startup/LdLibShFolderStart"},
    {93, "Startup/LdLibShFolderStop"},
    {94, "Startup/PrestubWorkerStart"},
    {95, "Startup/PrestubWorkerStop"},
    {96, "Startup/GetInstallationStart"},
    {97, "Startup/GetInstallationStop"},
    {98, "Startup/OpenHModuleStart"},
    {99, "Startup/OpenHModuleStop"},
    {100, "Startup/ExplicitBindStart"},
    {101, "Startup/ExplicitBindStop"},
    {102, "Startup/ParseXmlStart"},
    {103, "Startup/ParseXmlStop"},
    {104, "Startup/InitDefaultDomainStart"},
    {105, "Startup/InitDefaultDomainStop"},
    {106, "Startup/InitSecurityStart"},
    {107, "Startup/InitSecurityStop"},
    {108, "Startup/AllowBindingRedirsStart"},
    {109, "Startup/AllowBindingRedirsStop"},
    {110, "Startup/EEConfigSyncStart"},
    {111, "Startup/EEConfigSyncStop"},
    {112, "Startup/BindingStart"},
    {113, "Startup/BindingStop"},
    {114, "Startup/LoaderCatchCallStart"},
    {115, "Startup/LoaderCatchCallStop"},
    {116, "Startup/FusionInitStart"},
    {117, "Startup/FusionInitStop"},
    {118, "Startup/FusionAppCtxStart"},
    {119, "Startup/FusionAppCtxStop"},
    {120, "Startup/Fusion2EEStart"},
    {121, "Startup/Fusion2EEStop"},
    {122, "Startup/SecurityCatchCallStart"},
    {123, "Startup/SecurityCatchCallStop"},
    {151, "ClrStack/Walk"},
    {158, "ClrPerfTrack/ModuleRangeLoad"},
    {159, "Binding/PolicyPhaseStart"},
    {160, "Binding/PolicyPhaseStop"},
    {161, "Binding/NgenPhaseStart"},
    {162, "Binding/NgenPhaseStop"},
    {163, "Binding/LoopupAndProbingPhaseStart"},
    {164, "Binding/LookupAndProbingPhaseStop"},
    {165, "Binding/LoaderPhaseStart"},
    {166, "Binding/LoaderPhaseStop"},
    {167, "Binding/PhaseStart"},
    {168, "Binding/PhaseStop"},
    {169, "Binding/DownloadPhaseStart"},
    {170, "Binding/DownloadPhaseStop"},
    {171, "Binding/LoaderAssemblyInitPhaseStart"},
    {172, "Binding/LoaderAssemblyInitPhaseStop"},
    {173, "Binding/LoaderMappingPhaseStart"},
    {174, "Binding/LoaderMappingPhaseStop"},
    {175, "Binding/LoaderDeliverEventPhaseStart"},
    {176, "Binding/LoaderDeliverEventsPhaseStop"},
    {177, "EvidenceGeneration/EvidenceGenerated"},
    {178, "Transparency/ModuleTransparencyComputationStart"},
    {179, "Transparency/ModuleTransparencyComputationStop"},
    {180, "Transparency/TypeTransparencyComputationStart"},
    {181, "Transparency/TypeTransparencyComputationStop"},
    {182, "Transparency/MethodTransparencyComputationStart"},
    {183, "Transparency/MethodTransparencyComputationStop"},
    {184, "Transparency/FieldTransparencyComputationStart"},
    {185, "Transparency/FieldTransparencyComputationStop"},
    {186, "Transparency/TokenTransparencyComputationStart"},
    {187, "Transparency/TokenTransparencyComputationStop"},
    {188, "NgenBinder/NgenBind"},
    {191, "FailFast"},
    {192, "GC/FinalizeObject"},
    {193, "GC/CCWRefCountChangeAnsi"},
    {194, "GC/SetGCHandle"},
    {195, "GC/DestroyGCHandle"},
    {196, "Binding/FusionMessage"},
    {197, "Binding/FusionErrorCode"}, /* manifest */
    {198, "GC/PinObjectAtGCTime"},
    {199, "GC/PinPlugAtGCTime"},
    {200, "GC/CCWRefCountChange"},
    {201, "ClrMulticoreJit/Common"},
    {202, "ClrMulticoreJit/MethodCodeReturned"},
    {300, "ThreadPoolWorkingThreadCount/Start"},
    {301, "ThreadPool/Enqueue"},
    {302, "ThreadPool/Dequeue"},
    {303, "ThreadPool/IOEnqueue"},
    {304, "ThreadPool/IODequeue"},
    {305, "ThreadPool/IOPack"},
    {310, "LoaderHeap/AllocRequest"},
    {400, "ClrDynamicTypeUsage/IInspectableRuntimeClassName"},
    {401, "ClrDynamicTypeUsage/WinRTUnbox"},
    {402, "ClrDynamicTypeUsage/CreateRCW"},
    {403, "ClrDynamicTypeUsage/RCWVariance"},
    {404, "ClrDynamicTypeUsage/RCWIEnumerableCasting"},
    {405, "ClrDynamicTypeUsage/CreateCCW"},
    {406, "ClrDynamicTypeUsage/CCWVariance"},
    {407, "ClrDynamicTypeUsage/ObjectVariantMarshallingToNative"},
    {408, "ClrDynamicTypeUsage/GetTypeFromGUID"},
    {409, "ClrDynamicTypeUsage/GetTypeFromProgID"},
    {410, "ClrDynamicTypeUsage/ConvertToCallbackEtw"},
    {411, "ClrDynamicTypeUsage/BeginCreateManagedReference"},
    {412, "ClrDynamicTypeUsage/EndCreateManagedReference"},
    {413, "ClrDynamicTypeUsage/ObjectVariantMarshallingToManaged"},
};

/* Microsoft-Windows-DotNETRuntimeStress. */
static const mname stress_names[] = {
    {0, "StressLog/Start"},
    {1, "ClrStack/Walk"},
};

/* Microsoft-Windows-Kernel-EventTracing: TDH names from the Windows
 * manifest, as PerfView baselines print them (ETW_TASK_PROVIDER/...). */
static const mname eventtracing_names[] = {
    {2, "ETW_TASK_SESSION/ETW_OPCODE_START"},
    {3, "ETW_TASK_SESSION/ETW_OPCODE_STOP"},
    {8, "ETW_TASK_PROVIDER/ETW_OPCODE_REGISTER"},
    {9, "ETW_TASK_PROVIDER/ETW_OPCODE_UNREGISTER"},
    {10, "ETW_TASK_SESSION/ETW_OPCODE_START"},
    {11, "ETW_TASK_SESSION/ETW_OPCODE_STOP"},
    {13, "ETW_TASK_SESSION/ETW_OPCODE_FLUSH"},
    {14, "ETW_TASK_PROVIDER/ETW_OPCODE_ENABLE"},
    {15, "ETW_TASK_PROVIDER/ETW_OPCODE_DISABLE"},
    {28, "ETW_TASK_PROVIDER/ETW_OPCODE_SET_TRAITS"},
    {29, "ETW_TASK_PROVIDER/ETW_OPCODE_GROUP_JOIN"},
};

/* Microsoft-Windows-Kernel-Process: manifest task/opcode names. */
static const mname kernelprocess_names[] = {
    {1, "ProcessStart/Start"},
    {2, "ProcessStop/Stop"},
    {3, "ThreadStart/Start"},
    {4, "ThreadStop/Stop"},
    {5, "ImageLoad"},
    {6, "ImageUnload"},
    {7, "CpuBasePriorityChange"},
    {8, "CpuPriorityChange"},
    {9, "PagePriorityChange"},
    {10, "IoPriorityChange"},
    {11, "ProcessFreeze/Start"},
    {12, "ProcessFreeze/Stop"},
    {13, "JobStart/Start"},
    {14, "JobTerminate/Stop"},
    {15, "ProcessRundown"},
    {17, "PsDiskIoAttribution/Start"},
    {18, "PsDiskIoAttribution/Stop"},
    {19, "PsIoRateControl/Start"},
    {20, "PsIoRateControl/Stop"},
    {21, "ThreadWorkOnBehalfUpdate"},
};

/* Microsoft-Windows-Kernel-Memory (templates of TraceEvent's kernel parser). */
static const mname kernelmemory_names[] = {
    {1, "MemoryMemInfo"},
    {2, "MemoryProcessMemInfo"},
};

/* Microsoft-Windows-Kernel-File (TraceEvent's KernelFileTraceEventParser). */
static const mname kernelfile_names[] = {
    {12, "Create"},
};

static const char clr_runtime[] = "Microsoft-Windows-DotNETRuntime";
static const char clr_rundown[] = "Microsoft-Windows-DotNETRuntimeRundown";
static const char clr_private[] = "Microsoft-Windows-DotNETRuntimePrivate";
static const char clr_stress[] = "Microsoft-Windows-DotNETRuntimeStress";

typedef struct mprovider {
    etwcap_guid guid;
    const char *name;
    const mname *names;
    size_t count;
    int alias; /* another GUID for a provider listed under its own GUID */
} mprovider;

/* Sorted by GUID; every Data1 is distinct, so Data1 alone orders them. The
 * .NET Native ("Project N") GUIDs get the runtime and private names, as
 * TraceEvent registers every CLR template for them too. */
static const mprovider mproviders[] = {
    {{0x1095638c, 0x8748, 0x4c7a, {0xb3, 0x9e, 0xba, 0xea, 0x27, 0xb9, 0xc5, 0x89}},
     clr_private,
     private_names,
     N(private_names),
     1},
    {{0x22fb2cd6, 0x0e7b, 0x422b, {0xa0, 0xc7, 0x2f, 0xad, 0x1f, 0xd0, 0xe7, 0x16}},
     "Microsoft-Windows-Kernel-Process",
     kernelprocess_names,
     N(kernelprocess_names),
     0},
    {{0x47c3ba0c, 0x77f1, 0x4eb0, {0x8d, 0x4d, 0xae, 0xf4, 0x47, 0xf1, 0x6a, 0x85}},
     clr_runtime,
     runtime_names,
     N(runtime_names),
     1},
    {{0x763fd754, 0x7086, 0x4dfe, {0x95, 0xeb, 0xc0, 0x1a, 0x46, 0xfa, 0xf4, 0xca}},
     clr_private,
     private_names,
     N(private_names),
     0},
    {{0xa669021c, 0xc450, 0x4609, {0xa0, 0x35, 0x5a, 0xf5, 0x9a, 0xf4, 0xdf, 0x18}},
     clr_rundown,
     rundown_names,
     N(rundown_names),
     0},
    {{0xb675ec37, 0xbdb6, 0x4648, {0xbc, 0x92, 0xf3, 0xfd, 0xc7, 0x4d, 0x3c, 0xa2}},
     "Microsoft-Windows-Kernel-EventTracing",
     eventtracing_names,
     N(eventtracing_names),
     0},
    {{0xcc2bcbba, 0x16b6, 0x4cf3, {0x89, 0x90, 0xd7, 0x4c, 0x2e, 0x8a, 0xf5, 0x00}},
     clr_stress,
     stress_names,
     N(stress_names),
     0},
    {{0xd1d93ef7, 0xe1f2, 0x4f45, {0x99, 0x43, 0x03, 0xd2, 0x45, 0xfe, 0x6c, 0x00}},
     "Microsoft-Windows-Kernel-Memory",
     kernelmemory_names,
     N(kernelmemory_names),
     0},
    {{0xe13c0d23, 0xccbc, 0x4e12, {0x93, 0x1b, 0xd9, 0xcc, 0x2e, 0xee, 0x27, 0xe4}},
     clr_runtime,
     runtime_names,
     N(runtime_names),
     0},
    {{0xedd08927, 0x9cc4, 0x4e65, {0xb9, 0x70, 0xc2, 0x56, 0x0f, 0xb5, 0xc2, 0x89}},
     "Microsoft-Windows-Kernel-File",
     kernelfile_names,
     N(kernelfile_names),
     0},
};

static const mprovider *find_provider(const etwcap_guid *g)
{
    size_t lo = 0, hi = N(mproviders);
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (mproviders[mid].guid.data1 < g->data1)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < N(mproviders)) {
        const etwcap_guid *p = &mproviders[lo].guid;
        if (p->data1 == g->data1 && p->data2 == g->data2 && p->data3 == g->data3 &&
            memcmp(p->data4, g->data4, 8) == 0)
            return &mproviders[lo];
    }
    return NULL;
}

static const mname *find_id(const mprovider *p, unsigned id)
{
    size_t lo = 0, hi = p->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (p->names[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return (lo < p->count && p->names[lo].id == id) ? &p->names[lo] : NULL;
}

/* Returns 1 when the provider is known: *prov_name is set, and *name is the
 * event name ("Task/Opcode" or "Task") or NULL when the id is unknown. */
int etwcap_names_manifest(const etwcap_guid *provider, unsigned id, const char **prov_name,
                          const char **name)
{
    const mprovider *p = find_provider(provider);
    const mname *m;
    if (!p)
        return 0;
    *prov_name = p->name;
    m = find_id(p, id);
    *name = m ? m->name : NULL;
    return 1;
}

/* Microsoft-Windows-DotNETRuntime, or its .NET Native twin. */
int etwcap_names_is_clr_runtime(const etwcap_guid *provider)
{
    const mprovider *p = find_provider(provider);
    return p != NULL && p->names == runtime_names;
}

static int ascii_ieq(const char *a, const char *b)
{
    for (;; a++, b++) {
        unsigned char x = (unsigned char)*a, y = (unsigned char)*b;
        if (x >= 'A' && x <= 'Z')
            x = (unsigned char)(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z')
            y = (unsigned char)(y - 'A' + 'a');
        if (x != y)
            return 0;
        if (!x)
            return 1;
    }
}

int etwcap_names_manifest_find_provider(const char *name, etwcap_guid *out)
{
    size_t i;
    for (i = 0; i < N(mproviders); i++) {
        if (!mproviders[i].alias && ascii_ieq(name, mproviders[i].name)) {
            *out = mproviders[i].guid;
            return 1;
        }
    }
    return 0;
}

/* Table self-check for the unit tests: every table sorted, no duplicates. */
int etwcap_names_clr_check(void)
{
    size_t i, j;
    for (i = 0; i < N(mproviders); i++) {
        if (i > 0 && mproviders[i - 1].guid.data1 >= mproviders[i].guid.data1)
            return 0;
        for (j = 1; j < mproviders[i].count; j++)
            if (mproviders[i].names[j - 1].id >= mproviders[i].names[j].id)
                return 0;
    }
    return 1;
}
