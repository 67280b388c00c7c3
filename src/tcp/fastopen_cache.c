/* SPDX-License-Identifier: MIT */
/* The client's Fast Open cache (fastopen_cache.h). A flat array searched linearly: the
 * bound is small (cfg.fastopen_cache_max) and a lookup happens once per active open. */
#include <string.h>

#include "tcp/fastopen_cache.h"
#include "tcp/tcp.h"

#define TFO_LOSS_BASE_US (60ull * 1000000) /* the disable period after the second loss */
#define TFO_LOSS_MAX_SHIFT 10              /* caps the doubling (and the shift) */

static const uint8_t unset[16];

static tfo_entry *find(tfo_cache *tc, const uint8_t raddr[16])
{
    for (uint32_t i = 0; tc->e && i < tc->cap; i++)
        if (memcmp(tc->e[i].raddr, raddr, 16) == 0)
            return &tc->e[i];
    return NULL;
}

/* ::ffff:a.b.c.d, the key of an IPv4 destination */
static void mapped(uint8_t out[16], uint32_t v4)
{
    memset(out, 0, 10);
    out[10] = out[11] = 0xff;
    for (int i = 0; i < 4; i++)
        out[12 + i] = (uint8_t)(v4 >> (24 - 8 * i));
}

const tfo_entry *tfo_cache_get6(synack_stack *st, const uint8_t raddr[16])
{
    tfo_entry *e = memcmp(raddr, unset, 16) ? find(&st->tfo, raddr) : NULL;
    if (e)
        e->used = ++st->tfo.clock;
    return e;
}

const tfo_entry *tfo_cache_get(synack_stack *st, uint32_t raddr)
{
    uint8_t a[16];
    mapped(a, raddr);
    return raddr ? tfo_cache_get6(st, a) : NULL;
}

/* A free entry, or the least recently used one emptied (counted as an eviction). */
static tfo_entry *take(synack_stack *st)
{
    tfo_cache *tc = &st->tfo;
    tfo_entry *victim = NULL;
    for (uint32_t i = 0; i < tc->cap; i++) {
        tfo_entry *e = &tc->e[i];
        if (memcmp(e->raddr, unset, 16) == 0)
            return e;
        if (!victim || e->used < victim->used)
            victim = e;
    }
    if (!victim)
        return NULL; /* no entries at all */
    stack_count(st, SYNACK_CTR_TCPFastOpenCacheEvict);
    memset(victim, 0, sizeof(*victim));
    return victim;
}

void tfo_cache_set(synack_stack *st, uint32_t raddr, const tfo_learnt *l)
{
    uint8_t a[16];
    mapped(a, raddr);
    if (raddr)
        tfo_cache_set6(st, a, l);
}

void tfo_cache_set6(synack_stack *st, const uint8_t raddr[16], const tfo_learnt *l)
{
    tfo_cache *tc = &st->tfo;
    if (memcmp(raddr, unset, 16) == 0 || st->cfg.fastopen_cache_max == 0)
        return;
    if (!tc->e) {
        size_t sz = sizeof(tfo_entry) * st->cfg.fastopen_cache_max;
        tc->e = stack_alloc(st, sz);
        if (!tc->e)
            return;
        memset(tc->e, 0, sz);
        tc->cap = st->cfg.fastopen_cache_max;
    }
    tfo_entry *e = find(tc, raddr);
    if (!e) {
        e = take(st);
        if (!e)
            return;
        memcpy(e->raddr, raddr, 16);
    }
    e->used = ++tc->clock;
    if (l->mss)
        e->mss = l->mss;
    if (l->fo && l->fo->fo_len) {
        e->cookie_len = l->fo->fo_len;
        e->exp = l->fo->fo_exp;
        memcpy(e->cookie, l->fo->fo_cookie, l->fo->fo_len);
    } else if (l->try_exp > e->try_exp && e->cookie_len == 0 && !e->exp) {
        e->try_exp = l->try_exp;
    }
    if (l->syn_lost) {
        if (e->syn_loss < UINT8_MAX)
            e->syn_loss++;
        e->last_loss_us = st->now;
    } else {
        e->syn_loss = 0;
    }
}

int tfo_cache_disabled(const tfo_entry *e, uint64_t now_us)
{
    if (!e || e->syn_loss < 2)
        return 0;
    unsigned shift = e->syn_loss > TFO_LOSS_MAX_SHIFT ? TFO_LOSS_MAX_SHIFT : e->syn_loss;
    return now_us < e->last_loss_us + (TFO_LOSS_BASE_US << shift);
}

void tfo_cache_free(synack_stack *st)
{
    if (st->tfo.e)
        stack_free(st, st->tfo.e, sizeof(tfo_entry) * st->tfo.cap);
    st->tfo.e = NULL;
    st->tfo.cap = 0;
}
