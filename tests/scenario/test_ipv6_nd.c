/* SPDX-License-Identifier: MIT */
/* IPv6 on Ethernet (src/stack/nd.c, RFC 4861): a connect resolves its next hop first (a
 * multicast NS to the solicited-node group on its 33:33 MAC, the SYN waiting), and the
 * NA releases the SYN; an NS for our address, or for the link-local one made from the
 * MAC, is answered with an NA; ND with hop limit other than 255 is dropped (7.1.1); a
 * ping to the link-local address is answered from it. One stack, 2001:db8::2 at
 * 02:00:00:00:00:02; the peer 2001:db8::1 at 02:00:00:00:00:01 is played by the test,
 * every frame built and compared byte for byte. */
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
#include "wire/tcp_wire.h"

static const uint8_t MAC_US[6] = {0x02, 0, 0, 0, 0, 0x02};
static const uint8_t MAC_PEER[6] = {0x02, 0, 0, 0, 0, 0x01};
static const uint8_t US6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2};
static const uint8_t PEER6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};

static eth6_cap cap;

static synack_stack *new_stack(void)
{
    synack_config c;
    synack_config_default(&c);
    eth6_config(&c, &cap, MAC_US, US6);
    c.dad_transmits = 0; /* our addresses usable at once: DAD is test_ipv6_dad's */
    c.mld_reports = 0;   /* and MLD test_ipv6_mld's */
    const char *field = NULL;
    /* Ethernet carries IPv6 now that ND is wired */
    assert_int_equal(synack_config_check(&c, &field), 0);
    synack_stack *st = synack_stack_new(&c);
    assert_non_null(st);
    return st;
}

static void test_connect_resolves_then_sends_syn(void **state)
{
    (void)state;
    synack_stack *st = new_stack();
    assert_int_equal(eth6_connect(st, PEER6), -EINPROGRESS);
    /* 7.2.2: one NS, to ff02::1:ff00:1 on 33:33:ff:00:00:01, hop limit 255, with our MAC */
    assert_int_equal(cap.n, 1);
    ipv6_addr us = eth6_addr(US6), peer = eth6_addr(PEER6), sn;
    ipv6_addr_solicited_node(&sn, &peer);
    const uint8_t sn_mac[6] = {0x33, 0x33, 0xff, 0, 0, 0x01};
    uint8_t l4[64], want[200];
    size_t n = nd_ns_emit(l4, sizeof(l4), &peer, MAC_US, &us, &sn);
    size_t wl = eth6_frame_build(want, sn_mac, MAC_US, &us, &sn, IP_PROTO_ICMPV6, 255, l4, n);
    assert_int_equal(cap.f[0].len, wl);
    assert_memory_equal(cap.f[0].b, want, wl);
    assert_int_equal(synack_counter_get(st, SYNACK_CTR_Icmp6OutNeighborSolicits), 1);

    /* the NA (solicited, override, its MAC) releases the SYN that waited */
    n = nd_na_emit(l4, sizeof(l4), ND_NA_SOLICITED | ND_NA_OVERRIDE, &peer, MAC_PEER, &peer, &us);
    uint8_t f[200];
    size_t fl = eth6_frame_build(f, MAC_US, MAC_PEER, &peer, &us, IP_PROTO_ICMPV6, 255, l4, n);
    assert_int_equal(synack_input(st, 1000, f, fl), 0);
    assert_int_equal(cap.n, 2);
    const uint8_t *b = cap.f[1].b;
    assert_memory_equal(b, MAC_PEER, 6);
    assert_memory_equal(b + 6, MAC_US, 6);
    assert_int_equal(rd16(b + 12), ETHERTYPE_IPV6);
    assert_int_equal(b[ETH_HDR_LEN + 6], IP_PROTO_TCP);
    assert_memory_equal(b + ETH_HDR_LEN + 24, PEER6, 16);
    tcp_seg seg;
    uint64_t hs;
    size_t tl = cap.f[1].len - ETH_HDR_LEN - IPV6_HDR_LEN;
    assert_int_equal(tcp_parse6(b + ETH_HDR_LEN + IPV6_HDR_LEN, tl, US6, PEER6, 0, &seg, &hs),
                     WIRE_OK);
    assert_int_equal(seg.flags, TCP_SYN);
    assert_int_equal(seg.dport, 80);
    assert_int_equal(seg.opts.mss, 1440);
    assert_int_equal(synack_counter_get(st, SYNACK_CTR_Icmp6InNeighborAdvertisements), 1);

    /* resolved: the next packet goes straight out (the SYN's retransmission) */
    assert_int_equal(synack_poll(st, 1100000), 0);
    assert_int_equal(cap.n, 3);
    assert_memory_equal(cap.f[2].b, MAC_PEER, 6);
    synack_stack_free(st);
}

static void test_ns_answered_with_na(void **state)
{
    (void)state;
    synack_stack *st = new_stack();
    ipv6_addr us = eth6_addr(US6), peer = eth6_addr(PEER6), sn;
    ipv6_addr_solicited_node(&sn, &us);
    const uint8_t sn_mac[6] = {0x33, 0x33, 0xff, 0, 0, 0x02};
    uint8_t l4[64], f[200], want[200];
    size_t n = nd_ns_emit(l4, sizeof(l4), &us, MAC_PEER, &peer, &sn);

    /* hop limit 64: not from this link, dropped (7.1.1) */
    size_t fl = eth6_frame_build(f, sn_mac, MAC_PEER, &peer, &sn, IP_PROTO_ICMPV6, 64, l4, n);
    synack_input(st, 1000, f, fl);
    assert_int_equal(cap.n, 0);
    assert_int_equal(synack_counter_get(st, SYNACK_CTR_Icmp6InErrors), 1);

    /* to the solicited-node group on its MAC: an NA to the asker's MAC (its SLLA) */
    fl = eth6_frame_build(f, sn_mac, MAC_PEER, &peer, &sn, IP_PROTO_ICMPV6, 255, l4, n);
    synack_input(st, 2000, f, fl);
    assert_int_equal(cap.n, 1);
    size_t m =
        nd_na_emit(want + 100, 64, ND_NA_SOLICITED | ND_NA_OVERRIDE, &us, MAC_US, &us, &peer);
    memcpy(l4, want + 100, m);
    size_t wl = eth6_frame_build(want, MAC_PEER, MAC_US, &us, &peer, IP_PROTO_ICMPV6, 255, l4, m);
    assert_int_equal(cap.f[0].len, wl);
    assert_memory_equal(cap.f[0].b, want, wl);
    assert_int_equal(synack_counter_get(st, SYNACK_CTR_Icmp6InNeighborSolicits), 1);
    assert_int_equal(synack_counter_get(st, SYNACK_CTR_Icmp6OutNeighborAdvertisements), 1);

    /* a DAD probe for our address (from ::, to the solicited-node group): defended with
     * an NA to all-nodes, override but not solicited (RFC 4861 7.2.4) */
    ipv6_addr unspec;
    memset(&unspec, 0, sizeof(unspec));
    n = nd_ns_emit(l4, sizeof(l4), &us, NULL, &unspec, &sn);
    fl = eth6_frame_build(f, sn_mac, MAC_PEER, &unspec, &sn, IP_PROTO_ICMPV6, 255, l4, n);
    synack_input(st, 2500, f, fl);
    assert_int_equal(cap.n, 2);
    ipv6_addr all;
    memset(&all, 0, sizeof(all));
    all.b[0] = 0xff;
    all.b[1] = 0x02;
    all.b[15] = 1;
    const uint8_t all_mac[6] = {0x33, 0x33, 0, 0, 0, 1};
    m = nd_na_emit(want + 100, 64, ND_NA_OVERRIDE, &us, MAC_US, &us, &all);
    memcpy(l4, want + 100, m);
    wl = eth6_frame_build(want, all_mac, MAC_US, &us, &all, IP_PROTO_ICMPV6, 255, l4, m);
    assert_int_equal(cap.f[1].len, wl);
    assert_memory_equal(cap.f[1].b, want, wl);
    /* but nothing else from ::, an echo request included */
    const uint8_t d[2] = {9, 9};
    icmp6_msg req = {.type = ICMP6_ECHO_REQUEST, .rest = 1, .payload = d, .payload_len = 2};
    n = icmp6_emit(l4, sizeof(l4), &req, &unspec, &us);
    fl = eth6_frame_build(f, MAC_US, MAC_PEER, &unspec, &us, IP_PROTO_ICMPV6, 64, l4, n);
    synack_input(st, 2600, f, fl);
    assert_int_equal(cap.n, 2);

    /* an NS for an address not ours: nothing */
    ipv6_addr other = peer;
    other.b[15] = 9;
    n = nd_ns_emit(l4, sizeof(l4), &other, MAC_PEER, &peer, &us);
    fl = eth6_frame_build(f, MAC_US, MAC_PEER, &peer, &us, IP_PROTO_ICMPV6, 255, l4, n);
    synack_input(st, 3000, f, fl);
    assert_int_equal(cap.n, 2);
    synack_stack_free(st);
}

static void test_link_local_ns_and_ping(void **state)
{
    (void)state;
    synack_stack *st = new_stack();
    /* fe80::ff:fe00:2 from 02:00:00:00:00:02 (modified EUI-64: the U/L bit flipped) */
    const uint8_t ll_b[16] = {0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xfe, 0, 0, 0x02};
    const uint8_t pll_b[16] = {0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xfe, 0, 0, 0x01};
    ipv6_addr ll = eth6_addr(ll_b), pll = eth6_addr(pll_b);
    uint8_t l4[64], f[200], want[200], w4[64];
    size_t n = nd_ns_emit(l4, sizeof(l4), &ll, MAC_PEER, &pll, &ll);
    size_t fl = eth6_frame_build(f, MAC_US, MAC_PEER, &pll, &ll, IP_PROTO_ICMPV6, 255, l4, n);
    synack_input(st, 1000, f, fl);
    assert_int_equal(cap.n, 1);
    size_t m = nd_na_emit(w4, sizeof(w4), ND_NA_SOLICITED | ND_NA_OVERRIDE, &ll, MAC_US, &ll, &pll);
    size_t wl = eth6_frame_build(want, MAC_PEER, MAC_US, &ll, &pll, IP_PROTO_ICMPV6, 255, w4, m);
    assert_int_equal(cap.f[0].len, wl);
    assert_memory_equal(cap.f[0].b, want, wl);

    /* a ping to the link-local address: the reply from it, straight to the MAC the NS
     * taught (7.2.3) */
    const uint8_t data[4] = {1, 2, 3, 4};
    icmp6_msg req = {
        .type = ICMP6_ECHO_REQUEST, .rest = 0x00010002u, .payload = data, .payload_len = 4};
    n = icmp6_emit(l4, sizeof(l4), &req, &pll, &ll);
    fl = eth6_frame_build(f, MAC_US, MAC_PEER, &pll, &ll, IP_PROTO_ICMPV6, 64, l4, n);
    synack_input(st, 2000, f, fl);
    assert_int_equal(cap.n, 2);
    icmp6_msg rep = req;
    rep.type = ICMP6_ECHO_REPLY;
    m = icmp6_emit(w4, sizeof(w4), &rep, &ll, &pll);
    wl = eth6_frame_build(want, MAC_PEER, MAC_US, &ll, &pll, IP_PROTO_ICMPV6, 64, w4, m);
    assert_int_equal(cap.f[1].len, wl);
    assert_memory_equal(cap.f[1].b, want, wl);
    synack_stack_free(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_connect_resolves_then_sends_syn),
        cmocka_unit_test(test_ns_answered_with_na),
        cmocka_unit_test(test_link_local_ns_and_ping),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
