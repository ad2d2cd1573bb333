/* functions.c - the functions of the target processes and their call chains.
 *
 * A function is keyed by (process record, module, name, signature, CLR
 * MethodID or 0); its id is the first 16 hex digits of SHA-256 over
 * "pid|module|name|signature|methodid", stable across runs. Chains are kept per function with a
 * count; equal chains are found through a hash of (function, text).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/sha256.h"
#include "evidence/evidence_internal.h"

static uint64_t fnv(uint64_t h, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
    return h;
}

static char *dup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = malloc(n);
    if (p)
        memcpy(p, s, n);
    return p;
}

uint64_t ev_text_hash(uint64_t h, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        h = h * EV_HASH_MUL + (unsigned char)s[i];
    return h;
}

static uint64_t hash_pow(size_t n)
{
    uint64_t p = 1;
    for (size_t i = 0; i < n; i++)
        p *= EV_HASH_MUL;
    return p;
}

/* Label "module!name" cut to EV_LABEL_MAX bytes (as the frame labels are),
 * its length and hash. -1 on allocation failure. */
static int make_label(ev_function *f)
{
    size_t lm = strlen(f->module), ln = strlen(f->name);
    size_t k = lm < EV_LABEL_MAX ? lm : EV_LABEL_MAX;
    char buf[EV_LABEL_MAX + 1];
    memcpy(buf, f->module, k);
    size_t n = k;
    if (n < EV_LABEL_MAX)
        buf[n++] = '!';
    k = ln < EV_LABEL_MAX - n ? ln : EV_LABEL_MAX - n;
    memcpy(buf + n, f->name, k);
    n += k;
    buf[n] = '\0';
    if (!(f->label = malloc(n + 1)))
        return -1;
    memcpy(f->label, buf, n + 1);
    f->label_len = n;
    f->label_hash = ev_text_hash(0, buf, n);
    f->label_pow = hash_pow(n);
    return 0;
}

size_t ev_function_get(etwcap_evidence *e, size_t proc, const char *module, const char *name,
                       const char *signature, uint64_t method_id, int managed,
                       etwcap_resolution res)
{
    uint64_t h = 1469598103934665603ULL;
    h = fnv(h, (const char *)&proc, sizeof proc);
    h = fnv(h, module, strlen(module) + 1);
    h = fnv(h, name, strlen(name) + 1);
    h = fnv(h, signature, strlen(signature) + 1);
    h = fnv(h, (const char *)&method_id, sizeof method_id);
    for (;;) { /* on a hash collision, probe the next key */
        size_t i = etwcap_u64map_get(&e->fn_index, h);
        if (i == SIZE_MAX)
            break;
        ev_function *f = &e->fn[i];
        if (f->proc == proc && f->method_id == method_id && !strcmp(f->module, module) &&
            !strcmp(f->name, name) && !strcmp(f->signature, signature))
            return i;
        h = h * 6364136223846793005ULL + 1;
    }
    if (e->nfn == e->capfn) {
        size_t cap = e->capfn ? e->capfn * 2 : 256;
        ev_function *n = realloc(e->fn, cap * sizeof *n);
        if (!n)
            return SIZE_MAX;
        e->fn = n;
        e->capfn = cap;
    }
    ev_function *f = &e->fn[e->nfn];
    memset(f, 0, sizeof *f);
    f->proc = proc;
    f->method_id = method_id;
    f->module = dup(module);
    f->name = dup(name);
    f->signature = dup(signature);
    f->managed = managed;
    f->resolution = res;
    f->first_seen = INT64_MAX;
    f->last_seen = INT64_MIN;
    if (!f->module || !f->name || !f->signature) {
        free(f->module);
        free(f->name);
        free(f->signature);
        return SIZE_MAX;
    }
    const etwcap_process *p = etwcap_state_process_at(e->state, proc);
    char idsrc[2048];
    int n = snprintf(idsrc, sizeof idsrc, "%u|%s|%s|%s|%llx", p ? (unsigned)p->pid : 0u, module,
                     name, signature, (unsigned long long)method_id);
    char hex[65];
    if (n < 0 || etwcap_sha256_buf(idsrc, strlen(idsrc), hex) != 0)
        return SIZE_MAX;
    memcpy(f->id, hex, 16);
    f->id[16] = '\0';
    if (make_label(f) != 0)
        return SIZE_MAX;
    if (etwcap_u64map_put(&e->fn_index, h, e->nfn) != 0)
        return SIZE_MAX;
    return e->nfn++;
}

void ev_function_seen(etwcap_evidence *e, size_t fi, unsigned how, int64_t ts)
{
    ev_function *f = &e->fn[fi];
    f->observed |= how;
    if (ts < f->first_seen)
        f->first_seen = ts;
    if (ts > f->last_seen)
        f->last_seen = ts;
    if (how & OBS_SAMPLED)
        f->samples++;
}

int ev_chain_add(etwcap_evidence *e, size_t fi, const char *text, size_t len)
{
    return ev_chain_add_hashed(e, fi, text, len, ev_text_hash(0, text, len));
}

/* The text's hash is mixed with the function at the end, so that a caller
 * growing one chain root first hashes each byte once, not once per frame. */
int ev_chain_add_hashed(etwcap_evidence *e, size_t fi, const char *text, size_t len,
                        uint64_t text_hash)
{
    uint64_t h = (text_hash ^ ((uint64_t)fi * 0x9E3779B97F4A7C15ULL)) * 0xBF58476D1CE4E5B9ULL;
    h ^= h >> 31;
    for (uint64_t key = h;; key = key * 6364136223846793005ULL + 1) {
        size_t i = etwcap_u64map_get(&e->chain_index, key);
        if (i == SIZE_MAX) {
            h = key;
            break;
        }
        ev_chain *c = &e->chains[i];
        if (c->function == fi && c->len == len && !memcmp(c->text, text, len)) {
            c->count++;
            return 0;
        }
    }
    if (e->nchains == e->capchains) {
        size_t cap = e->capchains ? e->capchains * 2 : 1024;
        ev_chain *n = realloc(e->chains, cap * sizeof *n);
        if (!n)
            return -1;
        e->chains = n;
        e->capchains = cap;
    }
    ev_chain *c = &e->chains[e->nchains];
    c->function = fi;
    c->hash = h;
    c->count = 1;
    c->len = len;
    c->text = malloc(len + 1);
    if (!c->text)
        return -1;
    memcpy(c->text, text, len);
    c->text[len] = '\0';
    if (etwcap_u64map_put(&e->chain_index, h, e->nchains) != 0)
        return -1;
    e->nchains++;
    return 0;
}

void ev_functions_free(etwcap_evidence *e)
{
    for (size_t i = 0; i < e->nfn; i++) {
        free(e->fn[i].module);
        free(e->fn[i].name);
        free(e->fn[i].signature);
        free(e->fn[i].label);
    }
    free(e->fn);
    for (size_t i = 0; i < e->nchains; i++)
        free(e->chains[i].text);
    free(e->chains);
    free(e->fcache);
    free(e->ecache);
    etwcap_u64map_free(&e->fn_index);
    etwcap_u64map_free(&e->chain_index);
    etwcap_u64map_free(&e->fcache_index);
}
