/* SPDX-License-Identifier: MIT */
/* Neighbour unreachability detection for ARP entries (src/stack/arp.c), as Linux runs it
 * for IPv4 (RFC 4861 7.3's states): a confirmed entry is REACHABLE for ReachableTime
 * (15..45 s), then STALE; a frame through a STALE entry goes at once and starts DELAY
 * (5 s); without a confirmation (new data acknowledged, or an ARP reply to us) three
 * unicast requests follow a second apart, and a second after the third the entry has
 * failed, the next frame resolving afresh. One stack, 192.0.2.2/24 at 02:00:00:00:00:02
 * with netif.gateway 192.0.2.1; the gateway is played by the test. */
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
static const uint8_t MAC_GW2[6] = {0x02, 0, 0, 0, 0, 0xaa}; /* the gateway, replaced */
static const uint8_t BCAST[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

#define US4 0xc0000202u  /* 192.0.2.2 */
#define GW4 0xc0000201u  /* 192.0.2.1: netif.gateway */
#define FAR4 0xc6120005u /* 198.18.0.5 */
static const uint64_t S = 1000000u;
/* ReachableTime is drawn from [0.5, 1.5] x 30 s */
static const uint64_t REACH_MIN = 15000000u, REACH_MAX = 45000000u;

static eth6_cap cap;
static uint64_t last; /* the stack's time: the last poll's or input's */

static synack_stack *new_stack(void)
{
    synack_config c;
    synack_config_default(&c);
    eth6_config(&c, &cap, MAC_US, NULL);
    c.netif.gateway = GW4;
    synack_stack *st = synack_stack_new(&c);
    assert_non_null(st);
    assert_int_equal(synack_poll(st, 0), 0);
    cap.n = 0;
    last = 0;
    return st;
}

/* Frame i is an ARP request for tpa: broadcast (dst NULL) or unicast to dst, written out
 * byte by byte (RFC 826; the target hardware address zero either way). */
static void assert_arp_request(size_t i, const uint8_t *dst, uint32_t tpa)
{
    uint8_t want[ARP_FRAME_LEN];
    arp_frame(want, 1, dst ? dst : BCAST, MAC_US, US4, NULL, tpa);
    assert_true(i < cap.n);
    assert_int_equal(cap.f[i].len, sizeof(want));
    assert_memory_equal(cap.f[i].b, want, sizeof(want));
}

/* spa at mac tells us about itself: a reply to us (op 2) or a broadcast request for us
 * (op 1). */
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
        assert_true(rounds < 10000);
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

/* A UDP socket connected to FAR4 (through the gateway). */
static int udp_to_far(synack_stack *st)
{
    int u = synack_socket(st, SOCK_DGRAM);
    assert_true(u >= 0);
    struct sockaddr_in to = {
        .sin_family = AF_INET, .sin_port = htons(53), .sin_addr.s_addr = htonl(FAR4)};
    assert_int_equal(synack_connect(st, u, (struct sockaddr *)&to, sizeof(to)), 0);
    return u;
}

/* A datagram sent at now; returns the index of the frame it left as, if it left. */
static size_t send_at(synack_stack *st, int u, uint64_t now)
{
    run_until(st, now, NULL);
    size_t n = cap.n;
    assert_int_equal(synack_send(st, u, "q", 1, 0), 1);
    return n;
}

/* The gateway resolved by its reply to our request: REACHABLE. */
static int resolved_stack(synack_stack **out)
{
    synack_stack *st = new_stack();
    int u = udp_to_far(st);
    send_at(st, u, 0);
    assert_int_equal(cap.n, 1);
    assert_arp_request(0, NULL, GW4);
    arp_from(st, 1000, 2, GW4, MAC_GW);
    assert_int_equal(cap.n, 2);
    assert_memory_equal(cap.f[1].b, MAC_GW, 6);
    assert_int_equal(synack_next_deadline(st), UINT64_MAX);
    *out = st;
    return u;
}

/* REACHABLE until ReachableTime, then STALE: a frame then goes at once with the cached MAC
 * and starts DELAY; 5 s without confirmation, then three unicast requests 1 s apart, and
 * 1 s after the third the entry is gone: the next frame asks by broadcast again. */
static void test_stale_delay_probe_fail(void **state)
{
    (void)state;
    synack_stack *st;
    int u = resolved_stack(&st);
    /* still REACHABLE: the frame goes, no timer starts */
    size_t i = send_at(st, u, REACH_MIN);
    assert_int_equal(cap.n, i + 1);
    assert_memory_equal(cap.f[i].b, MAC_GW, 6);
    assert_int_equal(synack_next_deadline(st), UINT64_MAX);
    /* STALE by now: used at once, DELAY starts */
    uint64_t t0 = REACH_MAX + 1000;
    i = send_at(st, u, t0);
    assert_int_equal(cap.n, i + 1);
    assert_memory_equal(cap.f[i].b, MAC_GW, 6);
    assert_int_equal(synack_next_deadline(st), t0 + 5 * S);
    cap.n = 0;
    uint64_t at[8] = {0};
    run_until(st, t0 + 5 * S - 1, at);
    assert_int_equal(cap.n, 0);
    /* PROBE: unicast to the cached MAC, 1 s apart */
    run_until(st, t0 + 8 * S - 1, at);
    assert_int_equal(cap.n, 3);
    for (size_t k = 0; k < 3; k++) {
        assert_arp_request(k, MAC_GW, GW4);
        assert_int_equal(at[k], t0 + (5 + k) * S);
    }
    assert_int_equal(synack_counter_get(st, SYNACK_CTR_ArpProbes), 3);
    assert_int_equal(synack_counter_get(st, SYNACK_CTR_ArpNudFailures), 0);
    /* while probing the entry is still used */
    i = send_at(st, u, t0 + 7 * S + 500000);
    assert_int_equal(cap.n, i + 1);
    assert_memory_equal(cap.f[i].b, MAC_GW, 6);
    assert_int_equal(synack_next_deadline(st), t0 + 8 * S);
    run_until(st, t0 + 8 * S, NULL);
    assert_int_equal(cap.n, 4);
    assert_int_equal(synack_counter_get(st, SYNACK_CTR_ArpNudFailures), 1);
    assert_int_equal(synack_counter_get(st, SYNACK_CTR_ArpDrops), 0); /* nothing waited */
    assert_int_equal(synack_next_deadline(st), UINT64_MAX);
    /* gone: the next datagram waits for a broadcast request */
    i = send_at(st, u, t0 + 9 * S);
    assert_int_equal(cap.n, i + 1);
    assert_arp_request(i, NULL, GW4);
    assert_int_equal(synack_next_deadline(st), t0 + 10 * S);
    synack_stack_free(st);
}

/* A reply to a unicast probe carrying a new MAC: the entry is REACHABLE with it, probing
 * stops, the next frame goes to the new MAC. */
static void test_probe_reply_new_mac(void **state)
{
    (void)state;
    synack_stack *st;
    int u = resolved_stack(&st);
    uint64_t t0 = REACH_MAX + 1000;
    send_at(st, u, t0);
    run_until(st, t0 + 5 * S, NULL);
    cap.n = 0;
    run_until(st, t0 + 5 * S + 300000, NULL);
    assert_int_equal(synack_counter_get(st, SYNACK_CTR_ArpProbes), 1);
    arp_from(st, t0 + 5 * S + 300000, 2, GW4, MAC_GW2);
    assert_int_equal(synack_next_deadline(st), UINT64_MAX);
    run_until(st, t0 + 20 * S, NULL);
    assert_int_equal(cap.n, 0);
    size_t i = send_at(st, u, t0 + 20 * S);
    assert_int_equal(cap.n, i + 1);
    assert_memory_equal(cap.f[i].b, MAC_GW2, 6);
    /* REACHABLE again: no DELAY */
    assert_int_equal(synack_next_deadline(st), UINT64_MAX);
    assert_int_equal(synack_counter_get(st, SYNACK_CTR_ArpProbes), 1);
    assert_int_equal(synack_counter_get(st, SYNACK_CTR_ArpNudFailures), 0);
    synack_stack_free(st);
}

/* An ARP reply to us during DELAY confirms the neighbour: no probe follows. */
static void test_reply_in_delay_confirms(void **state)
{
    (void)state;
    synack_stack *st;
    int u = resolved_stack(&st);
    uint64_t t0 = REACH_MAX + 1000;
    send_at(st, u, t0);
    assert_int_equal(synack_next_deadline(st), t0 + 5 * S);
    arp_from(st, t0 + 2 * S, 2, GW4, MAC_GW);
    assert_int_equal(synack_next_deadline(st), UINT64_MAX);
    cap.n = 0;
    run_until(st, t0 + 12 * S, NULL);
    assert_int_equal(cap.n, 0);
    assert_int_equal(synack_counter_get(st, SYNACK_CTR_ArpProbes), 0);
    synack_stack_free(st);
}

/* A broadcast request from the gateway with a new MAC (RFC 826's merge): the entry takes
 * it and is STALE, so the next frame goes to the new MAC at once and starts DELAY; one with
 * the MAC we hold leaves a REACHABLE entry alone. */
static void test_request_with_new_mac_makes_stale(void **state)
{
    (void)state;
    synack_stack *st;
    int u = resolved_stack(&st);
    arp_from(st, S, 1, GW4, MAC_GW); /* same MAC: answered, still REACHABLE */
    size_t i = send_at(st, u, 2 * S);
    assert_int_equal(cap.n, i + 1);
    assert_memory_equal(cap.f[i].b, MAC_GW, 6);
    assert_int_equal(synack_next_deadline(st), UINT64_MAX);
    arp_from(st, 3 * S, 1, GW4, MAC_GW2);
    i = send_at(st, u, 4 * S);
    assert_int_equal(cap.n, i + 1);
    assert_memory_equal(cap.f[i].b, MAC_GW2, 6);
    assert_int_equal(synack_next_deadline(st), 9 * S);
    cap.n = 0;
    run_until(st, 9 * S, NULL);
    assert_int_equal(cap.n, 1);
    assert_arp_request(0, MAC_GW2, GW4);
    synack_stack_free(st);
}

/* A next hop being resolved that asks for us instead of replying: its MAC is learnt as
 * STALE (not confirmed), what waited goes out through it and so starts DELAY, as a send
 * through a STALE entry does; unconfirmed, it is probed 5 s later. */
static void test_request_resolves_as_stale(void **state)
{
    (void)state;
    synack_stack *st = new_stack();
    int u = udp_to_far(st);
    send_at(st, u, 0);
    assert_int_equal(cap.n, 1);
    assert_arp_request(0, NULL, GW4);
    arp_from(st, 200000, 1, GW4, MAC_GW);
    assert_int_equal(cap.n, 3); /* the datagram and our reply to the request */
    size_t dgram = rd16(cap.f[1].b + 12) == ETHERTYPE_IPV4 ? 1 : 2;
    assert_memory_equal(cap.f[dgram].b, MAC_GW, 6);
    assert_int_equal(rd16(cap.f[dgram].b + 12), ETHERTYPE_IPV4);
    assert_int_equal(synack_next_deadline(st), 200000 + 5 * S);
    cap.n = 0;
    run_until(st, 200000 + 5 * S, NULL);
    assert_int_equal(cap.n, 1);
    assert_arp_request(0, MAC_GW, GW4);
    synack_stack_free(st);
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

/* TCP's forward progress (new data acknowledged) confirms the gateway: a connection sending
 * every 10 s for 2 minutes, each send acknowledged, never makes the stack probe. */
static void test_tcp_progress_keeps_reachable(void **state)
{
    (void)state;
    synack_stack *st = new_stack();
    int s = synack_socket(st, SOCK_STREAM);
    assert_true(s >= 0);
    struct sockaddr_in to = {
        .sin_family = AF_INET, .sin_port = htons(80), .sin_addr.s_addr = htonl(FAR4)};
    assert_int_equal(synack_connect(st, s, (struct sockaddr *)&to, sizeof(to)), -EINPROGRESS);
    arp_from(st, 1000, 2, GW4, MAC_GW);
    assert_int_equal(cap.n, 2); /* the request, the SYN */
    tcp_seg syn;
    assert_int_equal(tcp_parse(cap.f[1].b + ETH_HDR_LEN + IPV4_HDR_LEN,
                               cap.f[1].len - ETH_HDR_LEN - IPV4_HDR_LEN, US4, FAR4, &syn),
                     WIRE_OK);
    peer_tcp(st, 2000, syn.sport, 5000, syn.seq + 1, TCP_SYN | TCP_ACK);
    assert_int_equal(fx_tcp_info(st, s).state, SYNACK_ESTABLISHED);
    uint32_t una = syn.seq + 1;
    cap.n = 0;
    for (uint64_t t = 10 * S; t <= 120 * S; t += 10 * S) {
        run_until(st, t, NULL);
        size_t i = cap.n;
        assert_int_equal(synack_send(st, s, "hello", 5, 0), 5);
        assert_int_equal(cap.n, i + 1);
        assert_memory_equal(cap.f[i].b, MAC_GW, 6);
        assert_int_equal(rd16(cap.f[i].b + 12), ETHERTYPE_IPV4);
        una += 5;
        peer_tcp(st, t + 20000, syn.sport, 5001, una, TCP_ACK);
    }
    run_until(st, 121 * S, NULL);
    for (size_t k = 0; k < cap.n; k++)
        assert_int_equal(rd16(cap.f[k].b + 12), ETHERTYPE_IPV4);
    assert_int_equal(synack_counter_get(st, SYNACK_CTR_ArpProbes), 0);
    synack_stack_free(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stale_delay_probe_fail),
        cmocka_unit_test(test_probe_reply_new_mac),
        cmocka_unit_test(test_reply_in_delay_confirms),
        cmocka_unit_test(test_request_with_new_mac_makes_stale),
        cmocka_unit_test(test_request_resolves_as_stale),
        cmocka_unit_test(test_tcp_progress_keeps_reachable),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
