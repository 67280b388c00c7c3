/* SPDX-License-Identifier: MIT */
/* The route table of synack/route.h: at most cfg.route_table_size prefixes in one array,
 * allocated at the first synack_route_set; a lookup scans it (the table is small and
 * bounded, and lookups happen per connection, not per segment). */
#include <errno.h>
#include <string.h>

#include "stack/stack_impl.h"

#define ROUTE_MAX_INITCWND 1024u
#define ROUTE_MIN_MTU 68u /* RFC 791 */

static uint32_t prefix_mask(uint8_t len)
{
    return len == 0 ? 0 : ~0u << (32 - len);
}

static int route_valid(const synack_stack *st, const synack_route *r)
{
    if (r->prefix_len > 32 || (r->dst & ~prefix_mask(r->prefix_len)))
        return 0;
    if (r->flags & ~SYNACK_ROUTE_MTU_LOCK)
        return 0;
    if (r->mtu && (r->mtu < ROUTE_MIN_MTU || r->mtu > st->cfg.netif.mtu))
        return 0;
    return r->initcwnd <= ROUTE_MAX_INITCWND;
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

uint32_t route_mtu(const synack_stack *st, uint32_t dst)
{
    const synack_route *r = route_find(st, dst);
    /* The link may have shrunk since the route was set. */
    if (r && r->mtu && r->mtu < st->cfg.netif.mtu)
        return r->mtu;
    return st->cfg.netif.mtu;
}

int route_mtu_locked(const synack_stack *st, uint32_t dst)
{
    const synack_route *r = route_find(st, dst);
    return r && (r->flags & SYNACK_ROUTE_MTU_LOCK);
}

void route_destroy(synack_stack *st)
{
    if (st->routes)
        stack_free(st, st->routes, st->cfg.route_table_size * sizeof(*st->routes));
    st->routes = NULL;
    st->nroutes = 0;
}
