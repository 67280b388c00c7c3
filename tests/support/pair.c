/* SPDX-License-Identifier: MIT */
#include "support/pair.h"
#include "support/wire_poison.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct pair_host_ctx {
    pair *p;
    int host;
} pair_host_ctx;

static pair_host_ctx host_ctx[64][2];
static int host_ctx_used;

static void on_event(void *ctx, const synack_event *ev)
{
    pair_host_ctx *hc = ctx;
    pair *p = hc->p;
    if (p->verbose) {
        char buf[512];
        synack_event_json(ev, hc->host ? "server" : "client", buf, sizeof(buf));
        fprintf(stderr, "%s\n", buf);
    }
    if (ev->type == SYNACK_EV_TX) {
        if (p->nsegs == p->capsegs) {
            p->capsegs = p->capsegs ? p->capsegs * 2 : 256;
            p->segs = realloc(p->segs, p->capsegs * sizeof(*p->segs));
            if (!p->segs)
                abort();
        }
        pair_seg *s = &p->segs[p->nsegs++];
        memset(s, 0, sizeof(*s));
        s->from = hc->host;
        s->t = ev->t_us;
        s->s = ev->u.seg;
    } else if (ev->type == SYNACK_EV_STATE) {
        if (p->nstates == p->capstates) {
            p->capstates = p->capstates ? p->capstates * 2 : 64;
            p->states = realloc(p->states, p->capstates * sizeof(*p->states));
            if (!p->states)
                abort();
        }
        pair_state *s = &p->states[p->nstates++];
        s->host = hc->host;
        s->t = ev->t_us;
        s->from = ev->u.state.from;
        s->to = ev->u.state.to;
        s->ep = ev->conn;
    } else if (ev->type == SYNACK_EV_APP) {
        if (p->napps == p->capapps) {
            p->capapps = p->capapps ? p->capapps * 2 : 64;
            p->apps = realloc(p->apps, p->capapps * sizeof(*p->apps));
            if (!p->apps)
                abort();
        }
        pair_app *a = &p->apps[p->napps++];
        a->host = hc->host;
        a->t = ev->t_us;
        snprintf(a->call, sizeof(a->call), "%s", ev->u.app.call);
        a->sock = ev->u.app.sock;
        a->ret = ev->u.app.ret;
    }
}

/* The link's tap: find the segment this frame carries (the oldest undelivered one from
 * the other side) and ask the filter. */
typedef struct tap_state {
    size_t next[2]; /* next undelivered segment index per sender */
} tap_state;
static tap_state taps[64];

static int tap(void *ctx, int side, uint64_t t, const uint8_t *frame, size_t len)
{
    (void)t;
    wire_check_poison("pair", frame, len);
    pair_host_ctx *hc = ctx;
    pair *p = hc->p;
    tap_state *ts = &taps[hc - &host_ctx[0][0] < 0 ? 0 : (hc - &host_ctx[0][0]) / 2];
    int sender = 1 - side;
    size_t i = ts->next[sender];
    while (i < p->nsegs && p->segs[i].from != sender)
        i++;
    if (i >= p->nsegs)
        return 0;
    ts->next[sender] = i + 1;
    int drop = p->filter ? p->filter(p, &p->segs[i], i, p->filter_ctx) : 0;
    p->segs[i].dropped = drop;
    return drop;
}

/* What both kinds of pair start with: an empty pair, PAIR_VERBOSE, and a context slot
 * (returned) for its hosts' event callbacks and its tap. */
static int pair_begin(pair *p)
{
    memset(p, 0, sizeof(*p));
    const char *v = getenv("PAIR_VERBOSE");
    p->verbose = v && *v == '1';
    int slot = host_ctx_used++ % 64;
    memset(&taps[slot], 0, sizeof(taps[slot]));
    return slot;
}

/* Host h's config: cfg (or the defaults) with h's address, seed and event callback. */
static synack_config host_config(pair *p, const synack_config *cfg, int slot, int h)
{
    synack_config c;
    if (cfg)
        c = *cfg;
    else
        synack_config_default(&c);
    host_ctx[slot][h].p = p;
    host_ctx[slot][h].host = h;
    c.netif.addr = h ? PAIR_SERVER_ADDR : PAIR_CLIENT_ADDR;
    /* Exact segments need reproducible ISNs and ports, whatever entropy cfg names. */
    synack_config_deterministic(&c, (cfg ? cfg->seed : 1) * 2 + (uint64_t)h);
    c.on_event = on_event;
    c.event_ctx = &host_ctx[slot][h];
    return c;
}

void pair_init(pair *p, const synack_config *cfg, uint64_t delay_us)
{
    int slot = pair_begin(p);
    p->link = synack_memlink_new(NULL, delay_us, 65536 + 64, 100000);
    for (int h = 0; h < 2; h++) {
        synack_config c = host_config(p, cfg, slot, h);
        synack_memlink_netif(p->link, h, &c.netif);
        p->st[h] = synack_stack_new(&c);
        if (!p->st[h])
            abort();
        synack_memlink_attach(p->link, h, p->st[h]);
    }
    synack_memlink_set_tap(p->link, tap, &host_ctx[slot][0]);
}

/* The simnet's send filter: the frame a host sends is the TCP segment it traced last. */
static int sim_filter(void *ctx, int from, int to, uint64_t t, const uint8_t *frame, size_t len)
{
    (void)to;
    (void)t;
    pair_host_ctx *hc = ctx;
    pair *p = hc->p;
    wire_check_poison("pair", frame, len);
    if (!p->filter || len < 20 || frame[9] != 6 /* TCP */)
        return 0;
    size_t i = p->nsegs;
    while (i > 0 && p->segs[i - 1].from != from)
        i--;
    if (i == 0)
        return 0;
    int drop = p->filter(p, &p->segs[i - 1], i - 1, p->filter_ctx);
    p->segs[i - 1].dropped = drop;
    return drop;
}

void pair_init_faults(pair *p, const synack_config *cfg, const synack_fault_config *c2s,
                      const synack_fault_config *s2c)
{
    int slot = pair_begin(p);
    p->net = synack_simnet_new(NULL, cfg ? cfg->seed : 1, 100000);
    if (!p->net)
        abort();
    for (int h = 0; h < 2; h++) {
        synack_config c = host_config(p, cfg, slot, h);
        c.netif.type = SYNACK_LINK_IP;
        if (synack_simnet_add_host(p->net, &c) != h)
            abort();
        p->st[h] = synack_simnet_stack(p->net, h);
    }
    synack_simnet_set_link(p->net, PAIR_CLIENT, PAIR_SERVER, c2s);
    synack_simnet_set_link(p->net, PAIR_SERVER, PAIR_CLIENT, s2c);
    synack_simnet_set_filter(p->net, sim_filter, &host_ctx[slot][0]);
}

void pair_free(pair *p)
{
    if (p->net) {
        synack_simnet_free(p->net); /* the network owns the stacks */
        free(p->segs);
        free(p->states);
        free(p->apps);
        memset(p, 0, sizeof(*p));
        return;
    }
    synack_stack_free(p->st[0]);
    synack_stack_free(p->st[1]);
    synack_memlink_free(p->link);
    free(p->segs);
    free(p->states);
    free(p->apps);
    memset(p, 0, sizeof(*p));
}

void pair_run_until(pair *p, uint64_t until)
{
    if (p->net) {
        synack_simnet_run(p->net, until);
        if (synack_simnet_now(p->net) > p->now)
            p->now = synack_simnet_now(p->net);
        return;
    }
    p->now = synack_memlink_run(p->link, p->now, until);
}

void pair_run_for(pair *p, uint64_t us)
{
    pair_run_until(p, p->now + us);
}

struct sockaddr_in pair_sin(uint32_t addr, uint16_t port)
{
    struct sockaddr_in sin;
    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(addr);
    sin.sin_port = htons(port);
    return sin;
}

int pair_listen(pair *p, uint16_t port, int backlog)
{
    synack_stack *st = p->st[PAIR_SERVER];
    int s = synack_socket(st, SOCK_STREAM);
    struct sockaddr_in sin = pair_sin(0, port);
    if (synack_bind(st, s, (struct sockaddr *)&sin, sizeof(sin)) != 0)
        return -1;
    if (synack_listen(st, s, backlog) != 0)
        return -1;
    return s;
}

int pair_connect(pair *p, uint16_t port)
{
    synack_stack *st = p->st[PAIR_CLIENT];
    int s = synack_socket(st, SOCK_STREAM);
    struct sockaddr_in sin = pair_sin(PAIR_SERVER_ADDR, port);
    int rc = synack_connect(st, s, (struct sockaddr *)&sin, sizeof(sin));
    return rc == -115 /* EINPROGRESS */ ? s : -1;
}

int pair_establish(pair *p, uint16_t port, int *cs)
{
    int ls = pair_listen(p, port, 16);
    if (ls < 0)
        return -1;
    *cs = pair_connect(p, port);
    pair_run_for(p, 10000);
    return synack_accept(p->st[PAIR_SERVER], ls, NULL, NULL);
}

synack_tcp_state pair_sock_state(pair *p, int host, int sock)
{
    synack_tcp_info info;
    socklen_t len = sizeof(info);
    if (synack_getsockopt(p->st[host], sock, IPPROTO_TCP, SYNACK_TCP_INFO, &info, &len) != 0)
        return SYNACK_CLOSED;
    return (synack_tcp_state)info.state;
}

struct count_ctx {
    synack_tcp_state state;
    int n;
};

static void count_visit(void *ctx, const synack_conn_view *v)
{
    struct count_ctx *c = ctx;
    if (v->state == c->state)
        c->n++;
}

int pair_count_state(pair *p, int host, synack_tcp_state state)
{
    struct count_ctx c = {state, 0};
    synack_foreach_conn(p->st[host], count_visit, &c);
    return c.n;
}

void pair_seg_str(const pair_seg *s, char *buf, size_t cap)
{
    char flags[9];
    synack_flags_str(s->s.flags, flags);
    snprintf(buf, cap, "%s %s seq=%u ack=%u len=%u", s->from ? "S>C" : "C>S", flags, s->s.seq,
             s->s.ack, s->s.len);
}

void pair_flow(const pair *p, size_t from, char *buf, size_t cap)
{
    size_t off = 0;
    buf[0] = 0;
    for (size_t i = from; i < p->nsegs && off + 1 < cap; i++) {
        char flags[9];
        synack_flags_str(p->segs[i].s.flags, flags);
        int n;
        if (p->segs[i].s.len)
            n = snprintf(buf + off, cap - off, "%s%s:%s/%u", off ? "|" : "",
                         p->segs[i].from ? "S" : "C", flags, p->segs[i].s.len);
        else
            n = snprintf(buf + off, cap - off, "%s%s:%s", off ? "|" : "",
                         p->segs[i].from ? "S" : "C", flags);
        if (n < 0)
            break;
        off += (size_t)n;
    }
}

int pair_saw_state(const pair *p, int host, synack_tcp_state to)
{
    return pair_state_time(p, host, to) != UINT64_MAX;
}

uint64_t pair_state_time(const pair *p, int host, synack_tcp_state to)
{
    for (size_t i = 0; i < p->nstates; i++)
        if (p->states[i].host == host && p->states[i].to == to)
            return p->states[i].t;
    return UINT64_MAX;
}

uint64_t pair_transition_time(const pair *p, int host, synack_tcp_state from, synack_tcp_state to)
{
    for (size_t i = 0; i < p->nstates; i++)
        if (p->states[i].host == host && p->states[i].from == from && p->states[i].to == to)
            return p->states[i].t;
    return UINT64_MAX;
}

size_t pair_next_seg(const pair *p, size_t i, int host)
{
    while (i < p->nsegs && p->segs[i].from != host)
        i++;
    return i;
}

size_t pair_count_segs(const pair *p, size_t i, int host)
{
    size_t n = 0;
    for (; i < p->nsegs; i++)
        n += p->segs[i].from == host;
    return n;
}

size_t pair_transfer(pair *p, int cs, int ss, const uint8_t *data, size_t len, uint8_t *got)
{
    size_t sent = 0, n = 0;
    for (int round = 0; round < 4000 && n < len; round++) {
        if (sent < len) {
            long r = synack_send(p->st[PAIR_CLIENT], cs, data + sent, len - sent, 0);
            if (r > 0)
                sent += (size_t)r;
        }
        pair_run_for(p, 2000);
        long r;
        while (n < len && (r = synack_recv(p->st[PAIR_SERVER], ss, got + n, len - n, 0)) > 0)
            n += (size_t)r;
    }
    return n;
}

int pair_drop_client_seq_once(pair *p, const pair_seg *seg, size_t n, void *ctx)
{
    (void)p;
    (void)n;
    uint32_t *seq = ctx;
    if (*seq && seg->from == PAIR_CLIENT && seg->s.len && seg->s.seq == *seq) {
        *seq = 0;
        return 1;
    }
    return 0;
}

size_t pair_next_app(const pair *p, size_t i, int host, const char *call)
{
    for (; i < p->napps; i++)
        if (p->apps[i].host == host && strcmp(p->apps[i].call, call) == 0)
            return i;
    return p->napps;
}
