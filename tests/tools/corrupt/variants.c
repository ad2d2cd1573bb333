/* variants.c - the corrupt-corpus variants (see variants.h and corrupt.c):
 *   trunc  the file cut at each 4 KiB boundary of its first 256 KiB;
 *   flip   seeded random bit flips, G to a variant;
 *   field  BufferSize, SavedOffset and CurrentOffset of WMI_BUFFER_HEADER
 *          (etl-format.md §1.2, offsets 0x00, 0x04, 0x08) set to 0, 0x48
 *          and 0xFFFFFFFF in buffers 0, 1 and count / 2.
 */
#include "variants.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "common/bytes.h"
#include "splitmix64.h"

#define BUF_HDR 0x48
#define TRUNC_STEP 4096
#define TRUNC_SPAN ((size_t)256 * 1024)

static uint64_t fnv1a(const char *s)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
    return h;
}

int cv_read_all(const char *path, uint8_t **data, size_t *size)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    size_t cap = 1 << 20, n = 0;
    uint8_t *b = malloc(cap);
    while (b) {
        size_t got = fread(b + n, 1, cap - n, f);
        n += got;
        if (n < cap)
            break;
        uint8_t *nb = realloc(b, cap *= 2);
        if (!nb)
            free(b);
        b = nb;
    }
    fclose(f);
    if (!b)
        return -1;
    *data = b;
    *size = n;
    return 0;
}

int cv_write_all(const char *path, const uint8_t *data, size_t size)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0)
        return -1;
    size_t done = 0;
    while (done < size) {
        ssize_t w = write(fd, data + done, size - done);
        if (w <= 0) {
            close(fd);
            return -1;
        }
        done += (size_t)w;
    }
    return close(fd);
}

static int pwrite_all(const char *path, uint64_t off, const void *p, size_t n)
{
    int fd = open(path, O_WRONLY);
    if (fd < 0)
        return -1;
    ssize_t w = pwrite(fd, p, n, (off_t)off);
    close(fd);
    return w == (ssize_t)n ? 0 : -1;
}

/* Buffer offsets of the intact file, stepping by each buffer's BufferSize
 * (etl-format.md §1.1); stops at the first implausible size. */
static size_t buffer_offsets(const uint8_t *d, size_t size, uint64_t *out, size_t cap)
{
    size_t n = 0;
    uint64_t off = 0;
    while (off + BUF_HDR <= size && n < cap) {
        uint32_t bs = etwcap_rd32(d + off);
        if (bs < BUF_HDR || bs > 64u << 20)
            break;
        out[n++] = off;
        off += bs;
    }
    return n;
}

size_t cv_make(const char *rel, const uint8_t *d, size_t size, const cv_flips *fl, variant **out)
{
    size_t cap = TRUNC_SPAN / TRUNC_STEP + 1 + fl->flips + 27, n = 0;
    variant *v = calloc(cap, sizeof *v);
    if (!v)
        abort();
    for (uint64_t c = 0; c <= TRUNC_SPAN && c < size; c += TRUNC_STEP)
        v[n++] = (variant){.kind = K_TRUNC, .cut = c};
    /* The seeded flips in order, --flip-group to a variant (the last one
     * may hold fewer); --stride keeps every K-th variant. */
    uint64_t s = fl->seed ^ fnv1a(rel);
    variant g = {.kind = K_FLIP};
    unsigned ngroups = 0;
    for (unsigned i = 0; size > 0 && fl->group > 0 && fl->stride > 0 && i < fl->flips; i++) {
        g.bits[g.nbits++] = test_splitmix64(&s) % ((uint64_t)size * 8);
        if (g.nbits < fl->group && i + 1 < fl->flips)
            continue;
        if (ngroups++ % fl->stride == 0)
            v[n++] = g;
        g.nbits = 0;
    }
    static uint64_t offs[1 << 16];
    size_t nb = buffer_offsets(d, size, offs, sizeof offs / sizeof offs[0]);
    int picks[3] = {0, 1, (int)(nb / 2)};
    static const struct {
        const char *name;
        unsigned at;
    } fields[] = {{"BufferSize", 0x00}, {"SavedOffset", 0x04}, {"CurrentOffset", 0x08}};
    static const uint32_t vals[] = {0, BUF_HDR, 0xFFFFFFFFu};
    for (int p = 0; p < 3; p++) {
        if ((size_t)picks[p] >= nb || (p == 2 && (picks[2] == 0 || picks[2] == 1)))
            continue;
        for (int f = 0; f < 3; f++)
            for (int k = 0; k < 3; k++)
                v[n++] = (variant){.kind = K_FIELD,
                                   .off = offs[picks[p]] + fields[f].at,
                                   .val = vals[k],
                                   .field = fields[f].name,
                                   .buffer = picks[p]};
    }
    *out = v;
    return n;
}

void cv_describe(const variant *v, char *buf, size_t cap)
{
    switch (v->kind) {
    case K_TRUNC:
        snprintf(buf, cap, "truncated at %llu", (unsigned long long)v->cut);
        break;
    case K_FLIP: {
        size_t len = 0;
        for (unsigned k = 0; k < v->nbits && len < cap; k++)
            len += (size_t)snprintf(buf + len, cap - len, "%sbit %llu (byte %llu)", k ? ", " : "",
                                    (unsigned long long)v->bits[k],
                                    (unsigned long long)(v->bits[k] / 8));
        if (len < cap)
            snprintf(buf + len, cap - len, " flipped");
        break;
    }
    default:
        snprintf(buf, cap, "buffer %d %s (offset %llu) = 0x%X", v->buffer, v->field,
                 (unsigned long long)v->off, v->val);
    }
}

int cv_apply(const char *path, const variant *v, const uint8_t *d, size_t size, int *have)
{
    if (v->kind == K_TRUNC) {
        *have = 0;
        return cv_write_all(path, d, (size_t)v->cut);
    }
    if (!*have && cv_write_all(path, d, size) != 0)
        return -1;
    *have = 1;
    if (v->kind == K_FLIP) {
        for (unsigned k = 0; k < v->nbits; k++) {
            uint64_t at = v->bits[k] / 8;
            uint8_t byte = d[at];
            for (unsigned j = 0; j < v->nbits; j++) /* every flip in this byte */
                if (v->bits[j] / 8 == at)
                    byte ^= (uint8_t)(1u << (v->bits[j] % 8));
            if (pwrite_all(path, at, &byte, 1) != 0)
                return -1;
        }
        return 0;
    }
    uint8_t patch[4];
    for (int k = 0; k < 4; k++)
        patch[k] = (uint8_t)(v->val >> (8 * k));
    return pwrite_all(path, v->off, patch, 4);
}

void cv_restore(const char *path, const variant *v, const uint8_t *d)
{
    if (v->kind == K_FLIP)
        for (unsigned k = 0; k < v->nbits; k++)
            pwrite_all(path, v->bits[k] / 8, d + v->bits[k] / 8, 1);
    else if (v->kind == K_FIELD)
        pwrite_all(path, v->off, d + v->off, 4);
}
