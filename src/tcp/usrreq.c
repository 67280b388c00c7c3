/* SPDX-License-Identifier: MIT */
/* The user requests (RFC 9293 3.10.1-3.10.6: OPEN, SEND, RECEIVE, CLOSE, ABORT, STATUS)
 * as the socket layer makes them. This is the only way src/stack/socket.c changes TCP:
 * it keeps the socket's own state (ids, bound ports, the knobs it was given) and calls
 * tcp_usr_*; every TCB field is read and written here or deeper in src/tcp. The socket
 * layer checks its arguments first; these functions check TCP's state. */
#include <errno.h>
#include <string.h>

#include "tcp/rack.h"
#include "tcp/linger.h"
#include "tcp/tcp.h"
#include "tcp/timewait.h"

/* SO_MAX_PACING_RATE (bytes/s): a cap on the pacing rate, and, there being no fq qdisc
 * here to do it, pacing itself: a connection with a cap paces. UINT32_MAX lifts the cap;
 * the connection then paces only if the config or its controller says so. */
static int set_max_pacing_rate(tcp_conn *c, uint32_t rate)
{
    if (tcp_xfer_attach(c) != 0) /* the cap and the bucket live in the transfer block */
        return -ENOMEM;
    c->x->pacing_max = rate == UINT32_MAX ? 0 : rate;
    c->pacing = rate != UINT32_MAX || c->st->cfg.pacing;
    return 0;
}

/* A new connection takes the socket's knobs: it reads them through c->knobs from now on,
 * and the ones the TCB keeps in its own fields are applied. */
static void take_knobs(tcp_conn *c, const tcp_knobs *k)
{
    c->knobs = k;
    c->nodelay = k->nodelay;
    c->keepalive = k->keepalive;
    if (k->cc)
        c->cc = k->cc;
    if (k->max_pacing_rate)
        (void)set_max_pacing_rate(c, k->max_pacing_rate); /* a new connection has its block */
}

void tcp_usr_knobs_init(const synack_stack *st, tcp_knobs *k)
{
    memset(k, 0, sizeof(*k));
    k->sndbuf = st->cfg.sndbuf;
    k->rcvbuf = st->cfg.rcvbuf;
    k->keepidle_us = st->cfg.keepidle_us;
    k->keepintvl_us = st->cfg.keepintvl_us;
    k->keepcnt = st->cfg.keepcnt;
    k->pmtudisc = SYNACK_IP_PMTUDISC_WANT;
    k->ecn = st->cfg.ecn;
    k->timestamps = st->cfg.timestamps;
    k->ttl = -1;
    k->hops6 = -1;
}

uint16_t tcp_usr_default_maxseg(const synack_stack *st)
{
    return tcp_our_mss(st, 0);
}

const tcp_cc_ops *tcp_usr_cc_lookup(const char *name)
{
    return tcp_cc_find(name);
}

void tcp_usr_endpoints(const tcp_conn *c, synack_endpoints *ep)
{
    tcp_conn_endpoints(c, ep);
}

struct port_use {
    uint16_t port; /* the port asked about */
    int used;      /* a connection or a TIME-WAIT record holds it */
};

static void port_visit(ct_node *n, void *arg)
{
    struct port_use *pu = arg;
    if (n->key.lport == pu->port)
        pu->used = 1;
}

int tcp_usr_port_used(synack_stack *st, uint16_t lport)
{
    struct port_use pu = {.port = lport};
    ct_foreach(&st->conns, port_visit, &pu);
    return pu.used;
}

int tcp_usr_tuple_used(synack_stack *st, const synack_endpoints *ep)
{
    return tcp_node_find(st, ep) != NULL;
}

void tcp_usr_listen_v6(tcp_listener *l, int v6only, int bound6)
{
    l->v6 = 1;
    l->v6only = v6only != 0;
    l->bound6 = bound6 != 0;
}

int tcp_usr_listening(synack_stack *st, uint32_t laddr, uint16_t lport)
{
    return tcp_listener_find(st, laddr, lport) != NULL;
}

/* An active open up to SYN-SENT, its SYN not sent yet: 0, or -EADDRNOTAVAIL, -ENOBUFS. */
static int open_active(synack_stack *st, int sock, const tcp_knobs *k, const synack_endpoints *ep,
                       tcp_conn **cp)
{
    if (tcp_usr_tuple_used(st, ep))
        return -EADDRNOTAVAIL;
    tcp_conn *c = tcp_conn_new(st, ep);
    if (!c)
        return -ENOBUFS;
    c->sock = sock;
    *cp = c; /* the socket owns it before anything is sent */
    take_knobs(c, k);
    sendbuf_set_cap(&c->x->snd, &st->bufmem, k->sndbuf);
    recvbuf_set_cap(&c->x->rcv, &st->bufmem, k->rcvbuf);
    c->rcv_mss = tcp_route_mss(st, k->maxseg, tcp_ep_v6(ep) ? ep->raddr6 : NULL, ep->raddr);
    c->rcv_wscale = st->cfg.wscale <= TCP_MAX_WSCALE ? st->cfg.wscale : 0;
    tcp_sendseqinit(c, tcp_isn(st, ep));
    stack_count(st, SYNACK_CTR_ActiveOpens);
    tcp_ecn_active_open(c);
    tcp_set_state(c, SYNACK_SYN_SENT, "connect");
    return 0;
}

int tcp_usr_connect(synack_stack *st, int sock, const tcp_knobs *k, const synack_endpoints *ep,
                    tcp_conn **cp)
{
    int rc = open_active(st, sock, k, ep, cp);
    if (rc)
        return rc;
    tcp_send_syn(*cp);
    tcp_arm_rexmit(*cp);
    return -EINPROGRESS;
}

long tcp_usr_connect_fo(synack_stack *st, int sock, const tcp_knobs *k, const synack_endpoints *ep,
                        int no_cookie, const void *buf, size_t len, tcp_conn **cp)
{
    int rc = open_active(st, sock, k, ep, cp);
    if (rc)
        return rc;
    return tcp_fo_open(*cp, no_cookie, buf, len);
}

int tcp_usr_connect_defer(synack_stack *st, int sock, const tcp_knobs *k,
                          const synack_endpoints *ep, int no_cookie, tcp_conn **cp)
{
    int rc = open_active(st, sock, k, ep, cp);
    if (rc)
        return rc;
    if (tcp_fo_cookie_usable(*cp, no_cookie)) {
        (*cp)->x->tfo_defer = 1;
        return 0;
    }
    return (int)tcp_fo_open(*cp, no_cookie, NULL, 0);
}

int tcp_usr_deferred(const tcp_conn *c)
{
    return c->x && c->x->tfo_defer;
}

long tcp_usr_send_deferred(tcp_conn *c, int no_cookie, const void *buf, size_t len)
{
    c->x->tfo_defer = 0;
    return tcp_fo_open(c, no_cookie, buf, len);
}

void tcp_usr_write_pending(tcp_conn *c)
{
    if (c->x && c->state == SYNACK_SYN_SENT)
        c->x->write_pending = 1;
}

int tcp_usr_opening(const tcp_conn *c)
{
    return c->state == SYNACK_SYN_SENT || c->state == SYNACK_SYN_RECEIVED;
}

int tcp_usr_connect_again(const tcp_conn *c)
{
    if (tcp_usr_deferred(c))
        return -EISCONN;
    return c->state == SYNACK_SYN_SENT ? -EALREADY : -EISCONN;
}

int tcp_usr_listen(synack_stack *st, int sock, const tcp_knobs *k, uint32_t laddr, uint16_t lport,
                   uint32_t backlog, tcp_listener **lp)
{
    for (tcp_listener *o = st->listeners; o; o = o->next)
        if (o->lport == lport)
            return -EADDRINUSE;
    tcp_listener *l = stack_alloc(st, sizeof(*l));
    if (!l)
        return -ENOMEM;
    memset(l, 0, sizeof(*l));
    l->laddr = laddr;
    l->lport = lport;
    l->sock = sock;
    l->backlog = backlog;
    uint32_t syn = backlog < 8 ? 8 : backlog;
    l->syn_max = syn < st->cfg.max_syn_backlog ? syn : st->cfg.max_syn_backlog;
    l->knobs = *k;
    if (++st->listener_ids == 0)
        st->listener_ids = 1; /* 0 means "no listener" to a Fast Open child */
    l->id = st->listener_ids;
    l->next = st->listeners;
    st->listeners = l;
    *lp = l;
    return 0;
}

void tcp_usr_listen_backlog(tcp_listener *l, uint32_t backlog)
{
    l->backlog = backlog;
}

void tcp_usr_listen_knobs(tcp_listener *l, const tcp_knobs *k)
{
    l->knobs = *k;
}

int tcp_usr_accept_ready(const tcp_listener *l)
{
    return l->acc_head != NULL;
}

tcp_conn *tcp_usr_accept(tcp_listener *l, int sock, tcp_knobs *k)
{
    tcp_conn *c = l->acc_head;
    tcp_listen_unlink(c);
    /* The socket starts with what the connection ran with; from now on the connection
     * reads the socket's copy, so the socket's setsockopt applies to it at once. */
    *k = *c->knobs;
    k->sndbuf = l->knobs.sndbuf; /* the listener's buffer sizes as they are now */
    k->rcvbuf = l->knobs.rcvbuf;
    k->nodelay = c->nodelay;
    k->keepalive = c->keepalive;
    k->cc = c->cc;
    c->knobs = k;
    c->sock = sock;
    /* TCP_INFO delivered: the SYN-ACK, if its ACK came before the socket (tcp_delivered_add) */
    c->st->socks[sock].delivered = c->state == SYNACK_SYN_RECEIVED ? 0 : 1;
    tcp_xfer_release(c); /* out of the accept queue: an idle connection drops its block */
    return c;
}

void tcp_usr_listen_close(synack_stack *st, tcp_listener *l)
{
    tcp_listener_destroy(st, l);
}

short tcp_usr_listen_poll(const tcp_listener *l)
{
    return (short)((l->acc_head ? SYNACK_POLLIN : 0) | (l->held ? SYNACK_POLLPRI : 0));
}

int tcp_usr_send_held(const tcp_conn *c)
{
    return c->x && (!tcp_notsent_ok(c, 1) || tcp_eor_full(c));
}

short tcp_usr_poll(const tcp_conn *c)
{
    short ev = 0;
    if ((c->x && tcp_urg_readable(c) > 0) || c->rd_closed)
        ev |= SYNACK_POLLIN;
    if (tcp_urg_pending(c))
        ev |= SYNACK_POLLPRI;
    if (c->rd_closed)
        ev |= SYNACK_POLLRDHUP;
    if ((c->state == SYNACK_ESTABLISHED || c->state == SYNACK_CLOSE_WAIT ||
         tcp_fastopen_early_send(c)) &&
        !c->fin_queued && (!c->x || (sendbuf_space(&c->x->snd) > 0 && !tcp_usr_send_held(c))))
        ev |= SYNACK_POLLOUT;
    if (tcp_usr_deferred(c)) /* writable: the first send is what sends the SYN (Linux) */
        ev |= SYNACK_POLLOUT;
    if (c->rd_closed && c->fin_queued)
        ev |= SYNACK_POLLHUP;
    return ev;
}

int tcp_usr_send_check(tcp_conn *c)
{
    int early = tcp_fastopen_early_send(c);
    int opening = (c->state == SYNACK_SYN_SENT || c->state == SYNACK_SYN_RECEIVED) && !early;
    /* RFC 9293 3.10.2: in SYN-SENT and SYN-RECEIVED, queue the data for transmission after
     * ESTABLISHED (it rides on the third segment of the handshake). Linux makes a
     * non-blocking sender wait instead, and so does cfg.send_waits_open (linux profile). */
    if (opening && c->st->cfg.send_waits_open)
        return -EAGAIN;
    if (c->fin_queued ||
        (!opening && !early && c->state != SYNACK_ESTABLISHED && c->state != SYNACK_CLOSE_WAIT))
        return -EPIPE;
    if (tcp_xfer_attach(c) != 0) /* the send buffer is in the transfer block */
        return -ENOMEM;
    return 0;
}

/* Appends what TCP_NOTSENT_LOWAT lets in: chunk by chunk (tcp_send_chunk), a new one
 * only while the unsent bytes are below the mark, each sent as far as it may before the
 * mark is checked again. Bytes taken, 0 when none. */
static long append_below_lowat(tcp_conn *c, const uint8_t *buf, size_t len)
{
    size_t done = 0;
    while (done < len) {
        uint32_t chunk = tcp_send_chunk(c), notsent = tcp_notsent(c);
        uint32_t room = chunk - notsent % chunk;
        if (room == chunk && !tcp_notsent_ok(c, 0))
            break;
        long n = sendbuf_append(&c->x->snd, &c->st->bufmem, buf + done,
                                len - done < room ? len - done : room);
        if (n <= 0)
            return done ? (long)done : n;
        done += (size_t)n;
        tcp_output(c);
        if ((uint32_t)n < room && done < len)
            break; /* the buffer is full */
    }
    return (long)done;
}

long tcp_usr_send(tcp_conn *c, const void *buf, size_t len, int flags)
{
    int eor = (flags & SYNACK_MSG_EOR) != 0;
    if (eor && !tcp_eor_room(c))
        return -EAGAIN; /* as a full buffer: the peer's ACKs make room */
    /* MSG_MORE holds a partial tail for this call's output only (Linux's per-call cork) */
    c->more_once = (flags & SYNACK_MSG_MORE) != 0;
    tcp_cwnd_restart_check(c);
    long n;
    if (tcp_notsent_lowat(c) == UINT32_MAX) {
        n = sendbuf_append(&c->x->snd, &c->st->bufmem, buf, len);
    } else {
        if (!tcp_notsent_ok(c, 0))
            n = 0;
        else
            n = append_below_lowat(c, buf, len);
    }
    if (n == 0)
        n = -EAGAIN;
    if (n > 0) {
        if (eor && (size_t)n == len)
            tcp_eor_mark(c);
        if (flags & SYNACK_MSG_OOB) /* the mark follows the last byte taken (Linux, BSD) */
            tcp_urg_mark_send(c, tcp_usr_send_end(c));
        c->more_tail = c->more_once;
        tcp_chrono_start(c, TCP_CHRONO_BUSY);
        tcp_output(c);
    }
    c->more_once = 0;
    return n;
}

long tcp_usr_send_reserve(tcp_conn *c, size_t want, void **buf)
{
    uint8_t *p = NULL;
    long rc = sendbuf_reserve(&c->x->snd, &c->st->bufmem,
                              want > UINT32_MAX ? UINT32_MAX : (uint32_t)want, &p);
    if (rc == 0 && want)
        rc = -EAGAIN;
    *buf = p;
    return rc;
}

long tcp_usr_send_commit(tcp_conn *c, size_t n)
{
    /* Only what the last reserve lent: the rest of the storage is stale heap. */
    long rc = sendbuf_commit(&c->x->snd, n > UINT32_MAX ? UINT32_MAX : (uint32_t)n);
    if (rc == 0 && n) {
        tcp_cwnd_restart_check(c);
        tcp_chrono_start(c, TCP_CHRONO_BUSY);
        tcp_output(c);
        rc = (long)n;
    }
    return rc;
}

uint32_t tcp_usr_send_end(const tcp_conn *c)
{
    return tcp_snd_data_end(c);
}

uint32_t tcp_usr_sent_end(const tcp_conn *c)
{
    return c->snd_max;
}

void tcp_usr_errq_track(tcp_conn *c, int on)
{
    c->errq_track = on != 0;
}

int tcp_usr_recv_check(const tcp_conn *c, int shut_rd)
{
    if (!c->x || tcp_urg_readable(c) == 0) {
        /* After shutdown(SHUT_RD) recv says end of stream once nothing is queued; data
         * that still arrives can be read, as on Linux (POSIX leaves this open). */
        if (c->rd_closed || shut_rd)
            return 0;
        return -EAGAIN;
    }
    return 1;
}

uint32_t tcp_usr_readable(const tcp_conn *c)
{
    return c->x ? recvbuf_ready(&c->x->rcv) : 0;
}

uint32_t tcp_usr_inq(const tcp_conn *c)
{
    /* Linux's tcp_inq_hint counts up to RCV.NXT, and a FIN takes a sequence number */
    return tcp_usr_readable(c) + (c->rd_closed ? 1u : 0u);
}

/* cfg.window_update_delack: a peer still offered half of what a SYN-ACK can carry is not
 * waiting for the update, so it goes out as a delayed ACK would (RFC 1122 4.2.3.2), on the
 * next segment we send or when the timer fires. Otherwise the first read of every
 * connection costs a bare ACK: the unscaled SYN-ACK window (RFC 7323 2.2) is always far
 * below the scaled one the read opens, and a relay's reply would carry it anyway. */
static void send_window_update(tcp_conn *c, uint32_t offered)
{
    uint32_t syn_max = c->x->rcv.cap < 0xffff ? c->x->rcv.cap : 0xffff;
    if (c->st->cfg.window_update_delack && 2 * (uint64_t)offered >= syn_max) {
        c->delack_pending = 1;
        if (tcp_deadline(c, TT_DELACK) == UINT64_MAX)
            tcp_timer_set(c, TT_DELACK, c->st->now + c->st->cfg.delack_us);
        return;
    }
    if (c->st->batch_on) {
        /* a batch's end sends it, with whatever else is read or sent before then */
        c->ack_now = 1;
        tcp_output(c);
        return;
    }
    tcp_send_ack(c);
}

/* After the application reads, tell the peer about a window that opened by enough to
 * matter (RFC 1122 4.2.3.3 receiver-side SWS avoidance). */
static void window_update(tcp_conn *c)
{
    uint32_t offered = seq_gt(c->rcv_adv, c->rcv_nxt) ? c->rcv_adv - c->rcv_nxt : 0;
    uint32_t now = tcp_rcv_window(c);
    uint32_t thresh = c->x->rcv.cap / 2 < c->rcv_mss ? c->x->rcv.cap / 2 : c->rcv_mss;
    if (c->st->cfg.window_update_double) {
        /* Linux (tcp_cleanup_rbuf): only when the offered window has fallen to half the
         * largest one or less, and reading at least doubled it. */
        uint32_t clamp = (uint32_t)0xffff << c->rcv_wscale;
        if (clamp > c->x->rcv.cap)
            clamp = c->x->rcv.cap;
        if (2 * (uint64_t)offered <= clamp && now > 0 && now >= 2 * (uint64_t)offered)
            send_window_update(c, offered);
        return;
    }
    if (now > offered && now - offered >= thresh)
        send_window_update(c, offered);
}

/* The application took bytes out of the receive ring. */
static void rcvd(tcp_conn *c)
{
    /* A Fast Open child read in SYN-RECEIVED: a client in SYN-SENT drops a bare ACK (RFC 9293
     * 3.10.7.3), and the final ACK brings the window up to date anyway. */
    if (c->state != SYNACK_TIME_WAIT && c->state != SYNACK_CLOSED &&
        c->state != SYNACK_SYN_RECEIVED)
        window_update(c);
    tcp_xfer_release(c); /* reading the last byte may leave it idle */
}

uint32_t tcp_usr_recv(tcp_conn *c, void *buf, uint32_t n, int peek)
{
    uint32_t skip;
    n = tcp_urg_clip(c, n, &skip); /* reads stop at the urgent mark (urgent.c) */
    if (peek)
        return recvbuf_peek_at(&c->x->rcv, skip, buf, n);
    if (skip)
        recvbuf_read(&c->x->rcv, NULL, skip);
    uint32_t got = recvbuf_read(&c->x->rcv, buf, n);
    tcp_urg_consumed(c);
    rcvd(c);
    return got;
}

long tcp_usr_recv_borrow(tcp_conn *c, const void **data)
{
    const uint8_t *p = NULL;
    uint32_t skip;
    (void)tcp_urg_clip(c, 0, &skip);
    if (skip) { /* the out-of-band byte is not lent */
        recvbuf_read(&c->x->rcv, NULL, skip);
        tcp_urg_consumed(c);
    }
    uint32_t n = recvbuf_contig(&c->x->rcv, &p);
    long rc = (long)tcp_urg_clip(c, n, &skip);
    *data = p;
    return rc;
}

long tcp_usr_recv_release(tcp_conn *c, size_t n)
{
    if (n > recvbuf_ready(&c->x->rcv))
        return -EINVAL;
    long rc = (long)recvbuf_read(&c->x->rcv, NULL, (uint32_t)n);
    tcp_urg_consumed(c);
    rcvd(c);
    return rc;
}

void tcp_usr_shutdown(tcp_conn *c)
{
    if (c->state == SYNACK_SYN_SENT) {
        tcp_conn_close(c, -ECONNRESET, "shutdown");
        return;
    }
    c->fin_queued = 1;
    tcp_output(c);
}

long tcp_usr_close(tcp_conn *c, int sock)
{
    synack_stack *st = c->st;
    const tcp_knobs *k = c->knobs;
    int linger0 = k && k->linger_on && k->linger_s == 0;
    /* An orphan keeps its socket's knobs in its transfer block (without memory for one:
     * the stack's defaults), since the socket is about to go. */
    if (tcp_xfer_attach(c) == 0) {
        if (k)
            c->x->knobs = *k;
        c->knobs = &c->x->knobs;
    } else {
        c->knobs = NULL;
    }
    c->sock = -1;
    int unread = c->x && (recvbuf_ready(&c->x->rcv) > 0 || c->x->rcv.nranges > 0);
    long linger = 0;
    switch (c->state) {
    case SYNACK_SYN_SENT:
        tcp_conn_close(c, 0, "close");
        break;
    case SYNACK_TIME_WAIT:
        tcp_tw_compact(c); /* TIME-WAIT runs out by itself, now in a compact record */
        break;
    default:
        if (linger0 || unread) {
            /* RFC 9293 3.10.5 ABORT; RFC 2525 2.17 when data would be lost unread. */
            stack_count(st, linger0 ? SYNACK_CTR_TCPAbortOnLinger : SYNACK_CTR_TCPAbortOnClose);
            if (c->state == SYNACK_ESTABLISHED || c->state == SYNACK_CLOSE_WAIT)
                stack_count(st, SYNACK_CTR_EstabResets);
            tcp_send_rst(c);
            tcp_conn_close(c, 0, linger0 ? "abort" : "close-with-unread-data");
            break;
        }
        c->fin_queued = 1;
        if (c->state == SYNACK_FIN_WAIT_2 && tcp_deadline(c, TT_2MSL) == UINT64_MAX)
            tcp_timer_set(c, TT_2MSL, st->now + st->cfg.fin_wait2_us);
        tcp_output(c);
        linger = tcp_linger_start(c, sock, k);
        break;
    }
    return linger;
}

int tcp_usr_knob_changed(tcp_conn *c, tcp_knob which)
{
    const tcp_knobs *k = c->knobs;
    switch (which) {
    case TK_NODELAY:
        c->nodelay = k->nodelay;
        /* Setting it pushes out what a cork holds, once (Linux's TCP_NAGLE_PUSH) */
        c->push_once = k->nodelay;
        tcp_output(c);
        c->push_once = 0;
        return 0;
    case TK_CORK: /* uncorking sends what was held; corking only holds what comes */
    case TK_NOTSENT_LOWAT:
        if (c->x)
            tcp_output(c);
        return 0;
    case TK_KEEPALIVE:
        c->keepalive = k->keepalive;
        tcp_arm_keepalive(c);
        return 0;
    case TK_KEEPIDLE:
        if (c->keep_probes == 0) /* probing already: the interval rules now */
            tcp_arm_keepalive(c);
        return 0;
    case TK_SNDBUF:
        if (c->x)
            sendbuf_set_cap(&c->x->snd, &c->st->bufmem, k->sndbuf);
        else
            c->snd_cap = k->sndbuf; /* idle: empty, so the change applies now */
        return 0;
    case TK_RCVBUF:
        if (c->x && c->state == SYNACK_CLOSED)
            recvbuf_set_cap(&c->x->rcv, &c->st->bufmem, k->rcvbuf);
        return 0;
    case TK_PACING:
        return set_max_pacing_rate(c, k->max_pacing_rate);
    case TK_CC: {
        const tcp_cc_ops *ops = k->cc;
        if (!ops || c->cc == ops)
            return 0;
        if (tcp_xfer_attach(c) != 0)
            return -ENOMEM; /* cc_priv is in the block */
        /* Switching in flight keeps the window; the new algorithm starts an epoch. */
        uint32_t cwnd = c->cwnd, ssthresh = c->ssthresh;
        c->cc = ops;
        ops->init(c);
        if (c->state != SYNACK_SYN_SENT && c->state != SYNACK_SYN_RECEIVED) {
            c->cwnd = cwnd;
            c->ssthresh = ssthresh;
        }
        return 0;
    }
    default: /* read when needed (keepalive interval and count, user timeout, linger, SYN
                count) or only at connect (MSS) */
        return 0;
    }
}

int tcp_usr_so_error(tcp_conn *c)
{
    int e = -c->error;
    if (e == 0 && c->soft_error) {
        /* No hard error: the last ICMP soft error, read once (as Linux). */
        e = -c->soft_error;
        c->soft_error = 0;
    }
    return e;
}

uint16_t tcp_usr_maxseg(const tcp_conn *c)
{
    return c->snd_mss;
}

const char *tcp_usr_cc_name(const tcp_conn *c)
{
    return c->cc->name;
}

void tcp_usr_fill_info(const tcp_conn *c, synack_tcp_info *i)
{
    memset(i, 0, sizeof(*i));
    i->state = (uint8_t)c->state;
    i->sacked = c->x ? c->x->sacked_bytes : 0;
    i->lost = tcp_rack_lost_out(c);
    i->reordering = tcp_rack_reordering(c);
    /* Linux's Disorder: SACKs, duplicate ACKs or losses seen, but no recovery (yet). */
    int disorder = i->sacked || i->lost || (c->x && c->x->dupacks);
    /* A timeout run stays Loss when RFC 6069 undid its backoff down to none. */
    int loss = c->backoff || (c->x && c->x->rto_reverted);
    i->ca_state = c->in_recovery ? 3 : loss ? 4 : disorder ? 1 : 0;
    i->snd_wscale = c->snd_wscale;
    i->rcv_wscale = c->rcv_wscale;
    i->options = (uint8_t)((c->ts_ok ? 1 : 0) | (c->sack_ok ? 2 : 0) | (c->ws_ok ? 4 : 0) |
                           (c->tfo_data_acked ? 0x20 : 0));
    strncpy(i->ca_name, c->cc->name, sizeof(i->ca_name) - 1);
    i->rto_us = (uint32_t)tcp_rto_backed_off(c);
    i->rtt_us = c->srtt_us;
    i->rttvar_us = c->rttvar_us;
    i->snd_mss = c->snd_mss;
    i->rcv_mss = c->rcv_mss;
    i->snd_cwnd = c->cwnd;
    i->snd_ssthresh = c->ssthresh;
    i->snd_wnd = c->snd_wnd;
    i->rcv_wnd = tcp_rcv_window(c);
    i->unacked = c->snd_max - c->snd_una;
    /* Linux's icsk_retransmits: the timeouts of this run, which an RFC 6069 revert of the
     * backoff leaves counted (tcp_ld_RTO_revert touches only icsk_backoff). */
    i->retransmits = c->backoff + (c->x ? c->x->rto_reverted : 0);
    i->total_retrans = c->total_retrans;
    i->bytes_acked = c->bytes_acked;
    i->bytes_received = c->bytes_received;
    i->segs_out = c->segs_out;
    i->segs_in = c->segs_in;
    uint64_t now = c->st->now;
    i->last_data_sent_ms = tcp_ms(now) - c->last_data_sent_ms;
    i->last_data_recv_ms = tcp_ms(now) - c->last_data_recv_ms;
    i->last_ack_recv_ms = (uint32_t)((now - c->last_rcv) / 1000);
    i->reord_seen = c->reord_seen;
    uint64_t us[TCP_CHRONO_N - 1];
    tcp_chrono_read(c, us);
    i->busy_time_us = us[0] + us[1] + us[2];
    i->rwnd_limited_us = us[TCP_CHRONO_RWND - 1];
    i->sndbuf_limited_us = us[TCP_CHRONO_SNDBUF - 1];
    i->delivered = c->sock >= 0 ? c->st->socks[c->sock].delivered : 0;
    i->probes = c->x ? c->x->ldrop_probes : 0;
}
