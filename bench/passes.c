/* passes.c - `etwcap stats --threads 1`'s work done N times over in one
 * process (bench/run.sh; issue #8).
 *
 * A whole `etwcap stats` run on a 4 MB trace also pays for starting a
 * process and for its first touches of memory (page faults, cold caches),
 * which on a VM can be a fifth of the run. This program tells the parts
 * apart: each pass opens the file, counts every record per event type as
 * `stats` does (the same library calls and options) and closes it again, so
 * the first pass carries the first touches and the later ones do not.
 *
 * usage: etwcap-bench-passes FILE N
 * prints one line per pass, "pass I MS RECORDS", with RECORDS the records
 * walked (stats' TOTAL). Exit status 2 when the file cannot be read whole.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "etwcap/output.h"
#include "etwcap/reader.h"

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static etwcap_status count_event(void *ctx, const etwcap_event *ev)
{
    return etwcap_stats_add(ctx, ev);
}

static void note_diag(const etwcap_diag *d, void *payload)
{
    (void)d;
    ++*(unsigned *)payload;
}

/* One pass; the records walked, or -1 when the file could not be read whole
 * (a diagnostic, or out of memory). */
static long long run_pass(const char *path)
{
    /* cli_open_trace_threads's options for `stats` (src/cli/cli_common.c):
     * file order, buffers found while reading, one thread. */
    etwcap_reader_options opts = ETWCAP_READER_OPTIONS_INIT;
    opts.no_merge = 1;
    opts.lazy_scan = 1;
    opts.threads = 1;
    unsigned ndiag = 0;
    opts.on_diag = note_diag;
    opts.diag_payload = &ndiag;
    etwcap_reader *r = NULL;
    etwcap_diag d = {0};
    if (etwcap_reader_open(&r, path, &opts, &d) != ETWCAP_OK) {
        fprintf(stderr, "etwcap-bench-passes: %s: %s\n", path,
                d.message[0] ? d.message : etwcap_status_str(d.status));
        return -1;
    }
    etwcap_stats *st = NULL;
    long long n = -1;
    if (etwcap_stats_create(&st) == ETWCAP_OK) {
        void *ctx = st;
        etwcap_status vs = etwcap_reader_visit(r, count_event, &ctx, 1);
        /* The sorted COUNT lines are part of `stats`' work too. */
        FILE *sink = fopen("/dev/null", "w");
        if (vs == ETWCAP_OK && ndiag == 0 && sink && etwcap_stats_write(st, sink) == ETWCAP_OK)
            n = (long long)etwcap_reader_stats_get(r)->records;
        if (sink)
            fclose(sink);
    }
    etwcap_stats_free(st);
    etwcap_reader_close(r);
    return n;
}

int main(int argc, char **argv)
{
    char *end = NULL;
    long passes = argc == 3 ? strtol(argv[2], &end, 10) : 0;
    if (argc != 3 || *end || passes < 1 || passes > 1000) {
        fputs("usage: etwcap-bench-passes FILE N (1 <= N <= 1000)\n", stderr);
        return 1;
    }
    for (long i = 1; i <= passes; i++) {
        double t0 = now_ms();
        long long n = run_pass(argv[1]);
        double ms = now_ms() - t0;
        if (n < 0)
            return 2;
        printf("pass %ld %.3f %lld\n", i, ms, n);
    }
    return 0;
}
