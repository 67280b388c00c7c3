/* SPDX-License-Identifier: MIT */
/* Test helper: builds one IPv4+TCP or IPv6+TCP frame (the in-memory link's bare IP framing)
 * from header fields, with the wire layer's own emitters, so a scenario test can hand a stack
 * exactly the segment it wants ("server receives this segment") through synack_input(). */
#ifndef SYNACK_TEST_SEGBUILD_H
#define SYNACK_TEST_SEGBUILD_H

#include <stddef.h>
#include <stdint.h>

#include "wire/tcp_wire.h"

/* Room for any frame seg_build makes: IPv4 and TCP headers, 40 option bytes, a 1460-byte
 * payload. */
#define SEG_FRAME_MAX 1540

/* Writes an IPv4 header (src -> dst, host byte order, TTL 64, DF) and a TCP segment with
 * the given fields, options (NULL: none) and len payload bytes (payload may be NULL only
 * when len is 0), checksums computed. Returns the frame length, or 0 if it does not fit
 * in cap. */
size_t seg_build(uint8_t *buf, size_t cap, uint32_t src, uint32_t dst, uint16_t sport,
                 uint16_t dport, uint32_t seq, uint32_t ack, uint8_t flags, uint16_t win,
                 const void *payload, size_t len, const tcp_opts *opts);

/* seg_build for IPv6: an IPv6 header (src6 -> dst6, hop limit 64) and the TCP segment,
 * its checksum over the IPv6 pseudo-header. Returns the packet length, or 0 if it does
 * not fit in cap. */
size_t seg_build6(uint8_t *buf, size_t cap, const uint8_t src6[16], const uint8_t dst6[16],
                  uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack, uint8_t flags,
                  uint16_t win, const void *payload, size_t len, const tcp_opts *opts);

/* Asserts (failing the running cmocka test) that b (len bytes) is exactly one IPv6 packet
 * from src6 to dst6 holding a TCP segment with a correct checksum, parsed into s (its
 * payload pointing into b); returns len. */
size_t seg_parse6(const uint8_t *b, size_t len, const uint8_t src6[16], const uint8_t dst6[16],
                  tcp_seg *s);

#endif
