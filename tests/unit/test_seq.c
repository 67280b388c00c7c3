/* SPDX-License-Identifier: MIT */
/* Sequence-number comparison modulo 2^32 (src/tcp/seq.h, RFC 9293 3.4 and RFC 1982 3.2):
 * a is before b when b - a, taken as a signed 32-bit distance, is positive. The tests pin
 * the wrap (0xffffffff is before 0), the largest unambiguous distance 2^31 - 1 (either way),
 * the one distance RFC 1982 leaves undefined (exactly 2^31: seq.h calls each side less than
 * the other), and 2^31 + 1 (the order flips: the shorter way round wins). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "tcp/seq.h"

#define HALF 0x80000000u /* 2^31 */

/* Asserts every relation between a and b, given which one (if either) is before. */
static void assert_order(uint32_t a, uint32_t b, int a_before_b)
{
    assert_int_equal(seq_lt(a, b), a_before_b);
    assert_int_equal(seq_le(a, b), a_before_b);
    assert_int_equal(seq_gt(a, b), !a_before_b);
    assert_int_equal(seq_ge(a, b), !a_before_b);
    assert_int_equal(seq_lt(b, a), !a_before_b);
    assert_int_equal(seq_le(b, a), !a_before_b);
    assert_int_equal(seq_gt(b, a), a_before_b);
    assert_int_equal(seq_ge(b, a), a_before_b);
    assert_int_equal(seq_min(a, b), a_before_b ? a : b);
    assert_int_equal(seq_max(a, b), a_before_b ? b : a);
    assert_int_equal(seq_min(b, a), a_before_b ? a : b);
    assert_int_equal(seq_max(b, a), a_before_b ? b : a);
}

static void test_equal_is_le_and_ge_not_lt_or_gt(void **state)
{
    (void)state;
    static const uint32_t v[] = {0, 1, 0x7fffffffu, HALF, 0xfffffffeu, 0xffffffffu};
    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        assert_int_equal(seq_lt(v[i], v[i]), 0);
        assert_int_equal(seq_gt(v[i], v[i]), 0);
        assert_int_equal(seq_le(v[i], v[i]), 1);
        assert_int_equal(seq_ge(v[i], v[i]), 1);
        assert_int_equal(seq_min(v[i], v[i]), v[i]);
        assert_int_equal(seq_max(v[i], v[i]), v[i]);
    }
}

/* RFC 9293 3.4: the space wraps; the last number is just before the first. */
static void test_wrap(void **state)
{
    (void)state;
    assert_order(0xffffffffu, 0, 1);
    assert_order(0xffffffffu, 1, 1);
    assert_order(0xfffffff0u, 0x10u, 1);
    assert_order(0, 1, 1);
    assert_order(0x7fffffffu, HALF, 1); /* the signed midpoint is not special */
}

/* Distance 2^31 - 1 is the farthest that still orders: both ways round, and across 0. */
static void test_distance_2_31_minus_1(void **state)
{
    (void)state;
    assert_order(0, 0x7fffffffu, 1);
    assert_order(1, HALF, 1);
    assert_order(HALF, 0xffffffffu, 1);
    assert_order(0xc0000000u, 0x3fffffffu, 1); /* across the wrap */
}

/* Distance exactly 2^31 (RFC 1982 3.2: undefined): each is "less" than the other, neither
 * is greater. Pinned so a change of convention is a conscious one. */
static void test_distance_2_31_is_ambiguous(void **state)
{
    (void)state;
    static const uint32_t a[] = {0, 1, 0x40000000u, 0xffffffffu};
    for (size_t i = 0; i < sizeof(a) / sizeof(a[0]); i++) {
        uint32_t b = a[i] + HALF;
        assert_int_equal(seq_lt(a[i], b), 1);
        assert_int_equal(seq_lt(b, a[i]), 1);
        assert_int_equal(seq_gt(a[i], b), 0);
        assert_int_equal(seq_gt(b, a[i]), 0);
        assert_int_equal(seq_le(a[i], b), 1);
        assert_int_equal(seq_ge(a[i], b), 0);
        assert_int_equal(seq_min(a[i], b), a[i]); /* min(a, b) = a when lt(a, b) */
        assert_int_equal(seq_max(a[i], b), b);    /* max(a, b) = b when not gt(a, b) */
    }
}

/* Distance 2^31 + 1: the order flips, the other way round is the shorter one. */
static void test_distance_2_31_plus_1_flips(void **state)
{
    (void)state;
    assert_order(0x80000001u, 0, 1);
    assert_order(0xffffffffu, 0x7ffffffeu, 1);
    assert_order(HALF + 1, 0, 1);
}

/* seq_in(x, lo, hi): lo <= x < hi, modulo 2^32. */
static void test_in_window_across_the_wrap(void **state)
{
    (void)state;
    uint32_t lo = 0xfffffff0u, hi = 0x10u;
    assert_int_equal(seq_in(lo, lo, hi), 1);
    assert_int_equal(seq_in(0xffffffffu, lo, hi), 1);
    assert_int_equal(seq_in(0, lo, hi), 1);
    assert_int_equal(seq_in(0xfu, lo, hi), 1);
    assert_int_equal(seq_in(hi, lo, hi), 0);
    assert_int_equal(seq_in(lo - 1, lo, hi), 0);
    assert_int_equal(seq_in(5, 5, 5), 0); /* empty window */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_equal_is_le_and_ge_not_lt_or_gt),
        cmocka_unit_test(test_wrap),
        cmocka_unit_test(test_distance_2_31_minus_1),
        cmocka_unit_test(test_distance_2_31_is_ambiguous),
        cmocka_unit_test(test_distance_2_31_plus_1_flips),
        cmocka_unit_test(test_in_window_across_the_wrap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
