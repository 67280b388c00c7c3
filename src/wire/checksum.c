/* SPDX-License-Identifier: MIT */
/* synack — Internet checksum, RFC 1071 with a 64-bit accumulator.
 *
 * Speed: within one csum_add() call the bytes are summed as the 16-bit halves of
 * native-endian 32-bit words into 32-bit lanes, a loop the compiler vectorises (and, on
 * x86-64 Linux, also builds for AVX2). Because the sum is independent of byte order up to
 * a swap (RFC 1071 2(B)), a little-endian host only swaps the folded 16-bit result once per
 * call. csum_copy() does the same while copying, so a payload moved into or out of a frame
 * is read once. Loads go through memcpy so any alignment is safe. */
#include "wire/checksum.h"

#include <string.h>

/* Adds b to a with end-around carry, so the sum stays exact modulo 2^64 - 1,
 * of which 2^16 - 1 is a divisor. */
static inline uint64_t add_carry(uint64_t a, uint64_t b)
{
    a += b;
    return a + (a < b);
}

/* Folds a 64-bit end-around sum to 16 bits; a non-zero input never folds to 0. */
static inline uint16_t fold16(uint64_t x)
{
    x = (x & 0xffffffffu) + (x >> 32);
    x = (x & 0xffffffffu) + (x >> 32);
    x = (x & 0xffffu) + (x >> 16);
    x = (x & 0xffffu) + (x >> 16);
    return (uint16_t)x;
}

/* True on a little-endian host; compilers fold this to a constant. */
static inline int host_is_little_endian(void)
{
    const uint16_t one = 1;
    uint8_t first;
    memcpy(&first, &one, 1);
    return first == 1;
}

/* GCC vectorises the loops below only with the dynamic cost model; clang does at -O2. */
#if defined(__GNUC__) && !defined(__clang__)
#define SYNACK_VECTORIZE __attribute__((optimize("-O3", "-fvect-cost-model=dynamic")))
#else
#define SYNACK_VECTORIZE
#endif

/* On x86-64 Linux the loops are also built for AVX2 and the loader picks the variant the
 * CPU runs (an ifunc): twice the width of the SSE2 baseline every x86-64 has. Elsewhere, and
 * under the fuzzing build, the one portable loop. */
#if defined(__x86_64__) && defined(__linux__) && defined(__GNUC__) &&                              \
    !defined(SYNACK_NO_MULTIVERSION)
#define SYNACK_MULTIVERSION __attribute__((target_clones("avx2", "default")))
#else
#define SYNACK_MULTIVERSION
#endif

/* Bytes summed per call of the loops below: each 32-bit word adds at most 2 * 0xffff, so
 * a 32-bit total cannot overflow within 65536 bytes. */
#define CSUM_BLOCK 65536u

/* Below this many bytes csum_add() sums in plain 64-bit words (headers). */
#define CSUM_SHORT 128u

/* Sums n bytes (n a multiple of 4, at most CSUM_BLOCK) as the two 16-bit halves of each
 * native 32-bit word into a 32-bit total. No carry travels between iterations and no lane
 * needs widening, so the loop vectorises to plain 32-bit adds; the total is congruent to the
 * 16-bit ones'-complement sum modulo 2^16 - 1, which is all RFC 1071 needs. */
SYNACK_MULTIVERSION SYNACK_VECTORIZE static uint64_t sum32(const uint8_t *p, size_t n)
{
    uint32_t a = 0;
    for (size_t i = 0; i < n; i += 4) {
        uint32_t w;
        memcpy(&w, p + i, sizeof w);
        a += (w & 0xffffu) + (w >> 16);
    }
    return a;
}

/* sum32 and a copy in one loop: the words are loaded once, stored and summed. */
SYNACK_MULTIVERSION SYNACK_VECTORIZE static uint64_t copy_sum32(uint8_t *restrict d,
                                                                const uint8_t *restrict s, size_t n)
{
    uint32_t a = 0;
    for (size_t i = 0; i < n; i += 4) {
        uint32_t w;
        memcpy(&w, s + i, sizeof w);
        memcpy(d + i, &w, sizeof w);
        a += (w & 0xffffu) + (w >> 16);
    }
    return a;
}

/* Folds a native-order total to the 16-bit big-endian-word sum csum_add() adds. */
static inline uint64_t native_to_be16(uint64_t s)
{
    uint16_t folded = fold16(s);
    if (host_is_little_endian())
        folded = (uint16_t)((folded >> 8) | (folded << 8));
    return folded;
}

/* The last len (< 4) bytes as a native word, zero-padded: an odd final byte becomes the
 * high octet of its big-endian word, as RFC 1071 requires. A byte loop, not memcpy with a
 * variable length, so it stays inline. */
static inline uint32_t tail_word(const uint8_t *p, size_t len)
{
    uint8_t tail[4] = {0};
    for (size_t i = 0; i < len; i++)
        tail[i] = p[i];
    uint32_t w;
    memcpy(&w, tail, sizeof w);
    return w;
}

uint64_t csum_copy(uint64_t acc, void *dst, const void *src, size_t len)
{
    uint8_t *d = dst;
    const uint8_t *p = src;
    uint64_t s = 0;
    if (len < CSUM_SHORT) {
        /* Small payloads (a request, a keystroke): word by word, no vector loop to enter. */
        for (; len >= 8; p += 8, d += 8, len -= 8) {
            uint64_t w;
            memcpy(&w, p, sizeof w);
            memcpy(d, &w, sizeof w);
            s = add_carry(s, w);
        }
        if (len >= 4) {
            uint32_t w;
            memcpy(&w, p, sizeof w);
            memcpy(d, &w, sizeof w);
            s = add_carry(s, w);
            p += 4;
            d += 4;
            len -= 4;
        }
    }
    while (len >= 4) {
        size_t n = len & ~(size_t)3;
        if (n > CSUM_BLOCK)
            n = CSUM_BLOCK;
        s = add_carry(s, copy_sum32(d, p, n));
        p += n;
        d += n;
        len -= n;
    }
    for (size_t i = 0; i < len; i++)
        d[i] = p[i];
    return add_carry(acc, native_to_be16(add_carry(s, tail_word(p, len))));
}

uint64_t csum_add_partial(uint64_t acc, uint64_t chunk, int odd)
{
    uint16_t f = fold16(chunk);
    if (odd)
        f = (uint16_t)((f >> 8) | (f << 8));
    return add_carry(acc, f);
}

uint64_t csum_add(uint64_t acc, const void *data, size_t len)
{
    const uint8_t *p = data;
    uint64_t s = 0;
    if (len < CSUM_SHORT) {
        /* Headers (IPv4, TCP with options): a few 64-bit words with end-around carry cost
         * less than entering the vector loop. Words start at multiples of 4 from the
         * start, so they are congruent to the same 16-bit sum. */
        for (; len >= 8; p += 8, len -= 8) {
            uint64_t w;
            memcpy(&w, p, sizeof w);
            s = add_carry(s, w);
        }
        if (len >= 4) {
            uint32_t w;
            memcpy(&w, p, sizeof w);
            s = add_carry(s, w);
            p += 4;
            len -= 4;
        }
    }
    while (len >= 4) {
        size_t n = len & ~(size_t)3;
        if (n > CSUM_BLOCK)
            n = CSUM_BLOCK;
        s = add_carry(s, sum32(p, n));
        p += n;
        len -= n;
    }
    return add_carry(acc, native_to_be16(add_carry(s, tail_word(p, len))));
}

uint64_t csum_add16(uint64_t acc, uint16_t word)
{
    return add_carry(acc, word);
}

uint64_t csum_pseudo_ipv4(uint64_t acc, uint32_t src, uint32_t dst, uint8_t proto, uint16_t len)
{
    /* Each 32-bit address contributes its two 16-bit halves; adding it whole is
     * congruent modulo 2^16 - 1. The zero octet and protocol form one word. */
    acc = add_carry(acc, src);
    acc = add_carry(acc, dst);
    acc = add_carry(acc, proto);
    return add_carry(acc, len);
}

uint64_t csum_pseudo_ipv6(uint64_t acc, const uint8_t src[16], const uint8_t dst[16], uint8_t proto,
                          uint32_t len)
{
    /* Both addresses start at even offsets of the pseudo-header; the 32-bit length and the
     * zero-padded next header are added as words, congruent modulo 2^16 - 1. */
    acc = csum_add(acc, src, 16);
    acc = csum_add(acc, dst, 16);
    acc = add_carry(acc, len);
    return add_carry(acc, proto);
}

uint16_t csum_finish(uint64_t acc)
{
    return (uint16_t)~fold16(acc);
}
