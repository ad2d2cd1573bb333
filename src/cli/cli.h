/* cli.h - shared pieces of the etwcap command line. */
#ifndef ETWCAP_CLI_H
#define ETWCAP_CLI_H

#include <stdio.h>

#include "etwcap/reader.h"

/* Exit statuses: 0 OK, 1 usage, 2 input error (something could not be read;
 * everything before it was still output), 3 unknown selector. */
enum {
    CLI_OK = 0,
    CLI_USAGE = 1,
    CLI_INPUT = 2,
    CLI_SELECTOR = 3
};

typedef int (*cli_cmd_fn)(int argc, char **argv);

int cmd_info(int argc, char **argv);
int cmd_events(int argc, char **argv);
int cmd_stats(int argc, char **argv);
int cmd_symbolize(int argc, char **argv);
int cmd_stacks(int argc, char **argv);
int cmd_confirm(int argc, char **argv);
int cmd_evidence(int argc, char **argv);
int cmd_containers(int argc, char **argv);
int cmd_capture(int argc, char **argv);

/* The order in which a command reads records. */
typedef enum cli_order {
    CLI_TIME_ORDER = 0, /* merged by timestamp across CPUs */
    CLI_FILE_ORDER,     /* file order; all buffer headers are scanned at open */
    CLI_FILE_ORDER_ONCE /* file order for a command that reads every record: buffers are
                           found while reading, so the file is read once (lazy_scan) */
} cli_order;

/* Open a trace; diagnostics are printed to stderr as they are found, naming
 * the file, buffer and offset. Buffers are decoded with one thread per
 * processor. Returns NULL after printing why. */
etwcap_reader *cli_open_trace(const char *path, cli_order order);

/* The same with `threads` decoding threads (0: one per processor). */
etwcap_reader *cli_open_trace_threads(const char *path, cli_order order, unsigned threads);

/* Parse the value of --threads N (1..1024). Returns 0 on success. */
int cli_parse_threads(const char *s, unsigned *out);
/* "GUID=DIR" of --container-root: 1 when well formed, else 0 after a
 * message on stderr. */
int cli_container_root_ok(const char *s);

/* Close the reader; returns CLI_INPUT when any diagnostic was reported. */
int cli_close_trace(etwcap_reader *r);

/* Writes `obj` to `f`; `flag` is passed through (e.g. --attest). */
typedef etwcap_status (*cli_writer_fn)(const void *obj, FILE *f, int flag);

/* Write to `path` through a temporary file renamed into place, so a failed
 * write leaves no partial file (a device, FIFO or link is written through:
 * common/outfile.h); NULL writes to stdout. Returns a CLI status. */
int cli_write_atomic(const char *path, cli_writer_fn write, const void *obj, int flag);

struct etwcap_state;
/* List the processes (and their containers) of a trace on stderr. */
void cli_list_trace_contents(const struct etwcap_state *st);

/* Parse the value of --symbolizer (builtin|dbghelp); prints why and returns
 * CLI_USAGE when unknown or not available in this build, else CLI_OK. */
int cli_parse_symbolizer(const char *s, int *backend);

/* Parse an unsigned decimal or 0x-hex number. Returns 0 on success. */
int cli_parse_u64(const char *s, unsigned long long *out);

#endif
