/* SPDX-License-Identifier: MIT */
/* TCP_MAXSEG set on a listener is what it accepts announce and send with, as in Linux
 * (the child inherits the listener's user MSS): the SYN-ACK's MSS option carries it, also
 * when the SYN-ACK is a SYN cookie's, and the connection's segments are no larger. */
#include <netinet/in.h>
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

#define LPORT 80
#define PPORT 40000
#define PEER_ISS 5000u

static void run(int cookies, int want_mss, const char *want_flow)
{
    synack_config cfg;
    synack_config_default(&cfg);
    cfg.syncookies = (uint8_t)(cookies ? 2 : 1);
    seghost h;
    sh_init(&h, &cfg);
    int ls = sh_listen(&h, LPORT, 4);
    assert_true(ls >= 0);
    int mss = 1000;
    assert_int_equal(synack_setsockopt(h.st, ls, IPPROTO_TCP, TCP_MAXSEG, &mss, sizeof(mss)), 0);

    tcp_opts o = {0};
    o.has_mss = 1;
    o.mss = 1460;
    size_t mark = h.nout;
    sh_send(&h, PPORT, LPORT, PEER_ISS, 0, TCP_SYN, 65535, NULL, 0, &o);
    assert_int_equal(h.nout, mark + 1);
    const sh_seg *sa = &h.out[mark];
    assert_int_equal(sa->s.flags, TCP_SYN | TCP_ACK);
    assert_true(sa->s.opts.has_mss);
    assert_int_equal(sa->s.opts.mss, 1000);
    uint32_t siss = sa->s.seq;
    sh_send(&h, PPORT, LPORT, PEER_ISS + 1, siss + 1, TCP_ACK, 65535, NULL, 0, NULL);
    int s = synack_accept(h.st, ls, NULL, NULL);
    assert_true(s >= 0);

    int v = 0;
    socklen_t vl = sizeof(v);
    assert_int_equal(synack_getsockopt(h.st, s, IPPROTO_TCP, TCP_MAXSEG, &v, &vl), 0);
    assert_int_equal(v, want_mss);
    int one = 1;
    assert_int_equal(synack_setsockopt(h.st, s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)), 0);
    static char data[2500];
    memset(data, 'm', sizeof(data));
    mark = h.nout;
    assert_int_equal(synack_send(h.st, s, data, sizeof(data), 0), sizeof(data));
    char flow[256];
    sh_flow(&h, mark, flow, sizeof(flow));
    assert_string_equal(flow, want_flow);
    sh_free(&h);
}

static void test_listener_maxseg_reaches_synack_and_connection(void **state)
{
    (void)state;
    run(0, 1000, "./1000|./1000|P./500");
}

static void test_listener_maxseg_reaches_cookie_synack(void **state)
{
    (void)state;
    /* the cookie keeps the largest MSS of its table not above min(1460, 1000), as
     * Linux's does: 536 */
    run(1, 536, "./536|./536|./536|./536|P./356");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_listener_maxseg_reaches_synack_and_connection),
        cmocka_unit_test(test_listener_maxseg_reaches_cookie_synack),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
