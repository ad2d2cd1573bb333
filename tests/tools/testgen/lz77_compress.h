/* lz77_compress.h - MS-XCA "Plain LZ77" compressor for the test-trace writer.
 *
 * Test and build support only: the library needs just the decompressor
 * (src/lib/reader/lz77.c). The output decodes with etwcap_lz77_decompress.
 */
#ifndef ETWCAP_LZ77_COMPRESS_H
#define ETWCAP_LZ77_COMPRESS_H

#include <stddef.h>
#include <stdint.h>

/* Worst-case output size for `src_len` input bytes. */
size_t testgen_lz77_bound(size_t src_len);

/* Compress `src` into `dst` (at least testgen_lz77_bound(src_len) bytes).
 * Returns the compressed size, or 0 if dst_cap is too small. */
size_t testgen_lz77_compress(const uint8_t *src, size_t src_len, uint8_t *dst, size_t dst_cap);

#endif
