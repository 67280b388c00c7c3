/* SPDX-License-Identifier: MIT */
/* The Internet checksum (RFC 1071) written out for tests, so the stack's own checksum code
 * is not its own judge: the ping, ping_err, UDP and UDP-over-IPv6 scenario tests sum the
 * packets they build and check the ones the stack sends with it. */
#ifndef SYNACK_TEST_REF_CSUM_H
#define SYNACK_TEST_REF_CSUM_H

#include <stddef.h>
#include <stdint.h>

/* acc plus the big-endian 16-bit words of p (n bytes; an odd last byte padded with zero),
 * not yet folded. */
uint32_t ref_sum16(uint32_t acc, const uint8_t *p, size_t n);

/* acc folded to 16 bits and inverted: the checksum field's value. */
uint16_t ref_fold(uint32_t acc);

#endif
