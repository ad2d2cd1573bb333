/* cmd_events.c - `etwcap events [--json] [filters] FILE`: events in time order. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "etwcap/decode.h"
#include "etwcap/names.h"
#include "etwcap/output.h"
#include "etwcap/state.h"

static const char usage_text[] =
    "usage: etwcap events [--json] [--pid N] [--provider NAME|GUID] [--name SUBSTRING]\n"
    "                     [--limit N] [--all] FILE\n"
    "Idle samples (thread 0, not in a DPC or ISR) are left out as TraceEvent's TraceLog\n"
    "leaves them out; --all keeps every record.\n"
    "One line per event in time order; --json gives JSON Lines with the keys name, provider,\n"
    "provider_guid, id, opcode, version, pid, tid, cpu, ts, time, msec, data_len and fields.\n";

typedef struct filter {
    int has_pid;
    uint32_t pid;
    const char *provider;  /* unknown name: compared with the printed provider name */
    int has_provider_guid; /* known name or GUID text, resolved by etwcap_provider_lookup */
    int provider_is_kernel;
    etwcap_guid provider_guid;
    const char *name_sub;
    unsigned long long limit; /* 0 = no limit */
    int all;                  /* keep idle samples too */
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

/* Process name as TraceEvent prints it: the image name without extension. */
static void pname_of(const etwcap_state *st, uint32_t pid, int64_t ts, char *out, size_t cap)
{
    out[0] = '\0';
    if (pid == ETWCAP_NO_ID)
        return;
    const etwcap_process *p = etwcap_state_process_at(st, etwcap_state_find_process(st, pid, ts));
    if (!p || !p->image) {
        snprintf(out, cap, "Process(%u)", (unsigned)pid); /* TraceEvent's name for it */
        return;
    }
    snprintf(out, cap, "%s", p->image);
    char *dot = strrchr(out, '.');
    if (dot && dot != out)
        *dot = '\0';
}

static int keep(const filter *f, const etwcap_event *ev, uint32_t pid)
{
    if (!f->all && etwcap_event_is_idle_sample(ev))
        return 0;
    if (f->has_pid && pid != f->pid)
        return 0;
    if (f->has_provider_guid &&
        !etwcap_event_from_provider(ev, &f->provider_guid, f->provider_is_kernel))
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

static size_t map_path(const char *nt, char *out, size_t cap, void *ctx)
{
    return etwcap_state_map_path(ctx, nt, out, cap);
}

/* The whole trace's processes and threads; NULL after printing why. */
static etwcap_state *build_state(const char *path)
{
    etwcap_reader_options o = ETWCAP_READER_OPTIONS_INIT; /* quiet: pass 2 reports */
    etwcap_reader *r = NULL;
    etwcap_state *st = NULL;
    if (etwcap_reader_open(&r, path, &o, NULL) != ETWCAP_OK ||
        etwcap_state_create(&st) != ETWCAP_OK) {
        fprintf(stderr, "etwcap: %s: cannot read the trace twice\n", path);
        etwcap_reader_close(r);
        return NULL;
    }
    etwcap_event ev;
    while (etwcap_reader_next(r, &ev) == ETWCAP_OK) {
        if (etwcap_state_update(st, &ev) != ETWCAP_OK) {
            fprintf(stderr, "etwcap: out of memory\n");
            etwcap_state_free(st);
            st = NULL;
            break;
        }
    }
    etwcap_reader_close(r);
    return st;
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
        if (!a)
            break; /* never (only argv[argc] is null): said for clang's analyzer,
                    * which reads the null checks of v below as "argv[i] may be" */
        unsigned long long n;
        if (!strcmp(a, "--json")) {
            json = 1;
        } else if (!strcmp(a, "--all")) {
            f.all = 1;
        } else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(usage_text, stdout);
            return CLI_OK;
        } else if (!strcmp(a, "--pid") && v && cli_parse_u64(v, &n) == 0 && n <= 0xFFFFFFFFu) {
            f.has_pid = 1;
            f.pid = (uint32_t)n;
            i++;
        } else if (!strcmp(a, "--provider") && v) {
            if (etwcap_provider_lookup(v, &f.provider_guid, &f.provider_is_kernel) == 0)
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
    etwcap_reader *r = cli_open_trace(path, CLI_TIME_ORDER);
    if (!r)
        return CLI_INPUT;
    etwcap_events_sink *sink = NULL;
    if (etwcap_events_sink_create(&sink, stdout, json, etwcap_reader_info(r)) != ETWCAP_OK) {
        fprintf(stderr, "etwcap: out of memory\n");
        etwcap_reader_close(r);
        return CLI_INPUT;
    }
    /* Pass 1 learns every process and thread, so that events logged before
     * their process's rundown are still named, as TraceLog names them. */
    etwcap_state *st = build_state(path);
    if (!st) {
        etwcap_events_sink_free(sink);
        etwcap_reader_close(r);
        return CLI_INPUT;
    }
    etwcap_event ev;
    unsigned long long written = 0;
    int out_err = 0;
    char pname[256];
    while (etwcap_reader_next(r, &ev) == ETWCAP_OK) {
        etwcap_event_owner owner;
        owner.pid = etwcap_state_event_pid(st, &ev);
        owner.tid = etwcap_state_event_tid(&ev);
        owner.map_path = map_path;
        owner.map_ctx = st;
        if (!keep(&f, &ev, owner.pid))
            continue;
        pname_of(st, owner.pid, ev.timestamp, pname, sizeof pname);
        owner.pname = pname;
        if (etwcap_events_sink_write(sink, &ev, &owner) != ETWCAP_OK) {
            out_err = 1;
            break;
        }
        if (f.limit && ++written >= f.limit)
            break;
    }
    etwcap_events_sink_free(sink);
    etwcap_state_free(st);
    if (fflush(stdout) != 0)
        out_err = 1;
    int rc = cli_close_trace(r);
    if (out_err) {
        fprintf(stderr, "etwcap: error writing output\n");
        return CLI_INPUT;
    }
    return rc;
}
