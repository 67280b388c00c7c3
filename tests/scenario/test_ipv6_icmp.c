/* SPDX-License-Identifier: MIT */
/* ICMPv6 in the stack (src/stack/icmp6.c, RFC 4443): echo replies byte for byte; the
 * errors IPv6 input sends (Parameter Problem for an unknown next header or a bad header
 * chain, port unreachable for UDP) within a token bucket, each one held back counted;
 * received errors reaching TCP: Packet Too Big lowers the connection's MSS and resends
 * (RFC 8201, floor 1280), port unreachable aborts a connection in SYN-SENT. Two stacks,
 * 2001:db8::1 (client) and 2001:db8::2 (server), on an in-memory IP link. */
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
#include "wire/checksum.h"
#include "wire/icmpv6.h"
#include "wire/ipv4.h"
#include "wire/ipv6.h"
#include "wire/tcp_wire.h"

#define DELAY UINT64_C(1000)

#define A6 IP6_RIG_ADDR

static ip6_tap rec;

typedef ip6_pair v6pair;

static void v6_init(v6pair *p)
{
    memset(p, 0, sizeof(*p));
    ip6_pair_init(&p->link, p->st, &rec, 512, NULL, NULL);
}

static void v6_free(v6pair *p)
{
    ip6_pair_free(p->link, p->st);
}

static uint64_t ctr(const v6pair *p, int h, synack_counter c)
{
    return synack_counter_get(p->st[h], c);
}

static ipv6_addr addr(int h)
{
    ipv6_addr a;
    memcpy(a.b, A6[h], 16);
    return a;
}

/* An IPv6 packet from the client's address to the server's (hop limit 64) carrying
 * l4_len bytes of next header nh. Returns its length. */
static size_t pkt6(uint8_t *buf, uint8_t nh, const uint8_t *l4, size_t l4_len, int from)
{
    ipv6_hdr h = {.next = nh, .hop_limit = 64, .src = addr(from), .dst = addr(1 - from)};
    assert_int_equal(ipv6_emit(buf, IPV6_HDR_LEN, &h, l4_len), IPV6_HDR_LEN);
    memcpy(buf + IPV6_HDR_LEN, l4, l4_len);
    return IPV6_HDR_LEN + l4_len;
}

/* Gives the server (side 1) a packet the client's address sent, as if off the link. */
static void to_stack(v6pair *p, int h, const uint8_t *pkt, size_t len)
{
    (void)synack_input(p->st[h], p->now, pkt, len);
}

static void test_echo_reply_exact(void **state)
{
    (void)state;
    v6pair p;
    v6_init(&p);
    const uint8_t data[11] = "synack-ping";
    ipv6_addr c = addr(0), s = addr(1);
    icmp6_msg req = {.type = ICMP6_ECHO_REQUEST,
                     .rest = 0x12340007u,
                     .payload = data,
                     .payload_len = sizeof(data)};
    uint8_t l4[64], pkt[128];
    size_t n = icmp6_emit(l4, sizeof(l4), &req, &c, &s);
    assert_int_equal(n, 8 + sizeof(data));
    to_stack(&p, 1, pkt, pkt6(pkt, IP_PROTO_ICMPV6, l4, n, 0));
    ip6_pair_run(&p, 2 * DELAY);
    assert_int_equal(rec.n, 1);
    /* the reply: server to client, hop limit 64, type 129, identifier, sequence and data
     * unchanged, the checksum over the pseudo-header */
    icmp6_msg rep = req;
    rep.type = ICMP6_ECHO_REPLY;
    uint8_t want_l4[64], want[128];
    size_t wn = icmp6_emit(want_l4, sizeof(want_l4), &rep, &s, &c);
    size_t wlen = pkt6(want, IP_PROTO_ICMPV6, want_l4, wn, 1);
    assert_int_equal(rec.f[0].to, 0);
    assert_int_equal(rec.f[0].len, wlen);
    assert_memory_equal(rec.f[0].b, want, wlen);
    assert_int_equal(ctr(&p, 1, SYNACK_CTR_Icmp6InMsgs), 1);
    assert_int_equal(ctr(&p, 1, SYNACK_CTR_Icmp6InEchos), 1);
    assert_int_equal(ctr(&p, 1, SYNACK_CTR_Icmp6OutEchoReplies), 1);
    assert_int_equal(ctr(&p, 1, SYNACK_CTR_Icmp6OutMsgs), 1);
    assert_int_equal(ctr(&p, 1, SYNACK_CTR_Ip6InDelivers), 1);
    /* the client takes the reply in and answers nothing */
    assert_int_equal(ctr(&p, 0, SYNACK_CTR_Icmp6InMsgs), 1);
    assert_int_equal(ctr(&p, 0, SYNACK_CTR_Icmp6OutMsgs), 0);

    /* a corrupted checksum: dropped, counted, no reply */
    l4[2] ^= 0xff;
    to_stack(&p, 1, pkt, pkt6(pkt, IP_PROTO_ICMPV6, l4, n, 0));
    ip6_pair_run(&p, 2 * DELAY);
    assert_int_equal(rec.n, 1);
    assert_int_equal(ctr(&p, 1, SYNACK_CTR_Icmp6InCsumErrors), 1);
    assert_int_equal(ctr(&p, 1, SYNACK_CTR_Icmp6InErrors), 1);
    v6_free(&p);
}

/* The error the server must send about invoking packet inv, built independently. */
static void expect_error(const ip6_frame *f, uint8_t type, uint8_t code, uint32_t rest,
                         const uint8_t *inv, size_t inv_len)
{
    ipv6_addr c = addr(0), s = addr(1);
    uint8_t l4[1280], want[1400];
    size_t n = icmp6_error_emit(l4, sizeof(l4), type, code, rest, inv, inv_len, &s, &c);
    assert_true(n > 8);
    size_t wlen = pkt6(want, IP_PROTO_ICMPV6, l4, n, 1);
    assert_int_equal(f->to, 0);
    assert_int_equal(f->len, wlen);
    assert_memory_equal(f->b, want, wlen);
}

static void test_unknown_next_header_parameter_problem(void **state)
{
    (void)state;
    v6pair p;
    v6_init(&p);
    uint8_t junk[16] = {1, 2, 3, 4}, pkt[128];
    size_t len = pkt6(pkt, 253, junk, sizeof(junk), 0);
    to_stack(&p, 1, pkt, len);
    ip6_pair_run(&p, 2 * DELAY);
    assert_int_equal(rec.n, 1);
    /* RFC 8200 4: code 1, the pointer at the fixed header's Next Header octet (6) */
    expect_error(&rec.f[0], ICMP6_PARAM_PROBLEM, ICMP6_PARAM_UNKNOWN_NH, 6, pkt, len);
    assert_int_equal(ctr(&p, 1, SYNACK_CTR_Ip6InUnknownProtos), 1);
    assert_int_equal(ctr(&p, 1, SYNACK_CTR_Icmp6OutParmProblems), 1);
    assert_int_equal(ctr(&p, 0, SYNACK_CTR_Icmp6InParmProblems), 1);
    /* the client's stack hears of it, finds no TCP segment of its own quoted, and says
     * nothing back (RFC 4443 2.4(e.1): never an error about an error) */
    assert_int_equal(ctr(&p, 0, SYNACK_CTR_Icmp6OutMsgs), 0);

    /* UDP: no AF_INET6 datagram socket has port 9, so port unreachable (the datagram is
     * a well-formed one now that UDP over IPv6 checks length and checksum) */
    rec.n = 0;
    wr16(junk, 4000);
    wr16(junk + 2, 9);
    wr16(junk + 4, sizeof(junk));
    wr16(junk + 6, 0);
    ipv6_addr c = addr(0), sv = addr(1);
    uint16_t sum = csum_finish(
        csum_add(csum_pseudo_ipv6(0, c.b, sv.b, IP_PROTO_UDP, sizeof(junk)), junk, sizeof(junk)));
    wr16(junk + 6, sum);
    len = pkt6(pkt, IP_PROTO_UDP, junk, sizeof(junk), 0);
    to_stack(&p, 1, pkt, len);
    ip6_pair_run(&p, 2 * DELAY);
    assert_int_equal(rec.n, 1);
    expect_error(&rec.f[0], ICMP6_DEST_UNREACH, ICMP6_UNREACH_PORT, 0, pkt, len);
    assert_int_equal(ctr(&p, 1, SYNACK_CTR_Icmp6OutDestUnreachs), 1);
    v6_free(&p);
}

static void test_bad_extension_header_parameter_problem(void **state)
{
    (void)state;
    v6pair p;
    v6_init(&p);
    /* a Destination Options header with an unknown option of type 0x80 (the high bits
     * 10: discard and send Parameter Problem code 2 even to multicast, RFC 8200 4.2) */
    uint8_t ext[16] = {IP_PROTO_TCP, 1, 0x80, 4, 0, 0, 0, 0, 1, 6, 0, 0, 0, 0, 0, 0};
    uint8_t pkt[128];
    size_t len = pkt6(pkt, 60, ext, sizeof(ext), 0);
    to_stack(&p, 1, pkt, len);
    ip6_pair_run(&p, 2 * DELAY);
    assert_int_equal(rec.n, 1);
    /* the pointer at the option's type octet: 40 + 2 */
    expect_error(&rec.f[0], ICMP6_PARAM_PROBLEM, ICMP6_PARAM_UNKNOWN_OPT, 42, pkt, len);
    assert_int_equal(ctr(&p, 1, SYNACK_CTR_Ip6InHdrErrors), 1);
    assert_int_equal(ctr(&p, 1, SYNACK_CTR_Icmp6OutParmProblems), 1);
    v6_free(&p);
}

static void test_errors_rate_limited(void **state)
{
    (void)state;
    v6pair p;
    v6_init(&p);
    uint8_t junk[8] = {0}, pkt[64];
    size_t len = pkt6(pkt, 253, junk, sizeof(junk), 0);
    /* a burst of 50, then none until the bucket refills at one a millisecond (each from
     * a source of its own: one source alone meets its per-destination limit first) */
    for (int i = 0; i < 60; i++) {
        pkt[23] = (uint8_t)(0x10 + i);
        to_stack(&p, 1, pkt, len);
    }
    assert_int_equal(ctr(&p, 1, SYNACK_CTR_Icmp6OutParmProblems), 50);
    assert_int_equal(ctr(&p, 1, SYNACK_CTR_IcmpOutRateLimitGlobal), 10);
    assert_int_equal(ctr(&p, 1, SYNACK_CTR_Ip6InUnknownProtos), 60);
    p.now += 5000;
    for (int i = 0; i < 6; i++) {
        pkt[23] = (uint8_t)(0x80 + i);
        to_stack(&p, 1, pkt, len);
    }
    assert_int_equal(ctr(&p, 1, SYNACK_CTR_Icmp6OutParmProblems), 55);
    assert_int_equal(ctr(&p, 1, SYNACK_CTR_IcmpOutRateLimitGlobal), 11);
    ip6_pair_run(&p, 2 * DELAY);
    assert_int_equal(rec.n, 55);
    v6_free(&p);
}

static int connect6(v6pair *p, uint16_t port)
{
    int cs = synack_socket_domain(p->st[0], SYNACK_AF_INET6, SYNACK_SOCK_STREAM);
    assert_true(cs >= 0);
    struct synack_sockaddr_in6 a = ip6_sin6(A6[1], port);
    assert_int_equal(synack_connect(p->st[0], cs, (struct sockaddr *)&a, sizeof(a)), -EINPROGRESS);
    return cs;
}

/* An error from a router (2001:db8::2 stands in for it) to the client quoting the first 8
 * bytes of a TCP segment the client sent with sequence number seq and `plen` payload. */
static void error_to_client(v6pair *p, uint8_t type, uint8_t code, uint32_t rest, uint16_t sport,
                            uint32_t seq, size_t plen)
{
    uint8_t tcp[20] = {0}, quote[IPV6_HDR_LEN + 20];
    wr16(tcp, sport);
    wr16(tcp + 2, 80);
    wr32(tcp + 4, seq);
    pkt6(quote, IP_PROTO_TCP, tcp, sizeof(tcp), 0);
    wr16(quote + 4, (uint16_t)(20 + plen)); /* the quoted packet was that long */
    ipv6_addr c = addr(0), s = addr(1);
    uint8_t l4[128], pkt[256];
    size_t n = icmp6_error_emit(l4, sizeof(l4), type, code, rest, quote, sizeof(quote), &s, &c);
    to_stack(p, 0, pkt, pkt6(pkt, IP_PROTO_ICMPV6, l4, n, 1));
}

static int maxseg(v6pair *p, int s)
{
    return fx_maxseg(p->st[0], s);
}

static void packet_too_big(uint32_t mtu)
{
    v6pair p;
    v6_init(&p);
    int ls = synack_socket_domain(p.st[1], SYNACK_AF_INET6, SYNACK_SOCK_STREAM);
    struct synack_sockaddr_in6 a = ip6_sin6(NULL, 80);
    assert_int_equal(synack_bind(p.st[1], ls, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(synack_listen(p.st[1], ls, 8), 0);
    int cs = connect6(&p, 80);
    ip6_pair_run(&p, 10 * DELAY);
    tcp_seg syn;
    uint64_t hs;
    assert_int_equal(tcp_parse6(rec.f[0].b + IPV6_HDR_LEN, rec.f[0].len - IPV6_HDR_LEN, A6[0],
                                A6[1], 0, &syn, &hs),
                     WIRE_OK);
    int ss = synack_accept(p.st[1], ls, NULL, NULL);
    assert_true(ss >= 0);
    /* 1500 - 60 - 12 (timestamps) */
    assert_int_equal(maxseg(&p, cs), 1428);
    static uint8_t data[6000], got[6000];
    for (size_t i = 0; i < sizeof(data); i++)
        data[i] = (uint8_t)(i * 13 + 5);
    assert_int_equal(synack_send(p.st[0], cs, data, sizeof(data), 0), sizeof(data));
    /* the first full-sized segment met a 1280-byte link (or a claim below it) */
    size_t mark = rec.n;
    error_to_client(&p, ICMP6_PACKET_TOO_BIG, 0, mtu, syn.sport, syn.seq + 1, 1428 + 12);
    assert_int_equal(ctr(&p, 0, SYNACK_CTR_Icmp6InPktTooBigs), 1);
    /* RFC 8201 4 and 5.4: never below 1280, so 1280 - 60 - 12 */
    assert_int_equal(maxseg(&p, cs), 1208);
    ip6_pair_run(&p, 300000);
    size_t resent = 0;
    for (size_t i = mark; i < rec.n; i++) {
        if (rec.f[i].to != 1)
            continue;
        tcp_seg s;
        assert_int_equal(tcp_parse6(rec.f[i].b + IPV6_HDR_LEN, rec.f[i].len - IPV6_HDR_LEN, A6[0],
                                    A6[1], 0, &s, &hs),
                         WIRE_OK);
        if (s.seq == syn.seq + 1 && s.payload_len == 1208)
            resent++;
    }
    assert_true(resent >= 1); /* from SND.UNA again, at the new size */
    assert_int_equal(synack_recv(p.st[1], ss, got, sizeof(got), 0), sizeof(got));
    assert_memory_equal(got, data, sizeof(data));
    int err = -1;
    synack_socklen_t el = sizeof(err);
    assert_int_equal(synack_getsockopt(p.st[0], cs, SYNACK_SOL_SOCKET, SYNACK_SO_ERROR, &err, &el),
                     0);
    assert_int_equal(err, 0); /* not an error for the application */
    v6_free(&p);
}

static void test_packet_too_big_lowers_mss(void **state)
{
    (void)state;
    packet_too_big(1280);
}

static void test_packet_too_big_floor_1280(void **state)
{
    (void)state;
    packet_too_big(600);
}

static void test_port_unreachable_aborts_syn_sent(void **state)
{
    (void)state;
    v6pair p;
    v6_init(&p);
    rec.drop_to = 1;
    int cs = connect6(&p, 80);
    ip6_pair_run(&p, 2 * DELAY);
    assert_int_equal(rec.n, 1);
    tcp_seg syn;
    uint64_t hs;
    assert_int_equal(tcp_parse6(rec.f[0].b + IPV6_HDR_LEN, rec.f[0].len - IPV6_HDR_LEN, A6[0],
                                A6[1], 0, &syn, &hs),
                     WIRE_OK);
    /* a stale sequence number: out of the window, ignored (RFC 5927 4.1) */
    error_to_client(&p, ICMP6_DEST_UNREACH, ICMP6_UNREACH_PORT, 0, syn.sport, syn.seq - 1, 0);
    int err = -1;
    synack_socklen_t el = sizeof(err);
    assert_int_equal(synack_getsockopt(p.st[0], cs, SYNACK_SOL_SOCKET, SYNACK_SO_ERROR, &err, &el),
                     0);
    assert_int_equal(err, 0);
    /* the SYN itself: a hard error before synchronization (RFC 1122 4.2.3.9) */
    error_to_client(&p, ICMP6_DEST_UNREACH, ICMP6_UNREACH_PORT, 0, syn.sport, syn.seq, 0);
    assert_int_equal(ctr(&p, 0, SYNACK_CTR_Icmp6InDestUnreachs), 2);
    assert_int_equal(synack_getsockopt(p.st[0], cs, SYNACK_SOL_SOCKET, SYNACK_SO_ERROR, &err, &el),
                     0);
    assert_int_equal(err, ECONNREFUSED);
    v6_free(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_echo_reply_exact),
        cmocka_unit_test(test_unknown_next_header_parameter_problem),
        cmocka_unit_test(test_bad_extension_header_parameter_problem),
        cmocka_unit_test(test_errors_rate_limited),
        cmocka_unit_test(test_packet_too_big_lowers_mss),
        cmocka_unit_test(test_packet_too_big_floor_1280),
        cmocka_unit_test(test_port_unreachable_aborts_syn_sent),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
