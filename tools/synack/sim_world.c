/* SPDX-License-Identifier: MIT */
/* synack sim — the world a scenario runs in: hosts on a simulated network, the recorded
 * trace (stack events, and what the links did with every frame), and sim_execute(), which
 * runs a scenario and hands its trace to a renderer. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim_run.h"
#include "sim_world.h"
#include "synack/pcap.h"

static void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q) {
        fprintf(stderr, "synack sim: out of memory\n");
        exit(2);
    }
    return q;
}

/* ---- interned strings: the trace keeps its own copy of every string an event points to */

static uint64_t str_hash(const char *s)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ull;
    }
    return h;
}

const char *sim_intern(sim *w, const char *s)
{
    if (s == NULL)
        return NULL;
    if (w->strs_n * 2 >= w->strs_cap) {
        size_t ncap = w->strs_cap ? w->strs_cap * 2 : 256;
        char **nt = calloc(ncap, sizeof(*nt));
        if (!nt) {
            fprintf(stderr, "synack sim: out of memory\n");
            exit(2);
        }
        for (size_t i = 0; i < w->strs_cap; i++) {
            if (!w->strs[i])
                continue;
            size_t j = str_hash(w->strs[i]) & (ncap - 1);
            while (nt[j])
                j = (j + 1) & (ncap - 1);
            nt[j] = w->strs[i];
        }
        free(w->strs);
        w->strs = nt;
        w->strs_cap = ncap;
    }
    size_t j = str_hash(s) & (w->strs_cap - 1);
    while (w->strs[j]) {
        if (strcmp(w->strs[j], s) == 0)
            return w->strs[j];
        j = (j + 1) & (w->strs_cap - 1);
    }
    size_t n = strlen(s) + 1;
    char *copy = malloc(n);
    if (!copy) {
        fprintf(stderr, "synack sim: out of memory\n");
        exit(2);
    }
    memcpy(copy, s, n);
    w->strs[j] = copy;
    w->strs_n++;
    return copy;
}

/* ---- items ---------------------------------------------------------------------------------- */

sim_item *sim_push(sim *w, sim_item_kind kind, int lane)
{
    if (w->nitems == w->capitems) {
        w->capitems = w->capitems ? w->capitems * 2 : 1024;
        w->items = xrealloc(w->items, w->capitems * sizeof(*w->items));
    }
    sim_item *it = &w->items[w->nitems++];
    memset(it, 0, sizeof(*it));
    it->kind = kind;
    it->lane = lane;
    it->t = synack_simnet_now(w->net);
    it->quiet = w->quiet;
    it->to = -1;
    return it;
}

int sim_lane_of(const sim *w, uint32_t addr)
{
    for (int i = 0; i < w->nlanes; i++)
        if (addr >= w->lanes[i].addr_lo && addr <= w->lanes[i].addr_hi)
            return i;
    return -1;
}

/* ---- connection incarnations: relative sequence numbers and connection tags ---------------- */

static int conn_side(const sim_conn_rec *c, uint32_t addr, uint16_t port)
{
    if (c->a_addr == addr && c->a_port == port)
        return 0;
    return 1;
}

static int conn_matches(const sim_conn_rec *c, uint32_t sa, uint16_t sp, uint32_t da, uint16_t dp)
{
    return (c->a_addr == sa && c->a_port == sp && c->b_addr == da && c->b_port == dp) ||
           (c->a_addr == da && c->a_port == dp && c->b_addr == sa && c->b_port == sp);
}

/* The incarnation of this 4-tuple that carried a segment most recently, or -1. */
static long conn_latest(const sim *w, uint32_t sa, uint16_t sp, uint32_t da, uint16_t dp)
{
    long best = -1;
    for (size_t i = 0; i < w->nconns; i++)
        if (conn_matches(&w->conns[i], sa, sp, da, dp) &&
            (best < 0 || w->conns[i].last_use > w->conns[best].last_use))
            best = (long)i;
    return best;
}

static size_t conn_new(sim *w, uint32_t sa, uint16_t sp, uint32_t da, uint16_t dp)
{
    if (w->nconns == w->capconns) {
        w->capconns = w->capconns ? w->capconns * 2 : 16;
        w->conns = xrealloc(w->conns, w->capconns * sizeof(*w->conns));
    }
    sim_conn_rec *c = &w->conns[w->nconns++];
    memset(c, 0, sizeof(*c));
    c->a_addr = sa;
    c->a_port = sp;
    c->b_addr = da;
    c->b_port = dp;
    c->a_lane = sim_lane_of(w, sa);
    c->b_lane = sim_lane_of(w, da);
    return w->nconns - 1;
}

/* Can a SYN (seq) or SYN-ACK (seq, ack) from (sa, sp) belong to incarnation c? */
static int syn_fits(const sim_conn_rec *c, uint32_t sa, uint16_t sp, uint32_t seq, int ack,
                    uint32_t ackno)
{
    int x = conn_side(c, sa, sp);
    uint8_t has_x = x == 0 ? c->has_a : c->has_b, has_y = x == 0 ? c->has_b : c->has_a;
    uint32_t isn_x = x == 0 ? c->isn_a : c->isn_b, isn_y = x == 0 ? c->isn_b : c->isn_a;
    uint32_t data_y = x == 0 ? c->syn_len_b : c->syn_len_a;
    if (has_x && isn_x != seq)
        return 0;
    /* the SYN-ACK acknowledges the SYN, and any data it carried (Fast Open) */
    if (ack && has_y && ackno - 1 - isn_y > data_y)
        return 0;
    return 1;
}

/* For a segment without SYN: the incarnation of the 4-tuple whose sequence spaces its
 * numbers sit closest above (an old FIN or RST belongs to the connection it came from);
 * `fallback` when none is near. */
static long conn_plausible(const sim *w, uint32_t sa, uint16_t sp, uint32_t da, uint16_t dp,
                           uint32_t seq, int ack, uint32_t ackno, long fallback)
{
    const uint32_t near = 1u << 30;
    long best = -1;
    uint64_t best_d = UINT64_MAX;
    for (size_t i = 0; i < w->nconns; i++) {
        const sim_conn_rec *c = &w->conns[i];
        if (!conn_matches(c, sa, sp, da, dp))
            continue;
        int x = conn_side(c, sa, sp);
        uint8_t has_x = x == 0 ? c->has_a : c->has_b, has_y = x == 0 ? c->has_b : c->has_a;
        uint32_t isn_x = x == 0 ? c->isn_a : c->isn_b, isn_y = x == 0 ? c->isn_b : c->isn_a;
        uint64_t d = 0;
        if (has_x) {
            if (seq - isn_x >= near)
                continue;
            d += seq - isn_x;
        }
        if (ack && has_y) {
            if (ackno - isn_y >= near)
                continue;
            d += ackno - isn_y;
        }
        if (!has_x && !(ack && has_y))
            continue;
        if (d < best_d || (d == best_d && c->last_use > w->conns[best].last_use)) {
            best = (long)i;
            best_d = d;
        }
    }
    return best >= 0 ? best : fallback;
}

/* Assigns the segment to an incarnation (a SYN with a new ISN starts one, unless it fits
 * one seen before) and computes its relative numbers. */
static void conn_track(sim *w, sim_item *it, uint32_t src, uint32_t dst)
{
    const synack_seg_info *s = &it->ev.u.seg;
    uint16_t sp = it->ev.conn.lport, dp = it->ev.conn.rport;
    int syn = (s->flags & 0x02) != 0, ack = (s->flags & 0x10) != 0;
    long ci = conn_latest(w, src, sp, dst, dp);
    if (!syn && ci >= 0)
        ci = conn_plausible(w, src, sp, dst, dp, s->seq, ack, s->ack, ci);
    if (syn && ci >= 0 && !syn_fits(&w->conns[ci], src, sp, s->seq, ack, s->ack)) {
        ci = -1;
        for (size_t i = w->nconns; i > 0 && ci < 0; i--)
            if (conn_matches(&w->conns[i - 1], src, sp, dst, dp) &&
                syn_fits(&w->conns[i - 1], src, sp, s->seq, ack, s->ack))
                ci = (long)(i - 1);
    }
    if (ci < 0)
        ci = (long)(syn && ack ? conn_new(w, dst, dp, src, sp) : conn_new(w, src, sp, dst, dp));
    sim_conn_rec *c = &w->conns[ci];
    c->last_use = ++w->conn_uses;
    int x = conn_side(c, src, sp);
    if (syn) {
        if (x == 0) {
            c->isn_a = s->seq;
            c->has_a = 1;
            c->syn_len_a = s->len;
        } else {
            c->isn_b = s->seq;
            c->has_b = 1;
            c->syn_len_b = s->len;
        }
        if (ack) { /* a SYN-ACK also tells the other side's ISN */
            if (x == 0 && !c->has_b) {
                c->isn_b = s->ack - 1;
                c->has_b = 1;
            } else if (x == 1 && !c->has_a) {
                c->isn_a = s->ack - 1;
                c->has_a = 1;
            }
        }
    }
    it->conn_id = (uint32_t)ci + 1;
    uint8_t has_x = x == 0 ? c->has_a : c->has_b, has_y = x == 0 ? c->has_b : c->has_a;
    uint32_t isn_x = x == 0 ? c->isn_a : c->isn_b, isn_y = x == 0 ? c->isn_b : c->isn_a;
    /* A reset answering a segment of an unknown connection carries seq 0: keep it absolute. */
    if (has_x && !((s->flags & 0x04) && s->seq == 0 && !has_y)) {
        it->rel_ok = 1;
        it->rel_seq = s->seq - isn_x;
    }
    if (ack && has_y) {
        it->rel_ack_ok = 1;
        it->rel_ack = s->ack - isn_y;
    }
}

static void quiet_classify(sim *w, sim_item *it);

/* ---- the stacks' event callback ------------------------------------------------------------- */

static int hidden_call(const char *call, long ret)
{
    static const char *const quiet_calls[] = {"socket", "getsockopt", "getsockname", "getpeername",
                                              "poll"};
    if (call == NULL)
        return 1;
    for (size_t i = 0; i < sizeof quiet_calls / sizeof quiet_calls[0]; i++)
        if (strcmp(call, quiet_calls[i]) == 0)
            return 1;
    return ret == -EAGAIN;
}

static void on_event(void *ctx, const synack_event *ev)
{
    sim_host_ctx *hc = ctx;
    sim *w = hc->w;
    sim_item *it = sim_push(w, ev->type == SYNACK_EV_TX ? SIM_IT_SEG : SIM_IT_EVENT, hc->host);
    it->ev = *ev;
    it->t = ev->t_us;
    if (ev->has_conn && ev->conn.family == SYNACK_AF_INET6) {
        /* The bookkeeping keys on the IPv4 address each IPv6 one stands for; the event
         * keeps its family and IPv6 addresses, which the json prints. */
        it->ev.conn.laddr = sim_addr_key6(ev->conn.laddr6);
        it->ev.conn.raddr = sim_addr_key6(ev->conn.raddr6);
    }
    switch (ev->type) {
    case SYNACK_EV_APP:
        quiet_classify(w, it);
        it->ev.u.app.call = sim_intern(w, ev->u.app.call);
        it->no_draw = w->in_call || hidden_call(ev->u.app.call, ev->u.app.ret);
        break;
    case SYNACK_EV_STATE:
        quiet_classify(w, it);
        it->ev.u.state.why = sim_intern(w, ev->u.state.why);
        break;
    case SYNACK_EV_DROP:
        quiet_classify(w, it);
        it->ev.u.drop.reason = sim_intern(w, ev->u.drop.reason);
        break;
    case SYNACK_EV_TIMER:
        quiet_classify(w, it);
        it->ev.u.timer.timer = sim_intern(w, ev->u.timer.timer);
        break;
    case SYNACK_EV_COUNTER:
        it->ev.u.counter.name = sim_intern(w, ev->u.counter.name);
        it->no_draw = 1;
        break;
    case SYNACK_EV_NOTE:
        it->ev.u.note.text = sim_intern(w, ev->u.note.text);
        break;
    case SYNACK_EV_RX:
        it->no_draw = 1; /* the drawings show the arrival of the segment instead */
        break;
    case SYNACK_EV_TX: {
        quiet_classify(w, it);
        it->to = sim_lane_of(w, it->ev.conn.raddr);
        conn_track(w, it, it->ev.conn.laddr, it->ev.conn.raddr);
        size_t idx = (size_t)(it - w->items);
        sim_pending *p = &w->pending[hc->host];
        if (p->n == p->cap) {
            p->cap = p->cap ? p->cap * 2 : 64;
            p->idx = xrealloc(p->idx, p->cap * sizeof(*p->idx));
        }
        p->idx[p->n++] = idx;
        break;
    }
    }
}

/* ---- the network's tap: what happened to every frame ------------------------------------- */

static void keep_frame(sim *w, uint64_t t, size_t order, const uint8_t *frame, size_t len)
{
    if (!w->pcap)
        return;
    if (w->nframes == w->capframes) {
        w->capframes = w->capframes ? w->capframes * 2 : 256;
        w->frames = xrealloc(w->frames, w->capframes * sizeof(*w->frames));
    }
    struct sim_frame *f = &w->frames[w->nframes];
    f->data = malloc(len ? len : 1);
    if (!f->data) {
        fprintf(stderr, "synack sim: out of memory\n");
        exit(2);
    }
    memcpy(f->data, frame, len);
    f->len = len;
    f->t = t;
    f->order = order;
    w->nframes++;
}

static int frame_cmp(const void *a, const void *b)
{
    const struct sim_frame *x = a, *y = b;
    if (x->t != y->t)
        return x->t < y->t ? -1 : 1;
    return x->order < y->order ? -1 : x->order > y->order;
}

static void write_frames(sim *w)
{
    if (w->nframes) /* a run that sent nothing has no array: qsort's pointer may not be NULL */
        qsort(w->frames, w->nframes, sizeof(*w->frames), frame_cmp);
    for (size_t i = 0; i < w->nframes && !w->pcap_err; i++) {
        int rc = synack_pcap_write(w->pcap, w->frames[i].t, w->frames[i].data, w->frames[i].len);
        if (rc < 0)
            w->pcap_err = rc;
    }
}

/* The TCP header fields of a raw IPv4 or IPv6 frame (IPv6 addresses as the IPv4 ones they
 * stand for); 0 if it is not a well-formed TCP segment. */
typedef struct wire_seg {
    uint32_t src, dst;
    uint16_t sport, dport;
    uint32_t seq, ack;
    uint8_t flags;
    uint32_t len;
} wire_seg;

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint16_t rd16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static int parse_tcp(const uint8_t *t, size_t tcp_len, wire_seg *s)
{
    if (tcp_len < 20)
        return 0;
    size_t doff = (size_t)(t[12] >> 4) * 4;
    if (doff < 20 || doff > tcp_len)
        return 0;
    s->sport = rd16(t);
    s->dport = rd16(t + 2);
    s->seq = rd32(t + 4);
    s->ack = rd32(t + 8);
    s->flags = t[13];
    s->len = (uint32_t)(tcp_len - doff);
    return 1;
}

static int parse_frame(const uint8_t *f, size_t len, wire_seg *s)
{
    if (len >= 40 && (f[0] >> 4) == 6) {
        /* RFC 8200 3: the simulated hosts send no extension headers. */
        size_t plen = rd16(f + 4);
        if (f[6] != 6 || 40 + plen > len)
            return 0;
        s->src = sim_addr_key6(f + 8);
        s->dst = sim_addr_key6(f + 24);
        return parse_tcp(f + 40, plen, s);
    }
    if (len < 20 || (f[0] >> 4) != 4)
        return 0;
    size_t ihl = (size_t)(f[0] & 0x0f) * 4;
    size_t total = rd16(f + 2);
    if (ihl < 20 || total > len || total < ihl + 20 || f[9] != 6)
        return 0;
    const uint8_t *t = f + ihl;
    size_t doff = (size_t)(t[12] >> 4) * 4;
    if (doff < 20 || ihl + doff > total)
        return 0;
    s->src = rd32(f + 12);
    s->dst = rd32(f + 16);
    s->sport = rd16(t);
    s->dport = rd16(t + 2);
    s->seq = rd32(t + 4);
    s->ack = rd32(t + 8);
    s->flags = t[13];
    s->len = (uint32_t)(total - ihl - doff);
    return 1;
}

static int seg_is(const sim_item *it, const wire_seg *s)
{
    const synack_seg_info *g = &it->ev.u.seg;
    return it->ev.conn.laddr == s->src && it->ev.conn.raddr == s->dst &&
           it->ev.conn.lport == s->sport && it->ev.conn.rport == s->dport && g->seq == s->seq &&
           g->flags == s->flags && g->len == s->len && (!(g->flags & 0x10) || g->ack == s->ack);
}

static void seg_outcome(sim *w, size_t idx, uint64_t t, int delivered)
{
    sim_item *seg = &w->items[idx];
    if (delivered) {
        seg->ndeliv++;
        if (seg->ndeliv == 1) {
            seg->t_arrive = t;
            sim_item *a = sim_push(w, SIM_IT_ARRIVE, w->items[idx].to);
            a->t = t;
            a->seg = idx;
            a->no_json = 1;
            /* A segment is drawn (and so arrives) if it was sent outside a quiet stretch. */
            a->quiet = w->items[idx].quiet;
        }
    } else {
        seg->lost = 1;
        sim_item *d = sim_push(w, SIM_IT_LINKDROP, -1);
        seg = &w->items[idx];
        d->t = t;
        d->ev.type = SYNACK_EV_DROP;
        d->ev.t_us = t;
        d->ev.has_conn = 1;
        d->ev.conn = seg->ev.conn;
        d->ev.u.drop.reason = "link-loss";
        d->no_draw = 1;
    }
    w->items[idx].matched = 1;
}

static void tap(void *ctx, int from, int to, uint64_t t_us, const uint8_t *frame, size_t len,
                int delivered)
{
    sim *w = ctx;
    (void)to;
    wire_seg s;
    if (!parse_frame(frame, len, &s)) {
        keep_frame(w, t_us, w->nitems, frame, len);
        return;
    }
    sim_pending *p = from >= 0 && from < w->nlanes ? &w->pending[from] : &w->pending_inj;
    for (size_t i = 0; i < p->n; i++) {
        if (seg_is(&w->items[p->idx[i]], &s)) {
            size_t idx = p->idx[i];
            memmove(&p->idx[i], &p->idx[i + 1], (p->n - i - 1) * sizeof(*p->idx));
            p->n--;
            keep_frame(w, w->items[idx].t, idx, frame, len);
            seg_outcome(w, idx, t_us, delivered);
            return;
        }
    }
    /* Not pending: a duplicate of a segment already delivered. */
    size_t steps = 0;
    for (size_t i = w->nitems; i > 0 && steps < 4096; i--) {
        sim_item *it = &w->items[i - 1];
        if (it->kind != SIM_IT_SEG)
            continue;
        steps++;
        if (it->matched && seg_is(it, &s)) {
            if (delivered)
                it->ndeliv++;
            return;
        }
    }
}

/* ---- building the world -------------------------------------------------------------------- */

void sim_host_config(sim *w, synack_config *cfg)
{
    (void)w;
    synack_config_default(cfg);
}

int sim_add_host(sim *w, const char *name, uint32_t addr, const synack_config *cfg)
{
    if (w->nlanes >= SIM_MAX_LANES || w->nlanes != w->nhosts) {
        fprintf(stderr, "synack sim: too many hosts, or a host after a ghost lane\n");
        exit(2);
    }
    synack_config c;
    if (cfg)
        c = *cfg;
    else
        sim_host_config(w, &c);
    if (w->opt && w->opt->cc) { /* --cc: checked by cmd_sim, shorter than cc[] */
        memset(c.cc, 0, sizeof(c.cc));
        memcpy(c.cc, w->opt->cc, strlen(w->opt->cc));
    }
    int idx = w->nhosts;
    w->hctx[idx].w = w;
    w->hctx[idx].host = idx;
    c.netif.type = SYNACK_LINK_IP;
    c.netif.addr = addr;
    if (w->ipv6) {
        sim_addr6(addr, c.netif.addr6);
        c.netif.prefix6_len = 64;
    }
    /* Each host gets its own secrets, all derived from --seed. */
    synack_config_deterministic(&c, w->seed * 0x9e3779b97f4a7c15ull +
                                        (uint64_t)idx * 0x632be59bd9b4e019ull + 1);
    c.on_event = on_event;
    c.event_ctx = &w->hctx[idx];
    int h = synack_simnet_add_host(w->net, &c);
    if (h != idx) {
        fprintf(stderr, "synack sim: cannot add host %s (%d)\n", name, h);
        exit(2);
    }
    sim_lane *l = &w->lanes[w->nlanes++];
    snprintf(l->name, sizeof(l->name), "%s", name);
    l->addr_lo = l->addr_hi = addr;
    l->ghost = 0;
    w->nhosts++;
    return idx;
}

int sim_add_ghost(sim *w, const char *name, uint32_t lo, uint32_t hi)
{
    if (w->nlanes >= SIM_MAX_LANES) {
        fprintf(stderr, "synack sim: too many lanes\n");
        exit(2);
    }
    sim_lane *l = &w->lanes[w->nlanes];
    snprintf(l->name, sizeof(l->name), "%s", name);
    l->addr_lo = lo;
    l->addr_hi = hi;
    l->ghost = 1;
    return w->nlanes++;
}

void sim_default_link(synack_fault_config *f)
{
    memset(f, 0, sizeof(*f));
    f->delay_us = 1 * SIM_MS;
}

/* The scenario's settings with the command line's overrides on top. */
static synack_fault_config apply_overrides(const sim *w, const synack_fault_config *f)
{
    synack_fault_config c = *f;
    const sim_options *o = w->opt;
    if (o->has_loss)
        c.loss = o->loss;
    if (o->has_reorder)
        c.reorder = o->reorder;
    if (o->has_dup)
        c.dup = o->dup;
    if (o->has_delay)
        c.delay_us = o->delay_us;
    if (o->has_jitter)
        c.jitter_us = o->jitter_us;
    if (o->has_rate)
        c.rate_bps = o->rate_bps;
    return c;
}

static void describe_link(sim *w, const synack_fault_config *f)
{
    if (w->link_desc[0])
        return; /* the first link set describes the run */
    char *b = w->link_desc;
    size_t cap = sizeof(w->link_desc), n = 0;
    n += (size_t)snprintf(b + n, cap - n, "%.3g ms each way", (double)f->delay_us / 1000.0);
    if (f->jitter_us && n < cap)
        n += (size_t)snprintf(b + n, cap - n, ", jitter %.3g ms", (double)f->jitter_us / 1000.0);
    if (f->loss > 0 && n < cap)
        n += (size_t)snprintf(b + n, cap - n, ", %.3g%% loss", f->loss * 100);
    if (f->reorder > 0 && n < cap)
        n += (size_t)snprintf(b + n, cap - n, ", %.3g%% reordered", f->reorder * 100);
    if (f->dup > 0 && n < cap)
        n += (size_t)snprintf(b + n, cap - n, ", %.3g%% duplicated", f->dup * 100);
    if (f->rate_bps && n < cap)
        n += (size_t)snprintf(b + n, cap - n, ", %.3g Mbit/s", (double)f->rate_bps / 1e6);
    if (f->blackhole && n < cap)
        n += (size_t)snprintf(b + n, cap - n, ", black hole");
    if (n < cap && !f->jitter_us && f->loss <= 0 && f->reorder <= 0 && f->dup <= 0 &&
        !f->rate_bps && !f->blackhole)
        snprintf(b + n, cap - n, ", no faults");
}

void sim_link(sim *w, int from, int to, const synack_fault_config *f)
{
    synack_fault_config c = apply_overrides(w, f);
    describe_link(w, &c);
    synack_simnet_set_link(w->net, from, to, &c);
}

void sim_path(sim *w, int a, int b, const synack_fault_config *f)
{
    sim_link(w, a, b, f);
    sim_link(w, b, a, f);
}

void sim_pair(sim *w, const synack_config *client, const synack_config *server)
{
    sim_add_host(w, "client", SIM_CLIENT_ADDR, client);
    sim_add_host(w, "server", SIM_SERVER_ADDR, server);
    synack_fault_config f;
    sim_default_link(&f);
    sim_path(w, SIM_CLIENT, SIM_SERVER, &f);
}

synack_stack *sim_stack(sim *w, int host)
{
    return synack_simnet_stack(w->net, host);
}
synack_simnet *sim_net(sim *w)
{
    return w->net;
}

int sim_ipv6(const sim *w)
{
    return w->ipv6;
}

int sim_overridden(const sim *w)
{
    const sim_options *o = w->opt;
    return o->has_loss || o->has_reorder || o->has_dup || o->has_delay || o->has_jitter ||
           o->has_rate;
}

/* ---- time ------------------------------------------------------------------------------------ */

uint64_t sim_now(const sim *w)
{
    return synack_simnet_now(w->net);
}

void sim_run_until(sim *w, uint64_t t)
{
    if (t > synack_simnet_now(w->net))
        synack_simnet_run(w->net, t);
}

void sim_run_for(sim *w, uint64_t dt)
{
    sim_run_until(w, synack_simnet_now(w->net) + dt);
}

uint64_t sim_run_idle(sim *w, uint64_t limit)
{
    return synack_simnet_run_idle(w->net, limit);
}

/* ---- injection --------------------------------------------------------------------------- */

static void wr16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void wr32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* RFC 1071 one's-complement sum. */
static uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i + 1 < n; i += 2)
        sum += (uint32_t)(p[i] << 8 | p[i + 1]);
    if (n & 1)
        sum += (uint32_t)p[n - 1] << 8;
    return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

static int inject_pkt(sim *w, int lane, uint64_t delay_us, const sim_raw_seg *r, const uint8_t *pkt,
                      size_t total, const synack_endpoints *ep);

/* The TCP header of an injected segment at t (tcp_len bytes, checksum left zero). */
static void put_tcp(uint8_t *t, size_t tcp_len, const sim_raw_seg *r)
{
    wr16(t, r->sport);
    wr16(t + 2, r->dport);
    wr32(t + 4, r->seq);
    wr32(t + 8, r->ack);
    t[12] = (uint8_t)((tcp_len / 4) << 4);
    t[13] = r->flags;
    wr16(t + 14, r->win);
    if (r->mss) {
        t[20] = 2;
        t[21] = 4;
        wr16(t + 22, r->mss);
    }
}

/* The injected segment as an IPv6 packet (RFC 8200 3, the pseudo-header of 8.1). */
static size_t build_ipv6(uint8_t *pkt, const sim_raw_seg *r, synack_endpoints *ep)
{
    size_t tcp_len = r->mss ? 24 : 20;
    pkt[0] = 0x60;
    wr16(pkt + 4, (uint16_t)tcp_len);
    pkt[6] = 6;
    pkt[7] = 64;
    sim_addr6(r->src, pkt + 8);
    sim_addr6(r->dst, pkt + 24);
    uint8_t *t = pkt + 40;
    put_tcp(t, tcp_len, r);
    uint8_t pseudo[8] = {0, 0, 0, (uint8_t)tcp_len, 0, 0, 0, 6};
    uint32_t sum = csum_add(csum_add(0, pkt + 8, 32), pseudo, sizeof(pseudo));
    wr16(t + 16, csum_fold(csum_add(sum, t, tcp_len)));
    ep->family = SYNACK_AF_INET6;
    memcpy(ep->laddr6, pkt + 8, 16);
    memcpy(ep->raddr6, pkt + 24, 16);
    return 40 + tcp_len;
}

int sim_inject(sim *w, int lane, uint64_t delay_us, const sim_raw_seg *r)
{
    uint8_t pkt[64];
    synack_endpoints ep6;
    memset(pkt, 0, sizeof(pkt));
    memset(&ep6, 0, sizeof(ep6));
    if (w->ipv6)
        return inject_pkt(w, lane, delay_us, r, pkt, build_ipv6(pkt, r, &ep6), &ep6);
    size_t tcp_len = r->mss ? 24 : 20;
    size_t total = 20 + tcp_len;
    pkt[0] = 0x45;
    wr16(pkt + 2, (uint16_t)total);
    wr16(pkt + 4, (uint16_t)(0x5000 + w->ninjected));
    pkt[6] = 0x40; /* DF */
    pkt[8] = 64;
    pkt[9] = 6;
    wr32(pkt + 12, r->src);
    wr32(pkt + 16, r->dst);
    wr16(pkt + 10, csum_fold(csum_add(0, pkt, 20)));
    uint8_t *t = pkt + 20;
    put_tcp(t, tcp_len, r);
    uint8_t pseudo[12];
    wr32(pseudo, r->src);
    wr32(pseudo + 4, r->dst);
    pseudo[8] = 0;
    pseudo[9] = 6;
    wr16(pseudo + 10, (uint16_t)tcp_len);
    wr16(t + 16, csum_fold(csum_add(csum_add(0, pseudo, 12), t, tcp_len)));
    return inject_pkt(w, lane, delay_us, r, pkt, total, &ep6);
}

/* Records the injected segment (ep: its IPv6 addresses, family 0 over IPv4) and puts pkt
 * on the wire. */
static int inject_pkt(sim *w, int lane, uint64_t delay_us, const sim_raw_seg *r, const uint8_t *pkt,
                      size_t total, const synack_endpoints *ep)
{
    sim_item *it = sim_push(w, SIM_IT_SEG, lane);
    it->injected = 1;
    it->no_json = 1; /* not a stack's event; json gets a note instead */
    it->ev.type = SYNACK_EV_TX;
    it->ev.t_us = it->t;
    it->ev.has_conn = 1;
    it->ev.conn.laddr = r->src;
    it->ev.conn.raddr = r->dst;
    it->ev.conn.family = ep->family;
    memcpy(it->ev.conn.laddr6, ep->laddr6, 16);
    memcpy(it->ev.conn.raddr6, ep->raddr6, 16);
    it->ev.conn.lport = r->sport;
    it->ev.conn.rport = r->dport;
    it->ev.u.seg.flags = r->flags;
    it->ev.u.seg.seq = r->seq;
    it->ev.u.seg.ack = r->ack;
    it->ev.u.seg.win = r->win;
    it->ev.u.seg.has_mss = r->mss != 0;
    it->ev.u.seg.mss = r->mss;
    quiet_classify(w, it);
    it->to = sim_lane_of(w, r->dst);
    it->text = r->tag ? sim_intern(w, r->tag) : NULL;
    conn_track(w, it, r->src, r->dst);
    size_t idx = (size_t)(it - w->items);
    sim_pending *p = &w->pending_inj;
    if (p->n == p->cap) {
        p->cap = p->cap ? p->cap * 2 : 64;
        p->idx = xrealloc(p->idx, p->cap * sizeof(*p->idx));
    }
    p->idx[p->n++] = idx;
    w->ninjected++;
    int rc = synack_simnet_inject(w->net, -1, delay_us, pkt, total);
    if (rc < 0) {
        /* Never reaches the tap: show it as lost. */
        p->n--;
        w->items[idx].lost = 1;
        w->items[idx].matched = 1;
    }
    return rc;
}

/* ---- narration ----------------------------------------------------------------------------- */

void sim_note(sim *w, int lane, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    sim_item *it = sim_push(w, SIM_IT_NOTE, lane);
    it->text = sim_intern(w, buf);
    it->ev.type = SYNACK_EV_NOTE;
    it->ev.t_us = it->t;
    it->ev.u.note.text = it->text;
}

static void quiet_start(sim *w)
{
    sim_item *it = sim_push(w, SIM_IT_SUMMARY, -1);
    it->text = sim_intern(w, "...");
    it->no_json = 1;
    w->quiet_summary = w->nitems - 1;
    w->quiet_mark = w->nitems;
    w->quiet_t0 = sim_now(w);
    w->quiet_rexmit0 = 0;
    for (int h = 0; h < w->nhosts; h++)
        w->quiet_rexmit0 += synack_counter_get(sim_stack(w, h), SYNACK_CTR_RetransSegs);
}

void sim_quiet_begin(sim *w)
{
    quiet_start(w);
    w->quiet = 1;
}

void sim_quiet_addrs(sim *w, uint32_t lo, uint32_t hi)
{
    quiet_start(w);
    w->quiet_addrs = 1;
    w->quiet_lo = lo;
    w->quiet_hi = hi;
}

/* An item about the quiet addresses is recorded for json only. */
static void quiet_classify(sim *w, sim_item *it)
{
    if (!w->quiet_addrs || !it->ev.has_conn)
        return;
    uint32_t a = it->ev.conn.laddr, b = it->ev.conn.raddr;
    if ((a >= w->quiet_lo && a <= w->quiet_hi) || (b >= w->quiet_lo && b <= w->quiet_hi))
        it->quiet = 1;
}

void sim_quiet_end(sim *w, const char *what)
{
    uint64_t segs = 0, lost = 0, bytes = 0, dups = 0;
    for (size_t i = w->quiet_mark; i < w->nitems; i++) {
        const sim_item *it = &w->items[i];
        if (it->kind != SIM_IT_SEG || !it->quiet)
            continue;
        segs++;
        lost += it->lost;
        bytes += it->ev.u.seg.len;
        dups += it->ndeliv > 1;
    }
    uint64_t rexmit = 0;
    for (int h = 0; h < w->nhosts; h++)
        rexmit += synack_counter_get(sim_stack(w, h), SYNACK_CTR_RetransSegs);
    rexmit -= w->quiet_rexmit0;
    w->quiet = 0;
    w->quiet_addrs = 0;
    char buf[512];
    int n =
        snprintf(buf, sizeof(buf), "%s, not drawn: %llu segments", what, (unsigned long long)segs);
    if (bytes && n > 0 && (size_t)n < sizeof(buf))
        n += snprintf(buf + n, sizeof(buf) - (size_t)n, ", %llu payload bytes",
                      (unsigned long long)bytes);
    if (lost && n > 0 && (size_t)n < sizeof(buf))
        n += snprintf(buf + n, sizeof(buf) - (size_t)n, ", %llu lost", (unsigned long long)lost);
    if (rexmit && n > 0 && (size_t)n < sizeof(buf))
        n += snprintf(buf + n, sizeof(buf) - (size_t)n, ", %llu retransmitted",
                      (unsigned long long)rexmit);
    if (dups && n > 0 && (size_t)n < sizeof(buf))
        n += snprintf(buf + n, sizeof(buf) - (size_t)n, ", %llu duplicated",
                      (unsigned long long)dups);
    double secs = (double)(sim_now(w) - w->quiet_t0) / 1e6;
    if (n > 0 && (size_t)n < sizeof(buf))
        snprintf(buf + n, sizeof(buf) - (size_t)n, " in %.3f s", secs);
    w->items[w->quiet_summary].text = sim_intern(w, buf);
}

/* ---- checks ------------------------------------------------------------------------------- */

static void add_check(sim *w, const char *prefix, const char *fmt, va_list ap)
{
    char msg[600];
    vsnprintf(msg, sizeof(msg), fmt, ap);
    char line[640];
    snprintf(line, sizeof(line), "%s %s", prefix, msg);
    if (w->nchecks == w->capchecks) {
        w->capchecks = w->capchecks ? w->capchecks * 2 : 16;
        w->checks = xrealloc(w->checks, w->capchecks * sizeof(*w->checks));
    }
    w->checks[w->nchecks++] = sim_intern(w, line);
}

void sim_expect(sim *w, int ok, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    add_check(w, ok ? "ok  " : "FAIL", fmt, ap);
    va_end(ap);
    if (!ok)
        w->failed = 1;
}

void sim_expect_exact(sim *w, int ok, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (ok)
        add_check(w, "ok  ", fmt, ap);
    else if (sim_overridden(w))
        add_check(w, "skip", fmt, ap); /* the command line changed the links */
    else
        add_check(w, "FAIL", fmt, ap);
    va_end(ap);
    if (!ok && !sim_overridden(w))
        w->failed = 1;
}

void sim_gap(sim *w, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    add_check(w, "gap ", fmt, ap);
    va_end(ap);
}

/* ---- running a scenario -------------------------------------------------------------------- */

/* Does segment item s travel on this host's 4-tuple e? */
static int seg_on(const sim *w, const sim_item *s, const synack_endpoints *e)
{
    return s->kind == SIM_IT_SEG && s->conn_id &&
           conn_matches(&w->conns[s->conn_id - 1], e->laddr, e->lport, e->raddr, e->rport);
}

uint32_t sim_event_conn(const sim *w, size_t i)
{
    const sim_item *it = &w->items[i];
    if (!it->ev.has_conn)
        return 0;
    const synack_endpoints *e = &it->ev.conn;
    int host = it->lane;
    /* A connection that is born belongs to the next segment its host sends. */
    if (it->ev.type == SYNACK_EV_STATE &&
        (it->ev.u.state.from == SYNACK_CLOSED || it->ev.u.state.from == SYNACK_LISTEN)) {
        for (size_t j = i + 1; j < w->nitems; j++) {
            const sim_item *s = &w->items[j];
            if (s->lane == host && !s->injected && seg_on(w, s, e))
                return s->conn_id;
        }
    }
    /* A state change continues the host's previous one on the 4-tuple that ended in the
     * state this one starts from. */
    if (it->ev.type == SYNACK_EV_STATE) {
        for (size_t j = i; j > 0; j--) {
            const sim_item *p = &w->items[j - 1];
            if (p->kind == SIM_IT_EVENT && p->lane == host && p->ev.type == SYNACK_EV_STATE &&
                p->ev.u.state.to == it->ev.u.state.from && p->ev.conn.laddr == e->laddr &&
                p->ev.conn.raddr == e->raddr && p->ev.conn.lport == e->lport &&
                p->ev.conn.rport == e->rport)
                return sim_event_conn(w, j - 1);
        }
    }
    /* Otherwise to the latest segment the host sent or received on the 4-tuple. */
    for (size_t j = i; j > 0; j--) {
        const sim_item *s = &w->items[j - 1];
        if (s->kind == SIM_IT_ARRIVE && s->lane == host && seg_on(w, &w->items[s->seg], e))
            return w->items[s->seg].conn_id;
        if (s->lane == host && seg_on(w, s, e))
            return s->conn_id;
    }
    return 0;
}

static void assign_conn_ids(sim *w)
{
    for (size_t i = 0; i < w->nitems; i++) {
        sim_item *it = &w->items[i];
        if (it->kind == SIM_IT_EVENT && it->ev.has_conn)
            it->conn_id = sim_event_conn(w, i);
    }
}

static void fill_trace(sim *w)
{
    sim_trace *t = &w->trace;
    /* The drawings number only the connections they show, in order of appearance. */
    uint32_t ndisp = 0;
    for (size_t i = 0; i < w->nitems; i++) {
        const sim_item *it = &w->items[i];
        if (it->kind == SIM_IT_SEG && !it->quiet && it->conn_id &&
            w->conns[it->conn_id - 1].disp == 0)
            w->conns[it->conn_id - 1].disp = ++ndisp;
    }
    t->ndisp = ndisp;
    t->scn = w->scn;
    t->seed = w->seed;
    t->items = w->items;
    t->nitems = w->nitems;
    t->lanes = w->lanes;
    t->nlanes = w->nlanes;
    t->conns = w->conns;
    t->nconns = w->nconns;
    t->link_desc = w->link_desc;
    t->overridden = sim_overridden(w);
    t->checks = (const char *const *)w->checks;
    t->nchecks = w->nchecks;
    t->failed = w->failed;
    t->ipv6 = w->ipv6;
}

const sim_trace *sim_get_trace(const sim *w)
{
    return &w->trace;
}

static void sim_free(sim *w)
{
    if (w->net)
        synack_simnet_free(w->net);
    free(w->items);
    free(w->conns);
    free(w->checks);
    for (int i = 0; i < SIM_MAX_LANES; i++)
        free(w->pending[i].idx);
    free(w->pending_inj.idx);
    for (size_t i = 0; i < w->nframes; i++)
        free(w->frames[i].data);
    free(w->frames);
    for (size_t i = 0; i < w->strs_cap; i++)
        free(w->strs[i]);
    free(w->strs);
    free(w);
}

int sim_execute(const sim_scenario *scn, const sim_options *opt, FILE *out)
{
    sim *w = calloc(1, sizeof(*w));
    if (!w) {
        fprintf(stderr, "synack sim: out of memory\n");
        return 2;
    }
    w->scn = scn;
    w->opt = opt;
    w->seed = opt->seed;
    w->ipv6 = opt->ipv6 != 0;
    if (opt->pcap) {
        w->pcap =
            synack_pcap_open(opt->pcap, w->ipv6 ? SYNACK_PCAP_RAW_IPV6 : SYNACK_PCAP_RAW_IPV4);
        if (!w->pcap) {
            fprintf(stderr, "synack sim: cannot create %s: %s\n", opt->pcap, strerror(errno));
            sim_free(w);
            return 2;
        }
    }
    w->net = synack_simnet_new(NULL, opt->seed, 1u << 20);
    if (!w->net) {
        fprintf(stderr, "synack sim: cannot create the simulated network\n");
        synack_pcap_close(w->pcap);
        sim_free(w);
        return 2;
    }
    synack_simnet_set_tap(w->net, tap, w);

    scn->run(w);

    /* The counters close the event stream (json only). */
    for (int h = 0; h < w->nhosts; h++)
        synack_emit_counters(sim_stack(w, h));
    assign_conn_ids(w);
    fill_trace(w);

    int rc = w->failed ? 1 : 0;
    if (w->pcap) {
        write_frames(w);
        int prc = synack_pcap_close(w->pcap);
        w->pcap = NULL;
        if (w->pcap_err || prc) {
            fprintf(stderr, "synack sim: writing %s failed: %s\n", opt->pcap,
                    strerror(-(w->pcap_err ? w->pcap_err : prc)));
            rc = rc ? rc : 1;
        }
    }
    switch (opt->format) {
    case SIM_FMT_TEXT:
        render_text(&w->trace, out);
        break;
    case SIM_FMT_JSON:
        render_json(&w->trace, out);
        break;
    case SIM_FMT_MERMAID:
        render_mermaid(&w->trace, out);
        break;
    case SIM_FMT_SVG:
        render_svg(&w->trace, out);
        break;
    }
    fflush(out);
    for (size_t i = 0; i < w->nchecks; i++)
        if (strncmp(w->checks[i], "FAIL", 4) == 0)
            fprintf(stderr, "synack sim %s (seed %llu): check failed: %s\n", scn->name,
                    (unsigned long long)opt->seed, w->checks[i] + 5);
    sim_free(w);
    return rc;
}
