/* SPDX-License-Identifier: MIT */
/* synack gateway, ICMP echo: an echo request the namespace sends to any address but the
 * gateway's (which the stack answers itself) leaves through an unprivileged ICMP socket
 * (SOCK_DGRAM, IPPROTO_ICMP: allowed where net.ipv4.ping_group_range covers the gateway's
 * group), one per (source, destination, identifier); the kernel gives the socket its own
 * identifier, so a reply is given back the namespace's before it is written to the device
 * as a packet from the destination: a frame on a TAP, a bare IP packet on a TUN (--tun,
 * where the request came as one too). Requests are taken before the stack sees them; the
 * table is small and bounded, entries expire after GW_ICMP_IDLE_US.
 * With --socks5 too the echo goes direct: SOCKS5 (RFC 1928) carries no ICMP, and a ping
 * that fails or is answered by the gateway itself (as gVisor-based tun2socks does) would
 * tell the namespace a reachable host is not, or an unreachable one is. */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cmd_gateway_echo.h"
#include "cmd_gateway_udp.h"
#include "cmd_gateway_v6icmp.h"

struct gw_icmp {
    synack_tuntap *dev;
    int tun; /* dev is a TUN: bare IP packets both ways */
    uint32_t gw;
    gw_echo_table t;
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

static void wr32(uint8_t *p, uint32_t v)
{
    wr16(p, v >> 16);
    wr16(p + 2, v & 0xffff);
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
    g->tun = dev && dev->type == SYNACK_LINK_IP;
    g->gw = gw;
    gw_echo_init(&g->t, AF_INET);
    return g;
}

void gw_icmp_free(gw_icmp *g)
{
    if (!g)
        return;
    gw_echo_close_all(&g->t);
    gw_icmp6_free(g->v6);
    free(g);
}

int gw_icmp_enable_v6(gw_icmp *g, const uint8_t gw6[16], const uint8_t ns6[16])
{
    g->v6 = gw_icmp6_new(g->dev, gw6, ns6);
    return g->v6 ? 0 : -1;
}

/* ICMP destination unreachable (code 0 net, 1 host) from the gateway for the request ip
 * (tot bytes), quoting as much of it as fits 576 bytes (RFC 1812 4.3.2.3): what a router
 * without a route answers, so ping says "Destination Net Unreachable" at once. One per
 * request, never longer than it plus 28 bytes: no amplification. */
static void unreach4(gw_icmp *g, const uint8_t *eth, const uint8_t *ip, size_t tot, uint8_t code)
{
    size_t q = tot < 576 - 28 ? tot : 576 - 28;
    uint8_t *e = g->frame, *o = e + 14, *m = o + 20;
    memset(e, 0, 14 + 28);
    if (eth) {
        memcpy(e, eth + 6, 6);
        memcpy(e + 6, eth, 6);
    }
    wr16(e + 12, 0x0800);
    o[0] = 0x45;
    wr16(o + 2, (uint32_t)(28 + q));
    o[8] = 64;
    o[9] = 1;
    wr32(o + 12, g->gw);
    memcpy(o + 16, ip + 12, 4);
    wr16(o + 10, csum(o, 20));
    m[0] = 3;
    m[1] = code;
    memcpy(m + 8, ip, q);
    wr16(m + 2, csum(m, 8 + q));
    int rc = g->tun ? synack_tuntap_write(g->dev, o, 28 + q)
                    : synack_tuntap_write(g->dev, e, 14 + 28 + q);
    if (rc >= 0)
        g->stats.unreachable++;
}

/* An IPv4 packet of len bytes (eth its Ethernet header, NULL on a TUN). */
static int packet4(gw_icmp *g, const uint8_t *eth, const uint8_t *ip, size_t len, uint64_t now)
{
    /* IPv4 (unfragmented), ICMP echo request, to an address not the gateway's */
    if (len < 20 + 8)
        return 0;
    size_t ihl = (size_t)(ip[0] & 15) * 4, tot = rd16(ip + 2);
    if ((ip[0] >> 4) != 4 || ihl < 20 || tot > len || tot < ihl + 8 || ip[9] != 1 ||
        (rd16(ip + 6) & 0x3fff) != 0)
        return 0;
    uint32_t dst = rd32(ip + 16);
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
    int rc = gw_echo_request(&g->t, &g->stats, eth, ip + 12, ip + 16, icmp, ilen, now);
    if (rc < 0)
        unreach4(g, eth, ip, tot, rc == -ENETUNREACH ? 0 : 1);
    return 1;
}

int gw_icmp_frame(gw_icmp *g, const uint8_t *fr, size_t len, uint64_t now)
{
    if (g->tun) { /* the version says which family */
        if (len < 1)
            return 0;
        if (fr[0] >> 4 == 6)
            return g->v6 ? gw_icmp6_packet(g->v6, &g->stats, NULL, fr, len, now) : 0;
        return packet4(g, NULL, fr, len, now);
    }
    if (len < 14)
        return 0;
    if (g->v6 && rd16(fr + 12) == 0x86dd)
        return gw_icmp6_frame(g->v6, &g->stats, fr, len, now);
    return rd16(fr + 12) == 0x0800 ? packet4(g, fr, fr + 14, len - 14, now) : 0;
}

/* An echo reply on f's socket, as a packet from f->dst to the namespace. */
static void reply(void *ctx, gw_echo_flow *f, size_t n)
{
    gw_icmp *g = ctx;
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
    memcpy(ip + 12, f->dst, 4);
    memcpy(ip + 16, f->src, 4);
    wr16(ip + 10, csum(ip, 20));
    memcpy(icmp, g->buf, n);
    wr16(icmp + 4, f->id); /* the namespace's identifier back */
    wr16(icmp + 2, 0);
    wr16(icmp + 2, csum(icmp, n));
    int rc = g->tun ? synack_tuntap_write(g->dev, ip, 20 + n)
                    : synack_tuntap_write(g->dev, e, 14 + 20 + n);
    if (rc >= 0)
        g->stats.replies++;
}

void gw_icmp_step(gw_icmp *g, uint64_t now)
{
    if (g->v6)
        gw_icmp6_step(g->v6, &g->stats, now);
    gw_echo_step(&g->t, now, g->buf, sizeof(g->buf), reply, g);
}

int gw_icmp_pollfds(gw_icmp *g, struct pollfd *out, int max)
{
    int n = gw_echo_pollfds(&g->t, out, max);
    return n + (g->v6 ? gw_icmp6_pollfds(g->v6, out + n, max - n) : 0);
}

const gw_icmp_stats *gw_icmp_stats_get(const gw_icmp *g)
{
    return &g->stats;
}
