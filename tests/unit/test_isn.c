/* SPDX-License-Identifier: MIT */
/* Initial sequence numbers (src/tcp/isn.c), RFC 6528 3: ISN = M + F(localip, localport,
 * remoteip, remoteport, secretkey), where M is a timer that ticks every 4 microseconds
 * (RFC 9293 3.4.1) and F is SipHash-2-4 under the stack's ISN key over the 4-tuple in
 * network byte order. Exact: the value is M + F; the clock moves it by exactly one per
 * 4 µs (and not at all within a tick) and wraps modulo 2^32; each tuple field changes F;
 * a new key (synack_rotate_secrets) changes it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "stack/stack_impl.h"
#include "support/tcb_fixture.h"
#include "tcp/tcp.h"
#include "util/siphash.h"

static const synack_endpoints EP = {
    .laddr = 0xc0000202u, .raddr = 0xc0000201u, .lport = 80, .rport = 5000};

/* F of RFC 6528 3, computed here from its definition. */
static uint32_t f_of(const synack_stack *st, const synack_endpoints *ep)
{
    const uint8_t tuple[12] = {
        (uint8_t)(ep->laddr >> 24), (uint8_t)(ep->laddr >> 16), (uint8_t)(ep->laddr >> 8),
        (uint8_t)ep->laddr,         (uint8_t)(ep->lport >> 8),  (uint8_t)ep->lport,
        (uint8_t)(ep->raddr >> 24), (uint8_t)(ep->raddr >> 16), (uint8_t)(ep->raddr >> 8),
        (uint8_t)ep->raddr,         (uint8_t)(ep->rport >> 8),  (uint8_t)ep->rport,
    };
    return (uint32_t)siphash24(st->isn_key, tuple, sizeof(tuple));
}

/* RFC 6528 3: ISN = M + F, with M = now / 4 µs. */
static void test_isn_is_m_plus_f(void **state)
{
    (void)state;
    tcb_fixture f = tcb_fixture_seeded(1000003, 1);
    assert_int_equal(tcp_isn(f.st, &EP), (uint32_t)(250000u + f_of(f.st, &EP)));
    assert_int_equal(tcp_isn(f.st, &EP), tcp_isn(f.st, &EP)); /* same tuple, same time */
    tcb_fixture_free(&f);
}

/* RFC 9293 3.4.1: the clock ticks every 4 µs: +1 per tick, nothing within one. */
static void test_clock_advances_one_per_4us(void **state)
{
    (void)state;
    tcb_fixture f = tcb_fixture_seeded(4000000, 1);
    uint32_t isn0 = tcp_isn(f.st, &EP);
    synack_set_time(f.st, 4000003);
    assert_int_equal(tcp_isn(f.st, &EP), isn0);
    synack_set_time(f.st, 4000004);
    assert_int_equal(tcp_isn(f.st, &EP), isn0 + 1);
    synack_set_time(f.st, 4000000 + 4 * 1000);
    assert_int_equal(tcp_isn(f.st, &EP), isn0 + 1000);
    synack_set_time(f.st, 4000000 + 1000000); /* one second: 250000 ticks */
    assert_int_equal(tcp_isn(f.st, &EP), isn0 + 250000);
    tcb_fixture_free(&f);
}

/* M is 32 bits of a clock that runs past them (after ~4.8 hours): it wraps. */
static void test_clock_wraps_modulo_2_32(void **state)
{
    (void)state;
    uint64_t wrap = 4ull << 32; /* M = 2^32 = 0 */
    tcb_fixture f = tcb_fixture_seeded(wrap - 4, 1);
    uint32_t f0 = f_of(f.st, &EP);
    assert_int_equal(tcp_isn(f.st, &EP), (uint32_t)(0xffffffffu + f0));
    synack_set_time(f.st, wrap);
    assert_int_equal(tcp_isn(f.st, &EP), f0);
    synack_set_time(f.st, wrap + 8);
    assert_int_equal(tcp_isn(f.st, &EP), (uint32_t)(f0 + 2));
    tcb_fixture_free(&f);
}

/* F depends on every field of the tuple, in its place (swapping the ends changes it). */
static void test_each_tuple_field_changes_f(void **state)
{
    (void)state;
    tcb_fixture f = tcb_fixture_seeded(1000000, 1);
    uint32_t isn = tcp_isn(f.st, &EP);
    synack_endpoints v[] = {
        {.laddr = EP.laddr + 1, .raddr = EP.raddr, .lport = EP.lport, .rport = EP.rport},
        {.laddr = EP.laddr, .raddr = EP.raddr + 1, .lport = EP.lport, .rport = EP.rport},
        {.laddr = EP.laddr,
         .raddr = EP.raddr,
         .lport = (uint16_t)(EP.lport + 1),
         .rport = EP.rport},
        {.laddr = EP.laddr,
         .raddr = EP.raddr,
         .lport = EP.lport,
         .rport = (uint16_t)(EP.rport + 1)},
        {.laddr = EP.raddr,
         .raddr = EP.laddr,
         .lport = EP.rport,
         .rport = EP.lport}, /* the same pair seen from the other end */
        {.laddr = 0x0a000001u,
         .raddr = 0xac100002u,
         .lport = 0x1234u,
         .rport = 0xfedcu}, /* every byte distinct, in place */
        {.laddr = 0xac100002u, .raddr = 0x0a000001u, .lport = 0xfedcu, .rport = 0x1234u},
    };
    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        uint32_t other = tcp_isn(f.st, &v[i]);
        assert_int_equal(other, (uint32_t)(250000u + f_of(f.st, &v[i])));
        assert_int_not_equal(other, isn);
    }
    tcb_fixture_free(&f);
}

/* RFC 6528 3: the secret decides F. A new key (synack_rotate_secrets) gives new ISNs for
 * the same tuple and time; two stacks with different secrets disagree. */
static void test_key_change_changes_isn(void **state)
{
    (void)state;
    tcb_fixture f = tcb_fixture_seeded(1000000, 1);
    uint32_t before = tcp_isn(f.st, &EP);
    assert_int_equal(synack_rotate_secrets(f.st), 0);
    uint32_t after = tcp_isn(f.st, &EP);
    assert_int_not_equal(after, before);
    assert_int_equal(after, (uint32_t)(250000u + f_of(f.st, &EP)));

    tcb_fixture g = tcb_fixture_seeded(1000000, 2);
    assert_int_not_equal(tcp_isn(g.st, &EP), before);
    tcb_fixture h = tcb_fixture_seeded(1000000, 1); /* the same seed: the same secret */
    assert_int_equal(tcp_isn(h.st, &EP), before);
    tcb_fixture_free(&h);
    tcb_fixture_free(&g);
    tcb_fixture_free(&f);
}

/* RFC 6528 over an IPv6 4-tuple: F is SipHash of the 128-bit addresses and the ports
 * (36 bytes), and every byte of either address changes it. */
static void test_ipv6_tuple(void **state)
{
    (void)state;
    tcb_fixture f = tcb_fixture_seeded(1000003, 1);
    synack_endpoints ep = {.family = SYNACK_AF_INET6, .lport = 80, .rport = 5000};
    for (int i = 0; i < 16; i++) {
        ep.laddr6[i] = (uint8_t)(0x20 + i);
        ep.raddr6[i] = (uint8_t)(0x80 + i);
    }
    uint8_t t[36];
    memcpy(t, ep.laddr6, 16);
    t[16] = 0;
    t[17] = 80;
    memcpy(t + 18, ep.raddr6, 16);
    t[34] = 5000 >> 8;
    t[35] = 5000 & 0xff;
    uint32_t want = 250000u + (uint32_t)siphash24(f.st->isn_key, t, sizeof(t));
    assert_int_equal(tcp_isn(f.st, &ep), want);
    for (int i = 0; i < 32; i++) {
        synack_endpoints v = ep;
        (i < 16 ? v.laddr6 : v.raddr6)[i % 16] ^= 1;
        assert_int_not_equal(tcp_isn(f.st, &v), want);
        assert_int_not_equal(tcp_ts_offset(f.st, &v), tcp_ts_offset(f.st, &ep));
    }
    /* an IPv4 tuple whose words are zero is not the IPv6 one */
    synack_endpoints v4 = {.lport = 80, .rport = 5000};
    assert_int_not_equal(tcp_isn(f.st, &v4), want);
    tcb_fixture_free(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_isn_is_m_plus_f),
        cmocka_unit_test(test_clock_advances_one_per_4us),
        cmocka_unit_test(test_clock_wraps_modulo_2_32),
        cmocka_unit_test(test_each_tuple_field_changes_f),
        cmocka_unit_test(test_key_change_changes_isn),
        cmocka_unit_test(test_ipv6_tuple),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
