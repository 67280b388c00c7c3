/* SPDX-License-Identifier: MIT */
/* synack gateway, ICMP echo: an echo request the namespace sends to any address but the
 * gateway's (which the stack answers itself) leaves through an unprivileged ICMP socket
 * (SOCK_DGRAM, IPPROTO_ICMP: allowed where net.ipv4.ping_group_range covers the gateway's
 * group), one per (source, destination, identifier); the kernel gives the socket its own
 * identifier, so a reply is given back the namespace's before it is written to the TAP as
 * a frame from the destination. Requests are taken before the stack sees the frame; the
 * table is small and bounded, entries expire after GW_ICMP_IDLE_US. */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cmd_gateway_udp.h"
#include "cmd_gateway_v6icmp.h"

#define GW_ICMP_FLOWS 64
#define GW_ICMP_IDLE_US (10ull * 1000000)

typedef struct echo_flow {
    int fd;         /* ping socket, -1: free */
    uint32_t src;   /* the namespace's address */
    uint32_t dst;   /* the address it pinged */
    uint16_t id;    /* its identifier */
    uint8_t mac[6]; /* its MAC, for the reply frames */
    uint8_t gwmac[6];
    uint64_t last;
} echo_flow;

struct gw_icmp {
    synack_tuntap *dev;
    uint32_t gw;
    echo_flow f[GW_ICMP_FLOWS];
    struct pollfd *pf;
    int pf_flow[GW_ICMP_FLOWS];
    int npf;
    gw_icmp_stats stats;
    gw_icmp6 *v6; /* ICMPv6 echo (cmd_gateway_v6icmp.c), NULL without IPv6 */
    uint8_t buf[65536];
    uint8_t frame[65536 + 64];
};

static uint16_t rd16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)rd16(p) << 16 | rd16(p + 2);
}

static void wr16(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static uint16_t csum(const uint8_t *p, size_t n)
{
    uint32_t acc = 0;
    for (size_t i = 0; i + 1 < n; i += 2)
        acc += rd16(p + i);
    if (n & 1)
        acc += (uint32_t)p[n - 1] << 8;
    while (acc >> 16)
        acc = (acc & 0xffff) + (acc >> 16);
    return (uint16_t)~acc;
}

gw_icmp *gw_icmp_new(synack_tuntap *dev, uint32_t gw)
{
    gw_icmp *g = calloc(1, sizeof(*g));
    if (!g)
        return NULL;
    g->dev = dev;
    g->gw = gw;
    for (int i = 0; i < GW_ICMP_FLOWS; i++)
        g->f[i].fd = -1;
    return g;
}

void gw_icmp_free(gw_icmp *g)
{
    if (!g)
        return;
    for (int i = 0; i < GW_ICMP_FLOWS; i++)
        if (g->f[i].fd >= 0)
            close(g->f[i].fd);
    gw_icmp6_free(g->v6);
    free(g);
}

int gw_icmp_enable_v6(gw_icmp *g, const uint8_t gw6[16], const uint8_t ns6[16])
{
    g->v6 = gw_icmp6_new(g->dev, gw6, ns6);
    return g->v6 ? 0 : -1;
}

static echo_flow *flow_for(gw_icmp *g, uint32_t src, uint32_t dst, uint16_t id)
{
    echo_flow *free_ = NULL, *lru = NULL;
    for (int i = 0; i < GW_ICMP_FLOWS; i++) {
        echo_flow *f = &g->f[i];
        if (f->fd < 0) {
            if (!free_)
                free_ = f;
            continue;
        }
        if (f->src == src && f->dst == dst && f->id == id)
            return f;
        if (!lru || f->last < lru->last)
            lru = f;
    }
    echo_flow *f = free_;
    if (!f) {
        close(lru->fd);
        lru->fd = -1;
        f = lru;
    }
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_ICMP);
    if (fd < 0)
        return NULL; /* EACCES: ping_group_range does not include us */
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_addr = {htonl(dst)}};
    if (connect(fd, (struct sockaddr *)&to, sizeof(to)) != 0) {
        close(fd);
        return NULL;
    }
    memset(f, 0, sizeof(*f));
    f->fd = fd;
    f->src = src;
    f->dst = dst;
    f->id = id;
    return f;
}

int gw_icmp_frame(gw_icmp *g, const uint8_t *fr, size_t len, uint64_t now)
{
    if (g->v6 && len >= 14 && rd16(fr + 12) == 0x86dd)
        return gw_icmp6_frame(g->v6, &g->stats, fr, len, now);
    /* Ethernet, IPv4 (unfragmented), ICMP echo request, to an address not the gateway's */
    if (len < 14 + 20 + 8 || rd16(fr + 12) != 0x0800)
        return 0;
    const uint8_t *ip = fr + 14;
    size_t ihl = (size_t)(ip[0] & 15) * 4, tot = rd16(ip + 2);
    if ((ip[0] >> 4) != 4 || ihl < 20 || tot > len - 14 || tot < ihl + 8 || ip[9] != 1 ||
        (rd16(ip + 6) & 0x3fff) != 0)
        return 0;
    uint32_t src = rd32(ip + 12), dst = rd32(ip + 16);
    const uint8_t *icmp = ip + ihl;
    size_t ilen = tot - ihl;
    if (dst == g->gw || icmp[0] != 8 || icmp[1] != 0)
        return 0;
    if (csum(ip, ihl) != 0 || csum(icmp, ilen) != 0)
        return 1; /* corrupt: dropped, as the kernel would */
    if ((dst >> 24) == 0 || (dst >> 24) == 127 || dst >= 0xe0000000u) {
        g->stats.refused++; /* this host, multicast, broadcast: never pinged for a namespace */
        return 1;
    }
    echo_flow *f = flow_for(g, src, dst, rd16(icmp + 4));
    if (!f) {
        g->stats.refused++;
        return 1;
    }
    memcpy(f->mac, fr + 6, 6);
    memcpy(f->gwmac, fr, 6);
    f->last = now;
    /* the kernel sets the identifier and the checksum */
    if (send(f->fd, icmp, ilen, 0) >= 0)
        g->stats.requests++;
    return 1;
}

/* An echo reply on f's socket, as a frame from f->dst to the namespace. */
static void reply(gw_icmp *g, echo_flow *f, size_t n)
{
    if (n < 8 || g->buf[0] != 0)
        return;
    uint8_t *e = g->frame, *ip = e + 14, *icmp = ip + 20;
    memcpy(e, f->mac, 6);
    memcpy(e + 6, f->gwmac, 6);
    wr16(e + 12, 0x0800);
    memset(ip, 0, 20);
    ip[0] = 0x45;
    wr16(ip + 2, (uint32_t)(20 + n));
    ip[8] = 64;
    ip[9] = 1;
    wr16(ip + 12, f->dst >> 16);
    wr16(ip + 14, f->dst & 0xffff);
    wr16(ip + 16, f->src >> 16);
    wr16(ip + 18, f->src & 0xffff);
    wr16(ip + 10, csum(ip, 20));
    memcpy(icmp, g->buf, n);
    wr16(icmp + 4, f->id); /* the namespace's identifier back */
    wr16(icmp + 2, 0);
    wr16(icmp + 2, csum(icmp, n));
    if (synack_tuntap_write(g->dev, e, 14 + 20 + n) >= 0)
        g->stats.replies++;
}

void gw_icmp_step(gw_icmp *g, uint64_t now)
{
    if (g->v6)
        gw_icmp6_step(g->v6, &g->stats, now);
    for (int i = 0; i < g->npf; i++) {
        echo_flow *f = &g->f[g->pf_flow[i]];
        if (f->fd != g->pf[i].fd || !(g->pf[i].revents & POLLIN))
            continue;
        for (int k = 0; k < 16; k++) {
            ssize_t n = recv(f->fd, g->buf, sizeof(g->buf), MSG_DONTWAIT);
            if (n < 0)
                break;
            f->last = now;
            reply(g, f, (size_t)n);
        }
    }
    g->npf = 0;
    for (int i = 0; i < GW_ICMP_FLOWS; i++) {
        if (g->f[i].fd >= 0 && now >= g->f[i].last + GW_ICMP_IDLE_US) {
            close(g->f[i].fd);
            g->f[i].fd = -1;
        }
    }
}

int gw_icmp_pollfds(gw_icmp *g, struct pollfd *out, int max)
{
    int n = 0;
    for (int i = 0; i < GW_ICMP_FLOWS && n < max; i++) {
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
    return n + (g->v6 ? gw_icmp6_pollfds(g->v6, out + n, max - n) : 0);
}

const gw_icmp_stats *gw_icmp_stats_get(const gw_icmp *g)
{
    return &g->stats;
}
