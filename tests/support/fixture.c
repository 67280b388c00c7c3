/* SPDX-License-Identifier: MIT */
#include "support/fixture.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "support/segbuild.h"
#include "wire/tcp_wire.h"

int fx_established(pair *p, const synack_config *cfg, uint64_t delay_us, int *cs)
{
    pair_init(p, cfg, delay_us);
    *cs = -1;
    int ss = pair_establish(p, FX_PORT, cs);
    assert_true(*cs >= 0);
    assert_true(ss >= 0);
    return ss;
}

void fx_established_socks(pair *p, const synack_config *cfg, uint64_t delay_us, int sock[2])
{
    sock[PAIR_SERVER] = fx_established(p, cfg, delay_us, &sock[PAIR_CLIENT]);
}

void fx_connect_accept(pair *p, int ls, int n, int *cs, int *ss)
{
    for (int i = 0; i < n; i++)
        cs[i] = pair_connect(p, FX_PORT);
    pair_run_for(p, 10000);
    for (int i = 0; i < n; i++) {
        ss[i] = synack_accept(p->st[PAIR_SERVER], ls, NULL, NULL);
        assert_true(ss[i] >= 0);
    }
}

int fx_sh_established(seghost *h, const synack_config *cfg, uint32_t *server_iss)
{
    sh_init(h, cfg);
    int ls = sh_listen(h, FX_PORT, 4);
    assert_true(ls >= 0);
    int s = sh_handshake(h, ls, FX_PORT, FX_PEER_PORT, FX_PEER_ISS, 65535, server_iss);
    assert_true(s >= 0);
    return s;
}

/* The passive open both option-carrying fixtures share: the peer's SYN carries `syn`
 * (TSval echoed in the final ACK when it has a timestamp), and its final ACK goes
 * ack_after_us after the SYN-ACK. */
static int peer_open(seghost *h, const synack_config *cfg, tcp_opts syn, uint64_t ack_after_us,
                     uint32_t *server_iss)
{
    sh_init(h, cfg);
    int ls = sh_listen(h, FX_PORT, 4);
    assert_true(ls >= 0);
    sh_send(h, FX_PEER_PORT, FX_PORT, FX_PEER_ISS, 0, TCP_SYN, 65535, NULL, 0, &syn);
    const sh_seg *sa = sh_last(h);
    assert_non_null(sa);
    assert_int_equal(sa->s.flags, TCP_SYN | TCP_ACK);
    *server_iss = sa->s.seq;
    tcp_opts ack;
    memset(&ack, 0, sizeof(ack));
    ack.has_ts = syn.has_ts;
    ack.ts_val = syn.ts_val;
    ack.ts_ecr = sa->s.opts.ts_val;
    if (ack_after_us)
        sh_run_for(h, ack_after_us);
    sh_send(h, FX_PEER_PORT, FX_PORT, FX_PEER_ISS + 1, *server_iss + 1, TCP_ACK, 65535, NULL, 0,
            syn.has_ts ? &ack : NULL);
    int s = synack_accept(h->st, ls, NULL, NULL);
    assert_true(s >= 0);
    return s;
}

int fx_sh_established_opts(seghost *h, const synack_config *cfg, int sack, int ts,
                           uint32_t *server_iss)
{
    tcp_opts o;
    memset(&o, 0, sizeof(o));
    o.has_mss = 1;
    o.mss = 1460;
    o.sack_ok = (uint8_t)sack;
    o.has_ts = (uint8_t)ts;
    o.ts_val = 100;
    return peer_open(h, cfg, o, 0, server_iss);
}

int fx_sh_sack_rtt(seghost *h, const synack_config *cfg, uint16_t mss, uint64_t rtt_us,
                   uint32_t *base)
{
    tcp_opts o;
    memset(&o, 0, sizeof(o));
    o.has_mss = 1;
    o.mss = mss;
    o.sack_ok = 1;
    uint32_t iss;
    int s = peer_open(h, cfg, o, rtt_us, &iss);
    *base = iss + 1;
    int one = 1;
    assert_int_equal(synack_setsockopt(h->st, s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)), 0);
    return s;
}

void fx_sh_peer_ack2(seghost *h, uint32_t ack, uint32_t l1, uint32_t r1, uint32_t l2, uint32_t r2)
{
    tcp_opts o = {0};
    if (l1 != r1) {
        o.sack[o.nsack].left = l1;
        o.sack[o.nsack++].right = r1;
    }
    if (l2 != r2) {
        o.sack[o.nsack].left = l2;
        o.sack[o.nsack++].right = r2;
    }
    sh_send(h, FX_PEER_PORT, FX_PORT, FX_PEER_ISS + 1, ack, TCP_ACK, 65535, NULL, 0, &o);
}

void fx_sh_peer_ack(seghost *h, uint32_t ack, uint32_t l, uint32_t r)
{
    fx_sh_peer_ack2(h, ack, l, r, 0, 0);
}

void fx_assert_seg(const pair_seg *s, int from, uint8_t flags, uint32_t seq, uint32_t ack,
                   uint32_t len)
{
    char got[96];
    pair_seg_str(s, got, sizeof(got));
    if (s->from != from || s->s.flags != flags || s->s.seq != seq || s->s.ack != ack ||
        s->s.len != len)
        fail_msg("unexpected segment %s (want from %d flags %#x seq %u ack %u len %u)", got, from,
                 flags, seq, ack, len);
}

void fx_assert_flow(const pair *p, size_t from, const char *want)
{
    char flow[1024];
    pair_flow(p, from, flow, sizeof(flow));
    assert_string_equal(flow, want);
}

uint32_t fx_next_seq(const pair *p, int host)
{
    for (size_t i = p->nsegs; i > 0; i--) {
        const synack_seg_info *s = &p->segs[i - 1].s;
        if (p->segs[i - 1].from == host)
            return s->seq + s->len + ((s->flags & (TCP_SYN | TCP_FIN)) ? 1 : 0);
    }
    fail_msg("host %d sent nothing", host);
    return 0;
}

int fx_drop_client_seqs(pair *p, const pair_seg *seg, size_t n, void *ctx)
{
    (void)p;
    (void)n;
    fx_drop_seqs *d = ctx;
    for (int i = 0; i < 2; i++) {
        if (d->seq[i] && !(d->done & (1 << i)) && seg->from == PAIR_CLIENT && seg->s.len &&
            seg->s.seq == d->seq[i]) {
            d->done |= 1 << i;
            return 1;
        }
    }
    return 0;
}

int fx_drop_nth(pair *p, const pair_seg *seg, size_t n, void *ctx)
{
    (void)p;
    (void)seg;
    return n == *(const size_t *)ctx;
}

int fx_drop_first_fin(pair *p, const pair_seg *seg, size_t n, void *ctx)
{
    (void)p;
    (void)n;
    int *dropped = ctx;
    if ((seg->s.flags & TCP_FIN) && !*dropped) {
        *dropped = 1;
        return 1;
    }
    return 0;
}

int fx_inject(pair *p, int host, uint64_t t, uint32_t src, uint16_t sport, uint16_t dport,
              uint32_t seq, uint32_t ack, uint8_t flags, uint16_t win)
{
    uint8_t frame[SEG_FRAME_MAX];
    uint32_t dst = host == PAIR_SERVER ? PAIR_SERVER_ADDR : PAIR_CLIENT_ADDR;
    size_t n = seg_build(frame, sizeof(frame), src, dst, sport, dport, seq, ack, flags, win, NULL,
                         0, NULL);
    assert_true(n > 0);
    return synack_input(p->st[host], t, frame, n);
}

short fx_poll(synack_stack *st, int s, short events)
{
    synack_pollfd pf = {.sock = s, .events = events, .revents = 0x7fff};
    int n = synack_sock_poll(st, &pf, 1);
    assert_int_equal(n, pf.revents != 0);
    return pf.revents;
}

synack_tcp_info fx_tcp_info(synack_stack *st, int s)
{
    synack_tcp_info i;
    socklen_t len = sizeof(i);
    memset(&i, 0, sizeof(i));
    assert_int_equal(synack_getsockopt(st, s, IPPROTO_TCP, SYNACK_TCP_INFO, &i, &len), 0);
    assert_int_equal(len, sizeof(i));
    return i;
}

int fx_so_error(synack_stack *st, int s)
{
    int e = -1;
    socklen_t len = sizeof(e);
    assert_int_equal(synack_getsockopt(st, s, SOL_SOCKET, SO_ERROR, &e, &len), 0);
    assert_int_equal(len, sizeof(int));
    return e;
}

int fx_maxseg(synack_stack *st, int s)
{
    int v = 0;
    socklen_t len = sizeof(v);
    assert_int_equal(synack_getsockopt(st, s, SYNACK_IPPROTO_TCP, SYNACK_TCP_MAXSEG, &v, &len), 0);
    return v;
}

void fx_sh_sent(const seghost *h, size_t from, uint32_t base, char *buf, size_t cap)
{
    size_t n = 0;
    buf[0] = 0;
    for (size_t i = from; i < h->nout && n < cap; i++)
        n += (size_t)snprintf(buf + n, cap - n, "%s%u/%u%s", i > from ? "|" : "",
                              h->out[i].s.seq - base, (unsigned)h->out[i].s.payload_len,
                              (h->out[i].s.flags & TCP_PSH) ? "P" : "");
}
