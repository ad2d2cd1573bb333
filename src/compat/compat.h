/* compat.h - the one place where POSIX and Windows differ.
 *
 * File names are UTF-8 everywhere in etwcap; on Windows they are converted
 * to UTF-16 here and opened with the wide API, never through wchar_t-sized
 * assumptions elsewhere.
 */
#ifndef ETWCAP_COMPAT_H
#define ETWCAP_COMPAT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef struct etwcap_file etwcap_file;

/* Open a file for reading. Returns 0, or -1 with errno-style text in `why`. */
int etwcap_file_open(etwcap_file **out, const char *path_utf8, char *why, size_t why_cap);

/* Size of the file in bytes, or -1. */
int64_t etwcap_file_size(etwcap_file *f);

/* Read up to n bytes at `offset`. Returns the bytes read (less than n only at
 * end of file), or -1 on an I/O error. */
int64_t etwcap_file_read_at(etwcap_file *f, uint64_t offset, void *buf, size_t n);

void etwcap_file_close(etwcap_file *f);

/* Rename, replacing `to` if it exists. 0 on success. */
int etwcap_rename(const char *from, const char *to);

/* 1 when an output can be put at `path` by renaming a finished file over
 * it: nothing is there yet, or a regular file (not a link to one). 0 for
 * anything else (a device such as /dev/null or NUL, a FIFO, a symbolic link,
 * a folder), which a rename would replace rather than write to. */
int etwcap_path_replaceable(const char *path_utf8);

/* fopen with a UTF-8 file name. */
FILE *etwcap_fopen(const char *path_utf8, const char *mode);

/* The id of this process (names temporary files that concurrent runs must not share). */
unsigned long etwcap_process_id(void);

#endif
