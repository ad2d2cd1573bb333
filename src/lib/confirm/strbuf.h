/* confirm/strbuf.h - a growing string for the plain-language texts of
 * `confirm` (reasons, detectability statements). */
#ifndef ETWCAP_CONFIRM_STRBUF_H
#define ETWCAP_CONFIRM_STRBUF_H

#include <stddef.h>
#include <stdint.h>

#if defined(__MINGW32__)
#define CF_PRINTF(a, b) __attribute__((format(gnu_printf, a, b)))
#elif defined(__GNUC__)
#define CF_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define CF_PRINTF(a, b)
#endif

typedef struct cf_sb {
    char *buf; /* NUL-terminated once anything was added; malloc'd */
    size_t len, cap;
    int failed; /* an allocation or format failed: the text is incomplete */
} cf_sb;

/* Append printf-style text; on failure sets b->failed and adds nothing more. */
void cf_sb_add(cf_sb *b, const char *fmt, ...) CF_PRINTF(2, 3);

struct etwcap_evdoc;
/* "pid N (image)", or "pid N" when the evidence names no such process
 * (verdict_reason.c). */
void cf_sb_add_process(cf_sb *b, const struct etwcap_evdoc *ev, uint32_t pid);

#endif
