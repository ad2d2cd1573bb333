/* cmd_evidence.c - `etwcap evidence`: runtime evidence for a process tree or
 * container, as one canonical etwcap.evidence/v1 document. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "compat/compat.h"
#include "etwcap/evidence.h"

static const char usage_text[] =
    "usage: etwcap evidence FILE.etl [--process NAME]... [--pid N]... [--container ID]...\n"
    "                       [--no-children] [--symbols PATH] [--attest] [-o OUT.json]\n"
    "                       [--threads N] [--symbolizer builtin|dbghelp]\n"
    "                       [--container-root GUID=DIR]...\n"
    "Writes the etwcap.evidence/v1 document (docs/evidence-format.md) for the selected\n"
    "processes and, unless --no-children, all their descendants. --attest wraps it in an\n"
    "in-toto Statement v1. Exit 3 when the selector matches nothing in the trace.\n"
    "--threads N: threads that decode buffers (default: one per processor).\n"
    "--symbolizer dbghelp (Windows): native frames through DbgHelp, whose search path is\n"
    "--symbols, else _NT_SYMBOL_PATH, plus each image's folder (default: builtin).\n"
    "--container-root GUID=DIR: images logged as \\Device\\VhdHardDisk{GUID}\\PATH are read\n"
    "from DIR/PATH (PE identity, PDB next to it, then --symbols).\n";

#define MAX_SEL 64

static void print_diag(const etwcap_diag *d, void *payload)
{
    fprintf(stderr, "etwcap: %s: buffer %lld at offset %llu (0x%llx): %s\n", (const char *)payload,
            (long long)d->buffer_index, (unsigned long long)d->offset,
            (unsigned long long)d->offset, d->message);
}

void cli_list_trace_contents(const etwcap_state *st)
{
    fprintf(stderr, "the trace holds these processes:\n");
    for (size_t i = 0; i < etwcap_state_process_count(st); i++) {
        const etwcap_process *p = etwcap_state_process_at(st, i);
        if (p->image)
            fprintf(stderr, "  pid %-6u %s%s%s\n", (unsigned)p->pid, p->image,
                    p->container_id[0] ? "  container " : "", p->container_id);
    }
}

int cmd_evidence(int argc, char **argv)
{
    const char *procs[MAX_SEL], *containers[MAX_SEL], *roots[MAX_SEL];
    uint32_t pids[MAX_SEL];
    etwcap_evidence_options o;
    memset(&o, 0, sizeof o);
    o.version = ETWCAP_EVIDENCE_OPTIONS_VERSION;
    o.processes = procs;
    o.containers = containers;
    o.pids = pids;
    o.container_roots = roots;
    const char *path = NULL, *out_path = NULL;
    int attest = 0;
    unsigned threads = 0; /* one per processor */
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!a)
            break; /* never (only argv[argc] is null): said for clang's analyzer,
                    * which reads the null checks of v below as "argv[i] may be" */
        unsigned long long n;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(usage_text, stdout);
            return CLI_OK;
        } else if (!strcmp(a, "--process") && v && o.nprocesses < MAX_SEL) {
            procs[o.nprocesses++] = v;
            i++;
        } else if (!strcmp(a, "--pid") && v && o.npids < MAX_SEL && cli_parse_u64(v, &n) == 0 &&
                   n <= 0xFFFFFFFFu) {
            pids[o.npids++] = (uint32_t)n;
            i++;
        } else if (!strcmp(a, "--container") && v && o.ncontainers < MAX_SEL) {
            containers[o.ncontainers++] = v;
            i++;
        } else if (!strcmp(a, "--container-root") && v && o.ncontainer_roots < MAX_SEL &&
                   cli_container_root_ok(v)) {
            roots[o.ncontainer_roots++] = v;
            i++;
        } else if (!strcmp(a, "--no-children")) {
            o.no_children = 1;
        } else if (!strcmp(a, "--symbols") && v) {
            o.symbols = v;
            i++;
        } else if (!strcmp(a, "--symbolizer") && v) {
            if (cli_parse_symbolizer(v, &o.symbolizer) != CLI_OK)
                return CLI_USAGE;
            i++;
        } else if (!strcmp(a, "--attest")) {
            attest = 1;
        } else if (!strcmp(a, "--threads") && v && cli_parse_threads(v, &threads) == 0) {
            i++;
        } else if ((!strcmp(a, "-o") || !strcmp(a, "--output")) && v) {
            out_path = v;
            i++;
        } else if (a[0] == '-' || path) {
            fprintf(stderr, "etwcap evidence: bad argument '%s'\n", a);
            fputs(usage_text, stderr);
            return CLI_USAGE;
        } else {
            path = a;
        }
    }
    if (!path || (!o.nprocesses && !o.npids && !o.ncontainers)) {
        fputs(usage_text, stderr);
        return CLI_USAGE;
    }
    etwcap_reader_options ro = ETWCAP_READER_OPTIONS_INIT;
    ro.threads = threads;
    ro.on_diag = print_diag;
    ro.diag_payload = (void *)path;
    etwcap_evidence *e = NULL;
    etwcap_diag d;
    memset(&d, 0, sizeof d);
    etwcap_status st = etwcap_evidence_build(&e, path, &o, &ro, &d);
    if (st == ETWCAP_END) {
        fprintf(stderr, "etwcap: %s: no process matches the selector\n", path);
        cli_list_trace_contents(etwcap_evidence_state(e));
        /* A damaged trace may have lost the selected processes: the
         * damage (reported above, with its offset) is the input error. */
        size_t ndiag = etwcap_evidence_diag_count(e);
        etwcap_evidence_free(e);
        if (ndiag) {
            fprintf(stderr, "etwcap: %s: %zu problem(s) in the trace\n", path, ndiag);
            return CLI_INPUT;
        }
        return CLI_SELECTOR;
    }
    if (st != ETWCAP_OK) {
        /* A trace that cannot be opened names where, as `stats` does. */
        if (d.message[0] && d.buffer_index >= 0)
            print_diag(&d, (void *)path);
        else
            fprintf(stderr, "etwcap: %s: %s\n", path,
                    d.message[0] ? d.message : etwcap_status_str(st));
        etwcap_evidence_free(e);
        return CLI_INPUT;
    }
    int rc = cli_write_atomic(out_path, (cli_writer_fn)etwcap_evidence_write, e, attest);
    if (rc == CLI_OK && etwcap_evidence_diag_count(e)) {
        fprintf(stderr,
                "etwcap: %s: %zu problem(s) in the trace; the evidence covers what was "
                "readable\n",
                path, etwcap_evidence_diag_count(e));
        rc = CLI_INPUT;
    }
    etwcap_evidence_free(e);
    return rc;
}
