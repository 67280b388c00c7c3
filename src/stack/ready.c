/* SPDX-License-Identifier: MIT */
/* Edge-triggered readiness (synack_sock_watch, synack_sock_ready). The ready list is
 * intrusive: its links live in the socket table, so a socket is on it at most once and the
 * list can never hold more than max_sockets entries, whatever the network does. An edge
 * costs O(1); popping costs O(1) per entry, so an application with 100,000 idle sockets
 * pays only for the ones that changed. */
#include <errno.h>
#include "util/sockdefs.h"

#include "stack/ready.h"

#include "stack/errqueue.h"
#include "tcp/tcp.h"
#include "udp/udp.h"

/* What an application may watch: the bits synack_sock_poll() reports. */
#define READY_BITS (POLLIN | POLLPRI | POLLOUT | POLLERR | POLLHUP | POLLRDHUP)

short sock_ready_mask(const synack_sock *so)
{
    short ev = 0;
    if (so->udp) {
        ev = udp_poll(so);
    } else if (so->lst) {
        ev = tcp_usr_listen_poll(so->lst);
    } else if (so->conn) {
        ev = tcp_usr_poll(so->conn);
    } else if (so->was_connected || so->error) {
        /* A write returns at once (the error, or -EPIPE): POLLOUT, as Linux and the BSDs
         * report it, so a writer that waits for room wakes up to learn that. */
        ev |= POLLIN | POLLOUT | POLLHUP;
        if (so->error)
            ev |= POLLERR;
    }
    return (short)(ev | sock_errq_poll(so));
}

/* As poll(2) and epoll: errors and hang-ups are reported whether asked for or not. */
static short interest(const synack_sock *so)
{
    return (short)(so->watch | POLLERR | POLLHUP);
}

static void enqueue(synack_stack *st, int s)
{
    synack_sock *so = &st->socks[s];
    so->queued = 1;
    so->ready_next = -1;
    so->ready_prev = st->ready_tail;
    if (st->ready_tail >= 0)
        st->socks[st->ready_tail].ready_next = s;
    else
        st->ready_head = s;
    st->ready_tail = s;
    st->ready_len++;
}

static void unlink_ready(synack_stack *st, int s)
{
    synack_sock *so = &st->socks[s];
    if (!so->queued)
        return;
    if (so->ready_prev >= 0)
        st->socks[so->ready_prev].ready_next = so->ready_next;
    else
        st->ready_head = so->ready_next;
    if (so->ready_next >= 0)
        st->socks[so->ready_next].ready_prev = so->ready_prev;
    else
        st->ready_tail = so->ready_prev;
    so->queued = 0;
    so->ready_prev = so->ready_next = -1;
    st->ready_len--;
}

void sock_ready_raise(synack_stack *st, int s, short bits)
{
    if (s < 0)
        return;
    synack_sock *so = &st->socks[s];
    if (so->watch && !so->queued && (bits & interest(so)))
        enqueue(st, s);
}

void sock_ready_space(synack_stack *st, int s)
{
    if (s < 0 || !st->socks[s].nospace)
        return;
    /* Space opened, but a socket still not writable (TCP_NOTSENT_LOWAT, record ends) keeps
     * its claim to the edge for when it is. */
    if (st->socks[s].conn && tcp_usr_send_held(st->socks[s].conn))
        return;
    st->socks[s].nospace = 0;
    sock_ready_raise(st, s, POLLOUT);
}

void sock_ready_forget(synack_stack *st, int s)
{
    unlink_ready(st, s);
    st->socks[s].watch = 0;
    st->socks[s].watch_user = NULL;
}

int synack_sock_watch(synack_stack *st, int s, short events, void *user)
{
    if (!st)
        return -EINVAL;
    if (s < 0 || (uint32_t)s >= st->cfg.max_sockets || !st->socks[s].in_use)
        return -EBADF;
    if (events & ~READY_BITS)
        return -EINVAL;
    synack_sock *so = &st->socks[s];
    if (!events) {
        sock_ready_forget(st, s);
        return 0;
    }
    so->watch = events;
    so->watch_user = user;
    /* As epoll_ctl(ADD/MOD): a socket that is ready already gets its edge now, so that
     * readiness which came before the watch (data on a socket just accepted) is not lost. */
    if (!so->queued && (sock_ready_mask(so) & interest(so)))
        enqueue(st, s);
    return 0;
}

int synack_sock_ready(synack_stack *st, synack_ready *out, int max)
{
    if (!st || max < 0 || (max > 0 && !out))
        return -EINVAL;
    int n = 0;
    while (n < max && st->ready_head >= 0) {
        int s = st->ready_head;
        unlink_ready(st, s);
        synack_sock *so = &st->socks[s];
        /* Readiness as it is now, as epoll reports it: an edge whose cause the
         * application already consumed (it read the data meanwhile) reports nothing. */
        short rev = (short)(sock_ready_mask(so) & interest(so));
        if (!rev)
            continue;
        out[n].sock = s;
        out[n].revents = rev;
        out[n].user = so->watch_user;
        n++;
    }
    return n;
}

int synack_sock_ready_pending(const synack_stack *st)
{
    if (!st)
        return -EINVAL;
    return (int)st->ready_len;
}
