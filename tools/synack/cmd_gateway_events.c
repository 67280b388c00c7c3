/* SPDX-License-Identifier: MIT */
/* synack gateway: the event table over epoll(7) (see cmd_gateway_events.h). The table
 * mirrors what the kernel holds per fd, so an unchanged interest costs no system call. It
 * is indexed by fd: its size follows the largest fd, which RLIMIT_NOFILE bounds. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd_gateway_events.h"

/* Each --threads thread has its own table; a closing fd is always its thread's own. */
static _Thread_local gw_ev *gw_ev_current;

int gw_ev_init(gw_ev *e)
{
    memset(e, 0, sizeof(*e));
    e->epfd = epoll_create1(EPOLL_CLOEXEC);
    return e->epfd < 0 ? -errno : 0;
}

void gw_ev_free(gw_ev *e)
{
    if (gw_ev_current == e)
        gw_ev_current = NULL;
    if (e->epfd >= 0)
        close(e->epfd);
    free(e->slot);
    free(e->list);
    memset(e, 0, sizeof(*e));
    e->epfd = -1;
}

static gw_ev_slot *slot_of(gw_ev *e, int fd)
{
    if ((uint32_t)fd >= e->nslot) {
        uint32_t n = e->nslot ? e->nslot : 64;
        while (n <= (uint32_t)fd)
            n *= 2;
        gw_ev_slot *s = realloc(e->slot, n * sizeof(*s));
        if (!s)
            return NULL;
        memset(s + e->nslot, 0, (n - e->nslot) * sizeof(*s));
        e->slot = s;
        e->nslot = n;
    }
    return &e->slot[fd];
}

static int ctl(gw_ev *e, int op, int fd, uint32_t events, uint64_t tag)
{
    struct epoll_event ev = {.events = events, .data.u64 = tag};
    e->ctl_calls++;
    if (epoll_ctl(e->epfd, op, fd, &ev) == 0)
        return 0;
    return -errno;
}

int gw_ev_set(gw_ev *e, int fd, uint32_t events, uint64_t tag)
{
    if (fd < 0)
        return -EINVAL;
    gw_ev_slot *s = slot_of(e, fd);
    if (!s)
        return -ENOMEM;
    if (s->events == events && (events == 0 || s->tag == tag))
        return 0;
    int rc;
    if (events == 0) {
        rc = ctl(e, EPOLL_CTL_DEL, fd, 0, 0);
        if (rc == -ENOENT || rc == -EBADF)
            rc = 0; /* closed (and so removed) without gw_ev_forget */
    } else if (s->events) {
        rc = ctl(e, EPOLL_CTL_MOD, fd, events, tag);
        if (rc == -ENOENT) /* closed and reopened without gw_ev_forget */
            rc = ctl(e, EPOLL_CTL_ADD, fd, events, tag);
    } else {
        rc = ctl(e, EPOLL_CTL_ADD, fd, events, tag);
        if (rc == -EEXIST)
            rc = ctl(e, EPOLL_CTL_MOD, fd, events, tag);
    }
    if (rc != 0) {
        s->events = 0;
        return rc;
    }
    s->events = events;
    s->tag = tag;
    s->listed = 0;
    return 0;
}

void gw_ev_forget(gw_ev *e, int fd)
{
    if (fd < 0 || (uint32_t)fd >= e->nslot)
        return;
    e->slot[fd].events = 0;
    e->slot[fd].listed = 0;
}

static int list_add(gw_ev *e, int fd)
{
    if (e->nlist == e->caplist) {
        uint32_t n = e->caplist ? 2 * e->caplist : 64;
        int *l = realloc(e->list, n * sizeof(*l));
        if (!l)
            return -ENOMEM;
        e->list = l;
        e->caplist = n;
    }
    e->list[e->nlist++] = fd;
    return 0;
}

void gw_ev_sync(gw_ev *e, struct pollfd *pf, int n)
{
    e->round++;
    for (int i = 0; i < n; i++) {
        pf[i].revents = 0;
        gw_ev_slot *s = pf[i].fd >= 0 ? slot_of(e, pf[i].fd) : NULL;
        if (!s)
            continue;
        uint32_t want = (uint32_t)(uint16_t)pf[i].events;
        if (!s->listed || s->events != want) {
            if (gw_ev_set(e, pf[i].fd, want, GW_EV_TAG(GW_EV_LIST, 0, pf[i].fd)) != 0)
                continue;
            s->listed = 1;
            if (!s->queued && list_add(e, pf[i].fd) == 0)
                s->queued = 1;
        }
        s->pfi = i;
        s->round = e->round;
    }
    /* Fds no longer listed leave the set; those another owner took over leave the list. */
    for (uint32_t k = 0; k < e->nlist;) {
        gw_ev_slot *s = &e->slot[e->list[k]];
        if (s->listed && s->round != e->round) {
            gw_ev_set(e, e->list[k], 0, 0);
            s->listed = 0;
        }
        if (!s->listed) {
            s->queued = 0;
            e->list[k] = e->list[--e->nlist];
            continue;
        }
        k++;
    }
    e->pf = pf;
    e->npf = n;
}

int gw_ev_wait(gw_ev *e, struct epoll_event *out, int max, int timeout_ms)
{
    int n = epoll_wait(e->epfd, out, max, timeout_ms);
    e->last = n;
    if (n < 0)
        return -errno;
    e->waits += n > 0;
    int k = 0;
    for (int i = 0; i < n; i++) {
        uint64_t tag = out[i].data.u64;
        if (GW_EV_KIND(tag) != GW_EV_LIST) {
            out[k++] = out[i];
            continue;
        }
        int fd = GW_EV_FD(tag);
        if ((uint32_t)fd >= e->nslot)
            continue;
        gw_ev_slot *s = &e->slot[fd];
        if (s->listed && s->round == e->round && s->pfi < e->npf && e->pf[s->pfi].fd == fd)
            e->pf[s->pfi].revents = (short)(out[i].events & 0xffff);
    }
    return k;
}

void gw_ev_bind(gw_ev *e)
{
    gw_ev_current = e;
}

int gw_fd_close(int fd)
{
    if (gw_ev_current)
        gw_ev_forget(gw_ev_current, fd);
    return close(fd);
}
