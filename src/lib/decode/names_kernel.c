/* names_kernel.c - names of kernel and classic (MOF) events, by class GUID
 * and opcode, as TraceEvent writes them.
 *
 * The opcode names are those TraceEvent's KernelTraceEventParser,
 * ThreadPool/Heap/CritSec parsers and SymbolTraceEventParser
 * (KernelTraceControl) register. TraceEvent writes an opcode it does not know
 * as "Opcode(N)" after the task name, and an unknown opcode 0 as the bare task
 * name; names.c does that formatting. Two events TraceEvent decodes through
 * the system MOF instead (Image/KernelBase, SystemConfig/Platform) carry the
 * provider "MSNT_SystemTrace".
 *
 * Classes of kernel hook groups TraceEvent has no parser for (Job, Pool,
 * Power, ...) are named "Windows Kernel/<group>/Opcode(N)": that spelling is
 * etwcap's, not TraceEvent's.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "etwcap/event.h"

/* Shared with names.c (no internal header: these prototypes are repeated
 * there, keep them in sync). */
const char *etwcap_names_classic_provider(unsigned prov);
int etwcap_names_classic(const etwcap_guid *cls, unsigned opcode, unsigned *prov, const char **task,
                         const char **name);
const etwcap_guid *etwcap_names_kernel_group_guid(unsigned group);
int etwcap_names_classic_find_provider(const char *name, etwcap_guid *out, int *is_kernel);
int etwcap_names_classic_owner(const etwcap_guid *cls, etwcap_guid *owner, int *is_kernel);
int etwcap_names_kernel_check(void);

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* Provider names, in the order of the PROV_ constants. */
enum {
    PROV_NONE,
    PROV_KERNEL,
    PROV_MSNT,
    PROV_KTC,
    PROV_THREADPOOL,
    PROV_HEAP,
    PROV_CRITSEC
};

typedef struct provinfo {
    const char *name;
    etwcap_guid guid; /* the provider GUID TraceEvent reports */
    int is_kernel;
} provinfo;

static const provinfo providers[] = {
    {NULL, {0, 0, 0, {0}}, 0},
    /* SystemTraceControlGuid */
    {"Windows Kernel",
     {0x9e814aad, 0x3204, 0x11d2, {0x9a, 0x82, 0x00, 0x60, 0x08, 0xa8, 0x69, 0x39}},
     1},
    {"MSNT_SystemTrace",
     {0x9e814aad, 0x3204, 0x11d2, {0x9a, 0x82, 0x00, 0x60, 0x08, 0xa8, 0x69, 0x39}},
     1},
    {"KernelTraceControl",
     {0x28ad2447, 0x105b, 0x4fe2, {0x95, 0x99, 0xe5, 0x9b, 0x2a, 0xa9, 0xa6, 0x34}},
     0},
    {"ThreadPool",
     {0xc861d0e2, 0xa2c1, 0x4d36, {0x9f, 0x9c, 0x97, 0x0b, 0xab, 0x94, 0x3a, 0x12}},
     0},
    {"HeapTraceProvider",
     {0x222962ab, 0x6180, 0x4b88, {0xa8, 0x25, 0x34, 0x6b, 0x75, 0xf2, 0xa2, 0x4a}},
     0},
    {"CritSecTraceProvider",
     {0x3ac66736, 0xcc59, 0x4cff, {0x81, 0x15, 0x8d, 0xf5, 0x0e, 0x39, 0x81, 0x6b}},
     0},
};

/* One known opcode: the full event name ("Task/Opcode", or "Task" for
 * opcode 0 and for events without an opcode name), and a provider override
 * (PROV_NONE: the class's provider). Sorted by opcode. */
typedef struct kname {
    uint8_t opcode;
    uint8_t prov;
    const char *name;
} kname;

static const kname eventtrace_names[] = {
    {0, 0, "EventTrace"}, /* Header */
    {5, 0, "EventTrace/Extension"},
    {8, 0, "EventTrace/RundownComplete"},
    {32, 0, "EventTrace/EndExtension"},
};

static const kname diskio_names[] = {
    {10, 0, "DiskIO/Read"},
    {11, 0, "DiskIO/Write"},
    {12, 0, "DiskIO/ReadInit"},
    {13, 0, "DiskIO/WriteInit"},
    {14, 0, "DiskIO/FlushBuffers"},
    {15, 0, "DiskIO/FlushInit"},
    {34, 0, "DiskIO/DriverMajorFunctionCall"},
    {35, 0, "DiskIO/DriverMajorFunctionReturn"},
    {37, 0, "DiskIO/DriverCompletionRoutine"},
    {52, 0, "DiskIO/DriverCompleteRequest"},
    {53, 0, "DiskIO/DriverCompleteRequestReturn"},
};

/* PageFault class: TraceEvent's task is "Memory" (and "VirtualMem"). */
static const kname memory_names[] = {
    {10, 0, "Memory/TransitionFault"},
    {11, 0, "Memory/DemandZeroFault"},
    {12, 0, "Memory/CopyOnWrite"},
    {13, 0, "Memory/GuardMemory"},
    {14, 0, "Memory/HardMemory"},
    {15, 0, "Memory/AccessViolation"},
    {32, 0, "Memory/HardFault"},
    {35, 0, "Memory/InMemory"},
    {73, 0, "Memory/PFMappedSectionCreate"},
    {76, 0, "Memory/SessionDCStop"},
    {79, 0, "Memory/PFMappedSectionDelete"},
    {98, 0, "VirtualMem/Alloc"},
    {99, 0, "VirtualMem/Free"},
    {100, 0, "Memory/HeapRangeRundown"},
    {101, 0, "Memory/HeapRangeCreate"},
    {102, 0, "Memory/HeapRangeReserve"},
    {103, 0, "Memory/HeapRangeRelease"},
    {104, 0, "Memory/HeapRangeDestroy"},
    {105, 0, "Memory/ImageLoadBacked"},
    {112, 0, "Memory/SystemMemInfo"},
    {115, 0, "Memory/InMemoryStoreFault"},
    {117, 0, "Memory/InMemoryActive"},
    {118, 0, "Memory/PageAccess"},
    {119, 0, "Memory/PageRelease"},
    {120, 0, "Memory/RangeAccess"},
    {121, 0, "Memory/RangeRelease"},
    {122, 0, "Memory/Combine"},
    {123, 0, "Memory/KernelMemUsage"},
    {124, 0, "Memory/MMStats"},
    {125, 0, "Memory/ProcessMemInfo"},
    {126, 0, "Memory/MemInfoSessionWS"},
    {127, 0, "Memory/VirtualRotate"},
    {128, 0, "Memory/VirtualAllocDCStart"},
    {129, 0, "Memory/VirtualAllocDCStop"},
    {130, 0, "Memory/PageAccess"},
    {131, 0, "Memory/RemoveFromWS"},
    {132, 0, "Memory/WSSharableRundown"},
    {133, 0, "Memory/InMemoryActiveRundown"},
};

/* Opcode 10 (HookId 0x030A) is an image load: see etwcap_names_classic. */
static const kname process_names[] = {
    {1, 0, "Process/Start"},    {2, 0, "Process/Stop"},     {3, 0, "Process/DCStart"},
    {4, 0, "Process/DCStop"},   {32, 0, "Process/PerfCtr"}, {33, 0, "Process/PerfCtrRundown"},
    {39, 0, "Process/Defunct"},
};

static const kname fileio_names[] = {
    {0, 0, "FileIO"}, /* Name */
    {32, 0, "FileIO/FileCreate"},
    {35, 0, "FileIO/FileDelete"},
    {36, 0, "FileIO/FileRundown"},
    {37, 0, "FileIO/MapFile"},
    {38, 0, "FileIO/UnmapFile"},
    {39, 0, "FileIO/MapFileDCStart"},
    {40, 0, "FileIO/MapFileDCStop"},
    {64, 0, "FileIO/Create"},
    {65, 0, "FileIO/Cleanup"},
    {66, 0, "FileIO/Close"},
    {67, 0, "FileIO/Read"},
    {68, 0, "FileIO/Write"},
    {69, 0, "FileIO/SetInfo"},
    {70, 0, "FileIO/Delete"},
    {71, 0, "FileIO/Rename"},
    {72, 0, "FileIO/DirEnum"},
    {73, 0, "FileIO/Flush"},
    {74, 0, "FileIO/QueryInfo"},
    {75, 0, "FileIO/FSControl"},
    {76, 0, "FileIO/OperationEnd"},
    {77, 0, "FileIO/DirNotify"},
};

static const kname thread_names[] = {
    {1, 0, "Thread/Start"},
    {2, 0, "Thread/Stop"},
    {3, 0, "Thread/DCStart"},
    {4, 0, "Thread/DCStop"},
    {36, 0, "Thread/CSwitch"},
    {37, 0, "Thread/CompCS"},
    {50, 0, "Dispatcher/ReadyThread"},
    {62, 0, "Thread/Enqueue"},
    {63, 0, "Thread/Dequeue"},
    {72, 0, "Thread/SetName"},
};

static const kname tcpip_names[] = {
    {10, 0, "TcpIp/Send"},        {11, 0, "TcpIp/Recv"},           {12, 0, "TcpIp/Connect"},
    {13, 0, "TcpIp/Disconnect"},  {14, 0, "TcpIp/Retransmit"},     {15, 0, "TcpIp/Accept"},
    {16, 0, "TcpIp/Reconnect"},   {17, 0, "TcpIp/Fail"},           {18, 0, "TcpIp/TCPCopy"},
    {19, 0, "TcpIp/ARPCopy"},     {20, 0, "TcpIp/FullACK"},        {21, 0, "TcpIp/PartACK"},
    {22, 0, "TcpIp/DupACK"},      {26, 0, "TcpIp/SendIPV6"},       {27, 0, "TcpIp/RecvIPV6"},
    {28, 0, "TcpIp/ConnectIPV6"}, {29, 0, "TcpIp/DisconnectIPV6"}, {30, 0, "TcpIp/RetransmitIPV6"},
    {31, 0, "TcpIp/AcceptIPV6"},  {32, 0, "TcpIp/ReconnectIPV6"},  {34, 0, "TcpIp/TCPCopyIPV6"},
};

static const kname udpip_names[] = {
    {10, 0, "UdpIp/Send"},     {11, 0, "UdpIp/Recv"},     {17, 0, "UdpIp/Fail"},
    {26, 0, "UdpIp/SendIPV6"}, {27, 0, "UdpIp/RecvIPV6"},
};

static const kname registry_names[] = {
    {10, 0, "Registry/Create"},
    {11, 0, "Registry/Open"},
    {12, 0, "Registry/Delete"},
    {13, 0, "Registry/Query"},
    {14, 0, "Registry/SetValue"},
    {15, 0, "Registry/DeleteValue"},
    {16, 0, "Registry/QueryValue"},
    {17, 0, "Registry/EnumerateKey"},
    {18, 0, "Registry/EnumerateValueKey"},
    {19, 0, "Registry/QueryMultipleValue"},
    {20, 0, "Registry/SetInformation"},
    {21, 0, "Registry/Flush"},
    {22, 0, "Registry/KCBCreate"},
    {23, 0, "Registry/KCBDelete"},
    {24, 0, "Registry/KCBRundownBegin"},
    {25, 0, "Registry/KCBRundownEnd"},
    {26, 0, "Registry/Virtualize"},
    {27, 0, "Registry/Close"},
};

/* EventTraceConfig class (hook group 0x0B). */
static const kname systemconfig_names[] = {
    {10, 0, "SystemConfig/CPU"},        {11, 0, "SystemConfig/PhyDisk"},
    {12, 0, "SystemConfig/LogDisk"},    {13, 0, "SystemConfig/NIC"},
    {14, 0, "SystemConfig/Video"},      {15, 0, "SystemConfig/Services"},
    {16, 0, "SystemConfig/Power"},      {17, 0, "SystemConfig/Network"},
    {21, 0, "SystemConfig/IRQ"},        {22, 0, "SystemConfig/PnP"},
    {23, 0, "SystemConfig/IDEChannel"}, {25, PROV_MSNT, "SystemConfig/Platform"},
};

static const kname perfinfo_names[] = {
    {34, 0, "PerfInfo/Mark"},          {46, 0, "PerfInfo/Sample"},
    {47, 0, "PerfInfo/PMCSample"},     {50, 0, "PerfInfo/ISR"},
    {51, 0, "PerfInfo/SysClEnter"},    {52, 0, "PerfInfo/SysClExit"},
    {55, 0, "PerfInfo/BatchedSample"}, {58, 0, "PerfInfo/DebuggerEnabled"},
    {66, 0, "PerfInfo/ThreadedDPC"},   {67, 0, "PerfInfo/ISR"},
    {68, 0, "PerfInfo/DPC"},           {69, 0, "PerfInfo/TimerDPC"},
    {72, 0, "PerfInfo/SetInterval"},   {73, 0, "PerfInfo/CollectionStart"},
    {74, 0, "PerfInfo/CollectionEnd"},
};

static const kname image_names[] = {
    {2, 0, "Image/Unload"},
    {3, 0, "Image/DCStart"},
    {4, 0, "Image/DCStop"},
    {10, 0, "Image/Load"},
    {33, PROV_MSNT, "Image/KernelBase"},
};

/* 34 (key create) has no TraceEvent template: it prints as Opcode(34). */
static const kname stackwalk_names[] = {
    {32, 0, "StackWalk/Stack"},        {35, 0, "StackWalk/KeyDelete"},
    {36, 0, "StackWalk/KeyRundown"},   {37, 0, "StackWalk/StackKeyKernel"},
    {38, 0, "StackWalk/StackKeyUser"},
};

static const kname alpc_names[] = {
    {33, 0, "ALPC/SendMessage"},       {34, 0, "ALPC/ReceiveMessage"}, {35, 0, "ALPC/WaitForReply"},
    {36, 0, "ALPC/WaitForNewMessage"}, {37, 0, "ALPC/Unwait"},
};

static const kname splitio_names[] = {{32, 0, "SplitIo/VolMgr"}};
static const kname lostevent_names[] = {{32, 0, "LostEvent"}};
static const kname lbr_names[] = {{32, 0, "LastBranchRecording/Sample"}};

/* KernelTraceControl-SysConfig, printed under "Windows Kernel". */
static const kname sysconfig_names[] = {
    {32, 0, "SysConfig/BuildInfo"},
    {33, 0, "SysConfig/SystemPaths"},
    {34, 0, "SysConfig/UnknownVolume"},
    {35, 0, "SysConfig/VolumeMapping"},
};

static const kname object_names[] = {
    {32, 0, "Object/CreateHandle"},    {33, 0, "Object/CloseHandle"},
    {34, 0, "Object/DuplicateHandle"}, {37, 0, "Object/TypeDCEnd"},
    {39, 0, "Object/HandleDCEnd"},
};

static const kname threadpool_names[] = {
    {32, 0, "ThreadPoolTrace/CBEnqueue"},    {33, 0, "ThreadPoolTrace/CBDequeue"},
    {34, 0, "ThreadPoolTrace/CBStart"},      {35, 0, "ThreadPoolTrace/CBStop"},
    {36, 0, "ThreadPoolTrace/CBCancel"},     {37, 0, "ThreadPoolTrace/PoolCreate"},
    {38, 0, "ThreadPoolTrace/PoolClose"},    {39, 0, "ThreadPoolTrace/ThreadMinSet"},
    {40, 0, "ThreadPoolTrace/ThreadMaxSet"},
};

static const kname heap_names[] = {
    {32, 0, "HeapTrace/Create"},   {33, 0, "HeapTrace/Alloc"},    {34, 0, "HeapTrace/ReAlloc"},
    {35, 0, "HeapTrace/Destroy"},  {36, 0, "HeapTrace/Free"},     {37, 0, "HeapTrace/Expand"},
    {38, 0, "HeapTrace/SnapShot"}, {42, 0, "HeapTrace/Contract"}, {43, 0, "HeapTrace/Lock"},
    {44, 0, "HeapTrace/Unlock"},   {45, 0, "HeapTrace/Validate"}, {46, 0, "HeapTrace/Walk"},
};

static const kname critsec_names[] = {
    {34, 0, "CritSecTrace/Collision"},
    {35, 0, "CritSecTrace/Initialize"},
};

/* KernelTraceControl ImageID (DBGID_LOG_TYPE_*); opcode 0 is "Info". */
static const kname imageid_names[] = {
    {0, 0, "ImageID"},
    {32, 0, "ImageID/None"},
    {36, 0, "ImageID/DbgID_RSDS"},
    {37, 0, "ImageID/DbgID_ILRSDS"},
    {38, 0, "ImageID/DbgPPDB"},
    {40, 0, "ImageID/DbgDeterm"},
    {64, 0, "ImageID/FileVersion"},
};

static const kname winsat_names[] = {
    {33, 0, "WinSat/WinSPR"},
    {35, 0, "WinSat/Metrics"},
    {37, 0, "WinSat/SystemConfig"},
};

static const kname metadata_names[] = {
    {32, 0, "MetaData/EventInfo"},
    {33, 0, "MetaData/EventMapInfo"},
};

typedef struct kclass {
    etwcap_guid guid;
    uint8_t prov;
    const char *task; /* for opcodes without a name */
    const kname *names;
    size_t count;
} kclass;

/* Sorted by GUID; every Data1 is distinct, so Data1 alone orders them. */
#define NAMES(a) a, N(a)
#define NO_NAMES NULL, 0
/* clang-format off */
static const kclass classes[] = {
    {{0x01853a65, 0x418f, 0x4f36, {0xae, 0xfc, 0xdc, 0x0f, 0x1d, 0x2f, 0xd2, 0x35}},
     PROV_KERNEL, "SystemConfig", NAMES(systemconfig_names)},
    {{0x0268a8b6, 0x74fd, 0x4302, {0x9d, 0xd0, 0x6e, 0x8f, 0x17, 0x95, 0xc0, 0xcf}},
     PROV_KERNEL, "Pool", NO_NAMES},
    {{0x13976d09, 0xa327, 0x438c, {0x95, 0x0b, 0x7f, 0x03, 0x19, 0x28, 0x15, 0xc7}},
     PROV_KERNEL, "DbgPrint", NO_NAMES},
    {{0x222962ab, 0x6180, 0x4b88, {0xa8, 0x25, 0x34, 0x6b, 0x75, 0xf2, 0xa2, 0x4a}},
     PROV_HEAP, "HeapTrace", NAMES(heap_names)},
    {{0x2cb15d1d, 0x5fc1, 0x11d2, {0xab, 0xe1, 0x00, 0xa0, 0xc9, 0x11, 0xf5, 0x18}},
     PROV_KERNEL, "Image", NAMES(image_names)},
    {{0x2ce9a149, 0xeffe, 0x42f0, {0xa6, 0x35, 0xa1, 0xd3, 0x9e, 0x26, 0xc8, 0xf2}},
     PROV_KERNEL, "HypervisorX", NO_NAMES},
    {{0x3282fc76, 0xfeed, 0x498e, {0x8a, 0xa7, 0xe7, 0x0f, 0x45, 0x9d, 0x43, 0x0e}},
     PROV_KERNEL, "Job", NO_NAMES},
    {{0x3ac66736, 0xcc59, 0x4cff, {0x81, 0x15, 0x8d, 0xf5, 0x0e, 0x39, 0x81, 0x6b}},
     PROV_CRITSEC, "CritSecTrace", NAMES(critsec_names)},
    {{0x3d6fa8d0, 0xfe05, 0x11d0, {0x9d, 0xda, 0x00, 0xc0, 0x4f, 0xd7, 0xba, 0x7c}},
     PROV_KERNEL, "Process", NAMES(process_names)},
    {{0x3d6fa8d1, 0xfe05, 0x11d0, {0x9d, 0xda, 0x00, 0xc0, 0x4f, 0xd7, 0xba, 0x7c}},
     PROV_KERNEL, "Thread", NAMES(thread_names)},
    {{0x3d6fa8d3, 0xfe05, 0x11d0, {0x9d, 0xda, 0x00, 0xc0, 0x4f, 0xd7, 0xba, 0x7c}},
     PROV_KERNEL, "Memory", NAMES(memory_names)},
    {{0x3d6fa8d4, 0xfe05, 0x11d0, {0x9d, 0xda, 0x00, 0xc0, 0x4f, 0xd7, 0xba, 0x7c}},
     PROV_KERNEL, "DiskIO", NAMES(diskio_names)},
    {{0x42695762, 0xea50, 0x497a, {0x90, 0x68, 0x5c, 0xbb, 0xb3, 0x5e, 0x0b, 0x95}},
     PROV_KERNEL, "Wnf", NO_NAMES},
    {{0x45d8cccd, 0x539f, 0x4b72, {0xa8, 0xb7, 0x5c, 0x68, 0x31, 0x42, 0x60, 0x9a}},
     PROV_KERNEL, "ALPC", NAMES(alpc_names)},
    {{0x68fdd900, 0x4a3e, 0x11d1, {0x84, 0xf4, 0x00, 0x00, 0xf8, 0x04, 0x64, 0xe3}},
     PROV_KERNEL, "EventTrace", NAMES(eventtrace_names)},
    {{0x6a399ae0, 0x4bc6, 0x4de9, {0x87, 0x0b, 0x36, 0x57, 0xf8, 0x94, 0x7e, 0x7e}},
     PROV_KERNEL, "LostEvent", NAMES(lostevent_names)},
    {{0x7687a439, 0xf752, 0x45b8, {0xb7, 0x41, 0x32, 0x1a, 0xec, 0x0f, 0x8d, 0xf9}},
     PROV_KERNEL, "Cc", NO_NAMES},
    {{0x7f2a405c, 0x69b5, 0x4bf9, {0xa1, 0xf5, 0x30, 0xe8, 0xf1, 0xaf, 0xab, 0x5e}},
     PROV_KERNEL, "Hypervisor", NO_NAMES},
    {{0x89497f50, 0xeffe, 0x4440, {0x8c, 0xf2, 0xce, 0x6b, 0x1c, 0xdc, 0xac, 0xa7}},
     PROV_KERNEL, "Object", NAMES(object_names)},
    {{0x90cbdc39, 0x4a3e, 0x11d1, {0x84, 0xf4, 0x00, 0x00, 0xf8, 0x04, 0x64, 0xe3}},
     PROV_KERNEL, "FileIO", NAMES(fileio_names)},
    {{0x99134383, 0x5248, 0x43fc, {0x83, 0x4b, 0x52, 0x94, 0x54, 0xe7, 0x5d, 0xf3}},
     PROV_KERNEL, "LastBranchRecording", NAMES(lbr_names)},
    {{0x9a280ac0, 0xc8e0, 0x11d1, {0x84, 0xe2, 0x00, 0xc0, 0x4f, 0xb9, 0x98, 0xa2}},
     PROV_KERNEL, "TcpIp", NAMES(tcpip_names)},
    {{0x9aec974b, 0x5b8e, 0x4118, {0x9b, 0x92, 0x31, 0x86, 0xd8, 0x00, 0x2c, 0xe5}},
     PROV_KERNEL, "Ums", NO_NAMES},
    {{0x9b79ee91, 0xb5fd, 0x41c0, {0xa2, 0x43, 0x42, 0x48, 0xe2, 0x66, 0xe9, 0xd0}},
     PROV_KERNEL, "SysConfig", NAMES(sysconfig_names)},
    {{0xa9152f00, 0x3f58, 0x4bee, {0x92, 0xa1, 0x70, 0xc7, 0xd0, 0x79, 0xd5, 0xdd}},
     PROV_KERNEL, "ModBound", NO_NAMES},
    {{0xae53722e, 0xc863, 0x11d2, {0x86, 0x59, 0x00, 0xc0, 0x4f, 0xa3, 0x21, 0xa1}},
     PROV_KERNEL, "Registry", NAMES(registry_names)},
    {{0xb2d14872, 0x7c5b, 0x463d, {0x84, 0x19, 0xee, 0x9b, 0xf7, 0xd2, 0x3e, 0x04}},
     PROV_KERNEL, "Dpc", NO_NAMES},
    {{0xb3e675d7, 0x2554, 0x4f18, {0x83, 0x0b, 0x27, 0x62, 0x73, 0x25, 0x60, 0xde}},
     PROV_KTC, "ImageID", NAMES(imageid_names)},
    {{0xbbccf6c1, 0x6cd1, 0x48c4, {0x80, 0xff, 0x83, 0x94, 0x82, 0xe3, 0x76, 0x71}},
     PROV_KTC, "MetaData", NAMES(metadata_names)},
    {{0xbf3a50c5, 0xa9c9, 0x4988, {0xa0, 0x05, 0x2d, 0xf0, 0xb7, 0xc8, 0x0f, 0x80}},
     PROV_KERNEL, "UdpIp", NAMES(udpip_names)},
    {{0xc861d0e2, 0xa2c1, 0x4d36, {0x9f, 0x9c, 0x97, 0x0b, 0xab, 0x94, 0x3a, 0x12}},
     PROV_THREADPOOL, "ThreadPoolTrace", NAMES(threadpool_names)},
    {{0xce1dbfb4, 0x137e, 0x4da6, {0x87, 0xb0, 0x3f, 0x59, 0xaa, 0x10, 0x2c, 0xbc}},
     PROV_KERNEL, "PerfInfo", NAMES(perfinfo_names)},
    {{0xd837ca92, 0x12b9, 0x44a5, {0xad, 0x6a, 0x3a, 0x65, 0xb3, 0x57, 0x8a, 0xa8}},
     PROV_KERNEL, "SplitIo", NAMES(splitio_names)},
    {{0xdef2fe46, 0x7bd6, 0x4b80, {0xbd, 0x94, 0xf5, 0x7f, 0xe2, 0x0d, 0x0c, 0xe3}},
     PROV_KERNEL, "StackWalk", NAMES(stackwalk_names)},
    {{0xe43445e0, 0x0903, 0x48c3, {0xb8, 0x78, 0xff, 0x0f, 0xcc, 0xeb, 0xdd, 0x04}},
     PROV_KERNEL, "Power", NO_NAMES},
    {{0xed54dff8, 0xc409, 0x4cf6, {0xbf, 0x83, 0x05, 0xe1, 0xe6, 0x1a, 0x09, 0xc4}},
     PROV_KTC, "WinSat", NAMES(winsat_names)},
};

/* Kernel hook groups 0x00-0x1E -> class GUID (NT's group numbering; the
 * table in etl-format.md §2.2 and dissect.etl utils.py). Group 0x0C is the
 * LBR class, "Spare1" in the group enumeration. */
static const uint32_t group_data1[] = {
    0x68fdd900, /* 0x00 EventTrace */
    0x3d6fa8d4, /* 0x01 DiskIo */
    0x3d6fa8d3, /* 0x02 PageFault */
    0x3d6fa8d0, /* 0x03 Process */
    0x90cbdc39, /* 0x04 FileIo */
    0x3d6fa8d1, /* 0x05 Thread */
    0x9a280ac0, /* 0x06 TcpIp */
    0x3282fc76, /* 0x07 Job */
    0xbf3a50c5, /* 0x08 UdpIp */
    0xae53722e, /* 0x09 Registry */
    0x13976d09, /* 0x0A DbgPrint */
    0x01853a65, /* 0x0B EventTraceConfig */
    0x99134383, /* 0x0C Spare1 (LBR) */
    0x42695762, /* 0x0D Wnf */
    0x0268a8b6, /* 0x0E Pool */
    0xce1dbfb4, /* 0x0F PerfInfo */
    0x222962ab, /* 0x10 Heap */
    0x89497f50, /* 0x11 Object */
    0xe43445e0, /* 0x12 Power */
    0xa9152f00, /* 0x13 ModBound */
    0x2cb15d1d, /* 0x14 Image */
    0xb2d14872, /* 0x15 Dpc */
    0x7687a439, /* 0x16 Cc */
    0x3ac66736, /* 0x17 CritSec */
    0xdef2fe46, /* 0x18 StackWalk */
    0x9aec974b, /* 0x19 Ums */
    0x45d8cccd, /* 0x1A ALPC */
    0xd837ca92, /* 0x1B SplitIo */
    0xc861d0e2, /* 0x1C ThreadPool */
    0x7f2a405c, /* 0x1D Hypervisor */
    0x2ce9a149, /* 0x1E HypervisorX */
};
/* clang-format on */

static int guid_eq(const etwcap_guid *a, const etwcap_guid *b)
{
    return a->data1 == b->data1 && a->data2 == b->data2 && a->data3 == b->data3 &&
           memcmp(a->data4, b->data4, 8) == 0;
}

static const kclass *find_class_data1(uint32_t data1)
{
    size_t lo = 0, hi = N(classes);
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (classes[mid].guid.data1 < data1)
            lo = mid + 1;
        else
            hi = mid;
    }
    return (lo < N(classes) && classes[lo].guid.data1 == data1) ? &classes[lo] : NULL;
}

static const kclass *find_class(const etwcap_guid *g)
{
    const kclass *c = find_class_data1(g->data1);
    return (c && guid_eq(&c->guid, g)) ? c : NULL;
}

static const kname *find_opcode(const kclass *c, unsigned opcode)
{
    size_t lo = 0, hi = c->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (c->names[mid].opcode < opcode)
            lo = mid + 1;
        else
            hi = mid;
    }
    return (lo < c->count && c->names[lo].opcode == opcode) ? &c->names[lo] : NULL;
}

const char *etwcap_names_classic_provider(unsigned prov)
{
    return prov > PROV_NONE && prov < N(providers) ? providers[prov].name : NULL;
}

/* Returns 1 when the class is known: *prov is its provider (a PROV_ value for
 * etwcap_names_classic_provider), *task its task name and *name the full
 * "Task/Opcode" name, or NULL when the opcode has no name. */
int etwcap_names_classic(const etwcap_guid *cls, unsigned opcode, unsigned *prov, const char **task,
                         const char **name)
{
    const kclass *c = find_class(cls);
    const kname *k;

    if (!c)
        return 0;
    /* HookId 0x030A: the Process group logs image loads, which the consumer
     * reports as Image/Load. */
    if (c->names == process_names && opcode == 10)
        c = find_class_data1(0x2cb15d1d);
    *prov = c->prov;
    *task = c->task;
    k = c->names ? find_opcode(c, opcode) : NULL;
    *name = k ? k->name : NULL;
    if (k && k->prov != PROV_NONE)
        *prov = k->prov;
    return 1;
}

const etwcap_guid *etwcap_names_kernel_group_guid(unsigned group)
{
    const kclass *c;
    if (group >= N(group_data1))
        return NULL;
    c = find_class_data1(group_data1[group]);
    return c ? &c->guid : NULL;
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

int etwcap_names_classic_find_provider(const char *name, etwcap_guid *out, int *is_kernel)
{
    size_t i;
    for (i = 1; i < N(providers); i++) {
        if (ascii_ieq(name, providers[i].name)) {
            *out = providers[i].guid;
            *is_kernel = providers[i].is_kernel;
            return 1;
        }
    }
    return 0;
}

/* The provider a known class belongs to, as TraceEvent reports it. */
int etwcap_names_classic_owner(const etwcap_guid *cls, etwcap_guid *owner, int *is_kernel)
{
    const kclass *c = find_class(cls);
    if (!c)
        return 0;
    *owner = providers[c->prov].guid;
    *is_kernel = providers[c->prov].is_kernel;
    return 1;
}

/* Table self-check for the unit tests: every table sorted, no duplicates. */
int etwcap_names_kernel_check(void)
{
    size_t i, j;
    for (i = 0; i < N(classes); i++) {
        if (i > 0 && classes[i - 1].guid.data1 >= classes[i].guid.data1)
            return 0;
        for (j = 1; j < classes[i].count; j++)
            if (classes[i].names[j - 1].opcode >= classes[i].names[j].opcode)
                return 0;
    }
    for (i = 0; i < N(group_data1); i++)
        if (!find_class_data1(group_data1[i]))
            return 0;
    return 1;
}
