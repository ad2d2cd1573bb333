/* cmd_info.c - `etwcap info [--json] FILE`. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "etwcap/output.h"

static const char usage_text[] =
    "usage: etwcap info [--json] FILE\n"
    "Show the session name, OS version and build, CPUs, pointer size, clock, start and end\n"
    "(UTC), buffer size, buffers, compression, events lost and buffers lost.\n";

int cmd_info(int argc, char **argv)
{
    int json = 0;
    const char *path = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--json"))
            json = 1;
        else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            fputs(usage_text, stdout);
            return CLI_OK;
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
    /* Only the header record is read; the counts come from the scan at open. */
    etwcap_reader *r = cli_open_trace_threads(path, CLI_FILE_ORDER, 1);
    if (!r)
        return CLI_INPUT;
    const etwcap_logfile_info *info = etwcap_reader_info(r);
    if (!info) {
        fprintf(stderr, "etwcap: %s: no log-file header; nothing to show\n", path);
        cli_close_trace(r);
        return CLI_INPUT;
    }
    etwcap_status st = etwcap_info_write(stdout, json, path, info, etwcap_reader_stats_get(r));
    int rc = cli_close_trace(r);
    return st != ETWCAP_OK ? CLI_INPUT : rc;
}
