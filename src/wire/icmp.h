/* SPDX-License-Identifier: MIT */
/* synack — ICMP message parse and emit (RFC 792). */
#ifndef SYNACK_WIRE_ICMP_H
#define SYNACK_WIRE_ICMP_H

#include <stddef.h>
#include <stdint.h>

#include "wire/result.h"

#define ICMP_HDR_LEN 8 /* Type, code, checksum and the 4-byte rest-of-header. */

#define ICMP_ECHO_REPLY 0     /* Echo Reply (RFC 792). */
#define ICMP_DEST_UNREACH 3   /* Destination Unreachable (RFC 792). */
#define ICMP_ECHO_REQUEST 8   /* Echo (RFC 792). */
#define ICMP_TIME_EXCEEDED 11 /* Time Exceeded (RFC 792). */
#define ICMP_PARAM_PROBLEM 12 /* Parameter Problem (RFC 792). */

#define ICMP_CODE_HOST_UNREACH 1  /* Destination Unreachable: host unreachable. */
#define ICMP_CODE_PROTO_UNREACH 2 /* Destination Unreachable: protocol unreachable. */
#define ICMP_CODE_PORT_UNREACH 3  /* Destination Unreachable: port unreachable. */
#define ICMP_CODE_FRAG_NEEDED 4   /* Destination Unreachable: DF set, too big (RFC 1191). */

#define ICMP_CODE_FRAG_TIME_EXCEEDED 1 /* Time Exceeded: reassembly time exceeded (RFC 792). */

typedef struct icmp_msg {
    uint8_t type; /* Message type (ICMP_ECHO_REPLY, ...). */
    uint8_t code; /* Type-specific code (ICMP_CODE_*). */
    /* The 4 bytes after the checksum: identifier << 16 | sequence for echo, the
     * next-hop MTU in the low 16 bits for frag-needed (RFC 1191 4). */
    uint32_t rest;
    /* Bytes after the 8-byte header: echo data, or the offending datagram's IP
     * header and at least 8 bytes of its payload for errors (RFC 792). */
    const uint8_t *payload;
    size_t payload_len; /* Number of payload bytes. */
} icmp_msg;

/* Parses the ICMP message at p (the whole IPv4 payload). Returns WIRE_TRUNCATED
 * if len < 8, WIRE_BAD_ICMP_CSUM unless the checksum over all len bytes
 * verifies, else WIRE_OK with out->payload pointing into p. */
wire_result icmp_parse(const uint8_t *p, size_t len, icmp_msg *out);

/* Writes m's header, copies m->payload after it and computes the checksum.
 * Returns 8 + payload_len, or 0 (writing nothing) if that exceeds cap.
 * m->payload may already sit at buf + 8. */
size_t icmp_emit(uint8_t *buf, size_t cap, const icmp_msg *m);

/* The header both ICMP families share (RFC 792, RFC 4443 2.1); each has its own checksum
 * (ICMPv6 covers a pseudo-header). icmp_hdr_read fills out from the len >= 8 bytes at p;
 * icmp_hdr_write writes m's header with a zero checksum and its payload as icmp_emit does,
 * returning the length or 0. */
void icmp_hdr_read(const uint8_t *p, size_t len, icmp_msg *out);
size_t icmp_hdr_write(uint8_t *buf, size_t cap, const icmp_msg *m);

#endif
