/* cmd_stats.c - `etwcap stats FILE`: COUNT lines per event type, then TOTAL. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "etwcap/output.h"

static const char usage_text[] =
    "usage: etwcap stats [--threads N] FILE\n"
    "Print `COUNT <Provider/Event>:<n>` per event type, sorted by name, then `TOTAL:<n>`,\n"
    "the number of records walked (the log-file header record included).\n"
    "--threads N: threads that decode and count buffers (default: one per processor); the\n"
    "output is the same for any N.\n";

static etwcap_status count_event(void *ctx, const etwcap_event *ev)
{
    return etwcap_stats_add(ctx, ev);
}

int cmd_stats(int argc, char **argv)
{
    const char *path = NULL;
    unsigned threads = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            fputs(usage_text, stdout);
            return CLI_OK;
        } else if (!strcmp(argv[i], "--threads") && i + 1 < argc &&
                   cli_parse_threads(argv[i + 1], &threads) == 0) {
            i++;
        } else if (argv[i][0] == '-' || path) {
            fputs(usage_text, stderr);
            return CLI_USAGE;
        } else
            path = argv[i];
    }
    if (!path) {
        fputs(usage_text, stderr);
        return CLI_USAGE;
    }
    /* Counting needs no order, and every record is read: each thread counts
     * the buffers it decodes, and the counts are added up at the end. */
    etwcap_reader *r = cli_open_trace_threads(path, CLI_FILE_ORDER_ONCE, threads);
    if (!r)
        return CLI_INPUT;
    size_t n = etwcap_reader_threads(r);
    etwcap_stats **st = calloc(n, sizeof(etwcap_stats *));
    etwcap_status vs = st ? ETWCAP_OK : ETWCAP_ERR_NOMEM;
    for (size_t i = 0; vs == ETWCAP_OK && i < n; i++)
        vs = etwcap_stats_create(&st[i]);
    etwcap_status ws = ETWCAP_OK;
    if (vs == ETWCAP_OK) {
        /* Out of memory while counting: the counts so far are still
         * printed, and the exit status says they are incomplete. */
        vs = etwcap_reader_visit(r, count_event, (void *const *)st, n);
        for (size_t i = 1; ws == ETWCAP_OK && i < n; i++)
            ws = etwcap_stats_merge(st[0], st[i]);
        if (ws == ETWCAP_OK)
            ws = etwcap_stats_write(st[0], stdout);
    }
    if (vs != ETWCAP_OK || ws == ETWCAP_ERR_NOMEM)
        fprintf(stderr, "etwcap: out of memory\n");
    for (size_t i = 0; st && i < n; i++)
        etwcap_stats_free(st[i]);
    free(st);
    int rc = cli_close_trace(r);
    return (vs != ETWCAP_OK || ws != ETWCAP_OK) ? CLI_INPUT : rc;
}
