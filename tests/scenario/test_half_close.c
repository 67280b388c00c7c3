/* SPDX-License-Identifier: MIT */
/* Half-close (RFC 9293 3.6: "a TCP connection ... may be half-closed"): the client
 * shuts down writing, its FIN is acknowledged, and data keeps flowing from the server to
 * the client in FIN-WAIT-2 until the server closes too. */
#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "support/fixture.h"
#include "support/pair.h"
#include "wire/tcp_wire.h"

#define DELAY 1000

static void test_shutdown_wr_data_other_way(void **state)
{
    (void)state;
    pair p;
    int cs;
    int ss = fx_established(&p, NULL, DELAY, &cs);
    synack_stack *cst = p.st[PAIR_CLIENT], *sst = p.st[PAIR_SERVER];
    uint32_t c_nxt = p.segs[2].s.seq, s_nxt = p.segs[2].s.ack;

    size_t mark = p.nsegs;
    uint64_t t1 = p.now;
    assert_int_equal(synack_shutdown(cst, cs, SHUT_WR), 0);
    /* RFC 9293 3.10.4: after CLOSE (here, of the sending half) SEND is an error */
    assert_int_equal(synack_send(cst, cs, "x", 1, 0), -EPIPE);
    assert_int_equal(fx_poll(cst, cs, POLLIN | POLLOUT), 0);
    pair_run_until(&p, t1 + 100000);
    fx_assert_flow(&p, mark, "C:F.|S:.");
    assert_int_equal(p.segs[mark].s.seq, c_nxt);
    assert_int_equal(p.segs[mark + 1].s.ack, c_nxt + 1);
    assert_int_equal(pair_sock_state(&p, PAIR_CLIENT, cs), SYNACK_FIN_WAIT_2);
    assert_int_equal(pair_sock_state(&p, PAIR_SERVER, ss), SYNACK_CLOSE_WAIT);

    char buf[8192];
    assert_int_equal(synack_recv(sst, ss, buf, sizeof(buf), 0), 0);
    assert_int_equal(fx_poll(sst, ss, POLLIN | POLLOUT | POLLRDHUP), POLLIN | POLLOUT | POLLRDHUP);

    /* The server still writes: 5000 bytes in four segments (MSS 1448) */
    uint8_t data[5000];
    for (size_t i = 0; i < sizeof(data); i++)
        data[i] = (uint8_t)(i * 7 + 3);
    mark = p.nsegs;
    assert_int_equal(synack_send(sst, ss, data, sizeof(data), 0), (ssize_t)sizeof(data));
    pair_run_for(&p, 200000);
    uint32_t got = 0;
    for (size_t i = mark; i < p.nsegs; i++) {
        const pair_seg *s = &p.segs[i];
        if (s->from == PAIR_SERVER) {
            assert_int_equal(s->s.seq, s_nxt + got);
            assert_int_equal(s->s.ack, c_nxt + 1); /* the client's FIN stays acknowledged */
            got += s->s.len;
        } else {
            /* the client in FIN-WAIT-2 acknowledges from past its FIN */
            assert_int_equal(s->s.flags, TCP_ACK);
            assert_int_equal(s->s.seq, c_nxt + 1);
            assert_int_equal(s->s.len, 0);
        }
    }
    assert_int_equal(got, sizeof(data));
    assert_int_equal(pair_count_segs(&p, mark, PAIR_SERVER), 4);
    size_t last_c = mark;
    for (size_t i = mark; i < p.nsegs; i++)
        if (p.segs[i].from == PAIR_CLIENT)
            last_c = i;
    assert_int_equal(p.segs[last_c].s.ack, s_nxt + sizeof(data));
    assert_int_equal(fx_poll(cst, cs, POLLIN | POLLOUT), POLLIN);
    assert_int_equal(synack_recv(cst, cs, buf, sizeof(buf), 0), (ssize_t)sizeof(data));
    assert_memory_equal(buf, data, sizeof(data));
    assert_int_equal(synack_recv(cst, cs, buf, sizeof(buf), 0), -EAGAIN);

    /* A half-closed socket the application still holds stays in FIN-WAIT-2 for as long
     * as the peer keeps its half open: the FIN-WAIT-2 limit is for orphans only. */
    pair_run_for(&p, 120000000);
    assert_int_equal(pair_sock_state(&p, PAIR_CLIENT, cs), SYNACK_FIN_WAIT_2);

    /* The server finishes: last bytes and its FIN; the client reads them, then EOF. */
    mark = p.nsegs;
    assert_int_equal(synack_send(sst, ss, "bye", 3, 0), 3);
    assert_int_equal(synack_close(sst, ss), 0);
    pair_run_for(&p, 100000);
    assert_int_equal(pair_sock_state(&p, PAIR_CLIENT, cs), SYNACK_TIME_WAIT);
    assert_int_equal(pair_count_state(&p, PAIR_SERVER, SYNACK_LAST_ACK), 0);
    assert_int_equal(synack_recv(cst, cs, buf, sizeof(buf), 0), 3);
    assert_memory_equal(buf, "bye", 3);
    assert_int_equal(synack_recv(cst, cs, buf, sizeof(buf), 0), 0);
    short ev = fx_poll(cst, cs, POLLIN | POLLOUT | POLLRDHUP);
    assert_true(ev & POLLIN);
    assert_true(ev & POLLRDHUP);
    assert_true(ev & POLLHUP);
    assert_false(ev & POLLOUT);
    /* the client's last ACK acknowledges the data and the FIN */
    const pair_seg *last = &p.segs[p.nsegs - 1];
    assert_int_equal(last->from, PAIR_CLIENT);
    assert_int_equal(last->s.flags, TCP_ACK);
    assert_int_equal(last->s.ack, s_nxt + sizeof(data) + 3 + 1);
    assert_int_equal(synack_close(cst, cs), 0);
    assert_int_equal(pair_count_state(&p, PAIR_CLIENT, SYNACK_TIME_WAIT), 1);
    pair_free(&p);
}

/* shutdown(SHUT_RD): reads end at once; the connection itself goes on. */
static void test_shutdown_rd(void **state)
{
    (void)state;
    pair p;
    int cs;
    int ss = fx_established(&p, NULL, DELAY, &cs);
    size_t mark = p.nsegs;
    assert_int_equal(synack_shutdown(p.st[PAIR_SERVER], ss, SHUT_RD), 0);
    pair_run_for(&p, 100000);
    assert_int_equal(p.nsegs, mark); /* nothing is sent for SHUT_RD */
    char buf[8];
    assert_int_equal(synack_recv(p.st[PAIR_SERVER], ss, buf, sizeof(buf), 0), 0);
    assert_int_equal(synack_send(p.st[PAIR_SERVER], ss, "ok", 2, 0), 2);
    pair_run_for(&p, 100000);
    assert_int_equal(synack_recv(p.st[PAIR_CLIENT], cs, buf, sizeof(buf), 0), 2);
    assert_int_equal(pair_sock_state(&p, PAIR_SERVER, ss), SYNACK_ESTABLISHED);
    pair_free(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shutdown_wr_data_other_way),
        cmocka_unit_test(test_shutdown_rd),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
