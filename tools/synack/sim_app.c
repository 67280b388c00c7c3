/* SPDX-License-Identifier: MIT */
/* synack sim — application calls made by a scenario's script. Each is recorded as the
 * script makes it (so a drawing shows "connect()" before the SYN it causes) with its
 * return value; the stack's own app events still go to the json stream. A call the stack
 * does not trace itself (getsockopt) goes to the json stream as its own app event, so json
 * carries every line the drawings show. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "sim_world.h"

size_t sim_app_begin(sim *w, int host, const char *fmt, ...)
{
    char buf[160];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    sim_item *it = sim_push(w, SIM_IT_APP, host);
    it->text = sim_intern(w, buf);
    it->no_json = 1;
    /* The json record, in case the stack traces none for this call: the label as the
     * call, since e.g. "getsockopt(SO_ERROR)" is what its return value means. */
    it->ev.type = SYNACK_EV_APP;
    it->ev.t_us = it->t;
    it->ev.u.app.call = it->text;
    it->ev.u.app.sock = -1;
    w->in_call++;
    return (size_t)(it - w->items);
}

long sim_app_ret(sim *w, size_t mark, long ret)
{
    if (mark < w->nitems && w->items[mark].kind == SIM_IT_APP) {
        sim_item *it = &w->items[mark];
        it->ret = ret;
        it->has_ret = 1;
        int traced = 0;
        for (size_t i = mark + 1; i < w->nitems && !traced; i++)
            traced = w->items[i].kind == SIM_IT_EVENT && w->items[i].lane == it->lane &&
                     w->items[i].ev.type == SYNACK_EV_APP;
        if (!traced) {
            it->ev.u.app.ret = ret;
            it->no_json = 0;
        }
    }
    if (w->in_call > 0)
        w->in_call--;
    return ret;
}

/* A socket address of either family: addr (0: any) and port as the run speaks them. */
typedef struct sim_sa {
    union {
        struct sockaddr_in v4;
        struct synack_sockaddr_in6 v6;
    } u;
    synack_socklen_t len;
} sim_sa;

static sim_sa sin_of(const sim *w, uint32_t addr, uint16_t port)
{
    sim_sa a;
    memset(&a, 0, sizeof(a));
    if (sim_ipv6(w)) {
        a.u.v6.sin6_family = SYNACK_AF_INET6;
        a.u.v6.sin6_port = htons(port);
        if (addr)
            sim_addr6(addr, a.u.v6.sin6_addr.s6_bytes);
        a.len = (synack_socklen_t)sizeof(a.u.v6);
        return a;
    }
    a.u.v4.sin_family = AF_INET;
    a.u.v4.sin_addr.s_addr = htonl(addr);
    a.u.v4.sin_port = htons(port);
    a.len = (synack_socklen_t)sizeof(a.u.v4);
    return a;
}

#define SA(a) ((struct sockaddr *)&(a).u), (a).len

/* socket() is not worth a line in a drawing: it is traced but not drawn. */
static int quiet_socket(sim *w, int host)
{
    w->in_call++;
    int s = sim_ipv6(w) ? synack_socket_domain(sim_stack(w, host), SYNACK_AF_INET6, SOCK_STREAM)
                        : synack_socket(sim_stack(w, host), SOCK_STREAM);
    w->in_call--;
    return s;
}

uint16_t sim_local_port(sim *w, int host, int s)
{
    sim_sa a;
    memset(&a, 0, sizeof(a));
    synack_socklen_t len = (synack_socklen_t)sizeof(a.u);
    if (synack_getsockname(sim_stack(w, host), s, (struct sockaddr *)&a.u, &len) != 0)
        return 0;
    /* sin_port and sin6_port share their offset */
    return ntohs(a.u.v4.sin_port);
}

int sim_listen(sim *w, int host, uint16_t port, int backlog)
{
    synack_stack *st = sim_stack(w, host);
    int s = quiet_socket(w, host);
    if (s < 0)
        return s;
    sim_sa sin = sin_of(w, 0, port);
    size_t m = sim_app_begin(w, host, "bind(:%u)", port);
    int rc = (int)sim_app_ret(w, m, synack_bind(st, s, SA(sin)));
    if (rc < 0)
        return rc;
    m = sim_app_begin(w, host, "listen(backlog %d)", backlog);
    rc = (int)sim_app_ret(w, m, synack_listen(st, s, backlog));
    return rc < 0 ? rc : s;
}

int sim_connect(sim *w, int host, uint32_t addr, uint16_t port)
{
    synack_stack *st = sim_stack(w, host);
    int s = quiet_socket(w, host);
    if (s < 0)
        return s;
    sim_sa sin = sin_of(w, addr, port);
    size_t m = sim_app_begin(w, host, "connect()");
    int rc = (int)sim_app_ret(w, m, synack_connect(st, s, SA(sin)));
    return rc == -EINPROGRESS || rc == 0 ? s : rc;
}

int sim_connect_from(sim *w, int host, uint16_t lport, int reuseaddr, uint32_t addr, uint16_t port)
{
    synack_stack *st = sim_stack(w, host);
    int s = quiet_socket(w, host);
    if (s < 0)
        return s;
    if (reuseaddr) {
        int rc = sim_setsockopt_int(w, host, s, SOL_SOCKET, SO_REUSEADDR, "SO_REUSEADDR", 1);
        if (rc < 0)
            return rc;
    }
    sim_sa local = sin_of(w, 0, lport);
    size_t m = sim_app_begin(w, host, "bind(:%u)", lport);
    int rc = (int)sim_app_ret(w, m, synack_bind(st, s, SA(local)));
    if (rc < 0) {
        w->in_call++;
        synack_close(st, s);
        w->in_call--;
        return rc;
    }
    sim_sa sin = sin_of(w, addr, port);
    m = sim_app_begin(w, host, "connect()");
    rc = (int)sim_app_ret(w, m, synack_connect(st, s, SA(sin)));
    return rc == -EINPROGRESS || rc == 0 ? s : rc;
}

int sim_accept(sim *w, int host, int ls)
{
    synack_stack *st = sim_stack(w, host);
    /* A failed accept (nothing queued yet) is not drawn. */
    w->in_call++;
    int rc = synack_accept(st, ls, NULL, NULL);
    w->in_call--;
    if (rc >= 0) {
        size_t m = sim_app_begin(w, host, "accept()");
        sim_app_ret(w, m, rc);
    }
    return rc;
}

ssize_t sim_send(sim *w, int host, int s, const void *buf, size_t len)
{
    size_t m = sim_app_begin(w, host, "send(%zu bytes)", len);
    return (ssize_t)sim_app_ret(w, m, (long)synack_send(sim_stack(w, host), s, buf, len, 0));
}

ssize_t sim_recv(sim *w, int host, int s, void *buf, size_t cap)
{
    synack_stack *st = sim_stack(w, host);
    uint8_t scratch[16384];
    size_t got = 0;
    ssize_t last = 0;
    w->in_call++;
    for (;;) {
        uint8_t *dst = buf ? (uint8_t *)buf + got : scratch;
        size_t room = buf ? cap - got : sizeof(scratch);
        if (room == 0)
            break;
        last = synack_recv(st, s, dst, room, 0);
        if (last <= 0)
            break;
        got += (size_t)last;
        if (!buf && cap && got >= cap)
            break;
    }
    w->in_call--;
    long ret = got > 0 ? (long)got : (long)last;
    if (ret != -EAGAIN) {
        size_t m = sim_app_begin(w, host, "recv()");
        sim_app_ret(w, m, ret);
    }
    return (ssize_t)ret;
}

int sim_close(sim *w, int host, int s)
{
    size_t m = sim_app_begin(w, host, "close()");
    return (int)sim_app_ret(w, m, synack_close(sim_stack(w, host), s));
}

int sim_shutdown(sim *w, int host, int s, int how)
{
    size_t m = sim_app_begin(w, host, "shutdown(%s)",
                             how == SHUT_WR   ? "SHUT_WR"
                             : how == SHUT_RD ? "SHUT_RD"
                                              : "SHUT_RDWR");
    return (int)sim_app_ret(w, m, synack_shutdown(sim_stack(w, host), s, how));
}

int sim_setsockopt_int(sim *w, int host, int s, int level, int name, const char *label, int v)
{
    size_t m = sim_app_begin(w, host, "setsockopt(%s=%d)", label, v);
    return (int)sim_app_ret(
        w, m, synack_setsockopt(sim_stack(w, host), s, level, name, &v, (socklen_t)sizeof(v)));
}

int sim_linger(sim *w, int host, int s, int on, int secs)
{
    struct linger lg = {.l_onoff = on, .l_linger = secs};
    size_t m = sim_app_begin(w, host, "setsockopt(SO_LINGER={%d,%d})", on, secs);
    return (int)sim_app_ret(w, m,
                            synack_setsockopt(sim_stack(w, host), s, SOL_SOCKET, SO_LINGER, &lg,
                                              (socklen_t)sizeof(lg)));
}

int sim_sock_error(sim *w, int host, int s)
{
    int v = 0;
    socklen_t len = sizeof(v);
    size_t m = sim_app_begin(w, host, "getsockopt(SO_ERROR)");
    w->items[m].ev.u.app.sock = s;
    int rc = synack_getsockopt(sim_stack(w, host), s, SOL_SOCKET, SO_ERROR, &v, &len);
    /* synack keeps SO_ERROR as a negative errno; accept a positive one as well. */
    return (int)sim_app_ret(w, m, rc < 0 ? rc : v > 0 ? -v : v);
}

int sim_open(sim *w, int client, int server, int ls, uint32_t addr, uint16_t port, int *cs, int *ss)
{
    *ss = -1;
    *cs = sim_connect(w, client, addr, port);
    if (*cs < 0)
        return *cs;
    *ss = sim_wait_accept(w, server, ls, sim_now(w) + 300 * SIM_S);
    if (*ss < 0)
        return *ss;
    /* The client may see ESTABLISHED after the server when its SYN-ACK was lost. */
    sim_wait_state(w, client, *cs, SYNACK_ESTABLISHED, sim_now(w) + 300 * SIM_S);
    return 0;
}

int sim_socket(sim *w, int host)
{
    return quiet_socket(w, host);
}

int sim_bind(sim *w, int host, int s, uint16_t port)
{
    sim_sa sin = sin_of(w, 0, port);
    size_t m = sim_app_begin(w, host, "bind(:%u)", port);
    return (int)sim_app_ret(w, m, synack_bind(sim_stack(w, host), s, SA(sin)));
}

int sim_listen_sock(sim *w, int host, int s, int backlog)
{
    size_t m = sim_app_begin(w, host, "listen(backlog %d)", backlog);
    return (int)sim_app_ret(w, m, synack_listen(sim_stack(w, host), s, backlog));
}
