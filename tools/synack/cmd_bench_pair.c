/* SPDX-License-Identifier: MIT */
/* synack bench — the lean two-stack driver: two stacks back to back in one thread.
 *
 * The in-memory link (src/sim/memlink.c) mallocs and copies every frame and delivers it
 * from its run loop; for the benchmarks that per-frame cost would be measured as if it
 * were the stack's. Here a frame goes straight into the other stack's synack_input()
 * while the sending stack's output callback runs, whenever that is safe: the receiving
 * stack must not already be inside a call (ARCHITECTURE.md: an output callback must not
 * re-enter a stack) and nothing may be queued towards it (frames stay in order). Else it
 * is copied into a preallocated byte ring and delivered by bench_pair_pump(). */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "cmd_bench.h"

/* A ring record: an 8-byte header, then the frame padded to 8 bytes. A header whose
 * length is RING_WRAP says "continue at offset 0". */
#define RING_HDR 8u
#define RING_WRAP 0xffffffffu

static size_t rec_size(size_t len)
{
    return RING_HDR + ((len + 7u) & ~(size_t)7u);
}

static void put32(uint8_t *p, uint32_t v)
{
    memcpy(p, &v, sizeof v);
}
static uint32_t get32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

static int q_init(bench_q *q, size_t cap)
{
    memset(q, 0, sizeof(*q));
    q->buf = malloc(cap);
    if (!q->buf)
        return -ENOMEM;
    q->cap = cap;
    return 0;
}

/* Copies a frame in; returns 0 or -ENOBUFS when the ring is full. */
static int q_push(bench_q *q, const uint8_t *frame, size_t len)
{
    size_t need = rec_size(len);
    if (q->count == 0)
        q->head = q->tail = 0;
    if (q->tail >= q->head) {
        /* Free space is [tail, cap) and [0, head). */
        if (q->cap - q->tail < need) {
            if (q->head <= need) /* strictly more than need at the start, or it looks empty */
                return -ENOBUFS;
            if (q->cap - q->tail >= RING_HDR)
                put32(q->buf + q->tail, RING_WRAP);
            q->tail = 0;
        }
    } else if (q->head - q->tail <= need) {
        return -ENOBUFS;
    }
    put32(q->buf + q->tail, (uint32_t)len);
    memcpy(q->buf + q->tail + RING_HDR, frame, len);
    q->tail += need;
    q->count++;
    return 0;
}

/* The oldest frame (not removed), or NULL. */
static const uint8_t *q_peek(bench_q *q, size_t *len)
{
    if (q->count == 0)
        return NULL;
    if (q->cap - q->head < RING_HDR || get32(q->buf + q->head) == RING_WRAP)
        q->head = 0;
    *len = get32(q->buf + q->head);
    return q->buf + q->head + RING_HDR;
}

static void q_pop(bench_q *q, size_t len)
{
    q->head += rec_size(len);
    if (--q->count == 0)
        q->head = q->tail = 0;
}

/* The netif output of side ctx->side. */
static int pair_output(void *vctx, const uint8_t *frame, size_t len)
{
    bench_out_ctx *ctx = vctx;
    bench_pair *p = ctx->p;
    int to = 1 - ctx->side;
    if (p->direct && !p->busy[to] && p->q[to].count == 0) {
        p->busy[to] = 1;
        p->frames[to]++;
        p->bytes[to] += len;
        synack_input(p->st[to], p->now, frame, len);
        p->busy[to] = 0;
        return 0;
    }
    if (q_push(&p->q[to], frame, len) != 0) {
        p->drops++;
        return -ENOBUFS;
    }
    return 0;
}

void bench_config(synack_config *cfg, uint32_t mtu)
{
    synack_config_default(cfg);
    cfg->netif.type = SYNACK_LINK_IP;
    cfg->netif.prefix_len = 24;
    cfg->netif.mtu = mtu;
    synack_config_deterministic(cfg, 42); /* runs compare only if they repeat */
    cfg->on_event = NULL;
}

void bench_config_ipv6(synack_config *cfg)
{
    static const uint8_t client6[16] = BENCH_ADDR6(1);
    memcpy(cfg->netif.addr6, client6, 16);
    cfg->netif.prefix6_len = 64;
}

int bench_pair_init(bench_pair *p, const synack_config *base, size_t ring_bytes, int direct,
                    uint64_t step_us)
{
    memset(p, 0, sizeof(*p));
    p->direct = direct;
    p->step_us = step_us;
    p->now = 1000000; /* start at 1 s: a zero time is nothing special, but is unusual */
    static const uint8_t none[16];
    p->ipv6 = memcmp(base->netif.addr6, none, 16) != 0;
    for (int i = 0; i < 2; i++) {
        p->ctx[i].p = p;
        p->ctx[i].side = i;
        if (q_init(&p->q[i], ring_bytes) != 0) {
            bench_pair_free(p);
            return -ENOMEM;
        }
    }
    for (int i = 0; i < 2; i++) {
        synack_config cfg = *base;
        cfg.netif.addr = i == 0 ? BENCH_CLIENT_ADDR : BENCH_SERVER_ADDR;
        if (p->ipv6) {
            static const uint8_t a6[2][16] = {BENCH_ADDR6(1), BENCH_ADDR6(2)};
            memcpy(cfg.netif.addr6, a6[i], 16);
        }
        cfg.netif.output = pair_output;
        cfg.netif.output_ctx = &p->ctx[i];
        cfg.seed = base->seed + (uint64_t)i;
        p->st[i] = synack_stack_new(&cfg);
        if (!p->st[i]) {
            bench_pair_free(p);
            return -ENOMEM;
        }
        synack_set_time(p->st[i], p->now);
    }
    return 0;
}

void bench_pair_free(bench_pair *p)
{
    for (int i = 0; i < 2; i++) {
        if (p->st[i])
            synack_stack_free(p->st[i]);
        p->st[i] = NULL;
        free(p->q[i].buf);
        p->q[i].buf = NULL;
    }
}

/* Runs the timers of both stacks that are due now. */
static void run_due(bench_pair *p)
{
    for (int i = 0; i < 2; i++) {
        if (synack_next_deadline(p->st[i]) <= p->now) {
            p->busy[i] = 1;
            synack_poll(p->st[i], p->now);
            p->busy[i] = 0;
        }
    }
}

uint64_t bench_pair_pump(bench_pair *p)
{
    uint64_t delivered = 0;
    for (;;) {
        int any = 0;
        for (int i = 0; i < 2; i++) {
            const uint8_t *f;
            size_t len;
            while ((f = q_peek(&p->q[i], &len)) != NULL) {
                p->busy[i] = 1;
                p->frames[i]++;
                p->bytes[i] += len;
                synack_input(p->st[i], p->now, f, len);
                p->busy[i] = 0;
                q_pop(&p->q[i], len);
                delivered++;
                any = 1;
            }
        }
        run_due(p);
        if (!any && p->q[0].count == 0 && p->q[1].count == 0)
            break;
        p->now += p->step_us;
    }
    return delivered;
}

int bench_pair_wait(bench_pair *p, uint64_t limit)
{
    uint64_t t = UINT64_MAX;
    for (int i = 0; i < 2; i++) {
        uint64_t d = synack_next_deadline(p->st[i]);
        if (d < t)
            t = d;
    }
    if (t == UINT64_MAX || t > limit)
        return 0;
    if (t > p->now)
        p->now = t;
    run_due(p);
    bench_pair_pump(p);
    return 1;
}

int bench_zero_copy;

ssize_t bench_send(bench_pair *p, int side, int s, const void *buf, size_t len)
{
    bench_enter(p, side);
    ssize_t n;
    if (bench_zero_copy) {
        void *room;
        n = synack_send_reserve(p->st[side], s, &room, len);
        if (n > 0)
            n = synack_send_commit(p->st[side], s, (size_t)n);
    } else {
        n = synack_send(p->st[side], s, buf, len, 0);
    }
    bench_leave(p, side);
    return n;
}

ssize_t bench_recv(bench_pair *p, int side, int s, void *buf, size_t len)
{
    bench_enter(p, side);
    ssize_t n;
    if (bench_zero_copy) {
        const void *data;
        n = synack_recv_borrow(p->st[side], s, &data);
        if (n > (ssize_t)len)
            n = (ssize_t)len;
        if (n > 0)
            n = synack_recv_release(p->st[side], s, (size_t)n);
    } else {
        n = synack_recv(p->st[side], s, buf, len, 0);
    }
    bench_leave(p, side);
    return n;
}

int bench_close(bench_pair *p, int side, int s)
{
    bench_enter(p, side);
    int rc = synack_close(p->st[side], s);
    bench_leave(p, side);
    return rc;
}

int bench_socket(bench_pair *p, int side)
{
    return p->ipv6 ? synack_socket_domain(p->st[side], SYNACK_AF_INET6, SOCK_STREAM)
                   : synack_socket(p->st[side], SOCK_STREAM);
}

/* The server's address and port in the pair's family. */
typedef union pair_addr {
    struct sockaddr_in v4;
    struct synack_sockaddr_in6 v6;
} pair_addr;

static synack_socklen_t server_addr(const bench_pair *p, uint16_t port, pair_addr *a)
{
    memset(a, 0, sizeof(*a));
    if (p->ipv6) {
        static const uint8_t server6[16] = BENCH_ADDR6(2);
        a->v6.sin6_family = SYNACK_AF_INET6;
        a->v6.sin6_port = htons(port);
        memcpy(a->v6.sin6_addr.s6_bytes, server6, 16);
        return (synack_socklen_t)sizeof(a->v6);
    }
    a->v4.sin_family = AF_INET;
    a->v4.sin_port = htons(port);
    a->v4.sin_addr.s_addr = htonl(BENCH_SERVER_ADDR);
    return (synack_socklen_t)sizeof(a->v4);
}

int bench_connect(bench_pair *p, int s, uint16_t port)
{
    pair_addr a;
    synack_socklen_t len = server_addr(p, port, &a);
    bench_enter(p, 0);
    int rc = synack_connect(p->st[0], s, (const struct sockaddr *)&a, len);
    bench_leave(p, 0);
    return rc;
}

int bench_listen(bench_pair *p, uint16_t port, int backlog)
{
    synack_stack *st = p->st[1];
    int s = bench_socket(p, 1);
    if (s < 0)
        return s;
    pair_addr a;
    synack_socklen_t len = server_addr(p, port, &a);
    int rc = synack_bind(st, s, (const struct sockaddr *)&a, len);
    if (rc == 0)
        rc = synack_listen(st, s, backlog);
    if (rc < 0) {
        synack_close(st, s);
        return rc;
    }
    return s;
}

int bench_setopt(bench_pair *p, int side, int s, int level, int name, int val)
{
    return synack_setsockopt(p->st[side], s, level, name, &val, sizeof val);
}

int bench_pair_connect_one(bench_pair *p, uint16_t port, int *cs, int *ss)
{
    int ls = bench_listen(p, port, 16);
    if (ls < 0)
        return ls;
    bench_setopt(p, 1, ls, IPPROTO_TCP, TCP_NODELAY, 1);
    *cs = bench_socket(p, 0);
    if (*cs < 0)
        return *cs;
    bench_setopt(p, 0, *cs, IPPROTO_TCP, TCP_NODELAY, 1);
    int rc = bench_connect(p, *cs, port);
    if (rc < 0 && rc != -EINPROGRESS)
        return rc;
    bench_pair_pump(p);
    *ss = synack_accept(p->st[1], ls, NULL, NULL);
    if (*ss < 0)
        return *ss;
    bench_setopt(p, 1, *ss, IPPROTO_TCP, TCP_NODELAY, 1);
    return 0;
}

/* ---- a caching allocator: freed blocks wait on a per-size free list ---- */

/* One size class: blocks of exactly `size` bytes. */
typedef struct cache_class {
    size_t size; /* block size */
    void *head;  /* free blocks, linked through their first word */
} cache_class;

#define CACHE_CLASSES 64

struct bench_cache {
    cache_class cls[CACHE_CLASSES]; /* size classes seen so far */
    int ncls;                       /* classes used */
    synack_allocator a;             /* the allocator handed to stacks */
};

static cache_class *cache_find(bench_cache *c, size_t size)
{
    for (int i = 0; i < c->ncls; i++)
        if (c->cls[i].size == size)
            return &c->cls[i];
    if (c->ncls == CACHE_CLASSES)
        return NULL;
    c->cls[c->ncls].size = size;
    c->cls[c->ncls].head = NULL;
    return &c->cls[c->ncls++];
}

static void *cache_alloc(void *ctx, size_t size)
{
    cache_class *k = size >= sizeof(void *) ? cache_find(ctx, size) : NULL;
    if (k && k->head) {
        void *p = k->head;
        memcpy(&k->head, p, sizeof(void *));
        return p;
    }
    return malloc(size);
}

static void cache_free(void *ctx, void *p, size_t size)
{
    cache_class *k = size >= sizeof(void *) ? cache_find(ctx, size) : NULL;
    if (!k) {
        free(p);
        return;
    }
    memcpy(p, &k->head, sizeof(void *));
    k->head = p;
}

bench_cache *bench_cache_new(void)
{
    bench_cache *c = calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    c->a.alloc = cache_alloc;
    c->a.free = cache_free;
    c->a.ctx = c;
    return c;
}

const synack_allocator *bench_cache_allocator(bench_cache *c)
{
    return &c->a;
}

void bench_cache_free(bench_cache *c)
{
    if (!c)
        return;
    for (int i = 0; i < c->ncls; i++) {
        while (c->cls[i].head) {
            void *p = c->cls[i].head;
            memcpy(&c->cls[i].head, p, sizeof(void *));
            free(p);
        }
    }
    free(c);
}
