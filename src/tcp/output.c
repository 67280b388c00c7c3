/* SPDX-License-Identifier: MIT */
/* Segment output: what to send (RFC 9293 3.8.6, RFC 1122 4.2.3.4 Nagle and sender SWS
 * avoidance, RFC 5681 windows) and how a segment is built. */
#include <errno.h>
#include <string.h>

#include "stack/errqueue.h"
#include "stack/ready.h"
#include "tcp/fastopen_server.h"
#include "tcp/pacing.h"
#include "tcp/rack.h"
#include "tcp/rate.h"
#include "tcp/sack.h"
#include "tcp/tcp.h"
#include "tcp/txlog.h"
#include "wire/ipv6.h"

static tcp_opt_layout opt_layout(const synack_stack *st)
{
    (void)st;
    return TCP_OPTS_LINUX;
}

uint16_t tcp_our_mss(const synack_stack *st, uint16_t maxseg)
{
    return tcp_our_mss_af(st, maxseg, 0);
}

uint16_t tcp_our_mss_af(const synack_stack *st, uint16_t maxseg, int v6)
{
    /* IPv6's fixed header is 20 bytes longer: MSS = MTU - 60 (RFC 8200 8.3), of the link's
     * MTU for IPv6, which an RA may have lowered (RFC 4861 6.3.4) */
    uint32_t room =
        v6 ? ip6_link_mtu(st) - IPV6_HDR_LEN - TCP_HDR_LEN : ip_max_l4(st) - TCP_HDR_LEN;
    uint32_t mss = st->cfg.mss ? st->cfg.mss : room;
    if (mss > room)
        mss = room;
    if (maxseg && maxseg < mss)
        mss = maxseg;
    return (uint16_t)mss;
}

void tcp_trace_seg(synack_stack *st, synack_event_type type, const synack_endpoints *ep, int sock,
                   const tcp_seg *seg, uint8_t ecn)
{
    synack_event ev = {.type = type, .has_conn = 1, .conn = *ep, .sock = sock};
    synack_seg_info *i = &ev.u.seg;
    i->ecn = ecn;
    i->flags = seg->flags;
    i->seq = seg->seq;
    i->ack = seg->ack;
    i->len = (uint32_t)seg->payload_len;
    i->win = seg->win;
    i->has_mss = seg->opts.has_mss;
    i->mss = seg->opts.mss;
    i->has_wscale = seg->opts.has_wscale;
    i->wscale = seg->opts.wscale;
    i->sack_ok = seg->opts.sack_ok;
    i->has_ts = seg->opts.has_ts;
    i->ts_val = seg->opts.ts_val;
    i->ts_ecr = seg->opts.ts_ecr;
    i->nsack = seg->opts.nsack;
    for (int k = 0; k < seg->opts.nsack && k < 4; k++) {
        i->sack[k][0] = seg->opts.sack[k].left;
        i->sack[k][1] = seg->opts.sack[k].right;
    }
    stack_emit(st, &ev);
}

/* Builds one segment in the stack's frame buffer and hands it to IP. The payload, if any,
 * is copied from c's send buffer at offset `data_off`. gso non-zero makes it a TSO
 * super-frame the device cuts into segments of gso payload bytes (netif.tso_max). ecn is
 * the datagram's ECN field (IP_ECN_*). */
static int emit_gso(synack_stack *st, const synack_endpoints *ep, tcp_seg *seg, tcp_conn *c,
                    uint32_t data_off, uint32_t gso, uint8_t ecn)
{
    uint8_t *l4 = st->txbuf + ip_headroom(st);
    size_t cap = st->txcap - ip_headroom(st);
    size_t hdr = TCP_HDR_LEN + tcp_opts_len(&seg->opts, opt_layout(st));
    if (hdr + seg->payload_len > cap)
        return -EMSGSIZE;
    size_t n;
    /* The device completes the checksum (always for the segments it cuts): only the
     * pseudo-header sum is written, and the payload is copied without being summed. */
    const int v6 = tcp_ep_v6(ep);
    const synack_netif *nif = &st->cfg.netif;
    int partial = gso || (nif->tx_csum && (nif->output_ex || nif->output_iov));
    /* A device that takes pieces reads the payload where it lies in the send ring: only
     * the headers are built here (and summed; the payload, unless the device sums it,
     * without being copied). IP sends the frame before the ring can change. */
    int pieces = nif->output_iov && seg->payload_len && c && c->x;
    if (pieces) {
        uint64_t sum = 0;
        st->tx_npieces = (uint8_t)sendbuf_pieces(&c->x->snd, data_off, (uint32_t)seg->payload_len,
                                                 st->tx_pieces, partial ? NULL : &sum);
        st->tx_payload_at = l4 + hdr;
        seg->payload = l4 + hdr; /* where the pieces stand in, for the lengths and the sum */
        n = tcp_emit_summed(l4, cap, seg, opt_layout(st), ep->laddr, ep->raddr, sum);
        if (n && partial)
            tcp_set_csum(l4, v6 ? tcp_csum_pseudo_partial6(ep->laddr6, ep->raddr6, n)
                                : tcp_csum_pseudo_partial(ep->laddr, ep->raddr, n));
    } else if (partial) {
        if (seg->payload_len) {
            sendbuf_peek(&c->x->snd, data_off, l4 + hdr, (uint32_t)seg->payload_len);
            seg->payload = l4 + hdr;
        }
        n = tcp_emit_summed(l4, cap, seg, opt_layout(st), ep->laddr, ep->raddr, 0);
        if (n)
            tcp_set_csum(l4, v6 ? tcp_csum_pseudo_partial6(ep->laddr6, ep->raddr6, n)
                                : tcp_csum_pseudo_partial(ep->laddr, ep->raddr, n));
    } else if (seg->payload_len) {
        /* The copy out of the send ring also sums the payload: the frame's data is read
         * once, not once to copy and once to checksum. */
        uint64_t sum =
            sendbuf_peek_csum(&c->x->snd, data_off, l4 + hdr, (uint32_t)seg->payload_len);
        seg->payload = l4 + hdr;
        n = tcp_emit_summed(l4, cap, seg, opt_layout(st), ep->laddr, ep->raddr, sum);
    } else {
        n = tcp_emit(l4, cap, seg, opt_layout(st), ep->laddr, ep->raddr);
    }
    if (n == 0)
        return -EMSGSIZE;
    if (v6 && !partial) /* summed above over a zero IPv4 pseudo-header: add the addresses */
        tcp_csum_add_addrs6(l4, ep->laddr6, ep->raddr6);
    if (stack_tracing(st))
        tcp_trace_seg(st, SYNACK_EV_TX, ep, c ? c->sock : -1, seg, ecn);
    /* A super-frame counts as the segments the device makes of it (as Linux's
     * tcp_skb_pcount); the tx trace event shows it once, as a capture on the host would. */
    st->counters[SYNACK_CTR_OutSegs] += gso ? (seg->payload_len + gso - 1) / gso : 1;
    if (seg->flags & TCP_RST)
        stack_count(st, SYNACK_CTR_OutRsts);
    /* The connection's IP_TOS, IP_MTU_DISCOVER and IP_TTL/IPV6_UNICAST_HOPS, for this
     * datagram only */
    const tcp_knobs *k = c ? c->knobs : NULL;
    st->tx_tos = k ? k->tos : 0;
    st->tx_nodf = k && k->pmtudisc == SYNACK_IP_PMTUDISC_DONT;
    st->tx_hops = knobs_tx_hops(k, v6);
    synack_tx_meta meta = {.flags = SYNACK_TX_CSUM_PARTIAL,
                           .csum_start = 0,
                           .csum_offset = 16,
                           .hdr_len = (uint16_t)hdr};
    if (gso) {
        meta.flags |= v6 ? SYNACK_TX_GSO_TCPV6 : SYNACK_TX_GSO_TCPV4;
        meta.gso_size = (uint16_t)gso;
    }
    synack_tx_meta *m = partial ? &meta : NULL;
    int rc = v6 ? ip6_output_meta(st, ep->laddr6, ep->raddr6, IP_PROTO_TCP, l4, n, m, ecn)
                : ip_output_src(st, ep->laddr, ep->raddr, IP_PROTO_TCP, l4, n, m, ecn);
    st->tx_tos = 0;
    st->tx_nodf = 0;
    st->tx_hops = 0;
    st->tx_npieces = 0;
    return rc;
}

static int emit(synack_stack *st, const synack_endpoints *ep, tcp_seg *seg, tcp_conn *c,
                uint32_t data_off)
{
    return emit_gso(st, ep, seg, c, data_off, 0, IP_ECN_NOT_ECT);
}

int tcp_emit_segment(synack_stack *st, const synack_endpoints *ep, tcp_seg *seg)
{
    seg->sport = ep->lport;
    seg->dport = ep->rport;
    return emit(st, ep, seg, NULL, 0);
}

/* SACK blocks for the out-of-order data we hold (RFC 2018 4). */
static void add_sack_blocks(const tcp_conn *c, tcp_opts *o)
{
    /* RFC 2018 4: the first block MUST hold the segment that triggered the ACK (the latest
     * out-of-order arrival); the others follow highest first, since newer data usually sits
     * higher. With more holes than blocks, lower ranges are left out, never the newest. */
    recvbuf_range r[RECVBUF_MAX_RANGES];
    uint32_t max = o->has_ts ? 3 : 4;
    uint32_t n = c->x->rcv.nranges ? recvbuf_sack_ranges(&c->x->rcv, r, RECVBUF_MAX_RANGES) : 0;
    uint32_t recent = c->x->sack_recent - c->rcv_nxt, first = n;
    for (uint32_t i = 0; i < n; i++)
        if (recent >= r[i].start && recent < r[i].end)
            first = i;
    uint32_t k = 0, holder = n;
    if (c->dsack_pending) {
        /* RFC 2883 4: the D-SACK block comes first; when the duplicate lies in a range
         * still held above RCV.NXT, that (larger) range comes second. */
        o->sack[k].left = c->x->dsack_left;
        o->sack[k].right = c->x->dsack_right;
        k++;
        uint32_t dl = c->x->dsack_left - c->rcv_nxt, dr = c->x->dsack_right - c->rcv_nxt;
        for (uint32_t i = 0; i < n && seq_ge(c->x->dsack_left, c->rcv_nxt); i++)
            if (dl >= r[i].start && dr <= r[i].end)
                holder = i;
        if (holder < n) {
            o->sack[k].left = c->rcv_nxt + r[holder].start;
            o->sack[k].right = c->rcv_nxt + r[holder].end;
            k++;
        }
    }
    if (first < n && first != holder) {
        o->sack[k].left = c->rcv_nxt + r[first].start;
        o->sack[k].right = c->rcv_nxt + r[first].end;
        k++;
    }
    for (uint32_t i = n; i-- > 0 && k < max;) {
        if (i == first || i == holder)
            continue;
        o->sack[k].left = c->rcv_nxt + r[i].start;
        o->sack[k].right = c->rcv_nxt + r[i].end;
        k++;
    }
    o->nsack = (uint8_t)k;
}

/* Data bytes that fit in a segment now. snd_mss already has the timestamps option taken
 * out (RFC 6691); the SACK blocks we echo while holding out-of-order data (RFC 2018 4)
 * come out of the data too, or the segment would exceed the MTU. */
static uint32_t send_mss(const tcp_conn *c)
{
    if (!c->sack_ok || !c->x || (!c->x->rcv.nranges && !c->dsack_pending))
        return c->snd_mss;
    tcp_opts o = {0};
    o.has_ts = c->ts_ok;
    size_t base = tcp_opts_len(&o, opt_layout(c->st));
    add_sack_blocks(c, &o);
    uint32_t extra = (uint32_t)(tcp_opts_len(&o, opt_layout(c->st)) - base);
    return c->snd_mss > extra ? c->snd_mss - extra : 1;
}

uint32_t tcp_send_mss(const tcp_conn *c)
{
    return send_mss(c);
}

static uint16_t window_field(tcp_conn *c, int syn)
{
    uint32_t wnd = tcp_rcv_window(c);
    /* RFC 9293 3.8.6.2.2: never shrink the window we already offered. */
    uint32_t offered = c->rcv_adv - c->rcv_nxt;
    if (seq_gt(c->rcv_adv, c->rcv_nxt) && wnd < offered)
        wnd = offered;
    if (syn) { /* RFC 7323 2.2: the window in a SYN is never scaled */
        uint32_t syn_field = wnd > 0xffff ? 0xffff : wnd;
        /* A SYN-ACK offers a window too: remember its right edge, or the first read
         * would look like a window opening and send a needless update. */
        if (c->state == SYNACK_SYN_RECEIVED && seq_gt(c->rcv_nxt + syn_field, c->rcv_adv))
            c->rcv_adv = c->rcv_nxt + syn_field;
        return (uint16_t)syn_field;
    }
    uint32_t field = wnd >> c->rcv_wscale;
    if (field > 0xffff)
        field = 0xffff;
    uint32_t edge = c->rcv_nxt + (field << c->rcv_wscale);
    if (seq_gt(edge, c->rcv_adv))
        c->rcv_adv = edge;
    return (uint16_t)field;
}

/* A segment of this connection with its ports, seq and flags set and nothing else; ep is
 * filled for emit(). */
static void seg_start(const tcp_conn *c, synack_endpoints *ep, tcp_seg *seg, uint32_t seq,
                      uint8_t flags)
{
    tcp_conn_endpoints(c, ep);
    *seg = (tcp_seg){.sport = ep->lport, .dport = ep->rport, .seq = seq, .flags = flags};
}

static int xmit(tcp_conn *c, uint32_t seq, uint32_t len, uint8_t flags, int probe)
{
    synack_stack *st = c->st;
    /* Sequence space leaving makes the connection busy; a bare ACK or RST does not. */
    if (!c->x && (len || (flags & (TCP_SYN | TCP_FIN))) && tcp_xfer_attach(c) != 0)
        return -ENOMEM;
    synack_endpoints ep;
    tcp_seg seg;
    uint8_t ecn = tcp_ecn_data_ect(c, seq, len, probe, &flags);
    seg_start(c, &ep, &seg, seq, flags);
    seg.payload_len = len;
    if (flags & TCP_ACK)
        seg.ack = c->rcv_nxt;
    if (c->ts_ok) {
        seg.opts.has_ts = 1;
        seg.opts.ts_val = tcp_ts_now(c);
        seg.opts.ts_ecr = c->ts_recent;
    }
    if (c->sack_ok && c->x && (c->x->rcv.nranges || c->dsack_pending))
        add_sack_blocks(c, &seg.opts);
    seg.win = window_field(c, 0);
    tcp_urg_stamp(c, &seg);

    /* Karn's algorithm (RFC 6298 3): only time segments sent for the first time. */
    uint32_t end = seq + len + ((flags & TCP_FIN) ? 1 : 0);
    int timed = !c->rtt_timing && len && seq == c->snd_max;
    if (timed) {
        c->rtt_timing = 1;
        c->x->rtt_seq = seq;
        c->x->rtt_start = st->now;
    }
    uint32_t gso = 0; /* a TSO super-frame: the MSS the device cuts it into */
    if (ip_tso_max(st) && len) {
        uint32_t m = send_mss(c);
        gso = len > m ? m : 0;
    }
    int rc = emit_gso(st, &ep, &seg, c, c->x ? seq - c->x->snd_buf_seq : 0, gso, ecn);
    if (end != seq && tcp_local_drop(rc)) {
        if (timed)
            c->rtt_timing = 0; /* never sent: nothing to time, log or count (ldrop.c) */
        return rc;
    }
    if (flags & TCP_CWR) /* RFC 3168 6.1.2: CWR goes on one segment */
        c->ecn_cwr = 0;
    c->segs_out += gso ? (len + gso - 1) / gso : 1; /* wire segments, as Linux counts */
    if (len)
        c->last_data_sent_ms = tcp_ms(st->now); /* Linux's lsndtime: resent data too */
    if (c->in_recovery)
        c->x->prr_out += len; /* RFC 9937 prr_out */
    if (end != seq)
        tcp_txlog_on_xmit(c, seq, end, (flags & TCP_FIN) != 0); /* RACK's transmit time,
                                                                  the rate snapshot */
    if (len && tcp_pacing_on(c))
        tcp_pace_sent(c, len);
    if (seq_gt(end, c->snd_max)) {
        c->snd_max = end;
        if (c->errq_track)
            sock_errq_sent(st, c->sock, end);
    }
    if (flags & TCP_ACK) {
        c->dsack_pending = 0; /* RFC 2883 4: each duplicate is reported in one ACK only */
        c->ack_now = 0;
        c->delack_pending = 0;
        if (c->x)
            c->x->segs_since_ack = 0;
        tcp_timer_stop(c, TT_DELACK);
    }
    return rc;
}

int tcp_xmit(tcp_conn *c, uint32_t seq, uint32_t len, uint8_t flags)
{
    return xmit(c, seq, len, flags, 0);
}

int tcp_xmit_probe(tcp_conn *c, uint32_t seq, uint32_t len, uint8_t flags)
{
    return xmit(c, seq, len, flags, 1);
}

/* The SYN or SYN-ACK; fo, when not NULL, adds a Fast Open option and `len` bytes from the
 * head of the send buffer (the client's first SYN, fastopen.c). */
static void send_syn(tcp_conn *c, const tcp_opts *fo, uint32_t len)
{
    synack_stack *st = c->st;
    synack_endpoints ep;
    tcp_seg seg;
    seg_start(c, &ep, &seg, c->x->iss, TCP_SYN);
    int synack = c->state == SYNACK_SYN_RECEIVED;
    if (synack) {
        seg.flags |= TCP_ACK;
        seg.ack = c->rcv_nxt;
    }
    seg.flags |= tcp_ecn_syn_flags(c, synack, c->total_retrans != 0);
    seg.opts.has_mss = 1;
    seg.opts.mss = c->rcv_mss;
    if (!synack && c->x->tfo_syn_mss)
        seg.opts.mss = c->x->tfo_syn_mss; /* fastopen.c tcp_fo_syn_too_big */
    /* RFC 7323 2.2 / 3.2 and RFC 2018 2: offer on a SYN; answer in kind on a SYN-ACK. */
    if (synack ? c->ws_ok : st->cfg.wscale <= TCP_MAX_WSCALE) {
        seg.opts.has_wscale = 1;
        seg.opts.wscale = c->rcv_wscale;
    }
    if (synack ? c->sack_ok : st->cfg.sack) {
        seg.opts.sack_ok = 1;
    }
    if (synack ? c->ts_ok : c->knobs ? c->knobs->timestamps : st->cfg.timestamps) {
        seg.opts.has_ts = 1;
        seg.opts.ts_val = tcp_ts_now(c);
        seg.opts.ts_ecr = synack ? c->ts_recent : 0;
    }
    if (synack && c->x->tfo_reply) { /* RFC 7413 4.2.2: the cookie for the next SYN */
        seg.opts.has_fo = 1;
        seg.opts.fo_exp = c->x->tfo_reply == TFO_REPLY_EXP;
        seg.opts.fo_len = TFO_COOKIE_LEN;
        tcp_fastopen_cookie_ep(st->tfo_key, &ep, seg.opts.fo_cookie);
    }
    if (fo && fo->has_fo) {
        seg.opts.has_fo = 1;
        seg.opts.fo_exp = fo->fo_exp;
        seg.opts.fo_len = fo->fo_len;
        memcpy(seg.opts.fo_cookie, fo->fo_cookie, fo->fo_len);
    }
    seg.payload_len = len;
    seg.win = window_field(c, 1);
    if (!synack && c->snd_max == c->x->iss) /* nothing sent yet: the first SYN */
        c->x->syn_stamp = tcp_ts_now(c);
    c->segs_out++;
    c->snd_nxt = c->x->iss + 1 + len;
    /* A SYN resent without the data leaves SND.MAX past it: that data is still owed. */
    if (seq_lt(c->snd_max, c->snd_nxt))
        c->snd_max = c->snd_nxt;
    emit(st, &ep, &seg, c, 0);
}

void tcp_send_syn(tcp_conn *c)
{
    send_syn(c, NULL, 0);
}

void tcp_send_syn_fo(tcp_conn *c, const tcp_opts *fo, uint32_t len)
{
    send_syn(c, fo, len);
}

/* The sequence number of a segment without data: the RFC's SND.NXT (snd_max, see
 * tcp_send_ack), but never past the right edge of the window the peer offered. After a
 * zero-window probe byte the peer did not take (RFC 9293 3.8.6.1), or a window it shrank,
 * SND.NXT lies beyond the peer's RCV.NXT + RCV.WND: the peer's acceptability test
 * (3.10.7.4) fails and Linux drops the segment with the acknowledgment in it, so none of
 * our ACKs would reach a peer whose window stays closed, and its own data would never be
 * acknowledged. The edge passes the test (with a zero window it is the peer's RCV.NXT);
 * Linux's own ACKs use it too. Before the handshake is done there is no such window. */
static uint32_t ack_seq(const tcp_conn *c)
{
    uint32_t edge = c->snd_una + c->snd_wnd;
    if (c->state == SYNACK_SYN_SENT || c->state == SYNACK_SYN_RECEIVED || !seq_gt(c->snd_max, edge))
        return c->snd_max;
    /* An open window short of SND.NXT by less than its scaling granularity (RFC 7323 2.4)
     * was only rounded down: the peer's real window still holds SND.NXT, and the edge could
     * fall below its RCV.NXT. */
    if (c->snd_wnd && c->snd_max - edge < (1u << c->snd_wscale))
        return c->snd_max;
    return edge;
}

void tcp_send_ack(tcp_conn *c)
{
    /* <SEQ=SND.NXT><ACK=RCV.NXT> (RFC 9293 3.10.7.4) with the RFC's SND.NXT, the next new
     * sequence number: that is snd_max here, since snd_nxt goes back on an RTO. An ACK
     * carrying the rewound snd_nxt falls below the peer's RCV.NXT, fails its acceptability
     * test and is dropped with the acknowledgment in it (as BSD does, use snd_max), unless
     * that lies beyond the peer's window (ack_seq). */
    tcp_xmit(c, ack_seq(c), 0, TCP_ACK);
}

void tcp_send_rst(tcp_conn *c)
{
    /* RFC 9293 3.10.4/3.10.5: an abort sends <SEQ=SND.NXT><CTL=RST>; the RFC's SND.NXT
     * is snd_max here (see tcp_send_ack), and RFC 5961 3.2 wants it exactly at the
     * peer's RCV.NXT: past a closed window (ack_seq) the peer would drop it unseen. */
    synack_endpoints ep;
    tcp_seg seg;
    seg_start(c, &ep, &seg, ack_seq(c), TCP_RST);
    if (c->state != SYNACK_SYN_SENT) {
        seg.flags |= TCP_ACK;
        seg.ack = c->rcv_nxt;
    }
    /* RFC 7323 5.2: a RST from a user abort carries timestamps when Snd.TS.OK. */
    if (c->ts_ok) {
        seg.opts.has_ts = 1;
        seg.opts.ts_val = tcp_ts_now(c);
        seg.opts.ts_ecr = c->ts_recent;
    }
    c->segs_out++;
    emit(c->st, &ep, &seg, c, 0);
}

void tcp_send_rst_seq(tcp_conn *c, uint32_t seq)
{
    synack_endpoints ep;
    tcp_seg seg;
    seg_start(c, &ep, &seg, seq, TCP_RST);
    c->segs_out++;
    emit(c->st, &ep, &seg, c, 0);
}

void tcp_reset_reply(synack_stack *st, const synack_endpoints *in_ep, const tcp_seg *in)
{
    /* RFC 9293 3.10.7.1: never answer a RST; otherwise
     * ACK set:   <SEQ=SEG.ACK><CTL=RST>
     * ACK clear: <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK> */
    if (in->flags & TCP_RST)
        return;
    synack_endpoints ep = *in_ep;
    ep.lport = in->dport;
    ep.rport = in->sport;
    tcp_seg seg = {0};
    seg.sport = in->dport;
    seg.dport = in->sport;
    if (in->flags & TCP_ACK) {
        seg.seq = in->ack;
        seg.flags = TCP_RST;
    } else {
        uint32_t seglen = (uint32_t)in->payload_len + ((in->flags & TCP_SYN) ? 1 : 0) +
                          ((in->flags & TCP_FIN) ? 1 : 0);
        seg.seq = 0;
        seg.ack = in->seq + seglen;
        seg.flags = TCP_RST | TCP_ACK;
    }
    emit(st, &ep, &seg, NULL, 0);
}

void tcp_send_challenge_ack(tcp_conn *c)
{
    synack_stack *st = c->st;
    /* RFC 5961 7: a per-stack budget per second. The budget is randomised each second so
     * the limit cannot serve as a side channel (CVE-2016-5696). */
    if (st->now - st->chack_window >= 1000000 || st->chack_window > st->now) {
        uint32_t lim = st->cfg.challenge_ack_limit;
        st->chack_window = st->now;
        st->chack_budget = lim ? lim / 2 + rng_below(&st->rng, lim / 2 + 1) : 0;
        if (st->chack_budget > lim)
            st->chack_budget = lim;
    }
    if (st->chack_budget == 0) {
        synack_endpoints ep;
        tcp_conn_endpoints(c, &ep);
        stack_drop(st, &ep, SYNACK_CTR_TCPACKSkippedChallenge, "challenge-ack-limit");
        return;
    }
    st->chack_budget--;
    stack_count(st, SYNACK_CTR_TCPChallengeACK);
    tcp_send_ack(c);
}

static int can_send_data(synack_tcp_state s)
{
    return s == SYNACK_ESTABLISHED || s == SYNACK_CLOSE_WAIT || s == SYNACK_FIN_WAIT_1 ||
           s == SYNACK_CLOSING || s == SYNACK_LAST_ACK;
}

void tcp_count_retransmission(tcp_conn *c)
{
    stack_count(c->st, SYNACK_CTR_RetransSegs);
    c->total_retrans++;
    c->rexmit_recent = 1;
    c->rtt_timing = 0; /* Karn (RFC 6298 3): no sample from a range sent twice */
}

void tcp_retransmit_first(tcp_conn *c)
{
    tcp_count_retransmission(c);
    if (c->state == SYNACK_SYN_SENT || c->state == SYNACK_SYN_RECEIVED) {
        tcp_send_syn(c);
        return;
    }
    uint32_t end = tcp_snd_data_end(c);
    uint32_t len = seq_lt(c->snd_una, end) ? end - c->snd_una : 0;
    if (len > send_mss(c))
        len = send_mss(c);
    uint32_t rec = tcp_eor_span(c, c->snd_una);
    if (rec < len)
        len = rec;
    int unit_psh = 0;
    if (c->st->cfg.psh_skb_model && len) { /* Linux resends the skb first sent there */
        uint32_t unit = tcp_skb_rtx_unit(c, c->snd_una, send_mss(c), send_mss(c), &unit_psh);
        if (unit < len)
            len = unit;
        unit_psh = unit_psh && unit == len;
    }
    uint8_t flags = TCP_ACK;
    if (c->fin_queued && c->snd_una + len == end && seq_gt(c->snd_max, end))
        flags |= TCP_FIN;
    if (len == 0 && !(flags & TCP_FIN))
        return;
    if (len && (c->snd_una + len == end || rec == len || unit_psh))
        flags |= TCP_PSH;
    tcp_xmit(c, c->snd_una, len, flags);
    if (seq_lt(c->x->high_rxt, c->snd_una + len))
        c->x->high_rxt = c->snd_una + len;
    if (seq_lt(c->snd_nxt, c->snd_una + len + ((flags & TCP_FIN) ? 1 : 0)))
        c->snd_nxt = c->snd_una + len + ((flags & TCP_FIN) ? 1 : 0);
}

/* RFC 6675 5 (C): while the pipe leaves room in cwnd, resend lost holes (NextSeg rule 1).
 * Returns 1 if something was sent. */
static int sack_retransmit(tcp_conn *c, uint32_t mss, int rule3)
{
    int sent = 0;
    uint32_t pipe = tcp_sack_pipe(c);
    uint32_t end = tcp_snd_data_end(c);
    /* cfg.psh_skb_model: the unit Linux resends, [unit_start, unit_end) */
    uint32_t unit_start = 0, unit_end = 0, next = 0;
    int unit_psh = 0;
    while (c->cwnd > pipe && c->cwnd - pipe >= mss) {
        uint32_t seq;
        uint32_t len = tcp_sack_next_hole(c, &seq, mss, rule3);
        if (len && seq_gt(seq + len, end))
            len = seq_lt(seq, end) ? end - seq : 0;
        uint32_t rec = tcp_eor_span(c, seq);
        if (rec < len)
            len = rec; /* resends keep record ends too */
        if (len == 0)
            break;
        int multi_end = 0; /* ends a resent unit of two or more segments */
        if (c->st->cfg.psh_skb_model) {
            if (!sent || seq != next || !seq_lt(seq, unit_end)) {
                unit_start = seq;
                unit_end = seq + tcp_skb_rtx_unit(c, seq, mss, c->cwnd - pipe, &unit_psh);
            }
            if (len > unit_end - seq)
                len = unit_end - seq;
            multi_end = seq + len == unit_end && (unit_end - unit_start > mss || unit_psh);
        }
        if (tcp_pacing_on(c) && !tcp_pace_allow(c, len, mss))
            break; /* the pacer's timer (TT_PACE) comes back for it */
        tcp_count_retransmission(c);
        /* PSH as the segment first carried it when it ended the data written or a record
         * (Linux keeps an skb's PSH on its resends) */
        tcp_xmit(c, seq, len,
                 TCP_ACK | (seq + len == end || rec == len || multi_end ? TCP_PSH : 0));
        next = seq + len;
        if (seq_lt(c->x->high_rxt, seq + len)) /* RACK may resend below it (a lost resend) */
            c->x->high_rxt = seq + len;
        pipe += len;
        sent = 1;
        if (rule3)
            break; /* rule 3 sends one segment at a time */
    }
    return sent;
}

/* draft-cheng-iccrg-delivery-rate-estimation 3.4: less than a segment left to send and room
 * in cwnd means the application, not the path, sets the pace of what is in flight now. */
static void check_app_limited(tcp_conn *c, uint32_t end, uint32_t mss)
{
    uint32_t unsent = seq_lt(c->snd_nxt, end) ? end - c->snd_nxt : 0;
    uint32_t flight = c->snd_nxt - c->snd_una;
    if (unsent < mss && flight < c->cwnd && !c->in_recovery)
        tcp_rate_app_limited(c, flight);
}

/* cfg.cwnd_limited_growth (linux profile), as Linux's tcp_cwnd_validate: remember, per
 * window of data, whether the flight filled cwnd and else its largest size, so that an
 * application-limited sender does not grow a cwnd it never used. */
static void note_cwnd_use(tcp_conn *c, uint32_t inflight, int sent)
{
    tcp_xfer *x = c->x;
    int limited = inflight >= c->cwnd;
    if (!sent && !limited)
        return;
    if (seq_ge(c->snd_una, x->cwnd_usage_seq) || limited ||
        (!x->cwnd_limited && inflight > x->max_flight)) {
        x->cwnd_limited = (uint8_t)limited;
        x->max_flight = inflight;
        x->cwnd_usage_seq = c->snd_nxt;
    }
}

/* Payload bytes one frame may carry at SND.NXT: one MSS, or with TSO (netif.tso_max) as
 * many whole MSS as the device takes. Resends after an RTO and loss recovery stay one MSS
 * per frame, so each retransmitted segment is counted, timed and measured on its own. */
static uint32_t frame_max(const tcp_conn *c, uint32_t mss)
{
    uint32_t tso = ip_tso_max(c->st);
    /* (a CWR due goes on one segment, not on each a device cuts from a super-frame) */
    if (tso <= mss || c->in_recovery || seq_lt(c->snd_nxt, c->snd_max) || c->ecn_cwr)
        return mss;
    return tso / mss * mss;
}

/* What held the data back after a send pass, for the chronographs (chrono.c), as Linux's
 * tcp_write_xmit and tcp_cwnd_validate tell it: the peer's window when it, not cwnd, kept
 * the next segment in; the send buffer when the pass sent what there was with cwnd to
 * spare, after the application found the buffer full. */
static void chrono_update(tcp_conn *c, uint32_t mss, int sent)
{
    if (c->sock < 0)
        return;
    uint32_t end = tcp_snd_data_end(c);
    uint32_t inflight = c->snd_nxt - c->snd_una;
    if (seq_lt(c->snd_nxt, end)) {
        uint32_t avail = end - c->snd_nxt, need = avail < mss ? avail : mss;
        uint32_t rwnd_room = c->snd_wnd > inflight ? c->snd_wnd - inflight : 0;
        uint32_t cwnd_room = c->cwnd > inflight ? c->cwnd - inflight : 0;
        if (rwnd_room < need && cwnd_room >= need) {
            tcp_chrono_start(c, TCP_CHRONO_RWND);
            return;
        }
    }
    tcp_chrono_stop(c, TCP_CHRONO_RWND);
    if (sent)
        tcp_chrono_sndbuf_check(c);
}

void tcp_output(tcp_conn *c)
{
    synack_stack *st = c->st;
    int sent = 0;
    if (st->batch_on && tcp_batch_defer(c))
        return;
    if (!c->x && tcp_xfer_attach(c) != 0) {
        /* Treated like a dropped transmission: the wheel node wakes tcp_timers_run an RTO
         * later, which attaches the block and calls us again, so queued data or a FIN does
         * not stall. */
        if (!tw_armed(&c->tnode) || c->tnode.when > st->now + c->rto_us)
            tw_arm(&st->wheel, &c->tnode, st->now + c->rto_us);
        return;
    }
    if (can_send_data(c->state) || tcp_fastopen_early_send(c)) {
        tcp_mtu_before_output(c);
        uint32_t mss = send_mss(c);
        /* RFC 6675 recovery, or RACK's after an RTO (RFC 8985 6.3) */
        int sack_recovery = (c->in_recovery || tcp_rack_rto_recovery(c)) && c->sack_ok;
        if (sack_recovery)
            sent = sack_retransmit(c, mss, 0);
        else
            sent = tcp_mtu_probe(c);
        uint32_t burst = 0; /* segments sent by this loop so far */
        int paced = 0;      /* the pacer held the next segment back */
        /* Nothing was outstanding: the timer starts after the burst, so that a tail-loss
         * probe's timeout sees the whole flight (RFC 8985 7.2). */
        int arm = 0;
        /* cfg.psh_skb_model: the unit Linux would send as one TSO packet, [unit_start,
         * unit_end) (skbmodel.c); none yet in this pass */
        int model = st->cfg.psh_skb_model;
        uint32_t unit_start = c->snd_nxt, unit_end = c->snd_nxt, data_end = c->snd_nxt;
        int unit_psh = 0, last_psh = 0;
        for (;;) {
            uint32_t end = tcp_snd_data_end(c);
            uint32_t avail = seq_lt(c->snd_nxt, end) ? end - c->snd_nxt : 0;
            int fin = c->fin_queued && seq_le(c->snd_nxt, end);
            uint32_t inflight = sack_recovery ? tcp_sack_pipe(c) : c->snd_nxt - c->snd_una;
            uint32_t cw = c->cwnd + (c->in_recovery ? 0 : c->x->limited_xmit);
            uint32_t wnd = c->snd_wnd < cw ? c->snd_wnd : cw;
            uint32_t usable = wnd > inflight ? wnd - inflight : 0;
            uint32_t fmax = frame_max(c, mss);
            uint32_t len = avail < fmax ? avail : fmax;
            if (len > usable)
                len = usable;
            /* A record end (MSG_EOR) closes the frame where it is, in whole segments or not;
             * one with more data behind it is not the tail Nagle waits on (as Linux sends an
             * skb that is not the last one). */
            uint32_t rec = tcp_eor_span(c, c->snd_nxt);
            int rec_end = rec <= len;
            if (rec_end)
                len = rec;
            else if (len > mss)
                len -= len % mss; /* TSO: whole segments; a short tail meets Nagle alone */
            if (len > 0 && tcp_pacing_on(c)) {
                uint32_t now_ok = tcp_pace_allow(c, len, mss);
                if (now_ok == 0) {
                    paced = 1; /* TT_PACE is armed for the next segment */
                    break;
                }
                len = now_ok;
            }
            if (model && len > 0) {
                if (!seq_lt(c->snd_nxt, unit_end)) {
                    uint32_t room = avail < usable ? avail : usable;
                    room = rec < room ? rec : room;
                    unit_start = c->snd_nxt;
                    unit_psh = 0;
                    unit_end =
                        unit_start + (seq_lt(c->snd_nxt, c->snd_max)
                                          ? tcp_skb_rtx_unit(c, c->snd_nxt, mss, usable, &unit_psh)
                                          : tcp_skb_unit(c, mss, cw, inflight, room));
                }
                if (len > unit_end - c->snd_nxt)
                    len = unit_end - c->snd_nxt; /* a TSO frame is one unit at most */
            }
            int with_fin = fin && len == avail;
            if (len == 0 && !(with_fin && avail == 0))
                break;
            if (len > 0 && len < mss && !with_fin) {
                /* RFC 1122 4.2.3.4: Nagle, and sender-side SWS avoidance. */
                int all_queued = len == avail;
                /* TCP_CORK and MSG_MORE hold a partial tail whatever Nagle says; the
                 * persist timer (an RTO, as Linux's probe timer) lets it out at last. */
                if (all_queued && (c->more_once || (c->knobs && c->knobs->cork)) && !c->push_once &&
                    !c->sws_override)
                    break;
                /* cfg.nagle_minshall (linux profile): Minshall's variant (as Linux's
                 * tcp_nagle_check) holds a small segment only while an earlier small one
                 * is unacknowledged. */
                /* a Fast Open child's unacknowledged SYN-ACK is no data in flight */
                uint32_t syn_out = tcp_fastopen_early_send(c) && c->snd_una == c->x->iss;
                int idle = st->cfg.nagle_minshall ? !seq_gt(c->x->snd_sml, c->snd_una)
                                                  : inflight == syn_out;
                if (!(all_queued && (c->nodelay || idle)) && len < c->max_snd_wnd / 2 &&
                    !c->sws_override && !c->push_once && !(rec_end && !all_queued))
                    break;
            }
            uint8_t flags = TCP_ACK;
            if (with_fin)
                flags |= TCP_FIN;
            /* PSH where a send without MSG_MORE ended, or a timer forces the tail out */
            if (len > 0 &&
                ((c->snd_nxt + len == end && (!c->more_tail || c->sws_override)) || rec_end))
                flags |= TCP_PSH;
            uint32_t rest = avail - len;
            if (model) {
                last_psh = (flags & TCP_PSH) != 0; /* as written: kept on resends */
                /* Linux 6.18 sends a unit of two or more segments with PSH */
                if (len > 0 && c->snd_nxt + len == unit_end &&
                    (unit_end - unit_start > mss || unit_psh))
                    flags |= TCP_PSH;
            } else if (st->cfg.psh_burst_end && len > 0 && rest > 0 && burst > 0 &&
                       usable - len < (rest < mss ? rest : mss))
                flags |= TCP_PSH; /* Linux: a window-limited burst (one TSO frame) ends
                                     with PSH, as GSO leaves it on the last segment */
            burst++;
            uint32_t seq = c->snd_nxt, sml = c->x->snd_sml;
            /* nagle_minshall: Linux notes a small segment only as new data leaves
             * (tcp_minshall_update), not on a resend */
            if (len > 0 && len < mss && !(st->cfg.nagle_minshall && seq_lt(seq, c->snd_max)))
                c->x->snd_sml = seq + len;
            c->snd_nxt = seq + len + (with_fin ? 1 : 0);
            int resend = seq_lt(seq, c->snd_max); /* after an RTO went back */
            if (tcp_local_drop(tcp_xmit(c, seq, len, flags))) {
                c->snd_nxt = seq; /* not sent: stop here, as Linux's tcp_write_xmit */
                c->x->snd_sml = sml;
                tcp_ldrop_note(c);
                break;
            }
            if (resend)
                tcp_count_retransmission(c);
            sent = 1;
            if (model && len > 0) {
                data_end = seq + len;
                if (data_end == unit_end)
                    tcp_skb_sent(c, unit_end, last_psh || unit_psh);
            }
            if (tcp_deadline(c, TT_REXMIT) == UINT64_MAX)
                arm = 1;
            tcp_timer_stop(c, TT_PERSIST);
            tcp_ldrop_clear(c);
            if (with_fin) {
                /* The FIN was queued by close() (the socket is gone) or by
                 * shutdown(SHUT_WR) (the socket is still there). */
                const char *why = c->sock < 0 ? "close" : "shutdown";
                if (c->state == SYNACK_ESTABLISHED)
                    tcp_set_state(c, SYNACK_FIN_WAIT_1, why);
                else if (c->state == SYNACK_CLOSE_WAIT)
                    tcp_set_state(c, SYNACK_LAST_ACK, why);
                break;
            }
        }
        /* a unit this pass did not finish ends where sending stopped, as Linux's would */
        if (model && seq_gt(data_end, unit_start) && seq_lt(data_end, unit_end))
            tcp_skb_sent(c, data_end, last_psh);
        if (arm && tcp_deadline(c, TT_REXMIT) == UINT64_MAX)
            tcp_arm_rexmit(c);
        if (st->cfg.cwnd_limited_growth)
            note_cwnd_use(c, sack_recovery ? tcp_sack_pipe(c) : c->snd_nxt - c->snd_una, burst > 0);
        /* RFC 6675 NextSeg rule 3: with no lost hole and no new data left to send, resend
         * the next unSACKed segment rather than wait for the RTO. */
        if (sack_recovery && !seq_lt(c->snd_nxt, tcp_snd_data_end(c)))
            sent |= sack_retransmit(c, mss, 1);
        /* RFC 9293 3.8.6.1: a zero window with data waiting starts the persist timer; so
         * does a window that SWS avoidance will not use (RFC 1122 4.2.3.4 wants an
         * override timeout, or a lost window update leaves both ends waiting). */
        uint32_t end = tcp_snd_data_end(c);
        if (tcp_rate_on(c) && !paced)
            check_app_limited(c, end, mss);
        chrono_update(c, mss, sent);
        if (sent)
            tcp_mtu_sent(c);
        if (!sent && !paced && seq_lt(c->snd_nxt, end) && c->snd_nxt == c->snd_una &&
            tcp_deadline(c, TT_PERSIST) == UINT64_MAX && tcp_deadline(c, TT_REXMIT) == UINT64_MAX) {
            uint64_t t = tcp_rto_backed_off(c);
            tcp_timer_set(c, TT_PERSIST, st->now + t);
        }
    }
    if (!sent && c->ack_now && c->state != SYNACK_SYN_SENT && c->state != SYNACK_CLOSED &&
        c->state != SYNACK_LISTEN)
        tcp_send_ack(c);
    if (sent && c->x && c->x->reply_by) {
        c->x->pingpong = st->now < c->x->reply_by; /* Linux's tcp_event_data_sent */
        c->x->reply_by = 0;
    }
    /* Under TCP_NOTSENT_LOWAT, sending (not an ACK) is what makes a socket writable */
    if (sent && c->sock >= 0 && tcp_notsent_lowat(c) != UINT32_MAX)
        sock_ready_space(st, c->sock);
}
