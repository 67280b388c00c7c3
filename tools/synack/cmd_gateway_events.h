/* SPDX-License-Identifier: MIT */
/* synack gateway: one thread's event table over epoll(7) (cmd_gateway_events.c). An fd is
 * registered when its owner creates it and changed only when its interest changes, so a
 * wake-up costs the same with ten relays open as with a thousand. Owners with a stable
 * registration (the TAP, the inbox, the control socket, relays' host sockets) call
 * gw_ev_set; tables that still describe their interest as a pollfd list each round (UDP
 * flows, ping sockets, forward listeners) hand it to gw_ev_sync, which turns the
 * differences into epoll_ctl calls and writes the readiness back into that list. */
#ifndef SYNACK_TOOL_CMD_GATEWAY_EVENTS_H
#define SYNACK_TOOL_CMD_GATEWAY_EVENTS_H

#include <poll.h>
#include <stdint.h>
#include <sys/epoll.h>

/* What an event is about: the top byte of its tag. */
enum {
    GW_EV_LIST = 1, /* an entry of the gw_ev_sync list (handled inside gw_ev_wait) */
    GW_EV_TAP,
    GW_EV_INBOX,
    GW_EV_CTL,
    GW_EV_RELAY, /* index: the relay's slot */
};

/* kind, a 24-bit index and the fd: an event names its fd, so that a slot reused for
 * another fd never takes an event meant for the one before. */
#define GW_EV_TAG(kind, idx, fd)                                                                   \
    (((uint64_t)(kind) << 56) | ((uint64_t)((idx)&0xffffffu) << 32) | (uint32_t)(fd))
#define GW_EV_KIND(tag) ((int)((tag) >> 56))
#define GW_EV_IDX(tag) ((uint32_t)(((tag) >> 32) & 0xffffffu))
#define GW_EV_FD(tag) ((int)(uint32_t)(tag))

typedef struct gw_ev_slot {
    uint32_t events; /* registered now (0: not registered) */
    uint64_t tag;
    int32_t pfi;    /* a list entry: its index in this round's list */
    uint32_t round; /* a list entry: the last round it was listed */
    uint8_t listed; /* registered through gw_ev_sync */
    uint8_t queued; /* in the list of such fds */
} gw_ev_slot;

typedef struct gw_ev {
    int epfd;
    gw_ev_slot *slot; /* by fd */
    uint32_t nslot;
    int *list; /* fds registered through gw_ev_sync (some may have left it since) */
    uint32_t nlist, caplist;
    struct pollfd *pf; /* this round's list */
    int npf;
    uint32_t round;
    uint64_t ctl_calls; /* epoll_ctl(2) calls made */
    uint64_t waits;     /* epoll_wait(2) calls that returned events */
    int last;           /* what the last epoll_wait(2) returned, its list's events too */
} gw_ev;

/* 0, or a negative errno. */
int gw_ev_init(gw_ev *e);
void gw_ev_free(gw_ev *e);
/* fd's interest becomes events (EPOLLIN, EPOLLOUT, EPOLLET...; 0: none, the fd leaves the
 * set) with tag: an epoll_ctl call only when that differs from what is registered. 0 or a
 * negative errno (-EINVAL: fd < 0). */
int gw_ev_set(gw_ev *e, int fd, uint32_t events, uint64_t tag);
/* fd is about to be closed: closing removes it from the epoll set, so only the table
 * forgets it (no system call), and an fd of the same number registers afresh. */
void gw_ev_forget(gw_ev *e, int fd);
/* This round's pollfd list (n entries): entries new or changed are registered (level-
 * triggered), fds that left it are removed, revents are cleared. */
void gw_ev_sync(gw_ev *e, struct pollfd *pf, int n);
/* Waits up to timeout_ms (epoll_wait semantics) and returns how many events it put in out
 * (at most max), a negative errno on failure (-EINTR: a signal). Events of list entries
 * are not returned: their revents are set in the list gw_ev_sync was last given. */
int gw_ev_wait(gw_ev *e, struct epoll_event *out, int max, int timeout_ms);

/* The calling thread's event table, for gw_fd_close (NULL: none). */
void gw_ev_bind(gw_ev *e);
/* close(2) of an fd that may be registered in the calling thread's event table. */
int gw_fd_close(int fd);

#endif
