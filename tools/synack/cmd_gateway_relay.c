/* SPDX-License-Identifier: MIT */
/* synack gateway: each held SYN becomes a non-blocking host connect to its original
 * destination, whose outcome is the SYN's verdict (connect-first); each accepted
 * connection is then spliced to its host socket without a buffer of our own: bytes go
 * from synack's receive ring straight into send(2) (recv_borrow/release) and from recv(2)
 * straight into synack's send ring (send_reserve/commit), so a side that stops taking
 * bytes stops the other side's reads, and the windows close (backpressure). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cmd_gateway.h"
#include "cmd_gateway_events.h"

/* GW_OUTBOUND: a --forward connection whose synack connect into the namespace runs.
 * GW_SOCKS: connected to the --socks5 proxy, its CONNECT handshake runs (the SYN still
 * held: the verdict is the proxy's reply). */
enum { GW_FREE, GW_CONNECTING, GW_HANDSHAKE, GW_RELAY, GW_OUTBOUND, GW_SOCKS };

/* Frames' worth moved per connection and direction per round: fairness between relays. */
#define GW_CHUNKS 16
#define GW_CHUNK 65536
/* An accepted verdict whose handshake never completes (the client vanished). */
#define GW_HANDSHAKE_US 75000000ull
/* A handshake pending this long may be given up for a new SYN when --max-pending is full:
 * a real client answers a SYN-ACK within its RTT; a flood's spoofed sources never do. */
#define GW_EVICT_US 1000000ull

typedef struct gw_conn {
    int state;
    synack_endpoints ep; /* laddr:lport the original destination */
    int hfd;             /* the host socket */
    int ss;              /* the synack socket once accepted, else -1 */
    uint64_t deadline;   /* connect / handshake deadline */
    uint8_t up_eof;      /* the namespace side's FIN was passed on (shutdown of hfd) */
    uint8_t down_eof;    /* the host side's FIN was passed on (synack_shutdown) */
    uint8_t h_blocked;   /* send(2) to the host took less than offered: wait for POLLOUT */
    uint8_t s_full;      /* synack's send buffer was full: wait for its ACKs */
    uint8_t h_in;        /* an event said hfd is readable (or failed, or at EOF) */
    uint8_t h_out;       /* ... writable (or failed); for a connect: it finished */
    uint8_t fwd;         /* came in on a --forward port */
    uint8_t seen;        /* GW_HANDSHAKE: the stack still has its connection (sweep) */
    uint64_t since;      /* when the handshake began (GW_HANDSHAKE) */
    /* hfd is registered once, edge-triggered: h_in and h_out stay set from the event that
     * set them until the relay finds hfd drained (EAGAIN, a short read, a short send). */
    uint8_t h_err;  /* EPOLLERR/EPOLLHUP: a finished connect's SO_ERROR is worth reading */
    uint8_t h_fin;  /* EPOLLRDHUP: the host's FIN came, so a short read is not the end */
    uint8_t ev_out; /* EPOLLOUT is in hfd's registration */
    uint8_t dirty;  /* GW_RELAY: on the list of relays the next step pumps */
    uint32_t pslot; /* pending (not GW_RELAY): its index in the relay's pend list */
} gw_conn;

struct gw_relay {
    synack_stack *st;
    int ls;
    int ls6; /* the IPv6 catch-all, or -1 (cmd_gateway_v6.c) */
    gw_opts o;
    gw_conn *c;
    uint32_t n;    /* slots */
    uint32_t open; /* slots in use */
    uint32_t hi;   /* slots from here on are all free: each round's scans stop here, so a
                      gateway with a few connections does not walk --max-conns slots per
                      wake-up */
    uint64_t seen; /* TCPSynHeld when the held list was last read */
    gw_stats stats;
    synack_held_syn *held;
    uint32_t nheld;
    gw_ev *ev;           /* the thread's event table: host sockets are registered there */
    int deferred;        /* held SYNs wait for --max-pending room: read the list again */
    uint64_t next_sweep; /* when handshakes whose connection vanished are looked for next */
    gw_socks5 *s5;       /* with --socks5: each slot's SOCKS5 handshake */
    /* The relays whose either side had an edge (an epoll event, synack_sock_ready) or
     * that stopped at their per-round share: only they are pumped, so a step costs what
     * is ready, not what is open. Two lists: pumping fills the other. */
    uint32_t *dirty, *work;
    uint32_t ndirty;
    /* Slots pending (connecting, handshake, forward connect, SOCKS5: every state but
     * GW_RELAY), which each step looks at and find() searches, and the free slots: a step,
     * a new connection and a lookup cost what is pending, not what is open. */
    uint32_t *pend, npend;
    uint32_t *freel, nfree;
};

gw_relay *gw_relay_new(synack_stack *st, int ls, const gw_opts *o)
{
    gw_relay *r = calloc(1, sizeof(*r));
    if (!r)
        return NULL;
    r->st = st;
    r->ls = ls;
    r->ls6 = -1;
    r->o = *o;
    r->n = o->max_conns;
    r->c = calloc(r->n, sizeof(*r->c));
    r->nheld = 1024;
    r->held = calloc(r->nheld, sizeof(*r->held));
    r->dirty = calloc(r->n, sizeof(*r->dirty));
    r->work = calloc(r->n, sizeof(*r->work));
    r->pend = calloc(r->n, sizeof(*r->pend));
    r->freel = calloc(r->n, sizeof(*r->freel));
    for (uint32_t i = 0; r->freel && i < r->n; i++)
        r->freel[i] = r->n - 1 - i; /* slot 0 first */
    r->nfree = r->n;
    if (o->socks5_salen)
        r->s5 = calloc(r->n, sizeof(*r->s5));
    if (!r->c || !r->held || !r->dirty || !r->work || !r->pend || !r->freel ||
        (o->socks5_salen && !r->s5)) {
        gw_relay_free(r);
        return NULL;
    }
    return r;
}

void gw_relay_free(gw_relay *r)
{
    if (!r)
        return;
    for (uint32_t i = 0; r->c && i < r->n; i++)
        if (r->c[i].state != GW_FREE)
            close(r->c[i].hfd);
    free(r->c);
    free(r->held);
    free(r->dirty);
    free(r->work);
    free(r->pend);
    free(r->freel);
    free(r->s5);
    free(r);
}

void gw_relay_set_ls6(gw_relay *r, int ls6)
{
    r->ls6 = ls6;
}

void gw_relay_set_ev(gw_relay *r, gw_ev *ev)
{
    r->ev = ev;
}

static void pend_del(gw_relay *r, gw_conn *c)
{
    uint32_t last = r->pend[--r->npend];
    r->pend[c->pslot] = last;
    r->c[last].pslot = c->pslot;
}

static void mark(gw_relay *r, gw_conn *c)
{
    if (c->dirty)
        return;
    c->dirty = 1;
    r->dirty[r->ndirty++] = (uint32_t)(c - r->c);
}

/* c starts relaying: its synack socket's edges put it on the list from now on (synack
 * queues it at once if it is ready already), and it is pumped once in any case. */
static void relay_start(gw_relay *r, gw_conn *c)
{
    pend_del(r, c);
    c->state = GW_RELAY;
    synack_sock_watch(r->st, c->ss, SYNACK_POLLIN | SYNACK_POLLOUT | SYNACK_POLLRDHUP, c);
    mark(r, c);
}

/* Registers c's host socket, once for its life (edge-triggered: a relay that leaves bytes
 * unread for a round needs no interest change, r->more keeps the loop from sleeping).
 * EPOLLOUT only where a write is waiting: a connect under way, a SOCKS5 handshake, a
 * send that blocked; a connect that completed at once would otherwise wake the loop for
 * nothing. */
static int watch(gw_relay *r, gw_conn *c, int out)
{
    c->ev_out = (uint8_t)(out || r->s5);
    uint32_t ev = EPOLLIN | EPOLLRDHUP | EPOLLET | (c->ev_out ? EPOLLOUT : 0);
    return r->ev ? gw_ev_set(r->ev, c->hfd, ev, GW_EV_TAG(GW_EV_RELAY, c - r->c, c->hfd)) : 0;
}

/* The listener that holds ep's SYN. */
static int ls_of(const gw_relay *r, const synack_endpoints *ep)
{
    return ep->family == SYNACK_AF_INET6 ? r->ls6 : r->ls;
}

/* A pending slot in state (one of the pending ones) for ep. */
static gw_conn *find(gw_relay *r, const synack_endpoints *ep, int state)
{
    for (uint32_t k = 0; k < r->npend; k++) {
        gw_conn *c = &r->c[r->pend[k]];
        if (c->state == state && gw_same_ep(&c->ep, ep))
            return c;
    }
    return NULL;
}

/* A free slot, or NULL; it counts as taken, and pending, from here on. */
static gw_conn *take_slot(gw_relay *r)
{
    if (r->nfree == 0)
        return NULL;
    uint32_t i = r->freel[--r->nfree];
    if (i + 1 > r->hi)
        r->hi = i + 1;
    r->open++;
    r->c[i].pslot = r->npend;
    r->pend[r->npend++] = i;
    return &r->c[i];
}

static void fd_opened(gw_relay *r)
{
    if (++r->stats.fds > r->stats.fds_peak)
        r->stats.fds_peak = r->stats.fds;
}

/* --keepalive on the namespace side: a peer that vanished without a trace (its RST lost
 * on the way) otherwise holds its relay and host socket for good. Three probes a second
 * apart, then the relay is reset. */
static void keepalive(gw_relay *r, int ss)
{
    int on = 1, idle = (int)r->o.keepalive_s, intvl = 1, cnt = 3;
    if (!idle)
        return;
    synack_setsockopt(r->st, ss, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof(on));
    synack_setsockopt(r->st, ss, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle));
    synack_setsockopt(r->st, ss, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof(intvl));
    synack_setsockopt(r->st, ss, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof(cnt));
}

static void release(gw_relay *r, gw_conn *c)
{
    if (c->hfd >= 0) {
        if (r->ev)
            gw_ev_forget(r->ev, c->hfd);
        close(c->hfd);
        r->stats.fds--;
    }
    if (c->state != GW_RELAY)
        pend_del(r, c);
    r->freel[r->nfree++] = (uint32_t)(c - r->c);
    uint8_t dirty = c->dirty; /* its entry stays on the list, skipped there */
    memset(c, 0, sizeof(*c));
    c->dirty = dirty;
    c->state = GW_FREE;
    r->open--;
    while (r->hi > 0 && r->c[r->hi - 1].state == GW_FREE)
        r->hi--;
}

static void verdict(gw_relay *r, gw_conn *c, int err)
{
    int v = SYNACK_VERDICT_DROP, code = 0;
    if (err == 0) {
        v = SYNACK_VERDICT_ACCEPT;
        r->stats.accepted++;
    } else if (err == ECONNREFUSED) {
        v = SYNACK_VERDICT_REFUSE;
        r->stats.refused++;
    } else if ((code = gw_unreach_code(&c->ep, err)) >= 0) {
        v = SYNACK_VERDICT_UNREACH;
        r->stats.unreachable++;
    } else {
        r->stats.dropped++;
    }
    int rc = synack_held_verdict(r->st, ls_of(r, &c->ep), &c->ep, v, code);
    if (v == SYNACK_VERDICT_ACCEPT && rc == 0) {
        c->state = GW_HANDSHAKE;
        c->since = c->deadline - (uint64_t)r->o.connect_ms * 1000;
        c->deadline = c->deadline + GW_HANDSHAKE_US;
        return;
    }
    release(r, c);
}

/* --socks5: the handshake went as far as the socket allows; once it ended, its outcome
 * is the verdict (cmd_gateway_socks5.c maps the reply to a direct connect's errno). */
static void socks_step(gw_relay *r, gw_conn *c)
{
    gw_socks5 *s = &r->s5[c - r->c];
    if (!gw_s5_io(s, c->hfd))
        return;
    r->stats.socks[s->outcome]++;
    verdict(r, c, gw_s5_errno((gw_s5_outcome)s->outcome));
}

/* The host connect succeeded: the verdict, or with --socks5 (it was the proxy's) the
 * CONNECT handshake to the destination, whose first message goes out at once. */
static void connected(gw_relay *r, gw_conn *c)
{
    if (!r->s5) {
        verdict(r, c, 0);
        return;
    }
    /* The destination the proxy is asked for is the one a direct connect would use. */
    struct sockaddr_storage a;
    socklen_t alen;
    (void)gw_dest_sa(&r->o, &c->ep, &a, &alen);
    if (a.ss_family == AF_INET6)
        gw_s5_begin(&r->s5[c - r->c], ((struct sockaddr_in6 *)&a)->sin6_addr.s6_addr, 16,
                    c->ep.lport, r->o.socks5_user, r->o.socks5_pass);
    else
        gw_s5_begin(&r->s5[c - r->c], (const uint8_t *)&((struct sockaddr_in *)&a)->sin_addr, 4,
                    c->ep.lport, r->o.socks5_user, r->o.socks5_pass);
    c->state = GW_SOCKS;
    socks_step(r, c);
}

/* The host connect failed. With --socks5 the failure is the proxy's, not the
 * destination's: a reset (ICMP unreachable would name the destination unreachable). */
static void connect_failed(gw_relay *r, gw_conn *c, int err)
{
    if (r->s5) {
        r->stats.socks[GW_S5_PROXY_DOWN]++;
        err = ECONNREFUSED;
    }
    verdict(r, c, err);
}

static void connect_done(gw_relay *r, gw_conn *c)
{
    /* A connect that failed reports EPOLLERR; plain EPOLLOUT is a success. */
    int err = 0;
    socklen_t el = sizeof(err);
    if (c->h_err && getsockopt(c->hfd, SOL_SOCKET, SO_ERROR, &err, &el) != 0)
        err = errno;
    if (err == 0)
        connected(r, c);
    else
        connect_failed(r, c, err);
}

/* The endpoint already chose how to coalesce its writes; Nagle here would only add a wait
 * for our ACK on top of it (a round trip per small reply). */
static void nodelay(int fd)
{
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

static void reset_host(gw_relay *r, gw_conn *c);

/* What c's host socket fd needs for the rest of its life, set once the SYN-ACK of a connect
 * that completed at once is out (it waits for no system call of ours): TCP_NODELAY and its
 * registration. Nothing when the verdict released the slot. */
static void arm(gw_relay *r, gw_conn *c, int fd, int out)
{
    if (c->state == GW_FREE || c->hfd != fd)
        return;
    if (!r->s5)
        nodelay(fd);
    if (watch(r, c, out) == 0)
        return;
    if (c->state == GW_CONNECTING || c->state == GW_SOCKS)
        connect_failed(r, c, ENOBUFS);
    else
        reset_host(r, c); /* its client's ACK finds no relay: reset (accept_new) */
}

/* Returns the slot taken (free again if the verdict came at once), or NULL. */
static gw_conn *start_connect(gw_relay *r, const synack_held_syn *h, uint64_t now)
{
    struct sockaddr_storage a;
    socklen_t alen;
    int dst = gw_dest_sa(&r->o, &h->ep, &a, &alen);
    if (dst < 0) {
        r->stats.denied++;
        synack_held_verdict(r->st, ls_of(r, &h->ep), &h->ep, SYNACK_VERDICT_REFUSE, 0);
        return NULL;
    }
    if (r->open >= r->n) {
        /* A SYN flood from inside may not exhaust the host's descriptors (take_held waits
         * for room first: this is the safety net). */
        r->stats.limit++;
        synack_held_verdict(r->st, ls_of(r, &h->ep), &h->ep, SYNACK_VERDICT_REFUSE, 0);
        return NULL;
    }
    r->stats.loopback += dst == 1;
    gw_conn *c = take_slot(r); /* there is one: open < n */
    c->state = GW_CONNECTING;
    c->ep = h->ep;
    c->ss = -1;
    c->deadline = now + (uint64_t)r->o.connect_ms * 1000;
    r->stats.held++;
    /* With --socks5 the host side is the proxy; connected() asks it for the destination. */
    if (r->s5) {
        memcpy(&a, &r->o.socks5_sa, sizeof(a));
        alen = r->o.socks5_salen;
    }
    c->hfd = socket(a.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c->hfd < 0) {
        verdict(r, c, errno);
        return c;
    }
    fd_opened(r);
    if (r->s5)
        nodelay(c->hfd); /* the handshake's first message goes out in connected() */
    int fd = c->hfd;
    if (connect(c->hfd, (struct sockaddr *)&a, alen) == 0) {
        connected(r, c);
        arm(r, c, fd, 0);
        return c;
    }
    if (errno != EINPROGRESS) {
        connect_failed(r, c, errno);
        return c;
    }
    /* A nearby host (loopback, a local bridge) has often answered within connect() itself:
     * the SYN-ACK then goes out in this round instead of after another poll. Asking
     * connect() again says it in one call: 0 connected, EALREADY still going, else the
     * error the attempt ended with. */
    int done = connect(c->hfd, (struct sockaddr *)&a, alen) == 0 || errno == EISCONN;
    if (!done && errno != EALREADY && errno != EINPROGRESS) {
        connect_failed(r, c, errno);
        return c;
    }
    if (done)
        connected(r, c);
    arm(r, c, fd, !done);
    return c;
}

/* Ends a handshake: its host connection is reset (its client may never use it). */
static void reset_host(gw_relay *r, gw_conn *c)
{
    struct linger lg = {1, 0};
    setsockopt(c->hfd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
    release(r, c);
}

/* A handshake whose connection vanished. */
static void give_up(gw_relay *r, gw_conn *c)
{
    r->stats.vanished++;
    reset_host(r, c);
}

static int is_pending(const gw_conn *c)
{
    return c->state == GW_CONNECTING || c->state == GW_HANDSHAKE || c->state == GW_OUTBOUND ||
           c->state == GW_SOCKS;
}

uint32_t gw_relay_pending(const gw_relay *r)
{
    return r->npend;
}

int gw_relay_room(const gw_relay *r)
{
    return r->open < r->n && gw_relay_pending(r) < r->o.max_pending;
}

/* Gives up the oldest handshake older than GW_EVICT_US (its host connection is reset; if
 * its client does ACK later, accept_new resets it). 0 if there was one. */
static int evict(gw_relay *r, uint64_t now)
{
    gw_conn *old = NULL;
    for (uint32_t k = 0; k < r->npend; k++) {
        gw_conn *c = &r->c[r->pend[k]];
        if (c->state == GW_HANDSHAKE && c->since + GW_EVICT_US <= now &&
            (!old || c->since < old->since))
            old = c;
    }
    if (!old)
        return -1;
    r->stats.evicted++;
    reset_host(r, old);
    return 0;
}

/* New held SYNs: only when the counter says one arrived, or room appeared for SYNs that
 * waited (the list is not read for nothing every round). Beyond --max-pending a SYN stays
 * held, unanswered, in the listener's bounded SYN queue (its retransmissions absorbed)
 * until room appears or the hold expires. */
static void take_held(gw_relay *r, uint64_t now)
{
    uint64_t held = synack_counter_get(r->st, SYNACK_CTR_TCPSynHeld);
    if (held == r->seen && (!r->deferred || !gw_relay_room(r)))
        return;
    uint32_t pending = gw_relay_pending(r);
    r->seen = held;
    r->deferred = 0;
    int n = synack_held_list(r->st, r->ls, r->held, (int)r->nheld);
    if (n >= 0 && r->ls6 >= 0 && (uint32_t)n < r->nheld) {
        int n6 = synack_held_list(r->st, r->ls6, r->held + n, (int)r->nheld - n);
        n += n6 > 0 ? n6 : 0;
    }
    for (int i = 0; i < n; i++) {
        if (find(r, &r->held[i].ep, GW_CONNECTING) || find(r, &r->held[i].ep, GW_SOCKS))
            continue;
        /* A new SYN on the 4-tuple of a handshake: that connection is gone (the stack holds
         * no SYN for a connection it has), so its host side goes before accept() could
         * pair the new connection with it. */
        gw_conn *stale = find(r, &r->held[i].ep, GW_HANDSHAKE);
        if (stale) {
            give_up(r, stale);
            pending--;
        }
        /* With --max-conns relays open, or --max-pending full and no handshake to give
         * up, the rest wait. */
        if (r->open >= r->n || (pending >= r->o.max_pending && evict(r, now) != 0)) {
            r->deferred = 1;
            r->stats.deferred++;
            return;
        }
        if (pending >= r->o.max_pending)
            pending--; /* evicted one */
        gw_conn *c = start_connect(r, &r->held[i], now);
        pending += c && is_pending(c);
    }
}

static void accept_new(gw_relay *r, int ls)
{
    for (;;) {
        int ss = ls < 0 ? -1 : synack_accept(r->st, ls, NULL, NULL);
        if (ss < 0)
            return;
        synack_endpoints ep;
        gw_ep_of(r->st, ss, &ep);
        gw_conn *c = find(r, &ep, GW_HANDSHAKE);
        if (!c) {
            /* Given up (evicted or timed out): its host side is gone, so reset. */
            struct linger lg = {1, 0};
            synack_setsockopt(r->st, ss, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
            synack_close(r->st, ss);
            continue;
        }
        c->ss = ss;
        relay_start(r, c);
        /* Tried once whatever the events said: a nearby host answers the request within
         * the send(2) that carries it (the kernel runs the receive path before the call
         * returns), so its reply goes out in this round instead of after another wake.
         * (After a SOCKS5 reply, too, the destination's first bytes may have come in the
         * same segment, read by nobody yet.) */
        c->h_in = 1;
        int one = 1;
        synack_setsockopt(r->st, ss, SYNACK_IPPROTO_TCP, SYNACK_TCP_NODELAY, &one, sizeof(one));
        keepalive(r, ss);
    }
}

static void sweep_visit(void *ctx, const synack_conn_view *v)
{
    gw_conn *c = find(ctx, &v->ep, GW_HANDSHAKE);
    if (c)
        c->seen = 1;
}

/* An accepted connection can vanish before accept() takes it: its client reset it in the
 * SYN queue or the accept queue. Its handshake would otherwise hold a host socket for
 * GW_HANDSHAKE_US; so, at most once a second while handshakes older than GW_EVICT_US
 * exist, those the stack no longer has are given up (their host side reset). */
static void sweep(gw_relay *r, uint64_t now)
{
    if (now < r->next_sweep)
        return;
    int old = 0;
    for (uint32_t k = 0; k < r->npend; k++) {
        gw_conn *c = &r->c[r->pend[k]];
        c->seen = 0;
        old |= c->state == GW_HANDSHAKE && c->since + GW_EVICT_US <= now;
    }
    if (!old)
        return;
    r->next_sweep = now + GW_EVICT_US;
    synack_foreach_conn(r->st, sweep_visit, r);
    /* Backwards: give_up takes c off the list, moving the last entry (seen) into its place. */
    for (uint32_t k = r->npend; k-- > 0;) {
        gw_conn *c = &r->c[r->pend[k]];
        if (c->state == GW_HANDSHAKE && !c->seen && c->since + GW_EVICT_US <= now)
            give_up(r, c);
    }
}

static void abort_both(gw_relay *r, gw_conn *c);

/* A --forward connection's connect into the namespace: relay once it is up; when it
 * fails (refused, unreachable, timed out) the host client gets a reset. */
static void outbound(gw_relay *r, gw_conn *c, uint64_t now)
{
    synack_pollfd pf = {.sock = c->ss, .events = SYNACK_POLLOUT};
    synack_sock_poll(r->st, &pf, 1);
    if (!(pf.revents & (SYNACK_POLLERR | SYNACK_POLLHUP | SYNACK_POLLNVAL)) &&
        (pf.revents & SYNACK_POLLOUT)) {
        relay_start(r, c);
        r->stats.fwd_connected++;
        c->h_in = 1; /* the host client may have spoken while the connect ran */
        int one = 1;
        setsockopt(c->hfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        synack_setsockopt(r->st, c->ss, SYNACK_IPPROTO_TCP, SYNACK_TCP_NODELAY, &one, sizeof(one));
        keepalive(r, c->ss);
        return;
    }
    if (pf.revents || now >= c->deadline) {
        r->stats.fwd_failed++;
        abort_both(r, c);
    }
}

int gw_relay_adopt(gw_relay *r, int hfd, int ss, uint64_t now)
{
    if (!gw_relay_room(r))
        return -1;
    gw_conn *c = take_slot(r);
    if (!c)
        return -1;
    fd_opened(r);
    c->state = GW_OUTBOUND;
    c->fwd = 1;
    c->hfd = hfd;
    c->ss = ss;
    c->deadline = now + (uint64_t)r->o.connect_ms * 1000;
    gw_ep_of(r->st, ss, &c->ep);
    if (watch(r, c, 0) != 0) {
        c->hfd = -1; /* the caller closes it */
        r->stats.fds--;
        release(r, c);
        return -1;
    }
    return 0;
}

/* Ends a relay with a reset on both sides: SO_LINGER {1, 0} makes close() send RST. */
static void abort_both(gw_relay *r, gw_conn *c)
{
    struct linger lg = {1, 0};
    setsockopt(c->hfd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
    synack_setsockopt(r->st, c->ss, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
    synack_close(r->st, c->ss);
    release(r, c);
}

static void reset_both(gw_relay *r, gw_conn *c)
{
    r->stats.resets++;
    abort_both(r, c);
}

/* namespace -> host. Returns -1 after the relay was reset. */
static int pump_up(gw_relay *r, gw_conn *c)
{
    if (c->h_blocked && !c->h_out) {
        /* send(2) would only say EAGAIN again; but a reset from the namespace must still
         * end the relay while the host is not reading. */
        const void *p;
        ssize_t n = synack_recv_borrow(r->st, c->ss, &p);
        if (n < 0 && n != -EAGAIN) {
            reset_both(r, c);
            return -1;
        }
        return 0;
    }
    c->h_blocked = 0;
    for (int k = 0; k < GW_CHUNKS && !c->up_eof; k++) {
        const void *p;
        ssize_t n = synack_recv_borrow(r->st, c->ss, &p);
        if (n == -EAGAIN)
            return 0;
        if (n < 0) {
            reset_both(r, c);
            return -1;
        }
        if (n == 0) {
            shutdown(c->hfd, SHUT_WR);
            c->up_eof = 1;
            return 0;
        }
        ssize_t w = send(c->hfd, p, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
            reset_both(r, c);
            return -1;
        }
        if (w > 0) {
            synack_recv_release(r->st, c->ss, (size_t)w);
            r->stats.up_bytes += (uint64_t)w;
        }
        if (w < n) {
            c->h_blocked = 1;
            c->h_out = 0; /* until the edge that says there is room again */
            if (!c->ev_out && watch(r, c, 1) != 0) {
                reset_both(r, c);
                return -1;
            }
            return 0;
        }
    }
    if (!c->up_eof)
        mark(r, c); /* its share used: more next round */
    return 0;
}

/* host -> namespace. Returns -1 after the relay was reset. */
static int pump_down(gw_relay *r, gw_conn *c)
{
    if (!c->h_in && !c->s_full)
        return 0; /* nothing new from the host: no recv(2) for an EAGAIN */
    c->s_full = 0;
    for (int k = 0; k < GW_CHUNKS && !c->down_eof; k++) {
        void *buf;
        ssize_t room = synack_send_reserve(r->st, c->ss, &buf, GW_CHUNK);
        if (room == -EAGAIN) {
            c->s_full = 1;
            return 0;
        }
        if (room < 0) {
            reset_both(r, c);
            return -1;
        }
        ssize_t n = recv(c->hfd, buf, (size_t)room, MSG_DONTWAIT);
        if (n < 0) {
            synack_send_commit(r->st, c->ss, 0);
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                c->h_in = 0;
                return 0;
            }
            reset_both(r, c);
            return -1;
        }
        synack_send_commit(r->st, c->ss, (size_t)n);
        if (n == 0) {
            synack_shutdown(r->st, c->ss, SHUT_WR);
            c->down_eof = 1;
            return 0;
        }
        r->stats.down_bytes += (uint64_t)n;
        if (n < room && !c->h_fin) {
            /* A stream socket returns less than asked only when it had no more: the next
             * edge says when there is. After the FIN's edge, though, none comes: the next
             * recv(2) reads the end. */
            c->h_in = 0;
            return 0;
        }
    }
    if (!c->down_eof)
        mark(r, c);
    return 0;
}

void gw_relay_step(gw_relay *r, uint64_t now)
{
    take_held(r, now);
    /* Backwards: a slot that leaves the list (relay, or free) is replaced by the last
     * entry, already looked at. */
    for (uint32_t k = r->npend; k-- > 0;) {
        uint32_t i = r->pend[k];
        gw_conn *c = &r->c[i];
        if (c->state == GW_CONNECTING) {
            if (c->h_out)
                connect_done(r, c);
            else if (now >= c->deadline) {
                r->stats.socks[GW_S5_TIMEOUT] += r->s5 != NULL;
                verdict(r, c, ETIMEDOUT);
            }
        } else if (c->state == GW_SOCKS) {
            /* The deadline is the connect's: proxy connect and handshake together. */
            if (c->h_in || c->h_out) {
                c->h_in = c->h_out = 0; /* gw_s5_io runs until EAGAIN: edges suffice */
                socks_step(r, c);
            }
            if (c->state == GW_SOCKS && now >= c->deadline) {
                gw_s5_fail(&r->s5[i], GW_S5_TIMEOUT);
                socks_step(r, c);
            }
        } else if (c->state == GW_HANDSHAKE && now >= c->deadline) {
            release(r, c);
        } else if (c->state == GW_OUTBOUND) {
            outbound(r, c, now);
        }
    }
    accept_new(r, r->ls);
    accept_new(r, r->ls6);
    sweep(r, now);
    synack_ready rd[64];
    int k;
    while ((k = synack_sock_ready(r->st, rd, 64)) > 0)
        for (int j = 0; j < k; j++) {
            gw_conn *c = rd[j].user;
            if (c && c->state == GW_RELAY && c->ss == rd[j].sock)
                mark(r, c);
        }
    uint32_t *work = r->dirty, nwork = r->ndirty;
    r->dirty = r->work;
    r->work = work;
    r->ndirty = 0;
    for (uint32_t i = 0; i < nwork; i++) {
        gw_conn *c = &r->c[work[i]];
        c->dirty = 0;
        if (c->state != GW_RELAY)
            continue;
        if (pump_up(r, c) < 0 || pump_down(r, c) < 0)
            continue;
        if (c->up_eof && c->down_eof) {
            /* Both FINs passed on: the orphans deliver what is queued, then close. */
            synack_close(r->st, c->ss);
            r->stats.finished++;
            release(r, c);
        }
    }
}

void gw_relay_event(gw_relay *r, uint32_t slot, int fd, uint32_t events)
{
    if (slot >= r->hi)
        return;
    gw_conn *c = &r->c[slot];
    if (c->state == GW_FREE || c->hfd != fd)
        return;
    c->h_in |= (events & (EPOLLIN | EPOLLHUP | EPOLLERR)) != 0;
    c->h_out |= (events & (EPOLLOUT | EPOLLHUP | EPOLLERR)) != 0;
    c->h_err |= (events & (EPOLLHUP | EPOLLERR)) != 0;
    c->h_fin |= (events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) != 0;
    if (c->state == GW_RELAY)
        mark(r, c);
}

int gw_relay_busy(const gw_relay *r)
{
    return r->ndirty > 0 || synack_sock_ready_pending(r->st) > 0;
}

uint64_t gw_relay_deadline(const gw_relay *r)
{
    uint64_t d = UINT64_MAX;
    for (uint32_t k = 0; k < r->npend; k++)
        if (r->c[r->pend[k]].deadline < d)
            d = r->c[r->pend[k]].deadline;
    return d;
}

const gw_stats *gw_relay_stats(const gw_relay *r)
{
    return &r->stats;
}

uint32_t gw_relay_open(const gw_relay *r)
{
    return r->open;
}

gw_stats *gw_relay_stats_mut(gw_relay *r)
{
    return &r->stats;
}

void gw_relay_foreach(const gw_relay *r, void (*fn)(void *ctx, const gw_flow_view *v), void *ctx)
{
    static const char *const names[] = {"free",  "connecting",         "handshake",
                                        "relay", "forward-connecting", "socks"};
    for (uint32_t i = 0; i < r->hi; i++) {
        const gw_conn *c = &r->c[i];
        if (c->state == GW_FREE)
            continue;
        gw_flow_view v = {.state = names[c->state],
                          .forward = c->fwd,
                          .ep = c->ep,
                          .hfd = c->hfd,
                          .up_eof = c->up_eof,
                          .down_eof = c->down_eof};
        fn(ctx, &v);
    }
}
