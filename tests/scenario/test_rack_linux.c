/* SPDX-License-Identifier: MIT */
/* Two Linux choices around RACK (RFC 8985), each against its RFC reading, on exact segments,
 * times and windows:
 * - rack_reo_linux: an ACK that acknowledges up to a hole and SACKs three segments past it.
 *   RFC 8985 resends the hole at once (the window is 0 with DupThresh segments SACKed and
 *   the hole is due); Linux takes RACK.rtt from the cumulatively acknowledged segment, which
 *   left a few µs before the hole, so the hole waits for the reordering timer, set 2 ms
 *   past its deadline and rounded up to a millisecond: it goes 3 ms later (Linux's
 *   eor/no-coalesce-retrans.pkt). A hole that left before the segment RACK.rtt came from
 *   is lost at once either way.
 * - reorder_sack_growth: once SACKs showed reordering past DupThresh, a SACK alone grows
 *   cwnd (Linux's tcp_may_raise_cwnd): 19 segments after the episode of
 *   cubic/cubic-rack-reo-timeout-retrans-failed-incoming-data.pkt, not 18. */
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "support/fixture.h"
#include "support/seghost.h"

#define MSS 1000

/* A RACK connection (MSS 1000, SACK, no timestamps, handshake RTT rtt_us) that has sent ten
 * segments, the initial window, at h->now; returns the socket, the first data sequence
 * number in *base. */
static int ten_in_flight(seghost *h, synack_config *cfg, uint64_t rtt_us, uint32_t *base)
{
    cfg->rack = 1;
    int s = fx_sh_sack_rtt(h, cfg, MSS, rtt_us, base);
    static char data[10 * MSS];
    memset(data, 'r', sizeof(data));
    size_t first = h->nout;
    assert_int_equal(synack_send(h->st, s, data, sizeof(data), 0), sizeof(data));
    assert_int_equal(h->nout, first + 10);
    return s;
}

/* Ten segments at t0; at t0 + 5 ms the peer acknowledges four and SACKs the sixth to the
 * eighth. Returns the time the fifth was resent, relative to t0. */
static uint64_t hole_resent_after(int linux_choice)
{
    synack_config cfg;
    synack_config_default(&cfg);
    cfg.rack_reo_linux = (uint8_t)linux_choice;
    seghost h;
    uint32_t b;
    (void)ten_in_flight(&h, &cfg, 10000, &b);
    uint64_t t0 = h.now;
    sh_run_for(&h, 5000);
    size_t mark = h.nout;
    fx_sh_peer_ack(&h, b + 4 * MSS, b + 5 * MSS, b + 8 * MSS);
    char got[128];
    if (linux_choice) {
        fx_sh_sent(&h, mark, b, got, sizeof(got));
        assert_string_equal(got, ""); /* due, but it left after 3000:4000: the timer */
        sh_run_for(&h, 2999);
        assert_int_equal(h.nout, mark);
    }
    sh_run_for(&h, 10000);
    fx_sh_sent(&h, mark, b, got, sizeof(got));
    assert_string_equal(got, "4000/1000");
    uint64_t t = h.out[mark].t - t0;
    assert_int_equal(synack_counter_get(h.st, SYNACK_CTR_RackReorderTimeouts),
                     linux_choice ? 1 : 0);
    sh_free(&h);
    return t;
}

static void test_hole_after_acked_segment_waits_for_timer(void **state)
{
    (void)state;
    assert_int_equal(hole_resent_after(0), 5000); /* RFC 8985: at once */
    assert_int_equal(hole_resent_after(1), 8000); /* Linux: 2 ms + 1 µs, in whole ms */
}

/* With psh_skb_model, segments Linux sends in one TSO skb share its send time: a hole in
 * the same skb as the acknowledged segment RACK.rtt came from is not "sent after" it and is
 * lost at once (sack/sack-route-refresh-ip-tos.pkt), where a hole in a later skb waits.
 * Ten segments at t0 in units of two or more; three acknowledged (the third ends inside a
 * unit), the fifth to seventh SACKed: the fourth, in the third's unit, goes at once. */
static void test_hole_in_same_skb_lost_at_once(void **state)
{
    (void)state;
    for (int model = 0; model <= 1; model++) {
        synack_config cfg;
        synack_config_default(&cfg);
        cfg.rack_reo_linux = 1;
        cfg.psh_skb_model = (uint8_t)model;
        seghost h;
        uint32_t b;
        (void)ten_in_flight(&h, &cfg, 10000, &b);
        sh_run_for(&h, 5000);
        size_t mark = h.nout;
        fx_sh_peer_ack(&h, b + 3 * MSS, b + 4 * MSS, b + 7 * MSS);
        char got[128];
        fx_sh_sent(&h, mark, b, got, sizeof(got));
        /* without the model the burst is one time and the hole waits for the timer */
        assert_string_equal(got, model ? "3000/1000" : "");
        sh_free(&h);
    }
}

/* Without a cumulative part, RACK.rtt comes from the highest SACKed segment, which left
 * after every hole below it: those are lost at once, with or without the choice. */
static void test_hole_before_sacked_segment_lost_at_once(void **state)
{
    (void)state;
    for (int linux_choice = 0; linux_choice <= 1; linux_choice++) {
        synack_config cfg;
        synack_config_default(&cfg);
        cfg.rack_reo_linux = (uint8_t)linux_choice;
        seghost h;
        uint32_t b;
        (void)ten_in_flight(&h, &cfg, 10000, &b);
        sh_run_for(&h, 5000);
        size_t mark = h.nout;
        fx_sh_peer_ack(&h, b, b + 5 * MSS, b + 8 * MSS);
        char got[128];
        fx_sh_sent(&h, mark, b, got, sizeof(got));
        /* PRR lets out what the ACK delivered, three segments */
        assert_string_equal(got, "0/1000|1000/1000|2000/1000");
        assert_int_equal(synack_counter_get(h.st, SYNACK_CTR_RackLossDetected), 5);
        sh_free(&h);
    }
}

/* The cubic script's episode: at +20 ms the tenth segment is SACKed, then the fourth (out of order
 * by six or seven segments), then all ten are acknowledged. cwnd in segments after each. */
static void sack_episode(int linux_choice, const uint32_t want[3])
{
    synack_config cfg;
    synack_config_default(&cfg);
    cfg.ss_stretch_ack = 1; /* as Linux: the ACK of eight new segments adds eight */
    cfg.reorder_sack_growth = (uint8_t)linux_choice;
    seghost h;
    uint32_t b;
    int s = ten_in_flight(&h, &cfg, 20000, &b);
    sh_run_for(&h, 20000);
    fx_sh_peer_ack(&h, b, b + 9 * MSS, b + 10 * MSS);
    synack_tcp_info ti = fx_tcp_info(h.st, s);
    assert_int_equal(ti.reordering, 3);
    assert_int_equal(ti.snd_cwnd / MSS, want[0]);
    fx_sh_peer_ack2(&h, b, b + 3 * MSS, b + 4 * MSS, b + 9 * MSS, b + 10 * MSS);
    ti = fx_tcp_info(h.st, s);
    /* seven segments from the fourth's start to the highest byte delivered (Linux counts
     * to the tenth's start: 6); only "above 3" matters here */
    assert_int_equal(ti.reordering, 7);
    assert_int_equal(ti.snd_cwnd / MSS, want[1]);
    fx_sh_peer_ack(&h, b + 10 * MSS, 0, 0);
    ti = fx_tcp_info(h.st, s);
    assert_int_equal(ti.reordering, 10);
    assert_int_equal(ti.reord_seen, 2);
    assert_int_equal(ti.snd_cwnd / MSS, want[2]);
    assert_int_equal(ti.snd_cwnd % MSS, 0);
    sh_free(&h);
}

static void test_sack_grows_cwnd_once_reordering_seen(void **state)
{
    (void)state;
    /* the first SACK shows no reordering: no growth either way; the second shows degree 6 */
    sack_episode(0, (const uint32_t[3]){10, 10, 18});
    sack_episode(1, (const uint32_t[3]){10, 11, 19});
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hole_after_acked_segment_waits_for_timer),
        cmocka_unit_test(test_hole_in_same_skb_lost_at_once),
        cmocka_unit_test(test_hole_before_sacked_segment_lost_at_once),
        cmocka_unit_test(test_sack_grows_cwnd_once_reordering_seen),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
