/* cli_write.c - write an output file whole or not at all: into a temporary
 * file next to it, renamed into place only after a complete write. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "compat/compat.h"

int cli_write_atomic(const char *path, cli_writer_fn write, const void *obj, int flag)
{
    if (!path) {
        etwcap_status st = write(obj, stdout, flag);
        if (st != ETWCAP_OK || fflush(stdout) != 0) {
            fprintf(stderr, "etwcap: cannot write the output: %s\n", etwcap_status_str(st));
            return CLI_INPUT;
        }
        return CLI_OK;
    }
    /* The process id in the name: two runs writing the same output at once
     * must not write into one temporary file (rand() without a seed gave
     * every run the same name). */
    size_t n = strlen(path) + 32;
    char *tmp = malloc(n);
    if (!tmp) {
        fprintf(stderr, "etwcap: out of memory\n");
        return CLI_INPUT;
    }
    snprintf(tmp, n, "%s.tmp%lu", path, etwcap_process_id());
    FILE *f = etwcap_fopen(tmp, "wb");
    if (!f) {
        fprintf(stderr, "etwcap: cannot create %s\n", tmp);
        free(tmp);
        return CLI_INPUT;
    }
    etwcap_status st = write(obj, f, flag);
    int ok = st == ETWCAP_OK && fflush(f) == 0;
    ok = (fclose(f) == 0) && ok;
    if (ok && etwcap_rename(tmp, path) != 0)
        ok = 0;
    if (!ok) {
        remove(tmp);
        fprintf(stderr, "etwcap: cannot write %s\n", path);
        free(tmp);
        return CLI_INPUT;
    }
    free(tmp);
    return CLI_OK;
}
