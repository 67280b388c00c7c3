/* SPDX-License-Identifier: MIT */
/* synack gateway: when freed heap goes back to the OS (tools/synack/cmd_gateway_trim.c,
 * compiled into this test). A gateway after a burst must shrink (the interop soak measures
 * that); these check the decision is taken once per burst, only once the stack's memory
 * really fell, and never more than once a second. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "cmd_gateway_trim.h"

#define MIB ((size_t)1 << 20)
#define SEC ((uint64_t)GW_TRIM_INTERVAL_US)

static void test_trim_after_burst(void **state)
{
    (void)state;
    gw_trim t = {0};
    /* Idle from the start: nothing to give back. */
    assert_false(gw_trim_due(&t, 0, 300000, 10 * SEC));
    /* A burst: relays open, memory climbs. */
    assert_false(gw_trim_due(&t, 3, 8 * MIB, 10 * SEC + 1));
    assert_false(gw_trim_due(&t, 32, 14 * MIB, 10 * SEC + 2));
    /* The last relay closed but its connections still hold their buffers: not yet. */
    assert_false(gw_trim_due(&t, 0, 10 * MIB, 10 * SEC + 3));
    assert_false(gw_trim_due(&t, 0, 7 * MIB + 1, 10 * SEC + 4));
    assert_int_equal(t.trims, 0);
    /* Half the peak is gone: trim, once. */
    assert_true(gw_trim_due(&t, 0, 7 * MIB, 10 * SEC + 5));
    assert_int_equal(t.trims, 1);
    assert_false(gw_trim_due(&t, 0, 300000, 10 * SEC + 6));
    assert_false(gw_trim_due(&t, 0, 300000, 100 * SEC));
    assert_int_equal(t.trims, 1);
}

static void test_trim_rate_limited(void **state)
{
    (void)state;
    gw_trim t = {0};
    assert_false(gw_trim_due(&t, 1, 4 * MIB, 0));
    assert_true(gw_trim_due(&t, 0, 0, 1));
    /* Another burst right after: its trim waits for the interval, then comes. */
    assert_false(gw_trim_due(&t, 1, 4 * MIB, 2));
    assert_false(gw_trim_due(&t, 0, 0, 3));
    assert_false(gw_trim_due(&t, 0, 0, SEC));
    assert_true(gw_trim_due(&t, 0, 0, SEC + 1));
    assert_int_equal(t.trims, 2);
}

static void test_trim_small_bursts(void **state)
{
    (void)state;
    gw_trim t = {0};
    /* One small connection after another: less than GW_TRIM_MIN_FREED freed each time is
     * not worth walking the heap. */
    for (uint64_t i = 0; i < 10; i++) {
        assert_false(gw_trim_due(&t, 1, 512 * 1024, i * 2 * SEC));
        assert_false(gw_trim_due(&t, 0, 4096, i * 2 * SEC + 1));
    }
    assert_int_equal(t.trims, 0);
    /* The stack's memory grown by a connection still open is no burst over. */
    assert_false(gw_trim_due(&t, 1, 64 * MIB, 30 * SEC));
    assert_false(gw_trim_due(&t, 1, 0, 31 * SEC));
    assert_true(gw_trim_due(&t, 0, 0, 32 * SEC));
}

static void test_trim_step(void **state)
{
    (void)state;
    gw_trim t = {0};
    /* The real trim (malloc_trim on glibc) runs and is counted. */
    gw_trim_step(&t, 1, 2 * MIB, 0);
    gw_trim_step(&t, 0, 0, 1);
    assert_int_equal(t.trims, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_trim_after_burst),
        cmocka_unit_test(test_trim_rate_limited),
        cmocka_unit_test(test_trim_small_bursts),
        cmocka_unit_test(test_trim_step),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
