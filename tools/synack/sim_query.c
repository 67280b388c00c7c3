/* SPDX-License-Identifier: MIT */
/* synack sim — questions a scenario asks about what happened, for its checks. */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "sim_world.h"

synack_tcp_state sim_sock_state(sim *w, int host, int s)
{
    synack_tcp_info info;
    socklen_t len = sizeof(info);
    if (synack_getsockopt(sim_stack(w, host), s, IPPROTO_TCP, SYNACK_TCP_INFO, &info, &len) != 0)
        return SYNACK_CLOSED;
    return (synack_tcp_state)info.state;
}

struct count_ctx {
    int any;                /* count every state but LISTEN */
    synack_tcp_state state; /* else this one */
    int n;                  /* result */
};

static void count_visit(void *ctx, const synack_conn_view *v)
{
    struct count_ctx *c = ctx;
    if (c->any ? v->state != SYNACK_LISTEN : v->state == c->state)
        c->n++;
}

int sim_count_state(sim *w, int host, synack_tcp_state state)
{
    struct count_ctx c = {0, state, 0};
    synack_foreach_conn(sim_stack(w, host), count_visit, &c);
    return c.n;
}

int sim_count_conns(sim *w, int host)
{
    struct count_ctx c = {1, SYNACK_CLOSED, 0};
    synack_foreach_conn(sim_stack(w, host), count_visit, &c);
    return c.n;
}

static int is_state_to(const sim_item *it, int host, synack_tcp_state state)
{
    return it->kind == SIM_IT_EVENT && it->lane == host && it->ev.type == SYNACK_EV_STATE &&
           it->ev.u.state.to == state;
}

uint64_t sim_state_time(const sim *w, int host, synack_tcp_state state, int nth)
{
    int k = 0;
    for (size_t i = 0; i < w->nitems; i++)
        if (is_state_to(&w->items[i], host, state) && ++k == nth)
            return w->items[i].t;
    return UINT64_MAX;
}

int sim_state_entries(const sim *w, int host, synack_tcp_state state)
{
    int k = 0;
    for (size_t i = 0; i < w->nitems; i++)
        k += is_state_to(&w->items[i], host, state);
    return k;
}

const char *sim_state_path(const sim *w, int host, uint32_t conn_id, char *buf, size_t cap)
{
    size_t n = 0;
    buf[0] = '\0';
    int first = 1;
    for (size_t i = 0; i < w->nitems && n + 1 < cap; i++) {
        const sim_item *it = &w->items[i];
        if (it->kind != SIM_IT_EVENT || it->lane != host || it->ev.type != SYNACK_EV_STATE)
            continue;
        uint32_t id = sim_event_conn(w, i);
        if (conn_id == 0 && id != 0)
            conn_id = id;
        if (id != conn_id)
            continue;
        int k;
        if (first)
            k = snprintf(buf + n, cap - n, "%s>%s", synack_state_name(it->ev.u.state.from),
                         synack_state_name(it->ev.u.state.to));
        else
            k = snprintf(buf + n, cap - n, ">%s", synack_state_name(it->ev.u.state.to));
        if (k < 0)
            break;
        n += (size_t)k;
        if (n >= cap)
            n = cap - 1;
        first = 0;
    }
    return buf;
}

static int tx_matches(const sim_item *it, int host, uint8_t mask, uint8_t value)
{
    return it->kind == SIM_IT_SEG && !it->injected && it->lane == host &&
           (it->ev.u.seg.flags & mask) == value;
}

int sim_count_tx(const sim *w, int host, uint8_t mask, uint8_t value)
{
    int k = 0;
    for (size_t i = 0; i < w->nitems; i++)
        k += tx_matches(&w->items[i], host, mask, value);
    return k;
}

const sim_item *sim_nth_tx(const sim *w, int host, uint8_t mask, uint8_t value, int nth)
{
    int k = 0;
    for (size_t i = 0; i < w->nitems; i++)
        if (tx_matches(&w->items[i], host, mask, value) && ++k == nth)
            return &w->items[i];
    return NULL;
}

size_t sim_mark(const sim *w)
{
    return w->nitems;
}

const char *sim_flow(const sim *w, size_t mark, char *buf, size_t cap)
{
    size_t n = 0;
    buf[0] = '\0';
    for (size_t i = mark; i < w->nitems && n + 1 < cap; i++) {
        const sim_item *it = &w->items[i];
        if (it->kind != SIM_IT_SEG)
            continue;
        char flags[9];
        synack_flags_str(it->ev.u.seg.flags, flags);
        char who = it->lane >= 0 && it->lane < w->nlanes
                       ? (char)(w->lanes[it->lane].name[0] - 'a' + 'A')
                       : '?';
        int k = snprintf(buf + n, cap - n, "%s%c:%s", n ? "|" : "", who, flags);
        if (k > 0 && it->ev.u.seg.len && (size_t)k < cap - n)
            k += snprintf(buf + n + (size_t)k, cap - n - (size_t)k, "/%u", it->ev.u.seg.len);
        if (k > 0 && it->lost && (size_t)k < cap - n)
            k += snprintf(buf + n + (size_t)k, cap - n - (size_t)k, "x");
        if (k < 0)
            break;
        n += (size_t)k;
        if (n >= cap)
            n = cap - 1;
    }
    return buf;
}

int sim_count_timer(const sim *w, int host, const char *timer)
{
    int k = 0;
    for (size_t i = 0; i < w->nitems; i++) {
        const sim_item *it = &w->items[i];
        if (it->kind == SIM_IT_EVENT && it->lane == host && it->ev.type == SYNACK_EV_TIMER &&
            it->ev.u.timer.timer && strcmp(it->ev.u.timer.timer, timer) == 0)
            k++;
    }
    return k;
}

int sim_count_drop(const sim *w, int host, const char *reason)
{
    int k = 0;
    for (size_t i = 0; i < w->nitems; i++) {
        const sim_item *it = &w->items[i];
        if (it->kind == SIM_IT_EVENT && it->lane == host && it->ev.type == SYNACK_EV_DROP &&
            it->ev.u.drop.reason && strcmp(it->ev.u.drop.reason, reason) == 0)
            k++;
    }
    return k;
}

const char *sim_ret_str(long ret, char *buf, size_t cap)
{
    static const struct {
        int e;
        const char *name;
    } names[] = {
        {EAGAIN, "EAGAIN"},
        {EINPROGRESS, "EINPROGRESS"},
        {ECONNREFUSED, "ECONNREFUSED"},
        {ECONNRESET, "ECONNRESET"},
        {ETIMEDOUT, "ETIMEDOUT"},
        {EADDRINUSE, "EADDRINUSE"},
        {EADDRNOTAVAIL, "EADDRNOTAVAIL"},
        {EINVAL, "EINVAL"},
        {EBADF, "EBADF"},
        {EPIPE, "EPIPE"},
        {ENOTCONN, "ENOTCONN"},
        {EISCONN, "EISCONN"},
        {EALREADY, "EALREADY"},
        {ENOBUFS, "ENOBUFS"},
        {EMFILE, "EMFILE"},
        {ENOPROTOOPT, "ENOPROTOOPT"},
        {EHOSTUNREACH, "EHOSTUNREACH"},
        {ENETUNREACH, "ENETUNREACH"},
        {ENOMEM, "ENOMEM"},
        {EOPNOTSUPP, "EOPNOTSUPP"},
        {EFAULT, "EFAULT"},
        {EAFNOSUPPORT, "EAFNOSUPPORT"},
        {EPROTONOSUPPORT, "EPROTONOSUPPORT"},
    };
    if (ret < 0) {
        for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
            if (-ret == names[i].e) {
                snprintf(buf, cap, "-%s", names[i].name);
                return buf;
            }
    }
    snprintf(buf, cap, "%ld", ret);
    return buf;
}

const char *sim_addr_str(uint32_t a, char *buf, size_t cap)
{
    snprintf(buf, cap, "%u.%u.%u.%u", a >> 24, (a >> 16) & 0xff, (a >> 8) & 0xff, a & 0xff);
    return buf;
}

/* ---- waiting ---------------------------------------------------------------------------- */

int sim_wait(sim *w, uint64_t limit, int (*cond)(sim *w, void *ctx), void *ctx)
{
    uint64_t same = 0, last = UINT64_MAX;
    for (;;) {
        if (cond(w, ctx))
            return 1;
        uint64_t now = sim_now(w);
        if (now >= limit)
            return 0;
        uint64_t next = synack_simnet_next(w->net);
        if (next == UINT64_MAX || next > limit) {
            sim_run_until(w, limit);
            return cond(w, ctx);
        }
        if (next <= now) {
            /* Something is due now: run it without moving the clock; if that does not
             * settle, move on by a microsecond. */
            if (last == now && ++same > 64)
                synack_simnet_run(w->net, now + 1);
            else
                synack_simnet_run(w->net, now);
        } else {
            synack_simnet_run(w->net, next);
        }
        if (sim_now(w) != last) {
            last = sim_now(w);
            same = 0;
        }
    }
}

struct state_wait {
    int host;               /* whose socket */
    int s;                  /* which */
    synack_tcp_state state; /* wanted */
};

static int state_reached(sim *w, void *ctx)
{
    struct state_wait *sw = ctx;
    return sim_sock_state(w, sw->host, sw->s) == sw->state;
}

int sim_wait_state(sim *w, int host, int s, synack_tcp_state state, uint64_t limit)
{
    struct state_wait sw = {host, s, state};
    return sim_wait(w, limit, state_reached, &sw);
}

struct sock_wait {
    int host; /* whose socket */
    int s;    /* which: a listener or a connection */
};

/* The poll events of a POLLIN poll on sw's socket (0 when none). */
static short poll_in(sim *w, const struct sock_wait *sw)
{
    synack_pollfd p = {.sock = sw->s, .events = POLLIN};
    return synack_sock_poll(sim_stack(w, sw->host), &p, 1) > 0 ? p.revents : 0;
}

static int acceptable(sim *w, void *ctx)
{
    return (poll_in(w, ctx) & POLLIN) != 0;
}

int sim_wait_accept(sim *w, int host, int ls, uint64_t limit)
{
    struct sock_wait sw = {host, ls};
    if (!sim_wait(w, limit, acceptable, &sw))
        return -EAGAIN;
    return sim_accept(w, host, ls);
}

/* Any event counts: POLLERR/POLLHUP also mean recv() returns at once. */
static int readable(sim *w, void *ctx)
{
    return poll_in(w, ctx) != 0;
}

int sim_wait_readable(sim *w, int host, int s, uint64_t limit)
{
    struct sock_wait sw = {host, s};
    return sim_wait(w, limit, readable, &sw);
}

/* ---- compound checks --------------------------------------------------------------------- */

void sim_expect_path(sim *w, int host, uint32_t conn_id, const char *want)
{
    char got[512];
    sim_state_path(w, host, conn_id, got, sizeof(got));
    if (strcmp(got, want) == 0)
        sim_expect(w, 1, "%s passes %s", w->lanes[host].name, want);
    else
        sim_expect(w, 0, "%s passes %s (it went %s)", w->lanes[host].name, want,
                   got[0] ? got : "nowhere");
}

void sim_expect_flow(sim *w, size_t mark, const char *want)
{
    char got[1024];
    sim_flow(w, mark, got, sizeof(got));
    if (strcmp(got, want) == 0)
        sim_expect_exact(w, 1, "segments %s", want);
    else
        sim_expect_exact(w, 0, "segments %s (saw %s)", want, got);
}

uint32_t sim_conn_after(const sim *w, int host, size_t mark)
{
    for (size_t i = mark; i < w->nitems; i++) {
        const sim_item *it = &w->items[i];
        if (it->kind == SIM_IT_SEG && !it->injected && it->lane == host)
            return it->conn_id;
    }
    return 0;
}
