/* names.c - event and provider names as TraceEvent (PerfView) writes them.
 *
 * A name is "Provider/Task/Opcode", or "Provider/Task" when the opcode is 0
 * or has no name. The tables live in names_kernel.c (kernel and classic
 * classes, by class GUID and opcode) and names_clr.c (manifest providers, by
 * provider GUID and event id); this file formats names and handles the cases
 * that need the event itself:
 *
 *  - TraceLogging events: provider name from the PROV_TRAITS item, event
 *    name from the EVENT_SCHEMA_TL item;
 *  - the CLR's GCDynamicEvent (runtime id 39), whose name TraceEvent takes
 *    from the payload;
 *  - unknown events: "Provider(<guid>)/EventID(<id>)" for manifest events
 *    (TraceEvent's "EventWriteString" for id 0), "Provider(<guid>)/Opcode(<n>)"
 *    for classic and kernel events of an unknown class, "<Task>/Opcode(<n>)"
 *    for an unnamed opcode of a known class (the bare task for opcode 0).
 *
 * Everything is table lookups and copies into the caller's buffer: no
 * allocation and no mutable state, so it is safe from any thread.
 */
#include "etwcap/names.h"

#include <stdint.h>
#include <string.h>

/* From names_kernel.c and names_clr.c (same prototypes there). */
const char *etwcap_names_classic_provider(unsigned prov);
int etwcap_names_classic(const etwcap_guid *cls, unsigned opcode, unsigned *prov, const char **task,
                         const char **name);
const etwcap_guid *etwcap_names_kernel_group_guid(unsigned group);
int etwcap_names_classic_find_provider(const char *name, etwcap_guid *out, int *is_kernel);
int etwcap_names_classic_owner(const etwcap_guid *cls, etwcap_guid *owner, int *is_kernel);
int etwcap_names_kernel_check(void);
int etwcap_names_manifest(const etwcap_guid *provider, unsigned id, const char **prov_name,
                          const char **name);
int etwcap_names_manifest_find_provider(const char *name, etwcap_guid *out);
int etwcap_names_is_clr_runtime(const etwcap_guid *provider);
int etwcap_names_clr_check(void);

/* Defined here, used by the unit tests only. */
int etwcap_names_check_tables(void);

/* SystemTraceControlGuid: the provider GUID of "Windows Kernel". */
static const etwcap_guid system_trace_guid = {
    0x9e814aad, 0x3204, 0x11d2, {0x9a, 0x82, 0x00, 0x60, 0x08, 0xa8, 0x69, 0x39}};

/* ---- bounded string building ------------------------------------------- */

typedef struct writer {
    char *out;
    size_t cap; /* > 0 */
    size_t len; /* always < cap; out[len] == '\0' */
} writer;

static void w_bytes(writer *w, const char *s, size_t n)
{
    size_t room = w->cap - 1 - w->len;
    if (n > room)
        n = room;
    memcpy(w->out + w->len, s, n);
    w->len += n;
    w->out[w->len] = '\0';
}

static void w_str(writer *w, const char *s)
{
    w_bytes(w, s, strlen(s));
}

static void w_uint(writer *w, unsigned v)
{
    char buf[12];
    size_t i = sizeof buf;
    do {
        buf[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    w_bytes(w, buf + i, sizeof buf - i);
}

static void w_guid(writer *w, const etwcap_guid *g)
{
    char buf[37];
    etwcap_guid_format(g, buf);
    w_bytes(w, buf, 36);
}

/* "Provider(<guid>)" */
static void w_unknown_provider(writer *w, const etwcap_guid *g)
{
    w_str(w, "Provider(");
    w_guid(w, g);
    w_str(w, ")");
}

/* "<label>(<n>)", e.g. "Opcode(37)" */
static void w_num(writer *w, const char *label, unsigned n)
{
    w_str(w, label);
    w_str(w, "(");
    w_uint(w, n);
    w_str(w, ")");
}

/* ---- TraceLogging ------------------------------------------------------ */

static const etwcap_ext_item *find_ext(const etwcap_event *ev, uint16_t type)
{
    size_t n = ev->ext_count < ETWCAP_MAX_EXT_ITEMS ? ev->ext_count : ETWCAP_MAX_EXT_ITEMS;
    for (size_t i = 0; i < n; i++)
        if (ev->ext[i].type == type && ev->ext[i].data)
            return &ev->ext[i];
    return NULL;
}

/* Usable length of a TraceLogging blob: the item size, capped by the blob's
 * own u16 total size when that is sane. */
static size_t tl_blob_len(const etwcap_ext_item *it)
{
    size_t n = it->size, total;
    if (n < 2)
        return 0;
    total = (size_t)it->data[0] | (size_t)it->data[1] << 8;
    return (total >= 2 && total < n) ? total : n;
}

/* Event name in an EVENT_SCHEMA_TL item: u16 size, one or more tag bytes
 * (bit 0x80 = another follows), then the UTF-8 name, NUL-terminated. */
static int tl_event_name(const etwcap_ext_item *it, const char **name, size_t *len)
{
    size_t n = tl_blob_len(it), i = 2, start;
    const uint8_t *d = it->data;
    while (i < n && (d[i] & 0x80))
        i++;
    i++; /* the last tag byte */
    if (i >= n)
        return 0;
    start = i;
    while (i < n && d[i])
        i++;
    *name = (const char *)d + start;
    *len = i - start;
    return *len > 0;
}

/* Provider name in a PROV_TRAITS item: u16 size, then the UTF-8 name,
 * NUL-terminated, then the traits. */
static int tl_provider_name(const etwcap_ext_item *it, const char **name, size_t *len)
{
    size_t n = tl_blob_len(it), i = 2;
    const uint8_t *d = it->data;
    while (i < n && d[i])
        i++;
    *name = (const char *)d + 2;
    *len = i > 2 ? i - 2 : 0;
    return *len > 0;
}

/* A TraceLogging event: one whose EVENT_SCHEMA_TL item holds a name. */
static int tl_event(const etwcap_event *ev, const char **name, size_t *len)
{
    const etwcap_ext_item *schema;
    if (ev->kind != ETWCAP_KIND_MANIFEST || ev->ext_count == 0)
        return 0;
    schema = find_ext(ev, ETWCAP_EXT_EVENT_SCHEMA_TL);
    return schema != NULL && tl_event_name(schema, name, len);
}

/* TraceEvent takes a TraceLogging event's name through TDH and makes it an
 * identifier: spaces dropped, '-' turned into '_'. */
static void w_tl_identifier(writer *w, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == ' ')
            continue;
        if (c == '-')
            c = '_';
        w_bytes(w, &c, 1);
    }
}

/* Standard (winmeta) opcode names, as TDH and TraceEvent spell them. */
static void w_std_opcode(writer *w, unsigned opcode)
{
    static const char *const names[] = {NULL,        "Start", "Stop",   "DCStart", "DCStop",
                                        "Extension", "Reply", "Resume", "Suspend", "Send"};
    if (opcode < sizeof names / sizeof names[0])
        w_str(w, names[opcode]);
    else if (opcode == 240)
        w_str(w, "Receive");
    else
        w_num(w, "Opcode", opcode);
}

/* ---- the CLR's GCDynamicEvent -------------------------------------------- */

/* Runtime id 39 carries Name (UTF-16, NUL-terminated), DataSize (u32), Data.
 * TraceEvent names it GC/CommittedUsage when Name is "CommittedUsage" (any
 * case) and DataSize holds at least that event's 42 bytes, else
 * GC/DynamicTraceEvent. */
static int is_committed_usage(const etwcap_event *ev)
{
    static const char want[] = "committedusage";
    const size_t n = sizeof want - 1;
    const uint8_t *p = ev->payload;
    uint32_t data_size;
    if (!p || ev->payload_len < (n + 1) * 2 + 4)
        return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned c = p[2 * i] | (unsigned)p[2 * i + 1] << 8;
        if (c >= 'A' && c <= 'Z')
            c += 'a' - 'A';
        if (c != (unsigned char)want[i])
            return 0;
    }
    if (p[2 * n] || p[2 * n + 1])
        return 0;
    p += 2 * n + 2;
    data_size = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
    return data_size >= 42;
}

/* ---- resolution -------------------------------------------------------- */

/* The class GUID to look up for a kernel or classic event. A kernel event
 * without one (the reader knows no class for its group) falls back to the
 * group in the HookId. */
static const etwcap_guid *class_guid(const etwcap_event *ev)
{
    static const etwcap_guid zero = {0, 0, 0, {0}};
    if (ev->kind == ETWCAP_KIND_KERNEL && etwcap_guid_equal(&ev->provider, &zero)) {
        const etwcap_guid *g = etwcap_names_kernel_group_guid(ev->hook_id >> 8);
        if (g)
            return g;
    }
    return &ev->provider;
}

static int is_classic_kind(const etwcap_event *ev)
{
    return ev->kind == ETWCAP_KIND_KERNEL || ev->kind == ETWCAP_KIND_CLASSIC;
}

/* What an event is called, found with one table lookup. */
typedef struct resolved {
    const char *provider; /* provider name, or NULL: "Provider(<guid>)" */
    size_t provider_len;
    const etwcap_guid *guid; /* for "Provider(<guid>)" */
    const char *name;        /* event part, or NULL: see the fields below */
    size_t name_len;
    int tl;            /* name is a TraceLogging event name (made an identifier) */
    const char *task;  /* known class, unnamed opcode: "<task>/Opcode(<n>)" */
    const char *label; /* otherwise "<label>(<number>)" */
    unsigned number;
} resolved;

static void resolve_classic(const etwcap_event *ev, resolved *r)
{
    const etwcap_guid *g = class_guid(ev);
    unsigned prov;
    const char *task, *name;
    if (!etwcap_names_classic(g, ev->opcode, &prov, &task, &name)) {
        r->guid = g;
        r->label = "Opcode";
        r->number = ev->opcode;
        return;
    }
    r->provider = etwcap_names_classic_provider(prov);
    if (name)
        r->name = name;
    else if (ev->opcode == 0)
        r->name = task;
    else
        r->task = task;
    r->label = "Opcode";
    r->number = ev->opcode;
}

static void resolve_manifest(const etwcap_event *ev, resolved *r)
{
    const etwcap_ext_item *traits;
    const char *pname, *name;
    size_t len;

    r->guid = &ev->provider;
    if (tl_event(ev, &name, &len)) {
        r->name = name;
        r->name_len = len;
        r->tl = 1;
        traits = find_ext(ev, ETWCAP_EXT_PROV_TRAITS);
        if (traits && tl_provider_name(traits, &pname, &len)) {
            r->provider = pname;
            r->provider_len = len;
        }
        return;
    }
    if (etwcap_names_manifest(&ev->provider, ev->id, &pname, &name)) {
        r->provider = pname;
        if (name && ev->id == 39 && etwcap_names_is_clr_runtime(&ev->provider))
            name = is_committed_usage(ev) ? "GC/CommittedUsage" : "GC/DynamicTraceEvent";
        r->name = name;
    }
    if (!r->name) {
        if (ev->id == 0)
            r->name = "EventWriteString";
        r->label = "EventID";
        r->number = ev->id;
    }
}

static void resolve(const etwcap_event *ev, resolved *r)
{
    memset(r, 0, sizeof *r);
    if (is_classic_kind(ev)) {
        resolve_classic(ev, r);
    } else if (ev->kind == ETWCAP_KIND_MANIFEST) {
        resolve_manifest(ev, r);
    } else {
        /* WPP messages (no TMF decoding) and anything else: by number. */
        r->guid = &ev->provider;
        r->label = "EventID";
        r->number = ev->kind == ETWCAP_KIND_MESSAGE ? ev->message_number : ev->id;
    }
}

static void w_provider(writer *w, const resolved *r)
{
    if (r->provider)
        w_bytes(w, r->provider, r->provider_len ? r->provider_len : strlen(r->provider));
    else
        w_unknown_provider(w, r->guid);
}

static void w_event(writer *w, const etwcap_event *ev, const resolved *r)
{
    w_provider(w, r);
    w_str(w, "/");
    if (r->tl) {
        w_tl_identifier(w, r->name, r->name_len);
        if (ev->opcode != 0) {
            w_str(w, "/");
            w_std_opcode(w, ev->opcode);
        }
    } else if (r->name) {
        w_str(w, r->name);
    } else {
        if (r->task) {
            w_str(w, r->task);
            w_str(w, "/");
        }
        w_num(w, r->label, r->number);
    }
}

/* ---- public API -------------------------------------------------------- */

size_t etwcap_event_name(const etwcap_event *ev, char *out, size_t cap)
{
    writer w = {out, cap, 0};
    if (!out || cap == 0)
        return 0;
    out[0] = '\0';
    if (ev) {
        resolved r;
        resolve(ev, &r);
        w_event(&w, ev, &r);
    }
    return w.len;
}

size_t etwcap_provider_name(const etwcap_event *ev, char *out, size_t cap)
{
    writer w = {out, cap, 0};
    if (!out || cap == 0)
        return 0;
    out[0] = '\0';
    if (ev) {
        resolved r;
        resolve(ev, &r);
        w_provider(&w, &r);
    }
    return w.len;
}

int etwcap_event_name_varies(const etwcap_event *ev)
{
    if (ev->kind != ETWCAP_KIND_MANIFEST)
        return 0;
    if (ev->ext_count != 0 && find_ext(ev, ETWCAP_EXT_EVENT_SCHEMA_TL))
        return 1;
    return ev->id == 39 && etwcap_names_is_clr_runtime(&ev->provider);
}

int etwcap_provider_lookup(const char *name_or_guid, etwcap_guid *out, int *is_kernel)
{
    etwcap_guid g;
    int kernel = 0;
    char buf[40];
    const char *s = name_or_guid;
    size_t n;

    if (!s || !*s)
        return -1;
    /* "Provider(<guid>)", the way unknown providers are printed. */
    n = strlen(s);
    if (n > 10 && n - 10 < sizeof buf && strncmp(s, "Provider(", 9) == 0 && s[n - 1] == ')') {
        memcpy(buf, s + 9, n - 10);
        buf[n - 10] = '\0';
        s = buf;
    }
    if (etwcap_guid_parse(s, &g) == 0) {
        kernel = etwcap_guid_equal(&g, &system_trace_guid);
    } else if (!etwcap_names_classic_find_provider(s, &g, &kernel) &&
               !etwcap_names_manifest_find_provider(s, &g)) {
        return -1;
    }
    if (out)
        *out = g;
    if (is_kernel)
        *is_kernel = kernel;
    return 0;
}

int etwcap_event_from_provider(const etwcap_event *ev, const etwcap_guid *provider, int is_kernel)
{
    etwcap_guid owner;
    int owner_kernel = 0;

    if (is_classic_kind(ev)) {
        if (!etwcap_names_classic_owner(class_guid(ev), &owner, &owner_kernel)) {
            /* A class TraceEvent has no parser for: a kernel one still
             * belongs to "Windows Kernel", a classic one only to itself. */
            if (ev->kind == ETWCAP_KIND_KERNEL)
                return is_kernel;
            return !is_kernel && etwcap_guid_equal(&ev->provider, provider);
        }
        if (is_kernel)
            return owner_kernel;
        return etwcap_guid_equal(&owner, provider) || etwcap_guid_equal(class_guid(ev), provider);
    }
    if (is_kernel)
        return 0;
    if (etwcap_guid_equal(&ev->provider, provider))
        return 1;
    /* Two GUIDs of one provider (the CLR's .NET Native twins). */
    if (ev->kind == ETWCAP_KIND_MANIFEST) {
        const char *a, *b, *name;
        return etwcap_names_manifest(&ev->provider, 0, &a, &name) &&
               etwcap_names_manifest(provider, 0, &b, &name) && strcmp(a, b) == 0;
    }
    return 0;
}

int etwcap_names_check_tables(void)
{
    return etwcap_names_kernel_check() && etwcap_names_clr_check();
}
