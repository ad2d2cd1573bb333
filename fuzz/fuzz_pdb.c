/* fuzz_pdb.c - the PDB reader (etl-format.md §5.4-5.8): MSF 7.0 superblock
 * and stream directory, PDB info stream, DBI stream and its substreams,
 * section headers and OMAP, public symbols and module procedures, then the
 * symbol lookups.
 *
 * Input: the PDB file itself. The lookups probe RVAs spread over the first
 * 1 MiB and RVAs taken from the input's last 64 bytes, and check that an
 * answer contains the RVA it was asked for.
 */
#include "fuzz_common.h"

#include "common/bytes.h"
#include "etwcap/symbol.h"

static void lookup(const etwcap_pdb *pdb, uint32_t rva)
{
    etwcap_pdb_symbol s;
    if (etwcap_pdb_lookup_symbol(pdb, rva, &s) != 0)
        return;
    FUZZ_CHECK(s.name != NULL);
    (void)strlen(s.name);
    if (s.linkage)
        (void)strlen(s.linkage);
    FUZZ_CHECK(s.start <= rva);
    if (!s.is_public)
        FUZZ_CHECK((uint64_t)s.start + s.size > rva);
    const char *name = NULL;
    uint32_t off = 0;
    FUZZ_CHECK(etwcap_pdb_lookup(pdb, rva, &name, &off) == 0);
    FUZZ_CHECK(name == s.name && off == rva - s.start);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    etwcap_pdb *pdb = NULL;
    etwcap_diag d;
    if (etwcap_pdb_open_memory(&pdb, data, size, "fuzz.pdb", &d) != ETWCAP_OK) {
        FUZZ_CHECK(pdb == NULL);
        FUZZ_CHECK(memchr(d.message, 0, sizeof d.message) != NULL);
        return 0;
    }
    const etwcap_pdb_identity *id = etwcap_pdb_identity_get(pdb);
    FUZZ_CHECK(id != NULL);
    etwcap_pe_identity image;
    memset(&image, 0, sizeof image);
    image.has_rsds = 1;
    image.pdb_guid = id->guid;
    image.pdb_age = id->age;
    FUZZ_CHECK(etwcap_pdb_matches(pdb, &image));
    /* Every symbol comes from a record of at least 14 bytes of the file. */
    FUZZ_CHECK(etwcap_pdb_procedure_count(pdb) + etwcap_pdb_public_count(pdb) <= size / 14);
    for (uint32_t rva = 0; rva < 0x100000; rva += 0x1001)
        lookup(pdb, rva);
    for (size_t i = size >= 64 ? size - 64 : 0; i + 4 <= size; i += 4)
        lookup(pdb, etwcap_rd32(data + i));
    lookup(pdb, 0xFFFFFFFFu);
    etwcap_pdb_close(pdb);
    return 0;
}
