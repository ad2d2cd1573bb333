/* test_reorder.c - the real-time time-order window (src/lib/capture/reorder.c):
 * a corpus trace delivered the way a real-time session delivers it (each
 * CPU's buffers whole, in the order they fill up, so CPUs interleave out of
 * time order) comes out of the window in time order, and the evidence
 * streamed from it is byte-identical to the file path's; a window too short
 * releases events late and says so. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "capture/reorder.h"
#include "common/evpack.h"
#include "common/sha256.h"
#include "etwcap/evidence.h"
#include "etwcap/reader.h"
#include "evidence_doc.h"

#define PER_BUFFER 64

typedef struct delivery {
    uint8_t **ev; /* packed, in arrival order */
    size_t n;
    int64_t max_lag; /* newest timestamp seen minus an arriving one, at most */
    etwcap_logfile_info info;
} delivery;

typedef struct pending {
    size_t first, count; /* indices into the time-ordered copy */
    int64_t done;        /* timestamp of its last event: when it is delivered */
    uint32_t cpu;
} pending;

static int by_done(const void *a, const void *b)
{
    const pending *x = a, *y = b;
    if (x->done != y->done)
        return x->done < y->done ? -1 : 1;
    return x->cpu < y->cpu ? -1 : x->cpu > y->cpu;
}

/* Read `path` and order its events as a real-time session would deliver
 * them: per CPU, buffers of PER_BUFFER events, each delivered when its last
 * event is logged. */
static void deliver_like_realtime(const char *path, delivery *d)
{
    etwcap_reader *r = NULL;
    etwcap_reader_options ro = ETWCAP_READER_OPTIONS_INIT;
    assert_int_equal(etwcap_reader_open(&r, path, &ro, NULL), ETWCAP_OK);
    d->info = *etwcap_reader_info(r);
    size_t cap = 1 << 16, n = 0;
    uint8_t **all = test_alloc(cap * sizeof *all);
    uint32_t *cpu = test_alloc(cap * sizeof *cpu);
    etwcap_event ev;
    while (etwcap_reader_next(r, &ev) == ETWCAP_OK) {
        if (n == cap) {
            cap *= 2;
            all = realloc(all, cap * sizeof *all);
            cpu = realloc(cpu, cap * sizeof *cpu);
            assert_true(all && cpu);
        }
        size_t size = etwcap_evpack_size(&ev);
        all[n] = test_alloc(size);
        etwcap_evpack_write(&ev, all[n], size);
        cpu[n++] = ev.cpu;
    }
    etwcap_reader_close(r);
    /* Per CPU, consecutive runs of PER_BUFFER events. */
    pending *bufs = test_alloc(n * sizeof *bufs);
    size_t nb = 0;
    size_t *open_buf = test_alloc(1024 * sizeof *open_buf);
    for (size_t c = 0; c < 1024; c++)
        open_buf[c] = SIZE_MAX;
    for (size_t i = 0; i < n; i++) {
        uint32_t c = cpu[i] % 1024;
        if (open_buf[c] == SIZE_MAX || bufs[open_buf[c]].count == PER_BUFFER) {
            bufs[nb] = (pending){i, 0, 0, c};
            open_buf[c] = nb++;
        }
        bufs[open_buf[c]].count++;
        etwcap_event e;
        etwcap_evpack_read(all[i], &e);
        bufs[open_buf[c]].done = e.timestamp;
    }
    qsort(bufs, nb, sizeof *bufs, by_done);
    d->ev = malloc(n * sizeof *d->ev);
    d->n = 0;
    d->max_lag = 0;
    int64_t newest = INT64_MIN;
    /* Within a buffer, its events in time order: walk the time-ordered
     * copy picking the events of that buffer's CPU from `first`. */
    for (size_t b = 0; b < nb; b++) {
        size_t got = 0;
        for (size_t i = bufs[b].first; got < bufs[b].count; i++) {
            if (cpu[i] % 1024 != bufs[b].cpu)
                continue;
            etwcap_event e;
            etwcap_evpack_read(all[i], &e);
            if (newest != INT64_MIN && newest - e.timestamp > d->max_lag)
                d->max_lag = newest - e.timestamp;
            if (e.timestamp > newest)
                newest = e.timestamp;
            d->ev[d->n++] = all[i];
            got++;
        }
    }
    assert_int_equal(d->n, n);
    free(all);
    free(cpu);
    free(bufs);
    free(open_buf);
}

static void delivery_free(delivery *d)
{
    for (size_t i = 0; i < d->n; i++)
        free(d->ev[i]);
    free(d->ev);
}

typedef struct sink {
    etwcap_evidence_stream *stream;
    int64_t last;
    uint64_t out, backwards;
} sink;

static etwcap_status to_stream(const etwcap_event *ev, void *payload)
{
    sink *k = payload;
    if (k->out && ev->timestamp < k->last)
        k->backwards++;
    k->last = ev->timestamp;
    k->out++;
    return k->stream ? etwcap_evidence_stream_add(k->stream, ev) : ETWCAP_OK;
}

static void test_window_restores_order(void **state)
{
    (void)state;
    const char *path = test_corpus_require("etl/microsoft_perfview/net.4.5.2.x86.etl");
    delivery d;
    deliver_like_realtime(path, &d);
    /* The delivery really is out of order. */
    assert_true(d.max_lag > 0);

    const char *procs[] = {"Test.x86"};
    etwcap_evidence_options opts = {
        .version = ETWCAP_EVIDENCE_OPTIONS_VERSION, .processes = procs, .nprocesses = 1};
    char sha[65];
    assert_int_equal(etwcap_sha256_file(path, sha), 0);
    sink k = {NULL, 0, 0, 0};
    assert_int_equal(etwcap_evidence_stream_begin(&k.stream, &opts, path, sha), ETWCAP_OK);
    etwcap_evidence_stream_set_info(k.stream, &d.info);
    etwcap_reorder *r = NULL;
    assert_int_equal(etwcap_reorder_create(&r, d.max_lag + 1, to_stream, &k), ETWCAP_OK);
    for (size_t i = 0; i < d.n; i++) {
        etwcap_event ev;
        etwcap_evpack_read(d.ev[i], &ev);
        assert_int_equal(etwcap_reorder_push(r, &ev), ETWCAP_OK);
    }
    assert_int_equal(etwcap_reorder_flush(r), ETWCAP_OK);
    printf("%zu events delivered out of order (lag up to %lld ticks = %.1f ms); window held at "
           "most %zu; %llu late\n",
           d.n, (long long)d.max_lag, d.max_lag * 1e3 / (double)d.info.perf_freq,
           etwcap_reorder_peak(r), (unsigned long long)etwcap_reorder_late(r));
    assert_int_equal(etwcap_reorder_late(r), 0);
    assert_int_equal(k.backwards, 0);
    assert_int_equal(k.out, d.n);
    assert_true(etwcap_reorder_peak(r) < d.n);
    etwcap_reorder_free(r);

    etwcap_evidence *e = NULL;
    assert_int_equal(etwcap_evidence_stream_end(k.stream, &e), ETWCAP_OK);
    size_t slen = 0, flen = 0;
    uint8_t *sdoc = test_evidence_doc(e, &slen);
    etwcap_evidence_free(e);
    uint8_t *fdoc = test_evidence_file_doc(path, &opts, &flen);
    assert_non_null(sdoc);
    assert_non_null(fdoc);
    char h1[65], h2[65];
    test_sha256_hex(fdoc, flen, h1);
    test_sha256_hex(sdoc, slen, h2);
    printf("file evidence %zu bytes sha256 %s\nreordered stream %zu bytes sha256 %s\n", flen, h1,
           slen, h2);
    assert_int_equal(flen, slen);
    assert_memory_equal(fdoc, sdoc, flen);
    free(fdoc);
    free(sdoc);
    delivery_free(&d);
}

/* Without a window the out-of-order events are released late, counted. */
static void test_short_window_counts_late(void **state)
{
    (void)state;
    const char *path = test_corpus_require("etl/microsoft_perfview/net.4.5.2.x86.etl");
    delivery d;
    deliver_like_realtime(path, &d);
    sink k = {NULL, 0, 0, 0};
    etwcap_reorder *r = NULL;
    assert_int_equal(etwcap_reorder_create(&r, 0, to_stream, &k), ETWCAP_OK);
    for (size_t i = 0; i < d.n; i++) {
        etwcap_event ev;
        etwcap_evpack_read(d.ev[i], &ev);
        assert_int_equal(etwcap_reorder_push(r, &ev), ETWCAP_OK);
    }
    assert_int_equal(etwcap_reorder_flush(r), ETWCAP_OK);
    assert_true(etwcap_reorder_late(r) > 0);
    assert_int_equal(k.out, d.n);
    assert_true(k.backwards > 0);
    etwcap_reorder_free(r);
    delivery_free(&d);
}

static etwcap_status fail_third(const etwcap_event *ev, void *payload)
{
    (void)ev;
    return ++*(int *)payload == 3 ? ETWCAP_ERR_NOMEM : ETWCAP_OK;
}

/* A failing sink's status comes back; what is held is freed. */
static void test_sink_error(void **state)
{
    (void)state;
    int calls = 0;
    etwcap_reorder *r = NULL;
    assert_int_equal(etwcap_reorder_create(&r, 10, fail_third, &calls), ETWCAP_OK);
    static const uint8_t payload[4] = {1, 2, 3, 4};
    etwcap_event ev;
    memset(&ev, 0, sizeof ev);
    ev.struct_version = ETWCAP_EVENT_VERSION;
    ev.payload = payload;
    ev.payload_len = 4;
    etwcap_status st = ETWCAP_OK;
    for (int i = 0; i < 100 && st == ETWCAP_OK; i++) {
        ev.timestamp = 1000 + i * 5;
        st = etwcap_reorder_push(r, &ev);
    }
    assert_int_equal(st, ETWCAP_ERR_NOMEM);
    assert_int_equal(calls, 3);
    etwcap_reorder_free(r);
    assert_int_equal(etwcap_reorder_create(&r, -1, fail_third, &calls), ETWCAP_ERR_ARG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_window_restores_order),
        cmocka_unit_test(test_short_window_counts_late),
        cmocka_unit_test(test_sink_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
