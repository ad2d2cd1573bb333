/* cmd_confirm.c - `etwcap confirm`: check static reachability claims against
 * a runtime-evidence document and write one verdict per claim
 * (docs/verdicts.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "confirm/confirm.h"

/* Exit status when a verdict is in a --fail-on state. 3 stays reserved for
 * an unknown selector (`etwcap evidence`); 4 is this gate's own status. */
enum {
    CONFIRM_FAIL_ON = 4
};

static const char usage_text[] =
    "usage: etwcap confirm --evidence E.json --claims C.json [-o VERDICTS.json]\n"
    "                      [--fail-on STATE[,STATE]...]\n"
    "Checks each static reachability claim (etwcap.claims/v1) against the runtime evidence\n"
    "(etwcap.evidence/v1, or its in-toto Statement) and writes etwcap.verdicts/v1 to\n"
    "VERDICTS.json (default: standard output), one verdict per claim in the claims' order.\n"
    "A one-line summary per claim goes to standard error.\n"
    "STATE: Unknown StaticReachable StaticUnreachable RuntimeObserved RuntimeUnobserved\n"
    "       ConfirmedReachable ConfirmedUnreachable Contested (any case)\n"
    "Exit status: 0 OK; 1 usage; 2 unreadable or invalid input (the message gives line and\n"
    "column; no output file is left); 4 a verdict is in a --fail-on state.\n";

/* Parse "A,B,C" into a bit set of states. 0 on success. */
static int parse_fail_on(const char *s, unsigned *set)
{
    while (*s) {
        const char *comma = strchr(s, ',');
        size_t n = comma ? (size_t)(comma - s) : strlen(s);
        etwcap_verdict_state st;
        if (etwcap_verdict_state_parse(s, n, &st) != 0) {
            fprintf(stderr, "etwcap confirm: --fail-on: unknown state '%.*s'\n", (int)n, s);
            return -1;
        }
        *set |= 1u << st;
        s += n;
        if (*s == ',')
            s++;
    }
    return 0;
}

static void summary(const etwcap_verdicts *vs)
{
    for (size_t i = 0; i < vs->n; i++) {
        const etwcap_verdict *v = &vs->v[i];
        const etwcap_claim *c = v->claim;
        fprintf(stderr, "%-12s %-20s %s!%s", c->id, etwcap_verdict_state_name(v->state),
                c->sink_module, c->sink_name);
        if (v->obs.observed && v->obs.npids)
            fprintf(stderr, "  (pid %u%s)", (unsigned)v->obs.pids[0],
                    v->obs.npids > 1 ? " and others" : "");
        fputc('\n', stderr);
    }
}

int cmd_confirm(int argc, char **argv)
{
    const char *ev_path = NULL, *claims_path = NULL, *out_path = NULL;
    unsigned fail_on = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(usage_text, stdout);
            return CLI_OK;
        } else if (!strcmp(a, "--evidence") && v) {
            ev_path = argv[++i];
        } else if (!strcmp(a, "--claims") && v) {
            claims_path = argv[++i];
        } else if ((!strcmp(a, "-o") || !strcmp(a, "--output")) && v) {
            out_path = argv[++i];
        } else if (!strcmp(a, "--fail-on") && v) {
            if (parse_fail_on(argv[++i], &fail_on) != 0)
                return CLI_USAGE;
        } else {
            fprintf(stderr, "etwcap confirm: bad argument '%s'\n", a);
            fputs(usage_text, stderr);
            return CLI_USAGE;
        }
    }
    if (!ev_path || !claims_path) {
        fprintf(stderr, "etwcap confirm: --evidence and --claims are required\n");
        fputs(usage_text, stderr);
        return CLI_USAGE;
    }

    etwcap_confirm_error err;
    etwcap_evdoc *ev = NULL;
    etwcap_claims *claims = NULL;
    etwcap_verdicts *vs = NULL;
    int rc = CLI_OK;
    if (etwcap_evdoc_load(&ev, ev_path, &err) != ETWCAP_OK ||
        etwcap_claims_load(&claims, claims_path, &err) != ETWCAP_OK) {
        fprintf(stderr, "etwcap confirm: %s\n", err.message);
        rc = CLI_INPUT;
        goto done;
    }
    if (etwcap_verdicts_compute(&vs, ev, claims) != ETWCAP_OK) {
        fprintf(stderr, "etwcap confirm: out of memory\n");
        rc = CLI_INPUT;
        goto done;
    }
    if (out_path) {
        char why[512];
        if (etwcap_verdicts_write_file(vs, out_path, why, sizeof why) != ETWCAP_OK) {
            fprintf(stderr, "etwcap confirm: %s\n", why);
            rc = CLI_INPUT;
            goto done;
        }
    } else if (etwcap_verdicts_write(vs, stdout) != ETWCAP_OK || fflush(stdout) != 0) {
        fprintf(stderr, "etwcap confirm: cannot write the verdicts\n");
        rc = CLI_INPUT;
        goto done;
    }
    summary(vs);
    for (size_t i = 0; i < vs->n; i++) {
        if (fail_on & (1u << vs->v[i].state)) {
            fprintf(stderr, "etwcap confirm: claim %s is %s (--fail-on)\n", vs->v[i].claim->id,
                    etwcap_verdict_state_name(vs->v[i].state));
            rc = CONFIRM_FAIL_ON;
        }
    }
done:
    etwcap_verdicts_free(vs);
    etwcap_claims_free(claims);
    etwcap_evdoc_free(ev);
    return rc;
}
