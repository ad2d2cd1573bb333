/* test_decode_kernel_fields.c - TraceEvent-named fields of kernel and
 * KernelTraceControl events: the EventTrace header and SysConfig classes and
 * TraceEvent's date format with hand-made payloads, then every decoder over
 * net.4.5.2.x86.etl against TraceEvent's baseline
 * (corpus/baselines/net.4.5.2.x86.baseline.txt, etl-format.md §8). The
 * typed decoders' own cases are in test_decode_kernel.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "etwcap/decode.h"
#include "etwcap/names.h"
#include "etwcap/reader.h"

#define TRACE "etl/microsoft_perfview/net.4.5.2.x86.etl"

/* ---- hand-made payloads ---- */

typedef struct buf {
    uint8_t b[1024];
    size_t n;
} buf;

static void put(buf *p, uint64_t v, size_t size)
{
    for (size_t i = 0; i < size; i++)
        p->b[p->n++] = i < 8 ? (uint8_t)(v >> (8 * i)) : 0;
}
static void put_wstr(buf *p, const char *s) /* ASCII as UTF-16LE wstr */
{
    do
        put(p, (uint8_t)*s, 2);
    while (*s++);
}

static const etwcap_guid g_header = {
    0x68fdd900, 0x4a3e, 0x11d1, {0x84, 0xf4, 0x00, 0x00, 0xf8, 0x04, 0x64, 0xe3}};
static const etwcap_guid g_sysconfig = {
    0x9b79ee91, 0xb5fd, 0x41c0, {0xa2, 0x43, 0x42, 0x48, 0xe2, 0x66, 0xe9, 0xd0}};
static const etwcap_guid g_tcpip = {
    0x9a280ac0, 0xc8e0, 0x11d1, {0x84, 0xe2, 0x00, 0xc0, 0x4f, 0xb9, 0x98, 0xa2}};
static const etwcap_guid g_diskio = {
    0x3d6fa8d4, 0xfe05, 0x11d0, {0x9d, 0xda, 0x00, 0xc0, 0x4f, 0xd7, 0xba, 0x7c}};

/* A kernel (SYSTEM header, group 0) or classic (FULL header) event. */
static etwcap_event mkev(const etwcap_guid *cls, int classic, unsigned opcode, unsigned psize,
                         const buf *p)
{
    etwcap_event ev;
    memset(&ev, 0, sizeof ev);
    ev.struct_version = ETWCAP_EVENT_VERSION;
    ev.kind = classic ? ETWCAP_KIND_CLASSIC : ETWCAP_KIND_KERNEL;
    ev.header_type = classic ? (psize == 4 ? ETWCAP_HDR_FULL32 : ETWCAP_HDR_FULL64)
                             : (psize == 4 ? ETWCAP_HDR_SYSTEM32 : ETWCAP_HDR_SYSTEM64);
    ev.pointer_size = (uint8_t)psize;
    ev.provider = *cls;
    ev.hook_id = classic ? 0 : (uint16_t)opcode;
    ev.opcode = (uint8_t)opcode;
    ev.version = 2;
    ev.payload = p->b;
    ev.payload_len = (uint32_t)p->n;
    return ev;
}
static etwcap_event cev(const etwcap_guid *cls, unsigned opcode, unsigned psize, const buf *p)
{
    return mkev(cls, 1, opcode, psize, p);
}

/* The baseline cuts values after 20 characters ("...") */
static void assert_prefix(const char *got, const char *want)
{
    if (strncmp(got, want, strlen(want)) != 0)
        fail_msg("\"%s\" does not start with \"%s\"", got, want);
}

/* ---- EventTrace header (§1.8) and SysConfig ---- */

static void test_header_and_sysconfig(void **state)
{
    (void)state;
    static etwcap_fields fl;
    for (unsigned psize = 4; psize <= 8; psize += 4) {
        buf p;
        memset(&p, 0, sizeof p);
        put(&p, 65536, 4);
        put(&p, 0x20206, 4);
        put(&p, 9200, 4);
        put(&p, 8, 4);
        put(&p, 0x01D6653C1CDF6AE1ull, 8); /* EndTime */
        put(&p, 156250, 4);
        put(&p, 500, 4);
        put(&p, 0x04010001, 4);
        put(&p, 276, 4);
        put(&p, 1, 4);
        put(&p, psize, 4);
        put(&p, 0, 4);
        put(&p, 3592, 4);
        put(&p, 0, (size_t)2 * psize); /* LoggerName, LogFileName */
        put(&p, 480, 4);               /* TimeZone.Bias */
        put(&p, 0, 0xAC - 4 + 4);
        put(&p, 0x01D6653BBAC3B7EBull, 8); /* BootTime */
        put(&p, 10000000, 8);
        put(&p, 0x01D6653C162523E6ull, 8); /* StartTime */
        put(&p, 1, 4);
        put(&p, 0, 4);
        assert_int_equal(p.n, psize == 4 ? 0x110u : 0x118u);
        put_wstr(&p, "Relogger");
        put_wstr(&p, "[multiple files]");
        etwcap_event ev = mkev(&g_header, 0, 0, psize, &p);
        assert_int_equal(etwcap_decode_fields(&ev, &fl), ETWCAP_DECODE_OK);
        assert_int_equal(fl.n, 21);
        assert_string_equal(fl.f[20].name, "UtcOffsetMinutes");
        assert_int_equal(test_fnum(&fl, "UtcOffsetMinutes"), 480);
        assert_string_equal(test_fstr(&fl, "EndTime"), "20/07/29 00:06:31.085539");
        assert_string_equal(test_fstr(&fl, "BootTime"), "20/07/29 00:03:46.487293");
        assert_string_equal(test_fstr(&fl, "StartTime"), "20/07/29 00:06:19.798423");
        assert_int_equal(test_fnum(&fl, "PerfFreq"), 10000000);
        assert_string_equal(test_fstr(&fl, "LogFileName"), "[multiple files]");
        test_check_truncations(&ev, p.n, NULL, NULL);
    }
    buf p;
    memset(&p, 0, sizeof p);
    put_wstr(&p, "\\Device\\HarddiskVolume2\\");
    put_wstr(&p, "C:\\");
    etwcap_event ev = cev(&g_sysconfig, 35, 8, &p);
    assert_int_equal(etwcap_decode_fields(&ev, &fl), ETWCAP_DECODE_OK);
    assert_string_equal(test_fstr(&fl, "NtPath"), "\\Device\\HarddiskVolume2\\");
    assert_string_equal(test_fstr(&fl, "DosPath"), "C:\\");
    test_check_truncations(&ev, p.n, NULL, NULL);
    memset(&p, 0, sizeof p);
    put(&p, 116444736000000000ull, 8); /* 1970-01-01 */
    put_wstr(&p, "9200.16384.amd64fre");
    put_wstr(&p, "Windows 8 Pro");
    ev = cev(&g_sysconfig, 32, 8, &p);
    assert_int_equal(etwcap_decode_fields(&ev, &fl), ETWCAP_DECODE_OK);
    assert_string_equal(test_fstr(&fl, "InstallDate"), "70/01/01 00:00:00.000000");
    assert_string_equal(test_fstr(&fl, "ProductName"), "Windows 8 Pro");
}

/* TcpIp IPv4/IPv6 addresses and ports, DiskIO's IrpFlags and Priority. */
static void test_net_and_disk(void **state)
{
    (void)state;
    static etwcap_fields fl;
    static const struct {
        uint8_t addr[16];
        const char *text;
    } v6[] = {
        {{0x20, 0x01, 0x48, 0x98, 0, 0xe0, 0, 0x81, 0x7c, 0xb9, 0, 0, 0, 0, 0, 1},
         "2001:4898:e0:81:7cb9::1"},
        {{0}, "::"},
        {{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, "::1"},
        {{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 0, 0, 1}, "::ffff:10.0.0.1"},
        {{0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0x5e, 0xfe, 10, 128, 0, 55},
         "fe80::5efe:10.128.0.55"},
        {{0x20, 0x01, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1}, "2001:0:0:1::1"},
        {{0x20, 0x01, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 1}, "2001::1:0:0:1:1"},
    };
    for (size_t i = 0; i < sizeof v6 / sizeof v6[0]; i++) {
        buf p;
        memset(&p, 0, sizeof p);
        put(&p, 4, 4);  /* PID */
        put(&p, 84, 4); /* size */
        memcpy(p.b + p.n, v6[i].addr, 16);
        p.n += 16;
        put(&p, 0, 16);                                 /* saddr :: */
        put(&p, 0xBD01, 2);                             /* dport 445 */
        put(&p, 0x16FA, 2);                             /* sport 64022 */
        put(&p, 0, 8 + 4);                              /* connid, seqnum */
        etwcap_event ev = mkev(&g_tcpip, 0, 27, 8, &p); /* RecvIPV6 */
        assert_int_equal(etwcap_decode_fields(&ev, &fl), ETWCAP_DECODE_OK);
        assert_string_equal(test_fstr(&fl, "daddr"), v6[i].text);
        assert_string_equal(test_fstr(&fl, "saddr"), "::");
        assert_int_equal(test_fnum(&fl, "dport"), 445);
        assert_int_equal(test_fnum(&fl, "sport"), 64022);
        test_check_truncations(&ev, p.n, NULL, NULL);
    }
    buf p;
    memset(&p, 0, sizeof p);
    put(&p, 0, 4);
    put(&p, 0x00060043,
        4); /* Priority 3 (bits 17-19), Nocache|MountCompletion|SynchronousPagingIO */
    put(&p, 20480, 4);
    put(&p, 0, 4);
    put(&p, 5669618688ull, 8);
    put(&p, 0xfffff8a0016b9140ull, 8);
    put(&p, 0xfffffa83033b3680ull, 8);
    put(&p, 109470, 8);
    etwcap_event ev = mkev(&g_diskio, 0, 10, 8, &p);
    assert_int_equal(etwcap_decode_fields(&ev, &fl), ETWCAP_DECODE_OK);
    assert_string_equal(test_fstr(&fl, "IrpFlags"),
                        "Nocache, MountCompletion, SynchronousPagingIO");
    assert_string_equal(test_fstr(&fl, "Priority"), "Normal");
    assert_int_equal(test_fnum(&fl, "ByteOffset"), 5669618688ull);
    assert_int_equal(test_fnum(&fl, "FileKey"), 0xfffff8a0016b9140ull);
    test_check_truncations(&ev, p.n, NULL, NULL);
    p.b[6] = 0x10; /* bit 20: no name -> the number */
    assert_int_equal(etwcap_decode_fields(&ev, &fl), ETWCAP_DECODE_OK);
    assert_string_equal(test_fstr(&fl, "IrpFlags"), "1048643");
}

/* FILETIME and PE stamp dates as TraceEvent's baselines print them. */
static void test_dates(void **state)
{
    (void)state;
    static etwcap_fields fl;
    buf p;
    memset(&p, 0, sizeof p);
    put(&p, 0, 8); /* 1601-01-01 */
    put_wstr(&p, "");
    put_wstr(&p, "");
    etwcap_event ev = cev(&g_sysconfig, 32, 8, &p);
    assert_int_equal(etwcap_decode_fields(&ev, &fl), ETWCAP_DECODE_OK);
    assert_string_equal(test_fstr(&fl, "InstallDate"), "01/01/01 00:00:00.000000");
    p.n = 0;
    put(&p, 0x8000000000000000ull, 8); /* negative: shown as the minimum */
    assert_int_equal(etwcap_decode_fields(&ev, &fl), ETWCAP_DECODE_OK);
    assert_string_equal(test_fstr(&fl, "InstallDate"), "01/01/01 00:00:00.000000");
    p.n = 0;
    put(&p, 131000000000000000ull + 1234567, 8); /* 2016-02-15 08:53:20.1234567 */
    assert_int_equal(etwcap_decode_fields(&ev, &fl), ETWCAP_DECODE_OK);
    assert_string_equal(test_fstr(&fl, "InstallDate"), "16/02/15 08:53:20.123456");
    p.n = 0;
    put(&p, 159992064000000000ull, 8); /* 2107-12-31 00:00:00 (past 2100) */
    assert_int_equal(etwcap_decode_fields(&ev, &fl), ETWCAP_DECODE_OK);
    assert_string_equal(test_fstr(&fl, "InstallDate"), "07/12/31 00:00:00.000000");
}

/* ---- the corpus against the baseline ---- */

/* Baseline rows (first five events of each type). */
static const struct {
    uint32_t pid, ppid;
    const char *image, *flags;
    uint64_t dtb;
    int64_t session, exit_status;
    uint64_t key;
    const char *cmdline;
} want_proc[5] = {
    {0, 0, "Idle", "None", 0x00187000, -1, 0, 0xfffff800217d9200ull, ""},
    {4, 0, "System", "Protected", 0x00187000, -1, 259, 0xfffffa830007e4c0ull, ""},
    {456, 4, "smss.exe", "None", 0x044e1000, -1, 259, 0xfffffa83023ad940ull,
     "\\SystemRoot\\System32"},
    {576, 564, "csrss.exe", "None", 0x06861000, 0, 259, 0xfffffa8302e37080ull,
     "%SystemRoot%\\system3"},
    {624, 616, "csrss.exe", "None", 0x05392000, 1, 259, 0xfffffa83001c3080ull,
     "%SystemRoot%\\system3"},
};

static const struct {
    uint64_t base, size, checksum;
    int64_t stamp;
    uint64_t default_base;
    const char *build_time, *file; /* file: as TraceEvent prints it, cut at 20 */
} want_image[5] = {
    {0x77710000, 1404928, 1450643, 0, 0x77710000, "70/01/01 00:00:00.00",
     "C:\\Windows\\SysWOW64\\"},
    {0x7f9d02f0000ull, 1826816, 1866534, 0, 0x7f9d02f0000ull, "70/01/01 00:00:00.00",
     "C:\\Windows\\System32\\"},
    {0xfffff80021489000ull, 7634944, 6989512, 1343269963, 0, "12/07/26 02:32:43.00",
     "C:\\Windows\\system32\\"},
    {0xfffff8002141d000ull, 442368, 446114, 1343269864, 0, "12/07/26 02:31:04.00",
     "C:\\Windows\\system32\\"},
    {0xfffff80020aec000ull, 36864, 59381, 1343269834, 0, "12/07/26 02:30:34.00",
     "C:\\Windows\\system32\\"},
};

static const struct {
    uint64_t base;
    const char *guid;
    uint32_t age;
    const char *pdb;
} want_rsds[5] = {
    {0x77710000, "ec83d8df-5559-46e0-b", 2, "wntdll.pdb"},
    {0x7f9d02f0000ull, "6048fdb6-2dcd-41c1-8", 2, "ntdll.pdb"},
    {0xfffff80021489000ull, "72482100-1c1c-4a03-a", 2, "ntkrnlmp.pdb"},
    {0xfffff8002141d000ull, "fb87ed86-21f6-42ba-8", 2, "hal.pdb"},
    {0xfffff80020aec000ull, "07727067-7d41-4c82-8", 1, "kd.pdb"},
};

static const struct {
    uint64_t ip;
    unsigned cpu, priority;
} want_sample[5] = {
    {0xfffff80021561f43ull, 7, 11}, {0xfffff880016b39c5ull, 7, 11}, {0xfffff800215beb8eull, 7, 11},
    {0xfffff8002153adc5ull, 7, 11}, {0xfffff80021434313ull, 4, 13},
};

/* TraceEvent's kernel-to-user path mapping (KernelToUserDriveMapping):
 * SysConfig VolumeMapping pairs in file order, first prefix match wins
 * (case-insensitive). Here only to show that FileName differs from the
 * baseline by that mapping alone, which the state stage does. */
typedef struct drive_map {
    size_t n;
    char nt[16][128], dos[16][128];
} drive_map;

static int prefix_nocase(const char *s, const char *prefix)
{
    for (; *prefix; s++, prefix++) {
        char a = *s, b = *prefix;
        if (a >= 'a' && a <= 'z')
            a = (char)(a - 'a' + 'A');
        if (b >= 'a' && b <= 'z')
            b = (char)(b - 'a' + 'A');
        if (a != b)
            return 0;
    }
    return 1;
}

static void map_path(const drive_map *m, const char *in, char *out, size_t cap)
{
    for (size_t i = 0; i < m->n; i++) {
        if (prefix_nocase(in, m->nt[i])) {
            size_t k = strlen(m->nt[i]);
            snprintf(out, cap, "%s%s", m->dos[i], in + k);
            return;
        }
    }
    snprintf(out, cap, "%s", in);
}

typedef struct seen {
    size_t proc, image, rsds, sample, thread_start;
    size_t n_class[16], n_short, n_typed_fail;
} seen;

/* Typed decoders on every classified event: all must decode. */
static void check_typed(const etwcap_event *ev, seen *s)
{
    etwcap_process_info p;
    etwcap_thread_info t;
    etwcap_image_info im;
    etwcap_image_id_info id;
    etwcap_stackwalk_info sw;
    etwcap_stack_key_def_info kd;
    etwcap_stack_key_ref_info kr;
    etwcap_sample_info sm;
    etwcap_event_class c = etwcap_event_classify(ev);
    etwcap_decode_result r = ETWCAP_DECODE_OK;
    switch (c) {
    case ETWCAP_EC_PROCESS:
        r = etwcap_decode_process(ev, &p);
        break;
    case ETWCAP_EC_THREAD:
        r = etwcap_decode_thread(ev, &t);
        break;
    case ETWCAP_EC_IMAGE:
        r = etwcap_decode_image(ev, &im);
        break;
    case ETWCAP_EC_IMAGE_ID:
        r = etwcap_decode_image_id(ev, &id);
        if (ev->opcode == 32 && r == ETWCAP_DECODE_UNKNOWN) /* "None" */
            r = ETWCAP_DECODE_OK;
        break;
    case ETWCAP_EC_STACKWALK:
        r = etwcap_decode_stackwalk(ev, &sw);
        break;
    case ETWCAP_EC_STACK_KEY_DEF:
        r = etwcap_decode_stack_key_def(ev, &kd);
        break;
    case ETWCAP_EC_STACK_KEY_REF:
        r = etwcap_decode_stack_key_ref(ev, &kr);
        break;
    case ETWCAP_EC_SAMPLE:
        r = etwcap_decode_sample(ev, &sm);
        break;
    default:
        return;
    }
    s->n_class[c]++;
    if (r != ETWCAP_DECODE_OK)
        s->n_typed_fail++;
}

static void check_fields(const etwcap_event *ev, const etwcap_fields *fl, const char *name, seen *s,
                         const drive_map *dm)
{
    char path[1024];
    if (strcmp(name, "Windows Kernel/EventTrace") == 0) {
        assert_int_equal(test_fnum(fl, "BufferSize"), 65536);
        assert_int_equal(test_fnum(fl, "Version"), 131590);
        assert_int_equal(test_fnum(fl, "LogFileMode"), 67174401);
        assert_prefix(test_fstr(fl, "EndTime"), "20/07/29 00:06:31.08");
        assert_prefix(test_fstr(fl, "BootTime"), "20/07/29 00:03:46.48");
        assert_prefix(test_fstr(fl, "StartTime"), "20/07/29 00:06:19.79");
        assert_string_equal(test_fstr(fl, "SessionName"), "Relogger");
        assert_string_equal(test_fstr(fl, "LogFileName"), "[multiple files]");
        assert_int_equal(test_fnum(fl, "UtcOffsetMinutes"), 480);
    } else if (strcmp(name, "Windows Kernel/Process/DCStart") == 0 && s->proc < 5) {
        size_t i = s->proc++;
        assert_int_equal(test_fnum(fl, "ProcessID"), want_proc[i].pid);
        assert_int_equal(test_fnum(fl, "ParentID"), want_proc[i].ppid);
        assert_string_equal(test_fstr(fl, "ImageFileName"), want_proc[i].image);
        assert_int_equal(test_fnum(fl, "PageDirectoryBase"), want_proc[i].dtb);
        assert_string_equal(test_fstr(fl, "Flags"), want_proc[i].flags);
        assert_int_equal(test_field(fl, "SessionID")->v.i, want_proc[i].session);
        assert_int_equal(test_field(fl, "ExitStatus")->v.i, want_proc[i].exit_status);
        assert_int_equal(test_fnum(fl, "UniqueProcessKey"), want_proc[i].key);
        assert_prefix(test_fstr(fl, "CommandLine"), want_proc[i].cmdline);
        assert_string_equal(test_fstr(fl, "PackageFullName"), "");
        etwcap_process_info p;
        assert_int_equal(etwcap_decode_process(ev, &p), ETWCAP_DECODE_OK);
        assert_int_equal(p.sid_len, 12); /* S-1-5-18 */
    } else if (strcmp(name, "Windows Kernel/Process/Start") == 0) {
        assert_string_equal(test_fstr(fl, "ImageFileName"), "Test.x86.exe");
        assert_string_equal(test_fstr(fl, "Flags"), "Wow64");
        assert_string_equal(test_fstr(fl, "CommandLine"), "Test.x86.exe");
        assert_int_equal(test_fnum(fl, "ExitStatus"), 259);
    } else if (strcmp(name, "Windows Kernel/Image/DCStart") == 0 && s->image < 5) {
        size_t i = s->image++;
        assert_int_equal(test_fnum(fl, "ImageBase"), want_image[i].base);
        assert_int_equal(test_fnum(fl, "ImageSize"), want_image[i].size);
        assert_int_equal(test_fnum(fl, "ImageChecksum"), want_image[i].checksum);
        assert_int_equal(test_field(fl, "TimeDateStamp")->v.i, want_image[i].stamp);
        assert_int_equal(test_fnum(fl, "DefaultBase"), want_image[i].default_base);
        assert_prefix(test_fstr(fl, "BuildTime"), want_image[i].build_time);
        map_path(dm, test_fstr(fl, "FileName"), path, sizeof path);
        assert_prefix(path, want_image[i].file);
    } else if (strcmp(name, "KernelTraceControl/ImageID/DbgID_RSDS") == 0 && s->rsds < 5) {
        size_t i = s->rsds++;
        char g[37];
        assert_int_equal(test_fnum(fl, "ImageBase"), want_rsds[i].base);
        etwcap_guid_format(&test_field(fl, "GuidSig")->v.g, g);
        assert_prefix(g, want_rsds[i].guid);
        assert_int_equal(test_fnum(fl, "Age"), want_rsds[i].age);
        assert_string_equal(test_fstr(fl, "PDBFileName"), want_rsds[i].pdb);
    } else if (strcmp(name, "Windows Kernel/PerfInfo/Sample") == 0 && s->sample < 5) {
        /* TraceLog drops idle-thread samples (ThreadId 0, not DPC/ISR, §8) */
        etwcap_sample_info sm;
        assert_int_equal(etwcap_decode_sample(ev, &sm), ETWCAP_DECODE_OK);
        if (sm.tid == 0 && !(sm.flags & 3))
            return;
        size_t i = s->sample++;
        assert_int_equal(test_fnum(fl, "InstructionPointer"), want_sample[i].ip);
        assert_int_equal(test_fnum(fl, "ProcessorNumber"), want_sample[i].cpu);
        assert_int_equal(test_fnum(fl, "Priority"), want_sample[i].priority);
        assert_int_equal(test_fnum(fl, "Count"), 1);
        assert_int_equal(test_fnum(fl, "Rank"), 0);
        assert_int_equal(test_field(fl, "ExecutingDPC")->v.u, 0);
    } else if (strcmp(name, "Windows Kernel/Thread/Start") == 0 && s->thread_start++ == 0) {
        assert_int_equal(test_fnum(fl, "StackBase"), 0xfffff88006daa000ull);
        assert_int_equal(test_fnum(fl, "StartAddr"), 0xff);
        assert_int_equal(test_fnum(fl, "Win32StartAddr"), 0xfffff8002185916cull);
        assert_int_equal(test_fnum(fl, "BasePriority"), 8);
        assert_int_equal(test_fnum(fl, "PagePriority"), 5);
        assert_int_equal(test_fnum(fl, "IoPriority"), 2);
        assert_int_equal(test_fnum(fl, "ParentThreadID"), 2784);
        assert_int_equal(test_fnum(fl, "ParentProcessID"), 3988);
    } else if (strcmp(name, "Windows Kernel/PerfInfo/CollectionStart") == 0) {
        assert_int_equal(test_fnum(fl, "SampleSource"), 0);
        assert_int_equal(test_fnum(fl, "NewInterval"), 10000);
        assert_int_equal(test_fnum(fl, "OldInterval"), 10000);
    }
}

static void test_corpus_baseline(void **state)
{
    (void)state;
    const char *path = test_corpus_path(TRACE);
    if (!path)
        skip();
    etwcap_reader *r = NULL;
    etwcap_diag d;
    assert_int_equal(etwcap_reader_open(&r, path, NULL, &d), ETWCAP_OK);
    static etwcap_fields fl;
    static drive_map dm;
    static seen s;
    memset(&dm, 0, sizeof dm);
    memset(&s, 0, sizeof s);
    etwcap_event ev;
    char name[256];
    uint64_t first_sample_ip = 0, first_stack_ip = 0;
    while (etwcap_reader_next(r, &ev) == ETWCAP_OK) {
        check_typed(&ev, &s);
        if (ev.kind != ETWCAP_KIND_KERNEL && ev.kind != ETWCAP_KIND_CLASSIC)
            continue;
        etwcap_decode_result res = etwcap_decode_fields(&ev, &fl);
        if (res == ETWCAP_DECODE_SHORT)
            s.n_short++;
        if (res != ETWCAP_DECODE_OK)
            continue;
        etwcap_event_name(&ev, name, sizeof name);
        if (strcmp(name, "Windows Kernel/SysConfig/VolumeMapping") == 0 && dm.n < 16) {
            snprintf(dm.nt[dm.n], sizeof dm.nt[0], "%s", test_fstr(&fl, "NtPath"));
            snprintf(dm.dos[dm.n], sizeof dm.dos[0], "%s", test_fstr(&fl, "DosPath"));
            dm.n++;
        }
        if (strcmp(name, "Windows Kernel/PerfInfo/Sample") == 0 && !first_sample_ip)
            first_sample_ip = test_fnum(&fl, "InstructionPointer");
        if (strcmp(name, "Windows Kernel/StackWalk/Stack") == 0 && !first_stack_ip) {
            first_stack_ip = test_fnum(&fl, "IP0");
            assert_int_equal(test_fnum(&fl, "StackThread"), 2784);
        }
        check_fields(&ev, &fl, name, &s, &dm);
    }
    etwcap_reader_close(r);
    assert_int_equal(dm.n, 9);
    assert_int_equal(s.proc, 5);
    assert_int_equal(s.image, 5);
    assert_int_equal(s.rsds, 5);
    assert_int_equal(s.sample, 5);
    assert_int_equal(first_stack_ip, first_sample_ip);
    /* Every classified event decodes with its typed decoder; counts from the
     * baseline's COUNT lines plus the events TraceLog folds away (§8). */
    assert_int_equal(s.n_typed_fail, 0);
    assert_int_equal(s.n_short, 0);
    assert_int_equal(s.n_class[ETWCAP_EC_PROCESS], 35 + 35 + 1 + 1 + 2);
    assert_int_equal(s.n_class[ETWCAP_EC_IMAGE], 1810 + 1820 + 57 + 47);
    assert_int_equal(s.n_class[ETWCAP_EC_IMAGE_ID], 3728 + 3680 + 42 + 680 + 6);
    assert_int_equal(s.n_class[ETWCAP_EC_THREAD], 16 + 29 + 705 + 692);
    assert_int_equal(s.n_class[ETWCAP_EC_SAMPLE], 88809);
    assert_int_equal(s.n_class[ETWCAP_EC_STACKWALK], 229);
    assert_int_equal(s.n_class[ETWCAP_EC_STACK_KEY_DEF], 3049 + 1024);
    assert_int_equal(s.n_class[ETWCAP_EC_STACK_KEY_REF], 3640 + 8532);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_header_and_sysconfig),
        cmocka_unit_test(test_dates),
        cmocka_unit_test(test_net_and_disk),
        cmocka_unit_test(test_corpus_baseline),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
