/* SPDX-License-Identifier: MIT */
/* SO_LINGER {1, T>0}: the non-blocking counterpart of Linux's lingering close(). */
#include <errno.h>

#include "stack/stack_impl.h"
#include "tcp/linger.h"
#include "tcp/tcp.h"

/* Linux's sk_stream_wait_close wakes when the state is no longer FIN-WAIT-1, CLOSING or
 * LAST-ACK. Here a FIN held back (by the peer's window, Nagle, a cork) leaves the state
 * ESTABLISHED or CLOSE-WAIT until it is sent, where Linux would already show FIN-WAIT-1
 * or LAST-ACK; so the wait is over only in the states that follow an acknowledged FIN. */
static int wait_over(synack_tcp_state s)
{
    return s == SYNACK_FIN_WAIT_2 || s == SYNACK_TIME_WAIT || s == SYNACK_CLOSED;
}

static void settle(tcp_conn *c, long ret)
{
    tcp_xfer *x = c->x;
    x->linger_wait = 0;
    tcp_timer_stop(c, TT_LINGER);
    stack_app_event(c->st, "linger", x->linger_sock, ret);
}

long tcp_linger_start(tcp_conn *c, int sock, const tcp_knobs *k)
{
    if (!k || !k->linger_on || k->linger_s == 0 || wait_over(c->state))
        return 0;
    if (!c->x)
        return -ENOMEM;
    c->x->linger_wait = 1;
    c->x->linger_sock = sock;
    /* Linux takes a negative l_linger as unsigned long, past MAX_SCHEDULE_TIMEOUT / HZ:
     * no time limit. Only the orphan's end or its acknowledged FIN settles it then; the
     * wait holds no memory beyond the transfer block the orphan keeps anyway. */
    if (k->linger_s > 0)
        tcp_timer_set(c, TT_LINGER, c->st->now + (uint64_t)k->linger_s * 1000000u);
    return 1;
}

void tcp_linger_state(tcp_conn *c)
{
    if (c->x && c->x->linger_wait && wait_over(c->state))
        settle(c, c->state == SYNACK_CLOSED ? c->error : 0);
}

void tcp_linger_expired(tcp_conn *c)
{
    if (c->x->linger_wait)
        settle(c, -EWOULDBLOCK);
}
