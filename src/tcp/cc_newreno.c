/* SPDX-License-Identifier: MIT */
/* NewReno congestion control: RFC 5681 slow start and congestion avoidance, RFC 6582 fast
 * recovery. Fast retransmit itself and the partial-ACK retransmissions live in input.c;
 * this file only moves cwnd and ssthresh. */
#include "tcp/tcp.h"

#include <string.h>

uint32_t tcp_flight_size(const tcp_conn *c)
{
    return c->snd_max - c->snd_una;
}

const tcp_cc_ops *tcp_cc_find(const char *name)
{
    static const tcp_cc_ops *const all[] = {&tcp_cc_cubic, &tcp_cc_newreno, &tcp_cc_bbr};
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
        if (strcmp(all[i]->name, name) == 0)
            return all[i];
    return NULL;
}

static void newreno_init(tcp_conn *c)
{
    /* RFC 6928 initial window; RFC 5681 3.1: ssthresh starts arbitrarily high. */
    c->cwnd = tcp_initial_cwnd(c);
    c->ssthresh = UINT32_MAX / 2;
    c->x->bytes_acked_ca = 0;
}

/* After idle: the avoidance byte count starts over; the window is the TCB's. */
static void newreno_restart(tcp_conn *c)
{
    c->x->bytes_acked_ca = 0;
}

static void newreno_on_ack(tcp_conn *c, uint32_t acked)
{
    uint32_t mss = c->snd_mss;
    if (c->cwnd < c->ssthresh) {
        /* RFC 5681 3.1 slow start, with appropriate byte counting limited to one SMSS. */
        c->cwnd += tcp_ss_increase(c, acked);
        return;
    }
    /* Congestion avoidance: one SMSS per cwnd of bytes acknowledged (RFC 5681 eq. 3
     * by byte counting, RFC 3465). */
    c->x->bytes_acked_ca += acked;
    if (c->x->bytes_acked_ca >= c->cwnd) {
        c->x->bytes_acked_ca -= c->cwnd;
        c->cwnd += mss;
    }
}

static uint32_t half_flight(const tcp_conn *c)
{
    /* RFC 5681 eq. 4: ssthresh = max(FlightSize / 2, 2 * SMSS). */
    uint32_t half = tcp_flight_size(c) / 2;
    uint32_t floor = 2u * c->snd_mss;
    return half > floor ? half : floor;
}

static void newreno_enter_recovery(tcp_conn *c)
{
    c->ssthresh = half_flight(c);
    /* RFC 5681 3.2 step 3: inflate by the three segments that left the network. */
    c->cwnd = c->ssthresh + 3u * c->snd_mss;
}

static void newreno_exit_recovery(tcp_conn *c)
{
    /* RFC 6582 3.2 step 3, option (1): deflate to ssthresh. */
    c->cwnd = c->ssthresh;
    c->x->bytes_acked_ca = 0;
}

static void newreno_on_rto(tcp_conn *c)
{
    /* RFC 5681 3.1 eq. 4 and: cwnd = loss window = 1 SMSS. */
    c->ssthresh = half_flight(c);
    c->cwnd = c->snd_mss;
    c->x->bytes_acked_ca = 0;
}

const tcp_cc_ops tcp_cc_newreno = {
    .name = "newreno",
    .init = newreno_init,
    .on_ack = newreno_on_ack,
    .on_enter_recovery = newreno_enter_recovery,
    .on_exit_recovery = newreno_exit_recovery,
    .on_rto = newreno_on_rto,
    .restart = newreno_restart,
};
