/* SPDX-License-Identifier: MIT */
#include "cmd_gateway_echo.h"

#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cmd_gateway_events.h"

static size_t alen(const gw_echo_table *t)
{
    return t->family == AF_INET6 ? 16 : 4;
}

void gw_echo_init(gw_echo_table *t, int family)
{
    memset(t, 0, sizeof(*t));
    t->family = family;
    for (int i = 0; i < GW_ECHO_FLOWS; i++)
        t->f[i].fd = -1;
}

void gw_echo_close_all(gw_echo_table *t)
{
    for (int i = 0; i < GW_ECHO_FLOWS; i++)
        if (t->f[i].fd >= 0)
            close(t->f[i].fd);
}

static int ping_socket(const gw_echo_table *t, const uint8_t *dst)
{
    int fd = socket(t->family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
                    t->family == AF_INET6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP);
    if (fd < 0)
        return -errno; /* EACCES: ping_group_range does not include us */
    int r;
    if (t->family == AF_INET6) {
        struct sockaddr_in6 to = {.sin6_family = AF_INET6};
        memcpy(to.sin6_addr.s6_addr, dst, 16);
        r = connect(fd, (struct sockaddr *)&to, sizeof(to));
    } else {
        struct sockaddr_in to = {.sin_family = AF_INET};
        memcpy(&to.sin_addr.s_addr, dst, 4);
        r = connect(fd, (struct sockaddr *)&to, sizeof(to));
    }
    if (r != 0) {
        r = -errno; /* ENETUNREACH, EHOSTUNREACH: no route to dst */
        close(fd);
        return r;
    }
    return fd;
}

/* The flow of (src, dst, id), opened if need be; NULL with *err a negative errno if not. */
static gw_echo_flow *flow_for(gw_echo_table *t, const uint8_t *src, const uint8_t *dst, uint16_t id,
                              int *err)
{
    size_t n = alen(t);
    gw_echo_flow *free_ = NULL, *lru = NULL;
    for (int i = 0; i < GW_ECHO_FLOWS; i++) {
        gw_echo_flow *f = &t->f[i];
        if (f->fd < 0) {
            if (!free_)
                free_ = f;
            continue;
        }
        if (memcmp(f->src, src, n) == 0 && memcmp(f->dst, dst, n) == 0 && f->id == id)
            return f;
        if (!lru || f->last < lru->last)
            lru = f;
    }
    gw_echo_flow *f = free_;
    if (!f) {
        gw_fd_close(lru->fd);
        lru->fd = -1;
        t->open--;
        f = lru;
    }
    int fd = ping_socket(t, dst);
    if (fd < 0) {
        *err = fd;
        return NULL;
    }
    memset(f, 0, sizeof(*f));
    f->fd = fd;
    t->open++;
    memcpy(f->src, src, n);
    memcpy(f->dst, dst, n);
    f->id = id;
    return f;
}

int gw_echo_request(gw_echo_table *t, gw_icmp_stats *st, const uint8_t *eth, const uint8_t *src,
                    const uint8_t *dst, const uint8_t *icmp, size_t n, uint64_t now)
{
    int err = 0;
    gw_echo_flow *f = flow_for(t, src, dst, (uint16_t)(icmp[4] << 8 | icmp[5]), &err);
    if (!f) {
        st->refused++;
        return err == -ENETUNREACH || err == -EHOSTUNREACH ? err : 1;
    }
    if (eth) {
        memcpy(f->mac, eth + 6, 6);
        memcpy(f->gwmac, eth, 6);
    }
    f->last = now;
    /* the kernel sets the identifier and the checksum */
    if (send(f->fd, icmp, n, 0) >= 0)
        st->requests++;
    return 1;
}

void gw_echo_step(gw_echo_table *t, uint64_t now, uint8_t *buf, size_t cap, gw_echo_reply_fn reply,
                  void *ctx)
{
    for (int i = 0; i < t->npf; i++) {
        gw_echo_flow *f = &t->f[t->pf_flow[i]];
        if (f->fd != t->pf[i].fd || !(t->pf[i].revents & POLLIN))
            continue;
        for (int k = 0; k < 16; k++) {
            ssize_t n = recv(f->fd, buf, cap, MSG_DONTWAIT);
            if (n < 0)
                break;
            f->last = now;
            reply(ctx, f, (size_t)n);
        }
    }
    t->npf = 0;
    for (int i = 0; t->open > 0 && i < GW_ECHO_FLOWS; i++) {
        if (t->f[i].fd >= 0 && now >= t->f[i].last + GW_ECHO_IDLE_US) {
            gw_fd_close(t->f[i].fd);
            t->f[i].fd = -1;
            t->open--;
        }
    }
}

int gw_echo_pollfds(gw_echo_table *t, struct pollfd *out, int max)
{
    int n = 0;
    for (int i = 0; t->open > 0 && i < GW_ECHO_FLOWS && n < max; i++) {
        if (t->f[i].fd < 0)
            continue;
        out[n].fd = t->f[i].fd;
        out[n].events = POLLIN;
        out[n].revents = 0;
        t->pf_flow[n] = i;
        n++;
    }
    t->pf = out;
    t->npf = n;
    return n;
}
