/* main.c - `etwcap <command> ...`: dispatch to one cmd_<verb>.c per command. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const struct {
    const char *name;
    cli_cmd_fn fn;
    const char *summary;
} commands[] = {
    {"info", cmd_info, "show the trace's log-file header and buffer summary"},
    {"events", cmd_events, "list events in time order (text or JSON Lines)"},
    {"stats", cmd_stats, "count events per type"},
    {"symbolize", cmd_symbolize, "name the functions at RVAs of a PE image (PDB or exports)"},
    {"evidence", cmd_evidence, "runtime evidence for a process tree or container (JSON)"},
    {"containers", cmd_containers, "list the container ids seen, with their processes"},
    {"stacks", cmd_stacks, "CPU-sample stacks: folded, speedscope or SVG flame graph"},
    {"capture", cmd_capture, "record a live ETW trace (Windows, administrator)"},
    {"confirm", cmd_confirm, "check static reachability claims against runtime evidence"},
};

static void usage(FILE *f)
{
    fprintf(f, "usage: etwcap <command> [options] FILE\n\ncommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(f, "\n`etwcap <command> --help` describes a command's options.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return CLI_USAGE;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return CLI_OK;
    }
    if (!strcmp(argv[1], "--version")) {
        printf("etwcap 0.1.0\n");
        return CLI_OK;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (!strcmp(argv[1], commands[i].name))
            return commands[i].fn(argc - 1, argv + 1);
    fprintf(stderr, "etwcap: unknown command '%s'\n\n", argv[1]);
    usage(stderr);
    return CLI_USAGE;
}
