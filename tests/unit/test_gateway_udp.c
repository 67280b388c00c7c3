/* SPDX-License-Identifier: MIT */
/* The gateway's UDP and ICMP code (tools/synack/cmd_gateway_udp.c, cmd_gateway_icmp.c)
 * where it decides without the network: the --dns-server and resolv.conf parsing, the
 * datagrams no flow may carry (the gateway's own address, a DNS address without a
 * resolver or off port 53), and the frames (or --tun's packets) the ICMP side leaves to the
 * stack. Flows through real sockets are tests/interop/gateway_udp.sh's. */
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "cmd_gateway_udp.h"

#define GW 0xc0000202u     /* 192.0.2.2: the gateway's stack */
#define CLIENT 0xc0000264u /* 192.0.2.100: the namespace */
#define DNS 0xc0000203u    /* 192.0.2.3 */

static void test_hostport(void **state)
{
    (void)state;
    uint32_t a = 0;
    uint16_t p = 0;
    assert_int_equal(gw_parse_hostport("198.18.0.1", &a, &p), 0);
    assert_int_equal(a, 0xc6120001u);
    assert_int_equal(p, 53);
    assert_int_equal(gw_parse_hostport("198.18.0.2:5353", &a, &p), 0);
    assert_int_equal(a, 0xc6120002u);
    assert_int_equal(p, 5353);
    assert_int_equal(gw_parse_hostport("resolver", &a, &p), -1);
    assert_int_equal(gw_parse_hostport("198.18.0.1:0", &a, &p), -1);
    assert_int_equal(gw_parse_hostport("198.18.0.1:65536", &a, &p), -1);
    assert_int_equal(gw_parse_hostport("198.18.0.1:53x", &a, &p), -1);
}

static void test_resolv_conf(void **state)
{
    (void)state;
    char path[] = "/tmp/synack-resolv-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    const char text[] = "# a comment\nsearch example.test\nnameserver 2001:db8::53\n"
                        "nameserver 198.18.0.53\nnameserver 198.18.0.54\n";
    assert_int_equal(write(fd, text, sizeof(text) - 1), (ssize_t)(sizeof(text) - 1));
    close(fd);
    assert_int_equal(gw_resolv_conf(path), 0xc6120035u); /* the first IPv4 one */
    unlink(path);
    assert_int_equal(gw_resolv_conf(path), 0); /* gone */
}

typedef struct host {
    synack_stack *st;
    int frames;
} host;

static int on_output(void *ctx, const uint8_t *f, size_t len)
{
    (void)f;
    (void)len;
    ((host *)ctx)->frames++;
    return 0;
}

static void wr16(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void wr32(uint8_t *p, uint32_t v)
{
    wr16(p, v >> 16);
    wr16(p + 2, v & 0xffff);
}

static uint16_t sum(const uint8_t *p, size_t n)
{
    uint32_t acc = 0;
    for (size_t i = 0; i + 1 < n; i += 2)
        acc += (uint32_t)(p[i] << 8 | p[i + 1]);
    while (acc >> 16)
        acc = (acc & 0xffff) + (acc >> 16);
    return (uint16_t)~acc;
}

/* A datagram from the namespace's client to dst:dport, without a UDP checksum (none). */
static void from_ns(host *h, uint32_t dst, uint16_t dport)
{
    uint8_t f[32] = {0x45, 0, 0, 32, 0, 0, 0, 0, 64, 17};
    wr32(f + 12, CLIENT);
    wr32(f + 16, dst);
    wr16(f + 10, sum(f, 20));
    wr16(f + 20, 40000);
    wr16(f + 22, dport);
    wr16(f + 24, 12);
    memcpy(f + 28, "ping", 4);
    assert_int_equal(synack_input(h->st, 1000, f, sizeof(f)), 0);
}

/* Datagrams no flow carries: counted as blocked, answered with Port Unreachable, and no
 * host socket is opened for them. */
static void test_blocked(void **state)
{
    (void)state;
    host h = {0};
    synack_config c;
    synack_config_default(&c);
    synack_config_deterministic(&c, 1);
    c.netif.addr = GW;
    c.netif.output = on_output;
    c.netif.output_ctx = &h;
    h.st = synack_stack_new(&c);
    assert_non_null(h.st);
    gw_udp_opts o = {.max_flows = 4, .gw = GW, .dns = DNS};
    gw_udp *u = gw_udp_new(h.st, &o);
    assert_non_null(u);
    from_ns(&h, GW, 9);   /* the gateway itself: the host has no such address */
    from_ns(&h, DNS, 53); /* DNS, but no resolver known */
    from_ns(&h, DNS, 80); /* the DNS address is only DNS */
    gw_udp_step(u, 1000);
    const gw_udp_stats *s = gw_udp_stats_get(u);
    assert_int_equal(s->blocked, 3);
    assert_int_equal(s->flows, 0);
    assert_int_equal(gw_udp_open(u), 0);
    assert_int_equal(gw_udp_deadline(u), UINT64_MAX);
    struct pollfd pf[4];
    assert_int_equal(gw_udp_pollfds(u, pf, 4), 0);
    assert_int_equal(h.frames, 3); /* Port Unreachable from the gateway, for each */
    gw_udp_free(u);
    synack_stack_free(h.st);
}

static const uint8_t GW6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 2};        /* 2001:db8::2 */
static const uint8_t CLIENT6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 0x64}; /* ...::100 */

static gw_opts v6_opts(void)
{
    gw_opts g;
    memset(&g, 0, sizeof(g));
    g.addr = CLIENT;
    g.gw = GW;
    g.ipv6 = 1;
    memcpy(g.gw6, GW6, 16);
    memcpy(g.addr6, CLIENT6, 16);
    g.prefix6 = 64;
    return g;
}

/* IPv6's destinations: the TCP relay's policy (gw_dest_sa), DNS at the gateway's port 53. */
static void test_dest6(void **state)
{
    (void)state;
    gw_opts g = v6_opts();
    gw_udp_opts o = {.max_flows = 4, .gw = GW, .dns = DNS, .dns_server = 0xc6120035u, .go = &g};
    struct sockaddr_in6 to;
    uint8_t d[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0x12, [15] = 1}; /* 2001:db8:12::1 */
    memset(&to, 0, sizeof(to));
    assert_int_equal(gw_udp_dest6(&o, d, 7, &to), GW_UDP6_RELAY);
    assert_int_equal(to.sin6_family, AF_INET6);
    assert_int_equal(ntohs(to.sin6_port), 7);
    assert_memory_equal(to.sin6_addr.s6_addr, d, 16);
    assert_int_equal(gw_udp_dest6(&o, GW6, 53, &to), GW_UDP6_DNS);
    assert_int_equal(gw_udp_dest6(&o, GW6, 9, &to), GW_UDP6_UNREACH);
    assert_int_equal(gw_udp_dest6(&o, CLIENT6, 9, &to), GW_UDP6_DROP); /* itself */
    uint8_t ll[16] = {0xfe, 0x80, [15] = 1}, mc[16] = {0xff, 0x02, [15] = 1}, lo[16] = {[15] = 1};
    assert_int_equal(gw_udp_dest6(&o, ll, 9, &to), GW_UDP6_DROP);
    assert_int_equal(gw_udp_dest6(&o, mc, 9, &to), GW_UDP6_DROP);
    assert_int_equal(gw_udp_dest6(&o, lo, 9, &to), GW_UDP6_DROP);
    g.host_loopback = 1; /* the gateway is the host's ::1, DNS still first */
    assert_int_equal(gw_udp_dest6(&o, GW6, 9, &to), GW_UDP6_LOOPBACK);
    assert_int_equal(ntohs(to.sin6_port), 9);
    assert_memory_equal(to.sin6_addr.s6_addr, lo, 16);
    assert_int_equal(gw_udp_dest6(&o, GW6, 53, &to), GW_UDP6_DNS);
    o.dns_server = 0; /* no resolver: the port is closed */
    assert_int_equal(gw_udp_dest6(&o, GW6, 53, &to), GW_UDP6_UNREACH);
    o.dns = 0; /* --dns none: port 53 is the host's ::1 like any other */
    assert_int_equal(gw_udp_dest6(&o, GW6, 53, &to), GW_UDP6_LOOPBACK);
    g.ipv6 = 0;
    assert_int_equal(gw_udp_dest6(&o, d, 7, &to), GW_UDP6_DROP);
    o.go = NULL;
    assert_int_equal(gw_udp_dest6(&o, d, 7, &to), GW_UDP6_DROP);
}

/* A datagram from the namespace's IPv6 client to dst:dport, with its mandatory checksum. */
static void from_ns6(host *h, const uint8_t dst[16], uint16_t dport)
{
    uint8_t f[40 + 12] = {0x60, 0, 0, 0, 0, 12, 17, 64};
    memcpy(f + 8, CLIENT6, 16);
    memcpy(f + 24, dst, 16);
    wr16(f + 40, 40000);
    wr16(f + 42, dport);
    wr16(f + 44, 12);
    memcpy(f + 48, "ping", 4);
    uint8_t ps[40 + 12] = {0}; /* the pseudo-header (RFC 8200 8.1), then the datagram */
    memcpy(ps, f + 8, 32);
    ps[35] = 12;
    ps[39] = 17;
    memcpy(ps + 40, f + 40, 12);
    wr16(f + 46, sum(ps, sizeof(ps)));
    assert_int_equal(synack_input(h->st, 1000, f, sizeof(f)), 0);
}

/* With --ipv6 the one catch-all is dual-stack: IPv4 is refused as before, IPv6 to the
 * gateway's own address gets ICMPv6 port unreachable, to the namespace's own is dropped
 * silently, and none of them costs a host socket. */
static void test_blocked6(void **state)
{
    (void)state;
    host h = {0};
    synack_config c;
    synack_config_default(&c);
    synack_config_deterministic(&c, 1);
    c.netif.addr = GW;
    memcpy(c.netif.addr6, GW6, 16);
    c.netif.prefix6_len = 64;
    c.netif.output = on_output;
    c.netif.output_ctx = &h;
    h.st = synack_stack_new(&c);
    assert_non_null(h.st);
    gw_opts g = v6_opts();
    gw_udp_opts o = {.max_flows = 4, .gw = GW, .dns = DNS, .go = &g};
    gw_udp *u = gw_udp_new(h.st, &o);
    assert_non_null(u);
    from_ns(&h, GW, 9);
    from_ns6(&h, GW6, 9);
    from_ns6(&h, GW6, 53); /* DNS, but no resolver known */
    from_ns6(&h, CLIENT6, 9);
    gw_udp_step(u, 1000);
    const gw_udp_stats *s = gw_udp_stats_get(u);
    assert_int_equal(s->blocked, 4);
    assert_int_equal(s->flows, 0);
    assert_int_equal(gw_udp_open(u), 0);
    assert_int_equal(h.frames, 3);
    assert_int_equal(synack_counter_get(h.st, SYNACK_CTR_Udp6InDatagrams), 3);
    assert_int_equal(synack_counter_get(h.st, SYNACK_CTR_Icmp6OutDestUnreachs), 2);
    gw_udp_free(u);
    synack_stack_free(h.st);
}

/* The ICMP side takes only well-formed echo requests for elsewhere. */
static void test_icmp_frames(void **state)
{
    (void)state;
    gw_icmp *g = gw_icmp_new(NULL, GW);
    assert_non_null(g);
    uint8_t f[14 + 20 + 12] = {0};
    wr16(f + 12, 0x0800);
    uint8_t *ip = f + 14;
    ip[0] = 0x45;
    wr16(ip + 2, 32);
    ip[8] = 64;
    ip[9] = 1;
    wr32(ip + 12, CLIENT);
    wr32(ip + 16, GW);
    wr16(ip + 10, sum(ip, 20));
    uint8_t *icmp = ip + 20;
    icmp[0] = 8;
    wr16(icmp + 2, sum(icmp, 12));
    assert_int_equal(gw_icmp_frame(g, f, sizeof(f), 1), 0); /* to the gateway: the stack's */
    assert_int_equal(gw_icmp_frame(g, f, 20, 1), 0);        /* truncated */
    wr32(ip + 16, 0xc6120001u);
    wr16(ip + 10, 0);
    wr16(ip + 10, sum(ip, 20));
    icmp[0] = 0; /* a reply, not a request */
    wr16(icmp + 2, 0);
    wr16(icmp + 2, sum(icmp, 12));
    assert_int_equal(gw_icmp_frame(g, f, sizeof(f), 1), 0);
    icmp[0] = 8;
    wr16(icmp + 2, 0x1234); /* a request with a bad checksum: taken and dropped */
    assert_int_equal(gw_icmp_frame(g, f, sizeof(f), 1), 1);
    assert_int_equal(gw_icmp_stats_get(g)->requests, 0);
    assert_int_equal(gw_icmp_stats_get(g)->refused, 0);
    wr16(icmp + 2, 0);
    wr16(icmp + 2, sum(icmp, 12));
    wr32(ip + 16, 0xe0000001u); /* multicast: never sent out */
    wr16(ip + 10, 0);
    wr16(ip + 10, sum(ip, 20));
    assert_int_equal(gw_icmp_frame(g, f, sizeof(f), 1), 1);
    assert_int_equal(gw_icmp_stats_get(g)->refused, 1);
    assert_int_equal(gw_icmp_stats_get(g)->requests, 0);
    gw_icmp_free(g);
}

/* --tun: the relay takes bare IP packets (IPv4 and IPv6, told by the version), as a TAP's
 * frames: to the gateway the stack's, corrupt dropped, never-host destinations refused. */
static void test_icmp_tun_packets(void **state)
{
    (void)state;
    synack_tuntap dev = {.fd = -1, .type = SYNACK_LINK_IP};
    gw_icmp *g = gw_icmp_new(&dev, GW);
    assert_non_null(g);
    uint8_t gw6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 2}, ns6[16] = {0x20, 0x01, 0x0d, 0xb8};
    ns6[15] = 0x64;
    assert_int_equal(gw_icmp_enable_v6(g, gw6, ns6), 0);
    uint8_t ip[20 + 12] = {0};
    ip[0] = 0x45;
    wr16(ip + 2, 32);
    ip[8] = 64;
    ip[9] = 1;
    wr32(ip + 12, CLIENT);
    wr32(ip + 16, GW);
    wr16(ip + 10, sum(ip, 20));
    uint8_t *icmp = ip + 20;
    icmp[0] = 8;
    wr16(icmp + 4, 0x1234);
    wr16(icmp + 2, sum(icmp, 12));
    assert_int_equal(gw_icmp_frame(g, ip, sizeof(ip), 1), 0); /* to the gateway: the stack's */
    assert_int_equal(gw_icmp_frame(g, ip, 27, 1), 0);         /* truncated */
    wr32(ip + 16, 0xe0000001u);                               /* multicast: refused */
    wr16(ip + 10, 0);
    wr16(ip + 10, sum(ip, 20));
    assert_int_equal(gw_icmp_frame(g, ip, sizeof(ip), 1), 1);
    assert_int_equal(gw_icmp_stats_get(g)->refused, 1);
    icmp[6] ^= 1; /* corrupt: taken, dropped, not counted */
    assert_int_equal(gw_icmp_frame(g, ip, sizeof(ip), 1), 1);
    assert_int_equal(gw_icmp_stats_get(g)->refused, 1);

    /* IPv6: an echo request to the gateway (the stack's), then to ::1 (refused) */
    uint8_t p6[40 + 12] = {0};
    p6[0] = 0x60;
    p6[5] = 12;
    p6[6] = 58;
    p6[7] = 64;
    memcpy(p6 + 8, ns6, 16);
    memcpy(p6 + 24, gw6, 16);
    p6[40] = 128;
    assert_int_equal(gw_icmp_frame(g, p6, sizeof(p6), 1), 0);
    memset(p6 + 24, 0, 16);
    p6[39] = 1;
    /* the checksum: the pseudo-header (RFC 8200 8.1), then the message */
    uint32_t acc = 12 + 58;
    for (int i = 8; i < 40; i += 2)
        acc += (uint32_t)(p6[i] << 8 | p6[i + 1]);
    for (int i = 40; i < 52; i += 2)
        acc += (uint32_t)(p6[i] << 8 | p6[i + 1]);
    while (acc >> 16)
        acc = (acc & 0xffff) + (acc >> 16);
    wr16(p6 + 42, ~acc & 0xffff);
    assert_int_equal(gw_icmp_frame(g, p6, sizeof(p6), 1), 1);
    assert_int_equal(gw_icmp_stats_get(g)->refused, 2);
    assert_int_equal(gw_icmp_frame(g, p6, 47, 1), 0); /* truncated */
    assert_int_equal(gw_icmp_stats_get(g)->requests, 0);
    gw_icmp_free(g);
}

/* The checksum of an ICMPv6 message m (n bytes) from src to dst: 0 when it is right. */
static uint16_t sum6(const uint8_t *src, const uint8_t *dst, const uint8_t *m, size_t n)
{
    uint32_t acc = (uint32_t)n + 58;
    for (int i = 0; i < 16; i += 2)
        acc += (uint32_t)(src[i] << 8 | src[i + 1]) + (uint32_t)(dst[i] << 8 | dst[i + 1]);
    for (size_t i = 0; i < n; i += 2)
        acc += (uint32_t)(m[i] << 8 | (i + 1 < n ? m[i + 1] : 0));
    while (acc >> 16)
        acc = (acc & 0xffff) + (acc >> 16);
    return (uint16_t)~acc;
}

/* An echo request to an address the host has no route to is answered at once, as a router
 * without a route answers: ICMP net unreachable (ICMPv6 no route) from the gateway quoting
 * the request, here as bare packets on a TUN (a socketpair stands in for it). Runs in a
 * network namespace of its own (only lo: no route out) with ping sockets allowed; skipped
 * without root. */
static void test_icmp_unreachable(void **state)
{
    (void)state;
    if (unshare(CLONE_NEWNET) != 0)
        skip();
    FILE *pf = fopen("/proc/sys/net/ipv4/ping_group_range", "w");
    if (!pf)
        skip();
    int ok = fputs("0 2147483647\n", pf) >= 0;
    if (fclose(pf) != 0 || !ok)
        skip();
    /* lo up: with no IPv6 address at all, connect would fail with EADDRNOTAVAIL */
    struct ifreq ifr;
    memset(&ifr, 0, sizeof(ifr));
    snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    assert_true(fd >= 0);
    assert_int_equal(ioctl(fd, SIOCGIFFLAGS, &ifr), 0);
    ifr.ifr_flags |= IFF_UP;
    assert_int_equal(ioctl(fd, SIOCSIFFLAGS, &ifr), 0);
    close(fd);
    int sv[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0, sv), 0);
    synack_tuntap dev = {.fd = sv[0], .type = SYNACK_LINK_IP};
    gw_icmp *g = gw_icmp_new(&dev, GW);
    assert_non_null(g);
    uint8_t gw6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 2}, ns6[16] = {0x20, 0x01, 0x0d, 0xb8};
    ns6[15] = 0x64;
    assert_int_equal(gw_icmp_enable_v6(g, gw6, ns6), 0);

    uint8_t ip[20 + 12] = {0}, out[2048];
    ip[0] = 0x45;
    wr16(ip + 2, 32);
    ip[8] = 64;
    ip[9] = 1;
    wr32(ip + 12, CLIENT);
    wr32(ip + 16, 0xc6130001u); /* 198.19.0.1: no route in this namespace */
    wr16(ip + 10, sum(ip, 20));
    ip[20] = 8;
    wr16(ip + 24, 0x1234);
    memcpy(ip + 28, "ping", 4);
    wr16(ip + 22, sum(ip + 20, 12));
    assert_int_equal(gw_icmp_frame(g, ip, sizeof(ip), 1), 1);
    assert_int_equal(recv(sv[1], out, sizeof(out), 0), 20 + 8 + 32);
    uint8_t want[20 + 8 + 32] = {0x45, 0, 0,   60, 0, 0,   0, 0, 64, 1, 0, 0, 192, 0,
                                 2,    2, 192, 0,  2, 100, 3, 0, 0,  0, 0, 0, 0,   0};
    memcpy(want + 28, ip, 32);
    wr16(want + 10, sum(want, 20));
    wr16(want + 22, sum(want + 20, 40));
    assert_memory_equal(out, want, sizeof(want));
    const gw_icmp_stats *st = gw_icmp_stats_get(g);
    assert_int_equal(st->refused, 1);
    assert_int_equal(st->unreachable, 1);
    assert_int_equal(st->requests, 0);

    uint8_t p6[40 + 12] = {0};
    p6[0] = 0x60;
    p6[5] = 12;
    p6[6] = 58;
    p6[7] = 64;
    memcpy(p6 + 8, ns6, 16);
    uint8_t dead[16] = {0x20, 0x01, 0x0d, 0xb8, 0xde, 0xad, [15] = 1};
    memcpy(p6 + 24, dead, 16);
    p6[40] = 128;
    wr16(p6 + 44, 0x1234);
    wr16(p6 + 42, sum6(ns6, dead, p6 + 40, 12));
    assert_int_equal(gw_icmp_frame(g, p6, sizeof(p6), 1), 1);
    assert_int_equal(recv(sv[1], out, sizeof(out), 0), 40 + 8 + 52);
    uint8_t want6[40 + 8 + 52] = {0x60, 0, 0, 0, 0, 60, 58, 64};
    memcpy(want6 + 8, gw6, 16);
    memcpy(want6 + 24, ns6, 16);
    want6[40] = 1; /* destination unreachable, code 0: no route */
    memcpy(want6 + 48, p6, 52);
    wr16(want6 + 42, sum6(gw6, ns6, want6 + 40, 60));
    assert_memory_equal(out, want6, sizeof(want6));
    assert_int_equal(st->refused, 2);
    assert_int_equal(st->unreachable, 2);
    assert_int_equal(recv(sv[1], out, sizeof(out), 0), -1); /* nothing else */
    gw_icmp_free(g);
    close(sv[0]);
    close(sv[1]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hostport),         cmocka_unit_test(test_resolv_conf),
        cmocka_unit_test(test_blocked),          cmocka_unit_test(test_dest6),
        cmocka_unit_test(test_blocked6),         cmocka_unit_test(test_icmp_frames),
        cmocka_unit_test(test_icmp_tun_packets), cmocka_unit_test(test_icmp_unreachable),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
