/* SPDX-License-Identifier: MIT */
/* A peer whose window stays closed after refusing our zero-window probe byte (RFC 9293
 * 3.8.6.1) still gets our ACKs: segments without data carry the right edge of the window it
 * offered (its RCV.NXT), not SND.NXT past the probe, which fails its acceptability test
 * (3.10.7.4; Linux drops such a segment with the acknowledgment in it). Seen through
 * `synack gateway --forward`: a container's server that never reads what it is sent, but
 * keeps sending, had its data never acknowledged and stalled for good. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "support/fixture.h"
#include "support/seghost.h"
#include "wire/tcp_wire.h"

static char data[8000];

/* MSS 1000, RTT 10 ms: 5000 bytes sent and ACKed with window 0, 3000 more written; the
 * probe byte goes out one RTO (200 ms) later and the peer answers it with its closed window,
 * not taking the byte. */
static int probe_refused(seghost *h, uint32_t *b)
{
    synack_config cfg;
    synack_config_default(&cfg);
    /* The peer never acknowledges the last bytes: with RACK-TLP a loss probe would carry
     * the ACK under test as a resend, not as a bare ACK at SND.NXT. */
    cfg.rack = 0;
    int s = fx_sh_sack_rtt(h, &cfg, 1000, 10000, b);
    assert_int_equal(synack_send(h->st, s, data, 5000, 0), 5000);
    sh_run_for(h, 10000);
    sh_send(h, FX_PEER_PORT, FX_PORT, FX_PEER_ISS + 1, *b + 5000, TCP_ACK, 0, NULL, 0, NULL);
    assert_int_equal(synack_send(h->st, s, data, 3000, 0), 3000);
    size_t mark = h->nout;
    sh_run_for(h, 300000);
    assert_int_equal(h->nout, mark + 1);
    assert_int_equal(h->out[mark].s.seq, *b + 5000);
    assert_int_equal(h->out[mark].s.payload_len, 1);
    sh_send(h, FX_PEER_PORT, FX_PORT, FX_PEER_ISS + 1, *b + 5000, TCP_ACK, 0, NULL, 0, NULL);
    return s;
}

static void test_ack_at_peer_rcv_nxt(void **state)
{
    (void)state;
    seghost h;
    uint32_t b;
    probe_refused(&h, &b);
    /* The peer sends 2000 bytes: our ACK for them sits at its RCV.NXT (b + 5000). */
    size_t mark = h.nout;
    sh_send(&h, FX_PEER_PORT, FX_PORT, FX_PEER_ISS + 1, b + 5000, TCP_ACK | TCP_PSH, 0, data, 1000,
            NULL);
    sh_send(&h, FX_PEER_PORT, FX_PORT, FX_PEER_ISS + 1001, b + 5000, TCP_ACK | TCP_PSH, 0, data,
            1000, NULL);
    sh_run_for(&h, 100000); /* the delayed ACK, at most */
    assert_int_equal(h.nout, mark + 1);
    const sh_seg *a = sh_last(&h);
    assert_int_equal(a->s.flags, TCP_ACK);
    assert_int_equal(a->s.payload_len, 0);
    assert_int_equal(a->s.seq, b + 5000);
    assert_int_equal(a->s.ack, FX_PEER_ISS + 2001);
    /* Its retransmission (our ACK never arrived, as it would not have before) is answered
     * with a duplicate ACK at the same sequence number. */
    mark = h.nout;
    sh_send(&h, FX_PEER_PORT, FX_PORT, FX_PEER_ISS + 1, b + 5000, TCP_ACK | TCP_PSH, 0, data, 1000,
            NULL);
    assert_int_equal(h.nout, mark + 1);
    assert_int_equal(h.out[mark].s.flags, TCP_ACK);
    assert_int_equal(h.out[mark].s.seq, b + 5000);
    assert_int_equal(h.out[mark].s.ack, FX_PEER_ISS + 2001);
    /* Once the window opens, the probe byte and the rest follow; ACKs are at SND.NXT again. */
    mark = h.nout;
    sh_send(&h, FX_PEER_PORT, FX_PORT, FX_PEER_ISS + 2001, b + 5000, TCP_ACK, 65535, NULL, 0, NULL);
    char got[128];
    fx_sh_sent(&h, mark, b, got, sizeof(got));
    assert_string_equal(got, "5000/1000|6000/1000|7000/1000P");
    mark = h.nout;
    sh_send(&h, FX_PEER_PORT, FX_PORT, FX_PEER_ISS + 2001, b + 6000, TCP_ACK | TCP_PSH, 65535, data,
            1000, NULL);
    sh_run_for(&h, 100000);
    assert_int_equal(h.nout, mark + 1);
    assert_int_equal(h.out[mark].s.flags, TCP_ACK);
    assert_int_equal(h.out[mark].s.seq, b + 8000);
    assert_int_equal(h.out[mark].s.ack, FX_PEER_ISS + 3001);
    sh_free(&h);
}

static void test_rst_at_peer_rcv_nxt(void **state)
{
    (void)state;
    seghost h;
    uint32_t b;
    int s = probe_refused(&h, &b);
    /* An abort (SO_LINGER 0) sends its RST where the peer's closed window accepts it
     * (RFC 5961 3.2: exactly its RCV.NXT), not past the probe byte, where it vanishes. */
    struct synack_linger lg = {1, 0};
    assert_int_equal(
        synack_setsockopt(h.st, s, SYNACK_SOL_SOCKET, SYNACK_SO_LINGER, &lg, sizeof(lg)), 0);
    size_t mark = h.nout;
    assert_int_equal(synack_close(h.st, s), 0);
    assert_int_equal(h.nout, mark + 1);
    assert_int_equal(h.out[mark].s.flags, TCP_RST | TCP_ACK);
    assert_int_equal(h.out[mark].s.seq, b + 5000);
    sh_free(&h);
}

/* A scaled window (shift 7: 128-byte units) a little short of SND.NXT was only rounded
 * down by the peer (RFC 7323 2.4), not closed: ACKs stay at SND.NXT, which the peer's real
 * window holds (the edge could lie below its RCV.NXT). */
static void test_rounded_window_keeps_snd_nxt(void **state)
{
    (void)state;
    seghost h;
    sh_init(&h, NULL);
    int ls = sh_listen(&h, FX_PORT, 4);
    assert_true(ls >= 0);
    tcp_opts o;
    memset(&o, 0, sizeof(o));
    o.has_mss = 1;
    o.mss = 1000;
    o.has_wscale = 1;
    o.wscale = 7;
    sh_send(&h, FX_PEER_PORT, FX_PORT, FX_PEER_ISS, 0, TCP_SYN, 65535, NULL, 0, &o);
    assert_int_equal(sh_last(&h)->s.flags, TCP_SYN | TCP_ACK);
    uint32_t b = sh_last(&h)->s.seq + 1;
    /* 32 units: 4096 bytes */
    sh_send(&h, FX_PEER_PORT, FX_PORT, FX_PEER_ISS + 1, b, TCP_ACK, 32, NULL, 0, NULL);
    int s = synack_accept(h.st, ls, NULL, NULL);
    assert_true(s >= 0);
    int one = 1;
    assert_int_equal(
        synack_setsockopt(h.st, s, SYNACK_IPPROTO_TCP, SYNACK_TCP_NODELAY, &one, sizeof(one)), 0);
    size_t mark = h.nout;
    assert_int_equal(synack_send(h.st, s, data, 6000, 0), 6000);
    char got[128];
    fx_sh_sent(&h, mark, b, got, sizeof(got));
    assert_string_equal(got, "0/1000|1000/1000|2000/1000|3000/1000");
    /* 1000 acknowledged, 23 units (2944 bytes) offered: the edge is 56 bytes short. */
    sh_send(&h, FX_PEER_PORT, FX_PORT, FX_PEER_ISS + 1, b + 1000, TCP_ACK, 23, NULL, 0, NULL);
    mark = h.nout;
    sh_send(&h, FX_PEER_PORT, FX_PORT, FX_PEER_ISS + 1, b + 1000, TCP_ACK | TCP_PSH, 23, data, 1000,
            NULL);
    sh_send(&h, FX_PEER_PORT, FX_PORT, FX_PEER_ISS + 1, b + 1000, TCP_ACK | TCP_PSH, 23, data, 1000,
            NULL); /* a duplicate: answered at once */
    assert_true(h.nout > mark);
    const sh_seg *a = sh_last(&h);
    assert_int_equal(a->s.flags, TCP_ACK);
    assert_int_equal(a->s.payload_len, 0);
    assert_int_equal(a->s.seq, b + 4000);
    assert_int_equal(a->s.ack, FX_PEER_ISS + 1001);
    sh_free(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ack_at_peer_rcv_nxt),
        cmocka_unit_test(test_rst_at_peer_rcv_nxt),
        cmocka_unit_test(test_rounded_window_keeps_snd_nxt),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
