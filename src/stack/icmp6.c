/* SPDX-License-Identifier: MIT */
/* ICMPv6 in the stack (RFC 4443): echo replies, the errors IPv6 input sends (rate
 * limited, 2.4(f)), and received errors handed to TCP as ICMP's are (RFC 1122 4.2.3.9,
 * RFC 5927; Packet Too Big lowers the connection's MSS, RFC 8201). The messages
 * themselves are wire/icmpv6.c's. Counters are Linux's Icmp6* (nstat). */
#include <string.h>

#include "stack/stack_impl.h"
#include "tcp/tcp.h"
#include "udp/udp.h"
#include "wire/bytes.h"
#include "wire/icmp.h"
#include "wire/icmpv6.h"
#include "wire/ipv4.h"

/* Linux's net.ipv4.icmp_msgs_burst and icmp_msgs_per_sec (its global bucket covers
 * ICMPv6 too): a burst of 50 errors, then one a millisecond. */
#define ICMP6_BURST 50u
#define ICMP6_TOKEN_US 1000u

/* Linux's per-destination limit (icmpv6_xrlim_allow over inet_peer_xrlim_allow): a
 * burst of 6 errors, then one per net.ipv6.icmp.ratelimit (1 s) shortened by the route's
 * prefix length: on the link (prefix6_len) 1 s >> ((128 - len) / 32), 250 ms for a /64;
 * through the default route (/0) 1 s >> 4. */
#define ICMP6_HOST_BURST 6u
#define ICMP6_RATELIMIT_US 1000000u

/* The bucket is kept as its debt, so a zeroed stack starts with a full burst. */
static int global_allowed(synack_stack *st)
{
    uint64_t refill = (st->now - st->icmp6_stamp) / ICMP6_TOKEN_US;
    if (refill >= st->icmp6_debt) {
        st->icmp6_debt = 0;
        st->icmp6_stamp = st->now;
    } else {
        st->icmp6_debt -= (uint32_t)refill;
        st->icmp6_stamp += refill * ICMP6_TOKEN_US;
    }
    if (st->icmp6_debt >= ICMP6_BURST) {
        stack_count(st, SYNACK_CTR_IcmpOutRateLimitGlobal);
        return 0;
    }
    return 1;
}

static uint64_t host_interval(const synack_stack *st, const uint8_t dst[16])
{
    uint8_t plen = st->cfg.netif.prefix6_len;
    int onlink = plen <= 128;
    for (unsigned i = 0; onlink && i < plen; i++) {
        unsigned bit = 0x80u >> (i & 7);
        onlink = (dst[i / 8] & bit) == (st->cfg.netif.addr6[i / 8] & bit);
    }
    if (dst[0] == 0xfe && (dst[1] & 0xc0) == 0x80)
        onlink = 1, plen = 64; /* fe80::/64 is every link's */
    return ICMP6_RATELIMIT_US >> ((128u - (onlink ? plen : 0u)) >> 5);
}

/* The destination's bucket: its slot, or a free one, or the least recently refilled (the
 * table is bounded; a host pushed out starts again with a full burst, the global bucket
 * still bounding the total). */
static struct icmp6_host *host_slot(synack_stack *st, const uint8_t dst[16])
{
    struct icmp6_host *victim = &st->icmp6_hosts[0];
    for (unsigned i = 0; i < ICMP6_HOSTS; i++) {
        struct icmp6_host *e = &st->icmp6_hosts[i];
        if (e->last && memcmp(e->addr, dst, 16) == 0)
            return e;
        if (victim->last && (!e->last || e->last < victim->last))
            victim = e;
    }
    memcpy(victim->addr, dst, 16);
    victim->last = 0;
    return victim;
}

static int host_allowed(synack_stack *st, const uint8_t dst[16])
{
    uint64_t tmo = host_interval(st, dst);
    struct icmp6_host *e = host_slot(st, dst);
    uint64_t cap = ICMP6_HOST_BURST * tmo;
    /* (last is 1 for a slot filled at time 0: no credit may come of that) */
    uint64_t since = st->now > e->last ? st->now - e->last : 0;
    uint64_t tokens = e->last ? e->tokens + since : cap;
    e->tokens = tokens > cap ? cap : tokens;
    e->last = st->now ? st->now : 1;
    if (e->tokens < tmo) {
        stack_count(st, SYNACK_CTR_Icmp6OutRateLimitHost);
        return 0;
    }
    e->tokens -= tmo;
    return 1;
}

/* RFC 4443 2.4(f): the global bucket, then the destination's; a token is taken from the
 * global one only when both allow (as Linux since 6.9). */
static int error_allowed(synack_stack *st, const uint8_t dst[16])
{
    if (!global_allowed(st) || !host_allowed(st, dst))
        return 0;
    st->icmp6_debt++;
    return 1;
}

/* Room for an ICMPv6 message in st->txbuf: the link MTU less the IPv6 header. */
static size_t l4_room(const synack_stack *st)
{
    size_t cap = st->txcap - ip_headroom(st);
    size_t mtu = st->cfg.netif.mtu > IPV6_HDR_LEN ? st->cfg.netif.mtu - IPV6_HDR_LEN : 0;
    return cap < mtu ? cap : mtu;
}

/* Whether a quoted packet's source is ours: what we may have sent it from (the link-local
 * address too, for a link-local peer's connections). */
static int quoted_ours(const synack_stack *st, const ipv6_addr *a)
{
    return memcmp(a->b, st->cfg.netif.addr6, 16) == 0 || addr6x_holds(st, a) ||
           ip6_ours_unicast(st, a);
}

static void send6(synack_stack *st, const ipv6_addr *src, const ipv6_addr *dst, uint8_t *l4,
                  size_t n)
{
    stack_count(st, SYNACK_CTR_Icmp6OutMsgs);
    (void)ip6_output_src(st, src->b, dst->b, IP_PROTO_ICMPV6, l4, n, 0);
}

static void send_error(synack_stack *st, const uint8_t *inv, size_t inv_len, uint8_t type,
                       uint8_t code, uint32_t rest);

void icmp6_send_error(synack_stack *st, const uint8_t *inv, size_t inv_len, uint8_t type,
                      uint8_t code, uint32_t rest)
{
    /* RFC 4443 2.4(e): never about an error, a multicast or an unspecified source. */
    if (!icmp6_error_allowed(inv, inv_len, 0, type, code)) {
        stack_drop(st, NULL, SYNACK_CTR_COUNT, "icmp6-error-not-allowed");
        return;
    }
    send_error(st, inv, inv_len, type, code, rest);
}

void icmp6_send_unreach_quote(synack_stack *st, const uint8_t *quote, size_t len, uint8_t code)
{
    send_error(st, quote, len, ICMP6_DEST_UNREACH, code, 0);
}

static void send_error(synack_stack *st, const uint8_t *inv, size_t inv_len, uint8_t type,
                       uint8_t code, uint32_t rest)
{
    if (!error_allowed(st, inv + 8))
        return;
    ipv6_addr src, dst, to;
    memcpy(dst.b, inv + 8, 16); /* the invoking packet's source */
    memcpy(to.b, inv + 24, 16);
    /* RFC 4443 2.2: from the address the packet was sent to when it is one of ours (a),
     * else (a group, a catch-all's foreign address) the one selection picks (b) */
    if (ip6_origin_src(st, &dst, &to, &src) < 0) {
        stack_drop(st, NULL, SYNACK_CTR_Ip6OutNoRoutes, "icmp6-error-no-source");
        return;
    }
    uint8_t *l4 = st->txbuf + ip_headroom(st);
    size_t n = icmp6_error_emit(l4, l4_room(st), type, code, rest, inv, inv_len, &src, &dst);
    if (!n)
        return;
    if (type == ICMP6_DEST_UNREACH)
        stack_count(st, SYNACK_CTR_Icmp6OutDestUnreachs);
    else if (type == ICMP6_PARAM_PROBLEM)
        stack_count(st, SYNACK_CTR_Icmp6OutParmProblems);
    else if (type == ICMP6_TIME_EXCEEDED)
        stack_count(st, SYNACK_CTR_Icmp6OutTimeExcds);
    send6(st, &src, &dst, l4, n);
}

/* The ICMPv6 error's code as the ICMP one TCP's error handling knows (icmp_error.c keeps
 * one table of errnos and hard errors): no route is network unreachable, port unreachable
 * is itself, an unrecognized next header is protocol unreachable (Linux makes both hard
 * errors, as RFC 1122 does ICMP's), the rest host unreachable. */
static void as_icmp(const icmp6_msg *m, tcp_icmp_err *e)
{
    e->type = ICMP_DEST_UNREACH;
    switch (m->type) {
    case ICMP6_PACKET_TOO_BIG:
        e->code = ICMP_CODE_FRAG_NEEDED;
        /* Any MTU above 16 bits is above our link's and is ignored there. */
        e->next_mtu = m->rest > 0xffff ? 0xffff : (uint16_t)m->rest;
        if (e->next_mtu == 0)
            e->next_mtu = 1; /* not "unsaid": 0 would pick an IPv4 plateau */
        break;
    case ICMP6_DEST_UNREACH:
        e->code = m->code == ICMP6_UNREACH_PORT       ? ICMP_CODE_PORT_UNREACH
                  : m->code == ICMP6_UNREACH_NO_ROUTE ? 0
                                                      : 1;
        break;
    case ICMP6_PARAM_PROBLEM:
        e->code = m->code == ICMP6_PARAM_UNKNOWN_NH ? ICMP_CODE_PROTO_UNREACH : 1;
        break;
    default:
        e->type = ICMP_TIME_EXCEEDED;
        e->code = m->code;
        break;
    }
}

/* A UDP datagram of ours the error quotes (right after the fixed header, or after a
 * first fragment's Fragment header, as we send them): its socket hears of it, and a
 * Packet Too Big lowers the destination's path MTU for later datagrams (RFC 8201). */
static void error_to_udp(synack_stack *st, const ipv6_hdr *h, const icmp6_msg *m)
{
    const uint8_t *q = m->payload;
    size_t n = m->payload_len;
    const uint8_t *t = q + IPV6_HDR_LEN;
    if (q[6] == IP_PROTO_FRAGMENT) {
        if (n < IPV6_HDR_LEN + 16 || t[0] != IP_PROTO_UDP || (rd16(t + 2) & 0xfff8) != 0) {
            stack_drop(st, NULL, SYNACK_CTR_COUNT, "icmp6-bad-quote");
            return;
        }
        t += 8;
    }
    ipv6_addr src;
    memcpy(src.b, q + 8, 16);
    if (!quoted_ours(st, &src) && !udp6_catch_all_takes(st, &src)) {
        stack_drop(st, NULL, SYNACK_CTR_COUNT, "icmp-not-ours");
        return;
    }
    if (m->type == ICMP6_PACKET_TOO_BIG)
        ip6_pmtu_report(st, q + 24, m->rest);
    uint8_t quote[8];
    udp_err_quote(quote, t, n - (size_t)(t - q));
    ping_error e = {.type = m->type,
                    .code = m->code,
                    .info = m->rest, /* Linux's icmpv6_notify passes the field whatever the type */
                    .ours = {.v6 = 1, .port = rd16(t)},
                    .theirs = {.v6 = 1, .port = rd16(t + 2)},
                    .offender = {.v6 = 1},
                    .echo = quote};
    memcpy(e.ours.a6, q + 8, 16);
    memcpy(e.theirs.a6, q + 24, 16);
    memcpy(e.offender.a6, h->src.b, 16);
    udp6_icmp_input(st, &e);
}

/* An echo request of ours (ICMPv6 right after the fixed header, as we send it unless
 * fragmented): its echo socket hears of it (Linux's icmpv6_err, then ping_err); a Packet
 * Too Big also lowers the path MTU. A quote too short for the identifier is malformed. */
static void error_to_ping(synack_stack *st, const ipv6_hdr *h, const icmp6_msg *m)
{
    const uint8_t *q = m->payload;
    const uint8_t *t = q + IPV6_HDR_LEN;
    if (m->payload_len < IPV6_HDR_LEN + ICMP6_HDR_LEN) {
        stack_drop(st, NULL, SYNACK_CTR_Icmp6InErrors, "icmp6-bad-quote");
        return;
    }
    if (t[0] != ICMP6_ECHO_REQUEST || t[1] != 0) {
        stack_drop(st, NULL, SYNACK_CTR_COUNT, "icmp6-ignored");
        return;
    }
    ping_error e = {.type = m->type,
                    .code = m->code,
                    .ours = {.v6 = 1, .port = rd16(t + 4)},
                    .theirs = {.v6 = 1},
                    .offender = {.v6 = 1},
                    .echo = t};
    memcpy(e.ours.a6, q + 8, 16);
    memcpy(e.theirs.a6, q + 24, 16);
    memcpy(e.offender.a6, h->src.b, 16);
    e.info = m->rest; /* Linux's icmpv6_notify passes the field whatever the type */
    if (m->type == ICMP6_PACKET_TOO_BIG)
        ip6_pmtu_report(st, q + 24, m->rest);
    (void)ping_err(st, &e);
}

/* An error quotes the packet that caused it from its IPv6 header on. If that was a TCP
 * segment of ours (TCP right after the fixed header, as we send it), TCP hears of it.
 * local: the error is our own, about a next hop that never answered (ip6_link_failure). */
static void error_to_tcp(synack_stack *st, const ipv6_hdr *h, const icmp6_msg *m, int local)
{
    const uint8_t *q = m->payload;
    size_t n = m->payload_len;
    if (n >= IPV6_HDR_LEN && (q[0] >> 4) == 6 && q[6] == IP_PROTO_ICMPV6) {
        error_to_ping(st, h, m);
        return;
    }
    if (n >= IPV6_HDR_LEN + 8 && (q[0] >> 4) == 6 &&
        (q[6] == IP_PROTO_UDP || q[6] == IP_PROTO_FRAGMENT)) {
        error_to_udp(st, h, m);
        return;
    }
    /* Too short to name a connection: malformed, as Linux's icmpv6_rcv counts it. */
    if (n < IPV6_HDR_LEN + 8 || (q[0] >> 4) != 6) {
        stack_drop(st, NULL, SYNACK_CTR_Icmp6InErrors, "icmp6-bad-quote");
        return;
    }
    if (q[6] != IP_PROTO_TCP) {
        stack_drop(st, NULL, SYNACK_CTR_COUNT, "icmp6-bad-quote");
        return;
    }
    /* A TCP segment we did not send matches no connection: counted as tcp_icmp_input
     * counts one that names none. */
    ipv6_addr qsrc;
    memcpy(qsrc.b, q + 8, 16);
    if (!quoted_ours(st, &qsrc)) {
        stack_drop(st, NULL, SYNACK_CTR_Icmp6InErrors, "icmp-not-ours");
        return;
    }
    const uint8_t *t = q + IPV6_HDR_LEN;
    tcp_icmp_err e = {
        .quoted_len = (uint16_t)(IPV6_HDR_LEN + rd16(q + 4)),
        .ep = {.family = SYNACK_AF_INET6, .lport = rd16(t), .rport = rd16(t + 2)},
        .seq = rd32(t + 4),
    };
    memcpy(e.ep.laddr6, q + 8, 16);
    memcpy(e.ep.raddr6, q + 24, 16);
    as_icmp(m, &e);
    e.local = (uint8_t)local;
    tcp_icmp_input(st, &e);
}

/* RFC 4861 7.2.2: a packet whose next hop never answered earns an Address Unreachable,
 * and Linux sends it to itself (ndisc_error_report, icmp6_send): its sender hears of it
 * as of any ICMPv6 error about it, from our own address — a TCP connection as a local
 * EHOSTUNREACH (the end of a connect() in SYN-SENT, else the soft error), an echo or UDP
 * socket on its error queue with IPV6_RECVERR. IPv4's counterpart is ip_link_failure. */
void ip6_link_failure(synack_stack *st, const uint8_t *pkt, size_t len)
{
    if (len < IPV6_HDR_LEN || (pkt[0] >> 4) != 6)
        return;
    ipv6_hdr h;
    memset(&h, 0, sizeof(h));
    memcpy(h.src.b, pkt + 8, 16);
    h.dst = h.src;
    icmp6_msg m = {
        .type = ICMP6_DEST_UNREACH, .code = ICMP6_UNREACH_ADDR, .payload = pkt, .payload_len = len};
    error_to_tcp(st, &h, &m, 1);
}

void icmp6_input(synack_stack *st, const ipv6_hdr *h, const uint8_t *p, size_t len)
{
    stack_count(st, SYNACK_CTR_Icmp6InMsgs);
    icmp6_msg m;
    wire_result r = icmp6_parse(p, len, &h->src, &h->dst, &m);
    if (r != WIRE_OK) {
        stack_count(st, SYNACK_CTR_Icmp6InErrors);
        stack_drop(st, NULL,
                   r == WIRE_BAD_ICMP_CSUM ? SYNACK_CTR_Icmp6InCsumErrors : SYNACK_CTR_COUNT,
                   wire_result_name(r));
        return;
    }
    if (ipv6_addr_is_unspecified(&h->src) && m.type != ICMP6_ND_NS) {
        stack_drop(st, NULL, SYNACK_CTR_Ip6InHdrErrors, "ipv6-bad-source");
        return;
    }
    switch (m.type) {
    case ICMP6_ECHO_REQUEST: {
        stack_count(st, SYNACK_CTR_Icmp6InEchos);
        /* RFC 4443 4.2: the identifier, sequence number and data back, unchanged; the
         * request lives in the frame being processed, not in txbuf. */
        uint8_t *l4 = st->txbuf + ip_headroom(st);
        icmp6_msg rep = {.type = ICMP6_ECHO_REPLY,
                         .rest = m.rest,
                         .payload = m.payload,
                         .payload_len = m.payload_len};
        /* RFC 4443 4.2: from the address the request went to; one to a group (all-nodes)
         * from the address selection picks for the requester. */
        ipv6_addr from = h->dst;
        if (ipv6_addr_is_multicast(&from) && ip6_origin_src(st, &h->src, NULL, &from) < 0) {
            stack_drop(st, NULL, SYNACK_CTR_COUNT, "icmp6-echo-no-source");
            return;
        }
        size_t n = icmp6_emit(l4, l4_room(st), &rep, &from, &h->src);
        if (!n) {
            stack_drop(st, NULL, SYNACK_CTR_COUNT, "icmp6-echo-too-big");
            return;
        }
        stack_count(st, SYNACK_CTR_Icmp6OutEchoReplies);
        send6(st, &from, &h->src, l4, n);
        return;
    }
    case ICMP6_ECHO_REPLY: {
        stack_count(st, SYNACK_CTR_Icmp6InEchoReplies);
        sock_addr from = {.v6 = 1}, to = {.v6 = 1, .port = (uint16_t)(m.rest >> 16)};
        memcpy(from.a6, h->src.b, 16);
        memcpy(to.a6, h->dst.b, 16);
        if (!ping_input(st, &from, &to, p, len, h->hop_limit))
            stack_drop(st, NULL, SYNACK_CTR_COUNT, "icmp6-ignored");
        return;
    }
    case ICMP6_DEST_UNREACH:
        stack_count(st, SYNACK_CTR_Icmp6InDestUnreachs);
        error_to_tcp(st, h, &m, 0);
        return;
    case ICMP6_PACKET_TOO_BIG:
        stack_count(st, SYNACK_CTR_Icmp6InPktTooBigs);
        error_to_tcp(st, h, &m, 0);
        return;
    case ICMP6_TIME_EXCEEDED:
        stack_count(st, SYNACK_CTR_Icmp6InTimeExcds);
        error_to_tcp(st, h, &m, 0);
        return;
    case ICMP6_PARAM_PROBLEM:
        stack_count(st, SYNACK_CTR_Icmp6InParmProblems);
        error_to_tcp(st, h, &m, 0);
        return;
    case ICMP6_ND_NS:
    case ICMP6_ND_NA:
    case ICMP6_ND_RS:
    case ICMP6_ND_RA:
    case ICMP6_ND_REDIRECT:
        ip6_nd_input(st, h, &m);
        return;
    case 130: /* MLD Multicast Listener Query (RFC 3810 5.1) */
        ip6_mld_input(st, h, &m);
        return;
    case ICMP6_MLD1_REPORT: /* another listener's (RFC 2710 3) */
        ip6_mld_report_input(st, h, &m);
        return;
    default:
        /* RFC 4443 2.4(b): unknown informational messages are dropped silently. */
        stack_drop(st, NULL, SYNACK_CTR_COUNT, "icmp6-ignored");
        return;
    }
}
