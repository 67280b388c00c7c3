/* SPDX-License-Identifier: MIT */
/* synack — deterministic pseudo-random numbers.
 *
 * One generator per stack (and one per simulated link), seeded by the host, so
 * a simulation with the same seed replays bit for bit. Not cryptographic: use
 * siphash24 with a secret key where an attacker must not predict values
 * (RFC 6528 ISNs, SYN cookies). */
#ifndef SYNACK_UTIL_RNG_H
#define SYNACK_UTIL_RNG_H

#include <stdint.h>

/* xoshiro256** state (Blackman & Vigna, "Scrambled linear pseudorandom number
 * generators", 2018). */
typedef struct synack_rng {
    /* The 256-bit generator state; never all zero once seeded. */
    uint64_t s[4];
} synack_rng;

/* Fills the state from seed with four splitmix64 outputs, as the xoshiro
 * authors recommend; every seed, including 0, gives a usable state. */
void rng_seed(synack_rng *r, uint64_t seed);

/* Next 64 uniformly distributed bits (xoshiro256**). */
uint64_t rng_next(synack_rng *r);

/* Uniform integer in [0, n) without modulo bias (Lemire's multiply-shift with
 * rejection). n must be > 0; returns 0 when n is 0. */
uint32_t rng_below(synack_rng *r, uint32_t n);

/* Uniform double in [0, 1) with 53 random bits. */
double rng_unit(synack_rng *r);

#endif
