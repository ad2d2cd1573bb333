/* test_capture_command.c - `etwcap capture -- COMMAND` (issue #6): the
 * command starts suspended and resumes once the session runs; its failures.
 * Against the fake Windows of fake_winapi.c (Windows builds only). */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture/capture.h"
#include "fake_winapi.h"

/* ---- `etwcap capture -- COMMAND` (issue #6) ----------------------------- */

static int index_of(call_kind k, int nth_call)
{
    for (int j = 0; j < fake_win.ncalls; j++)
        if (fake_win.calls[j].kind == k && nth_call-- == 0)
            return j;
    return -1;
}

static const char *const command[] = {"C:\\app\\My App.exe", "a b",         "x\"y",
                                      "c:\\dir\\",           "end\\ dir\\", ""};

static void test_command_resumed_after_start(void **state)
{
    (void)state;
    etwcap_capture_options o = fake_base_options();
    o.duration_ms = 0;
    o.command = command;
    o.ncommand = 6;
    etwcap_capture_result res;
    char why[512];
    fake_reset();
    fake_win.exit_at = fake_win.now + 2700;
    assert_int_equal(fake_run(&o, &res, why), 0);
    /* Quoted as CommandLineToArgvW splits it; started suspended. */
    assert_string_equal(fake_win.cmdline, "\"C:\\app\\My App.exe\" \"a b\" \"x\\\"y\" c:\\dir\\ "
                                          "\"end\\ dir\\\\\" \"\"");
    assert_true(fake_win.create_flags & CREATE_SUSPENDED);
    /* Resumed once, after the session started and the rundown began. */
    int resume = index_of(K_ResumeThread, 0);
    assert_true(resume > index_of(K_StartTraceW, 0));
    assert_true(resume > index_of(K_EnableTraceEx2, 1)); /* rundown DCStart */
    assert_true(index_of(K_EnableTraceEx2, 1) >= 0);
    assert_int_equal(fake_count(K_ResumeThread), 1);
    assert_int_equal(fake_count(K_TerminateProcess), 0);
    assert_int_equal(fake_win.child, CHILD_RUNNING);
    /* Ends when the job (the whole tree) has no process left. */
    assert_int_equal(res.end, ETWCAP_CAPTURE_END_TARGETS);
    assert_true(res.elapsed_ms >= 2700 && res.elapsed_ms <= 2800);
    assert_int_equal(res.child_pid, CHILD_PID); /* --evidence selects --pid 9000 + children */
    /* No PID filter: the command's children must reach the CLR providers too. */
    assert_int_equal(fake_nth(K_EnableTraceEx2, 0)->filter_count, 0);
    assert_int_equal(fake_running_sessions(), 0);
    assert_int_equal(fake_win.open_handles, 0);

    /* --duration first: the command keeps running, resumed, not killed. */
    fake_reset();
    o.duration_ms = 1500;
    fake_win.exit_at = fake_win.now + 60000;
    assert_int_equal(fake_run(&o, &res, why), 0);
    assert_int_equal(res.end, ETWCAP_CAPTURE_END_DURATION);
    assert_int_equal(fake_win.child, CHILD_RUNNING);
    assert_int_equal(fake_count(K_TerminateProcess), 0);
}

/* A failure at each call: never left suspended; resumed only when the
 * session had started; otherwise terminated. */
static void test_command_failures(void **state)
{
    (void)state;
    etwcap_capture_options o = fake_base_options();
    o.command = command;
    o.ncommand = 2;
    etwcap_capture_result res;
    char why[512];
    fake_reset();
    fake_win.exit_at = fake_win.now + 2500;
    assert_int_equal(fake_run(&o, &res, why), 0);
    int n = fake_win.ncalls, resume_at = index_of(K_ResumeThread, 0);
    int terminated = 0, resumed = 0;
    for (int k = 0; k < n; k++) {
        fake_reset();
        fake_win.exit_at = fake_win.now + 2500;
        fake_win.fail_at = k;
        why[0] = 0;
        assert_int_not_equal(fake_run(&o, &res, why), 0);
        assert_true(why[0] != 0);
        assert_int_equal(fake_running_sessions(), 0);
        assert_int_equal(fake_win.open_handles, 0);
        assert_int_not_equal(fake_win.child, CHILD_SUSPENDED);
        if (k <= resume_at) {
            /* Failed before (or at) the resume: the command never ran. */
            assert_int_equal(fake_count(K_ResumeThread), k == resume_at ? 1 : 0);
            assert_true(fake_win.child == CHILD_TERMINATED || fake_win.child == CHILD_NONE);
            terminated += fake_win.child == CHILD_TERMINATED;
        } else {
            assert_int_equal(fake_win.child, CHILD_RUNNING);
            assert_int_equal(fake_count(K_TerminateProcess), 0);
            resumed++;
        }
    }
    printf("capture -- COMMAND: failure at each of %d calls: %d terminated before resume, %d after "
           "resume left running, none suspended, no session left\n",
           n, terminated, resumed);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_command_resumed_after_start),
        cmocka_unit_test(test_command_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
