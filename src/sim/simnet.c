/* SPDX-License-Identifier: MIT */
/* The simulated network: hosts on one IPv4 segment, directed links with faults
 * (sim/fault.c), and one time-ordered queue of frames in flight. */
#include "synack/simnet.h"

#include <errno.h>
#include <string.h>

#include "sim/fault.h"
#include "util/rng.h"

/* Frames up to this many bytes get a block of this size, and freed blocks are kept for
 * reuse (at most SIM_SPARE_MAX of them): no allocator call per frame in a bulk transfer. */
#define SIM_SMALL_FRAME 2048u
#define SIM_SPARE_MAX 256u

/* A frame in flight. */
typedef struct sim_frame {
    struct sim_frame *next_spare; /* link in the spare list while unused */
    uint64_t at;                  /* arrival time */
    uint64_t seq;                 /* network-wide send order: ties at equal `at` go in this order */
    int from;                     /* sending host, -1 for an injected frame */
    int to;                       /* receiving host */
    size_t len;                   /* bytes */
    size_t cap;                   /* room in data[] (SIM_SMALL_FRAME, or len for a larger frame) */
    uint8_t data[];               /* the frame */
} sim_frame;

/* One host: a stack and the context its netif sends through. */
typedef struct sim_host {
    synack_simnet *net; /* back pointer, for the output callback */
    int index;          /* host index */
    uint32_t addr;      /* IPv4 address, host byte order */
    uint8_t addr6[16];  /* IPv6 address (netif.addr6); all zero: none */
    synack_stack *st;   /* the stack, owned by the network */
} sim_host;

struct synack_simnet {
    const synack_allocator *a; /* where every byte comes from */
    synack_rng rng;            /* the one PRNG behind every fault decision */
    uint64_t now;              /* the network's clock */
    uint64_t next_seq;         /* send-order stamp for the next frame */
    size_t max_inflight;       /* bound on frames in flight */

    sim_host **hosts;   /* hosts by index */
    int nhosts;         /* hosts in use */
    int cap;            /* room in hosts[] and in each dimension of links[] */
    fault_link **links; /* links[from * cap + to], allocated with each host */

    sim_frame *spare; /* freed small frames, for reuse */
    size_t nspare;    /* how many */
    sim_frame **heap; /* binary min-heap on (at, seq) */
    size_t nheap;     /* frames in flight */
    size_t heap_cap;  /* room in heap[] */

    uint64_t unroutable;            /* frames to an address no host owns, or not IP */
    synack_simnet_tap_fn tap;       /* observer of every frame */
    void *tap_ctx;                  /* its context */
    synack_simnet_filter_fn filter; /* drops frames at send time, before the link */
    void *filter_ctx;               /* its context */
};

static const synack_link_stats no_stats;

/* ---- the event queue ---- */

static int frame_before(const sim_frame *x, const sim_frame *y)
{
    return x->at < y->at || (x->at == y->at && x->seq < y->seq);
}

static int heap_push(synack_simnet *n, sim_frame *f)
{
    if (n->nheap >= n->max_inflight)
        return -ENOBUFS;
    if (n->nheap == n->heap_cap) {
        size_t cap = n->heap_cap ? n->heap_cap * 2 : 256;
        if (cap > n->max_inflight)
            cap = n->max_inflight;
        sim_frame **h = n->a->alloc(n->a->ctx, cap * sizeof(*h));
        if (!h)
            return -ENOMEM;
        if (n->heap) {
            memcpy(h, n->heap, n->nheap * sizeof(*h));
            n->a->free(n->a->ctx, n->heap, n->heap_cap * sizeof(*h));
        }
        n->heap = h;
        n->heap_cap = cap;
    }
    size_t i = n->nheap++;
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (!frame_before(f, n->heap[parent]))
            break;
        n->heap[i] = n->heap[parent];
        i = parent;
    }
    n->heap[i] = f;
    return 0;
}

static sim_frame *heap_pop(synack_simnet *n)
{
    sim_frame *top = n->heap[0];
    sim_frame *last = n->heap[--n->nheap];
    size_t i = 0;
    for (;;) {
        size_t l = 2 * i + 1;
        if (l >= n->nheap)
            break;
        size_t c = l + 1 < n->nheap && frame_before(n->heap[l + 1], n->heap[l]) ? l + 1 : l;
        if (!frame_before(n->heap[c], last))
            break;
        n->heap[i] = n->heap[c];
        i = c;
    }
    if (n->nheap)
        n->heap[i] = last;
    return top;
}

static sim_frame *frame_alloc(synack_simnet *n, size_t len)
{
    if (len <= SIM_SMALL_FRAME && n->spare) {
        sim_frame *f = n->spare;
        n->spare = f->next_spare;
        n->nspare--;
        return f;
    }
    size_t cap = len <= SIM_SMALL_FRAME ? SIM_SMALL_FRAME : len;
    sim_frame *f = n->a->alloc(n->a->ctx, sizeof(*f) + cap);
    if (f)
        f->cap = cap;
    return f;
}

static void frame_release(synack_simnet *n, sim_frame *f)
{
    n->a->free(n->a->ctx, f, sizeof(*f) + f->cap);
}

static void frame_free(synack_simnet *n, sim_frame *f)
{
    if (f->cap == SIM_SMALL_FRAME && n->nspare < SIM_SPARE_MAX) {
        f->next_spare = n->spare;
        n->spare = f;
        n->nspare++;
        return;
    }
    frame_release(n, f);
}

/* Copies a frame into the queue. Returns 0 or a negative errno (not queued). */
static int enqueue(synack_simnet *n, int from, int to, uint64_t at, const uint8_t *data, size_t len,
                   long flip_bit)
{
    if (n->nheap >= n->max_inflight)
        return -ENOBUFS;
    sim_frame *f = frame_alloc(n, len);
    if (!f)
        return -ENOMEM;
    f->at = at;
    f->seq = n->next_seq++;
    f->from = from;
    f->to = to;
    f->len = len;
    if (len)
        memcpy(f->data, data, len);
    if (flip_bit >= 0)
        f->data[flip_bit / 8] ^= (uint8_t)(0x80u >> (flip_bit % 8));
    int rc = heap_push(n, f);
    if (rc != 0)
        frame_free(n, f);
    return rc;
}

/* ---- hosts and links ---- */

static fault_link *link_of(synack_simnet *n, int from, int to)
{
    return n->links[(size_t)from * (size_t)n->cap + (size_t)to];
}

static int host_by_addr(const synack_simnet *n, uint32_t addr)
{
    for (int i = 0; i < n->nhosts; i++)
        if (n->hosts[i]->addr == addr)
            return i;
    return -1;
}

static int host_by_addr6(const synack_simnet *n, const uint8_t addr6[16])
{
    static const uint8_t none[16];
    if (memcmp(addr6, none, 16) == 0)
        return -1;
    for (int i = 0; i < n->nhosts; i++)
        if (memcmp(n->hosts[i]->addr6, addr6, 16) == 0)
            return i;
    return -1;
}

/* The host a frame is for: by its IPv4 destination (RFC 791 3.1, bytes 16-19) or its
 * IPv6 one (RFC 8200 3, bytes 24-39); -1 for no host or another version. */
static int frame_host(const synack_simnet *n, const uint8_t *p, size_t len)
{
    if (len >= 40 && (p[0] >> 4) == 6)
        return host_by_addr6(n, p + 24);
    if (len < 20 || (p[0] >> 4) != 4)
        return -1;
    uint32_t dst = (uint32_t)p[16] << 24 | (uint32_t)p[17] << 16 | (uint32_t)p[18] << 8 | p[19];
    return dst == 0 ? -1 : host_by_addr(n, dst);
}

static void tap_call(synack_simnet *n, int from, int to, uint64_t t, const uint8_t *frame,
                     size_t len, int delivered)
{
    if (n->tap)
        n->tap(n->tap_ctx, from, to, t, frame, len, delivered);
}

/* Puts a frame on the link from -> to (from >= 0) with an extra delay. */
static int link_send(synack_simnet *n, int from, int to, uint64_t extra, const uint8_t *frame,
                     size_t len)
{
    fault_link *l = link_of(n, from, to);
    fault_verdict v;
    fault_decide(l, n->a, &n->rng, n->now, frame, len, &v);
    if (v.fate != FAULT_PASS) {
        /* Loss and the bottleneck's tail drop happen out on the path: the sender cannot
         * tell, so its output call succeeds. */
        tap_call(n, from, to, n->now, frame, len, 0);
        return 0;
    }
    int rc = enqueue(n, from, to, v.at + extra, frame, len, v.flip_bit);
    if (rc != 0) {
        /* The network-wide bound (or memory) counts as a queue drop, and the sender
         * hears of it (OutDiscards), as from a full device queue. */
        l->stats.queue_drops++;
        tap_call(n, from, to, n->now, frame, len, 0);
        return rc;
    }
    if (v.dup && enqueue(n, from, to, v.dup_at + extra, frame, len, -1) != 0)
        l->stats.duplicated--; /* no room for the second copy after all */
    return 0;
}

/* The netif output of every host. */
static int host_output(void *ctx, const uint8_t *frame, size_t len)
{
    sim_host *h = ctx;
    synack_simnet *n = h->net;
    int to = frame_host(n, frame, len);
    if (to < 0) {
        n->unroutable++;
        tap_call(n, h->index, -1, n->now, frame, len, 0);
        return -EHOSTUNREACH;
    }
    if (n->filter && n->filter(n->filter_ctx, h->index, to, n->now, frame, len)) {
        link_of(n, h->index, to)->stats.sent++;
        link_of(n, h->index, to)->stats.lost++;
        tap_call(n, h->index, to, n->now, frame, len, 0);
        return 0;
    }
    return link_send(n, h->index, to, 0, frame, len);
}

synack_simnet *synack_simnet_new(const synack_allocator *a, uint64_t seed, size_t max_inflight)
{
    if (!a)
        a = synack_allocator_libc();
    if (!a->alloc || !a->free)
        return NULL;
    synack_simnet *n = a->alloc(a->ctx, sizeof(*n));
    if (!n)
        return NULL;
    memset(n, 0, sizeof(*n));
    n->a = a;
    n->max_inflight = max_inflight ? max_inflight : 1;
    rng_seed(&n->rng, seed);
    return n;
}

void synack_simnet_free(synack_simnet *n)
{
    if (!n)
        return;
    while (n->nheap)
        frame_release(n, heap_pop(n));
    while (n->spare) {
        sim_frame *f = n->spare;
        n->spare = f->next_spare;
        frame_release(n, f);
    }
    if (n->heap)
        n->a->free(n->a->ctx, n->heap, n->heap_cap * sizeof(*n->heap));
    for (int i = 0; i < n->nhosts; i++) {
        for (int j = 0; j < n->nhosts; j++) {
            fault_link *l = link_of(n, i, j);
            fault_link_destroy(l, n->a);
            n->a->free(n->a->ctx, l, sizeof(*l));
        }
        synack_stack_free(n->hosts[i]->st);
        n->a->free(n->a->ctx, n->hosts[i], sizeof(*n->hosts[i]));
    }
    if (n->hosts)
        n->a->free(n->a->ctx, n->hosts, (size_t)n->cap * sizeof(*n->hosts));
    if (n->links)
        n->a->free(n->a->ctx, n->links, (size_t)n->cap * (size_t)n->cap * sizeof(*n->links));
    n->a->free(n->a->ctx, n, sizeof(*n));
}

/* Makes room for one more host in hosts[] and links[]. */
static int grow(synack_simnet *n)
{
    if (n->nhosts < n->cap)
        return 0;
    if (n->cap >= 1024)
        return -ENOSPC;
    int cap = n->cap ? n->cap * 2 : 4;
    sim_host **hosts = n->a->alloc(n->a->ctx, (size_t)cap * sizeof(*hosts));
    fault_link **links = n->a->alloc(n->a->ctx, (size_t)cap * (size_t)cap * sizeof(*links));
    if (!hosts || !links) {
        if (hosts)
            n->a->free(n->a->ctx, hosts, (size_t)cap * sizeof(*hosts));
        if (links)
            n->a->free(n->a->ctx, links, (size_t)cap * (size_t)cap * sizeof(*links));
        return -ENOMEM;
    }
    memset(links, 0, (size_t)cap * (size_t)cap * sizeof(*links));
    for (int i = 0; i < n->nhosts; i++) {
        hosts[i] = n->hosts[i];
        for (int j = 0; j < n->nhosts; j++)
            links[(size_t)i * (size_t)cap + (size_t)j] = link_of(n, i, j);
    }
    if (n->hosts)
        n->a->free(n->a->ctx, n->hosts, (size_t)n->cap * sizeof(*n->hosts));
    if (n->links)
        n->a->free(n->a->ctx, n->links, (size_t)n->cap * (size_t)n->cap * sizeof(*n->links));
    n->hosts = hosts;
    n->links = links;
    n->cap = cap;
    return 0;
}

int synack_simnet_add_host(synack_simnet *n, const synack_config *cfg)
{
    if (!n || !cfg || cfg->netif.type != SYNACK_LINK_IP || cfg->netif.addr == 0)
        return -EINVAL;
    if (host_by_addr(n, cfg->netif.addr) >= 0 || host_by_addr6(n, cfg->netif.addr6) >= 0)
        return -EADDRINUSE;
    int rc = grow(n);
    if (rc != 0)
        return rc;
    int idx = n->nhosts;
    sim_host *h = n->a->alloc(n->a->ctx, sizeof(*h));
    if (!h)
        return -ENOMEM;
    memset(h, 0, sizeof(*h));
    h->net = n;
    h->index = idx;
    h->addr = cfg->netif.addr;
    memcpy(h->addr6, cfg->netif.addr6, 16);
    /* The links to and from every host, this one included, before anything can fail
     * half-way: a failure frees exactly what this call made. */
    for (int j = 0; j <= idx && rc == 0; j++) {
        for (int dir = 0; dir < 2 && rc == 0; dir++) {
            if (j == idx && dir == 1)
                break; /* the loop link is one link */
            fault_link *l = n->a->alloc(n->a->ctx, sizeof(*l));
            if (!l) {
                rc = -ENOMEM;
                break;
            }
            fault_link_init(l);
            size_t at = dir == 0 ? (size_t)idx * (size_t)n->cap + (size_t)j
                                 : (size_t)j * (size_t)n->cap + (size_t)idx;
            n->links[at] = l;
        }
    }
    synack_config c = *cfg;
    c.netif.output = host_output;
    c.netif.output_ctx = h;
    if (!c.allocator)
        c.allocator = n->a; /* one allocator for the whole simulation */
    if (rc == 0)
        rc = synack_stack_create(&c, &h->st, NULL); /* -EINVAL for a bad config */
    if (rc != 0) {
        for (int j = 0; j <= idx; j++) {
            size_t ats[2] = {(size_t)idx * (size_t)n->cap + (size_t)j,
                             (size_t)j * (size_t)n->cap + (size_t)idx};
            for (int k = 0; k < 2; k++) {
                fault_link *l = n->links[ats[k]];
                if (l) {
                    n->a->free(n->a->ctx, l, sizeof(*l));
                    n->links[ats[k]] = NULL;
                }
            }
        }
        n->a->free(n->a->ctx, h, sizeof(*h));
        return rc;
    }
    synack_set_time(h->st, n->now);
    n->hosts[idx] = h;
    n->nhosts++;
    return idx;
}

synack_stack *synack_simnet_stack(synack_simnet *n, int host)
{
    if (!n || host < 0 || host >= n->nhosts)
        return NULL;
    return n->hosts[host]->st;
}

int synack_simnet_hosts(const synack_simnet *n)
{
    return n ? n->nhosts : 0;
}

int synack_simnet_host_of(const synack_simnet *n, uint32_t addr)
{
    return n ? host_by_addr(n, addr) : -1;
}

static int valid_link(const synack_simnet *n, int from, int to)
{
    return n && from >= 0 && to >= 0 && from < n->nhosts && to < n->nhosts;
}

int synack_simnet_set_link(synack_simnet *n, int from, int to, const synack_fault_config *f)
{
    if (!valid_link(n, from, to))
        return -EINVAL;
    fault_link_configure(link_of(n, from, to), f);
    return 0;
}

int synack_simnet_set_path(synack_simnet *n, int a, int b, const synack_fault_config *f)
{
    /* both directions or neither */
    if (!valid_link(n, a, b))
        return -EINVAL;
    synack_simnet_set_link(n, a, b, f);
    synack_simnet_set_link(n, b, a, f);
    return 0;
}

const synack_link_stats *synack_simnet_link_stats(synack_simnet *n, int from, int to)
{
    if (!valid_link(n, from, to))
        return &no_stats;
    return &link_of(n, from, to)->stats;
}

int synack_simnet_set_tap(synack_simnet *n, synack_simnet_tap_fn fn, void *ctx)
{
    if (!n)
        return -EINVAL;
    n->tap = fn;
    n->tap_ctx = ctx;
    return 0;
}

int synack_simnet_set_filter(synack_simnet *n, synack_simnet_filter_fn fn, void *ctx)
{
    if (!n)
        return -EINVAL;
    n->filter = fn;
    n->filter_ctx = ctx;
    return 0;
}

uint64_t synack_simnet_unroutable(const synack_simnet *n)
{
    return n ? n->unroutable : 0;
}

size_t synack_simnet_inflight(const synack_simnet *n)
{
    return n ? n->nheap : 0;
}

int synack_simnet_inject(synack_simnet *n, int from, uint64_t delay_us, const uint8_t *pkt,
                         size_t len)
{
    if (!n || !pkt || len == 0 || from < -1 || from >= n->nhosts)
        return -EINVAL;
    int to = frame_host(n, pkt, len);
    if (to < 0) {
        n->unroutable++;
        tap_call(n, from, -1, n->now, pkt, len, 0);
        return -EHOSTUNREACH;
    }
    if (from >= 0)
        return link_send(n, from, to, delay_us, pkt, len);
    int rc = enqueue(n, -1, to, n->now + delay_us, pkt, len, -1);
    if (rc != 0)
        tap_call(n, -1, to, n->now, pkt, len, 0);
    return rc;
}

uint64_t synack_simnet_now(const synack_simnet *n)
{
    return n ? n->now : 0;
}

uint64_t synack_simnet_next(synack_simnet *n)
{
    if (!n)
        return UINT64_MAX;
    uint64_t t = n->nheap ? n->heap[0]->at : UINT64_MAX;
    for (int i = 0; i < n->nhosts; i++) {
        uint64_t d = synack_next_deadline(n->hosts[i]->st);
        if (d < t)
            t = d;
    }
    return t;
}

/* Hands one frame to its host. */
static void deliver(synack_simnet *n, sim_frame *f)
{
    sim_host *h = n->hosts[f->to];
    if (f->from >= 0) {
        fault_link *l = link_of(n, f->from, f->to);
        l->stats.delivered++;
        l->stats.bytes += f->len;
    }
    tap_call(n, f->from, f->to, n->now, f->data, f->len, 1);
    synack_input(h->st, n->now, f->data, f->len);
}

void synack_simnet_run(synack_simnet *n, uint64_t until)
{
    if (!n)
        return;
    /* The stacks refuse times past SYNACK_TIME_MAX: a larger `until` runs until nothing is
     * left and leaves the clock there. */
    int idle = until > SYNACK_TIME_MAX;
    if (idle)
        until = SYNACK_TIME_MAX;
    for (;;) {
        uint64_t t = synack_simnet_next(n);
        if (t > until || t == UINT64_MAX)
            break;
        if (t > n->now)
            n->now = t;
        /* Arrivals first, in send order; a zero-delay answer joins this same round. */
        while (n->nheap && n->heap[0]->at <= n->now) {
            sim_frame *f = heap_pop(n);
            deliver(n, f);
            frame_free(n, f);
        }
        /* Then the timers, by host index. */
        int refused = 0;
        for (int i = 0; i < n->nhosts; i++)
            if (synack_next_deadline(n->hosts[i]->st) <= n->now)
                refused |= synack_poll(n->hosts[i]->st, n->now) < 0;
        if (refused)
            break; /* run from inside a stack's callback (-EBUSY): the deadline would stay */
    }
    if (!idle && until > n->now)
        n->now = until;
    for (int i = 0; i < n->nhosts; i++)
        synack_set_time(n->hosts[i]->st, n->now);
}

uint64_t synack_simnet_run_idle(synack_simnet *n, uint64_t limit)
{
    if (!n)
        return 0;
    for (;;) {
        uint64_t t = synack_simnet_next(n);
        if (t == UINT64_MAX)
            break;
        if (t > limit) {
            synack_simnet_run(n, limit);
            break;
        }
        synack_simnet_run(n, t);
        if (synack_simnet_next(n) <= t)
            break; /* a stack refused to run (called from its callback) */
    }
    return n->now;
}
