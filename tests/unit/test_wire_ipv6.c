/* SPDX-License-Identifier: MIT */
/* Unit tests for src/wire/ipv6.c: RFC 8200 header parse/emit, the extension-header
 * chain walk (options, routing, fragments, limits), address helpers, and the IPv6
 * pseudo-header checksum in src/wire/checksum.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "wire/bytes.h"
#include "wire/checksum.h"
#include "wire/ipv6.h"

/* 2001:db8::1 -> 2001:db8::2 (RFC 3849 documentation prefix). */
static const uint8_t SRC[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1};
static const uint8_t DST[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 2};

/* A packet under construction: the fixed header, then headers appended in order. */
typedef struct pkt {
    uint8_t b[2048];
    size_t len;
    size_t last_nh; /* offset of the Next Header octet to patch when appending */
} pkt;

static void pkt_init(pkt *p)
{
    memset(p, 0, sizeof *p);
    ipv6_hdr h = {.hop_limit = 64};
    memcpy(h.src.b, SRC, 16);
    memcpy(h.dst.b, DST, 16);
    assert_int_equal(ipv6_emit(p->b, sizeof p->b, &h, 0), IPV6_HDR_LEN);
    p->len = IPV6_HDR_LEN;
    p->last_nh = 6;
}

/* Appends a header of type nh with the given bytes (its own Next Header octet is
 * patched by the next append; body[0] is overwritten). */
static void pkt_add(pkt *p, uint8_t nh, const uint8_t *body, size_t n)
{
    p->b[p->last_nh] = nh;
    memcpy(p->b + p->len, body, n);
    p->last_nh = p->len;
    p->len += n;
}

/* Ends the chain with upper-layer protocol proto and n payload bytes. */
static void pkt_end(pkt *p, uint8_t proto, size_t n)
{
    p->b[p->last_nh] = proto;
    memset(p->b + p->len, 0xab, n);
    p->len += n;
    wr16(p->b + 4, (uint16_t)(p->len - IPV6_HDR_LEN));
}

/* Walks an exact-size heap copy so ASan sees any over-read. */
static void walk(const pkt *p, int mc, const ipv6_walk_limits *lim, ipv6_chain *c)
{
    uint8_t *copy = malloc(p->len);
    assert_non_null(copy);
    memcpy(copy, p->b, p->len);
    ipv6_walk(copy, p->len, mc, lim, c);
    free(copy);
}

static void test_parse_emit(void **state)
{
    (void)state;
    ipv6_hdr h = {.tclass = 0xb8, .flow = 0x12345, .next = 6, .hop_limit = 255};
    memcpy(h.src.b, SRC, 16);
    memcpy(h.dst.b, DST, 16);
    uint8_t buf[60];
    memset(buf, 0xee, sizeof buf);
    assert_int_equal(ipv6_emit(buf, sizeof buf, &h, 20), 40);
    static const uint8_t want[8] = {0x6b, 0x81, 0x23, 0x45, 0x00, 0x14, 0x06, 0xff};
    assert_memory_equal(buf, want, 8);
    assert_memory_equal(buf + 8, SRC, 16);
    assert_memory_equal(buf + 24, DST, 16);
    ipv6_hdr g;
    assert_int_equal(ipv6_parse(buf, 60, &g), WIRE_OK);
    assert_int_equal(g.tclass, 0xb8);
    assert_int_equal(g.flow, 0x12345);
    assert_int_equal(g.payload_len, 20);
    assert_int_equal(g.next, 6);
    assert_int_equal(g.hop_limit, 255);
    assert_ptr_equal(g.payload, buf + 40);
    assert_memory_equal(g.dst.b, DST, 16);
    /* Link padding after the payload is fine; a payload beyond the bytes is not. */
    assert_int_equal(ipv6_parse(buf, 59, &g), WIRE_BAD_TOTAL_LEN);
    assert_int_equal(ipv6_parse(buf, 39, &g), WIRE_TRUNCATED);
    buf[0] = 0x4b;
    assert_int_equal(ipv6_parse(buf, 60, &g), WIRE_BAD_VERSION);
    assert_int_equal(ipv6_emit(buf, 39, &h, 0), 0);
    assert_int_equal(ipv6_emit(buf, 40, &h, 65536), 0);
}

static void test_walk_plain_and_options(void **state)
{
    (void)state;
    pkt p;
    ipv6_chain c;
    pkt_init(&p);
    pkt_end(&p, 6, 20);
    walk(&p, 0, NULL, &c);
    assert_int_equal(c.verdict, IPV6_WALK_UPPER);
    assert_int_equal(c.proto, 6);
    assert_int_equal(c.offset, 40);
    assert_int_equal(c.nh_field, 6);
    assert_int_equal(c.nhdrs, 0);

    /* Hop-by-hop (Router Alert + PadN), then destination options with an unknown
     * skip-type option (00) and Pad1s. */
    static const uint8_t hbh[8] = {0, 0, 0x05, 0x02, 0x00, 0x00, 0x01, 0x00};
    static const uint8_t dst[16] = {0, 1, 0x1e, 0x06, 1, 2, 3, 4, 5, 6, 0, 0, 0, 0, 0, 0};
    pkt_init(&p);
    pkt_add(&p, IP_PROTO_HOPOPTS, hbh, 8);
    pkt_add(&p, IP_PROTO_DSTOPTS, dst, 16);
    pkt_end(&p, IP_PROTO_ICMPV6, 8);
    walk(&p, 0, NULL, &c);
    assert_int_equal(c.verdict, IPV6_WALK_UPPER);
    assert_int_equal(c.proto, IP_PROTO_ICMPV6);
    assert_int_equal(c.offset, 64);
    assert_int_equal(c.nh_field, 48);
    assert_int_equal(c.nhdrs, 2);

    /* No Next Header: nothing to deliver, trailing bytes ignored. */
    pkt_init(&p);
    pkt_add(&p, IP_PROTO_DSTOPTS, hbh, 8);
    pkt_end(&p, IP_PROTO_NONE, 5);
    walk(&p, 0, NULL, &c);
    assert_int_equal(c.verdict, IPV6_WALK_NO_NEXT);
    assert_int_equal(c.offset, 48);
}

/* One destination-options header carrying a single 2-byte-data option of type t. */
static void opt_pkt(pkt *p, uint8_t t)
{
    uint8_t d[8] = {0, 0, t, 2, 0, 0, 0x01, 0x00};
    pkt_init(p);
    pkt_add(p, IP_PROTO_DSTOPTS, d, 8);
    pkt_end(p, 6, 20);
}

static void test_walk_unknown_option_actions(void **state)
{
    (void)state;
    pkt p;
    ipv6_chain c;
    opt_pkt(&p, 0x3e); /* 00: skip */
    walk(&p, 0, NULL, &c);
    assert_int_equal(c.verdict, IPV6_WALK_UPPER);
    opt_pkt(&p, 0x7e); /* 01: discard */
    walk(&p, 0, NULL, &c);
    assert_int_equal(c.verdict, IPV6_WALK_DROP);
    assert_int_equal(c.reason, WIRE_UNKNOWN_OPTION);
    opt_pkt(&p, 0xbe); /* 10: Parameter Problem code 2, even to multicast */
    walk(&p, 1, NULL, &c);
    assert_int_equal(c.verdict, IPV6_WALK_PARAM_PROBLEM);
    assert_int_equal(c.icmp_code, ICMP6_PARAM_UNKNOWN_OPT);
    assert_int_equal(c.pointer, 42);
    opt_pkt(&p, 0xfe); /* 11: the same unless the destination is multicast */
    walk(&p, 0, NULL, &c);
    assert_int_equal(c.verdict, IPV6_WALK_PARAM_PROBLEM);
    assert_int_equal(c.icmp_code, 2);
    assert_int_equal(c.pointer, 42);
    walk(&p, 1, NULL, &c);
    assert_int_equal(c.verdict, IPV6_WALK_DROP);
    assert_int_equal(c.reason, WIRE_UNKNOWN_OPTION);
}

static void test_walk_hostile_options(void **state)
{
    (void)state;
    pkt p;
    ipv6_chain c;
    /* Eight octets of padding in a row: more than alignment ever needs. */
    static const uint8_t pad8[16] = {0, 1, 0x01, 0x06, 0, 0, 0, 0, 0, 0, 0x01, 0x04};
    pkt_init(&p);
    pkt_add(&p, IP_PROTO_DSTOPTS, pad8, 16);
    pkt_end(&p, 6, 20);
    walk(&p, 0, NULL, &c);
    assert_int_equal(c.verdict, IPV6_WALK_DROP);
    assert_int_equal(c.reason, WIRE_BAD_EXTHDR);
    /* PadN carrying data. */
    static const uint8_t padx[8] = {0, 0, 0x01, 0x04, 0, 0x41, 0, 0};
    pkt_init(&p);
    pkt_add(&p, IP_PROTO_DSTOPTS, padx, 8);
    pkt_end(&p, 6, 20);
    walk(&p, 0, NULL, &c);
    assert_int_equal(c.verdict, IPV6_WALK_DROP);
    /* An option running past its header. */
    static const uint8_t over[8] = {0, 0, 0x1e, 0x05, 0, 0, 0, 0};
    pkt_init(&p);
    pkt_add(&p, IP_PROTO_DSTOPTS, over, 8);
    pkt_end(&p, 6, 20);
    walk(&p, 0, NULL, &c);
    assert_int_equal(c.verdict, IPV6_WALK_DROP);
    assert_int_equal(c.reason, WIRE_BAD_EXTHDR);
    /* Nine skippable options: over the per-header bound. */
    uint8_t many[24] = {0, 2};
    for (size_t i = 0; i < 9; i++) {
        many[2 + 2 * i] = 0x1e;
        many[3 + 2 * i] = 0;
    }
    pkt_init(&p);
    pkt_add(&p, IP_PROTO_DSTOPTS, many, 24);
    pkt_end(&p, 6, 20);
    walk(&p, 0, NULL, &c);
    assert_int_equal(c.verdict, IPV6_WALK_DROP);
    assert_int_equal(c.reason, WIRE_EXTHDR_LIMIT);
    ipv6_walk_limits lim = {.max_hdrs = 8, .max_bytes = 1024, .max_opts = 9};
    walk(&p, 0, &lim, &c);
    assert_int_equal(c.verdict, IPV6_WALK_UPPER);
}

static void test_walk_chain_bounds(void **state)
{
    (void)state;
    static const uint8_t d8[8] = {0, 0, 0x01, 0x04, 0, 0, 0, 0};
    pkt p;
    ipv6_chain c;
    pkt_init(&p);
    for (int i = 0; i < 8; i++)
        pkt_add(&p, IP_PROTO_DSTOPTS, d8, 8);
    pkt_end(&p, 6, 20);
    walk(&p, 0, NULL, &c);
    assert_int_equal(c.verdict, IPV6_WALK_UPPER);
    assert_int_equal(c.offset, 40 + 64);
    pkt_init(&p);
    for (int i = 0; i < 9; i++)
        pkt_add(&p, IP_PROTO_DSTOPTS, d8, 8);
    pkt_end(&p, 6, 20);
    walk(&p, 0, NULL, &c);
    assert_int_equal(c.verdict, IPV6_WALK_DROP);
    assert_int_equal(c.reason, WIRE_EXTHDR_LIMIT);
    /* One 1032-byte destination-options header: over the byte bound before any option. */
    uint8_t big[1032] = {0, 128};
    pkt_init(&p);
    pkt_add(&p, IP_PROTO_DSTOPTS, big, sizeof big);
    pkt_end(&p, 6, 20);
    walk(&p, 0, NULL, &c);
    assert_int_equal(c.verdict, IPV6_WALK_DROP);
    assert_int_equal(c.reason, WIRE_EXTHDR_LIMIT);
    /* A header longer than the packet. */
    uint8_t trunc[8] = {0, 3};
    pkt_init(&p);
    pkt_add(&p, IP_PROTO_DSTOPTS, trunc, 8);
    pkt_end(&p, 6, 4);
    walk(&p, 0, NULL, &c);
    assert_int_equal(c.verdict, IPV6_WALK_DROP);
    assert_int_equal(c.reason, WIRE_BAD_EXTHDR);
}

static void test_walk_hbh_not_first(void **state)
{
    (void)state;
    static const uint8_t d8[8] = {0, 0, 0x01, 0x04, 0, 0, 0, 0};
    pkt p;
    ipv6_chain c;
    pkt_init(&p);
    pkt_add(&p, IP_PROTO_DSTOPTS, d8, 8);
    pkt_add(&p, IP_PROTO_HOPOPTS, d8, 8);
    pkt_end(&p, 6, 20);
    walk(&p, 0, NULL, &c);
    assert_int_equal(c.verdict, IPV6_WALK_PARAM_PROBLEM);
    assert_int_equal(c.icmp_code, ICMP6_PARAM_UNKNOWN_NH);
    assert_int_equal(c.pointer, 40); /* the destination options' Next Header octet */
}

static void test_walk_routing(void **state)
{
    (void)state;
    /* Type 0 (RFC 5095) with one address: segments left 0 is ignored... */
    uint8_t rh0[24] = {0, 2, 0, 0};
    pkt p;
    ipv6_chain c;
    pkt_init(&p);
    pkt_add(&p, IP_PROTO_ROUTING, rh0, 24);
    pkt_end(&p, 6, 20);
    walk(&p, 0, NULL, &c);
    assert_int_equal(c.verdict, IPV6_WALK_UPPER);
    assert_int_equal(c.offset, 64);
    /* ... segments left 1 is Parameter Problem code 0 at the Routing Type. */
    rh0[3] = 1;
    pkt_init(&p);
    pkt_add(&p, IP_PROTO_ROUTING, rh0, 24);
    pkt_end(&p, 6, 20);
    walk(&p, 0, NULL, &c);
    assert_int_equal(c.verdict, IPV6_WALK_PARAM_PROBLEM);
    assert_int_equal(c.icmp_code, ICMP6_PARAM_ERRONEOUS);
    assert_int_equal(c.pointer, 42);
}

static void frag_pkt(pkt *p, uint16_t off, int more, size_t data)
{
    uint8_t fh[8];
    pkt_init(p);
    ipv6_frag_emit(fh, sizeof fh, 0, off, more, 0xdeadbeef);
    pkt_add(p, IP_PROTO_FRAGMENT, fh, 8);
    pkt_end(p, 6, data);
}

static void test_walk_fragments(void **state)
{
    (void)state;
    pkt p;
    ipv6_chain c;
    uint8_t fh[8];
    assert_int_equal(ipv6_frag_emit(fh, 8, 6, 1232, 1, 0x01020304), 8);
    static const uint8_t want_fh[8] = {6, 0, 0x04, 0xd1, 1, 2, 3, 4};
    assert_memory_equal(fh, want_fh, 8);
    assert_int_equal(ipv6_frag_emit(fh, 8, 6, 1233, 1, 0), 0);

    /* Atomic fragment (RFC 6946): walked through at once. */
    frag_pkt(&p, 0, 0, 20);
    walk(&p, 0, NULL, &c);
    assert_int_equal(c.verdict, IPV6_WALK_UPPER);
    assert_int_equal(c.atomic, 1);
    assert_int_equal(c.proto, 6);
    assert_int_equal(c.offset, 48);
    assert_int_equal(c.frag_id, 0xdeadbeef);
    /* First fragment with the whole chain. */
    frag_pkt(&p, 0, 1, 24);
    walk(&p, 0, NULL, &c);
    assert_int_equal(c.verdict, IPV6_WALK_FRAGMENT);
    assert_int_equal(c.proto, 6);
    assert_int_equal(c.frag_hdr, 40);
    assert_int_equal(c.frag_prev_nh, 6);
    assert_int_equal(c.frag_more, 1);
    assert_int_equal(c.frag_offset, 0);
    assert_int_equal(c.frag_nh, 6);
    /* Later fragment: not looked into. */
    frag_pkt(&p, 24, 0, 3);
    walk(&p, 0, NULL, &c);
    assert_int_equal(c.verdict, IPV6_WALK_FRAGMENT);
    assert_int_equal(c.frag_offset, 24);
    assert_int_equal(c.frag_more, 0);
    /* M set and a length not a multiple of 8: code 0 at the payload length. */
    frag_pkt(&p, 8, 1, 20);
    walk(&p, 0, NULL, &c);
    assert_int_equal(c.verdict, IPV6_WALK_PARAM_PROBLEM);
    assert_int_equal(c.icmp_code, 0);
    assert_int_equal(c.pointer, 4);
    assert_int_equal(c.reason, WIRE_BAD_FRAGMENT);
    /* Ending past 65535: code 0 at the fragment offset. */
    frag_pkt(&p, 65528, 0, 16);
    walk(&p, 0, NULL, &c);
    assert_int_equal(c.verdict, IPV6_WALK_PARAM_PROBLEM);
    assert_int_equal(c.pointer, 42);
    /* First fragment whose TCP header is cut (RFC 7112): code 3, pointer 0. */
    frag_pkt(&p, 0, 1, 16);
    walk(&p, 0, NULL, &c);
    assert_int_equal(c.verdict, IPV6_WALK_PARAM_PROBLEM);
    assert_int_equal(c.icmp_code, ICMP6_PARAM_INCOMPLETE);
    assert_int_equal(c.pointer, 0);
    assert_int_equal(c.reason, WIRE_INCOMPLETE_CHAIN);
    /* First fragment whose destination options run past it. */
    uint8_t dopt[8] = {0, 4};
    pkt_init(&p);
    ipv6_frag_emit(fh, sizeof fh, 0, 0, 1, 7);
    pkt_add(&p, IP_PROTO_FRAGMENT, fh, 8);
    pkt_add(&p, IP_PROTO_DSTOPTS, dopt, 8);
    pkt_end(&p, 6, 16);
    walk(&p, 0, NULL, &c);
    assert_int_equal(c.verdict, IPV6_WALK_PARAM_PROBLEM);
    assert_int_equal(c.icmp_code, ICMP6_PARAM_INCOMPLETE);
    /* A fragment header inside an atomic fragment. */
    pkt_init(&p);
    ipv6_frag_emit(fh, sizeof fh, 0, 0, 0, 7);
    pkt_add(&p, IP_PROTO_FRAGMENT, fh, 8);
    pkt_add(&p, IP_PROTO_FRAGMENT, fh, 8);
    pkt_end(&p, 6, 20);
    walk(&p, 0, NULL, &c);
    assert_int_equal(c.verdict, IPV6_WALK_DROP);
    assert_int_equal(c.reason, WIRE_BAD_EXTHDR);
}

static void test_router_alert_hbh(void **state)
{
    (void)state;
    uint8_t b[8];
    assert_int_equal(ipv6_hbh_router_alert_emit(b, 8, IP_PROTO_ICMPV6), 8);
    static const uint8_t want[8] = {58, 0, 5, 2, 0, 0, 1, 0};
    assert_memory_equal(b, want, 8);
    assert_int_equal(ipv6_hbh_router_alert_emit(b, 7, 58), 0);
    pkt p;
    ipv6_chain c;
    pkt_init(&p);
    pkt_add(&p, IP_PROTO_HOPOPTS, want, 8);
    pkt_end(&p, IP_PROTO_ICMPV6, 8);
    walk(&p, 1, NULL, &c);
    assert_int_equal(c.verdict, IPV6_WALK_UPPER);
}

static void test_addresses(void **state)
{
    (void)state;
    ipv6_addr a, o;
    static const uint8_t unicast[16] = {0x20, 0x01, 0x0d, 0xb8, 0,    0,    0,    0,
                                        0,    0,    0,    0x01, 0x23, 0x45, 0x67, 0x89};
    memcpy(a.b, unicast, 16);
    ipv6_addr_solicited_node(&o, &a);
    static const uint8_t sn[16] = {0xff, 0x02, [11] = 0x01, 0xff, 0x45, 0x67, 0x89};
    assert_memory_equal(o.b, sn, 16);
    assert_true(ipv6_addr_is_multicast(&o));
    assert_false(ipv6_addr_is_multicast(&a));
    uint8_t mac[6];
    ipv6_mcast_mac(mac, &o);
    static const uint8_t want_mac[6] = {0x33, 0x33, 0xff, 0x45, 0x67, 0x89};
    assert_memory_equal(mac, want_mac, 6);

    static const uint8_t hw[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};
    ipv6_addr_link_local_eui64(&o, hw);
    static const uint8_t ll[16] = {0xfe, 0x80, [8] = 0x50, 0x54, 0x00,
                                   0xff, 0xfe, 0x12,       0x34, 0x56};
    assert_memory_equal(o.b, ll, 16);
    assert_true(ipv6_addr_is_link_local(&o));
    assert_false(ipv6_addr_is_link_local(&a));

    assert_int_equal(ipv6_addr_link_local_iid(&o, 0x0123456789abcdefull), 0);
    static const uint8_t lr[16] = {0xfe, 0x80, [8] = 0x01, 0x23, 0x45,
                                   0x67, 0x89, 0xab,       0xcd, 0xef};
    assert_memory_equal(o.b, lr, 16);
    assert_int_equal(ipv6_addr_link_local_iid(&o, 0), -1);
    assert_int_equal(ipv6_addr_link_local_iid(&o, 0xfdffffffffffff80ull), -1);
    assert_int_equal(ipv6_addr_link_local_iid(&o, 0xfdffffffffffffffull), -1);
    assert_int_equal(ipv6_addr_link_local_iid(&o, 0x02005efffe005213ull), -1);
    assert_int_equal(ipv6_addr_link_local_iid(&o, 0xfe00000000000001ull), 0);
    assert_memory_equal(o.b, ll, 2);

    ipv6_addr_v4mapped(&o, 0xc0000201u);
    static const uint8_t m4[16] = {[10] = 0xff, 0xff, 192, 0, 2, 1};
    assert_memory_equal(o.b, m4, 16);
    assert_true(ipv6_addr_is_v4mapped(&o));
    assert_false(ipv6_addr_is_v4mapped(&a));
    memset(o.b, 0, 16);
    assert_true(ipv6_addr_is_unspecified(&o));
    o.b[15] = 1;
    assert_true(ipv6_addr_is_loopback(&o));
    assert_false(ipv6_addr_is_unspecified(&o));
    assert_true(ipv6_addr_equal(&a, &a));
    assert_false(ipv6_addr_equal(&a, &o));
}

/* RFC 1071 the obvious way over an explicit RFC 8200 8.1 pseudo-header. */
static uint16_t naive(const uint8_t *src, const uint8_t *dst, uint8_t nh, const uint8_t *p,
                      size_t n)
{
    uint8_t ph[40];
    memcpy(ph, src, 16);
    memcpy(ph + 16, dst, 16);
    wr32(ph + 32, (uint32_t)n);
    ph[36] = ph[37] = ph[38] = 0;
    ph[39] = nh;
    uint64_t s = 0;
    for (size_t i = 0; i < 40; i += 2)
        s += rd16(ph + i);
    for (size_t i = 0; i + 1 < n; i += 2)
        s += rd16(p + i);
    if (n % 2)
        s += (uint64_t)p[n - 1] << 8;
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    return (uint16_t)~s;
}

static void test_pseudo_checksum(void **state)
{
    (void)state;
    /* An echo request as ping -6 sends it: type 128, id 0x1234, seq 1, "abc". */
    uint8_t m[11] = {128, 0, 0, 0, 0x12, 0x34, 0x00, 0x01, 'a', 'b', 'c'};
    uint16_t want = naive(SRC, DST, 58, m, sizeof m);
    uint64_t acc = csum_pseudo_ipv6(0, SRC, DST, 58, sizeof m);
    assert_int_equal(csum_finish(csum_add(acc, m, sizeof m)), want);
    /* Known value: 0xffff minus the folded sum, checked by hand once. */
    assert_int_equal(want, 0x4dad);
    wr16(m + 2, want);
    acc = csum_pseudo_ipv6(0, SRC, DST, 58, sizeof m);
    assert_int_equal(csum_finish(csum_add(acc, m, sizeof m)), 0);
    /* A length above 65535 (jumbogram-sized) folds its high half in. */
    uint8_t big[4] = {1, 2, 3, 4};
    assert_int_equal(csum_finish(csum_add(csum_pseudo_ipv6(0, SRC, DST, 6, 0x10000u), big, 4)),
                     csum_finish(csum_add(csum_pseudo_ipv6(0, SRC, DST, 6, 1u), big, 4)));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_emit),
        cmocka_unit_test(test_walk_plain_and_options),
        cmocka_unit_test(test_walk_unknown_option_actions),
        cmocka_unit_test(test_walk_hostile_options),
        cmocka_unit_test(test_walk_chain_bounds),
        cmocka_unit_test(test_walk_hbh_not_first),
        cmocka_unit_test(test_walk_routing),
        cmocka_unit_test(test_walk_fragments),
        cmocka_unit_test(test_router_alert_hbh),
        cmocka_unit_test(test_addresses),
        cmocka_unit_test(test_pseudo_checksum),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
