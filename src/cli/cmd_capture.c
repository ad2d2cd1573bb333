/* cmd_capture.c - `etwcap capture`: record a live ETW trace on Windows, then
 * optionally run the offline evidence stage on it (issue #4). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture/capture.h"
#include "capture/images.h"
#include "capture_rt.h"
#include "cli.h"
#include "confirm/watch.h"

static const char usage_text[] =
    "usage: etwcap capture [--duration 30s] [--process NAME | --pid N | --container ID]...\n"
    "                      [--sample-rate HZ] [--no-clr] [--no-stacks] [--realtime]\n"
    "                      [--watch CLAIMS.json]\n"
    "                      [-o trace.etl] [--evidence OUT.json] [--symbols PATH]\n"
    "                      [-- COMMAND [ARGS]...]\n"
    "Records kernel process/thread/image/CPU-sample events with stacks and the CLR\n"
    "loader/JIT/NGen/R2R events (plus start and end rundown) into an .etl file (default\n"
    "trace.etl). Stops at the end of --duration (e.g. 500ms, 30s, 5m; default: none), on\n"
    "Ctrl-C or console close, or when every --pid target has exited. Needs Windows and\n"
    "administrator rights. --evidence OUT.json then runs `etwcap evidence` on the trace\n"
    "with the same --process/--pid/--container selector and --symbols.\n"
    "--pid filters CLR events at the source (at most 8 PIDs; with more, the offline\n"
    "stage does all the scoping). --container enables the CLR providers inside\n"
    "containers (silos) with source-container tracking.\n"
    "-- COMMAND ARGS: start COMMAND suspended, resume it once the session runs, stop\n"
    "when its whole process tree has exited (or at --duration); --evidence then covers\n"
    "that process tree.\n"
    "--realtime: read the events as they arrive and build --evidence from them (no file\n"
    "needed; with -o the session writes the file too).\n"
    "--watch CLAIMS.json: implies --realtime and needs --evidence OUT.json. While the\n"
    "capture runs, the first observation of each claim's sink in the selected processes\n"
    "(JIT or R2R first call, else a sampled stack) is printed on standard output once,\n"
    "with its stack; at the end the verdicts of `etwcap confirm --evidence OUT.json\n"
    "--claims CLAIMS.json` are written to OUT.verdicts.json (docs/capture.md).\n";

#ifndef _WIN32
static const char not_windows[] =
    "etwcap capture: live capture records an ETW session and needs Windows (run etwcap.exe\n"
    "from an elevated prompt there). On this platform, analyse an .etl recorded on Windows\n"
    "(xperf, wpr, PerfView or etwcap capture) with `etwcap evidence FILE.etl ...`.\n";
#endif

#define MAX_SEL 64

/* "500ms", "30s", "30", "5m", "1h" -> milliseconds. 0 on success. */
static int parse_duration(const char *s, uint64_t *ms)
{
    char *end = NULL;
    if (!s || s[0] < '0' || s[0] > '9')
        return -1;
    unsigned long long v = strtoull(s, &end, 10);
    unsigned long long mul;
    if (!strcmp(end, "ms"))
        mul = 1;
    else if (!*end || !strcmp(end, "s"))
        mul = 1000;
    else if (!strcmp(end, "m"))
        mul = 60000;
    else if (!strcmp(end, "h"))
        mul = 3600000;
    else
        return -1;
    if (v == 0 || v > 2592000000ULL / mul) /* at most 30 days */
        return -1;
    *ms = v * mul;
    return 0;
}

#ifdef _WIN32
typedef struct sidecar {
    const char *const *paths, *const *files;
    size_t n, nread;
} sidecar;

static etwcap_status write_sidecar_doc(const void *obj, FILE *f, int flag)
{
    sidecar *s = (sidecar *)obj;
    (void)flag;
    return etwcap_images_write(f, s->paths, s->files, s->n, &s->nread);
}

/* The PE identity of every image the trace loaded, read from this machine's
 * files now, next to the trace (docs/capture.md). 0, or -1 after a warning. */
static int write_images(const char *etl)
{
    char **paths = NULL, side[4096];
    size_t n = 0;
    etwcap_diag d;
    memset(&d, 0, sizeof d);
    if (etwcap_images_sidecar_path(side, sizeof side, etl) != 0 ||
        etwcap_images_collect(etl, &paths, &n, &d) != ETWCAP_OK) {
        fprintf(stderr, "etwcap capture: warning: no image list for %s: %s\n", etl,
                d.message[0] ? d.message : "the trace could not be read back");
        return -1;
    }
    etwcap_device_map map;
    etwcap_images_device_map(&map);
    char **files = calloc(n ? n : 1, sizeof *files);
    int rc = -1;
    if (files) {
        for (size_t i = 0; i < n; i++) {
            char buf[2048];
            files[i] = paths[i];
            if (etwcap_images_map_path(&map, paths[i], buf, sizeof buf) == 0) {
                char *c = malloc(strlen(buf) + 1);
                if (c)
                    files[i] = strcpy(c, buf);
            }
        }
        sidecar s = {(const char *const *)paths, (const char *const *)files, n, 0};
        rc = cli_write_atomic(side, write_sidecar_doc, &s, 0) == CLI_OK ? 0 : -1;
        if (rc == 0)
            fprintf(stderr, "etwcap: wrote %s (%zu of %zu images identified)\n", side, s.nread, n);
        for (size_t i = 0; i < n; i++)
            if (files[i] != paths[i])
                free(files[i]);
        free(files);
    }
    etwcap_images_paths_free(paths, n);
    return rc;
}
#endif

#ifdef _WIN32
static int capture_and_finish(const etwcap_capture_options *o, etwcap_capture_result *res,
                              capture_rt *rt, const char *evidence, size_t nprocs,
                              const char *const *procs, const uint32_t *pids, size_t ncontainers,
                              const char *const *containers, const char *symbols);
#endif

int cmd_capture(int argc, char **argv)
{
    const char *procs[MAX_SEL], *containers[MAX_SEL];
    uint32_t pids[MAX_SEL];
    size_t nprocs = 0, ncontainers = 0;
    etwcap_capture_options o;
    memset(&o, 0, sizeof o);
    o.pids = pids;
    o.rundown_wait_ms = 2000;
    const char *out = NULL, *evidence = NULL, *symbols = NULL, *watch = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!a)
            break; /* never (only argv[argc] is null): said for clang's analyzer,
                    * which reads the null checks of v below as "argv[i] may be" */
        unsigned long long n;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(usage_text, stdout);
            return CLI_OK;
        } else if (!strcmp(a, "--")) {
            o.command = (const char *const *)argv + i + 1;
            o.ncommand = (size_t)(argc - i - 1);
            if (!o.ncommand) {
                fprintf(stderr, "etwcap capture: no COMMAND after --\n");
                return CLI_USAGE;
            }
            break;
        } else if (!strcmp(a, "--duration") && v && parse_duration(v, &o.duration_ms) == 0) {
            i++;
        } else if (!strcmp(a, "--process") && v && nprocs < MAX_SEL) {
            procs[nprocs++] = v;
            i++;
        } else if (!strcmp(a, "--pid") && v && o.npids < MAX_SEL && cli_parse_u64(v, &n) == 0 &&
                   n > 0 && n <= 0xFFFFFFFFu) {
            pids[o.npids++] = (uint32_t)n;
            i++;
        } else if (!strcmp(a, "--container") && v && ncontainers < MAX_SEL) {
            containers[ncontainers++] = v;
            o.containers = 1;
            i++;
        } else if (!strcmp(a, "--sample-rate") && v && cli_parse_u64(v, &n) == 0 && n >= 1 &&
                   n <= 8000) {
            o.sample_rate_hz = (uint32_t)n;
            i++;
        } else if (!strcmp(a, "--no-clr")) {
            o.no_clr = 1;
        } else if (!strcmp(a, "--no-stacks")) {
            o.no_stacks = 1;
        } else if (!strcmp(a, "--realtime")) {
            o.realtime = 1;
        } else if (!strcmp(a, "--watch") && v) {
            watch = v;
            o.realtime = 1; /* the events are needed as they arrive */
            i++;
        } else if ((!strcmp(a, "-o") || !strcmp(a, "--output")) && v) {
            out = v;
            i++;
        } else if (!strcmp(a, "--evidence") && v) {
            evidence = v;
            i++;
        } else if (!strcmp(a, "--symbols") && v) {
            symbols = v;
            i++;
        } else {
            fprintf(stderr, "etwcap capture: bad argument '%s'\n", a);
            fputs(usage_text, stderr);
            return CLI_USAGE;
        }
    }
#ifndef _WIN32
    (void)out, (void)evidence, (void)symbols, (void)procs, (void)containers, (void)watch;
    fputs(not_windows, stderr);
    return CLI_USAGE;
#else
    o.etl_path = out ? out : (o.realtime ? NULL : "trace.etl");
    if (evidence && !nprocs && !o.npids && !ncontainers && !o.ncommand) {
        fprintf(stderr, "etwcap capture: --evidence needs --process, --pid or --container\n");
        return CLI_USAGE;
    }
    if (o.npids > ETWCAP_CAPTURE_MAX_FILTER_PIDS)
        fprintf(stderr,
                "etwcap capture: notice: %zu PIDs given; an ETW PID filter holds at most %d, so "
                "CLR events of every process are recorded and the offline stage scopes them\n",
                o.npids, ETWCAP_CAPTURE_MAX_FILTER_PIDS);
    /* --realtime: the events are read as they arrive and streamed into the
     * evidence builder (capture_rt.c); with -o the session also writes the
     * file. */
    etwcap_capture_result res;
    memset(&res, 0, sizeof res);
    capture_rt rt;
    memset(&rt, 0, sizeof rt);
    if (o.realtime && evidence) {
        rt.opts.version = ETWCAP_EVIDENCE_OPTIONS_VERSION;
        rt.opts.processes = procs;
        rt.opts.nprocesses = nprocs;
        memcpy(rt.pids, pids, o.npids * sizeof pids[0]);
        rt.opts.pids = rt.pids;
        rt.opts.npids = o.npids;
        rt.opts.containers = containers;
        rt.opts.ncontainers = ncontainers;
        rt.opts.symbols = symbols;
        rt.child_pid = &res.child_pid;
        o.on_started = capture_rt_on_started;
        o.hook_payload = &rt;
    } else if (o.realtime) {
        fprintf(stderr,
                "etwcap capture: %s needs --evidence OUT.json (what to build from the "
                "events as they arrive)\n",
                watch ? "--watch" : "--realtime");
        return CLI_USAGE;
    }
    rt.api = etwcap_winapi_real();
    etwcap_claims *claims = NULL;
    if (watch) {
        etwcap_confirm_error cerr;
        if (etwcap_claims_load(&claims, watch, &cerr) != ETWCAP_OK) {
            fprintf(stderr, "etwcap capture: %s\n", cerr.message);
            return CLI_INPUT;
        }
        etwcap_watch_options wo;
        memset(&wo, 0, sizeof wo);
        wo.pids = pids;
        wo.npids = o.npids;
        wo.processes = procs;
        wo.nprocesses = nprocs;
        wo.containers = containers;
        wo.ncontainers = ncontainers;
        wo.symbols = symbols;
        if (etwcap_watch_create(&rt.watch, claims, &wo, stdout) != ETWCAP_OK) {
            fprintf(stderr, "etwcap capture: --watch: cannot start the watcher (out of memory)\n");
            etwcap_claims_free(claims);
            return CLI_USAGE;
        }
        rt.claims_path = watch;
    }
    int rc = capture_and_finish(&o, &res, &rt, evidence, nprocs, (const char *const *)procs, pids,
                                ncontainers, (const char *const *)containers, symbols);
    etwcap_watch_free(rt.watch);
    etwcap_claims_free(claims);
    return rc;
#endif
}

#ifdef _WIN32
/* Run the capture, then the evidence stage (real-time or from the file). */
static int capture_and_finish(const etwcap_capture_options *o, etwcap_capture_result *res,
                              capture_rt *rt, const char *evidence, size_t nprocs,
                              const char *const *procs, const uint32_t *pids, size_t ncontainers,
                              const char *const *containers, const char *symbols)
{
    char why[512];
    if (etwcap_capture_run(rt->api, o, res, why, sizeof why) != 0) {
        fprintf(stderr, "etwcap capture: %s\n", why);
        capture_rt_abort(rt); /* the session is stopped: the consumer returns */
        return CLI_INPUT;
    }
    if (o->etl_path) {
        fprintf(stderr, "etwcap: wrote %s\n", o->etl_path);
        write_images(o->etl_path);
    }
    if (res->clr_etl[0])
        fprintf(stderr,
                "etwcap: this Windows has no system-logger sessions: the CLR events are in %s, "
                "which the evidence stage does not merge\n",
                res->clr_etl);
    if (res->events_lost)
        fprintf(stderr, "etwcap: warning: %lu events lost\n", (unsigned long)res->events_lost);
    if (!evidence)
        return CLI_OK;
    if (o->realtime)
        return capture_rt_finish(rt, res->events_lost, evidence);
    /* The same code as `etwcap evidence`. */
    char *ev[10 + 2 * 3 * MAX_SEL];
    char pidbuf[MAX_SEL][16], childbuf[16];
    int n = 0;
    ev[n++] = "evidence";
    ev[n++] = (char *)o->etl_path;
    for (size_t i = 0; i < nprocs; i++)
        ev[n++] = "--process", ev[n++] = (char *)procs[i];
    for (size_t i = 0; i < o->npids; i++) {
        snprintf(pidbuf[i], sizeof pidbuf[i], "%u", (unsigned)pids[i]);
        ev[n++] = "--pid", ev[n++] = pidbuf[i];
    }
    for (size_t i = 0; i < ncontainers; i++)
        ev[n++] = "--container", ev[n++] = (char *)containers[i];
    if (res->child_pid) { /* the command and, by default, all its descendants */
        snprintf(childbuf, sizeof childbuf, "%u", (unsigned)res->child_pid);
        ev[n++] = "--pid", ev[n++] = childbuf;
    }
    if (symbols)
        ev[n++] = "--symbols", ev[n++] = (char *)symbols;
    ev[n++] = "-o";
    ev[n++] = (char *)evidence;
    ev[n] = NULL;
    return cmd_evidence(n, ev);
}
#endif
