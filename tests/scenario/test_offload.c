/* SPDX-License-Identifier: MIT */
/* Device offloads without a device (netif.h): receive metadata (a checksum the device
 * vouches for, GRO/GSO super-packets beyond the MTU) through synack_input_ex(), and
 * transmit metadata (TSO super-frames, partial checksums) through netif.output_ex. The
 * test plays the peer (192.0.2.1) with hand-built frames and reads back every frame the
 * stack (192.0.2.2) sent together with its metadata. */
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "support/segbuild.h"
#include "synack/synack.h"
#include "synack/tuntap.h"
#include "wire/arp.h"
#include "wire/checksum.h"
#include "wire/eth.h"
#include "wire/ipv4.h"
#include "wire/tcp_wire.h"

#define ADDR 0xc0000202u /* the stack */
#define PEER 0xc0000201u /* the test */
#define PORT 80
#define PEER_PORT 40000
#define PEER_ISS 1000u
#define MAX_FRAMES 4096
#define FRAME_CAP 70000

/* One frame the stack sent, with its metadata. */
typedef struct out_frame {
    uint8_t *data;       /* malloc'd copy */
    size_t len;          /* bytes */
    synack_tx_meta meta; /* as passed to output_ex (zero through plain output) */
} out_frame;

typedef struct host {
    synack_stack *st;
    uint64_t now;
    out_frame out[MAX_FRAMES];
    size_t nout;
} host;

static void keep(host *h, const uint8_t *frame, size_t len, const synack_tx_meta *meta)
{
    assert_true(h->nout < MAX_FRAMES);
    out_frame *f = &h->out[h->nout++];
    f->data = malloc(len);
    assert_non_null(f->data);
    memcpy(f->data, frame, len);
    f->len = len;
    if (meta)
        f->meta = *meta;
    else
        memset(&f->meta, 0, sizeof(f->meta));
}

static int out_plain(void *ctx, const uint8_t *frame, size_t len)
{
    keep(ctx, frame, len, NULL);
    return 0;
}

static int out_ex(void *ctx, const uint8_t *frame, size_t len, const synack_tx_meta *meta)
{
    assert_non_null(meta); /* never NULL, zero for an ordinary frame */
    keep(ctx, frame, len, meta);
    return 0;
}

/* tso_max < 0: the plain output callback; otherwise output_ex with that TSO limit. */
static void host_init(host *h, long tso_max, int tx_csum)
{
    memset(h, 0, sizeof(*h));
    synack_config cfg;
    synack_config_default(&cfg);
    cfg.netif.type = SYNACK_LINK_IP;
    cfg.netif.addr = ADDR;
    cfg.netif.prefix_len = 24;
    cfg.netif.mtu = 1500;
    cfg.netif.output_ctx = h;
    if (tso_max < 0) {
        cfg.netif.output = out_plain;
    } else {
        cfg.netif.output_ex = out_ex;
        cfg.netif.tso_max = (uint32_t)tso_max;
        cfg.netif.tx_csum = (uint8_t)tx_csum;
    }
    synack_config_deterministic(&cfg, 42);
    cfg.sndbuf = 1u << 20;
    cfg.rcvbuf = 1u << 20;
    h->now = 1000000;
    h->st = synack_stack_new(&cfg);
    assert_non_null(h->st);
}

static void host_free(host *h)
{
    for (size_t i = 0; i < h->nout; i++)
        free(h->out[i].data);
    synack_stack_free(h->st);
}

/* Parses frame i as IPv4 + TCP without checking the TCP checksum. */
static void parse_out(const host *h, size_t i, ipv4_hdr *ip, tcp_seg *seg)
{
    assert_true(i < h->nout);
    assert_int_equal(ipv4_parse(h->out[i].data, h->out[i].len, ip), WIRE_OK);
    assert_int_equal(ip->proto, IP_PROTO_TCP);
    assert_int_equal(tcp_parse_ex(ip->payload, ip->payload_len, ip->src, ip->dst, 1, seg), WIRE_OK);
}

static int send_seg(host *h, uint32_t seq, uint32_t ack, uint8_t flags, uint16_t win,
                    const void *data, size_t len, const tcp_opts *opts, const synack_rx_meta *meta,
                    int break_csum)
{
    static uint8_t buf[FRAME_CAP];
    size_t n = seg_build(buf, sizeof buf, PEER, ADDR, PEER_PORT, PORT, seq, ack, flags, win, data,
                         len, opts);
    assert_true(n > 0);
    if (break_csum)
        buf[IPV4_HDR_LEN + 16] ^= 0x5a;
    return synack_input_ex(h->st, h->now, buf, n, meta);
}

/* Passive open with window scaling (shift 7) and timestamps; returns the accepted socket
 * and the stack's ISS. */
static int establish(host *h, uint32_t *iss)
{
    int ls = synack_socket(h->st, SOCK_STREAM);
    struct sockaddr_in sin = {
        .sin_family = AF_INET, .sin_port = htons(PORT), .sin_addr.s_addr = htonl(ADDR)};
    assert_int_equal(synack_bind(h->st, ls, (struct sockaddr *)&sin, sizeof sin), 0);
    assert_int_equal(synack_listen(h->st, ls, 4), 0);
    tcp_opts o = {.has_mss = 1,
                  .mss = 1460,
                  .has_wscale = 1,
                  .wscale = 7,
                  .has_ts = 1,
                  .ts_val = 1,
                  .sack_ok = 1};
    size_t before = h->nout;
    assert_int_equal(send_seg(h, PEER_ISS, 0, TCP_SYN, 65535, NULL, 0, &o, NULL, 0), 0);
    assert_int_equal(h->nout, before + 1);
    ipv4_hdr ip;
    tcp_seg s;
    parse_out(h, before, &ip, &s);
    assert_int_equal(s.flags, TCP_SYN | TCP_ACK);
    *iss = s.seq;
    tcp_opts a = {.has_ts = 1, .ts_val = 2, .ts_ecr = s.opts.ts_val};
    assert_int_equal(send_seg(h, PEER_ISS + 1, *iss + 1, TCP_ACK, 65535, NULL, 0, &a, NULL, 0), 0);
    int cs = synack_accept(h->st, ls, NULL, NULL);
    assert_true(cs >= 0);
    return cs;
}

static uint8_t pattern(size_t i)
{
    return (uint8_t)(i * 7 + (i >> 11));
}

/* A 64 KiB super-packet whose checksum field is garbage: accepted when the device vouches
 * for it, counted as the segments it stands for and ACKed at once; dropped and counted as
 * a checksum error without the flag. */
static void test_rx_super_packet_checksum_vouched(void **state)
{
    (void)state;
    static host h;
    host_init(&h, -1, 0);
    uint32_t iss;
    int cs = establish(&h, &iss);
    const size_t len = 65535 - IPV4_HDR_LEN - TCP_HDR_LEN - 12; /* one IP packet's worth */
    uint8_t *data = malloc(len);
    assert_non_null(data);
    for (size_t i = 0; i < len; i++)
        data[i] = pattern(i);
    tcp_opts ts = {.has_ts = 1, .ts_val = 3, .ts_ecr = 0};
    uint64_t in0 = synack_counter_get(h.st, SYNACK_CTR_InSegs);
    uint64_t csum0 = synack_counter_get(h.st, SYNACK_CTR_InCsumErrors);

    /* without a flag: dropped, counted, nothing delivered, nothing sent */
    size_t before = h.nout;
    assert_int_equal(send_seg(&h, PEER_ISS + 1, iss + 1, TCP_ACK, 65535, data, len, &ts, NULL, 1),
                     -EINVAL);
    assert_int_equal(synack_counter_get(h.st, SYNACK_CTR_InCsumErrors), csum0 + 1);
    assert_int_equal(h.nout, before);
    uint8_t rbuf[4096];
    assert_int_equal(synack_recv(h.st, cs, rbuf, sizeof rbuf, 0), -EAGAIN);
    /* an all-zero meta is no flag either */
    synack_rx_meta zero = {0};
    assert_int_equal(send_seg(&h, PEER_ISS + 1, iss + 1, TCP_ACK, 65535, data, len, &ts, &zero, 1),
                     -EINVAL);
    assert_int_equal(synack_counter_get(h.st, SYNACK_CTR_InCsumErrors), csum0 + 2);

    /* DATA_VALID: accepted as 46 segments of 1448 bytes, ACKed at once (not after 40 ms) */
    synack_rx_meta valid = {.flags = SYNACK_RX_CSUM_VERIFIED, .gso_size = 1448};
    uint64_t in1 = synack_counter_get(h.st, SYNACK_CTR_InSegs);
    assert_int_equal(in1, in0);
    assert_int_equal(send_seg(&h, PEER_ISS + 1, iss + 1, TCP_ACK, 65535, data, len, &ts, &valid, 1),
                     0);
    assert_int_equal(synack_counter_get(h.st, SYNACK_CTR_InSegs), in1 + (len + 1447) / 1448);
    assert_int_equal(synack_counter_get(h.st, SYNACK_CTR_InCsumErrors), csum0 + 2);
    assert_int_equal(h.nout, before + 1);
    ipv4_hdr ip;
    tcp_seg s;
    parse_out(&h, before, &ip, &s);
    assert_int_equal(s.flags, TCP_ACK);
    assert_int_equal(s.ack, PEER_ISS + 1 + (uint32_t)len);
    size_t got = 0;
    ssize_t n;
    while ((n = synack_recv(h.st, cs, rbuf, sizeof rbuf, 0)) > 0) {
        for (ssize_t i = 0; i < n; i++)
            assert_int_equal(rbuf[i], pattern(got + (size_t)i));
        got += (size_t)n;
    }
    assert_int_equal(got, len);

    /* NEEDS_CSUM from a local sender: the field holds the pseudo-header sum only */
    synack_rx_meta partial = {.flags = SYNACK_RX_CSUM_PARTIAL,
                              .gso_size = 1448,
                              .csum_start = IPV4_HDR_LEN,
                              .csum_offset = 16};
    before = h.nout;
    assert_int_equal(send_seg(&h, PEER_ISS + 1 + (uint32_t)len, iss + 1, TCP_ACK, 65535, data, 3000,
                              &ts, &partial, 1),
                     0);
    /* two full segments: ACKed at once */
    assert_int_equal(h.nout, before + 1);
    parse_out(&h, before, &ip, &s);
    assert_int_equal(s.ack, PEER_ISS + 1 + (uint32_t)len + 3000);
    assert_int_equal(synack_recv(h.st, cs, rbuf, sizeof rbuf, 0), 3000);
    /* one full segment: the ACK waits for the delayed-ACK timer, as without offloads */
    before = h.nout;
    assert_int_equal(send_seg(&h, PEER_ISS + 1 + (uint32_t)len + 3000, iss + 1, TCP_ACK, 65535,
                              data, 1448, &ts, &partial, 1),
                     0);
    assert_int_equal(h.nout, before);
    h.now += 200000;
    synack_poll(h.st, h.now);
    assert_int_equal(h.nout, before + 1);
    parse_out(&h, before, &ip, &s);
    assert_int_equal(s.ack, PEER_ISS + 1 + (uint32_t)len + 3000 + 1448);
    free(data);
    host_free(&h);
}

/* The peer ACKs everything the stack sent so far, with a 8 MiB window. */
static void ack_all(host *h, uint32_t iss, size_t *scan, uint32_t *acked, uint32_t *tsecr)
{
    for (; *scan < h->nout; (*scan)++) {
        ipv4_hdr ip;
        tcp_seg s;
        parse_out(h, *scan, &ip, &s);
        uint32_t end = s.seq + (uint32_t)s.payload_len;
        if ((int32_t)(end - *acked) > 0)
            *acked = end;
        *tsecr = s.opts.ts_val;
    }
    (void)iss;
    tcp_opts ts = {.has_ts = 1, .ts_val = 10, .ts_ecr = *tsecr};
    assert_int_equal(send_seg(h, PEER_ISS + 1, *acked, TCP_ACK, 65535, NULL, 0, &ts, NULL, 0), 0);
}

/* Sends `total` bytes from the stack, ACKing every round; returns them reassembled from
 * the frames (checked in order) in *bytes_seen. */
static void bulk_send(host *h, int cs, uint32_t iss, size_t total)
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
        ack_all(h, iss, &scan, &acked, &tsecr);
    }
    assert_int_equal(acked, iss + 1 + (uint32_t)total);
    free(data);
}

/* Completes a partial checksum as a device would and says whether the segment then
 * verifies. */
static int completes_to_valid(uint8_t *frame, size_t len, const synack_tx_meta *m)
{
    uint16_t c = csum_finish(csum_add(0, frame + m->csum_start, len - m->csum_start));
    frame[m->csum_start + m->csum_offset] = (uint8_t)(c >> 8);
    frame[m->csum_start + m->csum_offset + 1] = (uint8_t)c;
    ipv4_hdr ip;
    tcp_seg s;
    return ipv4_parse(frame, len, &ip) == WIRE_OK &&
           tcp_parse(ip.payload, ip.payload_len, ip.src, ip.dst, &s) == WIRE_OK;
}

/* completes_to_valid for an Ethernet frame. */
static int completes_to_valid_eth(uint8_t *frame, size_t len, const synack_tx_meta *m)
{
    synack_tx_meta l3 = *m;
    l3.csum_start = (uint16_t)(l3.csum_start - ETH_HDR_LEN);
    return len > ETH_HDR_LEN && completes_to_valid(frame + ETH_HDR_LEN, len - ETH_HDR_LEN, &l3);
}

/* The folded pseudo-header sum a device expects in the field, worked out by hand. */
static uint16_t pseudo_partial(uint32_t src, uint32_t dst, uint32_t tcp_len)
{
    uint32_t s = (src >> 16) + (src & 0xffff) + (dst >> 16) + (dst & 0xffff) + 6 + tcp_len;
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    return (uint16_t)s;
}

/* Checks every data frame of a TSO run and returns the largest payload seen. */
static size_t check_tso_frames(host *h, size_t from, uint32_t limit, int tx_csum, uint32_t iss,
                               size_t total)
{
    size_t biggest = 0;
    uint32_t next = iss + 1;
    for (size_t i = from; i < h->nout; i++) {
        out_frame *f = &h->out[i];
        ipv4_hdr ip;
        tcp_seg s;
        parse_out(h, i, &ip, &s);
        size_t plen = s.payload_len;
        uint32_t tcp_len = (uint32_t)ip.payload_len;
        if (!tx_csum && plen <= 1448) { /* an ordinary frame, checksum complete */
            assert_int_equal(f->meta.flags, 0);
            assert_int_equal(tcp_parse(ip.payload, ip.payload_len, ip.src, ip.dst, &s), WIRE_OK);
            assert_true(f->len <= 1500);
            if (plen) {
                assert_int_equal(s.seq, next);
                next += (uint32_t)plen;
            }
            continue;
        }
        /* a partial checksum for the device to complete: on every frame with tx_csum, on
         * every super-frame regardless */
        assert_true(f->meta.flags & SYNACK_TX_CSUM_PARTIAL);
        assert_int_equal(f->meta.csum_start, IPV4_HDR_LEN);
        assert_int_equal(f->meta.csum_offset, 16);
        uint16_t field = (uint16_t)(ip.payload[16] << 8 | ip.payload[17]);
        assert_int_equal(field, pseudo_partial(ADDR, PEER, tcp_len));
        assert_true(ip.total_len <= 65535);
        assert_true(plen <= limit);
        if (plen > 1448) {
            assert_true(f->meta.flags & SYNACK_TX_GSO_TCPV4);
            assert_int_equal(f->meta.gso_size, 1448);
            assert_int_equal(f->meta.hdr_len, IPV4_HDR_LEN + s.hdr_len);
            assert_int_equal(plen % 1448, 0);
        } else {
            assert_false(f->meta.flags & SYNACK_TX_GSO_TCPV4);
            assert_true(f->len <= 1500);
        }
        if (plen) {
            assert_int_equal(s.seq, next); /* in order, no resends */
            for (size_t k = 0; k < plen; k++)
                assert_int_equal(ip.payload[s.hdr_len + k], pattern(s.seq - iss - 1 + k));
            next += (uint32_t)plen;
        }
        if (plen > biggest)
            biggest = plen;
        assert_true(completes_to_valid(f->data, f->len, &f->meta));
    }
    assert_int_equal(next, iss + 1 + (uint32_t)total);
    return biggest;
}

/* TSO with the device's 64 KiB: frames grow with the window up to 45 segments (65160
 * bytes, the whole MSS that fit an IPv4 packet), each with its gso metadata and a
 * pseudo-header partial checksum that completes to a valid one; OutSegs and segs_out
 * count wire segments. */
static void test_tso_output_super_frames(void **state)
{
    (void)state;
    static host h;
    host_init(&h, 65536, 1);
    uint32_t iss;
    int cs = establish(&h, &iss);
    size_t from = h.nout;
    const size_t total = 2u << 20;
    uint64_t out0 = synack_counter_get(h.st, SYNACK_CTR_OutSegs);
    bulk_send(&h, cs, iss, total);
    size_t biggest = check_tso_frames(&h, from, 45 * 1448, 1, iss, total);
    assert_int_equal(biggest, 45 * 1448);
    /* every wire segment counted: at least total / MSS, more than the frames */
    uint64_t outsegs = synack_counter_get(h.st, SYNACK_CTR_OutSegs) - out0;
    assert_true(outsegs >= (total + 1447) / 1448);
    assert_true(outsegs > h.nout - from);
    synack_tcp_info ti;
    socklen_t tl = sizeof ti;
    assert_int_equal(synack_getsockopt(h.st, cs, IPPROTO_TCP, SYNACK_TCP_INFO, &ti, &tl), 0);
    assert_true(ti.segs_out >= (total + 1447) / 1448);
    host_free(&h);
}

/* A smaller device limit: no frame carries more than tso_max, rounded down to whole MSS. */
static void test_tso_output_respects_tso_max(void **state)
{
    (void)state;
    static host h;
    host_init(&h, 20000, 0);
    uint32_t iss;
    int cs = establish(&h, &iss);
    size_t from = h.nout;
    bulk_send(&h, cs, iss, 1u << 20);
    assert_int_equal(check_tso_frames(&h, from, 20000, 0, iss, 1u << 20), 13 * 1448);
    host_free(&h);
}

/* tso_max 0 and tx_csum 0 through output_ex: every frame is byte for byte what the plain
 * output callback gets, with all-zero metadata. */
static void test_no_offload_is_byte_identical(void **state)
{
    (void)state;
    static host a, b;
    host_init(&a, -1, 0);
    host_init(&b, 0, 0);
    uint32_t iss_a, iss_b;
    int ca = establish(&a, &iss_a);
    int cb = establish(&b, &iss_b);
    assert_int_equal(iss_a, iss_b);
    bulk_send(&a, ca, iss_a, 300000);
    bulk_send(&b, cb, iss_b, 300000);
    assert_int_equal(a.nout, b.nout);
    for (size_t i = 0; i < a.nout; i++) {
        assert_int_equal(a.out[i].len, b.out[i].len);
        assert_memory_equal(a.out[i].data, b.out[i].data, a.out[i].len);
        assert_int_equal(b.out[i].meta.flags, 0);
        assert_int_equal(b.out[i].meta.gso_size, 0);
        assert_true(b.out[i].len <= 1500);
    }
    host_free(&a);
    host_free(&b);
}

/* A frame from a local sender with only the pseudo-header sum in its field (virtio
 * NEEDS_CSUM, offsets counted from the Ethernet header): completing it gives the
 * checksum a wire would carry; offsets past the frame change nothing. */
static void test_tuntap_completes_partial_checksum(void **state)
{
    (void)state;
    uint8_t frame[ETH_HDR_LEN + SEG_FRAME_MAX];
    uint8_t data[1000];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = pattern(i);
    memset(frame, 0, ETH_HDR_LEN);
    size_t n = seg_build(frame + ETH_HDR_LEN, SEG_FRAME_MAX, PEER, ADDR, PEER_PORT, PORT, 5, 6,
                         TCP_ACK | TCP_PSH, 100, data, sizeof data, NULL);
    size_t len = ETH_HDR_LEN + n;
    uint8_t *tcp = frame + ETH_HDR_LEN + IPV4_HDR_LEN;
    uint16_t partial = pseudo_partial(PEER, ADDR, (uint32_t)(n - IPV4_HDR_LEN));
    uint16_t good = (uint16_t)(tcp[16] << 8 | tcp[17]);
    tcp[16] = (uint8_t)(partial >> 8);
    tcp[17] = (uint8_t)partial;
    synack_rx_meta bad = {.flags = SYNACK_RX_CSUM_PARTIAL, .csum_start = 60000, .csum_offset = 16};
    synack_tuntap_csum_complete(frame, len, &bad);
    assert_int_equal(tcp[16] << 8 | tcp[17], partial);
    assert_int_equal(bad.flags, 0);
    synack_rx_meta m = {.flags = SYNACK_RX_CSUM_PARTIAL | SYNACK_RX_CSUM_VERIFIED,
                        .csum_start = ETH_HDR_LEN + IPV4_HDR_LEN,
                        .csum_offset = 16};
    synack_tuntap_csum_complete(frame, len, &m);
    assert_int_equal(m.flags, SYNACK_RX_CSUM_VERIFIED);
    assert_int_equal(tcp[16] << 8 | tcp[17], good);
}

/* On Ethernet, a frame waiting for ARP keeps its metadata, and csum_start and hdr_len
 * count the Ethernet header. */
static void test_arp_pending_keeps_metadata(void **state)
{
    (void)state;
    static host h;
    memset(&h, 0, sizeof h);
    synack_config cfg;
    synack_config_default(&cfg);
    cfg.netif.type = SYNACK_LINK_ETHERNET;
    static const uint8_t mac[6] = {0x02, 0, 0, 0, 0, 2}, peer_mac[6] = {0x02, 0, 0, 0, 0, 1};
    memcpy(cfg.netif.mac, mac, 6);
    cfg.netif.addr = ADDR;
    cfg.netif.prefix_len = 24;
    cfg.netif.mtu = 1500;
    cfg.netif.output_ex = out_ex;
    cfg.netif.output_ctx = &h;
    cfg.netif.tso_max = 65536;
    cfg.netif.tx_csum = 1;
    synack_config_deterministic(&cfg, 42);
    h.now = 1000000;
    h.st = synack_stack_new(&cfg);
    assert_non_null(h.st);
    int s = synack_socket(h.st, SOCK_STREAM);
    struct sockaddr_in sin = {
        .sin_family = AF_INET, .sin_port = htons(PEER_PORT), .sin_addr.s_addr = htonl(PEER)};
    assert_int_equal(synack_connect(h.st, s, (struct sockaddr *)&sin, sizeof sin), -EINPROGRESS);
    assert_int_equal(h.nout, 1); /* the ARP request; the SYN waits */
    assert_int_equal(h.out[0].meta.flags, 0);
    uint8_t reply[ETH_HDR_LEN + ARP_LEN];
    eth_hdr eh = {.ethertype = ETHERTYPE_ARP};
    memcpy(eh.dst, mac, 6);
    memcpy(eh.src, peer_mac, 6);
    arp_pkt ap = {.op = ARP_OP_REPLY, .spa = PEER, .tpa = ADDR};
    memcpy(ap.sha, peer_mac, 6);
    memcpy(ap.tha, mac, 6);
    size_t n = eth_emit(reply, sizeof reply, &eh);
    n += arp_emit(reply + n, sizeof reply - n, &ap);
    assert_int_equal(synack_input(h.st, h.now, reply, n), 0);
    assert_int_equal(h.nout, 2);
    out_frame *f = &h.out[1];
    assert_memory_equal(f->data, peer_mac, 6);
    assert_int_equal(f->meta.flags, SYNACK_TX_CSUM_PARTIAL);
    assert_int_equal(f->meta.csum_start, ETH_HDR_LEN + IPV4_HDR_LEN);
    assert_int_equal(f->meta.csum_offset, 16);
    assert_true(completes_to_valid_eth(f->data, f->len, &f->meta));
    for (size_t i = 0; i < h.nout; i++)
        free(h.out[i].data);
    synack_stack_free(h.st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rx_super_packet_checksum_vouched),
        cmocka_unit_test(test_tso_output_super_frames),
        cmocka_unit_test(test_tso_output_respects_tso_max),
        cmocka_unit_test(test_no_offload_is_byte_identical),
        cmocka_unit_test(test_tuntap_completes_partial_checksum),
        cmocka_unit_test(test_arp_pending_keeps_metadata),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
