/* SPDX-License-Identifier: MIT */
/* A listener with SO_REUSEADDR is closed while a connection it accepted lives on; a new
 * SO_REUSEADDR socket binds and listens on the same port, as Linux allows: the accepted
 * socket inherits the listener's SO_REUSEADDR, and two sockets that both set it share a
 * port as long as neither listens. Without SO_REUSEADDR the port is still in use. */
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "support/fixture.h"
#include "support/pair.h"

static int reuse_socket(synack_stack *st, int reuse)
{
    int s = synack_socket(st, SOCK_STREAM);
    assert_true(s >= 0);
    assert_int_equal(synack_setsockopt(st, s, SOL_SOCKET, SO_REUSEADDR, &reuse, sizeof(reuse)), 0);
    return s;
}

static int bind_port(synack_stack *st, int s, uint16_t port)
{
    struct sockaddr_in sin = pair_sin(0, port);
    return synack_bind(st, s, (struct sockaddr *)&sin, sizeof(sin));
}

static void test_rebind_while_accepted_connection_lives(void **state)
{
    (void)state;
    pair p;
    pair_init(&p, NULL, 1000);
    synack_stack *st = p.st[PAIR_SERVER];
    int ls = reuse_socket(st, 1);
    assert_int_equal(bind_port(st, ls, 80), 0);
    assert_int_equal(synack_listen(st, ls, 4), 0);
    int cs = pair_connect(&p, 80);
    assert_true(cs >= 0);
    pair_run_for(&p, 10000);
    int ss = synack_accept(st, ls, NULL, NULL);
    assert_true(ss >= 0);
    int v = 0;
    socklen_t vl = sizeof(v);
    assert_int_equal(synack_getsockopt(st, ss, SOL_SOCKET, SO_REUSEADDR, &v, &vl), 0);
    assert_int_equal(v, 1); /* inherited from the listener, as Linux's accept() does */
    assert_int_equal(synack_close(st, ls), 0);

    int plain = reuse_socket(st, 0);
    assert_int_equal(bind_port(st, plain, 80), -EADDRINUSE);
    int ns = reuse_socket(st, 1);
    assert_int_equal(bind_port(st, ns, 80), 0);
    assert_int_equal(synack_listen(st, ns, 4), 0);
    /* the accepted connection is untouched and the new listener serves the next client */
    assert_int_equal(fx_tcp_info(st, ss).state, SYNACK_ESTABLISHED);
    int cs2 = pair_connect(&p, 80);
    assert_true(cs2 >= 0);
    pair_run_for(&p, 10000);
    assert_true(synack_accept(st, ns, NULL, NULL) >= 0);
    pair_free(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rebind_while_accepted_connection_lives),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
