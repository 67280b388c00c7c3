/* SPDX-License-Identifier: MIT */
/* Unit tests for src/wire/eth.c, arp.c and icmp.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "wire/arp.h"
#include "wire/bytes.h"
#include "wire/checksum.h"
#include "wire/eth.h"
#include "wire/icmp.h"

/* A broadcast ARP request "who has 192.168.1.1? tell 192.168.1.10" from
 * 52:54:00:12:34:56, as Linux sends it (frame padding omitted). */
/* clang-format off */
static const uint8_t arp_request_frame[42] = {
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x52, 0x54, 0x00, 0x12, 0x34, 0x56, /* dst, src */
    0x08, 0x06,                                                             /* ARP */
    0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01,             /* Ethernet/IPv4, request */
    0x52, 0x54, 0x00, 0x12, 0x34, 0x56, 0xc0, 0xa8, 0x01, 0x0a, /* sha, spa */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xc0, 0xa8, 0x01, 0x01, /* tha, tpa */
};
/* clang-format on */

/* ICMP echo request id 0x1234 seq 1 carrying "abcdefgh", checksum 0x5435. */
static const uint8_t echo_request[16] = {0x08, 0x00, 0x54, 0x35, 0x12, 0x34, 0x00, 0x01,
                                         'a',  'b',  'c',  'd',  'e',  'f',  'g',  'h'};

/* Copies p into a heap block of exactly n bytes so ASan sees any over-read. */
static uint8_t *exact_copy(const uint8_t *p, size_t n)
{
    uint8_t *c = malloc(n ? n : 1);
    assert_non_null(c);
    if (n)
        memcpy(c, p, n);
    return c;
}

static void test_eth_parse_real(void **state)
{
    (void)state;
    eth_hdr h;
    assert_int_equal(eth_parse(arp_request_frame, sizeof arp_request_frame, &h), WIRE_OK);
    static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    static const uint8_t mac[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};
    assert_memory_equal(h.dst, bcast, 6);
    assert_memory_equal(h.src, mac, 6);
    assert_int_equal(h.ethertype, ETHERTYPE_ARP);
}

static void test_eth_round_trip(void **state)
{
    (void)state;
    const eth_hdr in = {{2, 0, 0, 0, 0, 1}, {2, 0, 0, 0, 0, 2}, ETHERTYPE_IPV4};
    uint8_t buf[ETH_HDR_LEN];
    assert_int_equal(eth_emit(buf, sizeof buf, &in), ETH_HDR_LEN);
    assert_int_equal(buf[12], 0x08);
    assert_int_equal(buf[13], 0x00);
    eth_hdr out;
    assert_int_equal(eth_parse(buf, sizeof buf, &out), WIRE_OK);
    assert_memory_equal(out.dst, in.dst, 6);
    assert_memory_equal(out.src, in.src, 6);
    assert_int_equal(out.ethertype, in.ethertype);

    memset(buf, 0x77, sizeof buf);
    assert_int_equal(eth_emit(buf, ETH_HDR_LEN - 1, &in), 0);
    assert_int_equal(buf[0], 0x77);
}

static void test_eth_malformed(void **state)
{
    (void)state;
    eth_hdr h;
    for (size_t n = 0; n < ETH_HDR_LEN; n++) {
        uint8_t *c = exact_copy(arp_request_frame, n);
        assert_int_equal(eth_parse(c, n, &h), WIRE_TRUNCATED);
        free(c);
    }
    uint8_t f[ETH_HDR_LEN];
    memcpy(f, arp_request_frame, sizeof f);
    const uint16_t others[] = {0x86dd, 0x8100, 0x88cc, 0x0040};
    for (size_t i = 0; i < sizeof others / sizeof others[0]; i++) {
        wr16(f + 12, others[i]);
        memset(&h, 0, sizeof h);
        assert_int_equal(eth_parse(f, sizeof f, &h), WIRE_UNKNOWN_ETHERTYPE);
        assert_int_equal(h.ethertype, others[i]); /* Still filled in for tracing. */
        assert_int_equal(h.src[0], 0x52);
    }
}

static void test_arp_parse_real(void **state)
{
    (void)state;
    arp_pkt a;
    assert_int_equal(arp_parse(arp_request_frame + ETH_HDR_LEN, ARP_LEN, &a), WIRE_OK);
    assert_int_equal(a.op, ARP_OP_REQUEST);
    static const uint8_t mac[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};
    static const uint8_t zero[6] = {0};
    assert_memory_equal(a.sha, mac, 6);
    assert_int_equal(a.spa, 0xc0a8010au);
    assert_memory_equal(a.tha, zero, 6);
    assert_int_equal(a.tpa, 0xc0a80101u);

    /* emit reproduces the captured bytes. */
    uint8_t buf[ARP_LEN];
    assert_int_equal(arp_emit(buf, sizeof buf, &a), ARP_LEN);
    assert_memory_equal(buf, arp_request_frame + ETH_HDR_LEN, ARP_LEN);
}

static void test_arp_round_trip(void **state)
{
    (void)state;
    const arp_pkt in = {
        ARP_OP_REPLY, {1, 2, 3, 4, 5, 6}, 0x0a000001u, {7, 8, 9, 10, 11, 12}, 0x0a000002u};
    uint8_t buf[64] = {0};
    assert_int_equal(arp_emit(buf, sizeof buf, &in), ARP_LEN);
    arp_pkt out;
    /* Trailing Ethernet padding is ignored. */
    assert_int_equal(arp_parse(buf, 46, &out), WIRE_OK);
    assert_int_equal(out.op, in.op);
    assert_memory_equal(out.sha, in.sha, 6);
    assert_int_equal(out.spa, in.spa);
    assert_memory_equal(out.tha, in.tha, 6);
    assert_int_equal(out.tpa, in.tpa);

    memset(buf, 0x77, sizeof buf);
    assert_int_equal(arp_emit(buf, ARP_LEN - 1, &in), 0);
    assert_int_equal(buf[0], 0x77);
}

static void test_arp_malformed(void **state)
{
    (void)state;
    const uint8_t *good = arp_request_frame + ETH_HDR_LEN;
    arp_pkt a;
    for (size_t n = 0; n < ARP_LEN; n++) {
        uint8_t *c = exact_copy(good, n);
        assert_int_equal(arp_parse(c, n, &a), WIRE_TRUNCATED);
        free(c);
    }
    struct {
        size_t off;  /* Byte to change. */
        uint8_t val; /* Value it gets. */
    } bad[] = {
        {1, 6},    /* htype 6 (IEEE 802). */
        {0, 1},    /* htype 0x0101. */
        {2, 0x86}, /* ptype 0x8600. */
        {3, 0xdd}, /* ptype 0x08dd. */
        {4, 8},    /* hlen 8. */
        {5, 16},   /* plen 16. */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        uint8_t p[ARP_LEN];
        memcpy(p, good, ARP_LEN);
        p[bad[i].off] = bad[i].val;
        assert_int_equal(arp_parse(p, ARP_LEN, &a), WIRE_BAD_ARP);
    }
}

static void test_icmp_parse_real(void **state)
{
    (void)state;
    icmp_msg m;
    uint8_t *c = exact_copy(echo_request, sizeof echo_request);
    assert_int_equal(icmp_parse(c, sizeof echo_request, &m), WIRE_OK);
    assert_int_equal(m.type, ICMP_ECHO_REQUEST);
    assert_int_equal(m.code, 0);
    assert_int_equal(m.rest, 0x12340001u);
    assert_ptr_equal(m.payload, c + 8);
    assert_int_equal(m.payload_len, 8);
    assert_memory_equal(m.payload, "abcdefgh", 8);

    /* Turning it into the reply in place, as a responder would. */
    m.type = ICMP_ECHO_REPLY;
    assert_int_equal(icmp_emit(c, sizeof echo_request, &m), sizeof echo_request);
    assert_int_equal(c[0], 0);
    assert_int_equal(rd16(c + 2), 0x5c35); /* RFC 1624: type 8 -> 0 adds 0x0800. */
    assert_memory_equal(c + 4, echo_request + 4, 12);
    icmp_msg r;
    assert_int_equal(icmp_parse(c, sizeof echo_request, &r), WIRE_OK);
    assert_int_equal(r.type, ICMP_ECHO_REPLY);
    free(c);
}

static void test_icmp_round_trip(void **state)
{
    (void)state;
    uint8_t data[577];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (uint8_t)(i ^ 0x5a);
    /* Odd payload lengths exercise the zero-padded final byte. */
    for (size_t plen = 0; plen <= sizeof data; plen += 41) {
        const icmp_msg in = {ICMP_DEST_UNREACH, ICMP_CODE_FRAG_NEEDED, 1400, data, plen};
        uint8_t buf[8 + sizeof data];
        assert_int_equal(icmp_emit(buf, sizeof buf, &in), 8 + plen);
        assert_int_equal(rd16(buf + 6), 1400); /* Next-hop MTU, RFC 1191 4. */
        icmp_msg out;
        assert_int_equal(icmp_parse(buf, 8 + plen, &out), WIRE_OK);
        assert_int_equal(out.type, in.type);
        assert_int_equal(out.code, in.code);
        assert_int_equal(out.rest, in.rest);
        assert_int_equal(out.payload_len, plen);
        assert_memory_equal(out.payload, data, plen);
    }
    const icmp_msg m = {ICMP_ECHO_REQUEST, 0, 1, data, 10};
    uint8_t buf[32];
    memset(buf, 0x77, sizeof buf);
    assert_int_equal(icmp_emit(buf, 17, &m), 0);
    assert_int_equal(icmp_emit(buf, 7, &m), 0);
    assert_int_equal(buf[0], 0x77);
    assert_int_equal(icmp_emit(buf, 18, &m), 18);
}

static void test_icmp_malformed(void **state)
{
    (void)state;
    icmp_msg m;
    for (size_t n = 0; n < sizeof echo_request; n++) {
        uint8_t *c = exact_copy(echo_request, n);
        wire_result r = icmp_parse(c, n, &m);
        assert_int_equal(r, n < 8 ? WIRE_TRUNCATED : WIRE_BAD_ICMP_CSUM);
        free(c);
    }
    uint8_t p[sizeof echo_request];
    for (size_t i = 0; i < sizeof p; i++) {
        memcpy(p, echo_request, sizeof p);
        p[i] ^= 0x01; /* Any single-bit error is caught. */
        assert_int_equal(icmp_parse(p, sizeof p, &m), WIRE_BAD_ICMP_CSUM);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_eth_parse_real),  cmocka_unit_test(test_eth_round_trip),
        cmocka_unit_test(test_eth_malformed),   cmocka_unit_test(test_arp_parse_real),
        cmocka_unit_test(test_arp_round_trip),  cmocka_unit_test(test_arp_malformed),
        cmocka_unit_test(test_icmp_parse_real), cmocka_unit_test(test_icmp_round_trip),
        cmocka_unit_test(test_icmp_malformed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
