/* testgen.c - the test-trace writer (see testgen.h): records into buffers,
 * the logfile header, and the file. The byte builder and the GUID and time
 * texts are in testgen_bytes.c, the payload and extended-item encoders in
 * testgen_payload.c. */
#include "testgen.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/bytes.h"
#include "lz77_compress.h"

#define TG_BUFHDR 0x48u
#define TG_MAX_BUFFER (16u * 1024u * 1024u)
#define TG_MAX_RECORD 0xFFFFu
#define TG_MAX_HDR_RECS 8

/* An open (being filled) or flushed buffer. `data` holds the whole
 * uncompressed buffer; its 0x48-byte header is filled in when written. */
typedef struct tg_buffer {
    uint8_t *data;
    uint32_t size; /* capacity: BufferSize of an uncompressed buffer */
    uint32_t used; /* Offset: header + records, 8-aligned */
    uint32_t cpu;
    uint64_t seq; /* SequenceNumber (flushed buffers) */
    int compressed;
    int is_header;  /* the file's first buffer */
    int64_t max_ts; /* TimeStamp */
    size_t records;
    uint32_t hdr_recs[TG_MAX_HDR_RECS]; /* offsets of logfile header records */
    size_t n_hdr_recs;
} tg_buffer;

struct testgen_trace {
    testgen_options o;
    char *session_name, *logfile_name, *tz_std, *tz_dl;
    unsigned header_bits;
    tg_buffer *open; /* one per CPU; data == NULL when none is open */
    int *compress_next;
    uint32_t cur_cpu;
    int header_open; /* the header buffer (open[0]) has not been flushed yet */
    tg_buffer *flushed;
    size_t n_flushed, cap_flushed;
    size_t n_records;
    int64_t max_ts;
    int have_ts;
    uint32_t msg_seq;
    char err[256];
};

/* ---- errors ---------------------------------------------------------------- */

static int tg_fail(testgen_trace *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(t->err, sizeof t->err, fmt, ap);
    va_end(ap);
    return -1;
}

const char *testgen_error(const testgen_trace *t)
{
    return t ? t->err : "no trace";
}

/* ---- time ------------------------------------------------------------------ */

static int64_t tg_scale(int64_t d, int64_t num, int64_t den)
{
    /* d * num / den without overflowing for the values traces use. */
    int64_t q = d / den, r = d % den;
    return q * num + r * num / den;
}

int64_t testgen_to_filetime(const testgen_trace *t, int64_t raw)
{
    const testgen_options *o = &t->o;
    int64_t d = raw - o->header_timestamp;
    switch (o->clock_type) {
    case TESTGEN_CLOCK_SYSTEM_TIME:
        return raw;
    case TESTGEN_CLOCK_CPU_CYCLES:
        return o->cpu_mhz ? o->start_time + tg_scale(d, 10, (int64_t)o->cpu_mhz) : o->start_time;
    default:
        return o->perf_freq > 0 ? o->start_time + tg_scale(d, 10000000, o->perf_freq)
                                : o->start_time;
    }
}

/* ---- options ---------------------------------------------------------------- */

void testgen_options_init(testgen_options *o)
{
    memset(o, 0, sizeof *o);
    o->pointer_size = 8;
    o->num_cpus = 1;
    o->buffer_size = 0x10000;
    o->clock_type = TESTGEN_CLOCK_QPC;
    o->perf_freq = 10000000;
    o->cpu_mhz = 2400;
    o->start_time = 133486382450000000; /* 2024-01-02T03:04:05Z */
    o->boot_time = o->start_time - 36000000000;
    o->os_major = 10;
    o->os_minor = 0;
    o->os_build = 19045;
    o->session_name = "etwcap-testgen";
    o->logfile_name = "C:\\traces\\testgen.etl";
    o->log_file_mode = TESTGEN_MODE_SEQUENTIAL;
    o->timer_resolution = 156250;
    o->header_timestamp = 10000000;
    o->logger_id = 0x20;
    o->proc_index = 1;
    o->compression_format = 3;
}

static size_t tg_utf16_units(const char *utf8)
{
    testgen_buf b = TESTGEN_BUF_INIT;
    testgen_put_utf16(&b, utf8);
    size_t n = b.len / 2;
    testgen_buf_free(&b);
    return n;
}

int testgen_options_check(const testgen_options *o, char *why, size_t why_cap)
{
    const char *msg = NULL;
    char tmp[160];
    unsigned bits = o->logfile_header_bits ? o->logfile_header_bits : o->pointer_size * 8;
    uint32_t hbs = o->header_buffer_size ? o->header_buffer_size : o->buffer_size;
    if (o->pointer_size != 4 && o->pointer_size != 8)
        msg = "pointer size must be 4 or 8";
    else if (bits != 32 && bits != 64)
        msg = "logfile header must be 32 or 64 bits";
    else if (o->num_cpus < 1 || o->num_cpus > (o->proc_index ? 2048u : 256u))
        msg = o->proc_index ? "number of CPUs must be 1..2048"
                            : "number of CPUs must be 1..256 "
                              "without proc_index";
    else if (o->buffer_size < 0x100 || o->buffer_size > TG_MAX_BUFFER || o->buffer_size % 8)
        msg = "buffer size must be a multiple of 8 in 256..16777216";
    else if (hbs < 0x200 || hbs > TG_MAX_BUFFER || hbs % 8)
        msg = "header buffer size must be a multiple of 8 in 512..16777216";
    else if (o->clock_type > 3)
        msg = "clock type must be 0..3";
    else if (o->tz_standard_name && tg_utf16_units(o->tz_standard_name) > 31)
        msg = "time zone standard name longer than 31 UTF-16 units";
    else if (o->tz_daylight_name && tg_utf16_units(o->tz_daylight_name) > 31)
        msg = "time zone daylight name longer than 31 UTF-16 units";
    else if (hbs < TG_BUFHDR + 0x20 + 0x118 + 2 * (tg_utf16_units(o->session_name) + 1) +
                       2 * (tg_utf16_units(o->logfile_name) + 1)) {
        snprintf(tmp, sizeof tmp, "header buffer of %u bytes is too small for the header record",
                 (unsigned)hbs);
        msg = tmp;
    }
    if (msg) {
        if (why && why_cap)
            snprintf(why, why_cap, "%s", msg);
        return -1;
    }
    return 0;
}

static char *tg_strdup(const char *s)
{
    if (!s)
        return NULL;
    size_t n = strlen(s) + 1;
    char *p = malloc(n);
    if (p)
        memcpy(p, s, n);
    return p;
}

/* ---- buffers -------------------------------------------------------------- */

static int tg_open_buffer(testgen_trace *t, uint32_t cpu, int compressed, int is_header)
{
    tg_buffer *b = &t->open[cpu];
    uint32_t size =
        is_header && t->o.header_buffer_size ? t->o.header_buffer_size : t->o.buffer_size;
    memset(b, 0, sizeof *b);
    b->data = malloc(size);
    if (!b->data)
        return tg_fail(t, "out of memory");
    memset(b->data, 0, TG_BUFHDR);
    memset(b->data + TG_BUFHDR, 0xFF, size - TG_BUFHDR);
    b->size = size;
    b->used = TG_BUFHDR;
    b->cpu = cpu;
    b->compressed = compressed;
    b->is_header = is_header;
    return 0;
}

/* Move the open buffer of `cpu` to the flushed list. */
static int tg_flush_one(testgen_trace *t, uint32_t cpu)
{
    tg_buffer *b = &t->open[cpu];
    if (!b->data)
        return 0;
    if (b->records == 0) {
        free(b->data);
        memset(b, 0, sizeof *b);
        return 0;
    }
    if (t->n_flushed == t->cap_flushed) {
        size_t cap = t->cap_flushed ? t->cap_flushed * 2 : 16;
        tg_buffer *p = realloc(t->flushed, cap * sizeof *p);
        if (!p)
            return tg_fail(t, "out of memory");
        t->flushed = p;
        t->cap_flushed = cap;
    }
    b->seq = t->n_flushed;
    t->flushed[t->n_flushed++] = *b;
    if (b->is_header)
        t->header_open = 0;
    memset(b, 0, sizeof *b);
    return 0;
}

/* Flush a CPU's buffer; the header buffer always goes first in the file. */
static int tg_flush(testgen_trace *t, uint32_t cpu)
{
    if (t->header_open && cpu != 0 && t->open[cpu].data && t->open[cpu].records &&
        tg_flush_one(t, 0))
        return -1;
    return tg_flush_one(t, cpu);
}

int testgen_flush(testgen_trace *t, uint32_t cpu)
{
    if (cpu >= t->o.num_cpus)
        return tg_fail(t, "CPU %u out of range (trace has %u)", (unsigned)cpu,
                       (unsigned)t->o.num_cpus);
    if (!t->open[cpu].data || t->open[cpu].records == 0)
        return 0;
    return tg_flush(t, cpu);
}

int testgen_begin_buffer(testgen_trace *t, uint32_t cpu, int compressed)
{
    if (cpu >= t->o.num_cpus)
        return tg_fail(t, "CPU %u out of range (trace has %u)", (unsigned)cpu,
                       (unsigned)t->o.num_cpus);
    if (t->open[cpu].data && tg_flush(t, cpu))
        return -1;
    t->compress_next[cpu] = compressed ? 1 : 0;
    t->cur_cpu = cpu;
    return tg_open_buffer(t, cpu, t->compress_next[cpu], 0);
}

int testgen_set_cpu(testgen_trace *t, uint32_t cpu)
{
    if (cpu >= t->o.num_cpus)
        return tg_fail(t, "CPU %u out of range (trace has %u)", (unsigned)cpu,
                       (unsigned)t->o.num_cpus);
    t->cur_cpu = cpu;
    return 0;
}

uint32_t testgen_get_cpu(const testgen_trace *t)
{
    return t->cur_cpu;
}

size_t testgen_buffer_count(const testgen_trace *t)
{
    return t->n_flushed;
}

size_t testgen_record_count(const testgen_trace *t)
{
    return t->n_records;
}

const testgen_options *testgen_get_options(const testgen_trace *t)
{
    return &t->o;
}

/* Place one finished record into the current CPU's buffer. */
static int tg_place(testgen_trace *t, const uint8_t *rec, size_t len, int64_t ts, int is_hdr_rec)
{
    uint32_t cpu = t->cur_cpu;
    if (len == 0)
        return tg_fail(t, "empty record");
    if (len > TG_MAX_RECORD)
        return tg_fail(t, "record of %zu bytes is larger than 65535", len);
    tg_buffer *b = &t->open[cpu];
    /* A record that fits where it is (the header buffer may be larger than
     * the others) goes there; otherwise it needs a fresh buffer. */
    int fits_here = b->data && len <= b->size - b->used;
    if (!fits_here && len > t->o.buffer_size - TG_BUFHDR)
        return tg_fail(t, "record of %zu bytes does not fit in a %u-byte buffer", len,
                       (unsigned)t->o.buffer_size);
    if (b->data && !fits_here) {
        if (tg_flush(t, cpu))
            return -1;
    }
    if (!b->data && tg_open_buffer(t, cpu, t->compress_next[cpu], 0))
        return -1;
    if (is_hdr_rec && b->n_hdr_recs == TG_MAX_HDR_RECS)
        return tg_fail(t, "more than %d header records in one buffer", TG_MAX_HDR_RECS);
    memcpy(b->data + b->used, rec, len);
    uint32_t end = b->used + (uint32_t)len;
    uint32_t aligned = (uint32_t)etwcap_align8(end);
    memset(b->data + end, 0, aligned - end);
    if (is_hdr_rec)
        b->hdr_recs[b->n_hdr_recs++] = b->used;
    b->used = aligned;
    if (b->records == 0 || ts > b->max_ts)
        b->max_ts = ts;
    b->records++;
    t->n_records++;
    if (!t->have_ts || ts > t->max_ts)
        t->max_ts = ts;
    t->have_ts = 1;
    return 0;
}

/* ---- records ---------------------------------------------------------------- */

static int tg_build_kernel(testgen_trace *t, const testgen_record *r, testgen_buf *b)
{
    uint8_t h = r->header_type;
    size_t hsize = (h == ETWCAP_HDR_SYSTEM32 || h == ETWCAP_HDR_SYSTEM64)     ? 0x20
                   : (h == ETWCAP_HDR_COMPACT32 || h == ETWCAP_HDR_COMPACT64) ? 0x18
                                                                              : 0x10;
    if (r->pmc_count > 7)
        return tg_fail(t, "at most 7 PMC counters");
    size_t total = hsize + (r->has_pebs ? 8 : 0) + 8 * (size_t)r->pmc_count + r->payload_len;
    if (total > TG_MAX_RECORD)
        return tg_fail(t, "record of %zu bytes is larger than 65535", total);
    uint16_t vword = (uint16_t)(r->version | (r->has_pebs ? 0x8000u : 0) | (r->pmc_count << 8));
    testgen_put_u16(b, vword);
    testgen_put_u8(b, h);
    testgen_put_u8(b, 0xC0);
    testgen_put_u16(b, (uint16_t)total);
    testgen_put_u8(b, r->opcode);
    testgen_put_u8(b, r->group);
    if (hsize == 0x10) {
        testgen_put_u64(b, (uint64_t)r->timestamp);
    } else {
        testgen_put_u32(b, r->tid);
        testgen_put_u32(b, r->pid);
        testgen_put_u64(b, (uint64_t)r->timestamp);
        if (hsize == 0x20) {
            testgen_put_u32(b, r->kernel_time);
            testgen_put_u32(b, r->user_time);
        }
    }
    if (r->has_pebs)
        testgen_put_u64(b, r->pebs_index);
    for (unsigned i = 0; i < r->pmc_count; i++)
        testgen_put_u64(b, r->pmc[i]);
    testgen_put_bytes(b, r->payload, r->payload_len);
    return 0;
}

static int tg_build_classic(testgen_trace *t, const testgen_record *r, testgen_buf *b)
{
    uint8_t h = r->header_type;
    int inst = h == ETWCAP_HDR_INSTANCE32 || h == ETWCAP_HDR_INSTANCE64;
    size_t total = (inst ? 0x48 : 0x30) + r->payload_len;
    if (total > TG_MAX_RECORD)
        return tg_fail(t, "record of %zu bytes is larger than 65535", total);
    testgen_put_u16(b, (uint16_t)total);
    testgen_put_u8(b, h);
    testgen_put_u8(b, 0xC0);
    testgen_put_u8(b, r->opcode);
    testgen_put_u8(b, r->level);
    testgen_put_u16(b, r->version);
    testgen_put_u32(b, r->tid);
    testgen_put_u32(b, r->pid);
    testgen_put_u64(b, (uint64_t)r->timestamp);
    testgen_put_guid(b, &r->guid);
    testgen_put_u32(b, r->kernel_time);
    testgen_put_u32(b, r->user_time);
    if (inst) {
        testgen_put_u32(b, r->instance_id);
        testgen_put_u32(b, r->parent_instance_id);
        testgen_put_guid(b, &r->parent_guid);
    }
    testgen_put_bytes(b, r->payload, r->payload_len);
    return 0;
}

static int tg_build_event(testgen_trace *t, const testgen_record *r, testgen_buf *b)
{
    size_t pos = 0x50;
    if (r->ext_count > ETWCAP_MAX_EXT_ITEMS)
        return tg_fail(t, "more than %d extended items", ETWCAP_MAX_EXT_ITEMS);
    for (size_t i = 0; i < r->ext_count; i++) {
        if (r->ext[i].size && !r->ext[i].data)
            return tg_fail(t, "extended item %zu has no data", i);
        pos += 8 + r->ext[i].size;
        if (i + 1 < r->ext_count)
            pos = etwcap_align8(pos);
    }
    if (r->ext_count)
        pos = etwcap_align8(pos);
    size_t total = pos + r->payload_len;
    if (total > TG_MAX_RECORD)
        return tg_fail(t, "record of %zu bytes is larger than 65535", total);
    uint16_t flags = r->flags;
    if (r->ext_count)
        flags |= TESTGEN_EVENT_FLAG_EXTENDED_INFO;
    testgen_put_u16(b, (uint16_t)total);
    testgen_put_u16(b, (uint16_t)(0xC000u | r->header_type));
    testgen_put_u16(b, flags);
    testgen_put_u16(b, r->event_property);
    testgen_put_u32(b, r->tid);
    testgen_put_u32(b, r->pid);
    testgen_put_u64(b, (uint64_t)r->timestamp);
    testgen_put_guid(b, &r->guid);
    testgen_put_u16(b, r->id);
    testgen_put_u8(b, (uint8_t)r->version);
    testgen_put_u8(b, r->channel);
    testgen_put_u8(b, r->level);
    testgen_put_u8(b, r->opcode);
    testgen_put_u16(b, r->task);
    testgen_put_u64(b, r->keyword);
    testgen_put_u32(b, r->kernel_time);
    testgen_put_u32(b, r->user_time);
    testgen_put_guid(b, &r->activity_id);
    for (size_t i = 0; i < r->ext_count; i++) {
        const testgen_ext *e = &r->ext[i];
        testgen_put_u16(b, e->reserved1 ? e->reserved1 : (uint16_t)(8 + e->size));
        testgen_put_u16(b, e->type);
        testgen_put_u16(b, i + 1 < r->ext_count ? 1 : 0);
        testgen_put_u16(b, e->size);
        testgen_put_bytes(b, e->data, e->size);
        testgen_put_zeros(b, etwcap_align8(b->len) - b->len);
    }
    testgen_put_bytes(b, r->payload, r->payload_len);
    return 0;
}

static int tg_build_message(testgen_trace *t, const testgen_record *r, testgen_buf *b)
{
    uint16_t f = r->message_flags;
    size_t total = 8;
    if (f & TESTGEN_MSG_SEQUENCE)
        total += 4;
    if (f & TESTGEN_MSG_COMPONENT_ID)
        total += 4;
    else if (f & TESTGEN_MSG_GUID)
        total += 16;
    if (f & TESTGEN_MSG_TIMESTAMP)
        total += 8;
    if (f & TESTGEN_MSG_SYSTEMINFO)
        total += 8;
    total += r->payload_len;
    if (total > TG_MAX_RECORD)
        return tg_fail(t, "record of %zu bytes is larger than 65535", total);
    testgen_put_u16(b, (uint16_t)total);
    testgen_put_u8(b, 0);
    testgen_put_u8(b, 0x90);
    testgen_put_u16(b, r->message_number);
    testgen_put_u16(b, f);
    if (f & TESTGEN_MSG_SEQUENCE)
        testgen_put_u32(b, r->sequence);
    if (f & TESTGEN_MSG_COMPONENT_ID)
        testgen_put_u32(b, r->component_id);
    else if (f & TESTGEN_MSG_GUID)
        testgen_put_guid(b, &r->guid);
    if (f & TESTGEN_MSG_TIMESTAMP)
        testgen_put_u64(b, (uint64_t)r->timestamp);
    if (f & TESTGEN_MSG_SYSTEMINFO) {
        testgen_put_u32(b, r->tid);
        testgen_put_u32(b, r->pid);
    }
    testgen_put_bytes(b, r->payload, r->payload_len);
    return 0;
}

int testgen_append(testgen_trace *t, const testgen_record *r)
{
    testgen_buf b = TESTGEN_BUF_INIT;
    int rc;
    if (r->payload_len && !r->payload)
        return tg_fail(t, "payload length %zu without payload", r->payload_len);
    switch (r->header_type) {
    case ETWCAP_HDR_SYSTEM32:
    case ETWCAP_HDR_SYSTEM64:
    case ETWCAP_HDR_COMPACT32:
    case ETWCAP_HDR_COMPACT64:
    case ETWCAP_HDR_PERFINFO32:
    case ETWCAP_HDR_PERFINFO64:
        rc = tg_build_kernel(t, r, &b);
        break;
    case ETWCAP_HDR_FULL32:
    case ETWCAP_HDR_FULL64:
    case ETWCAP_HDR_INSTANCE32:
    case ETWCAP_HDR_INSTANCE64:
        rc = tg_build_classic(t, r, &b);
        break;
    case ETWCAP_HDR_EVENT32:
    case ETWCAP_HDR_EVENT64:
        rc = tg_build_event(t, r, &b);
        break;
    case ETWCAP_HDR_MESSAGE:
        rc = tg_build_message(t, r, &b);
        break;
    default:
        return tg_fail(t, "unsupported header type 0x%02x", (unsigned)r->header_type);
    }
    if (rc == 0 && b.failed)
        rc = tg_fail(t, "out of memory");
    /* A message without a timestamp sorts with its neighbours: use the CPU's
     * last timestamp for the buffer bookkeeping. */
    int64_t ts = r->timestamp;
    if (r->header_type == ETWCAP_HDR_MESSAGE && !(r->message_flags & TESTGEN_MSG_TIMESTAMP)) {
        const tg_buffer *ob = &t->open[t->cur_cpu];
        ts = ob->data && ob->records ? ob->max_ts : 0;
    }
    if (rc == 0)
        rc = tg_place(t, b.data, b.len, ts, 0);
    testgen_buf_free(&b);
    return rc;
}

int testgen_append_raw(testgen_trace *t, const uint8_t *bytes, size_t len)
{
    const tg_buffer *ob = &t->open[t->cur_cpu];
    int64_t ts = ob->data && ob->records ? ob->max_ts : 0;
    return tg_place(t, bytes, len, ts, 0);
}

int testgen_system(testgen_trace *t, uint8_t hdr, uint8_t group, uint8_t opcode, uint16_t version,
                   uint32_t pid, uint32_t tid, int64_t ts, const void *payload, size_t len)
{
    if (hdr != ETWCAP_HDR_SYSTEM32 && hdr != ETWCAP_HDR_SYSTEM64 && hdr != ETWCAP_HDR_COMPACT32 &&
        hdr != ETWCAP_HDR_COMPACT64)
        return tg_fail(t, "testgen_system needs a SYSTEM or COMPACT header type, not 0x%02x",
                       (unsigned)hdr);
    testgen_record r;
    memset(&r, 0, sizeof r);
    r.header_type = hdr;
    r.group = group;
    r.opcode = opcode;
    r.version = version;
    r.pid = pid;
    r.tid = tid;
    r.timestamp = ts;
    r.payload = payload;
    r.payload_len = len;
    return testgen_append(t, &r);
}

int testgen_perfinfo(testgen_trace *t, uint8_t hdr, uint8_t group, uint8_t opcode, uint16_t version,
                     int64_t ts, const void *payload, size_t len)
{
    if (hdr != ETWCAP_HDR_PERFINFO32 && hdr != ETWCAP_HDR_PERFINFO64)
        return tg_fail(t, "testgen_perfinfo needs a PERFINFO header type, not 0x%02x",
                       (unsigned)hdr);
    testgen_record r;
    memset(&r, 0, sizeof r);
    r.header_type = hdr;
    r.group = group;
    r.opcode = opcode;
    r.version = version;
    r.timestamp = ts;
    r.payload = payload;
    r.payload_len = len;
    return testgen_append(t, &r);
}

int testgen_classic(testgen_trace *t, uint8_t hdr, const etwcap_guid *class_guid, uint8_t opcode,
                    uint8_t level, uint16_t version, uint32_t pid, uint32_t tid, int64_t ts,
                    const void *payload, size_t len)
{
    if (hdr != ETWCAP_HDR_FULL32 && hdr != ETWCAP_HDR_FULL64 && hdr != ETWCAP_HDR_INSTANCE32 &&
        hdr != ETWCAP_HDR_INSTANCE64)
        return tg_fail(t, "testgen_classic needs a FULL or INSTANCE header type, not 0x%02x",
                       (unsigned)hdr);
    testgen_record r;
    memset(&r, 0, sizeof r);
    r.header_type = hdr;
    r.guid = *class_guid;
    r.opcode = opcode;
    r.level = level;
    r.version = version;
    r.pid = pid;
    r.tid = tid;
    r.timestamp = ts;
    r.payload = payload;
    r.payload_len = len;
    return testgen_append(t, &r);
}

int testgen_event(testgen_trace *t, uint8_t hdr, const etwcap_guid *provider,
                  const testgen_descriptor *d, uint32_t pid, uint32_t tid, int64_t ts,
                  const testgen_ext *ext, size_t n_ext, const void *payload, size_t len)
{
    if (hdr != ETWCAP_HDR_EVENT32 && hdr != ETWCAP_HDR_EVENT64)
        return tg_fail(t, "testgen_event needs an EVENT_HEADER type, not 0x%02x", (unsigned)hdr);
    testgen_record r;
    memset(&r, 0, sizeof r);
    r.header_type = hdr;
    r.guid = *provider;
    r.id = d->id;
    r.version = d->version;
    r.channel = d->channel;
    r.level = d->level;
    r.opcode = d->opcode;
    r.task = d->task;
    r.keyword = d->keyword;
    r.pid = pid;
    r.tid = tid;
    r.timestamp = ts;
    r.ext = ext;
    r.ext_count = n_ext;
    r.payload = payload;
    r.payload_len = len;
    return testgen_append(t, &r);
}

int testgen_message(testgen_trace *t, uint16_t message_number, uint16_t flags,
                    const etwcap_guid *guid, uint32_t component_id, int64_t ts, uint32_t pid,
                    uint32_t tid, const void *args, size_t len)
{
    testgen_record r;
    memset(&r, 0, sizeof r);
    r.header_type = ETWCAP_HDR_MESSAGE;
    r.message_number = message_number;
    r.message_flags = flags;
    if (guid)
        r.guid = *guid;
    r.component_id = component_id;
    if (flags & TESTGEN_MSG_SEQUENCE)
        r.sequence = ++t->msg_seq;
    r.timestamp = ts;
    r.pid = pid;
    r.tid = tid;
    r.payload = args;
    r.payload_len = len;
    return testgen_append(t, &r);
}

/* ---- the logfile header ----------------------------------------------------- */

static void tg_put_tz_name(testgen_buf *b, const char *name)
{
    size_t start = b->len;
    testgen_put_utf16(b, name ? name : "");
    size_t used = b->len - start;
    testgen_put_zeros(b, 64 - used); /* wchar[32], checked to be <= 31 units */
}

int testgen_logfile_header(testgen_trace *t, int64_t ts)
{
    const testgen_options *o = &t->o;
    unsigned p = t->header_bits / 8;
    uint8_t layout_major = o->layout_major, layout_minor = o->layout_minor;
    if (layout_major == 0 && layout_minor == 0) {
        int big = (o->log_file_mode & TESTGEN_MODE_COMPRESSED) || o->buffer_size > 0x100000 ||
                  o->num_cpus > 256;
        layout_major = big ? 2 : 1;
        layout_minor = big ? 0 : 5;
    }
    testgen_buf pl = TESTGEN_BUF_INIT;
    testgen_put_u32(&pl, o->buffer_size);
    testgen_put_u8(&pl, o->os_major);
    testgen_put_u8(&pl, o->os_minor);
    testgen_put_u8(&pl, layout_major);
    testgen_put_u8(&pl, layout_minor);
    testgen_put_u32(&pl, o->os_build);
    testgen_put_u32(&pl, o->num_cpus);
    testgen_put_u64(&pl, (uint64_t)o->end_time); /* patched when written */
    testgen_put_u32(&pl, o->timer_resolution);
    testgen_put_u32(&pl, o->max_file_size);
    testgen_put_u32(&pl, o->log_file_mode);
    testgen_put_u32(&pl, 0); /* BuffersWritten, patched when written */
    testgen_put_u32(&pl, o->start_buffers);
    testgen_put_u32(&pl, o->pointer_size);
    testgen_put_u32(&pl, o->events_lost);
    testgen_put_u32(&pl, o->cpu_mhz);
    testgen_put_ptr(&pl, p, 0); /* LoggerName: timer source on Win7+ */
    testgen_put_ptr(&pl, p, 0); /* LogFileName */
    /* TIME_ZONE_INFORMATION, 0xAC bytes */
    testgen_put_u32(&pl, (uint32_t)o->tz_bias);
    tg_put_tz_name(&pl, o->tz_standard_name);
    testgen_put_zeros(&pl, 16 + 4); /* StandardDate, StandardBias */
    tg_put_tz_name(&pl, o->tz_daylight_name);
    testgen_put_zeros(&pl, 16);                                    /* DaylightDate */
    testgen_put_u32(&pl, o->tz_daylight_name ? (uint32_t)-60 : 0); /* DaylightBias */
    testgen_put_zeros(&pl, 4);                                     /* padding */
    testgen_put_u64(&pl, (uint64_t)o->boot_time);
    testgen_put_u64(&pl, (uint64_t)o->perf_freq);
    testgen_put_u64(&pl, (uint64_t)o->start_time);
    testgen_put_u32(&pl, o->clock_type);
    testgen_put_u32(&pl, o->buffers_lost);
    if (!pl.failed && pl.len != (p == 8 ? 0x118u : 0x110u)) {
        testgen_buf_free(&pl);
        return tg_fail(t, "internal error: logfile header is %zu bytes", pl.len);
    }
    testgen_put_wstr(&pl, o->session_name);
    testgen_put_wstr(&pl, o->logfile_name);

    testgen_record r;
    memset(&r, 0, sizeof r);
    r.header_type = p == 8 ? ETWCAP_HDR_SYSTEM64 : ETWCAP_HDR_SYSTEM32;
    r.group = TESTGEN_GROUP_HEADER;
    r.opcode = 0;
    r.version = 2;
    r.pid = o->header_pid;
    r.tid = o->header_tid;
    r.timestamp = ts;
    r.payload = pl.data;
    r.payload_len = pl.len;
    testgen_buf rec = TESTGEN_BUF_INIT;
    int rc = pl.failed ? tg_fail(t, "out of memory") : tg_build_kernel(t, &r, &rec);
    if (rc == 0 && rec.failed)
        rc = tg_fail(t, "out of memory");
    if (rc == 0)
        rc = tg_place(t, rec.data, rec.len, ts, 1);
    testgen_buf_free(&rec);
    testgen_buf_free(&pl);
    return rc;
}

/* ---- creation ---------------------------------------------------------------- */

testgen_trace *testgen_new(const testgen_options *o)
{
    if (!o || testgen_options_check(o, NULL, 0))
        return NULL;
    testgen_trace *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->o = *o;
    t->session_name = tg_strdup(o->session_name ? o->session_name : "");
    t->logfile_name = tg_strdup(o->logfile_name ? o->logfile_name : "");
    t->tz_std = tg_strdup(o->tz_standard_name);
    t->tz_dl = tg_strdup(o->tz_daylight_name);
    t->o.session_name = t->session_name;
    t->o.logfile_name = t->logfile_name;
    t->o.tz_standard_name = t->tz_std;
    t->o.tz_daylight_name = t->tz_dl;
    t->header_bits = o->logfile_header_bits ? o->logfile_header_bits : o->pointer_size * 8;
    t->open = calloc(o->num_cpus, sizeof *t->open);
    t->compress_next = calloc(o->num_cpus, sizeof *t->compress_next);
    if (!t->session_name || !t->logfile_name || (o->tz_standard_name && !t->tz_std) ||
        (o->tz_daylight_name && !t->tz_dl) || !t->open || !t->compress_next) {
        testgen_free(t);
        return NULL;
    }
    for (uint32_t i = 0; i < o->num_cpus; i++)
        t->compress_next[i] = o->compress ? 1 : 0;
    if (tg_open_buffer(t, 0, o->compress_header ? 1 : 0, 1)) {
        testgen_free(t);
        return NULL;
    }
    t->header_open = 1;
    t->cur_cpu = 0;
    if (testgen_logfile_header(t, o->header_timestamp)) {
        testgen_free(t);
        return NULL;
    }
    return t;
}

void testgen_free(testgen_trace *t)
{
    if (!t)
        return;
    if (t->open)
        for (uint32_t i = 0; i < t->o.num_cpus; i++)
            free(t->open[i].data);
    for (size_t i = 0; i < t->n_flushed; i++)
        free(t->flushed[i].data);
    free(t->open);
    free(t->flushed);
    free(t->compress_next);
    free(t->session_name);
    free(t->logfile_name);
    free(t->tz_std);
    free(t->tz_dl);
    free(t);
}

/* ---- output ------------------------------------------------------------------- */

static void tg_fill_header(const testgen_trace *t, const tg_buffer *b, uint8_t *h, uint32_t on_disk)
{
    uint16_t flag = 0, type = TESTGEN_BUFFER_TYPE_GENERIC;
    if (b->is_header) {
        flag |= TESTGEN_BUFFER_FLAG_FLUSH_MARKER;
        type = TESTGEN_BUFFER_TYPE_HEADER;
    }
    memset(h, 0, TG_BUFHDR);
    etwcap_wr32(h + 0x00, on_disk);
    etwcap_wr32(h + 0x04, b->used); /* SavedOffset */
    etwcap_wr32(h + 0x08, b->used); /* CurrentOffset */
    etwcap_wr64(h + 0x10, b->is_header ? 0 : (uint64_t)b->max_ts);
    etwcap_wr64(h + 0x18, b->seq);
    if (t->o.proc_index) {
        flag |= TESTGEN_BUFFER_FLAG_PROC_INDEX;
        etwcap_wr16(h + 0x28, (uint16_t)b->cpu);
    } else {
        h[0x28] = (uint8_t)b->cpu;
        h[0x29] = 8; /* Alignment, as in Windows 7 files */
    }
    etwcap_wr16(h + 0x2A, t->o.logger_id);
    etwcap_wr32(h + 0x2C, 3); /* State: Flush */
    etwcap_wr32(h + 0x30, b->used);
    if (b->compressed) {
        flag |= TESTGEN_BUFFER_FLAG_COMPRESSED;
        etwcap_wr32(h + 0x2C, t->o.compression_format);
    }
    etwcap_wr16(h + 0x34, flag);
    etwcap_wr16(h + 0x36, type);
}

static int tg_finish(testgen_trace *t)
{
    if (t->header_open && tg_flush_one(t, 0))
        return -1;
    for (uint32_t cpu = 0; cpu < t->o.num_cpus; cpu++)
        if (tg_flush_one(t, cpu))
            return -1;
    int64_t end = t->o.end_time ? t->o.end_time : testgen_to_filetime(t, t->max_ts);
    for (size_t i = 0; i < t->n_flushed; i++) {
        tg_buffer *b = &t->flushed[i];
        for (size_t k = 0; k < b->n_hdr_recs; k++) {
            uint8_t *pl = b->data + b->hdr_recs[k] + 0x20;
            etwcap_wr64(pl + 0x10, (uint64_t)end);
            etwcap_wr32(pl + 0x24, (uint32_t)t->n_flushed);
        }
    }
    return 0;
}

int testgen_write_mem(testgen_trace *t, uint8_t **out, size_t *out_len)
{
    *out = NULL;
    *out_len = 0;
    if (tg_finish(t))
        return -1;
    testgen_buf f = TESTGEN_BUF_INIT;
    uint8_t *tmp = NULL;
    size_t tmp_cap = 0;
    for (size_t i = 0; i < t->n_flushed; i++) {
        const tg_buffer *b = &t->flushed[i];
        if (!b->compressed) {
            size_t at = f.len;
            testgen_put_bytes(&f, b->data, b->size);
            if (!f.failed)
                tg_fill_header(t, b, f.data + at, b->size);
            continue;
        }
        size_t n = b->used - TG_BUFHDR;
        size_t bound = testgen_lz77_bound(n);
        if (bound > tmp_cap) {
            uint8_t *p = realloc(tmp, bound);
            if (!p) {
                f.failed = 1;
                break;
            }
            tmp = p;
            tmp_cap = bound;
        }
        size_t clen = testgen_lz77_compress(b->data + TG_BUFHDR, n, tmp, tmp_cap);
        if (clen == 0 && n != 0) {
            free(tmp);
            testgen_buf_free(&f);
            return tg_fail(t, "compressing buffer %zu failed", i);
        }
        size_t disk = TG_BUFHDR + clen;
        size_t pad = t->o.compressed_align8 ? etwcap_align8(disk) - disk : 0;
        if (disk + pad > 0xFFFFFFFFu) {
            free(tmp);
            testgen_buf_free(&f);
            return tg_fail(t, "compressed buffer %zu too large", i);
        }
        size_t at = f.len;
        testgen_put_zeros(&f, TG_BUFHDR);
        testgen_put_bytes(&f, tmp, clen);
        testgen_put_zeros(&f, pad);
        if (!f.failed)
            tg_fill_header(t, b, f.data + at, (uint32_t)(disk + pad));
    }
    free(tmp);
    if (f.failed) {
        testgen_buf_free(&f);
        return tg_fail(t, "out of memory");
    }
    *out = f.data;
    *out_len = f.len;
    return 0;
}

int testgen_write(testgen_trace *t, const char *path)
{
    uint8_t *data;
    size_t len;
    if (testgen_write_mem(t, &data, &len))
        return -1;
    FILE *fp = fopen(path, "wb");
    if (!fp) {
        free(data);
        return tg_fail(t, "cannot create %s", path);
    }
    size_t w = fwrite(data, 1, len, fp);
    int bad = w != len;
    if (fclose(fp) != 0)
        bad = 1;
    free(data);
    if (bad)
        return tg_fail(t, "cannot write %s", path);
    return 0;
}
