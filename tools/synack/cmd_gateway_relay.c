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

enum { GW_FREE, GW_CONNECTING, GW_HANDSHAKE, GW_RELAY };

/* Frames' worth moved per connection and direction per round: fairness between relays. */
#define GW_CHUNKS 16
#define GW_CHUNK 65536
/* An accepted verdict whose handshake never completes (the client vanished). */
#define GW_HANDSHAKE_US 75000000ull

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
    uint8_t h_in;        /* the last poll said hfd is readable (or failed, or at EOF) */
    uint8_t h_out;       /* ... writable (or failed); for a connect: it finished */
} gw_conn;

struct gw_relay {
    synack_stack *st;
    int ls;
    gw_opts o;
    gw_conn *c;
    uint32_t n;    /* slots */
    uint32_t open; /* slots in use */
    uint64_t seen; /* TCPSynHeld when the held list was last read */
    gw_stats stats;
    synack_held_syn *held;
    uint32_t nheld;
    uint32_t *pidx; /* the slot of each entry gw_relay_pollfds filled */
};

gw_relay *gw_relay_new(synack_stack *st, int ls, const gw_opts *o)
{
    gw_relay *r = calloc(1, sizeof(*r));
    if (!r)
        return NULL;
    r->st = st;
    r->ls = ls;
    r->o = *o;
    r->n = o->max_conns;
    r->c = calloc(r->n, sizeof(*r->c));
    r->nheld = 1024;
    r->held = calloc(r->nheld, sizeof(*r->held));
    r->pidx = calloc(r->n, sizeof(*r->pidx));
    if (!r->c || !r->held || !r->pidx) {
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
    free(r->pidx);
    free(r);
}

static int same_ep(const synack_endpoints *a, const synack_endpoints *b)
{
    return a->laddr == b->laddr && a->raddr == b->raddr && a->lport == b->lport &&
           a->rport == b->rport;
}

static gw_conn *find(gw_relay *r, const synack_endpoints *ep, int state)
{
    for (uint32_t i = 0; i < r->n; i++)
        if (r->c[i].state == state && same_ep(&r->c[i].ep, ep))
            return &r->c[i];
    return NULL;
}

static void release(gw_relay *r, gw_conn *c)
{
    if (c->hfd >= 0)
        close(c->hfd);
    memset(c, 0, sizeof(*c));
    c->state = GW_FREE;
    r->open--;
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
    } else if (err == EHOSTUNREACH || err == ENETUNREACH) {
        v = SYNACK_VERDICT_UNREACH;
        code = err == ENETUNREACH ? 0 : 1;
        r->stats.unreachable++;
    } else {
        r->stats.dropped++;
    }
    int rc = synack_held_verdict(r->st, r->ls, &c->ep, v, code);
    if (v == SYNACK_VERDICT_ACCEPT && rc == 0) {
        c->state = GW_HANDSHAKE;
        c->deadline = c->deadline + GW_HANDSHAKE_US;
        return;
    }
    release(r, c);
}

static void connect_done(gw_relay *r, gw_conn *c)
{
    int err = 0;
    socklen_t el = sizeof(err);
    if (getsockopt(c->hfd, SOL_SOCKET, SO_ERROR, &err, &el) != 0)
        err = errno;
    verdict(r, c, err);
}

static void start_connect(gw_relay *r, const synack_held_syn *h, uint64_t now)
{
    if (r->open >= r->n) {
        /* A SYN flood from inside may not exhaust the host's descriptors: refuse. */
        r->stats.limit++;
        synack_held_verdict(r->st, r->ls, &h->ep, SYNACK_VERDICT_REFUSE, 0);
        return;
    }
    gw_conn *c = NULL;
    for (uint32_t i = 0; i < r->n && !c; i++)
        if (r->c[i].state == GW_FREE)
            c = &r->c[i];
    r->open++;
    c->state = GW_CONNECTING;
    c->ep = h->ep;
    c->ss = -1;
    c->deadline = now + (uint64_t)r->o.connect_ms * 1000;
    r->stats.held++;
    c->hfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c->hfd < 0) {
        verdict(r, c, errno);
        return;
    }
    /* The endpoint already chose how to coalesce its writes; Nagle here would only add a
     * wait for our ACK on top of it (a round trip per small reply). */
    int one = 1;
    setsockopt(c->hfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    struct sockaddr_in a = {
        .sin_family = AF_INET, .sin_port = htons(h->ep.lport), .sin_addr = {htonl(h->ep.laddr)}};
    if (connect(c->hfd, (struct sockaddr *)&a, sizeof(a)) == 0) {
        verdict(r, c, 0);
        return;
    }
    if (errno != EINPROGRESS) {
        verdict(r, c, errno);
        return;
    }
    /* A nearby host (loopback, a local bridge) has often answered within connect() itself:
     * the SYN-ACK then goes out in this round instead of after another poll. Asking
     * connect() again says it in one call: 0 connected, EALREADY still going, else the
     * error the attempt ended with. */
    if (connect(c->hfd, (struct sockaddr *)&a, sizeof(a)) == 0)
        verdict(r, c, 0);
    else if (errno == EISCONN)
        verdict(r, c, 0);
    else if (errno != EALREADY && errno != EINPROGRESS)
        verdict(r, c, errno);
}

/* New held SYNs: only when the counter says one arrived (the list is not read for
 * nothing every round). */
static void take_held(gw_relay *r, uint64_t now)
{
    uint64_t held = synack_counter_get(r->st, SYNACK_CTR_TCPSynHeld);
    if (held == r->seen)
        return;
    r->seen = held;
    int n = synack_held_list(r->st, r->ls, r->held, (int)r->nheld);
    for (int i = 0; i < n; i++)
        if (!find(r, &r->held[i].ep, GW_CONNECTING))
            start_connect(r, &r->held[i], now);
}

static void accept_new(gw_relay *r)
{
    for (;;) {
        int ss = synack_accept(r->st, r->ls, NULL, NULL);
        if (ss < 0)
            return;
        struct sockaddr_in l, p;
        synack_socklen_t ll = sizeof(l), pl = sizeof(p);
        synack_getsockname(r->st, ss, (struct sockaddr *)&l, &ll);
        synack_getpeername(r->st, ss, (struct sockaddr *)&p, &pl);
        synack_endpoints ep = {.laddr = ntohl(l.sin_addr.s_addr),
                               .raddr = ntohl(p.sin_addr.s_addr),
                               .lport = ntohs(l.sin_port),
                               .rport = ntohs(p.sin_port)};
        gw_conn *c = find(r, &ep, GW_HANDSHAKE);
        if (!c) {
            synack_close(r->st, ss);
            continue;
        }
        c->ss = ss;
        c->state = GW_RELAY;
        c->h_in = 1; /* the host may have spoken first: try it once */
        int one = 1;
        synack_setsockopt(r->st, ss, SYNACK_IPPROTO_TCP, SYNACK_TCP_NODELAY, &one, sizeof(one));
    }
}

/* Ends a relay with a reset on both sides: SO_LINGER {1, 0} makes close() send RST. */
static void reset_both(gw_relay *r, gw_conn *c)
{
    struct linger lg = {1, 0};
    setsockopt(c->hfd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
    synack_setsockopt(r->st, c->ss, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
    synack_close(r->st, c->ss);
    r->stats.resets++;
    release(r, c);
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
            return 0;
        }
    }
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
        if (n < room) {
            /* A stream socket returns less than asked only when it had no more: the next
             * poll says when there is. */
            c->h_in = 0;
            return 0;
        }
    }
    return 0;
}

void gw_relay_step(gw_relay *r, uint64_t now)
{
    take_held(r, now);
    for (uint32_t i = 0; i < r->n; i++) {
        gw_conn *c = &r->c[i];
        if (c->state == GW_CONNECTING) {
            if (c->h_out)
                connect_done(r, c);
            else if (now >= c->deadline) {
                verdict(r, c, ETIMEDOUT);
            }
        } else if (c->state == GW_HANDSHAKE && now >= c->deadline) {
            release(r, c);
        }
    }
    accept_new(r);
    for (uint32_t i = 0; i < r->n; i++) {
        gw_conn *c = &r->c[i];
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

int gw_relay_pollfds(gw_relay *r, struct pollfd *out, int max)
{
    int n = 0;
    for (uint32_t i = 0; i < r->n && n < max; i++) {
        gw_conn *c = &r->c[i];
        short ev = 0;
        if (c->state == GW_CONNECTING)
            ev = POLLOUT;
        else if (c->state == GW_RELAY)
            ev = (short)((c->h_blocked ? POLLOUT : 0) | (c->s_full || c->down_eof ? 0 : POLLIN));
        c->h_in = c->h_out = 0; /* until gw_relay_revents says otherwise */
        if (!ev)
            continue;
        r->pidx[n] = i;
        out[n].fd = c->hfd;
        out[n].events = ev;
        out[n].revents = 0;
        n++;
    }
    return n;
}

void gw_relay_revents(gw_relay *r, const struct pollfd *pf, int n)
{
    for (int k = 0; k < n; k++) {
        gw_conn *c = &r->c[r->pidx[k]];
        short ev = pf[k].revents;
        c->h_in = (ev & (POLLIN | POLLHUP | POLLERR)) != 0;
        c->h_out = (ev & (POLLOUT | POLLHUP | POLLERR)) != 0;
    }
}

uint64_t gw_relay_deadline(const gw_relay *r)
{
    uint64_t d = UINT64_MAX;
    for (uint32_t i = 0; i < r->n; i++)
        if ((r->c[i].state == GW_CONNECTING || r->c[i].state == GW_HANDSHAKE) &&
            r->c[i].deadline < d)
            d = r->c[i].deadline;
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
