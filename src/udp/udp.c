/* SPDX-License-Identifier: MIT */
/* UDP sockets (RFC 768, RFC 1122 4.1): ports, the default peer of connect(), sending one
 * datagram per call (fragmented at the source when it exceeds the path MTU and the
 * socket allows it, as Linux's IP_PMTUDISC_WANT) and the bounded receive queue. The port
 * space is UDP's own, apart from TCP's, as in Linux. */
#include <errno.h>
#include "util/sockdefs.h"
#include <string.h>

#include "stack/ready.h"
#include "udp/udp.h"
#include "wire/bytes.h"
#include "wire/checksum.h"

static udp_table *table(synack_stack *st)
{
    if (st->udp)
        return st->udp;
    udp_table *t = stack_alloc(st, sizeof(*t));
    if (!t)
        return NULL;
    for (int i = 0; i < UDP_HASH_BUCKETS; i++)
        t->chain[i] = t->ping_chain[i] = -1;
    t->catch_all = -1;
    st->udp = t;
    return t;
}

int udp_open(synack_stack *st, synack_sock *so)
{
    if (!table(st))
        return -ENOMEM;
    udp_sock *u = stack_alloc(st, sizeof(*u));
    if (!u)
        return -ENOMEM;
    memset(u, 0, sizeof(*u));
    u->hnext = -1;
    so->udp = u;
    return 0;
}

int *udp_chain(udp_table *t, const udp_sock *u, uint16_t port)
{
    return &(u->ping ? t->ping_chain : t->chain)[port % UDP_HASH_BUCKETS];
}

static void unhash(synack_stack *st, int s)
{
    udp_sock *u = st->socks[s].udp;
    if (!u->hashed)
        return;
    int *pp = udp_chain(st->udp, u, st->socks[s].lport);
    while (*pp != s)
        pp = &st->socks[*pp].udp->hnext;
    *pp = u->hnext;
    u->hnext = -1;
    u->hashed = 0;
}

static void hash(synack_stack *st, int s)
{
    udp_sock *u = st->socks[s].udp;
    int *head = udp_chain(st->udp, u, st->socks[s].lport);
    u->hnext = *head;
    *head = s;
    u->hashed = 1;
}

static void queue_free(synack_stack *st, udp_sock *u)
{
    while (u->head) {
        udp_dgram *d = u->head;
        u->head = d->next;
        st->bufmem.free(st->bufmem.ctx, d, udp_dgram_size(d));
    }
    u->tail = NULL;
    u->qbytes = 0;
}

void udp_release(synack_stack *st, int s)
{
    synack_sock *so = &st->socks[s];
    udp_sock *u = so->udp;
    if (!u)
        return;
    unhash(st, s);
    if (st->udp->catch_all == s)
        st->udp->catch_all = -1;
    queue_free(st, u);
    stack_free(st, u, sizeof(*u));
    so->udp = NULL;
}

void udp_destroy(synack_stack *st)
{
    for (uint32_t i = 0; i < st->cfg.max_sockets; i++)
        if (st->socks[i].in_use && st->socks[i].udp)
            udp_release(st, (int)i);
    if (st->udp)
        stack_free(st, st->udp, sizeof(*st->udp));
    st->udp = NULL;
}

int udp_families(const synack_sock *so)
{
    if (!so->v6 || so->udp->v4only)
        return UDP_FAM_V4;
    if (so->bound6 || so->v6only)
        return UDP_FAM_V6;
    return UDP_FAM_V4 | UDP_FAM_V6;
}

/* Whether a UDP socket other than self holds port (SO_REUSEADDR on both lets them share,
 * as Linux's UDP). An IPv4-only and an IPv6-only socket never collide (Linux's
 * ipv6_rcv_saddr_equal: a v6-only socket shares a port with an AF_INET one). */
static int port_taken(synack_stack *st, int self, uint16_t port, int reuse)
{
    int fams = udp_families(&st->socks[self]);
    for (int i = *udp_chain(st->udp, st->socks[self].udp, port); i >= 0;
         i = st->socks[i].udp->hnext) {
        const synack_sock *o = &st->socks[i];
        if (i != self && o->lport == port && !(reuse && o->reuseaddr) && (udp_families(o) & fams))
            return 1;
    }
    return 0;
}

/* RFC 6056 3.3.2 (Algorithm 2's simple form): a random start, then a linear search. */
static int pick_port(synack_stack *st, int s)
{
    uint32_t lo = st->cfg.ephemeral_lo, span = (uint32_t)st->cfg.ephemeral_hi - lo + 1;
    uint32_t start = rng_below(&st->rng, span);
    for (uint32_t i = 0; i < span; i++) {
        uint16_t port = (uint16_t)(lo + (start + i) % span);
        if (!port_taken(st, s, port, 0))
            return port;
    }
    return -EAGAIN; /* Linux's answer when the ephemeral range is exhausted */
}

int udp_bind(synack_stack *st, int s, uint32_t ip, uint16_t port)
{
    synack_sock *so = &st->socks[s];
    if (so->bound)
        return -EINVAL;
    if (ip != 0 && ip != st->cfg.netif.addr && !so->freebind)
        return -EADDRNOTAVAIL;
    if (port == 0) {
        int p = pick_port(st, s);
        if (p < 0)
            return p;
        port = (uint16_t)p;
    } else if (port_taken(st, s, port, so->reuseaddr)) {
        return -EADDRINUSE;
    }
    so->bound = 1;
    so->laddr = ip;
    so->lport = port;
    hash(st, s);
    return 0;
}

int udp_bind6(synack_stack *st, int s, const sock_addr *a)
{
    static const uint8_t zero[16];
    synack_sock *so = &st->socks[s];
    if (so->bound)
        return -EINVAL;
    if (!a->v6) {
        if (a->mapped && so->v6only)
            return -EINVAL; /* Linux: a v6-only socket cannot take an IPv4 address */
        /* ::ffff:a.b.c.d: IPv4 only from then on; the wildcard :: takes both */
        so->udp->v4only = a->mapped;
        int rc = udp_bind(st, s, a->v4, a->port);
        if (rc)
            so->udp->v4only = 0;
        return rc;
    }
    int ours = sock_ours6(st, a->a6);
    if (!ours && memcmp(a->a6, zero, 16) != 0)
        return -EADDRNOTAVAIL;
    so->bound6 = (uint8_t)ours;
    memcpy(so->laddr6, a->a6, 16);
    int rc = udp_bind(st, s, 0, a->port);
    if (rc)
        so->bound6 = 0;
    return rc;
}

/* An unbound socket that sends or connects gets an ephemeral port (Linux's autobind). */
static int autobind(synack_stack *st, int s)
{
    return st->socks[s].bound ? 0 : udp_bind(st, s, 0, 0);
}

/* A destination address: 0, -EINVAL (short), -EAFNOSUPPORT. */
static int sin_read(const struct sockaddr *addr, synack_socklen_t len, uint16_t *fam, uint32_t *ip,
                    uint16_t *port)
{
    if (!addr || len < (synack_socklen_t)sizeof(uint16_t))
        return -EINVAL;
    struct sockaddr_in sin;
    memset(&sin, 0, sizeof(sin));
    memcpy(&sin, addr, len < sizeof(sin) ? len : sizeof(sin));
    *fam = sin.sin_family;
    if (sin.sin_family == AF_INET && len < (synack_socklen_t)sizeof(sin))
        return -EINVAL;
    *ip = ntohl(sin.sin_addr.s_addr);
    *port = ntohs(sin.sin_port);
    return 0;
}

static void sin_write(struct sockaddr *addr, synack_socklen_t *len, uint32_t ip, uint16_t port)
{
    if (!addr || !len)
        return;
    struct sockaddr_in sin;
    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(ip);
    sin.sin_port = htons(port);
    size_t n = *len < sizeof(sin) ? *len : sizeof(sin);
    memcpy(addr, &sin, n);
    *len = sizeof(sin);
}

/* A destination of socket so in its family: 0 with *out set, 1 for AF_UNSPEC, or the
 * negative errno. An AF_INET6 socket takes a sockaddr_in6 (IPv4 as ::ffff:a.b.c.d) or, as
 * Linux's udpv6_sendmsg and ip6_datagram_connect do, a sockaddr_in for IPv4. */
static int dest_read(const synack_stack *st, const synack_sock *so, const struct sockaddr *addr,
                     synack_socklen_t len, int connect, sock_addr *out)
{
    static const uint8_t zero[16];
    uint16_t fam = 0;
    memset(out, 0, sizeof(*out));
    if (!so->v6 || (addr && len >= (synack_socklen_t)sizeof(fam) &&
                    (memcpy(&fam, addr, sizeof(fam)), fam == AF_INET))) {
        int rc = sin_read(addr, len, &fam, &out->v4, &out->port);
        if (rc)
            return rc;
        if (fam == 0)
            return 1;
        if (fam != AF_INET)
            return -EAFNOSUPPORT;
        if (so->v6 && so->v6only)
            return connect ? -EAFNOSUPPORT : -ENETUNREACH;
        out->mapped = (uint8_t)so->v6;
    } else if (fam == 0 && addr && len >= (synack_socklen_t)sizeof(fam)) {
        return 1;
    } else {
        int rc = sock_addr_from(so, addr, len, out);
        if (rc)
            return rc;
        if (out->mapped && so->v6only)
            return -ENETUNREACH; /* as Linux's udpv6_sendmsg and ip6_datagram_connect */
    }
    if (out->v6) {
        if (memcmp(out->a6, zero, 16) == 0)
            return -EINVAL; /* :: would be loopback in Linux; there is none here */
        if (!ip6_on(st) || out->a6[0] == 0xff)
            return -ENETUNREACH; /* no IPv6 address; multicast is not supported */
        if (so->udp->v4only)
            return -EADDRNOTAVAIL; /* bound to an IPv4 address (as TCP's connect) */
    } else if (so->bound6) {
        return -EADDRNOTAVAIL;
    } else if (st->cfg.netif.addr == 0 || (out->v4 >> 28) == 0xe) {
        /* IPv6-only, or a multicast group (not supported): no IPv4 route, as Linux has
         * none without an address or a multicast route */
        return -ENETUNREACH;
    }
    return 0;
}

int udp_connect(synack_stack *st, int s, const struct sockaddr *addr, synack_socklen_t len)
{
    synack_sock *so = &st->socks[s];
    udp_sock *u = so->udp;
    sock_addr to;
    int rc = dest_read(st, so, addr, len, 1, &to);
    if (rc < 0)
        return rc;
    if (rc == 1) { /* AF_UNSPEC dissolves the association (Linux's udp_disconnect) */
        u->raddr = 0;
        u->rport = 0;
        u->rv6 = 0;
        memset(u->raddr6, 0, sizeof(u->raddr6));
        return 0;
    }
    if ((to.port == 0 && !u->ping) || (!to.v6 && to.v4 == 0))
        return -EINVAL; /* Linux connects to 0.0.0.0 as loopback; there is none here */
    if ((rc = autobind(st, s)) != 0)
        return rc;
    u->rv6 = to.v6;
    u->raddr = to.v6 ? 0 : to.v4;
    memcpy(u->raddr6, to.v6 ? to.a6 : (const uint8_t[16]){0}, 16);
    u->rport = u->ping ? 0 : to.port; /* a reply names no port */
    u->err = 0;
    return 0;
}

int udp_peer(const synack_sock *so, sock_addr *peer)
{
    const udp_sock *u = so->udp;
    if (!udp_connected(u))
        return -ENOTCONN;
    memset(peer, 0, sizeof(*peer));
    peer->v6 = u->rv6;
    peer->v4 = u->raddr;
    memcpy(peer->a6, u->raddr6, 16);
    peer->port = u->rport;
    return 0;
}

int udp_take_error(synack_sock *so)
{
    int e = so->udp->err;
    so->udp->err = 0;
    return e;
}

/* Builds and sends one datagram from src:sport to dst:dport. */
static long emit(synack_stack *st, const synack_sock *so, uint32_t src, uint16_t sport,
                 uint32_t dst, uint16_t dport, const uint8_t *buf, size_t len)
{
    uint16_t ulen = (uint16_t)(UDP_HDR_LEN + len);
    uint32_t total = (uint32_t)ulen + IPV4_HDR_LEN;
    uint8_t hdr[UDP_HDR_LEN];
    wr16(hdr, sport);
    wr16(hdr + 2, dport);
    wr16(hdr + 4, ulen);
    wr16(hdr + 6, 0);
    uint64_t acc = csum_pseudo_ipv4(0, src, dst, 17, ulen);
    acc = csum_add(acc, hdr, UDP_HDR_LEN);
    uint32_t path = ip_pmtu_get(st, dst);
    uint8_t pmtud = so->knobs.pmtudisc;
    if (total > path) {
        /* IP_PMTUDISC_DO refuses what exceeds the path MTU, PROBE what exceeds the
         * link's; WANT and DONT fragment (Linux's __ip_append_data). */
        if (pmtud == IP_PMTUDISC_DO || ((pmtud == IP_PMTUDISC_PROBE || pmtud == IP_PMTUDISC_OMIT) &&
                                        total > st->cfg.netif.mtu))
            return -EMSGSIZE;
    }
    uint32_t mtu = pmtud >= IP_PMTUDISC_PROBE ? st->cfg.netif.mtu : path;
    st->tx_tos = so->knobs.tos;
    st->tx_hops = knobs_tx_hops(&so->knobs, 0);
    int rc;
    if (total > mtu) {
        uint16_t sum = csum_finish(csum_add(acc, buf, len));
        wr16(hdr + 6, sum ? sum : 0xffff); /* 0 means "no checksum" (RFC 768) */
        rc = ip_output_frags(st, src, dst, 17, hdr, UDP_HDR_LEN, buf, len, mtu);
    } else {
        uint8_t *l4 = st->txbuf + ip_headroom(st);
        memcpy(l4, hdr, UDP_HDR_LEN);
        uint16_t sum = csum_finish(csum_copy(acc, l4 + UDP_HDR_LEN, buf, len));
        wr16(l4 + 6, sum ? sum : 0xffff);
        /* DF unless IP_PMTUDISC_DONT: a datagram that fits goes whole (as Linux) */
        st->tx_nodf = pmtud == IP_PMTUDISC_DONT;
        rc = ip_output_src(st, src, dst, 17, l4, ulen, NULL, 0);
        st->tx_nodf = 0;
    }
    st->tx_tos = 0;
    st->tx_hops = 0;
    if (rc < 0 && rc != -EAGAIN)
        return rc;
    stack_count(st, SYNACK_CTR_UdpOutDatagrams);
    return (long)len;
}

#define UDP_SEND_FLAGS (MSG_DONTWAIT | MSG_NOSIGNAL)

long udp_sendto(synack_stack *st, int s, const void *buf, size_t len, int flags,
                const struct sockaddr *from, synack_socklen_t fromlen, const struct sockaddr *to,
                synack_socklen_t tolen)
{
    synack_sock *so = &st->socks[s];
    udp_sock *u = so->udp;
    if (flags & MSG_OOB)
        return -EOPNOTSUPP;
    if (flags & ~UDP_SEND_FLAGS)
        return -EINVAL;
    if (u->err) /* an ICMP error on the association comes first (Linux's sock_error) */
        return -udp_take_error(so);
    sock_addr d, f;
    int rc = to ? dest_read(st, so, to, tolen, 0, &d) : 1;
    if (rc < 0)
        return rc;
    if (rc == 1 && to && !so->v6)
        return -EAFNOSUPPORT; /* (an AF_INET6 socket's AF_UNSPEC is no address, as Linux) */
    if (rc == 0) {
        if (d.port == 0 && !u->ping)
            return -EINVAL;
    } else {
        if (udp_peer(so, &d) != 0)
            return -EDESTADDRREQ;
    }
    if (!buf && len)
        return -EFAULT;
    if (len > (d.v6 ? UDP6_MAX_PAYLOAD : UDP_MAX_PAYLOAD))
        return -EMSGSIZE;
    if (u->ping && (rc = ping_check(so, &d, buf, len)) != 0)
        return rc;
    uint32_t src = so->laddr ? so->laddr : st->cfg.netif.addr;
    uint8_t src6[16];
    memcpy(src6, st->cfg.netif.addr6, 16);
    uint16_t sport;
    if (from) {
        rc = dest_read(st, so, from, fromlen, 0, &f);
        if (rc)
            return rc == 1 ? -EAFNOSUPPORT : rc;
        if (!u->catch_all || f.port == 0 || (!f.v6 && f.v4 == 0))
            return -EINVAL;
        if (f.v6 != d.v6)
            return -EINVAL; /* a datagram has one family */
        src = f.v4;
        memcpy(src6, f.a6, 16);
        sport = f.port;
    } else {
        rc = autobind(st, s);
        if (rc)
            return rc;
        sport = so->lport;
        /* the bound address, else RFC 6724 5's choice (netif.addr6 when none is in use) */
        int ll_dst = d.v6 && !so->bound6 && st->cfg.netif.type == SYNACK_LINK_ETHERNET &&
                     d.a6[0] == 0xfe && (d.a6[1] & 0xc0) == 0x80;
        if (so->bound6)
            memcpy(src6, so->laddr6, 16);
        else if (d.v6 && ip6_select_src(st, d.a6, src6) < 0 && !ll_dst)
            return -EADDRNOTAVAIL; /* IPv6 on, no address in use (never from ::) */
        /* RFC 6724 rule 2, as Linux picks: a link-local destination hears from our
         * link-local address (Ethernet has one), unless the socket is bound to addr6 */
        if (ll_dst) {
            ipv6_addr ll;
            ip6_link_local(st, &ll);
            memcpy(src6, ll.b, 16);
        }
    }
    if (u->ping)
        return ping_emit(st, so, &d, src, src6, sport, buf, len);
    if (d.v6)
        return udp6_emit(st, so, src6, sport, d.a6, d.port, buf, len);
    return emit(st, so, src, sport, d.v4, d.port, buf, len);
}

#define UDP_RECV_FLAGS (MSG_DONTWAIT | MSG_PEEK | MSG_TRUNC)

long udp_recvfrom(synack_stack *st, int s, void *buf, size_t len, int flags, struct sockaddr *src,
                  synack_socklen_t *srclen, struct sockaddr *dst, synack_socklen_t *dstlen,
                  synack_recv_info *info)
{
    synack_sock *so = &st->socks[s];
    udp_sock *u = so->udp;
    if (flags & MSG_OOB)
        return -EOPNOTSUPP;
    if (flags & ~UDP_RECV_FLAGS)
        return -EINVAL;
    if (u->err)
        return -udp_take_error(so);
    udp_dgram *d = u->head;
    if (!d)
        return so->shut_rd ? 0 : -EAGAIN;
    if (!buf && len)
        return -EFAULT;
    size_t n = len < d->len ? len : d->len;
    if (n)
        memcpy(buf, udp_dgram_data(d), n);
    if (so->v6) {
        sock_addr a = {.v6 = d->v6, .v4 = d->saddr, .port = d->sport};
        if (d->v6)
            memcpy(a.a6, d + 1, 16);
        sock_addr_to(so, src, srclen, &a);
        a = (sock_addr){.v6 = d->v6, .v4 = d->daddr, .port = d->dport};
        if (d->v6)
            memcpy(a.a6, (const uint8_t *)(d + 1) + 16, 16);
        sock_addr_to(so, dst, dstlen, &a);
    } else {
        sin_write(src, srclen, d->saddr, d->sport);
        sin_write(dst, dstlen, d->daddr, d->dport);
    }
    /* Linux's udp(v6)_recvmsg: an IPv4 datagram gets IP_* control messages, an IPv6 one
     * IPV6_* ones, whatever the socket's family */
    if (info && !d->v6 && u->recvttl) {
        info->flags |= SYNACK_RECV_TTL;
        info->ttl = d->ttl;
    } else if (info && d->v6 && u->rxhlim) {
        info->flags |= SYNACK_RECV_HOPLIMIT;
        info->hoplimit = d->ttl;
    }
    long ret = (flags & MSG_TRUNC) ? (long)d->len : (long)n;
    if (!(flags & MSG_PEEK)) {
        u->head = d->next;
        if (!u->head)
            u->tail = NULL;
        u->qbytes -= (uint32_t)udp_dgram_size(d);
        st->bufmem.free(st->bufmem.ctx, d, udp_dgram_size(d));
    }
    return ret;
}

int udp_unreach(synack_stack *st, int s, const struct sockaddr *client, synack_socklen_t clen,
                const struct sockaddr *dst, synack_socklen_t dlen, int code)
{
    const synack_sock *so = &st->socks[s];
    sock_addr c, d;
    int rc = dest_read(st, so, client, clen, 0, &c);
    if (rc == 0)
        rc = dest_read(st, so, dst, dlen, 0, &d);
    if (rc)
        return rc == 1 ? -EAFNOSUPPORT : rc;
    if (!so->udp->catch_all || !c.port || !d.port || c.v6 != d.v6)
        return -EINVAL;
    if (c.v6) /* an ICMPv6 Destination Unreachable code (RFC 4443 3.1: 4 is the port) */
        return code < 0 || code > 6 ? -EINVAL : udp6_unreach(st, &c, &d, (uint8_t)code);
    uint32_t cip = c.v4, dip = d.v4;
    uint16_t cport = c.port, dport = d.port;
    if (code < 0 || code > 15 || !cip)
        return -EINVAL;
    /* The datagram itself is gone: its IP header and UDP ports are what the client's stack
     * matches an error against (RFC 1122 3.2.2, 4.1.3.3), so those are quoted. */
    uint8_t quote[IPV4_HDR_LEN + UDP_HDR_LEN];
    ipv4_hdr h = {.ttl = 64, .proto = 17, .src = cip, .dst = dip};
    ipv4_emit(quote, sizeof(quote), &h, UDP_HDR_LEN);
    uint8_t *u = quote + IPV4_HDR_LEN;
    wr16(u, cport);
    wr16(u + 2, dport);
    wr16(u + 4, UDP_HDR_LEN);
    wr16(u + 6, 0);
    ip_send_unreach(st, cip, (uint8_t)code, quote, sizeof(quote));
    return 0;
}

short udp_poll(const synack_sock *so)
{
    const udp_sock *u = so->udp;
    short ev = POLLOUT; /* a datagram is sent or dropped at once: never a full buffer */
    if (u->head || so->shut_rd)
        ev |= POLLIN;
    if (u->err)
        ev |= POLLERR;
    return ev;
}

int udp_setopt(synack_stack *st, int s, int name, int v)
{
    synack_sock *so = &st->socks[s];
    if (name != SYNACK_UDP_CATCH_ALL || so->udp->ping)
        return -ENOPROTOOPT;
    if (v < 0 || v > 1)
        return -EINVAL;
    int cur = st->udp->catch_all;
    if (v && cur >= 0 && cur != s)
        return -EADDRINUSE; /* one per stack */
    so->udp->catch_all = (uint8_t)v;
    st->udp->catch_all = v ? s : (cur == s ? -1 : cur);
    return 0;
}
