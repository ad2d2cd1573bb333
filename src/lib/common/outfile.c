/* outfile.c - an output file written whole or not at all (see outfile.h). */
#include "common/outfile.h"

#include <stdlib.h>
#include <string.h>

#include "compat/compat.h"

/* Tries at a temporary name before giving up: another run writing the same
 * output (the process id differs) or a file left by a killed run (a later
 * number) only moves the name on. */
#define OUTFILE_TRIES 100

static void outfile_free(etwcap_outfile *o)
{
    free(o->path);
    free(o->tmp);
    o->path = o->tmp = NULL;
    o->f = NULL;
}

/* Create a temporary file next to `o->path` that did not exist before. */
static int open_temp(etwcap_outfile *o)
{
    size_t n = strlen(o->path) + 48;
    if (!(o->tmp = malloc(n)))
        return -1;
    unsigned long pid = etwcap_process_id();
    for (unsigned i = 0; i < OUTFILE_TRIES; i++) {
        if (i == 0)
            snprintf(o->tmp, n, "%s.tmp%lu", o->path, pid);
        else
            snprintf(o->tmp, n, "%s.tmp%lu-%u", o->path, pid, i);
        FILE *probe = etwcap_fopen(o->tmp, "rb");
        if (probe) {
            fclose(probe);
            continue;
        }
        o->f = etwcap_fopen(o->tmp, "wb");
        return o->f ? 0 : -1;
    }
    return -1;
}

int etwcap_outfile_open(etwcap_outfile *o, const char *path, char *why, size_t why_cap)
{
    memset(o, 0, sizeof *o);
    const size_t n = strlen(path) + 1;
    if (!(o->path = malloc(n))) {
        snprintf(why, why_cap, "out of memory");
        return -1;
    }
    memcpy(o->path, path, n);
    if (!etwcap_path_replaceable(path)) {
        if (!(o->f = etwcap_fopen(path, "wb"))) {
            snprintf(why, why_cap, "cannot write %s", path);
            outfile_free(o);
            return -1;
        }
        return 0;
    }
    if (open_temp(o) != 0) {
        snprintf(why, why_cap, "cannot create a temporary file next to %s", path);
        outfile_free(o);
        return -1;
    }
    return 0;
}

int etwcap_outfile_close(etwcap_outfile *o, int ok, char *why, size_t why_cap)
{
    if (!o->f) {
        snprintf(why, why_cap, "no output open");
        outfile_free(o);
        return -1;
    }
    ok = ok && fflush(o->f) == 0;
    ok = fclose(o->f) == 0 && ok;
    o->f = NULL;
    if (!ok) {
        snprintf(why, why_cap, "cannot write %s", o->path);
    } else if (o->tmp && etwcap_rename(o->tmp, o->path) != 0) {
        snprintf(why, why_cap, "cannot rename %s to %s", o->tmp, o->path);
        ok = 0;
    }
    if (!ok && o->tmp)
        remove(o->tmp);
    outfile_free(o);
    return ok ? 0 : -1;
}
