/* record.c - classify and parse one trace record (etl-format.md §2).
 *
 * Every record starts with a u32 "marker" whose top bit is set. Its header
 * type decides where the size, ids, timestamp and payload are (§2.1, §2.8).
 * All reads are bounds-checked against the record size, which is itself
 * checked against the bytes left in the buffer.
 */
#include "reader/record.h"

#include <stddef.h>
#include <string.h>

#include "common/bytes.h"

#define MARKER_FLAG 0x80000000u        /* TRACE_HEADER_FLAG */
#define MARKER_EVENT_TRACE 0x40000000u /* TRACE_HEADER_EVENT_TRACE */
#define EH_FLAG_EXTENDED_INFO 0x0001u  /* EVENT_HEADER_FLAG_EXTENDED_INFO (§2.6) */

/* memset in pieces of at most 64 bytes. With n known, compilers expand each
 * piece into a few vector stores of a zero register; one memset of 100-200
 * bytes becomes `rep stos` (GCC), whose start-up cost was most of the time
 * of etwcap_record_parse, and a copy from a zero object takes a load per
 * store (issue #8). */
static inline void clear_bytes(void *p, size_t n)
{
    unsigned char *b = p;
    for (; n > 64; n -= 64, b += 64)
        memset(b, 0, 64);
    memset(b, 0, n);
}

/* A GUID as stored (data1..data3 little-endian, then data4's bytes). On a
 * little-endian host that is its layout in memory, so it is copied whole:
 * one 16-byte store, which the 8- and 16-byte loads of the consumers that
 * hash it (stats' type key) can take straight from the store buffer. Field
 * by field, the four narrow stores stalled each of those loads (issue #8). */
_Static_assert(sizeof(etwcap_guid) == 16, "etwcap_guid has no padding");

static etwcap_guid read_guid(const uint8_t *p)
{
    etwcap_guid g;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    memcpy(&g, p, sizeof g);
#else
    g.data1 = etwcap_rd32(p);
    g.data2 = etwcap_rd16(p + 4);
    g.data3 = etwcap_rd16(p + 6);
    memcpy(g.data4, p + 8, 8);
#endif
    return g;
}

/* Extra items between a SYSTEM/PERFINFO header and its payload: an 8-byte
 * PEBS index when Version & 0x8000, then (Version & 0x0700) >> 8 PMC
 * counters of 8 bytes (§2.2). */
static uint32_t kernel_extra_bytes(uint16_t version)
{
    uint32_t extra = (version & 0x8000u) ? 8u : 0u;
    return extra + 8u * ((version & 0x0700u) >> 8);
}

static etwcap_record_result corrupt(const char **why, const char *msg)
{
    *why = msg;
    return ETWCAP_RECORD_CORRUPT;
}

/* Container id: 36 ASCII characters (text form) or 16 bytes (binary form),
 * kept as lower-case "D" text (§2.7, §6.3). Anything else is ignored. */
static void decode_container_id(const etwcap_ext_item *it, etwcap_event_ext *x)
{
    if (it->size == 36) {
        for (size_t i = 0; i < 36; i++) {
            char c = (char)it->data[i];
            int dash = (i == 8 || i == 13 || i == 18 || i == 23);
            int hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
            if (dash ? c != '-' : !hex)
                return;
            x->container_id[i] = (c >= 'A' && c <= 'F') ? (char)(c - 'A' + 'a') : c;
        }
        x->container_id[36] = '\0';
        x->has_container_id = 1;
    } else if (it->size == 16) {
        etwcap_guid g = read_guid(it->data);
        etwcap_guid_format(&g, x->container_id);
        x->has_container_id = 1;
    }
}

void etwcap_record_note_ext(etwcap_event *ev, const etwcap_ext_item *it)
{
    switch (it->type) {
    case ETWCAP_EXT_STACK_TRACE32:
    case ETWCAP_EXT_STACK_TRACE64:
        if (!ev->x.stack)
            ev->x.stack = it;
        break;
    case ETWCAP_EXT_STACK_KEY32:
    case ETWCAP_EXT_STACK_KEY64:
        if (!ev->x.stack_key)
            ev->x.stack_key = it;
        break;
    case ETWCAP_EXT_PROCESS_START_KEY:
        if (it->size >= 8)
            ev->x.process_start_key = etwcap_rd64(it->data);
        break;
    case ETWCAP_EXT_CONTAINER_ID:
        decode_container_id(it, &ev->x);
        break;
    default:
        break;
    }
}

/* Walk the extended data items of an EVENT_HEADER record (§2.7). Returns the
 * offset where user data begins, or 0 on corruption. */
static uint32_t parse_ext_items(const uint8_t *rec, uint32_t size, etwcap_event *ev,
                                const char **why)
{
    uint32_t pos = 0x50;
    for (;;) {
        if (pos + 8u > size) {
            *why = "extended data item header runs past the record";
            return 0;
        }
        uint16_t type = etwcap_rd16(rec + pos + 2);
        uint16_t linkage = etwcap_rd16(rec + pos + 4) & 1u;
        uint16_t dsize = etwcap_rd16(rec + pos + 6);
        if ((uint32_t)pos + 8u + dsize > size) {
            *why = "extended data item runs past the record";
            return 0;
        }
        if (ev->ext_count == ETWCAP_MAX_EXT_ITEMS) {
            *why = "more than 16 extended data items";
            return 0;
        }
        etwcap_ext_item *it = &ev->ext[ev->ext_count++];
        it->type = type;
        it->size = dsize;
        it->data = rec + pos + 8;
        etwcap_record_note_ext(ev, it);
        pos = (uint32_t)etwcap_align8((size_t)pos + 8u + dsize);
        if (!linkage)
            break;
    }
    return pos > size ? size : pos;
}

static etwcap_record_result parse_event_header(const uint8_t *rec, uint32_t size, etwcap_event *ev,
                                               const char **why)
{
    if (size < 0x50)
        return corrupt(why, "EVENT_HEADER record shorter than its 0x50-byte header");
    ev->kind = ETWCAP_KIND_MANIFEST;
    ev->pointer_size = ev->header_type == ETWCAP_HDR_EVENT32 ? 4 : 8;
    ev->flags = etwcap_rd16(rec + 4);
    ev->event_property = etwcap_rd16(rec + 6);
    ev->tid = etwcap_rd32(rec + 8);
    ev->pid = etwcap_rd32(rec + 0x0C);
    ev->timestamp = (int64_t)etwcap_rd64(rec + 0x10);
    ev->provider = read_guid(rec + 0x18);
    ev->id = etwcap_rd16(rec + 0x28);
    ev->version = rec[0x2A];
    ev->channel = rec[0x2B];
    ev->level = rec[0x2C];
    ev->opcode = rec[0x2D];
    ev->task = etwcap_rd16(rec + 0x2E);
    ev->keyword = etwcap_rd64(rec + 0x30);
    ev->kernel_time = etwcap_rd32(rec + 0x38);
    ev->user_time = etwcap_rd32(rec + 0x3C);
    ev->activity_id = read_guid(rec + 0x40);
    uint32_t data = 0x50;
    if (ev->flags & EH_FLAG_EXTENDED_INFO) {
        data = parse_ext_items(rec, size, ev, why);
        if (!data)
            return ETWCAP_RECORD_CORRUPT;
    }
    ev->payload = rec + data;
    ev->payload_len = size - data;
    return ETWCAP_RECORD_OK;
}

/* FULL (EVENT_TRACE_HEADER, 0x30) and INSTANCE (0x48) headers (§2.4, §2.5). */
static etwcap_record_result parse_classic(const uint8_t *rec, uint32_t size, uint32_t hdr,
                                          etwcap_event *ev, const char **why)
{
    if (size < hdr)
        return corrupt(why, "classic record shorter than its header");
    ev->kind = ETWCAP_KIND_CLASSIC;
    ev->opcode = rec[4];
    ev->level = rec[5];
    ev->version = (uint8_t)etwcap_rd16(rec + 6);
    ev->tid = etwcap_rd32(rec + 8);
    ev->pid = etwcap_rd32(rec + 0x0C);
    ev->timestamp = (int64_t)etwcap_rd64(rec + 0x10);
    ev->provider = read_guid(rec + 0x18);
    ev->kernel_time = etwcap_rd32(rec + 0x28);
    ev->user_time = etwcap_rd32(rec + 0x2C);
    ev->payload = rec + hdr;
    ev->payload_len = size - hdr;
    return ETWCAP_RECORD_OK;
}

/* SYSTEM (0x20), COMPACT (0x18) and PERFINFO (0x10) headers (§2.2, §2.3). */
static etwcap_record_result parse_kernel(const uint8_t *rec, uint32_t size, uint32_t hdr,
                                         etwcap_event *ev, const char **why)
{
    uint16_t version = etwcap_rd16(rec);
    uint32_t payload_off = hdr + kernel_extra_bytes(version);
    if (size < payload_off)
        return corrupt(why, "kernel record shorter than its header");
    ev->kind = ETWCAP_KIND_KERNEL;
    ev->version = (uint8_t)(version & 0xFFu);
    ev->hook_id = etwcap_rd16(rec + 6);
    ev->opcode = rec[6];
    unsigned group = rec[7];
    /* HookId 0x030A (Process group, type 10) is an image load (§2.2). */
    if (ev->hook_id == 0x030A)
        group = 0x14;
    etwcap_kernel_group_guid(group, &ev->provider);
    /* PERFINFO has no ids: its timestamp comes right after the size. */
    ev->timestamp = (int64_t)etwcap_rd64(rec + (hdr == 0x10 ? 8 : 0x10));
    if (hdr == 0x10) {
        ev->pid = ETWCAP_NO_ID;
        ev->tid = ETWCAP_NO_ID;
    } else {
        ev->tid = etwcap_rd32(rec + 8);
        ev->pid = etwcap_rd32(rec + 0x0C);
        if (hdr == 0x20) {
            ev->kernel_time = etwcap_rd32(rec + 0x18);
            ev->user_time = etwcap_rd32(rec + 0x1C);
        }
    }
    ev->payload = rec + payload_off;
    ev->payload_len = size - payload_off;
    return ETWCAP_RECORD_OK;
}

/* WPP MESSAGE_TRACE_HEADER (§2.9): optional fields follow in a fixed order. */
static etwcap_record_result parse_message(const uint8_t *rec, uint32_t size, etwcap_event *ev,
                                          const char **why)
{
    if (size < 8)
        return corrupt(why, "message record shorter than its 8-byte header");
    ev->kind = ETWCAP_KIND_MESSAGE;
    ev->header_type = ETWCAP_HDR_MESSAGE;
    ev->message_number = etwcap_rd16(rec + 4);
    ev->id = ev->message_number;
    uint16_t opt = etwcap_rd16(rec + 6);
    ev->flags = opt;
    ev->pointer_size = (opt & 0x40u) ? 4 : 8;
    ev->pid = ETWCAP_NO_ID;
    ev->tid = ETWCAP_NO_ID;
    uint32_t pos = 8;
    if (opt & 0x01u) /* sequence number */
        pos += 4;
    if (opt & 0x04u) { /* component id takes precedence over a GUID */
        if (pos + 4 > size)
            return corrupt(why, "message component id runs past the record");
        ev->provider.data1 = etwcap_rd32(rec + pos);
        pos += 4;
    } else if (opt & 0x02u) {
        if (pos + 16 > size)
            return corrupt(why, "message GUID runs past the record");
        ev->provider = read_guid(rec + pos);
        pos += 16;
    }
    if (opt & 0x08u) {
        if (pos + 8 > size)
            return corrupt(why, "message timestamp runs past the record");
        ev->timestamp = (int64_t)etwcap_rd64(rec + pos);
        pos += 8;
    }
    if (opt & 0x20u) {
        if (pos + 8 > size)
            return corrupt(why, "message thread/process ids run past the record");
        ev->tid = etwcap_rd32(rec + pos);
        ev->pid = etwcap_rd32(rec + pos + 4);
        pos += 8;
    }
    if (pos > size)
        return corrupt(why, "message header fields run past the record");
    ev->payload = rec + pos;
    ev->payload_len = size - pos;
    return ETWCAP_RECORD_OK;
}

etwcap_record_result etwcap_record_parse(const uint8_t *rec, size_t avail, etwcap_event *ev,
                                         uint32_t *size, const char **why)
{
    if (avail < 4)
        return ETWCAP_RECORD_END;
    uint32_t marker = etwcap_rd32(rec);
    if (marker == 0xFFFFFFFFu || marker == 0)
        return ETWCAP_RECORD_END;

    /* Everything but the extended-item slots, which are read only up to
     * ext_count (half the struct, cleared once per record otherwise). */
    clear_bytes(ev, offsetof(etwcap_event, ext));
    clear_bytes(&ev->x, sizeof *ev - offsetof(etwcap_event, x));
    ev->struct_version = ETWCAP_EVENT_VERSION;

    uint32_t sz;
    if ((marker & 0xC0000000u) == (MARKER_FLAG | MARKER_EVENT_TRACE)) {
        uint8_t type = rec[2];
        ev->header_type = type;
        uint32_t hdr;
        int size_at_4;
        switch (type) {
        case ETWCAP_HDR_SYSTEM32:
        case ETWCAP_HDR_SYSTEM64:
            hdr = 0x20, size_at_4 = 1;
            break;
        case ETWCAP_HDR_COMPACT32:
        case ETWCAP_HDR_COMPACT64:
            hdr = 0x18, size_at_4 = 1;
            break;
        case ETWCAP_HDR_PERFINFO32:
        case ETWCAP_HDR_PERFINFO64:
            hdr = 0x10, size_at_4 = 1;
            break;
        case ETWCAP_HDR_FULL32:
        case ETWCAP_HDR_FULL64:
            hdr = 0x30, size_at_4 = 0;
            break;
        case ETWCAP_HDR_INSTANCE32:
        case ETWCAP_HDR_INSTANCE64:
            hdr = 0x48, size_at_4 = 0;
            break;
        case ETWCAP_HDR_EVENT32:
        case ETWCAP_HDR_EVENT64:
            hdr = 0x50, size_at_4 = 0;
            break;
        default:
            return corrupt(why, "unknown record header type");
        }
        if (size_at_4 && avail < 8)
            return corrupt(why, "record header runs past the buffer");
        sz = size_at_4 ? etwcap_rd16(rec + 4) : etwcap_rd16(rec);
        if (sz < hdr)
            return corrupt(why, "record size smaller than its header");
        if (sz > avail)
            return corrupt(why, "record runs past the end of the buffer's data");
        /* Odd types carry 32-bit pointers, even ones 64-bit (§1.10). */
        switch (type) {
        case ETWCAP_HDR_SYSTEM32:
        case ETWCAP_HDR_COMPACT32:
        case ETWCAP_HDR_FULL32:
        case ETWCAP_HDR_INSTANCE32:
        case ETWCAP_HDR_PERFINFO32:
        case ETWCAP_HDR_EVENT32:
            ev->pointer_size = 4;
            break;
        default:
            ev->pointer_size = 8;
            break;
        }
        etwcap_record_result r;
        if (hdr == 0x50)
            r = parse_event_header(rec, sz, ev, why);
        else if (hdr == 0x30 || hdr == 0x48)
            r = parse_classic(rec, sz, hdr, ev, why);
        else
            r = parse_kernel(rec, sz, hdr, ev, why);
        if (r != ETWCAP_RECORD_OK)
            return r;
    } else if ((rec[3] & 0xF0u) == 0x90u) {
        sz = etwcap_rd16(rec);
        if (sz > avail)
            return corrupt(why, "message record runs past the end of the buffer's data");
        etwcap_record_result r = parse_message(rec, sz, ev, why);
        if (r != ETWCAP_RECORD_OK)
            return r;
    } else {
        return corrupt(why, "record marker lacks the trace header flag");
    }
    *size = sz;
    return ETWCAP_RECORD_OK;
}
