/* SPDX-License-Identifier: MIT */
/* cwnd after an idle period (cfg.cwnd_restart). A sender that has not sent for longer
 * than an RTO no longer knows what the path holds: a full-cwnd burst could overrun a
 * queue that has since filled (RFC 5681 4.1). The check runs where Linux checks it: when
 * the application writes to a connection with nothing in flight (tcp_skb_entail), and
 * when the peer's window changes with data waiting and nothing in flight
 * (tcp_ack_update_window): a window held shut for long is an idle period too. */
#include "tcp.h"

/* Linux's tcp_cwnd_restart: cwnd halves once per RTO of the idle time, not below the
 * restart window, and ssthresh remembers three quarters of the window it had. */
static void restart_linux(tcp_conn *c, uint32_t rw, uint64_t idle_us)
{
    uint32_t cwnd = c->cwnd;
    uint32_t keep = cwnd / 2 + cwnd / 4;
    if (!c->in_recovery && c->ssthresh < keep)
        c->ssthresh = keep;
    int64_t left = (int64_t)idle_us;
    while ((left -= c->rto_us) > 0 && cwnd > rw)
        cwnd >>= 1;
    c->cwnd = cwnd > rw ? cwnd : rw;
}

void tcp_cwnd_restart_check(tcp_conn *c)
{
    uint8_t mode = c->st->cfg.cwnd_restart;
    /* A controller that owns cwnd (BBR) has its own idle handling; only a connection with
     * nothing in flight is idle. */
    if (!mode || c->cc->cong_control || c->snd_una != c->snd_max ||
        (c->state != SYNACK_ESTABLISHED && c->state != SYNACK_CLOSE_WAIT))
        return;
    /* The stamps are milliseconds modulo 2^32: an idle time past 49 days reads short. */
    uint64_t idle_us = (uint64_t)(uint32_t)(tcp_ms(c->st->now) - c->last_data_sent_ms) * 1000;
    if (idle_us <= c->rto_us)
        return;
    uint32_t iw = tcp_initial_cwnd(c);
    uint32_t rw = iw < c->cwnd ? iw : c->cwnd; /* RFC 5681: RW = min(IW, cwnd) */
    if (mode == 2)
        restart_linux(c, rw, idle_us);
    else
        c->cwnd = rw;
}
