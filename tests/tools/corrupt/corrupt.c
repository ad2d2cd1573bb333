/* corrupt.c - etwcap-corrupt: the corrupt-corpus test driver (issue #5,
 * hostile input; tests/cli/test_corrupt_corpus.sh runs it).
 *
 * Every trace named on the command line gets these variants (made and
 * written into a worker's copy by variants.c):
 *   trunc  the file cut at each 4 KiB boundary of its first 256 KiB
 *          (0, 4096, ..., 262144; cuts at or past the end are skipped);
 *   flip   N seeded random bit flips (default 1000), G to a variant
 *          (--flip-group, default 1: one flip per variant);
 *   field  the BufferSize, SavedOffset and CurrentOffset fields of
 *          WMI_BUFFER_HEADER (etl-format.md §1.2, offsets 0x00, 0x04, 0x08)
 *          set to 0, 0x48 and 0xFFFFFFFF, in the header buffer (buffer 0),
 *          the first data buffer (1) and the middle buffer (count / 2):
 *          up to 27 variants (fewer when a file has fewer buffers).
 * Each variant runs through the bodies of `etwcap stats FILE` and `etwcap
 * evidence FILE --pid P...` (cmd_stats / cmd_evidence, the same functions
 * the etwcap binary calls). The evidence selector is every process with an
 * image name in the intact trace (at most 64), so the whole evidence path
 * runs for as much of the trace as possible.
 *
 * How runs are run: --jobs worker processes split the variants by index
 * (so the result does not depend on scheduling); each patches its own copy
 * of the trace on disk and calls the commands in-process, one run after
 * the other. A fork per run cost about 0.1 s of CPU even for a 4 KiB file
 * (mostly the sanitizer's fork and exit-time leak check), five times the
 * runs' own work over the corpus. In-process:
 *   - a sanitizer report aborts the worker (abort_on_error, halt_on_error);
 *     the parent reports the run it was in (slot.running) with the report,
 *     and starts a new worker at the next variant;
 *   - the CPU limit is ITIMER_PROF, the wall limit ITIMER_REAL; either ends
 *     the worker in the same way (on_limit);
 *   - LeakSanitizer checks the worker's heap after each trace; on a leak the
 *     worker ends, and its replacement reruns that trace's runs one forked
 *     process each (exit-time leak check), which names the run. --fork runs
 *     every run that way.
 *
 * Every run must: exit 0 or 2; print no sanitizer report (AddressSanitizer,
 * LeakSanitizer, UndefinedBehaviorSanitizer); end within --timeout seconds
 * of CPU time (a wall-clock limit at 3x catches a hang that uses no CPU);
 * and on exit 2 name the file and an offset on stderr. `evidence` may also
 * exit 3 with "no process matches the selector" (see judge()); those runs
 * are counted apart. For the cuts, a longer cut must never make `stats`
 * count fewer records (TOTAL) than a shorter one. Failures are printed with
 * the variant, the command and the first lines of stderr; the exit status
 * is 1 when any run failed.
 *
 * --stride K runs every K-th flip variant only (all trunc and field
 * variants still run). The flips are the same seeded sequence whatever G
 * and K are: G = 1, K = 1 runs each of the N flips alone.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "etwcap/evidence.h"
#include "variants.h"

#define MAX_PIDS 64

static const char *const kind_names[K_NKINDS] = {"trunc", "flip", "field"};

typedef struct options {
    cv_flips fl; /* which flips (variants.h) */
    unsigned jobs, timeout;
    const char *tmp;
    int verbose;
    int fork; /* one forked process per run (else in-process, see the top) */
} options;

/* Per-worker results, in a shared mapping the parent sums. */
typedef struct result {
    /* per variant kind */
    uint64_t runs[K_NKINDS], exit0[K_NKINDS], exit2[K_NKINDS], exit3[K_NKINDS];
    double cpu[K_NKINDS];
    uint64_t failures;
    uint64_t variants[K_NKINDS];
    double max_s; /* CPU time of the slowest run */
    double max_wall;
    char max_what[768];
} result;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Every process of the intact trace (the first 64), for the evidence
 * selector. */
static size_t trace_pids(const char *path, uint32_t *pids)
{
    uint32_t none = 0xFFFFFFFEu;
    etwcap_evidence_options eo;
    memset(&eo, 0, sizeof eo);
    eo.version = ETWCAP_EVIDENCE_OPTIONS_VERSION;
    eo.pids = &none;
    eo.npids = 1;
    etwcap_reader_options ro = ETWCAP_READER_OPTIONS_INIT;
    etwcap_evidence *e = NULL;
    etwcap_diag d;
    size_t n = 0;
    if (etwcap_evidence_build(&e, path, &eo, &ro, &d) == ETWCAP_END && e) {
        const etwcap_state *st = etwcap_evidence_state(e);
        for (size_t i = 0; i < etwcap_state_process_count(st) && n < MAX_PIDS; i++) {
            const etwcap_process *p = etwcap_state_process_at(st, i);
            pids[n++] = p->pid;
        }
    }
    etwcap_evidence_free(e);
    return n;
}

/* The argv of `stats FILE` or `evidence FILE --pid P...`. */
static int make_argv(int evidence, const char *path, const uint32_t *pids, size_t npids,
                     char (*pidtext)[16], char **argv)
{
    int argc = 0;
    argv[argc++] = evidence ? "evidence" : "stats";
    argv[argc++] = (char *)path;
    for (size_t i = 0; evidence && i < npids; i++) {
        snprintf(pidtext[i], sizeof pidtext[i], "%u", (unsigned)pids[i]);
        argv[argc++] = "--pid";
        argv[argc++] = pidtext[i];
    }
    if (evidence && npids == 0) { /* no process in the trace: see judge() */
        argv[argc++] = "--pid";
        argv[argc++] = "4294967295";
    }
    argv[argc] = NULL;
    return argc;
}

static int run_cmd(int evidence, const char *path, const uint32_t *pids, size_t npids)
{
    char pidtext[MAX_PIDS][16];
    char *argv[4 + 2 * MAX_PIDS];
    int argc = make_argv(evidence, path, pids, npids, pidtext, argv);
    int rc = evidence ? cmd_evidence(argc, argv) : cmd_stats(argc, argv);
    fflush(NULL);
    return rc;
}

static double cpu_self(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
           ru.ru_stime.tv_usec / 1e6;
}

/* One command on the variant file in a forked child (--fork, and the
 * pinpointing of a leak, see run_file()); stdout goes to `outpath` (stats)
 * or is discarded (evidence), stderr to `errpath`. Returns the wait status. */
static int run_child(int evidence, const char *path, const uint32_t *pids, size_t npids,
                     const char *outpath, const char *errpath, unsigned timeout, double *cpu_s)
{
    fflush(NULL);
    pid_t c = fork();
    if (c < 0) {
        perror("fork");
        exit(2);
    }
    if (c == 0) {
        int nul = open(evidence ? "/dev/null" : outpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        int err = open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (nul < 0 || err < 0 || dup2(nul, 1) < 0 || dup2(err, 2) < 0)
            _exit(125);
        close(nul);
        close(err);
        /* The limit is CPU time (all threads), so that a shared, loaded
         * machine does not fail a run that a dedicated one finishes in
         * time; a wall-clock alarm at 3x catches hangs that use no CPU. */
        struct rlimit cpu = {timeout, timeout + 1};
        setrlimit(RLIMIT_CPU, &cpu);
        alarm(3 * timeout);
        exit(run_cmd(evidence, path, pids, npids)); /* exit: LeakSanitizer checks at exit */
    }
    int status;
    struct rusage ru;
    while (wait4(c, &status, 0, &ru) < 0)
        if (errno != EINTR) {
            perror("wait4");
            exit(2);
        }
    *cpu_s = (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
             ru.ru_stime.tv_usec / 1e6;
    return status;
}

/* A worker ends itself with these when a run in it goes over a limit, or
 * after a leak; the parent reports the run it was in (slot.running). */
#define EXIT_OVER_CPU 124
#define EXIT_OVER_WALL 125
#define EXIT_LEAK 126

static void on_limit(int sig)
{
    _exit(sig == SIGPROF ? EXIT_OVER_CPU : EXIT_OVER_WALL);
}

static void set_limits(unsigned cpu_s, unsigned wall_s)
{
    struct itimerval cpu = {{0, 0}, {(time_t)cpu_s, 0}};
    struct itimerval wall = {{0, 0}, {(time_t)wall_s, 0}};
    setitimer(ITIMER_PROF, &cpu, NULL);
    setitimer(ITIMER_REAL, &wall, NULL);
}

/* Per-worker files, open for the worker's life. */
typedef struct wfiles {
    char varpath[512], errpath[512], outpath[512];
    int outfd, errfd, nulfd, report_fd, saved_err;
} wfiles;

/* Points fd 1 at `out` and fd 2 at `err` (both emptied first), or back at
 * the worker's own report streams when out < 0. */
static void redirect(const wfiles *w, int out, int err)
{
    fflush(NULL);
    if (out < 0) {
        if (dup2(w->report_fd, 1) < 0 || dup2(w->saved_err, 2) < 0)
            abort();
        return;
    }
    if (ftruncate(w->outfd, 0) != 0 || ftruncate(w->errfd, 0) != 0 ||
        lseek(w->outfd, 0, SEEK_SET) < 0 || lseek(w->errfd, 0, SEEK_SET) < 0 || dup2(out, 1) < 0 ||
        dup2(err, 2) < 0)
        abort();
}

/* One command on the variant file in this process: its stdout to the
 * worker's out file (stats) or /dev/null (evidence), its stderr to the err
 * file. The CPU limit is ITIMER_PROF (process CPU time, all threads), the
 * wall limit ITIMER_REAL at 3x; either ends the worker (on_limit), as does
 * a sanitizer report. Returns a wait-style status. */
static int run_inproc(int evidence, const wfiles *w, const uint32_t *pids, size_t npids,
                      unsigned timeout, double *cpu_s)
{
    redirect(w, evidence ? w->nulfd : w->outfd, w->errfd);
    double c0 = cpu_self();
    set_limits(timeout, 3 * timeout);
    int rc = run_cmd(evidence, w->varpath, pids, npids);
    set_limits(0, 0);
    *cpu_s = cpu_self() - c0;
    redirect(w, -1, -1);
    return (rc & 0xff) << 8; /* as WIFEXITED / WEXITSTATUS read it */
}

static char *slurp_text(const char *path)
{
    uint8_t *d;
    size_t n;
    if (cv_read_all(path, &d, &n) != 0)
        return strdup("");
    char *t = realloc(d, n + 1);
    if (!t) {
        free(d);
        return strdup("");
    }
    t[n] = 0;
    return t;
}

static int names_offset(const char *err)
{
    for (const char *p = strstr(err, "offset "); p; p = strstr(p + 1, "offset "))
        if (p[7] >= '0' && p[7] <= '9')
            return 1;
    return 0;
}

/* Judge one finished run; prints and counts a failure. */
static void judge(result *r, int kind, const char *rel, const char *what, const char *cmd,
                  int status, double cpu, double dt, const char *varpath, const char *errpath,
                  const options *o)
{
    char *err = slurp_text(errpath);
    const char *why = NULL;
    char buf[64];
    int code = -1;
    r->runs[kind]++;
    r->cpu[kind] += cpu;
    if (dt > r->max_wall)
        r->max_wall = dt;
    if (cpu > r->max_s) {
        r->max_s = cpu;
        snprintf(r->max_what, sizeof r->max_what, "%s %s: %s", rel, what, cmd);
    }
    if (WIFSIGNALED(status)) {
        int sig = WTERMSIG(status);
        snprintf(buf, sizeof buf, "killed by signal %d%s", sig,
                 sig == SIGXCPU   ? " (over the CPU time limit)"
                 : sig == SIGALRM ? " (wall-clock limit: a hang)"
                                  : "");
        why = buf;
    } else {
        code = WEXITSTATUS(status);
        /* `evidence` exits 3, "no process matches the selector", when the
         * trace holds none of the selected processes and read without a
         * problem (a problem makes it 2): a trace without any process
         * (no_procs), or a flip that changed a process id or an event
         * type into another valid one. The one other exit allowed;
         * counted apart. */
        if (code == 3 && strstr(err, "no process matches the selector")) {
            r->exit3[kind]++;
        } else if (code != 0 && code != 2) {
            snprintf(buf, sizeof buf, "exit %d", code);
            why = buf;
        }
    }
    if (!why && (strstr(err, "Sanitizer") || strstr(err, "runtime error:")))
        why = "sanitizer report";
    if (!why && cpu > o->timeout)
        why = "over the CPU time limit";
    if (!why && code == 2 && !(strstr(err, varpath) && names_offset(err)))
        why = "exit 2 without the file and an offset";
    if (code == 0)
        r->exit0[kind]++;
    else if (code == 2)
        r->exit2[kind]++;
    if (why || o->verbose) {
        size_t n = strlen(err);
        if (n > 1500)
            err[1500] = 0;
        printf("%s %s: %s %s: %s (%.2fs CPU, %.2fs wall)\n%s%s", why ? "FAIL" : "ok", rel, what,
               cmd, why ? why : "", cpu, dt, err,
               n && err[n > 1500 ? 1499 : n - 1] != '\n' ? "\n" : "");
        fflush(stdout);
    }
    if (why)
        r->failures++;
    free(err);
}

/* TOTAL:<n> of a stats output, or -1. */
static long long stats_total(const char *outpath)
{
    char *t = slurp_text(outpath);
    const char *p = strstr(t, "TOTAL:");
    while (p && p != t && p[-1] != '\n')
        p = strstr(p + 1, "TOTAL:");
    long long n = p ? strtoll(p + 6, NULL, 10) : -1;
    free(t);
    return n;
}

/* What the parent and one worker share (a MAP_SHARED mapping): the
 * worker's counts, where a restarted worker resumes, the run in progress
 * (so that the parent can report the run that ended the worker) and the
 * range to run one fork per run (the pinpointing of a leak). */
typedef struct slot {
    result r;
    uint64_t resume;           /* first global variant index to run */
    uint64_t pin_from, pin_to; /* [from, to): one fork per run */
    uint64_t counted_to;       /* variants below this index are counted */
    int64_t running;           /* global index of the run's variant, or -1 */
    int running_ev;            /* ...its command (0 stats, 1 evidence) */
    int running_kind;          /* ...and its kind (K_*) */
    char running_rel[256];
    char running_what[400];
    char errpath[512];
} slot;

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HAVE_LSAN 1
#endif
#endif
#if !defined(HAVE_LSAN) && defined(__SANITIZE_ADDRESS__)
#define HAVE_LSAN 1
#endif
#ifdef HAVE_LSAN
#include <sanitizer/lsan_interface.h>
/* LeakSanitizer over this worker's heap, the report to the err file:
 * nonzero when memory is unreachable. */
static int leak_check(const wfiles *w)
{
    redirect(w, w->nulfd, w->errfd);
    int leaked = __lsan_do_recoverable_leak_check();
    redirect(w, -1, -1);
    return leaked;
}
#else
static int leak_check(const wfiles *w)
{
    (void)w;
    return 0;
}
#endif

/* Runs this worker's variants of one trace (global index gi % jobs ==
 * worker, from sl->resume on). Returns 0, or EXIT_LEAK after a leak in the
 * runs made in this process (the worker then ends, so that a fresh one
 * reruns them one fork each and names the run). */
static int run_file(const char *path, const char *rel, const options *o, unsigned worker,
                    uint64_t *gindex, slot *sl, const wfiles *w)
{
    result *r = &sl->r;
    uint8_t *d;
    size_t size;
    if (cv_read_all(path, &d, &size) != 0 || size == 0) {
        if (worker == 0 && sl->resume == 0) {
            printf("FAIL %s: cannot read\n", path);
            r->failures++;
        }
        return 0;
    }
    variant *v;
    size_t n = cv_make(rel, d, size, &o->fl, &v);
    uint64_t first = *gindex;
    *gindex += n;
    if (*gindex <= sl->resume) { /* all done before a restart */
        free(v);
        free(d);
        return 0;
    }
    uint32_t pids[MAX_PIDS];
    size_t npids = trace_pids(path, pids);
    long long prev_total = -1;
    int have = 0;   /* the variant file holds the intact trace */
    int inproc = 0; /* runs in this process since the last leak check */
    uint64_t batch_from = 0;
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t gi = first + i;
        if (gi % o->jobs != worker || gi < sl->resume)
            continue;
        if (gi >= sl->counted_to) { /* a leak's rerun counts runs, not variants */
            r->variants[v[i].kind]++;
            sl->counted_to = gi + 1;
        }
        if (cv_apply(w->varpath, &v[i], d, size, &have) != 0) {
            printf("FAIL %s: cannot write %s\n", rel, w->varpath);
            r->failures++;
            break;
        }
        char what[sizeof sl->running_what];
        cv_describe(&v[i], what, sizeof what);
        int forked = o->fork || (gi >= sl->pin_from && gi < sl->pin_to);
        if (!forked && !inproc++)
            batch_from = gi;
        for (int ev = 0; ev < 2; ev++) {
            double t0 = now_s();
            double cpu = 0;
            int status;
            if (forked) {
                status = run_child(ev, w->varpath, pids, npids, w->outpath, w->errpath, o->timeout,
                                   &cpu);
            } else {
                snprintf(sl->running_rel, sizeof sl->running_rel, "%s", rel);
                snprintf(sl->running_what, sizeof sl->running_what, "%s", what);
                sl->running_ev = ev;
                sl->running_kind = v[i].kind;
                sl->running = (int64_t)gi;
                status = run_inproc(ev, w, pids, npids, o->timeout, &cpu);
                sl->running = -1;
            }
            judge(r, v[i].kind, rel, what, ev ? "evidence" : "stats", status, cpu, now_s() - t0,
                  w->varpath, w->errpath, o);
            if (ev || v[i].kind != K_TRUNC || !WIFEXITED(status))
                continue;
            /* What was read before the cut is kept: a longer cut never
             * counts fewer records (this worker's cuts ascend). */
            long long total = stats_total(w->outpath);
            if (total >= 0 && total < prev_total) {
                printf("FAIL %s: %s stats: TOTAL %lld < %lld at a shorter cut\n", rel, what, total,
                       prev_total);
                r->failures++;
            }
            if (total > prev_total)
                prev_total = total;
        }
        cv_restore(w->varpath, &v[i], d);
    }
    if (inproc && leak_check(w)) {
        char *err = slurp_text(w->errpath);
        printf("FAIL %s: LeakSanitizer report after the runs of variants %llu..%llu in one "
               "process (each is rerun in its own process to name the one):\n%.1500s\n",
               rel, (unsigned long long)batch_from, (unsigned long long)(first + n - 1), err);
        free(err);
        r->failures++;
        sl->pin_from = sl->resume = batch_from;
        sl->pin_to = first + n;
        rc = EXIT_LEAK;
    }
    unlink(w->varpath);
    free(v);
    free(d);
    return rc;
}

static void open_files(wfiles *w, const options *o, unsigned worker)
{
    snprintf(w->errpath, sizeof w->errpath, "%s/w%u.stderr", o->tmp, worker);
    snprintf(w->outpath, sizeof w->outpath, "%s/w%u.stdout", o->tmp, worker);
    w->outfd = open(w->outpath, O_RDWR | O_CREAT | O_TRUNC, 0600);
    w->errfd = open(w->errpath, O_RDWR | O_CREAT | O_TRUNC, 0600);
    w->nulfd = open("/dev/null", O_WRONLY);
    w->report_fd = dup(1);
    w->saved_err = dup(2);
    if (w->outfd < 0 || w->errfd < 0 || w->nulfd < 0 || w->report_fd < 0 || w->saved_err < 0) {
        perror("etwcap-corrupt: worker files");
        _exit(2);
    }
}

static uint64_t runs_of(const result *r)
{
    uint64_t n = 0;
    for (int k = 0; k < K_NKINDS; k++)
        n += r->runs[k];
    return n;
}

/* One worker process: every file in order, its share of the variants. */
static void worker(char **files, int nfiles, const char *root, const options *o, unsigned wk,
                   slot *sl)
{
    wfiles w;
    open_files(&w, o, wk);
    signal(SIGPROF, on_limit);
    signal(SIGALRM, on_limit);
    uint64_t gindex = 0;
    for (int f = 0; f < nfiles; f++) {
        const char *rel = files[f];
        size_t rl = root ? strlen(root) : 0;
        if (root && !strncmp(rel, root, rl))
            rel += rl + (rel[rl] == '/');
        snprintf(w.varpath, sizeof w.varpath, "%s/w%u-%s", o->tmp, wk, strrchr(files[f], '/') + 1);
        uint64_t runs0 = runs_of(&sl->r);
        double c0 = cpu_self();
        int rc = run_file(files[f], rel, o, wk, &gindex, sl, &w);
        if (runs_of(&sl->r) > runs0) { /* progress: one line per trace and worker */
            printf("[worker %u] %s: %llu runs, %.1fs CPU\n", wk, rel,
                   (unsigned long long)(runs_of(&sl->r) - runs0), cpu_self() - c0);
            fflush(stdout);
        }
        if (rc) {
            fflush(NULL);
            _exit(rc);
        }
    }
    fflush(NULL);
    _exit(0);
}

/* A worker ended while a run was in progress: that run failed (a sanitizer
 * report aborts the process; a limit ends it with EXIT_OVER_*). */
static void judge_death(slot *sl, int status, const options *o)
{
    result *r = &sl->r;
    char *err = slurp_text(sl->errpath);
    char why[96];
    if (WIFSIGNALED(status))
        snprintf(why, sizeof why, "killed by signal %d", WTERMSIG(status));
    else if (WEXITSTATUS(status) == EXIT_OVER_CPU)
        snprintf(why, sizeof why, "over the CPU time limit (%us)", o->timeout);
    else if (WEXITSTATUS(status) == EXIT_OVER_WALL)
        snprintf(why, sizeof why, "wall-clock limit (%us): a hang", 3 * o->timeout);
    else
        snprintf(why, sizeof why, "ended the process with exit %d", WEXITSTATUS(status));
    size_t n = strlen(err);
    printf("FAIL %s: %s %s: %s\n%.1500s%s", sl->running_rel, sl->running_what,
           sl->running_ev ? "evidence" : "stats", why, err, n && err[n - 1] != '\n' ? "\n" : "");
    fflush(stdout);
    free(err);
    r->runs[sl->running_kind]++;
    r->failures++;
}

static int start_worker(char **files, int nfiles, const char *root, const options *o, unsigned w,
                        slot *res, pid_t *pid)
{
    snprintf(res[w].errpath, sizeof res[w].errpath, "%s/w%u.stderr", o->tmp, w);
    res[w].running = -1;
    fflush(NULL);
    pid_t c = fork();
    if (c < 0) {
        perror("fork");
        return -1;
    }
    if (c == 0)
        worker(files, nfiles, root, o, w, &res[w]);
    *pid = c;
    return 0;
}

static int usage(void)
{
    fputs(
        "usage: etwcap-corrupt [--flips N] [--flip-group G] [--stride K] [--seed S] [--timeout S]\n"
        "                      [--jobs N] [--tmp DIR] [--root DIR] [--fork] [-v] FILE.etl...\n",
        stderr);
    return 2;
}

int main(int argc, char **argv)
{
    options o = {.fl = {.flips = 1000, .group = 1, .stride = 1, .seed = 20261125},
                 .jobs = 2,
                 .timeout = 10,
                 .tmp = NULL,
                 .verbose = 0};
    const char *root = NULL;
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "-v")) {
            o.verbose = 1;
            continue;
        }
        if (!strcmp(a, "--fork")) {
            o.fork = 1;
            continue;
        }
        if (!v)
            return usage();
        i++;
        if (!strcmp(a, "--flips"))
            o.fl.flips = (unsigned)strtoul(v, NULL, 10);
        else if (!strcmp(a, "--flip-group"))
            o.fl.group = (unsigned)strtoul(v, NULL, 10);
        else if (!strcmp(a, "--stride"))
            o.fl.stride = (unsigned)strtoul(v, NULL, 10);
        else if (!strcmp(a, "--seed"))
            o.fl.seed = strtoull(v, NULL, 0);
        else if (!strcmp(a, "--timeout"))
            o.timeout = (unsigned)strtoul(v, NULL, 10);
        else if (!strcmp(a, "--jobs"))
            o.jobs = (unsigned)strtoul(v, NULL, 10);
        else if (!strcmp(a, "--tmp"))
            o.tmp = v;
        else if (!strcmp(a, "--root"))
            root = v;
        else
            return usage();
    }
    if (i >= argc || o.fl.stride == 0 || o.jobs == 0 || o.timeout == 0 || o.fl.group == 0 ||
        o.fl.group > CV_MAX_GROUP)
        return usage();
    char tmpl[] = "/tmp/etwcap-corrupt-XXXXXX";
    if (!o.tmp && !(o.tmp = mkdtemp(tmpl))) {
        perror("mkdtemp");
        return 2;
    }
    slot *res =
        mmap(NULL, o.jobs * sizeof *res, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (res == MAP_FAILED)
        return 2;
    memset(res, 0, o.jobs * sizeof *res);
    double t0 = now_s();
    pid_t *pid_of = calloc(o.jobs, sizeof *pid_of);
    if (!pid_of)
        return 2;
    unsigned live = 0;
    for (unsigned w = 0; w < o.jobs; w++) {
        if (start_worker(argv + i, argc - i, root, &o, w, res, &pid_of[w]) != 0) {
            free(pid_of);
            return 2; /* the workers started still finish on their own */
        }
        live++;
    }
    /* A worker that ended in a run (a sanitizer report, a limit) or after a
     * leak starts again where it stopped. */
    int bad = 0, st;
    pid_t c;
    while (live > 0 && (c = wait(&st)) > 0) {
        unsigned w = 0;
        while (w < o.jobs && pid_of[w] != c)
            w++;
        if (w == o.jobs)
            continue;
        live--;
        slot *sl = &res[w];
        if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
            continue;
        if (sl->running >= 0) {
            judge_death(sl, st, &o);
            sl->resume = (uint64_t)sl->running + 1;
        } else if (!WIFEXITED(st) || WEXITSTATUS(st) != EXIT_LEAK) {
            printf("FAIL worker %u ended outside a run (status 0x%x)\n", w, (unsigned)st);
            bad = 1;
            continue;
        }
        if (start_worker(argv + i, argc - i, root, &o, w, res, &pid_of[w]) != 0) {
            free(pid_of);
            return 2;
        }
        live++;
    }
    free(pid_of);
    for (unsigned w = 0; w < o.jobs; w++) {
        char path[512];
        snprintf(path, sizeof path, "%s/w%u.stdout", o.tmp, w);
        unlink(path);
        unlink(res[w].errpath);
    }
    result t;
    memset(&t, 0, sizeof t);
    for (unsigned w = 0; w < o.jobs; w++) {
        for (int k = 0; k < K_NKINDS; k++) {
            t.runs[k] += res[w].r.runs[k];
            t.exit0[k] += res[w].r.exit0[k];
            t.exit2[k] += res[w].r.exit2[k];
            t.exit3[k] += res[w].r.exit3[k];
            t.cpu[k] += res[w].r.cpu[k];
        }
        t.failures += res[w].r.failures;
        if (res[w].r.max_wall > t.max_wall)
            t.max_wall = res[w].r.max_wall;
        for (int k = 0; k < K_NKINDS; k++)
            t.variants[k] += res[w].r.variants[k];
        if (res[w].r.max_s >= t.max_s) {
            t.max_s = res[w].r.max_s;
            memcpy(t.max_what, res[w].r.max_what, sizeof t.max_what);
        }
    }
    if (tmpl[0] && o.tmp == tmpl)
        rmdir(tmpl);
    printf("%d files; %u flips per file, %u per variant, every %u variant(s) run\n", argc - i,
           o.fl.flips, o.fl.group, o.fl.stride);
    uint64_t runs = 0;
    double cpu = 0;
    for (int k = 0; k < K_NKINDS; k++) {
        printf("%-5s %6llu variants, %6llu runs: exit 0 %llu, exit 2 %llu, exit 3 (evidence, no "
               "selected process) %llu; runs' CPU %.0fs\n",
               kind_names[k], (unsigned long long)t.variants[k], (unsigned long long)t.runs[k],
               (unsigned long long)t.exit0[k], (unsigned long long)t.exit2[k],
               (unsigned long long)t.exit3[k], t.cpu[k]);
        runs += t.runs[k];
        cpu += t.cpu[k];
    }
    printf("%llu runs, %llu failed; slowest run %.2fs CPU (%s); longest wall %.2fs; runs' CPU "
           "%.0fs; wall %.1fs\n",
           (unsigned long long)runs, (unsigned long long)t.failures, t.max_s, t.max_what,
           t.max_wall, cpu, now_s() - t0);
    return (t.failures || bad) ? 1 : 0;
}
