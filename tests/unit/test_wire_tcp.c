/* SPDX-License-Identifier: MIT */
/* Unit tests for src/wire/tcp_wire.c: RFC 9293 header, RFC 7323 and RFC 2018
 * options, Linux option layout, malformed input. */
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
#include "wire/tcp_wire.h"

#define SRC 0xc0000201u /* 192.0.2.1 */
#define DST 0xc0000202u /* 192.0.2.2 */

/* A SYN that Linux 6.x sent (curl 192.168.1.10:54321 -> 93.184.216.34:80),
 * written out byte by byte: IPv4 header then TCP header with the options
 * "mss 1460,sackOK,TS val 736349 ecr 0,nop,wscale 7". */
/* clang-format off */
static const uint8_t linux_syn[60] = {
    /* IPv4: v4 IHL5, tos 0, len 60, id 0x1c46, DF, ttl 64, TCP, csum 26e9. */
    0x45, 0x00, 0x00, 0x3c, 0x1c, 0x46, 0x40, 0x00, 0x40, 0x06, 0x26, 0xe9,
    0xc0, 0xa8, 0x01, 0x0a,                                     /* 192.168.1.10 */
    0x5d, 0xb8, 0xd8, 0x22,                                     /* 93.184.216.34 */
    /* TCP: 54321 -> 80, seq 0x4a3b2c1d, ack 0, doff 10, SYN, win 64240, csum ce3f. */
    0xd4, 0x31, 0x00, 0x50, 0x4a, 0x3b, 0x2c, 0x1d, 0x00, 0x00, 0x00, 0x00,
    0xa0, 0x02, 0xfa, 0xf0, 0xce, 0x3f, 0x00, 0x00,
    0x02, 0x04, 0x05, 0xb4,                                     /* mss 1460 */
    0x04, 0x02,                                                 /* sackOK */
    0x08, 0x0a, 0x00, 0x0b, 0x3c, 0x5d, 0x00, 0x00, 0x00, 0x00, /* TS val 736349 ecr 0 */
    0x01,                                                       /* nop */
    0x03, 0x03, 0x07,                                           /* wscale 7 */
};
/* clang-format on */

/* Copies p into a heap block of exactly n bytes so ASan sees any over-read. */
static uint8_t *exact_copy(const uint8_t *p, size_t n)
{
    uint8_t *c = malloc(n ? n : 1);
    assert_non_null(c);
    if (n)
        memcpy(c, p, n);
    return c;
}

static wire_result parse_exact(const uint8_t *p, size_t n, tcp_seg *out)
{
    uint8_t *c = exact_copy(p, n);
    wire_result r = tcp_parse(c, n, SRC, DST, out);
    free(c);
    return r;
}

/* Builds a segment from a 20-byte header plus raw option bytes (padded by the
 * caller) and a valid checksum; returns its length. */
static size_t build_raw(uint8_t *buf, const uint8_t *opt, size_t optlen, const uint8_t *data,
                        size_t datalen)
{
    memset(buf, 0, TCP_HDR_LEN);
    wr16(buf, 1234);
    wr16(buf + 2, 80);
    wr32(buf + 4, 1000);
    wr32(buf + 8, 2000);
    buf[12] = (uint8_t)(((TCP_HDR_LEN + optlen) / 4) << 4);
    buf[13] = TCP_ACK;
    wr16(buf + 14, 4096);
    if (optlen)
        memcpy(buf + TCP_HDR_LEN, opt, optlen);
    if (datalen)
        memcpy(buf + TCP_HDR_LEN + optlen, data, datalen);
    size_t len = TCP_HDR_LEN + optlen + datalen;
    uint64_t acc = csum_pseudo_ipv4(0, SRC, DST, IP_PROTO_TCP, (uint16_t)len);
    wr16(buf + 16, csum_finish(csum_add(acc, buf, len)));
    return len;
}

/* Parses a segment carrying exactly the given option bytes. */
static wire_result parse_opts(const uint8_t *opt, size_t optlen, tcp_seg *out)
{
    uint8_t buf[TCP_HDR_LEN + TCP_MAX_OPT_LEN];
    size_t len = build_raw(buf, opt, optlen, NULL, 0);
    return parse_exact(buf, len, out);
}

static void assert_opts_equal(const tcp_opts *a, const tcp_opts *b)
{
    assert_int_equal(a->has_mss, b->has_mss);
    if (a->has_mss)
        assert_int_equal(a->mss, b->mss);
    assert_int_equal(a->has_wscale, b->has_wscale);
    if (a->has_wscale)
        assert_int_equal(a->wscale, b->wscale);
    assert_int_equal(a->sack_ok, b->sack_ok);
    assert_int_equal(a->has_ts, b->has_ts);
    if (a->has_ts) {
        assert_int_equal(a->ts_val, b->ts_val);
        assert_int_equal(a->ts_ecr, b->ts_ecr);
    }
    assert_int_equal(a->nsack, b->nsack);
    for (size_t i = 0; i < a->nsack; i++) {
        assert_int_equal(a->sack[i].left, b->sack[i].left);
        assert_int_equal(a->sack[i].right, b->sack[i].right);
    }
}

static void test_linux_syn_parses(void **state)
{
    (void)state;
    ipv4_hdr ip;
    assert_int_equal(ipv4_parse(linux_syn, sizeof linux_syn, &ip), WIRE_OK);
    assert_int_equal(ip.proto, IP_PROTO_TCP);
    tcp_seg s;
    uint8_t *c = exact_copy(ip.payload, ip.payload_len);
    assert_int_equal(tcp_parse(c, ip.payload_len, ip.src, ip.dst, &s), WIRE_OK);
    assert_int_equal(s.sport, 54321);
    assert_int_equal(s.dport, 80);
    assert_int_equal(s.seq, 0x4a3b2c1du);
    assert_int_equal(s.ack, 0);
    assert_int_equal(s.flags, TCP_SYN);
    assert_int_equal(s.win, 64240);
    assert_int_equal(s.urg, 0);
    assert_int_equal(s.hdr_len, 40);
    assert_int_equal(s.payload_len, 0);
    assert_true(s.opts.has_mss);
    assert_int_equal(s.opts.mss, 1460);
    assert_true(s.opts.sack_ok);
    assert_true(s.opts.has_ts);
    assert_int_equal(s.opts.ts_val, 736349);
    assert_int_equal(s.opts.ts_ecr, 0);
    assert_true(s.opts.has_wscale);
    assert_int_equal(s.opts.wscale, 7);
    assert_int_equal(s.opts.nsack, 0);

    /* Re-emitting in the Linux layout gives back the captured bytes. */
    uint8_t out[64];
    assert_int_equal(tcp_emit(out, sizeof out, &s, TCP_OPTS_LINUX, ip.src, ip.dst), 40);
    assert_memory_equal(out, linux_syn + 20, 40);
    /* The same SYN seen from the wrong address fails its checksum. */
    assert_int_equal(tcp_parse(c, ip.payload_len, ip.src + 1, ip.dst, &s), WIRE_BAD_TCP_CSUM);
    free(c);
}

/* Option bytes of each Linux layout named in the header comment. */
static void test_linux_layouts(void **state)
{
    (void)state;
    uint8_t b[TCP_MAX_OPT_LEN];
    tcp_opts o;

    memset(&o, 0, sizeof o);
    o.has_mss = 1, o.mss = 1460, o.sack_ok = 1, o.has_wscale = 1, o.wscale = 7;
    static const uint8_t no_ts[] = {0x02, 0x04, 0x05, 0xb4, 0x01, 0x01,
                                    0x04, 0x02, 0x01, 0x03, 0x03, 0x07};
    assert_int_equal(tcp_opts_emit(b, sizeof b, &o, TCP_OPTS_LINUX), sizeof no_ts);
    assert_memory_equal(b, no_ts, sizeof no_ts);
    assert_int_equal(tcp_opts_len(&o, TCP_OPTS_LINUX), sizeof no_ts);

    memset(&o, 0, sizeof o);
    o.has_ts = 1, o.ts_val = 0x01020304, o.ts_ecr = 0x05060708;
    static const uint8_t ts_only[] = {0x01, 0x01, 0x08, 0x0a, 1, 2, 3, 4, 5, 6, 7, 8};
    assert_int_equal(tcp_opts_emit(b, sizeof b, &o, TCP_OPTS_LINUX), sizeof ts_only);
    assert_memory_equal(b, ts_only, sizeof ts_only);

    o.nsack = 1, o.sack[0].left = 0x11111111, o.sack[0].right = 0x22222222;
    static const uint8_t ts_sack[] = {0x01, 0x01, 0x08, 0x0a, 1,    2,    3,    4,
                                      5,    6,    7,    8,    0x01, 0x01, 0x05, 0x0a,
                                      0x11, 0x11, 0x11, 0x11, 0x22, 0x22, 0x22, 0x22};
    assert_int_equal(tcp_opts_emit(b, sizeof b, &o, TCP_OPTS_LINUX), sizeof ts_sack);
    assert_memory_equal(b, ts_sack, sizeof ts_sack);

    memset(&o, 0, sizeof o);
    assert_int_equal(tcp_opts_emit(b, sizeof b, &o, TCP_OPTS_LINUX), 0);
    assert_int_equal(tcp_opts_emit(b, sizeof b, &o, TCP_OPTS_COMPACT), 0);

    /* sackOK alone, MSS alone, wscale alone. */
    o.sack_ok = 1;
    static const uint8_t sackok[] = {0x01, 0x01, 0x04, 0x02};
    assert_int_equal(tcp_opts_emit(b, sizeof b, &o, TCP_OPTS_LINUX), 4);
    assert_memory_equal(b, sackok, 4);
    memset(&o, 0, sizeof o);
    o.has_wscale = 1, o.wscale = 14;
    static const uint8_t ws[] = {0x01, 0x03, 0x03, 0x0e};
    assert_int_equal(tcp_opts_emit(b, sizeof b, &o, TCP_OPTS_LINUX), 4);
    assert_memory_equal(b, ws, 4);
    /* Compact pads the 3-byte option with EOL. */
    static const uint8_t ws_compact[] = {0x03, 0x03, 0x0e, 0x00};
    assert_int_equal(tcp_opts_emit(b, sizeof b, &o, TCP_OPTS_COMPACT), 4);
    assert_memory_equal(b, ws_compact, 4);
}

/* tcp_opts_emit writes nothing and returns 0 when cap is too small. */
static void test_opts_emit_cap(void **state)
{
    (void)state;
    tcp_opts o = {.has_mss = 1, .mss = 536};
    uint8_t b[8];
    memset(b, 0x77, sizeof b);
    assert_int_equal(tcp_opts_emit(b, 3, &o, TCP_OPTS_LINUX), 0);
    assert_int_equal(b[0], 0x77);
    assert_int_equal(tcp_opts_emit(b, 4, &o, TCP_OPTS_LINUX), 4);
}

/* SACK blocks that would push options past 40 bytes are dropped, keeping the
 * first (most recent) ones, in both layouts. */
static void test_sack_blocks_fit(void **state)
{
    (void)state;
    tcp_opts o;
    memset(&o, 0, sizeof o);
    o.nsack = 4;
    for (uint32_t i = 0; i < 4; i++)
        o.sack[i] = (tcp_sack_block){100 * i + 1, 100 * i + 50};
    struct {
        uint8_t mss, ts, syn_opts;
        size_t linux_blocks, compact_blocks;
    } cases[] = {
        {0, 0, 0, 4, 4}, /* nop,nop,SACK(4) = 36. */
        {0, 1, 0, 3, 3}, /* 12 + 28 = 40; compact 10 + 26 = 36. */
        {1, 1, 1, 2, 2}, /* SYN-style 20 + 20 = 40; compact 19 + 18 = 37. */
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        o.has_mss = cases[c].mss, o.mss = 1400;
        o.has_ts = cases[c].ts, o.ts_val = 9, o.ts_ecr = 8;
        o.sack_ok = o.has_wscale = cases[c].syn_opts, o.wscale = 3;
        for (int layout = 0; layout < 2; layout++) {
            uint8_t buf[TCP_HDR_LEN + TCP_MAX_OPT_LEN];
            tcp_seg s = {.sport = 1, .dport = 2, .flags = TCP_ACK, .opts = o};
            size_t n = tcp_emit(buf, sizeof buf, &s, (tcp_opt_layout)layout, SRC, DST);
            assert_true(n > TCP_HDR_LEN && n <= TCP_HDR_LEN + TCP_MAX_OPT_LEN);
            assert_int_equal(n % 4, 0);
            tcp_seg p;
            assert_int_equal(parse_exact(buf, n, &p), WIRE_OK);
            size_t want = layout ? cases[c].compact_blocks : cases[c].linux_blocks;
            assert_int_equal(p.opts.nsack, want);
            for (size_t i = 0; i < want; i++) {
                assert_int_equal(p.opts.sack[i].left, o.sack[i].left);
                assert_int_equal(p.opts.sack[i].right, o.sack[i].right);
            }
            assert_int_equal(p.opts.has_ts, o.has_ts);
            assert_int_equal(p.opts.has_mss, o.has_mss);
        }
    }
}

/* parse(emit(x)) == x for every combination of options, both layouts, with
 * and without payload. */
static void test_round_trip_all_options(void **state)
{
    (void)state;
    uint8_t data[301];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (uint8_t)(i * 7 + 3);
    for (unsigned mask = 0; mask < 64; mask++) {
        for (int layout = 0; layout < 2; layout++) {
            for (size_t plen = 0; plen <= sizeof data; plen += 150) {
                tcp_seg in;
                memset(&in, 0, sizeof in);
                in.sport = 49152, in.dport = 443, in.seq = 0xfffffff0u;
                in.ack = 0x80000001u, in.flags = (uint8_t)(mask * 37), in.win = 65535;
                in.urg = (uint16_t)mask;
                in.opts.has_mss = mask & 1, in.opts.mss = 1460;
                in.opts.has_wscale = (mask >> 1) & 1, in.opts.wscale = (uint8_t)(mask % 15);
                in.opts.sack_ok = (mask >> 2) & 1;
                in.opts.has_ts = (mask >> 3) & 1, in.opts.ts_val = mask * 1000u;
                in.opts.ts_ecr = ~mask;
                in.opts.nsack = (uint8_t)((mask >> 4) & 3);
                if (in.opts.nsack > 2 && in.opts.has_ts)
                    in.opts.nsack = 2; /* Keep within 40 bytes so nothing is dropped. */
                for (size_t i = 0; i < in.opts.nsack; i++)
                    in.opts.sack[i] = (tcp_sack_block){(uint32_t)i * 0x10000000u,
                                                       (uint32_t)i * 0x10000000u + 1448};
                in.payload = data;
                in.payload_len = plen;

                uint8_t buf[TCP_HDR_LEN + TCP_MAX_OPT_LEN + sizeof data];
                size_t olen = tcp_opts_len(&in.opts, (tcp_opt_layout)layout);
                size_t n = tcp_emit(buf, sizeof buf, &in, (tcp_opt_layout)layout, SRC, DST);
                assert_int_equal(n, TCP_HDR_LEN + olen + plen);
                tcp_seg out;
                assert_int_equal(tcp_parse(buf, n, SRC, DST, &out), WIRE_OK);
                assert_int_equal(out.sport, in.sport);
                assert_int_equal(out.dport, in.dport);
                assert_int_equal(out.seq, in.seq);
                assert_int_equal(out.ack, in.ack);
                assert_int_equal(out.flags, in.flags);
                assert_int_equal(out.win, in.win);
                assert_int_equal(out.urg, in.urg);
                assert_int_equal(out.hdr_len, TCP_HDR_LEN + olen);
                assert_opts_equal(&out.opts, &in.opts);
                assert_ptr_equal(out.payload, buf + out.hdr_len);
                assert_int_equal(out.payload_len, plen);
                assert_memory_equal(out.payload, data, plen);
            }
        }
    }
}

/* emit with the payload already in place, or overlapping where the header
 * goes, and with a cap too small. */
static void test_emit_payload_in_place(void **state)
{
    (void)state;
    uint8_t buf[64];
    tcp_seg s;
    memset(&s, 0, sizeof s);
    s.opts.has_ts = 1;
    size_t hl = TCP_HDR_LEN + tcp_opts_len(&s.opts, TCP_OPTS_LINUX);
    assert_int_equal(hl, 32);
    memcpy(buf + hl, "hello", 5);
    s.payload = buf + hl, s.payload_len = 5;
    assert_int_equal(tcp_emit(buf, sizeof buf, &s, TCP_OPTS_LINUX, SRC, DST), hl + 5);
    assert_memory_equal(buf + hl, "hello", 5);

    memcpy(buf + 4, "world", 5); /* Overlaps the header area. */
    s.payload = buf + 4;
    assert_int_equal(tcp_emit(buf, sizeof buf, &s, TCP_OPTS_LINUX, SRC, DST), hl + 5);
    assert_memory_equal(buf + hl, "world", 5);
    tcp_seg p;
    assert_int_equal(tcp_parse(buf, hl + 5, SRC, DST, &p), WIRE_OK);

    memset(buf, 0x77, sizeof buf);
    s.payload = (const uint8_t *)"abcde";
    assert_int_equal(tcp_emit(buf, hl + 4, &s, TCP_OPTS_LINUX, SRC, DST), 0);
    assert_int_equal(buf[0], 0x77);
    assert_int_equal(tcp_emit(buf, hl + 5, &s, TCP_OPTS_LINUX, SRC, DST), hl + 5);
    assert_int_equal(tcp_emit(buf, 10, &s, TCP_OPTS_LINUX, SRC, DST), 0);
}

static void test_bad_header(void **state)
{
    (void)state;
    uint8_t buf[64];
    tcp_seg s;
    size_t n = build_raw(buf, NULL, 0, (const uint8_t *)"xyz", 3);
    assert_int_equal(parse_exact(buf, n, &s), WIRE_OK);
    assert_int_equal(parse_exact(buf, 19, &s), WIRE_TRUNCATED);

    buf[12] = 4 << 4; /* Data offset 4. */
    assert_int_equal(parse_exact(buf, n, &s), WIRE_BAD_DOFF);
    buf[12] = 6 << 4; /* 24 bytes of header in a 23-byte segment. */
    assert_int_equal(parse_exact(buf, n, &s), WIRE_BAD_DOFF);
    buf[12] = 15 << 4;
    assert_int_equal(parse_exact(buf, n, &s), WIRE_BAD_DOFF);

    n = build_raw(buf, NULL, 0, (const uint8_t *)"xyz", 3);
    buf[22] ^= 0x40; /* Corrupt a data byte: the checksum covers data too. */
    assert_int_equal(parse_exact(buf, n, &s), WIRE_BAD_TCP_CSUM);
    buf[22] ^= 0x40;
    assert_int_equal(tcp_parse(buf, n, SRC, DST + 1, &s), WIRE_BAD_TCP_CSUM);
    /* The pseudo-header length covers every byte handed to the parser. */
    assert_int_equal(parse_exact(buf, n - 1, &s), WIRE_BAD_TCP_CSUM);

    /* A segment longer than 65535 bytes cannot be described by the
     * pseudo-header, even if its checksum matches the length truncated to 16 bits. */
    size_t huge = 0x10000u + TCP_HDR_LEN;
    uint8_t *h = calloc(huge, 1);
    assert_non_null(h);
    h[12] = 5 << 4;
    uint64_t acc = csum_pseudo_ipv4(0, SRC, DST, IP_PROTO_TCP, (uint16_t)huge);
    wr16(h + 16, csum_finish(csum_add(acc, h, huge)));
    assert_int_equal(tcp_parse(h, huge, SRC, DST, &s), WIRE_BAD_TCP_CSUM);
    tcp_seg big = {.payload = h, .payload_len = 0xffffu - TCP_HDR_LEN + 1};
    assert_int_equal(tcp_emit(h, huge, &big, TCP_OPTS_LINUX, SRC, DST), 0);
    big.payload_len--;
    assert_int_equal(tcp_emit(h, huge, &big, TCP_OPTS_LINUX, SRC, DST), 0xffffu);
    free(h);
}

static void test_bad_option_lengths(void **state)
{
    (void)state;
    tcp_seg s;
    struct {
        uint8_t opt[8]; /* Option bytes of the segment. */
        size_t len;     /* How many of them are in the header (4 or 8). */
        const char *what;
    } bad[] = {
        {{30, 0, 1, 1}, 4, "unknown kind, length 0"},
        {{30, 1, 1, 1}, 4, "unknown kind, length 1"},
        {{30, 5, 1, 1}, 4, "unknown kind, length past the header"},
        {{1, 1, 1, 30}, 4, "kind in the last byte, no length"},
        {{2, 3, 5, 0}, 4, "MSS length 3"},
        {{2, 5, 5, 0xb4, 0, 0, 0, 0}, 8, "MSS length 5"},
        {{3, 4, 7, 0}, 4, "wscale length 4"},
        {{3, 2, 1, 1}, 4, "wscale length 2"},
        {{4, 3, 0, 0}, 4, "sackOK length 3"},
        {{5, 2, 1, 1}, 4, "SACK with no blocks"},
        {{5, 6, 0, 0, 0, 0, 1, 1}, 8, "SACK length 6"},
        {{8, 8, 0, 0, 0, 1, 0, 0}, 8, "TS length 8"},
        {{2, 4, 5, 0xb4, 30, 0, 0, 0}, 8, "second option length 0"},
        {{1, 1, 1, 1, 1, 1, 1, 2}, 8, "MSS kind at the end"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        wire_result r = parse_opts(bad[i].opt, bad[i].len, &s);
        if (r != WIRE_BAD_OPTLEN)
            fail_msg("%s: got %s", bad[i].what, wire_result_name(r));
    }
    /* SACK of 9 bytes and TS of 11 overrunning nothing still have wrong sizes. */
    const uint8_t sack9[12] = {5, 10 + 1, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0};
    assert_int_equal(parse_opts(sack9, 12, &s), WIRE_BAD_OPTLEN);
    const uint8_t ts11[12] = {8, 11, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0};
    assert_int_equal(parse_opts(ts11, 12, &s), WIRE_BAD_OPTLEN);
    /* Five SACK blocks cannot fit, so length 42 overruns. */
    uint8_t sack5[40] = {1, 1, 5, 42};
    assert_int_equal(parse_opts(sack5, 40, &s), WIRE_BAD_OPTLEN);
}

static void test_option_skipping(void **state)
{
    (void)state;
    tcp_seg s;
    /* Unknown kind 30 (MPTCP-like), length 6, skipped; then MSS. */
    const uint8_t unk[12] = {30, 6, 0xde, 0xad, 0xbe, 0xef, 2, 4, 0x02, 0x18, 1, 0};
    assert_int_equal(parse_opts(unk, 12, &s), WIRE_OK);
    assert_true(s.opts.has_mss);
    assert_int_equal(s.opts.mss, 536);

    /* EOL ends the list: bytes after it are not options, even bad ones. */
    const uint8_t eol[8] = {2, 4, 0x05, 0xb4, 0, 30, 0, 0xff};
    assert_int_equal(parse_opts(eol, 8, &s), WIRE_OK);
    assert_true(s.opts.has_mss);
    assert_false(s.opts.has_ts);

    /* All NOPs. */
    const uint8_t nops[40] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
                              1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
    assert_int_equal(parse_opts(nops, 40, &s), WIRE_OK);
    assert_int_equal(s.hdr_len, 60);
    assert_false(s.opts.has_mss || s.opts.has_wscale || s.opts.sack_ok || s.opts.has_ts ||
                 s.opts.nsack);

    /* An option exactly filling the remaining space is fine. */
    const uint8_t exact[4] = {30, 4, 0, 0};
    assert_int_equal(parse_opts(exact, 4, &s), WIRE_OK);

    /* Four SACK blocks (34 bytes) parse in order. */
    uint8_t sack4[36] = {1, 1, 5, 34};
    for (int i = 0; i < 8; i++)
        wr32(sack4 + 4 + 4 * i, 0x01000000u * (uint32_t)(i + 1));
    assert_int_equal(parse_opts(sack4, 36, &s), WIRE_OK);
    assert_int_equal(s.opts.nsack, 4);
    assert_int_equal(s.opts.sack[0].left, 0x01000000u);
    assert_int_equal(s.opts.sack[3].right, 0x08000000u);
}

/* RFC 7413 4.1.1: kind 34 carries an empty request or an even 4..16-byte cookie; the
 * experimental kind 254 form is Fast Open only with the 0xF989 identifier. Bad lengths are
 * ignored (Linux does the same), never a parse failure. */
static void test_fastopen_parse(void **state)
{
    (void)state;
    tcp_seg s;
    const uint8_t req[4] = {34, 2, 1, 1};
    assert_int_equal(parse_opts(req, 4, &s), WIRE_OK);
    assert_true(s.opts.has_fo);
    assert_int_equal(s.opts.fo_len, 0);
    assert_false(s.opts.fo_exp);

    const uint8_t c8[12] = {1, 1, 34, 10, 1, 2, 3, 4, 5, 6, 7, 8};
    assert_int_equal(parse_opts(c8, 12, &s), WIRE_OK);
    assert_true(s.opts.has_fo);
    assert_int_equal(s.opts.fo_len, 8);
    assert_memory_equal(s.opts.fo_cookie, c8 + 4, 8);

    const uint8_t exp[12] = {254, 12, 0xf9, 0x89, 9, 8, 7, 6, 5, 4, 3, 2};
    assert_int_equal(parse_opts(exp, 12, &s), WIRE_OK);
    assert_true(s.opts.has_fo);
    assert_true(s.opts.fo_exp);
    assert_int_equal(s.opts.fo_len, 8);
    assert_memory_equal(s.opts.fo_cookie, exp + 4, 8);

    const uint8_t exp_req[4] = {254, 4, 0xf9, 0x89};
    assert_int_equal(parse_opts(exp_req, 4, &s), WIRE_OK);
    assert_true(s.opts.has_fo && s.opts.fo_exp);
    assert_int_equal(s.opts.fo_len, 0);

    /* Another experiment's identifier, an odd length, too short, too long: ignored. */
    const uint8_t other[8] = {254, 8, 0x12, 0x34, 1, 2, 3, 4};
    assert_int_equal(parse_opts(other, 8, &s), WIRE_OK);
    assert_false(s.opts.has_fo);
    const uint8_t odd[8] = {34, 7, 1, 2, 3, 4, 5, 1};
    assert_int_equal(parse_opts(odd, 8, &s), WIRE_OK);
    assert_false(s.opts.has_fo);
    const uint8_t shrt[4] = {34, 4, 1, 2};
    assert_int_equal(parse_opts(shrt, 4, &s), WIRE_OK);
    assert_false(s.opts.has_fo);
    uint8_t lng[20] = {34, 20};
    assert_int_equal(parse_opts(lng, 20, &s), WIRE_OK);
    assert_false(s.opts.has_fo);
    /* A length running past the header is still a bad option list. */
    const uint8_t over[4] = {34, 10, 1, 2};
    assert_int_equal(parse_opts(over, 4, &s), WIRE_BAD_OPTLEN);
}

/* Linux writes the cookie after wscale and NOP-pads it to a word: a SYN-ACK with every option
 * and a 16-byte cookie fills all 40 bytes; the compact layout EOL-pads instead. */
static void test_fastopen_emit(void **state)
{
    (void)state;
    uint8_t b[TCP_MAX_OPT_LEN];
    tcp_opts o;
    memset(&o, 0, sizeof o);
    o.has_mss = 1, o.mss = 1460, o.sack_ok = 1, o.has_wscale = 1, o.wscale = 7;
    o.has_ts = 1, o.ts_val = 0x01020304, o.ts_ecr = 0;
    o.has_fo = 1, o.fo_len = 8;
    for (int i = 0; i < 8; i++)
        o.fo_cookie[i] = (uint8_t)(0xa0 + i);
    static const uint8_t syn8[32] = {0x02, 0x04, 0x05, 0xb4, 0x04, 0x02, 0x08, 0x0a, 1,    2,   3,
                                     4,    0,    0,    0,    0,    0x01, 0x03, 0x03, 0x07, 34,  10,
                                     0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0x01, 0x01};
    assert_int_equal(tcp_opts_emit(b, sizeof b, &o, TCP_OPTS_LINUX), sizeof syn8);
    assert_memory_equal(b, syn8, sizeof syn8);

    o.fo_len = 16;
    assert_int_equal(tcp_opts_emit(b, sizeof b, &o, TCP_OPTS_LINUX), 40);
    assert_int_equal(b[20], 34);
    assert_int_equal(b[21], 18);
    assert_int_equal(b[38], 0x01);
    o.fo_exp = 1;
    assert_int_equal(tcp_opts_emit(b, sizeof b, &o, TCP_OPTS_LINUX), 40);
    static const uint8_t exp_hdr[4] = {254, 20, 0xf9, 0x89};
    assert_memory_equal(b + 20, exp_hdr, 4);
    assert_int_equal(tcp_opts_emit(b, sizeof b, &o, TCP_OPTS_COMPACT), 40);
    assert_memory_equal(b + 19, exp_hdr, 4);
    assert_int_equal(b[39], 0x00);

    /* A cookie request alone: kind 34, length 2, two NOPs. */
    memset(&o, 0, sizeof o);
    o.has_fo = 1;
    static const uint8_t req[4] = {34, 2, 0x01, 0x01};
    assert_int_equal(tcp_opts_emit(b, sizeof b, &o, TCP_OPTS_LINUX), 4);
    assert_memory_equal(b, req, 4);

    /* Round trip through a whole segment. */
    memset(&o, 0, sizeof o);
    o.has_mss = 1, o.mss = 1460, o.has_fo = 1, o.fo_len = 4;
    memcpy(o.fo_cookie, "\x11\x22\x33\x44", 4);
    tcp_seg s = {.sport = 1, .dport = 2, .seq = 7, .flags = TCP_SYN, .win = 100, .opts = o};
    uint8_t seg[80];
    size_t n = tcp_emit(seg, sizeof seg, &s, TCP_OPTS_LINUX, SRC, DST);
    assert_int_equal(n, 32);
    tcp_seg back;
    assert_int_equal(tcp_parse(seg, n, SRC, DST, &back), WIRE_OK);
    assert_true(back.opts.has_fo && back.opts.has_mss);
    assert_int_equal(back.opts.fo_len, 4);
    assert_memory_equal(back.opts.fo_cookie, "\x11\x22\x33\x44", 4);
}

/* RFC 7323 2.3: a shift count above 14 is used as 14. */
static void test_wscale_clamped(void **state)
{
    (void)state;
    tcp_seg s;
    const uint8_t shifts[] = {0, 13, 14, 15, 255};
    const uint8_t want[] = {0, 13, 14, 14, 14};
    for (size_t i = 0; i < sizeof shifts; i++) {
        const uint8_t opt[4] = {1, 3, 3, shifts[i]};
        assert_int_equal(parse_opts(opt, 4, &s), WIRE_OK);
        assert_true(s.opts.has_wscale);
        assert_int_equal(s.opts.wscale, want[i]);
    }
}

/* Every prefix of a valid segment with options and data fails cleanly. */
static void test_truncation_every_length(void **state)
{
    (void)state;
    tcp_seg in;
    memset(&in, 0, sizeof in);
    in.sport = 80, in.dport = 40000, in.seq = 1, in.ack = 2, in.flags = TCP_ACK | TCP_PSH;
    in.win = 1000;
    in.opts.has_ts = 1, in.opts.ts_val = 5, in.opts.ts_ecr = 6;
    in.opts.nsack = 2;
    in.opts.sack[0] = (tcp_sack_block){10, 20};
    in.opts.sack[1] = (tcp_sack_block){30, 40};
    static const uint8_t data[] = "The quick brown fox jumps over the lazy dog";
    in.payload = data, in.payload_len = sizeof data - 1;
    uint8_t buf[128];
    for (int layout = 0; layout < 2; layout++) {
        size_t n = tcp_emit(buf, sizeof buf, &in, (tcp_opt_layout)layout, SRC, DST);
        assert_true(n > 0);
        tcp_seg out;
        for (size_t k = 0; k < n; k++) {
            wire_result r = parse_exact(buf, k, &out);
            assert_int_not_equal(r, WIRE_OK);
            if (k < TCP_HDR_LEN)
                assert_int_equal(r, WIRE_TRUNCATED);
        }
        assert_int_equal(parse_exact(buf, n, &out), WIRE_OK);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_linux_syn_parses),
        cmocka_unit_test(test_linux_layouts),
        cmocka_unit_test(test_opts_emit_cap),
        cmocka_unit_test(test_sack_blocks_fit),
        cmocka_unit_test(test_round_trip_all_options),
        cmocka_unit_test(test_emit_payload_in_place),
        cmocka_unit_test(test_bad_header),
        cmocka_unit_test(test_bad_option_lengths),
        cmocka_unit_test(test_option_skipping),
        cmocka_unit_test(test_fastopen_parse),
        cmocka_unit_test(test_fastopen_emit),
        cmocka_unit_test(test_wscale_clamped),
        cmocka_unit_test(test_truncation_every_length),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
