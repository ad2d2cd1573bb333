/* test_symbolize_jit.c - every address inside a JIT'd method's range
 * resolves to that method's name (issue: stacks and symbols), on the real
 * net.4.5.2.x86.etl trace. */
#include <stdio.h>
#include <string.h>

#include "testutil.h"

#include "etwcap/reader.h"
#include "etwcap/state.h"
#include "etwcap/symbol.h"

static void test_jit_ranges(void **state)
{
    (void)state;
    const char *p = test_corpus_require("etl/microsoft_perfview/net.4.5.2.x86.etl");
    etwcap_reader *r = NULL;
    assert_int_equal(etwcap_reader_open(&r, p, NULL, NULL), ETWCAP_OK);
    etwcap_state *st = test_state_from(r);

    etwcap_symbolizer *sym = NULL;
    assert_int_equal(etwcap_symbolizer_create(&sym, st, NULL, NULL, NULL), ETWCAP_OK);
    size_t methods = 0, probes = 0;
    for (size_t i = 0; i < etwcap_state_process_count(st); i++) {
        const etwcap_process *proc = etwcap_state_process_at(st, i);
        for (size_t m = 0; m < proc->nmethods; m++) {
            const etwcap_method *me = &proc->methods[m];
            if (!me->method_name || me->size == 0)
                continue;
            char want[1200];
            snprintf(want, sizeof want, "%s%s%s", me->method_namespace,
                     me->method_namespace[0] ? "." : "", me->method_name);
            /* While the method is loaded: first byte, middle, last byte. */
            int64_t ts = me->load_time;
            uint64_t addrs[3] = {me->start, me->start + me->size / 2, me->start + me->size - 1};
            for (int k = 0; k < 3; k++) {
                etwcap_frame_symbol fs;
                etwcap_symbolize(sym, i, addrs[k], ts, &fs);
                if (fs.resolution != ETWCAP_RES_CLR || strcmp(fs.function, want) != 0)
                    printf("# pid %u 0x%llx: got '%s', want '%s'\n", (unsigned)proc->pid,
                           (unsigned long long)addrs[k], fs.function, want);
                assert_int_equal(fs.resolution, ETWCAP_RES_CLR);
                assert_string_equal(fs.function, want);
                probes++;
            }
            methods++;
        }
    }
    printf("# %zu methods, %zu addresses, all resolved to their method\n", methods, probes);
    assert_true(methods >= 400);
    etwcap_symbolizer_free(sym);
    etwcap_state_free(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_jit_ranges)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
