/* SPDX-License-Identifier: MIT */
/* The IPv6 addresses a netif holds beside netif.addr6 and the link-local one: those the
 * program adds (synack_addr6_add) and those SLAAC forms from a second or later autonomous
 * prefix (RFC 4862 5.5.3). cfg.addr6_max slots, allocated at the first; one more is refused
 * and counted (Ip6AddrListFull), so neither the program nor a router's prefixes grow it.
 * Each address runs its own DAD (5.4: tentative, cfg.dad_transmits probes RetransTimer
 * apart; a duplicate is kept, never used, so synack_addr6_state can tell) and has its own
 * lifetimes: past the preferred one it is deprecated (5.5.4: kept for the connections that
 * use it, not chosen for new ones, addr6_select.c), past the valid one removed. Its
 * solicited-node group is joined and left through mld.c, which counts it among ours while
 * the address is here and not a duplicate. */
#include <errno.h>
#include <string.h>

#include "stack/addr6_select.h"
#include "stack/stack_impl.h"
#include "wire/icmpv6.h"

#define RETRANS_US 1000000u   /* RetransTimer (RFC 4861 10) */
#define MAX_DELAY_US 1000000u /* MAX_RTR_SOLICITATION_DELAY (RFC 4861 10) */
#define TWO_HOURS_US (2ull * 3600u * 1000000u)

typedef struct addr6x {
    ipv6_addr a;
    uint8_t used; /* the slot holds an address */
    uint8_t prefix_len;
    uint8_t state;    /* SYNACK_ADDR6_TENTATIVE, _PREFERRED or _DUPLICATE */
    uint8_t origin;   /* SYNACK_ADDR6_ADDED or SYNACK_ADDR6_SLAAC */
    uint8_t dad_sent; /* probes sent */
    uint8_t nonce[ND_NONCE_LEN];
    uint64_t dad_timer;                    /* the next probe or the verdict; UINT64_MAX none */
    uint64_t valid_until, preferred_until; /* UINT64_MAX: forever */
    uint64_t seq; /* the order the addresses came in, for synack_addr6_list */
} addr6x;

static uint64_t expiry(uint64_t now, uint32_t seconds)
{
    return seconds == SYNACK_ADDR6_FOREVER ? UINT64_MAX : now + (uint64_t)seconds * 1000000u;
}

static addr6x *find(const synack_stack *st, const ipv6_addr *a)
{
    for (uint32_t i = 0; st->a6x && i < st->cfg.addr6_max; i++)
        if (st->a6x[i].used && ipv6_addr_equal(&st->a6x[i].a, a))
            return &st->a6x[i];
    return NULL;
}

static int deprecated(const synack_stack *st, const addr6x *e)
{
    return st->now >= e->preferred_until;
}

int addr6x_usable(const synack_stack *st, const ipv6_addr *a)
{
    const addr6x *e = find(st, a);
    return e && e->state == SYNACK_ADDR6_PREFERRED;
}

int addr6x_holds(const synack_stack *st, const ipv6_addr *a)
{
    const addr6x *e = find(st, a);
    return e && e->state != SYNACK_ADDR6_DUPLICATE;
}

int addr6x_state(const synack_stack *st, const ipv6_addr *a)
{
    const addr6x *e = find(st, a);
    if (!e)
        return 0;
    if (e->state == SYNACK_ADDR6_PREFERRED && deprecated(st, e))
        return SYNACK_ADDR6_DEPRECATED;
    return e->state;
}

size_t addr6x_groups(const synack_stack *st, ipv6_addr *g, size_t n)
{
    for (uint32_t i = 0; st->a6x && i < st->cfg.addr6_max; i++) {
        const addr6x *e = &st->a6x[i];
        if (!e->used || e->state == SYNACK_ADDR6_DUPLICATE)
            continue;
        ipv6_addr sn;
        ipv6_addr_solicited_node(&sn, &e->a);
        size_t k = 0;
        while (k < n && !ipv6_addr_equal(&g[k], &sn))
            k++;
        if (k == n)
            g[n++] = sn;
    }
    return n;
}

/* Whether a is one of the netif's own two (which the list never duplicates). */
static int fixed_addr(const synack_stack *st, const ipv6_addr *a)
{
    ipv6_addr ll;
    ip6_link_local(st, &ll);
    if (st->cfg.netif.type == SYNACK_LINK_ETHERNET && ipv6_addr_equal(a, &ll))
        return 1;
    return ip6_enabled(st) && memcmp(a->b, st->cfg.netif.addr6, 16) == 0;
}

/* A new address in a free slot, tentative where DAD runs; -EEXIST or -ENOSPC. */
static int insert(synack_stack *st, const ipv6_addr *a, uint8_t plen, uint64_t valid,
                  uint64_t preferred, uint8_t origin)
{
    if (fixed_addr(st, a) || find(st, a))
        return -EEXIST;
    if (!st->a6x && st->cfg.addr6_max) {
        st->a6x = stack_alloc(st, sizeof(addr6x) * st->cfg.addr6_max);
        if (!st->a6x)
            return -ENOMEM;
        memset(st->a6x, 0, sizeof(addr6x) * st->cfg.addr6_max);
    }
    addr6x *e = NULL;
    uint64_t seq = 0;
    for (uint32_t i = 0; st->a6x && i < st->cfg.addr6_max; i++) {
        if (!st->a6x[i].used && !e)
            e = &st->a6x[i];
        else if (st->a6x[i].used && st->a6x[i].seq >= seq)
            seq = st->a6x[i].seq + 1;
    }
    if (!e) {
        stack_count(st, SYNACK_CTR_Ip6AddrListFull);
        stack_note(st, "addr6: the address list is full, an address refused");
        return -ENOSPC;
    }
    int dad = st->nd_on && st->cfg.dad_transmits;
    *e = (addr6x){.a = *a,
                  .used = 1,
                  .prefix_len = plen,
                  .state = dad ? SYNACK_ADDR6_TENTATIVE : SYNACK_ADDR6_PREFERRED,
                  .origin = origin,
                  .dad_timer = dad ? st->now : UINT64_MAX,
                  .valid_until = valid,
                  .preferred_until = preferred,
                  .seq = seq};
    /* 5.4.2: an address an RA to all-nodes formed waits a random delay, as dad.c's */
    if (dad && origin == SYNACK_ADDR6_SLAAC && st->cfg.dad_delay)
        e->dad_timer += rng_below(&st->rng, MAX_DELAY_US + 1);
    if (st->nd_on)
        ip6_mld_start(st); /* due now: the poll sends the join before the first probe */
    return 0;
}

/* The slot's address is gone: its group is left unless another address still has it. */
static void drop(synack_stack *st, addr6x *e)
{
    ipv6_addr a = e->a;
    int had_group = e->state != SYNACK_ADDR6_DUPLICATE;
    memset(e, 0, sizeof *e);
    if (st->nd_on && had_group)
        ip6_mld_leave(st, &a);
}

static int unicast_ok(const ipv6_addr *a)
{
    return !ipv6_addr_is_unspecified(a) && !ipv6_addr_is_multicast(a) &&
           !ipv6_addr_is_loopback(a) && !ipv6_addr_is_v4mapped(a);
}

int synack_addr6_add(synack_stack *st, const uint8_t addr[16], uint8_t prefix_len, uint32_t valid_s,
                     uint32_t preferred_s)
{
    if (!st || !addr)
        return -EINVAL;
    if (st->cb_depth > 0)
        return -EBUSY;
    ipv6_addr a;
    memcpy(a.b, addr, 16);
    if (prefix_len > 128 || valid_s == 0 || preferred_s > valid_s || !unicast_ok(&a))
        return -EINVAL;
    if (!ip6_on(st))
        return -EAFNOSUPPORT; /* not a netif with IPv6 (cfg.ipv6 makes one) */
    return insert(st, &a, prefix_len, expiry(st->now, valid_s), expiry(st->now, preferred_s),
                  SYNACK_ADDR6_ADDED);
}

int synack_addr6_del(synack_stack *st, const uint8_t addr[16])
{
    if (!st || !addr)
        return -EINVAL;
    if (st->cb_depth > 0)
        return -EBUSY;
    ipv6_addr a;
    memcpy(a.b, addr, 16);
    addr6x *e = find(st, &a);
    if (!e)
        return fixed_addr(st, &a) ? -EPERM : -EADDRNOTAVAIL;
    drop(st, e);
    return 0;
}

static void fill(synack_addr6_info *o, const ipv6_addr *a, uint8_t plen, int state, uint8_t origin,
                 uint64_t valid, uint64_t preferred)
{
    memcpy(o->addr, a->b, 16);
    o->prefix_len = plen;
    o->state = (uint8_t)state;
    o->origin = origin;
    o->valid_until = valid;
    o->preferred_until = preferred;
}

int synack_addr6_list(synack_stack *st, synack_addr6_info *out, size_t max)
{
    if (!st || (!out && max))
        return -EINVAL;
    size_t n = 0;
    ipv6_addr a;
    if (st->nd_on) {
        ip6_link_local(st, &a);
        if (n < max)
            fill(&out[n], &a, 64, ip6_addr_state(st, &a), SYNACK_ADDR6_LINK_LOCAL, UINT64_MAX,
                 UINT64_MAX);
        n++;
    }
    if (ip6_enabled(st)) {
        memcpy(a.b, st->cfg.netif.addr6, 16);
        if (n < max) {
            int s = synack_addr6_state(st, a.b);
            uint64_t v = st->slaac_on ? st->slaac_valid : UINT64_MAX;
            uint64_t p = st->slaac_on ? st->slaac_preferred : UINT64_MAX;
            fill(&out[n], &a, st->cfg.netif.prefix6_len, s < 0 ? 0 : s,
                 st->slaac_on ? SYNACK_ADDR6_SLAAC : SYNACK_ADDR6_STATIC, v, p);
        }
        n++;
    }
    /* the added ones in the order they came (seq), whatever slots they took */
    uint64_t next = 0;
    for (;;) {
        const addr6x *e = NULL;
        for (uint32_t i = 0; st->a6x && i < st->cfg.addr6_max; i++) {
            const addr6x *x = &st->a6x[i];
            if (x->used && x->seq >= next && (!e || x->seq < e->seq))
                e = x;
        }
        if (!e)
            break;
        if (n < max)
            fill(&out[n], &e->a, e->prefix_len, addr6x_state(st, &e->a), e->origin, e->valid_until,
                 e->preferred_until);
        n++;
        next = e->seq + 1;
    }
    return (int)n;
}

static void send_probe(synack_stack *st, addr6x *e)
{
    ipv6_addr unspec, sn;
    memset(&unspec, 0, sizeof unspec);
    ipv6_addr_solicited_node(&sn, &e->a);
    uint8_t l4[64], mac[6];
    size_t n;
    if (st->cfg.dad_nonce) {
        if (e->dad_sent == 0) {
            uint64_t r = rng_next(&st->rng) | 1; /* never all zero */
            for (int k = 0; k < ND_NONCE_LEN; k++)
                e->nonce[k] = (uint8_t)(r >> (8 * k));
        }
        n = nd_ns_nonce_emit(l4, sizeof(l4), &e->a, e->nonce, &sn);
    } else {
        n = nd_ns_emit(l4, sizeof(l4), &e->a, NULL, &unspec, &sn); /* no SLLA from :: */
    }
    ipv6_mcast_mac(mac, &sn);
    stack_count(st, SYNACK_CTR_Icmp6OutNeighborSolicits);
    ip6_nd_send(st, &unspec, &sn, mac, l4, n);
}

void addr6x_poll(synack_stack *st)
{
    for (uint32_t i = 0; st->a6x && i < st->cfg.addr6_max; i++) {
        addr6x *e = &st->a6x[i];
        if (!e->used)
            continue;
        if (st->now >= e->valid_until) {
            stack_note(st, "addr6: an address's valid lifetime ended, removed");
            drop(st, e);
            continue;
        }
        if (e->state != SYNACK_ADDR6_TENTATIVE || st->now < e->dad_timer)
            continue;
        if (e->dad_sent < st->cfg.dad_transmits) {
            send_probe(st, e);
            e->dad_sent++;
            e->dad_timer = st->now + RETRANS_US;
        } else {
            e->state = SYNACK_ADDR6_PREFERRED;
            e->dad_timer = UINT64_MAX;
            stack_note(st, "dad: an added address is unique, in use");
        }
    }
}

uint64_t addr6x_deadline(const synack_stack *st)
{
    uint64_t t = UINT64_MAX;
    for (uint32_t i = 0; st->a6x && i < st->cfg.addr6_max; i++) {
        const addr6x *e = &st->a6x[i];
        if (!e->used)
            continue;
        if (e->dad_timer < t)
            t = e->dad_timer;
        if (e->valid_until < t)
            t = e->valid_until;
    }
    return t;
}

int addr6x_dad_input(synack_stack *st, const ipv6_hdr *h, const nd_msg *nd)
{
    addr6x *e = find(st, &nd->target);
    if (!e || e->state != SYNACK_ADDR6_TENTATIVE)
        return 0;
    /* 5.4.3: address resolution for an address we do not hold yet: not answered */
    if (nd->type == ICMP6_ND_NS && !ipv6_addr_is_unspecified(&h->src)) {
        stack_drop(st, NULL, SYNACK_CTR_COUNT, "nd-ns-tentative-target");
        return 1;
    }
    if (nd->type == ICMP6_ND_NS && st->cfg.dad_nonce && nd->opts.has_nonce && e->dad_sent &&
        memcmp(nd->opts.nonce, e->nonce, ND_NONCE_LEN) == 0) {
        stack_drop(st, NULL, SYNACK_CTR_Ip6DadLoopedBack, "nd-dad-looped-back");
        return 1;
    }
    e->state = SYNACK_ADDR6_DUPLICATE;
    e->dad_timer = UINT64_MAX;
    stack_count(st, SYNACK_CTR_Ip6DadFailed);
    stack_note(st, "dad: an added address is a duplicate, not used");
    ip6_mld_leave(st, &e->a);
    return 1;
}

void addr6x_slaac(synack_stack *st, const ipv6_addr *a, uint8_t plen, uint32_t valid_s,
                  uint32_t preferred_s)
{
    addr6x *e = find(st, a);
    if (!e) {
        if (insert(st, a, plen, expiry(st->now, valid_s), expiry(st->now, preferred_s),
                   SYNACK_ADDR6_SLAAC) == 0)
            stack_note(st, "slaac: another global address formed, tentative");
        return;
    }
    if (e->origin != SYNACK_ADDR6_SLAAC)
        return; /* the program's own: its lifetimes are the program's */
    /* 5.5.3 e): a valid lifetime is lowered below two hours only by one above what is
     * left (the "two-hour rule" against a spoofed RA that would expire it) */
    uint64_t valid = expiry(st->now, valid_s);
    /* (an RA between the end and the poll that removes it finds nothing left) */
    uint64_t left = e->valid_until > st->now ? e->valid_until - st->now : 0;
    if (valid > st->now + TWO_HOURS_US || valid > e->valid_until)
        e->valid_until = valid;
    else if (left > TWO_HOURS_US)
        e->valid_until = st->now + TWO_HOURS_US;
    e->preferred_until = expiry(st->now, preferred_s);
}

void addr6x_destroy(synack_stack *st)
{
    if (st->a6x)
        stack_free(st, st->a6x, sizeof(addr6x) * st->cfg.addr6_max);
    st->a6x = NULL;
}

int addr6x_on_link(const synack_stack *st, const ipv6_addr *dst)
{
    for (uint32_t i = 0; st->a6x && i < st->cfg.addr6_max; i++) {
        const addr6x *e = &st->a6x[i];
        uint8_t p = e->prefix_len;
        if (!e->used || e->origin != SYNACK_ADDR6_ADDED || p == 0 || p >= 128)
            continue;
        uint8_t mask = (uint8_t)(0xff00 >> (p % 8));
        if (memcmp(dst->b, e->a.b, p / 8) == 0 &&
            (p % 8 == 0 || ((dst->b[p / 8] ^ e->a.b[p / 8]) & mask) == 0))
            return 1;
    }
    return 0;
}

/* RFC 6724 5 among the usable addresses, the link-local one too when with_ll. */
static int select_src(const synack_stack *st, const ipv6_addr *dst, int with_ll, ipv6_addr *out)
{
    addr6_cand c[3 + ADDR6X_MAX];
    size_t n = 0;
    ipv6_addr a;
    if (with_ll && st->nd_on) {
        ip6_link_local(st, &a);
        if (ip6_addr_usable(st, a.b))
            c[n++] = (addr6_cand){.a = a, .prefix_len = 64};
    }
    if (ip6_enabled(st) && ip6_addr_usable(st, st->cfg.netif.addr6)) {
        memcpy(a.b, st->cfg.netif.addr6, 16);
        c[n++] = (addr6_cand){.a = a,
                              .prefix_len = st->cfg.netif.prefix6_len,
                              .deprecated = st->slaac_on && st->now >= st->slaac_preferred};
    }
    for (uint32_t i = 0; st->a6x && i < st->cfg.addr6_max; i++) {
        const addr6x *e = &st->a6x[i];
        if (e->used && e->state == SYNACK_ADDR6_PREFERRED)
            c[n++] = (addr6_cand){
                .a = e->a, .prefix_len = e->prefix_len, .deprecated = deprecated(st, e)};
    }
    int k = addr6_select(c, n, dst);
    if (k < 0)
        return -EADDRNOTAVAIL;
    *out = c[k].a;
    return 0;
}

int ip6_select_src(const synack_stack *st, const uint8_t dst[16], uint8_t out[16])
{
    /* the link-local address only for a link-local peer: never a global destination's
     * source, even with no global address in use */
    ipv6_addr d, s;
    memcpy(d.b, dst, 16);
    int rc = select_src(st, &d, ipv6_addr_is_link_local(&d), &s);
    if (rc == 0)
        memcpy(out, s.b, 16);
    return rc;
}

int ip6_origin_src(const synack_stack *st, const ipv6_addr *dst, const ipv6_addr *prefer,
                   ipv6_addr *out)
{
    if (prefer && ip6_ours_unicast(st, prefer)) {
        *out = *prefer;
        return 0;
    }
    return select_src(st, dst, 1, out);
}
