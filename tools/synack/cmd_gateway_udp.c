/* SPDX-License-Identifier: MIT */
/* synack gateway, UDP: the stack's catch-all UDP socket (SYNACK_UDP_CATCH_ALL) receives
 * every datagram the namespace sends elsewhere, with its original destination; each
 * (namespace address:port, destination address:port) pair is a flow with a host UDP socket
 * connected to the destination (or, for the DNS address, to the host's resolver). Replies
 * on that socket go back into the namespace from the destination the client addressed
 * (synack_sendto_from). The table is bounded (the least recently used flow is evicted,
 * counted) and flows expire when idle (cmd_gateway_udp.h gives the conventions). IPv6 is
 * the same through AF_INET6 host sockets (a dual-stack catch-all), and --forward udp:
 * datagrams come in on a host socket per forward, each host peer with its own port of the
 * gateway's address so the namespace's replies find it. With --socks5 a flow's host socket
 * is connected to the proxy's UDP relay instead, through an association of its own
 * (cmd_gateway_socks5udp.c); the table, its limits and timeouts stay the same. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cmd_gateway_events.h"
#include "cmd_gateway_socks5udp.h"
#include "cmd_gateway_udp.h"

/* A flow's two ends as the namespace sees them; IPv4 ones leave the 16-byte fields zero. */
typedef struct udp_key {
    uint8_t v6;
    uint32_t caddr, daddr; /* the namespace's end, the destination it addressed */
    uint8_t c6[16], d6[16];
    uint16_t cport, dport;
} udp_key;

typedef struct udp_flow {
    int fd; /* host socket, -1: free */
    udp_key k;
    uint8_t replied; /* a reply came: a stream */
    uint8_t dns;     /* to the DNS address */
    uint64_t last;   /* last datagram either way */
} udp_flow;

/* One host peer of a --forward udp: (its address as recvfrom gave it). */
typedef struct fwd_peer {
    struct sockaddr_storage sa; /* ss_family 0: free */
    socklen_t len;
    uint8_t replied;
    uint64_t last;
} fwd_peer;

typedef struct udp_fwd {
    int fd; /* the host socket bound to the forward's port */
    const gw_forward *spec;
    fwd_peer p[GW_UDP_FWD_PEERS];
} udp_fwd;

struct gw_udp {
    synack_stack *st;
    int s; /* the catch-all */
    gw_udp_opts o;
    udp_flow *f;
    uint32_t open;
    uint32_t hi;       /* flows from here on are all free: the per-round scans stop here */
    struct pollfd *pf; /* what the last gw_udp_pollfds filled, read back at the next step */
    uint32_t *pf_flow; /* the flow of each pf entry; max_flows + i: forward i */
    int npf;
    udp_fwd fw[GW_MAX_FORWARDS];
    uint32_t nfw;
    gw_udp_stats stats;
    gw_s5u_flow *sx; /* --socks5: each flow's association (f's index), else NULL */
    uint8_t buf[65536];
};

static int fwd_open(gw_udp *u, const gw_forward *spec)
{
    udp_fwd *w = &u->fw[u->nfw];
    memset(w, 0, sizeof(*w));
    w->spec = spec;
    struct sockaddr_in a = {.sin_family = AF_INET,
                            .sin_port = htons(spec->host_port),
                            .sin_addr = {htonl(spec->host_addr)}};
    struct sockaddr_in6 a6 = {.sin6_family = AF_INET6, .sin6_port = htons(spec->host_port)};
    int one = 1;
    w->fd = socket(spec->v6 ? AF_INET6 : AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (w->fd < 0 ||
        (spec->v6 && setsockopt(w->fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) != 0) ||
        (spec->v6 ? bind(w->fd, (struct sockaddr *)&a6, sizeof(a6))
                  : bind(w->fd, (struct sockaddr *)&a, sizeof(a))) != 0) {
        fprintf(stderr, "synack gateway: --forward %s:%u:%u: %s\n", spec->v6 ? "udp6" : "udp",
                spec->host_port, spec->ns_port, strerror(errno));
        if (w->fd >= 0)
            close(w->fd);
        return -1;
    }
    u->nfw++;
    return 0;
}

gw_udp *gw_udp_new(synack_stack *st, const gw_udp_opts *o)
{
    gw_udp *u = calloc(1, sizeof(*u));
    if (!u)
        return NULL;
    u->st = st;
    u->o = *o;
    u->f = calloc(o->max_flows, sizeof(*u->f));
    /* pf_flow: the flows, the forwards, then (--socks5) the flows' control connections */
    u->pf_flow = calloc(2 * o->max_flows + GW_MAX_FORWARDS, sizeof(*u->pf_flow));
    if (o->go && o->go->socks5_salen && o->stats)
        u->sx = calloc(o->max_flows, sizeof(*u->sx));
    int one = 1;
    /* one catch-all per stack: with IPv6 a dual-stack one, IPv4 arriving as ::ffff:a.b.c.d */
    int v6 = o->go && o->go->ipv6;
    u->s = v6 ? synack_socket_domain(st, SYNACK_AF_INET6, SYNACK_SOCK_DGRAM)
              : synack_socket(st, SYNACK_SOCK_DGRAM);
    for (uint32_t i = 0; i < o->max_flows && u->f; i++)
        u->f[i].fd = -1;
    int bad = !u->f || !u->pf_flow || u->s < 0 || (o->go && o->go->socks5_salen && !u->sx) ||
              synack_setsockopt(st, u->s, SYNACK_IPPROTO_UDP, SYNACK_UDP_CATCH_ALL, &one,
                                sizeof(one)) != 0;
    for (uint32_t i = 0; !bad && o->go && i < o->go->nfwd; i++)
        if (o->go->fwd[i].udp)
            bad = fwd_open(u, &o->go->fwd[i]) != 0;
    if (bad) {
        gw_udp_free(u);
        return NULL;
    }
    return u;
}

static void flow_close(gw_udp *u, udp_flow *f)
{
    if (u->sx)
        gw_s5u_close(&u->sx[f - u->f]);
    gw_fd_close(f->fd);
    f->fd = -1;
    u->open--;
    while (u->hi > 0 && u->f[u->hi - 1].fd < 0)
        u->hi--;
}

void gw_udp_free(gw_udp *u)
{
    if (!u)
        return;
    for (uint32_t i = 0; u->f && i < u->o.max_flows; i++)
        if (u->f[i].fd >= 0)
            flow_close(u, &u->f[i]);
    for (uint32_t i = 0; i < u->nfw; i++)
        close(u->fw[i].fd);
    if (u->s >= 0)
        synack_close(u->st, u->s);
    free(u->f);
    free(u->sx);
    free(u->pf_flow);
    free(u);
}

uint32_t gw_resolv_conf(const char *path)
{
    FILE *fp = fopen(path, "r");
    if (!fp)
        return 0;
    char line[256], addr[64];
    uint32_t found = 0;
    while (!found && fgets(line, sizeof(line), fp)) {
        struct in_addr in;
        if (sscanf(line, " nameserver %63s", addr) == 1 && inet_pton(AF_INET, addr, &in) == 1)
            found = ntohl(in.s_addr);
    }
    fclose(fp);
    return found;
}

/* Addresses a namespace may not reach through the gateway: this host's loopback and
 * "this network" (the host would answer as itself), multicast and broadcast (no flow can
 * own them), and the gateway's own address, which means nothing on the host. */
static int blocked(const gw_udp *u, uint32_t a)
{
    return (a >> 24) == 127 || (a >> 24) == 0 || a >= 0xe0000000u || a == u->o.gw;
}

int gw_udp_dest6(const gw_udp_opts *o, const uint8_t dst[16], uint16_t dport,
                 struct sockaddr_in6 *to)
{
    if (!o->go || !o->go->ipv6)
        return GW_UDP6_DROP;
    int gw = memcmp(dst, o->go->gw6, 16) == 0;
    /* the DNS address is the gateway itself (slirp4netns has fd00::3 besides it; one
     * address less to answer Neighbor Solicitations for) */
    if (gw && dport == 53 && o->dns)
        return o->dns_server ? GW_UDP6_DNS : GW_UDP6_UNREACH;
    synack_endpoints ep = {.family = SYNACK_AF_INET6, .lport = dport};
    memcpy(ep.laddr6, dst, 16);
    struct sockaddr_storage sa;
    socklen_t len;
    int r = gw_dest_sa(o->go, &ep, &sa, &len);
    if (r < 0)
        return gw ? GW_UDP6_UNREACH : GW_UDP6_DROP;
    memcpy(to, &sa, sizeof(*to));
    return r ? GW_UDP6_LOOPBACK : GW_UDP6_RELAY;
}

static uint64_t timeout(const udp_flow *f)
{
    return f->dns ? GW_UDP_DNS_US : f->replied ? GW_UDP_STREAM_US : GW_UDP_UNREPLIED_US;
}

static udp_flow *lookup(gw_udp *u, const udp_key *k)
{
    for (uint32_t i = 0; i < u->hi; i++) {
        udp_flow *f = &u->f[i];
        if (f->fd >= 0 && memcmp(&f->k, k, sizeof(*k)) == 0)
            return f;
    }
    return NULL;
}

/* Flow f's client hears port unreachable from the destination it addressed: the honest
 * answer when the proxy gives it no association (a host without that port would say so). */
static void socks_refuse(gw_udp *u, const udp_flow *f);

/* --socks5: flow f (its destination `to`) starts its association. */
static void socks_start(gw_udp *u, udp_flow *f, const struct sockaddr *to)
{
    const gw_opts *g = u->o.go;
    gw_s5u_flow *x = &u->sx[f - u->f];
    uint64_t deadline = f->last + (uint64_t)g->connect_ms * 1000;
    if (gw_s5u_start(x, (const struct sockaddr *)&g->socks5_sa, g->socks5_salen, g->socks5_user,
                     g->socks5_pass, deadline) != 0)
        u->o.stats->socks_udp[GW_S5_PROXY_DOWN]++;
    if (to->sa_family == AF_INET6) {
        const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)(const void *)to;
        x->alen = 16;
        memcpy(x->dst, &a->sin6_addr, 16);
        x->dport = ntohs(a->sin6_port);
    } else {
        const struct sockaddr_in *a = (const struct sockaddr_in *)(const void *)to;
        x->alen = 4;
        memcpy(x->dst, &a->sin_addr, 4);
        x->dport = ntohs(a->sin_port);
    }
}

/* --socks5: datagram p[0..n) through flow f's ready association, counted. */
static void socks_send(gw_udp *u, udp_flow *f, const uint8_t *p, size_t n)
{
    const gw_s5u_flow *x = &u->sx[f - u->f];
    int rc = gw_s5u_send(f->fd, x->relay_v6, x->dst, x->alen, x->dport, p, n);
    if (rc == -EMSGSIZE)
        u->o.stats->s5u_oversize++;
    else if (rc < 0)
        u->stats.errors++;
    else
        u->stats.up++;
}

/* --socks5: datagram u->buf[0..n) through flow f's association, held while it is being
 * set up (one at a time), refused once it failed. */
static void socks_out(gw_udp *u, udp_flow *f, size_t n)
{
    gw_s5u_flow *x = &u->sx[f - u->f];
    gw_stats *s = u->o.stats;
    if (x->state == GW_S5U_FAILED) {
        s->s5u_unreach++;
        socks_refuse(u, f);
        return;
    }
    if (x->state != GW_S5U_READY) {
        if (gw_s5u_hold(x, u->buf, n) != 0)
            s->s5u_queue_drops++;
        return;
    }
    socks_send(u, f, u->buf, n);
}

/* --socks5: flow f's control connection is ready (or its deadline passed). */
static void socks_ctl(gw_udp *u, udp_flow *f, uint64_t now)
{
    gw_s5u_flow *x = &u->sx[f - u->f];
    gw_stats *s = u->o.stats;
    int held = x->pend != NULL;
    switch (gw_s5u_step(x, &f->fd, (const struct sockaddr *)&u->o.go->socks5_sa, now)) {
    case GW_S5U_NOW_READY:
        s->socks_udp[GW_S5_OK]++;
        if (held) {
            uint8_t *p = x->pend;
            x->pend = NULL;
            socks_send(u, f, p, x->pend_len);
            free(p);
        }
        break;
    case GW_S5U_NOW_FAILED:
        s->socks_udp[x->hs.outcome]++;
        if (held) { /* (the step dropped it) */
            s->s5u_unreach++;
            socks_refuse(u, f);
        }
        break;
    case GW_S5U_ENDED:
        s->s5u_ended++;
        flow_close(u, f);
        break;
    default:
        break;
    }
}

/* A flow for k whose host socket is connected to `to`. */
static udp_flow *flow_new(gw_udp *u, const udp_key *k, const struct sockaddr *to, socklen_t tolen,
                          int dns, uint64_t now)
{
    udp_flow *f = NULL, *lru = NULL;
    for (uint32_t i = 0; i < u->o.max_flows && !f; i++) {
        if (u->f[i].fd < 0)
            f = &u->f[i];
        else if (!lru || u->f[i].last < lru->last)
            lru = &u->f[i];
    }
    if (!f && !lru)
        return NULL; /* max_flows 0: cannot happen (the option's floor is 1) */
    if (!f) {        /* full: a flood from inside costs the oldest flow, never another fd */
        flow_close(u, lru);
        u->stats.evicted++;
        f = lru;
    }
    const gw_opts *g = u->o.go;
    /* --socks5: a socket of the proxy's family, connected to the relay once the
     * association tells where that is */
    int fd = socket(u->sx ? g->socks5_sa.ss_family : to->sa_family,
                    SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return NULL;
    /* connected: only the destination's answers come back (endpoint-dependent filtering) */
    if (!u->sx && connect(fd, to, tolen) != 0) {
        close(fd);
        return NULL;
    }
    memset(f, 0, sizeof(*f));
    f->fd = fd;
    if ((uint32_t)(f - u->f) + 1 > u->hi)
        u->hi = (uint32_t)(f - u->f) + 1;
    f->k = *k;
    f->dns = (uint8_t)dns;
    f->last = now;
    u->open++;
    u->stats.flows++;
    u->stats.flows6 += k->v6;
    if (u->sx)
        socks_start(u, f, to);
    return f;
}

static uint64_t peer_timeout(const fwd_peer *p)
{
    return p->replied ? GW_UDP_STREAM_US : GW_UDP_UNREPLIED_US;
}

/* A datagram from the namespace to the gateway's port dport: 1 when it answers a forward's
 * peer (sent on to it, or dropped when that peer is gone), 0 when no forward owns it. */
static int fwd_reply(gw_udp *u, const udp_key *k, size_t n, uint64_t now)
{
    const gw_opts *g = u->o.go;
    if (!g || k->dport < GW_UDP_FWD_PORT0 ||
        k->dport >= GW_UDP_FWD_PORT0 + u->nfw * GW_UDP_FWD_PEERS)
        return 0;
    uint32_t slot = (uint32_t)(k->dport - GW_UDP_FWD_PORT0);
    udp_fwd *w = &u->fw[slot / GW_UDP_FWD_PEERS];
    fwd_peer *p = &w->p[slot % GW_UDP_FWD_PEERS];
    int ours =
        k->v6 ? w->spec->v6 && memcmp(k->d6, g->gw6, 16) == 0 && memcmp(k->c6, g->addr6, 16) == 0
              : !w->spec->v6 && k->daddr == u->o.gw && k->caddr == g->addr;
    if (!ours || k->cport != w->spec->ns_port)
        return 0;
    if (p->sa.ss_family == 0 ||
        sendto(w->fd, u->buf, n, 0, (const struct sockaddr *)&p->sa, p->len) < 0) {
        u->stats.errors++;
        return 1;
    }
    p->last = now;
    p->replied = 1;
    u->stats.fwd_out++;
    return 1;
}

/* Datagrams from the namespace, out through their flows. */
static void outbound(gw_udp *u, uint64_t now)
{
    for (int k = 0; k < 256; k++) {
        /* large enough for either family; an AF_INET catch-all fills a sockaddr_in */
        struct synack_sockaddr_in6 src6, dst6;
        synack_socklen_t sl = sizeof(src6), dl = sizeof(dst6);
        memset(&src6, 0, sizeof(src6));
        memset(&dst6, 0, sizeof(dst6));
        ssize_t n =
            synack_recvfrom_to(u->st, u->s, u->buf, sizeof(u->buf), 0, (struct sockaddr *)&src6,
                               &sl, (struct sockaddr *)&dst6, &dl);
        if (n < 0)
            return;
        udp_key key;
        memset(&key, 0, sizeof(key));
        struct sockaddr_in src = {.sin_family = AF_INET}, dst = {.sin_family = AF_INET};
        if (src6.sin6_family == SYNACK_AF_INET6) {
            key.cport = ntohs(src6.sin6_port);
            key.dport = ntohs(dst6.sin6_port);
            static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
            if (memcmp(src6.sin6_addr.s6_bytes, mapped, 12) == 0) { /* IPv4, as below */
                memcpy(&src.sin_addr, src6.sin6_addr.s6_bytes + 12, 4);
                memcpy(&dst.sin_addr, dst6.sin6_addr.s6_bytes + 12, 4);
            } else {
                key.v6 = 1;
                memcpy(key.c6, src6.sin6_addr.s6_bytes, 16);
                memcpy(key.d6, dst6.sin6_addr.s6_bytes, 16);
            }
        } else {
            memcpy(&src, &src6, sizeof(src));
            memcpy(&dst, &dst6, sizeof(dst));
            key.cport = ntohs(src.sin_port);
            key.dport = ntohs(dst.sin_port);
        }
        if (!key.v6) {
            key.caddr = ntohl(src.sin_addr.s_addr);
            key.daddr = ntohl(dst.sin_addr.s_addr);
            src.sin_port = htons(key.cport);
            dst.sin_port = htons(key.dport);
        }
        if (fwd_reply(u, &key, (size_t)n, now))
            continue;
        struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(key.dport)};
        struct sockaddr_in6 to6;
        int dns, verdict = 0;
        if (key.v6) {
            verdict = gw_udp_dest6(&u->o, key.d6, key.dport, &to6);
            dns = verdict == GW_UDP6_DNS;
        } else {
            dns = u->o.dns && key.daddr == u->o.dns;
            if (dns ? key.dport != 53 || !u->o.dns_server : blocked(u, key.daddr))
                verdict = dns || key.daddr == u->o.gw ? GW_UDP6_UNREACH : GW_UDP6_DROP;
            to.sin_addr.s_addr = htonl(key.daddr);
        }
        if (dns) {
            to.sin_port = htons(u->o.dns_port);
            to.sin_addr.s_addr = htonl(u->o.dns_server);
        }
        if (verdict < 0) {
            u->stats.blocked++;
            /* the gateway's addresses answer as a host with no such port would */
            if (verdict == GW_UDP6_UNREACH && key.v6)
                synack_udp_unreach(u->st, u->s, (struct sockaddr *)&src6, sl,
                                   (struct sockaddr *)&dst6, dl, 4);
            else if (verdict == GW_UDP6_UNREACH)
                synack_udp_unreach(u->st, u->s, (struct sockaddr *)&src, sizeof(src),
                                   (struct sockaddr *)&dst, sizeof(dst), 3);
            continue;
        }
        udp_flow *f = lookup(u, &key);
        if (!f)
            f = key.v6 && !dns ? flow_new(u, &key, (struct sockaddr *)&to6, sizeof(to6), 0, now)
                               : flow_new(u, &key, (struct sockaddr *)&to, sizeof(to), dns, now);
        if (!f) {
            u->stats.errors++;
            continue;
        }
        f->last = now;
        u->stats.dns += (uint64_t)dns;
        if (u->sx)
            socks_out(u, f, (size_t)n);
        else if (send(f->fd, u->buf, (size_t)n, 0) < 0)
            u->stats.errors++;
        else
            u->stats.up++;
    }
}

/* The flow's two ends as synack socket addresses: from its destination, to its client. */
static synack_socklen_t flow_ends(const udp_flow *f, struct synack_sockaddr_in6 *from,
                                  struct synack_sockaddr_in6 *to)
{
    memset(from, 0, sizeof(*from));
    memset(to, 0, sizeof(*to));
    if (f->k.v6) {
        from->sin6_family = to->sin6_family = SYNACK_AF_INET6;
        from->sin6_port = htons(f->k.dport);
        to->sin6_port = htons(f->k.cport);
        memcpy(from->sin6_addr.s6_bytes, f->k.d6, 16);
        memcpy(to->sin6_addr.s6_bytes, f->k.c6, 16);
        return sizeof(*from);
    }
    struct sockaddr_in a = {
        .sin_family = AF_INET, .sin_port = htons(f->k.dport), .sin_addr = {htonl(f->k.daddr)}};
    struct sockaddr_in b = {
        .sin_family = AF_INET, .sin_port = htons(f->k.cport), .sin_addr = {htonl(f->k.caddr)}};
    memcpy(from, &a, sizeof(a));
    memcpy(to, &b, sizeof(b));
    return sizeof(a);
}

/* The host socket heard an ICMP error for what the flow sent: the client hears it too, as
 * the kernel's own socket would (a connected one fails with ECONNREFUSED). */
static void unreachable(gw_udp *u, const udp_flow *f, int err)
{
    /* ICMP: port 3, host 1, network 0; ICMPv6 (RFC 4443 3.1): port 4, address 3, no route
     * 0, administratively prohibited 1 (a host firewall's reject) */
    int code;
    if (f->k.v6)
        code = err == ECONNREFUSED             ? 4
               : err == EHOSTUNREACH           ? 3
               : err == ENETUNREACH            ? 0
               : err == EACCES || err == EPERM ? 1
                                               : -1;
    else
        code = err == ECONNREFUSED ? 3 : err == EHOSTUNREACH ? 1 : err == ENETUNREACH ? 0 : -1;
    if (code < 0 || f->dns) { /* a resolver that is not there: the client's timeout says it */
        u->stats.errors++;
        return;
    }
    struct synack_sockaddr_in6 from, to;
    synack_socklen_t len = flow_ends(f, &from, &to);
    if (synack_udp_unreach(u->st, u->s, (const struct sockaddr *)&to, len,
                           (const struct sockaddr *)&from, len, code) == 0)
        u->stats.unreachable++;
    else
        u->stats.errors++;
}

static void socks_refuse(gw_udp *u, const udp_flow *f)
{
    struct synack_sockaddr_in6 from, to;
    synack_socklen_t len = flow_ends(f, &from, &to);
    if (synack_udp_unreach(u->st, u->s, (const struct sockaddr *)&to, len,
                           (const struct sockaddr *)&from, len, f->k.v6 ? 4 : 3) != 0)
        u->stats.errors++;
}

/* --socks5: the data of relay datagram u->buf[0..n) for flow f (its offset), or -1 after
 * counting why it is dropped. The relay must name the flow's destination as the source: an
 * association carries one flow, and the host socket's connect() took only the relay. */
static int socks_in(gw_udp *u, const udp_flow *f, size_t n)
{
    const gw_s5u_flow *x = &u->sx[f - u->f];
    gw_stats *s = u->o.stats;
    gw_s5u_from from;
    int at = gw_s5u_parse(u->buf, n, &from);
    if (at == GW_S5U_FRAGMENT) {
        s->s5u_fragment++;
        return -1;
    }
    if (at < 0) {
        s->s5u_bad_header++;
        return -1;
    }
    static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    const uint8_t *a = from.addr;
    size_t alen = from.len;
    if (from.atyp == 4 && memcmp(a, mapped, 12) == 0) { /* a dual-stack proxy's IPv4 */
        a += 12;
        alen = 4;
    }
    /* A name cannot be compared without resolving it: the proxy vouches for it. */
    if (from.atyp != 3 &&
        (alen != x->alen || memcmp(a, x->dst, alen) != 0 || from.port != x->dport)) {
        s->s5u_wrong_src++;
        return -1;
    }
    return at;
}

/* Replies on one flow's host socket, back into the namespace as from its destination. */
static void inbound(gw_udp *u, udp_flow *f, uint64_t now)
{
    struct synack_sockaddr_in6 from, to;
    synack_socklen_t len = flow_ends(f, &from, &to);
    for (int k = 0; k < 64; k++) {
        ssize_t n = recv(f->fd, u->buf, sizeof(u->buf), MSG_DONTWAIT);
        if (n < 0 && u->sx && errno != EAGAIN && errno != EWOULDBLOCK) {
            u->stats.errors++; /* the relay's ICMP error says nothing of the destination */
            return;
        }
        if (n < 0) {
            if (errno != EAGAIN && errno != EWOULDBLOCK)
                unreachable(u, f, errno);
            return;
        }
        int at = u->sx ? socks_in(u, f, (size_t)n) : 0;
        if (at < 0)
            continue;
        f->last = now;
        f->replied = 1;
        if (synack_sendto_from(u->st, u->s, u->buf + at, (size_t)n - (size_t)at, 0,
                               (struct sockaddr *)&from, len, (struct sockaddr *)&to, len) >= 0)
            u->stats.down++;
        else
            u->stats.errors++;
    }
}

/* The peer slot of host address sa in forward w: its own, a free one, or the least
 * recently used one (evicted, counted). */
static fwd_peer *peer_of(gw_udp *u, udp_fwd *w, const struct sockaddr_storage *sa, socklen_t len)
{
    fwd_peer *free_ = NULL, *lru = NULL;
    for (int i = 0; i < GW_UDP_FWD_PEERS; i++) {
        fwd_peer *p = &w->p[i];
        if (p->sa.ss_family == 0) {
            if (!free_)
                free_ = p;
        } else if (p->len == len && memcmp(&p->sa, sa, len) == 0) {
            return p;
        } else if (!lru || p->last < lru->last) {
            lru = p;
        }
    }
    fwd_peer *p = free_ ? free_ : lru;
    if (!free_)
        u->stats.fwd_evicted++;
    memset(p, 0, sizeof(*p));
    memcpy(&p->sa, sa, len);
    p->len = len;
    u->stats.fwd_peers++;
    return p;
}

/* Datagrams host peers sent to forward w, into the namespace from each peer's port. */
static void fwd_inbound(gw_udp *u, udp_fwd *w, uint64_t now)
{
    const gw_opts *g = u->o.go;
    for (int k = 0; k < 64; k++) {
        struct sockaddr_storage sa;
        socklen_t len = sizeof(sa);
        memset(&sa, 0, sizeof(sa));
        ssize_t n =
            recvfrom(w->fd, u->buf, sizeof(u->buf), MSG_DONTWAIT, (struct sockaddr *)&sa, &len);
        if (n < 0)
            return;
        if (len > sizeof(sa) || sa.ss_family == 0)
            continue;
        fwd_peer *p = peer_of(u, w, &sa, len);
        p->last = now;
        uint16_t port = (uint16_t)(GW_UDP_FWD_PORT0 + (w - u->fw) * GW_UDP_FWD_PEERS + (p - w->p));
        struct synack_sockaddr_in6 from, to;
        memset(&from, 0, sizeof(from));
        memset(&to, 0, sizeof(to));
        synack_socklen_t flen;
        if (w->spec->v6) {
            from.sin6_family = to.sin6_family = SYNACK_AF_INET6;
            from.sin6_port = htons(port);
            to.sin6_port = htons(w->spec->ns_port);
            memcpy(from.sin6_addr.s6_bytes, g->gw6, 16);
            memcpy(to.sin6_addr.s6_bytes, g->addr6, 16);
            flen = sizeof(from);
        } else {
            struct sockaddr_in a = {
                .sin_family = AF_INET, .sin_port = htons(port), .sin_addr = {htonl(u->o.gw)}};
            struct sockaddr_in b = {.sin_family = AF_INET,
                                    .sin_port = htons(w->spec->ns_port),
                                    .sin_addr = {htonl(g->addr)}};
            memcpy(&from, &a, sizeof(a));
            memcpy(&to, &b, sizeof(b));
            flen = sizeof(a);
        }
        if (synack_sendto_from(u->st, u->s, u->buf, (size_t)n, 0, (struct sockaddr *)&from, flen,
                               (struct sockaddr *)&to, flen) >= 0)
            u->stats.fwd_in++;
        else
            u->stats.errors++;
    }
}

void gw_udp_step(gw_udp *u, uint64_t now)
{
    for (int i = 0; i < u->npf; i++) {
        uint32_t j = u->pf_flow[i];
        int ready = (u->pf[i].revents & (POLLIN | POLLERR)) != 0;
        if (j >= u->o.max_flows + GW_MAX_FORWARDS) { /* --socks5: a control connection */
            udp_flow *f = &u->f[j - u->o.max_flows - GW_MAX_FORWARDS];
            if (u->pf[i].revents && f->fd >= 0 && u->sx[f - u->f].cfd == u->pf[i].fd)
                socks_ctl(u, f, now);
        } else if (j >= u->o.max_flows) {
            if (ready)
                fwd_inbound(u, &u->fw[j - u->o.max_flows], now);
        } else if (u->f[j].fd == u->pf[i].fd && ready) {
            inbound(u, &u->f[j], now);
        }
        u->pf[i].revents = 0;
    }
    u->npf = 0;
    outbound(u, now);
    for (uint32_t i = 0; i < u->hi; i++) {
        udp_flow *f = &u->f[i];
        if (u->sx && f->fd >= 0 && u->sx[i].state < GW_S5U_READY && now >= u->sx[i].deadline)
            socks_ctl(u, f, now); /* the proxy took too long: the association failed */
        if (f->fd >= 0 && now >= f->last + timeout(f)) {
            flow_close(u, f);
            u->stats.expired++;
        }
    }
    for (uint32_t i = 0; i < u->nfw; i++)
        for (int j = 0; j < GW_UDP_FWD_PEERS; j++) {
            fwd_peer *p = &u->fw[i].p[j];
            if (p->sa.ss_family != 0 && now >= p->last + peer_timeout(p))
                p->sa.ss_family = 0;
        }
}

int gw_udp_pollfds(gw_udp *u, struct pollfd *out, int max)
{
    int n = 0;
    for (uint32_t i = 0; i < u->hi && n < max; i++) {
        if (u->f[i].fd < 0)
            continue;
        out[n].fd = u->f[i].fd;
        out[n].events = POLLIN;
        out[n].revents = 0;
        u->pf_flow[n] = i;
        n++;
    }
    for (uint32_t i = 0; i < u->nfw && n < max; i++) {
        out[n] = (struct pollfd){.fd = u->fw[i].fd, .events = POLLIN};
        u->pf_flow[n++] = u->o.max_flows + i;
    }
    for (uint32_t i = 0; u->sx && i < u->o.max_flows && n < max; i++) {
        if (u->f[i].fd < 0 || u->sx[i].cfd < 0)
            continue;
        out[n] = (struct pollfd){.fd = u->sx[i].cfd, .events = gw_s5u_events(&u->sx[i])};
        u->pf_flow[n++] = u->o.max_flows + GW_MAX_FORWARDS + i;
    }
    u->pf = out;
    u->npf = n;
    return n;
}

uint64_t gw_udp_deadline(const gw_udp *u)
{
    uint64_t d = UINT64_MAX;
    for (uint32_t i = 0; i < u->hi; i++)
        if (u->f[i].fd >= 0 && u->f[i].last + timeout(&u->f[i]) < d)
            d = u->f[i].last + timeout(&u->f[i]);
    for (uint32_t i = 0; u->sx && i < u->o.max_flows; i++)
        if (u->f[i].fd >= 0 && u->sx[i].state < GW_S5U_READY && u->sx[i].deadline < d)
            d = u->sx[i].deadline;
    for (uint32_t i = 0; i < u->nfw; i++)
        for (int j = 0; j < GW_UDP_FWD_PEERS; j++) {
            const fwd_peer *p = &u->fw[i].p[j];
            if (p->sa.ss_family != 0 && p->last + peer_timeout(p) < d)
                d = p->last + peer_timeout(p);
        }
    return d;
}

const gw_udp_stats *gw_udp_stats_get(const gw_udp *u)
{
    return &u->stats;
}

uint32_t gw_udp_open(const gw_udp *u)
{
    return u->open;
}

int gw_parse_hostport(const char *v, uint32_t *addr, uint16_t *port)
{
    char buf[64];
    snprintf(buf, sizeof(buf), "%s", v);
    char *colon = strchr(buf, ':');
    unsigned long p = 53;
    if (colon) {
        char *end;
        *colon = '\0';
        p = strtoul(colon + 1, &end, 10);
        if (*end || p < 1 || p > 65535)
            return -1;
    }
    struct in_addr in;
    if (inet_pton(AF_INET, buf, &in) != 1)
        return -1;
    *addr = ntohl(in.s_addr);
    *port = (uint16_t)p;
    return 0;
}

void gw_udp_summary(int json, gw_udp *const *uq, gw_icmp *const *icq, synack_stack *const *stq,
                    int nq)
{
    gw_udp_stats sum = uq[0]->stats;
    gw_icmp_stats esum = *gw_icmp_stats_get(icq[0]);
    unsigned long long rcvbuf = synack_counter_get(stq[0], SYNACK_CTR_UdpRcvbufErrors);
    uint32_t open_ = uq[0]->open;
    for (int i = 1; i < nq; i++) {
        const gw_udp_stats *q = &uq[i]->stats;
        const gw_icmp_stats *qe = gw_icmp_stats_get(icq[i]);
        sum.flows += q->flows;
        sum.expired += q->expired;
        sum.evicted += q->evicted;
        sum.up += q->up;
        sum.down += q->down;
        sum.dns += q->dns;
        sum.blocked += q->blocked;
        sum.errors += q->errors;
        sum.unreachable += q->unreachable;
        sum.flows6 += q->flows6;
        sum.fwd_in += q->fwd_in;
        sum.fwd_out += q->fwd_out;
        sum.fwd_peers += q->fwd_peers;
        sum.fwd_evicted += q->fwd_evicted;
        esum.requests += qe->requests;
        esum.replies += qe->replies;
        esum.refused += qe->refused;
        esum.unreachable += qe->unreachable;
        open_ += uq[i]->open;
        rcvbuf += synack_counter_get(stq[i], SYNACK_CTR_UdpRcvbufErrors);
    }
    const gw_udp_stats *s = &sum;
    const gw_icmp_stats *e = &esum;
    if (!json) {
        fprintf(stderr,
                "synack gateway: udp %llu flows (%u open, %llu expired, %llu evicted), %llu up / "
                "%llu down datagrams, %llu dns, %llu blocked, %llu errors; icmp %llu echo "
                "requests, %llu replies, %llu refused\n",
                (unsigned long long)s->flows, open_, (unsigned long long)s->expired,
                (unsigned long long)s->evicted, (unsigned long long)s->up,
                (unsigned long long)s->down, (unsigned long long)s->dns,
                (unsigned long long)s->blocked, (unsigned long long)s->errors,
                (unsigned long long)e->requests, (unsigned long long)e->replies,
                (unsigned long long)e->refused);
        return;
    }
    printf("{\"summary\":\"gateway_udp\",\"flows\":%llu,\"open\":%u,\"expired\":%llu,"
           "\"evicted\":%llu,\"up\":%llu,\"down\":%llu,\"dns\":%llu,\"blocked\":%llu,"
           "\"errors\":%llu,\"unreachable\":%llu,\"rcvbuf_drops\":%llu,\"echo_requests\":%llu,"
           "\"echo_replies\":%llu,\"echo_refused\":%llu,\"flows6\":%llu,\"fwd_in\":%llu,"
           "\"fwd_out\":%llu,\"fwd_peers\":%llu,\"fwd_evicted\":%llu,\"echo_unreachable\":%llu}\n",
           (unsigned long long)s->flows, open_, (unsigned long long)s->expired,
           (unsigned long long)s->evicted, (unsigned long long)s->up, (unsigned long long)s->down,
           (unsigned long long)s->dns, (unsigned long long)s->blocked,
           (unsigned long long)s->errors, (unsigned long long)s->unreachable, rcvbuf,
           (unsigned long long)e->requests, (unsigned long long)e->replies,
           (unsigned long long)e->refused, (unsigned long long)s->flows6,
           (unsigned long long)s->fwd_in, (unsigned long long)s->fwd_out,
           (unsigned long long)s->fwd_peers, (unsigned long long)s->fwd_evicted,
           (unsigned long long)e->unreachable);
    fflush(stdout);
}
