/* kernel_imageid.c - KernelTraceControl ImageID family (classic records of
 * class b3e675d7, etl-format.md §3.5, §8): the typed decoder and
 * TraceEvent's fields (SymbolTraceEventParser), plus the field-less
 * MetaData class. */
#include <string.h>

#include "decode/kernel_internal.h"

#define OP_NONE 0x20

static const char *const fv_names[10] = {
    "OrigFileName", "FileDescription", "FileVersion",    "BinFileVersion", "VerLanguage",
    "ProductName",  "CompanyName",     "ProductVersion", "FileId",         "ProgramId"};

/* Layouts (§3.5), P = pointer size of the record:
 *   Info (0):          ImageBase ptr, ImageSize ptr, ProcessId u32,
 *                      TimeDateStamp u32, OriginalFileName wstr
 *   RSDS/ILRSDS (36/37): ImageBase ptr, ProcessId u32, GuidSig GUID, Age u32,
 *                      PdbFileName cstr
 *   DbgPPDB (38):      ImageBase ptr, ProcessId u32, TimeDateStamp u32,
 *                      MajorVersion u8 @P+8, MinorVersion u8 @P+10
 *   DbgDeterm (40):    ImageBase ptr, ProcessId u32
 *   FileVersion (64):  ImageSize u32, TimeDateStamp u32, 10 wstr
 * `strings` (FileVersion only) receives the ten strings when not NULL. */
static etwcap_decode_result parse(const etwcap_event *ev, etwcap_image_id_info *out,
                                  etwcap_wspan *strings, uint8_t *ppdb_version)
{
    unsigned psize = etwcap_kpsize(ev);
    etwcap_cursor c;
    memset(out, 0, sizeof *out);
    etwcap_cursor_init(&c, ev->payload, ev->payload_len);
    switch (ev->opcode) {
    case ETWCAP_IMAGEID_INFO:
        out->base = etwcap_cursor_ptr(&c, psize);
        out->size = etwcap_cursor_ptr(&c, psize);
        out->pid = etwcap_cursor_u32(&c);
        out->time_date_stamp = etwcap_cursor_u32(&c);
        out->original_file_name = etwcap_cursor_wstr(&c);
        break;
    case ETWCAP_IMAGEID_RSDS:
    case ETWCAP_IMAGEID_ILRSDS:
        out->base = etwcap_cursor_ptr(&c, psize);
        out->pid = etwcap_cursor_u32(&c);
        out->guid = etwcap_cursor_guid(&c);
        out->age = etwcap_cursor_u32(&c);
        out->pdb_name = etwcap_cursor_cstr(&c);
        break;
    case ETWCAP_IMAGEID_PPDB:
        out->base = etwcap_cursor_ptr(&c, psize);
        out->pid = etwcap_cursor_u32(&c);
        out->time_date_stamp = etwcap_cursor_u32(&c);
        ppdb_version[0] = etwcap_cursor_u8(&c);
        etwcap_cursor_skip(&c, 1);
        ppdb_version[1] = etwcap_cursor_u8(&c);
        break;
    case ETWCAP_IMAGEID_DETERM:
        out->base = etwcap_cursor_ptr(&c, psize);
        out->pid = etwcap_cursor_u32(&c);
        break;
    case ETWCAP_IMAGEID_FILEVERSION:
        out->size = etwcap_cursor_u32(&c);
        out->time_date_stamp = etwcap_cursor_u32(&c);
        out->original_file_name = etwcap_cursor_wstr(&c);
        if (strings) {
            strings[0] = out->original_file_name;
            for (int i = 1; i < 10; i++)
                strings[i] = etwcap_cursor_wstr(&c);
        }
        break;
    default:
        return ETWCAP_DECODE_UNKNOWN;
    }
    if (c.short_read) {
        memset(out, 0, sizeof *out);
        return ETWCAP_DECODE_SHORT;
    }
    out->kind = (etwcap_image_id_kind)ev->opcode;
    return ETWCAP_DECODE_OK;
}

etwcap_decode_result etwcap_decode_image_id(const etwcap_event *ev, etwcap_image_id_info *out)
{
    uint8_t ppdb[2];
    if (etwcap_event_classify(ev) != ETWCAP_EC_IMAGE_ID) {
        memset(out, 0, sizeof *out);
        return ETWCAP_DECODE_UNKNOWN;
    }
    return parse(ev, out, NULL, ppdb);
}

etwcap_decode_result etwcap_kfields_image_id(const etwcap_event *ev, etwcap_fields *out)
{
    etwcap_image_id_info id;
    etwcap_wspan strings[10];
    uint8_t ppdb[2] = {0, 0};
    if (ev->opcode == OP_NONE) /* "None": no payload fields */
        return ETWCAP_DECODE_OK;
    etwcap_decode_result r = parse(ev, &id, strings, ppdb);
    if (r == ETWCAP_DECODE_SHORT)
        return etwcap_kfields_short(out);
    if (r != ETWCAP_DECODE_OK)
        return r;
    switch (id.kind) {
    case ETWCAP_IMAGEID_INFO:
        etwcap_fields_add_hex(out, "ImageBase", id.base);
        etwcap_fields_add_u64(out, "ImageSize", id.size);
        /* TraceEvent's ImageIDTraceData always returns 0 here, whatever the
         * payload holds (the process is the header's). */
        etwcap_fields_add_u64(out, "ProcessID", 0);
        etwcap_fields_add_i64(out, "TimeDateStamp", (int32_t)id.time_date_stamp);
        etwcap_kfields_add_stamp_date(out, "BuildTime", id.time_date_stamp);
        etwcap_kfields_add_wspan(out, "OriginalFileName", id.original_file_name);
        break;
    case ETWCAP_IMAGEID_RSDS:
    case ETWCAP_IMAGEID_ILRSDS:
        etwcap_fields_add_hex(out, "ImageBase", id.base);
        etwcap_fields_add_guid(out, "GuidSig", &id.guid);
        etwcap_fields_add_u64(out, "Age", id.age);
        etwcap_kfields_add_cspan(out, "PDBFileName", id.pdb_name);
        break;
    case ETWCAP_IMAGEID_PPDB:
        etwcap_fields_add_hex(out, "ImageBase", id.base);
        etwcap_fields_add_i64(out, "TimeDateStamp", (int32_t)id.time_date_stamp);
        etwcap_fields_add_u64(out, "MajorVersion", ppdb[0]);
        etwcap_fields_add_u64(out, "MinorVersion", ppdb[1]);
        break;
    case ETWCAP_IMAGEID_DETERM:
        etwcap_fields_add_hex(out, "ImageBase", id.base);
        break;
    case ETWCAP_IMAGEID_FILEVERSION:
        etwcap_fields_add_u64(out, "ImageSize", id.size);
        etwcap_fields_add_i64(out, "TimeDateStamp", (int32_t)id.time_date_stamp);
        etwcap_kfields_add_stamp_date(out, "BuildTime", id.time_date_stamp);
        for (int i = 0; i < 10; i++)
            etwcap_kfields_add_wspan(out, fv_names[i], strings[i]);
        break;
    }
    return ETWCAP_DECODE_OK;
}

/* KernelTraceControl MetaData class bbccf6c1: EventInfo (32) and
 * EventMapInfo (33) are TraceEvent EmptyTraceData: no fields. */
etwcap_decode_result etwcap_kfields_metadata(const etwcap_event *ev, etwcap_fields *out)
{
    (void)out;
    return ev->opcode == 32 || ev->opcode == 33 ? ETWCAP_DECODE_OK : ETWCAP_DECODE_UNKNOWN;
}
