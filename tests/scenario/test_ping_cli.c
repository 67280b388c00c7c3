/* SPDX-License-Identifier: MIT */
/* `synack ping`'s command line ($SYNACK_BIN): every mistake is a usage error, exit 2 with
 * nothing on stdout and a message naming what is wanted, found before any device is
 * opened; --help documents the iputils options and the default count that keeps a run
 * bounded. (Pinging the kernel over TAP is tests/interop/ping.sh and tools_ipv6.sh.)
 * Skipped without SYNACK_BIN. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "support/proc.h"

static const char *bin; /* $SYNACK_BIN */

static void test_usage_errors(void **state)
{
    (void)state;
    if (!bin)
        skip();
    static const struct {
        const char *argv[10];
        const char *err; /* part of stderr */
    } cases[] = {
        {{"ping", "--tun", "t0", "--addr", "192.0.2.2/24"}, "whom? (DEST)"},
        {{"ping", "--tun", "t0", "--addr", "192.0.2.2/24", "-c", "0", "192.0.2.1"},
         "-c wants a number from 1 to 65535"},
        {{"ping", "--tun", "t0", "--addr", "192.0.2.2/24", "-c", "many", "192.0.2.1"},
         "-c wants a number"},
        {{"ping", "--tun", "t0", "--addr", "192.0.2.2/24", "-c1.5", "192.0.2.1"},
         "-c wants a whole number"},
        {{"ping", "--tun", "t0", "--addr", "192.0.2.2/24", "-i", "0.001", "192.0.2.1"},
         "-i wants a number from 0.01 to 60"},
        {{"ping", "--tun", "t0", "--addr", "192.0.2.2/24", "-s", "70000", "192.0.2.1"},
         "-s wants a number from 0 to 65519"},
        {{"ping", "--tun", "t0", "--addr", "192.0.2.2/24", "-s", "65500", "192.0.2.1"},
         "more than an IPv4 datagram holds"},
        {{"ping", "--tun", "t0", "--addr", "192.0.2.2/24", "-W", "0", "192.0.2.1"},
         "-W wants a number from 0.1 to 60"},
        {{"ping", "--tun", "t0", "--addr", "192.0.2.2/24", "192.0.2.1", "-c"}, "-c needs a value"},
        {{"ping", "--tun", "t0", "--addr", "192.0.2.2/24", "-6", "192.0.2.1"},
         "-6 wants an IPv6 DEST"},
        {{"ping", "--tun", "t0", "--addr6", "2001:db8::2/64", "-4", "2001:db8::1"},
         "-4 wants an IPv4 DEST"},
        {{"ping", "--tun", "t0", "--addr", "192.0.2.2/24", "-4", "-6", "192.0.2.1"},
         "-4 or -6, not both"},
        {{"ping", "--tun", "t0", "--addr", "192.0.2.2/24", "2001:db8::1"}, "--addr6 A/LEN"},
        {{"ping", "--tun", "t0", "--addr6", "2001:db8::2/64", "192.0.2.1"}, "--addr A/LEN"},
        {{"ping", "--tun", "t0", "--addr", "192.0.2.2/24", "example.org"},
         "DEST wants an IPv4 or IPv6 address"},
        {{"ping", "--tun", "t0", "--addr", "192.0.2.2/24", "192.0.2.1", "192.0.2.3"},
         "unexpected argument '192.0.2.3'"},
        {{"ping", "--addr", "192.0.2.2/24", "192.0.2.1"}, "which device?"},
        {{"ping", "--tun", "t0", "192.0.2.1"}, "which address?"},
        {{"ping", "--tun", "t0", "--addr", "192.0.2.2/24", "-x", "192.0.2.1"},
         "unknown option '-x'"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *argv[12] = {(char *)bin};
        for (size_t k = 0; k < 10 && cases[i].argv[k]; k++)
            argv[k + 1] = (char *)cases[i].argv[k];
        proc_out r;
        assert_int_equal(proc_run(argv, &r), 0);
        if (r.status != 2 || !strstr(r.err, cases[i].err) || r.len)
            print_error("case %zu: exit %d, stdout '%.60s', stderr '%s'\n", i, r.status, r.out,
                        r.err);
        free(r.out);
        assert_int_equal(r.status, 2);
        assert_non_null(strstr(r.err, cases[i].err));
        assert_int_equal(r.len, 0);
    }
}

static void test_help(void **state)
{
    (void)state;
    if (!bin)
        skip();
    char *argv[] = {(char *)bin, "ping", "--help", NULL};
    proc_out r;
    assert_int_equal(proc_run(argv, &r), 0);
    assert_int_equal(r.status, 0);
    assert_string_equal(r.err, "");
    const char *want[] = {
        "usage: synack ping [-4|-6] [-c COUNT] [-i INTERVAL] [-s SIZE] [-W TIMEOUT]",
        "default 4: never endless", "--addr6 A/LEN", "--tap IF",
        "Exit status 0 when a reply came, 1 when none did, 2 on a usage",
        /* iputils' reply line, the TTL (IPv6: hop limit) included */
        "64 bytes from 192.0.2.1: icmp_seq=1 ttl=64 time=0.123 ms"};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        if (!strstr(r.out, want[i]))
            print_error("--help lacks '%s':\n%s\n", want[i], r.out);
        assert_non_null(strstr(r.out, want[i]));
    }
    assert_null(strstr(r.out, "no ttl="));
    free(r.out);
}

int main(void)
{
    bin = getenv("SYNACK_BIN");
    if (bin && !*bin)
        bin = NULL;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_usage_errors),
        cmocka_unit_test(test_help),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
