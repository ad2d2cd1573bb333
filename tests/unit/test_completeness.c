/* test_completeness.c - issue #6: every field of the evidence's completeness
 * record for Test.x86 in net.4.5.2.x86.etl, checked against values computed
 * here from the raw events (reader API and the per-event decoders only: no
 * state, stack assembly, symbolizer or evidence code).
 *
 * The independent computation:
 *   - the process: its kernel Process Start (image Test.x86.exe) and End;
 *   - samples: SampledProfile whose thread belongs to the pid (from its
 *     Thread Start/DCStart until the thread id starts again elsewhere: the
 *     kernel still samples a thread's teardown after its End record - three
 *     such samples here), not taken in a DPC or ISR (that time is
 *     interrupt work; TraceEvent shows such samples under Idle, pid 0);
 *   - stacks: StackWalk (32) records and StackKeyKernel/User references (37,
 *     38) of the pid, grouped by (event timestamp, thread) - one group is the
 *     stack of one event, kernel and user parts together (etl-format.md §3.6);
 *     a key reference takes the frames of the first KeyDelete/KeyRundown
 *     definition of that key at or after it; a kernel-only stack takes the
 *     next user-mode piece of its thread as its user part; a sample without
 *     any stack is its IP alone;
 *   - frames (docs/evidence-format.md): those of the samples' stacks, of
 *     the pid's events that carry their own stack (STACK_TRACE extended
 *     item), and of each ClrStackWalk that follows a CLR event of the pid on
 *     the same thread (one walk per CLR event);
 *   - "reaches user mode": a frame below the 64-bit kernel space;
 *   - managed and resolved frames: frames inside a JIT-compiled method
 *     (MethodLoadVerbose/DCStartVerbose of the pid, until its unload) at the
 *     stack's time; managed but unresolved: frames inside the image of an
 *     assembly the CLR loaded (ModuleLoad ILPath/NativePath = Image file,
 *     by file name) outside JIT'd code. The evidence is built without symbol
 *     folders, so only CLR methods can resolve a frame.
 */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "etwcap/decode.h"
#include "etwcap/evidence.h"
#include "etwcap/reader.h"

#define RD32(p) \
    ((uint32_t)(p)[0] | (uint32_t)(p)[1] << 8 | (uint32_t)(p)[2] << 16 | (uint32_t)(p)[3] << 24)

static const etwcap_guid clr_runtime = {
    0xe13c0d23, 0xccbc, 0x4e12, {0x93, 0x1b, 0xd9, 0xcc, 0x2e, 0xee, 0x27, 0xe4}};
static const etwcap_guid clr_rundown = {
    0xa669021c, 0xc450, 0x4609, {0xa0, 0x35, 0x5a, 0xf5, 0x9a, 0xf4, 0xdf, 0x18}};

typedef struct piece { /* one StackWalk record or key reference */
    int64_t ts;
    uint32_t tid;
    uint64_t key; /* key reference: the key; 0 for a StackWalk record */
    int64_t ref_time;
    uint64_t *frames;
    size_t n;
} piece;

typedef struct keydef {
    uint64_t key;
    int64_t time;
    uint64_t *frames;
    size_t n;
} keydef;

typedef struct method {
    uint64_t id, start, size;
    int64_t from, to;
} method;

typedef struct sample {
    int64_t ts;
    uint32_t tid;
    uint64_t ip;
} sample;

typedef struct raw {
    uint32_t pid;
    int started, ended;
    int64_t start_ft, end_ft;
    uint32_t interval;
    uint32_t tids[64];
    int64_t tid_from[64], tid_to[64]; /* the thread's lifetime, raw time */
    size_t ntids;
    sample *samples;
    size_t nsamples;
    piece *pieces;
    size_t npieces;
    keydef *defs;
    size_t ndefs;
    method *methods;
    size_t nmethods;
    uint64_t clr_stack_frames, clr_stack_managed, clr_stacks;
    uint64_t method_rundown, module_rundown;
    int rundown_start, rundown_end, kernel_stacks, jit_loader, r2r, clr_stack_source;
    int64_t *clr_stack_ts;
    uint64_t **clr_stack_frames_v;
    size_t *clr_stack_n;
    struct clr_last {
        uint32_t tid, pid;
        int stacked;
    } * clr_last; /* per thread: its last CLR event */
    size_t nclr_last;
    struct image {
        uint64_t base, size;
        char name[128]; /* file name, lower case */
    } * images;
    size_t nimages;
    char (*clr_files)[128]; /* file names of the CLR modules' IL/native images */
    size_t nclr_files;
} raw;

/* Lower-case file name of a UTF-16 path. */
static void file_name(etwcap_wspan w, char out[128])
{
    char path[1024];
    etwcap_wspan_to_utf8(w, path, sizeof path);
    const char *b = path;
    for (const char *q = path; *q; q++)
        if (*q == '\\' || *q == '/')
            b = q + 1;
    size_t i = 0;
    for (; b[i] && i < 127; i++)
        out[i] = (char)((b[i] >= 'A' && b[i] <= 'Z') ? b[i] + 32 : b[i]);
    out[i] = '\0';
}

#define GROW(arr, n)                                       \
    do {                                                   \
        (arr) = realloc((arr), ((n) + 1) * sizeof *(arr)); \
        assert_non_null(arr);                              \
    } while (0)

static uint64_t *copy_frames(const uint8_t *f, size_t n, unsigned size)
{
    uint64_t *out = malloc((n ? n : 1) * sizeof *out);
    assert_non_null(out);
    for (size_t i = 0; i < n; i++)
        out[i] = etwcap_frame_at(f, size, i);
    return out;
}

/* Was `tid` a thread of the pid at time `ts` (from its Start/DCStart until
 * the id is started again by another process)? */
static int has_tid(const raw *r, uint32_t tid, int64_t ts)
{
    for (size_t i = 0; i < r->ntids; i++)
        if (r->tids[i] == tid && ts >= r->tid_from[i] && ts <= r->tid_to[i])
            return 1;
    return 0;
}

/* First pass: the pid and its threads (a sample names only its thread). */
static void find_process(raw *r, const char *path)
{
    etwcap_reader *rd = NULL;
    assert_int_equal(etwcap_reader_open(&rd, path, NULL, NULL), ETWCAP_OK);
    etwcap_event ev;
    while (etwcap_reader_next(rd, &ev) == ETWCAP_OK) {
        etwcap_event_class c = etwcap_event_classify(&ev);
        if (c == ETWCAP_EC_PROCESS) {
            etwcap_process_info pi;
            if (etwcap_decode_process(&ev, &pi) != ETWCAP_DECODE_OK)
                continue;
            if (ev.opcode == 1 && pi.image_file_name.len == 12 &&
                !memcmp(pi.image_file_name.p, "Test.x86.exe", 12)) {
                r->pid = pi.pid;
                r->started = 1;
                r->start_ft = ev.filetime;
            } else if (ev.opcode == 2 && r->started && pi.pid == r->pid) {
                r->ended = 1;
                r->end_ft = ev.filetime;
            }
        } else if (c == ETWCAP_EC_THREAD && (ev.opcode == 1 || ev.opcode == 3)) {
            etwcap_thread_info ti;
            if (etwcap_decode_thread(&ev, &ti) != ETWCAP_DECODE_OK || !r->started)
                continue;
            for (size_t i = 0; i < r->ntids; i++) /* the id is reused */
                if (r->tids[i] == ti.tid && r->tid_to[i] == INT64_MAX && ti.pid != r->pid)
                    r->tid_to[i] = ev.timestamp - 1;
            if (ti.pid == r->pid && r->ntids < 64) {
                r->tids[r->ntids] = ti.tid;
                r->tid_from[r->ntids] = ev.opcode == 3 ? INT64_MIN : ev.timestamp;
                r->tid_to[r->ntids++] = INT64_MAX;
            }
        }
    }
    etwcap_reader_close(rd);
    assert_true(r->started);
}

static void on_clr(raw *r, const etwcap_event *ev)
{
    int runtime = etwcap_guid_equal(&ev->provider, &clr_runtime);
    int rundown = etwcap_guid_equal(&ev->provider, &clr_rundown);
    if (runtime && (ev->keyword & 0x18u))
        r->jit_loader = 1;
    if (runtime && ev->id == 159)
        r->r2r = 1;
    if (rundown) {
        if (ev->id >= 141 && ev->id <= 144)
            r->method_rundown++;
        if (ev->id == 153 || ev->id == 154)
            r->module_rundown++;
        if (ev->id == 141 || ev->id == 143 || ev->id == 145 || ev->id == 147 || ev->id == 153)
            r->rundown_start = 1;
        if (ev->id == 142 || ev->id == 144 || ev->id == 146 || ev->id == 148 || ev->id == 154)
            r->rundown_end = 1;
    }
    etwcap_event_class c = etwcap_event_classify(ev);
    if (c == ETWCAP_EC_CLR_METHOD && (runtime || rundown)) {
        etwcap_clr_method_info mi;
        if (etwcap_decode_clr_method(ev, &mi) != ETWCAP_DECODE_OK)
            return;
        /* Loads: runtime 141/143, rundown DCStart 141/143 and DCEnd
         * 142/144 (methods that existed); unloads: runtime 142/144. */
        if (runtime && (ev->id == 142 || ev->id == 144)) {
            for (size_t i = 0; i < r->nmethods; i++)
                if (r->methods[i].id == mi.method_id && r->methods[i].to == INT64_MAX)
                    r->methods[i].to = ev->timestamp;
            return;
        }
        if (!mi.verbose || !mi.size)
            return;
        GROW(r->methods, r->nmethods);
        r->methods[r->nmethods++] = (method){mi.method_id, mi.start, mi.size,
                                             rundown ? INT64_MIN : ev->timestamp, INT64_MAX};
    } else if (c == ETWCAP_EC_CLR_STACK) {
        r->clr_stack_source = 1;
    } else if (c == ETWCAP_EC_CLR_MODULE) {
        etwcap_clr_module_info mo;
        if (etwcap_decode_clr_module(ev, &mo) != ETWCAP_DECODE_OK)
            return;
        etwcap_wspan paths[2] = {mo.il_path, mo.native_path};
        for (int k = 0; k < 2; k++) {
            if (!paths[k].bytes)
                continue;
            GROW(r->clr_files, r->nclr_files);
            file_name(paths[k], r->clr_files[r->nclr_files++]);
        }
    }
}

static const etwcap_guid clr_private = {
    0x763fd754, 0x7086, 0x4dfe, {0x95, 0xeb, 0xc0, 0x1a, 0x46, 0xfa, 0xf4, 0xca}};

/* Any process: a ClrStackWalk is the stack of the last CLR runtime or
 * private event of its thread, once. */
static void on_clr_any(raw *r, const etwcap_event *ev)
{
    if (ev->kind != ETWCAP_KIND_MANIFEST || (!etwcap_guid_equal(&ev->provider, &clr_runtime) &&
                                             !etwcap_guid_equal(&ev->provider, &clr_private)))
        return;
    struct clr_last *l = NULL;
    for (size_t i = 0; i < r->nclr_last && !l; i++)
        if (r->clr_last[i].tid == ev->tid)
            l = &r->clr_last[i];
    if (etwcap_event_classify(ev) != ETWCAP_EC_CLR_STACK) {
        if (!l) {
            GROW(r->clr_last, r->nclr_last);
            l = &r->clr_last[r->nclr_last++];
            l->tid = ev->tid;
        }
        l->pid = ev->pid;
        l->stacked = 0;
        return;
    }
    etwcap_clr_stack_info cs;
    if (!l || l->stacked || etwcap_decode_clr_stack(ev, &cs) != ETWCAP_DECODE_OK || cs.nframes == 0)
        return;
    l->stacked = 1;
    if (l->pid != r->pid)
        return;
    GROW(r->clr_stack_ts, r->clr_stacks);
    GROW(r->clr_stack_frames_v, r->clr_stacks);
    GROW(r->clr_stack_n, r->clr_stacks);
    r->clr_stack_ts[r->clr_stacks] = ev->timestamp;
    r->clr_stack_frames_v[r->clr_stacks] = copy_frames(cs.frames, cs.nframes, cs.frame_size);
    r->clr_stack_n[r->clr_stacks++] = cs.nframes;
}

/* Second pass: everything of the pid. */
static void collect(raw *r, const char *path)
{
    etwcap_reader *rd = NULL;
    assert_int_equal(etwcap_reader_open(&rd, path, NULL, NULL), ETWCAP_OK);
    etwcap_event ev;
    while (etwcap_reader_next(rd, &ev) == ETWCAP_OK) {
        etwcap_event_class c = etwcap_event_classify(&ev);
        if (c == ETWCAP_EC_SAMPLE) {
            etwcap_sample_info si;
            if (etwcap_decode_sample(&ev, &si) == ETWCAP_DECODE_OK &&
                has_tid(r, si.tid, ev.timestamp) && !(si.flags & 3u)) {
                GROW(r->samples, r->nsamples);
                r->samples[r->nsamples++] = (sample){ev.timestamp, si.tid, si.ip};
            }
        } else if (c == ETWCAP_EC_IMAGE && ev.opcode != 2) {
            etwcap_image_info ii;
            if (etwcap_decode_image(&ev, &ii) == ETWCAP_DECODE_OK && ii.pid == r->pid) {
                GROW(r->images, r->nimages);
                r->images[r->nimages].base = ii.base;
                r->images[r->nimages].size = ii.size;
                file_name(ii.file_name, r->images[r->nimages++].name);
            }
        } else if (c == ETWCAP_EC_STACKWALK) {
            etwcap_stackwalk_info sw;
            if (etwcap_decode_stackwalk(&ev, &sw) == ETWCAP_DECODE_OK && sw.pid == r->pid) {
                r->kernel_stacks = 1;
                GROW(r->pieces, r->npieces);
                r->pieces[r->npieces++] = (piece){sw.event_timestamp,
                                                  sw.tid,
                                                  0,
                                                  ev.timestamp,
                                                  copy_frames(sw.frames, sw.nframes, sw.frame_size),
                                                  sw.nframes};
            }
        } else if (c == ETWCAP_EC_STACK_KEY_REF) {
            etwcap_stack_key_ref_info kr;
            if (etwcap_decode_stack_key_ref(&ev, &kr) == ETWCAP_DECODE_OK && kr.pid == r->pid) {
                r->kernel_stacks = 1;
                GROW(r->pieces, r->npieces);
                r->pieces[r->npieces++] =
                    (piece){kr.event_timestamp, kr.tid, kr.key, ev.timestamp, NULL, 0};
            }
        } else if (c == ETWCAP_EC_STACK_KEY_DEF) {
            etwcap_stack_key_def_info kd;
            if (etwcap_decode_stack_key_def(&ev, &kd) == ETWCAP_DECODE_OK) {
                GROW(r->defs, r->ndefs);
                r->defs[r->ndefs++] =
                    (keydef){kd.key, ev.timestamp,
                             copy_frames(kd.frames, kd.nframes, kd.frame_size), kd.nframes};
            }
        } else {
            /* PerfInfo CollectionStart/SetInterval (73/72): Source u32 (0 =
             * timer), NewInterval u32 in 100 ns (etl-format.md §3.7). */
            if (ev.kind == ETWCAP_KIND_KERNEL && (ev.hook_id >> 8) == 0x0F &&
                (ev.opcode == 72 || ev.opcode == 73) && ev.payload_len >= 8 &&
                RD32(ev.payload) == 0 && RD32(ev.payload + 4))
                r->interval = RD32(ev.payload + 4);
        }
        if (ev.kind == ETWCAP_KIND_MANIFEST && ev.pid == r->pid)
            on_clr(r, &ev);
        on_clr_any(r, &ev);
        /* An event's own stack (EVENT_ENABLE_PROPERTY_STACK_TRACE): MatchId
         * u64, then the frames (etl-format.md §2.7). */
        if (ev.pid == r->pid && ev.x.stack && ev.x.stack->size >= 8) {
            unsigned fs = ev.x.stack->type == ETWCAP_EXT_STACK_TRACE64 ? 8 : 4;
            GROW(r->clr_stack_ts, r->clr_stacks);
            GROW(r->clr_stack_frames_v, r->clr_stacks);
            GROW(r->clr_stack_n, r->clr_stacks);
            size_t n = (ev.x.stack->size - 8u) / fs;
            r->clr_stack_ts[r->clr_stacks] = ev.timestamp;
            r->clr_stack_frames_v[r->clr_stacks] = copy_frames(ev.x.stack->data + 8, n, fs);
            r->clr_stack_n[r->clr_stacks++] = n;
        }
    }
    etwcap_reader_close(rd);
}

/* A key reference's frames: the first definition of the key at or after it. */
static void resolve_keys(raw *r)
{
    for (size_t i = 0; i < r->npieces; i++) {
        piece *p = &r->pieces[i];
        if (!p->key)
            continue;
        const keydef *best = NULL;
        for (size_t k = 0; k < r->ndefs; k++) {
            const keydef *d = &r->defs[k];
            if (d->key == p->key && d->time >= p->ref_time && (!best || d->time < best->time))
                best = d;
        }
        if (best) {
            p->frames = malloc((best->n ? best->n : 1) * sizeof *p->frames);
            assert_non_null(p->frames);
            memcpy(p->frames, best->frames, best->n * sizeof *p->frames);
            p->n = best->n;
        }
    }
}

static int is_user(uint64_t a)
{
    return a < 0xFFFF800000000000ULL;
}

static int in_jit(const raw *r, uint64_t a, int64_t ts)
{
    for (size_t i = 0; i < r->nmethods; i++) {
        const method *m = &r->methods[i];
        if (a >= m->start && a < m->start + m->size && ts >= m->from && ts < m->to)
            return 1;
    }
    return 0;
}

/* Inside the image of an assembly the CLR loaded? */
static int in_clr_image(const raw *r, uint64_t a)
{
    for (size_t i = 0; i < r->nimages; i++) {
        const struct image *im = &r->images[i];
        if (a < im->base || a >= im->base + im->size)
            continue;
        for (size_t k = 0; k < r->nclr_files; k++)
            if (!strcmp(r->clr_files[k], im->name))
                return 1;
    }
    return 0;
}

typedef struct totals {
    uint64_t samples, samples_user, frames, jit, managed_unresolved;
} totals;

static void add_stack(const raw *r, totals *t, const uint64_t *f, size_t n, int64_t ts)
{
    if (n > 512)
        n = 512;
    t->frames += n;
    for (size_t i = 0; i < n; i++) {
        if (in_jit(r, f[i], ts))
            t->jit++;
        else if (in_clr_image(r, f[i]))
            t->managed_unresolved++;
    }
}

/* The stack of one event: up to two parts (kernel, then user). */
typedef struct group {
    int64_t ts;
    uint32_t tid;
    uint64_t *f;
    size_t n;
    int parts, waiting;
} group;

static void group_append(group *g, const uint64_t *f, size_t n)
{
    g->f = realloc(g->f, (g->n + n + 1) * sizeof *g->f);
    assert_non_null(g->f);
    memcpy(g->f + g->n, f, n * sizeof *f);
    g->n += n;
    g->parts++;
}

static int cmp_group(const void *a, const void *b)
{
    const group *x = a, *y = b;
    if (x->ts != y->ts)
        return x->ts < y->ts ? -1 : 1;
    return x->tid < y->tid ? -1 : x->tid > y->tid;
}

/* Stacks from the pieces, in record order. A piece joins the group of its
 * (event time, thread). A group whose first part ends in kernel mode waits
 * for its user part: the next user-mode piece of the same thread, whichever
 * event it was logged for (the user stack is walked on the way back to user
 * mode; PerfView joins them the same way, etl-format.md §2.7, §3.6). */
static group *build_groups(const raw *r, size_t *ngroups)
{
    group *g = NULL;
    size_t n = 0;
    for (size_t i = 0; i < r->npieces; i++) {
        const piece *p = &r->pieces[i];
        if (!p->n)
            continue;
        size_t k = n;
        for (size_t j = n; j-- > 0 && j + 256 > n;) /* an event's records sit together */
            if (g[j].ts == p->ts && g[j].tid == p->tid) {
                k = j;
                break;
            }
        int user_first = is_user(p->frames[0]);
        if (user_first) /* completes the waiting kernel-only stacks of the thread */
            for (size_t j = 0; j < n; j++)
                if (g[j].waiting && g[j].tid == p->tid && j != k) {
                    group_append(&g[j], p->frames, p->n);
                    g[j].waiting = 0;
                }
        if (k == n) {
            GROW(g, n);
            g[n++] = (group){p->ts, p->tid, NULL, 0, 0, 0};
        }
        if (g[k].parts == 0) {
            group_append(&g[k], p->frames, p->n);
            g[k].waiting = !is_user(p->frames[p->n - 1]);
        } else if (g[k].parts == 1) {
            group_append(&g[k], p->frames, p->n);
            g[k].waiting = 0;
        }
    }
    *ngroups = n;
    return g;
}

static totals compute(raw *r)
{
    totals t = {0, 0, 0, 0, 0};
    size_t ng = 0;
    group *g = build_groups(r, &ng);
    qsort(g, ng, sizeof *g, cmp_group);
    /* Samples: the stack of their (timestamp, thread), else their IP. */
    for (size_t s = 0; s < r->nsamples; s++) {
        const sample *sm = &r->samples[s];
        group key = {sm->ts, sm->tid, NULL, 0, 0, 0};
        const group *hit = bsearch(&key, g, ng, sizeof *g, cmp_group);
        int user = 0;
        t.samples++;
        if (hit) {
            for (size_t k = 0; k < hit->n; k++)
                user |= is_user(hit->f[k]);
            add_stack(r, &t, hit->f, hit->n, sm->ts);
        } else {
            user = is_user(sm->ip);
            add_stack(r, &t, &sm->ip, 1, sm->ts);
        }
        t.samples_user += user;
    }
    for (size_t i = 0; i < r->clr_stacks; i++)
        add_stack(r, &t, r->clr_stack_frames_v[i], r->clr_stack_n[i], r->clr_stack_ts[i]);
    for (size_t i = 0; i < ng; i++)
        free(g[i].f);
    free(g);
    return t;
}

/* The evidence's completeness[0], built by the library and parsed back. */
static json_t *evidence_completeness(const char *path, json_t **doc)
{
    const char *procs[] = {"Test.x86"};
    etwcap_evidence_options o;
    memset(&o, 0, sizeof o);
    o.version = ETWCAP_EVIDENCE_OPTIONS_VERSION;
    o.processes = procs;
    o.nprocesses = 1;
    etwcap_evidence *e = NULL;
    assert_int_equal(etwcap_evidence_build(&e, path, &o, NULL, NULL), ETWCAP_OK);
    FILE *f = test_scratch();
    assert_int_equal(etwcap_evidence_write(e, f, 0), ETWCAP_OK);
    etwcap_evidence_free(e);
    assert_true(ftell(f) > 0);
    char *text = test_read_stream(f);
    fclose(f);
    json_error_t je;
    *doc = json_loads(text, 0, &je);
    free(text);
    assert_non_null(*doc);
    json_t *c = json_array_get(json_object_get(*doc, "completeness"), 0);
    assert_non_null(c);
    return c;
}

static json_t *member(json_t *o, const char *path)
{
    char buf[128];
    snprintf(buf, sizeof buf, "%s", path);
    json_t *v = o;
    for (char *tok = strtok(buf, "."); tok; tok = strtok(NULL, "."))
        v = json_object_get(v, tok);
    if (!v)
        fail_msg("completeness lacks %s", path);
    return v;
}

static void expect_u64(json_t *c, const char *path, uint64_t want)
{
    json_t *v = member(c, path);
    if (!json_is_integer(v) || (uint64_t)json_integer_value(v) != want)
        fail_msg("%s: evidence %lld, computed %llu", path,
                 json_is_integer(v) ? (long long)json_integer_value(v) : -1LL,
                 (unsigned long long)want);
    printf("  %-40s %llu\n", path, (unsigned long long)want);
}

static void expect_bool(json_t *c, const char *path, int want)
{
    json_t *v = member(c, path);
    if (!json_is_boolean(v) || json_is_true(v) != (want != 0))
        fail_msg("%s: evidence %s, computed %s", path, json_is_true(v) ? "true" : "false",
                 want ? "true" : "false");
    printf("  %-40s %s\n", path, want ? "true" : "false");
}

static void expect_num(json_t *c, const char *path, double want, double tol)
{
    json_t *v = member(c, path);
    if (!json_is_number(v) || fabs(json_number_value(v) - want) > tol)
        fail_msg("%s: evidence %.9g, computed %.9g", path, json_number_value(v), want);
    printf("  %-40s %.9g\n", path, want);
}

static void test_completeness_test_x86(void **state)
{
    (void)state;
    const char *path = test_corpus_require("etl/microsoft_perfview/net.4.5.2.x86.etl");
    raw r;
    memset(&r, 0, sizeof r);
    find_process(&r, path);
    collect(&r, path);
    resolve_keys(&r);
    totals t = compute(&r);

    etwcap_reader *rd = NULL;
    assert_int_equal(etwcap_reader_open(&rd, path, NULL, NULL), ETWCAP_OK);
    const etwcap_logfile_info info = *etwcap_reader_info(rd);
    etwcap_event ev;
    while (etwcap_reader_next(rd, &ev) == ETWCAP_OK)
        ;
    uint64_t skipped = etwcap_reader_stats_get(rd)->buffers_skipped;
    etwcap_reader_close(rd);

    json_t *doc = NULL;
    json_t *c = evidence_completeness(path, &doc);
    printf("Test.x86 (pid %u), computed from the raw events:\n", (unsigned)r.pid);
    expect_u64(c, "pid", r.pid);
    expect_bool(c, "window.started_before_capture", !r.started);
    expect_bool(c, "window.outlived_capture", !r.ended);
    expect_bool(c, "window.whole_lifetime", r.started && r.ended);
    expect_u64(c, "events_lost", info.events_lost);
    expect_u64(c, "buffers_lost", info.buffers_lost);
    expect_u64(c, "buffers_skipped", skipped);
    double from = r.started ? (double)r.start_ft : (double)info.start_time;
    double to = r.ended ? (double)r.end_ft : (double)info.end_time;
    expect_num(c, "duration_ms", (to - from) / 1e4, 1e-6);
    assert_true(r.interval != 0);
    expect_num(c, "sample_interval_ms", r.interval / 1e4, 1e-12);
    expect_u64(c, "samples", t.samples);
    expect_num(c, "samples_reaching_user_fraction", (double)t.samples_user / (double)t.samples,
               1e-12);
    expect_u64(c, "frames", t.frames);
    uint64_t managed = t.jit + t.managed_unresolved;
    expect_u64(c, "managed_frames", managed);
    /* No symbol folders: a frame resolves only inside a CLR method. */
    expect_num(c, "frames_resolved_fraction", (double)t.jit / (double)t.frames, 1e-12);
    expect_num(c, "managed_frames_resolved_fraction", (double)t.jit / (double)managed, 1e-12);
    expect_u64(c, "clr.method_rundown_events", r.method_rundown);
    expect_u64(c, "clr.module_rundown_events", r.module_rundown);
    expect_bool(c, "clr.rundown_start", r.rundown_start);
    expect_bool(c, "clr.rundown_end", r.rundown_end);
    expect_bool(c, "sources.kernel_stacks", r.kernel_stacks);
    expect_bool(c, "sources.clr_jit_loader", r.jit_loader);
    expect_bool(c, "sources.clr_r2r_entry", r.r2r);
    expect_bool(c, "sources.clr_stacks", r.clr_stack_source);
    /* Every member was checked: the record has no others. */
    assert_int_equal(json_object_size(c), 15);
    assert_int_equal(json_object_size(member(c, "window")), 3);
    assert_int_equal(json_object_size(member(c, "clr")), 4);
    assert_int_equal(json_object_size(member(c, "sources")), 4);
    json_decref(doc);

    for (size_t i = 0; i < r.npieces; i++)
        free(r.pieces[i].frames);
    for (size_t i = 0; i < r.ndefs; i++)
        free(r.defs[i].frames);
    for (size_t i = 0; i < r.clr_stacks; i++)
        free(r.clr_stack_frames_v[i]);
    free(r.pieces);
    free(r.defs);
    free(r.samples);
    free(r.methods);
    free(r.clr_stack_ts);
    free(r.clr_stack_frames_v);
    free(r.clr_stack_n);
    free(r.clr_last);
    free(r.images);
    free(r.clr_files);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_completeness_test_x86)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
