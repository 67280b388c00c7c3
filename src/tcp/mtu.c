/* SPDX-License-Identifier: MIT */
/* The MSS a connection sends with, from its path MTU: the route's metrics (synack/route.h:
 * MTU, advmss, initcwnd), a route MTU that changes under a running connection, and
 * Packetization-Layer Path MTU Discovery (RFC 4821), with Linux's tcp_mtu_probing as the
 * reference for when and how big a probe is: a segment larger than the MSS, built from
 * queued data, between an MTU known to work (search_low) and one that may (search_high);
 * acknowledged, it raises the MSS; lost, it lowers search_high and is resent at the MSS in
 * use, and that loss is not congestion (RFC 4821 7.5). */
#include "tcp/pacing.h"
#include "tcp/rack.h"
#include "tcp/tcp.h"

#define HDRS4 ((uint32_t)(IPV4_HDR_LEN + TCP_HDR_LEN))
#define HDRS6 ((uint32_t)(IPV6_HDR_LEN + TCP_HDR_LEN))
/* Linux's tcp_mtu_probe: a probe only with this many segments of cwnd, and this many
 * segments after it to reveal its loss by duplicate ACKs (DupThresh + 1). */
#define PROBE_MIN_CWND_SEGS 11u
#define PROBE_TRAIL_SEGS 4u
/* Black-hole detection (RFC 4821 7.7; Linux's tcp_retries1): the consecutive timeouts
 * after which the path is suspected of dropping what is too big. */
#define BLACK_HOLE_RTOS 3u
#define PROBE_FLOOR_MSS 48u /* Linux's tcp_mtu_probe_floor */

/* What a path MTU holds besides the MSS and options: the IP header of the connection's
 * family (IPv6's is 40 bytes, RFC 8200 3) and the TCP header. */
static uint32_t hdrs(const tcp_conn *c)
{
    return (ct_is_v6(&c->node) ? IPV6_HDR_LEN : IPV4_HDR_LEN) + TCP_HDR_LEN;
}

/* The IPv6 remote address of an IPv6 connection, NULL for an IPv4 one: what the route
 * tables are looked up by (route_metrics_of). */
static const uint8_t *raddr6_of(const tcp_conn *c)
{
    return ct_is_v6(&c->node) ? ct_raddr6(&c->st->conns, &c->node) : NULL;
}

static int conn_route(const tcp_conn *c, route_metrics *m)
{
    return route_metrics_of(c->st, raddr6_of(c), c->node.key.raddr, m);
}

static int has_route(const tcp_conn *c)
{
    route_metrics m;
    return conn_route(c, &m);
}

static uint32_t conn_route_mtu(const tcp_conn *c)
{
    return ct_is_v6(&c->node) ? route6_mtu(c->st, raddr6_of(c))
                              : route_mtu(c->st, c->node.key.raddr);
}

static uint32_t conn_pmtu(const tcp_conn *c)
{
    return ct_is_v6(&c->node) ? ip6_pmtu_get(c->st, ct_raddr6(&c->st->conns, &c->node))
                              : ip_pmtu_get(c->st, c->node.key.raddr);
}

/* The smallest path MTU a search goes down to: IPv6 links carry 1280 (RFC 8200 5), so
 * nothing below is worth probing (RFC 8201 4); IPv4 has Linux's tcp_mtu_probe_floor, and
 * so has IPv6 under cfg.mtu_probe6_linux (Linux's tcp_mtup_init starts an IPv6 search at
 * base_mss too). */
static uint32_t mtu_floor(const tcp_conn *c)
{
    return ct_is_v6(&c->node) && !c->st->cfg.mtu_probe6_linux ? IPV6_MIN_MTU : 0u;
}

static uint32_t opt_space(const tcp_conn *c)
{
    return c->ts_ok ? TCP_TS_OPT_SPACE : 0u;
}

/* Linux's tcp_mtu_to_mss: the headers, the clamp, then the options. */
static uint32_t mtu_to_mss(const tcp_conn *c, uint32_t mtu)
{
    uint32_t mss = mtu > hdrs(c) ? mtu - hdrs(c) : 0;
    if (mss > c->x->mss_clamp)
        mss = c->x->mss_clamp;
    mss = mss > opt_space(c) ? mss - opt_space(c) : 0;
    return mss < TCP_MIN_SND_MSS ? TCP_MIN_SND_MSS : mss;
}

/* At most 65535: the fields that hold MTUs are 16 bits (a base_mss near 65495 with
 * timestamps would not fit). */
static uint32_t mss_to_mtu(const tcp_conn *c, uint32_t mss)
{
    uint32_t mtu = mss + opt_space(c) + hdrs(c);
    return mtu > 65535u ? 65535u : mtu;
}

uint16_t tcp_route_mss(const synack_stack *st, uint16_t maxseg, const uint8_t *raddr6,
                       uint32_t raddr)
{
    uint16_t mss = tcp_our_mss_af(st, maxseg, raddr6 != NULL);
    route_metrics r;
    if (!route_metrics_of(st, raddr6, raddr, &r))
        return mss;
    /* Linux's dst_metric_advmss: the route's advmss, else its MTU's. */
    uint32_t h = raddr6 ? HDRS6 : HDRS4;
    uint32_t adv = r.advmss ? r.advmss : (r.mtu > h ? r.mtu - h : 0u);
    return adv && adv < mss ? (uint16_t)adv : mss;
}

uint32_t tcp_initial_cwnd(const tcp_conn *c)
{
    route_metrics r;
    conn_route(c, &r);
    uint32_t segs = r.initcwnd ? r.initcwnd : c->st->cfg.initial_cwnd_segs;
    return segs * c->snd_mss;
}

uint32_t tcp_mss_clamp_ours(const tcp_conn *c)
{
    /* The MSS we announced may be a route's advmss: that limits what the peer sends, not
     * what we send (Linux's mss_clamp holds only TCP_MAXSEG and the peer's MSS). */
    if (!has_route(c))
        return c->rcv_mss;
    return tcp_our_mss_af(c->st, c->knobs ? c->knobs->maxseg : 0, ct_is_v6(&c->node));
}

static void search_reset(tcp_conn *c)
{
    tcp_xfer *x = c->x;
    x->search_high = (uint16_t)(x->mss_clamp + hdrs(c));
    uint32_t low = mss_to_mtu(c, c->st->cfg.base_mss);
    x->search_low = (uint16_t)(low < mtu_floor(c) ? mtu_floor(c) : low);
    x->probe_mtu = 0;
    x->probe_stamp = c->st->now;
}

void tcp_mtu_init(tcp_conn *c, uint32_t clamp)
{
    tcp_xfer *x = c->x;
    synack_stack *st = c->st;
    x->mss_clamp = (uint16_t)clamp;
    x->pmtu_cookie = (uint16_t)conn_pmtu(c);
    x->route_mtu = x->route_seen = (uint16_t)conn_route_mtu(c);
    search_reset(c);
    x->mtup_on = st->cfg.mtu_probing == 2;
}

void tcp_sync_mss(tcp_conn *c, uint32_t pmtu)
{
    tcp_xfer *x = c->x;
    if (x->search_high > pmtu)
        x->search_high = (uint16_t)pmtu;
    uint32_t mss = mtu_to_mss(c, pmtu);
    if (x->mtup_on) {
        uint32_t low = mtu_to_mss(c, x->search_low);
        if (low < mss)
            mss = low;
    }
    x->pmtu_cookie = (uint16_t)pmtu;
    if (mss != c->snd_mss)
        stack_note(c->st, "pmtu: snd_mss follows the path MTU");
    c->snd_mss = (uint16_t)mss;
}

/* An active open starts a search at its base (Linux's tcp_connect_init syncs the MSS
 * after tcp_mtup_init); a passive one keeps the handshake's MSS until the path changes. */
void tcp_mtu_established(tcp_conn *c)
{
    if (c->x->mtup_on && !c->passive)
        tcp_sync_mss(c, c->x->pmtu_cookie);
}

/* A block that came back after an idle period: what was known is gone, so the MSS in use
 * is the largest (tcp_mtu_forgettable let it go only if nothing was lost by that). */
static void relearn(tcp_conn *c)
{
    tcp_xfer *x = c->x;
    x->mss_clamp = (uint16_t)(c->snd_mss + opt_space(c));
    x->pmtu_cookie = (uint16_t)mss_to_mtu(c, c->snd_mss);
    x->route_mtu = x->route_seen = (uint16_t)conn_route_mtu(c);
    search_reset(c);
}

int tcp_mtu_forgettable(const tcp_conn *c)
{
    const tcp_xfer *x = c->x;
    if (x->mtup_on)
        return 0;
    return !x->mss_clamp || x->mss_clamp == c->snd_mss + opt_space(c) || !has_route(c);
}

void tcp_mtu_before_output(tcp_conn *c)
{
    tcp_xfer *x = c->x;
    if (!x->mss_clamp)
        relearn(c);
    if (x->route_seen == x->route_mtu)
        return;
    x->route_mtu = x->route_seen;
    tcp_sync_mss(c, conn_pmtu(c));
}

void tcp_mtu_sent(tcp_conn *c)
{
    if (c->x->mss_clamp)
        c->x->route_seen = (uint16_t)conn_route_mtu(c);
}

void tcp_mtu_icmp(tcp_conn *c, uint32_t mtu)
{
    tcp_xfer *x = c->x;
    if (!x || !x->mss_clamp)
        return;
    if (x->search_high > mtu)
        x->search_high = (uint16_t)mtu;
    if (x->search_low > mtu)
        x->search_low = (uint16_t)mtu;
    x->pmtu_cookie = (uint16_t)mtu;
}

/* Linux's tcp_mtu_check_reprobe: a finished search starts again after probe_interval. */
static void check_reprobe(tcp_conn *c)
{
    tcp_xfer *x = c->x;
    if (c->st->now - x->probe_stamp < c->st->cfg.probe_interval_us)
        return;
    x->search_high = (uint16_t)(x->mss_clamp + hdrs(c));
    x->search_low = (uint16_t)mss_to_mtu(c, c->snd_mss);
    x->probe_stamp = c->st->now;
}

/* Congestion avoidance's "Open" state: nothing lost, reordered or reduced. */
static int ca_open(const tcp_conn *c)
{
    return !c->in_recovery && !tcp_rack_rto_recovery(c) && c->backoff == 0 && c->x->dupacks == 0 &&
           c->x->sacked_bytes == 0 && !tcp_ecn_in_reduction(c) &&
           !seq_lt(c->snd_una, c->x->snd_recover);
}

int tcp_mtu_probe(tcp_conn *c)
{
    tcp_xfer *x = c->x;
    uint32_t mss = c->snd_mss;
    if (!x->mtup_on || x->probe_mtu || !ca_open(c) || c->cwnd / mss < PROBE_MIN_CWND_SEGS ||
        x->rcv.nranges || c->dsack_pending || tcp_pacing_on(c))
        return 0;
    /* Never past the MTU the route lets out now (a locked one included), which IP output
     * would refuse as Linux's refuses a DF packet above its route's: a search reset to
     * the peer's MSS (check_reprobe), or a passive open's, starts above it. The range
     * stays: the route may grow before the next probe. */
    uint32_t high = x->search_high;
    uint32_t route = conn_route_mtu(c);
    if (high > route)
        high = route;
    uint32_t probe = mtu_to_mss(c, (high + x->search_low) / 2);
    uint32_t needed = probe + PROBE_TRAIL_SEGS * mss;
    if (probe > mtu_to_mss(c, high) || probe <= mss || high < x->search_low ||
        high - x->search_low < c->st->cfg.probe_threshold) {
        check_reprobe(c);
        return 0;
    }
    uint32_t end = tcp_snd_data_end(c);
    if (!seq_lt(c->snd_nxt, end) || end - c->snd_nxt < needed || c->snd_wnd < needed ||
        seq_gt(c->snd_nxt + needed, c->snd_una + c->snd_wnd))
        return 0;
    uint32_t inflight = (c->snd_nxt - c->snd_una + mss - 1) / mss;
    if (inflight + 2 > c->cwnd / mss || tcp_eor_span(c, c->snd_nxt) < probe)
        return 0;
    uint32_t seq = c->snd_nxt;
    c->snd_nxt = seq + probe;
    /* One segment of the probe's size: a device that segments (TSO) must not cut it. */
    c->snd_mss = (uint16_t)probe;
    tcp_xmit(c, seq, probe, TCP_ACK);
    c->snd_mss = (uint16_t)mss;
    x->probe_mtu = (uint16_t)mss_to_mtu(c, probe);
    x->probe_start = seq;
    x->probe_end = seq + probe;
    if (tcp_deadline(c, TT_REXMIT) == UINT64_MAX)
        tcp_arm_rexmit(c);
    stack_note(c->st, "plpmtud: probe sent");
    return 1;
}

void tcp_mtu_acked(tcp_conn *c)
{
    tcp_xfer *x = c->x;
    if (!x->probe_mtu || seq_gt(x->probe_end, c->snd_una))
        return;
    /* RFC 4821 7.6.1: the probe arrived; its size works. cwnd is in bytes, so it stays
     * what it was (Linux rescales its packet count to keep the same bytes). */
    x->search_low = x->probe_mtu;
    x->probe_mtu = 0;
    tcp_sync_mss(c, x->pmtu_cookie);
    stack_count(c->st, SYNACK_CTR_TCPMTUPSuccess);
}

static void probe_failed(tcp_conn *c)
{
    tcp_xfer *x = c->x;
    x->search_high = (uint16_t)(x->probe_mtu - 1);
    x->probe_mtu = 0;
    stack_count(c->st, SYNACK_CTR_TCPMTUPFail);
}

int tcp_mtu_probe_lost(tcp_conn *c)
{
    tcp_xfer *x = c->x;
    if (!x->probe_mtu || c->snd_una != x->probe_start)
        return 0;
    /* RFC 4821 7.5: a lost probe says the path is too small for it, not congested: no
     * recovery, no window reduction; what followed it is resent at the MSS in use. */
    probe_failed(c);
    x->dupacks = 0;
    x->snd_recover = c->snd_max;
    c->snd_nxt = c->snd_una;
    c->rtt_timing = 0;
    stack_note(c->st, "plpmtud: probe lost, resent at the MSS");
    return 1;
}

void tcp_mtu_on_rto(tcp_conn *c)
{
    tcp_xfer *x = c->x;
    if (x->probe_mtu && !seq_lt(c->snd_una, x->probe_start))
        probe_failed(c);
    if (!c->st->cfg.mtu_probing || !x->mss_clamp || c->backoff < BLACK_HOLE_RTOS)
        return;
    if (!x->mtup_on) {
        x->mtup_on = 1;
        x->probe_stamp = c->st->now;
    } else {
        /* Linux's tcp_mtu_probing: still timing out at search_low; halve it. */
        uint32_t mss = mtu_to_mss(c, x->search_low) / 2;
        if (mss > c->st->cfg.base_mss)
            mss = c->st->cfg.base_mss;
        if (mss < PROBE_FLOOR_MSS)
            mss = PROBE_FLOOR_MSS;
        uint32_t low = mss_to_mtu(c, mss);
        x->search_low = (uint16_t)(low < mtu_floor(c) ? mtu_floor(c) : low);
    }
    tcp_sync_mss(c, x->pmtu_cookie);
}
