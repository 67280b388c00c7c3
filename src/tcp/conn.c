/* SPDX-License-Identifier: MIT */
/* Connection life cycle: creation, the one state-change function, timers, TIME-WAIT
 * bookkeeping and the final free. */
#include <errno.h>
#include "util/sockdefs.h"
#include <string.h>

#include "stack/ready.h"
#include "tcp/rack.h"
#include "tcp/txlog.h"
#include "tcp/sack.h"
#include "tcp/fastopen_server.h"
#include "tcp/linger.h"
#include "tcp/tcp.h"
#include "tcp/timewait.h"

static const char *const timer_names[TT_COUNT] = {
    [TT_REXMIT] = "rexmit",       [TT_PERSIST] = "persist", [TT_DELACK] = "delack",
    [TT_KEEPALIVE] = "keepalive", [TT_2MSL] = "time-wait",  [TT_PACE] = "pace",
    [TT_LINGER] = "linger",
};

const char *tcp_timer_name(tcp_timer t)
{
    return t < TT_COUNT ? timer_names[t] : "?";
}

void tcp_conn_endpoints(const tcp_conn *c, synack_endpoints *ep)
{
    if (c->node.kind != CT_CONN6)
        tcp_key_endpoints(&c->node.key, ep);
    else
        tcp_node6_endpoints(&c->st->conns, &c->node, ep);
}

/* An IPv6 TCB's addresses: references to the table's interned copies (conn_table.h),
 * 0 or -ENOMEM. */
static int key6_attach(tcp_conn *c, const synack_endpoints *ep)
{
    return ct_set_key6(&c->st->conns, &c->node, ep->laddr6, ep->raddr6, ep->lport, ep->rport,
                       CT_CONN6);
}

/* After the TCB left the table: its node's bucket is found by its addresses. */
static void key6_free(tcp_conn *c)
{
    if (c->node.kind == CT_CONN6)
        ct_drop_key6(&c->st->conns, &c->node);
}

tcp_conn *tcp_conn_new(synack_stack *st, const synack_endpoints *ep)
{
    if (st->nconns >= st->cfg.max_conns)
        return NULL;
    tcp_conn *c = stack_alloc(st, sizeof(*c));
    if (!c)
        return NULL;
    memset(c, 0, sizeof(*c));
    c->st = st;
    c->state = SYNACK_CLOSED;
    c->sock = -1;
    c->node.key.laddr = ep->laddr;
    c->node.key.raddr = ep->raddr;
    c->node.key.lport = ep->lport;
    c->node.key.rport = ep->rport;
    if (tcp_ep_v6(ep) && key6_attach(c, ep) != 0) {
        stack_free(st, c, sizeof(*c));
        return NULL;
    }
    tw_node_init(&c->tnode);
    for (int i = 0; i < TT_COUNT; i++)
        tcp_deadline_put(c, (tcp_timer)i, UINT64_MAX);
    c->snd_cap = st->cfg.sndbuf;
    c->rcv_cap = st->cfg.rcvbuf;
    char ccname[sizeof(st->cfg.cc) + 1] = {0};
    memcpy(ccname, st->cfg.cc, sizeof(st->cfg.cc));
    c->cc = ccname[0] ? tcp_cc_find(ccname) : &tcp_cc_cubic;
    if (!c->cc)
        c->cc = &tcp_cc_cubic;
    c->pacing = st->cfg.pacing != 0;
    c->quickacks = st->cfg.quickack_start ? TCP_MAX_QUICKACKS : 0;
    c->last_rcv = st->now;
    c->ts_offset = tcp_ts_offset(st, ep);
    tcp_rtt_init(c);
    /* Until the handshake completes a connection is busy: it owns a transfer block. */
    if (tcp_xfer_attach(c) != 0) {
        key6_free(c);
        stack_free(st, c, sizeof(*c));
        return NULL;
    }
    if (ct_insert(&st->conns, &c->node) != 0) {
        stack_free(st, c->x, sizeof(*c->x));
        key6_free(c);
        stack_free(st, c, sizeof(*c));
        return NULL;
    }
    st->nconns++;
    return c;
}

int tcp_xfer_attach(tcp_conn *c)
{
    if (c->x)
        return 0;
    tcp_xfer *x = stack_alloc(c->st, sizeof(*x));
    if (!x)
        return -ENOMEM; /* counted (NoMemory) by stack_alloc */
    /* The values an idle connection implies: nothing timed, SACKed, resent or owed. */
    memset(x, 0, sizeof(*x));
    for (int i = 0; i < TT_COUNT; i++)
        x->deadline[i] = UINT64_MAX;
    x->high_rxt = c->snd_una;
    x->high_sacked = c->snd_una;
    x->snd_sml = c->snd_una;
    sendbuf_init(&x->snd, c->snd_cap);
    recvbuf_init(&x->rcv, c->rcv_cap);
    x->snd_buf_seq = c->snd_una; /* an idle connection's FIN is not queued */
    x->snd_recover = c->snd_una;
    c->x = x;
    if (c->cc->restart)
        c->cc->restart(c);
    return 0;
}

/* The keepalive is the one timer an idle connection runs (tcp_conn.keep_at, not here). */
static int only_keepalive_timed(const tcp_xfer *x)
{
    for (int i = 0; i < TT_COUNT; i++)
        if (i != TT_KEEPALIVE && x->deadline[i] != UINT64_MAX)
            return 0;
    return 1;
}

/* Idle: ESTABLISHED and accepted, nothing in flight or queued to send, nothing out of
 * order or owed to the peer, no recovery, retransmission run or probe, and no timer but
 * the keepalive. Then every transfer-block field holds the value tcp_xfer_attach gives
 * it (or one no code reads before setting it), so dropping the block loses nothing. */
static int xfer_idle(const tcp_conn *c)
{
    const tcp_xfer *x = c->x;
    return c->state == SYNACK_ESTABLISHED && c->queue == TCPQ_NONE && !x->listener &&
           c->sock >= 0 && c->cc->restart && !c->pacing && c->snd_una == c->snd_max &&
           c->snd_nxt == c->snd_max && x->snd.len == 0 && !c->fin_queued && x->rcv.nranges == 0 &&
           recvbuf_ready(&x->rcv) == 0 && !c->fin_rcvd_ooo && !c->in_recovery && !c->rtt_timing &&
           !c->ack_now && !c->delack_pending && !c->dsack_pending && !c->tlp_armed && !c->tlp_out &&
           !c->rack_reo && !c->sws_override && c->backoff == 0 && x->nsb == 0 &&
           x->sacked_bytes == 0 && x->dupacks == 0 && x->limited_xmit == 0 &&
           x->segs_since_ack == 0 && x->persist_backoff == 0 && tcp_txlog_forgettable(c) &&
           tcp_mtu_forgettable(c) && x->urg_state == TCP_URG_NONE && only_keepalive_timed(x);
}

/* Gives the block back with all it holds. */
static void xfer_free(tcp_conn *c)
{
    synack_stack *st = c->st;
    sendbuf_free(&c->x->snd, &st->bufmem);
    recvbuf_free(&c->x->rcv, &st->bufmem);
    tcp_sack_free(c);
    tcp_txlog_free(c);
    stack_free(st, c->x, sizeof(*c->x));
    c->x = NULL;
}

void tcp_xfer_release(tcp_conn *c)
{
    tcp_xfer *x = c->x;
    if (!x)
        return;
    if (!xfer_idle(c)) {
        x->idle_at = 0;
        return;
    }
    if (c->rexmit_recent) {
        c->rexmit_recent = 0;
        return;
    }
    synack_stack *st = c->st;
    if ((x->snd.data || x->rcv.data || x->sb || x->txlog) &&
        (!x->idle_at || st->now < x->idle_at)) {
        if (!x->idle_at)
            x->idle_at = st->now + TCP_XFER_LINGER_US;
        /* tcp_timers_run gives it back then, if nothing happens before */
        if (!tw_armed(&c->tnode) || c->tnode.when > x->idle_at)
            tw_arm(&st->wheel, &c->tnode, x->idle_at);
        return;
    }
    /* Empty buffers (only the storage goes), an empty scoreboard (the next loss starts a
     * fresh one), nothing in flight (RACK starts again with the next data). */
    c->snd_cap = x->snd.cap;
    c->rcv_cap = x->rcv.cap;
    xfer_free(c);
}

void tcp_knobs_inherit(tcp_knobs *to, const tcp_knobs *from)
{
    *to = *from;
    /* Not passed on to what a listener accepts (docs/API.md "Options"); TCP_MAXSEG is, as
     * Linux passes its user MSS to the child. */
    to->user_timeout_us = 0;
    to->max_pacing_rate = 0;
    to->linger_on = 0;
    to->linger_s = 0;
}

uint64_t tcp_keepidle_us(const tcp_conn *c)
{
    return c->knobs ? c->knobs->keepidle_us : c->st->cfg.keepidle_us;
}

uint64_t tcp_keepintvl_us(const tcp_conn *c)
{
    return c->knobs ? c->knobs->keepintvl_us : c->st->cfg.keepintvl_us;
}

uint32_t tcp_keepcnt(const tcp_conn *c)
{
    return c->knobs ? c->knobs->keepcnt : c->st->cfg.keepcnt;
}

uint64_t tcp_user_timeout_us(const tcp_conn *c)
{
    return c->knobs ? c->knobs->user_timeout_us : 0;
}

tcp_conn *tcp_conn_find(synack_stack *st, const synack_endpoints *ep)
{
    ct_node *n = tcp_node_find(st, ep);
    return n && ct_is_conn(n) ? tcp_conn_of(n) : NULL;
}

ct_node *tcp_node_find(synack_stack *st, const synack_endpoints *ep)
{
    ct_node *n;
    if (tcp_ep_v6(ep)) {
        n = ct_lookup6(&st->conns, ep->laddr6, ep->raddr6, ep->lport, ep->rport);
    } else {
        ct_key k = {.laddr = ep->laddr, .raddr = ep->raddr, .lport = ep->lport, .rport = ep->rport};
        n = ct_lookup(&st->conns, &k);
    }
    return n;
}

static void tw_list_unlink(synack_stack *st, tcp_conn *c)
{
    tcp_q_remove(&st->tw_head, &st->tw_tail, c);
    c->queue = TCPQ_NONE;
    st->tw_len--;
}

void tcp_conn_free(tcp_conn *c)
{
    synack_stack *st = c->st;
    if (st->batch_len)
        tcp_batch_forget(c); /* closed either way: nothing more to send */
    if (c->queue == TCPQ_ACCEPT && c->error == -ECONNRESET && st->cfg.reset_child_stays) {
        /* Linux's child stays queued, closed and unhashed, until accept() or the listener
         * takes it: out of the table (a new SYN for its 4-tuple reaches the listener) and
         * off the timers, still counted in the queue's bound and in nconns. */
        tw_cancel(&st->wheel, &c->tnode);
        ct_remove(&st->conns, &c->node);
        return;
    }
    if (st->tw_pending == c)
        st->tw_pending = NULL;
    if (c->queue == TCPQ_TIME_WAIT)
        tw_list_unlink(st, c);
    else if (c->queue != TCPQ_NONE)
        tcp_listen_unlink(c);
    if (c->sock >= 0) {
        if (c->error == -ECONNRESET && st->cfg.reset_keeps_data && c->x &&
            recvbuf_ready(&c->x->rcv) > 0)
            sock_keep_data(st, c->sock, &c->x->rcv);
        sock_conn_gone(st, c->sock, c->error);
    }
    tw_cancel(&st->wheel, &c->tnode);
    ct_remove(&st->conns, &c->node);
    if (c->x)
        xfer_free(c);
    st->nconns--;
    key6_free(c);
    stack_free(st, c, sizeof(*c));
}

static int is_synchronized_estab(synack_tcp_state s)
{
    return s == SYNACK_ESTABLISHED || s == SYNACK_CLOSE_WAIT;
}

void tcp_set_state(tcp_conn *c, synack_tcp_state to, const char *why)
{
    synack_stack *st = c->st;
    synack_tcp_state from = c->state;
    if (from == to)
        return;
    /* CurrEstab counts ESTABLISHED and CLOSE-WAIT, as RFC 1213 tcpCurrEstab does. */
    if (is_synchronized_estab(from) && !is_synchronized_estab(to))
        st->counters[SYNACK_CTR_CurrEstab]--;
    else if (!is_synchronized_estab(from) && is_synchronized_estab(to))
        st->counters[SYNACK_CTR_CurrEstab]++;
    c->state = to;
    if (from == SYNACK_SYN_RECEIVED)
        tcp_fastopen_child_done(c); /* out of the listener's Fast Open queue */
    if (to == SYNACK_ESTABLISHED)
        sock_ready_raise(st, c->sock, POLLOUT); /* a connect completed (passive: sock -1) */
    if (stack_tracing(st)) {
        synack_event ev = {.type = SYNACK_EV_STATE, .has_conn = 1, .sock = c->sock};
        tcp_conn_endpoints(c, &ev.conn);
        ev.u.state.from = from;
        ev.u.state.to = to;
        ev.u.state.why = why;
        stack_emit(st, &ev);
    }
    tcp_linger_state(c); /* after the state event: the wait ended with this change */
}

void tcp_conn_close(tcp_conn *c, int err, const char *why)
{
    c->error = (int16_t)err;
    tcp_set_state(c, SYNACK_CLOSED, why);
    tcp_conn_free(c);
}

void tcp_timers_rearm(tcp_conn *c)
{
    uint64_t min = UINT64_MAX;
    for (int i = 0; i < TT_COUNT; i++)
        if (tcp_deadline(c, (tcp_timer)i) < min)
            min = tcp_deadline(c, (tcp_timer)i);
    /* Lazy: a deadline that moved later (the retransmission timer restarted by an ACK, a
     * delayed ACK that went out) leaves the wheel node where it is. It then fires early,
     * finds nothing due, and is armed at the real deadline — one spurious expiry instead
     * of a wheel operation per segment. */
    if (!tw_armed(&c->tnode)) {
        if (min != UINT64_MAX)
            tw_arm(&c->st->wheel, &c->tnode, min);
    } else if (min < c->tnode.when) {
        tw_arm(&c->st->wheel, &c->tnode, min);
    }
}

void tcp_timer_set(tcp_conn *c, tcp_timer t, uint64_t when)
{
    /* Only a busy connection runs these, and a busy connection has its block already;
     * should it not, the timer is lost like a segment to a memory drop (counted). */
    if (t != TT_KEEPALIVE && tcp_xfer_attach(c) != 0)
        return;
    tcp_deadline_put(c, (tcp_timer)t, when);
    /* The wheel node is armed no later than the earliest deadline, or unarmed when no
     * deadline is set (tcp_timers_rearm keeps this; tcp_timers_run re-arms after it runs
     * timers). So only a deadline earlier than the node's moves it: no scan of the others,
     * which this call runs several times per segment. */
    if (when != UINT64_MAX && (!tw_armed(&c->tnode) || when < c->tnode.when))
        tw_arm(&c->st->wheel, &c->tnode, when);
}

void tcp_timer_stop(tcp_conn *c, tcp_timer t)
{
    /* A later (here: no) deadline leaves the node where it is; it fires early, finds
     * nothing due and is re-armed at the real earliest deadline (tcp_timers_run). */
    tcp_deadline_put(c, (tcp_timer)t, UINT64_MAX);
    /* A probe no longer due is not armed either: left set, it would keep an idle
     * connection's transfer block (xfer_idle) for ever. */
    if (t == TT_REXMIT)
        c->tlp_armed = 0;
}

void tcp_enter_time_wait(tcp_conn *c, const char *why)
{
    synack_stack *st = c->st;
    tcp_set_state(c, SYNACK_TIME_WAIT, why);
    for (int i = 0; i < TT_COUNT; i++)
        tcp_deadline_put(c, (tcp_timer)i, UINT64_MAX);
    tcp_timer_set(c, TT_2MSL, st->now + 2 * st->cfg.msl_us);
    if (c->queue == TCPQ_TIME_WAIT)
        return;
    /* A bounded table: the oldest TIME-WAIT entry makes room, never a live connection. */
    if (st->tw_len + st->twc_len + st->twc_dead >= st->cfg.max_time_wait) {
        if (st->twc_head) {
            tcp_tw_recycle_oldest(st);
        } else if (st->tw_head) {
            stack_count(st, SYNACK_CTR_TCPTimeWaitRecycled);
            tcp_conn_close(st->tw_head, 0, "time-wait-recycled");
        }
    }
    /* Everything sent is acknowledged; unread received data stays for the application. */
    sendbuf_free(&c->x->snd, &st->bufmem);
    recvbuf_shrink(&c->x->rcv, &st->bufmem);
    tcp_txlog_free(c); /* nothing more will be sent: no loss to detect, no rate to sample */
    tcp_q_append(&st->tw_head, &st->tw_tail, c);
    c->queue = TCPQ_TIME_WAIT;
    st->tw_len++;
    /* Orphans shrink to a compact record once the segment that got us here is done. */
    if (c->sock < 0)
        st->tw_pending = c;
}

void tcp_sendseqinit(tcp_conn *c, uint32_t iss)
{
    tcp_xfer *x = c->x; /* a new connection is busy: it has its block (tcp_conn_new) */
    x->iss = iss;
    c->snd_una = c->snd_nxt = c->snd_max = iss;
    x->snd_sml = iss;
    x->snd_buf_seq = iss + 1;
    x->snd_recover = iss;
    x->rtt_start = c->st->now; /* the SYN's round trip, sampled if it is sent once */
    c->rtt_timing = 0;
}

uint32_t tcp_rcv_window(const tcp_conn *c)
{
    recvbuf idle; /* no block: empty, of the capacity the block will have */
    if (!c->x)
        recvbuf_init(&idle, c->rcv_cap);
    uint32_t space = recvbuf_space(c->x ? &c->x->rcv : &idle);
    uint32_t max = (uint32_t)0xffff << c->rcv_wscale;
    if (space > max)
        space = max;
    return space;
}

uint32_t tcp_ts_now(const tcp_conn *c)
{
    return (uint32_t)(c->st->now / 1000) + c->ts_offset;
}
