/* fuzz_tracelogging.c - self-describing (TraceLogging / EventSource) events:
 * the EVENT_SCHEMA_TL metadata parser, the value reader and printer, and
 * the TraceLogging names (etl-format.md §2.7).
 *
 * Input layout:
 *   0      bit 0  4-byte pointers (else 8)
 *          bit 1  a PROV_TRAITS item follows the metadata
 *          bit 2  put the PROV_TRAITS item first
 *   1-2    u16 metadata length M (cut to what is left)
 *   M      EVENT_SCHEMA_TL item data
 *   [2+T]  u16 T and the PROV_TRAITS item data, when bit 1 is set
 *   ...    the event payload
 * Each item and the payload get a block of exactly their size.
 * fuzz/make_seeds.py writes TraceLogging events cut from the corpus in this
 * layout.
 */
#include "fuzz_common.h"

#include "etwcap/decode.h"
#include "etwcap/names.h"

static etwcap_fields fields;

static void check_fields(const etwcap_fields *fl)
{
    FUZZ_CHECK(fl->n <= ETWCAP_MAX_FIELDS);
    FUZZ_CHECK(fl->text_used <= sizeof fl->text);
    for (size_t i = 0; i < fl->n; i++) {
        FUZZ_CHECK(fl->f[i].name != NULL);
        FUZZ_CHECK(strlen(fl->f[i].name) < sizeof fl->text);
        if (fl->f[i].type == ETWCAP_FIELD_STR) {
            const char *s = fl->f[i].s;
            FUZZ_CHECK(s >= fl->text && s < fl->text + sizeof fl->text);
            FUZZ_CHECK(memchr(s, 0, (size_t)(fl->text + sizeof fl->text - s)) != NULL);
        }
    }
}

static uint8_t *take_item(fuzz_src *in, uint16_t *size)
{
    size_t want = fuzz_u16(in), got;
    const uint8_t *p = fuzz_bytes(in, want, &got);
    *size = (uint16_t)got;
    return fuzz_dup(p, got);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const etwcap_guid provider = {
        0xd3dd3dd4, 0xaac2, 0x4e2a, {0x8d, 0xd4, 0xa8, 0xfb, 0x61, 0xb7, 0x76, 0x15}};
    fuzz_src in;
    fuzz_src_init(&in, data, size);
    uint8_t mode = fuzz_u8(&in);

    etwcap_event ev;
    memset(&ev, 0, sizeof ev);
    ev.struct_version = ETWCAP_EVENT_VERSION;
    ev.kind = ETWCAP_KIND_MANIFEST;
    ev.pointer_size = (mode & 1) ? 4 : 8;
    ev.header_type = (mode & 1) ? ETWCAP_HDR_EVENT32 : ETWCAP_HDR_EVENT64;
    ev.provider = provider;
    ev.level = 5;
    ev.flags = 0x0001 | 0x0040; /* EXTENDED_INFO, 64-bit header (unused here) */
    ev.pid = 4242;
    ev.tid = 4243;
    ev.timestamp = 1;

    uint16_t msize = 0, tsize = 0;
    uint8_t *meta = take_item(&in, &msize);
    uint8_t *traits = (mode & 2) ? take_item(&in, &tsize) : NULL;
    if (traits && (mode & 4)) {
        ev.ext[ev.ext_count++] = (etwcap_ext_item){ETWCAP_EXT_PROV_TRAITS, tsize, traits};
    }
    ev.ext[ev.ext_count++] = (etwcap_ext_item){ETWCAP_EXT_EVENT_SCHEMA_TL, msize, meta};
    if (traits && !(mode & 4))
        ev.ext[ev.ext_count++] = (etwcap_ext_item){ETWCAP_EXT_PROV_TRAITS, tsize, traits};

    size_t plen;
    const uint8_t *p = fuzz_bytes(&in, fuzz_left(&in), &plen);
    if (plen > 0xFFFF)
        plen = 0xFFFF;
    uint8_t *payload = fuzz_dup(p, plen);
    ev.payload = payload;
    ev.payload_len = (uint32_t)plen;

    etwcap_decode_fields(&ev, &fields);
    check_fields(&fields);
    char name[512];
    size_t n = etwcap_event_name(&ev, name, sizeof name);
    FUZZ_CHECK(n < sizeof name && strlen(name) == n);
    n = etwcap_event_name(&ev, name, 8);
    FUZZ_CHECK(n < 8 && strlen(name) == n);
    n = etwcap_provider_name(&ev, name, sizeof name);
    FUZZ_CHECK(n < sizeof name && strlen(name) == n);
    (void)etwcap_event_name_varies(&ev);

    free(payload);
    free(traits);
    free(meta);
    return 0;
}
