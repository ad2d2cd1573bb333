/* fuzz_decode.c - the kernel, KernelTraceControl and CLR payload decoders
 * (etl-format.md §3, §4): every typed decoder, the generic field list, the
 * names, and the state stage, on one event built from the input.
 *
 * Input layout (8 header bytes, then an optional GUID, then the payload):
 *   0     bits 0-1 kind: 0 kernel, 1 classic, 2 manifest, 3 WPP message
 *         bit 2    4-byte pointers (else 8)
 *         bit 3    a 16-byte provider GUID follows the header (Windows
 *                  field order, as in a record); else byte 1 picks one
 *   1     kernel: the group (HookId high byte); else an index into the
 *         provider table below
 *   2     opcode (kernel: HookId low byte)
 *   3-4   event id (u16)
 *   5     version
 *   6-7   task (u16)
 *   [16]  provider GUID when bit 3 is set
 *   ...   payload, in a block of exactly its size
 * fuzz/make_seeds.py writes records cut from the corpus in this layout.
 */
#include "fuzz_common.h"

#include "common/bytes.h"
#include "decode/kernel_internal.h"
#include "etwcap/decode.h"
#include "etwcap/names.h"
#include "etwcap/state.h"
#include "reader/record.h"

static etwcap_fields fields;

static const etwcap_guid *provider_table(size_t i, size_t *n)
{
    static const etwcap_guid zero = {0, 0, 0, {0}};
    const etwcap_guid *t[] = {
        &etwcap_guid_clr_runtime, &etwcap_guid_clr_rundown,  &etwcap_guid_clr_private,
        &etwcap_guid_image_id,    &etwcap_kclass_eventtrace, &etwcap_kclass_process,
        &etwcap_kclass_thread,    &etwcap_kclass_perfinfo,   &etwcap_kclass_image,
        &etwcap_kclass_stackwalk, &etwcap_kclass_sysconfig,  &etwcap_kclass_metadata,
        &etwcap_kclass_diskio,    &etwcap_kclass_pagefault,  &etwcap_kclass_tcpip,
        &etwcap_kclass_udpip,     &etwcap_kclass_config,     &zero,
    };
    *n = sizeof t / sizeof t[0];
    return t[i % *n];
}

static etwcap_guid read_guid(const uint8_t *p)
{
    etwcap_guid g;
    g.data1 = etwcap_rd32(p);
    g.data2 = etwcap_rd16(p + 4);
    g.data3 = etwcap_rd16(p + 6);
    memcpy(g.data4, p + 8, 8);
    return g;
}

#define IN_PAYLOAD(ev, p, n) FUZZ_CHECK(fuzz_within((p), (n), (ev)->payload, (ev)->payload_len))

static void check_w(const etwcap_event *ev, etwcap_wspan w)
{
    char buf[64];
    IN_PAYLOAD(ev, w.p, w.bytes);
    size_t n = etwcap_wspan_to_utf8(w, buf, sizeof buf);
    FUZZ_CHECK(n < sizeof buf && strlen(buf) == n);
    n = etwcap_wspan_to_utf8(w, buf, 1);
    FUZZ_CHECK(n == 0 && buf[0] == '\0');
}

static void check_c(const etwcap_event *ev, etwcap_cspan c)
{
    char buf[64];
    IN_PAYLOAD(ev, c.p, c.len);
    size_t n = etwcap_cspan_to_utf8(c, buf, sizeof buf);
    FUZZ_CHECK(n < sizeof buf && strlen(buf) == n);
}

static void check_frames(const etwcap_event *ev, const uint8_t *f, size_t n, unsigned fsize)
{
    FUZZ_CHECK(fsize == 4 || fsize == 8 || n == 0);
    FUZZ_CHECK(n == 0 || f != NULL);
    if (n) {
        FUZZ_CHECK(n <= ev->payload_len / fsize);
        IN_PAYLOAD(ev, f, n * fsize);
        volatile uint64_t sink = etwcap_frame_at(f, fsize, 0) ^ etwcap_frame_at(f, fsize, n - 1);
        (void)sink;
    }
}

static void typed(const etwcap_event *ev)
{
    etwcap_process_info p;
    if (etwcap_decode_process(ev, &p) == ETWCAP_DECODE_OK) {
        IN_PAYLOAD(ev, p.sid, p.sid_len);
        check_c(ev, p.image_file_name);
        check_w(ev, p.command_line);
        check_w(ev, p.package_full_name);
        check_w(ev, p.application_id);
    }
    etwcap_thread_info t;
    (void)etwcap_decode_thread(ev, &t);
    etwcap_image_info im;
    if (etwcap_decode_image(ev, &im) == ETWCAP_DECODE_OK)
        check_w(ev, im.file_name);
    etwcap_image_id_info id;
    if (etwcap_decode_image_id(ev, &id) == ETWCAP_DECODE_OK) {
        check_c(ev, id.pdb_name);
        check_w(ev, id.original_file_name);
    }
    etwcap_stackwalk_info sw;
    if (etwcap_decode_stackwalk(ev, &sw) == ETWCAP_DECODE_OK)
        check_frames(ev, sw.frames, sw.nframes, sw.frame_size);
    etwcap_stack_key_def_info kd;
    if (etwcap_decode_stack_key_def(ev, &kd) == ETWCAP_DECODE_OK)
        check_frames(ev, kd.frames, kd.nframes, kd.frame_size);
    etwcap_stack_key_ref_info kr;
    (void)etwcap_decode_stack_key_ref(ev, &kr);
    etwcap_sample_info s;
    (void)etwcap_decode_sample(ev, &s);
    etwcap_clr_method_info m;
    if (etwcap_decode_clr_method(ev, &m) == ETWCAP_DECODE_OK) {
        check_w(ev, m.method_namespace);
        check_w(ev, m.method_name);
        check_w(ev, m.method_signature);
    }
    etwcap_clr_module_info mod;
    if (etwcap_decode_clr_module(ev, &mod) == ETWCAP_DECODE_OK) {
        check_w(ev, mod.il_path);
        check_w(ev, mod.native_path);
        check_w(ev, mod.managed_pdb_path);
        check_w(ev, mod.native_pdb_path);
    }
    etwcap_clr_stack_info cs;
    if (etwcap_decode_clr_stack(ev, &cs) == ETWCAP_DECODE_OK)
        check_frames(ev, cs.frames, cs.nframes, cs.frame_size);
    etwcap_clr_r2r_info r2r;
    if (etwcap_decode_clr_r2r(ev, &r2r) == ETWCAP_DECODE_OK) {
        check_w(ev, r2r.method_namespace);
        check_w(ev, r2r.method_name);
        check_w(ev, r2r.method_signature);
    }
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

/* The state stage on this one event, then its lookups. */
static void state(const etwcap_event *ev)
{
    etwcap_state *st = NULL;
    FUZZ_CHECK(etwcap_state_create(&st) == ETWCAP_OK);
    (void)etwcap_state_update(st, ev);
    uint32_t pid = etwcap_state_event_pid(st, ev);
    size_t proc = etwcap_state_find_process(st, pid, ev->timestamp);
    size_t np = etwcap_state_process_count(st);
    for (size_t i = 0; i < np; i++) {
        const etwcap_process *p = etwcap_state_process_at(st, i);
        FUZZ_CHECK(p != NULL);
        for (size_t k = 0; k < p->nmodules; k++) {
            const etwcap_module *m = &p->modules[k];
            volatile size_t len = (m->path ? strlen(m->path) : 0) +
                                  (m->nt_path ? strlen(m->nt_path) : 0) +
                                  (m->pdb_name ? strlen(m->pdb_name) : 0);
            (void)len;
            (void)etwcap_state_module_at(st, i, m->base, m->load_time);
        }
        for (size_t k = 0; k < p->nmethods; k++)
            (void)etwcap_state_method_at(st, i, p->methods[k].start, p->methods[k].load_time);
    }
    if (proc != SIZE_MAX) {
        (void)etwcap_state_module_at(st, proc, 0x7ff600001000ull, ev->timestamp);
        (void)etwcap_state_method_at(st, proc, 0x7ff600001000ull, ev->timestamp);
    }
    char path[300];
    size_t n =
        etwcap_state_map_path(st, "\\Device\\HarddiskVolume2\\Windows\\x.dll", path, sizeof path);
    FUZZ_CHECK(n < sizeof path && strlen(path) == n);
    etwcap_state_free(st);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_src in;
    fuzz_src_init(&in, data, size);
    uint8_t mode = fuzz_u8(&in), sel = fuzz_u8(&in), opcode = fuzz_u8(&in);
    uint16_t id = fuzz_u16(&in);
    uint8_t version = fuzz_u8(&in);
    uint16_t task = fuzz_u16(&in);
    int p4 = (mode & 4) != 0;

    etwcap_event ev;
    memset(&ev, 0, sizeof ev);
    ev.struct_version = ETWCAP_EVENT_VERSION;
    ev.pointer_size = p4 ? 4 : 8;
    ev.opcode = opcode;
    ev.version = version;
    ev.task = task;
    ev.pid = 0x1234;
    ev.tid = 0x5678;
    ev.cpu = 1;
    ev.timestamp = 1000000;
    ev.filetime = 133000000000000000LL;
    size_t ntab;
    switch (mode & 3) {
    case 0:
        ev.kind = ETWCAP_KIND_KERNEL;
        ev.header_type = p4 ? ETWCAP_HDR_SYSTEM32 : ETWCAP_HDR_SYSTEM64;
        ev.hook_id = (uint16_t)(sel << 8 | opcode);
        /* As the reader does: HookId 0x030A is an image load (§2.2). */
        etwcap_kernel_group_guid(ev.hook_id == 0x030A ? 0x14 : sel, &ev.provider);
        break;
    case 1:
        ev.kind = ETWCAP_KIND_CLASSIC;
        ev.header_type = p4 ? ETWCAP_HDR_FULL32 : ETWCAP_HDR_FULL64;
        ev.provider = *provider_table(sel, &ntab);
        break;
    case 2:
        ev.kind = ETWCAP_KIND_MANIFEST;
        ev.header_type = p4 ? ETWCAP_HDR_EVENT32 : ETWCAP_HDR_EVENT64;
        ev.provider = *provider_table(sel, &ntab);
        ev.id = id;
        break;
    default:
        ev.kind = ETWCAP_KIND_MESSAGE;
        ev.header_type = ETWCAP_HDR_MESSAGE;
        ev.message_number = id;
        ev.id = id;
        break;
    }
    if (mode & 8) {
        size_t got;
        const uint8_t *g = fuzz_bytes(&in, 16, &got);
        uint8_t gb[16] = {0};
        memcpy(gb, g, got);
        ev.provider = read_guid(gb);
    }
    size_t plen;
    const uint8_t *p = fuzz_bytes(&in, fuzz_left(&in), &plen);
    if (plen > 0xFFFF)
        plen = 0xFFFF; /* a record is at most 64 KiB */
    uint8_t *payload = fuzz_dup(p, plen);
    ev.payload = payload;
    ev.payload_len = (uint32_t)plen;

    (void)etwcap_event_classify(&ev);
    typed(&ev);
    (void)etwcap_event_is_idle_sample(&ev);
    etwcap_decode_fields(&ev, &fields);
    check_fields(&fields);
    char name[512];
    size_t n = etwcap_event_name(&ev, name, sizeof name);
    FUZZ_CHECK(n < sizeof name && strlen(name) == n);
    n = etwcap_provider_name(&ev, name, sizeof name);
    FUZZ_CHECK(n < sizeof name && strlen(name) == n);
    (void)etwcap_event_name_varies(&ev);
    state(&ev);

    free(payload);
    return 0;
}
