/* flame_speedscope.c - the merged stacks as a speedscope file
 * (https://www.speedscope.app/file-format-schema.json).
 *
 * One "sampled" profile: shared.frames holds every frame name once, sorted
 * bytewise; each distinct stack is one sample (frame indices root to leaf)
 * whose weight is its count, in the order of the folded output. The file is
 * written in pieces so that the buffer stays small.
 */
#include "output/flame_impl.h"
#include "output/json.h"

#include <stdlib.h>
#include <string.h>

#define SPEEDSCOPE_SCHEMA "https://www.speedscope.app/file-format-schema.json"
#define FLUSH_AT 65536

/* Write out what is buffered when there is a lot of it; the JSON writer
 * forgets its comma state on a flush, so keep it. */
static etwcap_status flush_part(etwcap_json *j, FILE *out, int force)
{
    if (j->failed)
        return ETWCAP_ERR_NOMEM;
    if (!force && j->len < FLUSH_AT)
        return ETWCAP_OK;
    int nc = j->need_comma;
    if (etwcap_json_flush(j, out) != 0)
        return j->failed ? ETWCAP_ERR_NOMEM : ETWCAP_ERR_IO;
    j->need_comma = nc;
    return ETWCAP_OK;
}

static int cmp_names(const void *ctx, uint32_t a, uint32_t b)
{
    return flame_name_cmp(ctx, a, b);
}

/* The names used by live nodes, sorted, in *frames (*nframes of them), and
 * for each name id its index there in *index. */
static etwcap_status frame_table(const etwcap_flame *f, uint32_t **frames, size_t *nframes,
                                 uint32_t **index)
{
    size_t n = f->nnames ? f->nnames : 1;
    *frames = NULL;
    *index = NULL;
    *nframes = 0;
    uint32_t *idx = calloc(n, sizeof *idx);
    uint32_t *fr = malloc(n * sizeof *fr);
    if (!idx || !fr) {
        free(idx);
        free(fr);
        return ETWCAP_ERR_NOMEM;
    }
    for (uint32_t i = 1; i < f->nnodes; i++)
        if (f->nodes[i].total)
            idx[f->nodes[i].name] = 1;
    size_t k = 0;
    for (uint32_t id = 0; id < f->nnames; id++)
        if (idx[id])
            fr[k++] = id;
    etwcap_status st = flame_sort(fr, k, cmp_names, f);
    if (st != ETWCAP_OK) {
        free(idx);
        free(fr);
        return st;
    }
    for (size_t i = 0; i < k; i++)
        idx[fr[i]] = (uint32_t)i;
    *frames = fr;
    *nframes = k;
    *index = idx;
    return ETWCAP_OK;
}

etwcap_status etwcap_flame_write_speedscope(const etwcap_flame *f, FILE *out, const char *name)
{
    if (!f || !out)
        return ETWCAP_ERR_ARG;
    if (!name)
        name = "etwcap";
    uint32_t *frames = NULL, *index = NULL, *stacks = NULL, *path = NULL;
    size_t nframes = 0, nstacks = 0, cap = 0, depth = 0;
    etwcap_json j;
    etwcap_json_init(&j);
    etwcap_status st = frame_table(f, &frames, &nframes, &index);
    if (st == ETWCAP_OK)
        st = flame_sorted_stacks(f, &stacks, &nstacks);
    if (st != ETWCAP_OK)
        goto done;

    etwcap_json_obj_begin(&j);
    etwcap_json_key(&j, "$schema");
    etwcap_json_str(&j, SPEEDSCOPE_SCHEMA);
    etwcap_json_key(&j, "shared");
    etwcap_json_obj_begin(&j);
    etwcap_json_key(&j, "frames");
    etwcap_json_arr_begin(&j);
    for (size_t i = 0; i < nframes && st == ETWCAP_OK; i++) {
        etwcap_json_obj_begin(&j);
        etwcap_json_key(&j, "name");
        etwcap_json_strn(&j, flame_name(f, frames[i]), f->names[frames[i]].len);
        etwcap_json_obj_end(&j);
        st = flush_part(&j, out, 0);
    }
    etwcap_json_arr_end(&j);
    etwcap_json_obj_end(&j);

    etwcap_json_key(&j, "profiles");
    etwcap_json_arr_begin(&j);
    etwcap_json_obj_begin(&j);
    etwcap_json_key(&j, "type");
    etwcap_json_str(&j, "sampled");
    etwcap_json_key(&j, "name");
    etwcap_json_str(&j, name);
    etwcap_json_key(&j, "unit");
    etwcap_json_str(&j, "none");
    etwcap_json_key(&j, "startValue");
    etwcap_json_u64(&j, 0);
    etwcap_json_key(&j, "endValue");
    etwcap_json_u64(&j, f->total);
    etwcap_json_key(&j, "samples");
    etwcap_json_arr_begin(&j);
    for (size_t i = 0; i < nstacks && st == ETWCAP_OK; i++) {
        st = flame_path(f, stacks[i], &path, &cap, &depth);
        if (st != ETWCAP_OK)
            break;
        etwcap_json_arr_begin(&j);
        for (size_t d = 0; d < depth; d++)
            etwcap_json_u64(&j, index[f->nodes[path[d]].name]);
        etwcap_json_arr_end(&j);
        st = flush_part(&j, out, 0);
    }
    etwcap_json_arr_end(&j);
    etwcap_json_key(&j, "weights");
    etwcap_json_arr_begin(&j);
    for (size_t i = 0; i < nstacks && st == ETWCAP_OK; i++) {
        etwcap_json_u64(&j, f->nodes[stacks[i]].self);
        st = flush_part(&j, out, 0);
    }
    etwcap_json_arr_end(&j);
    etwcap_json_obj_end(&j);
    etwcap_json_arr_end(&j);

    etwcap_json_key(&j, "name");
    etwcap_json_str(&j, name);
    etwcap_json_key(&j, "exporter");
    etwcap_json_str(&j, "etwcap");
    etwcap_json_obj_end(&j);
    etwcap_json_raw(&j, "\n");
    if (st == ETWCAP_OK)
        st = flush_part(&j, out, 1);
    if (st == ETWCAP_OK && (fflush(out) != 0 || ferror(out)))
        st = ETWCAP_ERR_IO;
done:
    etwcap_json_free(&j);
    free(frames);
    free(index);
    free(stacks);
    free(path);
    return st;
}
