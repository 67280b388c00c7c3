/* SPDX-License-Identifier: MIT */
/* The Fast Open cookie (RFC 7413 4.1.2): SipHash-2-4 of the client's and our address,
 * byte for byte Linux's, so that a stack given a key issues the cookie a Linux server with
 * that key would (the vector is the one Linux's packetdrill suite expects). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "tcp/fastopen_server.h"

/* net.ipv4.tcp_fastopen_key = a1a1a1a1-b2b2b2b2-c3c3c3c3-d4d4d4d4, each word stored
 * little-endian as Linux's proc handler does */
static const uint8_t key[16] = {0xa1, 0xa1, 0xa1, 0xa1, 0xb2, 0xb2, 0xb2, 0xb2,
                                0xc3, 0xc3, 0xc3, 0xc3, 0xd4, 0xd4, 0xd4, 0xd4};

static void test_linux_vector(void **state)
{
    (void)state;
    uint8_t c[TFO_COOKIE_LEN];
    /* client 192.0.2.1 reaching the server at 192.168.0.1: TFO_COOKIE=3021b9d889017eeb */
    tcp_fastopen_cookie(key, 0xc0000201u, 0xc0a80001u, c);
    static const uint8_t want[8] = {0x30, 0x21, 0xb9, 0xd8, 0x89, 0x01, 0x7e, 0xeb};
    assert_memory_equal(c, want, 8);
}

static void test_linux_vector_ipv6(void **state)
{
    (void)state;
    /* packetdrill's IPv6 mode: client fd3d:fa7b:d17d::1 reaching the server at
     * fd3d:a0b:17d6::1 under the same key: TFO_COOKIE=c1d1e9742a47a9bc */
    static const uint8_t client[16] = {0xfd, 0x3d, 0xfa, 0x7b, 0xd1, 0x7d, [15] = 1};
    static const uint8_t server[16] = {0xfd, 0x3d, 0x0a, 0x0b, 0x17, 0xd6, [15] = 1};
    uint8_t c[TFO_COOKIE_LEN];
    tcp_fastopen_cookie6(key, client, server, c);
    static const uint8_t want[8] = {0xc1, 0xd1, 0xe9, 0x74, 0x2a, 0x47, 0xa9, 0xbc};
    assert_memory_equal(c, want, 8);
}

static void test_runner_ipv6_cookie(void **state)
{
    (void)state;
    /* tests/interop/upstream_packetdrill.sh's ipv6 mode plays the scripts between
     * documentation addresses, client 2001:db8::1 and server 2001:db8:1::2, and passes
     * this as TFO_COOKIE: Linux's cookie for them under defaults.sh's key */
    static const uint8_t client[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1};
    static const uint8_t server[16] = {0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01, [15] = 2};
    uint8_t c[TFO_COOKIE_LEN];
    tcp_fastopen_cookie6(key, client, server, c);
    static const uint8_t want[8] = {0xac, 0x1a, 0x5a, 0xa9, 0x28, 0xcb, 0x98, 0xf0};
    assert_memory_equal(c, want, 8);
}

static void test_depends_on_both_addresses(void **state)
{
    (void)state;
    uint8_t a[TFO_COOKIE_LEN], b[TFO_COOKIE_LEN], d[TFO_COOKIE_LEN];
    tcp_fastopen_cookie(key, 0xc0000201u, 0xc0a80001u, a);
    tcp_fastopen_cookie(key, 0xc0000202u, 0xc0a80001u, b);
    tcp_fastopen_cookie(key, 0xc0000201u, 0xc0a80002u, d);
    assert_memory_not_equal(a, b, 8);
    assert_memory_not_equal(a, d, 8);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_linux_vector),
        cmocka_unit_test(test_linux_vector_ipv6),
        cmocka_unit_test(test_runner_ipv6_cookie),
        cmocka_unit_test(test_depends_on_both_addresses),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
