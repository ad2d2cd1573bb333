/* pe.c - PE32/PE32+ images: identity, sections, RSDS, exports (etl-format.md §5.1-5.3).
 *
 * Only the headers, the debug directory and the export directory are read;
 * everything is copied out and the file is closed before open returns.
 */
#include <stdlib.h>
#include <string.h>

#include "common/bytes.h"
#include "etwcap/symbol.h"
#include "symbol/symsrc.h"

#define PE_MAX_NAME 4096u /* longest export name kept (longer ones are cut) */

typedef struct pe_export {
    uint32_t rva;
    uint32_t name; /* offset into names */
} pe_export;

struct etwcap_pe {
    etwcap_pe_identity id;
    uint32_t size_of_headers;
    uint64_t file_size;
    etwcap_pe_section *secs;
    size_t nsec;
    pe_export *exps;
    size_t nexp;
    char *names;
    size_t names_len, names_cap;
};

typedef struct pe_ctx {
    const sym_src *src;
    etwcap_pe *pe;
    etwcap_diag *diag;
} pe_ctx;

static etwcap_status rd(pe_ctx *c, uint64_t off, void *buf, size_t n, const char *what)
{
    int r = sym_src_read(c->src, off, buf, n);
    if (r == SYM_SRC_OK)
        return ETWCAP_OK;
    if (r == SYM_SRC_IO)
        return sym_fail(c->diag, ETWCAP_ERR_IO, off, "read error in %s", what);
    return sym_fail(c->diag, ETWCAP_ERR_FORMAT, off,
                    "%s (%llu bytes) runs past the end of the file (%llu bytes)", what,
                    (unsigned long long)n, (unsigned long long)c->src->size);
}

/* Section containing `rva` (by its virtual extent), or NULL. */
static const etwcap_pe_section *section_of(const etwcap_pe *pe, uint32_t rva)
{
    for (size_t i = 0; i < pe->nsec; i++) {
        const etwcap_pe_section *s = &pe->secs[i];
        uint32_t span = s->virtual_size ? s->virtual_size : s->raw_size;
        if (rva >= s->virtual_address && rva - s->virtual_address < span)
            return s;
    }
    return NULL;
}

int etwcap_pe_rva_to_offset(const etwcap_pe *pe, uint32_t rva, uint64_t *offset)
{
    if (!pe)
        return -1;
    for (size_t i = 0; i < pe->nsec; i++) {
        const etwcap_pe_section *s = &pe->secs[i];
        if (rva < s->virtual_address)
            continue;
        uint32_t d = rva - s->virtual_address;
        uint32_t span = s->virtual_size > s->raw_size ? s->virtual_size : s->raw_size;
        if (d >= span)
            continue;
        if (d >= s->raw_size || (uint64_t)s->raw_offset + d >= pe->file_size)
            return -1; /* zero-filled at load time: no file bytes */
        *offset = (uint64_t)s->raw_offset + d;
        return 0;
    }
    if (rva < pe->size_of_headers && rva < pe->file_size) {
        *offset = rva; /* the headers are mapped as they are in the file */
        return 0;
    }
    return -1;
}

/* Map `n` bytes at `rva` to a file offset; all n bytes must be in the file. */
static etwcap_status map_range(pe_ctx *c, uint32_t rva, uint64_t n, uint64_t *off, const char *what)
{
    if (etwcap_pe_rva_to_offset(c->pe, rva, off) != 0)
        return sym_fail(c->diag, ETWCAP_ERR_FORMAT, 0, "%s at RVA 0x%x is not in the file", what,
                        (unsigned)rva);
    if (n > c->src->size - *off)
        return sym_fail(c->diag, ETWCAP_ERR_FORMAT, *off,
                        "%s (%llu bytes at RVA 0x%x) runs past the end of the file", what,
                        (unsigned long long)n, (unsigned)rva);
    return ETWCAP_OK;
}

static etwcap_status parse_sections(pe_ctx *c, uint64_t off, unsigned n)
{
    etwcap_pe *pe = c->pe;
    if (n && (off > c->src->size || (uint64_t)n * 40u > c->src->size - off))
        return sym_fail(c->diag, ETWCAP_ERR_FORMAT, off,
                        "%u section headers do not fit in the file", n);
    pe->secs = calloc(n ? n : 1, sizeof *pe->secs);
    if (!pe->secs)
        return sym_fail(c->diag, ETWCAP_ERR_NOMEM, off, "out of memory for sections");
    for (unsigned i = 0; i < n; i++) {
        uint8_t h[40];
        etwcap_status st = rd(c, off + (uint64_t)40 * i, h, sizeof h, "section header");
        if (st != ETWCAP_OK)
            return st;
        etwcap_pe_section *s = &pe->secs[i];
        sym_copy_name(s->name, sizeof s->name, h, 8);
        s->virtual_size = etwcap_rd32(h + 8);
        s->virtual_address = etwcap_rd32(h + 12);
        s->raw_size = etwcap_rd32(h + 16);
        s->raw_offset = etwcap_rd32(h + 20);
        s->characteristics = etwcap_rd32(h + 36);
    }
    pe->nsec = n;
    return ETWCAP_OK;
}

/* CodeView record of a debug-directory entry (etl-format.md §5.2). */
static etwcap_status parse_codeview(pe_ctx *c, const uint8_t *e)
{
    uint32_t size = etwcap_rd32(e + 0x10), rva = etwcap_rd32(e + 0x14);
    uint32_t ptr = etwcap_rd32(e + 0x18);
    uint64_t off = ptr;
    if (size < 24)
        return ETWCAP_OK; /* too small for RSDS; not an error */
    if (ptr == 0) {
        if (etwcap_pe_rva_to_offset(c->pe, rva, &off) != 0)
            return ETWCAP_OK;
    }
    uint8_t buf[24 + sizeof c->pe->id.pdb_name];
    size_t n = size < sizeof buf ? size : sizeof buf;
    etwcap_status st = rd(c, off, buf, n, "CodeView debug record");
    if (st != ETWCAP_OK)
        return st;
    if (etwcap_rd32(buf) != 0x53445352u) /* "RSDS"; NB10 is not used */
        return ETWCAP_OK;
    etwcap_pe_identity *id = &c->pe->id;
    id->has_rsds = 1;
    id->pdb_guid.data1 = etwcap_rd32(buf + 4);
    id->pdb_guid.data2 = etwcap_rd16(buf + 8);
    id->pdb_guid.data3 = etwcap_rd16(buf + 10);
    memcpy(id->pdb_guid.data4, buf + 12, 8);
    id->pdb_age = etwcap_rd32(buf + 20);
    sym_copy_name(id->pdb_name, sizeof id->pdb_name, buf + 24, n - 24);
    return ETWCAP_OK;
}

static etwcap_status parse_debug_dir(pe_ctx *c, uint32_t rva, uint32_t size)
{
    uint32_t count = size / 28u;
    if (rva == 0 || count == 0)
        return ETWCAP_OK;
    uint64_t off;
    etwcap_status st = map_range(c, rva, (uint64_t)count * 28u, &off, "debug directory");
    if (st != ETWCAP_OK)
        return st;
    for (uint32_t i = 0; i < count && !c->pe->id.has_rsds; i++) {
        uint8_t e[28];
        if ((st = rd(c, off + (uint64_t)28 * i, e, sizeof e, "debug directory entry")) != ETWCAP_OK)
            return st;
        if (etwcap_rd32(e + 0xC) == 2 && (st = parse_codeview(c, e)) != ETWCAP_OK)
            return st;
    }
    return ETWCAP_OK;
}

/* Append a name to the pool; the pool never grows past the file size plus
 * the ordinal names, which a real file cannot exceed. */
static etwcap_status add_name(pe_ctx *c, const char *s, size_t n, uint32_t *at)
{
    etwcap_pe *pe = c->pe;
    if (pe->names_len + n + 1 > pe->names_cap) {
        size_t cap = pe->names_cap ? pe->names_cap * 2 : 4096;
        while (cap < pe->names_len + n + 1)
            cap *= 2;
        char *p = realloc(pe->names, cap);
        if (!p)
            return sym_fail(c->diag, ETWCAP_ERR_NOMEM, 0, "out of memory for export names");
        pe->names = p;
        pe->names_cap = cap;
    }
    if (pe->names_len + n + 1 > UINT32_MAX)
        return sym_fail(c->diag, ETWCAP_ERR_FORMAT, 0, "export names too large");
    *at = (uint32_t)pe->names_len;
    memcpy(pe->names + pe->names_len, s, n);
    pe->names[pe->names_len + n] = '\0';
    pe->names_len += n + 1;
    return ETWCAP_OK;
}

static etwcap_status read_cstr(pe_ctx *c, uint32_t rva, uint32_t *at)
{
    uint64_t off;
    if (etwcap_pe_rva_to_offset(c->pe, rva, &off) != 0)
        return sym_fail(c->diag, ETWCAP_ERR_FORMAT, 0, "export name at RVA 0x%x is not in the file",
                        (unsigned)rva);
    uint8_t raw[PE_MAX_NAME];
    char name[PE_MAX_NAME];
    uint64_t left = c->src->size - off;
    size_t n = left < 256 ? (size_t)left : 256; /* most names are short */
    etwcap_status st = rd(c, off, raw, n, "export name");
    if (st == ETWCAP_OK && !memchr(raw, 0, n) && n < left) {
        n = left < sizeof raw ? (size_t)left : sizeof raw;
        st = rd(c, off, raw, n, "export name");
    }
    if (st != ETWCAP_OK)
        return st;
    size_t len = sym_copy_name(name, sizeof name, raw, n);
    if (c->pe->names_len + len > c->src->size + 65536u)
        return sym_fail(c->diag, ETWCAP_ERR_FORMAT, off,
                        "export names add up to more bytes than the file has");
    return add_name(c, name, len, at);
}

static int cmp_export(const void *a, const void *b, const char *names)
{
    const pe_export *x = a, *y = b;
    if (x->rva != y->rva)
        return x->rva < y->rva ? -1 : 1;
    return strcmp(names + x->name, names + y->name);
}

/* qsort has no context argument in C11: sort with a small merge sort. */
static void sort_exports(pe_export *v, pe_export *tmp, size_t n, const char *names)
{
    if (n < 2)
        return;
    size_t h = n / 2;
    sort_exports(v, tmp, h, names);
    sort_exports(v + h, tmp, n - h, names);
    size_t i = 0, j = h, k = 0;
    while (i < h && j < n)
        tmp[k++] = cmp_export(&v[j], &v[i], names) < 0 ? v[j++] : v[i++];
    while (i < h)
        tmp[k++] = v[i++];
    while (j < n)
        tmp[k++] = v[j++];
    memcpy(v, tmp, n * sizeof *v);
}

/* Export directory (etl-format.md §5.3). */
static etwcap_status parse_exports(pe_ctx *c, uint32_t dir_rva, uint32_t dir_size)
{
    etwcap_pe *pe = c->pe;
    if (dir_rva == 0 || dir_size == 0)
        return ETWCAP_OK;
    uint64_t off;
    uint8_t d[40];
    etwcap_status st = map_range(c, dir_rva, sizeof d, &off, "export directory");
    if (st != ETWCAP_OK || (st = rd(c, off, d, sizeof d, "export directory")) != ETWCAP_OK)
        return st;
    uint32_t base = etwcap_rd32(d + 0x10), nfun = etwcap_rd32(d + 0x14);
    uint32_t nnames = etwcap_rd32(d + 0x18), afun = etwcap_rd32(d + 0x1C);
    uint32_t anames = etwcap_rd32(d + 0x20), aords = etwcap_rd32(d + 0x24);
    if (nfun == 0)
        return ETWCAP_OK;
    /* The arrays must be in the file, which bounds every allocation below. */
    uint64_t foff, noff = 0, ooff = 0;
    if ((st = map_range(c, afun, (uint64_t)nfun * 4u, &foff, "export address table")) != ETWCAP_OK)
        return st;
    if (nnames && ((st = map_range(c, anames, (uint64_t)nnames * 4u, &noff, "export name table")) !=
                       ETWCAP_OK ||
                   (st = map_range(c, aords, (uint64_t)nnames * 2u, &ooff,
                                   "export ordinal table")) != ETWCAP_OK))
        return st;
    uint8_t *funs = malloc((size_t)nfun * 4u);
    uint8_t *nms = malloc((size_t)nnames * 4u + 1);
    uint8_t *ords = malloc((size_t)nnames * 2u + 1);
    uint32_t *named = calloc(nfun, sizeof *named); /* name offset + 1 per function */
    pe->exps = malloc((size_t)nfun * sizeof *pe->exps);
    if (!funs || !nms || !ords || !named || !pe->exps) {
        st = sym_fail(c->diag, ETWCAP_ERR_NOMEM, off, "out of memory for %u exports", nfun);
        goto out;
    }
    if ((st = rd(c, foff, funs, (size_t)nfun * 4u, "export address table")) != ETWCAP_OK ||
        (st = rd(c, noff, nms, (size_t)nnames * 4u, "export name table")) != ETWCAP_OK ||
        (st = rd(c, ooff, ords, (size_t)nnames * 2u, "export ordinal table")) != ETWCAP_OK)
        goto out;
    for (uint32_t i = 0; i < nnames; i++) {
        uint16_t o = etwcap_rd16(ords + (size_t)2 * i);
        if (o >= nfun || named[o])
            continue; /* out of range, or a second name for the same function */
        uint32_t at;
        if ((st = read_cstr(c, etwcap_rd32(nms + (size_t)4 * i), &at)) != ETWCAP_OK)
            goto out;
        named[o] = at + 1;
    }
    for (uint32_t i = 0; i < nfun; i++) {
        uint32_t rva = etwcap_rd32(funs + (size_t)4 * i);
        if (rva == 0 || (rva >= dir_rva && rva - dir_rva < dir_size))
            continue; /* unused slot, or a forwarder string */
        pe_export *e = &pe->exps[pe->nexp++];
        e->rva = rva;
        if (named[i]) {
            e->name = named[i] - 1;
        } else {
            char tmp[32];
            int n = snprintf(tmp, sizeof tmp, "Ordinal%u", (unsigned)(base + i));
            if ((st = add_name(c, tmp, (size_t)n, &e->name)) != ETWCAP_OK)
                goto out;
        }
    }
    pe_export *tmp = malloc((pe->nexp ? pe->nexp : 1) * sizeof *tmp);
    if (!tmp) {
        st = sym_fail(c->diag, ETWCAP_ERR_NOMEM, off, "out of memory sorting exports");
        goto out;
    }
    sort_exports(pe->exps, tmp, pe->nexp, pe->names);
    free(tmp);
out:
    free(funs);
    free(nms);
    free(ords);
    free(named);
    return st;
}

static etwcap_status parse(pe_ctx *c)
{
    etwcap_pe *pe = c->pe;
    uint8_t dos[64], hdr[24];
    etwcap_status st = rd(c, 0, dos, sizeof dos, "DOS header");
    if (st != ETWCAP_OK)
        return st;
    if (dos[0] != 'M' || dos[1] != 'Z')
        return sym_fail(c->diag, ETWCAP_ERR_FORMAT, 0, "not a PE image (no MZ signature)");
    uint32_t lfanew = etwcap_rd32(dos + 0x3C);
    if ((st = rd(c, lfanew, hdr, sizeof hdr, "PE header")) != ETWCAP_OK)
        return st;
    if (memcmp(hdr, "PE\0\0", 4) != 0)
        return sym_fail(c->diag, ETWCAP_ERR_FORMAT, lfanew, "no PE signature at e_lfanew");
    pe->id.machine = etwcap_rd16(hdr + 4);
    unsigned nsec = etwcap_rd16(hdr + 6);
    pe->id.time_date_stamp = etwcap_rd32(hdr + 8);
    unsigned optsize = etwcap_rd16(hdr + 4 + 0x10);
    uint64_t opt = (uint64_t)lfanew + 24;
    uint8_t oh[0xF0]; /* the largest optional header we read (PE32+, 16 directories) */
    memset(oh, 0, sizeof oh);
    if (optsize < 2)
        return sym_fail(c->diag, ETWCAP_ERR_FORMAT, opt, "optional header too small (%u bytes)",
                        optsize);
    size_t want = optsize < sizeof oh ? optsize : sizeof oh;
    if ((st = rd(c, opt, oh, want, "optional header")) != ETWCAP_OK)
        return st;
    uint16_t magic = etwcap_rd16(oh);
    size_t dirs_at, need;
    if (magic == 0x20B) {
        pe->id.is_pe32_plus = 1;
        pe->id.image_base = etwcap_rd64(oh + 0x18);
        dirs_at = 0x70;
    } else if (magic == 0x10B) {
        pe->id.image_base = etwcap_rd32(oh + 0x1C);
        dirs_at = 0x60;
    } else {
        return sym_fail(c->diag, ETWCAP_ERR_FORMAT, opt, "unknown optional header magic 0x%x",
                        (unsigned)magic);
    }
    need = dirs_at;
    if (optsize < need)
        return sym_fail(c->diag, ETWCAP_ERR_FORMAT, opt,
                        "optional header has %u bytes, needs at least %u", optsize, (unsigned)need);
    pe->id.size_of_image = etwcap_rd32(oh + 0x38);
    pe->size_of_headers = etwcap_rd32(oh + 0x3C);
    uint32_t ndirs = etwcap_rd32(oh + dirs_at - 4);
    if (ndirs > (optsize - dirs_at) / 8u)
        ndirs = (uint32_t)((optsize - dirs_at) / 8u);
    uint32_t dir[2][2] = {{0, 0}, {0, 0}}; /* export, debug */
    for (unsigned k = 0; k < 2; k++) {
        unsigned idx = k == 0 ? 0 : 6;
        if (idx < ndirs && dirs_at + (size_t)8 * idx + 8 <= sizeof oh) {
            dir[k][0] = etwcap_rd32(oh + dirs_at + (size_t)8 * idx);
            dir[k][1] = etwcap_rd32(oh + dirs_at + (size_t)8 * idx + 4);
        }
    }
    if ((st = parse_sections(c, opt + optsize, nsec)) != ETWCAP_OK)
        return st;
    if ((st = parse_debug_dir(c, dir[1][0], dir[1][1])) != ETWCAP_OK)
        return st;
    return parse_exports(c, dir[0][0], dir[0][1]);
}

static etwcap_status open_src(etwcap_pe **out, const sym_src *src, etwcap_diag *diag)
{
    *out = NULL;
    etwcap_pe *pe = calloc(1, sizeof *pe);
    if (!pe)
        return sym_fail(diag, ETWCAP_ERR_NOMEM, 0, "out of memory");
    pe->file_size = src->size;
    pe_ctx c = {src, pe, diag};
    etwcap_status st = parse(&c);
    if (st != ETWCAP_OK) {
        etwcap_pe_close(pe);
        return st;
    }
    *out = pe;
    return ETWCAP_OK;
}

etwcap_status etwcap_pe_open(etwcap_pe **out, const char *path, etwcap_diag *diag)
{
    sym_src src;
    if (!out || !path)
        return sym_fail(diag, ETWCAP_ERR_ARG, 0, "no file");
    *out = NULL;
    etwcap_status st = sym_src_open(&src, path, diag);
    if (st != ETWCAP_OK)
        return st;
    st = open_src(out, &src, diag);
    sym_src_close(&src);
    return st;
}

etwcap_status etwcap_pe_open_memory(etwcap_pe **out, const void *data, size_t size,
                                    const char *name, etwcap_diag *diag)
{
    (void)name;
    if (!out || (!data && size))
        return sym_fail(diag, ETWCAP_ERR_ARG, 0, "no data");
    sym_src src = {data, NULL, size};
    return open_src(out, &src, diag);
}

const etwcap_pe_identity *etwcap_pe_identity_get(const etwcap_pe *pe)
{
    return pe ? &pe->id : NULL;
}

size_t etwcap_pe_section_count(const etwcap_pe *pe)
{
    return pe ? pe->nsec : 0;
}

const etwcap_pe_section *etwcap_pe_section_at(const etwcap_pe *pe, size_t i)
{
    return pe && i < pe->nsec ? &pe->secs[i] : NULL;
}

size_t etwcap_pe_export_count(const etwcap_pe *pe)
{
    return pe ? pe->nexp : 0;
}

/* Nearest export at or below `rva` inside the same section. */
int etwcap_pe_export_lookup(const etwcap_pe *pe, uint32_t rva, const char **name, uint32_t *offset)
{
    if (!pe || pe->nexp == 0)
        return -1;
    const etwcap_pe_section *s = section_of(pe, rva);
    if (!s)
        return -1;
    size_t lo = 0, hi = pe->nexp; /* first export with rva > target */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (pe->exps[mid].rva <= rva)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0)
        return -1;
    uint32_t at = pe->exps[lo - 1].rva;
    while (lo > 1 && pe->exps[lo - 2].rva == at)
        lo--; /* aliases: the first name in sort order */
    const pe_export *e = &pe->exps[lo - 1];
    if (e->rva < s->virtual_address)
        return -1;
    if (name)
        *name = pe->names + e->name;
    if (offset)
        *offset = rva - e->rva;
    return 0;
}

void etwcap_pe_close(etwcap_pe *pe)
{
    if (!pe)
        return;
    free(pe->secs);
    free(pe->exps);
    free(pe->names);
    free(pe);
}
