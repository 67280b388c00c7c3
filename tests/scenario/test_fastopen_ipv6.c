/* SPDX-License-Identifier: MIT */
/* TCP Fast Open over IPv6 (RFC 7413; issue 14): two stacks, 2001:db8::1 the client and
 * 2001:db8::2 the server, on an in-memory IP link. The first sendto(MSG_FASTOPEN) asks for
 * a cookie; the server's SYN-ACK carries Linux's IPv6 cookie (SipHash of the 32 bytes of
 * client and server address under the key, summed here independently of the stack's
 * choice of inputs by a known key); the client keeps it under the 128-bit address, and
 * the second open carries it with data the server delivers before the handshake ends. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "support/ipv6_link_rig.h"
#include "synack/synack.h"
#include "tcp/fastopen_server.h"
#include "wire/bytes.h"
#include "wire/ipv4.h"
#include "wire/ipv6.h"
#include "wire/tcp_wire.h"

#define DELAY 1000

#define A6 IP6_RIG_ADDR
static const uint8_t KEY[16] = {0xa1, 0xa1, 0xa1, 0xa1, 0xb2, 0xb2, 0xb2, 0xb2,
                                0xc3, 0xc3, 0xc3, 0xc3, 0xd4, 0xd4, 0xd4, 0xd4};

static ip6_tap rec;

typedef ip6_pair v6pair;

static void tweak(synack_config *c, int h, void *arg)
{
    (void)h;
    (void)arg;
    c->fastopen_client = SYNACK_TFO_CLIENT_ENABLE;
    c->fastopen_server = SYNACK_TFO_SERVER_ENABLE;
}

static void v6_init(v6pair *p)
{
    memset(p, 0, sizeof(*p));
    ip6_pair_init(&p->link, p->st, &rec, 64, tweak, NULL);
    assert_int_equal(synack_fastopen_key(p->st[1], KEY, sizeof(KEY)), 0);
    p->now = 1000000;
}

static void v6_free(v6pair *p)
{
    ip6_pair_free(p->link, p->st);
}

/* A TCP segment of frame f, its checksum verified over the IPv6 pseudo-header. */
static void seg_of(const ip6_frame *f, tcp_seg *s)
{
    assert_int_equal(f->b[0] >> 4, 6);
    assert_int_equal(f->b[6], IP_PROTO_TCP);
    uint64_t sum;
    assert_int_equal(
        tcp_parse6(f->b + IPV6_HDR_LEN, f->len - IPV6_HDR_LEN, f->b + 8, f->b + 24, 0, s, &sum),
        WIRE_OK);
}

static int listener(v6pair *p)
{
    int l = synack_socket_domain(p->st[1], SYNACK_AF_INET6, SYNACK_SOCK_STREAM);
    struct synack_sockaddr_in6 a = ip6_sin6((const uint8_t[16]){0}, 80);
    assert_int_equal(synack_bind(p->st[1], l, (struct sockaddr *)&a, sizeof(a)), 0);
    int q = 16;
    assert_int_equal(
        synack_setsockopt(p->st[1], l, SYNACK_IPPROTO_TCP, SYNACK_TCP_FASTOPEN, &q, sizeof(q)), 0);
    assert_int_equal(synack_listen(p->st[1], l, 16), 0);
    return l;
}

static void test_cookie_then_data_in_syn(void **state)
{
    (void)state;
    v6pair p;
    v6_init(&p);
    int l = listener(&p);
    uint8_t want[TFO_COOKIE_LEN];
    tcp_fastopen_cookie6(KEY, A6[0], A6[1], want);

    /* 1: no cookie yet: the SYN asks for one (kind 34, length 2), the data waits */
    int c = synack_socket_domain(p.st[0], SYNACK_AF_INET6, SYNACK_SOCK_STREAM);
    struct synack_sockaddr_in6 to = ip6_sin6(A6[1], 80);
    assert_int_equal(synack_sendto(p.st[0], c, "hello", 5, SYNACK_MSG_FASTOPEN,
                                   (struct sockaddr *)&to, sizeof(to)),
                     -EINPROGRESS);
    ip6_pair_run(&p, 3 * DELAY);
    assert_true(rec.seen >= 2);
    tcp_seg s;
    seg_of(&rec.f[0], &s);
    assert_int_equal(s.flags, TCP_SYN);
    assert_int_equal(s.payload_len, 0);
    assert_int_equal(s.opts.has_fo, 1);
    assert_int_equal(s.opts.fo_len, 0);
    seg_of(&rec.f[1], &s);
    assert_int_equal(s.flags, TCP_SYN | TCP_ACK);
    assert_int_equal(s.opts.has_fo, 1);
    assert_int_equal(s.opts.fo_exp, 0);
    assert_int_equal(s.opts.fo_len, TFO_COOKIE_LEN);
    assert_memory_equal(s.opts.fo_cookie, want, TFO_COOKIE_LEN);
    assert_int_equal(synack_counter_get(p.st[1], SYNACK_CTR_TCPFastOpenCookieReqd), 1);
    int a = synack_accept(p.st[1], l, NULL, NULL);
    assert_true(a >= 0);
    synack_close(p.st[0], c);
    synack_close(p.st[1], a);
    ip6_pair_run(&p, 400 * DELAY);

    /* 2: the cookie, kept under 2001:db8::2, goes with the data in the SYN */
    rec.n = rec.seen = 0;
    c = synack_socket_domain(p.st[0], SYNACK_AF_INET6, SYNACK_SOCK_STREAM);
    assert_int_equal(synack_sendto(p.st[0], c, "hello", 5, SYNACK_MSG_FASTOPEN,
                                   (struct sockaddr *)&to, sizeof(to)),
                     5);
    ip6_pair_run(&p, DELAY); /* the SYN is there, the SYN-ACK not yet back */
    assert_true(rec.seen >= 1);
    seg_of(&rec.f[0], &s);
    assert_int_equal(s.flags, TCP_SYN);
    assert_int_equal(s.opts.has_fo, 1);
    assert_int_equal(s.opts.fo_len, TFO_COOKIE_LEN);
    assert_memory_equal(s.opts.fo_cookie, want, TFO_COOKIE_LEN);
    assert_int_equal(s.payload_len, 5);
    assert_memory_equal(s.payload, "hello", 5);
    /* the server took the data with the SYN: accepted and readable at once */
    a = synack_accept(p.st[1], l, NULL, NULL);
    assert_true(a >= 0);
    char buf[8];
    assert_int_equal(synack_recv(p.st[1], a, buf, sizeof(buf), 0), 5);
    assert_memory_equal(buf, "hello", 5);
    assert_int_equal(synack_counter_get(p.st[1], SYNACK_CTR_TCPFastOpenPassive), 1);
    ip6_pair_run(&p, 2 * DELAY);
    seg_of(&rec.f[1], &s);
    assert_int_equal(s.flags, TCP_SYN | TCP_ACK);
    uint32_t syn_seq;
    tcp_seg syn;
    seg_of(&rec.f[0], &syn);
    syn_seq = syn.seq;
    assert_int_equal(s.ack, syn_seq + 1 + 5); /* the SYN's data acknowledged */
    assert_int_equal(synack_counter_get(p.st[0], SYNACK_CTR_TCPFastOpenActive), 1);
    v6_free(&p);
}

/* A cookie the server's keys did not make is refused: the data waits for the handshake
 * and a fresh cookie comes back (RFC 7413 4.2.2). */
static void test_wrong_cookie(void **state)
{
    (void)state;
    v6pair p;
    v6_init(&p);
    listener(&p);
    /* a first open gets the cookie of the current key; then the key changes, and neither
     * the new key nor the one kept as the previous issued it */
    int c = synack_socket_domain(p.st[0], SYNACK_AF_INET6, SYNACK_SOCK_STREAM);
    struct synack_sockaddr_in6 to = ip6_sin6(A6[1], 80);
    assert_int_equal(
        synack_sendto(p.st[0], c, "x", 1, SYNACK_MSG_FASTOPEN, (struct sockaddr *)&to, sizeof(to)),
        -EINPROGRESS);
    ip6_pair_run(&p, 3 * DELAY);
    synack_close(p.st[0], c);
    ip6_pair_run(&p, 400 * DELAY);
    uint8_t key2[16], both[32];
    memset(key2, 0x5a, sizeof(key2));
    memcpy(both, key2, 16);
    memset(both + 16, 0x6b, 16);
    assert_int_equal(synack_fastopen_key(p.st[1], both, sizeof(both)), 0);
    rec.n = rec.seen = 0;
    c = synack_socket_domain(p.st[0], SYNACK_AF_INET6, SYNACK_SOCK_STREAM);
    assert_int_equal(synack_sendto(p.st[0], c, "hello", 5, SYNACK_MSG_FASTOPEN,
                                   (struct sockaddr *)&to, sizeof(to)),
                     5);
    ip6_pair_run(&p, 3 * DELAY);
    tcp_seg s;
    seg_of(&rec.f[1], &s);
    assert_int_equal(s.flags, TCP_SYN | TCP_ACK);
    seg_of(&rec.f[0], &s);
    uint32_t iss = s.seq;
    seg_of(&rec.f[1], &s);
    assert_int_equal(s.ack, iss + 1); /* the data is not acknowledged */
    uint8_t fresh[TFO_COOKIE_LEN];
    tcp_fastopen_cookie6(key2, A6[0], A6[1], fresh);
    assert_int_equal(s.opts.fo_len, TFO_COOKIE_LEN);
    assert_memory_equal(s.opts.fo_cookie, fresh, TFO_COOKIE_LEN);
    assert_int_equal(synack_counter_get(p.st[1], SYNACK_CTR_TCPFastOpenPassiveFail), 1);
    v6_free(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cookie_then_data_in_syn),
        cmocka_unit_test(test_wrong_cookie),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
