/* SPDX-License-Identifier: MIT */
/* synack gateway's SOCKS5 client (tools/synack/cmd_gateway_socks5.c) and tun2socks options
 * (tools/synack/cmd_gateway_tun.c), compiled into this test: the exact bytes sent, replies
 * of every bound-address form, fed whole or a byte at a time, truncated and hostile
 * replies, reply codes mapped to what the namespace's connect hears, and the rule that no
 * byte after the reply is taken (it belongs to the relayed stream). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "cmd_gateway.h"
#include "cmd_gateway_socks5.h"

static const uint8_t DST4[4] = {198, 18, 0, 1};

/* Takes everything queued and checks it is exactly want[0..n). */
static void expect_out(gw_socks5 *s, const uint8_t *want, size_t n)
{
    const uint8_t *p;
    size_t len = gw_s5_output(s, &p);
    assert_int_equal(len, n);
    assert_memory_equal(p, want, n);
    assert_int_equal(gw_s5_want(s), 0); /* nothing is read before it was all sent */
    gw_s5_sent(s, len);
    assert_int_equal(gw_s5_output(s, &p), 0);
}

/* A handshake without credentials to 198.18.0.1:8080, up to the CONNECT request sent. */
static void to_request(gw_socks5 *s)
{
    assert_int_equal(gw_s5_begin(s, DST4, 4, 8080, NULL, NULL), 0);
    static const uint8_t greet[] = {5, 1, 0};
    expect_out(s, greet, sizeof(greet));
    assert_int_equal(gw_s5_want(s), 2);
    static const uint8_t method[] = {5, 0};
    assert_int_equal(gw_s5_input(s, method, 2), 2);
    assert_int_equal(s->phase, GW_S5_REQUEST);
    static const uint8_t req[] = {5, 1, 0, 1, 198, 18, 0, 1, 0x1f, 0x90};
    expect_out(s, req, sizeof(req));
    assert_int_equal(gw_s5_want(s), 4);
}

static void test_ipv4_reply_leaves_the_stream_alone(void **state)
{
    (void)state;
    gw_socks5 s;
    to_request(&s);
    /* The reply, then the destination's first bytes (a server that speaks first). */
    static const uint8_t rep[] = {5, 0, 0, 1, 198, 18, 0, 2, 0xc3, 0x51, 'S', 'M', 'T'};
    assert_int_equal(gw_s5_input(&s, rep, sizeof(rep)), 10);
    assert_int_equal(s.phase, GW_S5_DONE);
    assert_int_equal(s.outcome, GW_S5_OK);
    assert_int_equal(s.bnd_len, 4);
    assert_int_equal(s.bnd_port, 50001);
    assert_int_equal(gw_s5_want(&s), 0);
    assert_int_equal(gw_s5_input(&s, rep + 10, 3), 0);
    assert_int_equal(gw_s5_errno(GW_S5_OK), 0);
}

static void test_domain_reply_byte_at_a_time(void **state)
{
    (void)state;
    gw_socks5 s;
    to_request(&s);
    uint8_t rep[5 + 13 + 2] = {5, 0, 0, 3, 13};
    memcpy(rep + 5, "proxy.example", 13);
    rep[18] = 0x04;
    rep[19] = 0x38;
    size_t wants[sizeof(rep)];
    for (size_t i = 0; i < sizeof(rep); i++) {
        wants[i] = gw_s5_want(&s);
        assert_int_equal(gw_s5_input(&s, rep + i, 1), 1);
    }
    /* The header (4), the domain's length byte (1), then the rest it announced (15). */
    assert_int_equal(wants[0], 4);
    assert_int_equal(wants[3], 1);
    assert_int_equal(wants[4], 1);
    assert_int_equal(wants[5], 15);
    assert_int_equal(wants[19], 1);
    assert_int_equal(s.phase, GW_S5_DONE);
    assert_int_equal(s.bnd_len, 13);
    assert_int_equal(s.bnd_port, 1080);
}

static void test_ipv6_forms(void **state)
{
    (void)state;
    gw_socks5 s;
    to_request(&s);
    uint8_t rep[4 + 16 + 2 + 1] = {5, 0, 0, 4, 0x20, 0x01, 0x0d, 0xb8};
    rep[20] = 0;
    rep[21] = 80;
    rep[22] = 'X';
    assert_int_equal(gw_s5_input(&s, rep, 3), 3);
    assert_int_equal(gw_s5_want(&s), 1);
    assert_int_equal(gw_s5_input(&s, rep + 3, sizeof(rep) - 3), 19);
    assert_int_equal(s.phase, GW_S5_DONE);
    assert_int_equal(s.bnd_len, 16);
    assert_int_equal(s.bnd_port, 80);

    /* An IPv6 destination goes as ATYP 4. */
    static const uint8_t dst6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1};
    assert_int_equal(gw_s5_begin(&s, dst6, 16, 443, NULL, NULL), 0);
    const uint8_t *p;
    gw_s5_sent(&s, gw_s5_output(&s, &p));
    static const uint8_t method[] = {5, 0};
    gw_s5_input(&s, method, 2);
    uint8_t req[22] = {5, 1, 0, 4};
    memcpy(req + 4, dst6, 16);
    req[20] = 0x01;
    req[21] = 0xbb;
    expect_out(&s, req, sizeof(req));
}

static void test_reply_codes(void **state)
{
    (void)state;
    static const struct {
        uint8_t rep;
        gw_s5_outcome o;
        int err;
    } cases[] = {
        {1, GW_S5_GENERAL, ECONNREFUSED},     {2, GW_S5_NOT_ALLOWED, ECONNREFUSED},
        {3, GW_S5_NET_UNREACH, ENETUNREACH},  {4, GW_S5_HOST_UNREACH, EHOSTUNREACH},
        {5, GW_S5_REFUSED, ECONNREFUSED},     {6, GW_S5_TTL_EXPIRED, ETIMEDOUT},
        {7, GW_S5_OTHER_REPLY, ECONNREFUSED}, {8, GW_S5_OTHER_REPLY, ECONNREFUSED},
        {9, GW_S5_OTHER_REPLY, ECONNREFUSED}, {0xff, GW_S5_OTHER_REPLY, ECONNREFUSED},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        gw_socks5 s;
        to_request(&s);
        /* Decided on the header: the bound address of a failure is never waited for, and
         * bytes after the header are not taken. */
        uint8_t rep[] = {5, cases[i].rep, 0, 1, 0, 0, 0, 0, 0, 0};
        assert_int_equal(gw_s5_input(&s, rep, sizeof(rep)), 4);
        assert_int_equal(s.phase, GW_S5_FAILED);
        assert_int_equal(s.outcome, cases[i].o);
        assert_int_equal(s.rep, cases[i].rep);
        assert_int_equal(gw_s5_errno(cases[i].o), cases[i].err);
    }
    assert_int_equal(gw_s5_errno(GW_S5_TIMEOUT), ETIMEDOUT);
    assert_int_equal(gw_s5_errno(GW_S5_PROXY_DOWN), ECONNREFUSED);
    assert_int_equal(gw_s5_errno(GW_S5_PROTOCOL), ECONNREFUSED);
    assert_string_equal(gw_s5_outcome_name(GW_S5_REFUSED), "Refused");
    assert_string_equal(gw_s5_outcome_name(GW_S5_PROXY_DOWN), "ProxyDown");
}

static void test_truncated(void **state)
{
    (void)state;
    gw_socks5 s;
    /* EOF in every place short of a full reply fails as a protocol error. */
    assert_int_equal(gw_s5_begin(&s, DST4, 4, 80, NULL, NULL), 0);
    const uint8_t *p;
    gw_s5_sent(&s, gw_s5_output(&s, &p));
    static const uint8_t half[] = {5};
    assert_int_equal(gw_s5_input(&s, half, 1), 1);
    gw_s5_eof(&s);
    assert_int_equal(s.phase, GW_S5_FAILED);
    assert_int_equal(s.outcome, GW_S5_PROTOCOL);

    static const uint8_t cut[] = {5, 0, 0, 1, 198, 18, 0, 2, 0x04};
    for (size_t n = 0; n < sizeof(cut); n++) {
        to_request(&s);
        assert_int_equal(gw_s5_input(&s, cut, n), n);
        assert_int_equal(s.phase, GW_S5_REQUEST);
        gw_s5_eof(&s);
        assert_int_equal(s.phase, GW_S5_FAILED);
        assert_int_equal(s.outcome, GW_S5_PROTOCOL);
    }
    /* After the end, EOF changes nothing (the relayed stream's own EOF). */
    to_request(&s);
    static const uint8_t ok[] = {5, 0, 0, 1, 0, 0, 0, 0, 0, 0};
    gw_s5_input(&s, ok, sizeof(ok));
    gw_s5_eof(&s);
    assert_int_equal(s.phase, GW_S5_DONE);
}

static void test_hostile(void **state)
{
    (void)state;
    gw_socks5 s;
    const uint8_t *p;
    static const struct {
        uint8_t b[2];
        gw_s5_outcome o;
    } methods[] = {
        {{4, 0}, GW_S5_PROTOCOL},       /* SOCKS4 */
        {{5, 0xff}, GW_S5_NO_METHOD},   /* nothing acceptable */
        {{5, 2}, GW_S5_PROTOCOL},       /* username/password, never offered here */
        {{5, 1}, GW_S5_PROTOCOL},       /* GSSAPI */
        {{0x48, 0x54}, GW_S5_PROTOCOL}, /* "HTTP/1.1 400": not a SOCKS server */
    };
    for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
        assert_int_equal(gw_s5_begin(&s, DST4, 4, 80, NULL, NULL), 0);
        gw_s5_sent(&s, gw_s5_output(&s, &p));
        assert_int_equal(gw_s5_input(&s, methods[i].b, 2), 2);
        assert_int_equal(s.phase, GW_S5_FAILED);
        assert_int_equal(s.outcome, methods[i].o);
        assert_int_equal(gw_s5_output(&s, &p), 0);
        assert_int_equal(gw_s5_want(&s), 0);
    }
    /* A successful reply with a bad version or an unknown address type. */
    static const uint8_t badver[] = {4, 0, 0, 1};
    static const uint8_t badtype[] = {5, 0, 0, 2, 0, 0, 0, 0, 0, 0};
    to_request(&s);
    assert_int_equal(gw_s5_input(&s, badver, 4), 4);
    assert_int_equal(s.outcome, GW_S5_PROTOCOL);
    to_request(&s);
    assert_int_equal(gw_s5_input(&s, badtype, sizeof(badtype)), 4);
    assert_int_equal(s.phase, GW_S5_FAILED);
    assert_int_equal(s.outcome, GW_S5_PROTOCOL);
    /* The longest domain is the longest reply: everything read stays bounded by it. */
    uint8_t big[GW_S5_MAX_REPLY + 100];
    memset(big, 'a', sizeof(big));
    big[0] = 5;
    big[1] = 0;
    big[2] = 0;
    big[3] = 3;
    big[4] = 255;
    to_request(&s);
    assert_int_equal(gw_s5_input(&s, big, sizeof(big)), GW_S5_MAX_REPLY);
    assert_int_equal(s.phase, GW_S5_DONE);
    assert_int_equal(s.bnd_len, 255);
    assert_int_equal(s.in_total, 2 + GW_S5_MAX_REPLY);
    /* Bytes the proxy sends before being asked are not taken (want is 0 while sending). */
    assert_int_equal(gw_s5_begin(&s, DST4, 4, 80, NULL, NULL), 0);
    static const uint8_t early[] = {5, 0};
    assert_int_equal(gw_s5_input(&s, early, 2), 0);
    assert_int_equal(s.phase, GW_S5_GREET);
}

static void test_auth(void **state)
{
    (void)state;
    gw_socks5 s;
    assert_int_equal(gw_s5_begin(&s, DST4, 4, 80, "user", "secret"), 0);
    static const uint8_t greet[] = {5, 2, 0, 2};
    expect_out(&s, greet, sizeof(greet));
    static const uint8_t choose[] = {5, 2};
    assert_int_equal(gw_s5_input(&s, choose, 2), 2);
    assert_int_equal(s.phase, GW_S5_AUTH);
    static const uint8_t auth[] = {1, 4, 'u', 's', 'e', 'r', 6, 's', 'e', 'c', 'r', 'e', 't'};
    expect_out(&s, auth, sizeof(auth));
    static const uint8_t ok[] = {1, 0};
    assert_int_equal(gw_s5_input(&s, ok, 2), 2);
    assert_int_equal(s.phase, GW_S5_REQUEST);
    static const uint8_t req[] = {5, 1, 0, 1, 198, 18, 0, 1, 0, 80};
    expect_out(&s, req, sizeof(req));

    /* Rejected credentials. */
    assert_int_equal(gw_s5_begin(&s, DST4, 4, 80, "user", "wrong"), 0);
    const uint8_t *p;
    gw_s5_sent(&s, gw_s5_output(&s, &p));
    gw_s5_input(&s, choose, 2);
    gw_s5_sent(&s, gw_s5_output(&s, &p));
    static const uint8_t no[] = {1, 1};
    assert_int_equal(gw_s5_input(&s, no, 2), 2);
    assert_int_equal(s.phase, GW_S5_FAILED);
    assert_int_equal(s.outcome, GW_S5_AUTH_FAILED);
    assert_int_equal(gw_s5_errno(GW_S5_AUTH_FAILED), ECONNREFUSED);

    /* A proxy that wants no authentication though it was offered: straight to CONNECT. */
    assert_int_equal(gw_s5_begin(&s, DST4, 4, 80, "user", "secret"), 0);
    gw_s5_sent(&s, gw_s5_output(&s, &p));
    static const uint8_t none[] = {5, 0};
    gw_s5_input(&s, none, 2);
    expect_out(&s, req, sizeof(req));

    /* What SOCKS5 cannot carry. */
    char longname[257];
    memset(longname, 'n', 256);
    longname[256] = '\0';
    assert_int_equal(gw_s5_begin(&s, DST4, 5, 80, NULL, NULL), -EINVAL);
    assert_int_equal(gw_s5_begin(&s, DST4, 4, 80, "user", NULL), -EINVAL);
    assert_int_equal(gw_s5_begin(&s, DST4, 4, 80, "", "x"), -EINVAL);
    assert_int_equal(gw_s5_begin(&s, DST4, 4, 80, longname, "x"), -EINVAL);
}

/* gw_s5_io against a scripted proxy on a socketpair: it sends, waits, reads exactly the
 * reply, and leaves the destination's first bytes in the socket. */
static void test_io(void **state)
{
    (void)state;
    int sv[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
    gw_socks5 s;
    assert_int_equal(gw_s5_begin(&s, DST4, 4, 8080, NULL, NULL), 0);
    assert_int_equal(gw_s5_events(&s), POLLOUT);
    assert_int_equal(gw_s5_io(&s, sv[0]), 0);
    assert_int_equal(gw_s5_events(&s), POLLIN);
    uint8_t buf[64];
    assert_int_equal(read(sv[1], buf, sizeof(buf)), 3);
    assert_int_equal(write(sv[1], "\x05\x00", 2), 2);
    assert_int_equal(gw_s5_io(&s, sv[0]), 0);
    assert_int_equal(read(sv[1], buf, sizeof(buf)), 10);
    static const uint8_t rep[] = {5, 0, 0, 1, 198, 18, 0, 2, 0x04, 0x38, 'h', 'i'};
    assert_int_equal(write(sv[1], rep, 7), 7); /* a reply in two pieces */
    assert_int_equal(gw_s5_io(&s, sv[0]), 0);
    assert_int_equal(write(sv[1], rep + 7, 5), 5);
    assert_int_equal(gw_s5_io(&s, sv[0]), 1);
    assert_int_equal(s.phase, GW_S5_DONE);
    assert_int_equal(read(sv[0], buf, sizeof(buf)), 2);
    assert_memory_equal(buf, "hi", 2);
    close(sv[1]);
    close(sv[0]);

    /* The proxy closes mid-handshake: ended, a protocol failure (a reset for the client). */
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
    assert_int_equal(gw_s5_begin(&s, DST4, 4, 8080, NULL, NULL), 0);
    assert_int_equal(gw_s5_io(&s, sv[0]), 0);
    assert_int_equal(read(sv[1], buf, sizeof(buf)), 3);
    close(sv[1]);
    assert_int_equal(gw_s5_io(&s, sv[0]), 1);
    assert_int_equal(s.outcome, GW_S5_PROTOCOL);
    close(sv[0]);

    /* ... or resets it (it closed with our greeting unread): the proxy is down. */
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
    assert_int_equal(gw_s5_begin(&s, DST4, 4, 8080, NULL, NULL), 0);
    assert_int_equal(gw_s5_io(&s, sv[0]), 0);
    close(sv[1]);
    assert_int_equal(gw_s5_io(&s, sv[0]), 1);
    assert_int_equal(s.outcome, GW_S5_PROXY_DOWN);
    close(sv[0]);
}

static void test_options(void **state)
{
    (void)state;
    gw_opts o;
    memset(&o, 0, sizeof(o));
    o.ifname = "tap0";
    assert_int_equal(gw_tun_opts_parse(&o, "--tun", NULL), 1);
    assert_int_equal(o.tun, 1);
    assert_string_equal(o.ifname, "tun0");
    assert_int_equal(gw_tun_opts_parse(&o, "--socks5", "198.18.0.2:1080"), 2);
    assert_int_equal(o.socks5_addr, (198u << 24) | (18u << 16) | 2u);
    assert_int_equal(o.socks5_port, 1080);
    static const char *const bad[] = {"198.18.0.2",   "198.18.0.2:",      "198.18.0.2:0",
                                      ":1080",        "198.18.0.2:65536", "198.18.0.2:1x",
                                      "0.0.0.0:1080", "224.0.0.1:1080"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(gw_tun_opts_parse(&o, "--socks5", bad[i]), -1);
    assert_int_equal(gw_tun_opts_parse(&o, "--socks5", NULL), -1);
    /* IPv6 in brackets; the address as connect(2) takes it, either family */
    assert_int_equal(gw_tun_opts_parse(&o, "--socks5", "198.18.0.2:1080"), 2);
    const struct sockaddr_in *sa4 = (const struct sockaddr_in *)&o.socks5_sa;
    assert_int_equal(o.socks5_salen, sizeof(*sa4));
    assert_int_equal(sa4->sin_family, AF_INET);
    assert_int_equal(ntohl(sa4->sin_addr.s_addr), (198u << 24) | (18u << 16) | 2u);
    assert_int_equal(ntohs(sa4->sin_port), 1080);
    assert_int_equal(gw_tun_opts_parse(&o, "--socks5", "[2001:db8::1]:1081"), 2);
    const struct sockaddr_in6 *sa6 = (const struct sockaddr_in6 *)&o.socks5_sa;
    static const uint8_t want6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1};
    assert_int_equal(o.socks5_salen, sizeof(*sa6));
    assert_int_equal(sa6->sin6_family, AF_INET6);
    assert_memory_equal(&sa6->sin6_addr, want6, 16);
    assert_int_equal(ntohs(sa6->sin6_port), 1081);
    assert_int_equal(o.socks5_addr, 0);
    assert_int_equal(o.socks5_port, 1081);
    static const char *const bad6[] = {"2001:db8::1:1080", "[2001:db8::1]",  "[2001:db8::1:1080",
                                       "[::]:1080",        "[ff02::1]:1080", "[198.18.0.2]:1080",
                                       "[]:1080"};
    for (size_t i = 0; i < sizeof(bad6) / sizeof(bad6[0]); i++)
        assert_int_equal(gw_tun_opts_parse(&o, "--socks5", bad6[i]), -1);
    /* a name: its first address, whichever family it is */
    assert_int_equal(gw_tun_opts_parse(&o, "--socks5", "localhost:1082"), 2);
    assert_true((o.socks5_sa.ss_family == AF_INET && o.socks5_salen == sizeof(*sa4) &&
                 ntohs(sa4->sin_port) == 1082) ||
                (o.socks5_sa.ss_family == AF_INET6 && o.socks5_salen == sizeof(*sa6) &&
                 ntohs(sa6->sin6_port) == 1082));
    assert_int_equal(gw_tun_opts_parse(&o, "--mtu", "1500"), 0);
    unsetenv("SYNACK_SOCKS5_PASSWORD");
    assert_int_equal(gw_tun_opts_parse(&o, "--socks5-user", "alice"), -1);
    setenv("SYNACK_SOCKS5_PASSWORD", "pw", 1);
    assert_int_equal(gw_tun_opts_parse(&o, "--socks5-user", ""), -1);
    assert_int_equal(gw_tun_opts_parse(&o, "--socks5-user", "alice"), 2);
    assert_string_equal(o.socks5_user, "alice");
    assert_string_equal(o.socks5_pass, "pw");
    unsetenv("SYNACK_SOCKS5_PASSWORD");
    /* An explicit --ifname stays. */
    memset(&o, 0, sizeof(o));
    o.ifname = "wg9";
    assert_int_equal(gw_tun_opts_parse(&o, "--tun", NULL), 1);
    assert_string_equal(o.ifname, "wg9");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ipv4_reply_leaves_the_stream_alone),
        cmocka_unit_test(test_domain_reply_byte_at_a_time),
        cmocka_unit_test(test_ipv6_forms),
        cmocka_unit_test(test_reply_codes),
        cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_hostile),
        cmocka_unit_test(test_auth),
        cmocka_unit_test(test_io),
        cmocka_unit_test(test_options),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
