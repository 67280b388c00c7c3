/* SPDX-License-Identifier: MIT */
/* synack gateway --threads: the option, which thread's stack each frame from the namespace
 * goes to (tools/synack/cmd_gateway_steer.c) and the bounded inbox frames are handed over in
 * (cmd_gateway_inbox.c), all compiled into this test. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "cmd_gateway_threads.h"

#define IP(a, b, c, d) (((uint32_t)(a) << 24) | ((uint32_t)(b) << 16) | ((uint32_t)(c) << 8) | (d))

static gw_opts opts(void)
{
    gw_opts o;
    memset(&o, 0, sizeof(o));
    o.addr = IP(192, 0, 2, 100);
    o.gw = IP(192, 0, 2, 2);
    gw_opts_defaults(&o);
    return o;
}

static void test_threads_option(void **state)
{
    (void)state;
    gw_opts o = opts();
    assert_int_equal(o.threads, 1);
    assert_int_equal(gw_opts_parse(&o, "--threads", "2"), 2);
    assert_int_equal(o.threads, 2);
    assert_int_equal(gw_opts_parse(&o, "--threads", "64"), 2);
    assert_int_equal(o.threads, 64);
    static const char *const bad[] = {"0", "65", "-1", "2x", "", "Auto"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(gw_opts_parse(&o, "--threads", bad[i]), -1);
    assert_int_equal(gw_opts_parse(&o, "--threads", NULL), -1);
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    assert_int_equal(gw_opts_parse(&o, "--threads", "auto"), 2);
    assert_int_equal(o.threads, cores < 1 ? 1 : cores > 64 ? 64 : cores);
}

/* An Ethernet frame: IPv4/TCP from src:sport to dst:dport, or ARP with opcode op. */
static size_t tcp_frame(uint8_t *f, uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport)
{
    memset(f, 0, 64);
    f[12] = 0x08;
    f[14] = 0x45;
    f[14 + 9] = 6;
    for (int i = 0; i < 4; i++) {
        f[14 + 12 + i] = (uint8_t)(src >> (24 - 8 * i));
        f[14 + 16 + i] = (uint8_t)(dst >> (24 - 8 * i));
    }
    f[34] = (uint8_t)(sport >> 8);
    f[35] = (uint8_t)sport;
    f[36] = (uint8_t)(dport >> 8);
    f[37] = (uint8_t)dport;
    return 54;
}

static size_t arp_frame(uint8_t *f, uint8_t op)
{
    memset(f, 0, 64);
    f[12] = 0x08;
    f[13] = 0x06;
    f[15] = 1;    /* Ethernet */
    f[16] = 0x08; /* IPv4 */
    f[18] = 6;
    f[19] = 4;
    f[21] = op;
    return 42;
}

static void test_steering(void **state)
{
    (void)state;
    gw_opts o = opts();
    assert_int_equal(gw_opts_parse(&o, "--forward", "tcp:8080:80"), 2);
    gw_steer s;
    gw_steer_init(&s, &o, 2);
    uint8_t f[64];
    uint32_t owner = 99;
    /* ARP: replies to every stack (the one that asked may read another queue), requests
     * answered where they land */
    size_t n = arp_frame(f, 2);
    assert_int_equal(gw_steer_frame(&s, 1, f, n, &owner), GW_STEER_BROADCAST);
    assert_int_equal(gw_steer_frame(&s, 0, f, n, &owner), GW_STEER_BROADCAST);
    n = arp_frame(f, 1);
    assert_int_equal(gw_steer_frame(&s, 1, f, n, &owner), GW_STEER_LOCAL);
    /* a forwarded connection's segment (from the container's port 80 to the gateway):
     * thread 0's, from whichever queue */
    n = tcp_frame(f, o.addr, 80, o.gw, 40000);
    assert_int_equal(gw_steer_frame(&s, 1, f, n, &owner), GW_STEER_HAND);
    assert_int_equal(owner, 0);
    owner = 99;
    assert_int_equal(gw_steer_frame(&s, 0, f, n, &owner), GW_STEER_LOCAL);
    assert_int_equal(owner, 99);
    /* outbound connections stay on the queue the kernel chose, the gateway's own address
     * (host loopback) included */
    n = tcp_frame(f, o.addr, 40000, IP(198, 18, 0, 1), 80);
    assert_int_equal(gw_steer_frame(&s, 1, f, n, &owner), GW_STEER_LOCAL);
    n = tcp_frame(f, o.addr, 81, o.gw, 40000);
    assert_int_equal(gw_steer_frame(&s, 1, f, n, &owner), GW_STEER_LOCAL);
    n = tcp_frame(f, o.addr, 80, IP(198, 18, 0, 1), 40000);
    assert_int_equal(gw_steer_frame(&s, 1, f, n, &owner), GW_STEER_LOCAL);
    /* UDP from port 80, a fragment, a short frame, IPv6: local */
    n = tcp_frame(f, o.addr, 80, o.gw, 40000);
    f[14 + 9] = 17;
    assert_int_equal(gw_steer_frame(&s, 1, f, n, &owner), GW_STEER_LOCAL);
    f[14 + 9] = 6;
    /* A fragment may be a forward's: thread 0's (it was LOCAL, on the belief that the
     * stack drops fragments; it reassembles them, so a forward's reached the wrong one). */
    f[14 + 6] = 0x20; /* more fragments */
    assert_int_equal(gw_steer_frame(&s, 1, f, n, &owner), GW_STEER_HAND);
    assert_int_equal(owner, 0);
    f[14 + 6] = 0;
    assert_int_equal(gw_steer_frame(&s, 1, f, 14 + 20 + 3, &owner), GW_STEER_LOCAL);
    assert_int_equal(gw_steer_frame(&s, 1, f, 13, &owner), GW_STEER_LOCAL);
    f[12] = 0x86;
    f[13] = 0xdd;
    assert_int_equal(gw_steer_frame(&s, 1, f, n, &owner), GW_STEER_LOCAL);
    /* IPv6: a Neighbor Advertisement to everyone, a solicitation or echo local */
    uint8_t v6[14 + 40 + 24] = {[12] = 0x86, [13] = 0xdd, [14] = 0x60, [14 + 6] = 58};
    v6[14 + 40] = 136;
    assert_int_equal(gw_steer_frame(&s, 1, v6, sizeof(v6), &owner), GW_STEER_BROADCAST);
    v6[14 + 40] = 135;
    assert_int_equal(gw_steer_frame(&s, 1, v6, sizeof(v6), &owner), GW_STEER_LOCAL);
    v6[14 + 40] = 136;
    v6[14 + 6] = 6; /* TCP, not ICMPv6 */
    assert_int_equal(gw_steer_frame(&s, 1, v6, sizeof(v6), &owner), GW_STEER_LOCAL);
    /* --forward udp: and the IPv6 forwards: the namespace's replies from the forward's port
     * to the gateway are thread 0's too, only of the forward's own protocol */
    assert_int_equal(gw_opts_parse(&o, "--forward", "udp:5353:53"), 2);
    memset(o.addr6, 0, 16);
    o.addr6[0] = 0x20;
    o.addr6[1] = 0x01;
    o.addr6[15] = 0x64;
    memcpy(o.gw6, o.addr6, 16);
    o.gw6[15] = 2;
    o.fwd[o.nfwd++] = (gw_forward){.host_port = 5354, .ns_port = 54, .v6 = 1, .udp = 1};
    o.fwd[o.nfwd++] = (gw_forward){.host_port = 8086, .ns_port = 86, .v6 = 1};
    gw_steer_init(&s, &o, 2);
    n = tcp_frame(f, o.addr, 53, o.gw, 61000);
    f[14 + 9] = 17;
    owner = 99;
    assert_int_equal(gw_steer_frame(&s, 1, f, n, &owner), GW_STEER_HAND);
    assert_int_equal(owner, 0);
    assert_int_equal(gw_steer_frame(&s, 0, f, n, &owner), GW_STEER_LOCAL);
    f[14 + 9] = 6; /* TCP from 53: no forward's */
    assert_int_equal(gw_steer_frame(&s, 1, f, n, &owner), GW_STEER_LOCAL);
    n = tcp_frame(f, o.addr, 80, o.gw, 40000);
    f[14 + 9] = 17; /* UDP from 80 (a TCP forward's port): not a forward's */
    assert_int_equal(gw_steer_frame(&s, 1, f, n, &owner), GW_STEER_LOCAL);
    uint8_t u6[14 + 40 + 8] = {[12] = 0x86, [13] = 0xdd, [14] = 0x60, [14 + 6] = 17};
    memcpy(u6 + 14 + 8, o.addr6, 16);
    memcpy(u6 + 14 + 24, o.gw6, 16);
    u6[14 + 41] = 54;
    owner = 99;
    assert_int_equal(gw_steer_frame(&s, 1, u6, sizeof(u6), &owner), GW_STEER_HAND);
    assert_int_equal(owner, 0);
    u6[14 + 41] = 86; /* UDP from the TCP6 forward's port */
    assert_int_equal(gw_steer_frame(&s, 1, u6, sizeof(u6), &owner), GW_STEER_LOCAL);
    u6[14 + 6] = 6;
    assert_int_equal(gw_steer_frame(&s, 1, u6, sizeof(u6), &owner), GW_STEER_HAND);
    u6[14 + 41] = 54; /* TCP from the UDP6 forward's port */
    assert_int_equal(gw_steer_frame(&s, 1, u6, sizeof(u6), &owner), GW_STEER_LOCAL);
    u6[14 + 6] = 17;
    u6[14 + 8] = 0x30; /* another source */
    assert_int_equal(gw_steer_frame(&s, 1, u6, sizeof(u6), &owner), GW_STEER_LOCAL);
    u6[14 + 8] = 0x20;
    u6[14 + 24 + 15] = 3; /* to another address */
    assert_int_equal(gw_steer_frame(&s, 1, u6, sizeof(u6), &owner), GW_STEER_LOCAL);
    /* one thread: everything local, ARP replies too */
    gw_steer_init(&s, &o, 1);
    n = tcp_frame(f, o.addr, 80, o.gw, 40000);
    assert_int_equal(gw_steer_frame(&s, 1, f, n, &owner), GW_STEER_LOCAL);
    n = arp_frame(f, 2);
    assert_int_equal(gw_steer_frame(&s, 0, f, n, &owner), GW_STEER_LOCAL);
}

/* The forwards the IP-packet tests use: tcp:8080:80, udp:5353:53, tcp6 to 86, udp6 to 54. */
static gw_opts fwd_opts(void)
{
    gw_opts o = opts();
    o.tun = 1;
    assert_int_equal(gw_opts_parse(&o, "--forward", "tcp:8080:80"), 2);
    assert_int_equal(gw_opts_parse(&o, "--forward", "udp:5353:53"), 2);
    static const uint8_t a6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 0x64};
    memcpy(o.addr6, a6, 16);
    memcpy(o.gw6, a6, 16);
    o.gw6[15] = 2;
    o.fwd[o.nfwd++] = (gw_forward){.host_port = 5354, .ns_port = 54, .v6 = 1, .udp = 1};
    o.fwd[o.nfwd++] = (gw_forward){.host_port = 8086, .ns_port = 86, .v6 = 1};
    return o;
}

/* A bare IPv4 packet (a TUN's) with a header of ihl words: proto from src:sport to
 * dst:dport; 8 bytes of transport header. */
static size_t v4_pkt(uint8_t *p, uint8_t ihl, uint8_t proto, uint32_t src, uint16_t sport,
                     uint32_t dst, uint16_t dport)
{
    memset(p, 0, 128);
    p[0] = (uint8_t)(0x40 | ihl);
    p[6] = 0x40; /* DF: no fragment */
    p[9] = proto;
    for (int i = 0; i < 4; i++) {
        p[12 + i] = (uint8_t)(src >> (24 - 8 * i));
        p[16 + i] = (uint8_t)(dst >> (24 - 8 * i));
    }
    size_t h = (size_t)ihl * 4;
    p[h] = (uint8_t)(sport >> 8);
    p[h + 1] = (uint8_t)sport;
    p[h + 2] = (uint8_t)(dport >> 8);
    p[h + 3] = (uint8_t)dport;
    return h + 8;
}

/* Steers a copy of p[0..len) in a buffer of exactly len bytes (ASan: no read past it). */
static gw_steer_verdict steer_exact(const gw_steer *s, uint32_t self, const uint8_t *p, size_t len,
                                    uint32_t *owner)
{
    uint8_t *b = malloc(len ? len : 1);
    assert_non_null(b);
    memcpy(b, p, len);
    gw_steer_verdict v = gw_steer_packet(s, self, b, len, owner);
    free(b);
    return v;
}

static void test_steering_ipv4_packets(void **state)
{
    (void)state;
    gw_opts o = fwd_opts();
    gw_steer s;
    gw_steer_init(&s, &o, 2);
    assert_int_equal(s.tun, 1);
    uint8_t p[128];
    uint32_t owner = 99;
    /* outbound connections and flows stay on the queue the kernel chose */
    size_t n = v4_pkt(p, 5, 6, o.addr, 40000, IP(198, 18, 0, 1), 80);
    assert_int_equal(steer_exact(&s, 1, p, n, &owner), GW_STEER_LOCAL);
    assert_int_equal(steer_exact(&s, 0, p, n, &owner), GW_STEER_LOCAL);
    n = v4_pkt(p, 5, 17, o.addr, 53, IP(198, 18, 0, 1), 53);
    assert_int_equal(steer_exact(&s, 1, p, n, &owner), GW_STEER_LOCAL);
    assert_int_equal(owner, 99);
    /* a TCP forward's segment and a UDP forward's reply: thread 0's from any queue */
    n = v4_pkt(p, 5, 6, o.addr, 80, o.gw, 40000);
    assert_int_equal(steer_exact(&s, 1, p, n, &owner), GW_STEER_HAND);
    assert_int_equal(owner, 0);
    owner = 99;
    assert_int_equal(steer_exact(&s, 0, p, n, &owner), GW_STEER_LOCAL);
    assert_int_equal(owner, 99);
    n = v4_pkt(p, 5, 17, o.addr, 53, o.gw, 61000);
    assert_int_equal(steer_exact(&s, 1, p, n, &owner), GW_STEER_HAND);
    assert_int_equal(owner, 0);
    owner = 99;
    /* the port behind IPv4 options */
    n = v4_pkt(p, 7, 6, o.addr, 80, o.gw, 40000);
    assert_int_equal(steer_exact(&s, 1, p, n, &owner), GW_STEER_HAND);
    n = v4_pkt(p, 7, 6, o.addr, 81, o.gw, 40000);
    p[20] = 0;
    p[21] = 80; /* where the port would be without the options */
    assert_int_equal(steer_exact(&s, 1, p, n, &owner), GW_STEER_LOCAL);
    /* not a forward's: the wrong protocol for the port, another source or destination */
    n = v4_pkt(p, 5, 17, o.addr, 80, o.gw, 40000);
    assert_int_equal(steer_exact(&s, 1, p, n, &owner), GW_STEER_LOCAL);
    n = v4_pkt(p, 5, 6, o.addr, 53, o.gw, 40000);
    assert_int_equal(steer_exact(&s, 1, p, n, &owner), GW_STEER_LOCAL);
    n = v4_pkt(p, 5, 6, o.addr + 1, 80, o.gw, 40000);
    assert_int_equal(steer_exact(&s, 1, p, n, &owner), GW_STEER_LOCAL);
    n = v4_pkt(p, 5, 6, o.addr, 80, IP(198, 18, 0, 1), 40000);
    assert_int_equal(steer_exact(&s, 1, p, n, &owner), GW_STEER_LOCAL);
    /* Fragments: to the gateway, of a protocol a forward uses, thread 0's whole (first
     * or not: a later one has no ports); anything else reassembled where it lands. */
    n = v4_pkt(p, 5, 17, o.addr, 40000, o.gw, 61000);
    p[6] = 0x20; /* MF, offset 0: the first */
    assert_int_equal(steer_exact(&s, 1, p, n, &owner), GW_STEER_HAND);
    assert_int_equal(owner, 0);
    owner = 99;
    p[6] = 0x00;
    p[7] = 185; /* offset 1480, the last */
    assert_int_equal(steer_exact(&s, 1, p, n, &owner), GW_STEER_HAND);
    assert_int_equal(steer_exact(&s, 1, p, 20, &owner), GW_STEER_HAND); /* no payload */
    assert_int_equal(steer_exact(&s, 0, p, n, &owner), GW_STEER_LOCAL);
    p[16] = 198; /* to elsewhere */
    assert_int_equal(steer_exact(&s, 1, p, n, &owner), GW_STEER_LOCAL);
    gw_opts only_udp = opts();
    assert_int_equal(gw_opts_parse(&only_udp, "--forward", "udp:5353:53"), 2);
    gw_steer su;
    gw_steer_init(&su, &only_udp, 2);
    n = v4_pkt(p, 5, 6, o.addr, 80, o.gw, 40000);
    p[6] = 0x20; /* a TCP fragment, and no TCP forward */
    assert_int_equal(steer_exact(&su, 1, p, n, &owner), GW_STEER_LOCAL);
    p[9] = 17;
    assert_int_equal(steer_exact(&su, 1, p, n, &owner), GW_STEER_HAND);
    /* ICMP: echo where it lands; errors (quoting a flow of any thread) to every thread */
    owner = 99;
    n = v4_pkt(p, 5, 1, o.addr, 0x0800, o.gw, 0);
    assert_int_equal(steer_exact(&s, 1, p, n, &owner), GW_STEER_LOCAL);
    static const uint8_t errors[] = {3, 4, 5, 11, 12};
    for (size_t i = 0; i < sizeof(errors); i++) {
        p[20] = errors[i];
        assert_int_equal(steer_exact(&s, 1, p, n, &owner), GW_STEER_BROADCAST);
        assert_int_equal(steer_exact(&s, 0, p, n, &owner), GW_STEER_BROADCAST);
    }
    p[20] = 0; /* echo reply */
    assert_int_equal(steer_exact(&s, 1, p, n, &owner), GW_STEER_LOCAL);
    p[20] = 3;
    p[7] = 1; /* a later fragment: what looks like a type is data */
    assert_int_equal(steer_exact(&s, 1, p, n, &owner), GW_STEER_LOCAL);
    p[6] = 0x20;
    p[7] = 0; /* the first: with the rest, where they all land */
    assert_int_equal(steer_exact(&s, 1, p, n, &owner), GW_STEER_LOCAL);
    p[6] = 0;
    assert_int_equal(steer_exact(&s, 1, p, 20, &owner), GW_STEER_LOCAL); /* no type */
    assert_int_equal(owner, 99);
    /* short or malformed: where it landed (that stack drops and counts it) */
    n = v4_pkt(p, 5, 6, o.addr, 80, o.gw, 40000);
    assert_int_equal(steer_exact(&s, 1, p, 0, &owner), GW_STEER_LOCAL);
    assert_int_equal(steer_exact(&s, 1, p, 19, &owner), GW_STEER_LOCAL);
    assert_int_equal(steer_exact(&s, 1, p, 23, &owner), GW_STEER_LOCAL); /* half a port */
    assert_int_equal(steer_exact(&s, 1, p, 24, &owner), GW_STEER_HAND);
    p[0] = 0x44; /* IHL below 5 */
    assert_int_equal(steer_exact(&s, 1, p, n, &owner), GW_STEER_LOCAL);
    p[0] = 0x4f; /* 60 bytes of header in 28 */
    assert_int_equal(steer_exact(&s, 1, p, n, &owner), GW_STEER_LOCAL);
    p[0] = 0x55; /* version 5 */
    assert_int_equal(steer_exact(&s, 1, p, n, &owner), GW_STEER_LOCAL);
    /* one thread: everything its own; four: still thread 0 */
    p[0] = 0x45;
    gw_steer_init(&s, &o, 1);
    assert_int_equal(steer_exact(&s, 0, p, n, &owner), GW_STEER_LOCAL);
    gw_steer_init(&s, &o, 4);
    owner = 99;
    assert_int_equal(steer_exact(&s, 3, p, n, &owner), GW_STEER_HAND);
    assert_int_equal(owner, 0);
}

/* A bare IPv6 packet from src to dst: the extension headers ext (nh, their bytes) then
 * the upper layer proto with sport / the ICMPv6 type in its first bytes. */
static size_t v6_pkt(uint8_t *p, const uint8_t *src, const uint8_t *dst, const uint8_t *ext,
                     size_t extlen, uint8_t first_nh, uint8_t b0, uint8_t b1)
{
    memset(p, 0, 256);
    p[0] = 0x60;
    p[6] = first_nh;
    memcpy(p + 8, src, 16);
    memcpy(p + 24, dst, 16);
    if (extlen)
        memcpy(p + 40, ext, extlen);
    p[40 + extlen] = b0;
    p[40 + extlen + 1] = b1;
    size_t len = 40 + extlen + 8;
    p[4] = (uint8_t)((len - 40) >> 8);
    p[5] = (uint8_t)(len - 40);
    return len;
}

static void test_steering_ipv6_packets(void **state)
{
    (void)state;
    gw_opts o = fwd_opts();
    gw_steer s;
    gw_steer_init(&s, &o, 2);
    uint8_t p[256], other[16];
    memcpy(other, o.gw6, 16);
    other[15] = 9;
    uint32_t owner = 99;
    /* the UDP6 and TCP6 forwards' packets: thread 0's; others where they land */
    size_t n = v6_pkt(p, o.addr6, o.gw6, NULL, 0, 17, 0, 54);
    assert_int_equal(steer_exact(&s, 1, p, n, &owner), GW_STEER_HAND);
    assert_int_equal(owner, 0);
    owner = 99;
    assert_int_equal(steer_exact(&s, 0, p, n, &owner), GW_STEER_LOCAL);
    n = v6_pkt(p, o.addr6, o.gw6, NULL, 0, 6, 0, 86);
    assert_int_equal(steer_exact(&s, 1, p, n, &owner), GW_STEER_HAND);
    owner = 99;
    n = v6_pkt(p, o.addr6, o.gw6, NULL, 0, 6, 0, 54);
    assert_int_equal(steer_exact(&s, 1, p, n, &owner), GW_STEER_LOCAL);
    n = v6_pkt(p, o.addr6, other, NULL, 0, 17, 0, 54);
    assert_int_equal(steer_exact(&s, 1, p, n, &owner), GW_STEER_LOCAL);
    n = v6_pkt(p, o.addr6, o.gw6, NULL, 0, 17, 0, 53); /* the IPv4 forward's port */
    assert_int_equal(steer_exact(&s, 1, p, n, &owner), GW_STEER_LOCAL);
    assert_int_equal(owner, 99);
    /* behind hop-by-hop (8 bytes), routing (8), destination options (16), AH (12: its
     * length is in 4-byte words, minus 2) and an atomic fragment (RFC 6946: whole) */
    uint8_t ext[52] = {[0] = 43, [8] = 60, [16] = 51, [17] = 1, [32] = 44, [33] = 1, [44] = 17};
    n = v6_pkt(p, o.addr6, o.gw6, ext, 52, 0, 0, 54);
    assert_int_equal(steer_exact(&s, 1, p, n, &owner), GW_STEER_HAND);
    assert_int_equal(owner, 0);
    owner = 99;
    /* the same datagram fragmented: its first (M) and a later (offset 1448) fragment,
     * thread 0's whole; to another address, where they land */
    p[40 + 47] = 1;
    assert_int_equal(steer_exact(&s, 1, p, n, &owner), GW_STEER_HAND);
    p[40 + 46] = 0x05;
    p[40 + 47] = 0xa8;
    p[40 + 52] = 0xff; /* data, not a port */
    assert_int_equal(steer_exact(&s, 1, p, n, &owner), GW_STEER_HAND);
    assert_int_equal(steer_exact(&s, 1, p, 40 + 52, &owner), GW_STEER_HAND);
    memcpy(p + 24, other, 16);
    assert_int_equal(steer_exact(&s, 1, p, n, &owner), GW_STEER_LOCAL);
    /* a truncated extension header, a length past the packet: where it landed */
    n = v6_pkt(p, o.addr6, o.gw6, ext, 52, 0, 0, 54);
    assert_int_equal(steer_exact(&s, 1, p, 40 + 7, &owner), GW_STEER_LOCAL);
    assert_int_equal(steer_exact(&s, 1, p, 40 + 20, &owner), GW_STEER_LOCAL);
    p[40 + 9] = 200;
    assert_int_equal(steer_exact(&s, 1, p, n, &owner), GW_STEER_LOCAL);
    /* a chain longer than anyone sends: where it landed */
    uint8_t chain[80];
    for (size_t i = 0; i < 10; i++) {
        chain[i * 8] = i < 9 ? 60 : 17;
        memset(chain + i * 8 + 1, 0, 7);
    }
    n = v6_pkt(p, o.addr6, o.gw6, chain, 80, 60, 0, 54);
    assert_int_equal(steer_exact(&s, 1, p, n, &owner), GW_STEER_LOCAL);
    n = v6_pkt(p, o.addr6, o.gw6, chain + 16, 64, 60, 0, 54); /* 8: walked */
    assert_int_equal(steer_exact(&s, 1, p, n, &owner), GW_STEER_HAND);
    owner = 99;
    /* ICMPv6: echo and solicitations where they land; errors and advertisements to all */
    n = v6_pkt(p, o.addr6, o.gw6, NULL, 0, 58, 128, 0);
    assert_int_equal(steer_exact(&s, 1, p, n, &owner), GW_STEER_LOCAL);
    static const uint8_t all[] = {1, 2, 3, 4, 136};
    for (size_t i = 0; i < sizeof(all); i++) {
        p[40] = all[i];
        assert_int_equal(steer_exact(&s, 1, p, n, &owner), GW_STEER_BROADCAST);
    }
    p[40] = 135;
    assert_int_equal(steer_exact(&s, 1, p, n, &owner), GW_STEER_LOCAL);
    assert_int_equal(steer_exact(&s, 1, p, 43, &owner), GW_STEER_LOCAL);
    n = v6_pkt(p, o.addr6, o.gw6, ext, 8, 0, 136, 0); /* behind hop-by-hop */
    p[40] = 58;
    assert_int_equal(steer_exact(&s, 1, p, n, &owner), GW_STEER_BROADCAST);
    /* ESP, no next header: where they land */
    n = v6_pkt(p, o.addr6, o.gw6, NULL, 0, 50, 0, 54);
    assert_int_equal(steer_exact(&s, 1, p, n, &owner), GW_STEER_LOCAL);
    p[6] = 59;
    assert_int_equal(steer_exact(&s, 1, p, n, &owner), GW_STEER_LOCAL);
    assert_int_equal(steer_exact(&s, 1, p, 39, &owner), GW_STEER_LOCAL);
    assert_int_equal(owner, 99);
}

/* Random packets of every length, half of them with the namespace's addresses: a defined
 * verdict, an owner below n, and (ASan) no byte read past the end. */
static void test_steering_random_packets(void **state)
{
    (void)state;
    gw_opts o = fwd_opts();
    gw_steer s;
    gw_steer_init(&s, &o, 3);
    uint32_t x = 12345;
    uint8_t p[160];
    int verdicts[3] = {0};
    for (int i = 0; i < 20000; i++) {
        for (size_t k = 0; k < sizeof(p); k++) {
            x = x * 1103515245u + 12345u;
            p[k] = (uint8_t)(x >> 16);
        }
        size_t len = (x >> 8) % sizeof(p);
        int v6 = i & 1;
        p[0] = (uint8_t)((v6 ? 0x60 : 0x45) | (i % 5 == 0 ? p[0] & 15 : 0));
        if (i & 2) {
            if (v6) {
                memcpy(p + 8, o.addr6, 16);
                memcpy(p + 24, o.gw6, 16);
                static const uint8_t nhs[] = {0, 43, 60, 44, 51, 6, 17, 58};
                p[6] = nhs[(x >> 4) & 7];
                p[40] = nhs[(x >> 7) & 7];
            } else {
                for (int b = 0; b < 4; b++) {
                    p[12 + b] = (uint8_t)(o.addr >> (24 - 8 * b));
                    p[16 + b] = (uint8_t)(o.gw >> (24 - 8 * b));
                }
                p[9] = (x & 16) ? 17 : 6;
                p[6] &= 0x7f;
            }
        }
        uint32_t owner = 77;
        gw_steer_verdict v = steer_exact(&s, (uint32_t)i % 3, p, len, &owner);
        assert_true(v == GW_STEER_LOCAL || v == GW_STEER_HAND || v == GW_STEER_BROADCAST);
        if (v == GW_STEER_HAND)
            assert_true(owner < 3);
        else
            assert_int_equal(owner, 77);
        verdicts[v]++;
    }
    /* the generator reaches all three */
    assert_true(verdicts[GW_STEER_LOCAL] > 0 && verdicts[GW_STEER_HAND] > 0 &&
                verdicts[GW_STEER_BROADCAST] > 0);
}

static void test_inbox_bounded(void **state)
{
    (void)state;
    gw_inbox b;
    assert_int_equal(gw_inbox_init(&b), 0);
    uint8_t f[64] = {1, 2, 3};
    synack_rx_meta m = {.flags = SYNACK_RX_CSUM_PARTIAL, .gso_size = 1448};
    for (uint32_t i = 0; i < GW_INBOX_FRAMES; i++) {
        f[0] = (uint8_t)i;
        assert_int_equal(gw_inbox_put(&b, f, 60, i ? NULL : &m), 0);
    }
    /* full: refused and counted, never grown */
    assert_int_equal(gw_inbox_put(&b, f, 60, NULL), -ENOBUFS);
    assert_int_equal(b.drops, 1);
    assert_int_equal(b.in, GW_INBOX_FRAMES);
    gw_inbox_frame out[8];
    assert_int_equal(gw_inbox_pending(&b), GW_INBOX_FRAMES);
    assert_int_equal(gw_inbox_take(&b, out, 8), 8);
    assert_int_equal(gw_inbox_pending(&b), GW_INBOX_FRAMES - 8);
    for (uint32_t i = 0; i < 8; i++) {
        assert_int_equal(out[i].len, 60);
        assert_int_equal(out[i].buf[0], (uint8_t)i); /* in order */
        assert_int_equal(out[i].buf[1], 2);
        free(out[i].buf);
    }
    assert_int_equal(out[0].meta.flags, SYNACK_RX_CSUM_PARTIAL);
    assert_int_equal(out[0].meta.gso_size, 1448);
    assert_int_equal(out[1].meta.flags, 0);
    assert_int_equal(gw_inbox_put(&b, f, 60, NULL), 0);
    gw_inbox_destroy(&b); /* frees what is still queued (ASan: no leak) */

    /* bounded in bytes too: 64 KiB super-frames fill it long before 512 frames */
    assert_int_equal(gw_inbox_init(&b), 0);
    uint8_t *big = calloc(1, 65536);
    assert_non_null(big);
    uint32_t fit = 0;
    while (gw_inbox_put(&b, big, 65536, NULL) == 0)
        fit++;
    assert_int_equal(fit, GW_INBOX_BYTES / 65536);
    assert_int_equal(b.drops, 1);
    /* the eventfd woke: readable */
    uint64_t v = 0;
    assert_int_equal(read(b.efd, &v, sizeof(v)), (ssize_t)sizeof(v));
    assert_true(v >= 1);
    gw_inbox_clear(&b); /* nothing to read: no block, no error */
    free(big);
    gw_inbox_destroy(&b);
}

/* Producers on other threads, one consumer: every frame is either taken once, in each
 * producer's order, or refused and counted. */
#define PUTS 5000
#define PRODUCERS 3

typedef struct producer {
    gw_inbox *b;
    uint8_t id;
    uint32_t ok;
    atomic_int done;
} producer;

static void *produce(void *arg)
{
    producer *p = arg;
    uint8_t f[8] = {p->id};
    for (uint32_t i = 0; i < PUTS; i++) {
        memcpy(f + 4, &p->ok, sizeof(p->ok));
        if (gw_inbox_put(p->b, f, sizeof(f), NULL) == 0)
            p->ok++;
    }
    atomic_store(&p->done, 1);
    return NULL;
}

static void test_inbox_threads(void **state)
{
    (void)state;
    gw_inbox b;
    assert_int_equal(gw_inbox_init(&b), 0);
    producer p[PRODUCERS];
    pthread_t t[PRODUCERS];
    for (uint8_t i = 0; i < PRODUCERS; i++) {
        p[i].b = &b;
        p[i].id = i;
        p[i].ok = 0;
        atomic_init(&p[i].done, 0);
        assert_int_equal(pthread_create(&t[i], NULL, produce, &p[i]), 0);
    }
    uint32_t next[PRODUCERS] = {0}, taken = 0, running = PRODUCERS;
    gw_inbox_frame f[16];
    while (running || gw_inbox_pending(&b)) {
        running = 0;
        for (uint8_t i = 0; i < PRODUCERS; i++)
            running += !atomic_load(&p[i].done);
        uint32_t n = gw_inbox_take(&b, f, 16);
        for (uint32_t i = 0; i < n; i++) {
            uint32_t seq;
            memcpy(&seq, f[i].buf + 4, sizeof(seq));
            assert_int_equal(seq, next[f[i].buf[0]]++);
            free(f[i].buf);
        }
        taken += n;
    }
    uint32_t ok = 0;
    for (uint8_t i = 0; i < PRODUCERS; i++) {
        assert_int_equal(pthread_join(t[i], NULL), 0);
        assert_int_equal(next[i], p[i].ok);
        ok += p[i].ok;
    }
    assert_int_equal(taken, ok);
    assert_int_equal(b.in, ok);
    assert_int_equal(b.in + b.drops, PRODUCERS * PUTS);
    gw_inbox_destroy(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_threads_option),
        cmocka_unit_test(test_steering),
        cmocka_unit_test(test_steering_ipv4_packets),
        cmocka_unit_test(test_steering_ipv6_packets),
        cmocka_unit_test(test_steering_random_packets),
        cmocka_unit_test(test_inbox_bounded),
        cmocka_unit_test(test_inbox_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
