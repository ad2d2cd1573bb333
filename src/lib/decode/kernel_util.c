/* kernel_util.c - helpers shared by the kernel field decoders: class GUIDs,
 * TraceEvent-style dates, payload strings, frame names (etl-format.md §3). */
#include <stdio.h>
#include <string.h>

#include "decode/kernel_internal.h"

const etwcap_guid etwcap_kclass_eventtrace = {
    0x68fdd900, 0x4a3e, 0x11d1, {0x84, 0xf4, 0x00, 0x00, 0xf8, 0x04, 0x64, 0xe3}};
const etwcap_guid etwcap_kclass_process = {
    0x3d6fa8d0, 0xfe05, 0x11d0, {0x9d, 0xda, 0x00, 0xc0, 0x4f, 0xd7, 0xba, 0x7c}};
const etwcap_guid etwcap_kclass_thread = {
    0x3d6fa8d1, 0xfe05, 0x11d0, {0x9d, 0xda, 0x00, 0xc0, 0x4f, 0xd7, 0xba, 0x7c}};
const etwcap_guid etwcap_kclass_perfinfo = {
    0xce1dbfb4, 0x137e, 0x4da6, {0x87, 0xb0, 0x3f, 0x59, 0xaa, 0x10, 0x2c, 0xbc}};
const etwcap_guid etwcap_kclass_image = {
    0x2cb15d1d, 0x5fc1, 0x11d2, {0xab, 0xe1, 0x00, 0xa0, 0xc9, 0x11, 0xf5, 0x18}};
const etwcap_guid etwcap_kclass_stackwalk = {
    0xdef2fe46, 0x7bd6, 0x4b80, {0xbd, 0x94, 0xf5, 0x7f, 0xe2, 0x0d, 0x0c, 0xe3}};
const etwcap_guid etwcap_kclass_sysconfig = {
    0x9b79ee91, 0xb5fd, 0x41c0, {0xa2, 0x43, 0x42, 0x48, 0xe2, 0x66, 0xe9, 0xd0}};
const etwcap_guid etwcap_kclass_metadata = {
    0xbbccf6c1, 0x6cd1, 0x48c4, {0x80, 0xff, 0x83, 0x94, 0x82, 0xe3, 0x76, 0x71}};

const etwcap_guid etwcap_kclass_diskio = {
    0x3d6fa8d4, 0xfe05, 0x11d0, {0x9d, 0xda, 0x00, 0xc0, 0x4f, 0xd7, 0xba, 0x7c}};
const etwcap_guid etwcap_kclass_pagefault = {
    0x3d6fa8d3, 0xfe05, 0x11d0, {0x9d, 0xda, 0x00, 0xc0, 0x4f, 0xd7, 0xba, 0x7c}};
const etwcap_guid etwcap_kclass_tcpip = {
    0x9a280ac0, 0xc8e0, 0x11d1, {0x84, 0xe2, 0x00, 0xc0, 0x4f, 0xb9, 0x98, 0xa2}};
const etwcap_guid etwcap_kclass_udpip = {
    0xbf3a50c5, 0xa9c9, 0x4988, {0xa0, 0x05, 0x2d, 0xf0, 0xb7, 0xc8, 0x0f, 0x80}};
const etwcap_guid etwcap_kclass_config = {
    0x01853a65, 0x418f, 0x4f36, {0xae, 0xfc, 0xdc, 0x0f, 0x1d, 0x2f, 0xd2, 0x35}};

unsigned etwcap_kpsize(const etwcap_event *ev)
{
    return ev->pointer_size == 4 ? 4u : 8u;
}

etwcap_decode_result etwcap_kfields_short(etwcap_fields *out)
{
    etwcap_fields_clear(out);
    return ETWCAP_DECODE_SHORT;
}

/* ---- dates ---- */

#define TICKS_PER_SEC 10000000LL
#define FILETIME_1970 116444736000000000LL /* 1970-01-01 as a FILETIME */
#define DAYS_1601_TO_1970 134774LL

/* Civil date of a day count since 1970-01-01 (proleptic Gregorian). */
static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
    *m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2 ? 1 : 0);
}

void etwcap_kfields_add_filetime(etwcap_fields *fl, const char *name, int64_t filetime)
{
    /* .NET DateTime cannot hold a negative FILETIME; show its minimum. */
    if (filetime < 0)
        filetime = 0;
    int64_t secs = filetime / TICKS_PER_SEC;
    unsigned usec = (unsigned)((filetime % TICKS_PER_SEC) / 10); /* "ffffff" truncates */
    int64_t days = secs / 86400 - DAYS_1601_TO_1970;
    unsigned sod = (unsigned)(secs % 86400);
    int64_t y;
    unsigned m, d;
    civil_from_days(days, &y, &m, &d);
    char buf[48];
    int n = snprintf(buf, sizeof buf, "%02u/%02u/%02u %02u:%02u:%02u.%06u", (unsigned)(y % 100), m,
                     d, sod / 3600, sod / 60 % 60, sod % 60, usec);
    etwcap_fields_add_strn(fl, name, buf, n > 0 ? (size_t)n : 0);
}

void etwcap_kfields_add_stamp_date(etwcap_fields *fl, const char *name, uint32_t stamp)
{
    etwcap_kfields_add_filetime(fl, name, (int64_t)stamp * TICKS_PER_SEC + FILETIME_1970);
}

/* ---- strings ---- */

void etwcap_kfields_add_wspan(etwcap_fields *fl, const char *name, etwcap_wspan s)
{
    if (!s.p)
        etwcap_fields_add_str(fl, name, "");
    else
        etwcap_fields_add_wstr(fl, name, s.p, s.bytes);
}

/* Length of the valid UTF-8 sequence at p (1..4), or 0 when invalid. */
static size_t utf8_seq(const unsigned char *p, size_t left)
{
    unsigned c = p[0];
    size_t n;
    unsigned min;
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF) {
        n = 2;
        min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        min = 0x10000;
    } else {
        return 0;
    }
    if (n > left)
        return 0;
    unsigned cp = c & (0x7Fu >> n);
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (p[i] & 0x3Fu);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return n;
}

void etwcap_kfields_add_cspan(etwcap_fields *fl, const char *name, etwcap_cspan s)
{
    if (!s.p) {
        etwcap_fields_add_str(fl, name, "");
        return;
    }
    const unsigned char *p = (const unsigned char *)s.p;
    size_t i = 0;
    while (i < s.len) {
        size_t n = utf8_seq(p + i, s.len - i);
        if (n == 0)
            break;
        i += n;
    }
    if (i == s.len) {
        etwcap_fields_add_strn(fl, name, s.p, s.len);
        return;
    }
    /* Invalid bytes: copy with U+FFFD in their place (bounded). */
    char buf[2048];
    size_t o = 0;
    for (i = 0; i < s.len && o + 4 < sizeof buf;) {
        size_t n = utf8_seq(p + i, s.len - i);
        if (n == 0) {
            /* (buf, o) is counted text, never read as a C string: no NUL. */
            // NOLINTNEXTLINE(bugprone-not-null-terminated-result)
            memcpy(buf + o, "\xEF\xBF\xBD", 3);
            o += 3;
            i++;
        } else {
            memcpy(buf + o, p + i, n);
            o += n;
            i += n;
        }
    }
    etwcap_fields_add_strn(fl, name, buf, o);
}

/* ---- frame names ---- */

#define IP1(n) "IP" #n
#define IP10(t)                                                                             \
    IP1(t##0), IP1(t##1), IP1(t##2), IP1(t##3), IP1(t##4), IP1(t##5), IP1(t##6), IP1(t##7), \
        IP1(t##8), IP1(t##9)

static const char *const ip_names[] = {
    "IP0",   "IP1",   "IP2",   "IP3",   "IP4",   "IP5",   "IP6",   "IP7",   "IP8",   "IP9",
    IP10(1), IP10(2), IP10(3), IP10(4), IP10(5), IP10(6), IP10(7), IP10(8), IP10(9),
};

const char *etwcap_kfields_ip_name(size_t i)
{
    return i < sizeof ip_names / sizeof ip_names[0] ? ip_names[i] : "IP";
}
