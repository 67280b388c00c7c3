/* SPDX-License-Identifier: MIT */
/* libFuzzer target for the IPv6 groundwork: the extension-header chain walk
 * (src/wire/ipv6.c), ICMPv6 and Neighbor Discovery parsing (src/wire/icmpv6.c), and
 * IPv4/IPv6 fragment reassembly (src/stack/reasm.c).
 *
 * The input is a sequence of records, each a 2-byte big-endian length and that many
 * bytes of IP packet (a short last record takes what is left). Every record is walked as
 * IPv6 (as it is, and with version and payload length repaired), its ICMPv6 payload is
 * parsed with a repaired checksum and validated as ND, and every fragment, IPv4 or
 * IPv6, goes to one reassembly table whose clock advances by the record's first byte.
 * Invariants (offsets inside the packet, reassembled datagrams that parse, bounds held,
 * nothing leaked) abort on failure. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stack/reasm.h"
#include "synack/alloc.h"
#include "wire/bytes.h"
#include "wire/checksum.h"
#include "wire/icmpv6.h"
#include "wire/ipv4.h"
#include "wire/ipv6.h"

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: consistency check failed: %s\n", __FILE__, __LINE__, #cond);   \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define OUT_CAP (0xffffu + IPV6_HDR_LEN)

static void check_chain(const uint8_t *p, size_t len, const ipv6_chain *c)
{
    switch (c->verdict) {
    case IPV6_WALK_UPPER:
    case IPV6_WALK_NO_NEXT:
        CHECK(c->offset <= len && c->nh_field < c->offset);
        CHECK(p[c->nh_field] == c->proto);
        break;
    case IPV6_WALK_FRAGMENT:
        CHECK(c->frag_hdr + IPV6_FRAG_HDR_LEN <= len && c->frag_prev_nh < c->frag_hdr);
        CHECK(p[c->frag_prev_nh] == IP_PROTO_FRAGMENT);
        CHECK(c->frag_offset != 0 || c->frag_more);
        break;
    case IPV6_WALK_PARAM_PROBLEM:
        CHECK(c->icmp_code <= ICMP6_PARAM_INCOMPLETE && c->pointer < len);
        CHECK(c->reason != WIRE_OK);
        break;
    default:
        CHECK(c->verdict == IPV6_WALK_DROP && c->reason != WIRE_OK);
        break;
    }
    CHECK(c->nhdrs <= IPV6_WALK_MAX_HDRS);
}

static void check_icmp6(const uint8_t *l4, size_t n, const ipv6_addr *src, const ipv6_addr *dst,
                        uint8_t hop_limit)
{
    if (n < ICMP6_HDR_LEN || n > 0xffff)
        return;
    uint8_t *m = malloc(n);
    if (!m)
        abort();
    memcpy(m, l4, n);
    wr16(m + 2, 0);
    uint64_t acc = csum_pseudo_ipv6(0, src->b, dst->b, IP_PROTO_ICMPV6, (uint32_t)n);
    wr16(m + 2, csum_finish(csum_add(acc, m, n)));
    icmp6_msg msg;
    CHECK(icmp6_parse(m, n, src, dst, &msg) == WIRE_OK);
    CHECK(msg.payload_len + ICMP6_HDR_LEN == n);
    nd_msg nd;
    wire_result r = nd_parse(&msg, hop_limit, src, dst, &nd);
    if (r == WIRE_OK) {
        CHECK(nd.opts.nprefix <= ND_MAX_PREFIXES);
        CHECK(!nd.opts.redirected ||
              (nd.opts.redirected >= m && nd.opts.redirected + nd.opts.redirected_len <= m + n));
        for (size_t i = 0; i < nd.opts.nprefix; i++)
            CHECK(nd.opts.prefix[i].len <= 128);
    }
    /* Emitting the parsed message gives the same bytes back. */
    uint8_t *e = malloc(n);
    if (!e)
        abort();
    CHECK(icmp6_emit(e, n, &msg, src, dst) == n);
    CHECK(memcmp(e, m, n) == 0);
    free(e);
    free(m);
}

/* Walks one IPv6 packet p (exactly len bytes) and everything above it. */
static void run_ipv6(const uint8_t *p, size_t len, reasm *r, uint64_t now, uint8_t *out)
{
    ipv6_hdr h;
    if (ipv6_parse(p, len, &h) != WIRE_OK)
        return;
    size_t plen = IPV6_HDR_LEN + h.payload_len;
    int mc = ipv6_addr_is_multicast(&h.dst);
    ipv6_chain c;
    ipv6_walk(p, plen, mc, NULL, &c);
    check_chain(p, plen, &c);
    (void)icmp6_error_allowed(p, plen, mc, ICMP6_PARAM_PROBLEM, c.icmp_code);
    if (c.verdict == IPV6_WALK_UPPER && c.proto == IP_PROTO_ICMPV6)
        check_icmp6(p + c.offset, plen - c.offset, &h.src, &h.dst, h.hop_limit);
    if (c.verdict == IPV6_WALK_FRAGMENT || (c.verdict == IPV6_WALK_UPPER && c.atomic)) {
        reasm_frag f;
        reasm_frag_ipv6(&f, p, plen, &c);
        size_t n;
        reasm_result res = reasm_input(r, &f, now, out, OUT_CAP, &n);
        CHECK(res != REASM_ATOMIC || c.atomic);
        if (res == REASM_DONE) {
            ipv6_hdr g;
            CHECK(ipv6_parse(out, n, &g) == WIRE_OK);
            CHECK(IPV6_HDR_LEN + (size_t)g.payload_len == n);
            ipv6_walk(out, n, 0, NULL, &c);
            check_chain(out, n, &c);
        }
    }
}

static void run_ipv4(const uint8_t *p, size_t len, reasm *r, uint64_t now, uint8_t *out)
{
    ipv4_hdr h;
    if (ipv4_parse(p, len, &h) != WIRE_FRAGMENT)
        return;
    reasm_frag f;
    reasm_frag_ipv4(&f, p, &h);
    size_t n;
    if (reasm_input(r, &f, now, out, OUT_CAP, &n) == REASM_DONE) {
        ipv4_hdr g;
        CHECK(n <= 0xffff);
        CHECK(ipv4_parse(out, n, &g) == WIRE_OK);
        CHECK(g.total_len == n);
    }
}

static void on_expired(void *ctx, uint8_t family, const uint8_t *first, size_t len)
{
    (void)ctx;
    CHECK(family == REASM_V4 || family == REASM_V6);
    CHECK(len >= (family == REASM_V6 ? IPV6_HDR_LEN + IPV6_FRAG_HDR_LEN : IPV4_HDR_LEN));
    CHECK((first[0] >> 4) == family);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    reasm_config cfg;
    reasm_config_default(&cfg);
    cfg.max_datagrams = 4;
    cfg.max_bytes = 16384;
    cfg.max_frags = 16;
    reasm r;
    if (reasm_init(&r, &cfg, synack_allocator_libc()) != 0)
        abort();
    uint8_t *out = malloc(OUT_CAP);
    if (!out)
        abort();
    uint64_t now = 0;
    size_t i = 0;
    while (i < size) {
        size_t n = size - i;
        if (n >= 2 && (size_t)rd16(data + i) <= n - 2) {
            n = rd16(data + i);
            i += 2;
        }
        uint8_t *p = malloc(n ? n : 1);
        if (!p)
            abort();
        memcpy(p, data + i, n);
        now += n ? (uint64_t)p[0] * 1000000u : 0;
        run_ipv6(p, n, &r, now, out);
        run_ipv4(p, n, &r, now, out);
        /* The same bytes with the version and payload length made right. */
        if (n >= IPV6_HDR_LEN && n - IPV6_HDR_LEN <= 0xffff) {
            p[0] = (uint8_t)(0x60 | (p[0] & 0x0f));
            wr16(p + 4, (uint16_t)(n - IPV6_HDR_LEN));
            run_ipv6(p, n, &r, now, out);
        }
        free(p);
        i += n;
        CHECK(r.bytes <= cfg.max_bytes && reasm_count(&r) <= cfg.max_datagrams);
    }
    uint8_t scratch[ICMP6_ERROR_MAX_QUOTE];
    reasm_poll(&r, now + 61000000u, scratch, sizeof scratch, on_expired, NULL);
    CHECK(reasm_count(&r) == 0 && r.bytes == 0);
    reasm_destroy(&r);
    free(out);
    return 0;
}
