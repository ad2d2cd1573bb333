/* testgen_read.c - see testgen_read.h. */
#include "testgen_read.h"

#include <stdlib.h>
#include <string.h>

#include "common/bytes.h"
#include "testutil.h"

static const etwcap_guid G_EVENTTRACE = TESTGEN_GUID_EVENTTRACE;
static const etwcap_guid G_ZERO = {0, 0, 0, {0, 0, 0, 0, 0, 0, 0, 0}};

void tgr_assert_guid(const etwcap_guid *a, const etwcap_guid *b)
{
    char sa[37], sb[37];
    testgen_guid_format(a, sa, 0);
    testgen_guid_format(b, sb, 0);
    assert_string_equal(sa, sb);
}

void tgr_open(testgen_trace *t, tgr_image *im, int no_merge)
{
    assert_int_equal(testgen_write_mem(t, &im->data, &im->len), 0);
    etwcap_reader_options o = ETWCAP_READER_OPTIONS_INIT;
    o.no_merge = no_merge;
    etwcap_diag d;
    memset(&d, 0, sizeof d);
    etwcap_status st = etwcap_reader_open_memory(&im->r, im->data, im->len, "testgen", &o, &d);
    if (st != ETWCAP_OK)
        fail_msg("reader_open_memory failed: %s", d.message);
}

void tgr_close_allowing(tgr_image *im, const char *allowed)
{
    if (im->r) {
        size_t n = etwcap_reader_diag_count(im->r);
        for (size_t i = 0; i < n; i++) {
            const char *m = etwcap_reader_diag_get(im->r, i)->message;
            print_message("reader diagnostic: %s\n", m);
            if (!allowed || !strstr(m, allowed))
                fail_msg("unexpected reader diagnostic: %s", m);
        }
    }
    etwcap_reader_close(im->r);
    free(im->data);
    im->r = NULL;
    im->data = NULL;
}

void tgr_close(tgr_image *im)
{
    tgr_close_allowing(im, NULL);
}

void tgr_next_ok(tgr_image *im, etwcap_event *ev)
{
    etwcap_status st = etwcap_reader_next(im->r, ev);
    if (st != ETWCAP_OK)
        fail_msg("expected an event, reader said %d", (int)st);
}

void tgr_expect_end(tgr_image *im)
{
    etwcap_event ev;
    assert_int_equal(etwcap_reader_next(im->r, &ev), ETWCAP_END);
}

void tgr_check_event(testgen_trace *t, const etwcap_event *ev, const tgr_expect *x)
{
    assert_int_equal(ev->struct_version, ETWCAP_EVENT_VERSION);
    assert_int_equal(ev->kind, x->kind);
    assert_int_equal(ev->header_type, x->header_type);
    assert_int_equal(ev->pointer_size, x->pointer_size);
    tgr_assert_guid(&ev->provider, x->provider);
    assert_int_equal(ev->id, x->id);
    assert_int_equal(ev->version, x->version);
    assert_int_equal(ev->channel, x->channel);
    assert_int_equal(ev->level, x->level);
    assert_int_equal(ev->opcode, x->opcode);
    assert_int_equal(ev->task, x->task);
    assert_int_equal(ev->keyword, x->keyword);
    assert_int_equal(ev->hook_id, x->hook_id);
    assert_int_equal(ev->flags, x->flags);
    assert_int_equal(ev->event_property, x->event_property);
    assert_int_equal(ev->pid, x->pid);
    assert_int_equal(ev->tid, x->tid);
    assert_int_equal(ev->cpu, x->cpu);
    assert_int_equal(ev->kernel_time, x->kernel_time);
    assert_int_equal(ev->user_time, x->user_time);
    tgr_assert_guid(&ev->activity_id, x->activity ? x->activity : &G_ZERO);
    assert_int_equal(ev->timestamp, x->timestamp);
    assert_int_equal(ev->filetime, testgen_to_filetime(t, x->timestamp));
    assert_int_equal(ev->payload_len, x->payload_len);
    if (x->payload_len)
        assert_memory_equal(ev->payload, x->payload, x->payload_len);
    assert_int_equal(ev->ext_count, x->ext_count);
}

void tgr_check_header_event(testgen_trace *t, const etwcap_event *ev, unsigned bits)
{
    const testgen_options *o = testgen_get_options(t);
    assert_int_equal(ev->kind, ETWCAP_KIND_KERNEL);
    assert_int_equal(ev->header_type, bits == 64 ? ETWCAP_HDR_SYSTEM64 : ETWCAP_HDR_SYSTEM32);
    assert_int_equal(ev->pointer_size, bits / 8);
    tgr_assert_guid(&ev->provider, &G_EVENTTRACE);
    assert_int_equal(ev->opcode, 0);
    assert_int_equal(ev->version, 2);
    assert_int_equal(ev->hook_id, 0);
    assert_int_equal(ev->pid, o->header_pid);
    assert_int_equal(ev->tid, o->header_tid);
    assert_int_equal(ev->cpu, 0);
    assert_int_equal(ev->timestamp, o->header_timestamp);
    assert_int_equal(ev->filetime, o->start_time);
    assert_true(ev->payload_len >= (bits == 64 ? 0x118u : 0x110u) + 4);
    assert_int_equal(etwcap_rd32(ev->payload), o->buffer_size);
    assert_int_equal(etwcap_rd32(ev->payload + 0x2C), o->pointer_size);
}
