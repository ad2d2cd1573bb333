/* events.c - `etwcap events`: one line or one JSON object per event. */
#include "etwcap/decode.h"
#include "etwcap/names.h"
#include "etwcap/output.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "output/json.h"

struct etwcap_events_sink {
    FILE *f;
    int json;
    int have_info;
    etwcap_logfile_info info;
    etwcap_json j;
    etwcap_fields fields; /* decoded payload of the event being written */
};

etwcap_status etwcap_events_sink_create(etwcap_events_sink **out, FILE *f, int json,
                                        const etwcap_logfile_info *info)
{
    etwcap_events_sink *s = calloc(1, sizeof *s);
    if (!s)
        return ETWCAP_ERR_NOMEM;
    s->f = f;
    s->json = json;
    if (info) {
        s->info = *info;
        s->have_info = 1;
    }
    etwcap_json_init(&s->j);
    *out = s;
    return ETWCAP_OK;
}

/* The decoded payload fields, each with its JSON type: HEX and GUID as
 * strings, DOUBLE with three decimals as TraceEvent prints them. */
static void write_fields(etwcap_json *j, etwcap_fields *fl, const etwcap_event *ev,
                         const etwcap_event_owner *owner)
{
    char tmp[40];
    char path[1200];
    /* Image FileName is logged as an NT path; show it as TraceEvent does. */
    const int map = owner && owner->map_path && etwcap_event_classify(ev) == ETWCAP_EC_IMAGE;
    etwcap_json_obj_begin(j);
    if (etwcap_decode_fields(ev, fl) == ETWCAP_DECODE_OK) {
        for (size_t i = 0; i < fl->n; i++) {
            const etwcap_field *f = &fl->f[i];
            etwcap_json_key(j, f->name);
            switch (f->type) {
            case ETWCAP_FIELD_U64:
                etwcap_json_u64(j, f->v.u);
                break;
            case ETWCAP_FIELD_I64:
                etwcap_json_i64(j, f->v.i);
                break;
            case ETWCAP_FIELD_HEX:
                snprintf(tmp, sizeof tmp, "0x%" PRIx64, f->v.u);
                etwcap_json_str(j, tmp);
                break;
            case ETWCAP_FIELD_STR:
                if (map && f->s && !strcmp(f->name, "FileName")) {
                    owner->map_path(f->s, path, sizeof path, owner->map_ctx);
                    etwcap_json_str(j, path);
                } else {
                    etwcap_json_str(j, f->s ? f->s : "");
                }
                break;
            case ETWCAP_FIELD_GUID:
                etwcap_guid_format(&f->v.g, tmp);
                etwcap_json_str(j, tmp);
                break;
            case ETWCAP_FIELD_DOUBLE:
                if (isfinite(f->v.d))
                    etwcap_json_double(j, f->v.d, 3);
                else
                    etwcap_json_null(j);
                break;
            case ETWCAP_FIELD_BOOL:
                etwcap_json_bool(j, f->v.u != 0);
                break;
            }
        }
    }
    etwcap_json_obj_end(j);
}

/* TraceEvent prints a missing pid/tid (0xFFFFFFFF) as -1. */
static int64_t id_value(uint32_t v)
{
    return (int64_t)(int32_t)v;
}

etwcap_status etwcap_events_sink_write(etwcap_events_sink *s, const etwcap_event *ev,
                                       const etwcap_event_owner *owner)
{
    char name[512], provider[256], guid[37], time[32];
    etwcap_event_name(ev, name, sizeof name);
    etwcap_filetime_format(ev->filetime, time);
    double msec = s->have_info ? etwcap_logfile_msec(&s->info, ev->timestamp) : 0.0;
    if (!s->json) {
        fprintf(s->f, "%s %12.3f %s pid=%" PRId64 " tid=%" PRId64 " cpu=%u len=%u\n", time, msec,
                name, id_value(owner ? owner->pid : ev->pid),
                id_value(owner ? owner->tid : ev->tid), ev->cpu, ev->payload_len);
        return ferror(s->f) ? ETWCAP_ERR_IO : ETWCAP_OK;
    }
    etwcap_provider_name(ev, provider, sizeof provider);
    etwcap_guid_format(&ev->provider, guid);
    etwcap_json *j = &s->j;
    etwcap_json_obj_begin(j);
    etwcap_json_key(j, "name");
    etwcap_json_str(j, name);
    etwcap_json_key(j, "provider");
    etwcap_json_str(j, provider);
    etwcap_json_key(j, "provider_guid");
    etwcap_json_str(j, guid);
    etwcap_json_key(j, "id");
    etwcap_json_u64(j, ev->id);
    etwcap_json_key(j, "opcode");
    etwcap_json_u64(j, ev->opcode);
    etwcap_json_key(j, "version");
    etwcap_json_u64(j, ev->version);
    etwcap_json_key(j, "task");
    etwcap_json_u64(j, ev->task);
    etwcap_json_key(j, "level");
    etwcap_json_u64(j, ev->level);
    etwcap_json_key(j, "keyword");
    etwcap_json_u64(j, ev->keyword);
    etwcap_json_key(j, "header_type");
    etwcap_json_u64(j, ev->header_type);
    etwcap_json_key(j, "pid");
    etwcap_json_i64(j, id_value(owner ? owner->pid : ev->pid));
    if (owner) {
        etwcap_json_key(j, "pname");
        etwcap_json_str(j, owner->pname ? owner->pname : "");
    }
    etwcap_json_key(j, "tid");
    etwcap_json_i64(j, id_value(owner ? owner->tid : ev->tid));
    etwcap_json_key(j, "cpu");
    etwcap_json_u64(j, ev->cpu);
    etwcap_json_key(j, "ts");
    etwcap_json_i64(j, ev->timestamp);
    etwcap_json_key(j, "time");
    etwcap_json_str(j, time);
    etwcap_json_key(j, "msec");
    etwcap_json_double(j, msec, 4);
    etwcap_json_key(j, "data_len");
    etwcap_json_u64(j, ev->payload_len);
    if (ev->x.has_container_id) {
        etwcap_json_key(j, "container_id");
        etwcap_json_str(j, ev->x.container_id);
    }
    etwcap_json_key(j, "fields");
    write_fields(j, &s->fields, ev, owner);
    etwcap_json_obj_end(j);
    etwcap_json_raw(j, "\n");
    return etwcap_json_flush(j, s->f) == 0 ? ETWCAP_OK : ETWCAP_ERR_IO;
}

void etwcap_events_sink_free(etwcap_events_sink *s)
{
    if (!s)
        return;
    etwcap_json_free(&s->j);
    free(s);
}
