/* cli_write.c - write an output file whole or not at all (common/outfile.h:
 * a temporary file renamed into place; devices and links written through). */
#include <stdio.h>

#include "cli.h"
#include "common/outfile.h"

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
    char why[512];
    etwcap_outfile o;
    if (etwcap_outfile_open(&o, path, why, sizeof why) != 0) {
        fprintf(stderr, "etwcap: %s\n", why);
        return CLI_INPUT;
    }
    etwcap_status st = write(obj, o.f, flag);
    if (etwcap_outfile_close(&o, st == ETWCAP_OK, why, sizeof why) != 0) {
        if (st != ETWCAP_OK)
            fprintf(stderr, "etwcap: cannot write %s: %s\n", path, etwcap_status_str(st));
        else
            fprintf(stderr, "etwcap: %s\n", why);
        return CLI_INPUT;
    }
    return CLI_OK;
}
