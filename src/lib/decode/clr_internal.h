/* clr_internal.h - shared by the CLR decoders (clr_*.c).
 *
 * Field names, value types and enum texts follow TraceEvent's
 * ClrTraceEventParser / ClrPrivateTraceEventParser (etl-format.md §4):
 *  - C# `long`/`int`/`short` properties are signed numbers (I64);
 *  - `Address`/`ulong` properties are addresses (HEX);
 *  - enums print as .NET's Enum.ToString() (names joined by ", " for
 *    [Flags], the number when a value has no name);
 *  - a field that TraceEvent returns as null (absent in that version) is an
 *    empty string, one it returns as 0/"" is 0/"".
 */
#ifndef ETWCAP_CLR_INTERNAL_H
#define ETWCAP_CLR_INTERNAL_H

#include "decode/decode_internal.h"

/* ---- .NET enum formatting ---- */

typedef struct clr_enum_item {
    int64_t value;
    const char *name;
} clr_enum_item;

typedef struct clr_enum {
    const clr_enum_item *items; /* ascending by value */
    size_t n;
    int flags; /* [Flags] enum */
} clr_enum;

/* Enum.ToString() of `v` into out (cap >= 2). */
void clr_enum_format(const clr_enum *e, int64_t v, char *out, size_t cap);

extern const clr_enum clr_enum_method_flags;
extern const clr_enum clr_enum_optimization_tier;
extern const clr_enum clr_enum_module_flags;
extern const clr_enum clr_enum_assembly_flags;
extern const clr_enum clr_enum_appdomain_flags;
extern const clr_enum clr_enum_startup_flags;
extern const clr_enum clr_enum_startup_mode;
extern const clr_enum clr_enum_runtime_sku;
extern const clr_enum clr_enum_exception_flags;
extern const clr_enum clr_enum_gc_reason;
extern const clr_enum clr_enum_gc_type;
extern const clr_enum clr_enum_gc_suspend_reason;
extern const clr_enum clr_enum_gc_alloc_kind;
extern const clr_enum clr_enum_gc_segment_type;
extern const clr_enum clr_enum_gc_global_mechanisms;
extern const clr_enum clr_enum_gc_pause_mode;
extern const clr_enum clr_enum_gc_handle_kind;
extern const clr_enum clr_enum_gc_settings_flags;
extern const clr_enum clr_enum_gc_bucket_kind;
extern const clr_enum clr_enum_gc_join_time;
extern const clr_enum clr_enum_gc_join_type;
extern const clr_enum clr_enum_compact_reason;
extern const clr_enum clr_enum_expand_mechanism;
extern const clr_enum clr_enum_concurrent_compact_reason;
extern const clr_enum clr_enum_contention_flags;
extern const clr_enum clr_enum_tiered_settings_flags;
extern const clr_enum clr_enum_ngen_bind;
extern const clr_enum clr_enum_thread_adjustment_reason;
extern const clr_enum clr_enum_wait_source;
extern const clr_enum clr_enum_il_stub_flags;

/* ---- field decoding context ----
 *
 * Each clr_f_* call reads one value at the cursor, adds it under `name`
 * (no field when name is NULL) and returns the value read. A read past the
 * end of the payload sets the cursor's short_read flag; clr_done() then
 * clears the list and returns SHORT. */
typedef struct clr_ctx {
    const etwcap_event *ev;
    etwcap_fields *out;
    etwcap_cursor c;
    unsigned ver;
    unsigned psize; /* 4 or 8 */
} clr_ctx;

void clr_ctx_init(clr_ctx *x, const etwcap_event *ev, etwcap_fields *out);
etwcap_decode_result clr_done(clr_ctx *x);
/* Move the cursor to an absolute payload offset (short when beyond it). */
void clr_seek(clr_ctx *x, size_t off);

int64_t clr_f_u8(clr_ctx *x, const char *name);  /* byte */
int64_t clr_f_i16(clr_ctx *x, const char *name); /* GetInt16At (signed) */
int64_t clr_f_u16(clr_ctx *x, const char *name); /* (ushort)GetInt16At */
int64_t clr_f_i32(clr_ctx *x, const char *name);
int64_t clr_f_i64(clr_ctx *x, const char *name);
int64_t clr_f_ptr_long(clr_ctx *x, const char *name); /* (long)GetAddressAt */
uint64_t clr_f_hex64(clr_ctx *x, const char *name);   /* (Address)GetInt64At */
uint64_t clr_f_hexptr(clr_ctx *x, const char *name);  /* GetAddressAt */
etwcap_wspan clr_f_wstr(clr_ctx *x, const char *name);
void clr_f_guid(clr_ctx *x, const char *name);
int clr_f_bool32(clr_ctx *x, const char *name); /* GetInt32At != 0 */
void clr_f_double(clr_ctx *x, const char *name);
/* Enums of 1, 2 or 4 bytes (the 2-byte form sign-extends like GetInt16At). */
int64_t clr_f_enum8(clr_ctx *x, const char *name, const clr_enum *e);
int64_t clr_f_enum16(clr_ctx *x, const char *name, const clr_enum *e);
int64_t clr_f_enum32(clr_ctx *x, const char *name, const clr_enum *e);

/* Values that do not come from the cursor. */
void clr_add_enum(clr_ctx *x, const char *name, const clr_enum *e, int64_t v);
void clr_add_i64(clr_ctx *x, const char *name, int64_t v);
void clr_add_empty(clr_ctx *x, const char *name); /* TraceEvent's null */
/* ClrInstanceID (u16 at the cursor) from `since` on, else 0. */
void clr_f_instance(clr_ctx *x, unsigned since);

/* ---- per-family field decoders (UNKNOWN for ids they do not own) ---- */
etwcap_decode_result clr_fields_method(clr_ctx *x, unsigned id, int rundown);
etwcap_decode_result clr_fields_loader(clr_ctx *x, unsigned id, int rundown);
etwcap_decode_result clr_fields_gc(clr_ctx *x, unsigned id);
etwcap_decode_result clr_fields_gc_history(clr_ctx *x, unsigned id);
etwcap_decode_result clr_fields_misc(clr_ctx *x, unsigned id);
etwcap_decode_result clr_fields_rundown(clr_ctx *x, unsigned id);
etwcap_decode_result clr_fields_private(clr_ctx *x, unsigned id);

/* Shared by runtime and rundown/private providers. */
etwcap_decode_result clr_f_runtime_info(clr_ctx *x);
etwcap_decode_result clr_f_stack_walk(clr_ctx *x);
etwcap_decode_result clr_f_gc_mark(clr_ctx *x);
etwcap_decode_result clr_f_per_heap_history(clr_ctx *x);
etwcap_decode_result clr_f_global_heap_history(clr_ctx *x);
etwcap_decode_result clr_f_thread_created(clr_ctx *x);
etwcap_decode_result clr_f_finalize_object(clr_ctx *x);
etwcap_decode_result clr_f_pin_object(clr_ctx *x);
etwcap_decode_result clr_f_gc_handle(clr_ctx *x, int destroy);

#endif
