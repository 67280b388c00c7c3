/* SPDX-License-Identifier: MIT */
/* Router Solicitations (src/stack/rs.c, RFC 4861 6.3.7) on an Ethernet netif (MAC
 * 02:00:00:00:00:02, link-local fe80::ff:fe00:2): once DAD has made the link-local address
 * usable, the first waits a random 0..1 s, then up to three go 4 s apart, from the
 * link-local address with our link-layer address, to ff02::2; an RA naming a default
 * router ends them. On by default only with SLAAC. The expected RS is written out byte by
 * byte here, its checksum computed by this file's own sum; the router fe80::1 is played by
 * the test. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "support/ipv6_eth_rig.h"
#include "synack/synack.h"
#include "wire/bytes.h"
#include "wire/eth.h"
#include "wire/icmpv6.h"
#include "wire/ipv6.h"

static const uint8_t MAC_US[6] = {0x02, 0, 0, 0, 0, 0x02};
static const uint8_t MAC_RTR[6] = {0x02, 0, 0, 0, 0, 0x01};
static const uint8_t US6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 2};
static const uint8_t LL6[16] = {0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xfe, 0, 0, 0x02};
static const uint8_t RTR_LL[16] = {0xfe, 0x80, [15] = 1};
static const uint8_t ALL_NODES[16] = {0xff, 0x02, [15] = 1};
static const uint64_t S = 1000000u;

static eth6_cap cap;

static synack_stack *new_stack(const uint8_t *addr6, uint8_t slaac, uint8_t dad, uint8_t rs)
{
    synack_config c;
    synack_config_default(&c);
    assert_int_equal(c.router_solicits, SYNACK_RTR_SOLICITS_AUTO);
    eth6_config(&c, &cap, MAC_US, addr6);
    c.dad_transmits = dad;
    c.mld_reports = 0;
    c.slaac = slaac;
    c.router_solicits = rs;
    synack_stack *st = synack_stack_new(&c);
    assert_non_null(st);
    return st;
}

/* cap.f[i] is our RS: to 33:33:00:00:00:02, fe80::ff:fe00:2 -> ff02::2, hop limit 255,
 * type 133 with a source link-layer address option of our MAC (4.1). */
static void assert_rs(size_t i)
{
    static const uint8_t all_rtr[16] = {0xff, 0x02, [15] = 2};
    uint8_t w[14 + 40 + 16] = {0x33, 0x33, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 0x02, 0x86, 0xdd};
    uint8_t *ip = w + 14, *m = ip + 40;
    ip[0] = 0x60;
    wr16(ip + 4, 16);
    ip[6] = 58;
    ip[7] = 255;
    memcpy(ip + 8, LL6, 16);
    memcpy(ip + 24, all_rtr, 16);
    m[0] = 133;
    m[8] = 1; /* SLLA, 8 bytes */
    m[9] = 1;
    memcpy(m + 10, MAC_US, 6);
    wr16(m + 2, eth6_icmp_sum(LL6, all_rtr, m, 16));
    assert_int_equal(cap.f[i].len, sizeof(w));
    assert_memory_equal(cap.f[i].b, w, sizeof(w));
}

/* An RA from fe80::1 with router lifetime life (no options but its SLLA). */
static void ra(synack_stack *st, uint64_t now, uint16_t life)
{
    uint8_t pay[16] = {[8] = ND_OPT_SLLA, [9] = 1};
    memcpy(pay + 10, MAC_RTR, 6);
    ipv6_addr s = eth6_addr(RTR_LL), d = eth6_addr(ALL_NODES);
    icmp6_msg msg = {
        .type = ICMP6_ND_RA, .rest = (64u << 24) | life, .payload = pay, .payload_len = 16};
    uint8_t l4[64], f[200];
    size_t n = icmp6_emit(l4, sizeof(l4), &msg, &s, &d);
    const uint8_t mac[6] = {0x33, 0x33, 0, 0, 0, 1};
    size_t fl = eth6_frame_build(f, mac, MAC_RTR, &s, &d, IP_PROTO_ICMPV6, 255, l4, n);
    synack_input(st, now, f, fl);
}

/* Polls at t - 1 (nothing) and at t (one frame more). */
static void frame_at(synack_stack *st, uint64_t t)
{
    size_t n = cap.n;
    assert_int_equal(synack_poll(st, t - 1), 0);
    assert_int_equal(cap.n, n);
    assert_int_equal(synack_poll(st, t), 0);
    assert_int_equal(cap.n, n + 1);
}

static void test_three_after_dad(void **state)
{
    (void)state;
    synack_stack *st = new_stack(NULL, 1, 1, SYNACK_RTR_SOLICITS_AUTO);
    /* the link-local address's probe; no RS while it is tentative */
    assert_int_equal(synack_poll(st, 0), 0);
    assert_int_equal(cap.n, 1);
    assert_int_equal(cap.f[0].b[14 + 40], ICMP6_ND_NS);
    assert_int_equal(synack_next_deadline(st), S);
    /* in use at 1 s: the first RS 0..1 s later (the seeded generator's draw) */
    assert_int_equal(synack_poll(st, S), 0);
    assert_int_equal(cap.n, 1);
    uint64_t t = synack_next_deadline(st);
    assert_true(t > S && t <= 2 * S);
    frame_at(st, t);
    assert_rs(1);
    /* then 4 s apart, three in all */
    assert_int_equal(synack_next_deadline(st), t + 4 * S);
    frame_at(st, t + 4 * S);
    assert_rs(2);
    frame_at(st, t + 8 * S);
    assert_rs(3);
    assert_int_equal(synack_next_deadline(st), UINT64_MAX);
    assert_int_equal(synack_poll(st, 60 * S), 0);
    assert_int_equal(cap.n, 4);
    assert_int_equal(synack_counter_get(st, SYNACK_CTR_Icmp6OutRouterSolicits), 3);
    assert_int_equal(synack_counter_get(st, SYNACK_CTR_Icmp6OutNeighborSolicits), 1);
    synack_stack_free(st);
}

static void test_ra_ends_them(void **state)
{
    (void)state;
    synack_stack *st = new_stack(NULL, 1, 0, SYNACK_RTR_SOLICITS_AUTO);
    /* no DAD: the link-local address is in use from the first poll */
    assert_int_equal(synack_next_deadline(st), 0);
    assert_int_equal(synack_poll(st, 10 * S), 0);
    uint64_t t = synack_next_deadline(st);
    assert_true(t >= 10 * S && t <= 11 * S);
    if (t > 10 * S)
        frame_at(st, t);
    assert_int_equal(cap.n, 1);
    assert_rs(0);
    /* an RA with router lifetime 0 names no default router: they go on */
    ra(st, t + S, 0);
    frame_at(st, t + 4 * S);
    assert_rs(1);
    /* one with a lifetime does: no third */
    ra(st, t + 5 * S, 1800);
    assert_int_equal(synack_poll(st, t + 20 * S), 0);
    assert_int_equal(cap.n, 2);
    assert_int_equal(synack_counter_get(st, SYNACK_CTR_Icmp6OutRouterSolicits), 2);
    synack_stack_free(st);

    /* a router heard before the first RS: none at all */
    cap.n = 0;
    st = new_stack(NULL, 1, 1, SYNACK_RTR_SOLICITS_AUTO);
    assert_int_equal(synack_poll(st, 0), 0);
    ra(st, S / 2, 1800);
    assert_int_equal(synack_poll(st, S), 0);
    assert_int_equal(synack_poll(st, 20 * S), 0);
    assert_int_equal(cap.n, 1); /* the DAD probe */
    assert_int_equal(synack_counter_get(st, SYNACK_CTR_Icmp6OutRouterSolicits), 0);
    synack_stack_free(st);
}

static void test_config(void **state)
{
    (void)state;
    /* static configuration (the default): no RS */
    synack_stack *st = new_stack(US6, 0, 0, SYNACK_RTR_SOLICITS_AUTO);
    assert_int_equal(synack_poll(st, 0), 0);
    assert_int_equal(synack_poll(st, 30 * S), 0);
    assert_int_equal(cap.n, 0);
    synack_stack_free(st);
    /* SLAAC with none asked */
    st = new_stack(NULL, 1, 0, 0);
    assert_int_equal(synack_poll(st, 0), 0);
    assert_int_equal(synack_poll(st, 30 * S), 0);
    assert_int_equal(cap.n, 0);
    synack_stack_free(st);
    /* static, with one asked for */
    st = new_stack(US6, 0, 0, 1);
    assert_int_equal(synack_poll(st, 0), 0);
    assert_int_equal(synack_poll(st, 30 * S), 0);
    assert_int_equal(cap.n, 1);
    assert_rs(0);
    assert_int_equal(synack_next_deadline(st), UINT64_MAX);
    synack_stack_free(st);

    synack_config c;
    synack_config_default(&c);
    eth6_config(&c, &cap, MAC_US, US6);
    const char *field = NULL;
    c.router_solicits = 10;
    assert_int_equal(synack_config_check(&c, &field), 0);
    c.router_solicits = 11;
    assert_int_equal(synack_config_check(&c, &field), -EINVAL);
    assert_string_equal(field, "router_solicits");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_three_after_dad),
        cmocka_unit_test(test_ra_ends_them),
        cmocka_unit_test(test_config),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
