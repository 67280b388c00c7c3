/* SPDX-License-Identifier: MIT */
/* IPv6 fragments reaching the stack (src/stack/ip6.c into src/stack/ip_frag.c over
 * src/stack/reasm.c, RFC 8200 4.5): an ICMPv6 echo request cut into fragments is answered
 * byte for byte whatever their order; a fragmented TCP SYN reaches TCP; overlapping
 * fragments discard the datagram (RFC 5722), an exact duplicate only itself; a datagram
 * that runs out of time after 60 s is freed and, when its first fragment came, answered
 * with Time Exceeded code 1 quoting that fragment; an atomic fragment is processed at
 * once beside a datagram of the same identification (RFC 6946); a first fragment without
 * the upper-layer header gets Parameter Problem code 3 (RFC 7112); more datagrams than
 * the table holds are dropped and counted; a Fragment header inside a reassembled
 * datagram is dropped. Two stacks, 2001:db8::1 (client, side 0) and 2001:db8::2 (server,
 * side 1), on an in-memory IP link; fragments are handed to the server directly. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "support/ipv6_link_rig.h"
#include "synack/synack.h"
#include "wire/bytes.h"
#include "wire/checksum.h"
#include "wire/icmpv6.h"
#include "wire/ipv4.h"
#include "wire/ipv6.h"
#include "wire/tcp_wire.h"

#define DELAY UINT64_C(1000)
#define TIMEOUT_US UINT64_C(60000000) /* RFC 8200 4.5 */
#define ECHO_DATA 1000                /* ICMPv6 message: 8 + 1000 = 1008 bytes */

#define A6 IP6_RIG_ADDR

static ip6_tap rec;

typedef struct v6pair {
    synack_memlink *link;
    synack_stack *st[2];
    uint64_t now;
    size_t mem0; /* the server's synack_mem_in_use before any fragment */
    uint8_t echo[ICMP6_HDR_LEN + ECHO_DATA];
} v6pair;

/* arg: the server's cfg.reasm_max_datagrams (0: the default) */
static void tweak(synack_config *c, int h, void *arg)
{
    uint32_t max_datagrams = *(const uint32_t *)arg;
    if (h == 1 && max_datagrams)
        c->reasm_max_datagrams = max_datagrams;
}

/* max_datagrams: the server's cfg.reasm_max_datagrams (0: the default). */
static void v6_init(v6pair *p, uint32_t max_datagrams)
{
    memset(p, 0, sizeof(*p));
    ip6_pair_init(&p->link, p->st, &rec, 64, tweak, &max_datagrams);
    p->mem0 = synack_mem_in_use(p->st[1]);
    /* An echo request from the client, its data a pattern. */
    uint8_t data[ECHO_DATA];
    for (size_t i = 0; i < sizeof(data); i++)
        data[i] = (uint8_t)(i * 7 + 3);
    ipv6_addr c, s;
    memcpy(c.b, A6[0], 16);
    memcpy(s.b, A6[1], 16);
    icmp6_msg req = {
        .type = ICMP6_ECHO_REQUEST, .rest = 0x42000001u, .payload = data, .payload_len = ECHO_DATA};
    assert_int_equal(icmp6_emit(p->echo, sizeof(p->echo), &req, &c, &s), sizeof(p->echo));
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
    return synack_counter_get(p->st[1], c);
}

/* An IPv6 packet from `from` to the other side: the fixed header with next header nh,
 * then len bytes of l4. Returns its length. */
static size_t pkt6(uint8_t *buf, uint8_t nh, const uint8_t *l4, size_t len, int from)
{
    ipv6_hdr h = {.next = nh, .hop_limit = 64};
    memcpy(h.src.b, A6[from], 16);
    memcpy(h.dst.b, A6[1 - from], 16);
    assert_int_equal(ipv6_emit(buf, IPV6_HDR_LEN, &h, len), IPV6_HDR_LEN);
    memcpy(buf + IPV6_HDR_LEN, l4, len);
    return IPV6_HDR_LEN + len;
}

/* The fragment of msg (whose upper layer is nh) holding bytes [off, off + len), client to
 * server, identification id: fixed header, Fragment header, data. Returns its length. */
static size_t frag6(uint8_t *buf, uint8_t nh, const uint8_t *msg, size_t off, size_t len, int more,
                    uint32_t id)
{
    uint8_t l4[IPV6_FRAG_HDR_LEN + 1500];
    assert_true(len <= 1500);
    assert_int_equal(ipv6_frag_emit(l4, sizeof(l4), nh, (uint16_t)off, more, id), 8);
    memcpy(l4 + IPV6_FRAG_HDR_LEN, msg + off, len);
    return pkt6(buf, IP_PROTO_FRAGMENT, l4, IPV6_FRAG_HDR_LEN + len, 0);
}

/* Fragment [off, off + len) of the echo request to the server; synack_input's result. */
static int send_echo_frag(v6pair *p, size_t off, size_t len, int more, uint32_t id)
{
    uint8_t b[1600];
    size_t n = frag6(b, IP_PROTO_ICMPV6, p->echo, off, len, more, id);
    return synack_input(p->st[1], p->now, b, n);
}

/* The link carried exactly one frame, the echo reply to the request, built independently. */
static void assert_one_echo_reply(v6pair *p)
{
    v6_run_for(p, 2 * DELAY);
    assert_int_equal(rec.n, 1);
    ipv6_addr c, s;
    memcpy(c.b, A6[0], 16);
    memcpy(s.b, A6[1], 16);
    icmp6_msg rep = {.type = ICMP6_ECHO_REPLY,
                     .rest = 0x42000001u,
                     .payload = p->echo + ICMP6_HDR_LEN,
                     .payload_len = ECHO_DATA};
    uint8_t l4[sizeof(p->echo)], want[IPV6_HDR_LEN + sizeof(p->echo)];
    assert_int_equal(icmp6_emit(l4, sizeof(l4), &rep, &s, &c), sizeof(l4));
    size_t wlen = pkt6(want, IP_PROTO_ICMPV6, l4, sizeof(l4), 1);
    assert_int_equal(rec.f[0].to, 0);
    assert_int_equal(rec.f[0].len, wlen);
    assert_memory_equal(rec.f[0].b, want, wlen);
    rec.n = 0;
}

/* The 1008-byte message as [0, 400), [400, 800), [800, 1008). */
static void test_fragments_in_order(void **state)
{
    (void)state;
    v6pair p;
    v6_init(&p, 0);
    assert_int_equal(send_echo_frag(&p, 0, 400, 1, 0x1001), 0);
    assert_int_equal(send_echo_frag(&p, 400, 400, 1, 0x1001), 0);
    assert_true(synack_mem_in_use(p.st[1]) > p.mem0);
    v6_run_for(&p, 2 * DELAY);
    assert_int_equal(rec.n, 0); /* nothing to answer yet */
    assert_int_equal(send_echo_frag(&p, 800, 208, 0, 0x1001), 0);
    assert_one_echo_reply(&p);
    assert_int_equal(ctr(&p, SYNACK_CTR_Ip6ReasmReqds), 3);
    assert_int_equal(ctr(&p, SYNACK_CTR_Ip6ReasmOKs), 1);
    assert_int_equal(ctr(&p, SYNACK_CTR_Ip6ReasmFails), 0);
    /* Each fragment is a packet received; the datagram is what was delivered. */
    assert_int_equal(ctr(&p, SYNACK_CTR_Ip6InReceives), 3);
    assert_int_equal(ctr(&p, SYNACK_CTR_Ip6InDelivers), 1);
    assert_int_equal(ctr(&p, SYNACK_CTR_Icmp6InEchos), 1);
    assert_int_equal(ctr(&p, SYNACK_CTR_ReasmReqds), 0);  /* IPv4's are apart */
    assert_int_equal(synack_mem_in_use(p.st[1]), p.mem0); /* the state is freed when idle */
    v6_free(&p);
}

static void test_fragments_reversed(void **state)
{
    (void)state;
    v6pair p;
    v6_init(&p, 0);
    assert_int_equal(send_echo_frag(&p, 800, 208, 0, 0x1002), 0);
    assert_int_equal(send_echo_frag(&p, 400, 400, 1, 0x1002), 0);
    assert_int_equal(send_echo_frag(&p, 0, 400, 1, 0x1002), 0);
    assert_one_echo_reply(&p);
    assert_int_equal(ctr(&p, SYNACK_CTR_Ip6ReasmOKs), 1);
    assert_int_equal(ctr(&p, SYNACK_CTR_Ip6ReasmFails), 0);
    assert_int_equal(synack_mem_in_use(p.st[1]), p.mem0);
    v6_free(&p);
}

/* RFC 5722: an overlap discards the whole datagram; its later fragments start a new one
 * that never completes. */
static void test_overlap_discards_datagram(void **state)
{
    (void)state;
    v6pair p;
    v6_init(&p, 0);
    assert_int_equal(send_echo_frag(&p, 0, 400, 1, 0x1003), 0);
    assert_int_equal(send_echo_frag(&p, 392, 408, 1, 0x1003), -EINVAL); /* [392, 800) */
    assert_int_equal(ctr(&p, SYNACK_CTR_Ip6ReasmFails), 1);
    assert_int_equal(synack_mem_in_use(p.st[1]), p.mem0); /* nothing of it is kept */
    assert_int_equal(send_echo_frag(&p, 400, 400, 1, 0x1003), 0);
    assert_int_equal(send_echo_frag(&p, 800, 208, 0, 0x1003), 0);
    v6_run_for(&p, 2 * DELAY);
    assert_int_equal(rec.n, 0);
    assert_int_equal(ctr(&p, SYNACK_CTR_Ip6ReasmOKs), 0);
    /* It times out without its first fragment: no Time Exceeded (RFC 8200 4.5). */
    v6_run_for(&p, TIMEOUT_US);
    assert_int_equal(rec.n, 0);
    assert_int_equal(ctr(&p, SYNACK_CTR_Ip6ReasmTimeout), 1);
    assert_int_equal(ctr(&p, SYNACK_CTR_Ip6ReasmFails), 2);
    assert_int_equal(ctr(&p, SYNACK_CTR_Icmp6OutTimeExcds), 0);
    assert_int_equal(synack_mem_in_use(p.st[1]), p.mem0);
    v6_free(&p);
}

/* An exact duplicate is dropped alone (RFC 5722 erratum 3089): the datagram completes. */
static void test_duplicate_dropped_alone(void **state)
{
    (void)state;
    v6pair p;
    v6_init(&p, 0);
    assert_int_equal(send_echo_frag(&p, 400, 400, 1, 0x1004), 0);
    assert_int_equal(send_echo_frag(&p, 400, 400, 1, 0x1004), -EINVAL);
    assert_int_equal(ctr(&p, SYNACK_CTR_Ip6ReasmFails), 1);
    assert_int_equal(send_echo_frag(&p, 0, 400, 1, 0x1004), 0);
    assert_int_equal(send_echo_frag(&p, 800, 208, 0, 0x1004), 0);
    assert_one_echo_reply(&p);
    assert_int_equal(ctr(&p, SYNACK_CTR_Ip6ReasmReqds), 4);
    assert_int_equal(ctr(&p, SYNACK_CTR_Ip6ReasmOKs), 1);
    v6_free(&p);
}

/* 60 s after the first-arriving fragment, the datagram is given up: Time Exceeded code 1
 * to its source, quoting the first fragment as it came (RFC 8200 4.5, RFC 4443 3.3). */
static void test_timeout_time_exceeded(void **state)
{
    (void)state;
    v6pair p;
    v6_init(&p, 0);
    p.now = 5000;
    uint8_t first[1600];
    size_t flen = frag6(first, IP_PROTO_ICMPV6, p.echo, 0, 400, 1, 0x1005);
    assert_int_equal(synack_input(p.st[1], p.now, first, flen), 0);
    uint64_t t0 = p.now;
    v6_run_for(&p, DELAY);
    assert_int_equal(send_echo_frag(&p, 800, 208, 0, 0x1005), 0);
    assert_int_equal(synack_next_deadline(p.st[1]), t0 + TIMEOUT_US);
    v6_run_for(&p, t0 + TIMEOUT_US - 1 - p.now);
    assert_int_equal(rec.n, 0);
    assert_int_equal(ctr(&p, SYNACK_CTR_Ip6ReasmTimeout), 0);
    v6_run_for(&p, 1 + 2 * DELAY);
    assert_int_equal(rec.n, 1);
    ipv6_addr c, s;
    memcpy(c.b, A6[0], 16);
    memcpy(s.b, A6[1], 16);
    uint8_t l4[1280], want[1400];
    size_t n = icmp6_error_emit(l4, sizeof(l4), ICMP6_TIME_EXCEEDED, ICMP6_TIME_REASSEMBLY, 0,
                                first, flen, &s, &c);
    assert_int_equal(n, ICMP6_HDR_LEN + flen);
    size_t wlen = pkt6(want, IP_PROTO_ICMPV6, l4, n, 1);
    assert_int_equal(rec.f[0].to, 0);
    assert_int_equal(rec.f[0].len, wlen);
    assert_memory_equal(rec.f[0].b, want, wlen);
    assert_int_equal(ctr(&p, SYNACK_CTR_Ip6ReasmTimeout), 1);
    assert_int_equal(ctr(&p, SYNACK_CTR_Ip6ReasmFails), 1);
    assert_int_equal(ctr(&p, SYNACK_CTR_Icmp6OutTimeExcds), 1);
    assert_int_equal(ctr(&p, SYNACK_CTR_Icmp6OutMsgs), 1);
    assert_int_equal(ctr(&p, SYNACK_CTR_OutTimeExcds), 0); /* that one is ICMP's (IPv4) */
    assert_int_equal(synack_mem_in_use(p.st[1]), p.mem0);
    /* The client heard of it and, not a TCP segment of its own, answers nothing. */
    assert_int_equal(synack_counter_get(p.st[0], SYNACK_CTR_Icmp6InTimeExcds), 1);
    assert_int_equal(synack_counter_get(p.st[0], SYNACK_CTR_Icmp6OutMsgs), 0);
    v6_free(&p);
}

/* RFC 6946: offset 0 without M is processed at once, apart from a datagram in progress
 * with the same identification, which still completes. */
static void test_atomic_fragment(void **state)
{
    (void)state;
    v6pair p;
    v6_init(&p, 0);
    assert_int_equal(send_echo_frag(&p, 0, 400, 1, 0x1006), 0);
    size_t mem = synack_mem_in_use(p.st[1]);
    assert_int_equal(send_echo_frag(&p, 0, sizeof(p.echo), 0, 0x1006), 0);
    assert_one_echo_reply(&p);
    assert_int_equal(synack_mem_in_use(p.st[1]), mem); /* no reassembly state touched */
    /* Linux's ipv6_frag_rcv counts an atomic fragment as requested and reassembled. */
    assert_int_equal(ctr(&p, SYNACK_CTR_Ip6ReasmReqds), 2);
    assert_int_equal(ctr(&p, SYNACK_CTR_Ip6ReasmOKs), 1);
    assert_int_equal(send_echo_frag(&p, 400, 608, 0, 0x1006), 0);
    assert_one_echo_reply(&p);
    assert_int_equal(ctr(&p, SYNACK_CTR_Ip6ReasmOKs), 2);
    assert_int_equal(ctr(&p, SYNACK_CTR_Ip6ReasmFails), 0);
    assert_int_equal(synack_mem_in_use(p.st[1]), p.mem0);
    v6_free(&p);
}

/* RFC 7112 5: a first fragment without the upper-layer header is answered with Parameter
 * Problem code 3, pointer 0, and nothing of it is held. */
static void test_first_fragment_without_upper_header(void **state)
{
    (void)state;
    v6pair p;
    v6_init(&p, 0);
    uint8_t tcp[24] = {0};
    wr16(tcp, 4000);
    wr16(tcp + 2, 80);
    tcp[12] = 6 << 4;
    tcp[13] = TCP_SYN;
    uint8_t b[128];
    size_t n = frag6(b, IP_PROTO_TCP, tcp, 0, 16, 1, 0x1007); /* 16 of its 20 header bytes */
    assert_int_equal(synack_input(p.st[1], p.now, b, n), -EINVAL);
    v6_run_for(&p, 2 * DELAY);
    assert_int_equal(rec.n, 1);
    ipv6_addr c, s;
    memcpy(c.b, A6[0], 16);
    memcpy(s.b, A6[1], 16);
    uint8_t l4[256], want[320];
    size_t m = icmp6_error_emit(l4, sizeof(l4), ICMP6_PARAM_PROBLEM, ICMP6_PARAM_INCOMPLETE, 0, b,
                                n, &s, &c);
    size_t wlen = pkt6(want, IP_PROTO_ICMPV6, l4, m, 1);
    assert_int_equal(rec.f[0].len, wlen);
    assert_memory_equal(rec.f[0].b, want, wlen);
    assert_int_equal(ctr(&p, SYNACK_CTR_Ip6InHdrErrors), 1);
    assert_int_equal(ctr(&p, SYNACK_CTR_Ip6ReasmReqds), 0);
    assert_int_equal(synack_mem_in_use(p.st[1]), p.mem0);
    v6_free(&p);
}

/* The table's bound: a fifth datagram while four are in progress is dropped and counted;
 * memory stays bounded and comes back when they expire. */
static void test_too_many_datagrams(void **state)
{
    (void)state;
    v6pair p;
    v6_init(&p, 4);
    for (uint32_t id = 0; id < 4; id++)
        assert_int_equal(send_echo_frag(&p, 400, 400, 1, 0x2000 + id), 0);
    size_t mem = synack_mem_in_use(p.st[1]);
    assert_int_equal(send_echo_frag(&p, 400, 400, 1, 0x2004), -EINVAL);
    assert_int_equal(ctr(&p, SYNACK_CTR_Ip6ReasmFails), 1);
    assert_int_equal(synack_mem_in_use(p.st[1]), mem);
    /* One of the four completes; its slot is then free again. */
    assert_int_equal(send_echo_frag(&p, 0, 400, 1, 0x2001), 0);
    assert_int_equal(send_echo_frag(&p, 800, 208, 0, 0x2001), 0);
    assert_one_echo_reply(&p);
    assert_int_equal(send_echo_frag(&p, 400, 400, 1, 0x2004), 0);
    assert_int_equal(ctr(&p, SYNACK_CTR_Ip6ReasmFails), 1);
    v6_run_for(&p, TIMEOUT_US + DELAY);
    assert_int_equal(ctr(&p, SYNACK_CTR_Ip6ReasmTimeout), 4);
    assert_int_equal(ctr(&p, SYNACK_CTR_Ip6ReasmFails), 5);
    assert_int_equal(rec.n, 0); /* none had its first fragment */
    assert_int_equal(synack_mem_in_use(p.st[1]), p.mem0);
    v6_free(&p);
}

/* A Fragment header inside a fragmented datagram: the first fragment's chain shows it
 * (RFC 7112 puts the whole chain there), and it is dropped before reassembly, counted. */
static void test_nested_fragment_dropped(void **state)
{
    (void)state;
    v6pair p;
    v6_init(&p, 0);
    /* The inner packet's payload: a Fragment header (offset 8, M) and 16 bytes. */
    uint8_t inner[IPV6_FRAG_HDR_LEN + 16] = {0};
    assert_int_equal(ipv6_frag_emit(inner, sizeof(inner), IP_PROTO_ICMPV6, 8, 1, 0x3001), 8);
    uint8_t b[128];
    size_t n = frag6(b, IP_PROTO_FRAGMENT, inner, 8, 16, 0, 0x3000);
    assert_int_equal(synack_input(p.st[1], p.now, b, n), 0);
    n = frag6(b, IP_PROTO_FRAGMENT, inner, 0, 8, 1, 0x3000);
    assert_int_equal(synack_input(p.st[1], p.now, b, n), -EINVAL);
    assert_int_equal(ctr(&p, SYNACK_CTR_Ip6InHdrErrors), 1);
    assert_int_equal(ctr(&p, SYNACK_CTR_Ip6ReasmReqds), 1);
    assert_int_equal(ctr(&p, SYNACK_CTR_Ip6ReasmOKs), 0);
    v6_run_for(&p, TIMEOUT_US + DELAY);
    assert_int_equal(rec.n, 0); /* the held part never had a first fragment */
    assert_int_equal(ctr(&p, SYNACK_CTR_Ip6ReasmTimeout), 1);
    assert_int_equal(synack_mem_in_use(p.st[1]), p.mem0);
    v6_free(&p);
}

/* A TCP SYN in two fragments reaches the listener, which answers it: the checksum is
 * checked over the reassembled segment. */
static void test_fragmented_tcp_syn(void **state)
{
    (void)state;
    v6pair p;
    v6_init(&p, 0);
    int ls = synack_socket_domain(p.st[1], SYNACK_AF_INET6, SYNACK_SOCK_STREAM);
    struct synack_sockaddr_in6 a;
    memset(&a, 0, sizeof(a));
    a.sin6_family = SYNACK_AF_INET6;
    wr16((uint8_t *)&a.sin6_port, 80);
    assert_int_equal(synack_bind(p.st[1], ls, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(synack_listen(p.st[1], ls, 8), 0);
    /* A SYN with MSS 1220 and 16 bytes of data (left unacknowledged: no Fast Open). */
    uint8_t seg[40] = {0};
    wr16(seg, 4000);
    wr16(seg + 2, 80);
    wr32(seg + 4, 1000);
    seg[12] = 6 << 4;
    seg[13] = TCP_SYN;
    wr16(seg + 14, 65535);
    seg[20] = 2;
    seg[21] = 4;
    wr16(seg + 22, 1220);
    memset(seg + 24, 0x5a, 16);
    uint64_t sum = csum_pseudo_ipv6(0, A6[0], A6[1], IP_PROTO_TCP, sizeof(seg));
    wr16(seg + 16, csum_finish(csum_add(sum, seg, sizeof(seg))));
    uint8_t b[128];
    size_t n = frag6(b, IP_PROTO_TCP, seg, 24, 16, 0, 0x4000);
    assert_int_equal(synack_input(p.st[1], p.now, b, n), 0);
    n = frag6(b, IP_PROTO_TCP, seg, 0, 24, 1, 0x4000);
    assert_int_equal(synack_input(p.st[1], p.now, b, n), 0);
    v6_run_for(&p, 2 * DELAY);
    assert_true(rec.n >= 1); /* then the client's stack, which sent no SYN, resets it */
    assert_int_equal(rec.f[0].to, 0);
    tcp_seg s;
    uint64_t hs;
    assert_int_equal(tcp_parse6(rec.f[0].b + IPV6_HDR_LEN, rec.f[0].len - IPV6_HDR_LEN, A6[1],
                                A6[0], 0, &s, &hs),
                     WIRE_OK);
    assert_int_equal(s.flags, TCP_SYN | TCP_ACK);
    assert_int_equal(s.ack, 1001);
    assert_int_equal(s.sport, 80);
    assert_int_equal(s.dport, 4000);
    assert_int_equal(ctr(&p, SYNACK_CTR_Ip6ReasmOKs), 1);
    assert_int_equal(ctr(&p, SYNACK_CTR_InCsumErrors), 0);
    v6_free(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fragments_in_order),
        cmocka_unit_test(test_fragments_reversed),
        cmocka_unit_test(test_overlap_discards_datagram),
        cmocka_unit_test(test_duplicate_dropped_alone),
        cmocka_unit_test(test_timeout_time_exceeded),
        cmocka_unit_test(test_atomic_fragment),
        cmocka_unit_test(test_first_fragment_without_upper_header),
        cmocka_unit_test(test_too_many_datagrams),
        cmocka_unit_test(test_nested_fragment_dropped),
        cmocka_unit_test(test_fragmented_tcp_syn),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
