/* watch_file.h - the claim watcher over a whole trace file, for tests. */
#ifndef ETWCAP_TEST_WATCH_FILE_H
#define ETWCAP_TEST_WATCH_FILE_H

#include <stddef.h>

#include "confirm/watch.h"

/* Runs the watcher over the whole of `etl`, read in time order, and returns
 * what it printed (the caller frees it); *hits, when `hits` is not NULL, is
 * the number of hits. Fails the test on any error. */
char *test_watch_file(const char *etl, const etwcap_claims *cl, const etwcap_watch_options *o,
                      size_t *hits);

#endif
