/* SPDX-License-Identifier: MIT */
/* ICMP and ICMPv6 echo ("ping") sockets (issue 14, "ping -6 both ways"): two stacks with
 * 192.0.2.1/2001:db8::1 and 192.0.2.2/2001:db8::2 on an in-memory IP link. A pings B over
 * IPv4 and IPv6: the exact request (identifier set to the socket's port, checksums summed
 * here, the ICMPv6 one over the pseudo-header), the reply delivered whole with its
 * identifier, sequence and data; a reply with another identifier or from another peer not
 * delivered; the receive queue bounded by SO_RCVBUF; misuse refused with Linux's errnos. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "support/ipv6_link_rig.h"
#include "support/ref_csum.h"
#include "synack/link.h"
#include "synack/synack.h"
#include "wire/bytes.h"

#define DELAY 1000
#define V4_A 0xc0000201u /* 192.0.2.1 */
#define V4_B 0xc0000202u /* 192.0.2.2 */
#define V4_FAR 0xc0000209u

static const uint8_t FAR6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9};

static ip6_tap tap;
typedef ip6_pair world;

/* The shared pair with this test's own IPv4 addresses and seed: the exact frames the
 * assertions expect depend on them. */
static void tweak(synack_config *c, int side, void *arg)
{
    (void)arg;
    synack_config_deterministic(c, 11 + (uint64_t)side);
    c->netif.addr = side ? V4_B : V4_A;
}

static void w_init(world *w)
{
    memset(w, 0, sizeof(*w));
    ip6_pair_init(&w->link, w->st, &tap, 64, tweak, NULL);
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

static uint64_t ctr(world *w, int h, synack_counter c)
{
    return synack_counter_get(w->st[h], c);
}

#define SA(x) ((const struct sockaddr *)&(x))

/* The ICMP checksum msg should carry (its checksum field read as zero). */
static uint16_t icmp_sum(const uint8_t *msg, size_t n, const uint8_t *src6, const uint8_t *dst6)
{
    uint8_t copy[1600];
    memcpy(copy, msg, n);
    wr16(copy + 2, 0);
    uint32_t acc = 0;
    if (src6) {
        uint8_t ph[40] = {0};
        memcpy(ph, src6, 16);
        memcpy(ph + 16, dst6, 16);
        wr32(ph + 32, (uint32_t)n);
        ph[39] = 58;
        acc = ref_sum16(0, ph, 40);
    }
    return ref_fold(ref_sum16(acc, copy, n));
}

/* An echo message: type, identifier, sequence, then data. */
static size_t echo_msg(uint8_t *m, uint8_t type, uint16_t id, uint16_t seq, const char *data)
{
    size_t n = strlen(data);
    m[0] = type;
    m[1] = 0;
    wr16(m + 2, 0);
    wr16(m + 4, id);
    wr16(m + 6, seq);
    memcpy(m + 8, data, n);
    return 8 + n;
}

/* An IPv4 packet src -> dst carrying an echo reply (checksums right). */
static size_t reply4(uint8_t *f, uint32_t src, uint32_t dst, uint16_t id, uint16_t seq,
                     const char *data)
{
    size_t n = echo_msg(f + 20, 0, id, seq, data);
    wr16(f + 22, icmp_sum(f + 20, n, NULL, NULL));
    memset(f, 0, 20);
    f[0] = 0x45;
    wr16(f + 2, (uint16_t)(20 + n));
    f[8] = 64;
    f[9] = 1;
    wr32(f + 12, src);
    wr32(f + 16, dst);
    wr16(f + 10, ref_fold(ref_sum16(0, f, 20)));
    return 20 + n;
}

static size_t reply6(uint8_t *f, const uint8_t src[16], const uint8_t dst[16], uint16_t id,
                     uint16_t seq, const char *data)
{
    size_t n = echo_msg(f + 40, 129, id, seq, data);
    wr16(f + 42, icmp_sum(f + 40, n, src, dst));
    memset(f, 0, 40);
    f[0] = 0x60;
    wr16(f + 4, (uint16_t)n);
    f[6] = 58;
    f[7] = 64;
    memcpy(f + 8, src, 16);
    memcpy(f + 24, dst, 16);
    return 40 + n;
}

static int ping_socket(world *w, int h, int v6)
{
    int s = synack_socket_proto(w->st[h], v6 ? SYNACK_AF_INET6 : SYNACK_AF_INET, SYNACK_SOCK_DGRAM,
                                v6 ? SYNACK_IPPROTO_ICMPV6 : SYNACK_IPPROTO_ICMP);
    assert_true(s >= 0);
    return s;
}

static void test_ping4_exact(void **state)
{
    (void)state;
    world w;
    w_init(&w);
    int s = ping_socket(&w, 0, 0);
    struct synack_sockaddr_in me = ip6_sin4(0, 0x1234);
    assert_int_equal(synack_bind(w.st[0], s, SA(me), sizeof(me)), 0);
    uint8_t req[64];
    /* the identifier written is the stack's to replace */
    size_t n = echo_msg(req, 8, 0xdead, 7, "hello ping");
    wr16(req + 2, 0xbeef);
    struct synack_sockaddr_in to = ip6_sin4(V4_B, 0);
    assert_int_equal(synack_sendto(w.st[0], s, req, n, 0, SA(to), sizeof(to)), (long)n);
    run(&w);
    assert_int_equal(tap.seen, 2);

    const uint8_t *f = tap.f[0].b;
    assert_int_equal(tap.f[0].to, 1);
    assert_int_equal(tap.f[0].len, 20 + n);
    assert_int_equal(f[0], 0x45);
    assert_int_equal(f[9], 1); /* ICMP */
    assert_int_equal(rd32(f + 12), V4_A);
    assert_int_equal(rd32(f + 16), V4_B);
    const uint8_t *m = f + 20;
    assert_int_equal(m[0], 8);
    assert_int_equal(m[1], 0);
    assert_int_equal(rd16(m + 4), 0x1234);
    assert_int_equal(rd16(m + 6), 7);
    assert_int_equal(rd16(m + 2), icmp_sum(m, n, NULL, NULL));
    assert_memory_equal(m + 8, "hello ping", 10);

    assert_int_equal(tap.f[1].to, 0);
    assert_int_equal(tap.f[1].b[20], 0); /* B's echo reply */

    uint8_t buf[64];
    struct synack_sockaddr_in from;
    synack_socklen_t fl = sizeof(from);
    assert_int_equal(
        synack_recvfrom(w.st[0], s, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl), (long)n);
    assert_int_equal(buf[0], 0);
    assert_int_equal(buf[1], 0);
    assert_int_equal(rd16(buf + 4), 0x1234);
    assert_int_equal(rd16(buf + 6), 7);
    assert_int_equal(rd16(buf + 2), icmp_sum(buf, n, NULL, NULL));
    assert_memory_equal(buf + 8, "hello ping", 10);
    assert_int_equal(from.sin_family, SYNACK_AF_INET);
    assert_int_equal(rd32((const uint8_t *)&from.sin_addr.s_addr), V4_B);
    assert_int_equal(rd16((const uint8_t *)&from.sin_port), 0);
    assert_int_equal(synack_recv(w.st[0], s, buf, sizeof(buf), 0), -EAGAIN);

    assert_int_equal(ctr(&w, 0, SYNACK_CTR_OutEchos), 1);
    assert_int_equal(ctr(&w, 0, SYNACK_CTR_InEchoReps), 1);
    assert_int_equal(ctr(&w, 1, SYNACK_CTR_InEchos), 1);
    assert_int_equal(ctr(&w, 0, SYNACK_CTR_UdpOutDatagrams), 0);
    assert_int_equal(ctr(&w, 0, SYNACK_CTR_UdpInDatagrams), 0);
    synack_close(w.st[0], s);
    w_free(&w);
}

static void test_ping6_exact(void **state)
{
    (void)state;
    world w;
    w_init(&w);
    int s = ping_socket(&w, 0, 1);
    uint8_t req[64];
    size_t n = echo_msg(req, 128, 0, 3, "ping over six");
    struct synack_sockaddr_in6 to = ip6_sin6(IP6_RIG_ADDR[1], 0);
    assert_int_equal(synack_sendto(w.st[0], s, req, n, 0, SA(to), sizeof(to)), (long)n);
    /* autobound: the identifier is the socket's port */
    struct synack_sockaddr_in6 name;
    synack_socklen_t nl = sizeof(name);
    assert_int_equal(synack_getsockname(w.st[0], s, (struct sockaddr *)&name, &nl), 0);
    uint16_t id = rd16((const uint8_t *)&name.sin6_port);
    assert_true(id != 0);
    run(&w);
    assert_int_equal(tap.seen, 2);

    const uint8_t *f = tap.f[0].b;
    assert_int_equal(tap.f[0].to, 1);
    assert_int_equal(tap.f[0].len, 40 + n);
    assert_int_equal(f[0], 0x60);
    assert_int_equal(rd16(f + 4), n);
    assert_int_equal(f[6], 58);
    assert_memory_equal(f + 8, IP6_RIG_ADDR[0], 16);
    assert_memory_equal(f + 24, IP6_RIG_ADDR[1], 16);
    const uint8_t *m = f + 40;
    assert_int_equal(m[0], 128);
    assert_int_equal(m[1], 0);
    assert_int_equal(rd16(m + 4), id);
    assert_int_equal(rd16(m + 6), 3);
    assert_int_equal(rd16(m + 2), icmp_sum(m, n, IP6_RIG_ADDR[0], IP6_RIG_ADDR[1]));
    assert_memory_equal(m + 8, "ping over six", 13);

    uint8_t buf[64];
    struct synack_sockaddr_in6 from;
    synack_socklen_t fl = sizeof(from);
    assert_int_equal(
        synack_recvfrom(w.st[0], s, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl), (long)n);
    assert_int_equal(buf[0], 129);
    assert_int_equal(rd16(buf + 4), id);
    assert_int_equal(rd16(buf + 6), 3);
    assert_int_equal(rd16(buf + 2), icmp_sum(buf, n, IP6_RIG_ADDR[1], IP6_RIG_ADDR[0]));
    assert_memory_equal(buf + 8, "ping over six", 13);
    assert_int_equal(from.sin6_family, SYNACK_AF_INET6);
    assert_memory_equal(from.sin6_addr.s6_bytes, IP6_RIG_ADDR[1], 16);

    assert_int_equal(ctr(&w, 0, SYNACK_CTR_Icmp6OutEchos), 1);
    assert_int_equal(ctr(&w, 0, SYNACK_CTR_Icmp6InEchoReplies), 1);
    assert_int_equal(ctr(&w, 1, SYNACK_CTR_Icmp6InEchos), 1);
    assert_int_equal(ctr(&w, 0, SYNACK_CTR_Udp6OutDatagrams), 0);
    w_free(&w);
}

/* Replies that are not the socket's: another identifier, or (connected) another peer. A UDP
 * socket on the same number is in another space and hears nothing. */
static void test_foreign_replies(void **state)
{
    (void)state;
    world w;
    w_init(&w);
    int s4 = ping_socket(&w, 0, 0), s6 = ping_socket(&w, 0, 1);
    struct synack_sockaddr_in me = ip6_sin4(0, 500);
    assert_int_equal(synack_bind(w.st[0], s4, SA(me), sizeof(me)), 0);
    struct synack_sockaddr_in6 me6 = ip6_sin6((const uint8_t[16]){0}, 600);
    assert_int_equal(synack_bind(w.st[0], s6, SA(me6), sizeof(me6)), 0);
    int u = synack_socket(w.st[0], SYNACK_SOCK_DGRAM);
    struct synack_sockaddr_in ub = ip6_sin4(0, 501);
    assert_int_equal(synack_bind(w.st[0], u, SA(ub), sizeof(ub)), 0);
    /* the same number as an echo socket's is free for UDP */
    int u2 = synack_socket(w.st[0], SYNACK_SOCK_DGRAM);
    assert_int_equal(synack_bind(w.st[0], u2, SA(me), sizeof(me)), 0);

    uint8_t f[128], buf[64];
    size_t n = reply4(f, V4_B, V4_A, 501, 1, "x");
    assert_int_equal(synack_input(w.st[0], w.now, f, n), 0);
    n = reply6(f, IP6_RIG_ADDR[1], IP6_RIG_ADDR[0], 601, 1, "y");
    synack_input(w.st[0], w.now, f, n);
    assert_int_equal(synack_recv(w.st[0], s4, buf, sizeof(buf), 0), -EAGAIN);
    assert_int_equal(synack_recv(w.st[0], s6, buf, sizeof(buf), 0), -EAGAIN);
    assert_int_equal(synack_recv(w.st[0], u, buf, sizeof(buf), 0), -EAGAIN);
    assert_int_equal(ctr(&w, 0, SYNACK_CTR_InEchoReps), 1);
    assert_int_equal(ctr(&w, 0, SYNACK_CTR_Icmp6InEchoReplies), 1);

    /* a connected echo socket takes only its peer's replies */
    struct synack_sockaddr_in b = ip6_sin4(V4_B, 0);
    assert_int_equal(synack_connect(w.st[0], s4, SA(b), sizeof(b)), 0);
    n = reply4(f, V4_FAR, V4_A, 500, 2, "far");
    synack_input(w.st[0], w.now, f, n);
    assert_int_equal(synack_recv(w.st[0], s4, buf, sizeof(buf), 0), -EAGAIN);
    n = reply4(f, V4_B, V4_A, 500, 3, "near");
    synack_input(w.st[0], w.now, f, n);
    assert_int_equal(synack_recv(w.st[0], s4, buf, sizeof(buf), 0), 12);
    assert_int_equal(rd16(buf + 6), 3);
    assert_int_equal(synack_recv(w.st[0], u2, buf, sizeof(buf), 0), -EAGAIN);

    n = reply6(f, FAR6, IP6_RIG_ADDR[0], 600, 4, "six");
    synack_input(w.st[0], w.now, f, n);
    assert_int_equal(synack_recv(w.st[0], s6, buf, sizeof(buf), 0), 11);
    assert_int_equal(rd16(buf + 4), 600);
    assert_int_equal(rd16(buf + 6), 4);
    assert_memory_equal(buf + 8, "six", 3);
    w_free(&w);
}

/* Replies beyond SO_RCVBUF (clamped to its 2 KiB floor) are dropped and counted: each
 * 508-byte reply is charged a little over 512 bytes, so three fit. */
static void test_rcvbuf_bounded(void **state)
{
    (void)state;
    world w;
    w_init(&w);
    int s = ping_socket(&w, 0, 0);
    struct synack_sockaddr_in me = ip6_sin4(0, 77);
    assert_int_equal(synack_bind(w.st[0], s, SA(me), sizeof(me)), 0);
    int small = 1;
    assert_int_equal(
        synack_setsockopt(w.st[0], s, SYNACK_SOL_SOCKET, SYNACK_SO_RCVBUF, &small, sizeof(small)),
        0);
    uint8_t f[600], buf[600];
    char data[501];
    memset(data, 'd', 500);
    data[500] = 0;
    for (uint16_t i = 0; i < 50; i++) {
        size_t n = reply4(f, V4_B, V4_A, 77, i, data);
        synack_input(w.st[0], w.now, f, n);
    }
    for (uint16_t i = 0; i < 3; i++) {
        assert_int_equal(synack_recv(w.st[0], s, buf, sizeof(buf), 0), 508);
        assert_int_equal(rd16(buf + 6), i);
    }
    assert_int_equal(synack_recv(w.st[0], s, buf, sizeof(buf), 0), -EAGAIN);
    assert_int_equal(ctr(&w, 0, SYNACK_CTR_PingRcvbufErrors), 47);
    assert_int_equal(ctr(&w, 0, SYNACK_CTR_InEchoReps), 50);
    w_free(&w);
}

static void test_misuse(void **state)
{
    (void)state;
    world w;
    w_init(&w);
    synack_stack *st = w.st[0];
    assert_int_equal(
        synack_socket_proto(st, SYNACK_AF_INET, SYNACK_SOCK_STREAM, SYNACK_IPPROTO_ICMP),
        -EPROTONOSUPPORT);
    assert_int_equal(
        synack_socket_proto(st, SYNACK_AF_INET, SYNACK_SOCK_DGRAM, SYNACK_IPPROTO_ICMPV6),
        -EPROTONOSUPPORT);
    assert_int_equal(
        synack_socket_proto(st, SYNACK_AF_INET6, SYNACK_SOCK_DGRAM, SYNACK_IPPROTO_ICMP),
        -EPROTONOSUPPORT);
    assert_int_equal(synack_socket_proto(st, SYNACK_AF_INET, SYNACK_SOCK_DGRAM, SYNACK_IPPROTO_UDP),
                     -EPROTONOSUPPORT);
    assert_int_equal(synack_socket_proto(st, 99, SYNACK_SOCK_DGRAM, SYNACK_IPPROTO_ICMP),
                     -EAFNOSUPPORT);
    assert_int_equal(synack_socket_proto(NULL, SYNACK_AF_INET, SYNACK_SOCK_DGRAM, 1), -EINVAL);
    /* proto 0 is synack_socket_domain's socket */
    int t = synack_socket_proto(st, SYNACK_AF_INET, SYNACK_SOCK_STREAM, 0);
    assert_true(t >= 0);
    synack_close(st, t);

    int s = ping_socket(&w, 0, 0);
    struct synack_sockaddr_in to = ip6_sin4(V4_B, 0);
    uint8_t m[16];
    size_t n = echo_msg(m, 0, 1, 1, "ab"); /* a reply is not a request */
    assert_int_equal(synack_sendto(st, s, m, n, 0, SA(to), sizeof(to)), -EINVAL);
    n = echo_msg(m, 128, 1, 1, "ab"); /* ICMPv6's echo on an ICMP socket */
    assert_int_equal(synack_sendto(st, s, m, n, 0, SA(to), sizeof(to)), -EINVAL);
    n = echo_msg(m, 8, 1, 1, "ab");
    m[1] = 1; /* code must be 0 */
    assert_int_equal(synack_sendto(st, s, m, n, 0, SA(to), sizeof(to)), -EINVAL);
    m[1] = 0;
    assert_int_equal(synack_sendto(st, s, m, 7, 0, SA(to), sizeof(to)), -EINVAL); /* no header */
    assert_int_equal(synack_send(st, s, m, n, 0), -EDESTADDRREQ);
    int one = 1;
    assert_int_equal(
        synack_setsockopt(st, s, SYNACK_IPPROTO_UDP, SYNACK_UDP_CATCH_ALL, &one, sizeof(one)),
        -ENOPROTOOPT);
    int type = 0;
    synack_socklen_t tl = sizeof(type);
    assert_int_equal(synack_getsockopt(st, s, SYNACK_SOL_SOCKET, SYNACK_SO_TYPE, &type, &tl), 0);
    assert_int_equal(type, SYNACK_SOCK_DGRAM);
    assert_int_equal(ctr(&w, 0, SYNACK_CTR_OutEchos), 0);

    /* an ICMPv6 socket speaks no IPv4, mapped or not */
    int s6 = ping_socket(&w, 0, 1);
    n = echo_msg(m, 128, 1, 1, "ab");
    assert_int_equal(synack_sendto(st, s6, m, n, 0, SA(to), sizeof(to)), -ENETUNREACH);
    int zero = 0;
    assert_int_equal(
        synack_setsockopt(st, s6, SYNACK_IPPROTO_IPV6, SYNACK_IPV6_V6ONLY, &zero, sizeof(zero)), 0);
    assert_int_equal(synack_sendto(st, s6, m, n, 0, SA(to), sizeof(to)), -ENETUNREACH);
    n = echo_msg(m, 8, 1, 1, "ab");
    assert_int_equal(synack_sendto(st, s6, m, n, 0, SA(to), sizeof(to)), -ENETUNREACH);
    struct synack_sockaddr_in6 to6 = ip6_sin6(IP6_RIG_ADDR[1], 0);
    assert_int_equal(synack_sendto(st, s6, m, n, 0, SA(to6), sizeof(to6)), -EINVAL);
    /* the identifier space is the echo sockets' own: two cannot share one */
    int a = ping_socket(&w, 0, 0), b = ping_socket(&w, 0, 0);
    struct synack_sockaddr_in id = ip6_sin4(0, 42);
    assert_int_equal(synack_bind(st, a, SA(id), sizeof(id)), 0);
    assert_int_equal(synack_bind(st, b, SA(id), sizeof(id)), -EADDRINUSE);
    w_free(&w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ping4_exact),     cmocka_unit_test(test_ping6_exact),
        cmocka_unit_test(test_foreign_replies), cmocka_unit_test(test_rcvbuf_bounded),
        cmocka_unit_test(test_misuse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
