/* SPDX-License-Identifier: MIT */
/* synack — SipHash-2-4, a keyed pseudo-random function.
 *
 * Used wherever an attacker chooses the input to a hash (connection-table
 * buckets, ISN and SYN-cookie derivation per RFC 6528 section 3) so that the
 * output cannot be predicted or forced into collisions without the secret key.
 * Algorithm: J.-P. Aumasson and D. J. Bernstein, "SipHash: a fast short-input
 * PRF", INDOCRYPT 2012. */
#ifndef SYNACK_UTIL_SIPHASH_H
#define SYNACK_UTIL_SIPHASH_H

#include <stddef.h>
#include <stdint.h>

/* SipHash-2-4 of len bytes at data under the 128-bit key; the key bytes are
 * read as two little-endian 64-bit words, as in the paper. data may be NULL
 * when len is 0. */
uint64_t siphash24(const uint8_t key[16], const void *data, size_t len);

#endif
