/* stats.c - per-type event counts (`etwcap stats`).
 *
 * Names are built once per distinct event type: a small cache keyed by the
 * fields that decide the name maps each event to its counter without
 * formatting the name again, which keeps the per-event cost low.
 */
#include "etwcap/decode.h"
#include "etwcap/names.h"
#include "etwcap/output.h"

#include <stdlib.h>
#include <string.h>

typedef struct counter {
    char *name;
    uint64_t count; /* events counted under this name; its types count in their slots */
} counter;

/* Key of an event type: everything etwcap_event_name looks at, except for
 * TraceLogging events, whose name comes from the event itself. Held as whole
 * words, built and hashed in registers: a key assembled field by field in
 * memory and then read back as words stalls every lookup (the wide loads
 * cannot be forwarded from the narrow stores). */
typedef struct type_key {
    uint64_t guid_lo, guid_hi; /* the provider GUID's 16 bytes */
    uint64_t ids;              /* id, hook_id, task (16 bits each), opcode, version */
    uint64_t kind;
} type_key;

static type_key key_of(const etwcap_event *ev)
{
    type_key k;
    memcpy(&k.guid_lo, &ev->provider, 8);
    memcpy(&k.guid_hi, (const char *)&ev->provider + 8, 8);
    k.ids = (uint64_t)ev->id | (uint64_t)ev->hook_id << 16 | (uint64_t)ev->task << 32 |
            (uint64_t)ev->opcode << 48 | (uint64_t)ev->version << 56;
    k.kind = (uint64_t)ev->kind;
    return k;
}

static int key_equal(const type_key *a, const type_key *b)
{
    return ((a->guid_lo ^ b->guid_lo) | (a->guid_hi ^ b->guid_hi) | (a->ids ^ b->ids) |
            (a->kind ^ b->kind)) == 0;
}

typedef struct slot {
    type_key key;
    uint32_t counter; /* index + 1; 0 = empty */
    uint64_t count;   /* events of this type; kept here, next to the key the lookup
                       * has just read, rather than in the counter */
} slot;

struct etwcap_stats {
    counter *counters;
    size_t ncounters, capcounters;
    /* name -> counter, open addressing */
    size_t *by_name;
    size_t name_cap;
    /* type -> counter, open addressing */
    slot *types;
    size_t type_cap, ntypes;
    uint64_t total;
};

/* The type cache is looked up once per event: two independent
 * multiplications over the key's words (a short dependency chain), mixed so
 * that the low bits used as the index depend on every word. */
static uint64_t hash_key(const type_key *k)
{
    uint64_t h = ((k->guid_lo ^ k->ids) * 0x9E3779B97F4A7C15ULL) ^
                 ((k->guid_hi ^ k->kind) * 0xBF58476D1CE4E5B9ULL);
    return h ^ (h >> 29);
}

static uint64_t hash_bytes(const void *p, size_t n)
{
    const unsigned char *b = p;
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 1099511628211ULL;
    return h;
}

etwcap_status etwcap_stats_create(etwcap_stats **out)
{
    etwcap_stats *st = calloc(1, sizeof *st);
    if (!st)
        return ETWCAP_ERR_NOMEM;
    st->name_cap = 256;
    st->type_cap = 256;
    st->by_name = calloc(st->name_cap, sizeof *st->by_name);
    st->types = calloc(st->type_cap, sizeof *st->types);
    if (!st->by_name || !st->types) {
        etwcap_stats_free(st);
        return ETWCAP_ERR_NOMEM;
    }
    *out = st;
    return ETWCAP_OK;
}

static int grow_names(etwcap_stats *st)
{
    size_t cap = st->name_cap * 2;
    size_t *t = calloc(cap, sizeof *t);
    if (!t)
        return -1;
    for (size_t i = 0; i < st->ncounters; i++) {
        size_t h = (size_t)hash_bytes(st->counters[i].name, strlen(st->counters[i].name));
        size_t k = h & (cap - 1);
        while (t[k])
            k = (k + 1) & (cap - 1);
        t[k] = i + 1;
    }
    free(st->by_name);
    st->by_name = t;
    st->name_cap = cap;
    return 0;
}

/* Counter index for `name`, created when new; SIZE_MAX on allocation failure. */
static size_t counter_for_name(etwcap_stats *st, const char *name)
{
    size_t n = strlen(name);
    size_t k = (size_t)hash_bytes(name, n) & (st->name_cap - 1);
    while (st->by_name[k]) {
        counter *c = &st->counters[st->by_name[k] - 1];
        if (strcmp(c->name, name) == 0)
            return st->by_name[k] - 1;
        k = (k + 1) & (st->name_cap - 1);
    }
    if (st->ncounters == st->capcounters) {
        size_t cap = st->capcounters ? st->capcounters * 2 : 64;
        counter *c = realloc(st->counters, cap * sizeof *c);
        if (!c)
            return SIZE_MAX;
        st->counters = c;
        st->capcounters = cap;
    }
    char *copy = malloc(n + 1);
    if (!copy)
        return SIZE_MAX;
    memcpy(copy, name, n + 1);
    size_t idx = st->ncounters++;
    st->counters[idx].name = copy;
    st->counters[idx].count = 0;
    st->by_name[k] = idx + 1;
    if (st->ncounters * 2 > st->name_cap && grow_names(st) != 0)
        return SIZE_MAX;
    return idx;
}

static int grow_types(etwcap_stats *st)
{
    size_t cap = st->type_cap * 2;
    slot *t = calloc(cap, sizeof *t);
    if (!t)
        return -1;
    for (size_t i = 0; i < st->type_cap; i++) {
        if (!st->types[i].counter)
            continue;
        size_t k = (size_t)hash_key(&st->types[i].key) & (cap - 1);
        while (t[k].counter)
            k = (k + 1) & (cap - 1);
        t[k] = st->types[i];
    }
    free(st->types);
    st->types = t;
    st->type_cap = cap;
    return 0;
}

etwcap_status etwcap_stats_add(etwcap_stats *st, const etwcap_event *ev)
{
    char name[512];
    st->total++;
    /* TraceLogging and CLR id 39 events take their name from the payload;
     * only manifest events can. */
    if (ev->kind == ETWCAP_KIND_MANIFEST && etwcap_event_name_varies(ev)) {
        etwcap_event_name(ev, name, sizeof name);
        size_t c = counter_for_name(st, name);
        if (c == SIZE_MAX)
            return ETWCAP_ERR_NOMEM;
        st->counters[c].count++;
        return ETWCAP_OK;
    }
    /* TraceLog's idle rule (etl-format.md §8): a SampledProfile on thread 0
     * that is not executing a DPC or ISR is idle time; TraceEvent does not
     * count it, and TOTAL alone counts it here. Tested before the type key
     * is hashed: half the records of a sampled trace can be idle samples
     * (net.4.5.2.x86.etl: 82,000 of 168,298), and skipping the lookup for
     * them made `stats` 1-3% faster (issue #8). */
    if (etwcap_event_is_idle_sample(ev))
        return ETWCAP_OK;
    const type_key key = key_of(ev);
    size_t k = (size_t)hash_key(&key) & (st->type_cap - 1);
    while (st->types[k].counter) {
        if (key_equal(&st->types[k].key, &key)) {
            st->types[k].count++;
            return ETWCAP_OK;
        }
        k = (k + 1) & (st->type_cap - 1);
    }
    /* A new type. */
    etwcap_event_name(ev, name, sizeof name);
    size_t c = counter_for_name(st, name);
    if (c == SIZE_MAX || c >= UINT32_MAX)
        return ETWCAP_ERR_NOMEM;
    st->types[k].key = key;
    st->types[k].counter = (uint32_t)(c + 1);
    st->types[k].count = 1;
    if (++st->ntypes * 2 > st->type_cap && grow_types(st) != 0)
        return ETWCAP_ERR_NOMEM;
    return ETWCAP_OK;
}

/* Every counter's count: the events counted under its name plus those of
 * its types. NULL when out of memory. */
static uint64_t *counts_collect(const etwcap_stats *st)
{
    uint64_t *n = calloc(st->ncounters ? st->ncounters : 1, sizeof *n);
    if (!n)
        return NULL;
    for (size_t i = 0; i < st->ncounters; i++)
        n[i] = st->counters[i].count;
    for (size_t i = 0; i < st->type_cap; i++)
        if (st->types[i].counter)
            n[st->types[i].counter - 1] += st->types[i].count;
    return n;
}

etwcap_status etwcap_stats_merge(etwcap_stats *dst, const etwcap_stats *src)
{
    uint64_t *n = counts_collect(src);
    if (!n)
        return ETWCAP_ERR_NOMEM;
    for (size_t i = 0; i < src->ncounters; i++) {
        size_t c = counter_for_name(dst, src->counters[i].name);
        if (c == SIZE_MAX) {
            free(n);
            return ETWCAP_ERR_NOMEM;
        }
        dst->counters[c].count += n[i];
    }
    dst->total += src->total;
    free(n);
    return ETWCAP_OK;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(((const counter *)a)->name, ((const counter *)b)->name);
}

etwcap_status etwcap_stats_write(etwcap_stats *st, FILE *f)
{
    counter *sorted = malloc((st->ncounters ? st->ncounters : 1) * sizeof *sorted);
    uint64_t *n = counts_collect(st);
    if (!sorted || !n) {
        free(sorted);
        free(n);
        return ETWCAP_ERR_NOMEM;
    }
    for (size_t i = 0; i < st->ncounters; i++) {
        sorted[i].name = st->counters[i].name;
        sorted[i].count = n[i];
    }
    free(n);
    qsort(sorted, st->ncounters, sizeof *sorted, by_name);
    for (size_t i = 0; i < st->ncounters; i++)
        fprintf(f, "COUNT %s:%llu\n", sorted[i].name, (unsigned long long)sorted[i].count);
    fprintf(f, "TOTAL:%llu\n", (unsigned long long)st->total);
    free(sorted);
    return ferror(f) ? ETWCAP_ERR_IO : ETWCAP_OK;
}

uint64_t etwcap_stats_total(const etwcap_stats *st)
{
    return st->total;
}

uint64_t etwcap_stats_count(const etwcap_stats *st, const char *name)
{
    for (size_t i = 0; i < st->ncounters; i++) {
        if (strcmp(st->counters[i].name, name) != 0)
            continue;
        uint64_t n = st->counters[i].count;
        for (size_t k = 0; k < st->type_cap; k++)
            if (st->types[k].counter == i + 1)
                n += st->types[k].count;
        return n;
    }
    return 0;
}

void etwcap_stats_free(etwcap_stats *st)
{
    if (!st)
        return;
    for (size_t i = 0; i < st->ncounters; i++)
        free(st->counters[i].name);
    free(st->counters);
    free(st->by_name);
    free(st->types);
    free(st);
}
