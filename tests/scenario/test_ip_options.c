/* SPDX-License-Identifier: MIT */
/* The IPPROTO_IP options Linux applications set on TCP sockets: IP_TOS (the TOS byte of
 * every segment the connection sends; TCP keeps the ECN field, RFC 3168 6.1.1, so its
 * bits are cleared), IP_MTU_DISCOVER (IP_PMTUDISC_DONT sends without DF), IP_FREEBIND
 * (bind() to an address the stack does not have), IP_TTL (the TTL of every segment and
 * datagram; -1 the default, 64). Values are an int or, as Linux takes them, a single byte. */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/tcp.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "support/fixture.h"
#include "support/seghost.h"
#include "wire/ipv4.h"

static int ip_get(synack_stack *st, int s, int name)
{
    int v = -1;
    socklen_t len = sizeof(v);
    assert_int_equal(synack_getsockopt(st, s, IPPROTO_IP, name, &v, &len), 0);
    assert_int_equal(len, sizeof(int));
    return v;
}

static void test_tos_and_df_in_the_header(void **state)
{
    (void)state;
    seghost h;
    uint32_t b;
    synack_config cfg;
    synack_config_default(&cfg);
    int s = fx_sh_sack_rtt(&h, &cfg, 1000, 10000, &b);
    assert_int_equal(ip_get(h.st, s, IP_TOS), 0);
    assert_int_equal(ip_get(h.st, s, IP_MTU_DISCOVER), IP_PMTUDISC_WANT);
    assert_int_equal(synack_send(h.st, s, "x", 1, 0), 1);
    assert_int_equal(sh_last(&h)->tos, 0);
    assert_int_equal(sh_last(&h)->frag, IPV4_FLAG_DF);

    int v = 0x13; /* DSCP/precedence bits 0x10 and ECN bits 0x03 */
    assert_int_equal(synack_setsockopt(h.st, s, IPPROTO_IP, IP_TOS, &v, sizeof(v)), 0);
    assert_int_equal(ip_get(h.st, s, IP_TOS), 0x10);
    uint8_t dont = IP_PMTUDISC_DONT;
    assert_int_equal(synack_setsockopt(h.st, s, IPPROTO_IP, IP_MTU_DISCOVER, &dont, 1), 0);
    assert_int_equal(ip_get(h.st, s, IP_MTU_DISCOVER), IP_PMTUDISC_DONT);
    assert_int_equal(synack_send(h.st, s, "y", 1, 0), 1);
    assert_int_equal(sh_last(&h)->tos, 0x10);
    assert_int_equal(sh_last(&h)->frag, 0);

    /* a one-byte buffer gets one byte back */
    uint8_t byte = 0;
    socklen_t len = 1;
    assert_int_equal(synack_getsockopt(h.st, s, IPPROTO_IP, IP_TOS, &byte, &len), 0);
    assert_int_equal(len, 1);
    assert_int_equal(byte, 0x10);

    /* back to the defaults; ACKs carry them too */
    v = 0;
    assert_int_equal(synack_setsockopt(h.st, s, IPPROTO_IP, IP_TOS, &v, sizeof(v)), 0);
    v = IP_PMTUDISC_DO;
    assert_int_equal(synack_setsockopt(h.st, s, IPPROTO_IP, IP_MTU_DISCOVER, &v, sizeof(v)), 0);
    sh_send(&h, FX_PEER_PORT, FX_PORT, FX_PEER_ISS + 1, b + 2, TCP_ACK | TCP_PSH, 65535, "z", 1,
            NULL);
    sh_run_for(&h, 100000);
    assert_int_equal(sh_last(&h)->s.flags, TCP_ACK);
    assert_int_equal(sh_last(&h)->tos, 0);
    assert_int_equal(sh_last(&h)->frag, IPV4_FLAG_DF);
    sh_free(&h);
}

static void test_listener_passes_tos_on(void **state)
{
    (void)state;
    seghost h;
    sh_init(&h, NULL);
    int ls = synack_socket(h.st, SOCK_STREAM);
    int v = 0x20;
    assert_int_equal(synack_setsockopt(h.st, ls, IPPROTO_IP, IP_TOS, &v, sizeof(v)), 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(FX_PORT)};
    assert_int_equal(synack_bind(h.st, ls, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(synack_listen(h.st, ls, 4), 0);
    uint32_t iss;
    int s = sh_handshake(&h, ls, FX_PORT, FX_PEER_PORT, FX_PEER_ISS, 65535, &iss);
    assert_true(s >= 0);
    assert_int_equal(h.out[0].s.flags, TCP_SYN | TCP_ACK);
    assert_int_equal(h.out[0].tos, 0x20);
    assert_int_equal(ip_get(h.st, s, IP_TOS), 0x20);
    sh_free(&h);
}

static void test_freebind(void **state)
{
    (void)state;
    seghost h;
    sh_init(&h, NULL);
    int s = synack_socket(h.st, SOCK_STREAM);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(8080)};
    a.sin_addr.s_addr = htonl(0xc6336401); /* 198.51.100.1: not the stack's */
    assert_int_equal(synack_bind(h.st, s, (struct sockaddr *)&a, sizeof(a)), -EADDRNOTAVAIL);
    assert_int_equal(ip_get(h.st, s, IP_FREEBIND), 0);
    int one = 1;
    assert_int_equal(synack_setsockopt(h.st, s, IPPROTO_IP, IP_FREEBIND, &one, sizeof(one)), 0);
    assert_int_equal(ip_get(h.st, s, IP_FREEBIND), 1);
    assert_int_equal(synack_bind(h.st, s, (struct sockaddr *)&a, sizeof(a)), 0);
    struct sockaddr_in got;
    socklen_t len = sizeof(got);
    assert_int_equal(synack_getsockname(h.st, s, (struct sockaddr *)&got, &len), 0);
    assert_int_equal(got.sin_addr.s_addr, a.sin_addr.s_addr);
    sh_free(&h);
}

static void test_ip_option_misuse(void **state)
{
    (void)state;
    seghost h;
    sh_init(&h, NULL);
    int s = synack_socket(h.st, SOCK_STREAM);
    int v = 6; /* past IP_PMTUDISC_OMIT */
    assert_int_equal(synack_setsockopt(h.st, s, IPPROTO_IP, IP_MTU_DISCOVER, &v, sizeof(v)),
                     -EINVAL);
    v = -1;
    assert_int_equal(synack_setsockopt(h.st, s, IPPROTO_IP, IP_MTU_DISCOVER, &v, sizeof(v)),
                     -EINVAL);
    assert_int_equal(synack_setsockopt(h.st, s, IPPROTO_IP, IP_TOS, &v, 0), -EINVAL);
    assert_int_equal(synack_setsockopt(h.st, s, IPPROTO_IP, IP_TOS, NULL, sizeof(v)), -EINVAL);
    assert_int_equal(synack_setsockopt(h.st, s, IPPROTO_IP, IP_OPTIONS, &v, sizeof(v)),
                     -ENOPROTOOPT);
    socklen_t len = sizeof(v);
    assert_int_equal(synack_getsockopt(h.st, s, IPPROTO_IP, IP_OPTIONS, &v, &len), -ENOPROTOOPT);
    len = 0;
    assert_int_equal(synack_getsockopt(h.st, s, IPPROTO_IP, IP_TOS, &v, &len), -EINVAL);
    sh_free(&h);
}

/* IP_TTL: Linux's range (1..255, -1 the default) and errnos; the TTL byte of a
 * connection's segments, of what a listener's connections send, and of UDP datagrams. */
static void test_ttl(void **state)
{
    (void)state;
    seghost h;
    uint32_t b;
    synack_config cfg;
    synack_config_default(&cfg);
    int s = fx_sh_sack_rtt(&h, &cfg, 1000, 10000, &b);
    assert_int_equal(SYNACK_IP_TTL, IP_TTL);
    assert_int_equal(ip_get(h.st, s, IP_TTL), 64);
    assert_int_equal(synack_send(h.st, s, "x", 1, 0), 1);
    assert_int_equal(sh_last(&h)->ttl, 64);
    int v = 7;
    assert_int_equal(synack_setsockopt(h.st, s, IPPROTO_IP, IP_TTL, &v, sizeof(v)), 0);
    assert_int_equal(ip_get(h.st, s, IP_TTL), 7);
    assert_int_equal(synack_send(h.st, s, "y", 1, 0), 1);
    assert_int_equal(sh_last(&h)->ttl, 7);
    uint8_t byte = 255; /* one byte, as Linux takes it */
    assert_int_equal(synack_setsockopt(h.st, s, IPPROTO_IP, IP_TTL, &byte, 1), 0);
    assert_int_equal(ip_get(h.st, s, IP_TTL), 255);
    static const int bad[] = {0, 256, -2};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(synack_setsockopt(h.st, s, IPPROTO_IP, IP_TTL, &bad[i], sizeof(int)),
                         -EINVAL);
    byte = 0;
    assert_int_equal(synack_setsockopt(h.st, s, IPPROTO_IP, IP_TTL, &byte, 1), -EINVAL);
    assert_int_equal(synack_setsockopt(h.st, s, IPPROTO_IP, IP_TTL, &v, 0), -EINVAL);
    assert_int_equal(ip_get(h.st, s, IP_TTL), 255);
    assert_int_equal(synack_send(h.st, s, "z", 1, 0), 1);
    assert_int_equal(sh_last(&h)->ttl, 255);
    v = -1;
    assert_int_equal(synack_setsockopt(h.st, s, IPPROTO_IP, IP_TTL, &v, sizeof(v)), 0);
    assert_int_equal(ip_get(h.st, s, IP_TTL), 64);
    assert_int_equal(synack_send(h.st, s, "w", 1, 0), 1);
    assert_int_equal(sh_last(&h)->ttl, 64);
    /* IPPROTO_IPV6's hop limit is not an IPv4 socket's */
    assert_int_equal(
        synack_setsockopt(h.st, s, SYNACK_IPPROTO_IPV6, SYNACK_IPV6_UNICAST_HOPS, &v, sizeof(v)),
        -ENOPROTOOPT);

    /* UDP: the datagram's TTL (byte 8 of the IPv4 header on this IP link) */
    int u = synack_socket(h.st, SOCK_DGRAM);
    assert_true(u >= 0);
    v = 3;
    assert_int_equal(synack_setsockopt(h.st, u, IPPROTO_IP, IP_TTL, &v, sizeof(v)), 0);
    assert_int_equal(ip_get(h.st, u, IP_TTL), 3);
    struct sockaddr_in to = pair_sin(SH_PEER, 9);
    h.other_len = 0;
    assert_int_equal(synack_sendto(h.st, u, "d", 1, 0, (struct sockaddr *)&to, sizeof(to)), 1);
    assert_int_equal(h.other_len, IPV4_HDR_LEN + 8 + 1);
    assert_int_equal(h.other[9], IPPROTO_UDP);
    assert_int_equal(h.other[8], 3);
    sh_free(&h);

    /* a listener's TTL is its connections' from the SYN-ACK on */
    sh_init(&h, NULL);
    int ls = synack_socket(h.st, SOCK_STREAM);
    v = 9;
    assert_int_equal(synack_setsockopt(h.st, ls, IPPROTO_IP, IP_TTL, &v, sizeof(v)), 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(FX_PORT)};
    assert_int_equal(synack_bind(h.st, ls, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(synack_listen(h.st, ls, 4), 0);
    uint32_t iss;
    s = sh_handshake(&h, ls, FX_PORT, FX_PEER_PORT, FX_PEER_ISS, 65535, &iss);
    assert_true(s >= 0);
    assert_int_equal(h.out[0].s.flags, TCP_SYN | TCP_ACK);
    assert_int_equal(h.out[0].ttl, 9);
    assert_int_equal(ip_get(h.st, s, IP_TTL), 9);
    sh_free(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tos_and_df_in_the_header),
        cmocka_unit_test(test_listener_passes_tos_on),
        cmocka_unit_test(test_freebind),
        cmocka_unit_test(test_ip_option_misuse),
        cmocka_unit_test(test_ttl),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
