/* fuzz_stackkeys.c - stack assembly and stack-key resolution (etl-format.md
 * §3.6, §2.7): a sequence of synthetic events - samples, StackWalk (32),
 * key references (37/38), key definitions (35/36), thread start/stop and
 * events carrying their own STACK_TRACE or STACK_KEY item - fed in time
 * order through etwcap_state and etwcap_stack_asm, as `etwcap stacks` does.
 *
 * Input: a list of operations. Each starts with one byte:
 *   bits 0-3  operation (value mod 11, below)
 *   bit 4     4-byte pointers for this event (else 8)
 *   bit 5     same timestamp as the previous event (else one tick later)
 *   bits 6-7  operation flags
 * and goes on with its argument bytes:
 *   0 sample        T A         flags: SampledProfile Flags (1 DPC, 2 ISR)
 *   1 stackwalk     T E N F*N
 *   2 key ref 37    T E K
 *   3 key ref 38    T E K
 *   4 key def 35    K N F*N
 *   5 key def 36    K N F*N
 *   6 thread stop   T
 *   7 thread start  T P         flag 1: DCStart instead of Start
 *   8 own stack     T N F*N     flag 1: STACK_TRACE32 instead of 64
 *   9 own stack key T K         flag 1: STACK_KEY32 instead of 64
 *  10 time jump     D           timestamp += D * 1000
 * T thread (bit 7: thread 0, else 100 + (T & 3)); P process (200 + (P & 3));
 * E the event a stack belongs to (bit 2: this timestamp, else one of the
 * last four samples/keyed events, E & 3); K key (8 keys); N frame count;
 * F a frame (bit 7: kernel address, else user; low bits pick the address);
 * A a sample address, like F; D a byte.
 *
 * Checked: every sample and every event with its own stack reaches the
 * callback exactly once, frame counts stay within what the records carried,
 * and the statistics agree.
 */
#include "fuzz_common.h"

#include "common/bytes.h"
#include "etwcap/decode.h"
#include "etwcap/stack.h"
#include "etwcap/state.h"
#include "reader/record.h"

#define MAX_OPS 4096

typedef struct run {
    uint64_t emitted_samples, emitted_own;
    uint64_t fed_samples, fed_own;
    uint64_t max_frames; /* largest frame count any one event could have */
} run;

static void on_stacked(const etwcap_stacked *s, void *payload)
{
    run *r = payload;
    FUZZ_CHECK(s->nframes == 0 || s->frames != NULL);
    FUZZ_CHECK(s->nframes <= r->max_frames);
    FUZZ_CHECK(s->has_stack == (s->nframes > 0));
    volatile uint64_t sum = 0;
    for (size_t i = 0; i < s->nframes; i++)
        sum += s->frames[i];
    (void)sum;
    if (s->is_sample)
        r->emitted_samples++;
    else
        r->emitted_own++;
}

static uint64_t frame_addr(uint8_t d, unsigned psize)
{
    if (d & 0x80)
        return (psize == 8 ? 0xFFFFF80000000000ull : 0x80000000ull) + (uint64_t)(d & 0x7F) * 0x10;
    return 0x400000ull + (uint64_t)d * 0x10;
}

static void put(uint8_t *b, size_t *n, uint64_t v, unsigned size)
{
    for (unsigned i = 0; i < size; i++)
        b[(*n)++] = (uint8_t)(v >> (8 * i));
}

/* N frames from the input, written pointer-sized. */
static void put_frames(fuzz_src *in, uint8_t *b, size_t *n, unsigned psize)
{
    unsigned count = fuzz_u8(in);
    for (unsigned i = 0; i < count; i++)
        put(b, n, frame_addr(fuzz_u8(in), psize), psize);
}

static uint32_t pick_tid(uint8_t t)
{
    return (t & 0x80) ? 0 : 100u + (t & 3u);
}

static uint64_t pick_key(uint8_t k, unsigned psize)
{
    uint64_t base = psize == 8 ? 0xFFFFC00000001000ull : 0xC0001000ull;
    return base + (uint64_t)(k & 7) * 0x40;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_src in;
    fuzz_src_init(&in, data, size);
    run r;
    memset(&r, 0, sizeof r);
    /* One StackWalk or key definition holds at most 64 KiB / 4 frames; a
     * kernel part and a user part are joined. */
    r.max_frames = (uint64_t)2 * (0xFFFF / 4);

    etwcap_state *st = NULL;
    etwcap_stack_asm *sa = NULL;
    FUZZ_CHECK(etwcap_state_create(&st) == ETWCAP_OK);
    FUZZ_CHECK(etwcap_stack_asm_create(&sa, on_stacked, &r) == ETWCAP_OK);

    int64_t ts = 1000, hist[4] = {1000, 1000, 1000, 1000};
    unsigned nhist = 0;
    uint8_t b[16 + 256 * 8 + 64];
    etwcap_ext_item item;
    for (unsigned op_i = 0; op_i < MAX_OPS && fuzz_left(&in) > 0; op_i++) {
        uint8_t op = fuzz_u8(&in);
        unsigned psize = (op & 0x10) ? 4 : 8, flags = op >> 6;
        if (!(op & 0x20))
            ts++;
        etwcap_event ev;
        memset(&ev, 0, sizeof ev);
        ev.struct_version = ETWCAP_EVENT_VERSION;
        ev.kind = ETWCAP_KIND_KERNEL;
        ev.pointer_size = (uint8_t)psize;
        ev.header_type = psize == 4 ? ETWCAP_HDR_PERFINFO32 : ETWCAP_HDR_PERFINFO64;
        ev.pid = ETWCAP_NO_ID;
        ev.tid = ETWCAP_NO_ID;
        ev.version = 2;
        size_t n = 0;
        unsigned group = 0x18, opcode = 0;
        int keep = 0; /* a tracked event: its timestamp goes to the history */
        switch ((op & 0x0F) % 11) {
        case 0: { /* SampledProfile */
            uint32_t tid = pick_tid(fuzz_u8(&in));
            put(b, &n, frame_addr(fuzz_u8(&in), psize), psize);
            put(b, &n, tid, 4);
            put(b, &n, 1, 2);
            put(b, &n, flags, 1);
            put(b, &n, 0, 1);
            group = 0x0F;
            opcode = 46;
            r.fed_samples++;
            keep = 1;
            break;
        }
        case 1: /* StackWalk Stack */
        case 2: /* StackKeyKernel */
        case 3: /* StackKeyUser */ {
            uint32_t tid = pick_tid(fuzz_u8(&in));
            uint8_t e = fuzz_u8(&in);
            put(b, &n, (uint64_t)((e & 4) ? ts : hist[e & 3]), 8);
            put(b, &n, 200, 4);
            put(b, &n, tid, 4);
            if ((op & 0x0F) % 11 == 1) {
                put_frames(&in, b, &n, psize);
                opcode = 32;
            } else {
                put(b, &n, pick_key(fuzz_u8(&in), psize), psize);
                opcode = (op & 0x0F) % 11 == 2 ? 37 : 38;
            }
            break;
        }
        case 4: /* KeyDelete */
        case 5: /* KeyRundown */
            put(b, &n, pick_key(fuzz_u8(&in), psize), psize);
            put_frames(&in, b, &n, psize);
            opcode = (op & 0x0F) % 11 == 4 ? 35 : 36;
            break;
        case 6: /* Thread Stop */
        case 7: /* Thread Start / DCStart */ {
            uint32_t tid = pick_tid(fuzz_u8(&in));
            uint32_t pid = (op & 0x0F) % 11 == 7 ? 200u + (fuzz_u8(&in) & 3u) : 200u;
            put(b, &n, pid, 4);
            put(b, &n, tid, 4);
            for (int i = 0; i < 7; i++)
                put(b, &n, 0x10000ull * (uint64_t)(i + 1), psize);
            put(b, &n, 0, 4);
            group = 0x05;
            opcode = (op & 0x0F) % 11 == 6 ? 2 : ((flags & 1) ? 3 : 1);
            ev.header_type = psize == 4 ? ETWCAP_HDR_SYSTEM32 : ETWCAP_HDR_SYSTEM64;
            ev.pid = pid;
            ev.tid = tid;
            break;
        }
        case 8: /* an event with its own STACK_TRACE item */
        case 9: /* an event with its own STACK_KEY item */ {
            uint32_t tid = pick_tid(fuzz_u8(&in));
            int own_key = (op & 0x0F) % 11 == 9;
            unsigned fsize = (flags & 1) ? 4 : 8;
            put(b, &n, 0, 8); /* MatchId */
            if (own_key)
                put(b, &n, pick_key(fuzz_u8(&in), fsize), fsize);
            else
                put_frames(&in, b, &n, fsize);
            ev.kind = ETWCAP_KIND_MANIFEST;
            ev.header_type = psize == 4 ? ETWCAP_HDR_EVENT32 : ETWCAP_HDR_EVENT64;
            ev.provider = (etwcap_guid){0x12345678, 0x1234, 0x5678, {1, 2, 3, 4, 5, 6, 7, 8}};
            ev.id = 7;
            ev.pid = 200;
            ev.tid = tid;
            item.type = own_key
                            ? (fsize == 8 ? ETWCAP_EXT_STACK_KEY64 : ETWCAP_EXT_STACK_KEY32)
                            : (fsize == 8 ? ETWCAP_EXT_STACK_TRACE64 : ETWCAP_EXT_STACK_TRACE32);
            item.size = (uint16_t)n;
            break;
        }
        default: /* time jump */
            ts += (int64_t)fuzz_u8(&in) * 1000;
            continue;
        }
        ev.timestamp = ts;
        uint8_t *payload = fuzz_dup(b, n);
        if (ev.kind == ETWCAP_KIND_MANIFEST) {
            /* The item's data is the built bytes; the payload is empty. */
            item.data = payload;
            ev.ext[0] = item;
            ev.ext_count = 1;
            if (item.type == ETWCAP_EXT_STACK_KEY64 || item.type == ETWCAP_EXT_STACK_KEY32)
                ev.x.stack_key = &ev.ext[0];
            else
                ev.x.stack = &ev.ext[0];
            ev.payload = payload + n;
            ev.payload_len = 0;
            if (ev.x.stack ? item.size >= 8 : item.size >= 12) {
                r.fed_own++;
                keep = ev.x.stack_key != NULL;
            }
        } else {
            ev.hook_id = (uint16_t)(group << 8 | opcode);
            ev.opcode = (uint8_t)opcode;
            etwcap_kernel_group_guid(group, &ev.provider);
            ev.payload = payload;
            ev.payload_len = (uint32_t)n;
        }
        if (keep)
            hist[nhist++ & 3] = ts;

        FUZZ_CHECK(etwcap_state_update(st, &ev) == ETWCAP_OK);
        uint32_t pid = etwcap_state_event_pid(st, &ev);
        size_t proc = etwcap_state_find_process(st, pid, ev.timestamp);
        FUZZ_CHECK(etwcap_stack_asm_update(sa, &ev, pid, proc) == ETWCAP_OK);
        free(payload);
    }
    FUZZ_CHECK(etwcap_stack_asm_finish(sa) == ETWCAP_OK);

    const etwcap_stack_stats *ss = etwcap_stack_asm_stats(sa);
    FUZZ_CHECK(r.emitted_samples == r.fed_samples);
    FUZZ_CHECK(r.emitted_own == r.fed_own);
    FUZZ_CHECK(ss->samples == r.fed_samples);
    FUZZ_CHECK(ss->samples_with_stack <= ss->samples);
    FUZZ_CHECK(ss->key_refs_resolved <= ss->key_refs);

    etwcap_stack_asm_free(sa);
    etwcap_state_free(st);
    return 0;
}
