/* SPDX-License-Identifier: MIT */
/* cfg.psh_skb_model (linux profile): where Linux's segments carry PSH follows from how it
 * cuts its send queue into transmission units (skbs), not from a TCP rule. Linux 6.18 sends
 * each unit of two or more segments as one TSO packet with PSH, so a receiver sees PSH on
 * the last segment of every such unit; a one-segment unit has PSH only when it ends a
 * write. This file computes those units for synack, which sends one segment per frame:
 * - new data (tcp_write_xmit): at most half of cwnd, the room cwnd leaves, and the TSO
 *   size (tcp_tso_autosize: about 1 ms of the pacing rate, at least tso_min_segs);
 * - resends: the units as first sent (Linux's retransmit queue), cut by SACKed ranges and
 *   by the room cwnd leaves (tcp_retransmit_skb). The first sends' ends are a bounded
 *   ring in the transfer block (tcb.h skb_end).
 * The pacing rate behind the TSO size needs Linux's smoothed RTT, which takes a sample
 * from every ACK (the oldest newly acknowledged segment's send time) where synack's RFC
 * 6298 estimator times one segment per round trip: kept here apart (skb_srtt). */
#include "tcp/tcp.h"

#include "tcp/rate.h"
#include "tcp/txlog.h"

/* Linux's sk_pacing_shift: a TSO packet holds about 2^-10 s of the pacing rate. */
#define SKB_PACING_SHIFT 10
/* Linux's tcp_tso_rtt_log: a min RTT below 2^9 us gives a share of the 64 KiB limit. */
#define SKB_TSO_RTT_LOG 9
/* Linux's GSO limit per TSO packet, in bytes. */
#define SKB_GSO_MAX 65536u

/* Ends at or below snd_una are delivered: drop them. */
static void drop_acked(tcp_conn *c)
{
    tcp_xfer *x = c->x;
    while (x->skb_len && seq_le(x->skb_end[x->skb_head], c->snd_una)) {
        x->skb_head = (uint8_t)((x->skb_head + 1) % TCP_SKB_MAX);
        x->skb_len--;
    }
}

/* Segments per TSO packet (Linux's tcp_tso_segs with tcp_tso_autosize). */
static uint32_t tso_segs(const tcp_conn *c, uint32_t mss, uint32_t out_segs)
{
    uint64_t bytes = SKB_GSO_MAX;
    uint32_t srtt = c->x->skb_srtt ? c->x->skb_srtt : c->srtt_us;
    if (srtt) {
        uint64_t cwnd = c->cwnd / mss > out_segs ? c->cwnd / mss : out_segs;
        /* tcp_update_pacing_rate: 200% of cwnd per RTT well below ssthresh, else 120% */
        uint64_t ratio = c->cwnd < c->ssthresh / 2 ? 200 : 120;
        uint64_t rate = (uint64_t)mss * ratio * cwnd * 10000 / srtt; /* bytes/s */
        bytes = rate >> SKB_PACING_SHIFT;
        uint32_t min_rtt = tcp_rate_min_rtt(c);
        uint32_t r = min_rtt == UINT32_MAX ? 32 : min_rtt >> SKB_TSO_RTT_LOG;
        if (r < 32)
            bytes += SKB_GSO_MAX >> r;
        if (bytes > SKB_GSO_MAX)
            bytes = SKB_GSO_MAX;
    }
    uint32_t segs = (uint32_t)(bytes / mss);
    return segs > c->st->cfg.tso_min_segs ? segs : c->st->cfg.tso_min_segs;
}

void tcp_skb_rtt(tcp_conn *c, uint32_t una_before)
{
    tcp_xfer *x = c->x;
    const tcp_txlog *l = x->txlog;
    if (!l || !l->rec || !seq_gt(c->snd_una, una_before))
        return;
    /* tcp_clean_rtx_queue: the oldest newly acknowledged skb not SACKed before times the
     * ACK, and none if any of them was resent (Karn) */
    uint64_t sent = 0;
    for (uint32_t i = tcp_txlog_find(l, una_before); i < l->n; i++) {
        const tcp_txrec *r = tcp_txlog_at(l, i);
        if (!seq_lt(r->start, c->snd_una))
            break;
        if (r->flags & TXREC_RETRANS)
            return;
        if (!sent && !(r->flags & TXREC_SACKED))
            sent = r->xmit_ts;
    }
    if (!sent || sent > c->st->now)
        return;
    uint64_t m = c->st->now - sent;
    if (m > UINT32_MAX)
        m = UINT32_MAX;
    uint32_t srtt = x->skb_srtt ? x->skb_srtt : c->srtt_us;
    /* tcp_rtt_estimator: srtt moves by 1/8 of the difference */
    x->skb_srtt = srtt ? (uint32_t)((int64_t)srtt + ((int64_t)m - srtt) / 8) : (uint32_t)m;
    if (!x->skb_srtt)
        x->skb_srtt = 1;
}

uint32_t tcp_skb_unit(const tcp_conn *c, uint32_t mss, uint32_t cw, uint32_t inflight,
                      uint32_t room)
{
    uint32_t cwnd = cw / mss ? cw / mss : 1;
    uint32_t out = (uint32_t)(((uint64_t)inflight + mss - 1) / mss);
    /* tcp_cwnd_test: the room cwnd leaves, at most half of it ("at least two TSO packets
     * in flight"); synack sends where Linux's quota is 0 only to probe, one segment */
    uint32_t q = cwnd > out ? cwnd - out : 1;
    uint32_t half = cwnd / 2 ? cwnd / 2 : 1;
    if (q > half)
        q = half;
    uint32_t tso = tso_segs(c, mss, out);
    if (q > tso)
        q = tso;
    uint64_t u = (uint64_t)q * mss;
    return u < room ? (uint32_t)u : room;
}

void tcp_skb_sent(tcp_conn *c, uint32_t end, int psh)
{
    tcp_xfer *x = c->x;
    drop_acked(c);
    if (x->skb_len && !seq_gt(end, x->skb_end[(x->skb_head + x->skb_len - 1) % TCP_SKB_MAX]))
        return; /* a resend, or nothing new */
    if (x->skb_len == TCP_SKB_MAX) {
        /* the oldest unit merges into the next: its resends may be cut one unit too long */
        x->skb_head = (uint8_t)((x->skb_head + 1) % TCP_SKB_MAX);
        x->skb_len--;
        stack_count(c->st, SYNACK_CTR_SkbRecordFull);
    }
    uint32_t i = (x->skb_head + x->skb_len) % TCP_SKB_MAX;
    x->skb_end[i] = end;
    x->skb_psh = psh ? x->skb_psh | (1u << i) : x->skb_psh & ~(1u << i);
    x->skb_len++;
}

/* The first SACKed byte above seq, or snd_max: a resend unit never covers SACKed data. */
static uint32_t hole_end(const tcp_conn *c, uint32_t seq)
{
    const tcp_xfer *x = c->x;
    for (uint32_t i = 0; x->sb && i < x->nsb; i++)
        if (seq_gt(x->sb[i].left, seq))
            return x->sb[i].left;
    return c->snd_max;
}

uint32_t tcp_skb_rtx_unit(tcp_conn *c, uint32_t seq, uint32_t mss, uint32_t room, int *psh)
{
    tcp_xfer *x = c->x;
    drop_acked(c);
    uint32_t end = hole_end(c, seq);
    int first_psh = 0;
    for (uint32_t i = 0; i < x->skb_len; i++) {
        uint32_t k = (x->skb_head + i) % TCP_SKB_MAX;
        if (seq_gt(x->skb_end[k], seq)) {
            if (!seq_gt(x->skb_end[k], end)) {
                end = x->skb_end[k];
                first_psh = ((x->skb_psh >> k) & 1u) != 0;
            }
            break;
        }
    }
    /* tcp_retransmit_skb: as many whole segments as cwnd leaves room for, at least one;
     * a cut gives the skb's PSH to the part left behind (tcp_fragment) */
    uint32_t segs = room / mss ? room / mss : 1;
    uint64_t cap = (uint64_t)segs * mss;
    if (end - seq > cap) {
        *psh = 0;
        return (uint32_t)cap;
    }
    *psh = first_psh;
    return end - seq;
}

int tcp_skb_end_within(const tcp_conn *c, uint32_t lo, uint32_t hi)
{
    const tcp_xfer *x = c->x;
    for (uint32_t k = 0; x && k < x->skb_len; k++) {
        uint32_t e = x->skb_end[(x->skb_head + k) % TCP_SKB_MAX];
        if (seq_le(lo, e) && seq_lt(e, hi))
            return 1;
    }
    return 0;
}
