/* SPDX-License-Identifier: MIT */
/* Compact TIME-WAIT: see timewait.h. Records live in the connection table (kind
 * CT_TIME_WAIT) and in one FIFO per stack; all run for the same 2*MSL, so the FIFO is in
 * expiry order and a restart (a retransmitted FIN) just moves a record to the tail. */
#include "tcp/timewait.h"

#include <string.h>

#include "tcp/tcp.h"

/* 56 bytes, so a record plus its share of the connection table stays within 64; an IPv6
 * one too (with a 24-byte interned address entry per peer not shared, within 96). */
_Static_assert(sizeof(tcp_tw) <= 56, "a TIME-WAIT record must fit in 56 bytes");

void tcp_tw_endpoints(const synack_stack *st, const tcp_tw *tw, synack_endpoints *ep)
{
    if (tw->node.kind == CT_TIME_WAIT6)
        tcp_node6_endpoints(&st->conns, &tw->node, ep);
    else
        tcp_key_endpoints(&tw->node.key, ep);
}

/* Out of the table by now (released, or never in): an IPv6 record's node is found by its
 * addresses, so they go only after it left. */
static void tw_free(synack_stack *st, tcp_tw *tw)
{
    if (tw->node.kind == CT_TIME_WAIT6)
        ct_drop_key6(&st->conns, &tw->node);
    stack_free(st, tw, sizeof(*tw));
}

/* The FIFO is singly linked: records leave from the head only. A restarted record is
 * flagged and moved to the tail when it reaches the head; a released one is flagged dead
 * and freed there. Every record still moves through in O(1) amortised. */
static void fifo_append(synack_stack *st, tcp_tw *tw)
{
    tw->next = NULL;
    if (st->twc_tail)
        st->twc_tail->next = tw;
    else
        st->twc_head = tw;
    st->twc_tail = tw;
}

static tcp_tw *fifo_pop(synack_stack *st)
{
    tcp_tw *tw = st->twc_head;
    st->twc_head = tw->next;
    if (!st->twc_head)
        st->twc_tail = NULL;
    tw->next = NULL;
    return tw;
}

/* Frees a record; `why` names the transition TIME-WAIT -> CLOSED in the trace. */
static void release(synack_stack *st, tcp_tw *tw, const char *why)
{
    if (stack_tracing(st)) {
        synack_event ev = {.type = SYNACK_EV_STATE, .has_conn = 1, .sock = -1};
        tcp_tw_endpoints(st, tw, &ev.conn);
        ev.u.state.from = SYNACK_TIME_WAIT;
        ev.u.state.to = SYNACK_CLOSED;
        ev.u.state.why = why;
        stack_emit(st, &ev);
    }
    ct_remove(&st->conns, &tw->node);
    st->twc_len--;
    if (tw == st->twc_head) {
        fifo_pop(st);
        tw_free(st, tw);
    } else {
        tw->node.tw_flags |= TW_DEAD; /* freed when it reaches the head */
        st->twc_dead++;
    }
}

int tcp_tw_compact(tcp_conn *c)
{
    synack_stack *st = c->st;
    if (c->state != SYNACK_TIME_WAIT || c->sock >= 0 || (c->x && recvbuf_ready(&c->x->rcv) > 0))
        return TCP_DONE;
    tcp_tw *tw = stack_alloc(st, sizeof(*tw));
    if (!tw)
        return TCP_DONE; /* the full TCB keeps doing the job */
    memset(tw, 0, sizeof(*tw));
    if (c->node.kind == CT_CONN6) {
        if (ct_share_key6(&st->conns, &tw->node, &c->node, CT_TIME_WAIT6) != 0) {
            stack_free(st, tw, sizeof(*tw));
            return TCP_DONE;
        }
    } else {
        tw->node.key = c->node.key;
        tw->node.kind = CT_TIME_WAIT;
    }
    tw->expires = tcp_deadline(c, TT_2MSL);
    tw->snd_nxt = c->snd_max;
    tw->rcv_nxt = c->rcv_nxt;
    tw->ts_recent = c->ts_recent;
    tw->ts_age_s = c->ts_recent_age_s;
    tw->node.tw_flags = c->ts_ok ? TW_TS_OK : 0;
    uint32_t w = tcp_rcv_window(c) >> c->rcv_wscale;
    tw->node.tw_win = (uint16_t)(w > 0xffff ? 0xffff : w);
    /* the TCB leaves without a state event: the connection stays in TIME-WAIT */
    tcp_conn_free(c);
    ct_insert(&st->conns, &tw->node);
    fifo_append(st, tw);
    st->twc_len++;
    return TCP_FREED;
}

static void send_ack(synack_stack *st, const tcp_tw *tw)
{
    synack_endpoints ep;
    tcp_tw_endpoints(st, tw, &ep);
    tcp_seg seg = {0};
    seg.seq = tw->snd_nxt;
    seg.ack = tw->rcv_nxt;
    seg.flags = TCP_ACK;
    seg.win = tw->node.tw_win;
    if (tw->node.tw_flags & TW_TS_OK) {
        seg.opts.has_ts = 1;
        seg.opts.ts_val = (uint32_t)(st->now / 1000) + tcp_ts_offset(st, &ep);
        seg.opts.ts_ecr = tw->ts_recent;
    }
    tcp_emit_segment(st, &ep, &seg);
}

int tcp_tw_syn_reopens(const tcp_tw_view *v, const tcp_seg *seg)
{
    int newer = seq_gt(seg->seq, v->rcv_nxt);
    if (v->ts_ok && seg->opts.has_ts)
        newer =
            seq_gt(seg->opts.ts_val, v->ts_recent) || (seg->opts.ts_val == v->ts_recent && newer);
    return newer;
}

/* The record as the shared TIME-WAIT rules see it. */
static tcp_tw_view record_view(const synack_stack *st, const tcp_tw *tw)
{
    tcp_tw_view v = {.rcv_nxt = tw->rcv_nxt,
                     .ts_recent = tw->ts_recent,
                     .ts_recent_age = tcp_age_us(st->now, tw->ts_age_s),
                     .ts_ok = (tw->node.tw_flags & TW_TS_OK) != 0};
    return v;
}

/* A connection in TIME-WAIT, in either representation: the full TCB (c) while a socket
 * or unread data keeps it, else the compact record (tw). */
typedef struct tw_ref {
    synack_stack *st;
    tcp_conn *c;
    tcp_tw *tw;
} tw_ref;

static void tw_send_ack(const tw_ref *r)
{
    if (r->c)
        tcp_send_ack(r->c);
    else
        send_ack(r->st, r->tw);
}

/* 2*MSL starts again (RFC 9293 3.10.7.4 "eighth", TIME-WAIT). */
static void tw_restart(const tw_ref *r)
{
    uint64_t when = r->st->now + 2 * r->st->cfg.msl_us;
    if (r->c) {
        tcp_timer_set(r->c, TT_2MSL, when);
        return;
    }
    r->tw->expires = when;
    if (r->tw != r->st->twc_tail)
        r->tw->node.tw_flags |= TW_MOVED;
}

/* The one TIME-WAIT input routine (RFC 9293 3.10.7.4 in TIME-WAIT, RFC 1337, RFC 6191,
 * RFC 7323 5.3/5.5), for both representations. TCP_FREED when the connection was released
 * to let a new SYN reopen the 4-tuple (the caller hands the SYN to the listener), else
 * TCP_DONE. */
static tcp_ret time_wait_input(const tw_ref *r, const tcp_tw_view *v, const tcp_seg *seg)
{
    synack_stack *st = r->st;
    synack_endpoints ep;
    if (r->c)
        tcp_conn_endpoints(r->c, &ep);
    else
        tcp_tw_endpoints(r->st, r->tw, &ep);
    uint8_t f = seg->flags;
    if (f & TCP_RST) {
        /* RFC 1337: ignore RSTs in TIME-WAIT, or an old one could assassinate it. */
        stack_drop(st, &ep, SYNACK_CTR_COUNT, "rst-in-time-wait");
        return TCP_DONE;
    }
    if ((f & (TCP_SYN | TCP_ACK)) == TCP_SYN) {
        if (tcp_tw_syn_reopens(v, seg)) {
            stack_count(st, SYNACK_CTR_TCPTimeWaitReused);
            if (r->c)
                tcp_conn_close(r->c, 0, "time-wait-reused");
            else
                release(st, r->tw, "time-wait-reused");
            return TCP_FREED;
        }
        tw_send_ack(r);
        stack_drop(st, &ep, SYNACK_CTR_COUNT, "old-syn-in-time-wait");
        return TCP_DONE;
    }
    if (tcp_tw_paws(st->now, v, seg)) {
        tw_send_ack(r); /* RFC 7323 5.3 PAWS; counted as Linux's TIME-WAIT counts it */
        stack_drop(st, &ep, SYNACK_CTR_PAWSEstab, "paws");
        return TCP_DONE;
    }
    if (f & TCP_FIN) {
        /* The peer did not get our last ACK: ACK again and restart 2*MSL. */
        tw_restart(r);
        tw_send_ack(r);
        return TCP_DONE;
    }
    if (seg->payload_len || seg->seq != v->rcv_nxt)
        tw_send_ack(r); /* anything else that is not a bare ACK gets our state */
    return TCP_DONE;
}

int tcp_tw_input(synack_stack *st, tcp_tw *tw, const tcp_seg *seg)
{
    tw_ref r = {.st = st, .tw = tw};
    tcp_tw_view v = record_view(st, tw);
    return time_wait_input(&r, &v, seg);
}

int tcp_tw_conn_input(tcp_conn *c, const tcp_seg *seg)
{
    tw_ref r = {.st = c->st, .c = c};
    tcp_tw_view v = {.rcv_nxt = c->rcv_nxt,
                     .ts_recent = c->ts_recent,
                     .ts_recent_age = tcp_age_us(c->st->now, c->ts_recent_age_s),
                     .ts_ok = c->ts_ok};
    return time_wait_input(&r, &v, seg);
}

void tcp_tw_expire(synack_stack *st)
{
    while (st->twc_head) {
        tcp_tw *tw = st->twc_head;
        if (tw->node.tw_flags & TW_DEAD) {
            fifo_pop(st);
            st->twc_dead--;
            tw_free(st, tw);
        } else if (tw->node.tw_flags & TW_MOVED) {
            fifo_pop(st);
            tw->node.tw_flags &= (uint8_t)~TW_MOVED;
            fifo_append(st, tw);
        } else if (tw->expires <= st->now) {
            release(st, tw, "time-wait-expired");
        } else {
            break;
        }
    }
}

uint64_t tcp_tw_next_deadline(const synack_stack *st)
{
    const tcp_tw *tw = st->twc_head;
    if (!tw)
        return UINT64_MAX;
    /* a flagged head is housekeeping: have it done at once */
    return tw->node.tw_flags & (TW_DEAD | TW_MOVED) ? st->now : tw->expires;
}

void tcp_tw_recycle_oldest(synack_stack *st)
{
    if (st->twc_head && (st->twc_head->node.tw_flags & TW_DEAD)) {
        tcp_tw *tw = fifo_pop(st);
        st->twc_dead--;
        tw_free(st, tw);
        return; /* freeing a dead record made the room */
    }
    if (!st->twc_head)
        return;
    stack_count(st, SYNACK_CTR_TCPTimeWaitRecycled);
    release(st, st->twc_head, "time-wait-recycled");
}

void tcp_tw_free_all(synack_stack *st)
{
    while (st->twc_head) {
        tcp_tw *tw = fifo_pop(st);
        if (!(tw->node.tw_flags & TW_DEAD))
            ct_remove(&st->conns, &tw->node);
        tw_free(st, tw);
    }
    st->twc_len = 0;
    st->twc_dead = 0;
}
