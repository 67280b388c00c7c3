/* SPDX-License-Identifier: MIT */
/* Test rig for one IPv6 stack on an Ethernet netif whose peer (neighbor, router) the test
 * plays: the stack's frames are captured for byte-for-byte comparison, and the peer's are
 * built here, so the ND, NUD, DAD, MLD and RA scenario tests share one copy. */
#ifndef SYNACK_TEST_IPV6_ETH_RIG_H
#define SYNACK_TEST_IPV6_ETH_RIG_H

#include <stddef.h>
#include <stdint.h>

#include "synack/synack.h"
#include "wire/ipv6.h"

typedef struct eth6_frame {
    size_t len;
    uint8_t b[1600];
} eth6_frame;

/* The frames the stack sent, in order; beyond ETH6_CAP_MAX they are not kept. */
#define ETH6_CAP_MAX 64
typedef struct eth6_cap {
    size_t n;
    eth6_frame f[ETH6_CAP_MAX];
} eth6_cap;

/* The netif output callback; ctx is an eth6_cap. */
int eth6_capture(void *ctx, const uint8_t *frame, size_t len);

/* Fills an already defaulted config: deterministic (seed 11), an Ethernet netif with
 * `mac`, 192.0.2.2/24, addr6/64 unless addr6 is NULL, and output into cap (emptied).
 * DAD, MLD and SLAAC stay as the caller sets them. */
void eth6_config(synack_config *c, eth6_cap *cap, const uint8_t mac[6], const uint8_t *addr6);

ipv6_addr eth6_addr(const uint8_t b[16]);

/* An Ethernet frame (ethdst, ethsrc, IPv6 with next header nh and hop limit hop) holding
 * l4 (n bytes) from src6 to dst6, written at buf; returns its length. */
size_t eth6_frame_build(uint8_t *buf, const uint8_t *ethdst, const uint8_t *ethsrc,
                        const ipv6_addr *src6, const ipv6_addr *dst6, uint8_t nh, uint8_t hop,
                        const uint8_t *l4, size_t n);

/* The ICMPv6 checksum of msg (n bytes) from src to dst (RFC 8200 8.1), written out here so
 * the stack's checksum code is not its own judge. */
uint16_t eth6_icmp_sum(const uint8_t *src, const uint8_t *dst, const uint8_t *msg, size_t n);

/* Connects a new IPv6 stream socket to dst port 80; returns synack_connect's result. */
int eth6_connect(synack_stack *st, const uint8_t dst[16]);
/* eth6_connect, the socket in *sock. */
int eth6_connect_sock(synack_stack *st, const uint8_t dst[16], int *sock);

#endif
