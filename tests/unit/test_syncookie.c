/* SPDX-License-Identifier: MIT */
/* SYN cookies (src/tcp/syncookie.c, RFC 4987 3.6), until now only fuzzed:
 *   - the MSS index the cookie carries comes back from syncookie_check, for every entry of
 *     the table, and syncookie_mss_index picks the largest entry not above the peer's MSS;
 *   - a cookie lives SYNCOOKIE_MAX_AGE 64-second ticks after the one it was made in, to the
 *     microsecond, and no longer;
 *   - a different tuple, peer ISN, MSS index or secret is refused;
 *   - after synack_rotate_secrets the cookies already sent stay valid for their lifetime
 *     (the previous key is kept), but not across a second rotation;
 *   - with timestamps, window scale and SACK-permitted ride in the low 6 bits of TSval,
 *     which never gets ahead of the TSval clock. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "stack/stack_impl.h"
#include "support/tcb_fixture.h"
#include "tcp/syncookie.h"

#define TICK SYNCOOKIE_PERIOD_US
#define PEER_ISN 0x12345678u

static const synack_endpoints EP = {
    .laddr = 0xc0000202u, .raddr = 0xc0000201u, .lport = 80, .rport = 40000};

static void test_mss_index_is_largest_entry_not_above(void **state)
{
    (void)state;
    assert_int_equal(syncookie_mss_table[0], 536);
    assert_int_equal(syncookie_mss_table[1], 1300);
    assert_int_equal(syncookie_mss_table[2], 1440);
    assert_int_equal(syncookie_mss_table[3], 1460);
    static const struct {
        uint16_t mss;
        uint32_t idx;
    } v[] = {
        {0, 0},    {535, 0},  {536, 0},  {1299, 0}, {1300, 1},  {1439, 1},
        {1440, 2}, {1459, 2}, {1460, 3}, {9000, 3}, {65535, 3},
    };
    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
        assert_int_equal(syncookie_mss_index(v[i].mss), v[i].idx);
}

/* The layout: 5 bits of the 64 s clock, 3 of MSS index, 24 of hash; each index returns. */
static void test_roundtrip_every_mss_index(void **state)
{
    (void)state;
    tcb_fixture f = tcb_fixture_seeded(37 * TICK + 5, 1);
    for (uint32_t idx = 0; idx < 4; idx++) {
        uint32_t cookie = syncookie_make(f.st, &EP, PEER_ISN, idx);
        assert_int_equal(cookie >> 27, 37 & 0x1f);
        assert_int_equal((cookie >> 24) & 7, idx);
        assert_int_equal(syncookie_check(f.st, &EP, PEER_ISN, cookie), (int)idx);
    }
    tcb_fixture_free(&f);
}

/* Valid through the end of tick T + SYNCOOKIE_MAX_AGE, refused from its first microsecond
 * on, and 32 ticks later when the 5-bit clock shows the same value again. */
static void test_expiry_after_its_lifetime(void **state)
{
    (void)state;
    assert_int_equal(SYNCOOKIE_MAX_AGE, 2);
    assert_int_equal(TICK, 64000000ull);
    tcb_fixture f = tcb_fixture_seeded(10 * TICK + TICK - 1, 1); /* the last µs of tick 10 */
    uint32_t cookie = syncookie_make(f.st, &EP, PEER_ISN, 3);
    assert_int_equal(syncookie_check(f.st, &EP, PEER_ISN, cookie), 3);
    synack_set_time(f.st, 11 * TICK);
    assert_int_equal(syncookie_check(f.st, &EP, PEER_ISN, cookie), 3);
    synack_set_time(f.st, 13 * TICK - 1);
    assert_int_equal(syncookie_check(f.st, &EP, PEER_ISN, cookie), 3);
    synack_set_time(f.st, 13 * TICK);
    assert_int_equal(syncookie_check(f.st, &EP, PEER_ISN, cookie), -1);
    synack_set_time(f.st, 10 * TICK + 32 * TICK); /* the same 5-bit clock, 32 ticks on */
    assert_int_equal(syncookie_check(f.st, &EP, PEER_ISN, cookie), -1);

    tcb_fixture_free(&f);
}

/* The hash covers the 4-tuple, the peer's ISN and the MSS index: change any, refused. */
static void test_wrong_tuple_isn_or_index_refused(void **state)
{
    (void)state;
    tcb_fixture f = tcb_fixture_seeded(5 * TICK, 1);
    uint32_t cookie = syncookie_make(f.st, &EP, PEER_ISN, 2);
    assert_int_equal(syncookie_check(f.st, &EP, PEER_ISN, cookie), 2);
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
    };
    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
        assert_int_equal(syncookie_check(f.st, &v[i], PEER_ISN, cookie), -1);
    assert_int_equal(syncookie_check(f.st, &EP, PEER_ISN + 1, cookie), -1);
    for (uint32_t idx = 0; idx < 8; idx++) /* a claimed MSS the hash did not cover */
        if (idx != 2)
            assert_int_equal(
                syncookie_check(f.st, &EP, PEER_ISN, (cookie & ~0x07000000u) | (idx << 24)), -1);
    assert_int_equal(syncookie_check(f.st, &EP, PEER_ISN, cookie ^ 1u), -1); /* hash bit */
    tcb_fixture_free(&f);
}

/* A stack with another secret refuses the cookie. */
static void test_wrong_secret_refused(void **state)
{
    (void)state;
    tcb_fixture a = tcb_fixture_seeded(5 * TICK, 1), b = tcb_fixture_seeded(5 * TICK, 2);
    uint32_t cookie = syncookie_make(a.st, &EP, PEER_ISN, 1);
    assert_int_equal(syncookie_check(a.st, &EP, PEER_ISN, cookie), 1);
    assert_int_equal(syncookie_check(b.st, &EP, PEER_ISN, cookie), -1);
    tcb_fixture_free(&b);
    tcb_fixture_free(&a);
}

/* synack_rotate_secrets: new cookies use the new key; cookies sent before stay valid for
 * their whole lifetime; after a second rotation the first key is gone. */
static void test_rotation_keeps_cookies_in_flight(void **state)
{
    (void)state;
    tcb_fixture f = tcb_fixture_seeded(10 * TICK, 1);
    uint32_t old = syncookie_make(f.st, &EP, PEER_ISN, 3);
    assert_int_equal(synack_rotate_secrets(f.st), 0);
    uint32_t fresh = syncookie_make(f.st, &EP, PEER_ISN, 3);
    assert_int_not_equal(fresh, old);
    assert_int_equal(syncookie_check(f.st, &EP, PEER_ISN, old), 3);
    assert_int_equal(syncookie_check(f.st, &EP, PEER_ISN, fresh), 3);
    synack_set_time(f.st, 13 * TICK - 1); /* the old cookie's last microsecond */
    assert_int_equal(syncookie_check(f.st, &EP, PEER_ISN, old), 3);
    synack_set_time(f.st, 13 * TICK);
    assert_int_equal(syncookie_check(f.st, &EP, PEER_ISN, old), -1);

    synack_set_time(f.st, 20 * TICK);
    uint32_t before = syncookie_make(f.st, &EP, PEER_ISN, 0);
    assert_int_equal(synack_rotate_secrets(f.st), 0);
    assert_int_equal(syncookie_check(f.st, &EP, PEER_ISN, before), 0);
    assert_int_equal(synack_rotate_secrets(f.st), 0);
    assert_int_equal(syncookie_check(f.st, &EP, PEER_ISN, before), -1);
    tcb_fixture_free(&f);
}

/* With timestamps: wscale (4 bits, 0xf = none) and SACK-permitted (bit 4) in TSval's low
 * 6 bits, never ahead of the clock (at most 63 behind it), decoded as encoded. */
static void test_timestamp_carries_wscale_and_sack(void **state)
{
    (void)state;
    static const struct {
        uint32_t now;
        int ws, sack;
        uint32_t ts;
        int ws_back;
    } v[] = {
        {0x1000u, 7, 1, 0x0fd7u, 7}, /* 0x1017 would be ahead: one 64-step back */
        {0x1040u, 7, 1, 0x1017u, 7},
        {0x105fu, 0, 0, 0x1040u, 0}, /* at or below the clock: kept */
        {0x1057u, 7, 1, 0x1057u, 7}, /* exactly the clock */
        {0x1000u, 14, 0, 0x0fceu, 14},
        {0x1000u, -1, 1, 0x0fdfu, -1}, /* no window scaling */
        {0x1000u, 15, 0, 0x0fcfu, -1}, /* out of range: sent as none */
        {5u, 7, 1, 0xffffffd7u, 7},    /* modulo 2^32: 46 behind, not ahead */
        {0xffffffffu, 3, 1, 0xffffffd3u, 3},
    };
    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        uint32_t ts = syncookie_ts_encode(v[i].now, v[i].ws, v[i].sack);
        assert_int_equal(ts, v[i].ts);
        assert_true(v[i].now - ts < 64u);
        int ws = 99, sack = 99;
        syncookie_ts_decode(ts, &ws, &sack);
        assert_int_equal(ws, v[i].ws_back);
        assert_int_equal(sack, v[i].sack);
    }
}

/* A cookie for an IPv6 4-tuple checks for that tuple only: every address byte counts. */
static void test_ipv6_tuple(void **state)
{
    (void)state;
    tcb_fixture f = tcb_fixture_seeded(5 * TICK, 1);
    synack_endpoints ep = {.family = SYNACK_AF_INET6, .lport = 80, .rport = 40000};
    for (int i = 0; i < 16; i++) {
        ep.laddr6[i] = (uint8_t)(0x20 + i);
        ep.raddr6[i] = (uint8_t)(0x80 + i);
    }
    uint32_t cookie = syncookie_make(f.st, &ep, PEER_ISN, 3);
    assert_int_equal(syncookie_check(f.st, &ep, PEER_ISN, cookie), 3);
    for (int i = 0; i < 32; i++) {
        synack_endpoints v = ep;
        (i < 16 ? v.laddr6 : v.raddr6)[i % 16] ^= 0x10;
        assert_int_equal(syncookie_check(f.st, &v, PEER_ISN, cookie), -1);
    }
    synack_endpoints v4 = {.lport = 80, .rport = 40000}; /* IPv4 0.0.0.0: another tuple */
    assert_int_equal(syncookie_check(f.st, &v4, PEER_ISN, cookie), -1);
    tcb_fixture_free(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mss_index_is_largest_entry_not_above),
        cmocka_unit_test(test_roundtrip_every_mss_index),
        cmocka_unit_test(test_expiry_after_its_lifetime),
        cmocka_unit_test(test_wrong_tuple_isn_or_index_refused),
        cmocka_unit_test(test_wrong_secret_refused),
        cmocka_unit_test(test_rotation_keeps_cookies_in_flight),
        cmocka_unit_test(test_timestamp_carries_wscale_and_sack),
        cmocka_unit_test(test_ipv6_tuple),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
