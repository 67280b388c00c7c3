/* SPDX-License-Identifier: MIT */
/* synack — Ethernet II framing (IEEE 802.3 with a type field; RFC 894). */
#ifndef SYNACK_WIRE_ETH_H
#define SYNACK_WIRE_ETH_H

#include <stddef.h>
#include <stdint.h>

#include "wire/result.h"

#define ETH_HDR_LEN 14        /* Destination, source and type: 6 + 6 + 2 bytes. */
#define ETH_ADDR_LEN 6        /* Octets in a MAC address. */
#define ETHERTYPE_IPV4 0x0800 /* Type field of an IPv4 datagram (RFC 894). */
#define ETHERTYPE_ARP 0x0806  /* Type field of an ARP packet (RFC 826). */
#define ETHERTYPE_IPV6 0x86dd /* Type field of an IPv6 packet (RFC 2464 3). */

typedef struct eth_hdr {
    uint8_t dst[6];     /* Destination MAC address, as on the wire. */
    uint8_t src[6];     /* Source MAC address, as on the wire. */
    uint16_t ethertype; /* Type of the payload, host byte order. */
} eth_hdr;

/* Parses the Ethernet header at frame; the payload starts at frame + ETH_HDR_LEN.
 * Returns WIRE_TRUNCATED if len < ETH_HDR_LEN, WIRE_UNKNOWN_ETHERTYPE (with out
 * still filled in) if the type is neither IPv4 nor ARP, else WIRE_OK. Frame
 * padding up to the 60-byte minimum is left for the IPv4 parser to ignore. */
wire_result eth_parse(const uint8_t *frame, size_t len, eth_hdr *out);

/* Writes h at buf; returns ETH_HDR_LEN, or 0 (writing nothing) if cap is too small. */
size_t eth_emit(uint8_t *buf, size_t cap, const eth_hdr *h);

#endif
