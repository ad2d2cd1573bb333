/* dbghelp.c - the DbgHelp back end of the symbolizer (issue #4).
 *
 * One SymInitializeW session per etwcap_dbghelp, with a "process" value of
 * our own (DbgHelp only needs it unique and non-zero when invade is FALSE):
 * nothing is read from a live process. Modules are loaded by hand with
 * SymLoadModuleExW at the base and size the trace gives; before each load
 * the search path becomes the user's path (--symbols, else _NT_SYMBOL_PATH)
 * plus the image's own folder. Every call goes through the etwcap_winapi
 * table (src/lib/win/winapi.h) so tests can record and fail each one.
 *
 * DbgHelp is single-threaded and SymSetOptions is global to the process:
 * an etwcap_dbghelp must be used from one thread at a time.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/utf16.h"
#include "compat/compat.h"
#include "etwcap/symbol.h"
#include "symbol/symsrc.h"

#ifndef _WIN32

etwcap_status etwcap_dbghelp_open(etwcap_dbghelp **out, const void *winapi, const char *search_path,
                                  etwcap_diag *diag)
{
    (void)winapi;
    (void)search_path;
    *out = NULL;
    if (diag) {
        memset(diag, 0, sizeof *diag);
        diag->status = ETWCAP_ERR_UNSUPPORTED;
        diag->buffer_index = -1;
        snprintf(diag->message, sizeof diag->message,
                 "the dbghelp symbolizer needs Windows (DbgHelp.dll); this build has only "
                 "the builtin one");
    }
    return ETWCAP_ERR_UNSUPPORTED;
}

etwcap_status etwcap_dbghelp_load(etwcap_dbghelp *d, const etwcap_dbghelp_image *img,
                                  etwcap_resolution *res, etwcap_diag *diag)
{
    (void)d;
    (void)img;
    (void)diag;
    *res = ETWCAP_RES_MODULE;
    return ETWCAP_ERR_UNSUPPORTED;
}

int etwcap_dbghelp_lookup(etwcap_dbghelp *d, uint64_t addr, char *name, size_t cap,
                          uint64_t *displacement)
{
    (void)d;
    (void)addr;
    *displacement = 0;
    if (cap)
        name[0] = '\0';
    return -1;
}

void etwcap_dbghelp_close(etwcap_dbghelp *d)
{
    (void)d;
}

#else /* _WIN32 */

#include "win/winapi.h"

struct etwcap_dbghelp {
    const etwcap_winapi_dbghelp *api;
    WCHAR *base_path; /* the user's search path, UTF-16, never NULL */
    int initialized;  /* SymInitializeW succeeded: SymCleanup is owed */
    SYMBOL_INFOW *info;
    char *utf8; /* a name in UTF-8: up to 3 bytes per UTF-16 unit */
};

/* UTF-8 to a new UTF-16 string (NULL on a bad string or no memory). */
static WCHAR *wide(const char *s)
{
    int n = MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, s, -1, NULL, 0);
    if (n <= 0)
        return NULL;
    WCHAR *w = malloc((size_t)n * sizeof *w);
    if (w && MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, s, -1, w, n) != n) {
        free(w);
        w = NULL;
    }
    return w;
}

/* _NT_SYMBOL_PATH through the table; "" when unset. */
static WCHAR *env_symbol_path(const etwcap_winapi_dbghelp *api)
{
    static const WCHAR name[] = L"_NT_SYMBOL_PATH";
    DWORD n = api->GetEnvironmentVariableW(name, NULL, 0);
    if (n == 0 || n > 65536)
        return calloc(1, sizeof(WCHAR));
    WCHAR *w = calloc(n, sizeof *w);
    if (!w)
        return NULL;
    DWORD got = api->GetEnvironmentVariableW(name, w, n);
    if (got == 0 || got >= n)
        w[0] = 0; /* changed between the two calls, or failed: treat as unset */
    return w;
}

etwcap_status etwcap_dbghelp_open(etwcap_dbghelp **out, const void *winapi, const char *search_path,
                                  etwcap_diag *diag)
{
    *out = NULL;
    const etwcap_winapi *t = winapi ? winapi : etwcap_winapi_real();
    etwcap_dbghelp *d = calloc(1, sizeof *d);
    if (!d)
        return sym_fail(diag, ETWCAP_ERR_NOMEM, 0, "out of memory");
    d->api = &t->dbghelp;
    d->info = calloc(1, sizeof(SYMBOL_INFOW) + MAX_SYM_NAME * sizeof(WCHAR));
    d->utf8 = malloc(MAX_SYM_NAME * 3);
    if (search_path && search_path[0]) {
        d->base_path = wide(search_path);
        if (!d->base_path) {
            etwcap_dbghelp_close(d);
            return sym_fail(diag, ETWCAP_ERR_ARG, 0, "symbol search path '%s' is not UTF-8",
                            search_path);
        }
    } else {
        d->base_path = env_symbol_path(d->api);
    }
    if (!d->base_path || !d->info || !d->utf8) {
        etwcap_dbghelp_close(d);
        return sym_fail(diag, ETWCAP_ERR_NOMEM, 0, "out of memory");
    }
    /* Undecorated names as the built-in reader gives; procedures before
     * publics; never a dialog box or a prompt. Not deferred: the module's
     * SymType tells right after the load whether a PDB was found.
     * INCLUDE_32BIT_MODULES: traces of 32-bit processes are read by a 64-bit
     * etwcap (Wine's dbghelp refuses PE32 images without it). */
    d->api->SymSetOptions(SYMOPT_UNDNAME | SYMOPT_AUTO_PUBLICS | SYMOPT_FAIL_CRITICAL_ERRORS |
                          SYMOPT_NO_PROMPTS | SYMOPT_INCLUDE_32BIT_MODULES);
    if (!d->api->SymInitializeW((HANDLE)d, d->base_path, FALSE)) {
        unsigned long code = d->api->GetLastError();
        etwcap_dbghelp_close(d);
        return sym_fail(diag, ETWCAP_ERR, 0, "DbgHelp SymInitializeW failed (error %lu)", code);
    }
    d->initialized = 1;
    *out = d;
    return ETWCAP_OK;
}

/* "base;folder of path" (or the base alone when the path has no folder). */
static WCHAR *path_with_folder(const WCHAR *base, const WCHAR *image)
{
    size_t dir = 0;
    for (size_t i = 0; image[i]; i++)
        if (image[i] == L'\\' || image[i] == L'/')
            dir = i;
    size_t nb = wcslen(base);
    WCHAR *w = malloc((nb + dir + 2) * sizeof *w);
    if (!w)
        return NULL;
    memcpy(w, base, nb * sizeof *w);
    size_t k = nb;
    if (dir) {
        if (nb)
            w[k++] = L';';
        memcpy(w + k, image, dir * sizeof *w);
        k += dir;
    }
    w[k] = 0;
    return w;
}

/* MODLOAD_DATA of kind DBHHEADER_CVMISC: a MODLOAD_CVMISC header followed by
 * the image's RSDS CodeView record (etl-format.md §5.2), so that DbgHelp can
 * find the PDB when the image file is not on this machine. */
typedef struct cv_data {
    MODLOAD_DATA md;
    unsigned char *buf;
} cv_data;

static int cv_data_make(cv_data *cv, const etwcap_dbghelp_image *img)
{
    size_t nlen = strlen(img->pdb_name) + 1;
    size_t rec = 4 + 16 + 4 + nlen;
    cv->buf = calloc(1, sizeof(MODLOAD_CVMISC) + rec);
    if (!cv->buf)
        return -1;
    MODLOAD_CVMISC misc;
    memset(&misc, 0, sizeof misc);
    misc.oCV = (DWORD)sizeof misc;
    misc.cCV = rec;
    misc.dtImage = img->time_date_stamp;
    misc.cImage = img->size;
    memcpy(cv->buf, &misc, sizeof misc);
    unsigned char *p = cv->buf + sizeof misc;
    const etwcap_guid *g = &img->pdb_guid;
    static const unsigned char rsds[4] = {'R', 'S', 'D', 'S'};
    memcpy(p, rsds, sizeof rsds);
    /* GUID in its on-disk (little-endian fields) form. */
    unsigned char gb[16] = {(unsigned char)g->data1,         (unsigned char)(g->data1 >> 8),
                            (unsigned char)(g->data1 >> 16), (unsigned char)(g->data1 >> 24),
                            (unsigned char)g->data2,         (unsigned char)(g->data2 >> 8),
                            (unsigned char)g->data3,         (unsigned char)(g->data3 >> 8)};
    memcpy(gb + 8, g->data4, 8);
    memcpy(p + 4, gb, 16);
    unsigned char age[4] = {(unsigned char)img->pdb_age, (unsigned char)(img->pdb_age >> 8),
                            (unsigned char)(img->pdb_age >> 16),
                            (unsigned char)(img->pdb_age >> 24)};
    memcpy(p + 20, age, 4);
    memcpy(p + 24, img->pdb_name, nlen);
    memset(&cv->md, 0, sizeof cv->md);
    cv->md.ssize = (DWORD)sizeof cv->md;
    cv->md.ssig = DBHHEADER_CVMISC;
    cv->md.data = cv->buf;
    cv->md.size = (DWORD)(sizeof misc + rec);
    return 0;
}

static int file_exists(const char *path)
{
    FILE *f = etwcap_fopen(path, "rb");
    if (!f)
        return 0;
    fclose(f);
    return 1;
}

etwcap_status etwcap_dbghelp_load(etwcap_dbghelp *d, const etwcap_dbghelp_image *img,
                                  etwcap_resolution *res, etwcap_diag *diag)
{
    *res = ETWCAP_RES_MODULE;
    WCHAR *wimg = wide(img->path);
    if (!wimg)
        return sym_fail(diag, ETWCAP_ERR_ARG, 0, "%s: image path is not UTF-8", img->path);
    WCHAR *sp = path_with_folder(d->base_path, wimg);
    cv_data cv;
    memset(&cv, 0, sizeof cv);
    /* Only when the image is absent: with the file, DbgHelp reads the same
     * record from its debug directory. */
    int use_cv = img->has_pdb && img->pdb_name && img->pdb_name[0] && !file_exists(img->path);
    if (!sp || (use_cv && cv_data_make(&cv, img) != 0)) {
        free(wimg);
        free(sp);
        return sym_fail(diag, ETWCAP_ERR_NOMEM, 0, "%s: out of memory", img->path);
    }
    etwcap_status st = ETWCAP_OK;
    if (!d->api->SymSetSearchPathW((HANDLE)d, sp)) {
        st = sym_fail(diag, ETWCAP_ERR, 0, "%s: DbgHelp SymSetSearchPathW failed (error %lu)",
                      img->path, (unsigned long)d->api->GetLastError());
        goto done;
    }
    DWORD64 got = d->api->SymLoadModuleExW((HANDLE)d, NULL, wimg, NULL, img->base, img->size,
                                           use_cv ? &cv.md : NULL, 0);
    int loaded_before = got == 0;
    if (got == 0) {
        unsigned long code = d->api->GetLastError();
        /* 0 with ERROR_SUCCESS: the module is already loaded at this base
         * (checked below: Wine also returns 0 without an error code when it
         * could not load the image). */
        if (code != ERROR_SUCCESS) {
            st = sym_fail(diag, ETWCAP_ERR_IO, 0, "%s: DbgHelp SymLoadModuleExW failed (error %lu)",
                          img->path, code);
            goto done;
        }
    }
    IMAGEHLP_MODULEW64 mi;
    memset(&mi, 0, sizeof mi);
    mi.SizeOfStruct = sizeof mi;
    if (!d->api->SymGetModuleInfoW64((HANDLE)d, img->base, &mi)) {
        unsigned long code = d->api->GetLastError();
        if (loaded_before) {
            st = sym_fail(diag, ETWCAP_ERR_IO, 0,
                          "%s: DbgHelp SymLoadModuleExW did not load the image "
                          "(SymGetModuleInfoW64: error %lu)",
                          img->path, code);
        } else {
            st = sym_fail(diag, ETWCAP_ERR, 0, "%s: DbgHelp SymGetModuleInfoW64 failed (error %lu)",
                          img->path, code);
            d->api->SymUnloadModule64((HANDLE)d, img->base);
        }
        goto done;
    }
    switch (mi.SymType) {
    case SymPdb:
    case SymCv:
    case SymDia:
    case SymCoff:
    case SymSym:
        *res = ETWCAP_RES_PDB;
        break;
    case SymExport:
        *res = ETWCAP_RES_EXPORT;
        break;
    default: /* SymNone, SymDeferred, SymVirtual: nothing to name functions with */
        *res = ETWCAP_RES_MODULE;
        break;
    }
done:
    free(cv.buf);
    free(sp);
    free(wimg);
    return st;
}

int etwcap_dbghelp_lookup(etwcap_dbghelp *d, uint64_t addr, char *name, size_t cap,
                          uint64_t *displacement)
{
    if (cap)
        name[0] = '\0';
    SYMBOL_INFOW *si = d->info;
    memset(si, 0, sizeof *si);
    si->SizeOfStruct = sizeof *si;
    si->MaxNameLen = MAX_SYM_NAME;
    DWORD64 disp = 0;
    if (!d->api->SymFromAddrW((HANDLE)d, addr, &disp, si))
        return -1;
    ULONG n = si->NameLen < MAX_SYM_NAME ? si->NameLen : MAX_SYM_NAME;
    if (n == 0 || cap == 0)
        return -1;
    /* Into a buffer always large enough, then cut at a character boundary. */
    int k =
        WideCharToMultiByte(CP_UTF8, 0, si->Name, (int)n, d->utf8, MAX_SYM_NAME * 3, NULL, NULL);
    if (k <= 0)
        return -1;
    size_t len = 0;
    while (len < (size_t)k) {
        size_t c = etwcap_utf8_seq((const unsigned char *)d->utf8 + len, (size_t)k - len);
        if (c == 0 || len + c > cap - 1)
            break;
        len += c;
    }
    memcpy(name, d->utf8, len);
    name[len] = '\0';
    *displacement = disp;
    return 0;
}

void etwcap_dbghelp_close(etwcap_dbghelp *d)
{
    if (!d)
        return;
    if (d->initialized)
        d->api->SymCleanup((HANDLE)d);
    free(d->base_path);
    free(d->info);
    free(d->utf8);
    free(d);
}

#endif /* _WIN32 */
