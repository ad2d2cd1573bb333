/* cmd_stats.c - `etwcap stats FILE`: COUNT lines per event type, then TOTAL. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "etwcap/output.h"

static const char usage_text[] =
    "usage: etwcap stats [--threads N] FILE\n"
    "Print `COUNT <Provider/Event>:<n>` per event type, sorted by name, then `TOTAL:<n>`,\n"
    "the number of records walked (the log-file header record included).\n"
    "--threads N: threads that decompress buffers (default: one per processor); the output\n"
    "is the same for any N.\n";

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
    /* Counting does not need time order, and every record is read. */
    etwcap_reader *r = cli_open_trace_threads(path, CLI_FILE_ORDER_ONCE, threads);
    if (!r)
        return CLI_INPUT;
    etwcap_stats *st = NULL;
    if (etwcap_stats_create(&st) != ETWCAP_OK) {
        fprintf(stderr, "etwcap: out of memory\n");
        etwcap_reader_close(r);
        return CLI_INPUT;
    }
    etwcap_event ev;
    while (etwcap_reader_next(r, &ev) == ETWCAP_OK) {
        if (etwcap_stats_add(st, &ev) != ETWCAP_OK) {
            fprintf(stderr, "etwcap: out of memory\n");
            break;
        }
    }
    etwcap_status ws = etwcap_stats_write(st, stdout);
    etwcap_stats_free(st);
    int rc = cli_close_trace(r);
    return (ws != ETWCAP_OK) ? CLI_INPUT : rc;
}
