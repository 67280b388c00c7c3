/* SPDX-License-Identifier: MIT */
/* UDP datagrams in (RFC 768, RFC 1122 4.1.3): length and checksum checks, the choice of
 * socket, the receive queue bounded by SO_RCVBUF, Port Unreachable when no socket takes a
 * datagram, and ICMP errors reported to connected sockets (Linux's udp_err). */
#include <errno.h>
#include "util/sockdefs.h"
#include <string.h>

#include "stack/ready.h"
#include "udp/udp.h"
#include "wire/bytes.h"
#include "wire/checksum.h"
#include "wire/icmp.h"

int udp_catch_all_takes(const synack_stack *st, uint32_t dst)
{
    if (!st->udp || st->udp->catch_all < 0)
        return 0;
    /* Unicast only, as the TCP catch-all (tcp/hold.c): broadcast, multicast, class E,
     * "this network" and loopback destinations are nobody's (RFC 1122 3.2.1.3). */
    uint32_t top = dst >> 24;
    if (top == 0 || top == 127 || (dst >> 28) >= 0xe)
        return 0;
    uint8_t p = st->cfg.netif.prefix_len;
    if (p > 0 && p < 31) {
        uint32_t host = (1u << (32 - p)) - 1;
        if ((dst & ~host) == (st->cfg.netif.addr & ~host) && (dst & host) == host)
            return 0; /* the directed broadcast of our own subnet */
    }
    return 1;
}

/* Linux's compute_score, reduced to what a socket here can be bound to: a socket that
 * names more of the 4-tuple wins; one that names something else, or takes only the other
 * family (IPV6_V6ONLY, AF_INET), does not match. */
static int score(const synack_stack *st, const synack_sock *so, const sock_addr *d,
                 const sock_addr *s)
{
    (void)st; /* a bound socket's address is its own (laddr6), not the netif's */
    int sc = 1;
    if (!(udp_families(so) & (d->v6 ? UDP_FAM_V6 : UDP_FAM_V4)))
        return -1;
    if (!so->v6)
        sc++; /* Linux scores an AF_INET socket above a dual-stack one for IPv4 */
    if (d->v6 ? so->bound6 : so->laddr != 0) {
        if (d->v6 ? memcmp(d->a6, so->laddr6, 16) != 0 : so->laddr != d->v4)
            return -1;
        sc += 4;
    }
    const udp_sock *u = so->udp;
    if (udp_connected(u)) {
        if (u->rv6 != d->v6 || u->rport != s->port ||
            (d->v6 ? memcmp(u->raddr6, s->a6, 16) != 0 : u->raddr != s->v4))
            return -1;
        sc += 8;
    }
    return sc;
}

int udp_lookup(synack_stack *st, uint32_t daddr, uint16_t dport, uint32_t saddr, uint16_t sport)
{
    sock_addr d = {.v4 = daddr, .port = dport}, s = {.v4 = saddr, .port = sport};
    return udp_lookup_any(st, &d, &s);
}

static int lookup(synack_stack *st, int head, const sock_addr *dst, const sock_addr *src);

int udp_lookup_any(synack_stack *st, const sock_addr *dst, const sock_addr *src)
{
    if (!st->udp)
        return -1;
    return lookup(st, st->udp->chain[dst->port % UDP_HASH_BUCKETS], dst, src);
}

int ping_lookup(synack_stack *st, const sock_addr *dst, const sock_addr *src)
{
    if (!st->udp)
        return -1;
    return lookup(st, st->udp->ping_chain[dst->port % UDP_HASH_BUCKETS], dst, src);
}

static int lookup(synack_stack *st, int head, const sock_addr *dst, const sock_addr *src)
{
    uint16_t dport = dst->port;
    int best = -1, best_sc = -1;
    ipv6_addr d6;
    memcpy(d6.b, dst->a6, 16);
    int foreign = dst->v6 ? !ip6_is_our_dst(st, &d6) : dst->v4 != st->cfg.netif.addr;
    for (int i = head; i >= 0; i = st->socks[i].udp->hnext) {
        const synack_sock *so = &st->socks[i];
        if (so->lport != dport)
            continue;
        /* a socket bound to our address does not take what the catch-all got for others */
        if (foreign && !so->freebind && (dst->v6 || so->laddr != dst->v4))
            continue;
        int sc = score(st, so, dst, src);
        if (sc > best_sc) { /* the first of equals: the most recently bound, as Linux */
            best = i;
            best_sc = sc;
        }
    }
    return best;
}

int udp_enqueue(synack_stack *st, int s, const sock_addr *src, const sock_addr *dst,
                const uint8_t *data, uint32_t len, uint8_t ttl)
{
    synack_sock *so = &st->socks[s];
    udp_sock *u = so->udp;
    udp_dgram hd = {.v6 = src->v6, .len = (uint16_t)len, .ttl = ttl};
    size_t size = udp_dgram_size(&hd);
    int v6 = src->v6;
    /* Linux's __udp_enqueue_schedule_skb: refused once the queue is over SO_RCVBUF (an
     * empty queue always takes one datagram) */
    if (u->head && u->qbytes + size > so->knobs.rcvbuf) {
        if (u->ping) {
            stack_drop(st, NULL, SYNACK_CTR_PingRcvbufErrors, "ping-rcvbuf");
            return -ENOBUFS;
        }
        stack_count(st, v6 ? SYNACK_CTR_Udp6InErrors : SYNACK_CTR_UdpInErrors);
        stack_drop(st, NULL, v6 ? SYNACK_CTR_Udp6RcvbufErrors : SYNACK_CTR_UdpRcvbufErrors,
                   "udp-rcvbuf");
        return -ENOBUFS;
    }
    udp_dgram *d = st->bufmem.alloc(st->bufmem.ctx, size);
    if (!d && u->ping) {
        stack_drop(st, NULL, SYNACK_CTR_PingRcvbufErrors, "ping-no-memory");
        return -ENOBUFS;
    }
    if (!d) {
        stack_count(st, v6 ? SYNACK_CTR_Udp6InErrors : SYNACK_CTR_UdpInErrors);
        stack_drop(st, NULL, v6 ? SYNACK_CTR_Udp6RcvbufErrors : SYNACK_CTR_UdpRcvbufErrors,
                   "udp-no-memory");
        return -ENOBUFS;
    }
    *d = hd;
    d->saddr = src->v4;
    d->daddr = dst->v4;
    d->sport = src->port;
    d->dport = dst->port;
    if (v6) {
        memcpy(d + 1, src->a6, 16);
        memcpy((uint8_t *)(d + 1) + 16, dst->a6, 16);
    }
    if (len)
        memcpy(udp_dgram_data(d), data, len);
    int was_empty = u->head == NULL;
    if (u->tail)
        u->tail->next = d;
    else
        u->head = d;
    u->tail = d;
    u->qbytes += (uint32_t)size;
    if (!u->ping)
        stack_count(st, v6 ? SYNACK_CTR_Udp6InDatagrams : SYNACK_CTR_UdpInDatagrams);
    if (was_empty)
        sock_ready_raise(st, s, POLLIN);
    return 0;
}

int udp_input(synack_stack *st, const ipv4_hdr *ip, const uint8_t *pkt, int csum_ok)
{
    const uint8_t *p = ip->payload;
    size_t plen = ip->payload_len;
    uint16_t ulen = plen >= UDP_HDR_LEN ? rd16(p + 4) : 0;
    /* RFC 768: the length covers header and data; a datagram shorter than it claims, or a
     * length below the header's, is malformed (Linux: UdpInErrors). Link padding beyond
     * it is ignored. */
    if (plen < UDP_HDR_LEN || ulen < UDP_HDR_LEN || ulen > plen) {
        stack_drop(st, NULL, SYNACK_CTR_UdpInErrors, "udp-bad-length");
        return -EINVAL;
    }
    /* A zero checksum is "none computed", allowed over IPv4 (RFC 768, RFC 1122 4.1.3.4). */
    if (!csum_ok && rd16(p + 6) != 0) {
        uint64_t acc = csum_pseudo_ipv4(0, ip->src, ip->dst, 17, ulen);
        if (csum_finish(csum_add(acc, p, ulen)) != 0) {
            stack_count(st, SYNACK_CTR_UdpInErrors);
            stack_drop(st, NULL, SYNACK_CTR_UdpInCsumErrors, "udp-bad-checksum");
            return -EINVAL;
        }
    }
    uint16_t sport = rd16(p), dport = rd16(p + 2);
    int s = udp_lookup(st, ip->dst, dport, ip->src, sport);
    if (s < 0 && st->udp && st->udp->catch_all >= 0) /* IPv4 let only unicast by */
        s = st->udp->catch_all;
    if (s < 0) {
        /* RFC 1122 4.1.3.1: Port Unreachable, never for broadcast (only our own address
         * gets this far without a catch-all) */
        stack_count(st, SYNACK_CTR_UdpNoPorts);
        size_t quote = ip->hdr_len + (plen < 8 ? plen : 8);
        ip_send_unreach(st, ip->src, ICMP_CODE_PORT_UNREACH, pkt, quote);
        stack_drop(st, NULL, SYNACK_CTR_COUNT, "udp-no-port");
        return 0;
    }
    if (st->socks[s].shut_rd)
        return 0;
    sock_addr from = {.v4 = ip->src, .port = sport}, to = {.v4 = ip->dst, .port = dport};
    udp_enqueue(st, s, &from, &to, p + UDP_HDR_LEN, (uint32_t)(ulen - UDP_HDR_LEN), ip->ttl);
    return 0;
}

#ifndef ENONET /* Linux's "machine is not on the network"; newlib has none */
#define ENONET EHOSTUNREACH
#endif

/* The errno an ICMP error stands for, and whether it is hard (Linux's icmp_err_convert:
 * only those are reported to a socket without IP_RECVERR). */
int icmp_errno(uint8_t type, uint8_t code, int *hard)
{
    *hard = 0;
    if (type == ICMP_TIME_EXCEEDED)
        return EHOSTUNREACH;
    if (type != ICMP_DEST_UNREACH)
        return 0;
    static const struct {
        int err, hard;
    } tab[16] = {
        {ENETUNREACH, 0},  {EHOSTUNREACH, 0}, {ENOPROTOOPT, 1},  {ECONNREFUSED, 1},
        {EMSGSIZE, 0},     {EOPNOTSUPP, 0},   {ENETUNREACH, 1},  {EHOSTDOWN, 1},
        {ENONET, 1},       {ENETUNREACH, 1},  {EHOSTUNREACH, 1}, {ENETUNREACH, 0},
        {EHOSTUNREACH, 0}, {EHOSTUNREACH, 1}, {EHOSTUNREACH, 1}, {EHOSTUNREACH, 1},
    };
    if (code > 15)
        return 0;
    *hard = tab[code].hard;
    return tab[code].err;
}

void udp_icmp_input(synack_stack *st, const ping_error *e)
{
    /* the datagram's sender: the socket that would receive the reply, so our end is the
     * lookup's destination */
    int s = udp_lookup(st, e->ours.v4, e->ours.port, e->theirs.v4, e->theirs.port);
    if (s < 0) {
        stack_drop(st, NULL, SYNACK_CTR_COUNT, "icmp-udp-no-socket");
        return;
    }
    (void)udp_sock_err(st, s, e);
}
