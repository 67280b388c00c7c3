/* SPDX-License-Identifier: MIT */
/* synack — per-destination routes, as Linux keeps them (`ip route ... via G mtu [lock] N
 * advmss N initcwnd N`, `ip -6 route ...`): the next hop, the path MTU, whether ICMP may
 * lower it, the MSS we announce and the initial congestion window of new connections. Two
 * bounded tables, one per family (synack_config.route_table_size prefixes each), longest
 * prefix first; all of them leave through the stack's one interface. A route with neither
 * a gateway nor SYNACK_ROUTE_ON_LINK carries metrics only: its destinations go as they
 * would without it (on link inside the netif's prefix, else netif.gateway, netif.gateway6
 * or an advertised router). */
#ifndef SYNACK_ROUTE_H
#define SYNACK_ROUTE_H

#include <stdint.h>

#include "synack/api.h"

#ifdef __cplusplus
extern "C" {
#endif

SYNACK_API_BEGIN

typedef struct synack_stack synack_stack;

/* synack_route.flags, synack_route6.flags: ICMP fragmentation needed (ICMPv6 Packet Too
 * Big) does not lower `mtu` */
#define SYNACK_ROUTE_MTU_LOCK 0x1
/* The prefix is on the link (`ip route add P dev IF`, scope link: not Linux's `onlink`
 * keyword): its destinations are resolved (ARP, ND) themselves, with no gateway. Not with
 * a gateway (-EINVAL). */
#define SYNACK_ROUTE_ON_LINK 0x2

typedef struct synack_route {
    uint32_t dst;       /* destination prefix, host byte order; bits past prefix_len are 0 */
    uint8_t prefix_len; /* 0..32 (0: every destination) */
    uint8_t flags;      /* SYNACK_ROUTE_* */
    uint16_t mtu;       /* path MTU, 68..netif.mtu; 0: the link's */
    uint16_t advmss;    /* the MSS our SYN and SYN-ACK announce (at most what the MTU gives);
                           0: from the MTU */
    uint16_t initcwnd;  /* initial cwnd in segments, 1..1024; 0: cfg.initial_cwnd_segs */
    uint32_t gateway;   /* next hop (`via`), host byte order, inside netif.addr's prefix;
                           0: none. Ignored on a SYNACK_LINK_IP link */
} synack_route;

/* Adds r, or replaces the route with the same prefix. Connections that exist keep the
 * metrics they started with, except the path MTU, which they follow as it changes; every
 * packet takes the next hop its route gives when it is sent. 0; -EINVAL (NULL,
 * prefix_len > 32, host bits set, a field out of range, unknown flags, a gateway with
 * SYNACK_ROUTE_ON_LINK, a gateway that is our address, the prefix's broadcast address or
 * not unicast); -ENETUNREACH (a gateway outside netif.addr's prefix, as Linux's `ip route
 * add`, or no IPv4 address); -ENOSPC (the table is full); -ENOMEM; -EBUSY (called from a
 * callback). */
int synack_route_set(synack_stack *st, const synack_route *r);

/* Removes the route for exactly dst/prefix_len: 0; -EINVAL; -ENOENT; -EBUSY. */
int synack_route_del(synack_stack *st, uint32_t dst, uint8_t prefix_len);

/* The route addr takes (the longest prefix holding it) into *out: 0; -EINVAL; -ENOENT. */
int synack_route_lookup(const synack_stack *st, uint32_t addr, synack_route *out);

/* An IPv6 destination prefix and its metrics, with synack_route's meaning. IPv4-mapped
 * destinations (::ffff:a.b.c.d) are IPv4 on the wire and take IPv4 routes. */
typedef struct synack_route6 {
    uint8_t dst[16];    /* destination prefix, network byte order; bits past prefix_len 0 */
    uint8_t prefix_len; /* 0..128 (0: every destination) */
    uint8_t flags;      /* SYNACK_ROUTE_* */
    uint16_t mtu;       /* path MTU, 68..netif.mtu; 0: the link's. Below IPv6's 1280
                           minimum only TCP's segments follow it (as Linux's) */
    uint16_t advmss;    /* as synack_route's; 0: from the MTU (MTU - 60) */
    uint16_t initcwnd;  /* initial cwnd in segments, 1..1024; 0: cfg.initial_cwnd_segs */
    /* next hop (`via`), usually link-local (fe80::/10), else inside netif.addr6's prefix;
     * all zero: none. Ignored on a SYNACK_LINK_IP link */
    uint8_t gateway[16];
} synack_route6;

/* The IPv6 table's synack_route_set, _del and _lookup: the same rules and errnos, with
 * prefix_len up to 128, except for the gateway: -EINVAL for a multicast one or one of our
 * addresses, -EHOSTUNREACH (Linux's) for one neither link-local nor inside netif.addr6's
 * prefix. The two families' tables are separate, each of cfg.route_table_size routes. */
int synack_route6_set(synack_stack *st, const synack_route6 *r);
int synack_route6_del(synack_stack *st, const uint8_t dst[16], uint8_t prefix_len);
int synack_route6_lookup(const synack_stack *st, const uint8_t addr[16], synack_route6 *out);

SYNACK_API_END

#ifdef __cplusplus
}
#endif

#endif
