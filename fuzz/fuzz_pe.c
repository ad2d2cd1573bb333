/* fuzz_pe.c - the PE32/PE32+ reader (etl-format.md §5.1-5.3): headers,
 * section table, debug directory (RSDS) and export directory, then every
 * lookup the symbolizer makes.
 *
 * Input: the image file itself.
 */
#include "fuzz_common.h"

#include "etwcap/symbol.h"

static void lookup(const etwcap_pe *pe, uint32_t rva, size_t size)
{
    uint64_t off;
    if (etwcap_pe_rva_to_offset(pe, rva, &off) == 0)
        FUZZ_CHECK(off < size);
    const char *name = NULL;
    uint32_t delta = 0;
    if (etwcap_pe_export_lookup(pe, rva, &name, &delta) == 0) {
        FUZZ_CHECK(name != NULL);
        FUZZ_CHECK(strlen(name) < 1u << 20);
        FUZZ_CHECK(delta <= rva);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    etwcap_pe *pe = NULL;
    etwcap_diag d;
    if (etwcap_pe_open_memory(&pe, data, size, "fuzz.dll", &d) != ETWCAP_OK) {
        FUZZ_CHECK(pe == NULL);
        FUZZ_CHECK(memchr(d.message, 0, sizeof d.message) != NULL);
        return 0;
    }
    const etwcap_pe_identity *id = etwcap_pe_identity_get(pe);
    FUZZ_CHECK(id != NULL);
    FUZZ_CHECK(memchr(id->pdb_name, 0, sizeof id->pdb_name) != NULL);
    (void)etwcap_pdb_matches(NULL, id);

    size_t nsec = etwcap_pe_section_count(pe);
    /* A section header is 40 bytes of the file. */
    FUZZ_CHECK(nsec <= size / 40);
    FUZZ_CHECK(etwcap_pe_export_count(pe) <= size / 4);
    for (size_t i = 0; i < nsec; i++) {
        const etwcap_pe_section *s = etwcap_pe_section_at(pe, i);
        FUZZ_CHECK(s != NULL && memchr(s->name, 0, sizeof s->name) != NULL);
        uint32_t va = s->virtual_address;
        uint32_t span = s->virtual_size > s->raw_size ? s->virtual_size : s->raw_size;
        lookup(pe, va, size);
        lookup(pe, va + span / 2, size);
        lookup(pe, va + (span ? span - 1 : 0), size);
        lookup(pe, va + span, size);
    }
    FUZZ_CHECK(etwcap_pe_section_at(pe, nsec) == NULL);
    for (uint32_t rva = 0; rva < 0x4000; rva += 0x1F1)
        lookup(pe, rva, size);
    lookup(pe, 0xFFFFFFFFu, size);
    etwcap_pe_close(pe);
    return 0;
}
