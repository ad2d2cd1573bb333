/* fuzz_claims.c - the `confirm` readers (src/lib/confirm/): the claims
 * reader (etwcap.claims/v1, claims_read.c), the evidence reader
 * (etwcap.evidence/v1 or an in-toto Statement, evidence_read.c), their
 * jansson helpers and error positions (confirm_json.c), and, when both
 * documents parse, matching, verdicts and the verdicts writer.
 *
 * Input: one mode byte, then the text.
 *   mode % 3 == 0: the text is a claims document;
 *   mode % 3 == 1: the text is an evidence document;
 *   mode % 3 == 2: the text is an evidence document, a NUL byte, then a
 *                  claims document; both are read, and when both parse the
 *                  verdicts are computed and written.
 */
#include "fuzz_common.h"

#include "confirm/confirm.h"

/* A failed read fills in a message that is NUL-terminated and, when it has
 * a position, 1-based. */
static void check_error(const etwcap_confirm_error *err)
{
    FUZZ_CHECK(memchr(err->message, 0, sizeof err->message) != NULL);
    FUZZ_CHECK(err->line >= 0 && err->column >= 0);
}

static void check_evdoc(const etwcap_evdoc *ev)
{
    FUZZ_CHECK(ev->sha256 != NULL);
    FUZZ_CHECK(ev->nproviders == 0 || ev->providers != NULL);
    for (size_t i = 0; i < ev->nproviders; i++)
        FUZZ_CHECK(ev->providers[i] != NULL);
    for (size_t i = 0; i < ev->nmodules; i++)
        FUZZ_CHECK(ev->modules[i].path != NULL);
    for (size_t i = 0; i < ev->nfunctions; i++) {
        const etwcap_ev_function *f = &ev->functions[i];
        FUZZ_CHECK(f->id != NULL && f->module != NULL && f->name != NULL);
        for (size_t c = 0; c < f->nchains; c++)
            for (size_t k = 0; k < f->chains[c].nframes; k++)
                FUZZ_CHECK(f->chains[c].frames[k] != NULL);
    }
}

static void check_claims(const etwcap_claims *cl)
{
    for (size_t i = 0; i < cl->nclaims; i++) {
        const etwcap_claim *c = &cl->claims[i];
        FUZZ_CHECK(c->id != NULL && c->sink_module != NULL && c->sink_name != NULL);
        for (size_t k = 0; k < c->nstatic_path; k++)
            FUZZ_CHECK(c->static_path[k] != NULL);
    }
}

/* Where verdicts are written: the null device, opened once (no output is
 * kept; the writer's own checks and the sanitizers are what count). */
static FILE *sink_file(void)
{
    static FILE *f;
    if (!f) {
#ifdef _WIN32
        f = fopen("NUL", "w");
#else
        f = fopen("/dev/null", "w");
#endif
        if (!f)
            abort();
    }
    return f;
}

static void both(const char *text, size_t len)
{
    const char *nul = memchr(text, 0, len);
    size_t elen = nul ? (size_t)(nul - text) : len;
    const char *ctext = nul ? nul + 1 : "";
    size_t clen = nul ? len - elen - 1 : 0;
    etwcap_confirm_error err;
    etwcap_evdoc *ev = NULL;
    etwcap_claims *cl = NULL;
    if (etwcap_evdoc_parse(&ev, text, elen, "evidence.json", &err) != ETWCAP_OK) {
        FUZZ_CHECK(ev == NULL);
        check_error(&err);
        return;
    }
    if (etwcap_claims_parse(&cl, ctext, clen, "claims.json", &err) != ETWCAP_OK) {
        FUZZ_CHECK(cl == NULL);
        check_error(&err);
        etwcap_evdoc_free(ev);
        return;
    }
    etwcap_verdicts *vs = NULL;
    if (etwcap_verdicts_compute(&vs, ev, cl) == ETWCAP_OK) {
        FUZZ_CHECK(vs->n == cl->nclaims);
        for (size_t i = 0; i < vs->n; i++) {
            FUZZ_CHECK(vs->v[i].state < ETWCAP_V_NSTATES);
            FUZZ_CHECK(vs->v[i].reason != NULL);
            FUZZ_CHECK(vs->v[i].obs.nfunctions <= ev->nfunctions);
            for (size_t k = 0; k < vs->v[i].obs.nfunctions; k++)
                FUZZ_CHECK(vs->v[i].obs.functions[k] < ev->nfunctions);
        }
        (void)etwcap_verdicts_write(vs, sink_file());
        etwcap_verdicts_free(vs);
    }
    etwcap_claims_free(cl);
    etwcap_evdoc_free(ev);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    unsigned mode = data[0] % 3;
    /* An exact-size copy, so that a read one byte past the text is seen. */
    char *text = (char *)fuzz_dup(data + 1, size - 1);
    size_t len = size - 1;
    etwcap_confirm_error err;
    if (mode == 0) {
        etwcap_claims *cl = NULL;
        if (etwcap_claims_parse(&cl, text, len, "claims.json", &err) == ETWCAP_OK) {
            check_claims(cl);
            etwcap_claims_free(cl);
        } else {
            FUZZ_CHECK(cl == NULL);
            check_error(&err);
        }
    } else if (mode == 1) {
        etwcap_evdoc *ev = NULL;
        if (etwcap_evdoc_parse(&ev, text, len, "evidence.json", &err) == ETWCAP_OK) {
            check_evdoc(ev);
            etwcap_evdoc_free(ev);
        } else {
            FUZZ_CHECK(ev == NULL);
            check_error(&err);
        }
    } else {
        both(text, len);
    }
    free(text);
    return 0;
}
