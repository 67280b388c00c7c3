/* SPDX-License-Identifier: MIT */
/* The gateway's UDP and ICMP code (tools/synack/cmd_gateway_udp.c, cmd_gateway_icmp.c)
 * where it decides without the network: the --dns-server and resolv.conf parsing, the
 * datagrams no flow may carry (the gateway's own address, a DNS address without a
 * resolver or off port 53), and the frames the ICMP side leaves to the stack. Flows
 * through real sockets are tests/interop/gateway_udp.sh's. */
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hostport),
        cmocka_unit_test(test_resolv_conf),
        cmocka_unit_test(test_blocked),
        cmocka_unit_test(test_icmp_frames),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
