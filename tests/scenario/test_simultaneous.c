/* SPDX-License-Identifier: MIT */
/* Simultaneous open (RFC 9293 3.5, Figure 8) and simultaneous close (RFC 9293 3.6,
 * Figure 13): both sides act at the same instant and their segments cross. */
#include <arpa/inet.h>
#include <errno.h>
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

/* Each host binds a fixed port and connects to the other's at t = 0. */
static void open_simultaneously(pair *p, int sock[2])
{
    const uint32_t addr[2] = {PAIR_CLIENT_ADDR, PAIR_SERVER_ADDR};
    const uint16_t port[2] = {5000, 6000};
    for (int h = 0; h < 2; h++) {
        sock[h] = synack_socket(p->st[h], SOCK_STREAM);
        assert_true(sock[h] >= 0);
        struct sockaddr_in me = pair_sin(0, port[h]);
        assert_int_equal(synack_bind(p->st[h], sock[h], (struct sockaddr *)&me, sizeof(me)), 0);
    }
    for (int h = 0; h < 2; h++) {
        struct sockaddr_in to = pair_sin(addr[1 - h], port[1 - h]);
        assert_int_equal(synack_connect(p->st[h], sock[h], (struct sockaddr *)&to, sizeof(to)),
                         -EINPROGRESS);
    }
}

static void test_simultaneous_open(void **state)
{
    (void)state;
    pair p;
    pair_init(&p, NULL, DELAY);
    int sock[2];
    open_simultaneously(&p, sock);
    pair_run_until(&p, 100000);

    /* Both SYNs cross; each side, in SYN-SENT, gets a SYN without ACK, moves to
     * SYN-RECEIVED and answers <SEQ=ISS><ACK=IRS+1><CTL=SYN,ACK>. Each SYN-ACK then meets
     * a SYN-RECEIVED side that already has the SYN: it is trimmed off (RFC 9293 3.10.7.4),
     * and the ACK completes the open — RFC 9293 Figure 7, four segments in all. */
    fx_assert_flow(&p, 0, "C:S|S:S|C:S.|S:S.");
    assert_int_equal(pair_count_state(&p, PAIR_CLIENT, SYNACK_ESTABLISHED), 1);
    assert_int_equal(pair_count_state(&p, PAIR_SERVER, SYNACK_ESTABLISHED), 1);
    uint32_t iss[2];
    iss[p.segs[0].from] = p.segs[0].s.seq;
    iss[p.segs[1].from] = p.segs[1].s.seq;
    for (size_t i = 2; i < 4; i++) {
        const pair_seg *s = &p.segs[i];
        int h = s->from;
        if (s->s.flags & TCP_SYN)
            assert_int_equal(s->s.seq, iss[h]);
        else
            assert_int_equal(s->s.seq, iss[h] + 1);
        assert_int_equal(s->s.ack, iss[1 - h] + 1);
        assert_int_equal(s->s.len, 0);
    }
    assert_true(p.segs[2].s.has_mss && p.segs[3].s.has_mss);
    for (int h = 0; h < 2; h++) {
        assert_int_equal(pair_transition_time(&p, h, SYNACK_CLOSED, SYNACK_SYN_SENT), 0);
        assert_int_equal(pair_transition_time(&p, h, SYNACK_SYN_SENT, SYNACK_SYN_RECEIVED), DELAY);
        assert_int_equal(pair_transition_time(&p, h, SYNACK_SYN_RECEIVED, SYNACK_ESTABLISHED),
                         2 * DELAY);
        assert_int_equal(pair_sock_state(&p, h, sock[h]), SYNACK_ESTABLISHED);
        assert_int_equal(synack_counter_get(p.st[h], SYNACK_CTR_OutRsts), 0);
        assert_int_equal(synack_counter_get(p.st[h], SYNACK_CTR_ActiveOpens), 1);
        assert_int_equal(synack_counter_get(p.st[h], SYNACK_CTR_CurrEstab), 1);
    }

    /* and the connection works both ways */
    assert_int_equal(synack_send(p.st[0], sock[0], "ping", 4, 0), 4);
    assert_int_equal(synack_send(p.st[1], sock[1], "pong", 4, 0), 4);
    pair_run_for(&p, 100000);
    char buf[8];
    assert_int_equal(synack_recv(p.st[1], sock[1], buf, sizeof(buf), 0), 4);
    assert_memory_equal(buf, "ping", 4);
    assert_int_equal(synack_recv(p.st[0], sock[0], buf, sizeof(buf), 0), 4);
    assert_memory_equal(buf, "pong", 4);
    pair_free(&p);
}

/* simopen_dsack (linux_profile): each side answers the crossing SYN-ACK, whose SYN it
 * already has, with an ACK at once reporting that SYN in a D-SACK block, as Linux does. */
static void test_simultaneous_open_dsack(void **state)
{
    (void)state;
    synack_config cfg;
    synack_config_default(&cfg);
    cfg.simopen_dsack = 1;
    pair p;
    pair_init(&p, &cfg, DELAY);
    int sock[2];
    open_simultaneously(&p, sock);
    pair_run_until(&p, 100000);
    fx_assert_flow(&p, 0, "C:S|S:S|C:S.|S:S.|C:.|S:.");
    uint32_t iss[2];
    iss[p.segs[0].from] = p.segs[0].s.seq;
    iss[p.segs[1].from] = p.segs[1].s.seq;
    for (size_t i = 4; i < 6; i++) {
        const pair_seg *s = &p.segs[i];
        int h = s->from;
        assert_int_equal(s->t, 2 * DELAY);
        assert_int_equal(s->s.seq, iss[h] + 1);
        assert_int_equal(s->s.ack, iss[1 - h] + 1);
        assert_int_equal(s->s.nsack, 1);
        assert_int_equal(s->s.sack[0][0], iss[1 - h]); /* the repeated SYN */
        assert_int_equal(s->s.sack[0][1], iss[1 - h] + 1);
        assert_int_equal(synack_counter_get(p.st[h], SYNACK_CTR_TCPDSACKOldSent), 1);
        assert_int_equal(pair_sock_state(&p, h, sock[h]), SYNACK_ESTABLISHED);
    }
    pair_free(&p);

    synack_config_default(&cfg); /* the linux profile sets it */
    cfg.linux_profile = 1;
    pair_init(&p, &cfg, DELAY);
    open_simultaneously(&p, sock);
    pair_run_until(&p, 100000);
    fx_assert_flow(&p, 0, "C:S|S:S|C:S.|S:S.|C:.|S:.");
    pair_free(&p);
}

/* Both sides close at the same instant: each FIN reaches a side in FIN-WAIT-1 that has
 * not had its own FIN acknowledged, so both pass CLOSING, and each side's ACK of the
 * other's FIN moves it on to TIME-WAIT. */
static void test_simultaneous_close(void **state)
{
    (void)state;
    pair p;
    int cs;
    int ss = fx_established(&p, NULL, DELAY, &cs);
    pair_run_until(&p, 1000000);
    uint32_t nxt[2] = {p.segs[2].s.seq, p.segs[2].s.ack};
    size_t mark = p.nsegs;
    uint64_t t = p.now;
    assert_int_equal(synack_close(p.st[PAIR_CLIENT], cs), 0);
    assert_int_equal(synack_close(p.st[PAIR_SERVER], ss), 0);
    pair_run_until(&p, t + 100000);

    fx_assert_flow(&p, mark, "C:F.|S:F.|C:.|S:.");
    for (size_t i = mark; i < mark + 4; i++) {
        const pair_seg *s = &p.segs[i];
        int h = s->from;
        int fin = (s->s.flags & TCP_FIN) != 0;
        /* <SEQ=x><ACK=y><CTL=FIN,ACK>, then <SEQ=x+1><ACK=y+1><CTL=ACK> */
        assert_int_equal(s->s.seq, nxt[h] + (fin ? 0 : 1));
        assert_int_equal(s->s.ack, nxt[1 - h] + (fin ? 0 : 1));
        assert_int_equal(p.segs[i].t, fin ? t : t + DELAY);
    }
    for (int h = 0; h < 2; h++) {
        assert_int_equal(pair_transition_time(&p, h, SYNACK_ESTABLISHED, SYNACK_FIN_WAIT_1), t);
        assert_int_equal(pair_transition_time(&p, h, SYNACK_FIN_WAIT_1, SYNACK_CLOSING), t + DELAY);
        assert_int_equal(pair_transition_time(&p, h, SYNACK_CLOSING, SYNACK_TIME_WAIT),
                         t + 2 * DELAY);
        assert_false(pair_saw_state(&p, h, SYNACK_FIN_WAIT_2));
        assert_int_equal(pair_count_state(&p, h, SYNACK_TIME_WAIT), 1);
    }
    /* both TIME-WAITs last 2*MSL from entry */
    pair_run_until(&p, t + 2 * DELAY + 60000000);
    for (int h = 0; h < 2; h++) {
        assert_int_equal(pair_transition_time(&p, h, SYNACK_TIME_WAIT, SYNACK_CLOSED),
                         t + 2 * DELAY + 60000000);
        assert_int_equal(pair_count_state(&p, h, SYNACK_TIME_WAIT), 0);
    }
    assert_int_equal(p.nsegs, mark + 4);
    pair_free(&p);
}

/* Simultaneous close where the server's ACK of the client's FIN is lost: the client stays
 * in CLOSING and retransmits its FIN after the RTO; the server, already in TIME-WAIT,
 * acknowledges it again (and restarts its 2*MSL), which takes the client to TIME-WAIT. */
static void test_simultaneous_close_lost_ack(void **state)
{
    (void)state;
    pair p;
    int cs;
    int ss = fx_established(&p, NULL, DELAY, &cs);
    pair_run_until(&p, 1000000);
    size_t mark = p.nsegs;
    size_t drop = mark + 3; /* C:F. S:F. C:. S:. -> the server's ACK */
    p.filter = fx_drop_nth;
    p.filter_ctx = &drop;
    uint64_t t = p.now;
    assert_int_equal(synack_close(p.st[PAIR_CLIENT], cs), 0);
    assert_int_equal(synack_close(p.st[PAIR_SERVER], ss), 0);
    pair_run_until(&p, t + 1000000);
    fx_assert_flow(&p, mark, "C:F.|S:F.|C:.|S:.|C:F.|S:.");
    assert_true(p.segs[mark + 3].dropped);
    assert_int_equal(p.segs[mark + 4].t, t + 200000);
    assert_int_equal(p.segs[mark + 4].s.seq, p.segs[mark].s.seq);
    assert_int_equal(p.segs[mark + 5].s.ack, p.segs[mark].s.seq + 1);
    assert_int_equal(pair_transition_time(&p, PAIR_CLIENT, SYNACK_CLOSING, SYNACK_TIME_WAIT),
                     t + 200000 + 2 * DELAY);
    assert_int_equal(pair_transition_time(&p, PAIR_SERVER, SYNACK_CLOSING, SYNACK_TIME_WAIT),
                     t + 2 * DELAY);
    /* the server's TIME-WAIT restarted when the FIN came again */
    pair_run_until(&p, t + 2 * DELAY + 60000000);
    assert_int_equal(pair_count_state(&p, PAIR_SERVER, SYNACK_TIME_WAIT), 1);
    pair_run_until(&p, t + 200000 + DELAY + 60000000);
    assert_int_equal(pair_count_state(&p, PAIR_SERVER, SYNACK_TIME_WAIT), 0);
    assert_int_equal(pair_transition_time(&p, PAIR_SERVER, SYNACK_TIME_WAIT, SYNACK_CLOSED),
                     t + 200000 + DELAY + 60000000);
    pair_free(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_simultaneous_open),
        cmocka_unit_test(test_simultaneous_open_dsack),
        cmocka_unit_test(test_simultaneous_close),
        cmocka_unit_test(test_simultaneous_close_lost_ack),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
