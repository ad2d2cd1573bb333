/* test_dbghelp.c - the DbgHelp back end of the symbolizer (issue #4) against
 * a fake etwcap_winapi table that records every call with its parameters
 * and fails the call a test names. Windows builds (mingw, run under Wine)
 * run the fake tests; elsewhere the back end must refuse with a clear error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "etwcap/reader.h"
#include "etwcap/state.h"
#include "etwcap/symbol.h"
#include "testgen.h"

/* Parse, name and availability of the back ends: every platform. */
static void test_backend_names(void **state)
{
    (void)state;
    etwcap_symbolizer_backend b;
    assert_int_equal(etwcap_symbolizer_backend_parse("builtin", &b), 0);
    assert_int_equal(b, ETWCAP_SYMBOLIZER_BUILTIN);
    assert_int_equal(etwcap_symbolizer_backend_parse("dbghelp", &b), 0);
    assert_int_equal(b, ETWCAP_SYMBOLIZER_DBGHELP);
    assert_int_not_equal(etwcap_symbolizer_backend_parse("DbgHelp2", &b), 0);
    assert_string_equal(etwcap_symbolizer_backend_name(ETWCAP_SYMBOLIZER_DBGHELP), "dbghelp");
    assert_int_equal(etwcap_symbolizer_backend_available(ETWCAP_SYMBOLIZER_BUILTIN), 1);
#ifdef _WIN32
    assert_int_equal(etwcap_symbolizer_backend_available(ETWCAP_SYMBOLIZER_DBGHELP), 1);
#else
    assert_int_equal(etwcap_symbolizer_backend_available(ETWCAP_SYMBOLIZER_DBGHELP), 0);
#endif
}

#ifndef _WIN32

static void test_refused_off_windows(void **state)
{
    (void)state;
    etwcap_dbghelp *d = (etwcap_dbghelp *)&d;
    etwcap_diag diag;
    assert_int_equal(etwcap_dbghelp_open(&d, NULL, NULL, &diag), ETWCAP_ERR_UNSUPPORTED);
    assert_null(d);
    assert_non_null(strstr(diag.message, "needs Windows"));
    etwcap_state *st = NULL;
    assert_int_equal(etwcap_state_create(&st), ETWCAP_OK);
    etwcap_symbolizer_options o;
    memset(&o, 0, sizeof o);
    o.backend = ETWCAP_SYMBOLIZER_DBGHELP;
    etwcap_symbolizer *s = (etwcap_symbolizer *)&s;
    memset(&diag, 0, sizeof diag);
    assert_int_equal(etwcap_symbolizer_create_opts(&s, st, &o, &diag), ETWCAP_ERR_UNSUPPORTED);
    assert_null(s);
    assert_non_null(strstr(diag.message, "dbghelp"));
    etwcap_state_free(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_backend_names),
        cmocka_unit_test(test_refused_off_windows),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

#else /* _WIN32 */

#include <direct.h>

#include "win/winapi.h"

/* ---- the fake table ---- */

typedef struct fake_call {
    const char *fn;
    HANDLE h;
    WCHAR s[600]; /* the string parameter (search path, image name, variable) */
    DWORD64 a;    /* base, address or options */
    DWORD size;
    DWORD flags;
    BOOL invade;
    int has_file, has_module, has_data;
    DWORD ssig;
    unsigned char data[700];
    DWORD data_size;
} fake_call;

typedef struct fake {
    fake_call c[64];
    size_t n;
    const char *fail; /* the call to fail, or NULL */
    DWORD fail_error; /* its GetLastError */
    int load_exists;  /* SymLoadModuleExW: 0 with ERROR_SUCCESS */
    const WCHAR *env; /* _NT_SYMBOL_PATH, or NULL when unset */
    SYM_TYPE type;    /* what SymGetModuleInfoW64 reports */
    DWORD last;
    const WCHAR *sym_name; /* SymFromAddrW answers in [sym_addr, sym_addr + 0x100) */
    DWORD64 sym_addr;
} fake;

/* The fake's state: Win32 callbacks carry no context pointer. */
static fake F;

static fake_call *rec(const char *fn, HANDLE h)
{
    assert_true(F.n < sizeof F.c / sizeof F.c[0]);
    fake_call *c = &F.c[F.n++];
    memset(c, 0, sizeof *c);
    c->fn = fn;
    c->h = h;
    return c;
}

static void copy_w(WCHAR *dst, const WCHAR *src)
{
    if (src) {
        assert_true(wcslen(src) < 600);
        wcscpy(dst, src);
    }
}

static int failing(const char *fn)
{
    if (F.fail && !strcmp(F.fail, fn)) {
        F.last = F.fail_error;
        return 1;
    }
    F.last = 0;
    return 0;
}

static DWORD WINAPI fk_SymSetOptions(DWORD o)
{
    rec("SymSetOptions", NULL)->a = o;
    return o;
}

static BOOL WINAPI fk_SymInitializeW(HANDLE h, PCWSTR path, BOOL invade)
{
    fake_call *c = rec("SymInitializeW", h);
    copy_w(c->s, path);
    c->invade = invade;
    return !failing("SymInitializeW");
}

static BOOL WINAPI fk_SymSetSearchPathW(HANDLE h, PCWSTR path)
{
    copy_w(rec("SymSetSearchPathW", h)->s, path);
    return !failing("SymSetSearchPathW");
}

static DWORD64 WINAPI fk_SymLoadModuleExW(HANDLE h, HANDLE file, PCWSTR image, PCWSTR module,
                                          DWORD64 base, DWORD size, PMODLOAD_DATA data, DWORD flags)
{
    fake_call *c = rec("SymLoadModuleExW", h);
    copy_w(c->s, image);
    c->has_file = file != NULL;
    c->has_module = module != NULL;
    c->a = base;
    c->size = size;
    c->flags = flags;
    if (data) {
        c->has_data = 1;
        assert_int_equal(data->ssize, sizeof *data);
        c->ssig = data->ssig;
        c->data_size = data->size;
        assert_true(data->size <= sizeof c->data);
        memcpy(c->data, data->data, data->size);
    }
    if (failing("SymLoadModuleExW"))
        return 0;
    if (F.load_exists) {
        F.last = ERROR_SUCCESS;
        return 0;
    }
    return base;
}

static BOOL WINAPI fk_SymFromAddrW(HANDLE h, DWORD64 addr, PDWORD64 disp, PSYMBOL_INFOW si)
{
    rec("SymFromAddrW", h)->a = addr;
    assert_int_equal(si->SizeOfStruct, sizeof *si);
    if (failing("SymFromAddrW") || !F.sym_name || addr < F.sym_addr || addr >= F.sym_addr + 0x100)
        return FALSE;
    size_t n = wcslen(F.sym_name);
    assert_true(n < si->MaxNameLen);
    wcscpy(si->Name, F.sym_name);
    si->NameLen = (ULONG)n;
    si->Address = F.sym_addr;
    *disp = addr - F.sym_addr;
    return TRUE;
}

static BOOL WINAPI fk_SymUnloadModule64(HANDLE h, DWORD64 base)
{
    rec("SymUnloadModule64", h)->a = base;
    return !failing("SymUnloadModule64");
}

static BOOL WINAPI fk_SymCleanup(HANDLE h)
{
    rec("SymCleanup", h);
    return !failing("SymCleanup");
}

static BOOL WINAPI fk_SymGetModuleInfoW64(HANDLE h, DWORD64 addr, PIMAGEHLP_MODULEW64 info)
{
    rec("SymGetModuleInfoW64", h)->a = addr;
    assert_int_equal(info->SizeOfStruct, sizeof *info);
    if (failing("SymGetModuleInfoW64"))
        return FALSE;
    info->SymType = F.type;
    return TRUE;
}

static DWORD WINAPI fk_GetEnvironmentVariableW(LPCWSTR name, LPWSTR buf, DWORD size)
{
    fake_call *c = rec("GetEnvironmentVariableW", NULL);
    copy_w(c->s, name);
    c->size = size;
    if (!F.env)
        return 0;
    DWORD n = (DWORD)wcslen(F.env) + 1;
    if (size < n)
        return n;
    wcscpy(buf, F.env);
    return n - 1;
}

static DWORD WINAPI fk_GetLastError(void)
{
    return F.last;
}

static const etwcap_winapi T = {
    .dbghelp =
        {
            .SymSetOptions = fk_SymSetOptions,
            .SymInitializeW = fk_SymInitializeW,
            .SymSetSearchPathW = fk_SymSetSearchPathW,
            .SymLoadModuleExW = fk_SymLoadModuleExW,
            .SymFromAddrW = fk_SymFromAddrW,
            .SymUnloadModule64 = fk_SymUnloadModule64,
            .SymCleanup = fk_SymCleanup,
            .SymGetModuleInfoW64 = fk_SymGetModuleInfoW64,
            .GetEnvironmentVariableW = fk_GetEnvironmentVariableW,
            .GetLastError = fk_GetLastError,
        },
    .fake = &F,
};

static int reset(void **state)
{
    (void)state;
    memset(&F, 0, sizeof F);
    F.type = SymPdb;
    return 0;
}

static size_t count(const char *fn)
{
    size_t k = 0;
    for (size_t i = 0; i < F.n; i++)
        k += !strcmp(F.c[i].fn, fn);
    return k;
}

/* The k-th call of `fn` (0-based); fails the test when there is none. */
static const fake_call *call(const char *fn, size_t k)
{
    for (size_t i = 0; i < F.n; i++)
        if (!strcmp(F.c[i].fn, fn) && k-- == 0)
            return &F.c[i];
    fail_msg("no call %s", fn);
    return NULL;
}

static void assert_wstr(const WCHAR *got, const WCHAR *want)
{
    if (wcscmp(got, want) != 0) {
        char g[700], w[700];
        WideCharToMultiByte(CP_UTF8, 0, got, -1, g, sizeof g, NULL, NULL);
        WideCharToMultiByte(CP_UTF8, 0, want, -1, w, sizeof w, NULL, NULL);
        fail_msg("got L\"%s\", want L\"%s\"", g, w);
    }
}

static etwcap_dbghelp *open_ok(const char *path)
{
    etwcap_dbghelp *d = NULL;
    etwcap_diag diag;
    memset(&diag, 0, sizeof diag);
    assert_int_equal(etwcap_dbghelp_open(&d, &T, path, &diag), ETWCAP_OK);
    assert_non_null(d);
    return d;
}

/* ---- session: options, search path, cleanup ---- */

static void test_open_explicit_path(void **state)
{
    (void)state;
    etwcap_dbghelp *d = open_ok("C:\\sym;D:\\more syms");
    assert_int_equal(F.n, 2);
    const fake_call *o = call("SymSetOptions", 0);
    assert_true(o->a & SYMOPT_UNDNAME);
    assert_true(o->a & SYMOPT_NO_PROMPTS);
    assert_true(o->a & SYMOPT_FAIL_CRITICAL_ERRORS);
    assert_false(o->a & SYMOPT_DEFERRED_LOADS);       /* SymType must be known after the load */
    assert_true(o->a & SYMOPT_INCLUDE_32BIT_MODULES); /* PE32 images in a 64-bit etwcap */
    const fake_call *i = call("SymInitializeW", 0);
    assert_non_null(i->h);
    assert_wstr(i->s, L"C:\\sym;D:\\more syms");
    assert_int_equal(i->invade, FALSE);
    assert_int_equal(count("GetEnvironmentVariableW"), 0);
    etwcap_dbghelp_close(d);
    assert_int_equal(count("SymCleanup"), 1);
    assert_ptr_equal(call("SymCleanup", 0)->h, i->h);
}

static void test_open_nt_symbol_path(void **state)
{
    (void)state;
    F.env = L"srv*C:\\symcache*https://msdl.microsoft.com/download/symbols";
    etwcap_dbghelp *d = open_ok(NULL);
    assert_wstr(call("GetEnvironmentVariableW", 0)->s, L"_NT_SYMBOL_PATH");
    assert_wstr(call("SymInitializeW", 0)->s, F.env);
    etwcap_dbghelp_close(d);
    /* "" is "not given" too. */
    reset(NULL);
    F.env = L"D:\\s";
    d = open_ok("");
    assert_wstr(call("SymInitializeW", 0)->s, L"D:\\s");
    etwcap_dbghelp_close(d);
    /* Unset: an empty path (the image folders are added per module). */
    reset(NULL);
    d = open_ok(NULL);
    assert_int_equal(count("GetEnvironmentVariableW"), 1);
    assert_wstr(call("SymInitializeW", 0)->s, L"");
    etwcap_dbghelp_close(d);
    assert_int_equal(count("SymCleanup"), 1);
}

static void test_open_fails(void **state)
{
    (void)state;
    F.fail = "SymInitializeW";
    F.fail_error = 5;
    etwcap_dbghelp *d = (etwcap_dbghelp *)&d;
    etwcap_diag diag;
    memset(&diag, 0, sizeof diag);
    assert_int_equal(etwcap_dbghelp_open(&d, &T, "C:\\sym", &diag), ETWCAP_ERR);
    assert_null(d);
    assert_non_null(strstr(diag.message, "SymInitializeW"));
    assert_non_null(strstr(diag.message, "error 5"));
    /* Nothing to clean up: the session never started. */
    assert_int_equal(count("SymCleanup"), 0);
}

/* ---- modules ---- */

static void make_image(const char *dir, const char *path)
{
    _mkdir(dir);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fputs("MZ", f);
    fclose(f);
}

static void test_load_present_image(void **state)
{
    (void)state;
    make_image("dbgfake", "dbgfake\\x.dll");
    static const SYM_TYPE types[] = {SymPdb, SymExport, SymNone, SymDeferred, SymCoff};
    static const etwcap_resolution want[] = {ETWCAP_RES_PDB, ETWCAP_RES_EXPORT, ETWCAP_RES_MODULE,
                                             ETWCAP_RES_MODULE, ETWCAP_RES_PDB};
    for (size_t k = 0; k < sizeof types / sizeof types[0]; k++) {
        reset(NULL);
        F.type = types[k];
        etwcap_dbghelp *d = open_ok("C:\\sym");
        etwcap_dbghelp_image img;
        memset(&img, 0, sizeof img);
        img.path = "dbgfake\\x.dll";
        img.base = 0x7ff612340000ULL;
        img.size = 0x2d000;
        img.has_pdb = 1;
        img.pdb_name = "x.pdb";
        etwcap_resolution res = ETWCAP_RES_NONE;
        etwcap_diag diag;
        assert_int_equal(etwcap_dbghelp_load(d, &img, &res, &diag), ETWCAP_OK);
        assert_int_equal(res, want[k]);
        const fake_call *h = call("SymInitializeW", 0);
        const fake_call *sp = call("SymSetSearchPathW", 0);
        assert_ptr_equal(sp->h, h->h);
        assert_wstr(sp->s, L"C:\\sym;dbgfake");
        const fake_call *l = call("SymLoadModuleExW", 0);
        assert_ptr_equal(l->h, h->h);
        assert_wstr(l->s, L"dbgfake\\x.dll");
        assert_int_equal(l->a, 0x7ff612340000ULL);
        assert_int_equal(l->size, 0x2d000);
        assert_int_equal(l->has_file, 0);
        assert_int_equal(l->has_module, 0);
        /* The file is here: DbgHelp reads the RSDS record from it. */
        assert_int_equal(l->has_data, 0);
        assert_int_equal(l->flags, 0);
        assert_int_equal(call("SymGetModuleInfoW64", 0)->a, 0x7ff612340000ULL);
        etwcap_dbghelp_close(d);
        assert_int_equal(count("SymCleanup"), 1);
    }
}

static void test_load_absent_image_cv(void **state)
{
    (void)state;
    etwcap_dbghelp *d = open_ok(NULL); /* _NT_SYMBOL_PATH unset */
    etwcap_dbghelp_image img;
    memset(&img, 0, sizeof img);
    img.path = "Z:\\nowhere\\y.dll";
    img.base = 0x10000000;
    img.size = 0x5000;
    img.time_date_stamp = 0x65c1d2e3;
    img.has_pdb = 1;
    img.pdb_guid.data1 = 0x11223344;
    img.pdb_guid.data2 = 0x5566;
    img.pdb_guid.data3 = 0x7788;
    static const uint8_t d4[8] = {0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x01};
    memcpy(img.pdb_guid.data4, d4, 8);
    img.pdb_age = 3;
    img.pdb_name = "C:\\build\\y.pdb";
    etwcap_resolution res;
    etwcap_diag diag;
    assert_int_equal(etwcap_dbghelp_load(d, &img, &res, &diag), ETWCAP_OK);
    assert_wstr(call("SymSetSearchPathW", 0)->s, L"Z:\\nowhere");
    const fake_call *l = call("SymLoadModuleExW", 0);
    assert_int_equal(l->has_data, 1);
    assert_int_equal(l->ssig, DBHHEADER_CVMISC);
    MODLOAD_CVMISC misc;
    memcpy(&misc, l->data, sizeof misc);
    assert_int_equal(misc.oCV, sizeof misc);
    assert_int_equal(misc.cCV, 24 + sizeof "C:\\build\\y.pdb");
    assert_int_equal(misc.dtImage, 0x65c1d2e3);
    assert_int_equal(misc.cImage, 0x5000);
    assert_int_equal(l->data_size, sizeof misc + misc.cCV);
    static const uint8_t rsds[24] = {'R',  'S',  'D',  'S',  0x44, 0x33, 0x22, 0x11,
                                     0x66, 0x55, 0x88, 0x77, 0x99, 0xaa, 0xbb, 0xcc,
                                     0xdd, 0xee, 0xff, 0x01, 3,    0,    0,    0};
    assert_memory_equal(l->data + misc.oCV, rsds, 24);
    assert_string_equal((const char *)l->data + misc.oCV + 24, "C:\\build\\y.pdb");
    etwcap_dbghelp_close(d);
}

/* A failure at each call: a clear error, and SymCleanup still once at close. */
static void test_load_failures(void **state)
{
    (void)state;
    static const char *const calls[] = {"SymSetSearchPathW", "SymLoadModuleExW",
                                        "SymGetModuleInfoW64"};
    for (size_t k = 0; k < 3; k++) {
        reset(NULL);
        etwcap_dbghelp *d = open_ok("C:\\sym");
        F.fail = calls[k];
        F.fail_error = (DWORD)(100 + k);
        etwcap_dbghelp_image img;
        memset(&img, 0, sizeof img);
        img.path = "C:\\w\\z.dll";
        img.base = 0x180000000ULL;
        img.size = 0x1000;
        etwcap_resolution res = ETWCAP_RES_PDB;
        etwcap_diag diag;
        memset(&diag, 0, sizeof diag);
        assert_int_not_equal(etwcap_dbghelp_load(d, &img, &res, &diag), ETWCAP_OK);
        assert_int_equal(res, ETWCAP_RES_MODULE);
        char want[64];
        snprintf(want, sizeof want, "%s failed (error %u)", calls[k], (unsigned)(100 + k));
        if (!strstr(diag.message, want))
            fail_msg("message '%s' lacks '%s'", diag.message, want);
        assert_non_null(strstr(diag.message, "z.dll"));
        /* Nothing after the failing call; a module DbgHelp took is unloaded. */
        assert_int_equal(count("SymLoadModuleExW"), k >= 1);
        assert_int_equal(count("SymGetModuleInfoW64"), k >= 2);
        assert_int_equal(count("SymUnloadModule64"), k == 2);
        if (k == 2)
            assert_int_equal(call("SymUnloadModule64", 0)->a, 0x180000000ULL);
        F.fail = NULL;
        etwcap_dbghelp_close(d);
        assert_int_equal(count("SymCleanup"), 1);
    }
    /* 0 with ERROR_SUCCESS: already loaded at that base, which is fine. */
    reset(NULL);
    etwcap_dbghelp *d = open_ok("C:\\sym");
    F.load_exists = 1;
    etwcap_dbghelp_image img;
    memset(&img, 0, sizeof img);
    img.path = "C:\\w\\z.dll";
    img.base = 0x180000000ULL;
    img.size = 0x1000;
    etwcap_resolution res;
    etwcap_diag diag;
    assert_int_equal(etwcap_dbghelp_load(d, &img, &res, &diag), ETWCAP_OK);
    assert_int_equal(res, ETWCAP_RES_PDB);
    /* 0 without an error code and no module there (Wine, image refused):
     * reported as a load failure; nothing to unload. */
    F.fail = "SymGetModuleInfoW64";
    F.fail_error = 126;
    memset(&diag, 0, sizeof diag);
    assert_int_equal(etwcap_dbghelp_load(d, &img, &res, &diag), ETWCAP_ERR_IO);
    assert_non_null(strstr(diag.message, "SymLoadModuleExW did not load the image"));
    assert_int_equal(count("SymUnloadModule64"), 0);
    F.fail = NULL;
    etwcap_dbghelp_close(d);
    assert_int_equal(count("SymCleanup"), 1);
}

static void test_lookup(void **state)
{
    (void)state;
    etwcap_dbghelp *d = open_ok("C:\\sym");
    F.sym_name = L"f\u00e9_fn";
    F.sym_addr = 0x7ff612341000ULL;
    char name[64];
    uint64_t disp = 0;
    assert_int_equal(etwcap_dbghelp_lookup(d, 0x7ff612341010ULL, name, sizeof name, &disp), 0);
    assert_string_equal(name, "f\xc3\xa9_fn");
    assert_int_equal(disp, 0x10);
    assert_int_equal(call("SymFromAddrW", 0)->a, 0x7ff612341010ULL);
    /* Cut at a character boundary: "f" and "é" (2 bytes) do not fit in 2. */
    assert_int_equal(etwcap_dbghelp_lookup(d, 0x7ff612341000ULL, name, 3, &disp), 0);
    assert_string_equal(name, "f");
    assert_int_equal(disp, 0);
    /* DbgHelp knows nothing there. */
    assert_int_equal(etwcap_dbghelp_lookup(d, 0x1000, name, sizeof name, &disp), -1);
    assert_string_equal(name, "");
    F.fail = "SymFromAddrW";
    assert_int_equal(etwcap_dbghelp_lookup(d, 0x7ff612341010ULL, name, sizeof name, &disp), -1);
    F.fail = NULL;
    etwcap_dbghelp_close(d);
    assert_int_equal(count("SymCleanup"), 1);
}

/* ---- through the symbolizer, on a trace from the test-trace writer ---- */

static etwcap_state *trace_state(void)
{
    make_image("dbgfake", "dbgfake\\app.exe");
    make_image("dbgfake", "dbgfake\\other.exe");
    make_image("dbgfake", "dbgfake\\stale.dll"); /* not a PE: not the traced build */
    static const char desc[] =
        "trace pointer=8 cpus=1\n"
        "buffer cpu=0\n"
        "process-dcstart ts=100 pid=500 ppid=4 name=app.exe cmdline=app.exe\n"
        "process-dcstart ts=100 pid=600 ppid=4 name=other.exe cmdline=other.exe\n"
        "image-dcstart ts=110 pid=500 base=0x7ff612340000 size=0x2d000 tds=0 "
        "file=\"dbgfake\\app.exe\"\n"
        "image-dcstart ts=111 pid=500 base=0x7ffd4c5a0000 size=0x1f8000 tds=0x8e4a1c2d "
        "file=\"\\Device\\HarddiskVolume9\\gone\\ntdll.dll\"\n"
        "image-id ts=111 base=0x7ffd4c5a0000 size=0x1f8000 tds=0x8e4a1c2d name=ntdll.dll\n"
        "dbgid-rsds ts=111 base=0x7ffd4c5a0000 pdb-guid=a3b2c1d0-e5f4-4a6b-8c7d-9e0f1a2b3c4d "
        "age=1 pdb=ntdll.pdb\n"
        "image-dcstart ts=112 pid=600 base=0x7ff612350000 size=0x10000 tds=0 "
        "file=\"dbgfake\\other.exe\"\n"
        "image-dcstart ts=113 pid=600 base=0x7ff700000000 size=0x10000 tds=0x5eadbeef "
        "file=\"dbgfake\\stale.dll\"\n"
        "clr-method-load ts=120 pid=500 tid=7 method-id=0x10 module-id=0x20 start=0x7ff612341800 "
        "size=0x40 token=0x06000001 method-flags=0x8 namespace=N name=Jitted "
        "signature=\"void ()\"\n";
    char err[256];
    testgen_trace *t = testgen_desc_build(desc, sizeof desc - 1, err, sizeof err);
    if (!t)
        fail_msg("%s", err);
    uint8_t *data = NULL;
    size_t len = 0;
    assert_int_equal(testgen_write_mem(t, &data, &len), 0);
    testgen_free(t);
    etwcap_reader *r = NULL;
    assert_int_equal(etwcap_reader_open_memory(&r, data, len, "fake", NULL, NULL), ETWCAP_OK);
    etwcap_state *st = test_state_from(r);
    free(data);
    return st;
}

static int notes;
static void on_note(const char *message, void *payload)
{
    (void)payload;
    printf("# note: %s\n", message);
    notes++;
}

static void test_symbolizer(void **state)
{
    (void)state;
    etwcap_state *st = trace_state();
    size_t p500 = etwcap_state_find_process(st, 500, 200);
    size_t p600 = etwcap_state_find_process(st, 600, 200);
    assert_true(p500 != SIZE_MAX && p600 != SIZE_MAX);
    etwcap_symbolizer_options o;
    memset(&o, 0, sizeof o);
    o.backend = ETWCAP_SYMBOLIZER_DBGHELP;
    o.search_path = "C:\\sym";
    o.winapi = &T;
    o.note = on_note;
    etwcap_symbolizer *s = NULL;
    etwcap_diag diag;
    assert_int_equal(etwcap_symbolizer_create_opts(&s, st, &o, &diag), ETWCAP_OK);
    assert_wstr(call("SymInitializeW", 0)->s, L"C:\\sym");

    F.sym_name = L"app_main";
    F.sym_addr = 0x7ff612341000ULL;
    etwcap_frame_symbol fs;
    etwcap_symbolize(s, p500, 0x7ff612341010ULL, 200, &fs);
    assert_int_equal(fs.resolution, ETWCAP_RES_DBGHELP);
    assert_string_equal(etwcap_resolution_name(fs.resolution), "dbghelp");
    assert_string_equal(fs.module, "app");
    assert_string_equal(fs.function, "app_main");
    assert_int_equal(fs.offset, 0x10);
    const fake_call *l = call("SymLoadModuleExW", 0);
    assert_wstr(l->s, L"dbgfake\\app.exe");
    assert_int_equal(l->a, 0x7ff612340000ULL);
    assert_int_equal(l->size, 0x2d000);
    assert_wstr(call("SymSetSearchPathW", 0)->s, L"C:\\sym;dbgfake");
    /* Same module again: no second load. DbgHelp knows nothing at this
     * address: module+RVA. */
    etwcap_symbolize(s, p500, 0x7ff612342000ULL, 200, &fs);
    assert_int_equal(count("SymLoadModuleExW"), 1);
    assert_int_equal(fs.resolution, ETWCAP_RES_MODULE);
    assert_int_equal(fs.offset, 0x2000);
    /* A JIT'd method stays ours: DbgHelp is not asked. */
    size_t asked = count("SymFromAddrW");
    etwcap_symbolize(s, p500, 0x7ff612341810ULL, 200, &fs);
    assert_int_equal(fs.resolution, ETWCAP_RES_CLR);
    assert_string_equal(fs.function, "N.Jitted");
    assert_int_equal(count("SymFromAddrW"), asked);

    /* An image that is not on this machine: its name and the trace's RSDS
     * identity; exports only. */
    F.type = SymExport;
    F.sym_name = L"NtWaitForSingleObject";
    F.sym_addr = 0x7ffd4c5a2000ULL;
    etwcap_symbolize(s, p500, 0x7ffd4c5a2004ULL, 200, &fs);
    l = call("SymLoadModuleExW", 1);
    assert_wstr(l->s, L"ntdll.dll");
    assert_int_equal(l->has_data, 1);
    assert_int_equal(l->ssig, DBHHEADER_CVMISC);
    assert_int_equal(fs.resolution, ETWCAP_RES_DBGHELP);
    assert_string_equal(fs.function, "NtWaitForSingleObject");
    assert_int_equal(fs.offset, 4);

    /* Another process maps another image over app.exe's range: it goes to
     * a free range, and the address is moved with it. */
    F.type = SymPdb;
    F.sym_name = L"other_fn";
    F.sym_addr = 0x4000000000000000ULL + 0x100;
    etwcap_symbolize(s, p600, 0x7ff612350120ULL, 200, &fs);
    l = call("SymLoadModuleExW", 2);
    assert_wstr(l->s, L"dbgfake\\other.exe");
    assert_int_equal(l->a, 0x4000000000000000ULL);
    assert_int_equal(fs.resolution, ETWCAP_RES_DBGHELP);
    assert_string_equal(fs.function, "other_fn");
    assert_int_equal(fs.offset, 0x20);

    /* A file at the traced path that is not the traced build (here: not
     * even a PE) is not given to DbgHelp: the bare name and the trace's
     * identity instead (no RSDS in this trace: no MODLOAD_DATA either). */
    etwcap_symbolize(s, p600, 0x7ff700000010ULL, 200, &fs);
    l = call("SymLoadModuleExW", 3);
    assert_wstr(l->s, L"stale.dll");
    assert_int_equal(l->has_data, 0);
    assert_wstr(call("SymSetSearchPathW", 3)->s, L"C:\\sym");

    etwcap_symbolizer_free(s);
    assert_int_equal(count("SymCleanup"), 1);
    etwcap_state_free(st);
}

static void test_symbolizer_failures(void **state)
{
    (void)state;
    etwcap_state *st = trace_state();
    size_t p500 = etwcap_state_find_process(st, 500, 200);
    etwcap_symbolizer_options o;
    memset(&o, 0, sizeof o);
    o.backend = ETWCAP_SYMBOLIZER_DBGHELP;
    o.winapi = &T;
    o.note = on_note;
    /* DbgHelp cannot start: an error saying so, no symbolizer. */
    F.fail = "SymInitializeW";
    F.fail_error = 1450;
    etwcap_symbolizer *s = (etwcap_symbolizer *)&s;
    etwcap_diag diag;
    memset(&diag, 0, sizeof diag);
    assert_int_equal(etwcap_symbolizer_create_opts(&s, st, &o, &diag), ETWCAP_ERR);
    assert_null(s);
    assert_non_null(strstr(diag.message, "SymInitializeW failed (error 1450)"));
    assert_int_equal(count("SymCleanup"), 0);
    /* A module DbgHelp cannot load: one note, then module+RVA, and the
     * failure is remembered (no second attempt). */
    reset(NULL);
    assert_int_equal(etwcap_symbolizer_create_opts(&s, st, &o, &diag), ETWCAP_OK);
    F.fail = "SymLoadModuleExW";
    F.fail_error = 2;
    notes = 0;
    etwcap_frame_symbol fs;
    etwcap_symbolize(s, p500, 0x7ff612341010ULL, 200, &fs);
    etwcap_symbolize(s, p500, 0x7ff612341020ULL, 200, &fs);
    assert_int_equal(notes, 1);
    assert_int_equal(count("SymLoadModuleExW"), 1);
    assert_int_equal(count("SymFromAddrW"), 0);
    assert_int_equal(fs.resolution, ETWCAP_RES_MODULE);
    assert_string_equal(fs.module, "app");
    assert_int_equal(fs.offset, 0x1020);
    F.fail = NULL;
    etwcap_symbolizer_free(s);
    assert_int_equal(count("SymCleanup"), 1);
    etwcap_state_free(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_backend_names),
        cmocka_unit_test_setup(test_open_explicit_path, reset),
        cmocka_unit_test_setup(test_open_nt_symbol_path, reset),
        cmocka_unit_test_setup(test_open_fails, reset),
        cmocka_unit_test_setup(test_load_present_image, reset),
        cmocka_unit_test_setup(test_load_absent_image_cv, reset),
        cmocka_unit_test_setup(test_load_failures, reset),
        cmocka_unit_test_setup(test_lookup, reset),
        cmocka_unit_test_setup(test_symbolizer, reset),
        cmocka_unit_test_setup(test_symbolizer_failures, reset),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

#endif /* _WIN32 */
