/* SPDX-License-Identifier: MIT */
/* ReachableTime on an IPv6 Ethernet netif (RFC 4861 6.3.2, 6.3.4): drawn at random from
 * 0.5..1.5 times BaseReachableTime, and drawn again every ND_REDRAW_US of the time
 * synack_poll is given, from the stack's seeded generator: two stacks with the same seed
 * draw the same values, and the value after a period differs from the one before. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "stack/stack_impl.h"
#include "support/ipv6_eth_rig.h"
#include "synack/synack.h"

static const uint8_t MAC_US[6] = {0x02, 0, 0, 0, 0, 0x02};
static const uint8_t US6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 2};
static const uint64_t S = 1000000u;

static eth6_cap cap;

static synack_stack *new_stack(void)
{
    synack_config c;
    synack_config_default(&c);
    eth6_config(&c, &cap, MAC_US, US6);
    c.dad_transmits = 0;
    c.mld_reports = 0;
    synack_config_deterministic(&c, 7);
    synack_stack *st = synack_stack_new(&c);
    assert_non_null(st);
    return st;
}

static void test_redrawn_by_poll(void **state)
{
    (void)state;
    synack_stack *a = new_stack(), *b = new_stack();
    const uint64_t t0 = 1000 * S; /* the host's clock need not start at 0 */
    assert_int_equal(synack_poll(a, t0), 0);
    uint64_t r0 = a->nd.reachable_us;
    assert_true(r0 >= 15 * S && r0 <= 45 * S);
    /* one period minus a microsecond: the same value */
    assert_int_equal(synack_poll(a, t0 + ND_REDRAW_US - 1), 0);
    assert_int_equal(a->nd.reachable_us, r0);
    /* an idle stack is not woken for it */
    assert_int_equal(synack_next_deadline(a), UINT64_MAX);
    uint64_t prev = r0;
    for (int i = 1; i <= 12; i++) {
        assert_int_equal(synack_poll(a, t0 + (uint64_t)i * ND_REDRAW_US), 0);
        uint64_t r = a->nd.reachable_us;
        assert_true(r >= 15 * S && r <= 45 * S);
        assert_true(r != prev);
        prev = r;
    }
    /* deterministic: the same seed and the same times draw the same value */
    assert_int_equal(synack_poll(b, t0), 0);
    assert_int_equal(b->nd.reachable_us, r0);
    for (int i = 1; i <= 12; i++)
        assert_int_equal(synack_poll(b, t0 + (uint64_t)i * ND_REDRAW_US), 0);
    assert_int_equal(b->nd.reachable_us, prev);
    synack_stack_free(a);
    synack_stack_free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_redrawn_by_poll),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
