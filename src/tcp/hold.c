/* SPDX-License-Identifier: MIT */
/* The catch-all listener (SYNACK_TCP_CATCH_ALL) and held SYNs (SYNACK_TCP_HOLD_SYN): what a
 * gateway needs to stand in for every destination, and to answer a SYN only once it knows
 * whether the real destination answers. A held SYN is an ordinary SYN-RECEIVED embryo in
 * its listener's (bounded) SYN queue that has sent nothing; its retransmission timer is
 * its expiry. There is one catch-all per family: a gateway serves IPv4 and IPv6 with two
 * listeners, as it would with two wildcard ones. */
#include <errno.h>
#include <string.h>
#include "util/sockdefs.h"

#include "stack/ready.h"
#include "tcp/tcp.h"
#include "wire/icmpv6.h"
#include "wire/ipv4.h"
#include "wire/ipv6.h"

int tcp_catch_all_takes(const synack_stack *st, uint32_t dst)
{
    if (!st->catch_all_ever)
        return 0;
    /* A SYN to a broadcast, multicast, class E, "this network" or loopback address is
     * bogus (RFC 1122 4.2.3.10, 3.2.1.3): no host would answer it, so neither do we. */
    uint32_t top = dst >> 24;
    if (top == 0 || top == 127 || (dst >> 28) >= 0xe)
        return 0;
    uint8_t p = st->cfg.netif.prefix_len;
    if (p > 0 && p < 31) {
        uint32_t host = (1u << (32 - p)) - 1;
        if ((dst & ~host) == (st->cfg.netif.addr & ~host) && (dst & host) == host)
            return 0; /* the directed broadcast of our own subnet */
    }
    return 1;
}

int tcp_catch_all_takes6(const synack_stack *st, const uint8_t dst[16])
{
    if (!st->catch_all6_ever)
        return 0;
    ipv6_addr a;
    memcpy(a.b, dst, 16);
    /* Link-local destinations are other nodes of this link, never ours to stand in for;
     * the rest could not be a SYN's destination (RFC 4291 2.5.2, 2.5.3, 2.5.5.2, 2.7). */
    return !ipv6_addr_is_unspecified(&a) && !ipv6_addr_is_loopback(&a) &&
           !ipv6_addr_is_multicast(&a) && !ipv6_addr_is_link_local(&a) &&
           !ipv6_addr_is_v4mapped(&a);
}

tcp_listener *tcp_catch_all_for(const synack_stack *st, const synack_endpoints *ep)
{
    if (tcp_ep_v6(ep))
        return st->catch_all6;
    if (st->catch_all)
        return st->catch_all;
    return st->catch_all6 && !st->catch_all6->v6only ? st->catch_all6 : NULL;
}

int tcp_catch_all_set(synack_stack *st, tcp_listener *l, int on)
{
    tcp_listener **slot = l->v6 ? &st->catch_all6 : &st->catch_all;
    if (!on) {
        if (*slot == l)
            *slot = NULL;
        return 0;
    }
    if (*slot && *slot != l)
        return -EADDRINUSE;
    *slot = l;
    if (l->v6)
        st->catch_all6_ever = 1;
    if (!l->v6 || !l->v6only)
        st->catch_all_ever = 1;
    return 0;
}

void tcp_hold_begin(tcp_conn *c)
{
    synack_stack *st = c->st;
    tcp_listener *l = c->x->listener;
    c->held = 1;
    l->held++;
    c->x->held_since = st->now;
    c->x->held_retrans = 0;
    stack_count(st, SYNACK_CTR_TCPSynHeld);
    tcp_timer_set(c, TT_REXMIT, st->now + (uint64_t)l->hold_ms * 1000u);
    sock_ready_raise(st, l->sock, POLLPRI);
}

tcp_ret tcp_held_input(tcp_conn *c, const tcp_seg *seg)
{
    synack_stack *st = c->st;
    synack_endpoints ep;
    tcp_conn_endpoints(c, &ep);
    /* We sent nothing, so the only RST that can be the peer's is one at RCV.NXT (RFC 5961
     * 3.2 with a window of one): it gave up, and the request goes. */
    if ((seg->flags & TCP_RST) && seg->seq == c->rcv_nxt) {
        stack_count(st, SYNACK_CTR_TCPSynHeldRejected);
        tcp_conn_close(c, 0, "held-rst");
        return TCP_FREED;
    }
    if ((seg->flags & (TCP_SYN | TCP_ACK | TCP_RST)) == TCP_SYN && seg->seq == c->x->irs) {
        c->x->held_retrans++;
        stack_drop(st, &ep, SYNACK_CTR_TCPSynHeldRetrans, "held-syn-retransmit");
        return TCP_DONE;
    }
    /* Anything else (an ACK of a SYN-ACK never sent, a SYN with another ISN) waits with
     * the request: answering it would give away the verdict. */
    stack_drop(st, &ep, SYNACK_CTR_TCPSynHeldInvalid, "held-no-verdict");
    return TCP_DONE;
}

void tcp_held_expire(tcp_conn *c)
{
    stack_count(c->st, SYNACK_CTR_TCPSynHeldExpired);
    tcp_conn_close(c, 0, "held-expired");
}

int tcp_held_list(const tcp_listener *l, synack_held_syn *out, int max)
{
    int n = 0;
    for (tcp_conn *c = l->syn_head; c && n < max; c = c->x->q_next) {
        if (!c->held)
            continue;
        tcp_conn_endpoints(c, &out[n].ep);
        out[n].since_us = c->x->held_since;
        out[n].retrans = c->x->held_retrans;
        n++;
    }
    return n;
}

/* The SYN's first 8 TCP bytes, as an ICMP error quotes them: the peer matches the error to
 * its connection by the ports and sequence number. */
static void quote_tcp8(const tcp_conn *c, const synack_endpoints *ep, uint8_t *t)
{
    uint32_t seq = c->x->irs;
    t[0] = (uint8_t)(ep->rport >> 8);
    t[1] = (uint8_t)ep->rport;
    t[2] = (uint8_t)(ep->lport >> 8);
    t[3] = (uint8_t)ep->lport;
    t[4] = (uint8_t)(seq >> 24);
    t[5] = (uint8_t)(seq >> 16);
    t[6] = (uint8_t)(seq >> 8);
    t[7] = (uint8_t)seq;
}

/* The SYN's IP header and first 8 TCP bytes (RFC 792). */
static size_t quote_syn(const tcp_conn *c, const synack_endpoints *ep, uint8_t *q)
{
    ipv4_hdr h = {
        .ttl = 64, .proto = IP_PROTO_TCP, .src = ep->raddr, .dst = ep->laddr, .frag = IPV4_FLAG_DF};
    ipv4_emit(q, IPV4_HDR_LEN, &h, TCP_HDR_LEN);
    quote_tcp8(c, ep, q + IPV4_HDR_LEN);
    return IPV4_HDR_LEN + 8;
}

/* The same for IPv6 (RFC 4443 3.1 asks for as much of the invoking packet as fits, but the
 * SYN itself is gone: its header and the 8 bytes the peer matches are what is left). */
static size_t quote_syn6(const tcp_conn *c, const synack_endpoints *ep, uint8_t *q)
{
    ipv6_hdr h = {.next = IP_PROTO_TCP, .hop_limit = 64};
    memcpy(h.src.b, ep->raddr6, 16);
    memcpy(h.dst.b, ep->laddr6, 16);
    ipv6_emit(q, IPV6_HDR_LEN, &h, TCP_HDR_LEN);
    quote_tcp8(c, ep, q + IPV6_HDR_LEN);
    return IPV6_HDR_LEN + 8;
}

int tcp_held_verdict(synack_stack *st, tcp_listener *l, const synack_endpoints *ep, int verdict,
                     uint8_t code)
{
    tcp_conn *c = tcp_conn_find(st, ep);
    if (!c || !c->held || !c->x || c->x->listener != l)
        return -ENOENT;
    if (verdict == SYNACK_VERDICT_ACCEPT) {
        c->held = 0;
        l->held--;
        tcp_send_syn(c);
        tcp_arm_rexmit(c);
        return 0;
    }
    stack_count(st, SYNACK_CTR_TCPSynHeldRejected);
    if (verdict == SYNACK_VERDICT_REFUSE) {
        /* As a closed port answers the SYN (RFC 9293 3.10.7.1), from the address it was
         * sent to. */
        tcp_seg syn = {.sport = ep->rport, .dport = ep->lport, .seq = c->x->irs, .flags = TCP_SYN};
        tcp_reset_reply(st, ep, &syn);
    } else if (verdict == SYNACK_VERDICT_UNREACH && tcp_ep_v6(ep)) {
        uint8_t q[IPV6_HDR_LEN + 8];
        size_t len = quote_syn6(c, ep, q);
        icmp6_send_unreach_quote(st, q, len, code);
    } else if (verdict == SYNACK_VERDICT_UNREACH) {
        uint8_t q[IPV4_HDR_LEN + 8];
        size_t len = quote_syn(c, ep, q);
        ip_send_unreach(st, ep->raddr, code, q, len);
    }
    tcp_conn_close(c, 0,
                   verdict == SYNACK_VERDICT_REFUSE    ? "held-refused"
                   : verdict == SYNACK_VERDICT_UNREACH ? "held-unreachable"
                                                       : "held-dropped");
    return 0;
}
