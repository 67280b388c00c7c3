/* SPDX-License-Identifier: MIT */
/* Timer expiry: retransmission (RFC 6298 5), persist (RFC 9293 3.8.6.1), delayed ACK
 * (RFC 1122 4.2.3.2), keepalive (RFC 1122 4.2.3.6), TIME-WAIT and FIN-WAIT-2. */
#include <errno.h>

#include "tcp/linger.h"
#include "tcp/rack.h"
#include "tcp/sack.h"
#include "tcp/tcp.h"

uint64_t tcp_rto_backed_off(const tcp_conn *c)
{
    uint64_t max = c->st->cfg.rto_max_us;
    uint64_t rto = c->rto_us;
    for (uint32_t i = 0; i < c->backoff && rto < max; i++)
        rto *= 2; /* RFC 6298 5.5 */
    return rto < max ? rto : max;
}

/* Where data or a FIN can be outstanding: after close() too (a FIN is probed like data,
 * as Linux probes in any state with something in flight). */
static int tlp_state(synack_tcp_state s)
{
    return s == SYNACK_ESTABLISHED || s == SYNACK_CLOSE_WAIT || s == SYNACK_FIN_WAIT_1 ||
           s == SYNACK_CLOSING || s == SYNACK_LAST_ACK;
}

/* RFC 8985 7.2: a probe timeout of two smoothed RTTs (plus the worst-case delayed-ACK time
 * when only one segment is out), never later than the RTO (then the probe takes the
 * RTO's place without collapsing the window); only in the open state, with an RTT
 * sample, and at most one probe per tail. RACK implies the probe (RACK-TLP). */
static uint64_t tlp_pto(const tcp_conn *c, uint64_t rto)
{
    if (!(c->st->cfg.tail_loss_probe || tcp_rack_on(c)) || c->tlp_out || c->in_recovery ||
        c->backoff || (c->x && c->x->rto_reverted) || !c->srtt_us || !tlp_state(c->state))
        return 0;
    uint64_t pto = 2ull * c->srtt_us;
    if (c->snd_max - c->snd_una <= c->snd_mss)
        pto += 200000; /* WCDelAckT */
    return pto < rto ? pto : rto;
}

void tcp_arm_rexmit(tcp_conn *c)
{
    uint64_t rto = tcp_rto_backed_off(c);
    uint64_t pto = tlp_pto(c, rto);
    c->tlp_armed = pto != 0;
    uint64_t at = c->st->now + (pto ? pto : rto);
    if (tcp_rack_on(c))
        at = tcp_rack_timer(c, at); /* RACK's reordering timer shares the deadline */
    tcp_timer_set(c, TT_REXMIT, at);
}

/* RFC 8985 7.3: send one probe — new data if the windows allow, else the last segment
 * again — so the ACK it draws reveals a tail loss to SACK/duplicate-ACK recovery. */
static void send_probe(tcp_conn *c)
{
    synack_stack *st = c->st;
    stack_count(st, SYNACK_CTR_TCPLossProbes);
    c->tlp_armed = 0;
    c->tlp_out = 1;
    int retrans = 0;
    uint32_t end = tcp_snd_data_end(c);
    uint32_t wnd = c->snd_wnd, inflight = c->snd_nxt - c->snd_una;
    /* less than snd_mss while SACK blocks ride along, or the probe would exceed the MTU */
    uint32_t mss = tcp_send_mss(c);
    if (seq_lt(c->snd_nxt, end) && wnd > inflight) {
        uint32_t len = end - c->snd_nxt;
        if (len > mss)
            len = mss;
        if (len > wnd - inflight)
            len = wnd - inflight;
        uint32_t rec = tcp_eor_span(c, c->snd_nxt);
        if (rec < len)
            len = rec;
        uint32_t seq = c->snd_nxt;
        c->snd_nxt += len;
        tcp_xmit(c, seq, len, TCP_ACK | (seq + len == end || rec == len ? TCP_PSH : 0));
    } else {
        uint32_t top = seq_lt(c->snd_max, end) ? c->snd_max : end;
        uint32_t len = top - c->snd_una;
        if (len > mss)
            len = mss;
        len = tcp_eor_tail(c, top, len);
        /* A FIN sent is part of the last segment: a probe that left it out would send
         * nothing after a bare FIN, and the FIN would wait for the RTO after the probe. */
        uint8_t fin = c->fin_queued && top == end && seq_gt(c->snd_max, end) ? TCP_FIN : 0;
        if (len || fin) {
            tcp_count_retransmission(c);
            tcp_xmit(c, top - len, len, TCP_ACK | (len ? TCP_PSH : 0) | fin);
            retrans = 1;
        }
    }
    if (tcp_rack_on(c))
        tcp_rack_on_probe(c, retrans); /* RFC 8985 7.3: TLP.end_seq, TLP.is_retrans */
    tcp_timer_set(c, TT_REXMIT, st->now + tcp_rto_backed_off(c));
}

static int keepalive_state(synack_tcp_state s)
{
    return s == SYNACK_ESTABLISHED || s == SYNACK_CLOSE_WAIT || s == SYNACK_FIN_WAIT_2;
}

void tcp_arm_keepalive(tcp_conn *c)
{
    if (c->keepalive && keepalive_state(c->state))
        tcp_timer_set(c, TT_KEEPALIVE, c->last_rcv + tcp_keepidle_us(c));
    else
        tcp_timer_stop(c, TT_KEEPALIVE);
}

static void emit_timer(tcp_conn *c, tcp_timer t, uint32_t n)
{
    if (!stack_tracing(c->st))
        return;
    synack_event ev = {.type = SYNACK_EV_TIMER, .has_conn = 1, .sock = c->sock};
    tcp_conn_endpoints(c, &ev.conn);
    ev.u.timer.timer = t == TT_REXMIT && c->rack_reo                   ? "reorder"
                       : t == TT_REXMIT && c->tlp_armed                ? "loss-probe"
                       : t == TT_2MSL && c->state == SYNACK_FIN_WAIT_2 ? "fin-wait-2"
                                                                       : tcp_timer_name(t);
    ev.u.timer.n = n;
    stack_emit(c->st, &ev);
}

/* How long after its first timeout a run of retransmissions gives up with nothing
 * reverted: the time data_retries timeouts in a row take, each RTO doubled (RFC 6298 5.5). */
static uint64_t giveup_after(const tcp_conn *c)
{
    uint64_t max = c->st->cfg.rto_max_us;
    uint64_t rto = c->rto_us, total = 0;
    for (uint32_t i = 1; i <= c->st->cfg.data_retries; i++) {
        rto = rto < max ? rto * 2 : max;
        total += rto < max ? rto : max;
    }
    return total;
}

static tcp_ret on_rexmit(tcp_conn *c)
{
    synack_stack *st = c->st;
    const synack_config *cfg = &st->cfg;
    if (c->rack_reo) {
        tcp_rack_reo_timeout(c); /* RFC 8985 6.2 step 5: the reordering timer */
        return TCP_DONE;
    }
    if (c->tlp_armed) {
        if (c->snd_una != c->snd_max)
            send_probe(c);
        c->tlp_armed = 0;
        return TCP_DONE;
    }
    /* The first timeout of a run: none yet, and none undone to zero by RFC 6069. */
    int first = c->backoff == 0 && !c->x->rto_reverted;
    if (first)
        c->x->first_rexmit_at = st->now;
    if (c->state == SYNACK_SYN_SENT || c->state == SYNACK_SYN_RECEIVED) {
        uint32_t syn_limit = c->knobs && c->knobs->syncnt ? c->knobs->syncnt : cfg->syn_retries;
        uint32_t limit = c->state == SYNACK_SYN_SENT ? syn_limit : cfg->synack_retries;
        if (c->state == SYNACK_SYN_SENT && (c->x->tfo_opt || c->x->tfo_data))
            tcp_fo_syn_timeout(c, c->backoff >= limit);
        if (c->backoff >= limit) {
            stack_count(st, SYNACK_CTR_TCPTimeouts);
            if (c->state == SYNACK_SYN_SENT || !c->passive) {
                stack_count(st, SYNACK_CTR_AttemptFails);
                tcp_conn_close(c, tcp_timeout_error(c), "syn-timeout");
            } else {
                /* An embryo nobody completed: free it; tell the peer unless configured
                 * to keep quiet as Linux does. */
                stack_count(st, SYNACK_CTR_AttemptFails);
                if (cfg->synack_giveup_rst)
                    tcp_send_rst(c);
                tcp_conn_close(c, -ETIMEDOUT, "synack-timeout");
            }
            return TCP_FREED;
        }
        c->backoff++;
        tcp_retransmit_first(c);
        tcp_arm_rexmit(c);
        return TCP_DONE;
    }
    if (c->snd_una == c->snd_max)
        return TCP_DONE; /* nothing outstanding any more */
    int expired = c->backoff >= cfg->data_retries;
    /* RFC 6069 4: a reverted backoff leaves the count behind the time spent, so the run
     * then ends when the unreverted one would have (Linux counts tcp_retries2 in time). */
    if (c->x->rto_reverted && st->now - c->x->first_rexmit_at >= giveup_after(c))
        expired = 1;
    if (tcp_user_timeout_us(c) && st->now - c->x->first_rexmit_at >= tcp_user_timeout_us(c))
        expired = 1;
    if (expired) {
        stack_count(st, SYNACK_CTR_TCPTimeouts);
        stack_count(st, SYNACK_CTR_TCPAbortOnTimeout);
        if (c->state == SYNACK_ESTABLISHED || c->state == SYNACK_CLOSE_WAIT)
            stack_count(st, SYNACK_CTR_EstabResets);
        tcp_conn_close(c, tcp_timeout_error(c), "rexmit-timeout");
        return TCP_FREED;
    }
    stack_count(st, SYNACK_CTR_TCPTimeouts);
    /* RFC 5681 3.1 / RFC 6582 4: a timeout ends recovery and collapses the window; only
     * the first timeout of a run halves ssthresh. */
    if (first)
        c->cc->on_rto(c);
    else
        c->cwnd = c->snd_mss;
    c->in_recovery = 0;
    c->x->dupacks = 0;
    c->x->limited_xmit = 0;
    c->x->snd_recover = c->snd_max;
    c->backoff++;
    c->x->rexmit_sent_at = st->now;
    tcp_mtu_on_rto(c);
    if (tcp_rack_on(c) && first) {
        /* RFC 8985 6.3: RACK marks lost what was sent long enough ago and resends the
         * first; SACKed data is not sent again (output.c resends the rest as the pipe
         * allows). A second timeout in a row falls back to going back: the receiver may
         * have reneged on what it SACKed (RFC 2018 8). */
        tcp_rack_on_rto(c);
        tcp_arm_rexmit(c);
        return TCP_DONE;
    }
    c->snd_nxt = c->snd_una; /* go back: resend from the first unacknowledged byte */
    tcp_sack_clear(c);       /* RFC 2018 8: after a timeout, SACK information may be stale */
    if (tcp_rack_on(c))
        tcp_rack_forget(c);
    tcp_retransmit_first(c);
    tcp_arm_rexmit(c);
    return TCP_DONE;
}

/* Linux's tcp_orphan_retries() with the sysctl at its default 0 */
#define ORPHAN_PROBES 8u

static tcp_ret on_persist(tcp_conn *c)
{
    synack_stack *st = c->st;
    uint32_t end = tcp_snd_data_end(c);
    if (c->snd_wnd != 0 || !seq_lt(c->snd_nxt, end)) {
        /* RFC 1122 4.2.3.4: a window open but too small for SWS avoidance, and nothing in
         * flight to bring an update: the override timeout sends what fits. */
        c->x->persist_backoff = 0;
        c->sws_override = 1;
        tcp_output(c);
        c->sws_override = 0;
        return TCP_DONE;
    }
    /* RFC 9293 3.8.6.1 keeps probing while the peer answers, but nobody will read what an
     * orphan waits to send: a peer holding its window shut would pin it (and its buffer)
     * for ever. Linux's tcp_probe_timer gives an orphan up after tcp_orphan_retries
     * probes (8 by default), or sooner once the backed-off interval reaches the RTO
     * ceiling (its !alive case), without a word on the wire (tcp_write_err). */
    if (c->sock < 0 && (c->x->persist_backoff >= ORPHAN_PROBES ||
                        ((uint64_t)c->rto_us << c->x->persist_backoff) >= st->cfg.rto_max_us)) {
        stack_count(st, SYNACK_CTR_TCPAbortOnTimeout);
        tcp_conn_close(c, tcp_timeout_error(c), "orphan-probe-timeout");
        return TCP_FREED;
    }
    /* RFC 9293 3.8.6.1: probe the zero window with one byte beyond it; the peer ACKs it
     * (accepting it if the window opened), which tells us the window. Linux sends a bare
     * ACK at SND.UNA - 1 instead (tcp_xmit_probe_skb), an old sequence number the peer
     * must answer with an ACK, which carries the window too (cfg.persist_bare_ack). */
    stack_count(st, SYNACK_CTR_TCPWinProbe);
    if (st->cfg.persist_bare_ack)
        tcp_xmit_probe(c, c->snd_una - 1, 0, TCP_ACK);
    else
        tcp_xmit_probe(c, c->snd_nxt, 1, TCP_ACK);
    if (c->x->persist_backoff < 16)
        c->x->persist_backoff++;
    uint64_t t = (uint64_t)c->rto_us << c->x->persist_backoff;
    if (t > st->cfg.rto_max_us)
        t = st->cfg.rto_max_us;
    tcp_timer_set(c, TT_PERSIST, st->now + t);
    return TCP_DONE;
}

static tcp_ret on_keepalive(tcp_conn *c)
{
    synack_stack *st = c->st;
    if (!c->keepalive || !keepalive_state(c->state))
        return TCP_DONE;
    if (c->keep_probes == 0 && st->now < c->last_rcv + tcp_keepidle_us(c)) {
        /* Traffic arrived since the timer was set: wait out the rest of the idle time. */
        tcp_timer_set(c, TT_KEEPALIVE, c->last_rcv + tcp_keepidle_us(c));
        return TCP_DONE;
    }
    if (c->keep_probes >= tcp_keepcnt(c)) {
        /* RFC 1122 4.2.3.6: the peer is dead. Linux resets it on the way out. */
        stack_count(st, SYNACK_CTR_TCPKeepAliveTimeouts);
        tcp_send_rst(c);
        tcp_conn_close(c, tcp_timeout_error(c), "keepalive-timeout");
        return TCP_FREED;
    }
    /* The probe: SEG.SEQ = SND.NXT - 1, no data, which an alive peer must ACK. */
    c->keep_probes++;
    tcp_xmit(c, c->snd_una - 1, 0, TCP_ACK);
    tcp_timer_set(c, TT_KEEPALIVE, st->now + tcp_keepintvl_us(c));
    return TCP_DONE;
}

tcp_ret tcp_timers_run(tcp_conn *c, uint64_t now)
{
    int was_idle = !c->x;
    if (tcp_xfer_attach(c) != 0) {
        /* No memory for the transfer block (only the keepalive runs without one): what is
         * due runs one RTO later. */
        if (c->keep_at <= now)
            c->keep_at = now + c->rto_us;
        tw_arm(&c->st->wheel, &c->tnode, now + c->rto_us);
        return TCP_DONE;
    }
    /* tcp_output found no memory for the block earlier and left data or a FIN queued. */
    if (was_idle && (c->x->snd.len || c->fin_queued))
        tcp_output(c);
    for (int t = 0; t < TT_COUNT; t++) {
        /* UINT64_MAX marks a stopped timer, never a deadline: only a running timer whose
         * time has come fires (the host's now is below SYNACK_TIME_MAX, so a due test
         * alone would also hold, but a stopped timer must not depend on that). */
        uint64_t at = tcp_deadline(c, (tcp_timer)t);
        if (at == UINT64_MAX || at > now)
            continue;
        tcp_deadline_put(c, (tcp_timer)t, UINT64_MAX);
        switch ((tcp_timer)t) {
        case TT_REXMIT:
            if (c->held) {
                tcp_held_expire(c);
                return TCP_FREED;
            }
            emit_timer(c, TT_REXMIT, c->backoff + 1);
            if (!on_rexmit(c))
                return TCP_FREED;
            break;
        case TT_PERSIST:
            emit_timer(c, TT_PERSIST, c->x->persist_backoff + 1);
            if (c->x->ldrop) {
                if (!tcp_ldrop_probe(c))
                    return TCP_FREED;
                break;
            }
            if (!on_persist(c))
                return TCP_FREED;
            break;
        case TT_DELACK:
            emit_timer(c, TT_DELACK, 1);
            if (c->delack_pending) {
                stack_count(c->st, SYNACK_CTR_TCPDelayedACKs);
                tcp_send_ack(c);
                if (c->x)
                    c->x->pingpong = 0; /* Linux: a delayed ACK that had to fire ends it */
            }
            break;
        case TT_KEEPALIVE:
            emit_timer(c, TT_KEEPALIVE, c->keep_probes + 1);
            if (!on_keepalive(c))
                return TCP_FREED;
            break;
        case TT_2MSL:
            /* Armed only in TIME-WAIT and in an orphan's FIN-WAIT-2; in any other state it
             * is stale (the connection moved on) and ends nothing. */
            if (c->state != SYNACK_TIME_WAIT && c->state != SYNACK_FIN_WAIT_2)
                break;
            emit_timer(c, TT_2MSL, 1);
            tcp_conn_close(
                c, 0, c->state == SYNACK_TIME_WAIT ? "time-wait-expired" : "fin-wait-2-timeout");
            return TCP_FREED;
        case TT_PACE: /* the pacer has credit for the next segment (pacing.c); no trace
                         event: it fires once per segment or two */
            tcp_output(c);
            break;
        case TT_LINGER:
            tcp_linger_expired(c);
            break;
        case TT_COUNT:
            break;
        }
    }
    tcp_timers_rearm(c);
    tcp_xfer_release(c);
    return TCP_DONE;
}

/* RFC 6069 4 (Linux's tcp_ld_RTO_revert): the unreachable quoted SND.UNA as resent by a
 * timeout, so the path is down rather than congested: one doubling is undone, and the
 * timer runs from that segment's departure, firing now if that time has passed. */
tcp_ret tcp_rto_revert(tcp_conn *c)
{
    synack_stack *st = c->st;
    if (!c->x || !c->backoff || c->state == SYNACK_SYN_SENT || c->state == SYNACK_SYN_RECEIVED ||
        c->snd_una == c->snd_max)
        return TCP_DONE;
    c->backoff--;
    if (c->x->rto_reverted < UINT8_MAX)
        c->x->rto_reverted++;
    stack_count(st, SYNACK_CTR_TCPIcmpRtoReverts);
    uint64_t at = c->x->rexmit_sent_at + tcp_rto_backed_off(c);
    if (at > st->now) {
        tcp_timer_set(c, TT_REXMIT, at);
        return TCP_DONE;
    }
    tcp_timer_set(c, TT_REXMIT, st->now);
    return tcp_timers_run(c, st->now);
}
