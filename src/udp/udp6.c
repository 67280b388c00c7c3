/* SPDX-License-Identifier: MIT */
/* UDP over IPv6 (RFC 768 with RFC 8200 8.1): datagrams in with the checksum mandatory (a
 * zero one is an error, not "none"), Port Unreachable as ICMPv6 code 4 (RFC 4443 3.1);
 * datagrams out with the 128-bit pseudo-header, fragmented at the source past the path
 * MTU (RFC 8200 4.5, 5); ICMPv6 errors reported to connected sockets as Linux's
 * icmpv6_err_convert does. Counters are Linux's Udp6* (nstat). */
#include <errno.h>
#include "util/sockdefs.h"
#include <string.h>

#include "stack/ready.h"
#include "udp/udp.h"
#include "wire/bytes.h"
#include "wire/checksum.h"
#include "wire/icmpv6.h"

int udp6_catch_all_takes(const synack_stack *st, const ipv6_addr *dst)
{
    if (!st->udp || st->udp->catch_all < 0 ||
        !(udp_families(&st->socks[st->udp->catch_all]) & UDP_FAM_V6))
        return 0;
    /* RFC 4291 2.4: a group, loopback, ::, a link's own scope or an IPv4 address in
     * disguise is nobody's to impersonate */
    return !ipv6_addr_is_multicast(dst) && !ipv6_addr_is_loopback(dst) &&
           !ipv6_addr_is_unspecified(dst) && !ipv6_addr_is_link_local(dst) &&
           !ipv6_addr_is_v4mapped(dst);
}

/* Counts an input error: Udp6InErrors and, when named, the specific counter. */
static void in_error(synack_stack *st, synack_counter specific, const char *why)
{
    stack_count(st, SYNACK_CTR_Udp6InErrors);
    stack_drop(st, NULL, specific, why);
}

int udp6_input(synack_stack *st, const ipv6_hdr *h, const uint8_t *seg, size_t len,
               const uint8_t *pkt, size_t pkt_len, int csum_ok)
{
    uint16_t ulen = len >= UDP_HDR_LEN ? rd16(seg + 4) : 0;
    /* A length field of 0 is a jumbogram's (RFC 2675), which we do not take; a datagram
     * shorter than it claims, or claiming less than its header, is malformed. */
    if (len < UDP_HDR_LEN || ulen < UDP_HDR_LEN || ulen > len) {
        in_error(st, SYNACK_CTR_COUNT, "udp6-bad-length");
        return -EINVAL;
    }
    /* RFC 8200 8.1: the checksum is not optional over IPv6; Linux counts a zero one as a
     * checksum error. */
    if (rd16(seg + 6) == 0) {
        in_error(st, SYNACK_CTR_Udp6InCsumErrors, "udp6-zero-checksum");
        return -EINVAL;
    }
    if (!csum_ok) {
        uint64_t acc = csum_pseudo_ipv6(0, h->src.b, h->dst.b, IP_PROTO_UDP, ulen);
        if (csum_finish(csum_add(acc, seg, ulen)) != 0) {
            in_error(st, SYNACK_CTR_Udp6InCsumErrors, "udp6-bad-checksum");
            return -EINVAL;
        }
    }
    if (ipv6_addr_is_multicast(&h->dst)) {
        /* no socket joins a group here: a group's datagram is nobody's, and no error
         * answers it (RFC 4443 2.4(e)) */
        stack_drop(st, NULL, SYNACK_CTR_COUNT, "udp6-multicast");
        return 0;
    }
    sock_addr from = {.v6 = 1, .port = rd16(seg)}, to = {.v6 = 1, .port = rd16(seg + 2)};
    memcpy(from.a6, h->src.b, 16);
    memcpy(to.a6, h->dst.b, 16);
    int s = udp_lookup_any(st, &to, &from);
    if (s < 0 && udp6_catch_all_takes(st, &h->dst))
        s = st->udp->catch_all;
    if (s < 0) {
        stack_count(st, SYNACK_CTR_Udp6NoPorts);
        stack_drop(st, NULL, SYNACK_CTR_COUNT, "udp6-no-port");
        icmp6_send_error(st, pkt, pkt_len, ICMP6_DEST_UNREACH, ICMP6_UNREACH_PORT, 0);
        return 0;
    }
    if (st->socks[s].shut_rd)
        return 0;
    udp_enqueue(st, s, &from, &to, seg + UDP_HDR_LEN, (uint32_t)(ulen - UDP_HDR_LEN), h->hop_limit);
    return 0;
}

/* Linux's icmpv6_err_convert: the errno an ICMPv6 error stands for, and whether it is
 * hard (only those reach a socket without IPV6_RECVERR). */
int icmp6_errno(uint8_t type, uint8_t code, int *hard)
{
    *hard = 0;
    switch (type) {
    case ICMP6_DEST_UNREACH: {
        static const struct {
            int err, hard;
        } tab[7] = {
            {ENETUNREACH, 0},  /* no route */
            {EACCES, 1},       /* administratively prohibited */
            {EHOSTUNREACH, 0}, /* beyond the source's scope */
            {EHOSTUNREACH, 0}, /* address unreachable */
            {ECONNREFUSED, 1}, /* port unreachable */
            {EACCES, 1},       /* source address failed policy */
            {EACCES, 1},       /* reject route */
        };
        if (code > 6)
            return EPROTO;
        *hard = tab[code].hard;
        return tab[code].err;
    }
    case ICMP6_PACKET_TOO_BIG:
        return EMSGSIZE;
    case ICMP6_PARAM_PROBLEM:
        *hard = 1;
        return EPROTO;
    case ICMP6_TIME_EXCEEDED:
        return EHOSTUNREACH;
    default:
        return 0;
    }
}

void udp6_icmp_input(synack_stack *st, const ping_error *e)
{
    /* the datagram's sender is the socket that would receive the reply */
    int s = udp_lookup_any(st, &e->ours, &e->theirs);
    if (s < 0) {
        stack_drop(st, NULL, SYNACK_CTR_COUNT, "icmp6-udp-no-socket");
        return;
    }
    (void)udp_sock_err(st, s, e);
}

/* The MTU a datagram to dst is sized to: the path's, or with IP_PMTUDISC_PROBE/OMIT the
 * link's (Linux's ip6_append_data); never below IPv6's minimum. */
static uint32_t send_mtu(synack_stack *st, const synack_sock *so, const uint8_t dst[16])
{
    uint32_t mtu =
        so->knobs.pmtudisc >= IP_PMTUDISC_PROBE ? st->cfg.netif.mtu : ip6_pmtu_get(st, dst);
    return mtu < IPV6_MIN_MTU ? IPV6_MIN_MTU : mtu;
}

long udp6_emit(synack_stack *st, const synack_sock *so, const uint8_t src[16], uint16_t sport,
               const uint8_t dst[16], uint16_t dport, const uint8_t *buf, size_t len)
{
    uint16_t ulen = (uint16_t)(UDP_HDR_LEN + len);
    uint8_t hdr[UDP_HDR_LEN];
    wr16(hdr, sport);
    wr16(hdr + 2, dport);
    wr16(hdr + 4, ulen);
    wr16(hdr + 6, 0);
    uint64_t acc = csum_pseudo_ipv6(0, src, dst, IP_PROTO_UDP, ulen);
    acc = csum_add(acc, hdr, UDP_HDR_LEN);
    uint32_t mtu = send_mtu(st, so, dst);
    /* DO and PROBE refuse what exceeds the MTU above, WANT, DONT and OMIT fragment (Linux's
     * ip6_sk_ignore_df) */
    uint8_t pmtud = so->knobs.pmtudisc;
    if ((uint32_t)ulen + IPV6_HDR_LEN > mtu &&
        (pmtud == IP_PMTUDISC_DO || pmtud == IP_PMTUDISC_PROBE))
        return -EMSGSIZE;
    st->tx_tos = so->knobs.tos;
    st->tx_hops = knobs_tx_hops(&so->knobs, 1);
    int rc;
    if ((uint32_t)ulen + IPV6_HDR_LEN > mtu) {
        uint16_t sum = csum_finish(csum_add(acc, buf, len));
        wr16(hdr + 6, sum ? sum : 0xffff); /* 0 would be refused (RFC 8200 8.1) */
        rc = ip6_output_frags(st, src, dst, IP_PROTO_UDP, hdr, UDP_HDR_LEN, buf, len, mtu);
    } else {
        uint8_t *l4 = st->txbuf + ip_headroom(st);
        memcpy(l4, hdr, UDP_HDR_LEN);
        uint16_t sum = csum_finish(csum_copy(acc, l4 + UDP_HDR_LEN, buf, len));
        wr16(l4 + 6, sum ? sum : 0xffff);
        rc = ip6_output_src(st, src, dst, IP_PROTO_UDP, l4, ulen, 0);
    }
    st->tx_tos = 0;
    st->tx_hops = 0;
    if (rc < 0 && rc != -EAGAIN)
        return rc;
    stack_count(st, SYNACK_CTR_Udp6OutDatagrams);
    return (long)len;
}

int udp6_unreach(synack_stack *st, const sock_addr *client, const sock_addr *dst, uint8_t code)
{
    /* the datagram itself is gone: its IPv6 header and UDP ports are what the client's
     * stack matches the error against, so those are quoted (as udp_unreach does) */
    uint8_t quote[IPV6_HDR_LEN + UDP_HDR_LEN];
    ipv6_hdr h = {.next = IP_PROTO_UDP, .hop_limit = 64};
    memcpy(h.src.b, client->a6, 16);
    memcpy(h.dst.b, dst->a6, 16);
    ipv6_emit(quote, IPV6_HDR_LEN, &h, UDP_HDR_LEN);
    uint8_t *u = quote + IPV6_HDR_LEN;
    wr16(u, client->port);
    wr16(u + 2, dst->port);
    wr16(u + 4, UDP_HDR_LEN);
    wr16(u + 6, 0);
    icmp6_send_error(st, quote, sizeof(quote), ICMP6_DEST_UNREACH, code, 0);
    return 0;
}
