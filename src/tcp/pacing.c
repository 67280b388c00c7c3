/* SPDX-License-Identifier: MIT */
/* Pacing, a token bucket in payload bytes (see pacing.h).
 *
 * pace_stamp is the low 32 bits of the µs clock. A connection idle for more than 71 minutes
 * may see a short elapsed time across the wrap: it then waits for credit it should already
 * have had, at most one quantum's worth of time once. */
#include "tcp/pacing.h"

#include "tcp/tcp.h"

int tcp_pacing_on(const tcp_conn *c)
{
    return c->pacing || c->cc->cong_control != NULL;
}

uint32_t tcp_pacing_rate(const tcp_conn *c)
{
    uint64_t rate;
    if (c->cc->cong_control) {
        rate = c->x->pacing_rate;
    } else if (!c->pacing || !c->srtt_us) {
        rate = 0;
    } else {
        /* Linux tcp_update_pacing_rate: 200% of cwnd per SRTT in slow start, 120% after */
        uint32_t flight = c->snd_max - c->snd_una;
        uint64_t w = c->cwnd > flight ? c->cwnd : flight;
        uint64_t pct = c->cwnd < c->ssthresh / 2 ? 200 : 120;
        rate = w * pct * 10000 / c->srtt_us; /* w * pct/100 * 1e6 / srtt */
        if (rate == 0)
            rate = 1;
    }
    if (c->x->pacing_max && (rate == 0 || rate > c->x->pacing_max))
        rate = c->x->pacing_max;
    return rate > UINT32_MAX ? UINT32_MAX : (uint32_t)rate;
}

uint32_t tcp_pacing_quantum(const tcp_conn *c, uint32_t rate)
{
    /* A millisecond of the rate, plus the segment its credit may leave unfinished: a host
     * that wakes once a millisecond then sends all of it, and loses no fraction to the cap. */
    uint32_t q = rate / 1000 + c->snd_mss;
    uint32_t two = 2u * c->snd_mss;
    return q > two ? q : two;
}

/* The credit is kept in 1/64 bytes: rounding each refresh down to whole bytes would lose
 * or (re-crediting the time behind the fraction) gift up to a byte's worth per ACK, a few
 * percent of the rate at 100 Mbit/s. */
#define UNIT 64

/* Brings the credit up to now at `rate`, capped at the quantum. */
static void refresh(tcp_conn *c, uint32_t rate)
{
    uint32_t now = (uint32_t)c->st->now;
    uint32_t el = now - c->x->pace_stamp;
    if (el > 1000000u)
        el = 1000000u; /* a second refills any bucket (the quantum is at most 1 ms) */
    c->x->pace_stamp = now;
    int64_t q = (int64_t)tcp_pacing_quantum(c, rate) * UNIT;
    int64_t credit = (int64_t)c->x->pace_credit + (int64_t)((uint64_t)rate * el * UNIT / 1000000u);
    c->x->pace_credit = (int32_t)(credit < q ? credit : q);
}

uint32_t tcp_pace_allow(tcp_conn *c, uint32_t len, uint32_t mss)
{
    uint32_t rate = tcp_pacing_rate(c);
    if (rate == 0 || len == 0)
        return len;
    refresh(c, rate);
    int64_t credit = c->x->pace_credit;
    if (credit >= (int64_t)len * UNIT)
        return len;
    uint32_t need = len < mss ? len : mss;
    if (credit >= (int64_t)need * UNIT)
        return (uint32_t)(credit / UNIT) / mss * mss; /* a TSO frame shrinks to the whole
                                                         segments the credit covers */
    uint64_t short_by = (uint64_t)((int64_t)need * UNIT - credit);
    uint64_t wait = (short_by * 1000000u + (uint64_t)rate * UNIT - 1) / ((uint64_t)rate * UNIT);
    uint64_t when = c->st->now + (wait ? wait : 1);
    if (tcp_deadline(c, TT_PACE) <= c->st->now || tcp_deadline(c, TT_PACE) > when)
        tcp_timer_set(c, TT_PACE, when);
    return 0;
}

void tcp_pace_sent(tcp_conn *c, uint32_t len)
{
    uint32_t rate = tcp_pacing_rate(c);
    if (rate == 0 || len == 0)
        return;
    refresh(c, rate);
    /* A segment that went without waiting (a fast retransmission, a probe) overdraws the
     * bucket, by at most one quantum so that a burst of them is not remembered forever. */
    int64_t floor = -(int64_t)tcp_pacing_quantum(c, rate) * UNIT;
    int64_t credit = (int64_t)c->x->pace_credit - (int64_t)len * UNIT;
    c->x->pace_credit = (int32_t)(credit < floor ? floor : credit);
}
