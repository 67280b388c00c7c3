/* SPDX-License-Identifier: MIT */
/* Device offloads over IPv6 (netif.h): GRO/GSO super-packets and vouched checksums in
 * through synack_input_ex(), TSO super-frames (SYNACK_TX_GSO_TCPV6) and partial checksums
 * under the IPv6 pseudo-header (RFC 8200 8.1) out through netif.output_ex, and a frame
 * waiting for Neighbor Discovery keeping its metadata. The test plays the peer
 * (2001:db8::1) with hand-built packets and reads back every frame the stack (2001:db8::2)
 * sent together with its metadata. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "support/segbuild.h"
#include "synack/synack.h"
#include "wire/bytes.h"
#include "wire/checksum.h"
#include "wire/eth.h"
#include "wire/icmpv6.h"
#include "wire/ipv4.h"
#include "wire/ipv6.h"
#include "wire/tcp_wire.h"

#define PORT 80
#define PEER_PORT 40000
#define PEER_ISS 1000u
#define MAX_FRAMES 4096
#define FRAME_CAP 70000
#define MSS6 1428u /* 1500 - 40 - 20 - 12 (timestamps) */

static const uint8_t US6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2};
static const uint8_t PEER6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
static const uint8_t MAC_US[6] = {0x02, 0, 0, 0, 0, 0x02};
static const uint8_t MAC_PEER[6] = {0x02, 0, 0, 0, 0, 0x01};

typedef struct out_frame {
    uint8_t *data;
    size_t len;
    synack_tx_meta meta;
} out_frame;

typedef struct host {
    synack_stack *st;
    uint64_t now;
    out_frame out[MAX_FRAMES];
    size_t nout;
} host;

static int out_ex(void *ctx, const uint8_t *frame, size_t len, const synack_tx_meta *meta)
{
    host *h = ctx;
    assert_non_null(meta);
    assert_true(h->nout < MAX_FRAMES);
    out_frame *f = &h->out[h->nout++];
    f->data = malloc(len);
    assert_non_null(f->data);
    memcpy(f->data, frame, len);
    f->len = len;
    f->meta = *meta;
    return 0;
}

static void host_cfg(host *h, synack_config *cfg, uint32_t tso_max, int tx_csum)
{
    memset(h, 0, sizeof(*h));
    synack_config_default(cfg);
    cfg->netif.type = SYNACK_LINK_IP;
    cfg->netif.addr = 0xc0000202u;
    cfg->netif.prefix_len = 24;
    memcpy(cfg->netif.addr6, US6, 16);
    cfg->netif.prefix6_len = 64;
    cfg->netif.mtu = 1500;
    cfg->netif.output_ex = out_ex;
    cfg->netif.output_ctx = h;
    cfg->netif.tso_max = tso_max;
    cfg->netif.tx_csum = (uint8_t)tx_csum;
    synack_config_deterministic(cfg, 42);
    cfg->sndbuf = 1u << 20;
    cfg->rcvbuf = 1u << 20;
    h->now = 1000000;
}

static void host_init(host *h, uint32_t tso_max, int tx_csum)
{
    synack_config cfg;
    host_cfg(h, &cfg, tso_max, tx_csum);
    h->st = synack_stack_new(&cfg);
    assert_non_null(h->st);
}

static void host_free(host *h)
{
    for (size_t i = 0; i < h->nout; i++)
        free(h->out[i].data);
    synack_stack_free(h->st);
}

/* Frame i (from byte l2 on) as IPv6 + TCP from us to the peer, the checksum unchecked;
 * returns the TCP length. */
static size_t parse_out(const host *h, size_t i, size_t l2, tcp_seg *seg)
{
    assert_true(i < h->nout);
    const uint8_t *b = h->out[i].data + l2;
    size_t len = h->out[i].len - l2;
    ipv6_hdr ip;
    assert_int_equal(ipv6_parse(b, len, &ip), WIRE_OK);
    assert_int_equal(ip.next, IP_PROTO_TCP);
    assert_int_equal(ip.payload_len, len - IPV6_HDR_LEN);
    assert_memory_equal(ip.src.b, US6, 16);
    assert_memory_equal(ip.dst.b, PEER6, 16);
    uint64_t hs = 0;
    assert_int_equal(tcp_parse6(ip.payload, ip.payload_len, US6, PEER6, 1, seg, &hs), WIRE_OK);
    return ip.payload_len;
}

/* An IPv6 packet from the peer to us holding a TCP segment with a correct checksum. */
static size_t build6(uint8_t *buf, size_t cap, uint32_t seq, uint32_t ack, uint8_t flags,
                     const void *data, size_t len, const tcp_opts *opts)
{
    size_t n =
        seg_build6(buf, cap, PEER6, US6, PEER_PORT, PORT, seq, ack, flags, 65535, data, len, opts);
    assert_true(n > 0);
    return n;
}

static int send_seg(host *h, uint32_t seq, uint32_t ack, uint8_t flags, const void *data,
                    size_t len, const tcp_opts *opts, const synack_rx_meta *meta, int break_csum)
{
    static uint8_t buf[FRAME_CAP];
    size_t n = build6(buf, sizeof buf, seq, ack, flags, data, len, opts);
    if (break_csum)
        buf[IPV6_HDR_LEN + 16] ^= 0x5a;
    return synack_input_ex(h->st, h->now, buf, n, meta);
}

/* Passive open with window scaling (7), SACK and timestamps; the accepted socket. */
static int establish(host *h, uint32_t *iss)
{
    int ls = synack_socket_domain(h->st, SYNACK_AF_INET6, SYNACK_SOCK_STREAM);
    struct synack_sockaddr_in6 sa;
    memset(&sa, 0, sizeof sa);
    sa.sin6_family = SYNACK_AF_INET6;
    wr16((uint8_t *)&sa.sin6_port, PORT);
    assert_int_equal(synack_bind(h->st, ls, (struct sockaddr *)&sa, sizeof sa), 0);
    assert_int_equal(synack_listen(h->st, ls, 4), 0);
    tcp_opts o = {.has_mss = 1,
                  .mss = 1440,
                  .has_wscale = 1,
                  .wscale = 7,
                  .has_ts = 1,
                  .ts_val = 1,
                  .sack_ok = 1};
    size_t before = h->nout;
    assert_int_equal(send_seg(h, PEER_ISS, 0, TCP_SYN, NULL, 0, &o, NULL, 0), 0);
    assert_int_equal(h->nout, before + 1);
    tcp_seg s;
    parse_out(h, before, 0, &s);
    assert_int_equal(s.flags, TCP_SYN | TCP_ACK);
    *iss = s.seq;
    tcp_opts a = {.has_ts = 1, .ts_val = 2, .ts_ecr = s.opts.ts_val};
    assert_int_equal(send_seg(h, PEER_ISS + 1, *iss + 1, TCP_ACK, NULL, 0, &a, NULL, 0), 0);
    int cs = synack_accept(h->st, ls, NULL, NULL);
    assert_true(cs >= 0);
    return cs;
}

static uint8_t pattern(size_t i)
{
    return (uint8_t)(i * 7 + (i >> 11));
}

/* The folded IPv6 pseudo-header sum (RFC 8200 8.1) a device expects in the field, by
 * hand: the addresses' 16-bit words, the upper-layer length, next header 6. */
static uint16_t pseudo_partial6(const uint8_t src[16], const uint8_t dst[16], uint32_t len)
{
    uint32_t s = 6 + (len >> 16) + (len & 0xffff);
    for (int i = 0; i < 16; i += 2)
        s += (uint32_t)(src[i] << 8 | src[i + 1]) + (uint32_t)(dst[i] << 8 | dst[i + 1]);
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    return (uint16_t)s;
}

/* Completes a partial checksum as a device would; then the segment must verify. */
static void complete_and_verify(out_frame *f, size_t l2)
{
    const synack_tx_meta *m = &f->meta;
    uint16_t c = csum_finish(csum_add(0, f->data + m->csum_start, f->len - m->csum_start));
    f->data[m->csum_start + m->csum_offset] = (uint8_t)(c >> 8);
    f->data[m->csum_start + m->csum_offset + 1] = (uint8_t)c;
    size_t tl = f->len - l2 - IPV6_HDR_LEN;
    uint64_t acc = csum_pseudo_ipv6(0, US6, PEER6, IP_PROTO_TCP, (uint32_t)tl);
    assert_int_equal(csum_finish(csum_add(acc, f->data + l2 + IPV6_HDR_LEN, tl)), 0);
}

/* A GRO'd 64 KiB IPv6 super-packet with a garbage checksum field: dropped and counted
 * without a flag; with DATA_VALID accepted, counted as its segments, ACKed at once; with
 * NEEDS_CSUM (the pseudo-header sum only) accepted too. */
static void test_rx6_super_packet_checksum_vouched(void **state)
{
    (void)state;
    static host h;
    host_init(&h, 0, 0);
    uint32_t iss;
    int cs = establish(&h, &iss);
    const size_t len = 45 * MSS6 + 100;
    uint8_t *data = malloc(len);
    assert_non_null(data);
    for (size_t i = 0; i < len; i++)
        data[i] = pattern(i);
    tcp_opts ts = {.has_ts = 1, .ts_val = 3, .ts_ecr = 0};
    uint64_t in0 = synack_counter_get(h.st, SYNACK_CTR_InSegs);
    uint64_t csum0 = synack_counter_get(h.st, SYNACK_CTR_InCsumErrors);
    size_t before = h.nout;
    assert_int_equal(send_seg(&h, PEER_ISS + 1, iss + 1, TCP_ACK, data, len, &ts, NULL, 1),
                     -EINVAL);
    assert_int_equal(synack_counter_get(h.st, SYNACK_CTR_InCsumErrors), csum0 + 1);
    assert_int_equal(h.nout, before);

    synack_rx_meta valid = {.flags = SYNACK_RX_CSUM_VERIFIED, .gso_size = MSS6};
    assert_int_equal(send_seg(&h, PEER_ISS + 1, iss + 1, TCP_ACK, data, len, &ts, &valid, 1), 0);
    assert_int_equal(synack_counter_get(h.st, SYNACK_CTR_InSegs), in0 + 46);
    assert_int_equal(synack_counter_get(h.st, SYNACK_CTR_InCsumErrors), csum0 + 1);
    assert_int_equal(h.nout, before + 1); /* ACKed at once */
    tcp_seg s;
    parse_out(&h, before, 0, &s);
    assert_int_equal(s.flags, TCP_ACK);
    assert_int_equal(s.ack, PEER_ISS + 1 + (uint32_t)len);
    uint8_t rbuf[4096];
    size_t got = 0;
    ssize_t n;
    while ((n = synack_recv(h.st, cs, rbuf, sizeof rbuf, 0)) > 0) {
        for (ssize_t i = 0; i < n; i++)
            assert_int_equal(rbuf[i], pattern(got + (size_t)i));
        got += (size_t)n;
    }
    assert_int_equal(got, len);

    /* NEEDS_CSUM: the field holds the IPv6 pseudo-header sum, as a local sender leaves it */
    static uint8_t buf[FRAME_CAP];
    uint32_t seq = PEER_ISS + 1 + (uint32_t)len;
    size_t fl = build6(buf, sizeof buf, seq, iss + 1, TCP_ACK, data, (size_t)3 * MSS6, &ts);
    uint16_t p = pseudo_partial6(PEER6, US6, (uint32_t)(fl - IPV6_HDR_LEN));
    buf[IPV6_HDR_LEN + 16] = (uint8_t)(p >> 8);
    buf[IPV6_HDR_LEN + 17] = (uint8_t)p;
    synack_rx_meta partial = {.flags = SYNACK_RX_CSUM_PARTIAL,
                              .gso_size = MSS6,
                              .csum_start = IPV6_HDR_LEN,
                              .csum_offset = 16};
    before = h.nout;
    assert_int_equal(synack_input_ex(h.st, h.now, buf, fl, &partial), 0);
    assert_int_equal(synack_counter_get(h.st, SYNACK_CTR_InSegs), in0 + 46 + 3);
    assert_int_equal(h.nout, before + 1);
    parse_out(&h, before, 0, &s);
    assert_int_equal(s.ack, seq + 3 * MSS6);
    for (got = 0; (n = synack_recv(h.st, cs, rbuf, sizeof rbuf, 0)) > 0; got += (size_t)n)
        assert_memory_equal(rbuf, data + got, (size_t)n);
    assert_int_equal(got, 3 * MSS6);
    free(data);
    host_free(&h);
}

/* Sends total bytes, the peer ACKing everything each round. */
static void bulk_send(host *h, int cs, uint32_t iss, size_t total, size_t l2)
{
    uint8_t *data = malloc(total);
    assert_non_null(data);
    for (size_t i = 0; i < total; i++)
        data[i] = pattern(i);
    size_t sent = 0, scan = h->nout;
    uint32_t acked = iss + 1, tsecr = 0;
    for (int round = 0; round < 1000 && acked != iss + 1 + (uint32_t)total; round++) {
        if (sent < total) {
            ssize_t n = synack_send(h->st, cs, data + sent, total - sent, 0);
            if (n > 0)
                sent += (size_t)n;
        }
        h->now += 1000;
        synack_poll(h->st, h->now);
        for (; scan < h->nout; scan++) {
            tcp_seg s;
            parse_out(h, scan, l2, &s);
            uint32_t end = s.seq + (uint32_t)s.payload_len;
            if ((int32_t)(end - acked) > 0)
                acked = end;
            tsecr = s.opts.ts_val;
        }
        tcp_opts ts = {.has_ts = 1, .ts_val = 10, .ts_ecr = tsecr};
        assert_int_equal(send_seg(h, PEER_ISS + 1, acked, TCP_ACK, NULL, 0, &ts, NULL, 0), 0);
    }
    assert_int_equal(acked, iss + 1 + (uint32_t)total);
    free(data);
}

/* Checks every frame from `from` on: metadata, the partial sum (on every frame with
 * tx_csum, on super-frames regardless), payload bytes in order; returns the largest
 * payload. */
static size_t check_frames(host *h, size_t from, uint32_t iss, size_t total, int gso_ok,
                           int tx_csum)
{
    size_t biggest = 0;
    uint32_t next = iss + 1;
    for (size_t i = from; i < h->nout; i++) {
        out_frame *f = &h->out[i];
        tcp_seg s;
        size_t tl = parse_out(h, i, 0, &s);
        size_t plen = s.payload_len;
        if (!tx_csum && plen <= MSS6) { /* an ordinary frame, checksum complete */
            assert_int_equal(f->meta.flags, 0);
            uint64_t acc = csum_pseudo_ipv6(0, US6, PEER6, IP_PROTO_TCP, (uint32_t)tl);
            assert_int_equal(csum_finish(csum_add(acc, f->data + IPV6_HDR_LEN, tl)), 0);
            assert_true(f->len <= 1500);
            if (plen) {
                assert_int_equal(s.seq, next);
                next += (uint32_t)plen;
            }
            continue;
        }
        assert_true(f->meta.flags & SYNACK_TX_CSUM_PARTIAL);
        assert_false(f->meta.flags & SYNACK_TX_GSO_TCPV4);
        assert_int_equal(f->meta.csum_start, IPV6_HDR_LEN);
        assert_int_equal(f->meta.csum_offset, 16);
        const uint8_t *tcp = f->data + IPV6_HDR_LEN;
        assert_int_equal(rd16(tcp + 16), pseudo_partial6(US6, PEER6, (uint32_t)tl));
        if (plen > MSS6) {
            assert_true(gso_ok);
            assert_int_equal(f->meta.flags, SYNACK_TX_CSUM_PARTIAL | SYNACK_TX_GSO_TCPV6);
            assert_int_equal(f->meta.gso_size, MSS6);
            assert_int_equal(f->meta.hdr_len, IPV6_HDR_LEN + s.hdr_len);
            assert_int_equal(plen % MSS6, 0);
        } else {
            assert_int_equal(f->meta.flags, SYNACK_TX_CSUM_PARTIAL);
            assert_int_equal(f->meta.gso_size, 0);
            assert_true(f->len <= 1500);
        }
        if (plen) {
            assert_int_equal(s.seq, next);
            for (size_t k = 0; k < plen; k++)
                assert_int_equal(s.payload[k], pattern(s.seq - iss - 1 + k));
            next += (uint32_t)plen;
        }
        if (plen > biggest)
            biggest = plen;
        complete_and_verify(f, 0);
    }
    assert_int_equal(next, iss + 1 + (uint32_t)total);
    return biggest;
}

/* TSO over IPv6: super-frames grow to 45 segments of the IPv6 MSS (64260 bytes: whole
 * MSS within the 65535-byte cap), each GSO_TCPV6 with hdr_len, gso_size and the IPv6
 * pseudo-header partial sum; OutSegs counts wire segments. */
static void test_tso6_output_super_frames(void **state)
{
    (void)state;
    static host h;
    host_init(&h, 65536, 0);
    uint32_t iss;
    int cs = establish(&h, &iss);
    size_t from = h.nout;
    const size_t total = 2u << 20;
    uint64_t out0 = synack_counter_get(h.st, SYNACK_CTR_OutSegs);
    bulk_send(&h, cs, iss, total, 0);
    assert_int_equal(check_frames(&h, from, iss, total, 1, 0), 45 * MSS6);
    uint64_t outsegs = synack_counter_get(h.st, SYNACK_CTR_OutSegs) - out0;
    assert_true(outsegs >= (total + MSS6 - 1) / MSS6);
    assert_true(outsegs > h.nout - from);
    host_free(&h);
}

/* tx_csum alone over IPv6: every TCP frame (the SYN-ACK too) leaves with the partial sum
 * and no frame is larger than the MTU. */
static void test_tx_csum6_without_tso(void **state)
{
    (void)state;
    static host h;
    host_init(&h, 0, 1);
    uint32_t iss;
    int cs = establish(&h, &iss);
    assert_int_equal(h.out[0].meta.flags, SYNACK_TX_CSUM_PARTIAL);
    complete_and_verify(&h.out[0], 0);
    size_t from = h.nout;
    bulk_send(&h, cs, iss, 200000, 0);
    assert_int_equal(check_frames(&h, from, iss, 200000, 0, 1), MSS6);
    host_free(&h);
}

/* On Ethernet, a SYN that waits for Neighbor Discovery keeps its metadata: released by
 * the NA with the partial sum, csum_start counting the Ethernet header. */
static void test_nd_pending_keeps_metadata(void **state)
{
    (void)state;
    static host h;
    synack_config cfg;
    host_cfg(&h, &cfg, 65536, 1);
    cfg.netif.type = SYNACK_LINK_ETHERNET;
    memcpy(cfg.netif.mac, MAC_US, 6);
    cfg.dad_transmits = 0;
    cfg.mld_reports = 0;
    h.st = synack_stack_new(&cfg);
    assert_non_null(h.st);
    int s = synack_socket_domain(h.st, SYNACK_AF_INET6, SYNACK_SOCK_STREAM);
    struct synack_sockaddr_in6 to;
    memset(&to, 0, sizeof to);
    to.sin6_family = SYNACK_AF_INET6;
    wr16((uint8_t *)&to.sin6_port, PEER_PORT);
    memcpy(to.sin6_addr.s6_bytes, PEER6, 16);
    assert_int_equal(synack_connect(h.st, s, (struct sockaddr *)&to, sizeof to), -EINPROGRESS);
    assert_int_equal(h.nout, 1); /* the NS; the SYN waits */
    assert_int_equal(h.out[0].meta.flags, 0);

    ipv6_addr us, peer;
    memcpy(us.b, US6, 16);
    memcpy(peer.b, PEER6, 16);
    uint8_t l4[64], f[200];
    size_t n =
        nd_na_emit(l4, sizeof l4, ND_NA_SOLICITED | ND_NA_OVERRIDE, &peer, MAC_PEER, &peer, &us);
    eth_hdr eh = {.ethertype = ETHERTYPE_IPV6};
    memcpy(eh.dst, MAC_US, 6);
    memcpy(eh.src, MAC_PEER, 6);
    eth_emit(f, ETH_HDR_LEN, &eh);
    ipv6_hdr ih = {.next = IP_PROTO_ICMPV6, .hop_limit = 255, .src = peer, .dst = us};
    assert_int_equal(ipv6_emit(f + ETH_HDR_LEN, IPV6_HDR_LEN, &ih, n), IPV6_HDR_LEN);
    memcpy(f + ETH_HDR_LEN + IPV6_HDR_LEN, l4, n);
    assert_int_equal(synack_input(h.st, h.now, f, ETH_HDR_LEN + IPV6_HDR_LEN + n), 0);
    assert_int_equal(h.nout, 2);
    out_frame *o = &h.out[1];
    assert_memory_equal(o->data, MAC_PEER, 6);
    tcp_seg seg;
    parse_out(&h, 1, ETH_HDR_LEN, &seg);
    assert_int_equal(seg.flags, TCP_SYN);
    assert_int_equal(o->meta.flags, SYNACK_TX_CSUM_PARTIAL);
    assert_int_equal(o->meta.csum_start, ETH_HDR_LEN + IPV6_HDR_LEN);
    assert_int_equal(o->meta.csum_offset, 16);
    complete_and_verify(o, ETH_HDR_LEN);
    host_free(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rx6_super_packet_checksum_vouched),
        cmocka_unit_test(test_tso6_output_super_frames),
        cmocka_unit_test(test_tx_csum6_without_tso),
        cmocka_unit_test(test_nd_pending_keeps_metadata),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
