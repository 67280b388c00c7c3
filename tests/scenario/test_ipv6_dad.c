/* SPDX-License-Identifier: MIT */
/* Duplicate Address Detection (src/stack/dad.c, RFC 4862 5.4) on an Ethernet netif with
 * 2001:db8::2 and the link-local fe80::ff:fe00:2 from MAC 02:00:00:00:00:02: both are
 * tentative until their probes (NS from :: to the solicited-node group) go unanswered for
 * RetransTimer; meanwhile they neither receive nor source packets and bind/connect say
 * EADDRNOTAVAIL; an NA for one, or another node's probe, makes it a duplicate for good.
 * The peer 2001:db8::1 at 02:00:00:00:00:01 is played by the test, frames compared byte
 * for byte with ones built independently. */
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
#include "wire/ipv4.h"
#include "wire/ipv6.h"

static const uint8_t MAC_US[6] = {0x02, 0, 0, 0, 0, 0x02};
static const uint8_t MAC_PEER[6] = {0x02, 0, 0, 0, 0, 0x01};
static const uint8_t US6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2};
static const uint8_t PEER6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
static const uint8_t LL6[16] = {0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xfe, 0, 0, 0x02};
/* ff02::1:ff00:2, the solicited-node group of both addresses, and its MAC */
static const uint8_t SN6[16] = {0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xff, 0, 0, 0x02};
static const uint8_t SN_MAC[6] = {0x33, 0x33, 0xff, 0, 0, 0x02};
static const uint64_t S = 1000000u;

static eth6_cap cap;

static synack_stack *new_stack(uint8_t transmits)
{
    synack_config c;
    synack_config_default(&c);
    assert_int_equal(c.dad_transmits, 1); /* on by default */
    eth6_config(&c, &cap, MAC_US, US6);
    c.dad_transmits = transmits;
    c.mld_reports = 0; /* the groups' reports are test_ipv6_mld's */
    synack_stack *st = synack_stack_new(&c);
    assert_non_null(st);
    return st;
}

/* cap.f[i] is the DAD probe for target: NS from :: to ff02::1:ff00:2 on its MAC, hop limit
 * 255, no source link-layer address option (RFC 4861 7.2.2, RFC 4862 5.4.2). */
static void assert_probe(size_t i, const uint8_t target[16])
{
    ipv6_addr t = eth6_addr(target), sn = eth6_addr(SN6), unspec;
    memset(&unspec, 0, sizeof(unspec));
    uint8_t l4[64], want[200];
    size_t n = nd_ns_emit(l4, sizeof(l4), &t, NULL, &unspec, &sn);
    assert_int_equal(n, 24);
    size_t wl = eth6_frame_build(want, SN_MAC, MAC_US, &unspec, &sn, IP_PROTO_ICMPV6, 255, l4, n);
    assert_int_equal(cap.f[i].len, wl);
    assert_memory_equal(cap.f[i].b, want, wl);
}

/* The peer resolving `target` (an NS from its unicast address with its MAC). */
static void peer_ns(synack_stack *st, uint64_t now, const uint8_t target[16])
{
    ipv6_addr t = eth6_addr(target), p = eth6_addr(PEER6), sn = eth6_addr(SN6);
    uint8_t l4[64], f[200];
    size_t n = nd_ns_emit(l4, sizeof(l4), &t, MAC_PEER, &p, &sn);
    size_t fl = eth6_frame_build(f, SN_MAC, MAC_PEER, &p, &sn, IP_PROTO_ICMPV6, 255, l4, n);
    synack_input(st, now, f, fl);
}

static void test_dad_success(void **state)
{
    (void)state;
    synack_stack *st = new_stack(1);
    assert_int_equal(synack_addr6_state(st, US6), SYNACK_ADDR6_TENTATIVE);
    assert_int_equal(synack_addr6_state(st, LL6), SYNACK_ADDR6_TENTATIVE);
    assert_int_equal(synack_addr6_state(st, PEER6), -EADDRNOTAVAIL);
    assert_int_equal(synack_addr6_state(NULL, US6), -EINVAL);
    assert_int_equal(synack_next_deadline(st), 0); /* the probes are due */

    /* tentative: neither a source (connect, bind) */
    assert_int_equal(eth6_connect(st, PEER6), -EADDRNOTAVAIL);
    int b = synack_socket_domain(st, SYNACK_AF_INET6, SYNACK_SOCK_STREAM);
    struct synack_sockaddr_in6 me;
    memset(&me, 0, sizeof(me));
    me.sin6_family = SYNACK_AF_INET6;
    wr16((uint8_t *)&me.sin6_port, 8080);
    memcpy(me.sin6_addr.s6_bytes, US6, 16);
    assert_int_equal(synack_bind(st, b, (struct sockaddr *)&me, sizeof(me)), -EADDRNOTAVAIL);
    assert_int_equal(cap.n, 0);

    /* the first poll probes both addresses, link-local first */
    assert_int_equal(synack_poll(st, 0), 0);
    assert_int_equal(cap.n, 2);
    assert_probe(0, LL6);
    assert_probe(1, US6);
    assert_int_equal(synack_counter_get(st, SYNACK_CTR_Icmp6OutNeighborSolicits), 2);
    assert_int_equal(synack_next_deadline(st), S);

    /* nor a destination: another node resolving it gets no answer (5.4.3) */
    peer_ns(st, 500000, US6);
    peer_ns(st, 500000, LL6);
    assert_int_equal(cap.n, 2);
    assert_int_equal(synack_addr6_state(st, US6), SYNACK_ADDR6_TENTATIVE);

    /* RetransTimer without an answer: both in use */
    assert_int_equal(synack_poll(st, S - 1), 0);
    assert_int_equal(synack_addr6_state(st, US6), SYNACK_ADDR6_TENTATIVE);
    assert_int_equal(synack_poll(st, S), 0);
    assert_int_equal(cap.n, 2);
    assert_int_equal(synack_addr6_state(st, US6), SYNACK_ADDR6_PREFERRED);
    assert_int_equal(synack_addr6_state(st, LL6), SYNACK_ADDR6_PREFERRED);
    assert_int_equal(synack_bind(st, b, (struct sockaddr *)&me, sizeof(me)), 0);
    assert_int_equal(eth6_connect(st, PEER6), -EINPROGRESS); /* resolving the peer now */
    assert_int_equal(cap.n, 3);
    /* the peer resolving us: its address releases our SYN, and it is answered */
    peer_ns(st, S + 1000, US6);
    assert_int_equal(cap.n, 5);
    assert_int_equal(cap.f[3].b[ETH_HDR_LEN + 6], IP_PROTO_TCP);
    assert_int_equal(cap.f[4].b[ETH_HDR_LEN + IPV6_HDR_LEN], ICMP6_ND_NA);
    assert_int_equal(synack_counter_get(st, SYNACK_CTR_Ip6DadFailed), 0);
    synack_stack_free(st);
}

static void test_dad_transmits_two(void **state)
{
    (void)state;
    synack_stack *st = new_stack(2);
    assert_int_equal(synack_poll(st, 0), 0);
    assert_int_equal(synack_poll(st, S), 0);
    assert_int_equal(cap.n, 4);
    assert_probe(2, LL6);
    assert_probe(3, US6);
    assert_int_equal(synack_addr6_state(st, US6), SYNACK_ADDR6_TENTATIVE);
    assert_int_equal(synack_poll(st, 2 * S), 0);
    assert_int_equal(cap.n, 4);
    assert_int_equal(synack_addr6_state(st, US6), SYNACK_ADDR6_PREFERRED);
    assert_int_equal(synack_next_deadline(st), UINT64_MAX);
    synack_stack_free(st);
}

static void test_dad_fails_on_na(void **state)
{
    (void)state;
    synack_stack *st = new_stack(1);
    assert_int_equal(synack_poll(st, 0), 0);
    /* another node holds 2001:db8::2: its NA (to all-nodes, override) answers our probe */
    ipv6_addr t = eth6_addr(US6), p = eth6_addr(PEER6), all;
    memset(&all, 0, sizeof(all));
    all.b[0] = 0xff;
    all.b[1] = 0x02;
    all.b[15] = 1;
    const uint8_t all_mac[6] = {0x33, 0x33, 0, 0, 0, 1};
    uint8_t l4[64], f[200];
    size_t n = nd_na_emit(l4, sizeof(l4), ND_NA_OVERRIDE, &t, MAC_PEER, &p, &all);
    size_t fl = eth6_frame_build(f, all_mac, MAC_PEER, &p, &all, IP_PROTO_ICMPV6, 255, l4, n);
    synack_input(st, 300000, f, fl);
    assert_int_equal(synack_addr6_state(st, US6), SYNACK_ADDR6_DUPLICATE);
    assert_int_equal(synack_counter_get(st, SYNACK_CTR_Ip6DadFailed), 1);
    /* never used, while the link-local address passes */
    assert_int_equal(synack_poll(st, 5 * S), 0);
    assert_int_equal(synack_addr6_state(st, US6), SYNACK_ADDR6_DUPLICATE);
    assert_int_equal(synack_addr6_state(st, LL6), SYNACK_ADDR6_PREFERRED);
    assert_int_equal(eth6_connect(st, PEER6), -EADDRNOTAVAIL);
    peer_ns(st, 5 * S, US6);
    assert_int_equal(cap.n, 2); /* the two probes only */
    peer_ns(st, 5 * S, LL6);
    assert_int_equal(cap.n, 3); /* the link-local address answers */
    synack_stack_free(st);
}

static void test_dad_fails_on_other_probe(void **state)
{
    (void)state;
    synack_stack *st = new_stack(1);
    assert_int_equal(synack_poll(st, 0), 0);
    /* another node probing fe80::ff:fe00:2 at the same time (5.4.3) */
    ipv6_addr t = eth6_addr(LL6), sn = eth6_addr(SN6), unspec;
    memset(&unspec, 0, sizeof(unspec));
    uint8_t l4[64], f[200];
    size_t n = nd_ns_emit(l4, sizeof(l4), &t, NULL, &unspec, &sn);
    size_t fl = eth6_frame_build(f, SN_MAC, MAC_PEER, &unspec, &sn, IP_PROTO_ICMPV6, 255, l4, n);
    synack_input(st, 200000, f, fl);
    assert_int_equal(cap.n, 2); /* not defended: it is not ours yet */
    assert_int_equal(synack_addr6_state(st, LL6), SYNACK_ADDR6_DUPLICATE);
    assert_int_equal(synack_counter_get(st, SYNACK_CTR_Ip6DadFailed), 1);
    assert_int_equal(synack_poll(st, S), 0);
    assert_int_equal(synack_addr6_state(st, US6), SYNACK_ADDR6_PREFERRED);
    peer_ns(st, 2 * S, LL6);
    assert_int_equal(cap.n, 2);
    synack_stack_free(st);
}

static void test_dad_off_and_bounds(void **state)
{
    (void)state;
    synack_stack *st = new_stack(0);
    assert_int_equal(synack_addr6_state(st, US6), SYNACK_ADDR6_PREFERRED);
    assert_int_equal(synack_next_deadline(st), UINT64_MAX);
    assert_int_equal(eth6_connect(st, PEER6), -EINPROGRESS);
    synack_stack_free(st);

    synack_config c;
    synack_config_default(&c);
    c.netif.output = eth6_capture;
    c.netif.addr = 0xc0000202u;
    assert_int_equal(synack_config_check(&c, NULL), 0);
    c.dad_transmits = 11;
    const char *field = NULL;
    assert_int_equal(synack_config_check(&c, &field), -EINVAL);
    assert_string_equal(field, "dad_transmits");
}

/* cfg.dad_delay (RFC 4862 5.4.2): the join and the first probes wait one random 0..1 s
 * from the first poll, the seeded generator's draw; the verdict RetransTimer after. */
static void test_dad_random_delay(void **state)
{
    (void)state;
    synack_config c;
    synack_config_default(&c);
    assert_int_equal(c.dad_delay, 0); /* off: the first poll probes */
    eth6_config(&c, &cap, MAC_US, US6);
    c.dad_delay = 1;
    c.mld_reports = 1;
    synack_stack *st = synack_stack_new(&c);
    assert_non_null(st);
    assert_int_equal(synack_next_deadline(st), 0);
    assert_int_equal(synack_poll(st, 5 * S), 0);
    assert_int_equal(cap.n, 0);
    uint64_t t = synack_next_deadline(st);
    assert_true(t > 5 * S && t <= 6 * S);
    assert_int_equal(synack_poll(st, t - 1), 0);
    assert_int_equal(cap.n, 0);
    assert_int_equal(synack_addr6_state(st, US6), SYNACK_ADDR6_TENTATIVE);
    assert_int_equal(synack_poll(st, t), 0);
    assert_int_equal(cap.n, 3);
    assert_int_equal(cap.f[0].b[ETH_HDR_LEN + IPV6_HDR_LEN + 8], 143); /* the join first */
    assert_probe(1, LL6);
    assert_probe(2, US6);
    assert_int_equal(synack_next_deadline(st), t + S);
    assert_int_equal(synack_poll(st, t + S - 1), 0);
    assert_int_equal(synack_addr6_state(st, US6), SYNACK_ADDR6_TENTATIVE);
    assert_int_equal(synack_poll(st, t + S), 0);
    assert_int_equal(synack_addr6_state(st, US6), SYNACK_ADDR6_PREFERRED);
    assert_int_equal(synack_addr6_state(st, LL6), SYNACK_ADDR6_PREFERRED);
    assert_int_equal(cap.n, 3);
    synack_stack_free(st);

    c.dad_delay = 2;
    const char *field = NULL;
    assert_int_equal(synack_config_check(&c, &field), -EINVAL);
    assert_string_equal(field, "dad_delay");
}

/* cfg.dad_nonce (RFC 7527): each address's probe carries a Nonce option of its own; the
 * probe looped back to us is dropped and counted, not a duplicate; another node's probe,
 * with another nonce, is. */
static void test_dad_nonce(void **state)
{
    (void)state;
    synack_config c;
    synack_config_default(&c);
    assert_int_equal(c.dad_nonce, 0);
    eth6_config(&c, &cap, MAC_US, US6);
    c.mld_reports = 0;
    c.dad_nonce = 1;
    synack_stack *st = synack_stack_new(&c);
    assert_non_null(st);
    assert_int_equal(synack_poll(st, 0), 0);
    assert_int_equal(cap.n, 2);
    ipv6_addr sn = eth6_addr(SN6), unspec;
    memset(&unspec, 0, sizeof(unspec));
    const uint8_t *targets[2] = {LL6, US6};
    uint8_t nonces[2][6];
    for (size_t i = 0; i < 2; i++) {
        const uint8_t *m = cap.f[i].b + ETH_HDR_LEN + IPV6_HDR_LEN;
        assert_int_equal(m[24], 14); /* Nonce, one 8-byte unit */
        assert_int_equal(m[25], 1);
        memcpy(nonces[i], m + 26, 6);
        ipv6_addr t = eth6_addr(targets[i]);
        uint8_t l4[64], want[200];
        size_t n = nd_ns_nonce_emit(l4, sizeof(l4), &t, nonces[i], &sn);
        assert_int_equal(n, 32);
        size_t wl =
            eth6_frame_build(want, SN_MAC, MAC_US, &unspec, &sn, IP_PROTO_ICMPV6, 255, l4, n);
        assert_int_equal(cap.f[i].len, wl);
        assert_memory_equal(cap.f[i].b, want, wl);
    }
    assert_memory_not_equal(nonces[0], nonces[1], 6);

    /* the link-local probe looped back: ours, not a duplicate */
    eth6_frame back = cap.f[0];
    synack_input(st, 100000, back.b, back.len);
    assert_int_equal(synack_counter_get(st, SYNACK_CTR_Ip6DadLoopedBack), 1);
    assert_int_equal(synack_counter_get(st, SYNACK_CTR_Ip6DadFailed), 0);
    assert_int_equal(synack_addr6_state(st, LL6), SYNACK_ADDR6_TENTATIVE);

    /* another node probing 2001:db8::2 with its own nonce: a duplicate */
    ipv6_addr t = eth6_addr(US6);
    const uint8_t other[6] = {1, 2, 3, 4, 5, 6};
    uint8_t l4[64], f[200];
    size_t n = nd_ns_nonce_emit(l4, sizeof(l4), &t, other, &sn);
    size_t fl = eth6_frame_build(f, SN_MAC, MAC_PEER, &unspec, &sn, IP_PROTO_ICMPV6, 255, l4, n);
    synack_input(st, 200000, f, fl);
    assert_int_equal(synack_addr6_state(st, US6), SYNACK_ADDR6_DUPLICATE);
    assert_int_equal(synack_counter_get(st, SYNACK_CTR_Ip6DadFailed), 1);
    assert_int_equal(synack_poll(st, S), 0);
    assert_int_equal(synack_addr6_state(st, LL6), SYNACK_ADDR6_PREFERRED);
    synack_stack_free(st);

    c.dad_nonce = 2;
    const char *field = NULL;
    assert_int_equal(synack_config_check(&c, &field), -EINVAL);
    assert_string_equal(field, "dad_nonce");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dad_success),        cmocka_unit_test(test_dad_transmits_two),
        cmocka_unit_test(test_dad_fails_on_na),    cmocka_unit_test(test_dad_fails_on_other_probe),
        cmocka_unit_test(test_dad_off_and_bounds), cmocka_unit_test(test_dad_random_delay),
        cmocka_unit_test(test_dad_nonce),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
