/* cmd_stacks.c - `etwcap stacks`: CPU-sample stacks, symbolized, as folded
 * text, speedscope JSON or an SVG flame graph.
 *
 * Pipeline: reader -> state -> stack assembly -> symbolizer -> flame.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "compat/compat.h"
#include "etwcap/flame.h"
#include "etwcap/stack.h"
#include "etwcap/state.h"
#include "etwcap/symbol.h"

static const char usage_text[] =
    "usage: etwcap stacks FILE [--process NAME | --pid N] [--format folded|speedscope|svg]\n"
    "                     [--symbols PATH[;PATH]] [--symbolizer builtin|dbghelp] [-o OUT]\n"
    "                     [--threads N] [--container-root GUID=DIR]...\n"
    "CPU-sample stacks of the selected processes (all when none is selected), root to leaf,\n"
    "symbolized from CLR method events, PDBs and PE exports found under --symbols.\n"
    "--symbolizer dbghelp (Windows): native frames through DbgHelp, whose search path is\n"
    "--symbols, else _NT_SYMBOL_PATH, plus each image's folder (default: builtin).\n"
    "A summary (samples, stacks, resolved frames) goes to stderr.\n"
    "--threads N: threads that decode buffers (default: one per processor).\n"
    "--container-root GUID=DIR: images logged as \\Device\\VhdHardDisk{GUID}\\PATH are read\n"
    "from DIR/PATH (PE identity, PDB next to it, then --symbols).\n";

#define MAX_FRAMES 512

typedef struct stacks_run {
    etwcap_state *state;
    etwcap_symbolizer *sym;
    etwcap_flame *flame;
    const char *process; /* selection by image name, or NULL */
    int has_pid;
    uint32_t pid;
    etwcap_status err;
    /* measured coverage of the selection */
    uint64_t samples, with_stack, reaches_user, user_frames, user_resolved;
} stacks_run;

static int lower(int c)
{
    return (c >= 'A' && c <= 'Z') ? c + 32 : c;
}

/* Image name equal to NAME, with or without ".exe", ignoring case. */
static int image_matches(const char *image, const char *name)
{
    if (!image)
        return 0;
    size_t i = 0;
    for (; image[i] && name[i]; i++)
        if (lower((unsigned char)image[i]) != lower((unsigned char)name[i]))
            return 0;
    if (!name[i] && !image[i])
        return 1;
    return !name[i] && (!strcmp(image + i, ".exe") || !strcmp(image + i, ".EXE"));
}

static int selected(const stacks_run *r, const etwcap_stacked *s)
{
    if (r->has_pid)
        return s->pid == r->pid;
    if (r->process) {
        const etwcap_process *p = etwcap_state_process_at(r->state, s->proc);
        return p && image_matches(p->image, r->process);
    }
    return 1;
}

static void on_stack(const etwcap_stacked *s, void *payload)
{
    stacks_run *r = payload;
    if (!s->is_sample || r->err != ETWCAP_OK)
        return;
    /* TraceLog's rule: samples of thread 0 are idle unless DPC/ISR (§8). */
    if (s->tid == 0 && !(s->sample_flags & 3u))
        return;
    if (!selected(r, s))
        return;
    r->samples++;
    uint64_t ipframe = s->ip;
    const uint64_t *frames = s->nframes ? s->frames : &ipframe;
    size_t n = s->nframes ? s->nframes : 1;
    if (n > MAX_FRAMES - 1)
        n = MAX_FRAMES - 1;
    if (s->nframes)
        r->with_stack++;
    if (s->has_user)
        r->reaches_user++;

    static const size_t name_cap = 640;
    char *names = malloc((n + 1) * name_cap);
    const char **order = malloc((n + 1) * sizeof *order);
    if (!names || !order) {
        free(names);
        free(order);
        r->err = ETWCAP_ERR_NOMEM;
        return;
    }
    const etwcap_process *p = etwcap_state_process_at(r->state, s->proc);
    snprintf(names, name_cap, "%s (%u)", p && p->image ? p->image : "?", (unsigned)s->pid);
    order[0] = names;
    /* frames are innermost first; the flame wants root first. */
    for (size_t k = 0; k < n; k++) {
        uint64_t addr = frames[n - 1 - k];
        etwcap_frame_symbol fs;
        etwcap_symbolize(r->sym, s->proc, addr, s->timestamp, &fs);
        if (!etwcap_addr_is_kernel(addr)) {
            r->user_frames++;
            if (fs.resolution != ETWCAP_RES_NONE)
                r->user_resolved++;
        }
        char *buf = names + (k + 1) * name_cap;
        if (fs.resolution == ETWCAP_RES_MODULE)
            snprintf(buf, name_cap, "%s!?", fs.module); /* PerfView groups these */
        else
            etwcap_frame_symbol_format(&fs, addr, buf, name_cap);
        order[k + 1] = buf;
    }
    if (etwcap_flame_add(r->flame, order, n + 1, 1) != ETWCAP_OK)
        r->err = ETWCAP_ERR_NOMEM;
    free(names);
    free(order);
}

static void on_note(const char *message, void *payload)
{
    (void)payload;
    fprintf(stderr, "etwcap: symbols: %s\n", message);
}

static void list_processes(const etwcap_state *st)
{
    fprintf(stderr, "processes in the trace:\n");
    for (size_t i = 0; i < etwcap_state_process_count(st); i++) {
        const etwcap_process *p = etwcap_state_process_at(st, i);
        if (p->image)
            fprintf(stderr, "  %6u  %s\n", (unsigned)p->pid, p->image);
    }
}

static int selection_exists(const stacks_run *r)
{
    if (!r->has_pid && !r->process)
        return 1;
    for (size_t i = 0; i < etwcap_state_process_count(r->state); i++) {
        const etwcap_process *p = etwcap_state_process_at(r->state, i);
        if ((r->has_pid && p->pid == r->pid) || (r->process && image_matches(p->image, r->process)))
            return 1;
    }
    return 0;
}

static double pct(uint64_t a, uint64_t b)
{
    return b ? 100.0 * (double)a / (double)b : 0.0;
}

/* The flame graph in the format asked for (cli_write_atomic's writer). */
typedef struct flame_out {
    const etwcap_flame *flame;
    const char *format; /* "folded", "speedscope" or "svg" */
    const char *trace;  /* the trace's name, shown in speedscope and SVG */
} flame_out;

static etwcap_status write_flame(const void *obj, FILE *f, int flag)
{
    const flame_out *fo = obj;
    (void)flag;
    if (!strcmp(fo->format, "folded"))
        return etwcap_flame_write_folded(fo->flame, f);
    if (!strcmp(fo->format, "speedscope"))
        return etwcap_flame_write_speedscope(fo->flame, f, fo->trace);
    return etwcap_flame_write_svg(fo->flame, f, fo->trace);
}

int cmd_stacks(int argc, char **argv)
{
    stacks_run run;
    memset(&run, 0, sizeof run);
    const char *path = NULL, *format = "folded", *out_path = NULL, *symbols = NULL;
    const char *roots[64];
    size_t nroots = 0;
    unsigned threads = 0; /* one per processor */
    int backend = ETWCAP_SYMBOLIZER_BUILTIN;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!a)
            break; /* never (only argv[argc] is null): said for clang's analyzer,
                    * which reads the null checks of v below as "argv[i] may be" */
        unsigned long long n;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(usage_text, stdout);
            return CLI_OK;
        } else if (!strcmp(a, "--process") && v) {
            run.process = v;
            i++;
        } else if (!strcmp(a, "--pid") && v && cli_parse_u64(v, &n) == 0 && n <= 0xFFFFFFFFu) {
            run.has_pid = 1;
            run.pid = (uint32_t)n;
            i++;
        } else if (!strcmp(a, "--format") && v) {
            format = v;
            i++;
        } else if (!strcmp(a, "--symbols") && v) {
            symbols = v;
            i++;
        } else if (!strcmp(a, "--container-root") && v && nroots < 64 && cli_container_root_ok(v)) {
            roots[nroots++] = v;
            i++;
        } else if (!strcmp(a, "--symbolizer") && v) {
            if (cli_parse_symbolizer(v, &backend) != CLI_OK)
                return CLI_USAGE;
            i++;
        } else if (!strcmp(a, "--threads") && v && cli_parse_threads(v, &threads) == 0) {
            i++;
        } else if ((!strcmp(a, "-o") || !strcmp(a, "--output")) && v) {
            out_path = v;
            i++;
        } else if (a[0] == '-' || path) {
            fprintf(stderr, "etwcap stacks: bad argument '%s'\n", a);
            fputs(usage_text, stderr);
            return CLI_USAGE;
        } else {
            path = a;
        }
    }
    if (!path ||
        (strcmp(format, "folded") && strcmp(format, "speedscope") && strcmp(format, "svg"))) {
        fputs(usage_text, stderr);
        return CLI_USAGE;
    }
    etwcap_reader *r = cli_open_trace_threads(path, CLI_TIME_ORDER, threads);
    if (!r)
        return CLI_INPUT;
    etwcap_stack_asm *sa = NULL;
    etwcap_symbolizer_options so;
    memset(&so, 0, sizeof so);
    so.backend = (etwcap_symbolizer_backend)backend;
    so.search_path = symbols;
    so.note = on_note;
    etwcap_diag sd;
    memset(&sd, 0, sizeof sd);
    if (etwcap_state_create(&run.state) != ETWCAP_OK ||
        etwcap_flame_create(&run.flame) != ETWCAP_OK ||
        etwcap_stack_asm_create(&sa, on_stack, &run) != ETWCAP_OK) {
        fprintf(stderr, "etwcap: out of memory\n");
        run.err = ETWCAP_ERR_NOMEM;
    } else if (etwcap_symbolizer_create_opts(&run.sym, run.state, &so, &sd) != ETWCAP_OK) {
        fprintf(stderr, "etwcap: symbolizer: %s\n", sd.message[0] ? sd.message : "out of memory");
        run.err = ETWCAP_ERR;
    }
    for (size_t i = 0; i < nroots && run.err == ETWCAP_OK; i++) {
        char guid[40];
        const char *eq = strchr(roots[i], '='); /* checked by cli_container_root_ok */
        snprintf(guid, sizeof guid, "%.*s", (int)(eq - roots[i]), roots[i]);
        if (etwcap_symbolizer_add_container_root(run.sym, guid, eq + 1) != ETWCAP_OK)
            run.err = ETWCAP_ERR_NOMEM;
    }
    etwcap_event ev;
    while (run.err == ETWCAP_OK && etwcap_reader_next(r, &ev) == ETWCAP_OK) {
        etwcap_status st = etwcap_state_update(run.state, &ev);
        if (st == ETWCAP_OK) {
            uint32_t pid = etwcap_state_event_pid(run.state, &ev);
            size_t proc = pid == ETWCAP_NO_ID
                              ? SIZE_MAX
                              : etwcap_state_find_process(run.state, pid, ev.timestamp);
            st = etwcap_stack_asm_update(sa, &ev, pid, proc);
        }
        if (st != ETWCAP_OK)
            run.err = st;
    }
    if (run.err == ETWCAP_OK && sa)
        run.err = etwcap_stack_asm_finish(sa);
    int rc = cli_close_trace(r);
    if (run.err == ETWCAP_OK && !selection_exists(&run)) {
        fprintf(stderr, "etwcap: no process matches the selection\n");
        list_processes(run.state);
        rc = CLI_SELECTOR;
    } else if (run.err != ETWCAP_OK) {
        fprintf(stderr, "etwcap: %s\n", etwcap_status_str(run.err));
        rc = CLI_INPUT;
    } else {
        const flame_out fo = {run.flame, format, path};
        if (cli_write_atomic(out_path, write_flame, &fo, 0) != CLI_OK)
            rc = CLI_INPUT;
        fprintf(stderr,
                "etwcap stacks: %llu samples; %llu with a stack (%.2f%%), %llu reaching user mode "
                "(%.2f%%); %llu user frames, %llu resolved to a module or method (%.2f%%)\n",
                (unsigned long long)run.samples, (unsigned long long)run.with_stack,
                pct(run.with_stack, run.samples), (unsigned long long)run.reaches_user,
                pct(run.reaches_user, run.samples), (unsigned long long)run.user_frames,
                (unsigned long long)run.user_resolved, pct(run.user_resolved, run.user_frames));
    }
    etwcap_stack_asm_free(sa);
    etwcap_flame_free(run.flame);
    etwcap_symbolizer_free(run.sym);
    etwcap_state_free(run.state);
    return rc;
}
