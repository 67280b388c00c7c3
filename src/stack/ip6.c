/* SPDX-License-Identifier: MIT */
/* IPv6 in and out (RFC 8200) on a link without link-layer addresses (SYNACK_LINK_IP: a
 * TUN device, the simulator's memory link) or on Ethernet through nd.c: the fixed header,
 * the extension-header chain walked with wire/ipv6.c's bounded walker, TCP delivered with
 * the IPv6 pseudo-header checksum, ICMPv6 to icmp6.c, fragments to ip_frag.c's reassembly
 * (RFC 8200 4.5), whose datagrams come back here to walk on past where the Fragment
 * header was. Counters are Linux's Ip6* (nstat). */
#include <errno.h>
#include <string.h>

#include "stack/stack_impl.h"
#include "tcp/tcp.h"
#include "udp/udp.h"
#include "wire/eth.h"
#include "wire/icmpv6.h"
#include "wire/ipv4.h"
#include "wire/ipv6.h"
#include "wire/tcp_wire.h"

/* The hop limit of what we send unless an RA's Cur Hop Limit says otherwise (RFC 4861
 * 6.3.4, router.c): Linux's default (net.ipv6.conf.*.hop_limit). */
#define IP6_HOP_LIMIT 64

uint8_t ip6_hop_limit(const synack_stack *st)
{
    return st->ra_hop_limit ? st->ra_hop_limit : IP6_HOP_LIMIT;
}

int ip6_enabled(const synack_stack *st)
{
    static const uint8_t zero[16];
    return memcmp(st->cfg.netif.addr6, zero, 16) != 0;
}

int ip6_on(const synack_stack *st)
{
    return ip6_enabled(st) || st->nd_on || st->cfg.ipv6;
}

int ip6_output_src(synack_stack *st, const uint8_t src[16], const uint8_t dst[16], uint8_t proto,
                   uint8_t *l4, size_t l4_len, uint8_t ecn)
{
    return ip6_output_meta(st, src, dst, proto, l4, l4_len, NULL, ecn);
}

int ip6_output_meta(synack_stack *st, const uint8_t src[16], const uint8_t dst[16], uint8_t proto,
                    uint8_t *l4, size_t l4_len, synack_tx_meta *meta, uint8_t ecn)
{
    const synack_netif *nif = &st->cfg.netif;
    stack_count(st, SYNACK_CTR_Ip6OutRequests);
    if (!ip6_on(st)) {
        stack_count(st, SYNACK_CTR_Ip6OutNoRoutes);
        return -ENETUNREACH;
    }
    /* RFC 8200 5: no fragmentation by us here; TCP sizes its segments to the MTU. A TSO
     * super-frame is cut to it by the device; its payload length field bounds it. */
    int gso = meta && (meta->flags & SYNACK_TX_GSO_TCPV6);
    if (gso ? l4_len > 0xffffu : l4_len + IPV6_HDR_LEN > nif->mtu) {
        stack_count(st, SYNACK_CTR_Ip6OutDiscards);
        return -EMSGSIZE;
    }
    uint8_t *ip = l4 - IPV6_HDR_LEN;
    ipv6_hdr h = {.tclass = (uint8_t)(st->tx_tos | (ecn & IP_ECN_MASK)),
                  .next = proto,
                  .hop_limit = st->tx_hops ? (uint8_t)(st->tx_hops - 1) : ip6_hop_limit(st)};
    memcpy(h.src.b, src, 16);
    memcpy(h.dst.b, dst, 16);
    if (ipv6_emit(ip, IPV6_HDR_LEN, &h, l4_len) == 0) {
        stack_count(st, SYNACK_CTR_Ip6OutDiscards);
        return -EMSGSIZE;
    }
    size_t l2 = nif->type == SYNACK_LINK_ETHERNET ? ETH_HDR_LEN : 0;
    if (meta && meta->flags) { /* offsets were relative to the TCP header */
        meta->csum_start = (uint16_t)(meta->csum_start + l2 + IPV6_HDR_LEN);
        meta->hdr_len = (uint16_t)(meta->hdr_len + l2 + IPV6_HDR_LEN);
    }
    if (nif->type == SYNACK_LINK_ETHERNET)
        return ip6_eth_output_meta(st, ip, IPV6_HDR_LEN + l4_len, dst, meta);
    int rc = ip_send_frame(st, ip, IPV6_HDR_LEN + l4_len, meta);
    if (rc < 0)
        stack_count(st, SYNACK_CTR_Ip6OutDiscards);
    return rc;
}

/* RFC 4291 2.5.2, 2.5.3, 2.7 and 2.5.5.2: what may not be the source of a packet from the
 * wire (Linux's ipv6_rcv refuses the same; an IPv4-mapped source would let a peer pose as
 * an IPv4 one to a dual-stack socket). The unspecified source is for DAD alone (RFC 4862
 * 5.4), never for TCP. */
static int bad_source(const ipv6_addr *a)
{
    return ipv6_addr_is_multicast(a) || ipv6_addr_is_loopback(a) || ipv6_addr_is_v4mapped(a) ||
           ipv6_addr_is_unspecified(a);
}

static int tcp6_input(synack_stack *st, const ipv6_hdr *h, const uint8_t *seg, size_t len,
                      const synack_rx_meta *meta)
{
    /* Delivered to TCP, as Linux counts it: TCP's checksum is TCP's to check. */
    stack_count(st, SYNACK_CTR_Ip6InDelivers);
    tcp_seg s;
    int vouched = meta && (meta->flags & (SYNACK_RX_CSUM_VERIFIED | SYNACK_RX_CSUM_PARTIAL));
    uint64_t hdr_sum = 0;
    wire_result r = tcp_parse6(seg, len, h->src.b, h->dst.b, vouched, &s, &hdr_sum);
    if (r != WIRE_OK) {
        stack_count(st, SYNACK_CTR_InErrs);
        stack_drop(st, NULL, r == WIRE_BAD_TCP_CSUM ? SYNACK_CTR_InCsumErrors : SYNACK_CTR_COUNT,
                   wire_result_name(r));
        return -EINVAL;
    }
    synack_endpoints ep = {.family = SYNACK_AF_INET6, .lport = s.dport, .rport = s.sport};
    memcpy(ep.laddr6, h->dst.b, 16);
    memcpy(ep.raddr6, h->src.b, 16);
    return tcp_input_ep(st, &ep, h->tclass & IP_ECN_MASK, &s, vouched ? NULL : &hdr_sum,
                        meta ? meta->gso_size : 0);
}

/* reassembled: pkt is a datagram reassembly put together, already counted in
 * Ip6InReceives fragment by fragment. */
static int ip6_receive(synack_stack *st, const uint8_t *pkt, size_t len, const synack_rx_meta *meta,
                       int reassembled)
{
    ipv6_hdr h;
    wire_result r = ipv6_parse(pkt, len, &h);
    if (r != WIRE_OK) {
        stack_drop(st, NULL,
                   r == WIRE_BAD_TOTAL_LEN ? SYNACK_CTR_Ip6InTruncatedPkts
                                           : SYNACK_CTR_Ip6InHdrErrors,
                   wire_result_name(r));
        return -EINVAL;
    }
    len = IPV6_HDR_LEN + (size_t)h.payload_len; /* link padding is not the packet's */
    /* A DAD probe (RFC 4862 5.4) comes from :: as an NS; icmp6.c lets nothing else in. */
    int dad = ipv6_addr_is_unspecified(&h.src) && h.next == IP_PROTO_ICMPV6 && st->nd_on;
    if (bad_source(&h.src) && !dad) {
        stack_drop(st, NULL, SYNACK_CTR_Ip6InHdrErrors, "ipv6-bad-source");
        return -EINVAL;
    }
    /* TCP to any other unicast address is a catch-all listener's (tcp/hold.c), UDP a UDP
     * catch-all socket's (udp6.c); nothing else to such an address is ours, nor answered. */
    int foreign = !ip6_is_our_dst(st, &h.dst);
    if (foreign && !tcp_catch_all_takes6(st, h.dst.b) && !udp6_catch_all_takes(st, &h.dst)) {
        stack_drop(st, NULL, SYNACK_CTR_Ip6InAddrErrors, "not-our-address");
        return -EINVAL;
    }
    ipv6_chain ch;
    ipv6_walk(pkt, len, 0, NULL, &ch);
    if (foreign && (ch.verdict != IPV6_WALK_UPPER ||
                    (ch.proto == IP_PROTO_TCP && !tcp_catch_all_takes6(st, h.dst.b)) ||
                    (ch.proto == IP_PROTO_UDP && !udp6_catch_all_takes(st, &h.dst)) ||
                    (ch.proto != IP_PROTO_TCP && ch.proto != IP_PROTO_UDP))) {
        stack_drop(st, NULL, SYNACK_CTR_Ip6InAddrErrors, "not-our-address");
        return -EINVAL;
    }
    switch (ch.verdict) {
    case IPV6_WALK_UPPER:
        break;
    case IPV6_WALK_NO_NEXT:
        stack_drop(st, NULL, SYNACK_CTR_COUNT, "ipv6-no-next-header");
        return 0;
    case IPV6_WALK_FRAGMENT:
        return ip6_frag_input(st, pkt, len, &ch);
    case IPV6_WALK_PARAM_PROBLEM:
        stack_drop(st, NULL, SYNACK_CTR_Ip6InHdrErrors, wire_result_name(ch.reason));
        icmp6_send_error(st, pkt, len, ICMP6_PARAM_PROBLEM, ch.icmp_code, ch.pointer);
        return -EINVAL;
    case IPV6_WALK_DROP:
    default:
        stack_drop(st, NULL, SYNACK_CTR_Ip6InHdrErrors, wire_result_name(ch.reason));
        return -EINVAL;
    }
    if (ch.atomic && !reassembled) {
        /* RFC 6946 4: no reassembly state; counted as Linux's ipv6_frag_rcv does. */
        stack_count(st, SYNACK_CTR_Ip6ReasmReqds);
        stack_count(st, SYNACK_CTR_Ip6ReasmOKs);
    }
    if (ch.proto == IP_PROTO_TCP) {
        /* TCP is for our unicast addresses in use (not multicast), or a catch-all's. */
        if (!foreign && !ip6_ours_unicast(st, &h.dst)) {
            stack_drop(st, NULL, SYNACK_CTR_Ip6InAddrErrors, "tcp-not-our-address");
            return -EINVAL;
        }
        return tcp6_input(st, &h, pkt + ch.offset, len - ch.offset, meta);
    }
    if (ch.proto == IP_PROTO_ICMPV6) {
        stack_count(st, SYNACK_CTR_Ip6InDelivers);
        icmp6_input(st, &h, pkt + ch.offset, len - ch.offset);
        return 0;
    }
    if (ch.proto == IP_PROTO_UDP) {
        stack_count(st, SYNACK_CTR_Ip6InDelivers);
        /* a partial sum came through memory from this host: nothing to verify */
        int vouched = meta && (meta->flags & (SYNACK_RX_CSUM_VERIFIED | SYNACK_RX_CSUM_PARTIAL));
        return udp6_input(st, &h, pkt + ch.offset, len - ch.offset, pkt, len, vouched);
    }
    /* RFC 8200 4: an unrecognized Next Header is answered with Parameter Problem code 1
     * pointing at the octet that named it. */
    stack_drop(st, NULL, SYNACK_CTR_Ip6InUnknownProtos, "unknown-protocol");
    icmp6_send_error(st, pkt, len, ICMP6_PARAM_PROBLEM, ICMP6_PARAM_UNKNOWN_NH, ch.nh_field);
    return 0;
}

int ip6_input(synack_stack *st, const uint8_t *pkt, size_t len, const synack_rx_meta *meta)
{
    stack_count(st, SYNACK_CTR_Ip6InReceives);
    return ip6_receive(st, pkt, len, meta, 0);
}

int ip6_input_reassembled(synack_stack *st, const uint8_t *pkt, size_t len)
{
    /* The checksum a device vouched for covered a fragment, not this datagram: no meta. */
    return ip6_receive(st, pkt, len, NULL, 1);
}
