/* test_rangeidx.c - the address-range index of the state (state/index.c)
 * against a scan of every range, as the callers would do without it.
 *
 * Ranges are added in the orders real traces give: rising starts (a JIT
 * heap growing), random starts (images all over the address space), and
 * starts falling back below older ranges, with overlaps and zero sizes.
 * Enough of them (20,000 per order) to merge the tail into the small run
 * and the small run into the big one many times; lookups run after every
 * batch of adds, so each state of the runs is checked.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "splitmix64.h"
#include "state/state_internal.h"

#define NRANGES 20000
#define CAP 64

typedef struct range {
    uint64_t start, size;
} range;

/* The indices of the ranges holding addr, ascending (a scan of all). */
static size_t scan(const range *r, size_t n, uint64_t addr, size_t *out, size_t cap)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (addr - r[i].start < r[i].size) {
            if (k == cap)
                return SIZE_MAX;
            out[k++] = i;
        }
    return k;
}

/* An address near a random existing range: inside, at either end, or just
 * past it. */
static uint64_t probe_addr(const range *r, size_t n, uint64_t *s)
{
    const range *p = &r[test_splitmix64(s) % n];
    switch (test_splitmix64(s) % 4) {
    case 0:
        return p->start;
    case 1:
        return p->start + p->size; /* one past the end */
    case 2:
        return p->start - 1;
    default:
        return p->start + (p->size ? test_splitmix64(s) % p->size : 0);
    }
}

static void check_order(int order)
{
    range *r = calloc(NRANGES, sizeof *r);
    assert_non_null(r);
    etwcap_rangeidx x;
    memset(&x, 0, sizeof x);
    uint64_t s = 0x5EED0000u + (uint64_t)order;
    uint64_t rising = 0x10000000;
    size_t want[CAP], got[CAP], lookups = 0, hits = 0;
    for (size_t i = 0; i < NRANGES; i++) {
        uint64_t size = test_splitmix64(&s) % 4096; /* 0 too: holds nothing */
        uint64_t start;
        if (order == 0) {
            start = rising;
            rising += size ? size - test_splitmix64(&s) % size / 4 : 16; /* some overlap */
        } else if (order == 1) {
            start = 0x400000 + test_splitmix64(&s) % (1ull << 40);
        } else {
            /* Falling: each range below the last, so every merge moves all. */
            start = (1ull << 40) - i * 2048 - test_splitmix64(&s) % 1024;
        }
        r[i].start = start;
        r[i].size = size;
        assert_int_equal(etwcap_rangeidx_add(&x, start, size, i), 0);
        if (i % 97 != 96 && i != NRANGES - 1)
            continue;
        for (int q = 0; q < 50; q++) {
            uint64_t a = probe_addr(r, i + 1, &s);
            size_t nw = scan(r, i + 1, a, want, CAP);
            size_t ng = etwcap_rangeidx_find(&x, a, got, CAP);
            assert_int_equal(ng, nw);
            if (nw != SIZE_MAX && nw)
                assert_memory_equal(got, want, nw * sizeof *want);
            lookups++;
            hits += nw != SIZE_MAX && nw > 0;
        }
    }
    /* The index was split over both runs and the tail at the end. */
    assert_true(x.big.n > 0);
    assert_int_equal(x.big.n + x.small.n + x.ntail, NRANGES);
    assert_true(hits > lookups / 2);
    etwcap_rangeidx_free(&x);
    free(r);
}

static void test_rising(void **state)
{
    (void)state;
    check_order(0);
}

static void test_random(void **state)
{
    (void)state;
    check_order(1);
}

static void test_falling(void **state)
{
    (void)state;
    check_order(2);
}

/* A range that runs past 2^64 makes the index give up (the callers scan). */
static void test_wraps(void **state)
{
    (void)state;
    etwcap_rangeidx x;
    memset(&x, 0, sizeof x);
    size_t out[4];
    assert_int_equal(etwcap_rangeidx_add(&x, 0x1000, 0x100, 0), 0);
    assert_int_equal(etwcap_rangeidx_find(&x, 0x1080, out, 4), 1);
    assert_int_equal(out[0], 0);
    assert_int_equal(etwcap_rangeidx_add(&x, UINT64_MAX - 10, 100, 1), 0);
    assert_int_equal(etwcap_rangeidx_find(&x, 0x1080, out, 4), SIZE_MAX);
    etwcap_rangeidx_free(&x);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rising),
        cmocka_unit_test(test_random),
        cmocka_unit_test(test_falling),
        cmocka_unit_test(test_wraps),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
