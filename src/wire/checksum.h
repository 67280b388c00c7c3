/* SPDX-License-Identifier: MIT */
/* synack — the Internet checksum (RFC 1071), shared by IPv4, ICMP and TCP.
 *
 * The running sum is kept in a 64-bit accumulator so callers can add a
 * pseudo-header and several discontiguous chunks before folding once. Start
 * from 0, add, then csum_finish(). To update a checksum incrementally instead
 * (RFC 1624 eqn. 3, HC' = ~(~HC + ~m + m')): acc = csum_add16(0, (uint16_t)~HC), then
 * csum_add16(acc, (uint16_t)~m) and csum_add16(acc, m') for each changed word, then
 * csum_finish(acc) is HC'. */
#ifndef SYNACK_WIRE_CHECKSUM_H
#define SYNACK_WIRE_CHECKSUM_H

#include <stddef.h>
#include <stdint.h>

/* Adds len bytes at data to acc as big-endian 16-bit words (RFC 1071 2).
 * Each chunk must begin at an even offset of the message being summed; only the
 * final chunk may have odd length, and its last byte is padded with a zero
 * octet (RFC 9293 3.1). data needs no alignment. Returns the new accumulator. */
uint64_t csum_add(uint64_t acc, const void *data, size_t len);

/* Copies len bytes from src to dst (which must not overlap) and adds them to acc in the
 * same pass, exactly as csum_add(acc, src, len) would: one read of the data instead of
 * two, for payloads copied into a frame or out of one (the send path's copy from the send
 * ring, the receive fast path's copy into the receive ring). Same chunk rules as csum_add. */
uint64_t csum_copy(uint64_t acc, void *dst, const void *src, size_t len);

/* Adds a chunk's partial sum, as returned by csum_add(0, chunk, n) or csum_copy(0, ...),
 * to acc; odd says the chunk started at an odd offset of the message, so its bytes sit in
 * the other halves of their 16-bit words (RFC 1071 2(B): a byte swap). */
uint64_t csum_add_partial(uint64_t acc, uint64_t chunk, int odd);

/* Adds one 16-bit word, given in host order, to acc (RFC 1624 updates). */
uint64_t csum_add16(uint64_t acc, uint16_t word);

/* Adds the IPv4 pseudo-header (RFC 9293 3.1: source, destination, zero,
 * protocol, upper-layer length) to acc; src and dst are in host byte order. */
uint64_t csum_pseudo_ipv4(uint64_t acc, uint32_t src, uint32_t dst, uint8_t proto, uint16_t len);

/* Adds the IPv6 pseudo-header (RFC 8200 8.1: source, destination, 32-bit upper-layer
 * length, three zero octets, next header) to acc; src and dst are 16 bytes each in
 * network order, and len is the upper-layer packet length (extension headers excluded). */
uint64_t csum_pseudo_ipv6(uint64_t acc, const uint8_t src[16], const uint8_t dst[16], uint8_t proto,
                          uint32_t len);

/* Folds acc to 16 bits with end-around carry and returns its one's complement,
 * in host order, ready for wr16(). Over a message whose checksum field holds a
 * correct checksum the result is 0. */
uint16_t csum_finish(uint64_t acc);

#endif
