/* modules.c - per-process modules and JIT'd methods over time.
 *
 * Image Load/DCStart add a module, Unload ends it (etl-format.md §3.4).
 * KernelTraceControl ImageID records carry the same timestamp as the Image
 * event they describe and sit next to it, before or after (§3.5): they are
 * paired by timestamp and ImageBase. NT device paths become drive-letter
 * paths through the trace's own SysConfig volume mapping.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/bytes.h"
#include "decode/decode_internal.h"
#include "etwcap/symbol.h"
#include "state/state_internal.h"

/* SysConfig class of KernelTraceControl (VolumeMapping is opcode 35). */
static const etwcap_guid sysconfig_guid = {
    0x9b79ee91, 0xb5fd, 0x41c0, {0xa2, 0x43, 0x42, 0x48, 0xe2, 0x66, 0xe9, 0xd0}};

void etwcap_volmap_free(etwcap_volmap *v)
{
    for (size_t i = 0; i < v->n; i++) {
        free(v->nt[i]);
        free(v->dos[i]);
    }
    free(v->nt);
    free(v->dos);
    memset(v, 0, sizeof *v);
}

static int lower(int c)
{
    return (c >= 'A' && c <= 'Z') ? c + 32 : c;
}

static int prefix_icase(const char *s, const char *prefix)
{
    for (; *prefix; s++, prefix++)
        if (lower((unsigned char)*s) != lower((unsigned char)*prefix))
            return 0;
    return 1;
}

/* NT path -> drive-letter path: the longest VolumeMapping prefix (its DOS
 * side non-empty), else "\Windows\..." under SystemPaths' Windows
 * directory, else the path as logged (etl-format.md §3.4, §8). */
size_t etwcap_state_map_path(const etwcap_state *st, const char *nt, char *out, size_t cap)
{
    size_t best = SIZE_MAX, best_len = 0;
    for (size_t i = 0; i < st->volumes.n; i++) {
        size_t len = strlen(st->volumes.nt[i]);
        if (len > best_len && st->volumes.dos[i][0] && prefix_icase(nt, st->volumes.nt[i])) {
            best = i;
            best_len = len;
        }
    }
    const char *head = "", *rest = nt;
    if (best != SIZE_MAX) {
        head = st->volumes.dos[best];
        rest = nt + best_len;
    } else if (st->windows_dir && prefix_icase(nt, "\\Windows\\")) {
        head = st->windows_dir;
        rest = nt + strlen("\\Windows\\");
    }
    int n = snprintf(out, cap, "%s%s", head, rest);
    return n < 0 ? 0 : ((size_t)n < cap ? (size_t)n : cap - 1);
}

int etwcap_state_container_id_parse(const char *in, size_t n, char guid[37])
{
    if (n == 38 && in[0] == '{' && in[37] == '}') {
        in++;
        n -= 2;
    }
    if (n != 36)
        return -1;
    for (size_t i = 0; i < 36; i++) {
        char c = in[i];
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (c != '-')
                return -1;
        } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
            return -1;
        }
        guid[i] = (char)lower((unsigned char)c);
    }
    guid[36] = '\0';
    return 0;
}

/* Container image paths: the host kernel names files inside a container's
 * layer "\Device\VhdHardDisk{GUID}\..." (etl-format.md §6.1); the GUID
 * names the container (§6.3). */
int etwcap_state_vhd_path(const char *nt, char guid[37], const char **rest)
{
    static const char prefix[] = "\\Device\\VhdHardDisk{";
    const size_t np = sizeof prefix - 1;
    if (!nt || !prefix_icase(nt, prefix))
        return 0;
    const char *g = nt + np;
    size_t n = 0;
    while (n < 37 && g[n] && g[n] != '}')
        n++;
    if (g[n] != '}' || etwcap_state_container_id_parse(g, n, guid) != 0)
        return 0;
    const char *r = g + n + 1;
    while (*r == '\\')
        r++;
    *rest = r;
    return 1;
}

static char *map_path(const etwcap_state *st, const char *nt)
{
    size_t cap = strlen(nt) + 1024;
    char *p = malloc(cap);
    if (p)
        etwcap_state_map_path(st, nt, p, cap);
    return p;
}

/* The loaded (not unloaded) module at `base`. A module is created only when
 * none is loaded at its base, so the newest module with that base is the only
 * one that can be loaded (the index keeps the newest). */
static etwcap_module *find_loaded(etwcap_process *p, const etwcap_proc_index *x, uint64_t base)
{
    size_t i = etwcap_u64map_get(&x->module_by_base, base);
    if (i != SIZE_MAX && i < p->nmodules && p->modules[i].unload_time == ETWCAP_TIME_NEVER)
        return &p->modules[i];
    return NULL;
}

static void attach_id(etwcap_module *m, const etwcap_image_id_info *id, const char *pdb)
{
    if (id->kind != ETWCAP_IMAGEID_RSDS || m->has_pdb)
        return;
    m->has_pdb = 1;
    m->pdb_guid = id->guid;
    m->pdb_age = id->age;
    free(m->pdb_name);
    size_t n = strlen(pdb);
    m->pdb_name = malloc(n + 1);
    if (m->pdb_name)
        memcpy(m->pdb_name, pdb, n + 1);
}

etwcap_status etwcap_state_on_image(etwcap_state *st, const etwcap_event *ev)
{
    etwcap_image_info ii;
    if (etwcap_decode_image(ev, &ii) != ETWCAP_DECODE_OK)
        return ETWCAP_OK;
    size_t pi = etwcap_state_process_for(st, ii.pid, ev->timestamp);
    if (pi == SIZE_MAX)
        return ETWCAP_ERR_NOMEM;
    etwcap_process *p = &st->procs[pi];
    etwcap_proc_index *x = etwcap_state_index(st, pi);
    if (!x)
        return ETWCAP_ERR_NOMEM;
    etwcap_module *m = find_loaded(p, x, ii.base);
    const int rundown = ev->opcode == 3 || ev->opcode == 4;
    if (ev->opcode == 2) { /* Unload */
        if (m)
            m->unload_time = ev->timestamp;
        return ETWCAP_OK;
    }
    if (!m) {
        if (p->nmodules == p->capmodules) {
            size_t cap = p->capmodules ? p->capmodules * 2 : 32;
            etwcap_module *n = realloc(p->modules, cap * sizeof *n);
            if (!n)
                return ETWCAP_ERR_NOMEM;
            p->modules = n;
            p->capmodules = cap;
        }
        if (etwcap_u64map_put(&x->module_by_base, ii.base, p->nmodules) != 0 ||
            etwcap_rangeidx_add(&x->modules, ii.base, ii.size, p->nmodules) != 0)
            return ETWCAP_ERR_NOMEM;
        m = &p->modules[p->nmodules++];
        memset(m, 0, sizeof *m);
        m->base = ii.base;
        m->size = ii.size;
        m->time_date_stamp = ii.time_date_stamp;
        m->checksum = ii.checksum;
        m->load_time = ev->timestamp;
        m->unload_time = ETWCAP_TIME_NEVER;
        m->rundown = rundown;
        m->nt_path = etwcap_state_dup_w(ii.file_name);
        m->path = m->nt_path ? map_path(st, m->nt_path) : NULL;
        if (!m->nt_path || !m->path)
            return ETWCAP_ERR_NOMEM;
    }
    st->pending_image_proc = pi;
    st->pending_image_mod = (size_t)(m - p->modules);
    st->pending_image_ts = ev->timestamp;
    st->pending_image_base = ii.base;
    if (st->has_early_id && st->early_id_ts == ev->timestamp && st->early_id.base == ii.base)
        attach_id(m, &st->early_id, st->early_pdb);
    st->has_early_id = 0;
    return ETWCAP_OK;
}

etwcap_status etwcap_state_on_image_id(etwcap_state *st, const etwcap_event *ev)
{
    etwcap_image_id_info id;
    if (etwcap_decode_image_id(ev, &id) != ETWCAP_DECODE_OK || id.kind != ETWCAP_IMAGEID_RSDS)
        return ETWCAP_OK;
    char pdb[260];
    etwcap_cspan_to_utf8(id.pdb_name, pdb, sizeof pdb);
    if (st->pending_image_proc != SIZE_MAX && st->pending_image_ts == ev->timestamp &&
        st->pending_image_base == id.base) {
        etwcap_process *p = &st->procs[st->pending_image_proc];
        attach_id(&p->modules[st->pending_image_mod], &id, pdb);
        return ETWCAP_OK;
    }
    /* Written before its Image event: keep it for the next one. */
    st->early_id = id;
    memcpy(st->early_pdb, pdb, sizeof pdb);
    st->has_early_id = 1;
    st->early_id_ts = ev->timestamp;
    return ETWCAP_OK;
}

etwcap_status etwcap_state_on_method(etwcap_state *st, const etwcap_event *ev)
{
    etwcap_clr_method_info mi;
    if (etwcap_decode_clr_method(ev, &mi) != ETWCAP_DECODE_OK || ev->pid == ETWCAP_NO_ID)
        return ETWCAP_OK;
    const int rundown = etwcap_guid_equal(&ev->provider, &etwcap_guid_clr_rundown);
    /* Runtime 142/144 are unloads; rundown 142/144 are DCEnd (§4.3). */
    const int unload = !rundown && (ev->id == 142 || ev->id == 144);
    size_t pi = etwcap_state_process_for(st, ev->pid, ev->timestamp);
    if (pi == SIZE_MAX)
        return ETWCAP_ERR_NOMEM;
    etwcap_process *p = &st->procs[pi];
    etwcap_proc_index *x = etwcap_state_index(st, pi);
    if (!x)
        return ETWCAP_ERR_NOMEM;
    /* The loaded method with this id and start: a method is created only when
     * none is loaded, so only the newest with that id and start can be. The
     * index keeps the newest per key; when two keys share a hash value the
     * records are scanned. */
    etwcap_method *m = NULL;
    const uint64_t key = etwcap_method_key(mi.method_id, mi.start);
    size_t k = etwcap_u64map_get(&x->method_by_key, key);
    if (k != SIZE_MAX && k < p->nmethods && p->methods[k].method_id == mi.method_id &&
        p->methods[k].start == mi.start) {
        if (p->methods[k].unload_time == ETWCAP_TIME_NEVER)
            m = &p->methods[k];
    } else if (k != SIZE_MAX) {
        for (size_t i = p->nmethods; i-- > 0;) {
            etwcap_method *c = &p->methods[i];
            if (c->method_id == mi.method_id && c->start == mi.start &&
                c->unload_time == ETWCAP_TIME_NEVER) {
                m = c;
                break;
            }
        }
    }
    if (unload) {
        if (m)
            m->unload_time = ev->timestamp;
        return ETWCAP_OK;
    }
    if (!m) {
        if (p->nmethods == p->capmethods) {
            size_t cap = p->capmethods ? p->capmethods * 2 : 64;
            etwcap_method *n = realloc(p->methods, cap * sizeof *n);
            if (!n)
                return ETWCAP_ERR_NOMEM;
            p->methods = n;
            p->capmethods = cap;
        }
        if (etwcap_u64map_put(&x->method_by_key, key, p->nmethods) != 0 ||
            etwcap_rangeidx_add(&x->methods, mi.start, mi.size, p->nmethods) != 0)
            return ETWCAP_ERR_NOMEM;
        m = &p->methods[p->nmethods++];
        memset(m, 0, sizeof *m);
        m->method_id = mi.method_id;
        m->module_id = mi.module_id;
        m->start = mi.start;
        m->size = mi.size;
        m->token = mi.token;
        m->flags = mi.flags;
        m->rejit_id = mi.rejit_id;
        m->load_time = ev->timestamp;
        m->unload_time = ETWCAP_TIME_NEVER;
        m->from_rundown = rundown;
    }
    if (mi.verbose && !m->method_name) {
        m->method_namespace = etwcap_state_dup_w(mi.method_namespace);
        m->method_name = etwcap_state_dup_w(mi.method_name);
        m->signature = etwcap_state_dup_w(mi.method_signature);
        if (!m->method_namespace || !m->method_name || !m->signature)
            return ETWCAP_ERR_NOMEM;
    }
    return ETWCAP_OK;
}

/* File name part of a path (after the last '\' or '/'). */
static const char *base_name(const char *s)
{
    const char *b = s;
    for (; *s; s++)
        if (*s == '\\' || *s == '/')
            b = s + 1;
    return b;
}

static int same_icase(const char *a, const char *b)
{
    for (; *a && *b; a++, b++)
        if (lower((unsigned char)*a) != lower((unsigned char)*b))
            return 0;
    return *a == *b;
}

etwcap_status etwcap_state_on_clr_module(etwcap_state *st, const etwcap_event *ev)
{
    etwcap_clr_module_info cm;
    if (etwcap_decode_clr_module(ev, &cm) != ETWCAP_DECODE_OK || ev->pid == ETWCAP_NO_ID)
        return ETWCAP_OK;
    size_t pi = etwcap_state_process_for(st, ev->pid, ev->timestamp);
    if (pi == SIZE_MAX)
        return ETWCAP_ERR_NOMEM;
    etwcap_process *p = &st->procs[pi];
    char il[520], native[520];
    etwcap_wspan_to_utf8(cm.il_path, il, sizeof il);
    etwcap_wspan_to_utf8(cm.native_path, native, sizeof native);
    if (!etwcap_state_clr_module(st, pi, cm.module_id)) {
        if (p->nclr_modules == p->capclr_modules) {
            size_t cap = p->capclr_modules ? p->capclr_modules * 2 : 16;
            etwcap_clr_module *n = realloc(p->clr_modules, cap * sizeof *n);
            if (!n)
                return ETWCAP_ERR_NOMEM;
            p->clr_modules = n;
            p->capclr_modules = cap;
        }
        etwcap_clr_module *c = &p->clr_modules[p->nclr_modules++];
        memset(c, 0, sizeof *c);
        c->module_id = cm.module_id;
        c->assembly_id = cm.assembly_id;
        c->flags = cm.flags;
        c->load_time = ev->timestamp;
        c->il_path = etwcap_state_dup_w(cm.il_path);
        c->native_path = etwcap_state_dup_w(cm.native_path);
        if (!c->il_path || !c->native_path)
            return ETWCAP_ERR_NOMEM;
    }
    /* The image that holds the module's code: the native image (NGen) when
     * there is one, else the IL file itself, which is R2R when ModuleFlags
     * has Native (0x2) (§4.4). */
    for (size_t i = 0; i < p->nmodules; i++) {
        etwcap_module *m = &p->modules[i];
        if (!m->path)
            continue;
        const char *name = base_name(m->path);
        if (native[0] && same_icase(name, base_name(native)))
            m->kind = ETWCAP_MODULE_R2R;
        else if (il[0] && same_icase(name, base_name(il)) && m->kind == ETWCAP_MODULE_NATIVE)
            m->kind = (cm.flags & 0x2u) ? ETWCAP_MODULE_R2R : ETWCAP_MODULE_MANAGED_IL;
    }
    return ETWCAP_OK;
}

etwcap_status etwcap_state_on_other(etwcap_state *st, const etwcap_event *ev)
{
    /* SysConfig SystemPaths (33): SystemDirectory, SystemWindowsDirectory;
     * VolumeMapping (35): NtPath, DosPath; all wstr. */
    if (ev->kind != ETWCAP_KIND_CLASSIC || (ev->opcode != 35 && ev->opcode != 33) ||
        !etwcap_guid_equal(&ev->provider, &sysconfig_guid))
        return ETWCAP_OK;
    etwcap_cursor c;
    etwcap_cursor_init(&c, ev->payload, ev->payload_len);
    etwcap_wspan nt = etwcap_cursor_wstr(&c), dos = etwcap_cursor_wstr(&c);
    if (c.short_read)
        return ETWCAP_OK;
    if (ev->opcode == 33) {
        if (!st->windows_dir) {
            st->windows_dir = etwcap_state_dup_w(dos);
            if (!st->windows_dir)
                return ETWCAP_ERR_NOMEM;
        }
        return ETWCAP_OK;
    }
    etwcap_volmap *v = &st->volumes;
    if (v->n == v->cap) {
        size_t cap = v->cap ? v->cap * 2 : 16;
        char **a = realloc(v->nt, cap * sizeof *a);
        if (!a)
            return ETWCAP_ERR_NOMEM;
        v->nt = a;
        char **b = realloc(v->dos, cap * sizeof *b);
        if (!b)
            return ETWCAP_ERR_NOMEM;
        v->dos = b;
        v->cap = cap;
    }
    char *n = etwcap_state_dup_w(nt), *d = etwcap_state_dup_w(dos);
    if (!n || !d) {
        free(n);
        free(d);
        return ETWCAP_ERR_NOMEM;
    }
    v->nt[v->n] = n;
    v->dos[v->n] = d;
    v->n++;
    return ETWCAP_OK;
}

/* Records of process `pi` whose range holds `addr`, in record order, from
 * the index; SIZE_MAX when every record must be looked at. */
#define MAX_CANDIDATES 64

const etwcap_module *etwcap_state_module_at(const etwcap_state *st, size_t proc, uint64_t addr,
                                            int64_t ts)
{
    const etwcap_module *best = NULL;
    for (int pass = 0; pass < 2 && !best; pass++) {
        size_t pi = proc;
        if (pass == 1) {
            /* Kernel addresses: drivers are PID 0's images. */
            if (addr < ETWCAP_KERNEL_ADDR_MIN && addr < 0x80000000u)
                break;
            pi = etwcap_state_find_process(st, 0, ts);
        }
        if (pi == SIZE_MAX || pi >= st->nprocs)
            continue;
        const etwcap_process *p = &st->procs[pi];
        const etwcap_proc_index *x = etwcap_state_index_get(st, pi);
        size_t cand[MAX_CANDIDATES];
        size_t nc = x ? etwcap_rangeidx_find(&x->modules, addr, cand, MAX_CANDIDATES) : SIZE_MAX;
        const int all = nc == SIZE_MAX;
        size_t n = all ? p->nmodules : nc;
        for (size_t k = 0; k < n; k++) {
            const etwcap_module *m = &p->modules[all ? k : cand[k]];
            if (addr - m->base < m->size && (m->rundown || m->load_time <= ts) &&
                ts <= m->unload_time) {
                best = m;
                if (!m->rundown && m->unload_time != ETWCAP_TIME_NEVER)
                    break; /* the exact interval: prefer it */
            }
        }
    }
    return best;
}

const etwcap_clr_module *etwcap_state_clr_module(const etwcap_state *st, size_t proc,
                                                 uint64_t module_id)
{
    if (proc >= st->nprocs)
        return NULL;
    const etwcap_process *p = &st->procs[proc];
    for (size_t i = 0; i < p->nclr_modules; i++)
        if (p->clr_modules[i].module_id == module_id)
            return &p->clr_modules[i];
    return NULL;
}

const etwcap_method *etwcap_state_method_at(const etwcap_state *st, size_t proc, uint64_t addr,
                                            int64_t ts)
{
    if (proc >= st->nprocs)
        return NULL;
    const etwcap_process *p = &st->procs[proc];
    const etwcap_proc_index *x = etwcap_state_index_get(st, proc);
    size_t cand[MAX_CANDIDATES];
    size_t nc = x ? etwcap_rangeidx_find(&x->methods, addr, cand, MAX_CANDIDATES) : SIZE_MAX;
    const int all = nc == SIZE_MAX;
    size_t n = all ? p->nmethods : nc;
    const etwcap_method *best = NULL;
    for (size_t k = 0; k < n; k++) {
        const etwcap_method *m = &p->methods[all ? k : cand[k]];
        if (addr - m->start < m->size && ts <= m->unload_time) {
            /* Prefer the latest range loaded at or before ts (tiered JIT
             * replaces code; an older range may still cover the address). */
            if (!best || (m->load_time <= ts && m->load_time >= best->load_time))
                best = m;
        }
    }
    return best;
}

size_t etwcap_state_apply_identities(etwcap_state *st, etwcap_identity_lookup lookup, void *payload)
{
    size_t filled = 0;
    for (size_t i = 0; i < st->nprocs; i++) {
        etwcap_process *p = &st->procs[i];
        for (size_t k = 0; k < p->nmodules; k++) {
            etwcap_module *m = &p->modules[k];
            if (m->has_pdb || !m->path)
                continue;
            const etwcap_pe_identity *id = lookup(m->path, m->size, payload);
            if (!id || !id->has_rsds)
                continue;
            char *name = malloc(strlen(id->pdb_name) + 1);
            if (!name)
                continue;
            strcpy(name, id->pdb_name);
            free(m->pdb_name);
            m->pdb_name = name;
            m->has_pdb = 1;
            m->pdb_guid = id->pdb_guid;
            m->pdb_age = id->pdb_age;
            if (!m->time_date_stamp)
                m->time_date_stamp = id->time_date_stamp;
            filled++;
        }
    }
    return filled;
}
