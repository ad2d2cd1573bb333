/* cmd_events.c - `etwcap events [--json] [filters] FILE`: events in time order. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "etwcap/names.h"
#include "etwcap/output.h"

static const char usage_text[] =
    "usage: etwcap events [--json] [--pid N] [--provider NAME|GUID] [--name SUBSTRING]\n"
    "                     [--limit N] FILE\n"
    "One line per event in time order; --json gives JSON Lines with the keys name, provider,\n"
    "provider_guid, id, opcode, version, pid, tid, cpu, ts, time, msec, data_len and fields.\n";

typedef struct filter {
    int has_pid;
    uint32_t pid;
    const char *provider; /* name, compared case-insensitively */
    int has_provider_guid;
    etwcap_guid provider_guid;
    const char *name_sub;
    unsigned long long limit; /* 0 = no limit */
} filter;

static int ieq(const char *a, const char *b)
{
    for (; *a && *b; a++, b++) {
        char x = (*a >= 'A' && *a <= 'Z') ? (char)(*a + 32) : *a;
        char y = (*b >= 'A' && *b <= 'Z') ? (char)(*b + 32) : *b;
        if (x != y)
            return 0;
    }
    return *a == *b;
}

static int keep(const filter *f, const etwcap_event *ev)
{
    if (f->has_pid && ev->pid != f->pid)
        return 0;
    if (f->has_provider_guid && !etwcap_guid_equal(&ev->provider, &f->provider_guid))
        return 0;
    if (f->provider) {
        char prov[256];
        etwcap_provider_name(ev, prov, sizeof prov);
        if (!ieq(prov, f->provider))
            return 0;
    }
    if (f->name_sub) {
        char name[512];
        etwcap_event_name(ev, name, sizeof name);
        if (!strstr(name, f->name_sub))
            return 0;
    }
    return 1;
}

int cmd_events(int argc, char **argv)
{
    filter f;
    memset(&f, 0, sizeof f);
    int json = 0;
    const char *path = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        unsigned long long n;
        if (!strcmp(a, "--json")) {
            json = 1;
        } else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(usage_text, stdout);
            return CLI_OK;
        } else if (!strcmp(a, "--pid") && v && cli_parse_u64(v, &n) == 0 && n <= 0xFFFFFFFFu) {
            f.has_pid = 1;
            f.pid = (uint32_t)n;
            i++;
        } else if (!strcmp(a, "--provider") && v) {
            if (etwcap_guid_parse(v, &f.provider_guid) == 0)
                f.has_provider_guid = 1;
            else
                f.provider = v;
            i++;
        } else if (!strcmp(a, "--name") && v) {
            f.name_sub = v;
            i++;
        } else if (!strcmp(a, "--limit") && v && cli_parse_u64(v, &n) == 0) {
            f.limit = n;
            i++;
        } else if (a[0] == '-' || path) {
            fprintf(stderr, "etwcap events: bad argument '%s'\n", a);
            fputs(usage_text, stderr);
            return CLI_USAGE;
        } else {
            path = a;
        }
    }
    if (!path) {
        fputs(usage_text, stderr);
        return CLI_USAGE;
    }
    etwcap_reader *r = cli_open_trace(path, 0);
    if (!r)
        return CLI_INPUT;
    etwcap_events_sink *sink = NULL;
    if (etwcap_events_sink_create(&sink, stdout, json, etwcap_reader_info(r)) != ETWCAP_OK) {
        fprintf(stderr, "etwcap: out of memory\n");
        etwcap_reader_close(r);
        return CLI_INPUT;
    }
    etwcap_event ev;
    unsigned long long written = 0;
    int out_err = 0;
    while (etwcap_reader_next(r, &ev) == ETWCAP_OK) {
        if (!keep(&f, &ev))
            continue;
        if (etwcap_events_sink_write(sink, &ev) != ETWCAP_OK) {
            out_err = 1;
            break;
        }
        if (f.limit && ++written >= f.limit)
            break;
    }
    etwcap_events_sink_free(sink);
    if (fflush(stdout) != 0)
        out_err = 1;
    int rc = cli_close_trace(r);
    if (out_err) {
        fprintf(stderr, "etwcap: error writing output\n");
        return CLI_INPUT;
    }
    return rc;
}
