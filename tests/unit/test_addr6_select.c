/* SPDX-License-Identifier: MIT */
/* RFC 6724 5 source address selection (src/stack/addr6_select.c): each rule decides where
 * the earlier ones tie, and only then. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "stack/addr6_select.h"

static ipv6_addr A(const char *hex)
{
    /* 32 hex digits, the address spelled out */
    ipv6_addr a;
    for (int i = 0; i < 16; i++) {
        unsigned v = 0;
        for (int k = 0; k < 2; k++) {
            char c = hex[2 * i + k];
            v = v * 16 + (unsigned)(c <= '9' ? c - '0' : c - 'a' + 10);
        }
        a.b[i] = (uint8_t)v;
    }
    return a;
}

#define G1 "20010db8000000000000000000000002"  /* 2001:db8::2 */
#define G2 "20010db8000100000000000000000005"  /* 2001:db8:1::5 */
#define LL "fe800000000000000000000000000002"  /* fe80::2 */
#define ULA "fd000000000000000000000000000007" /* fd00::7 */

static addr6_cand cand(const char *hex, uint8_t plen, uint8_t deprecated)
{
    addr6_cand c = {.a = A(hex), .prefix_len = plen, .deprecated = deprecated};
    return c;
}

static void test_scope_and_label(void **state)
{
    (void)state;
    ipv6_addr a = A(LL);
    assert_int_equal(addr6_scope(&a), 2);
    a = A(G1);
    assert_int_equal(addr6_scope(&a), 14);
    a = A("ff050000000000000000000000000001");
    assert_int_equal(addr6_scope(&a), 5);
    a = A("00000000000000000000000000000001");
    assert_int_equal(addr6_scope(&a), 2);
    assert_int_equal(addr6_label(&a), 0);
    a = A("fec00000000000000000000000000001");
    assert_int_equal(addr6_scope(&a), 5);
    assert_int_equal(addr6_label(&a), 11);
    a = A(G1); /* 2001:db8::/32 is not Teredo's 2001::/32 */
    assert_int_equal(addr6_label(&a), 1);
    a = A("20010000000000000000000000000001");
    assert_int_equal(addr6_label(&a), 5);
    a = A("20020000000000000000000000000001");
    assert_int_equal(addr6_label(&a), 2);
    a = A(ULA);
    assert_int_equal(addr6_label(&a), 13);
    a = A("00000000000000000000ffffc0000201");
    assert_int_equal(addr6_label(&a), 4);
}

static void test_rule1_same_address(void **state)
{
    (void)state;
    addr6_cand c[3] = {cand(G1, 64, 0), cand(G2, 64, 0), cand(LL, 64, 0)};
    ipv6_addr d = A(G2);
    assert_int_equal(addr6_select(c, 3, &d), 1);
    /* even deprecated (rule 1 before rule 3) */
    c[1].deprecated = 1;
    assert_int_equal(addr6_select(c, 3, &d), 1);
    assert_int_equal(addr6_select(c, 0, &d), -1);
}

static void test_rule2_scope(void **state)
{
    (void)state;
    addr6_cand c[2] = {cand(LL, 64, 0), cand(G1, 64, 0)};
    ipv6_addr d = A("20010db8ffff00000000000000000009"); /* global: not the link-local one */
    assert_int_equal(addr6_select(c, 2, &d), 1);
    d = A("fe800000000000000000000000000009"); /* link-local: the smallest scope enough */
    assert_int_equal(addr6_select(c, 2, &d), 0);
    /* rule 2 before rule 3: a deprecated global one beats a link-local one for a global */
    c[1].deprecated = 1;
    d = A("20010db8ffff00000000000000000009");
    assert_int_equal(addr6_select(c, 2, &d), 1);
}

static void test_rule3_avoid_deprecated(void **state)
{
    (void)state;
    /* G2 matches the destination longer (rule 8) but is deprecated */
    addr6_cand c[2] = {cand(G2, 64, 1), cand(G1, 64, 0)};
    ipv6_addr d = A("20010db8000100000000000000000009");
    assert_int_equal(addr6_select(c, 2, &d), 1);
    c[0].deprecated = 0;
    assert_int_equal(addr6_select(c, 2, &d), 0);
}

static void test_rule6_label(void **state)
{
    (void)state;
    /* for 2001:db8::9 (label 1) a Teredo source 2001::1 (label 5) shares 20 bits, 3000::1
     * (label 1) 3: the label decides before the prefix */
    addr6_cand c[2] = {cand("20010000000000000000000000000001", 64, 0),
                       cand("30000000000000000000000000000001", 64, 0)};
    ipv6_addr d = A("20010db8000000000000000000000009");
    assert_int_equal(addr6_select(c, 2, &d), 1);
    /* and a ULA destination takes the ULA source */
    addr6_cand m[2] = {cand(G1, 64, 0), cand(ULA, 64, 0)};
    d = A("fd000000000000000000000000000009");
    assert_int_equal(addr6_select(m, 2, &d), 1);
    /* rule 3 before rule 6 */
    m[1].deprecated = 1;
    assert_int_equal(addr6_select(m, 2, &d), 0);
}

static void test_rule8_longest_prefix(void **state)
{
    (void)state;
    addr6_cand c[2] = {cand(G1, 64, 0), cand(G2, 64, 0)};
    ipv6_addr d = A("20010db8000100000000000000000009");
    assert_int_equal(addr6_select(c, 2, &d), 1);
    d = A("20010db8000000000000000000000009");
    assert_int_equal(addr6_select(c, 2, &d), 0);
    /* counted no further than the source's prefix: beyond it the bits are the host's */
    addr6_cand h[2] = {cand("20010db8000000000000000000000001", 64, 0),
                       cand("20010db800000000000000000000ff09", 64, 0)};
    d = A("20010db800000000000000000000ff01");
    assert_int_equal(addr6_select(h, 2, &d), 0); /* a tie at 64: the earlier one */
    h[1].prefix_len = 128;
    assert_int_equal(addr6_select(h, 2, &d), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scope_and_label), cmocka_unit_test(test_rule1_same_address),
        cmocka_unit_test(test_rule2_scope),     cmocka_unit_test(test_rule3_avoid_deprecated),
        cmocka_unit_test(test_rule6_label),     cmocka_unit_test(test_rule8_longest_prefix),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
