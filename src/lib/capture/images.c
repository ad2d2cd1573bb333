/* images.c - write and read the image-identity sidecar (images.h). */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "capture/images.h"
#include "output/json.h"

static void set_diag(etwcap_diag *d, etwcap_status st, const char *file, const char *what)
{
    if (!d)
        return;
    memset(d, 0, sizeof *d);
    d->status = st;
    d->buffer_index = -1;
    snprintf(d->message, sizeof d->message, "%.100s: %.90s", file, what);
}

etwcap_status etwcap_images_write(FILE *f, const char *const *paths, const char *const *files,
                                  size_t n, size_t *nread)
{
    etwcap_json j;
    etwcap_json_init(&j);
    size_t ok = 0;
    etwcap_json_obj_begin(&j);
    etwcap_json_key(&j, "format");
    etwcap_json_str(&j, ETWCAP_IMAGES_FORMAT);
    etwcap_json_key(&j, "images");
    etwcap_json_arr_begin(&j);
    for (size_t i = 0; i < n; i++) {
        etwcap_pe *pe = NULL;
        etwcap_diag d;
        memset(&d, 0, sizeof d);
        etwcap_json_obj_begin(&j);
        etwcap_json_key(&j, "path");
        etwcap_json_str(&j, paths[i]);
        if (files && strcmp(files[i], paths[i]) != 0) {
            etwcap_json_key(&j, "file");
            etwcap_json_str(&j, files[i]);
        }
        if (etwcap_pe_open(&pe, files ? files[i] : paths[i], &d) != ETWCAP_OK) {
            etwcap_json_key(&j, "error");
            etwcap_json_str(&j, d.message[0] ? d.message : "cannot read the image");
        } else {
            const etwcap_pe_identity *id = etwcap_pe_identity_get(pe);
            etwcap_json_key(&j, "time_date_stamp");
            etwcap_json_u64(&j, id->time_date_stamp);
            etwcap_json_key(&j, "size_of_image");
            etwcap_json_u64(&j, id->size_of_image);
            if (id->has_rsds) {
                char g[37];
                etwcap_guid_format(&id->pdb_guid, g);
                etwcap_json_key(&j, "pdb_guid");
                etwcap_json_str(&j, g);
                etwcap_json_key(&j, "pdb_age");
                etwcap_json_u64(&j, id->pdb_age);
                etwcap_json_key(&j, "pdb_name");
                etwcap_json_str(&j, id->pdb_name);
            }
            ok++;
        }
        etwcap_pe_close(pe);
        etwcap_json_obj_end(&j);
    }
    etwcap_json_arr_end(&j);
    etwcap_json_obj_end(&j);
    etwcap_json_raw(&j, "\n");
    int rc = etwcap_json_flush(&j, f);
    etwcap_json_free(&j);
    if (nread)
        *nread = ok;
    return rc == 0 && !ferror(f) ? ETWCAP_OK : ETWCAP_ERR_IO;
}

static int get_u32(const json_t *o, const char *key, uint32_t *out)
{
    const json_t *v = json_object_get(o, key);
    if (!json_is_integer(v) || json_integer_value(v) < 0 ||
        json_integer_value(v) > (json_int_t)0xFFFFFFFF)
        return -1;
    *out = (uint32_t)json_integer_value(v);
    return 0;
}

static etwcap_status read_record(etwcap_image_record *r, const json_t *o)
{
    const json_t *path = json_object_get(o, "path");
    if (!json_is_object(o) || !json_is_string(path))
        return ETWCAP_ERR_FORMAT;
    size_t len = strlen(json_string_value(path));
    r->path = malloc(len + 1);
    if (r->path)
        memcpy(r->path, json_string_value(path), len + 1);
    if (!r->path)
        return ETWCAP_ERR_NOMEM;
    if (json_object_get(o, "error"))
        return ETWCAP_OK;
    if (get_u32(o, "time_date_stamp", &r->id.time_date_stamp) != 0 ||
        get_u32(o, "size_of_image", &r->id.size_of_image) != 0)
        return ETWCAP_ERR_FORMAT;
    const json_t *g = json_object_get(o, "pdb_guid"), *name = json_object_get(o, "pdb_name");
    if (g) {
        if (!json_is_string(g) || etwcap_guid_parse(json_string_value(g), &r->id.pdb_guid) != 0 ||
            get_u32(o, "pdb_age", &r->id.pdb_age) != 0 || !json_is_string(name) ||
            strlen(json_string_value(name)) >= sizeof r->id.pdb_name)
            return ETWCAP_ERR_FORMAT;
        strcpy(r->id.pdb_name, json_string_value(name));
        r->id.has_rsds = 1;
    }
    r->ok = 1;
    return ETWCAP_OK;
}

etwcap_status etwcap_images_load(etwcap_images *out, const char *file, etwcap_diag *diag)
{
    memset(out, 0, sizeof *out);
    json_error_t err;
    json_t *doc = json_load_file(file, JSON_REJECT_DUPLICATES, &err);
    if (!doc) {
        char what[120];
        snprintf(what, sizeof what, "line %d: %.70s", err.line, err.text);
        set_diag(diag, ETWCAP_ERR_FORMAT, file, what);
        return ETWCAP_ERR_FORMAT;
    }
    const json_t *fmt = json_object_get(doc, "format"), *arr = json_object_get(doc, "images");
    etwcap_status st = ETWCAP_OK;
    if (!json_is_string(fmt) || strcmp(json_string_value(fmt), ETWCAP_IMAGES_FORMAT) != 0 ||
        !json_is_array(arr)) {
        set_diag(diag, ETWCAP_ERR_FORMAT, file, "not an " ETWCAP_IMAGES_FORMAT " document");
        json_decref(doc);
        return ETWCAP_ERR_FORMAT;
    }
    size_t n = json_array_size(arr);
    out->v = calloc(n ? n : 1, sizeof *out->v);
    if (!out->v) {
        json_decref(doc);
        return ETWCAP_ERR_NOMEM;
    }
    for (size_t i = 0; st == ETWCAP_OK && i < n; i++) {
        st = read_record(&out->v[i], json_array_get(arr, i));
        out->n = i + 1;
        if (st == ETWCAP_ERR_FORMAT) {
            char what[64];
            snprintf(what, sizeof what, "images[%zu] is malformed", i);
            set_diag(diag, st, file, what);
        }
    }
    json_decref(doc);
    if (st != ETWCAP_OK)
        etwcap_images_free(out);
    return st;
}

static int same_path(const char *a, const char *b)
{
    for (;; a++, b++) {
        char x = *a == '/' ? '\\' : *a, y = *b == '/' ? '\\' : *b;
        if (x >= 'A' && x <= 'Z')
            x = (char)(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z')
            y = (char)(y - 'A' + 'a');
        if (x != y)
            return 0;
        if (!x)
            return 1;
    }
}

const etwcap_image_record *etwcap_images_find(const etwcap_images *im, const char *path,
                                              uint64_t size)
{
    for (size_t i = 0; im && path && i < im->n; i++)
        if (im->v[i].ok && same_path(im->v[i].path, path) &&
            (size == 0 || im->v[i].id.size_of_image == size))
            return &im->v[i];
    return NULL;
}

void etwcap_images_free(etwcap_images *im)
{
    for (size_t i = 0; i < im->n; i++)
        free(im->v[i].path);
    free(im->v);
    memset(im, 0, sizeof *im);
}

int etwcap_images_sidecar_path(char *dst, size_t cap, const char *etl)
{
    int n = snprintf(dst, cap, "%s.images.json", etl);
    return n < 0 || (size_t)n >= cap ? -1 : 0;
}
