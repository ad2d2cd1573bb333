/* utf16.h - UTF-16LE strings inside payloads to UTF-8 (etl-format.md
 * "Conventions": wstr is UTF-16LE, NUL-terminated, not aligned). Never goes
 * through wchar_t, which is 16 bits on Windows and 32 elsewhere. */
#ifndef ETWCAP_UTF16_H
#define ETWCAP_UTF16_H

#include <stddef.h>
#include <stdint.h>

/* Convert the UTF-16LE string at src (at most src_len bytes; stops at a NUL
 * code unit) to UTF-8 in out (always NUL-terminated when cap > 0; truncated
 * at a character boundary). *consumed receives the bytes of input used,
 * including the terminating NUL when one was found; *terminated says whether
 * one was. Unpaired surrogates become U+FFFD. Returns the UTF-8 length. */
size_t etwcap_utf16_to_utf8(const uint8_t *src, size_t src_len, char *out, size_t cap,
                            size_t *consumed, int *terminated);

/* Length of the valid UTF-8 sequence at s (n bytes left, n >= 1), or 0
 * when it is not valid UTF-8 (overlong, surrogate, out of range, cut). */
size_t etwcap_utf8_seq(const unsigned char *s, size_t n);

#endif
