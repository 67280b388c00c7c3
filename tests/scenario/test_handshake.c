/* SPDX-License-Identifier: MIT */
/* Three-way handshake (RFC 9293 3.5, Figure 6): the exact segments, the ISS/IRS each side
 * learns, the states and their times; data on the third segment of the handshake; data
 * that reaches a passive side still in SYN-RECEIVED. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <arpa/inet.h>

#include "support/fixture.h"
#include "support/pair.h"
#include "support/seghost.h"

/* Client 192.0.2.1 connects to 192.0.2.2:80 over a 1 ms link. */
static void test_handshake_segments(void **state)
{
    (void)state;
    pair p;
    pair_init(&p, NULL, 1000);
    int ls = pair_listen(&p, 80, 16);
    assert_true(ls >= 0);
    int cs = pair_connect(&p, 80);
    assert_true(cs >= 0);
    assert_int_equal(pair_sock_state(&p, PAIR_CLIENT, cs), SYNACK_SYN_SENT);
    pair_run_for(&p, 10000);

    fx_assert_flow(&p, 0, "C:S|S:S.|C:.");
    const synack_seg_info *syn = &p.segs[0].s, *synack = &p.segs[1].s, *ack = &p.segs[2].s;

    /* <SEQ=ISS><CTL=SYN>, our options offered (RFC 9293 3.7.1, RFC 7323, RFC 2018) */
    assert_int_equal(p.segs[0].t, 0);
    assert_int_equal(syn->flags, TCP_SYN);
    assert_int_equal(syn->len, 0);
    assert_int_equal(syn->ack, 0);
    assert_true(syn->has_mss);
    assert_int_equal(syn->mss, 1460);
    assert_true(syn->has_wscale);
    assert_int_equal(syn->wscale, 7);
    assert_true(syn->sack_ok);
    assert_true(syn->has_ts);
    assert_int_equal(syn->ts_ecr, 0);
    assert_int_equal(syn->win, 65535); /* RFC 7323 2.2: a SYN's window is never scaled */
    uint32_t c_iss = syn->seq;

    /* <SEQ=ISS'><ACK=ISS+1><CTL=SYN,ACK> one link delay later */
    assert_int_equal(p.segs[1].t, 1000);
    assert_int_equal(synack->flags, TCP_SYN | TCP_ACK);
    assert_int_equal(synack->ack, c_iss + 1);
    assert_int_equal(synack->len, 0);
    assert_true(synack->has_mss && synack->has_wscale && synack->sack_ok && synack->has_ts);
    assert_int_equal(synack->mss, 1460);
    assert_int_equal(synack->ts_ecr, syn->ts_val); /* RFC 7323 4.3: echo TS.Recent */
    uint32_t s_iss = synack->seq;
    assert_int_not_equal(s_iss, c_iss);

    /* <SEQ=ISS+1><ACK=ISS'+1><CTL=ACK> */
    assert_int_equal(p.segs[2].t, 2000);
    assert_int_equal(ack->flags, TCP_ACK);
    assert_int_equal(ack->seq, c_iss + 1);
    assert_int_equal(ack->ack, s_iss + 1);
    assert_int_equal(ack->len, 0);
    assert_false(ack->has_mss || ack->has_wscale || ack->sack_ok);
    assert_true(ack->has_ts);
    assert_int_equal(ack->ts_ecr, synack->ts_val);

    /* States and when they were entered. */
    assert_int_equal(pair_transition_time(&p, PAIR_CLIENT, SYNACK_CLOSED, SYNACK_SYN_SENT), 0);
    assert_int_equal(pair_transition_time(&p, PAIR_CLIENT, SYNACK_SYN_SENT, SYNACK_ESTABLISHED),
                     2000);
    assert_int_equal(pair_transition_time(&p, PAIR_SERVER, SYNACK_LISTEN, SYNACK_SYN_RECEIVED),
                     1000);
    assert_int_equal(pair_transition_time(&p, PAIR_SERVER, SYNACK_SYN_RECEIVED, SYNACK_ESTABLISHED),
                     3000);

    struct sockaddr_in peer;
    socklen_t plen = sizeof(peer);
    int ss = synack_accept(p.st[PAIR_SERVER], ls, (struct sockaddr *)&peer, &plen);
    assert_true(ss >= 0);
    assert_int_equal(plen, sizeof(peer));
    assert_int_equal(ntohl(peer.sin_addr.s_addr), PAIR_CLIENT_ADDR);
    struct sockaddr_in me;
    socklen_t mlen = sizeof(me);
    assert_int_equal(synack_getsockname(p.st[PAIR_CLIENT], cs, (struct sockaddr *)&me, &mlen), 0);
    assert_int_equal(ntohs(peer.sin_port), ntohs(me.sin_port));

    /* ISS/IRS consistency as each side sees it: the next byte each sends is the other's
     * RCV.NXT, shown by the first data segment and its acknowledgment. */
    synack_tcp_info ci = fx_tcp_info(p.st[PAIR_CLIENT], cs),
                    si = fx_tcp_info(p.st[PAIR_SERVER], ss);
    assert_int_equal(ci.state, SYNACK_ESTABLISHED);
    assert_int_equal(si.state, SYNACK_ESTABLISHED);
    assert_int_equal(ci.options, 7); /* timestamps, SACK, window scale */
    assert_int_equal(si.options, 7);
    assert_int_equal(ci.snd_wscale, 7);
    assert_int_equal(ci.rcv_wscale, 7);
    assert_int_equal(ci.snd_mss, 1448); /* 1460 less the 12-byte timestamps option */
    assert_int_equal(ci.rcv_mss, 1460);
    assert_int_equal(ci.rtt_us, 2000); /* SYN to SYN-ACK */
    assert_int_equal(si.rtt_us, 2000); /* SYN-ACK to ACK */
    assert_int_equal(ci.unacked, 0);
    assert_int_equal(si.unacked, 0);

    size_t mark = p.nsegs;
    assert_int_equal(synack_send(p.st[PAIR_CLIENT], cs, "abc", 3, 0), 3);
    assert_int_equal(synack_send(p.st[PAIR_SERVER], ss, "xy", 2, 0), 2);
    pair_run_for(&p, 100000);
    fx_assert_flow(&p, mark, "C:P./3|S:P./2|C:.|S:.");
    assert_int_equal(p.segs[mark].s.seq, c_iss + 1);
    assert_int_equal(p.segs[mark].s.ack, s_iss + 1);
    assert_int_equal(p.segs[mark + 1].s.seq, s_iss + 1);
    assert_int_equal(p.segs[mark + 1].s.ack, c_iss + 1);
    /* each side's delayed ACK acknowledges exactly the other's bytes */
    size_t cack = pair_next_seg(&p, mark + 2, PAIR_CLIENT);
    size_t sack = pair_next_seg(&p, mark + 2, PAIR_SERVER);
    assert_int_equal(p.segs[cack].s.ack, s_iss + 3);
    assert_int_equal(p.segs[sack].s.ack, c_iss + 4);

    assert_int_equal(synack_counter_get(p.st[PAIR_CLIENT], SYNACK_CTR_ActiveOpens), 1);
    assert_int_equal(synack_counter_get(p.st[PAIR_SERVER], SYNACK_CTR_PassiveOpens), 1);
    assert_int_equal(synack_counter_get(p.st[PAIR_CLIENT], SYNACK_CTR_CurrEstab), 1);
    assert_int_equal(synack_counter_get(p.st[PAIR_SERVER], SYNACK_CTR_CurrEstab), 1);
    assert_int_equal(synack_counter_get(p.st[PAIR_CLIENT], SYNACK_CTR_OutRsts), 0);
    assert_int_equal(synack_counter_get(p.st[PAIR_SERVER], SYNACK_CTR_OutRsts), 0);
    pair_free(&p);
}

/* RFC 9293 3.10.7.4: the third segment of the handshake carries data; its ACK moves the
 * server to ESTABLISHED and the text is processed in the same segment. */
static void test_data_on_third_segment(void **state)
{
    (void)state;
    seghost h;
    sh_init(&h, NULL);
    int ls = sh_listen(&h, 80, 16);
    assert_true(ls >= 0);
    sh_send(&h, 40000, 80, 1000, 0, TCP_SYN, 65535, NULL, 0, NULL);
    assert_int_equal(h.nout, 1);
    const sh_seg *sa = &h.out[0];
    assert_int_equal(sa->s.flags, TCP_SYN | TCP_ACK);
    assert_int_equal(sa->s.ack, 1001);
    assert_int_equal(sa->s.sport, 80);
    assert_int_equal(sa->s.dport, 40000);
    assert_int_equal(sa->dst, SH_PEER);
    /* The SYN offered no options: the SYN-ACK answers in kind, with only an MSS. */
    assert_true(sa->s.opts.has_mss);
    assert_false(sa->s.opts.has_wscale || sa->s.opts.sack_ok || sa->s.opts.has_ts);
    uint32_t siss = sa->s.seq;
    assert_int_equal(synack_accept(h.st, ls, NULL, NULL), -EAGAIN);

    sh_run_until(&h, 1000);
    sh_send(&h, 40000, 80, 1001, siss + 1, TCP_ACK | TCP_PSH, 65535, "hello", 5, NULL);
    assert_int_equal(sh_state_time(&h, SYNACK_ESTABLISHED, 0), 1000);
    int s = synack_accept(h.st, ls, NULL, NULL);
    assert_true(s >= 0);
    char buf[16];
    assert_int_equal(synack_recv(h.st, s, buf, sizeof(buf), 0), 5);
    assert_memory_equal(buf, "hello", 5);
    assert_int_equal(synack_recv(h.st, s, buf, sizeof(buf), 0), -EAGAIN);

    /* The data is acknowledged by the delayed ACK (RFC 1122 4.2.3.2), 40 ms later. */
    assert_int_equal(h.nout, 1);
    sh_run_until(&h, 200000);
    assert_int_equal(h.nout, 2);
    const sh_seg *a = &h.out[1];
    assert_int_equal(a->t, 41000);
    assert_int_equal(a->s.flags, TCP_ACK);
    assert_int_equal(a->s.seq, siss + 1);
    assert_int_equal(a->s.ack, 1006);
    assert_int_equal(a->s.payload_len, 0);
    assert_int_equal(h.bad_frames, 0);
    sh_free(&h);
}

/* The first data segment is lost and the second arrives while the server is still in
 * SYN-RECEIVED: its ACK completes the handshake and the bytes wait, out of order, for the
 * hole to be filled. */
static void test_out_of_order_data_in_syn_received(void **state)
{
    (void)state;
    seghost h;
    sh_init(&h, NULL);
    int ls = sh_listen(&h, 80, 16);
    sh_send(&h, 40001, 80, 5000, 0, TCP_SYN, 65535, NULL, 0, NULL);
    uint32_t siss = h.out[0].s.seq;
    sh_run_until(&h, 1000);
    sh_send(&h, 40001, 80, 5006, siss + 1, TCP_ACK | TCP_PSH, 65535, "world", 5, NULL);
    int s = synack_accept(h.st, ls, NULL, NULL);
    assert_true(s >= 0);
    assert_int_equal(fx_tcp_info(h.st, s).state, SYNACK_ESTABLISHED);
    char buf[16];
    assert_int_equal(synack_recv(h.st, s, buf, sizeof(buf), 0), -EAGAIN);
    /* RFC 5681 4.2: out-of-order data is acknowledged at once (a duplicate ACK). */
    assert_int_equal(h.nout, 2);
    assert_int_equal(h.out[1].s.flags, TCP_ACK);
    assert_int_equal(h.out[1].s.ack, 5001);
    assert_int_equal(h.out[1].t, 1000);

    sh_run_until(&h, 2000);
    sh_send(&h, 40001, 80, 5001, siss + 1, TCP_ACK, 65535, "hello", 5, NULL);
    /* the hole is filled: ACK at once for all ten bytes */
    assert_int_equal(h.nout, 3);
    assert_int_equal(h.out[2].s.ack, 5011);
    assert_int_equal(h.out[2].t, 2000);
    assert_int_equal(synack_recv(h.st, s, buf, sizeof(buf), 0), 10);
    assert_memory_equal(buf, "helloworld", 10);
    sh_free(&h);
}

static int drop_third(pair *p, const pair_seg *seg, size_t n, void *ctx)
{
    (void)p;
    (void)seg;
    (void)ctx;
    return n == 2; /* the client's ACK of the SYN-ACK */
}

/* The client's third segment is lost and the client, already ESTABLISHED, sends data at
 * once: the server is still in SYN-RECEIVED when it arrives. The data segment's ACK
 * completes the handshake and its bytes are kept (not dropped to be resent). */
static void test_data_reaches_syn_received(void **state)
{
    (void)state;
    pair p;
    pair_init(&p, NULL, 1000);
    p.filter = drop_third;
    int ls = pair_listen(&p, 80, 16);
    int cs = pair_connect(&p, 80);
    pair_run_until(&p, 2000);
    assert_int_equal(pair_sock_state(&p, PAIR_CLIENT, cs), SYNACK_ESTABLISHED);
    assert_int_equal(pair_count_state(&p, PAIR_SERVER, SYNACK_SYN_RECEIVED), 1);
    assert_int_equal(synack_send(p.st[PAIR_CLIENT], cs, "hello", 5, 0), 5);
    pair_run_until(&p, 2999);
    assert_int_equal(pair_count_state(&p, PAIR_SERVER, SYNACK_SYN_RECEIVED), 1);
    assert_int_equal(synack_accept(p.st[PAIR_SERVER], ls, NULL, NULL), -EAGAIN);
    pair_run_until(&p, 3000);
    assert_int_equal(pair_transition_time(&p, PAIR_SERVER, SYNACK_SYN_RECEIVED, SYNACK_ESTABLISHED),
                     3000);
    int ss = synack_accept(p.st[PAIR_SERVER], ls, NULL, NULL);
    assert_true(ss >= 0);
    /* Read after the delayed ACK: reading at once would also announce the full scaled
     * window, which the unscaled SYN-ACK could not (RFC 7323 2.2), in a window update. */
    pair_run_until(&p, 50000);
    char buf[16];
    assert_int_equal(synack_recv(p.st[PAIR_SERVER], ss, buf, sizeof(buf), 0), 5);
    assert_memory_equal(buf, "hello", 5);
    pair_run_until(&p, 5000000);
    /* no SYN-ACK retransmission, no data retransmission: one delayed ACK of the data */
    fx_assert_flow(&p, 0, "C:S|S:S.|C:.|C:P./5|S:.");
    assert_true(p.segs[2].dropped);
    assert_int_equal(p.segs[4].t, 43000);
    assert_int_equal(p.segs[4].s.ack, p.segs[3].s.seq + 5);
    assert_int_equal(synack_counter_get(p.st[PAIR_CLIENT], SYNACK_CTR_RetransSegs), 0);
    assert_int_equal(synack_counter_get(p.st[PAIR_SERVER], SYNACK_CTR_RetransSegs), 0);
    pair_free(&p);
}

/* The peer did not hear our SYN-ACK and sends its SYN again: the embryo answers with the
 * same SYN-ACK at once (a retransmission, so Karn's rule takes no RTT sample from it and
 * RFC 6298 5.7 applies when the open completes). */
static void test_duplicate_syn_in_syn_received(void **state)
{
    (void)state;
    seghost h;
    sh_init(&h, NULL);
    int ls = sh_listen(&h, 80, 16);
    sh_send(&h, 40002, 80, 7000, 0, TCP_SYN, 65535, NULL, 0, NULL);
    assert_int_equal(h.nout, 1);
    uint32_t siss = h.out[0].s.seq;
    sh_run_until(&h, 500000);
    sh_send(&h, 40002, 80, 7000, 0, TCP_SYN, 65535, NULL, 0, NULL);
    assert_int_equal(h.nout, 2);
    const sh_seg *again = &h.out[1];
    assert_int_equal(again->t, 500000);
    assert_int_equal(again->s.flags, TCP_SYN | TCP_ACK);
    assert_int_equal(again->s.seq, siss);
    assert_int_equal(again->s.ack, 7001);
    assert_true(again->s.opts.has_mss);
    assert_int_equal(synack_counter_get(h.st, SYNACK_CTR_RetransSegs), 1);
    /* still one embryo */
    sh_run_until(&h, 600000);
    sh_send(&h, 40002, 80, 7001, siss + 1, TCP_ACK, 65535, NULL, 0, NULL);
    int s = synack_accept(h.st, ls, NULL, NULL);
    assert_true(s >= 0);
    assert_int_equal(synack_accept(h.st, ls, NULL, NULL), -EAGAIN);
    synack_tcp_info i = fx_tcp_info(h.st, s);
    assert_int_equal(i.state, SYNACK_ESTABLISHED);
    assert_int_equal(i.rtt_us, 0);
    assert_int_equal(i.rto_us, 3000000);
    /* and the SYN-ACK timer was stopped by the ACK: nothing more is sent */
    sh_run_until(&h, 10000000);
    assert_int_equal(h.nout, 2);
    sh_free(&h);
}

/* RFC 9293 3.10.7.4 fifth check in SYN-RECEIVED: an ACK that does not acknowledge our
 * SYN gets <SEQ=SEG.ACK><CTL=RST> and the embryo stays; the right ACK completes it. */
static void test_bad_ack_in_syn_received(void **state)
{
    (void)state;
    seghost h;
    sh_init(&h, NULL);
    int ls = sh_listen(&h, 80, 16);
    sh_send(&h, 40003, 80, 9000, 0, TCP_SYN, 65535, NULL, 0, NULL);
    uint32_t siss = h.out[0].s.seq;
    sh_send(&h, 40003, 80, 9001, siss + 77, TCP_ACK, 65535, NULL, 0, NULL);
    assert_int_equal(h.nout, 2);
    assert_int_equal(h.out[1].s.flags, TCP_RST);
    assert_int_equal(h.out[1].s.seq, siss + 77);
    sh_send(&h, 40003, 80, 9001, siss, TCP_ACK, 65535, NULL, 0, NULL); /* ACK = ISS: too old */
    assert_int_equal(h.nout, 3);
    assert_int_equal(h.out[2].s.flags, TCP_RST);
    assert_int_equal(h.out[2].s.seq, siss);
    assert_int_equal(synack_accept(h.st, ls, NULL, NULL), -EAGAIN);
    sh_send(&h, 40003, 80, 9001, siss + 1, TCP_ACK, 65535, NULL, 0, NULL);
    assert_true(synack_accept(h.st, ls, NULL, NULL) >= 0);
    assert_int_equal(h.nout, 3);
    sh_free(&h);
}

/* RFC 9293 3.10.7.4 fourth check in SYN-RECEIVED: a different SYN inside the window (say,
 * the peer restarted with a new ISS) returns a passive open to LISTEN; no challenge ACK,
 * as RFC 5961 4 covers synchronized states only. The peer's next SYN starts afresh. */
static void test_new_syn_in_syn_received(void **state)
{
    (void)state;
    seghost h;
    sh_init(&h, NULL);
    int ls = sh_listen(&h, 80, 16);
    sh_send(&h, 40004, 80, 1000, 0, TCP_SYN, 65535, NULL, 0, NULL);
    assert_int_equal(h.nout, 1);
    sh_send(&h, 40004, 80, 1500, 0, TCP_SYN, 65535, NULL, 0, NULL);
    assert_int_equal(h.nout, 1); /* nothing sent */
    assert_int_equal(sh_state_time(&h, SYNACK_CLOSED, 0), 0);
    assert_int_equal(synack_counter_get(h.st, SYNACK_CTR_AttemptFails), 1);
    assert_int_equal(synack_counter_get(h.st, SYNACK_CTR_TCPSYNChallenge), 0);
    assert_int_equal(synack_next_deadline(h.st), UINT64_MAX); /* no SYN-ACK timer left */
    sh_run_until(&h, 1000000);
    sh_send(&h, 40004, 80, 1500, 0, TCP_SYN, 65535, NULL, 0, NULL);
    assert_int_equal(h.nout, 2);
    assert_int_equal(h.out[1].s.flags, TCP_SYN | TCP_ACK);
    assert_int_equal(h.out[1].s.ack, 1501);
    sh_send(&h, 40004, 80, 1501, h.out[1].s.seq + 1, TCP_ACK, 65535, NULL, 0, NULL);
    assert_true(synack_accept(h.st, ls, NULL, NULL) >= 0);
    sh_free(&h);
}

/* The third segment carries data and a FIN (a client that connects, writes and closes at
 * once): the server completes the open, takes the data, and moves on to CLOSE-WAIT; one
 * delayed ACK covers data and FIN. */
static void test_data_and_fin_on_third_segment(void **state)
{
    (void)state;
    seghost h;
    sh_init(&h, NULL);
    int ls = sh_listen(&h, 80, 16);
    sh_send(&h, 40005, 80, 3000, 0, TCP_SYN, 65535, NULL, 0, NULL);
    uint32_t siss = h.out[0].s.seq;
    sh_send(&h, 40005, 80, 3001, siss + 1, TCP_ACK | TCP_PSH | TCP_FIN, 65535, "bye", 3, NULL);
    int s = synack_accept(h.st, ls, NULL, NULL);
    assert_true(s >= 0);
    assert_int_equal(fx_tcp_info(h.st, s).state, SYNACK_CLOSE_WAIT);
    char buf[8];
    assert_int_equal(synack_recv(h.st, s, buf, sizeof(buf), 0), 3);
    assert_memory_equal(buf, "bye", 3);
    assert_int_equal(synack_recv(h.st, s, buf, sizeof(buf), 0), 0);
    sh_run_until(&h, 100000);
    assert_int_equal(h.nout, 2);
    assert_int_equal(h.out[1].t, 40000);
    assert_int_equal(h.out[1].s.flags, TCP_ACK);
    assert_int_equal(h.out[1].s.ack, 3005);
    assert_int_equal(synack_close(h.st, s), 0);
    assert_int_equal(sh_last(&h)->s.flags, TCP_FIN | TCP_ACK);
    assert_int_equal(sh_last(&h)->s.seq, siss + 1);
    sh_free(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_handshake_segments),
        cmocka_unit_test(test_data_on_third_segment),
        cmocka_unit_test(test_out_of_order_data_in_syn_received),
        cmocka_unit_test(test_data_reaches_syn_received),
        cmocka_unit_test(test_duplicate_syn_in_syn_received),
        cmocka_unit_test(test_bad_ack_in_syn_received),
        cmocka_unit_test(test_new_syn_in_syn_received),
        cmocka_unit_test(test_data_and_fin_on_third_segment),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
