/* SPDX-License-Identifier: MIT */
/* The catch-all listener and held SYNs over IPv6: an AF_INET6 catch-all takes a SYN to any
 * global unicast address:port and answers from it; the held verdicts give a SYN-ACK or a
 * RST from the original destination, or an ICMPv6 destination unreachable (RFC 4443 3.1)
 * from the netif's address, rate limited; one catch-all per family, with the dual-stack
 * rule of a wildcard listener. The stack is 2001:db8::2 (and 192.0.2.2) on an IP link; the
 * test plays the peer 2001:db8::1 and a far destination 2001:db8:5::9. */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "support/ipv6_link_rig.h"
#include "support/segbuild.h"
#include "synack/synack.h"
#include "wire/bytes.h"
#include "wire/checksum.h"
#include "wire/icmpv6.h"
#include "wire/ipv4.h"
#include "wire/ipv6.h"
#include "wire/tcp_wire.h"

#define ME4 0xc0000202u /* 192.0.2.2 */
#define PEER4 0xc0000201u
#define FAR4 0xc6120509u /* 198.18.5.9 */
#define FAR_PORT 443
#define PEER_PORT 40000
#define PEER_ISS 1000u
#define MTU 1500

static const uint8_t ME[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2};
static const uint8_t PEER[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
static const uint8_t FAR[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9};

typedef ip6_host rig;

static void rig_init(rig *r)
{
    ip6_host_init(r, ME4, ME, MTU);
}

/* A segment from PEER:PEER_PORT to dst:dport. */
static int rig_send(rig *r, const uint8_t dst[16], uint16_t dport, uint32_t seq, uint32_t ack,
                    uint8_t flags)
{
    uint8_t f[IPV6_HDR_LEN + 64];
    size_t n = seg_build6(f, sizeof(f), PEER, dst, PEER_PORT, dport, seq, ack, flags, 65535, NULL,
                          0, NULL);
    assert_true(n > 0);
    return synack_input(r->st, r->now, f, n);
}

/* Frame i as an IPv6 packet from src to PEER with next header nh (asserted); its payload. */
static const uint8_t *out6(const rig *r, int i, const uint8_t src[16], uint8_t nh, size_t *len)
{
    assert_true(i < r->nout);
    const uint8_t *b = r->out[i].b;
    assert_true(r->out[i].len >= IPV6_HDR_LEN);
    assert_int_equal(b[0] >> 4, 6);
    assert_int_equal(rd16(b + 4), r->out[i].len - IPV6_HDR_LEN);
    assert_int_equal(b[6], nh);
    assert_memory_equal(b + 8, src, 16);
    assert_memory_equal(b + 24, PEER, 16);
    *len = r->out[i].len - IPV6_HDR_LEN;
    return b + IPV6_HDR_LEN;
}

/* Frame i as a TCP segment from src to PEER, checksum verified. */
static tcp_seg out_tcp(const rig *r, int i, const uint8_t src[16])
{
    size_t n;
    const uint8_t *t = out6(r, i, src, IP_PROTO_TCP, &n);
    assert_int_equal(csum_finish(csum_add(csum_pseudo_ipv6(0, src, PEER, 6, (uint32_t)n), t, n)),
                     0);
    tcp_seg s;
    uint64_t hs = 0;
    assert_int_equal(tcp_parse6(t, n, src, PEER, 1, &s, &hs), WIRE_OK);
    return s;
}

static int set_int(rig *r, int s, int level, int name, int v)
{
    return synack_setsockopt(r->st, s, level, name, &v, sizeof(v));
}

/* An AF_INET6 (v6 != 0) or AF_INET listener on port with the two options. */
static int listener(rig *r, int v6, uint16_t port, int catch_all, int hold_ms)
{
    int s = synack_socket_domain(r->st, v6 ? SYNACK_AF_INET6 : SYNACK_AF_INET, SYNACK_SOCK_STREAM);
    assert_true(s >= 0);
    if (v6) {
        struct synack_sockaddr_in6 a = {.sin6_family = SYNACK_AF_INET6, .sin6_port = htons(port)};
        assert_int_equal(synack_bind(r->st, s, (struct sockaddr *)&a, sizeof(a)), 0);
    } else {
        struct synack_sockaddr_in a = {.sin_family = SYNACK_AF_INET, .sin_port = htons(port)};
        assert_int_equal(synack_bind(r->st, s, (struct sockaddr *)&a, sizeof(a)), 0);
    }
    if (catch_all)
        assert_int_equal(set_int(r, s, IPPROTO_TCP, SYNACK_TCP_CATCH_ALL, 1), 0);
    if (hold_ms)
        assert_int_equal(set_int(r, s, IPPROTO_TCP, SYNACK_TCP_HOLD_SYN, hold_ms), 0);
    assert_int_equal(synack_listen(r->st, s, 128), 0);
    return s;
}

static synack_endpoints far_ep(uint16_t rport)
{
    synack_endpoints ep = {
        .family = SYNACK_AF_INET6, .lport = FAR_PORT, .rport = rport ? rport : PEER_PORT};
    memcpy(ep.laddr6, FAR, 16);
    memcpy(ep.raddr6, PEER, 16);
    return ep;
}

/* Without a catch-all a SYN to another IPv6 address is not ours: dropped, unanswered. */
static void test_foreign_syn_without_catch_all(void **state)
{
    (void)state;
    rig r;
    rig_init(&r);
    listener(&r, 1, 80, 0, 0);
    assert_int_equal(rig_send(&r, FAR, FAR_PORT, PEER_ISS, 0, TCP_SYN), -EINVAL);
    assert_int_equal(r.nout, 0);
    assert_int_equal(synack_counter_get(r.st, SYNACK_CTR_Ip6InAddrErrors), 1);
    synack_stack_free(r.st);
}

/* The catch-all takes a SYN to any global address:port, answers from that address with the
 * IPv6 MSS, and the accepted socket names both ends. */
static void test_catch_all_accepts_any_destination(void **state)
{
    (void)state;
    rig r;
    rig_init(&r);
    int ls = listener(&r, 1, 1, 1, 0);
    assert_int_equal(rig_send(&r, FAR, FAR_PORT, PEER_ISS, 0, TCP_SYN), 0);
    assert_int_equal(r.nout, 1);
    tcp_seg sa = out_tcp(&r, 0, FAR);
    assert_int_equal(sa.flags, TCP_SYN | TCP_ACK);
    assert_int_equal(sa.sport, FAR_PORT);
    assert_int_equal(sa.dport, PEER_PORT);
    assert_int_equal(sa.ack, PEER_ISS + 1);
    assert_true(sa.opts.has_mss);
    assert_int_equal(sa.opts.mss, MTU - 60);
    assert_int_equal(rig_send(&r, FAR, FAR_PORT, PEER_ISS + 1, sa.seq + 1, TCP_ACK), 0);
    struct synack_sockaddr_in6 a;
    synack_socklen_t alen = sizeof(a);
    int cs = synack_accept(r.st, ls, (struct sockaddr *)&a, &alen);
    assert_true(cs >= 0);
    assert_int_equal(a.sin6_family, SYNACK_AF_INET6);
    assert_memory_equal(a.sin6_addr.s6_bytes, PEER, 16);
    assert_int_equal(ntohs(a.sin6_port), PEER_PORT);
    alen = sizeof(a);
    assert_int_equal(synack_getsockname(r.st, cs, (struct sockaddr *)&a, &alen), 0);
    assert_memory_equal(a.sin6_addr.s6_bytes, FAR, 16);
    assert_int_equal(ntohs(a.sin6_port), FAR_PORT);
    assert_int_equal(synack_send(r.st, cs, "hi", 2, 0), 2);
    assert_int_equal(r.nout, 2);
    tcp_seg d = out_tcp(&r, 1, FAR);
    assert_int_equal(d.payload_len, 2);
    assert_int_equal(d.seq, sa.seq + 1);
    assert_int_equal(d.ack, PEER_ISS + 1);
    synack_stack_free(r.st);
}

/* Link-local, multicast, loopback and IPv4-mapped destinations are never taken, nor is
 * anything but TCP to a foreign address (no ICMPv6 answer either). */
static void test_catch_all_refuses_bogus_destinations(void **state)
{
    (void)state;
    rig r;
    rig_init(&r);
    listener(&r, 1, 1, 1, 0);
    static const uint8_t bad[4][16] = {
        {0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7},
        {0xff, 0x0e, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1},
        {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1},
        {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 198, 18, 5, 9},
    };
    for (int i = 0; i < 4; i++)
        assert_int_equal(rig_send(&r, bad[i], FAR_PORT, PEER_ISS, 0, TCP_SYN), -EINVAL);
    /* an ICMPv6 echo request to a foreign address */
    uint8_t f[IPV6_HDR_LEN + 16];
    ipv6_addr s, d;
    memcpy(s.b, PEER, 16);
    memcpy(d.b, FAR, 16);
    icmp6_msg m = {.type = ICMP6_ECHO_REQUEST, .rest = 0x00010001u};
    size_t n = icmp6_emit(f + IPV6_HDR_LEN, 16, &m, &s, &d);
    ipv6_hdr h = {.next = IP_PROTO_ICMPV6, .hop_limit = 64, .src = s, .dst = d};
    ipv6_emit(f, IPV6_HDR_LEN, &h, n);
    assert_int_equal(synack_input(r.st, r.now, f, IPV6_HDR_LEN + n), -EINVAL);
    assert_int_equal(r.nout, 0);
    assert_int_equal(synack_counter_get(r.st, SYNACK_CTR_Ip6InAddrErrors), 5);
    synack_stack_free(r.st);
}

/* An IPv6 listener bound to the netif's address keeps SYNs to that address only; the same
 * port at another address is the catch-all's. */
static void test_bound_listener_keeps_own_address_only(void **state)
{
    (void)state;
    rig r;
    rig_init(&r);
    int ca = listener(&r, 1, 1, 1, 1000);
    int s = synack_socket_domain(r.st, SYNACK_AF_INET6, SYNACK_SOCK_STREAM);
    struct synack_sockaddr_in6 a = {.sin6_family = SYNACK_AF_INET6, .sin6_port = htons(FAR_PORT)};
    memcpy(a.sin6_addr.s6_bytes, ME, 16);
    assert_int_equal(synack_bind(r.st, s, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(synack_listen(r.st, s, 8), 0);
    assert_int_equal(rig_send(&r, FAR, FAR_PORT, PEER_ISS, 0, TCP_SYN), 0);
    assert_int_equal(r.nout, 0); /* held by the catch-all, not answered by s */
    synack_held_syn h[4];
    assert_int_equal(synack_held_list(r.st, ca, h, 4), 1);
    assert_memory_equal(h[0].ep.laddr6, FAR, 16);
    assert_int_equal(synack_held_list(r.st, s, h, 4), 0);
    synack_stack_free(r.st);
}

/* Held: nothing goes out until the verdict; accept sends the SYN-ACK from the original
 * destination, refuse a RST from it. */
static void test_held_accept_and_refuse(void **state)
{
    (void)state;
    rig r;
    rig_init(&r);
    int ls = listener(&r, 1, 1, 1, 2000);
    assert_int_equal(rig_send(&r, FAR, FAR_PORT, PEER_ISS, 0, TCP_SYN), 0);
    assert_int_equal(r.nout, 0);
    synack_held_syn h[4];
    assert_int_equal(synack_held_list(r.st, ls, h, 4), 1);
    synack_endpoints ep = far_ep(0);
    assert_int_equal(h[0].ep.family, SYNACK_AF_INET6);
    assert_memory_equal(h[0].ep.raddr6, PEER, 16);
    assert_int_equal(h[0].ep.lport, FAR_PORT);
    assert_int_equal(synack_held_verdict(r.st, ls, &ep, SYNACK_VERDICT_ACCEPT, 0), 0);
    assert_int_equal(r.nout, 1);
    tcp_seg sa = out_tcp(&r, 0, FAR);
    assert_int_equal(sa.flags, TCP_SYN | TCP_ACK);
    assert_int_equal(sa.ack, PEER_ISS + 1);

    synack_stack_free(r.st);

    /* refused, in a fresh stack; a verdict for a 4-tuple not held is -ENOENT */
    synack_endpoints ep2 = far_ep(PEER_PORT + 1);
    rig_init(&r);
    ls = listener(&r, 1, 1, 1, 2000);
    assert_int_equal(rig_send(&r, FAR, FAR_PORT, PEER_ISS, 0, TCP_SYN), 0);
    assert_int_equal(synack_held_verdict(r.st, ls, &ep2, SYNACK_VERDICT_REFUSE, 0), -ENOENT);
    assert_int_equal(synack_held_verdict(r.st, ls, &ep, SYNACK_VERDICT_REFUSE, 0), 0);
    assert_int_equal(r.nout, 1);
    tcp_seg rst = out_tcp(&r, 0, FAR);
    assert_int_equal(rst.flags, TCP_RST | TCP_ACK);
    assert_int_equal(rst.seq, 0);
    assert_int_equal(rst.ack, PEER_ISS + 1);
    assert_int_equal(rst.sport, FAR_PORT);
    assert_int_equal(rst.dport, PEER_PORT);
    assert_int_equal(synack_held_list(r.st, ls, h, 4), 0);
    assert_int_equal(synack_counter_get(r.st, SYNACK_CTR_TCPSynHeldRejected), 1);
    synack_stack_free(r.st);
}

/* Unreachable: an ICMPv6 destination unreachable with the verdict's code, from the netif's
 * address, quoting the SYN's IPv6 header and its ports and sequence number. */
static void test_held_unreachable_icmp6(void **state)
{
    (void)state;
    rig r;
    rig_init(&r);
    int ls = listener(&r, 1, 1, 1, 2000);
    assert_int_equal(rig_send(&r, FAR, FAR_PORT, PEER_ISS, 0, TCP_SYN), 0);
    synack_endpoints ep = far_ep(0);
    assert_int_equal(synack_held_verdict(r.st, ls, &ep, SYNACK_VERDICT_UNREACH, 7), -EINVAL);
    assert_int_equal(synack_held_verdict(r.st, ls, &ep, SYNACK_VERDICT_UNREACH, 3), 0);
    assert_int_equal(r.nout, 1);
    size_t n;
    const uint8_t *m = out6(&r, 0, ME, IP_PROTO_ICMPV6, &n);
    assert_int_equal(n, 8 + IPV6_HDR_LEN + 8);
    assert_int_equal(csum_finish(csum_add(csum_pseudo_ipv6(0, ME, PEER, 58, (uint32_t)n), m, n)),
                     0);
    assert_int_equal(m[0], ICMP6_DEST_UNREACH);
    assert_int_equal(m[1], ICMP6_UNREACH_ADDR);
    assert_int_equal(rd32(m + 4), 0);
    const uint8_t *q = m + 8;
    assert_int_equal(q[0] >> 4, 6);
    assert_int_equal(rd16(q + 4), TCP_HDR_LEN);
    assert_int_equal(q[6], IP_PROTO_TCP);
    assert_memory_equal(q + 8, PEER, 16);
    assert_memory_equal(q + 24, FAR, 16);
    assert_int_equal(rd16(q + 40), PEER_PORT);
    assert_int_equal(rd16(q + 42), FAR_PORT);
    assert_int_equal(rd32(q + 44), PEER_ISS);
    assert_int_equal(synack_counter_get(r.st, SYNACK_CTR_Icmp6OutDestUnreachs), 1);
    assert_int_equal(synack_held_verdict(r.st, ls, &ep, SYNACK_VERDICT_UNREACH, 3), -ENOENT);
    synack_stack_free(r.st);
}

/* The errors share ICMPv6's rate limits: all to one client, its per-destination burst of
 * 6 (RFC 4443 2.4(f), Linux's icmpv6_xrlim_allow) is met before the global one. */
static void test_held_unreachable_rate_limited(void **state)
{
    (void)state;
    rig r;
    rig_init(&r);
    int ls = listener(&r, 1, 1, 1, 2000);
    for (int i = 0; i < 60; i++) {
        synack_endpoints ep = far_ep(0);
        ep.lport = (uint16_t)(1000 + i);
        assert_int_equal(rig_send(&r, FAR, ep.lport, PEER_ISS, 0, TCP_SYN), 0);
        assert_int_equal(synack_held_verdict(r.st, ls, &ep, SYNACK_VERDICT_UNREACH, 0), 0);
    }
    assert_int_equal(r.nout, 6);
    assert_int_equal(synack_counter_get(r.st, SYNACK_CTR_Icmp6OutRateLimitHost), 54);
    assert_int_equal(synack_counter_get(r.st, SYNACK_CTR_IcmpOutRateLimitGlobal), 0);
    assert_int_equal(synack_counter_get(r.st, SYNACK_CTR_TCPSynHeldRejected), 60);
    synack_stack_free(r.st);
}

/* One catch-all per family: an AF_INET and an AF_INET6 one live side by side, each taking
 * its own family; a second AF_INET6 one is refused. */
static void test_one_catch_all_per_family(void **state)
{
    (void)state;
    rig r;
    rig_init(&r);
    int l4 = listener(&r, 0, 1, 1, 1000);
    int l6 = listener(&r, 1, 2, 1, 1000);
    int s = synack_socket_domain(r.st, SYNACK_AF_INET6, SYNACK_SOCK_STREAM);
    assert_int_equal(set_int(&r, s, IPPROTO_TCP, SYNACK_TCP_CATCH_ALL, 1), 0);
    assert_int_equal(synack_listen(r.st, s, 8), -EADDRINUSE);
    assert_int_equal(rig_send(&r, FAR, FAR_PORT, PEER_ISS, 0, TCP_SYN), 0);
    uint8_t f[SEG_FRAME_MAX];
    size_t n = seg_build(f, sizeof(f), PEER4, FAR4, PEER_PORT, FAR_PORT, PEER_ISS, 0, TCP_SYN,
                         65535, NULL, 0, NULL);
    assert_int_equal(synack_input(r.st, r.now, f, n), 0);
    synack_held_syn h[4];
    assert_int_equal(synack_held_list(r.st, l6, h, 4), 1);
    assert_int_equal(h[0].ep.family, SYNACK_AF_INET6);
    assert_int_equal(synack_held_list(r.st, l4, h, 4), 1);
    assert_int_equal(h[0].ep.laddr, FAR4);
    assert_int_equal(r.nout, 0);
    synack_stack_free(r.st);
}

/* Alone, a dual-stack AF_INET6 catch-all takes IPv4 too (as a wildcard listener would);
 * with IPV6_V6ONLY it does not, and the IPv4 SYN to a foreign address is not ours. */
static void test_dual_stack_catch_all(void **state)
{
    (void)state;
    for (int v6only = 0; v6only <= 1; v6only++) {
        rig r;
        rig_init(&r);
        int s = synack_socket_domain(r.st, SYNACK_AF_INET6, SYNACK_SOCK_STREAM);
        assert_int_equal(set_int(&r, s, SYNACK_IPPROTO_IPV6, SYNACK_IPV6_V6ONLY, v6only), 0);
        assert_int_equal(set_int(&r, s, IPPROTO_TCP, SYNACK_TCP_CATCH_ALL, 1), 0);
        assert_int_equal(set_int(&r, s, IPPROTO_TCP, SYNACK_TCP_HOLD_SYN, 1000), 0);
        assert_int_equal(synack_listen(r.st, s, 8), 0);
        uint8_t f[SEG_FRAME_MAX];
        size_t n = seg_build(f, sizeof(f), PEER4, FAR4, PEER_PORT, FAR_PORT, PEER_ISS, 0, TCP_SYN,
                             65535, NULL, 0, NULL);
        assert_int_equal(synack_input(r.st, r.now, f, n), v6only ? -EINVAL : 0);
        synack_held_syn h[4];
        assert_int_equal(synack_held_list(r.st, s, h, 4), v6only ? 0 : 1);
        if (!v6only) {
            assert_int_not_equal(h[0].ep.family, SYNACK_AF_INET6);
            assert_int_equal(h[0].ep.laddr, FAR4);
        }
        assert_int_equal(synack_counter_get(r.st, SYNACK_CTR_InAddrErrors), v6only);
        assert_int_equal(r.nout, 0);
        synack_stack_free(r.st);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_foreign_syn_without_catch_all),
        cmocka_unit_test(test_catch_all_accepts_any_destination),
        cmocka_unit_test(test_catch_all_refuses_bogus_destinations),
        cmocka_unit_test(test_bound_listener_keeps_own_address_only),
        cmocka_unit_test(test_held_accept_and_refuse),
        cmocka_unit_test(test_held_unreachable_icmp6),
        cmocka_unit_test(test_held_unreachable_rate_limited),
        cmocka_unit_test(test_one_catch_all_per_family),
        cmocka_unit_test(test_dual_stack_catch_all),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
