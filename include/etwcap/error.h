/* etwcap/error.h - status codes and diagnostics.
 *
 * Library functions return an etwcap_status: 0 is OK, 1 is END (iteration
 * finished), negative values are errors. The library never prints and never
 * exits; problems found in the input are reported as diagnostics that carry
 * the file, the buffer index, the byte offset and a message.
 */
#ifndef ETWCAP_ERROR_H
#define ETWCAP_ERROR_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum etwcap_status {
    ETWCAP_OK = 0,
    ETWCAP_END = 1,         /* iteration has no more items */
    ETWCAP_ERR = -1,        /* generic failure */
    ETWCAP_ERR_NOMEM = -2,  /* allocation failed */
    ETWCAP_ERR_IO = -3,     /* open/read failed */
    ETWCAP_ERR_FORMAT = -4, /* input is corrupt or not what it claims */
    ETWCAP_ERR_UNSUPPORTED = -5,
    ETWCAP_ERR_ARG = -6 /* caller passed a bad argument */
} etwcap_status;

/* One problem found in an input file. `buffer_index` is -1 when the problem
 * is not inside a trace buffer (for example, while opening the file). */
typedef struct etwcap_diag {
    etwcap_status status;
    int64_t buffer_index;
    uint64_t offset; /* byte offset in the file */
    char message[200];
} etwcap_diag;

/* A short English name for a status code ("format error", ...). */
const char *etwcap_status_str(etwcap_status st);

#ifdef __cplusplus
}
#endif
#endif
