/* SPDX-License-Identifier: MIT */
/* ARP (RFC 826): answer requests for our address, learn from what we hear, resolve next
 * hops with a bounded cache and a bounded queue of waiting frames, and keep resolved
 * entries honest with neighbour unreachability detection (RFC 4861 7.3's states, as
 * Linux runs them for IPv4). */
#include <errno.h>
#include <string.h>

#include "stack/stack_impl.h"
#include "util/siphash.h"
#include "wire/arp.h"
#include "wire/bytes.h"
#include "wire/eth.h"

static const uint8_t broadcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
static const uint8_t zero_mac[6];

/* Uniform in [0.5, 1.5] x ARP_REACHABLE_US (RFC 4861 6.3.2, Linux's neigh_rand_reach_time). */
static void draw_reachable(arp_cache *a)
{
    a->reachable_us = ARP_REACHABLE_US / 2 + rng_next(&a->rng) % (ARP_REACHABLE_US + 1);
}

int arp_cache_init(synack_stack *st)
{
    arp_cache *a = &st->arp;
    memset(a, 0, sizeof(*a));
    if (st->cfg.netif.type != SYNACK_LINK_ETHERNET)
        return 0;
    a->size = st->cfg.arp_cache_size ? st->cfg.arp_cache_size : 1;
    a->entries = stack_alloc(st, sizeof(arp_entry) * a->size);
    if (!a->entries)
        return -ENOMEM;
    memset(a->entries, 0, sizeof(arp_entry) * a->size);
    /* Seeded from the stack's keys rather than drawn from st->rng, so that ports and the
     * like drawn later come out as they did before ARP had timers. */
    rng_seed(&a->rng, siphash24(st->hash_key, "arp-reachable", 13));
    draw_reachable(a);
    return 0;
}

static void pending_free(synack_stack *st, arp_pending *p)
{
    stack_free(st, p, sizeof(*p) + p->len);
}

void arp_cache_destroy(synack_stack *st)
{
    arp_cache *a = &st->arp;
    while (a->head) {
        arp_pending *p = a->head;
        a->head = p->next;
        pending_free(st, p);
    }
    if (a->entries)
        stack_free(st, a->entries, sizeof(arp_entry) * a->size);
    memset(a, 0, sizeof(*a));
}

static arp_entry *find(arp_cache *a, uint32_t ip)
{
    for (uint32_t i = 0; i < a->size; i++)
        if (a->entries[i].ip == ip)
            return &a->entries[i];
    return NULL;
}

/* The entry has a deadline for arp_poll (counted in probing). */
static int timed(const arp_entry *e)
{
    return e->state == ARP_INCOMPLETE ? e->probes != 0
                                      : e->state == ARP_DELAY || e->state == ARP_PROBE;
}

static uint64_t due(const arp_entry *e)
{
    return e->state == ARP_DELAY ? e->timer : e->requested + ARP_RETRY_US;
}

static void set_state(arp_cache *a, arp_entry *e, uint8_t state)
{
    if (timed(e))
        a->probing--;
    e->state = state;
    e->probes = 0;
    if (timed(e))
        a->probing++;
}

static void set_reachable(synack_stack *st, arp_entry *e)
{
    arp_cache *a = &st->arp;
    if (st->now >= a->redraw_at) { /* lazily: an idle stack is not woken for it */
        if (a->redraw_at)
            draw_reachable(a);
        a->redraw_at = st->now + ARP_REDRAW_US;
    }
    set_state(a, e, ARP_REACHABLE);
    e->timer = st->now + a->reachable_us;
}

static arp_entry *slot_for(synack_stack *st, uint32_t ip)
{
    arp_cache *a = &st->arp;
    arp_entry *e = find(a, ip);
    if (e)
        return e;
    arp_entry *victim = &a->entries[0];
    for (uint32_t i = 0; i < a->size; i++) {
        if (a->entries[i].ip == 0) {
            victim = &a->entries[i];
            break;
        }
        if (a->entries[i].used < victim->used)
            victim = &a->entries[i];
    }
    if (timed(victim))
        a->probing--; /* what waits for it goes by ARP_PENDING_US */
    memset(victim, 0, sizeof(*victim));
    victim->ip = ip;
    victim->used = st->now;
    return victim;
}

static int send_frame(synack_stack *st, const uint8_t *frame, size_t len,
                      const synack_tx_meta *meta)
{
    int rc = ip_send_frame(st, frame, len, meta);
    if (rc < 0)
        stack_count(st, SYNACK_CTR_OutDiscards);
    return rc;
}

static void send_arp(synack_stack *st, uint16_t op, const uint8_t *tha, uint32_t tpa,
                     const uint8_t *dst_mac)
{
    uint8_t buf[ETH_HDR_LEN + ARP_LEN];
    eth_hdr eh;
    memcpy(eh.dst, dst_mac, 6);
    memcpy(eh.src, st->cfg.netif.mac, 6);
    eh.ethertype = ETHERTYPE_ARP;
    arp_pkt ap = {.op = op, .spa = st->cfg.netif.addr, .tpa = tpa};
    memcpy(ap.sha, st->cfg.netif.mac, 6);
    memcpy(ap.tha, tha, 6);
    size_t n = eth_emit(buf, sizeof(buf), &eh);
    n += arp_emit(buf + n, sizeof(buf) - n, &ap);
    send_frame(st, buf, n, NULL);
}

/* A request for e: broadcast while resolving; in PROBE, unicast to the MAC we hold (as
 * Linux's arp_solicit, the target hardware address left zero). */
static void probe(synack_stack *st, arp_entry *e)
{
    e->probes++;
    e->requested = st->now;
    if (e->state == ARP_PROBE) {
        stack_count(st, SYNACK_CTR_ArpProbes);
        send_arp(st, ARP_OP_REQUEST, zero_mac, e->ip, e->mac);
    } else {
        send_arp(st, ARP_OP_REQUEST, zero_mac, e->ip, broadcast);
    }
}

/* Sends what waited for e; returns how many frames went. */
static uint32_t flush_pending(synack_stack *st, const arp_entry *e)
{
    arp_cache *a = &st->arp;
    uint32_t sent = 0;
    arp_pending **pp = &a->head;
    a->tail = NULL;
    while (*pp) {
        arp_pending *p = *pp;
        if (p->ip == e->ip) {
            *pp = p->next;
            a->npending--;
            memcpy(p->frame, e->mac, 6);
            send_frame(st, p->frame, p->len, &p->meta);
            pending_free(st, p);
            sent++;
        } else {
            a->tail = p;
            pp = &p->next;
        }
    }
    return sent;
}

void arp_input(synack_stack *st, const uint8_t *pkt, size_t len)
{
    arp_pkt ap;
    wire_result r = arp_parse(pkt, len, &ap);
    if (r != WIRE_OK) {
        stack_drop(st, NULL, SYNACK_CTR_ArpDrops, wire_result_name(r));
        return;
    }
    uint32_t me = st->cfg.netif.addr;
    if (me == 0) { /* IPv6-only: no address to answer for, nothing to resolve */
        stack_drop(st, NULL, SYNACK_CTR_ArpDrops, "arp-no-ipv4-address");
        return;
    }
    if (ap.spa == 0 || ap.spa == me) {
        stack_drop(st, NULL, SYNACK_CTR_ArpDrops, "arp-bad-sender");
        return;
    }
    /* RFC 826 "Packet Reception": update an entry we have; add one if it is for us. A
     * reply to us confirms the neighbour (REACHABLE, with the MAC it carries); anything
     * else only tells us where it is: a new or changed MAC is STALE, to be checked when
     * used, and an unchanged one keeps its state (Linux's arp_process, neigh_update). */
    arp_cache *a = &st->arp;
    arp_entry *e = find(a, ap.spa);
    if (!e && ap.tpa == me)
        e = slot_for(st, ap.spa);
    if (e) {
        int confirm =
            ap.op == ARP_OP_REPLY && ap.tpa == me && memcmp(ap.tha, st->cfg.netif.mac, 6) == 0;
        int was_incomplete = e->state == ARP_INCOMPLETE;
        int changed = memcmp(e->mac, ap.sha, 6) != 0;
        memcpy(e->mac, ap.sha, 6);
        if (confirm)
            set_reachable(st, e);
        else if (was_incomplete || changed)
            set_state(a, e, ARP_STALE);
        e->used = st->now;
        if (was_incomplete && flush_pending(st, e) && e->state == ARP_STALE) {
            set_state(a, e, ARP_DELAY); /* as a send through a STALE entry does */
            e->timer = st->now + ARP_DELAY_US;
        }
    }
    if (ap.op == ARP_OP_REQUEST && ap.tpa == me)
        send_arp(st, ARP_OP_REPLY, ap.sha, ap.spa, ap.sha);
}

int arp_output(synack_stack *st, uint32_t nexthop, uint8_t *frame, size_t len)
{
    return arp_output_meta(st, nexthop, frame, len, NULL);
}

int arp_output_meta(synack_stack *st, uint32_t nexthop, uint8_t *frame, size_t len,
                    const synack_tx_meta *meta)
{
    arp_cache *a = &st->arp;
    arp_entry *e = find(a, nexthop);
    if (e && e->state != ARP_INCOMPLETE) {
        e->used = st->now;
        a->hint = (uint32_t)(e - a->entries);
        if (e->state == ARP_REACHABLE && st->now >= e->timer)
            e->state = ARP_STALE;
        if (e->state == ARP_STALE) {
            /* RFC 4861 7.3.3: used at once; an upper layer has DELAY to confirm it */
            set_state(a, e, ARP_DELAY);
            e->timer = st->now + ARP_DELAY_US;
        }
        memcpy(frame, e->mac, 6);
        return send_frame(st, frame, len, meta);
    }
    if (!e)
        e = slot_for(st, nexthop);
    if (!e->probes) { /* arp_poll() asks again */
        a->probing++;
        probe(st, e);
    }
    if (a->npending >= st->cfg.arp_pending_max) {
        stack_drop(st, NULL, SYNACK_CTR_ArpDrops, "arp-queue-full");
        return -ENOBUFS;
    }
    arp_pending *p = stack_alloc(st, sizeof(*p) + len);
    if (!p) {
        stack_drop(st, NULL, SYNACK_CTR_NoMemory, "no-memory");
        return -ENOMEM;
    }
    p->next = NULL;
    p->ip = nexthop;
    p->len = (uint32_t)len;
    p->queued = st->now;
    ip_tx_flatten(st, frame, len);
    if (meta)
        p->meta = *meta;
    else
        memset(&p->meta, 0, sizeof(p->meta));
    memcpy(p->frame, frame, len);
    if (a->tail)
        a->tail->next = p;
    else
        a->head = p;
    a->tail = p;
    a->npending++;
    return 0;
}

/* p never left: dropped, and its sender told as Linux tells it (ip_link_failure). */
static void fail_frame(synack_stack *st, arp_pending *p, const char *why)
{
    stack_drop(st, NULL, SYNACK_CTR_ArpDrops, why);
    if (p->len > ETH_HDR_LEN && rd16(p->frame + 12) == ETHERTYPE_IPV4)
        ip_link_failure(st, p->frame + ETH_HDR_LEN, p->len - ETH_HDR_LEN);
    pending_free(st, p);
}

/* The next hop ip never answered: everything waiting for it fails. The frames are taken
 * off the queue first, so what a sender does on hearing of it (a new frame to ip starts
 * a new resolution) finds a consistent queue. */
static void fail_next_hop(synack_stack *st, uint32_t ip)
{
    arp_cache *a = &st->arp;
    arp_pending *failed = NULL, **fail_tail = &failed, **pp = &a->head;
    a->tail = NULL;
    while (*pp) {
        arp_pending *p = *pp;
        if (p->ip == ip) {
            *pp = p->next;
            a->npending--;
            p->next = NULL;
            *fail_tail = p;
            fail_tail = &p->next;
        } else {
            a->tail = p;
            pp = &p->next;
        }
    }
    while (failed) {
        arp_pending *p = failed;
        failed = p->next;
        fail_frame(st, p, "arp-failed");
    }
}

void arp_confirm(synack_stack *st, uint32_t dst)
{
    arp_cache *a = &st->arp;
    if (!a->entries || (dst == a->conf_dst && st->now - a->conf_at < ARP_CONFIRM_GAP_US))
        return;
    uint32_t nh = route_next_hop(st, dst);
    if (nh == 0)
        return;
    arp_entry *e = &a->entries[a->hint];
    if (e->ip != nh)
        e = find(a, nh);
    if (e && e->state != ARP_INCOMPLETE) {
        set_reachable(st, e);
        a->conf_dst = dst;
        a->conf_at = st->now;
    }
}

uint64_t arp_poll(synack_stack *st)
{
    arp_cache *a = &st->arp;
    for (uint32_t i = 0; i < a->size && a->probing; i++) {
        arp_entry *e = &a->entries[i];
        if (!timed(e) || st->now < due(e))
            continue;
        if (e->state == ARP_DELAY) { /* no confirmation came: ask the neighbour itself */
            set_state(a, e, ARP_PROBE);
            probe(st, e);
            continue;
        }
        if (e->probes < ARP_PROBES) {
            probe(st, e);
            continue;
        }
        uint32_t ip = e->ip;
        if (e->state == ARP_PROBE) {
            /* gone: the next frame resolves afresh, by broadcast */
            stack_count(st, SYNACK_CTR_ArpNudFailures);
            a->probing--;
            memset(e, 0, sizeof(*e));
        } else {
            e->probes = 0;
            a->probing--;
        }
        fail_next_hop(st, ip);
    }
    while (a->head && st->now - a->head->queued >= ARP_PENDING_US) {
        arp_pending *p = a->head;
        a->head = p->next;
        if (!a->head)
            a->tail = NULL;
        a->npending--;
        fail_frame(st, p, "arp-timeout");
    }
    return arp_deadline(st);
}

uint64_t arp_deadline(const synack_stack *st)
{
    const arp_cache *a = &st->arp;
    uint64_t t = a->head ? a->head->queued + ARP_PENDING_US : UINT64_MAX;
    for (uint32_t i = 0; i < a->size && a->probing; i++) {
        const arp_entry *e = &a->entries[i];
        if (timed(e) && due(e) < t)
            t = due(e);
    }
    return t;
}
