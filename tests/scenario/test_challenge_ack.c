/* SPDX-License-Identifier: MIT */
/* RFC 5961 defences against blind injection, on an ESTABLISHED connection whose peer the
 * test plays: a RST in the window but not at RCV.NXT draws a challenge ACK and is
 * otherwise ignored (3.2); a RST exactly at RCV.NXT resets; a SYN draws a challenge ACK
 * (4.2); a RST outside the window is dropped silently (RFC 9293 3.10.7.4); an ACK for
 * data never sent draws a challenge ACK (5.2); the challenge ACKs are rate-limited (7). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "support/seghost.h"

#define PEER_ISS 10000u
#define PORT 80
#define PPORT 40000

typedef struct conn {
    seghost h;     /* the stack */
    int s;         /* its accepted socket */
    uint32_t siss; /* its ISS */
    uint32_t rcv;  /* its RCV.NXT: the peer's next sequence number */
    uint32_t snd;  /* its SND.NXT */
} conn;

/* Established, the peer has sent 100 bytes that the application read. */
static void open_conn(conn *c, const synack_config *cfg)
{
    sh_init(&c->h, cfg);
    int ls = sh_listen(&c->h, PORT, 4);
    c->s = sh_handshake(&c->h, ls, PORT, PPORT, PEER_ISS, 65535, &c->siss);
    assert_true(c->s >= 0);
    uint8_t data[100];
    memset(data, 'd', sizeof(data));
    sh_send(&c->h, PPORT, PORT, PEER_ISS + 1, c->siss + 1, TCP_ACK, 65535, data, sizeof(data),
            NULL);
    char buf[128];
    assert_int_equal(synack_recv(c->h.st, c->s, buf, sizeof(buf), 0), 100);
    sh_run_for(&c->h, 1000000); /* the delayed ACK goes out */
    c->rcv = PEER_ISS + 101;
    c->snd = c->siss + 1;
    const sh_seg *a = sh_last(&c->h);
    assert_int_equal(a->s.ack, c->rcv);
}

static synack_tcp_state state_of(conn *c)
{
    synack_tcp_info i;
    socklen_t len = sizeof(i);
    if (synack_getsockopt(c->h.st, c->s, IPPROTO_TCP, SYNACK_TCP_INFO, &i, &len) != 0)
        return SYNACK_CLOSED;
    return (synack_tcp_state)i.state;
}

static uint64_t ctr(conn *c, synack_counter k)
{
    return synack_counter_get(c->h.st, k);
}

static void assert_challenge(conn *c, size_t mark)
{
    assert_int_equal(c->h.nout, mark + 1);
    const sh_seg *a = &c->h.out[mark];
    /* <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK> */
    assert_int_equal(a->s.flags, TCP_ACK);
    assert_int_equal(a->s.seq, c->snd);
    assert_int_equal(a->s.ack, c->rcv);
    assert_int_equal(a->s.payload_len, 0);
}

static void test_blind_rst_in_window(void **state)
{
    (void)state;
    conn c;
    open_conn(&c, NULL);
    size_t mark = c.h.nout;
    sh_send(&c.h, PPORT, PORT, c.rcv + 1000, 0, TCP_RST, 0, NULL, 0, NULL);
    assert_challenge(&c, mark);
    assert_int_equal(state_of(&c), SYNACK_ESTABLISHED);
    assert_int_equal(ctr(&c, SYNACK_CTR_TCPChallengeACK), 1);
    assert_int_equal(ctr(&c, SYNACK_CTR_EstabResets), 0);
    /* RST,ACK in the window: the same */
    sh_send(&c.h, PPORT, PORT, c.rcv + 1, c.snd, TCP_RST | TCP_ACK, 0, NULL, 0, NULL);
    assert_challenge(&c, mark + 1);
    assert_int_equal(state_of(&c), SYNACK_ESTABLISHED);
    assert_int_equal(ctr(&c, SYNACK_CTR_TCPChallengeACK), 2);
    /* the connection still works */
    sh_send(&c.h, PPORT, PORT, c.rcv, c.snd, TCP_ACK | TCP_PSH, 65535, "ok", 2, NULL);
    char buf[4];
    assert_int_equal(synack_recv(c.h.st, c.s, buf, sizeof(buf), 0), 2);
    sh_free(&c.h);
}

static void test_rst_at_rcv_nxt_resets(void **state)
{
    (void)state;
    conn c;
    open_conn(&c, NULL);
    size_t mark = c.h.nout;
    uint64_t t = c.h.now;
    sh_send(&c.h, PPORT, PORT, c.rcv, 0, TCP_RST, 0, NULL, 0, NULL);
    assert_int_equal(c.h.nout, mark); /* never answer a RST */
    assert_int_equal(sh_state_time(&c.h, SYNACK_CLOSED, t), t);
    assert_int_equal(state_of(&c), SYNACK_CLOSED);
    assert_int_equal(ctr(&c, SYNACK_CTR_EstabResets), 1);
    assert_int_equal(ctr(&c, SYNACK_CTR_TCPChallengeACK), 0);
    char buf[4];
    assert_int_equal(synack_recv(c.h.st, c.s, buf, sizeof(buf), 0), -ECONNRESET);
    sh_free(&c.h);
}

static void test_syn_in_established(void **state)
{
    (void)state;
    conn c;
    open_conn(&c, NULL);
    size_t mark = c.h.nout;
    /* in the window, at RCV.NXT, and a SYN-ACK: all get the challenge ACK */
    sh_send(&c.h, PPORT, PORT, c.rcv + 500, 0, TCP_SYN, 65535, NULL, 0, NULL);
    assert_challenge(&c, mark);
    sh_send(&c.h, PPORT, PORT, c.rcv, 0, TCP_SYN, 65535, NULL, 0, NULL);
    assert_challenge(&c, mark + 1);
    sh_send(&c.h, PPORT, PORT, c.rcv, c.snd, TCP_SYN | TCP_ACK, 65535, NULL, 0, NULL);
    assert_challenge(&c, mark + 2);
    assert_int_equal(ctr(&c, SYNACK_CTR_TCPSYNChallenge), 3);
    assert_int_equal(ctr(&c, SYNACK_CTR_TCPChallengeACK), 3);
    assert_int_equal(state_of(&c), SYNACK_ESTABLISHED);
    /* a SYN below the window is not acceptable: an ordinary ACK (first check) */
    sh_send(&c.h, PPORT, PORT, PEER_ISS, 0, TCP_SYN, 65535, NULL, 0, NULL);
    assert_challenge(&c, mark + 3);
    assert_int_equal(ctr(&c, SYNACK_CTR_TCPSYNChallenge), 3);
    assert_int_equal(state_of(&c), SYNACK_ESTABLISHED);
    /* the peer's next bytes are still at RCV.NXT */
    sh_send(&c.h, PPORT, PORT, c.rcv, c.snd, TCP_ACK, 65535, "x", 1, NULL);
    char buf[4];
    assert_int_equal(synack_recv(c.h.st, c.s, buf, sizeof(buf), 0), 1);
    sh_free(&c.h);
}

/* The window is what the stack advertised (RCV.WND, RFC 9293 3.3.1): 65535 bytes in its
 * last segment, unscaled as the peer offered no window scaling, although its buffer could
 * hold more. */
static void test_rst_out_of_window_dropped(void **state)
{
    (void)state;
    conn c;
    open_conn(&c, NULL);
    size_t mark = c.h.nout;
    const sh_seg *last = sh_last(&c.h);
    uint32_t wnd = last->s.win;
    assert_int_equal(last->s.ack, c.rcv);
    assert_int_equal(wnd, 65535);
    sh_send(&c.h, PPORT, PORT, c.rcv + wnd, 0, TCP_RST, 0, NULL, 0, NULL); /* just past */
    sh_send(&c.h, PPORT, PORT, c.rcv + 100000, 0, TCP_RST, 0, NULL, 0, NULL);
    sh_send(&c.h, PPORT, PORT, c.rcv + 0x40000000u, 0, TCP_RST, 0, NULL, 0, NULL);
    sh_send(&c.h, PPORT, PORT, c.rcv - 1, 0, TCP_RST, 0, NULL, 0, NULL); /* just before */
    sh_send(&c.h, PPORT, PORT, c.rcv - 1, c.snd, TCP_RST | TCP_ACK, 0, NULL, 0, NULL);
    assert_int_equal(c.h.nout, mark);
    assert_int_equal(state_of(&c), SYNACK_ESTABLISHED);
    assert_int_equal(ctr(&c, SYNACK_CTR_TCPChallengeACK), 0);
    /* and the last byte of the window is inside it: challenge */
    sh_send(&c.h, PPORT, PORT, c.rcv + wnd - 1, 0, TCP_RST, 0, NULL, 0, NULL);
    assert_challenge(&c, mark);
    sh_free(&c.h);
}

/* RFC 5961 5.2: an ACK of data never sent (above SND.NXT) gets a challenge ACK and the
 * segment is dropped, its data too. */
static void test_ack_above_snd_nxt(void **state)
{
    (void)state;
    conn c;
    open_conn(&c, NULL);
    size_t mark = c.h.nout;
    sh_send(&c.h, PPORT, PORT, c.rcv, c.snd + 5000, TCP_ACK, 65535, "zz", 2, NULL);
    assert_challenge(&c, mark);
    char buf[4];
    assert_int_equal(synack_recv(c.h.st, c.s, buf, sizeof(buf), 0), -EAGAIN);
    assert_int_equal(state_of(&c), SYNACK_ESTABLISHED);
    sh_free(&c.h);
}

/* RFC 5961 7: at most challenge_ack_limit challenge ACKs a second (a randomised share of
 * it, never more); the rest are counted as skipped. A new second brings a new budget. */
static void test_challenge_ack_rate_limit(void **state)
{
    (void)state;
    synack_config cfg;
    synack_config_default(&cfg);
    cfg.challenge_ack_limit = 10;
    conn c;
    open_conn(&c, &cfg);
    size_t mark = c.h.nout;
    for (int i = 0; i < 50; i++)
        sh_send(&c.h, PPORT, PORT, c.rcv + 1 + (uint32_t)i, 0, TCP_RST, 0, NULL, 0, NULL);
    size_t sent = c.h.nout - mark;
    assert_true(sent >= 5 && sent <= 10);
    assert_int_equal(ctr(&c, SYNACK_CTR_TCPChallengeACK), sent);
    assert_int_equal(ctr(&c, SYNACK_CTR_TCPACKSkippedChallenge), 50 - sent);
    assert_int_equal(state_of(&c), SYNACK_ESTABLISHED);
    sh_run_for(&c.h, 1000000);
    mark = c.h.nout;
    sh_send(&c.h, PPORT, PORT, c.rcv + 7, 0, TCP_RST, 0, NULL, 0, NULL);
    assert_challenge(&c, mark);
    sh_free(&c.h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_blind_rst_in_window),
        cmocka_unit_test(test_rst_at_rcv_nxt_resets),
        cmocka_unit_test(test_syn_in_established),
        cmocka_unit_test(test_rst_out_of_window_dropped),
        cmocka_unit_test(test_ack_above_snd_nxt),
        cmocka_unit_test(test_challenge_ack_rate_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
