/* SPDX-License-Identifier: MIT */
/* ACK processing (RFC 9293 3.10.7.4 "fifth, check the ACK field") in a synchronized state:
 * SND.UNA and the send window move, the RTT is sampled (RFC 6298, RFC 7323 4), and what a
 * duplicate or partial ACK means for loss recovery is decided: RFC 5681 3.2 and RFC 6582
 * (NewReno), RFC 6675 (SACK), RFC 6937 (PRR), RFC 5827 (Early Retransmit), RFC 8985 (RACK).
 * input.c runs the checks before it and the segment text after it. */
#include <stdint.h>

#include "stack/errqueue.h"
#include "stack/ready.h"
#include "tcp/rack.h"
#include "tcp/rate.h"
#include "tcp/sack.h"
#include "tcp/tcp.h"
#include "tcp/txlog.h"

/* cfg.cwnd_limited_growth (linux profile), Linux's tcp_is_cwnd_limited: the window grows
 * only if the flight filled it lately, or in slow start while it is below twice the largest
 * flight (so it can still double what the application used). */
static int cwnd_may_grow(const tcp_conn *c)
{
    if (!c->st->cfg.cwnd_limited_growth || c->x->cwnd_limited)
        return 1;
    return c->cwnd < c->ssthresh && c->cwnd < 2ull * c->x->max_flight;
}

uint32_t tcp_ss_increase(const tcp_conn *c, uint32_t acked)
{
    if (!c->st->cfg.ss_stretch_ack)
        return acked < c->snd_mss ? acked : c->snd_mss;
    /* cfg.ss_stretch_ack (linux profile): a stretch ACK's every segment counts (Linux's
     * tcp_slow_start), as far as ssthresh */
    uint32_t room = c->ssthresh > c->cwnd ? c->ssthresh - c->cwnd : 0;
    return acked < room ? acked : room;
}

void tcp_delivered_add(tcp_conn *c, uint32_t segs)
{
    if (c->sock >= 0)
        c->st->socks[c->sock].delivered += segs;
}

/* Segments in [from, to) as they were sent: the transmit log's records, else (no log, or
 * past what it holds) full-sized segments. Bounded by the log's records. */
static uint32_t segs_in(const tcp_conn *c, uint32_t from, uint32_t to)
{
    uint32_t n = 0;
    while (seq_lt(from, to)) {
        uint32_t end = tcp_txlog_seg_end(c, from);
        if (!seq_gt(end, from)) {
            uint32_t mss = c->snd_mss ? c->snd_mss : 1;
            return n + (to - from + mss - 1) / mss;
        }
        n++;
        from = end;
    }
    return n;
}

/* An acceptable ACK advances SND.UNA: release acknowledged bytes, sample the RTT, move the
 * congestion window and the retransmission timer. Returns 1 if our FIN is now acked. */
int tcp_ack_advance(tcp_conn *c, uint32_t ack)
{
    synack_stack *st = c->st;
    if (c->sock >= 0)
        tcp_delivered_add(c, segs_in(c, c->snd_una, ack));
    uint32_t acked = ack - c->snd_una;
    uint32_t data_end = tcp_snd_data_end(c);
    uint32_t data_acked =
        seq_gt(ack, data_end) ? data_end - c->x->snd_buf_seq : ack - c->x->snd_buf_seq;
    if (seq_lt(ack, c->x->snd_buf_seq))
        data_acked = 0;
    sendbuf_consume(&c->x->snd, data_acked);
    c->x->snd_buf_seq += data_acked;
    int was_full = data_acked && c->sock >= 0 && st->socks[c->sock].nospace;
    if (data_acked)
        sock_ready_space(st, c->sock);
    c->bytes_acked += data_acked;
    c->snd_una = ack;
    if (ct_is_v6(&c->node)) /* RFC 4861 7.3.1: forward progress confirms the next hop */
        ip6_nd_confirm(st, ct_raddr6(&st->conns, &c->node));
    else /* and its ARP entry (Linux's dst_confirm for IPv4 too) */
        arp_confirm(st, c->node.key.raddr);
    tcp_mtu_acked(c);
    if (was_full)
        tcp_chrono_stop(c, TCP_CHRONO_SNDBUF); /* the application can write again */
    if (ack == c->snd_max)
        tcp_chrono_stop(c, TCP_CHRONO_BUSY);
    if (seq_lt(c->snd_nxt, ack))
        c->snd_nxt = ack;
    if (c->errq_track)
        sock_errq_acked(st, c->sock, ack);
    if (c->x->ack_rtt) { /* cfg.hystart_linux: tcp_hystart_sample */
        uint32_t r = c->x->ack_rtt;
        c->x->ack_rtt = 0;
        c->cc->on_rtt(c, r);
    }
    uint32_t sacked_before = c->x->sacked_bytes;
    if (c->x->nsb || seq_lt(c->x->high_rxt, ack))
        tcp_sack_prune(c);
    /* cfg.ss_stretch_ack (linux profile): the window grows by what this ACK delivers, as
     * Linux's acked_sacked: bytes SACKed earlier were delivered then, and without SACK each
     * duplicate ACK stood for a segment delivered (at least one segment counts, as Linux's
     * tcp_remove_reno_sacks) */
    uint32_t grow = acked;
    if (st->cfg.ss_stretch_ack) {
        uint32_t sacked_gone =
            sacked_before > c->x->sacked_bytes ? sacked_before - c->x->sacked_bytes : 0;
        uint32_t earlier = c->sack_ok ? sacked_gone
                                      : (uint32_t)((uint64_t)c->x->dupacks * c->snd_mss > acked
                                                       ? acked
                                                       : c->x->dupacks * c->snd_mss);
        grow = earlier < acked ? acked - earlier : 0;
        if (!c->sack_ok && grow < c->snd_mss)
            grow = acked < c->snd_mss ? acked : c->snd_mss;
    }
    if (c->rtt_timing && seq_gt(ack, c->x->rtt_seq)) {
        c->rtt_timing = 0;
        tcp_rtt_sample(c, (uint32_t)(st->now - c->x->rtt_start));
    }
    c->backoff = 0;
    c->x->rto_reverted = 0; /* the run of timeouts is over */
    c->x->persist_backoff = 0;
    c->tlp_out = 0; /* new data acknowledged: the next tail may be probed again */
    if (c->in_recovery) {
        if (seq_ge(ack, c->x->snd_recover)) {
            /* RFC 6582 3.2 step 3: a full acknowledgment ends recovery. */
            c->in_recovery = 0;
            c->cc->on_exit_recovery(c);
        } else if (!c->sack_ok) {
            /* RFC 6582 3.2 step 4: a partial acknowledgment — resend the next hole,
             * deflate by the amount acknowledged, add back one SMSS. (With SACK, RFC 6675
             * sends by the pipe estimate instead: tcp_output.) */
            tcp_retransmit_first(c);
            if (!c->cc->cong_control) {
                c->cwnd = c->cwnd > acked ? c->cwnd - acked : 0;
                c->cwnd += c->snd_mss;
            }
        }
    } else if (cwnd_may_grow(c)) {
        c->cc->on_ack(c, grow);
    }
    c->x->dupacks = 0;
    c->x->limited_xmit = 0;
    /* RFC 6298 5.2/5.3 */
    if (c->snd_una == c->snd_max)
        tcp_timer_stop(c, TT_REXMIT);
    else
        tcp_arm_rexmit(c);
    return c->fin_queued && seq_gt(c->snd_max, data_end) && ack == data_end + 1;
}

/* RFC 9937 (which obsoletes RFC 6937) Proportional Rate Reduction: during SACK recovery,
 * send in proportion to what the network delivers, so the window comes down to ssthresh
 * smoothly instead of in one burst (a burst into a full bottleneck queue loses the
 * retransmissions too). Below ssthresh the conservative bound (PRR-CRB) holds unless the
 * ACK is safe (SND.UNA advanced and no further loss shown): then the slow-start bound
 * (PRR-SSRB) adds one segment. */
static void prr_update(tcp_conn *c, uint32_t delivered, int safe)
{
    c->x->prr_delivered += delivered;
    uint32_t pipe = tcp_sack_pipe(c);
    uint64_t sndcnt;
    if (pipe > c->ssthresh) {
        uint64_t fs = c->x->recover_fs ? c->x->recover_fs : 1;
        uint64_t target = ((uint64_t)c->x->prr_delivered * c->ssthresh + fs - 1) / fs;
        sndcnt = target > c->x->prr_out ? target - c->x->prr_out : 0;
    } else {
        uint64_t limit =
            c->x->prr_delivered > c->x->prr_out ? c->x->prr_delivered - c->x->prr_out : 0;
        if (limit < delivered)
            limit = delivered;
        if (safe)
            limit += c->snd_mss;
        sndcnt = c->ssthresh - pipe < limit ? c->ssthresh - pipe : limit;
    }
    if (c->x->prr_out == 0 && sndcnt == 0)
        sndcnt = c->snd_mss; /* the fast retransmit that starts recovery always goes */
    c->cwnd = pipe + (uint32_t)sndcnt;
}

/* Fast retransmit and the start of loss recovery: RFC 5681 3.2 / RFC 6582 3.2, or
 * RFC 6675 5 when SACK is in use. `delivered` is what the ACK that starts it delivered
 * (RFC 9937 DeliveredData; 0 from the reordering timer). */
static void enter_recovery(tcp_conn *c, uint32_t delivered)
{
    if (tcp_mtu_probe_lost(c))
        return;
    stack_count(c->st, SYNACK_CTR_TCPFastRetrans);
    c->in_recovery = 1;
    c->x->snd_recover = c->snd_max;
    if (!c->cc->cong_control && tcp_ecn_in_reduction(c))
        /* RFC 3168 6.1.2: one reduction per window, and an ECE made this one's; only
         * RFC 5681 3.2's inflation by the three segments that left */
        c->cwnd = c->ssthresh + 3u * c->snd_mss;
    else
        c->cc->on_enter_recovery(c);
    if (c->sack_ok) {
        /* RFC 6675 5 (4.2): the pipe estimate decides what is sent, and PRR paces it: cwnd
         * is recomputed on every ACK (unless the controller owns cwnd: cong_control),
         * this one included (RFC 9937 4: the ACK that starts recovery shows a loss, so it
         * is not safe; after the losses it marked, cwnd = ssthresh could send a burst). */
        c->x->high_rxt = c->snd_una;
        c->x->recover_fs = c->snd_max - c->snd_una;
        c->x->prr_delivered = 0;
        c->x->prr_out = 0;
        if (!c->cc->cong_control)
            prr_update(c, delivered, 0);
    }
    if (tcp_rack_on(c))
        tcp_rack_enter_recovery(c); /* RFC 8985: the first segment RACK marked lost */
    else
        tcp_retransmit_first(c);
    tcp_arm_rexmit(c);
}

void tcp_enter_recovery(tcp_conn *c)
{
    enter_recovery(c, 0);
}

/* RFC 5827 (SACK-based Early Retransmit): oseg < DupThresh + 1 segments outstanding (and
 * at least two: one to lose, one to SACK), no unsent data, and SACKs for oseg - 1 of
 * them. */
static int early_retransmit(const tcp_conn *c)
{
    uint32_t mss = c->snd_mss ? c->snd_mss : 1;
    uint32_t oseg = (c->snd_max - c->snd_una + mss - 1) / mss;
    if (oseg < 2 || oseg > TCP_DUPTHRESH || c->x->nsb == 0 ||
        seq_lt(c->snd_nxt, tcp_snd_data_end(c)))
        return 0;
    uint32_t sacked = (c->x->sacked_bytes + mss - 1) / mss;
    return sacked >= oseg - 1;
}

/* The delivery-rate sample of an acceptable ACK (rate.c), for a controller that models the
 * path (cong_control: BBR), which then sets cwnd and the pacing rate. */
void tcp_ack_rate_sample(tcp_conn *c, const tcp_seg *seg, uint32_t una_before,
                         uint32_t sacked_before)
{
    if (!tcp_rate_on(c))
        return;
    tcp_rate_sample rs;
    tcp_rate_on_ack(c, seg, una_before, sacked_before, &rs);
    if (c->cc->cong_control)
        c->cc->cong_control(c, &rs);
}

/* RFC 7323 4 (RTTM): every ACK that echoes a timestamp measures the round trip, not just
 * the one segment Karn's timer follows. The congestion controller's delay signal
 * (HyStart++) needs several samples per round; the RTO keeps its µs-precise samples. */
void tcp_ts_rtt_sample(tcp_conn *c, const tcp_seg *seg)
{
    /* with cfg.hystart_linux, tcp_hystart_sample gave the ACK's sample */
    if (!c->ts_ok || !seg->opts.has_ts || !seg->opts.ts_ecr || !c->cc->on_rtt ||
        c->st->cfg.hystart_linux)
        return;
    uint32_t ms = tcp_ts_now(c) - seg->opts.ts_ecr;
    if (ms < TCP_RTTM_MAX_MS) /* an echo older than that is not a round trip of ours */
        c->cc->on_rtt(c, (ms ? ms : 1) * 1000u);
}

/* cfg.hystart_linux (linux profile): Linux's HyStart sees the ACK's round trip after
 * SND.UNA moves but before the window grows on it (tcp_clean_rtx_queue's pkts_acked runs
 * before cong_avoid), so that the ACK that ends slow start does not also grow cwnd past
 * the new ssthresh; tcp_ack_advance hands it over. The newest segment acknowledged times
 * it, as Linux's per-skb stamps do; without a transmit log, the timestamp echo. */
void tcp_hystart_sample(tcp_conn *c, const tcp_seg *seg)
{
    c->x->ack_rtt = 0;
    if (!c->st->cfg.hystart_linux || !c->cc->on_rtt)
        return;
    uint32_t rtt = tcp_txlog_ack_rtt(c, seg->ack);
    if (!rtt && !c->x->txlog && c->ts_ok && seg->opts.has_ts && seg->opts.ts_ecr) {
        uint32_t ms = tcp_ts_now(c) - seg->opts.ts_ecr;
        if (ms < TCP_RTTM_MAX_MS)
            rtt = (ms ? ms : 1) * 1000u;
    }
    c->x->ack_rtt = rtt;
}

/* RFC 5681 3.2 duplicate ACK: nothing new acknowledged, no data, same window. With SACK,
 * RFC 6675 2: an ACK that SACKs new data counts even if the window changed (Linux's
 * receive window grows while it queues out-of-order data, so its duplicate ACKs rarely
 * repeat the window). */
static void dup_ack(tcp_conn *c, const tcp_seg *seg, uint32_t win, uint32_t new_sacked)
{
    int new_sack = new_sacked > 0;
    if (seg->payload_len || (seg->flags & (TCP_SYN | TCP_FIN)) ||
        (win != c->snd_wnd && !new_sack) || c->snd_una == c->snd_max)
        return;
    c->x->dupacks++;
    if (c->in_recovery) {
        if (!c->sack_ok && !c->cc->cong_control)
            c->cwnd += c->snd_mss; /* RFC 5681 3.2 step 4 */
        return;
    }
    /* RFC 3042 / RFC 5681 3.2: on the first two duplicate ACKs, send one new segment each
     * beyond cwnd (tcp_output, after this segment is processed). */
    if (c->x->dupacks < TCP_DUPTHRESH)
        c->x->limited_xmit = c->x->dupacks * c->snd_mss;
    /* RFC 6582 4.1: only start a new recovery if this ACK covers more than recover. */
    if (c->x->dupacks == TCP_DUPTHRESH && seq_gt(seg->ack, c->x->snd_recover - 1) &&
        !tcp_rack_on(c))
        enter_recovery(c, new_sacked);
}

/* The ACK of a synchronized state (RFC 9293 3.10.7.4 "fifth", RFC 5961 5.2; RFC 5681,
 * 6582, 6675, 6937, 8985 for what a duplicate or a partial ACK starts). */
tcp_ret tcp_ack_input(tcp_conn *c, const tcp_seg *seg, uint32_t old_ts_recent,
                      uint32_t old_ts_recent_age_s)
{
    synack_stack *st = c->st;
    uint32_t win = (uint32_t)seg->win << c->snd_wscale;
    /* RFC 5961 5.2: an ACK outside [SND.UNA - MAX.SND.WND, SND.NXT] is blind. */
    if (seq_gt(seg->ack, c->snd_max) || seq_lt(seg->ack, c->snd_una - c->max_snd_wnd)) {
        if (st->cfg.ack_unsent_drop && seq_gt(seg->ack, c->snd_max)) {
            /* Linux (tcp_ack) discards an ACK of unsent data silently, and keeps
             * TS.Recent as it was. */
            c->ts_recent = old_ts_recent;
            c->ts_recent_age_s = old_ts_recent_age_s;
            tcp_drop(c, SYNACK_CTR_COUNT, "ack-of-unsent-data");
            return TCP_DONE;
        }
        tcp_drop(c, SYNACK_CTR_TCPOldAckDrop, "ack-out-of-range");
        tcp_send_challenge_ack(c);
        return TCP_DONE;
    }
    int fin_acked = 0;
    uint32_t sacked_before = c->x->sacked_bytes, una_before = c->snd_una;
    int was_in_recovery = c->in_recovery && c->sack_ok;
    if (c->sack_ok && seg->opts.nsack)
        tcp_sack_update(c, seg);
    if (seq_gt(seg->ack, c->snd_una)) {
        tcp_hystart_sample(c, seg);
        fin_acked = tcp_ack_advance(c, seg->ack);
        tcp_ts_rtt_sample(c, seg);
    } else if (seg->ack == c->snd_una)
        dup_ack(c, seg, win,
                c->x->sacked_bytes > sacked_before ? c->x->sacked_bytes - sacked_before : 0);
    /* RFC 8985 6.2: with RACK, time since transmission decides what is lost */
    uint32_t marks_before = tcp_rack_on(c) ? c->x->txlog->lost_marks : 0;
    int rack_lost = tcp_txlog_on_ack(c, seg, una_before, sacked_before);
    int newly_lost = tcp_rack_on(c) && c->x->txlog->lost_marks != marks_before;
    /* cfg.reorder_sack_growth (linux profile): once reordering beyond DupThresh was seen,
     * data SACKed is progress as much as data acknowledged (Linux's tcp_may_raise_cwnd),
     * the SACK that showed it included (its degree is known by now) */
    if (st->cfg.reorder_sack_growth && c->snd_una == una_before &&
        c->x->sacked_bytes > sacked_before && !c->in_recovery && !c->cc->cong_control &&
        tcp_rack_reordering(c) > TCP_DUPTHRESH && cwnd_may_grow(c))
        c->cc->on_ack(c, c->x->sacked_bytes - sacked_before);
    /* RFC 9937 DeliveredData: the change in SND.UNA plus the change in SACKed bytes */
    int64_t d =
        (int64_t)(c->snd_una - una_before) + (int64_t)c->x->sacked_bytes - (int64_t)sacked_before;
    uint32_t delivered = d > 0 ? (uint32_t)d : 0;
    if (was_in_recovery && c->in_recovery && !c->cc->cong_control)
        prr_update(c, delivered, seq_gt(c->snd_una, una_before) && !newly_lost);
    /* RFC 6675 5: SACK can show a loss before three duplicate ACKs arrive; and with
     * fewer than four segments out and nothing new to send, RFC 5827 Early
     * Retransmit lowers the threshold to what can still come back. */
    if (c->sack_ok && !c->in_recovery && c->snd_una != c->snd_max &&
        seq_gt(c->snd_una, c->x->snd_recover - 1) &&
        (tcp_rack_on(c) ? rack_lost : (tcp_sack_first_lost(c) || early_retransmit(c))))
        enter_recovery(c, delivered);
    tcp_ecn_ece_rcvd(c, seg); /* RFC 3168 6.1.2, after loss recovery had its say */
    tcp_ack_rate_sample(c, seg, una_before, sacked_before);
    /* RFC 9293 3.10.7.4: update the send window from the freshest segment. */
    if (seq_lt(c->snd_wl1, seg->seq) || (c->snd_wl1 == seg->seq && seq_le(c->snd_wl2, seg->ack))) {
        /* Data the window held back, nothing in flight: it leaves after an idle period
         * too (as Linux's tcp_ack_update_window checks) */
        int restart = win != c->snd_wnd && una_before == c->snd_max &&
                      seq_lt(c->snd_nxt, tcp_snd_data_end(c));
        c->snd_wnd = win;
        if (restart)
            tcp_cwnd_restart_check(c);
        if (win > c->max_snd_wnd)
            c->max_snd_wnd = win;
        c->snd_wl1 = seg->seq;
        c->snd_wl2 = seg->ack;
        if (win > 0)
            tcp_timer_stop(c, TT_PERSIST);
    }
    if (!fin_acked)
        return TCP_CONT;
    switch (c->state) {
    case SYNACK_FIN_WAIT_1:
        tcp_set_state(c, SYNACK_FIN_WAIT_2, "rcv-ack");
        if (c->sock < 0) /* an orphan may not wait forever for the peer's FIN */
            tcp_timer_set(c, TT_2MSL, st->now + st->cfg.fin_wait2_us);
        return TCP_CONT;
    case SYNACK_CLOSING:
        tcp_enter_time_wait(c, "rcv-ack");
        return TCP_CONT;
    case SYNACK_LAST_ACK:
        tcp_conn_close(c, 0, "rcv-ack");
        return TCP_FREED;
    default:
        return TCP_CONT;
    }
}
