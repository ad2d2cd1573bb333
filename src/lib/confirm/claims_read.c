/* claims_read.c - load an etwcap.claims/v1 document (schema/claims.schema.json).
 *
 *   {"schema": "etwcap.claims/v1",
 *    "claims": [{"id": "C1", "vulnerability": "CVE-2024-0001",
 *                "sink": {"module": "System.Text.Json.dll",
 *                         "name": "System.Text.Json.JsonSerializer.Deserialize",
 *                         "kind": "managed"},
 *                "static_path": ["App.Program.Main", "...", "JsonSerializer.Deserialize"],
 *                "static_verdict": "reachable"}]}
 *
 * The checks mirror the schema: types, required members, the enumerations,
 * non-empty strings, and claim ids unique in the file. Members the schema
 * does not name are allowed, as the schema allows them. Every violation is
 * reported with the member's path, line and column.
 */
#include <stdlib.h>
#include <string.h>

#include "confirm/confirm_json.h"

#define CLAIMS_SCHEMA "etwcap.claims/v1"

#define TRY(expr)                                  \
    do {                                           \
        etwcap_status st_ = (expr);                \
        if (st_ != ETWCAP_OK && st_ != ETWCAP_END) \
            return st_;                            \
    } while (0)

static etwcap_status read_sink(const cj_doc *d, const json_t *o, const cj_path *cp, etwcap_claim *c)
{
    json_t *sink;
    const char *kind;
    TRY(cj_object(d, o, cp, "sink", CJ_REQUIRED, &sink));
    cj_path sp = {cp, "sink", 0};
    TRY(cj_string(d, sink, &sp, "module", CJ_REQUIRED | CJ_NONEMPTY, &c->sink_module));
    TRY(cj_string(d, sink, &sp, "name", CJ_REQUIRED | CJ_NONEMPTY, &c->sink_name));
    TRY(cj_string(d, sink, &sp, "kind", CJ_REQUIRED, &kind));
    if (!strcmp(kind, "managed")) {
        c->sink_kind = ETWCAP_CODE_MANAGED;
    } else if (!strcmp(kind, "native")) {
        c->sink_kind = ETWCAP_CODE_NATIVE;
    } else {
        cj_path kp = {&sp, "kind", 0};
        return cj_fail(d, &kp, "expected \"managed\" or \"native\", found \"%s\"", kind);
    }
    return ETWCAP_OK;
}

static etwcap_status read_claim(const cj_doc *d, const json_t *o, const cj_path *cp,
                                etwcap_claim *c)
{
    json_t *path = NULL;
    const char *verdict = NULL;
    if (!json_is_object(o))
        return cj_fail(d, cp, "expected an object, found %s", cj_type_name(o));
    TRY(cj_string(d, o, cp, "id", CJ_REQUIRED | CJ_NONEMPTY, &c->id));
    TRY(cj_string(d, o, cp, "vulnerability", CJ_REQUIRED | CJ_NONEMPTY, &c->vulnerability));
    TRY(read_sink(d, o, cp, c));

    etwcap_status st = cj_array(d, o, cp, "static_path", 0, &path);
    if (st == ETWCAP_OK) {
        cj_path pp = {cp, "static_path", 0};
        size_t n = json_array_size(path);
        c->static_path = calloc(n ? n : 1, sizeof *c->static_path);
        if (!c->static_path)
            return cj_nomem(d);
        c->has_static_path = 1;
        for (size_t i = 0; i < n; i++) {
            cj_path ip = {&pp, NULL, i};
            TRY(cj_elem_string(d, json_array_get(path, i), &ip, CJ_NONEMPTY, &c->static_path[i]));
        }
        c->nstatic_path = n;
    } else if (st != ETWCAP_END) {
        return st;
    }

    st = cj_string(d, o, cp, "static_verdict", 0, &verdict);
    if (st == ETWCAP_END) {
        c->static_verdict = ETWCAP_STATIC_NONE;
    } else if (st != ETWCAP_OK) {
        return st;
    } else if (!strcmp(verdict, "reachable")) {
        c->static_verdict = ETWCAP_STATIC_REACHABLE;
    } else if (!strcmp(verdict, "unreachable")) {
        c->static_verdict = ETWCAP_STATIC_UNREACHABLE;
    } else if (!strcmp(verdict, "unknown")) {
        c->static_verdict = ETWCAP_STATIC_UNKNOWN;
    } else {
        cj_path vp = {cp, "static_verdict", 0};
        return cj_fail(d, &vp,
                       "expected \"reachable\", \"unreachable\" or \"unknown\", found \"%s\"",
                       verdict);
    }
    return ETWCAP_OK;
}

static etwcap_status read_claims(const cj_doc *d, etwcap_claims *out)
{
    cj_path root = {NULL, NULL, 0};
    const char *schema;
    json_t *arr;
    if (!json_is_object(d->root))
        return cj_fail(d, &root, "expected an object, found %s", cj_type_name(d->root));
    TRY(cj_string(d, d->root, &root, "schema", CJ_REQUIRED, &schema));
    if (strcmp(schema, CLAIMS_SCHEMA) != 0) {
        cj_path sp = {&root, "schema", 0};
        return cj_fail(d, &sp, "expected \"%s\", found \"%s\"", CLAIMS_SCHEMA, schema);
    }
    TRY(cj_array(d, d->root, &root, "claims", CJ_REQUIRED, &arr));
    cj_path ap = {&root, "claims", 0};
    size_t n = json_array_size(arr);
    out->claims = calloc(n ? n : 1, sizeof *out->claims);
    if (!out->claims)
        return cj_nomem(d);
    for (size_t i = 0; i < n; i++) {
        cj_path ip = {&ap, NULL, i};
        etwcap_claim *c = &out->claims[i];
        out->nclaims = i + 1; /* counted first, so a failed claim is freed */
        TRY(read_claim(d, json_array_get(arr, i), &ip, c));
        for (size_t k = 0; k < i; k++) {
            if (!strcmp(out->claims[k].id, c->id)) {
                cj_path idp = {&ip, "id", 0};
                return cj_fail(d, &idp, "duplicate claim id \"%s\" (also claims[%zu].id)", c->id,
                               k);
            }
        }
    }
    return ETWCAP_OK;
}

etwcap_status etwcap_claims_parse(etwcap_claims **out, const char *text, size_t len,
                                  const char *name, etwcap_confirm_error *err)
{
    cj_doc d;
    *out = NULL;
    etwcap_status st = cj_parse(&d, text, len, name, err);
    if (st != ETWCAP_OK)
        return st;
    etwcap_claims *c = calloc(1, sizeof *c);
    if (!c) {
        json_decref(d.root);
        return cj_nomem(&d);
    }
    c->priv = d.root;
    st = read_claims(&d, c);
    if (st != ETWCAP_OK) {
        etwcap_claims_free(c);
        return st;
    }
    *out = c;
    return ETWCAP_OK;
}

etwcap_status etwcap_claims_load(etwcap_claims **out, const char *path, etwcap_confirm_error *err)
{
    char *text;
    size_t len;
    *out = NULL;
    etwcap_status st = cj_read_file(path, &text, &len, err);
    if (st != ETWCAP_OK)
        return st;
    st = etwcap_claims_parse(out, text, len, path, err);
    free(text);
    return st;
}

void etwcap_claims_free(etwcap_claims *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->nclaims; i++)
        free(c->claims[i].static_path);
    free(c->claims);
    json_decref((json_t *)c->priv);
    free(c);
}
