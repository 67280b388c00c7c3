/* SPDX-License-Identifier: MIT */
/* synack gateway's forward, host-loopback and limit options and the policy they set
 * (tools/synack/cmd_gateway_opts.c, compiled into this test): --forward specs, which
 * destinations the namespace may reach (--buffer and --max-buffer are cmd_gateway.c's). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "cmd_gateway.h"
#include "cmd_gateway_echo.h"

#define IP(a, b, c, d) (((uint32_t)(a) << 24) | ((uint32_t)(b) << 16) | ((uint32_t)(c) << 8) | (d))

static gw_opts opts(void)
{
    gw_opts o;
    memset(&o, 0, sizeof(o));
    o.addr = IP(10, 0, 2, 100);
    o.gw = IP(10, 0, 2, 2);
    o.max_conns = 256;
    gw_opts_defaults(&o);
    return o;
}

static void test_forward_specs(void **state)
{
    (void)state;
    gw_opts o = opts();
    assert_int_equal(gw_opts_parse(&o, "--forward", "tcp:8080:80"), 2);
    assert_int_equal(gw_opts_parse(&o, "--forward", "tcp:198.18.0.1:8081:81"), 2);
    assert_int_equal(o.nfwd, 2);
    assert_int_equal(o.fwd[0].host_addr, 0);
    assert_int_equal(o.fwd[0].host_port, 8080);
    assert_int_equal(o.fwd[0].ns_port, 80);
    assert_int_equal(o.fwd[1].host_addr, IP(198, 18, 0, 1));
    assert_int_equal(o.fwd[1].host_port, 8081);
    assert_int_equal(o.fwd[1].ns_port, 81);
    assert_int_equal(o.fwd[1].udp, 0);
    /* datagrams: the same spec after udp: */
    assert_int_equal(gw_opts_parse(&o, "--forward", "udp:5353:53"), 2);
    assert_int_equal(gw_opts_parse(&o, "--forward", "udp:198.18.0.1:5354:54"), 2);
    assert_int_equal(o.nfwd, 4);
    assert_int_equal(o.fwd[2].udp, 1);
    assert_int_equal(o.fwd[2].host_addr, 0);
    assert_int_equal(o.fwd[2].host_port, 5353);
    assert_int_equal(o.fwd[2].ns_port, 53);
    assert_int_equal(o.fwd[3].udp, 1);
    assert_int_equal(o.fwd[3].host_addr, IP(198, 18, 0, 1));
    assert_int_equal(o.fwd[3].host_port, 5354);
    assert_int_equal(o.fwd[3].ns_port, 54);
    static const char *const bad[] = {"udp:53",          "udp:0:53",          "sctp:53:53",
                                      "tcp:8080",        "tcp:0:80",          "tcp:80:65536",
                                      "tcp:1.2.3:80:80", "tcp:1.2.3.4:1:2:3", "tcp::80",
                                      "tcp:80:",         "8080:80",           "tcp:8x:80"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(gw_opts_parse(&o, "--forward", bad[i]), -1);
    assert_int_equal(o.nfwd, 4);
    assert_int_equal(gw_opts_parse(&o, "--forward", NULL), -1);
    while (o.nfwd < GW_MAX_FORWARDS)
        assert_int_equal(gw_opts_parse(&o, "--forward", "tcp:9000:90"), 2);
    assert_int_equal(gw_opts_parse(&o, "--forward", "tcp:9001:91"), -1);
    assert_int_equal(o.nfwd, GW_MAX_FORWARDS);
}

static void test_limits_and_flags(void **state)
{
    (void)state;
    gw_opts o = opts();
    assert_int_equal(o.max_pending, 64);
    assert_int_equal(o.host_loopback, 0);
    assert_int_equal(gw_opts_parse(&o, "--enable-host-loopback", "--json"), 1);
    assert_int_equal(o.host_loopback, 1);
    assert_int_equal(gw_opts_parse(&o, "--max-pending", "16"), 2);
    assert_int_equal(o.max_pending, 16);
    assert_int_equal(gw_opts_parse(&o, "--max-pending", "0"), -1);
    assert_int_equal(gw_opts_parse(&o, "--max-pending", "1025"), -1);
    assert_int_equal(o.keepalive_s, 0);
    assert_int_equal(gw_opts_parse(&o, "--keepalive", "2"), 2);
    assert_int_equal(o.keepalive_s, 2);
    assert_int_equal(gw_opts_parse(&o, "--keepalive", "86401"), -1);
    assert_int_equal(gw_opts_parse(&o, "--keepalive", "-1"), -1);
    /* Not these options': left to cmd_gateway.c. */
    assert_int_equal(gw_opts_parse(&o, "--max-conns", "10"), 0);
    assert_int_equal(gw_opts_parse(&o, "--gw", "10.0.2.2"), 0);
    assert_int_equal(gw_opts_parse(&o, "--max-buffer", "64M"), 0);
}

static void test_destinations(void **state)
{
    (void)state;
    gw_opts o = opts();
    assert_int_equal(gw_dest(&o, IP(198, 18, 0, 1)), IP(198, 18, 0, 1));
    assert_int_equal(gw_dest(&o, IP(10, 0, 2, 3)), IP(10, 0, 2, 3));
    assert_int_equal(gw_dest(&o, IP(223, 255, 255, 254)), IP(223, 255, 255, 254));
    /* The gateway itself: denied unless --enable-host-loopback, then the host's loopback. */
    assert_int_equal(gw_dest(&o, o.gw), 0);
    static const uint32_t never[] = {IP(127, 0, 0, 1), IP(127, 1, 2, 3),       IP(0, 0, 0, 0),
                                     IP(0, 1, 2, 3),   IP(224, 0, 0, 1),       IP(239, 1, 1, 1),
                                     IP(240, 0, 0, 1), IP(255, 255, 255, 255), IP(10, 0, 2, 100)};
    for (size_t i = 0; i < sizeof(never) / sizeof(never[0]); i++)
        assert_int_equal(gw_dest(&o, never[i]), 0);
    o.host_loopback = 1;
    assert_int_equal(gw_dest(&o, o.gw), IP(127, 0, 0, 1));
    for (size_t i = 0; i < sizeof(never) / sizeof(never[0]); i++)
        assert_int_equal(gw_dest(&o, never[i]), 0);
}

/* What RLIMIT_NOFILE must allow: every kind of host fd the gateway can hold at its limits. */
static void test_fd_need(void **state)
{
    (void)state;
    gw_opts o = opts();
    o.max_udp = 256;
    /* relays, direct UDP flows (one socket each), the IPv4 echo relay's ping sockets, 32 */
    assert_int_equal(gw_fd_need(&o), 256 + 256 + GW_ECHO_FLOWS + 32);
    /* forwards: one host socket each, TCP listener or UDP socket (its peers share it) */
    assert_int_equal(gw_opts_parse(&o, "--forward", "tcp:8080:80"), 2);
    assert_int_equal(gw_opts_parse(&o, "--forward", "udp:5353:53"), 2);
    assert_int_equal(gw_fd_need(&o), 256 + 256 + GW_ECHO_FLOWS + 2 + 32);
    /* IPv6: a second echo table */
    o.ipv6 = 1;
    assert_int_equal(gw_fd_need(&o), 256 + 256 + 2 * GW_ECHO_FLOWS + 2 + 32);
    /* --socks5: a UDP flow's association control connection besides its socket */
    o.socks5_salen = sizeof(struct sockaddr_in);
    assert_int_equal(gw_fd_need(&o), 256 + 2 * 256 + 2 * GW_ECHO_FLOWS + 2 + 32);
    /* --threads 4: the shares sum to the limits; an echo relay per thread, 4 fds each */
    o.threads = 4;
    assert_int_equal(gw_fd_need(&o), 256 + 2 * 256 + 4 * 2 * GW_ECHO_FLOWS + 2 + 32 + 4 * 4);
    /* shares floored at 1 per thread: 3 threads with 2 flows hold 3 */
    o.socks5_salen = 0;
    o.ipv6 = 0;
    o.threads = 3;
    o.max_conns = 2;
    o.max_udp = 2;
    assert_int_equal(gw_fd_need(&o), 3 + 3 + 3 * GW_ECHO_FLOWS + 2 + 32 + 3 * 4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_forward_specs),
        cmocka_unit_test(test_limits_and_flags),
        cmocka_unit_test(test_destinations),
        cmocka_unit_test(test_fd_need),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
