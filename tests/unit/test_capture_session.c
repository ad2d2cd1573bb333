/* test_capture_session.c - the ETW session `etwcap capture` sets up (issue
 * #4): providers, keywords, buffers and options, the fallback without the
 * system logger, the rights it asks for, and stale sessions. Runs against
 * the fake Windows of fake_winapi.c (Windows builds only). */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture/capture.h"
#include "fake_winapi.h"

static const GUID runtime = {
    0xe13c0d23, 0xccbc, 0x4e12, {0x93, 0x1b, 0xd9, 0xcc, 0x2e, 0xee, 0x27, 0xe4}};
static const GUID rundown = {
    0xa669021c, 0xc450, 0x4609, {0xa0, 0x35, 0x5a, 0xf5, 0x9a, 0xf4, 0xdf, 0x18}};
static const GUID systemtrace = {
    0x9e814aad, 0x3204, 0x11d2, {0x9a, 0x82, 0x00, 0x60, 0x08, 0xa8, 0x69, 0x39}};
static const GUID g_process = {
    0x3d6fa8d0, 0xfe05, 0x11d0, {0x9d, 0xda, 0x00, 0xc0, 0x4f, 0xd7, 0xba, 0x7c}};
static const GUID g_image = {
    0x2cb15d1d, 0x5fc1, 0x11d2, {0xab, 0xe1, 0x00, 0xa0, 0xc9, 0x11, 0xf5, 0x18}};
static const GUID g_perfinfo = {
    0xce1dbfb4, 0x137e, 0x4da6, {0x87, 0xb0, 0x3f, 0x59, 0xaa, 0x10, 0x2c, 0xbc}};

#define KERNEL_FLAGS 0x01000007u /* PROCESS|THREAD|IMAGE_LOAD|PROFILE */
#define CLR_KEYWORDS 0x2040000038ull

static void assert_guid(const GUID *a, const GUID *b)
{
    assert_memory_equal(a, b, sizeof *a);
}

/* ---- session settings -------------------------------------------------- */

static void test_default_session(void **state)
{
    (void)state;
    fake_reset();
    etwcap_capture_options o = fake_base_options();
    etwcap_capture_result res;
    char why[512];
    assert_int_equal(fake_run(&o, &res, why), 0);
    assert_int_equal(res.end, ETWCAP_CAPTURE_END_DURATION);
    assert_int_equal(res.system_logger, 1);

    assert_int_equal(fake_count(K_StartTraceW), 1);
    const call *st = fake_nth(K_StartTraceW, 0);
    assert_string_equal(st->name, "etwcap-4242");
    assert_string_equal(st->file, "C:\\traces\\trace.etl");
    assert_int_equal(st->mode, EVENT_TRACE_FILE_MODE_SEQUENTIAL | EVENT_TRACE_SYSTEM_LOGGER_MODE);
    assert_int_equal(st->mode, 0x02000001);
    assert_int_equal(st->buffer_kb, 256);
    assert_int_equal(st->min_buffers, 64);
    assert_int_equal(st->max_buffers, 512);
    assert_int_equal(st->enable_flags, 0);
    assert_int_equal(st->flush, 1);
    assert_int_equal(st->client_context, 1);
    TRACEHANDLE h = fake_win.sessions[0].handle;

    /* Kernel groups on the system logger: 8-ULONG group mask. */
    const call *fl = fake_set_info(TraceSystemTraceEnableFlagsInfo);
    assert_non_null(fl);
    assert_int_equal(fl->handle, h);
    assert_int_equal(fl->info_len, 32);
    ULONG mask[8];
    memcpy(mask, fl->info, sizeof mask);
    assert_int_equal(mask[0], KERNEL_FLAGS);
    for (int i = 1; i < 8; i++)
        assert_int_equal(mask[i], 0);

    /* Stacks on SampledProfile (46), Process Start (1), Image Load (10). */
    const call *sk = fake_set_info(TraceStackTracingInfo);
    assert_non_null(sk);
    assert_int_equal(sk->handle, h);
    assert_int_equal(sk->info_len, 3 * sizeof(CLASSIC_EVENT_ID));
    CLASSIC_EVENT_ID ids[3];
    memcpy(ids, sk->info, sizeof ids);
    assert_guid(&ids[0].EventGuid, &g_perfinfo);
    assert_int_equal(ids[0].Type, 46);
    assert_guid(&ids[1].EventGuid, &g_process);
    assert_int_equal(ids[1].Type, 1);
    assert_guid(&ids[2].EventGuid, &g_image);
    assert_int_equal(ids[2].Type, 10);

    const call *iv = fake_set_info(TraceSampledProfileIntervalInfo);
    assert_non_null(iv);
    TRACE_PROFILE_INTERVAL pi;
    memcpy(&pi, iv->info, sizeof pi);
    assert_int_equal(iv->handle, 0);
    assert_int_equal(pi.Source, 0);
    assert_int_equal(pi.Interval, 10000); /* 1 kHz in 100 ns units */

    /* CLR runtime, rundown at start, rundown at stop: in that order. */
    assert_int_equal(fake_count(K_EnableTraceEx2), 3);
    const call *rt = fake_nth(K_EnableTraceEx2, 0), *r0 = fake_nth(K_EnableTraceEx2, 1),
               *r1 = fake_nth(K_EnableTraceEx2, 2);
    assert_guid(&rt->provider, &runtime);
    assert_int_equal(rt->handle, h);
    assert_int_equal(rt->code, EVENT_CONTROL_CODE_ENABLE_PROVIDER);
    assert_int_equal(rt->level, 5);
    assert_true(rt->any == CLR_KEYWORDS);
    assert_true(rt->all == 0);
    assert_int_equal(rt->version, 2);
    assert_int_equal(rt->enable_property, EVENT_ENABLE_PROPERTY_STACK_TRACE);
    assert_int_equal(rt->filter_count, 0);
    assert_guid(&r0->provider, &rundown);
    assert_true(r0->any == 0x78);
    assert_int_equal(r0->enable_property, 0);
    assert_guid(&r1->provider, &rundown);
    assert_true(r1->any == 0x138);
    assert_int_equal(r1->level, 5);

    /* Progress queries each second; then DCEnd, the rundown wait, and stop. */
    assert_int_equal(fake_nth(K_ControlTraceW, 0)->code, EVENT_TRACE_CONTROL_QUERY);
    assert_int_equal(res.events_lost, 3);
    assert_int_equal(res.buffers_written, 17);
    const call *last = &fake_win.calls[fake_win.ncalls - 2];
    assert_int_equal(last->kind, K_ControlTraceW);
    assert_int_equal(last->code, EVENT_TRACE_CONTROL_STOP);
    assert_int_equal(last->handle, h);
    assert_int_equal(fake_win.now, 1000000 + 3000 + 2000);
    assert_int_equal(fake_running_sessions(), 0);
    assert_int_equal(fake_win.handlers, 0);
    assert_int_equal(fake_win.open_handles, 0);
    /* Privilege for the interval: SeSystemProfilePrivilege, enabled. */
    assert_string_equal(fake_nth(K_LookupPrivilegeValueW, 0)->name, "SeSystemProfilePrivilege");
    assert_true(fake_nth(K_AdjustTokenPrivileges, 0)->flag);
}

static void test_options(void **state)
{
    (void)state;
    etwcap_capture_result res;
    char why[512];
    etwcap_capture_options o;

    /* --no-clr: no CLR provider at all. */
    fake_reset();
    o = fake_base_options();
    o.no_clr = 1;
    assert_int_equal(fake_run(&o, &res, why), 0);
    assert_int_equal(fake_count(K_EnableTraceEx2), 0);
    assert_non_null(fake_set_info(TraceStackTracingInfo));

    /* --no-stacks: no kernel stack list, no CLR Stack keyword, no stack property. */
    fake_reset();
    o = fake_base_options();
    o.no_stacks = 1;
    assert_int_equal(fake_run(&o, &res, why), 0);
    assert_null(fake_set_info(TraceStackTracingInfo));
    assert_true(fake_nth(K_EnableTraceEx2, 0)->any == 0x2000000038ull);
    assert_int_equal(fake_nth(K_EnableTraceEx2, 0)->enable_property, 0);
    assert_int_equal(fake_nth(K_EnableTraceEx2, 1)->enable_property, 0);

    /* --container: ENABLE_SILOS | SOURCE_CONTAINER_TRACKING on both CLR providers. */
    fake_reset();
    o = fake_base_options();
    o.containers = 1;
    assert_int_equal(fake_run(&o, &res, why), 0);
    assert_int_equal(fake_nth(K_EnableTraceEx2, 0)->enable_property, 0x400 | 0x800 | 0x4);
    assert_int_equal(fake_nth(K_EnableTraceEx2, 1)->enable_property, 0x400 | 0x800);
    assert_int_equal(fake_nth(K_EnableTraceEx2, 2)->enable_property, 0x400 | 0x800);

    /* --pid: a PID filter holding exactly those PIDs, on every CLR enable. */
    fake_reset();
    fake_win.nalive = 3;
    fake_win.alive[0] = 100, fake_win.alive[1] = 200, fake_win.alive[2] = 300;
    uint32_t pids[9] = {100, 200, 300};
    o = fake_base_options();
    o.pids = pids;
    o.npids = 3;
    assert_int_equal(fake_run(&o, &res, why), 0);
    for (int i = 0; i < 3; i++) {
        const call *c = fake_nth(K_EnableTraceEx2, i);
        assert_int_equal(c->filter_count, 1);
        assert_int_equal(c->filter_type, 0x80000004);
        assert_int_equal(c->filter_size, 12);
        assert_int_equal(c->filter_pids[0], 100);
        assert_int_equal(c->filter_pids[1], 200);
        assert_int_equal(c->filter_pids[2], 300);
    }
    /* 8 PIDs still fit one filter; a ninth drops it (the offline stage scopes). */
    for (int n = 8; n <= 9; n++) {
        fake_reset();
        fake_win.nalive = n;
        for (int i = 0; i < n; i++)
            pids[i] = (uint32_t)(100 + i), fake_win.alive[i] = 100u + (DWORD)i;
        o.npids = (size_t)n;
        assert_int_equal(fake_run(&o, &res, why), 0);
        const call *c = fake_nth(K_EnableTraceEx2, 0);
        assert_int_equal(c->filter_count, n == 8 ? 1 : 0);
        if (n == 8) {
            assert_int_equal(c->filter_size, 32);
            assert_int_equal(c->filter_pids[7], 107);
        }
    }

    /* --sample-rate 4000: 2500 x 100 ns. */
    fake_reset();
    o = fake_base_options();
    o.sample_rate_hz = 4000;
    assert_int_equal(fake_run(&o, &res, why), 0);
    TRACE_PROFILE_INTERVAL pi;
    memcpy(&pi, fake_set_info(TraceSampledProfileIntervalInfo)->info, sizeof pi);
    assert_int_equal(pi.Interval, 2500);
    assert_int_equal(etwcap_capture_interval(1), 10000000);
    o.sample_rate_hz = 9000;
    assert_int_not_equal(fake_run(&o, &res, why), 0);
    assert_non_null(strstr(why, "--sample-rate"));

    /* --realtime without -o: real-time mode, no file. With -o: both. */
    fake_reset();
    o = fake_base_options();
    o.realtime = 1;
    o.etl_path = NULL;
    assert_int_equal(fake_run(&o, &res, why), 0);
    assert_int_equal(fake_nth(K_StartTraceW, 0)->mode,
                     EVENT_TRACE_REAL_TIME_MODE | EVENT_TRACE_SYSTEM_LOGGER_MODE);
    assert_int_equal(fake_nth(K_StartTraceW, 0)->mode, 0x02000100);
    assert_string_equal(fake_nth(K_StartTraceW, 0)->file, "");
    fake_reset();
    o.etl_path = "C:\\traces\\rt.etl";
    assert_int_equal(fake_run(&o, &res, why), 0);
    assert_int_equal(fake_nth(K_StartTraceW, 0)->mode, 0x02000101);
    assert_string_equal(fake_nth(K_StartTraceW, 0)->file, "C:\\traces\\rt.etl");
}

/* Windows without system-logger sessions: NT Kernel Logger + CLR session. */
static void test_fallback(void **state)
{
    (void)state;
    fake_reset();
    fake_win.no_system_logger = 1;
    etwcap_capture_options o = fake_base_options();
    etwcap_capture_result res;
    char why[512];
    assert_int_equal(fake_run(&o, &res, why), 0);
    assert_int_equal(res.system_logger, 0);
    assert_string_equal(res.clr_etl, "C:\\traces\\trace.clr.etl");
    assert_int_equal(fake_count(K_StartTraceW), 3);
    const call *k = fake_nth(K_StartTraceW, 1), *u = fake_nth(K_StartTraceW, 2);
    assert_string_equal(k->name, "NT Kernel Logger");
    assert_guid(&k->wnode_guid, &systemtrace);
    assert_int_equal(k->enable_flags, KERNEL_FLAGS);
    assert_int_equal(k->mode, EVENT_TRACE_FILE_MODE_SEQUENTIAL);
    assert_string_equal(k->file, "C:\\traces\\trace.etl");
    assert_string_equal(u->name, "etwcap-4242");
    assert_int_equal(u->enable_flags, 0);
    assert_string_equal(u->file, "C:\\traces\\trace.clr.etl");
    assert_null(fake_set_info(TraceSystemTraceEnableFlagsInfo));
    TRACEHANDLE kh = fake_win.sessions[0].handle, uh = fake_win.sessions[1].handle;
    assert_int_equal(fake_set_info(TraceStackTracingInfo)->handle, kh);
    for (int i = 0; i < 3; i++)
        assert_int_equal(fake_nth(K_EnableTraceEx2, i)->handle, uh);
    assert_int_equal(fake_running_sessions(), 0);

    /* The NT Kernel Logger held by another tool: a clear error, nothing left. */
    fake_reset();
    fake_win.no_system_logger = 1;
    fake_add_session("NT Kernel Logger");
    assert_int_not_equal(fake_run(&o, &res, why), 0);
    assert_non_null(strstr(why, "another tool"));
    assert_true(fake_running("NT Kernel Logger")); /* not ours: untouched */
    assert_int_equal(fake_running_sessions(), 1);
}

/* ---- rights ------------------------------------------------------------ */

static void test_rights(void **state)
{
    (void)state;
    etwcap_capture_options o = fake_base_options();
    etwcap_capture_result res;
    char why[512];
    fake_reset();
    fake_win.elevated = 0;
    assert_int_not_equal(fake_run(&o, &res, why), 0);
    assert_non_null(strstr(why, "administrator"));
    assert_int_equal(fake_count(K_StartTraceW), 0);
    assert_int_equal(fake_win.open_handles, 0);
    fake_reset();
    fake_win.not_all_assigned = 1;
    assert_int_not_equal(fake_run(&o, &res, why), 0);
    assert_non_null(strstr(why, "SeSystemProfilePrivilege"));
    assert_int_equal(fake_count(K_StartTraceW), 0);
    /* A --pid that does not exist: error before any session. */
    fake_reset();
    uint32_t pid = 555;
    o.pids = &pid;
    o.npids = 1;
    assert_int_not_equal(fake_run(&o, &res, why), 0);
    assert_non_null(strstr(why, "--pid 555"));
    assert_int_equal(fake_count(K_StartTraceW), 0);
}

/* ---- stale sessions ---------------------------------------------------- */

static void test_stale(void **state)
{
    (void)state;
    etwcap_capture_result res;
    char why[512];
    fake_reset();
    fake_win.nalive = 1;
    fake_win.alive[0] = 888;
    fake_add_session("etwcap-777");       /* ours, owner gone: stopped */
    fake_add_session("etwcap-888");       /* ours, owner alive: kept */
    fake_add_session("NT Kernel Logger"); /* foreign */
    fake_add_session("etwcapture");       /* foreign, similar name */
    fake_add_session("etwcap-12ab");      /* foreign, not a pid */
    fake_add_session("Circular Kernel Context Logger");
    assert_int_equal(etwcap_capture_stop_stale(&fake_win_api, why, 512), 1);
    assert_false(fake_running("etwcap-777"));
    assert_true(fake_running("etwcap-888"));
    assert_true(fake_running("NT Kernel Logger"));
    assert_true(fake_running("etwcapture"));
    assert_true(fake_running("etwcap-12ab"));
    assert_true(fake_running("Circular Kernel Context Logger"));
    const call *stop = fake_nth(K_ControlTraceW, 0);
    assert_string_equal(stop->name, "etwcap-777");
    assert_int_equal(stop->code, EVENT_TRACE_CONTROL_STOP);
    assert_int_equal(fake_win.open_handles, 0);

    /* Within a capture: the stale one goes before the new session starts. */
    fake_reset();
    fake_win.nalive = 1;
    fake_win.alive[0] = 888;
    fake_add_session("etwcap-777");
    fake_add_session("etwcap-888");
    etwcap_capture_options o = fake_base_options();
    assert_int_equal(fake_run(&o, &res, why), 0);
    assert_false(fake_running("etwcap-777"));
    assert_true(fake_running("etwcap-888"));
    int stop_at = -1, start_at = -1;
    for (int i = 0; i < fake_win.ncalls; i++) {
        if (fake_win.calls[i].kind == K_ControlTraceW &&
            !strcmp(fake_win.calls[i].name, "etwcap-777"))
            stop_at = i;
        if (fake_win.calls[i].kind == K_StartTraceW && start_at < 0)
            start_at = i;
    }
    assert_true(stop_at >= 0 && stop_at < start_at);
    assert_int_equal(fake_running_sessions(), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default_session), cmocka_unit_test(test_options),
        cmocka_unit_test(test_fallback),        cmocka_unit_test(test_rights),
        cmocka_unit_test(test_stale),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
