/* SPDX-License-Identifier: MIT */
/* The IPv6 path-MTU cache (RFC 8201; src/stack/ip_pmtu.c over src/stack/pmtu_cache.c):
 * a Packet Too Big that matches a connection lowers that connection's MSS and is kept
 * for the destination, so the next connection there starts at the lowered MSS until the
 * estimate ages out (10 minutes); an MTU below 1280 is taken as 1280 (RFC 8201 4); a
 * Packet Too Big that matches no connection, or quotes a segment outside the send window
 * (RFC 5927 4.1), changes nothing and is counted. Two stacks, 2001:db8::1 (client, side 0)
 * and 2001:db8::2 (server, side 1), on an in-memory IP link; the errors are handed to the
 * client as if from a router. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "support/fixture.h"
#include "support/ipv6_link_rig.h"
#include "synack/synack.h"
#include "wire/bytes.h"
#include "wire/icmpv6.h"
#include "wire/ipv4.h"
#include "wire/ipv6.h"
#include "wire/tcp_wire.h"

#define DELAY UINT64_C(1000)
#define EXPIRE_US UINT64_C(600000000) /* cfg.pmtu_expire_us's default */

#define A6 IP6_RIG_ADDR

static ip6_tap rec;

typedef struct v6pair {
    synack_memlink *link;
    synack_stack *st[2];
    uint64_t now;
    int ls; /* the server's listener on port 80 */
} v6pair;

static void v6_init(v6pair *p)
{
    memset(p, 0, sizeof(*p));
    ip6_pair_init(&p->link, p->st, &rec, 256, NULL, NULL);
    p->ls = synack_socket_domain(p->st[1], SYNACK_AF_INET6, SYNACK_SOCK_STREAM);
    struct synack_sockaddr_in6 a = ip6_sin6(NULL, 80);
    assert_int_equal(synack_bind(p->st[1], p->ls, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(synack_listen(p->st[1], p->ls, 8), 0);
}

static void v6_free(v6pair *p)
{
    ip6_pair_free(p->link, p->st);
}

static void v6_run_for(v6pair *p, uint64_t us)
{
    p->now = synack_memlink_run(p->link, p->now, p->now + us);
}

static uint64_t ctr(const v6pair *p, synack_counter c)
{
    return synack_counter_get(p->st[0], c);
}

static int maxseg(v6pair *p, int s)
{
    return fx_maxseg(p->st[0], s);
}

/* The client's TCP segment in rec.f[i]. */
static void seg_of(size_t i, tcp_seg *s)
{
    uint64_t hs;
    assert_int_equal(rec.f[i].to, 1);
    assert_int_equal(
        tcp_parse6(rec.f[i].b + IPV6_HDR_LEN, rec.f[i].len - IPV6_HDR_LEN, A6[0], A6[1], 0, s, &hs),
        WIRE_OK);
}

typedef struct conn {
    int cs, ss;       /* the client's socket, the server's accepted one */
    uint16_t sport;   /* the client's port */
    uint32_t iss;     /* the client's ISS */
    uint16_t syn_mss; /* the MSS option of the client's SYN */
} conn;

/* A connection from the client to the server's port 80, established. */
static conn open_conn(v6pair *p)
{
    conn c;
    size_t mark = rec.n;
    c.cs = synack_socket_domain(p->st[0], SYNACK_AF_INET6, SYNACK_SOCK_STREAM);
    assert_true(c.cs >= 0);
    struct synack_sockaddr_in6 a = ip6_sin6(A6[1], 80);
    assert_int_equal(synack_connect(p->st[0], c.cs, (struct sockaddr *)&a, sizeof(a)),
                     -EINPROGRESS);
    v6_run_for(p, 10 * DELAY);
    tcp_seg syn;
    while (mark < rec.n && rec.f[mark].to != 1)
        mark++; /* the server's last ACKs of an earlier connection */
    assert_true(mark < rec.n);
    seg_of(mark, &syn);
    assert_int_equal(syn.flags, TCP_SYN);
    assert_true(syn.opts.has_mss);
    c.sport = syn.sport;
    c.iss = syn.seq;
    c.syn_mss = syn.opts.mss;
    c.ss = synack_accept(p->st[1], p->ls, NULL, NULL);
    assert_true(c.ss >= 0);
    return c;
}

/* The payload length of the first data segment the client sends after mark. */
static size_t first_data_len(size_t mark)
{
    for (size_t i = mark; i < rec.n; i++) {
        if (rec.f[i].to != 1)
            continue;
        tcp_seg s;
        seg_of(i, &s);
        if (s.payload_len)
            return s.payload_len;
    }
    fail_msg("no data segment");
    return 0;
}

/* A Packet Too Big from a router (2001:db8::2 stands in for it) to the client, reporting
 * mtu and quoting quote_len bytes (at most 60) of a segment from src_addr, port sport, with
 * sequence number seq and 1440 bytes of payload. */
static void ptb_quote(v6pair *p, uint32_t mtu, const uint8_t src_addr[16], uint16_t sport,
                      uint32_t seq, size_t quote_len)
{
    uint8_t quote[IPV6_HDR_LEN + 20] = {0};
    ipv6_hdr qh = {.next = IP_PROTO_TCP, .hop_limit = 64};
    memcpy(qh.src.b, src_addr, 16);
    memcpy(qh.dst.b, A6[1], 16);
    assert_int_equal(ipv6_emit(quote, IPV6_HDR_LEN, &qh, 20 + 1440), IPV6_HDR_LEN);
    uint8_t *t = quote + IPV6_HDR_LEN;
    wr16(t, sport);
    wr16(t + 2, 80);
    wr32(t + 4, seq);
    t[12] = 5 << 4;
    t[13] = TCP_ACK;
    ipv6_addr c, s;
    memcpy(c.b, A6[0], 16);
    memcpy(s.b, A6[1], 16);
    uint8_t l4[128], pkt[256];
    size_t n =
        icmp6_error_emit(l4, sizeof(l4), ICMP6_PACKET_TOO_BIG, 0, mtu, quote, quote_len, &s, &c);
    assert_true(n > 0);
    ipv6_hdr h = {.next = IP_PROTO_ICMPV6, .hop_limit = 64, .src = s, .dst = c};
    assert_int_equal(ipv6_emit(pkt, IPV6_HDR_LEN, &h, n), IPV6_HDR_LEN);
    memcpy(pkt + IPV6_HDR_LEN, l4, n);
    assert_int_equal(synack_input(p->st[0], p->now, pkt, IPV6_HDR_LEN + n), 0);
}

static void ptb(v6pair *p, uint32_t mtu, const conn *c, uint32_t seq)
{
    ptb_quote(p, mtu, A6[0], c->sport, seq, IPV6_HDR_LEN + 20);
}

static uint8_t data[6000];

/* Sends data on c, then a Packet Too Big about its first segment; returns when all of
 * it was acknowledged. */
static void send_meets_ptb(v6pair *p, const conn *c, uint32_t mtu)
{
    assert_int_equal(synack_send(p->st[0], c->cs, data, sizeof(data), 0), sizeof(data));
    ptb(p, mtu, c, c->iss + 1);
    v6_run_for(p, 300000);
    static uint8_t got[sizeof(data)];
    assert_int_equal(synack_recv(p->st[1], c->ss, got, sizeof(got), 0), sizeof(got));
}

static void run_new_connection_after_ptb(uint32_t reported)
{
    v6pair p;
    v6_init(&p);
    conn a = open_conn(&p);
    assert_int_equal(a.syn_mss, 1440);        /* 1500 - 60 */
    assert_int_equal(maxseg(&p, a.cs), 1428); /* - 12 of timestamps */
    uint64_t t_ptb = p.now;
    send_meets_ptb(&p, &a, reported);
    /* RFC 8201 4: never below 1280, so 1280 - 60 - 12 whatever was reported below it */
    assert_int_equal(maxseg(&p, a.cs), 1208);
    assert_int_equal(ctr(&p, SYNACK_CTR_PmtuCacheUpdates), 1);

    /* The next connection to that destination starts at the lowered MSS. Its SYN still
     * offers the link's MSS: the path MTU bounds what we send, not what we may receive
     * (RFC 9293 3.7.1, as the IPv4 side). */
    conn b = open_conn(&p);
    assert_int_equal(b.syn_mss, 1440);
    assert_int_equal(maxseg(&p, b.cs), 1208);
    size_t mark = rec.n;
    assert_int_equal(synack_send(p.st[0], b.cs, data, sizeof(data), 0), sizeof(data));
    v6_run_for(&p, 10 * DELAY);
    assert_int_equal(first_data_len(mark), 1208);

    /* Still known a moment before its 10 minutes are up (the handshake takes 2 ms) ... */
    v6_run_for(&p, t_ptb + EXPIRE_US - 2 * DELAY - 1 - p.now);
    conn c = open_conn(&p);
    assert_int_equal(maxseg(&p, c.cs), 1208);
    assert_int_equal(ctr(&p, SYNACK_CTR_PmtuCacheExpired), 0);
    /* ... and forgotten after (that handshake ended past them): the next connection tries
     * the link MTU again. */
    assert_true(p.now > t_ptb + EXPIRE_US);
    conn d = open_conn(&p);
    assert_int_equal(maxseg(&p, d.cs), 1428);
    assert_int_equal(ctr(&p, SYNACK_CTR_PmtuCacheExpired), 1);
    v6_free(&p);
}

static void test_new_connection_uses_cached_pmtu(void **state)
{
    (void)state;
    run_new_connection_after_ptb(1280);
}

static void test_ptb_below_minimum_clamped(void **state)
{
    (void)state;
    run_new_connection_after_ptb(600);
}

/* What does not match a connection teaches nothing, and is counted. */
static void test_ptb_must_match_connection(void **state)
{
    (void)state;
    v6pair p;
    v6_init(&p);
    conn a = open_conn(&p);
    assert_int_equal(synack_send(p.st[0], a.cs, data, sizeof(data), 0), sizeof(data));
    size_t mem = synack_mem_in_use(p.st[0]);
    static const uint8_t other[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9};
    /* no connection from that port */
    ptb_quote(&p, 1280, A6[0], (uint16_t)(a.sport + 1), a.iss + 1, IPV6_HDR_LEN + 20);
    assert_int_equal(ctr(&p, SYNACK_CTR_Icmp6InErrors), 1);
    /* a segment not from our address */
    ptb_quote(&p, 1280, other, a.sport, a.iss + 1, IPV6_HDR_LEN + 20);
    assert_int_equal(ctr(&p, SYNACK_CTR_Icmp6InErrors), 2);
    /* too short to name the connection */
    ptb_quote(&p, 1280, A6[0], a.sport, a.iss + 1, IPV6_HDR_LEN + 4);
    assert_int_equal(ctr(&p, SYNACK_CTR_Icmp6InErrors), 3);
    /* outside the send window (RFC 5927 4.1): below SND.UNA, and at or past SND.NXT */
    ptb(&p, 1280, &a, a.iss);
    ptb(&p, 1280, &a, a.iss + 1 + (uint32_t)sizeof(data) + 100000);
    assert_int_equal(ctr(&p, SYNACK_CTR_OutOfWindowIcmps), 2);
    assert_int_equal(ctr(&p, SYNACK_CTR_Icmp6InPktTooBigs), 5);
    assert_int_equal(ctr(&p, SYNACK_CTR_Icmp6InErrors), 3);
    /* none of it lowered anything or made a cache */
    assert_int_equal(maxseg(&p, a.cs), 1428);
    assert_int_equal(ctr(&p, SYNACK_CTR_PmtuCacheUpdates), 0);
    assert_true(synack_mem_in_use(p.st[0]) <= mem);
    v6_run_for(&p, 300000);
    conn b = open_conn(&p);
    assert_int_equal(maxseg(&p, b.cs), 1428);
    /* An MTU above the link's says nothing new: ignored. */
    send_meets_ptb(&p, &b, 9000);
    assert_int_equal(maxseg(&p, b.cs), 1428);
    assert_int_equal(ctr(&p, SYNACK_CTR_PmtuCacheUpdates), 0);
    v6_free(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_new_connection_uses_cached_pmtu),
        cmocka_unit_test(test_ptb_below_minimum_clamped),
        cmocka_unit_test(test_ptb_must_match_connection),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
