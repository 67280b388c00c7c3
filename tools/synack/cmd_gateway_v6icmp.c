/* SPDX-License-Identifier: MIT */
/* synack gateway, ICMPv6 echo: as cmd_gateway_icmp.c does for IPv4, an echo request the
 * namespace sends to a global address other than the gateway's leaves through an
 * unprivileged ICMPv6 socket (SOCK_DGRAM, IPPROTO_ICMPV6, allowed where
 * net.ipv4.ping_group_range covers the gateway's group; it covers IPv6 too), one per
 * (destination, identifier); the reply gets the namespace's identifier back and is written
 * to the device as a packet from the destination (a frame on a TAP, bare on a TUN). Link-local and
 * multicast destinations (ND among them) are the stack's; the table is bounded, entries expire
 * after GW_ICMP6_IDLE_US. */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cmd_gateway_echo.h"
#include "cmd_gateway_v6icmp.h"

#define ETH_LEN 14
#define IP6_LEN 40

struct gw_icmp6 {
    synack_tuntap *dev;
    int tun; /* dev is a TUN: bare IP packets both ways */
    uint8_t gw6[16], ns6[16];
    gw_echo_table t;
    gw_icmp_stats *st; /* the IPv4 relay's, while gw_icmp6_step runs */
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
    g->tun = dev && dev->type == SYNACK_LINK_IP;
    memcpy(g->gw6, gw6, 16);
    memcpy(g->ns6, ns6, 16);
    gw_echo_init(&g->t, AF_INET6);
    return g;
}

void gw_icmp6_free(gw_icmp6 *g)
{
    if (!g)
        return;
    gw_echo_close_all(&g->t);
    free(g);
}

/* ICMPv6 destination unreachable (RFC 4443 3.1: code 0 no route, 3 address unreachable)
 * from the gateway for the request ip (len bytes), quoting as much of it as fits the
 * minimum MTU (2.4(c)); one per request, so no amplification. */
static void unreach6(gw_icmp6 *g, gw_icmp_stats *st, const uint8_t *eth, const uint8_t *ip,
                     size_t len, uint8_t code)
{
    size_t q = len < 1280 - IP6_LEN - 8 ? len : 1280 - IP6_LEN - 8;
    uint8_t *e = g->frame, *o = e + ETH_LEN, *m = o + IP6_LEN;
    memset(e, 0, ETH_LEN + IP6_LEN + 8);
    if (eth) {
        memcpy(e, eth + 6, 6);
        memcpy(e + 6, eth, 6);
    }
    wr16(e + 12, 0x86dd);
    o[0] = 0x60;
    wr16(o + 4, (uint32_t)(8 + q));
    o[6] = 58;
    o[7] = 64;
    memcpy(o + 8, g->gw6, 16);
    memcpy(o + 24, ip + 8, 16);
    m[0] = 1;
    m[1] = code;
    memcpy(m + 8, ip, q);
    wr16(m + 2, csum6(g->gw6, ip + 8, m, 8 + q));
    int rc = g->tun ? synack_tuntap_write(g->dev, o, IP6_LEN + 8 + q)
                    : synack_tuntap_write(g->dev, e, ETH_LEN + IP6_LEN + 8 + q);
    if (rc >= 0)
        st->unreachable++;
}

int gw_icmp6_frame(gw_icmp6 *g, gw_icmp_stats *st, const uint8_t *fr, size_t len, uint64_t now)
{
    if (len < ETH_LEN || rd16(fr + 12) != 0x86dd)
        return 0;
    return gw_icmp6_packet(g, st, fr, fr + ETH_LEN, len - ETH_LEN, now);
}

int gw_icmp6_packet(gw_icmp6 *g, gw_icmp_stats *st, const uint8_t *eth, const uint8_t *ip,
                    size_t len, uint64_t now)
{
    /* IPv6 with ICMPv6 right after the fixed header, an echo request */
    if (len < IP6_LEN + 8)
        return 0;
    size_t plen = rd16(ip + 4);
    if ((ip[0] >> 4) != 6 || ip[6] != 58 || plen < 8 || plen > len - IP6_LEN)
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
    int rc = gw_echo_request(&g->t, st, eth, src, dst, icmp, plen, now);
    if (rc < 0)
        unreach6(g, st, eth, ip, IP6_LEN + plen, rc == -ENETUNREACH ? 0 : 3);
    return 1;
}

/* An echo reply on f's socket, as a packet from f->dst to the namespace. */
static void reply(void *ctx, gw_echo_flow *f, size_t n)
{
    gw_icmp6 *g = ctx;
    gw_icmp_stats *st = g->st;
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
    int rc = g->tun ? synack_tuntap_write(g->dev, ip, IP6_LEN + n)
                    : synack_tuntap_write(g->dev, e, ETH_LEN + IP6_LEN + n);
    if (rc >= 0)
        st->replies++;
}

void gw_icmp6_step(gw_icmp6 *g, gw_icmp_stats *st, uint64_t now)
{
    g->st = st;
    gw_echo_step(&g->t, now, g->buf, sizeof(g->buf), reply, g);
}

int gw_icmp6_pollfds(gw_icmp6 *g, struct pollfd *out, int max)
{
    return gw_echo_pollfds(&g->t, out, max);
}
