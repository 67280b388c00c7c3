/* SPDX-License-Identifier: MIT */
/* The IPPROTO_IP options Linux applications set on TCP sockets: IP_TOS (the TOS byte of
 * every segment the connection sends; TCP keeps the ECN field, RFC 3168 6.1.1, so its
 * bits are cleared), IP_MTU_DISCOVER (IP_PMTUDISC_DONT sends without DF), IP_FREEBIND
 * (bind() to an address the stack does not have). Values are an int or, as Linux takes
 * them, a single byte. */
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
    assert_int_equal(synack_setsockopt(h.st, s, IPPROTO_IP, IP_TTL, &v, sizeof(v)), -ENOPROTOOPT);
    socklen_t len = sizeof(v);
    assert_int_equal(synack_getsockopt(h.st, s, IPPROTO_IP, IP_TTL, &v, &len), -ENOPROTOOPT);
    len = 0;
    assert_int_equal(synack_getsockopt(h.st, s, IPPROTO_IP, IP_TOS, &v, &len), -EINVAL);
    sh_free(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tos_and_df_in_the_header),
        cmocka_unit_test(test_listener_passes_tos_on),
        cmocka_unit_test(test_freebind),
        cmocka_unit_test(test_ip_option_misuse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
