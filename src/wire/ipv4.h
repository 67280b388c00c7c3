/* SPDX-License-Identifier: MIT */
/* synack — IPv4 header parse and emit (RFC 791 3.1). */
#ifndef SYNACK_WIRE_IPV4_H
#define SYNACK_WIRE_IPV4_H

#include <stddef.h>
#include <stdint.h>

#include "wire/result.h"

#define IPV4_HDR_LEN 20         /* Header without options (IHL 5). */
#define IPV4_MAX_HDR_LEN 60     /* Header with the most options (IHL 15). */
#define IPV4_FLAG_DF 0x4000     /* Don't Fragment, in the raw frag field. */
#define IPV4_FLAG_MF 0x2000     /* More Fragments, in the raw frag field. */
#define IPV4_FRAG_OFFSET 0x1fff /* Fragment offset mask (8-octet units). */
#define IP_ECN_MASK 0x03        /* The ECN field: the low two bits of the TOS octet (RFC 3168 5). */
#define IP_ECN_NOT_ECT 0x00     /* Not ECN-capable transport. */
#define IP_ECN_ECT1 0x01        /* ECN-capable transport, ECT(1). */
#define IP_ECN_ECT0 0x02        /* ECN-capable transport, ECT(0). */
#define IP_ECN_CE 0x03          /* Congestion experienced. */
#define IP_PROTO_ICMP 1         /* Protocol number of ICMP (RFC 792). */
#define IP_PROTO_TCP 6          /* Protocol number of TCP (RFC 9293). */
#define IP_PROTO_UDP 17         /* Protocol number of UDP (RFC 768). */

typedef struct ipv4_hdr {
    uint8_t tos;            /* Type of service / DSCP+ECN octet, raw (RFC 3168 5). */
    uint16_t total_len;     /* Total length: header plus payload, in bytes. */
    uint16_t id;            /* Identification, used only to reassemble fragments. */
    uint16_t frag;          /* Flags and fragment offset, raw (IPV4_FLAG_*, IPV4_FRAG_OFFSET). */
    uint8_t ttl;            /* Time to live. */
    uint8_t proto;          /* Upper-layer protocol (IP_PROTO_*). */
    uint32_t src;           /* Source address, host byte order. */
    uint32_t dst;           /* Destination address, host byte order. */
    uint8_t hdr_len;        /* Header length in bytes (IHL * 4), options included. */
    const uint8_t *payload; /* First payload byte, inside the parsed buffer; unused by emit. */
    size_t payload_len;     /* Payload bytes: total_len - hdr_len (link padding excluded). */
} ipv4_hdr;

/* Parses the datagram at pkt (len bytes, possibly with trailing link padding).
 * Checks, in order: len >= 20 (WIRE_TRUNCATED); version 4 (WIRE_BAD_VERSION);
 * IHL >= 5 (WIRE_BAD_IHL); 20 <= total_len <= len (WIRE_BAD_TOTAL_LEN);
 * IHL * 4 <= total_len (WIRE_BAD_IHL); header checksum (WIRE_BAD_IP_CSUM);
 * MF set or offset non-zero (WIRE_FRAGMENT; DF alone is fine). Options are
 * skipped unread. On WIRE_OK, out->payload points into pkt; on WIRE_FRAGMENT out is
 * filled the same way, for reassembly. */
wire_result ipv4_parse(const uint8_t *pkt, size_t len, ipv4_hdr *out);

/* Writes a 20-byte header without options from h (tos, id, frag, ttl, proto,
 * src, dst) with total_len = 20 + payload_len and a computed checksum.
 * Returns IPV4_HDR_LEN, or 0 (writing nothing) if cap < 20 or the total length
 * would exceed 65535. The payload itself is not written. */
size_t ipv4_emit(uint8_t *buf, size_t cap, const ipv4_hdr *h, size_t payload_len);

#endif
