/* testgen_payload.c - what the writer's events contain: payloads of the
 * kernel and CLR events it knows (etl-format.md §3, §4) and the data of
 * extended items (§2.7), built with the testgen_put_* helpers (testgen.h).
 * testgen.c lays records out in buffers; this file fills them. */
#include "testgen.h"

/* ---- payload helpers ---------------------------------------------------------- */

static int tg_psize_ok(testgen_buf *b, unsigned psize)
{
    if (psize == 4 || psize == 8)
        return 1;
    b->failed = 1;
    return 0;
}

int testgen_payload_process(testgen_buf *b, unsigned psize, unsigned version,
                            const testgen_process *p)
{
    if (!tg_psize_ok(b, psize) || version < 3 || version > 4) {
        b->failed = 1;
        return -1;
    }
    testgen_put_ptr(b, psize, p->unique_key);
    testgen_put_u32(b, p->pid);
    testgen_put_u32(b, p->ppid);
    testgen_put_u32(b, p->session_id);
    testgen_put_u32(b, (uint32_t)p->exit_status);
    testgen_put_ptr(b, psize, p->directory_table_base);
    if (version >= 4)
        testgen_put_u32(b, p->flags);
    const char *sid = p->sid ? p->sid : "S-1-5-18";
    if (!*sid) {
        testgen_put_u32(b, 0);
    } else {
        /* TOKEN_USER: SID pointer, Attributes, padding to 2 * psize. */
        testgen_put_ptr(b, psize, psize == 8 ? 0xFFFFC08A1B2C3D40ull : 0x8A1B2C40u);
        testgen_put_u32(b, 0);
        if (psize == 8)
            testgen_put_u32(b, 0);
        if (testgen_put_sid(b, sid))
            return -1;
    }
    testgen_put_cstr(b, p->image_name);
    testgen_put_wstr(b, p->command_line);
    if (version >= 4) {
        testgen_put_wstr(b, p->package_full_name);
        testgen_put_wstr(b, p->application_id);
    }
    return b->failed ? -1 : 0;
}

int testgen_payload_thread(testgen_buf *b, unsigned psize, unsigned version,
                           const testgen_thread *th)
{
    if (!tg_psize_ok(b, psize) || version < 2 || version > 4) {
        b->failed = 1;
        return -1;
    }
    testgen_put_u32(b, th->pid);
    testgen_put_u32(b, th->tid);
    testgen_put_ptr(b, psize, th->stack_base);
    testgen_put_ptr(b, psize, th->stack_limit);
    testgen_put_ptr(b, psize, th->user_stack_base);
    testgen_put_ptr(b, psize, th->user_stack_limit);
    testgen_put_ptr(b, psize, th->start_addr);
    testgen_put_ptr(b, psize, th->win32_start_addr);
    testgen_put_ptr(b, psize, th->teb_base);
    testgen_put_u32(b, th->sub_process_tag);
    if (version >= 3) {
        testgen_put_u8(b, th->base_priority);
        testgen_put_u8(b, th->page_priority);
        testgen_put_u8(b, th->io_priority);
        testgen_put_u8(b, th->thread_flags);
        if (th->name)
            testgen_put_wstr(b, th->name);
    }
    return b->failed ? -1 : 0;
}

int testgen_payload_image(testgen_buf *b, unsigned psize, const testgen_image *img)
{
    if (!tg_psize_ok(b, psize))
        return -1;
    testgen_put_ptr(b, psize, img->base);
    testgen_put_ptr(b, psize, img->size);
    testgen_put_u32(b, img->pid);
    testgen_put_u32(b, img->checksum);
    testgen_put_u32(b, img->time_date_stamp);
    testgen_put_u8(b, img->signature_level);
    testgen_put_u8(b, img->signature_type);
    testgen_put_u16(b, 0);
    testgen_put_ptr(b, psize, img->default_base);
    testgen_put_zeros(b, 16);
    testgen_put_wstr(b, img->file_name);
    return b->failed ? -1 : 0;
}

int testgen_payload_sample(testgen_buf *b, unsigned psize, uint64_t ip, uint32_t tid,
                           uint16_t count, uint8_t flags, uint8_t rank)
{
    if (!tg_psize_ok(b, psize))
        return -1;
    testgen_put_ptr(b, psize, ip);
    testgen_put_u32(b, tid);
    testgen_put_u16(b, count);
    testgen_put_u8(b, flags);
    testgen_put_u8(b, rank);
    return b->failed ? -1 : 0;
}

int testgen_payload_stackwalk(testgen_buf *b, unsigned psize, int64_t event_ts, uint32_t pid,
                              uint32_t tid, const uint64_t *frames, size_t n)
{
    if (!tg_psize_ok(b, psize))
        return -1;
    testgen_put_u64(b, (uint64_t)event_ts);
    testgen_put_u32(b, pid);
    testgen_put_u32(b, tid);
    for (size_t i = 0; i < n; i++)
        testgen_put_ptr(b, psize, frames[i]);
    return b->failed ? -1 : 0;
}

int testgen_payload_stack_key_ref(testgen_buf *b, unsigned psize, int64_t event_ts, uint32_t pid,
                                  uint32_t tid, uint64_t key)
{
    if (!tg_psize_ok(b, psize))
        return -1;
    testgen_put_u64(b, (uint64_t)event_ts);
    testgen_put_u32(b, pid);
    testgen_put_u32(b, tid);
    testgen_put_ptr(b, psize, key);
    return b->failed ? -1 : 0;
}

int testgen_payload_stack_key_def(testgen_buf *b, unsigned psize, uint64_t key,
                                  const uint64_t *frames, size_t n)
{
    if (!tg_psize_ok(b, psize))
        return -1;
    testgen_put_ptr(b, psize, key);
    for (size_t i = 0; i < n; i++)
        testgen_put_ptr(b, psize, frames[i]);
    return b->failed ? -1 : 0;
}

int testgen_payload_header_ext(testgen_buf *b, const uint32_t masks[8],
                               uint32_t kernel_event_version)
{
    for (int i = 0; i < 8; i++)
        testgen_put_u32(b, masks ? masks[i] : 0);
    testgen_put_u32(b, kernel_event_version);
    return b->failed ? -1 : 0;
}

int testgen_payload_image_id(testgen_buf *b, unsigned psize, uint64_t base, uint64_t size,
                             uint32_t pid, uint32_t time_date_stamp, const char *orig_name)
{
    if (!tg_psize_ok(b, psize))
        return -1;
    testgen_put_ptr(b, psize, base);
    testgen_put_ptr(b, psize, size);
    testgen_put_u32(b, pid);
    testgen_put_u32(b, time_date_stamp);
    testgen_put_wstr(b, orig_name);
    return b->failed ? -1 : 0;
}

int testgen_payload_dbgid_rsds(testgen_buf *b, unsigned psize, uint64_t base, uint32_t pid,
                               const etwcap_guid *sig, uint32_t age, const char *pdb_name)
{
    if (!tg_psize_ok(b, psize))
        return -1;
    testgen_put_ptr(b, psize, base);
    testgen_put_u32(b, pid);
    testgen_put_guid(b, sig);
    testgen_put_u32(b, age);
    testgen_put_cstr(b, pdb_name);
    return b->failed ? -1 : 0;
}

int testgen_payload_clr_method_verbose(testgen_buf *b, unsigned version,
                                       const testgen_clr_method *m)
{
    if (version > 2) {
        b->failed = 1;
        return -1;
    }
    testgen_put_u64(b, m->method_id);
    testgen_put_u64(b, m->module_id);
    testgen_put_u64(b, m->start);
    testgen_put_u32(b, m->size);
    testgen_put_u32(b, m->token);
    testgen_put_u32(b, m->flags);
    testgen_put_wstr(b, m->ns);
    testgen_put_wstr(b, m->name);
    testgen_put_wstr(b, m->signature);
    if (version >= 1)
        testgen_put_u16(b, m->clr_instance_id);
    if (version >= 2)
        testgen_put_u64(b, m->rejit_id);
    return b->failed ? -1 : 0;
}

int testgen_payload_clr_module(testgen_buf *b, unsigned version, const testgen_clr_module *m)
{
    if (version > 2) {
        b->failed = 1;
        return -1;
    }
    testgen_put_u64(b, m->module_id);
    testgen_put_u64(b, m->assembly_id);
    testgen_put_u32(b, m->flags);
    testgen_put_u32(b, m->reserved1);
    testgen_put_wstr(b, m->il_path);
    testgen_put_wstr(b, m->native_path);
    if (version >= 1)
        testgen_put_u16(b, m->clr_instance_id);
    if (version >= 2) {
        testgen_put_guid(b, &m->managed_pdb_sig);
        testgen_put_u32(b, m->managed_pdb_age);
        testgen_put_wstr(b, m->managed_pdb_path);
        testgen_put_guid(b, &m->native_pdb_sig);
        testgen_put_u32(b, m->native_pdb_age);
        testgen_put_wstr(b, m->native_pdb_path);
    }
    return b->failed ? -1 : 0;
}

/* ---- extended item data --------------------------------------------------------- */

int testgen_ext_stack(testgen_buf *b, unsigned psize, uint64_t match_id, const uint64_t *frames,
                      size_t n)
{
    if (!tg_psize_ok(b, psize))
        return -1;
    testgen_put_u64(b, match_id);
    for (size_t i = 0; i < n; i++)
        testgen_put_ptr(b, psize, frames[i]);
    return b->failed ? -1 : 0;
}

int testgen_ext_stack_key(testgen_buf *b, unsigned psize, uint64_t match_id, uint64_t key)
{
    if (!tg_psize_ok(b, psize))
        return -1;
    testgen_put_u64(b, match_id);
    if (psize == 8) {
        testgen_put_u64(b, key);
    } else {
        testgen_put_u32(b, (uint32_t)key);
        testgen_put_u32(b, 0);
    }
    return b->failed ? -1 : 0;
}

int testgen_ext_container_id(testgen_buf *b, const etwcap_guid *g, int upper)
{
    char s[37];
    testgen_guid_format(g, s, upper);
    testgen_put_bytes(b, s, 36);
    return b->failed ? -1 : 0;
}
