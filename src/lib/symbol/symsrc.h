/* symsrc.h - bytes of a PE or PDB file (memory or positioned file reads)
 * and the diagnostic helper shared by pe.c, msf.c and pdb.c (etl-format.md §5).
 *
 * Every read names an offset and a length and fails when either leaves the
 * file, so a hostile header can never make us read outside the input.
 */
#ifndef ETWCAP_SYMSRC_H
#define ETWCAP_SYMSRC_H

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "compat/compat.h"
#include "etwcap/error.h"

typedef struct sym_src {
    const uint8_t *mem; /* whole file in memory, or NULL */
    etwcap_file *file;  /* else positioned reads from this file */
    uint64_t size;
} sym_src;

enum {
    SYM_SRC_OK = 0,
    SYM_SRC_RANGE = -1,
    SYM_SRC_IO = -2
};

/* Read exactly n bytes at `off`: SYM_SRC_OK, SYM_SRC_RANGE (outside the
 * file) or SYM_SRC_IO. */
static inline int sym_src_read(const sym_src *s, uint64_t off, void *buf, size_t n)
{
    if (off > s->size || n > s->size - off)
        return SYM_SRC_RANGE;
    if (n == 0)
        return SYM_SRC_OK;
    if (s->mem) {
        memcpy(buf, s->mem + off, n);
        return SYM_SRC_OK;
    }
    int64_t got = etwcap_file_read_at(s->file, off, buf, n);
    return got == (int64_t)n ? SYM_SRC_OK : SYM_SRC_IO;
}

#if defined(__MINGW32__)
#define SYM_PRINTF(a, b) __attribute__((format(gnu_printf, a, b)))
#elif defined(__GNUC__)
#define SYM_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define SYM_PRINTF(a, b)
#endif

/* Fill in `diag` (may be NULL), all but its status; returns `diag`. */
static inline etwcap_diag *sym_diag_msg(etwcap_diag *diag, uint64_t offset, const char *fmt, ...)
    SYM_PRINTF(3, 4);
static inline etwcap_diag *sym_diag_msg(etwcap_diag *diag, uint64_t offset, const char *fmt, ...)
{
    if (diag) {
        diag->buffer_index = -1;
        diag->offset = offset;
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(diag->message, sizeof diag->message, fmt, ap);
        va_end(ap);
    }
    return diag;
}

static inline etwcap_status sym_diag_status(etwcap_diag *diag, etwcap_status st)
{
    if (diag)
        diag->status = st;
    return st;
}

/* Fill `diag` (may be NULL) and return `st`. A macro, so that the status is
 * returned by a plain function: clang's analyzer does not follow variadic
 * calls and would take any failure for ETWCAP_OK. Each argument is
 * evaluated once. */
#define sym_fail(diag, st, offset, ...) \
    sym_diag_status(sym_diag_msg((diag), (offset), __VA_ARGS__), (st))

/* Open `path` as a file source. */
static inline etwcap_status sym_src_open(sym_src *s, const char *path, etwcap_diag *diag)
{
    char why[160];
    memset(s, 0, sizeof *s);
    if (etwcap_file_open(&s->file, path, why, sizeof why) != 0)
        return sym_fail(diag, ETWCAP_ERR_IO, 0, "cannot open: %s", why);
    int64_t n = etwcap_file_size(s->file);
    if (n < 0) {
        etwcap_file_close(s->file);
        s->file = NULL;
        return sym_fail(diag, ETWCAP_ERR_IO, 0, "cannot get the file size");
    }
    s->size = (uint64_t)n;
    return ETWCAP_OK;
}

static inline void sym_src_close(sym_src *s)
{
    if (s->file)
        etwcap_file_close(s->file);
    s->file = NULL;
}

/* Copy a name into `dst` (capacity cap > 0), stopping at NUL or `n` bytes;
 * control characters become '?', so names print safely. Returns the length. */
static inline size_t sym_copy_name(char *dst, size_t cap, const uint8_t *src, size_t n)
{
    size_t k = 0;
    while (k < n && k + 1 < cap && src[k]) {
        dst[k] = src[k] < 0x20 || src[k] == 0x7f ? '?' : (char)src[k];
        k++;
    }
    dst[k] = '\0';
    return k;
}

#endif
