/* watch_file.c - the claim watcher over a whole trace file (watch_file.h). */
#include "watch_file.h"

#include <stdio.h>

#include "etwcap/reader.h"
#include "testutil.h"

char *test_watch_file(const char *etl, const etwcap_claims *cl, const etwcap_watch_options *o,
                      size_t *hits)
{
    FILE *out = test_scratch();
    etwcap_watch *w = NULL;
    assert_int_equal(etwcap_watch_create(&w, cl, o, out), ETWCAP_OK);
    etwcap_reader *r = NULL;
    assert_int_equal(etwcap_reader_open(&r, etl, NULL, NULL), ETWCAP_OK);
    etwcap_watch_set_info(w, etwcap_reader_info(r));
    etwcap_event ev;
    while (etwcap_reader_next(r, &ev) == ETWCAP_OK)
        assert_int_equal(etwcap_watch_add(w, &ev), ETWCAP_OK);
    assert_int_equal(etwcap_watch_finish(w), ETWCAP_OK);
    if (hits)
        *hits = etwcap_watch_hits(w);
    etwcap_watch_free(w);
    etwcap_reader_close(r);
    char *s = test_read_stream(out);
    fclose(out);
    return s;
}
