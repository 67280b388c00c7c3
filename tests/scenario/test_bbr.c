/* SPDX-License-Identifier: MIT */
/* BBR (src/tcp/cc_bbr.c) over the simulated network, against the state machine of
 * draft-cardwell-iccrg-bbr-congestion-control-00: Startup leaves for Drain once the
 * bandwidth estimate stops growing (three rounds without 25% more), Drain for ProbeBW once
 * the queue is gone, ProbeBW cycles its pacing gain around 1 and holds the estimate at the
 * bottleneck, and ProbeRTT comes 10 s after the last lower RTT, holds cwnd at 4 segments
 * for 200 ms and a round, and goes back to ProbeBW. Every run delivers a byte pattern the
 * receiver checks byte by byte. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <arpa/inet.h>
#include <cmocka.h>

#include "support/pair.h"
#include "tcp/tcp.h"

static uint8_t pattern_byte(uint64_t off)
{
    return (uint8_t)((off * 2654435761u) >> 13);
}

/* One bulk connection client -> server, driven 1 ms at a time. */
typedef struct flow {
    pair p;
    int cs, ss;    /* client and accepted server sockets */
    tcp_conn *c;   /* the client's TCB (the sender) */
    uint64_t sent; /* bytes the client's send() took */
    uint64_t got;  /* bytes the server read, all checked */
    uint64_t t0;   /* when the connection was established */
} flow;

static void flow_open(flow *f, uint64_t rate_bps, uint32_t queue, double loss)
{
    memset(f, 0, sizeof(*f));
    synack_config cfg;
    synack_config_default(&cfg);
    cfg.seed = 7;
    cfg.sndbuf = cfg.rcvbuf = 1u << 20;
    memcpy(cfg.cc, "bbr", 4);
    synack_fault_config data = {
        .delay_us = 10000, .rate_bps = rate_bps, .queue_frames = queue, .loss = loss};
    synack_fault_config acks = {.delay_us = 10000};
    pair_init_faults(&f->p, &cfg, &data, &acks);
    int ls = pair_listen(&f->p, 80, 4);
    f->cs = pair_connect(&f->p, 80);
    assert_true(ls >= 0 && f->cs >= 0);
    f->ss = -EAGAIN;
    while (f->ss == -EAGAIN && f->p.now < 1000000) {
        pair_run_for(&f->p, 1000);
        f->ss = synack_accept(f->p.st[PAIR_SERVER], ls, NULL, NULL);
    }
    assert_true(f->ss >= 0);
    struct sockaddr_in sin;
    socklen_t len = sizeof(sin);
    assert_int_equal(synack_getsockname(f->p.st[PAIR_CLIENT], f->cs, (struct sockaddr *)&sin, &len),
                     0);
    synack_endpoints ep = {.laddr = PAIR_CLIENT_ADDR,
                           .raddr = PAIR_SERVER_ADDR,
                           .lport = ntohs(sin.sin_port),
                           .rport = 80};
    f->c = tcp_conn_find(f->p.st[PAIR_CLIENT], &ep);
    assert_non_null(f->c);
    f->t0 = f->p.now;
}

/* Keeps the client's send buffer full, runs 1 ms, reads and checks what arrived. */
static void flow_step(flow *f)
{
    uint8_t buf[16384];
    for (;;) {
        for (size_t i = 0; i < sizeof(buf); i++)
            buf[i] = pattern_byte(f->sent + i);
        ssize_t r = synack_send(f->p.st[PAIR_CLIENT], f->cs, buf, sizeof(buf), 0);
        if (r == -EAGAIN)
            break;
        assert_true(r > 0);
        f->sent += (uint64_t)r;
    }
    pair_run_for(&f->p, 1000);
    for (;;) {
        ssize_t r = synack_recv(f->p.st[PAIR_SERVER], f->ss, buf, sizeof(buf), 0);
        if (r == -EAGAIN)
            break;
        assert_true(r > 0);
        for (ssize_t i = 0; i < r; i++)
            if (buf[i] != pattern_byte(f->got + (uint64_t)i))
                fail_msg("byte %llu differs", (unsigned long long)(f->got + (uint64_t)i));
        f->got += (uint64_t)r;
    }
}

static tcp_bbr_view view(const flow *f)
{
    tcp_bbr_view v;
    assert_int_equal(tcp_bbr_state(f->c, &v), 0);
    return v;
}

static void flow_close(flow *f)
{
    assert_true(f->got > 0);
    pair_free(&f->p);
}

enum { STARTUP, DRAIN, PROBE_BW, PROBE_RTT };

/* 50 Mbit/s, 20 ms, a deep queue: no loss, so only the bandwidth plateau ends Startup. */
static void test_startup_drain_probe_bw(void **state)
{
    (void)state;
    flow f;
    flow_open(&f, 50000000, 1000, 0);
    const double link = 50e6 / 8 * 1448 / 1500; /* payload bytes/s the link carries */
    assert_int_equal(view(&f).mode, STARTUP);
    assert_int_equal(view(&f).pacing_gain, 739); /* 2/ln 2 */
    uint32_t plateau_round = 0, drain_round = 0;
    uint64_t t_drain = 0, t_probe = 0;
    int saw_up = 0, saw_down = 0;
    while (f.p.now < f.t0 + 1500000) {
        flow_step(&f);
        tcp_bbr_view v = view(&f);
        if (!plateau_round && v.bw >= 0.95 * link)
            plateau_round = v.rounds;
        if (v.mode == DRAIN && !t_drain) {
            t_drain = f.p.now;
            drain_round = v.rounds;
            assert_int_equal(v.pacing_gain, 88); /* ln 2/2 */
        }
        if (v.mode == PROBE_BW) {
            if (!t_probe)
                t_probe = f.p.now;
            saw_up |= v.pacing_gain == 320;
            saw_down |= v.pacing_gain == 192;
        }
        /* Startup never comes back once the pipe is full, and ProbeRTT is 10 s away */
        if (t_drain)
            assert_true(v.mode == DRAIN || v.mode == PROBE_BW);
    }
    tcp_bbr_view v = view(&f);
    printf("plateau in round %u, Drain in round %u at %.3f s, ProbeBW at %.3f s; bw %.2f "
           "Mbit/s (link %.2f), min RTT %u us\n",
           plateau_round, drain_round, (double)(t_drain - f.t0) / 1e6,
           (double)(t_probe - f.t0) / 1e6, v.bw * 8 / 1e6, link * 8 / 1e6, v.min_rtt_us);
    assert_true(plateau_round > 0 && t_drain > 0 && t_probe > t_drain);
    /* three rounds without 25% growth, counted from the round the estimate levelled off */
    assert_true(drain_round >= plateau_round + 2 && drain_round <= plateau_round + 4);
    /* Drain empties the queue Startup built within a couple of round trips */
    assert_true(t_probe - t_drain < 100000);
    assert_true(saw_up && saw_down); /* the gain cycle probes up and drains */
    assert_true(v.bw > 0.98 * link && v.bw < 1.02 * link);
    assert_true(v.min_rtt_us >= 20000 && v.min_rtt_us < 20500);
    /* ProbeBW keeps about one BDP in flight, not the 2 BDP cwnd allows */
    double bdp = link * 0.02;
    uint32_t flight = f.c->snd_max - f.c->snd_una;
    assert_true(flight < 1.5 * bdp);
    /* goodput over the last second: the bottleneck, full */
    uint64_t got0 = f.got;
    uint64_t t1 = f.p.now;
    while (f.p.now < t1 + 1000000)
        flow_step(&f);
    double rate = (double)(f.got - got0) / ((double)(f.p.now - t1) / 1e6);
    printf("steady goodput %.2f Mbit/s\n", rate * 8 / 1e6);
    assert_true(rate > 0.97 * link);
    flow_close(&f);
}

/* 10 Mbit/s, 20 ms: the path's RTT never drops below what Startup measured, so 10 s later
 * the min-RTT estimate expires and ProbeRTT drains the pipe to re-measure it. */
static void test_probe_rtt_after_10s(void **state)
{
    (void)state;
    flow f;
    flow_open(&f, 10000000, 1000, 0);
    uint32_t min_rtt = view(&f).min_rtt_us;
    /* the handshake's RTT is the first sample, taken when the client got the SYN-ACK */
    uint64_t t_min = pair_state_time(&f.p, PAIR_CLIENT, SYNACK_ESTABLISHED);
    uint64_t t_enter = 0, t_leave = 0;
    uint32_t max_cwnd_in = 0;
    while (f.p.now < f.t0 + 11000000 && !t_leave) {
        flow_step(&f);
        tcp_bbr_view v = view(&f);
        if (!t_enter && v.min_rtt_us < min_rtt) {
            min_rtt = v.min_rtt_us; /* a lower RTT restarts the 10 s */
            t_min = f.p.now;
        }
        if (v.mode == PROBE_RTT) {
            if (!t_enter)
                t_enter = f.p.now;
            if (f.c->cwnd > max_cwnd_in)
                max_cwnd_in = f.c->cwnd;
            assert_int_equal(v.pacing_gain, 256);
        } else if (t_enter && !t_leave) {
            t_leave = f.p.now;
            assert_int_equal(v.mode, PROBE_BW);
        }
    }
    assert_true(t_enter > 0 && t_leave > 0);
    printf("ProbeRTT %.3f s after the last lower RTT, for %.3f s, cwnd there at most %u\n",
           (double)(t_enter - t_min) / 1e6, (double)(t_leave - t_enter) / 1e6, max_cwnd_in);
    /* 10 s after the last lower RTT, to within the 1 ms the test steps by and the ACK
     * that notices */
    assert_true(t_enter - t_min >= 10000000 && t_enter - t_min <= 10030000);
    assert_true(max_cwnd_in <= 4u * f.c->snd_mss);
    /* 200 ms at the small window once the flight is down to it, and at least a round */
    assert_true(t_leave - t_enter >= 200000 && t_leave - t_enter <= 300000);
    /* the window comes back, and so does the rate */
    uint64_t got0 = f.got, t1 = f.p.now;
    while (f.p.now < t1 + 300000)
        flow_step(&f);
    assert_true(f.c->cwnd > 4u * f.c->snd_mss);
    double rate = (double)(f.got - got0) / ((double)(f.p.now - t1) / 1e6);
    assert_true(rate > 0.9 * 10e6 / 8 * 1448 / 1500);
    flow_close(&f);
}

/* BBR and 1% random loss on a 20 Mbit/s path: the model does not shrink for loss, every
 * byte arrives, and goodput stays near the bottleneck (a loss-based controller gets a few
 * Mbit/s here). */
static void test_random_loss_keeps_model(void **state)
{
    (void)state;
    flow f;
    flow_open(&f, 20000000, 100, 0.01);
    const double link = 20e6 / 8 * 1448 / 1500;
    while (f.p.now < f.t0 + 3000000)
        flow_step(&f);
    tcp_bbr_view v = view(&f);
    double rate = (double)f.got / ((double)(f.p.now - f.t0) / 1e6);
    const synack_link_stats *a = synack_simnet_link_stats(f.p.net, PAIR_CLIENT, PAIR_SERVER);
    printf("1%% loss: %.2f Mbit/s goodput over 3 s, bw estimate %.2f Mbit/s, lost %llu\n",
           rate * 8 / 1e6, v.bw * 8 / 1e6, (unsigned long long)a->lost);
    assert_true(a->lost > 20);
    assert_true(v.bw > 0.95 * link);
    assert_true(rate > 0.75 * link);
    flow_close(&f);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_startup_drain_probe_bw),
        cmocka_unit_test(test_probe_rtt_after_10s),
        cmocka_unit_test(test_random_loss_keeps_model),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
