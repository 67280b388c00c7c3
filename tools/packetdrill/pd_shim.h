/* SPDX-License-Identifier: MIT */
/* The packetdrill shim's shared state: one synack stack on a virtual clock, the queue of
 * packets it sent, and the table mapping kernel file descriptors to synack sockets.
 *
 * Every call takes the one mutex; a call that must block (accept, connect, read, write,
 * poll, epoll_wait on a blocking fd) waits on the condition variable, which is broadcast
 * whenever the stack may have changed (a packet arrived, time moved, a socket call ran). */
#ifndef SYNACK_PD_SHIM_H
#define SYNACK_PD_SHIM_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <linux/netlink.h>
#include <sys/socket.h>

#include "pd_abi.h"
#include "synack/synack.h"

/* One packet the stack sent, waiting for netdev_receive. */
typedef struct pd_pkt {
    struct pd_pkt *next; /* the next packet sent */
    uint64_t t_us;       /* virtual time at which the stack sent it */
    size_t len;          /* bytes in data */
    uint8_t data[];      /* the IP packet (IPv4 or IPv6) */
} pd_pkt;

/* What a kernel fd stands for. */
typedef enum pd_fd_kind {
    PD_FD_NONE,  /* not ours: calls go to libc */
    PD_FD_SOCK,  /* a synack socket (the fd is an eventfd placeholder) */
    PD_FD_EPOLL, /* an epoll instance emulated over synack sockets */
} pd_fd_kind;

/* One fd registered with an emulated epoll instance. */
typedef struct pd_epoll_item {
    int fd;                /* the watched fd */
    struct epoll_event ev; /* events asked for and the user's data */
    uint32_t last;         /* events ready at the last scan (EPOLLET) */
    uint64_t rx_mark;      /* the socket's bytes received + state at the last scan: new
                              data is an edge even when EPOLLIN was already set */
} pd_epoll_item;

/* Per-fd state. */
typedef struct pd_fd {
    pd_fd_kind kind;      /* what the fd is */
    int sock;             /* synack socket id (PD_FD_SOCK) */
    int nonblock;         /* O_NONBLOCK: never wait */
    int domain;           /* AF_INET or AF_INET6 (PD_FD_SOCK): which cmsgs Linux gives */
    pd_epoll_item *items; /* watched fds (PD_FD_EPOLL) */
    size_t nitems;        /* entries in items */
    size_t cap;           /* room in items */
} pd_fd;

/* Host routes with TCP metrics mirrored into the stack, per family (its default
 * route_table_size). */
#define PD_ROUTES_MAX 16

typedef struct pd_shim {
    pthread_mutex_t mu;     /* guards everything below */
    pthread_cond_t cv;      /* broadcast when the stack may have changed */
    pthread_t main_thread;  /* the thread that called init: it drives the clock */
    synack_stack *st;       /* the stack under test */
    uint64_t now;           /* virtual time, microseconds */
    uint64_t epoch_us;      /* wall-clock time that gettimeofday reports at now == 0 */
    pd_pkt *head, *tail;    /* packets sent and not yet received by packetdrill */
    pd_fd *fds;             /* indexed by kernel fd */
    int nfds;               /* entries in fds */
    pthread_cond_t settled; /* signalled when the last woken waiter has run */
    int waiters;            /* threads blocked in pd_block */
    int woken;              /* waiters woken by pd_changed that have not run yet */
    int rx_waiting;         /* netdev_receive waits for another thread to send */
    int released;           /* blocked calls let go since the last usleep: packetdrill's
                               thread still has to record their result */
    int closing;            /* free() has started: blocked calls return EINTR */
    uint32_t addr;          /* our IPv4 address, host order (so_flags addr=) */
    uint16_t mss;           /* our MSS (so_flags mss=), 0 from the MTU */
    int linux_profile;      /* so_flags profile=linux */
    int rack;               /* so_flags rack=0|1: RACK-TLP loss detection (config `rack`);
                               -1 (no flag): on with profile=linux, off with profile=rfc */
    char sysctl_dir[256];   /* so_flags sysctl_dir=: where the host model reads net.ipv4
                               sysctls; "" for /proc/sys/net/ipv4, "none" for no model */
    int sockets_made;       /* socket() calls so far: the stack is rebuilt at the first */
    synack_route routes[PD_ROUTES_MAX]; /* the host's routes the stack holds (pd_route.c) */
    int nroutes;                        /* entries in routes */
    int tun_fd;           /* tun0, held open (pd_qdisc.c); -1: frames cross no qdisc */
    int pkt_fd;           /* the AF_PACKET socket that writes frames to tun0; -1 */
    int tun_ifindex;      /* tun0's ifindex */
    uint8_t tun_prefix;   /* so_flags prefix=: tun0's prefix length (16, packetdrill's) */
    uint32_t tun_remote;  /* so_flags remote=: the route's destination (192.0.2.1) */
    uint32_t tun_gateway; /* so_flags gateway=: its next hop (192.168.0.1) */

    /* packetdrill's ipv6 mode (so_flags addr= an IPv6 address) */
    int v6;                   /* addr= was an IPv6 address */
    uint8_t addr6[16];        /* that address (the netif's addr6); all zero without v6 */
    uint8_t tun_prefix6;      /* so_flags prefix6=: tun0's IPv6 prefix length (48) */
    uint8_t tun_remote6[16];  /* so_flags remote= (IPv6): the route's destination */
    uint8_t tun_gateway6[16]; /* so_flags gateway= (IPv6): its next hop; zero: on-link */
    /* so_flags mtu=: the link's MTU, PD_MTU unless given (run_all.py's ipv6 mode says
     * --mtu=1520, so that the MSS stays 1460) */
    uint32_t mtu;

    /* the host's IPv6 routes the stack holds (pd_route.c) */
    synack_route6 routes6[PD_ROUTES_MAX];
    int nroutes6; /* entries in routes6 */
} pd_shim;

/* The MTU of the shim's one (virtual) link unless so_flags mtu= says otherwise. */
#define PD_MTU 1500
/* Largest mtu= taken: a frame must fit the qdisc's drain buffer (pd_qdisc.c). */
#define PD_MTU_MAX 9000

/* Most of a struct tcp_info a caller gets: a newer kernel's struct is larger than the
 * <linux/tcp.h> the shim is built with, and packetdrill asks for its own, newer copy. */
#define PD_TCP_INFO_MAX 512

/* Most one sendfile call on a shim socket moves (the copy goes through a heap buffer). */
#define PD_SENDFILE_CHUNK (1u << 20)

/* Marker value of our eventfds, checked before closing one at free time. */
#define PD_EVENTFD_TAG 0x53594e41u

/* --- pd_core.c --- */
void pd_lock(pd_shim *sh);
void pd_unlock(pd_shim *sh);
/* Wakes every blocked call (after anything that may have changed the stack). */
void pd_changed(pd_shim *sh);
/* Before the clock-driving thread moves time on: lets every waiter woken by the last
 * change run first, so a blocked call returns at the virtual time it was released. */
void pd_settle(pd_shim *sh);
/* Moves virtual time to t, running every timer due on the way at its own deadline. */
void pd_advance(pd_shim *sh, uint64_t t);
/* A blocking call cannot go on yet: waits for a change (another thread), or moves time
 * to the next timer (the clock-driving thread). Returns 0 to retry, -ETIMEDOUT once
 * virtual time reaches until_us, -EAGAIN when nothing could ever change, -EINTR when the
 * shim is being freed. */
int pd_block(pd_shim *sh, uint64_t until_us);
/* Sets errno and returns -1 for a negative errno, else returns rc. */
long pd_ret(long rc);
/* The entry for fd, growing the table; NULL for a negative fd or no memory. */
pd_fd *pd_fd_slot(pd_shim *sh, int fd);
/* The entry for fd if it is one of ours of the given kind, else NULL. */
pd_fd *pd_fd_get(pd_shim *sh, int fd, pd_fd_kind kind);
/* Forgets fd's entry (closing nothing). */
void pd_fd_forget(pd_shim *sh, int fd);

/* (Re)creates sh->st from the flags and, under profile=linux, the host's sysctls; the old
 * stack, if any, is freed. Returns 0 or a negative errno (message on stderr). */
int pd_stack_build(pd_shim *sh);

/* --- pd_route.c: the host's routes under profile=linux --- */
/* Brings the stack's route tables in line with the namespace's routes that carry metrics. */
void pd_route_sync(pd_shim *sh);

/* --- pd_host.c: the host's sysctls under profile=linux --- */
/* Overrides cfg's fields with the net.ipv4.tcp_* sysctls synack has a counterpart for. */
void pd_host_apply(const pd_shim *sh, synack_config *cfg);
/* What the sysctls set on a stack rather than in its config: tcp_fastopen_key. */
void pd_host_apply_stack(const pd_shim *sh, synack_stack *st);
/* net.ipv4.tcp_fastopen's client bits as they are now (scripts switch them mid-run), or -1
 * without a host model. */
int pd_host_fastopen_client(const pd_shim *sh);
/* A new socket s takes the sysctls Linux reads per connection (tcp_ecn) as they are now. */
void pd_host_socket(const pd_shim *sh, int s);

/* --- pd_qdisc.c: frames through tun0's qdisc --- */
/* Holds tun0 open and makes the AF_PACKET socket, in a private network namespace with a
 * tun0 only; else leaves both fds -1. */
void pd_qdisc_open(pd_shim *sh);
void pd_qdisc_close(pd_shim *sh);
/* Writes the frame through tun0's qdisc: -ENOBUFS if the qdisc dropped it, else 0. */
int pd_qdisc_pass(pd_shim *sh, const uint8_t *frame, size_t len);

/* --- netlink replies (pd_route.c, pd_tunaddr.c): NLMSG_OK/NLMSG_NEXT with a size_t length
 * (the macros compare the header's u32 with an int) --- */
static inline int pd_nl_ok(const struct nlmsghdr *h, size_t len)
{
    return len >= sizeof(*h) && h->nlmsg_len >= sizeof(*h) && h->nlmsg_len <= len;
}

static inline struct nlmsghdr *pd_nl_next(struct nlmsghdr *h, size_t *len)
{
    size_t step = NLMSG_ALIGN(h->nlmsg_len);
    *len = step < *len ? *len - step : 0;
    return (struct nlmsghdr *)((char *)h + step);
}

/* --- pd_tunaddr.c: tun0 as packetdrill's tun mode leaves it --- */
/* Gives tun0 (held by pd_qdisc_open) our address and a route to the remote through the
 * gateway, as packetdrill's netdev does, unless it has an address of that family already
 * (IPv6 when addr= was one, else IPv4); and the MTU of so_flags mtu=. */
void pd_tunaddr_setup(pd_shim *sh);

/* --- pd_sock.c: the socket calls --- */
void pd_sock_install(pd_interface *ifc);
/* Readiness of a synack-backed fd as poll(2) events (0 when not ready). */
short pd_sock_revents(pd_shim *sh, int fd, short events);

/* recv(2) on one of sh's socket fds, under the lock: blocking unless the fd or the flags
 * say not to; the bytes, or a negative errno. */
ssize_t pd_sock_recv(pd_shim *sh, int fd, void *buf, size_t n, int flags);

/* --- pd_splice.c --- */
/* splice(2) with one of sh's socket fds at one end: 0 or more bytes, or -1 and errno. */
int pd_sock_splice(pd_shim *sh, int fd_in, int fd_out, size_t len, unsigned int flags);

/* 1 if fd stands for one of sh's synack sockets. */
int pd_sock_owns(pd_shim *sh, int fd);
/* getsockopt(2) on one of sh's socket fds, with Linux's layouts for TCP_INFO, TCP_CC_INFO
 * and SO_MEMINFO: 0, or -1 and errno. */
int pd_sock_getsockopt(pd_shim *sh, int fd, int level, int name, void *val, socklen_t *len);

/* sendfile(2) from in_fd (a file, read with libc) to one of sh's socket fds: the bytes
 * sent (at most PD_SENDFILE_CHUNK), or -1 and errno. */
ssize_t pd_sock_sendfile(pd_shim *sh, int out_fd, int in_fd, off_t *offset, size_t count);

/* --- pd_errq.c: recvmsg(MSG_ERRQUEUE) --- */
/* Pops one record of socket s's error queue into msg's control buffer, as Linux: 0, or a
 * negative errno (-EAGAIN: empty) with msg untouched. domain is the socket's: an AF_INET6
 * socket's record is IPV6_RECVERR (ipv6_recv_error), an AF_INET one's IP_RECVERR. */
ssize_t pd_sock_recv_errqueue(pd_shim *sh, int s, int domain, struct msghdr *msg);

/* --- pd_tcpinfo.c: Linux's struct tcp_info from synack's --- */
/* Fills out (out_len bytes, zero past what is known) with si in Linux's layout and units;
 * pmtu is the path MTU to report. */
void pd_tcp_info_convert(const synack_tcp_info *si, uint32_t pmtu, void *out, size_t out_len);
/* getsockopt(IPPROTO_TCP, TCP_INFO) for socket s: 0 or a negative errno; *len becomes
 * min(*len, PD_TCP_INFO_MAX). */
int pd_linux_tcp_info(pd_shim *sh, int s, void *val, socklen_t *len);

/* --- pd_hook.c: libc calls packetdrill makes on our fds outside the table --- */
/* Routes the executable's getsockopt and sendfile calls on sh's fds to the shim. */
void pd_hook_install(pd_shim *sh);
/* Gives the executable its libc calls back (if sh still owns the hook). */
void pd_hook_remove(pd_shim *sh);

/* --- pd_poll.c: poll, epoll, pipe, splice --- */
void pd_poll_install(pd_interface *ifc);
/* Releases an emulated epoll's entries. */
void pd_epoll_release(pd_fd *f);

#endif
