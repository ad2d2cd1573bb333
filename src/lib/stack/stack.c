/* stack.c - stack assembly (see etwcap/stack.h and etl-format.md §3.6, §8).
 *
 * Each waiting event ("pending") has up to two parts: part 0 is the first
 * stack record that matched it (a full or kernel-only StackWalk, a kernel
 * key, or its own extended item), part 1 the user-mode continuation. A part
 * is empty, present, or waiting for the definition of a stack key.
 */
#include "etwcap/stack.h"

#include <stdlib.h>
#include <string.h>

#include "common/bytes.h"
#include "decode/decode_internal.h"
#include "etwcap/decode.h"
#include "stack/stack_internal.h"

int etwcap_addr_is_kernel(uint64_t addr)
{
    return addr >= 0xFFFF000000000000ull;
}

etwcap_status etwcap_stack_asm_create(etwcap_stack_asm **out, etwcap_stacked_cb cb, void *payload)
{
    etwcap_stack_asm *sa = calloc(1, sizeof *sa);
    if (!sa)
        return ETWCAP_ERR_NOMEM;
    sa->cb = cb;
    sa->payload = payload;
    sa->free_head = SIZE_MAX;
    sa->ref_free = SIZE_MAX;
    if (etwcap_u64map_init(&sa->last_by_tid) != 0 || etwcap_u64map_init(&sa->waiting_user) != 0 ||
        etwcap_u64map_init(&sa->key_refs) != 0 || etwcap_u64map_init(&sa->last_clr) != 0) {
        etwcap_stack_asm_free(sa);
        return ETWCAP_ERR_NOMEM;
    }
    *out = sa;
    return ETWCAP_OK;
}

const etwcap_stack_stats *etwcap_stack_asm_stats(const etwcap_stack_asm *sa)
{
    return &sa->stats;
}

static size_t pending_new(etwcap_stack_asm *sa)
{
    size_t i;
    if (sa->free_head != SIZE_MAX) {
        i = sa->free_head;
        sa->free_head = sa->pend[i].next_free;
    } else {
        if (sa->npend == sa->cappend) {
            size_t cap = sa->cappend ? sa->cappend * 2 : 256;
            pending *p = realloc(sa->pend, cap * sizeof *p);
            if (!p)
                return SIZE_MAX;
            sa->pend = p;
            sa->cappend = cap;
        }
        i = sa->npend++;
    }
    memset(&sa->pend[i], 0, sizeof sa->pend[i]);
    sa->pend[i].live = 1;
    sa->pend[i].next_free = SIZE_MAX;
    sa->pend[i].next_waiting = SIZE_MAX;
    return i;
}

static int part_set(part *pt, const uint8_t *frames, size_t n, unsigned fsize)
{
    free(pt->frames);
    pt->frames = NULL;
    pt->n = 0;
    pt->state = PART_HAVE;
    if (n == 0)
        return 0;
    pt->frames = malloc(n * sizeof *pt->frames);
    if (!pt->frames)
        return -1;
    for (size_t i = 0; i < n; i++)
        pt->frames[i] = etwcap_frame_at(frames, fsize, i);
    pt->n = n;
    return 0;
}

static int part_copy(part *pt, const uint64_t *frames, size_t n)
{
    free(pt->frames);
    pt->frames = NULL;
    pt->n = 0;
    pt->state = PART_HAVE;
    if (n == 0)
        return 0;
    pt->frames = malloc(n * sizeof *pt->frames);
    if (!pt->frames)
        return -1;
    memcpy(pt->frames, frames, n * sizeof *frames);
    pt->n = n;
    return 0;
}

/* Hand the pending event to the callback and recycle its slot. */
static etwcap_status emit(etwcap_stack_asm *sa, size_t i)
{
    pending *p = &sa->pend[i];
    size_t n = p->part[0].n + p->part[1].n;
    uint64_t *frames = NULL;
    if (n) {
        frames = malloc(n * sizeof *frames);
        if (!frames)
            return ETWCAP_ERR_NOMEM;
        /* An empty part may have NULL frames: no memcpy from it. */
        if (p->part[0].n)
            memcpy(frames, p->part[0].frames, p->part[0].n * sizeof *frames);
        if (p->part[1].n)
            memcpy(frames + p->part[0].n, p->part[1].frames, p->part[1].n * sizeof *frames);
    }
    etwcap_stacked s = p->info;
    s.frames = frames;
    s.nframes = n;
    s.has_stack = n > 0;
    s.has_user = 0;
    for (size_t k = 0; k < n; k++)
        if (!etwcap_addr_is_kernel(frames[k]))
            s.has_user = 1;
    s.unresolved_key = p->part[0].state == PART_KEY || p->part[1].state == PART_KEY;
    if (s.is_sample) {
        sa->stats.samples++;
        if (n)
            sa->stats.samples_with_stack++;
    }
    if (sa->cb)
        sa->cb(&s, sa->payload);
    free(frames);
    free(p->part[0].frames);
    free(p->part[1].frames);
    p->part[0].frames = p->part[1].frames = NULL;
    p->part[0].n = p->part[1].n = 0; /* a part has frames exactly when n > 0 */
    p->live = 0;
    if (etwcap_u64map_get(&sa->last_by_tid, p->info.tid) == i)
        etwcap_u64map_del(&sa->last_by_tid, p->info.tid);
    p->next_free = sa->free_head;
    sa->free_head = i;
    return ETWCAP_OK;
}

static int ready(const pending *p)
{
    return p->part[0].state != PART_KEY && p->part[1].state != PART_KEY && !p->waiting_user;
}

static etwcap_status emit_if_ready(etwcap_stack_asm *sa, size_t i)
{
    return ready(&sa->pend[i]) ? emit(sa, i) : ETWCAP_OK;
}

/* Remember that part `which` of pending `i` waits for key `key`. */
static int add_key_ref(etwcap_stack_asm *sa, size_t i, int which, uint64_t key)
{
    size_t r;
    if (sa->ref_free != SIZE_MAX) {
        r = sa->ref_free;
        sa->ref_free = sa->refs[r].next;
    } else {
        if (sa->nrefs == sa->caprefs) {
            size_t cap = sa->caprefs ? sa->caprefs * 2 : 256;
            key_ref *n = realloc(sa->refs, cap * sizeof *n);
            if (!n)
                return -1;
            sa->refs = n;
            sa->caprefs = cap;
        }
        r = sa->nrefs++;
    }
    sa->refs[r].pending = i;
    sa->refs[r].which = which;
    sa->refs[r].next = etwcap_u64map_get(&sa->key_refs, key);
    sa->pend[i].part[which].state = PART_KEY;
    sa->stats.key_refs++;
    return etwcap_u64map_put(&sa->key_refs, key, r);
}

/* A kernel-only part 0: the user part comes later on the same thread. */
static int wait_for_user(etwcap_stack_asm *sa, size_t i)
{
    pending *p = &sa->pend[i];
    p->waiting_user = 1;
    p->next_waiting = etwcap_u64map_get(&sa->waiting_user, p->info.tid);
    return etwcap_u64map_put(&sa->waiting_user, p->info.tid, i);
}

/* Take pending `i` off its thread's waiting list: it got its user part
 * from a second stack record of its own event. Fuzz finding
 * (fuzz/regressions/fuzz_stackkeys/waiting-list-emitted-slot): it used to
 * stay listed after it was emitted, so a later user fragment of the thread
 * emitted the freed slot a second time (stale frame count, NULL frames) and
 * pushed it on the free list twice. */
static int unwait(etwcap_stack_asm *sa, size_t i)
{
    pending *p = &sa->pend[i];
    uint32_t tid = p->info.tid;
    size_t head = etwcap_u64map_get(&sa->waiting_user, tid), next = p->next_waiting;
    p->waiting_user = 0;
    p->next_waiting = SIZE_MAX;
    if (head == i) {
        if (next == SIZE_MAX) {
            etwcap_u64map_del(&sa->waiting_user, tid);
            return 0;
        }
        return etwcap_u64map_put(&sa->waiting_user, tid, next);
    }
    for (size_t k = head; k != SIZE_MAX; k = sa->pend[k].next_waiting) {
        if (sa->pend[k].next_waiting == i) {
            sa->pend[k].next_waiting = next;
            break;
        }
    }
    return 0;
}

/* The user fragment of thread `tid` completes every pending kernel-only
 * stack of that thread (PerfView does the same). `frames` is NULL when the
 * fragment is a key reference (`key`). */
static etwcap_status join_user(etwcap_stack_asm *sa, uint32_t tid, size_t except,
                               const uint64_t *frames, size_t n, int is_key, uint64_t key)
{
    size_t i = etwcap_u64map_get(&sa->waiting_user, tid);
    etwcap_u64map_del(&sa->waiting_user, tid);
    size_t keep = SIZE_MAX; /* `except` stays waiting if it was in the list */
    while (i != SIZE_MAX) {
        size_t next = sa->pend[i].next_waiting;
        pending *p = &sa->pend[i];
        p->next_waiting = SIZE_MAX;
        if (i == except) {
            if (p->waiting_user) /* it just got part 0; part 1 is still to come */
                keep = i;
        } else {
            p->waiting_user = 0;
            sa->stats.user_fragments_joined++;
            if (is_key) {
                if (add_key_ref(sa, i, 1, key) != 0)
                    return ETWCAP_ERR_NOMEM;
            } else if (part_copy(&p->part[1], frames, n) != 0) {
                return ETWCAP_ERR_NOMEM;
            }
            etwcap_status st = emit_if_ready(sa, i);
            if (st != ETWCAP_OK)
                return st;
        }
        i = next;
    }
    if (keep != SIZE_MAX && etwcap_u64map_put(&sa->waiting_user, tid, keep) != 0)
        return ETWCAP_ERR_NOMEM;
    return ETWCAP_OK;
}

/* The waiting event of thread `tid` whose timestamp is `ts`, or SIZE_MAX. */
static size_t match_event(etwcap_stack_asm *sa, uint32_t tid, int64_t ts)
{
    size_t i = etwcap_u64map_get(&sa->last_by_tid, tid);
    if (i != SIZE_MAX && sa->pend[i].live && sa->pend[i].info.timestamp == ts)
        return i;
    return SIZE_MAX;
}

static etwcap_status on_stackwalk(etwcap_stack_asm *sa, const etwcap_event *ev)
{
    etwcap_stackwalk_info sw;
    if (etwcap_decode_stackwalk(ev, &sw) != ETWCAP_DECODE_OK || sw.nframes == 0)
        return ETWCAP_OK;
    const int user_first = !etwcap_addr_is_kernel(etwcap_frame_at(sw.frames, sw.frame_size, 0));
    const int kernel_last =
        etwcap_addr_is_kernel(etwcap_frame_at(sw.frames, sw.frame_size, sw.nframes - 1));
    size_t i = match_event(sa, sw.tid, sw.event_timestamp);
    if (i != SIZE_MAX) {
        pending *p = &sa->pend[i];
        int which = p->part[0].state == PART_NONE ? 0 : 1;
        if (p->part[which].state == PART_NONE) {
            if (part_set(&p->part[which], sw.frames, sw.nframes, sw.frame_size) != 0)
                return ETWCAP_ERR_NOMEM;
            if (which == 0 && kernel_last && wait_for_user(sa, i) != 0)
                return ETWCAP_ERR_NOMEM;
            if (which == 1 && p->waiting_user && unwait(sa, i) != 0)
                return ETWCAP_ERR_NOMEM;
        }
    }
    if (user_first) {
        uint64_t *tmp = malloc(sw.nframes * sizeof *tmp);
        if (!tmp)
            return ETWCAP_ERR_NOMEM;
        for (size_t k = 0; k < sw.nframes; k++)
            tmp[k] = etwcap_frame_at(sw.frames, sw.frame_size, k);
        etwcap_status st = join_user(sa, sw.tid, i, tmp, sw.nframes, 0, 0);
        free(tmp);
        if (st != ETWCAP_OK)
            return st;
    }
    return i != SIZE_MAX && sa->pend[i].live ? emit_if_ready(sa, i) : ETWCAP_OK;
}

static etwcap_status on_key_ref(etwcap_stack_asm *sa, const etwcap_event *ev)
{
    etwcap_stack_key_ref_info kr;
    if (etwcap_decode_stack_key_ref(ev, &kr) != ETWCAP_DECODE_OK)
        return ETWCAP_OK;
    size_t i = match_event(sa, kr.tid, kr.event_timestamp);
    if (i != SIZE_MAX) {
        pending *p = &sa->pend[i];
        int which = p->part[0].state == PART_NONE ? 0 : 1;
        if (p->part[which].state == PART_NONE) {
            if (add_key_ref(sa, i, which, kr.key) != 0)
                return ETWCAP_ERR_NOMEM;
            if (which == 0 && !kr.user && wait_for_user(sa, i) != 0)
                return ETWCAP_ERR_NOMEM;
            if (which == 1 && p->waiting_user && unwait(sa, i) != 0)
                return ETWCAP_ERR_NOMEM;
        }
    }
    if (kr.user) {
        etwcap_status st = join_user(sa, kr.tid, i, NULL, 0, 1, kr.key);
        if (st != ETWCAP_OK)
            return st;
    }
    return i != SIZE_MAX && sa->pend[i].live ? emit_if_ready(sa, i) : ETWCAP_OK;
}

/* A key definition resolves every reference to it made so far: they all
 * came before it, and it is the first definition at or after each (§3.6). */
static etwcap_status on_key_def(etwcap_stack_asm *sa, const etwcap_event *ev)
{
    etwcap_stack_key_def_info kd;
    if (etwcap_decode_stack_key_def(ev, &kd) != ETWCAP_DECODE_OK)
        return ETWCAP_OK;
    size_t r = etwcap_u64map_get(&sa->key_refs, kd.key);
    if (r == SIZE_MAX)
        return ETWCAP_OK;
    etwcap_u64map_del(&sa->key_refs, kd.key);
    while (r != SIZE_MAX) {
        key_ref kr = sa->refs[r];
        /* The node is free again: references live only until their key is
         * defined, so the array holds the unresolved ones, not all ever made
         * (it used to be reset only when no key at all was pending, which on
         * a long trace may never happen). */
        sa->refs[r].next = sa->ref_free;
        sa->ref_free = r;
        pending *p = &sa->pend[kr.pending];
        if (p->live && p->part[kr.which].state == PART_KEY) {
            if (part_set(&p->part[kr.which], kd.frames, kd.nframes, kd.frame_size) != 0)
                return ETWCAP_ERR_NOMEM;
            sa->stats.key_refs_resolved++;
            etwcap_status st = emit_if_ready(sa, kr.pending);
            if (st != ETWCAP_OK)
                return st;
        }
        r = kr.next;
    }
    return ETWCAP_OK;
}

/* A new event that waits for its stack (a sample, or an event whose own
 * extended item is a stack key). */
static etwcap_status track(etwcap_stack_asm *sa, const etwcap_stacked *info, size_t *out)
{
    /* A previous event of this thread that never got a StackWalk will not
     * get one now: its records follow it directly. */
    size_t prev = etwcap_u64map_get(&sa->last_by_tid, info->tid);
    if (prev != SIZE_MAX && sa->pend[prev].live && sa->pend[prev].part[0].state == PART_NONE &&
        !sa->pend[prev].waiting_user) {
        etwcap_status st = emit(sa, prev);
        if (st != ETWCAP_OK)
            return st;
    }
    size_t i = pending_new(sa);
    if (i == SIZE_MAX)
        return ETWCAP_ERR_NOMEM;
    sa->pend[i].info = *info;
    if (etwcap_u64map_put(&sa->last_by_tid, info->tid, i) != 0)
        return ETWCAP_ERR_NOMEM;
    *out = i;
    return ETWCAP_OK;
}

/* Remember the latest CLR event of its thread: a ClrStackWalk that follows
 * on the same thread is that event's managed stack (etl-format.md §4.3). */
static etwcap_status remember_clr(etwcap_stack_asm *sa, const etwcap_stacked *info)
{
    size_t slot = etwcap_u64map_get(&sa->last_clr, info->tid);
    if (slot == SIZE_MAX) {
        if (sa->nclr == sa->capclr) {
            size_t cap = sa->capclr ? sa->capclr * 2 : 64;
            etwcap_stacked *n = realloc(sa->clr_events, cap * sizeof *n);
            if (!n)
                return ETWCAP_ERR_NOMEM;
            sa->clr_events = n;
            sa->capclr = cap;
        }
        slot = sa->nclr++;
        if (etwcap_u64map_put(&sa->last_clr, info->tid, slot) != 0)
            return ETWCAP_ERR_NOMEM;
    }
    sa->clr_events[slot] = *info;
    sa->clr_events[slot].has_stack = 0; /* not yet given a ClrStackWalk */
    return ETWCAP_OK;
}

/* ClrStackWalk: attach its frames to the preceding CLR event of the thread,
 * once. */
static etwcap_status on_clr_stack(etwcap_stack_asm *sa, const etwcap_event *ev)
{
    etwcap_clr_stack_info cs;
    size_t slot = etwcap_u64map_get(&sa->last_clr, ev->tid);
    if (slot == SIZE_MAX || sa->clr_events[slot].has_stack ||
        etwcap_decode_clr_stack(ev, &cs) != ETWCAP_DECODE_OK || cs.nframes == 0)
        return ETWCAP_OK;
    sa->clr_events[slot].has_stack = 1;
    size_t i = pending_new(sa);
    if (i == SIZE_MAX)
        return ETWCAP_ERR_NOMEM;
    sa->pend[i].info = sa->clr_events[slot];
    sa->pend[i].info.has_stack = 0;
    if (part_set(&sa->pend[i].part[0], cs.frames, cs.nframes, cs.frame_size) != 0)
        return ETWCAP_ERR_NOMEM;
    return emit(sa, i);
}

etwcap_status etwcap_stack_asm_update(etwcap_stack_asm *sa, const etwcap_event *ev, uint32_t pid,
                                      size_t proc)
{
    etwcap_event_class cls = etwcap_event_classify(ev);
    switch (cls) {
    case ETWCAP_EC_STACKWALK:
        return on_stackwalk(sa, ev);
    case ETWCAP_EC_STACK_KEY_REF:
        return on_key_ref(sa, ev);
    case ETWCAP_EC_STACK_KEY_DEF:
        return on_key_def(sa, ev);
    case ETWCAP_EC_CLR_STACK:
        return on_clr_stack(sa, ev);
    case ETWCAP_EC_THREAD:
        if (ev->opcode == 2) { /* Stop: a kernel-only stack gets no user part now */
            etwcap_thread_info ti;
            if (etwcap_decode_thread(ev, &ti) == ETWCAP_DECODE_OK)
                return etwcap_stack_flush_thread(sa, ti.tid);
        }
        return ETWCAP_OK;
    default:
        break;
    }
    etwcap_stacked info;
    memset(&info, 0, sizeof info);
    info.timestamp = ev->timestamp;
    info.pid = pid;
    info.tid = ev->tid;
    info.cpu = ev->cpu;
    info.proc = proc;
    info.provider = ev->provider;
    info.event_id = ev->id;
    if (cls == ETWCAP_EC_SAMPLE) {
        etwcap_sample_info si;
        if (etwcap_decode_sample(ev, &si) != ETWCAP_DECODE_OK)
            return ETWCAP_OK;
        info.is_sample = 1;
        info.tid = si.tid;
        info.ip = si.ip;
        info.sample_flags = si.flags;
        size_t i;
        return track(sa, &info, &i);
    }
    if (ev->kind == ETWCAP_KIND_MANIFEST &&
        (etwcap_guid_equal(&ev->provider, &etwcap_guid_clr_runtime) ||
         etwcap_guid_equal(&ev->provider, &etwcap_guid_clr_private))) {
        etwcap_status st = remember_clr(sa, &info);
        if (st != ETWCAP_OK)
            return st;
    }
    /* Events with their own stack (EVENT_ENABLE_PROPERTY_STACK_TRACE). */
    if (ev->x.stack && ev->x.stack->size >= 8) {
        const etwcap_ext_item *it = ev->x.stack;
        unsigned fsize = it->type == ETWCAP_EXT_STACK_TRACE64 ? 8 : 4;
        size_t i = pending_new(sa);
        if (i == SIZE_MAX)
            return ETWCAP_ERR_NOMEM;
        sa->pend[i].info = info;
        if (part_set(&sa->pend[i].part[0], it->data + 8, (it->size - 8u) / fsize, fsize) != 0)
            return ETWCAP_ERR_NOMEM;
        return emit(sa, i);
    }
    if (ev->x.stack_key && ev->x.stack_key->size >= 12) {
        const etwcap_ext_item *it = ev->x.stack_key;
        uint64_t key = it->type == ETWCAP_EXT_STACK_KEY64 ? etwcap_rd64(it->data + 8)
                                                          : etwcap_rd32(it->data + 8);
        size_t i = pending_new(sa);
        if (i == SIZE_MAX)
            return ETWCAP_ERR_NOMEM;
        sa->pend[i].info = info;
        return add_key_ref(sa, i, 0, key) == 0 ? ETWCAP_OK : ETWCAP_ERR_NOMEM;
    }
    return ETWCAP_OK;
}

etwcap_status etwcap_stack_flush_thread(etwcap_stack_asm *sa, uint32_t tid)
{
    size_t i = etwcap_u64map_get(&sa->waiting_user, tid);
    etwcap_u64map_del(&sa->waiting_user, tid);
    while (i != SIZE_MAX) {
        size_t next = sa->pend[i].next_waiting;
        sa->pend[i].waiting_user = 0;
        sa->pend[i].next_waiting = SIZE_MAX;
        if (sa->pend[i].live) {
            etwcap_status st = emit_if_ready(sa, i);
            if (st != ETWCAP_OK)
                return st;
        }
        i = next;
    }
    return ETWCAP_OK;
}

etwcap_status etwcap_stack_asm_finish(etwcap_stack_asm *sa)
{
    for (size_t i = 0; i < sa->npend; i++) {
        if (!sa->pend[i].live)
            continue;
        sa->pend[i].waiting_user = 0;
        etwcap_status st = emit(sa, i);
        if (st != ETWCAP_OK)
            return st;
    }
    etwcap_u64map_clear(&sa->waiting_user);
    etwcap_u64map_clear(&sa->key_refs);
    etwcap_u64map_clear(&sa->last_by_tid);
    sa->nrefs = 0; /* no key list points into the nodes any more */
    sa->ref_free = SIZE_MAX;
    return ETWCAP_OK;
}

void etwcap_stack_asm_free(etwcap_stack_asm *sa)
{
    if (!sa)
        return;
    for (size_t i = 0; i < sa->npend; i++) {
        free(sa->pend[i].part[0].frames);
        free(sa->pend[i].part[1].frames);
    }
    free(sa->pend);
    free(sa->refs);
    etwcap_u64map_free(&sa->last_by_tid);
    etwcap_u64map_free(&sa->waiting_user);
    etwcap_u64map_free(&sa->key_refs);
    etwcap_u64map_free(&sa->last_clr);
    free(sa->clr_events);
    free(sa);
}
