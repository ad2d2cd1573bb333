/* sha256.h - SHA-256 through the platform's library: OpenSSL's libcrypto
 * on POSIX, BCrypt on Windows. */
#ifndef ETWCAP_SHA256_H
#define ETWCAP_SHA256_H

#include <stddef.h>
#include <stdint.h>

typedef struct etwcap_sha256 etwcap_sha256;

etwcap_sha256 *etwcap_sha256_new(void);
int etwcap_sha256_update(etwcap_sha256 *h, const void *data, size_t n);
/* Finish into 32 bytes and free the context. */
int etwcap_sha256_final(etwcap_sha256 *h, uint8_t out[32]);
void etwcap_sha256_free(etwcap_sha256 *h);

/* Lower-case hex of a digest (65 bytes with NUL). */
void etwcap_sha256_hex(const uint8_t d[32], char out[65]);

/* One-shot digest of a buffer; 0 on success. */
int etwcap_sha256_buf(const void *data, size_t n, char hex[65]);

/* Digest of a whole file, read in chunks; 0 on success. */
int etwcap_sha256_file(const char *path, char hex[65]);

#endif
