/* SPDX-License-Identifier: MIT */
/* BBR v1 congestion control (draft-cardwell-iccrg-bbr-congestion-control-00): a model of
 * the path — its bottleneck bandwidth (the windowed maximum of per-ACK delivery-rate
 * samples, rate.c) and its round-trip propagation time (the windowed minimum RTT) — sets
 * the pacing rate (gain x bandwidth) and cwnd (gain x bandwidth-delay product). Random
 * loss does not enter the model, so a lossy path is filled where a loss-based controller
 * is held to the Mathis bound.
 *
 * Modes: Startup (gain 2/ln 2 until the bandwidth stops growing by 25% for three rounds),
 * Drain (the inverse gain until the queue Startup built is gone), ProbeBW (the eight-phase
 * pacing-gain cycle 5/4, 3/4, 1 x 6, each about one min RTT long) and ProbeRTT (every 10 s
 * without a lower RTT: cwnd 4 segments for 200 ms and one round, to measure the empty
 * path). Loss recovery conserves packets for its first round and then grows back to the
 * target; the window before it is restored when it ends (section 4.2.3.4 of the draft).
 * Left out: the long-term (policer) bandwidth model and ACK-aggregation estimates of later
 * Linux versions; losses per ACK are not counted (the RFC 6675 pipe already excludes them).
 *
 * Gains are fixed point with 256 = 1.0. Rates are payload bytes per second. */
#include "tcp/rate.h"
#include "tcp/sack.h"
#include "tcp/tcp.h"

enum { BBR_STARTUP, BBR_DRAIN, BBR_PROBE_BW, BBR_PROBE_RTT };

#define UNIT 256u
#define HIGH_GAIN 739u           /* 2/ln 2 = 2.885: doubles the delivery rate every round */
#define DRAIN_GAIN 88u           /* ln 2/2 = 0.347: drains Startup's queue in one round */
#define CWND_GAIN 512u           /* 2 x BDP: room for delayed and aggregated ACKs */
#define BW_WINDOW_ROUNDS 10u     /* the bandwidth filter's window, round trips */
#define MIN_RTT_WINDOW_MS 10000u /* the min-RTT filter's window */
#define PROBE_RTT_MS 200u        /* time at the ProbeRTT window */
#define MIN_PIPE_SEGS 4u         /* ProbeRTT's window and the smallest cwnd */
#define FULL_BW_GROWTH 320u      /* 1.25: Startup continues while bandwidth grows this much */
#define FULL_BW_ROUNDS 3u        /* ... within this many rounds */
#define PACING_MARGIN_PCT 99u    /* pace 1% below the estimate, so queues drain (as Linux) */

static const uint16_t cycle_gain[8] = {320, 192, 256, 256, 256, 256, 256, 256};

/* Per-connection BBR state, kept in tcp_conn.cc_priv. */
typedef struct bbr {
    uint32_t bw[3];                    /* windowed max filter of the delivery rate, bytes/s: the
                                          best in the window, then the best after it, and after
                                          that (Kathleen Nichols' algorithm) */
    uint16_t bw_round[3];              /* the round each of those was measured in */
    uint16_t round_count;              /* round trips counted (wraps; compared by difference) */
    uint32_t next_round_delivered;     /* delivered count at which the current round ends */
    uint32_t min_rtt_us;               /* RTprop estimate; UINT32_MAX before any sample */
    uint32_t min_rtt_stamp;            /* when it was measured, ms clock (low 32 bits) */
    uint32_t probe_rtt_done;           /* ms clock at which ProbeRTT may end, once timed */
    uint32_t cycle_stamp;              /* when the current gain-cycle phase began, µs (low bits) */
    uint32_t full_bw;                  /* bandwidth at the last 25% growth in Startup */
    uint32_t prior_cwnd;               /* cwnd before loss recovery or ProbeRTT, restored after */
    uint16_t pacing_gain;              /* current pacing gain, x 1/256 */
    uint16_t cwnd_gain;                /* current cwnd gain, x 1/256 */
    uint8_t mode;                      /* BBR_STARTUP ... BBR_PROBE_RTT */
    uint8_t cycle_index;               /* phase of the ProbeBW gain cycle */
    uint8_t full_bw_count;             /* rounds in Startup without 25% growth */
    unsigned filled_pipe : 1;          /* Startup found the bottleneck bandwidth */
    unsigned round_start : 1;          /* this ACK began a new round trip */
    unsigned probe_rtt_timed : 1;      /* ProbeRTT reached its window: probe_rtt_done is set */
    unsigned probe_rtt_round_done : 1; /* ProbeRTT has also lasted a round trip */
    unsigned packet_conservation : 1;  /* first round of recovery: cwnd follows the flight */
    unsigned rto_restore : 1;          /* after an RTO: restore prior_cwnd once SND.UNA passes
                                          the recovery point */
} bbr;

_Static_assert(sizeof(bbr) <= sizeof(((tcp_xfer *)0)->cc_priv), "cc_priv too small");

static bbr *bb(tcp_conn *c)
{
    return (bbr *)(void *)c->x->cc_priv;
}

static uint32_t ms_now(const tcp_conn *c)
{
    return (uint32_t)(c->st->now / 1000);
}

static const char *const mode_note[] = {"bbr startup", "bbr drain", "bbr probe-bw",
                                        "bbr probe-rtt"};

static void set_mode(tcp_conn *c, bbr *b, uint8_t mode, uint16_t pacing_gain, uint16_t cwnd_gain)
{
    b->mode = mode;
    b->pacing_gain = pacing_gain;
    b->cwnd_gain = cwnd_gain;
    if (stack_tracing(c->st)) {
        synack_event ev = {.type = SYNACK_EV_NOTE, .has_conn = 1, .sock = c->sock};
        tcp_conn_endpoints(c, &ev.conn);
        ev.u.note.text = mode_note[mode];
        stack_emit(c->st, &ev);
    }
}

/* Bytes in the network: RFC 6675's pipe once SACK has shown holes, else what was sent
 * since SND.UNA (after an RTO, SND.NXT went back: only the resent part counts). */
static uint32_t inflight_now(const tcp_conn *c)
{
    if (c->sack_ok && c->x->nsb)
        return tcp_sack_pipe(c);
    return c->snd_nxt - c->snd_una;
}

/* Draft 4.2.2.1: how much a pacer burst may hold. */
static uint32_t send_quantum(const tcp_conn *c)
{
    uint32_t rate = c->x->pacing_rate;
    if (rate < 150000) /* 1.2 Mbit/s */
        return c->snd_mss;
    if (rate < 3000000) /* 24 Mbit/s */
        return 2u * c->snd_mss;
    uint32_t q = rate / 1000;
    return q < 65536 ? q : 65536;
}

/* Draft 4.2.3.2 BBRInflight: gain x BDP plus three send quanta (for ACKs that arrive in
 * bursts and for the pacer's own bursts). */
static uint32_t target_inflight(const tcp_conn *c, const bbr *b, uint32_t gain)
{
    if (b->min_rtt_us == UINT32_MAX || b->bw[0] == 0)
        return c->st->cfg.initial_cwnd_segs * c->snd_mss;
    uint64_t bdp = (uint64_t)b->bw[0] * b->min_rtt_us / 1000000u;
    uint64_t t = bdp * gain / UNIT + (b->mode == BBR_STARTUP ? 0 : 3ull * send_quantum(c));
    return t > UINT32_MAX / 2 ? UINT32_MAX / 2 : (uint32_t)t;
}

/* The windowed max filter: three samples, each the best since the one before it, so the
 * best in the window survives until it ages out and the next best takes over. */
static void bw_filter(bbr *b, uint32_t v)
{
    uint16_t r = b->round_count;
    if (v >= b->bw[0] || (uint16_t)(r - b->bw_round[2]) > BW_WINDOW_ROUNDS) {
        for (int i = 0; i < 3; i++) {
            b->bw[i] = v;
            b->bw_round[i] = r;
        }
        return;
    }
    if (v >= b->bw[1]) {
        b->bw[1] = b->bw[2] = v;
        b->bw_round[1] = b->bw_round[2] = r;
    } else if (v >= b->bw[2]) {
        b->bw[2] = v;
        b->bw_round[2] = r;
    }
    uint16_t age = (uint16_t)(r - b->bw_round[0]);
    if (age > BW_WINDOW_ROUNDS) {
        /* the best aged out: the next best moves up */
        b->bw[0] = b->bw[1];
        b->bw_round[0] = b->bw_round[1];
        b->bw[1] = b->bw[2];
        b->bw_round[1] = b->bw_round[2];
        b->bw[2] = v;
        b->bw_round[2] = r;
        if ((uint16_t)(r - b->bw_round[0]) > BW_WINDOW_ROUNDS) {
            b->bw[0] = b->bw[1];
            b->bw_round[0] = b->bw_round[1];
            b->bw[1] = b->bw[2];
            b->bw_round[1] = b->bw_round[2];
        }
    } else if (b->bw_round[1] == b->bw_round[0] && age > BW_WINDOW_ROUNDS / 4) {
        /* keep the runners-up from a later part of the window */
        b->bw[1] = b->bw[2] = v;
        b->bw_round[1] = b->bw_round[2] = r;
    } else if (b->bw_round[2] == b->bw_round[1] && age > BW_WINDOW_ROUNDS / 2) {
        b->bw[2] = v;
        b->bw_round[2] = r;
    }
}

/* Draft 4.1.1.3: a round ends when a segment sent after its start is delivered. */
static void update_round(tcp_conn *c, bbr *b, const tcp_rate_sample *rs)
{
    b->round_start = 0;
    if (rs->has_prior && (int32_t)(rs->prior_delivered - b->next_round_delivered) >= 0) {
        b->next_round_delivered = tcp_rate_delivered(c);
        b->round_count++;
        b->round_start = 1;
        b->packet_conservation = 0;
    }
}

/* Draft 4.1.1.5: app-limited samples only count when they show more than the estimate. */
static void update_bw(bbr *b, const tcp_rate_sample *rs)
{
    if (!rs->interval_us || !rs->delivered)
        return;
    uint64_t bw = (uint64_t)rs->delivered * 1000000u / rs->interval_us;
    if (bw > UINT32_MAX)
        bw = UINT32_MAX;
    if (!rs->is_app_limited || bw >= b->bw[0])
        bw_filter(b, (uint32_t)bw);
}

static void advance_cycle_phase(tcp_conn *c, bbr *b)
{
    b->cycle_index = (uint8_t)((b->cycle_index + 1) % 8);
    b->cycle_stamp = (uint32_t)c->st->now;
    b->pacing_gain = cycle_gain[b->cycle_index];
}

/* Draft 4.3.4.3: a phase lasts one min RTT; probing (5/4) lasts until the flight has grown
 * to match, draining (3/4) ends early once the flight is down to one BDP. */
static int next_cycle_phase(tcp_conn *c, const bbr *b, uint32_t prior_inflight)
{
    int full_length = (uint32_t)((uint32_t)c->st->now - b->cycle_stamp) > b->min_rtt_us;
    if (b->pacing_gain == UNIT)
        return full_length;
    if (b->pacing_gain > UNIT)
        return full_length && prior_inflight >= target_inflight(c, b, b->pacing_gain);
    return full_length || prior_inflight <= target_inflight(c, b, UNIT);
}

/* Startup's cwnd gain is -02's 2 rather than -00's 2/ln 2: the pacing gain already doubles
 * the rate every round, and a window of 2.9 BDPs overflows a queue of one BDP by most of
 * a BDP before three flat rounds end Startup. */
static void enter_startup(tcp_conn *c, bbr *b)
{
    set_mode(c, b, BBR_STARTUP, HIGH_GAIN, CWND_GAIN);
}

static void enter_probe_bw(tcp_conn *c, bbr *b)
{
    set_mode(c, b, BBR_PROBE_BW, UNIT, CWND_GAIN);
    /* start at a random phase other than the draining one (draft 4.3.4.2) */
    b->cycle_index = (uint8_t)(7 - rng_below(&c->st->rng, 7));
    advance_cycle_phase(c, b);
}

/* Draft 4.3.2.2: the pipe is full once three rounds brought less than 25% more; or one,
 * when losses are being repaired (check_startup_loss). */
static void check_full_pipe(tcp_conn *c, bbr *b, const tcp_rate_sample *rs)
{
    if (b->filled_pipe || !b->round_start || rs->is_app_limited)
        return;
    if ((uint64_t)b->bw[0] * UNIT >= (uint64_t)b->full_bw * FULL_BW_GROWTH) {
        b->full_bw = b->bw[0];
        b->full_bw_count = 0;
        return;
    }
    if (++b->full_bw_count >= FULL_BW_ROUNDS || c->in_recovery || b->rto_restore)
        b->filled_pipe = 1;
}

static void check_drain(tcp_conn *c, bbr *b, uint32_t inflight)
{
    if (b->mode == BBR_STARTUP && b->filled_pipe)
        set_mode(c, b, BBR_DRAIN, DRAIN_GAIN, CWND_GAIN);
    if (b->mode == BBR_DRAIN && inflight <= target_inflight(c, b, UNIT))
        enter_probe_bw(c, b);
}

/* The window worth restoring later: outside recovery and ProbeRTT the current one, else
 * the larger of the current and the one saved before (draft 4.2.3.4). */
static uint32_t save_cwnd(const tcp_conn *c, const bbr *b, int recovering)
{
    if (!recovering && b->mode != BBR_PROBE_RTT)
        return c->cwnd;
    return c->cwnd > b->prior_cwnd ? c->cwnd : b->prior_cwnd;
}

/* Draft 4.1.2.3 and 4.3.5: the min-RTT filter, and ProbeRTT when it expired. */
static void update_min_rtt(tcp_conn *c, bbr *b, const tcp_rate_sample *rs, uint32_t inflight)
{
    uint32_t ms = ms_now(c);
    int expired = (uint32_t)(ms - b->min_rtt_stamp) > MIN_RTT_WINDOW_MS;
    if (rs->rtt_us && (rs->rtt_us < b->min_rtt_us || expired)) {
        b->min_rtt_us = rs->rtt_us;
        b->min_rtt_stamp = ms;
    }
    if (expired && b->mode != BBR_PROBE_RTT) {
        b->prior_cwnd = save_cwnd(c, b, c->in_recovery || b->rto_restore);
        b->probe_rtt_timed = 0;
        set_mode(c, b, BBR_PROBE_RTT, UNIT, UNIT);
    }
    if (b->mode != BBR_PROBE_RTT)
        return;
    /* the low rates of a small window say nothing about the path */
    tcp_rate_app_limited(c, inflight);
    if (!b->probe_rtt_timed && inflight <= MIN_PIPE_SEGS * c->snd_mss) {
        b->probe_rtt_done = ms + PROBE_RTT_MS;
        b->probe_rtt_timed = 1;
        b->probe_rtt_round_done = 0;
        b->next_round_delivered = tcp_rate_delivered(c);
    } else if (b->probe_rtt_timed) {
        if (b->round_start)
            b->probe_rtt_round_done = 1;
        if (b->probe_rtt_round_done && (int32_t)(ms - b->probe_rtt_done) >= 0) {
            b->min_rtt_stamp = ms;
            if (c->cwnd < b->prior_cwnd)
                c->cwnd = b->prior_cwnd;
            if (b->filled_pipe)
                enter_probe_bw(c, b);
            else
                enter_startup(c, b);
        }
    }
}

/* Draft 4.2.1: rate = gain x bandwidth; before the pipe is full it only ever rises. */
static void set_pacing_rate(tcp_conn *c, const bbr *b)
{
    uint64_t rate = (uint64_t)b->bw[0] * b->pacing_gain / UNIT * PACING_MARGIN_PCT / 100;
    if (rate > UINT32_MAX)
        rate = UINT32_MAX;
    if (rate && (b->filled_pipe || rate > c->x->pacing_rate))
        c->x->pacing_rate = (uint32_t)rate;
}

/* Draft 4.2.3: cwnd towards cwnd_gain x BDP, by at most what this ACK delivered. */
static void set_cwnd(tcp_conn *c, bbr *b, const tcp_rate_sample *rs, uint32_t inflight)
{
    uint32_t mss = c->snd_mss, cwnd = c->cwnd, acked = rs->acked;
    if (b->rto_restore && seq_ge(c->snd_una, c->x->snd_recover)) {
        b->rto_restore = 0; /* the timeout's losses are all repaired */
        if (cwnd < b->prior_cwnd)
            cwnd = b->prior_cwnd;
    }
    if (b->packet_conservation) {
        /* one segment out per one delivered. The draft first takes this ACK's newly lost
         * bytes off cwnd; the pipe already left them out, so following it does both. */
        cwnd = inflight + acked;
    } else {
        uint32_t target = target_inflight(c, b, b->cwnd_gain);
        if (b->filled_pipe)
            cwnd = cwnd + acked < target ? cwnd + acked : target;
        else if (cwnd < target || tcp_rate_delivered(c) < c->st->cfg.initial_cwnd_segs * mss)
            cwnd += acked;
        if (cwnd < MIN_PIPE_SEGS * mss)
            cwnd = MIN_PIPE_SEGS * mss;
    }
    if (b->mode == BBR_PROBE_RTT && cwnd > MIN_PIPE_SEGS * mss)
        cwnd = MIN_PIPE_SEGS * mss;
    c->cwnd = cwnd;
}

static void bbr_cong_control(tcp_conn *c, const tcp_rate_sample *rs)
{
    bbr *b = bb(c);
    uint32_t inflight = inflight_now(c);
    update_round(c, b, rs);
    update_bw(b, rs);
    if (b->mode == BBR_PROBE_BW && next_cycle_phase(c, b, inflight + rs->acked))
        advance_cycle_phase(c, b);
    check_full_pipe(c, b, rs);
    check_drain(c, b, inflight);
    update_min_rtt(c, b, rs, inflight);
    set_pacing_rate(c, b);
    set_cwnd(c, b, rs, inflight);
}

static void bbr_init(tcp_conn *c)
{
    bbr *b = bb(c);
    *b = (bbr){0};
    b->min_rtt_us = c->srtt_us ? c->srtt_us : UINT32_MAX;
    b->min_rtt_stamp = ms_now(c);
    b->next_round_delivered = tcp_rate_delivered(c);
    c->cwnd = tcp_initial_cwnd(c);
    c->ssthresh = UINT32_MAX / 2;
    c->x->bytes_acked_ca = 0;
    (void)tcp_rate_enable(c); /* without memory no samples: cwnd stays at its start */
    enter_startup(c, b);
    /* draft 4.2.1 BBRInitPacingRate: the initial window per SRTT (1 ms without one) */
    uint64_t rate = (uint64_t)c->cwnd * 1000000u / (c->srtt_us ? c->srtt_us : 1000u);
    rate = rate * HIGH_GAIN / UNIT;
    c->x->pacing_rate = rate > UINT32_MAX ? UINT32_MAX : (uint32_t)rate;
}

/* The window moves only in cong_control. */
static void bbr_on_ack(tcp_conn *c, uint32_t acked)
{
    (void)c;
    (void)acked;
}

/* Loss while Startup's bandwidth has already stopped growing: the queue it built
 * overflowed, and doubling on would only lose more (draft -02 4.3.1.3 exits Startup on high
 * loss; here one loss episode after a round without growth suffices). Random loss while
 * the bandwidth still grows leaves Startup alone. */
static void check_startup_loss(bbr *b)
{
    if (b->mode == BBR_STARTUP && b->full_bw_count >= 1)
        b->filled_pipe = 1;
}

static void bbr_enter_recovery(tcp_conn *c)
{
    bbr *b = bb(c);
    check_startup_loss(b);
    b->prior_cwnd = save_cwnd(c, b, b->rto_restore);
    /* draft 4.2.3.4: the first round of recovery sends one segment per one delivered */
    b->packet_conservation = 1;
    b->next_round_delivered = tcp_rate_delivered(c);
    c->cwnd = inflight_now(c);
    if (c->cwnd < c->snd_mss)
        c->cwnd = c->snd_mss;
}

static void bbr_exit_recovery(tcp_conn *c)
{
    bbr *b = bb(c);
    b->packet_conservation = 0;
    if (c->cwnd < b->prior_cwnd)
        c->cwnd = b->prior_cwnd;
}

static void bbr_on_rto(tcp_conn *c)
{
    bbr *b = bb(c);
    b->prior_cwnd = save_cwnd(c, b, c->in_recovery || b->rto_restore);
    b->rto_restore = 1;
    b->packet_conservation = 0;
    check_startup_loss(b);
    c->cwnd = c->snd_mss;
}

int tcp_bbr_state(const tcp_conn *c, tcp_bbr_view *v)
{
    if (c->cc != &tcp_cc_bbr)
        return -1;
    const bbr *b = (const bbr *)(const void *)c->x->cc_priv;
    v->mode = b->mode;
    v->bw = b->bw[0];
    v->min_rtt_us = b->min_rtt_us;
    v->rounds = b->round_count;
    v->pacing_gain = b->pacing_gain;
    v->cwnd_gain = b->cwnd_gain;
    return 0;
}

const tcp_cc_ops tcp_cc_bbr = {
    .name = "bbr",
    .init = bbr_init,
    .on_ack = bbr_on_ack,
    .on_enter_recovery = bbr_enter_recovery,
    .on_exit_recovery = bbr_exit_recovery,
    .on_rto = bbr_on_rto,
    .cong_control = bbr_cong_control,
};
