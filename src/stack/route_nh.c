/* SPDX-License-Identifier: MIT */
/* The next hop a route gives (synack_route.gateway, synack_route6.gateway and
 * SYNACK_ROUTE_ON_LINK): checked when the route is set, as Linux's `ip route add` checks
 * `via` (the gateway must be a neighbor: RFC 1122 3.3.1.1, RFC 4861 8 for IPv6's
 * link-local ones), and chosen for each packet on Ethernet. The netif's own prefix is a
 * connected route and an RA's on-link prefix another: a destination takes whichever of
 * them and the table's routes is longest, a static route winning a tie, as it was set on
 * purpose. A route that names no next hop leaves its destinations to the netif's rule. */
#include <errno.h>
#include <string.h>

#include "stack/stack_impl.h"

static uint32_t mask_of(uint8_t len)
{
    return len == 0 ? 0 : ~0u << (32 - len);
}

static int in_netif_prefix(const synack_netif *n, uint32_t a)
{
    return (a & mask_of(n->prefix_len)) == (n->addr & mask_of(n->prefix_len));
}

int route_gateway_check(const synack_stack *st, const synack_route *r)
{
    const synack_netif *n = &st->cfg.netif;
    uint32_t g = r->gateway;
    if (g == 0)
        return 0;
    if (r->flags & SYNACK_ROUTE_ON_LINK)
        return -EINVAL;
    /* Linux answers a gateway no link route reaches (multicast and loopback included)
     * with ENETUNREACH, and one that is the link's broadcast with EINVAL. */
    if (n->addr == 0 || !in_netif_prefix(n, g))
        return -ENETUNREACH;
    uint32_t host = ~mask_of(n->prefix_len);
    int bcast = n->prefix_len <= 30 && (g & host) == host;
    if ((g >> 24) == 0 || g >= 0xe0000000u || (g >> 24) == 127 || bcast || g == n->addr)
        return -EINVAL;
    return 0;
}

uint32_t route_next_hop(const synack_stack *st, uint32_t dst)
{
    const synack_netif *n = &st->cfg.netif;
    int on_link = in_netif_prefix(n, dst);
    const synack_route *r = route_find(st, dst);
    if (r && (r->gateway || (r->flags & SYNACK_ROUTE_ON_LINK)) &&
        !(on_link && n->prefix_len > r->prefix_len))
        return r->gateway ? r->gateway : dst;
    return on_link ? dst : n->gateway;
}

/* --- IPv6 --- */

static int prefix6_holds(const uint8_t *p, uint8_t len, const uint8_t *a)
{
    if (memcmp(a, p, len / 8) != 0)
        return 0;
    uint8_t bits = len % 8;
    return !bits || ((a[len / 8] ^ p[len / 8]) & (uint8_t)(0xff00u >> bits)) == 0;
}

static int netif6_holds(const synack_stack *st, const uint8_t a[16])
{
    const synack_netif *n = &st->cfg.netif;
    return ip6_enabled(st) && n->prefix6_len && prefix6_holds(n->addr6, n->prefix6_len, a);
}

int route6_gateway_check(const synack_stack *st, const synack_route6 *r)
{
    ipv6_addr g;
    memcpy(g.b, r->gateway, 16);
    if (ipv6_addr_is_unspecified(&g))
        return 0;
    if ((r->flags & SYNACK_ROUTE_ON_LINK) || ipv6_addr_is_multicast(&g))
        return -EINVAL;
    if (ip6_enabled(st) && memcmp(g.b, st->cfg.netif.addr6, 16) == 0)
        return -EINVAL;
    if (st->cfg.netif.type == SYNACK_LINK_ETHERNET) {
        ipv6_addr ll;
        ip6_link_local(st, &ll);
        if (ipv6_addr_equal(&g, &ll))
            return -EINVAL;
    }
    /* Linux's ip6_route_check_nh: a global gateway must be on a connected prefix, or
     * "no route to host"; a loopback or IPv4-mapped one never is. */
    if (ipv6_addr_is_link_local(&g))
        return 0;
    if (ipv6_addr_is_loopback(&g) || ipv6_addr_is_v4mapped(&g) || !netif6_holds(st, g.b))
        return -EHOSTUNREACH;
    return 0;
}

int route6_next_hop(const synack_stack *st, const ipv6_addr *dst, ipv6_addr *nh)
{
    if (ipv6_addr_is_link_local(dst))
        return 0;
    const synack_route6 *r = route6_find(st, dst->b);
    static const uint8_t zero[16];
    int via = r && memcmp(r->gateway, zero, 16) != 0;
    if (!r || (!via && !(r->flags & SYNACK_ROUTE_ON_LINK)))
        return 0;
    if (netif6_holds(st, dst->b) && st->cfg.netif.prefix6_len > r->prefix_len)
        return 0;
    if (st->nd_on && ip6_ra_on_link_len(st, dst) > (int)r->prefix_len)
        return 0;
    if (via)
        memcpy(nh->b, r->gateway, 16);
    else
        *nh = *dst;
    return 1;
}
