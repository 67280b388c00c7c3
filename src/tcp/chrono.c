/* SPDX-License-Identifier: MIT */
/* TCP_INFO's busy_time, rwnd_limited and sndbuf_limited: Linux's chronographs (tcb.h
 * tcp_chrono). Busy runs from the moment data waits to be sent until everything written
 * is acknowledged; while busy, a send held back by the peer's window counts as
 * rwnd-limited, and a send path that ran dry because the application found the send
 * buffer full counts as sndbuf-limited. busy_time is the sum of the three. */
#include "tcp/tcp.h"

static tcp_chrono *chrono_of(tcp_conn *c)
{
    return c->sock >= 0 ? &c->st->socks[c->sock].chrono : NULL;
}

static void chrono_set(synack_stack *st, tcp_chrono *k, uint8_t type)
{
    if (k->type != TCP_CHRONO_NONE)
        k->total[k->type - 1] += st->now - k->start;
    k->type = type;
    k->start = st->now;
}

void tcp_chrono_start(tcp_conn *c, uint8_t type)
{
    tcp_chrono *k = chrono_of(c);
    /* a more telling condition takes over; a lesser one waits behind it */
    if (k && type > k->type)
        chrono_set(c->st, k, type);
}

void tcp_chrono_stop(tcp_conn *c, uint8_t type)
{
    tcp_chrono *k = chrono_of(c);
    if (!k || k->type == TCP_CHRONO_NONE)
        return; /* nothing runs (every output of an idle connection asks) */
    if (c->snd_una == tcp_snd_data_end(c))
        chrono_set(c->st, k, TCP_CHRONO_NONE); /* nothing sent or unsent is left */
    else if (type == k->type)
        chrono_set(c->st, k, TCP_CHRONO_BUSY);
}

void tcp_chrono_sndbuf_check(tcp_conn *c)
{
    /* Linux's tcp_cwnd_validate: everything written has left, cwnd could take more, and
     * the application is waiting for room (SOCK_NOSPACE, synack_sock.nospace) */
    if (c->sock < 0 || !c->st->socks[c->sock].nospace ||
        (c->state != SYNACK_ESTABLISHED && c->state != SYNACK_CLOSE_WAIT) ||
        seq_lt(c->snd_nxt, tcp_snd_data_end(c)) || c->cwnd <= c->snd_nxt - c->snd_una)
        return;
    tcp_chrono_start(c, TCP_CHRONO_SNDBUF);
}

void tcp_chrono_read(const tcp_conn *c, uint64_t us[TCP_CHRONO_N - 1])
{
    const tcp_chrono *k = c->sock >= 0 ? &c->st->socks[c->sock].chrono : NULL;
    for (int i = 0; i < TCP_CHRONO_N - 1; i++)
        us[i] = k ? k->total[i] : 0;
    if (k && k->type != TCP_CHRONO_NONE)
        us[k->type - 1] += c->st->now - k->start;
}
