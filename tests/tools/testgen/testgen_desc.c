/* testgen_desc.c - the text description format of the test-trace writer.
 *
 * One directive per line: a directive name followed by key=value tokens
 * (values may be "quoted", without escapes) and bare flag words; '#' starts
 * a comment. The format is documented in README.md beside this file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/bytes.h"
#include "testgen.h"
#include "testgen_desc_line.h"

#define D_MAX_FRAMES 256

#define TRY(x)         \
    do {               \
        if ((x) < 0)   \
            return -1; \
    } while (0)

/* ---- header types ---------------------------------------------------------------- */

static const struct {
    const char *name;
    uint8_t type;
} d_hdr_names[] = {
    {"system32", ETWCAP_HDR_SYSTEM32},     {"system64", ETWCAP_HDR_SYSTEM64},
    {"compact32", ETWCAP_HDR_COMPACT32},   {"compact64", ETWCAP_HDR_COMPACT64},
    {"full32", ETWCAP_HDR_FULL32},         {"full64", ETWCAP_HDR_FULL64},
    {"instance32", ETWCAP_HDR_INSTANCE32}, {"instance64", ETWCAP_HDR_INSTANCE64},
    {"perfinfo32", ETWCAP_HDR_PERFINFO32}, {"perfinfo64", ETWCAP_HDR_PERFINFO64},
    {"event32", ETWCAP_HDR_EVENT32},       {"event64", ETWCAP_HDR_EVENT64},
};

static int d_hdr_lookup(const char *name)
{
    for (size_t i = 0; i < sizeof d_hdr_names / sizeof d_hdr_names[0]; i++)
        if (strcmp(d_hdr_names[i].name, name) == 0)
            return d_hdr_names[i].type;
    return -1;
}

static unsigned d_hdr_psize(uint8_t h)
{
    switch (h) {
    case ETWCAP_HDR_SYSTEM64:
    case ETWCAP_HDR_COMPACT64:
    case ETWCAP_HDR_FULL64:
    case ETWCAP_HDR_INSTANCE64:
    case ETWCAP_HDR_PERFINFO64:
    case ETWCAP_HDR_EVENT64:
        return 8;
    default:
        return 4;
    }
}

static int d_is_kernel(uint8_t h)
{
    return h == ETWCAP_HDR_SYSTEM32 || h == ETWCAP_HDR_SYSTEM64 || h == ETWCAP_HDR_COMPACT32 ||
           h == ETWCAP_HDR_COMPACT64 || h == ETWCAP_HDR_PERFINFO32 || h == ETWCAP_HDR_PERFINFO64;
}

static int d_is_event(uint8_t h)
{
    return h == ETWCAP_HDR_EVENT32 || h == ETWCAP_HDR_EVENT64;
}

static int d_is_classic(uint8_t h)
{
    return h == ETWCAP_HDR_FULL32 || h == ETWCAP_HDR_FULL64 || h == ETWCAP_HDR_INSTANCE32 ||
           h == ETWCAP_HDR_INSTANCE64;
}

/* The trace's own pointer size picks 32- or 64-bit defaults. */
static uint8_t d_default_hdr(tgd_ctx *c, uint8_t h32, uint8_t h64)
{
    return testgen_get_options(c->t)->pointer_size == 8 ? h64 : h32;
}

#define D_KERNEL_HDRS "system32, system64, compact32, compact64, perfinfo32 or perfinfo64"

/* hdr=NAME override of a convenience directive's header type. */
static int d_hdr_key(tgd_ctx *c, uint8_t *h, int (*ok)(uint8_t), const char *what)
{
    const char *v;
    int rc = tgd_value(c, "hdr", &v);
    if (rc <= 0)
        return rc;
    int x = d_hdr_lookup(v);
    if (x < 0 || !ok((uint8_t)x))
        return tgd_fail(c, "'%s' takes hdr=%s, not '%s'", c->dir, what, v);
    *h = (uint8_t)x;
    return 1;
}

/* ---- payload and extended items ---------------------------------------------------- */

/* Append payload=HEX and +TYPE=VALUE words, in line order. */
static int d_payload(tgd_ctx *c, testgen_buf *b, unsigned psize)
{
    for (size_t i = 0; i < c->n; i++) {
        tgd_tok *tk = &c->tok[i];
        const char *k = tk->key;
        if (strcmp(k, "payload") != 0 && k[0] != '+')
            continue;
        tk->used = 1;
        if (!tk->has_val)
            return tgd_fail(c, "'%s' needs a value", k);
        const char *v = tk->val;
        uint64_t u;
        int64_t s;
        etwcap_guid g;
        if (strcmp(k, "payload") == 0 || strcmp(k, "+hex") == 0) {
            if (tgd_parse_hex(v, b))
                return tgd_fail(c, "bad hex bytes in '%s'", k);
        } else if (strcmp(k, "+u8") == 0 || strcmp(k, "+u16") == 0 || strcmp(k, "+u32") == 0 ||
                   strcmp(k, "+u64") == 0 || strcmp(k, "+ptr") == 0) {
            int neg = v[0] == '-';
            if (neg ? tgd_parse_i64(v, &s) : tgd_parse_u64(v, &u))
                return tgd_fail(c, "bad number '%s' for '%s'", v, k);
            if (neg)
                u = (uint64_t)s;
            if (k[2] == '8')
                testgen_put_u8(b, (uint8_t)u);
            else if (k[2] == '1')
                testgen_put_u16(b, (uint16_t)u);
            else if (k[2] == '3')
                testgen_put_u32(b, (uint32_t)u);
            else if (k[2] == '6')
                testgen_put_u64(b, u);
            else
                testgen_put_ptr(b, psize, u);
            int bits = k[2] == '8'   ? 8
                       : k[2] == '1' ? 16
                       : k[2] == '3' ? 32
                       : k[2] == '6' ? 64
                                     : (int)psize * 8;
            if (!neg && bits < 64 && (u >> bits) != 0)
                return tgd_fail(c, "'%s' value %s does not fit in %d bits", k, v, bits);
        } else if (strcmp(k, "+wstr") == 0) {
            testgen_put_wstr(b, v);
        } else if (strcmp(k, "+cstr") == 0) {
            testgen_put_cstr(b, v);
        } else if (strcmp(k, "+guid") == 0) {
            if (testgen_guid_parse(v, &g))
                return tgd_fail(c, "bad GUID '%s' for '%s'", v, k);
            testgen_put_guid(b, &g);
        } else if (strcmp(k, "+sid") == 0) {
            if (testgen_put_sid(b, v))
                return tgd_fail(c, "bad SID '%s' (use S-1-5-18 form)", v);
        } else if (strcmp(k, "+zeros") == 0) {
            if (tgd_parse_u64(v, &u) || u > 0xFFFF)
                return tgd_fail(c, "bad count '%s' for '+zeros'", v);
            testgen_put_zeros(b, (size_t)u);
        } else {
            return tgd_fail(c,
                            "unknown payload item '%s' (use +u8 +u16 +u32 +u64 +ptr +wstr +cstr "
                            "+guid +sid +zeros +hex)",
                            k);
        }
    }
    if (b->failed)
        return tgd_fail(c, "out of memory or bad value while building the payload");
    return 0;
}

static const struct {
    const char *name;
    uint16_t type;
} d_ext_names[] = {
    {"related-activityid", ETWCAP_EXT_RELATED_ACTIVITYID},
    {"sid", ETWCAP_EXT_SID},
    {"ts-id", ETWCAP_EXT_TS_ID},
    {"instance-info", ETWCAP_EXT_INSTANCE_INFO},
    {"stack-trace32", ETWCAP_EXT_STACK_TRACE32},
    {"stack-trace64", ETWCAP_EXT_STACK_TRACE64},
    {"pebs-index", ETWCAP_EXT_PEBS_INDEX},
    {"pmc-counters", ETWCAP_EXT_PMC_COUNTERS},
    {"psm-key", ETWCAP_EXT_PSM_KEY},
    {"event-key", ETWCAP_EXT_EVENT_KEY},
    {"event-schema-tl", ETWCAP_EXT_EVENT_SCHEMA_TL},
    {"prov-traits", ETWCAP_EXT_PROV_TRAITS},
    {"process-start-key", ETWCAP_EXT_PROCESS_START_KEY},
    {"control-guid", ETWCAP_EXT_CONTROL_GUID},
    {"qpc-delta", ETWCAP_EXT_QPC_DELTA},
    {"container-id", ETWCAP_EXT_CONTAINER_ID},
    {"stack-key32", ETWCAP_EXT_STACK_KEY32},
    {"stack-key64", ETWCAP_EXT_STACK_KEY64},
};

typedef struct dext {
    testgen_ext items[ETWCAP_MAX_EXT_ITEMS];
    testgen_buf data[ETWCAP_MAX_EXT_ITEMS];
    size_t n;
} dext;

static void d_ext_free(dext *e)
{
    for (size_t i = 0; i < ETWCAP_MAX_EXT_ITEMS; i++)
        testgen_buf_free(&e->data[i]);
}

static int d_is_ext_key(const char *k)
{
    static const char *const keys[] = {
        "container",   "container-bin",    "stack",     "stack32", "stack-key",
        "stack-key32", "process-key",      "event-key", "psm-key", "ts-id",
        "sid",         "related-activity", "ext"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (strcmp(k, keys[i]) == 0)
            return 1;
    return 0;
}

/* Extended items from the line, in line order. */
static int d_ext(tgd_ctx *c, dext *e)
{
    uint64_t match = 0;
    int aligned = 0;
    TRY(tgd_u64(c, "match", UINT64_MAX, &match));
    TRY(tgd_flag(c, "ext-aligned", &aligned));
    for (size_t i = 0; i < c->n; i++) {
        tgd_tok *tk = &c->tok[i];
        const char *k = tk->key;
        if (!d_is_ext_key(k))
            continue;
        tk->used = 1;
        if (!tk->has_val)
            return tgd_fail(c, "'%s' needs a value", k);
        if (e->n == ETWCAP_MAX_EXT_ITEMS)
            return tgd_fail(c, "more than %d extended items", ETWCAP_MAX_EXT_ITEMS);
        const char *v = tk->val;
        testgen_buf *b = &e->data[e->n];
        uint16_t type;
        uint64_t u;
        etwcap_guid g;
        uint64_t frames[D_MAX_FRAMES];
        size_t nf;
        if (strcmp(k, "container") == 0) {
            if (testgen_guid_parse(v, &g) || strlen(v) != 36)
                return tgd_fail(c, "bad container id '%s' (36 characters, no braces)", v);
            type = ETWCAP_EXT_CONTAINER_ID;
            testgen_put_bytes(b, v, 36); /* as written: case is kept */
        } else if (strcmp(k, "container-bin") == 0 || strcmp(k, "related-activity") == 0) {
            if (testgen_guid_parse(v, &g))
                return tgd_fail(c, "bad GUID '%s' for '%s'", v, k);
            type = k[0] == 'c' ? ETWCAP_EXT_CONTAINER_ID : ETWCAP_EXT_RELATED_ACTIVITYID;
            testgen_put_guid(b, &g);
        } else if (strcmp(k, "stack") == 0 || strcmp(k, "stack32") == 0) {
            if (tgd_parse_list(c, k, v, frames, D_MAX_FRAMES, &nf))
                return -1;
            unsigned ps = k[5] == '3' ? 4 : 8;
            type = ps == 4 ? ETWCAP_EXT_STACK_TRACE32 : ETWCAP_EXT_STACK_TRACE64;
            testgen_ext_stack(b, ps, match, frames, nf);
        } else if (strcmp(k, "stack-key") == 0 || strcmp(k, "stack-key32") == 0) {
            if (tgd_parse_u64(v, &u))
                return tgd_fail(c, "bad number '%s' for '%s'", v, k);
            unsigned ps = k[9] == '3' ? 4 : 8;
            type = ps == 4 ? ETWCAP_EXT_STACK_KEY32 : ETWCAP_EXT_STACK_KEY64;
            testgen_ext_stack_key(b, ps, match, u);
        } else if (strcmp(k, "process-key") == 0 || strcmp(k, "event-key") == 0 ||
                   strcmp(k, "psm-key") == 0) {
            if (tgd_parse_u64(v, &u))
                return tgd_fail(c, "bad number '%s' for '%s'", v, k);
            type = k[1] == 'r'   ? ETWCAP_EXT_PROCESS_START_KEY
                   : k[0] == 'e' ? ETWCAP_EXT_EVENT_KEY
                                 : ETWCAP_EXT_PSM_KEY;
            testgen_put_u64(b, u);
        } else if (strcmp(k, "ts-id") == 0) {
            if (tgd_parse_u64(v, &u) || u > 0xFFFFFFFFu)
                return tgd_fail(c, "bad number '%s' for '%s'", v, k);
            type = ETWCAP_EXT_TS_ID;
            testgen_put_u32(b, (uint32_t)u);
        } else if (strcmp(k, "sid") == 0) {
            type = ETWCAP_EXT_SID;
            if (testgen_put_sid(b, v))
                return tgd_fail(c, "bad SID '%s' (use S-1-5-18 form)", v);
        } else { /* ext=TYPE:HEX */
            const char *colon = strchr(v, ':');
            char name[32];
            size_t nl = colon ? (size_t)(colon - v) : 0;
            if (!colon || nl == 0 || nl >= sizeof name)
                return tgd_fail(c, "'ext' needs TYPE:HEX, e.g. ext=prov-traits:0a00...");
            memcpy(name, v, nl);
            name[nl] = '\0';
            int found = 0;
            for (size_t j = 0; j < sizeof d_ext_names / sizeof d_ext_names[0]; j++)
                if (strcmp(d_ext_names[j].name, name) == 0) {
                    type = d_ext_names[j].type;
                    found = 1;
                }
            if (!found) {
                if (tgd_parse_u64(name, &u) || u > 0xFFFF)
                    return tgd_fail(c, "unknown extended item type '%s'", name);
                type = (uint16_t)u;
            }
            if (tgd_parse_hex(colon + 1, b))
                return tgd_fail(c, "bad hex bytes in 'ext'");
        }
        if (b->failed)
            return tgd_fail(c, "out of memory or bad value in '%s'", k);
        if (b->len > 0xFFFF - 8)
            return tgd_fail(c, "extended item '%s' is too large", k);
        testgen_ext *it = &e->items[e->n++];
        it->type = type;
        it->size = (uint16_t)b->len;
        it->data = b->data;
        it->reserved1 = aligned ? (uint16_t)etwcap_align8(8 + b->len) : 0;
    }
    return 0;
}

/* ---- emitting ------------------------------------------------------------------------ */

static int d_append(tgd_ctx *c, const testgen_record *r)
{
    if (testgen_append(c->t, r))
        return tgd_fail(c, "%s", testgen_error(c->t));
    return 0;
}

/* Header fields shared by every record directive. pid/tid keys are given
 * because convenience directives use hdr-pid/hdr-tid. */
static int d_common(tgd_ctx *c, testgen_record *r, const char *pid_key, const char *tid_key)
{
    TRY(tgd_u32(c, pid_key, &r->pid));
    TRY(tgd_u32(c, tid_key, &r->tid));
    TRY(tgd_ts(c, "ts", &r->timestamp));
    TRY(tgd_u32(c, "ktime", &r->kernel_time));
    TRY(tgd_u32(c, "utime", &r->user_time));
    return 0;
}

static int d_kernel_fields(tgd_ctx *c, testgen_record *r)
{
    uint64_t pmc[8];
    size_t n = 0;
    TRY(tgd_u8(c, "group", &r->group));
    TRY(tgd_u8(c, "opcode", &r->opcode));
    TRY(tgd_u16(c, "version", &r->version));
    int rc = tgd_u64(c, "pebs", UINT64_MAX, &r->pebs_index);
    TRY(rc);
    r->has_pebs = rc == 1;
    rc = tgd_list(c, "pmc", pmc, 8, &n);
    TRY(rc);
    if (n > 7)
        return tgd_fail(c, "at most 7 PMC counters");
    r->pmc_count = (unsigned)n;
    for (size_t i = 0; i < n; i++)
        r->pmc[i] = pmc[i];
    return 0;
}

static int d_event_fields(tgd_ctx *c, testgen_record *r)
{
    uint8_t ver = (uint8_t)r->version;
    TRY(tgd_u16(c, "id", &r->id));
    TRY(tgd_u8(c, "version", &ver));
    r->version = ver;
    TRY(tgd_u8(c, "channel", &r->channel));
    TRY(tgd_u8(c, "level", &r->level));
    TRY(tgd_u8(c, "opcode", &r->opcode));
    TRY(tgd_u16(c, "task", &r->task));
    TRY(tgd_u64(c, "keyword", UINT64_MAX, &r->keyword));
    TRY(tgd_u16(c, "flags", &r->flags));
    TRY(tgd_u16(c, "property", &r->event_property));
    TRY(tgd_guid(c, "activity", &r->activity_id));
    return 0;
}

/* Finish a record: payload words, extended items (EVENT_HEADER only), append. */
static int d_finish(tgd_ctx *c, testgen_record *r, testgen_buf *pl, unsigned psize)
{
    dext e;
    memset(&e, 0, sizeof e);
    int rc = d_payload(c, pl, psize);
    if (rc == 0 && (r->header_type == ETWCAP_HDR_EVENT32 || r->header_type == ETWCAP_HDR_EVENT64))
        rc = d_ext(c, &e);
    if (rc == 0)
        rc = tgd_check_used(c);
    if (rc == 0) {
        r->payload = pl->data;
        r->payload_len = pl->len;
        r->ext = e.items;
        r->ext_count = e.n;
        rc = d_append(c, r);
        /* The writer copied the items: nothing may point at `e` any more. */
        r->ext = NULL;
        r->ext_count = 0;
    }
    d_ext_free(&e);
    return rc;
}

/* system32/64, compact32/64, perfinfo32/64, full32/64, instance32/64, event32/64 */
static int d_raw_header(tgd_ctx *c, uint8_t h)
{
    testgen_record r;
    testgen_buf pl = TESTGEN_BUF_INIT;
    memset(&r, 0, sizeof r);
    r.header_type = h;
    int rc = 0;
    if (d_is_kernel(h)) {
        if (h == ETWCAP_HDR_PERFINFO32 || h == ETWCAP_HDR_PERFINFO64)
            rc = tgd_ts(c, "ts", &r.timestamp);
        else
            rc = d_common(c, &r, "pid", "tid");
        if (rc >= 0)
            rc = d_kernel_fields(c, &r);
    } else if (d_is_classic(h)) {
        rc = d_common(c, &r, "pid", "tid");
        if (rc >= 0 && (rc = tgd_guid(c, "guid", &r.guid)) == 0)
            rc = tgd_fail(c, "'%s' needs guid=<class GUID>", c->dir);
        if (rc >= 0)
            rc = tgd_u8(c, "opcode", &r.opcode);
        if (rc >= 0)
            rc = tgd_u8(c, "level", &r.level);
        if (rc >= 0)
            rc = tgd_u16(c, "version", &r.version);
        if (rc >= 0)
            rc = tgd_u32(c, "instance", &r.instance_id);
        if (rc >= 0)
            rc = tgd_u32(c, "parent-instance", &r.parent_instance_id);
        if (rc >= 0)
            rc = tgd_guid(c, "parent-guid", &r.parent_guid);
    } else {
        rc = d_common(c, &r, "pid", "tid");
        if (rc >= 0 && (rc = tgd_guid(c, "provider", &r.guid)) == 0)
            rc = tgd_fail(c, "'%s' needs provider=<GUID>", c->dir);
        if (rc >= 0)
            rc = d_event_fields(c, &r);
    }
    if (rc >= 0)
        rc = d_finish(c, &r, &pl, d_hdr_psize(h));
    testgen_buf_free(&pl);
    return rc < 0 ? -1 : 0;
}

static int d_message(tgd_ctx *c)
{
    testgen_record r;
    testgen_buf pl = TESTGEN_BUF_INIT;
    memset(&r, 0, sizeof r);
    r.header_type = ETWCAP_HDR_MESSAGE;
    int rc_seq, rc_guid, rc_comp, rc_ts, rc_pid, rc_tid, rc_flags;
    uint64_t ptr = 8;
    TRY(tgd_u16(c, "msg", &r.message_number));
    TRY(rc_seq = tgd_u32(c, "seq", &r.sequence));
    TRY(rc_guid = tgd_guid(c, "guid", &r.guid));
    TRY(rc_comp = tgd_u32(c, "component", &r.component_id));
    TRY(rc_ts = tgd_ts(c, "ts", &r.timestamp));
    TRY(rc_pid = tgd_u32(c, "pid", &r.pid));
    TRY(rc_tid = tgd_u32(c, "tid", &r.tid));
    TRY(tgd_u64(c, "ptr", 8, &ptr));
    if (ptr != 4 && ptr != 8)
        return tgd_fail(c, "'ptr' must be 4 or 8");
    TRY(rc_flags = tgd_u16(c, "flags", &r.message_flags));
    if (rc_flags == 0) {
        uint16_t f = ptr == 8 ? TESTGEN_MSG_POINTER64 : TESTGEN_MSG_POINTER32;
        if (rc_seq)
            f |= TESTGEN_MSG_SEQUENCE;
        if (rc_comp)
            f |= TESTGEN_MSG_COMPONENT_ID;
        else if (rc_guid)
            f |= TESTGEN_MSG_GUID;
        if (rc_ts)
            f |= TESTGEN_MSG_TIMESTAMP;
        if (rc_pid || rc_tid)
            f |= TESTGEN_MSG_SYSTEMINFO;
        r.message_flags = f;
    }
    int rc = d_finish(c, &r, &pl, (unsigned)ptr);
    testgen_buf_free(&pl);
    return rc;
}

/* A kernel convenience record: header from hdr= (default `def`), header
 * pid/tid from hdr-pid/hdr-tid (defaults given), payload already in `pl`. */
static int d_kernel_conv(tgd_ctx *c, testgen_record *r, testgen_buf *pl, uint32_t hdr_pid,
                         uint32_t hdr_tid)
{
    unsigned psize = d_hdr_psize(r->header_type);
    r->pid = hdr_pid;
    r->tid = hdr_tid;
    if (r->header_type == ETWCAP_HDR_PERFINFO32 || r->header_type == ETWCAP_HDR_PERFINFO64) {
        TRY(tgd_ts(c, "ts", &r->timestamp));
    } else {
        TRY(d_common(c, r, "hdr-pid", "hdr-tid"));
    }
    TRY(d_kernel_fields(c, r));
    if (pl->failed)
        return tgd_fail(c, "bad value while building the payload");
    return d_finish(c, r, pl, psize);
}

static int d_process(tgd_ctx *c, uint8_t opcode)
{
    testgen_record r;
    testgen_process p;
    testgen_buf pl = TESTGEN_BUF_INIT;
    memset(&r, 0, sizeof r);
    memset(&p, 0, sizeof p);
    r.header_type = d_default_hdr(c, ETWCAP_HDR_SYSTEM32, ETWCAP_HDR_SYSTEM64);
    r.group = TESTGEN_GROUP_PROCESS;
    r.opcode = opcode;
    r.version = 4;
    p.exit_status = opcode == 1 || opcode == 3 ? 0x103 : 0;
    int rc = d_hdr_key(c, &r.header_type, d_is_kernel, D_KERNEL_HDRS);
    if (rc >= 0)
        rc = tgd_u32(c, "pid", &p.pid);
    if (rc >= 0)
        rc = tgd_u32(c, "ppid", &p.ppid);
    if (rc >= 0)
        rc = tgd_u32(c, "session", &p.session_id);
    if (rc >= 0)
        rc = tgd_i32bits(c, "exit", &p.exit_status);
    if (rc >= 0)
        rc = tgd_u64(c, "key", UINT64_MAX, &p.unique_key);
    if (rc >= 0)
        rc = tgd_u64(c, "dtb", UINT64_MAX, &p.directory_table_base);
    if (rc >= 0)
        rc = tgd_u32(c, "flags", &p.flags);
    if (rc >= 0)
        rc = tgd_str(c, "sid", &p.sid);
    if (rc >= 0)
        rc = tgd_str(c, "name", &p.image_name);
    if (rc >= 0)
        rc = tgd_str(c, "cmdline", &p.command_line);
    if (rc >= 0)
        rc = tgd_str(c, "package", &p.package_full_name);
    if (rc >= 0)
        rc = tgd_str(c, "appid", &p.application_id);
    if (rc >= 0)
        rc = tgd_u16(c, "version", &r.version);
    if (rc >= 0 && !p.image_name)
        rc = tgd_fail(c, "'%s' needs name=<image file name>", c->dir);
    if (rc >= 0 && (r.version < 3 || r.version > 4))
        rc = tgd_fail(c, "process payload versions 3 and 4 are supported");
    if (rc >= 0) {
        if (testgen_payload_process(&pl, d_hdr_psize(r.header_type), r.version, &p))
            rc = tgd_fail(c, "bad process payload (check sid=)");
        else
            rc = d_kernel_conv(c, &r, &pl, opcode == 1 ? p.ppid : p.pid, 0);
    }
    testgen_buf_free(&pl);
    return rc < 0 ? -1 : 0;
}

static int d_thread(tgd_ctx *c, uint8_t opcode)
{
    testgen_record r;
    testgen_thread th;
    testgen_buf pl = TESTGEN_BUF_INIT;
    memset(&r, 0, sizeof r);
    memset(&th, 0, sizeof th);
    r.header_type = d_default_hdr(c, ETWCAP_HDR_SYSTEM32, ETWCAP_HDR_SYSTEM64);
    r.group = TESTGEN_GROUP_THREAD;
    r.opcode = opcode;
    r.version = 3;
    th.base_priority = 8;
    th.page_priority = 5;
    th.io_priority = 2;
    int rc = d_hdr_key(c, &r.header_type, d_is_kernel, D_KERNEL_HDRS);
    if (rc >= 0)
        rc = tgd_u32(c, "pid", &th.pid);
    if (rc >= 0)
        rc = tgd_u32(c, "tid", &th.tid);
    if (rc >= 0)
        rc = tgd_u64(c, "stack-base", UINT64_MAX, &th.stack_base);
    if (rc >= 0)
        rc = tgd_u64(c, "stack-limit", UINT64_MAX, &th.stack_limit);
    if (rc >= 0)
        rc = tgd_u64(c, "user-stack-base", UINT64_MAX, &th.user_stack_base);
    if (rc >= 0)
        rc = tgd_u64(c, "user-stack-limit", UINT64_MAX, &th.user_stack_limit);
    if (rc >= 0)
        rc = tgd_u64(c, "start", UINT64_MAX, &th.start_addr);
    if (rc >= 0)
        rc = tgd_u64(c, "win32-start", UINT64_MAX, &th.win32_start_addr);
    if (rc >= 0)
        rc = tgd_u64(c, "teb", UINT64_MAX, &th.teb_base);
    if (rc >= 0)
        rc = tgd_u32(c, "tag", &th.sub_process_tag);
    if (rc >= 0)
        rc = tgd_u8(c, "base-prio", &th.base_priority);
    if (rc >= 0)
        rc = tgd_u8(c, "page-prio", &th.page_priority);
    if (rc >= 0)
        rc = tgd_u8(c, "io-prio", &th.io_priority);
    if (rc >= 0)
        rc = tgd_u8(c, "thread-flags", &th.thread_flags);
    if (rc >= 0)
        rc = tgd_str(c, "name", &th.name);
    if (rc >= 0)
        rc = tgd_u16(c, "version", &r.version);
    if (rc >= 0 && (r.version < 2 || r.version > 4))
        rc = tgd_fail(c, "thread payload versions 2 to 4 are supported");
    if (rc >= 0) {
        if (testgen_payload_thread(&pl, d_hdr_psize(r.header_type), r.version, &th))
            rc = tgd_fail(c, "bad thread payload");
        else
            rc = d_kernel_conv(c, &r, &pl, th.pid, th.tid);
    }
    testgen_buf_free(&pl);
    return rc < 0 ? -1 : 0;
}

static int d_image(tgd_ctx *c, uint8_t group, uint8_t opcode, int perfinfo)
{
    testgen_record r;
    testgen_image img;
    testgen_buf pl = TESTGEN_BUF_INIT;
    memset(&r, 0, sizeof r);
    memset(&img, 0, sizeof img);
    r.header_type = perfinfo ? d_default_hdr(c, ETWCAP_HDR_PERFINFO32, ETWCAP_HDR_PERFINFO64)
                             : d_default_hdr(c, ETWCAP_HDR_SYSTEM32, ETWCAP_HDR_SYSTEM64);
    r.group = group;
    r.opcode = opcode;
    r.version = 3;
    int rc = d_hdr_key(c, &r.header_type, d_is_kernel, D_KERNEL_HDRS);
    if (rc >= 0)
        rc = tgd_u64(c, "base", UINT64_MAX, &img.base);
    if (rc >= 0)
        rc = tgd_u64(c, "size", UINT64_MAX, &img.size);
    if (rc >= 0)
        rc = tgd_u32(c, "pid", &img.pid);
    if (rc >= 0)
        rc = tgd_u32(c, "checksum", &img.checksum);
    if (rc >= 0)
        rc = tgd_u32(c, "tds", &img.time_date_stamp);
    if (rc >= 0)
        rc = tgd_u8(c, "sig-level", &img.signature_level);
    if (rc >= 0)
        rc = tgd_u8(c, "sig-type", &img.signature_type);
    if (rc >= 0)
        rc = tgd_u64(c, "default-base", UINT64_MAX, &img.default_base);
    if (rc >= 0)
        rc = tgd_str(c, "file", &img.file_name);
    if (rc >= 0 && !img.file_name)
        rc = tgd_fail(c, "'%s' needs file=<NT path>", c->dir);
    if (rc >= 0) {
        if (!img.default_base)
            img.default_base = img.base;
        if (testgen_payload_image(&pl, d_hdr_psize(r.header_type), &img))
            rc = tgd_fail(c, "bad image payload");
        else
            rc = d_kernel_conv(c, &r, &pl, img.pid, 0);
    }
    testgen_buf_free(&pl);
    return rc < 0 ? -1 : 0;
}

static int d_header_ext(tgd_ctx *c)
{
    testgen_record r;
    testgen_buf pl = TESTGEN_BUF_INIT;
    uint64_t masks64[8] = {0};
    uint32_t masks[8] = {0}, kver = 0;
    size_t n = 0;
    memset(&r, 0, sizeof r);
    r.header_type = d_default_hdr(c, ETWCAP_HDR_SYSTEM32, ETWCAP_HDR_SYSTEM64);
    r.group = TESTGEN_GROUP_HEADER;
    r.opcode = 5;
    r.version = 2;
    int rc = d_hdr_key(c, &r.header_type, d_is_kernel, D_KERNEL_HDRS);
    if (rc >= 0)
        rc = tgd_list(c, "masks", masks64, 8, &n);
    if (rc >= 0)
        rc = tgd_u32(c, "kernel-version", &kver);
    for (size_t i = 0; i < n && rc >= 0; i++) {
        if (masks64[i] > 0xFFFFFFFFu)
            rc = tgd_fail(c, "group mask %zu does not fit in 32 bits", i);
        masks[i] = (uint32_t)masks64[i];
    }
    if (rc >= 0) {
        const testgen_options *o = testgen_get_options(c->t);
        testgen_payload_header_ext(&pl, masks, kver);
        rc = d_kernel_conv(c, &r, &pl, o->header_pid, o->header_tid);
    }
    testgen_buf_free(&pl);
    return rc < 0 ? -1 : 0;
}

static int d_sample(tgd_ctx *c)
{
    testgen_record r;
    testgen_buf pl = TESTGEN_BUF_INIT;
    uint64_t ip = 0;
    uint32_t tid = 0;
    uint16_t count = 1;
    uint8_t flags = 0, rank = 0;
    memset(&r, 0, sizeof r);
    r.header_type = d_default_hdr(c, ETWCAP_HDR_PERFINFO32, ETWCAP_HDR_PERFINFO64);
    r.group = TESTGEN_GROUP_PERFINFO;
    r.opcode = 46;
    r.version = 2;
    int rc = d_hdr_key(c, &r.header_type, d_is_kernel, D_KERNEL_HDRS);
    if (rc >= 0)
        rc = tgd_u64(c, "ip", UINT64_MAX, &ip);
    if (rc >= 0)
        rc = tgd_u32(c, "tid", &tid);
    if (rc >= 0)
        rc = tgd_u16(c, "count", &count);
    if (rc >= 0)
        rc = tgd_u8(c, "flags", &flags);
    if (rc >= 0)
        rc = tgd_u8(c, "rank", &rank);
    if (rc >= 0) {
        testgen_payload_sample(&pl, d_hdr_psize(r.header_type), ip, tid, count, flags, rank);
        rc = d_kernel_conv(c, &r, &pl, ETWCAP_NO_ID, tid);
    }
    testgen_buf_free(&pl);
    return rc < 0 ? -1 : 0;
}

/* StackWalk: 32 stack, 35/36 key definitions, 37/38 key references. */
static int d_stackwalk(tgd_ctx *c, uint8_t opcode)
{
    testgen_record r;
    testgen_buf pl = TESTGEN_BUF_INIT;
    uint64_t frames[D_MAX_FRAMES], key = 0;
    size_t nf = 0;
    int64_t ets = 0;
    uint32_t pid = 0, tid = 0;
    memset(&r, 0, sizeof r);
    r.header_type = d_default_hdr(c, ETWCAP_HDR_PERFINFO32, ETWCAP_HDR_PERFINFO64);
    r.group = TESTGEN_GROUP_STACKWALK;
    r.opcode = opcode;
    r.version = 2;
    int rc = d_hdr_key(c, &r.header_type, d_is_kernel, D_KERNEL_HDRS);
    unsigned ps = d_hdr_psize(r.header_type);
    int has_ets = 0;
    if (opcode == 32 || opcode == 37 || opcode == 38) {
        if (rc >= 0)
            rc = has_ets = tgd_ts(c, "event-ts", &ets);
        if (rc >= 0)
            rc = tgd_u32(c, "pid", &pid);
        if (rc >= 0)
            rc = tgd_u32(c, "tid", &tid);
    }
    if (opcode != 32 && rc >= 0 && (rc = tgd_u64(c, "key", UINT64_MAX, &key)) == 0)
        rc = tgd_fail(c, "'%s' needs key=<stack key>", c->dir);
    if (opcode == 32 || opcode == 35 || opcode == 36) {
        if (rc >= 0 && (rc = tgd_list(c, "frames", frames, D_MAX_FRAMES, &nf)) == 0)
            rc = tgd_fail(c, "'%s' needs frames=<addr,addr,...>", c->dir);
    }
    int64_t ts = 0;
    if (rc >= 0)
        rc = tgd_ts(c, "ts", &ts);
    if (rc >= 0) {
        /* The event a stack belongs to has the same timestamp by default. */
        if (!has_ets)
            ets = ts;
        if (opcode == 32)
            testgen_payload_stackwalk(&pl, ps, ets, pid, tid, frames, nf);
        else if (opcode == 37 || opcode == 38)
            testgen_payload_stack_key_ref(&pl, ps, ets, pid, tid, key);
        else
            testgen_payload_stack_key_def(&pl, ps, key, frames, nf);
        rc = d_kernel_conv(c, &r, &pl, ETWCAP_NO_ID, ETWCAP_NO_ID);
    }
    testgen_buf_free(&pl);
    return rc < 0 ? -1 : 0;
}

/* KernelTraceControl ImageID (0) and DbgID_RSDS (36): classic records. */
static int d_image_id(tgd_ctx *c, uint8_t opcode)
{
    testgen_record r;
    testgen_buf pl = TESTGEN_BUF_INIT;
    etwcap_guid ktc = TESTGEN_GUID_KTC_IMAGEID, sig;
    uint64_t base = 0, size = 0;
    uint32_t pid = 0, tds = 0, age = 1;
    const char *name = NULL;
    memset(&r, 0, sizeof r);
    memset(&sig, 0, sizeof sig);
    r.header_type = d_default_hdr(c, ETWCAP_HDR_FULL32, ETWCAP_HDR_FULL64);
    r.guid = ktc;
    r.opcode = opcode;
    r.version = 2;
    int rc = d_hdr_key(c, &r.header_type, d_is_classic, "full32, full64, instance32 or instance64");
    unsigned ps = d_hdr_psize(r.header_type);
    if (rc >= 0)
        rc = tgd_u64(c, "base", UINT64_MAX, &base);
    if (rc >= 0)
        rc = tgd_u32(c, "pid", &pid);
    if (opcode == 0) {
        if (rc >= 0)
            rc = tgd_u64(c, "size", UINT64_MAX, &size);
        if (rc >= 0)
            rc = tgd_u32(c, "tds", &tds);
        if (rc >= 0 && (rc = tgd_str(c, "name", &name)) == 0)
            rc = tgd_fail(c, "'%s' needs name=<original file name>", c->dir);
    } else {
        if (rc >= 0 && (rc = tgd_guid(c, "pdb-guid", &sig)) == 0)
            rc = tgd_fail(c, "'%s' needs pdb-guid=<GUID>", c->dir);
        if (rc >= 0)
            rc = tgd_u32(c, "age", &age);
        if (rc >= 0 && (rc = tgd_str(c, "pdb", &name)) == 0)
            rc = tgd_fail(c, "'%s' needs pdb=<PDB file name>", c->dir);
    }
    if (rc >= 0)
        rc = d_common(c, &r, "hdr-pid", "hdr-tid");
    if (rc >= 0)
        rc = tgd_u16(c, "version", &r.version);
    if (rc >= 0)
        rc = tgd_u8(c, "level", &r.level);
    if (rc >= 0) {
        if (opcode == 0)
            testgen_payload_image_id(&pl, ps, base, size, pid, tds, name);
        else
            testgen_payload_dbgid_rsds(&pl, ps, base, pid, &sig, age, name);
        rc = d_finish(c, &r, &pl, ps);
    }
    testgen_buf_free(&pl);
    return rc < 0 ? -1 : 0;
}

/* CLR events in EVENT_HEADER records. */
typedef struct d_clr_kind {
    const char *name;
    int rundown;
    uint16_t id;
    uint8_t version, level, opcode;
    uint16_t task;
    uint64_t keyword;
    int what; /* 0 method, 1 module, 2 stack walk */
} d_clr_kind;

static const d_clr_kind d_clr_kinds[] = {
    {"clr-method-load", 0, 143, 2, 4, 37, 9, 0x30, 0},
    {"clr-method-unload", 0, 144, 2, 4, 38, 9, 0x30, 0},
    {"clr-method-dcstart", 1, 143, 2, 4, 39, 1, 0x30, 0},
    {"clr-method-dcend", 1, 144, 2, 4, 40, 1, 0x30, 0},
    {"clr-module-load", 0, 152, 2, 4, 33, 10, 0x20000008, 1},
    {"clr-module-dcend", 1, 154, 2, 4, 36, 2, 0x20000008, 1},
    {"clr-stackwalk", 0, 82, 0, 0, 82, 11, 0x40000000, 2},
};

static int d_clr(tgd_ctx *c, const d_clr_kind *k)
{
    testgen_record r;
    testgen_buf pl = TESTGEN_BUF_INIT;
    etwcap_guid rt = TESTGEN_GUID_CLR_RUNTIME, rd = TESTGEN_GUID_CLR_RUNDOWN;
    memset(&r, 0, sizeof r);
    r.header_type = d_default_hdr(c, ETWCAP_HDR_EVENT32, ETWCAP_HDR_EVENT64);
    r.guid = k->rundown ? rd : rt;
    r.id = k->id;
    r.version = k->version;
    r.level = k->level;
    r.opcode = k->opcode;
    r.task = k->task;
    r.keyword = k->keyword;
    int rc = d_hdr_key(c, &r.header_type, d_is_event, "event32 or event64");
    if (rc >= 0)
        rc = d_common(c, &r, "pid", "tid");
    if (rc >= 0)
        rc = tgd_guid(c, "provider", &r.guid);
    if (rc >= 0)
        rc = d_event_fields(c, &r);
    if (rc >= 0 && k->what != 2 && r.version > 2)
        rc = tgd_fail(c, "CLR payload versions 0 to 2 are supported");
    if (rc >= 0 && k->what == 0) {
        testgen_clr_method m;
        memset(&m, 0, sizeof m);
        m.clr_instance_id = 8;
        if (rc >= 0)
            rc = tgd_u64(c, "method-id", UINT64_MAX, &m.method_id);
        if (rc >= 0)
            rc = tgd_u64(c, "module-id", UINT64_MAX, &m.module_id);
        if (rc >= 0)
            rc = tgd_u64(c, "start", UINT64_MAX, &m.start);
        if (rc >= 0)
            rc = tgd_u32(c, "size", &m.size);
        if (rc >= 0)
            rc = tgd_u32(c, "token", &m.token);
        if (rc >= 0)
            rc = tgd_u32(c, "method-flags", &m.flags);
        if (rc >= 0)
            rc = tgd_str(c, "namespace", &m.ns);
        if (rc >= 0 && (rc = tgd_str(c, "name", &m.name)) == 0)
            rc = tgd_fail(c, "'%s' needs name=<method name>", c->dir);
        if (rc >= 0)
            rc = tgd_str(c, "signature", &m.signature);
        if (rc >= 0)
            rc = tgd_u16(c, "clr-instance", &m.clr_instance_id);
        if (rc >= 0)
            rc = tgd_u64(c, "rejit", UINT64_MAX, &m.rejit_id);
        if (rc >= 0)
            testgen_payload_clr_method_verbose(&pl, r.version, &m);
    } else if (rc >= 0 && k->what == 1) {
        testgen_clr_module m;
        memset(&m, 0, sizeof m);
        m.clr_instance_id = 8;
        if (rc >= 0)
            rc = tgd_u64(c, "module-id", UINT64_MAX, &m.module_id);
        if (rc >= 0)
            rc = tgd_u64(c, "assembly-id", UINT64_MAX, &m.assembly_id);
        if (rc >= 0)
            rc = tgd_u32(c, "module-flags", &m.flags);
        if (rc >= 0 && (rc = tgd_str(c, "il-path", &m.il_path)) == 0)
            rc = tgd_fail(c, "'%s' needs il-path=<path>", c->dir);
        if (rc >= 0)
            rc = tgd_str(c, "native-path", &m.native_path);
        if (rc >= 0)
            rc = tgd_u16(c, "clr-instance", &m.clr_instance_id);
        if (rc >= 0)
            rc = tgd_guid(c, "pdb-guid", &m.managed_pdb_sig);
        if (rc >= 0)
            rc = tgd_u32(c, "pdb-age", &m.managed_pdb_age);
        if (rc >= 0)
            rc = tgd_str(c, "pdb", &m.managed_pdb_path);
        if (rc >= 0)
            rc = tgd_guid(c, "native-pdb-guid", &m.native_pdb_sig);
        if (rc >= 0)
            rc = tgd_u32(c, "native-pdb-age", &m.native_pdb_age);
        if (rc >= 0)
            rc = tgd_str(c, "native-pdb", &m.native_pdb_path);
        if (rc >= 0)
            testgen_payload_clr_module(&pl, r.version, &m);
    } else if (rc >= 0) {
        uint64_t frames[D_MAX_FRAMES];
        size_t nf = 0;
        uint16_t inst = 8;
        unsigned ps = d_hdr_psize(r.header_type);
        if (rc >= 0)
            rc = tgd_u16(c, "clr-instance", &inst);
        if (rc >= 0 && (rc = tgd_list(c, "frames", frames, D_MAX_FRAMES, &nf)) == 0)
            rc = tgd_fail(c, "'%s' needs frames=<addr,addr,...>", c->dir);
        if (rc >= 0) {
            testgen_put_u16(&pl, inst);
            testgen_put_u16(&pl, 0);
            testgen_put_u32(&pl, (uint32_t)nf);
            for (size_t i = 0; i < nf; i++)
                testgen_put_ptr(&pl, ps, frames[i]);
        }
    }
    if (rc >= 0)
        rc = d_finish(c, &r, &pl, d_hdr_psize(r.header_type));
    testgen_buf_free(&pl);
    return rc < 0 ? -1 : 0;
}

/* ---- trace and buffer directives ------------------------------------------------------ */

static int d_version_pair(tgd_ctx *c, const char *key, uint8_t *major, uint8_t *minor)
{
    const char *v;
    int rc = tgd_value(c, key, &v);
    if (rc <= 0)
        return rc;
    /* Two numbers as the description's other values are read, split at '.'. */
    char major_text[32];
    const char *dot = strchr(v, '.');
    uint64_t a = 256, b = 256;
    if (dot && (size_t)(dot - v) < sizeof major_text) {
        memcpy(major_text, v, (size_t)(dot - v));
        major_text[dot - v] = '\0';
        if (tgd_parse_u64(major_text, &a) || tgd_parse_u64(dot + 1, &b))
            a = 256;
    }
    if (a > 255 || b > 255)
        return tgd_fail(c, "'%s' needs MAJOR.MINOR, not '%s'", key, v);
    *major = (uint8_t)a;
    *minor = (uint8_t)b;
    return 1;
}

static int d_trace(tgd_ctx *c)
{
    testgen_options o;
    testgen_options_init(&o);
    uint64_t u = 0;
    const char *v;
    int rc;
    TRY(rc = tgd_u64(c, "pointer", 8, &u));
    if (rc)
        o.pointer_size = (unsigned)u;
    TRY(rc = tgd_u64(c, "header", 64, &u));
    if (rc)
        o.logfile_header_bits = (unsigned)u;
    TRY(tgd_u32(c, "cpus", &o.num_cpus));
    TRY(tgd_u32(c, "buffer-size", &o.buffer_size));
    TRY(tgd_u32(c, "header-buffer-size", &o.header_buffer_size));
    TRY(rc = tgd_value(c, "clock", &v));
    if (rc) {
        if (strcmp(v, "qpc") == 0)
            o.clock_type = TESTGEN_CLOCK_QPC;
        else if (strcmp(v, "system") == 0 || strcmp(v, "systemtime") == 0)
            o.clock_type = TESTGEN_CLOCK_SYSTEM_TIME;
        else if (strcmp(v, "cycles") == 0 || strcmp(v, "cpu") == 0)
            o.clock_type = TESTGEN_CLOCK_CPU_CYCLES;
        else if (strcmp(v, "raw") == 0)
            o.clock_type = TESTGEN_CLOCK_RAW;
        else if (tgd_parse_u64(v, &u) == 0 && u <= 3)
            o.clock_type = (uint32_t)u;
        else
            return tgd_fail(c, "clock must be qpc, system, cycles, raw or 0..3, not '%s'", v);
    }
    TRY(tgd_i64(c, "freq", 0, INT64_MAX, &o.perf_freq));
    TRY(tgd_u32(c, "mhz", &o.cpu_mhz));
    TRY(tgd_time(c, "start", &o.start_time));
    TRY(tgd_time(c, "boot", &o.boot_time));
    TRY(tgd_time(c, "end", &o.end_time));
    TRY(d_version_pair(c, "os", &o.os_major, &o.os_minor));
    TRY(d_version_pair(c, "layout", &o.layout_major, &o.layout_minor));
    TRY(tgd_u32(c, "build", &o.os_build));
    TRY(tgd_str(c, "session", &o.session_name));
    TRY(tgd_str(c, "logfile", &o.logfile_name));
    TRY(tgd_u32(c, "events-lost", &o.events_lost));
    TRY(tgd_u32(c, "buffers-lost", &o.buffers_lost));
    TRY(tgd_u32(c, "mode", &o.log_file_mode));
    TRY(tgd_u32(c, "timer-resolution", &o.timer_resolution));
    TRY(tgd_u32(c, "max-file-size", &o.max_file_size));
    TRY(tgd_u32(c, "start-buffers", &o.start_buffers));
    int64_t bias = 0;
    TRY(rc = tgd_i64(c, "tz-bias", -1440, 1440, &bias));
    if (rc)
        o.tz_bias = (int32_t)bias;
    TRY(tgd_str(c, "tz-name", &o.tz_standard_name));
    TRY(tgd_str(c, "tz-daylight-name", &o.tz_daylight_name));
    TRY(tgd_ts(c, "header-ts", &o.header_timestamp));
    TRY(tgd_u32(c, "header-pid", &o.header_pid));
    TRY(tgd_u32(c, "header-tid", &o.header_tid));
    TRY(tgd_u16(c, "logger-id", &o.logger_id));
    TRY(tgd_flag(c, "proc-index", &o.proc_index));
    TRY(tgd_flag(c, "compress", &o.compress));
    TRY(tgd_flag(c, "compress-header", &o.compress_header));
    TRY(tgd_flag(c, "compressed-align8", &o.compressed_align8));
    TRY(tgd_u32(c, "compression-format", &o.compression_format));
    TRY(tgd_check_used(c));
    char why[200];
    if (testgen_options_check(&o, why, sizeof why))
        return tgd_fail(c, "%s", why);
    c->t = testgen_new(&o);
    if (!c->t)
        return tgd_fail(c, "out of memory");
    c->started = 1;
    return 0;
}

static int d_start_default(tgd_ctx *c)
{
    testgen_options o;
    testgen_options_init(&o);
    c->t = testgen_new(&o);
    if (!c->t)
        return tgd_fail(c, "out of memory");
    c->started = 1;
    return 0;
}

static int d_check_cpu(tgd_ctx *c, uint32_t cpu)
{
    const testgen_options *o = testgen_get_options(c->t);
    if (cpu >= o->num_cpus)
        return tgd_fail(c, "CPU %u out of range (trace has %u CPUs)", (unsigned)cpu,
                        (unsigned)o->num_cpus);
    return 0;
}

static int d_buffer(tgd_ctx *c)
{
    uint32_t cpu = testgen_get_cpu(c->t);
    int comp = testgen_get_options(c->t)->compress, nocomp = 0;
    TRY(tgd_u32(c, "cpu", &cpu));
    TRY(tgd_flag(c, "compress", &comp));
    TRY(tgd_flag(c, "nocompress", &nocomp));
    TRY(tgd_check_used(c));
    TRY(d_check_cpu(c, cpu));
    if (testgen_begin_buffer(c->t, cpu, comp && !nocomp))
        return tgd_fail(c, "%s", testgen_error(c->t));
    return 0;
}

static int d_cpu(tgd_ctx *c)
{
    uint64_t u;
    if (c->n != 1 || c->tok[0].has_val || tgd_parse_u64(c->tok[0].key, &u) || u > 0xFFFFFFFFu)
        return tgd_fail(c, "'cpu' takes one number: cpu 1");
    uint32_t cpu = (uint32_t)u;
    TRY(d_check_cpu(c, cpu));
    return testgen_set_cpu(c->t, cpu) ? tgd_fail(c, "%s", testgen_error(c->t)) : 0;
}

static int d_flush(tgd_ctx *c)
{
    uint32_t cpu = testgen_get_cpu(c->t);
    TRY(tgd_u32(c, "cpu", &cpu));
    TRY(tgd_check_used(c));
    TRY(d_check_cpu(c, cpu));
    return testgen_flush(c->t, cpu) ? tgd_fail(c, "%s", testgen_error(c->t)) : 0;
}

static int d_logfile_header(tgd_ctx *c)
{
    int64_t ts = testgen_get_options(c->t)->header_timestamp;
    TRY(tgd_ts(c, "ts", &ts));
    TRY(tgd_check_used(c));
    return testgen_logfile_header(c->t, ts) ? tgd_fail(c, "%s", testgen_error(c->t)) : 0;
}

static int d_raw(tgd_ctx *c)
{
    testgen_buf pl = TESTGEN_BUF_INIT;
    int rc = d_payload(c, &pl, 8);
    if (rc == 0)
        rc = tgd_check_used(c);
    if (rc == 0 && testgen_append_raw(c->t, pl.data, pl.len))
        rc = tgd_fail(c, "%s", testgen_error(c->t));
    testgen_buf_free(&pl);
    return rc;
}

/* ---- dispatch -------------------------------------------------------------------------- */

static int d_record_directive(tgd_ctx *c)
{
    const char *d = c->dir;
    int h = d_hdr_lookup(d);
    if (h >= 0)
        return d_raw_header(c, (uint8_t)h);
    if (strcmp(d, "message") == 0)
        return d_message(c);
    if (strcmp(d, "header-ext") == 0)
        return d_header_ext(c);
    if (strcmp(d, "process-start") == 0)
        return d_process(c, 1);
    if (strcmp(d, "process-end") == 0)
        return d_process(c, 2);
    if (strcmp(d, "process-dcstart") == 0)
        return d_process(c, 3);
    if (strcmp(d, "process-dcend") == 0)
        return d_process(c, 4);
    if (strcmp(d, "process-defunct") == 0)
        return d_process(c, 39);
    if (strcmp(d, "thread-start") == 0)
        return d_thread(c, 1);
    if (strcmp(d, "thread-end") == 0)
        return d_thread(c, 2);
    if (strcmp(d, "thread-dcstart") == 0)
        return d_thread(c, 3);
    if (strcmp(d, "thread-dcend") == 0)
        return d_thread(c, 4);
    /* Image loads are logged with HookId 0x030A (Process group, type 10). */
    if (strcmp(d, "image-load") == 0)
        return d_image(c, TESTGEN_GROUP_PROCESS, 10, 0);
    if (strcmp(d, "image-unload") == 0)
        return d_image(c, TESTGEN_GROUP_IMAGE, 2, 0);
    if (strcmp(d, "image-dcstart") == 0)
        return d_image(c, TESTGEN_GROUP_IMAGE, 3, 1);
    if (strcmp(d, "image-dcend") == 0)
        return d_image(c, TESTGEN_GROUP_IMAGE, 4, 1);
    if (strcmp(d, "image-id") == 0)
        return d_image_id(c, 0);
    if (strcmp(d, "dbgid-rsds") == 0)
        return d_image_id(c, 36);
    if (strcmp(d, "sample") == 0)
        return d_sample(c);
    if (strcmp(d, "stackwalk") == 0)
        return d_stackwalk(c, 32);
    if (strcmp(d, "stack-key-delete") == 0)
        return d_stackwalk(c, 35);
    if (strcmp(d, "stack-key-rundown") == 0)
        return d_stackwalk(c, 36);
    if (strcmp(d, "stack-key-kernel") == 0)
        return d_stackwalk(c, 37);
    if (strcmp(d, "stack-key-user") == 0)
        return d_stackwalk(c, 38);
    for (size_t i = 0; i < sizeof d_clr_kinds / sizeof d_clr_kinds[0]; i++)
        if (strcmp(d, d_clr_kinds[i].name) == 0)
            return d_clr(c, &d_clr_kinds[i]);
    if (strcmp(d, "raw") == 0)
        return d_raw(c);
    return tgd_fail(c, "unknown directive '%s'", d);
}

static int d_line(tgd_ctx *c, char *line)
{
    TRY(tgd_tokenize(c, line));
    if (!c->dir)
        return 0;
    if (strcmp(c->dir, "trace") == 0) {
        if (c->started)
            return tgd_fail(c, "'trace' must be the first directive and appear once");
        return d_trace(c);
    }
    if (!c->started)
        TRY(d_start_default(c));
    if (strcmp(c->dir, "buffer") == 0)
        return d_buffer(c);
    if (strcmp(c->dir, "cpu") == 0)
        return d_cpu(c);
    if (strcmp(c->dir, "flush") == 0)
        return d_flush(c);
    if (strcmp(c->dir, "logfile-header") == 0)
        return d_logfile_header(c);
    /* cpu=N on a record line applies to that record only. */
    uint32_t saved = testgen_get_cpu(c->t), cpu = saved;
    int rc = tgd_u32(c, "cpu", &cpu);
    TRY(rc);
    if (rc == 1) {
        TRY(d_check_cpu(c, cpu));
        testgen_set_cpu(c->t, cpu);
    }
    rc = d_record_directive(c);
    testgen_set_cpu(c->t, saved);
    return rc;
}

testgen_trace *testgen_desc_build(const char *text, size_t len, char *err, size_t err_cap)
{
    tgd_ctx c;
    memset(&c, 0, sizeof c);
    c.err = err;
    c.err_cap = err_cap;
    if (err && err_cap)
        err[0] = '\0';
    size_t pos = 0;
    char *line = NULL;
    size_t line_cap = 0;
    int rc = 0;
    while (pos < len && rc == 0) {
        size_t end = pos;
        while (end < len && text[end] != '\n')
            end++;
        size_t n = end - pos;
        if (n > 0 && text[end - 1] == '\r')
            n--;
        c.lineno++;
        if (n + 1 > line_cap) {
            char *p = realloc(line, n + 1);
            if (!p) {
                rc = tgd_fail(&c, "out of memory");
                break;
            }
            line = p;
            line_cap = n + 1;
        }
        memcpy(line, text + pos, n);
        line[n] = '\0';
        if (memchr(line, '\0', n))
            rc = tgd_fail(&c, "NUL byte in description");
        else
            rc = d_line(&c, line);
        pos = end + 1;
    }
    free(line);
    if (rc == 0 && !c.started) {
        c.lineno++;
        rc = d_start_default(&c);
    }
    if (rc != 0) {
        testgen_free(c.t);
        return NULL;
    }
    return c.t;
}
