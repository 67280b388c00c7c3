/* SPDX-License-Identifier: MIT */
/* synack — the IPv6 neighbor cache (RFC 4861 7.2.2-7.2.5, 7.3). */
#include "stack/nd_cache.h"

#include <errno.h>
#include <string.h>

#include "wire/icmpv6.h"

struct nd_qpkt {
    nd_qpkt *next;
    size_t len;
    synack_tx_meta meta; /* what the device must do to it (zero: nothing) */
    uint8_t data[];
};

void nd_config_default(nd_config *cfg)
{
    cfg->size = 64;
    cfg->max_queue = 3;
    cfg->max_queue_bytes = 64u * 1024u;
    cfg->max_multicast_solicit = 3;
    cfg->max_unicast_solicit = 3;
    cfg->retrans_us = 1000000u;
    cfg->delay_first_probe_us = 5000000u;
    cfg->base_reachable_us = 30000000u;
}

void nd_cache_set_reachable(nd_cache *c, uint64_t base_us, synack_rng *rng)
{
    c->cfg.base_reachable_us = base_us;
    c->reachable_us = base_us / 2 + rng_next(rng) % (base_us + 1);
    c->redraw_at = 0; /* a new value: the period starts again at the next redraw call */
}

void nd_cache_redraw(nd_cache *c, uint64_t now, synack_rng *rng)
{
    if (c->redraw_at == 0) {
        c->redraw_at = now + ND_REDRAW_US;
        return;
    }
    if (now < c->redraw_at)
        return;
    nd_cache_set_reachable(c, c->cfg.base_reachable_us, rng);
    c->redraw_at = now + ND_REDRAW_US;
}

int nd_cache_init(nd_cache *c, const nd_config *cfg, const synack_allocator *mem, const nd_ops *ops,
                  synack_rng *rng)
{
    memset(c, 0, sizeof *c);
    if (!mem || !ops || !ops->send_ns || !ops->xmit || cfg->size == 0 || cfg->max_queue == 0 ||
        cfg->max_multicast_solicit == 0 || cfg->max_unicast_solicit == 0)
        return -EINVAL;
    size_t sz = (size_t)cfg->size * sizeof(nd_entry);
    c->e = mem->alloc(mem->ctx, sz);
    if (!c->e)
        return -ENOMEM;
    memset(c->e, 0, sz);
    c->cfg = *cfg;
    c->mem = mem;
    c->ops = *ops;
    nd_cache_set_reachable(c, cfg->base_reachable_us, rng);
    return 0;
}

static void free_pkt(nd_cache *c, nd_qpkt *p)
{
    c->qbytes -= p->len;
    c->mem->free(c->mem->ctx, p, sizeof *p + p->len);
}

/* Frees e and its queue; each packet goes to unreachable when report is set. The entry
 * is gone before the first report, so what the report provokes (a reset, a new packet to
 * the same neighbor) meets a consistent table. */
static void remove_entry(nd_cache *c, nd_entry *e, int report)
{
    nd_qpkt *q = e->q;
    ipv6_addr addr = e->addr;
    memset(e, 0, sizeof *e);
    c->ctr.destroys++;
    while (q) {
        nd_qpkt *p = q;
        q = p->next;
        c->ctr.unresolved_discards++;
        if (report && c->ops.unreachable)
            c->ops.unreachable(c->ops.ctx, &addr, p->data, p->len);
        free_pkt(c, p);
    }
}

void nd_cache_destroy(nd_cache *c)
{
    if (!c->e)
        return;
    for (uint32_t i = 0; i < c->cfg.size; i++) {
        nd_entry *e = &c->e[i];
        while (e->q) {
            nd_qpkt *p = e->q;
            e->q = p->next;
            free_pkt(c, p);
        }
    }
    c->mem->free(c->mem->ctx, c->e, (size_t)c->cfg.size * sizeof(nd_entry));
    c->e = NULL;
}

static nd_entry *find(const nd_cache *c, const ipv6_addr *a)
{
    for (uint32_t i = 0; i < c->cfg.size; i++)
        if (c->e[i].state != ND_FREE && ipv6_addr_equal(&c->e[i].addr, a))
            return &c->e[i];
    return NULL;
}

const nd_entry *nd_lookup(const nd_cache *c, const ipv6_addr *addr)
{
    return find(c, addr);
}

/* A slot for a new entry: a free one, else the least recently used resolved entry (an
 * INCOMPLETE one has packets and a resolution under way). NULL when all are INCOMPLETE. */
static nd_entry *new_entry(nd_cache *c, const ipv6_addr *a, uint64_t now)
{
    nd_entry *victim = NULL;
    for (uint32_t i = 0; i < c->cfg.size; i++) {
        nd_entry *e = &c->e[i];
        if (e->state == ND_FREE) {
            victim = e;
            break;
        }
        if (e->state != ND_INCOMPLETE && (!victim || e->used < victim->used))
            victim = e;
    }
    if (!victim) {
        c->ctr.table_fulls++;
        return NULL;
    }
    if (victim->state != ND_FREE)
        remove_entry(c, victim, 0);
    victim->addr = *a;
    victim->used = now;
    c->ctr.allocs++;
    return victim;
}

static void send_ns_for(nd_cache *c, nd_entry *e, int unicast, const uint8_t *pkt, size_t len)
{
    c->ctr.ns_sent++;
    c->ops.send_ns(c->ops.ctx, &e->addr, unicast ? e->mac : NULL, pkt, len);
}

static void send_ns(nd_cache *c, nd_entry *e, int unicast)
{
    const nd_qpkt *q = e->q;
    while (q && q->next)
        q = q->next;
    send_ns_for(c, e, unicast, q ? q->data : NULL, q ? q->len : 0);
}

/* The link-layer address is known: send what waited, in order. */
static void flush_queue(nd_cache *c, nd_entry *e)
{
    while (e->q) {
        nd_qpkt *p = e->q;
        e->q = p->next;
        if (c->ops.xmit_meta)
            c->ops.xmit_meta(c->ops.ctx, e->mac, p->data, p->len, &p->meta);
        else
            c->ops.xmit(c->ops.ctx, e->mac, p->data, p->len);
        free_pkt(c, p);
    }
    e->qlen = 0;
}

static int enqueue(nd_cache *c, nd_entry *e, const uint8_t *pkt, size_t len,
                   const synack_tx_meta *meta)
{
    /* 7.2.2: when the queue overflows, the new arrival replaces the oldest. */
    if (e->qlen >= c->cfg.max_queue) {
        nd_qpkt *old = e->q;
        e->q = old->next;
        e->qlen--;
        free_pkt(c, old);
        c->ctr.unresolved_discards++;
    }
    if (len > c->cfg.max_queue_bytes - c->qbytes) {
        c->ctr.unresolved_discards++;
        return -ENOBUFS;
    }
    nd_qpkt *p = c->mem->alloc(c->mem->ctx, sizeof *p + len);
    if (!p) {
        c->ctr.unresolved_discards++;
        return -ENOBUFS;
    }
    p->next = NULL;
    p->len = len;
    if (meta)
        p->meta = *meta;
    else
        memset(&p->meta, 0, sizeof p->meta);
    memcpy(p->data, pkt, len);
    nd_qpkt **tail = &e->q;
    while (*tail)
        tail = &(*tail)->next;
    *tail = p;
    e->qlen++;
    c->qbytes += len;
    return 1;
}

static void set_reachable(nd_cache *c, nd_entry *e, uint64_t now)
{
    e->state = ND_REACHABLE;
    e->timer = now + c->reachable_us;
    e->probes = 0;
}

static void set_stale(nd_entry *e)
{
    e->state = ND_STALE;
    e->probes = 0;
}

int nd_resolve(nd_cache *c, const ipv6_addr *addr, const uint8_t *pkt, size_t len, uint64_t now,
               uint8_t mac[6])
{
    return nd_resolve_meta(c, addr, pkt, len, NULL, now, mac);
}

int nd_resolve_meta(nd_cache *c, const ipv6_addr *addr, const uint8_t *pkt, size_t len,
                    const synack_tx_meta *meta, uint64_t now, uint8_t mac[6])
{
    nd_entry *e = find(c, addr);
    if (!e) {
        e = new_entry(c, addr, now);
        if (!e) {
            c->ctr.unresolved_discards++;
            return -ENOBUFS;
        }
        e->state = ND_INCOMPLETE;
        e->probes = 1;
        e->timer = now + c->cfg.retrans_us;
        send_ns_for(c, e, 0, pkt, len);
    }
    e->used = now;
    if (e->state == ND_INCOMPLETE)
        return enqueue(c, e, pkt, len, meta);
    if (e->state == ND_REACHABLE && now >= e->timer)
        set_stale(e);
    if (e->state == ND_STALE) {
        /* 7.3.3: the first packet to a STALE neighbor starts the DELAY wait for an upper-
         * layer confirmation before probing. */
        e->state = ND_DELAY;
        e->timer = now + c->cfg.delay_first_probe_us;
    }
    c->hint = (uint32_t)(e - c->e);
    memcpy(mac, e->mac, 6);
    return 0;
}

int nd_input_na(nd_cache *c, const ipv6_addr *target, uint8_t flags, const uint8_t *tlla,
                uint64_t now)
{
    nd_entry *e = find(c, target);
    if (!e) {
        /* 7.2.5: no entry, the advertisement is silently discarded. */
        c->ctr.na_ignored++;
        return 0;
    }
    int was_router = e->is_router;
    int solicited = (flags & ND_NA_SOLICITED) != 0;
    if (e->state == ND_INCOMPLETE) {
        if (!tlla) {
            c->ctr.na_ignored++;
            return 0;
        }
        memcpy(e->mac, tlla, 6);
        if (solicited)
            set_reachable(c, e, now);
        else
            set_stale(e);
        e->is_router = (flags & ND_NA_ROUTER) != 0;
        e->used = now;
        flush_queue(c, e);
        return 0;
    }
    int differs = tlla && memcmp(tlla, e->mac, 6) != 0;
    if (!(flags & ND_NA_OVERRIDE) && differs) {
        /* A different address without Override: only a REACHABLE entry loses its standing. */
        if (e->state == ND_REACHABLE)
            set_stale(e);
        return 0;
    }
    if (differs)
        memcpy(e->mac, tlla, 6);
    if (solicited)
        set_reachable(c, e, now);
    else if (differs)
        set_stale(e);
    e->is_router = (flags & ND_NA_ROUTER) != 0;
    e->used = now;
    return was_router && !e->is_router;
}

void nd_input_slla(nd_cache *c, const ipv6_addr *from, const uint8_t mac[6], uint64_t now)
{
    nd_entry *e = find(c, from);
    if (!e) {
        e = new_entry(c, from, now);
        if (!e)
            return;
        memcpy(e->mac, mac, 6);
        set_stale(e);
        return;
    }
    e->used = now;
    if (e->state == ND_INCOMPLETE) {
        memcpy(e->mac, mac, 6);
        set_stale(e);
        flush_queue(c, e);
        return;
    }
    if (memcmp(e->mac, mac, 6) != 0) {
        memcpy(e->mac, mac, 6);
        set_stale(e);
    }
}

void nd_set_router(nd_cache *c, const ipv6_addr *addr)
{
    nd_entry *e = find(c, addr);
    if (e)
        e->is_router = 1;
}

void nd_confirm(nd_cache *c, const ipv6_addr *addr, uint64_t now)
{
    nd_entry *e = &c->e[c->hint];
    if (e->state == ND_FREE || !ipv6_addr_equal(&e->addr, addr))
        e = find(c, addr);
    if (e && e->state != ND_INCOMPLETE)
        set_reachable(c, e, now);
}

uint64_t nd_poll(nd_cache *c, uint64_t now)
{
    uint64_t next = UINT64_MAX;
    for (uint32_t i = 0; i < c->cfg.size; i++) {
        nd_entry *e = &c->e[i];
        if (e->state == ND_FREE || e->state == ND_STALE)
            continue;
        if (now >= e->timer) {
            switch (e->state) {
            case ND_INCOMPLETE:
                if (e->probes >= c->cfg.max_multicast_solicit) {
                    c->ctr.res_failed++;
                    remove_entry(c, e, 1);
                    continue;
                }
                e->probes++;
                e->timer = now + c->cfg.retrans_us;
                send_ns(c, e, 0);
                break;
            case ND_REACHABLE:
                set_stale(e);
                continue;
            case ND_DELAY:
                e->state = ND_PROBE;
                e->probes = 1;
                e->timer = now + c->cfg.retrans_us;
                send_ns(c, e, 1);
                break;
            default: /* ND_PROBE */
                if (e->probes >= c->cfg.max_unicast_solicit) {
                    c->ctr.res_failed++;
                    remove_entry(c, e, 1);
                    continue;
                }
                e->probes++;
                e->timer = now + c->cfg.retrans_us;
                send_ns(c, e, 1);
                break;
            }
        }
        if (e->timer < next)
            next = e->timer;
    }
    return next;
}
