/* fuzz_etl.c - the whole .etl reader on an in-memory file: buffer scan,
 * per-CPU merge, LZ77 buffers, every record header type and the extended
 * data items (etl-format.md §1, §2), then for every event the field
 * decoders, the names, the state stage and the stack assembler.
 *
 * Input: the file itself. Bit 0 of byte 0x0C (the first buffer header's
 * ReferenceCount, which the reader ignores) selects file order
 * (no_merge) instead of the time-ordered merge, so both walks are fuzzed;
 * in file order, bit 1 selects lazy_scan (buffers found while reading) and
 * bit 2 a visit on two threads (etwcap_reader_visit) instead of the iterator.
 */
#include "fuzz_common.h"

#include "etwcap/decode.h"
#include "etwcap/names.h"
#include "etwcap/reader.h"
#include "etwcap/stack.h"
#include "etwcap/state.h"

static etwcap_fields fields; /* 20 KiB: kept off the stack (the iterator's) */

static void on_stacked(const etwcap_stacked *s, void *payload)
{
    uint64_t *sum = payload;
    FUZZ_CHECK(s->nframes == 0 || s->frames != NULL);
    for (size_t i = 0; i < s->nframes; i++)
        *sum += s->frames[i];
}

static void check_fields(const etwcap_fields *fl)
{
    FUZZ_CHECK(fl->n <= ETWCAP_MAX_FIELDS);
    FUZZ_CHECK(fl->text_used <= sizeof fl->text);
    for (size_t i = 0; i < fl->n; i++) {
        FUZZ_CHECK(fl->f[i].name != NULL);
        if (fl->f[i].type == ETWCAP_FIELD_STR) {
            const char *s = fl->f[i].s;
            FUZZ_CHECK(s >= fl->text && s < fl->text + sizeof fl->text);
            FUZZ_CHECK(memchr(s, 0, (size_t)(fl->text + sizeof fl->text - s)) != NULL);
        }
    }
}

static void check_event(const etwcap_event *ev, etwcap_fields *fl)
{
    char name[512], prov[256];
    FUZZ_CHECK(ev->struct_version == ETWCAP_EVENT_VERSION);
    FUZZ_CHECK(ev->pointer_size == 4 || ev->pointer_size == 8);
    FUZZ_CHECK(ev->payload_len <= 0xFFFF); /* one record is at most 64 KiB (§1.6) */
    FUZZ_CHECK(ev->payload_len == 0 || ev->payload != NULL);
    FUZZ_CHECK(ev->ext_count <= ETWCAP_MAX_EXT_ITEMS);
    volatile uint8_t sink = 0;
    if (ev->payload_len)
        sink ^= ev->payload[0] ^ ev->payload[ev->payload_len - 1];
    for (size_t i = 0; i < ev->ext_count; i++)
        if (ev->ext[i].size)
            sink ^= ev->ext[i].data[0] ^ ev->ext[i].data[ev->ext[i].size - 1];
    (void)sink;
    if (ev->x.stack)
        FUZZ_CHECK(ev->x.stack >= ev->ext && ev->x.stack < ev->ext + ev->ext_count);
    if (ev->x.stack_key)
        FUZZ_CHECK(ev->x.stack_key >= ev->ext && ev->x.stack_key < ev->ext + ev->ext_count);
    if (ev->x.has_container_id)
        FUZZ_CHECK(strlen(ev->x.container_id) == 36);

    size_t n = etwcap_event_name(ev, name, sizeof name);
    FUZZ_CHECK(n < sizeof name && strlen(name) == n);
    n = etwcap_provider_name(ev, prov, sizeof prov);
    FUZZ_CHECK(n < sizeof prov && strlen(prov) == n);
    (void)etwcap_event_name_varies(ev);
    (void)etwcap_event_is_idle_sample(ev);

    etwcap_decode_fields(ev, fl);
    check_fields(fl);
}

/* One thread of a visit. */
typedef struct visit_ctx {
    etwcap_fields *fields;
    uint64_t events;
} visit_ctx;

static etwcap_status visit_event(void *p, const etwcap_event *ev)
{
    visit_ctx *c = p;
    c->events++;
    check_event(ev, c->fields);
    return ETWCAP_OK;
}

/* Every event through etwcap_reader_visit on two threads; the counters must
 * agree with what the threads saw. */
static void visit(etwcap_reader *r)
{
    visit_ctx c[2] = {{malloc(sizeof(etwcap_fields)), 0}, {malloc(sizeof(etwcap_fields)), 0}};
    FUZZ_CHECK(c[0].fields && c[1].fields);
    void *ctxs[2] = {&c[0], &c[1]};
    etwcap_status s = etwcap_reader_visit(r, visit_event, ctxs, 2);
    FUZZ_CHECK(s == ETWCAP_OK || s < 0);
    FUZZ_CHECK(etwcap_reader_stats_get(r)->records == c[0].events + c[1].events);
    free(c[0].fields);
    free(c[1].fields);
}

static void walk(const uint8_t *data, size_t size, int no_merge, int lazy_scan, int visiting)
{
    etwcap_reader_options o = ETWCAP_READER_OPTIONS_INIT;
    o.no_merge = no_merge;
    o.lazy_scan = lazy_scan;
    o.threads = visiting ? 2 : 1;
    etwcap_reader *r = NULL;
    etwcap_diag d;
    if (etwcap_reader_open_memory(&r, data, size, "fuzz.etl", &o, &d) != ETWCAP_OK) {
        FUZZ_CHECK(r == NULL);
        return;
    }
    const etwcap_logfile_info *info = etwcap_reader_info(r);
    if (info) {
        char when[32];
        etwcap_filetime_format(info->start_time, when);
        (void)etwcap_logfile_msec(info, info->header_timestamp);
    }

    if (visiting) {
        visit(r);
        etwcap_reader_close(r);
        return;
    }

    etwcap_state *st = NULL;
    etwcap_stack_asm *sa = NULL;
    uint64_t sum = 0;
    FUZZ_CHECK(etwcap_state_create(&st) == ETWCAP_OK);
    FUZZ_CHECK(etwcap_stack_asm_create(&sa, on_stacked, &sum) == ETWCAP_OK);

    etwcap_event ev;
    etwcap_status s;
    uint64_t events = 0;
    while ((s = etwcap_reader_next(r, &ev)) == ETWCAP_OK) {
        events++;
        check_event(&ev, &fields);
        if (info) {
            char when[32];
            etwcap_filetime_format(ev.filetime, when);
            (void)etwcap_logfile_msec(info, ev.timestamp);
        }
        (void)etwcap_state_update(st, &ev);
        uint32_t pid = etwcap_state_event_pid(st, &ev);
        (void)etwcap_state_event_tid(&ev);
        size_t proc = etwcap_state_find_process(st, pid, ev.timestamp);
        (void)etwcap_stack_asm_update(sa, &ev, pid, proc);
    }
    FUZZ_CHECK(s == ETWCAP_END || s < 0);
    (void)etwcap_stack_asm_finish(sa);

    const etwcap_reader_stats *stats = etwcap_reader_stats_get(r);
    FUZZ_CHECK(stats->records == events);
    FUZZ_CHECK(stats->bytes <= size);
    size_t nd = etwcap_reader_diag_count(r);
    for (size_t i = 0; i < nd && i < ETWCAP_READER_MAX_DIAGS; i++) {
        const etwcap_diag *dg = etwcap_reader_diag_get(r, i);
        FUZZ_CHECK(dg != NULL && memchr(dg->message, 0, sizeof dg->message) != NULL);
    }

    etwcap_stack_asm_free(sa);
    etwcap_state_free(st);
    etwcap_reader_close(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const unsigned sel = size > 0x0C ? data[0x0C] : 0;
    walk(data, size, sel & 1, (sel & 2) != 0, (sel & 5) == 5);
    return 0;
}
