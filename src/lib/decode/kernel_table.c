/* kernel_table.c - fixed-offset kernel layouts read from a field table
 * (SystemConfig, TcpIp/UdpIp, DiskIO, PageFault; etl-format.md §3), plus
 * the text forms TraceEvent gives enums and IP addresses. */
#include <stdio.h>
#include <string.h>

#include "decode/kernel_internal.h"

/* "a.b.c.d" of 4 bytes in memory order (.NET IPAddress(long)). */
static void ipv4_text(const uint8_t *b, char *out, size_t cap)
{
    snprintf(out, cap, "%u.%u.%u.%u", b[0], b[1], b[2], b[3]);
}

/* .NET's IPv6 text: lower-case hex groups, the first longest run of two or
 * more zero groups as "::", and the last 32 bits as a dotted IPv4 address
 * for IPv4-compatible, -mapped, SIIT and ISATAP forms. */
static void ipv6_text(const uint8_t *b, char *out, size_t cap)
{
    unsigned w[8];
    for (size_t i = 0; i < 8; i++)
        w[i] = (unsigned)b[2 * i] << 8 | b[2 * i + 1];
    int v4 = 0;
    if (w[0] == 0 && w[1] == 0 && w[2] == 0 && w[3] == 0 && w[6] != 0) {
        /* ::a.b.c.d, ::ffff:a.b.c.d, ::ffff:0:a.b.c.d */
        if ((w[4] == 0 && (w[5] == 0 || w[5] == 0xFFFF)) || (w[4] == 0xFFFF && w[5] == 0))
            v4 = 1;
    }
    if (w[4] == 0 && w[5] == 0x5EFE)
        v4 = 1;
    int groups = v4 ? 6 : 8;
    int best = -1, best_len = 1;
    for (int i = 0; i < groups;) {
        int j = i;
        while (j < groups && w[j] == 0)
            j++;
        if (j - i > best_len) {
            best = i;
            best_len = j - i;
        }
        i = j > i ? j : i + 1;
    }
    size_t o = 0;
    out[0] = '\0';
    for (int i = 0; i < groups && o < cap; i++) {
        if (i == best) {
            o += (size_t)snprintf(out + o, cap - o, "::");
            i += best_len - 1;
            continue;
        }
        int sep = i > 0 && i != best + best_len;
        o += (size_t)snprintf(out + o, cap - o, "%s%x", sep ? ":" : "", w[i]);
    }
    if (v4 && o < cap) {
        int sep = best + best_len != groups;
        o += (size_t)snprintf(out + o, cap - o, "%s", sep ? ":" : "");
        if (o < cap)
            ipv4_text(b + 12, out + o, cap - o);
    }
}

void etwcap_kfields_add_flags(etwcap_fields *fl, const char *name, uint32_t v,
                              const char *const *names, unsigned nbits)
{
    char buf[512];
    if (v == 0) {
        etwcap_fields_add_str(fl, name, "None");
        return;
    }
    for (unsigned i = 0; i < 32; i++) {
        if ((v >> i & 1u) && (i >= nbits || !names[i])) {
            snprintf(buf, sizeof buf, "%d", (int)(int32_t)v);
            etwcap_fields_add_str(fl, name, buf);
            return;
        }
    }
    size_t n = 0;
    buf[0] = '\0';
    for (unsigned i = 0; i < nbits && n < sizeof buf; i++) {
        if (v >> i & 1u)
            n += (size_t)snprintf(buf + n, sizeof buf - n, "%s%s", n ? ", " : "", names[i]);
    }
    etwcap_fields_add_str(fl, name, buf);
}

static size_t kind_size(const etwcap_kt_field *f, unsigned psize)
{
    switch ((etwcap_kt_kind)f->kind) {
    case ETWCAP_KT_I32:
    case ETWCAP_KT_HEX32:
    case ETWCAP_KT_IPV4:
        return 4;
    case ETWCAP_KT_I16:
    case ETWCAP_KT_PORT:
        return 2;
    case ETWCAP_KT_U8:
        return 1;
    case ETWCAP_KT_I64:
        return 8;
    case ETWCAP_KT_PTR:
        return psize;
    case ETWCAP_KT_IPV6:
        return 16;
    case ETWCAP_KT_FWSTR:
        return 2 * (size_t)f->nchars;
    case ETWCAP_KT_WSTR:
        return 0; /* read up to its NUL */
    }
    return 0;
}

etwcap_decode_result etwcap_kfields_table(const etwcap_event *ev, etwcap_fields *out,
                                          const etwcap_kt_field *t, size_t n)
{
    unsigned psize = etwcap_kpsize(ev);
    char text[64];
    for (size_t i = 0; i < n; i++) {
        const etwcap_kt_field *f = &t[i];
        etwcap_cursor c;
        etwcap_cursor_init(&c, ev->payload, ev->payload_len);
        etwcap_cursor_skip(&c, (size_t)f->off + (size_t)f->nptr * (psize - 4));
        size_t at = c.pos;
        etwcap_cursor_skip(&c, kind_size(f, psize));
        if (c.short_read)
            return etwcap_kfields_short(out);
        etwcap_cursor_init(&c, ev->payload, ev->payload_len);
        etwcap_cursor_skip(&c, at);
        switch ((etwcap_kt_kind)f->kind) {
        case ETWCAP_KT_I32:
            etwcap_fields_add_i64(out, f->name, (int32_t)etwcap_cursor_u32(&c));
            break;
        case ETWCAP_KT_I16:
            etwcap_fields_add_i64(out, f->name, (int16_t)etwcap_cursor_u16(&c));
            break;
        case ETWCAP_KT_U8:
            etwcap_fields_add_u64(out, f->name, etwcap_cursor_u8(&c));
            break;
        case ETWCAP_KT_I64:
            etwcap_fields_add_i64(out, f->name, (int64_t)etwcap_cursor_u64(&c));
            break;
        case ETWCAP_KT_PTR:
            etwcap_fields_add_hex(out, f->name, etwcap_cursor_ptr(&c, psize));
            break;
        case ETWCAP_KT_HEX32:
            etwcap_fields_add_hex(out, f->name, etwcap_cursor_u32(&c));
            break;
        case ETWCAP_KT_PORT: {
            uint16_t v = etwcap_cursor_u16(&c);
            etwcap_fields_add_u64(out, f->name, (uint16_t)(v << 8 | v >> 8));
            break;
        }
        case ETWCAP_KT_IPV4:
        case ETWCAP_KT_IPV6: {
            uint8_t b[16];
            size_t k = f->kind == ETWCAP_KT_IPV4 ? 4 : 16;
            for (size_t j = 0; j < k; j++)
                b[j] = etwcap_cursor_u8(&c);
            if (k == 4)
                ipv4_text(b, text, sizeof text);
            else
                ipv6_text(b, text, sizeof text);
            etwcap_fields_add_str(out, f->name, text);
            break;
        }
        case ETWCAP_KT_FWSTR:
            /* the conversion stops at the first NUL */
            etwcap_fields_add_wstr(out, f->name, c.p + at, 2 * (size_t)f->nchars);
            break;
        case ETWCAP_KT_WSTR: {
            etwcap_wspan s = etwcap_cursor_wstr(&c);
            if (c.short_read)
                return etwcap_kfields_short(out);
            etwcap_kfields_add_wspan(out, f->name, s);
            break;
        }
        }
    }
    return ETWCAP_DECODE_OK;
}
