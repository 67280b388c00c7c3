/* SPDX-License-Identifier: MIT */
/* Listeners: passive open (RFC 9293 3.10.7.2), the SYN (half-open) queue and the accept
 * (full) queue, each bounded, with the Linux counters for what they turn away. */
#include <errno.h>
#include <string.h>
#include "util/sockdefs.h"

#include "stack/ready.h"
#include "tcp/fastopen_server.h"
#include "tcp/syncookie.h"
#include "tcp/tcp.h"

tcp_listener *tcp_listener_find(synack_stack *st, uint32_t laddr, uint16_t lport)
{
    tcp_listener *any = NULL;
    for (tcp_listener *l = st->listeners; l; l = l->next) {
        if (l->lport != lport)
            continue;
        if (l->laddr == laddr)
            return l;
        if (l->laddr == 0)
            any = l;
    }
    return any;
}

tcp_listener *tcp_listener_find_ep(synack_stack *st, const synack_endpoints *ep)
{
    tcp_listener *any = NULL, *mapped = NULL, *dual = NULL;
    const int v6 = tcp_ep_v6(ep);
    for (tcp_listener *l = st->listeners; l; l = l->next) {
        if (l->lport != ep->lport)
            continue;
        if (!l->v6) {
            if (v6)
                continue;
            if (l->laddr == ep->laddr)
                return l;
            if (l->laddr == 0)
                any = l;
        } else if (v6) {
            /* bound to one of our addresses: a SYN to another is not for it */
            if (l->bound6) {
                if (memcmp(ep->laddr6, st->socks[l->sock].laddr6, 16) == 0)
                    return l;
            } else if (l->laddr == 0) {
                any = l;
            }
        } else if (!l->v6only && !l->bound6) {
            /* IPv4 to a dual-stack socket: bound to ::ffff:laddr, or to :: */
            if (l->laddr == ep->laddr)
                mapped = l;
            else if (l->laddr == 0)
                dual = l;
        }
    }
    /* Linux looks an address up exactly before the wildcards, and among sockets that
     * score alike prefers the AF_INET one. */
    return mapped ? mapped : any ? any : dual;
}

void tcp_listen_unlink(tcp_conn *c)
{
    tcp_listener *l = c->x->listener;
    if (!l)
        return;
    if (c->queue == TCPQ_SYN) {
        tcp_q_remove(&l->syn_head, &l->syn_tail, c);
        l->syn_len--;
        if (c->held) {
            c->held = 0;
            l->held--;
        }
    } else if (c->queue == TCPQ_ACCEPT) {
        tcp_q_remove(&l->acc_head, &l->acc_tail, c);
        l->acc_len--;
    }
    c->queue = TCPQ_NONE;
    c->x->listener = NULL;
}

static void listen_drop(synack_stack *st, const synack_endpoints *ep, synack_counter c,
                        const char *why)
{
    /* Linux counts every refused SYN or ACK of a listener in ListenDrops as well. */
    if (c != SYNACK_CTR_ListenDrops)
        stack_count(st, SYNACK_CTR_ListenDrops);
    stack_drop(st, ep, c, why);
}

/* Cookies are checked while any we sent may still come back, or when always on. */
static int cookies_live(const synack_stack *st)
{
    if (st->cfg.syncookies == 2)
        return 1;
    return st->cfg.syncookies == 1 && st->cookie_sent_at != 0 &&
           st->now - st->cookie_sent_at <= (SYNCOOKIE_MAX_AGE + 1) * SYNCOOKIE_PERIOD_US;
}

static void inherit(tcp_conn *c, const tcp_listener *l)
{
    synack_stack *st = c->st;
    c->passive = 1;
    tcp_knobs_inherit(&c->x->knobs, &l->knobs);
    c->knobs = &c->x->knobs; /* until accept() hands the connection to a socket */
    const tcp_knobs *k = c->knobs;
    if (k->cc)
        c->cc = k->cc;
    c->nodelay = k->nodelay;
    c->keepalive = k->keepalive;
    sendbuf_set_cap(&c->x->snd, &st->bufmem, k->sndbuf);
    recvbuf_set_cap(&c->x->rcv, &st->bufmem, k->rcvbuf);
    const uint8_t *r6 = ct_is_v6(&c->node) ? ct_raddr6(&c->st->conns, &c->node) : NULL;
    c->rcv_mss = tcp_route_mss(st, k->maxseg, r6, c->node.key.raddr);
}

/* Answers a SYN without keeping state: everything is in the ISN (and in the TSval). */
static void cookie_synack(synack_stack *st, const tcp_listener *l, const synack_endpoints *ep,
                          const tcp_seg *seg)
{
    const synack_config *cfg = &st->cfg;
    uint16_t our_mss =
        tcp_route_mss(st, l->knobs.maxseg, tcp_ep_v6(ep) ? ep->raddr6 : NULL, ep->raddr);
    uint16_t peer_mss = seg->opts.has_mss ? seg->opts.mss : TCP_DEFAULT_MSS;
    uint32_t idx = syncookie_mss_index(peer_mss < our_mss ? peer_mss : our_mss);
    uint32_t iss = syncookie_make(st, ep, seg->seq, idx);
    tcp_opts o = {0};
    o.has_mss = 1;
    o.mss = our_mss;
    /* Without timestamps there is nowhere to keep window scale and SACK: offer neither
     * (as Linux does), so both sides agree on what the connection uses. */
    if (seg->opts.has_ts && l->knobs.timestamps) { /* SYNACK_TCP_TIMESTAMPS */
        int ws = seg->opts.has_wscale && cfg->wscale <= TCP_MAX_WSCALE ? seg->opts.wscale : -1;
        int sack = seg->opts.sack_ok && cfg->sack;
        o.has_ts = 1;
        uint32_t clock = (uint32_t)(st->now / 1000) + tcp_ts_offset(st, ep);
        o.ts_val = syncookie_ts_encode(clock, ws, sack);
        o.ts_ecr = seg->opts.ts_val;
        if (ws >= 0) {
            o.has_wscale = 1;
            o.wscale = cfg->wscale;
        }
        o.sack_ok = (uint8_t)sack;
    }
    uint32_t rcvbuf = cfg->rcvbuf;
    uint16_t win = (uint16_t)(rcvbuf > 0xffff ? 0xffff : rcvbuf);
    st->cookie_sent_at = st->now ? st->now : 1;
    stack_count(st, SYNACK_CTR_SyncookiesSent);
    tcp_seg synack = {
        .seq = iss, .ack = seg->seq + 1, .flags = TCP_SYN | TCP_ACK, .win = win, .opts = o};
    tcp_emit_segment(st, ep, &synack);
}

/* An ACK that may return a cookie. Returns 1 if it was consumed (a connection was made, or
 * it was dropped for a full accept queue), 0 if it is not a valid cookie. */
static int cookie_ack(synack_stack *st, tcp_listener *l, const synack_endpoints *ep,
                      const tcp_seg *seg, const tcp_rx *rx)
{
    int idx = syncookie_check(st, ep, seg->seq - 1, seg->ack - 1);
    if (idx < 0) {
        stack_count(st, SYNACK_CTR_SyncookiesFailed);
        return 0;
    }
    if (l->acc_len >= l->backlog) {
        listen_drop(st, ep, SYNACK_CTR_ListenOverflows, "accept-queue-full");
        return 1;
    }
    tcp_conn *c = tcp_conn_new(st, ep);
    if (!c) {
        listen_drop(st, ep, SYNACK_CTR_ListenDrops, "conn-limit");
        return 1;
    }
    stack_count(st, SYNACK_CTR_SyncookiesRecv);
    inherit(c, l);
    c->x->irs = seg->seq - 1;
    c->rcv_nxt = seg->seq;
    c->rcv_adv = c->rcv_nxt;
    tcp_sendseqinit(c, seg->ack - 1);
    /* the SYN-ACK the cookie stands for is acknowledged: everything starts past it */
    c->snd_una = c->snd_nxt = c->snd_max = seg->ack;
    c->x->snd_sml = seg->ack;
    c->x->snd_recover = seg->ack;
    /* The options the SYN offered, as far as the cookie kept them: its MSS class, and in
     * the TSval we sent (echoed back) window scale and SACK; none of those without
     * timestamps (cookie_synack offered none). */
    tcp_opts peer = {.has_mss = 1, .mss = syncookie_mss_table[idx]};
    if (seg->opts.has_ts && l->knobs.timestamps) {
        int ws, sack;
        syncookie_ts_decode(seg->opts.ts_ecr, &ws, &sack);
        peer.has_ts = 1;
        peer.ts_val = seg->opts.ts_val;
        peer.has_wscale = ws >= 0;
        peer.wscale = ws >= 0 ? (uint8_t)ws : 0;
        peer.sack_ok = sack != 0;
    }
    tcp_negotiate_syn_opts(c, &peer);
    c->snd_wnd = (uint32_t)seg->win << c->snd_wscale;
    c->max_snd_wnd = c->snd_wnd;
    c->snd_wl1 = seg->seq;
    c->snd_wl2 = seg->ack;
    c->x->listener = l;
    c->queue = TCPQ_ACCEPT;
    tcp_q_append(&l->acc_head, &l->acc_tail, c);
    l->acc_len++;
    sock_ready_raise(st, l->sock, POLLIN);
    stack_count(st, SYNACK_CTR_PassiveOpens);
    c->state = SYNACK_LISTEN; /* the trace shows LISTEN -> ESTABLISHED for the new TCB */
    tcp_establish(c, "syncookie-ack");
    /* The rest of the segment (data riding on the ACK) is handled as in ESTABLISHED. */
    tcp_conn_input(c, seg, rx);
    return 1;
}

/* A Fast Open child: the SYN's data goes to the receive buffer (its SYN-ACK acknowledges
 * what fitted), and it may send at once, so congestion control starts now. */
static void fastopen_child_start(synack_stack *st, tcp_listener *l, tcp_conn *c, const tcp_seg *seg)
{
    c->cc->init(c);
    if (seg->payload_len) {
        uint32_t stored = 0;
        long adv = recvbuf_write(&c->x->rcv, &st->bufmem, 0, seg->payload,
                                 (uint32_t)seg->payload_len, &stored);
        if (adv > 0) {
            c->rcv_nxt += (uint32_t)adv;
            c->bytes_received += (uint64_t)adv;
            c->x->tfo_syn_len = (uint16_t)adv; /* at most the SYN's payload */
            c->tfo_data_acked = 1;             /* TCP_INFO's SYN-data bit, as the client's */
        }
    }
    stack_count(st, SYNACK_CTR_PassiveOpens);
    sock_ready_raise(st, l->sock, POLLIN);
}

void tcp_listen_input(synack_stack *st, tcp_listener *l, const synack_endpoints *in_ep,
                      const tcp_seg *seg, const tcp_rx *rx)
{
    const synack_endpoints ep = *in_ep;
    /* RFC 9293 3.10.7.2: first check for a RST — ignore it */
    if (seg->flags & TCP_RST) {
        stack_drop(st, &ep, SYNACK_CTR_COUNT, "rst-to-listener");
        return;
    }
    /* second, an ACK to a listener is bad: <SEQ=SEG.ACK><CTL=RST> — unless it returns
     * one of our SYN cookies (RFC 4987 3.6) */
    if (seg->flags & TCP_ACK) {
        if (!(seg->flags & TCP_SYN) && cookies_live(st) && cookie_ack(st, l, &ep, seg, rx))
            return;
        stack_drop(st, &ep, SYNACK_CTR_COUNT, "ack-to-listener");
        tcp_reset_reply(st, &ep, seg);
        return;
    }
    /* third, a SYN */
    if (!(seg->flags & TCP_SYN)) {
        stack_drop(st, &ep, SYNACK_CTR_COUNT, "no-syn-to-listener");
        return;
    }
    if (l->acc_len >= l->backlog) {
        /* Linux drops new SYNs while the accept queue is full: completing them could
         * only end in a dropped ACK. */
        listen_drop(st, &ep, SYNACK_CTR_ListenOverflows, "accept-queue-full");
        return;
    }
    /* A cookie would answer before the application's verdict: a holding listener that is
     * full drops instead. */
    if (!l->hold_ms &&
        (st->cfg.syncookies == 2 || (l->syn_len >= l->syn_max && st->cfg.syncookies == 1))) {
        cookie_synack(st, l, &ep, seg);
        return;
    }
    if (l->syn_len >= l->syn_max) {
        listen_drop(st, &ep, SYNACK_CTR_ListenDrops, "syn-queue-full");
        return;
    }
    tfo_verdict tfo;
    tcp_fastopen_syn(st, l, &ep, seg, &tfo);
    tcp_conn *c = tcp_conn_new(st, &ep);
    if (!c) {
        listen_drop(st, &ep, SYNACK_CTR_ListenDrops, "conn-limit");
        return;
    }
    c->x->listener = l;
    if (tfo.child) {
        /* RFC 7413 4.2.2: acceptable (and its data readable) before the handshake ends */
        c->queue = TCPQ_ACCEPT;
        tcp_q_append(&l->acc_head, &l->acc_tail, c);
        l->acc_len++;
        tcp_fastopen_child_made(l, c);
    } else {
        c->queue = TCPQ_SYN;
        tcp_q_append(&l->syn_head, &l->syn_tail, c);
        l->syn_len++;
    }
    inherit(c, l);
    c->segs_in = 1; /* the SYN, which reached the listener before this TCB existed */

    tcp_rcvseqinit(c, seg);
    tcp_ecn_passive_open(c, seg, rx->ecn);
    tcp_sendseqinit(c, tcp_isn(st, &ep));
    c->state = SYNACK_LISTEN; /* the trace shows LISTEN -> SYN-RECEIVED for the new TCB */
    tcp_set_state(c, SYNACK_SYN_RECEIVED, "rcv-syn");
    c->x->tfo_reply = tfo.reply;
    if (l->hold_ms && !tfo.child) {
        tcp_hold_begin(c);
        return;
    }
    /* Data on a SYN is accepted only by Fast Open; otherwise the peer sends it again. */
    if (tfo.child)
        fastopen_child_start(st, l, c, seg);
    tcp_send_syn(c);
    tcp_arm_rexmit(c);
}

tcp_ret tcp_listen_established(tcp_conn *c)
{
    synack_stack *st = c->st;
    tcp_listener *l = c->x->listener;
    /* A Fast Open child has been in the accept queue since its SYN (or was accepted). */
    if (!l || c->queue == TCPQ_ACCEPT)
        return TCP_CONT;
    if (l->acc_len >= l->backlog) {
        synack_endpoints ep;
        tcp_conn_endpoints(c, &ep);
        listen_drop(st, &ep, SYNACK_CTR_ListenOverflows, "accept-queue-full");
        if (st->cfg.abort_on_overflow) {
            tcp_send_rst(c);
            tcp_conn_close(c, 0, "accept-queue-full");
            return TCP_FREED;
        }
        /* Drop the ACK and stay half-open: our SYN-ACK retransmission gives the
         * application time to accept, and the peer's ACK comes again. */
        return TCP_DONE;
    }
    tcp_q_remove(&l->syn_head, &l->syn_tail, c);
    l->syn_len--;
    tcp_q_append(&l->acc_head, &l->acc_tail, c);
    l->acc_len++;
    sock_ready_raise(st, l->sock, POLLIN);
    c->queue = TCPQ_ACCEPT;
    stack_count(st, SYNACK_CTR_PassiveOpens);
    return TCP_CONT;
}

int tcp_listen_accepted(tcp_conn *c, uint8_t *options)
{
    if (c->state != SYNACK_CLOSED)
        return 0;
    synack_tcp_info i;
    tcp_usr_fill_info(c, &i);
    *options = i.options;
    tcp_conn_free(c); /* its socket now learns of the reset (cfg.reset_child_stays) */
    return 1;
}

void tcp_listen_free_reset(tcp_listener *l)
{
    tcp_conn *c = l->acc_head;
    while (c) {
        tcp_conn *next = c->x->q_next;
        if (c->state == SYNACK_CLOSED) {
            c->error = 0; /* freed now, not kept queued again */
            tcp_conn_free(c);
        }
        c = next;
    }
}

void tcp_listener_destroy(synack_stack *st, tcp_listener *l)
{
    tcp_catch_all_set(st, l, 0);
    while (l->syn_head)
        tcp_conn_close(l->syn_head, 0, "listener-closed");
    tcp_listen_free_reset(l); /* already reset: no RST for them */
    while (l->acc_head) {
        tcp_conn *c = l->acc_head;
        tcp_send_rst(c);
        stack_count(st, SYNACK_CTR_TCPAbortOnClose);
        tcp_conn_close(c, 0, "listener-closed");
    }
    tcp_listener **pp = &st->listeners;
    while (*pp && *pp != l)
        pp = &(*pp)->next;
    if (*pp)
        *pp = l->next;
    stack_free(st, l, sizeof(*l));
}
