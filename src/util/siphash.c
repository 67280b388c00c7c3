/* SPDX-License-Identifier: MIT */
/* synack — SipHash-2-4 (Aumasson & Bernstein, INDOCRYPT 2012). */
#include "util/siphash.h"

/* Rotates x left by b bits; b is always in 1..63 here. */
static inline uint64_t rotl64(uint64_t x, unsigned b)
{
    return (x << b) | (x >> (64u - b));
}

/* Reads 8 bytes as a little-endian word, byte by byte so alignment and host
 * byte order do not matter. */
static uint64_t load_le64(const uint8_t *p)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < 8; i++)
        v |= (uint64_t)p[i] << (8u * i);
    return v;
}

/* One SipRound: the ARX permutation of the paper, section 2. */
static inline void sip_round(uint64_t v[4])
{
    v[0] += v[1];
    v[1] = rotl64(v[1], 13);
    v[1] ^= v[0];
    v[0] = rotl64(v[0], 32);
    v[2] += v[3];
    v[3] = rotl64(v[3], 16);
    v[3] ^= v[2];
    v[0] += v[3];
    v[3] = rotl64(v[3], 21);
    v[3] ^= v[0];
    v[2] += v[1];
    v[1] = rotl64(v[1], 17);
    v[1] ^= v[2];
    v[2] = rotl64(v[2], 32);
}

/* Absorbs one message word m with c = 2 compression rounds. */
static inline void sip_compress(uint64_t v[4], uint64_t m)
{
    v[3] ^= m;
    sip_round(v);
    sip_round(v);
    v[0] ^= m;
}

uint64_t siphash24(const uint8_t key[16], const void *data, size_t len)
{
    const uint8_t *in = data;
    const uint64_t k0 = load_le64(key);
    const uint64_t k1 = load_le64(key + 8);
    /* Initialization: the key XORed with "somepseudorandomlygeneratedbytes". */
    uint64_t v[4] = {
        k0 ^ UINT64_C(0x736f6d6570736575),
        k1 ^ UINT64_C(0x646f72616e646f6d),
        k0 ^ UINT64_C(0x6c7967656e657261),
        k1 ^ UINT64_C(0x7465646279746573),
    };

    size_t whole = len - (len % 8);
    for (size_t off = 0; off < whole; off += 8)
        sip_compress(v, load_le64(in + off));

    /* Last word: the 0..7 remaining bytes, zero padded, with len mod 256 in
     * the most significant byte. */
    uint64_t last = (uint64_t)(len & 0xff) << 56;
    for (size_t i = 0; i < len % 8; i++)
        last |= (uint64_t)in[whole + i] << (8u * i);
    sip_compress(v, last);

    /* Finalization: d = 4 rounds. */
    v[2] ^= 0xff;
    sip_round(v);
    sip_round(v);
    sip_round(v);
    sip_round(v);
    return v[0] ^ v[1] ^ v[2] ^ v[3];
}
