/* kernel_internal.h - shared by the kernel and KernelTraceControl decoders
 * (kernel_*.c): class GUIDs, per-family field decoders and small helpers.
 *
 * Field names and value conventions follow TraceEvent's
 * KernelTraceEventParser / SymbolTraceEventParser (etl-format.md §3):
 * dates are printed "yy/MM/dd HH:mm:ss.ffffff" in UTC, the way the PerfView
 * baselines write them.
 */
#ifndef ETWCAP_KERNEL_INTERNAL_H
#define ETWCAP_KERNEL_INTERNAL_H

#include "decode/decode_internal.h"

/* Class GUIDs of the kernel groups and classic classes decoded here
 * (etl-format.md §2.2, §3; SysConfig and MetaData are KernelTraceControl
 * classes written by the merger, see §3.5). */
extern const etwcap_guid etwcap_kclass_eventtrace; /* 68fdd900-... group 0x00 */
extern const etwcap_guid etwcap_kclass_process;    /* 3d6fa8d0-... group 0x03 */
extern const etwcap_guid etwcap_kclass_thread;     /* 3d6fa8d1-... group 0x05 */
extern const etwcap_guid etwcap_kclass_perfinfo;   /* ce1dbfb4-... group 0x0F */
extern const etwcap_guid etwcap_kclass_image;      /* 2cb15d1d-... group 0x14 */
extern const etwcap_guid etwcap_kclass_stackwalk;  /* def2fe46-... group 0x18 */
extern const etwcap_guid etwcap_kclass_sysconfig;  /* 9b79ee91-b5fd-41c0-a243-4248e266e9d0 */
extern const etwcap_guid etwcap_kclass_metadata;   /* bbccf6c1-6cd1-48c4-80ff-839482e37671 */
extern const etwcap_guid etwcap_kclass_diskio;     /* 3d6fa8d4-... group 0x01 */
extern const etwcap_guid etwcap_kclass_pagefault;  /* 3d6fa8d3-... group 0x02 */
extern const etwcap_guid etwcap_kclass_tcpip;      /* 9a280ac0-... group 0x06 */
extern const etwcap_guid etwcap_kclass_udpip;      /* bf3a50c5-... group 0x08 */
extern const etwcap_guid etwcap_kclass_config;     /* 01853a65-... group 0x0B */

/* Pointer size of the payload: 4 or 8, from the record header (§1.10). */
unsigned etwcap_kpsize(const etwcap_event *ev);

/* Field decoders, one per class. Each returns UNKNOWN for an opcode it does
 * not know, SHORT (with the list cleared) when the payload is too short. */
etwcap_decode_result etwcap_kfields_eventtrace(const etwcap_event *ev, etwcap_fields *out);
etwcap_decode_result etwcap_kfields_process(const etwcap_event *ev, etwcap_fields *out);
etwcap_decode_result etwcap_kfields_thread(const etwcap_event *ev, etwcap_fields *out);
etwcap_decode_result etwcap_kfields_image(const etwcap_event *ev, etwcap_fields *out);
etwcap_decode_result etwcap_kfields_image_id(const etwcap_event *ev, etwcap_fields *out);
etwcap_decode_result etwcap_kfields_metadata(const etwcap_event *ev, etwcap_fields *out);
etwcap_decode_result etwcap_kfields_stackwalk(const etwcap_event *ev, etwcap_fields *out);
etwcap_decode_result etwcap_kfields_perfinfo(const etwcap_event *ev, etwcap_fields *out);
etwcap_decode_result etwcap_kfields_sysconfig(const etwcap_event *ev, etwcap_fields *out);
etwcap_decode_result etwcap_kfields_diskio(const etwcap_event *ev, etwcap_fields *out);
etwcap_decode_result etwcap_kfields_pagefault(const etwcap_event *ev, etwcap_fields *out);
etwcap_decode_result etwcap_kfields_tcpip(const etwcap_event *ev, etwcap_fields *out);
etwcap_decode_result etwcap_kfields_udpip(const etwcap_event *ev, etwcap_fields *out);
etwcap_decode_result etwcap_kfields_config(const etwcap_event *ev, etwcap_fields *out);

/* Table-driven layouts (kernel_table.c) for classes whose fields sit at fixed
 * offsets: each entry is read at `off` + `nptr`·(P - 4), TraceEvent's
 * HostOffset(off, nptr). */
typedef enum etwcap_kt_kind {
    ETWCAP_KT_I32,   /* int32, shown signed (TraceEvent's int) */
    ETWCAP_KT_I16,   /* int16, shown signed */
    ETWCAP_KT_U8,    /* byte */
    ETWCAP_KT_I64,   /* int64 */
    ETWCAP_KT_PTR,   /* pointer-sized, shown in hex */
    ETWCAP_KT_HEX32, /* u32 shown in hex */
    ETWCAP_KT_PORT,  /* u16 in network byte order */
    ETWCAP_KT_IPV4,  /* 4 bytes, "a.b.c.d" */
    ETWCAP_KT_IPV6,  /* 16 bytes, as .NET's IPAddress prints them */
    ETWCAP_KT_FWSTR, /* UTF-16 in a fixed array of `nchars`, up to its NUL */
    ETWCAP_KT_WSTR   /* NUL-terminated UTF-16 */
} etwcap_kt_kind;

typedef struct etwcap_kt_field {
    const char *name;
    uint16_t off;
    uint8_t nptr;
    uint8_t kind;    /* etwcap_kt_kind */
    uint16_t nchars; /* ETWCAP_KT_FWSTR only */
} etwcap_kt_field;

/* Add the fields of table `t` in order; SHORT (list cleared) when one of
 * them does not fit in the payload. */
etwcap_decode_result etwcap_kfields_table(const etwcap_event *ev, etwcap_fields *out,
                                          const etwcap_kt_field *t, size_t n);

/* .NET's [Flags] enum text: the names of the set bits in ascending value
 * order joined by ", ", "None" for 0, the decimal number when a bit has no
 * name. names[i] names bit i (NULL: no name). */
void etwcap_kfields_add_flags(etwcap_fields *fl, const char *name, uint32_t v,
                              const char *const *names, unsigned nbits);

/* Clear the list and return SHORT: the common exit of a field decoder. */
etwcap_decode_result etwcap_kfields_short(etwcap_fields *out);

/* A FILETIME (100 ns since 1601-01-01 UTC) as "yy/MM/dd HH:mm:ss.ffffff". */
void etwcap_kfields_add_filetime(etwcap_fields *fl, const char *name, int64_t filetime);
/* A PE TimeDateStamp (seconds since 1970, unsigned) as a date, the way
 * TraceEvent's BuildTime shows it. */
void etwcap_kfields_add_stamp_date(etwcap_fields *fl, const char *name, uint32_t stamp);
/* Payload strings; a NULL span gives "". 8-bit strings are taken as UTF-8
 * (TraceEvent's GetUTF8StringAt); invalid bytes become U+FFFD. */
void etwcap_kfields_add_wspan(etwcap_fields *fl, const char *name, etwcap_wspan s);
void etwcap_kfields_add_cspan(etwcap_fields *fl, const char *name, etwcap_cspan s);

/* Static names "IP0".."IP<n-1>" for frame lists (n <= ETWCAP_MAX_FIELDS). */
const char *etwcap_kfields_ip_name(size_t i);

#endif
