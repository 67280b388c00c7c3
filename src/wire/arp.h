/* SPDX-License-Identifier: MIT */
/* synack — ARP for IPv4 over Ethernet (RFC 826). */
#ifndef SYNACK_WIRE_ARP_H
#define SYNACK_WIRE_ARP_H

#include <stddef.h>
#include <stdint.h>

#include "wire/result.h"

#define ARP_LEN 28           /* Fixed size of an Ethernet/IPv4 ARP packet. */
#define ARP_HTYPE_ETHERNET 1 /* ar$hrd for Ethernet (RFC 826). */
#define ARP_OP_REQUEST 1     /* ar$op: ares_op$REQUEST. */
#define ARP_OP_REPLY 2       /* ar$op: ares_op$REPLY. */

typedef struct arp_pkt {
    uint16_t op;    /* Opcode (ar$op): ARP_OP_REQUEST or ARP_OP_REPLY; others pass through. */
    uint8_t sha[6]; /* Sender hardware address (ar$sha). */
    uint32_t spa;   /* Sender protocol address (ar$spa), host byte order. */
    uint8_t tha[6]; /* Target hardware address (ar$tha); ignored in a request. */
    uint32_t tpa;   /* Target protocol address (ar$tpa), host byte order. */
} arp_pkt;

/* Parses the ARP packet at p. Returns WIRE_TRUNCATED if len < ARP_LEN,
 * WIRE_BAD_ARP unless htype 1, ptype 0x0800, hlen 6 and plen 4, else WIRE_OK.
 * The opcode is not judged: the caller answers requests and learns from both. */
wire_result arp_parse(const uint8_t *p, size_t len, arp_pkt *out);

/* Writes a as an Ethernet/IPv4 ARP packet; returns ARP_LEN, or 0 (writing
 * nothing) if cap < ARP_LEN. */
size_t arp_emit(uint8_t *buf, size_t cap, const arp_pkt *a);

#endif
