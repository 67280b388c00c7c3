/* SPDX-License-Identifier: MIT */
/* A passive open whose final ACK never arrives: the server retransmits its SYN-ACK after
 * 1, 3, 7, 15 and 31 s (RFC 6298 backoff, synack_retries 5) and gives up at 63 s, with a
 * RST (synack_giveup_rst, the default) or silently (synack_giveup_rst = 0, as Linux). */
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

#define SEC 1000000ull
#define DELAY 1000

static int drop_client_acks(pair *p, const pair_seg *seg, size_t n, void *ctx)
{
    (void)p;
    (void)n;
    (void)ctx;
    return seg->from == PAIR_CLIENT && (seg->s.flags & TCP_ACK);
}

static void giveup(int rst)
{
    synack_config cfg;
    synack_config_default(&cfg);
    cfg.synack_giveup_rst = (uint8_t)rst;
    cfg.syncookies = 0; /* the ACK the client sends later must meet a plain listener */
    pair p;
    pair_init(&p, &cfg, DELAY);
    p.filter = drop_client_acks;
    int ls = pair_listen(&p, 80, 16);
    int cs = pair_connect(&p, 80);
    assert_true(ls >= 0 && cs >= 0);
    pair_run_until(&p, DELAY + 63 * SEC - 1);

    static const uint64_t at[] = {0, 1, 3, 7, 15, 31};
    size_t n = 0;
    uint32_t c_iss = p.segs[0].s.seq, s_iss = 0;
    for (size_t i = 0; i < p.nsegs; i++) {
        const pair_seg *s = &p.segs[i];
        if (s->from == PAIR_CLIENT) {
            /* the SYN, then the client's (lost) ACK of each SYN-ACK */
            if (i == 0) {
                assert_int_equal(s->s.flags, TCP_SYN);
                continue;
            }
            assert_int_equal(s->s.flags, TCP_ACK);
            assert_int_equal(s->s.seq, c_iss + 1);
            assert_int_equal(s->s.ack, s_iss + 1);
            assert_true(s->dropped);
            continue;
        }
        assert_true(n < 6);
        assert_int_equal(s->s.flags, TCP_SYN | TCP_ACK);
        assert_int_equal(s->t, DELAY + at[n] * SEC);
        assert_int_equal(s->s.ack, c_iss + 1);
        if (n == 0)
            s_iss = s->s.seq;
        assert_int_equal(s->s.seq, s_iss);
        n++;
    }
    assert_int_equal(n, 6);
    assert_int_equal(pair_count_state(&p, PAIR_SERVER, SYNACK_SYN_RECEIVED), 1);
    assert_int_equal(pair_sock_state(&p, PAIR_CLIENT, cs), SYNACK_ESTABLISHED);
    assert_int_equal(synack_counter_get(p.st[PAIR_SERVER], SYNACK_CTR_RetransSegs), 5);

    size_t mark = p.nsegs;
    pair_run_until(&p, DELAY + 63 * SEC);
    assert_int_equal(pair_transition_time(&p, PAIR_SERVER, SYNACK_SYN_RECEIVED, SYNACK_CLOSED),
                     DELAY + 63 * SEC);
    assert_int_equal(pair_count_state(&p, PAIR_SERVER, SYNACK_SYN_RECEIVED), 0);
    assert_int_equal(synack_accept(p.st[PAIR_SERVER], ls, NULL, NULL), -EAGAIN);
    assert_int_equal(synack_counter_get(p.st[PAIR_SERVER], SYNACK_CTR_PassiveOpens), 0);
    pair_run_until(&p, DELAY + 64 * SEC);
    char buf[8];
    if (rst) {
        /* <SEQ=ISS+1><ACK=RCV.NXT><CTL=RST,ACK>: exactly at the client's RCV.NXT, so it
         * resets the client's connection. */
        fx_assert_flow(&p, mark, "S:R.");
        assert_int_equal(p.segs[mark].t, DELAY + 63 * SEC);
        assert_int_equal(p.segs[mark].s.seq, s_iss + 1);
        assert_int_equal(p.segs[mark].s.ack, c_iss + 1);
        assert_int_equal(synack_counter_get(p.st[PAIR_SERVER], SYNACK_CTR_OutRsts), 1);
        assert_int_equal(pair_transition_time(&p, PAIR_CLIENT, SYNACK_ESTABLISHED, SYNACK_CLOSED),
                         2 * DELAY + 63 * SEC);
        assert_int_equal(synack_recv(p.st[PAIR_CLIENT], cs, buf, sizeof(buf), 0), -ECONNRESET);
    } else {
        /* Silence: the client believes it is connected until it sends. */
        assert_int_equal(p.nsegs, mark);
        assert_int_equal(synack_counter_get(p.st[PAIR_SERVER], SYNACK_CTR_OutRsts), 0);
        assert_int_equal(pair_sock_state(&p, PAIR_CLIENT, cs), SYNACK_ESTABLISHED);
        p.filter = NULL;
        assert_int_equal(synack_send(p.st[PAIR_CLIENT], cs, "hi", 2, 0), 2);
        pair_run_for(&p, 100000);
        /* an ACK to a listener: <SEQ=SEG.ACK><CTL=RST> (RFC 9293 3.10.7.2) */
        fx_assert_flow(&p, mark, "C:P./2|S:R");
        assert_int_equal(p.segs[mark + 1].s.seq, s_iss + 1);
        assert_int_equal(synack_recv(p.st[PAIR_CLIENT], cs, buf, sizeof(buf), 0), -ECONNRESET);
    }
    pair_free(&p);
}

static void test_synack_giveup_rst(void **state)
{
    (void)state;
    giveup(1);
}

static void test_synack_giveup_silent(void **state)
{
    (void)state;
    giveup(0);
}

static int drop_first_ack(pair *p, const pair_seg *seg, size_t n, void *ctx)
{
    (void)p;
    (void)seg;
    (void)ctx;
    return n == 2;
}

/* The first ACK is lost, the SYN-ACK retransmitted at 1 s brings a second one: the
 * server completes the open, with the RTO of 3 s and the one-segment window RFC 6298 5.7
 * and RFC 5681 3.1 require after a retransmitted SYN-ACK. */
static void test_synack_retransmit_then_open(void **state)
{
    (void)state;
    pair p;
    pair_init(&p, NULL, DELAY);
    p.filter = drop_first_ack;
    int ls = pair_listen(&p, 80, 16);
    int cs = pair_connect(&p, 80);
    assert_true(cs >= 0);
    pair_run_until(&p, 2 * SEC);
    fx_assert_flow(&p, 0, "C:S|S:S.|C:.|S:S.|C:.");
    assert_int_equal(p.segs[3].t, DELAY + SEC);
    assert_int_equal(pair_transition_time(&p, PAIR_SERVER, SYNACK_SYN_RECEIVED, SYNACK_ESTABLISHED),
                     3 * DELAY + SEC);
    int ss = synack_accept(p.st[PAIR_SERVER], ls, NULL, NULL);
    assert_true(ss >= 0);
    synack_tcp_info info;
    socklen_t len = sizeof(info);
    assert_int_equal(
        synack_getsockopt(p.st[PAIR_SERVER], ss, IPPROTO_TCP, SYNACK_TCP_INFO, &info, &len), 0);
    assert_int_equal(info.state, SYNACK_ESTABLISHED);
    assert_int_equal(info.rtt_us, 0);
    assert_int_equal(info.rto_us, 3000000);
    assert_int_equal(info.snd_cwnd, info.snd_mss);
    assert_int_equal(info.retransmits, 0);
    assert_int_equal(info.total_retrans, 1);
    pair_free(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_synack_giveup_rst),
        cmocka_unit_test(test_synack_giveup_silent),
        cmocka_unit_test(test_synack_retransmit_then_open),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
