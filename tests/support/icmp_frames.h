/* SPDX-License-Identifier: MIT */
/* ICMP and ICMPv6 error packets built by hand, for tests that play a router answering
 * what a stack sent (test_ping_err, test_udp_err). */
#ifndef SYNACK_TEST_ICMP_FRAMES_H
#define SYNACK_TEST_ICMP_FRAMES_H

#include <stddef.h>
#include <stdint.h>

/* An IPv4 packet from src to dst (host order) carrying an ICMP message of type and code
 * whose second word is rest, quoting q (qlen bytes); both checksums set. f holds at least
 * 28 + qlen bytes. Returns the packet's length. */
size_t icmp4_error_packet(uint8_t *f, uint32_t src, uint32_t dst, uint8_t type, uint8_t code,
                          uint32_t rest, const uint8_t *q, size_t qlen);
/* The same over IPv6 (hop limit 64; the checksum over the pseudo-header, RFC 4443 2.3).
 * f holds at least 48 + qlen bytes. */
size_t icmp6_error_packet(uint8_t *f, const uint8_t src[16], const uint8_t dst[16], uint8_t type,
                          uint8_t code, uint32_t rest, const uint8_t *q, size_t qlen);

#endif
