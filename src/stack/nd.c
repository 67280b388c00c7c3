/* SPDX-License-Identifier: MIT */
/* IPv6 on Ethernet: Neighbor Discovery (RFC 4861) wired to the netif. The neighbor cache
 * (nd_cache.c) resolves each next hop before a packet goes out, holding a bounded few
 * while it solicits; Neighbor Solicitations for our addresses are answered; ND messages
 * are checked by wire/icmpv6.c's nd_parse (hop limit 255, 7.1.1). The netif answers to
 * its configured address and to a link-local one made from its MAC (modified EUI-64,
 * RFC 4291 appendix A), to their solicited-node groups and to all-nodes (RFC 4291 2.7.1),
 * each on its 33:33 MAC (RFC 2464 7). Another node's DAD probe (from ::) is answered, as
 * 7.2.4 says; our own addresses go through DAD first (dad.c), their groups are joined by
 * MLD reports (mld.c); Router Solicitations are rs.c's, Advertisements router.c's. */
#include <errno.h>
#include <string.h>

#include "stack/stack_impl.h"
#include "wire/eth.h"
#include "wire/icmpv6.h"

static const ipv6_addr all_nodes = {{0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}};

static ipv6_addr global6(const synack_stack *st)
{
    ipv6_addr a;
    memcpy(a.b, st->cfg.netif.addr6, 16);
    return a;
}

void ip6_link_local(const synack_stack *st, ipv6_addr *out)
{
    ipv6_addr_link_local_eui64(out, st->cfg.netif.mac);
}

/* One of the netif's unicast addresses, in use (not tentative or duplicate, RFC 4862 5.4). */
int ip6_ours_unicast(const synack_stack *st, const ipv6_addr *a)
{
    if (ip6_enabled(st) && memcmp(a->b, st->cfg.netif.addr6, 16) == 0)
        return ip6_addr_usable(st, a->b);
    if (addr6x_usable(st, a))
        return 1;
    if (st->cfg.netif.type != SYNACK_LINK_ETHERNET)
        return 0;
    ipv6_addr ll;
    ip6_link_local(st, &ll);
    return ipv6_addr_equal(a, &ll) && ip6_addr_usable(st, a->b);
}

int ip6_is_our_dst(const synack_stack *st, const ipv6_addr *a)
{
    if (ip6_ours_unicast(st, a))
        return 1;
    if (st->cfg.netif.type != SYNACK_LINK_ETHERNET)
        return 0;
    if (ipv6_addr_equal(a, &all_nodes))
        return 1;
    ipv6_addr g = global6(st), ll, sn;
    ip6_link_local(st, &ll);
    ipv6_addr_solicited_node(&sn, &g);
    if (ip6_enabled(st) && ipv6_addr_equal(a, &sn)) /* none while netif.addr6 is unset */
        return 1;
    ipv6_addr_solicited_node(&sn, &ll);
    if (ipv6_addr_equal(a, &sn))
        return 1;
    ipv6_addr xg[ADDR6X_MAX];
    size_t n = addr6x_groups(st, xg, 0);
    for (size_t i = 0; i < n; i++)
        if (ipv6_addr_equal(a, &xg[i]))
            return 1;
    return 0;
}

int ip6_mac_ours(const synack_stack *st, const uint8_t mac[6])
{
    if (mac[0] != 0x33 || mac[1] != 0x33)
        return 0;
    /* Only the groups above; their low 32 bits are what the MAC carries. */
    ipv6_addr g;
    memcpy(g.b, all_nodes.b, 12);
    memcpy(g.b + 12, mac + 2, 4);
    if (ipv6_addr_equal(&g, &all_nodes))
        return 1;
    static const uint8_t sn_prefix[13] = {0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xff};
    memcpy(g.b, sn_prefix, 13);
    memcpy(g.b + 13, mac + 3, 3);
    return mac[2] == 0xff && ip6_is_our_dst(st, &g);
}

/* Sends the IPv6 packet ip (len bytes, ETH_HDR_LEN of room before it) to mac. */
static int eth_send_meta(synack_stack *st, uint8_t *ip, size_t len, const uint8_t mac[6],
                         const synack_tx_meta *meta)
{
    eth_hdr eh = {.ethertype = ETHERTYPE_IPV6};
    memcpy(eh.dst, mac, 6);
    memcpy(eh.src, st->cfg.netif.mac, 6);
    eth_emit(ip - ETH_HDR_LEN, ETH_HDR_LEN, &eh);
    int rc = ip_send_frame(st, ip - ETH_HDR_LEN, ETH_HDR_LEN + len, meta);
    if (rc < 0)
        stack_count(st, SYNACK_CTR_Ip6OutDiscards);
    return rc;
}

static int eth_send(synack_stack *st, uint8_t *ip, size_t len, const uint8_t mac[6])
{
    return eth_send_meta(st, ip, len, mac, NULL);
}

/* The next hop for dst into nh: a route's when one more specific than the on-link
 * prefixes says (route_nh.c), else dst itself when it is on link (link-local, inside our
 * prefix or an advertised on-link one), else gateway6, else a default router that
 * advertised itself (RFC 4861 5.2). 0: none. */
static int next_hop(const synack_stack *st, const ipv6_addr *dst, ipv6_addr *nh)
{
    const synack_netif *nif = &st->cfg.netif;
    if (route6_next_hop(st, dst, nh))
        return 1;
    *nh = *dst;
    uint8_t plen = nif->prefix6_len;
    int on_link = ipv6_addr_is_link_local(dst) || addr6x_on_link(st, dst);
    if (!on_link && plen && ip6_enabled(st)) {
        uint8_t mask_bits = plen % 8;
        on_link = memcmp(dst->b, nif->addr6, plen / 8) == 0 &&
                  (!mask_bits || ((dst->b[plen / 8] ^ nif->addr6[plen / 8]) &
                                  (uint8_t)(0xff00 >> mask_bits)) == 0);
    }
    if (on_link || (st->nd_on && ip6_ra_on_link(st, dst)))
        return 1;
    static const uint8_t zero[16];
    if (memcmp(nif->gateway6, zero, 16) == 0)
        return st->nd_on && ip6_ra_default_router(st, nh); /* RFC 4861 6.3.6 */
    memcpy(nh->b, nif->gateway6, 16);
    return 1;
}

void ip6_nd_confirm(synack_stack *st, const uint8_t dst6[16])
{
    ipv6_addr dst, nh;
    memcpy(dst.b, dst6, 16);
    if (st->nd_on && next_hop(st, &dst, &nh))
        nd_confirm(&st->nd, &nh, st->now);
}

int ip6_eth_output(synack_stack *st, uint8_t *ip, size_t len, const uint8_t dst6[16])
{
    return ip6_eth_output_meta(st, ip, len, dst6, NULL);
}

int ip6_eth_output_meta(synack_stack *st, uint8_t *ip, size_t len, const uint8_t dst6[16],
                        const synack_tx_meta *meta)
{
    ipv6_addr dst, nh;
    memcpy(dst.b, dst6, 16);
    uint8_t mac[6];
    if (ipv6_addr_is_multicast(&dst)) {
        ipv6_mcast_mac(mac, &dst);
        return eth_send_meta(st, ip, len, mac, meta);
    }
    if (!next_hop(st, &dst, &nh)) {
        stack_count(st, SYNACK_CTR_Ip6OutNoRoutes);
        return -ENETUNREACH;
    }
    /* A packet that waits for the neighbour is copied: its payload must be in it. */
    const nd_entry *ne = nd_lookup(&st->nd, &nh);
    if (!ne || ne->state == ND_INCOMPLETE)
        ip_tx_flatten(st, ip - ETH_HDR_LEN, ETH_HDR_LEN + len);
    int rc = nd_resolve_meta(&st->nd, &nh, ip, len, meta, st->now, mac);
    if (rc == 1)
        return 0; /* waits for the neighbor's address (copied into the cache's queue) */
    if (rc < 0) {
        stack_drop(st, NULL, SYNACK_CTR_Ip6OutDiscards, "nd-unresolved");
        return rc;
    }
    return eth_send_meta(st, ip, len, mac, meta);
}

/* An ND message (l4, n bytes) with hop limit 255 from src to dst, built outside txbuf
 * (a packet waiting there may be what asked for it): to mac, or resolved when NULL. */
void ip6_nd_send(synack_stack *st, const ipv6_addr *src, const ipv6_addr *dst, const uint8_t *mac,
                 const uint8_t *l4, size_t n)
{
    uint8_t f[ETH_HDR_LEN + IPV6_HDR_LEN + 64];
    uint8_t *ip = f + ETH_HDR_LEN;
    ipv6_hdr h = {.next = IP_PROTO_ICMPV6, .hop_limit = ND_HOP_LIMIT, .src = *src, .dst = *dst};
    if (n == 0 || n > 64 || ipv6_emit(ip, IPV6_HDR_LEN, &h, n) == 0)
        return;
    memcpy(ip + IPV6_HDR_LEN, l4, n);
    stack_count(st, SYNACK_CTR_Ip6OutRequests);
    stack_count(st, SYNACK_CTR_Icmp6OutMsgs);
    if (mac)
        (void)eth_send(st, ip, IPV6_HDR_LEN + n, mac);
    else
        (void)ip6_eth_output(st, ip, IPV6_HDR_LEN + n, dst->b);
}

/* RFC 4861 7.2.2: from the prompting packet's source when that is ours, so the neighbor's
 * cache learns the address the packet will come from; else by selection (the link-local
 * address for a link-local target, rule 2). */
static void cb_send_ns(void *ctx, const ipv6_addr *target, const uint8_t *mac,
                       const uint8_t *prompt, size_t len)
{
    synack_stack *st = ctx;
    ipv6_addr dst = *target, src, psrc;
    if (prompt && len >= IPV6_HDR_LEN)
        memcpy(psrc.b, prompt + 8, 16);
    if (ip6_origin_src(st, target, prompt && len >= IPV6_HDR_LEN ? &psrc : NULL, &src) < 0) {
        stack_drop(st, NULL, SYNACK_CTR_Ip6OutNoRoutes, "nd-ns-no-source");
        return;
    }
    uint8_t mmac[6];
    if (!mac) {
        ipv6_addr_solicited_node(&dst, target);
        ipv6_mcast_mac(mmac, &dst);
        mac = mmac;
    }
    uint8_t l4[64];
    size_t n = nd_ns_emit(l4, sizeof(l4), target, st->cfg.netif.mac, &src, &dst);
    stack_count(st, SYNACK_CTR_Icmp6OutNeighborSolicits);
    ip6_nd_send(st, &src, &dst, mac, l4, n);
}

static void cb_xmit_meta(void *ctx, const uint8_t mac[6], const uint8_t *pkt, size_t len,
                         const synack_tx_meta *meta)
{
    synack_stack *st = ctx;
    uint8_t *ip = st->txbuf + ETH_HDR_LEN;
    if (len > st->txcap - ETH_HDR_LEN)
        return;
    memcpy(ip, pkt, len); /* the cache's copy, never txbuf itself */
    (void)eth_send_meta(st, ip, len, mac, meta);
}

static void cb_xmit(void *ctx, const uint8_t mac[6], const uint8_t *pkt, size_t len)
{
    cb_xmit_meta(ctx, mac, pkt, len, NULL);
}

/* 7.2.2: a packet whose next hop never answered; its sender is told by icmp6.c. */
static void cb_unreachable(void *ctx, const ipv6_addr *target, const uint8_t *pkt, size_t len)
{
    (void)target;
    synack_stack *st = ctx;
    stack_drop(st, NULL, SYNACK_CTR_Ip6OutDiscards, "nd-resolution-failed");
    ip6_link_failure(st, pkt, len);
}

int ip6_nd_init(synack_stack *st)
{
    if (st->cfg.netif.type != SYNACK_LINK_ETHERNET ||
        (!ip6_enabled(st) && !st->cfg.slaac && !st->cfg.ipv6))
        return 0;
    nd_config cfg;
    nd_config_default(&cfg);
    nd_ops ops = {.ctx = st,
                  .send_ns = cb_send_ns,
                  .xmit = cb_xmit,
                  .unreachable = cb_unreachable,
                  .xmit_meta = cb_xmit_meta};
    int rc = nd_cache_init(&st->nd, &cfg, &st->mem, &ops, &st->rng);
    if (rc == 0) {
        st->nd_on = 1;
        ip6_mld_init(st);
        ip6_dad_init(st);
        ip6_rs_init(st);
    }
    return rc;
}

void ip6_nd_destroy(synack_stack *st)
{
    if (st->nd_on)
        nd_cache_destroy(&st->nd);
    st->nd_on = 0;
}

void ip6_nd_poll(synack_stack *st)
{
    if (!st->nd_on) {
        addr6x_poll(st); /* the added addresses' lifetimes (no DAD without ND) */
        return;
    }
    ip6_dad_delay(st);
    ip6_mld_poll(st); /* the groups are joined before DAD probes (RFC 4862 5.4.2) */
    ip6_dad_poll(st);
    addr6x_poll(st);
    ip6_rs_poll(st); /* after DAD: the link-local address it waits for may be in use now */
    ip6_ra_poll(st);
    nd_cache_redraw(&st->nd, st->now, &st->rng);
    (void)nd_poll(&st->nd, st->now);
}

uint64_t ip6_nd_deadline(const synack_stack *st)
{
    if (!st->nd_on)
        return addr6x_deadline(st);
    uint64_t t = ip6_dad_deadline(st), m = ip6_mld_deadline(st), r = ip6_ra_deadline(st);
    if (m < t)
        t = m;
    if (r < t)
        t = r;
    if ((r = ip6_rs_deadline(st)) < t)
        t = r;
    if ((r = addr6x_deadline(st)) < t)
        t = r;
    for (uint32_t i = 0; i < st->nd.cfg.size; i++) {
        const nd_entry *e = &st->nd.e[i];
        if ((e->state == ND_INCOMPLETE || e->state == ND_DELAY || e->state == ND_PROBE) &&
            e->timer < t)
            t = e->timer;
    }
    return t;
}

void ip6_nd_input(synack_stack *st, const ipv6_hdr *h, const icmp6_msg *m)
{
    nd_msg nd;
    if (!st->nd_on || nd_parse(m, h->hop_limit, &h->src, &h->dst, &nd) != WIRE_OK) {
        stack_count(st, SYNACK_CTR_Icmp6InErrors);
        stack_drop(st, NULL, SYNACK_CTR_COUNT, "nd-invalid");
        return;
    }
    if (nd.type == ICMP6_ND_NA) {
        stack_count(st, SYNACK_CTR_Icmp6InNeighborAdvertisements);
        if (ip6_dad_input(st, h, &nd) || addr6x_dad_input(st, h, &nd))
            return;
        if (nd_input_na(&st->nd, &nd.target, nd.flags, nd.opts.has_tlla ? nd.opts.tlla : NULL,
                        st->now))
            ip6_ra_not_router(st, &nd.target);
        return;
    }
    if (nd.type == ICMP6_ND_RA) {
        ip6_ra_input(st, h, &nd);
        return;
    }
    if (nd.type == ICMP6_ND_REDIRECT) {
        /* RFC 4861 8: valid, but the first hop stays the one routing chose (router.c) */
        stack_drop(st, NULL, SYNACK_CTR_Icmp6InRedirects, "nd-redirect-ignored");
        return;
    }
    if (nd.type != ICMP6_ND_NS) {
        stack_drop(st, NULL, SYNACK_CTR_COUNT, "nd-ignored"); /* a Router Solicitation */
        return;
    }
    stack_count(st, SYNACK_CTR_Icmp6InNeighborSolicits);
    if (ip6_dad_input(st, h, &nd) || addr6x_dad_input(st, h, &nd))
        return;
    if (!ip6_ours_unicast(st, &nd.target)) {
        stack_drop(st, NULL, SYNACK_CTR_COUNT, "nd-ns-not-ours");
        return;
    }
    int from_dad = ipv6_addr_is_unspecified(&h->src);
    if (!from_dad && nd.opts.has_slla)
        nd_input_slla(&st->nd, &h->src, nd.opts.slla, st->now);
    /* 7.2.4: solicited, override, our MAC; to the soliciting node, or to all-nodes for a
     * DAD probe (from ::, which must not learn that it was answered as solicited). */
    ipv6_addr dst = from_dad ? all_nodes : h->src;
    uint8_t l4[64];
    size_t n =
        nd_na_emit(l4, sizeof(l4), (uint8_t)(ND_NA_OVERRIDE | (from_dad ? 0 : ND_NA_SOLICITED)),
                   &nd.target, st->cfg.netif.mac, &nd.target, &dst);
    stack_count(st, SYNACK_CTR_Icmp6OutNeighborAdvertisements);
    const uint8_t *mac = !from_dad && nd.opts.has_slla ? nd.opts.slla : NULL;
    uint8_t mmac[6];
    if (from_dad) {
        ipv6_mcast_mac(mmac, &dst);
        mac = mmac;
    }
    ip6_nd_send(st, &nd.target, &dst, mac, l4, n);
}
