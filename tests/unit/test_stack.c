/* test_stack.c - stack assembly on traces written by the test-trace writer:
 * StackWalk after its sample, kernel-only stacks joined with the later user
 * part, and reused stack keys resolved to the first definition at or after
 * each reference (etl-format.md §3.6). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "etwcap/reader.h"
#include "etwcap/stack.h"
#include "etwcap/state.h"
#include "testgen.h"

#define K(x) (0xFFFFF80000000000ull + (x)) /* kernel address */
#define U(x) (0x0000000000400000ull + (x)) /* user address */

typedef struct got {
    int n;
    uint32_t tid[16];
    int64_t ts[16];
    size_t nframes[16];
    uint64_t frames[16][16];
    int unresolved[16];
} got;

static void collect(const etwcap_stacked *s, void *payload)
{
    got *g = payload;
    if (!s->is_sample || g->n == 16)
        return;
    g->tid[g->n] = s->tid;
    g->ts[g->n] = s->timestamp;
    g->nframes[g->n] = s->nframes;
    for (size_t i = 0; i < s->nframes && i < 16; i++)
        g->frames[g->n][i] = s->frames[i];
    g->unresolved[g->n] = s->unresolved_key;
    g->n++;
}

static testgen_trace *new_trace(void)
{
    testgen_options o;
    testgen_options_init(&o);
    o.num_cpus = 1;
    testgen_trace *t = testgen_new(&o);
    assert_non_null(t);
    return t;
}

static void sample(testgen_trace *t, int64_t ts, uint32_t tid, uint64_t ip)
{
    testgen_buf b = TESTGEN_BUF_INIT;
    assert_int_equal(testgen_payload_sample(&b, 8, ip, tid, 1, 0, 0), 0);
    assert_int_equal(testgen_perfinfo(t, ETWCAP_HDR_PERFINFO64, 0x0F, 46, 2, ts, b.data, b.len), 0);
    testgen_buf_free(&b);
}

static void stackwalk(testgen_trace *t, int64_t ts, int64_t event_ts, uint32_t tid,
                      const uint64_t *frames, size_t n)
{
    testgen_buf b = TESTGEN_BUF_INIT;
    assert_int_equal(testgen_payload_stackwalk(&b, 8, event_ts, 100, tid, frames, n), 0);
    assert_int_equal(testgen_perfinfo(t, ETWCAP_HDR_PERFINFO64, 0x18, 32, 2, ts, b.data, b.len), 0);
    testgen_buf_free(&b);
}

static void key_ref(testgen_trace *t, int64_t ts, int64_t event_ts, uint32_t tid, uint64_t key,
                    int user)
{
    testgen_buf b = TESTGEN_BUF_INIT;
    assert_int_equal(testgen_payload_stack_key_ref(&b, 8, event_ts, 100, tid, key), 0);
    assert_int_equal(
        testgen_perfinfo(t, ETWCAP_HDR_PERFINFO64, 0x18, user ? 38 : 37, 2, ts, b.data, b.len), 0);
    testgen_buf_free(&b);
}

static void key_def(testgen_trace *t, int64_t ts, uint64_t key, const uint64_t *frames, size_t n)
{
    testgen_buf b = TESTGEN_BUF_INIT;
    assert_int_equal(testgen_payload_stack_key_def(&b, 8, key, frames, n), 0);
    assert_int_equal(testgen_perfinfo(t, ETWCAP_HDR_PERFINFO64, 0x18, 35, 2, ts, b.data, b.len), 0);
    testgen_buf_free(&b);
}

/* Read the trace back through reader -> state -> stack assembly. */
static void run(testgen_trace *t, got *g, etwcap_stack_stats *stats)
{
    uint8_t *data = NULL;
    size_t len = 0;
    assert_int_equal(testgen_write_mem(t, &data, &len), 0);
    etwcap_reader *r = NULL;
    assert_int_equal(etwcap_reader_open_memory(&r, data, len, "stack", NULL, NULL), ETWCAP_OK);
    etwcap_state *st = NULL;
    etwcap_stack_asm *sa = NULL;
    assert_int_equal(etwcap_state_create(&st), ETWCAP_OK);
    assert_int_equal(etwcap_stack_asm_create(&sa, collect, g), ETWCAP_OK);
    etwcap_event ev;
    while (etwcap_reader_next(r, &ev) == ETWCAP_OK) {
        assert_int_equal(etwcap_state_update(st, &ev), ETWCAP_OK);
        uint32_t pid = etwcap_state_event_pid(st, &ev);
        assert_int_equal(etwcap_stack_asm_update(sa, &ev, pid, SIZE_MAX), ETWCAP_OK);
    }
    assert_int_equal(etwcap_stack_asm_finish(sa), ETWCAP_OK);
    *stats = *etwcap_stack_asm_stats(sa);
    assert_int_equal(etwcap_reader_diag_count(r), 0);
    etwcap_stack_asm_free(sa);
    etwcap_state_free(st);
    etwcap_reader_close(r);
    free(data);
}

static void test_full_stackwalk(void **state)
{
    (void)state;
    testgen_trace *t = new_trace();
    const uint64_t f[3] = {U(0x10), U(0x20), U(0x30)};
    sample(t, 1000, 7, U(0x10));
    stackwalk(t, 1001, 1000, 7, f, 3);
    sample(t, 2000, 7, U(0x99)); /* no StackWalk: handed over without a stack */
    got g = {0};
    etwcap_stack_stats s;
    run(t, &g, &s);
    testgen_free(t);
    assert_int_equal(g.n, 2);
    assert_int_equal(g.ts[0], 1000);
    assert_int_equal(g.nframes[0], 3);
    assert_memory_equal(g.frames[0], f, sizeof f);
    assert_int_equal(g.nframes[1], 0);
    assert_int_equal(s.samples, 2);
    assert_int_equal(s.samples_with_stack, 1);
}

/* Two kernel-only stacks on thread 7; the next user fragment on that thread
 * completes both. Thread 8's sample is not touched by it. */
static void test_kernel_user_join(void **state)
{
    (void)state;
    testgen_trace *t = new_trace();
    const uint64_t k1[2] = {K(0x1), K(0x2)}, k2[1] = {K(0x3)}, k8[1] = {K(0x8)};
    const uint64_t u[2] = {U(0x40), U(0x50)};
    sample(t, 100, 7, K(0x1));
    stackwalk(t, 101, 100, 7, k1, 2);
    sample(t, 200, 8, K(0x8));
    stackwalk(t, 201, 200, 8, k8, 1);
    sample(t, 300, 7, K(0x3));
    stackwalk(t, 301, 300, 7, k2, 1);
    stackwalk(t, 400, 399, 7, u, 2); /* user part, its own timestamp */
    got g = {0};
    etwcap_stack_stats s;
    run(t, &g, &s);
    testgen_free(t);
    assert_int_equal(g.n, 3);
    /* The two of thread 7 come first (completed by the user part), then
     * thread 8's at the end of input, still kernel-only. */
    int seen7 = 0;
    for (int i = 0; i < g.n; i++) {
        if (g.tid[i] == 7) {
            seen7++;
            size_t nk = g.ts[i] == 100 ? 2 : 1;
            assert_int_equal(g.nframes[i], nk + 2);
            assert_int_equal(g.frames[i][nk], U(0x40));
            assert_int_equal(g.frames[i][nk + 1], U(0x50));
        } else {
            assert_int_equal(g.tid[i], 8);
            assert_int_equal(g.nframes[i], 1);
        }
    }
    assert_int_equal(seen7, 2);
    assert_int_equal(s.user_fragments_joined, 2);
}

/* Key 5 is defined twice. References before the first definition take it;
 * a reference between the two takes the second (etl-format.md §3.6). */
static void test_key_reuse(void **state)
{
    (void)state;
    testgen_trace *t = new_trace();
    const uint64_t a[2] = {U(0xA1), U(0xA2)}, b[3] = {U(0xB1), U(0xB2), U(0xB3)};
    sample(t, 10, 7, U(0xA1));
    key_ref(t, 11, 10, 7, 5, 1);
    sample(t, 20, 9, U(0xA1));
    key_ref(t, 21, 20, 9, 5, 1);
    key_def(t, 30, 5, a, 2);
    sample(t, 40, 7, U(0xB1));
    key_ref(t, 41, 40, 7, 5, 1);
    key_def(t, 50, 5, b, 3);
    sample(t, 60, 7, U(0xC1));
    key_ref(t, 61, 60, 7, 6, 1); /* never defined */
    got g = {0};
    etwcap_stack_stats s;
    run(t, &g, &s);
    testgen_free(t);
    assert_int_equal(g.n, 4);
    for (int i = 0; i < g.n; i++) {
        if (g.ts[i] == 10 || g.ts[i] == 20) {
            assert_int_equal(g.nframes[i], 2);
            assert_memory_equal(g.frames[i], a, sizeof a);
        } else if (g.ts[i] == 40) {
            assert_int_equal(g.nframes[i], 3);
            assert_memory_equal(g.frames[i], b, sizeof b);
        } else {
            assert_int_equal(g.ts[i], 60);
            assert_int_equal(g.nframes[i], 0);
            assert_true(g.unresolved[i]);
        }
    }
    assert_int_equal(s.key_refs, 4);
    assert_int_equal(s.key_refs_resolved, 3);
}

/* A kernel key (37) and the user key (38) on the same thread: both parts
 * join in kernel-then-user order. */
static void test_kernel_and_user_keys(void **state)
{
    (void)state;
    testgen_trace *t = new_trace();
    const uint64_t k[2] = {K(0x11), K(0x12)}, u[1] = {U(0x77)};
    sample(t, 10, 7, K(0x11));
    key_ref(t, 11, 10, 7, 100, 0);
    key_ref(t, 12, 10, 7, 200, 1);
    key_def(t, 20, 200, u, 1);
    key_def(t, 21, 100, k, 2);
    got g = {0};
    etwcap_stack_stats s;
    run(t, &g, &s);
    testgen_free(t);
    assert_int_equal(g.n, 1);
    assert_int_equal(g.nframes[0], 3);
    assert_int_equal(g.frames[0][0], K(0x11));
    assert_int_equal(g.frames[0][1], K(0x12));
    assert_int_equal(g.frames[0][2], U(0x77));
}

/* The kernel key is never defined, the user key is: the event has only its
 * user frames (an empty part 0 before a full part 1) and is unresolved. */
static void test_undefined_kernel_key(void **state)
{
    (void)state;
    testgen_trace *t = new_trace();
    const uint64_t u[2] = {U(0x77), U(0x78)};
    sample(t, 10, 7, K(0x11));
    key_ref(t, 11, 10, 7, 100, 0);
    key_ref(t, 12, 10, 7, 200, 1);
    key_def(t, 20, 200, u, 2);
    got g = {0};
    etwcap_stack_stats s;
    run(t, &g, &s);
    testgen_free(t);
    assert_int_equal(g.n, 1);
    assert_int_equal(g.nframes[0], 2);
    assert_memory_equal(g.frames[0], u, sizeof u);
    assert_true(g.unresolved[0]);
    assert_int_equal(s.key_refs_resolved, 1);
}

typedef struct got_clr {
    int n;
    uint16_t id;
    uint32_t pid;
    size_t nframes;
    uint64_t frames[8];
} got_clr;

static void collect_clr(const etwcap_stacked *s, void *payload)
{
    got_clr *g = payload;
    if (s->is_sample)
        return;
    g->n++;
    g->id = s->event_id;
    g->pid = s->pid;
    g->nframes = s->nframes;
    for (size_t i = 0; i < s->nframes && i < 8; i++)
        g->frames[i] = s->frames[i];
}

/* A ClrStackWalk gives its frames to the preceding CLR event of the same
 * thread (a MethodLoadVerbose here), once. */
static void test_clr_stackwalk(void **state)
{
    (void)state;
    static const char desc[] =
        "trace pointer=8 cpus=1\n"
        "buffer cpu=0\n"
        "clr-method-load ts=100 pid=50 tid=7 method-id=0x10 module-id=0x20 start=0x7ff000 "
        "size=0x40 token=0x06000001 method-flags=0x8 namespace=N name=M signature=\"void ()\"\n"
        "clr-stackwalk ts=101 pid=50 tid=7 frames=0x7ff010,0x7fe000,0x7fd000\n"
        "clr-stackwalk ts=102 pid=50 tid=7 frames=0x1,0x2\n";
    char err[256];
    testgen_trace *t = testgen_desc_build(desc, sizeof desc - 1, err, sizeof err);
    if (!t)
        printf("# %s\n", err);
    assert_non_null(t);
    uint8_t *data = NULL;
    size_t len = 0;
    assert_int_equal(testgen_write_mem(t, &data, &len), 0);
    testgen_free(t);
    etwcap_reader *r = NULL;
    assert_int_equal(etwcap_reader_open_memory(&r, data, len, "clr", NULL, NULL), ETWCAP_OK);
    got_clr g = {0};
    etwcap_stack_asm *sa = NULL;
    assert_int_equal(etwcap_stack_asm_create(&sa, collect_clr, &g), ETWCAP_OK);
    etwcap_event ev;
    while (etwcap_reader_next(r, &ev) == ETWCAP_OK)
        assert_int_equal(etwcap_stack_asm_update(sa, &ev, ev.pid, SIZE_MAX), ETWCAP_OK);
    assert_int_equal(etwcap_stack_asm_finish(sa), ETWCAP_OK);
    etwcap_stack_asm_free(sa);
    etwcap_reader_close(r);
    free(data);
    assert_int_equal(g.n, 1);
    assert_int_equal(g.id, 143);
    assert_int_equal(g.pid, 50);
    assert_int_equal(g.nframes, 3);
    assert_int_equal(g.frames[0], 0x7ff010);
    assert_int_equal(g.frames[2], 0x7fd000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_full_stackwalk), cmocka_unit_test(test_kernel_user_join),
        cmocka_unit_test(test_key_reuse),      cmocka_unit_test(test_kernel_and_user_keys),
        cmocka_unit_test(test_clr_stackwalk),  cmocka_unit_test(test_undefined_kernel_key),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
