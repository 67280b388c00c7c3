/* SPDX-License-Identifier: MIT */
/* ICMP errors about segments we sent: RFC 1122 4.2.3.9 (soft and hard errors), RFC 5927
 * (validation against blind attacks), RFC 1191 (Path MTU Discovery: fragmentation
 * needed), RFC 6069 (an unreachable undoes an RTO backoff). ip.c parses the quoted
 * datagram and calls tcp_icmp_input(). */
#include <errno.h>
#include <stddef.h>

#include "tcp/tcp.h"
#include "wire/icmp.h"
#include "wire/ipv6.h"

/* Linux's net.ipv4.route.min_pmtu: a forged "fragmentation needed" cannot push the MSS
 * below what this allows (RFC 5927 7.2 recommends such a floor). */
#define TCP_MIN_PMTU 552u

/* RFC 1191 7: the plateau table, for routers that do not report the next-hop MTU. */
static uint32_t plateau_below(uint32_t len)
{
    static const uint16_t plateaus[] = {32000, 17914, 8166, 4352, 2002, 1492, 1006, 508, 296, 68};
    for (size_t i = 0; i < sizeof(plateaus) / sizeof(plateaus[0]); i++)
        if (plateaus[i] < len)
            return plateaus[i];
    return 68;
}

/* The errno Linux reports for a Destination Unreachable code (icmp_err_convert[]). */
static int unreach_errno(uint8_t code)
{
    switch (code) {
    case 0:  /* net unreachable */
    case 6:  /* destination network unknown */
    case 11: /* network unreachable for TOS */
        return -ENETUNREACH;
    case ICMP_CODE_PROTO_UNREACH:
        return -ENOPROTOOPT;
    case ICMP_CODE_PORT_UNREACH:
        return -ECONNREFUSED;
    case 5: /* source route failed */
        return -EOPNOTSUPP;
    case 7: /* destination host unknown */
        return -EHOSTDOWN;
    default: /* host unreachable, administratively prohibited, ... */
        return -EHOSTUNREACH;
    }
}

/* RFC 1191 6.4/6.5: a smaller path MTU lowers the MSS we send with, and the segments
 * that were too big are sent again at the new size (this is not congestion: cwnd and
 * ssthresh stay). */
static void pmtu_update(tcp_conn *c, const tcp_icmp_err *e)
{
    int v6 = tcp_ep_v6(&e->ep);
    uint32_t mtu = e->next_mtu;
    if (mtu == 0)
        mtu = plateau_below(e->quoted_len);
    /* RFC 8201 4: an IPv6 path MTU is never taken below the minimum link MTU. */
    if (mtu < (v6 ? IPV6_MIN_MTU : TCP_MIN_PMTU))
        mtu = v6 ? IPV6_MIN_MTU : TCP_MIN_PMTU;
    if (mtu > c->st->cfg.netif.mtu)
        return;
    /* RFC 6691: the MSS excludes IP and TCP options; ours are only timestamps. */
    uint32_t hdrs = (v6 ? IPV6_HDR_LEN : IPV4_HDR_LEN) + TCP_HDR_LEN;
    uint32_t mss = mtu - hdrs - (c->ts_ok ? TCP_TS_OPT_SPACE : 0u);
    if (c->state == SYNACK_SYN_SENT && c->x->tfo_data && e->seq == c->x->iss) {
        /* Our SYN with data was too big: a plain SYN goes at once, and the connection then
         * uses the MSS the handshake gives, as Linux does; the estimate is not kept. */
        tcp_fo_syn_too_big(c, mss);
        return;
    }
    if (v6 ? route6_mtu_locked(c->st, e->ep.raddr6) : route_mtu_locked(c->st, c->node.key.raddr)) {
        /* "mtu lock" (Linux's RTAX_MTU lock): the route's MTU is not to be lowered. */
        stack_drop(c->st, &e->ep, SYNACK_CTR_COUNT, "icmp-mtu-locked");
        return;
    }
    /* Validated against this connection (RFC 5927), so worth keeping for the next one. */
    if (v6)
        ip6_pmtu_report(c->st, e->ep.raddr6, mtu);
    else
        ip_pmtu_report(c->st, c->node.key.raddr, e->next_mtu, e->quoted_len);
    if (mss >= c->snd_mss)
        return; /* not smaller than what we use: stale or bogus */
    c->snd_mss = (uint16_t)mss;
    tcp_mtu_icmp(c, mtu);
    stack_note(c->st, "pmtu: snd_mss lowered by ICMP fragmentation needed");
    if (c->state == SYNACK_SYN_SENT || c->state == SYNACK_SYN_RECEIVED || c->snd_una == c->snd_max)
        return;
    c->snd_nxt = c->snd_una; /* everything in flight was too big: send it again */
    c->rtt_timing = 0;       /* Karn: no RTT sample from resent data */
    tcp_output(c);
}

void tcp_icmp_input(synack_stack *st, const tcp_icmp_err *e)
{
    /* A compact TIME-WAIT record has no send state to check against: treated as none. */
    tcp_conn *c = tcp_conn_find(st, &e->ep);
    if (!c) {
        /* Linux's tcp_v6_err counts Icmp6InErrors here (its IPv4 side counts nothing
         * synack has a counter for). */
        stack_drop(st, &e->ep, tcp_ep_v6(&e->ep) ? SYNACK_CTR_Icmp6InErrors : SYNACK_CTR_COUNT,
                   "icmp-no-connection");
        return;
    }
    /* RFC 5927 4.1: the quoted segment must be one we sent and that is not yet
     * acknowledged, SND.UNA <= SEG.SEQ < SND.NXT; anything else is stale or forged. */
    if (c->state == SYNACK_TIME_WAIT || seq_lt(e->seq, c->snd_una) || !seq_lt(e->seq, c->snd_max)) {
        stack_drop(st, &e->ep, SYNACK_CTR_OutOfWindowIcmps, "icmp-out-of-window");
        return;
    }
    if (e->type == ICMP_DEST_UNREACH && e->code == ICMP_CODE_FRAG_NEEDED) {
        pmtu_update(c, e);
        return;
    }
    if (e->type == ICMP_DEST_UNREACH && c->passive && c->state == SYNACK_SYN_RECEIVED) {
        /* RFC 5927 5.2 leaves hard errors before synchronization to abort; for a request
         * that only a SYN made (perhaps forged, SYN flooding) any unreachable is reason
         * enough to free its slot, as Linux's tcp_req_err does: the window check above
         * pinned the quoted SEQ to our SYN-ACK's ISS. The peer's later ACK then meets the
         * listener and is reset. */
        stack_drop(st, &e->ep, SYNACK_CTR_ListenDrops, "icmp-unreachable-syn-received");
        tcp_conn_close(c, 0, "icmp-unreachable");
        return;
    }
    int err = e->type == ICMP_DEST_UNREACH ? unreach_errno(e->code) : -EHOSTUNREACH;
    int hard = e->type == ICMP_DEST_UNREACH &&
               (e->code == ICMP_CODE_PROTO_UNREACH || e->code == ICMP_CODE_PORT_UNREACH);
    /* A local error says our own link layer gave up on the first hop after its probes:
     * not the transient, possibly forged news from afar that RFC 1122 4.2.3.9 and RFC 5927
     * keep soft, so the attempt ends there, as on Linux (tcp_v4_err, tcp_v6_err). */
    if ((hard || e->local) && c->state == SYNACK_SYN_SENT) {
        /* RFC 1122 4.2.3.9: protocol and port unreachable are hard errors and SHOULD
         * abort; RFC 5927 5.2: but only before the connection is synchronized. */
        stack_count(st, SYNACK_CTR_AttemptFails);
        tcp_conn_close(c, err, "icmp-unreachable");
        return;
    }
    /* RFC 1122 4.2.3.9 soft error (RFC 5927 5.2: hard errors in synchronized states too):
     * keep going, remember it for the application and for a later timeout. */
    c->soft_error = (int16_t)err;
    /* RFC 6069 4, with Linux's codes: net or host unreachable for IPv4, "no route" (mapped
     * to code 0) for IPv6, about the segment at SND.UNA. */
    if (e->type == ICMP_DEST_UNREACH && e->seq == c->snd_una &&
        (e->code == 0 || (e->code == 1 && !tcp_ep_v6(&e->ep))))
        tcp_rto_revert(c);
}

int tcp_timeout_error(const tcp_conn *c)
{
    /* RFC 1122 4.2.3.9: report the soft error that explains the timeout, as Linux
     * does (sk_err_soft in tcp_write_err). */
    return c->soft_error ? c->soft_error : -ETIMEDOUT;
}
