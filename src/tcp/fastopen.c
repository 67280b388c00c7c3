/* SPDX-License-Identifier: MIT */
/* TCP Fast Open, the client (RFC 7413 4.1, 4.2.1, 4.2.2): what the first SYN of an active
 * open carries (a cookie and data, a cookie request, or nothing), and what its SYN-ACK or
 * its timeout teaches the cache (fastopen_cache.c). The choices follow Linux's, which the
 * upstream packetdrill scripts pin down: the data in the SYN is at most the MSS (ours, or
 * the server's last one if smaller) less 40 bytes of option room, a SYN sent again carries
 * neither the option nor the data, and data the SYN-ACK does not acknowledge is sent again
 * as soon as the connection is established. */
#include <errno.h>
#include <string.h>

#include "tcp/fastopen_cache.h"
#include "tcp/tcp.h"

/* Linux's MAX_TCP_OPTION_SPACE: room kept in a SYN with data for options a middlebox may
 * add, so the SYN is not dropped for being too large. */
#define TFO_SYN_OPTION_ROOM 40

typedef struct tfo_plan {
    tcp_opts fo;      /* the option to send (fo.has_fo 0: none) */
    uint16_t mss;     /* the destination's cached MSS, 0 if unknown */
    uint8_t use_data; /* data may go in the SYN */
} tfo_plan;

static void note(tcp_conn *c, const char *text)
{
    if (!stack_tracing(c->st))
        return;
    synack_event ev = {.type = SYNACK_EV_NOTE, .has_conn = 1, .sock = c->sock};
    tcp_conn_endpoints(c, &ev.conn);
    ev.u.note.text = text;
    stack_emit(c->st, &ev);
}

/* The cache's key for the connection's peer: its IPv6 address, or ::ffff:a.b.c.d. */
static void peer_key(const tcp_conn *c, uint8_t out[16])
{
    synack_endpoints ep;
    tcp_conn_endpoints(c, &ep);
    if (tcp_ep_v6(&ep)) {
        memcpy(out, ep.raddr6, 16);
        return;
    }
    static const uint8_t prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    memcpy(out, prefix, 12);
    for (int i = 0; i < 4; i++)
        out[12 + i] = (uint8_t)(ep.raddr >> (24 - 8 * i));
}

/* Linux's tcp_fastopen_cookie_check and its fallback: a cookie and data; without one a
 * request (in the form the cache says to try); after repeated SYN losses, or in cookie-less
 * mode, no option at all (with data in the latter). */
static void plan(tcp_conn *c, int no_cookie, tfo_plan *p)
{
    synack_stack *st = c->st;
    uint8_t key[16];
    peer_key(c, key);
    const tfo_entry *e = tfo_cache_get6(st, key);
    memset(p, 0, sizeof(*p));
    p->fo.has_fo = 1;
    if (e) {
        p->mss = e->mss;
        p->fo.fo_len = e->cookie_len;
        p->fo.fo_exp = e->cookie_len ? e->exp : e->try_exp == 1;
        memcpy(p->fo.fo_cookie, e->cookie, e->cookie_len);
    }
    if (tfo_cache_disabled(e, st->now)) {
        stack_count(st, SYNACK_CTR_TCPFastOpenActiveDisabled);
        note(c, "fastopen off: SYN data to this destination was lost");
        p->fo.has_fo = 0;
        return;
    }
    if ((st->cfg.fastopen_client & SYNACK_TFO_CLIENT_NO_COOKIE) || no_cookie) {
        p->fo.has_fo = 0;
        p->use_data = 1;
        return;
    }
    p->use_data = p->fo.fo_len > 0;
}

int tcp_fo_cookie_usable(tcp_conn *c, int no_cookie)
{
    tfo_plan p;
    plan(c, no_cookie, &p);
    return p.use_data;
}

long tcp_fo_open(tcp_conn *c, int no_cookie, const void *buf, size_t len)
{
    tfo_plan p;
    plan(c, no_cookie, &p);
    uint32_t room = 0;
    if (p.use_data && len) {
        uint32_t mss = c->rcv_mss;
        if (p.mss && p.mss < mss)
            mss = p.mss;
        room = mss > TFO_SYN_OPTION_ROOM ? mss - TFO_SYN_OPTION_ROOM : 0;
        if (room > len)
            room = (uint32_t)len;
        if (room) {
            long n = sendbuf_append(&c->x->snd, &c->st->bufmem, buf, room);
            room = n > 0 ? (uint32_t)n : 0;
        }
    }
    c->x->tfo_opt = p.fo.has_fo;
    c->x->tfo_exp = p.fo.has_fo && p.fo.fo_exp;
    c->x->tfo_data = room > 0;
    note(c, room          ? "fastopen: data in the SYN"
            : p.fo.has_fo ? "fastopen: cookie request"
                          : "fastopen: plain SYN");
    c->x->rtt_start = c->st->now; /* a deferred connect's SYN leaves only now */
    tcp_send_syn_fo(c, &p.fo, room);
    tcp_arm_rexmit(c);
    return room ? (long)room : -EINPROGRESS;
}

/* SYN data the peer acknowledged leaves the send buffer, as tcp_ack_advance does later. */
static void consume(tcp_conn *c, uint32_t n)
{
    sendbuf_consume(&c->x->snd, n);
    c->x->snd_buf_seq += n;
    c->bytes_acked += n;
}

void tcp_fo_synack(tcp_conn *c, const tcp_seg *seg)
{
    synack_stack *st = c->st;
    const tcp_opts *o = &seg->opts;
    uint32_t sent = c->x->tfo_data ? c->snd_max - (c->x->iss + 1) : 0;
    uint32_t acked = seg->ack - (c->x->iss + 1);
    if (acked > sent)
        acked = sent;
    int cookie = c->x->tfo_opt && o->has_fo && o->fo_len > 0; /* unsolicited ones are ignored */
    tfo_learnt l = {.mss = o->has_mss ? o->mss : 0, .fo = cookie ? o : NULL};
    if (c->x->tfo_opt && c->total_retrans) {
        /* Only the SYN without data got through, or its answer was lost: a SYN-ACK with
         * neither a cookie nor our data acknowledged counts against the destination. */
        l.syn_lost = !o->has_fo && acked < sent;
    } else if (c->x->tfo_opt && !o->has_fo && !c->x->tfo_data) {
        /* A request went unanswered: ask in the other form next time (Linux's try_exp). */
        l.try_exp = c->x->tfo_exp ? 2 : 1;
    }
    uint8_t key[16];
    peer_key(c, key);
    tfo_cache_set6(st, key, &l);
    consume(c, acked);
    /* From the ACK on: a SYN resent without the data left SND.NXT below it, and what the
     * peer did not take is sent again by tcp_output (counted as retransmitted). */
    c->snd_nxt = seg->ack;
    if (acked < sent) {
        stack_count(st, SYNACK_CTR_TCPFastOpenActiveFail);
        note(c, "fastopen: SYN data not acknowledged, sent again");
    } else if (sent) {
        stack_count(st, SYNACK_CTR_TCPFastOpenActive);
        c->tfo_data_acked = 1;
    }
}

void tcp_fo_syn_too_big(tcp_conn *c, uint32_t mss)
{
    /* Linux (tcp_simple_retransmit): the SYN goes again at once, without the data, and
     * announces the path's MSS; the data follows the handshake at the negotiated MSS. */
    if (mss < c->rcv_mss)
        c->x->tfo_syn_mss = (uint16_t)mss;
    note(c, "fastopen: SYN with data too big for the path, sent again without");
    tcp_retransmit_first(c);
}

void tcp_fo_syn_timeout(tcp_conn *c, int expired)
{
    if (c->backoff == 0 && c->x->tfo_data) {
        stack_count(c->st, SYNACK_CTR_TCPFastOpenActiveFail);
        note(c, "fastopen: SYN with data timed out, sent again without");
    }
    if (expired) {
        tfo_learnt l = {.syn_lost = 1};
        uint8_t key[16];
        peer_key(c, key);
        tfo_cache_set6(c->st, key, &l);
    }
}
