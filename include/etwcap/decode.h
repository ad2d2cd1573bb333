/* etwcap/decode.h - payload decoders.
 *
 * Two views of a payload:
 *  - typed structs (etwcap_process_info, etwcap_image_info, ...) that the
 *    state, stack and evidence stages consume;
 *  - a generic field list (etwcap_fields) with TraceEvent's field names, for
 *    `etwcap events --json`.
 * Each decoder reads its payload through bounds-checked helpers; a payload
 * too short for its version gives ETWCAP_DECODE_SHORT, never a wild read.
 * Layouts: etl-format.md §3 (kernel) and §4 (CLR).
 */
#ifndef ETWCAP_DECODE_H
#define ETWCAP_DECODE_H

#include <stddef.h>
#include <stdint.h>

#include "etwcap/event.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum etwcap_decode_result {
    ETWCAP_DECODE_OK = 0,
    ETWCAP_DECODE_UNKNOWN = 1, /* no decoder for this event type */
    ETWCAP_DECODE_SHORT = -1   /* payload shorter than its layout needs */
} etwcap_decode_result;

/* ---- generic field list ---- */

typedef enum etwcap_field_type {
    ETWCAP_FIELD_U64,    /* unsigned number */
    ETWCAP_FIELD_I64,    /* signed number */
    ETWCAP_FIELD_HEX,    /* address or mask, printed "0x..." */
    ETWCAP_FIELD_STR,    /* UTF-8 text */
    ETWCAP_FIELD_GUID,   /* printed in "D" form */
    ETWCAP_FIELD_DOUBLE, /* floating point */
    ETWCAP_FIELD_BOOL
} etwcap_field_type;

typedef struct etwcap_field {
    const char *name; /* static string */
    etwcap_field_type type;
    union {
        uint64_t u;
        int64_t i;
        double d;
        etwcap_guid g;
    } v;
    const char *s; /* STR: points into the list's text store */
} etwcap_field;

#define ETWCAP_MAX_FIELDS 96
#define ETWCAP_FIELD_TEXT 16384

typedef struct etwcap_fields {
    size_t n;
    etwcap_field f[ETWCAP_MAX_FIELDS];
    size_t text_used;
    char text[ETWCAP_FIELD_TEXT];
    int truncated; /* more fields or text than fit */
} etwcap_fields;

void etwcap_fields_clear(etwcap_fields *fl);
void etwcap_fields_add_u64(etwcap_fields *fl, const char *name, uint64_t v);
void etwcap_fields_add_i64(etwcap_fields *fl, const char *name, int64_t v);
void etwcap_fields_add_hex(etwcap_fields *fl, const char *name, uint64_t v);
void etwcap_fields_add_str(etwcap_fields *fl, const char *name, const char *s);
void etwcap_fields_add_strn(etwcap_fields *fl, const char *name, const char *s, size_t n);
void etwcap_fields_add_guid(etwcap_fields *fl, const char *name, const etwcap_guid *g);
void etwcap_fields_add_double(etwcap_fields *fl, const char *name, double v);
void etwcap_fields_add_bool(etwcap_fields *fl, const char *name, int v);
/* UTF-16LE payload string (not necessarily terminated within n bytes). */
void etwcap_fields_add_wstr(etwcap_fields *fl, const char *name, const uint8_t *p, size_t n);

/* ---- typed views for the state, stack and evidence stages ---- */

/* A UTF-16LE string inside a payload, without its terminating NUL. */
typedef struct etwcap_wspan {
    const uint8_t *p;
    size_t bytes;
} etwcap_wspan;

/* An 8-bit (ANSI/UTF-8) string inside a payload, without its NUL. */
typedef struct etwcap_cspan {
    const char *p;
    size_t len;
} etwcap_cspan;

/* What an event is, for the stages after decoding. */
typedef enum etwcap_event_class {
    ETWCAP_EC_OTHER = 0,
    ETWCAP_EC_HEADER,         /* EventTrace header (§1.8) */
    ETWCAP_EC_PROCESS,        /* Process Start/Stop/DCStart/DCEnd/Defunct (§3.2) */
    ETWCAP_EC_THREAD,         /* Thread Start/Stop/DCStart/DCEnd (§3.3) */
    ETWCAP_EC_IMAGE,          /* Image Load/Unload/DCStart/DCEnd (§3.4) */
    ETWCAP_EC_IMAGE_ID,       /* KernelTraceControl ImageID family (§3.5) */
    ETWCAP_EC_STACKWALK,      /* StackWalk Stack, opcode 32 (§3.6) */
    ETWCAP_EC_STACK_KEY_DEF,  /* StackWalk KeyDelete/KeyRundown 35/36 */
    ETWCAP_EC_STACK_KEY_REF,  /* StackWalk StackKeyKernel/User 37/38 */
    ETWCAP_EC_SAMPLE,         /* PerfInfo SampledProfile (§3.7) */
    ETWCAP_EC_CLR_METHOD,     /* MethodLoad/Unload/DC* (verbose or not) (§4.4) */
    ETWCAP_EC_CLR_MODULE,     /* ModuleLoad/Unload/DC*, DomainModuleLoad */
    ETWCAP_EC_CLR_STACK,      /* ClrStackWalk */
    ETWCAP_EC_CLR_R2R_ENTRY,  /* R2RGetEntryPoint (id 159) */
    ETWCAP_EC_CLR_RUNDOWN_END /* rundown DCStartComplete/DCEndComplete */
} etwcap_event_class;

/* Classify by provider/group, id/opcode (no payload access). */
etwcap_event_class etwcap_event_classify(const etwcap_event *ev);

typedef struct etwcap_process_info {
    uint64_t unique_key;
    uint32_t pid;
    uint32_t parent_pid;
    uint32_t session_id;
    int32_t exit_status;
    uint64_t directory_table_base;
    uint32_t flags;     /* v4+: 0x1 ApplicationId, 0x2 WOW64, 0x4 protected, 0x8 packaged */
    const uint8_t *sid; /* SID bytes, or NULL */
    size_t sid_len;
    etwcap_cspan image_file_name;
    etwcap_wspan command_line;
    etwcap_wspan package_full_name;
    etwcap_wspan application_id;
} etwcap_process_info;

typedef struct etwcap_thread_info {
    uint32_t pid;
    uint32_t tid;
    uint64_t stack_base, stack_limit, user_stack_base, user_stack_limit;
    uint64_t start_addr; /* StartAddr (v2) or Affinity (v3+) */
    uint64_t win32_start_addr;
    uint64_t teb_base;
} etwcap_thread_info;

typedef struct etwcap_image_info {
    uint64_t base;
    uint64_t size;
    uint32_t pid;
    uint32_t checksum;
    uint32_t time_date_stamp;
    uint64_t default_base;
    etwcap_wspan file_name; /* NT path as logged */
} etwcap_image_info;

typedef enum etwcap_image_id_kind {
    ETWCAP_IMAGEID_INFO = 0,        /* opcode 0 */
    ETWCAP_IMAGEID_RSDS = 36,       /* DbgID_RSDS */
    ETWCAP_IMAGEID_ILRSDS = 37,     /* DbgID_ILRSDS */
    ETWCAP_IMAGEID_PPDB = 38,       /* DbgPPDB */
    ETWCAP_IMAGEID_DETERM = 40,     /* DbgDeterm */
    ETWCAP_IMAGEID_FILEVERSION = 64 /* FileVersion */
} etwcap_image_id_kind;

typedef struct etwcap_image_id_info {
    etwcap_image_id_kind kind;
    uint64_t base;
    uint64_t size;
    uint32_t pid;
    uint32_t time_date_stamp;
    etwcap_guid guid; /* RSDS signature */
    uint32_t age;
    etwcap_cspan pdb_name;
    etwcap_wspan original_file_name;
} etwcap_image_id_info;

/* StackWalk Stack (32): frames are pointer-sized, innermost first. */
typedef struct etwcap_stackwalk_info {
    int64_t event_timestamp;
    uint32_t pid;
    uint32_t tid;
    const uint8_t *frames;
    size_t nframes;
    unsigned frame_size; /* 4 or 8 */
} etwcap_stackwalk_info;

/* StackWalk KeyDelete/KeyRundown (35/36): a key and its frames. */
typedef struct etwcap_stack_key_def_info {
    uint64_t key;
    const uint8_t *frames;
    size_t nframes;
    unsigned frame_size;
} etwcap_stack_key_def_info;

/* StackWalk StackKeyKernel/User (37/38): a reference to a key. */
typedef struct etwcap_stack_key_ref_info {
    int64_t event_timestamp;
    uint32_t pid;
    uint32_t tid;
    uint64_t key;
    int user; /* 38 */
} etwcap_stack_key_ref_info;

typedef struct etwcap_sample_info {
    uint64_t ip;
    uint32_t tid;
    uint16_t count;
    uint8_t flags; /* bit0 DPC, bit1 ISR */
    uint8_t rank;
} etwcap_sample_info;

typedef struct etwcap_clr_method_info {
    uint64_t method_id;
    uint64_t module_id;
    uint64_t start;
    uint32_t size;
    uint32_t token;
    uint32_t flags;
    int verbose;
    etwcap_wspan method_namespace;
    etwcap_wspan method_name;
    etwcap_wspan method_signature;
    uint16_t clr_instance_id;
    uint64_t rejit_id;
} etwcap_clr_method_info;

typedef struct etwcap_clr_module_info {
    uint64_t module_id;
    uint64_t assembly_id;
    uint64_t app_domain_id; /* DomainModuleLoad only */
    uint32_t flags;         /* 0x1 DomainNeutral, 0x2 Native, 0x4 Dynamic, 0x8 Manifest */
    etwcap_wspan il_path;
    etwcap_wspan native_path;
    uint16_t clr_instance_id;
    int has_pdb; /* version 2 */
    etwcap_guid managed_pdb_guid;
    uint32_t managed_pdb_age;
    etwcap_wspan managed_pdb_path;
    etwcap_guid native_pdb_guid;
    uint32_t native_pdb_age;
    etwcap_wspan native_pdb_path;
} etwcap_clr_module_info;

typedef struct etwcap_clr_stack_info {
    uint16_t clr_instance_id;
    const uint8_t *frames;
    size_t nframes;
    unsigned frame_size; /* pointer size of the record */
} etwcap_clr_stack_info;

typedef struct etwcap_clr_r2r_info {
    uint64_t method_id;
    etwcap_wspan method_namespace;
    etwcap_wspan method_name;
    etwcap_wspan method_signature;
    uint64_t entry_point;
    uint16_t clr_instance_id;
} etwcap_clr_r2r_info;

etwcap_decode_result etwcap_decode_process(const etwcap_event *ev, etwcap_process_info *out);
etwcap_decode_result etwcap_decode_thread(const etwcap_event *ev, etwcap_thread_info *out);
etwcap_decode_result etwcap_decode_image(const etwcap_event *ev, etwcap_image_info *out);
etwcap_decode_result etwcap_decode_image_id(const etwcap_event *ev, etwcap_image_id_info *out);
etwcap_decode_result etwcap_decode_stackwalk(const etwcap_event *ev, etwcap_stackwalk_info *out);
etwcap_decode_result etwcap_decode_stack_key_def(const etwcap_event *ev,
                                                 etwcap_stack_key_def_info *out);
etwcap_decode_result etwcap_decode_stack_key_ref(const etwcap_event *ev,
                                                 etwcap_stack_key_ref_info *out);
etwcap_decode_result etwcap_decode_sample(const etwcap_event *ev, etwcap_sample_info *out);
etwcap_decode_result etwcap_decode_clr_method(const etwcap_event *ev, etwcap_clr_method_info *out);
etwcap_decode_result etwcap_decode_clr_module(const etwcap_event *ev, etwcap_clr_module_info *out);
etwcap_decode_result etwcap_decode_clr_stack(const etwcap_event *ev, etwcap_clr_stack_info *out);
etwcap_decode_result etwcap_decode_clr_r2r(const etwcap_event *ev, etwcap_clr_r2r_info *out);

/* TraceLog's idle rule (etl-format.md §8): a SampledProfile on thread 0
 * that is not executing a DPC or ISR is idle time, not a sample of anyone. */
int etwcap_event_is_idle_sample(const etwcap_event *ev);
/* The same test for an event already known to be a SampledProfile. */
int etwcap_sample_is_idle(const etwcap_event *ev);

/* Frame i of a frame array (4- or 8-byte little-endian entries). */
uint64_t etwcap_frame_at(const uint8_t *frames, unsigned frame_size, size_t i);

/* UTF-8 copy of a span into out (NUL-terminated, truncated to cap). */
size_t etwcap_wspan_to_utf8(etwcap_wspan s, char *out, size_t cap);
size_t etwcap_cspan_to_utf8(etwcap_cspan s, char *out, size_t cap);

/* Decode the payload of `ev` into TraceEvent-named fields. */
etwcap_decode_result etwcap_decode_fields(const etwcap_event *ev, etwcap_fields *out);

#ifdef __cplusplus
}
#endif
#endif
