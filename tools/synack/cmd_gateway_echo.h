/* SPDX-License-Identifier: MIT */
/* synack gateway: the echo-flow table both ICMP echo relays (cmd_gateway_icmp.c for IPv4,
 * cmd_gateway_v6icmp.c for IPv6) keep: one connected unprivileged ping socket per
 * (source, destination, identifier), bounded, the least recently used replaced when
 * full, idle ones closed. The relays parse and build the frames of their own family. */
#ifndef SYNACK_TOOL_CMD_GATEWAY_ECHO_H
#define SYNACK_TOOL_CMD_GATEWAY_ECHO_H

#include <poll.h>
#include <stddef.h>
#include <stdint.h>

#include "cmd_gateway_udp.h"

#define GW_ECHO_FLOWS 64
#define GW_ECHO_IDLE_US (10ull * 1000000)

typedef struct gw_echo_flow {
    int fd;                   /* ping socket, -1: free */
    uint8_t src[16], dst[16]; /* the namespace's address and the one it pinged (IPv4: 4 bytes) */
    uint16_t id;              /* its identifier */
    uint8_t mac[6];           /* its MAC, for the reply frames (a TAP's; zero on a TUN) */
    uint8_t gwmac[6];
    uint64_t last;
} gw_echo_flow;

typedef struct gw_echo_table {
    int family; /* AF_INET or AF_INET6 */
    gw_echo_flow f[GW_ECHO_FLOWS];
    struct pollfd *pf;
    int pf_flow[GW_ECHO_FLOWS];
    int npf;
    int open; /* flows with a socket: none, and each round's scans are skipped */
} gw_echo_table;

/* A reply of n bytes read from f's socket, to be written into the namespace. */
typedef void (*gw_echo_reply_fn)(void *ctx, gw_echo_flow *f, size_t n);

void gw_echo_init(gw_echo_table *t, int family);
void gw_echo_close_all(gw_echo_table *t);
/* Sends the echo request icmp (n bytes) from src to dst out through the flow of (src, dst,
 * id), opened if need be, counting in st; eth is the request's Ethernet header (whose MACs
 * the replies swap), NULL on a TUN. Returns 1 (the packet is handled), or -ENETUNREACH or
 * -EHOSTUNREACH when the host has no route to dst (refused too; the caller answers). */
int gw_echo_request(gw_echo_table *t, gw_icmp_stats *st, const uint8_t *eth, const uint8_t *src,
                    const uint8_t *dst, const uint8_t *icmp, size_t n, uint64_t now);
/* Reads what the last poll found into buf, calling reply for each; closes idle flows. */
void gw_echo_step(gw_echo_table *t, uint64_t now, uint8_t *buf, size_t cap, gw_echo_reply_fn reply,
                  void *ctx);
int gw_echo_pollfds(gw_echo_table *t, struct pollfd *out, int max);

#endif
