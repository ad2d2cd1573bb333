/* etwcap/event.h - the one event struct that every source fills.
 *
 * The .etl reader fills it from raw records (etl-format.md §2); the live
 * Windows session fills it from EVENT_RECORD. Everything after the source
 * (decoders, state, stacks, outputs) sees only this struct.
 *
 * Pointers inside an event (payload, extended item data) borrow memory owned
 * by the source; they are valid until the source produces the next event.
 */
#ifndef ETWCAP_EVENT_H
#define ETWCAP_EVENT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define ETWCAP_EVENT_VERSION 1

/* GUID in Windows field order (etl-format.md "Conventions"). */
typedef struct etwcap_guid {
    uint32_t data1;
    uint16_t data2;
    uint16_t data3;
    uint8_t data4[8];
} etwcap_guid;

/* Raw header types, the byte that classifies a record (etl-format.md §2.1).
 * ETWCAP_HDR_MESSAGE stands for the WPP marker 0x90xxxxxx. */
typedef enum etwcap_header_type {
    ETWCAP_HDR_SYSTEM32 = 0x01,
    ETWCAP_HDR_SYSTEM64 = 0x02,
    ETWCAP_HDR_COMPACT32 = 0x03,
    ETWCAP_HDR_COMPACT64 = 0x04,
    ETWCAP_HDR_FULL32 = 0x0A,
    ETWCAP_HDR_INSTANCE32 = 0x0B,
    ETWCAP_HDR_MESSAGE = 0x0F,
    ETWCAP_HDR_PERFINFO32 = 0x10,
    ETWCAP_HDR_PERFINFO64 = 0x11,
    ETWCAP_HDR_EVENT32 = 0x12,
    ETWCAP_HDR_EVENT64 = 0x13,
    ETWCAP_HDR_FULL64 = 0x14,
    ETWCAP_HDR_INSTANCE64 = 0x15
} etwcap_header_type;

/* Extended data item types (etl-format.md §2.7). */
typedef enum etwcap_ext_type {
    ETWCAP_EXT_RELATED_ACTIVITYID = 0x01,
    ETWCAP_EXT_SID = 0x02,
    ETWCAP_EXT_TS_ID = 0x03,
    ETWCAP_EXT_INSTANCE_INFO = 0x04,
    ETWCAP_EXT_STACK_TRACE32 = 0x05,
    ETWCAP_EXT_STACK_TRACE64 = 0x06,
    ETWCAP_EXT_PEBS_INDEX = 0x07,
    ETWCAP_EXT_PMC_COUNTERS = 0x08,
    ETWCAP_EXT_PSM_KEY = 0x09,
    ETWCAP_EXT_EVENT_KEY = 0x0A,
    ETWCAP_EXT_EVENT_SCHEMA_TL = 0x0B,
    ETWCAP_EXT_PROV_TRAITS = 0x0C,
    ETWCAP_EXT_PROCESS_START_KEY = 0x0D,
    ETWCAP_EXT_CONTROL_GUID = 0x0E,
    ETWCAP_EXT_QPC_DELTA = 0x0F,
    ETWCAP_EXT_CONTAINER_ID = 0x10,
    ETWCAP_EXT_STACK_KEY32 = 0x11,
    ETWCAP_EXT_STACK_KEY64 = 0x12
} etwcap_ext_type;

/* An extended item as stored in the record: type plus raw data. */
typedef struct etwcap_ext_item {
    uint16_t type;
    uint16_t size;
    const uint8_t *data;
} etwcap_ext_item;

/* At most this many extended items are kept per event; more is corrupt. */
#define ETWCAP_MAX_EXT_ITEMS 16

/* What kind of header the event came from, which decides how `provider`
 * and the descriptor fields are to be read. */
typedef enum etwcap_event_kind {
    ETWCAP_KIND_KERNEL = 1,   /* SYSTEM/COMPACT/PERFINFO: provider = class GUID of group */
    ETWCAP_KIND_CLASSIC = 2,  /* FULL/INSTANCE: provider = event class GUID */
    ETWCAP_KIND_MANIFEST = 3, /* EVENT_HEADER: provider id + event descriptor */
    ETWCAP_KIND_MESSAGE = 4   /* WPP message */
} etwcap_event_kind;

/* Decoded pieces of the common extended items, filled by the source. */
typedef struct etwcap_event_ext {
    const etwcap_ext_item *stack;     /* STACK_TRACE32/64, or NULL */
    const etwcap_ext_item *stack_key; /* STACK_KEY32/64, or NULL */
    uint64_t process_start_key;       /* 0 when absent */
    int has_container_id;
    char container_id[37]; /* canonical lower-case "D" form when present */
} etwcap_event_ext;

typedef struct etwcap_event {
    uint32_t struct_version; /* ETWCAP_EVENT_VERSION */
    etwcap_event_kind kind;
    uint8_t header_type;  /* etwcap_header_type */
    uint8_t pointer_size; /* 4 or 8, from the header type */

    etwcap_guid provider; /* provider id, or class GUID for classic/kernel */
    uint16_t id;          /* event id (manifest); 0 for classic and kernel */
    uint8_t version;
    uint8_t channel;
    uint8_t level;
    uint8_t opcode;
    uint16_t task;
    uint64_t keyword;
    uint16_t hook_id; /* kernel: Group << 8 | Type; 0 otherwise */
    uint16_t flags;   /* EVENT_HEADER Flags (manifest events only) */
    uint16_t event_property;

    uint32_t pid; /* 0xFFFFFFFF when the header has none (PERFINFO) */
    uint32_t tid;
    uint32_t cpu;
    uint32_t kernel_time;
    uint32_t user_time;
    etwcap_guid activity_id;

    int64_t timestamp; /* raw clock value (etl-format.md §1.9) */
    int64_t filetime;  /* UTC, 100 ns since 1601-01-01 */

    const uint8_t *payload;
    uint32_t payload_len;

    size_t ext_count;
    etwcap_ext_item ext[ETWCAP_MAX_EXT_ITEMS];
    etwcap_event_ext x;

    /* Where the record came from: for traceability in error messages. */
    uint64_t buffer_offset; /* file offset of the buffer that held it */
    uint32_t buffer_index;
    uint32_t record_offset;  /* offset of the record inside the (decompressed) buffer */
    uint16_t message_number; /* WPP only */
} etwcap_event;

/* Pointer-sized kernel address test used across stages. */
#define ETWCAP_NO_ID 0xFFFFFFFFu

/* Write a GUID as 36 lower-case characters plus NUL into `out` (37 bytes). */
void etwcap_guid_format(const etwcap_guid *g, char out[37]);

/* Parse "xxxxxxxx-xxxx-..." (with or without braces, any case). 0 on success. */
int etwcap_guid_parse(const char *s, etwcap_guid *out);

int etwcap_guid_equal(const etwcap_guid *a, const etwcap_guid *b);

/* First extended item of `type`, or NULL. */
const etwcap_ext_item *etwcap_event_find_ext(const etwcap_event *ev, uint16_t type);

#ifdef __cplusplus
}
#endif
#endif
