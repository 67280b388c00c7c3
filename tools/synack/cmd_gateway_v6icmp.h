/* SPDX-License-Identifier: MIT */
/* synack gateway: ICMPv6 echo to the outside (cmd_gateway_v6icmp.c), driven by the ICMP
 * echo relay (cmd_gateway_icmp.c), which counts in its stats. */
#ifndef SYNACK_TOOL_CMD_GATEWAY_V6ICMP_H
#define SYNACK_TOOL_CMD_GATEWAY_V6ICMP_H

#include <poll.h>
#include <stddef.h>
#include <stdint.h>

#include "cmd_gateway_udp.h"

typedef struct gw_icmp6 gw_icmp6;
/* The relay for the namespace ns6 behind the gateway gw6 (whose echo the stack answers);
 * replies go to dev (frames on a TAP, bare packets on a TUN; a NULL dev counts as a TAP). NULL when
 * out of memory. */
gw_icmp6 *gw_icmp6_new(synack_tuntap *dev, const uint8_t gw6[16], const uint8_t ns6[16]);
void gw_icmp6_free(gw_icmp6 *g);
/* An IPv6 frame from the TAP: 1 if it was an echo request for elsewhere, handled (sent out
 * or refused, counted in st), else 0 (the stack's: ND, echo to the gateway, the rest). */
int gw_icmp6_frame(gw_icmp6 *g, gw_icmp_stats *st, const uint8_t *frame, size_t len, uint64_t now);
/* The same for the IPv6 packet ip of len bytes: eth its Ethernet header, NULL on a TUN. */
int gw_icmp6_packet(gw_icmp6 *g, gw_icmp_stats *st, const uint8_t *eth, const uint8_t *ip,
                    size_t len, uint64_t now);
/* Replies the last poll found, written into the namespace; idle flows closed. */
void gw_icmp6_step(gw_icmp6 *g, gw_icmp_stats *st, uint64_t now);
int gw_icmp6_pollfds(gw_icmp6 *g, struct pollfd *out, int max);

#endif
