/* corrupt.c - etwcap-corrupt: the corrupt-corpus test driver (issue #5,
 * hostile input; tests/cli/test_corrupt_corpus.sh runs it).
 *
 * Every trace named on the command line gets these variants:
 *   trunc  the file cut at each 4 KiB boundary of its first 256 KiB
 *          (0, 4096, ..., 262144; cuts at or past the end are skipped);
 *   flip   N seeded random bit flips, one flip per variant (default 1000);
 *   field  the BufferSize, SavedOffset and CurrentOffset fields of
 *          WMI_BUFFER_HEADER (etl-format.md §1.2, offsets 0x00, 0x04, 0x08)
 *          set to 0, 0x48 and 0xFFFFFFFF, in the header buffer (buffer 0),
 *          the first data buffer (1) and the middle buffer (count / 2):
 *          up to 27 variants (fewer when a file has fewer buffers).
 * Each variant runs through the bodies of `etwcap stats FILE` and `etwcap
 * evidence FILE --pid P...` (cmd_stats / cmd_evidence, the same functions
 * the etwcap binary calls), in a child forked for that one run: the parent
 * loads each trace once and patches one copy on disk per worker. The
 * evidence selector is every process with an image name in the intact trace
 * (at most 64), so the whole evidence path runs for as much of the trace as
 * possible.
 *
 * Every run must: exit 0 or 2; print no sanitizer report (AddressSanitizer,
 * LeakSanitizer, UndefinedBehaviorSanitizer); end within --timeout seconds
 * of CPU time (RLIMIT_CPU; a wall-clock alarm at 3x the limit catches a
 * hang that uses no CPU); and on exit 2 name the file and an offset on
 * stderr. `evidence` may also exit 3 with "no process matches the selector"
 * (see judge()); those runs are counted apart. For the cuts, a longer cut
 * must never make `stats` count fewer records (TOTAL) than a shorter one.
 * Failures are printed with the variant, the command and the first
 * lines of stderr; the exit status is 1 when any run failed.
 *
 * --stride K runs every K-th flip variant only (the CI subset; all trunc and
 * field variants still run). Variants are split between --jobs worker
 * processes by index, so the result does not depend on scheduling.
 */
/* MAP_ANONYMOUS (not in POSIX.1-2008). */
#define _DEFAULT_SOURCE 1

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
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "etwcap/evidence.h"

#define BUF_HDR 0x48
#define MAX_PIDS 64
#define TRUNC_STEP 4096
#define TRUNC_SPAN (256 * 1024)

enum {
    K_TRUNC,
    K_FLIP,
    K_FIELD,
    K_NKINDS
};
static const char *const kind_names[K_NKINDS] = {"trunc", "flip", "field"};

typedef struct variant {
    int kind;
    uint64_t cut; /* trunc: new size */
    uint64_t bit; /* flip: bit index in the file */
    uint64_t off; /* field: file offset of the u32 */
    uint32_t val; /* field: value written */
    const char *field;
    int buffer;
} variant;

typedef struct options {
    unsigned flips, stride, jobs, timeout;
    uint64_t seed;
    const char *tmp;
    int verbose;
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
    char max_what[256];
} result;

static uint64_t splitmix(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static uint64_t fnv1a(const char *s)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
    return h;
}

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int read_all(const char *path, uint8_t **data, size_t *size)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    size_t cap = 1 << 20, n = 0;
    uint8_t *b = malloc(cap);
    while (b) {
        size_t got = fread(b + n, 1, cap - n, f);
        n += got;
        if (n < cap)
            break;
        uint8_t *nb = realloc(b, cap *= 2);
        if (!nb)
            free(b);
        b = nb;
    }
    fclose(f);
    if (!b)
        return -1;
    *data = b;
    *size = n;
    return 0;
}

static int write_all(const char *path, const uint8_t *data, size_t size)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0)
        return -1;
    size_t done = 0;
    while (done < size) {
        ssize_t w = write(fd, data + done, size - done);
        if (w <= 0) {
            close(fd);
            return -1;
        }
        done += (size_t)w;
    }
    return close(fd);
}

static int pwrite_all(const char *path, uint64_t off, const void *p, size_t n)
{
    int fd = open(path, O_WRONLY);
    if (fd < 0)
        return -1;
    ssize_t w = pwrite(fd, p, n, (off_t)off);
    close(fd);
    return w == (ssize_t)n ? 0 : -1;
}

/* Buffer offsets of the intact file, stepping by each buffer's BufferSize
 * (etl-format.md §1.1); stops at the first implausible size. */
static size_t buffer_offsets(const uint8_t *d, size_t size, uint64_t *out, size_t cap)
{
    size_t n = 0;
    uint64_t off = 0;
    while (off + BUF_HDR <= size && n < cap) {
        uint32_t bs = rd32(d + off);
        if (bs < BUF_HDR || bs > 64u << 20)
            break;
        out[n++] = off;
        off += bs;
    }
    return n;
}

static size_t make_variants(const char *rel, const uint8_t *d, size_t size, const options *o,
                            variant **out)
{
    size_t cap = TRUNC_SPAN / TRUNC_STEP + 1 + o->flips + 27, n = 0;
    variant *v = calloc(cap, sizeof *v);
    if (!v)
        abort();
    for (uint64_t c = 0; c <= TRUNC_SPAN && c < size; c += TRUNC_STEP)
        v[n++] = (variant){.kind = K_TRUNC, .cut = c};
    uint64_t s = o->seed ^ fnv1a(rel);
    for (unsigned i = 0; i < o->flips; i++) {
        uint64_t bit = splitmix(&s) % ((uint64_t)size * 8);
        if (i % o->stride == 0)
            v[n++] = (variant){.kind = K_FLIP, .bit = bit};
    }
    static uint64_t offs[1 << 16];
    size_t nb = buffer_offsets(d, size, offs, sizeof offs / sizeof offs[0]);
    int picks[3] = {0, 1, (int)(nb / 2)};
    static const struct {
        const char *name;
        unsigned at;
    } fields[] = {{"BufferSize", 0x00}, {"SavedOffset", 0x04}, {"CurrentOffset", 0x08}};
    static const uint32_t vals[] = {0, BUF_HDR, 0xFFFFFFFFu};
    for (int p = 0; p < 3; p++) {
        if ((size_t)picks[p] >= nb || (p == 2 && (picks[2] == 0 || picks[2] == 1)))
            continue;
        for (int f = 0; f < 3; f++)
            for (int k = 0; k < 3; k++)
                v[n++] = (variant){.kind = K_FIELD,
                                   .off = offs[picks[p]] + fields[f].at,
                                   .val = vals[k],
                                   .field = fields[f].name,
                                   .buffer = picks[p]};
    }
    *out = v;
    return n;
}

static void describe(const variant *v, char *buf, size_t cap)
{
    switch (v->kind) {
    case K_TRUNC:
        snprintf(buf, cap, "truncated at %llu", (unsigned long long)v->cut);
        break;
    case K_FLIP:
        snprintf(buf, cap, "bit %llu (byte %llu) flipped", (unsigned long long)v->bit,
                 (unsigned long long)(v->bit / 8));
        break;
    default:
        snprintf(buf, cap, "buffer %d %s (offset %llu) = 0x%X", v->buffer, v->field,
                 (unsigned long long)v->off, v->val);
    }
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

/* One command on the variant file in a forked child; stdout goes to
 * `outpath` (stats) or is discarded (evidence), stderr to `errpath`.
 * Returns the wait status. */
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
        static char pidtext[MAX_PIDS][16];
        char *argv[4 + 2 * MAX_PIDS];
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
        int rc = evidence ? cmd_evidence(argc, argv) : cmd_stats(argc, argv);
        fflush(NULL);
        exit(rc); /* exit, not _exit: LeakSanitizer checks at exit */
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

static char *slurp_text(const char *path)
{
    uint8_t *d;
    size_t n;
    if (read_all(path, &d, &n) != 0)
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

static void run_file(const char *path, const char *rel, const options *o, unsigned worker,
                     uint64_t *gindex, result *r)
{
    uint8_t *d;
    size_t size;
    if (read_all(path, &d, &size) != 0 || size == 0) {
        printf("FAIL %s: cannot read\n", path);
        r->failures++;
        return;
    }
    uint32_t pids[MAX_PIDS];
    size_t npids = trace_pids(path, pids);
    variant *v;
    size_t n = make_variants(rel, d, size, o, &v);
    char varpath[512], errpath[512], outpath[512];
    snprintf(varpath, sizeof varpath, "%s/w%u-%s", o->tmp, worker, strrchr(path, '/') + 1);
    snprintf(errpath, sizeof errpath, "%s/w%u.stderr", o->tmp, worker);
    snprintf(outpath, sizeof outpath, "%s/w%u.stdout", o->tmp, worker);
    long long prev_total = -1;
    int have = 0; /* the variant file holds the intact trace */
    for (size_t i = 0; i < n; i++) {
        uint64_t gi = (*gindex)++;
        if (gi % o->jobs != worker)
            continue;
        r->variants[v[i].kind]++;
        if (!have && write_all(varpath, d, size) != 0) {
            printf("FAIL %s: cannot write %s\n", rel, varpath);
            r->failures++;
            break;
        }
        have = 1;
        uint8_t patch[4];
        size_t plen = 0;
        if (v[i].kind == K_TRUNC) {
            if (truncate(varpath, (off_t)v[i].cut) != 0)
                abort();
            have = 0;
        } else if (v[i].kind == K_FLIP) {
            patch[0] = d[v[i].bit / 8] ^ (uint8_t)(1u << (v[i].bit % 8));
            plen = 1;
            pwrite_all(varpath, v[i].bit / 8, patch, 1);
        } else {
            uint32_t x = v[i].val;
            for (int k = 0; k < 4; k++)
                patch[k] = (uint8_t)(x >> (8 * k));
            plen = 4;
            pwrite_all(varpath, v[i].off, patch, 4);
        }
        char what[160];
        describe(&v[i], what, sizeof what);
        for (int ev = 0; ev < 2; ev++) {
            double t0 = now_s();
            double cpu = 0;
            int status = run_child(ev, varpath, pids, npids, outpath, errpath, o->timeout, &cpu);
            judge(r, v[i].kind, rel, what, ev ? "evidence" : "stats", status, cpu, now_s() - t0,
                  varpath, errpath, o);
            if (ev || v[i].kind != K_TRUNC || !WIFEXITED(status))
                continue;
            /* What was read before the cut is kept: a longer cut never
             * counts fewer records (this worker's cuts ascend). */
            long long total = stats_total(outpath);
            if (total >= 0 && total < prev_total) {
                printf("FAIL %s: %s stats: TOTAL %lld < %lld at a shorter cut\n", rel, what, total,
                       prev_total);
                r->failures++;
            }
            if (total > prev_total)
                prev_total = total;
        }
        if (plen) /* restore the intact bytes */
            pwrite_all(varpath, v[i].kind == K_FLIP ? v[i].bit / 8 : v[i].off,
                       d + (v[i].kind == K_FLIP ? v[i].bit / 8 : v[i].off), plen);
    }
    unlink(varpath);
    unlink(errpath);
    unlink(outpath);
    free(v);
    free(d);
}

static int usage(void)
{
    fputs("usage: etwcap-corrupt [--flips N] [--stride K] [--seed S] [--timeout S] [--jobs N]\n"
          "                      [--tmp DIR] [--root DIR] [-v] FILE.etl...\n",
          stderr);
    return 2;
}

int main(int argc, char **argv)
{
    options o = {.flips = 1000,
                 .stride = 1,
                 .jobs = 2,
                 .timeout = 10,
                 .seed = 20261125,
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
        if (!v)
            return usage();
        i++;
        if (!strcmp(a, "--flips"))
            o.flips = (unsigned)strtoul(v, NULL, 10);
        else if (!strcmp(a, "--stride"))
            o.stride = (unsigned)strtoul(v, NULL, 10);
        else if (!strcmp(a, "--seed"))
            o.seed = strtoull(v, NULL, 0);
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
    if (i >= argc || o.stride == 0 || o.jobs == 0 || o.timeout == 0)
        return usage();
    char tmpl[] = "/tmp/etwcap-corrupt-XXXXXX";
    if (!o.tmp && !(o.tmp = mkdtemp(tmpl))) {
        perror("mkdtemp");
        return 2;
    }
    result *res =
        mmap(NULL, o.jobs * sizeof *res, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (res == MAP_FAILED)
        return 2;
    memset(res, 0, o.jobs * sizeof *res);
    double t0 = now_s();
    for (unsigned w = 0; w < o.jobs; w++) {
        fflush(NULL);
        pid_t c = fork();
        if (c < 0)
            return 2;
        if (c == 0) {
            uint64_t gindex = 0;
            for (int f = i; f < argc; f++) {
                const char *rel = argv[f];
                size_t rl = root ? strlen(root) : 0;
                if (root && !strncmp(rel, root, rl))
                    rel += rl + (rel[rl] == '/');
                run_file(argv[f], rel, &o, w, &gindex, &res[w]);
            }
            fflush(NULL);
            _exit(0);
        }
    }
    int bad = 0, st;
    while (wait(&st) > 0)
        if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
            bad = 1;
    result t;
    memset(&t, 0, sizeof t);
    for (unsigned w = 0; w < o.jobs; w++) {
        for (int k = 0; k < K_NKINDS; k++) {
            t.runs[k] += res[w].runs[k];
            t.exit0[k] += res[w].exit0[k];
            t.exit2[k] += res[w].exit2[k];
            t.exit3[k] += res[w].exit3[k];
            t.cpu[k] += res[w].cpu[k];
        }
        t.failures += res[w].failures;
        if (res[w].max_wall > t.max_wall)
            t.max_wall = res[w].max_wall;
        for (int k = 0; k < K_NKINDS; k++)
            t.variants[k] += res[w].variants[k];
        if (res[w].max_s >= t.max_s) {
            t.max_s = res[w].max_s;
            memcpy(t.max_what, res[w].max_what, sizeof t.max_what);
        }
    }
    if (tmpl[0] && o.tmp == tmpl)
        rmdir(tmpl);
    printf("%d files; flips: every %u of %u per file\n", argc - i, o.stride, o.flips);
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
