/* SPDX-License-Identifier: MIT */
/* libFuzzer target for the wire parsers (src/wire).
 *
 * Every parser runs on the raw input. Because random bytes almost never carry
 * a valid checksum, each checksummed parser also runs on a copy whose checksum
 * has been repaired, so the fuzzer reaches option and field parsing. Whenever
 * a parse succeeds, the result is emitted again and re-parsed; any difference
 * aborts. The checksum itself is checked against a naive RFC 1071 sum.
 *
 * Build: clang -std=c11 -g -fsanitize=fuzzer,address,undefined -Isrc -Iinclude \
 *          tests/fuzz/fuzz_wire.c src/wire/\*.c -o build/fuzz_wire */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wire/arp.h"
#include "wire/bytes.h"
#include "wire/checksum.h"
#include "wire/eth.h"
#include "wire/icmp.h"
#include "wire/ipv4.h"
#include "wire/tcp_wire.h"

/* Fixed pseudo-header addresses for TCP: 192.0.2.1 -> 192.0.2.2. */
#define FUZZ_SRC 0xc0000201u
#define FUZZ_DST 0xc0000202u

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: consistency check failed: %s\n", __FILE__, __LINE__, #cond);   \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* RFC 1071 the slow, obvious way. */
static uint16_t naive_csum(const uint8_t *p, size_t n)
{
    uint64_t sum = 0;
    for (size_t i = 0; i + 1 < n; i += 2)
        sum += (uint64_t)((p[i] << 8) | p[i + 1]);
    if (n % 2)
        sum += (uint64_t)p[n - 1] << 8;
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

/* Exact-size heap copy so ASan catches reads past the end. */
static uint8_t *dup_bytes(const uint8_t *p, size_t n)
{
    uint8_t *c = malloc(n ? n : 1);
    if (!c)
        abort();
    if (n)
        memcpy(c, p, n);
    return c;
}

static void check_checksum(const uint8_t *p, size_t n)
{
    uint16_t want = naive_csum(p, n);
    CHECK(csum_finish(csum_add(0, p, n)) == want);
    /* Split at an even offset chosen by the data. */
    size_t cut = n ? (size_t)(p[0] * 2u) % (n + 1) : 0;
    cut &= ~(size_t)1;
    uint64_t acc = csum_add(0, p, cut);
    CHECK(csum_finish(csum_add(acc, p + cut, n - cut)) == want);
}

static void check_eth(const uint8_t *p, size_t n)
{
    eth_hdr h;
    wire_result r = eth_parse(p, n, &h);
    if (r != WIRE_OK && r != WIRE_UNKNOWN_ETHERTYPE)
        return;
    uint8_t buf[ETH_HDR_LEN];
    CHECK(eth_emit(buf, sizeof buf, &h) == ETH_HDR_LEN);
    CHECK(memcmp(buf, p, ETH_HDR_LEN) == 0);
    eth_hdr h2;
    CHECK(eth_parse(buf, sizeof buf, &h2) == r);
    CHECK(memcmp(&h.dst, &h2.dst, 6) == 0 && memcmp(&h.src, &h2.src, 6) == 0);
    CHECK(h.ethertype == h2.ethertype);
}

static void check_arp(const uint8_t *p, size_t n)
{
    arp_pkt a;
    if (arp_parse(p, n, &a) != WIRE_OK)
        return;
    uint8_t buf[ARP_LEN];
    CHECK(arp_emit(buf, sizeof buf, &a) == ARP_LEN);
    CHECK(memcmp(buf, p, ARP_LEN) == 0);
    arp_pkt b;
    CHECK(arp_parse(buf, sizeof buf, &b) == WIRE_OK);
    CHECK(a.op == b.op && a.spa == b.spa && a.tpa == b.tpa);
    CHECK(memcmp(a.sha, b.sha, 6) == 0 && memcmp(a.tha, b.tha, 6) == 0);
}

static void check_ipv4(const uint8_t *p, size_t n)
{
    ipv4_hdr h;
    if (ipv4_parse(p, n, &h) != WIRE_OK)
        return;
    CHECK(h.hdr_len >= IPV4_HDR_LEN && h.hdr_len + h.payload_len == h.total_len);
    CHECK(h.total_len <= n && h.payload == p + h.hdr_len);
    CHECK(!(h.frag & (IPV4_FLAG_MF | IPV4_FRAG_OFFSET)));
    size_t len = IPV4_HDR_LEN + h.payload_len;
    uint8_t *buf = malloc(len);
    if (!buf)
        abort();
    CHECK(ipv4_emit(buf, len, &h, h.payload_len) == IPV4_HDR_LEN);
    if (h.payload_len)
        memcpy(buf + IPV4_HDR_LEN, h.payload, h.payload_len);
    /* Without options the emitted header equals the input's. */
    if (h.hdr_len == IPV4_HDR_LEN)
        CHECK(memcmp(buf, p, 10) == 0 && memcmp(buf + 12, p + 12, 8) == 0);
    ipv4_hdr g;
    CHECK(ipv4_parse(buf, len, &g) == WIRE_OK);
    CHECK(g.tos == h.tos && g.id == h.id && g.frag == h.frag && g.ttl == h.ttl);
    CHECK(g.proto == h.proto && g.src == h.src && g.dst == h.dst);
    CHECK(g.hdr_len == IPV4_HDR_LEN && g.payload_len == h.payload_len);
    CHECK(g.payload_len == 0 || memcmp(g.payload, h.payload, g.payload_len) == 0);
    free(buf);
}

static void check_icmp(const uint8_t *p, size_t n)
{
    icmp_msg m;
    if (icmp_parse(p, n, &m) != WIRE_OK)
        return;
    CHECK(m.payload_len + ICMP_HDR_LEN == n && m.payload == p + ICMP_HDR_LEN);
    uint8_t *buf = malloc(n);
    if (!buf)
        abort();
    CHECK(icmp_emit(buf, n, &m) == n);
    CHECK(icmp_emit(buf, n - 1, &m) == 0);
    /* Bytes match except the checksum, which may be either zero (RFC 1624 3). */
    CHECK(memcmp(buf, p, 2) == 0 && memcmp(buf + 4, p + 4, n - 4) == 0);
    icmp_msg m2;
    CHECK(icmp_parse(buf, n, &m2) == WIRE_OK);
    CHECK(m2.type == m.type && m2.code == m.code && m2.rest == m.rest);
    CHECK(m2.payload_len == m.payload_len);
    free(buf);
}

static void check_tcp_from(const uint8_t *p, size_t n, uint32_t src, uint32_t dst)
{
    tcp_seg s;
    if (tcp_parse(p, n, src, dst, &s) != WIRE_OK)
        return;
    CHECK(s.hdr_len >= TCP_HDR_LEN && s.hdr_len <= TCP_HDR_LEN + TCP_MAX_OPT_LEN);
    CHECK(s.hdr_len + s.payload_len == n && s.payload == p + s.hdr_len);
    CHECK(s.opts.nsack <= TCP_MAX_SACK && s.opts.wscale <= TCP_MAX_WSCALE);
    for (int layout = TCP_OPTS_LINUX; layout <= TCP_OPTS_COMPACT; layout++) {
        size_t olen = tcp_opts_len(&s.opts, (tcp_opt_layout)layout);
        CHECK(olen % 4 == 0 && olen <= TCP_MAX_OPT_LEN);
        size_t cap = TCP_HDR_LEN + olen + s.payload_len;
        uint8_t *buf = malloc(cap);
        if (!buf)
            abort();
        size_t len = tcp_emit(buf, cap, &s, (tcp_opt_layout)layout, src, dst);
        CHECK(len == cap);
        CHECK(tcp_emit(buf, cap - 1, &s, (tcp_opt_layout)layout, src, dst) == 0);
        tcp_seg t;
        CHECK(tcp_parse(buf, len, src, dst, &t) == WIRE_OK);
        CHECK(t.sport == s.sport && t.dport == s.dport && t.seq == s.seq);
        CHECK(t.ack == s.ack && t.flags == s.flags && t.win == s.win && t.urg == s.urg);
        CHECK(t.hdr_len == TCP_HDR_LEN + olen && t.payload_len == s.payload_len);
        CHECK(t.payload_len == 0 || memcmp(t.payload, s.payload, t.payload_len) == 0);
        const tcp_opts *a = &s.opts, *b = &t.opts;
        CHECK(a->has_mss == b->has_mss && (!a->has_mss || a->mss == b->mss));
        CHECK(a->has_wscale == b->has_wscale && (!a->has_wscale || a->wscale == b->wscale));
        CHECK(a->sack_ok == b->sack_ok && a->has_ts == b->has_ts);
        CHECK(!a->has_ts || (a->ts_val == b->ts_val && a->ts_ecr == b->ts_ecr));
        /* The compact layout never needs more room than the input used, so it
         * keeps every SACK block; the Linux layout may drop trailing ones. */
        if (layout == TCP_OPTS_COMPACT)
            CHECK(b->nsack == a->nsack);
        CHECK(b->nsack <= a->nsack);
        for (size_t i = 0; i < b->nsack; i++)
            CHECK(a->sack[i].left == b->sack[i].left && a->sack[i].right == b->sack[i].right);
        free(buf);
    }
}

static void check_tcp(const uint8_t *p, size_t n)
{
    check_tcp_from(p, n, FUZZ_SRC, FUZZ_DST);
}

/* Repairs the IPv4 header checksum of a copy, if the header fits. */
static void fix_ipv4(uint8_t *p, size_t n)
{
    if (n < IPV4_HDR_LEN)
        return;
    size_t hl = (size_t)(p[0] & 0x0f) * 4;
    if (hl < IPV4_HDR_LEN || hl > n)
        return;
    wr16(p + 10, 0);
    wr16(p + 10, csum_finish(csum_add(0, p, hl)));
}

static void fix_icmp(uint8_t *p, size_t n)
{
    if (n < ICMP_HDR_LEN)
        return;
    wr16(p + 2, 0);
    wr16(p + 2, csum_finish(csum_add(0, p, n)));
}

static void fix_tcp(uint8_t *p, size_t n)
{
    if (n < TCP_HDR_LEN || n > 0xffff)
        return;
    wr16(p + 16, 0);
    uint64_t acc = csum_pseudo_ipv4(0, FUZZ_SRC, FUZZ_DST, IP_PROTO_TCP, (uint16_t)n);
    wr16(p + 16, csum_finish(csum_add(acc, p, n)));
}

/* Runs one checker on a repaired exact-size copy of the input. */
static void run_fixed(const uint8_t *p, size_t n, void (*fix)(uint8_t *, size_t),
                      void (*check)(const uint8_t *, size_t))
{
    uint8_t *c = dup_bytes(p, n);
    fix(c, n);
    check(c, n);
    free(c);
}

/* Follows a frame down the stack as the dispatcher would, repairing checksums
 * on the way so the inner layers see plausible input. */
static void run_frame(const uint8_t *data, size_t size)
{
    eth_hdr eh;
    if (eth_parse(data, size, &eh) != WIRE_OK)
        return;
    uint8_t *f = dup_bytes(data + ETH_HDR_LEN, size - ETH_HDR_LEN);
    size_t n = size - ETH_HDR_LEN;
    if (eh.ethertype == ETHERTYPE_ARP) {
        check_arp(f, n);
    } else {
        fix_ipv4(f, n);
        ipv4_hdr ih;
        if (ipv4_parse(f, n, &ih) == WIRE_OK) {
            uint8_t *l4 = f + ih.hdr_len;
            if (ih.proto == IP_PROTO_TCP && ih.payload_len >= TCP_HDR_LEN) {
                wr16(l4 + 16, 0);
                uint64_t acc =
                    csum_pseudo_ipv4(0, ih.src, ih.dst, IP_PROTO_TCP, (uint16_t)ih.payload_len);
                wr16(l4 + 16, csum_finish(csum_add(acc, l4, ih.payload_len)));
                tcp_seg s;
                CHECK(tcp_parse(l4, ih.payload_len, ih.src, ih.dst, &s) != WIRE_BAD_TCP_CSUM);
                check_tcp_from(l4, ih.payload_len, ih.src, ih.dst);
            } else if (ih.proto == IP_PROTO_ICMP) {
                fix_icmp(l4, ih.payload_len);
                icmp_msg m;
                wire_result r = icmp_parse(l4, ih.payload_len, &m);
                CHECK(r == WIRE_OK || (r == WIRE_TRUNCATED && ih.payload_len < 8));
                check_icmp(l4, ih.payload_len);
            }
        }
    }
    free(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    check_checksum(data, size);
    check_eth(data, size);
    check_arp(data, size);
    check_ipv4(data, size);
    check_icmp(data, size);
    check_tcp(data, size);
    run_fixed(data, size, fix_ipv4, check_ipv4);
    run_fixed(data, size, fix_icmp, check_icmp);
    run_fixed(data, size, fix_tcp, check_tcp);
    run_frame(data, size);
    return 0;
}
