/* SPDX-License-Identifier: MIT */
/* The client's Fast Open cache (fastopen_cache.h). A flat array searched linearly: the
 * bound is small (cfg.fastopen_cache_max) and a lookup happens once per active open. */
#include <string.h>

#include "tcp/fastopen_cache.h"
#include "tcp/tcp.h"

#define TFO_LOSS_BASE_US (60ull * 1000000) /* the disable period after the second loss */
#define TFO_LOSS_MAX_SHIFT 10              /* caps the doubling (and the shift) */

static tfo_entry *find(tfo_cache *tc, uint32_t raddr)
{
    for (uint32_t i = 0; tc->e && i < tc->cap; i++)
        if (tc->e[i].raddr == raddr)
            return &tc->e[i];
    return NULL;
}

const tfo_entry *tfo_cache_get(synack_stack *st, uint32_t raddr)
{
    tfo_entry *e = raddr ? find(&st->tfo, raddr) : NULL;
    if (e)
        e->used = ++st->tfo.clock;
    return e;
}

/* A free entry, or the least recently used one emptied (counted as an eviction). */
static tfo_entry *take(synack_stack *st)
{
    tfo_cache *tc = &st->tfo;
    tfo_entry *victim = NULL;
    for (uint32_t i = 0; i < tc->cap; i++) {
        tfo_entry *e = &tc->e[i];
        if (e->raddr == 0)
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
    tfo_cache *tc = &st->tfo;
    if (raddr == 0 || st->cfg.fastopen_cache_max == 0)
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
        e->raddr = raddr;
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
