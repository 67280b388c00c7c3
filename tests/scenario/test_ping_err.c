/* SPDX-License-Identifier: MIT */
/* ICMP and ICMPv6 errors reaching echo ("ping") sockets, as Linux's ping_err: a router
 * (198.18.0.1 / 2001:db8:ffff::1, played by the test) answers an echo request of stack A
 * (192.0.2.1 / 2001:db8::1) with Destination Unreachable, Time Exceeded, Parameter Problem
 * or Packet Too Big quoting it. Without IP_RECVERR only a hard error about a connected
 * socket's peer becomes the pending error (next recv, once); with IP_RECVERR /
 * IPV6_RECVERR every error goes on the error queue with the offender and the quoted echo
 * header, and is the pending error until read. An error quoting another identifier
 * reaches nobody; a quote too short is counted InErrors. On Ethernet, a neighbor that
 * never answers (ARP, ND) is Host / Address Unreachable from ourselves. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "support/icmp_frames.h"
#include "support/ipv6_eth_rig.h"
#include "support/ipv6_link_rig.h"
#include "support/ref_csum.h"
#include "synack/link.h"
#include "synack/synack.h"
#include "wire/bytes.h"

#define DELAY 1000
#define V4_A 0xc0000201u   /* 192.0.2.1 */
#define V4_B 0xc0000202u   /* 192.0.2.2 */
#define V4_FAR 0xc0000209u /* 192.0.2.9 */
#define V4_RTR 0xc6120001u /* 198.18.0.1 */

static const uint8_t FAR6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9};
static const uint8_t RTR6[16] = {0x20, 0x01, 0x0d, 0xb8, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};

static ip6_tap tap;
typedef ip6_pair world;

/* The shared pair with this test's own IPv4 addresses, seed and gateways (A and B each the
 * other's): the exact frames the assertions expect depend on them. */
static void tweak(synack_config *c, int side, void *arg)
{
    (void)arg;
    synack_config_deterministic(c, 11 + (uint64_t)side);
    c->netif.addr = side ? V4_B : V4_A;
    c->netif.gateway = side ? V4_A : V4_B;
    memcpy(c->netif.gateway6, IP6_RIG_ADDR[!side], 16);
}

static void w_init(world *w)
{
    memset(w, 0, sizeof(*w));
    ip6_pair_init(&w->link, w->st, &tap, IP6_TAP_MAX, tweak, NULL);
    w->now = 1000000;
}

static void w_free(world *w)
{
    ip6_pair_free(w->link, w->st);
}

static void run(world *w)
{
    w->now = synack_memlink_run(w->link, w->now, w->now + (uint64_t)3 * DELAY);
}

static uint64_t ctr(synack_stack *st, synack_counter c)
{
    return synack_counter_get(st, c);
}

#define SA(x) ((const struct sockaddr *)&(x))

/* An IPv4 ICMP error from the router to A quoting q (qlen bytes of our packet). */
static size_t err4(uint8_t *f, uint8_t type, uint8_t code, uint32_t rest, const uint8_t *q,
                   size_t qlen)
{
    return icmp4_error_packet(f, V4_RTR, V4_A, type, code, rest, q, qlen);
}

/* The same over IPv6. */
static size_t err6(uint8_t *f, uint8_t type, uint8_t code, uint32_t rest, const uint8_t *q,
                   size_t qlen)
{
    return icmp6_error_packet(f, RTR6, IP6_RIG_ADDR[0], type, code, rest, q, qlen);
}

static size_t echo_msg(uint8_t *m, uint8_t type, uint16_t seq, size_t dlen)
{
    memset(m, 0, 8 + dlen);
    m[0] = type;
    wr16(m + 6, seq);
    memset(m + 8, 'p', dlen);
    return 8 + dlen;
}

static int ping_socket(synack_stack *st, int v6, uint16_t id)
{
    int s = synack_socket_proto(st, v6 ? SYNACK_AF_INET6 : SYNACK_AF_INET, SYNACK_SOCK_DGRAM,
                                v6 ? SYNACK_IPPROTO_ICMPV6 : SYNACK_IPPROTO_ICMP);
    assert_true(s >= 0);
    if (v6) {
        struct synack_sockaddr_in6 me = ip6_sin6((const uint8_t[16]){0}, id);
        assert_int_equal(synack_bind(st, s, SA(me), sizeof(me)), 0);
    } else {
        struct synack_sockaddr_in me = ip6_sin4(0, id);
        assert_int_equal(synack_bind(st, s, SA(me), sizeof(me)), 0);
    }
    return s;
}

/* Sends echo request seq to the far address; returns the captured packet (exact). */
static const ip6_frame *send_echo(world *w, int s, int v6, uint16_t id, uint16_t seq)
{
    uint8_t req[64];
    size_t n = echo_msg(req, v6 ? 128 : 8, seq, 8);
    size_t before = tap.n;
    if (v6) {
        struct synack_sockaddr_in6 to = ip6_sin6(FAR6, 0);
        assert_int_equal(synack_sendto(w->st[0], s, req, n, 0, SA(to), sizeof(to)), (long)n);
    } else {
        struct synack_sockaddr_in to = ip6_sin4(V4_FAR, 0);
        assert_int_equal(synack_sendto(w->st[0], s, req, n, 0, SA(to), sizeof(to)), (long)n);
    }
    run(w);
    assert_int_equal(tap.n, before + 1);
    const ip6_frame *f = &tap.f[before];
    assert_int_equal(f->to, 1);
    size_t hl = v6 ? 40 : 20;
    assert_int_equal(f->len, hl + n);
    assert_int_equal(f->b[0], v6 ? 0x60 : 0x45);
    if (v6) {
        assert_int_equal(f->b[6], 58);
        assert_memory_equal(f->b + 8, IP6_RIG_ADDR[0], 16);
        assert_memory_equal(f->b + 24, FAR6, 16);
    } else {
        assert_int_equal(f->b[9], 1);
        assert_int_equal(rd32(f->b + 12), V4_A);
        assert_int_equal(rd32(f->b + 16), V4_FAR);
    }
    assert_int_equal(f->b[hl], v6 ? 128 : 8);
    assert_int_equal(rd16(f->b + hl + 4), id);
    assert_int_equal(rd16(f->b + hl + 6), seq);
    return f;
}

static long recv1(world *w, int s)
{
    uint8_t buf[64];
    return synack_recv(w->st[0], s, buf, sizeof(buf), 0);
}

static int so_error(synack_stack *st, int s)
{
    int e = -1;
    synack_socklen_t l = sizeof(e);
    assert_int_equal(synack_getsockopt(st, s, SYNACK_SOL_SOCKET, SYNACK_SO_ERROR, &e, &l), 0);
    return e;
}

static void inject(world *w, const uint8_t *f, size_t n)
{
    assert_int_equal(synack_input(w->st[0], w->now, f, n), 0);
}

/* A quote as routers send it: the request's IP header and the first 8 bytes after it. */
#define Q4(req) (req)->b, 28
#define Q6(req) (req)->b, 48

static void test_pending_error_v4(void **state)
{
    (void)state;
    world w;
    w_init(&w);
    int s = ping_socket(w.st[0], 0, 0x1234);
    const ip6_frame *req = send_echo(&w, s, 0, 0x1234, 1);
    uint8_t f[256];

    /* unconnected: Linux reports nothing without IP_RECVERR, hard or soft */
    inject(&w, f, err4(f, 3, 1, 0, Q4(req)));
    inject(&w, f, err4(f, 3, 3, 0, Q4(req)));
    inject(&w, f, err4(f, 11, 0, 0, Q4(req)));
    assert_int_equal(recv1(&w, s), -EAGAIN);
    assert_int_equal(so_error(w.st[0], s), 0);
    assert_int_equal(ctr(w.st[0], SYNACK_CTR_InDestUnreachs), 2);

    /* connected to the far end: a hard error is the pending error, reported once */
    struct synack_sockaddr_in far = ip6_sin4(V4_FAR, 0);
    assert_int_equal(synack_connect(w.st[0], s, SA(far), sizeof(far)), 0);
    inject(&w, f, err4(f, 3, 3, 0, Q4(req)));
    assert_int_equal(recv1(&w, s), -ECONNREFUSED);
    assert_int_equal(recv1(&w, s), -EAGAIN);
    inject(&w, f, err4(f, 12, 0, 0x14000000u, Q4(req))); /* Parameter Problem: hard EPROTO */
    assert_int_equal(recv1(&w, s), -EPROTO);
    assert_int_equal(recv1(&w, s), -EAGAIN);
    inject(&w, f, err4(f, 3, 4, 576, Q4(req))); /* DF too big: EMSGSIZE unless PMTUDISC_DONT */
    assert_int_equal(so_error(w.st[0], s), EMSGSIZE);
    assert_int_equal(so_error(w.st[0], s), 0);
    /* soft errors stay soft */
    inject(&w, f, err4(f, 3, 1, 0, Q4(req)));
    inject(&w, f, err4(f, 11, 0, 0, Q4(req)));
    assert_int_equal(recv1(&w, s), -EAGAIN);

    /* another identifier is another socket's request: nobody's here */
    uint8_t other[28];
    memcpy(other, req->b, 28);
    wr16(other + 24, 0x1235);
    inject(&w, f, err4(f, 3, 3, 0, other, sizeof(other)));
    assert_int_equal(recv1(&w, s), -EAGAIN);
    /* a quote that stops inside the echo header is malformed */
    uint64_t inerrs = ctr(w.st[0], SYNACK_CTR_InErrs);
    inject(&w, f, err4(f, 3, 3, 0, req->b, 24));
    assert_int_equal(ctr(w.st[0], SYNACK_CTR_InErrs), inerrs + 1);
    assert_int_equal(recv1(&w, s), -EAGAIN);
    /* and the socket still works: its sends were never blocked by a reported error */
    assert_int_equal(ctr(w.st[0], SYNACK_CTR_OutEchos), 1);
    w_free(&w);
}

static void want_rec(world *w, int s, uint32_t err, uint8_t origin, uint8_t type, uint8_t code,
                     uint32_t info, const uint8_t *echo)
{
    synack_sock_err r;
    assert_int_equal(synack_recv_errqueue(w->st[0], s, &r), 0);
    assert_int_equal(r.ee_errno, err);
    assert_int_equal(r.ee_origin, origin);
    assert_int_equal(r.ee_type, type);
    assert_int_equal(r.ee_code, code);
    assert_int_equal(r.ee_info, info);
    assert_int_equal(r.ee_data, 0);
    assert_memory_equal(r.quote, echo, 8);
    if (origin == SYNACK_SO_EE_ORIGIN_ICMP) {
        assert_int_equal(r.offender.sin.sin_family, SYNACK_AF_INET);
        assert_int_equal(rd32((const uint8_t *)&r.offender.sin.sin_addr.s_addr), V4_RTR);
    } else {
        assert_int_equal(r.offender.sin6.sin6_family, SYNACK_AF_INET6);
        assert_memory_equal(r.offender.sin6.sin6_addr.s6_bytes, RTR6, 16);
    }
}

static void test_recverr_v4(void **state)
{
    (void)state;
    world w;
    w_init(&w);
    int s = ping_socket(w.st[0], 0, 0x4321);
    int one = 1, v = 0;
    synack_socklen_t vl = sizeof(v);
    assert_int_equal(
        synack_setsockopt(w.st[0], s, SYNACK_IPPROTO_IP, SYNACK_IP_RECVERR, &one, sizeof(one)), 0);
    assert_int_equal(synack_getsockopt(w.st[0], s, SYNACK_IPPROTO_IP, SYNACK_IP_RECVERR, &v, &vl),
                     0);
    assert_int_equal(v, 1);
    const ip6_frame *req = send_echo(&w, s, 0, 0x4321, 5);
    uint8_t f[256];

    /* soft and unconnected alike: queued, and pending until recv reports it */
    inject(&w, f, err4(f, 3, 1, 0, Q4(req)));
    synack_pollfd pf = {.sock = s, .events = SYNACK_POLLIN};
    assert_int_equal(synack_sock_poll(w.st[0], &pf, 1), 1);
    assert_int_equal(pf.revents, SYNACK_POLLERR);
    assert_int_equal(recv1(&w, s), -EHOSTUNREACH);
    assert_int_equal(recv1(&w, s), -EAGAIN);
    want_rec(&w, s, EHOSTUNREACH, SYNACK_SO_EE_ORIGIN_ICMP, 3, 1, 0, req->b + 20);
    synack_sock_err r;
    assert_int_equal(synack_recv_errqueue(w.st[0], s, &r), -EAGAIN);

    /* reading the queue moves the pending error on: to the next ICMP record's, then none */
    inject(&w, f, err4(f, 11, 0, 0, Q4(req)));
    inject(&w, f, err4(f, 12, 0, 0x14000000u, Q4(req))); /* ee_info: the pointer */
    inject(&w, f, err4(f, 3, 4, 1400, Q4(req)));
    want_rec(&w, s, EHOSTUNREACH, SYNACK_SO_EE_ORIGIN_ICMP, 11, 0, 0, req->b + 20);
    assert_int_equal(so_error(w.st[0], s), EPROTO);
    want_rec(&w, s, EPROTO, SYNACK_SO_EE_ORIGIN_ICMP, 12, 0, 20, req->b + 20);
    want_rec(&w, s, EMSGSIZE, SYNACK_SO_EE_ORIGIN_ICMP, 3, 4, 1400, req->b + 20);
    assert_int_equal(recv1(&w, s), -EAGAIN);

    /* another identifier: nothing queued */
    uint8_t other[28];
    memcpy(other, req->b, 28);
    wr16(other + 24, 0x4320);
    inject(&w, f, err4(f, 3, 1, 0, other, sizeof(other)));
    assert_int_equal(synack_recv_errqueue(w.st[0], s, &r), -EAGAIN);
    assert_int_equal(recv1(&w, s), -EAGAIN);

    /* UDP sockets take the option too (test_udp_err.c); TCP ones do not */
    int u = synack_socket(w.st[0], SYNACK_SOCK_DGRAM);
    assert_int_equal(
        synack_setsockopt(w.st[0], u, SYNACK_IPPROTO_IP, SYNACK_IP_RECVERR, &one, sizeof(one)), 0);
    int t = synack_socket(w.st[0], SYNACK_SOCK_STREAM);
    assert_int_equal(
        synack_setsockopt(w.st[0], t, SYNACK_IPPROTO_IP, SYNACK_IP_RECVERR, &one, sizeof(one)),
        -ENOPROTOOPT);
    w_free(&w);
}

static void test_v6(void **state)
{
    (void)state;
    world w;
    w_init(&w);
    int s = ping_socket(w.st[0], 1, 0x0606);
    const ip6_frame *req = send_echo(&w, s, 1, 0x0606, 9);
    uint8_t f[256];

    /* without IPV6_RECVERR, unconnected: nothing */
    inject(&w, f, err6(f, 1, 3, 0, Q6(req)));
    inject(&w, f, err6(f, 1, 4, 0, Q6(req)));
    assert_int_equal(recv1(&w, s), -EAGAIN);
    struct synack_sockaddr_in6 far = ip6_sin6(FAR6, 0);
    assert_int_equal(synack_connect(w.st[0], s, SA(far), sizeof(far)), 0);
    inject(&w, f, err6(f, 1, 4, 0, Q6(req))); /* port unreachable: hard */
    assert_int_equal(recv1(&w, s), -ECONNREFUSED);
    assert_int_equal(recv1(&w, s), -EAGAIN);
    inject(&w, f, err6(f, 3, 0, 0, Q6(req))); /* hop limit: soft */
    assert_int_equal(recv1(&w, s), -EAGAIN);

    int one = 1;
    assert_int_equal(
        synack_setsockopt(w.st[0], s, SYNACK_IPPROTO_IPV6, SYNACK_IPV6_RECVERR, &one, sizeof(one)),
        0);
    inject(&w, f, err6(f, 1, 3, 0, Q6(req)));
    assert_int_equal(recv1(&w, s), -EHOSTUNREACH);
    want_rec(&w, s, EHOSTUNREACH, SYNACK_SO_EE_ORIGIN_ICMP6, 1, 3, 0, req->b + 40);
    inject(&w, f, err6(f, 3, 0, 0, Q6(req)));
    want_rec(&w, s, EHOSTUNREACH, SYNACK_SO_EE_ORIGIN_ICMP6, 3, 0, 0, req->b + 40);
    inject(&w, f, err6(f, 4, 1, 40, Q6(req)));
    want_rec(&w, s, EPROTO, SYNACK_SO_EE_ORIGIN_ICMP6, 4, 1, 40, req->b + 40);
    inject(&w, f, err6(f, 2, 0, 1280, Q6(req)));
    assert_int_equal(so_error(w.st[0], s), EMSGSIZE);
    want_rec(&w, s, EMSGSIZE, SYNACK_SO_EE_ORIGIN_ICMP6, 2, 0, 1280, req->b + 40);
    assert_int_equal(ctr(w.st[0], SYNACK_CTR_Icmp6InPktTooBigs), 1);

    /* the Packet Too Big lowered the path MTU: a 1300-byte request now leaves in fragments */
    uint8_t big[1300];
    size_t n = echo_msg(big, 128, 10, 1292);
    size_t before = tap.n;
    assert_int_equal(synack_send(w.st[0], s, big, n, 0), (long)n);
    run(&w);
    assert_int_equal(tap.n, before + 2);
    assert_int_equal(tap.f[before].b[6], 44); /* a Fragment header */
    assert_true(tap.f[before].len <= 1280);

    /* another identifier, and a quote too short for the echo header */
    uint8_t other[48];
    memcpy(other, req->b, 48);
    wr16(other + 44, 0x0607);
    inject(&w, f, err6(f, 1, 3, 0, other, sizeof(other)));
    synack_sock_err r;
    assert_int_equal(synack_recv_errqueue(w.st[0], s, &r), -EAGAIN);
    uint64_t inerr = ctr(w.st[0], SYNACK_CTR_Icmp6InErrors);
    inject(&w, f, err6(f, 1, 3, 0, req->b, 44));
    assert_int_equal(ctr(w.st[0], SYNACK_CTR_Icmp6InErrors), inerr + 1);
    assert_int_equal(synack_recv_errqueue(w.st[0], s, &r), -EAGAIN);
    assert_int_equal(recv1(&w, s), -EAGAIN);
    w_free(&w);
}

/* --- on Ethernet: the neighbor never answers --- */

static const uint8_t MAC_US[6] = {0x02, 0, 0, 0, 0, 0x02};
static const uint8_t US6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2};
static const uint8_t GONE6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9};
static eth6_cap cap;

static void test_link_failure(void **state)
{
    (void)state;
    synack_config c;
    synack_config_default(&c);
    eth6_config(&c, &cap, MAC_US, US6);
    c.dad_transmits = 0;
    c.mld_reports = 0;
    synack_stack *st = synack_stack_new(&c);
    assert_non_null(st);
    assert_int_equal(synack_poll(st, 1), 0);
    int s4 = ping_socket(st, 0, 7), s6 = ping_socket(st, 1, 8), quiet = ping_socket(st, 0, 9);
    int one = 1;
    assert_int_equal(
        synack_setsockopt(st, s4, SYNACK_IPPROTO_IP, SYNACK_IP_RECVERR, &one, sizeof(one)), 0);
    assert_int_equal(
        synack_setsockopt(st, s6, SYNACK_IPPROTO_IPV6, SYNACK_IPV6_RECVERR, &one, sizeof(one)), 0);
    uint8_t req[16];
    size_t n = echo_msg(req, 8, 1, 8);
    struct synack_sockaddr_in to = ip6_sin4(V4_FAR, 0);
    assert_int_equal(synack_sendto(st, s4, req, n, 0, SA(to), sizeof(to)), (long)n);
    assert_int_equal(synack_sendto(st, quiet, req, n, 0, SA(to), sizeof(to)), (long)n);
    n = echo_msg(req, 128, 2, 8);
    struct synack_sockaddr_in6 to6 = ip6_sin6(GONE6, 0);
    assert_int_equal(synack_sendto(st, s6, req, n, 0, SA(to6), sizeof(to6)), (long)n);
    for (uint64_t t = 100000; t < 2900000; t += 100000)
        assert_int_equal(synack_poll(st, t), 0);
    synack_sock_err r;
    assert_int_equal(synack_recv_errqueue(st, s4, &r), -EAGAIN);
    assert_int_equal(synack_recv_errqueue(st, s6, &r), -EAGAIN);
    for (uint64_t t = 2900000; t < 4000000; t += 100000)
        assert_int_equal(synack_poll(st, t), 0);

    /* ARP gave up: Host Unreachable from our own address, as Linux sends itself one */
    assert_int_equal(synack_recv_errqueue(st, s4, &r), 0);
    assert_int_equal(r.ee_errno, EHOSTUNREACH);
    assert_int_equal(r.ee_origin, SYNACK_SO_EE_ORIGIN_ICMP);
    assert_int_equal(r.ee_type, 3);
    assert_int_equal(r.ee_code, 1);
    assert_int_equal(r.offender.sin.sin_family, SYNACK_AF_INET);
    assert_int_equal(rd32((const uint8_t *)&r.offender.sin.sin_addr.s_addr), V4_B);
    assert_int_equal(r.quote[0], 8);
    assert_int_equal(rd16(r.quote + 4), 7);
    assert_int_equal(rd16(r.quote + 6), 1);
    /* ND gave up: Address Unreachable (RFC 4861 7.2.2), from our own address */
    assert_int_equal(synack_recv_errqueue(st, s6, &r), 0);
    assert_int_equal(r.ee_errno, EHOSTUNREACH);
    assert_int_equal(r.ee_origin, SYNACK_SO_EE_ORIGIN_ICMP6);
    assert_int_equal(r.ee_type, 1);
    assert_int_equal(r.ee_code, 3);
    assert_int_equal(r.offender.sin6.sin6_family, SYNACK_AF_INET6);
    assert_memory_equal(r.offender.sin6.sin6_addr.s6_bytes, US6, 16);
    assert_int_equal(rd16(r.quote + 4), 8);
    assert_int_equal(rd16(r.quote + 6), 2);
    /* without IP_RECVERR a soft error about an unconnected socket is not reported */
    uint8_t buf[32];
    assert_int_equal(synack_recv(st, quiet, buf, sizeof(buf), 0), -EAGAIN);
    assert_int_equal(synack_recv(st, s4, buf, sizeof(buf), 0), -EAGAIN); /* read: cleared */
    assert_int_equal(synack_counter_get(st, SYNACK_CTR_ArpDrops), 2);
    assert_int_equal(synack_counter_get(st, SYNACK_CTR_Ip6OutDiscards), 1);
    synack_stack_free(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pending_error_v4),
        cmocka_unit_test(test_recverr_v4),
        cmocka_unit_test(test_v6),
        cmocka_unit_test(test_link_failure),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
