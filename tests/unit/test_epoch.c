/* test_epoch.c - lookup epochs (src/lib/state/epoch.c): two times with the
 * same epoch of a process get the same module and method at every address,
 * on real traces with JIT'd methods, module loads and unloads. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "etwcap/reader.h"
#include "etwcap/state.h"

#define MAX_ADDRS 160
#define MAX_TIMES 600

static etwcap_state *load_state(const char *rel)
{
    etwcap_reader *r = NULL;
    assert_int_equal(etwcap_reader_open(&r, test_corpus_require(rel), NULL, NULL), ETWCAP_OK);
    return test_state_from(r);
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static void add_time(int64_t *t, size_t *n, int64_t v)
{
    if (*n < MAX_TIMES && v != ETWCAP_TIME_NEVER && v != INT64_MIN)
        t[(*n)++] = v;
}

/* The times around every load and unload of `p`, and of PID 0's modules. */
static size_t probe_times(const etwcap_state *st, const etwcap_process *p, int64_t *t)
{
    size_t n = 0;
    for (size_t m = 0; m < p->nmethods; m++) {
        add_time(t, &n, p->methods[m].load_time - 1);
        add_time(t, &n, p->methods[m].load_time);
        add_time(t, &n, p->methods[m].unload_time);
        if (p->methods[m].unload_time != ETWCAP_TIME_NEVER)
            add_time(t, &n, p->methods[m].unload_time + 1);
    }
    for (size_t m = 0; m < p->nmodules; m++) {
        add_time(t, &n, p->modules[m].load_time - 1);
        add_time(t, &n, p->modules[m].load_time);
        add_time(t, &n, p->modules[m].unload_time);
        if (p->modules[m].unload_time != ETWCAP_TIME_NEVER)
            add_time(t, &n, p->modules[m].unload_time + 1);
    }
    for (size_t i = 0; i < etwcap_state_process_count(st); i++) {
        const etwcap_process *k = etwcap_state_process_at(st, i);
        if (k->pid != 0)
            continue;
        for (size_t m = 0; m < k->nmodules; m++) {
            add_time(t, &n, k->modules[m].load_time);
            add_time(t, &n, k->modules[m].unload_time);
        }
    }
    qsort(t, n, sizeof *t, cmp_i64);
    return n;
}

/* Addresses inside (and just past) the process's methods and modules, and
 * inside PID 0's modules (kernel addresses). */
static size_t probe_addrs(const etwcap_state *st, const etwcap_process *p, uint64_t *a)
{
    size_t n = 0;
    for (size_t m = 0; m < p->nmethods && n + 2 <= MAX_ADDRS / 2; m++) {
        a[n++] = p->methods[m].start + p->methods[m].size / 2;
        a[n++] = p->methods[m].start + p->methods[m].size;
    }
    for (size_t m = 0; m < p->nmodules && n + 2 <= MAX_ADDRS * 3 / 4; m++) {
        a[n++] = p->modules[m].base + p->modules[m].size / 3;
        a[n++] = p->modules[m].base + p->modules[m].size;
    }
    for (size_t i = 0; i < etwcap_state_process_count(st); i++) {
        const etwcap_process *k = etwcap_state_process_at(st, i);
        for (size_t m = 0; k->pid == 0 && m < k->nmodules && n < MAX_ADDRS; m++)
            a[n++] = k->modules[m].base + k->modules[m].size / 2;
    }
    return n;
}

typedef struct counts {
    size_t procs, same_epoch_pairs, epoch_changes, lookups;
} counts;

/* For each process with modules or methods: walking its probe times in
 * order, the epoch never goes down, and while it stays the same every probe
 * address gets the same module and method. */
static void check_state(etwcap_state *st, counts *c)
{
    int64_t *times = malloc(MAX_TIMES * sizeof *times);
    uint64_t *addrs = malloc(MAX_ADDRS * sizeof *addrs);
    const void **prev = malloc((size_t)2 * MAX_ADDRS * sizeof *prev);
    assert_non_null(times);
    assert_non_null(addrs);
    assert_non_null(prev);
    for (size_t i = 0; i < etwcap_state_process_count(st); i++) {
        const etwcap_process *p = etwcap_state_process_at(st, i);
        if (p->nmodules == 0 && p->nmethods == 0)
            continue;
        size_t nt = probe_times(st, p, times);
        size_t na = probe_addrs(st, p, addrs);
        uint64_t last = 0;
        for (size_t k = 0; k < nt; k++) {
            uint64_t ep;
            assert_int_equal(etwcap_state_epoch(st, i, times[k], &ep), 0);
            const int same = k > 0 && ep == last;
            if (k > 0) {
                /* Both halves (the process's, PID 0's) count change times. */
                assert_true((ep >> 32) >= (last >> 32));
                assert_true((ep & 0xFFFFFFFFu) >= (last & 0xFFFFFFFFu));
                c->same_epoch_pairs += same;
                c->epoch_changes += !same;
            }
            for (size_t a = 0; a < na; a++) {
                const void *mod = etwcap_state_module_at(st, i, addrs[a], times[k]);
                const void *meth = etwcap_state_method_at(st, i, addrs[a], times[k]);
                if (same) {
                    assert_ptr_equal(mod, prev[2 * a]);
                    assert_ptr_equal(meth, prev[2 * a + 1]);
                }
                prev[2 * a] = mod;
                prev[2 * a + 1] = meth;
                c->lookups++;
            }
            last = ep;
        }
        c->procs++;
    }
    free(prev);
    free(addrs);
    free(times);
}

/* check_state over the whole of a corpus trace. */
static counts check_trace(const char *rel)
{
    etwcap_state *st = load_state(rel);
    counts c = {0, 0, 0, 0};
    check_state(st, &c);
    printf("# %s: %zu processes, %zu lookups, %zu same-epoch steps, %zu changes\n", rel, c.procs,
           c.lookups, c.same_epoch_pairs, c.epoch_changes);
    etwcap_state_free(st);
    return c;
}

/* Traces with JIT'd methods, and modules loaded and unloaded while they ran. */
static void test_epochs_corpus(void **state)
{
    (void)state;
    static const char *const traces[] = {
        "etl/microsoft_perfview/net.4.5.2.x86.etl",
        "etl/microsoft_perfview/net.4.5.x86/PerfViewData.etl",
    };
    for (size_t i = 0; i < sizeof traces / sizeof traces[0]; i++) {
        counts c = check_trace(traces[i]);
        assert_true(c.procs >= 10);
        assert_true(c.same_epoch_pairs >= 100);
        assert_true(c.epoch_changes >= 100);
    }
}

/* A method loaded at t starts a new epoch at t: t - 1 and t differ. */
static void test_epoch_turns_at_load(void **state)
{
    (void)state;
    etwcap_state *st = load_state("etl/microsoft_perfview/net.4.5.2.x86.etl");
    size_t checked = 0;
    for (size_t i = 0; i < etwcap_state_process_count(st); i++) {
        const etwcap_process *p = etwcap_state_process_at(st, i);
        for (size_t m = 0; m < p->nmethods; m++) {
            uint64_t before, at;
            int64_t t = p->methods[m].load_time;
            assert_int_equal(etwcap_state_epoch(st, i, t - 1, &before), 0);
            assert_int_equal(etwcap_state_epoch(st, i, t, &at), 0);
            assert_true((at >> 32) > (before >> 32));
            checked++;
        }
    }
    assert_true(checked >= 400);
    uint64_t ep;
    assert_int_equal(etwcap_state_epoch(st, etwcap_state_process_count(st), 0, &ep), -1);
    etwcap_state_free(st);
}

/* Epochs asked for before an update are built again after it: a state
 * built from the first events, then from all of them, counts the later
 * methods' loads. */
static void test_epoch_after_update(void **state)
{
    (void)state;
    const char *rel = "etl/microsoft_perfview/net.4.5.2.x86.etl";
    etwcap_state *all = load_state(rel);
    /* The process with the most methods, and the time of its last load. */
    size_t best = SIZE_MAX, most = 0;
    for (size_t i = 0; i < etwcap_state_process_count(all); i++)
        if (etwcap_state_process_at(all, i)->nmethods > most) {
            most = etwcap_state_process_at(all, i)->nmethods;
            best = i;
        }
    assert_true(best != SIZE_MAX && most >= 100);
    const uint32_t pid = etwcap_state_process_at(all, best)->pid;
    uint64_t ep_all;
    assert_int_equal(etwcap_state_epoch(all, best, ETWCAP_TIME_NEVER - 1, &ep_all), 0);

    /* The same walk, asking for the epoch every 4096 events. */
    const char *p = test_corpus_require(rel);
    etwcap_reader *r = NULL;
    assert_int_equal(etwcap_reader_open(&r, p, NULL, NULL), ETWCAP_OK);
    etwcap_state *st = NULL;
    assert_int_equal(etwcap_state_create(&st), ETWCAP_OK);
    etwcap_event ev;
    size_t n = 0, asked = 0;
    uint64_t ep = 0;
    while (etwcap_reader_next(r, &ev) == ETWCAP_OK) {
        assert_int_equal(etwcap_state_update(st, &ev), ETWCAP_OK);
        size_t pi = etwcap_state_find_process(st, pid, ev.timestamp);
        if (++n % 4096 == 0 && pi == best) {
            uint64_t now;
            assert_int_equal(etwcap_state_epoch(st, pi, ETWCAP_TIME_NEVER - 1, &now), 0);
            assert_true(now >= ep);
            ep = now;
            asked++;
        }
    }
    etwcap_reader_close(r);
    assert_true(asked >= 2);
    assert_int_equal(etwcap_state_epoch(st, best, ETWCAP_TIME_NEVER - 1, &ep), 0);
    assert_true(ep == ep_all);
    etwcap_state_free(st);
    etwcap_state_free(all);
}

/* PID 0's half: a driver loaded and unloaded while a process runs
 * (tests/data/epoch-driver.txt) turns the kernel half of that process's
 * epoch, and the answers follow it. No corpus trace loads a driver
 * mid-trace. */
static void test_epoch_driver(void **state)
{
    (void)state;
    const char *etl = "test_epoch_driver.etl";
    test_write_data_trace("epoch-driver.txt", etl);
    etwcap_reader *r = NULL;
    assert_int_equal(etwcap_reader_open(&r, etl, NULL, NULL), ETWCAP_OK);
    etwcap_state *st = test_state_from(r);
    size_t app = etwcap_state_find_process(st, 700, 500);
    assert_true(app != SIZE_MAX);
    const uint64_t addr = 0xfffff80001000100ull;
    /* Times, whether the driver holds addr then, and the epoch group:
     * equal groups must give equal epochs, different ones different. */
    static const struct {
        int64_t ts;
        int in_driver, group;
    } probes[] = {{500, 0, 0},  {999, 0, 0},  {1000, 1, 1}, {1500, 1, 1},
                  {2000, 1, 1}, {2001, 0, 2}, {5000, 0, 2}};
    uint64_t ep[sizeof probes / sizeof probes[0]];
    for (size_t i = 0; i < sizeof probes / sizeof probes[0]; i++) {
        const etwcap_module *m = etwcap_state_module_at(st, app, addr, probes[i].ts);
        assert_int_equal(m != NULL, probes[i].in_driver);
        assert_int_equal(etwcap_state_epoch(st, app, probes[i].ts, &ep[i]), 0);
        /* App's own modules do not change after ts=200. */
        assert_true((ep[i] >> 32) == (ep[0] >> 32));
        for (size_t k = 0; k < i; k++)
            assert_int_equal(ep[k] == ep[i], probes[k].group == probes[i].group);
    }
    etwcap_state_free(st);
    remove(etl);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_epochs_corpus),
        cmocka_unit_test(test_epoch_turns_at_load),
        cmocka_unit_test(test_epoch_after_update),
        cmocka_unit_test(test_epoch_driver),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
