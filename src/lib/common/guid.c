/* guid.c - GUID text form, status names, extended-item lookup. */
#include "etwcap/error.h"
#include "etwcap/event.h"

#include <stdio.h>
#include <string.h>

void etwcap_guid_format(const etwcap_guid *g, char out[37])
{
    snprintf(out, 37, "%08x-%04x-%04x-%02x%02x-%02x%02x%02x%02x%02x%02x", (unsigned)g->data1,
             (unsigned)g->data2, (unsigned)g->data3, g->data4[0], g->data4[1], g->data4[2],
             g->data4[3], g->data4[4], g->data4[5], g->data4[6], g->data4[7]);
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Accepts the "D" form, optionally in braces; any case. */
int etwcap_guid_parse(const char *s, etwcap_guid *out)
{
    uint8_t b[16];
    size_t n = 0;
    int braces = 0;
    if (*s == '{') {
        braces = 1;
        s++;
    }
    for (size_t i = 0; i < 36; i++) {
        char c = s[i];
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (c != '-')
                return -1;
            continue;
        }
        int hi = hexval(c);
        int lo = hi < 0 ? -1 : hexval(s[i + 1]);
        if (hi < 0 || lo < 0)
            return -1;
        b[n++] = (uint8_t)(hi << 4 | lo);
        i++;
    }
    s += 36;
    if (braces && *s++ != '}')
        return -1;
    if (*s != '\0')
        return -1;
    out->data1 = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
    out->data2 = (uint16_t)(b[4] << 8 | b[5]);
    out->data3 = (uint16_t)(b[6] << 8 | b[7]);
    memcpy(out->data4, b + 8, 8);
    return 0;
}

int etwcap_guid_equal(const etwcap_guid *a, const etwcap_guid *b)
{
    return a->data1 == b->data1 && a->data2 == b->data2 && a->data3 == b->data3 &&
           memcmp(a->data4, b->data4, 8) == 0;
}

const etwcap_ext_item *etwcap_event_find_ext(const etwcap_event *ev, uint16_t type)
{
    for (size_t i = 0; i < ev->ext_count; i++)
        if (ev->ext[i].type == type)
            return &ev->ext[i];
    return NULL;
}

const char *etwcap_status_str(etwcap_status st)
{
    switch (st) {
    case ETWCAP_OK:
        return "ok";
    case ETWCAP_END:
        return "end";
    case ETWCAP_ERR:
        return "error";
    case ETWCAP_ERR_NOMEM:
        return "out of memory";
    case ETWCAP_ERR_IO:
        return "I/O error";
    case ETWCAP_ERR_FORMAT:
        return "format error";
    case ETWCAP_ERR_UNSUPPORTED:
        return "unsupported";
    case ETWCAP_ERR_ARG:
        return "bad argument";
    }
    return "unknown status";
}
