/* SPDX-License-Identifier: MIT */
/* Neighbor Unreachability Detection on an IPv6 Ethernet netif (src/stack/nd.c and
 * nd_cache.c, RFC 4861 7.3): TCP's acknowledged data confirms the next hop so a STALE
 * neighbor in DELAY is not probed; without it, DELAY becomes PROBE and MAX_UNICAST_SOLICIT
 * unicast NSs go unanswered before the entry is deleted; an address that never resolves
 * drops what waited and gives the connection EHOSTUNREACH (7.2.2). One stack, 2001:db8::2
 * at 02:00:00:00:00:02, the peer 2001:db8::1 at 02:00:00:00:00:01 played by the test. */
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
static const uint64_t S = 1000000u;

static eth6_cap cap;

static synack_stack *new_stack(void)
{
    synack_config c;
    synack_config_default(&c);
    eth6_config(&c, &cap, MAC_US, US6);
    c.dad_transmits = 0; /* these tests are about the neighbor, not our address */
    c.mld_reports = 0;
    synack_stack *st = synack_stack_new(&c);
    assert_non_null(st);
    return st;
}

/* The peer's TCP segment to us. */
static void peer_tcp(synack_stack *st, uint64_t now, uint16_t sport, uint16_t dport, uint32_t seq,
                     uint32_t ack, uint8_t flags)
{
    tcp_seg s = {
        .sport = sport, .dport = dport, .seq = seq, .ack = ack, .flags = flags, .win = 65535};
    if (flags & TCP_SYN)
        s.opts.mss = 1440;
    uint8_t l4[100], f[200];
    size_t n = tcp_emit(l4, sizeof(l4), &s, TCP_OPTS_LINUX, 0, 0);
    assert_true(n > 0);
    tcp_csum_add_addrs6(l4, PEER6, US6);
    ipv6_addr p = eth6_addr(PEER6), u = eth6_addr(US6);
    size_t fl = eth6_frame_build(f, MAC_US, MAC_PEER, &p, &u, IP_PROTO_TCP, 64, l4, n);
    assert_int_equal(synack_input(st, now, f, fl), 0);
}

/* Our last frame's TCP segment. */
static tcp_seg last_tcp(size_t i)
{
    const uint8_t *b = cap.f[i].b;
    assert_int_equal(rd16(b + 12), ETHERTYPE_IPV6);
    assert_int_equal(b[ETH_HDR_LEN + 6], IP_PROTO_TCP);
    tcp_seg seg;
    uint64_t hs;
    size_t tl = cap.f[i].len - ETH_HDR_LEN - IPV6_HDR_LEN;
    assert_int_equal(tcp_parse6(b + ETH_HDR_LEN + IPV6_HDR_LEN, tl, US6, PEER6, 0, &seg, &hs),
                     WIRE_OK);
    return seg;
}

/* The NA that resolves the peer: solicited (REACHABLE) and override, with its MAC. */
static void peer_na(synack_stack *st, uint64_t now)
{
    ipv6_addr p = eth6_addr(PEER6), u = eth6_addr(US6);
    uint8_t l4[64], f[200];
    size_t n = nd_na_emit(l4, sizeof(l4), ND_NA_SOLICITED | ND_NA_OVERRIDE, &p, MAC_PEER, &p, &u);
    size_t fl = eth6_frame_build(f, MAC_US, MAC_PEER, &p, &u, IP_PROTO_ICMPV6, 255, l4, n);
    assert_int_equal(synack_input(st, now, f, fl), 0);
}

/* A connection from us to [2001:db8::1]:80, ESTABLISHED at 2 ms with the peer's ISN 5000;
 * returns the socket, *iss our ISN. */
static int established(synack_stack *st, uint32_t *iss, uint16_t *lport)
{
    int s = -1;
    assert_int_equal(eth6_connect_sock(st, PEER6, &s), -EINPROGRESS);
    assert_int_equal(cap.n, 1); /* the multicast NS */
    peer_na(st, 1000);
    assert_int_equal(cap.n, 2); /* the SYN */
    tcp_seg syn = last_tcp(1);
    *iss = syn.seq;
    *lport = syn.sport;
    peer_tcp(st, 2000, 80, syn.sport, 5000, syn.seq + 1, TCP_SYN | TCP_ACK);
    assert_int_equal(cap.n, 3); /* the ACK */
    return s;
}

/* The unicast NS (7.3.3 PROBE) we must send to the peer's MAC, built independently. */
static size_t want_unicast_ns(uint8_t *want)
{
    ipv6_addr p = eth6_addr(PEER6), u = eth6_addr(US6);
    uint8_t l4[64];
    size_t n = nd_ns_emit(l4, sizeof(l4), &p, MAC_US, &u, &p);
    return eth6_frame_build(want, MAC_PEER, MAC_US, &u, &p, IP_PROTO_ICMPV6, 255, l4, n);
}

static int is_ns(size_t i)
{
    const uint8_t *b = cap.f[i].b;
    return b[ETH_HDR_LEN + 6] == IP_PROTO_ICMPV6 && b[ETH_HDR_LEN + IPV6_HDR_LEN] == ICMP6_ND_NS;
}

static void test_acked_data_confirms_reachability(void **state)
{
    (void)state;
    synack_stack *st = new_stack();
    uint32_t iss;
    uint16_t lport;
    int s = established(st, &iss, &lport);

    /* 50 s on, past any ReachableTime (at most 1.5 * 30 s): the entry is STALE, and the
     * data we send now starts the 5 s DELAY */
    assert_int_equal(synack_poll(st, 50 * S), 0);
    size_t before = cap.n;
    assert_int_equal(synack_send(st, s, "hello", 5, 0), 5);
    assert_int_equal(cap.n, before + 1);
    tcp_seg d = last_tcp(cap.n - 1);
    assert_int_equal(d.payload_len, 5);
    assert_memory_equal(cap.f[cap.n - 1].b, MAC_PEER, 6);

    /* the peer acknowledges it: forward progress (7.3.1) makes the neighbor REACHABLE, so
     * DELAY_FIRST_PROBE_TIME passes without a probe */
    peer_tcp(st, 50 * S + 10000, 80, lport, 5001, iss + 1 + 5, TCP_ACK);
    before = cap.n;
    assert_int_equal(synack_poll(st, 56 * S), 0);
    assert_int_equal(cap.n, before);
    assert_int_equal(synack_counter_get(st, SYNACK_CTR_Icmp6OutNeighborSolicits), 1);
    synack_stack_free(st);
}

static void test_unconfirmed_neighbor_probed_then_deleted(void **state)
{
    (void)state;
    synack_stack *st = new_stack();
    uint32_t iss;
    uint16_t lport;
    int s = established(st, &iss, &lport);
    assert_int_equal(synack_poll(st, 50 * S), 0);
    assert_int_equal(synack_send(st, s, "hello", 5, 0), 5);
    size_t first = cap.n;

    /* no ACK: DELAY ends at 55 s in PROBE, one unicast NS to the cached MAC each
     * RetransTimer (1 s), MAX_UNICAST_SOLICIT (3) of them */
    uint8_t want[200];
    size_t wl = want_unicast_ns(want);
    size_t probes = 0;
    for (uint64_t t = 50 * S + 100000; t <= 58 * S; t += 100000) {
        size_t from = cap.n;
        assert_int_equal(synack_poll(st, t), 0);
        for (size_t i = from; i < cap.n; i++) {
            if (!is_ns(i))
                continue;
            assert_int_equal(cap.f[i].len, wl);
            assert_memory_equal(cap.f[i].b, want, wl);
            assert_int_equal(t, (55 + probes) * S);
            probes++;
        }
    }
    assert_int_equal(probes, 3);
    assert_true(cap.n > first);

    /* unanswered: at 58 s the entry is deleted, so the next retransmission starts a new
     * resolution with a multicast NS to the solicited-node group */
    size_t from = cap.n;
    for (uint64_t t = 58 * S + 100000; t <= 120 * S && cap.n == from; t += 100000)
        assert_int_equal(synack_poll(st, t), 0);
    assert_int_equal(cap.n, from + 1);
    assert_true(is_ns(from));
    const uint8_t sn_mac[6] = {0x33, 0x33, 0xff, 0, 0, 0x01};
    assert_memory_equal(cap.f[from].b, sn_mac, 6);
    assert_int_equal(synack_counter_get(st, SYNACK_CTR_Icmp6OutNeighborSolicits), 5);
    synack_stack_free(st);
}

static void test_resolution_failure_is_ehostunreach(void **state)
{
    (void)state;
    synack_stack *st = new_stack();
    int s = -1;
    assert_int_equal(eth6_connect_sock(st, PEER6, &s), -EINPROGRESS);
    /* MAX_MULTICAST_SOLICIT (3) NSs at 0, 1 and 2 s; the SYN and its retransmission wait */
    for (uint64_t t = 100000; t < 3 * S; t += 100000)
        assert_int_equal(synack_poll(st, t), 0);
    assert_int_equal(cap.n, 3);
    for (size_t i = 0; i < 3; i++)
        assert_true(is_ns(i));
    assert_int_equal(synack_counter_get(st, SYNACK_CTR_Ip6OutDiscards), 0);
    int err = 0;
    synack_socklen_t el = sizeof(err);
    assert_int_equal(synack_getsockopt(st, s, SYNACK_SOL_SOCKET, SYNACK_SO_ERROR, &err, &el), 0);
    assert_int_equal(err, 0);

    /* RetransTimer after the third: resolution failed, the waiting packets are dropped and
     * counted, and the connection hears EHOSTUNREACH (7.2.2) */
    assert_int_equal(synack_poll(st, 3 * S), 0);
    assert_int_equal(cap.n, 3);
    assert_int_equal(synack_counter_get(st, SYNACK_CTR_Ip6OutDiscards), 3);
    /* in SYN-SENT that ends the attempt, as Linux's tcp_v6_err ends it */
    synack_tcp_info ti;
    el = sizeof(ti);
    assert_int_equal(synack_getsockopt(st, s, SYNACK_IPPROTO_TCP, SYNACK_TCP_INFO, &ti, &el), 0);
    assert_int_equal(ti.state, SYNACK_CLOSED);
    assert_int_equal(synack_counter_get(st, SYNACK_CTR_AttemptFails), 1);
    el = sizeof(err);
    assert_int_equal(synack_getsockopt(st, s, SYNACK_SOL_SOCKET, SYNACK_SO_ERROR, &err, &el), 0);
    assert_int_equal(err, EHOSTUNREACH);
    synack_stack_free(st);
}

/* 7.1.1 and 7.1.2: an NS or NA that fails validation is dropped and counted, unanswered. */
static void test_invalid_nd_dropped(void **state)
{
    (void)state;
    synack_stack *st = new_stack();
    ipv6_addr us = eth6_addr(US6), peer = eth6_addr(PEER6), sn, unspec, group;
    ipv6_addr_solicited_node(&sn, &us);
    memset(&unspec, 0, sizeof(unspec));
    const uint8_t sn_mac[6] = {0x33, 0x33, 0xff, 0, 0, 0x02};
    uint8_t l4[64], f[200];
    size_t n, fl;

    /* a multicast target */
    group = sn;
    n = nd_ns_emit(l4, sizeof(l4), &group, MAC_PEER, &peer, &sn);
    fl = eth6_frame_build(f, sn_mac, MAC_PEER, &peer, &sn, IP_PROTO_ICMPV6, 255, l4, n);
    synack_input(st, 1000, f, fl);
    /* a DAD probe (from ::) to a unicast address rather than the solicited-node group */
    n = nd_ns_emit(l4, sizeof(l4), &us, NULL, &unspec, &us);
    fl = eth6_frame_build(f, MAC_US, MAC_PEER, &unspec, &us, IP_PROTO_ICMPV6, 255, l4, n);
    synack_input(st, 2000, f, fl);
    /* an option of length 0 (the SLLA's length octet zeroed, checksum fixed) */
    n = nd_ns_emit(l4, sizeof(l4), &us, MAC_PEER, &peer, &sn);
    assert_int_equal(n, 32);
    l4[25] = 0;
    wr16(l4 + 2, 0);
    icmp6_msg m = {.type = l4[0], .payload = l4 + 8, .payload_len = n - 8};
    uint8_t tmp[64];
    assert_int_equal(icmp6_emit(tmp, sizeof(tmp), &m, &peer, &sn), n);
    fl = eth6_frame_build(f, sn_mac, MAC_PEER, &peer, &sn, IP_PROTO_ICMPV6, 255, tmp, n);
    synack_input(st, 3000, f, fl);
    /* a solicited NA to a multicast address */
    ipv6_addr all = {{0xff, 0x02, [15] = 1}};
    const uint8_t all_mac[6] = {0x33, 0x33, 0, 0, 0, 1};
    n = nd_na_emit(l4, sizeof(l4), ND_NA_SOLICITED, &peer, MAC_PEER, &peer, &all);
    fl = eth6_frame_build(f, all_mac, MAC_PEER, &peer, &all, IP_PROTO_ICMPV6, 255, l4, n);
    synack_input(st, 4000, f, fl);
    /* an NS with hop limit 254 */
    n = nd_ns_emit(l4, sizeof(l4), &us, MAC_PEER, &peer, &sn);
    fl = eth6_frame_build(f, sn_mac, MAC_PEER, &peer, &sn, IP_PROTO_ICMPV6, 254, l4, n);
    synack_input(st, 5000, f, fl);

    assert_int_equal(cap.n, 0);
    assert_int_equal(synack_counter_get(st, SYNACK_CTR_Icmp6InErrors), 5);
    assert_int_equal(synack_counter_get(st, SYNACK_CTR_Icmp6InNeighborSolicits), 0);
    /* the same NS, valid, is answered */
    fl = eth6_frame_build(f, sn_mac, MAC_PEER, &peer, &sn, IP_PROTO_ICMPV6, 255, l4, n);
    synack_input(st, 6000, f, fl);
    assert_int_equal(cap.n, 1);
    synack_stack_free(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_acked_data_confirms_reachability),
        cmocka_unit_test(test_unconfirmed_neighbor_probed_then_deleted),
        cmocka_unit_test(test_resolution_failure_is_ehostunreach),
        cmocka_unit_test(test_invalid_nd_dropped),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
