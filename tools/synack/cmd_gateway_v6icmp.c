/* SPDX-License-Identifier: MIT */
/* synack gateway, ICMPv6 echo: as cmd_gateway_icmp.c does for IPv4, an echo request the
 * namespace sends to a global address other than the gateway's leaves through an
 * unprivileged ICMPv6 socket (SOCK_DGRAM, IPPROTO_ICMPV6, allowed where
 * net.ipv4.ping_group_range covers the gateway's group; it covers IPv6 too), one per
 * (destination, identifier); the reply gets the namespace's identifier back and is written
 * to the TAP as a frame from the destination. Link-local and multicast destinations (ND
 * among them) are the stack's; the table is bounded, entries expire after
 * GW_ICMP6_IDLE_US. */
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cmd_gateway_v6icmp.h"

#define GW_ICMP6_FLOWS 64
#define GW_ICMP6_IDLE_US (10ull * 1000000)
#define ETH_LEN 14
#define IP6_LEN 40

typedef struct echo6_flow {
    int fd; /* ping socket, -1: free */
    uint8_t src[16], dst[16];
    uint16_t id;
    uint8_t mac[6]; /* the namespace's MAC, for the reply frames */
    uint8_t gwmac[6];
    uint64_t last;
} echo6_flow;

struct gw_icmp6 {
    synack_tuntap *dev;
    uint8_t gw6[16], ns6[16];
    echo6_flow f[GW_ICMP6_FLOWS];
    struct pollfd *pf;
    int pf_flow[GW_ICMP6_FLOWS];
    int npf;
    uint8_t buf[65536];
    uint8_t frame[65536 + 64];
};

static uint16_t rd16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static void wr16(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

/* The ICMPv6 checksum over the pseudo-header (RFC 8200 8.1) and the message: 0 when a
 * received message's is right, else what to store. */
static uint16_t csum6(const uint8_t src[16], const uint8_t dst[16], const uint8_t *m, size_t n)
{
    uint64_t acc = (uint64_t)n + 58;
    for (int i = 0; i < 16; i += 2)
        acc += rd16(src + i) + rd16(dst + i);
    for (size_t i = 0; i + 1 < n; i += 2)
        acc += rd16(m + i);
    if (n & 1)
        acc += (uint32_t)m[n - 1] << 8;
    while (acc >> 16)
        acc = (acc & 0xffff) + (acc >> 16);
    return (uint16_t)~acc;
}

gw_icmp6 *gw_icmp6_new(synack_tuntap *dev, const uint8_t gw6[16], const uint8_t ns6[16])
{
    gw_icmp6 *g = calloc(1, sizeof(*g));
    if (!g)
        return NULL;
    g->dev = dev;
    memcpy(g->gw6, gw6, 16);
    memcpy(g->ns6, ns6, 16);
    for (int i = 0; i < GW_ICMP6_FLOWS; i++)
        g->f[i].fd = -1;
    return g;
}

void gw_icmp6_free(gw_icmp6 *g)
{
    if (!g)
        return;
    for (int i = 0; i < GW_ICMP6_FLOWS; i++)
        if (g->f[i].fd >= 0)
            close(g->f[i].fd);
    free(g);
}

static echo6_flow *flow_for(gw_icmp6 *g, const uint8_t *src, const uint8_t *dst, uint16_t id)
{
    echo6_flow *free_ = NULL, *lru = NULL;
    for (int i = 0; i < GW_ICMP6_FLOWS; i++) {
        echo6_flow *f = &g->f[i];
        if (f->fd < 0) {
            if (!free_)
                free_ = f;
            continue;
        }
        if (memcmp(f->src, src, 16) == 0 && memcmp(f->dst, dst, 16) == 0 && f->id == id)
            return f;
        if (!lru || f->last < lru->last)
            lru = f;
    }
    echo6_flow *f = free_;
    if (!f) {
        close(lru->fd);
        lru->fd = -1;
        f = lru;
    }
    int fd = socket(AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_ICMPV6);
    if (fd < 0)
        return NULL; /* EACCES: ping_group_range does not include us */
    struct sockaddr_in6 to = {.sin6_family = AF_INET6};
    memcpy(to.sin6_addr.s6_addr, dst, 16);
    if (connect(fd, (struct sockaddr *)&to, sizeof(to)) != 0) {
        close(fd);
        return NULL;
    }
    memset(f, 0, sizeof(*f));
    f->fd = fd;
    memcpy(f->src, src, 16);
    memcpy(f->dst, dst, 16);
    f->id = id;
    return f;
}

int gw_icmp6_frame(gw_icmp6 *g, gw_icmp_stats *st, const uint8_t *fr, size_t len, uint64_t now)
{
    /* Ethernet, IPv6 with ICMPv6 right after the fixed header, an echo request */
    if (len < ETH_LEN + IP6_LEN + 8 || rd16(fr + 12) != 0x86dd)
        return 0;
    const uint8_t *ip = fr + ETH_LEN;
    size_t plen = rd16(ip + 4);
    if ((ip[0] >> 4) != 6 || ip[6] != 58 || plen < 8 || plen > len - ETH_LEN - IP6_LEN)
        return 0;
    const uint8_t *src = ip + 8, *dst = ip + 24, *icmp = ip + IP6_LEN;
    if (icmp[0] != 128 || icmp[1] != 0 || memcmp(dst, g->gw6, 16) == 0)
        return 0;
    struct in6_addr d;
    memcpy(d.s6_addr, dst, 16);
    if (IN6_IS_ADDR_MULTICAST(&d) || IN6_IS_ADDR_LINKLOCAL(&d))
        return 0; /* this link's: the stack answers what is its own */
    if (csum6(src, dst, icmp, plen) != 0)
        return 1; /* corrupt: dropped, as the kernel would */
    if (IN6_IS_ADDR_UNSPECIFIED(&d) || IN6_IS_ADDR_LOOPBACK(&d) || IN6_IS_ADDR_V4MAPPED(&d) ||
        IN6_IS_ADDR_V4COMPAT(&d) || IN6_IS_ADDR_SITELOCAL(&d) || memcmp(dst, g->ns6, 16) == 0) {
        st->refused++; /* never a host destination the namespace may name */
        return 1;
    }
    echo6_flow *f = flow_for(g, src, dst, rd16(icmp + 4));
    if (!f) {
        st->refused++;
        return 1;
    }
    memcpy(f->mac, fr + 6, 6);
    memcpy(f->gwmac, fr, 6);
    f->last = now;
    /* the kernel sets the identifier and the checksum */
    if (send(f->fd, icmp, plen, 0) >= 0)
        st->requests++;
    return 1;
}

/* An echo reply on f's socket, as a frame from f->dst to the namespace. */
static void reply(gw_icmp6 *g, gw_icmp_stats *st, echo6_flow *f, size_t n)
{
    if (n < 8 || g->buf[0] != 129)
        return;
    uint8_t *e = g->frame, *ip = e + ETH_LEN, *icmp = ip + IP6_LEN;
    memcpy(e, f->mac, 6);
    memcpy(e + 6, f->gwmac, 6);
    wr16(e + 12, 0x86dd);
    memset(ip, 0, IP6_LEN);
    ip[0] = 0x60;
    wr16(ip + 4, (uint32_t)n);
    ip[6] = 58;
    ip[7] = 64;
    memcpy(ip + 8, f->dst, 16);
    memcpy(ip + 24, f->src, 16);
    memcpy(icmp, g->buf, n);
    wr16(icmp + 4, f->id); /* the namespace's identifier back */
    wr16(icmp + 2, 0);
    wr16(icmp + 2, csum6(f->dst, f->src, icmp, n));
    if (synack_tuntap_write(g->dev, e, ETH_LEN + IP6_LEN + n) >= 0)
        st->replies++;
}

void gw_icmp6_step(gw_icmp6 *g, gw_icmp_stats *st, uint64_t now)
{
    for (int i = 0; i < g->npf; i++) {
        echo6_flow *f = &g->f[g->pf_flow[i]];
        if (f->fd != g->pf[i].fd || !(g->pf[i].revents & POLLIN))
            continue;
        for (int k = 0; k < 16; k++) {
            ssize_t n = recv(f->fd, g->buf, sizeof(g->buf), MSG_DONTWAIT);
            if (n < 0)
                break;
            f->last = now;
            reply(g, st, f, (size_t)n);
        }
    }
    g->npf = 0;
    for (int i = 0; i < GW_ICMP6_FLOWS; i++) {
        if (g->f[i].fd >= 0 && now >= g->f[i].last + GW_ICMP6_IDLE_US) {
            close(g->f[i].fd);
            g->f[i].fd = -1;
        }
    }
}

int gw_icmp6_pollfds(gw_icmp6 *g, struct pollfd *out, int max)
{
    int n = 0;
    for (int i = 0; i < GW_ICMP6_FLOWS && n < max; i++) {
        if (g->f[i].fd < 0)
            continue;
        out[n].fd = g->f[i].fd;
        out[n].events = POLLIN;
        out[n].revents = 0;
        g->pf_flow[n] = i;
        n++;
    }
    g->pf = out;
    g->npf = n;
    return n;
}
