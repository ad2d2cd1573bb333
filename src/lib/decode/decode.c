/* decode.c - classification and the field-decoder dispatch. */
#include <string.h>

#include "common/bytes.h"
#include "decode/decode_internal.h"

const etwcap_guid etwcap_guid_clr_runtime = {
    0xe13c0d23, 0xccbc, 0x4e12, {0x93, 0x1b, 0xd9, 0xcc, 0x2e, 0xee, 0x27, 0xe4}};
const etwcap_guid etwcap_guid_clr_rundown = {
    0xa669021c, 0xc450, 0x4609, {0xa0, 0x35, 0x5a, 0xf5, 0x9a, 0xf4, 0xdf, 0x18}};
const etwcap_guid etwcap_guid_clr_private = {
    0x763fd754, 0x7086, 0x4dfe, {0x95, 0xeb, 0xc0, 0x1a, 0x46, 0xfa, 0xf4, 0xca}};
const etwcap_guid etwcap_guid_image_id = {
    0xb3e675d7, 0x2554, 0x4f18, {0x83, 0x0b, 0x27, 0x62, 0x73, 0x25, 0x60, 0xde}};

unsigned etwcap_kernel_group(const etwcap_event *ev)
{
    if (ev->hook_id == 0x030A)
        return 0x14;
    return ev->hook_id >> 8;
}

uint64_t etwcap_frame_at(const uint8_t *frames, unsigned frame_size, size_t i)
{
    return frame_size == 8 ? etwcap_rd64(frames + 8 * i) : etwcap_rd32(frames + 4 * i);
}

/* PerfInfo SampledProfile: kernel group 0x0F, type 46 (§3.7). Shared by
 * classify_kernel and etwcap_event_is_idle_sample. */
#define GROUP_PERFINFO 0x0Fu
#define TYPE_SAMPLED_PROFILE 46u

static etwcap_event_class classify_kernel(const etwcap_event *ev)
{
    unsigned op = ev->opcode;
    switch (etwcap_kernel_group(ev)) {
    case 0x00:
        return op == 0 ? ETWCAP_EC_HEADER : ETWCAP_EC_OTHER;
    case 0x03: /* Process: Start, Stop, DCStart, DCEnd, Defunct (§3.2) */
        return (op >= 1 && op <= 4) || op == 39 ? ETWCAP_EC_PROCESS : ETWCAP_EC_OTHER;
    case 0x05: /* Thread: Start, Stop, DCStart, DCEnd (§3.3) */
        return op >= 1 && op <= 4 ? ETWCAP_EC_THREAD : ETWCAP_EC_OTHER;
    case 0x14: /* Image: Load 10, Unload 2, DCStart 3, DCEnd 4 (§3.4) */
        return op == 10 || (op >= 2 && op <= 4) ? ETWCAP_EC_IMAGE : ETWCAP_EC_OTHER;
    case 0x18: /* StackWalk (§3.6) */
        if (op == 32)
            return ETWCAP_EC_STACKWALK;
        if (op == 35 || op == 36)
            return ETWCAP_EC_STACK_KEY_DEF;
        if (op == 37 || op == 38)
            return ETWCAP_EC_STACK_KEY_REF;
        return ETWCAP_EC_OTHER;
    case GROUP_PERFINFO:
        return op == TYPE_SAMPLED_PROFILE ? ETWCAP_EC_SAMPLE : ETWCAP_EC_OTHER;
    default:
        return ETWCAP_EC_OTHER;
    }
}

/* CLR ids (etl-format.md §4.3). */
static etwcap_event_class classify_clr(const etwcap_event *ev, int rundown)
{
    unsigned id = ev->id;
    if (!rundown) {
        if (id >= 141 && id <= 144)
            return ETWCAP_EC_CLR_METHOD;
        if (id == 151 || id == 152 || id == 153)
            return ETWCAP_EC_CLR_MODULE;
        if (id == 82)
            return ETWCAP_EC_CLR_STACK;
        if (id == 159)
            return ETWCAP_EC_CLR_R2R_ENTRY;
        return ETWCAP_EC_OTHER;
    }
    if (id >= 141 && id <= 144)
        return ETWCAP_EC_CLR_METHOD;
    if (id >= 151 && id <= 154)
        return ETWCAP_EC_CLR_MODULE;
    if (id == 0)
        return ETWCAP_EC_CLR_STACK;
    if (id == 145 || id == 146)
        return ETWCAP_EC_CLR_RUNDOWN_END;
    return ETWCAP_EC_OTHER;
}

etwcap_event_class etwcap_event_classify(const etwcap_event *ev)
{
    switch (ev->kind) {
    case ETWCAP_KIND_KERNEL:
        return classify_kernel(ev);
    case ETWCAP_KIND_CLASSIC:
        if (etwcap_guid_equal(&ev->provider, &etwcap_guid_image_id))
            return ETWCAP_EC_IMAGE_ID;
        return ETWCAP_EC_OTHER;
    case ETWCAP_KIND_MANIFEST:
        if (etwcap_guid_equal(&ev->provider, &etwcap_guid_clr_runtime))
            return classify_clr(ev, 0);
        /* The private provider has its own ClrStackWalk, id 151 (§4.1). */
        if (etwcap_guid_equal(&ev->provider, &etwcap_guid_clr_private))
            return ev->id == 151 ? ETWCAP_EC_CLR_STACK : ETWCAP_EC_OTHER;
        if (etwcap_guid_equal(&ev->provider, &etwcap_guid_clr_rundown))
            return classify_clr(ev, 1);
        return ETWCAP_EC_OTHER;
    default:
        return ETWCAP_EC_OTHER;
    }
}

/* classify_kernel's test for ETWCAP_EC_SAMPLE without its switches: `stats`
 * and `events` ask this of every event, and in a sampled trace half of them
 * can be idle samples. */
int etwcap_event_is_idle_sample(const etwcap_event *ev)
{
    return ev->kind == ETWCAP_KIND_KERNEL && ev->opcode == TYPE_SAMPLED_PROFILE &&
           etwcap_kernel_group(ev) == GROUP_PERFINFO && etwcap_sample_is_idle(ev);
}

etwcap_decode_result etwcap_decode_fields(const etwcap_event *ev, etwcap_fields *out)
{
    etwcap_fields_clear(out);
    etwcap_decode_result r = ETWCAP_DECODE_UNKNOWN;
    switch (ev->kind) {
    case ETWCAP_KIND_KERNEL:
    case ETWCAP_KIND_CLASSIC:
        r = etwcap_decode_kernel_fields(ev, out);
        break;
    case ETWCAP_KIND_MANIFEST:
        if (etwcap_event_find_ext(ev, ETWCAP_EXT_EVENT_SCHEMA_TL))
            r = etwcap_decode_tracelogging_fields(ev, out);
        else
            r = etwcap_decode_clr_fields(ev, out);
        break;
    default:
        break;
    }
    return r;
}
