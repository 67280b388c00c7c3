/* SPDX-License-Identifier: MIT */
/* The loop helper and readiness: synack_loop_ready() pops the attached stack's ready list,
 * and synack_loop_run_once() does not sleep while sockets are left on it. Two stacks, each
 * on a loop whose "device" is one end of a datagram socket pair (a TUN device carries bare
 * IPv4 packets, one per read or write, as a datagram socket does). */
#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <arpa/inet.h>

#include <cmocka.h>

#include "synack/loop.h"

#define SERVER_ADDR 0xc0000202u /* 192.0.2.2 */
#define CLIENT_ADDR 0xc0000201u /* 192.0.2.1 */

typedef struct side {
    synack_tuntap dev;
    synack_loop *lp;
    synack_stack *st;
} side;

static void side_open(side *s, int fd, uint32_t addr)
{
    memset(s, 0, sizeof(*s));
    s->dev.fd = fd;
    s->dev.type = SYNACK_LINK_IP;
    s->dev.mtu = 1500;
    memcpy(s->dev.name, "pair", 5);
    synack_loop_config lc;
    memset(&lc, 0, sizeof(lc));
    lc.dev = &s->dev;
    s->lp = synack_loop_new(&lc);
    assert_non_null(s->lp);
    synack_config cfg;
    synack_config_default(&cfg);
    synack_loop_netif(s->lp, &cfg.netif);
    cfg.netif.addr = addr;
    cfg.netif.prefix_len = 24;
    s->st = synack_stack_new(&cfg);
    assert_non_null(s->st);
    synack_loop_attach(s->lp, s->st);
}

static void side_close(side *s)
{
    synack_stack_free(s->st);
    synack_loop_free(s->lp);
    close(s->dev.fd);
}

/* A few rounds of both loops, none of them waiting. */
static void spin(side *a, side *b)
{
    for (int i = 0; i < 20; i++) {
        assert_true(synack_loop_run_once(a->lp, 0, NULL, 0) >= 0);
        assert_true(synack_loop_run_once(b->lp, 0, NULL, 0) >= 0);
    }
}

static void test_loop_ready(void **state)
{
    (void)state;
    int sv[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0, sv), 0);
    side srv, cli;
    side_open(&srv, sv[0], SERVER_ADDR);
    side_open(&cli, sv[1], CLIENT_ADDR);

    synack_ready r[4];
    assert_int_equal(synack_loop_ready(NULL, r, 4), -EINVAL);

    int ls = synack_socket(srv.st, SOCK_STREAM);
    struct sockaddr_in a;
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_port = htons(80);
    assert_int_equal(synack_bind(srv.st, ls, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(synack_listen(srv.st, ls, 8), 0);
    int tag;
    assert_int_equal(synack_sock_watch(srv.st, ls, POLLIN, &tag), 0);
    assert_int_equal(synack_loop_ready(srv.lp, r, 4), 0);

    int cs = synack_socket(cli.st, SOCK_STREAM);
    a.sin_addr.s_addr = htonl(SERVER_ADDR);
    assert_int_equal(synack_connect(cli.st, cs, (struct sockaddr *)&a, sizeof(a)), -EINPROGRESS);
    spin(&cli, &srv);

    /* The listener is ready and not popped yet: a round with a long wait returns at once. */
    assert_int_equal(synack_sock_ready_pending(srv.st), 1);
    uint64_t t0 = synack_loop_clock();
    assert_int_equal(synack_loop_run_once(srv.lp, 2000000, NULL, 0), 0);
    assert_true(synack_loop_clock() - t0 < 100000);

    assert_int_equal(synack_loop_ready(srv.lp, r, 4), 1);
    assert_int_equal(r[0].sock, ls);
    assert_int_equal(r[0].revents, POLLIN);
    assert_ptr_equal(r[0].user, &tag);
    assert_int_equal(synack_loop_ready(srv.lp, r, 4), 0);
    assert_true(synack_accept(srv.st, ls, NULL, NULL) >= 0);

    /* Nothing ready: the round waits (here for the 50 ms asked, or an earlier deadline). */
    t0 = synack_loop_clock();
    assert_int_equal(synack_loop_run_once(srv.lp, 50000, NULL, 0), 0);
    assert_true(synack_loop_clock() - t0 >= 1000);

    side_close(&cli);
    side_close(&srv);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_loop_ready),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
