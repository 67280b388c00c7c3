/* SPDX-License-Identifier: MIT */
/* Path MTUs that ICMP fragmentation-needed (RFC 1191) or ICMPv6 Packet Too Big (RFC 8201)
 * lowered, kept per destination in one pmtu_cache.c (IPv4 destinations v4-mapped) so a new
 * connection to that destination starts with the lowered MSS, and forgotten after
 * cfg.pmtu_expire_us (RFC 1191 6.3, RFC 8201 4). Allocated from the stack's allocator at
 * the first report; pmtu_cache.c's counters are added to the stack's as they change. */
#include <string.h>

#include "stack/pmtu_cache.h"
#include "stack/stack_impl.h"

static pmtu_cache *cache(synack_stack *st)
{
    if (st->pmtu || st->cfg.pmtu_cache_size == 0)
        return st->pmtu;
    pmtu_cache *c = stack_alloc(st, sizeof(*c));
    if (!c)
        return NULL;
    pmtu_config pc;
    pmtu_config_default(&pc);
    pc.size = st->cfg.pmtu_cache_size;
    pc.expire_us = st->cfg.pmtu_expire_us;
    if (pmtu_cache_init(c, &pc, &st->mem) != 0) {
        stack_free(st, c, sizeof(*c));
        return NULL;
    }
    st->pmtu = c;
    return c;
}

void ip_pmtu_destroy(synack_stack *st)
{
    if (!st->pmtu)
        return;
    pmtu_cache_destroy(st->pmtu);
    stack_free(st, st->pmtu, sizeof(*st->pmtu));
    st->pmtu = NULL;
}

static void account(synack_stack *st, const pmtu_counters *was)
{
    const pmtu_counters *now = &st->pmtu->ctr;
    st->counters[SYNACK_CTR_PmtuCacheUpdates] += now->updates - was->updates;
    st->counters[SYNACK_CTR_PmtuCacheExpired] += now->expirations - was->expirations;
    st->counters[SYNACK_CTR_PmtuCacheEvict] += now->evictions - was->evictions;
}

/* Both families' reports and lookups: IPv4 destinations are keyed v4-mapped. */
static void report(synack_stack *st, const ipv6_addr *a, uint32_t mtu, uint32_t orig_len)
{
    pmtu_cache *c = cache(st);
    if (!c) {
        if (st->cfg.pmtu_cache_size)
            stack_count(st, SYNACK_CTR_NoMemory);
        return;
    }
    pmtu_counters was = c->ctr;
    /* pmtu_cache_update keeps an IPv6 estimate at 1280 or above (RFC 8201 4). */
    pmtu_cache_update(c, a, mtu, orig_len, st->cfg.netif.mtu, st->now);
    account(st, &was);
}

static uint32_t lookup(synack_stack *st, const ipv6_addr *a, uint32_t base)
{
    if (!st->pmtu)
        return base;
    pmtu_counters was = st->pmtu->ctr;
    uint32_t mtu = pmtu_cache_get(st->pmtu, a, base, st->now);
    account(st, &was);
    return mtu;
}

void ip_pmtu_report(synack_stack *st, uint32_t dst, uint32_t mtu, uint32_t orig_len)
{
    ipv6_addr a;
    ipv6_addr_v4mapped(&a, dst);
    report(st, &a, mtu, orig_len);
}

uint32_t ip_pmtu_get(synack_stack *st, uint32_t dst)
{
    /* A route's MTU bounds the estimate; a locked one is the estimate (route.c). */
    uint32_t base = route_mtu(st, dst);
    if (route_mtu_locked(st, dst))
        return base;
    ipv6_addr a;
    ipv6_addr_v4mapped(&a, dst);
    return lookup(st, &a, base);
}

void ip6_pmtu_report(synack_stack *st, const uint8_t dst[16], uint32_t mtu)
{
    ipv6_addr a;
    memcpy(a.b, dst, 16);
    report(st, &a, mtu, 0);
}

uint32_t ip6_pmtu_get(synack_stack *st, const uint8_t dst[16])
{
    uint32_t base = route6_mtu(st, dst);
    if (route6_mtu_locked(st, dst))
        return base;
    ipv6_addr a;
    memcpy(a.b, dst, 16);
    return lookup(st, &a, base);
}
