/* SPDX-License-Identifier: MIT */
/* Unit tests for src/wire/checksum.c: RFC 1071 sums against a naive reference. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "wire/bytes.h"
#include "wire/checksum.h"

/* Deterministic xorshift32 so failures reproduce. */
static uint32_t rng_next(uint32_t *s)
{
    uint32_t x = *s;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return *s = x;
}

static void fill_random(uint8_t *p, size_t n, uint32_t *s)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)rng_next(s);
}

/* RFC 1071 computed the obvious way: big-endian words, odd byte zero-padded. */
static uint16_t naive_csum(const uint8_t *p, size_t n)
{
    uint64_t sum = 0;
    for (size_t i = 0; i + 1 < n; i += 2)
        sum += (uint64_t)((p[i] << 8) | p[i + 1]);
    if (n % 2)
        sum += (uint64_t)p[n - 1] << 8;
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

static uint16_t csum(const void *p, size_t n)
{
    return csum_finish(csum_add(0, p, n));
}

/* RFC 1071 1.2 worked example: bytes 00 01 f2 03 f4 f5 f6 f7 sum to ddf2. */
static void test_rfc1071_example(void **state)
{
    (void)state;
    const uint8_t b[] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
    assert_int_equal(csum(b, sizeof b), (uint16_t)~0xddf2);
    assert_int_equal(csum(b, sizeof b), 0x220d);
    /* Inserting the checksum makes the message verify to 0. */
    uint8_t m[10];
    memcpy(m, b, sizeof b);
    wr16(m + 8, 0x220d);
    assert_int_equal(csum(m, sizeof m), 0);
}

static void test_empty_and_zero(void **state)
{
    (void)state;
    assert_int_equal(csum_finish(0), 0xffff);
    assert_int_equal(csum(NULL, 0), 0xffff);
    const uint8_t z[13] = {0};
    assert_int_equal(csum(z, sizeof z), 0xffff);
}

/* An odd trailing byte is the high octet of a zero-padded word. */
static void test_odd_lengths(void **state)
{
    (void)state;
    const uint8_t one[] = {0x01};
    assert_int_equal(csum(one, 1), (uint16_t)~0x0100);
    const uint8_t three[] = {0x01, 0x02, 0x03};
    assert_int_equal(csum(three, 3), (uint16_t)~0x0402);
    const uint8_t nine[] = {0, 1, 0, 2, 0, 3, 0, 4, 0xab};
    assert_int_equal(csum(nine, 9), (uint16_t) ~(1 + 2 + 3 + 4 + 0xab00));
    for (size_t n = 1; n < 64; n += 2) {
        uint8_t b[64];
        memset(b, 0x5a, sizeof b);
        assert_int_equal(csum(b, n), naive_csum(b, n));
    }
}

/* Every start alignment and many lengths, on random bytes and on all-ones bytes
 * (which stress the end-around carry). */
static void test_alignments_vs_naive(void **state)
{
    (void)state;
    enum { MAXLEN = 1500, SLACK = 16 };
    uint8_t *buf = malloc(MAXLEN + SLACK);
    assert_non_null(buf);
    uint32_t seed = 0x1071u;
    for (int round = 0; round < 3; round++) {
        if (round < 2)
            fill_random(buf, MAXLEN + SLACK, &seed);
        else
            memset(buf, 0xff, MAXLEN + SLACK);
        for (size_t off = 0; off < SLACK; off++) {
            for (size_t n = 0; n <= 80; n++)
                assert_int_equal(csum(buf + off, n), naive_csum(buf + off, n));
            for (size_t n = 81; n <= MAXLEN; n += 37)
                assert_int_equal(csum(buf + off, n), naive_csum(buf + off, n));
        }
    }
    free(buf);
}

/* The fused copy: same bytes as memcpy, same sum as csum_add, every alignment of source
 * and destination, nothing written past the end. */
static void test_copy_vs_naive(void **state)
{
    (void)state;
    enum { MAXLEN = 1500, SLACK = 8 };
    uint8_t *src = malloc(MAXLEN + SLACK), *dst = malloc(MAXLEN + 2 * SLACK);
    assert_non_null(src);
    assert_non_null(dst);
    uint32_t seed = 0xc0f1u;
    for (int round = 0; round < 2; round++) {
        if (round == 0)
            fill_random(src, MAXLEN + SLACK, &seed);
        else
            memset(src, 0xff, MAXLEN + SLACK);
        for (size_t so = 0; so < SLACK; so += 3) {
            for (size_t d = 0; d < SLACK; d += 5) {
                for (size_t n = 0; n <= MAXLEN; n = n < 40 ? n + 1 : n + 53) {
                    memset(dst, 0x5a, MAXLEN + 2 * SLACK);
                    uint16_t got = csum_finish(csum_copy(0, dst + d, src + so, n));
                    assert_int_equal(got, naive_csum(src + so, n));
                    assert_memory_equal(dst + d, src + so, n);
                    assert_int_equal(dst[d + n], 0x5a);
                }
            }
        }
    }
    free(src);
    free(dst);
}

/* A message summed in two chunks, the second starting at an odd offset, equals the sum of
 * the whole (RFC 1071 2(B)): the send ring's wrap can fall anywhere. */
static void test_partial_odd_split(void **state)
{
    (void)state;
    uint8_t buf[301];
    uint32_t seed = 0x2b;
    fill_random(buf, sizeof buf, &seed);
    for (size_t cut = 0; cut <= sizeof buf; cut++) {
        uint64_t acc = csum_add(0, buf, cut);
        acc = csum_add_partial(acc, csum_add(0, buf + cut, sizeof buf - cut), (int)(cut & 1));
        assert_int_equal(csum_finish(acc), naive_csum(buf, sizeof buf));
    }
}

/* Large buffers of 0xff must not lose carries. */
static void test_large_all_ones(void **state)
{
    (void)state;
    size_t n = 1u << 20;
    uint8_t *buf = malloc(n + 1);
    assert_non_null(buf);
    memset(buf, 0xff, n + 1);
    assert_int_equal(csum(buf, n), naive_csum(buf, n));
    assert_int_equal(csum(buf + 1, n), naive_csum(buf + 1, n));
    free(buf);
}

/* Summing a message in even-offset chunks, the last possibly odd, gives the
 * same result as one call. */
static void test_incremental_chunks(void **state)
{
    (void)state;
    uint8_t buf[777];
    uint32_t seed = 42;
    for (int trial = 0; trial < 500; trial++) {
        fill_random(buf, sizeof buf, &seed);
        size_t n = rng_next(&seed) % sizeof buf;
        uint64_t acc = 0;
        size_t pos = 0;
        while (pos < n) {
            size_t chunk = (rng_next(&seed) % 64) * 2; /* Even, may be 0. */
            if (chunk > n - pos)
                chunk = n - pos; /* The final chunk may be odd. */
            acc = csum_add(acc, buf + pos, chunk);
            pos += chunk;
        }
        assert_int_equal(csum_finish(acc), naive_csum(buf, n));
    }
}

/* A huge starting accumulator (as after many additions) keeps its value
 * modulo 0xffff: 0xffff000000000000 is a multiple of 0xffff. */
static void test_accumulator_carry(void **state)
{
    (void)state;
    const uint8_t b[] = {0x12, 0x34, 0x56, 0x78};
    uint64_t big = 0xffff000000000000u;
    assert_int_equal(csum_finish(csum_add(big, b, sizeof b)), csum(b, sizeof b));
    assert_int_equal(csum_finish(csum_add(UINT64_MAX - 1, b, sizeof b)),
                     csum_finish(csum_add(0xfffe, b, sizeof b)));
}

/* The pseudo-header helper equals summing the 12-byte pseudo-header bytes. */
static void test_pseudo_header(void **state)
{
    (void)state;
    uint32_t seed = 7;
    for (int i = 0; i < 1000; i++) {
        uint32_t src = rng_next(&seed), dst = rng_next(&seed);
        uint8_t proto = (uint8_t)rng_next(&seed);
        uint16_t len = (uint16_t)rng_next(&seed);
        uint8_t ph[12];
        wr32(ph, src);
        wr32(ph + 4, dst);
        ph[8] = 0;
        ph[9] = proto;
        wr16(ph + 10, len);
        assert_int_equal(csum_finish(csum_pseudo_ipv4(0, src, dst, proto, len)),
                         naive_csum(ph, sizeof ph));
    }
    /* 192.0.2.1 -> 192.0.2.2, TCP, 20 bytes, worked by hand:
     * c000+0201+c000+0202+0006+0014 = 0x1841d -> 0x841e, complement 0x7be1. */
    assert_int_equal(csum_finish(csum_pseudo_ipv4(0, 0xc0000201u, 0xc0000202u, 6, 20)), 0x7be1);
}

/* RFC 1624 eqn. 3 update agrees with recomputing from scratch. */
static void test_rfc1624_update(void **state)
{
    (void)state;
    uint8_t buf[40];
    uint32_t seed = 1624;
    for (int i = 0; i < 2000; i++) {
        fill_random(buf, sizeof buf, &seed);
        if (i % 10 == 0)
            memset(buf, 0, sizeof buf); /* Exercise the +0/-0 corner. */
        wr16(buf + 10, 0);
        uint16_t hc = csum(buf, sizeof buf);
        wr16(buf + 10, hc);
        size_t w = (rng_next(&seed) % 20) * 2;
        if (w == 10)
            continue;
        uint16_t m = rd16(buf + w), m2 = (uint16_t)rng_next(&seed);
        uint64_t acc = csum_add16(0, (uint16_t)~hc);
        acc = csum_add16(acc, (uint16_t)~m);
        acc = csum_add16(acc, m2);
        uint16_t hc2 = csum_finish(acc);
        wr16(buf + w, m2);
        wr16(buf + 10, hc2);
        assert_int_equal(csum(buf, sizeof buf), 0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc1071_example),   cmocka_unit_test(test_empty_and_zero),
        cmocka_unit_test(test_odd_lengths),       cmocka_unit_test(test_alignments_vs_naive),
        cmocka_unit_test(test_large_all_ones),    cmocka_unit_test(test_incremental_chunks),
        cmocka_unit_test(test_accumulator_carry), cmocka_unit_test(test_pseudo_header),
        cmocka_unit_test(test_rfc1624_update),    cmocka_unit_test(test_copy_vs_naive),
        cmocka_unit_test(test_partial_odd_split),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
