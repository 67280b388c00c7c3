/* SPDX-License-Identifier: MIT */
/* Unit tests for src/wire/result.c: drop-reason names (docs/TRACE.md). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "wire/result.h"

static void test_names(void **state)
{
    (void)state;
    static const char *const want[WIRE_RESULT_COUNT] = {
        "ok",
        "truncated",
        "bad-ip-version",
        "bad-ihl",
        "bad-total-length",
        "bad-ip-checksum",
        "fragment",
        "bad-tcp-checksum",
        "bad-data-offset",
        "bad-option-length",
        "bad-icmp-checksum",
        "bad-arp",
        "unknown-ethertype",
        "bad-extension-header",
        "extension-header-limit",
        "unknown-ipv6-option",
        "incomplete-header-chain",
        "bad-fragment",
        "bad-neighbor-discovery",
    };
    for (int r = 0; r < WIRE_RESULT_COUNT; r++) {
        assert_non_null(want[r]);
        assert_string_equal(wire_result_name((wire_result)r), want[r]);
    }
    assert_int_equal(WIRE_OK, 0);
    assert_int_equal(WIRE_UNKNOWN_ETHERTYPE, 12);
    assert_int_equal(WIRE_BAD_ND, 18);
}

static void test_out_of_range(void **state)
{
    (void)state;
    assert_string_equal(wire_result_name(WIRE_RESULT_COUNT), "unknown");
    assert_string_equal(wire_result_name((wire_result)-1), "unknown");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_out_of_range),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
