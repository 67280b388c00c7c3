/* SPDX-License-Identifier: MIT */
/* synack gateway: UDP NAT flows and DNS forwarding (cmd_gateway_udp.c), ICMP echo
 * (cmd_gateway_icmp.c). */
#ifndef SYNACK_TOOL_CMD_GATEWAY_UDP_H
#define SYNACK_TOOL_CMD_GATEWAY_UDP_H

#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>

#include "cmd_gateway.h"
#include "synack/synack.h"
#include "synack/tuntap.h"

/* Idle timeouts of a flow, as Linux conntrack's UDP and pasta's: a flow that never got an
 * answer (one-shot queries, scans) goes after 30 s, one with replies ("stream") after
 * 180 s, a DNS flow 10 s after its last datagram (slirp's fast expiry for DNS). */
#define GW_UDP_UNREPLIED_US (30ull * 1000000)
#define GW_UDP_STREAM_US (180ull * 1000000)
#define GW_UDP_DNS_US (10ull * 1000000)

typedef struct gw_udp_opts {
    uint32_t max_flows;  /* flows (host sockets) at once; the least recently used is evicted */
    uint32_t gw;         /* the stack's own address: never forwarded (the host has no such) */
    uint32_t dns;        /* the namespace's DNS address (0: none) */
    uint32_t dns_server; /* where its queries go (host order) */
    uint16_t dns_port;   /* and the port (53) */
    /* The gateway's options (NULL: IPv4 only, no forwards). With go->ipv6 the catch-all is
     * a dual-stack AF_INET6 socket (one per stack): IPv6 datagrams go through flows on
     * AF_INET6 host sockets under gw_dest_sa's policy, and DNS to the gateway's own IPv6
     * address (go->gw6, port 53) goes to dns_server. go->fwd's udp entries are forwards. */
    const gw_opts *go;
    /* With go->socks5_salen (tun2socks mode): every flow is a UDP ASSOCIATE through the
     * proxy (cmd_gateway_socks5udp.c), counted in *stats (the relay's of the same thread). */
    gw_stats *stats;
} gw_udp_opts;

/* --forward udp: each host peer of a forward speaks to the namespace from its own port of
 * the gateway's address, GW_UDP_FWD_PORT0 + forward * GW_UDP_FWD_PEERS + peer, so that a
 * reply names the peer; a forward keeps GW_UDP_FWD_PEERS peers (least recently used
 * evicted), each expiring as a flow does. */
#define GW_UDP_FWD_PEERS 32
#define GW_UDP_FWD_PORT0 61000

/* Where an IPv6 datagram to dst:dport goes (gw_dest_sa's policy, DNS first): */
enum {
    GW_UDP6_DROP = -2,    /* nowhere, silently (not global unicast, the namespace itself) */
    GW_UDP6_UNREACH = -1, /* the gateway itself: port unreachable, as a host without it */
    GW_UDP6_RELAY = 0,    /* to *to */
    GW_UDP6_LOOPBACK = 1, /* the gateway, --enable-host-loopback: to the host's ::1 */
    GW_UDP6_DNS = 2,      /* the gateway's port 53: to dns_server */
};
int gw_udp_dest6(const gw_udp_opts *o, const uint8_t dst[16], uint16_t dport,
                 struct sockaddr_in6 *to);

typedef struct gw_udp_stats {
    uint64_t flows;       /* flows opened */
    uint64_t expired;     /* closed idle */
    uint64_t evicted;     /* closed to make room */
    uint64_t up, down;    /* datagrams namespace -> host, host -> namespace */
    uint64_t dns;         /* datagrams to the DNS address */
    uint64_t blocked;     /* datagrams to addresses never forwarded (loopback, multicast, ...) */
    uint64_t errors;      /* host socket errors (send refused, no socket) */
    uint64_t unreachable; /* ICMP errors the host heard, passed on to the namespace */
    uint64_t flows6;      /* of the flows, IPv6 ones */
    uint64_t fwd_in;      /* --forward udp: datagrams host peer -> namespace */
    uint64_t fwd_out;     /* ... and namespace -> host peer */
    uint64_t fwd_peers;   /* host peers seen (each a port of the gateway's address) */
    uint64_t fwd_evicted; /* ... evicted from a full table */
} gw_udp_stats;

typedef struct gw_udp gw_udp;
typedef struct gw_icmp gw_icmp;
/* A catch-all UDP socket on st and an empty flow table; NULL on failure. */
gw_udp *gw_udp_new(synack_stack *st, const gw_udp_opts *o);
void gw_udp_free(gw_udp *u);
/* One round at time now: datagrams from the namespace out through their flows' host
 * sockets, replies (from the last poll's readable sockets) back, idle flows closed. */
void gw_udp_step(gw_udp *u, uint64_t now);
/* The flows' host fds to poll (at most max; the array is read back at the next step). */
int gw_udp_pollfds(gw_udp *u, struct pollfd *out, int max);
/* The earliest idle expiry, UINT64_MAX if none. */
uint64_t gw_udp_deadline(const gw_udp *u);
const gw_udp_stats *gw_udp_stats_get(const gw_udp *u);
uint32_t gw_udp_open(const gw_udp *u);
/* "A" or "A:PORT" into *addr (host order) and *port: 0, or -1. */
int gw_parse_hostport(const char *v, uint32_t *addr, uint16_t *port);
/* The UDP and ICMP lines of the exit summary (a JSON object with json), summed over the n
 * tables of --threads. */
void gw_udp_summary(int json, gw_udp *const *u, gw_icmp *const *ic, synack_stack *const *st, int n);
/* The first IPv4 nameserver of a resolv.conf (host order), 0 if none. */
uint32_t gw_resolv_conf(const char *path);

typedef struct gw_icmp_stats {
    uint64_t requests; /* echo requests sent out through a ping socket */
    uint64_t replies;  /* echo replies written back into the namespace */
    uint64_t refused;  /* requests dropped: no ping socket (net.ipv4.ping_group_range), or
                          to this host, multicast or broadcast */
    /* of those, answered with ICMP net/host unreachable (the host has no route) */
    uint64_t unreachable;
} gw_icmp_stats;

/* ICMP echo through unprivileged ping sockets; frames for the namespace go to dev.
 * gw is the stack's address (whose echo the stack answers itself). */
gw_icmp *gw_icmp_new(synack_tuntap *dev, uint32_t gw);
void gw_icmp_free(gw_icmp *g);
/* Relays ICMPv6 echo too (cmd_gateway_v6icmp.c): gw6 the stack's IPv6 address, ns6 the
 * namespace's. 0, or -1 when out of memory. */
int gw_icmp_enable_v6(gw_icmp *g, const uint8_t gw6[16], const uint8_t ns6[16]);
/* A frame read from the TAP, or a packet from the TUN (as dev is; a NULL dev counts as a
 * TAP): 1 if it was an echo request for elsewhere, handled here (the stack never sees it),
 * else 0. */
int gw_icmp_frame(gw_icmp *g, const uint8_t *frame, size_t len, uint64_t now);
void gw_icmp_step(gw_icmp *g, uint64_t now);
int gw_icmp_pollfds(gw_icmp *g, struct pollfd *out, int max);
const gw_icmp_stats *gw_icmp_stats_get(const gw_icmp *g);

#endif
