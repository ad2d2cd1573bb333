/* fuzz_evidence.c - the evidence builder on an in-memory .etl file: the
 * state, the stack assembler, the second pass with its lookup epochs and
 * frame caches, function and chain bookkeeping, and the document writer.
 *
 * Input: the file itself, as for fuzz_etl (whose seed corpus this target
 * shares). The targets are the first four process records the trace holds
 * (a first walk builds a state to find them), so that the second pass has
 * stacks to resolve; byte 0x0C bit 1 (the first buffer header's
 * ReferenceCount, which the reader ignores) leaves out their children.
 */
#include "fuzz_common.h"

#include "etwcap/evidence.h"
#include "etwcap/reader.h"
#include "etwcap/state.h"

#define MAX_TARGETS 4

/* Up to MAX_TARGETS pids of the trace's process records, into pids. */
static size_t first_pids(const uint8_t *data, size_t size, uint32_t *pids)
{
    etwcap_reader *r = NULL;
    if (etwcap_reader_open_memory(&r, data, size, "fuzz.etl", NULL, NULL) != ETWCAP_OK)
        return 0;
    etwcap_state *st = NULL;
    FUZZ_CHECK(etwcap_state_create(&st) == ETWCAP_OK);
    etwcap_event ev;
    while (etwcap_reader_next(r, &ev) == ETWCAP_OK)
        (void)etwcap_state_update(st, &ev);
    etwcap_reader_close(r);
    size_t n = 0;
    for (size_t i = 0; i < etwcap_state_process_count(st) && n < MAX_TARGETS; i++)
        pids[n++] = etwcap_state_process_at(st, i)->pid;
    etwcap_state_free(st);
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint32_t pids[MAX_TARGETS];
    size_t npids = first_pids(data, size, pids);
    if (npids == 0)
        return 0;
    etwcap_evidence_options opts;
    memset(&opts, 0, sizeof opts);
    opts.version = ETWCAP_EVIDENCE_OPTIONS_VERSION;
    opts.pids = pids;
    opts.npids = npids;
    opts.no_children = size > 0x0C && (data[0x0C] & 2);

    etwcap_evidence_stream *s = NULL;
    static const char sha[] = "0000000000000000000000000000000000000000000000000000000000000000";
    FUZZ_CHECK(etwcap_evidence_stream_begin(&s, &opts, "fuzz.etl", sha) == ETWCAP_OK);
    etwcap_reader *r = NULL;
    FUZZ_CHECK(etwcap_reader_open_memory(&r, data, size, "fuzz.etl", NULL, NULL) == ETWCAP_OK);
    if (etwcap_reader_info(r))
        etwcap_evidence_stream_set_info(s, etwcap_reader_info(r));
    etwcap_event ev;
    etwcap_status st = ETWCAP_OK;
    while (st == ETWCAP_OK && etwcap_reader_next(r, &ev) == ETWCAP_OK)
        st = etwcap_evidence_stream_add(s, &ev);
    etwcap_reader_close(r);
    if (st != ETWCAP_OK) {
        etwcap_evidence_stream_free(s);
        return 0;
    }
    size_t kept = 0;
    (void)etwcap_evidence_stream_retained(s, &kept);
    etwcap_evidence *e = NULL;
    st = etwcap_evidence_stream_end(s, &e);
    if (e && st == ETWCAP_OK) {
        FILE *f = tmpfile();
        if (f) {
            FUZZ_CHECK(etwcap_evidence_write(e, f, (size > 0x0C && (data[0x0C] & 4)) != 0) ==
                       ETWCAP_OK);
            FUZZ_CHECK(ftell(f) > 0);
            fclose(f);
        }
    }
    etwcap_evidence_free(e);
    return 0;
}
