/* SPDX-License-Identifier: MIT */
/* Explicit Congestion Notification for TCP, RFC 3168 6.1: the handshake that agrees on
 * it, the ECT(0) mark on new data, the receiver's ECN-Echo and the sender's window
 * reduction with CWR. The IP layer hands the ECN field up (tcp_rx.ecn) and puts ours on
 * the datagram (output.c). */
#include "tcp/tcp.h"

/* The mode in force: the socket's (SYNACK_TCP_ECN; a listener's passes to what it
 * creates), else the stack's. */
static uint8_t mode(const tcp_conn *c)
{
    return c->knobs ? c->knobs->ecn : c->st->cfg.ecn;
}

/* RFC 3168 6.1.1: an ECN-setup SYN has both ECE and CWR. */
static int syn_asks_ecn(const tcp_seg *seg)
{
    return (seg->flags & (TCP_ECE | TCP_CWR)) == (TCP_ECE | TCP_CWR);
}

void tcp_ecn_passive_open(tcp_conn *c, const tcp_seg *seg, uint8_t ip_ecn)
{
    /* A SYN must not be ECN-capable (RFC 3168 6.1.1): one that arrives marked went
     * through something that rewrites the field, and ECN is refused as Linux refuses it. */
    c->ecn_ok = mode(c) != 0 && syn_asks_ecn(seg) && ip_ecn == IP_ECN_NOT_ECT;
    if (c->ecn_ok)
        stack_count(c->st, SYNACK_CTR_TCPECNNegotiated);
}

void tcp_ecn_active_open(tcp_conn *c)
{
    c->ecn_ok = mode(c) == 1;
}

void tcp_ecn_syn_rcvd(tcp_conn *c, const tcp_seg *seg)
{
    if (!c->ecn_ok)
        return;
    if (seg->flags & TCP_ACK) {
        /* RFC 3168 6.1.1: an ECN-setup SYN-ACK has ECE without CWR; anything else
         * (including both bits, from a host that reflects them) means no ECN. */
        c->ecn_ok = (seg->flags & (TCP_ECE | TCP_CWR)) == TCP_ECE;
    } else {
        /* Simultaneous open: both SYNs must have asked. */
        c->ecn_ok = syn_asks_ecn(seg);
    }
    if (c->ecn_ok)
        stack_count(c->st, SYNACK_CTR_TCPECNNegotiated);
}

uint8_t tcp_ecn_syn_flags(const tcp_conn *c, int synack, int resent)
{
    if (!c->ecn_ok)
        return 0;
    if (synack)
        return TCP_ECE;
    /* RFC 3168 6.1.1.1: a SYN that went unanswered may have been dropped for its ECN
     * bits; the retransmission goes without them (Linux's tcp_ecn_fallback). The SYN-ACK
     * still decides (tcp_ecn_syn_rcvd). */
    return resent ? 0 : (uint8_t)(TCP_ECE | TCP_CWR);
}

void tcp_ecn_rx(tcp_conn *c, const tcp_seg *seg, uint8_t ip_ecn)
{
    if (!c->ecn_ok || (seg->flags & TCP_SYN))
        return;
    /* RFC 3168 6.1.3: CWR ends the echo; a CE on the same segment starts it again. */
    if (seg->flags & TCP_CWR)
        c->ecn_ece = 0;
    if (ip_ecn == IP_ECN_CE)
        c->ecn_ece = 1;
}

void tcp_ecn_ece_rcvd(tcp_conn *c, const tcp_seg *seg)
{
    if (!c->ecn_ok || !(seg->flags & TCP_ECE) || (seg->flags & TCP_SYN))
        return;
    /* RFC 3168 6.1.2: at most one reaction per window of data, and none while loss
     * recovery (which reduced the window already) is under way. */
    tcp_xfer *x = c->x;
    if (x->ecn_cwr_window && seq_gt(c->snd_una, x->ecn_high))
        x->ecn_cwr_window = 0; /* something sent after the reduction was delivered */
    if (x->ecn_cwr_window || c->in_recovery || seq_lt(c->snd_una, x->snd_recover))
        return;
    x->ecn_cwr_window = 1;
    x->ecn_high = c->snd_max;
    c->ecn_cwr = 1;
    stack_count(c->st, SYNACK_CTR_TCPECNReductions);
    stack_note(c->st, "ecn: ECE received, congestion window reduced");
    /* As for a loss (RFC 3168 6.1.2 "halves the congestion window ... reduces the slow
     * start threshold"), but nothing is resent: the reduction of a fast retransmit
     * without its inflation. A model-based controller (BBR v1) does not take ECN as a
     * signal; it still answers with CWR so the receiver stops echoing. */
    if (c->cc->cong_control)
        return;
    c->cc->on_enter_recovery(c);
    c->cc->on_exit_recovery(c);
}

int tcp_ecn_in_reduction(const tcp_conn *c)
{
    return c->x->ecn_cwr_window && !seq_gt(c->snd_una, c->x->ecn_high);
}

uint8_t tcp_ecn_data_ect(const tcp_conn *c, uint32_t seq, uint32_t len, int probe, uint8_t *flags)
{
    if (c->ecn_ok && c->ecn_ece && (*flags & TCP_ACK))
        *flags |= TCP_ECE; /* RFC 3168 6.1.3: every ACK until CWR arrives */
    /* RFC 3168 6.1.5 and 6.1.6: only new data is ECN-capable; retransmissions, pure
     * ACKs and window probes are not, and carry no CWR. */
    if (!c->ecn_ok || len == 0 || probe || seq != c->snd_max)
        return IP_ECN_NOT_ECT;
    if (c->ecn_cwr)
        *flags |= TCP_CWR; /* tcp_xmit clears ecn_cwr once it left */
    return IP_ECN_ECT0;
}
