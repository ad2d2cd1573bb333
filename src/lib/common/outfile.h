/* outfile.h - an output file written whole or not at all.
 *
 * A new file, or a regular file already there, is written into a temporary
 * file next to it and renamed into place only once complete: a failed run
 * leaves the old file or none, never a partial one. Anything else the path
 * names (/dev/null, NUL, a FIFO, a symbolic link) is written through as it
 * is: renaming over it would replace the device or the link itself with a
 * regular file (`-o /dev/null` run as root did).
 */
#ifndef ETWCAP_OUTFILE_H
#define ETWCAP_OUTFILE_H

#include <stddef.h>
#include <stdio.h>

typedef struct etwcap_outfile {
    FILE *f;    /* where the output goes */
    char *path; /* the output's name */
    char *tmp;  /* the temporary file, or NULL when writing straight to `path` */
} etwcap_outfile;

/* Start writing `path`. 0, or -1 with the reason in `why`. */
int etwcap_outfile_open(etwcap_outfile *o, const char *path, char *why, size_t why_cap);

/* Close the output. With `ok` (everything was written), it is flushed and put
 * in place; without, the temporary file is removed. 0 when the output is
 * complete and in place, else -1 with the reason in `why`. Frees `o`'s
 * memory either way. */
int etwcap_outfile_close(etwcap_outfile *o, int ok, char *why, size_t why_cap);

#endif
