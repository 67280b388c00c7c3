/* SPDX-License-Identifier: MIT */
/* Input the socket calls used to accept silently: listen() without bind() binds an
 * ephemeral port as BSD and Linux do (and getsockname shows it); recv(MSG_OOB) without
 * urgent data is -EINVAL (test_urgent.c), unknown flag bits -EINVAL, neither queueing nor
 * consuming anything; unknown options and levels are -ENOPROTOOPT whatever their length,
 * and a known option with a wrong length -EINVAL. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "support/fixture.h"
#include "support/pair.h"

#define SA(x) ((struct sockaddr *)&(x))

static void test_listen_without_bind_picks_ephemeral_port(void **state)
{
    (void)state;
    pair p;
    pair_init(&p, NULL, 1000);
    synack_stack *srv = p.st[PAIR_SERVER];
    int ls = synack_socket(srv, SOCK_STREAM);
    assert_int_equal(synack_listen(srv, ls, 4), 0);
    struct sockaddr_in a;
    socklen_t len = sizeof(a);
    assert_int_equal(synack_getsockname(srv, ls, SA(a), &len), 0);
    assert_int_equal(len, sizeof(a));
    assert_int_equal(a.sin_family, AF_INET);
    assert_int_equal(ntohl(a.sin_addr.s_addr), 0); /* any address, as Linux */
    uint16_t port = ntohs(a.sin_port);
    assert_in_range(port, 49152, 65535); /* the default ephemeral range */
    /* a second listener gets another port */
    int ls2 = synack_socket(srv, SOCK_STREAM);
    assert_int_equal(synack_listen(srv, ls2, 4), 0);
    struct sockaddr_in b;
    len = sizeof(b);
    assert_int_equal(synack_getsockname(srv, ls2, SA(b), &len), 0);
    assert_int_not_equal(ntohs(b.sin_port), port);
    /* and it really listens there */
    int cs = synack_socket(p.st[PAIR_CLIENT], SOCK_STREAM);
    struct sockaddr_in to = pair_sin(PAIR_SERVER_ADDR, port);
    assert_int_equal(synack_connect(p.st[PAIR_CLIENT], cs, SA(to), sizeof(to)), -EINPROGRESS);
    pair_run_for(&p, 10000);
    assert_true(synack_accept(srv, ls, NULL, NULL) >= 0);
    assert_int_equal(pair_sock_state(&p, PAIR_CLIENT, cs), SYNACK_ESTABLISHED);
    pair_free(&p);
}

static void test_msg_oob_and_unknown_flags(void **state)
{
    (void)state;
    pair p;
    int cs;
    int ss = fx_established(&p, NULL, 1000, &cs);
    synack_stack *cli = p.st[PAIR_CLIENT], *srv = p.st[PAIR_SERVER];
    uint64_t out = synack_counter_get(cli, SYNACK_CTR_OutSegs);
    assert_int_equal(synack_send(cli, cs, "x", 1, 0x40000000), -EINVAL);
    assert_int_equal(synack_send(cli, cs, "x", 1, MSG_PEEK), -EINVAL); /* a recv flag */
    assert_int_equal(synack_send(cli, cs, "x", 1, MSG_WAITALL), -EINVAL);
    assert_int_equal(synack_counter_get(cli, SYNACK_CTR_OutSegs), out); /* nothing queued */
    synack_tcp_info info;
    socklen_t len = sizeof(info);
    assert_int_equal(synack_getsockopt(cli, cs, IPPROTO_TCP, SYNACK_TCP_INFO, &info, &len), 0);
    assert_int_equal(info.unacked, 0);

    /* the supported flags still work */
    assert_int_equal(synack_send(cli, cs, "abc", 3, MSG_DONTWAIT | MSG_NOSIGNAL), 3);
    pair_run_for(&p, 100000);
    char buf[8];
    assert_int_equal(synack_recv(srv, ss, buf, sizeof(buf), MSG_OOB), -EINVAL); /* none */
    assert_int_equal(synack_recv(srv, ss, buf, sizeof(buf), MSG_WAITALL), -EINVAL);
    assert_int_equal(synack_recv(srv, ss, buf, sizeof(buf), 0x40000000), -EINVAL);
    assert_int_equal(synack_recv(srv, ss, buf, sizeof(buf), MSG_PEEK | MSG_DONTWAIT), 3);
    assert_int_equal(synack_recv(srv, ss, buf, sizeof(buf), MSG_DONTWAIT), 3); /* still all there */
    assert_memory_equal(buf, "abc", 3);
    /* flags are checked after the socket id */
    assert_int_equal(synack_send(cli, 999, "x", 1, MSG_OOB), -EBADF);
    assert_int_equal(synack_recv(srv, 999, buf, 1, MSG_OOB), -EBADF);
    pair_free(&p);
}

static void test_unknown_options_and_lengths(void **state)
{
    (void)state;
    pair p;
    pair_init(&p, NULL, 1000);
    synack_stack *st = p.st[PAIR_CLIENT];
    int s = synack_socket(st, SOCK_STREAM);
    int v = 1;
    socklen_t len = sizeof(v);
    /* unknown names and levels: -ENOPROTOOPT, whatever the length */
    assert_int_equal(synack_setsockopt(st, s, SOL_SOCKET, SO_BROADCAST, &v, sizeof(v)),
                     -ENOPROTOOPT);
    assert_int_equal(synack_setsockopt(st, s, SOL_SOCKET, 0x7777, NULL, 0), -ENOPROTOOPT);
    assert_int_equal(synack_setsockopt(st, s, IPPROTO_TCP, TCP_DEFER_ACCEPT, &v, 1), -ENOPROTOOPT);
    assert_int_equal(synack_setsockopt(st, s, IPPROTO_IP, IP_OPTIONS, &v, sizeof(v)), -ENOPROTOOPT);
    assert_int_equal(synack_setsockopt(st, s, 12345, 1, NULL, 0), -ENOPROTOOPT);
    assert_int_equal(synack_setsockopt(st, s, SOL_SOCKET, SO_TYPE, &v, sizeof(v)),
                     -ENOPROTOOPT); /* read-only */
    assert_int_equal(synack_getsockopt(st, s, SOL_SOCKET, SO_BROADCAST, &v, &len), -ENOPROTOOPT);
    assert_int_equal(synack_getsockopt(st, s, IPPROTO_IP, IP_OPTIONS, &v, &len), -ENOPROTOOPT);
    assert_int_equal(synack_getsockopt(st, s, 12345, 1, &v, &len), -ENOPROTOOPT);
    /* known options with a wrong length: -EINVAL, and nothing changes */
    assert_int_equal(synack_setsockopt(st, s, IPPROTO_TCP, TCP_NODELAY, &v, 2), -EINVAL);
    assert_int_equal(synack_setsockopt(st, s, SOL_SOCKET, SO_KEEPALIVE, &v, 0), -EINVAL);
    struct linger lg = {1, 0};
    assert_int_equal(synack_setsockopt(st, s, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg) - 1), -EINVAL);
    len = 2;
    assert_int_equal(synack_getsockopt(st, s, IPPROTO_TCP, TCP_NODELAY, &v, &len), -EINVAL);
    synack_tcp_info info;
    /* one byte short of the struct as first published (it ended at segs_in) */
    len = offsetof(synack_tcp_info, segs_in) + sizeof(info.segs_in) - 1;
    assert_int_equal(synack_getsockopt(st, s, IPPROTO_TCP, SYNACK_TCP_INFO, &info, &len), -EINVAL);
    len = sizeof(v);
    v = 7;
    assert_int_equal(synack_getsockopt(st, s, IPPROTO_TCP, TCP_NODELAY, &v, &len), 0);
    assert_int_equal(v, 0);
    assert_int_equal(synack_getsockopt(st, s, SOL_SOCKET, SO_KEEPALIVE, &v, &len), 0);
    assert_int_equal(v, 0);
    pair_free(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_listen_without_bind_picks_ephemeral_port),
        cmocka_unit_test(test_msg_oob_and_unknown_flags),
        cmocka_unit_test(test_unknown_options_and_lengths),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
