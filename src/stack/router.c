/* SPDX-License-Identifier: MIT */
/* Router Advertisements on an Ethernet netif (RFC 4861 6.3.4) and, as an option, stateless
 * address autoconfiguration from them (RFC 4862 5.5). wire/icmpv6.c's nd_parse has already
 * refused an RA not from a link-local source, with a hop limit other than 255, a code other
 * than 0 or a malformed option (6.1.2; counted Icmp6InErrors). Here:
 * - the Default Router List: a router with a non-zero Router Lifetime is one until it
 *   expires, a zero lifetime removes it; RA_MAX_ROUTERS of them, further ones ignored and
 *   counted. A statically configured gateway6 is used before any of them.
 * - the Prefix List: prefixes with the on-link flag (not fe80::/10) and their Valid
 *   Lifetime, RA_MAX_PREFIXES of them, consulted for the next hop (5.2); a zero lifetime
 *   removes one.
 * - Reachable Time and Retrans Timer go to the neighbor cache; the source link-layer
 *   address to its entry, marked a router (6.3.4), which an NA without the Router flag
 *   takes off the Default Router List (7.2.5). Cur Hop Limit, when specified, is the
 *   hop limit of what we send (ip6.c); the MTU option, from 1280 up to the netif's MTU,
 *   the link's MTU for IPv6 (ip6_link_mtu), others ignored and counted
 *   (Icmp6InRaMtuIgnored). A non-zero Router Lifetime ends Router Solicitations (rs.c).
 * - cfg.slaac: a prefix with the autonomous flag forms the global address from it and the
 *   interface identifier (modified EUI-64) when none is configured, through DAD; its valid
 *   lifetime is kept by 5.5.3 e)'s two-hour rule, and it is removed when that runs out.
 *   Every other autonomous prefix forms one more address (addr6_list.c, bounded). A
 *   prefix that cannot be used (not /64, link-local, preferred above valid) is ignored and
 *   counted (Icmp6InRaPrefixIgnored).
 * Redirects (8.1) are validated by nd_parse and then ignored (counted Icmp6InRedirects):
 * the first hop stays the one the Default Router List or gateway6 gives. */
#include <string.h>

#include "stack/stack_impl.h"
#include "wire/icmpv6.h"

#define TWO_HOURS_US (2ull * 3600u * 1000000u)
#define MAX_REACHABLE_MS 3600000u /* RFC 4861 6.2.1 MaxReachableTime... of an advertiser */

static uint64_t expiry(uint64_t now, uint32_t seconds)
{
    return seconds == 0xffffffffu ? UINT64_MAX : now + (uint64_t)seconds * 1000000u;
}

static int prefix_match(const uint8_t *a, const uint8_t *p, uint8_t len)
{
    if (memcmp(a, p, len / 8) != 0)
        return 0;
    uint8_t bits = len % 8;
    return !bits || ((a[len / 8] ^ p[len / 8]) & (uint8_t)(0xff00 >> bits)) == 0;
}

int ip6_ra_on_link(const synack_stack *st, const ipv6_addr *dst)
{
    for (int i = 0; i < RA_MAX_PREFIXES; i++) {
        const ra_prefix *p = &st->ra_prefixes[i];
        if (p->expires > st->now && prefix_match(dst->b, p->prefix, p->len))
            return 1;
    }
    return 0;
}

int ip6_ra_on_link_len(const synack_stack *st, const ipv6_addr *dst)
{
    int best = -1;
    for (int i = 0; i < RA_MAX_PREFIXES; i++) {
        const ra_prefix *p = &st->ra_prefixes[i];
        if (p->expires > st->now && prefix_match(dst->b, p->prefix, p->len) && p->len > best)
            best = p->len;
    }
    return best;
}

void ip6_ra_not_router(synack_stack *st, const ipv6_addr *addr)
{
    for (int i = 0; i < RA_MAX_ROUTERS; i++) {
        ra_router *r = &st->ra_routers[i];
        if (r->expires > st->now && memcmp(r->addr, addr->b, 16) == 0) {
            r->expires = 0;
            stack_note(st, "ra: a default router advertised itself a host, removed");
        }
    }
}

int ip6_ra_default_router(const synack_stack *st, ipv6_addr *out)
{
    for (int i = 0; i < RA_MAX_ROUTERS; i++) {
        const ra_router *r = &st->ra_routers[i];
        if (r->expires > st->now) {
            memcpy(out->b, r->addr, 16);
            return 1;
        }
    }
    return 0;
}

static void update_router(synack_stack *st, const ipv6_addr *from, uint16_t lifetime)
{
    ra_router *slot = NULL;
    for (int i = 0; i < RA_MAX_ROUTERS; i++) {
        ra_router *r = &st->ra_routers[i];
        if (r->expires > st->now && memcmp(r->addr, from->b, 16) == 0) {
            slot = r;
            break;
        }
        if (!slot && r->expires <= st->now)
            slot = r;
    }
    if (lifetime == 0) {
        if (slot && memcmp(slot->addr, from->b, 16) == 0)
            slot->expires = 0;
        return;
    }
    if (!slot) {
        stack_drop(st, NULL, SYNACK_CTR_Icmp6InRaRoutersIgnored, "ra-router-list-full");
        return;
    }
    memcpy(slot->addr, from->b, 16);
    slot->expires = st->now + (uint64_t)lifetime * 1000000u;
}

static void update_on_link(synack_stack *st, const nd_prefix *pi)
{
    ra_prefix *slot = NULL;
    for (int i = 0; i < RA_MAX_PREFIXES; i++) {
        ra_prefix *p = &st->ra_prefixes[i];
        int live = p->expires > st->now;
        if (live && p->len == pi->len && memcmp(p->prefix, pi->prefix.b, 16) == 0) {
            slot = p;
            break;
        }
        if (!slot && !live)
            slot = p;
    }
    if (pi->valid == 0) { /* 6.3.4: time it out at once */
        if (slot && slot->expires > st->now)
            slot->expires = 0;
        return;
    }
    if (!slot) {
        stack_drop(st, NULL, SYNACK_CTR_Icmp6InRaPrefixIgnored, "ra-prefix-list-full");
        return;
    }
    memcpy(slot->prefix, pi->prefix.b, 16);
    slot->len = pi->len;
    slot->expires = expiry(st->now, pi->valid);
}

/* RFC 4862 5.5.3: a new address from the prefix, or the lifetimes of the one it formed. */
static void autoconf(synack_stack *st, const nd_prefix *pi)
{
    if (!nd_prefix_autoconf_ok(pi) || pi->valid == 0) {
        stack_drop(st, NULL, SYNACK_CTR_Icmp6InRaPrefixIgnored, "ra-prefix-not-autoconf");
        return;
    }
    ipv6_addr a;
    ip6_link_local(st, &a); /* its low 64 bits are the interface identifier */
    memcpy(a.b, pi->prefix.b, 8);
    uint64_t valid = expiry(st->now, pi->valid);
    if (st->slaac_on || ip6_enabled(st)) {
        if (memcmp(st->cfg.netif.addr6, a.b, 16) != 0) {
            /* another prefix (or a configured address's): one more address */
            addr6x_slaac(st, &a, 64, pi->valid, pi->preferred);
            return;
        }
        if (!st->slaac_on)
            return; /* the configured address itself: its lifetimes are none */
        /* e): a valid lifetime is lowered below two hours only by one above what is left */
        uint64_t left = st->slaac_valid > st->now ? st->slaac_valid - st->now : 0;
        if (valid - st->now > TWO_HOURS_US || valid > st->slaac_valid)
            st->slaac_valid = valid;
        else if (left > TWO_HOURS_US)
            st->slaac_valid = st->now + TWO_HOURS_US;
        st->slaac_preferred = expiry(st->now, pi->preferred);
        return;
    }
    memcpy(st->cfg.netif.addr6, a.b, 16);
    st->cfg.netif.prefix6_len = 64;
    st->slaac_on = 1;
    st->slaac_valid = valid;
    st->slaac_preferred = expiry(st->now, pi->preferred);
    stack_note(st, "slaac: a global address formed, tentative");
    ip6_mld_start(st);
    ip6_dad_start_global(st); /* after: a delayed probe delays the join with it */
}

uint32_t ip6_link_mtu(const synack_stack *st)
{
    return st->ra_mtu ? st->ra_mtu : st->cfg.netif.mtu;
}

/* 6.3.4: the MTU option sets the link's MTU for IPv6 when it is one the link can carry:
 * IPv6's minimum (RFC 8200 5) up to the netif's own. */
static void update_mtu(synack_stack *st, uint32_t mtu)
{
    if (mtu < IPV6_MIN_MTU || mtu > st->cfg.netif.mtu) {
        stack_drop(st, NULL, SYNACK_CTR_Icmp6InRaMtuIgnored, "ra-mtu-bogus");
        return;
    }
    st->ra_mtu = mtu;
}

void ip6_ra_input(synack_stack *st, const ipv6_hdr *h, const nd_msg *nd)
{
    stack_count(st, SYNACK_CTR_Icmp6InRouterAdvertisements);
    update_router(st, &h->src, nd->router_lifetime);
    if (nd->router_lifetime)
        ip6_rs_stop(st); /* 6.3.7: a default router is known */
    if (nd->cur_hop_limit)
        st->ra_hop_limit = nd->cur_hop_limit;
    if (nd->opts.has_mtu)
        update_mtu(st, nd->opts.mtu);
    if (nd->reachable_ms && nd->reachable_ms <= MAX_REACHABLE_MS &&
        (uint64_t)nd->reachable_ms * 1000u != st->nd.cfg.base_reachable_us)
        nd_cache_set_reachable(&st->nd, (uint64_t)nd->reachable_ms * 1000u, &st->rng);
    if (nd->retrans_ms && nd->retrans_ms <= MAX_REACHABLE_MS)
        st->nd.cfg.retrans_us = (uint64_t)nd->retrans_ms * 1000u;
    if (nd->opts.has_slla)
        nd_input_slla(&st->nd, &h->src, nd->opts.slla, st->now);
    nd_set_router(&st->nd, &h->src);
    for (int i = 0; i < nd->opts.nprefix; i++) {
        const nd_prefix *pi = &nd->opts.prefix[i];
        /* 6.3.4: the link-local prefix is ignored, whatever its flags */
        if (ipv6_addr_is_link_local(&pi->prefix)) {
            stack_drop(st, NULL, SYNACK_CTR_Icmp6InRaPrefixIgnored, "ra-prefix-link-local");
            continue;
        }
        if (pi->flags & ND_PREFIX_ONLINK)
            update_on_link(st, pi);
        if ((pi->flags & ND_PREFIX_AUTO) && st->cfg.slaac)
            autoconf(st, pi);
    }
}

void ip6_ra_poll(synack_stack *st)
{
    if (!st->slaac_on || st->now < st->slaac_valid)
        return;
    /* 5.5.4: a valid lifetime run out, the address is gone */
    ipv6_addr gone;
    memcpy(gone.b, st->cfg.netif.addr6, 16);
    memset(st->cfg.netif.addr6, 0, 16);
    st->cfg.netif.prefix6_len = 0;
    st->slaac_on = 0;
    st->dad_state[1] = 0;
    st->dad_timer[1] = UINT64_MAX; /* were its DAD still running */
    stack_note(st, "slaac: the global address's valid lifetime ended, removed");
    ip6_mld_leave(st, &gone);
}

uint64_t ip6_ra_deadline(const synack_stack *st)
{
    return st->slaac_on ? st->slaac_valid : UINT64_MAX;
}
