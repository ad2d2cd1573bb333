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

/* Read each image with the PE reader and write the sidecar document to `f`:
 * `paths[i]` is the image's path as the trace names it (what the offline
 * stage looks up), `files[i]` the file to read (NULL: `paths` themselves).
 * Images that cannot be read are listed with their error. `nread` (may be
 * NULL) gets the number read. Returns ETWCAP_OK or ETWCAP_ERR_IO. */
etwcap_status etwcap_images_write(FILE *f, const char *const *paths, const char *const *files,
                                  size_t n, size_t *nread);

/* Device prefixes and the drives they are mounted as ("\Device\HarddiskVolume3"
 * -> "C:"), as QueryDosDeviceW tells on the capturing machine. */
typedef struct etwcap_device_map {
    struct {
        char device[128];
        char drive[4];
    } v[26];
    size_t n;
} etwcap_device_map;

/* The drive-letter form of `path` (already one: copied). 0, or -1 when no
 * device of `map` prefixes it or it does not fit. */
int etwcap_images_map_path(const etwcap_device_map *map, const char *path, char *out, size_t cap);

/* Every distinct image path that trace `etl` loads (modules of every
 * process), as the state names them. Free with etwcap_images_paths_free. */
etwcap_status etwcap_images_collect(const char *etl, char ***paths, size_t *n, etwcap_diag *diag);
void etwcap_images_paths_free(char **paths, size_t n);

#ifdef _WIN32
/* Fill `map` from QueryDosDeviceW for drives A: to Z:. */
void etwcap_images_device_map(etwcap_device_map *map);
#endif

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
