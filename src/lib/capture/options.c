/* options.c - checks of etwcap_capture_options that need no Windows. */
#include <stdio.h>

#include "capture/capture.h"

uint32_t etwcap_capture_interval(uint32_t hz)
{
    if (hz == 0)
        hz = ETWCAP_CAPTURE_DEFAULT_HZ;
    /* TraceSampledProfileIntervalInfo counts in 100 ns units. */
    return (uint32_t)(10000000u / hz);
}

int etwcap_capture_check(const etwcap_capture_options *o, char *why, size_t cap)
{
    /* The kernel accepts intervals of 0.1221 ms .. 1 s (1221 .. 10^7 units). */
    if (o->sample_rate_hz != 0 && (o->sample_rate_hz < 1 || o->sample_rate_hz > 8000)) {
        snprintf(why, cap, "--sample-rate %u: the kernel takes 1 to 8000 samples per second",
                 (unsigned)o->sample_rate_hz);
        return -1;
    }
    if (!o->etl_path && !o->realtime) {
        snprintf(why, cap, "no output file (-o) and no --realtime");
        return -1;
    }
    for (size_t i = 0; i < o->npids; i++)
        if (o->pids[i] == 0) {
            snprintf(why, cap, "--pid 0 is the idle process, not a target");
            return -1;
        }
    return 0;
}
