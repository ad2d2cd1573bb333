/* msf.c - MSF 7.0 superblock and stream directory (etl-format.md §5.4).
 *
 * The directory is checked against the file before anything is allocated
 * from its counts: the block size must be a power of two, the file must hold
 * NumBlocks blocks, every block number must be below NumBlocks, no block may
 * be used twice (a "cycle" would make two streams, or a stream and the
 * directory, share bytes), and the stream sizes may not need more block
 * numbers than NumDirectoryBytes holds.
 */
#include "symbol/msf.h"

#include <stdlib.h>
#include <string.h>

#include "common/bytes.h"

static const char msf_magic[32] = "Microsoft C/C++ MSF 7.00\r\n\x1a"
                                  "DS\0\0";

static uint32_t blocks_for(uint32_t bytes, uint32_t bs)
{
    return (uint32_t)(((uint64_t)bytes + bs - 1) / bs);
}

/* Mark `b` used in the bitmap; fails on a reuse or a block out of range. */
static etwcap_status use_block(const msf_file *m, uint8_t *used, uint32_t b, const char *what,
                               uint64_t where, etwcap_diag *diag)
{
    if (b == 0 || b >= m->num_blocks)
        return sym_fail(diag, ETWCAP_ERR_FORMAT, where,
                        "%s names block %u, outside blocks 1..%u of the file", what, (unsigned)b,
                        (unsigned)(m->num_blocks - 1));
    if (used[b >> 3] & (1u << (b & 7)))
        return sym_fail(diag, ETWCAP_ERR_FORMAT, where,
                        "%s names block %u, which is already in use (cyclic or overlapping "
                        "stream directory)",
                        what, (unsigned)b);
    used[b >> 3] |= (uint8_t)(1u << (b & 7));
    return ETWCAP_OK;
}

static etwcap_status read_block(const msf_file *m, uint32_t b, uint32_t off, void *buf, size_t n,
                                etwcap_diag *diag)
{
    uint64_t at = (uint64_t)b * m->block_size + off;
    int r = sym_src_read(m->src, at, buf, n);
    if (r == SYM_SRC_OK)
        return ETWCAP_OK;
    return sym_fail(diag, r == SYM_SRC_IO ? ETWCAP_ERR_IO : ETWCAP_ERR_FORMAT, at,
                    "cannot read block %u", (unsigned)b);
}

/* Assemble the stream directory from its blocks. */
static etwcap_status read_directory(msf_file *m, uint32_t map_block, uint32_t dir_bytes,
                                    uint8_t *used, uint8_t **out, uint32_t **out_blocks,
                                    etwcap_diag *diag)
{
    uint32_t bs = m->block_size, nb = blocks_for(dir_bytes, bs);
    uint64_t map_at = (uint64_t)map_block * bs;
    etwcap_status st = use_block(m, used, map_block, "BlockMapAddr", 0x34, diag);
    if (st != ETWCAP_OK)
        return st;
    if (nb == 0) /* not reached: msf_open rejects NumDirectoryBytes 0 */
        return sym_fail(diag, ETWCAP_ERR_FORMAT, 0x2C, "empty stream directory");
    if ((uint64_t)nb * 4u > bs)
        return sym_fail(diag, ETWCAP_ERR_FORMAT, 0x2C,
                        "NumDirectoryBytes %u needs %u blocks; their list does not fit in one "
                        "%u-byte block",
                        (unsigned)dir_bytes, (unsigned)nb, (unsigned)bs);
    uint8_t *dir = malloc((size_t)nb * bs + 1);
    uint32_t *list = malloc((size_t)nb * sizeof *list + 1);
    if (!dir || !list) {
        free(dir);
        free(list);
        return sym_fail(diag, ETWCAP_ERR_NOMEM, 0, "out of memory for the stream directory");
    }
    for (uint32_t i = 0; st == ETWCAP_OK && i < nb; i++) {
        uint8_t e[4]; /* a fixed-size read per entry: all 4 bytes or an error */
        st = read_block(m, map_block, 4 * i, e, sizeof e, diag);
        if (st == ETWCAP_OK) {
            list[i] = etwcap_rd32(e);
            st =
                use_block(m, used, list[i], "the stream directory", map_at + (uint64_t)4 * i, diag);
        }
        if (st == ETWCAP_OK)
            st = read_block(m, list[i], 0, dir + (size_t)i * bs, bs, diag);
    }
    if (st != ETWCAP_OK) {
        free(dir);
        free(list);
        return st;
    }
    *out = dir;
    *out_blocks = list;
    return ETWCAP_OK;
}

/* File offset of byte `pos` of the directory. */
static uint64_t dir_offset(const msf_file *m, const uint32_t *list, uint64_t pos)
{
    return (uint64_t)list[pos / m->block_size] * m->block_size + pos % m->block_size;
}

static etwcap_status parse_directory(msf_file *m, const uint8_t *dir, uint32_t dir_bytes,
                                     uint8_t *used, const uint32_t *dlist, etwcap_diag *diag)
{
    uint64_t dir_at = dir_offset(m, dlist, 0);
    uint32_t bs = m->block_size;
    if (dir_bytes < 4)
        return sym_fail(diag, ETWCAP_ERR_FORMAT, dir_at, "stream directory too small");
    uint32_t ns = etwcap_rd32(dir);
    if ((uint64_t)ns * 4u > dir_bytes - 4u)
        return sym_fail(diag, ETWCAP_ERR_FORMAT, dir_at,
                        "NumStreams %u does not fit in a %u-byte stream directory", (unsigned)ns,
                        (unsigned)dir_bytes);
    uint64_t total = 0;
    for (uint32_t i = 0; i < ns; i++) {
        uint32_t sz = etwcap_rd32(dir + 4 + (size_t)4 * i);
        if (sz != MSF_NIL_STREAM)
            total += blocks_for(sz, bs);
    }
    uint64_t need = 4u + (uint64_t)ns * 4u + total * 4u;
    if (need > dir_bytes)
        return sym_fail(diag, ETWCAP_ERR_FORMAT, dir_at,
                        "the stream sizes need %llu directory bytes; the directory has %u",
                        (unsigned long long)need, (unsigned)dir_bytes);
    if (total >= m->num_blocks)
        return sym_fail(diag, ETWCAP_ERR_FORMAT, dir_at,
                        "the streams need %llu blocks; the file has %u", (unsigned long long)total,
                        (unsigned)m->num_blocks);
    m->sizes = malloc(((size_t)ns + 1) * sizeof *m->sizes);
    m->first = malloc(((size_t)ns + 1) * sizeof *m->first);
    m->blocks = malloc(((size_t)total + 1) * sizeof *m->blocks);
    if (!m->sizes || !m->first || !m->blocks)
        return sym_fail(diag, ETWCAP_ERR_NOMEM, 0, "out of memory for %u streams", (unsigned)ns);
    m->num_streams = ns;
    const uint8_t *list = dir + 4 + 4u * (size_t)ns;
    uint32_t k = 0;
    for (uint32_t i = 0; i < ns; i++) {
        uint32_t sz = etwcap_rd32(dir + 4 + (size_t)4 * i);
        m->sizes[i] = sz;
        m->first[i] = k;
        uint32_t n = sz == MSF_NIL_STREAM ? 0 : blocks_for(sz, bs);
        for (uint32_t j = 0; j < n; j++, k++) {
            char what[48];
            snprintf(what, sizeof what, "stream %u", (unsigned)i);
            m->blocks[k] = etwcap_rd32(list + (size_t)4 * k);
            uint64_t at = dir_offset(m, dlist, (uint64_t)(list - dir) + (uint64_t)4 * k);
            etwcap_status st = use_block(m, used, m->blocks[k], what, at, diag);
            if (st != ETWCAP_OK)
                return st;
        }
    }
    return ETWCAP_OK;
}

etwcap_status msf_open(msf_file *m, const sym_src *src, etwcap_diag *diag)
{
    memset(m, 0, sizeof *m);
    m->src = src;
    uint8_t sb[0x38];
    int r = sym_src_read(src, 0, sb, sizeof sb);
    if (r != SYM_SRC_OK)
        return sym_fail(diag, r == SYM_SRC_IO ? ETWCAP_ERR_IO : ETWCAP_ERR_FORMAT, 0,
                        "file too small for an MSF superblock (%llu bytes)",
                        (unsigned long long)src->size);
    if (memcmp(sb, msf_magic, sizeof msf_magic) != 0) {
        if (memcmp(sb, "Microsoft C/C++ program database 2.00", 37) == 0)
            return sym_fail(diag, ETWCAP_ERR_UNSUPPORTED, 0, "MSF 2.00 (VC6-era) PDB");
        return sym_fail(diag, ETWCAP_ERR_FORMAT, 0, "not a PDB (no MSF 7.00 signature)");
    }
    uint32_t bs = etwcap_rd32(sb + 0x20), fpm = etwcap_rd32(sb + 0x24);
    uint32_t nblocks = etwcap_rd32(sb + 0x28), dir_bytes = etwcap_rd32(sb + 0x2C);
    uint32_t map_block = etwcap_rd32(sb + 0x34);
    if (bs < 512 || bs > 65536 || (bs & (bs - 1)) != 0)
        return sym_fail(diag, ETWCAP_ERR_FORMAT, 0x20, "invalid block size %u", (unsigned)bs);
    if (fpm != 1 && fpm != 2)
        return sym_fail(diag, ETWCAP_ERR_FORMAT, 0x24, "invalid FreeBlockMapBlock %u",
                        (unsigned)fpm);
    if (nblocks < 3 || (uint64_t)nblocks * bs > src->size)
        return sym_fail(diag, ETWCAP_ERR_FORMAT, 0x28,
                        "NumBlocks %u of %u bytes do not fit in the file (%llu bytes; "
                        "truncated?)",
                        (unsigned)nblocks, (unsigned)bs, (unsigned long long)src->size);
    if (dir_bytes == 0 || dir_bytes > (uint64_t)nblocks * bs)
        return sym_fail(diag, ETWCAP_ERR_FORMAT, 0x2C, "invalid NumDirectoryBytes %u",
                        (unsigned)dir_bytes);
    m->block_size = bs;
    m->num_blocks = nblocks;
    /* One bit per block: bounded by the file size / 4096. */
    uint8_t *used = calloc((size_t)nblocks / 8 + 1, 1);
    if (!used)
        return sym_fail(diag, ETWCAP_ERR_NOMEM, 0, "out of memory");
    used[0] = 1; /* the superblock */
    uint8_t *dir = NULL;
    uint32_t *dlist = NULL;
    etwcap_status st = read_directory(m, map_block, dir_bytes, used, &dir, &dlist, diag);
    if (st == ETWCAP_OK)
        st = parse_directory(m, dir, dir_bytes, used, dlist, diag);
    free(dir);
    free(dlist);
    free(used);
    if (st != ETWCAP_OK)
        msf_close(m);
    return st;
}

void msf_close(msf_file *m)
{
    free(m->sizes);
    free(m->first);
    free(m->blocks);
    m->sizes = m->first = m->blocks = NULL;
    m->num_streams = 0;
}

int msf_stream_present(const msf_file *m, uint32_t stream)
{
    return stream < m->num_streams && m->sizes[stream] != MSF_NIL_STREAM;
}

uint32_t msf_stream_size(const msf_file *m, uint32_t stream)
{
    return msf_stream_present(m, stream) ? m->sizes[stream] : 0;
}

uint64_t msf_file_offset(const msf_file *m, uint32_t stream, uint32_t off)
{
    if (!msf_stream_present(m, stream) || off >= m->sizes[stream])
        return 0;
    uint32_t b = m->blocks[m->first[stream] + off / m->block_size];
    return (uint64_t)b * m->block_size + off % m->block_size;
}

etwcap_status msf_read(const msf_file *m, uint32_t stream, uint32_t off, uint32_t n, uint8_t **out,
                       etwcap_diag *diag)
{
    *out = NULL;
    uint32_t size = msf_stream_size(m, stream);
    if (!msf_stream_present(m, stream))
        return sym_fail(diag, ETWCAP_ERR_FORMAT, 0, "stream %u is absent", (unsigned)stream);
    if (off > size || n > size - off)
        return sym_fail(diag, ETWCAP_ERR_FORMAT, msf_file_offset(m, stream, off),
                        "stream %u: %u bytes at offset %u run past its end (%u bytes)",
                        (unsigned)stream, (unsigned)n, (unsigned)off, (unsigned)size);
    /* n <= stream size <= its blocks, all of them inside the file. */
    uint8_t *buf = malloc((size_t)n + 1);
    if (!buf)
        return sym_fail(diag, ETWCAP_ERR_NOMEM, 0, "out of memory for %u bytes of stream %u",
                        (unsigned)n, (unsigned)stream);
    uint32_t bs = m->block_size, done = 0;
    while (done < n) {
        uint32_t pos = off + done;
        uint32_t in = pos % bs, chunk = bs - in;
        if (chunk > n - done)
            chunk = n - done;
        uint32_t b = m->blocks[m->first[stream] + pos / bs];
        etwcap_status st = read_block(m, b, in, buf + done, chunk, diag);
        if (st != ETWCAP_OK) {
            free(buf);
            return st;
        }
        done += chunk;
    }
    buf[n] = 0;
    *out = buf;
    return ETWCAP_OK;
}
