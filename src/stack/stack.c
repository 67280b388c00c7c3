/* SPDX-License-Identifier: MIT */
/* The stack instance: configuration, creation and teardown, the counting allocator, the
 * event and drop paths, and the timer-driven poll. */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "stack/config.h"
#include "stack/errqueue.h"
#include "stack/ready.h"
#include "stack/stack_impl.h"
#include "tcp/fastopen_server.h"
#include "tcp/tcp.h"
#include "tcp/timewait.h"
#include "udp/udp.h"
#include "util/poison.h"
#include "util/siphash.h"

/* Core defaults only: no entropy source (the core knows no OS), so a config left as it is
 * is refused until the program names a source or chooses determinism. The host library's
 * synack_config_default() adds the OS's source. */
void synack_config_init(synack_config *c)
{
    if (!c)
        return;
    memset(c, 0, sizeof(*c));
    c->size = sizeof(*c); /* this build's layout; see config_import */
    c->netif.type = SYNACK_LINK_IP;
    c->netif.prefix_len = 24;
    c->netif.mtu = 1500;
    c->seed = 1;
    c->max_sockets = 1024;
    c->max_conns = 65536;
    c->max_syn_backlog = 256;
    c->max_accept_backlog = 4096;
    c->max_time_wait = 32768;
    c->max_buffer_bytes = 256u << 20;
    c->arp_cache_size = 64;
    c->arp_pending_max = 32;
    c->sndbuf = 256u << 10;
    c->rcvbuf = 256u << 10;
    c->rto_initial_us = 1000000;
    c->rto_min_us = 200000;
    c->rto_max_us = 120000000;
    c->msl_us = 30000000;
    c->delack_us = 40000;
    c->fin_wait2_us = 60000000;
    c->keepidle_us = 7200ull * 1000000;
    c->keepintvl_us = 75ull * 1000000;
    c->keepcnt = 9;
    c->syn_retries = 6;
    c->synack_retries = 5;
    c->data_retries = 15;
    c->wscale = 7;
    c->timestamps = 1;
    c->sack = 1;
    c->synack_giveup_rst = 1;
    c->syncookies = 1;
    c->ephemeral_lo = 49152;
    c->ephemeral_hi = 65535;
    c->challenge_ack_limit = 1000;
    c->initial_cwnd_segs = 10;
    /* RFC 8985 RACK-TLP, as Linux, FreeBSD and Windows run by default: a lost retransmission
     * or tail is found in about an RTT instead of waiting for the RTO */
    c->rack = 1;
    c->notsent_lowat = UINT32_MAX;
    memcpy(c->cc, "cubic", 6);
    c->fastopen_client = SYNACK_TFO_CLIENT_ENABLE;
    c->fastopen_cache_max = 64;
    c->ecn = 2; /* Linux's default: never ask, so no path that drops ECT traffic is risked */
    c->reasm_max_datagrams = 64;
    c->reasm_max_bytes = 256u << 10;
    c->reasm_max_frags = 64;
    c->reasm_timeout_us = 30000000;
    c->pmtu_cache_size = 64;
    c->pmtu_expire_us = 600ull * 1000000;
    c->route_table_size = 16;
    c->base_mss = 1024;
    c->probe_threshold = 8;
    c->probe_interval_us = 600ull * 1000000;
    c->tso_min_segs = 2; /* Linux's tcp_min_tso_segs */
    c->cwnd_restart = 1;
    c->dad_transmits = 1;
    c->mld_reports = 2;
    c->router_solicits = SYNACK_RTR_SOLICITS_AUTO;
    c->ack_every_segs = TCP_ACK_EVERY_SEGS;
    c->addr6_max = 8;
}

static void *counted_alloc(void *ctx, size_t size)
{
    synack_stack *st = ctx;
    void *p = st->user_alloc->alloc(st->user_alloc->ctx, size);
    if (!p)
        return NULL;
    st->mem_in_use += size;
    if (st->mem_in_use > st->mem_high)
        st->mem_high = st->mem_in_use;
    return p;
}

static void counted_free(void *ctx, void *p, size_t size)
{
    synack_stack *st = ctx;
    st->mem_in_use -= size;
    st->user_alloc->free(st->user_alloc->ctx, p, size);
}

/* Ring storage: counted like everything else, and bounded as a whole by max_buffer_bytes,
 * so many connections' windows cannot add up to unbounded memory. A refused growth shows
 * up as a dropped segment (NoMemory) or a short send, never as a crash. */
static void *buffer_alloc(void *ctx, size_t size)
{
    synack_stack *st = ctx;
    if (st->buf_in_use + size > st->cfg.max_buffer_bytes)
        return NULL; /* the caller counts what it had to drop */
    void *p = counted_alloc(ctx, size);
    if (p) {
        st->buf_in_use += size;
        ring_poison(p, size);
    }
    return p;
}

static void buffer_free(void *ctx, void *p, size_t size)
{
    synack_stack *st = ctx;
    st->buf_in_use -= size;
    ring_poison(p, size); /* what a connection carried must not outlive it in the heap */
    counted_free(ctx, p, size);
}

void *stack_alloc(synack_stack *st, size_t size)
{
    void *p = st->mem.alloc(st->mem.ctx, size);
    if (!p)
        stack_count(st, SYNACK_CTR_NoMemory);
    return p;
}

void stack_free(synack_stack *st, void *p, size_t size)
{
    if (p)
        st->mem.free(st->mem.ctx, p, size);
}

void stack_emit(synack_stack *st, synack_event *ev)
{
    /* Once the host asked for the stack to be freed, its context may be gone too. */
    if (!st->cfg.on_event || st->free_pending)
        return;
    ev->t_us = st->now;
    st->cb_depth++;
    st->cfg.on_event(st->cfg.event_ctx, ev);
    st->cb_depth--;
}

void stack_drop(synack_stack *st, const synack_endpoints *ep, synack_counter c, const char *reason)
{
    if (c < SYNACK_CTR_COUNT)
        st->counters[c]++;
    if (!stack_tracing(st))
        return;
    synack_event ev = {.type = SYNACK_EV_DROP, .sock = -1};
    if (ep) {
        ev.has_conn = 1;
        ev.conn = *ep;
    }
    ev.u.drop.reason = reason;
    stack_emit(st, &ev);
}

void stack_note(synack_stack *st, const char *text)
{
    synack_event ev = {.type = SYNACK_EV_NOTE, .sock = -1};
    ev.u.note.text = text;
    stack_emit(st, &ev);
}

void stack_app_event(synack_stack *st, const char *call, int sock, long ret)
{
    if (!stack_tracing(st))
        return;
    synack_event ev = {.type = SYNACK_EV_APP, .sock = sock};
    ev.u.app.call = call;
    ev.u.app.sock = sock;
    ev.u.app.ret = ret;
    stack_emit(st, &ev);
}

static int get_entropy(synack_stack *st, void *buf, size_t len)
{
    if (st->cfg.entropy) {
        st->cb_depth++;
        int rc = st->cfg.entropy(st->cfg.entropy_ctx, buf, len);
        st->cb_depth--;
        return rc;
    }
    /* Deterministic: derived from the seed (simulation and tests only). */
    uint8_t *b = buf;
    for (size_t i = 0; i < len; i++) {
        if (i % 8 == 0) {
            uint64_t v = rng_next(&st->rng);
            for (size_t k = 0; k < 8 && i + k < len; k++)
                b[i + k] = (uint8_t)(v >> (8 * k));
        }
    }
    return 0;
}

/* Frees a stack that failed half-way through creation (nothing else refers to it yet). */
static void free_partial(synack_stack *st)
{
    const synack_allocator *ua = st->user_alloc;
    stack_free(st, st->txbuf, st->txcap);
    stack_free(st, st->socks, st->socks ? sizeof(synack_sock) * st->cfg.max_sockets : 0);
    ct_destroy(&st->conns);
    ua->free(ua->ctx, st, sizeof(*st));
}

int synack_stack_create(const synack_config *cfg, synack_stack **out, const char **field)
{
    if (out)
        *out = NULL;
    int rc = synack_config_check(cfg, field);
    if (rc != 0)
        return rc;
    if (!out)
        return -EINVAL; /* checked after the config, so *field stays meaningful */
    /* The program's fields over this build's defaults (its synack.h may be older). */
    synack_config imported;
    config_import(&imported, cfg, cfg->size);
    cfg = &imported;
    const synack_allocator *ua = cfg->allocator ? cfg->allocator : synack_allocator_libc();
    synack_stack *st = ua->alloc(ua->ctx, sizeof(*st));
    if (!st)
        return -ENOMEM;
    memset(st, 0, sizeof(*st));
    st->cfg = *cfg;
    config_apply_profile(&st->cfg);
    st->user_alloc = ua;
    st->mem.alloc = counted_alloc;
    st->mem.free = counted_free;
    st->mem.ctx = st;
    st->bufmem.alloc = buffer_alloc;
    st->bufmem.free = buffer_free;
    st->bufmem.ctx = st;
    st->mem_in_use = st->mem_high = sizeof(*st);
    rng_seed(&st->rng, cfg->seed);
    uint8_t seed[8];
    if ((rc = get_entropy(st, st->isn_key, 16)) != 0 ||
        (rc = get_entropy(st, st->cookie_key, 16)) != 0 ||
        (rc = get_entropy(st, st->hash_key, 16)) != 0 || (rc = get_entropy(st, seed, 8)) != 0) {
        ua->free(ua->ctx, st, sizeof(*st));
        if (field)
            *field = "entropy";
        return rc < 0 ? rc : -EIO; /* a callback that breaks its contract still fails */
    }
    uint64_t s = 0;
    memcpy(&s, seed, sizeof(s));
    rng_seed(&st->rng, s ^ cfg->seed);
    tcp_fastopen_key_init(st);
    tw_init(&st->wheel, 0);
    st->sock_free = -1;
    st->ready_head = st->ready_tail = -1;
    st->chack_window = UINT64_MAX; /* the first challenge ACK opens the first one-second window */
    st->txcap = cfg->netif.mtu + 64;
    if (ip_tso_max(st) > 0 && ip_tso_max(st) + 160 > st->txcap)
        st->txcap = ip_tso_max(st) + 160; /* headers of a TSO super-frame */
    st->txbuf = stack_alloc(st, st->txcap);
    st->socks = stack_alloc(st, sizeof(synack_sock) * cfg->max_sockets);
    if (!st->txbuf || !st->socks || ct_init(&st->conns, &st->mem, st->hash_key, 64) != 0 ||
        arp_cache_init(st) != 0 || ip6_nd_init(st) != 0) {
        free_partial(st);
        return -ENOMEM;
    }
    memset(st->socks, 0, sizeof(synack_sock) * cfg->max_sockets);
    for (int i = (int)cfg->max_sockets - 1; i >= 0; i--) {
        st->socks[i].next_free = st->sock_free;
        st->sock_free = i;
    }
    uint32_t span = (uint32_t)cfg->ephemeral_hi - cfg->ephemeral_lo + 1;
    st->next_port = (uint16_t)(cfg->ephemeral_lo + rng_below(&st->rng, span));
    *out = st;
    return 0;
}

synack_stack *synack_stack_new(const synack_config *cfg)
{
    synack_stack *st = NULL;
    return synack_stack_create(cfg, &st, NULL) == 0 ? st : NULL;
}

static void collect(ct_node *n, void *ctx)
{
    tcp_conn **list = ctx;
    tcp_conn *c = tcp_conn_of(n);
    /* Link through the wheel node (an idle connection has no queue links): its timer is
     * cancelled first, so tcp_conn_free's cancel finds it unarmed. */
    tw_cancel(&c->st->wheel, &c->tnode);
    c->tnode.next = (tw_node *)(void *)*list;
    *list = c;
}

void stack_hook_add(synack_stack *st, stack_hook *h)
{
    h->next = st->hooks;
    st->hooks = h;
}

void stack_hook_remove(synack_stack *st, stack_hook *h)
{
    for (stack_hook **pp = &st->hooks; *pp; pp = &(*pp)->next) {
        if (*pp == h) {
            *pp = h->next;
            h->next = NULL;
            return;
        }
    }
}

void stack_output_gone(synack_stack *st, const void *ctx)
{
    if (st->cfg.netif.output_ctx == ctx)
        st->output_gone = 1;
}

/* Tells everything that points at the stack to forget it; each hook runs once. */
static void run_free_hooks(synack_stack *st)
{
    while (st->hooks) {
        stack_hook *h = st->hooks;
        st->hooks = h->next;
        h->next = NULL;
        h->on_free(h);
    }
}

static void stack_destroy(synack_stack *st);

void synack_stack_free(synack_stack *st)
{
    if (!st)
        return;
    run_free_hooks(st);
    if (st->cb_depth > 0) {
        /* Called from inside one of our callbacks: the code that ran it still holds st.
         * The outermost public call frees it on its way out (stack_api_return). */
        st->free_pending = 1;
        return;
    }
    stack_destroy(st);
}

void stack_api_return(synack_stack *st)
{
    if (st->free_pending && st->cb_depth == 0)
        stack_destroy(st);
}

static void stack_destroy(synack_stack *st)
{
    tcp_conn *list = NULL;
    tcp_tw_free_all(st);
    /* Detach every connection from its queues first, then free them. */
    for (tcp_listener *l = st->listeners; l; l = l->next) {
        tcp_listen_free_reset(l); /* out of the table, so not collected below */
        l->syn_head = l->syn_tail = l->acc_head = l->acc_tail = NULL;
    }
    ct_foreach(&st->conns, collect, &list);
    while (list) {
        tcp_conn *c = list;
        list = (tcp_conn *)(void *)c->tnode.next;
        c->tnode.next = NULL;
        c->queue = TCPQ_NONE;
        if (c->x) {
            c->x->q_prev = c->x->q_next = NULL;
            c->x->listener = NULL;
        }
        c->sock = -1;
        tcp_conn_free(c);
    }
    while (st->listeners) {
        tcp_listener *l = st->listeners;
        st->listeners = l->next;
        stack_free(st, l, sizeof(*l));
    }
    arp_cache_destroy(st);
    ip6_nd_destroy(st);
    addr6x_destroy(st);
    tfo_cache_free(st);
    ip_frag_destroy(st);
    ip_pmtu_destroy(st);
    route_destroy(st);
    ct_destroy(&st->conns);
    udp_destroy(st);
    for (uint32_t i = 0; i < st->cfg.max_sockets; i++) {
        sock_errq_free(st, &st->socks[i]);
        sock_left_free(st, &st->socks[i]);
    }
    stack_free(st, st->socks, sizeof(synack_sock) * st->cfg.max_sockets);
    stack_free(st, st->txbuf, st->txcap);
    const synack_allocator *ua = st->user_alloc;
    ua->free(ua->ctx, st, sizeof(*st));
}

int synack_rotate_secrets(synack_stack *st)
{
    if (!st)
        return -EINVAL;
    if (st->cb_depth > 0)
        return -EBUSY; /* not from inside a callback: see stack_impl.h */
    uint8_t isn[16], cookie[16];
    int rc = get_entropy(st, isn, sizeof(isn));
    if (rc == 0)
        rc = get_entropy(st, cookie, sizeof(cookie));
    if (rc || st->free_pending) {
        stack_api_return(st);
        return rc;
    }
    /* ISNs of new connections change; established ones keep their sequence space, and
     * each TCB stores its own TSval offset. */
    memcpy(st->isn_key, isn, sizeof(isn));
    memcpy(st->cookie_key_old, st->cookie_key, sizeof(cookie));
    memcpy(st->cookie_key, cookie, sizeof(cookie));
    st->cookie_key_since = st->now ? st->now : 1;
    tcp_fastopen_key_rotate(st);
    return 0;
}

int stack_time_check(const synack_stack *st, uint64_t now)
{
    /* Deadlines are now + a timeout; below the ceiling that sum cannot wrap, and a clock
     * that went backwards would make every armed deadline wrong. */
    return now > SYNACK_TIME_MAX || now < st->now ? -EINVAL : 0;
}

int synack_set_time(synack_stack *st, uint64_t now)
{
    if (!st)
        return -EINVAL;
    if (st->cb_depth > 0)
        return -EBUSY; /* the engine is mid-operation at the current time */
    int rc = stack_time_check(st, now);
    if (rc == 0)
        st->now = now;
    return rc;
}

int synack_poll(synack_stack *st, uint64_t now)
{
    if (!st)
        return -EINVAL;
    int rc = synack_set_time(st, now);
    if (rc)
        return rc;
    tw_node *n;
    /* Timers are not batched (tcp/batch.c): their outputs go now, inside a batch too. */
    uint8_t batch_on = st->batch_on;
    st->batch_on = 0;
    while (!st->free_pending && (n = tw_expire(&st->wheel, st->now)) != NULL)
        tcp_timers_run(tcp_conn_of_timer(n), st->now);
    st->batch_on = batch_on;
    if (!st->free_pending)
        tcp_tw_expire(st);
    if ((st->arp.head || st->arp.probing) && !st->free_pending)
        arp_poll(st);
    if (!st->free_pending)
        ip_frag_poll(st);
    if (!st->free_pending)
        ip6_nd_poll(st);
    stack_api_return(st);
    return 0;
}

uint64_t synack_next_deadline(synack_stack *st)
{
    if (!st)
        return UINT64_MAX;
    uint64_t t = tw_next_deadline(&st->wheel);
    uint64_t tw = tcp_tw_next_deadline(st);
    if (tw < t)
        t = tw;
    uint64_t nd = ip6_nd_deadline(st);
    if (nd < t)
        t = nd;
    uint64_t a = arp_deadline(st);
    if (a < t)
        t = a;
    uint64_t f = ip_frag_next_deadline(st);
    return f < t ? f : t;
}

static const char *const counter_names[SYNACK_CTR_COUNT] = {
#define SYNACK_COUNTER_NAME(name) #name,
    SYNACK_COUNTERS(SYNACK_COUNTER_NAME)
#undef SYNACK_COUNTER_NAME
};

const char *synack_counter_name(synack_counter c)
{
    return (unsigned)c < SYNACK_CTR_COUNT ? counter_names[c] : "?";
}

uint64_t synack_counter_get(const synack_stack *st, synack_counter c)
{
    return st && (unsigned)c < SYNACK_CTR_COUNT ? st->counters[c] : 0;
}

void synack_emit_counters(synack_stack *st)
{
    if (!st)
        return;
    for (int i = 0; i < SYNACK_CTR_COUNT; i++) {
        if (!st->counters[i])
            continue;
        synack_event ev = {.type = SYNACK_EV_COUNTER, .sock = -1};
        ev.u.counter.name = counter_names[i];
        ev.u.counter.value = st->counters[i];
        stack_emit(st, &ev);
    }
    stack_api_return(st);
}

size_t synack_mem_in_use(const synack_stack *st)
{
    return st ? st->mem_in_use : 0;
}
size_t synack_mem_high_water(const synack_stack *st)
{
    return st ? st->mem_high : 0;
}

struct visit_ctx {
    const synack_stack *st;
    synack_conn_visit_fn fn;
    void *ctx;
};

static void visit_conn(ct_node *n, void *arg)
{
    struct visit_ctx *v = arg;
    synack_conn_view view = {0};
    if (ct_is_tw(n)) {
        const tcp_tw *tw = tcp_tw_of(n);
        tcp_tw_endpoints(v->st, tw, &view.ep);
        view.state = SYNACK_TIME_WAIT;
        view.sock = -1;
        view.timer = "time-wait";
        view.timer_at = tw->expires;
        v->fn(v->ctx, &view);
        return;
    }
    tcp_conn *c = tcp_conn_of(n);
    tcp_conn_endpoints(c, &view.ep);
    view.state = c->state;
    view.sock = c->sock;
    view.recv_q = c->x ? recvbuf_ready(&c->x->rcv) : 0;
    view.send_q = c->snd_max - c->snd_una;
    view.timer = "";
    uint64_t best = UINT64_MAX;
    for (int t = 0; t < TT_COUNT; t++) {
        if (tcp_deadline(c, (tcp_timer)t) < best) {
            best = tcp_deadline(c, (tcp_timer)t);
            view.timer = tcp_timer_name((tcp_timer)t);
        }
    }
    view.timer_at = best;
    v->fn(v->ctx, &view);
}

void synack_foreach_conn(synack_stack *st, synack_conn_visit_fn fn, void *ctx)
{
    if (!st || !fn)
        return;
    /* The visitor may call back into the stack; a free it asks for waits until the walk
     * is over (the tables are being walked). */
    st->cb_depth++;
    for (tcp_listener *l = st->listeners; l && !st->free_pending; l = l->next) {
        synack_conn_view view = {0};
        view.ep.laddr = l->laddr;
        view.ep.lport = l->lport;
        if (l->v6 && !l->laddr) { /* an AF_INET6 listener on :: or an IPv6 address */
            view.ep.family = SYNACK_AF_INET6;
            if (l->bound6)
                memcpy(view.ep.laddr6, st->socks[l->sock].laddr6, 16);
        }
        view.state = SYNACK_LISTEN;
        view.sock = l->sock;
        view.recv_q = l->acc_len;
        view.send_q = l->backlog;
        view.timer = "";
        view.timer_at = UINT64_MAX;
        fn(ctx, &view);
    }
    struct visit_ctx v = {st, fn, ctx};
    if (!st->free_pending)
        ct_foreach(&st->conns, visit_conn, &v);
    st->cb_depth--;
    stack_api_return(st);
}
