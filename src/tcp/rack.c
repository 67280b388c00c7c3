/* SPDX-License-Identifier: MIT */
/* RACK-TLP loss detection, RFC 8985 6 (RACK) and 7.4 (the ACK of a loss probe).
 *
 * Per-segment state (send times, SACKed/lost/resent marks) is in the transmit log
 * (txlog.c), whose header also holds RACK's connection state. */
#include "tcp/rack.h"

#include <string.h>

#include "tcp/sack.h"
#include "tcp/tcp.h"
#include "tcp/txlog.h"

/* recoveries without a D-SACK before the window shrinks back to min_RTT/4 */
#define REO_PERSIST 16
/* cfg.rack_reo_linux: Linux sets the reordering timer this far past the deadline */
#define RACK_LINUX_TIMER_MIN_US 2000u

int tcp_rack_on(const tcp_conn *c)
{
    return c->x && c->x->txlog && c->x->txlog->rack_on;
}

void tcp_rack_init(tcp_conn *c)
{
    tcp_rack *r = &c->x->txlog->rack;
    memset(r, 0, sizeof(*r));
    /* the handshake's sample until data gives one (RFC 8985 6.2 step 1) */
    r->min_rtt = c->srtt_us ? c->srtt_us : UINT32_MAX;
    r->reo_wnd_mult = 1;
    r->reordering = TCP_DUPTHRESH;
    r->reo_at = r->rto_at = UINT64_MAX;
    r->end_seq = r->fack = r->last_una = c->snd_una;
}

/* RFC 8985 RACK_sent_after, with the order of sends before the sequence numbers among
 * equal times: a burst (one ACK's output) has one time, and a resend that left after new
 * data would otherwise count as sent before it and be judged lost as soon as that data
 * is SACKed (a spurious retransmission, and a D-SACK that widens the window). */
static int sent_after(uint64_t t1, uint32_t o1, uint32_t seq1, uint64_t t2, uint32_t o2,
                      uint32_t seq2)
{
    if (t1 != t2)
        return t1 > t2;
    if (o1 != o2)
        return (int32_t)(o1 - o2) > 0;
    return seq_gt(seq1, seq2);
}

/* In fast recovery, or in the go-back after an RTO (SND.UNA below "recover"). */
static int recovering(const tcp_conn *c)
{
    return c->in_recovery || seq_lt(c->snd_una, c->x->snd_recover);
}

/* cfg.rack_reo_linux: which part of an ACK gave RACK.rtt so far (Linux reads the SACK
 * blocks, in ascending order, before the cumulative part, and the last segment it reads
 * sets RACK.rtt); RFC 8985 6.2 reads segments in send order. */
enum { RTT_FROM_NONE, RTT_FROM_SACK, RTT_FROM_CUM };

/* RACK.rtt from segment x, when it is the one its order says counts. */
static void take_rtt(const tcp_conn *c, tcp_rack *r, const tcp_txrec *x, uint32_t rtt, int *from,
                     int part)
{
    if (c->st->cfg.rack_reo_linux && *from == part && part == RTT_FROM_SACK &&
        !seq_gt(x->end, r->rtt_end))
        return; /* a lower block read after a higher one: Linux sorts them */
    if (c->st->cfg.rack_reo_linux && *from > part)
        return;
    *from = part;
    r->rtt = rtt;
    r->rtt_ts = x->xmit_ts;
    r->rtt_end = x->end;
}

/* RFC 8985 6.2 steps 1-3 for one segment this ACK delivered (`part`: RTT_FROM_CUM or
 * RTT_FROM_SACK; *from: which part set RACK.rtt so far): 1 if it came out of order. */
static int delivered(tcp_conn *c, tcp_rack *r, const tcp_txrec *x, const tcp_seg *seg, int *from,
                     int part)
{
    int reordered = 0;
    uint64_t d = c->st->now - x->xmit_ts;
    uint32_t rtt = d > UINT32_MAX ? UINT32_MAX : (uint32_t)d;
    /* step 3: a segment delivered below one delivered earlier, never resent, came late */
    if (seq_gt(x->end, r->fack))
        r->fack = x->end;
    else if (seq_lt(x->end, r->fack) && !(x->flags & TXREC_RETRANS)) {
        r->reordering_seen = 1;
        reordered = 1;
        /* Linux's degree: the distance from this segment's start to the forward-most
         * delivered byte, in whole segments, when it exceeds the degree known */
        uint32_t metric = r->fack - x->start, mss = c->snd_mss;
        if (mss && metric > r->reordering * mss) {
            uint32_t deg = (metric + mss - 1) / mss;
            r->reordering = deg < TCP_MAX_REORDERING ? deg : TCP_MAX_REORDERING;
        }
    }
    if (x->flags & TXREC_RETRANS) {
        /* step 2: the ACK may be for the original — skip what cannot be told apart: an
         * echoed timestamp older than the retransmission, or a sample shorter than any
         * round trip seen */
        uint32_t ts_sent = (uint32_t)(x->xmit_ts / 1000) + c->ts_offset;
        if (c->ts_ok && seg->opts.has_ts && seq_lt(seg->opts.ts_ecr, ts_sent))
            return reordered;
        if (r->min_rtt == UINT32_MAX || rtt < r->min_rtt)
            return reordered;
    } else if (rtt < r->min_rtt) {
        r->min_rtt = rtt; /* step 1 */
    }
    take_rtt(c, r, x, rtt, from, part);
    if (sent_after(x->xmit_ts, x->order, x->end, r->xmit_ts, r->order, r->end_seq)) {
        r->xmit_ts = x->xmit_ts;
        r->order = x->order;
        r->end_seq = x->end;
    }
    return reordered;
}

/* The SACKed range of the scoreboard that holds [*l, *r), if any: records are marked
 * against the merged range, so one whose bytes came in two blocks still counts. */
static void widen(const tcp_conn *c, uint32_t *l, uint32_t *r)
{
    for (uint32_t i = 0; i < c->x->nsb; i++) {
        if (seq_le(c->x->sb[i].left, *l) && seq_ge(c->x->sb[i].right, *r)) {
            *l = c->x->sb[i].left;
            *r = c->x->sb[i].right;
            return;
        }
    }
}

/* RFC 8985 6.2 step 4: the reordering window; without reordering seen, 0 in recovery or
 * once DupThresh segments are SACKed. */
static uint64_t reo_wnd(const tcp_conn *c, const tcp_txlog *l)
{
    const tcp_rack *r = &l->rack;
    if (!r->reordering_seen && (recovering(c) || l->segs_sacked >= TCP_DUPTHRESH))
        return 0;
    uint64_t base = r->min_rtt != UINT32_MAX ? r->min_rtt : c->srtt_us;
    uint64_t w = (uint64_t)r->reo_wnd_mult * base / 4;
    return c->srtt_us && w > c->srtt_us ? c->srtt_us : w;
}

static void update_reo_wnd(tcp_conn *c, tcp_rack *r, int dsack)
{
    if (r->dsack_round_on && seq_ge(c->snd_una, r->dsack_round))
        r->dsack_round_on = 0;
    if (!r->dsack_round_on && dsack) {
        /* a D-SACK: we resent what was only late; widen the window once per round */
        r->dsack_round_on = 1;
        r->dsack_round = c->snd_max;
        if (r->reo_wnd_mult < UINT8_MAX)
            r->reo_wnd_mult++;
        r->reo_wnd_persist = REO_PERSIST;
    } else if (r->recovering && !recovering(c)) {
        if (r->reo_wnd_persist)
            r->reo_wnd_persist--;
        if (!r->reo_wnd_persist)
            r->reo_wnd_mult = 1;
    }
}

static void mark_lost(tcp_conn *c, tcp_txlog *l, tcp_txrec *x)
{
    tcp_txlog_mark_lost(l, x);
    stack_count(c->st, SYNACK_CTR_RackLossDetected);
    if (x->flags & TXREC_RETRANS)
        stack_count(c->st, SYNACK_CTR_TCPLostRetransmit);
}

/* cfg.rack_reo_linux: x is due now, but it left in the same burst as the segment RACK.rtt
 * came from, after it. Linux stamps each packet as it leaves, so its remaining time is a
 * few µs above 0 and it waits for the timer; the stack has one time for the burst. */
static int burst_later(const tcp_conn *c, const tcp_rack *r, const tcp_txrec *x, uint64_t deadline)
{
    if (!c->st->cfg.rack_reo_linux || deadline != c->st->now || x->xmit_ts != r->rtt_ts ||
        !seq_gt(x->end, r->rtt_end))
        return 0;
    /* With the model of Linux's skbs, segments of one TSO skb share its send time: only a
     * segment of a later skb left after the one RACK.rtt came from */
    return !c->st->cfg.psh_skb_model || tcp_skb_end_within(c, r->rtt_end, x->end);
}

/* RFC 8985 6.2 step 5 (RACK_detect_loss): a segment sent before the most recently
 * delivered one is lost once RACK.rtt + reo_wnd have passed since it was sent; the latest
 * such deadline still ahead becomes the reordering timer. */
static void detect_loss(tcp_conn *c, tcp_txlog *l)
{
    tcp_rack *r = &l->rack;
    uint64_t now = c->st->now, wnd = reo_wnd(c, l), timeout = 0;
    for (uint32_t i = 0; i < l->n; i++) {
        tcp_txrec *x = tcp_txlog_at(l, i);
        if (!seq_lt(x->start, c->snd_nxt))
            break; /* not sent again yet since an RTO went back */
        if (x->flags & (TXREC_SACKED | TXREC_LOST))
            continue;
        if (!sent_after(r->xmit_ts, r->order, r->end_seq, x->xmit_ts, x->order, x->end)) {
            if (x->flags & TXREC_RETRANS)
                continue;
            break; /* never resent, so every later record went out later still */
        }
        uint64_t deadline = x->xmit_ts + r->rtt + wnd;
        if (deadline <= now && !burst_later(c, r, x, deadline))
            mark_lost(c, l, x);
        else if (deadline <= now)
            timeout = timeout ? timeout : 1;
        else if (deadline - now > timeout)
            timeout = deadline - now;
    }
    if (timeout && c->st->cfg.rack_reo_linux) /* usecs_to_jiffies(t + TCP_TIMEOUT_MIN_US) */
        timeout = (timeout + RACK_LINUX_TIMER_MIN_US + 999) / 1000 * 1000;
    r->reo_at = timeout ? now + timeout : UINT64_MAX;
}

uint64_t tcp_rack_timer(tcp_conn *c, uint64_t when)
{
    tcp_rack *r = &c->x->txlog->rack;
    r->rto_at = when;
    c->rack_reo = r->reo_at < when;
    return c->rack_reo ? r->reo_at : when;
}

/* Puts TT_REXMIT at the earlier of the reordering timer and `fallback`. */
static void arm(tcp_conn *c, uint64_t fallback)
{
    uint64_t when = tcp_rack_timer(c, fallback);
    if (when == UINT64_MAX)
        tcp_timer_stop(c, TT_REXMIT);
    else
        tcp_timer_set(c, TT_REXMIT, when);
}

/* RFC 8985 7.4: did the probe repair a loss? Then the congestion controller responds as
 * to one loss (Linux: CWR, cwnd = ssthresh). A D-SACK of the probe, or a pure duplicate
 * ACK once it is covered, says both copies arrived: no loss. */
static void tlp_ack(tcp_conn *c, tcp_rack *r, const tcp_seg *seg, int dsack)
{
    if (!r->tlp_on || seq_lt(seg->ack, r->tlp_end_seq))
        return;
    /* NOLINTNEXTLINE(bugprone-branch-clone): two cases of RFC 8985 7.4, one outcome */
    if (!r->tlp_is_retrans) {
        r->tlp_on = 0; /* a probe of new data was delivered */
    } else if (dsack && seg->opts.sack[0].right == r->tlp_end_seq) {
        r->tlp_on = 0; /* the probe was redundant */
    } else if (seq_gt(seg->ack, r->tlp_end_seq)) {
        r->tlp_on = 0;
        if (!c->in_recovery) {
            stack_count(c->st, SYNACK_CTR_TCPLossProbeRecovery);
            c->cc->on_enter_recovery(c);
            c->cc->on_exit_recovery(c);
        }
    } else if (seg->ack == r->last_una && seg->opts.nsack == 0 && seg->payload_len == 0) {
        r->tlp_on = 0;
    }
}

/* n rounded up to a whole number of segments of mss bytes. */
static uint32_t mss_ceil(uint32_t n, uint32_t mss)
{
    return (n + mss - 1) / mss * mss;
}

int tcp_rack_on_ack(tcp_conn *c, const tcp_seg *seg)
{
    tcp_txlog *l = c->x->txlog;
    tcp_rack *r = &l->rack;
    int dsack = seg->opts.nsack && tcp_sack_is_dsack(seg);
    /* TCP_INFO reord_seen, as Linux counts it: once for the cumulative part of an ACK and
     * once for its SACK blocks, when either delivered something out of order */
    int reo_cum = 0, reo_sack = 0, from = RTT_FROM_NONE;
    /* cumulatively acknowledged, in sequence order (an ACK cannot tell the order in which
     * the bytes it covers arrived: assume they came in order) */
    for (uint32_t i = 0; i < l->n; i++) {
        const tcp_txrec *x = tcp_txlog_at(l, i);
        if (seq_gt(x->end, c->snd_una))
            break;
        if (!(x->flags & TXREC_SACKED))
            reo_cum |= delivered(c, r, x, seg, &from, RTT_FROM_CUM);
    }
    tcp_txlog_pop(l, c->snd_una);
    /* selectively acknowledged (a D-SACK block is not about outstanding data) */
    for (uint32_t b = dsack ? 1 : 0; b < seg->opts.nsack; b++) {
        uint32_t lft = seg->opts.sack[b].left, rt = seg->opts.sack[b].right;
        widen(c, &lft, &rt);
        uint32_t i = tcp_txlog_find(l, lft);
        /* A record only partly SACKed (a TSO frame, a resend of another size) is cut at
         * the block's edges, room permitting, so that its SACKed part counts; but only
         * whole segments of it count (the cuts fall on MSS boundaries from its start, as
         * Linux's tcp_match_skb_to_sack): a SACK of a segment's last byte shows no
         * delivered segment, so it neither marks anything lost nor times anything. */
        if (i < l->n && seq_lt(tcp_txlog_at(l, i)->start, lft)) {
            const tcp_txrec *x = tcp_txlog_at(l, i);
            uint32_t cut = x->start + mss_ceil(lft - x->start, c->snd_mss);
            if (seq_lt(cut, x->end) && tcp_txlog_split(l, i, cut))
                i++;
        }
        for (; i < l->n; i++) {
            tcp_txrec *x = tcp_txlog_at(l, i);
            if (!seq_lt(x->start, rt))
                break;
            if (seq_lt(x->start, lft))
                continue; /* less than a segment of it was SACKed */
            if (seq_gt(x->end, rt)) {
                uint32_t cut = x->start + (rt - x->start) / c->snd_mss * c->snd_mss;
                if (cut == x->start || !tcp_txlog_split(l, i, cut))
                    break;
            }
            x = tcp_txlog_at(l, i);
            if ((x->flags & TXREC_SACKED) || seq_lt(x->start, lft))
                continue;
            tcp_txlog_mark_sacked(l, x);
            reo_sack |= delivered(c, r, x, seg, &from, RTT_FROM_SACK);
        }
    }
    c->reord_seen += (uint32_t)(reo_cum + reo_sack);
    update_reo_wnd(c, r, dsack);
    tlp_ack(c, r, seg, dsack);
    r->recovering = (uint8_t)recovering(c);
    r->last_una = c->snd_una;
    if (r->rto_recovery && seq_ge(c->snd_una, c->x->snd_recover))
        r->rto_recovery = 0; /* everything outstanding at the timeout is delivered */
    if (c->snd_una == c->snd_max) {
        r->reo_at = UINT64_MAX; /* nothing outstanding; TT_REXMIT was stopped */
        c->rack_reo = 0;
        return 0;
    }
    uint64_t fallback = c->rack_reo ? r->rto_at : tcp_deadline(c, TT_REXMIT);
    detect_loss(c, l);
    arm(c, fallback);
    return l->lost_bytes != 0;
}

void tcp_rack_reo_timeout(tcp_conn *c)
{
    tcp_txlog *l = c->x->txlog;
    tcp_rack *r = &l->rack;
    uint64_t fallback = r->rto_at;
    c->rack_reo = 0;
    r->reo_at = UINT64_MAX;
    stack_count(c->st, SYNACK_CTR_RackReorderTimeouts);
    if (c->snd_una != c->snd_max)
        detect_loss(c, l);
    arm(c, fallback);
    if (!l->lost_bytes)
        return;
    /* RFC 8985 6.2 step 5 on expiry: losses start recovery as they would on an ACK */
    if (!c->in_recovery && seq_ge(c->snd_una, c->x->snd_recover))
        tcp_enter_recovery(c);
    tcp_output(c);
}

/* Resends the first segment marked lost; 0 when there is none with data. */
static int resend_first_lost(tcp_conn *c)
{
    uint32_t seq;
    uint32_t len = tcp_rack_next_lost(c, &seq, tcp_send_mss(c));
    uint32_t end = tcp_snd_data_end(c);
    if (len && seq_gt(seq + len, end))
        len = seq_lt(seq, end) ? end - seq : 0;
    if (!len)
        return 0;
    uint32_t rec = tcp_eor_span(c, seq);
    if (rec < len)
        len = rec;
    tcp_count_retransmission(c);
    tcp_xmit(c, seq, len,
             TCP_ACK | (seq + len == end || rec == len ? TCP_PSH : 0)); /* as output.c's */
    if (seq_lt(c->x->high_rxt, seq + len))
        c->x->high_rxt = seq + len;
    return 1;
}

void tcp_rack_enter_recovery(tcp_conn *c)
{
    c->x->txlog->rack.tlp_on = 0; /* recovery is the congestion response (RFC 8985 7.4) */
    c->x->txlog->rack.rto_recovery = 0;
    (void)resend_first_lost(c); /* without one, only a FIN is lost: the RTO resends it */
}

int tcp_rack_rto_recovery(const tcp_conn *c)
{
    return tcp_rack_on(c) && c->x->txlog->rack.rto_recovery;
}

void tcp_rack_on_probe(tcp_conn *c, int retrans)
{
    tcp_rack *r = &c->x->txlog->rack;
    r->tlp_on = 1;
    r->tlp_is_retrans = (uint8_t)(retrans != 0);
    r->tlp_end_seq = c->snd_max;
}

void tcp_rack_forget(tcp_conn *c)
{
    tcp_txlog *l = c->x->txlog;
    tcp_txlog_clear_marks(l);
    l->rack.reo_at = UINT64_MAX;
    l->rack.tlp_on = 0;
    l->rack.rto_recovery = 0;
    c->rack_reo = 0;
}

void tcp_rack_on_rto(tcp_conn *c)
{
    tcp_txlog *l = c->x->txlog;
    tcp_rack *r = &l->rack;
    /* RFC 8985 6.3 RACK_mark_losses_on_RTO: the first outstanding segment was sent an RTO
     * ago; any other not yet acknowledged is lost once RACK.rtt + reo_wnd have passed
     * since it was sent. What is younger may still be on its way: it stays in the pipe. */
    uint64_t now = c->st->now, wnd = reo_wnd(c, l);
    for (uint32_t i = 0; i < l->n; i++) {
        tcp_txrec *x = tcp_txlog_at(l, i);
        if (!seq_lt(x->start, c->snd_nxt))
            break; /* an earlier RTO's go-back has not reached it: it is resent anyway */
        if (x->flags & (TXREC_SACKED | TXREC_LOST))
            continue;
        if (x->start == c->snd_una || x->xmit_ts + r->rtt + wnd <= now)
            mark_lost(c, l, x);
    }
    r->reo_at = UINT64_MAX;
    r->tlp_on = 0;
    r->rto_recovery = 1;
    c->rack_reo = 0;
    c->x->high_rxt = c->snd_una;
    if (!resend_first_lost(c))
        tcp_retransmit_first(c); /* only the FIN is outstanding */
}

uint32_t tcp_rack_lost_bytes(const tcp_conn *c)
{
    return tcp_rack_on(c) ? c->x->txlog->lost_bytes : 0;
}

uint32_t tcp_rack_reordering(const tcp_conn *c)
{
    return tcp_rack_on(c) ? c->x->txlog->rack.reordering : TCP_DUPTHRESH;
}

uint32_t tcp_rack_lost_out(const tcp_conn *c)
{
    if (!tcp_rack_on(c))
        return 0;
    const tcp_txlog *l = c->x->txlog;
    uint32_t n = 0;
    for (uint32_t i = 0; i < l->n; i++) {
        const tcp_txrec *x = tcp_txlog_at(l, i);
        /* A resend clears LOST so that RACK times the resend; Linux keeps counting the
         * segment lost until the peer reports it. */
        if ((x->flags & TXREC_LOST) || ((x->flags & TXREC_RETRANS) && !(x->flags & TXREC_SACKED)))
            n += x->end - x->start;
    }
    return n;
}

uint32_t tcp_rack_next_lost(const tcp_conn *c, uint32_t *seq, uint32_t max)
{
    if (!tcp_rack_on(c) || !c->x->txlog->lost_bytes)
        return 0;
    const tcp_txlog *l = c->x->txlog;
    for (uint32_t i = 0; i < l->n; i++) {
        const tcp_txrec *x = tcp_txlog_at(l, i);
        if (!(x->flags & TXREC_LOST))
            continue;
        *seq = x->start;
        uint32_t len = x->end - x->start;
        return len < max ? len : max;
    }
    return 0;
}
