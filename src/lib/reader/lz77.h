/* lz77.h - MS-XCA "Plain LZ77" decompression (etl-format.md §1.5).
 *
 * Compressed .etl buffers carry their record area in this format. The
 * decoder bounds every read and write: it never reads past `src + src_len`
 * and never writes past `dst + dst_cap`.
 */
#ifndef ETWCAP_LZ77_H
#define ETWCAP_LZ77_H

#include <stddef.h>
#include <stdint.h>

typedef enum etwcap_lz77_status {
    ETWCAP_LZ77_OK = 0,
    ETWCAP_LZ77_TRUNCATED = -1,    /* input ended inside a flag word, token or length */
    ETWCAP_LZ77_BAD_DISTANCE = -2, /* a match refers to bytes before the output start */
    ETWCAP_LZ77_OVERFLOW = -3      /* output would exceed dst_cap */
} etwcap_lz77_status;

/* Decompress `src` into `dst`. *out_len receives the number of bytes written,
 * also on error (the bytes before the failure are valid output).
 * Decoding stops successfully when the input is used up.
 * *err_pos, when not NULL, receives the input offset where an error was found. */
etwcap_lz77_status etwcap_lz77_decompress(const uint8_t *src, size_t src_len, uint8_t *dst,
                                          size_t dst_cap, size_t *out_len, size_t *err_pos);

const char *etwcap_lz77_status_str(etwcap_lz77_status st);

#endif
