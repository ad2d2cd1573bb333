/* cli_common.c - opening traces and reporting their problems. */
#include "cli.h"
#include "etwcap/state.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "etwcap/symbol.h"

static void print_diag(const etwcap_diag *d, void *payload)
{
    const char *path = payload;
    if (d->buffer_index >= 0)
        fprintf(stderr, "etwcap: %s: buffer %lld at offset %llu (0x%llx): %s\n", path,
                (long long)d->buffer_index, (unsigned long long)d->offset,
                (unsigned long long)d->offset, d->message);
    else
        fprintf(stderr, "etwcap: %s: %s\n", path, d->message);
}

etwcap_reader *cli_open_trace(const char *path, cli_order order)
{
    return cli_open_trace_threads(path, order, 0);
}

int cli_container_root_ok(const char *s)
{
    const char *eq = strchr(s, '=');
    char guid[37];
    if (eq && eq[1] && etwcap_state_container_id_parse(s, (size_t)(eq - s), guid) == 0)
        return 1;
    fprintf(stderr,
            "etwcap: --container-root '%s': expected GUID=DIR (a container id, then the "
            "folder that holds its files)\n",
            s);
    return 0;
}

int cli_parse_threads(const char *s, unsigned *out)
{
    unsigned long long n;
    if (cli_parse_u64(s, &n) != 0 || n < 1 || n > 1024)
        return -1;
    *out = (unsigned)n;
    return 0;
}

etwcap_reader *cli_open_trace_threads(const char *path, cli_order order, unsigned threads)
{
    etwcap_reader_options opts = ETWCAP_READER_OPTIONS_INIT;
    opts.no_merge = order != CLI_TIME_ORDER;
    opts.lazy_scan = order == CLI_FILE_ORDER_ONCE;
    opts.threads = threads;
    opts.on_diag = print_diag;
    opts.diag_payload = (void *)path;
    etwcap_reader *r = NULL;
    etwcap_diag d = {0};
    etwcap_status st = etwcap_reader_open(&r, path, &opts, &d);
    if (st != ETWCAP_OK) {
        if (d.message[0])
            print_diag(&d, (void *)path);
        else
            fprintf(stderr, "etwcap: %s: %s\n", path, etwcap_status_str(st));
        return NULL;
    }
    return r;
}

int cli_close_trace(etwcap_reader *r)
{
    size_t n = etwcap_reader_diag_count(r);
    const etwcap_reader_stats *st = etwcap_reader_stats_get(r);
    if (n)
        fprintf(stderr,
                "etwcap: %s: %zu problem(s) found; %llu buffer(s) skipped; output covers what "
                "was readable\n",
                etwcap_reader_path(r), n, (unsigned long long)st->buffers_skipped);
    etwcap_reader_close(r);
    return n ? CLI_INPUT : CLI_OK;
}

int cli_parse_symbolizer(const char *s, int *backend)
{
    etwcap_symbolizer_backend b;
    if (etwcap_symbolizer_backend_parse(s, &b) != 0) {
        fprintf(stderr, "etwcap: --symbolizer: '%s' is not builtin or dbghelp\n", s);
        return CLI_USAGE;
    }
    if (!etwcap_symbolizer_backend_available(b)) {
        fprintf(stderr,
                "etwcap: --symbolizer %s: DbgHelp is a Windows library; this build of etwcap has "
                "only the builtin symbolizer (use --symbolizer builtin)\n",
                s);
        return CLI_USAGE;
    }
    *backend = (int)b;
    return CLI_OK;
}

int cli_parse_u64(const char *s, unsigned long long *out)
{
    if (!s || !*s)
        return -1;
    char *end = NULL;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 0);
    if (errno || *end || *s == '-')
        return -1;
    *out = v;
    return 0;
}
