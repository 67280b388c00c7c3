/* SPDX-License-Identifier: MIT */
/* The socket side of the catch-all listener and held SYNs: the two options, and the calls
 * that list held requests and answer them (the TCP side is tcp/hold.c). */
#include <errno.h>
#include "util/sockdefs.h"

#include "stack/hold_api.h"
#include "tcp/tcp.h"

int sock_hold_option(int level, int name)
{
    return level == IPPROTO_TCP && (name == SYNACK_TCP_CATCH_ALL || name == SYNACK_TCP_HOLD_SYN);
}

int sock_hold_setopt(synack_stack *st, synack_sock *so, int name, int v)
{
    /* Listener options: a socket with (or after) a connection has no use for them. */
    if (so->conn || so->was_connected)
        return -EINVAL;
    if (name == SYNACK_TCP_CATCH_ALL) {
        if (v != 0 && v != 1)
            return -EINVAL;
        if (so->lst) {
            int rc = tcp_catch_all_set(st, so->lst, v);
            if (rc)
                return rc;
        }
        so->catch_all = (uint8_t)v;
        return 0;
    }
    if (v < 0 || v > SYNACK_HOLD_SYN_MAX_MS)
        return -EINVAL;
    so->hold_ms = (uint32_t)v;
    /* SYNs already held stay held until their verdict or expiry; only new ones change. */
    if (so->lst)
        so->lst->hold_ms = so->hold_ms;
    return 0;
}

int sock_hold_getopt(const synack_sock *so, int name)
{
    return name == SYNACK_TCP_CATCH_ALL ? so->catch_all : (int)so->hold_ms;
}

int sock_hold_listen(synack_stack *st, synack_sock *so)
{
    so->lst->hold_ms = so->hold_ms;
    return so->catch_all ? tcp_catch_all_set(st, so->lst, 1) : 0;
}

static tcp_listener *listener_of(synack_stack *st, int s, int *err)
{
    if (s < 0 || (uint32_t)s >= st->cfg.max_sockets || !st->socks[s].in_use) {
        *err = -EBADF;
        return NULL;
    }
    *err = -EINVAL;
    return st->socks[s].lst;
}

int synack_held_list(synack_stack *st, int s, synack_held_syn *out, int max)
{
    if (!st)
        return -EINVAL;
    int err;
    tcp_listener *l = listener_of(st, s, &err);
    if (!l)
        return err;
    if (max < 0 || (!out && max > 0))
        return -EINVAL;
    return tcp_held_list(l, out, max);
}

int synack_held_verdict(synack_stack *st, int s, const synack_endpoints *ep, int verdict,
                        int icmp_code)
{
    if (!st)
        return -EINVAL;
    if (st->cb_depth > 0)
        return -EBUSY;
    int err;
    tcp_listener *l = listener_of(st, s, &err);
    if (!l)
        return err;
    if (!ep || verdict < SYNACK_VERDICT_ACCEPT || verdict > SYNACK_VERDICT_DROP)
        return -EINVAL;
    /* ICMP's codes are 0..15 (RFC 792, 1122, 1812); ICMPv6 destination unreachable's 0..6
     * (RFC 4443 3.1). */
    if (verdict == SYNACK_VERDICT_UNREACH &&
        (icmp_code < 0 || icmp_code > (tcp_ep_v6(ep) ? 6 : 15)))
        return -EINVAL;
    int rc = tcp_held_verdict(st, l, ep, verdict, (uint8_t)icmp_code);
    stack_app_event(st, "held_verdict", s, rc);
    stack_api_return(st);
    return rc;
}
