/* SPDX-License-Identifier: MIT */
/* UDP over IPv6 (issue 14): two stacks with 2001:db8::1 and 2001:db8::2 (and 192.0.2.1,
 * 192.0.2.2) on an in-memory IP link; AF_INET6 datagram sockets. The exact frames of an
 * echo (the RFC 8200 8.1 pseudo-header checksum summed here, not by the stack), a zero
 * checksum dropped and counted, Port Unreachable as ICMPv6 code 4 and ECONNREFUSED on a
 * connected socket, the per-destination ICMPv6 error limit, dual-stack sockets (IPv4 as
 * ::ffff:a.b.c.d), IPV6_V6ONLY and the port rules between the families, fragmentation at
 * the source (RFC 8200 4.5) and Packet Too Big lowering it, and the catch-all socket. */
#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "support/ipv6_link_rig.h"
#include "support/ref_csum.h"
#include "synack/synack.h"
#include "wire/bytes.h"
#include "wire/eth.h"
#include "wire/icmpv6.h"
#include "wire/ipv6.h"

#define DELAY 1000
#define V4_CLIENT 0xc0000201u /* 192.0.2.1 */
#define V4_SERVER 0xc0000202u /* 192.0.2.2 */

#define A6 IP6_RIG_ADDR
/* 2001:db8:ffff::5, nobody's on this link: what a catch-all answers for */
static const uint8_t FAR6[16] = {0x20, 0x01, 0x0d, 0xb8, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5};
static const uint8_t ANY6[16];

static ip6_tap rec;

typedef ip6_pair v6pair;

static void v6_init(v6pair *p)
{
    memset(p, 0, sizeof(*p));
    ip6_pair_init(&p->link, p->st, &rec, 128, NULL, NULL);
    p->now = 1000000;
}

static void v6_free(v6pair *p)
{
    ip6_pair_free(p->link, p->st);
}

static void run(v6pair *p)
{
    p->now = synack_memlink_run(p->link, p->now, p->now + 3 * DELAY);
}

static uint64_t ctr(v6pair *p, int h, synack_counter c)
{
    return synack_counter_get(p->st[h], c);
}

/* ::ffff:a.b.c.d */
static struct synack_sockaddr_in6 sin6_mapped(uint32_t v4, uint16_t port)
{
    uint8_t a[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    wr32(a + 12, v4);
    return ip6_sin6(a, port);
}

#define SA(x) ((const struct sockaddr *)&(x))

static uint16_t port_of6(const struct synack_sockaddr_in6 *s)
{
    return rd16((const uint8_t *)&s->sin6_port);
}

static int udp6_socket(v6pair *p, int h, const uint8_t *a, uint16_t port)
{
    int s = synack_socket_domain(p->st[h], SYNACK_AF_INET6, SYNACK_SOCK_DGRAM);
    assert_true(s >= 0);
    if (a) {
        struct synack_sockaddr_in6 b = ip6_sin6(a, port);
        assert_int_equal(synack_bind(p->st[h], s, SA(b), sizeof(b)), 0);
    }
    return s;
}

static uint16_t udp6_sum(const uint8_t src[16], const uint8_t dst[16], const uint8_t *udp, size_t n)
{
    uint8_t ph[40] = {0};
    memcpy(ph, src, 16);
    memcpy(ph + 16, dst, 16);
    wr32(ph + 32, (uint32_t)n);
    ph[39] = 17;
    return ref_fold(ref_sum16(ref_sum16(0, ph, 40), udp, n));
}

/* Checks an IPv6 UDP frame field by field; returns its source port. */
static uint16_t expect_udp6(const ip6_frame *f, const uint8_t src[16], const uint8_t dst[16],
                            uint16_t dport, const void *data, size_t n)
{
    const uint8_t *b = f->b;
    assert_int_equal(f->len, IPV6_HDR_LEN + 8 + n);
    assert_int_equal(b[0], 0x60); /* version 6, traffic class 0 */
    assert_int_equal(b[1] | b[2] | b[3], 0);
    assert_int_equal(rd16(b + 4), 8 + n); /* payload length */
    assert_int_equal(b[6], 17);
    assert_int_equal(b[7], 64);
    assert_memory_equal(b + 8, src, 16);
    assert_memory_equal(b + 24, dst, 16);
    const uint8_t *u = b + IPV6_HDR_LEN;
    assert_int_equal(rd16(u + 2), dport);
    assert_int_equal(rd16(u + 4), 8 + n);
    uint8_t copy[1500];
    memcpy(copy, u, 8 + n);
    wr16(copy + 6, 0);
    uint16_t want = udp6_sum(src, dst, copy, 8 + n);
    assert_int_equal(rd16(u + 6), want ? want : 0xffff);
    assert_memory_equal(u + 8, data, n);
    return rd16(u);
}

/* An IPv6 packet src -> dst carrying UDP sport -> dport; csum: 1 correct, 0 zero, 2 wrong. */
static size_t udp6_pkt(uint8_t *f, const uint8_t src[16], const uint8_t dst[16], uint16_t sport,
                       uint16_t dport, const char *data, size_t n, int csum)
{
    memset(f, 0, IPV6_HDR_LEN);
    f[0] = 0x60;
    wr16(f + 4, (uint16_t)(8 + n));
    f[6] = 17;
    f[7] = 64;
    memcpy(f + 8, src, 16);
    memcpy(f + 24, dst, 16);
    uint8_t *u = f + IPV6_HDR_LEN;
    wr16(u, sport);
    wr16(u + 2, dport);
    wr16(u + 4, (uint16_t)(8 + n));
    wr16(u + 6, 0);
    memcpy(u + 8, data, n);
    if (csum) {
        uint16_t s = udp6_sum(src, dst, u, 8 + n);
        s = s ? s : 0xffff;
        wr16(u + 6, csum == 2 ? (uint16_t)(s ^ 0x0101) : s);
    }
    return IPV6_HDR_LEN + 8 + n;
}

static void test_echo_exact(void **state)
{
    (void)state;
    v6pair p;
    v6_init(&p);
    int srv = udp6_socket(&p, 1, ANY6, 7);
    int cli = udp6_socket(&p, 0, NULL, 0);
    struct synack_sockaddr_in6 to = ip6_sin6(A6[1], 7);
    assert_int_equal(synack_sendto(p.st[0], cli, "ping6", 5, 0, SA(to), sizeof(to)), 5);
    run(&p);
    assert_int_equal(rec.seen, 1);
    assert_int_equal(rec.f[0].to, 1);
    uint16_t sport = expect_udp6(&rec.f[0], A6[0], A6[1], 7, "ping6", 5);
    struct synack_sockaddr_in6 name;
    synack_socklen_t nl = sizeof(name);
    assert_int_equal(synack_getsockname(p.st[0], cli, (struct sockaddr *)&name, &nl), 0);
    assert_int_equal(port_of6(&name), sport);

    char buf[32];
    struct synack_sockaddr_in6 src, dst;
    synack_socklen_t sl = sizeof(src), dl = sizeof(dst);
    assert_int_equal(synack_recvfrom_to(p.st[1], srv, buf, sizeof(buf), 0, (struct sockaddr *)&src,
                                        &sl, (struct sockaddr *)&dst, &dl),
                     5);
    assert_memory_equal(buf, "ping6", 5);
    assert_int_equal(sl, sizeof(src));
    assert_int_equal(src.sin6_family, SYNACK_AF_INET6);
    assert_memory_equal(src.sin6_addr.s6_bytes, A6[0], 16);
    assert_int_equal(port_of6(&src), sport);
    assert_memory_equal(dst.sin6_addr.s6_bytes, A6[1], 16);
    assert_int_equal(port_of6(&dst), 7);

    /* the reply to where it came from */
    assert_int_equal(synack_sendto(p.st[1], srv, "pong6!", 6, 0, SA(src), sl), 6);
    run(&p);
    assert_int_equal(rec.seen, 2);
    assert_int_equal(rec.f[1].to, 0);
    assert_int_equal(expect_udp6(&rec.f[1], A6[1], A6[0], sport, "pong6!", 6), 7);
    sl = sizeof(src);
    assert_int_equal(
        synack_recvfrom(p.st[0], cli, buf, sizeof(buf), 0, (struct sockaddr *)&src, &sl), 6);
    assert_memory_equal(buf, "pong6!", 6);
    assert_memory_equal(src.sin6_addr.s6_bytes, A6[1], 16);
    assert_int_equal(port_of6(&src), 7);
    assert_int_equal(synack_recv(p.st[0], cli, buf, sizeof(buf), 0), -EAGAIN);

    /* connect()ed: send() and getpeername() in sockaddr_in6 */
    assert_int_equal(synack_connect(p.st[0], cli, SA(to), sizeof(to)), 0);
    assert_int_equal(synack_send(p.st[0], cli, "again", 5, 0), 5);
    struct synack_sockaddr_in6 peer;
    nl = sizeof(peer);
    assert_int_equal(synack_getpeername(p.st[0], cli, (struct sockaddr *)&peer, &nl), 0);
    assert_int_equal(nl, sizeof(peer));
    assert_memory_equal(peer.sin6_addr.s6_bytes, A6[1], 16);
    assert_int_equal(port_of6(&peer), 7);
    run(&p);
    assert_int_equal(synack_recv(p.st[1], srv, buf, sizeof(buf), 0), 5);

    for (int h = 0; h < 2; h++) {
        assert_int_equal(ctr(&p, h, SYNACK_CTR_Udp6OutDatagrams), h ? 1 : 2);
        assert_int_equal(ctr(&p, h, SYNACK_CTR_Udp6InDatagrams), h ? 2 : 1);
        assert_int_equal(ctr(&p, h, SYNACK_CTR_UdpInDatagrams), 0);
        assert_int_equal(ctr(&p, h, SYNACK_CTR_UdpOutDatagrams), 0);
    }
    v6_free(&p);
}

static void test_checksum_mandatory(void **state)
{
    (void)state;
    v6pair p;
    v6_init(&p);
    int srv = udp6_socket(&p, 1, ANY6, 7);
    uint8_t f[128];
    char buf[16];
    /* RFC 8200 8.1: a zero checksum is an error over IPv6, not "none" */
    size_t n = udp6_pkt(f, A6[0], A6[1], 4000, 7, "zero", 4, 0);
    synack_input(p.st[1], p.now, f, n);
    assert_int_equal(ctr(&p, 1, SYNACK_CTR_Udp6InCsumErrors), 1);
    assert_int_equal(ctr(&p, 1, SYNACK_CTR_Udp6InErrors), 1);
    n = udp6_pkt(f, A6[0], A6[1], 4000, 7, "bad", 3, 2);
    synack_input(p.st[1], p.now, f, n);
    assert_int_equal(ctr(&p, 1, SYNACK_CTR_Udp6InCsumErrors), 2);
    assert_int_equal(ctr(&p, 1, SYNACK_CTR_Udp6InErrors), 2);
    assert_int_equal(synack_recv(p.st[1], srv, buf, sizeof(buf), 0), -EAGAIN);
    /* a length beyond the packet's */
    n = udp6_pkt(f, A6[0], A6[1], 4000, 7, "long", 4, 1);
    wr16(f + IPV6_HDR_LEN + 4, 13);
    synack_input(p.st[1], p.now, f, n);
    assert_int_equal(ctr(&p, 1, SYNACK_CTR_Udp6InErrors), 3);
    assert_int_equal(ctr(&p, 1, SYNACK_CTR_Udp6InCsumErrors), 2);
    /* and a good one */
    n = udp6_pkt(f, A6[0], A6[1], 4000, 7, "good", 4, 1);
    synack_input(p.st[1], p.now, f, n);
    assert_int_equal(synack_recv(p.st[1], srv, buf, sizeof(buf), 0), 4);
    assert_memory_equal(buf, "good", 4);
    assert_int_equal(ctr(&p, 1, SYNACK_CTR_Udp6InDatagrams), 1);
    assert_int_equal(ctr(&p, 1, SYNACK_CTR_Udp6NoPorts), 0);
    run(&p);
    assert_int_equal(rec.seen, 0); /* nothing answered a bad one */
    v6_free(&p);
}

/* SO_RCVBUF bounds the queue; an IPv6 datagram is charged its two addresses too (32
 * bytes beyond an IPv4 one's record), so 3 of 480 bytes fit in 2048 where 4 IPv4 ones
 * would; the rest is dropped and counted (Udp6RcvbufErrors, Udp6InErrors). */
static void test_rcvbuf(void **state)
{
    (void)state;
    v6pair p;
    v6_init(&p);
    int s = udp6_socket(&p, 1, ANY6, 7);
    int v = 2048;
    assert_int_equal(
        synack_setsockopt(p.st[1], s, SYNACK_SOL_SOCKET, SYNACK_SO_RCVBUF, &v, sizeof(v)), 0);
    static char data[480];
    memset(data, 'r', sizeof(data));
    uint8_t f[600];
    size_t n = udp6_pkt(f, A6[0], A6[1], 4000, 7, data, sizeof(data), 1);
    for (int i = 0; i < 5; i++)
        synack_input(p.st[1], p.now, f, n);
    assert_int_equal(ctr(&p, 1, SYNACK_CTR_Udp6InDatagrams), 3);
    assert_int_equal(ctr(&p, 1, SYNACK_CTR_Udp6RcvbufErrors), 2);
    assert_int_equal(ctr(&p, 1, SYNACK_CTR_Udp6InErrors), 2);
    assert_int_equal(ctr(&p, 1, SYNACK_CTR_UdpRcvbufErrors), 0);
    char buf[600];
    for (int i = 0; i < 3; i++)
        assert_int_equal(synack_recv(p.st[1], s, buf, sizeof(buf), 0), 480);
    assert_int_equal(synack_recv(p.st[1], s, buf, sizeof(buf), 0), -EAGAIN);
    /* the charges all came back: the queue takes 3 again */
    for (int i = 0; i < 4; i++)
        synack_input(p.st[1], p.now, f, n);
    assert_int_equal(ctr(&p, 1, SYNACK_CTR_Udp6InDatagrams), 6);
    assert_int_equal(ctr(&p, 1, SYNACK_CTR_Udp6RcvbufErrors), 3);
    v6_free(&p);
}

static void test_port_unreachable_refused(void **state)
{
    (void)state;
    v6pair p;
    v6_init(&p);
    int cli = udp6_socket(&p, 0, NULL, 0);
    struct synack_sockaddr_in6 to = ip6_sin6(A6[1], 9);
    assert_int_equal(synack_connect(p.st[0], cli, SA(to), sizeof(to)), 0);
    assert_int_equal(synack_send(p.st[0], cli, "x", 1, 0), 1);
    run(&p);
    assert_int_equal(rec.seen, 2);
    /* RFC 4443 3.1: Destination Unreachable code 4 from the server, quoting the datagram */
    ipv6_addr c, s;
    memcpy(c.b, A6[0], 16);
    memcpy(s.b, A6[1], 16);
    uint8_t l4[1280];
    size_t n = icmp6_error_emit(l4, sizeof(l4), ICMP6_DEST_UNREACH, ICMP6_UNREACH_PORT, 0,
                                rec.f[0].b, rec.f[0].len, &s, &c);
    assert_int_equal(rec.f[1].to, 0);
    assert_int_equal(rec.f[1].len, IPV6_HDR_LEN + n);
    assert_int_equal(rec.f[1].b[6], IP_PROTO_ICMPV6);
    assert_memory_equal(rec.f[1].b + 8, A6[1], 16);
    assert_memory_equal(rec.f[1].b + 24, A6[0], 16);
    assert_memory_equal(rec.f[1].b + IPV6_HDR_LEN, l4, n);
    assert_int_equal(ctr(&p, 1, SYNACK_CTR_Udp6NoPorts), 1);
    assert_int_equal(ctr(&p, 1, SYNACK_CTR_Icmp6OutDestUnreachs), 1);
    /* the connected socket hears of it as Linux's does: ECONNREFUSED, once */
    synack_pollfd pf = {.sock = cli, .events = POLLIN};
    assert_int_equal(synack_sock_poll(p.st[0], &pf, 1), 1);
    assert_int_equal(pf.revents, POLLERR);
    char buf[8];
    assert_int_equal(synack_recv(p.st[0], cli, buf, sizeof(buf), 0), -ECONNREFUSED);
    assert_int_equal(synack_recv(p.st[0], cli, buf, sizeof(buf), 0), -EAGAIN);

    /* an unconnected socket does not (Linux without IPV6_RECVERR) */
    int un = udp6_socket(&p, 0, NULL, 0);
    assert_int_equal(synack_sendto(p.st[0], un, "y", 1, 0, SA(to), sizeof(to)), 1);
    run(&p);
    assert_int_equal(rec.seen, 4);
    assert_int_equal(ctr(&p, 1, SYNACK_CTR_Udp6NoPorts), 2);
    assert_int_equal(synack_recv(p.st[0], un, buf, sizeof(buf), 0), -EAGAIN);
    v6_free(&p);
}

static void test_errors_limited_per_destination(void **state)
{
    (void)state;
    v6pair p;
    v6_init(&p);
    uint8_t f[128];
    size_t n = udp6_pkt(f, A6[0], A6[1], 4000, 9, "z", 1, 1);
    /* RFC 4443 2.4(f), as Linux: a burst of 6 to one destination, then one per 250 ms (1 s
     * shortened for a /64 on the link) */
    for (int i = 0; i < 10; i++)
        synack_input(p.st[1], p.now, f, n);
    assert_int_equal(ctr(&p, 1, SYNACK_CTR_Udp6NoPorts), 10);
    assert_int_equal(ctr(&p, 1, SYNACK_CTR_Icmp6OutDestUnreachs), 6);
    assert_int_equal(ctr(&p, 1, SYNACK_CTR_Icmp6OutRateLimitHost), 4);
    assert_int_equal(ctr(&p, 1, SYNACK_CTR_IcmpOutRateLimitGlobal), 0);
    /* another source has its own bucket */
    uint8_t other[16];
    memcpy(other, A6[0], 16);
    other[15] = 0x99;
    size_t m = udp6_pkt(f + 64, other, A6[1], 4000, 9, "z", 1, 1);
    synack_input(p.st[1], p.now, f + 64, m);
    assert_int_equal(ctr(&p, 1, SYNACK_CTR_Icmp6OutDestUnreachs), 7);
    /* 249 ms on: still nothing for the first; at 250 ms one more */
    synack_input(p.st[1], p.now + 249000, f, n);
    assert_int_equal(ctr(&p, 1, SYNACK_CTR_Icmp6OutDestUnreachs), 7);
    synack_input(p.st[1], p.now + 250000, f, n);
    synack_input(p.st[1], p.now + 250000, f, n);
    assert_int_equal(ctr(&p, 1, SYNACK_CTR_Icmp6OutDestUnreachs), 8);
    assert_int_equal(ctr(&p, 1, SYNACK_CTR_Icmp6OutRateLimitHost), 6);
    /* off the link (the default route, /0): 1 s >> 4 */
    uint8_t far[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 7};
    m = udp6_pkt(f + 64, far, A6[1], 4000, 9, "z", 1, 1);
    for (int i = 0; i < 7; i++)
        synack_input(p.st[1], p.now + 250000, f + 64, m);
    assert_int_equal(ctr(&p, 1, SYNACK_CTR_Icmp6OutDestUnreachs), 14);
    synack_input(p.st[1], p.now + 250000 + 62499, f + 64, m);
    assert_int_equal(ctr(&p, 1, SYNACK_CTR_Icmp6OutDestUnreachs), 14);
    synack_input(p.st[1], p.now + 250000 + 62500, f + 64, m);
    assert_int_equal(ctr(&p, 1, SYNACK_CTR_Icmp6OutDestUnreachs), 15);
    assert_int_equal(ctr(&p, 1, SYNACK_CTR_Icmp6OutRateLimitHost), 8);
    /* the table is bounded: many sources each get a slot, the oldest give theirs up */
    for (int i = 0; i < 40; i++) {
        other[14] = (uint8_t)(1 + i);
        m = udp6_pkt(f + 64, other, A6[1], 4000, 9, "z", 1, 1);
        assert_int_equal(synack_input(p.st[1], p.now + 400000, f + 64, m), 0);
    }
    assert_int_equal(ctr(&p, 1, SYNACK_CTR_Icmp6OutDestUnreachs), 55);
    v6_free(&p);
}

static void test_dual_stack_and_v6only(void **state)
{
    (void)state;
    v6pair p;
    v6_init(&p);
    int srv = udp6_socket(&p, 1, ANY6, 7);
    int c4 = synack_socket(p.st[0], SYNACK_SOCK_DGRAM);
    struct synack_sockaddr_in to4 = ip6_sin4(V4_SERVER, 7);
    assert_int_equal(synack_sendto(p.st[0], c4, "v4", 2, 0, SA(to4), sizeof(to4)), 2);
    run(&p);
    assert_int_equal(rec.seen, 1);
    assert_int_equal(rec.f[0].b[0] >> 4, 4);
    uint16_t sport = rd16(rec.f[0].b + 20);
    /* an IPv4 datagram on a dual-stack socket: from ::ffff:192.0.2.1 */
    char buf[16];
    struct synack_sockaddr_in6 src, dst;
    synack_socklen_t sl = sizeof(src), dl = sizeof(dst);
    assert_int_equal(synack_recvfrom_to(p.st[1], srv, buf, sizeof(buf), 0, (struct sockaddr *)&src,
                                        &sl, (struct sockaddr *)&dst, &dl),
                     2);
    struct synack_sockaddr_in6 want = sin6_mapped(V4_CLIENT, sport);
    assert_int_equal(sl, sizeof(src));
    assert_memory_equal(&src, &want, sizeof(want));
    want = sin6_mapped(V4_SERVER, 7);
    assert_memory_equal(&dst, &want, sizeof(want));
    assert_int_equal(ctr(&p, 1, SYNACK_CTR_UdpInDatagrams), 1);
    assert_int_equal(ctr(&p, 1, SYNACK_CTR_Udp6InDatagrams), 0);
    /* and the answer to ::ffff:192.0.2.1 leaves as IPv4 */
    assert_int_equal(synack_sendto(p.st[1], srv, "ok", 2, 0, SA(src), sl), 2);
    run(&p);
    assert_int_equal(rec.seen, 2);
    assert_int_equal(rec.f[1].b[0], 0x45);
    assert_int_equal(rec.f[1].b[9], 17);
    assert_int_equal(rd16(rec.f[1].b + 20), 7);
    assert_int_equal(rd16(rec.f[1].b + 22), sport);
    struct synack_sockaddr_in s4;
    sl = sizeof(s4);
    assert_int_equal(synack_recvfrom(p.st[0], c4, buf, sizeof(buf), 0, (struct sockaddr *)&s4, &sl),
                     2);
    assert_int_equal(sl, sizeof(s4));
    assert_int_equal(rd16((const uint8_t *)&s4.sin_port), 7);
    assert_int_equal(ctr(&p, 1, SYNACK_CTR_UdpOutDatagrams), 1);
    assert_int_equal(ctr(&p, 1, SYNACK_CTR_Udp6OutDatagrams), 0);

    /* IPV6_V6ONLY: IPv4 is refused both ways, and the port is shared with AF_INET */
    /* a sockaddr_in to a dual-stack socket is IPv4 too (Linux) */
    to4 = ip6_sin4(V4_CLIENT, sport);
    assert_int_equal(synack_sendto(p.st[1], srv, "ok", 2, 0, SA(to4), sizeof(to4)), 2);
    run(&p);
    assert_int_equal(synack_recv(p.st[0], c4, buf, sizeof(buf), 0), 2);
    int only = synack_socket_domain(p.st[1], SYNACK_AF_INET6, SYNACK_SOCK_DGRAM);
    int one = 1;
    assert_int_equal(
        synack_setsockopt(p.st[1], only, SYNACK_IPPROTO_IPV6, SYNACK_IPV6_V6ONLY, &one, 4), 0);
    struct synack_sockaddr_in6 m8 = sin6_mapped(V4_SERVER, 8);
    assert_int_equal(synack_bind(p.st[1], only, SA(m8), sizeof(m8)), -EINVAL);
    struct synack_sockaddr_in6 any8 = ip6_sin6(ANY6, 8);
    assert_int_equal(synack_bind(p.st[1], only, SA(any8), sizeof(any8)), 0);
    assert_int_equal(
        synack_setsockopt(p.st[1], only, SYNACK_IPPROTO_IPV6, SYNACK_IPV6_V6ONLY, &one, 4),
        -EINVAL);
    struct synack_sockaddr_in6 mc = sin6_mapped(V4_CLIENT, sport);
    assert_int_equal(synack_sendto(p.st[1], only, "no", 2, 0, SA(mc), sizeof(mc)), -ENETUNREACH);
    assert_int_equal(synack_connect(p.st[1], only, SA(mc), sizeof(mc)), -ENETUNREACH);
    to4 = ip6_sin4(V4_CLIENT, sport);
    assert_int_equal(synack_sendto(p.st[1], only, "no", 2, 0, SA(to4), sizeof(to4)), -ENETUNREACH);
    assert_int_equal(synack_connect(p.st[1], only, SA(to4), sizeof(to4)), -EAFNOSUPPORT);
    to4 = ip6_sin4(V4_SERVER, 8);
    assert_int_equal(synack_sendto(p.st[0], c4, "v4", 2, 0, SA(to4), sizeof(to4)), 2);
    run(&p);
    assert_int_equal(rec.seen, 5); /* the datagram and an ICMP port unreachable */
    assert_int_equal(rec.f[4].b[0], 0x45);
    assert_int_equal(rec.f[4].b[9], 1);
    assert_int_equal(rec.f[4].b[20], 3);
    assert_int_equal(rec.f[4].b[21], 3);
    assert_int_equal(ctr(&p, 1, SYNACK_CTR_UdpNoPorts), 1);
    int s4b = synack_socket(p.st[1], SYNACK_SOCK_DGRAM);
    struct synack_sockaddr_in b4 = ip6_sin4(0, 8);
    assert_int_equal(synack_bind(p.st[1], s4b, SA(b4), sizeof(b4)), 0);
    int dual = udp6_socket(&p, 1, NULL, 0);
    assert_int_equal(synack_bind(p.st[1], dual, SA(any8), sizeof(any8)), -EADDRINUSE);
    assert_int_equal(synack_sendto(p.st[0], c4, "v4", 2, 0, SA(to4), sizeof(to4)), 2);
    run(&p);
    assert_int_equal(synack_recv(p.st[1], s4b, buf, sizeof(buf), 0), 2);
    assert_int_equal(synack_recv(p.st[1], only, buf, sizeof(buf), 0), -EAGAIN);

    /* bound to ::ffff:192.0.2.2: IPv4 only, shown as mapped */
    struct synack_sockaddr_in6 m9 = sin6_mapped(V4_SERVER, 9);
    assert_int_equal(synack_bind(p.st[1], dual, SA(m9), sizeof(m9)), 0);
    struct synack_sockaddr_in6 name;
    synack_socklen_t nl = sizeof(name);
    assert_int_equal(synack_getsockname(p.st[1], dual, (struct sockaddr *)&name, &nl), 0);
    assert_memory_equal(&name, &m9, sizeof(m9));
    struct synack_sockaddr_in6 c6 = ip6_sin6(A6[0], 4000);
    assert_int_equal(synack_sendto(p.st[1], dual, "no", 2, 0, SA(c6), sizeof(c6)), -EADDRNOTAVAIL);
    uint8_t f[128];
    size_t n = udp6_pkt(f, A6[0], A6[1], 4000, 9, "v6", 2, 1);
    synack_input(p.st[1], p.now, f, n);
    assert_int_equal(ctr(&p, 1, SYNACK_CTR_Udp6NoPorts), 1);
    assert_int_equal(synack_recv(p.st[1], dual, buf, sizeof(buf), 0), -EAGAIN);
    v6_free(&p);
}

static void test_api_errors(void **state)
{
    (void)state;
    v6pair p;
    v6_init(&p);
    int s = udp6_socket(&p, 0, NULL, 0);
    struct synack_sockaddr_in6 a = ip6_sin6(ANY6, 7);
    assert_int_equal(synack_connect(p.st[0], s, SA(a), sizeof(a)), -EINVAL);
    assert_int_equal(synack_sendto(p.st[0], s, "x", 1, 0, SA(a), sizeof(a)), -EINVAL);
    uint8_t group[16] = {0xff, 0x02, [15] = 1};
    a = ip6_sin6(group, 7);
    assert_int_equal(synack_sendto(p.st[0], s, "x", 1, 0, SA(a), sizeof(a)), -ENETUNREACH);
    a = ip6_sin6(A6[1], 0);
    assert_int_equal(synack_sendto(p.st[0], s, "x", 1, 0, SA(a), sizeof(a)), -EINVAL);
    /* as Linux's udpv6_sendmsg: a sockaddr_in is IPv4, AF_UNSPEC no address at all */
    struct synack_sockaddr_in v4 = ip6_sin4(V4_SERVER, 7);
    assert_int_equal(synack_sendto(p.st[0], s, "x", 1, 0, SA(v4), sizeof(v4) - 1), -EINVAL);
    assert_int_equal(synack_sendto(p.st[0], s, "x", 1, 0, SA(v4), sizeof(v4)), 1);
    assert_int_equal(ctr(&p, 0, SYNACK_CTR_UdpOutDatagrams), 1);
    struct synack_sockaddr_in6 un;
    memset(&un, 0, sizeof(un));
    assert_int_equal(synack_sendto(p.st[0], s, "x", 1, 0, SA(un), sizeof(un)), -EDESTADDRREQ);
    un.sin6_family = 99;
    assert_int_equal(synack_sendto(p.st[0], s, "x", 1, 0, SA(un), sizeof(un)), -EAFNOSUPPORT);
    a = ip6_sin6(A6[1], 7);
    assert_int_equal(synack_sendto(p.st[0], s, "x", 1, 0, SA(a), 23), -EINVAL);
    assert_int_equal(synack_sendto(p.st[0], s, NULL, 65528, 0, SA(a), sizeof(a)), -EFAULT);
    static char big[65528];
    assert_int_equal(synack_sendto(p.st[0], s, big, sizeof(big), 0, SA(a), sizeof(a)), -EMSGSIZE);
    assert_int_equal(synack_send(p.st[0], s, "x", 1, 0), -EDESTADDRREQ);
    struct synack_sockaddr_in6 peer;
    synack_socklen_t pl = sizeof(peer);
    assert_int_equal(synack_getpeername(p.st[0], s, (struct sockaddr *)&peer, &pl), -ENOTCONN);
    /* bind: only :: or our address */
    s = udp6_socket(&p, 0, NULL, 0);
    a = ip6_sin6(FAR6, 7);
    assert_int_equal(synack_bind(p.st[0], s, SA(a), sizeof(a)), -EADDRNOTAVAIL);
    a = ip6_sin6(A6[0], 7);
    assert_int_equal(synack_bind(p.st[0], s, SA(a), sizeof(a)), 0);
    assert_int_equal(synack_bind(p.st[0], s, SA(a), sizeof(a)), -EINVAL);
    /* bound to the IPv6 address: no IPv4 */
    struct synack_sockaddr_in6 m = sin6_mapped(V4_SERVER, 7);
    assert_int_equal(synack_sendto(p.st[0], s, "x", 1, 0, SA(m), sizeof(m)), -EADDRNOTAVAIL);
    /* connect, then AF_UNSPEC dissolves it */
    a = ip6_sin6(A6[1], 7);
    assert_int_equal(synack_connect(p.st[0], s, SA(a), sizeof(a)), 0);
    memset(&un, 0, sizeof(un));
    assert_int_equal(synack_sendto(p.st[0], s, "x", 1, 0, SA(un), sizeof(un)), 1); /* the peer */
    assert_int_equal(synack_connect(p.st[0], s, SA(un), sizeof(un)), 0);
    assert_int_equal(synack_getpeername(p.st[0], s, (struct sockaddr *)&peer, &pl), -ENOTCONN);
    v6_free(&p);
}

/* Reassembles the fragments in rec.f[first..first+count) as the receiver would. */
static size_t reassemble(size_t first, size_t count, uint32_t *id, uint8_t *out)
{
    size_t total = 0;
    for (size_t i = first; i < first + count; i++) {
        const uint8_t *b = rec.f[i].b;
        assert_int_equal(b[6], IP_PROTO_FRAGMENT);
        const uint8_t *fh = b + IPV6_HDR_LEN;
        assert_int_equal(fh[0], 17);
        assert_int_equal(fh[1], 0);
        uint16_t off = rd16(fh + 2);
        assert_int_equal(off & 6, 0);
        assert_int_equal(off & 1, i + 1 < first + count ? 1 : 0); /* M */
        assert_int_equal(off & 0xfff8, total);
        if (i == first)
            *id = rd32(fh + 4);
        assert_int_equal(rd32(fh + 4), *id);
        size_t n = rd16(b + 4) - 8u;
        assert_int_equal(rec.f[i].len, IPV6_HDR_LEN + 8 + n);
        if (i + 1 < first + count)
            assert_int_equal(n % 8, 0);
        memcpy(out + total, fh + 8, n);
        total += n;
    }
    return total;
}

static void test_fragmented_at_source(void **state)
{
    (void)state;
    v6pair p;
    v6_init(&p);
    udp6_socket(&p, 1, ANY6, 7); /* takes them, should IPv6 reassemble */
    int cli = udp6_socket(&p, 0, NULL, 0);
    static uint8_t data[3000], whole[3100];
    for (size_t i = 0; i < sizeof(data); i++)
        data[i] = (uint8_t)(i * 7 + 3);
    struct synack_sockaddr_in6 to = ip6_sin6(A6[1], 7);
    assert_int_equal(synack_sendto(p.st[0], cli, data, sizeof(data), 0, SA(to), sizeof(to)), 3000);
    run(&p);
    /* (1500 - 40 - 8) rounded down to 8: 1448, 1448 and the 112 left of 3008 */
    assert_int_equal(rec.seen, 3);
    assert_int_equal(rec.f[0].len, 1496);
    assert_int_equal(rec.f[1].len, 1496);
    assert_int_equal(rec.f[2].len, 40 + 8 + 112);
    uint32_t id;
    assert_int_equal(reassemble(0, 3, &id, whole), 3008);
    assert_int_equal(rd16(whole + 2), 7);
    assert_int_equal(rd16(whole + 4), 3008);
    uint16_t sum = rd16(whole + 6);
    wr16(whole + 6, 0);
    assert_int_equal(sum, udp6_sum(A6[0], A6[1], whole, 3008));
    assert_memory_equal(whole + 8, data, sizeof(data));
    assert_int_equal(ctr(&p, 0, SYNACK_CTR_Ip6FragCreates), 3);
    assert_int_equal(ctr(&p, 0, SYNACK_CTR_Ip6FragOKs), 1);
    assert_int_equal(ctr(&p, 0, SYNACK_CTR_Udp6OutDatagrams), 1);
    /* the next datagram has an identification of its own */
    assert_int_equal(synack_sendto(p.st[0], cli, data, 2000, 0, SA(to), sizeof(to)), 2000);
    run(&p);
    assert_int_equal(rec.seen, 5);
    uint32_t id2;
    assert_int_equal(reassemble(3, 2, &id2, whole), 2008);
    assert_int_not_equal(id, id2);

    /* IP_PMTUDISC_DO: what does not fit the path MTU is refused, what fits goes whole */
    int v = SYNACK_IP_PMTUDISC_DO;
    assert_int_equal(
        synack_setsockopt(p.st[0], cli, SYNACK_IPPROTO_IP, SYNACK_IP_MTU_DISCOVER, &v, 4), 0);
    assert_int_equal(synack_sendto(p.st[0], cli, data, 1453, 0, SA(to), sizeof(to)), -EMSGSIZE);
    assert_int_equal(synack_sendto(p.st[0], cli, data, 1452, 0, SA(to), sizeof(to)), 1452);
    run(&p);
    assert_int_equal(rec.seen, 6);
    expect_udp6(&rec.f[5], A6[0], A6[1], 7, data, 1452);
    v6_free(&p);
}

static void test_packet_too_big_lowers_path_mtu(void **state)
{
    (void)state;
    v6pair p;
    v6_init(&p);
    udp6_socket(&p, 1, ANY6, 7);
    int cli = udp6_socket(&p, 0, NULL, 0);
    static uint8_t data[1400];
    memset(data, 0x5a, sizeof(data));
    struct synack_sockaddr_in6 to = ip6_sin6(A6[1], 7);
    assert_int_equal(synack_sendto(p.st[0], cli, data, sizeof(data), 0, SA(to), sizeof(to)), 1400);
    run(&p);
    assert_int_equal(rec.seen, 1);
    assert_int_equal(rec.f[0].len, 1448);
    /* a router says 1280: RFC 4443 3.2, quoting as much of the datagram as fits */
    uint8_t router[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xfe};
    ipv6_addr r, c;
    memcpy(r.b, router, 16);
    memcpy(c.b, A6[0], 16);
    uint8_t pkt[1400];
    size_t n = icmp6_error_emit(pkt + IPV6_HDR_LEN, sizeof(pkt) - IPV6_HDR_LEN,
                                ICMP6_PACKET_TOO_BIG, 0, 1280, rec.f[0].b, rec.f[0].len, &r, &c);
    assert_true(n > 48);
    ipv6_hdr h = {.next = IP_PROTO_ICMPV6, .hop_limit = 64, .src = r, .dst = c};
    assert_int_equal(ipv6_emit(pkt, IPV6_HDR_LEN, &h, n), IPV6_HDR_LEN);
    synack_input(p.st[0], p.now, pkt, IPV6_HDR_LEN + n);
    assert_int_equal(ctr(&p, 0, SYNACK_CTR_Icmp6InPktTooBigs), 1);
    assert_int_equal(ctr(&p, 0, SYNACK_CTR_PmtuCacheUpdates), 1);
    /* the next one leaves in fragments of at most 1280: 1232 + 176 */
    assert_int_equal(synack_sendto(p.st[0], cli, data, sizeof(data), 0, SA(to), sizeof(to)), 1400);
    run(&p);
    assert_int_equal(rec.seen, 3);
    assert_int_equal(rec.f[1].len, 1280);
    assert_int_equal(rec.f[2].len, 40 + 8 + 176);
    uint32_t id;
    static uint8_t whole[1500];
    assert_int_equal(reassemble(1, 2, &id, whole), 1408);
    assert_memory_equal(whole + 8, data, sizeof(data));
    /* EMSGSIZE is a soft error: nothing for the socket */
    char buf[8];
    assert_int_equal(synack_recv(p.st[0], cli, buf, sizeof(buf), 0), -EAGAIN);
    v6_free(&p);
}

static void test_catch_all(void **state)
{
    (void)state;
    v6pair p;
    v6_init(&p);
    int ca = synack_socket_domain(p.st[1], SYNACK_AF_INET6, SYNACK_SOCK_DGRAM);
    int one = 1;
    assert_int_equal(
        synack_setsockopt(p.st[1], ca, SYNACK_IPPROTO_UDP, SYNACK_UDP_CATCH_ALL, &one, 4), 0);
    uint8_t f[128];
    size_t n = udp6_pkt(f, A6[0], FAR6, 4000, 53, "query", 5, 1);
    synack_input(p.st[1], p.now, f, n);
    char buf[16];
    struct synack_sockaddr_in6 src, dst;
    synack_socklen_t sl = sizeof(src), dl = sizeof(dst);
    assert_int_equal(synack_recvfrom_to(p.st[1], ca, buf, sizeof(buf), 0, (struct sockaddr *)&src,
                                        &sl, (struct sockaddr *)&dst, &dl),
                     5);
    struct synack_sockaddr_in6 want = ip6_sin6(A6[0], 4000);
    assert_memory_equal(&src, &want, sizeof(want));
    want = ip6_sin6(FAR6, 53);
    assert_memory_equal(&dst, &want, sizeof(want));
    /* the answer speaks as the address it was sent to */
    int cli = udp6_socket(&p, 0, ANY6, 4000);
    assert_int_equal(synack_sendto_from(p.st[1], ca, "answer", 6, 0, SA(dst), dl, SA(src), sl), 6);
    run(&p);
    assert_int_equal(rec.seen, 1);
    assert_int_equal(expect_udp6(&rec.f[0], FAR6, A6[0], 4000, "answer", 6), 53);
    sl = sizeof(src);
    assert_int_equal(
        synack_recvfrom(p.st[0], cli, buf, sizeof(buf), 0, (struct sockaddr *)&src, &sl), 6);
    assert_memory_equal(&src, &dst, sizeof(dst));
    /* the catch-all tells the client its destination took nothing: ICMPv6 code 4 from the
     * stack's own address, and the client's connected socket fails with ECONNREFUSED */
    assert_int_equal(synack_connect(p.st[0], cli, SA(dst), dl), 0);
    struct synack_sockaddr_in6 client = ip6_sin6(A6[0], 4000);
    assert_int_equal(synack_udp_unreach(p.st[1], ca, SA(client), sizeof(client), SA(dst), dl, 7),
                     -EINVAL);
    assert_int_equal(synack_udp_unreach(p.st[1], ca, SA(client), sizeof(client), SA(dst), dl, 4),
                     0);
    run(&p);
    assert_int_equal(rec.seen, 2);
    const uint8_t *e = rec.f[1].b;
    assert_int_equal(rec.f[1].len, IPV6_HDR_LEN + 8 + IPV6_HDR_LEN + 8);
    assert_int_equal(e[6], IP_PROTO_ICMPV6);
    assert_memory_equal(e + 8, A6[1], 16);
    assert_memory_equal(e + 24, A6[0], 16);
    assert_int_equal(e[40], ICMP6_DEST_UNREACH);
    assert_int_equal(e[41], ICMP6_UNREACH_PORT);
    assert_memory_equal(e + 48 + 8, A6[0], 16); /* the quote: client to FAR6, 4000 to 53 */
    assert_memory_equal(e + 48 + 24, FAR6, 16);
    assert_int_equal(rd16(e + 88), 4000);
    assert_int_equal(rd16(e + 90), 53);
    assert_int_equal(synack_recv(p.st[0], cli, buf, sizeof(buf), 0), -ECONNREFUSED);
    /* a family of its own per datagram */
    struct synack_sockaddr_in6 m = sin6_mapped(V4_CLIENT, 4000);
    assert_int_equal(synack_sendto_from(p.st[1], ca, "x", 1, 0, SA(dst), dl, SA(m), sizeof(m)),
                     -EINVAL);
    /* a group, a link-local address: nobody's */
    uint8_t group[16] = {0xff, 0x0e, [15] = 5}, ll[16] = {0xfe, 0x80, [15] = 5};
    uint64_t addr_errors = ctr(&p, 1, SYNACK_CTR_Ip6InAddrErrors);
    n = udp6_pkt(f, A6[0], group, 4000, 53, "m", 1, 1);
    synack_input(p.st[1], p.now, f, n);
    n = udp6_pkt(f, A6[0], ll, 4000, 53, "l", 1, 1);
    synack_input(p.st[1], p.now, f, n);
    assert_int_equal(ctr(&p, 1, SYNACK_CTR_Ip6InAddrErrors), addr_errors + 2);
    /* nor any other protocol to a foreign address */
    n = udp6_pkt(f, A6[0], FAR6, 4000, 53, "t", 1, 1);
    f[6] = 6;
    synack_input(p.st[1], p.now, f, n);
    assert_int_equal(ctr(&p, 1, SYNACK_CTR_Ip6InAddrErrors), addr_errors + 3);
    assert_int_equal(synack_recv(p.st[1], ca, buf, sizeof(buf), 0), -EAGAIN);
    assert_int_equal(ctr(&p, 1, SYNACK_CTR_Udp6InDatagrams), 1);
    v6_free(&p);
}

/* One stack on Ethernet (02:00:00:00:00:02, fe80::ff:fe00:2), its frames captured. */
static ip6_frame eth_out[8];
static size_t eth_nout;

static int eth_capture(void *ctx, const uint8_t *f, size_t len)
{
    (void)ctx;
    if (eth_nout < 8) {
        eth_out[eth_nout].len = len < sizeof(eth_out[0].b) ? len : sizeof(eth_out[0].b);
        memcpy(eth_out[eth_nout].b, f, eth_out[eth_nout].len);
    }
    eth_nout++;
    return 0;
}

static size_t eth_wrap(uint8_t *buf, const uint8_t dst[6], const uint8_t src[6], const uint8_t *ip,
                       size_t n)
{
    eth_hdr eh = {.ethertype = ETHERTYPE_IPV6};
    memcpy(eh.dst, dst, 6);
    memcpy(eh.src, src, 6);
    assert_int_equal(eth_emit(buf, ETH_HDR_LEN, &eh), ETH_HDR_LEN);
    memcpy(buf + ETH_HDR_LEN, ip, n);
    return ETH_HDR_LEN + n;
}

/* A datagram from a link-local peer is answered from our link-local address (RFC 6724
 * rule 2), once Neighbor Discovery has found the peer. */
static void test_link_local_source(void **state)
{
    (void)state;
    static const uint8_t mac_us[6] = {2, 0, 0, 0, 0, 2}, mac_peer[6] = {2, 0, 0, 0, 0, 1};
    static const uint8_t ll_us[16] = {0xfe, 0x80, [11] = 0xff, [12] = 0xfe, [15] = 2};
    static const uint8_t ll_peer[16] = {0xfe, 0x80, [15] = 1};
    eth_nout = 0;
    synack_config c;
    synack_config_default(&c);
    synack_config_deterministic(&c, 11);
    c.netif.type = SYNACK_LINK_ETHERNET;
    memcpy(c.netif.mac, mac_us, 6);
    c.netif.addr = 0xc0000202u;
    c.netif.prefix_len = 24;
    memcpy(c.netif.addr6, A6[1], 16);
    c.netif.prefix6_len = 64;
    c.netif.output = eth_capture;
    c.dad_transmits = 0; /* our addresses usable at once: DAD is test_ipv6_dad's */
    c.mld_reports = 0;   /* and MLD test_ipv6_mld's */
    synack_stack *st = synack_stack_new(&c);
    assert_non_null(st);
    int s = synack_socket_domain(st, SYNACK_AF_INET6, SYNACK_SOCK_DGRAM);
    struct synack_sockaddr_in6 b = ip6_sin6(ANY6, 7);
    assert_int_equal(synack_bind(st, s, SA(b), sizeof(b)), 0);
    uint8_t ip[128], f[160];
    size_t n = udp6_pkt(ip, ll_peer, ll_us, 4000, 7, "ll?", 3, 1);
    size_t fl = eth_wrap(f, mac_us, mac_peer, ip, n);
    assert_int_equal(synack_input(st, 1000, f, fl), 0);
    char buf[8];
    struct synack_sockaddr_in6 src, dst;
    synack_socklen_t sl = sizeof(src), dl = sizeof(dst);
    assert_int_equal(synack_recvfrom_to(st, s, buf, sizeof(buf), 0, (struct sockaddr *)&src, &sl,
                                        (struct sockaddr *)&dst, &dl),
                     3);
    assert_memory_equal(src.sin6_addr.s6_bytes, ll_peer, 16);
    assert_memory_equal(dst.sin6_addr.s6_bytes, ll_us, 16);
    assert_int_equal(synack_sendto(st, s, "ll!", 3, 0, SA(src), sl), 3);
    /* the reply waits for the peer's MAC: a Neighbor Solicitation went first */
    assert_int_equal(eth_nout, 1);
    ipv6_addr peer, us;
    memcpy(peer.b, ll_peer, 16);
    memcpy(us.b, ll_us, 16);
    uint8_t l4[64];
    size_t m =
        nd_na_emit(l4, sizeof(l4), ND_NA_SOLICITED | ND_NA_OVERRIDE, &peer, mac_peer, &peer, &us);
    ipv6_hdr h = {.next = IP_PROTO_ICMPV6, .hop_limit = 255, .src = peer, .dst = us};
    assert_int_equal(ipv6_emit(ip, IPV6_HDR_LEN, &h, m), IPV6_HDR_LEN);
    memcpy(ip + IPV6_HDR_LEN, l4, m);
    fl = eth_wrap(f, mac_us, mac_peer, ip, IPV6_HDR_LEN + m);
    assert_int_equal(synack_input(st, 2000, f, fl), 0);
    assert_int_equal(eth_nout, 2);
    assert_memory_equal(eth_out[1].b, mac_peer, 6);
    ip6_frame r = {.len = eth_out[1].len - ETH_HDR_LEN};
    memcpy(r.b, eth_out[1].b + ETH_HDR_LEN, r.len);
    assert_int_equal(expect_udp6(&r, ll_us, ll_peer, 4000, "ll!", 3), 7);
    synack_stack_free(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_echo_exact),
        cmocka_unit_test(test_checksum_mandatory),
        cmocka_unit_test(test_rcvbuf),
        cmocka_unit_test(test_port_unreachable_refused),
        cmocka_unit_test(test_errors_limited_per_destination),
        cmocka_unit_test(test_dual_stack_and_v6only),
        cmocka_unit_test(test_api_errors),
        cmocka_unit_test(test_fragmented_at_source),
        cmocka_unit_test(test_packet_too_big_lowers_path_mtu),
        cmocka_unit_test(test_catch_all),
        cmocka_unit_test(test_link_local_source),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
