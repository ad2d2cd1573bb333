/* testgen.h - the test-trace writer: builds valid .etl files from code.
 *
 * Test and build support, not a user feature. A trace is built in memory:
 * records are appended to the current buffer of a chosen CPU, buffers are
 * flushed when full (or on request) and land in the file in flush order, so
 * buffers of different CPUs interleave as in a real file (etl-format.md §1.7).
 * testgen_write / testgen_write_mem turn the flushed buffers into file bytes,
 * compressing the ones marked compressed (§1.5).
 *
 * The first record of the first buffer is always the logfile header event
 * (§1.8), written by testgen_new; its EndTime and BuffersWritten are filled in
 * when the file is written.
 *
 * Every multi-byte value is written little-endian through etwcap_wr16/32/64;
 * strings given as UTF-8 are written as UTF-16LE by hand (never via wchar_t).
 * All functions that can fail return 0 on success and -1 on failure; the
 * reason is then available from testgen_error(). There is no global state.
 *
 * The text description format (testgen_desc_build) is documented in
 * tests/tools/testgen/README.md.
 */
#ifndef ETWCAP_TESTGEN_H
#define ETWCAP_TESTGEN_H

#include <stddef.h>
#include <stdint.h>

#include "etwcap/event.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Constants ---------------------------------------------------------- */

#define TESTGEN_CLOCK_RAW 0
#define TESTGEN_CLOCK_QPC 1
#define TESTGEN_CLOCK_SYSTEM_TIME 2
#define TESTGEN_CLOCK_CPU_CYCLES 3

/* LogFileMode bits (etl-format.md §1.8). */
#define TESTGEN_MODE_SEQUENTIAL 0x00000001u
#define TESTGEN_MODE_CIRCULAR 0x00000002u
#define TESTGEN_MODE_RELOG 0x00010000u
#define TESTGEN_MODE_SYSTEM_LOGGER 0x02000000u
#define TESTGEN_MODE_COMPRESSED 0x04000000u

/* BufferFlag / BufferType values (§1.4). */
#define TESTGEN_BUFFER_FLAG_FLUSH_MARKER 0x0001u
#define TESTGEN_BUFFER_FLAG_PROC_INDEX 0x0020u
#define TESTGEN_BUFFER_FLAG_COMPRESSED 0x0040u
#define TESTGEN_BUFFER_TYPE_GENERIC 0u
#define TESTGEN_BUFFER_TYPE_HEADER 4u

/* EVENT_HEADER Flags bit that the writer sets when extended items follow. */
#define TESTGEN_EVENT_FLAG_EXTENDED_INFO 0x0001u

/* WPP MESSAGE_TRACE_HEADER OptionFlags (§2.9). */
#define TESTGEN_MSG_SEQUENCE 0x0001u
#define TESTGEN_MSG_GUID 0x0002u
#define TESTGEN_MSG_COMPONENT_ID 0x0004u
#define TESTGEN_MSG_TIMESTAMP 0x0008u
#define TESTGEN_MSG_SYSTEMINFO 0x0020u
#define TESTGEN_MSG_POINTER32 0x0040u
#define TESTGEN_MSG_POINTER64 0x0080u

/* Kernel groups (§2.2) and the hook ids the writer's helpers use. */
#define TESTGEN_GROUP_HEADER 0x00
#define TESTGEN_GROUP_PROCESS 0x03
#define TESTGEN_GROUP_THREAD 0x05
#define TESTGEN_GROUP_PERFINFO 0x0F
#define TESTGEN_GROUP_IMAGE 0x14
#define TESTGEN_GROUP_STACKWALK 0x18

/* Well-known GUIDs, as initializers: `etwcap_guid g = TESTGEN_GUID_CLR_RUNTIME;`. */
/* clang-format off */
#define TESTGEN_GUID_EVENTTRACE \
    {0x68fdd900, 0x4a3e, 0x11d1, {0x84, 0xf4, 0x00, 0x00, 0xf8, 0x04, 0x64, 0xe3}}
#define TESTGEN_GUID_PROCESS \
    {0x3d6fa8d0, 0xfe05, 0x11d0, {0x9d, 0xda, 0x00, 0xc0, 0x4f, 0xd7, 0xba, 0x7c}}
#define TESTGEN_GUID_THREAD \
    {0x3d6fa8d1, 0xfe05, 0x11d0, {0x9d, 0xda, 0x00, 0xc0, 0x4f, 0xd7, 0xba, 0x7c}}
#define TESTGEN_GUID_PERFINFO \
    {0xce1dbfb4, 0x137e, 0x4da6, {0x87, 0xb0, 0x3f, 0x59, 0xaa, 0x10, 0x2c, 0xbc}}
#define TESTGEN_GUID_IMAGE \
    {0x2cb15d1d, 0x5fc1, 0x11d2, {0xab, 0xe1, 0x00, 0xa0, 0xc9, 0x11, 0xf5, 0x18}}
#define TESTGEN_GUID_STACKWALK \
    {0xdef2fe46, 0x7bd6, 0x4b80, {0xbd, 0x94, 0xf5, 0x7f, 0xe2, 0x0d, 0x0c, 0xe3}}
#define TESTGEN_GUID_KTC_IMAGEID \
    {0xb3e675d7, 0x2554, 0x4f18, {0x83, 0x0b, 0x27, 0x62, 0x73, 0x25, 0x60, 0xde}}
#define TESTGEN_GUID_CLR_RUNTIME \
    {0xe13c0d23, 0xccbc, 0x4e12, {0x93, 0x1b, 0xd9, 0xcc, 0x2e, 0xee, 0x27, 0xe4}}
#define TESTGEN_GUID_CLR_RUNDOWN \
    {0xa669021c, 0xc450, 0x4609, {0xa0, 0x35, 0x5a, 0xf5, 0x9a, 0xf4, 0xdf, 0x18}}
/* clang-format on */

/* ---- Trace options ------------------------------------------------------ */

typedef struct testgen_options {
    unsigned pointer_size;              /* 4 or 8: TRACE_LOGFILE_HEADER.PointerSize */
    unsigned logfile_header_bits;       /* 32 or 64 (form of TRACE_LOGFILE_HEADER and
                                           SYSTEM32/64 header record); 0 = from pointer_size */
    uint32_t num_cpus;                  /* 1..2048 (1..256 without proc_index) */
    uint32_t buffer_size;               /* bytes per buffer, 0x100..16 MiB, multiple of 8 */
    uint32_t header_buffer_size;        /* size of the first (header) buffer; 0 = buffer_size */
    uint32_t clock_type;                /* TESTGEN_CLOCK_* (ReservedFlags) */
    int64_t perf_freq;                  /* PerfFreq, ticks per second */
    uint32_t cpu_mhz;                   /* CpuSpeedInMHz */
    int64_t start_time;                 /* StartTime, FILETIME */
    int64_t boot_time;                  /* BootTime, FILETIME */
    int64_t end_time;                   /* EndTime, FILETIME; 0 = derived from the last timestamp */
    uint8_t os_major, os_minor;         /* Version bytes 0 and 1 */
    uint8_t layout_major, layout_minor; /* Version bytes 2 and 3; 0.0 = 1.5, or 2.0 when
                                           log_file_mode has TESTGEN_MODE_COMPRESSED */
    uint32_t os_build;                  /* ProviderVersion */
    const char *session_name;           /* UTF-8, copied */
    const char *logfile_name;           /* UTF-8, copied */
    uint32_t events_lost;
    uint32_t buffers_lost;
    uint32_t log_file_mode;
    uint32_t timer_resolution; /* 100 ns units */
    uint32_t max_file_size;    /* MB */
    uint32_t start_buffers;
    int32_t tz_bias;              /* minutes west of UTC */
    const char *tz_standard_name; /* UTF-8, at most 31 characters; NULL = empty */
    const char *tz_daylight_name;
    int64_t header_timestamp; /* raw timestamp of the header record: T0 */
    uint32_t header_pid, header_tid;
    uint16_t logger_id;          /* ClientContext LoggerId */
    int proc_index;              /* 1: BufferFlag PROC_INDEX and a u16 processor index at
                                    0x28 (Windows 8+ files); 0: processor byte at 0x28 and
                                    alignment byte 8 at 0x29 (Windows 7 files) */
    int compress;                /* data buffers are compressed unless a buffer says otherwise */
    int compress_header;         /* the header buffer is compressed too */
    int compressed_align8;       /* round a compressed BufferSize up to 8 (real files don't) */
    uint32_t compression_format; /* u32 at 0x2C of compressed buffers (3 = plain LZ77) */
} testgen_options;

/* Defaults: 64-bit, 1 CPU, 64 KiB buffers, QPC at 10 MHz, 2400 MHz, start
 * 2024-01-02T03:04:05Z, boot one hour earlier, Windows 10.0 build 19045,
 * session "etwcap-testgen", header timestamp 10000000, proc_index 1,
 * compression format 3, nothing compressed. */
void testgen_options_init(testgen_options *o);

/* Check options; 0 when usable, else -1 with the reason in `why`. */
int testgen_options_check(const testgen_options *o, char *why, size_t why_cap);

/* ---- Building ------------------------------------------------------------ */

typedef struct testgen_trace testgen_trace;

/* A new trace whose header buffer (CPU 0) holds the logfile header record.
 * NULL when the options are invalid (see testgen_options_check) or on OOM. */
testgen_trace *testgen_new(const testgen_options *o);
void testgen_free(testgen_trace *t);

/* The reason for the last failure ("" if none). */
const char *testgen_error(const testgen_trace *t);

/* The options as used (strings point into the trace). */
const testgen_options *testgen_get_options(const testgen_trace *t);

/* Flush the current buffer of `cpu` (if it has records), start a new one
 * (compressed or not) and make `cpu` the current CPU. Buffers that fill up
 * are flushed automatically; the next one keeps the same compression. */
int testgen_begin_buffer(testgen_trace *t, uint32_t cpu, int compressed);

/* Make `cpu` the CPU that the next records go to (its open buffer is kept). */
int testgen_set_cpu(testgen_trace *t, uint32_t cpu);
uint32_t testgen_get_cpu(const testgen_trace *t);

/* Flush the open buffer of `cpu` now (no-op when it has no records). */
int testgen_flush(testgen_trace *t, uint32_t cpu);

/* Buffers flushed so far, and records appended so far (header record included). */
size_t testgen_buffer_count(const testgen_trace *t);
size_t testgen_record_count(const testgen_trace *t);

/* One extended data item of an EVENT_HEADER record (§2.7). */
typedef struct testgen_ext {
    uint16_t type;       /* ETWCAP_EXT_* */
    uint16_t size;       /* DataSize */
    const uint8_t *data; /* copied when the record is appended */
    uint16_t reserved1;  /* 0: written as 8 + size; else written as given */
} testgen_ext;

/* Everything a record can carry. Fields that the chosen header type has no
 * room for are ignored. Zero-initialize, then fill what matters. */
typedef struct testgen_record {
    uint8_t header_type; /* ETWCAP_HDR_* */
    /* SYSTEM/COMPACT/PERFINFO */
    uint8_t group;
    int has_pebs; /* PEBS index item (Version flag 0x8000) */
    uint64_t pebs_index;
    unsigned pmc_count; /* 0..7 PMC counters (Version bits 0x0700) */
    uint64_t pmc[7];
    /* all but MESSAGE */
    uint16_t version; /* kernel: layout version (low byte; flag bits are added);
                         classic: Class.Version; manifest: descriptor Version (low byte) */
    uint8_t opcode;
    uint8_t level;
    etwcap_guid guid; /* classic: class GUID; manifest: provider id; MESSAGE: message GUID */
    /* EVENT_HEADER */
    uint16_t id;
    uint8_t channel;
    uint16_t task;
    uint64_t keyword;
    uint16_t flags; /* EXTENDED_INFO is added when ext_count > 0 */
    uint16_t event_property;
    etwcap_guid activity_id;
    const testgen_ext *ext;
    size_t ext_count;
    /* INSTANCE */
    uint32_t instance_id, parent_instance_id;
    etwcap_guid parent_guid;
    /* MESSAGE */
    uint16_t message_number;
    uint16_t message_flags; /* TESTGEN_MSG_*: decides which optional fields are written */
    uint32_t sequence;
    uint32_t component_id;
    /* common */
    uint32_t pid, tid; /* not written by PERFINFO (it has none) */
    int64_t timestamp;
    uint32_t kernel_time, user_time; /* SYSTEM, classic and EVENT_HEADER only */
    const uint8_t *payload;
    size_t payload_len;
} testgen_record;

/* Append a record to the current buffer of the current CPU. */
int testgen_append(testgen_trace *t, const testgen_record *r);

/* Append raw bytes as one record (8-byte aligned) without any checking of
 * their content: for tests of malformed input. */
int testgen_append_raw(testgen_trace *t, const uint8_t *bytes, size_t len);

/* Append another logfile header record (relogged files have several). */
int testgen_logfile_header(testgen_trace *t, int64_t ts);

/* Positional shortcuts for testgen_append. `hdr` picks the header type. */
int testgen_system(testgen_trace *t, uint8_t hdr, uint8_t group, uint8_t opcode, uint16_t version,
                   uint32_t pid, uint32_t tid, int64_t ts, const void *payload, size_t len);
int testgen_perfinfo(testgen_trace *t, uint8_t hdr, uint8_t group, uint8_t opcode, uint16_t version,
                     int64_t ts, const void *payload, size_t len);
int testgen_classic(testgen_trace *t, uint8_t hdr, const etwcap_guid *class_guid, uint8_t opcode,
                    uint8_t level, uint16_t version, uint32_t pid, uint32_t tid, int64_t ts,
                    const void *payload, size_t len);

typedef struct testgen_descriptor {
    uint16_t id;
    uint8_t version, channel, level, opcode;
    uint16_t task;
    uint64_t keyword;
} testgen_descriptor;

int testgen_event(testgen_trace *t, uint8_t hdr, const etwcap_guid *provider,
                  const testgen_descriptor *d, uint32_t pid, uint32_t tid, int64_t ts,
                  const testgen_ext *ext, size_t n_ext, const void *payload, size_t len);

/* WPP message. `flags` (TESTGEN_MSG_*) decide which of guid/component_id,
 * ts and pid/tid are written; with TESTGEN_MSG_SEQUENCE the trace's own
 * message counter (starting at 1) is written. */
int testgen_message(testgen_trace *t, uint16_t message_number, uint16_t flags,
                    const etwcap_guid *guid, uint32_t component_id, int64_t ts, uint32_t pid,
                    uint32_t tid, const void *args, size_t len);

/* ---- Output ------------------------------------------------------------- */

/* Flush every open buffer (header buffer first, then CPUs in order), fill in
 * the header records' EndTime/BuffersWritten and produce the file. The trace
 * stays usable: more records may be appended and written again. */
int testgen_write_mem(testgen_trace *t, uint8_t **out, size_t *out_len); /* free() *out */
int testgen_write(testgen_trace *t, const char *path);

/* ---- Byte builder for payloads and extended items ---------------------- */

typedef struct testgen_buf {
    uint8_t *data;
    size_t len, cap;
    int failed; /* set on OOM or a bad value; later puts are ignored */
} testgen_buf;

#define TESTGEN_BUF_INIT \
    {                    \
        NULL, 0, 0, 0    \
    }

void testgen_buf_free(testgen_buf *b);
void testgen_buf_reset(testgen_buf *b); /* len = 0, failed = 0, memory kept */
void testgen_put_bytes(testgen_buf *b, const void *p, size_t n);
void testgen_put_zeros(testgen_buf *b, size_t n);
void testgen_put_u8(testgen_buf *b, uint8_t v);
void testgen_put_u16(testgen_buf *b, uint16_t v);
void testgen_put_u32(testgen_buf *b, uint32_t v);
void testgen_put_u64(testgen_buf *b, uint64_t v);
void testgen_put_ptr(testgen_buf *b, unsigned psize, uint64_t v); /* 4 or 8 bytes */
void testgen_put_guid(testgen_buf *b, const etwcap_guid *g);
void testgen_put_cstr(testgen_buf *b, const char *s);    /* bytes + NUL */
void testgen_put_wstr(testgen_buf *b, const char *utf8); /* UTF-16LE + 2 zero bytes */
/* Binary SID from "S-1-5-21-...": rev, count, 6-byte BE authority, u32 sub-authorities. */
int testgen_put_sid(testgen_buf *b, const char *sid);

/* UTF-8 -> UTF-16LE without terminator; invalid input becomes U+FFFD. */
void testgen_put_utf16(testgen_buf *b, const char *utf8);

/* ---- Payload helpers (testgen_payload.c; etl-format.md §3, §4) ------- */

/* Process Start/End/DCStart/DCEnd, versions 3 and 4 (§3.2). */
typedef struct testgen_process {
    uint64_t unique_key; /* EPROCESS address */
    uint32_t pid, ppid, session_id;
    int32_t exit_status;
    uint64_t directory_table_base;
    uint32_t flags;                /* v4+ */
    const char *sid;               /* "S-1-5-18" form; NULL = S-1-5-18; "" = the 4-zero-byte form */
    const char *image_name;        /* ANSI file name, e.g. "smss.exe" */
    const char *command_line;      /* UTF-8 */
    const char *package_full_name; /* v4+, UTF-8, NULL = empty */
    const char *application_id;    /* v4+ */
} testgen_process;
int testgen_payload_process(testgen_buf *b, unsigned psize, unsigned version,
                            const testgen_process *p);

/* Thread Start/End/DCStart/DCEnd, versions 2 to 4 (§3.3). */
typedef struct testgen_thread {
    uint32_t pid, tid;
    uint64_t stack_base, stack_limit, user_stack_base, user_stack_limit;
    uint64_t start_addr; /* v2: StartAddr; v3+: Affinity */
    uint64_t win32_start_addr, teb_base;
    uint32_t sub_process_tag;
    uint8_t base_priority, page_priority, io_priority, thread_flags; /* v3+ */
    const char *name; /* v4, UTF-8; NULL = no name field */
} testgen_thread;
int testgen_payload_thread(testgen_buf *b, unsigned psize, unsigned version,
                           const testgen_thread *th);

/* Image Load/Unload/DCStart/DCEnd, versions 2 and 3 (§3.4). */
typedef struct testgen_image {
    uint64_t base, size;
    uint32_t pid, checksum, time_date_stamp;
    uint8_t signature_level, signature_type;
    uint64_t default_base;
    const char *file_name; /* UTF-8, NT path */
} testgen_image;
int testgen_payload_image(testgen_buf *b, unsigned psize, const testgen_image *img);

/* PerfInfo SampledProfile (§3.7). */
int testgen_payload_sample(testgen_buf *b, unsigned psize, uint64_t ip, uint32_t tid,
                           uint16_t count, uint8_t flags, uint8_t rank);

/* StackWalk Stack, opcode 32 (§3.6). */
int testgen_payload_stackwalk(testgen_buf *b, unsigned psize, int64_t event_ts, uint32_t pid,
                              uint32_t tid, const uint64_t *frames, size_t n);
/* StackWalk StackKeyKernel/User, opcodes 37/38. */
int testgen_payload_stack_key_ref(testgen_buf *b, unsigned psize, int64_t event_ts, uint32_t pid,
                                  uint32_t tid, uint64_t key);
/* StackWalk KeyDelete/KeyRundown, opcodes 35/36. */
int testgen_payload_stack_key_def(testgen_buf *b, unsigned psize, uint64_t key,
                                  const uint64_t *frames, size_t n);

/* EventTrace header extension, group 0 opcode 5 (§1.8). */
int testgen_payload_header_ext(testgen_buf *b, const uint32_t masks[8],
                               uint32_t kernel_event_version);

/* KernelTraceControl ImageID (opcode 0) and DbgID_RSDS (opcode 36) (§3.5). */
int testgen_payload_image_id(testgen_buf *b, unsigned psize, uint64_t base, uint64_t size,
                             uint32_t pid, uint32_t time_date_stamp, const char *orig_name);
int testgen_payload_dbgid_rsds(testgen_buf *b, unsigned psize, uint64_t base, uint32_t pid,
                               const etwcap_guid *sig, uint32_t age, const char *pdb_name);

/* CLR MethodLoadVerbose & co., versions 0 to 2 (§4.4). */
typedef struct testgen_clr_method {
    uint64_t method_id, module_id, start;
    uint32_t size, token, flags;
    const char *ns, *name, *signature; /* UTF-8 */
    uint16_t clr_instance_id;          /* v1+ */
    uint64_t rejit_id;                 /* v2 */
} testgen_clr_method;
int testgen_payload_clr_method_verbose(testgen_buf *b, unsigned version,
                                       const testgen_clr_method *m);

/* CLR ModuleLoad & co., versions 0 to 2 (§4.4). */
typedef struct testgen_clr_module {
    uint64_t module_id, assembly_id;
    uint32_t flags, reserved1;
    const char *il_path, *native_path;
    uint16_t clr_instance_id;
    etwcap_guid managed_pdb_sig;
    uint32_t managed_pdb_age;
    const char *managed_pdb_path;
    etwcap_guid native_pdb_sig;
    uint32_t native_pdb_age;
    const char *native_pdb_path;
} testgen_clr_module;
int testgen_payload_clr_module(testgen_buf *b, unsigned version, const testgen_clr_module *m);

/* ---- Extended item data helpers (§2.7) ---------------------------------- */

/* STACK_TRACE32/64 data: MatchId u64 then psize-byte addresses. */
int testgen_ext_stack(testgen_buf *b, unsigned psize, uint64_t match_id, const uint64_t *frames,
                      size_t n);
/* STACK_KEY32/64 data. */
int testgen_ext_stack_key(testgen_buf *b, unsigned psize, uint64_t match_id, uint64_t key);
/* CONTAINER_ID data: 36 ASCII characters, no NUL (upper-case when `upper`). */
int testgen_ext_container_id(testgen_buf *b, const etwcap_guid *g, int upper);

/* ---- Small utilities ---------------------------------------------------- */

/* The value of one hex digit (0-9, a-f, A-F), or -1. */
int testgen_hex_digit(int c);

/* Parse "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx", braces optional. 0 on success. */
int testgen_guid_parse(const char *s, etwcap_guid *out);
/* 36 characters + NUL. */
void testgen_guid_format(const etwcap_guid *g, char out[37], int upper);

/* "2024-01-02T03:04:05[.fffffff][Z]" (UTC) -> FILETIME. 0 on success. */
int testgen_parse_time(const char *s, int64_t *filetime);

/* Raw timestamp -> FILETIME with the trace's clock (etl-format.md §1.9). */
int64_t testgen_to_filetime(const testgen_trace *t, int64_t raw);

/* ---- Text descriptions (testgen_desc.c, see README.md) ------------------ */

/* Build a trace from a description. On failure returns NULL and writes
 * "line N: <reason>" into `err`. */
testgen_trace *testgen_desc_build(const char *text, size_t len, char *err, size_t err_cap);

/* The description of the README's example trace, and the trace built from it
 * (testgen_example.c). */
const char *testgen_example_desc(void);
testgen_trace *testgen_example(char *err, size_t err_cap);

#ifdef __cplusplus
}
#endif
#endif
