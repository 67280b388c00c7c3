/* SPDX-License-Identifier: MIT */
/* CUBIC congestion control (RFC 9438) with HyStart++ slow-start exit (RFC 9406), or with
 * Linux's HyStart (cfg.hystart_linux, the linux profile).
 *
 * Integer arithmetic only (no libm): windows in bytes, time in milliseconds for the cubic
 * function, with C = 0.4 and beta_cubic = 0.7 as the RFC recommends. */
#include "tcp/pacing.h"
#include "tcp/tcp.h"

/* Per-connection CUBIC state, kept in tcp_conn.cc_priv. */
typedef struct cubic {
    uint64_t epoch_start_ms; /* start of the current congestion-avoidance epoch, 0 = none */
    uint32_t w_max;          /* window before the last reduction, bytes */
    uint32_t w_last_max;     /* w_max before that (fast convergence, RFC 9438 4.7) */
    uint32_t k_ms;           /* time to return to w_max, ms (RFC 9438 eq. 2) */
    uint32_t w_est;          /* Reno-friendly estimate, bytes (RFC 9438 4.3) */
    uint32_t est_acked;      /* bytes acked towards the next W_est increase */
    /* HyStart++ (RFC 9406 4.2) */
    uint32_t round_end;      /* snd_max when the current round started */
    uint32_t last_round_min; /* minimum RTT of the previous round, µs (UINT32_MAX: none) */
    uint32_t cur_round_min;  /* minimum RTT so far in this round, µs */
    uint32_t rtt_samples;    /* samples in this round */
    uint32_t css_baseline;   /* RTT that triggered Conservative Slow Start, 0 = not in CSS */
    uint32_t css_rounds;     /* rounds spent in CSS */
    /* Linux's HyStart (cfg.hystart_linux) reuses round_end, cur_round_min, rtt_samples,
     * and last_round_min as its delay_min: the smallest RTT seen (UINT32_MAX: none) */
    uint32_t round_start; /* when the round began, µs clock (low 32 bits) */
    uint32_t last_ack;    /* the latest ACK of the ACK train, µs clock (low 32 bits) */
    uint8_t found;        /* slow start was ended by it */
} cubic;

_Static_assert(sizeof(cubic) <= sizeof(((tcp_xfer *)0)->cc_priv), "cc_priv too small");

static cubic *cub(tcp_conn *c)
{
    return (cubic *)(void *)c->x->cc_priv;
}

static uint32_t icbrt64(uint64_t x)
{
    /* integer cube root by bisection on bits: the largest r with r^3 <= x */
    uint64_t r = 0;
    for (int b = 21; b >= 0; b--) {
        uint64_t t = r | (1ull << b);
        if (t * t * t <= x)
            r = t;
    }
    return (uint32_t)r;
}

/* Linux's bictcp_hystart_reset: a new round starts with the data sent from now on. */
static void hystart_round(tcp_conn *c, cubic *k)
{
    k->round_start = k->last_ack = (uint32_t)c->st->now;
    k->round_end = c->snd_nxt;
    k->cur_round_min = UINT32_MAX;
    k->rtt_samples = 0;
}

/* After idle too (RFC 9438 5.8): no epoch (the next ACK in avoidance starts one at the
 * current window, as after a reduction with W_max forgotten) and fresh HyStart++ rounds. */
static void cubic_restart(tcp_conn *c)
{
    cubic *k = cub(c);
    *k = (cubic){0};
    k->last_round_min = UINT32_MAX;
    k->cur_round_min = UINT32_MAX;
    k->round_end = c->snd_max;
    if (c->st->cfg.hystart_linux)
        hystart_round(c, k);
    c->x->bytes_acked_ca = 0;
}

static void cubic_init(tcp_conn *c)
{
    cubic_restart(c);
    c->cwnd = tcp_initial_cwnd(c);
    c->ssthresh = UINT32_MAX / 2;
}

static uint64_t now_ms(const tcp_conn *c)
{
    return c->st->now / 1000 + 1;
}

/* RFC 9438 eq. 1: W_cubic(t) = C (t - K)^3 + W_max, in bytes, t in ms since the epoch. */
static uint32_t w_cubic(const tcp_conn *c, const cubic *k, uint64_t t_ms)
{
    int64_t dt = (int64_t)t_ms - (int64_t)k->k_ms;
    if (dt > 100000)
        dt = 100000;
    if (dt < -100000)
        dt = -100000;
    /* C * dt^3 segments with C = 0.4 and dt in ms: 4 dt^3 / 10^10 segments. */
    int64_t delta = 4 * dt * dt * dt / 10000 * (int64_t)c->snd_mss / 1000000;
    int64_t w = (int64_t)k->w_max + delta;
    if (w < (int64_t)(2 * c->snd_mss))
        w = 2 * (int64_t)c->snd_mss;
    if (w > (int64_t)(UINT32_MAX / 2))
        w = UINT32_MAX / 2;
    return (uint32_t)w;
}

static void start_epoch(tcp_conn *c, cubic *k)
{
    k->epoch_start_ms = now_ms(c);
    if (c->cwnd < k->w_max) {
        /* RFC 9438 eq. 2: K = cbrt(W_max (1 - beta) / C) seconds, in segments. */
        uint64_t segs = (k->w_max - c->cwnd) / c->snd_mss;
        k->k_ms = icbrt64(segs * 2500000000ull); /* (1/C) = 2.5, seconds^3 -> ms^3 */
    } else {
        k->k_ms = 0;
        k->w_max = c->cwnd;
    }
    k->w_est = c->cwnd;
    k->est_acked = 0;
}

static void cubic_on_ack(tcp_conn *c, uint32_t acked)
{
    cubic *k = cub(c);
    uint32_t mss = c->snd_mss;
    if (c->cwnd < c->ssthresh) {
        if (c->st->cfg.hystart_linux && seq_gt(c->snd_una, k->round_end))
            hystart_round(c, k);
        /* slow start; HyStart++'s Conservative Slow Start grows at a quarter of the rate */
        uint32_t inc = tcp_ss_increase(c, acked);
        c->cwnd += k->css_baseline ? (inc + 3) / 4 : inc;
        return;
    }
    if (k->epoch_start_ms == 0)
        start_epoch(c, k);
    uint64_t t = now_ms(c) - k->epoch_start_ms;
    uint32_t rtt_ms = c->srtt_us / 1000;
    uint32_t target = w_cubic(c, k, t + rtt_ms);
    /* RFC 9438 4.4: the target stays within [cwnd, 1.5 cwnd] */
    if (target < c->cwnd)
        target = c->cwnd;
    if (target > c->cwnd + c->cwnd / 2)
        target = c->cwnd + c->cwnd / 2;
    /* RFC 9438 4.3: the Reno-friendly region, alpha_cubic = 3(1-beta)/(1+beta) ~ 0.53 */
    k->est_acked += acked;
    if (k->est_acked >= c->cwnd) {
        k->est_acked -= c->cwnd;
        k->w_est += (uint32_t)((uint64_t)mss * 53 / 100);
    }
    if (k->w_est > target) {
        if (k->w_est > c->cwnd)
            c->cwnd = k->w_est;
        return;
    }
    /* RFC 9438 4.4/4.5: cwnd += (target - cwnd) / cwnd per SMSS acked, in bytes */
    c->x->bytes_acked_ca += (uint32_t)((uint64_t)(target - c->cwnd) * acked / c->cwnd);
    if (c->x->bytes_acked_ca >= mss / 8 || target - c->cwnd >= mss) {
        c->cwnd += c->x->bytes_acked_ca;
        c->x->bytes_acked_ca = 0;
    }
}

static void reduce(tcp_conn *c)
{
    cubic *k = cub(c);
    uint32_t cwnd = c->cwnd;
    /* RFC 9438 4.7 fast convergence */
    if (cwnd < k->w_last_max)
        k->w_max = (uint32_t)((uint64_t)cwnd * 17 / 20); /* cwnd (1 + beta) / 2 */
    else
        k->w_max = cwnd;
    k->w_last_max = cwnd;
    /* RFC 9438 4.6: ssthresh = cwnd * beta_cubic, at least 2 SMSS */
    uint32_t ss = (uint32_t)((uint64_t)cwnd * 7 / 10);
    if (ss < 2 * c->snd_mss)
        ss = 2 * c->snd_mss;
    c->ssthresh = ss;
    k->epoch_start_ms = 0;
    k->css_baseline = 0;
    c->x->bytes_acked_ca = 0;
}

static void cubic_enter_recovery(tcp_conn *c)
{
    reduce(c);
    c->cwnd = c->ssthresh + 3u * c->snd_mss;
}

static void cubic_exit_recovery(tcp_conn *c)
{
    c->cwnd = c->ssthresh;
}

static void cubic_on_rto(tcp_conn *c)
{
    reduce(c);
    /* Linux's bictcp_reset on TCP_CA_Loss: HyStart may end the next slow start again */
    cub(c)->found = 0;
    cub(c)->last_round_min = UINT32_MAX;
    c->cwnd = c->snd_mss; /* RFC 9438 4.8: the loss window */
}

/* Linux's HyStart (tcp_cubic.c hystart_update, detect = ACK train | delay), from cwnd 16
 * segments on: slow start ends, ssthresh = cwnd, when ACKs arriving at most 2 ms apart have
 * kept coming for longer than half the minimum RTT (plus the time a 64 KB burst takes at
 * the slow-start pacing rate, at most 1 ms), or when the smallest of a round's RTT samples,
 * after its first 8, is above the minimum RTT by 1/8 of it, clamped to 4..16 ms. */
static void hystart_linux(tcp_conn *c, cubic *k, uint32_t rtt)
{
    if (k->epoch_start_ms && now_ms(c) - k->epoch_start_ms < 1000)
        return; /* Linux: right after a reduction, delays are not the path's */
    if (rtt < k->last_round_min)
        k->last_round_min = rtt;
    uint32_t delay_min = k->last_round_min;
    if (k->found || c->cwnd >= c->ssthresh || c->cwnd < 16u * c->snd_mss)
        return;
    if (seq_gt(c->snd_una, k->round_end))
        hystart_round(c, k);
    uint32_t now = (uint32_t)c->st->now;
    if (now - k->last_ack <= 2000) {
        k->last_ack = now;
        /* the ACK train may start after a burst the sender paced over up to RTT/2 */
        uint64_t burst = c->cwnd ? 131072ull * c->srtt_us / c->cwnd : 1000;
        uint64_t thresh = delay_min + (burst < 1000 ? burst : 1000);
        if (!tcp_pacing_on(c))
            thresh /= 2;
        if (now - k->round_start > thresh)
            k->found = 1;
    }
    if (rtt < k->cur_round_min)
        k->cur_round_min = rtt;
    if (k->rtt_samples < 8) {
        k->rtt_samples++;
    } else {
        uint32_t eta = delay_min / 8;
        eta = eta < 4000 ? 4000 : eta > 16000 ? 16000 : eta;
        if (k->cur_round_min > delay_min + eta)
            k->found = 1;
    }
    if (k->found)
        c->ssthresh = c->cwnd;
}

/* HyStart++ (RFC 9406 4.2): watch each round's minimum RTT during slow start and leave
 * slow start when it rises by more than eta = clamp(minRTT/8, 4 ms, 16 ms). */
static void cubic_on_rtt(tcp_conn *c, uint32_t rtt)
{
    cubic *k = cub(c);
    if (c->st->cfg.hystart_linux) {
        hystart_linux(c, k, rtt);
        return;
    }
    if (c->cwnd >= c->ssthresh)
        return;
    if (seq_ge(c->snd_una, k->round_end)) { /* a new round */
        k->round_end = c->snd_max;
        if (k->css_baseline && ++k->css_rounds >= 5) {
            c->ssthresh = c->cwnd; /* CSS_ROUNDS done: enter congestion avoidance */
            k->css_baseline = 0;
            return;
        }
        k->last_round_min = k->cur_round_min;
        k->cur_round_min = UINT32_MAX;
        k->rtt_samples = 0;
    }
    if (rtt < k->cur_round_min)
        k->cur_round_min = rtt;
    k->rtt_samples++;
    if (k->css_baseline) {
        if (k->cur_round_min < k->css_baseline)
            k->css_baseline = 0; /* the rise was spurious: back to slow start */
        return;
    }
    if (k->rtt_samples >= 8 && k->last_round_min != UINT32_MAX) {
        uint32_t eta = k->last_round_min / 8;
        if (eta < 4000)
            eta = 4000;
        if (eta > 16000)
            eta = 16000;
        if (k->cur_round_min >= k->last_round_min + eta) {
            k->css_baseline = k->cur_round_min;
            k->css_rounds = 0;
        }
    }
}

const tcp_cc_ops tcp_cc_cubic = {
    .name = "cubic",
    .init = cubic_init,
    .on_ack = cubic_on_ack,
    .on_enter_recovery = cubic_enter_recovery,
    .on_exit_recovery = cubic_exit_recovery,
    .on_rto = cubic_on_rto,
    .on_rtt = cubic_on_rtt,
    .restart = cubic_restart,
};
