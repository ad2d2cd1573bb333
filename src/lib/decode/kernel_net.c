/* kernel_net.c - TcpIp (group 0x06, class 9a280ac0) and UdpIp (group 0x08,
 * class bf3a50c5) fields, etl-format.md §2.2, with TraceEvent's names and
 * offsets (TcpIp*TraceData, UdpIp*TraceData). Ports are in network byte
 * order; IPv4 addresses are 4 bytes, IPv6 16. */
#include "decode/kernel_internal.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
/* clang-format off */
#define F(name, off, nptr, kind) {name, off, nptr, ETWCAP_KT_##kind, 0}
/* clang-format on */

/* v1+ Recv, Disconnect, Retransmit, Reconnect, TCPCopy, ARPCopy, ACKs:
 * PID, size, daddr, saddr, dport, sport, connid, seqnum. */
static const etwcap_kt_field tcp_v4[] = {
    F("daddr", 8, 0, IPV4),  F("saddr", 12, 0, IPV4), F("dport", 16, 0, PORT),
    F("sport", 18, 0, PORT), F("size", 4, 0, I32),    F("connid", 20, 1, PTR),
    F("seqnum", 24, 1, I32),
};
/* v0: daddr, saddr, dport, sport, size */
static const etwcap_kt_field tcp_v4_v0[] = {
    F("daddr", 0, 0, IPV4),  F("saddr", 4, 0, IPV4), F("dport", 8, 0, PORT),
    F("sport", 10, 0, PORT), F("size", 12, 0, I32),
};
static const etwcap_kt_field tcp_send_v4[] = {
    F("size", 4, 0, I32),     F("daddr", 8, 0, IPV4),  F("saddr", 12, 0, IPV4),
    F("dport", 16, 0, PORT),  F("sport", 18, 0, PORT), F("startime", 20, 0, I32),
    F("endtime", 24, 0, I32), F("seqnum", 28, 0, I32), F("connid", 32, 0, PTR),
};
static const etwcap_kt_field tcp_connect_v4[] = {
    F("size", 4, 0, I32),     F("daddr", 8, 0, IPV4),       F("saddr", 12, 0, IPV4),
    F("dport", 16, 0, PORT),  F("sport", 18, 0, PORT),      F("mss", 20, 0, I16),
    F("sackopt", 22, 0, I16), F("tsopt", 24, 0, I16),       F("wsopt", 26, 0, I16),
    F("rcvwin", 28, 0, I32),  F("rcvwinscale", 32, 0, I16), F("sndwinscale", 34, 0, I16),
    F("seqnum", 36, 0, I32),  F("connid", 40, 0, PTR),
};
static const etwcap_kt_field tcp_v6[] = {
    F("size", 4, 0, I32),    F("daddr", 8, 0, IPV6),  F("saddr", 24, 0, IPV6),
    F("dport", 40, 0, PORT), F("sport", 42, 0, PORT), F("connid", 44, 0, PTR),
    F("seqnum", 48, 1, I32),
};
static const etwcap_kt_field tcp_send_v6[] = {
    F("size", 4, 0, I32),     F("daddr", 8, 0, IPV6),  F("saddr", 24, 0, IPV6),
    F("dport", 40, 0, PORT),  F("sport", 42, 0, PORT), F("startime", 44, 0, I32),
    F("endtime", 48, 0, I32), F("seqnum", 52, 0, I32), F("connid", 56, 0, PTR),
};
/* TraceEvent lists no addresses for the IPv6 Connect/Accept events. */
static const etwcap_kt_field tcp_connect_v6[] = {
    F("size", 4, 0, I32),         F("dport", 40, 0, PORT),  F("sport", 42, 0, PORT),
    F("mss", 44, 0, I16),         F("sackopt", 46, 0, I16), F("tsopt", 48, 0, I16),
    F("wsopt", 50, 0, I16),       F("rcvwin", 52, 0, I32),  F("rcvwinscale", 56, 0, I16),
    F("sndwinscale", 58, 0, I16), F("seqnum", 60, 0, I32),  F("connid", 64, 0, PTR),
};
/* Fail: Proto, FailureCode (u16 each from v2; Proto u32 before). */
static const etwcap_kt_field fail_v2[] = {
    F("Proto", 0, 0, I16),
    F("FailureCode", 2, 0, I16),
};

etwcap_decode_result etwcap_kfields_tcpip(const etwcap_event *ev, etwcap_fields *out)
{
    switch (ev->opcode) {
    case 10: /* Send */
        return etwcap_kfields_table(ev, out, tcp_send_v4, N(tcp_send_v4));
    case 11: /* Recv */
    case 13: /* Disconnect */
    case 14: /* Retransmit */
    case 16: /* Reconnect */
    case 18: /* TCPCopy */
    case 19: /* ARPCopy */
    case 20: /* FullACK */
    case 21: /* PartACK */
    case 22: /* DupACK */
        if (ev->version == 0)
            return etwcap_kfields_table(ev, out, tcp_v4_v0, N(tcp_v4_v0));
        return etwcap_kfields_table(ev, out, tcp_v4, N(tcp_v4));
    case 12: /* Connect */
    case 15: /* Accept */
        return etwcap_kfields_table(ev, out, tcp_connect_v4, N(tcp_connect_v4));
    case 17: /* Fail */
        if (ev->version < 2) {
            static const etwcap_kt_field fail_v1[] = {F("Proto", 0, 0, I32)};
            etwcap_decode_result r = etwcap_kfields_table(ev, out, fail_v1, 1);
            if (r == ETWCAP_DECODE_OK)
                etwcap_fields_add_i64(out, "FailureCode", 0);
            return r;
        }
        return etwcap_kfields_table(ev, out, fail_v2, N(fail_v2));
    case 26: /* SendIPV6 */
        return etwcap_kfields_table(ev, out, tcp_send_v6, N(tcp_send_v6));
    case 27: /* RecvIPV6 */
    case 29: /* DisconnectIPV6 */
    case 30: /* RetransmitIPV6 */
    case 32: /* ReconnectIPV6 */
    case 34: /* TCPCopyIPV6 */
        return etwcap_kfields_table(ev, out, tcp_v6, N(tcp_v6));
    case 28: /* ConnectIPV6 */
    case 31: /* AcceptIPV6 */
        return etwcap_kfields_table(ev, out, tcp_connect_v6, N(tcp_connect_v6));
    default:
        return ETWCAP_DECODE_UNKNOWN;
    }
}

/* UdpIp Send/Recv as TraceEvent reads them (UdpIpTraceData): from v1 PID,
 * size, daddr, saddr, dport, sport; `context` is the pointer at offset 0
 * and `dsize` the u16 at HostOffset(18, 1), whatever the version. */
static const etwcap_kt_field udp_v4[] = {
    F("context", 0, 0, PTR), F("saddr", 12, 0, IPV4), F("sport", 18, 0, PORT), F("size", 4, 0, I32),
    F("daddr", 8, 0, IPV4),  F("dport", 16, 0, PORT), F("dsize", 18, 1, I16),
};
static const etwcap_kt_field udp_v4_v0[] = {
    F("context", 0, 0, PTR), F("saddr", 4, 1, IPV4),  F("sport", 8, 1, PORT), F("size", 10, 1, I16),
    F("daddr", 12, 1, IPV4), F("dport", 16, 1, PORT), F("dsize", 18, 1, I16),
};
/* TraceEvent lists no addresses for the IPv6 events. */
static const etwcap_kt_field udp_v6[] = {
    F("size", 4, 0, I32),    F("dport", 40, 0, PORT), F("sport", 42, 0, PORT),
    F("seqnum", 44, 0, I32), F("connid", 48, 0, PTR),
};

etwcap_decode_result etwcap_kfields_udpip(const etwcap_event *ev, etwcap_fields *out)
{
    switch (ev->opcode) {
    case 10: /* Send */
    case 11: /* Recv */
        if (ev->version == 0)
            return etwcap_kfields_table(ev, out, udp_v4_v0, N(udp_v4_v0));
        return etwcap_kfields_table(ev, out, udp_v4, N(udp_v4));
    case 17: /* Fail */
        return etwcap_kfields_table(ev, out, fail_v2, N(fail_v2));
    case 26: /* SendIPV6 */
    case 27: /* RecvIPV6 */
        return etwcap_kfields_table(ev, out, udp_v6, N(udp_v6));
    default:
        return ETWCAP_DECODE_UNKNOWN;
    }
}
