/* sha256.c - SHA-256 wrappers (see sha256.h). */
#include "common/sha256.h"

#include <stdio.h>
#include <stdlib.h>

#include "compat/compat.h"

#ifdef _WIN32
#include <windows.h>
#include <bcrypt.h>

struct etwcap_sha256 {
    BCRYPT_ALG_HANDLE alg;
    BCRYPT_HASH_HANDLE hash;
};

etwcap_sha256 *etwcap_sha256_new(void)
{
    etwcap_sha256 *h = calloc(1, sizeof *h);
    if (!h)
        return NULL;
    if (BCryptOpenAlgorithmProvider(&h->alg, BCRYPT_SHA256_ALGORITHM, NULL, 0) != 0 ||
        BCryptCreateHash(h->alg, &h->hash, NULL, 0, NULL, 0, 0) != 0) {
        etwcap_sha256_free(h);
        return NULL;
    }
    return h;
}

int etwcap_sha256_update(etwcap_sha256 *h, const void *data, size_t n)
{
    const unsigned char *p = data;
    while (n) {
        ULONG chunk = n > 0x40000000u ? 0x40000000u : (ULONG)n;
        if (BCryptHashData(h->hash, (PUCHAR)p, chunk, 0) != 0)
            return -1;
        p += chunk;
        n -= chunk;
    }
    return 0;
}

int etwcap_sha256_final(etwcap_sha256 *h, uint8_t out[32])
{
    int rc = BCryptFinishHash(h->hash, out, 32, 0) == 0 ? 0 : -1;
    etwcap_sha256_free(h);
    return rc;
}

void etwcap_sha256_free(etwcap_sha256 *h)
{
    if (!h)
        return;
    if (h->hash)
        BCryptDestroyHash(h->hash);
    if (h->alg)
        BCryptCloseAlgorithmProvider(h->alg, 0);
    free(h);
}
#else
#include <openssl/evp.h>

struct etwcap_sha256 {
    EVP_MD_CTX *ctx;
};

etwcap_sha256 *etwcap_sha256_new(void)
{
    etwcap_sha256 *h = calloc(1, sizeof *h);
    if (!h)
        return NULL;
    h->ctx = EVP_MD_CTX_new();
    if (!h->ctx || EVP_DigestInit_ex(h->ctx, EVP_sha256(), NULL) != 1) {
        etwcap_sha256_free(h);
        return NULL;
    }
    return h;
}

int etwcap_sha256_update(etwcap_sha256 *h, const void *data, size_t n)
{
    return EVP_DigestUpdate(h->ctx, data, n) == 1 ? 0 : -1;
}

int etwcap_sha256_final(etwcap_sha256 *h, uint8_t out[32])
{
    unsigned len = 0;
    int rc = EVP_DigestFinal_ex(h->ctx, out, &len) == 1 && len == 32 ? 0 : -1;
    etwcap_sha256_free(h);
    return rc;
}

void etwcap_sha256_free(etwcap_sha256 *h)
{
    if (!h)
        return;
    EVP_MD_CTX_free(h->ctx);
    free(h);
}
#endif

void etwcap_sha256_hex(const uint8_t d[32], char out[65])
{
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < 32; i++) {
        out[2 * i] = hex[d[i] >> 4];
        out[2 * i + 1] = hex[d[i] & 15];
    }
    out[64] = '\0';
}

int etwcap_sha256_buf(const void *data, size_t n, char hex[65])
{
    uint8_t d[32];
    etwcap_sha256 *h = etwcap_sha256_new();
    if (!h)
        return -1;
    if (etwcap_sha256_update(h, data, n) != 0) {
        etwcap_sha256_free(h);
        return -1;
    }
    if (etwcap_sha256_final(h, d) != 0)
        return -1;
    etwcap_sha256_hex(d, hex);
    return 0;
}

int etwcap_sha256_file(const char *path, char hex[65])
{
    FILE *f = etwcap_fopen(path, "rb");
    if (!f)
        return -1;
    etwcap_sha256 *h = etwcap_sha256_new();
    unsigned char *buf = malloc(1 << 20);
    int rc = (h && buf) ? 0 : -1;
    size_t n;
    while (rc == 0 && (n = fread(buf, 1, 1 << 20, f)) > 0)
        rc = etwcap_sha256_update(h, buf, n);
    if (ferror(f))
        rc = -1;
    fclose(f);
    free(buf);
    uint8_t d[32];
    if (!h)
        return -1;
    if (rc != 0) {
        etwcap_sha256_free(h);
        return -1;
    }
    if (etwcap_sha256_final(h, d) != 0)
        return -1;
    etwcap_sha256_hex(d, hex);
    return 0;
}
