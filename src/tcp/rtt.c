/* SPDX-License-Identifier: MIT */
/* Round-trip time estimation and the retransmission timeout, RFC 6298. */
#include "tcp/tcp.h"

void tcp_rtt_init(tcp_conn *c)
{
    /* RFC 6298 2.1: until a measurement is made, RTO is the initial value (1 s). */
    c->srtt_us = 0;
    c->rttvar_us = 0;
    c->rto_us = (uint32_t)c->st->cfg.rto_initial_us;
}

void tcp_rtt_sample(tcp_conn *c, uint32_t r)
{
    const synack_config *cfg = &c->st->cfg;
    if (r == 0)
        r = 1;
    if (c->srtt_us == 0) {
        /* RFC 6298 2.2: the first measurement. */
        c->srtt_us = r;
        c->rttvar_us = r / 2;
    } else {
        /* RFC 6298 2.3 with alpha = 1/8, beta = 1/4. */
        uint32_t delta = c->srtt_us > r ? c->srtt_us - r : r - c->srtt_us;
        if (cfg->rto_var_floor && r < c->srtt_us && delta > c->rttvar_us)
            /* Linux: an RTT that fell (a queue draining) is good news, so it may raise
             * the variance by only 1/32 of the surprise, not 1/4 */
            c->rttvar_us += (delta - c->rttvar_us) / 32;
        else
            c->rttvar_us = c->rttvar_us - c->rttvar_us / 4 + delta / 4;
        c->srtt_us = c->srtt_us - c->srtt_us / 8 + r / 8;
    }
    /* RTO = SRTT + max(G, 4*RTTVAR); the clock granularity G is 1 µs here. */
    uint64_t var = (uint64_t)c->rttvar_us * 4;
    uint64_t floor = cfg->rto_var_floor ? cfg->rto_min_us : 1;
    /* cfg.rto_var_floor (linux profile): the floor is the variance term's, so a
     * steady path still waits rto_min beyond SRTT (Linux's "rto = 3 rtt" at 100 ms) */
    uint64_t rto = (uint64_t)c->srtt_us + (var > floor ? var : floor);
    /* RFC 6298 2.4/2.5: clamp to the configured minimum and maximum. */
    if (rto < cfg->rto_min_us)
        rto = cfg->rto_min_us;
    if (rto > cfg->rto_max_us)
        rto = cfg->rto_max_us;
    c->rto_us = (uint32_t)rto;
    if (c->cc->on_rtt && !cfg->hystart_linux) /* that has a sample per ACK */
        c->cc->on_rtt(c, r);
}
