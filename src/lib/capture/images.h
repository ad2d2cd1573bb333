/* images.h - the image-identity sidecar of a capture (docs/capture.md).
 *
 * At the end of `etwcap capture` the PE identity (TimeDateStamp, SizeOfImage,
 * RSDS GUID/age/PDB name) of every image the trace loaded is read from the
 * image files on the capturing machine and written next to the trace as
 * OUT.etl.images.json, as `xperf -merge` adds ImageID/DbgID records, so the
 * trace can be symbolized on another machine. The offline stage reads it
 * when present and gives modules the trace has no DbgID record for their
 * identity. Portable: the writer and reader run everywhere.
 */
#ifndef ETWCAP_CAPTURE_IMAGES_H
#define ETWCAP_CAPTURE_IMAGES_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "etwcap/error.h"
#include "etwcap/symbol.h"

#define ETWCAP_IMAGES_FORMAT "etwcap.images/v1"

typedef struct etwcap_image_record {
    char *path; /* as written (drive-letter form) */
    int ok;     /* 0: the image could not be read (no identity) */
    etwcap_pe_identity id;
} etwcap_image_record;

typedef struct etwcap_images {
    etwcap_image_record *v;
    size_t n;
} etwcap_images;

/* Read each of `paths` with the PE reader and write the sidecar document to
 * `f`. Images that cannot be read are listed with their error. `nread`
 * (may be NULL) gets the number read. Returns ETWCAP_OK or ETWCAP_ERR_IO. */
etwcap_status etwcap_images_write(FILE *f, const char *const *paths, size_t n, size_t *nread);

/* Load a sidecar. Bad documents give ETWCAP_ERR_FORMAT with the reason. */
etwcap_status etwcap_images_load(etwcap_images *out, const char *file, etwcap_diag *diag);

/* The record of `path` (ASCII case and '/' vs '\\' ignored) that was read,
 * with SizeOfImage `size` when `size` is not 0; NULL when none. */
const etwcap_image_record *etwcap_images_find(const etwcap_images *im, const char *path,
                                              uint64_t size);

void etwcap_images_free(etwcap_images *im);

/* "<etl>.images.json". 0, or -1 when it does not fit. */
int etwcap_images_sidecar_path(char *dst, size_t cap, const char *etl);

#endif
