/* logfile.c - TRACE_LOGFILE_HEADER and time conversion (etl-format.md §1.8, §1.9). */
#include "reader/logfile.h"

#include <stdio.h>
#include <string.h>

#include "common/bytes.h"
#include "common/utf16.h"

int etwcap_logfile_is_header(const etwcap_event *ev)
{
    return ev->kind == ETWCAP_KIND_KERNEL && ev->hook_id == 0x0000 &&
           (ev->header_type == ETWCAP_HDR_SYSTEM32 || ev->header_type == ETWCAP_HDR_SYSTEM64);
}

int etwcap_logfile_parse(const etwcap_event *ev, etwcap_logfile_info *info, const char **why)
{
    /* The header type decides the form: 0x110 bytes with 4-byte pointers,
     * 0x118 with 8-byte pointers; fields after LoggerName shift by P. */
    const unsigned p = ev->pointer_size;
    const size_t fixed = p == 8 ? 0x118 : 0x110;
    const uint8_t *d = ev->payload;
    if (ev->payload_len < fixed) {
        *why = "log-file header record is shorter than TRACE_LOGFILE_HEADER";
        return -1;
    }
    memset(info, 0, sizeof *info);
    info->header_is_64bit = p == 8;
    info->buffer_size = etwcap_rd32(d + 0x00);
    info->os_major = d[0x04];
    info->os_minor = d[0x05];
    info->layout_major = d[0x06];
    info->layout_minor = d[0x07];
    info->os_build = etwcap_rd32(d + 0x08);
    info->num_cpus = etwcap_rd32(d + 0x0C);
    info->end_time = (int64_t)etwcap_rd64(d + 0x10);
    info->timer_resolution = etwcap_rd32(d + 0x18);
    info->max_file_size = etwcap_rd32(d + 0x1C);
    info->log_file_mode = etwcap_rd32(d + 0x20);
    info->buffers_written = etwcap_rd32(d + 0x24);
    info->start_buffers = etwcap_rd32(d + 0x28);
    info->pointer_size = etwcap_rd32(d + 0x2C);
    info->events_lost = etwcap_rd32(d + 0x30);
    info->cpu_mhz = etwcap_rd32(d + 0x34);
    const size_t tz = 0x38 + 2 * p; /* after LoggerName and LogFileName */
    info->tz_bias_minutes = (int32_t)etwcap_rd32(d + tz);
    const size_t after_tz = tz + 0xB0; /* TIME_ZONE_INFORMATION + 4 padding */
    info->boot_time = (int64_t)etwcap_rd64(d + after_tz);
    info->perf_freq = (int64_t)etwcap_rd64(d + after_tz + 8);
    info->start_time = (int64_t)etwcap_rd64(d + after_tz + 16);
    info->clock_type = etwcap_rd32(d + after_tz + 24);
    info->buffers_lost = etwcap_rd32(d + after_tz + 28);
    info->header_timestamp = ev->timestamp;

    size_t used = 0;
    etwcap_utf16_to_utf8(d + fixed, ev->payload_len - fixed, info->session_name,
                         sizeof info->session_name, &used, NULL);
    size_t off = fixed + used;
    etwcap_utf16_to_utf8(d + off, ev->payload_len - off, info->logfile_name,
                         sizeof info->logfile_name, NULL, NULL);
    return 0;
}

/* Saturating arithmetic: timestamps come from the file, and a hostile one
 * must not overflow (UB); it gives a clamped, obviously wrong time instead. */
static int64_t sat_add(int64_t a, int64_t b)
{
#if defined(__GNUC__) || defined(__clang__)
    /* Every event's time goes through here: the builtin is one add and a
     * flag test. */
    int64_t s;
    if (!__builtin_add_overflow(a, b, &s))
        return s;
    return b > 0 ? INT64_MAX : INT64_MIN;
#else
    if (b > 0 && a > INT64_MAX - b)
        return INT64_MAX;
    if (b < 0 && a < INT64_MIN - b)
        return INT64_MIN;
    return a + b;
#endif
}

static int64_t sat_sub(int64_t a, int64_t b)
{
#if defined(__GNUC__) || defined(__clang__)
    int64_t d;
    if (!__builtin_sub_overflow(a, b, &d))
        return d;
    return b < 0 ? INT64_MAX : INT64_MIN;
#else
    if (b == INT64_MIN)
        return a >= 0 ? INT64_MAX : a - INT64_MIN; /* a < 0: no overflow */
    return sat_add(a, -b);
#endif
}

/* a * num / den for den > 0, num > 0, saturating. */
static int64_t scale(int64_t a, int64_t num, int64_t den)
{
    if (den <= 0)
        return 0;
    /* One division when a * num cannot overflow (every real delta: 2^63 /
     * 10^7 ticks is over 10 days even at 1 GHz); the split below gives the
     * same quotient, truncated toward zero the same way. */
    if (a < INT64_MAX / num && a > INT64_MIN / num)
        return a * num / den;
    int64_t q = a / den, r = a % den;
    if (q > INT64_MAX / num || q < INT64_MIN / num)
        return a < 0 ? INT64_MIN : INT64_MAX;
    int64_t lo;
    if (r > INT64_MAX / num || r < INT64_MIN / num)
        lo = (int64_t)((long double)r * (long double)num / (long double)den);
    else
        lo = r * num / den;
    return sat_add(q * num, lo);
}

int64_t etwcap_logfile_to_filetime(const etwcap_logfile_info *info, int64_t raw)
{
    int64_t delta = sat_sub(raw, info->header_timestamp);
    switch (info->clock_type) {
    case 2: /* system time: already FILETIME */
        return raw;
    case 3: /* CPU cycle counter: MHz cycles per microsecond */
        if (info->cpu_mhz)
            return sat_add(info->start_time, scale(delta, 10, info->cpu_mhz));
        return info->start_time;
    default: /* 1 = QPC, 0/unknown: QPC formula when PerfFreq is set */
        /* The usual 10 MHz: scale() would return delta itself. */
        if (info->perf_freq == 10000000)
            return sat_add(info->start_time, delta);
        if (info->perf_freq > 0)
            return sat_add(info->start_time, scale(delta, 10000000, info->perf_freq));
        return raw;
    }
}

double etwcap_logfile_msec(const etwcap_logfile_info *info, int64_t raw)
{
    double delta = (double)raw - (double)info->header_timestamp;
    switch (info->clock_type) {
    case 2:
        return ((double)raw - (double)info->start_time) / 1e4;
    case 3:
        return info->cpu_mhz ? delta / (1e3 * info->cpu_mhz) : 0.0;
    default:
        return info->perf_freq > 0 ? delta * 1e3 / (double)info->perf_freq : 0.0;
    }
}

/* Days since 1970-01-01 to a civil date (proleptic Gregorian). */
static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = (unsigned)(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

void etwcap_filetime_format(int64_t ft, char out[32])
{
    /* FILETIME epoch 1601-01-01 is 11644473600 s before the Unix epoch. */
    const int64_t ticks_per_day = 864000000000LL;
    int64_t days = ft / ticks_per_day, rem = ft % ticks_per_day;
    if (rem < 0) {
        rem += ticks_per_day;
        days--;
    }
    int64_t y;
    unsigned mo, d;
    civil_from_days(days - 134774, &y, &mo, &d);
    unsigned secs = (unsigned)(rem / 10000000), frac = (unsigned)(rem % 10000000);
    /* Format into a roomy buffer: a hostile timestamp can give a 6-digit
     * year; the result is cut to the caller's 32 bytes. */
    char tmp[80];
    snprintf(tmp, sizeof tmp, "%04lld-%02u-%02uT%02u:%02u:%02u.%07uZ", (long long)y, mo, d,
             secs / 3600, secs / 60 % 60, secs % 60, frac);
    memcpy(out, tmp, 31);
    out[31] = '\0';
}
