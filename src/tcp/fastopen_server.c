/* SPDX-License-Identifier: MIT */
/* TCP Fast Open, the server side (RFC 7413). A cookie is a MAC of the client's address
 * under a secret key (4.1.2): a client that shows one has received our SYN-ACK at that
 * address, so data in its SYN is not from a spoofed source and may be delivered before
 * the handshake completes (4.2.2). What bounds the damage of a replayed or flooded SYN
 * is the listener's Fast Open queue (5.1): past it, SYNs get the ordinary handshake. */
#include "tcp/fastopen_server.h"

#include <errno.h>
#include <string.h>

#include "tcp/tcp.h"
#include "util/siphash.h"

/* The key is derived from the SYN-cookie secret, so it costs no entropy draw of its own
 * (and a deterministic stack's draws stay what they were); SipHash as a PRF keeps the
 * secret it came from out of reach of anyone who learns this key. */
static void derive(const uint8_t secret[16], uint8_t key[16])
{
    static const char label[2][8] = {"tfo-key0", "tfo-key1"};
    for (int h = 0; h < 2; h++) {
        uint64_t v = siphash24(secret, label[h], sizeof(label[h]));
        for (int i = 0; i < 8; i++)
            key[h * 8 + i] = (uint8_t)(v >> (8 * i));
    }
}

void tcp_fastopen_key_init(synack_stack *st)
{
    derive(st->cookie_key, st->tfo_key);
    st->tfo_key_old_ok = 0;
}

void tcp_fastopen_key_rotate(synack_stack *st)
{
    memcpy(st->tfo_key_old, st->tfo_key, sizeof(st->tfo_key));
    st->tfo_key_old_ok = 1;
    derive(st->cookie_key, st->tfo_key);
}

int synack_fastopen_key(synack_stack *st, const void *key, size_t len)
{
    if (!st || !key || (len != 16 && len != 32))
        return -EINVAL;
    if (st->cb_depth > 0)
        return -EBUSY; /* not from inside a callback: see stack_impl.h */
    const uint8_t *k = key;
    if (len == 32) {
        memcpy(st->tfo_key_old, k + 16, 16);
    } else {
        memcpy(st->tfo_key_old, st->tfo_key, 16);
    }
    st->tfo_key_old_ok = 1;
    memcpy(st->tfo_key, k, 16);
    return 0;
}

void tcp_fastopen_cookie(const uint8_t key[16], uint32_t raddr, uint32_t laddr,
                         uint8_t out[TFO_COOKIE_LEN])
{
    /* the addresses in network order, the MAC's bytes little-endian: Linux's cookie, so a
     * host sharing a key with a Linux server issues the same cookies */
    uint8_t m[8];
    for (int i = 0; i < 4; i++) {
        m[i] = (uint8_t)(raddr >> (24 - 8 * i));
        m[4 + i] = (uint8_t)(laddr >> (24 - 8 * i));
    }
    uint64_t v = siphash24(key, m, sizeof(m));
    for (unsigned i = 0; i < TFO_COOKIE_LEN; i++)
        out[i] = (uint8_t)(v >> (8 * i));
}

void tcp_fastopen_cookie6(const uint8_t key[16], const uint8_t raddr[16], const uint8_t laddr[16],
                          uint8_t out[TFO_COOKIE_LEN])
{
    /* Linux's IPv6 cookie: the MAC of the SYN's source and destination as they sit in
     * its header, 32 bytes */
    uint8_t m[32];
    memcpy(m, raddr, 16);
    memcpy(m + 16, laddr, 16);
    uint64_t v = siphash24(key, m, sizeof(m));
    for (unsigned i = 0; i < TFO_COOKIE_LEN; i++)
        out[i] = (uint8_t)(v >> (8 * i));
}

/* The cookie for the peer of ep under key, in ep's family. */
void tcp_fastopen_cookie_ep(const uint8_t key[16], const synack_endpoints *ep,
                            uint8_t out[TFO_COOKIE_LEN])
{
    if (tcp_ep_v6(ep))
        tcp_fastopen_cookie6(key, ep->raddr6, ep->laddr6, out);
    else
        tcp_fastopen_cookie(key, ep->raddr, ep->laddr, out);
}

static void note(synack_stack *st, const tcp_listener *l, const synack_endpoints *ep,
                 const char *text)
{
    if (!stack_tracing(st))
        return;
    synack_event ev = {.type = SYNACK_EV_NOTE, .has_conn = 1, .sock = l->sock};
    ev.conn = *ep;
    ev.u.note.text = text;
    stack_emit(st, &ev);
}

/* The Fast Open queue: TCP_FASTOPEN's, else with WO_SOCKOPT the listen() backlog. */
static uint32_t queue_len(const synack_stack *st, const tcp_listener *l)
{
    if (l->knobs.fastopen_qlen)
        return l->knobs.fastopen_qlen;
    return (st->cfg.fastopen_server & SYNACK_TFO_SERVER_WO_SOCKOPT) ? l->backlog : 0;
}

/* 1: the current key's cookie, 2: the previous key's, 0: neither. */
static int cookie_valid(const synack_stack *st, const synack_endpoints *ep, const tcp_opts *o)
{
    uint8_t want[TFO_COOKIE_LEN];
    if (o->fo_len != TFO_COOKIE_LEN)
        return 0;
    tcp_fastopen_cookie_ep(st->tfo_key, ep, want);
    if (memcmp(want, o->fo_cookie, TFO_COOKIE_LEN) == 0)
        return 1;
    if (!st->tfo_key_old_ok)
        return 0;
    tcp_fastopen_cookie_ep(st->tfo_key_old, ep, want);
    return memcmp(want, o->fo_cookie, TFO_COOKIE_LEN) == 0 ? 2 : 0;
}

/* The SYN-ACK's cookie is the current key's, computed as it goes out (output.c), in the
 * form the SYN used: RFC 7413 has no negotiation, a client answers in kind. */
static void reply_cookie(const tcp_seg *seg, tfo_verdict *v)
{
    v->reply = seg->opts.fo_exp ? TFO_REPLY_EXP : TFO_REPLY_34;
}

void tcp_fastopen_syn(synack_stack *st, tcp_listener *l, const synack_endpoints *ep,
                      const tcp_seg *seg, tfo_verdict *v)
{
    memset(v, 0, sizeof(*v));
    const tcp_opts *o = &seg->opts;
    int syn_data = seg->payload_len > 0;
    if (o->has_fo && o->fo_len == 0)
        stack_count(st, SYNACK_CTR_TCPFastOpenCookieReqd);
    uint32_t qlen = queue_len(st, l);
    if (!(st->cfg.fastopen_server & SYNACK_TFO_SERVER_ENABLE) || qlen == 0 ||
        !(syn_data || o->has_fo))
        return;
    if (l->tfo_pending >= qlen) {
        /* RFC 7413 5.1: the queue bounds what a SYN flood with valid cookies can make us
         * hold and deliver; past it, the ordinary handshake (and no cookie, as Linux) */
        stack_count(st, SYNACK_CTR_TCPFastOpenListenOverflow);
        note(st, l, ep, "tfo: queue full, ordinary handshake");
        return;
    }
    if (syn_data && ((st->cfg.fastopen_server & SYNACK_TFO_SERVER_COOKIE_NOT_REQD) ||
                     l->knobs.fastopen_no_cookie)) {
        v->child = 1;
        stack_count(st, SYNACK_CTR_TCPFastOpenPassive);
        note(st, l, ep, "tfo: no cookie required, data in SYN accepted");
        return;
    }
    if (!o->has_fo)
        return; /* data without a cookie: dropped, the peer sends it again */
    if (o->fo_len == 0) {
        reply_cookie(seg, v);
        note(st, l, ep, "tfo: cookie requested, cookie sent");
        return;
    }
    int valid = cookie_valid(st, ep, o);
    if (!valid) {
        /* 4.2.2: the data is not acknowledged; a fresh cookie comes with the SYN-ACK */
        stack_count(st, SYNACK_CTR_TCPFastOpenPassiveFail);
        reply_cookie(seg, v);
        note(st, l, ep, "tfo: cookie invalid, data dropped, fresh cookie sent");
        return;
    }
    v->child = 1;
    stack_count(st, SYNACK_CTR_TCPFastOpenPassive);
    if (valid == 2) { /* the previous key's: still good, but give the current one */
        stack_count(st, SYNACK_CTR_TCPFastOpenPassiveAltKey);
        reply_cookie(seg, v);
    }
    note(st, l, ep, syn_data ? "tfo: cookie valid, data in SYN accepted" : "tfo: cookie valid");
}

void tcp_fastopen_child_made(tcp_listener *l, tcp_conn *c)
{
    l->tfo_pending++;
    c->x->tfo_lid = l->id;
}

void tcp_fastopen_child_done(tcp_conn *c)
{
    uint32_t id = c->x ? c->x->tfo_lid : 0;
    if (!id)
        return;
    c->x->tfo_lid = 0;
    /* the listener may be gone (closed after accept); then there is nothing to release */
    for (tcp_listener *l = c->st->listeners; l; l = l->next) {
        if (l->id == id) {
            if (l->tfo_pending)
                l->tfo_pending--;
            return;
        }
    }
}
