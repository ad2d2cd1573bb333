/* pdb.c - PDB 7.0 symbols: identity, procedures, publics, seg:off -> RVA
 * (etl-format.md §5.4-5.8).
 *
 * Opening a PDB reads the PDB info stream (GUID, age), the DBI stream
 * (module list, optional debug header), the section headers and OMAP, the
 * S_PUB32 records of the symbol-record stream and the S_*PROC32* records of
 * every module stream, and builds two sorted tables. Nothing is kept open.
 */
#include <stdlib.h>
#include <string.h>

#include "common/bytes.h"
#include "etwcap/symbol.h"
#include "symbol/msf.h"

enum {
    S_PUB32 = 0x110E,
    S_LPROC32 = 0x110F,
    S_GPROC32 = 0x1110,
    S_LPROC32_ID = 0x1146,
    S_GPROC32_ID = 0x1147,
    DBG_OMAP_FROM_SRC = 4, /* optional debug header indices, §5.6 */
    DBG_SECTION_HDR = 5,
    DBG_ORIG_SECTION_HDR = 10,
    PUB_CODE_OR_FUNCTION = 0x3, /* PubSymFlags: 0x1 code, 0x2 function */
    NO_STREAM = 0xFFFF
};

typedef struct pdb_sym {
    uint32_t rva;
    uint32_t size;    /* procedures: CodeSize */
    uint32_t flags;   /* publics: PubSymFlags */
    uint32_t seq;     /* order found, for a stable sort */
    int32_t sec;      /* index of the image section holding rva, or -1 */
    uint64_t end_max; /* procedures: the largest end among this and all before it */
    size_t name_off;
    const char *name;
} pdb_sym;

typedef struct sym_table {
    pdb_sym *v;
    size_t n, cap;
} sym_table;

struct etwcap_pdb {
    etwcap_pdb_identity id;
    sym_table procs, pubs;
    uint32_t *sec_va; /* image section VAs (section header stream), sorted */
    size_t nsec;
    char *pool;
    size_t pool_len, pool_cap;
};

typedef struct pdb_ctx {
    msf_file msf;
    etwcap_pdb *pdb;
    etwcap_diag *diag;
    uint32_t *map_va; /* section VAs that seg:off refers to (original when OMAP) */
    size_t map_n;
    uint8_t *omap; /* OMAP from source: sorted {from, to} u32 pairs */
    size_t omap_n;
} pdb_ctx;

/* The section an RVA belongs to: the one with the largest VirtualAddress at
 * or below it (the rule llvm's NativeSession uses); -1 below all of them. */
static int32_t section_index(const etwcap_pdb *p, uint32_t rva)
{
    size_t lo = 0, hi = p->nsec;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (p->sec_va[mid] <= rva)
            lo = mid + 1;
        else
            hi = mid;
    }
    return (int32_t)lo - 1;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* OMAP: the entry with the largest `from` <= rva; to == 0 is unmapped (§5.8). */
static int omap_translate(const pdb_ctx *c, uint32_t rva, uint32_t *out)
{
    size_t lo = 0, hi = c->omap_n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (etwcap_rd32(c->omap + 8 * mid) <= rva)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0)
        return -1;
    uint32_t from = etwcap_rd32(c->omap + 8 * (lo - 1)),
             to = etwcap_rd32(c->omap + 8 * (lo - 1) + 4);
    uint64_t r = (uint64_t)to + (rva - from);
    if (to == 0 || r > UINT32_MAX)
        return -1;
    *out = (uint32_t)r;
    return 0;
}

/* Segment:offset -> RVA through the section headers, then OMAP (§5.8). */
static int seg_to_rva(const pdb_ctx *c, uint16_t seg, uint32_t off, uint32_t *rva)
{
    if (seg == 0 || seg > c->map_n)
        return -1;
    uint64_t r = (uint64_t)c->map_va[seg - 1] + off;
    if (r > UINT32_MAX)
        return -1;
    if (c->omap)
        return omap_translate(c, (uint32_t)r, rva);
    *rva = (uint32_t)r;
    return 0;
}

static etwcap_status add_sym(pdb_ctx *c, sym_table *t, uint32_t rva, uint32_t size, uint32_t flags,
                             const uint8_t *name, size_t name_max)
{
    etwcap_pdb *p = c->pdb;
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 256;
        pdb_sym *v = realloc(t->v, cap * sizeof *v);
        if (!v)
            return sym_fail(c->diag, ETWCAP_ERR_NOMEM, 0, "out of memory for symbols");
        t->v = v;
        t->cap = cap;
    }
    if (p->pool_len + name_max + 1 > p->pool_cap) {
        size_t cap = p->pool_cap ? p->pool_cap * 2 : 65536;
        while (cap < p->pool_len + name_max + 1)
            cap *= 2;
        char *np = realloc(p->pool, cap);
        if (!np)
            return sym_fail(c->diag, ETWCAP_ERR_NOMEM, 0, "out of memory for symbol names");
        p->pool = np;
        p->pool_cap = cap;
    }
    pdb_sym *s = &t->v[t->n];
    memset(s, 0, sizeof *s);
    s->rva = rva;
    s->size = size;
    s->flags = flags;
    s->seq = (uint32_t)t->n;
    s->sec = section_index(p, rva);
    s->name_off = p->pool_len;
    p->pool_len += sym_copy_name(p->pool + p->pool_len, name_max + 1, name, name_max) + 1;
    t->n++;
    return ETWCAP_OK;
}

/* Walk the CodeView records in buf[start, end) of `stream` (§5.7): S_PUB32
 * when `publics`, else the four procedure kinds. */
static etwcap_status scan_records(pdb_ctx *c, uint32_t stream, const uint8_t *buf, uint32_t start,
                                  uint32_t end, int publics)
{
    uint32_t off = start;
    while (end - off >= 4) {
        uint32_t len = etwcap_rd16(buf + off), kind = etwcap_rd16(buf + off + 2);
        if (len < 2 || len + 2u > end - off)
            return sym_fail(c->diag, ETWCAP_ERR_FORMAT, msf_file_offset(&c->msf, stream, off),
                            "stream %u: symbol record at offset %u has length %u; %u bytes are "
                            "left",
                            (unsigned)stream, (unsigned)off, (unsigned)len,
                            (unsigned)(end - off - 2));
        const uint8_t *r = buf + off;
        size_t rlen = 2u + len;
        uint32_t rva;
        etwcap_status st = ETWCAP_OK;
        if (publics && kind == S_PUB32 && rlen >= 0x0E) {
            if (seg_to_rva(c, etwcap_rd16(r + 0xC), etwcap_rd32(r + 8), &rva) == 0)
                st = add_sym(c, &c->pdb->pubs, rva, 0, etwcap_rd32(r + 4), r + 0xE, rlen - 0xE);
        } else if (!publics && rlen >= 0x27 &&
                   (kind == S_GPROC32 || kind == S_LPROC32 || kind == S_GPROC32_ID ||
                    kind == S_LPROC32_ID)) {
            if (seg_to_rva(c, etwcap_rd16(r + 0x24), etwcap_rd32(r + 0x20), &rva) == 0)
                st = add_sym(c, &c->pdb->procs, rva, etwcap_rd32(r + 0x10), 0, r + 0x27,
                             rlen - 0x27);
        }
        if (st != ETWCAP_OK)
            return st;
        off += (uint32_t)rlen;
    }
    return ETWCAP_OK;
}

/* Read a whole stream named by the u16 at DBI offset `at`. */
static etwcap_status read_indexed(pdb_ctx *c, uint16_t idx, uint32_t at, const char *what,
                                  uint8_t **out, uint32_t *size)
{
    *out = NULL;
    *size = 0;
    if (idx == NO_STREAM)
        return ETWCAP_OK;
    if (!msf_stream_present(&c->msf, idx))
        return sym_fail(c->diag, ETWCAP_ERR_FORMAT, msf_file_offset(&c->msf, 3, at),
                        "the DBI stream names %s stream %u, which does not exist (the file has "
                        "%u streams)",
                        what, (unsigned)idx, (unsigned)c->msf.num_streams);
    *size = msf_stream_size(&c->msf, idx);
    return msf_read(&c->msf, idx, 0, *size, out, c->diag);
}

/* dbg: the optional debug header's stream indices, at DBI offset dbg_at. */
static etwcap_status read_sections(pdb_ctx *c, const uint16_t *dbg, uint32_t dbg_at)
{
    etwcap_pdb *p = c->pdb;
    uint8_t *sh = NULL, *orig = NULL, *omap = NULL;
    uint32_t shn, orign, omapn;
    etwcap_status st = read_indexed(c, dbg[DBG_SECTION_HDR], dbg_at + 2 * DBG_SECTION_HDR,
                                    "a section header", &sh, &shn);
    if (st == ETWCAP_OK)
        st = read_indexed(c, dbg[DBG_ORIG_SECTION_HDR], dbg_at + 2 * DBG_ORIG_SECTION_HDR,
                          "an original section header", &orig, &orign);
    if (st == ETWCAP_OK)
        st = read_indexed(c, dbg[DBG_OMAP_FROM_SRC], dbg_at + 2 * DBG_OMAP_FROM_SRC, "an OMAP",
                          &omap, &omapn);
    if (st == ETWCAP_OK && !sh)
        st = sym_fail(c->diag, ETWCAP_ERR_UNSUPPORTED,
                      msf_file_offset(&c->msf, 3, dbg_at + 2 * DBG_SECTION_HDR),
                      "the PDB has no section header stream; cannot map symbols to RVAs");
    if (st != ETWCAP_OK)
        goto out;
    /* Segments are u16: more than 0xFFFF headers cannot be referred to. */
    p->nsec = shn / 40u > 0xFFFFu ? 0xFFFFu : shn / 40u;
    p->sec_va = malloc((p->nsec + 1) * sizeof *p->sec_va);
    const uint8_t *src = omap && orig ? orig : sh;
    c->map_n = omap && orig ? orign / 40u : p->nsec;
    c->map_n = c->map_n > 0xFFFFu ? 0xFFFFu : c->map_n;
    c->map_va = malloc((c->map_n + 1) * sizeof *c->map_va);
    if (!p->sec_va || !c->map_va) {
        st = sym_fail(c->diag, ETWCAP_ERR_NOMEM, 0, "out of memory for sections");
        goto out;
    }
    for (size_t i = 0; i < p->nsec; i++)
        p->sec_va[i] = etwcap_rd32(sh + 40 * i + 12);
    qsort(p->sec_va, p->nsec, sizeof *p->sec_va, cmp_u32);
    for (size_t i = 0; i < c->map_n; i++)
        c->map_va[i] = etwcap_rd32(src + 40 * i + 12);
    if (omap && omapn >= 8) {
        c->omap_n = omapn / 8u;
        for (size_t i = 1; i < c->omap_n; i++)
            if (etwcap_rd32(omap + 8 * i) < etwcap_rd32(omap + 8 * (i - 1))) {
                st = sym_fail(c->diag, ETWCAP_ERR_FORMAT,
                              msf_file_offset(&c->msf, dbg[DBG_OMAP_FROM_SRC], (uint32_t)(8 * i)),
                              "OMAP stream %u is not sorted at entry %u",
                              (unsigned)dbg[DBG_OMAP_FROM_SRC], (unsigned)i);
                goto out;
            }
        c->omap = omap;
        omap = NULL;
    }
out:
    free(sh);
    free(orig);
    free(omap);
    return st;
}

/* One module stream's symbols: bytes 4..SymByteSize (§5.7). */
static etwcap_status read_module(pdb_ctx *c, uint16_t stream, uint32_t symbytes, uint32_t at)
{
    if (!msf_stream_present(&c->msf, stream) || symbytes > msf_stream_size(&c->msf, stream))
        return sym_fail(c->diag, ETWCAP_ERR_FORMAT, msf_file_offset(&c->msf, 3, at),
                        "DBI module info at offset %u: module stream %u cannot hold %u symbol "
                        "bytes",
                        (unsigned)at, (unsigned)stream, (unsigned)symbytes);
    uint8_t *buf;
    etwcap_status st = msf_read(&c->msf, stream, 0, symbytes, &buf, c->diag);
    if (st == ETWCAP_OK && etwcap_rd32(buf) == 4) /* CV_SIGNATURE_C13; older ones skipped */
        st = scan_records(c, stream, buf, 4, symbytes, 0);
    free(buf);
    return st;
}

/* ModInfo records (§5.6): 64 fixed bytes, two names, 4-byte aligned. A
 * stream named by several modules is read once, so a hostile module list
 * cannot multiply the work or the symbol table. */
static etwcap_status read_modules(pdb_ctx *c, const uint8_t *mi, uint32_t n, uint32_t base)
{
    uint8_t *seen = calloc(0x10000 / 8, 1); /* one bit per u16 stream index */
    if (!seen)
        return sym_fail(c->diag, ETWCAP_ERR_NOMEM, 0, "out of memory");
    etwcap_status st = ETWCAP_OK;
    uint32_t off = 0;
    while (st == ETWCAP_OK && n - off >= 64) {
        uint16_t stream = etwcap_rd16(mi + off + 34);
        uint32_t symbytes = etwcap_rd32(mi + off + 36);
        const uint8_t *e1 = memchr(mi + off + 64, 0, n - off - 64);
        const uint8_t *e2 = e1 ? memchr(e1 + 1, 0, (size_t)(mi + n - (e1 + 1))) : NULL;
        if (!e2) {
            st = sym_fail(c->diag, ETWCAP_ERR_FORMAT, msf_file_offset(&c->msf, 3, base + off),
                          "DBI module info at offset %u: names run past the module list",
                          (unsigned)(base + off));
            break;
        }
        if (stream != NO_STREAM && symbytes > 4 && !(seen[stream >> 3] & (1u << (stream & 7)))) {
            seen[stream >> 3] |= (uint8_t)(1u << (stream & 7));
            st = read_module(c, stream, symbytes, base + off);
        }
        off = ((uint32_t)(e2 + 1 - mi) + 3u) & ~3u;
        if (off >= n)
            break;
    }
    free(seen);
    return st;
}

static etwcap_status read_dbi(pdb_ctx *c)
{
    uint32_t size = msf_stream_size(&c->msf, 3);
    if (!msf_stream_present(&c->msf, 3) || size < 64)
        return sym_fail(c->diag, ETWCAP_ERR_FORMAT, 0, "no DBI stream (stream 3 has %u bytes)",
                        (unsigned)size);
    uint8_t *d;
    etwcap_status st = msf_read(&c->msf, 3, 0, size, &d, c->diag);
    if (st != ETWCAP_OK)
        return st;
    uint64_t hdr_at = msf_file_offset(&c->msf, 3, 0);
    if (etwcap_rd32(d) != 0xFFFFFFFFu) {
        free(d);
        return sym_fail(c->diag, ETWCAP_ERR_UNSUPPORTED, hdr_at, "old DBI stream format");
    }
    c->pdb->id.age = etwcap_rd32(d + 8);
    uint16_t symrec = etwcap_rd16(d + 0x14);
    int64_t sub[7]; /* ModInfo, SecContr, SecMap, FileInfo, TypeServerMap, EC, DbgHeader */
    static const unsigned at[7] = {0x18, 0x1C, 0x20, 0x24, 0x28, 0x34, 0x30};
    int64_t total = 64;
    for (int i = 0; i < 7; i++) {
        sub[i] = (int32_t)etwcap_rd32(d + at[i]);
        if (sub[i] < 0 || sub[i] > (int64_t)size - total) {
            free(d);
            return sym_fail(c->diag, ETWCAP_ERR_FORMAT, hdr_at + at[i],
                            "DBI substream size %lld at header offset 0x%x does not fit in the "
                            "%u-byte stream",
                            (long long)sub[i], at[i], (unsigned)size);
        }
        total += sub[i];
    }
    uint16_t dbg[11];
    uint32_t dbg_at = (uint32_t)(total - sub[6]);
    for (unsigned i = 0; i < 11; i++)
        dbg[i] = 2u * i + 2u <= sub[6] ? etwcap_rd16(d + dbg_at + (size_t)2 * i) : NO_STREAM;
    st = read_sections(c, dbg, dbg_at);
    if (st == ETWCAP_OK && symrec != NO_STREAM) {
        uint8_t *sr;
        uint32_t srn;
        st = read_indexed(c, symrec, 0x14, "a symbol record", &sr, &srn);
        if (st == ETWCAP_OK)
            st = scan_records(c, symrec, sr, 0, srn, 1);
        free(sr);
    }
    if (st == ETWCAP_OK)
        st = read_modules(c, d + 64, (uint32_t)sub[0], 64);
    free(d);
    return st;
}

static int cmp_proc(const void *a, const void *b)
{
    const pdb_sym *x = a, *y = b;
    if (x->rva != y->rva)
        return x->rva < y->rva ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Publics sort by address, then name, as the linker's address map does. */
static int cmp_pub(const void *a, const void *b)
{
    const pdb_sym *x = a, *y = b;
    if (x->rva != y->rva)
        return x->rva < y->rva ? -1 : 1;
    int k = strcmp(x->name, y->name);
    if (k)
        return k;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void finish_tables(etwcap_pdb *p)
{
    for (size_t i = 0; i < p->procs.n; i++)
        p->procs.v[i].name = p->pool + p->procs.v[i].name_off;
    for (size_t i = 0; i < p->pubs.n; i++)
        p->pubs.v[i].name = p->pool + p->pubs.v[i].name_off;
    if (p->procs.n)
        qsort(p->procs.v, p->procs.n, sizeof *p->procs.v, cmp_proc);
    if (p->pubs.n)
        qsort(p->pubs.v, p->pubs.n, sizeof *p->pubs.v, cmp_pub);
    uint64_t m = 0;
    for (size_t i = 0; i < p->procs.n; i++) {
        uint64_t end = (uint64_t)p->procs.v[i].rva + p->procs.v[i].size;
        m = end > m ? end : m;
        p->procs.v[i].end_max = m;
    }
}

static etwcap_status open_src(etwcap_pdb **out, const sym_src *src, etwcap_diag *diag)
{
    *out = NULL;
    pdb_ctx c;
    memset(&c, 0, sizeof c);
    c.diag = diag;
    c.pdb = calloc(1, sizeof *c.pdb);
    if (!c.pdb)
        return sym_fail(diag, ETWCAP_ERR_NOMEM, 0, "out of memory");
    etwcap_status st = msf_open(&c.msf, src, diag);
    uint8_t *info = NULL;
    if (st == ETWCAP_OK && msf_stream_size(&c.msf, 1) < 28)
        st = sym_fail(diag, ETWCAP_ERR_FORMAT, msf_file_offset(&c.msf, 1, 0),
                      "PDB info stream (1) is missing or shorter than 28 bytes");
    if (st == ETWCAP_OK)
        st = msf_read(&c.msf, 1, 0, 28, &info, diag);
    if (st == ETWCAP_OK) { /* §5.5: Version, Signature, Age, GUID */
        etwcap_pdb_identity *id = &c.pdb->id;
        id->signature = etwcap_rd32(info + 4);
        id->info_age = id->age = etwcap_rd32(info + 8);
        id->guid.data1 = etwcap_rd32(info + 12);
        id->guid.data2 = etwcap_rd16(info + 16);
        id->guid.data3 = etwcap_rd16(info + 18);
        memcpy(id->guid.data4, info + 20, 8);
        st = read_dbi(&c);
    }
    free(info);
    free(c.map_va);
    free(c.omap);
    msf_close(&c.msf);
    if (st != ETWCAP_OK) {
        etwcap_pdb_close(c.pdb);
        return st;
    }
    finish_tables(c.pdb);
    *out = c.pdb;
    return ETWCAP_OK;
}

etwcap_status etwcap_pdb_open(etwcap_pdb **out, const char *path, etwcap_diag *diag)
{
    if (!out || !path)
        return sym_fail(diag, ETWCAP_ERR_ARG, 0, "no file");
    *out = NULL;
    sym_src src;
    etwcap_status st = sym_src_open(&src, path, diag);
    if (st != ETWCAP_OK)
        return st;
    st = open_src(out, &src, diag);
    sym_src_close(&src);
    return st;
}

etwcap_status etwcap_pdb_open_memory(etwcap_pdb **out, const void *data, size_t size,
                                     const char *name, etwcap_diag *diag)
{
    (void)name;
    if (!out || (!data && size))
        return sym_fail(diag, ETWCAP_ERR_ARG, 0, "no data");
    sym_src src = {data, NULL, size};
    return open_src(out, &src, diag);
}

const etwcap_pdb_identity *etwcap_pdb_identity_get(const etwcap_pdb *pdb)
{
    return pdb ? &pdb->id : NULL;
}

size_t etwcap_pdb_procedure_count(const etwcap_pdb *pdb)
{
    return pdb ? pdb->procs.n : 0;
}

size_t etwcap_pdb_public_count(const etwcap_pdb *pdb)
{
    return pdb ? pdb->pubs.n : 0;
}

int etwcap_pdb_matches(const etwcap_pdb *pdb, const etwcap_pe_identity *image)
{
    return pdb && image && image->has_rsds && etwcap_guid_equal(&pdb->id.guid, &image->pdb_guid) &&
           pdb->id.age == image->pdb_age;
}

/* Index of the first entry with rva > target. */
static size_t upper(const sym_table *t, uint32_t rva)
{
    size_t lo = 0, hi = t->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (t->v[mid].rva <= rva)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

int etwcap_pdb_lookup_symbol(const etwcap_pdb *pdb, uint32_t rva, etwcap_pdb_symbol *out)
{
    if (!pdb || !out)
        return -1;
    memset(out, 0, sizeof *out);
    int32_t sec = section_index(pdb, rva);
    size_t pi = upper(&pdb->pubs, rva); /* pubs[pi - 1]: nearest public at or below */
    const pdb_sym *pub =
        pi && sec >= 0 && pdb->pubs.v[pi - 1].sec == sec ? &pdb->pubs.v[pi - 1] : NULL;
    /* The containing procedure with the largest start (§5.8). */
    const pdb_sym *proc = NULL;
    for (size_t j = upper(&pdb->procs, rva); j > 0 && pdb->procs.v[j - 1].end_max > rva; j--) {
        const pdb_sym *s = &pdb->procs.v[j - 1];
        if (proc && s->rva != proc->rva)
            break;
        if ((uint64_t)s->rva + s->size > rva)
            proc = s; /* equal starts: keep walking to the first one found */
    }
    if (proc) {
        out->name = proc->name;
        out->linkage = pub && pub->rva == proc->rva ? pub->name : NULL;
        out->start = proc->rva;
        out->size = proc->size;
        return 0;
    }
    /* Else the nearest code/function public at or below, same section. */
    for (; pi > 0 && pdb->pubs.v[pi - 1].sec == sec && sec >= 0; pi--) {
        const pdb_sym *s = &pdb->pubs.v[pi - 1];
        if (s->flags & PUB_CODE_OR_FUNCTION) {
            out->name = out->linkage = s->name;
            out->start = s->rva;
            out->is_public = 1;
            return 0;
        }
    }
    return -1;
}

int etwcap_pdb_lookup(const etwcap_pdb *pdb, uint32_t rva, const char **name, uint32_t *offset)
{
    etwcap_pdb_symbol s;
    if (etwcap_pdb_lookup_symbol(pdb, rva, &s) != 0)
        return -1;
    if (name)
        *name = s.name;
    if (offset)
        *offset = rva - s.start;
    return 0;
}

void etwcap_pdb_close(etwcap_pdb *pdb)
{
    if (!pdb)
        return;
    free(pdb->procs.v);
    free(pdb->pubs.v);
    free(pdb->sec_va);
    free(pdb->pool);
    free(pdb);
}
