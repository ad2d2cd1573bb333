/* test_pe_pdb.c - PE reader, MSF/PDB reader and lookups (src/lib/symbol/,
 * etl-format.md §5).
 *
 * Real files: the corpus' crash.exe + crash.pdb (MSVC, x86 PE32 although
 * the corpus README says x64), checked against values measured with
 * llvm-readobj-14, llvm-pdbutil-14 and llvm-symbolizer-14 (ImageBase
 * 0x400000). Synthetic files built here: a PE32+ with exports, forwarders and
 * RSDS; a PDB with S_*PROC32_ID records, publics, section headers and OMAP.
 * Hostile variants of all of them must fail cleanly (run under ASan).
 */
#include "splitmix64.h"
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/bytes.h"
#include "etwcap/symbol.h"

/* ---- helpers ---------------------------------------------------------- */

typedef struct blob {
    uint8_t *p;
    size_t n;
} blob;

static const char *corpus_or_skip(const char *rel)
{
    const char *p = test_corpus_path(rel);
    if (!p) {
        printf("SKIP: corpus file %s not found (set ETWCAP_CORPUS to ../shared/corpus)\n", rel);
        skip();
    }
    return p;
}

static blob load(const char *rel)
{
    blob b;
    char path[4096];
    snprintf(path, sizeof path, "%s", corpus_or_skip(rel));
    b.p = test_read_file(path, &b.n);
    if (!b.p || b.n == 0)
        test_fail("cannot read %s, or it is empty", path);
    return b;
}

/* Open in memory; on failure the diagnostic must be filled in. Returns the
 * status and closes the object. */
static etwcap_status try_pe(const uint8_t *p, size_t n)
{
    etwcap_pe *pe = NULL;
    etwcap_diag d;
    memset(&d, 0, sizeof d);
    etwcap_status st = etwcap_pe_open_memory(&pe, p, n, "t", &d);
    if (st == ETWCAP_OK) {
        assert_non_null(pe);
        const char *name;
        uint32_t off;
        for (uint32_t r = 0; r < 0x10000; r += 0x101)
            (void)etwcap_pe_export_lookup(pe, r, &name, &off);
    } else {
        assert_true(st < 0);
        assert_null(pe);
        assert_true(d.message[0] != '\0');
    }
    etwcap_pe_close(pe);
    return st;
}

static etwcap_status try_pdb(const uint8_t *p, size_t n, etwcap_diag *dout)
{
    etwcap_pdb *pdb = NULL;
    etwcap_diag d;
    memset(&d, 0, sizeof d);
    etwcap_status st = etwcap_pdb_open_memory(&pdb, p, n, "t", &d);
    if (st == ETWCAP_OK) {
        etwcap_pdb_symbol s;
        for (uint32_t r = 0; r < 0x10000; r += 0x33)
            (void)etwcap_pdb_lookup_symbol(pdb, r, &s);
    } else {
        assert_true(st < 0);
        assert_null(pdb);
        assert_true(d.message[0] != '\0');
    }
    etwcap_pdb_close(pdb);
    if (dout)
        *dout = d;
    return st;
}

/* ---- crash.exe / crash.pdb -------------------------------------------- */

static const etwcap_guid crash_guid = {
    0x3249D99D, 0x0C40, 0x4931, {0x86, 0x10, 0xF4, 0xE4, 0xFB, 0x0B, 0x69, 0x36}};

static void test_crash_pe_identity(void **state)
{
    (void)state;
    etwcap_pe *pe = NULL;
    etwcap_diag d;
    assert_int_equal(etwcap_pe_open(&pe, corpus_or_skip("pe/getsentry_symbolic/crash.exe"), &d),
                     ETWCAP_OK);
    const etwcap_pe_identity *id = etwcap_pe_identity_get(pe);
    assert_int_equal(id->machine, 0x14C); /* llvm-readobj-14 --file-headers */
    assert_int_equal(id->is_pe32_plus, 0);
    assert_int_equal(id->time_date_stamp, 0x5AB38077);
    assert_int_equal(id->size_of_image, 0x9000);
    assert_int_equal(id->image_base, 0x400000);
    assert_int_equal(id->has_rsds, 1); /* llvm-readobj-14 --coff-debug-directory */
    assert_true(etwcap_guid_equal(&id->pdb_guid, &crash_guid));
    assert_int_equal(id->pdb_age, 1);
    assert_string_equal(id->pdb_name, "C:\\projects\\breakpad-tools\\windows\\Release\\crash.pdb");
    assert_int_equal(etwcap_pe_section_count(pe), 5);
    const etwcap_pe_section *s = etwcap_pe_section_at(pe, 1);
    assert_string_equal(s->name, ".rdata");
    assert_int_equal(s->virtual_address, 0x4000);
    assert_int_equal(s->virtual_size, 0x175E);
    assert_int_equal(s->raw_offset, 0x2E00);
    assert_null(etwcap_pe_section_at(pe, 5));
    uint64_t off;
    assert_int_equal(etwcap_pe_rva_to_offset(pe, 0x1000, &off), 0);
    assert_int_equal(off, 0x400);
    assert_int_equal(etwcap_pe_rva_to_offset(pe, 0x4710, &off), 0);
    assert_int_equal(off, 0x2E00 + 0x710);
    assert_int_equal(etwcap_pe_rva_to_offset(pe, 0x10, &off), 0); /* headers */
    assert_int_equal(off, 0x10);
    assert_int_not_equal(etwcap_pe_rva_to_offset(pe, 0x6300, &off), 0); /* .data past raw */
    assert_int_not_equal(etwcap_pe_rva_to_offset(pe, 0x20000, &off), 0);
    assert_int_equal(etwcap_pe_export_count(pe), 0);
    const char *name;
    assert_int_not_equal(etwcap_pe_export_lookup(pe, 0x1000, &name, NULL), 0);
    etwcap_pe_close(pe);
}

/* llvm-symbolizer-14 --obj=crash.exe --no-demangle --no-inlines 0x400000+rva,
 * with --functions=short (`name`) and --functions=linkage (`linkage`). */
static const struct {
    uint32_t rva, off;
    const char *name, *linkage;
} crash_expect[] = {
    {0x1000, 0x0, "google_breakpad::CrashGenerationClient::RequestDump",
     "?RequestDump@CrashGenerationClient@google_breakpad@@QAE_NPAU_EXCEPTION_POINTERS@@"
     "PAUMDRawAssertionInfo@@@Z"},
    {0x108a, 0x8a, "google_breakpad::CrashGenerationClient::RequestDump",
     "?RequestDump@CrashGenerationClient@google_breakpad@@QAE_NPAU_EXCEPTION_POINTERS@@"
     "PAUMDRawAssertionInfo@@@Z"},
    {0x2000, 0x110, "google_breakpad::ExceptionHandler::HandlePureVirtualCall",
     "?HandlePureVirtualCall@ExceptionHandler@google_breakpad@@CAXXZ"},
    {0x28e9, 0x19, "`anonymous namespace'::callback", "`anonymous namespace'::callback"},
    {0x2be0, 0x0, "pre_c_initialization", "pre_c_initialization"}, /* S_LPROC32 */
    {0x2c88, 0x4, "post_pgo_initialization", "post_pgo_initialization"},
    {0x2e15, 0x0, "mainCRTStartup", "_mainCRTStartup"},
    {0x2e31, 0xd, "std::bad_alloc::bad_alloc", "??0bad_alloc@std@@QAE@ABV01@@Z"},
    {0x3000, 0x13, "__scrt_initialize_onexit_tables", "___scrt_initialize_onexit_tables"},
    {0x30f0, 0x59, "__scrt_is_nonwritable_in_current_image",
     "___scrt_is_nonwritable_in_current_image"},
    {0x326a, 0x1, "_should_initialize_environment", "__should_initialize_environment"},
    {0x3493, 0x15, "_RTC_Initialize", "__RTC_Initialize"},
    {0x364d, 0xcc, "__isa_available_init", "___isa_available_init"},
    {0x3720, 0x6, "__scrt_is_ucrt_dll_in_use", "___scrt_is_ucrt_dll_in_use"},
};

static void test_crash_pdb(void **state)
{
    (void)state;
    etwcap_pdb *pdb = NULL;
    etwcap_pe *pe = NULL;
    etwcap_diag d;
    assert_int_equal(etwcap_pdb_open(&pdb, corpus_or_skip("pe/getsentry_symbolic/crash.pdb"), &d),
                     ETWCAP_OK);
    assert_int_equal(etwcap_pe_open(&pe, corpus_or_skip("pe/getsentry_symbolic/crash.exe"), &d),
                     ETWCAP_OK);
    const etwcap_pdb_identity *id = etwcap_pdb_identity_get(pdb);
    assert_true(etwcap_guid_equal(&id->guid, &crash_guid)); /* llvm-pdbutil-14 dump -summary */
    assert_int_equal(id->age, 1);
    assert_int_equal(id->info_age, 1);
    assert_int_equal(id->signature, 1521713271u);
    assert_true(etwcap_pdb_matches(pdb, etwcap_pe_identity_get(pe)));
    /* dump -symbols: 96 S_GPROC32 + 7 S_LPROC32; dump -publics: 339 S_PUB32,
     * 9 of them in segment 6, which has no section header. */
    assert_int_equal(etwcap_pdb_procedure_count(pdb), 103);
    assert_int_equal(etwcap_pdb_public_count(pdb), 330);
    for (size_t i = 0; i < sizeof crash_expect / sizeof crash_expect[0]; i++) {
        etwcap_pdb_symbol s;
        assert_int_equal(etwcap_pdb_lookup_symbol(pdb, crash_expect[i].rva, &s), 0);
        assert_string_equal(s.name, crash_expect[i].name);
        assert_string_equal(s.linkage ? s.linkage : s.name, crash_expect[i].linkage);
        assert_int_equal(crash_expect[i].rva - s.start, crash_expect[i].off);
        assert_int_equal(s.is_public, 0);
        const char *name;
        uint32_t off;
        assert_int_equal(etwcap_pdb_lookup(pdb, crash_expect[i].rva, &name, &off), 0);
        assert_string_equal(name, crash_expect[i].name);
        assert_int_equal(off, crash_expect[i].off);
    }
    /* No procedure: import thunks and memcpy resolve to the public symbol,
     * as llvm-symbolizer --functions=linkage does. */
    etwcap_pdb_symbol s;
    assert_int_equal(etwcap_pdb_lookup_symbol(pdb, 0x37ee, &s), 0);
    assert_string_equal(s.name, "_IsProcessorFeaturePresent@4");
    assert_int_equal(s.is_public, 1);
    assert_int_equal(0x37ee - s.start, 2);
    assert_int_equal(etwcap_pdb_lookup_symbol(pdb, 0x391a, &s), 0);
    assert_string_equal(s.name, "_memcpy");
    assert_int_equal(0x391a - s.start, 0x128);
    /* Before .text, and in .rdata (data publics are not functions). */
    assert_int_not_equal(etwcap_pdb_lookup_symbol(pdb, 0xfff, &s), 0);
    assert_int_not_equal(etwcap_pdb_lookup_symbol(pdb, 0x4100, &s), 0);
    etwcap_pdb_close(pdb);
    etwcap_pe_close(pe);
}

/* ---- synthetic PE32+ -------------------------------------------------- */

static void put_str(uint8_t *p, const char *s)
{
    memcpy(p, s, strlen(s) + 1);
}

/* A PE32+ DLL: one section .text (RVA 0x1000, file 0x200, 0x1000 bytes) with
 * exports alpha 0x1100, beta 0x1200, a forwarder and an ordinal-only export
 * 0x1300 (ordinal 8), and an RSDS record. */
static blob make_pe(void)
{
    /* File offsets: COFF header 0x44, optional header 0x58 (ImageBase 0x70,
     * SizeOfImage 0x90, directories 0xC8 export, 0xF8 debug), section header
     * 0x148. RVA r of .text is at file offset r - 0xE00: export directory
     * 0xA00, functions 0xA40, name RVAs 0xA60, ordinals 0xA70, debug directory
     * 0xB00, RSDS 0xB20. */
    static const uint32_t w32[] = {0x3C,  0x40,        0x48,  0x12345678,  0x70,  0x80000000u,
                                   0x74,  1,           0x90,  0x2000,      0x94,  0x200,
                                   0xC4,  16,          0xC8,  0x1800,      0xCC,  0x100,
                                   0xF8,  0x1900,      0xFC,  28,          0x150, 0x1000,
                                   0x154, 0x1000,      0x158, 0x1000,      0x15C, 0x200,
                                   0xA0C, 0x18F0,      0xA10, 5,           0xA14, 4,
                                   0xA18, 3,           0xA1C, 0x1840,      0xA20, 0x1860,
                                   0xA24, 0x1870,      0xA40, 0x1200,      0xA44, 0x1100,
                                   0xA48, 0x1830,      0xA4C, 0x1300,      0xA60, 0x1880,
                                   0xA64, 0x1888,      0xA68, 0x1890,      0xB0C, 2,
                                   0xB10, 24 + 10,     0xB14, 0x1920,      0xB18, 0xB20,
                                   0xB20, 0x53445352u, 0xB24, 0xA3A2A1A0u, 0xB28, 0xA7A6A5A4u,
                                   0xB2C, 0xABAAA9A8u, 0xB30, 0xAFAEADACu, 0xB34, 7};
    static const uint16_t w16[] = {0x44,  0x8664, 0x46, 1,     0x54, 0xF0,  0x58,
                                   0x20B, 0xA70,  1,    0xA72, 0,    0xA74, 2};
    static const struct {
        uint32_t at;
        const char *s;
    } str[] = {{0, "MZ"},           {0x40, "PE"},   {0x148, ".text"},      {0xA80, "alpha"},
               {0xA88, "beta"},     {0xA90, "fwd"}, {0xA30, "OTHER.func"}, {0xAF0, "synth.dll"},
               {0xB38, "synth.pdb"}};
    blob b = {calloc(1, 0x1200), 0x1200};
    assert_non_null(b.p);
    for (size_t i = 0; i < sizeof w32 / sizeof w32[0]; i += 2) /* {offset, value} pairs */
        etwcap_wr32(b.p + w32[i], w32[i + 1]);
    for (size_t i = 0; i < sizeof w16 / sizeof w16[0]; i += 2)
        etwcap_wr16(b.p + w16[i], w16[i + 1]);
    for (size_t i = 0; i < sizeof str / sizeof str[0]; i++)
        put_str(b.p + str[i].at, str[i].s);
    return b;
}

static void test_synthetic_pe(void **state)
{
    (void)state;
    blob b = make_pe();
    etwcap_pe *pe = NULL;
    etwcap_diag d;
    if (etwcap_pe_open_memory(&pe, b.p, b.n, "synth.dll", &d) != ETWCAP_OK)
        fail_msg("%s at %llu", d.message, (unsigned long long)d.offset);
    const etwcap_pe_identity *id = etwcap_pe_identity_get(pe);
    assert_int_equal(id->machine, 0x8664);
    assert_int_equal(id->is_pe32_plus, 1);
    assert_int_equal(id->image_base, 0x180000000ull);
    assert_int_equal(id->size_of_image, 0x2000);
    assert_int_equal(id->has_rsds, 1);
    assert_int_equal(id->pdb_guid.data1, 0xA3A2A1A0u);
    assert_int_equal(id->pdb_guid.data2, 0xA5A4);
    assert_int_equal(id->pdb_guid.data4[7], 0xAF);
    assert_int_equal(id->pdb_age, 7);
    assert_string_equal(id->pdb_name, "synth.pdb");
    assert_int_equal(etwcap_pe_export_count(pe), 3); /* the forwarder is skipped */
    static const struct {
        const char *name;
        uint32_t rva;
        uint32_t off;
    } want[] = {{"alpha", 0x1100, 0},    {"alpha", 0x11ff, 0xff},     {"beta", 0x1250, 0x50},
                {"Ordinal8", 0x1300, 0}, {"Ordinal8", 0x1fff, 0xcff}, {"Ordinal8", 0x1815, 0x515}};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        const char *name = NULL;
        uint32_t off = 0;
        assert_int_equal(etwcap_pe_export_lookup(pe, want[i].rva, &name, &off), 0);
        assert_string_equal(name, want[i].name);
        assert_int_equal(off, want[i].off);
    }
    const char *name;
    assert_int_not_equal(etwcap_pe_export_lookup(pe, 0x10ff, &name, NULL), 0); /* before */
    assert_int_not_equal(etwcap_pe_export_lookup(pe, 0x2000, &name, NULL), 0); /* no section */
    assert_int_not_equal(etwcap_pe_export_lookup(pe, 0x100, &name, NULL), 0);  /* headers */
    etwcap_pe_close(pe);
    free(b.p);
}

static void test_hostile_pe(void **state)
{
    (void)state;
    blob b = make_pe();
    uint8_t *c = malloc(b.n);
    assert_non_null(c);
    /* Every truncation. */
    size_t ok = 0;
    for (size_t n = 0; n <= b.n; n++)
        ok += try_pe(b.p, n) == ETWCAP_OK;
    assert_true(ok > 0 && ok < b.n);
    /* Huge or wrong counts: each fails cleanly without a huge allocation. */
    static const uint32_t bad[][2] = {{0x3C, 0xFFFFFFF0u},  /* e_lfanew */
                                      {0x46, 0xFFFF},       /* NumberOfSections */
                                      {0x54, 0},            /* SizeOfOptionalHeader */
                                      {0x58, 0x30B},        /* optional header magic */
                                      {0xA14, 0x40000000u}, /* NumberOfFunctions */
                                      {0xA18, 0x3FFFFFFFu}, /* NumberOfNames */
                                      {0xA1C, 0x7FFFFFF0u}, /* AddressOfFunctions */
                                      {0xA60, 0x1FFE},      /* a name RVA at the end of the file */
                                      {0xA60, 0x9000},      /* a name RVA outside the file */
                                      {0xC8, 0xFFFFFFF0u},  /* export directory RVA */
                                      {0xF8, 0x1FF0},       /* debug directory RVA at the end */
                                      {0xFC, 0xFFFFFFFFu}}; /* debug directory size */
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        memcpy(c, b.p, b.n);
        etwcap_wr32(c + bad[i][0], bad[i][1]);
        etwcap_status st = try_pe(c, b.n);
        if (i != 7) /* a name at the very end is cut, not an error */
            assert_int_not_equal(st, ETWCAP_OK);
    }
    /* Random byte changes in the headers and the export data. */
    uint64_t rng = 12345;
    for (int i = 0; i < 4000; i++) {
        memcpy(c, b.p, b.n);
        for (int k = 0; k < 1 + i % 4; k++) {
            size_t at =
                i % 2 ? test_splitmix64(&rng) % 0x240 : 0xA00 + test_splitmix64(&rng) % 0x140;
            c[at] = (uint8_t)test_splitmix64(&rng);
        }
        try_pe(c, b.n);
    }
    free(c);
    free(b.p);
}

static void test_hostile_crash_exe(void **state)
{
    (void)state;
    blob b = load("pe/getsentry_symbolic/crash.exe");
    for (size_t n = 0; n < 0x800; n++)
        try_pe(b.p, n);
    for (size_t n = 0x800; n <= b.n; n += 97)
        try_pe(b.p, n);
    uint8_t *c = malloc(b.n);
    assert_non_null(c);
    uint64_t rng = 777;
    for (int i = 0; i < 3000; i++) {
        memcpy(c, b.p, b.n);
        size_t at =
            i % 3 ? test_splitmix64(&rng) % 0x400 : 0x2E00 + 0x710 + test_splitmix64(&rng) % 0x100;
        c[at] = (uint8_t)test_splitmix64(&rng);
        try_pe(c, b.n);
    }
    free(c);
    free(b.p);
}

/* ---- synthetic MSF / PDB ---------------------------------------------- */

#define BS 512u
#define NIL ((size_t)-1)

/* MSF 7.0 (§5.4): block 0 superblock, 1-2 free block map, 3 block map, then
 * the directory, then stream blocks handed out from the end backwards. */
static blob make_msf(const blob *st, uint32_t ns)
{
    uint32_t nsb = 0;
    for (uint32_t i = 0; i < ns; i++)
        nsb += st[i].n == NIL ? 0 : (uint32_t)((st[i].n + BS - 1) / BS);
    uint32_t dir_bytes = 4 + 4 * ns + 4 * nsb, ndir = (dir_bytes + BS - 1) / BS;
    uint32_t total = 4 + ndir + nsb, next = total;
    blob b = {calloc(total, BS), (size_t)total * BS};
    assert_non_null(b.p);
    static const char magic[32] = "Microsoft C/C++ MSF 7.00\r\n\x1a"
                                  "DS\0\0\0";
    memcpy(b.p, magic, sizeof magic);
    etwcap_wr32(b.p + 0x20, BS);
    etwcap_wr32(b.p + 0x24, 1);
    etwcap_wr32(b.p + 0x28, total);
    etwcap_wr32(b.p + 0x2C, dir_bytes);
    etwcap_wr32(b.p + 0x34, 3);
    uint8_t *dir = calloc(ndir, BS);
    assert_non_null(dir);
    etwcap_wr32(dir, ns);
    uint32_t k = 4 + 4 * ns;
    for (uint32_t i = 0; i < ns; i++) {
        etwcap_wr32(dir + 4 + (size_t)4 * i, st[i].n == NIL ? 0xFFFFFFFFu : (uint32_t)st[i].n);
        for (size_t o = 0; st[i].n != NIL && o < st[i].n; o += BS, k += 4) {
            etwcap_wr32(dir + k, --next);
            size_t m = st[i].n - o < BS ? st[i].n - o : BS;
            memcpy(b.p + (size_t)next * BS, st[i].p + o, m);
        }
    }
    for (uint32_t i = 0; i < ndir; i++) {
        etwcap_wr32(b.p + (size_t)3 * BS + (size_t)4 * i, 4 + i);
        memcpy(b.p + (size_t)(4 + i) * BS, dir + (size_t)i * BS, BS);
    }
    free(dir);
    return b;
}

static size_t put_rec(uint8_t *p, uint16_t kind, const uint8_t *body, size_t n, const char *name)
{
    size_t len = 4 + n + strlen(name) + 1, pad = (4 - len % 4) % 4;
    memset(p, 0, len + pad);
    etwcap_wr16(p, (uint16_t)(len + pad - 2));
    etwcap_wr16(p + 2, kind);
    memcpy(p + 4, body, n);
    put_str(p + 4 + n, name);
    return len + pad;
}

static size_t put_proc(uint8_t *p, uint16_t kind, uint16_t seg, uint32_t off, uint32_t size,
                       const char *name)
{
    uint8_t body[0x23] = {0};
    etwcap_wr32(body + 0x0C, size);
    etwcap_wr32(body + 0x1C, off);
    etwcap_wr16(body + 0x20, seg);
    size_t n = put_rec(p, kind, body, sizeof body, name);
    etwcap_wr16(p + n, 2); /* S_END */
    etwcap_wr16(p + n + 2, 0x0006);
    return n + 4;
}

static size_t put_pub(uint8_t *p, uint32_t flags, uint16_t seg, uint32_t off, const char *name)
{
    uint8_t body[10];
    etwcap_wr32(body, flags);
    etwcap_wr32(body + 4, off);
    etwcap_wr16(body + 8, seg);
    return put_rec(p, 0x110E, body, sizeof body, name);
}

static void put_section(uint8_t *p, const char *name, uint32_t va, uint32_t size)
{
    memcpy(p, name, strnlen(name, 8)); /* 8 bytes, NUL-padded, not terminated */
    etwcap_wr32(p + 8, size);
    etwcap_wr32(p + 12, va);
    etwcap_wr32(p + 16, size);
}

static const etwcap_guid synth_guid = {0xDEADBEEF, 0x1234, 0x5678, {1, 2, 3, 4, 5, 6, 7, 8}};

/* Streams: 1 info, 3 DBI, 4 symbol records, 5 module, 6 section headers,
 * 7 OMAP from source, 8 original section headers, 9 `pad` zero bytes (or nil
 * for NIL; a large one makes the stream directory span several blocks). */
/* Slots of the DBI optional debug header used here (etl-format.md §5.6). */
enum {
    DBG_OMAP_FROM_SRC = 4,
    DBG_SECTION_HDR = 5,
    DBG_SECTION_HDR_ORIG = 10
};

static blob make_pdb(int with_omap, size_t pad)
{
    static uint8_t info[28], dbi[64 + 144 + 22], sym[256], mod[512], sh[80], osh[80], omap[24];
    uint8_t *padding = calloc(pad == NIL ? 1 : pad, 1);
    assert_non_null(padding);
    blob st[10] = {{NULL, 0}, {info, 28}, {NULL, 0},  {dbi, sizeof dbi}, {sym, 0},
                   {mod, 0},  {sh, 80},   {omap, 24}, {osh, 80},         {padding, pad}};
    etwcap_wr32(info, 20000404);
    etwcap_wr32(info + 4, 0x11223344);
    etwcap_wr32(info + 8, 3);
    etwcap_wr32(info + 12, synth_guid.data1);
    etwcap_wr16(info + 16, synth_guid.data2);
    etwcap_wr16(info + 18, synth_guid.data3);
    memcpy(info + 20, synth_guid.data4, 8);
    size_t n = put_pub(sym, 2, 1, 0x10, "_fid");
    n += put_pub(sym + n, 2, 1, 0x100, "_pubonly");
    n += put_pub(sym + n, 0, 1, 0x180, "_data");
    n += put_pub(sym + n, 2, 1, 0x10, "_aaa");
    n += put_pub(sym + n, 1, 2, 0x10, "_g2");
    st[4].n = n;
    etwcap_wr32(mod, 4);
    n = 4 + put_proc(mod + 4, 0x1147, 1, 0x10, 0x20, "fid");
    n += put_proc(mod + n, 0x1146, 1, 0x40, 0x10, "lid");
    n += put_proc(mod + n, 0x1110, 2, 0x10, 0x30, "g2");
    n += put_proc(mod + n, 0x110F, 1, 0x60, 0, "zero");
    n += put_proc(mod + n, 0x1110, 9, 0x10, 0x30, "bad_seg");
    n += put_proc(mod + n, 0x110F, 1, 0x200, 0x100, "outer");
    n += put_proc(mod + n, 0x110F, 1, 0x220, 0x10, "inner");
    st[5].n = n;
    memset(dbi, 0, sizeof dbi);
    etwcap_wr32(dbi, 0xFFFFFFFFu);
    etwcap_wr32(dbi + 4, 19990903);
    etwcap_wr32(dbi + 8, 2);
    etwcap_wr16(dbi + 0x14, 4);
    etwcap_wr32(dbi + 0x18, 144);
    etwcap_wr32(dbi + 0x30, 22);
    uint8_t *mi = dbi + 64;
    etwcap_wr16(mi + 34, 5);
    etwcap_wr32(mi + 36, (uint32_t)n);
    put_str(mi + 64, "mod.obj");
    etwcap_wr16(mi + 72 + 34, 0xFFFF);
    put_str(mi + 72 + 64, "none");
    /* The optional debug header: 11 stream numbers (u16), 0xFFFF = none. */
    uint8_t *dbg = dbi + 64 + 144;
    for (size_t i = 0; i < 11; i++)
        etwcap_wr16(dbg + 2 * i, 0xFFFF);
    etwcap_wr16(dbg + 2 * (size_t)DBG_OMAP_FROM_SRC, with_omap ? 7 : 0xFFFF);
    etwcap_wr16(dbg + 2 * (size_t)DBG_SECTION_HDR, 6);
    etwcap_wr16(dbg + 2 * (size_t)DBG_SECTION_HDR_ORIG, 8);
    memset(sh, 0, sizeof sh);
    memset(osh, 0, sizeof osh);
    put_section(sh, ".text", 0x1000, 0x1000);
    put_section(sh + 40, ".text2", 0x3000, 0x1000);
    put_section(osh, ".text", 0x1000, 0x1000);
    put_section(osh + 40, ".text2", 0x2000, 0x1000);
    uint32_t om[6] = {0x1000, 0x1000, 0x2000, 0x3800, 0x2100, 0};
    for (size_t i = 0; i < 6; i++)
        etwcap_wr32(omap + 4 * i, om[i]);
    blob b = make_msf(st, 10);
    free(padding);
    return b;
}

static void expect_sym(const etwcap_pdb *pdb, uint32_t rva, const char *name, const char *linkage,
                       uint32_t off, int is_public)
{
    etwcap_pdb_symbol s;
    if (!name) {
        if (etwcap_pdb_lookup_symbol(pdb, rva, &s) == 0)
            fail_msg("0x%x: expected nothing, found %s", (unsigned)rva, s.name);
        return;
    }
    assert_int_equal(etwcap_pdb_lookup_symbol(pdb, rva, &s), 0);
    assert_string_equal(s.name, name);
    if (linkage)
        assert_string_equal(s.linkage, linkage);
    else
        assert_null(s.linkage);
    assert_int_equal(rva - s.start, off);
    assert_int_equal(s.is_public, is_public);
}

static void test_synthetic_pdb(void **state)
{
    (void)state;
    for (int omap = 0; omap < 2; omap++) {
        blob b = make_pdb(omap, NIL);
        etwcap_pdb *pdb = NULL;
        etwcap_diag d;
        if (etwcap_pdb_open_memory(&pdb, b.p, b.n, "synth.pdb", &d) != ETWCAP_OK)
            fail_msg("%s at %llu", d.message, (unsigned long long)d.offset);
        const etwcap_pdb_identity *id = etwcap_pdb_identity_get(pdb);
        assert_true(etwcap_guid_equal(&id->guid, &synth_guid));
        assert_int_equal(id->age, 2); /* DBI age */
        assert_int_equal(id->info_age, 3);
        assert_int_equal(id->signature, 0x11223344);
        etwcap_pe_identity img;
        memset(&img, 0, sizeof img);
        img.has_rsds = 1;
        img.pdb_guid = synth_guid;
        img.pdb_age = 2;
        assert_true(etwcap_pdb_matches(pdb, &img));
        img.pdb_age = 3;
        assert_false(etwcap_pdb_matches(pdb, &img));
        assert_int_equal(etwcap_pdb_procedure_count(pdb), 6);
        assert_int_equal(etwcap_pdb_public_count(pdb), 5);
        expect_sym(pdb, 0x1010, "fid", "_fid", 0, 0); /* the last of two names */
        expect_sym(pdb, 0x102f, "fid", "_fid", 0x1f, 0);
        expect_sym(pdb, 0x1030, "_fid", "_fid", 0x20, 1);
        expect_sym(pdb, 0x1045, "lid", NULL, 5, 0);
        expect_sym(pdb, 0x1060, "_fid", "_fid", 0x50, 1); /* CodeSize 0 holds nothing */
        expect_sym(pdb, 0x1105, "_pubonly", "_pubonly", 5, 1);
        expect_sym(pdb, 0x1190, "_pubonly", "_pubonly", 0x90, 1); /* not the data public */
        expect_sym(pdb, 0x1225, "inner", NULL, 5, 0);
        expect_sym(pdb, 0x1235, "outer", NULL, 0x35, 0);
        expect_sym(pdb, 0x500, NULL, NULL, 0, 0);
        /* .text2: seg 2 off 0x10 is 0x3010 by the section headers, 0x3810 through
         * the original headers and OMAP (§5.8). */
        uint32_t g2 = omap ? 0x3810 : 0x3010;
        expect_sym(pdb, g2 + 5, "g2", "_g2", 5, 0);
        if (omap)
            expect_sym(pdb, 0x3015, NULL, NULL, 0, 0); /* nothing below in .text2 */
        else
            expect_sym(pdb, 0x3815, "_g2", "_g2", 0x805, 1);
        etwcap_pdb_close(pdb);
        free(b.p);
    }
}

static void test_hostile_pdb(void **state)
{
    (void)state;
    blob b = make_pdb(1, NIL);
    blob c = {malloc(b.n), b.n};
    assert_non_null(c.p);
    etwcap_diag d;
    for (size_t n = 0; n < b.n; n++)
        assert_int_not_equal(try_pdb(b.p, n, NULL), ETWCAP_OK);
    assert_int_equal(try_pdb(b.p, b.n, NULL), ETWCAP_OK);
    uint32_t nblocks = (uint32_t)(b.n / BS), dir = 4 * BS;
    uint32_t sz3 = dir + 4 + 4 * 3, list = dir + 4 + 4 * 10; /* stream 3 size; block lists */
    const struct {
        uint32_t at, v;
        const char *want;
    } cases[] = {{0x20, 0, "block size"},
                 {0x20, 3000, "block size"},
                 {0x20, 1u << 20, "block size"},
                 {0x24, 7, "FreeBlockMapBlock"},
                 {0x28, 0xFFFFFFFFu, "NumBlocks"},
                 {0x2C, 0, "NumDirectoryBytes"},
                 {0x2C, 0x7FFFFFFFu, "NumDirectoryBytes"},
                 {0x34, nblocks, "outside"},
                 {3 * BS, nblocks + 5, "outside"},
                 {3 * BS, 3, "already in use"},
                 {3 * BS, 0, "outside"},
                 {dir, 0x7FFFFFFFu, "NumStreams"},
                 {sz3, 0x7FFFFFF0u, "directory bytes"},
                 {list + 4, 4, "already in use"},
                 {list, 0xFFFFFF00u, "outside"},
                 {etwcap_rd32(b.p + list + 8) * BS, 0xFFF0, "length"}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        memcpy(c.p, b.p, b.n);
        etwcap_wr32(c.p + cases[i].at, cases[i].v); /* the last: a record length (stream 4) */
        assert_int_not_equal(try_pdb(c.p, c.n, &d), ETWCAP_OK);
        if (!strstr(d.message, cases[i].want))
            fail_msg("case %u: '%s' lacks '%s'", (unsigned)i, d.message, cases[i].want);
    }
    /* Stream contents: DBI sizes and indices, module and record lengths. The
     * DBI stream is stream 3; find its (single) block from the directory. */
    uint32_t dbi_at = etwcap_rd32(b.p + list + 4) * BS; /* after stream 1 (1 block) */
    const uint32_t dbi_cases[][3] = {
        {0x18, 4, 0xFFFFFFFFu}, {0x18, 4, 100000},          {0x30, 4, 0x7FFFFFFFu}, {0x14, 2, 200},
        {64 + 36, 4, 0x10000},  {64 + 144 + 10, 2, 0xFFFF}, {64 + 144 + 10, 2, 9}};
    for (size_t i = 0; i < sizeof dbi_cases / sizeof dbi_cases[0]; i++) {
        memcpy(c.p, b.p, b.n);
        if (dbi_cases[i][1] == 2)
            etwcap_wr16(c.p + dbi_at + dbi_cases[i][0], (uint16_t)dbi_cases[i][2]);
        else
            etwcap_wr32(c.p + dbi_at + dbi_cases[i][0], dbi_cases[i][2]);
        assert_int_not_equal(try_pdb(c.p, c.n, &d), ETWCAP_OK);
    }
    /* Two modules naming one stream: read once, no duplicate procedures. */
    memcpy(c.p, b.p, b.n);
    memcpy(c.p + dbi_at + 64 + 72 + 34, c.p + dbi_at + 64 + 34, 6);
    etwcap_pdb *pdb = NULL;
    assert_int_equal(etwcap_pdb_open_memory(&pdb, c.p, c.n, "t", &d), ETWCAP_OK);
    assert_int_equal(etwcap_pdb_procedure_count(pdb), 6);
    etwcap_pdb_close(pdb);
    /* Random changes in the superblock, directory and stream blocks. */
    uint64_t rng = 4242;
    for (int i = 0; i < 20000; i++) {
        memcpy(c.p, b.p, b.n);
        for (int k = 0; k < 1 + i % 3; k++) {
            size_t at =
                i % 2 ? test_splitmix64(&rng) % ((size_t)5 * BS) : test_splitmix64(&rng) % b.n;
            c.p[at] = (uint8_t)(i % 5 ? test_splitmix64(&rng) : 0xFF);
        }
        try_pdb(c.p, c.n, NULL);
    }
    free(c.p);
    free(b.p);
}

/* A stream directory of three blocks (the other PDBs here have one): every
 * block map entry is read and checked, from memory and from a file. */
static void test_pdb_multiblock_directory(void **state)
{
    (void)state;
    blob b = make_pdb(1, (size_t)300 * BS);
    uint32_t nblocks = (uint32_t)(b.n / BS), map = 3 * BS;
    assert_int_equal((etwcap_rd32(b.p + 0x2C) + BS - 1) / BS, 3);
    etwcap_pdb *pdb = NULL;
    etwcap_diag d;
    for (int from_file = 0; from_file < 2; from_file++) {
        const char *path = "test_pe_pdb.multiblock.pdb";
        etwcap_status st;
        if (from_file) {
            FILE *f = fopen(path, "wb");
            assert_non_null(f);
            assert_int_equal(fwrite(b.p, 1, b.n, f), b.n);
            assert_int_equal(fclose(f), 0);
            st = etwcap_pdb_open(&pdb, path, &d);
            remove(path);
        } else {
            st = etwcap_pdb_open_memory(&pdb, b.p, b.n, "t", &d);
        }
        if (st != ETWCAP_OK)
            fail_msg("%s at %llu", d.message, (unsigned long long)d.offset);
        assert_int_equal(etwcap_pdb_procedure_count(pdb), 6);
        assert_int_equal(etwcap_pdb_public_count(pdb), 5);
        expect_sym(pdb, 0x3815, "g2", "_g2", 5, 0);
        etwcap_pdb_close(pdb);
        pdb = NULL;
    }
    /* Entries 1 and 2 of the block map are checked like entry 0, and the
     * diagnostic names the entry's own offset. */
    blob c = {malloc(b.n), b.n};
    assert_non_null(c.p);
    const struct {
        uint32_t at, v;
        const char *want;
    } cases[] = {{map + 4, nblocks, "outside"},
                 {map + 8, 0, "outside"},
                 {map + 8, etwcap_rd32(b.p + map), "already in use"},
                 {map + 4, 3, "already in use"}}; /* the block map's own block */
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        memcpy(c.p, b.p, b.n);
        etwcap_wr32(c.p + cases[i].at, cases[i].v);
        assert_int_not_equal(try_pdb(c.p, c.n, &d), ETWCAP_OK);
        if (!strstr(d.message, cases[i].want))
            fail_msg("case %u: '%s' lacks '%s'", (unsigned)i, d.message, cases[i].want);
        assert_int_equal(d.offset, cases[i].at);
    }
    free(c.p);
    free(b.p);
}

static void test_hostile_crash_pdb(void **state)
{
    (void)state;
    blob b = load("pe/getsentry_symbolic/crash.pdb");
    for (size_t k = 0; k * 4096 < b.n; k++)
        for (size_t dlt = 0; dlt < 3; dlt++) {
            size_t n = k * 4096 + (dlt == 0 ? 0 : dlt == 1 ? 1 : 2000);
            if (n < b.n)
                assert_int_not_equal(try_pdb(b.p, n, NULL), ETWCAP_OK);
        }
    uint8_t *c = test_alloc(b.n);
    uint32_t bs = etwcap_rd32(b.p + 0x20);
    size_t dir_at = (size_t)etwcap_rd32(b.p + (size_t)etwcap_rd32(b.p + 0x34) * bs) * bs;
    assert_true(etwcap_rd32(b.p + 0x2C) <= bs); /* one directory block */
    uint64_t rng = 99;
    for (int i = 0; i < 600; i++) {
        memcpy(c, b.p, b.n);
        size_t at = i % 3 ? dir_at + test_splitmix64(&rng) % etwcap_rd32(b.p + 0x2C)
                          : test_splitmix64(&rng) % b.n;
        c[at] = (uint8_t)test_splitmix64(&rng);
        try_pdb(c, b.n, NULL);
    }
    free(c);
    free(b.p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_synthetic_pe),
        cmocka_unit_test(test_hostile_pe),
        cmocka_unit_test(test_synthetic_pdb),
        cmocka_unit_test(test_hostile_pdb),
        cmocka_unit_test(test_crash_pe_identity),
        cmocka_unit_test(test_crash_pdb),
        cmocka_unit_test(test_hostile_crash_exe),
        cmocka_unit_test(test_hostile_crash_pdb),
        cmocka_unit_test(test_pdb_multiblock_directory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
