/* SPDX-License-Identifier: MIT */
/* TCP_NOTSENT_LOWAT (Linux's option and its net.ipv4.tcp_notsent_lowat default): a socket
 * is writable only while the bytes it has queued but not yet sent stay below the mark, so
 * an application keeps its data, not the kernel's queue, current. As Linux
 * (tcp_stream_memory_free): a send may start a new chunk only below the mark, but fills
 * the chunk it is in; poll() reports POLLOUT only below half the mark, so a waiting
 * writer wakes once a useful amount can go. */
#include "tcp/tcp.h"

uint32_t tcp_notsent(const tcp_conn *c)
{
    uint32_t end = tcp_snd_data_end(c);
    /* snd_nxt goes back on an RTO; what went out once is not "not sent" */
    uint32_t top = seq_gt(c->snd_max, c->snd_nxt) ? c->snd_max : c->snd_nxt;
    return seq_lt(top, end) ? end - top : 0;
}

int tcp_notsent_ok(const tcp_conn *c, int wake)
{
    uint32_t lowat = tcp_notsent_lowat(c);
    return lowat == UINT32_MAX || ((uint64_t)tcp_notsent(c) << wake) < lowat;
}

uint32_t tcp_send_chunk(const tcp_conn *c)
{
    /* Linux's size goal: half the largest window the peer offered, at most 64 KiB, in
     * whole segments */
    uint32_t mss = c->snd_mss ? c->snd_mss : 536;
    uint32_t goal = c->max_snd_wnd / 2;
    if (goal > 65535)
        goal = 65535;
    goal -= goal % mss;
    return goal < mss ? mss : goal;
}
