/* SPDX-License-Identifier: MIT */
/* The linux profile's window and timer choices, each alone against the default: where
 * rto_min floors the RTO (rto_var_floor), how much a stretch ACK grows cwnd in slow start
 * (ss_stretch_ack), whether an application-limited sender grows it at all
 * (cwnd_limited_growth), and where cubic leaves slow start (hystart_linux). Each with
 * exact windows, timeouts and segments. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "support/fixture.h"
#include "support/seghost.h"

#define MSS 1000u
#define RTT_US 100000u

enum {
    KNOB_VAR_FLOOR = 1,
    KNOB_STRETCH = 2,
    KNOB_CWND_LIMITED = 4,
    KNOB_PROFILE = 8,
    KNOB_HYSTART = 16
};

static int open_conn(seghost *h, unsigned knobs, uint32_t *base)
{
    synack_config cfg;
    synack_config_default(&cfg);
    cfg.rto_var_floor = (knobs & KNOB_VAR_FLOOR) != 0;
    cfg.ss_stretch_ack = (knobs & KNOB_STRETCH) != 0;
    cfg.cwnd_limited_growth = (knobs & KNOB_CWND_LIMITED) != 0;
    cfg.linux_profile = (knobs & KNOB_PROFILE) != 0;
    return fx_sh_sack_rtt(h, &cfg, MSS, RTT_US, base);
}

/* Cubic with RACK (its transmit log times every ACK), slow start by stretch ACKs, and
 * HyStart++ or Linux's HyStart; the handshake measures rtt_us. */
static int open_hystart(seghost *h, int linux_hystart, uint64_t rtt_us, uint32_t *base)
{
    synack_config cfg;
    synack_config_default(&cfg);
    cfg.rack = 1;
    cfg.ss_stretch_ack = 1;
    cfg.hystart_linux = (uint8_t)linux_hystart;
    return fx_sh_sack_rtt(h, &cfg, MSS, rtt_us, base);
}

static void send_bytes(seghost *h, int s, size_t n)
{
    static uint8_t buf[30000];
    assert_true(n <= sizeof(buf));
    assert_int_equal(synack_send(h->st, s, buf, n, 0), (long)n);
}

/* Segments the stack sent since index `from`, each a full MSS in order from `seq`. */
static size_t full_segs_from(const seghost *h, size_t from, uint32_t seq)
{
    size_t n = 0;
    for (size_t i = from; i < h->nout; i++) {
        assert_int_equal(h->out[i].s.seq, seq + n * MSS);
        assert_int_equal(h->out[i].s.payload_len, MSS);
        n++;
    }
    return n;
}

/* Handshake RTT 100 ms, then one segment acknowledged 100 ms later, then one 20 ms later. */
static void rto_after_samples(unsigned knobs, uint32_t want_rto[2], uint32_t want_var[2])
{
    seghost h;
    uint32_t base;
    int s = open_conn(&h, knobs, &base);
    send_bytes(&h, s, MSS);
    sh_run_for(&h, RTT_US);
    fx_sh_peer_ack(&h, base + MSS, 0, 0);
    synack_tcp_info ti = fx_tcp_info(h.st, s);
    assert_int_equal(ti.rtt_us, RTT_US);
    assert_int_equal(ti.rto_us, want_rto[0]);
    assert_int_equal(ti.rttvar_us, want_var[0]);
    send_bytes(&h, s, MSS);
    sh_run_for(&h, 20000);
    fx_sh_peer_ack(&h, base + 2 * MSS, 0, 0);
    ti = fx_tcp_info(h.st, s);
    assert_int_equal(ti.rtt_us, 90000); /* 7/8 100 ms + 1/8 20 ms */
    assert_int_equal(ti.rto_us, want_rto[1]);
    assert_int_equal(ti.rttvar_us, want_var[1]);
    sh_free(&h);
}

static void test_rto_var_floor(void **state)
{
    (void)state;
    /* RFC 6298: RTTVAR 50 -> 37.5 ms (delta 0), RTO 100 + 4 x 37.5 = 250 ms; then the 20 ms
     * sample (delta 80) raises RTTVAR by a quarter of its excess: 48.125, RTO 282.5 ms. */
    rto_after_samples(0, (uint32_t[]){250000, 282500}, (uint32_t[]){37500, 48125});
    /* Linux: rto_min (200 ms) floors 4 x RTTVAR, so RTO = 100 + 200 = 300 ms, as its
     * tcp_rtt_estimator's "rto = 3 rtt"; the RTT that fell moves RTTVAR by 1/32 of
     * (80 - 37.5): 38.828 ms; RTO 90 + 200 ms. */
    rto_after_samples(KNOB_VAR_FLOOR, (uint32_t[]){300000, 290000}, (uint32_t[]){37500, 38828});
    rto_after_samples(KNOB_PROFILE, (uint32_t[]){300000, 290000}, (uint32_t[]){37500, 38828});
}

/* 30 segments written, the initial window (10) sent; the peer acknowledges the first
 * `acked` segments with one ACK. Returns the segments that ACK released. */
static size_t released_by_stretch_ack(unsigned knobs, uint32_t acked, uint32_t *cwnd)
{
    seghost h;
    uint32_t base;
    int s = open_conn(&h, knobs, &base);
    size_t from = h.nout;
    send_bytes(&h, s, 30 * MSS);
    assert_int_equal(full_segs_from(&h, from, base), 10);
    from = h.nout;
    sh_run_for(&h, RTT_US);
    fx_sh_peer_ack(&h, base + acked * MSS, 0, 0);
    *cwnd = fx_tcp_info(h.st, s).snd_cwnd;
    size_t n = full_segs_from(&h, from, base + 10 * MSS);
    sh_free(&h);
    return n;
}

static void test_ss_stretch_ack(void **state)
{
    (void)state;
    uint32_t cwnd;
    /* RFC 3465 with L = 1 SMSS: an ACK of 4 segments adds one, 11 - 6 in flight = 5 */
    assert_int_equal(released_by_stretch_ack(0, 4, &cwnd), 5);
    assert_int_equal(cwnd, 11 * MSS);
    /* Linux's tcp_slow_start: every segment counts, 14 - 6 = 8 (slow-start-ack-per-4pkt) */
    assert_int_equal(released_by_stretch_ack(KNOB_STRETCH, 4, &cwnd), 8);
    assert_int_equal(cwnd, 14 * MSS);
    assert_int_equal(released_by_stretch_ack(KNOB_PROFILE, 4, &cwnd), 8);
    assert_int_equal(cwnd, 14 * MSS);
}

/* 15 segments written, 10 sent; the peer reports the second and third segments first
 * (with SACK blocks, or as bare duplicate ACKs), then acknowledges the first three.
 * Returns cwnd after that ACK. */
static uint32_t cwnd_after_ack_of_reported(unsigned knobs, int sack)
{
    synack_config cfg;
    synack_config_default(&cfg);
    cfg.ss_stretch_ack = (knobs & KNOB_STRETCH) != 0;
    cfg.linux_profile = (knobs & KNOB_PROFILE) != 0;
    cfg.rack = 0; /* two reports are limited transmit's (RFC 3042), not yet a loss */
    seghost h;
    uint32_t iss;
    int s = fx_sh_established_opts(&h, &cfg, sack, 0, &iss);
    uint32_t base = iss + 1, mss = fx_tcp_info(h.st, s).snd_mss;
    send_bytes(&h, s, 15 * mss);
    for (uint32_t r = 2; r <= 3; r++)
        fx_sh_peer_ack(&h, base, sack ? base + mss : 0, sack ? base + r * mss : 0);
    assert_int_equal(sh_last(&h)->s.seq, base + 11 * mss); /* limited transmit */
    fx_sh_peer_ack(&h, base + 3 * mss, 0, 0);
    uint32_t segs = fx_tcp_info(h.st, s).snd_cwnd / mss;
    sh_free(&h);
    return segs;
}

static void test_stretch_ack_counts_delivered(void **state)
{
    (void)state;
    /* the ACK of 3 segments delivers one: the other two were reported before, so Linux
     * adds 1, not 3 (limited_transmit/limited-transmit-sack, -no-sack) */
    assert_int_equal(cwnd_after_ack_of_reported(KNOB_STRETCH, 1), 11);
    assert_int_equal(cwnd_after_ack_of_reported(KNOB_STRETCH, 0), 11);
    assert_int_equal(cwnd_after_ack_of_reported(KNOB_PROFILE, 1), 11);
}

/* cubic-hystart-delay-rtt-jumps-upward: RTT 200 ms, then the second round's ACKs (two
 * segments each, 1 ms apart) show 240, 241, ... ms. The ninth sample of the round, still
 * >= 1.125 x 200 ms, ends slow start at cwnd 36 in Linux; HyStart++ is still in slow
 * start. Returns ssthresh in segments after each ACK, into ss[9]; cwnd after the last. */
static uint32_t delay_rise(int linux_hystart, uint32_t ss[9])
{
    seghost h;
    uint32_t base;
    int s = open_hystart(&h, linux_hystart, 200000, &base);
    send_bytes(&h, s, 30 * MSS);
    sh_run_for(&h, 200000);
    fx_sh_peer_ack(&h, base + 10 * MSS, 0, 0);
    assert_int_equal(fx_tcp_info(h.st, s).snd_cwnd, 20 * MSS);
    assert_int_equal(sh_last(&h)->s.seq, base + 29 * MSS); /* all 30 are out */
    sh_run_for(&h, 240000);
    for (uint32_t i = 0; i < 9; i++) {
        if (i)
            sh_run_for(&h, 1000);
        fx_sh_peer_ack(&h, base + (12 + 2 * i) * MSS, 0, 0);
        uint32_t t = fx_tcp_info(h.st, s).snd_ssthresh;
        ss[i] = t >= UINT32_MAX / 2 / MSS * MSS ? UINT32_MAX : t / MSS;
    }
    uint32_t cwnd = fx_tcp_info(h.st, s).snd_cwnd / MSS;
    sh_free(&h);
    return cwnd;
}

static void test_hystart_linux_delay(void **state)
{
    (void)state;
    uint32_t ss[9];
    assert_int_equal(delay_rise(1, ss), 36);
    for (int i = 0; i < 8; i++)
        assert_int_equal(ss[i], UINT32_MAX);
    assert_int_equal(ss[8], 36);
    /* HyStart++ needs a previous round's minimum to compare with: none yet */
    assert_int_equal(delay_rise(0, ss), 38);
    assert_int_equal(ss[8], UINT32_MAX);
}

/* An ACK train: RTT 10 ms; 20 segments out at once, then ACKed one by one 1 ms apart.
 * Linux's HyStart ends slow start once the train has lasted longer than half the minimum
 * RTT plus 0.5 ms (5.5 ms): on the seventh ACK, 6 ms into the round, at the cwnd of 20 + 6
 * that ACK found (its own growth would come after). Returns ssthresh in segments. */
static uint32_t ack_train(int linux_hystart)
{
    seghost h;
    uint32_t base;
    int s = open_hystart(&h, linux_hystart, 10000, &base);
    send_bytes(&h, s, 30 * MSS);
    sh_run_for(&h, 10000);
    fx_sh_peer_ack(&h, base + 10 * MSS, 0, 0);
    sh_run_for(&h, 10000);
    for (uint32_t i = 1; i <= 12; i++) {
        fx_sh_peer_ack(&h, base + (10 + i) * MSS, 0, 0);
        sh_run_for(&h, 1000);
    }
    uint32_t t = fx_tcp_info(h.st, s).snd_ssthresh;
    sh_free(&h);
    return t >= UINT32_MAX / 2 / MSS * MSS ? UINT32_MAX : t / MSS;
}

static void test_hystart_linux_ack_train(void **state)
{
    (void)state;
    assert_int_equal(ack_train(1), 26);
    assert_int_equal(ack_train(0), UINT32_MAX);
}

/* `segs` segments written and sent (all of them: fewer than the initial window's 10), then
 * the peer acknowledges two; returns cwnd after that ACK. */
static uint32_t cwnd_after_app_limited(unsigned knobs, uint32_t segs)
{
    seghost h;
    uint32_t base;
    int s = open_conn(&h, knobs, &base);
    size_t from = h.nout;
    send_bytes(&h, s, segs * MSS);
    assert_int_equal(full_segs_from(&h, from, base), segs);
    sh_run_for(&h, RTT_US);
    fx_sh_peer_ack(&h, base + 2 * MSS, 0, 0);
    uint32_t cwnd = fx_tcp_info(h.st, s).snd_cwnd;
    sh_free(&h);
    return cwnd;
}

static void test_cwnd_limited_growth(void **state)
{
    (void)state;
    /* RFC 5681 grows cwnd on every ACK, used or not */
    assert_int_equal(cwnd_after_app_limited(0, 5), 11 * MSS);
    /* Linux: 5 segments out never used half of cwnd 10: no growth (slow-start-ack-per-2pkt-
     * send-5pkt); 6 out, cwnd 10 < 2 x 6: it grows (-send-6pkt); 10 out filled it */
    assert_int_equal(cwnd_after_app_limited(KNOB_CWND_LIMITED, 5), 10 * MSS);
    assert_int_equal(cwnd_after_app_limited(KNOB_CWND_LIMITED, 6), 11 * MSS);
    assert_int_equal(cwnd_after_app_limited(KNOB_CWND_LIMITED, 10), 11 * MSS);
    /* with the stretch ACK counted too (slow-start-app-limited) */
    assert_int_equal(cwnd_after_app_limited(KNOB_PROFILE, 5), 10 * MSS);
    assert_int_equal(cwnd_after_app_limited(KNOB_PROFILE, 10), 12 * MSS);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rto_var_floor),
        cmocka_unit_test(test_ss_stretch_ack),
        cmocka_unit_test(test_cwnd_limited_growth),
        cmocka_unit_test(test_stretch_ack_counts_delivered),
        cmocka_unit_test(test_hystart_linux_delay),
        cmocka_unit_test(test_hystart_linux_ack_train),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
