/* SPDX-License-Identifier: MIT */
/* The socket API (docs/API.md): BSD-like calls with negative-errno returns over the TCP
 * engine. User calls are RFC 9293 3.10.1-3.10.6 (OPEN, SEND, RECEIVE, CLOSE, ABORT). */
#include <errno.h>
#include <poll.h>
#include <string.h>

#include "stack/ready.h"
#include "stack/stack_impl.h"
#include "tcp/tcp.h"
#include "tcp/timewait.h"

static synack_sock *sock_get(synack_stack *st, int s)
{
    if (s < 0 || (uint32_t)s >= st->cfg.max_sockets || !st->socks[s].in_use)
        return NULL;
    return &st->socks[s];
}

/* The start of every socket call that changes something: a NULL stack is -EINVAL, and a
 * call from inside one of the stack's callbacks (output, on_event, a foreach visitor) is
 * -EBUSY: the engine is in the middle of changing a connection or walking a table there,
 * and must not be re-entered. */
#define API_ENTER(st)                                                                          \
    do {                                                                                       \
        if (!(st))                                                                             \
            return -EINVAL;                                                                    \
        if ((st)->cb_depth > 0)                                                                \
            return -EBUSY;                                                                     \
    } while (0)

/* Every socket call that can reach a callback returns through here; st may be freed
 * on the way out (stack_api_return), so nothing may follow it. */
static long ret_event(synack_stack *st, const char *call, int s, long ret)
{
    stack_app_event(st, call, s, ret);
    stack_api_return(st);
    return ret;
}

/* A new socket id, or a negative errno; does not return through ret_event, so accept()
 * can go on using the stack. */
static int sock_open(synack_stack *st, int type)
{
    int base = type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (base != SOCK_STREAM)
        return -EPROTONOSUPPORT;
    if (st->sock_free < 0)
        return -EMFILE;
    int s = st->sock_free;
    synack_sock *so = &st->socks[s];
    st->sock_free = so->next_free;
    memset(so, 0, sizeof(*so));
    so->in_use = 1;
    so->next_free = -1;
    so->sndbuf = st->cfg.sndbuf;
    so->rcvbuf = st->cfg.rcvbuf;
    so->keepidle_us = st->cfg.keepidle_us;
    so->keepintvl_us = st->cfg.keepintvl_us;
    so->keepcnt = st->cfg.keepcnt;
    return s;
}

int synack_socket(synack_stack *st, int type)
{
    API_ENTER(st);
    int s = sock_open(st, type);
    return (int)ret_event(st, "socket", s < 0 ? -1 : s, s);
}

static int port_bit(const synack_stack *st, uint16_t port)
{
    return (int)((st->bound_ports[port >> 6] >> (port & 63)) & 1);
}

static void mark_explicit(synack_stack *st, synack_sock *so)
{
    so->explicit_bind = 1;
    st->bound_ports[so->lport >> 6] |= 1ull << (so->lport & 63);
}

static void sock_release(synack_stack *st, int s)
{
    synack_sock *so = &st->socks[s];
    sock_ready_forget(st, s); /* a closed socket leaves the ready list */
    if (so->explicit_bind) {
        /* the port stays marked while another socket bound it explicitly too */
        int others = 0;
        for (uint32_t i = 0; i < st->cfg.max_sockets && !others; i++)
            others = (int)i != s && st->socks[i].in_use && st->socks[i].explicit_bind &&
                     st->socks[i].lport == so->lport;
        if (!others)
            st->bound_ports[so->lport >> 6] &= ~(1ull << (so->lport & 63));
    }
    memset(so, 0, sizeof(*so));
    so->next_free = st->sock_free;
    st->sock_free = s;
}

static int sin_from(const struct sockaddr *addr, socklen_t len, uint32_t *ip, uint16_t *port)
{
    if (!addr || len < (socklen_t)sizeof(struct sockaddr_in))
        return -EINVAL;
    struct sockaddr_in sin;
    memcpy(&sin, addr, sizeof(sin));
    if (sin.sin_family != AF_INET)
        return -EAFNOSUPPORT;
    *ip = ntohl(sin.sin_addr.s_addr);
    *port = ntohs(sin.sin_port);
    return 0;
}

static int sin_to(struct sockaddr *addr, socklen_t *len, uint32_t ip, uint16_t port)
{
    if (!addr || !len)
        return 0;
    struct sockaddr_in sin;
    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(ip);
    sin.sin_port = htons(port);
    size_t n = *len < sizeof(sin) ? *len : sizeof(sin);
    memcpy(addr, &sin, n);
    *len = sizeof(sin);
    return 0;
}

struct port_check {
    uint16_t port;      /* the port asked for */
    int time_wait;      /* a TIME-WAIT connection holds it */
    int active;         /* another connection holds it */
};

static void port_visit(ct_node *n, void *arg)
{
    struct port_check *pc = arg;
    if (n->key.lport != pc->port)
        return;
    if (n->kind == CT_TIME_WAIT) {
        pc->time_wait = 1;
        return;
    }
    tcp_conn *c = tcp_conn_of(n);
    if (c->state == SYNACK_TIME_WAIT)
        pc->time_wait = 1;
    else
        pc->active = 1;
}

/* Can socket `self` take lport? (-EADDRINUSE unless free; SO_REUSEADDR lets it share with
 * TIME-WAIT and, as in Linux, with connections when no listener holds the port.) */
static int port_available(synack_stack *st, int self, uint16_t lport, int reuse)
{
    for (uint32_t i = 0; i < st->cfg.max_sockets; i++) {
        synack_sock *o = &st->socks[i];
        if ((int)i == self || !o->in_use || !o->bound || o->lport != lport)
            continue;
        if (o->lst || !reuse || !o->reuseaddr)
            return -EADDRINUSE;
    }
    struct port_check pc = {.port = lport};
    ct_foreach(&st->conns, port_visit, &pc);
    if ((pc.time_wait || pc.active) && !reuse)
        return -EADDRINUSE;
    return 0;
}

static int pick_ephemeral(synack_stack *st, int self, uint32_t raddr, uint16_t rport)
{
    /* RFC 6056 3.3.2-style: a random starting point, then a linear search. */
    uint32_t lo = st->cfg.ephemeral_lo, span = (uint32_t)st->cfg.ephemeral_hi - lo + 1;
    uint32_t start = rng_below(&st->rng, span);
    for (uint32_t i = 0; i < span; i++) {
        uint16_t port = (uint16_t)(lo + (start + i) % span);
        if (raddr) {
            ct_key k = {.laddr = st->cfg.netif.addr, .raddr = raddr, .lport = port,
                        .rport = rport};
            if (ct_lookup(&st->conns, &k))
                continue;
        }
        /* Connected sockets share ephemeral ports as long as their 4-tuples differ (as in
         * Linux); a port some socket bound explicitly, or a listener's, is left alone. */
        if (port_bit(st, port) || tcp_listener_find(st, st->cfg.netif.addr, port))
            continue;
        if (!raddr && port_available(st, self, port, 0) != 0)
            continue; /* bind(port 0)/listen(): the port must be wholly unused */
        return port;
    }
    return -EADDRNOTAVAIL;
}

int synack_bind(synack_stack *st, int s, const struct sockaddr *addr, socklen_t len)
{
    API_ENTER(st);
    synack_sock *so = sock_get(st, s);
    if (!so)
        return (int)ret_event(st, "bind", s, -EBADF);
    uint32_t ip;
    uint16_t port;
    int rc = sin_from(addr, len, &ip, &port);
    if (rc == 0 && (so->bound || so->conn || so->lst))
        rc = -EINVAL;
    if (rc == 0 && ip != 0 && ip != st->cfg.netif.addr)
        rc = -EADDRNOTAVAIL;
    if (rc == 0 && port == 0) {
        int p = pick_ephemeral(st, s, 0, 0);
        if (p < 0)
            rc = p;
        else
            port = (uint16_t)p;
    } else if (rc == 0) {
        rc = port_available(st, s, port, so->reuseaddr);
    }
    if (rc == 0) {
        so->bound = 1;
        so->laddr = ip;
        so->lport = port;
        mark_explicit(st, so);
    }
    return (int)ret_event(st, "bind", s, rc);
}

int synack_listen(synack_stack *st, int s, int backlog)
{
    API_ENTER(st);
    synack_sock *so = sock_get(st, s);
    if (!so)
        return (int)ret_event(st, "listen", s, -EBADF);
    if (so->conn || so->was_connected)
        return (int)ret_event(st, "listen", s, -EINVAL);
    uint32_t bl = backlog < 1 ? 1 : (uint32_t)backlog;
    if (bl > st->cfg.max_accept_backlog)
        bl = st->cfg.max_accept_backlog;
    if (so->lst) { /* listen() again changes the backlog, as in Linux */
        so->lst->backlog = bl;
        return (int)ret_event(st, "listen", s, 0);
    }
    if (!so->bound) {
        int p = pick_ephemeral(st, s, 0, 0);
        if (p < 0)
            return (int)ret_event(st, "listen", s, p);
        so->bound = 1;
        so->lport = (uint16_t)p;
        mark_explicit(st, so);
    }
    for (tcp_listener *o = st->listeners; o; o = o->next)
        if (o->lport == so->lport)
            return (int)ret_event(st, "listen", s, -EADDRINUSE);
    tcp_listener *l = stack_alloc(st, sizeof(*l));
    if (!l)
        return (int)ret_event(st, "listen", s, -ENOMEM);
    memset(l, 0, sizeof(*l));
    l->laddr = so->laddr;
    l->lport = so->lport;
    l->sock = s;
    l->backlog = bl;
    uint32_t syn = bl < 8 ? 8 : bl;
    l->syn_max = syn < st->cfg.max_syn_backlog ? syn : st->cfg.max_syn_backlog;
    l->nodelay = so->nodelay;
    l->cc = so->cc;
    l->keepalive = so->keepalive;
    l->sndbuf = so->sndbuf;
    l->rcvbuf = so->rcvbuf;
    l->keepidle_us = so->keepidle_us;
    l->keepintvl_us = so->keepintvl_us;
    l->keepcnt = so->keepcnt;
    l->next = st->listeners;
    st->listeners = l;
    so->lst = l;
    return (int)ret_event(st, "listen", s, 0);
}

int synack_accept(synack_stack *st, int s, struct sockaddr *addr, socklen_t *len)
{
    API_ENTER(st);
    synack_sock *so = sock_get(st, s);
    if (!so)
        return (int)ret_event(st, "accept", s, -EBADF);
    if (!so->lst || (addr && !len)) /* no room to say how long the address is */
        return (int)ret_event(st, "accept", s, -EINVAL);
    tcp_listener *l = so->lst;
    if (!l->acc_head)
        return (int)ret_event(st, "accept", s, -EAGAIN);
    if (st->sock_free < 0)
        return (int)ret_event(st, "accept", s, -EMFILE);
    tcp_conn *c = l->acc_head;
    tcp_listen_unlink(c);
    int ns = sock_open(st, SOCK_STREAM);
    stack_app_event(st, "socket", ns, ns); /* the trace shows the new socket, as before */
    synack_sock *nso = &st->socks[ns];
    nso->bound = 1;
    nso->laddr = c->node.key.laddr;
    nso->lport = c->node.key.lport;
    nso->nodelay = c->nodelay;
    nso->keepalive = c->keepalive;
    nso->sndbuf = l->sndbuf;
    nso->rcvbuf = l->rcvbuf;
    nso->keepidle_us = tcp_keepidle_us(c);
    nso->keepintvl_us = tcp_keepintvl_us(c);
    nso->keepcnt = tcp_keepcnt(c);
    nso->cc = c->cc;
    nso->conn = c;
    c->sock = ns;
    tcp_xfer_release(c); /* out of the accept queue: an idle connection drops its block */
    sin_to(addr, len, c->node.key.raddr, c->node.key.rport);
    return (int)ret_event(st, "accept", s, ns);
}

/* SO_MAX_PACING_RATE (bytes/s): a cap on the pacing rate, and, there being no fq qdisc
 * here to do it, pacing itself: a connection with a cap paces. ~0 lifts the cap; the
 * connection then paces only if the config or its controller says so. */
static int set_max_pacing_rate(tcp_conn *c, uint32_t rate)
{
    if (tcp_xfer_attach(c) != 0) /* the cap and the bucket live in the transfer block */
        return -ENOMEM;
    c->x->pacing_max = rate == UINT32_MAX ? 0 : rate;
    c->pacing = rate != UINT32_MAX || c->st->cfg.pacing;
    return 0;
}

static void conn_take_options(tcp_conn *c, const synack_sock *so)
{
    c->nodelay = so->nodelay;
    c->keepalive = so->keepalive;
    if (so->cc)
        c->cc = so->cc;
    if (so->max_pacing_rate)
        (void)set_max_pacing_rate(c, so->max_pacing_rate); /* a new connection has its block */
}

int synack_connect(synack_stack *st, int s, const struct sockaddr *addr, socklen_t len)
{
    API_ENTER(st);
    synack_sock *so = sock_get(st, s);
    if (!so)
        return (int)ret_event(st, "connect", s, -EBADF);
    if (so->lst)
        return (int)ret_event(st, "connect", s, -EINVAL);
    if (so->conn) {
        int rc = so->conn->state == SYNACK_SYN_SENT ? -EALREADY : -EISCONN;
        return (int)ret_event(st, "connect", s, rc);
    }
    uint32_t rip;
    uint16_t rport;
    int rc = sin_from(addr, len, &rip, &rport);
    if (rc == 0 && (rip == 0 || rport == 0))
        rc = -EINVAL;
    if (rc)
        return (int)ret_event(st, "connect", s, rc);
    uint16_t lport = so->lport;
    if (!so->bound) {
        int p = pick_ephemeral(st, s, rip, rport);
        if (p < 0)
            return (int)ret_event(st, "connect", s, p);
        lport = (uint16_t)p;
    }
    synack_endpoints ep = {.laddr = st->cfg.netif.addr, .raddr = rip, .lport = lport,
                           .rport = rport};
    ct_key k = {.laddr = ep.laddr, .raddr = ep.raddr, .lport = ep.lport, .rport = ep.rport};
    if (ct_lookup(&st->conns, &k))
        return (int)ret_event(st, "connect", s, -EADDRNOTAVAIL);
    tcp_conn *c = tcp_conn_new(st, &ep);
    if (!c)
        return (int)ret_event(st, "connect", s, -ENOBUFS);
    so->bound = 1;
    so->lport = lport;
    so->laddr = ep.laddr;
    so->error = 0;
    so->was_connected = 0;
    so->conn = c;
    c->sock = s;
    conn_take_options(c, so);
    sendbuf_set_cap(&c->x->snd, &st->bufmem, so->sndbuf);
    recvbuf_set_cap(&c->x->rcv, &st->bufmem, so->rcvbuf);
    c->rcv_mss = tcp_our_mss(st, so->maxseg);
    c->rcv_wscale = st->cfg.wscale <= TCP_MAX_WSCALE ? st->cfg.wscale : 0;
    tcp_sendseqinit(c, tcp_isn(st, &ep));
    stack_count(st, SYNACK_CTR_ActiveOpens);
    tcp_set_state(c, SYNACK_SYN_SENT, "connect");
    tcp_send_syn(c);
    tcp_arm_rexmit(c);
    return (int)ret_event(st, "connect", s, -EINPROGRESS);
}

static int take_error(synack_sock *so)
{
    int e = so->error;
    so->error = 0;
    return e;
}

/* Whether the socket may queue data now: 0 with *cp set, or the negative errno. */
static long send_allowed(synack_stack *st, int s, tcp_conn **cp)
{
    synack_sock *so = sock_get(st, s);
    if (!so)
        return -EBADF;
    tcp_conn *c = so->conn;
    if (!c)
        return so->error ? take_error(so) : so->was_connected ? -EPIPE : -ENOTCONN;
    int opening = c->state == SYNACK_SYN_SENT || c->state == SYNACK_SYN_RECEIVED;
    /* RFC 9293 3.10.2: in SYN-SENT and SYN-RECEIVED, queue the data for transmission after
     * ESTABLISHED (it rides on the third segment of the handshake). Linux makes a
     * non-blocking sender wait instead, and so does the linux profile. */
    if (opening && st->cfg.linux_profile)
        return -EAGAIN;
    if (c->fin_queued ||
        (!opening && c->state != SYNACK_ESTABLISHED && c->state != SYNACK_CLOSE_WAIT))
        return -EPIPE;
    if (tcp_xfer_attach(c) != 0) /* the send buffer is in the transfer block */
        return -ENOMEM;
    *cp = c;
    return 0;
}

/* A send that could not take everything: the next opening of send space is an edge
 * (POLLOUT) for synack_sock_ready(), as Linux's SOCK_NOSPACE. */
static void note_full(synack_stack *st, int s)
{
    synack_sock *so = sock_get(st, s);
    if (so)
        so->nospace = 1;
}

ssize_t synack_send_reserve(synack_stack *st, int s, void **buf, size_t want)
{
    API_ENTER(st);
    tcp_conn *c = NULL;
    long rc = send_allowed(st, s, &c);
    if (rc == 0 && !buf)
        rc = -EFAULT;
    if (rc == 0) {
        uint8_t *p = NULL;
        rc = sendbuf_reserve(&c->x->snd, &st->bufmem, want > UINT32_MAX ? UINT32_MAX : (uint32_t)want,
                             &p);
        if (rc == 0 && want)
            rc = -EAGAIN;
        *buf = p;
    }
    if (rc == -EAGAIN || (rc >= 0 && (size_t)rc < want))
        note_full(st, s);
    return ret_event(st, "send_reserve", s, rc);
}

ssize_t synack_send_commit(synack_stack *st, int s, size_t n)
{
    API_ENTER(st);
    tcp_conn *c = NULL;
    long rc = send_allowed(st, s, &c);
    if (rc == 0) {
        /* Only what the last reserve lent: the rest of the storage is stale heap. */
        rc = sendbuf_commit(&c->x->snd, n > UINT32_MAX ? UINT32_MAX : (uint32_t)n);
        if (rc == 0 && n) {
            tcp_output(c);
            rc = (long)n;
        }
    }
    return ret_event(st, "send_commit", s, rc);
}

/* Flags a call honours; anything else is refused rather than ignored. Calls never block
 * and never raise SIGPIPE, so MSG_DONTWAIT and MSG_NOSIGNAL are what they always do.
 * MSG_OOB: urgent data (RFC 9293 3.8.5) is not implemented. */
static long check_flags(synack_stack *st, int s, int flags, int allowed)
{
    if (!sock_get(st, s))
        return -EBADF;
    if (flags & MSG_OOB)
        return -EOPNOTSUPP;
    if (flags & ~allowed)
        return -EINVAL;
    return 0;
}

#define SEND_FLAGS (MSG_DONTWAIT | MSG_NOSIGNAL)
#define RECV_FLAGS (MSG_DONTWAIT | MSG_PEEK)

ssize_t synack_send(synack_stack *st, int s, const void *buf, size_t len, int flags)
{
    API_ENTER(st);
    tcp_conn *c = NULL;
    long rc = check_flags(st, s, flags, SEND_FLAGS);
    if (rc == 0)
        rc = send_allowed(st, s, &c);
    if (rc == -EAGAIN)
        note_full(st, s);
    if (rc)
        return ret_event(st, "send", s, rc);
    if (len == 0)
        return ret_event(st, "send", s, 0);
    if (!buf)
        return ret_event(st, "send", s, -EFAULT);
    long n = sendbuf_append(&c->x->snd, &st->bufmem, buf, len);
    if (n == 0)
        n = -EAGAIN;
    if (n == -EAGAIN || (n > 0 && (size_t)n < len))
        note_full(st, s);
    if (n > 0)
        tcp_output(c);
    return ret_event(st, "send", s, n);
}

/* After the application reads, tell the peer about a window that opened by enough to
 * matter (RFC 1122 4.2.3.3 receiver-side SWS avoidance). */
static void window_update(tcp_conn *c)
{
    uint32_t offered = seq_gt(c->rcv_adv, c->rcv_nxt) ? c->rcv_adv - c->rcv_nxt : 0;
    uint32_t now = tcp_rcv_window(c);
    uint32_t thresh = c->x->rcv.cap / 2 < c->rcv_mss ? c->x->rcv.cap / 2 : c->rcv_mss;
    if (c->st->cfg.linux_profile) {
        /* Linux (tcp_cleanup_rbuf): only when the offered window has fallen to half the
         * largest one or less, and reading at least doubled it. */
        uint32_t clamp = (uint32_t)0xffff << c->rcv_wscale;
        if (clamp > c->x->rcv.cap)
            clamp = c->x->rcv.cap;
        if (2 * (uint64_t)offered <= clamp && now > 0 && now >= 2 * (uint64_t)offered)
            tcp_send_ack(c);
        return;
    }
    if (now > offered && now - offered >= thresh)
        tcp_send_ack(c);
}

/* Whether there is something to read: 1 with *cp set (data ready), or 0 (end of stream),
 * or the negative errno (-EAGAIN when nothing is ready yet). */
static long recv_ready(synack_stack *st, int s, tcp_conn **cp)
{
    synack_sock *so = sock_get(st, s);
    if (!so)
        return -EBADF;
    tcp_conn *c = so->conn;
    if (!c)
        return so->error ? take_error(so) : so->was_connected ? 0 : -ENOTCONN;
    if (!c->x || recvbuf_ready(&c->x->rcv) == 0) {
        /* After shutdown(SHUT_RD) recv says end of stream once nothing is queued; data
         * that still arrives can be read, as on Linux (POSIX leaves this open). */
        if (c->rd_closed || so->shut_rd)
            return 0;
        return -EAGAIN;
    }
    *cp = c;
    return 1;
}

ssize_t synack_recv_borrow(synack_stack *st, int s, const void **data)
{
    API_ENTER(st);
    tcp_conn *c = NULL;
    long rc = recv_ready(st, s, &c);
    if (rc == 1) {
        const uint8_t *p = NULL;
        rc = !data ? -EFAULT : (long)recvbuf_contig(&c->x->rcv, &p);
        if (data)
            *data = p;
    }
    synack_sock *so = sock_get(st, s);
    if (so) /* end of stream lends 0 bytes, so `release(borrow())` works there too */
        so->recv_lent = rc >= 0 ? (uint32_t)rc + 1 : 0;
    return ret_event(st, "recv_borrow", s, rc);
}

ssize_t synack_recv_release(synack_stack *st, int s, size_t n)
{
    API_ENTER(st);
    synack_sock *so = sock_get(st, s);
    if (!so)
        return ret_event(st, "recv_release", s, -EBADF);
    /* Only what the last borrow lent, once: anything else releases bytes the
     * application never saw. */
    uint32_t lent = so->recv_lent;
    so->recv_lent = 0;
    if (lent == 0 || n > lent - 1)
        return ret_event(st, "recv_release", s, -EINVAL);
    tcp_conn *c = NULL;
    long rc = recv_ready(st, s, &c);
    if (rc == 1) {
        if (n > recvbuf_ready(&c->x->rcv)) {
            rc = -EINVAL;
        } else {
            rc = (long)recvbuf_read(&c->x->rcv, NULL, (uint32_t)n);
            if (c->state != SYNACK_TIME_WAIT && c->state != SYNACK_CLOSED)
                window_update(c);
            tcp_xfer_release(c); /* reading the last byte may leave it idle */
        }
    } else if (rc == 0 && n > 0) {
        rc = -EINVAL;
    }
    return ret_event(st, "recv_release", s, rc);
}

ssize_t synack_recv(synack_stack *st, int s, void *buf, size_t len, int flags)
{
    API_ENTER(st);
    tcp_conn *c = NULL;
    long rc = check_flags(st, s, flags, RECV_FLAGS);
    if (rc == 0 && !buf && len > 0)
        rc = -EFAULT;
    if (rc == 0)
        rc = recv_ready(st, s, &c);
    if (rc != 1)
        return ret_event(st, "recv", s, rc);
    uint32_t ready = recvbuf_ready(&c->x->rcv);
    if (len == 0)
        return ret_event(st, "recv", s, 0);
    if (!buf)
        return ret_event(st, "recv", s, -EFAULT);
    uint32_t want = len > ready ? ready : (uint32_t)len;
    uint32_t n;
    if (flags & MSG_PEEK) {
        n = recvbuf_peek(&c->x->rcv, buf, want);
    } else {
        sock_get(st, s)->recv_lent = 0; /* the borrowed bytes are gone */
        n = recvbuf_read(&c->x->rcv, buf, want);
        if (c->state != SYNACK_TIME_WAIT && c->state != SYNACK_CLOSED)
            window_update(c);
        tcp_xfer_release(c); /* reading the last byte may leave it idle */
    }
    return ret_event(st, "recv", s, (long)n);
}

int synack_shutdown(synack_stack *st, int s, int how)
{
    API_ENTER(st);
    synack_sock *so = sock_get(st, s);
    if (!so)
        return (int)ret_event(st, "shutdown", s, -EBADF);
    if (how != SHUT_RD && how != SHUT_WR && how != SHUT_RDWR)
        return (int)ret_event(st, "shutdown", s, -EINVAL);
    tcp_conn *c = so->conn;
    if (!c)
        return (int)ret_event(st, "shutdown", s, -ENOTCONN);
    if (how == SHUT_RD || how == SHUT_RDWR)
        so->shut_rd = 1;
    if (how == SHUT_WR || how == SHUT_RDWR) {
        if (c->state == SYNACK_SYN_SENT) {
            tcp_conn_close(c, 0, "shutdown");
            return (int)ret_event(st, "shutdown", s, 0);
        }
        c->fin_queued = 1;
        tcp_output(c);
    }
    return (int)ret_event(st, "shutdown", s, 0);
}

int synack_close(synack_stack *st, int s)
{
    API_ENTER(st);
    synack_sock *so = sock_get(st, s);
    if (!so)
        return (int)ret_event(st, "close", s, -EBADF);
    if (so->lst) {
        tcp_listener_destroy(st, so->lst);
        sock_release(st, s);
        return (int)ret_event(st, "close", s, 0);
    }
    tcp_conn *c = so->conn;
    /* read SO_LINGER before sock_release() wipes the socket */
    int linger0 = so->linger_on && so->linger_s == 0;
    /* An orphan keeps its socket's knobs in its transfer block (without memory for one:
     * the stack's defaults). */
    if (so->conn && tcp_xfer_attach(so->conn) == 0) {
        so->conn->x->keepidle_us = so->keepidle_us;
        so->conn->x->keepintvl_us = so->keepintvl_us;
        so->conn->x->keepcnt = so->keepcnt;
        so->conn->x->user_timeout_us = so->user_timeout_us;
    }
    sock_release(st, s);
    if (!c)
        return (int)ret_event(st, "close", s, 0);
    c->sock = -1;
    int unread = c->x && (recvbuf_ready(&c->x->rcv) > 0 || c->x->rcv.nranges > 0);
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
        break;
    }
    return (int)ret_event(st, "close", s, 0);
}

static int get_int(const void *val, socklen_t len, int *out)
{
    if (!val || len < (socklen_t)sizeof(int))
        return -EINVAL;
    memcpy(out, val, sizeof(int));
    return 0;
}

static int put_int(void *val, socklen_t *len, int v)
{
    if (!val || !len || *len < (socklen_t)sizeof(int))
        return -EINVAL;
    memcpy(val, &v, sizeof(int));
    *len = sizeof(int);
    return 0;
}

/* The int-valued options setsockopt knows; others are -ENOPROTOOPT whatever their
 * length, so a caller learns the option is missing rather than that its size is off. */
static int int_option(int level, int name)
{
    if (level == SOL_SOCKET)
        return name == SO_REUSEADDR || name == SO_KEEPALIVE || name == SO_SNDBUF ||
               name == SO_RCVBUF;
    if (level == IPPROTO_TCP)
        return name == TCP_NODELAY || name == TCP_MAXSEG || name == TCP_KEEPIDLE ||
               name == TCP_KEEPINTVL || name == TCP_KEEPCNT || name == TCP_USER_TIMEOUT;
    return 0;
}

static void keepalive_changed(tcp_conn *c)
{
    if (c)
        tcp_arm_keepalive(c);
}

int synack_setsockopt(synack_stack *st, int s, int level, int name, const void *val,
                      socklen_t len)
{
    API_ENTER(st);
    synack_sock *so = sock_get(st, s);
    if (!so)
        return (int)ret_event(st, "setsockopt", s, -EBADF);
    tcp_conn *c = so->conn;
    int v = 0, rc = 0;
    if (level == SOL_SOCKET && name == SO_LINGER) {
        struct linger lg;
        if (!val || len < (socklen_t)sizeof(lg))
            return (int)ret_event(st, "setsockopt", s, -EINVAL);
        memcpy(&lg, val, sizeof(lg));
        so->linger_on = lg.l_onoff != 0;
        so->linger_s = lg.l_linger;
        return (int)ret_event(st, "setsockopt", s, 0);
    }
#ifdef SO_MAX_PACING_RATE
    if (level == SOL_SOCKET && name == SO_MAX_PACING_RATE) {
        /* a 32-bit value, or 64 bits as Linux takes since 4.20; ~0 = no cap */
        uint64_t rate;
        if (val && len >= (socklen_t)sizeof(uint64_t)) {
            memcpy(&rate, val, sizeof(rate));
        } else if (val && len >= (socklen_t)sizeof(uint32_t)) {
            uint32_t r32;
            memcpy(&r32, val, sizeof(r32));
            rate = r32 == UINT32_MAX ? UINT64_MAX : r32;
        } else {
            return (int)ret_event(st, "setsockopt", s, -EINVAL);
        }
        if (rate == 0)
            return (int)ret_event(st, "setsockopt", s, -EINVAL);
        so->max_pacing_rate = rate >= UINT32_MAX ? UINT32_MAX : (uint32_t)rate;
        return (int)ret_event(st, "setsockopt", s,
                              c ? set_max_pacing_rate(c, so->max_pacing_rate) : 0);
    }
#endif
    if (level == IPPROTO_TCP && name == TCP_CONGESTION) {
        char cname[16] = {0};
        if (!val || len < 1)
            return (int)ret_event(st, "setsockopt", s, -EINVAL);
        memcpy(cname, val, len < (socklen_t)sizeof(cname) - 1 ? (size_t)len : sizeof(cname) - 1);
        const tcp_cc_ops *ops = tcp_cc_find(cname);
        if (!ops)
            return (int)ret_event(st, "setsockopt", s, -ENOENT);
        so->cc = ops;
        if (so->lst)
            so->lst->cc = ops;
        if (c && c->cc != ops && tcp_xfer_attach(c) != 0)
            return (int)ret_event(st, "setsockopt", s, -ENOMEM); /* cc_priv is in the block */
        if (c && c->cc != ops) {
            /* Switching in flight keeps the window; the new algorithm starts an epoch. */
            uint32_t cwnd = c->cwnd, ssthresh = c->ssthresh;
            c->cc = ops;
            ops->init(c);
            if (c->state != SYNACK_SYN_SENT && c->state != SYNACK_SYN_RECEIVED) {
                c->cwnd = cwnd;
                c->ssthresh = ssthresh;
            }
        }
        return (int)ret_event(st, "setsockopt", s, 0);
    }
    if (!int_option(level, name))
        return (int)ret_event(st, "setsockopt", s, -ENOPROTOOPT);
    if ((rc = get_int(val, len, &v)) != 0)
        return (int)ret_event(st, "setsockopt", s, rc);
    if (level == SOL_SOCKET) {
        switch (name) {
        case SO_REUSEADDR:
            so->reuseaddr = v != 0;
            break;
        case SO_KEEPALIVE:
            so->keepalive = v != 0;
            if (so->lst)
                so->lst->keepalive = so->keepalive;
            if (c) {
                c->keepalive = so->keepalive;
                keepalive_changed(c);
            }
            break;
        case SO_SNDBUF:
        case SO_RCVBUF: {
            uint32_t b = v < 2048 ? 2048 : (uint32_t)v;
            if (b > (64u << 20))
                b = 64u << 20;
            if (name == SO_SNDBUF) {
                so->sndbuf = b;
                if (so->lst)
                    so->lst->sndbuf = b;
                if (c && c->x)
                    sendbuf_set_cap(&c->x->snd, &st->bufmem, b);
                else if (c)
                    c->snd_cap = b; /* idle: empty, so the change applies now */
            } else {
                so->rcvbuf = b;
                if (so->lst)
                    so->lst->rcvbuf = b;
                if (c && c->x && c->state == SYNACK_CLOSED)
                    recvbuf_set_cap(&c->x->rcv, &st->bufmem, b);
            }
            break;
        }
        default:
            rc = -ENOPROTOOPT;
        }
    } else if (level == IPPROTO_TCP) {
        switch (name) {
        case TCP_NODELAY:
            so->nodelay = v != 0;
            if (so->lst)
                so->lst->nodelay = so->nodelay;
            if (c) {
                c->nodelay = so->nodelay;
                tcp_output(c);
            }
            break;
        case TCP_MAXSEG:
            if (v < 88 || v > 65495)
                rc = -EINVAL;
            else
                so->maxseg = (uint16_t)v;
            break;
        case TCP_KEEPIDLE:
        case TCP_KEEPINTVL:
            /* Linux's limits: 1 .. 32767 seconds. */
            if (v < 1 || v > 32767) {
                rc = -EINVAL;
                break;
            }
            if (name == TCP_KEEPIDLE) {
                so->keepidle_us = (uint64_t)v * 1000000;
                if (so->lst)
                    so->lst->keepidle_us = so->keepidle_us;
                if (c && c->keep_probes == 0)
                    keepalive_changed(c);
            } else {
                so->keepintvl_us = (uint64_t)v * 1000000;
                if (so->lst)
                    so->lst->keepintvl_us = so->keepintvl_us;
            }
            break;
        case TCP_KEEPCNT:
            if (v < 1 || v > 127) {
                rc = -EINVAL;
                break;
            }
            so->keepcnt = (uint32_t)v;
            if (so->lst)
                so->lst->keepcnt = so->keepcnt;
            break;
        case TCP_USER_TIMEOUT:
            if (v < 0) {
                rc = -EINVAL;
                break;
            }
            so->user_timeout_us = (uint64_t)v * 1000;
            break;
        default:
            rc = -ENOPROTOOPT;
        }
    } else {
        rc = -ENOPROTOOPT;
    }
    return (int)ret_event(st, "setsockopt", s, rc);
}

static void fill_info(const tcp_conn *c, synack_tcp_info *i)
{
    memset(i, 0, sizeof(*i));
    i->state = (uint8_t)c->state;
    i->ca_state = c->in_recovery ? 3 : c->backoff ? 4 : 0;
    i->snd_wscale = c->snd_wscale;
    i->rcv_wscale = c->rcv_wscale;
    i->options = (uint8_t)((c->ts_ok ? 1 : 0) | (c->sack_ok ? 2 : 0) | (c->ws_ok ? 4 : 0));
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
    i->retransmits = c->backoff;
    i->total_retrans = c->total_retrans;
    i->bytes_acked = c->bytes_acked;
    i->bytes_received = c->bytes_received;
    i->segs_out = c->segs_out;
    i->segs_in = c->segs_in;
}

int synack_getsockopt(synack_stack *st, int s, int level, int name, void *val,
                      socklen_t *len)
{
    if (!st)
        return -EINVAL;
    synack_sock *so = sock_get(st, s);
    if (!so)
        return -EBADF;
    tcp_conn *c = so->conn;
    if (level == SOL_SOCKET) {
        switch (name) {
        case SO_REUSEADDR:
            return put_int(val, len, so->reuseaddr);
        case SO_KEEPALIVE:
            return put_int(val, len, so->keepalive);
        case SO_SNDBUF:
            return put_int(val, len, (int)so->sndbuf);
        case SO_RCVBUF:
            return put_int(val, len, (int)so->rcvbuf);
        case SO_TYPE:
            return put_int(val, len, SOCK_STREAM);
#ifdef SO_MAX_PACING_RATE
        case SO_MAX_PACING_RATE: {
            uint32_t r = so->max_pacing_rate ? so->max_pacing_rate : UINT32_MAX;
            if (val && len && *len >= (socklen_t)sizeof(uint64_t)) {
                uint64_t r64 = r == UINT32_MAX ? UINT64_MAX : r;
                memcpy(val, &r64, sizeof(r64));
                *len = sizeof(r64);
                return 0;
            }
            return put_int(val, len, (int)r);
        }
#endif
        case SO_ERROR: {
            int e = c ? -c->error : -take_error(so);
            if (c && e == 0 && c->soft_error) {
                /* No hard error: the last ICMP soft error, read once (as Linux). */
                e = -c->soft_error;
                c->soft_error = 0;
            }
            return put_int(val, len, e);
        }
        case SO_LINGER: {
            struct linger lg = {.l_onoff = so->linger_on, .l_linger = so->linger_s};
            if (!val || !len || *len < (socklen_t)sizeof(lg))
                return -EINVAL;
            memcpy(val, &lg, sizeof(lg));
            *len = sizeof(lg);
            return 0;
        }
        default:
            return -ENOPROTOOPT;
        }
    }
    if (level != IPPROTO_TCP)
        return -ENOPROTOOPT;
    switch (name) {
    case TCP_NODELAY:
        return put_int(val, len, so->nodelay);
    case TCP_MAXSEG:
        return put_int(val, len, c ? c->snd_mss : so->maxseg ? so->maxseg : tcp_our_mss(st, 0));
    case TCP_KEEPIDLE:
        return put_int(val, len, (int)(so->keepidle_us / 1000000));
    case TCP_KEEPINTVL:
        return put_int(val, len, (int)(so->keepintvl_us / 1000000));
    case TCP_KEEPCNT:
        return put_int(val, len, (int)so->keepcnt);
    case TCP_USER_TIMEOUT:
        return put_int(val, len, (int)(so->user_timeout_us / 1000));
    case TCP_CONGESTION: {
        char dflt[sizeof(st->cfg.cc) + 1] = {0};
        memcpy(dflt, st->cfg.cc, sizeof(st->cfg.cc));
        const char *algo = c ? c->cc->name : so->cc ? so->cc->name : dflt[0] ? dflt : "cubic";
        if (!val || !len || *len < 1)
            return -EINVAL;
        size_t n = strlen(algo) + 1;
        if (n > (size_t)*len)
            n = (size_t)*len;
        memcpy(val, algo, n);
        *len = (socklen_t)n;
        return 0;
    }
    case TCP_INFO:
    case SYNACK_TCP_INFO: {
        if (!val || !len || *len < (socklen_t)sizeof(synack_tcp_info))
            return -EINVAL;
        synack_tcp_info info;
        if (c) {
            fill_info(c, &info);
        } else {
            memset(&info, 0, sizeof(info));
            info.state = so->lst ? SYNACK_LISTEN : SYNACK_CLOSED;
        }
        memcpy(val, &info, sizeof(info));
        *len = sizeof(info);
        return 0;
    }
    default:
        return -ENOPROTOOPT;
    }
}

int synack_getsockname(synack_stack *st, int s, struct sockaddr *addr, socklen_t *len)
{
    if (!st)
        return -EINVAL;
    synack_sock *so = sock_get(st, s);
    if (!so)
        return -EBADF;
    if (!addr || !len)
        return -EINVAL;
    uint32_t ip = so->conn ? so->conn->node.key.laddr : so->laddr;
    return sin_to(addr, len, ip, so->lport);
}

int synack_getpeername(synack_stack *st, int s, struct sockaddr *addr, socklen_t *len)
{
    if (!st)
        return -EINVAL;
    synack_sock *so = sock_get(st, s);
    if (!so)
        return -EBADF;
    if (!so->conn)
        return -ENOTCONN;
    if (!addr || !len)
        return -EINVAL;
    return sin_to(addr, len, so->conn->node.key.raddr, so->conn->node.key.rport);
}

int synack_sock_poll(synack_stack *st, synack_pollfd *fds, int n)
{
    if (!st || n < 0)
        return -EINVAL;
    if (!fds && n > 0)
        return -EFAULT; /* as poll(2) */
    int ready = 0;
    for (int i = 0; i < n; i++) {
        synack_pollfd *p = &fds[i];
        synack_sock *so = sock_get(st, p->sock);
        short ev = so ? sock_ready_mask(so) : POLLNVAL;
        p->revents = (short)(ev & (p->events | POLLERR | POLLHUP | POLLNVAL));
        if (p->revents)
            ready++;
    }
    return ready;
}
