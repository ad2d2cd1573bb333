/* etwcap/symbol.h - symbols for native code: PE images and PDB files.
 *
 * The PE reader gives an image's identity (TimeDateStamp, SizeOfImage,
 * RSDS GUID/age/PDB name), its section table and its exports. The PDB reader
 * (MSF 7.0) gives procedures (S_GPROC32/S_LPROC32 with CodeSize) and public
 * symbols, mapped to RVAs through the section headers and OMAP
 * (etl-format.md §5). Both treat their input as hostile: every read is
 * bounds-checked, and a bad file gives a message with the offset.
 */
#ifndef ETWCAP_SYMBOL_H
#define ETWCAP_SYMBOL_H

#include <stddef.h>
#include <stdint.h>

#include "etwcap/error.h"
#include "etwcap/event.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- PE ---- */

typedef struct etwcap_pe etwcap_pe;

typedef struct etwcap_pe_identity {
    uint16_t machine;
    int is_pe32_plus;
    uint32_t time_date_stamp;
    uint32_t size_of_image;
    uint64_t image_base;
    int has_rsds;
    etwcap_guid pdb_guid;
    uint32_t pdb_age;
    char pdb_name[260];
} etwcap_pe_identity;

etwcap_status etwcap_pe_open(etwcap_pe **out, const char *path, etwcap_diag *diag);
etwcap_status etwcap_pe_open_memory(etwcap_pe **out, const void *data, size_t size,
                                    const char *name, etwcap_diag *diag);
const etwcap_pe_identity *etwcap_pe_identity_get(const etwcap_pe *pe);
/* Nearest export at or below `rva`: name and offset. Returns 0 when found. */
int etwcap_pe_export_lookup(const etwcap_pe *pe, uint32_t rva, const char **name, uint32_t *offset);
void etwcap_pe_close(etwcap_pe *pe);

/* Section table (etl-format.md §5.1). */
typedef struct etwcap_pe_section {
    char name[9]; /* NUL-terminated; "/NNN" long names are not resolved */
    uint32_t virtual_address;
    uint32_t virtual_size;
    uint32_t raw_size;
    uint32_t raw_offset;
    uint32_t characteristics;
} etwcap_pe_section;

size_t etwcap_pe_section_count(const etwcap_pe *pe);
const etwcap_pe_section *etwcap_pe_section_at(const etwcap_pe *pe, size_t i);
/* File offset of the byte at `rva` (headers or a section's raw data).
 * Returns 0 when the RVA is backed by file bytes. */
int etwcap_pe_rva_to_offset(const etwcap_pe *pe, uint32_t rva, uint64_t *offset);
/* Exports kept for lookup (named and ordinal-only; forwarders skipped). */
size_t etwcap_pe_export_count(const etwcap_pe *pe);

/* ---- PDB ---- */

typedef struct etwcap_pdb etwcap_pdb;

typedef struct etwcap_pdb_identity {
    etwcap_guid guid;
    uint32_t age;      /* DBI stream age: the one the image's RSDS age names */
    uint32_t info_age; /* PDB info stream age (may be larger than `age`) */
    uint32_t signature;
} etwcap_pdb_identity;

/* One answer of etwcap_pdb_lookup_symbol. */
typedef struct etwcap_pdb_symbol {
    const char *name;    /* procedure name, else the public symbol's name */
    const char *linkage; /* the public (decorated) name at `start`, or NULL */
    uint32_t start;      /* RVA of the procedure or public symbol */
    uint32_t size;       /* procedure CodeSize; 0 for a public symbol */
    int is_public;       /* 1 when no procedure contains the RVA */
} etwcap_pdb_symbol;

etwcap_status etwcap_pdb_open(etwcap_pdb **out, const char *path, etwcap_diag *diag);
etwcap_status etwcap_pdb_open_memory(etwcap_pdb **out, const void *data, size_t size,
                                     const char *name, etwcap_diag *diag);
const etwcap_pdb_identity *etwcap_pdb_identity_get(const etwcap_pdb *pdb);
/* The function containing `rva` (a procedure range, else the nearest
 * preceding public symbol). Returns 0 when found. */
int etwcap_pdb_lookup(const etwcap_pdb *pdb, uint32_t rva, const char **name, uint32_t *offset);
void etwcap_pdb_close(etwcap_pdb *pdb);

/* Like etwcap_pdb_lookup with the details. `linkage` follows the rule of
 * llvm-symbolizer --functions=linkage: the nearest public symbol at or below
 * `rva` in the same section, when it starts where the procedure starts.
 * Returns 0 when found. */
int etwcap_pdb_lookup_symbol(const etwcap_pdb *pdb, uint32_t rva, etwcap_pdb_symbol *out);
/* Procedures (S_*PROC32*) and public symbols that map to an RVA. */
size_t etwcap_pdb_procedure_count(const etwcap_pdb *pdb);
size_t etwcap_pdb_public_count(const etwcap_pdb *pdb);
/* 1 when the PDB's GUID and age equal the image's RSDS GUID and age. */
int etwcap_pdb_matches(const etwcap_pdb *pdb, const etwcap_pe_identity *image);

/* ---- symbolizer: an address in a traced process to a name ---- */

struct etwcap_state;

typedef enum etwcap_resolution {
    ETWCAP_RES_CLR = 0,    /* JIT'd or R2R method from CLR events */
    ETWCAP_RES_PDB = 1,    /* procedure or public symbol from a PDB */
    ETWCAP_RES_EXPORT = 2, /* nearest PE export */
    ETWCAP_RES_MODULE = 3, /* module known, function not: module+0xRVA */
    ETWCAP_RES_NONE = 4,   /* no module covers the address */
    ETWCAP_RES_DBGHELP = 5 /* named by DbgHelp (--symbolizer dbghelp): PDB or export */
} etwcap_resolution;

const char *etwcap_resolution_name(etwcap_resolution r);

typedef struct etwcap_frame_symbol {
    etwcap_resolution resolution;
    char module[128];   /* file name without extension ("ntdll"), "" when unknown */
    char function[512]; /* "" when unknown */
    uint64_t offset;    /* from the function start, or the RVA for MODULE */
    const void *method; /* etwcap_method when resolution is CLR */
} etwcap_frame_symbol;

typedef struct etwcap_symbolizer etwcap_symbolizer;

/* Called once per problem worth telling the user (a PDB whose GUID/age do
 * not match, an unreadable symbol file). */
typedef void (*etwcap_symbol_note_cb)(const char *message, void *payload);

/* `search_path`: folders separated by ';' (may be NULL). Each is searched
 * flat (name.dll, name.pdb) and in symbol-server layout
 * (name.pdb/<GUID><AGE>/name.pdb, name.dll/<TIMESTAMP><SIZE>/name.dll).
 * Uses the built-in back end. */
etwcap_status etwcap_symbolizer_create(etwcap_symbolizer **out, const struct etwcap_state *st,
                                       const char *search_path, etwcap_symbol_note_cb note,
                                       void *note_payload);

/* Images logged as "\Device\VhdHardDisk{GUID}\rest" (a Windows
 * container's disk, etl-format.md §6.1) are read from `dir`/rest, with the
 * PDB looked for next to the image first. `guid`: the container id, any case,
 * braces allowed. ETWCAP_ERR_ARG when it is not a GUID. */
etwcap_status etwcap_symbolizer_add_container_root(etwcap_symbolizer *s, const char *guid,
                                                   const char *dir);

struct etwcap_module;
/* The identity of the image file found for module `m` and verified against
 * the trace (TimeDateStamp, SizeOfImage), or NULL. `*file` (may be NULL):
 * the container-root file it was read from, else NULL. */
const etwcap_pe_identity *etwcap_symbolizer_image(etwcap_symbolizer *s,
                                                  const struct etwcap_module *m, const char **file);
/* Who names native code (PDB, exports). CLR methods always come from the
 * trace's own events, whichever back end is chosen. */
typedef enum etwcap_symbolizer_backend {
    ETWCAP_SYMBOLIZER_BUILTIN = 0, /* our PE/PDB readers, every platform */
    ETWCAP_SYMBOLIZER_DBGHELP = 1  /* Windows DbgHelp (SymFromAddrW) */
} etwcap_symbolizer_backend;

/* "builtin" or "dbghelp" to a back end. Returns 0 when known. */
int etwcap_symbolizer_backend_parse(const char *name, etwcap_symbolizer_backend *out);
const char *etwcap_symbolizer_backend_name(etwcap_symbolizer_backend b);
/* 1 when this build can use the back end (DbgHelp: Windows builds only). */
int etwcap_symbolizer_backend_available(etwcap_symbolizer_backend b);

typedef struct etwcap_symbolizer_options {
    etwcap_symbolizer_backend backend;
    /* Folders separated by ';'. DbgHelp: a full DbgHelp search path
     * ("srv*C:\sym*https://..." allowed); NULL or "" takes _NT_SYMBOL_PATH. */
    const char *search_path;
    /* DbgHelp: the etwcap_winapi table to call (src/lib/win/winapi.h);
     * NULL is the real one. Tests pass a fake. Ignored by the built-in one. */
    const void *winapi;
    etwcap_symbol_note_cb note;
    void *note_payload;
} etwcap_symbolizer_options;

/* Create a symbolizer with the chosen back end. A back end that cannot start
 * (DbgHelp off Windows, SymInitializeW failing) gives an error with `diag`
 * (may be NULL) saying why. */
etwcap_status etwcap_symbolizer_create_opts(etwcap_symbolizer **out, const struct etwcap_state *st,
                                            const etwcap_symbolizer_options *opts,
                                            etwcap_diag *diag);

/* Resolve `addr` in process record `proc` at raw time `ts`. */
void etwcap_symbolize(etwcap_symbolizer *s, size_t proc, uint64_t addr, int64_t ts,
                      etwcap_frame_symbol *out);

/* "module!function" (or "module+0xRVA", or "0xADDR") into buf. */
size_t etwcap_frame_symbol_format(const etwcap_frame_symbol *fs, uint64_t addr, char *buf,
                                  size_t cap);

void etwcap_symbolizer_free(etwcap_symbolizer *s);

/* ---- DbgHelp session (Windows; src/lib/symbol/dbghelp.c) ----
 * One SymInitializeW "process" of our own, modules loaded by hand at the
 * bases the trace gives. Off Windows, etwcap_dbghelp_open fails with
 * ETWCAP_ERR_UNSUPPORTED. */

typedef struct etwcap_dbghelp etwcap_dbghelp;

/* The image's PDB identity, when the image file itself may be absent. */
typedef struct etwcap_dbghelp_image {
    const char *path; /* image file (UTF-8); a bare name when not on this machine */
    uint64_t base;    /* load address in the traced process */
    uint32_t size;    /* SizeOfImage */
    uint32_t time_date_stamp;
    int has_pdb; /* the RSDS identity below is known */
    etwcap_guid pdb_guid;
    uint32_t pdb_age;
    const char *pdb_name; /* as in the image's RSDS record */
} etwcap_dbghelp_image;

/* `search_path` NULL or "": _NT_SYMBOL_PATH (through the table). */
etwcap_status etwcap_dbghelp_open(etwcap_dbghelp **out, const void *winapi, const char *search_path,
                                  etwcap_diag *diag);
/* Load one module; its folder joins the search path for its PDB. On
 * success *res is ETWCAP_RES_PDB when DbgHelp found a PDB, ETWCAP_RES_EXPORT
 * for exports only, ETWCAP_RES_MODULE when it has no symbols. */
etwcap_status etwcap_dbghelp_load(etwcap_dbghelp *d, const etwcap_dbghelp_image *img,
                                  etwcap_resolution *res, etwcap_diag *diag);
/* Name of the symbol at or below `addr` (UTF-8) and the distance to it.
 * Returns 0 when found. */
int etwcap_dbghelp_lookup(etwcap_dbghelp *d, uint64_t addr, char *name, size_t cap,
                          uint64_t *displacement);
/* SymCleanup; NULL is fine. */
void etwcap_dbghelp_close(etwcap_dbghelp *d);

#ifdef __cplusplus
}
#endif
#endif
