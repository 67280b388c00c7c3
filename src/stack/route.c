/* SPDX-License-Identifier: MIT */
/* The route tables of synack/route.h, one per family: at most cfg.route_table_size
 * prefixes each in one array, allocated at the family's first set; a lookup scans it (the
 * table is small and bounded, and lookups happen per connection, not per segment). */
#include <errno.h>
#include <string.h>

#include "stack/stack_impl.h"

#define ROUTE_MAX_INITCWND 1024u
#define ROUTE_MIN_MTU 68u /* RFC 791 */

static uint32_t prefix_mask(uint8_t len)
{
    return len == 0 ? 0 : ~0u << (32 - len);
}

/* The metrics both families' routes carry. */
static int metrics_valid(const synack_stack *st, uint8_t flags, uint16_t mtu, uint16_t initcwnd)
{
    if (flags & ~(SYNACK_ROUTE_MTU_LOCK | SYNACK_ROUTE_ON_LINK))
        return 0;
    if (mtu && (mtu < ROUTE_MIN_MTU || mtu > st->cfg.netif.mtu))
        return 0;
    return initcwnd <= ROUTE_MAX_INITCWND;
}

static int route_valid(const synack_stack *st, const synack_route *r)
{
    if (r->prefix_len > 32 || (r->dst & ~prefix_mask(r->prefix_len)))
        return 0;
    return metrics_valid(st, r->flags, r->mtu, r->initcwnd);
}

static synack_route *slot_of(const synack_stack *st, uint32_t dst, uint8_t len)
{
    for (uint32_t i = 0; i < st->nroutes; i++)
        if (st->routes[i].dst == dst && st->routes[i].prefix_len == len)
            return &st->routes[i];
    return NULL;
}

int synack_route_set(synack_stack *st, const synack_route *r)
{
    if (!st || !r || !route_valid(st, r))
        return -EINVAL;
    int rc = route_gateway_check(st, r);
    if (rc)
        return rc;
    if (st->cb_depth > 0)
        return -EBUSY;
    synack_route *s = slot_of(st, r->dst, r->prefix_len);
    if (!s) {
        if (st->nroutes >= st->cfg.route_table_size)
            return -ENOSPC;
        if (!st->routes) {
            st->routes = stack_alloc(st, st->cfg.route_table_size * sizeof(*st->routes));
            if (!st->routes)
                return -ENOMEM;
        }
        s = &st->routes[st->nroutes++];
    }
    *s = *r;
    return 0;
}

int synack_route_del(synack_stack *st, uint32_t dst, uint8_t prefix_len)
{
    if (!st || prefix_len > 32)
        return -EINVAL;
    if (st->cb_depth > 0)
        return -EBUSY;
    synack_route *s = slot_of(st, dst, prefix_len);
    if (!s)
        return -ENOENT;
    *s = st->routes[--st->nroutes];
    return 0;
}

const synack_route *route_find(const synack_stack *st, uint32_t addr)
{
    const synack_route *best = NULL;
    for (uint32_t i = 0; i < st->nroutes; i++) {
        const synack_route *r = &st->routes[i];
        if ((addr & prefix_mask(r->prefix_len)) == r->dst &&
            (!best || r->prefix_len > best->prefix_len))
            best = r;
    }
    return best;
}

int synack_route_lookup(const synack_stack *st, uint32_t addr, synack_route *out)
{
    if (!st || !out)
        return -EINVAL;
    const synack_route *r = route_find(st, addr);
    if (!r)
        return -ENOENT;
    *out = *r;
    return 0;
}

/* --- IPv6: the same table over 128-bit prefixes --- */

/* Whether a and b agree on their first len bits. */
static int prefix_eq(const uint8_t a[16], const uint8_t b[16], uint8_t len)
{
    uint8_t whole = len / 8, rest = len % 8;
    if (memcmp(a, b, whole) != 0)
        return 0;
    uint8_t mask = (uint8_t)(0xff00u >> rest);
    return rest == 0 || ((a[whole] ^ b[whole]) & mask) == 0;
}

/* No bit set past the first len. */
static int host_bits_clear(const uint8_t a[16], uint8_t len)
{
    for (unsigned i = 0; i < 16; i++) {
        unsigned keep = len >= 8 * (i + 1) ? 8u : len > 8 * i ? len - 8 * i : 0u;
        if (a[i] & (0xffu >> keep))
            return 0;
    }
    return 1;
}

static synack_route6 *slot6_of(const synack_stack *st, const uint8_t dst[16], uint8_t len)
{
    for (uint32_t i = 0; i < st->nroutes6; i++)
        if (st->routes6[i].prefix_len == len && memcmp(st->routes6[i].dst, dst, 16) == 0)
            return &st->routes6[i];
    return NULL;
}

int synack_route6_set(synack_stack *st, const synack_route6 *r)
{
    if (!st || !r || r->prefix_len > 128 || !host_bits_clear(r->dst, r->prefix_len) ||
        !metrics_valid(st, r->flags, r->mtu, r->initcwnd))
        return -EINVAL;
    int rc = route6_gateway_check(st, r);
    if (rc)
        return rc;
    if (st->cb_depth > 0)
        return -EBUSY;
    synack_route6 *s = slot6_of(st, r->dst, r->prefix_len);
    if (!s) {
        if (st->nroutes6 >= st->cfg.route_table_size)
            return -ENOSPC;
        if (!st->routes6) {
            st->routes6 = stack_alloc(st, st->cfg.route_table_size * sizeof(*st->routes6));
            if (!st->routes6)
                return -ENOMEM;
        }
        s = &st->routes6[st->nroutes6++];
    }
    *s = *r;
    return 0;
}

int synack_route6_del(synack_stack *st, const uint8_t dst[16], uint8_t prefix_len)
{
    if (!st || !dst || prefix_len > 128)
        return -EINVAL;
    if (st->cb_depth > 0)
        return -EBUSY;
    synack_route6 *s = slot6_of(st, dst, prefix_len);
    if (!s)
        return -ENOENT;
    *s = st->routes6[--st->nroutes6];
    return 0;
}

const synack_route6 *route6_find(const synack_stack *st, const uint8_t addr[16])
{
    const synack_route6 *best = NULL;
    for (uint32_t i = 0; i < st->nroutes6; i++) {
        const synack_route6 *r = &st->routes6[i];
        if (prefix_eq(addr, r->dst, r->prefix_len) && (!best || r->prefix_len > best->prefix_len))
            best = r;
    }
    return best;
}

int synack_route6_lookup(const synack_stack *st, const uint8_t addr[16], synack_route6 *out)
{
    if (!st || !addr || !out)
        return -EINVAL;
    const synack_route6 *r = route6_find(st, addr);
    if (!r)
        return -ENOENT;
    *out = *r;
    return 0;
}

/* A route's MTU as it holds now: the link may have shrunk since the route was set. */
static uint32_t mtu_now(const synack_stack *st, uint16_t mtu)
{
    return mtu && mtu < st->cfg.netif.mtu ? mtu : st->cfg.netif.mtu;
}

uint32_t route_mtu(const synack_stack *st, uint32_t dst)
{
    const synack_route *r = route_find(st, dst);
    return mtu_now(st, r ? r->mtu : 0);
}

int route_mtu_locked(const synack_stack *st, uint32_t dst)
{
    const synack_route *r = route_find(st, dst);
    return r && (r->flags & SYNACK_ROUTE_MTU_LOCK);
}

uint32_t route6_mtu(const synack_stack *st, const uint8_t dst[16])
{
    /* The IPv6 link MTU, not netif.mtu: a Router Advertisement's MTU option may have
     * lowered it (router.c). */
    const synack_route6 *r = route6_find(st, dst);
    uint32_t link = ip6_link_mtu(st);
    return r && r->mtu && r->mtu < link ? r->mtu : link;
}

int route6_mtu_locked(const synack_stack *st, const uint8_t dst[16])
{
    const synack_route6 *r = route6_find(st, dst);
    return r && (r->flags & SYNACK_ROUTE_MTU_LOCK);
}

int route_metrics_of(const synack_stack *st, const uint8_t *a6, uint32_t a4, route_metrics *m)
{
    *m = (route_metrics){0};
    if (a6) {
        const synack_route6 *r = route6_find(st, a6);
        if (r)
            *m = (route_metrics){.mtu = r->mtu, .advmss = r->advmss, .initcwnd = r->initcwnd};
        return r != NULL;
    }
    const synack_route *r = route_find(st, a4);
    if (r)
        *m = (route_metrics){.mtu = r->mtu, .advmss = r->advmss, .initcwnd = r->initcwnd};
    return r != NULL;
}

void route_destroy(synack_stack *st)
{
    if (st->routes)
        stack_free(st, st->routes, st->cfg.route_table_size * sizeof(*st->routes));
    st->routes = NULL;
    st->nroutes = 0;
    if (st->routes6)
        stack_free(st, st->routes6, st->cfg.route_table_size * sizeof(*st->routes6));
    st->routes6 = NULL;
    st->nroutes6 = 0;
}
