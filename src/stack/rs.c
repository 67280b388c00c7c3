/* SPDX-License-Identifier: MIT */
/* Router Solicitations (RFC 4861 6.3.7) on an Ethernet netif: a host that wants routers
 * (cfg.router_solicits; by default when SLAAC is on, the one use that cannot wait for the
 * next unsolicited RA, which may be 600 s away) asks for them once its link-local address
 * is in use. The first waits a random 0..MAX_RTR_SOLICITATION_DELAY (1 s), so hosts
 * started together do not solicit together; the others follow RTR_SOLICITATION_INTERVAL
 * (4 s) apart, at most cfg.router_solicits (MAX_RTR_SOLICITATIONS, 3) in all. A valid RA
 * with a non-zero Router Lifetime ends them, also one that came before the first: the
 * router is known (Linux stops on IF_RA_RCVD the same way).
 *
 * Always from the link-local address with our link-layer address (4.1 SHOULD): it waits
 * for DAD, as a tentative address may source nothing (RFC 4862 5.4), so the RFC's other
 * case, from :: without the option, never arises; nor after DAD found the link-local
 * address a duplicate, when IP operation on the interface should stop (RFC 4862 5.4.5). */
#include <string.h>

#include "stack/stack_impl.h"
#include "wire/icmpv6.h"

#define MAX_RTR_SOLICITATIONS 3
#define MAX_RTR_SOLICITATION_DELAY_US 1000000u
#define RTR_SOLICITATION_INTERVAL_US 4000000u

static const ipv6_addr all_routers = {{0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2}};

void ip6_rs_init(synack_stack *st)
{
    uint8_t n = st->cfg.router_solicits;
    if (n == SYNACK_RTR_SOLICITS_AUTO)
        n = st->cfg.slaac ? MAX_RTR_SOLICITATIONS : 0;
    st->rs_left = n;
    st->rs_started = 0;
    st->rs_timer = UINT64_MAX;
}

void ip6_rs_stop(synack_stack *st)
{
    st->rs_left = 0;
    st->rs_timer = UINT64_MAX;
}

static void send_rs(synack_stack *st)
{
    ipv6_addr src;
    ip6_link_local(st, &src);
    uint8_t l4[16], mac[6];
    size_t n = nd_rs_emit(l4, sizeof(l4), st->cfg.netif.mac, &src, &all_routers);
    ipv6_mcast_mac(mac, &all_routers);
    stack_count(st, SYNACK_CTR_Icmp6OutRouterSolicits);
    ip6_nd_send(st, &src, &all_routers, mac, l4, n);
}

void ip6_rs_poll(synack_stack *st)
{
    if (!st->rs_left)
        return;
    if (!st->rs_started) {
        if (st->dad_state[0] != SYNACK_ADDR6_PREFERRED)
            return;
        st->rs_started = 1;
        st->rs_timer = st->now + rng_below(&st->rng, MAX_RTR_SOLICITATION_DELAY_US + 1);
    }
    if (st->now < st->rs_timer)
        return;
    send_rs(st);
    st->rs_left--;
    st->rs_timer = st->rs_left ? st->now + RTR_SOLICITATION_INTERVAL_US : UINT64_MAX;
}

uint64_t ip6_rs_deadline(const synack_stack *st)
{
    if (!st->rs_left)
        return UINT64_MAX;
    if (!st->rs_started) /* the link-local address in use: the next poll times them */
        return st->dad_state[0] == SYNACK_ADDR6_PREFERRED ? st->now : UINT64_MAX;
    return st->rs_timer;
}
