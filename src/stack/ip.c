/* SPDX-License-Identifier: MIT */
/* IPv4 in and out (RFC 791, RFC 1122 3.2), ICMP echo and unreachables (RFC 792), ICMP
 * errors handed to TCP (RFC 1122 4.2.3.9, RFC 1191), and the frame entry point
 * synack_input(). */
#include <errno.h>
#include <string.h>

#include "stack/stack_impl.h"
#include "tcp/tcp.h"
#include "udp/udp.h"
#include "wire/bytes.h"
#include "wire/eth.h"
#include "wire/icmp.h"
#include "wire/ipv4.h"
#include "wire/ipv6.h"
#include "wire/tcp_wire.h"

size_t ip_headroom(const synack_stack *st)
{
    /* Room for the longer IPv6 header only where IPv6 is on (an IPv4-only stack builds
     * its frames exactly where it always did). */
    return (st->cfg.netif.type == SYNACK_LINK_ETHERNET ? ETH_HDR_LEN : 0) +
           (ip6_on(st) ? IPV6_HDR_LEN : IPV4_HDR_LEN);
}

uint32_t ip_max_l4(const synack_stack *st)
{
    return st->cfg.netif.mtu - IPV4_HDR_LEN;
}

uint32_t ip_tso_max(const synack_stack *st)
{
    const synack_netif *nif = &st->cfg.netif;
    if (!nif->output_ex && !nif->output_iov)
        return 0;
    /* The super-frame is one IPv4 packet: its total length field bounds it. */
    uint32_t cap = 0xffffu - IPV4_HDR_LEN - TCP_HDR_LEN - TCP_MAX_OPT_LEN;
    return nif->tso_max < cap ? nif->tso_max : cap;
}

/* Bytes of frame that are the pending payload pieces, not yet in txbuf; 0 when none are.
 * Only the frame built over their headers has them: an ARP request or ND probe sent
 * meanwhile is built elsewhere. */
static size_t pending_payload(const synack_stack *st, const uint8_t *frame, size_t len)
{
    size_t plen = 0;
    for (unsigned i = 0; i < st->tx_npieces; i++)
        plen += st->tx_pieces[i].len;
    if (!st->tx_npieces || len < plen || frame + (len - plen) != st->tx_payload_at)
        return 0;
    return plen;
}

int ip_send_frame(synack_stack *st, const uint8_t *frame, size_t len, const synack_tx_meta *meta)
{
    const synack_netif *nif = &st->cfg.netif;
    /* The link behind output_ctx is gone, or the host is freeing the stack from a
     * callback: the frame is lost as on a wire that was unplugged. */
    if (st->output_gone || st->free_pending)
        return -ENETDOWN;
    static const synack_tx_meta none;
    st->cb_depth++;
    int rc;
    if (nif->output_iov) {
        synack_iov iov[SYNACK_IOV_MAX] = {{frame, len}};
        unsigned n = 1;
        size_t plen = pending_payload(st, frame, len);
        if (plen) {
            iov[0].len = len - plen;
            for (unsigned i = 0; i < st->tx_npieces; i++)
                iov[n++] = st->tx_pieces[i];
        }
        rc = nif->output_iov(nif->output_ctx, iov, n, meta ? meta : &none);
    } else {
        rc = nif->output_ex ? nif->output_ex(nif->output_ctx, frame, len, meta ? meta : &none)
                            : nif->output(nif->output_ctx, frame, len);
    }
    st->cb_depth--;
    return rc;
}

void ip_tx_flatten(synack_stack *st, const uint8_t *frame, size_t len)
{
    if (!pending_payload(st, frame, len))
        return;
    uint8_t *d = st->tx_payload_at;
    for (unsigned i = 0; i < st->tx_npieces; i++) {
        memcpy(d, st->tx_pieces[i].base, st->tx_pieces[i].len);
        d += st->tx_pieces[i].len;
    }
    st->tx_npieces = 0;
}

int ip_output(synack_stack *st, uint32_t dst, uint8_t proto, uint8_t *l4, size_t l4_len)
{
    return ip_output_meta(st, dst, proto, l4, l4_len, NULL);
}

int ip_output_meta(synack_stack *st, uint32_t dst, uint8_t proto, uint8_t *l4, size_t l4_len,
                   synack_tx_meta *meta)
{
    return ip_output_ecn(st, dst, proto, l4, l4_len, meta, IP_ECN_NOT_ECT);
}

int ip_output_ecn(synack_stack *st, uint32_t dst, uint8_t proto, uint8_t *l4, size_t l4_len,
                  synack_tx_meta *meta, uint8_t ecn)
{
    return ip_output_src(st, st->cfg.netif.addr, dst, proto, l4, l4_len, meta, ecn);
}

int ip_output_src(synack_stack *st, uint32_t src, uint32_t dst, uint8_t proto, uint8_t *l4,
                  size_t l4_len, synack_tx_meta *meta, uint8_t ecn)
{
    uint16_t frag = st->tx_nodf ? 0 : IPV4_FLAG_DF;
    return ip_output_frag(st, src, dst, proto, l4, l4_len, meta, ecn, st->ip_id++, frag);
}

int ip_output_frag(synack_stack *st, uint32_t src, uint32_t dst, uint8_t proto, uint8_t *l4,
                   size_t l4_len, synack_tx_meta *meta, uint8_t ecn, uint16_t id, uint16_t frag)
{
    const synack_netif *nif = &st->cfg.netif;
    if (nif->addr == 0) { /* IPv6-only: no IPv4 route (callers refuse before this) */
        stack_count(st, SYNACK_CTR_OutDiscards);
        return -ENETUNREACH;
    }
    /* A TSO super-frame is cut to the MTU by the device. */
    int gso = meta && (meta->flags & SYNACK_TX_GSO_TCPV4);
    if (l4_len + IPV4_HDR_LEN > (gso ? 0xffffu : nif->mtu)) {
        stack_count(st, SYNACK_CTR_OutDiscards);
        return -EMSGSIZE;
    }
    uint8_t *ip = l4 - IPV4_HDR_LEN;
    ipv4_hdr h = {.ttl = st->tx_hops ? (uint8_t)(st->tx_hops - 1) : IP_DEFAULT_TTL,
                  .tos = (uint8_t)(st->tx_tos | (ecn & IP_ECN_MASK)),
                  .proto = proto,
                  .src = src,
                  .dst = dst,
                  .frag = frag,
                  .id = id};
    ipv4_emit(ip, IPV4_HDR_LEN, &h, l4_len);
    size_t l2 = nif->type == SYNACK_LINK_ETHERNET ? ETH_HDR_LEN : 0;
    if (meta && meta->flags) { /* offsets were relative to the TCP header */
        meta->csum_start = (uint16_t)(meta->csum_start + l2 + IPV4_HDR_LEN);
        meta->hdr_len = (uint16_t)(meta->hdr_len + l2 + IPV4_HDR_LEN);
    }
    if (nif->type != SYNACK_LINK_ETHERNET) {
        int rc = ip_send_frame(st, ip, IPV4_HDR_LEN + l4_len, meta);
        if (rc < 0)
            stack_count(st, SYNACK_CTR_OutDiscards);
        return rc;
    }
    uint8_t *frame = ip - ETH_HDR_LEN;
    eth_hdr eh = {.ethertype = ETHERTYPE_IPV4};
    memcpy(eh.src, nif->mac, 6);
    eth_emit(frame, ETH_HDR_LEN, &eh);
    uint32_t nexthop = route_next_hop(st, dst);
    if (nexthop == 0) {
        stack_count(st, SYNACK_CTR_OutDiscards);
        return -ENETUNREACH;
    }
    return arp_output_meta(st, nexthop, frame, ETH_HDR_LEN + IPV4_HDR_LEN + l4_len, meta);
}

/* An ICMP message back to the sender of `ip` (echo reply or an error quoting it). */
static void icmp_send(synack_stack *st, uint32_t dst, uint8_t type, uint8_t code, uint32_t rest,
                      const uint8_t *data, size_t len)
{
    uint8_t *l4 = st->txbuf + ip_headroom(st);
    size_t cap = st->txcap - ip_headroom(st);
    if (len + ICMP_HDR_LEN > ip_max_l4(st))
        len = ip_max_l4(st) - ICMP_HDR_LEN;
    icmp_msg m = {.type = type, .code = code, .rest = rest, .payload = data, .payload_len = len};
    size_t n = icmp_emit(l4, cap, &m);
    if (n)
        ip_output(st, dst, IP_PROTO_ICMP, l4, n);
}

void ip_send_unreach(synack_stack *st, uint32_t dst, uint8_t code, const uint8_t *quote, size_t len)
{
    stack_count(st, SYNACK_CTR_OutDestUnreachs);
    icmp_send(st, dst, ICMP_DEST_UNREACH, code, 0, quote, len);
}

static void icmp_unreachable(synack_stack *st, const ipv4_hdr *ip, const uint8_t *pkt, uint8_t code)
{
    /* RFC 1122 3.2.2: the original header and at least 8 bytes of its payload. */
    size_t quote = ip->hdr_len + (ip->payload_len < 8 ? ip->payload_len : 8);
    ip_send_unreach(st, ip->src, code, pkt, quote);
}

/* An ICMP error quotes the IP header of the datagram that caused it and at least 8 bytes
 * of its payload (RFC 792; RFC 1122 3.2.2). If that was a TCP segment of ours, TCP hears
 * about it (RFC 1122 4.2.3.9, RFC 1191); the quote is read byte by byte because it is
 * truncated by design, so ipv4_parse would refuse it. */
/* The quote names an echo request we sent: its echo socket hears of it (Linux's ping_err).
 * A quote too short to hold the request's identifier is malformed (Linux: InErrors). */
static void icmp_error_to_ping(synack_stack *st, const ipv4_hdr *ip, const icmp_msg *m, size_t ihl)
{
    const uint8_t *q = m->payload;
    if (ihl < IPV4_HDR_LEN || m->payload_len < ihl + ICMP_HDR_LEN) {
        stack_count(st, SYNACK_CTR_InErrs);
        stack_drop(st, NULL, SYNACK_CTR_COUNT, "icmp-bad-quote");
        return;
    }
    const uint8_t *t = q + ihl;
    if (t[0] != ICMP_ECHO_REQUEST || t[1] != 0 || (rd16(q + 6) & 0x1fff) != 0) {
        stack_drop(st, NULL, SYNACK_CTR_COUNT, "icmp-ignored");
        return;
    }
    ping_error e = {.type = m->type,
                    .code = m->code,
                    .ours = {.v4 = rd32(q + 12), .port = rd16(t + 4)},
                    .theirs = {.v4 = rd32(q + 16)},
                    .offender = {.v4 = ip->src},
                    .echo = t};
    if (m->type == ICMP_PARAM_PROBLEM)
        e.info = m->rest >> 24; /* the pointer, as Linux's icmp_unreach reports it */
    if (m->type == ICMP_DEST_UNREACH && m->code == ICMP_CODE_FRAG_NEEDED) {
        e.info = m->rest & 0xffff;
        ip_pmtu_report(st, e.theirs.v4, e.info, rd16(q + 2));
    }
    (void)ping_err(st, &e);
}

/* The quote names a UDP datagram we sent (its IP header and at least its UDP header): its
 * socket hears of it (Linux's __udp4_lib_err), and a Fragmentation Needed lowers the path
 * MTU for later datagrams whether or not a socket hears it. */
static void icmp_error_to_udp(synack_stack *st, const ipv4_hdr *ip, const icmp_msg *m, size_t ihl)
{
    const uint8_t *q = m->payload;
    const uint8_t *t = q + ihl;
    uint8_t quote[8];
    udp_err_quote(quote, t, m->payload_len - ihl);
    ping_error e = {.type = m->type,
                    .code = m->code,
                    .ours = {.v4 = rd32(q + 12), .port = rd16(t)},
                    .theirs = {.v4 = rd32(q + 16), .port = rd16(t + 2)},
                    .offender = {.v4 = ip->src},
                    .echo = quote};
    if (e.ours.v4 != st->cfg.netif.addr && !udp_catch_all_takes(st, e.ours.v4)) {
        stack_drop(st, NULL, SYNACK_CTR_COUNT, "icmp-not-ours");
        return;
    }
    if (m->type == ICMP_PARAM_PROBLEM)
        e.info = m->rest >> 24; /* the pointer, as Linux's icmp_unreach reports it */
    if (m->type == ICMP_DEST_UNREACH && m->code == ICMP_CODE_FRAG_NEEDED) {
        e.info = m->rest & 0xffff;
        ip_pmtu_report(st, e.theirs.v4, e.info, rd16(q + 2));
    }
    udp_icmp_input(st, &e);
}

/* local: the error is our own, about a next hop that never answered (ip_link_failure). */
static void icmp_error_to_tcp(synack_stack *st, const ipv4_hdr *ip, const icmp_msg *m, int local)
{
    const uint8_t *q = m->payload;
    size_t n = m->payload_len;
    if (n < IPV4_HDR_LEN || (q[0] >> 4) != 4) {
        stack_drop(st, NULL, SYNACK_CTR_COUNT, "icmp-bad-quote");
        return;
    }
    size_t ihl = (size_t)(q[0] & 0x0f) * 4;
    if (q[9] == IP_PROTO_ICMP) {
        icmp_error_to_ping(st, ip, m, ihl);
        return;
    }
    if (q[9] == IP_PROTO_UDP && ihl >= IPV4_HDR_LEN && n >= ihl + 8) {
        icmp_error_to_udp(st, ip, m, ihl);
        return;
    }
    if (m->type == ICMP_PARAM_PROBLEM) { /* only echo and UDP sockets hear of one */
        stack_drop(st, NULL, SYNACK_CTR_COUNT, "icmp-ignored");
        return;
    }
    if (ihl < IPV4_HDR_LEN || n < ihl + 8 || q[9] != IP_PROTO_TCP) {
        stack_drop(st, NULL, SYNACK_CTR_COUNT, "icmp-bad-quote");
        return;
    }
    uint32_t src = (uint32_t)q[12] << 24 | (uint32_t)q[13] << 16 | (uint32_t)q[14] << 8 | q[15];
    uint32_t dst = (uint32_t)q[16] << 24 | (uint32_t)q[17] << 16 | (uint32_t)q[18] << 8 | q[19];
    const uint8_t *t = q + ihl;
    tcp_icmp_err e = {
        .type = m->type,
        .code = m->code,
        .next_mtu = (uint16_t)(m->rest & 0xffff),
        .quoted_len = (uint16_t)((uint16_t)q[2] << 8 | q[3]),
        .ep = {.laddr = src,
               .raddr = dst,
               .lport = (uint16_t)((uint16_t)t[0] << 8 | t[1]),
               .rport = (uint16_t)((uint16_t)t[2] << 8 | t[3])},
        .seq = (uint32_t)t[4] << 24 | (uint32_t)t[5] << 16 | (uint32_t)t[6] << 8 | t[7],
        .local = (uint8_t)local,
    };
    /* The quoted datagram must be one we sent (RFC 5927 4.1 starts with the addresses). */
    if (src != st->cfg.netif.addr) {
        stack_drop(st, NULL, SYNACK_CTR_COUNT, "icmp-not-ours");
        return;
    }
    tcp_icmp_input(st, &e);
}

static void icmp_input(synack_stack *st, const ipv4_hdr *ip)
{
    icmp_msg m;
    wire_result r = icmp_parse(ip->payload, ip->payload_len, &m);
    if (r != WIRE_OK) {
        stack_count(st, SYNACK_CTR_InErrs);
        stack_drop(st, NULL, r == WIRE_BAD_ICMP_CSUM ? SYNACK_CTR_InCsumErrors : SYNACK_CTR_COUNT,
                   wire_result_name(r));
        return;
    }
    if (m.type == ICMP_ECHO_REQUEST) {
        stack_count(st, SYNACK_CTR_InEchos);
        stack_count(st, SYNACK_CTR_OutEchoReps);
        /* the payload lives in the frame being processed, not in txbuf: safe to copy */
        icmp_send(st, ip->src, ICMP_ECHO_REPLY, 0, m.rest, m.payload, m.payload_len);
        return;
    }
    if (m.type == ICMP_ECHO_REPLY) {
        stack_count(st, SYNACK_CTR_InEchoReps);
        sock_addr from = {.v4 = ip->src}, to = {.v4 = ip->dst, .port = (uint16_t)(m.rest >> 16)};
        if (ping_input(st, &from, &to, ip->payload, ip->payload_len, ip->ttl))
            return;
    }
    if (m.type == ICMP_DEST_UNREACH || m.type == ICMP_TIME_EXCEEDED ||
        m.type == ICMP_PARAM_PROBLEM) {
        if (m.type == ICMP_DEST_UNREACH)
            stack_count(st, SYNACK_CTR_InDestUnreachs);
        icmp_error_to_tcp(st, ip, &m, 0);
        return;
    }
    stack_drop(st, NULL, SYNACK_CTR_COUNT, "icmp-ignored");
}

/* Linux's ipv4_link_failure sends itself Host Unreachable about the datagram, which its
 * ICMP input then hands to the sender (TCP, UDP, an echo socket): the same here, without
 * the detour, counted as that message would be. As for any ICMP error (RFC 1122 3.2.2),
 * none about a later fragment or about an ICMP error; the quote is what Linux's would
 * hold (576-byte message). */
void ip_link_failure(synack_stack *st, const uint8_t *pkt, size_t len)
{
    size_t ihl = len >= IPV4_HDR_LEN ? (size_t)(pkt[0] & 0x0f) * 4 : 0;
    if (ihl < IPV4_HDR_LEN || len < ihl + 8 || (pkt[0] >> 4) != 4 || (rd16(pkt + 6) & 0x1fff))
        return;
    if (pkt[9] == IP_PROTO_ICMP && pkt[ihl] != ICMP_ECHO_REQUEST && pkt[ihl] != ICMP_ECHO_REPLY)
        return;
    stack_count(st, SYNACK_CTR_OutDestUnreachs);
    stack_count(st, SYNACK_CTR_InDestUnreachs);
    size_t room = 576 - IPV4_HDR_LEN - ICMP_HDR_LEN;
    ipv4_hdr ip = {.src = st->cfg.netif.addr, .dst = st->cfg.netif.addr};
    icmp_msg m = {.type = ICMP_DEST_UNREACH,
                  .code = ICMP_CODE_HOST_UNREACH,
                  .payload = pkt,
                  .payload_len = len < room ? len : room};
    icmp_error_to_tcp(st, &ip, &m, 1);
}

static int for_us(const synack_stack *st, uint32_t dst)
{
    return dst == st->cfg.netif.addr;
}

int ip_input(synack_stack *st, const uint8_t *pkt, size_t len, const synack_rx_meta *meta)
{
    ipv4_hdr ip;
    wire_result r = ipv4_parse(pkt, len, &ip);
    /* An IPv6-only netif owns no IPv4 address: no packet is ours, whatever a catch-all
     * socket would take (the stack has no source address to answer from). */
    if ((r == WIRE_OK || r == WIRE_FRAGMENT) && st->cfg.netif.addr == 0) {
        stack_drop(st, NULL, SYNACK_CTR_InAddrErrors, "not-our-address");
        return -EINVAL;
    }
    if (r == WIRE_FRAGMENT)
        return ip_frag_input(st, pkt, &ip);
    if (r != WIRE_OK) {
        stack_drop(st, NULL, SYNACK_CTR_InHdrErrors, wire_result_name(r));
        return -EINVAL;
    }
    /* Linux's IpExt In*Pkts, by ECN codepoint (RFC 3168 5); Not-ECT, the common case, is
     * not counted. */
    static const synack_counter ecn_ctr[4] = {SYNACK_CTR_COUNT, SYNACK_CTR_InECT1Pkts,
                                              SYNACK_CTR_InECT0Pkts, SYNACK_CTR_InCEPkts};
    if (ip.tos & IP_ECN_MASK)
        stack_count(st, ecn_ctr[ip.tos & IP_ECN_MASK]);
    if (!for_us(st, ip.dst) && !(ip.proto == IP_PROTO_TCP && tcp_catch_all_takes(st, ip.dst)) &&
        !(ip.proto == IP_PROTO_UDP && udp_catch_all_takes(st, ip.dst))) {
        stack_drop(st, NULL, SYNACK_CTR_InAddrErrors, "not-our-address");
        return -EINVAL;
    }
    switch (ip.proto) {
    case IP_PROTO_TCP: {
        tcp_seg seg;
        int vouched = meta && (meta->flags & (SYNACK_RX_CSUM_VERIFIED | SYNACK_RX_CSUM_PARTIAL));
        /* Unless a device vouched for it, the payload's checksum is completed by
         * tcp_input(), fused with the copy into the receive ring where there is one. */
        uint64_t hdr_sum = 0;
        if (vouched)
            r = tcp_parse_ex(ip.payload, ip.payload_len, ip.src, ip.dst, 1, &seg);
        else
            r = tcp_parse_deferred(ip.payload, ip.payload_len, ip.src, ip.dst, &seg, &hdr_sum);
        if (r != WIRE_OK) {
            stack_count(st, SYNACK_CTR_InErrs);
            stack_drop(st, NULL,
                       r == WIRE_BAD_TCP_CSUM ? SYNACK_CTR_InCsumErrors : SYNACK_CTR_COUNT,
                       wire_result_name(r));
            return -EINVAL;
        }
        return tcp_input(st, &ip, &seg, vouched ? NULL : &hdr_sum, meta ? meta->gso_size : 0);
    }
    case IP_PROTO_ICMP:
        icmp_input(st, &ip);
        return 0;
    case IP_PROTO_UDP: {
        /* A partial sum, like TCP's, came through memory from this host: nothing to verify */
        int vouched = meta && (meta->flags & (SYNACK_RX_CSUM_VERIFIED | SYNACK_RX_CSUM_PARTIAL));
        return udp_input(st, &ip, pkt, vouched);
    }
    default:
        icmp_unreachable(st, &ip, pkt, ICMP_CODE_PROTO_UNREACH);
        stack_drop(st, NULL, SYNACK_CTR_InUnknownProtos, "unknown-protocol");
        return 0;
    }
}

int synack_input(synack_stack *st, uint64_t now, const void *frame, size_t len)
{
    return synack_input_ex(st, now, frame, len, NULL);
}

static int frame_input(synack_stack *st, const uint8_t *p, size_t len, const synack_rx_meta *meta)
{
    if (st->cfg.netif.type != SYNACK_LINK_ETHERNET) {
        /* A bare IP link: the version nibble tells the families apart. */
        if (len > 0 && (p[0] >> 4) == 6 && ip6_on(st))
            return ip6_input(st, p, len, meta);
        stack_count(st, SYNACK_CTR_InReceives);
        return ip_input(st, p, len, meta);
    }
    eth_hdr eh;
    wire_result r = eth_parse(p, len, &eh);
    int v6 = r == WIRE_UNKNOWN_ETHERTYPE && eh.ethertype == ETHERTYPE_IPV6 && st->nd_on;
    if (r != WIRE_OK && !v6) {
        stack_drop(st, NULL, SYNACK_CTR_InDiscards, wire_result_name(r));
        return -EINVAL;
    }
    static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    if (memcmp(eh.dst, st->cfg.netif.mac, 6) != 0 && memcmp(eh.dst, bcast, 6) != 0 &&
        !(v6 && ip6_mac_ours(st, eh.dst))) {
        stack_drop(st, NULL, SYNACK_CTR_COUNT, "not-our-mac");
        return 0;
    }
    if (v6)
        return ip6_input(st, p + ETH_HDR_LEN, len - ETH_HDR_LEN, meta);
    if (eh.ethertype == ETHERTYPE_ARP) {
        arp_input(st, p + ETH_HDR_LEN, len - ETH_HDR_LEN);
        return 0;
    }
    if (eh.ethertype == ETHERTYPE_IPV4) {
        stack_count(st, SYNACK_CTR_InReceives);
        return ip_input(st, p + ETH_HDR_LEN, len - ETH_HDR_LEN, meta);
    }
    stack_drop(st, NULL, SYNACK_CTR_InDiscards, "unknown-ethertype");
    return 0;
}

int synack_input_ex(synack_stack *st, uint64_t now, const void *frame, size_t len,
                    const synack_rx_meta *meta)
{
    if (!st)
        return -EINVAL;
    if (st->cb_depth > 0)
        return -EBUSY; /* a frame delivered from inside our own callback would re-enter */
    /* Arguments first: a refused call changes nothing, not even the clock. */
    if (!frame && len > 0)
        return -EFAULT;
    if (meta && (meta->flags & ~(uint32_t)(SYNACK_RX_CSUM_VERIFIED | SYNACK_RX_CSUM_PARTIAL)))
        return -EINVAL;
    int rc = synack_set_time(st, now);
    if (rc)
        return rc;
    rc = frame_input(st, frame, len, meta);
    stack_api_return(st);
    return rc;
}
