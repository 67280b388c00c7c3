/* SPDX-License-Identifier: MIT */
/* Unit tests for src/wire/ipv4.c: RFC 791 header parse, emit, malformed input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "wire/bytes.h"
#include "wire/checksum.h"
#include "wire/ipv4.h"

/* A real header (the classic 192.168.0.1 -> 192.168.0.199 UDP example,
 * checksum b861) followed by 95 payload bytes to make total length 0x73. */
static const uint8_t udp_hdr[20] = {0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
                                    0xb8, 0x61, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7};

/* Recomputes the header checksum after a test edits a field. */
static void fix_csum(uint8_t *pkt)
{
    size_t hl = (size_t)(pkt[0] & 0x0f) * 4;
    wr16(pkt + 10, 0);
    wr16(pkt + 10, csum_finish(csum_add(0, pkt, hl)));
}

/* Copies p into a heap block of exactly n bytes so ASan sees any over-read. */
static uint8_t *exact_copy(const uint8_t *p, size_t n)
{
    uint8_t *c = malloc(n ? n : 1);
    assert_non_null(c);
    if (n)
        memcpy(c, p, n);
    return c;
}

static wire_result parse_exact(const uint8_t *p, size_t n, ipv4_hdr *out)
{
    uint8_t *c = exact_copy(p, n);
    wire_result r = ipv4_parse(c, n, out);
    free(c);
    return r;
}

/* Builds the classic example datagram into pkt (0x73 bytes). */
static void build_example(uint8_t pkt[0x73])
{
    memcpy(pkt, udp_hdr, sizeof udp_hdr);
    for (size_t i = 20; i < 0x73; i++)
        pkt[i] = (uint8_t)i;
}

static void test_parse_real_header(void **state)
{
    (void)state;
    uint8_t pkt[0x73];
    build_example(pkt);
    ipv4_hdr h;
    assert_int_equal(ipv4_parse(pkt, sizeof pkt, &h), WIRE_OK);
    assert_int_equal(h.tos, 0);
    assert_int_equal(h.total_len, 0x73);
    assert_int_equal(h.id, 0);
    assert_int_equal(h.frag, IPV4_FLAG_DF);
    assert_int_equal(h.ttl, 64);
    assert_int_equal(h.proto, IP_PROTO_UDP);
    assert_int_equal(h.src, 0xc0a80001u);
    assert_int_equal(h.dst, 0xc0a800c7u);
    assert_int_equal(h.hdr_len, 20);
    assert_ptr_equal(h.payload, pkt + 20);
    assert_int_equal(h.payload_len, 0x73 - 20);
}

/* emit reproduces the real header byte for byte, checksum included. */
static void test_emit_matches_real_header(void **state)
{
    (void)state;
    ipv4_hdr h = {.tos = 0,
                  .id = 0,
                  .frag = IPV4_FLAG_DF,
                  .ttl = 64,
                  .proto = IP_PROTO_UDP,
                  .src = 0xc0a80001u,
                  .dst = 0xc0a800c7u};
    uint8_t buf[20];
    assert_int_equal(ipv4_emit(buf, sizeof buf, &h, 0x73 - 20), 20);
    assert_memory_equal(buf, udp_hdr, 20);
}

static void test_round_trip(void **state)
{
    (void)state;
    const ipv4_hdr in = {.tos = 0xb8,
                         .id = 0xbeef,
                         .frag = 0,
                         .ttl = 1,
                         .proto = IP_PROTO_TCP,
                         .src = 0x0a000001u,
                         .dst = 0xfffffffeu};
    for (size_t plen = 0; plen < 70; plen += 7) {
        uint8_t buf[128] = {0};
        assert_int_equal(ipv4_emit(buf, sizeof buf, &in, plen), IPV4_HDR_LEN);
        ipv4_hdr out;
        memset(&out, 0xaa, sizeof out);
        assert_int_equal(ipv4_parse(buf, IPV4_HDR_LEN + plen, &out), WIRE_OK);
        assert_int_equal(out.tos, in.tos);
        assert_int_equal(out.total_len, IPV4_HDR_LEN + plen);
        assert_int_equal(out.id, in.id);
        assert_int_equal(out.frag, in.frag);
        assert_int_equal(out.ttl, in.ttl);
        assert_int_equal(out.proto, in.proto);
        assert_int_equal(out.src, in.src);
        assert_int_equal(out.dst, in.dst);
        assert_int_equal(out.hdr_len, IPV4_HDR_LEN);
        assert_ptr_equal(out.payload, buf + IPV4_HDR_LEN);
        assert_int_equal(out.payload_len, plen);
    }
}

static void test_emit_limits(void **state)
{
    (void)state;
    ipv4_hdr h = {.ttl = 64, .proto = IP_PROTO_TCP};
    uint8_t buf[20];
    memset(buf, 0x77, sizeof buf);
    assert_int_equal(ipv4_emit(buf, 19, &h, 0), 0);
    assert_int_equal(buf[0], 0x77); /* Nothing written. */
    assert_int_equal(ipv4_emit(buf, 20, &h, 65535 - 20), 20);
    assert_int_equal(rd16(buf + 2), 65535);
    assert_int_equal(ipv4_emit(buf, 20, &h, 65535 - 19), 0);
}

/* Bytes beyond total_len are Ethernet padding and are not payload. */
static void test_link_padding_ignored(void **state)
{
    (void)state;
    uint8_t frame[46] = {0};
    ipv4_hdr h = {.ttl = 64, .proto = IP_PROTO_TCP, .src = 1, .dst = 2};
    assert_int_equal(ipv4_emit(frame, sizeof frame, &h, 20), 20);
    ipv4_hdr out;
    assert_int_equal(ipv4_parse(frame, sizeof frame, &out), WIRE_OK);
    assert_int_equal(out.total_len, 40);
    assert_int_equal(out.payload_len, 20);
}

/* Options (IHL 6 here) are skipped; the payload starts after them. */
static void test_options_skipped(void **state)
{
    (void)state;
    uint8_t pkt[32] = {0};
    pkt[0] = 0x46;
    wr16(pkt + 2, 32);
    pkt[8] = 64;
    pkt[9] = IP_PROTO_ICMP;
    pkt[20] = 0x94; /* Router Alert (RFC 2113), length 4. */
    pkt[21] = 0x04;
    fix_csum(pkt);
    ipv4_hdr out;
    assert_int_equal(ipv4_parse(pkt, sizeof pkt, &out), WIRE_OK);
    assert_int_equal(out.hdr_len, 24);
    assert_ptr_equal(out.payload, pkt + 24);
    assert_int_equal(out.payload_len, 8);
}

static void test_malformed(void **state)
{
    (void)state;
    uint8_t pkt[0x73];
    ipv4_hdr out;

    build_example(pkt);
    assert_int_equal(ipv4_parse(pkt, 19, &out), WIRE_TRUNCATED);

    build_example(pkt);
    pkt[0] = 0x65; /* Version 6. */
    fix_csum(pkt);
    assert_int_equal(ipv4_parse(pkt, sizeof pkt, &out), WIRE_BAD_VERSION);

    build_example(pkt);
    pkt[0] = 0x44; /* IHL 4. */
    assert_int_equal(ipv4_parse(pkt, sizeof pkt, &out), WIRE_BAD_IHL);

    build_example(pkt);
    wr16(pkt + 2, 0x74); /* One byte more than received. */
    fix_csum(pkt);
    assert_int_equal(ipv4_parse(pkt, sizeof pkt, &out), WIRE_BAD_TOTAL_LEN);

    build_example(pkt);
    wr16(pkt + 2, 19); /* Shorter than any header. */
    fix_csum(pkt);
    assert_int_equal(ipv4_parse(pkt, sizeof pkt, &out), WIRE_BAD_TOTAL_LEN);

    build_example(pkt);
    pkt[0] = 0x46; /* 24-byte header inside a 20-byte datagram. */
    wr16(pkt + 2, 20);
    fix_csum(pkt);
    assert_int_equal(ipv4_parse(pkt, sizeof pkt, &out), WIRE_BAD_IHL);

    build_example(pkt);
    pkt[8] ^= 1; /* TTL changed, checksum not. */
    assert_int_equal(ipv4_parse(pkt, sizeof pkt, &out), WIRE_BAD_IP_CSUM);

    build_example(pkt);
    wr16(pkt + 6, IPV4_FLAG_MF); /* First fragment. */
    fix_csum(pkt);
    assert_int_equal(ipv4_parse(pkt, sizeof pkt, &out), WIRE_FRAGMENT);

    build_example(pkt);
    wr16(pkt + 6, 185); /* Last fragment: offset only. */
    fix_csum(pkt);
    assert_int_equal(ipv4_parse(pkt, sizeof pkt, &out), WIRE_FRAGMENT);
    /* Filled in all the same, for reassembly (src/stack/reasm.c). */
    assert_int_equal(out.frag, 185);
    assert_int_equal(out.id, 0);
    assert_int_equal(out.proto, 17);
    assert_int_equal(out.hdr_len, 20);
    assert_int_equal(out.payload_len, 0x73 - 20);
    assert_ptr_equal(out.payload, pkt + 20);

    build_example(pkt);
    wr16(pkt + 6, IPV4_FLAG_DF | 1); /* DF does not excuse an offset. */
    fix_csum(pkt);
    assert_int_equal(ipv4_parse(pkt, sizeof pkt, &out), WIRE_FRAGMENT);

    build_example(pkt);
    wr16(pkt + 6, 0); /* Neither DF nor MF: an unfragmented datagram. */
    fix_csum(pkt);
    assert_int_equal(ipv4_parse(pkt, sizeof pkt, &out), WIRE_OK);
}

/* Every prefix of a valid datagram is rejected and read only within bounds. */
static void test_truncation_every_length(void **state)
{
    (void)state;
    uint8_t pkt[0x73];
    build_example(pkt);
    ipv4_hdr out;
    for (size_t n = 0; n < sizeof pkt; n++) {
        wire_result r = parse_exact(pkt, n, &out);
        assert_int_not_equal(r, WIRE_OK);
        assert_int_equal(r, n < 20 ? WIRE_TRUNCATED : WIRE_BAD_TOTAL_LEN);
    }
    assert_int_equal(parse_exact(pkt, sizeof pkt, &out), WIRE_OK);

    /* Same with a 60-byte header (IHL 15) of NOP options. */
    uint8_t big[64] = {0};
    big[0] = 0x4f;
    wr16(big + 2, sizeof big);
    big[8] = 64;
    memset(big + 20, 0x01, 40);
    fix_csum(big);
    for (size_t n = 0; n < sizeof big; n++)
        assert_int_not_equal(parse_exact(big, n, &out), WIRE_OK);
    assert_int_equal(parse_exact(big, sizeof big, &out), WIRE_OK);
    assert_int_equal(out.hdr_len, 60);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_real_header),
        cmocka_unit_test(test_emit_matches_real_header),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_emit_limits),
        cmocka_unit_test(test_link_padding_ignored),
        cmocka_unit_test(test_options_skipped),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_truncation_every_length),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
