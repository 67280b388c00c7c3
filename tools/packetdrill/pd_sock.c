/* SPDX-License-Identifier: MIT */
/* The socket calls of the packetdrill shim: each one maps a kernel fd (an eventfd that
 * stands in for the socket, so packetdrill can close it with libc) to a synack socket id,
 * calls synack, and turns a negative errno into -1 and errno.
 *
 * Blocking: on an fd without O_NONBLOCK, accept, connect, read and write wait (pd_block)
 * until the stack lets them go on, as the Linux calls do. Calls on fds that are not ours
 * (pipes) go to libc. */
#include <errno.h>
#include <fcntl.h>
#include <linux/sock_diag.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "pd_shim.h"

/* A fresh kernel fd for synack socket s of the given domain. Returns the fd or a negative
 * errno. */
static int fd_for_sock(pd_shim *sh, int s, int domain, int nonblock)
{
    int fd = eventfd(PD_EVENTFD_TAG, EFD_CLOEXEC);
    if (fd < 0)
        return -errno;
    pd_fd *slot = pd_fd_slot(sh, fd);
    if (!slot) {
        close(fd);
        return -ENOMEM;
    }
    if (slot->kind == PD_FD_SOCK) {
        /* packetdrill closed the old fd with libc and the kernel reused the number: that
         * socket is gone for the application, as close() would have made it. */
        synack_close(sh->st, slot->sock);
    }
    pd_fd_forget(sh, fd);
    slot->kind = PD_FD_SOCK;
    slot->sock = s;
    slot->domain = domain;
    slot->nonblock = nonblock;
    return fd;
}

static int pd_socket(void *ud, int domain, int type, int protocol)
{
    pd_shim *sh = ud;
    /* AF_INET6 carries packetdrill's ipv6 and ipv4-mapped-ipv6 modes: the stack's AF_INET6
     * sockets take IPv4 peers as ::ffff:a.b.c.d, as Linux's do */
    if (domain != AF_INET && domain != AF_INET6)
        return (int)pd_ret(-EAFNOSUPPORT);
    if ((type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC)) != SOCK_STREAM ||
        (protocol != 0 && protocol != IPPROTO_TCP))
        return (int)pd_ret(-EPROTONOSUPPORT);
    pd_lock(sh);
    /* The script's sysctls are written by now (its first backtick block runs before its
     * first socket): configure the stack from them while it holds no socket yet. */
    if (sh->sockets_made++ == 0) {
        int brc = pd_stack_build(sh);
        if (brc < 0) {
            pd_unlock(sh);
            return (int)pd_ret(brc);
        }
    }
    pd_route_sync(sh);
    int s = synack_socket_domain(sh->st, domain == AF_INET6 ? SYNACK_AF_INET6 : SYNACK_AF_INET,
                                 SOCK_STREAM);
    int rc = s;
    if (s >= 0) {
        pd_host_socket(sh, s);
        rc = fd_for_sock(sh, s, domain, (type & SOCK_NONBLOCK) != 0);
        if (rc < 0)
            synack_close(sh->st, s);
    }
    pd_unlock(sh);
    return (int)pd_ret(rc);
}

/* The socket behind fd, or a negative errno (EBADF for fds we do not know). */
static int sock_of(pd_shim *sh, int fd, pd_fd **out)
{
    pd_fd *f = pd_fd_get(sh, fd, PD_FD_SOCK);
    if (!f)
        return fcntl(fd, F_GETFD) < 0 ? -EBADF : -ENOTSOCK;
    *out = f;
    return f->sock;
}

/* The host's tcp_fastopen as it is now (pd_host_fastopen_client) for a Fast Open call on
 * socket s: -EOPNOTSUPP when the client bit is clear (Linux's tcp_sendmsg_fastopen), else 0,
 * with TCP_FASTOPEN_NO_COOKIE set on s when the cookie-less bit is. */
static int fastopen_host(pd_shim *sh, int s, int need_enable)
{
    int bits = pd_host_fastopen_client(sh);
    if (bits < 0)
        return 0;
    if (need_enable && !(bits & SYNACK_TFO_CLIENT_ENABLE))
        return -EOPNOTSUPP;
    if (bits & SYNACK_TFO_CLIENT_NO_COOKIE) {
        int one = 1; /* refused once connected: nothing to change then */
        (void)synack_setsockopt(sh->st, s, IPPROTO_TCP, SYNACK_TCP_FASTOPEN_NO_COOKIE, &one,
                                sizeof(one));
    }
    return 0;
}

static int pd_bind(void *ud, int fd, const struct sockaddr *addr, socklen_t len)
{
    pd_shim *sh = ud;
    pd_fd *f;
    pd_lock(sh);
    int s = sock_of(sh, fd, &f);
    int rc = s < 0 ? s : synack_bind(sh->st, s, addr, len);
    pd_unlock(sh);
    return (int)pd_ret(rc);
}

static int pd_listen(void *ud, int fd, int backlog)
{
    pd_shim *sh = ud;
    pd_fd *f;
    pd_lock(sh);
    pd_route_sync(sh);
    int s = sock_of(sh, fd, &f);
    int rc = s < 0 ? s : synack_listen(sh->st, s, backlog);
    pd_unlock(sh);
    return (int)pd_ret(rc);
}

static int pd_accept(void *ud, int fd, struct sockaddr *addr, socklen_t *len)
{
    pd_shim *sh = ud;
    pd_fd *f;
    pd_lock(sh);
    int s = sock_of(sh, fd, &f);
    int rc = s;
    while (s >= 0) {
        rc = synack_accept(sh->st, s, addr, len);
        if (rc != -EAGAIN || f->nonblock)
            break;
        int b = pd_block(sh, UINT64_MAX);
        if (b != 0) {
            rc = b;
            break;
        }
        f = pd_fd_get(sh, fd, PD_FD_SOCK); /* the table may have moved */
        if (!f) {
            rc = -EBADF;
            break;
        }
    }
    if (rc >= 0) {
        int ns = rc;
        rc = fd_for_sock(sh, ns, f->domain, 0); /* an accepted socket is its listener's kind */
        if (rc < 0)
            synack_close(sh->st, ns);
    }
    pd_changed(sh);
    pd_unlock(sh);
    return (int)pd_ret(rc);
}

short pd_sock_revents(pd_shim *sh, int fd, short events)
{
    pd_fd *f = pd_fd_get(sh, fd, PD_FD_SOCK);
    if (!f)
        return POLLNVAL;
    synack_pollfd p = {.sock = f->sock, .events = events};
    synack_sock_poll(sh->st, &p, 1);
    return p.revents;
}

static int pd_connect(void *ud, int fd, const struct sockaddr *addr, socklen_t len)
{
    pd_shim *sh = ud;
    pd_fd *f;
    pd_lock(sh);
    pd_route_sync(sh);
    int s = sock_of(sh, fd, &f);
    if (s >= 0)
        (void)fastopen_host(sh, s, 0); /* TCP_FASTOPEN_CONNECT may go cookie-less */
    int rc = s < 0 ? s : synack_connect(sh->st, s, addr, len);
    if (rc == -EINPROGRESS && !f->nonblock) {
        /* A blocking connect returns when the handshake ends, one way or the other. */
        for (;;) {
            if (pd_sock_revents(sh, fd, POLLOUT) & (POLLOUT | POLLERR | POLLHUP)) {
                int err = 0;
                socklen_t el = sizeof(err);
                synack_getsockopt(sh->st, s, SOL_SOCKET, SO_ERROR, &err, &el);
                rc = err ? -err : 0;
                break;
            }
            int b = pd_block(sh, UINT64_MAX);
            if (b != 0) {
                rc = b;
                break;
            }
        }
    }
    pd_changed(sh);
    pd_unlock(sh);
    return (int)pd_ret(rc);
}

/* recv(2) on a synack socket, blocking unless the fd or the flags say not to. */
static ssize_t sock_recv(pd_shim *sh, int fd, void *buf, size_t n, int flags)
{
    pd_fd *f;
    int s = sock_of(sh, fd, &f);
    if (s < 0)
        return s;
    /* recv(MSG_OOB) never waits on Linux: no urgent byte yet is -EAGAIN */
    int nonblock = f->nonblock || (flags & (MSG_DONTWAIT | MSG_OOB));
    int sflags = flags & (MSG_PEEK | MSG_OOB);
    ssize_t rc;
    for (;;) {
        rc = synack_recv(sh->st, s, buf, n, sflags);
        if (rc != -EAGAIN || nonblock)
            break;
        int b = pd_block(sh, UINT64_MAX);
        if (b != 0)
            return b;
    }
    pd_changed(sh);
    return rc;
}

ssize_t pd_sock_recv(pd_shim *sh, int fd, void *buf, size_t n, int flags)
{
    return sock_recv(sh, fd, buf, n, flags);
}

static synack_tcp_state sock_state(pd_shim *sh, int s)
{
    synack_tcp_info ti;
    socklen_t tl = sizeof(ti);
    if (synack_getsockopt(sh->st, s, IPPROTO_TCP, SYNACK_TCP_INFO, &ti, &tl) != 0)
        return SYNACK_CLOSED;
    return (synack_tcp_state)ti.state;
}

/* connect() with TCP_FASTOPEN_CONNECT left the SYN for the first send: SYN-SENT with
 * nothing sent yet. */
static int sock_deferred(pd_shim *sh, int s)
{
    synack_tcp_info ti;
    socklen_t tl = sizeof(ti);
    return synack_getsockopt(sh->st, s, IPPROTO_TCP, SYNACK_TCP_INFO, &ti, &tl) == 0 &&
           ti.state == SYNACK_SYN_SENT && ti.unacked == 0;
}

/* Waits, as a blocking connect does, until the handshake ends: 0, or the negative errno
 * it ended with (or pd_block's). */
static int wait_connected(pd_shim *sh, int fd, int s)
{
    for (;;) {
        if (pd_sock_revents(sh, fd, POLLOUT) & (POLLOUT | POLLERR | POLLHUP)) {
            int err = 0;
            socklen_t el = sizeof(err);
            synack_getsockopt(sh->st, s, SOL_SOCKET, SO_ERROR, &err, &el);
            return -err;
        }
        int b = pd_block(sh, UINT64_MAX);
        if (b != 0)
            return b;
    }
}

/* send(2)/sendto(2) on a synack socket: a blocking call queues everything before it
 * returns. With MSG_FASTOPEN (or TCP_FASTOPEN_CONNECT) the first call may open the
 * connection: a blocking one then waits for the handshake, as Linux's does, and fails with
 * its error. */
static ssize_t sock_send(pd_shim *sh, int fd, const void *buf, size_t n, int flags,
                         const struct sockaddr *to, socklen_t tolen)
{
    pd_fd *f;
    pd_route_sync(sh); /* a script may change a route between writes (mtu_probe/) */
    int s = sock_of(sh, fd, &f);
    if (s < 0)
        return s;
    int nonblock = f->nonblock || (flags & MSG_DONTWAIT);
    size_t done = 0;
    int fo = (flags & MSG_FASTOPEN) || sock_deferred(sh, s);
    if (fo) {
        int h = fastopen_host(sh, s, 1);
        if (h < 0)
            return h;
    }
    /* A blocking call that opens waits for the handshake, then sends the rest: Linux's
     * sk_write_pending, which the stack needs to know at the SYN-ACK. */
    int wait = fo && !nonblock ? SYNACK_MSG_WAITOPEN : 0;
    ssize_t rc = synack_sendto(
        sh->st, s, buf, n,
        (flags & (MSG_FASTOPEN | MSG_ZEROCOPY | MSG_EOR | MSG_MORE | MSG_OOB)) | wait, to, tolen);
    if (rc == -ENOTCONN)
        rc = -EPIPE; /* Linux's tcp_sendmsg on a socket that never connected */
    if (fo && (rc >= 0 || rc == -EINPROGRESS) && sock_state(sh, s) == SYNACK_SYN_SENT) {
        /* This call opened the connection: what went in the SYN is sent. */
        if (nonblock) {
            pd_changed(sh);
            return rc;
        }
        int w = wait_connected(sh, fd, s);
        if (w < 0) {
            pd_changed(sh);
            return w;
        }
        rc = rc > 0 ? rc : 0;
    }
    if (rc > 0)
        done = (size_t)rc;
    if ((rc >= 0 && done == n) || (rc < 0 && (rc != -EAGAIN || nonblock))) {
        pd_changed(sh);
        return rc < 0 ? rc : (ssize_t)done;
    }
    for (;;) {
        rc = synack_send(sh->st, s, (const char *)buf + done, n - done,
                         flags & (MSG_ZEROCOPY | MSG_EOR | MSG_MORE | MSG_OOB));
        if (rc == -ENOTCONN)
            rc = -EPIPE; /* Linux's tcp_sendmsg on a socket that never connected */
        if (rc > 0)
            done += (size_t)rc;
        if (done == n || (rc < 0 && rc != -EAGAIN) || (rc == -EAGAIN && nonblock))
            break;
        if (rc == -EAGAIN || rc == 0) {
            int b = pd_block(sh, UINT64_MAX);
            if (b != 0) {
                rc = b;
                break;
            }
        }
    }
    pd_changed(sh);
    return done > 0 ? (ssize_t)done : rc;
}

/* Takes the lock and returns 1 when fd stands for a synack socket; otherwise returns 0
 * with the lock released, so the caller hands the call to libc. */
static int lock_sock(pd_shim *sh, int fd)
{
    pd_lock(sh);
    if (pd_fd_get(sh, fd, PD_FD_SOCK))
        return 1;
    pd_unlock(sh);
    return 0;
}

static ssize_t pd_read(void *ud, int fd, void *buf, size_t n)
{
    pd_shim *sh = ud;
    if (!lock_sock(sh, fd))
        return read(fd, buf, n);
    ssize_t rc = sock_recv(sh, fd, buf, n, 0);
    pd_unlock(sh);
    return pd_ret(rc);
}

static ssize_t pd_recv(void *ud, int fd, void *buf, size_t n, int flags)
{
    pd_shim *sh = ud;
    pd_lock(sh);
    ssize_t rc = sock_recv(sh, fd, buf, n, flags);
    pd_unlock(sh);
    return pd_ret(rc);
}

static ssize_t pd_recvfrom(void *ud, int fd, void *buf, size_t n, int flags, struct sockaddr *from,
                           socklen_t *fromlen)
{
    (void)from;
    ssize_t rc = pd_recv(ud, fd, buf, n, flags);
    if (rc >= 0 && fromlen)
        *fromlen = 0; /* Linux gives no address for a TCP recvfrom */
    return rc;
}

/* A buffer for all of iov's bytes (*total of them; at least one byte is allocated), or
 * NULL with *err set to the negative errno. */
static char *iov_buffer(const struct iovec *iov, int cnt, size_t *total, ssize_t *err)
{
    if (cnt < 0 || (cnt > 0 && !iov)) {
        *err = -EINVAL;
        return NULL;
    }
    *total = 0;
    for (int i = 0; i < cnt; i++)
        *total += iov[i].iov_len;
    char *tmp = malloc(*total ? *total : 1);
    if (!tmp)
        *err = -ENOMEM;
    return tmp;
}

/* Reads into one buffer, then scatters it over iov. */
static ssize_t recv_iov(pd_shim *sh, int fd, const struct iovec *iov, int cnt, int flags)
{
    size_t total;
    ssize_t rc;
    char *tmp = iov_buffer(iov, cnt, &total, &rc);
    if (!tmp)
        return rc;
    rc = sock_recv(sh, fd, tmp, total, flags);
    size_t off = 0;
    for (int i = 0; rc > 0 && i < cnt && off < (size_t)rc; i++) {
        size_t k = iov[i].iov_len < (size_t)rc - off ? iov[i].iov_len : (size_t)rc - off;
        memcpy(iov[i].iov_base, tmp + off, k);
        off += k;
    }
    free(tmp);
    return rc;
}

/* Gathers iov into one buffer, then sends it. */
static ssize_t send_iov(pd_shim *sh, int fd, const struct iovec *iov, int cnt, int flags,
                        const struct sockaddr *to, socklen_t tolen)
{
    size_t total;
    ssize_t rc;
    char *tmp = iov_buffer(iov, cnt, &total, &rc);
    if (!tmp)
        return rc;
    size_t off = 0;
    for (int i = 0; i < cnt; i++) {
        if (iov[i].iov_len)
            memcpy(tmp + off, iov[i].iov_base, iov[i].iov_len);
        off += iov[i].iov_len;
    }
    rc = sock_send(sh, fd, tmp, total, flags, to, tolen);
    free(tmp);
    return rc;
}

static ssize_t pd_readv(void *ud, int fd, const struct iovec *iov, int cnt)
{
    pd_shim *sh = ud;
    if (!lock_sock(sh, fd))
        return readv(fd, iov, cnt);
    ssize_t rc = recv_iov(sh, fd, iov, cnt, 0);
    pd_unlock(sh);
    return pd_ret(rc);
}

/* The TCP_CM_INQ value for a socket with TCP_INQ set, else -1. */
static int recv_inq_cmsg(pd_shim *sh, int fd)
{
    pd_fd *f;
    int s = sock_of(sh, fd, &f);
    int on = 0;
    socklen_t len = sizeof(on);
    if (s < 0 || synack_getsockopt(sh->st, s, IPPROTO_TCP, TCP_INQ, &on, &len) != 0 || !on)
        return -1;
    int n = synack_recv_inq(sh->st, s);
    return n < 0 ? 0 : n;
}

static ssize_t pd_recvmsg(void *ud, int fd, struct msghdr *msg, int flags)
{
    pd_shim *sh = ud;
    if (!msg)
        return pd_ret(-EFAULT);
    pd_lock(sh);
    if (flags & MSG_ERRQUEUE) {
        pd_fd *f;
        int s = sock_of(sh, fd, &f);
        ssize_t rc = s < 0 ? s : pd_sock_recv_errqueue(sh, s, f->domain, msg);
        pd_unlock(sh);
        return pd_ret(rc);
    }
    ssize_t rc = recv_iov(sh, fd, msg->msg_iov, (int)msg->msg_iovlen, flags);
    int inq = rc >= 0 ? recv_inq_cmsg(sh, fd) : -1;
    pd_unlock(sh);
    if (rc >= 0) {
        msg->msg_namelen = 0;
        msg->msg_flags = 0;
        size_t room = msg->msg_control ? msg->msg_controllen : 0;
        msg->msg_controllen = 0;
        if (inq >= 0 && room >= CMSG_SPACE(sizeof(int))) {
            /* TCP_INQ: Linux's TCP_CM_INQ control message, the bytes still to read */
            struct cmsghdr *cm = msg->msg_control;
            memset(cm, 0, CMSG_SPACE(sizeof(int)));
            cm->cmsg_level = SOL_TCP;
            cm->cmsg_type = TCP_CM_INQ;
            cm->cmsg_len = CMSG_LEN(sizeof(int));
            memcpy(CMSG_DATA(cm), &inq, sizeof(int));
            msg->msg_controllen = CMSG_SPACE(sizeof(int));
        } else if (inq >= 0) {
            msg->msg_flags |= MSG_CTRUNC;
        }
    }
    return pd_ret(rc);
}

static ssize_t pd_write(void *ud, int fd, const void *buf, size_t n)
{
    pd_shim *sh = ud;
    if (!lock_sock(sh, fd))
        return write(fd, buf, n);
    ssize_t rc = sock_send(sh, fd, buf, n, 0, NULL, 0);
    pd_unlock(sh);
    return pd_ret(rc);
}

ssize_t pd_sock_sendfile(pd_shim *sh, int out_fd, int in_fd, off_t *offset, size_t count)
{
    /* One bounded chunk per call, as a short sendfile(2) may be: the caller loops. */
    size_t want = count < PD_SENDFILE_CHUNK ? count : PD_SENDFILE_CHUNK;
    char *buf = malloc(want ? want : 1);
    if (!buf)
        return pd_ret(-ENOMEM);
    ssize_t got = offset ? pread(in_fd, buf, want, *offset) : read(in_fd, buf, want);
    if (got < 0) {
        int e = errno;
        free(buf);
        return pd_ret(-(e == EISDIR ? EINVAL : e));
    }
    pd_lock(sh);
    ssize_t sent = sock_send(sh, out_fd, buf, (size_t)got, 0, NULL, 0);
    pd_unlock(sh);
    free(buf);
    if (sent < 0) {
        if (!offset && got > 0)
            lseek(in_fd, -(off_t)got, SEEK_CUR); /* nothing went out: nothing consumed */
        return pd_ret(sent);
    }
    if (offset)
        *offset += sent;
    else if (sent < got)
        lseek(in_fd, -(off_t)(got - sent), SEEK_CUR);
    return sent;
}

static ssize_t pd_writev(void *ud, int fd, const struct iovec *iov, int cnt)
{
    pd_shim *sh = ud;
    if (!lock_sock(sh, fd))
        return writev(fd, iov, cnt);
    ssize_t rc = send_iov(sh, fd, iov, cnt, 0, NULL, 0);
    pd_unlock(sh);
    return pd_ret(rc);
}

static ssize_t pd_send(void *ud, int fd, const void *buf, size_t n, int flags)
{
    pd_shim *sh = ud;
    pd_lock(sh);
    ssize_t rc = sock_send(sh, fd, buf, n, flags, NULL, 0);
    pd_unlock(sh);
    return pd_ret(rc);
}

/* TCP reads the address only with MSG_FASTOPEN (synack_sendto), as Linux does. */
static ssize_t pd_sendto(void *ud, int fd, const void *buf, size_t n, int flags,
                         const struct sockaddr *to, socklen_t tolen)
{
    pd_shim *sh = ud;
    pd_lock(sh);
    ssize_t rc = sock_send(sh, fd, buf, n, flags, to, tolen);
    pd_unlock(sh);
    return pd_ret(rc);
}

static ssize_t pd_sendmsg(void *ud, int fd, const struct msghdr *msg, int flags)
{
    pd_shim *sh = ud;
    if (!msg)
        return pd_ret(-EFAULT);
    pd_lock(sh);
    ssize_t rc = send_iov(sh, fd, msg->msg_iov, (int)msg->msg_iovlen, flags,
                          (const struct sockaddr *)msg->msg_name, msg->msg_namelen);
    pd_unlock(sh);
    return pd_ret(rc);
}

static int pd_fcntl(void *ud, int fd, int cmd, ...)
{
    pd_shim *sh = ud;
    long arg = 0;
    /* Only the commands packetdrill passes a third (int) argument to read one. */
    if (cmd == F_SETFL || cmd == F_SETFD || cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC ||
        cmd == F_SETOWN) {
        va_list ap;
        va_start(ap, cmd);
        arg = va_arg(ap, int);
        va_end(ap);
    }
    pd_lock(sh);
    pd_fd *f = pd_fd_get(sh, fd, PD_FD_SOCK);
    int rc;
    if (!f) {
        pd_unlock(sh);
        return fcntl(fd, cmd, arg);
    }
    switch (cmd) {
    case F_GETFL:
        rc = O_RDWR | (f->nonblock ? O_NONBLOCK : 0);
        break;
    case F_SETFL:
        f->nonblock = (arg & O_NONBLOCK) != 0;
        rc = 0;
        break;
    case F_GETFD:
    case F_SETFD:
        rc = fcntl(fd, cmd, arg);
        if (rc < 0)
            rc = -errno;
        break;
    default:
        rc = -EINVAL;
        break;
    }
    pd_unlock(sh);
    return (int)pd_ret(rc);
}

struct queue_find {
    int sock;        /* the socket looked for */
    int found;       /* 1 once seen */
    uint32_t recv_q; /* its unread bytes */
    uint32_t send_q; /* its unacknowledged bytes */
};

static void queue_visit(void *ctx, const synack_conn_view *v)
{
    struct queue_find *q = ctx;
    if (v->sock != q->sock || v->state == SYNACK_LISTEN)
        return;
    q->found = 1;
    q->recv_q = v->recv_q;
    q->send_q = v->send_q;
}

static int pd_ioctl(void *ud, int fd, unsigned long request, ...)
{
    pd_shim *sh = ud;
    /* The requests handled here all take a pointer; others are passed on without one. */
    int has_arg =
        request == FIONBIO || request == FIONREAD || request == SIOCOUTQ || request == SIOCATMARK;
    void *argp = NULL;
    if (has_arg) {
        va_list ap;
        va_start(ap, request);
        argp = va_arg(ap, void *);
        va_end(ap);
    }
    pd_lock(sh);
    pd_fd *f = pd_fd_get(sh, fd, PD_FD_SOCK);
    if (!f) {
        pd_unlock(sh);
        return has_arg ? ioctl(fd, request, argp) : ioctl(fd, request);
    }
    if (has_arg && !argp) {
        pd_unlock(sh);
        return (int)pd_ret(-EFAULT);
    }
    int rc = 0;
    if (request == FIONBIO) {
        int v;
        memcpy(&v, argp, sizeof(v));
        f->nonblock = v != 0;
    } else if (request == SIOCATMARK) {
        int v = synack_sockatmark(sh->st, f->sock);
        if (v >= 0)
            memcpy(argp, &v, sizeof(v));
        else
            rc = v;
    } else if (request == FIONREAD || request == SIOCOUTQ) {
        struct queue_find q = {.sock = f->sock};
        synack_foreach_conn(sh->st, queue_visit, &q);
        if (!q.found) {
            rc = -EINVAL;
        } else {
            int v = (int)(request == FIONREAD ? q.recv_q : q.send_q);
            memcpy(argp, &v, sizeof(v));
        }
    } else {
        rc = -ENOTTY;
    }
    pd_unlock(sh);
    return (int)pd_ret(rc);
}

static int pd_close(void *ud, int fd)
{
    pd_shim *sh = ud;
    pd_lock(sh);
    pd_fd *f = fd >= 0 && fd < sh->nfds ? &sh->fds[fd] : NULL;
    if (f && f->kind == PD_FD_SOCK)
        synack_close(sh->st, f->sock);
    pd_fd_forget(sh, fd);
    int rc = close(fd);
    pd_changed(sh);
    pd_unlock(sh);
    return rc;
}

static int pd_shutdown(void *ud, int fd, int how)
{
    pd_shim *sh = ud;
    pd_fd *f;
    pd_lock(sh);
    int s = sock_of(sh, fd, &f);
    int rc = s < 0 ? s : synack_shutdown(sh->st, s, how);
    pd_changed(sh);
    pd_unlock(sh);
    return (int)pd_ret(rc);
}

int pd_sock_owns(pd_shim *sh, int fd)
{
    pd_lock(sh);
    int ours = pd_fd_get(sh, fd, PD_FD_SOCK) != NULL;
    pd_unlock(sh);
    return ours;
}

/* SO_MEMINFO: Linux's sk_meminfo array; synack can say only what its buffers may hold. */
static int linux_meminfo(pd_shim *sh, int s, void *val, socklen_t *len)
{
    uint32_t mi[SK_MEMINFO_VARS];
    memset(mi, 0, sizeof(mi));
    int v;
    socklen_t vl = sizeof(v);
    if (synack_getsockopt(sh->st, s, SOL_SOCKET, SO_RCVBUF, &v, &vl) == 0)
        mi[SK_MEMINFO_RCVBUF] = (uint32_t)v;
    vl = sizeof(v);
    if (synack_getsockopt(sh->st, s, SOL_SOCKET, SO_SNDBUF, &v, &vl) == 0)
        mi[SK_MEMINFO_SNDBUF] = (uint32_t)v;
    socklen_t n = *len < (socklen_t)sizeof(mi) ? *len : (socklen_t)sizeof(mi);
    memcpy(val, mi, (size_t)n);
    *len = n;
    return 0;
}

int pd_sock_getsockopt(pd_shim *sh, int fd, int level, int name, void *val, socklen_t *len)
{
    pd_fd *f;
    pd_lock(sh);
    int s = sock_of(sh, fd, &f);
    int rc = s;
    if (s >= 0) {
        if (level == IPPROTO_TCP && name == TCP_INFO && val && len)
            rc = pd_linux_tcp_info(sh, s, val, len);
        else if (level == IPPROTO_TCP && name == TCP_CC_INFO && len)
            *len = 0, rc = 0; /* what Linux says for an algorithm without cc info (cubic) */
        else if (level == SOL_SOCKET && name == SO_MEMINFO && val && len)
            rc = linux_meminfo(sh, s, val, len);
        else
            rc = synack_getsockopt(sh->st, s, level, name, val, len);
        if (rc == 0 && sh->linux_profile && level == SOL_SOCKET &&
            (name == SO_SNDBUF || name == SO_RCVBUF) && val && len &&
            *len >= (socklen_t)sizeof(int)) {
            /* Linux doubles the value set (room for its bookkeeping) and reports that
             * (socket(7)); scripts written for Linux expect it. */
            int v;
            memcpy(&v, val, sizeof(v));
            v = v > INT32_MAX / 2 ? INT32_MAX : v * 2;
            memcpy(val, &v, sizeof(v));
        }
    }
    pd_unlock(sh);
    return (int)pd_ret(rc);
}

static int pd_getsockopt(void *ud, int fd, int level, int name, void *val, socklen_t *len)
{
    return pd_sock_getsockopt(ud, fd, level, name, val, len);
}

static int pd_setsockopt(void *ud, int fd, int level, int name, const void *val, socklen_t len)
{
    pd_shim *sh = ud;
    pd_fd *f;
    pd_lock(sh);
    int s = sock_of(sh, fd, &f);
    int rc = s;
    if (s >= 0 && level == IPPROTO_TCP && name == SYNACK_TCP_FASTOPEN_CONNECT)
        rc = fastopen_host(sh, s, 1);
    if (rc >= 0)
        rc = s < 0 ? s : synack_setsockopt(sh->st, s, level, name, val, len);
    if (rc == -ENOPROTOOPT && level == SOL_SOCKET && name == SO_MARK)
        rc = len >= (socklen_t)sizeof(int) ? 0 : -EINVAL; /* a routing mark: the shim's host
                                                             has one route, nothing to mark */
    pd_changed(sh);
    pd_unlock(sh);
    return (int)pd_ret(rc);
}

void pd_sock_install(pd_interface *ifc)
{
    ifc->socket = pd_socket;
    ifc->bind = pd_bind;
    ifc->listen = pd_listen;
    ifc->accept = pd_accept;
    ifc->connect = pd_connect;
    ifc->read = pd_read;
    ifc->readv = pd_readv;
    ifc->recv = pd_recv;
    ifc->recvfrom = pd_recvfrom;
    ifc->recvmsg = pd_recvmsg;
    ifc->write = pd_write;
    ifc->writev = pd_writev;
    ifc->send = pd_send;
    ifc->sendto = pd_sendto;
    ifc->sendmsg = pd_sendmsg;
    ifc->fcntl = pd_fcntl;
    ifc->ioctl = pd_ioctl;
    ifc->close = pd_close;
    ifc->shutdown = pd_shutdown;
    ifc->getsockopt = pd_getsockopt;
    ifc->setsockopt = pd_setsockopt;
}
