/* SPDX-License-Identifier: MIT */
/* Duplicate Address Detection (RFC 4862 5.4) for an Ethernet netif's two IPv6 addresses,
 * the link-local one (EUI-64) and the configured global one. Each starts tentative: it
 * neither receives nor sources packets (5.4) while cfg.dad_transmits Neighbor
 * Solicitations from :: to its solicited-node group (5.4.2) go out RetransTimer apart and
 * the last is left RetransTimer to draw an answer. An NA for it (5.4.4) or another node's
 * DAD probe (an NS from ::, 5.4.3) makes it a duplicate: never used, counted
 * (Ip6DadFailed), noted, and reported by synack_addr6_state. Each address has its own
 * count and timer: SLAAC may add the global one while the link-local one is checked. With
 * cfg.dad_delay, joining the group and the first probe wait a random 0..1 s
 * (MAX_RTR_SOLICITATION_DELAY, 5.4.2 SHOULD, for many hosts starting at once), from the
 * first poll or from the RA that formed the address; off by default so that a stack's first
 * poll probes, as tests and sims expect. A duplicate's group is left (mld.c). With
 * cfg.dad_nonce (RFC 7527), an address's probes carry one random nonce, and a probe that
 * arrives with it is our own looped back, dropped (Ip6DadLoopedBack), not a duplicate. */
#include <errno.h>
#include <string.h>

#include "stack/stack_impl.h"
#include "wire/icmpv6.h"

#define DAD_RETRANS_US 1000000u   /* RetransTimer (RFC 4861 10: RETRANS_TIMER) */
#define DAD_MAX_DELAY_US 1000000u /* MAX_RTR_SOLICITATION_DELAY (RFC 4861 10) */

static void slot_addr(const synack_stack *st, int slot, ipv6_addr *a)
{
    if (slot == 0)
        ip6_link_local(st, a);
    else
        memcpy(a->b, st->cfg.netif.addr6, 16);
}

/* The slot of one of our addresses (the link-local one first: a global address configured
 * equal to it shares its slot), or -1. */
static int slot_of(const synack_stack *st, const ipv6_addr *a)
{
    if (!st->nd_on)
        return -1;
    for (int i = 0; i < 1 + ip6_enabled(st); i++) {
        ipv6_addr x;
        slot_addr(st, i, &x);
        if (ipv6_addr_equal(&x, a))
            return i;
    }
    return -1;
}

void ip6_dad_init(synack_stack *st)
{
    uint8_t s = st->cfg.dad_transmits ? SYNACK_ADDR6_TENTATIVE : SYNACK_ADDR6_PREFERRED;
    st->dad_state[0] = st->dad_state[1] = s;
    ipv6_addr ll, g;
    slot_addr(st, 0, &ll);
    slot_addr(st, 1, &g);
    if (ipv6_addr_equal(&ll, &g))
        st->dad_state[1] = SYNACK_ADDR6_PREFERRED; /* slot 0 decides */
    if (!ip6_enabled(st))
        st->dad_state[1] = 0; /* none yet (SLAAC may form one) */
    for (int i = 0; i < 2; i++) {
        st->dad_sent[i] = 0;
        /* Due at once: the first poll probes (the stack has no time before). */
        st->dad_timer[i] = st->dad_state[i] == SYNACK_ADDR6_TENTATIVE ? 0 : UINT64_MAX;
    }
    st->dad_delay_armed = (uint8_t)(st->cfg.dad_delay && st->cfg.dad_transmits);
}

/* The tentative addresses' first probes, and the report joining their groups that goes
 * before them (5.4.2), wait until `at`. */
static void delay_until(synack_stack *st, uint64_t at)
{
    for (int i = 0; i < 2; i++)
        if (st->dad_state[i] == SYNACK_ADDR6_TENTATIVE && st->dad_sent[i] == 0 &&
            st->dad_timer[i] < at)
            st->dad_timer[i] = at;
    if (st->mld_timer != UINT64_MAX && st->mld_timer < at)
        st->mld_timer = at;
}

void ip6_dad_delay(synack_stack *st)
{
    if (!st->dad_delay_armed)
        return;
    st->dad_delay_armed = 0;
    delay_until(st, st->now + rng_below(&st->rng, DAD_MAX_DELAY_US + 1));
}

int ip6_addr_state(const synack_stack *st, const ipv6_addr *a)
{
    int i = slot_of(st, a);
    return i < 0 ? 0 : st->dad_state[i];
}

int ip6_addr_usable(const synack_stack *st, const uint8_t a[16])
{
    ipv6_addr x;
    memcpy(x.b, a, 16);
    int i = slot_of(st, &x);
    return i < 0 || st->dad_state[i] == SYNACK_ADDR6_PREFERRED;
}

static void send_probe(synack_stack *st, int slot, const ipv6_addr *target)
{
    ipv6_addr unspec, sn;
    memset(&unspec, 0, sizeof unspec);
    ipv6_addr_solicited_node(&sn, target);
    uint8_t l4[64], mac[6];
    size_t n;
    if (st->cfg.dad_nonce) {
        uint8_t *nonce = st->dad_nonce[slot];
        /* one per run of probes, as Linux's dad_nonce */
        if (st->dad_sent[slot] == 0) {
            uint64_t r = rng_next(&st->rng) | 1; /* never all zero */
            for (int k = 0; k < ND_NONCE_LEN; k++)
                nonce[k] = (uint8_t)(r >> (8 * k));
        }
        n = nd_ns_nonce_emit(l4, sizeof(l4), target, nonce, &sn);
    } else {
        /* 5.4.2 (RFC 4861 7.2.2): no source link-layer address option from :: */
        n = nd_ns_emit(l4, sizeof(l4), target, NULL, &unspec, &sn);
    }
    ipv6_mcast_mac(mac, &sn);
    stack_count(st, SYNACK_CTR_Icmp6OutNeighborSolicits);
    ip6_nd_send(st, &unspec, &sn, mac, l4, n);
}

void ip6_dad_poll(synack_stack *st)
{
    if (!st->nd_on)
        return;
    for (int i = 0; i < 2; i++) {
        if (st->dad_state[i] != SYNACK_ADDR6_TENTATIVE || st->now < st->dad_timer[i])
            continue;
        if (st->dad_sent[i] < st->cfg.dad_transmits) {
            ipv6_addr a;
            slot_addr(st, i, &a);
            send_probe(st, i, &a);
            st->dad_sent[i]++;
            st->dad_timer[i] = st->now + DAD_RETRANS_US;
        } else {
            st->dad_state[i] = SYNACK_ADDR6_PREFERRED;
            st->dad_timer[i] = UINT64_MAX;
            stack_note(st, i ? "dad: the global address is unique, in use"
                             : "dad: the link-local address is unique, in use");
        }
    }
}

void ip6_dad_start_global(synack_stack *st)
{
    st->dad_state[1] = st->cfg.dad_transmits ? SYNACK_ADDR6_TENTATIVE : SYNACK_ADDR6_PREFERRED;
    st->dad_sent[1] = 0;
    st->dad_timer[1] = st->cfg.dad_transmits ? st->now : UINT64_MAX;
    /* 5.4.2: an address an RA to all-nodes formed is delayed even when not the first */
    if (st->cfg.dad_delay && st->cfg.dad_transmits)
        delay_until(st, st->now + rng_below(&st->rng, DAD_MAX_DELAY_US + 1));
}

uint64_t ip6_dad_deadline(const synack_stack *st)
{
    if (!st->nd_on)
        return UINT64_MAX;
    return st->dad_timer[0] < st->dad_timer[1] ? st->dad_timer[0] : st->dad_timer[1];
}

int ip6_dad_input(synack_stack *st, const ipv6_hdr *h, const nd_msg *nd)
{
    int i = slot_of(st, &nd->target);
    if (i < 0 || st->dad_state[i] != SYNACK_ADDR6_TENTATIVE)
        return 0;
    /* 5.4.3: an NS from a unicast source is address resolution for an address we do not
     * hold yet: not answered. */
    if (nd->type == ICMP6_ND_NS && !ipv6_addr_is_unspecified(&h->src)) {
        stack_drop(st, NULL, SYNACK_CTR_COUNT, "nd-ns-tentative-target");
        return 1;
    }
    /* RFC 7527 4.2: our own probe come back (a looped link): not another node's */
    if (nd->type == ICMP6_ND_NS && st->cfg.dad_nonce && nd->opts.has_nonce && st->dad_sent[i] &&
        memcmp(nd->opts.nonce, st->dad_nonce[i], ND_NONCE_LEN) == 0) {
        stack_drop(st, NULL, SYNACK_CTR_Ip6DadLoopedBack, "nd-dad-looped-back");
        return 1;
    }
    st->dad_state[i] = SYNACK_ADDR6_DUPLICATE;
    stack_count(st, SYNACK_CTR_Ip6DadFailed);
    stack_note(st, i ? "dad: the global address is a duplicate, not used"
                     : "dad: the link-local address is a duplicate, not used");
    st->dad_timer[i] = UINT64_MAX;
    ipv6_addr a;
    slot_addr(st, i, &a);
    ip6_mld_leave(st, &a);
    return 1;
}

int synack_addr6_state(synack_stack *st, const uint8_t addr[16])
{
    if (!st || !addr)
        return -EINVAL;
    ipv6_addr a;
    memcpy(a.b, addr, 16);
    int s = ip6_addr_state(st, &a);
    /* RFC 4862 5.5.4: a formed address past its preferred lifetime */
    if (s == SYNACK_ADDR6_PREFERRED && st->slaac_on && st->now >= st->slaac_preferred &&
        memcmp(addr, st->cfg.netif.addr6, 16) == 0)
        return SYNACK_ADDR6_DEPRECATED;
    if (s)
        return s;
    if ((s = addr6x_state(st, &a)) != 0)
        return s;
    /* A netif without ND (a TUN link) uses its address as configured. */
    if (ip6_enabled(st) && memcmp(addr, st->cfg.netif.addr6, 16) == 0)
        return SYNACK_ADDR6_PREFERRED;
    return -EADDRNOTAVAIL;
}
