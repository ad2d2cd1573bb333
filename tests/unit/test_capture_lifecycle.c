/* test_capture_lifecycle.c - `etwcap capture` when any call fails, and its
 * timer and stop paths (issue #4), against the fake Windows of
 * fake_winapi.c (Windows builds only). */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture/capture.h"
#include "fake_winapi.h"

/* ---- lifecycle: a failure at every call ---------------------------------- */

static void fail_each_call(int no_system_logger)
{
    etwcap_capture_options o = fake_base_options();
    uint32_t pids[2] = {100, 200};
    o.pids = pids;
    o.npids = 2;
    etwcap_capture_result res;
    char why[512];
    fake_reset();
    fake_win.no_system_logger = no_system_logger;
    fake_win.nalive = 2;
    fake_win.alive[0] = 100, fake_win.alive[1] = 200;
    assert_int_equal(fake_run(&o, &res, why), 0);
    int n = fake_win.ncalls;
    assert_true(n > 15);
    for (int k = 0; k < n; k++) {
        fake_reset();
        fake_win.no_system_logger = no_system_logger;
        fake_win.nalive = 2;
        fake_win.alive[0] = 100, fake_win.alive[1] = 200;
        fake_win.fail_at = k;
        why[0] = 0;
        int rc = fake_run(&o, &res, why);
        const call *c = &fake_win.calls[k];
        if (rc == 0 || why[0] == 0 || fake_running_sessions() != 0 || fake_win.open_handles != 0)
            fail_msg("failure at call %d (kind %d): rc %d, message '%s', %d sessions left, %d "
                     "handles open",
                     k, (int)c->kind, rc, why, fake_running_sessions(), fake_win.open_handles);
        assert_true(c->failed);
        /* A failed removal of the handler is reported; every other path removes it. */
        if (!(c->kind == K_SetConsoleCtrlHandler && !c->flag))
            assert_int_equal(fake_win.handlers, 0);
    }
    printf("capture lifecycle (%s): failure injected at each of %d calls: non-zero, message, "
           "no session left\n",
           no_system_logger ? "NT Kernel Logger fallback" : "system logger", n);
}

static void test_fail_each_call(void **state)
{
    (void)state;
    fail_each_call(0);
    fail_each_call(1);
}

/* ---- timer and stop ---------------------------------------------------- */

static void test_timer_and_stop(void **state)
{
    (void)state;
    etwcap_capture_result res;
    char why[512];
    etwcap_capture_options o;

    /* Duration: exactly 2.5 s of fake time, then the 2 s rundown wait. */
    fake_reset();
    o = fake_base_options();
    o.duration_ms = 2500;
    ULONGLONG t0 = fake_win.now;
    assert_int_equal(fake_run(&o, &res, why), 0);
    assert_int_equal(res.end, ETWCAP_CAPTURE_END_DURATION);
    assert_int_equal(res.elapsed_ms, 2500);
    assert_int_equal(fake_win.now - t0, 2500 + 2000);
    assert_int_equal(fake_running_sessions(), 0);

    /* Ctrl-C at 1.7 s with no duration: stops within one 100 ms slice. */
    fake_reset();
    o = fake_base_options();
    o.duration_ms = 0;
    fake_win.console_at = fake_win.now + 1700;
    fake_win.console_type = CTRL_C_EVENT;
    assert_int_equal(fake_run(&o, &res, why), 0);
    assert_int_equal(res.end, ETWCAP_CAPTURE_END_CONSOLE);
    assert_true(res.elapsed_ms >= 1700 && res.elapsed_ms <= 1800);
    assert_int_equal(fake_running_sessions(), 0);
    assert_int_equal(fake_win.handlers, 0);
    assert_true(fake_nth(K_SetConsoleCtrlHandler, 0)->flag);
    assert_false(fake_nth(K_SetConsoleCtrlHandler, 1)->flag);

    /* Console close at 1.2 s (before a 10 s duration): the same stop. */
    fake_reset();
    o.duration_ms = 10000;
    fake_win.console_at = fake_win.now + 1200;
    fake_win.console_type = CTRL_CLOSE_EVENT;
    assert_int_equal(fake_run(&o, &res, why), 0);
    assert_int_equal(res.end, ETWCAP_CAPTURE_END_CONSOLE);
    assert_true(res.elapsed_ms < 10000);
    assert_int_equal(fake_running_sessions(), 0);

    /* Every target exits at 2.3 s: stop, with a non-blocking wait-all poll. */
    fake_reset();
    fake_win.nalive = 2;
    fake_win.alive[0] = 100, fake_win.alive[1] = 200;
    uint32_t pids[2] = {100, 200};
    o = fake_base_options();
    o.duration_ms = 0;
    o.pids = pids;
    o.npids = 2;
    fake_win.exit_at = fake_win.now + 2300;
    assert_int_equal(fake_run(&o, &res, why), 0);
    assert_int_equal(res.end, ETWCAP_CAPTURE_END_TARGETS);
    assert_true(res.elapsed_ms >= 2300 && res.elapsed_ms <= 2400);
    const call *w = fake_nth(K_WaitForMultipleObjects, 0);
    assert_int_equal(w->count, 2);
    assert_true(w->flag);
    assert_int_equal(w->ms, 0);
    assert_int_equal(fake_running_sessions(), 0);
    assert_int_equal(fake_win.open_handles, 0);

    /* The duration comes first when it is shorter than the targets' life. */
    fake_reset();
    fake_win.nalive = 2;
    fake_win.alive[0] = 100, fake_win.alive[1] = 200;
    o.duration_ms = 1000;
    fake_win.exit_at = fake_win.now + 5000;
    assert_int_equal(fake_run(&o, &res, why), 0);
    assert_int_equal(res.end, ETWCAP_CAPTURE_END_DURATION);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fail_each_call),
        cmocka_unit_test(test_timer_and_stop),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
