/* SPDX-License-Identifier: MIT */
/* netif.output_iov (netif.h): a data segment leaves as its headers plus pieces pointing
 * into the send ring, never copied. Two stacks with the same seed get the same input, one
 * sending through output_ex and one through output_iov; the concatenated pieces must be
 * byte for byte the frames output_ex got, with the same metadata, through ring wrap,
 * retransmission, TSO super-frames and a FIN, with and without checksum offload, over
 * IPv4 and IPv6, and for segments that wait for ARP or Neighbor Discovery (copied whole
 * into the queue, they leave later as one piece). */
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "support/segbuild.h"
#include "synack/synack.h"
#include "wire/arp.h"
#include "wire/bytes.h"
#include "wire/checksum.h"
#include "wire/eth.h"
#include "wire/icmpv6.h"
#include "wire/ipv4.h"
#include "wire/ipv6.h"
#include "wire/tcp_wire.h"

#define ADDR 0xc0000202u /* the stacks */
#define PEER 0xc0000201u /* the test */
#define PORT 80
#define PEER_PORT 40000
#define PEER_ISS 1000u
#define MAX_FRAMES 2048
#define FRAME_CAP 70000

static const uint8_t our_mac[6] = {0x02, 0, 0, 0, 0, 2};
static const uint8_t peer_mac[6] = {0x02, 0, 0, 0, 0, 1};
static const uint8_t us6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2};
static const uint8_t peer6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};

typedef struct out_frame {
    uint8_t *data; /* malloc'd: the frame, or the pieces joined */
    size_t len;
    synack_tx_meta meta;
    unsigned npieces; /* 0 through output_ex */
    size_t first;     /* iov[0].len */
} out_frame;

typedef struct host {
    synack_stack *st;
    out_frame out[MAX_FRAMES];
    size_t nout;
} host;

static out_frame *next_frame(host *h, size_t len, const synack_tx_meta *meta)
{
    assert_non_null(meta);
    assert_true(h->nout < MAX_FRAMES);
    out_frame *f = &h->out[h->nout++];
    f->data = malloc(len ? len : 1);
    assert_non_null(f->data);
    f->len = len;
    f->meta = *meta;
    return f;
}

static int out_ex(void *ctx, const uint8_t *frame, size_t len, const synack_tx_meta *meta)
{
    out_frame *f = next_frame(ctx, len, meta);
    memcpy(f->data, frame, len);
    return 0;
}

static int out_iov(void *ctx, const synack_iov *iov, unsigned n, const synack_tx_meta *meta)
{
    assert_true(n >= 1 && n <= SYNACK_IOV_MAX);
    size_t len = 0;
    for (unsigned i = 0; i < n; i++)
        len += iov[i].len;
    out_frame *f = next_frame(ctx, len, meta);
    f->npieces = n;
    f->first = iov[0].len;
    size_t at = 0;
    for (unsigned i = 0; i < n; i++) {
        assert_true(iov[i].len > 0);
        memcpy(f->data + at, iov[i].base, iov[i].len);
        at += iov[i].len;
    }
    return 0;
}

typedef struct pair {
    host ex, iov;
    uint64_t now;
    int cs[2];
    int eth, v6;
} pair;

static void host_init(host *h, int iov, int eth, int v6, uint32_t tso_max, int tx_csum)
{
    synack_config cfg;
    synack_config_default(&cfg);
    /* the silence in run() is to resend from the ring by the retransmission timer; a
     * tail loss probe (RACK-TLP, the default) would send new data there instead */
    cfg.rack = 0;
    cfg.netif.type = eth ? SYNACK_LINK_ETHERNET : SYNACK_LINK_IP;
    memcpy(cfg.netif.mac, our_mac, 6);
    cfg.netif.addr = ADDR;
    cfg.netif.prefix_len = 24;
    cfg.netif.mtu = 1500;
    if (v6) {
        memcpy(cfg.netif.addr6, us6, 16);
        cfg.netif.prefix6_len = 64;
        cfg.dad_transmits = 0;
        cfg.mld_reports = 0;
    }
    cfg.netif.output_ctx = h;
    if (iov)
        cfg.netif.output_iov = out_iov;
    else
        cfg.netif.output_ex = out_ex;
    cfg.netif.tso_max = tso_max;
    cfg.netif.tx_csum = (uint8_t)tx_csum;
    synack_config_deterministic(&cfg, 7);
    cfg.sndbuf = 16384;     /* a small ring that wraps often */
    cfg.arp_cache_size = 1; /* another neighbour evicts the peer (run) */
    h->st = synack_stack_new(&cfg);
    assert_non_null(h->st);
}

static void host_free(host *h)
{
    for (size_t i = 0; i < h->nout; i++)
        free(h->out[i].data);
    synack_stack_free(h->st);
}

/* The same frame into both stacks. */
static void both_input(pair *p, const uint8_t *frame, size_t len)
{
    int a = synack_input(p->ex.st, p->now, frame, len);
    int b = synack_input(p->iov.st, p->now, frame, len);
    assert_int_equal(a, b);
}

static void peer_seg(pair *p, uint32_t seq, uint32_t ack, uint8_t flags, uint16_t win,
                     const tcp_opts *opts)
{
    static uint8_t buf[FRAME_CAP];
    size_t l2 = p->eth ? ETH_HDR_LEN : 0;
    size_t n = p->v6 ? seg_build6(buf + l2, sizeof buf - l2, peer6, us6, PEER_PORT, PORT, seq, ack,
                                  flags, win, NULL, 0, opts)
                     : seg_build(buf + l2, sizeof buf - l2, PEER, ADDR, PEER_PORT, PORT, seq, ack,
                                 flags, win, NULL, 0, opts);
    assert_true(n > 0);
    if (p->eth) {
        eth_hdr eh = {.ethertype = p->v6 ? ETHERTYPE_IPV6 : ETHERTYPE_IPV4};
        memcpy(eh.dst, our_mac, 6);
        memcpy(eh.src, peer_mac, 6);
        eth_emit(buf, ETH_HDR_LEN, &eh);
    }
    both_input(p, buf, n + l2);
}

/* An ARP reply (or request) from spa at mac to the stacks. */
static void arp_from(pair *p, uint16_t op, uint32_t spa, const uint8_t mac[6])
{
    uint8_t buf[ETH_HDR_LEN + ARP_LEN];
    eth_hdr eh = {.ethertype = ETHERTYPE_ARP};
    memcpy(eh.dst, our_mac, 6);
    memcpy(eh.src, mac, 6);
    eth_emit(buf, ETH_HDR_LEN, &eh);
    arp_pkt ap = {.op = op, .spa = spa, .tpa = ADDR};
    memcpy(ap.sha, mac, 6);
    memcpy(ap.tha, our_mac, 6);
    assert_true(arp_emit(buf + ETH_HDR_LEN, ARP_LEN, &ap) > 0);
    both_input(p, buf, sizeof buf);
}

/* The peer's ARP reply, so that the stacks know where it is. */
static void peer_arp(pair *p)
{
    arp_from(p, ARP_OP_REPLY, PEER, peer_mac);
}

/* The peer's Neighbor Advertisement (IPv6 on Ethernet). */
static void peer_na(pair *p)
{
    ipv6_addr us, peer;
    memcpy(us.b, us6, 16);
    memcpy(peer.b, peer6, 16);
    uint8_t l4[64], f[200];
    size_t n =
        nd_na_emit(l4, sizeof l4, ND_NA_SOLICITED | ND_NA_OVERRIDE, &peer, peer_mac, &peer, &us);
    eth_hdr eh = {.ethertype = ETHERTYPE_IPV6};
    memcpy(eh.dst, our_mac, 6);
    memcpy(eh.src, peer_mac, 6);
    eth_emit(f, ETH_HDR_LEN, &eh);
    ipv6_hdr ih = {.next = IP_PROTO_ICMPV6, .hop_limit = 255, .src = peer, .dst = us};
    assert_int_equal(ipv6_emit(f + ETH_HDR_LEN, IPV6_HDR_LEN, &ih, n), IPV6_HDR_LEN);
    memcpy(f + ETH_HDR_LEN + IPV6_HDR_LEN, l4, n);
    both_input(p, f, ETH_HDR_LEN + IPV6_HDR_LEN + n);
}

/* Whether frame f is a multicast Neighbor Solicitation: an address being resolved anew,
 * the packet that asked for it waiting in the queue (unicast ones are NUD probes). */
static int is_multicast_ns(const out_frame *f)
{
    return f->len > ETH_HDR_LEN + IPV6_HDR_LEN && rd16(f->data + 12) == ETHERTYPE_IPV6 &&
           f->data[ETH_HDR_LEN + 6] == IP_PROTO_ICMPV6 && f->data[ETH_HDR_LEN + 24] == 0xff &&
           f->data[ETH_HDR_LEN + IPV6_HDR_LEN] == 135;
}

/* IPv6 on Ethernet: the peer goes silent until Neighbor Unreachability Detection gives
 * its entry up (RFC 4861 7.3.3) and a retransmission, data from the ring, waits for a new
 * resolution; then it answers. Returns after the answer. */
static void nd_forgets_peer(pair *p)
{
    for (int step = 0; step < 1200; step++) {
        size_t before = p->iov.nout;
        p->now += 100000;
        synack_poll(p->ex.st, p->now);
        synack_poll(p->iov.st, p->now);
        for (size_t i = before; i < p->iov.nout; i++)
            if (is_multicast_ns(&p->iov.out[i])) {
                peer_na(p);
                return;
            }
    }
    fail_msg("the neighbour entry was never given up");
}

/* Frame f as TCP over IPv4 or IPv6; with verify, its checksum must be right. 0: not TCP
 * (ARP, ND). */
static int parse_tcp(const pair *p, const out_frame *f, tcp_seg *s, int verify)
{
    size_t l2 = p->eth ? ETH_HDR_LEN : 0;
    if (p->eth && rd16(f->data + 12) != (p->v6 ? ETHERTYPE_IPV6 : ETHERTYPE_IPV4))
        return 0;
    const uint8_t *b = f->data + l2;
    size_t len = f->len - l2;
    if (!p->v6) {
        ipv4_hdr ip;
        assert_int_equal(ipv4_parse(b, len, &ip), WIRE_OK);
        if (verify)
            assert_int_equal(tcp_parse(ip.payload, ip.payload_len, ip.src, ip.dst, s), WIRE_OK);
        else
            assert_int_equal(tcp_parse_ex(ip.payload, ip.payload_len, ip.src, ip.dst, 1, s),
                             WIRE_OK);
        return 1;
    }
    ipv6_hdr ip;
    assert_int_equal(ipv6_parse(b, len, &ip), WIRE_OK);
    if (ip.next != IP_PROTO_TCP)
        return 0;
    uint64_t hs = 0;
    assert_int_equal(tcp_parse6(ip.payload, ip.payload_len, us6, peer6, !verify, s, &hs), WIRE_OK);
    if (verify)
        assert_true(tcp_csum_complete(hs, csum_add(0, s->payload, s->payload_len)));
    return 1;
}

/* The last TCP segment the output_ex stack sent. */
static void last_seg(const pair *p, tcp_seg *s)
{
    assert_true(parse_tcp(p, &p->ex.out[p->ex.nout - 1], s, 0));
}

/* The highest sequence number either stack has sent so far, from the output_ex frames. */
static uint32_t snd_max(const pair *p, uint32_t from)
{
    uint32_t top = from;
    for (size_t i = 0; i < p->ex.nout; i++) {
        tcp_seg s;
        if (!parse_tcp(p, &p->ex.out[i], &s, 0))
            continue;
        uint32_t end = s.seq + (uint32_t)s.payload_len + ((s.flags & TCP_FIN) ? 1 : 0);
        if ((int32_t)(end - top) > 0)
            top = end;
    }
    return top;
}

static uint32_t establish(pair *p)
{
    int ls[2];
    for (int k = 0; k < 2; k++) {
        synack_stack *st = k ? p->iov.st : p->ex.st;
        if (p->v6) {
            ls[k] = synack_socket_domain(st, SYNACK_AF_INET6, SYNACK_SOCK_STREAM);
            struct synack_sockaddr_in6 sin6;
            memset(&sin6, 0, sizeof sin6);
            sin6.sin6_family = SYNACK_AF_INET6;
            sin6.sin6_port = htons(PORT);
            memcpy(sin6.sin6_addr.s6_bytes, us6, 16);
            assert_int_equal(synack_bind(st, ls[k], (struct sockaddr *)&sin6, sizeof sin6), 0);
        } else {
            ls[k] = synack_socket(st, SOCK_STREAM);
            struct sockaddr_in sin = {
                .sin_family = AF_INET, .sin_port = htons(PORT), .sin_addr.s_addr = htonl(ADDR)};
            assert_int_equal(synack_bind(st, ls[k], (struct sockaddr *)&sin, sizeof sin), 0);
        }
        assert_int_equal(synack_listen(st, ls[k], 4), 0);
    }
    if (p->eth && !p->v6)
        peer_arp(p);
    tcp_opts o = {.has_mss = 1, .mss = 1460, .has_wscale = 1, .wscale = 7, .sack_ok = 1};
    peer_seg(p, PEER_ISS, 0, TCP_SYN, 65535, &o);
    if (p->eth && p->v6)
        peer_na(p); /* the SYN-ACK waited for it */
    tcp_seg s;
    last_seg(p, &s);
    assert_int_equal(s.flags, TCP_SYN | TCP_ACK);
    peer_seg(p, PEER_ISS + 1, s.seq + 1, TCP_ACK, 65535, NULL);
    for (int k = 0; k < 2; k++) {
        p->cs[k] = synack_accept(k ? p->iov.st : p->ex.st, ls[k], NULL, NULL);
        assert_true(p->cs[k] >= 0);
    }
    return s.seq + 1;
}

static void both_send(pair *p, const uint8_t *data, size_t len)
{
    ssize_t a = synack_send(p->ex.st, p->cs[0], data, len, 0);
    ssize_t b = synack_send(p->iov.st, p->cs[1], data, len, 0);
    assert_int_equal(a, b);
}

static void both_poll(pair *p)
{
    synack_poll(p->ex.st, p->now);
    synack_poll(p->iov.st, p->now);
}

/* Runs a bulk send with partial ACKs, a retransmission timeout, on Ethernet a segment
 * that waits for the neighbour's address, and a FIN; compares the two stacks' frames. */
static void run(int eth, int v6, uint32_t tso_max, int tx_csum)
{
    static pair p;
    memset(&p, 0, sizeof p);
    p.eth = eth;
    p.v6 = v6;
    p.now = 1000000;
    host_init(&p.ex, 0, eth, v6, tso_max, tx_csum);
    host_init(&p.iov, 1, eth, v6, tso_max, tx_csum);
    uint32_t una = establish(&p);
    static uint8_t data[3000];
    size_t written = 0;
    for (int round = 0; round < 60; round++) {
        for (size_t i = 0; i < sizeof data; i++)
            data[i] = (uint8_t)((written + i) * 131 + ((written + i) >> 9));
        static const uint8_t other_mac[6] = {0x02, 0, 0, 0, 0, 9};
        if (eth && !v6 && round == 40) /* the peer's entry goes: segments wait in ARP */
            arp_from(&p, ARP_OP_REQUEST, PEER + 7, other_mac);
        both_send(&p, data, sizeof data);
        written += sizeof data;
        p.now += 1000;
        both_poll(&p);
        if (eth && v6 && round == 40)
            nd_forgets_peer(&p);
        if (eth && !v6 && round == 40) {
            peer_arp(&p); /* the waiting frames leave whole, payload included */
        }
        /* ACK all but an uneven tail, so that the ring's head moves by odd amounts */
        uint32_t top = snd_max(&p, una);
        uint32_t ack = top - (uint32_t)(top - una) / 3;
        if (round == 30) {
            /* silence: the retransmission timer resends from the ring */
            p.now += 3000000;
            both_poll(&p);
        }
        peer_seg(&p, PEER_ISS + 1, ack, TCP_ACK, 2048, NULL);
        una = ack;
    }
    assert_int_equal(synack_shutdown(p.ex.st, p.cs[0], SHUT_WR), 0);
    assert_int_equal(synack_shutdown(p.iov.st, p.cs[1], SHUT_WR), 0);
    for (int round = 0; round < 20; round++) {
        p.now += 1000;
        both_poll(&p);
        peer_seg(&p, PEER_ISS + 1, snd_max(&p, una), TCP_ACK, 2048, NULL);
    }
    /* the FIN went out, and was acknowledged */
    assert_int_equal(synack_counter_get(p.ex.st, SYNACK_CTR_RetransSegs) > 0, 1);

    assert_int_equal(p.iov.nout, p.ex.nout);
    size_t two = 0, three = 0, fins = 0, data_fins = 0, tso = 0, queued = 0;
    size_t hdr = (eth ? ETH_HDR_LEN : 0) + (v6 ? IPV6_HDR_LEN : IPV4_HDR_LEN) + TCP_HDR_LEN;
    for (size_t i = 0; i < p.ex.nout; i++) {
        const out_frame *a = &p.ex.out[i], *b = &p.iov.out[i];
        assert_int_equal(b->len, a->len);
        assert_memory_equal(b->data, a->data, a->len);
        assert_memory_equal(&b->meta, &a->meta, sizeof a->meta);
        if (b->npieces > 1) {
            assert_int_equal(b->first, hdr); /* no options: no timestamps were agreed */
            two += b->npieces == 2;
            three += b->npieces == 3;
        } else {
            assert_int_equal(b->first, b->len);
        }
        if (a->meta.flags & (SYNACK_TX_GSO_TCPV4 | SYNACK_TX_GSO_TCPV6))
            tso++;
        tcp_seg s;
        /* without tx_csum the stack summed the pieces where they lie */
        if (!parse_tcp(&p, b, &s, !tx_csum))
            continue; /* ARP or ND */
        fins += (s.flags & TCP_FIN) != 0;
        data_fins += (s.flags & TCP_FIN) && s.payload_len;
        if (b->npieces > 1)
            assert_int_equal(s.payload_len, b->len - hdr);
        else if (s.payload_len)
            queued++; /* waited for ARP: copied whole into the queue */
    }
    assert_int_equal(queued > 0, eth);

    assert_true(two > 0);
    assert_true(three > 0); /* the ring wrapped inside a segment */
    assert_true(fins > 0);
    /* over IPv4 the cwnd still holds data back at the shutdown: the FIN rides on it (over
     * IPv6 the smaller MSS may drain it first) */
    assert_true(data_fins > 0 || v6);
    if (tso_max)
        assert_true(tso > 0);
    assert_int_equal(synack_counter_get(p.iov.st, SYNACK_CTR_RetransSegs),
                     synack_counter_get(p.ex.st, SYNACK_CTR_RetransSegs));
    host_free(&p.ex);
    host_free(&p.iov);
}

static void test_pieces_match_output_ex_summed_by_stack(void **state)
{
    (void)state;
    run(0, 0, 0, 0);
}

static void test_pieces_match_output_ex_partial_csum(void **state)
{
    (void)state;
    run(0, 0, 0, 1);
}

static void test_pieces_match_output_ex_tso(void **state)
{
    (void)state;
    run(0, 0, 65535, 1);
}

static void test_pieces_match_output_ex_ethernet(void **state)
{
    (void)state;
    run(1, 0, 0, 0);
}

static void test_pieces_match_output_ex_ipv6(void **state)
{
    (void)state;
    run(0, 1, 0, 0);
    run(0, 1, 65535, 1);
}

static void test_pieces_match_output_ex_ipv6_ethernet(void **state)
{
    (void)state;
    run(1, 1, 0, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pieces_match_output_ex_summed_by_stack),
        cmocka_unit_test(test_pieces_match_output_ex_partial_csum),
        cmocka_unit_test(test_pieces_match_output_ex_tso),
        cmocka_unit_test(test_pieces_match_output_ex_ethernet),
        cmocka_unit_test(test_pieces_match_output_ex_ipv6),
        cmocka_unit_test(test_pieces_match_output_ex_ipv6_ethernet),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
