/* msf.h - the MSF 7.0 container of a PDB: superblock, stream directory,
 * stream reads (etl-format.md §5.4). Internal to the symbol library.
 */
#ifndef ETWCAP_MSF_H
#define ETWCAP_MSF_H

#include <stdint.h>

#include "symbol/symsrc.h"

#define MSF_NIL_STREAM 0xFFFFFFFFu

typedef struct msf_file {
    const sym_src *src; /* not owned */
    uint32_t block_size;
    uint32_t num_blocks;
    uint32_t num_streams;
    uint32_t *sizes;  /* bytes per stream; MSF_NIL_STREAM for a nil stream */
    uint32_t *first;  /* index in `blocks` of each stream's first block */
    uint32_t *blocks; /* every stream's block numbers, in stream order */
} msf_file;

/* Read and check the superblock and the stream directory. Every block number
 * must be inside the file and used once; counts must fit in the directory. */
etwcap_status msf_open(msf_file *m, const sym_src *src, etwcap_diag *diag);
void msf_close(msf_file *m);

/* Size of a stream; 0 for nil or absent streams. */
uint32_t msf_stream_size(const msf_file *m, uint32_t stream);
int msf_stream_present(const msf_file *m, uint32_t stream);

/* File offset of byte `off` of `stream` (for messages); 0 when unknown. */
uint64_t msf_file_offset(const msf_file *m, uint32_t stream, uint32_t off);

/* Copy bytes [off, off + n) of `stream` into a new malloc'd buffer (*out,
 * n + 1 bytes, the extra byte is 0). */
etwcap_status msf_read(const msf_file *m, uint32_t stream, uint32_t off, uint32_t n, uint8_t **out,
                       etwcap_diag *diag);

#endif
