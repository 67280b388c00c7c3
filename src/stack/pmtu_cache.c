/* SPDX-License-Identifier: MIT */
/* synack — bounded path-MTU cache (RFC 8201, RFC 1191). */
#include "stack/pmtu_cache.h"

#include <errno.h>
#include <string.h>

void pmtu_config_default(pmtu_config *cfg)
{
    cfg->size = 64;
    cfg->expire_us = 600000000u;
    cfg->min_v4 = PMTU_MIN_V4_LINUX;
}

int pmtu_cache_init(pmtu_cache *c, const pmtu_config *cfg, const synack_allocator *mem)
{
    memset(c, 0, sizeof *c);
    if (!mem || cfg->size == 0 || cfg->min_v4 < PMTU_MIN_V4_RFC)
        return -EINVAL;
    size_t sz = (size_t)cfg->size * sizeof(pmtu_entry);
    c->e = mem->alloc(mem->ctx, sz);
    if (!c->e)
        return -ENOMEM;
    memset(c->e, 0, sz);
    c->cfg = *cfg;
    c->mem = mem;
    return 0;
}

void pmtu_cache_destroy(pmtu_cache *c)
{
    if (c->e)
        c->mem->free(c->mem->ctx, c->e, (size_t)c->cfg.size * sizeof(pmtu_entry));
    c->e = NULL;
}

/* The live entry for dst, forgetting it first if it expired. */
static pmtu_entry *find(pmtu_cache *c, const ipv6_addr *dst, uint64_t now)
{
    for (uint32_t i = 0; i < c->cfg.size; i++) {
        pmtu_entry *e = &c->e[i];
        if (e->mtu == 0 || !ipv6_addr_equal(&e->dst, dst))
            continue;
        if (now >= e->expires) {
            c->ctr.expirations++;
            memset(e, 0, sizeof *e);
            return NULL;
        }
        return e;
    }
    return NULL;
}

/* RFC 1191 7: the plateau table, for routers that predate the Next-Hop MTU field. */
static uint32_t plateau_below(uint32_t len)
{
    static const uint16_t plateaus[] = {32000, 17914, 8166, 4352, 2002, 1492, 1006, 508, 296, 68};
    for (size_t i = 0; i < sizeof plateaus / sizeof plateaus[0]; i++)
        if (plateaus[i] < len)
            return plateaus[i];
    return 68;
}

uint32_t pmtu_cache_update(pmtu_cache *c, const ipv6_addr *dst, uint32_t mtu, uint32_t orig_len,
                           uint32_t link_mtu, uint64_t now)
{
    int v4 = ipv6_addr_is_v4mapped(dst);
    if (v4 && mtu == 0) {
        mtu = plateau_below(orig_len);
        c->ctr.plateaus++;
    }
    if (mtu > 0xffffu)
        mtu = 0xffffu; /* No IP packet is larger. */
    uint32_t floor = v4 ? c->cfg.min_v4 : IPV6_MIN_MTU;
    if (mtu < floor) {
        mtu = floor;
        c->ctr.clamped++;
    }
    pmtu_entry *e = find(c, dst, now);
    uint32_t cur = link_mtu;
    if (e && e->mtu < cur)
        cur = e->mtu;
    /* Messages only ever lower the estimate (RFC 8201 4, RFC 1191 6.3): a report at or
     * above it is stale or forged. */
    if (mtu >= cur) {
        c->ctr.ignored++;
        return 0;
    }
    if (!e) {
        for (uint32_t i = 0; i < c->cfg.size; i++) {
            pmtu_entry *s = &c->e[i];
            if (s->mtu != 0 && now >= s->expires) {
                c->ctr.expirations++;
                memset(s, 0, sizeof *s);
            }
            if (s->mtu == 0) {
                e = s;
                break;
            }
            if (!e || s->used < e->used)
                e = s;
        }
        if (!e) /* size 0: pmtu_cache_init refuses it */
            return 0;
        if (e->mtu != 0)
            c->ctr.evictions++;
        e->dst = *dst;
    }
    e->mtu = (uint16_t)mtu;
    e->expires = now + c->cfg.expire_us;
    e->used = now;
    c->ctr.updates++;
    return mtu;
}

uint32_t pmtu_cache_get(pmtu_cache *c, const ipv6_addr *dst, uint32_t link_mtu, uint64_t now)
{
    pmtu_entry *e = find(c, dst, now);
    if (!e)
        return link_mtu;
    e->used = now;
    return e->mtu < link_mtu ? e->mtu : link_mtu;
}

uint64_t pmtu_cache_poll(pmtu_cache *c, uint64_t now)
{
    uint64_t next = UINT64_MAX;
    for (uint32_t i = 0; i < c->cfg.size; i++) {
        pmtu_entry *e = &c->e[i];
        if (e->mtu == 0)
            continue;
        if (now >= e->expires) {
            c->ctr.expirations++;
            memset(e, 0, sizeof *e);
        } else if (e->expires < next) {
            next = e->expires;
        }
    }
    return next;
}
