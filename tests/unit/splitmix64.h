/* splitmix64.h - the seeded pseudo-random sequence of the tests (SplitMix64,
 * Steele, Lea and Flood 2014): the same seed gives the same inputs on every
 * platform, so a failure names an input that can be made again. */
#ifndef ETWCAP_TEST_SPLITMIX64_H
#define ETWCAP_TEST_SPLITMIX64_H

#include <stdint.h>

static inline uint64_t test_splitmix64(uint64_t *state)
{
    uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

#endif
