/* test_reader_threads.c - the reader gives the same events, diagnostics and
 * counters with 1, 2 and 4 decoding threads (etwcap_reader_options.threads),
 * in time order and in file order, on the corpus, on damaged copies of it,
 * and on a generated trace whose buffers overflow the index window. In file
 * order, finding the buffers while reading them (lazy_scan) gives the same
 * events, the same diagnostics (a bad header is reported when the walk meets
 * it, so only their order may differ) and, at the end, the same counters.
 * Visiting the events on several threads (etwcap_reader_visit) gives the
 * same events (in any order across buffers, in order within one), the same
 * diagnostics in the same order, and the same counters as reading them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "common/bytes.h"
#include "etwcap/reader.h"
#include "testgen.h"

/* What one walk over a trace saw. */
typedef struct walk_result {
    uint64_t events;
    uint64_t hash;      /* over (timestamp, cpu, buffer_index, record_offset, payload) */
    uint64_t event_set; /* sum of one such hash per event: their order does not count */
    uint64_t diag_hash;
    uint64_t diag_set; /* sum of one hash per diagnostic: their order does not count */
    size_t ndiags;
    etwcap_reader_stats stats;
    int ordered;
} walk_result;

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 1099511628211ULL;
    return h;
}

static uint64_t fnv_u64(uint64_t h, uint64_t v)
{
    uint8_t b[8];
    etwcap_wr64(b, v);
    return fnv(h, b, 8);
}

static uint64_t event_hash(uint64_t h, const etwcap_event *ev)
{
    h = fnv_u64(h, (uint64_t)ev->timestamp);
    h = fnv_u64(h, (uint64_t)ev->filetime);
    h = fnv_u64(h, ev->cpu);
    h = fnv_u64(h, ev->buffer_index);
    h = fnv_u64(h, ev->record_offset);
    h = fnv_u64(h, ev->payload_len);
    return fnv(h, ev->payload, ev->payload_len);
}

static void on_diag(const etwcap_diag *d, void *payload)
{
    walk_result *w = payload;
    uint64_t h = fnv_u64(1469598103934665603ULL, (uint64_t)d->buffer_index);
    h = fnv_u64(h, d->offset);
    h = fnv_u64(h, (uint64_t)(int64_t)d->status);
    h = fnv(h, d->message, strlen(d->message));
    w->diag_hash = fnv_u64(w->diag_hash, h);
    w->diag_set += h;
}

/* Open a trace from `path`, or from memory when `data` is given, with its
 * diagnostics counted into `w` (cleared first). Returns the open status. */
static etwcap_status open_trace(const char *path, const uint8_t *data, size_t size, int no_merge,
                                uint32_t threads, int lazy_scan, walk_result *w, etwcap_reader **r)
{
    memset(w, 0, sizeof *w);
    w->hash = w->diag_hash = 1469598103934665603ULL;
    w->ordered = 1;
    etwcap_reader_options o = ETWCAP_READER_OPTIONS_INIT;
    o.no_merge = no_merge;
    o.threads = threads;
    o.lazy_scan = lazy_scan;
    o.on_diag = on_diag;
    o.diag_payload = w;
    *r = NULL;
    return data ? etwcap_reader_open_memory(r, data, size, "mem", &o, NULL)
                : etwcap_reader_open(r, path, &o, NULL);
}

/* Walk a trace with the iterator. Returns the open status. */
static etwcap_status walk(const char *path, const uint8_t *data, size_t size, int no_merge,
                          uint32_t threads, int lazy_scan, walk_result *w)
{
    etwcap_reader *r = NULL;
    etwcap_status st = open_trace(path, data, size, no_merge, threads, lazy_scan, w, &r);
    if (st != ETWCAP_OK)
        return st;
    etwcap_event ev;
    int64_t last = INT64_MIN;
    while (etwcap_reader_next(r, &ev) == ETWCAP_OK) {
        w->hash = event_hash(w->hash, &ev);
        w->event_set += event_hash(1469598103934665603ULL, &ev);
        if (ev.timestamp < last)
            w->ordered = 0;
        last = ev.timestamp;
        w->events++;
    }
    w->ndiags = etwcap_reader_diag_count(r);
    w->stats = *etwcap_reader_stats_get(r);
    etwcap_reader_close(r);
    return ETWCAP_OK;
}

/* What one thread of a visit saw. */
typedef struct visit_ctx {
    uint64_t events, event_set;
    uint32_t buffer; /* the last event's buffer and offset: in order within a buffer */
    uint32_t offset;
    int in_order;
    uint32_t fail_at;   /* return an error at the first record of this buffer; 0 = never */
    uint32_t last_seen; /* highest buffer index seen */
    uint64_t before;    /* events of buffers before fail_at */
} visit_ctx;

static etwcap_status visit_event(void *p, const etwcap_event *ev)
{
    visit_ctx *c = p;
    if (c->events && ev->buffer_index == c->buffer && ev->record_offset <= c->offset)
        c->in_order = 0;
    c->buffer = ev->buffer_index;
    c->offset = ev->record_offset;
    c->events++;
    c->event_set += event_hash(1469598103934665603ULL, ev);
    if (ev->buffer_index > c->last_seen)
        c->last_seen = ev->buffer_index;
    if (ev->buffer_index < c->fail_at)
        c->before++;
    if (c->fail_at && ev->buffer_index == c->fail_at)
        return ETWCAP_ERR_NOMEM;
    return ETWCAP_OK;
}

#define VISIT_CTXS 6

/* Visit a trace with `threads` threads (file order); the results of all
 * contexts together (with `fail_at`, also the highest buffer index seen and
 * the events before that buffer). Returns what the visit returned. */
static etwcap_status visit(const char *path, const uint8_t *data, size_t size, uint32_t threads,
                           int lazy_scan, uint32_t fail_at, walk_result *w, uint32_t *last_seen,
                           uint64_t *before)
{
    etwcap_reader *r = NULL;
    assert_int_equal(open_trace(path, data, size, 1, threads, lazy_scan, w, &r), ETWCAP_OK);
    etwcap_status st;
    visit_ctx c[VISIT_CTXS];
    void *ctxs[VISIT_CTXS];
    memset(c, 0, sizeof c);
    for (int i = 0; i < VISIT_CTXS; i++) {
        c[i].in_order = 1;
        c[i].fail_at = fail_at;
        ctxs[i] = &c[i];
    }
    st = etwcap_reader_visit(r, visit_event, ctxs, VISIT_CTXS);
    for (size_t i = 0; i < VISIT_CTXS; i++) {
        if (i >= etwcap_reader_threads(r))
            assert_int_equal(c[i].events, 0); /* never handed to a thread */
        assert_true(c[i].in_order);
        w->events += c[i].events;
        w->event_set += c[i].event_set;
        if (last_seen && c[i].last_seen > *last_seen)
            *last_seen = c[i].last_seen;
        if (before)
            *before += c[i].before;
    }
    /* The iterator has nothing left after a visit. */
    etwcap_event ev;
    if (st == ETWCAP_OK)
        assert_int_equal(etwcap_reader_next(r, &ev), ETWCAP_END);
    w->ndiags = etwcap_reader_diag_count(r);
    w->stats = *etwcap_reader_stats_get(r);
    etwcap_reader_close(r);
    return st;
}

/* A visit with 1, 2 and 4 threads against reading in file order (`ref`,
 * one thread, the same lazy_scan): everything but the order of events. */
static void compare_visit(const char *path, const uint8_t *data, size_t size, const char *what,
                          int lazy_scan, const walk_result *ref)
{
    static const uint32_t counts[] = {1, 2, 4};
    for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++) {
        walk_result got;
        assert_int_equal(visit(path, data, size, counts[i], lazy_scan, 0, &got, NULL, NULL),
                         ETWCAP_OK);
        if (got.events != ref->events || got.diag_hash != ref->diag_hash)
            print_message("%s, visit with %u threads: %llu events (%llu), %llu diagnostics "
                          "(%llu)\n",
                          what, (unsigned)counts[i], (unsigned long long)got.events,
                          (unsigned long long)ref->events, (unsigned long long)got.ndiags,
                          (unsigned long long)ref->ndiags);
        assert_int_equal(got.events, ref->events);
        assert_true(got.event_set == ref->event_set);
        assert_int_equal(got.ndiags, ref->ndiags);
        assert_true(got.diag_hash == ref->diag_hash);
        assert_memory_equal(&got.stats, &ref->stats, sizeof got.stats);
    }
}

/* `diag_order`: the diagnostics must also come in the same order. */
static void expect_same(const walk_result *a, const walk_result *b, const char *what,
                        uint32_t threads, int diag_order)
{
    if (a->events != b->events || a->hash != b->hash || a->ndiags != b->ndiags ||
        a->diag_set != b->diag_set || (diag_order && a->diag_hash != b->diag_hash))
        print_message("%s with %u threads: %llu events (%llu), %llu diagnostics (%llu)\n", what,
                      (unsigned)threads, (unsigned long long)b->events,
                      (unsigned long long)a->events, (unsigned long long)b->ndiags,
                      (unsigned long long)a->ndiags);
    assert_int_equal(a->events, b->events);
    assert_true(a->hash == b->hash);
    assert_true(a->event_set == b->event_set);
    assert_int_equal(a->ndiags, b->ndiags);
    assert_true(a->diag_set == b->diag_set);
    if (diag_order)
        assert_true(a->diag_hash == b->diag_hash);
    assert_int_equal(a->ordered, b->ordered);
    assert_memory_equal(&a->stats, &b->stats, sizeof a->stats);
}

/* 1 thread is the reference; 2 and 4 must match it, in both orders. In file
 * order, lazy_scan with 1, 2 and 4 threads must match it too (diagnostics
 * in any order), and match each other in order. */
static void compare_threads(const char *path, const uint8_t *data, size_t size, const char *what,
                            int expect_ordered)
{
    static const uint32_t counts[] = {2, 4};
    for (int no_merge = 0; no_merge <= 1; no_merge++) {
        walk_result ref, got;
        assert_int_equal(walk(path, data, size, no_merge, 1, 0, &ref), ETWCAP_OK);
        if (!no_merge && expect_ordered)
            assert_true(ref.ordered);
        for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++) {
            assert_int_equal(walk(path, data, size, no_merge, counts[i], 0, &got), ETWCAP_OK);
            expect_same(&ref, &got, what, counts[i], 1);
        }
        if (!no_merge)
            continue;
        compare_visit(path, data, size, what, 0, &ref);
        walk_result lazy;
        assert_int_equal(walk(path, data, size, 1, 1, 1, &lazy), ETWCAP_OK);
        expect_same(&ref, &lazy, what, 1, 0);
        for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++) {
            assert_int_equal(walk(path, data, size, 1, counts[i], 1, &got), ETWCAP_OK);
            expect_same(&lazy, &got, what, counts[i], 1);
        }
        compare_visit(path, data, size, what, 1, &lazy);
    }
}

/* Every corpus file, read from the file. */
static void test_corpus(void **state)
{
    (void)state;
    const char *manifest = test_corpus_require("MANIFEST.tsv");
    char root[4096];
    snprintf(root, sizeof root, "%s", manifest);
    root[strlen(root) - strlen("MANIFEST.tsv")] = '\0';
    FILE *f = fopen(manifest, "r");
    assert_non_null(f);
    char line[8192];
    int files = 0;
    assert_non_null(fgets(line, sizeof line, f)); /* column names */
    while (fgets(line, sizeof line, f)) {
        char *tab = strchr(line, '\t');
        assert_non_null(tab);
        *tab = '\0';
        char path[8192 + 4096 + 8];
        snprintf(path, sizeof path, "%setl/%s", root, line);
        compare_threads(path, NULL, 0, line, 1);
        files++;
    }
    fclose(f);
    assert_true(files > 0);
}

/* Offset of buffer `n` of an undamaged file (the walk of its sizes). */
static size_t buffer_offset(const uint8_t *data, size_t size, size_t n)
{
    size_t off = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t bsize = etwcap_rd32(data + off);
        assert_true(bsize >= 0x48 && bsize <= size - off);
        off += bsize;
    }
    return off;
}

/* Damaged copies of a compressed file (flipped bytes in compressed data,
 * a cut in the middle of a buffer, a buffer size that cannot be, a cut in a
 * buffer header): the same diagnostics, in the same order, whatever thread
 * decoded the buffer. From memory and from a file. */
static void test_damaged(void **state)
{
    (void)state;
    const char *p = test_corpus_require("etl/microsoft_perfview/net.4.5.2.x86.etl");
    size_t size = 0;
    uint8_t *data = test_read_file(p, &size);
    assert_non_null(data);
    uint64_t rng = 0x9E3779B97F4A7C15ULL;
    for (int round = 0; round < 6; round++) {
        uint8_t *copy = malloc(size);
        assert_non_null(copy);
        memcpy(copy, data, size);
        /* Flip bytes past the header buffer (512 bytes here). */
        for (int k = 0; k < (round < 4 ? 40 : 0); k++) {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            size_t at = 512 + (size_t)(rng % (size - 512));
            if (etwcap_rd32(copy + (at & ~(size_t)7)) != 0) /* keep most buffer sizes */
                copy[at] ^= (uint8_t)(1u << (rng >> 61));
        }
        if (round == 1 || round == 2) {
            /* Damaged buffer headers: an unknown compression format, an
             * impossible decompressed size, a short one. */
            size_t off = 0, i = 0;
            while (off + 0x48 <= size) {
                uint32_t bsize = etwcap_rd32(data + off);
                if (bsize < 0x48 || bsize > size - off)
                    break;
                if (i % 37 == 5)
                    etwcap_wr32(copy + off + 0x2C, 4);
                else if (i % 41 == 7)
                    etwcap_wr32(copy + off + 0x30, round == 1 ? 0x7FFFFFFFu : 0x40u);
                else if (i % 43 == 9)
                    etwcap_wr32(copy + off + 0x30, 0x100);
                off += bsize;
                i++;
            }
        }
        size_t cut = round == 3 ? size - 7777 : size;
        if (round == 4) /* no next buffer can be found after buffer 99 */
            etwcap_wr32(copy + buffer_offset(data, size, 100), 0x20);
        if (round == 5) /* the file ends 40 bytes into the header of buffer 150 */
            cut = buffer_offset(data, size, 150) + 40;
        if (round >= 4) {
            /* A problem in a buffer shortly before the bad header: the walk,
             * looking ahead for other threads, meets the header first, but
             * its diagnostic must still come last. */
            size_t before = round == 4 ? 98 : 148;
            etwcap_wr32(copy + buffer_offset(data, size, before) + 0x2C, 4);
        }
        compare_threads(NULL, copy, cut, "damaged copy", 0);
        if (round == 0) {
            const char *tmp = "test_reader_threads.tmp.etl";
            FILE *f = fopen(tmp, "wb");
            assert_non_null(f);
            assert_int_equal(fwrite(copy, 1, cut, f), cut);
            assert_int_equal(fclose(f), 0);
            compare_threads(tmp, NULL, 0, "damaged file", 0);
            remove(tmp);
        }
        free(copy);
    }
    free(data);
}

/* A generated trace with more buffers than the index window holds: two
 * busy CPUs, and a quiet one whose second buffer comes at the very end of
 * the file, so it must be searched for beyond a full window. */
static void check_window(int compress)
{
    testgen_options o;
    testgen_options_init(&o);
    o.num_cpus = 3;
    o.buffer_size = 0x100;
    o.header_buffer_size = 0x400;
    o.compress = compress;
    testgen_trace *t = testgen_new(&o);
    assert_non_null(t);
    int64_t ts = o.header_timestamp + 10;
    uint8_t payload[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    assert_int_equal(testgen_set_cpu(t, 2), 0);
    for (int i = 0; i < 3; i++)
        assert_int_equal(testgen_system(t, ETWCAP_HDR_SYSTEM64, 0x0A, 10, 2, 4, 40, ts++, payload,
                                        sizeof payload),
                         0);
    assert_int_equal(testgen_flush(t, 2), 0);
    for (uint32_t i = 0; i < 90000; i++) {
        uint32_t cpu = i % 7 < 4 ? 0 : 1;
        assert_int_equal(testgen_set_cpu(t, cpu), 0);
        etwcap_wr32(payload, i);
        assert_int_equal(testgen_system(t, ETWCAP_HDR_SYSTEM64, 0x0A, 10, 2, 4, 10 + cpu, ts++,
                                        payload, sizeof payload),
                         0);
    }
    assert_int_equal(testgen_set_cpu(t, 2), 0);
    assert_int_equal(
        testgen_system(t, ETWCAP_HDR_SYSTEM64, 0x0A, 10, 2, 4, 40, ts++, payload, sizeof payload),
        0);
    uint8_t *img = NULL;
    size_t len = 0;
    assert_int_equal(testgen_write_mem(t, &img, &len), 0);
    size_t nbuf = testgen_buffer_count(t);
    assert_true(nbuf > 20000); /* more than the window (KNOWN_CAP) */
    testgen_free(t);

    walk_result w;
    assert_int_equal(walk(NULL, img, len, 0, 1, 0, &w), ETWCAP_OK);
    assert_int_equal(w.events, 1 + 3 + 90000 + 1);
    assert_int_equal(w.ndiags, 0);
    assert_true(w.ordered);
    compare_threads(NULL, img, len, compress ? "window (compressed)" : "window", 1);
    const char *tmp = "test_reader_threads.window.etl";
    FILE *f = fopen(tmp, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(img, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
    compare_threads(tmp, NULL, 0, compress ? "window file (compressed)" : "window file", 1);
    remove(tmp);
    free(img);
}

static void test_window(void **state)
{
    (void)state;
    check_window(0);
    check_window(1);
}

/* A visit stops when the caller's function fails, and returns its status.
 * Jobs are taken in file order, so every buffer before the failing one is
 * visited whole. Buffers after it may have been taken by other threads
 * before the failure was seen (how many depends on timing: the thread with
 * the failing buffer may still be decompressing it), but never more than the
 * jobs in flight, at most 64 (reader_visit.c). */
static void test_visit_stops(void **state)
{
    (void)state;
    const char *p = test_corpus_require("etl/microsoft_perfview/net.4.5.2.x86.etl");
    const uint32_t fail_at = 100;
    uint64_t want_before = 0;
    {
        walk_result w;
        etwcap_reader *r = NULL;
        assert_int_equal(open_trace(p, NULL, 0, 1, 1, 1, &w, &r), ETWCAP_OK);
        etwcap_event ev;
        while (etwcap_reader_next(r, &ev) == ETWCAP_OK)
            want_before += ev.buffer_index < fail_at;
        etwcap_reader_close(r);
    }
    assert_true(want_before > 50000);
    static const uint32_t counts[] = {1, 2, 4};
    for (int round = 0; round < 20; round++) {
        for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++) {
            walk_result w;
            uint32_t last_seen = 0;
            uint64_t before = 0;
            assert_int_equal(visit(p, NULL, 0, counts[i], 1, fail_at, &w, &last_seen, &before),
                             ETWCAP_ERR_NOMEM);
            assert_int_equal(before, want_before);
            if (counts[i] == 1)
                assert_int_equal(last_seen, fail_at);
            assert_true(last_seen < fail_at + 64);
        }
    }
    /* No function or no context: an argument error, nothing read. */
    etwcap_reader *r = NULL;
    assert_int_equal(etwcap_reader_open(&r, p, NULL, NULL), ETWCAP_OK);
    void *ctx = NULL;
    assert_int_equal(etwcap_reader_visit(r, NULL, &ctx, 1), ETWCAP_ERR_ARG);
    assert_int_equal(etwcap_reader_visit(r, visit_event, &ctx, 0), ETWCAP_ERR_ARG);
    etwcap_reader_close(r);
}

/* Version-1 options (no `threads` field) still open a trace. */
static void test_options_v1(void **state)
{
    (void)state;
    const char *p = test_corpus_require("etl/microsoft_perfview/net.4.5.2.x86.etl");
    etwcap_reader_options o = ETWCAP_READER_OPTIONS_INIT;
    o.version = 1;
    o.threads = 4; /* not read with version 1 */
    etwcap_reader *r = NULL;
    assert_int_equal(etwcap_reader_open(&r, p, &o, NULL), ETWCAP_OK);
    etwcap_event ev;
    uint64_t n = 0;
    while (etwcap_reader_next(r, &ev) == ETWCAP_OK)
        n++;
    assert_int_equal(n, 168298);
    etwcap_reader_close(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_corpus),      cmocka_unit_test(test_damaged),
        cmocka_unit_test(test_window),      cmocka_unit_test(test_options_v1),
        cmocka_unit_test(test_visit_stops),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
