/* SPDX-License-Identifier: MIT */
/* Segment arrival, RFC 9293 3.10.7: one function per group of states, and the checks of
 * 3.10.7.4 in the RFC's order, with RFC 5961's defences against blind injection. */
#include <errno.h>
#include "util/sockdefs.h"
#include <stddef.h>

#include "stack/errqueue.h"
#include "stack/ready.h"
#include "tcp/tcp.h"
#include "tcp/timewait.h"
#include "tcp/txlog.h"
#include "wire/checksum.h"
#include "wire/result.h"

static uint32_t seg_len(const tcp_seg *s)
{
    return (uint32_t)s->payload_len + ((s->flags & TCP_SYN) ? 1u : 0u) +
           ((s->flags & TCP_FIN) ? 1u : 0u);
}

void tcp_drop(tcp_conn *c, synack_counter ctr, const char *reason)
{
    synack_endpoints ep;
    tcp_conn_endpoints(c, &ep);
    stack_drop(c->st, &ep, ctr, reason);
}

/* RFC 2883: [left, right) arrived twice. The next ACK, sent at once, reports it in its
 * first SACK block, so the sender can tell a spurious retransmission and undo its window
 * reduction. A second duplicate before that ACK widens the range when the two touch
 * (as Linux's tcp_dsack_extend); otherwise the first one is reported. */
static void note_dsack(tcp_conn *c, uint32_t left, uint32_t right)
{
    /* TIME-WAIT answers a repeated FIN as its compact record (timewait.c) would: plainly */
    if (!c->sack_ok || c->state == SYNACK_TIME_WAIT || !seq_lt(left, right))
        return;
    c->ack_now = 1;
    if (c->dsack_pending) {
        if (seq_le(left, c->x->dsack_right) && seq_ge(right, c->x->dsack_left)) {
            if (seq_lt(left, c->x->dsack_left))
                c->x->dsack_left = left;
            if (seq_gt(right, c->x->dsack_right))
                c->x->dsack_right = right;
        }
        return;
    }
    c->dsack_pending = 1;
    c->x->dsack_left = left;
    c->x->dsack_right = right;
    stack_count(c->st,
                seq_lt(left, c->rcv_nxt) ? SYNACK_CTR_TCPDSACKOldSent : SYNACK_CTR_TCPDSACKOfoSent);
}

/* The part of a segment below RCV.NXT, reported as a duplicate (RFC 2883 4.1.1: an ACK
 * that does not advance still tells the sender which bytes came twice). */
static void note_dsack_old(tcp_conn *c, const tcp_seg *seg)
{
    uint32_t len = seg_len(seg);
    if (len == 0 || (seg->flags & TCP_SYN) || !seq_lt(seg->seq, c->rcv_nxt))
        return; /* a SYN is answered by the handshake's rules, not reported */
    uint32_t end = seq_lt(seg->seq + len, c->rcv_nxt) ? seg->seq + len : c->rcv_nxt;
    note_dsack(c, seg->seq, end);
}

/* RFC 2883 4.1.2: bytes [off, off + len) after RCV.NXT that overlap out-of-order data
 * already held. Reported before the write, which moves RCV.NXT over filled holes. */
static void note_dsack_ofo(tcp_conn *c, uint32_t off, uint32_t len)
{
    recvbuf_range r[RECVBUF_MAX_RANGES];
    uint32_t n = recvbuf_sack_ranges(&c->x->rcv, r, RECVBUF_MAX_RANGES);
    for (uint32_t i = 0; i < n; i++) {
        uint32_t lo = off > r[i].start ? off : r[i].start;
        uint32_t hi = off + len < r[i].end ? off + len : r[i].end;
        if (lo < hi) {
            note_dsack(c, c->rcv_nxt + lo, c->rcv_nxt + hi);
            return;
        }
    }
}

void tcp_negotiate_syn_opts(tcp_conn *c, const tcp_opts *o)
{
    const synack_config *cfg = &c->st->cfg;
    /* RFC 9293 3.7.1: without an MSS option the peer takes 536. */
    uint32_t peer_mss = o->has_mss ? o->mss : TCP_DEFAULT_MSS;
    uint32_t ours = tcp_mss_clamp_ours(c);
    uint32_t mss = ours < peer_mss ? ours : peer_mss;
    uint32_t clamp = mss;
    /* RFC 1191 6.3, RFC 8201 4: a path MTU an earlier connection learned holds for this
     * one too. */
    uint32_t path =
        c->node.kind == CT_CONN6
            ? ip6_pmtu_get(c->st, ct_raddr6(&c->st->conns, &c->node)) - IPV6_HDR_LEN - TCP_HDR_LEN
            : ip_pmtu_get(c->st, c->node.key.raddr) - IPV4_HDR_LEN - TCP_HDR_LEN;
    if (path < mss)
        mss = path;
    c->ws_ok = o->has_wscale && cfg->wscale <= TCP_MAX_WSCALE;
    c->snd_wscale = c->ws_ok ? o->wscale : 0;
    c->rcv_wscale = c->ws_ok ? cfg->wscale : 0;
    c->sack_ok = o->sack_ok && cfg->sack;
    /* The socket's choice (SYNACK_TCP_TIMESTAMPS): a listener's passes to its embryos. */
    c->ts_ok = o->has_ts && (c->knobs ? c->knobs->timestamps : cfg->timestamps);
    if (c->ts_ok) {
        c->ts_recent = o->ts_val;
        c->ts_recent_age_s = tcp_age_s(c->st->now);
        mss -=
            TCP_TS_OPT_SPACE; /* RFC 6691: the timestamps option comes out of each segment's room */
    }
    if (mss < TCP_MIN_SND_MSS)
        mss = TCP_MIN_SND_MSS;
    c->snd_mss = (uint16_t)mss;
    tcp_mtu_init(c, clamp);
}

void tcp_rcvseqinit(tcp_conn *c, const tcp_seg *seg)
{
    c->x->irs = seg->seq;
    c->rcv_nxt = seg->seq + 1;
    c->rcv_adv = c->rcv_nxt;
    tcp_negotiate_syn_opts(c, &seg->opts);
    c->snd_wnd = seg->win; /* RFC 7323 2.2: a SYN's window is not scaled */
    c->max_snd_wnd = c->snd_wnd;
    c->snd_wl1 = seg->seq;
}

/* RFC 9293 3.10.7.4 "first, check sequence number". */
static int seq_acceptable(const tcp_conn *c, const tcp_seg *seg)
{
    uint32_t len = seg_len(seg);
    uint32_t wnd = tcp_rcv_window(c);
    uint32_t offered = c->rcv_adv - c->rcv_nxt;
    if (seq_gt(c->rcv_adv, c->rcv_nxt) && offered > wnd)
        wnd = offered;
    if (len == 0) {
        if (wnd == 0)
            return seg->seq == c->rcv_nxt;
        return seq_in(seg->seq, c->rcv_nxt, c->rcv_nxt + wnd);
    }
    if (wnd == 0)
        return 0;
    return seq_in(seg->seq, c->rcv_nxt, c->rcv_nxt + wnd) ||
           seq_in(seg->seq + len - 1, c->rcv_nxt, c->rcv_nxt + wnd);
}

/* Our SYN (or SYN-ACK) had to be retransmitted, so there is no RTT sample: RFC 6298 5.7
 * starts data transfer with an RTO of at least 3 s, and RFC 5681 3.1 (RFC 6928 2) with
 * an initial window of one segment. */
static void syn_loss_fallback(tcp_conn *c)
{
    if (c->total_retrans == 0 || c->srtt_us != 0)
        return;
    if (c->rto_us < TCP_RTO_SYN_LOST_US)
        c->rto_us = TCP_RTO_SYN_LOST_US;
    c->cwnd = c->snd_mss;
}

void tcp_establish(tcp_conn *c, const char *why)
{
    /* TCP_INFO's last_data_* count from here until data moves (Linux does the same) */
    c->last_data_recv_ms = c->last_data_sent_ms = tcp_ms(c->st->now);
    /* before the congestion control sizes its initial window in segments of snd_mss */
    tcp_mtu_established(c);
    c->cc->init(c);
    syn_loss_fallback(c);
    tcp_set_state(c, SYNACK_ESTABLISHED, why);
    tcp_arm_keepalive(c);
}

/* The peer acknowledged our SYN (or SYN-ACK): Karn (RFC 6298 3) takes an RTT sample only
 * if it was sent once; the retransmission timer stops. */
static void syn_acked(tcp_conn *c, uint32_t ack)
{
    if (c->backoff == 0 && c->rtt_timing == 0 && c->total_retrans == 0)
        tcp_rtt_sample(c, (uint32_t)(c->st->now - c->x->rtt_start));
    /* One segment, even when it carried data: the SYN-ACK acknowledges a single packet
     * (Linux counts the SYN data's own queue entry only once it has been resent). */
    tcp_delivered_add(c, 1);
    c->snd_una = ack;
    c->backoff = 0;
    tcp_timer_stop(c, TT_REXMIT);
    if (c->errq_track) /* sends whose data rode on the SYN (Fast Open) */
        sock_errq_acked(c->st, c->sock, ack);
}

static tcp_ret text_and_fin(tcp_conn *c, const tcp_seg *seg, const tcp_rx *rx);

/* The SYN-SENT state, RFC 9293 3.10.7.3: TCP_FREED or TCP_DONE. */
static tcp_ret syn_sent_input(tcp_conn *c, const tcp_seg *seg, const tcp_rx *rx)
{
    synack_stack *st = c->st;
    int acceptable = 0;
    if (c->x->tfo_defer) {
        /* TCP_FASTOPEN_CONNECT before the first send: no SYN left, so nothing can be
         * acknowledged or answered yet. */
        tcp_drop(c, SYNACK_CTR_COUNT, "fastopen-syn-not-sent");
        return TCP_DONE;
    }
    if (seg->flags & TCP_ACK) {
        /* first: an ACK for something we never sent gets a RST (unless it is one) */
        if (seq_le(seg->ack, c->x->iss) || seq_gt(seg->ack, c->snd_max)) {
            if (!(seg->flags & TCP_RST)) {
                synack_endpoints ep;
                tcp_conn_endpoints(c, &ep);
                tcp_reset_reply(st, &ep, seg);
            }
            tcp_drop(c, SYNACK_CTR_COUNT, "bad-ack-syn-sent");
            return TCP_DONE;
        }
        acceptable = 1;
        /* An echo of a TSval this connection never sent: the SYN-ACK answers no SYN of
         * ours (Linux resets it; RFC 7323 leaves SYN-SENT open). */
        uint32_t now_ts = tcp_ts_now(c);
        if (st->cfg.synsent_paws && seg->opts.has_ts && seg->opts.ts_ecr != 0 &&
            (c->knobs ? c->knobs->timestamps : st->cfg.timestamps) &&
            seg->opts.ts_ecr - c->x->syn_stamp > now_ts - c->x->syn_stamp) {
            if (!(seg->flags & TCP_RST)) {
                synack_endpoints ep;
                tcp_conn_endpoints(c, &ep);
                tcp_reset_reply(st, &ep, seg);
            }
            tcp_drop(c, SYNACK_CTR_PAWSActiveRejected, "paws-syn-sent");
            return TCP_DONE;
        }
    }
    if (seg->flags & TCP_RST) {
        /* second: RFC 5961 3.2 — in SYN-SENT a RST counts only if it ACKs our SYN */
        if (acceptable) {
            stack_count(st, SYNACK_CTR_AttemptFails);
            tcp_conn_close(c, -ECONNREFUSED, "rcv-rst");
            return TCP_FREED;
        }
        tcp_drop(c, SYNACK_CTR_COUNT, "rst-without-ack");
        return TCP_DONE;
    }
    if (!(seg->flags & TCP_SYN)) {
        tcp_drop(c, SYNACK_CTR_COUNT, "no-syn-in-syn-sent");
        return TCP_DONE;
    }
    /* fourth: the SYN */
    tcp_rcvseqinit(c, seg);
    tcp_ecn_syn_rcvd(c, seg);
    c->snd_wl2 = seg->ack;
    if (acceptable) {
        syn_acked(c, seg->ack);
        if (c->x->tfo_opt || c->x->tfo_data)
            tcp_fo_synack(c, seg);
        tcp_establish(c, "rcv-syn-ack");
        if (st->cfg.write_pending_delack && c->x->write_pending) {
            /* Linux (tcp_rcv_synsent_state_process): the blocked writer's data follows at
             * once and carries the ACK, so none is sent for the SYN-ACK; a reply that
             * quick makes the connection interactive (tcp_output). */
            c->x->write_pending = 0;
            c->x->reply_by = st->now + TCP_ATO_MIN_US;
            c->delack_pending = 1;
            tcp_timer_set(c, TT_DELACK, st->now + TCP_DELACK_MAX_US);
        } else {
            c->ack_now = 1;
        }
        if ((c->x->tfo_opt || c->x->tfo_data) && (seg->payload_len || (seg->flags & TCP_FIN))) {
            /* A Fast Open server may answer in its SYN-ACK (RFC 7413 4.2.2): the text and
             * a FIN after the SYN are taken as from an established connection. */
            tcp_seg text = *seg;
            text.seq++;
            text.flags &= (uint8_t)~TCP_SYN;
            return text_and_fin(c, &text, rx) == TCP_FREED ? TCP_FREED : TCP_DONE;
        }
        /* Data on a SYN-ACK is rare otherwise; it is not accepted here and the peer
         * resends it. */
        tcp_output(c);
        return TCP_DONE;
    }
    /* Simultaneous open (RFC 9293 Figure 7): answer with SYN-ACK from our ISS. */
    tcp_set_state(c, SYNACK_SYN_RECEIVED, "rcv-syn");
    c->backoff = 0;
    tcp_send_syn(c);
    tcp_arm_rexmit(c);
    return TCP_DONE;
}

/* RFC 9293 3.10.7.4 "seventh, process the segment text": TCP_FREED, or TCP_CONT. */
static tcp_ret process_text(tcp_conn *c, const tcp_seg *seg, const tcp_rx *rx)
{
    synack_stack *st = c->st;
    const uint8_t *data = seg->payload;
    uint32_t len = (uint32_t)seg->payload_len;
    uint32_t seq = seg->seq;
    if (seg->flags & TCP_SYN)
        seq++;
    /* RFC 9293 3.10.7.4 "sixth, check the URG bit", before the text moves RCV.NXT */
    if ((seg->flags & TCP_URG) || c->x->urg_state == TCP_URG_NOTYET)
        tcp_urg_input(c, seg);
    if (seq_lt(seq, c->rcv_nxt)) { /* trim what we already have */
        uint32_t skip = c->rcv_nxt - seq;
        note_dsack(c, seq, skip < len ? c->rcv_nxt : seq + len);
        if (skip >= len)
            return TCP_CONT;
        data += skip;
        len -= skip;
        seq = c->rcv_nxt;
        c->ack_now = 1; /* partly duplicate: tell the peer where we are */
    }
    if (len == 0)
        return TCP_CONT;
    if (c->sock < 0 && c->queue == TCPQ_NONE) {
        /* Nobody will ever read this: the application closed the socket (RFC 9293
         * 3.10.4 leaves this to the implementation; Linux resets, RFC 2525 2.17). */
        stack_count(st, SYNACK_CTR_TCPAbortOnData);
        if (st->cfg.rst_reply_orphan && (seg->flags & TCP_ACK))
            tcp_send_rst_seq(c, seg->ack); /* Linux: the reset of tcp_v4_do_rcv */
        else
            tcp_send_rst(c);
        tcp_conn_close(c, -ECONNRESET, "data-after-close");
        return TCP_FREED;
    }
    uint32_t off = seq - c->rcv_nxt;
    /* A FIN held beyond a hole is out-of-order data too (a gap this segment may fill) */
    int had_ooo = c->x->rcv.nranges != 0 || c->fin_rcvd_ooo;
    if (c->x->rcv.nranges != 0 && c->sack_ok)
        note_dsack_ofo(c, off, len);
    uint32_t stored = 0;
    long adv = -1;
    if (off == 0 && data == rx->staged && len == seg->payload_len) {
        /* tcp_input already copied these bytes into the ring while summing them */
        adv = recvbuf_commit_staged(&c->x->rcv, len);
        stored = adv > 0 ? len : 0;
    }
    if (adv < 0)
        adv = recvbuf_write(&c->x->rcv, &st->bufmem, off, data, len, &stored);
    if (adv < 0) {
        tcp_drop(c, adv == -ENOMEM ? SYNACK_CTR_NoMemory : SYNACK_CTR_TCPOFODrop,
                 adv == -ENOMEM ? "no-memory" : "ofo-ranges-full");
        c->ack_now = 1;
        return TCP_CONT;
    }
    if (stored < len && off == 0 && adv == 0)
        stack_count(st, SYNACK_CTR_TCPRcvQDrop);
    c->rcv_nxt += (uint32_t)adv;
    c->bytes_received += (uint64_t)adv;
    if (adv > 0)
        c->last_data_recv_ms = tcp_ms(st->now);
    if (adv > 0)
        sock_ready_raise(st, c->sock, POLLIN);
    if (off > 0) {
        /* RFC 5681 4.2: out-of-order data is ACKed at once (a duplicate ACK). */
        stack_count(st, SYNACK_CTR_TCPOFOQueue);
        c->x->sack_recent = seq;
        c->ack_now = 1;
    } else if (had_ooo || adv == 0) {
        c->ack_now = 1; /* filled a hole (RFC 5681 4.2) or the window is full */
    } else {
        /* RFC 1122 4.2.3.2 / RFC 5681 4.2: ACK at least every second full segment (or
         * every cfg.ack_every_segs: stretch ACKs for a relay's bulk), else within the
         * delayed-ACK time. */
        uint32_t full = c->rcv_mss - (c->ts_ok ? TCP_TS_OPT_SPACE : 0u);
        c->x->segs_since_ack += full ? len / full : 1; /* a GRO/GSO super-packet: its full
                                                       segments, so it is ACKed at once */
        if (c->x->segs_since_ack >= st->cfg.ack_every_segs || (c->quickacks && !c->x->pingpong)) {
            if (c->quickacks)
                c->quickacks--; /* Linux: quick-ACK mode lasts a bounded number of ACKs */
            c->ack_now = 1;
        } else {
            c->delack_pending = 1;
            if (tcp_deadline(c, TT_DELACK) == UINT64_MAX)
                tcp_timer_set(c, TT_DELACK, st->now + st->cfg.delack_us);
        }
    }
    return TCP_CONT;
}

/* RFC 9293 3.10.7.4 "eighth, check the FIN bit", once all data before it is in. */
static void process_fin(tcp_conn *c)
{
    synack_stack *st = c->st;
    c->rcv_nxt++;
    c->rd_closed = 1;
    c->fin_rcvd_ooo = 0;
    sock_ready_raise(st, c->sock, POLLIN | POLLRDHUP);
    switch (c->state) {
    case SYNACK_SYN_RECEIVED:
    case SYNACK_ESTABLISHED:
        tcp_set_state(c, SYNACK_CLOSE_WAIT, "rcv-fin");
        if (st->cfg.quickack_fin && c->bytes_received == c->x->tfo_syn_len) {
            /* Linux's delayed-ACK timeout (ato) is 0 until data has arrived: a FIN
             * on a connection that carried no data (past what a Fast Open SYN brought,
             * which does not set it) is ACKed at once. */
            c->ack_now = 1;
            break;
        }
        /* Delay the ACK of a FIN (as Linux does): an application that closes at once
         * sends its FIN on the same segment (RFC 9293 3.6 "FIN+ACK"). */
        c->delack_pending = 1;
        if (tcp_deadline(c, TT_DELACK) == UINT64_MAX)
            tcp_timer_set(c, TT_DELACK, st->now + st->cfg.delack_us);
        break;
    case SYNACK_FIN_WAIT_1:
        /* our FIN is not yet acknowledged (else we would be in FIN-WAIT-2) */
        c->ack_now = 1;
        tcp_set_state(c, SYNACK_CLOSING, "rcv-fin");
        break;
    case SYNACK_FIN_WAIT_2:
        tcp_timer_stop(c, TT_2MSL);
        tcp_send_ack(c);
        tcp_enter_time_wait(c, "rcv-fin");
        break;
    default:
        break;
    }
}

/* Header prediction (Van Jacobson; RFC 9293 leaves it to implementations): in ESTABLISHED,
 * the next in-order segment that only acknowledges new data, or only carries new data, with
 * nothing unusual about it, skips the general checks — they would all pass. Returns 1 when
 * it handled the segment. */
static int fast_path(tcp_conn *c, const tcp_seg *seg, const tcp_rx *rx)
{
    synack_stack *st = c->st;
    if (c->state != SYNACK_ESTABLISHED ||
        (seg->flags & (TCP_SYN | TCP_FIN | TCP_RST | TCP_URG | TCP_ACK)) != TCP_ACK ||
        seg->seq != c->rcv_nxt || ((uint32_t)seg->win << c->snd_wscale) != c->snd_wnd ||
        c->snd_nxt != c->snd_max || c->in_recovery || c->x->dupacks || c->x->nsb ||
        seg->opts.nsack || c->fin_queued || c->x->rcv.nranges || c->fin_rcvd_ooo || c->sock < 0 ||
        (c->ecn_ok && (seg->flags & TCP_ECE)))
        return 0;
    if (c->ts_ok) {
        if (!seg->opts.has_ts || seq_lt(seg->opts.ts_val, c->ts_recent))
            return 0;
        c->ts_recent = seg->opts.ts_val; /* RFC 7323 4.3: SEG.SEQ == RCV.NXT here */
        c->ts_recent_age_s = tcp_age_s(st->now);
    }
    if (seg->payload_len == 0) {
        if (!seq_gt(seg->ack, c->snd_una) || seq_gt(seg->ack, c->snd_max))
            return 0;
        stack_count(st, SYNACK_CTR_TCPHPHits);
        stack_count(st, SYNACK_CTR_TCPPureAcks);
        uint32_t una_before = c->snd_una;
        tcp_hystart_sample(c, seg);
        tcp_ack_advance(c, seg->ack);
        /* RACK and rate sampling read the transmit log (no SACK here: nothing can be
         * found lost) */
        tcp_txlog_on_ack(c, seg, una_before, 0);
        tcp_ts_rtt_sample(c, seg);
        tcp_ack_rate_sample(c, seg, una_before, 0); /* nsb == 0: nothing was SACKed */
        c->snd_wl1 = seg->seq;
        c->snd_wl2 = seg->ack;
        tcp_output(c);
        return 1;
    }
    if (seg->ack != c->snd_una || seg->payload_len > recvbuf_space(&c->x->rcv))
        return 0;
    stack_count(st, SYNACK_CTR_TCPHPHits);
    c->snd_wl1 = seg->seq;
    if (!process_text(c, seg, rx))
        return 1;
    tcp_output(c);
    return 1;
}

/* A duplicate pure ACK that the network reordered behind a newer segment (Linux's
 * tcp_disordered_ack): SEG.SEQ = RCV.NXT, no data, SEG.ACK = SND.UNA, a window that updates
 * nothing, and a TSval at most one RTO older than TS.Recent. It changes no state but the
 * duplicate-ACK count and the SACK scoreboard, and its TSval places it in the current
 * flight, not in an earlier wrap of the sequence space that PAWS guards against; dropping
 * it loses a duplicate ACK, and with it fast retransmit, for an RTO.
 * Only cfg.paws_disordered_ack (linux profile) exempts it: RFC 7323 5.3 says PAWS "MUST be
 * performed on all incoming segments" and names no exception; its discussion after R5
 * accepts that segments delayed past a newer one are "discarded unnecessarily". */
static int disordered_ack(const tcp_conn *c, const tcp_seg *seg)
{
    uint32_t win = (uint32_t)seg->win << c->snd_wscale;
    uint32_t age_ms = (uint32_t)(tcp_rto_backed_off(c) / 1000);
    return (seg->flags & TCP_ACK) && seg_len(seg) == 0 && seg->seq == c->rcv_nxt &&
           seg->ack == c->snd_una && !seq_gt(seg->seq, c->snd_wl1) && win == c->snd_wnd &&
           win != 0 && c->ts_recent - seg->opts.ts_val <= age_ms;
}

/* RFC 7323 5.3 PAWS: a timestamp older than TS.Recent marks an old duplicate, dropped and
 * answered with an ACK. TCP_DONE when it was, else TCP_CONT. */
static tcp_ret check_paws(tcp_conn *c, const tcp_seg *seg)
{
    synack_stack *st = c->st;
    if (c->ts_ok && seg->opts.has_ts && !(seg->flags & TCP_RST) &&
        tcp_paws_old(st->now, c->ts_recent, tcp_age_us(st->now, c->ts_recent_age_s), seg) &&
        !(st->cfg.paws_disordered_ack && disordered_ack(c, seg))) {
        note_dsack_old(c, seg); /* as Linux's tcp_send_dupack: data we already have */
        tcp_drop(c, SYNACK_CTR_PAWSEstab, "paws");
        tcp_send_ack(c);
        return TCP_DONE;
    }
    return TCP_CONT;
}

/* "first, check the sequence number"; then RFC 7323 4.3: remember the timestamp of an
 * in-order segment. TCP_DONE when the segment was unacceptable (answered and dropped). */
static tcp_ret check_seq(tcp_conn *c, const tcp_seg *seg)
{
    synack_stack *st = c->st;
    uint8_t f = seg->flags;
    if (!seq_acceptable(c, seg)) {
        if (!(f & TCP_RST)) {
            note_dsack_old(c, seg); /* RFC 2883: an old duplicate is reported */
            tcp_send_ack(c);
        }
        tcp_drop(c, SYNACK_CTR_COUNT, "out-of-window");
        return TCP_DONE;
    }
    if (c->ts_ok && seg->opts.has_ts && seq_le(seg->seq, c->rcv_adv) &&
        seq_le(seg->seq, c->rcv_nxt) && seq_ge(seg->opts.ts_val, c->ts_recent)) {
        c->ts_recent = seg->opts.ts_val;
        c->ts_recent_age_s = tcp_age_s(st->now);
    }
    return TCP_CONT;
}

/* "second, check the RST bit" (RFC 5961 3.2) in a synchronized state. TCP_CONT when the
 * segment has no RST. */
static tcp_ret check_rst(tcp_conn *c, const tcp_seg *seg)
{
    synack_stack *st = c->st;
    if (!(seg->flags & TCP_RST))
        return TCP_CONT;
    if (seg->seq != c->rcv_nxt) {
        tcp_send_challenge_ack(c);
        return TCP_DONE;
    }
    switch (c->state) {
    case SYNACK_ESTABLISHED:
    case SYNACK_CLOSE_WAIT:
        stack_count(st, SYNACK_CTR_EstabResets);
        tcp_conn_close(c, -ECONNRESET, "rcv-rst");
        return TCP_FREED;
    case SYNACK_FIN_WAIT_1:
    case SYNACK_FIN_WAIT_2:
        tcp_conn_close(c, -ECONNRESET, "rcv-rst");
        return TCP_FREED;
    default: /* CLOSING, LAST-ACK (TIME-WAIT never comes here: timewait.c) */
        tcp_conn_close(c, 0, "rcv-rst");
        return TCP_FREED;
    }
}

/* "seventh, process the segment text" and "eighth, check the FIN bit", then what may be
 * sent. */
static tcp_ret text_and_fin(tcp_conn *c, const tcp_seg *seg, const tcp_rx *rx)
{
    synack_stack *st = c->st;
    switch (c->state) {
    case SYNACK_ESTABLISHED:
    case SYNACK_FIN_WAIT_1:
    case SYNACK_FIN_WAIT_2:
        if (!process_text(c, seg, rx))
            return TCP_FREED;
        break;
    default:
        break;
    }
    if (seg->flags & TCP_FIN) {
        uint32_t fin_seq = seg->seq + (uint32_t)seg->payload_len;
        if (c->state == SYNACK_TIME_WAIT) {
            tcp_send_ack(c);
            tcp_timer_set(c, TT_2MSL, st->now + 2 * st->cfg.msl_us);
            return TCP_DONE;
        }
        if (!c->rd_closed && seq_gt(fin_seq, c->rcv_nxt) &&
            fin_seq - c->rcv_nxt < recvbuf_space(&c->x->rcv) + 1) {
            c->fin_rcvd_ooo = 1;
            c->x->rcv_fin_seq = fin_seq;
            c->ack_now = 1; /* RFC 5681 4.2: an out-of-order segment gets a duplicate ACK */
        }
        if (!c->rd_closed && fin_seq == c->rcv_nxt)
            process_fin(c);
    }
    if (c->fin_rcvd_ooo && c->x->rcv_fin_seq == c->rcv_nxt && !c->rd_closed)
        process_fin(c);
    if (c->state == SYNACK_TIME_WAIT)
        return TCP_DONE;
    tcp_output(c);
    return TCP_DONE;
}

/* Segment arrival in a synchronized state (RFC 9293 3.10.7.4), after header prediction
 * declined it. TIME-WAIT has its own routine, shared with the compact record
 * (timewait.c tcp_tw_conn_input); a connection may still enter it on the way (a FIN, or
 * the ACK of ours in CLOSING). */
static tcp_ret synchronized_input(tcp_conn *c, const tcp_seg *seg, const tcp_rx *rx)
{
    tcp_ret r;
    if ((r = check_paws(c, seg)) != TCP_CONT)
        return r;
    /* (Linux updates TS.Recent only once the ACK proved valid: ack_input puts it back when
     * cfg.ack_unsent_drop drops the ACK.) */
    uint32_t old_ts_recent = c->ts_recent, old_ts_recent_age_s = c->ts_recent_age_s;
    if ((r = check_seq(c, seg)) != TCP_CONT || (r = check_rst(c, seg)) != TCP_CONT)
        return r;
    /* "fourth, check the SYN bit" (RFC 5961 4) */
    if (seg->flags & TCP_SYN) {
        stack_count(c->st, SYNACK_CTR_TCPSYNChallenge);
        tcp_send_challenge_ack(c);
        return TCP_DONE;
    }
    /* "fifth, check the ACK field" */
    if (!(seg->flags & TCP_ACK)) {
        tcp_drop(c, SYNACK_CTR_COUNT, "no-ack");
        return TCP_DONE;
    }
    if ((r = tcp_ack_input(c, seg, old_ts_recent, old_ts_recent_age_s)) != TCP_CONT)
        return r;
    return text_and_fin(c, seg, rx);
}

/* The ACK that completes our SYN-ACK's handshake (RFC 9293 3.10.7.4 "fifth",
 * SYN-RECEIVED): ESTABLISHED, or for a passive open the listener's accept queue first. */
static tcp_ret syn_received_ack(tcp_conn *c, const tcp_seg *seg)
{
    if (!(seq_lt(c->snd_una, seg->ack) && seq_le(seg->ack, c->snd_max))) {
        synack_endpoints ep;
        tcp_conn_endpoints(c, &ep);
        tcp_reset_reply(c->st, &ep, seg);
        tcp_drop(c, SYNACK_CTR_COUNT, "bad-ack-syn-received");
        return TCP_DONE;
    }
    if (c->passive) {
        tcp_ret r = tcp_listen_established(c);
        if (r != TCP_CONT)
            return r; /* accept queue full: dropped (and maybe reset and freed) */
    }
    uint32_t win = (uint32_t)seg->win << c->snd_wscale;
    if (c->passive) {
        /* Only a Fast Open child has sent beyond its SYN; the ACK step takes the rest. */
        syn_acked(c, c->x->iss + 1);
        if (c->snd_max != c->snd_una)
            tcp_arm_rexmit(c); /* data sent before the handshake is still outstanding */
    } else {
        syn_acked(c, seg->ack);
        if (c->x->tfo_opt || c->x->tfo_data)
            tcp_fo_synack(c, seg); /* simultaneous open: the SYN data it acknowledges is done */
    }
    c->snd_wnd = win;
    c->max_snd_wnd = win;
    c->snd_wl1 = seg->seq;
    c->snd_wl2 = seg->ack;
    tcp_establish(c, "rcv-ack");
    return TCP_CONT;
}

/* Segment arrival in SYN-RECEIVED: the checks of 3.10.7.4 in their order, with what
 * differs before the connection is synchronized. */
static tcp_ret syn_received_input(tcp_conn *c, const tcp_seg *seg, const tcp_rx *rx)
{
    synack_stack *st = c->st;
    tcp_seg trimmed;
    if (!c->passive && (seg->flags & TCP_SYN) && seg->seq == c->x->irs) {
        /* Simultaneous open (RFC 9293 Figure 7): the peer's SYN-ACK repeats the SYN we
         * already took. Trim it off, as 3.10.7.4 allows ("trimming off any portions that
         * lie outside the window (including SYN and FIN)"), so the ACK completes the
         * handshake instead of failing the sequence check. */
        trimmed = *seg;
        trimmed.flags &= (uint8_t)~TCP_SYN;
        trimmed.seq++;
        seg = &trimmed;
        if (st->cfg.simopen_dsack) {
            /* Linux takes the SYN as a duplicate: an ACK at once, with a D-SACK for it. */
            note_dsack(c, c->x->irs, c->x->irs + 1);
            c->ack_now = 1;
        }
    }
    uint8_t f = seg->flags;
    tcp_ret r;
    if ((r = check_paws(c, seg)) != TCP_CONT)
        return r;
    /* A retransmission of the SYN that made this embryo: the peer did not hear our SYN-ACK.
     * Send it again, as Linux does; the sequence check below would answer a bare ACK,
     * which a peer in SYN-SENT drops (RFC 9293 3.10.7.3 fifth). */
    if (c->passive && seg->seq == c->x->irs && (f & (TCP_SYN | TCP_ACK | TCP_RST)) == TCP_SYN) {
        tcp_retransmit_first(c);
        return TCP_DONE;
    }
    if ((r = check_seq(c, seg)) != TCP_CONT)
        return r;
    if (f & TCP_RST) {
        if (seg->seq != c->rcv_nxt) {
            tcp_send_challenge_ack(c);
            return TCP_DONE;
        }
        /* RFC 1213 tcpAttemptFails counts SYN-RECEIVED -> LISTEN as well */
        stack_count(st, SYNACK_CTR_AttemptFails);
        /* passive: back to LISTEN, the embryo just goes away; a Fast Open child may have
         * been accepted, and its socket learns of the reset */
        tcp_conn_close(c,
                       tcp_fastopen_early_send(c) ? -ECONNRESET
                       : c->passive               ? 0
                                                  : -ECONNREFUSED,
                       "rcv-rst");
        return TCP_FREED;
    }
    if (f & TCP_SYN) {
        if (c->passive) {
            /* RFC 9293 3.10.7.4: not yet synchronized, so no challenge ACK (RFC 5961 4 is
             * for synchronized states): a passive open returns to LISTEN. */
            stack_count(st, SYNACK_CTR_AttemptFails);
            tcp_conn_close(c, 0, "rcv-syn");
            return TCP_FREED;
        }
        stack_count(st, SYNACK_CTR_TCPSYNChallenge);
        tcp_send_challenge_ack(c);
        return TCP_DONE;
    }
    if (!(f & TCP_ACK)) {
        tcp_drop(c, SYNACK_CTR_COUNT, "no-ack");
        return TCP_DONE;
    }
    if ((r = syn_received_ack(c, seg)) != TCP_CONT)
        return r;
    if (seq_gt(seg->ack, c->snd_una) &&
        (r = tcp_ack_input(c, seg, c->ts_recent, c->ts_recent_age_s)) != TCP_CONT)
        return r;
    return text_and_fin(c, seg, rx);
}

/* Segment arrival for SYN-RECEIVED and every synchronized state. */
static tcp_ret conn_input(tcp_conn *c, const tcp_seg *seg, const tcp_rx *rx)
{
    if (fast_path(c, seg, rx))
        return TCP_DONE;
    if (c->state == SYNACK_SYN_RECEIVED)
        return syn_received_input(c, seg, rx);
    return synchronized_input(c, seg, rx);
}

/* The transfer block is there for the whole segment and given back if the segment left
 * the connection idle. A connection count that changed means another connection may have
 * gone too (a TIME-WAIT entry recycled): the block then waits for the next event. */
tcp_ret tcp_conn_input(tcp_conn *c, const tcp_seg *seg, const tcp_rx *rx)
{
    synack_stack *st = c->st;
    if (tcp_xfer_attach(c) != 0) {
        tcp_drop(c, SYNACK_CTR_COUNT, "no-memory"); /* counted (NoMemory) by stack_alloc */
        return TCP_DONE;
    }
    tcp_ecn_rx(c, seg, rx->ecn);
    uint32_t nconns = st->nconns;
    tcp_ret r = conn_input(c, seg, rx);
    if (r != TCP_FREED && st->nconns == nconns)
        tcp_xfer_release(c);
    return r;
}

static void compact_pending(synack_stack *st)
{
    tcp_conn *c = st->tw_pending;
    st->tw_pending = NULL;
    if (c)
        tcp_tw_compact(c);
}

/* The next in-order data of an established connection, which the fast path or process_text
 * would copy into the receive ring at RCV.NXT: its copy can verify the checksum too. */
static int rx_fusable(const tcp_conn *c, const tcp_seg *seg)
{
    return c->x && c->state == SYNACK_ESTABLISHED &&
           (seg->flags & (TCP_SYN | TCP_FIN | TCP_RST | TCP_URG | TCP_ACK)) == TCP_ACK &&
           seg->seq == c->rcv_nxt && seg->payload_len > 0 && c->x->rcv.nranges == 0 &&
           c->sock >= 0 && seg->payload_len <= recvbuf_space(&c->x->rcv);
}

/* Completes a deferred checksum: 1 if the segment is intact (rx->staged then says whether
 * its payload was staged in the receive ring). */
static int rx_verify(synack_stack *st, ct_node *n, const tcp_seg *seg, uint64_t hdr_sum, tcp_rx *rx)
{
    uint64_t sum;
    if (n && ct_is_conn(n)) {
        tcp_conn *c = tcp_conn_of(n);
        if (rx_fusable(c, seg) && recvbuf_stage(&c->x->rcv, &st->bufmem, seg->payload,
                                                (uint32_t)seg->payload_len, &sum) == 0) {
            if (!tcp_csum_complete(hdr_sum, sum)) {
                c->x->rcv.staged = 0; /* the bytes sit past RCV.NXT, invisible; forget them */
                return 0;
            }
            rx->staged = seg->payload;
            return 1;
        }
    }
    return tcp_csum_complete(hdr_sum, csum_add(0, seg->payload, seg->payload_len));
}

static void segment_input(synack_stack *st, const synack_endpoints *in_ep, const tcp_seg *seg,
                          ct_node *n, const tcp_rx *rx);

int tcp_input(synack_stack *st, const ipv4_hdr *ip, const tcp_seg *seg, const uint64_t *hdr_sum,
              uint16_t gso_size)
{
    synack_endpoints ep = {
        .laddr = ip->dst, .raddr = ip->src, .lport = seg->dport, .rport = seg->sport};
    return tcp_input_ep(st, &ep, ip->tos & IP_ECN_MASK, seg, hdr_sum, gso_size);
}

int tcp_input_ep(synack_stack *st, const synack_endpoints *ep, uint8_t ecn, const tcp_seg *seg,
                 const uint64_t *hdr_sum, uint16_t gso_size)
{
    ct_node *n;
    if (tcp_ep_v6(ep)) {
        n = tcp_node_find(st, ep);
    } else {
        ct_key key = {
            .laddr = ep->laddr, .raddr = ep->raddr, .lport = ep->lport, .rport = ep->rport};
        n = ct_lookup(&st->conns, &key);
    }
    tcp_rx rx = {.staged = NULL, .gso_size = gso_size, .ecn = ecn};
    if (hdr_sum && !rx_verify(st, n, seg, *hdr_sum, &rx)) {
        stack_count(st, SYNACK_CTR_InErrs);
        stack_drop(st, NULL, SYNACK_CTR_InCsumErrors, wire_result_name(WIRE_BAD_TCP_CSUM));
        return -EINVAL;
    }
    segment_input(st, ep, seg, n, &rx);
    return 0;
}

static void segment_input(synack_stack *st, const synack_endpoints *in_ep, const tcp_seg *seg,
                          ct_node *n, const tcp_rx *rx)
{
    const synack_endpoints ep = *in_ep;
    /* A super-packet counts as the segments it stands for (as Linux's gso_segs). */
    uint32_t gso = rx->gso_size;
    uint32_t segs =
        gso && seg->payload_len > gso ? (uint32_t)((seg->payload_len + gso - 1) / gso) : 1;
    st->counters[SYNACK_CTR_InSegs] += segs;
    if (stack_tracing(st))
        tcp_trace_seg(st, SYNACK_EV_RX, &ep, n && ct_is_conn(n) ? tcp_conn_of(n)->sock : -1, seg,
                      rx->ecn);
    if (n && ct_is_tw(n)) {
        if (tcp_tw_input(st, tcp_tw_of(n), seg) != TCP_FREED)
            return;
        n = NULL; /* reopened: the SYN goes to the listener */
    }
    if (n) {
        tcp_conn *c = tcp_conn_of(n);
        c->segs_in += segs;
        c->last_rcv = st->now;
        c->keep_probes = 0;
        if (c->held) {
            tcp_held_input(c, seg);
            return;
        }
        if (c->state == SYNACK_SYN_SENT) {
            uint32_t nconns = st->nconns;
            if (syn_sent_input(c, seg, rx) != TCP_FREED && st->nconns == nconns)
                tcp_xfer_release(c);
            compact_pending(st);
            return;
        }
        if (c->state == SYNACK_TIME_WAIT) {
            if (tcp_tw_conn_input(c, seg) != TCP_FREED)
                return;
            n = NULL; /* released to reopen: the SYN now goes to the listener */
        } else {
            tcp_conn_input(c, seg, rx);
            compact_pending(st);
            return;
        }
    }
    tcp_listener *l = tcp_listener_find_ep(st, &ep);
    if (!l)
        l = tcp_catch_all_for(st, &ep); /* what no other socket claims (hold.c) */
    if (l) {
        tcp_listen_input(st, l, &ep, seg, rx);
        return;
    }
    /* RFC 9293 3.10.7.1: CLOSED — no such connection. */
    stack_drop(st, &ep, SYNACK_CTR_COUNT, "no-socket");
    tcp_reset_reply(st, &ep, seg);
}
