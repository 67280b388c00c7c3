/* Connection life cycle: creation, the one state-change function, timers, TIME-WAIT
 * bookkeeping and the final free. */
#include <errno.h>
#include <string.h>

#include "tcp/rack.h"
#include "tcp/txlog.h"
#include "tcp/sack.h"
#include "tcp/tcp.h"
#include "tcp/timewait.h"

static const char *const timer_names[TT_COUNT] = {
    [TT_REXMIT] = "rexmit",       [TT_PERSIST] = "persist", [TT_DELACK] = "delack",
    [TT_KEEPALIVE] = "keepalive", [TT_2MSL] = "time-wait", [TT_PACE] = "pace",
};

const char *tcp_timer_name(tcp_timer t) { return t < TT_COUNT ? timer_names[t] : "?"; }

void tcp_conn_endpoints(const tcp_conn *c, synack_endpoints *ep)
{
    ep->laddr = c->node.key.laddr;
    ep->raddr = c->node.key.raddr;
    ep->lport = c->node.key.lport;
    ep->rport = c->node.key.rport;
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
    tw_node_init(&c->tnode);
    for (int i = 0; i < TT_COUNT; i++)
        c->deadline[i] = UINT64_MAX;
    sendbuf_init(&c->snd, st->cfg.sndbuf);
    recvbuf_init(&c->rcv, st->cfg.rcvbuf);
    c->keepidle_us = st->cfg.keepidle_us;
    c->keepintvl_us = st->cfg.keepintvl_us;
    c->keepcnt = st->cfg.keepcnt;
    char ccname[sizeof(st->cfg.cc) + 1] = {0};
    memcpy(ccname, st->cfg.cc, sizeof(st->cfg.cc));
    c->cc = ccname[0] ? tcp_cc_find(ccname) : &tcp_cc_cubic;
    if (!c->cc)
        c->cc = &tcp_cc_cubic;
    c->pacing = st->cfg.pacing != 0;
    c->quickacks = st->cfg.linux_profile ? 16 : 0; /* see ARCHITECTURE.md "Profiles" */
    c->last_rcv = st->now;
    c->ts_offset = tcp_ts_offset(st, ep);
    tcp_rtt_init(c);
    if (ct_insert(&st->conns, &c->node) != 0) {
        stack_free(st, c, sizeof(*c));
        return NULL;
    }
    st->nconns++;
    return c;
}

tcp_conn *tcp_conn_find(synack_stack *st, const synack_endpoints *ep)
{
    ct_key k = {.laddr = ep->laddr, .raddr = ep->raddr, .lport = ep->lport, .rport = ep->rport};
    ct_node *n = ct_lookup(&st->conns, &k);
    return n && n->kind == CT_CONN ? tcp_conn_of(n) : NULL;
}

static void tw_list_unlink(synack_stack *st, tcp_conn *c)
{
    if (c->q_prev)
        c->q_prev->q_next = c->q_next;
    else
        st->tw_head = c->q_next;
    if (c->q_next)
        c->q_next->q_prev = c->q_prev;
    else
        st->tw_tail = c->q_prev;
    c->q_prev = c->q_next = NULL;
    c->queue = TCPQ_NONE;
    st->tw_len--;
}

void tcp_conn_free(tcp_conn *c)
{
    synack_stack *st = c->st;
    if (st->tw_pending == c)
        st->tw_pending = NULL;
    if (c->queue == TCPQ_TIME_WAIT)
        tw_list_unlink(st, c);
    else if (c->queue != TCPQ_NONE)
        tcp_listen_unlink(c);
    if (c->sock >= 0) {
        synack_sock *s = &st->socks[c->sock];
        s->conn = NULL;
        s->was_connected = 1;
        if (c->error && !s->error)
            s->error = c->error;
    }
    tw_cancel(&st->wheel, &c->tnode);
    ct_remove(&st->conns, &c->node);
    sendbuf_free(&c->snd, &st->bufmem);
    recvbuf_free(&c->rcv, &st->bufmem);
    tcp_sack_free(c);
    tcp_txlog_free(c);
    st->nconns--;
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
    if (stack_tracing(st)) {
        synack_event ev = {.type = SYNACK_EV_STATE, .has_conn = 1};
        tcp_conn_endpoints(c, &ev.conn);
        ev.u.state.from = from;
        ev.u.state.to = to;
        ev.u.state.why = why;
        stack_emit(st, &ev);
    }
}

void tcp_conn_close(tcp_conn *c, int err, const char *why)
{
    c->error = err;
    tcp_set_state(c, SYNACK_CLOSED, why);
    tcp_conn_free(c);
}

void tcp_timers_rearm(tcp_conn *c)
{
    uint64_t min = UINT64_MAX;
    for (int i = 0; i < TT_COUNT; i++)
        if (c->deadline[i] < min)
            min = c->deadline[i];
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
    c->deadline[t] = when;
    tcp_timers_rearm(c);
}

void tcp_timer_stop(tcp_conn *c, tcp_timer t)
{
    if (c->deadline[t] == UINT64_MAX)
        return;
    c->deadline[t] = UINT64_MAX;
    tcp_timers_rearm(c);
}

void tcp_enter_time_wait(tcp_conn *c, const char *why)
{
    synack_stack *st = c->st;
    tcp_set_state(c, SYNACK_TIME_WAIT, why);
    for (int i = 0; i < TT_COUNT; i++)
        c->deadline[i] = UINT64_MAX;
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
    sendbuf_free(&c->snd, &st->bufmem);
    recvbuf_shrink(&c->rcv, &st->bufmem);
    tcp_txlog_free(c); /* nothing more will be sent: no loss to detect, no rate to sample */
    c->q_prev = st->tw_tail;
    c->q_next = NULL;
    if (st->tw_tail)
        st->tw_tail->q_next = c;
    else
        st->tw_head = c;
    st->tw_tail = c;
    c->queue = TCPQ_TIME_WAIT;
    st->tw_len++;
    /* Orphans shrink to a compact record once the segment that got us here is done. */
    if (c->sock < 0)
        st->tw_pending = c;
}

uint32_t tcp_rcv_window(const tcp_conn *c)
{
    uint32_t space = recvbuf_space(&c->rcv);
    uint32_t max = (uint32_t)0xffff << c->rcv_wscale;
    if (space > max)
        space = max;
    return space;
}

uint32_t tcp_ts_now(const tcp_conn *c)
{
    return (uint32_t)(c->st->now / 1000) + c->ts_offset;
}
