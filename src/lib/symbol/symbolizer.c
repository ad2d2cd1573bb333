/* symbolizer.c - an address in a traced process to "module!function".
 *
 * Order (issue: decoding/stacks/symbols): the JIT'd/R2R method covering the
 * address; a PDB of our own reading; the nearest PE export; module+0xRVA.
 * PE and PDB files are found in the user's search folders, flat or in
 * symbol-server layout, and used only when their identity matches the
 * module in the trace (TimeDateStamp/SizeOfImage for PE, GUID/age for PDB).
 * Each module's lookup result is cached, misses included.
 *
 * Images inside a Windows container are logged as
 * "\Device\VhdHardDisk{GUID}\..." (etl-format.md §6.1), a path the host
 * cannot open. With a container root (GUID -> folder holding that
 * container's files) the image is read from the folder at the same relative
 * path, verified against the trace (TimeDateStamp, SizeOfImage), and its PDB
 * is looked for next to it before the search folders.
 * With the DbgHelp back end (dbghelp.c) the PDB/export step is DbgHelp's
 * SymFromAddrW instead; CLR methods and module+0xRVA stay ours.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/u64map.h"
#include "compat/compat.h"
#include "etwcap/state.h"
#include "etwcap/symbol.h"

typedef struct module_syms {
    etwcap_pe *pe;
    etwcap_pdb *pdb;
    char *image_file; /* the container-root file `pe` was read from, or NULL */
    /* DbgHelp back end: where the module was loaded and what it found. */
    uint64_t dbg_base;
    uint32_t dbg_size;
    etwcap_resolution dbg_res; /* PDB, EXPORT, or MODULE (nothing to name with) */
} module_syms;

typedef struct container_root {
    char guid[37];
    char *dir;
} container_root;

struct etwcap_symbolizer {
    const etwcap_state *st;
    char **dirs;
    size_t ndirs;
    etwcap_u64map cache; /* hash of (path, stamp, size) -> index into syms */
    module_syms *syms;
    size_t nsyms, capsyms;
    etwcap_symbol_note_cb note;
    void *note_payload;
    container_root *roots;
    size_t nroots;
    etwcap_symbolizer_backend backend;
    etwcap_dbghelp *dbg;
    uint64_t dbg_next; /* next free base for a module whose range is taken */
};

const char *etwcap_resolution_name(etwcap_resolution r)
{
    switch (r) {
    case ETWCAP_RES_CLR:
        return "clr-event";
    case ETWCAP_RES_PDB:
        return "pdb";
    case ETWCAP_RES_EXPORT:
        return "export";
    case ETWCAP_RES_MODULE:
        return "module";
    case ETWCAP_RES_DBGHELP:
        return "dbghelp";
    default:
        return "unresolved";
    }
}

int etwcap_symbolizer_backend_parse(const char *name, etwcap_symbolizer_backend *out)
{
    if (!strcmp(name, "builtin"))
        *out = ETWCAP_SYMBOLIZER_BUILTIN;
    else if (!strcmp(name, "dbghelp"))
        *out = ETWCAP_SYMBOLIZER_DBGHELP;
    else
        return -1;
    return 0;
}

const char *etwcap_symbolizer_backend_name(etwcap_symbolizer_backend b)
{
    return b == ETWCAP_SYMBOLIZER_DBGHELP ? "dbghelp" : "builtin";
}

int etwcap_symbolizer_backend_available(etwcap_symbolizer_backend b)
{
#ifdef _WIN32
    return b == ETWCAP_SYMBOLIZER_BUILTIN || b == ETWCAP_SYMBOLIZER_DBGHELP;
#else
    return b == ETWCAP_SYMBOLIZER_BUILTIN;
#endif
}

etwcap_status etwcap_symbolizer_create(etwcap_symbolizer **out, const etwcap_state *st,
                                       const char *search_path, etwcap_symbol_note_cb note,
                                       void *note_payload)
{
    etwcap_symbolizer_options o;
    memset(&o, 0, sizeof o);
    o.backend = ETWCAP_SYMBOLIZER_BUILTIN;
    o.search_path = search_path;
    o.note = note;
    o.note_payload = note_payload;
    return etwcap_symbolizer_create_opts(out, st, &o, NULL);
}

etwcap_status etwcap_symbolizer_create_opts(etwcap_symbolizer **out, const etwcap_state *st,
                                            const etwcap_symbolizer_options *opts,
                                            etwcap_diag *diag)
{
    const char *search_path = opts->search_path;
    *out = NULL;
    etwcap_symbolizer *s = calloc(1, sizeof *s);
    if (!s || etwcap_u64map_init(&s->cache) != 0) {
        free(s);
        return ETWCAP_ERR_NOMEM;
    }
    s->st = st;
    s->note = opts->note;
    s->note_payload = opts->note_payload;
    s->backend = opts->backend;
    s->dbg_next = 0x4000000000000000ULL; /* far above any user or kernel image */
    if (s->backend == ETWCAP_SYMBOLIZER_DBGHELP) {
        etwcap_status ds = etwcap_dbghelp_open(&s->dbg, opts->winapi, search_path, diag);
        if (ds != ETWCAP_OK) {
            etwcap_symbolizer_free(s);
            return ds;
        }
    } else if (s->backend != ETWCAP_SYMBOLIZER_BUILTIN) {
        etwcap_symbolizer_free(s);
        return ETWCAP_ERR_ARG;
    }
    for (const char *p = search_path; p && *p;) {
        const char *e = strchr(p, ';');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        if (n) {
            /* The grown array is ours as soon as realloc returns it. */
            char **d = realloc(s->dirs, (s->ndirs + 1) * sizeof *d);
            if (d)
                s->dirs = d;
            char *dir = d ? malloc(n + 1) : NULL;
            if (!dir) {
                etwcap_symbolizer_free(s);
                return ETWCAP_ERR_NOMEM;
            }
            memcpy(dir, p, n);
            dir[n] = '\0';
            s->dirs[s->ndirs++] = dir;
        }
        p = e ? e + 1 : p + n;
    }
    *out = s;
    return ETWCAP_OK;
}

void etwcap_symbolizer_free(etwcap_symbolizer *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->nsyms; i++) {
        etwcap_pe_close(s->syms[i].pe);
        etwcap_pdb_close(s->syms[i].pdb);
        free(s->syms[i].image_file);
    }
    for (size_t i = 0; i < s->nroots; i++)
        free(s->roots[i].dir);
    free(s->roots);
    free(s->syms);
    etwcap_dbghelp_close(s->dbg);
    for (size_t i = 0; i < s->ndirs; i++)
        free(s->dirs[i]);
    free(s->dirs);
    etwcap_u64map_free(&s->cache);
    free(s);
}

etwcap_status etwcap_symbolizer_add_container_root(etwcap_symbolizer *s, const char *guid,
                                                   const char *dir)
{
    container_root r;
    if (!guid || !dir || !dir[0] ||
        etwcap_state_container_id_parse(guid, strlen(guid), r.guid) != 0)
        return ETWCAP_ERR_ARG;
    size_t n = strlen(dir);
    while (n > 1 && (dir[n - 1] == '/' || dir[n - 1] == '\\'))
        n--;
    container_root *nr = realloc(s->roots, (s->nroots + 1) * sizeof *nr);
    if (!nr)
        return ETWCAP_ERR_NOMEM;
    s->roots = nr;
    if (!(r.dir = malloc(n + 1)))
        return ETWCAP_ERR_NOMEM;
    memcpy(r.dir, dir, n);
    r.dir[n] = '\0';
    s->roots[s->nroots++] = r;
    return ETWCAP_OK;
}

/* File name part of a Windows or POSIX path. */
static const char *file_part(const char *path)
{
    const char *b = path;
    for (; *path; path++)
        if (*path == '\\' || *path == '/')
            b = path + 1;
    return b;
}

static void note(etwcap_symbolizer *s, const char *fmt, const char *a, const char *b)
{
    if (!s->note)
        return;
    char msg[8800]; /* two paths of up to 4096 bytes plus text */
    snprintf(msg, sizeof msg, fmt, a, b);
    s->note(msg, s->note_payload);
}

/* Try `dir/name` and `dir/name/<key>/name`; open as PE or PDB. */
static void *find_file(etwcap_symbolizer *s, const char *name, const char *key, int pdb)
{
    char path[4096];
    for (size_t d = 0; d < s->ndirs; d++) {
        for (int layout = 0; layout < 2; layout++) {
            if (layout == 0)
                snprintf(path, sizeof path, "%s/%s", s->dirs[d], name);
            else
                snprintf(path, sizeof path, "%s/%s/%s/%s", s->dirs[d], name, key, name);
            FILE *probe = etwcap_fopen(path, "rb");
            if (!probe)
                continue;
            fclose(probe);
            etwcap_diag diag;
            memset(&diag, 0, sizeof diag);
            if (pdb) {
                etwcap_pdb *p = NULL;
                if (etwcap_pdb_open(&p, path, &diag) == ETWCAP_OK)
                    return p;
            } else {
                etwcap_pe *p = NULL;
                if (etwcap_pe_open(&p, path, &diag) == ETWCAP_OK)
                    return p;
            }
            note(s, "%s: %s; not used", path, diag.message);
        }
    }
    return NULL;
}

/* The host folder of the container whose disk holds `m`, and the image's
 * path inside it; NULL when the module is not in a container with a root. */
static const char *root_for(const etwcap_symbolizer *s, const etwcap_module *m, const char **rest)
{
    char guid[37];
    if (!etwcap_state_vhd_path(m->nt_path, guid, rest))
        return NULL;
    for (size_t i = 0; i < s->nroots; i++)
        if (!strcmp(s->roots[i].guid, guid))
            return s->roots[i].dir;
    return NULL;
}

/* "dir/rel" with the Windows separators of `rel` as '/', cut at `upto`
 * bytes of rel (SIZE_MAX: all); malloc'd. */
static char *join(const char *dir, const char *rel, size_t upto)
{
    size_t nr = strlen(rel);
    if (upto < nr)
        nr = upto;
    size_t nd = strlen(dir);
    char *p = malloc(nd + 1 + nr + 1);
    if (!p)
        return NULL;
    memcpy(p, dir, nd);
    p[nd] = '/';
    for (size_t i = 0; i < nr; i++)
        p[nd + 1 + i] = rel[i] == '\\' ? '/' : rel[i];
    p[nd + 1 + nr] = '\0';
    return p;
}

/* The image from the container root, when it opens as a PE; its path goes
 * to *file (malloc'd). */
static etwcap_pe *open_in_root(etwcap_symbolizer *s, const char *root, const char *rest,
                               char **file)
{
    /* A path from the trace stays inside the root: no ".." component. */
    for (const char *c = rest; *c;) {
        size_t n = strcspn(c, "\\/");
        if (n == 2 && c[0] == '.' && c[1] == '.') {
            note(s, "%s: a \"..\" component leaves the container root; not used", rest, "");
            return NULL;
        }
        c += n + (c[n] != '\0');
    }
    char *path = join(root, rest, SIZE_MAX);
    if (!path)
        return NULL;
    FILE *probe = etwcap_fopen(path, "rb");
    if (!probe) {
        note(s, "%s: not found in the container root%s", path, "");
        free(path);
        return NULL;
    }
    fclose(probe);
    etwcap_diag diag;
    memset(&diag, 0, sizeof diag);
    etwcap_pe *pe = NULL;
    if (etwcap_pe_open(&pe, path, &diag) != ETWCAP_OK) {
        note(s, "%s: %s; not used", path, diag.message);
        free(path);
        return NULL;
    }
    *file = path;
    return pe;
}

/* The PDB `name` in the folder of the container image `rest`. */
static etwcap_pdb *pdb_in_root(const char *root, const char *rest, const char *name)
{
    const char *slash = strrchr(rest, '\\');
    size_t upto = slash ? (size_t)(slash - rest) + 1 : 0;
    char *dir = join(root, rest, upto);
    if (!dir)
        return NULL;
    char *path = malloc(strlen(dir) + strlen(name) + 1);
    etwcap_pdb *pdb = NULL;
    if (path) {
        snprintf(path, strlen(dir) + strlen(name) + 1, "%s%s", dir, name);
        FILE *probe = etwcap_fopen(path, "rb");
        if (probe) {
            fclose(probe);
            etwcap_diag diag;
            memset(&diag, 0, sizeof diag);
            if (etwcap_pdb_open(&pdb, path, &diag) != ETWCAP_OK)
                pdb = NULL;
        }
    }
    free(path);
    free(dir);
    return pdb;
}

static uint64_t module_key(const etwcap_module *m)
{
    uint64_t h = 1469598103934665603ULL;
    for (const char *p = m->nt_path ? m->nt_path : ""; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ULL;
    h = (h ^ m->time_date_stamp) * 1099511628211ULL;
    return (h ^ m->size) * 1099511628211ULL;
}

static void dbghelp_load(etwcap_symbolizer *s, const etwcap_module *m, module_syms *ms);

static const module_syms *syms_for(etwcap_symbolizer *s, const etwcap_module *m)
{
    const char *rest = NULL;
    const char *root = m->path ? root_for(s, m, &rest) : NULL;
    if ((s->ndirs == 0 && !root && !s->dbg) || !m->path)
        return NULL;
    uint64_t key = module_key(m);
    if (s->dbg) /* one DbgHelp module per load address */
        key = (key ^ m->base) * 1099511628211ULL;
    size_t idx = etwcap_u64map_get(&s->cache, key);
    if (idx != SIZE_MAX)
        return &s->syms[idx];
    if (s->nsyms == s->capsyms) {
        size_t cap = s->capsyms ? s->capsyms * 2 : 32;
        module_syms *n = realloc(s->syms, cap * sizeof *n);
        if (!n)
            return NULL;
        s->syms = n;
        s->capsyms = cap;
    }
    module_syms *ms = &s->syms[s->nsyms];
    memset(ms, 0, sizeof *ms);
    if (s->dbg) {
        dbghelp_load(s, m, ms);
        if (etwcap_u64map_put(&s->cache, key, s->nsyms) != 0)
            return NULL;
        return &s->syms[s->nsyms++];
    }
    const char *name = file_part(m->path);
    char stamp[32];
    snprintf(stamp, sizeof stamp, "%08X%x", (unsigned)m->time_date_stamp, (unsigned)m->size);
    etwcap_pe *pe = root ? open_in_root(s, root, rest, &ms->image_file) : NULL;
    if (!pe)
        pe = find_file(s, name, stamp, 0);
    if (pe) {
        const etwcap_pe_identity *id = etwcap_pe_identity_get(pe);
        if ((m->time_date_stamp && id->time_date_stamp != m->time_date_stamp) ||
            (m->size && id->size_of_image != m->size)) {
            note(s, "%s: TimeDateStamp or SizeOfImage differs from the traced image %s; not used",
                 ms->image_file ? ms->image_file : name, m->path);
            etwcap_pe_close(pe);
            pe = NULL;
            free(ms->image_file);
            ms->image_file = NULL;
        }
    }
    ms->pe = pe;
    /* The PDB identity: from the trace's ImageID records, else the PE. */
    int has = m->has_pdb;
    etwcap_guid guid = m->pdb_guid;
    uint32_t age = m->pdb_age;
    const char *pdb_name = m->pdb_name;
    if (!has && pe && etwcap_pe_identity_get(pe)->has_rsds) {
        const etwcap_pe_identity *id = etwcap_pe_identity_get(pe);
        has = 1;
        guid = id->pdb_guid;
        age = id->pdb_age;
        pdb_name = id->pdb_name;
    }
    if (has && pdb_name) {
        char gkey[48];
        snprintf(gkey, sizeof gkey, "%08X%04X%04X%02X%02X%02X%02X%02X%02X%02X%02X%x",
                 (unsigned)guid.data1, guid.data2, guid.data3, guid.data4[0], guid.data4[1],
                 guid.data4[2], guid.data4[3], guid.data4[4], guid.data4[5], guid.data4[6],
                 guid.data4[7], (unsigned)age);
        etwcap_pdb *pdb = NULL;
        if (root && pe)
            pdb = pdb_in_root(root, rest, file_part(pdb_name));
        if (!pdb)
            pdb = find_file(s, file_part(pdb_name), gkey, 1);
        if (pdb) {
            const etwcap_pdb_identity *pid = etwcap_pdb_identity_get(pdb);
            if (!etwcap_guid_equal(&pid->guid, &guid) || pid->age != age) {
                note(s, "%s: GUID/age do not match the traced image %s; not used",
                     file_part(pdb_name), name);
                etwcap_pdb_close(pdb);
                pdb = NULL;
            }
        }
        ms->pdb = pdb;
    }
    if (etwcap_u64map_put(&s->cache, key, s->nsyms) != 0) {
        etwcap_pe_close(ms->pe);
        etwcap_pdb_close(ms->pdb);
        free(ms->image_file);
        return NULL;
    }
    return &s->syms[s->nsyms++];
}

const etwcap_pe_identity *etwcap_symbolizer_image(etwcap_symbolizer *s, const etwcap_module *m,
                                                  const char **file)
{
    const module_syms *ms = syms_for(s, m);
    if (file)
        *file = ms ? ms->image_file : NULL;
    return ms && ms->pe ? etwcap_pe_identity_get(ms->pe) : NULL;
}

/* 1 when [base, base+size) overlaps a module already loaded into DbgHelp. */
static int dbg_range_taken(const etwcap_symbolizer *s, uint64_t base, uint32_t size)
{
    for (size_t i = 0; i < s->nsyms; i++) {
        const module_syms *o = &s->syms[i];
        if (o->dbg_size && base < o->dbg_base + o->dbg_size && o->dbg_base < base + size)
            return 1;
    }
    return 0;
}

/* 1 when `path` is a PE file whose TimeDateStamp is the traced one (any PE
 * when the trace gives none): a trace from another machine must not be
 * named with this machine's different build of the same DLL. */
static int image_usable(etwcap_symbolizer *s, const char *path, const etwcap_module *m)
{
    FILE *probe = etwcap_fopen(path, "rb");
    if (!probe)
        return 0;
    fclose(probe);
    if (!m->time_date_stamp)
        return 1;
    etwcap_pe *pe = NULL;
    etwcap_diag diag;
    memset(&diag, 0, sizeof diag);
    if (etwcap_pe_open(&pe, path, &diag) != ETWCAP_OK) {
        note(s, "%s: %s; not used", path, diag.message);
        return 0;
    }
    int ok = etwcap_pe_identity_get(pe)->time_date_stamp == m->time_date_stamp;
    etwcap_pe_close(pe);
    if (!ok)
        note(s, "%s: TimeDateStamp differs from the traced image%s; not used", path, "");
    return ok;
}

/* The image for DbgHelp: the traced path when the file is here and is the
 * traced build, else the first such match in the search folders (flat or
 * <TIMESTAMP><SIZE> layout), else the bare name plus the trace's PDB
 * identity (dbghelp.c passes it on). */
static void dbghelp_load(etwcap_symbolizer *s, const etwcap_module *m, module_syms *ms)
{
    ms->dbg_res = ETWCAP_RES_MODULE;
    if (!m->size || m->size > 0xFFFFFFFFu)
        return;
    const char *name = file_part(m->path);
    char found[4096];
    const char *path = m->path;
    if (!image_usable(s, m->path, m)) {
        path = name;
        char stamp[32];
        snprintf(stamp, sizeof stamp, "%08X%x", (unsigned)m->time_date_stamp, (unsigned)m->size);
        for (size_t d = 0; d < s->ndirs && path == name; d++) {
            for (int layout = 0; layout < 2; layout++) {
                if (layout == 0)
                    snprintf(found, sizeof found, "%s/%s", s->dirs[d], name);
                else
                    snprintf(found, sizeof found, "%s/%s/%s/%s", s->dirs[d], name, stamp, name);
                if (image_usable(s, found, m)) {
                    path = found;
                    break;
                }
            }
        }
    }
    etwcap_dbghelp_image img;
    memset(&img, 0, sizeof img);
    img.path = path;
    img.base = m->base;
    img.size = (uint32_t)m->size;
    /* Two processes may map different images at one address; DbgHelp holds
     * one module per range, so a later one moves to a free range. */
    if (dbg_range_taken(s, img.base, img.size)) {
        img.base = s->dbg_next;
        s->dbg_next += ((uint64_t)img.size + 0xFFFF) & ~(uint64_t)0xFFFF;
    }
    img.time_date_stamp = m->time_date_stamp;
    img.has_pdb = m->has_pdb && m->pdb_name;
    img.pdb_guid = m->pdb_guid;
    img.pdb_age = m->pdb_age;
    img.pdb_name = m->pdb_name;
    etwcap_diag diag;
    memset(&diag, 0, sizeof diag);
    if (etwcap_dbghelp_load(s->dbg, &img, &ms->dbg_res, &diag) != ETWCAP_OK) {
        note(s, "%s: %s; not symbolized", name, diag.message);
        ms->dbg_res = ETWCAP_RES_MODULE;
        return;
    }
    ms->dbg_base = img.base;
    ms->dbg_size = img.size;
}

/* Module display name: file name without its extension. */
static void module_name(const char *path, char *out, size_t cap)
{
    const char *f = file_part(path);
    size_t n = strlen(f);
    const char *dot = strrchr(f, '.');
    if (dot && dot != f)
        n = (size_t)(dot - f);
    if (n >= cap)
        n = cap - 1;
    memcpy(out, f, n);
    out[n] = '\0';
}

void etwcap_symbolize(etwcap_symbolizer *s, size_t proc, uint64_t addr, int64_t ts,
                      etwcap_frame_symbol *out)
{
    memset(out, 0, sizeof *out);
    out->resolution = ETWCAP_RES_NONE;
    const etwcap_method *meth = etwcap_state_method_at(s->st, proc, addr, ts);
    if (meth && meth->method_name) {
        out->resolution = ETWCAP_RES_CLR;
        out->method = meth;
        out->offset = addr - meth->start;
        const etwcap_clr_module *cm = etwcap_state_clr_module(s->st, proc, meth->module_id);
        module_name(cm && cm->il_path ? cm->il_path : "?", out->module, sizeof out->module);
        if (meth->method_namespace && meth->method_namespace[0])
            snprintf(out->function, sizeof out->function, "%s.%s", meth->method_namespace,
                     meth->method_name);
        else
            snprintf(out->function, sizeof out->function, "%s", meth->method_name);
        return;
    }
    const etwcap_module *m = etwcap_state_module_at(s->st, proc, addr, ts);
    if (!m)
        return;
    module_name(m->path ? m->path : "?", out->module, sizeof out->module);
    uint32_t rva = (uint32_t)(addr - m->base);
    out->resolution = ETWCAP_RES_MODULE;
    out->offset = rva;
    const module_syms *ms = syms_for(s, m);
    if (s->dbg) {
        uint64_t disp = 0;
        if (ms && ms->dbg_res != ETWCAP_RES_MODULE &&
            etwcap_dbghelp_lookup(s->dbg, ms->dbg_base + rva, out->function, sizeof out->function,
                                  &disp) == 0) {
            out->resolution = ETWCAP_RES_DBGHELP;
            out->offset = disp;
        }
        return;
    }
    const char *name = NULL;
    uint32_t off = 0;
    if (ms && ms->pdb && etwcap_pdb_lookup(ms->pdb, rva, &name, &off) == 0) {
        out->resolution = ETWCAP_RES_PDB;
    } else if (ms && ms->pe && etwcap_pe_export_lookup(ms->pe, rva, &name, &off) == 0) {
        out->resolution = ETWCAP_RES_EXPORT;
    }
    if (name) {
        snprintf(out->function, sizeof out->function, "%s", name);
        out->offset = off;
    }
}

size_t etwcap_frame_symbol_format(const etwcap_frame_symbol *fs, uint64_t addr, char *buf,
                                  size_t cap)
{
    int n;
    switch (fs->resolution) {
    case ETWCAP_RES_CLR:
    case ETWCAP_RES_PDB:
    case ETWCAP_RES_EXPORT:
    case ETWCAP_RES_DBGHELP:
        n = snprintf(buf, cap, "%s!%s", fs->module, fs->function);
        break;
    case ETWCAP_RES_MODULE:
        n = snprintf(buf, cap, "%s+0x%llx", fs->module, (unsigned long long)fs->offset);
        break;
    default:
        n = snprintf(buf, cap, "0x%llx", (unsigned long long)addr);
        break;
    }
    return n < 0 ? 0 : ((size_t)n < cap ? (size_t)n : cap - 1);
}
