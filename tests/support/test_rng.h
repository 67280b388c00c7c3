/* SPDX-License-Identifier: MIT */
/* Test helper: xorshift64*, the pseudo-random source of the randomized model checks
 * (tests/unit/test_sendbuf.c, test_recvbuf_model.c). Deterministic from its seed, so a
 * failure reproduces; the caller owns the state and seeds it non-zero. */
#ifndef SYNACK_TEST_RNG_H
#define SYNACK_TEST_RNG_H

#include <stdint.h>

static inline uint32_t test_rng_next(uint64_t *state)
{
    *state ^= *state >> 12;
    *state ^= *state << 25;
    *state ^= *state >> 27;
    return (uint32_t)((*state * 2685821657736338717ull) >> 32);
}

#endif
