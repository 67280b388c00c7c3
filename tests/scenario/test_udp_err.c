/* SPDX-License-Identifier: MIT */
/* ICMP and ICMPv6 errors reaching UDP sockets, as Linux's __udp4_lib_err / __udp6_lib_err:
 * a router (198.18.0.1 / 2001:db8:ffff::1, played by the test) answers a datagram stack A
 * (192.0.2.1 / 2001:db8::1, port 5000) sent to a far host's port 7 with Destination
 * Unreachable, Time Exceeded, Parameter Problem, Fragmentation Needed or Packet Too Big
 * quoting it. Without IP_RECVERR only a hard error on a connected socket becomes the
 * pending error (next send or recv, once); with IP_RECVERR / IPV6_RECVERR every error is
 * queued with the offender and the datagram's first payload bytes, and is pending until
 * read. The queue is bounded; an error a full queue cannot take is counted. On Ethernet,
 * a neighbour that never answers is Host / Address Unreachable from ourselves. */
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
#define PORT 5000
#define FAR_PORT 7

static const uint8_t FAR6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9};
static const uint8_t RTR6[16] = {0x20, 0x01, 0x0d, 0xb8, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
static const uint8_t PAYLOAD[12] = "datagram-one";

static ip6_tap tap;
typedef ip6_pair world;

static void tweak(synack_config *c, int side, void *arg)
{
    (void)arg;
    synack_config_deterministic(c, 21 + (uint64_t)side);
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

static void run(world *w)
{
    w->now = synack_memlink_run(w->link, w->now, w->now + (uint64_t)3 * DELAY);
}

#define SA(x) ((const struct sockaddr *)&(x))

/* An ICMP error from the router to A quoting q (qlen bytes of our packet). */
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

/* A UDP datagram from the far host's port 7 to A's port 5000 (IPv4, no checksum). */
static size_t reply4(uint8_t *f, const char *data, size_t n)
{
    memset(f, 0, 28);
    f[0] = 0x45;
    wr16(f + 2, (uint16_t)(28 + n));
    f[8] = 64;
    f[9] = 17;
    wr32(f + 12, V4_FAR);
    wr32(f + 16, V4_A);
    wr16(f + 10, ref_fold(ref_sum16(0, f, 20)));
    wr16(f + 20, FAR_PORT);
    wr16(f + 22, PORT);
    wr16(f + 24, (uint16_t)(8 + n));
    memcpy(f + 28, data, n);
    return 28 + n;
}

static int udp_socket_at(synack_stack *st, int v6, uint16_t port)
{
    int s = synack_socket_proto(st, v6 ? SYNACK_AF_INET6 : SYNACK_AF_INET, SYNACK_SOCK_DGRAM, 0);
    assert_true(s >= 0);
    if (v6) {
        struct synack_sockaddr_in6 me = ip6_sin6((const uint8_t[16]){0}, port);
        assert_int_equal(synack_bind(st, s, SA(me), sizeof(me)), 0);
    } else {
        struct synack_sockaddr_in me = ip6_sin4(0, port);
        assert_int_equal(synack_bind(st, s, SA(me), sizeof(me)), 0);
    }
    return s;
}

static int udp_socket(synack_stack *st, int v6)
{
    return udp_socket_at(st, v6, PORT);
}

static void set_recverr(synack_stack *st, int s, int v6)
{
    int one = 1, v = 0;
    synack_socklen_t vl = sizeof(v);
    int level = v6 ? SYNACK_IPPROTO_IPV6 : SYNACK_IPPROTO_IP;
    int name = v6 ? SYNACK_IPV6_RECVERR : SYNACK_IP_RECVERR;
    assert_int_equal(synack_setsockopt(st, s, level, name, &one, sizeof(one)), 0);
    assert_int_equal(synack_getsockopt(st, s, level, name, &v, &vl), 0);
    assert_int_equal(v, 1);
}

static void far_connect(world *w, int s, int v6)
{
    if (v6) {
        struct synack_sockaddr_in6 far = ip6_sin6(FAR6, FAR_PORT);
        assert_int_equal(synack_connect(w->st[0], s, SA(far), sizeof(far)), 0);
    } else {
        struct synack_sockaddr_in far = ip6_sin4(V4_FAR, FAR_PORT);
        assert_int_equal(synack_connect(w->st[0], s, SA(far), sizeof(far)), 0);
    }
}

/* Sends PAYLOAD to the far host's port 7; returns the captured packet (exact). */
static const ip6_frame *send_dgram(world *w, int s, int v6)
{
    size_t before = tap.n;
    long rc;
    if (v6) {
        struct synack_sockaddr_in6 to = ip6_sin6(FAR6, FAR_PORT);
        rc = synack_sendto(w->st[0], s, PAYLOAD, sizeof(PAYLOAD), 0, SA(to), sizeof(to));
    } else {
        struct synack_sockaddr_in to = ip6_sin4(V4_FAR, FAR_PORT);
        rc = synack_sendto(w->st[0], s, PAYLOAD, sizeof(PAYLOAD), 0, SA(to), sizeof(to));
    }
    assert_int_equal(rc, (long)sizeof(PAYLOAD));
    run(w);
    assert_int_equal(tap.n, before + 1);
    const ip6_frame *f = &tap.f[before];
    assert_int_equal(f->to, 1);
    size_t hl = v6 ? 40 : 20;
    assert_int_equal(f->len, hl + 8 + sizeof(PAYLOAD));
    if (v6) {
        assert_int_equal(f->b[6], 17);
        assert_memory_equal(f->b + 8, IP6_RIG_ADDR[0], 16);
        assert_memory_equal(f->b + 24, FAR6, 16);
    } else {
        assert_int_equal(f->b[9], 17);
        assert_int_equal(rd32(f->b + 12), V4_A);
        assert_int_equal(rd32(f->b + 16), V4_FAR);
    }
    assert_int_equal(rd16(f->b + hl), PORT);
    assert_int_equal(rd16(f->b + hl + 2), FAR_PORT);
    assert_memory_equal(f->b + hl + 8, PAYLOAD, sizeof(PAYLOAD));
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

static short revents(synack_stack *st, int s)
{
    synack_pollfd pf = {.sock = s, .events = SYNACK_POLLIN};
    assert_true(synack_sock_poll(st, &pf, 1) >= 0);
    return pf.revents;
}

/* A quote as routers send it: the datagram's IP header and its UDP header. */
#define Q4(d) (d)->b, 28
#define Q6(d) (d)->b, 48

static void want_rec(synack_stack *st, int s, uint32_t err, uint8_t origin, uint8_t type,
                     uint8_t code, uint32_t info, const uint8_t quote[8])
{
    synack_sock_err r;
    assert_int_equal(synack_recv_errqueue(st, s, &r), 0);
    assert_int_equal(r.ee_errno, err);
    assert_int_equal(r.ee_origin, origin);
    assert_int_equal(r.ee_type, type);
    assert_int_equal(r.ee_code, code);
    assert_int_equal(r.ee_info, info);
    assert_int_equal(r.ee_data, 0);
    assert_memory_equal(r.quote, quote, 8);
    if (origin == SYNACK_SO_EE_ORIGIN_ICMP) {
        assert_int_equal(r.offender.sin.sin_family, SYNACK_AF_INET);
        assert_int_equal(rd32((const uint8_t *)&r.offender.sin.sin_addr.s_addr), V4_RTR);
    } else {
        assert_int_equal(r.offender.sin6.sin6_family, SYNACK_AF_INET6);
        assert_memory_equal(r.offender.sin6.sin6_addr.s6_bytes, RTR6, 16);
    }
}

static const uint8_t ZERO8[8];

static void test_pending_error_v4(void **state)
{
    (void)state;
    world w;
    w_init(&w);
    int s = udp_socket(w.st[0], 0);
    const ip6_frame *d = send_dgram(&w, s, 0);
    uint8_t f[1600];

    /* unconnected: nothing without IP_RECVERR, hard or soft */
    inject(&w, f, err4(f, 3, 3, 0, Q4(d)));
    inject(&w, f, err4(f, 3, 1, 0, Q4(d)));
    inject(&w, f, err4(f, 12, 0, 0x14000000u, Q4(d)));
    assert_int_equal(recv1(&w, s), -EAGAIN);
    assert_int_equal(so_error(w.st[0], s), 0);
    assert_int_equal(revents(w.st[0], s), 0);

    /* connected: a port unreachable is the pending error, reported once, then data flows */
    far_connect(&w, s, 0);
    inject(&w, f, err4(f, 3, 3, 0, Q4(d)));
    assert_int_equal(revents(w.st[0], s), SYNACK_POLLERR);
    inject(&w, f, reply4(f, "pong", 4));
    assert_int_equal(recv1(&w, s), -ECONNREFUSED);
    char buf[16];
    assert_int_equal(synack_recv(w.st[0], s, buf, sizeof(buf), 0), 4);
    assert_memory_equal(buf, "pong", 4);
    assert_int_equal(recv1(&w, s), -EAGAIN);
    /* the next send reports it too (Linux's sock_error), then sends again */
    inject(&w, f, err4(f, 3, 3, 0, Q4(d)));
    assert_int_equal(synack_send(w.st[0], s, PAYLOAD, sizeof(PAYLOAD), 0), -ECONNREFUSED);
    d = send_dgram(&w, s, 0);
    /* Parameter Problem: hard EPROTO; soft errors stay soft */
    inject(&w, f, err4(f, 12, 0, 0x14000000u, Q4(d)));
    assert_int_equal(recv1(&w, s), -EPROTO);
    inject(&w, f, err4(f, 3, 1, 0, Q4(d)));
    inject(&w, f, err4(f, 11, 0, 0, Q4(d)));
    assert_int_equal(recv1(&w, s), -EAGAIN);
    /* another local port is another socket's datagram: nobody's here */
    uint8_t other[28];
    memcpy(other, d->b, 28);
    wr16(other + 20, PORT + 1);
    inject(&w, f, err4(f, 3, 3, 0, other, sizeof(other)));
    assert_int_equal(recv1(&w, s), -EAGAIN);

    /* Fragmentation Needed: hard EMSGSIZE, and the path MTU comes down to 1000 */
    inject(&w, f, err4(f, 3, 4, 1000, Q4(d)));
    assert_int_equal(so_error(w.st[0], s), EMSGSIZE);
    assert_int_equal(so_error(w.st[0], s), 0);
    uint8_t big[1200];
    memset(big, 'b', sizeof(big));
    size_t before = tap.n;
    assert_int_equal(synack_send(w.st[0], s, big, sizeof(big), 0), (long)sizeof(big));
    run(&w);
    assert_int_equal(tap.n, before + 2);
    assert_int_equal(tap.f[before].len, 996); /* 20 + 976: eight-byte fragment units */
    assert_int_equal(rd16(tap.f[before].b + 6), 0x2000);
    /* with IP_PMTUDISC_DONT the datagram may be fragmented: no error, only the MTU */
    int dont = SYNACK_IP_PMTUDISC_DONT;
    assert_int_equal(synack_setsockopt(w.st[0], s, SYNACK_IPPROTO_IP, SYNACK_IP_MTU_DISCOVER, &dont,
                                       sizeof(dont)),
                     0);
    inject(&w, f, err4(f, 3, 4, 800, Q4(d)));
    assert_int_equal(so_error(w.st[0], s), 0);
    ip6_pair_free(w.link, w.st);
}

static void test_recverr_v4(void **state)
{
    (void)state;
    world w;
    w_init(&w);
    int s = udp_socket(w.st[0], 0);
    set_recverr(w.st[0], s, 0);
    const ip6_frame *d = send_dgram(&w, s, 0);
    uint8_t f[256];

    /* unconnected and soft alike: queued with the payload's first bytes, and pending */
    inject(&w, f, err4(f, 3, 3, 0, Q4(d)));
    assert_int_equal(revents(w.st[0], s), SYNACK_POLLERR);
    assert_int_equal(recv1(&w, s), -ECONNREFUSED);
    assert_int_equal(recv1(&w, s), -EAGAIN);
    want_rec(w.st[0], s, ECONNREFUSED, SYNACK_SO_EE_ORIGIN_ICMP, 3, 3, 0, ZERO8);
    /* a router that quotes more: the payload after the UDP header */
    inject(&w, f, err4(f, 3, 1, 0, d->b, d->len));
    inject(&w, f, err4(f, 11, 0, 0, d->b, 31));               /* three payload bytes */
    inject(&w, f, err4(f, 12, 0, 0x14000000u, d->b, d->len)); /* ee_info: the pointer */
    inject(&w, f, err4(f, 3, 4, 1400, d->b, d->len));
    assert_int_equal(revents(w.st[0], s), SYNACK_POLLERR);
    want_rec(w.st[0], s, EHOSTUNREACH, SYNACK_SO_EE_ORIGIN_ICMP, 3, 1, 0, PAYLOAD);
    want_rec(w.st[0], s, EHOSTUNREACH, SYNACK_SO_EE_ORIGIN_ICMP, 11, 0, 0,
             (const uint8_t *)"dat\0\0\0\0\0");
    /* reading the queue moves the pending error on to the next record's */
    assert_int_equal(so_error(w.st[0], s), EPROTO);
    want_rec(w.st[0], s, EPROTO, SYNACK_SO_EE_ORIGIN_ICMP, 12, 0, 20, PAYLOAD);
    want_rec(w.st[0], s, EMSGSIZE, SYNACK_SO_EE_ORIGIN_ICMP, 3, 4, 1400, PAYLOAD);
    assert_int_equal(recv1(&w, s), -EAGAIN);
    assert_int_equal(revents(w.st[0], s), 0);
    synack_sock_err r;
    assert_int_equal(synack_recv_errqueue(w.st[0], s, &r), -EAGAIN);
    ip6_pair_free(w.link, w.st);
}

static void test_v6(void **state)
{
    (void)state;
    world w;
    w_init(&w);
    int s = udp_socket(w.st[0], 1);
    const ip6_frame *d = send_dgram(&w, s, 1);
    uint8_t f[256];

    /* without IPV6_RECVERR, unconnected: nothing */
    inject(&w, f, err6(f, 1, 4, 0, Q6(d)));
    inject(&w, f, err6(f, 2, 0, 1280, Q6(d)));
    assert_int_equal(recv1(&w, s), -EAGAIN);
    far_connect(&w, s, 1);
    inject(&w, f, err6(f, 1, 4, 0, Q6(d))); /* port unreachable: hard */
    assert_int_equal(recv1(&w, s), -ECONNREFUSED);
    assert_int_equal(recv1(&w, s), -EAGAIN);
    inject(&w, f, err6(f, 3, 0, 0, Q6(d))); /* hop limit: soft */
    inject(&w, f, err6(f, 1, 3, 0, Q6(d))); /* address unreachable: soft */
    assert_int_equal(recv1(&w, s), -EAGAIN);
    inject(&w, f, err6(f, 4, 1, 40, Q6(d))); /* Parameter Problem: hard EPROTO */
    assert_int_equal(recv1(&w, s), -EPROTO);
    inject(&w, f, err6(f, 2, 0, 1300, Q6(d))); /* Packet Too Big: hard for UDP */
    assert_int_equal(so_error(w.st[0], s), EMSGSIZE);

    set_recverr(w.st[0], s, 1);
    inject(&w, f, err6(f, 1, 3, 0, d->b, d->len));
    assert_int_equal(revents(w.st[0], s), SYNACK_POLLERR);
    assert_int_equal(recv1(&w, s), -EHOSTUNREACH);
    want_rec(w.st[0], s, EHOSTUNREACH, SYNACK_SO_EE_ORIGIN_ICMP6, 1, 3, 0, PAYLOAD);
    inject(&w, f, err6(f, 1, 4, 0, Q6(d)));
    want_rec(w.st[0], s, ECONNREFUSED, SYNACK_SO_EE_ORIGIN_ICMP6, 1, 4, 0, ZERO8);
    inject(&w, f, err6(f, 2, 0, 1280, d->b, d->len));
    assert_int_equal(so_error(w.st[0], s), EMSGSIZE);
    want_rec(w.st[0], s, EMSGSIZE, SYNACK_SO_EE_ORIGIN_ICMP6, 2, 0, 1280, PAYLOAD);
    assert_int_equal(synack_counter_get(w.st[0], SYNACK_CTR_Icmp6InPktTooBigs), 3);

    /* the path MTU is 1280 now: a 1300-byte datagram leaves in fragments */
    uint8_t big[1300];
    memset(big, 'b', sizeof(big));
    size_t before = tap.n;
    assert_int_equal(synack_send(w.st[0], s, big, sizeof(big), 0), (long)sizeof(big));
    run(&w);
    assert_int_equal(tap.n, before + 2);
    assert_int_equal(tap.f[before].b[6], 44); /* a Fragment header */
    assert_int_equal(tap.f[before].len, 1280);

    /* another remote port is not this connected socket's association */
    uint8_t other[48];
    memcpy(other, d->b, 48);
    wr16(other + 42, FAR_PORT + 1);
    inject(&w, f, err6(f, 1, 4, 0, other, sizeof(other)));
    synack_sock_err r;
    assert_int_equal(synack_recv_errqueue(w.st[0], s, &r), -EAGAIN);
    assert_int_equal(recv1(&w, s), -EAGAIN);
    ip6_pair_free(w.link, w.st);
}

/* A stream of errors (a peer, or anyone who can guess the port) costs a bounded queue:
 * past SYNACK_ERRQUEUE_MAX records each is dropped and counted. */
static void test_flood_bounded(void **state)
{
    (void)state;
    world w;
    w_init(&w);
    int s = udp_socket(w.st[0], 0);
    set_recverr(w.st[0], s, 0);
    const ip6_frame *d = send_dgram(&w, s, 0);
    uint8_t f[256];
    for (int i = 0; i < SYNACK_ERRQUEUE_MAX + 8; i++)
        inject(&w, f, err4(f, 3, 3, 0, Q4(d)));
    synack_errqueue_stat es;
    assert_int_equal(synack_errqueue_stat_get(w.st[0], s, &es), 0);
    assert_int_equal(es.queued, SYNACK_ERRQUEUE_MAX);
    assert_int_equal(es.dropped, 8);
    synack_sock_err r;
    for (int i = 0; i < SYNACK_ERRQUEUE_MAX; i++)
        assert_int_equal(synack_recv_errqueue(w.st[0], s, &r), 0);
    assert_int_equal(synack_recv_errqueue(w.st[0], s, &r), -EAGAIN);
    assert_int_equal(recv1(&w, s), -EAGAIN);
    ip6_pair_free(w.link, w.st);
}

/* --- on Ethernet: the neighbour never answers --- */

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
    int s4 = udp_socket(st, 0), s6 = udp_socket_at(st, 1, PORT + 1);
    int quiet = synack_socket(st, SYNACK_SOCK_DGRAM);
    assert_true(quiet >= 0);
    set_recverr(st, s4, 0);
    set_recverr(st, s6, 1);
    struct synack_sockaddr_in to = ip6_sin4(V4_FAR, FAR_PORT);
    struct synack_sockaddr_in6 to6 = ip6_sin6(GONE6, FAR_PORT);
    assert_int_equal(synack_sendto(st, s4, PAYLOAD, sizeof(PAYLOAD), 0, SA(to), sizeof(to)),
                     (long)sizeof(PAYLOAD));
    assert_int_equal(synack_sendto(st, quiet, PAYLOAD, 4, 0, SA(to), sizeof(to)), 4);
    assert_int_equal(synack_sendto(st, s6, PAYLOAD, sizeof(PAYLOAD), 0, SA(to6), sizeof(to6)),
                     (long)sizeof(PAYLOAD));
    for (uint64_t t = 100000; t < 4000000; t += 100000)
        assert_int_equal(synack_poll(st, t), 0);

    /* ARP gave up: Host Unreachable from our own address, as Linux sends itself one */
    synack_sock_err r;
    assert_int_equal(synack_recv_errqueue(st, s4, &r), 0);
    assert_int_equal(r.ee_errno, EHOSTUNREACH);
    assert_int_equal(r.ee_origin, SYNACK_SO_EE_ORIGIN_ICMP);
    assert_int_equal(r.ee_type, 3);
    assert_int_equal(r.ee_code, 1);
    assert_int_equal(r.offender.sin.sin_family, SYNACK_AF_INET);
    assert_int_equal(rd32((const uint8_t *)&r.offender.sin.sin_addr.s_addr), V4_B);
    assert_memory_equal(r.quote, PAYLOAD, 8);
    assert_int_equal(synack_recv_errqueue(st, s4, &r), -EAGAIN);
    /* ND gave up: Address Unreachable (RFC 4861 7.2.2), from our own address */
    assert_int_equal(synack_recv_errqueue(st, s6, &r), 0);
    assert_int_equal(r.ee_errno, EHOSTUNREACH);
    assert_int_equal(r.ee_origin, SYNACK_SO_EE_ORIGIN_ICMP6);
    assert_int_equal(r.ee_type, 1);
    assert_int_equal(r.ee_code, 3);
    assert_int_equal(r.offender.sin6.sin6_family, SYNACK_AF_INET6);
    assert_memory_equal(r.offender.sin6.sin6_addr.s6_bytes, US6, 16);
    assert_memory_equal(r.quote, PAYLOAD, 8);
    /* without IP_RECVERR a soft error is not reported */
    uint8_t buf[32];
    assert_int_equal(synack_recv(st, quiet, buf, sizeof(buf), 0), -EAGAIN);
    assert_int_equal(synack_recv_errqueue(st, quiet, &r), -EAGAIN);
    assert_int_equal(synack_counter_get(st, SYNACK_CTR_ArpDrops), 2);
    assert_int_equal(synack_counter_get(st, SYNACK_CTR_Ip6OutDiscards), 1);
    synack_stack_free(st);
}

/* A datagram that left in fragments is one error: the first fragment names the socket,
 * the later ones nobody (as Linux's icmpv6_notify). */
static void test_link_failure_fragments(void **state)
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
    int s6 = udp_socket(st, 1);
    set_recverr(st, s6, 1);
    uint8_t big[1600];
    memset(big, 'f', sizeof(big));
    memcpy(big, PAYLOAD, sizeof(PAYLOAD));
    struct synack_sockaddr_in6 to6 = ip6_sin6(GONE6, FAR_PORT);
    assert_int_equal(synack_sendto(st, s6, big, sizeof(big), 0, SA(to6), sizeof(to6)),
                     (long)sizeof(big));
    for (uint64_t t = 100000; t < 4000000; t += 100000)
        assert_int_equal(synack_poll(st, t), 0);
    synack_sock_err r;
    assert_int_equal(synack_recv_errqueue(st, s6, &r), 0);
    assert_int_equal(r.ee_errno, EHOSTUNREACH);
    assert_int_equal(r.ee_origin, SYNACK_SO_EE_ORIGIN_ICMP6);
    assert_int_equal(r.ee_type, 1);
    assert_int_equal(r.ee_code, 3);
    assert_memory_equal(r.quote, PAYLOAD, 8);
    assert_int_equal(synack_recv_errqueue(st, s6, &r), -EAGAIN);
    assert_int_equal(synack_counter_get(st, SYNACK_CTR_Ip6OutDiscards), 2);
    synack_stack_free(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pending_error_v4),
        cmocka_unit_test(test_recverr_v4),
        cmocka_unit_test(test_v6),
        cmocka_unit_test(test_flood_bounded),
        cmocka_unit_test(test_link_failure),
        cmocka_unit_test(test_link_failure_fragments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
