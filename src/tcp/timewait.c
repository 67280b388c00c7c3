/* Compact TIME-WAIT: see timewait.h. Records live in the connection table (kind
 * CT_TIME_WAIT) and in one FIFO per stack; all run for the same 2*MSL, so the FIFO is in
 * expiry order and a restart (a retransmitted FIN) just moves a record to the tail. */
#include "tcp/timewait.h"

#include <string.h>

#include "tcp/tcp.h"

_Static_assert(sizeof(tcp_tw) <= 64, "a TIME-WAIT record must fit in 64 bytes");

static void fifo_unlink(synack_stack *st, tcp_tw *tw)
{
    if (tw->prev)
        tw->prev->next = tw->next;
    else
        st->twc_head = tw->next;
    if (tw->next)
        tw->next->prev = tw->prev;
    else
        st->twc_tail = tw->prev;
    tw->prev = tw->next = NULL;
}

static void fifo_append(synack_stack *st, tcp_tw *tw)
{
    tw->next = NULL;
    tw->prev = st->twc_tail;
    if (st->twc_tail)
        st->twc_tail->next = tw;
    else
        st->twc_head = tw;
    st->twc_tail = tw;
}

static void endpoints(const tcp_tw *tw, synack_endpoints *ep)
{
    ep->laddr = tw->node.key.laddr;
    ep->raddr = tw->node.key.raddr;
    ep->lport = tw->node.key.lport;
    ep->rport = tw->node.key.rport;
}

/* Frees a record; `why` names the transition TIME-WAIT -> CLOSED in the trace. */
static void release(synack_stack *st, tcp_tw *tw, const char *why)
{
    if (stack_tracing(st)) {
        synack_event ev = {.type = SYNACK_EV_STATE, .has_conn = 1};
        endpoints(tw, &ev.conn);
        ev.u.state.from = SYNACK_TIME_WAIT;
        ev.u.state.to = SYNACK_CLOSED;
        ev.u.state.why = why;
        stack_emit(st, &ev);
    }
    fifo_unlink(st, tw);
    ct_remove(&st->conns, &tw->node);
    st->twc_len--;
    stack_free(st, tw, sizeof(*tw));
}

int tcp_tw_compact(tcp_conn *c)
{
    synack_stack *st = c->st;
    if (c->state != SYNACK_TIME_WAIT || c->sock >= 0 || recvbuf_ready(&c->rcv) > 0)
        return 0;
    tcp_tw *tw = stack_alloc(st, sizeof(*tw));
    if (!tw)
        return 0; /* the full TCB keeps doing the job */
    memset(tw, 0, sizeof(*tw));
    tw->node.key = c->node.key;
    tw->node.kind = CT_TIME_WAIT;
    tw->expires = c->deadline[TT_2MSL];
    tw->snd_nxt = c->snd_max;
    tw->rcv_nxt = c->rcv_nxt;
    tw->ts_recent = c->ts_recent;
    tw->ts_ok = c->ts_ok;
    uint32_t w = tcp_rcv_window(c) >> c->rcv_wscale;
    tw->win = (uint16_t)(w > 0xffff ? 0xffff : w);
    /* the TCB leaves without a state event: the connection stays in TIME-WAIT */
    tcp_conn_free(c);
    ct_insert(&st->conns, &tw->node);
    fifo_append(st, tw);
    st->twc_len++;
    return 1;
}

static void send_ack(synack_stack *st, const tcp_tw *tw)
{
    synack_endpoints ep;
    endpoints(tw, &ep);
    tcp_seg seg = {0};
    seg.sport = ep.lport;
    seg.dport = ep.rport;
    seg.seq = tw->snd_nxt;
    seg.ack = tw->rcv_nxt;
    seg.flags = TCP_ACK;
    seg.win = tw->win;
    if (tw->ts_ok) {
        seg.opts.has_ts = 1;
        seg.opts.ts_val = (uint32_t)(st->now / 1000) + tcp_ts_offset(st, &ep);
        seg.opts.ts_ecr = tw->ts_recent;
    }
    tcp_emit_segment(st, &ep, &seg);
}

int tcp_tw_input(synack_stack *st, tcp_tw *tw, const tcp_seg *seg)
{
    synack_endpoints ep;
    endpoints(tw, &ep);
    uint8_t f = seg->flags;
    if (f & TCP_RST) {
        /* RFC 1337: ignore RSTs in TIME-WAIT, or an old one could assassinate it. */
        stack_drop(st, &ep, SYNACK_CTR_COUNT, "rst-in-time-wait");
        return 0;
    }
    if ((f & (TCP_SYN | TCP_ACK)) == TCP_SYN) {
        /* RFC 1122 4.2.2.13 / RFC 6191: a SYN beyond everything the old connection used
         * (higher sequence number, or a newer timestamp) may reopen the 4-tuple. */
        int newer = seq_gt(seg->seq, tw->rcv_nxt);
        if (tw->ts_ok && seg->opts.has_ts)
            newer = seq_gt(seg->opts.ts_val, tw->ts_recent) ||
                    (seg->opts.ts_val == tw->ts_recent && newer);
        if (newer) {
            stack_count(st, SYNACK_CTR_TCPTimeWaitReused);
            release(st, tw, "time-wait-reused");
            return 1;
        }
        send_ack(st, tw);
        stack_drop(st, &ep, SYNACK_CTR_COUNT, "old-syn-in-time-wait");
        return 0;
    }
    if (tw->ts_ok && seg->opts.has_ts && seq_lt(seg->opts.ts_val, tw->ts_recent)) {
        send_ack(st, tw); /* RFC 7323 5.3 PAWS */
        stack_drop(st, &ep, SYNACK_CTR_COUNT, "paws");
        return 0;
    }
    if (f & TCP_FIN) {
        /* The peer did not get our last ACK: ACK again and restart 2*MSL (RFC 9293
         * 3.10.7.4 "eighth", TIME-WAIT). */
        tw->expires = st->now + 2 * st->cfg.msl_us;
        fifo_unlink(st, tw);
        fifo_append(st, tw);
        send_ack(st, tw);
        return 0;
    }
    if (seg->payload_len || seg->seq != tw->rcv_nxt)
        send_ack(st, tw); /* anything else that is not a bare ACK gets our state */
    return 0;
}

void tcp_tw_expire(synack_stack *st)
{
    while (st->twc_head && st->twc_head->expires <= st->now)
        release(st, st->twc_head, "time-wait-expired");
}

uint64_t tcp_tw_next_deadline(const synack_stack *st)
{
    return st->twc_head ? st->twc_head->expires : UINT64_MAX;
}

void tcp_tw_recycle_oldest(synack_stack *st)
{
    if (!st->twc_head)
        return;
    stack_count(st, SYNACK_CTR_TCPTimeWaitRecycled);
    release(st, st->twc_head, "time-wait-recycled");
}

void tcp_tw_free_all(synack_stack *st)
{
    while (st->twc_head) {
        tcp_tw *tw = st->twc_head;
        fifo_unlink(st, tw);
        ct_remove(&st->conns, &tw->node);
        stack_free(st, tw, sizeof(*tw));
    }
    st->twc_len = 0;
}
