/* SPDX-License-Identifier: MIT */
/* Readiness for the packetdrill shim: poll(2) over synack sockets and ordinary fds, a
 * level-triggered epoll emulated over the same (EPOLLET reports on an edge, EPOLLONESHOT
 * disarms after one report), and pipe/splice passed to libc (splice from a synack
 * socket: pd_splice.c). Timeouts are in the virtual
 * clock's milliseconds. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "pd_shim.h"

/* Events of one fd right now: synack sockets from the stack, other fds from the kernel. */
static short fd_revents(pd_shim *sh, int fd, short events)
{
    if (fd < 0)
        return 0;
    if (pd_fd_get(sh, fd, PD_FD_SOCK))
        return pd_sock_revents(sh, fd, events);
    if (pd_fd_get(sh, fd, PD_FD_EPOLL))
        return 0; /* nested epoll is not emulated */
    struct pollfd p = {.fd = fd, .events = events};
    if (poll(&p, 1, 0) < 0)
        return POLLNVAL;
    return p.revents;
}

/* The virtual time at which a wait of timeout_ms ends (UINT64_MAX for < 0). */
static uint64_t until_of(const pd_shim *sh, int timeout_ms)
{
    return timeout_ms < 0 ? UINT64_MAX : sh->now + (uint64_t)timeout_ms * 1000;
}

/* Nothing was ready: waits for a change, or moves time on. Returns 1 to look again;
 * otherwise 0 with *rc set to what the call returns (0 once the timeout passed, or the
 * error). */
static int wait_for_change(pd_shim *sh, uint64_t until, int *rc)
{
    int b = pd_block(sh, until);
    if (b == 0)
        return 1;
    *rc = b == -ETIMEDOUT ? 0 : b;
    return 0;
}

static int pd_poll(void *ud, struct pollfd *fds, nfds_t nfds, int timeout)
{
    pd_shim *sh = ud;
    if (nfds > 0 && !fds)
        return (int)pd_ret(-EFAULT);
    pd_lock(sh);
    uint64_t until = until_of(sh, timeout);
    int rc;
    for (;;) {
        rc = 0;
        for (nfds_t i = 0; i < nfds; i++) {
            fds[i].revents = fd_revents(sh, fds[i].fd, fds[i].events);
            if (fds[i].revents)
                rc++;
        }
        if (rc > 0 || timeout == 0 || !wait_for_change(sh, until, &rc))
            break;
    }
    pd_unlock(sh);
    return (int)pd_ret(rc);
}

void pd_epoll_release(pd_fd *f)
{
    free(f->items);
    f->items = NULL;
    f->nitems = f->cap = 0;
}

static int pd_epoll_create(void *ud, int size)
{
    pd_shim *sh = ud;
    if (size <= 0)
        return (int)pd_ret(-EINVAL);
    pd_lock(sh);
    int rc = eventfd(PD_EVENTFD_TAG, EFD_CLOEXEC);
    if (rc < 0) {
        rc = -errno;
    } else {
        pd_fd *slot = pd_fd_slot(sh, rc);
        if (!slot) {
            close(rc);
            rc = -ENOMEM;
        } else {
            if (slot->kind == PD_FD_SOCK)
                synack_close(sh->st, slot->sock); /* a stale entry, see fd_for_sock */
            pd_fd_forget(sh, rc);
            slot->kind = PD_FD_EPOLL;
        }
    }
    pd_unlock(sh);
    return (int)pd_ret(rc);
}

/* What a socket has received so far, its state and its error-queue records, folded into
 * one value that changes whenever data, a FIN or a record arrives; 0 for fds that are not
 * synack sockets. */
static uint64_t rx_mark(pd_shim *sh, int fd)
{
    pd_fd *f = pd_fd_get(sh, fd, PD_FD_SOCK);
    if (!f)
        return 0;
    synack_tcp_info si;
    socklen_t sl = sizeof(si);
    if (synack_getsockopt(sh->st, f->sock, IPPROTO_TCP, SYNACK_TCP_INFO, &si, &sl) != 0)
        return 0;
    /* An error-queue record (new, or merged into the unread one) is a wakeup too. */
    synack_errqueue_stat es;
    uint64_t errq = synack_errqueue_stat_get(sh->st, f->sock, &es) == 0 ? es.raised : 0;
    return ((si.bytes_received << 8) ^ si.state) + (errq << 40);
}

static pd_epoll_item *find_item(pd_fd *ep, int fd)
{
    for (size_t i = 0; i < ep->nitems; i++)
        if (ep->items[i].fd == fd)
            return &ep->items[i];
    return NULL;
}

static int epoll_ctl_locked(pd_shim *sh, int epfd, int op, int fd, struct epoll_event *ev)
{
    pd_fd *ep = pd_fd_get(sh, epfd, PD_FD_EPOLL);
    if (!ep)
        return fcntl(epfd, F_GETFD) < 0 ? -EBADF : -EINVAL;
    if (fd == epfd)
        return -EINVAL;
    if (!pd_fd_get(sh, fd, PD_FD_SOCK) && fcntl(fd, F_GETFD) < 0)
        return -EBADF;
    pd_epoll_item *it = find_item(ep, fd);
    switch (op) {
    case EPOLL_CTL_ADD:
        if (it)
            return -EEXIST;
        if (!ev)
            return -EFAULT;
        if (ep->nitems == ep->cap) {
            size_t ncap = ep->cap ? ep->cap * 2 : 8;
            pd_epoll_item *bigger = realloc(ep->items, ncap * sizeof(*bigger));
            if (!bigger)
                return -ENOMEM;
            ep->items = bigger;
            ep->cap = ncap;
        }
        ep->items[ep->nitems].fd = fd;
        ep->items[ep->nitems].ev = *ev;
        ep->items[ep->nitems].last = 0;
        ep->items[ep->nitems].rx_mark = rx_mark(sh, fd);
        ep->nitems++;
        return 0;
    case EPOLL_CTL_MOD:
        if (!it)
            return -ENOENT;
        if (!ev)
            return -EFAULT;
        it->ev = *ev;
        it->last = 0;
        it->rx_mark = rx_mark(sh, fd);
        return 0;
    case EPOLL_CTL_DEL:
        if (!it)
            return -ENOENT;
        *it = ep->items[ep->nitems - 1];
        ep->nitems--;
        return 0;
    default:
        return -EINVAL;
    }
}

static int pd_epoll_ctl(void *ud, int epfd, int op, int fd, struct epoll_event *ev)
{
    pd_shim *sh = ud;
    pd_lock(sh);
    int rc = epoll_ctl_locked(sh, epfd, op, fd, ev);
    pd_unlock(sh);
    return (int)pd_ret(rc);
}

/* Fills evs with what is ready now; returns how many. */
static int epoll_scan(pd_shim *sh, pd_fd *ep, struct epoll_event *evs, int max)
{
    int n = 0;
    uint32_t wanted_mask = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLPRI;
    for (size_t i = 0; i < ep->nitems && n < max; i++) {
        pd_epoll_item *it = &ep->items[i];
        uint32_t want = it->ev.events & wanted_mask;
        if (!(it->ev.events & ~(EPOLLET | EPOLLONESHOT)))
            continue; /* disarmed by EPOLLONESHOT */
        uint32_t got = (uint16_t)fd_revents(sh, it->fd, (short)want);
        got &= want | EPOLLERR | EPOLLHUP;
        if (it->ev.events & EPOLLET) {
            /* Linux queues an edge-triggered item on each wakeup of the socket (new data,
             * a state change, readiness that was not there) and then reports every ready
             * bit, not only the new one. */
            uint64_t mark = rx_mark(sh, it->fd);
            int edge = (got & ~it->last) || mark != it->rx_mark;
            it->last = got;
            it->rx_mark = mark;
            if (!edge)
                got = 0;
        }
        if (!got)
            continue;
        evs[n].events = got;
        evs[n].data = it->ev.data;
        n++;
        if (it->ev.events & EPOLLONESHOT)
            it->ev.events &= EPOLLET | EPOLLONESHOT;
    }
    return n;
}

static int pd_epoll_wait(void *ud, int epfd, struct epoll_event *evs, int max, int timeout)
{
    pd_shim *sh = ud;
    if (max <= 0)
        return (int)pd_ret(-EINVAL);
    if (!evs)
        return (int)pd_ret(-EFAULT);
    pd_lock(sh);
    uint64_t until = until_of(sh, timeout);
    int rc;
    for (;;) {
        pd_fd *ep = pd_fd_get(sh, epfd, PD_FD_EPOLL);
        if (!ep) {
            rc = -EBADF;
            break;
        }
        rc = epoll_scan(sh, ep, evs, max);
        if (rc > 0 || timeout == 0 || !wait_for_change(sh, until, &rc))
            break;
    }
    pd_unlock(sh);
    return (int)pd_ret(rc);
}

static int pd_pipe(void *ud, int fds[2])
{
    (void)ud;
    return pipe(fds);
}

static int pd_splice(void *ud, int fd_in, loff_t *off_in, int fd_out, loff_t *off_out, size_t len,
                     unsigned int flags)
{
    pd_shim *sh = ud;
    pd_lock(sh);
    int ours = pd_fd_get(sh, fd_in, PD_FD_SOCK) || pd_fd_get(sh, fd_out, PD_FD_SOCK);
    pd_unlock(sh);
    /* packetdrill passes the offsets by pointer even for NULL (0): a socket has none */
    if (ours)
        return pd_sock_splice(sh, fd_in, fd_out, len, flags);
    return (int)splice(fd_in, off_in, fd_out, off_out, len, flags);
}

void pd_poll_install(pd_interface *ifc)
{
    ifc->poll = pd_poll;
    ifc->epoll_create = pd_epoll_create;
    ifc->epoll_ctl = pd_epoll_ctl;
    ifc->epoll_wait = pd_epoll_wait;
    ifc->pipe = pd_pipe;
    ifc->splice = pd_splice;
}
