/* SPDX-License-Identifier: MIT */
/* An IPv4 next hop that never answers ARP (src/stack/arp.c), as Linux treats one: three
 * broadcast requests one second apart, and one second after the third the next hop has
 * failed; each datagram that waited for it is dropped (ArpDrops) and its sender hears Host
 * Unreachable from us (ip_link_failure): a connect() ends with EHOSTUNREACH, a synchronized
 * connection keeps it as the soft error its timeout reports, a connected UDP socket is not
 * told (a soft error, as Linux's __udp4_lib_err). One stack, 192.0.2.2/24 at
 * 02:00:00:00:00:02 with netif.gateway 192.0.2.1; its neighbors are played by the test. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "support/arp_frames.h"
#include "support/fixture.h"
#include "support/ipv6_eth_rig.h"
#include "synack/synack.h"
#include "wire/bytes.h"
#include "wire/eth.h"
#include "wire/ipv4.h"
#include "wire/tcp_wire.h"

static const uint8_t MAC_US[6] = {0x02, 0, 0, 0, 0, 0x02};
static const uint8_t MAC_GW[6] = {0x02, 0, 0, 0, 0, 0xa9};
static const uint8_t MAC_N[6] = {0x02, 0, 0, 0, 0, 0xb0};
static const uint8_t BCAST[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

#define US4 0xc0000202u   /* 192.0.2.2 */
#define GW4 0xc0000201u   /* 192.0.2.1: netif.gateway */
#define R1_4 0xc00002feu  /* 192.0.2.254: a route's gateway */
#define NEAR4 0xc000024du /* 192.0.2.77: on link, nobody */
#define N4 0xc0000209u    /* 192.0.2.9: another neighbor */
#define FAR4 0xc6120005u  /* 198.18.0.5 */
static const uint64_t S = 1000000u;

static eth6_cap cap;
static uint64_t last; /* the stack's time: the last poll's or input's */

static synack_stack *new_stack(uint32_t arp_cache_size)
{
    synack_config c;
    synack_config_default(&c);
    eth6_config(&c, &cap, MAC_US, NULL);
    c.netif.gateway = GW4;
    c.arp_cache_size = arp_cache_size;
    synack_stack *st = synack_stack_new(&c);
    assert_non_null(st);
    assert_int_equal(synack_poll(st, 0), 0);
    cap.n = 0;
    last = 0;
    return st;
}

static int connect4(synack_stack *st, uint32_t dst)
{
    int s = synack_socket(st, SOCK_STREAM);
    assert_true(s >= 0);
    struct sockaddr_in to = {
        .sin_family = AF_INET, .sin_port = htons(80), .sin_addr.s_addr = htonl(dst)};
    assert_int_equal(synack_connect(st, s, (struct sockaddr *)&to, sizeof(to)), -EINPROGRESS);
    return s;
}

/* Frame i is the ARP request for tpa, written out byte by byte (RFC 826). */
static void assert_arp_request(size_t i, uint32_t tpa)
{
    uint8_t want[ARP_FRAME_LEN];
    arp_frame(want, 1, BCAST, MAC_US, US4, NULL, tpa);
    assert_true(i < cap.n);
    assert_int_equal(cap.f[i].len, sizeof(want));
    assert_memory_equal(cap.f[i].b, want, sizeof(want));
}

/* spa at mac tells us about itself: a reply to us (op 2) or a request for us (op 1). */
static void arp_from(synack_stack *st, uint64_t now, uint16_t op, uint32_t spa, const uint8_t *mac)
{
    uint8_t f[ARP_FRAME_LEN];
    arp_frame(f, op, op == 1 ? BCAST : MAC_US, mac, spa, op == 2 ? MAC_US : NULL, US4);
    assert_int_equal(synack_input(st, now, f, sizeof(f)), 0);
    last = now;
}

/* Polls at every deadline until `until`; at[k] gets the time frame k was sent. */
static void run_until(synack_stack *st, uint64_t until, uint64_t *at)
{
    if (until < last)
        until = last;
    for (int rounds = 0;; rounds++) {
        assert_true(rounds < 10000); /* a deadline that polling does not move */
        uint64_t t = synack_next_deadline(st);
        if (t > until)
            t = until;
        if (t < last)
            t = last;
        size_t n = cap.n;
        assert_int_equal(synack_poll(st, t), 0);
        last = t;
        for (size_t k = n; k < cap.n && at; k++)
            at[k] = t;
        if (t == until)
            return;
    }
}

/* A connect() whose next hop never answers fails with EHOSTUNREACH when ARP gives up, 3 s
 * after the first request, not ETIMEDOUT after the SYN's whole schedule: netif.gateway
 * for an off-link destination, a route's gateway, an on-link destination itself. */
static void test_connect_fails_when_next_hop_silent(void **state)
{
    (void)state;
    static const struct {
        uint32_t dst, nexthop;
        int route;
    } cases[] = {{FAR4, GW4, 0}, {FAR4, R1_4, 1}, {NEAR4, NEAR4, 0}};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        synack_stack *st = new_stack(64);
        if (cases[i].route) {
            synack_route r = {.dst = 0xc6120000u, .prefix_len = 15, .gateway = R1_4};
            assert_int_equal(synack_route_set(st, &r), 0);
        }
        int s = connect4(st, cases[i].dst);
        uint64_t at[8] = {0};
        run_until(st, 3 * S - 1, at);
        /* the requests go at 0, 1 and 2 s whatever TCP sends; the SYN and its first
         * retransmission (1 s) wait */
        assert_int_equal(cap.n, 3);
        for (size_t k = 0; k < 3; k++) {
            assert_arp_request(k, cases[i].nexthop);
            assert_int_equal(at[k], k * S);
        }
        assert_int_equal(fx_tcp_info(st, s).state, SYNACK_SYN_SENT);
        assert_int_equal(synack_counter_get(st, SYNACK_CTR_ArpDrops), 0);
        assert_int_equal(synack_next_deadline(st), 3 * S);

        assert_int_equal(synack_poll(st, 3 * S), 0);
        last = 3 * S;
        char b[8];
        assert_int_equal(synack_recv(st, s, b, sizeof(b), 0), -EHOSTUNREACH);
        assert_int_equal(fx_tcp_info(st, s).state, SYNACK_CLOSED);
        assert_int_equal(synack_counter_get(st, SYNACK_CTR_AttemptFails), 1);
        /* the three SYNs (the second retransmission is due at 3 s too) dropped, each with
         * its Host Unreachable, which Linux counts both ways */
        assert_int_equal(synack_counter_get(st, SYNACK_CTR_ArpDrops), 3);
        assert_int_equal(synack_counter_get(st, SYNACK_CTR_OutDestUnreachs), 3);
        assert_int_equal(synack_counter_get(st, SYNACK_CTR_InDestUnreachs), 3);
        /* nothing more: no request for a next hop nobody waits for */
        run_until(st, 10 * S, NULL);
        assert_int_equal(cap.n, 3);
        assert_int_equal(synack_next_deadline(st), UINT64_MAX);
        synack_stack_free(st);
    }
}

/* The peer's segment to us, through the gateway. */
static void peer_tcp(synack_stack *st, uint64_t now, uint16_t dport, uint32_t seq, uint32_t ack,
                     uint8_t flags)
{
    tcp_seg s = {.sport = 80, .dport = dport, .seq = seq, .ack = ack, .flags = flags, .win = 65535};
    if (flags & TCP_SYN)
        s.opts.mss = 1460;
    uint8_t f[200];
    size_t n = tcp_emit(f + ETH_HDR_LEN + IPV4_HDR_LEN, 100, &s, TCP_OPTS_LINUX, FAR4, US4);
    assert_true(n > 0);
    ipv4_hdr ih = {.ttl = 64, .proto = IP_PROTO_TCP, .src = FAR4, .dst = US4};
    assert_int_equal(ipv4_emit(f + ETH_HDR_LEN, IPV4_HDR_LEN, &ih, n), IPV4_HDR_LEN);
    eth_hdr eh = {.ethertype = ETHERTYPE_IPV4};
    memcpy(eh.dst, MAC_US, 6);
    memcpy(eh.src, MAC_GW, 6);
    eth_emit(f, ETH_HDR_LEN, &eh);
    assert_int_equal(synack_input(st, now, f, ETH_HDR_LEN + IPV4_HDR_LEN + n), 0);
    last = now;
}

static int is_arp_request_for(size_t i, uint32_t tpa)
{
    return cap.f[i].len == 42 && rd16(cap.f[i].b + 12) == ETHERTYPE_ARP &&
           rd32(cap.f[i].b + 38) == tpa;
}

/* An established connection whose gateway stops answering (its entry replaced in a
 * one-slot cache, then never resolved again): each retransmission that waited for it
 * leaves the soft error EHOSTUNREACH, which SO_ERROR shows while the connection lives and
 * which its timeout reports instead of ETIMEDOUT (RFC 1122 4.2.3.9, Linux's sk_err_soft). */
static void test_established_keeps_soft_error(void **state)
{
    (void)state;
    synack_stack *st = new_stack(1);
    int s = connect4(st, FAR4);
    arp_from(st, 1000, 2, GW4, MAC_GW);
    assert_int_equal(cap.n, 2); /* the request, the SYN */
    tcp_seg syn;
    assert_int_equal(tcp_parse(cap.f[1].b + ETH_HDR_LEN + IPV4_HDR_LEN,
                               cap.f[1].len - ETH_HDR_LEN - IPV4_HDR_LEN, US4, FAR4, &syn),
                     WIRE_OK);
    peer_tcp(st, 2000, syn.sport, 5000, syn.seq + 1, TCP_SYN | TCP_ACK);
    assert_int_equal(fx_tcp_info(st, s).state, SYNACK_ESTABLISHED);
    assert_int_equal(synack_send(st, s, "hello", 5, 0), 5);
    size_t sent = cap.n;
    assert_memory_equal(cap.f[sent - 1].b, MAC_GW, 6);
    /* another neighbor asks for us: its entry takes the only slot */
    arp_from(st, 3000, 1, N4, MAC_N);
    cap.n = 0;
    uint64_t at[ETH6_CAP_MAX] = {0};
    run_until(st, 10 * S, at);
    /* the first retransmission asks for the gateway again: 3 requests, a second apart,
     * and 1 s after the third the retransmissions that waited fail */
    assert_true(cap.n >= 3);
    uint64_t first = at[0];
    assert_true(first > 3000 && first < 2 * S);
    for (size_t k = 0; k < 3; k++) {
        assert_true(is_arp_request_for(k, GW4));
        assert_int_equal(at[k], first + k * S);
    }
    assert_int_equal(fx_tcp_info(st, s).state, SYNACK_ESTABLISHED);
    assert_int_equal(fx_so_error(st, s), EHOSTUNREACH);
    assert_int_equal(fx_so_error(st, s), 0);
    assert_true(synack_counter_get(st, SYNACK_CTR_ArpDrops) >= 1);
    /* the retransmissions run out: the reason is the neighbor, not a silent peer */
    run_until(st, 2000 * S, NULL);
    assert_int_equal(fx_tcp_info(st, s).state, SYNACK_CLOSED);
    char b[8];
    assert_int_equal(synack_recv(st, s, b, sizeof(b), 0), -EHOSTUNREACH);
    synack_stack_free(st);
}

/* UDP hears Host Unreachable as Linux's __udp4_lib_err does: a soft error, so a connected
 * socket without IP_RECVERR is not told; the datagram is dropped and counted. */
static void test_udp_connected_not_told(void **state)
{
    (void)state;
    synack_stack *st = new_stack(64);
    int u = synack_socket(st, SOCK_DGRAM);
    assert_true(u >= 0);
    struct sockaddr_in to = {
        .sin_family = AF_INET, .sin_port = htons(53), .sin_addr.s_addr = htonl(NEAR4)};
    assert_int_equal(synack_connect(st, u, (struct sockaddr *)&to, sizeof(to)), 0);
    assert_int_equal(synack_send(st, u, "q", 1, 0), 1);
    run_until(st, 3 * S, NULL);
    assert_int_equal(cap.n, 3);
    assert_int_equal(synack_counter_get(st, SYNACK_CTR_ArpDrops), 1);
    assert_int_equal(synack_counter_get(st, SYNACK_CTR_InDestUnreachs), 1);
    char b[8];
    assert_int_equal(synack_recv(st, u, b, sizeof(b), 0), -EAGAIN);
    assert_int_equal(fx_so_error(st, u), 0);
    synack_stack_free(st);
}

/* An answer after the first request stops the probing: the waiting SYN goes, no more
 * requests follow, nothing fails. */
static void test_answer_stops_probing(void **state)
{
    (void)state;
    synack_stack *st = new_stack(64);
    int s = connect4(st, FAR4);
    run_until(st, S + 500000, NULL);
    assert_int_equal(cap.n, 2);
    arp_from(st, S + 500000, 2, GW4, MAC_GW);
    assert_int_equal(cap.n, 4); /* the SYN and its retransmission */
    assert_memory_equal(cap.f[2].b, MAC_GW, 6);
    assert_memory_equal(cap.f[3].b, MAC_GW, 6);
    run_until(st, 2 * S + 900000, NULL);
    assert_int_equal(cap.n, 4);
    assert_int_equal(synack_counter_get(st, SYNACK_CTR_ArpDrops), 0);
    assert_int_equal(fx_tcp_info(st, s).state, SYNACK_SYN_SENT);
    synack_stack_free(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_connect_fails_when_next_hop_silent),
        cmocka_unit_test(test_established_keeps_soft_error),
        cmocka_unit_test(test_udp_connected_not_told),
        cmocka_unit_test(test_answer_stops_probing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
