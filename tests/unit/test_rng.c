/* SPDX-License-Identifier: MIT */
/* Unit tests for src/util/rng.c: known answers, determinism, distribution. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "util/rng.h"

/* rng_seed(0) holds the first four splitmix64 outputs from counter 0. */
static void test_seed_is_splitmix64(void **state)
{
    (void)state;
    synack_rng r;
    rng_seed(&r, 0);
    assert_int_equal(r.s[0], UINT64_C(0xe220a8397b1dcdaf));
    assert_int_equal(r.s[1], UINT64_C(0x6e789e6aa1b965f4));
    assert_int_equal(r.s[2], UINT64_C(0x06c45d188009454f));
    assert_int_equal(r.s[3], UINT64_C(0xf88bb8a8724c81ec));
}

/* xoshiro256** from state {1, 2, 3, 4}: the sequence the reference
 * implementation produces. */
static void test_xoshiro256starstar_known_answer(void **state)
{
    (void)state;
    static const uint64_t expect[] = {
        UINT64_C(11520),
        UINT64_C(0),
        UINT64_C(1509978240),
        UINT64_C(1215971899390074240),
        UINT64_C(1216172134540287360),
        UINT64_C(607988272756665600),
        UINT64_C(16172922978634559625),
        UINT64_C(8476171486693032832),
        UINT64_C(10595114339597558777),
        UINT64_C(2904607092377533576),
    };
    synack_rng r = {{1, 2, 3, 4}};
    for (size_t i = 0; i < sizeof expect / sizeof expect[0]; i++)
        assert_int_equal(rng_next(&r), expect[i]);
}

/* Seeding and then drawing is the whole of the generator: a given seed always
 * yields the same stream; a different seed another one. */
static void test_deterministic(void **state)
{
    (void)state;
    synack_rng a, b, c;
    rng_seed(&a, 42);
    rng_seed(&b, 42);
    rng_seed(&c, 43);
    assert_int_equal(rng_next(&a), UINT64_C(0x15780b2e0c2ec716));
    assert_int_equal(rng_next(&b), UINT64_C(0x15780b2e0c2ec716));
    int differs = 0;
    for (int i = 0; i < 1000; i++) {
        uint64_t x = rng_next(&a);
        assert_int_equal(x, rng_next(&b));
        differs |= x != rng_next(&c);
    }
    assert_true(differs);
    assert_int_equal(rng_below(&a, 1000), rng_below(&b, 1000));
    assert_true(rng_unit(&a) == rng_unit(&b));
}

/* Every seed, including 0 and all-ones, gives a non-zero state (an all-zero
 * xoshiro state would output zeros forever). */
static void test_state_never_zero(void **state)
{
    (void)state;
    const uint64_t seeds[] = {0, 1, UINT64_MAX, UINT64_C(0x9e3779b97f4a7c15) * 3};
    for (size_t i = 0; i < sizeof seeds / sizeof seeds[0]; i++) {
        synack_rng r;
        rng_seed(&r, seeds[i]);
        assert_true((r.s[0] | r.s[1] | r.s[2] | r.s[3]) != 0);
    }
}

/* 100k draws from [0, 10): each bucket near 10k; chi-square with 9 degrees
 * of freedom below 27.9 (p = 0.001). */
static void test_below_chi_square(void **state)
{
    (void)state;
    synack_rng r;
    rng_seed(&r, 7);
    unsigned counts[10] = {0};
    const unsigned draws = 100000;
    for (unsigned i = 0; i < draws; i++) {
        uint32_t v = rng_below(&r, 10);
        assert_true(v < 10);
        counts[v]++;
    }
    double chi2 = 0;
    for (int k = 0; k < 10; k++) {
        double d = (double)counts[k] - draws / 10.0;
        chi2 += d * d / (draws / 10.0);
    }
    assert_true(chi2 < 27.9);
}

/* n = 3 * 2^30: plain "x mod n" on 32 bits would put half the results below
 * 2^30 instead of a third; the rejection step must remove that bias. */
static void test_below_unbiased_for_large_n(void **state)
{
    (void)state;
    synack_rng r;
    rng_seed(&r, 11);
    const uint32_t n = UINT32_C(3) << 30;
    const unsigned draws = 60000;
    unsigned low = 0;
    for (unsigned i = 0; i < draws; i++) {
        uint32_t v = rng_below(&r, n);
        assert_true(v < n);
        low += v < (UINT32_C(1) << 30);
    }
    /* Expected 20000, standard deviation ~115. */
    assert_in_range(low, 19400, 20600);
}

static void test_below_edges(void **state)
{
    (void)state;
    synack_rng r;
    rng_seed(&r, 3);
    for (int i = 0; i < 1000; i++) {
        assert_int_equal(rng_below(&r, 1), 0);
        assert_true(rng_below(&r, UINT32_MAX) < UINT32_MAX);
        assert_true(rng_below(&r, 2) < 2);
    }
    assert_int_equal(rng_below(&r, 0), 0);
    /* Both values of a coin show up. */
    unsigned ones = 0;
    for (int i = 0; i < 1000; i++)
        ones += rng_below(&r, 2);
    assert_in_range(ones, 400, 600);
}

/* rng_unit stays in [0, 1); mean near 1/2, every tenth of the interval hit. */
static void test_unit_range_and_mean(void **state)
{
    (void)state;
    synack_rng r;
    rng_seed(&r, 5);
    double sum = 0;
    unsigned deciles[10] = {0};
    const unsigned draws = 100000;
    for (unsigned i = 0; i < draws; i++) {
        double u = rng_unit(&r);
        assert_true(u >= 0.0 && u < 1.0);
        sum += u;
        deciles[(int)(u * 10)]++;
    }
    double mean = sum / draws;
    /* Standard error of the mean ~0.0009. */
    assert_true(mean > 0.495 && mean < 0.505);
    for (int k = 0; k < 10; k++)
        assert_in_range(deciles[k], 9400, 10600);
}

/* Each of the 64 output bits is set about half the time. */
static void test_next_bit_balance(void **state)
{
    (void)state;
    synack_rng r;
    rng_seed(&r, 9);
    unsigned set[64] = {0};
    const unsigned draws = 20000;
    for (unsigned i = 0; i < draws; i++) {
        uint64_t x = rng_next(&r);
        for (int b = 0; b < 64; b++)
            set[b] += (unsigned)((x >> b) & 1);
    }
    /* Standard deviation ~71; allow about 6 sigma. */
    for (int b = 0; b < 64; b++)
        assert_in_range(set[b], 9580, 10420);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_seed_is_splitmix64),
        cmocka_unit_test(test_xoshiro256starstar_known_answer),
        cmocka_unit_test(test_deterministic),
        cmocka_unit_test(test_state_never_zero),
        cmocka_unit_test(test_below_chi_square),
        cmocka_unit_test(test_below_unbiased_for_large_n),
        cmocka_unit_test(test_below_edges),
        cmocka_unit_test(test_unit_range_and_mean),
        cmocka_unit_test(test_next_bit_balance),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
