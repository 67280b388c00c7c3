/* SPDX-License-Identifier: MIT */
/* Delivery-rate estimation, draft-cheng-iccrg-delivery-rate-estimation-02 (see rate.h).
 *
 * Times are the low 32 bits of the µs clock: every use is a difference of two stamps less
 * than 71 minutes apart, which unsigned subtraction gets right across a wrap. Delivered
 * counts in snapshots are likewise the low 32 bits of a 64-bit total. */
#include "tcp/rate.h"

#include <errno.h>
#include <string.h>

#include "tcp/tcp.h"
#include "tcp/txlog.h"

static uint32_t now32(const tcp_conn *c)
{
    return (uint32_t)c->st->now;
}

int tcp_rate_enable(tcp_conn *c)
{
    tcp_txlog *l = tcp_txlog_get(c);
    if (!l)
        return -ENOMEM;
    if (l->rate_on)
        return 0;
    /* records sent before now have no snapshot (TXREC_SNAP clear): they yield no sample */
    tcp_rate *r = &l->rate;
    memset(r, 0, sizeof(*r));
    r->min_rtt = UINT32_MAX;
    r->delivered_time = r->first_sent = now32(c);
    l->rate_on = 1;
    return 0;
}

int tcp_rate_on(const tcp_conn *c)
{
    return c->x && c->x->txlog && c->x->txlog->rate_on;
}

void tcp_rate_on_send(tcp_conn *c, tcp_txsnap *snap)
{
    tcp_rate *r = &c->x->txlog->rate;
    uint32_t now = now32(c);
    /* draft 3.2: a transmission that starts from an empty pipe starts the clocks anew */
    if (c->snd_max == c->snd_una)
        r->first_sent = r->delivered_time = now;
    snap->sent = now;
    snap->delivered = (uint32_t)r->delivered;
    snap->delivered_time = r->delivered_time;
    snap->first_sent = r->first_sent;
    snap->app_limited = r->app_limited != 0;
}

/* The newest snapshot of the transmission that carried byte seq, copied into the pick. */
static void lookup(tcp_txlog *l, uint32_t seq)
{
    uint32_t i = tcp_txlog_find(l, seq);
    if (i == l->n || !l->snap)
        return;
    const tcp_txrec *x = tcp_txlog_at(l, i);
    if (seq_lt(seq, x->start) || !(x->flags & TXREC_SNAP))
        return;
    if ((x->flags & TXREC_FIN) && seq == x->end - 1)
        return; /* the FIN's number: no data was delivered with it */
    tcp_rate *r = &l->rate;
    r->pick = *tcp_txlog_snap(l, i);
    r->pick_resent = (x->flags & TXREC_RETRANS) != 0;
    r->has_pick = 1;
}

/* Which byte's transmission the ACK's sample is about: the draft wants the most recently
 * sent segment among those the ACK delivered. Without per-segment delivery marks, the
 * receiver's own report tells: the first SACK block holds the segment that triggered the
 * ACK (RFC 2018 4); a cumulative advance with SACKed data outstanding was triggered by the
 * segment that filled the hole at the old SND.UNA; an in-order advance, by its last byte. */
static int sampled_seq(const tcp_conn *c, const tcp_seg *seg, uint32_t una_before,
                       uint32_t sacked_before, uint32_t *seq)
{
    if (seg->opts.nsack && c->x->sacked_bytes > sacked_before) {
        uint32_t right = seg->opts.sack[0].right;
        if (seq_gt(right, c->snd_una) && seq_le(right, c->snd_max)) {
            *seq = right - 1;
            return 1;
        }
    }
    if (!seq_gt(c->snd_una, una_before))
        return 0;
    *seq = sacked_before ? una_before : c->snd_una - 1;
    return 1;
}

void tcp_rate_pick(tcp_conn *c, const tcp_seg *seg, uint32_t una_before, uint32_t sacked_before)
{
    tcp_txlog *l = c->x->txlog;
    uint32_t seq;
    l->rate.has_pick = 0;
    if (sampled_seq(c, seg, una_before, sacked_before, &seq))
        lookup(l, seq);
}

void tcp_rate_on_ack(tcp_conn *c, const tcp_seg *seg, uint32_t una_before, uint32_t sacked_before,
                     tcp_rate_sample *rs)
{
    (void)seg;
    (void)sacked_before;
    memset(rs, 0, sizeof(*rs));
    if (!tcp_rate_on(c))
        return;
    tcp_rate *r = &c->x->txlog->rate;
    /* Delivered is what SND.UNA passed plus what is SACKed above it, never counted twice:
     * SACK ranges the scoreboard forgets (an RTO that goes back clears it; a full one
     * forgets its highest ranges) are delivered again when SND.UNA passes them, so the
     * count only moves once the sum exceeds its old high-water mark. A forgotten range
     * delays the count of what arrives meanwhile: samples come out low, never high. */
    r->una_acked += (uint32_t)(c->snd_una - una_before);
    uint64_t sum = r->una_acked + c->x->sacked_bytes;
    int64_t d = sum > r->delivered ? (int64_t)(sum - r->delivered) : 0;
    uint32_t now = now32(c);
    int has_pick = r->has_pick;
    r->has_pick = 0;
    if (d > 0) {
        rs->acked = (uint32_t)d;
        r->delivered += (uint64_t)d;
        r->delivered_time = now;
        if (has_pick) {
            /* draft 3.3 UpdateRateSample and GenerateRateSample */
            uint32_t send_elapsed = r->pick.sent - r->pick.first_sent;
            uint32_t ack_elapsed = now - r->pick.delivered_time;
            uint32_t interval = send_elapsed > ack_elapsed ? send_elapsed : ack_elapsed;
            r->first_sent = r->pick.sent;
            rs->has_prior = 1;
            rs->prior_delivered = r->pick.delivered;
            rs->is_app_limited = r->pick.app_limited;
            rs->delivered = (uint32_t)r->delivered - r->pick.delivered;
            if (!r->pick_resent) {
                uint32_t rtt = now - r->pick.sent;
                rs->rtt_us = rtt ? rtt : 1;
                if (rs->rtt_us < r->min_rtt)
                    r->min_rtt = rs->rtt_us;
            }
            /* An interval shorter than the path's RTT comes from ACK compression or a
             * stretched ACK: the rate it shows is not the path's (draft 3.3). */
            if (interval && (r->min_rtt == UINT32_MAX || interval >= r->min_rtt))
                rs->interval_us = interval;
        }
        if (r->app_limited && r->delivered > r->app_limited)
            r->app_limited = 0;
    }
}

void tcp_rate_app_limited(tcp_conn *c, uint32_t inflight)
{
    if (!tcp_rate_on(c))
        return;
    tcp_rate *r = &c->x->txlog->rate;
    /* draft 3.4: the phase lasts until everything in flight now has been delivered */
    r->app_limited = r->delivered + inflight;
    if (r->app_limited == 0)
        r->app_limited = 1;
}

uint32_t tcp_rate_delivered(const tcp_conn *c)
{
    return tcp_rate_on(c) ? (uint32_t)c->x->txlog->rate.delivered : 0;
}

uint32_t tcp_rate_min_rtt(const tcp_conn *c)
{
    return tcp_rate_on(c) ? c->x->txlog->rate.min_rtt : UINT32_MAX;
}
