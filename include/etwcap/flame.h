/* etwcap/flame.h - aggregated call stacks and their outputs: folded
 * (flame-graph collapsed format), speedscope JSON, and a self-contained
 * interactive SVG flame graph.
 *
 * Stacks are added root to leaf as frame names ("module!function"); equal
 * stacks are merged, so memory grows with distinct stacks, not samples.
 *
 * Frame names are sanitized once, when first added, and every output shows
 * the sanitized name: ';' becomes ':' (it separates frames in the folded
 * format), control characters (newline, CR, tab, ...) become ' ', bytes that
 * are not valid UTF-8 become U+FFFD, and an empty name becomes "[unknown]".
 * Names that are equal after sanitizing are the same frame.
 *
 * All outputs are deterministic: they depend only on the merged stacks and
 * their counts, not on the order in which stacks were added.
 */
#ifndef ETWCAP_FLAME_H
#define ETWCAP_FLAME_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "etwcap/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct etwcap_flame etwcap_flame;

etwcap_status etwcap_flame_create(etwcap_flame **out);

/* Add one stack, frames[0] = root (outermost), frames[n-1] = leaf, with
 * weight `count` (0 adds nothing). ETWCAP_ERR_ARG when n is 0, a frame is
 * NULL, or the total would overflow; ETWCAP_ERR_NOMEM leaves the counts as
 * they were. */
etwcap_status etwcap_flame_add(etwcap_flame *f, const char *const *frames, size_t n,
                               uint64_t count);

/* Sum of all counts added. */
uint64_t etwcap_flame_total(const etwcap_flame *f);

/* Number of distinct stacks (lines of the folded output). */
uint64_t etwcap_flame_stack_count(const etwcap_flame *f);

/* "root;...;leaf count" lines, sorted by stack text bytewise. */
etwcap_status etwcap_flame_write_folded(const etwcap_flame *f, FILE *out);

/* A speedscope file (https://www.speedscope.app/file-format-schema.json)
 * with one "sampled" profile named `name` (NULL: "etwcap"): frames sorted
 * by name, one sample per distinct stack in folded order, weighted by its
 * count. */
etwcap_status etwcap_flame_write_speedscope(const etwcap_flame *f, FILE *out, const char *name);

/* A self-contained SVG flame graph (inline script for zoom, search and
 * tooltips; no external resources), titled `title` (NULL: "Flame Graph").
 * Root at the bottom, siblings sorted by name, frames narrower than 0.1% of
 * the total are left out. */
etwcap_status etwcap_flame_write_svg(const etwcap_flame *f, FILE *out, const char *title);

void etwcap_flame_free(etwcap_flame *f);

#ifdef __cplusplus
}
#endif
#endif
