/* cmd_symbolize.c - `etwcap symbolize --image FILE [--pdb FILE] RVA...`:
 * name the function at each RVA of an image from its PDB, else its exports
 * (etl-format.md §5).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "compat/compat.h"
#include "etwcap/symbol.h"

static const char usage_text[] =
    "usage: etwcap symbolize --image FILE [--pdb FILE] [--linkage]\n"
    "                        [--symbolizer builtin|dbghelp] [RVA...]\n"
    "Print one line per RVA (hex with 0x, or decimal; read from standard input when none\n"
    "are given):\n"
    "  0xRVA module!function+0xOFF [pdb|export]   or   0xRVA module+0xRVA [none]\n"
    "Names come from the PDB (the procedure containing the RVA, else the nearest code\n"
    "public symbol), else from the nearest export. Without --pdb, the PDB named by the\n"
    "image's RSDS record is looked for next to the image, then at its recorded path; a\n"
    "PDB whose GUID/age differ from the image's is reported and not used.\n"
    "  --linkage   print the public (decorated) name when one starts where the procedure\n"
    "              starts, as llvm-symbolizer --functions=linkage does\n"
    "  --symbolizer dbghelp   (Windows) ask DbgHelp instead: the image is loaded at its\n"
    "              ImageBase and ImageBase+RVA is looked up with SymFromAddrW; the PDB is\n"
    "              searched in the folder of --pdb, else _NT_SYMBOL_PATH, and the image's\n"
    "              folder (--linkage has no effect: DbgHelp gives undecorated names)\n";

static void print_diag(const char *path, const etwcap_diag *d, etwcap_status st)
{
    if (d->message[0])
        fprintf(stderr, "etwcap: %s: offset %llu (0x%llx): %s\n", path,
                (unsigned long long)d->offset, (unsigned long long)d->offset, d->message);
    else
        fprintf(stderr, "etwcap: %s: %s\n", path, etwcap_status_str(st));
}

static const char *base_name(const char *path)
{
    const char *b = path;
    for (const char *p = path; *p; p++)
        if (*p == '/' || *p == '\\')
            b = p + 1;
    return b;
}

static int file_exists(const char *path)
{
    FILE *f = etwcap_fopen(path, "rb");
    if (!f)
        return 0;
    fclose(f);
    return 1;
}

/* Open a PDB and check it against the image. Returns CLI_OK with *out set (or
 * NULL when it does not match), or CLI_INPUT after printing why. */
static int open_pdb(const char *path, const etwcap_pe_identity *id, etwcap_pdb **out)
{
    etwcap_diag d;
    memset(&d, 0, sizeof d);
    *out = NULL;
    etwcap_pdb *pdb = NULL;
    etwcap_status st = etwcap_pdb_open(&pdb, path, &d);
    if (st != ETWCAP_OK) {
        print_diag(path, &d, st);
        return CLI_INPUT;
    }
    if (!etwcap_pdb_matches(pdb, id)) {
        char g1[37], g2[37];
        etwcap_guid_format(&etwcap_pdb_identity_get(pdb)->guid, g1);
        etwcap_guid_format(&id->pdb_guid, g2);
        if (id->has_rsds)
            fprintf(stderr,
                    "etwcap: %s: PDB %s age %u does not match the image's RSDS %s age %u; "
                    "not used\n",
                    path, g1, (unsigned)etwcap_pdb_identity_get(pdb)->age, g2,
                    (unsigned)id->pdb_age);
        else
            fprintf(stderr, "etwcap: %s: the image has no RSDS record to match; PDB not used\n",
                    path);
        etwcap_pdb_close(pdb);
        return CLI_OK;
    }
    *out = pdb;
    return CLI_OK;
}

/* The PDB named by RSDS: next to the image, then at the recorded path. */
static int find_pdb(const char *image, const etwcap_pe_identity *id, etwcap_pdb **out)
{
    *out = NULL;
    if (!id->has_rsds || !id->pdb_name[0])
        return CLI_OK;
    const char *name = base_name(id->pdb_name);
    size_t dir = (size_t)(base_name(image) - image);
    size_t n = dir + strlen(name) + 1;
    char *cand = malloc(n);
    if (!cand)
        return CLI_INPUT;
    memcpy(cand, image, dir);
    memcpy(cand + dir, name, strlen(name) + 1);
    int rc = CLI_OK;
    if (file_exists(cand))
        rc = open_pdb(cand, id, out);
    else if (file_exists(id->pdb_name))
        rc = open_pdb(id->pdb_name, id, out);
    else
        fprintf(stderr, "etwcap: %s: %s not found next to the image; using exports\n", image, name);
    free(cand);
    return rc;
}

/* The DbgHelp answer for one RVA (dbghelp.c). */
typedef struct dbg_image {
    etwcap_dbghelp *dbg;
    uint64_t base;
    etwcap_resolution res; /* what DbgHelp found for the image */
} dbg_image;

/* DbgHelp session with the image loaded at its ImageBase. */
static int open_dbghelp(const char *image, const char *pdb_path, const etwcap_pe_identity *id,
                        dbg_image *out)
{
    etwcap_diag d;
    memset(&d, 0, sizeof d);
    memset(out, 0, sizeof *out);
    char *dir = NULL;
    if (pdb_path) { /* DbgHelp finds the PDB by its RSDS name in this folder */
        size_t n = (size_t)(base_name(pdb_path) - pdb_path);
        dir = malloc(n + 2);
        if (!dir)
            return CLI_INPUT;
        memcpy(dir, n ? pdb_path : ".", n ? n : 1);
        dir[n ? n : 1] = '\0';
    }
    etwcap_status st = etwcap_dbghelp_open(&out->dbg, NULL, dir, &d);
    free(dir);
    if (st != ETWCAP_OK) {
        fprintf(stderr, "etwcap: symbolize: %s\n", d.message);
        return CLI_INPUT;
    }
    etwcap_dbghelp_image img;
    memset(&img, 0, sizeof img);
    img.path = image;
    img.base = id->image_base;
    img.size = id->size_of_image;
    img.time_date_stamp = id->time_date_stamp;
    out->base = id->image_base;
    st = etwcap_dbghelp_load(out->dbg, &img, &out->res, &d);
    if (st != ETWCAP_OK) {
        fprintf(stderr, "etwcap: %s\n", d.message);
        etwcap_dbghelp_close(out->dbg);
        out->dbg = NULL;
        return CLI_INPUT;
    }
    if (out->res == ETWCAP_RES_EXPORT && id->has_rsds)
        fprintf(stderr, "etwcap: %s: DbgHelp found no PDB matching the image; using exports\n",
                image);
    return CLI_OK;
}

static void symbolize_one(const char *module, etwcap_pe *pe, etwcap_pdb *pdb, int linkage,
                          const dbg_image *di, uint32_t rva)
{
    if (di) {
        char buf[2048];
        uint64_t disp = 0;
        if (di->res != ETWCAP_RES_MODULE &&
            etwcap_dbghelp_lookup(di->dbg, di->base + rva, buf, sizeof buf, &disp) == 0)
            printf("0x%x %s!%s+0x%llx [%s]\n", (unsigned)rva, module, buf, (unsigned long long)disp,
                   di->res == ETWCAP_RES_PDB ? "pdb" : "export");
        else
            printf("0x%x %s+0x%x [none]\n", (unsigned)rva, module, (unsigned)rva);
        return;
    }
    etwcap_pdb_symbol s;
    const char *name;
    uint32_t off;
    if (pdb && etwcap_pdb_lookup_symbol(pdb, rva, &s) == 0) {
        name = linkage && s.linkage ? s.linkage : s.name;
        printf("0x%x %s!%s+0x%x [pdb]\n", (unsigned)rva, module, name, (unsigned)(rva - s.start));
    } else if (etwcap_pe_export_lookup(pe, rva, &name, &off) == 0) {
        printf("0x%x %s!%s+0x%x [export]\n", (unsigned)rva, module, name, (unsigned)off);
    } else {
        printf("0x%x %s+0x%x [none]\n", (unsigned)rva, module, (unsigned)rva);
    }
}

static int parse_rva(const char *s, uint32_t *out)
{
    unsigned long long v;
    if (cli_parse_u64(s, &v) != 0 || v > 0xFFFFFFFFull)
        return -1;
    *out = (uint32_t)v;
    return 0;
}

/* RVAs from stdin, separated by white space. */
static int symbolize_stdin(const char *module, etwcap_pe *pe, etwcap_pdb *pdb, int linkage,
                           const dbg_image *di)
{
    char tok[64];
    size_t n = 0;
    int c;
    do {
        c = getchar();
        if (c != EOF && !isspace(c)) {
            if (n + 1 >= sizeof tok) {
                fprintf(stderr, "etwcap: symbolize: address too long on standard input\n");
                return CLI_USAGE;
            }
            tok[n++] = (char)c;
            continue;
        }
        if (n) {
            tok[n] = '\0';
            n = 0;
            uint32_t rva;
            if (parse_rva(tok, &rva) != 0) {
                fprintf(stderr, "etwcap: symbolize: '%s' is not an RVA\n", tok);
                return CLI_USAGE;
            }
            symbolize_one(module, pe, pdb, linkage, di, rva);
        }
    } while (c != EOF);
    return CLI_OK;
}

int cmd_symbolize(int argc, char **argv)
{
    const char *image = NULL, *pdb_path = NULL;
    int linkage = 0, first_rva = argc, backend = ETWCAP_SYMBOLIZER_BUILTIN;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            fputs(usage_text, stdout);
            return CLI_OK;
        } else if (!strcmp(argv[i], "--image") && i + 1 < argc) {
            image = argv[++i];
        } else if (!strcmp(argv[i], "--pdb") && i + 1 < argc) {
            pdb_path = argv[++i];
        } else if (!strcmp(argv[i], "--linkage")) {
            linkage = 1;
        } else if (!strcmp(argv[i], "--symbolizer") && i + 1 < argc) {
            if (cli_parse_symbolizer(argv[++i], &backend) != CLI_OK)
                return CLI_USAGE;
        } else if (argv[i][0] == '-' && !isdigit((unsigned char)argv[i][1])) {
            fputs(usage_text, stderr);
            return CLI_USAGE;
        } else {
            first_rva = i;
            break;
        }
    }
    if (!image) {
        fputs(usage_text, stderr);
        return CLI_USAGE;
    }
    for (int i = first_rva; i < argc; i++) {
        uint32_t rva;
        if (parse_rva(argv[i], &rva) != 0) {
            fprintf(stderr, "etwcap: symbolize: '%s' is not an RVA\n\n%s", argv[i], usage_text);
            return CLI_USAGE;
        }
    }
    etwcap_diag d;
    memset(&d, 0, sizeof d);
    etwcap_pe *pe = NULL;
    etwcap_status st = etwcap_pe_open(&pe, image, &d);
    if (st != ETWCAP_OK) {
        print_diag(image, &d, st);
        return CLI_INPUT;
    }
    const etwcap_pe_identity *id = etwcap_pe_identity_get(pe);
    etwcap_pdb *pdb = NULL;
    dbg_image dis, *di = NULL;
    int rc;
    if (backend == ETWCAP_SYMBOLIZER_DBGHELP) {
        rc = open_dbghelp(image, pdb_path, id, &dis);
        di = rc == CLI_OK ? &dis : NULL;
    } else {
        rc = pdb_path ? open_pdb(pdb_path, id, &pdb) : find_pdb(image, id, &pdb);
    }
    const char *module = base_name(image);
    int rc2 = CLI_OK;
    if (backend == ETWCAP_SYMBOLIZER_DBGHELP && !di) {
        rc2 = CLI_INPUT;
    } else if (first_rva < argc) {
        for (int i = first_rva; i < argc; i++) {
            uint32_t rva = 0;
            parse_rva(argv[i], &rva);
            symbolize_one(module, pe, pdb, linkage, di, rva);
        }
    } else {
        rc2 = symbolize_stdin(module, pe, pdb, linkage, di);
    }
    if (di)
        etwcap_dbghelp_close(di->dbg);
    etwcap_pdb_close(pdb);
    etwcap_pe_close(pe);
    if (fflush(stdout) != 0)
        return CLI_INPUT;
    return rc != CLI_OK ? rc : rc2;
}
