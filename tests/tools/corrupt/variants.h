/* variants.h - the corrupt-corpus variants of one trace (issue #5) and how
 * they are written into a worker's copy of it; corrupt.c runs them. */
#ifndef ETWCAP_CORRUPT_VARIANTS_H
#define ETWCAP_CORRUPT_VARIANTS_H

#include <stddef.h>
#include <stdint.h>

#define CV_MAX_GROUP 8 /* flips per variant (--flip-group) */

enum {
    K_TRUNC,
    K_FLIP,
    K_FIELD,
    K_NKINDS
};

typedef struct variant {
    int kind;
    uint64_t cut;                /* trunc: new size */
    uint64_t bits[CV_MAX_GROUP]; /* flip: bit indices in the file */
    unsigned nbits;
    uint64_t off; /* field: file offset of the u32 */
    uint32_t val; /* field: value written */
    const char *field;
    int buffer;
} variant;

/* Which flips: `flips` seeded flips (seed mixed with the trace's name
 * `rel`), `group` to a variant, every `stride`-th variant kept. */
typedef struct cv_flips {
    unsigned flips, group, stride;
    uint64_t seed;
} cv_flips;

/* The variants of the trace d[0..size): every cut, the flips, the
 * buffer-header fields. *out is malloc'ed; returns the count. */
size_t cv_make(const char *rel, const uint8_t *d, size_t size, const cv_flips *fl, variant **out);

/* "truncated at N", "bit B (byte Y) flipped", "buffer K Field (offset O) = 0xV". */
void cv_describe(const variant *v, char *buf, size_t cap);

/* Writes v into the copy at `path`, which holds the intact trace d[0..size)
 * when *have (a cut leaves it short: *have = 0). 0, or -1 on an I/O error. */
int cv_apply(const char *path, const variant *v, const uint8_t *d, size_t size, int *have);

/* Puts the intact bytes back after cv_apply (flips and fields). */
void cv_restore(const char *path, const variant *v, const uint8_t *d);

/* Whole-file helpers: 0, or -1 on an error. */
int cv_read_all(const char *path, uint8_t **data, size_t *size);
int cv_write_all(const char *path, const uint8_t *data, size_t size);

#endif
