/* SPDX-License-Identifier: MIT */
/* The socket API (docs/API.md): BSD-like calls with negative-errno returns over the TCP
 * engine. This file keeps the sockets (ids, addresses and ports, the options they carry)
 * and checks the calls' arguments; what a call asks of TCP (RFC 9293 3.10.1-3.10.6: OPEN,
 * SEND, RECEIVE, CLOSE, ABORT, STATUS) goes through the tcp_usr_* layer (tcp/usrreq.c),
 * and no TCB field is touched here. */
#include <errno.h>
#include "util/sockdefs.h"
#include <string.h>

#include "stack/errqueue.h"
#include "stack/hold_api.h"
#include "stack/ready.h"
#include "stack/stack_impl.h"
#include "tcp/tcp.h"
#include "udp/udp.h"

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
#define API_ENTER(st)                                                                              \
    do {                                                                                           \
        if (!(st))                                                                                 \
            return -EINVAL;                                                                        \
        if ((st)->cb_depth > 0)                                                                    \
            return -EBUSY;                                                                         \
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
    if (base != SOCK_STREAM && base != SOCK_DGRAM)
        return -EPROTONOSUPPORT;
    if (st->sock_free < 0)
        return -EMFILE;
    int s = st->sock_free;
    synack_sock *so = &st->socks[s];
    st->sock_free = so->next_free;
    memset(so, 0, sizeof(*so));
    so->in_use = 1;
    so->next_free = -1;
    tcp_usr_knobs_init(st, &so->knobs);
    if (base == SOCK_DGRAM && udp_open(st, so) != 0) {
        memset(so, 0, sizeof(*so));
        so->next_free = st->sock_free;
        st->sock_free = s;
        return -ENOMEM;
    }
    return s;
}

int synack_socket(synack_stack *st, int type)
{
    API_ENTER(st);
    int s = sock_open(st, type);
    return (int)ret_event(st, "socket", s < 0 ? -1 : s, s);
}

int synack_socket_domain(synack_stack *st, int domain, int type)
{
    API_ENTER(st);
    int ok = domain == AF_INET || domain == SYNACK_AF_INET6;
    int s = ok ? sock_open(st, type) : -EAFNOSUPPORT;
    if (s >= 0)
        st->socks[s].v6 = domain == SYNACK_AF_INET6;
    return (int)ret_event(st, "socket", s < 0 ? -1 : s, s);
}

int synack_socket_proto(synack_stack *st, int domain, int type, int proto)
{
    if (proto == 0)
        return synack_socket_domain(st, domain, type);
    API_ENTER(st);
    int base = type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC);
    int s;
    if (domain != AF_INET && domain != SYNACK_AF_INET6)
        s = -EAFNOSUPPORT;
    else if (base != SOCK_DGRAM ||
             proto != (domain == AF_INET ? SYNACK_IPPROTO_ICMP : SYNACK_IPPROTO_ICMPV6))
        s = -EPROTONOSUPPORT; /* as Linux's inet_create: no such (type, protocol) pair */
    else
        s = sock_open(st, type);
    if (s >= 0) {
        st->socks[s].v6 = domain == SYNACK_AF_INET6;
        /* an IPv6 echo socket speaks only ICMPv6, as Linux's (no mapped addresses) */
        st->socks[s].v6only = st->socks[s].v6;
        st->socks[s].udp->ping = 1;
    }
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
    udp_release(st, s);
    sock_ready_forget(st, s); /* a closed socket leaves the ready list */
    sock_errq_free(st, so);
    sock_left_free(st, so);
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

void sock_conn_gone(synack_stack *st, int s, int err)
{
    synack_sock *so = &st->socks[s];
    if (so->conn) {
        synack_tcp_info info;
        tcp_usr_fill_info(so->conn, &info);
        so->gone_options = info.options;
    }
    so->conn = NULL;
    so->was_connected = 1;
    if (err && !so->error)
        so->error = err;
    sock_errq_conn_gone(st, s);
    sock_ready_raise(st, s, POLLIN | POLLOUT | POLLHUP | POLLERR);
}

void sock_keep_data(synack_stack *st, int s, recvbuf *rb)
{
    synack_sock *so = &st->socks[s];
    if (so->left)
        return; /* one connection per socket: cannot happen */
    recvbuf *k = stack_alloc(st, sizeof(*k));
    if (!k)
        return; /* counted (NoMemory) by stack_alloc */
    *k = *rb;   /* the storage moves with it */
    recvbuf_init(rb, rb->cap);
    so->left = k;
}

void sock_left_free(synack_stack *st, synack_sock *so)
{
    if (!so->left)
        return;
    recvbuf_free(so->left, &st->bufmem);
    stack_free(st, so->left, sizeof(*so->left));
    so->left = NULL;
}

/* Consumes n kept bytes (copied to buf unless NULL or peek); frees them once read. */
static uint32_t left_read(synack_stack *st, synack_sock *so, void *buf, uint32_t n, int peek)
{
    if (peek)
        return recvbuf_peek(so->left, buf, n);
    uint32_t got = recvbuf_read(so->left, buf, n);
    if (recvbuf_ready(so->left) == 0)
        sock_left_free(st, so);
    return got;
}

/* Can socket `self` take lport? (-EADDRINUSE unless free; SO_REUSEADDR lets it share with
 * TIME-WAIT and, as in Linux, with connections when no listener holds the port.) */
static int port_available(synack_stack *st, int self, uint16_t lport, int reuse)
{
    for (uint32_t i = 0; i < st->cfg.max_sockets; i++) {
        synack_sock *o = &st->socks[i];
        if ((int)i == self || !o->in_use || !o->bound || o->lport != lport || o->udp)
            continue; /* UDP's ports are its own */
        if (o->lst || !reuse || !o->reuseaddr)
            return -EADDRINUSE;
    }
    if (!reuse && tcp_usr_port_used(st, lport))
        return -EADDRINUSE;
    return 0;
}

/* A free local port: for a connection to `to` (its laddr/raddr/rport set; lport is
 * tried), or with `to` NULL for bind() and listen(). */
static int pick_ephemeral(synack_stack *st, int self, const synack_endpoints *to)
{
    /* RFC 6056 3.3.2-style: a random starting point, then a linear search. */
    uint32_t lo = st->cfg.ephemeral_lo, span = (uint32_t)st->cfg.ephemeral_hi - lo + 1;
    uint32_t start = rng_below(&st->rng, span);
    for (uint32_t i = 0; i < span; i++) {
        uint16_t port = (uint16_t)(lo + (start + i) % span);
        if (to) {
            synack_endpoints ep = *to;
            ep.lport = port;
            if (tcp_usr_tuple_used(st, &ep))
                continue;
        }
        /* Connected sockets share ephemeral ports as long as their 4-tuples differ (as in
         * Linux); a port some socket bound explicitly, or a listener's, is left alone. */
        if (port_bit(st, port) || tcp_usr_listening(st, st->cfg.netif.addr, port))
            continue;
        if (!to && port_available(st, self, port, 0) != 0)
            continue; /* bind(port 0)/listen(): the port must be wholly unused */
        return port;
    }
    return -EADDRNOTAVAIL;
}

/* Whether a6 is one of our addresses in use: netif.addr6, an added one or (Ethernet) the
 * link-local one (RFC 4862 5.4: not while tentative, DAD under way, nor once found a
 * duplicate). */
int sock_ours6(const synack_stack *st, const uint8_t a6[16])
{
    ipv6_addr a;
    memcpy(a.b, a6, 16);
    return ip6_ours_unicast(st, &a);
}

/* Whether an AF_INET6 socket may bind a6: :: or one of our addresses (IP_FREEBIND is
 * IPv4's for now). */
static int bindable6(const synack_stack *st, const uint8_t a6[16])
{
    static const uint8_t zero[16];
    return memcmp(a6, zero, 16) == 0 || sock_ours6(st, a6);
}

int synack_bind(synack_stack *st, int s, const struct sockaddr *addr, socklen_t len)
{
    API_ENTER(st);
    synack_sock *so = sock_get(st, s);
    if (!so)
        return (int)ret_event(st, "bind", s, -EBADF);
    sock_addr a;
    int rc = sock_addr_from(so, addr, len, &a);
    uint32_t ip = a.v4;
    uint16_t port = a.port;
    if (rc == 0 && so->udp)
        return (int)ret_event(st, "bind", s,
                              so->v6 ? udp_bind6(st, s, &a) : udp_bind(st, s, ip, port));
    if (rc == 0 && (so->bound || so->conn || so->lst))
        rc = -EINVAL;
    if (rc == 0 && a.mapped && so->v6only)
        rc = -EINVAL; /* as Linux: a v6-only socket cannot take an IPv4 address */
    if (rc == 0 && a.v6 && !bindable6(st, a.a6))
        rc = -EADDRNOTAVAIL;
    if (rc == 0 && !a.v6 && ip != 0 && ip != st->cfg.netif.addr && !so->freebind)
        rc = -EADDRNOTAVAIL;
    if (rc == 0 && port == 0) {
        int p = pick_ephemeral(st, s, NULL);
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
        so->bound6 = a.v6 && sock_ours6(st, a.a6);
        if (so->bound6)
            memcpy(so->laddr6, a.a6, 16);
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
    if (so->udp)
        return (int)ret_event(st, "listen", s, -EOPNOTSUPP);
    if (so->conn || so->was_connected)
        return (int)ret_event(st, "listen", s, -EINVAL);
    uint32_t bl = backlog < 1 ? 1 : (uint32_t)backlog;
    if (bl > st->cfg.max_accept_backlog)
        bl = st->cfg.max_accept_backlog;
    if (so->lst) { /* listen() again changes the backlog, as in Linux */
        tcp_usr_listen_backlog(so->lst, bl);
        return (int)ret_event(st, "listen", s, 0);
    }
    if (!so->bound) {
        int p = pick_ephemeral(st, s, NULL);
        if (p < 0)
            return (int)ret_event(st, "listen", s, p);
        so->bound = 1;
        so->lport = (uint16_t)p;
        mark_explicit(st, so);
    }
    if (so->catch_all && (so->v6 ? st->catch_all6 : st->catch_all))
        return (int)ret_event(st, "listen", s, -EADDRINUSE); /* one per family and stack */
    int rc = tcp_usr_listen(st, s, &so->knobs, so->laddr, so->lport, bl, &so->lst);
    if (rc == 0 && so->v6)
        tcp_usr_listen_v6(so->lst, so->v6only, so->bound6);
    if (rc == 0)
        rc = sock_hold_listen(st, so);
    return (int)ret_event(st, "listen", s, rc);
}

int synack_accept(synack_stack *st, int s, struct sockaddr *addr, socklen_t *len)
{
    API_ENTER(st);
    synack_sock *so = sock_get(st, s);
    if (!so)
        return (int)ret_event(st, "accept", s, -EBADF);
    if (so->udp)
        return (int)ret_event(st, "accept", s, -EOPNOTSUPP);
    if (!so->lst || (addr && !len)) /* no room to say how long the address is */
        return (int)ret_event(st, "accept", s, -EINVAL);
    if (!tcp_usr_accept_ready(so->lst))
        return (int)ret_event(st, "accept", s, -EAGAIN);
    if (st->sock_free < 0)
        return (int)ret_event(st, "accept", s, -EMFILE);
    int ns = sock_open(st, SOCK_STREAM);
    stack_app_event(st, "socket", ns, ns); /* the trace shows the new socket, as before */
    synack_sock *nso = &st->socks[ns];
    tcp_conn *c = tcp_usr_accept(so->lst, ns, &nso->knobs);
    synack_endpoints ep;
    tcp_usr_endpoints(c, &ep);
    nso->bound = 1;
    nso->reuseaddr = so->reuseaddr; /* inherited, as Linux's accept(): a later SO_REUSEADDR
                                       listener may share the port with it */
    nso->laddr = ep.laddr;
    nso->lport = ep.lport;
    nso->v6 = so->v6; /* the listener's family, an IPv4 peer shown as ::ffff:a.b.c.d */
    nso->v6only = so->v6only;
    nso->bound6 = tcp_ep_v6(&ep);
    memcpy(nso->laddr6, ep.laddr6, 16);
    nso->conn = c;
    /* reset while queued: gone now, nso left as any reset socket */
    tcp_listen_accepted(c, &nso->gone_options);
    if (sock_errq_inherit(st, ns, so) != 0) { /* SO_ZEROCOPY, SO_TIMESTAMPING */
        synack_close(st, ns);
        return (int)ret_event(st, "accept", s, -ENOMEM);
    }
    sock_addr peer;
    sock_addr_of(&ep, 1, &peer);
    sock_addr_to(nso, addr, len, &peer);
    return (int)ret_event(st, "accept", s, ns);
}

/* The 4-tuple an active open from socket so to `to` uses, in to's family (an ephemeral
 * port if it is not bound): 0, or -EADDRNOTAVAIL. */
static int connect_endpoints(synack_stack *st, int s, const synack_sock *so, const sock_addr *to,
                             synack_endpoints *ep)
{
    if (to->v6) {
        *ep = (synack_endpoints){.family = SYNACK_AF_INET6, .rport = to->port};
        /* bound: its address; else RFC 6724 5's choice among those in use */
        if (so->bound6)
            memcpy(ep->laddr6, so->laddr6, 16);
        else if (ip6_select_src(st, to->a6, ep->laddr6) != 0)
            return -EADDRNOTAVAIL;
        memcpy(ep->raddr6, to->a6, 16);
    } else {
        *ep = (synack_endpoints){.laddr = st->cfg.netif.addr, .raddr = to->v4, .rport = to->port};
    }
    ep->lport = so->lport;
    if (!so->bound) {
        int p = pick_ephemeral(st, s, ep);
        if (p < 0)
            return p;
        ep->lport = (uint16_t)p;
    }
    return 0;
}

/* Whether an active open may go to `to` (an address sock_addr_from accepted): 0, or
 * -EINVAL (no address or port), -ENETUNREACH (IPv4 on a v6-only socket, as Linux, or
 * without an IPv4 address; IPv6 without an IPv6 address or to a multicast one),
 * -EADDRNOTAVAIL (a socket bound to one family's address connecting to the other). */
static int connect_check(const synack_stack *st, const synack_sock *so, const sock_addr *to)
{
    static const uint8_t zero[16];
    if (to->port == 0 || (to->v6 ? memcmp(to->a6, zero, 16) == 0 : to->v4 == 0))
        return -EINVAL;
    if (so->bound && (to->v6 ? so->laddr != 0 : so->bound6))
        return -EADDRNOTAVAIL;
    if (to->mapped && so->v6only)
        return -ENETUNREACH;
    if (!to->v6 && st->cfg.netif.addr == 0)
        return -ENETUNREACH; /* IPv6-only: no IPv4 route, as Linux with no IPv4 address */
    if (to->v6 && (!ip6_on(st) || to->a6[0] == 0xff))
        return -ENETUNREACH;
    uint8_t src6[16];
    if (to->v6 && (so->bound6 ? !sock_ours6(st, so->laddr6) : ip6_select_src(st, to->a6, src6)))
        return -EADDRNOTAVAIL; /* RFC 4862 5.4: tentative (DAD under way) or a duplicate */
    return 0;
}

/* After an active open: the socket holds the port, if the open made a connection. */
static void connected(synack_sock *so, const synack_endpoints *ep)
{
    if (!so->conn)
        return;
    so->bound = 1;
    so->lport = ep->lport;
    so->laddr = ep->laddr;
    so->bound6 = tcp_ep_v6(ep);
    memcpy(so->laddr6, ep->laddr6, 16);
    so->error = 0;
    so->was_connected = 0;
    so->gone_options = 0;
}

int synack_connect(synack_stack *st, int s, const struct sockaddr *addr, socklen_t len)
{
    API_ENTER(st);
    synack_sock *so = sock_get(st, s);
    if (!so)
        return (int)ret_event(st, "connect", s, -EBADF);
    if (so->udp)
        return (int)ret_event(st, "connect", s, udp_connect(st, s, addr, len));
    if (so->lst)
        return (int)ret_event(st, "connect", s, -EINVAL);
    if (so->conn)
        return (int)ret_event(st, "connect", s, tcp_usr_connect_again(so->conn));
    sock_addr to;
    int rc = sock_addr_from(so, addr, len, &to);
    if (rc == 0)
        rc = connect_check(st, so, &to);
    if (rc)
        return (int)ret_event(st, "connect", s, rc);
    synack_endpoints ep;
    rc = connect_endpoints(st, s, so, &to, &ep);
    if (rc)
        return (int)ret_event(st, "connect", s, rc);
    /* TCP_FASTOPEN_CONNECT: the SYN waits for the first send when a cookie is at hand. */
    if (so->fo_connect && (st->cfg.fastopen_client & SYNACK_TFO_CLIENT_ENABLE))
        rc = tcp_usr_connect_defer(st, s, &so->knobs, &ep, so->fo_no_cookie, &so->conn);
    else
        rc = tcp_usr_connect(st, s, &so->knobs, &ep, &so->conn);
    connected(so, &ep);
    return (int)ret_event(st, "connect", s, rc);
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
    if (so->udp)
        return -EOPNOTSUPP; /* the zero-copy calls are TCP's */
    tcp_conn *c = so->conn;
    if (!c)
        return so->error ? take_error(so) : so->was_connected ? -EPIPE : -ENOTCONN;
    if (tcp_usr_deferred(c)) {
        /* A zero-copy send on a TCP_FASTOPEN_CONNECT socket: its SYN (with the cookie, no
         * data) goes now, so the data queued behind it cannot wait for a send that may never
         * come. */
        (void)tcp_usr_send_deferred(c, so->fo_no_cookie, NULL, 0);
    }
    int rc = tcp_usr_send_check(c);
    if (rc == 0)
        *cp = c;
    return rc;
}

/* A send that could not take everything: the next opening of send space is an edge
 * (POLLOUT) for synack_sock_ready(), as Linux's SOCK_NOSPACE. */
static void note_full(synack_stack *st, int s)
{
    synack_sock *so = sock_get(st, s);
    if (!so)
        return;
    so->nospace = 1;
    if (so->conn)
        tcp_chrono_sndbuf_check(so->conn); /* TCP_INFO sndbuf_limited */
}

ssize_t synack_send_reserve(synack_stack *st, int s, void **buf, size_t want)
{
    API_ENTER(st);
    tcp_conn *c = NULL;
    long rc = send_allowed(st, s, &c);
    if (rc == 0 && !buf)
        rc = -EFAULT;
    if (rc == 0)
        rc = tcp_usr_send_reserve(c, want, buf);
    if (rc == -EAGAIN || (rc >= 0 && (size_t)rc < want))
        note_full(st, s);
    return ret_event(st, "send_reserve", s, rc);
}

ssize_t synack_send_commit(synack_stack *st, int s, size_t n)
{
    API_ENTER(st);
    tcp_conn *c = NULL;
    long rc = send_allowed(st, s, &c);
    if (rc == 0)
        rc = tcp_usr_send_commit(c, n);
    return ret_event(st, "send_commit", s, rc);
}

/* Flags a call honours; anything else is refused rather than ignored. Calls never block
 * and never raise SIGPIPE, so MSG_DONTWAIT and MSG_NOSIGNAL are what they always do.
 * MSG_OOB: urgent data (RFC 9293 3.8.5, tcp/urgent.c). */
static long check_flags(synack_stack *st, int s, int flags, int allowed)
{
    if (!sock_get(st, s))
        return -EBADF;
    if (flags & ~allowed)
        return -EINVAL;
    return 0;
}

#define SEND_FLAGS                                                                                 \
    (MSG_DONTWAIT | MSG_NOSIGNAL | MSG_EOR | MSG_MORE | SYNACK_MSG_ZEROCOPY | MSG_FASTOPEN |       \
     SYNACK_MSG_WAITOPEN | MSG_OOB)
#define RECV_FLAGS (MSG_DONTWAIT | MSG_PEEK | MSG_OOB)

/* sendto(MSG_FASTOPEN) on a socket without a connection: connect with data in the SYN
 * (RFC 7413). The checks come in Linux's order (tcp_sendmsg_fastopen, then connect's). */
static long fastopen_connect(synack_stack *st, int s, synack_sock *so, const void *buf, size_t len,
                             const struct sockaddr *addr, socklen_t addrlen)
{
    if (!(st->cfg.fastopen_client & SYNACK_TFO_CLIENT_ENABLE))
        return -EOPNOTSUPP;
    if (addr && addrlen >= (socklen_t)sizeof(sa_family_t)) {
        sa_family_t fam;
        memcpy(&fam, addr, sizeof(fam));
        if (fam == 0) /* AF_UNSPEC */
            return -EOPNOTSUPP;
    }
    if (so->lst)
        return -EINVAL;
    if (!buf && len)
        return -EFAULT;
    sock_addr to;
    long rc = sock_addr_from(so, addr, addrlen, &to);
    if (rc == 0)
        rc = connect_check(st, so, &to);
    synack_endpoints ep;
    if (rc == 0)
        rc = connect_endpoints(st, s, so, &to, &ep);
    if (rc)
        return rc;
    rc = tcp_usr_connect_fo(st, s, &so->knobs, &ep, so->fo_no_cookie, buf, len, &so->conn);
    connected(so, &ep);
    return rc;
}

/* After a Fast Open call sent the SYN with rc bytes (or -EINPROGRESS): a caller that
 * waits for the handshake (SYNACK_MSG_WAITOPEN) and has data left will send it then. */
static long fo_sent(synack_sock *so, int flags, size_t len, long rc)
{
    if ((flags & SYNACK_MSG_WAITOPEN) && so->conn &&
        (rc == -EINPROGRESS ? len > 0 : rc >= 0 && (size_t)rc < len))
        tcp_usr_write_pending(so->conn);
    return rc;
}

/* send() and sendto(); `call` names the one in the trace. */
static long send_to(synack_stack *st, int s, const void *buf, size_t len, int flags,
                    const struct sockaddr *addr, socklen_t addrlen, const char *call)
{
    tcp_conn *c = NULL;
    if (sock_get(st, s) && st->socks[s].udp)
        return ret_event(st, call, s, udp_sendto(st, s, buf, len, flags, NULL, 0, addr, addrlen));
    long rc = check_flags(st, s, flags, SEND_FLAGS);
    synack_sock *so = rc == 0 ? sock_get(st, s) : NULL;
    int errq = 0;
    if (so && (flags & MSG_FASTOPEN) && !so->conn && !so->was_connected) {
        /* Data that rides on the SYN is tracked as any send's (MSG_ZEROCOPY, timestamps);
         * none is when the SYN goes without it (-EINPROGRESS), as on Linux. */
        rc = sock_errq_pre_send(so, flags, &errq);
        if (rc == 0)
            rc = fastopen_connect(st, s, so, buf, len, addr, addrlen);
        if (rc > 0 && errq)
            sock_errq_post_send(st, s, flags);
        return ret_event(st, call, s, fo_sent(so, flags, len, rc));
    }
    if (so && so->conn && tcp_usr_deferred(so->conn)) {
        /* TCP_FASTOPEN_CONNECT's connect() left the SYN for this send. */
        rc = !buf && len ? -EFAULT : sock_errq_pre_send(so, flags, &errq);
        if (rc == 0)
            rc = tcp_usr_send_deferred(so->conn, so->fo_no_cookie, buf, len);
        if (rc > 0 && errq)
            sock_errq_post_send(st, s, flags);
        return ret_event(st, call, s, fo_sent(so, flags, len, rc));
    }
    if (so && (flags & MSG_FASTOPEN) && so->conn && tcp_usr_opening(so->conn))
        return ret_event(st, call, s, -EALREADY);
    if (rc == 0)
        rc = send_allowed(st, s, &c);
    if (rc == -EAGAIN)
        note_full(st, s);
    if (rc)
        return ret_event(st, call, s, rc);
    if (len == 0)
        return ret_event(st, call, s, 0);
    if (!buf)
        return ret_event(st, call, s, -EFAULT);
    rc = sock_errq_pre_send(&st->socks[s], flags, &errq);
    if (rc)
        return ret_event(st, call, s, rc);
    long n = tcp_usr_send(c, buf, len, flags & (MSG_EOR | MSG_MORE | MSG_OOB));
    if (n == -EAGAIN || (n > 0 && (size_t)n < len))
        note_full(st, s);
    if (n > 0 && errq)
        sock_errq_post_send(st, s, flags);
    return ret_event(st, call, s, n);
}

ssize_t synack_sendto(synack_stack *st, int s, const void *buf, size_t len, int flags,
                      const struct sockaddr *addr, socklen_t addrlen)
{
    API_ENTER(st);
    return send_to(st, s, buf, len, flags, addr, addrlen, "sendto");
}

ssize_t synack_send(synack_stack *st, int s, const void *buf, size_t len, int flags)
{
    API_ENTER(st);
    return send_to(st, s, buf, len, flags, NULL, 0, "send");
}

/* Whether there is something to read: 1 with *cp set (data ready), 2 (data kept from a
 * reset connection, so->left), or 0 (end of stream), or the negative errno (-EAGAIN when
 * nothing is ready yet). */
static long recv_ready(synack_stack *st, int s, tcp_conn **cp)
{
    synack_sock *so = sock_get(st, s);
    if (!so)
        return -EBADF;
    if (so->udp)
        return -EOPNOTSUPP; /* the zero-copy calls are TCP's */
    tcp_conn *c = so->conn;
    if (!c && so->left)
        return 2;
    if (!c)
        return so->error ? take_error(so) : so->was_connected ? 0 : -ENOTCONN;
    int rc = tcp_usr_recv_check(c, so->shut_rd);
    if (rc == 1)
        *cp = c;
    return rc;
}

ssize_t synack_recv_borrow(synack_stack *st, int s, const void **data)
{
    API_ENTER(st);
    tcp_conn *c = NULL;
    long rc = recv_ready(st, s, &c);
    synack_sock *so = sock_get(st, s);
    if (rc == 1) {
        rc = !data ? -EFAULT : tcp_usr_recv_borrow(c, data);
    } else if (rc == 2) {
        const uint8_t *p = NULL;
        rc = !data ? -EFAULT : (long)recvbuf_contig(so->left, &p);
        if (data)
            *data = p;
    }
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
    if (rc == 1)
        rc = tcp_usr_recv_release(c, n);
    else if (rc == 2)
        rc = n > recvbuf_ready(so->left) ? -EINVAL : (long)left_read(st, so, NULL, (uint32_t)n, 0);
    else if (rc == 0 && n > 0) {
        rc = -EINVAL;
    }
    return ret_event(st, "recv_release", s, rc);
}

ssize_t synack_recv(synack_stack *st, int s, void *buf, size_t len, int flags)
{
    API_ENTER(st);
    if (sock_get(st, s) && st->socks[s].udp)
        return ret_event(st, "recv", s,
                         udp_recvfrom(st, s, buf, len, flags, NULL, NULL, NULL, NULL, NULL));
    tcp_conn *c = NULL;
    long rc = check_flags(st, s, flags, RECV_FLAGS);
    if (rc == 0 && !buf && len > 0)
        rc = -EFAULT;
    if (rc == 0 && (flags & MSG_OOB)) { /* the urgent byte, apart from the stream */
        synack_sock *so = sock_get(st, s);
        if (so->conn) {
            so->recv_lent = 0;
            rc = tcp_urg_recv_oob(so->conn, buf, len, (flags & MSG_PEEK) != 0);
        } else {
            rc = so->lst ? -ENOTCONN : -EINVAL; /* Linux checks LISTEN before urgent data */
        }
        return ret_event(st, "recv", s, rc);
    }
    if (rc == 0)
        rc = recv_ready(st, s, &c);
    if (rc != 1 && rc != 2)
        return ret_event(st, "recv", s, rc);
    synack_sock *so = sock_get(st, s);
    uint32_t ready = rc == 2 ? recvbuf_ready(so->left) : tcp_usr_readable(c);
    if (len == 0)
        return ret_event(st, "recv", s, 0);
    if (!buf)
        return ret_event(st, "recv", s, -EFAULT);
    uint32_t want = len > ready ? ready : (uint32_t)len;
    if (!(flags & MSG_PEEK))
        so->recv_lent = 0; /* the borrowed bytes are gone */
    uint32_t n = rc == 2 ? left_read(st, so, buf, want, (flags & MSG_PEEK) != 0)
                         : tcp_usr_recv(c, buf, want, (flags & MSG_PEEK) != 0);
    return ret_event(st, "recv", s, (long)n);
}

ssize_t synack_recvfrom(synack_stack *st, int s, void *buf, size_t len, int flags,
                        struct sockaddr *src, socklen_t *srclen)
{
    API_ENTER(st);
    if (!sock_get(st, s) || !st->socks[s].udp) {
        if (srclen) /* a stream has no per-read source (Linux leaves msg_namelen 0) */
            *srclen = 0;
        return synack_recv(st, s, buf, len, flags);
    }
    return ret_event(st, "recvfrom", s,
                     udp_recvfrom(st, s, buf, len, flags, src, srclen, NULL, NULL, NULL));
}

ssize_t synack_recvfrom_to(synack_stack *st, int s, void *buf, size_t len, int flags,
                           struct sockaddr *src, socklen_t *srclen, struct sockaddr *dst,
                           socklen_t *dstlen)
{
    API_ENTER(st);
    synack_sock *so = sock_get(st, s);
    long rc = !so        ? -EBADF
              : !so->udp ? -EOPNOTSUPP
                         : udp_recvfrom(st, s, buf, len, flags, src, srclen, dst, dstlen, NULL);
    return ret_event(st, "recvfrom", s, rc);
}

ssize_t synack_recvfrom_info(synack_stack *st, int s, void *buf, size_t len, int flags,
                             struct sockaddr *src, socklen_t *srclen, synack_recv_info *info)
{
    API_ENTER(st);
    synack_sock *so = sock_get(st, s);
    if (info)
        memset(info, 0, sizeof(*info));
    long rc = !so        ? -EBADF
              : !so->udp ? -EOPNOTSUPP
                         : udp_recvfrom(st, s, buf, len, flags, src, srclen, NULL, NULL, info);
    return ret_event(st, "recvfrom", s, rc);
}

ssize_t synack_sendto_from(synack_stack *st, int s, const void *buf, size_t len, int flags,
                           const struct sockaddr *from, socklen_t fromlen,
                           const struct sockaddr *to, socklen_t tolen)
{
    API_ENTER(st);
    synack_sock *so = sock_get(st, s);
    long rc = !so        ? -EBADF
              : !so->udp ? -EOPNOTSUPP
              : !from    ? -EINVAL
                         : udp_sendto(st, s, buf, len, flags, from, fromlen, to, tolen);
    return ret_event(st, "sendto", s, rc);
}

int synack_udp_unreach(synack_stack *st, int s, const struct sockaddr *client, socklen_t clientlen,
                       const struct sockaddr *dst, socklen_t dstlen, int code)
{
    API_ENTER(st);
    synack_sock *so = sock_get(st, s);
    long rc = !so        ? -EBADF
              : !so->udp ? -EOPNOTSUPP
                         : udp_unreach(st, s, client, clientlen, dst, dstlen, code);
    return (int)ret_event(st, "udp_unreach", s, rc);
}

int synack_recv_inq(synack_stack *st, int s)
{
    if (!st)
        return -EINVAL;
    synack_sock *so = sock_get(st, s);
    if (!so)
        return -EBADF;
    if (so->udp)
        return -EOPNOTSUPP;
    if (so->lst)
        return -EINVAL;
    if (!so->conn)
        return so->was_connected ? 1 : -ENOTCONN;
    uint32_t n = tcp_usr_inq(so->conn);
    return n > INT32_MAX ? INT32_MAX : (int)n;
}

int synack_sockatmark(synack_stack *st, int s)
{
    if (!st)
        return -EINVAL;
    synack_sock *so = sock_get(st, s);
    if (!so)
        return -EBADF;
    if (so->lst)
        return -EINVAL;
    return so->conn ? tcp_urg_atmark(so->conn) : 0;
}

int synack_shutdown(synack_stack *st, int s, int how)
{
    API_ENTER(st);
    synack_sock *so = sock_get(st, s);
    if (!so)
        return (int)ret_event(st, "shutdown", s, -EBADF);
    if (how != SHUT_RD && how != SHUT_WR && how != SHUT_RDWR)
        return (int)ret_event(st, "shutdown", s, -EINVAL);
    if (so->udp) { /* Linux: a connected datagram socket; SHUT_RD ends its reads */
        if (!udp_connected(so->udp))
            return (int)ret_event(st, "shutdown", s, -ENOTCONN);
        if (how != SHUT_WR)
            so->shut_rd = 1;
        sock_ready_raise(st, s, POLLIN);
        return (int)ret_event(st, "shutdown", s, 0);
    }
    tcp_conn *c = so->conn;
    if (!c)
        return (int)ret_event(st, "shutdown", s, -ENOTCONN);
    if (how == SHUT_RD || how == SHUT_RDWR)
        so->shut_rd = 1;
    if (how == SHUT_WR || how == SHUT_RDWR)
        tcp_usr_shutdown(c);
    return (int)ret_event(st, "shutdown", s, 0);
}

int synack_close(synack_stack *st, int s)
{
    API_ENTER(st);
    synack_sock *so = sock_get(st, s);
    if (!so)
        return (int)ret_event(st, "close", s, -EBADF);
    /* A connection's close with SO_LINGER {1,T>0} owes one "linger" event: now, after
     * close's own, when nothing is left to wait for; else when the FIN is acknowledged,
     * the connection ends or T runs out (tcp/linger.h). */
    int lingers = so->conn && so->knobs.linger_on && so->knobs.linger_s != 0;
    long linger = 0;
    if (so->lst)
        tcp_usr_listen_close(st, so->lst);
    else if (so->conn)
        linger = tcp_usr_close(so->conn, s); /* before the socket and the knobs it lends go */
    sock_release(st, s);
    if (!lingers || linger == 1)
        return (int)ret_event(st, "close", s, 0);
    stack_app_event(st, "close", s, 0);
    ret_event(st, "linger", s, linger);
    return 0;
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
               name == SO_RCVBUF || name == SO_OOBINLINE;
    if (level == IPPROTO_TCP)
        return name == TCP_NODELAY || name == TCP_MAXSEG || name == TCP_KEEPIDLE ||
               name == TCP_KEEPINTVL || name == TCP_KEEPCNT || name == TCP_USER_TIMEOUT ||
               name == TCP_CORK || name == TCP_NOTSENT_LOWAT || name == TCP_INQ ||
               name == TCP_SYNCNT || name == SYNACK_TCP_ECN || name == SYNACK_TCP_TIMESTAMPS;
    return 0;
}

/* A knob of the socket changed: its listener takes the new set, its connection applies
 * the one that changed. */
static int knob_changed(synack_sock *so, tcp_knob which)
{
    if (so->lst)
        tcp_usr_listen_knobs(so->lst, &so->knobs);
    return so->conn ? tcp_usr_knob_changed(so->conn, which) : 0;
}

/* SO_SNDBUF/SO_RCVBUF: bytes, clamped to 2 KiB..64 MiB. */
static uint32_t clamp_buf(int v)
{
    uint32_t b = v < 2048 ? 2048 : (uint32_t)v;
    return b > (64u << 20) ? 64u << 20 : b;
}

/* An int-valued TCP knob (not SO_REUSEADDR): stores it in the socket's knobs and says
 * which changed. 0, or -EINVAL for a value out of range. */
static int set_int_knob(tcp_knobs *k, int level, int name, int v, tcp_knob *which)
{
    if (level == SOL_SOCKET) {
        switch (name) {
        case SO_KEEPALIVE:
            k->keepalive = v != 0;
            *which = TK_KEEPALIVE;
            return 0;
        case SO_SNDBUF:
            k->sndbuf = clamp_buf(v);
            *which = TK_SNDBUF;
            return 0;
        case SO_OOBINLINE:
            k->oobinline = v != 0;
            *which = TK_OOBINLINE;
            return 0;
        default: /* SO_RCVBUF (int_option) */
            k->rcvbuf = clamp_buf(v);
            *which = TK_RCVBUF;
            return 0;
        }
    }
    switch (name) {
    case TCP_NODELAY:
        k->nodelay = v != 0;
        *which = TK_NODELAY;
        return 0;
    case TCP_MAXSEG:
        if (v < 88 || v > 65495)
            return -EINVAL;
        k->maxseg = (uint16_t)v;
        *which = TK_MAXSEG;
        return 0;
    case TCP_KEEPIDLE:
    case TCP_KEEPINTVL:
        /* Linux's limits: 1 .. 32767 seconds. */
        if (v < 1 || v > 32767)
            return -EINVAL;
        if (name == TCP_KEEPIDLE) {
            k->keepidle_us = (uint64_t)v * 1000000;
            *which = TK_KEEPIDLE;
        } else {
            k->keepintvl_us = (uint64_t)v * 1000000;
            *which = TK_KEEPINTVL;
        }
        return 0;
    case TCP_KEEPCNT:
        if (v < 1 || v > 127)
            return -EINVAL;
        k->keepcnt = (uint32_t)v;
        *which = TK_KEEPCNT;
        return 0;
    case TCP_CORK:
        k->cork = v != 0;
        *which = TK_CORK;
        return 0;
    case TCP_NOTSENT_LOWAT:
        /* unsigned, as Linux reads it; 0 falls back to the stack's (cfg.notsent_lowat) */
        k->notsent_lowat = (uint32_t)v;
        *which = TK_NOTSENT_LOWAT;
        return 0;
    case TCP_INQ:
        if (v < 0 || v > 1)
            return -EINVAL; /* Linux's range */
        k->inq = (uint8_t)v;
        *which = TK_LINGER; /* nothing for the connection to apply */
        return 0;
    case TCP_SYNCNT: /* Linux's limits: 1 .. 127 */
        if (v < 1 || v > 127)
            return -EINVAL;
        k->syncnt = (uint8_t)v;
        *which = TK_SYNCNT;
        return 0;
    case SYNACK_TCP_ECN:
        if (v < 0 || v > 2)
            return -EINVAL;
        k->ecn = (uint8_t)v;
        *which = TK_ECN; /* read at the next handshake: nothing to apply */
        return 0;
    case SYNACK_TCP_TIMESTAMPS:
        if (v < 0 || v > 1)
            return -EINVAL;
        k->timestamps = (uint8_t)v;
        *which = TK_TIMESTAMPS; /* idem */
        return 0;
    default: /* TCP_USER_TIMEOUT (int_option) */
        if (v < 0)
            return -EINVAL;
        k->user_timeout_us = (uint64_t)v * 1000;
        *which = TK_USER_TIMEOUT;
        return 0;
    }
}

/* IP_RECVERR / IPV6_RECVERR: only UDP and echo sockets have ICMP errors to queue (TCP
 * reports them as its soft error). Clearing it empties nothing, as Linux's. */
static int set_recverr(synack_sock *so, int v)
{
    if (!so->udp)
        return -ENOPROTOOPT;
    so->udp->recverr = v != 0;
    return 0;
}

/* IP_RECVTTL / IPV6_RECVHOPLIMIT: only datagrams carry the value (synack_recvfrom_info);
 * on TCP, whose bytes come with no control messages, the option is missing. */
static int set_recv_hops(synack_sock *so, int name, int v)
{
    if (!so->udp)
        return -ENOPROTOOPT;
    if (name == SYNACK_IP_RECVTTL)
        so->udp->recvttl = v != 0;
    else
        so->udp->rxhlim = v != 0;
    return 0;
}

/* IPPROTO_IPV6 options of an AF_INET6 socket: IPV6_V6ONLY, settable until the socket has
 * a port (as Linux: -EINVAL after bind, listen or connect). */
static int set_ipv6_option(synack_sock *so, int name, const void *val, socklen_t len)
{
    if (!so->v6 || (name != SYNACK_IPV6_V6ONLY && name != SYNACK_IPV6_RECVERR &&
                    name != SYNACK_IPV6_UNICAST_HOPS && name != SYNACK_IPV6_RECVHOPLIMIT))
        return -ENOPROTOOPT;
    int v;
    int rc = get_int(val, len, &v);
    if (rc)
        return rc;
    if (name == SYNACK_IPV6_RECVERR)
        return set_recverr(so, v);
    if (name == SYNACK_IPV6_RECVHOPLIMIT)
        return set_recv_hops(so, name, v);
    if (name == SYNACK_IPV6_UNICAST_HOPS) {
        /* read when a packet is built; 0 is a valid hop limit here (as Linux) */
        if (v < -1 || v > 255)
            return -EINVAL;
        so->knobs.hops6 = (int16_t)v;
        if (so->lst)
            tcp_usr_listen_knobs(so->lst, &so->knobs);
        return 0;
    }
    if (so->bound || so->lst || so->conn)
        return -EINVAL;
    so->v6only = v != 0;
    return 0;
}

/* An IPPROTO_IP value: an int, or as Linux also takes, a single byte. */
static int get_ip_int(const void *val, socklen_t len, int *out)
{
    if (val && len >= 1 && len < (socklen_t)sizeof(int)) {
        uint8_t b;
        memcpy(&b, val, 1);
        *out = b;
        return 0;
    }
    return get_int(val, len, out);
}

/* IP_TOS, IP_MTU_DISCOVER, IP_FREEBIND: read when a segment is built (TOS, DF) or at
 * bind(), so a connection needs no notice. */
static int set_ip_option(synack_sock *so, int name, const void *val, socklen_t len)
{
    if (name != IP_TOS && name != IP_MTU_DISCOVER && name != IP_FREEBIND &&
        name != SYNACK_IP_RECVERR && name != SYNACK_IP_TTL && name != SYNACK_IP_RECVTTL)
        return -ENOPROTOOPT;
    int v;
    int rc = get_ip_int(val, len, &v);
    if (rc)
        return rc;
    if (name == SYNACK_IP_RECVERR)
        return set_recverr(so, v);
    if (name == SYNACK_IP_RECVTTL)
        return set_recv_hops(so, name, v);
    if (name == IP_TOS) {
        /* TCP owns the ECN field (RFC 3168 6.1.1: not the application's to set) */
        so->knobs.tos = (uint8_t)(v & ~0x03);
    } else if (name == IP_MTU_DISCOVER) {
        if (v < IP_PMTUDISC_DONT || v > IP_PMTUDISC_OMIT)
            return -EINVAL;
        so->knobs.pmtudisc = (uint8_t)v;
    } else if (name == SYNACK_IP_TTL) {
        if (v != -1 && (v < 1 || v > 255))
            return -EINVAL;
        so->knobs.ttl = (int16_t)v;
    } else {
        so->freebind = v != 0;
    }
    if (so->lst) /* what it accepts from now on takes them */
        tcp_usr_listen_knobs(so->lst, &so->knobs);
    return 0;
}

/* The Fast Open options (RFC 7413), Linux's ranges and errors. TCP_FASTOPEN and
 * TCP_FASTOPEN_KEY are a listener's (or a socket's before listen()); TCP_FASTOPEN_CONNECT a
 * client's before it connects (needs fastopen_client 0x1); TCP_FASTOPEN_NO_COOKIE both's,
 * set before a connection exists. */
static int set_fastopen(synack_stack *st, synack_sock *so, int name, const void *val, socklen_t len)
{
    if (name == SYNACK_TCP_FASTOPEN_KEY) {
        if (!val || (len != 16 && len != 32))
            return -EINVAL;
        return synack_fastopen_key(st, val, (size_t)len);
    }
    int v, rc;
    if ((rc = get_int(val, len, &v)) != 0)
        return rc;
    if (name == SYNACK_TCP_FASTOPEN_CONNECT) {
        if (v < 0 || v > 1)
            return -EINVAL;
        if (!(st->cfg.fastopen_client & SYNACK_TFO_CLIENT_ENABLE))
            return -EOPNOTSUPP;
        if (so->conn || so->lst)
            return -EINVAL;
        so->fo_connect = (uint8_t)v;
        return 0;
    }
    if (so->conn || so->was_connected)
        return -EINVAL;
    if (name == SYNACK_TCP_FASTOPEN) {
        if (v < 0)
            return -EINVAL;
        /* the queue is bounded as the accept queue is (Linux: somaxconn) */
        so->knobs.fastopen_qlen =
            (uint32_t)v < st->cfg.max_accept_backlog ? (uint32_t)v : st->cfg.max_accept_backlog;
    } else {
        if (v < 0 || v > 1)
            return -EINVAL;
        so->fo_no_cookie = (uint8_t)v;             /* a client's */
        so->knobs.fastopen_no_cookie = (uint8_t)v; /* a listener's, which knobs carry */
    }
    if (so->lst)
        tcp_usr_listen_knobs(so->lst, &so->knobs);
    return 0;
}

int synack_setsockopt(synack_stack *st, int s, int level, int name, const void *val, socklen_t len)
{
    API_ENTER(st);
    synack_sock *so = sock_get(st, s);
    if (!so)
        return (int)ret_event(st, "setsockopt", s, -EBADF);
    int v = 0, rc = 0;
    if (level == IPPROTO_UDP || (so->udp && level == IPPROTO_TCP)) {
        if (!so->udp || (rc = get_int(val, len, &v)) == 0)
            rc = so->udp && level == IPPROTO_UDP ? udp_setopt(st, s, name, v) : -ENOPROTOOPT;
        return (int)ret_event(st, "setsockopt", s, rc);
    }
    if (level == SOL_SOCKET && name == SO_LINGER) {
        struct linger lg;
        if (!val || len < (socklen_t)sizeof(lg))
            return (int)ret_event(st, "setsockopt", s, -EINVAL);
        memcpy(&lg, val, sizeof(lg));
        so->knobs.linger_on = lg.l_onoff != 0;
        if (lg.l_onoff) /* as Linux: turning it off keeps the time getsockopt shows */
            so->knobs.linger_s = lg.l_linger;
        return (int)ret_event(st, "setsockopt", s, 0); /* read at close: nothing to apply */
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
        so->knobs.max_pacing_rate = rate >= UINT32_MAX ? UINT32_MAX : (uint32_t)rate;
        /* not the listener's: what it accepts does not inherit a pacing rate */
        return (int)ret_event(st, "setsockopt", s,
                              so->conn ? tcp_usr_knob_changed(so->conn, TK_PACING) : 0);
    }
#endif
    if (level == SOL_SOCKET && (name == SYNACK_SO_ZEROCOPY || name == SYNACK_SO_TIMESTAMPING)) {
        if ((rc = get_int(val, len, &v)) == 0)
            rc = sock_errq_setopt(st, s, name, v);
        return (int)ret_event(st, "setsockopt", s, rc);
    }
    if (level == IPPROTO_TCP && name == TCP_CONGESTION) {
        char cname[16] = {0};
        if (!val || len < 1)
            return (int)ret_event(st, "setsockopt", s, -EINVAL);
        memcpy(cname, val, len < (socklen_t)sizeof(cname) - 1 ? (size_t)len : sizeof(cname) - 1);
        const tcp_cc_ops *ops = tcp_usr_cc_lookup(cname);
        if (!ops)
            return (int)ret_event(st, "setsockopt", s, -ENOENT);
        so->knobs.cc = ops;
        return (int)ret_event(st, "setsockopt", s, knob_changed(so, TK_CC));
    }
    if (level == IPPROTO_IP)
        return (int)ret_event(st, "setsockopt", s, set_ip_option(so, name, val, len));
    if (level == SYNACK_IPPROTO_IPV6)
        return (int)ret_event(st, "setsockopt", s, set_ipv6_option(so, name, val, len));
    if (level == IPPROTO_TCP &&
        (name == SYNACK_TCP_FASTOPEN || name == SYNACK_TCP_FASTOPEN_CONNECT ||
         name == SYNACK_TCP_FASTOPEN_NO_COOKIE || name == SYNACK_TCP_FASTOPEN_KEY))
        return (int)ret_event(st, "setsockopt", s, set_fastopen(st, so, name, val, len));
    if (sock_hold_option(level, name)) {
        if ((rc = get_int(val, len, &v)) == 0)
            rc = sock_hold_setopt(st, so, name, v);
        return (int)ret_event(st, "setsockopt", s, rc);
    }
    if (!int_option(level, name))
        return (int)ret_event(st, "setsockopt", s, -ENOPROTOOPT);
    if ((rc = get_int(val, len, &v)) != 0)
        return (int)ret_event(st, "setsockopt", s, rc);
    if (level == SOL_SOCKET && name == SO_REUSEADDR) { /* the socket's, not TCP's */
        so->reuseaddr = v != 0;
        return (int)ret_event(st, "setsockopt", s, 0);
    }
    tcp_knob which;
    rc = set_int_knob(&so->knobs, level, name, v, &which);
    if (rc == 0)
        rc = knob_changed(so, which);
    return (int)ret_event(st, "setsockopt", s, rc);
}

/* An IPPROTO_IP value: an int, or one byte for a shorter buffer (as Linux). */
static int put_ip_int(void *val, socklen_t *len, int v)
{
    if (val && len && *len >= 1 && *len < (socklen_t)sizeof(int)) {
        uint8_t b = (uint8_t)v;
        memcpy(val, &b, 1);
        *len = 1;
        return 0;
    }
    return put_int(val, len, v);
}

/* The smallest TCP_INFO a caller may ask for: the struct as it was first published.
 * synack_tcp_info only grows at its end, so a program built against an older header
 * passes its smaller size and gets exactly the fields it knows (min(len, sizeof), as
 * Linux); a larger buffer gets the whole struct. */
#define TCP_INFO_MIN_LEN (offsetof(synack_tcp_info, segs_in) + sizeof(uint64_t))

int synack_getsockopt(synack_stack *st, int s, int level, int name, void *val, socklen_t *len)
{
    if (!st)
        return -EINVAL;
    synack_sock *so = sock_get(st, s);
    if (!so)
        return -EBADF;
    tcp_conn *c = so->conn;
    const tcp_knobs *k = &so->knobs;
    if (level == IPPROTO_UDP || (so->udp && level == IPPROTO_TCP)) {
        if (!so->udp || name != SYNACK_UDP_CATCH_ALL)
            return -ENOPROTOOPT;
        return put_int(val, len, so->udp->catch_all);
    }
    if (so->udp && level == SOL_SOCKET && name == SO_TYPE)
        return put_int(val, len, SOCK_DGRAM);
    if (so->udp && level == SOL_SOCKET && name == SO_ERROR)
        return put_int(val, len, udp_take_error(so));
    if (sock_hold_option(level, name))
        return put_int(val, len, sock_hold_getopt(so, name));
    if (level == SOL_SOCKET) {
        switch (name) {
        case SO_REUSEADDR:
            return put_int(val, len, so->reuseaddr);
        case SO_KEEPALIVE:
            return put_int(val, len, k->keepalive);
        case SO_OOBINLINE:
            return put_int(val, len, k->oobinline);
        case SO_SNDBUF:
            return put_int(val, len, (int)k->sndbuf);
        case SO_RCVBUF:
            return put_int(val, len, (int)k->rcvbuf);
        case SO_TYPE:
            return put_int(val, len, SOCK_STREAM);
        case SYNACK_SO_ZEROCOPY:
        case SYNACK_SO_TIMESTAMPING:
            return put_int(val, len, sock_errq_getopt(so, name));
#ifdef SO_MAX_PACING_RATE
        case SO_MAX_PACING_RATE: {
            uint32_t r = k->max_pacing_rate ? k->max_pacing_rate : UINT32_MAX;
            if (val && len && *len >= (socklen_t)sizeof(uint64_t)) {
                uint64_t r64 = r == UINT32_MAX ? UINT64_MAX : r;
                memcpy(val, &r64, sizeof(r64));
                *len = sizeof(r64);
                return 0;
            }
            return put_int(val, len, (int)r);
        }
#endif
        case SO_ERROR:
            return put_int(val, len, c ? tcp_usr_so_error(c) : -take_error(so));
        case SO_LINGER: {
            struct linger lg = {.l_onoff = k->linger_on, .l_linger = k->linger_s};
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
    if (level == SYNACK_IPPROTO_IPV6) {
        if (so->v6 && name == SYNACK_IPV6_RECVERR && so->udp)
            return put_int(val, len, so->udp->recverr);
        if (so->v6 && name == SYNACK_IPV6_UNICAST_HOPS)
            return put_int(val, len, k->hops6 >= 0 ? k->hops6 : ip6_hop_limit(st));
        if (so->v6 && name == SYNACK_IPV6_RECVHOPLIMIT && so->udp)
            return put_int(val, len, so->udp->rxhlim);
        if (!so->v6 || name != SYNACK_IPV6_V6ONLY)
            return -ENOPROTOOPT;
        return put_int(val, len, so->v6only);
    }
    if (level == IPPROTO_IP) {
        switch (name) {
        case SYNACK_IP_RECVERR:
            if (!so->udp)
                return -ENOPROTOOPT;
            return put_ip_int(val, len, so->udp->recverr);
        case IP_TOS:
            return put_ip_int(val, len, k->tos);
        case IP_MTU_DISCOVER:
            return put_ip_int(val, len, k->pmtudisc);
        case SYNACK_IP_TTL:
            return put_ip_int(val, len, k->ttl >= 0 ? k->ttl : IP_DEFAULT_TTL);
        case SYNACK_IP_RECVTTL:
            return so->udp ? put_ip_int(val, len, so->udp->recvttl) : -ENOPROTOOPT;
        case IP_FREEBIND:
            return put_ip_int(val, len, so->freebind);
        default:
            return -ENOPROTOOPT;
        }
    }
    if (level != IPPROTO_TCP)
        return -ENOPROTOOPT;
    switch (name) {
    case TCP_NODELAY:
        return put_int(val, len, k->nodelay);
    case TCP_CORK:
        return put_int(val, len, k->cork);
    case TCP_NOTSENT_LOWAT:
        return put_int(val, len, (int)k->notsent_lowat);
    case TCP_INQ:
        return put_int(val, len, k->inq);
    case TCP_MAXSEG:
        return put_int(val, len,
                       c           ? tcp_usr_maxseg(c)
                       : k->maxseg ? k->maxseg
                                   : tcp_usr_default_maxseg(st));
    case TCP_KEEPIDLE:
        return put_int(val, len, (int)(k->keepidle_us / 1000000));
    case TCP_KEEPINTVL:
        return put_int(val, len, (int)(k->keepintvl_us / 1000000));
    case TCP_KEEPCNT:
        return put_int(val, len, (int)k->keepcnt);
    case TCP_SYNCNT:
        return put_int(val, len, k->syncnt ? k->syncnt : (int)st->cfg.syn_retries);
    case TCP_USER_TIMEOUT:
        return put_int(val, len, (int)(k->user_timeout_us / 1000));
    case SYNACK_TCP_FASTOPEN:
        return put_int(val, len, (int)k->fastopen_qlen);
    case TCP_FASTOPEN_CONNECT:
        return put_int(val, len, so->fo_connect);
    case TCP_FASTOPEN_NO_COOKIE:
        return put_int(val, len, so->fo_no_cookie);
    case SYNACK_TCP_ECN:
        return put_int(val, len, k->ecn);
    case SYNACK_TCP_TIMESTAMPS:
        return put_int(val, len, k->timestamps);
    case TCP_CONGESTION: {
        char dflt[sizeof(st->cfg.cc) + 1] = {0};
        memcpy(dflt, st->cfg.cc, sizeof(st->cfg.cc));
        const char *algo = c ? tcp_usr_cc_name(c) : k->cc ? k->cc->name : dflt[0] ? dflt : "cubic";
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
        if (!val || !len || *len < (socklen_t)TCP_INFO_MIN_LEN)
            return -EINVAL;
        synack_tcp_info info;
        if (c) {
            tcp_usr_fill_info(c, &info);
        } else {
            memset(&info, 0, sizeof(info));
            info.state = so->lst ? SYNACK_LISTEN : SYNACK_CLOSED;
            info.options = so->gone_options;
            info.delivered = so->delivered; /* what the connection got to, as Linux keeps */
            info.probes = so->gone_probes;
        }
        size_t n = (size_t)*len < sizeof(info) ? (size_t)*len : sizeof(info);
        memcpy(val, &info, n);
        *len = (socklen_t)n; /* the length copied */
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
    sock_addr a = {.v4 = so->laddr, .port = so->lport};
    if (so->bound6) {
        a.v6 = 1;
        memcpy(a.a6, so->laddr6, 16);
    }
    if (so->conn) {
        synack_endpoints ep;
        tcp_usr_endpoints(so->conn, &ep);
        sock_addr_of(&ep, 0, &a);
        a.port = so->lport;
    }
    return sock_addr_to(so, addr, len, &a);
}

int synack_getpeername(synack_stack *st, int s, struct sockaddr *addr, socklen_t *len)
{
    if (!st)
        return -EINVAL;
    synack_sock *so = sock_get(st, s);
    if (!so)
        return -EBADF;
    if (so->udp) {
        sock_addr a;
        int rc = udp_peer(so, &a);
        if (rc)
            return rc;
        if (!addr || !len)
            return -EINVAL;
        return sock_addr_to(so, addr, len, &a);
    }
    if (!so->conn)
        return -ENOTCONN;
    if (!addr || !len)
        return -EINVAL;
    synack_endpoints ep;
    tcp_usr_endpoints(so->conn, &ep);
    sock_addr a;
    sock_addr_of(&ep, 1, &a);
    return sock_addr_to(so, addr, len, &a);
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
        short ev = (short)(so ? sock_ready_mask(so) : POLLNVAL);
        p->revents = (short)(ev & (p->events | POLLERR | POLLHUP | POLLNVAL));
        if (p->revents)
            ready++;
    }
    return ready;
}
