/* SPDX-License-Identifier: MIT */
/* splice(2) from a synack socket into a pipe, as Linux's tcp_splice_read does it: the
 * bytes are peeked, written to the pipe, and only what the pipe took is consumed, so a
 * full pipe loses nothing. A read stops at the urgent mark (tcp_read_sock), and at the
 * mark with data queued splice returns 0 rather than waiting: it neither skips nor
 * returns the urgent byte, which only recv can (tcp_splice_loop_test.pkt).
 * Splicing into a synack socket is not modelled (-EINVAL): a pipe cannot give back bytes
 * the socket would refuse. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "pd_shim.h"

/* Largest piece moved per call: Linux moves at most a pipe's worth (16 pages). */
#define PD_SPLICE_CHUNK 65536u

/* Under the lock: the bytes moved from socket fd_in to fd_out, or a negative errno. */
static ssize_t splice_out(pd_shim *sh, int fd_in, int fd_out, size_t len, unsigned int flags)
{
    pd_fd *f = pd_fd_get(sh, fd_in, PD_FD_SOCK);
    if (!f)
        return -EINVAL;
    if (synack_sockatmark(sh->st, f->sock) == 1 && synack_recv_inq(sh->st, f->sock) > 0)
        return 0;
    size_t want = len < PD_SPLICE_CHUNK ? len : PD_SPLICE_CHUNK;
    if (want == 0)
        return 0;
    char *buf = malloc(want);
    if (!buf)
        return -ENOMEM;
    int peek = MSG_PEEK | ((flags & SPLICE_F_NONBLOCK) ? MSG_DONTWAIT : 0);
    ssize_t got = pd_sock_recv(sh, fd_in, buf, want, peek);
    ssize_t rc = got;
    if (got > 0) {
        rc = write(fd_out, buf, (size_t)got);
        if (rc < 0)
            rc = -errno;
        else if (rc > 0)
            (void)pd_sock_recv(sh, fd_in, buf, (size_t)rc, MSG_DONTWAIT);
    }
    free(buf);
    return rc;
}

int pd_sock_splice(pd_shim *sh, int fd_in, int fd_out, size_t len, unsigned int flags)
{
    pd_lock(sh);
    ssize_t rc = -EINVAL;
    if (!pd_fd_get(sh, fd_out, PD_FD_SOCK))
        rc = splice_out(sh, fd_in, fd_out, len, flags);
    pd_changed(sh);
    pd_unlock(sh);
    return (int)pd_ret(rc);
}
