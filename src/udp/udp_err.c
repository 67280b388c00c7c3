/* SPDX-License-Identifier: MIT */
/* ICMP and ICMPv6 errors about datagrams a UDP or echo socket sent, as Linux's
 * __udp4_lib_err, __udp6_lib_err and ping_err report them: the errno each stands for,
 * whether it is hard, and where it goes (the error queue with IP_RECVERR / IPV6_RECVERR,
 * the pending error of sk_err). */
#include <errno.h>
#include <string.h>

#include "stack/errqueue.h"
#include "stack/ready.h"
#include "udp/udp.h"
#include "util/sockdefs.h"
#include "wire/bytes.h"
#include "wire/icmp.h"
#include "wire/icmpv6.h"

/* ICMP's table is icmp_errno's but for Parameter Problem (hard EPROTO), a Time Exceeded or
 * anything else (soft EHOSTUNREACH) and Fragmentation Needed (hard EMSGSIZE unless the
 * socket lets its datagrams be fragmented, then nothing: only the path MTU changes). Over
 * IPv6 a UDP socket (not an echo one) takes a Packet Too Big as hard unless it fragments,
 * and hears nothing of one when it ignores the path MTU (Linux's ip6_sk_accept_pmtu). */
int udp_err_errno(const synack_sock *so, const ping_error *e, int *hard)
{
    if (e->ours.v6) {
        int err = icmp6_errno(e->type, e->code, hard);
        if (e->type == ICMP6_PACKET_TOO_BIG && !so->udp->ping) {
            if (so->knobs.pmtudisc >= SYNACK_IP_PMTUDISC_INTERFACE)
                return 0;
            *hard = so->knobs.pmtudisc != IP_PMTUDISC_DONT;
        }
        return err;
    }
    *hard = 0;
    switch (e->type) {
    case ICMP_DEST_UNREACH:
        if (e->code == ICMP_CODE_FRAG_NEEDED) {
            *hard = so->knobs.pmtudisc != IP_PMTUDISC_DONT;
            return *hard ? EMSGSIZE : 0;
        }
        if (e->code > 15)
            return EHOSTUNREACH;
        return icmp_errno(e->type, e->code, hard);
    case ICMP_PARAM_PROBLEM:
        *hard = 1;
        return EPROTO;
    default:
        return EHOSTUNREACH;
    }
}

/* The drop reasons docs/TRACE.md lists for an error a socket does not hear. */
static const char *ignored(const synack_sock *so, const ping_error *e)
{
    if (so->udp->ping)
        return "icmp-ping-ignored";
    return e->ours.v6 ? "icmp6-udp-ignored" : "icmp-udp-ignored";
}

static void put_offender(synack_sock_err *r, const sock_addr *a)
{
    if (a->v6) {
        r->offender.sin6.sin6_family = SYNACK_AF_INET6;
        memcpy(r->offender.sin6.sin6_addr.s6_bytes, a->a6, 16);
    } else {
        r->offender.sin.sin_family = SYNACK_AF_INET;
        wr32((uint8_t *)&r->offender.sin.sin_addr.s_addr, a->v4);
    }
}

int udp_sock_err(synack_stack *st, int s, const ping_error *e)
{
    synack_sock *so = &st->socks[s];
    udp_sock *u = so->udp;
    int hard;
    int err = udp_err_errno(so, e, &hard);
    if (!err) {
        stack_drop(st, NULL, SYNACK_CTR_COUNT, ignored(so, e));
        return 0;
    }
    if (u->recverr) {
        synack_sock_err r;
        memset(&r, 0, sizeof(r));
        r.ee_errno = (uint32_t)err;
        r.ee_origin = e->ours.v6 ? SYNACK_SO_EE_ORIGIN_ICMP6 : SYNACK_SO_EE_ORIGIN_ICMP;
        r.ee_type = e->type;
        r.ee_code = e->code;
        r.ee_info = e->info;
        put_offender(&r, &e->offender);
        memcpy(r.quote, e->echo, sizeof(r.quote));
        /* a full queue drops the record, counted in the socket's errqueue stat */
        if (sock_errq_push(st, s, &r) != 0)
            stack_drop(st, NULL, SYNACK_CTR_NoMemory, "no-memory");
    } else if (!hard || !udp_connected(u)) {
        /* Linux: without IP_RECVERR only a hard error about a connected socket's peer */
        stack_drop(st, NULL, SYNACK_CTR_COUNT, ignored(so, e));
        return 0;
    }
    u->err = err;
    sock_ready_raise(st, s, POLLERR);
    return 1;
}

void udp_err_quote(uint8_t out[8], const uint8_t *udp, size_t avail)
{
    memset(out, 0, 8);
    if (avail > UDP_HDR_LEN)
        memcpy(out, udp + UDP_HDR_LEN, avail - UDP_HDR_LEN < 8 ? avail - UDP_HDR_LEN : 8);
}
