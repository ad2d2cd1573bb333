/* etwcap/flame.h - aggregated call stacks and their outputs: folded
 * (flame-graph collapsed format), speedscope JSON, and a self-contained
 * interactive SVG flame graph.
 *
 * Stacks are added root to leaf as frame names ("module!function"); equal
 * stacks are merged, so memory grows with distinct stacks, not samples.
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

/* Add one stack, frames[0] = root (outermost), frames[n-1] = leaf. */
etwcap_status etwcap_flame_add(etwcap_flame *f, const char *const *frames, size_t n,
                               uint64_t count);

uint64_t etwcap_flame_total(const etwcap_flame *f);

/* "root;...;leaf count" lines, sorted by stack text (deterministic). */
etwcap_status etwcap_flame_write_folded(const etwcap_flame *f, FILE *out);

/* A speedscope file (https://www.speedscope.app/file-format-schema.json)
 * with one "sampled" profile named `name`. */
etwcap_status etwcap_flame_write_speedscope(const etwcap_flame *f, FILE *out, const char *name);

/* A self-contained SVG flame graph (inline script for zoom, search and
 * tooltips; no external resources), titled `title`. */
etwcap_status etwcap_flame_write_svg(const etwcap_flame *f, FILE *out, const char *title);

void etwcap_flame_free(etwcap_flame *f);

#ifdef __cplusplus
}
#endif
#endif
