/* SPDX-License-Identifier: MIT */
/* ARP frames written out byte by byte (RFC 826 over Ethernet), for tests that play the
 * neighbours of a stack (test_arp_failure, test_arp_nud). */
#ifndef SYNACK_TEST_ARP_FRAMES_H
#define SYNACK_TEST_ARP_FRAMES_H

#include <stdint.h>

#define ARP_FRAME_LEN 42 /* Ethernet header + ARP for IPv4, no padding */

/* An Ethernet frame to eth_dst carrying ARP operation op (1 request, 2 reply) from sha/spa
 * to tha/tpa (tha NULL: zero, as requests carry it); addresses in host order. */
void arp_frame(uint8_t f[ARP_FRAME_LEN], uint16_t op, const uint8_t eth_dst[6],
               const uint8_t sha[6], uint32_t spa, const uint8_t *tha, uint32_t tpa);

#endif
