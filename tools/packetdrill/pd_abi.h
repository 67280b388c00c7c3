/* SPDX-License-Identifier: MIT */
/* The function table through which Google's packetdrill drives a TCP stack loaded from a
 * shared object (packetdrill --so_filename=... --so_flags=...).
 *
 * Written for synack from the documented ABI of packetdrill's packetdrill.h: a userdata
 * pointer, then 32 function pointers in a fixed order, each taking the userdata first and
 * then the arguments of the libc call it stands for. The order and the signatures are the
 * contract; the names of the members are ours. Errors follow libc: -1 and errno. */
#ifndef SYNACK_PD_ABI_H
#define SYNACK_PD_ABI_H

#include <poll.h>
#include <stddef.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

typedef struct pd_interface {
    /* Handed back as the first argument of every call below. */
    void *userdata;
    /* Releases everything userdata holds; the last call packetdrill makes. */
    void (*free)(void *ud);
    /* socket(2). */
    int (*socket)(void *ud, int domain, int type, int protocol);
    /* bind(2). */
    int (*bind)(void *ud, int fd, const struct sockaddr *addr, socklen_t len);
    /* listen(2). */
    int (*listen)(void *ud, int fd, int backlog);
    /* accept(2): fills the peer's address. */
    int (*accept)(void *ud, int fd, struct sockaddr *addr, socklen_t *len);
    /* connect(2). */
    int (*connect)(void *ud, int fd, const struct sockaddr *addr, socklen_t len);
    /* read(2). */
    ssize_t (*read)(void *ud, int fd, void *buf, size_t n);
    /* readv(2). */
    ssize_t (*readv)(void *ud, int fd, const struct iovec *iov, int iovcnt);
    /* recv(2). */
    ssize_t (*recv)(void *ud, int fd, void *buf, size_t n, int flags);
    /* recvfrom(2). */
    ssize_t (*recvfrom)(void *ud, int fd, void *buf, size_t n, int flags, struct sockaddr *from,
                        socklen_t *fromlen);
    /* recvmsg(2). */
    ssize_t (*recvmsg)(void *ud, int fd, struct msghdr *msg, int flags);
    /* write(2). */
    ssize_t (*write)(void *ud, int fd, const void *buf, size_t n);
    /* writev(2). */
    ssize_t (*writev)(void *ud, int fd, const struct iovec *iov, int iovcnt);
    /* send(2). */
    ssize_t (*send)(void *ud, int fd, const void *buf, size_t n, int flags);
    /* sendto(2). */
    ssize_t (*sendto)(void *ud, int fd, const void *buf, size_t n, int flags,
                      const struct sockaddr *to, socklen_t tolen);
    /* sendmsg(2). */
    ssize_t (*sendmsg)(void *ud, int fd, const struct msghdr *msg, int flags);
    /* fcntl(2): a third int argument for the commands that take one. */
    int (*fcntl)(void *ud, int fd, int cmd, ...);
    /* ioctl(2): a third pointer argument for the requests that take one. */
    int (*ioctl)(void *ud, int fd, unsigned long request, ...);
    /* close(2). */
    int (*close)(void *ud, int fd);
    /* shutdown(2). */
    int (*shutdown)(void *ud, int fd, int how);
    /* getsockopt(2). */
    int (*getsockopt)(void *ud, int fd, int level, int name, void *val, socklen_t *len);
    /* setsockopt(2). */
    int (*setsockopt)(void *ud, int fd, int level, int name, const void *val, socklen_t len);
    /* poll(2); timeout in milliseconds of the stack's clock. */
    int (*poll)(void *ud, struct pollfd *fds, nfds_t nfds, int timeout);
    /* One IP packet (no link header) from the test to the stack: 0, or -1. */
    int (*netdev_send)(void *ud, const void *buf, size_t n);
    /* The next packet the stack sent: copied to buf (*n: its size in, the length out), its
     * send time in *time_us. Returns 0; -1 makes packetdrill call again. */
    int (*netdev_receive)(void *ud, void *buf, size_t *n, long long *time_us);
    /* usleep(3) on the stack's clock. */
    int (*usleep)(void *ud, useconds_t us);
    /* gettimeofday(2) on the stack's clock. */
    int (*gettimeofday)(void *ud, struct timeval *tv, struct timezone *tz);
    /* epoll_create(2). */
    int (*epoll_create)(void *ud, int size);
    /* epoll_ctl(2). */
    int (*epoll_ctl)(void *ud, int epfd, int op, int fd, struct epoll_event *ev);
    /* epoll_wait(2). */
    int (*epoll_wait)(void *ud, int epfd, struct epoll_event *evs, int max, int timeout);
    /* pipe(2). */
    int (*pipe)(void *ud, int fds[2]);
    /* splice(2). */
    int (*splice)(void *ud, int fd_in, loff_t *off_in, int fd_out, loff_t *off_out, size_t len,
                  unsigned int flags);
} pd_interface;

/* The ABI is one pointer of userdata and 32 function pointers, nothing else. */
_Static_assert(sizeof(pd_interface) == 33 * sizeof(void *),
               "pd_interface must match packetdrill's struct packetdrill_interface");

/* The one symbol the shared object exports; packetdrill looks it up with dlsym. */
typedef void (*pd_interface_init_fn)(const char *flags, pd_interface *ifc);

#endif
